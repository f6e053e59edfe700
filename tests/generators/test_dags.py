import numpy as np
import pytest

from causalkit.exceptions import DataError
from causalkit.generators import random_dag, random_dag_matrix


@pytest.mark.parametrize("kind", ["er", "sf"])
def test_deterministic_by_seed_and_acyclic(kind):
    g1 = random_dag(20, kind=kind, expected_degree=3, seed=7)
    g2 = random_dag(20, kind=kind, expected_degree=3, seed=7)
    g3 = random_dag(20, kind=kind, expected_degree=3, seed=8)
    assert g1 == g2
    assert g1 != g3
    assert g1.kind == "dag" and g1.is_acyclic()
    assert g1.nodes == tuple(f"X{i}" for i in range(20))
    assert np.array_equal(g1.to_adjacency(convention="row->col").to_numpy(),
                          random_dag_matrix(20, kind, 3, seed=7).astype(int))


def test_er_expected_number_of_edges():
    n, k = 30, 3.0
    counts = [random_dag_matrix(n, "er", k, seed=s).sum() for s in range(200)]
    # expected n*k/2 = 45 edges; the sd of the mean over 200 graphs is about 0.45
    assert abs(np.mean(counts) - n * k / 2) < 2.0


def test_er_full_degree_gives_complete_dag():
    a = random_dag_matrix(8, "er", 7, seed=0)
    assert a.sum() == 8 * 7 // 2
    assert not (a & a.T).any()


def test_sf_with_degree_two_is_a_spanning_tree():
    # m = 1 edge per arriving node: exactly n - 1 edges and connected
    import networkx as nx

    g = random_dag(50, kind="sf", expected_degree=2, seed=3)
    assert g.n_edges == 49
    a = g.to_adjacency(convention="row->col").to_numpy()
    assert nx.is_connected(nx.from_numpy_array(a + a.T))


def test_sf_has_hubs_er_does_not():
    def max_degree(kind, seed):
        a = random_dag_matrix(300, kind, 4, seed=seed)
        return (a.sum(0) + a.sum(1)).max()

    sf = np.mean([max_degree("sf", s) for s in range(5)])
    er = np.mean([max_degree("er", s) for s in range(5)])
    assert sf > 2 * er


@pytest.mark.parametrize("kind", ["er", "sf"])
def test_causal_order_is_not_the_column_order(kind):
    forward = total = 0
    for s in range(30):
        a = random_dag_matrix(15, kind, 3, seed=s)
        i, j = np.nonzero(a)
        forward += int((i < j).sum())
        total += len(i)
    assert 0.35 < forward / total < 0.65


def test_names_and_isolated_nodes():
    g = random_dag(3, expected_degree=0, seed=0, names=["a", "b", "c"])
    assert g.nodes == ("a", "b", "c") and g.n_edges == 0 and g.kind == "dag"
    assert random_dag(1, seed=0, expected_degree=0).n_nodes == 1


@pytest.mark.parametrize(
    "kwargs, word",
    [
        (dict(n_nodes=5, expected_degree=5), "expected_degree"),
        (dict(n_nodes=5, expected_degree=-1), "expected_degree"),
        (dict(n_nodes=0), "n_nodes"),
        (dict(n_nodes=2.5), "n_nodes"),
        (dict(n_nodes=5, kind="ba"), "'er', 'sf'"),
        (dict(n_nodes=5, seed=-3), "seed"),
        (dict(n_nodes=3, names=["a"]), "names"),
    ],
)
def test_impossible_settings_name_the_argument(kwargs, word):
    with pytest.raises(DataError, match=word):
        random_dag(**kwargs)
