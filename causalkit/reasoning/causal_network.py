"""Fully specified causal Bayesian networks: ground-truth interventions by surgery.

A :class:`CausalNetwork` is a DAG (with latent variables allowed) plus a
conditional probability table for every variable, latent ones included. It is
the interpretation of the network diagram :func:`~causalkit.reasoning.network`,
so an intervention ``do(X = x)`` is computed exactly as the paper prescribes:
cut ``X``'s box, evaluate the cut diagram, condition on ``X = x``. Because the
uniform state on ``X`` cancels in the conditional, the evaluation slices the
factors at ``X = x`` and normalises, which is Pearl's truncated factorisation
``P(v | do(x)) = prod_{v_i not in X} P(v_i | pa_i)`` at ``X = x``; the sum
over the other variables runs by variable elimination over the ancestors of
the query only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exceptions import DataError, NodeNotFound
from . import semantics
from .diagram import check_dag, network
from .distribution import Channel, Distribution, _as_names
from .surgery import cut

__all__ = ["CausalNetwork", "random_network"]


class CausalNetwork:
    """A causal Bayesian network: a DAG and one conditional table per variable.

    Parameters
    ----------
    graph : CausalGraph
        A DAG; latent nodes (``from_edges(..., latent=[...])``) need tables too.
    cpts : dict
        Variable -> table ``P(v | parents)`` as an array with axes
        ``(v, *graph.parents(v))`` or a :class:`Channel` with output ``v``
        and inputs the parents in any order.
    states : dict, optional
        Variable -> state labels (default ``0..k-1``, or the channel's).

    Attributes
    ----------
    graph : CausalGraph
    cpts : dict of ndarray
        Validated tables, axes ``(v, *parents)``.
    states : dict
        Variable -> tuple of labels.

    Raises
    ------
    GraphError
        If the graph is cyclic or not a DAG.
    DataError
        If a table is missing, has the wrong shape, or is not stochastic
        (the failing parent configuration is named).

    Examples
    --------
    >>> from causalkit import CausalGraph
    >>> g = CausalGraph.from_edges([("Z", "X"), ("Z", "Y"), ("X", "Y")])
    >>> net = CausalNetwork(g, {"Z": [0.5, 0.5], "X": [[0.9, 0.2], [0.1, 0.8]],
    ...                         "Y": [[[0.9, 0.5], [0.6, 0.1]], [[0.1, 0.5], [0.4, 0.9]]]})
    >>> round(net.intervene({"X": 1}, "Y").prob(Y=1), 4)
    0.7
    """

    def __init__(self, graph, cpts, states=None):
        check_dag(graph)
        self.graph = graph
        states = dict(states or {})
        missing = [v for v in graph.nodes if v not in cpts]
        if missing:
            raise DataError(f"cpts has no table for {missing}; every variable (latent too) needs one")
        extra = [v for v in cpts if v not in graph.nodes]
        if extra:
            raise NodeNotFound(f"cpts names variables not in the graph: {extra}; nodes are {list(graph.nodes)}")
        raw = {}
        for v in graph.nodes:
            t = cpts[v]
            pa = graph.parents(v)
            if isinstance(t, Channel):
                if t.outputs != (v,) or set(t.inputs) != set(pa):
                    raise DataError(
                        f"the table for {v!r} maps {list(t.inputs)} -> {list(t.outputs)}; "
                        f"the graph needs {list(pa)} -> [{v!r}]"
                    )
                arr = np.transpose(t.array, [t.names.index(n) for n in (v,) + pa])
                for n in (v,) + pa:
                    states.setdefault(n, t.states[n])
            else:
                arr = np.asarray(t, dtype=float)
            if arr.ndim != 1 + len(pa):
                raise DataError(
                    f"the table for {v!r} has {arr.ndim} axes; it needs 1 + {len(pa)} (axes "
                    f"{[v, *pa]}: the variable first, then its parents in graph order)"
                )
            raw[v] = arr
        sizes = {v: raw[v].shape[0] for v in graph.nodes}
        self.states = {}
        for v in graph.nodes:
            labels = tuple(states.get(v, range(sizes[v])))
            if len(labels) != sizes[v]:
                raise DataError(f"states[{v!r}] lists {len(labels)} labels; its table has {sizes[v]} rows")
            self.states[v] = labels
        for v in graph.nodes:
            pa = graph.parents(v)
            want = (sizes[v],) + tuple(sizes[p] for p in pa)
            if raw[v].shape != want:
                raise DataError(
                    f"the table for {v!r} has shape {raw[v].shape}; with parents {list(pa)} it needs {want}"
                )
            semantics._check_stochastic(raw[v], 1, f"{v!r}", pa, [self.states[p] for p in pa])
        self.cpts = raw
        self._diagram = network(graph)
        self._interp = semantics.Interpretation(self.states, raw)
        self._wire = {t: w for w, t in enumerate(self._diagram.types)}

    # ------------------------------------------------------------------ views
    @property
    def diagram(self):
        """The network diagram (a state over the observed variables)."""
        return self._diagram

    @property
    def interpretation(self):
        """The :class:`~causalkit.reasoning.Interpretation` of the diagram's boxes."""
        return self._interp

    @property
    def observed(self):
        return self.graph.observed

    def _check(self, names):
        unknown = [n for n in names if n not in self.states]
        if unknown:
            raise NodeNotFound(f"unknown variables {unknown}; the network has {list(self.graph.nodes)}")

    def _idx(self, var, value):
        labels = self.states[var]
        if value in labels:
            return labels.index(value)
        for i, lab in enumerate(labels):
            if str(lab) == str(value):
                return i
        raise DataError(f"{value!r} is not a state of {var!r}; its states are {list(labels)}")

    # ------------------------------------------------------------------ queries
    def _query(self, diagram, outcome, evidence):
        outcome = _as_names(outcome, "outcome")
        self._check(outcome)
        self._check(evidence)
        both = set(outcome) & set(evidence)
        if both:
            raise DataError(f"variables {sorted(both)} are both in the outcome and fixed")
        ev = {self._wire[n]: self._idx(n, val) for n, val in evidence.items()}
        arr = semantics.contract(diagram, self._interp, [self._wire[n] for n in outcome], ev)
        total = float(arr.sum())
        if total <= 0:
            cfg = ", ".join(f"{n}={v!r}" for n, v in evidence.items())
            raise DataError(f"the event ({cfg}) has probability zero")
        return Distribution(outcome, arr / total, {n: self.states[n] for n in outcome}, check=False)

    def query(self, outcome, evidence=None):
        """Observational ``P(outcome | evidence)``.

        Parameters
        ----------
        outcome : str or sequence of str
        evidence : dict, optional
            ``variable: state``.

        Returns
        -------
        Distribution

        Raises
        ------
        NodeNotFound
            On an unknown variable.
        DataError
            If the evidence has probability zero (named).
        """
        return self._query(self._diagram, outcome, dict(evidence or {}))

    def intervene(self, intervention, outcome, given=None):
        """Ground-truth ``P(outcome | do(intervention), given)`` by surgery on the network.

        Parameters
        ----------
        intervention : dict
            ``variable: state`` for each intervened variable.
        outcome : str or sequence of str
        given : dict, optional
            Post-intervention evidence (context) ``variable: state``.

        Returns
        -------
        Distribution
            Over ``outcome``.

        Raises
        ------
        NodeNotFound
            On an unknown variable.
        DataError
            If ``given`` has probability zero under the intervention.

        Notes
        -----
        Cuts each intervened variable's box (:func:`~causalkit.reasoning.cut`)
        and evaluates the cut diagram with ``X = x`` fixed, contracting only
        the ancestors of ``outcome`` and ``given`` in the cut graph, in a
        greedy elimination order.
        """
        if not isinstance(intervention, dict) or not intervention:
            raise DataError("intervention must be a non-empty dict {variable: state}")
        self._check(intervention)
        d = cut(self._diagram, list(intervention))
        return self._query(d, outcome, {**dict(given or {}), **intervention})

    def observational(self, names=None):
        """The joint distribution of ``names`` (default: every observed variable)."""
        names = self.observed if names is None else _as_names(names)
        return self.query(names)

    def sample(self, n, random_state=None, include_latent=False):
        """Draw ``n`` observations by ancestral sampling.

        Parameters
        ----------
        n : int
        random_state : int or numpy Generator, optional
        include_latent : bool, default False

        Returns
        -------
        DataFrame
            One column per (observed) variable holding state labels.
        """
        rng = np.random.default_rng(random_state)
        n = int(n)
        codes = {}
        for v in self.graph.topological_order():
            pa = self.graph.parents(v)
            table = self.cpts[v]
            if pa:
                probs = table[(slice(None),) + tuple(codes[p] for p in pa)].T  # (n, k)
            else:
                probs = np.broadcast_to(table, (n, table.shape[0]))
            cum = np.cumsum(probs, axis=1)
            u = rng.random(n)[:, None]
            codes[v] = np.minimum((u > cum).sum(axis=1), table.shape[0] - 1)
        cols = self.graph.nodes if include_latent else self.observed
        return pd.DataFrame({v: np.asarray(self.states[v], dtype=object)[codes[v]] for v in cols}).infer_objects()

    @classmethod
    def from_bayesian_network(cls, bn, latent=()):
        """Build from a :class:`causalkit.generators.bif.BayesianNetwork` (what ``load_bif`` returns).

        Parameters
        ----------
        bn : BayesianNetwork
            With ``.graph``, ``.states`` and ``.cpts[v] = (parents, table)``,
            ``table`` of shape ``(*parent cardinalities, cardinality)``.
        latent : sequence of str, optional
            Variables to treat as unobserved (their tables are still used for
            ground truth; identification from data must not read them).

        Returns
        -------
        CausalNetwork
        """
        from ..graph import CausalGraph

        edges = [(e.source, e.target) for e in bn.graph.edge_list()]
        graph = CausalGraph.from_edges(edges, nodes=list(bn.graph.nodes), latent=latent)
        cpts = {}
        for v in graph.nodes:
            parents, table = bn.cpts[v]
            names = tuple(parents) + (v,)
            cpts[v] = np.transpose(np.asarray(table, dtype=float),
                                   [names.index(n) for n in (v,) + graph.parents(v)])
        return cls(graph, cpts, {v: tuple(s) for v, s in bn.states.items()})

    @classmethod
    def from_bif(cls, path, latent=()):
        """Read a BIF file with :func:`causalkit.generators.bif.load_bif` (see :meth:`from_bayesian_network`)."""
        from ..generators.bif import load_bif

        return cls.from_bayesian_network(load_bif(path), latent=latent)

    @classmethod
    def from_pgmpy(cls, model):
        """Build from a pgmpy ``DiscreteBayesianNetwork`` (its CPDs and state names)."""
        from ..graph import CausalGraph

        nodes = list(model.nodes())
        graph = CausalGraph.from_edges(list(model.edges()), nodes=nodes,
                                       latent=list(getattr(model, "latents", ()) or ()))
        cpts, states = {}, {}
        for cpd in model.get_cpds():
            v = cpd.variable
            names = list(cpd.variables)
            vals = np.asarray(cpd.get_values()).reshape([cpd.cardinality[i] for i in range(len(names))])
            pa = graph.parents(v)
            cpts[v] = np.transpose(vals, [names.index(p) for p in (v,) + pa])
            for n in names:
                states.setdefault(n, tuple(cpd.state_names[n]))
        return cls(graph, cpts, states)

    def __repr__(self):
        lat = f", latent={sorted(self.graph.latent)}" if self.graph.latent else ""
        return f"CausalNetwork(nodes={len(self.graph.nodes)}, edges={self.graph.n_edges}{lat})"


def random_network(graph, n_states=2, random_state=None, concentration=1.0):
    """A :class:`CausalNetwork` with random tables (Dirichlet columns) on ``graph``.

    Parameters
    ----------
    graph : CausalGraph
        A DAG (latent nodes allowed).
    n_states : int or dict, default 2
        States per variable, or variable -> states.
    random_state : int or numpy Generator, optional
    concentration : float, default 1
        Dirichlet parameter of every column (1 = uniform over the simplex).

    Returns
    -------
    CausalNetwork
    """
    check_dag(graph)
    rng = np.random.default_rng(random_state)
    k = {v: int(n_states[v] if isinstance(n_states, dict) else n_states) for v in graph.nodes}
    cpts = {}
    for v in graph.nodes:
        pa = graph.parents(v)
        cols = int(np.prod([k[p] for p in pa])) if pa else 1
        t = rng.dirichlet(np.full(k[v], float(concentration)), size=cols).T
        cpts[v] = t.reshape((k[v],) + tuple(k[p] for p in pa))
    return CausalNetwork(graph, cpts)
