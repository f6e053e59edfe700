"""Round trips through every converter of CausalGraph."""

import json
import math

import numpy as np
import pytest

from causalkit.exceptions import GraphError
from causalkit.graph import CausalGraph

nx = pytest.importorskip("networkx")


def _attrs_of(g):
    return {(e.source, e.target, e.type, e.lag): g._edge_attr_dict(e) for e in g.edge_list()}


@pytest.fixture
def dag():
    return CausalGraph(
        ["smoking", "tar", "cancer", "gene"],
        [("smoking", "tar"), ("tar", "cancer"), ("gene", "smoking"), ("gene", "cancer")],
        latent=["gene"],
        edge_attrs={("smoking", "tar"): {"weight": 0.8, "p_value": 1e-5}, ("tar", "cancer"): {"weight": -1.25}},
    )


@pytest.fixture
def cpdag():
    return CausalGraph.from_edges([("a", "b"), ("b", "c"), ("d", "c"), ("c", "e")]).to_cpdag()


@pytest.fixture
def pag():
    return CausalGraph(
        ["a", "b", "c", "d", "e"],
        [("a", "b", "o->"), ("c", "b", "o->"), ("b", "d", "-->"), ("d", "e", "<->"), ("a", "c", "o-o"),
         ("a", "e", "---")],
        kind="mixed",
    )


@pytest.fixture
def lagged():
    return CausalGraph(["x", "y", "z"],
                       [("x", "y", "-->", 1), ("y", "x", "-->", 2), ("x", "x", "-->", 1), ("y", "z", "-->", 0)],
                       edge_attrs={("x", "y", 1): {"p_value": 0.003}})


# --------------------------------------------------------------------------- networkx


def test_networkx_dag_round_trip(dag):
    G = dag.to_networkx()
    assert isinstance(G, nx.DiGraph) and nx.is_directed_acyclic_graph(G)
    assert list(G.nodes) == list(dag.nodes)
    assert G.nodes["gene"]["latent"] is True and G.nodes["tar"]["latent"] is False
    assert G.edges["smoking", "tar"] == {"type": "-->", "lag": 0, "weight": 0.8, "p_value": 1e-5}
    assert G.graph["kind"] == "dag"
    back = CausalGraph.from_networkx(G)
    assert back == dag and _attrs_of(back) == _attrs_of(dag)


def test_networkx_cpdag_needs_explicit_choice(cpdag):
    with pytest.raises(GraphError, match="undirected='both'"):
        cpdag.to_networkx()
    with pytest.raises(ValueError, match="undirected must be one of"):
        cpdag.to_networkx(undirected="keep")
    both = cpdag.to_networkx(undirected="both")
    assert both.edges["a", "b"]["type"] == "---" and both.edges["b", "a"]["type"] == "---"
    # a --- b undirected (two arcs); b --> c <-- d is a v-structure, then c --> e
    assert both.number_of_edges() == 2 + 3
    assert CausalGraph.from_networkx(both) == cpdag
    drop = cpdag.to_networkx(undirected="drop")
    assert set(drop.edges) == {("b", "c"), ("d", "c"), ("c", "e")}
    assert nx.is_directed_acyclic_graph(drop)


def test_networkx_pag_both_tags_each_arc_in_its_direction(pag):
    with pytest.raises(GraphError, match="not directed"):
        pag.to_networkx()
    G = pag.to_networkx(undirected="both")
    assert G.edges["a", "b"]["type"] == "o->" and G.edges["b", "a"]["type"] == "<-o"
    assert G.edges["d", "e"]["type"] == "<->" and G.edges["e", "d"]["type"] == "<->"
    assert CausalGraph.from_networkx(G) == pag


def test_networkx_plain_digraph_mutual_arcs_read_as_undirected():
    G = nx.DiGraph([(1, 2), (2, 1), (2, 3)])
    g = CausalGraph.from_networkx(G)
    assert g.nodes == ("1", "2", "3")
    assert g.edge_type("1", "2") == "---" and g.edge_type("2", "3") == "-->"
    u = CausalGraph.from_networkx(nx.Graph([("a", "b")]))
    assert u.kind == "skeleton"


def test_networkx_lagged(lagged):
    G = lagged.to_networkx()
    assert G.edges["x", "y"]["lag"] == 1 and G.edges["y", "x"]["lag"] == 2
    assert G.has_edge("x", "x")
    assert CausalGraph.from_networkx(G) == lagged
    two_lags = CausalGraph(["x", "y"], [("x", "y", "-->", 1), ("x", "y", "-->", 2)])
    with pytest.raises(GraphError, match="summary"):
        two_lags.to_networkx()


def test_networkx_bow_conflict():
    g = CausalGraph(["a", "b"], [("a", "b"), ("a", "b", "<->")])
    with pytest.raises(GraphError, match="two edges"):
        g.to_networkx(undirected="both")
    assert list(g.to_networkx(undirected="drop").edges) == [("a", "b")]


# --------------------------------------------------------------------------- causal-learn


