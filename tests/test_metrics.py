"""Tests of causalkit.metrics: hand-computed cases, properties, and cross-checks."""

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from causalkit import metrics as M
from causalkit.exceptions import DataError, GraphError
from causalkit.graph import CausalGraph
from causalkit.result import DiscoveryResult

FAST = settings(max_examples=60, deadline=None)
RATIO_KEYS = [k for k in M.COMPARE_KEYS if k.split("_")[-1] in ("precision", "recall", "f1")
              or k.endswith(("_common",))]

# ---------------------------------------------------------------------- strategies
PAIR_TYPES = [None, "-->", "<--", "---", "<->", "o->", "<-o", "o-o"]


def _names(n):
    return [f"V{k}" for k in range(n)]


@st.composite
def mixed_graphs(draw, n=None, types=PAIR_TYPES):
    n = draw(st.integers(0, 6)) if n is None else n
    names = _names(n)
    edges = []
    for i, j in itertools.combinations(range(n), 2):
        t = draw(st.sampled_from(types))
        if t is not None:
            edges.append((names[i], names[j], t))
    return CausalGraph(names, edges)


@st.composite
def dags(draw, n=None):
    n = draw(st.integers(0, 6)) if n is None else n
    order = draw(st.permutations(range(n)))
    names = _names(n)
    edges = [(names[order[a]], names[order[b]])
             for a, b in itertools.combinations(range(n), 2) if draw(st.booleans())]
    return CausalGraph.from_edges(edges, nodes=names)


@st.composite
def pairs(draw, kind="mixed"):
    n = draw(st.integers(0, 6))
    make = mixed_graphs if kind == "mixed" else dags
    return draw(make(n)), draw(make(n))


def random_dag(rng, n, p=0.4):
    order = rng.permutation(n)
    names = _names(n)
    edges = [(names[order[a]], names[order[b]])
             for a, b in itertools.combinations(range(n), 2) if rng.random() < p]
    return CausalGraph.from_edges(edges, nodes=names)


def random_mixed(rng, n, p=0.5):
    names = _names(n)
    edges = []
    for i, j in itertools.combinations(range(n), 2):
        if rng.random() < p:
            edges.append((names[i], names[j], PAIR_TYPES[1 + rng.integers(len(PAIR_TYPES) - 1)]))
    return CausalGraph(names, edges)


def g(edges, nodes=("a", "b", "c"), **kw):
    return CausalGraph(list(nodes), edges, **kw)


# ---------------------------------------------------------------------- hand-computed
def test_reversed_edge():
    true, est = g([("a", "b", "-->")]), g([("b", "a", "-->")])
    assert M.shd(true, est) == 1
    assert M.shd_dag(true, est) == 1
    assert M.shd_dag(true, est, reversed_cost=2) == 2
    assert M.shd_cpdag(true, est) == 0  # same equivalence class: a --- b
    sk = M.skeleton_scores(true, est)
    assert (sk["tp"], sk["fp"], sk["fn"], sk["tn"]) == (1, 0, 0, 2)
    ar = M.arrowhead_scores(true, est)
    assert (ar["tp"], ar["fp"], ar["fn"]) == (0, 1, 1)
    assert ar["precision"] == 0.0 and ar["recall"] == 0.0 and ar["f1"] == 0.0
    # i=a: Pa_H(a)={b} claims b unaffected (wrong); i=b: Pa_H(b)={} leaves b <- a open (wrong)
    assert M.sid(true, est) == 2


def test_missing_edge():
    true, est = g([("a", "b", "-->")]), g([])
    res = M.compare(true, est)
    assert res["skeleton_precision"] == 0.0  # nothing predicted, something to find
    assert res["skeleton_recall"] == 0.0
    assert res["skeleton_f1"] == 0.0
    assert res["shd"] == res["shd_dag"] == res["shd_cpdag"] == 1
    # do(b) on a: the empty set leaves a -> b open; do(a) on b: nothing to adjust
    assert res["sid"] == 1


