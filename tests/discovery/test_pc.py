"""The PC engine: agreement with causal-learn, the oracle, order independence,
background knowledge, separating sets, the estimator class and bad input."""

import numpy as np
import pandas as pd
import pytest

from causalkit.ci.base import CITest
from causalkit.ci.oracle import DSeparationOracle
from causalkit.discovery import PC, BackgroundKnowledge, pc
from causalkit.exceptions import DataError, GraphError, NodeNotFound, UnknownMethodError
from causalkit.generators import random_dag, sample_scm
from causalkit.graph import CausalGraph
from causalkit.orientation import apply_meek_rules


# ----------------------------------------------------------------------------- helpers
def canon(graph):
    """Edges independent of the column order: directed as pairs, undirected as sets."""
    out = set()
    for e in graph.edge_list():
        out.add((e.source, e.target) if e.type == "-->" else (frozenset((e.source, e.target)), e.type))
    return out


def skeleton(graph):
    return {frozenset((e.source, e.target)) for e in graph.edge_list()}


def causallearn_edges(df, alpha, perm):
    """causal-learn's stable PC on the columns ``perm`` of ``df``, as canon() edges."""
    from causallearn.search.ConstraintBased.PC import pc as cl_pc

    names = [df.columns[i] for i in perm]
    cg = cl_pc(df[names].to_numpy(), alpha, "fisherz", stable=True, uc_rule=0, uc_priority=2,
               show_progress=False)
    G = cg.G.graph  # G[j, i] = 1 and G[i, j] = -1 means i --> j
    out = set()
    d = len(names)
    for i in range(d):
        for j in range(d):
            if G[j, i] == 1 and G[i, j] == -1:
                out.add((names[i], names[j]))
            elif i < j and G[i, j] == -1 and G[j, i] == -1:
                out.add((frozenset((names[i], names[j])), "---"))
            elif i < j and G[i, j] == 1 and G[j, i] == 1:
                out.add((frozenset((names[i], names[j])), "<->"))
    return out


def gaussian_data(seed, d=None, n=None):
    rng = np.random.default_rng(1000 + seed)
    d = int(rng.integers(8, 13)) if d is None else d
    n = int(rng.integers(500, 1001)) if n is None else n
    return sample_scm(d, n, expected_degree=2.5, seed=seed).data


def oracle_frame(graph, seed=0):
    nodes = list(graph.observed)
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.normal(size=(8, len(nodes))), columns=nodes)


def oracle_pc(graph, **kw):
    return pc(oracle_frame(graph), ci_test="oracle", ci_options={"graph": graph}, **kw)


class CountingTest(CITest):
    """Wraps another test and records every question asked."""

    name = "counting"

    def __init__(self, inner):
        super().__init__(inner.data, names=inner.names)
        self.inner = inner
        self.asked = set()

    def _compute(self, x, y, S):
        self.asked.add(frozenset((x, y)))
        return self.inner.pvalue(x, y, S)


# ----------------------------------------------------------------------------- causal-learn
def test_agrees_with_causallearn_on_20_datasets():
    compared = 0
    for seed in range(20):
        df = gaussian_data(seed)
        d = df.shape[1]
        ours = pc(df, alpha=0.05, ci_test="fisherz")
        cautious = pc(df, alpha=0.05, ci_test="fisherz", conflicts="undirected")
        rng = np.random.default_rng(seed)
        runs = [causallearn_edges(df, 0.05, p)
                for p in [np.arange(d), np.arange(d)[::-1]] + [rng.permutation(d) for _ in range(3)]]
        cl_skeleton = {frozenset(e[0]) if isinstance(e[0], frozenset) else frozenset(e) for e in runs[0]}
        assert skeleton(ours.graph) == cl_skeleton, f"seed {seed}: skeleton differs"
        if all(r == runs[0] for r in runs[1:]):
            # causal-learn's own output is order-independent here: ours must equal it
            assert canon(cautious.graph) == runs[0], f"seed {seed}: CPDAG differs"
            if not ours.details["overruled_colliders"]:
                assert canon(ours.graph) == runs[0], f"seed {seed}: CPDAG differs"
            compared += 1
        else:
            # causal-learn's order dependence comes from collider conflicts, which
            # causalkit settles (and reports) instead
            assert cautious.details["conflicts"], f"seed {seed}"
            assert ours.details["overruled_colliders"] or ours.details["conflicts"], f"seed {seed}"
    assert compared >= 5  # the CPDAG comparison is not vacuous