def test_causallearn_encoding_and_round_trip(pag):
    pytest.importorskip("causallearn")
    G = pag.to_causallearn()
    M = G.graph
    idx = {n: i for i, n in enumerate(pag.nodes)}
    b, d = idx["b"], idx["d"]
    assert M[b, d] == -1 and M[d, b] == 1  # b --> d: tail at b, arrow at d
    a = idx["a"]
    assert M[a, b] == 2 and M[b, a] == 1  # a o-> b
    e = idx["e"]
    assert M[d, e] == 1 and M[e, d] == 1  # d <-> e
    assert M[a, e] == -1 and M[e, a] == -1  # a --- e
    assert [n.get_name() for n in G.get_nodes()] == list(pag.nodes)
    assert CausalGraph.from_causallearn(G, kind="mixed") == pag
    # the raw matrix reads the same
    assert CausalGraph.from_causallearn(np.asarray(M), names=pag.nodes, kind="mixed") == pag


def test_causallearn_bow_round_trip():
    pytest.importorskip("causallearn")
    g = CausalGraph(["a", "b", "c"], [("b", "a"), ("a", "b", "<->"), ("b", "c")])
    G = g.to_causallearn()
    assert G.graph[1, 0] == 4 and G.graph[0, 1] == 5  # causal-learn's bow codes
    assert CausalGraph.from_causallearn(G) == g


def test_causallearn_pc_output(cpdag):
    pytest.importorskip("causallearn")
    from causallearn.search.ConstraintBased.PC import pc

    # collider x --> z <-- y with z --> w, strongly identified on 2000 samples
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(2, 2000))
    z = x + y + 0.5 * rng.normal(size=2000)
    w = z + 0.5 * rng.normal(size=2000)
    cg = pc(np.column_stack([x, y, z, w]), 0.01, "fisherz", show_progress=False, node_names=["x", "y", "z", "w"])
    g = CausalGraph.from_causallearn(cg, kind="cpdag")
    assert g.nodes == ("x", "y", "z", "w")
    assert g == CausalGraph(["x", "y", "z", "w"], [("x", "z"), ("y", "z"), ("z", "w")], kind="cpdag")


def test_causallearn_rejects_lags_and_bad_codes(lagged):
    with pytest.raises(GraphError, match="summary"):
        lagged.to_causallearn()
    with pytest.raises(GraphError, match="endpoint codes"):
        CausalGraph.from_causallearn(np.array([[0, 3], [1, 0]]))
    with pytest.raises(GraphError, match="no edge type"):
        CausalGraph.from_causallearn(np.array([[0, -1], [2, 0]]))  # tail at 0, circle at 1
    with pytest.raises(GraphError, match="GeneralGraph"):
        CausalGraph.from_causallearn("not a graph")


# --------------------------------------------------------------------------- JSON


@pytest.mark.parametrize("name", ["dag", "cpdag", "pag", "lagged"])
def test_json_exact_round_trip(name, request):
    g = request.getfixturevalue(name)
    text = g.to_json()
    back = CausalGraph.from_json(text)
    assert back == g and back.kind == g.kind and back.latent == g.latent
    assert _attrs_of(back) == _attrs_of(g)
    assert back.to_json() == text
    doc = json.loads(text)
    assert doc["format"] == "causalkit.CausalGraph" and doc["nodes"] == list(g.nodes)


def test_json_bow_and_nan_and_numpy_values():
    g = CausalGraph(["a", "b"], [("a", "b"), ("a", "b", "<->")],
                    edge_attrs={("a", "b"): {"weight": np.float32(0.1), "p_value": float("nan"), "n": np.int64(3)}})
    back = CausalGraph.from_json(g.to_json())
    assert back == g and back.bows == g.bows
    attrs = back.edge_attrs("a", "b")
    assert attrs["weight"] == float(np.float32(0.1)) and math.isnan(attrs["p_value"]) and attrs["n"] == 3


@pytest.mark.parametrize("text, match", [
    ("{not json", "not valid JSON"),
    ('{"format": "other"}', "not a causalkit graph"),
    ('{"format": "causalkit.CausalGraph", "version": 99}', "newer"),
    ('{"format": "causalkit.CausalGraph", "nodes": ["a"], "kind": "dag", "edges": [{"source": "a"}]}',
     "malformed edge"),
])
def test_json_errors(text, match):
    with pytest.raises(GraphError, match=match):
        CausalGraph.from_json(text)


def test_json_unserialisable_attribute():
    g = CausalGraph(["a", "b"], [("a", "b")], edge_attrs={("a", "b"): {"obj": object()}})
    with pytest.raises(GraphError, match="obj"):
        g.to_json()


# --------------------------------------------------------------------------- GML


def test_gml_round_trip_through_networkx(dag):
    text = dag.to_gml()
    assert "\n" not in text
    G = nx.parse_gml(text)
    assert isinstance(G, nx.DiGraph)
    assert list(G.nodes) == list(dag.nodes)
    assert set(G.edges) == {(e.source, e.target) for e in dag.edge_list()}
    assert G.edges["smoking", "tar"]["weight"] == 0.8
    assert G.edges["smoking", "tar"]["p_value"] == 1e-5  # a real, not read as the integer 1
    assert G.nodes["gene"].get("latent") == 1 and "latent" not in G.nodes["tar"]
    back = CausalGraph.from_networkx(G)  # reads latent=1 as latent
    assert back == dag


