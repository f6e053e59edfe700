"""A d-separation oracle in place of a statistical test.

Given the true causal graph, ``X _||_ Y | S`` holds in every distribution
that is Markov and faithful to it exactly when ``X`` and ``Y`` are
d-separated by ``S`` (Pearl 1988). An algorithm run with this oracle instead
of a test must return the true equivalence class, which is how algorithms are
tested apart from the noise of finite samples.

Latent nodes of the graph stay in it (paths may pass through them), and a
bidirected edge ``A <-> B`` of an ADMG is read as ``A <- L -> B`` with a fresh
latent ``L`` (m-separation). Only directed, contemporaneous graphs are
accepted: a CPDAG or PAG does not determine the separations.

References
----------
.. [1] Pearl, J. (1988). *Probabilistic Reasoning in Intelligent Systems*,
   section 3.3.1.
.. [2] Richardson, T. (2003). Markov properties for acyclic directed mixed
   graphs. *Scandinavian Journal of Statistics* 30(1), 145-157.
"""

from __future__ import annotations

import numpy as np

from ..exceptions import DataError, GraphError, NodeNotFound
from .base import CITest

__all__ = ["DSeparationOracle"]


def _as_digraph(graph):
    """A networkx DiGraph of a DAG or ADMG, bidirected edges made latent forks."""
    import networkx as nx

    G = nx.DiGraph()
    G.add_nodes_from(graph.nodes)
    for e in graph.edge_list():
        if e.lag:
            raise GraphError("the d-separation oracle needs a contemporaneous graph; this one has lagged edges")
        if e.type == "-->":
            G.add_edge(e.source, e.target)
        elif e.type == "<->":
            hidden = ("__latent__", e.source, e.target)
            G.add_edge(hidden, e.source)
            G.add_edge(hidden, e.target)
        else:
            raise GraphError(
                f"the d-separation oracle needs a DAG or ADMG; edge {e.source} {e.type} {e.target} "
                f"is not directed or bidirected (graph kind {graph.kind!r})"
            )
    for s, t in graph.bows:  # A --> B together with A <-> B
        hidden = ("__latent__", s, t)
        G.add_edge(hidden, s)
        G.add_edge(hidden, t)
    if not nx.is_directed_acyclic_graph(G):
        raise GraphError("the d-separation oracle needs an acyclic graph; this one has a directed cycle")
    return G


class DSeparationOracle(CITest):
    """Answers ``X _||_ Y | S`` by d-separation in a known graph.

    Parameters
    ----------
    data : ndarray of shape (n_samples, n_variables)
        Only its column count is used (it may hold no rows of real data).
    names : list of str, optional
        Column names, matched to the graph's nodes. When omitted, the graph's
        observed nodes in their order are used (their number must equal the
        number of columns).
    graph : CausalGraph
        The true DAG (latent nodes allowed) or ADMG.

    Raises
    ------
    GraphError
        ``graph`` missing, not a DAG/ADMG, cyclic, or with lagged edges.
    NodeNotFound
        A column name that is not a node of the graph.
    DataError
        No names given and the column count differs from the observed nodes.

    Notes
    -----
    :meth:`pvalue` is 1.0 when d-separated (independent) and 0.0 when
    d-connected, so any level ``0 < alpha < 1`` reads it correctly.

    Examples
    --------
    >>> import numpy as np
    >>> from causalkit.graph import CausalGraph
    >>> g = CausalGraph.from_edges([("X", "Z"), ("Z", "Y")])
    >>> t = DSeparationOracle(np.zeros((1, 3)), names=["X", "Y", "Z"], graph=g)
    >>> t.pvalue(0, 1), t.pvalue(0, 1, [2])
    (0.0, 1.0)
    """

    name = "oracle"
    data_type = "any"

    def __init__(self, data, names=None, *, graph=None):
        data = np.asarray(data)
        if data.ndim != 2:
            raise DataError(f"data must be 2-dimensional (samples x variables); got shape {data.shape}")
        if graph is None:
            raise GraphError("the 'oracle' test needs the true graph: pass graph=CausalGraph(...)")
        if names is None:
            observed = list(graph.observed)
            if len(observed) != data.shape[1]:
                raise DataError(
                    f"data have {data.shape[1]} columns but the graph has {len(observed)} observed nodes "
                    f"{observed}; pass names= to match columns to nodes"
                )
            names = observed
        names = [str(v) for v in names]
        missing = [v for v in names if v not in graph.nodes]
        if missing:
            raise NodeNotFound(f"columns {missing} are not nodes of the graph; its nodes are {list(graph.nodes)}")
        super().__init__(data, names=names)
        self.graph = graph
        self._digraph = _as_digraph(graph)

    def is_separated(self, x, y, S=()):
        """Whether columns ``x`` and ``y`` are d-separated given columns ``S``."""
        import networkx as nx

        nodes = self.names
        return bool(nx.is_d_separator(self._digraph, {nodes[x]}, {nodes[y]}, {nodes[s] for s in S}))

    def _compute(self, x, y, S):
        return 1.0 if self.is_separated(x, y, S) else 0.0
