"""Adapters to other packages' time-series discovery methods, in causalkit's form.

Each adapter takes data the way :func:`~causalkit.discovery.pcmci.pcmci` does
(one long series, or many short ones in a ``sample`` column, ordered by
``time_index``) and returns a :class:`~causalkit.result.DiscoveryResult`
with a lagged graph and ``details["scores"]``, a cause x effect DataFrame,
so that benchmarks score every method the same way. The peer packages are
imported only when an adapter runs:

- :func:`tigramite_pcmci`: tigramite's ``PCMCI.run_pcmci`` (Runge et al.
  2019), with tigramite's "multiple datasets" mode for many series;
- :func:`varlingam`: VARLiNGAM (Hyvärinen et al. 2010) from the ``lingam``
  package.
"""

from __future__ import annotations

import time

import numpy as np

from ..exceptions import DataError, UnknownMethodError
from ..graph import CausalGraph
from ..result import DiscoveryResult
from ._timeseries import check_timeseries, lag_frames, lagged_design, lagged_graph, score_frame

__all__ = ["tigramite_pcmci", "varlingam"]


def _need(package, extra="test"):
    try:
        return __import__(package)
    except ImportError:
        raise ImportError(
            f"this adapter needs the {package!r} package (pip install {package}, or the "
            f"causalkit[{extra}] extra)"
        ) from None


def _tigramite_test(ci_test):
    from tigramite.independence_tests.parcorr import ParCorr

    if ci_test in ("auto", "parcorr"):
        return ParCorr(significance="analytic")
    if ci_test == "cmiknn":
        from tigramite.independence_tests.cmiknn import CMIknn

        return CMIknn(significance="shuffle_test")
    if ci_test == "gpdc":
        from tigramite.independence_tests.gpdc import GPDC

        return GPDC(significance="analytic")
    raise UnknownMethodError(
        f"unknown ci_test {ci_test!r} for tigramite_pcmci; valid names are "
        "['auto', 'parcorr', 'cmiknn', 'gpdc']"
    )


def tigramite_pcmci(data, *, lags, time_index=None, sample=None, alpha=0.05, pc_alpha=0.2,
                    ci_test="auto", tau_min=1):
    """Run tigramite's PCMCI and return the result in causalkit's form.

    Parameters
    ----------
    data : DataFrame or ndarray
        As in :func:`causalkit.discovery.pcmci.pcmci`.
    lags : int
        ``tau_max``.
    time_index, sample : str, optional
        Role columns, as in :func:`~causalkit.discovery.pcmci.pcmci`; several
        series use tigramite's ``analysis_mode="multiple"``.
    alpha : float, default 0.05
        ``alpha_level`` of ``run_pcmci``.
    pc_alpha : float, default 0.2
        ``pc_alpha`` of ``run_pcmci``.
    ci_test : {"auto", "parcorr", "cmiknn", "gpdc"}
        tigramite's test; ``"auto"`` is ``ParCorr(significance="analytic")``.
    tau_min : {1, 0}
        ``0`` also tests contemporaneous links (``---`` edges).

    Returns
    -------
    DiscoveryResult
        ``algorithm="tigramite_pcmci"``; ``details`` with ``"scores"`` (max
        over lags >= 1 of ``|val_matrix|``, rows cause), ``"p_values"`` and
        ``"values"`` (``{lag: DataFrame}``).

    Raises
    ------
    DataError
        Invalid data (see :func:`~causalkit.discovery._timeseries.check_timeseries`).
    UnknownMethodError
        An unknown ``ci_test``.
    ImportError
        tigramite is not installed.

    References
    ----------
    Runge, J. et al. (2019). Detecting and quantifying causal associations in
    large nonlinear time series datasets. *Science Advances* 5(11), eaau4996.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=(200, 3))
    >>> tigramite_pcmci(x, lags=1).details["scores"].shape  # doctest: +SKIP
    (3, 3)
    """
    start = time.perf_counter()
    ts = check_timeseries(data, lags=lags, time_index=time_index, sample=sample)
    _need("tigramite")
    import tigramite.data_processing as pp
    from tigramite.pcmci import PCMCI

    test = _tigramite_test(ci_test)
    if len(ts.series) > 1:
        frame = pp.DataFrame({m: x for m, x in enumerate(ts.series)}, analysis_mode="multiple",
                             var_names=ts.names)
    else:
        frame = pp.DataFrame(ts.series[0], var_names=ts.names)
    run = PCMCI(frame, test, verbosity=0)
    out = run.run_pcmci(tau_max=int(lags), tau_min=tau_min, pc_alpha=pc_alpha, alpha_level=alpha)
    val, pv = np.asarray(out["val_matrix"]), np.asarray(out["p_matrix"])
    names = ts.names
    details = {
        "scores": score_frame(np.abs(val[:, :, 1:]).max(axis=2), names),
        "p_values": lag_frames(pv, names, range(tau_min, int(lags) + 1)),
        "values": lag_frames(val, names, range(tau_min, int(lags) + 1)),
    }
    params = {"lags": int(lags), "time_index": time_index, "sample": sample, "alpha": alpha,
              "pc_alpha": pc_alpha, "ci_test": ci_test, "tau_min": tau_min}
    return DiscoveryResult(graph=lagged_graph(names, val, pv, alpha, tau_min),
                           algorithm="tigramite_pcmci", params=params,
                           runtime_s=time.perf_counter() - start, details=details)


