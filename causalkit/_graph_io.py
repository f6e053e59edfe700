"""Converters between :class:`~causalkit.graph.CausalGraph` and other tools.

Every tool in the causal-discovery ecosystem writes edges its own way (see the
edge-encoding table on the "Graphs" documentation page). The functions here
translate explicitly, and refuse, with a message saying what to do, whenever
the target cannot hold what the graph says: a plain ``networkx.DiGraph``
cannot tell an undirected edge from a 2-cycle, a GML file read by DoWhy
cannot hold an undirected or bidirected edge, causal-learn has no lags.

Heavy or optional packages (networkx, causal-learn, matplotlib) are imported
inside the functions that need them, so ``import causalkit`` stays light.
"""

from __future__ import annotations

import json
import math
import numbers

import numpy as np

from .exceptions import GraphError

__all__ = [
    "to_networkx",
    "from_networkx",
    "to_causallearn",
    "from_causallearn",
    "to_dot",
    "to_gml",
    "to_json",
    "from_json",
    "plot",
]

_UNDIRECTED_OPTIONS = ("raise", "both", "drop")
# The type of an edge read from its target back to its source.
_REVERSE_TYPE = {"-->": "<--", "o->": "<-o", "---": "---", "<->": "<->", "o-o": "o-o"}
_UNREVERSE_TYPE = {"<--": "-->", "<-o": "o->"}
_JSON_FORMAT = "causalkit.CausalGraph"
_JSON_VERSION = 1


def _graph_cls():
    from .graph import CausalGraph

    return CausalGraph


def _edges_with_attrs(graph):
    """(Edge, attrs) for every edge, bows included, in ``edge_list()`` order."""
    return [(e, dict(graph._edge_attr_dict(e))) for e in graph.edge_list()]


# --------------------------------------------------------------------- networkx
def to_networkx(graph, undirected="raise"):
    """Convert to a ``networkx.DiGraph``.

    Parameters
    ----------
    graph : CausalGraph
    undirected : {"raise", "both", "drop"}, default "raise"
        What to do with every edge that is not ``-->`` (``---``, ``<->``,
        ``o->``, ``o-o``), which a DiGraph cannot hold as one arc:

        - ``"raise"``: raise :class:`~causalkit.exceptions.GraphError`. This
          is the default because tools that take a DiGraph (DoWhy, gcm,
          ``nx.is_directed_acyclic_graph``) would read two opposing arcs as a
          cycle.
        - ``"both"``: write two arcs ``u -> v`` and ``v -> u``, each tagged with
          the edge type read in its own direction (``type="---"`` on both arcs
          of an undirected edge; ``"o->"`` and ``"<-o"`` on the two arcs of a
          partially directed one).
        - ``"drop"``: leave those edges out; only ``-->`` edges remain.

    Returns
    -------
    networkx.DiGraph
        Nodes in graph order, each with attribute ``latent`` (bool); the graph
        attribute ``kind``; every arc with attributes ``type``, ``lag`` and,
        when present, ``weight`` and ``p_value``.

    Raises
    ------
    GraphError
        For a non-directed edge under ``undirected="raise"``; when two edges
        would need the same arc (a bow ``-->`` plus ``<->`` under ``"both"``,
        or one ordered pair at two lags: call ``summary()`` first); for a
        lagged non-directed edge under ``"both"``.
    ValueError
        For an ``undirected`` value not in ``("raise", "both", "drop")``.

    Examples
    --------
    >>> from causalkit import CausalGraph
    >>> g = CausalGraph(["a", "b", "c"], [("a", "b", "---"), ("b", "c", "-->")], kind="cpdag")
    >>> G = to_networkx(g, undirected="both")
    >>> sorted(G.edges(data="type"))
    [('a', 'b', '---'), ('b', 'a', '---'), ('b', 'c', '-->')]
    """
    import networkx as nx

    if undirected not in _UNDIRECTED_OPTIONS:
        raise ValueError(f"undirected must be one of {_UNDIRECTED_OPTIONS}; got {undirected!r}")
    G = nx.DiGraph(kind=graph.kind)
    for n in graph.nodes:
        G.add_node(n, latent=n in graph.latent)
    for e, attrs in _edges_with_attrs(graph):
        if e.type == "-->":
            arcs = [(e.source, e.target, "-->")]
        elif undirected == "raise":
            raise GraphError(
                f"edge {e.source} {e.type} {e.target} is not directed and a DiGraph cannot hold it; "
                "pass undirected='both' (two arcs tagged with the type) or undirected='drop'"
            )
        elif undirected == "drop":
            continue
        else:
            if e.lag:
                raise GraphError(
                    f"lagged edge {e.source} {e.type} {e.target} (lag {e.lag}) cannot be written "
                    "as two arcs; use undirected='drop' or summary()"
                )
            arcs = [(e.source, e.target, e.type), (e.target, e.source, _REVERSE_TYPE[e.type])]
        for u, v, typ in arcs:
            if G.has_edge(u, v):
                old = G.edges[u, v]
                raise GraphError(
                    f"two edges need the arc {u} -> {v} (type {old['type']!r} lag {old['lag']} and "
                    f"type {typ!r} lag {e.lag}); a DiGraph holds one arc per ordered pair. "
                    "Call summary() for lagged graphs, or use undirected='drop'"
                )
            G.add_edge(u, v, type=typ, lag=int(e.lag), **attrs)
    return G