def test_extra_edge():
    true = g([("a", "b", "-->")])
    est = g([("a", "b", "-->"), ("b", "c", "-->")])
    sk = M.skeleton_scores(true, est)
    assert (sk["tp"], sk["fp"], sk["fn"], sk["tn"]) == (1, 1, 0, 1)
    assert sk["precision"] == 0.5 and sk["recall"] == 1.0 and sk["f1"] == pytest.approx(2 / 3)
    assert sk["fpr"] == 0.5 and sk["fpr_p"] == 1.0
    assert M.shd(true, est) == 1 and M.shd_dag(true, est) == 1
    assert M.sid(true, est) == 0  # H is a supergraph of G
    # the other way round: Pa(c) = {} reads do(c) as conditioning on c, wrong for a and b
    assert M.sid(est, true) == 2


def test_undirected_vs_directed():
    true, est = g([("a", "b", "-->")]), g([("a", "b", "---")])
    assert M.shd(true, est) == 1
    assert M.shd_dag(true, est) == 1
    assert M.shd_dag(true, est, undirected_cost=0) == 0  # gCastle's convention
    assert M.shd_dag(true, est, undirected_cost=0.5) == 0.5
    ar = M.arrowhead_scores(true, est)
    assert (ar["tp"], ar["fp"], ar["fn"]) == (0, 0, 1)
    assert ar["precision"] == 0.0 and ar["recall"] == 0.0
    assert M.sid_bounds(true, est) == (0, 2)
    res = M.compare(true, est)
    assert math.isnan(res["sid"]) and (res["sid_lower"], res["sid_upper"]) == (0, 2)


def test_bidirected_vs_directed():
    true, est = g([("a", "b", "-->")]), g([("a", "b", "<->")])
    assert M.shd(true, est) == 1
    ar = M.arrowhead_scores(true, est)
    assert (ar["tp"], ar["fp"], ar["fn"]) == (1, 1, 0)
    assert ar["precision"] == 0.5 and ar["recall"] == 1.0
    with pytest.raises(GraphError, match="shd\\(\\) for mixed graphs"):
        M.shd_dag(true, est)
    with pytest.raises(GraphError, match="sid needs est to be a DAG"):
        M.sid(true, est)
    res = M.compare(true, est)
    assert math.isnan(res["shd_dag"]) and math.isnan(res["sid"]) and math.isnan(res["sid_lower"])
    assert res["shd"] == 1 and res["shd_cpdag"] == 1


def test_circle_marks_and_arrowheads_common():
    true = g([("a", "b", "-->"), ("b", "c", "-->")])
    est = g([("a", "b", "o->"), ("a", "c", "<->")])
    assert M.shd(true, est) == 3  # o-> vs -->, missing b-c, extra a-c
    ar = M.arrowhead_scores(true, est)
    assert (ar["tp"], ar["fp"], ar["fn"]) == (1, 2, 1)
    ce = M.arrowhead_scores(true, est, common=True)  # only a-b counts
    assert (ce["tp"], ce["fp"], ce["fn"], ce["tn"]) == (1, 0, 0, 1)
    assert ce["precision"] == ce["recall"] == ce["f1"] == 1.0


def test_vstructures():
    collider = g([("a", "b", "-->"), ("c", "b", "-->")])
    chain = g([("a", "b", "-->"), ("b", "c", "-->")])
    shielded = g([("a", "b", "-->"), ("c", "b", "-->"), ("a", "c", "-->")])
    v = M.vstructure_scores(collider, chain)
    assert v["true"] == {("a", "b", "c")} and v["est"] == set()
    assert v["precision"] == 0.0 and v["recall"] == 0.0 and v["f1"] == 0.0
    assert M.vstructure_scores(chain, collider)["precision"] == 0.0
    assert M.vstructure_scores(collider, shielded)["est"] == set()
    # a PAG collider a o-> b <-o c counts; the CPDAG of the chain has none
    pag = g([("a", "b", "o->"), ("c", "b", "o->")])
    assert M.vstructure_scores(collider, pag)["f1"] == 1.0
    assert M.vstructure_scores(chain, chain.to_cpdag())["f1"] == 1.0  # 0 vs 0 v-structures


def test_shd_cpdag_keeps_non_dag_estimates():
    true = g([("a", "b", "-->"), ("c", "b", "-->")])
    cpdag_est = g([("a", "b", "---"), ("b", "c", "---")], kind="cpdag")
    # true stays a collider (its own CPDAG); est is compared as given: 2 pairs differ
    assert M.shd_cpdag(true, cpdag_est) == 2
    # a fully directed estimate labelled "cpdag" is not re-reduced
    labelled = g([("a", "b", "-->"), ("b", "c", "-->")], kind="cpdag")
    assert M.shd_cpdag(g([("a", "b", "-->"), ("b", "c", "-->")]), labelled) == 2


