"""Core behaviour of CausalGraph: construction, views, DAG logic, matrices."""

import itertools
import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from causalkit.exceptions import GraphError, NodeNotFound
from causalkit.graph import CausalGraph
from causalkit.orientation import v_structures

# --------------------------------------------------------------------------- construction


def test_from_edges_builds_named_dag_with_isolated_latent():
    g = CausalGraph.from_edges([("a", "b"), ("b", "c")], latent=["u"])
    assert g.nodes == ("a", "b", "c", "u")
    assert g.latent == frozenset({"u"})
    assert g.observed == ("a", "b", "c")
    assert g.kind == "dag"
    assert g.n_edges == 2


@pytest.mark.parametrize("nodes, edges, match", [
    (["a", "a"], [], "duplicate"),
    (["a", "b"], [("a", "b", "->")], "unknown type"),
    (["a", "b"], [("a", "b", "-->", -1)], "non-negative"),
    (["a", "b"], [("a", "a")], "self-loop"),
    (["a", "b"], [("a", "b"), ("b", "a")], "more than one edge"),
    (["a", "b"], [("a", "b", "---"), ("a", "b", "<->")], "more than one edge"),
    (["a", "b"], [("a", "b", "-->", 1), ("a", "b", "-->", 1)], "more than one edge"),
    (["a", "b"], [("a", "b", "<--", 1)], "back in time"),
    (["a", "b"], [("a",)], "an edge is"),
])
def test_construction_errors(nodes, edges, match):
    with pytest.raises(GraphError, match=match):
        CausalGraph(nodes, edges)


def test_unknown_nodes_raise_node_not_found():
    with pytest.raises(NodeNotFound, match="'c'"):
        CausalGraph(["a", "b"], [("a", "c")])
    with pytest.raises(NodeNotFound):
        CausalGraph(["a", "b"], latent=["z"])
    g = CausalGraph(["a", "b"], [("a", "b")])
    with pytest.raises(NodeNotFound, match="nodes are"):
        g.parents("zz")


def test_from_edges_rejects_cycles():
    with pytest.raises(GraphError, match="cycle"):
        CausalGraph.from_edges([("a", "b"), ("b", "c"), ("c", "a")])


def test_kind_contradicted_by_edges_raises():
    with pytest.raises(GraphError, match="kind='dag'"):
        CausalGraph(["a", "b"], [("a", "b", "---")], kind="dag")
    with pytest.raises(GraphError, match="cycle"):
        CausalGraph(["a", "b", "c"], [("a", "b"), ("b", "c"), ("c", "a")], kind="dag")
    with pytest.raises(GraphError, match="kind='skeleton'"):
        CausalGraph(["a", "b"], [("a", "b")], kind="skeleton")
    with pytest.raises(ValueError, match="kind must be one of"):
        CausalGraph(["a", "b"], kind="tree")


def test_reversed_spellings_are_flipped():
    g = CausalGraph(["a", "b", "c"], [("b", "a", "<--"), ("c", "b", "<-o")])
    assert g.edge_list()[0][:3] == ("a", "b", "-->")
    assert g.edge_type("b", "c") == "o->"
    assert g.edge_type("c", "b") == "<-o"


@pytest.mark.parametrize("edges, kind", [
    ([], "dag"),
    ([("a", "b"), ("b", "c")], "dag"),
    ([("a", "b", "---"), ("b", "c", "---")], "skeleton"),
    ([("a", "b", "---"), ("b", "c", "-->")], "pdag"),
    ([("a", "b", "<->"), ("b", "c", "-->")], "admg"),
    ([("a", "b", "o->"), ("b", "c", "o-o"), ("a", "c", "<->")], "pag"),
    ([("a", "b", "o->"), ("b", "c", "---")], "mixed"),
    ([("a", "b", "-->", 1), ("b", "a", "-->", 1), ("a", "a", "-->", 1)], "dag"),
])
def test_kind_inference(edges, kind):
    assert CausalGraph(["a", "b", "c"], edges).kind == kind


def test_cyclic_directed_graph_is_mixed_not_dag():
    g = CausalGraph(["a", "b", "c"], [("a", "b"), ("b", "c"), ("c", "a")])
    assert g.kind == "mixed"
    assert not g.is_acyclic()
    g2 = CausalGraph(["a", "b", "c", "d"], [("a", "b"), ("b", "c"), ("c", "a"), ("a", "d", "<->")])
    assert g2.kind == "mixed"


# --------------------------------------------------------------------------- views