def from_networkx(graph, *, kind=None):
    """Build a :class:`CausalGraph` from a networkx graph.

    Parameters
    ----------
    graph : networkx.DiGraph or networkx.Graph
        A DiGraph as written by :func:`to_networkx` (arcs carrying ``type`` and
        ``lag``) or any DiGraph: an arc without ``type`` is ``-->``, except that
        two opposing untyped arcs are read as one undirected edge ``---`` (the
        convention of cdt and pgmpy for CPDAGs). An undirected ``nx.Graph``
        gives a graph of ``---`` edges. Node attribute ``latent=True`` marks
        latent nodes; arc attributes other than ``type`` and ``lag`` are kept
        as edge attributes.
    kind : str, optional
        Passed to :class:`CausalGraph`; defaults to the graph attribute
        ``kind`` when it is present, else inferred.

    Returns
    -------
    CausalGraph

    Raises
    ------
    GraphError
        If an arc has an unknown ``type``, or the arcs contradict each other.
    """
    import networkx as nx

    nodes = [str(n) for n in graph.nodes]
    latent = [str(n) for n, d in graph.nodes(data=True) if d.get("latent", False)]
    index = {n: i for i, n in enumerate(nodes)}
    directed = graph.is_directed()
    if graph.is_multigraph():
        raise GraphError("from_networkx takes a Graph or DiGraph, not a multigraph")
    edges = {}
    for u0, v0, data in graph.edges(data=True):
        u, v = str(u0), str(v0)
        data = dict(data)
        typ = data.pop("type", None)
        lag = int(data.pop("lag", 0))
        if typ is None:
            if not directed:
                typ = "---"
            elif lag == 0 and graph.has_edge(v0, u0) and "type" not in graph.edges[v0, u0]:
                typ = "---"
            else:
                typ = "-->"
        if typ in _UNREVERSE_TYPE:
            u, v, typ = v, u, _UNREVERSE_TYPE[typ]
        if typ not in _REVERSE_TYPE:
            raise GraphError(f"arc {u} -> {v} has unknown type {typ!r}; valid types are "
                             f"{sorted(_REVERSE_TYPE) + sorted(_UNREVERSE_TYPE)}")
        if typ in ("---", "<->", "o-o") and lag == 0 and index[u] > index[v]:
            u, v = v, u
        key = (u, v, lag)
        if key in edges:
            if edges[key][0] != typ:
                raise GraphError(f"arcs between {u} and {v} disagree: {edges[key][0]!r} and {typ!r}")
            edges[key][1].update(data)
            continue
        edges[key] = (typ, data)
    if kind is None:
        kind = graph.graph.get("kind") if isinstance(graph, nx.Graph) else None
    cls = _graph_cls()
    from .graph import KINDS

    if kind is not None and kind not in KINDS:
        kind = None
    edge_list = [(u, v, typ, lag) for (u, v, lag), (typ, _) in edges.items()]
    attrs = {key: a for key, (_, a) in edges.items() if a}
    return cls(nodes, edge_list, latent=latent, kind=kind, edge_attrs=attrs)