def test_shd_dag_matches_cdt_matrix_formula_on_dags():
    rng = np.random.default_rng(3)
    for _ in range(25):
        n = int(rng.integers(2, 7))
        t, e = random_dag(rng, n), random_dag(rng, n)
        at = t.to_adjacency(convention="row->col").to_numpy()
        ae = e.to_adjacency(convention="row->col").to_numpy()
        diff = np.abs(at - ae)
        # cdt: double_for_anticausal=True sums the cells; False symmetrises and clips
        assert M.shd_dag(t, e, reversed_cost=2) == diff.sum()
        assert M.shd_dag(t, e, reversed_cost=1) == np.clip(diff + diff.T, 0, 1).sum() / 2


# ---------------------------------------------------------------------- SID
def _paper_graphs():
    """Peters and Buhlmann (2015), the example of Figure 2 / R package SID."""
    names = ["X1", "X2", "X3", "X4", "X5"]
    base = [("X1", "X2")] + [(p, c) for p in ("X1", "X2") for c in ("X3", "X4", "X5")]
    G = CausalGraph.from_edges(base, nodes=names)
    H1 = CausalGraph.from_edges(base + [("X3", "X4")], nodes=names)
    H2 = CausalGraph.from_edges([("X2", "X1")] + base[1:], nodes=names)
    return G, H1, H2


def test_sid_paper_example():
    G, H1, H2 = _paper_graphs()
    assert M.shd(G, H1) == 1 and M.shd(G, H2) == 1
    assert M.sid(G, H1) == 0
    assert M.sid(G, H2) == 8
    assert M.sid(G, G) == 0


def test_sid_hand_cases():
    chain = CausalGraph.from_edges([("a", "b"), ("b", "c")])
    # est b -> a, b -> c: (a,b) b claimed unaffected; (a,c) adjusts for b on the causal path;
    # (b,a) empty set leaves b <- a open. 3 mistakes.
    assert M.sid(chain, CausalGraph.from_edges([("b", "a"), ("b", "c")])) == 3
    empty = g([])
    # with no parents, do(x_i) is read as conditioning: wrong exactly for pairs with a back-door
    # path: (b, a), (c, b), (c, a) in the chain
    assert M.sid(chain, empty) == 3
    # against an empty truth every claimed parent is harmless (no descendants, no paths)
    assert M.sid(empty, chain) == 0
    # adjusting for a collider opens a path: true a -> b <- c, est adds c -> a with b as a's parent
    collider = g([("a", "b", "-->"), ("c", "b", "-->")])
    est = g([("b", "a", "-->"), ("c", "b", "-->")])
    # i=a: Z={b}: (a,b) wrong (b is a's child), (a,c) wrong (b is a collider, now opened) -> 2
    # i=b: Z={c}: (b,a) wrong, a -> b open; (b,c) c in Z and not a descendant -> fine -> 1
    # i=c: Z={}: nothing wrong (c's only path to a goes through the collider b) -> 0
    assert M.sid(collider, est) == 3


def _gaussian_moments(B, noise):
    """Covariance of X = B^T X + e (B[i, j] the weight of i -> j)."""
    inv = np.linalg.inv(np.eye(len(B)) - B)
    return inv.T @ np.diag(noise) @ inv, inv  # inv[i, j]: total effect of i on j


