"""Chi-square and G-squared tests: agreement with causal-learn, power, calibration."""

import numpy as np
import pytest
from scipy.stats import chi2_contingency

from causalkit.ci.discrete import ChiSquare, GSquare, contingency_test
from causalkit.exceptions import DataError, UnknownMethodError

QUESTIONS = [(0, 1, ()), (0, 2, (1,)), (1, 3, (0, 2)), (2, 4, (0, 1, 3)), (0, 4, (1, 2, 3)), (3, 4, (2,))]


def _random_discrete(seed, n, cards):
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.integers(0, c, n) for c in cards])
    X[:, 1] = (X[:, 0] + rng.integers(0, 2, n)) % cards[1]  # some dependence
    X[:, 3] = (X[:, 2] * X[:, 1] + (rng.random(n) < 0.3)) % cards[3]
    return X


@pytest.mark.parametrize("method, cls", [("chisq", ChiSquare), ("gsq", GSquare)])
@pytest.mark.parametrize("seed", range(4))
def test_agrees_with_causallearn(method, cls, seed):
    from causallearn.utils.cit import CIT

    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(40, 400))
    X = _random_discrete(seed, n, rng.integers(2, 5, 5))
    ref, ours = CIT(X, method), cls(X)
    for x, y, S in QUESTIONS:
        assert ours.pvalue(x, y, S) == pytest.approx(ref(x, y, list(S)), abs=1e-8, rel=1e-8)


@pytest.mark.parametrize("method, cls", [("chisq", ChiSquare), ("gsq", GSquare)])
def test_agrees_with_causallearn_many_sparse_strata(method, cls):
    # 12^4 strata x 12 x 12 cells: the sparse (re-indexed strata) path
    from causallearn.utils.cit import CIT

    rng = np.random.default_rng(7)
    X = rng.integers(0, 12, (300, 6))
    X[:, 1] = X[:, 0] // 3 + rng.integers(0, 2, 300)
    ref, ours = CIT(X, method), cls(X)
    for x, y, S in [(0, 1, (2, 3, 4)), (4, 5, (0, 1, 2, 3)), (0, 1, ())]:
        assert ours.pvalue(x, y, S) == pytest.approx(ref(x, y, list(S)), abs=1e-8, rel=1e-8)


@pytest.mark.parametrize("statistic, lam", [("chisq", "pearson"), ("gsq", "log-likelihood")])
def test_unconditional_matches_scipy(statistic, lam):
    table = np.array([[12, 5, 9], [3, 14, 7]])
    stat, dof, p = contingency_test(table[None], statistic)
    ref = chi2_contingency(table, correction=False, lambda_=lam)
    assert stat == pytest.approx(ref[0], rel=1e-12)
    assert dof == ref[2] == 2
    assert p == pytest.approx(ref[1], rel=1e-10)


def test_degrees_of_freedom_skip_empty_rows_and_strata():
    # stratum 0: 3x2 table with one empty row -> (2-1)(2-1) = 1; stratum 1: X constant -> 0
    counts = np.array([[[5, 3], [0, 0], [2, 6]], [[4, 4], [0, 0], [0, 0]], [[0, 0], [0, 0], [0, 0]]])
    _, dof, _ = contingency_test(counts, "chisq")
    assert dof == 1
    _, dof, p = contingency_test(counts[1:2], "gsq")
    assert dof == 0 and p == 1.0


def test_labels_and_errors():
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 3, (200, 2))
    labels = np.array(["a", "b", "c"], dtype=object)[codes]
    assert GSquare(labels).pvalue(0, 1) == pytest.approx(GSquare(codes * 10 + 1).pvalue(0, 1), abs=1e-14)
    bad = codes.astype(float)
    bad[3, 1] = np.nan
    with pytest.raises(DataError, match="X1"):
        ChiSquare(bad)
    with pytest.raises(UnknownMethodError, match="gsq"):
        contingency_test(np.ones((1, 2, 2)), "fisher")


@pytest.mark.parametrize("cls", [ChiSquare, GSquare])
def test_power_and_calibration(cls):
    rng = np.random.default_rng(3)
    n = 600
    x = rng.integers(0, 3, n)
    z = (x + (rng.random(n) < 0.2)) % 3          # X -> Z
    y = (z + (rng.random(n) < 0.2)) % 3          # Z -> Y
    w = rng.integers(0, 3, n)                    # independent of all
    t = cls(np.column_stack([x, y, z, w]))
    assert t.pvalue(0, 1) < 1e-10                # dependent pair
    assert t.pvalue(0, 1, [2]) > 0.01            # chain: X _||_ Y | Z
    assert t.pvalue(0, 3) > 0.01                 # independent pair
    assert t.pvalue(1, 2, [0]) < 1e-10           # Z - Y stays dependent given X
    # calibration: the rejection rate at 5% over independent replicates stays near 5%
    rej = [cls(rng.integers(0, 3, (300, 3))).pvalue(0, 1, [2]) < 0.05 for _ in range(60)]
    assert np.mean(rej) < 0.15
