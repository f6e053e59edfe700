"""Sortability: how much a simple statistic of the data reveals the causal order.

Reisach, Seiler and Weichwald (2021) showed that in many simulated benchmarks
the marginal variance grows along the causal order ("varsortability"), so
sorting the variables by variance recovers much of the true DAG; standardising
the data removes this shortcut. Reisach et al. (2023) showed that the
coefficient of determination ``R^2`` of a variable regressed on all others
also tends to grow along the causal order ("R2-sortability"); since ``R^2`` is
scale-invariant, standardising does *not* remove it.

Both scores share one definition. For a DAG with adjacency matrix ``E`` let
``E^k`` be the set of ordered pairs ``(i, j)`` joined by at least one directed
path of length exactly ``k`` (``k = 1 .. d-1``). For a statistic ``s``
(variance, or ``R^2``)::

    sortability = sum_k sum_{(i, j) in E^k} inc(s_i, s_j)  /  sum_k |E^k|

with ``inc(a, b) = 1`` if ``a < b``, ``1/2`` if ``a == b`` and ``0`` otherwise.
A pair joined by paths of several lengths counts once per length. A score of
``1`` means the statistic always increases along causal paths (sorting by it
recovers the order), ``0`` that it always decreases, ``0.5`` chance level.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exceptions import DataError, GraphError
from ..graph import CausalGraph

__all__ = ["var_sortability", "r2_sortability", "sortability", "r2_coefficients"]


def _aligned(X, graph):
    """(values as float array with columns in graph order, boolean row->col adjacency)."""
    if isinstance(graph, CausalGraph):
        if graph.kind != "dag" and not graph.is_acyclic():
            raise GraphError("sortability needs a DAG")
        names = list(graph.nodes)
        adj = graph.to_adjacency(convention="row->col").to_numpy() != 0
        if isinstance(X, pd.DataFrame):
            missing = [n for n in names if n not in X.columns]
            if missing:
                raise DataError(f"X has no column for graph nodes {missing}")
            X = X[names]
    else:
        if isinstance(graph, pd.DataFrame):
            adj = graph.to_numpy() != 0
            if isinstance(X, pd.DataFrame):
                X = X[[str(c) for c in graph.index]]
        else:
            adj = np.asarray(graph) != 0
        if adj.ndim != 2 or adj.shape[0] != adj.shape[1]:
            raise GraphError(f"graph must be a CausalGraph or a square adjacency matrix; got shape {adj.shape}")
    x = np.asarray(X, dtype=float)
    if x.ndim != 2 or x.shape[1] != adj.shape[0]:
        raise DataError(f"X must have one column per graph node ({adj.shape[0]}); got shape {x.shape}")
    if x.shape[0] < 2:
        raise DataError(f"X needs at least 2 rows; got {x.shape[0]}")
    if not np.all(np.isfinite(x)):
        raise DataError("X contains NaN or inf")
    return x, adj


def sortability(scores, adjacency):
    """Sortability of per-node ``scores`` with respect to a DAG.

    Parameters
    ----------
    scores : array-like of shape (d,)
        One statistic per node (variance, ``R^2``, ...).
    adjacency : array-like of shape (d, d)
        Nonzero ``[i, j]`` means ``i -> j`` (convention ``row->col``).

    Returns
    -------
    float
        In ``[0, 1]``; ``nan`` when the graph has no edge (no ordered pair to
        score).
    """
    s = np.asarray(scores, dtype=float)
    e = (np.asarray(adjacency) != 0).astype(np.int64)
    d = e.shape[0]
    inc = (s[:, None] < s[None, :]) + 0.5 * (s[:, None] == s[None, :])
    reach = e.copy()
    n_pairs = 0
    n_ordered = 0.0
    for _ in range(max(d - 1, 0)):
        if not reach.any():
            break
        n_pairs += int(reach.sum())
        n_ordered += float((inc * reach).sum())
        reach = ((reach @ e) > 0).astype(np.int64)
    return n_ordered / n_pairs if n_pairs else float("nan")


def r2_coefficients(X):
    """``R^2`` of each column regressed (OLS, with intercept) on all the others.

    Computed from the inverse correlation matrix: ``R^2_i = 1 - 1 / (C^{-1})_{ii}``.

    Parameters
    ----------
    X : array-like of shape (n_samples, d)

    Returns
    -------
    ndarray of shape (d,)
    """
    x = np.asarray(X, dtype=float)
    if x.shape[1] == 1:
        return np.zeros(1)
    c = np.corrcoef(x, rowvar=False)
    try:
        prec = np.linalg.inv(c)
    except np.linalg.LinAlgError:
        prec = np.linalg.pinv(c)
    return np.clip(1.0 - 1.0 / np.diag(prec), 0.0, 1.0)


def var_sortability(X, graph):
    """Var-sortability of data with respect to its true DAG (Reisach et al. 2021).

    Parameters
    ----------
    X : DataFrame or array of shape (n_samples, d)
        The data. A DataFrame is matched to the graph's nodes by column name;
        an array must have its columns in ``graph.nodes`` order.
    graph : CausalGraph or array-like of shape (d, d)
        The true DAG; a matrix is read with convention ``row->col``.

    Returns
    -------
    float
        Fraction of causal pairs (counted once per path length, see the
        module docstring) along which the marginal variance increases; ties
        count one half. ``nan`` when the graph has no edge.

    Raises
    ------
    DataError
        If ``X`` does not match the graph, or holds NaN/inf.

    References
    ----------
    Reisach, A. G., Seiler, C. and Weichwald, S. (2021). Beware of the
    simulated DAG! Causal discovery benchmarks may be easy to game. NeurIPS.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=2000); b = 2 * a + rng.normal(size=2000)
    >>> var_sortability(np.c_[a, b], [[0, 1], [0, 0]])
    1.0
    """
    x, adj = _aligned(X, graph)
    return sortability(x.var(axis=0), adj)


def r2_sortability(X, graph):
    """R2-sortability of data with respect to its true DAG (Reisach et al. 2023).

    Same definition as :func:`var_sortability` with the variance replaced by
    the ``R^2`` of each variable regressed linearly on all the others
    (:func:`r2_coefficients`). ``R^2`` does not change when columns are
    rescaled, so standardising the data leaves this score unchanged.

    Parameters
    ----------
    X : DataFrame or array of shape (n_samples, d)
    graph : CausalGraph or array-like of shape (d, d)

    Returns
    -------
    float
        In ``[0, 1]``; ``nan`` when the graph has no edge.

    References
    ----------
    Reisach, A. G. et al. (2023). A scale-invariant sorting criterion to find a causal order in
    additive noise models. NeurIPS.
    """
    x, adj = _aligned(X, graph)
    return sortability(r2_coefficients(x), adj)