# --------------------------------------------------------------------- causal-learn
# causal-learn's Endpoint codes; GeneralGraph.graph[i, j] is the mark at node i
# on the edge between i and j, so i --> j is graph[i, j] = -1, graph[j, i] = 1.
_CL_CODE = {"tail": -1, "arrow": 1, "circle": 2}
_CL_MARK = {v: k for k, v in _CL_CODE.items()}
_CL_TAIL_AND_ARROW, _CL_ARROW_AND_ARROW = 4, 5


def to_causallearn(graph):
    """Convert to a causal-learn ``GeneralGraph``.

    Parameters
    ----------
    graph : CausalGraph
        Contemporaneous edges only. Latent nodes are written as ordinary
        nodes (causal-learn does not mark them).

    Returns
    -------
    causallearn.graph.GeneralGraph.GeneralGraph
        Nodes named as in ``graph``. In its endpoint matrix ``G.graph``,
        ``G.graph[i, j]`` is the mark at node ``i``: -1 tail, 1 arrow,
        2 circle. So ``i --> j`` is ``G.graph[i, j] = -1`` and
        ``G.graph[j, i] = 1``; ``i --- j`` is -1 both ways; ``i <-> j`` is 1
        both ways. A bow (``i --> j`` with ``i <-> j``) uses causal-learn's
        codes 4 (tail and arrow) at ``[i, j]`` and 5 (arrow and arrow) at
        ``[j, i]``.

    Raises
    ------
    GraphError
        If the graph has lagged edges (call ``summary()`` first).
    ImportError
        If causal-learn is not installed.
    """
    lagged = [e for e in graph.edge_list() if e.lag]
    if lagged:
        raise GraphError("causal-learn graphs have no lags; call summary() first "
                         f"({len(lagged)} lagged edges, e.g. {tuple(lagged[0])})")
    from causallearn.graph.Edge import Edge as CLEdge
    from causallearn.graph.Endpoint import Endpoint
    from causallearn.graph.GeneralGraph import GeneralGraph
    from causallearn.graph.GraphNode import GraphNode

    endpoint = {"tail": Endpoint.TAIL, "arrow": Endpoint.ARROW, "circle": Endpoint.CIRCLE}
    from .graph import EDGE_TYPES

    cl_nodes = [GraphNode(n) for n in graph.nodes]
    by_name = dict(zip(graph.nodes, cl_nodes))
    G = GeneralGraph(cl_nodes)
    for e in graph.edge_list():
        ms, mt = EDGE_TYPES[e.type]
        ok = G.add_edge(CLEdge(by_name[e.source], by_name[e.target], endpoint[ms], endpoint[mt]))
        if ok is False:
            raise GraphError(f"causal-learn refused the edge {e.source} {e.type} {e.target}")
    return G


