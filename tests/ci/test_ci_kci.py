"""KCI: agreement with causal-learn, power, calibration, categorical kernel, Nystroem path."""

import numpy as np
import pytest
from scipy import stats

from causalkit.ci.kci import KCI, gamma_pvalue, resolve_categorical
from causalkit.ci.kernels import (
    center_kernel,
    gaussian_kernel,
    kci_width,
    nystrom_features,
    sq_distances,
    standardize,
)
from causalkit.exceptions import DataError, UnknownMethodError


def _nonlinear(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    z = 1.5 * np.tanh(x) + 0.4 * rng.normal(size=n)   # X -> Z
    w = rng.normal(size=n)
    y = z ** 2 + 0.5 * z + 0.4 * rng.normal(size=n) + 0.5 * w   # Z -> Y <- W
    return np.column_stack([x, y, z, w, rng.normal(size=n)])


@pytest.mark.parametrize("n, seed", [(150, 0), (250, 1)])
def test_agrees_with_causallearn(n, seed):
    from causallearn.utils.cit import CIT

    X = _nonlinear(n, seed)
    ref, ours = CIT(X, "kci"), KCI(X)
    questions = [(0, 1, ()), (0, 4, ()), (0, 1, (2,)), (0, 1, (2, 3)), (3, 4, (0, 1, 2))]
    for x, y, S in questions:
        assert ours.pvalue(x, y, S) == pytest.approx(ref(x, y, list(S)), abs=0.02)


def test_power_and_calibration():
    X = _nonlinear(300, 5)
    t = KCI(X)
    assert t.pvalue(0, 1) < 1e-4           # X and Y dependent (through Z)
    assert t.pvalue(0, 1, [2]) > 0.01      # chain X -> Z -> Y
    assert t.pvalue(0, 4) > 0.01           # independent pair
    assert t.pvalue(1, 3, [2]) < 1e-4      # Y depends on W given Z
    # a dependence with zero correlation, which linear tests miss
    rng = np.random.default_rng(9)
    u = rng.uniform(-2, 2, 300)
    v = u ** 2 + 0.3 * rng.normal(size=300)
    assert abs(np.corrcoef(u, v)[0, 1]) < 0.2
    assert KCI(np.column_stack([u, v])).pvalue(0, 1) < 1e-4
    # rejection rate at 5% under the null over replicates
    rej = []
    for r in range(25):
        Z = rng.normal(size=(120, 3))
        Z[:, 1] = np.sin(Z[:, 2]) + 0.5 * Z[:, 1]
        Z[:, 0] = np.cos(Z[:, 2]) + 0.5 * Z[:, 0]
        rej.append(KCI(Z).pvalue(0, 1, [2]) < 0.05)
    assert np.mean(rej) <= 0.2


def test_statistic_matches_dense_formulas():
    # the O(n^2) trace identities against the matrices of Zhang et al. (2011)
    X = _nonlinear(120, 3)
    t = KCI(X)
    stat, mean, var = t.statistic(0, 1, (2, 3))
    Zs = standardize(X)
    w = kci_width(120, 2)
    Dz = sq_distances(Zs[:, [2, 3]])
    Kx = center_kernel(gaussian_kernel(sq_distances(np.column_stack([Zs[:, 0], 0.5 * Zs[:, [2, 3]]])), w))
    Ky = center_kernel(gaussian_kernel(sq_distances(Zs[:, 1]), w))
    Kz = center_kernel(gaussian_kernel(Dz, w))
    R = 1e-3 * np.linalg.pinv(Kz + 1e-3 * np.eye(120))
    KxR, KyR = R @ Kx @ R, R @ Ky @ R
    assert stat == pytest.approx(np.trace(KxR @ KyR), rel=1e-6)
    lx, vx = np.linalg.eigh(KxR)
    ly, vy = np.linalg.eigh(KyR)
    fx, fy = vx * np.sqrt(np.clip(lx, 0, None)), vy * np.sqrt(np.clip(ly, 0, None))
    W = (fx[:, :, None] * fy[:, None, :]).reshape(120, -1)
    WW = W @ W.T
    assert mean == pytest.approx(np.trace(WW), rel=1e-5)
    assert var == pytest.approx(2 * np.sum(WW * WW), rel=1e-5)


def test_gamma_pvalue():
    assert gamma_pvalue(3.0, 2.0, 4.0) == pytest.approx(stats.gamma.sf(3.0, 1.0, scale=2.0))
    assert gamma_pvalue(1.0, 0.0, 0.0) == 1.0


def test_categorical_conditioning_set():
    rng = np.random.default_rng(4)
    n = 300
    c = rng.integers(0, 3, n)
    means = np.array([-2.0, 0.0, 2.0])
    x = np.sin(means[c]) * 2 + means[c] + 0.5 * rng.normal(size=n)
    y = means[c] ** 2 + 0.5 * rng.normal(size=n)
    y2 = y + x
    X = np.column_stack([x, y, c, y2])
    t = KCI(X, categorical=[2])
    assert t.categorical_.tolist() == [False, False, True, False]
    assert t.pvalue(0, 1) < 1e-4
    assert t.pvalue(0, 1, [2]) > 0.01
    assert t.pvalue(0, 3, [2]) < 1e-4
    auto = KCI(X, categorical="auto")
    assert auto.categorical_.tolist() == [False, False, True, False]
    assert auto.pvalue(0, 1, [2]) == pytest.approx(t.pvalue(0, 1, [2]))
    named = KCI(X, names=["x", "y", "c", "y2"], categorical=["c"])
    assert named.pvalue(0, 1, [2]) == pytest.approx(t.pvalue(0, 1, [2]))
    # the delta kernel compares within categories only: relabelling changes nothing
    relabelled = X.copy()
    relabelled[:, 2] = np.array([7, 1, 4])[c]
    assert KCI(relabelled, categorical=[2]).pvalue(0, 1, [2]) == pytest.approx(t.pvalue(0, 1, [2]))


def test_resolve_categorical_errors():
    X = np.zeros((5, 3))
    with pytest.raises(DataError, match="3 columns"):
        resolve_categorical([True, False], X, ["a", "b", "c"])
    with pytest.raises(DataError, match="'q'"):
        resolve_categorical(["q"], X, ["a", "b", "c"])
    with pytest.raises(DataError, match="out of range"):
        resolve_categorical([5], X, ["a", "b", "c"])


def test_nystrom_close_to_exact_and_powerful():
    X = _nonlinear(300, 6)
    exact, approx = KCI(X), KCI(X, approx="nystrom", n_components=150)
    for x, y, S in [(0, 4, ()), (0, 1, (2,)), (0, 3, (1, 2))]:
        assert approx.pvalue(x, y, S) == pytest.approx(exact.pvalue(x, y, S), abs=0.05)
    assert approx.pvalue(0, 1) < 1e-4
    assert approx.pvalue(1, 3, [2]) < 1e-4
    # with all points as landmarks the features span the kernel: same answer as exact
    full = KCI(X[:80], approx="nystrom", n_components=80)
    ref = KCI(X[:80])
    for x, y, S in [(0, 1, ()), (0, 1, (2,)), (1, 3, (0, 2))]:
        assert full.pvalue(x, y, S) == pytest.approx(ref.pvalue(x, y, S), abs=1e-3)


def test_nystrom_features_reproduce_kernel():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(50, 2))
    K = gaussian_kernel(sq_distances(A), 1.0)
    F = nystrom_features(K, K)
    assert np.allclose(F @ F.T, K, atol=1e-6)