# ----------------------------------------------------------------------------- oracle
def test_oracle_recovers_the_true_cpdag_on_50_dags():
    for seed in range(50):
        rng = np.random.default_rng(seed)
        d = int(rng.integers(5, 11))
        g = random_dag(d, expected_degree=float(rng.uniform(1.5, 3.5)), seed=seed)
        res = oracle_pc(g)
        assert res.graph == g.to_cpdag(), f"seed {seed}"
        assert res.graph.kind == "cpdag"
        assert not res.warnings


@pytest.mark.parametrize("rule", ["conservative", "majority"])
def test_oracle_with_conservative_rules(rule):
    for seed in range(8):
        g = random_dag(7, expected_degree=3.0, seed=100 + seed)
        res = oracle_pc(g, collider_rule=rule)
        assert res.graph == g.to_cpdag()
        assert res.details["ambiguous_triples"] == []


def test_sepsets_really_separate():
    g = random_dag(9, expected_degree=3.0, seed=7)
    res = oracle_pc(g)
    oracle = DSeparationOracle(np.zeros((1, 9)), names=list(g.nodes), graph=g)
    idx = {n: i for i, n in enumerate(g.nodes)}
    removed = {frozenset(p) for p in res.details["sepsets"]}
    assert removed == {frozenset((a, b)) for a in g.nodes for b in g.nodes
                       if a != b and not g.adjacent(a, b)}
    for (x, y), S in res.details["sepsets"].items():
        assert res.details["sepsets"][(y, x)] == S
        assert oracle.is_separated(idx[x], idx[y], [idx[s] for s in S])
        for T in res.details["separating_sets"][(x, y)]:
            assert oracle.is_separated(idx[x], idx[y], [idx[s] for s in T])
            assert set(T) <= set(S)  # "union" is the default


def test_first_sepset_is_one_of_the_separating_sets():
    df = gaussian_data(3)
    res = pc(df, sepset="first")
    union = pc(df)
    assert skeleton(res.graph) == skeleton(union.graph)
    for key, S in res.details["sepsets"].items():
        sets = res.details["separating_sets"][key]
        assert S in sets
        assert S == min(sets, key=sorted)
        assert set(S) <= set(union.details["sepsets"][key])


def test_unstable_pc_with_oracle_and_max_depth():
    g = random_dag(8, expected_degree=3.0, seed=3)
    assert oracle_pc(g, stable=False).graph == g.to_cpdag()
    # conflicts="undirected" runs no extra test to rank colliders
    res = pc(gaussian_data(1), max_depth=0, conflicts="undirected")
    assert len(res.details["n_tests_per_depth"]) == 1
    # at depth 0 every pair is tested once, marginally
    d = res.graph.n_nodes
    assert res.details["n_tests_per_depth"][0] == d * (d - 1)
    assert res.n_tests == d * (d - 1) // 2
    deeper = pc(gaussian_data(1), max_depth=1)
    assert skeleton(deeper.graph) <= skeleton(res.graph)
    assert len(deeper.details["n_tests_per_depth"]) == 2


# ----------------------------------------------------------------------------- order independence
@pytest.mark.parametrize("options", [{}, {"sepset": "first"}, {"collider_rule": "conservative"},
                                     {"collider_rule": "majority"}])
def test_permuting_columns_never_changes_the_output(options):
    for seed in (2, 3, 9):  # datasets with collider conflicts (see the causal-learn test)
        df = gaussian_data(seed)
        ref = pc(df, **options)
        rng = np.random.default_rng(seed)
        for _ in range(3):
            cols = list(rng.permutation(df.columns))
            res = pc(df[cols], **options)
            assert canon(res.graph) == canon(ref.graph)
            assert {k: set(v) for k, v in res.details["sepsets"].items()} == \
                   {k: set(v) for k, v in ref.details["sepsets"].items()}
            assert set(map(frozenset, res.details["conflicts"])) == set(map(frozenset, ref.details["conflicts"]))
            assert res.n_tests == ref.n_tests


def test_collider_conflict_is_left_undirected_and_reported():
    # a --> b <-> c <-- d (latent L): the triples a-b-c and b-c-d both look like
    # colliders, so b --- c gets arrowheads at both ends.
    g = CausalGraph.from_edges([("a", "b"), ("L", "b"), ("L", "c"), ("d", "c")], latent=["L"])
    for cols in (["a", "b", "c", "d"], ["d", "c", "b", "a"], ["c", "a", "d", "b"]):
        df = oracle_frame(g)[cols]
        res = pc(df, ci_test="oracle", ci_options={"graph": g}, conflicts="undirected")
        assert canon(res.graph) == {("a", "b"), ("d", "c"), (frozenset("bc"), "---")}
        assert [frozenset(c) for c in res.details["conflicts"]] == [frozenset("bc")]
        assert any("b --- c" in w or "c --- b" in w for w in res.warnings)


