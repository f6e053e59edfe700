"""Fisher-z test: agreement with causal-learn, the batched paths, and its errors."""

import itertools

import numpy as np
import pytest

from causalkit.ci import make_ci_test
from causalkit.ci.fisherz import FisherZ, _pvalues_from_r
from causalkit.exceptions import DataError


def _data(n=400, d=7, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    X[:, 1] += 0.8 * X[:, 0]
    X[:, 2] += 0.5 * X[:, 1] - 0.3 * X[:, 0]
    X[:, 4] += 0.7 * X[:, 2] + 0.2 * X[:, 3]
    X[:, 5] += 0.1 * X[:, 4]
    return X


def _all_tests(d, kmax):
    return [(x, y, S) for x in range(d) for y in range(d) if x != y for k in range(kmax + 1)
            for S in itertools.combinations([v for v in range(d) if v not in (x, y)], k)]


def test_matches_causallearn_to_1e8():
    from causallearn.utils.cit import CIT

    X = _data()
    tests = _all_tests(X.shape[1], 3)
    ours = FisherZ(X).pvalues(tests)
    ref = CIT(X, "fisherz")
    theirs = np.array([ref(x, y, list(S)) for x, y, S in tests])
    assert np.max(np.abs(ours - theirs)) < 1e-8
    # both small and large p-values are present, so the check has teeth
    assert (theirs < 1e-6).any() and (theirs > 0.5).any()


def test_single_batched_and_array_paths_agree():
    X = _data(seed=1)
    tests = _all_tests(X.shape[1], 2)
    single = np.array([FisherZ(X).pvalue(x, y, S) for x, y, S in tests[:60]])
    batch = FisherZ(X).pvalues(tests)
    t = FisherZ(X)
    for k in range(3):
        sub = [(x, y, S) for x, y, S in tests if len(S) == k]
        x = np.array([a for a, _, _ in sub])
        y = np.array([b for _, b, _ in sub])
        S = np.array([s for _, _, s in sub], dtype=int).reshape(len(sub), k)
        arr = t.pvalues_batch(x, y, S)
        np.testing.assert_allclose(arr, [batch[tests.index(q)] for q in sub], rtol=0, atol=1e-14)
    np.testing.assert_allclose(single, batch[:60], rtol=0, atol=1e-14)


def test_batch_counts_each_distinct_test_once():
    t = FisherZ(_data())
    # (0, 1 | 2, 3), (1, 0 | 3, 2) and (0, 1 | 3, 2) are one test
    p = t.pvalues_batch([0, 1, 0, 4], [1, 0, 1, 5], [[2, 3], [3, 2], [3, 2], [0, 1]])
    assert t.n_tests == 2
    assert p[0] == p[1] == p[2]
    assert p[0] == pytest.approx(FisherZ(_data()).pvalue(0, 1, (2, 3)), abs=1e-15)


def test_detects_conditional_independence():
    rng = np.random.default_rng(3)
    z = rng.normal(size=3000)
    x = z + rng.normal(size=3000)
    y = -z + rng.normal(size=3000)
    t = FisherZ(np.column_stack([x, y, z]))
    assert t.pvalue(0, 1) < 1e-10
    assert t.pvalue(0, 1, [2]) > 0.01
    assert t.pvalue(0, 1, [2]) == t.pvalue(1, 0, (2,))


def test_clamps_perfect_correlation():
    p = _pvalues_from_r(np.array([1.0, -1.0, 1.0 + 1e-12, 0.0, np.nan]), 100, 2)
    assert np.all(np.isfinite(p))
    assert p[0] == p[1] == p[2] == 0.0
    assert p[3] == 1.0


def test_registry_builds_fisherz():
    t = make_ci_test("fisherz", _data(), names=list("abcdefg"))
    assert isinstance(t, FisherZ) and t.names[0] == "a"


def test_errors():
    X = _data()
    with pytest.raises(DataError, match="collinear.*'c'"):
        Y = np.column_stack([X[:, :2], X[:, 0] - 2 * X[:, 1]])
        FisherZ(Y, names=["a", "b", "c"])
    with pytest.raises(DataError, match="constant"):
        FisherZ(np.column_stack([X[:, 0], np.ones(len(X))]))
    with pytest.raises(DataError, match="NaN"):
        Y = X.copy()
        Y[3, 2] = np.nan
        FisherZ(Y)
    small = FisherZ(_data(n=6)[:, :5])
    with pytest.raises(DataError, match="size 3"):
        small.pvalue(0, 1, (2, 3, 4))
    with pytest.raises(DataError, match="shape"):
        FisherZ(X).pvalues_batch([0, 1], [2], [[3], [4]])
    with pytest.raises(DataError, match="outside"):
        FisherZ(X).pvalues_batch([0], [99], [[3]])
