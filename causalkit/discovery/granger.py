r"""Granger causality in a vector autoregression (VAR).

A VAR of order :math:`p` regresses every variable on the last :math:`p`
values of all variables,

.. math::

    X^j_t = c_j + \sum_{\ell=1}^{p} \sum_{i=1}^{N} a^{(\ell)}_{ij} X^i_{t-\ell}
            + \varepsilon^j_t .

:math:`X^i` *Granger-causes* :math:`X^j` when its past improves the
prediction of :math:`X^j` given the past of all the other variables, i.e.
when :math:`a^{(1)}_{ij} = \dots = a^{(p)}_{ij} = 0` is rejected. The test is
the F test of the restricted against the full regression of :math:`X^j`,

.. math::

    F_{ij} = \frac{(\mathrm{RSS}_{ij} - \mathrm{RSS}_j) / p}{\mathrm{RSS}_j / (n - k)},

with :math:`k` coefficients per equation; under the null it follows
:math:`F(p, n - k)` (Granger 1969; Lütkepohl 2005, section 3.6). Every
:math:`\mathrm{RSS}_{ij} - \mathrm{RSS}_j` is read off the full fit as a Wald
quadratic form :math:`b_I^\top [(X^\top X)^{-1}_{II}]^{-1} b_I`, so all
:math:`N^2` tests cost one least-squares fit.

Granger causality is predictive, not causal, unless every common cause is
observed and effects are not contemporaneous; it is here as a baseline
(the "GC" row of CausalTime's tables).

References
----------
Granger, C. W. J. (1969). Investigating causal relations by econometric
models and cross-spectral methods. *Econometrica* 37(3), 424-438.

Lütkepohl, H. (2005). *New Introduction to Multiple Time Series Analysis*.
Springer.
"""

from __future__ import annotations

import time

import numpy as np
from scipy import stats

from ..exceptions import DataError, UnknownMethodError
from ..graph import CausalGraph
from ..result import DiscoveryResult
from ._timeseries import check_timeseries, lag_frames, lagged_design, score_frame

__all__ = ["granger"]

_ENGINES = ("numpy", "statsmodels")


def _fit_numpy(ts, p):
    """Pooled OLS with one intercept per series; returns the pieces of every test."""
    n_vars = ts.n_variables
    blocks_y, blocks_x = [], []
    for x in ts.series:
        d = lagged_design([x], p)
        # Demeaning within each series is the same as one intercept per series
        # (Frisch-Waugh-Lovell), without n_series dummy columns.
        d = d - d.mean(axis=0)
        blocks_y.append(d[:, :n_vars])
        blocks_x.append(d[:, n_vars:])
    Y, X = np.vstack(blocks_y), np.vstack(blocks_x)
    n = len(Y)
    k = X.shape[1] + len(ts.series)
    if n - k < 1:
        raise DataError(
            f"the VAR with lags={p} has {k} coefficients per equation but only {n} usable rows; "
            "use a smaller lags or longer series"
        )
    XtX = X.T @ X
    try:
        G = np.linalg.inv(XtX)
    except np.linalg.LinAlgError:
        raise DataError("the lagged regressors are exactly collinear; the VAR cannot be fitted") from None
    B = G @ (X.T @ Y)  # (N * p, N); row lag0 * N + i holds variable i at lag lag0 + 1
    resid = Y - X @ B
    rss = (resid ** 2).sum(axis=0)
    df_resid = n - k
    sigma2 = rss / df_resid
    # Wald form of RSS_restricted - RSS_full for dropping all lags of cause i.
    delta = np.empty((n_vars, n_vars))
    for i in range(n_vars):
        idx = np.arange(p) * n_vars + i
        b = B[idx]  # (p, N_effects)
        delta[i] = np.einsum("lj,lm,mj->j", b, np.linalg.inv(G[np.ix_(idx, idx)]), b)
    F = (delta / p) / sigma2[None, :]
    pair_p = stats.f.sf(F, p, df_resid)
    se = np.sqrt(np.outer(np.diag(G), sigma2))
    coef_t = B / se
    coef_p = 2.0 * stats.t.sf(np.abs(coef_t), df_resid)
    return F, pair_p, B, coef_p, n, df_resid


def _fit_statsmodels(ts, p):
    from statsmodels.tsa.api import VAR

    if len(ts.series) > 1:
        raise DataError("engine='statsmodels' fits one series; with sample= use engine='numpy'")
    n_vars = ts.n_variables
    res = VAR(ts.series[0]).fit(p, trend="c")
    F = np.empty((n_vars, n_vars))
    pair_p = np.empty((n_vars, n_vars))
    for i in range(n_vars):
        for j in range(n_vars):
            t = res.test_causality(j, [i], kind="f")
            F[i, j], pair_p[i, j] = t.test_statistic, t.pvalue
    params, pv = np.asarray(res.params)[1:], np.asarray(res.pvalues)[1:]
    return F, pair_p, params, pv, int(res.nobs), int(res.df_resid)