def test_collider_conflict_strongest_keeps_one_collider_by_name_not_column_order():
    # Same model; the oracle's p-values tie, so names decide: a --> b <-- c is kept
    # (pair (a, c) sorts before (b, d)) and b --> c <-- d is overruled.
    g = CausalGraph.from_edges([("a", "b"), ("L", "b"), ("L", "c"), ("d", "c")], latent=["L"])
    for cols in (["a", "b", "c", "d"], ["d", "c", "b", "a"], ["c", "a", "d", "b"]):
        res = pc(oracle_frame(g)[cols], ci_test="oracle", ci_options={"graph": g}, conflicts="strongest")
        assert canon(res.graph) == {("a", "b"), ("c", "b"), (frozenset("cd"), "---")}
        assert [(b, frozenset((a, c))) for a, b, c in res.details["overruled_colliders"]] == [
            ("c", frozenset("bd"))]
        assert res.details["conflicts"] == []


def test_meek_rules_skip_ambiguous_triples():
    D = np.zeros((3, 3), bool)
    U = np.zeros((3, 3), bool)
    D[0, 1] = True
    U[1, 2] = U[2, 1] = True
    D1, _ = apply_meek_rules(D, U)
    assert D1[1, 2]
    D2, U2 = apply_meek_rules(D, U, ambiguous=[(2, 1, 0)])
    assert not D2[1, 2] and U2[1, 2]


# ----------------------------------------------------------------------------- background knowledge
def test_background_knowledge_in_skeleton_and_orientation():
    rng = np.random.default_rng(0)
    n = 2000
    a = rng.normal(size=n)
    b = rng.normal(size=n)  # independent of a
    c = a + b + rng.normal(size=n)
    e = c + rng.normal(size=n)
    df = pd.DataFrame({"a": a, "b": b, "c": c, "e": e})
    plain = pc(df, alpha=0.01)
    assert canon(plain.graph) == {("a", "c"), ("b", "c"), ("c", "e")}

    # a required edge is kept although the data separate it, and is not tested;
    # a pair forbidden both ways is removed and not tested
    bk = BackgroundKnowledge(required=[("a", "b")], forbidden=[("c", "e"), ("e", "c")])
    from causalkit.ci.fisherz import FisherZ
    counting = CountingTest(FisherZ(df.to_numpy(), names=list(df.columns)))
    res = pc(df, alpha=0.01, background=bk, ci_test=counting)
    assert canon(res.graph) == {("a", "b"), (frozenset("ac"), "---"), (frozenset("bc"), "---")}
    assert frozenset((0, 1)) not in counting.asked and frozenset((2, 3)) not in counting.asked
    assert np.isnan(res.details["pvalues"].loc["c", "e"])
    # the pair (c, e) has no separating set, so no collider is read from a-c-e
    assert ("c", "e") not in res.details["sepsets"]
    assert np.isnan(res.graph.edge_attrs("a", "b")["p_value"])

    # tiers: e before c forbids c --> e, so the edge is oriented e --> c and
    # no arrowhead is ever put at e from c
    res = pc(df, alpha=0.01, background={"tiers": [["e"], ["a", "b", "c"]]})
    assert ("e", "c") in canon(res.graph)
    assert ("c", "e") not in canon(res.graph)
    # the collider a --> c <-- b is kept, e --> c too
    assert {("a", "c"), ("b", "c")} <= canon(res.graph)


