"""Shared plumbing of the time-series discovery methods: validation and lagged designs.

Every time-series method (:mod:`~causalkit.discovery.pcmci`,
:mod:`~causalkit.discovery.granger`, the peer adapters) takes data the same
way:

* one long series: one row per time step, rows in time order (or ordered by
  the ``time_index`` column);
* many short series: a ``sample`` column holds the series id (CausalTime's
  480 samples, tigramite's "multiple datasets" mode); rows are grouped by it
  and ordered by ``time_index`` within each series. Lag windows never cross
  from one series into the next.

:func:`check_timeseries` validates and splits the data; :func:`lagged_design`
stacks the lag windows of all series into one matrix whose column
``lag * N + k`` holds variable ``k`` at time ``t - lag``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data import check_data
from ..exceptions import DataError

__all__ = ["TimeSeriesData", "check_timeseries", "lagged_design", "lagged_names", "lagged_graph",
           "score_frame", "lag_frames"]


@dataclass
class TimeSeriesData:
    """Validated time series, split by series.

    Attributes
    ----------
    series : list of ndarray of shape (T_m, N)
        One float array per series, rows in time order.
    names : list of str
        The N variable names (role columns excluded).
    sample_ids : list
        The id of each series (``[None]`` for one series).
    """

    series: list
    names: list
    sample_ids: list

    @property
    def n_variables(self):
        return len(self.names)

    @property
    def lengths(self):
        return [len(s) for s in self.series]


def _check_lags(lags, argname="lags"):
    if isinstance(lags, (bool, np.bool_)) or not isinstance(lags, (int, np.integer)):
        raise DataError(f"{argname} must be a positive integer; got {lags!r}")
    if lags < 1:
        raise DataError(f"{argname} must be a positive integer (the largest lag); got {lags}")
    return int(lags)


def check_timeseries(data, *, lags, time_index=None, sample=None, argname="data"):
    """Validate time-series data and split it into one array per series.

    Parameters
    ----------
    data : DataFrame, ndarray of shape (n_rows, n_columns) or (n_series, length, n_variables)
        One row per time step (and series). A numpy array gets the names
        ``X0..X{d-1}`` and cannot carry role columns; a 3-D array is a stack
        of equally long series (as a CausalTime dataset's ``.data``).
    lags : int
        Largest lag the method will use (>= 1).
    time_index : str, optional
        Column holding the time of each row; rows are sorted by it within each
        series and it is not a variable. Without it the row order is the time
        order.
    sample : str, optional
        Column holding the series id; each id is one independent series.
    argname : str
        Name of the data argument, for messages.

    Returns
    -------
    TimeSeriesData

    Raises
    ------
    DataError
        ``lags`` not a positive integer; a role column that is not in
        ``data``; duplicate times within a series; a series shorter than
        ``lags + 2``; fewer than 2 variables; NaN, inf, constant or
        non-numeric variable columns (see :func:`causalkit.data.check_data`).
    """
    lags = _check_lags(lags)
    if isinstance(data, np.ndarray) and data.ndim == 3:
        if time_index is not None or sample is not None:
            raise DataError(
                f"a 3-D array {argname} (series x time steps x variables) has no columns; "
                "time_index and sample must be None"
            )
        n_series, length, n_vars = data.shape
        frame = pd.DataFrame(data.reshape(n_series * length, n_vars),
                             columns=[f"X{i}" for i in range(n_vars)])
        frame["_series"] = np.repeat(np.arange(n_series), length)
        return check_timeseries(frame, lags=lags, sample="_series", argname=argname)
    if isinstance(data, pd.DataFrame):
        df = data.copy()
        df.columns = [str(c) for c in df.columns]
    else:
        a = np.asarray(data)
        if a.ndim != 2:
            raise DataError(f"{argname} must be 2-dimensional (time steps x variables); got shape {a.shape}")
        df = pd.DataFrame(a, columns=[f"X{i}" for i in range(a.shape[1])])
    roles = {}
    for role, col in (("time_index", time_index), ("sample", sample)):
        if col is None:
            continue
        if not isinstance(col, str):
            raise DataError(f"{role} must be one column name (a str); got {col!r}")
        if col not in df.columns:
            raise DataError(f"{role}={col!r} is not a column of {argname}; columns are {list(df.columns)}")
        roles[role] = col
    if len(set(roles.values())) < len(roles):
        raise DataError("time_index and sample must be different columns")
    value_cols = [c for c in df.columns if c not in roles.values()]
    for role, col in roles.items():
        if df[col].isna().any():
            raise DataError(f"{role} column {col!r} has missing values")
    checked = check_data(df[value_cols], discrete=False, check_collinear=False, min_samples=1,
                         argname=argname)
    values = checked.values
    if "sample" in roles:
        codes, ids = pd.factorize(df[roles["sample"]], sort=True)
    else:
        codes, ids = np.zeros(len(df), dtype=int), [None]
    times = df[roles["time_index"]].to_numpy() if "time_index" in roles else None
    series = []
    for m, sid in enumerate(ids):
        rows = np.flatnonzero(codes == m)
        if times is not None:
            t = times[rows]
            order = np.argsort(t, kind="stable")
            rows, t = rows[order], t[order]
            if len(t) > 1 and np.any(t[1:] == t[:-1]):
                where = "" if sid is None else f" in series {sample}={sid!r}"
                raise DataError(f"time_index column {time_index!r} has duplicate times{where}")
        x = values[rows]
        if len(x) < lags + 2:
            where = "the series" if sid is None else f"series {sample}={sid!r}"
            raise DataError(
                f"{where} has {len(x)} time steps; lags={lags} needs at least lags + 2 = {lags + 2}"
            )
        series.append(np.ascontiguousarray(x))
    return TimeSeriesData(series=series, names=list(checked.names), sample_ids=list(ids))


def lagged_design(series, max_lag, cut=None):
    """Stack the lag windows of every series into one design matrix.

    Parameters
    ----------
    series : list of ndarray of shape (T_m, N)
    max_lag : int
        Lags ``0..max_lag`` become columns.
    cut : int, optional
        Rows ``t < cut`` of each series are left out (default ``max_lag``;
        tigramite's PCMCI cuts ``2 * tau_max``). Must be >= ``max_lag``.

    Returns
    -------
    ndarray of shape (sum_m max(T_m - cut, 0), (max_lag + 1) * N)
        Column ``lag * N + k`` holds variable ``k`` at time ``t - lag``; no
        window crosses from one series into another.
    """
    cut = max_lag if cut is None else cut
    if cut < max_lag:
        raise ValueError(f"cut ({cut}) must be >= max_lag ({max_lag})")
    n_vars = series[0].shape[1]
    blocks = []
    for x in series:
        T = len(x)
        if T <= cut:
            continue
        blocks.append(np.hstack([x[cut - lag:T - lag] for lag in range(max_lag + 1)]))
    if not blocks:
        return np.zeros((0, (max_lag + 1) * n_vars))
    return np.vstack(blocks)


def lagged_names(names, max_lag):
    """Names of the columns of :func:`lagged_design`: ``"x(t)"``, ``"x(t-1)"``, ..."""
    return [f"{n}(t)" if lag == 0 else f"{n}(t-{lag})" for lag in range(max_lag + 1) for n in names]


def score_frame(matrix, names):
    """A labelled cause x effect DataFrame (rows cause, columns effect)."""
    return pd.DataFrame(np.asarray(matrix, dtype=float), index=list(names), columns=list(names))


def lag_frames(cube, names, lags):
    """``{lag: cause x effect DataFrame}`` from an array of shape (N, N, max_lag + 1)."""
    return {int(lag): score_frame(cube[:, :, lag], names) for lag in lags}


def lagged_graph(names, values, p_values, alpha, tau_min=1):
    """The graph of the links with p-value <= ``alpha`` from (N, N, tau_max + 1) arrays.

    ``[i, j, tau]`` is the link ``names[i]`` at ``t - tau`` to ``names[j]`` at
    ``t``. Lagged links become ``-->`` edges; lag-0 links (``tau_min=0``)
    become ``---`` edges, once per pair. Edges carry ``weight`` (the value)
    and ``p_value``.
    """
    from ..graph import CausalGraph

    n = len(names)
    edges, attrs = [], {}
    for tau in range(tau_min, p_values.shape[2]):
        for i in range(n):
            for j in range(n):
                if not p_values[i, j, tau] <= alpha or (tau == 0 and i >= j):
                    continue
                edges.append((names[i], names[j], "-->" if tau > 0 else "---", tau))
                attrs[(names[i], names[j], tau)] = {"weight": float(values[i, j, tau]),
                                                    "p_value": float(p_values[i, j, tau])}
    return CausalGraph(names, edges, edge_attrs=attrs)