def _sid_by_gaussian_algebra(true, est, rng):
    """SID computed numerically: does adjusting for Pa_H(i) give p(x_j | do(x_i)) exactly?

    For a linear-Gaussian SCM with random weights, the interventional distribution is
    N(T_ij x_i, v) and the adjustment formula gives N(beta_i x_i, s2 + beta_Z' S_ZZ beta_Z);
    generic weights make "equal" and "valid adjustment set" coincide.
    """
    names = list(true.nodes)
    d = len(names)
    A = true.to_adjacency(convention="row->col").loc[names, names].to_numpy()
    H = est.to_adjacency(convention="row->col").loc[names, names].to_numpy()
    B = A * rng.uniform(0.5, 1.5, size=A.shape) * rng.choice([-1, 1], size=A.shape)
    noise = rng.uniform(0.5, 1.5, size=d)
    S, T = _gaussian_moments(B, noise)
    count = 0
    for i in range(d):
        Bi = B.copy()
        Bi[:, i] = 0
        ni = noise.copy()
        ni[i] = 0  # x_i fixed by the intervention
        S_do, _ = _gaussian_moments(Bi, ni)
        Z = list(np.flatnonzero(H[:, i]))
        for j in range(d):
            if j == i:
                continue
            if j in Z:
                coef, var = 0.0, S[j, j]
            else:
                idx = [i] + Z
                beta = np.linalg.solve(S[np.ix_(idx, idx)], S[idx, j])
                resid = S[j, j] - S[idx, j] @ beta
                bz = beta[1:]
                coef = beta[0]
                var = resid + (bz @ S[np.ix_(Z, Z)] @ bz if Z else 0.0)
            ok = abs(coef - T[i, j]) < 1e-9 and abs(var - S_do[j, j]) < 1e-9
            count += not ok
    return count


def test_sid_agrees_with_gaussian_adjustment():
    rng = np.random.default_rng(0)
    for _ in range(40):
        n = int(rng.integers(2, 7))
        t, e = random_dag(rng, n, 0.5), random_dag(rng, n, 0.5)
        assert M.sid(t, e) == _sid_by_gaussian_algebra(t, e, rng), (t, e)


def _dags_in_class(cpdag):
    """All DAGs whose CPDAG is ``cpdag`` (brute force over orientations)."""
    names = list(cpdag.nodes)
    und = [(e.source, e.target) for e in cpdag.edge_list() if e.type == "---"]
    fixed = [(e.source, e.target) for e in cpdag.edge_list() if e.type == "-->"]
    out = []
    for flips in itertools.product([False, True], repeat=len(und)):
        edges = fixed + [(t, s) if f else (s, t) for (s, t), f in zip(und, flips)]
        try:
            dag = CausalGraph.from_edges(edges, nodes=names)
        except GraphError:
            continue
        if dag.to_cpdag() == cpdag:
            out.append(dag)
    return out


def test_sid_bounds_bracket_every_dag_in_the_class():
    rng = np.random.default_rng(1)
    for _ in range(25):
        n = int(rng.integers(2, 6))
        t, e = random_dag(rng, n, 0.5), random_dag(rng, n, 0.6)
        cp = e.to_cpdag()
        lo, hi = M.sid_bounds(t, cp)
        members = [M.sid(t, h) for h in _dags_in_class(cp)]
        assert e in _dags_in_class(cp)
        assert lo <= min(members) and max(members) <= hi
        assert M.sid_bounds(t, e) == (M.sid(t, e), M.sid(t, e))


@FAST
@given(pairs("dag"))
def test_sid_properties(pair):
    t, e = pair
    d = len(t.nodes)
    assert M.sid(t, t) == 0
    assert 0 <= M.sid(t, e) <= d * (d - 1)
    # the complete DAG over a topological order of t is a supergraph: SID 0
    order = t.topological_order()
    complete = CausalGraph.from_edges(list(itertools.combinations(order, 2)), nodes=t.nodes)
    assert M.sid(t, complete) == 0


def test_sid_bounds_on_a_pdag():
    true = CausalGraph.from_edges([("a", "b"), ("c", "b"), ("b", "d")])
    est = CausalGraph(["a", "b", "c", "d"], [("a", "b", "-->"), ("c", "b", "-->"), ("b", "d", "---")])
    # b cannot take d as a parent (new v-structure a -> b <- d); d may have {} (3 mistakes:
    # a, b, c reach d through b) or {b} (none)
    assert M.sid_bounds(true, est) == (0, 3)
    res = M.compare(true, est)
    assert math.isnan(res["sid"]) and (res["sid_lower"], res["sid_upper"]) == (0, 3)


def test_sid_rejects_non_dags():
    dag = CausalGraph.from_edges([("a", "b")])
    with pytest.raises(GraphError, match="true DAG"):
        M.sid(dag.to_cpdag(), dag)
    with pytest.raises(GraphError, match="sid_bounds"):
        M.sid(dag, dag.to_cpdag())
    with pytest.raises(GraphError, match="max_neighbors"):
        M.sid_bounds(dag, dag.to_cpdag(), max_neighbors=0)