def _pooled_var(series, p):
    """VAR coefficients ``M`` (p, N, N), ``M[l][i, j]`` = effect of x_j(t-l-1) on x_i(t), and residuals.

    Least squares pooled over the series with one intercept per series.
    """
    n_vars = series[0].shape[1]
    ys, xs = [], []
    for x in series:
        d = lagged_design([x], p)
        d = d - d.mean(axis=0)  # one intercept per series (Frisch-Waugh-Lovell)
        ys.append(d[:, :n_vars])
        xs.append(d[:, n_vars:])
    Y, X = np.vstack(ys), np.vstack(xs)
    if len(Y) <= X.shape[1] + len(series):
        raise DataError(f"too few rows ({len(Y)}) for a VAR with lags={p} over {n_vars} variables")
    B = np.linalg.lstsq(X, Y, rcond=None)[0]  # (p * N, N): row l * N + j, column i
    M = B.reshape(p, n_vars, n_vars).transpose(0, 2, 1)
    return M, Y - X @ B


def varlingam(data, *, lags, time_index=None, sample=None, alpha=None, ci_test="auto",
              w_threshold=0.1, prune=False, random_state=None):
    r"""VARLiNGAM: a VAR whose innovations follow a linear non-Gaussian acyclic model.

    The VAR :math:`x_t = \sum_\tau M_\tau x_{t-\tau} + e_t` is fitted by least
    squares; DirectLiNGAM on the residuals gives the contemporaneous matrix
    :math:`B_0`, and the lagged effects are :math:`B_\tau = (I - B_0) M_\tau`
    (Hyvärinen et al. 2010).

    Parameters
    ----------
    data : DataFrame or ndarray
        As in :func:`causalkit.discovery.pcmci.pcmci`.
    lags : int
        VAR order (fixed; no information-criterion search).
    time_index, sample : str, optional
        Role columns. One series runs ``lingam.VARLiNGAM``; several series
        are pooled here (least squares with one intercept per series, lag
        windows within each series) and lingam's ``DirectLiNGAM`` is fitted to
        the pooled residuals, because lingam has no multiple-series mode.
    alpha : float, optional
        Accepted for the common ``discover`` signature and not used:
        VARLiNGAM has no test; edges come from ``w_threshold``.
    ci_test : {"auto"}
        Accepted for the common signature; only ``"auto"``.
    w_threshold : float, default 0.1
        Edges are the coefficients with ``|B| > w_threshold``.
    prune : bool, default False
        lingam's adaptive-lasso pruning (one series only).
    random_state : int, optional
        Passed to lingam.

    Returns
    -------
    DiscoveryResult
        ``algorithm="varlingam"``; ``graph`` with ``-->`` edges at lags 0
        (from :math:`B_0`) to ``lags``, weights the coefficients;
        ``details["scores"]``: cause x effect DataFrame, max over lags >= 1
        of :math:`|B_\tau|`; ``details["coefficients"]``: ``{lag: cause x
        effect DataFrame}``; ``details["causal_order"]``.

    Raises
    ------
    DataError
        Invalid data, ``prune=True`` with several series, a negative
        ``w_threshold``, too few rows.
    UnknownMethodError
        ``ci_test`` other than ``"auto"``.
    ImportError
        lingam is not installed.

    References
    ----------
    Hyvärinen, A., Zhang, K., Shimizu, S. and Hoyer, P. O. (2010). Estimation
    of a structural vector autoregression model using non-Gaussianity.
    *JMLR* 11, 1709-1731.
    """
    start = time.perf_counter()
    if ci_test not in ("auto", None):
        raise UnknownMethodError(
            f"varlingam has no independence test; ci_test must be 'auto', got {ci_test!r}")
    if not isinstance(w_threshold, (int, float)) or w_threshold < 0:
        raise DataError(f"w_threshold must be a non-negative number; got {w_threshold!r}")
    ts = check_timeseries(data, lags=lags, time_index=time_index, sample=sample)
    _need("lingam")
    import lingam

    p, names, n_vars = int(lags), ts.names, ts.n_variables
    if len(ts.series) == 1:
        model = lingam.VARLiNGAM(lags=p, criterion=None, prune=prune, random_state=random_state)
        model.fit(ts.series[0])
        B = np.asarray(model.adjacency_matrices_)
        order = list(model.causal_order_)
    else:
        if prune:
            raise DataError("prune=True needs one series; lingam prunes on a single series")
        M, resid = _pooled_var(ts.series, p)
        inner = lingam.DirectLiNGAM(random_state=random_state)
        inner.fit(resid)
        B0 = np.asarray(inner.adjacency_matrix_)
        B = np.stack([B0] + [(np.eye(n_vars) - B0) @ M[l] for l in range(p)])
        order = list(inner.causal_order_)
    coefs = B.transpose(2, 1, 0)  # lingam: B[tau][i, j] is j(t - tau) -> i(t); now [cause, effect, tau]
    edges, attrs = [], {}
    for tau in range(p + 1):
        for i in range(n_vars):
            for j in range(n_vars):
                if (tau == 0 and i == j) or not abs(coefs[i, j, tau]) > w_threshold:
                    continue
                edges.append((names[i], names[j], "-->", tau))
                attrs[(names[i], names[j], tau)] = {"weight": float(coefs[i, j, tau])}
    details = {
        "scores": score_frame(np.abs(coefs[:, :, 1:]).max(axis=2), names),
        "coefficients": lag_frames(coefs, names, range(p + 1)),
        "causal_order": [names[k] for k in order],
    }
    params = {"lags": p, "time_index": time_index, "sample": sample, "w_threshold": w_threshold,
              "prune": prune, "random_state": random_state}
    graph = CausalGraph(names, edges, edge_attrs=attrs)
    return DiscoveryResult(graph=graph, algorithm="varlingam", params=params,
                           runtime_s=time.perf_counter() - start, details=details)