def from_causallearn(general_graph, names=None, *, kind=None):
    """Build a :class:`CausalGraph` from causal-learn's output.

    Parameters
    ----------
    general_graph : GeneralGraph, causal-learn CausalGraph, or ndarray
        A ``GeneralGraph``; or the ``CausalGraph`` object that
        ``causallearn.search.ConstraintBased.PC.pc`` returns (its ``.G`` is
        used); or the endpoint matrix itself (``G.graph``), read with the
        same encoding: ``M[i, j]`` is the mark at ``i`` (-1 tail, 1 arrow,
        2 circle; 4 and 5 for a bow, as causal-learn writes it).
    names : list of str, optional
        Node names; default the graph's own node names (``X1..Xd`` unless
        ``node_names`` was passed to causal-learn), or ``X0..X{d-1}`` for a
        matrix.
    kind : str, optional
        Passed to :class:`CausalGraph`. Pass ``kind="cpdag"`` for a PC result:
        a CPDAG without any directed edge would otherwise be inferred as a
        ``"skeleton"`` and one whose edges are all directed as a ``"dag"``.

    Returns
    -------
    CausalGraph

    Raises
    ------
    GraphError
        On a malformed matrix, an endpoint combination causalkit has no edge
        type for (such as ``--o``), or names of the wrong length.

    Examples
    --------
    >>> import numpy as np
    >>> M = np.array([[0, -1], [1, 0]])  # causal-learn writes X0 --> X1 so
    >>> from_causallearn(M).edge_list()
    [Edge(source='X0', target='X1', type='-->', lag=0)]
    """
    obj = general_graph
    if hasattr(obj, "G") and not isinstance(obj, np.ndarray):
        obj = obj.G
    if isinstance(obj, np.ndarray):
        M = obj
        own = [f"X{i}" for i in range(M.shape[0])] if M.ndim == 2 else []
    elif hasattr(obj, "graph") and hasattr(obj, "get_nodes"):
        M = np.asarray(obj.graph)
        own = [n.get_name() for n in obj.get_nodes()]
    else:
        raise GraphError("from_causallearn takes a causal-learn GeneralGraph, the CausalGraph that "
                         f"causal-learn's pc returns, or an endpoint matrix; got {type(general_graph).__name__}")
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise GraphError(f"the endpoint matrix must be square; got shape {M.shape}")
    d = M.shape[0]
    names = own if names is None else [str(n) for n in names]
    if len(names) != d:
        raise GraphError(f"names has {len(names)} entries but the graph has {d} nodes")
    from .graph import EDGE_TYPES

    marks_to_type = {v: k for k, v in EDGE_TYPES.items()}
    edges = []
    for i in range(d):
        for j in range(i + 1, d):
            a, b = int(M[i, j]), int(M[j, i])  # marks at i and at j
            if a == 0 and b == 0:
                continue
            if (a, b) == (_CL_TAIL_AND_ARROW, _CL_ARROW_AND_ARROW):
                edges += [(names[i], names[j], "-->"), (names[i], names[j], "<->")]
                continue
            if (a, b) == (_CL_ARROW_AND_ARROW, _CL_TAIL_AND_ARROW):
                edges += [(names[j], names[i], "-->"), (names[i], names[j], "<->")]
                continue
            if a not in _CL_MARK or b not in _CL_MARK:
                raise GraphError(
                    f"unsupported causal-learn endpoint codes ({a}, {b}) between {names[i]} and "
                    f"{names[j]}; supported are -1 tail, 1 arrow, 2 circle and the bow pair (4, 5)"
                )
            key = (_CL_MARK[a], _CL_MARK[b])
            if key in marks_to_type:
                edges.append((names[i], names[j], marks_to_type[key]))
            elif key[::-1] in marks_to_type:
                edges.append((names[j], names[i], marks_to_type[key[::-1]]))
            else:
                raise GraphError(f"causalkit has no edge type with marks {key} "
                                 f"(between {names[i]} and {names[j]})")
    return _graph_cls()(names, edges, kind=kind)


# --------------------------------------------------------------------- DOT and GML
_DOT_ARROW = {"tail": "none", "arrow": "normal", "circle": "odot"}