# ---------------------------------------------------------------------- properties
@FAST
@given(mixed_graphs())
def test_graph_against_itself(gr):
    res = M.compare(gr, gr)
    assert res["shd"] == 0 and res["shd_cpdag"] == 0
    for k in RATIO_KEYS:
        assert res[k] == 1.0, k
    assert set(res) == set(M.COMPARE_KEYS) and list(res) == list(M.COMPARE_KEYS)


@FAST
@given(pairs())
def test_bounds_and_symmetry(pair):
    t, e = pair
    d = len(t.nodes)
    res = M.compare(t, e)
    for k in RATIO_KEYS:
        assert 0.0 <= res[k] <= 1.0, k
    assert 0 <= res["shd"] <= d * (d - 1) // 2
    assert res["shd"] == M.shd(e, t)
    assert (res["shd"] == 0) == (t == e)
    rev = M.compare(e, t)
    assert res["skeleton_precision"] == rev["skeleton_recall"]
    for k in ("skeleton_f1", "arrowhead_f1", "arrowhead_f1_common", "vstructure_f1"):
        assert res[k] == rev[k], k
    assert res["arrowhead_precision"] == rev["arrowhead_recall"]


@FAST
@given(mixed_graphs(n=4), mixed_graphs(n=4), mixed_graphs(n=4))
def test_shd_triangle_inequality(a, b, c):
    assert M.shd(a, c) <= M.shd(a, b) + M.shd(b, c)


@FAST
@given(pairs("dag"))
def test_dag_shd_variants(pair):
    t, e = pair
    for cost in (1, 2):
        assert M.shd_dag(t, e, reversed_cost=cost) == M.shd_dag(e, t, reversed_cost=cost)
    assert M.shd_dag(t, e) == M.shd(t, e)  # on DAGs one edit per differing pair
    assert M.shd_cpdag(t, e) == M.shd_cpdag(e, t)
    assert M.shd_cpdag(t, e) <= len(t.nodes) * (len(t.nodes) - 1) // 2
    assert M.shd_cpdag(t, t.to_cpdag()) == 0


@FAST
@given(pairs(), st.randoms(use_true_random=False))
def test_node_order_does_not_matter(pair, rnd):
    t, e = pair
    names = list(e.nodes)
    rnd.shuffle(names)
    e2 = CausalGraph(names, e.edge_list(), kind=e.kind)
    a, b = M.compare(t, e), M.compare(t, e2)
    assert {k: v for k, v in a.items() if not _nan(v)} == {k: v for k, v in b.items() if not _nan(v)}


def _nan(v):
    return isinstance(v, float) and math.isnan(v)


# ---------------------------------------------------------------------- empty graphs
@pytest.mark.parametrize("n", [0, 1, 3])
def test_empty_graphs(n):
    e = CausalGraph(_names(n))
    res = M.compare(e, e)
    for k in RATIO_KEYS:
        assert res[k] == 1.0, k
    assert res["shd"] == res["shd_dag"] == res["shd_cpdag"] == 0
    assert res["sid"] == res["sid_lower"] == res["sid_upper"] == 0
    assert math.isnan(res["auroc"]) and math.isnan(res["auprc"])  # no scores given
    scores = pd.DataFrame(np.zeros((n, n)), index=_names(n), columns=_names(n))
    assert M.auroc(e, scores) == 0.5 and M.auprc(e, scores) == 0.0


def test_empty_truth_nonempty_estimate():
    t = g([])
    e = g([("a", "b", "-->")])
    sk = M.skeleton_scores(t, e)
    assert sk["precision"] == 0.0 and sk["recall"] == 0.0 and sk["f1"] == 0.0
    assert sk["fpr"] == pytest.approx(1 / 3) and sk["fpr_p"] == 1.0
    assert M.vstructure_scores(t, e)["f1"] == 1.0  # neither has a v-structure
    assert M.shd(t, e) == 1


def test_complete_truth_scores():
    t = CausalGraph.from_edges([("a", "b"), ("a", "c"), ("b", "c")])
    sk = M.skeleton_scores(t, t)
    assert sk["fpr"] == 0.0 and sk["tn"] == 0


