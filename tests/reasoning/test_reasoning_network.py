"""CausalNetwork: ground-truth interventions, bad input, and pgmpy cross-checks."""

from pathlib import Path

import numpy as np
import pytest

from causalkit import CausalGraph
from causalkit.exceptions import DataError, GraphError, NodeNotFound
from causalkit.reasoning import CausalNetwork, random_network

BNLEARN = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "bnlearn"


def _brute_force_do(net, x, value, y):
    """P(y | do(x=value)) from the full joint of the truncated factorisation (tiny networks only)."""
    nodes = net.graph.nodes
    ids = {v: i for i, v in enumerate(nodes)}
    ops = []
    for v in nodes:
        if v == x:
            continue
        ops += [net.cpts[v], [ids[v]] + [ids[p] for p in net.graph.parents(v)]]
    delta = np.zeros(len(net.states[x]))
    delta[value] = 1.0
    ops += [delta, [ids[x]], [ids[y]]]
    return np.einsum(*ops)


@pytest.mark.parametrize("seed", range(5))
def test_intervene_matches_brute_force_truncated_factorisation(seed):
    rng = np.random.default_rng(seed)
    a = np.triu(rng.random((7, 7)) < 0.45, 1)
    names = [f"V{i}" for i in range(7)]
    g = CausalGraph.from_edges([(names[i], names[j]) for i, j in zip(*np.nonzero(a))], nodes=names)
    net = random_network(g, {v: int(rng.integers(2, 4)) for v in names}, random_state=rng)
    for x, y in [("V1", "V6"), ("V0", "V5"), ("V3", "V4")]:
        got = net.intervene({x: 1}, y).array
        np.testing.assert_allclose(got, _brute_force_do(net, x, 1, y), atol=1e-12)


def test_sample_frequencies_match_observational():
    g = CausalGraph.from_edges([("A", "B"), ("B", "C"), ("A", "C")])
    net = random_network(g, 3, random_state=2)
    df = net.sample(30000, random_state=1)
    assert list(df.columns) == ["A", "B", "C"]
    freq = df.groupby(["A", "C"]).size().unstack(fill_value=0).to_numpy() / len(df)
    np.testing.assert_allclose(freq, net.observational(["A", "C"]).array, atol=0.015)


# ---------------------------------------------------------------- bad input
def test_bad_tables_are_rejected_with_the_parent_configuration():
    g = CausalGraph.from_edges([("S", "T")])
    with pytest.raises(DataError, match=r"'T'.*inputs \(S=1\) sums to 0.9"):
        CausalNetwork(g, {"S": [0.5, 0.5], "T": [[0.9, 0.4], [0.1, 0.5]]})
    with pytest.raises(DataError, match=r"shape \(2, 3\).*needs \(2, 2\)"):
        CausalNetwork(g, {"S": [0.5, 0.5], "T": np.full((2, 3), 0.5)})
    with pytest.raises(DataError, match=r"no table for \['T'\]"):
        CausalNetwork(g, {"S": [0.5, 0.5]})


def test_unknown_variables_and_zero_probability_evidence():
    g = CausalGraph.from_edges([("S", "T")])
    net = CausalNetwork(g, {"S": [1.0, 0.0], "T": [[0.9, 0.4], [0.1, 0.6]]})
    with pytest.raises(NodeNotFound, match=r"\['Q'\]"):
        net.intervene({"Q": 0}, "T")
    with pytest.raises(NodeNotFound, match=r"\['Q'\]"):
        net.query("Q")
    with pytest.raises(DataError, match=r"S=1.*probability zero"):
        net.query("T", {"S": 1})
    # intervening is always possible: do(S=1) does not need P(S=1) > 0
    assert net.intervene({"S": 1}, "T").prob(T=1) == pytest.approx(0.6)


def test_cyclic_graph_is_rejected():
    g = CausalGraph(["A", "B", "C"], [("A", "B"), ("B", "C"), ("C", "A")])
    with pytest.raises(GraphError, match="cycle"):
        CausalNetwork(g, {"A": [[.5, .5], [.5, .5]], "B": [[.5, .5], [.5, .5]], "C": [[.5, .5], [.5, .5]]})


# ---------------------------------------------------------------- pgmpy
def _to_pgmpy(net):
    from pgmpy.factors.discrete import TabularCPD
    from pgmpy.models import DiscreteBayesianNetwork

    model = DiscreteBayesianNetwork([(e.source, e.target) for e in net.graph.edge_list()])
    model.add_nodes_from(net.graph.nodes)
    for v in net.graph.nodes:
        pa = list(net.graph.parents(v))
        t = net.cpts[v]
        model.add_cpds(TabularCPD(v, t.shape[0], t.reshape(t.shape[0], -1),
                                  evidence=pa or None, evidence_card=[t.shape[i + 1] for i in range(len(pa))] or None))
    return model


def _pgmpy_do(model, x, value, y):
    from pgmpy.inference import CausalInference

    f = CausalInference(model).query([y], do={x: value}, show_progress=False)
    return np.asarray(f.values)


@pytest.mark.parametrize("seed", range(3))
def test_back_door_queries_agree_with_pgmpy_on_random_networks(seed):
    pytest.importorskip("pgmpy")
    rng = np.random.default_rng(seed)
    names = [f"V{i}" for i in range(8)]
    a = np.triu(rng.random((8, 8)) < 0.35, 1)
    g = CausalGraph.from_edges([(names[i], names[j]) for i, j in zip(*np.nonzero(a))], nodes=names)
    net = random_network(g, 2, random_state=rng)
    model = _to_pgmpy(net)
    checked = 0
    for x in ("V0", "V1", "V3"):
        for y in net.graph.descendants(x):
            np.testing.assert_allclose(net.intervene({x: 1}, y).array, _pgmpy_do(model, x, 1, y), atol=1e-9)
            checked += 1
    assert checked >= 2


BIF_QUERIES = {
    "asia": [("smoke", "dysp"), ("tub", "xray")],
    "sachs": [("PKC", "Akt"), ("Raf", "Erk")],
    "alarm": [("CO", "BP"), ("HR", "HRBP"), ("VENTTUBE", "PRESS")],
    "child": [("LungParench", "Grunting"), ("Disease", "Age")],
}


@pytest.mark.parametrize("name", sorted(BIF_QUERIES))
def test_back_door_queries_agree_with_pgmpy_on_bnlearn(name):
    pytest.importorskip("pgmpy")
    path = BNLEARN / f"{name}.bif.gz"
    if not path.exists():
        pytest.skip(f"{path} not available")
    net = CausalNetwork.from_bif(path)
    model = _to_pgmpy(net)
    for x, y in BIF_QUERIES[name]:
        for v in range(len(net.states[x])):
            ours = net.intervene({x: net.states[x][v]}, y).array
            np.testing.assert_allclose(ours, _pgmpy_do(model, x, v, y), atol=1e-9)