def test_width_options_and_errors():
    X = _nonlinear(200, 8)
    for width in ("median", 0.8):
        t = KCI(X, width=width)
        assert t.pvalue(0, 1) < 1e-3
        assert t.pvalue(0, 1, [2]) > 0.01
    with pytest.raises(UnknownMethodError, match="median"):
        KCI(X, width="silverman")
    with pytest.raises(UnknownMethodError, match="nystrom"):
        KCI(X, approx="rff")
    bad = X.copy()
    bad[0, 3] = np.inf
    with pytest.raises(DataError, match="X3"):
        KCI(bad)


def test_constant_column_gives_pvalue_one():
    X = _nonlinear(100, 1)
    X[:, 4] = 2.0
    t = KCI(X)
    assert t.pvalue(0, 4) == 1.0
    assert t.pvalue(0, 4, [2]) == 1.0


def test_low_rank_factors_match_dense():
    X = _nonlinear(400, 11)
    dense, lowrank = KCI(X, rank_tol=0), KCI(X)
    qs = [(0, 1, (2,)), (1, 3, (2,)), (0, 3, (1, 2)), (3, 4, (0, 1, 2))]
    np.testing.assert_allclose(lowrank.pvalues(qs), dense.pvalues(qs), rtol=1e-6, atol=1e-9)
    shapes = [v.shape[1] for k, v in lowrank._mats._d.items() if k[0] == "R"]
    assert min(shapes) < 400 // 4          # some residual kernels went through a factor


def test_pivoted_cholesky_bounds_the_error():
    from causalkit.ci.kernels import pivoted_cholesky

    rng = np.random.default_rng(2)
    K = gaussian_kernel(sq_distances(rng.normal(size=(200, 1))), 0.7)
    F = pivoted_cholesky(np.diagonal(K), lambda i: K[:, i], tol=1e-10)
    assert F.shape[1] < 60
    E = K - F @ F.T
    assert np.trace(E) <= 1e-10 * 200 + 1e-12
    assert np.linalg.eigvalsh(E).min() > -1e-9      # residual stays PSD
    assert pivoted_cholesky(np.ones(50), lambda i: np.eye(50)[:, i], max_rank=10) is None
