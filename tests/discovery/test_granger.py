"""VAR Granger causality: agreement with statsmodels and with explicit restricted
regressions, pooled short series, recovery of a known VAR graph and bad input."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from causalkit.discovery.granger import granger
from causalkit.exceptions import DataError, UnknownMethodError


def simulate_var(n_vars, length, coefs, seed, burn=50):
    """x_t[j] = 0.4 x_{t-1}[j] + sum over (i, j, lag, c) of c * x_{t-lag}[i] + noise."""
    rng = np.random.default_rng(seed)
    x = np.zeros((length + burn, n_vars))
    for t in range(2, length + burn):
        x[t] = 0.4 * x[t - 1] + rng.normal(size=n_vars)
        for i, j, lag, c in coefs:
            x[t, j] += c * x[t - lag, i]
    return x[burn:]


LINKS = [(0, 1, 1, 0.5), (1, 2, 2, 0.4), (3, 2, 1, -0.4)]


def restricted_f(y, X_full, drop, p):
    """F test of dropping columns ``drop`` from the regression of y on [X_full]."""
    rss = lambda X: np.sum((y - X @ np.linalg.lstsq(X, y, rcond=None)[0]) ** 2)  # noqa: E731
    keep = [c for c in range(X_full.shape[1]) if c not in drop]
    rf, rr = rss(X_full), rss(X_full[:, keep])
    df = len(y) - X_full.shape[1]
    F = ((rr - rf) / p) / (rf / df)
    return F, stats.f.sf(F, p, df)


def test_matches_statsmodels_var():
    pytest.importorskip("statsmodels")
    from statsmodels.tsa.api import VAR

    x = simulate_var(4, 250, LINKS, 0)
    res = granger(x, lags=2)
    sm = granger(x, lags=2, engine="statsmodels")
    np.testing.assert_allclose(res.details["scores"], sm.details["scores"], rtol=1e-9)
    np.testing.assert_allclose(res.details["coefficients"][2], sm.details["coefficients"][2], atol=1e-12)
    fit = VAR(x).fit(2, trend="c")
    t = fit.test_causality(2, [1], kind="f")
    assert sm.details["pair_p_values"].loc["X1", "X2"] == pytest.approx(t.pvalue, rel=1e-12)
    assert res.details["scores"].loc["X1", "X2"] == pytest.approx(t.test_statistic, rel=1e-9)


def test_pvalues_equal_explicit_restricted_regressions():
    x = simulate_var(3, 120, LINKS[:1], 4)
    p = 2
    res = granger(x, lags=p)
    y = x[p:]
    X = np.column_stack([np.ones(len(y))] + [x[p - lag:len(x) - lag] for lag in range(1, p + 1)])
    for cause, effect in [(0, 1), (1, 0), (2, 2)]:
        drop = [1 + (lag - 1) * 3 + cause for lag in range(1, p + 1)]
        F, pv = restricted_f(y[:, effect], X, drop, p)
        assert res.details["scores"].iloc[cause, effect] == pytest.approx(F, rel=1e-9)
        assert res.details["pair_p_values"].iloc[cause, effect] == pytest.approx(pv, rel=1e-9)


def test_recovers_known_var_graph():
    x = simulate_var(4, 1500, LINKS, 1)
    res = granger(pd.DataFrame(x, columns=list("abcd")), lags=2, alpha=0.001)
    found = {(e.source, e.target, e.lag) for e in res.graph.edge_list() if e.source != e.target}
    assert found == {("a", "b", 1), ("b", "c", 2), ("d", "c", 1)}
    assert res.graph.edge_attrs("a", "b", 1)["weight"] == pytest.approx(0.5, abs=0.08)
    s = res.details["scores"]
    assert min(s.loc["a", "b"], s.loc["b", "c"], s.loc["d", "c"]) > s.loc["c", "b"]


def test_many_series_get_their_own_intercepts_and_windows():
    series = [simulate_var(3, 30, LINKS[:1], seed) + 5.0 * seed for seed in range(10)]
    frame = pd.concat([pd.DataFrame(x, columns=list("abc")).assign(sid=m, t=np.arange(30))
                       for m, x in enumerate(series)]).sample(frac=1.0, random_state=2)
    res = granger(frame, lags=1, sample="sid", time_index="t")
    assert res.details["n_rows"] == 10 * 29
    # equal to one regression with a dummy (intercept) per series
    y = np.vstack([x[1:] for x in series])
    lagged = np.vstack([x[:-1] for x in series])
    dummies = np.kron(np.eye(10), np.ones((29, 1)))
    X = np.column_stack([dummies, lagged])
    F, pv = restricted_f(y[:, 1], X, [10 + 0], 1)
    assert res.details["scores"].loc["a", "b"] == pytest.approx(F, rel=1e-8)
    assert res.details["pair_p_values"].loc["a", "b"] == pytest.approx(pv, rel=1e-8)
    assert res.details["df_resid"] == 10 * 29 - 10 - 3


def test_bad_input():
    x = simulate_var(3, 60, LINKS[:1], 0)
    df = pd.DataFrame(x, columns=list("abc")).assign(sid=[0] * 57 + [1] * 3)
    with pytest.raises(DataError, match=r"sid=1.*lags \+ 2"):
        granger(df, lags=2, sample="sid")
    with pytest.raises(DataError, match="engine='statsmodels'"):
        granger(df.assign(sid=[0] * 30 + [1] * 30), lags=1, sample="sid", engine="statsmodels")
    with pytest.raises(UnknownMethodError, match="numpy"):
        granger(x, lags=1, engine="torch")
    with pytest.raises(UnknownMethodError, match="ci_test"):
        granger(x, lags=1, ci_test="kci")
    with pytest.raises(DataError, match="alpha"):
        granger(x, lags=1, alpha=0)
    with pytest.raises(DataError, match="lags"):
        granger(x, lags=-1)
    with pytest.raises(DataError, match="usable rows"):
        granger(simulate_var(3, 12, [], 0), lags=4)
