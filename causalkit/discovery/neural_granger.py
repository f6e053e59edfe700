r"""Neural Granger causality with component-wise MLPs (cMLP; Tank et al. 2021).

Each variable :math:`X^j` gets its own network predicting :math:`X^j_t` from
the last :math:`K` values of all variables,

.. math::

    \hat X^j_t = w_2^{j\top} \sigma\Big(\sum_{i=1}^{N} \sum_{k=1}^{K}
                 W^{j}_{1,:,i,k} X^i_{t-k} + b^j_1\Big) + b^j_2 ,

and the input weights of each candidate cause :math:`i` form one group
:math:`W^j_{1,:,i,:}`. Training minimises the mean squared error plus a group
lasso :math:`\lambda \sum_i \lVert W^j_{1,:,i,:} \rVert_F` (and a ridge
penalty on the output layer) by proximal gradient descent: after each
gradient step every group is shrunk by
:math:`\max(0, 1 - \eta\lambda / \lVert W \rVert_F)`, which sets whole groups
exactly to zero. :math:`X^i` Granger-causes :math:`X^j` when its group is
non-zero; the group norm is the score.

All :math:`N` networks are trained together as one batched model (weights of
shape ``(N, hidden, N, K)``). torch is imported only when the function runs.

References
----------
Tank, A., Covert, I., Foti, N., Shojaie, A. and Fox, E. B. (2021). Neural
Granger causality. *IEEE TPAMI* 44(8), 4267-4279.
"""

from __future__ import annotations

import time

import numpy as np

from ..exceptions import DataError, UnknownMethodError
from ..graph import CausalGraph
from ..result import DiscoveryResult
from ._timeseries import check_timeseries, lag_frames, lagged_design, score_frame

__all__ = ["neural_granger"]


def _positive(value, name, integer=False):
    ok = isinstance(value, (int, np.integer)) if integer else isinstance(value, (int, float, np.floating))
    if isinstance(value, bool) or not ok or value <= 0:
        kind = "a positive integer" if integer else "a positive number"
        raise DataError(f"{name} must be {kind}; got {value!r}")
    return value


def neural_granger(data, *, lags, time_index=None, sample=None, alpha=None, ci_test="auto",
                   hidden=10, lam=0.05, ridge=1e-2, lr=0.05, max_iter=2000, tol=1e-6,
                   lag_fraction=0.5, seed=0, device="cpu", n_threads=None):
    r"""Estimate Granger causality with component-wise MLPs and a group lasso.

    Parameters
    ----------
    data : DataFrame or ndarray
        As in :func:`causalkit.discovery.pcmci.pcmci`. Each variable is
        standardised (pooled over series) before training.
    lags : int
        ``K``, the input window of every network.
    time_index, sample : str, optional
        Role columns (series ids, time order); windows never cross series.
    alpha : float, optional
        Accepted for the common ``discover`` signature and not used: the
        sparsity comes from ``lam``.
    ci_test : {"auto"}
        Accepted for the common signature; only ``"auto"``.
    hidden : int, default 10
        Hidden units per network.
    lam : float, default 0.05
        Group-lasso strength :math:`\lambda`; larger gives sparser graphs.
    ridge : float, default 0.01
        Ridge penalty on the output layer.
    lr : float, default 0.05
        Step size of the proximal gradient descent (full batch).
    max_iter : int, default 2000
        Gradient steps.
    tol : float, default 1e-6
        Stop when the objective changes by less than ``tol`` (relative) over
        50 steps.
    lag_fraction : float, default 0.5
        A non-zero pair gets an edge at every lag whose weight norm is at least
        this fraction of its largest lag norm.
    seed : int, default 0
        Seed of the weight initialisation.
    device : str, default "cpu"
        torch device.
    n_threads : int, optional
        CPU threads torch may use during this call (restored afterwards);
        default: torch's setting. On a small shared machine ``1`` is often
        fastest: the per-step matrices are small.

    Returns
    -------
    DiscoveryResult
        ``graph``: ``-->`` edges for the non-zero groups, at their dominant
        lags, ``weight`` the group norm. ``details``: ``"scores"`` (cause x
        effect DataFrame of group norms :math:`\lVert W^j_{1,:,i,:} \rVert_F`),
        ``"lag_norms"`` (``{lag: DataFrame}``), ``"loss"`` (final mean squared
        error per variable), ``"n_iter"``.

    Raises
    ------
    DataError
        Invalid data or non-positive hyper-parameters.
    UnknownMethodError
        ``ci_test`` other than ``"auto"``.
    ImportError
        torch is not installed.

    Notes
    -----
    Plain proximal gradient with a fixed step (Tank et al. use the same
    proximal step with a line search, GISTA). The result depends on ``lam``;
    for ranking metrics (AUROC) use ``details["scores"]``, which are less
    sensitive to it than the graph.

    References
    ----------
    Tank, A., Covert, I., Foti, N., Shojaie, A. and Fox, E. B. (2021). Neural
    Granger causality. *IEEE TPAMI* 44(8), 4267-4279.
    """
    start = time.perf_counter()
    if ci_test not in ("auto", None):
        raise UnknownMethodError(f"neural_granger has no independence test; ci_test must be 'auto', "
                                 f"got {ci_test!r}")
    _positive(hidden, "hidden", integer=True)
    _positive(max_iter, "max_iter", integer=True)
    _positive(lr, "lr")
    for v, name in ((lam, "lam"), (ridge, "ridge"), (tol, "tol"), (lag_fraction, "lag_fraction")):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
            raise DataError(f"{name} must be a non-negative number; got {v!r}")
    ts = check_timeseries(data, lags=lags, time_index=time_index, sample=sample)
    try:
        import torch
    except ImportError:
        raise ImportError("neural_granger needs torch (the causalkit[torch] extra)") from None

    if n_threads is not None:
        _positive(n_threads, "n_threads", integer=True)
        previous = torch.get_num_threads()
        torch.set_num_threads(int(n_threads))
    try:
        return _fit(torch, ts, int(lags), time_index, sample, hidden, lam, ridge, lr, max_iter, tol,
                    lag_fraction, seed, device, start)
    finally:
        if n_threads is not None:
            torch.set_num_threads(previous)


