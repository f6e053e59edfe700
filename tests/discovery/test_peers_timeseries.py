"""Adapters to tigramite's PCMCI and lingam's VARLiNGAM: same result form as causalkit's
methods, agreement with them, the pooled multiple-series path and bad input."""

import numpy as np
import pandas as pd
import pytest

from causalkit.discovery.pcmci import pcmci
from causalkit.discovery.peers_timeseries import _pooled_var, tigramite_pcmci, varlingam
from causalkit.exceptions import DataError, UnknownMethodError


def simulate(n_vars, length, coefs, seed, contemporaneous=(), noise="normal", burn=50):
    """VAR(2) with self-lags 0.4, lagged links (i, j, lag, c), lag-0 links (i, j, c), i < j."""
    rng = np.random.default_rng(seed)
    x = np.zeros((length + burn, n_vars))
    for t in range(2, length + burn):
        e = rng.normal(size=n_vars) if noise == "normal" else rng.uniform(-1.7, 1.7, size=n_vars)
        x[t] = 0.4 * x[t - 1] + e
        for i, j, lag, c in coefs:
            x[t, j] += c * x[t - lag, i]
        for i, j, c in contemporaneous:  # in index order, so x[t, i] is final
            x[t, j] += c * x[t, i]
    return x[burn:]


def link_set(result):
    return {(e.source, e.target, e.lag) for e in result.graph.edge_list()}


def test_tigramite_adapter_agrees_with_causalkit_pcmci():
    pytest.importorskip("tigramite")
    x = simulate(4, 300, [(0, 1, 1, 0.5), (2, 3, 2, 0.4)], 0)
    a, b = tigramite_pcmci(x, lags=2), pcmci(x, lags=2)
    assert link_set(a) == link_set(b) and a.algorithm == "tigramite_pcmci"
    for lag in (1, 2):
        np.testing.assert_allclose(a.details["p_values"][lag], b.details["p_values"][lag], atol=1e-10)
    np.testing.assert_allclose(a.details["scores"], b.details["scores"], atol=1e-10)
    # several series: tigramite's multiple-datasets mode
    frame = pd.concat([pd.DataFrame(simulate(3, 30, [(0, 1, 1, 0.6)], s), columns=list("abc"))
                       .assign(sid=s) for s in range(8)])
    a, b = tigramite_pcmci(frame, lags=1, sample="sid"), pcmci(frame, lags=1, sample="sid")
    np.testing.assert_allclose(a.details["p_values"][1], b.details["p_values"][1], atol=1e-10)
    assert list(a.details["scores"].index) == ["a", "b", "c"]


def test_pooled_var_equals_statsmodels_with_intercept():
    pytest.importorskip("statsmodels")
    from statsmodels.tsa.api import VAR

    x = simulate(3, 200, [(0, 1, 1, 0.5)], 1) + 3.0
    M, resid = _pooled_var([x], 2)
    fit = VAR(x).fit(2, trend="c")
    np.testing.assert_allclose(M, fit.coefs, atol=1e-10)
    np.testing.assert_allclose(resid, fit.resid, atol=1e-10)


def test_varlingam_finds_lagged_and_contemporaneous_links():
    pytest.importorskip("lingam")
    x = simulate(3, 2000, [(0, 1, 1, 0.5)], 2, contemporaneous=[(1, 2, 0.8)], noise="uniform")
    res = varlingam(pd.DataFrame(x, columns=list("abc")), lags=1, w_threshold=0.2)
    assert {("a", "b", 1), ("b", "c", 0)} <= link_set(res)
    assert ("c", "b", 0) not in link_set(res)
    s = res.details["scores"]
    assert s.loc["a", "b"] > max(s.loc["b", "a"], s.loc["c", "a"], s.loc["c", "b"])
    assert res.details["coefficients"][0].loc["b", "c"] == pytest.approx(0.8, abs=0.1)
    # many short series (pooled VAR, DirectLiNGAM on the pooled residuals)
    frame = pd.concat([pd.DataFrame(simulate(3, 60, [(0, 1, 1, 0.5)], s, contemporaneous=[(1, 2, 0.8)],
                                             noise="uniform") + s, columns=list("abc")).assign(sid=s)
                       for s in range(30)])
    pooled = varlingam(frame, lags=1, sample="sid", w_threshold=0.2)
    assert {("a", "b", 1), ("b", "c", 0)} <= link_set(pooled)
    assert pooled.details["coefficients"][1].loc["a", "b"] == pytest.approx(0.5, abs=0.1)


def test_adapter_bad_input():
    x = simulate(3, 50, [], 0)
    with pytest.raises(UnknownMethodError, match="parcorr"):
        tigramite_pcmci(x, lags=1, ci_test="kci")
    with pytest.raises(UnknownMethodError, match="ci_test"):
        varlingam(x, lags=1, ci_test="fisherz")
    with pytest.raises(DataError, match="w_threshold"):
        varlingam(x, lags=1, w_threshold=-1)
    frame = pd.DataFrame(x, columns=list("abc")).assign(sid=[0] * 25 + [1] * 25)
    with pytest.raises(DataError, match="prune"):
        varlingam(frame, lags=1, sample="sid", prune=True)
    with pytest.raises(DataError, match="lags \\+ 2"):
        tigramite_pcmci(x[:3], lags=2)