def test_background_never_puts_forbidden_arrowheads_oracle():
    for seed in range(10):
        g = random_dag(7, expected_degree=3.0, seed=200 + seed)
        order = g.topological_order()
        tiers = {v: i // 3 for i, v in enumerate(order)}  # consistent with the truth
        bk = BackgroundKnowledge(tiers=tiers)
        res = oracle_pc(g, background=bk)
        assert skeleton(res.graph) == skeleton(g)
        truth = set(g.edge_list())
        for e in res.graph.edge_list():
            if e.type == "-->":
                assert not bk.is_forbidden(e.source, e.target)
                assert (e.source, e.target, "-->", 0) in truth
        # at least as oriented as the CPDAG
        assert {(e.source, e.target) for e in g.to_cpdag().edge_list() if e.type == "-->"} <= \
               {(e.source, e.target) for e in res.graph.edge_list() if e.type == "-->"}


def test_background_knowledge_errors():
    df = gaussian_data(0, d=5, n=200)
    with pytest.raises(NodeNotFound, match="nope"):
        pc(df, background=BackgroundKnowledge(required=[("X0", "nope")]))
    with pytest.raises(NodeNotFound, match="ghost"):
        pc(df, background={"tiers": [["X0"], ["ghost"]]})
    with pytest.raises(GraphError, match="requires and forbids"):
        pc(df, background=BackgroundKnowledge(required=[("X1", "X0")], tiers=[["X1"], ["X0"]][::-1]))
    with pytest.raises(GraphError, match="cycle"):
        pc(df, background=BackgroundKnowledge(required=[("X0", "X1"), ("X1", "X2"), ("X2", "X0")]))
    with pytest.raises(GraphError, match="pairs"):
        BackgroundKnowledge(required=[("X0", "X1", "X2")])


# ----------------------------------------------------------------------------- result, class, errors
def test_result_contents():
    df = gaussian_data(4)
    res = pc(df, alpha=0.05)
    assert res.algorithm == "pc" and res.graph.kind == "cpdag"
    assert res.params["ci_test"] == "fisherz" and res.params["sepset"] == "union"
    assert res.n_tests > 0 and res.runtime_s > 0
    assert res.n_tests <= sum(res.details["n_tests_per_depth"])
    p = res.details["pvalues"]
    assert list(p.index) == list(df.columns) and np.allclose(p, p.T, equal_nan=True)
    for e in res.graph.edge_list():
        pv = res.graph.edge_attrs(e.source, e.target)["p_value"]
        assert pv <= 0.05 and pv == p.loc[e.source, e.target]
    for (x, y) in res.details["sepsets"]:
        assert p.loc[x, y] > 0.05


def test_pc_class_and_dataset_input():
    ds = sample_scm(6, 500, expected_degree=2.0, seed=11)
    est = PC(alpha=0.01, ci_test="fisherz")
    assert est.get_params()["alpha"] == 0.01
    assert est.fit(ds) is est
    assert est.graph_ == est.result_.graph == pc(ds.data, alpha=0.01).graph
    assert PC(alpha=7).alpha == 7  # __init__ only stores
    with pytest.raises(DataError, match="alpha"):
        PC(alpha=7).fit(ds.data)
    from sklearn.base import clone

    c = clone(est.set_params(max_depth=2))
    assert c.max_depth == 2 and not hasattr(c, "graph_")
    with pytest.raises(UnknownMethodError, match="alpha"):
        est.set_params(alfa=0.1)


def test_progress_bar(capsys):
    pc(gaussian_data(5), progress=True)
    assert "PC" in capsys.readouterr().err


@pytest.mark.parametrize("kwargs, exc, match", [
    ({"alpha": 0}, DataError, "alpha"),
    ({"alpha": 1.5}, DataError, "alpha"),
    ({"alpha": "0.05"}, DataError, "alpha"),
    ({"max_depth": -1}, DataError, "max_depth"),
    ({"sepset": "all"}, UnknownMethodError, "union"),
    ({"collider_rule": "fancy"}, UnknownMethodError, "conservative"),
    ({"ci_test": "magic"}, UnknownMethodError, "fisherz"),
    ({"ci_options": ["graph"]}, DataError, "ci_options"),
    ({"background": [("X0", "X1")]}, DataError, "BackgroundKnowledge"),
])
def test_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        pc(gaussian_data(0, d=5, n=100), **kwargs)


def test_bad_data():
    df = gaussian_data(0, d=4, n=100)
    bad = df.copy()
    bad.iloc[3, 1] = np.nan
    with pytest.raises(DataError, match="X1"):
        pc(bad)
    with pytest.raises(DataError, match="at least 2"):
        pc(df[["X0"]])
    col = df.assign(X4=df["X0"] + df["X1"])
    with pytest.raises(DataError, match="collinear"):
        pc(col, ci_test="fisherz")
    with pytest.raises(DataError, match="4 variables"):
        from causalkit.ci.fisherz import FisherZ
        pc(df.iloc[:, :3], ci_test=FisherZ(df.to_numpy()))


def test_discrete_data_uses_gsq_through_the_list_path():
    rng = np.random.default_rng(0)
    n = 3000
    a, c = rng.integers(0, 2, n), rng.integers(0, 2, n)
    b = np.where(rng.random(n) < 0.15, rng.integers(0, 3, n), a + c)
    e = np.where(rng.random(n) < 0.15, rng.integers(0, 2, n), (b >= 1).astype(int))
    df = pd.DataFrame({"a": a, "b": b, "c": c, "e": e})
    res = pc(df, alpha=0.01)
    assert res.params["ci_test"] == "gsq"
    assert canon(res.graph) == {("a", "b"), ("c", "b"), ("b", "e")}
    assert res.details["sepsets"][("a", "c")] == ()
    assert res.details["sepsets"][("a", "e")] == ("b",)