def _fit(torch, ts, K, time_index, sample, hidden, lam, ridge, lr, max_iter, tol, lag_fraction, seed,
         device, start):
    names, N = ts.names, ts.n_variables
    pooled = np.vstack(ts.series)
    mean, sd = pooled.mean(axis=0), pooled.std(axis=0)
    design = lagged_design([(x - mean) / sd for x in ts.series], K)
    n = len(design)
    if n < 2:
        raise DataError(f"only {n} windows of length lags + 1 = {K + 1}; use longer series")
    dtype = torch.float32
    Y = torch.as_tensor(design[:, :N], dtype=dtype, device=device)  # (n, N)
    X = torch.as_tensor(design[:, N:].reshape(n, K, N).transpose(0, 2, 1).copy(),
                        dtype=dtype, device=device)  # (n, N, K)
    gen = torch.Generator(device="cpu").manual_seed(int(seed))
    scale = 1.0 / np.sqrt(N * K)
    W1 = (torch.rand((N, hidden, N, K), generator=gen) * 2 - 1).mul_(scale).to(device).requires_grad_()
    b1 = torch.zeros((N, hidden), device=device, requires_grad=True)
    W2 = (torch.rand((N, hidden), generator=gen) * 2 - 1).mul_(1 / np.sqrt(hidden)).to(device)
    W2.requires_grad_()
    b2 = torch.zeros(N, device=device, requires_grad=True)

    def forward():
        h = torch.relu(torch.einsum("nik,jhik->njh", X, W1) + b1)
        return (h * W2).sum(-1) + b2

    def prox_(W):
        with torch.no_grad():
            norm = W.pow(2).sum(dim=(1, 3), keepdim=True).sqrt()  # (N, 1, N, 1)
            W.mul_(torch.clamp(1 - lr * lam / norm.clamp_min(1e-12), min=0.0))

    history, it = [], 0
    for it in range(1, int(max_iter) + 1):
        mse = ((forward() - Y) ** 2).mean(dim=0)  # per target
        loss = mse.sum() + ridge * W2.pow(2).sum()
        for p in (W1, b1, W2, b2):
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in (W1, b1, W2, b2):
                p.sub_(lr * p.grad)
        prox_(W1)
        with torch.no_grad():
            obj = float(loss) + lam * float(W1.pow(2).sum(dim=(1, 3)).sqrt().sum())
        history.append(obj)
        if not np.isfinite(obj):
            raise DataError(f"training diverged at step {it}; use a smaller lr (got {lr})")
        if it > 50 and abs(history[-51] - obj) <= tol * max(abs(obj), 1.0):
            break

    with torch.no_grad():
        Wn = W1.detach().cpu().numpy()  # (effect, h, cause, lag)
        final_mse = ((forward() - Y) ** 2).mean(dim=0).cpu().numpy()
    lag_norms = np.sqrt((Wn ** 2).sum(axis=1)).transpose(1, 0, 2)  # (cause, effect, lag-1)
    scores = np.sqrt((lag_norms ** 2).sum(axis=2))
    edges, attrs = [], {}
    for i in range(N):
        for j in range(N):
            if scores[i, j] <= 0:
                continue
            top = lag_norms[i, j].max()
            for k in np.flatnonzero(lag_norms[i, j] >= lag_fraction * top):
                edges.append((names[i], names[j], "-->", int(k) + 1))
                attrs[(names[i], names[j], int(k) + 1)] = {"weight": float(scores[i, j])}
    cube = np.concatenate([np.zeros((N, N, 1)), lag_norms], axis=2)
    details = {
        "scores": score_frame(scores, names),
        "lag_norms": lag_frames(cube, names, range(1, K + 1)),
        "loss": dict(zip(names, map(float, final_mse))),
        "n_iter": it,
    }
    params = {"lags": K, "time_index": time_index, "sample": sample, "hidden": hidden, "lam": lam,
              "ridge": ridge, "lr": lr, "max_iter": max_iter, "tol": tol,
              "lag_fraction": lag_fraction, "seed": seed, "device": str(device)}
    return DiscoveryResult(graph=CausalGraph(names, edges, edge_attrs=attrs), algorithm="neural_granger",
                           params=params, runtime_s=time.perf_counter() - start, details=details)