def _dot_quote(s):
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(graph):
    """The graph in Graphviz DOT, as plain text (no pygraphviz or pydot needed).

    Parameters
    ----------
    graph : CausalGraph

    Returns
    -------
    str
        A ``digraph``. Every edge is written ``"u" -> "v"`` with
        ``dir=both`` and ``arrowtail`` / ``arrowhead`` giving the mark at
        ``u`` / ``v``: ``none`` for a tail, ``normal`` for an arrow, ``odot``
        (an open circle) for a circle. So ``---`` is drawn as a plain line and
        ``<->`` with two heads. Lagged edges get ``label="lag k"``; latent
        nodes ``style=dashed``. The edge type is also kept in a ``type``
        attribute, which Graphviz ignores.

    Examples
    --------
    >>> from causalkit import CausalGraph
    >>> print(to_dot(CausalGraph.from_edges([("a", "b")])), end="")
    digraph {
      "a";
      "b";
      "a" -> "b" [type="-->", dir=both, arrowtail=none, arrowhead=normal];
    }
    """
    from .graph import EDGE_TYPES

    lines = ["digraph {"]
    for n in graph.nodes:
        lines.append(f"  {_dot_quote(n)}" + (" [style=dashed];" if n in graph.latent else ";"))
    for e in graph.edge_list():
        ms, mt = EDGE_TYPES[e.type]
        attrs = [f"type={_dot_quote(e.type)}", "dir=both",
                 f"arrowtail={_DOT_ARROW[ms]}", f"arrowhead={_DOT_ARROW[mt]}"]
        if e.lag:
            attrs.append(f'label="lag {e.lag}"')
        lines.append(f"  {_dot_quote(e.source)} -> {_dot_quote(e.target)} [{', '.join(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _gml_string(s):
    # GML strings hold ASCII without '"'; networkx reads &...; entities back.
    out = []
    for ch in str(s):
        if ch in '"&' or ord(ch) > 126 or ord(ch) < 32:
            out.append(f"&#{ord(ch)};")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _gml_real(x):
    # GML reals need a decimal point ("1e-05" would be read as the integer 1).
    text = repr(float(x))
    mant, _, exp = text.partition("e")
    if "." not in mant:
        mant += ".0"
    return mant + ("e" + exp if exp else "")


def to_gml(graph):
    """The graph as a GML string, the format DoWhy prefers.

    Parameters
    ----------
    graph : CausalGraph
        A directed graph: every edge ``-->``, no lags.

    Returns
    -------
    str
        One line (older DoWhy versions match the GML pattern line by line,
        which is why their examples call ``.replace("\\n", " ")``), readable
        by ``networkx.parse_gml`` and ``dowhy.CausalModel(graph=...)``. Node
        ``label`` is the node name; latent nodes carry ``latent 1`` (DoWhy
        treats nodes that are not data columns as unobserved anyway). Finite
        ``weight`` and ``p_value`` attributes are written on the edges.

    Raises
    ------
    GraphError
        If an edge is not ``-->`` (GML as read by DoWhy has no undirected,
        bidirected or circle edges; for ``<->`` add the hidden confounder as a
        latent node instead), or has a lag (call ``summary()`` first).

    Examples
    --------
    >>> import networkx as nx
    >>> from causalkit import CausalGraph
    >>> G = nx.parse_gml(to_gml(CausalGraph.from_edges([("a", "b")])))
    >>> list(G.edges)
    [('a', 'b')]
    """
    bad = [e for e in graph.edge_list() if e.type != "-->"]
    if bad:
        e = bad[0]
        raise GraphError(
            f"to_gml writes directed graphs only (what DoWhy reads); edge {e.source} {e.type} {e.target} "
            f"is not '-->' ({len(bad)} such edges). Orient them first, or, for '<->', add the hidden "
            "common cause as a latent node"
        )
    lagged = [e for e in graph.edge_list() if e.lag]
    if lagged:
        raise GraphError("to_gml cannot write lagged edges; call summary() first")
    index = {n: i for i, n in enumerate(graph.nodes)}
    parts = ["graph [", "directed 1"]
    for n in graph.nodes:
        node = f"node [ id {index[n]} label {_gml_string(n)}"
        if n in graph.latent:
            node += " latent 1"
        parts.append(node + " ]")
    for e, attrs in _edges_with_attrs(graph):
        edge = f"edge [ source {index[e.source]} target {index[e.target]}"
        for k in ("weight", "p_value"):
            v = attrs.get(k)
            if isinstance(v, numbers.Real) and math.isfinite(v):
                edge += f" {k} {_gml_real(v)}"
        parts.append(edge + " ]")
    parts.append("]")
    return " ".join(parts)


# --------------------------------------------------------------------- JSON
def _jsonable(value, where):
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v, where) for v in value]
    raise GraphError(f"{where} holds a {type(value).__name__}, which JSON cannot store")


def to_json(graph, *, indent=None):
    """Serialise a graph to JSON, exactly (``from_json(to_json(g))`` equals ``g``).

    Parameters
    ----------
    graph : CausalGraph
    indent : int, optional
        Passed to :func:`json.dumps`.

    Returns
    -------
    str
        An object with ``format`` (``"causalkit.CausalGraph"``), ``version``,
        ``kind``, ``nodes`` (in order), ``latent`` and ``edges``: a list of
        ``{"source", "target", "type", "lag", "attrs"}``. Floats are written
        with full precision; a NaN attribute is written as ``NaN`` (as
        Python's json module does).

    Raises
    ------
    GraphError
        If an edge attribute is not a number, string, bool, None or list of
        those.
    """
    edges = []
    for e, attrs in _edges_with_attrs(graph):
        item = {"source": e.source, "target": e.target, "type": e.type, "lag": int(e.lag)}
        item["attrs"] = {str(k): _jsonable(v, f"attribute {k!r} of edge {e.source} {e.type} {e.target}")
                         for k, v in attrs.items()}
        edges.append(item)
    doc = {
        "format": _JSON_FORMAT,
        "version": _JSON_VERSION,
        "kind": graph.kind,
        "nodes": list(graph.nodes),
        "latent": [n for n in graph.nodes if n in graph.latent],
        "edges": edges,
    }
    return json.dumps(doc, indent=indent)