@pytest.fixture
def mixed():
    return CausalGraph(
        ["a", "b", "c", "d", "e"],
        [("a", "c"), ("b", "c"), ("c", "d", "---"), ("d", "e", "<->"), ("e", "a", "o->")],
        edge_attrs={("a", "c"): {"weight": 0.5, "p_value": 0.01}, ("d", "c", 0): {"weight": -2.0}},
    )


def test_edges_dataframe(mixed):
    df = mixed.edges
    assert list(df.columns) == ["source", "target", "type", "lag", "p_value", "weight"]
    assert len(df) == 5
    row = df[(df.source == "a") & (df.target == "c")].iloc[0]
    assert row.type == "-->" and row.weight == 0.5 and row.p_value == 0.01
    # attributes given on the reversed key of a symmetric edge land on its canonical row
    row = df[(df.source == "c") & (df.target == "d")].iloc[0]
    assert row.type == "---" and row.weight == -2.0 and np.isnan(row.p_value)
    row = df[df.type == "o->"].iloc[0]
    assert (row.source, row.target) == ("e", "a")
    assert df["lag"].dtype.kind == "i"


def test_empty_graph_edges_frame():
    df = CausalGraph(["a"]).edges
    assert list(df.columns) == ["source", "target", "type", "lag"] and len(df) == 0


def test_relations(mixed):
    assert mixed.parents("c") == ("a", "b")
    assert mixed.children("a") == ("c",)
    assert mixed.children("c") == ()
    assert mixed.neighbors("d") == ("c",)
    assert mixed.spouses("e") == ("d",)
    assert mixed.adjacencies("a") == ("c", "e")
    assert mixed.edge_type("c", "a") == "<--"
    assert mixed.mark("e", "a") == "arrow" and mixed.mark("a", "e") == "circle"
    assert mixed.mark("c", "d") == "tail"
    assert mixed.mark("a", "b") is None
    assert mixed.has_edge("a", "c", "-->") and not mixed.has_edge("c", "a", "-->")
    assert mixed.edge_attrs("c", "a") == {"weight": 0.5, "p_value": 0.01}
    with pytest.raises(GraphError):
        mixed.edge_attrs("a", "b")


def test_edge_attrs_on_missing_edge_raise():
    with pytest.raises(GraphError, match="not in the graph"):
        CausalGraph(["a", "b"], [("a", "b")], edge_attrs={("b", "a"): {"weight": 1}})


def test_ancestors_descendants_topological_order():
    g = CausalGraph.from_edges([("a", "b"), ("b", "c"), ("d", "c"), ("c", "e")])
    assert g.ancestors("c") == {"a", "b", "d"}
    assert g.descendants("b") == {"c", "e"}
    order = g.topological_order()
    for s, t, _, _ in g.edge_list():
        assert order.index(s) < order.index(t)


def test_immutable(mixed):
    for name in ("nodes", "latent", "_edges", "new_attr"):
        with pytest.raises(AttributeError, match="immutable"):
            setattr(mixed, name, None)
    assert isinstance(mixed.nodes, tuple)
    # the attributes handed out are copies
    mixed.edge_attrs("a", "c")["weight"] = 99
    assert mixed.edge_attrs("a", "c")["weight"] == 0.5


def test_equality_and_hash():
    g1 = CausalGraph.from_edges([("a", "b"), ("b", "c")])
    g2 = CausalGraph(["a", "b", "c"], [("b", "c"), ("a", "b")])
    assert g1 == g2 and hash(g1) == hash(g2)
    assert len({g1, g2}) == 1
    assert g1 != CausalGraph.from_edges([("a", "b"), ("c", "b")])
    assert g1 != CausalGraph(["a", "b", "c"], [("a", "b"), ("b", "c")], latent=["a"])
    assert g1 != CausalGraph(["c", "b", "a"], [("a", "b"), ("b", "c")])  # node order matters
    assert g1 != CausalGraph(["a", "b", "c"], [("a", "b"), ("b", "c")], kind="pdag")
    # symmetric edges compare equal whichever way they were written
    u1 = CausalGraph(["a", "b"], [("a", "b", "---")])
    u2 = CausalGraph(["a", "b"], [("b", "a", "---")])
    assert u1 == u2 and hash(u1) == hash(u2)
    assert (g1 == "a") is False


def test_pickle_round_trip_keeps_attrs_and_bows():
    g = CausalGraph(["a", "b", "c"], [("a", "b"), ("a", "b", "<->"), ("b", "c", "-->", 2)],
                    latent=["c"], edge_attrs={("a", "b", 0): {"weight": 1.5}})
    h = pickle.loads(pickle.dumps(g))
    assert h == g and hash(h) == hash(g)
    assert h.edge_attrs("a", "b") == {"weight": 1.5}
    assert h.bows == g.bows == frozenset({("a", "b")})


