"""RCIT / RCoT: power, calibration, reproducibility and the null approximations."""

import numpy as np
import pytest
from scipy import stats

from causalkit.ci.rcit import RCIT, weighted_chi2_sf
from causalkit.exceptions import DataError, UnknownMethodError


def _chain(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    z = np.tanh(x) + 0.3 * rng.normal(size=n)              # X -> Z
    y = z ** 2 + z + 0.3 * rng.normal(size=n)              # Z -> Y
    w = rng.normal(size=n)
    return np.column_stack([x, y, z, w, y + 0.5 * x ** 2])


@pytest.mark.parametrize("variant", ["rcot", "rcit"])
def test_power_and_chain(variant):
    t = RCIT(_chain(800, 0), variant=variant)
    assert t.pvalue(0, 1) < 1e-10           # dependent through Z
    assert t.pvalue(0, 1, [2]) > 0.01       # chain X -> Z -> Y
    assert t.pvalue(0, 3) > 0.01            # independent pair
    assert t.pvalue(0, 4, [2]) < 1e-5       # direct nonlinear dependence survives conditioning


@pytest.mark.parametrize("null", ["hbe", "gamma", "chi2"])
def test_calibration(null):
    rng = np.random.default_rng(1)
    rej = []
    for r in range(40):
        Z = rng.normal(size=(400, 3))
        Z[:, 0] = np.sin(Z[:, 2]) + 0.5 * Z[:, 0]
        Z[:, 1] = Z[:, 2] ** 2 + 0.5 * Z[:, 1]
        rej.append(RCIT(Z, null=null, random_state=r).pvalue(0, 1, [2]) < 0.05)
    assert np.mean(rej) <= 0.15


def test_permutation_null():
    t = RCIT(_chain(400, 2), null="perm", n_permutations=200)
    assert t.pvalue(0, 1, [2]) > 0.01
    assert t.pvalue(0, 4, [2]) == pytest.approx(1 / 201)


def test_reproducible_and_order_free():
    X = _chain(500, 3)
    a, b = RCIT(X, random_state=5), RCIT(X, random_state=5)
    pa = [a.pvalue(0, 1, [2]), a.pvalue(1, 3, [2]), a.pvalue(0, 3)]
    pb = [b.pvalue(0, 3), b.pvalue(1, 3, [2]), b.pvalue(0, 1, [2])][::-1]
    assert pa == pb
    other = RCIT(X, random_state=6).pvalue(0, 1, [2])
    assert other != pa[0]


def test_weighted_chi2_sf_against_monte_carlo():
    w = np.array([2.0, 1.0, 0.5, 0.25])
    rng = np.random.default_rng(0)
    draws = (rng.chisquare(1, (200_000, 4)) * w).sum(axis=1)
    for q in (3.0, 6.0, 10.0):
        mc = np.mean(draws >= q)
        assert weighted_chi2_sf(q, w, "hbe") == pytest.approx(mc, abs=0.02)
        assert weighted_chi2_sf(q, w, "gamma") == pytest.approx(mc, abs=0.015)
    assert weighted_chi2_sf(3.84, [1.0], "hbe") == pytest.approx(stats.chi2.sf(3.84, 1))
    assert weighted_chi2_sf(1.0, [0.0, 0.0]) == 1.0
    with pytest.raises(UnknownMethodError, match="hbe"):
        weighted_chi2_sf(1.0, [1.0], "lpd4")


def test_errors():
    X = _chain(100, 0)
    with pytest.raises(UnknownMethodError, match="rcot"):
        RCIT(X, variant="rit")
    with pytest.raises(UnknownMethodError, match="perm"):
        RCIT(X, null="lpd4")
    with pytest.raises(DataError, match="num_f"):
        RCIT(X, num_f=0)
    X[2, 1] = np.nan
    with pytest.raises(DataError, match="X1"):
        RCIT(X)