def from_json(text):
    """Read a graph written by :func:`to_json`.

    Parameters
    ----------
    text : str, bytes or dict
        The JSON document (or it already parsed).

    Returns
    -------
    CausalGraph

    Raises
    ------
    GraphError
        If the text is not JSON, not a causalkit graph, or of a newer version.
    """
    if isinstance(text, dict):
        doc = text
    else:
        try:
            doc = json.loads(text)
        except (TypeError, ValueError) as exc:
            raise GraphError(f"from_json: not valid JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != _JSON_FORMAT:
        raise GraphError(f"from_json: the document is not a causalkit graph (format must be {_JSON_FORMAT!r})")
    if doc.get("version", 0) > _JSON_VERSION:
        raise GraphError(f"from_json: version {doc.get('version')} is newer than this causalkit reads "
                         f"({_JSON_VERSION}); upgrade causalkit")
    missing = [k for k in ("nodes", "edges", "kind") if k not in doc]
    if missing:
        raise GraphError(f"from_json: missing keys {missing}")
    edges, attrs = [], {}
    for item in doc["edges"]:
        try:
            s, t, typ, lag = item["source"], item["target"], item["type"], int(item.get("lag", 0))
        except (KeyError, TypeError, ValueError):
            raise GraphError(f"from_json: malformed edge {item!r}; an edge needs source, target, type, lag") from None
        edges.append((s, t, typ, lag))
        if item.get("attrs") and not _is_bow_half(doc, item):
            attrs[(s, t, lag)] = dict(item["attrs"])
    return _graph_cls()(doc["nodes"], edges, latent=doc.get("latent", ()), kind=doc["kind"],
                        edge_attrs=attrs)


def _is_bow_half(doc, item):
    """True for the <-> half of a bow (a --> on the same pair at lag 0)."""
    if item["type"] != "<->" or int(item.get("lag", 0)) != 0:
        return False
    pair = {item["source"], item["target"]}
    return any(o["type"] == "-->" and int(o.get("lag", 0)) == 0 and {o["source"], o["target"]} == pair
               for o in doc["edges"])


# --------------------------------------------------------------------- plotting
def _layered_positions(graph):
    """A layered layout for a DAG: layer = longest directed path from a root."""
    order = graph.topological_order()
    layer = {n: 0 for n in graph.nodes}
    for n in order:
        for c in graph.children(n):
            layer[c] = max(layer[c], layer[n] + 1)
    layers = {}
    for n in order:
        layers.setdefault(layer[n], []).append(n)
    pos = {}
    for k in sorted(layers):
        row = layers[k]
        if k > 0:
            # order each layer by the mean position of its parents (fewer crossings)
            def bary(n):
                xs = [pos[p][0] for p in graph.parents(n) if p in pos]
                return sum(xs) / len(xs) if xs else 0.0

            row = sorted(row, key=bary)
        width = len(row)
        for i, n in enumerate(row):
            pos[n] = (i - (width - 1) / 2.0, -float(k))
    return pos


def _default_positions(graph):
    import networkx as nx

    if len(graph.nodes) == 0:
        return {}
    contemporaneous_directed = all(e.type == "-->" for e in graph.edge_list() if e.lag == 0)
    if contemporaneous_directed and graph.is_acyclic():
        return _layered_positions(graph)
    U = nx.Graph()
    U.add_nodes_from(graph.nodes)
    U.add_edges_from((e.source, e.target) for e in graph.edge_list() if e.source != e.target)
    try:
        raw = nx.kamada_kawai_layout(U)
    except Exception:  # kamada_kawai needs scipy and a connected graph to shine
        raw = nx.spring_layout(U, seed=0)
    # scale so that neighbouring nodes sit about one unit apart, like the layered layout
    pts = np.array([raw[n] for n in graph.nodes], dtype=float)
    if len(pts) > 1:
        span = np.ptp(pts, axis=0).max()
        pts = pts / (span if span > 0 else 1.0) * max(1.0, math.sqrt(len(pts)))
    return {n: (float(x), float(y)) for n, (x, y) in zip(graph.nodes, pts)}


def _arc_points(a, b, rad, n=24):
    """Points on matplotlib's ``arc3`` curve from a to b (a quadratic Bezier)."""
    (x0, y0), (x1, y1) = a, b
    dx, dy = x1 - x0, y1 - y0
    c = np.array([(x0 + x1) / 2 + rad * dy, (y0 + y1) / 2 - rad * dx])
    t = np.linspace(0.0, 1.0, n)[:, None]
    return (1 - t) ** 2 * np.asarray(a, dtype=float) + 2 * (1 - t) * t * c + t ** 2 * np.asarray(b, dtype=float)


def _clear_bend(points, a, b, radius):
    """The first bend (0, then growing either way) whose curve keeps clear of the other nodes."""
    ends = np.asarray([a, b], dtype=float)
    others = np.array([p for p in points if np.min(np.linalg.norm(ends - p, axis=1)) > 1e-9]).reshape(-1, 2)
    if len(others) == 0:
        return 0.0
    for rad in (0.0, 0.2, -0.2, 0.35, -0.35, 0.5, -0.5):
        curve = _arc_points(a, b, rad)
        dist = np.linalg.norm(curve[:, None, :] - others[None, :, :], axis=2)
        if dist.min() >= radius:
            return rad
    return 0.0


_ARROWSTYLE = {
    ("tail", "arrow"): "-|>", ("arrow", "tail"): "<|-", ("arrow", "arrow"): "<|-|>",
    ("tail", "tail"): "-", ("circle", "arrow"): "-|>", ("arrow", "circle"): "<|-",
    ("circle", "circle"): "-", ("circle", "tail"): "-", ("tail", "circle"): "-",
}


def plot(graph, ax=None, *, pos=None, node_radius=0.18, node_color="#dbe8f6", edge_color="#333333",
         font_size=10, title=None):
    """Draw a graph with matplotlib.

    Parameters
    ----------
    graph : CausalGraph
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    pos : dict, optional
        ``{node: (x, y)}``. Default: for a DAG (contemporaneous part), a
        layered layout (each node one row below its deepest parent, rows
        ordered to reduce crossings); otherwise networkx's Kamada-Kawai layout.
    node_radius : float, default 0.18
        Smallest node radius, in layout units (neighbouring nodes are about
        one unit apart). With the default layout, nodes grow to fit their
        labels and the layout stretches to match; with ``pos`` given, the
        radius is used as is.
    node_color, edge_color : color, optional
    font_size : float, default 10
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
        Each node is a ``Circle`` patch with ``gid="node:<name>"`` (latent
        nodes dashed). Each edge is a ``FancyArrowPatch`` with
        ``gid="edge:<source> <type> <target>"``: arrowheads for arrow marks,
        nothing for tails (so ``---`` is a plain line), a small open circle
        (``gid="mark:circle"``) for circle marks. Pairs joined by several edges
        (a bow, or several lags) are drawn as curves; lagged edges are labelled
        ``lag k`` and lagged self-loops ``↻ lag k`` next to the node.

    Notes
    -----
    matplotlib is imported here, not by ``import causalkit``. Use a
    non-interactive backend (``MPLBACKEND=Agg``) on servers.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Circle, FancyArrowPatch

    from .graph import EDGE_TYPES

    if pos is None:
        pos = _default_positions(graph)
        # nodes grow to fit their labels; the layout stretches so that nodes
        # one unit apart keep a visible gap between them
        longest = max((len(str(n)) for n in graph.nodes), default=1)
        r = max(float(node_radius), 0.052 * longest * font_size / 10.0 + 0.05)
        stretch = max(1.0, 2 * r + 0.5)
        pos = {n: (x * stretch, y * stretch) for n, (x, y) in pos.items()}
    else:
        missing = [n for n in graph.nodes if n not in pos]
        if missing:
            raise GraphError(f"pos has no position for nodes {missing}")
        pos = {n: tuple(map(float, pos[n])) for n in graph.nodes}
        r = float(node_radius)
    if ax is None:
        # about one inch per layout unit, so labels of font_size fit their nodes
        xs = [p[0] for p in pos.values()] or [0.0]
        ys = [p[1] for p in pos.values()] or [0.0]
        w = min(14.0, max(3.0, max(xs) - min(xs) + 6 * r))
        h = min(14.0, max(3.0, max(ys) - min(ys) + 6 * r))
        _, ax = plt.subplots(figsize=(w, h))
    node_xy = np.array([pos[n] for n in graph.nodes], dtype=float).reshape(-1, 2)

    for n in graph.nodes:
        latent = n in graph.latent
        ax.add_patch(Circle(pos[n], r, facecolor="white" if latent else node_color, edgecolor=edge_color,
                            linestyle="--" if latent else "-", linewidth=1.2, zorder=3, gid=f"node:{n}"))
        ax.text(*pos[n], n, ha="center", va="center", fontsize=font_size, zorder=4)

    edges = graph.edge_list()
    per_pair = {}
    for e in edges:
        per_pair.setdefault(frozenset((e.source, e.target)), []).append(e)
    loops = {}
    for e in edges:
        if e.source == e.target:
            loops.setdefault(e.source, []).append(e.lag)
            continue
        group = per_pair[frozenset((e.source, e.target))]
        k = group.index(e)
        rad = 0.0 if len(group) == 1 else 0.25 * (k - (len(group) - 1) / 2.0) * 2
        # keep the bend on the same side whichever way the edge points
        if len(group) > 1 and graph.nodes.index(e.source) > graph.nodes.index(e.target):
            rad = -rad
        (x0, y0), (x1, y1) = pos[e.source], pos[e.target]
        if rad == 0.0:
            rad = _clear_bend(node_xy, (x0, y0), (x1, y1), 1.3 * r)
        dx, dy = x1 - x0, y1 - y0
        dist = math.hypot(dx, dy) or 1.0
        ux, uy = dx / dist, dy / dist
        a = (x0 + ux * r, y0 + uy * r)
        b = (x1 - ux * r, y1 - uy * r)
        ms, mt = EDGE_TYPES[e.type]
        patch = FancyArrowPatch(a, b, arrowstyle=_ARROWSTYLE[(ms, mt)], mutation_scale=14,
                                connectionstyle=f"arc3,rad={rad}", color=edge_color, linewidth=1.2,
                                shrinkA=0, shrinkB=0, zorder=2, gid=f"edge:{e.source} {e.type} {e.target}")
        ax.add_patch(patch)
        cr = r * 0.22
        for mark, (px, py), sign in ((ms, a, 1), (mt, b, -1)):
            if mark == "circle":
                ax.add_patch(Circle((px + sign * ux * cr, py + sign * uy * cr), cr, facecolor="white",
                                    edgecolor=edge_color, linewidth=1.0, zorder=3.5, gid="mark:circle"))
        if e.lag:
            mx, my = (a[0] + b[0]) / 2 - rad * dy * 0.5, (a[1] + b[1]) / 2 + rad * dx * 0.5
            ax.text(mx, my, f"lag {e.lag}", fontsize=font_size * 0.8, ha="center", va="center",
                    color=edge_color, zorder=4,
                    bbox=dict(boxstyle="round,pad=0.1", facecolor="white", edgecolor="none"))
    for n, lags in loops.items():
        x, y = pos[n]
        ax.text(x, y + r * 1.35, "↻ lag " + ",".join(str(k) for k in sorted(lags)),
                fontsize=font_size * 0.8, ha="center", va="bottom", color=edge_color, zorder=4)

    if pos:
        xs = [p[0] for p in pos.values()]
        ys = [p[1] for p in pos.values()]
        pad = r * 3
        ax.set_xlim(min(xs) - pad, max(xs) + pad)
        ax.set_ylim(min(ys) - pad, max(ys) + pad)
    ax.set_aspect("equal")
    ax.axis("off")
    if title is not None:
        ax.set_title(title)
    return ax