def test_repr_is_readable():
    g = CausalGraph(["x", "y"], [("x", "y", "-->", 1)], latent=["y"])
    text = repr(g)
    assert "x --> y (lag 1)" in text and "latent=['y']" in text and "kind='dag'" in text


# --------------------------------------------------------------------------- bows


@pytest.mark.parametrize("order", [0, 1])
def test_bow_in_either_order(order):
    pair = [("b", "a", "-->"), ("a", "b", "<->")]
    g = CausalGraph(["a", "b"], pair if order == 0 else pair[::-1])
    assert g.bows == frozenset({("a", "b")})
    assert g.n_edges == 2 and g.kind == "admg"
    assert g.parents("a") == ("b",) and g.spouses("a") == ("b",)
    assert g.has_edge("a", "b", "<->") and g.has_edge("b", "a", "-->")
    types = sorted(g.edges.type)
    assert types == ["-->", "<->"]
    with pytest.raises(GraphError, match="more than one"):
        CausalGraph(["a", "b"], pair + [("a", "b", "<->")])


def test_bow_row_does_not_borrow_directed_attrs():
    g = CausalGraph(["a", "b"], [("a", "b"), ("a", "b", "<->")], edge_attrs={("a", "b"): {"weight": 3.0}})
    df = g.edges.set_index("type")
    assert df.loc["-->", "weight"] == 3.0
    assert np.isnan(df.loc["<->", "weight"])


# --------------------------------------------------------------------------- CPDAG


def _cpdag_sets(g):
    directed = {(s, t) for s, t, typ, _ in g.edge_list() if typ == "-->"}
    undirected = {frozenset((s, t)) for s, t, typ, _ in g.edge_list() if typ == "---"}
    return directed, undirected


@pytest.mark.parametrize("edges, directed, undirected", [
    # chain: nothing compelled
    ([("a", "b"), ("b", "c")], set(), {("a", "b"), ("b", "c")}),
    # collider stays
    ([("a", "b"), ("c", "b")], {("a", "b"), ("c", "b")}, set()),
    # R1 propagates the collider
    ([("a", "b"), ("c", "b"), ("b", "d")], {("a", "b"), ("c", "b"), ("b", "d")}, set()),
    # diamond: v-structure at d only
    ([("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")], {("b", "d"), ("c", "d")}, {("a", "b"), ("a", "c")}),
    # R1 then R2: c --> d by R1, then a --> c --> d forces a --> d
    ([("a", "c"), ("b", "c"), ("c", "d"), ("a", "d")],
     {("a", "c"), ("b", "c"), ("c", "d"), ("a", "d")}, set()),
    # R3: a --- c --> b, a --- d --> b, c and d non-adjacent => a --> b
    ([("a", "c"), ("a", "d"), ("a", "b"), ("c", "b"), ("d", "b")],
     {("c", "b"), ("d", "b"), ("a", "b")}, {("a", "c"), ("a", "d")}),
    # complete graph: nothing compelled
    ([("a", "b"), ("a", "c"), ("b", "c")], set(), {("a", "b"), ("a", "c"), ("b", "c")}),
])
def test_to_cpdag_known(edges, directed, undirected):
    cp = CausalGraph.from_edges(edges).to_cpdag()
    assert cp.kind == "cpdag"
    d, u = _cpdag_sets(cp)
    assert d == directed
    assert u == {frozenset(p) for p in undirected}


def test_to_cpdag_needs_contemporaneous_dag():
    with pytest.raises(GraphError, match="contemporaneous DAG"):
        CausalGraph(["a", "b"], [("a", "b", "---")]).to_cpdag()
    with pytest.raises(GraphError):
        CausalGraph(["a", "b"], [("a", "b", "-->", 1)]).to_cpdag()


def _is_acyclic(n, arcs):
    return CausalGraph([str(i) for i in range(n)], [(str(s), str(t)) for s, t in arcs]).is_acyclic()


@st.composite
def small_dags(draw, max_nodes=5, max_edges=7):
    n = draw(st.integers(2, max_nodes))
    pairs = list(itertools.combinations(range(n), 2))
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=min(max_edges, len(pairs))))
    perm = draw(st.permutations(range(n)))
    arcs = [(perm[i], perm[j]) for i, j in chosen]  # a random order makes it a random DAG
    return n, arcs