# ---------------------------------------------------------------------- errors and inputs
def test_name_mismatch_is_a_graph_error():
    t = CausalGraph.from_edges([("a", "b")], nodes=["a", "b", "c"])
    e = CausalGraph.from_edges([("a", "b")], nodes=["a", "b", "z"])
    with pytest.raises(GraphError, match=r"only in true: \['c'\], only in est: \['z'\]"):
        M.compare(t, e)
    with pytest.raises(GraphError, match="only in true"):
        M.shd(t, e)


def test_latent_nodes_hint():
    t = CausalGraph.from_edges([("u", "a"), ("u", "b")], latent=["u"])
    e = g([("a", "b", "<->")], nodes=["a", "b"])
    with pytest.raises(GraphError, match="latent_projection"):
        M.compare(t, e)
    assert M.shd(t.latent_projection(), e) == 0


def test_lagged_edges_raise_or_summarise():
    t = CausalGraph(["a", "b"], [("a", "b", "-->", 1)])
    e = CausalGraph(["a", "b"], [("a", "b", "-->", 0)])
    with pytest.raises(GraphError, match="lagged"):
        M.compare(t, e)
    res = M.compare(t, e, lagged="summary")
    assert res["shd"] == 0 and res["skeleton_f1"] == 1.0
    with pytest.raises(ValueError, match="lagged must be"):
        M.shd(t, e, lagged="ignore")


def test_bow_is_a_clear_error():
    admg = CausalGraph(["a", "b"], [("a", "b", "-->"), ("a", "b", "<->")])
    with pytest.raises(GraphError, match="est: .*bow"):
        M.compare(CausalGraph.from_edges([("a", "b")]), admg)


def test_bad_arguments():
    t = CausalGraph.from_edges([("a", "b")])
    with pytest.raises(GraphError, match="est must be a CausalGraph"):
        M.compare(t, np.zeros((2, 2)))
    with pytest.raises(ValueError, match="reversed_cost"):
        M.shd_dag(t, t, reversed_cost=3)
    with pytest.raises(ValueError, match="undirected_cost"):
        M.shd_dag(t, t, undirected_cost=-1)


def test_discovery_result_is_accepted():
    t = CausalGraph.from_edges([("a", "b"), ("b", "c")])
    r = DiscoveryResult(graph=t.to_cpdag(), algorithm="pc")
    assert M.compare(t, r) == M.compare(t, t.to_cpdag())


# ---------------------------------------------------------------------- edge scores
def _scores(values, names=("a", "b", "c")):
    return pd.DataFrame(values, index=list(names), columns=list(names), dtype=float)


def test_auroc_auprc_hand_computed():
    t = CausalGraph.from_edges([("a", "b"), ("b", "c")])
    s = _scores([[0, 0.9, 0.5], [0.1, 0, 0.4], [0.1, 0.1, 0]])
    # positives (a,b)=.9, (b,c)=.4; negatives .5, .1, .1, .1: 7 of 8 pairs ranked right
    assert M.auroc(t, s) == pytest.approx(7 / 8)
    # ranking: pos, neg, pos -> AP = 1/2 * 1 + 1/2 * 2/3
    assert M.auprc(t, s) == pytest.approx(0.5 + 1 / 3)
    # rows and columns matched by name, not position
    perm = ["c", "a", "b"]
    assert M.auroc(t, s.loc[perm, perm[::-1]]) == pytest.approx(7 / 8)
    res = M.compare(t, t, scores=s)
    assert res["auroc"] == pytest.approx(7 / 8)
    # a transposed matrix (col->row) scores the reversed edges: worse
    assert M.auroc(t, s.T) < 0.5


def test_auroc_labels_for_cpdag_and_bidirected():
    t = g([("a", "b", "---"), ("b", "c", "<->")])
    # positives: (a,b) and (b,a); <-> gives none
    s = _scores([[0, 1, 0], [1, 0, 0.9], [0, 0.9, 0]])
    assert M.auroc(t, s) == 1.0 and M.auprc(t, s) == 1.0


