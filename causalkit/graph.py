"""The causal graph type shared by every algorithm in causalkit.

A :class:`CausalGraph` holds named nodes and edges whose two ends carry a *mark*:
``"tail"``, ``"arrow"`` or ``"circle"``. Five edge types cover every graph class
that causal discovery produces:

========  ==============  ===========================================
type      marks (src, tgt)  meaning
========  ==============  ===========================================
``-->``   tail, arrow     ``source`` is a direct cause of ``target``
``---``   tail, tail      undirected (orientation not identified)
``<->``   arrow, arrow    hidden common cause (ADMG / PAG)
``o->``   circle, arrow   PAG: ``target`` is not an ancestor of ``source``
``o-o``   circle, circle  PAG: nothing known about the orientation
========  ==============  ===========================================

So one type holds a DAG, a CPDAG/PDAG, a PAG, an ADMG or a skeleton; ``kind``
says which. Edges may carry a ``lag`` (0 = contemporaneous; ``lag=k`` means
``source`` at time ``t-k`` and ``target`` at time ``t``) so the same type holds
time-series graphs; :meth:`CausalGraph.summary` collapses the lags.

Graphs are immutable and hashable. Edge direction is never implicit: every
conversion to or from a matrix takes ``convention="row->col"`` or
``"col->row"``.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import pandas as pd

from .exceptions import GraphError, NodeNotFound

__all__ = ["CausalGraph", "Edge", "EDGE_TYPES", "MARKS", "KINDS"]

MARKS = ("tail", "arrow", "circle")
#: marks at (source end, target end) for each canonical edge type
EDGE_TYPES = {
    "-->": ("tail", "arrow"),
    "---": ("tail", "tail"),
    "<->": ("arrow", "arrow"),
    "o->": ("circle", "arrow"),
    "o-o": ("circle", "circle"),
}
_MARKS_TO_TYPE = {v: k for k, v in EDGE_TYPES.items()}
# Reversed spellings accepted on input and flipped to the canonical form.
_REVERSED = {"<--": "-->", "<-o": "o->"}
_SYMMETRIC = {"---", "<->", "o-o"}
KINDS = ("dag", "cpdag", "pdag", "pag", "admg", "skeleton", "mixed")
# Integer codes of the endpoint matrix (see ``to_endpoint_matrix``).
_MARK_CODE = {"tail": 1, "arrow": 2, "circle": 3}
_CODE_MARK = {v: k for k, v in _MARK_CODE.items()}

Edge = namedtuple("Edge", ["source", "target", "type", "lag"])
Edge.__doc__ = """One edge: ``source``, ``target``, ``type`` (one of ``EDGE_TYPES``), ``lag``."""


def _check_convention(convention):
    if convention not in ("row->col", "col->row"):
        raise ValueError(
            f"convention must be 'row->col' (matrix[i, j] != 0 means i -> j) or "
            f"'col->row' (matrix[i, j] != 0 means j -> i); got {convention!r}"
        )


class CausalGraph:
    """An immutable graph over named nodes with marked edges.

    Parameters
    ----------
    nodes : iterable of str
        Node names, in the order used by matrix conversions. Names are cast
        to ``str``; duplicates raise :class:`GraphError`.
    edges : iterable, optional
        Each edge is a pair ``(source, target)`` (read as ``-->``), a triple
        ``(source, target, type)``, a quadruple ``(source, target, type, lag)``
        or an :class:`Edge`. ``type`` may also be written reversed
        (``"<--"``, ``"<-o"``).
    latent : iterable of str, optional
        Nodes that are unobserved (for example a hidden confounder). They stay
        in the graph, marked, so that reasoning with hidden variables can use
        them; :meth:`latent_projection` removes them.
    kind : str, optional
        One of ``"dag"``, ``"cpdag"``, ``"pdag"``, ``"pag"``, ``"admg"``,
        ``"skeleton"``, ``"mixed"``. Inferred from the edge types when omitted
        (a graph of only ``---`` edges is read as a ``"skeleton"``; pass
        ``kind="cpdag"`` when it is a CPDAG without v-structures).
    edge_attrs : dict, optional
        ``{(source, target, lag): {"weight": w, "p_value": p}}`` with keys in
        the canonical orientation of the edge.

    Attributes
    ----------
    nodes : tuple of str
    latent : frozenset of str
    observed : tuple of str
        ``nodes`` without the latent ones, in order.

    Raises
    ------
    GraphError
        On duplicate node names, an unknown edge type, a negative lag, a
        contemporaneous self-loop, two edges on one pair (other than a bow,
        ``-->`` with ``<->``), or a ``kind`` that the edges contradict
        (``"dag"`` with a non-directed edge or a cycle, ``"skeleton"`` with a
        directed edge).
    NodeNotFound
        If an edge or ``latent`` names a node not in ``nodes``.

    Notes
    -----
    Two graphs are equal (and hash equal) when their nodes (in order), edges,
    latent nodes and kind agree; edge attributes such as ``weight`` are not
    compared. Converters are in :mod:`causalkit._graph_io` and documented on
    the "Graphs" page.

    Examples
    --------
    >>> g = CausalGraph.from_edges([("smoking", "tar"), ("tar", "cancer")])
    >>> g.parents("cancer")
    ('tar',)
    >>> g.kind
    'dag'
    """

    __slots__ = ("nodes", "latent", "_index", "_edges", "_bows", "_attrs", "_kind", "_hash")

    def __init__(self, nodes, edges=(), *, latent=(), kind=None, edge_attrs=None):
        nodes = tuple(str(n) for n in nodes)
        if len(set(nodes)) != len(nodes):
            dup = sorted({n for n in nodes if nodes.count(n) > 1})
            raise GraphError(f"duplicate node names: {dup}")
        self.nodes = nodes
        self._index = {n: i for i, n in enumerate(nodes)}
        latent = frozenset(str(n) for n in latent)
        unknown = latent - set(nodes)
        if unknown:
            raise NodeNotFound(f"latent nodes not in the graph: {sorted(unknown)}")
        self.latent = latent
        self._edges = {}
        # A "bow" (a --> b together with a <-> b) is the one case of two edges
        # on a pair; ADMGs need it. The <-> half is kept here, the --> in _edges.
        bows = set()
        for e in edges:
            s, t, typ, lag = self._normalise_edge(e)
            key = (s, t, lag)
            if lag == 0:
                other = (t, s, 0)
                old = self._edges.get(key) or self._edges.get(other)
                if old is not None:
                    if {old, typ} == {"-->", "<->"}:
                        pair = tuple(sorted((s, t), key=self._index.get))
                        if pair in bows:
                            raise GraphError(f"more than one edge between {s!r} and {t!r}")
                        bows.add(pair)
                        if typ == "-->":
                            self._edges.pop((pair[0], pair[1], 0), None)
                            self._edges[key] = typ
                        continue
                    raise GraphError(f"more than one edge between {s!r} and {t!r}")
            elif key in self._edges:
                raise GraphError(f"more than one edge {s!r} -> {t!r} at lag {lag}")
            self._edges[key] = typ
        self._bows = frozenset(bows)
        self._attrs = {}
        for key, attrs in (edge_attrs or {}).items():
            key = (str(key[0]), str(key[1]), int(key[2]) if len(key) > 2 else 0)
            if key not in self._edges:
                rev = (key[1], key[0], key[2])
                if rev in self._edges and self._edges[rev] in _SYMMETRIC:
                    key = rev
                else:
                    raise GraphError(f"edge_attrs names an edge not in the graph: {key}")
            self._attrs[key] = dict(attrs)
        if kind is None:
            kind = self._infer_kind()
        elif kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}; got {kind!r}")
        else:
            self._check_kind(kind)
        self._kind = kind
        self._hash = None

    # ------------------------------------------------------------------ building
    def _normalise_edge(self, e):
        if isinstance(e, dict):
            e = (e["source"], e["target"], e.get("type", "-->"), e.get("lag", 0))
        e = tuple(e)
        if len(e) == 2:
            s, t, typ, lag = e[0], e[1], "-->", 0
        elif len(e) == 3:
            s, t, typ, lag = e[0], e[1], e[2], 0
        elif len(e) == 4:
            s, t, typ, lag = e
        else:
            raise GraphError(f"an edge is (source, target[, type[, lag]]); got {e!r}")
        s, t = str(s), str(t)
        for n in (s, t):
            if n not in self._index:
                raise NodeNotFound(f"edge {e!r} names node {n!r}, which is not in the graph")
        try:
            lag = int(lag)
        except (TypeError, ValueError):
            raise GraphError(f"edge {e!r}: lag must be a non-negative integer") from None
        if lag < 0:
            raise GraphError(f"edge {e!r}: lag must be a non-negative integer")
        if typ in _REVERSED:
            if lag > 0:
                raise GraphError(f"edge {e!r}: a lagged edge cannot point back in time")
            s, t, typ = t, s, _REVERSED[typ]
        if typ not in EDGE_TYPES:
            raise GraphError(
                f"edge {e!r}: unknown type {typ!r}; valid types are {list(EDGE_TYPES)}"
            )
        if s == t and lag == 0:
            raise GraphError(f"edge {e!r}: a contemporaneous self-loop is not allowed")
        if typ in _SYMMETRIC and lag == 0 and self._index[s] > self._index[t]:
            s, t = t, s
        return s, t, typ, lag

    @classmethod
    def from_edges(cls, edges, latent=(), nodes=None):
        """Build a DAG (or time-series DAG) from directed edges given by name.

        Parameters
        ----------
        edges : iterable of (source, target) or (source, target, lag)
            Directed edges ``source --> target``.
        latent : iterable of str, optional
            Nodes that are unobserved; they must appear in ``edges`` or
            ``nodes``.
        nodes : iterable of str, optional
            All nodes, in order. Defaults to the nodes of ``edges`` in order
            of first appearance (isolated nodes need ``nodes``).

        Returns
        -------
        CausalGraph
            ``kind="dag"``.

        Raises
        ------
        GraphError
            If the contemporaneous edges contain a cycle.
        """
        edges = [tuple(e) for e in edges]
        conv = []
        for e in edges:
            if len(e) == 2:
                conv.append((e[0], e[1], "-->", 0))
            elif len(e) == 3:
                conv.append((e[0], e[1], "-->", e[2]))
            else:
                raise GraphError(f"from_edges takes (source, target[, lag]); got {e!r}")
        if nodes is None:
            seen = {}
            for s, t, _, _ in conv:
                seen.setdefault(str(s), None)
                seen.setdefault(str(t), None)
            for n in latent:
                seen.setdefault(str(n), None)
            nodes = list(seen)
        g = cls(nodes, conv, latent=latent)
        if not g.is_acyclic():
            raise GraphError("the edges contain a directed cycle; from_edges builds a DAG")
        return g

    @classmethod
    def from_adjacency(cls, matrix, names=None, *, convention, kind=None):
        """Build a graph from an adjacency matrix.

        Parameters
        ----------
        matrix : array-like or DataFrame of shape (d, d)
            Nonzero entries are edges. A pair nonzero in both directions is an
            undirected edge ``---`` (the CPDAG convention of gCastle and
            pcalg). Entries other than 0 and 1 are kept as edge ``weight``.
        names : list of str, optional
            Node names; taken from the DataFrame's index when ``matrix`` is
            one, else ``X0..X{d-1}``.
        convention : {"row->col", "col->row"}
            Required. ``"row->col"``: ``matrix[i, j] != 0`` means ``i -> j``
            (networkx, gCastle). ``"col->row"``: it means ``j -> i`` (lingam).
        kind : str, optional
            Passed to :class:`CausalGraph`.

        Returns
        -------
        CausalGraph
        """
        _check_convention(convention)
        if isinstance(matrix, pd.DataFrame):
            if names is None:
                names = [str(c) for c in matrix.index]
                if list(matrix.columns.astype(str)) != names:
                    raise GraphError("an adjacency DataFrame must have the same index and columns")
            matrix = matrix.to_numpy()
        a = np.asarray(matrix, dtype=float)
        if a.ndim != 2 or a.shape[0] != a.shape[1]:
            raise GraphError(f"matrix must be square; got shape {a.shape}")
        if not np.all(np.isfinite(a)):
            raise GraphError("matrix contains NaN or inf")
        d = a.shape[0]
        names = [f"X{i}" for i in range(d)] if names is None else [str(n) for n in names]
        if len(names) != d:
            raise GraphError(f"names has {len(names)} entries but the matrix is {d} x {d}")
        if convention == "col->row":
            a = a.T
        if np.any(np.diag(a) != 0):
            raise GraphError("matrix has nonzero diagonal entries (self-loops)")
        weighted = not np.all(np.isin(a, (0.0, 1.0)))
        edges, attrs = [], {}
        for i in range(d):
            for j in range(d):
                if a[i, j] == 0:
                    continue
                if a[j, i] != 0:
                    if i < j:
                        edges.append((names[i], names[j], "---"))
                        if weighted:
                            attrs[(names[i], names[j], 0)] = {"weight": a[i, j]}
                    continue
                edges.append((names[i], names[j], "-->"))
                if weighted:
                    attrs[(names[i], names[j], 0)] = {"weight": a[i, j]}
        return cls(names, edges, kind=kind, edge_attrs=attrs)

    @classmethod
    def from_endpoint_matrix(cls, marks, names=None, *, kind=None):
        """Build a graph from an endpoint-mark matrix (see :meth:`to_endpoint_matrix`).

        Parameters
        ----------
        marks : array-like of int, shape (d, d)
            ``marks[i, j]`` is the mark at ``j`` on the edge between ``i`` and
            ``j``: 0 none, 1 tail, 2 arrow, 3 circle.
        names : list of str, optional
            Default ``X0..X{d-1}``.
        kind : str, optional
            Passed to :class:`CausalGraph`.

        Returns
        -------
        CausalGraph

        Raises
        ------
        GraphError
            On a non-square matrix, unknown codes, a mark on one end only, or
            a mark pair with no edge type (such as tail and circle).
        """
        m = np.asarray(marks)
        if m.ndim != 2 or m.shape[0] != m.shape[1]:
            raise GraphError(f"marks must be a square matrix; got shape {m.shape}")
        d = m.shape[0]
        names = [f"X{i}" for i in range(d)] if names is None else [str(n) for n in names]
        if len(names) != d:
            raise GraphError(f"names has {len(names)} entries but the matrix is {d} x {d}")
        bad = sorted(set(np.unique(m).tolist()) - {0, 1, 2, 3})
        if bad:
            raise GraphError(f"marks holds codes {bad}; valid codes are 0 (none), 1 (tail), "
                             "2 (arrow), 3 (circle)")
        edges = []
        for i in range(d):
            for j in range(i + 1, d):
                if m[i, j] == 0 and m[j, i] == 0:
                    continue
                if m[i, j] == 0 or m[j, i] == 0:
                    raise GraphError(f"endpoint matrix has a half edge between {names[i]} and {names[j]}")
                key = (_CODE_MARK[int(m[j, i])], _CODE_MARK[int(m[i, j])])
                if key in _MARKS_TO_TYPE:
                    edges.append((names[i], names[j], _MARKS_TO_TYPE[key]))
                else:
                    rev = (key[1], key[0])
                    if rev not in _MARKS_TO_TYPE:
                        raise GraphError(f"unsupported marks {key} between {names[i]} and {names[j]}")
                    edges.append((names[j], names[i], _MARKS_TO_TYPE[rev]))
        return cls(names, edges, kind=kind)

    # ------------------------------------------------------------------ kind
    def _check_kind(self, kind):
        # Only the kinds whose edge types are unambiguous are checked: a
        # discovery method may return a "cpdag" or "pag" holding extra marks
        # (for example <-> for conflicting v-structures).
        types = set(self._edges.values()) | ({"<->"} if self._bows else set())
        if kind == "dag":
            if not types <= {"-->"}:
                raise GraphError(f"kind='dag' allows only '-->' edges; this graph has {sorted(types)}")
            if not self.is_acyclic():
                raise GraphError("kind='dag' but the contemporaneous edges contain a directed cycle")
        elif kind == "skeleton" and not types <= {"---"}:
            raise GraphError(f"kind='skeleton' allows only '---' edges; this graph has {sorted(types)}")

    def _infer_kind(self):
        types = set(self._edges.values()) | ({"<->"} if self._bows else set())
        if not types or types == {"-->"}:
            return "dag" if self.is_acyclic() else "mixed"
        if types == {"---"}:
            return "skeleton"
        if types <= {"-->", "---"}:
            return "pdag"
        if types <= {"-->", "<->"}:
            return "admg" if self.is_acyclic() else "mixed"
        if types & {"o->", "o-o"} and "---" not in types:
            return "pag"
        return "mixed"

    @property
    def kind(self):
        """str : which graph class this is (``"dag"``, ``"cpdag"``, ...)."""
        return self._kind

    # ------------------------------------------------------------------ views
    @property
    def observed(self):
        return tuple(n for n in self.nodes if n not in self.latent)

    @property
    def n_nodes(self):
        return len(self.nodes)

    @property
    def n_edges(self):
        return len(self._edges) + len(self._bows)

    def edge_list(self):
        """list of :class:`Edge` in canonical orientation, sorted by node order and lag."""
        items = [(s, t, typ, lag) for (s, t, lag), typ in self._edges.items()]
        items += [(s, t, "<->", 0) for s, t in self._bows]
        items.sort(key=lambda k: (k[3], self._index[k[0]], self._index[k[1]], k[2]))
        return [Edge(*k) for k in items]

    @property
    def edges(self):
        """DataFrame with columns ``source, target, type, lag`` (+ ``weight``, ``p_value``).

        One row per edge, in canonical orientation (``-->`` and ``o->`` point
        from ``source`` to ``target``; symmetric types list the earlier node
        first). ``weight`` and ``p_value`` appear when any edge carries them.
        """
        edges = self.edge_list()
        rows = [e._asdict() for e in edges]
        df = pd.DataFrame(rows, columns=["source", "target", "type", "lag"])
        df["lag"] = df["lag"].astype(int)
        extra = sorted({k for a in self._attrs.values() for k in a})
        for col in extra:
            df[col] = [self._edge_attr_dict(e).get(col, np.nan) for e in edges]
        return df

    def _edge_attr_dict(self, e):
        """Attributes of one :class:`Edge` of ``edge_list()`` (the ``<->`` half of a bow has none)."""
        key = (e.source, e.target, e.lag)
        if self._edges.get(key) != e.type:
            return {}
        return self._attrs.get(key, {})

    def edge_attrs(self, source, target, lag=0):
        """dict of the attributes (``weight``, ``p_value``, ...) of one edge."""
        key = self._find_key(source, target, lag)
        if key is None:
            raise GraphError(f"no edge between {source!r} and {target!r} at lag {lag}")
        return dict(self._attrs.get(key, {}))

    def _find_key(self, u, v, lag=0):
        u, v = str(u), str(v)
        if (u, v, lag) in self._edges:
            return (u, v, lag)
        if lag == 0 and (v, u, 0) in self._edges:
            return (v, u, 0)
        return None

    def _check_node(self, v):
        v = str(v)
        if v not in self._index:
            raise NodeNotFound(f"node {v!r} is not in the graph; nodes are {list(self.nodes)}")
        return v

    def edge_type(self, u, v, lag=0):
        """Type of the edge between ``u`` and ``v`` read from ``u`` to ``v`` (``"<--"`` if it points at ``u``), or None."""
        u, v = self._check_node(u), self._check_node(v)
        key = self._find_key(u, v, lag)
        if key is None:
            return None
        typ = self._edges[key]
        if key[0] == u or typ in _SYMMETRIC:
            return typ
        return {"-->": "<--", "o->": "<-o"}[typ]

    def mark(self, u, v, lag=0):
        """The mark at ``v`` on the edge between ``u`` and ``v`` (``"tail"``, ``"arrow"``, ``"circle"``), or None."""
        u, v = self._check_node(u), self._check_node(v)
        key = self._find_key(u, v, lag)
        if key is None:
            return None
        ms, mt = EDGE_TYPES[self._edges[key]]
        return mt if key[1] == v else ms

    def has_edge(self, u, v, type=None, lag=0):
        """True if an edge joins ``u`` and ``v``; with ``type``, of that type read from ``u`` to ``v``."""
        t = self.edge_type(u, v, lag)
        if t is None:
            return False
        if type == "<->" and lag == 0 and self._is_bow(u, v):
            return True
        return type is None or t == type

    def _is_bow(self, u, v):
        return (str(u), str(v)) in self._bows or (str(v), str(u)) in self._bows

    @property
    def bows(self):
        """frozenset of node pairs joined by both ``-->`` and ``<->`` (ADMGs)."""
        return self._bows

    def adjacent(self, u, v, lag=0):
        """True if any edge joins ``u`` and ``v`` at ``lag`` (same as :meth:`has_edge`)."""
        return self.edge_type(u, v, lag) is not None

    def _related(self, v, want):
        v = self._check_node(v)
        out = []
        for (s, t, lag), typ in self._edges.items():
            if lag != 0:
                continue
            if s == v and want(typ, "out"):
                out.append(t)
            elif t == v and want(typ, "in"):
                out.append(s)
        return tuple(sorted(out, key=self._index.get))

    def parents(self, v):
        """Nodes ``p`` with ``p --> v`` (contemporaneous edges)."""
        return self._related(v, lambda typ, d: typ == "-->" and d == "in")

    def children(self, v):
        """Nodes ``c`` with ``v --> c`` (contemporaneous edges)."""
        return self._related(v, lambda typ, d: typ == "-->" and d == "out")

    def neighbors(self, v):
        """Nodes joined to ``v`` by an undirected edge ``---``."""
        return self._related(v, lambda typ, d: typ == "---")

    def spouses(self, v):
        """Nodes joined to ``v`` by a bidirected edge ``<->``."""
        v = self._check_node(v)
        extra = {b for a, b in self._bows if a == v} | {a for a, b in self._bows if b == v}
        out = set(self._related(v, lambda typ, d: typ == "<->")) | extra
        return tuple(sorted(out, key=self._index.get))

    def adjacencies(self, v):
        """All nodes joined to ``v`` by any contemporaneous edge."""
        return self._related(v, lambda typ, d: True)

    # ------------------------------------------------------------------ matrices
    def _directed_matrix(self):
        d = len(self.nodes)
        a = np.zeros((d, d), dtype=bool)
        for (s, t, lag), typ in self._edges.items():
            if lag == 0 and typ == "-->":
                a[self._index[s], self._index[t]] = True
        return a

    def to_endpoint_matrix(self):
        """Endpoint marks as an int matrix: ``M[i, j]`` is the mark at ``j`` on the edge i–j.

        Codes: 0 no edge, 1 tail, 2 arrow, 3 circle. So ``i --> j`` has
        ``M[i, j] = 2`` and ``M[j, i] = 1``. Only contemporaneous edges.
        """
        if self._bows:
            raise GraphError("an endpoint matrix cannot hold a bow (--> and <-> on one pair)")
        d = len(self.nodes)
        m = np.zeros((d, d), dtype=np.int8)
        for (s, t, lag), typ in self._edges.items():
            if lag != 0:
                continue
            ms, mt = EDGE_TYPES[typ]
            i, j = self._index[s], self._index[t]
            m[i, j] = _MARK_CODE[mt]
            m[j, i] = _MARK_CODE[ms]
        return m

    def to_adjacency(self, convention, *, weight=None):
        """Labelled adjacency matrix.

        Parameters
        ----------
        convention : {"row->col", "col->row"}
            Required. ``"row->col"``: entry ``[i, j]`` is nonzero when
            ``i --> j``; ``"col->row"``: when ``j --> i``.
        weight : str, optional
            An edge attribute (``"weight"``, ``"p_value"``) to use as the
            entry instead of 1.

        Returns
        -------
        DataFrame of shape (d, d)
            Index and columns are the node names. An undirected edge ``---``
            is nonzero in both directions.

        Raises
        ------
        GraphError
            If the graph has bidirected or circle edges (use
            :meth:`to_endpoint_matrix`), or lagged edges (call
            :meth:`summary` first).
        """
        _check_convention(convention)
        if self._bows:
            raise GraphError("an adjacency matrix cannot hold a <-> edge; use edges")
        d = len(self.nodes)
        a = np.zeros((d, d))
        for (s, t, lag), typ in self._edges.items():
            if lag != 0:
                raise GraphError("the graph has lagged edges; call summary() first")
            if typ not in ("-->", "---"):
                raise GraphError(
                    f"an adjacency matrix cannot hold a {typ!r} edge ({s}, {t}); "
                    "use to_endpoint_matrix()"
                )
            val = 1.0 if weight is None else self._attrs.get((s, t, lag), {}).get(weight, np.nan)
            i, j = self._index[s], self._index[t]
            a[i, j] = val
            if typ == "---":
                a[j, i] = val
        if convention == "col->row":
            a = a.T
        if weight is None:
            a = a.astype(int)
        return pd.DataFrame(a, index=list(self.nodes), columns=list(self.nodes))

    # ------------------------------------------------------------------ DAG logic
    def is_acyclic(self):
        """True if the contemporaneous directed edges contain no cycle."""
        try:
            self._topological_indices()
            return True
        except GraphError:
            return False

    def _topological_indices(self):
        a = self._directed_matrix()
        indeg = a.sum(axis=0).astype(int)
        order = []
        ready = [i for i in range(len(self.nodes)) if indeg[i] == 0]
        while ready:
            i = ready.pop(0)
            order.append(i)
            for j in np.flatnonzero(a[i]):
                indeg[j] -= 1
                if indeg[j] == 0:
                    ready.append(j)
        if len(order) != len(self.nodes):
            raise GraphError("the directed edges contain a cycle")
        return order

    def topological_order(self):
        """Node names in a topological order of the directed edges (ties by node order)."""
        return tuple(self.nodes[i] for i in self._topological_indices())

    def ancestors(self, v):
        """Nodes with a directed path into ``v`` (excluding ``v``)."""
        return self._reach(v, reverse=True)

    def descendants(self, v):
        """Nodes reachable from ``v`` along directed edges (excluding ``v``)."""
        return self._reach(v, reverse=False)

    def _reach(self, v, reverse):
        v = self._check_node(v)
        a = self._directed_matrix()
        if reverse:
            a = a.T
        seen = np.zeros(len(self.nodes), dtype=bool)
        stack = [self._index[v]]
        while stack:
            i = stack.pop()
            for j in np.flatnonzero(a[i]):
                if not seen[j]:
                    seen[j] = True
                    stack.append(j)
        seen[self._index[v]] = False
        return frozenset(self.nodes[i] for i in np.flatnonzero(seen))

    def to_cpdag(self):
        """The CPDAG (essential graph) of this DAG.

        Keeps the v-structures' orientations and closes them under Meek's
        rules R1-R3 (complete without background knowledge; Meek 1995).

        Returns
        -------
        CausalGraph
            ``kind="cpdag"``: an edge is ``-->`` when every Markov-equivalent
            DAG orients it that way, else ``---``. Latent nodes are kept.

        Raises
        ------
        GraphError
            If the graph is not a DAG or has lagged edges.

        References
        ----------
        Meek, C. (1995). Causal inference and causal explanation with
        background knowledge. UAI.

        Examples
        --------
        >>> CausalGraph.from_edges([("a", "b"), ("c", "b"), ("b", "d")]).to_cpdag().kind
        'cpdag'
        """
        if self._kind != "dag" or any(lag for _, _, lag in self._edges):
            raise GraphError(f"to_cpdag needs a contemporaneous DAG; this graph is a {self._kind!r}")
        from .orientation import dag_to_cpdag_matrices

        directed, undirected = dag_to_cpdag_matrices(self._directed_matrix())
        return self._from_pdag_matrices(directed, undirected, kind="cpdag")

    def _from_pdag_matrices(self, directed, undirected, kind):
        edges = []
        d = len(self.nodes)
        for i in range(d):
            for j in range(d):
                if directed[i, j]:
                    edges.append((self.nodes[i], self.nodes[j], "-->"))
                elif undirected[i, j] and i < j:
                    edges.append((self.nodes[i], self.nodes[j], "---"))
        return CausalGraph(self.nodes, edges, latent=self.latent, kind=kind)

    def skeleton(self):
        """The undirected skeleton (every contemporaneous edge as ``---``)."""
        edges = {(s, t) if self._index[s] < self._index[t] else (t, s)
                 for (s, t, lag) in self._edges if lag == 0}
        return CausalGraph(self.nodes, [(s, t, "---") for s, t in edges], latent=self.latent,
                           kind="skeleton")

    def latent_projection(self):
        """The ADMG over the observed nodes (Verma and Pearl's latent projection).

        ``a --> b`` when a directed path from ``a`` to ``b`` has only latent
        intermediate nodes; ``a <-> b`` when some latent node reaches both
        ``a`` and ``b`` through directed paths whose intermediate nodes are
        all latent.

        Returns
        -------
        CausalGraph
            ``kind="admg"`` over :attr:`observed`; a pair may carry both
            ``-->`` and ``<->`` (a bow). Edge attributes are not carried over.

        Raises
        ------
        GraphError
            If the graph is not a DAG or has lagged edges.

        References
        ----------
        Verma, T. and Pearl, J. (1990). Equivalence and synthesis of causal
        models. UAI.

        Examples
        --------
        >>> g = CausalGraph.from_edges([("u", "x"), ("u", "y"), ("x", "y")], latent=["u"])
        >>> sorted(e.type for e in g.latent_projection().edge_list())
        ['-->', '<->']
        """
        if self._kind != "dag":
            raise GraphError(f"latent_projection needs a DAG; this graph is a {self._kind!r}")
        if any(lag for _, _, lag in self._edges):
            raise GraphError("latent_projection needs a contemporaneous DAG; this graph has lagged edges")
        a = self._directed_matrix()
        lat = np.array([n in self.latent for n in self.nodes])
        d = len(self.nodes)
        # reach_lat[i]: nodes reachable from i via paths whose intermediates are latent
        reach = np.zeros((d, d), dtype=bool)
        for i in range(d):
            stack = [i]
            seen = np.zeros(d, dtype=bool)
            while stack:
                k = stack.pop()
                for j in np.flatnonzero(a[k]):
                    if not reach[i, j]:
                        reach[i, j] = True
                        if lat[j] and not seen[j]:
                            seen[j] = True
                            stack.append(j)
        obs = [i for i in range(d) if not lat[i]]
        edges = []
        for i in obs:
            for j in obs:
                if i != j and reach[i, j]:
                    edges.append((self.nodes[i], self.nodes[j], "-->"))
        bidirected = set()
        for l in np.flatnonzero(lat):
            hit = [j for j in obs if reach[l, j]]
            for x in range(len(hit)):
                for y in range(x + 1, len(hit)):
                    bidirected.add((hit[x], hit[y]))
        for i, j in sorted(bidirected):
            edges.append((self.nodes[i], self.nodes[j], "<->"))
        return CausalGraph([self.nodes[i] for i in obs], edges, kind="admg")

    def summary(self):
        """Collapse lags into one edge per pair of nodes (the summary graph).

        Returns
        -------
        CausalGraph
            Over the same nodes, without lags. A pair joined at any lag by
            ``a --> b`` gets ``a --> b``; otherwise the most informative type
            found on the pair is kept, in the order ``o->``, ``<->``, ``o-o``,
            ``---``. A contemporaneous ``---`` or ``o-o`` on a pair that a
            lagged ``-->`` also joins is absorbed by the directed edge.

        Raises
        ------
        GraphError
            If the pair is oriented both ways (``a --> b`` at one lag and
            ``b --> a`` at another, a feedback loop): one edge per pair cannot
            hold it. Inspect such pairs with ``edges`` instead.

        Notes
        -----
        Lagged self-loops (``a`` at ``t-k`` causing ``a`` at ``t``) are dropped,
        since a summary graph here has no self-loops.
        """
        claims = {}
        for (s, t, lag), typ in self._edges.items():
            if s == t:
                continue
            if typ in _SYMMETRIC and self._index[s] > self._index[t]:
                s, t = t, s
            pair = tuple(sorted((s, t), key=self._index.get))
            claims.setdefault(pair, set()).add((s, t, typ))
        for a, b in self._bows:
            claims.setdefault((a, b), set()).add((a, b, "<->"))
        edges = []
        for pair, cl in claims.items():
            for typ in ("-->", "o->", "<->", "o-o", "---"):
                found = {(s, t) for s, t, ty in cl if ty == typ}
                if not found:
                    continue
                if len(found) > 1:
                    a, b = pair
                    raise GraphError(
                        f"summary would need {a} {typ} {b} and {b} {typ} {a}; one edge per pair "
                        "cannot hold both (a feedback loop across lags); inspect `edges` instead"
                    )
                s, t = found.pop()
                edges.append((s, t, typ))
                break
        return CausalGraph(self.nodes, edges, latent=self.latent)

    # ------------------------------------------------------------------ conversions
    def to_networkx(self, undirected="raise"):
        """A ``networkx.DiGraph`` (see :func:`causalkit._graph_io.to_networkx`)."""
        from ._graph_io import to_networkx

        return to_networkx(self, undirected=undirected)

    def to_causallearn(self):
        """A causal-learn ``GeneralGraph`` (causal-learn imported lazily)."""
        from ._graph_io import to_causallearn

        return to_causallearn(self)

    @classmethod
    def from_causallearn(cls, general_graph, names=None, *, kind=None):
        """Build from a causal-learn ``GeneralGraph`` (or a ``CausalGraph`` from ``pc``)."""
        from ._graph_io import from_causallearn

        return from_causallearn(general_graph, names=names, kind=kind)

    @classmethod
    def from_networkx(cls, graph, *, kind=None):
        """Build from a networkx graph (see :func:`causalkit._graph_io.from_networkx`)."""
        from ._graph_io import from_networkx

        return from_networkx(graph, kind=kind)

    def to_dot(self):
        """The graph in Graphviz DOT (plain text, no pygraphviz needed)."""
        from ._graph_io import to_dot

        return to_dot(self)

    def to_gml(self):
        """The graph as a GML string (what DoWhy's ``CausalModel(graph=...)`` reads)."""
        from ._graph_io import to_gml

        return to_gml(self)

    def to_json(self):
        """A JSON string holding nodes, latent nodes, kind, edges and attributes."""
        from ._graph_io import to_json

        return to_json(self)

    @classmethod
    def from_json(cls, text):
        """Inverse of :meth:`to_json`."""
        from ._graph_io import from_json

        return from_json(text)

    def plot(self, ax=None, **kwargs):
        """Draw the graph with matplotlib (imported lazily). Returns the Axes."""
        from ._graph_io import plot

        return plot(self, ax=ax, **kwargs)

    # ------------------------------------------------------------------ dunder
    def __eq__(self, other):
        if not isinstance(other, CausalGraph):
            return NotImplemented
        return (self.nodes == other.nodes and self._edges == other._edges and self._bows == other._bows
                and self.latent == other.latent and self._kind == other._kind)

    def __hash__(self):
        if self._hash is None:
            self._hash = hash((self.nodes, frozenset(self._edges.items()), self._bows, self.latent,
                               self._kind))
        return self._hash

    def __setattr__(self, name, value):
        if name in CausalGraph.__slots__ and not hasattr(self, "_hash"):
            object.__setattr__(self, name, value)
        elif name == "_hash":
            object.__setattr__(self, name, value)
        else:
            raise AttributeError("CausalGraph is immutable; build a new graph instead")

    def __repr__(self):
        edges = ", ".join(
            f"{e.source} {e.type} {e.target}" + (f" (lag {e.lag})" if e.lag else "")
            for e in self.edge_list()[:12]
        )
        more = f", ... {self.n_edges - 12} more" if self.n_edges > 12 else ""
        lat = f", latent={sorted(self.latent)}" if self.latent else ""
        return f"CausalGraph(kind={self._kind!r}, nodes={len(self.nodes)}, edges=[{edges}{more}]{lat})"

    def __reduce__(self):
        return (_rebuild, (self.nodes, [tuple(e) for e in self.edge_list()], tuple(sorted(self.latent)),
                           self._kind, {k: dict(v) for k, v in self._attrs.items()}))


def _rebuild(nodes, edges, latent, kind, attrs):
    return CausalGraph(nodes, edges, latent=latent, kind=kind, edge_attrs=attrs)
