import numpy as np
import pandas as pd
import pytest

from causalkit.graph import CausalGraph
from causalkit.generators import r2_coefficients, r2_sortability, sortability, var_sortability


def _with_variances(variances, n=500, seed=0):
    z = np.random.default_rng(seed).normal(size=(n, len(variances)))
    z = (z - z.mean(0)) / z.std(0)
    return z * np.sqrt(variances)


CHAIN = CausalGraph.from_edges([("a", "b"), ("b", "c")])


@pytest.mark.parametrize("variances, expected", [([1, 2, 3], 1.0), ([3, 2, 1], 0.0), ([1, 3, 2], 2 / 3)])
def test_var_sortability_on_a_chain(variances, expected):
    # pairs: length 1: (a,b), (b,c); length 2: (a,c)
    x = pd.DataFrame(_with_variances(variances), columns=["a", "b", "c"])
    assert var_sortability(x, CHAIN) == pytest.approx(expected)


def test_pairs_count_once_per_path_length_and_ties_count_half():
    # a->b->d, a->c->d, a->d: length 1 has 5 pairs, length 2 has the pair (a, d) once
    adj = np.zeros((4, 4))
    for i, j in [(0, 1), (0, 2), (1, 3), (2, 3), (0, 3)]:
        adj[i, j] = 1
    assert sortability([1, 2, 3, 0.5], adj) == pytest.approx(2 / 6)
    assert sortability([1, 1, 1, 1], adj) == pytest.approx(0.5)
    assert sortability([0, 1, 1, 2], adj) == pytest.approx(1.0)


def test_empty_graph_is_nan():
    assert np.isnan(sortability([1, 2], np.zeros((2, 2))))


def test_dataframe_columns_are_matched_by_name():
    x = pd.DataFrame(_with_variances([1, 3, 2]), columns=["a", "b", "c"])
    assert var_sortability(x[["c", "a", "b"]], CHAIN) == pytest.approx(2 / 3)


def test_r2_coefficients_match_least_squares():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 4))
    x[:, 2] += x[:, 0] - 0.5 * x[:, 1]
    r2 = r2_coefficients(x)
    for j in range(4):
        others = np.c_[np.ones(300), np.delete(x, j, axis=1)]
        beta, *_ = np.linalg.lstsq(others, x[:, j], rcond=None)
        resid = x[:, j] - others @ beta
        assert r2[j] == pytest.approx(1 - resid.var() / x[:, j].var(), abs=1e-10)


def test_r2_sortability_is_scale_invariant_var_sortability_is_not():
    rng = np.random.default_rng(2)
    n = 5000
    a = rng.normal(size=n)
    b = 1.5 * a + rng.normal(size=n)
    c = -1.2 * b + 0.5 * rng.normal(size=n)
    x = pd.DataFrame({"a": a, "b": b, "c": c})
    assert var_sortability(x, CHAIN) == 1.0
    rescaled = x * [10.0, 1.0, 0.01]
    assert var_sortability(rescaled, CHAIN) == 0.0
    assert r2_sortability(rescaled, CHAIN) == pytest.approx(r2_sortability(x, CHAIN))
    # the R^2 of the root a is the smallest, so the chain is mostly R2-sorted
    assert r2_sortability(x, CHAIN) > 0.5