def granger(data, *, lags, time_index=None, sample=None, alpha=0.05, ci_test="auto", engine="numpy"):
    """Pairwise Granger causality tests in a VAR fitted to all variables.

    Parameters
    ----------
    data : DataFrame or ndarray of shape (n_rows, n_columns)
        One row per time step; with ``sample``, many series stacked. Every
        column other than ``time_index`` and ``sample`` is a variable.
    lags : int
        VAR order ``p`` (>= 1).
    time_index : str, optional
        Column ordering the rows within each series (not a variable).
    sample : str, optional
        Column of series ids. The series are pooled into one regression with
        one intercept per series; lag windows never cross two series.
    alpha : float, default 0.05
        Significance level of the pairwise F tests.
    ci_test : {"auto"}
        Accepted for the common ``discover`` signature; Granger tests are F
        tests in the VAR, so only ``"auto"`` is valid.
    engine : {"numpy", "statsmodels"}, default "numpy"
        ``"numpy"``: the pooled regression above (one fit for all pairs; any
        number of series). ``"statsmodels"``: ``VAR(...).fit(lags)`` and
        ``test_causality(kind="f")`` for every pair (one series only); its F
        statistics equal the numpy ones, but its p-values use
        ``N * (n - k)`` denominator degrees of freedom (the whole system), so
        they are smaller.

    Returns
    -------
    DiscoveryResult
        ``graph``: for every pair ``cause -> effect`` whose F test has
        p-value <= ``alpha``, an edge ``-->`` at every lag whose coefficient
        t test is significant at ``alpha`` (at the lag with the smallest
        coefficient p-value when none is); edges carry ``weight`` (the
        coefficient) and ``p_value`` (of the pair's F test). Lagged self-loops
        (autoregression) are included. ``details``:

        - ``"scores"``: cause x effect DataFrame of the F statistics (all
          pairs share the degrees of freedom, so this ranks like the p-values
          without saturating at p = 0);
        - ``"pair_p_values"``: cause x effect DataFrame of F-test p-values;
        - ``"p_values"``, ``"coefficients"``: ``{lag: cause x effect
          DataFrame}`` of coefficient t-test p-values and VAR coefficients;
        - ``"n_rows"``, ``"df_resid"``: rows used and residual degrees of
          freedom per equation.

    Raises
    ------
    DataError
        Invalid data (a series shorter than ``lags + 2``, NaN, constant
        columns, ...), ``alpha`` outside (0, 1), more coefficients than rows,
        ``engine="statsmodels"`` with several series.
    UnknownMethodError
        ``ci_test`` other than ``"auto"``, or an unknown ``engine``.

    Notes
    -----
    The F test assumes the VAR is correctly specified: linear, of order at
    most ``lags``, stationary, with no contemporaneous effects or hidden
    common causes.

    References
    ----------
    Granger, C. W. J. (1969). Investigating causal relations by econometric
    models and cross-spectral methods. *Econometrica* 37(3), 424-438.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(400, 2))
    >>> for t in range(1, 400):
    ...     x[t, 1] += 0.7 * x[t - 1, 0]
    >>> res = granger(x, lags=2)
    >>> [(e.source, e.target, e.lag) for e in res.graph.edge_list()]
    [('X0', 'X1', 1)]
    """
    start = time.perf_counter()
    if ci_test not in ("auto", None):
        raise UnknownMethodError(f"granger uses F tests in a VAR; ci_test must be 'auto', got {ci_test!r}")
    if engine not in _ENGINES:
        raise UnknownMethodError(f"unknown engine {engine!r}; valid engines are {list(_ENGINES)}")
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.floating)) or not 0 < alpha < 1:
        raise DataError(f"alpha must be a number in (0, 1); got {alpha!r}")
    ts = check_timeseries(data, lags=lags, time_index=time_index, sample=sample)
    p, names, n_vars = int(lags), ts.names, ts.n_variables
    fit = _fit_numpy if engine == "numpy" else _fit_statsmodels
    F, pair_p, coef, coef_p, n_rows, df_resid = fit(ts, p)
    coef = coef.reshape(p, n_vars, n_vars).transpose(1, 2, 0)  # (cause, effect, lag - 1)
    coef_p = coef_p.reshape(p, n_vars, n_vars).transpose(1, 2, 0)
    edges, attrs = [], {}
    for i in range(n_vars):
        for j in range(n_vars):
            if not pair_p[i, j] <= alpha:
                continue
            sig = np.flatnonzero(coef_p[i, j] <= alpha)
            for l0 in (sig if len(sig) else [int(np.argmin(coef_p[i, j]))]):
                edges.append((names[i], names[j], "-->", int(l0) + 1))
                attrs[(names[i], names[j], int(l0) + 1)] = {"weight": float(coef[i, j, l0]),
                                                            "p_value": float(pair_p[i, j])}
    graph = CausalGraph(names, edges, edge_attrs=attrs)
    pad = lambda a: np.concatenate([np.full((n_vars, n_vars, 1), np.nan), a], axis=2)  # noqa: E731
    details = {
        "scores": score_frame(F, names),
        "pair_p_values": score_frame(pair_p, names),
        "p_values": lag_frames(pad(coef_p), names, range(1, p + 1)),
        "coefficients": lag_frames(pad(coef), names, range(1, p + 1)),
        "n_rows": int(n_rows),
        "df_resid": int(df_resid),
    }
    params = {"lags": p, "time_index": time_index, "sample": sample, "alpha": float(alpha),
              "engine": engine}
    return DiscoveryResult(graph=graph, algorithm="granger", params=params, n_tests=n_vars * n_vars,
                           runtime_s=time.perf_counter() - start, details=details)