def test_score_input_errors():
    t = CausalGraph.from_edges([("a", "b"), ("b", "c")])
    with pytest.raises(DataError, match="labelled DataFrame"):
        M.auroc(t, np.zeros((3, 3)))
    with pytest.raises(GraphError, match=r"missing: \['c'\]"):
        M.auroc(t, _scores(np.zeros((2, 2)), names=("a", "b")))
    s = _scores([[0, np.nan, 0], [0, 0, 0], [0, 0, 0]])
    with pytest.raises(DataError, match=r"\('a', 'b'\)"):
        M.auprc(t, s)
    diag_nan = _scores([[np.nan, 1, 0], [0, np.nan, 1], [0, 0, np.nan]])
    assert M.auroc(t, diag_nan) == 1.0  # the diagonal is ignored
    full = CausalGraph.from_edges([("a", "b"), ("a", "c"), ("b", "c")])
    sym = g([("a", "b", "---"), ("a", "c", "---"), ("b", "c", "---")])
    assert M.auroc(sym, _scores(np.ones((3, 3)))) == 0.5  # all positive: chance
    assert M.auprc(sym, _scores(np.ones((3, 3)))) == 1.0
    assert M.auroc(full, full.to_adjacency(convention="row->col")) == 1.0


# ---------------------------------------------------------------------- causal-learn
def _to_cl(graph):
    """Our own small converter to a causal-learn GeneralGraph (for the cross-check only)."""
    from causallearn.graph.Edge import Edge
    from causallearn.graph.Endpoint import Endpoint
    from causallearn.graph.GeneralGraph import GeneralGraph
    from causallearn.graph.GraphNode import GraphNode

    code = {"tail": Endpoint.TAIL, "arrow": Endpoint.ARROW, "circle": Endpoint.CIRCLE}
    marks = {"-->": ("tail", "arrow"), "---": ("tail", "tail"), "<->": ("arrow", "arrow"),
             "o->": ("circle", "arrow"), "o-o": ("circle", "circle")}
    nodes = {n: GraphNode(n) for n in graph.nodes}
    cl = GeneralGraph(list(nodes.values()))
    for e in graph.edge_list():
        ms, mt = marks[e.type]
        cl.add_edge(Edge(nodes[e.source], nodes[e.target], code[ms], code[mt]))
    return cl


def test_cross_check_causallearn():
    pytest.importorskip("causallearn")
    from causallearn.graph.AdjacencyConfusion import AdjacencyConfusion
    from causallearn.graph.ArrowConfusion import ArrowConfusion
    from causallearn.graph.SHD import SHD

    rng = np.random.default_rng(7)
    checked = 0
    for trial in range(30):
        n = int(rng.integers(2, 7))
        t = random_mixed(rng, n) if trial % 2 else random_dag(rng, n)
        e = random_mixed(rng, n)
        # causal-learn matches nodes by name: shuffle est's order to exercise that
        perm = list(rng.permutation(e.nodes))
        e = CausalGraph(perm, e.edge_list())
        ct, ce = _to_cl(t), _to_cl(e)
        assert M.shd(t, e) == SHD(ct, ce).get_shd()
        adj, arr = AdjacencyConfusion(ct, ce), ArrowConfusion(ct, ce)
        sk = M.skeleton_scores(t, e)
        assert (sk["tp"], sk["fp"], sk["fn"], sk["tn"]) == (
            adj.get_adj_tp(), adj.get_adj_fp(), adj.get_adj_fn(), adj.get_adj_tn())
        ah, ahc = M.arrowhead_scores(t, e), M.arrowhead_scores(t, e, common=True)
        assert (ah["tp"], ah["fp"], ah["fn"]) == (
            arr.get_arrows_tp(), arr.get_arrows_fp(), arr.get_arrows_fn())
        assert (ahc["tp"], ahc["fp"], ahc["fn"]) == (
            arr.get_arrows_tp_ce(), arr.get_arrows_fp_ce(), arr.get_arrows_fn_ce())
        if sk["tp"] + sk["fp"] and sk["tp"] + sk["fn"]:  # causal-learn divides unguarded
            assert sk["precision"] == pytest.approx(adj.get_adj_precision())
            assert sk["recall"] == pytest.approx(adj.get_adj_recall())
        if ah["tp"] + ah["fp"] and ah["tp"] + ah["fn"]:
            assert ah["precision"] == pytest.approx(arr.get_arrows_precision())
            assert ah["recall"] == pytest.approx(arr.get_arrows_recall())
            checked += 1
    assert checked >= 5
