"""The shared cache of CITest: no recomputation, counting, data hashing, batching."""

import numpy as np
import pytest

from causalkit.ci import data_hash, make_ci_test
from causalkit.ci.discrete import ChiSquare, GSquare
from causalkit.ci.kci import KCI
from causalkit.ci.oracle import DSeparationOracle
from causalkit.ci.rcit import RCIT
from causalkit.graph import CausalGraph

QUESTIONS = [(0, 1, ()), (1, 0, ()), (0, 2, (1,)), (2, 0, (1,)), (1, 3, (0, 2)), (3, 1, (2, 0)),
             (0, 3, ()), (2, 3, (0,)), (0, 1, (2, 3))]
UNIQUE = 6


def _continuous(seed=0, n=120):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    X[:, 1] += np.sin(X[:, 0])
    X[:, 2] += X[:, 1] ** 2
    return X


def _discrete(seed=0, n=200):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 3, (n, 4))
    X[:, 1] = (X[:, 0] + (rng.random(n) < 0.3)) % 3
    return X


def _factories():
    g = CausalGraph.from_edges([("A", "B"), ("B", "C"), ("C", "D")])
    return {
        "chisq": (lambda X: ChiSquare(X), _discrete),
        "gsq": (lambda X: GSquare(X), _discrete),
        "kci": (lambda X: KCI(X), _continuous),
        "kci-nystrom": (lambda X: KCI(X, approx="nystrom", n_components=40), _continuous),
        "rcit": (lambda X: RCIT(X, num_f=20), _continuous),
        "oracle": (lambda X: DSeparationOracle(X, names=["A", "B", "C", "D"], graph=g), _continuous),
    }


@pytest.mark.parametrize("name", list(_factories()))
def test_same_question_not_recomputed(name, monkeypatch):
    make, gen = _factories()[name]
    t = make(gen())
    calls = []
    original = t._compute
    monkeypatch.setattr(t, "_compute", lambda *k: calls.append(k) or original(*k))
    ps = [t.pvalue(x, y, S) for x, y, S in QUESTIONS]
    assert t.n_tests == UNIQUE == len(calls)
    assert ps[0] == ps[1] and ps[2] == ps[3] and ps[4] == ps[5]   # symmetric, order-free keys
    assert all(0.0 <= p <= 1.0 for p in ps)
    t.pvalue(0, 1, [3, 2])
    assert t.n_tests == UNIQUE == len(calls)


@pytest.mark.parametrize("name", list(_factories()))
def test_batched_equals_one_by_one(name):
    make, gen = _factories()[name]
    X = gen()
    one = make(X)
    singles = [one.pvalue(x, y, S) for x, y, S in QUESTIONS]
    batch = make(X)
    ps = batch.pvalues(QUESTIONS)
    assert isinstance(ps, np.ndarray) and ps.shape == (len(QUESTIONS),)
    np.testing.assert_allclose(ps, singles, rtol=1e-10, atol=1e-12)
    assert batch.n_tests == UNIQUE
    batch.pvalues(QUESTIONS[:3])  # all cached
    assert batch.n_tests == UNIQUE


def test_different_data_different_hash():
    X = _continuous()
    Y = X.copy()
    Y[57, 2] += 1e-12
    assert KCI(X).data_hash == KCI(X.copy()).data_hash == data_hash(X)
    assert KCI(Y).data_hash != KCI(X).data_hash
    # a large array whose str() is summarised with "..." still hashes by its bytes
    big = np.zeros((5000, 3))
    big2 = big.copy()
    big2[2500, 1] = 1.0
    assert str(big) == str(big2)
    assert data_hash(big) != data_hash(big2)
    # and the answers differ with the data
    assert KCI(X).pvalue(0, 1) != KCI(_continuous(seed=1)).pvalue(0, 1)


def test_registry_builds_each_test():
    X = _discrete()
    for name, cls in [("chisq", ChiSquare), ("gsq", GSquare), ("kci", KCI), ("rcit", RCIT)]:
        t = make_ci_test(name, X)
        assert type(t) is cls and t.name == name
    assert type(make_ci_test("auto", X, discrete=[True] * 4)) is GSquare
    assert make_ci_test("kci", _continuous(), approx="nystrom", n_components=30).n_components == 30