@settings(max_examples=40, deadline=None)
@given(small_dags())
def test_to_cpdag_matches_brute_force_equivalence_class(dag):
    """An edge is directed in the CPDAG iff every Markov-equivalent DAG orients it the same way."""
    n, arcs = dag
    names = [str(i) for i in range(n)]
    D = np.zeros((n, n), dtype=bool)
    for s, t in arcs:
        D[s, t] = True
    vs = v_structures(D)
    orientations = {tuple(sorted(a)): set() for a in arcs}
    for flips in itertools.product([False, True], repeat=len(arcs)):
        cand = [(t, s) if f else (s, t) for (s, t), f in zip(arcs, flips)]
        C = np.zeros((n, n), dtype=bool)
        for s, t in cand:
            C[s, t] = True
        if v_structures(C) == vs and _is_acyclic(n, cand):
            for s, t in cand:
                orientations[tuple(sorted((s, t)))].add((s, t))
    cp = CausalGraph(names, [(str(s), str(t)) for s, t in arcs]).to_cpdag()
    for pair, seen in orientations.items():
        a, b = str(pair[0]), str(pair[1])
        if len(seen) == 1:
            s, t = next(iter(seen))
            assert cp.edge_type(str(s), str(t)) == "-->"
        else:
            assert cp.edge_type(a, b) == "---"
    assert cp.n_edges == len(arcs)


# --------------------------------------------------------------------------- latent projection


def test_latent_projection_confounder_gives_bow():
    g = CausalGraph.from_edges([("u", "x"), ("u", "y"), ("x", "y")], latent=["u"])
    p = g.latent_projection()
    assert p.nodes == ("x", "y") and p.kind == "admg"
    assert p.has_edge("x", "y", "-->") and p.has_edge("x", "y", "<->")
    assert p.bows == frozenset({("x", "y")})
    assert p.n_edges == 2


def test_latent_projection_mediator_and_chain_of_latents():
    # x --> l --> y with l latent: x --> y
    p = CausalGraph.from_edges([("x", "l"), ("l", "y")], latent=["l"]).latent_projection()
    assert [tuple(e) for e in p.edge_list()] == [("x", "y", "-->", 0)]
    # l1 --> l2 --> x, l2 --> y, l1 --> z: x <-> y, x <-> z, y <-> z (all share latent ancestor l1)
    g = CausalGraph.from_edges([("l1", "l2"), ("l2", "x"), ("l2", "y"), ("l1", "z")], latent=["l1", "l2"])
    p = g.latent_projection()
    assert {(e.source, e.target, e.type) for e in p.edge_list()} == {
        ("x", "y", "<->"), ("x", "z", "<->"), ("y", "z", "<->")}


def test_latent_projection_does_not_pass_through_observed_nodes():
    # u --> x --> y: x is observed, so u's effect on y is mediated, no x <-> y
    g = CausalGraph.from_edges([("u", "x"), ("x", "y"), ("u", "w")], latent=["u"])
    p = g.latent_projection()
    assert {(e.source, e.target, e.type) for e in p.edge_list()} == {("x", "y", "-->"), ("x", "w", "<->")}


def test_latent_projection_without_latents_is_the_dag():
    g = CausalGraph.from_edges([("a", "b"), ("b", "c")])
    p = g.latent_projection()
    assert p.edge_list() == g.edge_list()
    with pytest.raises(GraphError):
        CausalGraph(["a", "b"], [("a", "b", "---")]).latent_projection()


# --------------------------------------------------------------------------- lags


def test_summary_collapses_lags_and_drops_self_loops():
    g = CausalGraph(["a", "b", "c"], [
        ("a", "b", "-->", 1), ("a", "b", "-->", 2), ("a", "a", "-->", 1),
        ("b", "c", "-->", 0), ("c", "a", "o->", 3),
    ])
    s = g.summary()
    assert {(e.source, e.target, e.type, e.lag) for e in s.edge_list()} == {
        ("a", "b", "-->", 0), ("b", "c", "-->", 0), ("c", "a", "o->", 0)}
    assert s.kind == "pag"


def test_summary_directed_edge_absorbs_contemporaneous_undirected():
    g = CausalGraph(["a", "b"], [("a", "b", "---", 0), ("b", "a", "-->", 1)])
    s = g.summary()
    assert [tuple(e) for e in s.edge_list()] == [("b", "a", "-->", 0)]


@pytest.mark.parametrize("edges", [
    [("a", "b", "-->", 1), ("b", "a", "-->", 2)],
    [("a", "b", "-->", 0), ("b", "a", "-->", 1)],
])
def test_summary_feedback_raises(edges):
    with pytest.raises(GraphError, match="feedback"):
        CausalGraph(["a", "b"], edges).summary()


