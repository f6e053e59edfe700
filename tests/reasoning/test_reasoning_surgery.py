"""Surgery on the paper's smoking example and random front-door models."""

import numpy as np
import pytest

from causalkit import CausalGraph
from causalkit.exceptions import DataError, NodeNotFound
from causalkit.reasoning import (CausalNetwork, Distribution, comb_compose, comb_disintegrate, cut,
                                 cut_comb, do, evaluate, network, random_network)

SMOKING_GRAPH = CausalGraph.from_edges([("H", "S"), ("S", "T"), ("T", "C"), ("H", "C")], latent=["H"])

# (omega, P(C=1|do S=0), P(C=1|do S=1), tolerance): Jacobs, Kissinger, Zanasi's three scenarios
SCENARIOS = [
    ([0.50, 0.10, 0.01, 0.02, 0.10, 0.05, 0.02, 0.20], 0.25347763, 0.54229730, 1e-8),
    ([0.14, 0.05, 0.16, 0.05, 0.10, 0.21, 0.10, 0.19], 0.499444, 0.500418, 1e-6),
    ([0.30, 0.05, 0.20, 0.05, 0.05, 0.05, 0.25, 0.05], 0.244444, 0.211429, 1e-6),
]


@pytest.mark.parametrize("table, do0, do1, tol", SCENARIOS)
@pytest.mark.parametrize("method", ["comb", "id"])
def test_paper_scenarios(table, do0, do1, tol, method):
    omega = Distribution(["S", "T", "C"], table)
    assert do(omega, SMOKING_GRAPH, {"S": 0}, "C", method=method).prob(C=1) == pytest.approx(do0, abs=tol)
    assert do(omega, SMOKING_GRAPH, {"S": 1}, "C", method=method).prob(C=1) == pytest.approx(do1, abs=tol)


def test_smoking_observational_differs_from_interventional():
    omega = Distribution(["S", "T", "C"], SCENARIOS[0][0])
    assert omega.given(S=0).prob(C=1) == pytest.approx(0.19047619, abs=1e-8)
    assert omega.given(S=1).prob(C=1) == pytest.approx(0.67567568, abs=1e-8)


def test_smoking_comb_pieces():
    omega = Distribution(["S", "T", "C"], SCENARIOS[0][0])
    f, g = comb_disintegrate(omega, "S", "T", "C")
    np.testing.assert_allclose(g.array, [[0.95238095, 0.40540541], [0.04761905, 0.59459459]], atol=1e-8)
    assert f.outputs == ("S", "C") and f.inputs == ("T",)
    # f(s, c | t) = omega(s) omega(c | s, t); at s=0: 0.525 (c0,t0), 0.21 (c0,t1), 0.105 (c1,t0), 0.42 (c1,t1)
    np.testing.assert_allclose(f.array[0], [[0.525, 0.21], [0.105, 0.42]], atol=1e-12)
    np.testing.assert_allclose(comb_compose(f, g).array, omega.array, atol=1e-15)
    # the full interventional channel C | do(S)
    state = comb_compose(cut_comb(f, "S"), g)
    ch = state.marginal(["S", "C"]).condition("S")
    np.testing.assert_allclose(ch.array, [[0.74652237, 0.45770270], [0.25347763, 0.54229730]], atol=1e-8)


def test_comb_compose_rejects_non_comb():
    omega = Distribution(["S", "T", "C"], SCENARIOS[0][0])
    f, g = comb_disintegrate(omega, "S", "T", "C")
    arr = f.array.copy()
    arr[:, :, 0] = np.array([[0.1, 0.2], [0.3, 0.4]])  # S-marginal now depends on T
    from causalkit.reasoning import Channel

    with pytest.raises(DataError, match="not a comb"):
        comb_compose(Channel(f.outputs, f.inputs, arr, check=False), g)


def test_comb_disintegration_needs_full_support():
    table = np.array(SCENARIOS[0][0])
    table[2:4] = 0  # S=0, T=1 never happens
    omega = Distribution(["S", "T", "C"], table / table.sum())
    with pytest.raises(DataError, match=r"S=0, T=1.*probability zero"):
        comb_disintegrate(omega, "S", "T", "C")
    with pytest.raises(DataError, match="S=0, T=1"):
        do(omega, SMOKING_GRAPH, {"S": 1}, "C")


def test_cut_unknown_variable():
    with pytest.raises(NodeNotFound, match="'Q'.*'C', 'H', 'S', 'T'"):
        cut(network(SMOKING_GRAPH), "Q")


@pytest.mark.parametrize("seed", range(12))
def test_random_front_door_three_ways_agree(seed):
    """Cut-then-condition of the full network, comb disintegration of omega, truncated factorisation."""
    rng = np.random.default_rng(seed)
    k = {"H": int(rng.integers(2, 5)), "S": int(rng.integers(2, 4)), "T": int(rng.integers(2, 4)),
         "C": int(rng.integers(2, 4))}
    net = random_network(SMOKING_GRAPH, k, random_state=rng)
    P = net.cpts  # axes (v, *parents in graph order); parents of C are (H, T)
    # (i) conditional C | S of the cut diagram, evaluated with the full (latent) network
    cut_state = evaluate(cut(network(SMOKING_GRAPH), "S"), net.interpretation)
    via_cut = cut_state.marginal(["S", "C"]).condition("S").array  # (C, S)
    # (ii) comb disintegration of the observational joint alone
    omega = evaluate(network(SMOKING_GRAPH), net.interpretation)
    f, g = comb_disintegrate(omega, "S", "T", "C")
    via_comb = comb_compose(cut_comb(f, "S"), g).marginal(["S", "C"]).condition("S").array
    # (iii) truncated factorisation sum_{t,h} P(h) P(t|s) P(c|t,h), written out by hand
    truth = np.einsum("h,ts,cht->cs", P["H"], P["T"], P["C"])
    np.testing.assert_allclose(via_cut, truth, atol=1e-10)
    np.testing.assert_allclose(via_comb, truth, atol=1e-10)
    # and the public entry points agree
    for s in range(k["S"]):
        np.testing.assert_allclose(net.intervene({"S": s}, "C").array, truth[:, s], atol=1e-10)
        np.testing.assert_allclose(do(omega, SMOKING_GRAPH, {"S": s}, "C").array, truth[:, s], atol=1e-10)
    # the naive conditional is confounded by H
    naive = omega.marginal(["S", "C"]).condition("S").array
    assert np.max(np.abs(naive - truth)) > 1e-4


def test_network_with_channel_tables_and_labels():
    g = CausalGraph.from_edges([("S", "T")])
    from causalkit.reasoning import Channel

    net = CausalNetwork(g, {"S": Channel(["S"], [], [0.4, 0.6], {"S": ["no", "yes"]}),
                            "T": Channel(["T"], ["S"], [[0.9, 0.2], [0.1, 0.8]], {"S": ["no", "yes"]})})
    assert net.intervene({"S": "yes"}, "T").prob(T=1) == pytest.approx(0.8)
    assert net.query("S", {"T": 1}).prob(S="yes") == pytest.approx(0.48 / 0.52)