def test_gml_escapes_awkward_names():
    g = CausalGraph.from_edges([('say "hi"', "café & co")])
    G = nx.parse_gml(g.to_gml())
    assert set(G.nodes) == {'say "hi"', "café & co"}
    assert list(G.edges) == [('say "hi"', "café & co")]


def test_gml_refuses_what_dowhy_cannot_read(cpdag, pag, lagged):
    for g in (cpdag, pag):
        with pytest.raises(GraphError, match="directed graphs only"):
            g.to_gml()
    with pytest.raises(GraphError, match="summary"):
        lagged.to_gml()


# --------------------------------------------------------------------------- DOT


def _parse_dot_edges(text):
    """Minimal DOT reader for what to_dot writes: {(u, v): {attr: value}}."""
    import re

    out = {}
    for m in re.finditer(r'^\s*"((?:[^"\\]|\\.)*)" -> "((?:[^"\\]|\\.)*)" \[(.*)\];$', text, re.M):
        attrs = dict(re.findall(r'(\w+)=("(?:[^"\\]|\\.)*"|[^,\s]+)', m.group(3)))
        out.setdefault((m.group(1), m.group(2)), []).append({k: v.strip('"') for k, v in attrs.items()})
    return out


def test_dot_marks_and_round_trip(pag, dag):
    text = pag.to_dot()
    assert text.startswith("digraph {") and text.rstrip().endswith("}")
    edges = _parse_dot_edges(text)
    heads = {(u, v): (a[0]["arrowtail"], a[0]["arrowhead"]) for (u, v), a in edges.items()}
    assert heads == {
        ("a", "b"): ("odot", "normal"), ("c", "b"): ("odot", "normal"), ("b", "d"): ("none", "normal"),
        ("d", "e"): ("normal", "normal"), ("a", "c"): ("odot", "odot"), ("a", "e"): ("none", "none"),
    }
    rebuilt = CausalGraph(pag.nodes, [(u, v, a[0]["type"]) for (u, v), a in edges.items()], kind=pag.kind)
    assert rebuilt == pag
    dtext = dag.to_dot()
    assert '"gene" [style=dashed];' in dtext and '"tar";' in dtext


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_dot_lags_escaping_and_pydot(lagged):
    text = lagged.to_dot()
    edges = _parse_dot_edges(text)
    assert edges[("x", "y")][0]["label"] == "lag 1" and edges[("x", "x")][0]["label"] == "lag 1"
    assert "label" not in edges[("y", "z")][0]
    g = CausalGraph.from_edges([('a "q"', "b\\c")])
    assert _parse_dot_edges(g.to_dot())
    pydot = pytest.importorskip("pydot")
    (parsed,) = pydot.graph_from_dot_data(text)
    assert len(parsed.get_edges()) == lagged.n_edges
    (parsed,) = pydot.graph_from_dot_data(g.to_dot())
    assert len(parsed.get_edges()) == 1


# --------------------------------------------------------------------------- plot


@pytest.fixture
def agg():
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


def _gids(ax, prefix):
    return [p.get_gid() for p in ax.patches if (p.get_gid() or "").startswith(prefix)]


def test_plot_dag_layered(agg, dag):
    ax = dag.plot()
    assert ax.__class__.__name__.endswith("Axes")
    assert sorted(_gids(ax, "node:")) == sorted(f"node:{n}" for n in dag.nodes)
    assert len(_gids(ax, "edge:")) == dag.n_edges
    latent = [p for p in ax.patches if p.get_gid() == "node:gene"][0]
    assert latent.get_linestyle() == "--"
    # layered: every edge points downwards
    centre = {p.get_gid()[5:]: p.center for p in ax.patches if (p.get_gid() or "").startswith("node:")}
    for e in dag.edge_list():
        assert centre[e.source][1] > centre[e.target][1]
    ax.figure.canvas.draw()


def test_plot_marks_on_given_axes(agg, pag, lagged):
    fig, ax = agg.subplots()
    out = pag.plot(ax=ax, title="PAG")
    assert out is ax and ax.get_title() == "PAG"
    assert len(_gids(ax, "node:")) == 5
    # circles: a o-> b, c o-> b, a o-o c  => 4 circle marks
    assert len(_gids(ax, "mark:circle")) == 4
    styles = {p.get_gid(): p.get_arrowstyle().__class__.__name__ for p in ax.patches
              if (p.get_gid() or "").startswith("edge:")}
    assert styles["edge:d <-> e"] != styles["edge:a --- e"] != styles["edge:b --> d"]
    fig.canvas.draw()
    ax2 = lagged.plot(pos={"x": (0, 0), "y": (1, 0), "z": (2, 0)})
    assert len(_gids(ax2, "node:")) == 3 and len(_gids(ax2, "edge:")) == 3  # self-loop is a label
    assert any("lag 1" in t.get_text() for t in ax2.texts)
    with pytest.raises(GraphError, match="no position"):
        lagged.plot(pos={"x": (0, 0)})