def test_lagged_edges_are_separate_from_contemporaneous():
    g = CausalGraph(["a", "b"], [("a", "b", "-->", 0), ("b", "a", "-->", 1)])
    assert g.kind == "dag"
    assert g.parents("b") == ("a",) and g.parents("a") == ()
    assert g.edge_type("b", "a", lag=1) == "-->"
    with pytest.raises(GraphError, match="summary"):
        g.to_adjacency("row->col")


# --------------------------------------------------------------------------- matrices


def test_adjacency_conventions():
    g = CausalGraph(["a", "b", "c"], [("a", "b"), ("b", "c", "---")], kind="pdag")
    rc = g.to_adjacency("row->col")
    assert isinstance(rc, pd.DataFrame) and list(rc.index) == ["a", "b", "c"]
    assert rc.loc["a", "b"] == 1 and rc.loc["b", "a"] == 0
    assert rc.loc["b", "c"] == 1 and rc.loc["c", "b"] == 1
    cr = g.to_adjacency("col->row")
    assert (cr.to_numpy() == rc.to_numpy().T).all()
    with pytest.raises(ValueError, match="convention"):
        g.to_adjacency("rows")
    with pytest.raises(TypeError):
        g.to_adjacency()  # the convention is required
    for conv in ("row->col", "col->row"):
        back = CausalGraph.from_adjacency(g.to_adjacency(conv), convention=conv, kind="pdag")
        assert back == g


def test_from_adjacency_lingam_layout():
    # lingam: B[i, j] != 0 means x_j --> x_i
    B = np.array([[0.0, 0.0, 0.0], [1.5, 0.0, 0.0], [0.0, -0.7, 0.0]])
    g = CausalGraph.from_adjacency(B, names=["x0", "x1", "x2"], convention="col->row")
    assert {(e.source, e.target) for e in g.edge_list()} == {("x0", "x1"), ("x1", "x2")}
    assert g.edge_attrs("x1", "x2") == {"weight": -0.7}
    W = g.to_adjacency("col->row", weight="weight")
    assert np.allclose(W.to_numpy(), B)


@pytest.mark.parametrize("matrix, match", [
    (np.zeros((2, 3)), "square"),
    (np.array([[1.0, 0], [0, 0]]), "diagonal"),
    (np.array([[0.0, np.nan], [0, 0]]), "NaN"),
])
def test_from_adjacency_errors(matrix, match):
    with pytest.raises(GraphError, match=match):
        CausalGraph.from_adjacency(matrix, convention="row->col")


def test_to_adjacency_refuses_marks_it_cannot_hold():
    with pytest.raises(GraphError, match="to_endpoint_matrix"):
        CausalGraph(["a", "b"], [("a", "b", "o->")]).to_adjacency("row->col")
    with pytest.raises(GraphError):
        CausalGraph(["a", "b"], [("a", "b"), ("a", "b", "<->")]).to_adjacency("row->col")


def test_endpoint_matrix_round_trip(mixed):
    m = mixed.to_endpoint_matrix()
    i, j = mixed.nodes.index("a"), mixed.nodes.index("c")
    assert m[i, j] == 2 and m[j, i] == 1  # a --> c: arrow at c, tail at a
    back = CausalGraph.from_endpoint_matrix(m, names=mixed.nodes)
    assert back == CausalGraph(mixed.nodes, mixed.edge_list())
    with pytest.raises(GraphError, match="codes"):
        CausalGraph.from_endpoint_matrix(np.array([[0, 7], [1, 0]]))
    with pytest.raises(GraphError, match="half edge"):
        CausalGraph.from_endpoint_matrix(np.array([[0, 2], [0, 0]]))


@st.composite
def dag_matrices(draw):
    n = draw(st.integers(1, 7))
    upper = draw(st.lists(st.booleans(), min_size=n * n, max_size=n * n))
    A = np.triu(np.array(upper, dtype=int).reshape(n, n), k=1)
    perm = np.array(draw(st.permutations(range(n))))
    return A[np.ix_(perm, perm)]


@settings(max_examples=60, deadline=None)
@given(dag_matrices(), st.sampled_from(["row->col", "col->row"]))
def test_adjacency_round_trip_is_identity(A, convention):
    names = [f"v{i}" for i in range(A.shape[0])]
    g = CausalGraph.from_adjacency(A, names=names, convention=convention)
    assert g.kind == "dag"
    assert g.n_edges == int(A.sum())
    back = g.to_adjacency(convention)
    assert list(back.index) == names and list(back.columns) == names
    assert np.array_equal(back.to_numpy(), A)
    # and through a labelled DataFrame, names taken from its index
    assert CausalGraph.from_adjacency(back, convention=convention) == g
