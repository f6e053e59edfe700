"""Scores that compare an estimated causal graph with the true one.

Every metric here works from the *endpoint matrix* of a graph
(:meth:`CausalGraph.to_endpoint_matrix`): ``M[i, j]`` is the mark at ``j`` on
the edge between ``i`` and ``j``, coded 0 (no edge), 1 (tail), 2 (arrowhead),
3 (circle). So ``i --> j`` is ``M[i, j] = 2, M[j, i] = 1``; ``i --- j`` is
``1, 1``; ``i <-> j`` is ``2, 2``; ``i o-> j`` is ``M[i, j] = 2, M[j, i] = 3``.
That one encoding covers DAGs, CPDAGs, PDAGs, ADMGs and PAGs, so the
skeleton, arrowhead, v-structure and pairwise SHD scores are defined for any
pair of graphs over the same nodes.

The metric families (each a public function; :func:`compare` runs them all):

- **Skeleton** (:func:`skeleton_scores`): the adjacencies, orientation ignored,
  counted over unordered pairs.
- **Arrowheads** (:func:`arrowhead_scores`): arrowhead marks counted over
  ordered pairs ``(i, j)`` (an arrowhead at ``j`` on the edge ``i *-> j``),
  over all pairs or only over pairs adjacent in both graphs
  (``common=True``; causal-learn's ``ArrowConfusion`` "ce" counts).
- **V-structures** (:func:`vstructure_scores`): unshielded colliders
  ``a *-> b <-* c`` with ``a``, ``c`` not adjacent.
- **Structural Hamming distances** [1]_: :func:`shd` (1 per node pair whose marks
  differ, any mixed graph; causal-learn's ``SHD``), :func:`shd_dag`
  (extra + missing + reversed, cdt/gCastle style, for DAGs and PDAGs) and
  :func:`shd_cpdag` (both graphs reduced to CPDAGs first, as BiDAG and cdt's
  ``SHD_CPDAG`` do).
- **Structural intervention distance** (:func:`sid`, :func:`sid_bounds`):
  Peters and Buhlmann (2015) [2]_, in pure Python, using the adjustment
  criterion [3]_ and, for CPDAGs, locally valid parent sets [4]_.
- **Edge scores** (:func:`auroc`, :func:`auprc`): ranking quality of an
  edge-score matrix (rows = cause, columns = effect).

Empty graphs never crash and never give an unannounced NaN. Every ratio
``num / den`` whose denominator is 0 takes the value 1.0 when the two graphs
agree perfectly on what is counted (no false positive and no false negative:
nothing to find and nothing found), and 0.0 otherwise. So the precision of an
empty estimate is 1.0 against an empty truth and 0.0 against a non-empty one;
recall against an empty truth is 1.0 for an empty estimate and 0.0 otherwise;
F1 is ``2 TP / (2 TP + FP + FN)`` with the same rule, so F1 of a graph against
itself is always 1.0. The only NaN values :func:`compare` returns are the
documented "not applicable" cases (SID of a non-DAG, AUROC without scores).

Both graphs must have the same node names (in any order; nodes are matched by
name). Edges with a ``lag`` are not compared silently: :func:`compare` raises
unless ``lagged="summary"``, which compares the summary graphs
(:meth:`CausalGraph.summary`).

References
----------
.. [1] Tsamardinos, Brown and Aliferis (2006). The max-min hill-climbing
   Bayesian network structure learning algorithm. Machine Learning 65, 31-78
   (the structural Hamming distance).
.. [2] Peters and Buhlmann (2015). Structural intervention distance for
   evaluating causal graphs. Neural Computation 27(3), 771-799.
.. [3] Shpitser, VanderWeele and Robins (2010). On the validity of covariate
   adjustment for estimating causal effects. UAI.
.. [4] Maathuis, Kalisch and Buhlmann (2009). Estimating high-dimensional
   intervention effects from observational data. Annals of Statistics 37(6A).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

from .exceptions import DataError, GraphError
from .graph import CausalGraph

__all__ = [
    "compare",
    "skeleton_scores",
    "arrowhead_scores",
    "vstructure_scores",
    "shd",
    "shd_dag",
    "shd_cpdag",
    "sid",
    "sid_bounds",
    "auroc",
    "auprc",
    "COMPARE_KEYS",
]

_NONE, _TAIL, _ARROW, _CIRCLE = 0, 1, 2, 3

#: The keys of the dict returned by :func:`compare`, always all present, in this order.
COMPARE_KEYS = (
    "skeleton_precision",
    "skeleton_recall",
    "skeleton_f1",
    "arrowhead_precision",
    "arrowhead_recall",
    "arrowhead_f1",
    "arrowhead_precision_common",
    "arrowhead_recall_common",
    "arrowhead_f1_common",
    "vstructure_precision",
    "vstructure_recall",
    "vstructure_f1",
    "shd",
    "shd_dag",
    "shd_cpdag",
    "sid",
    "sid_lower",
    "sid_upper",
    "auroc",
    "auprc",
)


# ---------------------------------------------------------------------- helpers
def _as_graph(g, arg):
    # A DiscoveryResult (or anything holding a CausalGraph in .graph) is accepted.
    if not isinstance(g, CausalGraph) and isinstance(getattr(g, "graph", None), CausalGraph):
        g = g.graph
    if not isinstance(g, CausalGraph):
        raise GraphError(
            f"{arg} must be a CausalGraph (or a DiscoveryResult); got {type(g).__name__}. "
            "Build one with CausalGraph.from_edges or CausalGraph.from_adjacency(..., convention=...)"
        )
    return g


def _has_lags(g):
    return any(e.lag for e in g.edge_list())


def _prepare(true, est, lagged="raise"):
    """Check the two graphs and return them (summarised if asked)."""
    true = _as_graph(true, "true")
    est = _as_graph(est, "est")
    if lagged not in ("raise", "summary"):
        raise ValueError(f"lagged must be 'raise' or 'summary'; got {lagged!r}")
    if _has_lags(true) or _has_lags(est):
        if lagged == "raise":
            which = [n for n, g in (("true", true), ("est", est)) if _has_lags(g)]
            raise GraphError(
                f"{' and '.join(which)} {'have' if len(which) > 1 else 'has'} lagged edges; "
                "the metrics compare "
                "contemporaneous graphs. Pass lagged='summary' to compare the summary "
                "graphs (CausalGraph.summary()), or compare the graphs yourself lag by lag"
            )
        # only a graph with lags is summarised: summary() re-infers the kind
        true = true.summary() if _has_lags(true) else true
        est = est.summary() if _has_lags(est) else est
    only_true = [n for n in true.nodes if n not in set(est.nodes)]
    only_est = [n for n in est.nodes if n not in set(true.nodes)]
    if only_true or only_est:
        msg = (f"true and est must have the same node names; only in true: {only_true}, "
               f"only in est: {only_est}")
        if true.latent and set(only_true) <= true.latent and not only_est:
            msg += ("; the missing nodes are latent in true: compare against "
                    "true.latent_projection()")
        raise GraphError(msg)
    return true, est


def _marks(g, names, arg):
    """Endpoint matrix of ``g`` with rows and columns in the order ``names``."""
    try:
        m = g.to_endpoint_matrix()
    except GraphError as exc:
        raise GraphError(f"{arg}: {exc}") from None
    pos = {n: k for k, n in enumerate(g.nodes)}
    idx = [pos[n] for n in names]
    return np.asarray(m, dtype=np.int8)[np.ix_(idx, idx)]


def _matrices(true, est, lagged="raise"):
    true, est = _prepare(true, est, lagged)
    names = list(true.nodes)
    return names, _marks(true, names, "true"), _marks(est, names, "est"), true, est


def _ratio(num, den, perfect):
    """``num / den``, or the empty-case rule: 1.0 if ``perfect`` else 0.0."""
    if den == 0:
        return 1.0 if perfect else 0.0
    return float(num) / float(den)


def _prf(tp, fp, fn):
    perfect = fp == 0 and fn == 0
    return (
        _ratio(tp, tp + fp, perfect),
        _ratio(tp, tp + fn, perfect),
        _ratio(2 * tp, 2 * tp + fp + fn, perfect),
    )


def _counts_dict(tp, fp, fn, tn):
    p, r, f = _prf(tp, fp, fn)
    return {"tp": int(tp), "fp": int(fp), "fn": int(fn), "tn": int(tn),
            "precision": p, "recall": r, "f1": f}


# ---------------------------------------------------------------------- skeleton
def skeleton_scores(true, est, *, lagged="raise"):
    """Adjacency (skeleton) confusion counts, precision, recall, F1 and FPR.

    Parameters
    ----------
    true, est : CausalGraph
        Graphs over the same node names (any order). ``est`` may also be a
        :class:`~causalkit.result.DiscoveryResult`.
    lagged : {"raise", "summary"}, default "raise"
        What to do with lagged edges: raise :class:`GraphError`, or compare
        the summary graphs.

    Returns
    -------
    dict
        ``tp``, ``fp``, ``fn``, ``tn`` (ints), ``precision``, ``recall``,
        ``f1``, ``fpr`` and ``fpr_p`` (floats).

    Raises
    ------
    GraphError
        If the node names differ (the message lists them) or a graph has
        lagged edges and ``lagged="raise"``.

    Notes
    -----
    Counted over the ``d (d - 1) / 2`` unordered pairs ``{i, j}``; a pair is
    *positive* when the graph has any edge between ``i`` and ``j``:

    - ``TP`` adjacent in both, ``FP`` only in ``est``, ``FN`` only in
      ``true``, ``TN`` in neither;
    - ``precision = TP / (TP + FP)``, ``recall = TP / (TP + FN)``,
      ``f1 = 2 TP / (2 TP + FP + FN)``;
    - ``fpr = FP / N`` with ``N = TN + FP`` the true non-adjacencies;
      ``fpr_p = FP / P`` with ``P = TP + FN`` the true adjacencies
      (Benchpress's "FPRp", which makes ``(FP + FN) / P`` a distance).

    A zero denominator gives 1.0 when ``FP = FN = 0`` and 0.0 otherwise.
    ``fpr`` is 0.0 when ``N = 0`` (then ``FP = 0``); ``fpr_p`` divides by
    ``max(P, 1)``, so it is ``FP`` against an empty truth (it is not
    bounded by 1).

    Examples
    --------
    >>> from causalkit.graph import CausalGraph
    >>> true = CausalGraph.from_edges([("a", "b"), ("b", "c")])
    >>> est = CausalGraph.from_edges([("b", "a"), ("a", "c")], nodes=["a", "b", "c"])
    >>> s = skeleton_scores(true, est)
    >>> s["tp"], s["fp"], s["fn"], s["precision"]
    (1, 1, 1, 0.5)
    """
    _, mt, me, _, _ = _matrices(true, est, lagged)
    iu = np.triu_indices(mt.shape[0], k=1)
    at, ae = mt[iu] != _NONE, me[iu] != _NONE
    tp = int(np.sum(at & ae))
    fp = int(np.sum(~at & ae))
    fn = int(np.sum(at & ~ae))
    tn = int(np.sum(~at & ~ae))
    out = _counts_dict(tp, fp, fn, tn)
    out["fpr"] = fp / (fp + tn) if fp + tn else 0.0  # N = 0 forces FP = 0
    out["fpr_p"] = fp / max(tp + fn, 1)
    return out


# ---------------------------------------------------------------------- arrowheads
def arrowhead_scores(true, est, *, common=False, lagged="raise"):
    """Arrowhead confusion counts, precision, recall and F1.

    Parameters
    ----------
    true, est : CausalGraph
        Graphs over the same node names.
    common : bool, default False
        Count only the pairs adjacent in both graphs (causal-learn's
        ``ArrowConfusion`` "ce" variant); this separates orientation errors
        from skeleton errors.
    lagged : {"raise", "summary"}, default "raise"
        See :func:`skeleton_scores`.

    Returns
    -------
    dict
        ``tp``, ``fp``, ``fn``, ``tn``, ``precision``, ``recall``, ``f1``.

    Raises
    ------
    GraphError
        If the node names differ or lagged edges are found.

    Notes
    -----
    The positions are the ordered pairs ``(i, j)``, ``i != j``; position
    ``(i, j)`` is positive in a graph when its edge between ``i`` and ``j``
    has an arrowhead at ``j`` (``M[i, j] = 2``). So ``i --> j`` has one
    arrowhead, ``i <-> j`` two, ``i --- j`` and ``i o-o j`` none, and a
    reversed edge is one FP and one FN. With ``common=True`` only positions
    whose pair is adjacent in both graphs count. ``precision``, ``recall``
    and ``f1`` follow :func:`skeleton_scores`, with the same empty-case rule
    (1.0 when ``FP = FN = 0``, else 0.0). ``tn`` counts the remaining
    positions of the considered pairs.

    Examples
    --------
    >>> from causalkit.graph import CausalGraph
    >>> true = CausalGraph.from_edges([("a", "b"), ("b", "c")])
    >>> est = CausalGraph(["a", "b", "c"], [("a", "b", "-->"), ("b", "c", "---")])
    >>> s = arrowhead_scores(true, est)
    >>> s["tp"], s["fp"], s["fn"], s["recall"]
    (1, 0, 1, 0.5)
    """
    _, mt, me, _, _ = _matrices(true, est, lagged)
    d = mt.shape[0]
    off = ~np.eye(d, dtype=bool)
    if common:
        off &= (mt != _NONE) & (me != _NONE)
    t, e = (mt == _ARROW)[off], (me == _ARROW)[off]
    return _counts_dict(int(np.sum(t & e)), int(np.sum(~t & e)), int(np.sum(t & ~e)),
                        int(np.sum(~t & ~e)))


# ---------------------------------------------------------------------- v-structures
def _unshielded_colliders(m, names):
    """Set of ``(a, b, c)`` names, ``a *-> b <-* c``, ``a``, ``c`` non-adjacent, ``a`` before ``c``."""
    adj = m != _NONE
    out = set()
    for b in range(m.shape[0]):
        into = np.flatnonzero(m[:, b] == _ARROW)
        for x, y in itertools.combinations(into, 2):
            if not adj[x, y]:
                out.add((names[x], names[b], names[y]))
    return out


def vstructure_scores(true, est, *, lagged="raise"):
    """Precision, recall and F1 of the v-structures (unshielded colliders).

    Parameters
    ----------
    true, est : CausalGraph
        Graphs over the same node names.
    lagged : {"raise", "summary"}, default "raise"
        See :func:`skeleton_scores`.

    Returns
    -------
    dict
        ``tp``, ``fp``, ``fn`` (ints), ``precision``, ``recall``, ``f1``, and
        ``true`` / ``est``: the sets of triples ``(a, b, c)``.

    Raises
    ------
    GraphError
        If the node names differ or lagged edges are found.

    Notes
    -----
    A v-structure is a triple ``a *-> b <-* c`` where both edges have an
    arrowhead at ``b`` and ``a``, ``c`` are not adjacent; for DAGs and CPDAGs
    that is ``a --> b <-- c``, and for PAGs and ADMGs it includes ``o->`` and
    ``<->`` edges. A triple is a TP when it is a v-structure of both graphs
    (same collider, same pair): ``precision = TP / |V(est)|``,
    ``recall = TP / |V(true)|``, ``f1 = 2 TP / (|V(true)| + |V(est)|)``, with
    the empty-case rule of :func:`skeleton_scores` (two graphs without
    v-structures score 1.0).

    Examples
    --------
    >>> from causalkit.graph import CausalGraph
    >>> true = CausalGraph.from_edges([("a", "b"), ("c", "b")])
    >>> vstructure_scores(true, true)["f1"]
    1.0
    """
    names, mt, me, _, _ = _matrices(true, est, lagged)
    vt, ve = _unshielded_colliders(mt, names), _unshielded_colliders(me, names)
    tp = len(vt & ve)
    out = _counts_dict(tp, len(ve - vt), len(vt - ve), 0)
    del out["tn"]
    out["true"], out["est"] = vt, ve
    return out


# ---------------------------------------------------------------------- SHD
def shd(true, est, *, lagged="raise"):
    """Structural Hamming distance per node pair, for any mixed graphs.

    Parameters
    ----------
    true, est : CausalGraph
        Graphs over the same node names, of any kind (DAG, CPDAG, PAG, ADMG).
    lagged : {"raise", "summary"}, default "raise"
        See :func:`skeleton_scores`.

    Returns
    -------
    int

    Raises
    ------
    GraphError
        If the node names differ or lagged edges are found.

    Notes
    -----
    ``shd = #{ {i, j} : (M_true[i, j], M_true[j, i]) != (M_est[i, j], M_est[j, i]) }``:
    every unordered pair whose two endpoint marks differ in any way costs
    exactly 1. A missing, extra or reversed edge costs 1, and so does
    ``---`` against ``-->``, ``<->`` against ``-->`` or ``o->`` against
    ``-->``. This is causal-learn's ``SHD``; it is symmetric in its
    arguments and 0 only for identical graphs.

    Examples
    --------
    >>> from causalkit.graph import CausalGraph
    >>> true = CausalGraph.from_edges([("a", "b"), ("b", "c")])
    >>> est = CausalGraph.from_edges([("b", "a"), ("b", "c")])
    >>> shd(true, est)
    1
    """
    _, mt, me, _, _ = _matrices(true, est, lagged)
    diff = (mt != me) | (mt.T != me.T)
    return int(np.sum(np.triu(diff, k=1)))


def _pdag_parts(m, arg):
    """Directed and undirected boolean matrices of a graph with only --> and --- edges."""
    directed = (m == _ARROW) & (m.T == _TAIL)
    undirected = (m == _TAIL) & (m.T == _TAIL)
    if np.any((m != _NONE) & ~directed & ~directed.T & ~undirected):
        raise GraphError(
            f"{arg} has edges other than '-->' and '---' (bidirected or circle marks); "
            "shd_dag is defined for DAGs, CPDAGs and PDAGs: use shd() for mixed graphs"
        )
    return directed, undirected


def shd_dag(true, est, *, reversed_cost=1, undirected_cost=1, lagged="raise"):
    """Structural Hamming distance counting extra, missing and reversed edges.

    Parameters
    ----------
    true, est : CausalGraph
        Graphs over the same node names with only ``-->`` and ``---`` edges
        (DAGs, CPDAGs, PDAGs, skeletons).
    reversed_cost : {1, 2}, default 1
        Cost of a directed edge pointing the wrong way. 1 counts it as one
        edit (Tsamardinos et al. 2006; cdt ``SHD(double_for_anticausal=False)``,
        gCastle); 2 counts the two wrong matrix cells (cdt's default).
    undirected_cost : float, default 1
        Cost of an adjacency present in both graphs but undirected in one and
        directed in the other (``---`` against ``-->``). The default 1 matches
        cdt (both settings); gCastle's ``MetricsDAG`` counts it as 0.
    lagged : {"raise", "summary"}, default "raise"
        See :func:`skeleton_scores`.

    Returns
    -------
    int or float
        An int when both costs are integers.

    Raises
    ------
    GraphError
        If the node names differ, lagged edges are found, or a graph has
        ``<->``, ``o->`` or ``o-o`` edges.
    ValueError
        If ``reversed_cost`` is not 1 or 2 or ``undirected_cost`` is negative.

    Notes
    -----
    Summed over unordered pairs ``{i, j}``:

    ``shd_dag = extra + missing + reversed_cost * reversed + undirected_cost * half``

    where ``extra`` counts pairs adjacent only in ``est``, ``missing`` pairs
    adjacent only in ``true``, ``reversed`` pairs directed opposite ways in
    the two graphs and ``half`` pairs directed in one graph and undirected in
    the other. An extra or missing edge costs 1 whatever its type (cdt's
    matrix count would charge 2 for an extra undirected edge). With
    ``reversed_cost=1`` and ``undirected_cost=1`` this equals :func:`shd` on
    DAGs and PDAGs.

    Examples
    --------
    >>> from causalkit.graph import CausalGraph
    >>> true = CausalGraph.from_edges([("a", "b"), ("b", "c")])
    >>> est = CausalGraph.from_edges([("b", "a"), ("b", "c")])
    >>> shd_dag(true, est), shd_dag(true, est, reversed_cost=2)
    (1, 2)
    """
    if reversed_cost not in (1, 2):
        raise ValueError(f"reversed_cost must be 1 or 2; got {reversed_cost!r}")
    if not (isinstance(undirected_cost, (int, float)) and undirected_cost >= 0):
        raise ValueError(f"undirected_cost must be a non-negative number; got {undirected_cost!r}")
    _, mt, me, _, _ = _matrices(true, est, lagged)
    dt, ut = _pdag_parts(mt, "true")
    de, ue = _pdag_parts(me, "est")
    iu = np.triu_indices(mt.shape[0], k=1)
    at, ae = (mt != _NONE)[iu], (me != _NONE)[iu]
    extra = int(np.sum(ae & ~at))
    missing = int(np.sum(at & ~ae))
    reversed_ = int(np.sum((dt & de.T)[iu] | (dt.T & de)[iu]))
    half = int(np.sum(((dt | dt.T) & ue)[iu] | ((de | de.T) & ut)[iu]))
    return extra + missing + reversed_cost * reversed_ + undirected_cost * half


def _to_cpdag_if_dag(g, arg):
    if g.kind != "dag":
        return g
    try:
        return g.to_cpdag()
    except GraphError as exc:
        raise GraphError(f"{arg}: {exc}") from None


def shd_cpdag(true, est, *, lagged="raise"):
    """SHD between the CPDAGs (Markov equivalence classes) of the two graphs.

    Parameters
    ----------
    true, est : CausalGraph
        Graphs over the same node names. A graph whose ``kind`` is ``"dag"``
        is replaced by its CPDAG (:meth:`CausalGraph.to_cpdag`); any other
        graph (a CPDAG from PC, a PAG, ...) is compared as it is.
    lagged : {"raise", "summary"}, default "raise"
        See :func:`skeleton_scores`.

    Returns
    -------
    int

    Raises
    ------
    GraphError
        If the node names differ or lagged edges are found.

    Notes
    -----
    ``shd_cpdag(G, H) = shd(CPDAG(G), CPDAG(H))`` with :func:`shd` counting
    1 per pair whose marks differ, so an estimate in the true equivalence
    class scores 0. This is the convention of BiDAG's
    ``compareDAGs(cpdag=TRUE)`` and cdt's ``SHD_CPDAG``.

    Examples
    --------
    >>> from causalkit.graph import CausalGraph
    >>> true = CausalGraph.from_edges([("a", "b"), ("b", "c")])
    >>> est = CausalGraph.from_edges([("c", "b"), ("b", "a")])
    >>> shd(true, est), shd_cpdag(true, est)
    (2, 0)
    """
    true, est = _prepare(true, est, lagged)
    return shd(_to_cpdag_if_dag(true, "true"), _to_cpdag_if_dag(est, "est"))


# ---------------------------------------------------------------------- SID
def _is_dag_matrix(m):
    """True when the marks hold only directed edges and no directed cycle."""
    if np.any((m != _NONE) & ~(((m == _ARROW) & (m.T == _TAIL)) | ((m == _TAIL) & (m.T == _ARROW)))):
        return False
    return _acyclic((m == _ARROW) & (m.T == _TAIL))


def _acyclic(a):
    a = np.array(a, dtype=bool)
    alive = np.ones(a.shape[0], dtype=bool)
    while alive.any():
        sources = alive & ~a[alive].any(axis=0)
        if not sources.any():
            return False
        alive &= ~sources
    return True


def _closure(a):
    """Strict descendant matrix: ``R[i, j]`` True when a directed path leads from i to j."""
    r = np.array(a, dtype=bool)
    while True:
        nxt = r | ((r.astype(np.int64) @ a.astype(np.int64)) > 0)
        if np.array_equal(nxt, r):
            return r
        r = nxt


class _SIDContext:
    """The true DAG, preprocessed for the adjustment checks of the SID."""

    def __init__(self, g):
        self.g = np.asarray(g, dtype=bool)
        self.d = self.g.shape[0]
        self.desc = _closure(self.g)
        self.parents = [set(np.flatnonzero(self.g[:, k]).tolist()) for k in range(self.d)]
        self.children = [set(np.flatnonzero(self.g[k]).tolist()) for k in range(self.d)]

    def _dconnected_from(self, x, z, cut):
        """Nodes d-connected to ``x`` given ``z`` in G without the edges ``x -> c``, ``c`` in ``cut``.

        The "reachable" procedure of Koller and Friedman (2009, Alg. 3.1).
        """
        def children(k):
            return self.children[k] - cut if k == x else self.children[k]

        def parents(k):
            return self.parents[k] - {x} if k in cut else self.parents[k]

        # ancestors of z (z included) in the cut graph
        anc = set(z)
        stack = list(z)
        while stack:
            k = stack.pop()
            for p in parents(k):
                if p not in anc:
                    anc.add(p)
                    stack.append(p)
        reach, seen = set(), set()
        stack = [(x, "up")]
        while stack:
            k, way = stack.pop()
            if (k, way) in seen:
                continue
            seen.add((k, way))
            if k not in z:
                reach.add(k)
            if way == "up" and k not in z:
                stack.extend((p, "up") for p in parents(k))
                stack.extend((c, "down") for c in children(k))
            elif way == "down":
                if k not in z:
                    stack.extend((c, "down") for c in children(k))
                if k in anc:
                    stack.extend((p, "up") for p in parents(k))
        return reach

    def mistakes(self, i, z):
        """Number of ``j != i`` whose effect ``p(x_j | do(x_i))`` adjusting for ``z`` gets wrong."""
        z = set(z)
        desc_i = self.desc[i]
        count = 0
        for j in range(self.d):
            if j == i:
                continue
            if j in z:
                # H says x_j is a cause of x_i, so do(x_i) leaves x_j alone: wrong iff j is a descendant.
                count += bool(desc_i[j])
                continue
            cut = set()
            if desc_i[j]:
                # nodes w != i on a directed path i ~> w ~> j, and everything below them, are forbidden
                on_path = desc_i & (self.desc[:, j] | (np.arange(self.d) == j))
                forbidden = on_path | self.desc[on_path].any(axis=0)
                if any(forbidden[k] for k in z):
                    count += 1
                    continue
                cut = {c for c in self.children[i] if on_path[c]}
            if j in self._dconnected_from(i, z, cut):
                count += 1
        return count


def _sid_setup(true, est, lagged):
    names, mt, me, _, _ = _matrices(true, est, lagged)
    if not _is_dag_matrix(mt):
        raise GraphError("the SID needs a true DAG (only '-->' edges, no directed cycle)")
    return _SIDContext((mt == _ARROW) & (mt.T == _TAIL)), me, names


def sid(true, est, *, lagged="raise"):
    """Structural intervention distance of an estimated DAG from the true DAG.

    Parameters
    ----------
    true, est : CausalGraph
        DAGs over the same node names (only ``-->`` edges, acyclic).
    lagged : {"raise", "summary"}, default "raise"
        See :func:`skeleton_scores`.

    Returns
    -------
    int
        The number of ordered pairs ``(i, j)``, ``i != j``, whose intervention
        distribution ``p(x_j | do(x_i))`` ``est`` infers wrongly; between 0 and
        ``d (d - 1)``.

    Raises
    ------
    GraphError
        If the node names differ, lagged edges are found, ``true`` is not a
        DAG, or ``est`` is not a DAG (for a CPDAG use :func:`sid_bounds`).

    Notes
    -----
    Peters and Buhlmann (2015), Definition 2 with Proposition 8. ``est``
    (call it H) infers ``p(x_j | do(x_i))`` by adjusting for its parent set
    ``Z = Pa_H(i)``. The pair ``(i, j)`` is a mistake when

    - ``j`` is in ``Z`` (H claims intervening on ``x_i`` leaves ``x_j``
      unchanged) but ``j`` is a descendant of ``i`` in the true DAG G; or
    - ``j`` is not in ``Z`` and ``Z`` is not a valid adjustment set for
      ``(i, j)`` in G (Shpitser et al. 2010): either ``Z`` contains a node
      that lies on a directed path from ``i`` to ``j`` (other than ``i``) or
      a descendant of such a node, or ``Z`` fails to d-separate ``i`` and
      ``j`` in G with the first edge of every directed path from ``i`` to
      ``j`` removed.

    ``sid(G, G) = 0``, and ``sid(G, H) = 0`` whenever the DAG H is a
    supergraph of G (for example the complete DAG over a topological order
    of G), since a superset of the parents that holds no descendant is a
    valid adjustment set. SID is not symmetric. The computation is
    one d-separation search per pair, ``O(d^2 (d + e))``: meant for graphs
    of up to a few hundred nodes.

    Examples
    --------
    >>> from causalkit.graph import CausalGraph
    >>> true = CausalGraph.from_edges([("a", "b"), ("b", "c")])
    >>> sid(true, CausalGraph.from_edges([("b", "a"), ("b", "c")]))
    3
    """
    ctx, me, _ = _sid_setup(true, est, lagged)
    if not _is_dag_matrix(me):
        raise GraphError("sid needs est to be a DAG; for a CPDAG or PDAG use sid_bounds(true, est)")
    h = (me == _ARROW) & (me.T == _TAIL)
    return int(sum(ctx.mistakes(i, np.flatnonzero(h[:, i]).tolist()) for i in range(ctx.d)))


def sid_bounds(true, est, *, max_neighbors=12, lagged="raise"):
    """Lower and upper bound of the SID over the DAGs a CPDAG (or PDAG) represents.

    Parameters
    ----------
    true : CausalGraph
        The true DAG.
    est : CausalGraph
        A DAG, CPDAG or PDAG (only ``-->`` and ``---`` edges) over the same
        node names.
    max_neighbors : int, default 12
        Largest number of undirected neighbours of one node to enumerate
        (``2 ** max_neighbors`` candidate parent sets).
    lagged : {"raise", "summary"}, default "raise"
        See :func:`skeleton_scores`.

    Returns
    -------
    (int, int)
        ``(lower, upper)``; both equal :func:`sid` when ``est`` is a DAG.

    Raises
    ------
    GraphError
        If the node names differ, lagged edges are found, ``true`` is not a
        DAG, ``est`` has edges other than ``-->`` and ``---`` or a directed
        cycle, or a node has more than ``max_neighbors`` undirected
        neighbours.

    Notes
    -----
    The SID is a sum over nodes ``i`` of the mistakes made adjusting for
    ``Pa_H(i)``. In a CPDAG the parent sets ``i`` can have in the DAGs of the
    class are ``Pa(i) ∪ S`` for ``S`` a subset of the undirected neighbours
    of ``i`` that are pairwise adjacent (locally valid sets; Maathuis et al.
    2009). For a PDAG that is not closed under Meek's rules, the neighbours
    not adjacent to every directed parent of ``i`` are also left out (they
    would form a new v-structure); the bounds then cover the DAG extensions
    but may be wider. ``lower`` sums, over ``i``, the fewest mistakes of any such set,
    and ``upper`` the most, as Peters and Buhlmann (2015, Section 2.3) do.
    So ``lower <= sid(G, H') <= upper`` for every DAG ``H'`` in the class;
    the bounds can be loose when the per-node extremes cannot be realised by
    one DAG.

    Examples
    --------
    >>> from causalkit.graph import CausalGraph
    >>> true = CausalGraph.from_edges([("a", "b")])
    >>> sid_bounds(true, true.to_cpdag())
    (0, 2)
    """
    ctx, me, names = _sid_setup(true, est, lagged)
    directed, undirected = _pdag_parts(me, "est")
    if not _acyclic(directed):
        raise GraphError("est has a directed cycle; sid_bounds needs a DAG, CPDAG or PDAG")
    adj = me != _NONE
    lower = upper = 0
    for i in range(ctx.d):
        pa = np.flatnonzero(directed[:, i]).tolist()
        # a neighbour not adjacent to every directed parent would make a new v-structure
        nb_ok = [k for k in np.flatnonzero(undirected[i]) if all(adj[k, p] for p in pa)]
        if len(nb_ok) > max_neighbors:
            raise GraphError(
                f"est node {names[i]!r} has {len(nb_ok)} undirected neighbours, more than "
                f"max_neighbors={max_neighbors}; raise max_neighbors to enumerate them"
            )
        counts = []
        for r in range(len(nb_ok) + 1):
            for s in itertools.combinations(nb_ok, r):
                if all(adj[a, b] for a, b in itertools.combinations(s, 2)):
                    counts.append(ctx.mistakes(i, pa + list(s)))
        lower += min(counts)
        upper += max(counts)
    return int(lower), int(upper)


# ---------------------------------------------------------------------- edge scores
def _score_labels(true, scores):
    true = _as_graph(true, "true")
    if _has_lags(true):
        raise GraphError("true has lagged edges; pass true.summary() to score an edge-score matrix")
    if not isinstance(scores, pd.DataFrame):
        raise DataError(
            "scores must be a labelled DataFrame (rows = cause, columns = effect, index and "
            f"columns = node names); got {type(scores).__name__}. Wrap an array with "
            "pd.DataFrame(array, index=names, columns=names)"
        )
    names = list(true.nodes)
    rows, cols = [str(r) for r in scores.index], [str(c) for c in scores.columns]
    for label, got in (("index", rows), ("columns", cols)):
        missing = [n for n in names if n not in got]
        extra = [n for n in got if n not in names]
        if missing or extra or len(got) != len(names):
            raise GraphError(
                f"scores {label} must hold exactly the node names of true; missing: {missing}, "
                f"not in true: {extra}"
            )
    s = scores.copy()
    s.index, s.columns = rows, cols
    s = s.loc[names, names]
    try:
        values = s.to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise DataError("scores must be numeric") from None
    off = ~np.eye(len(names), dtype=bool)
    if not np.all(np.isfinite(values[off])):
        bad = [(names[i], names[j]) for i, j in zip(*np.nonzero(~np.isfinite(values) & off))]
        raise DataError(f"scores has NaN or inf entries at (cause, effect) = {bad[:5]}")
    m = true.to_endpoint_matrix()
    # label[i, j]: i is a possible direct cause of j (adjacent, no arrowhead at i)
    labels = (m != _NONE) & (m.T != _ARROW)
    return labels[off].astype(int), values[off]


def auroc(true, scores):
    """Area under the ROC curve of an edge-score matrix.

    Parameters
    ----------
    true : CausalGraph
        The true graph (contemporaneous edges).
    scores : DataFrame of shape (d, d)
        Edge scores, rows = cause, columns = effect: ``scores.loc[a, b]``
        high means ``a --> b`` is likely. Index and columns are the node
        names of ``true`` (any order). The diagonal is ignored.

    Returns
    -------
    float

    Raises
    ------
    DataError
        If ``scores`` is not a DataFrame or holds NaN / inf off the diagonal.
    GraphError
        If its labels are not the node names of ``true``, or ``true`` has
        lagged edges.

    Notes
    -----
    Computed with :func:`sklearn.metrics.roc_auc_score` over the
    ``d (d - 1)`` off-diagonal ordered pairs ``(i, j)``. A pair is positive
    when ``i`` is a possible direct cause of ``j`` in ``true``: the two are
    adjacent and the mark at ``i`` is not an arrowhead (``i --> j``, both
    directions of ``i --- j`` and ``i o-o j``, ``i o-> j``; never ``<->``).
    When every pair has the same label (an empty or a complete true graph)
    the ranking carries no information and the chance value 0.5 is returned.

    Examples
    --------
    >>> import pandas as pd
    >>> from causalkit.graph import CausalGraph
    >>> true = CausalGraph.from_edges([("a", "b"), ("b", "c")])
    >>> scores = true.to_adjacency(convention="row->col").astype(float)
    >>> auroc(true, scores)
    1.0
    """
    y, s = _score_labels(true, scores)
    if y.size == 0 or y.min() == y.max():
        return 0.5
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, s))


def auprc(true, scores):
    """Area under the precision-recall curve (average precision) of an edge-score matrix.

    Parameters
    ----------
    true : CausalGraph
        The true graph.
    scores : DataFrame of shape (d, d)
        Edge scores, rows = cause, columns = effect (see :func:`auroc`).

    Returns
    -------
    float

    Raises
    ------
    DataError
        If ``scores`` is not a DataFrame or holds NaN / inf off the diagonal.
    GraphError
        If its labels are not the node names of ``true``.

    Notes
    -----
    :func:`sklearn.metrics.average_precision_score` over the off-diagonal
    ordered pairs, labelled as in :func:`auroc`:
    ``AP = sum_n (R_n - R_{n-1}) P_n`` over the score thresholds, a step
    function rather than the trapezoidal area (which is optimistic). When
    the truth has no positive pair the chance value, the positive rate 0.0,
    is returned; with only positive pairs AP is 1.0.

    Examples
    --------
    >>> from causalkit.graph import CausalGraph
    >>> true = CausalGraph.from_edges([("a", "b"), ("b", "c")])
    >>> scores = true.to_adjacency(convention="row->col").astype(float)
    >>> auprc(true, scores)
    1.0
    """
    y, s = _score_labels(true, scores)
    if not y.any():
        return 0.0
    from sklearn.metrics import average_precision_score

    return float(average_precision_score(y, s))


# ---------------------------------------------------------------------- all at once
def compare(true, est, scores=None, *, reversed_cost=1, lagged="raise"):
    """Compare an estimated graph with the true graph on every metric.

    Parameters
    ----------
    true : CausalGraph
        The true graph.
    est : CausalGraph or DiscoveryResult
        The estimate, over the same node names (any order).
    scores : DataFrame, optional
        An edge-score matrix (rows = cause, columns = effect, labelled by
        node name) for ``auroc`` and ``auprc``.
    reversed_cost : {1, 2}, default 1
        Cost of a reversed edge in ``shd_dag``.
    lagged : {"raise", "summary"}, default "raise"
        Graphs with lagged edges raise :class:`GraphError` unless
        ``"summary"``, which compares :meth:`CausalGraph.summary` graphs (and
        scores against the summary of ``true``).

    Returns
    -------
    dict
        The keys of :data:`COMPARE_KEYS`, always all present, in that order:

        - ``skeleton_precision/recall/f1`` (:func:`skeleton_scores`);
        - ``arrowhead_precision/recall/f1`` and their ``_common`` variants
          (:func:`arrowhead_scores`);
        - ``vstructure_precision/recall/f1`` (:func:`vstructure_scores`);
        - ``shd`` (:func:`shd`), ``shd_dag`` (:func:`shd_dag`),
          ``shd_cpdag`` (:func:`shd_cpdag`);
        - ``sid``, ``sid_lower``, ``sid_upper`` (:func:`sid`,
          :func:`sid_bounds`);
        - ``auroc``, ``auprc`` (:func:`auroc`, :func:`auprc`).

    Raises
    ------
    GraphError
        If the node names differ (the message lists the differences), or a
        graph has lagged edges and ``lagged="raise"``, or a graph holds a
        "bow" (``-->`` and ``<->`` on one pair).

    Notes
    -----
    Values that do not apply are NaN, by these rules only:

    - ``shd_dag`` is NaN when either graph has ``<->``, ``o->`` or ``o-o``
      edges;
    - ``sid`` is NaN unless both graphs are DAGs; ``sid_lower`` and
      ``sid_upper`` are NaN unless ``true`` is a DAG and ``est`` a DAG,
      CPDAG or PDAG (for a DAG estimate all three are equal);
    - ``auroc`` and ``auprc`` are NaN when ``scores`` is None.

    Empty graphs give numbers, never NaN: see the module documentation for
    the rule (a ratio with a zero denominator is 1.0 when the graphs agree
    perfectly and 0.0 otherwise).

    Examples
    --------
    >>> from causalkit.graph import CausalGraph
    >>> true = CausalGraph.from_edges([("a", "b"), ("c", "b")])
    >>> est = CausalGraph(["a", "b", "c"], [("a", "b", "---"), ("b", "c", "---")])
    >>> res = compare(true, est)
    >>> res["skeleton_f1"], res["arrowhead_recall"], res["shd"], res["sid_lower"], res["sid_upper"]
    (1.0, 0.0, 2, 1, 6)
    """
    true, est = _prepare(true, est, lagged)
    out = dict.fromkeys(COMPARE_KEYS, math.nan)
    sk = skeleton_scores(true, est)
    out["skeleton_precision"], out["skeleton_recall"], out["skeleton_f1"] = (
        sk["precision"], sk["recall"], sk["f1"])
    for suffix, common in (("", False), ("_common", True)):
        ar = arrowhead_scores(true, est, common=common)
        for k in ("precision", "recall", "f1"):
            out[f"arrowhead_{k}{suffix}"] = ar[k]
    vs = vstructure_scores(true, est)
    for k in ("precision", "recall", "f1"):
        out[f"vstructure_{k}"] = vs[k]
    out["shd"] = shd(true, est)
    try:
        out["shd_dag"] = shd_dag(true, est, reversed_cost=reversed_cost)
    except GraphError:
        pass
    out["shd_cpdag"] = shd_cpdag(true, est)
    names = list(true.nodes)
    mt, me = _marks(true, names, "true"), _marks(est, names, "est")
    if _is_dag_matrix(mt):
        if _is_dag_matrix(me):
            out["sid"] = out["sid_lower"] = out["sid_upper"] = sid(true, est)
        else:
            try:
                out["sid_lower"], out["sid_upper"] = sid_bounds(true, est)
            except GraphError:
                pass
    if scores is not None:
        out["auroc"] = auroc(true, scores)
        out["auprc"] = auprc(true, scores)
    return out
