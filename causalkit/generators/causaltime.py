"""CausalTime: realistic time series with a known causal graph.

CausalTime (Cheng, Wang, Xiao, Zhong, Suo and He, ICLR 2024) turns a real
multivariate time series into benchmark data that resemble it and come with a
ground-truth graph. The pipeline, as implemented here:

1. **Preprocess.** Missing values are interpolated linearly in time, each
   variable is standardised (z-score), and the series is cut into windows of
   ``lag`` steps whose target is the *next* step (a window never contains its
   target).
2. **Fit** a neural autoregressive model ``x_t = f(x_{t-lag:t}) + eta_t`` with
   one output head per variable, each a linear autoregression (started at
   its least-squares fit) plus an MLP or LSTM (mean squared error, Adam,
   early stopping on the last ``val_fraction`` of the windows; interpolated
   targets are left out of the loss).
3. **Hypothesised causal graph H.** Expected-gradients attributions (a SHAP
   estimator, like the paper's DeepSHAP) of every head to every input
   variable, averaged over many windows and all lags, normalised, combined
   with the prior graph when one is given, and thresholded to keep the top
   ``threshold`` fraction of off-diagonal pairs; self-loops are always kept
   (see :mod:`._causaltime_attrib` for the exact rule).
4. **Split** the model: the causal term ``f^H`` is a second network whose
   head ``i`` only sees the parents of ``i`` in ``H`` (refitted), the residual
   term is ``r = f - f^H``, and the noise ``eta_i`` gets a normalizing flow
   per variable fitted by maximum likelihood to the residuals of the
   generating equation, ``x_t - f^H - r_{t-1}``, on all windows; by default
   its scale depends on the variable's own recent past
   (``heteroscedastic``). Optionally (``rollout_steps``) both networks are
   first fine-tuned on closed-loop rollouts, against exposure bias.
5. **Generate** autoregressively from (by default fully) observed real seed
   windows, optionally after a discarded burn-in::

       r_t = f(x_{t-lag:t}) - f^H(x_{t-lag:t})
       x_t = f^H(x_{t-lag:t}) + r_{t-1} + eta_t,   eta_t ~ flow

   and return the ``N`` variables and the ``N`` residual channels. Over the
   ``2N`` channels the ground truth (rows cause, columns effect) is
   ``A = [[H, J], [I, 0]]``: ``x_j -> x_i`` at lags ``1..lag`` when
   ``H[j, i] = 1``; every ``x_j -> r_i`` at lags ``1..lag``; ``r_i -> x_i``
   at lag 1. A discovery method is run on all ``2N`` channels (without them
   the residuals act as hidden confounders) and scored on the ``N x N``
   block ``H``. Options that keep ``H`` exact (each acts on one variable
   from its own past): ``damping`` shrinks the predicted change towards the
   variable's last value; ``generate(resolution=..., bounds=...)`` rounds
   each value to the grid the real series is recorded on and clips it to
   the observed range. ``noise_correlation`` correlates the noise within a
   step; the lagged graph then lists that as ``x_i <-> x_j`` at lag 0.
6. **Fidelity**: a discriminative score (ROC AUC of a classifier separating
   real from generated windows), MMD of generated vs real beside MMD of
   held-out real vs real, the mean absolute difference of the lagged
   cross-correlation matrices (beside real vs real), and PCA / t-SNE plots.

Differences from the released code (which has bugs that are not copied
here): the target is never inside the input window; the noise model is a
real flow fitted by maximum likelihood and it is sampled at generation, so
two seeds give different data; the residual term is lagged and added back to
``x``; the ``2N x 2N`` graph follows the paper's formula; generated samples
contain no copied real steps. torch is imported only inside methods.

References
----------
Cheng, Y., Wang, Z., Xiao, T., Zhong, Q., Suo, J. and He, K. (2024).
CausalTime: realistically generated time-series for benchmarking of causal
discovery. ICLR 2024. arXiv:2310.01753.
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..exceptions import DataError, GraphError, UnknownMethodError
from ..graph import CausalGraph
from ._causaltime_model import (ARCHITECTURES, init_linear_heads, make_network, make_windows, predict,
                                prepare_series)
from .timeseries_dataset import TimeSeriesDataset

__all__ = ["CausalTime", "causaltime_dataset", "causaltime_adjacency", "causaltime_graph", "hcg_scores"]

_CHECKPOINT = "causaltime.pt"
# bumped when the networks or the noise model change meaning (2: linear autoregressive term per
# head, noise of the generating equation, own-past noise scale; 3: flows fitted on all windows,
# optional rollout fine-tuning)
_MODEL_VERSION = 3


def causaltime_adjacency(hcg):
    """The ``2N x 2N`` ground truth ``A = [[H, J], [I, 0]]`` (rows cause).

    Parameters
    ----------
    hcg : array-like of shape (N, N)
        The hypothesised causal graph, rows cause, columns effect.

    Returns
    -------
    ndarray of int, shape (2N, 2N)
        Channels ``0..N-1`` are the variables, ``N..2N-1`` their residuals:
        ``A[:N, :N] = H``, ``A[:N, N:] = 1`` (every variable drives every
        residual), ``A[N:, :N] = I`` (residual ``i`` drives variable ``i``),
        ``A[N:, N:] = 0``.

    Examples
    --------
    >>> causaltime_adjacency([[1, 1], [0, 1]])
    array([[1, 1, 1, 1],
           [0, 1, 1, 1],
           [1, 0, 0, 0],
           [0, 1, 0, 0]])
    """
    h = (np.asarray(hcg) != 0).astype(int)
    if h.ndim != 2 or h.shape[0] != h.shape[1]:
        raise GraphError(f"hcg must be square; got shape {h.shape}")
    n = h.shape[0]
    return np.block([[h, np.ones((n, n), dtype=int)], [np.eye(n, dtype=int), np.zeros((n, n), dtype=int)]])


def causaltime_graph(hcg, lag, residual_names=None, *, contemporaneous_confounding=False):
    """The lagged ground-truth :class:`~causalkit.graph.CausalGraph` over ``2N`` channels.

    Parameters
    ----------
    hcg : DataFrame of shape (N, N)
        Labelled HCG, rows cause.
    lag : int
        The generator's window length: ``x`` edges exist at lags ``1..lag``.
    residual_names : list of str, optional
        Names of the residual channels (default ``"<name>_residual"``).
    contemporaneous_confounding : bool, default False
        Add a bidirected edge ``(x_i, x_j, "<->", 0)`` between every pair of
        variables: their noise within a step is correlated (a hidden common
        cause at lag 0, as with ``CausalTime(noise_correlation=True)``).

    Returns
    -------
    CausalGraph
        Edges ``(x_j, x_i, "-->", k)`` for ``H[j, i] = 1`` (self-loops
        included) and ``(x_j, r_i, "-->", k)`` for all ``i, j``, with
        ``k = 1..lag``, and ``(r_i, x_i, "-->", 1)``; a DAG, or an ADMG with
        ``contemporaneous_confounding``.

    Examples
    --------
    >>> h = pd.DataFrame([[1, 0], [1, 1]], index=["a", "b"], columns=["a", "b"])
    >>> causaltime_graph(h, lag=2).has_edge("b", "a", lag=2)
    True
    >>> g = causaltime_graph(h, lag=2, contemporaneous_confounding=True)
    >>> g.kind, g.has_edge("a", "b", lag=0)
    ('admg', True)
    """
    names = [str(n) for n in hcg.index]
    res = residual_names or [f"{n}_residual" for n in names]
    h = hcg.to_numpy() != 0
    edges = []
    for j, src in enumerate(names):
        for i, dst in enumerate(names):
            if h[j, i]:
                edges.extend((src, dst, "-->", k) for k in range(1, lag + 1))
            edges.extend((src, res[i], "-->", k) for k in range(1, lag + 1))
    edges.extend((r, x, "-->", 1) for r, x in zip(res, names))
    if contemporaneous_confounding:
        edges.extend((a, b, "<->", 0) for k, a in enumerate(names) for b in names[k + 1:])
        return CausalGraph(names + list(res), edges, kind="admg")
    return CausalGraph(names + list(res), edges, kind="dag")


def causaltime_dataset(series, prior_graph=None, *, n_samples=480, length=40, seed=0, device="cpu",
                       checkpoint_dir=None, **params):
    """Fit :class:`CausalTime` on ``series`` and generate one dataset (the CLI's entry point).

    Parameters
    ----------
    series : DataFrame, ndarray or list of them
        The real series (see :meth:`CausalTime.fit`).
    prior_graph : array-like, DataFrame or CausalGraph, optional
    n_samples, length, seed : int
        Passed to :meth:`CausalTime.generate`.
    device : str
    checkpoint_dir : str or Path, optional
        Passed to :meth:`CausalTime.fit` (resumes an earlier fit).
    **params
        Settings of :class:`CausalTime` (``lag``, ``hidden``, ``epochs``,
        ``threshold``, ...).

    Returns
    -------
    TimeSeriesDataset
        With ``metadata["fidelity"]`` holding :meth:`CausalTime.fidelity`
        (without plots) of the generated data.

    Raises
    ------
    DataError, GraphError
        As :meth:`CausalTime.fit` and :meth:`CausalTime.generate`.
    """
    model = CausalTime(**params).fit(series, prior_graph=prior_graph, device=device,
                                     checkpoint_dir=checkpoint_dir)
    ds = model.generate(n_samples=n_samples, length=length, seed=seed)
    ds.metadata["fidelity"] = model.fidelity(ds, seed=seed)
    return ds


def hcg_scores(hcg, scores):
    """AUROC and AUPRC of a discovery method's scores against the HCG ``H``.

    Parameters
    ----------
    hcg : DataFrame of shape (N, N)
        The true ``H`` (``TimeSeriesDataset.hcg``), rows cause.
    scores : DataFrame
        The method's cause x effect score matrix over (at least) the ``N``
        variables, for example ``details["scores"]`` of a time-series method
        run on all ``2N`` channels; the ``N x N`` block is taken by label.

    Returns
    -------
    dict
        ``auroc`` and ``auprc`` over the ``N (N - 1)`` off-diagonal pairs
        (the default CausalTime score), and ``auroc_with_diagonal`` and
        ``auprc_with_diagonal`` over all ``N^2`` pairs (self-loops are
        always in ``H``). AUPRC is the average precision.

    Raises
    ------
    GraphError
        If ``scores`` lacks some of ``hcg``'s variables.
    DataError
        If the scores hold NaN or inf.

    Examples
    --------
    >>> import pandas as pd
    >>> h = pd.DataFrame([[1, 1], [0, 1]], index=["a", "b"], columns=["a", "b"])
    >>> s = pd.DataFrame([[0.9, 0.8], [0.1, 0.7]], index=["a", "b"], columns=["a", "b"])
    >>> hcg_scores(h, s)["auroc"]
    1.0
    """
    from sklearn.metrics import average_precision_score, roc_auc_score

    names = [str(v) for v in hcg.index]
    idx, cols = [str(v) for v in scores.index], [str(v) for v in scores.columns]
    missing = [v for v in names if v not in idx or v not in cols]
    if missing:
        raise GraphError(f"scores has no rows/columns for variables {missing}")
    sc = scores.copy()
    sc.index, sc.columns = idx, cols
    sc = sc.loc[names, names].to_numpy(dtype=float)
    truth = hcg.to_numpy() != 0
    if not np.all(np.isfinite(sc)):
        raise DataError("scores holds NaN or inf on the variables' block")
    off = ~np.eye(len(names), dtype=bool)
    out = {}
    for suffix, sel in (("", off), ("_with_diagonal", np.ones_like(off))):
        y, v = truth[sel], sc[sel]
        both = 0 < y.sum() < y.size
        out["auroc" + suffix] = float(roc_auc_score(y, v)) if both else float("nan")
        out["auprc" + suffix] = float(average_precision_score(y, v)) if y.any() else 0.0
    return out


def _check_int(name, value, low):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise DataError(f"{name} must be an integer >= {low}; got {value!r}")
    return int(value)


def _check_float(name, value, low, high, low_open=False):
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    if ok:
        ok = (value > low if low_open else value >= low) and value <= high
    if not ok:
        lo = "(" if low_open else "["
        raise DataError(f"{name} must be a number in {lo}{low}, {high}]; got {value!r}")
    return float(value)


def _value_grid(segments, observed, mean, std, tol=1e-2):
    """Per variable, the spacing of the grid its observed values lie on (input units), 0 if none.

    The values are recovered from the standardised float32 segments, so they
    carry relative errors of about 1e-7. The candidate spacing is the
    smallest gap between distinct values (rounded to 6 significant digits
    of the largest value), itself rounded to 3 significant digits; it is
    accepted when every observed value lies within ``tol`` spacings of a
    multiple ``k * spacing`` and the range spans at least 10 spacings
    (integer-valued counts, prices in cents, concentrations in whole units).
    """
    n = len(mean)
    out = np.zeros(n)
    for i in range(n):
        vals = np.concatenate([seg[obs[:, i], i] for seg, obs in zip(segments, observed)]) * std[i] + mean[i]
        if len(vals) < 3:
            continue
        scale = max(float(np.abs(vals).max()), 1e-300)
        uniq = np.unique(np.round(vals / scale, 6)) * scale
        if len(uniq) < 2:
            continue
        step = float(np.diff(uniq).min())
        if not step > 1e-5 * scale:
            continue
        step = float(f"{step:.3g}")
        k = vals / step
        if np.ptp(k) >= 10 and np.all(np.abs(k - np.round(k)) < tol):
            out[i] = step
    return out


def _to_saveable(obj):
    import torch

    if isinstance(obj, dict):
        return {k: _to_saveable(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_to_saveable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return torch.from_numpy(np.ascontiguousarray(obj))
    return obj


def _from_saved(obj, arrays):
    if isinstance(obj, dict):
        return {k: _from_saved(v, arrays or k == "attribution" or str(k).startswith("flow")) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_from_saved(v, arrays) for v in obj]
    if arrays and hasattr(obj, "numpy") and hasattr(obj, "detach"):
        return obj.detach().cpu().numpy()
    return obj


class CausalTime:
    """Generate realistic time series with a known causal graph from a real one.

    Parameters
    ----------
    lag : int, default 20
        Window length: the model sees ``lag`` past steps.
    hidden : int, default 128
        Width of each head's hidden layers.
    epochs : int, default 100
        Maximum training epochs of each network (early stopping may end
        sooner).
    threshold : float in (0, 1], default 0.25
        Fraction of off-diagonal pairs kept in ``H`` (the released code kept
        the top quarter; the paper does not fix it).
    architecture : {"mlp", "lstm"}, default "mlp"
        Head type (see :func:`._causaltime_model.make_network`); the paper
        used an LSTM.
    batch_size : int, default 256
    lr : float, default 1e-3
        Adam step size.
    patience : int, default 10
        Epochs without validation improvement before stopping.
    val_fraction : float, default 0.2
        Last fraction of the windows (in time) used for early stopping and
        for fitting the noise flows.
    prior_weight : float in [0, 1], default 0.5
        Weight of the prior graph against the attribution score.
    n_attribution_windows : int, default 256
        Windows explained by expected gradients.
    n_baselines : int, default 8
        Baselines per explained window.
    warm_start : bool, default False
        Start the causal model ``f^H`` from the full model's weights (then
        train it with the mask) instead of from scratch, as the paper does.
        Meant to keep ``r = f - f^H`` small: two independent fits differ by
        their own fitting noise, which ``r_{t-1}`` adds to every generated
        step. (On an 8-station AQI check it did not reduce ``r``.)
    flow_layers : int, default 3
        Sinh-arcsinh blocks of each variable's flow.
    flow_steps : int, default 800
        Maximum-likelihood iterations of the flows.
    heteroscedastic : bool, default True
        Let each variable's noise scale depend on its own last value (see
        :mod:`._causaltime_flow`). Only the variable's own past is read, so
        the ground truth is unchanged. ``False``: i.i.d. noise per variable,
        as in the paper.
    noise_correlation : bool, default False
        Draw the noise of the ``N`` variables at one step jointly, with the
        correlation ``noise_corr_`` that the flows' latent values of the
        real residuals have (a Gaussian copula: each variable's noise keeps
        its flow's distribution). The noise stays independent over time, so
        every variable still depends on the past only through its parents
        in ``H`` and the lagged ground truth is exact; but variables then
        share contemporaneous (lag-0) confounding that ``A`` and ``graph``
        do not contain. ``False`` (the paper): independent noise, which
        cannot reproduce series whose variables move together within a
        step (see the docs, "Fidelity"). Used by :meth:`generate` only (not
        part of the fit or its checkpoint).
    rollout_steps : int, default 0
        When positive, each network (``f``, then ``f^H`` with its mask) is
        fine-tuned after its one-step fit on closed-loop rollouts of this
        many steps, fed its own predictions plus resampled residuals (see
        :func:`._causaltime_model.rollout_finetune`), against the exposure
        bias of a model trained on real windows only. ``f^H`` still reads
        only its parents in ``H``, so the ground truth is unchanged. ``0``:
        one-step training only, as in the paper.
    rollout_epochs : int, default 5
        Epochs of that fine-tuning (the weights with the lowest validation
        rollout loss, the one-step fit included, are kept).
    damping : float in (0, 1], default 1.0
        Shrink each generated step's predicted change towards the last
        value: ``x_t = x_{t-1} + damping * (f^H + r_{t-1} - x_{t-1}) +
        eta_t``, with the noise flows fitted to the residuals of this
        equation. A network fitted to many inputs over-predicts the change
        on windows it was not trained on (on AQI-36 the held-out slope of the
        real step on the predicted change is 0.3-0.8, mean 0.55), and in
        closed-loop generation that excess adds to every step. ``x_{t-1}``
        is variable ``i``'s own past, always a parent in ``H``, so the
        ground truth is unchanged. ``1.0``: the paper's equation. The flows
        of each value are kept in the checkpoint under their own key, so a
        fitted checkpoint can be reused with another ``damping``.
    seed : int, default 0
        Seeds weight initialisation, batching and attribution sampling.

    Attributes
    ----------
    names_ : list of str
        The variables.
    hcg_ : DataFrame
        The hypothesised causal graph ``H``, 0/1, rows cause.
    hcg_score_ : DataFrame
        The combined attribution/prior score that was thresholded.
    importance_ : DataFrame
        Mean absolute expected-gradients attribution (rows cause).
    importance_by_lag_ : ndarray of shape (lag, N, N)
    mean_, std_ : ndarray
        The standardisation of each variable.
    history_ : dict
        Validation losses per epoch of ``"full"`` and ``"causal"``.
    flow_nll_ : ndarray
        Mean negative log-likelihood of each variable's noise flow.
    noise_corr_ : DataFrame
        Correlation across variables of the flows' latent values of the
        real residuals (the copula used when ``noise_correlation=True``).
    noise_std_ : ndarray
        Standard deviation of the noise the flows were fitted to: the
        residuals ``x_t - f^H(x_{<t}) - r_{t-1}`` of the generating equation
        (with ``damping < 1``, ``x_t - x_{t-1} - damping (f^H + r_{t-1} -
        x_{t-1})``) on all windows of the real series.
    resolution_ : ndarray
        Per variable, the grid the observed values lie on in the input's
        units (AQI: 1 for PM2.5 in whole micrograms per cubic metre), or 0
        when they lie on none; used by ``generate(resolution="auto")``.
    range_ : ndarray of shape (2, N)
        Smallest and largest observed value of each variable (input units);
        used by ``generate(bounds="auto")``.
    complete_ : bool
        False when ``fit`` stopped at ``max_minutes`` before finishing.

    Examples
    --------
    >>> import statsmodels.api as sm  # doctest: +SKIP
    >>> df = sm.datasets.macrodata.load_pandas().data[["realgdp", "realcons", "realinv"]]  # doctest: +SKIP
    >>> ct = CausalTime(lag=4, hidden=16, epochs=5).fit(df.diff().dropna())  # doctest: +SKIP
    >>> ds = ct.generate(n_samples=10, length=30, seed=1)  # doctest: +SKIP
    >>> ds.data.shape  # doctest: +SKIP
    (10, 30, 6)
    """

    def __init__(self, lag=20, hidden=128, epochs=100, threshold=0.25, *, architecture="mlp",
                 batch_size=256, lr=1e-3, patience=10, val_fraction=0.2, prior_weight=0.5,
                 n_attribution_windows=256, n_baselines=8, warm_start=False, flow_layers=3, flow_steps=800,
                 heteroscedastic=True, noise_correlation=False, rollout_steps=0, rollout_epochs=5, damping=1.0,
                 seed=0):
        self.lag = lag
        self.hidden = hidden
        self.epochs = epochs
        self.threshold = threshold
        self.architecture = architecture
        self.batch_size = batch_size
        self.lr = lr
        self.patience = patience
        self.val_fraction = val_fraction
        self.prior_weight = prior_weight
        self.n_attribution_windows = n_attribution_windows
        self.n_baselines = n_baselines
        self.warm_start = warm_start
        self.flow_layers = flow_layers
        self.flow_steps = flow_steps
        self.heteroscedastic = heteroscedastic
        self.noise_correlation = noise_correlation
        self.rollout_steps = rollout_steps
        self.rollout_epochs = rollout_epochs
        self.damping = damping
        self.seed = seed

    # ------------------------------------------------------------------ checks
    def _check_params(self):
        _check_int("lag", self.lag, 1)
        _check_int("hidden", self.hidden, 1)
        _check_int("epochs", self.epochs, 1)
        _check_int("batch_size", self.batch_size, 1)
        _check_int("patience", self.patience, 1)
        _check_int("n_attribution_windows", self.n_attribution_windows, 1)
        _check_int("n_baselines", self.n_baselines, 1)
        _check_int("flow_layers", self.flow_layers, 1)
        _check_int("flow_steps", self.flow_steps, 1)
        _check_int("seed", self.seed, 0)
        _check_int("rollout_steps", self.rollout_steps, 0)
        _check_int("rollout_epochs", self.rollout_epochs, 1)
        for name in ("heteroscedastic", "noise_correlation"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise DataError(f"{name} must be True or False; got {getattr(self, name)!r}")
        _check_float("threshold", self.threshold, 0.0, 1.0, low_open=True)
        _check_float("prior_weight", self.prior_weight, 0.0, 1.0)
        _check_float("val_fraction", self.val_fraction, 0.0, 0.9, low_open=True)
        _check_float("lr", self.lr, 0.0, 10.0, low_open=True)
        _check_float("damping", self.damping, 0.0, 1.0, low_open=True)
        if self.architecture not in ARCHITECTURES:
            raise DataError(f"architecture must be one of {list(ARCHITECTURES)}; got {self.architecture!r}")

    @staticmethod
    def _check_device(device):
        import torch

        if not isinstance(device, str) or not (device == "cpu" or device.startswith("cuda")):
            raise DataError(f"device must be 'cpu' or 'cuda' (or 'cuda:K'); got {device!r}")
        if device.startswith("cuda") and not torch.cuda.is_available():
            raise DataError(f"device={device!r} was asked for but torch sees no CUDA device; use device='cpu'")
        return device

    @staticmethod
    def _prior_matrix(prior_graph, names):
        n = len(names)
        if prior_graph is None:
            return None
        if isinstance(prior_graph, CausalGraph):
            missing = [v for v in names if v not in prior_graph.nodes]
            if missing:
                raise GraphError(f"prior_graph has no nodes {missing}; it must cover the series' columns {names}")
            idx = {v: k for k, v in enumerate(names)}
            p = np.zeros((n, n))
            for e in prior_graph.edge_list():
                if e.source not in idx or e.target not in idx:
                    continue
                s, t = idx[e.source], idx[e.target]
                p[s, t] = 1.0
                if e.type != "-->":  # undirected, bidirected or circle: either direction is allowed
                    p[t, s] = 1.0
            return p
        if isinstance(prior_graph, pd.DataFrame):
            rows, cols = [str(r) for r in prior_graph.index], [str(c) for c in prior_graph.columns]
            if prior_graph.shape != (n, n):
                raise GraphError(f"prior_graph has shape {prior_graph.shape}; expected ({n}, {n}), "
                                 f"one row and column per variable (rows cause)")
            if sorted(rows) == sorted(names) and sorted(cols) == sorted(names):
                prior_graph = prior_graph.copy()
                prior_graph.index, prior_graph.columns = rows, cols
                arr = prior_graph.loc[names, names].to_numpy(dtype=float)
            else:
                arr = prior_graph.to_numpy(dtype=float)
        else:
            arr = np.asarray(prior_graph, dtype=float)
        if arr.shape != (n, n):
            raise GraphError(f"prior_graph has shape {arr.shape}; expected ({n}, {n}), "
                             f"one row and column per variable (rows cause)")
        if not np.all(np.isfinite(arr)) or arr.min() < 0 or arr.max() > 1:
            raise GraphError("prior_graph entries must be finite and in [0, 1] (1: an edge is expected)")
        return arr

    # ------------------------------------------------------------------ fit
    def fit(self, series, prior_graph=None, device="cpu", *, checkpoint_dir=None, max_minutes=None,
            verbose=False):
        """Fit the autoregressive model, the HCG, the causal model and the noise flows.

        Parameters
        ----------
        series : DataFrame, ndarray or list of them
            The real multivariate series (time x variables), a 3-D array of
            series, or a list of series with the same columns. Missing
            values (NaN) are interpolated.
        prior_graph : ndarray, DataFrame or CausalGraph, optional
            Prior knowledge, ``N x N`` with rows cause and values in
            ``[0, 1]`` (a DataFrame labelled with the variable names is
            reordered to them); a CausalGraph's ``-->`` edges count in their
            direction, other edge types in both.
        device : {"cpu", "cuda", "cuda:K"}
        checkpoint_dir : str or Path, optional
            Where to keep ``causaltime.pt``, written after every epoch and
            stage. A later ``fit`` with the same data, settings and
            directory resumes from it (and returns at once when the fit had
            finished).
        max_minutes : float, optional
            Stop after the epoch that crosses this wall-clock budget, save
            the checkpoint and return with ``complete_ = False`` (a warning
            is emitted). Call ``fit`` again to continue.
        verbose : bool
            Print progress per stage and epoch.

        Returns
        -------
        CausalTime
            ``self``.

        Raises
        ------
        DataError
            On bad settings, a series shorter than ``lag + 2`` steps, an
            all-NaN, constant or non-numeric column, an unavailable device,
            or a checkpoint made from other data or settings.
        GraphError
            If ``prior_graph`` is not ``N x N`` over the series' variables or
            has values outside ``[0, 1]``.
        """
        import torch

        from ._causaltime_attrib import expected_gradients, hcg_from_importance
        from ._causaltime_flow import fit_flows, flow_latent, noise_scale_features

        self._check_params()
        device = self._check_device(device)
        start = time.monotonic()
        deadline = None
        if max_minutes is not None:
            deadline = start + 60.0 * _check_float("max_minutes", max_minutes, 0.0, 1e6)
        lag = self.lag
        prep = prepare_series(series, lag)
        names = prep["names"]
        n = len(names)
        prior = self._prior_matrix(prior_graph, names)
        inputs, targets, target_index, observed = make_windows(prep["segments"], lag, prep["observed"])
        weights = observed.astype(np.float32)
        if len(inputs) < 4:
            raise DataError(f"series gives only {len(inputs)} windows of lag={lag}; use a smaller lag")

        config = {k: getattr(self, k) for k in ("lag", "hidden", "threshold", "architecture", "batch_size",
                                                  "lr", "val_fraction", "prior_weight", "seed", "warm_start",
                                                  "n_attribution_windows", "n_baselines", "flow_layers",
                                                  "heteroscedastic", "rollout_steps", "rollout_epochs")}
        config["model_version"] = _MODEL_VERSION  # checkpoints of an older model design are not resumed
        h = hashlib.sha256(json.dumps(config, sort_keys=True).encode())
        for seg in prep["segments"]:
            h.update(np.ascontiguousarray(seg).tobytes())
        if prior is not None:
            h.update(prior.tobytes())
        fingerprint = h.hexdigest()

        ckpt_path = None
        ckpt = {"fingerprint": fingerprint}
        if checkpoint_dir is not None:
            ckpt_path = Path(checkpoint_dir) / _CHECKPOINT
            ckpt_path.parent.mkdir(parents=True, exist_ok=True)
            if ckpt_path.exists():
                loaded = torch.load(ckpt_path, map_location="cpu", weights_only=True)
                if loaded.get("fingerprint") != fingerprint:
                    raise DataError(f"checkpoint {ckpt_path} was made from other data or settings; "
                                    "use another checkpoint_dir or delete it")
                ckpt = _from_saved(loaded, False)

        def save():
            if ckpt_path is not None:
                tmp = ckpt_path.with_suffix(".tmp")
                torch.save(_to_saveable(ckpt), tmp)
                tmp.replace(ckpt_path)

        def say(msg):
            if verbose:
                print(f"[causaltime {time.monotonic() - start:7.1f}s] {msg}", flush=True)

        def stopped(stage):
            save()
            self.complete_ = False
            warnings.warn(f"CausalTime.fit stopped during stage {stage!r} after max_minutes={max_minutes}; "
                          f"call fit again with checkpoint_dir={str(checkpoint_dir)!r} to resume",
                          RuntimeWarning, stacklevel=3)
            return self

        train_kw = dict(epochs=self.epochs, batch_size=self.batch_size, lr=self.lr, patience=self.patience,
                        val_fraction=self.val_fraction, device=device, seed=self.seed, deadline=deadline)
        ones = np.ones((n, n), dtype=np.float32)

        def fit_stage(key, model, mask, label, intro):
            """Train (or resume, or reload) one network; False when max_minutes ran out."""
            state = ckpt.get(key)
            if state is None or not state.get("done"):
                say(intro)

                def on_epoch(st):
                    ckpt[key] = st
                    save()
                    say(f"{label} epoch {st['epoch']}: validation mse {st['history'][-1]:.4f}")

                state = self._train(model, inputs, targets, weights, mask, state, on_epoch, train_kw)
                ckpt[key] = state
                if not state["done"]:
                    return False
                save()
            else:
                model.load_state_dict(state["best_weights"] or state["model"])
            model.to(device)
            return True

        # 1-2. full model
        torch.manual_seed(self.seed)
        full = make_network(n, lag, self.hidden, self.architecture)
        if ckpt.get("full") is None:  # a fresh fit (a resumed one has its weights in the checkpoint)
            init_linear_heads(full, inputs, targets, weights, ones, self.val_fraction)
        if not fit_stage("full", full, ones, "full model",
                         f"training the full model on {len(inputs)} windows of {lag} steps x {n} variables"):
            return stopped("full")
        full = self._rollout_stage(ckpt, "full_rollout", full, inputs, targets, weights, target_index, ones,
                                   device, save, say)

        # 3. HCG
        att = ckpt.get("attribution")
        if att is None:
            say("expected-gradients attribution")
            importance, by_lag = expected_gradients(
                full, inputs, ones, n_windows=self.n_attribution_windows, n_baselines=self.n_baselines,
                batch_size=max(self.batch_size, self.n_baselines), device=device, seed=self.seed)
            hcg, score = hcg_from_importance(importance, prior, threshold=self.threshold,
                                             prior_weight=self.prior_weight)
            att = {"importance": importance, "by_lag": by_lag, "hcg": hcg.astype(np.int64), "score": score}
            ckpt["attribution"] = att
            save()
        hcg = np.asarray(att["hcg"]) != 0

        # 4. causal model f^H (head i sees the parents of i: effect-row mask H.T)
        torch.manual_seed(self.seed + 1)
        causal = make_network(n, lag, self.hidden, self.architecture)
        mask_h = hcg.T.astype(np.float32)
        state_c = ckpt.get("causal")
        if state_c is None and self.warm_start:
            # start from f: f^H then only has to re-learn what the masked inputs carried,
            # which keeps r = f - f^H small and smooth (two independent fits would
            # differ by their own fitting noise, and r_{t-1} would add it to every step)
            causal.load_state_dict(full.state_dict())
        if state_c is None:
            init_linear_heads(causal, inputs, targets, weights, mask_h, self.val_fraction)
        if not fit_stage("causal", causal, mask_h, "causal model",
                         f"training the causal model f^H ({int(hcg.sum())} edges in H incl. self-loops)"):
            return stopped("causal")
        causal = self._rollout_stage(ckpt, "causal_rollout", causal, inputs, targets, weights, target_index,
                                     mask_h, device, save, say)

        # 4. noise flows on the residuals of the generating equation, x_t - f^H(x_{<t}) - r_{t-1}:
        # the noise that generation adds must be what that equation leaves unexplained in real data
        # (it differs from x_t - f(x_{<t}) by r_t - r_{t-1}). All windows are used: the validation
        # part is the last stretch in time (on AQI the autumn and winter, whose noise is 1.25 times
        # the year's), so a flow fitted on it alone gives noise of the wrong size for the year
        pick = slice(None)
        f_all = predict(full, inputs, ones, device)
        fh_all = predict(causal, inputs, mask_h, device)
        r_all = f_all - fh_all
        has_prev = np.r_[False, target_index[1:, 0] == target_index[:-1, 0]]  # window t-1 exists
        damping = float(self.damping)
        resid_all = np.zeros_like(targets)
        mean_all = fh_all[1:] + r_all[:-1]
        if damping != 1.0:  # x_t = x_{t-1} + damping (f^H + r_{t-1} - x_{t-1}) + eta
            last = inputs[1:, -1, :]
            mean_all = last + damping * (mean_all - last)
        resid_all[1:] = targets[1:] - mean_all
        w_all = weights * has_prev[:, None]
        resid, w = resid_all[pick], w_all[pick]
        feats = None
        if self.heteroscedastic:
            feats = noise_scale_features(torch.as_tensor(inputs[pick])).numpy()
        # the networks do not depend on damping, only the flows: one checkpoint key per value
        flow_key = "flow" if damping == 1.0 else f"flow_damping_{damping:.6g}"
        flow = ckpt.get(flow_key)
        if flow is None:
            say(f"fitting {n} noise flows on {len(resid)} residuals each")
            flow = fit_flows(resid, w, features=feats, n_layers=self.flow_layers, steps=self.flow_steps,
                             device=device, seed=self.seed)
            ckpt[flow_key] = flow
            save()

        # fitted state
        self.names_ = names
        self.n_features_in_ = n
        self.mean_, self.std_ = prep["mean"], prep["std"]
        self.segments_ = prep["segments"]
        self.observed_ = prep["observed"]
        self.device_ = device
        self.full_model_, self.causal_model_ = full.eval(), causal.eval()
        self.flow_ = {k: np.asarray(v) for k, v in flow.items()}
        self.damping_ = damping
        self.resolution_ = _value_grid(prep["segments"], prep["observed"], prep["mean"], prep["std"])
        # observed range of each variable (every column has an observed value: all-NaN ones are refused)
        stacked, seen = np.concatenate(prep["segments"]), np.concatenate(prep["observed"])
        self.range_ = np.stack([np.where(seen, stacked, np.inf).min(axis=0),
                                np.where(seen, stacked, -np.inf).max(axis=0)]) * self.std_ + self.mean_
        self.flow_nll_ = self.flow_["nll"]
        self.noise_std_ = np.sqrt((resid ** 2 * w).sum(0) / np.maximum(w.sum(0), 1))
        # correlation of the flows' latent noise across variables (used with noise_correlation=True)
        rows = (w > 0).all(axis=1)
        corr = np.eye(n)
        if rows.sum() > n + 1:
            lat = flow_latent(self.flow_, resid[rows], None if feats is None else feats[rows])
            corr = np.nan_to_num(np.corrcoef(lat.T), nan=0.0)
            vals, vecs = np.linalg.eigh((corr + corr.T) / 2)
            corr = (vecs * np.clip(vals, 1e-6, None)) @ vecs.T  # positive definite
            d = np.sqrt(np.diag(corr))
            corr = corr / d[:, None] / d[None, :]
        self.noise_corr_ = pd.DataFrame(corr, index=names, columns=names)
        self.hcg_ = pd.DataFrame(hcg.astype(int), index=names, columns=names)
        self.hcg_score_ = pd.DataFrame(np.asarray(att["score"]), index=names, columns=names)
        self.importance_ = pd.DataFrame(np.asarray(att["importance"]), index=names, columns=names)
        self.importance_by_lag_ = np.asarray(att["by_lag"])
        self.history_ = {"full": list(ckpt["full"]["history"]), "causal": list(ckpt["causal"]["history"])}
        for key in ("full_rollout", "causal_rollout"):
            if key in ckpt:
                self.history_[key] = [float(v) for v in ckpt[key]["history"]]
        self.prior_ = prior
        self.complete_ = True
        say("done")
        return self

    def _rollout_stage(self, ckpt, key, model, inputs, targets, weights, target_index, mask, device, save,
                       say):
        """Optional closed-loop fine-tuning of a fitted network (``rollout_steps > 0``); checkpointed."""
        from ._causaltime_model import rollout_finetune

        if self.rollout_steps == 0:
            return model
        done = ckpt.get(key)
        if done is None:
            say(f"{key}: fine-tuning on {self.rollout_steps}-step rollouts ({self.rollout_epochs} epochs)")
            history = rollout_finetune(model, inputs, targets, weights, target_index, mask,
                                       steps=self.rollout_steps, epochs=self.rollout_epochs,
                                       batch_size=self.batch_size, lr=self.lr, val_fraction=self.val_fraction,
                                       device=device, seed=self.seed)
            say(f"{key}: validation rollout loss {[round(v, 4) for v in history]}")
            ckpt[key] = {"weights": {k: v.detach().cpu() for k, v in model.state_dict().items()},
                         "history": history}
            save()
        else:
            model.load_state_dict(done["weights"])
        return model.to(device)

    @staticmethod
    def _train(model, inputs, targets, weights, mask, state, on_epoch, kw):
        from ._causaltime_model import train_regressor

        return train_regressor(model, inputs, targets, weights, mask, state=state, on_epoch=on_epoch, **kw)

    def _check_fitted(self):
        if not getattr(self, "complete_", False):
            raise DataError("this CausalTime is not fitted (or its fit was interrupted); call fit first")

    # ------------------------------------------------------------------ generate
    def residual_names(self):
        """Names of the residual channels, ``"<name>_residual"`` (made unique)."""
        self._check_fitted()
        taken = set(self.names_)
        out = []
        for v in self.names_:
            r = f"{v}_residual"
            while r in taken:
                r += "_"
            taken.add(r)
            out.append(r)
        return out

    def generate(self, n_samples=480, length=40, seed=0, *, burn_in=0, seed_observed=1.0, original_units=False,
                 resolution=None, bounds=None, device=None):
        """Generate series from real seed windows with the fitted model.

        Parameters
        ----------
        n_samples : int, default 480
            Number of series (the paper's benchmark uses 480).
        length : int, default 40
            Generated steps per series; the ``lag + 1`` real seed steps are
            not included.
        seed : int, default 0
            Seeds the choice of seed windows and the noise; the same seed
            gives the same data.
        burn_in : int, default 0
            Steps generated from each seed window and discarded before the
            ``length`` returned steps (the paper starts the output right
            after a real window: ``0``). A burn-in lets every series forget
            its seed, so the returned steps come from the model's own
            stationary behaviour rather than from the seed's episode.
        seed_observed : float in [0, 1], default 1.0
            Seed windows (``lag + 1`` real steps) are drawn from those whose
            fraction of observed (not interpolated) values is at least
            ``seed_observed`` and whose last step is fully observed. ``1.0``:
            only fully observed windows. On series with many gaps (AQI: 13%
            missing over 36 stations) the fully observed windows are few
            (130 of 8739) and cluster in a few polluted episodes, so the
            generated series inherit those episodes' levels; ``0.9`` keeps
            about 2000 seeds spread over the year (see the docs, "Why real
            and generated windows are easy to tell apart"). If fewer than
            20 windows qualify, all windows are used.
        original_units : bool, default False
            Return the variables in the units of the input series
            (``x * std + mean``, residuals ``r * std``) instead of the
            standardised units the model works in.
        resolution : None, "auto", float or array-like of N floats, optional
            Round every generated value, inside the loop, to a multiple of
            this spacing in the input's units (``"auto"``: ``resolution_``, the grid the
            observed values lie on; 0 or NaN leaves a variable unrounded).
            Real series are often recorded on a grid (AQI: whole micrograms
            per cubic metre, so 14% of the real hourly steps in a window are
            exactly zero); continuous generated values then differ from them
            in their smallest steps alone. The rounded value is what the
            next steps read, so each variable is still a function of its
            parents and its own noise and the ground truth is unchanged.
            ``None``: no rounding (the paper).
        bounds : None or "auto", optional
            ``"auto"``: clip every generated value, inside the loop, to the
            range of the variable's observed values (``range_``), for
            series that cannot leave it (AQI: PM2.5 is positive, while
            unclipped generated series went below zero in 5% of the
            values). Like ``resolution`` it acts on each variable alone and
            keeps the ground truth. ``None``: no clipping (the paper).
        device : str, optional
            Defaults to the device used by ``fit``.

        Returns
        -------
        TimeSeriesDataset
            ``data`` of shape ``(n_samples, length, 2N)``: the ``N``
            variables then the ``N`` residual channels; ``graph``, the lagged
            ground truth over the ``2N`` channels; ``hcg``, ``H`` as a
            labelled ``N x N`` DataFrame (rows cause); ``adjacency``, the
            ``2N x 2N`` summary ``A = [[H, J], [I, 0]]``.

        Raises
        ------
        DataError
            If the model is not fitted or an argument is invalid.
        """
        import torch

        from ._causaltime_flow import _to_torch, flow_sample, noise_scale_features

        self._check_fitted()
        if not isinstance(self.noise_correlation, (bool, np.bool_)):  # may have been set after fit
            raise DataError(f"noise_correlation must be True or False; got {self.noise_correlation!r}")
        n_samples = _check_int("n_samples", n_samples, 1)
        length = _check_int("length", length, 1)
        seed = _check_int("seed", seed, 0)
        burn_in = _check_int("burn_in", burn_in, 0)
        seed_observed = _check_float("seed_observed", seed_observed, 0.0, 1.0)
        dev = torch.device(self._check_device(device or self.device_))
        lag, n = self.lag, self.n_features_in_
        grid = self._resolution(resolution)
        if bounds not in (None, "auto"):
            raise DataError(f"bounds must be None or 'auto'; got {bounds!r}")
        rng = np.random.default_rng(seed)
        starts = [(k, t) for k, s in enumerate(self.segments_) for t in range(len(s) - lag)]
        # seed windows made (mostly) of observed values (an interpolated gap is a straight line that
        # would start the series off the data's distribution), unless there are too few of them
        observed = [(k, t) for k, t in starts
                    if self.observed_[k][t + lag].all()
                    and self.observed_[k][t:t + lag + 1].mean() >= seed_observed - 1e-12]
        if len(observed) >= min(20, len(starts)):
            starts = observed
        pick = rng.choice(len(starts), size=n_samples, replace=n_samples > len(starts))
        seeds = np.stack([self.segments_[starts[p][0]][starts[p][1]:starts[p][1] + lag + 1] for p in pick])
        total = burn_in + length
        z = rng.standard_normal((total * n_samples, n)).reshape(total, n_samples, n)
        if self.noise_correlation:
            z = z @ np.linalg.cholesky(self.noise_corr_.to_numpy()).T  # same margins, correlated across variables
        conditional = "scale_w" in self.flow_
        ones = torch.ones((n, n), device=dev)
        mask_h = torch.as_tensor(np.ascontiguousarray(self.hcg_.to_numpy().T, dtype=np.float32), device=dev)
        full, causal = self.full_model_.to(dev).eval(), self.causal_model_.to(dev).eval()
        damping = float(getattr(self, "damping_", 1.0))
        rounding = None
        if grid is not None:  # x (standardised) -> input units, round to the grid, back
            to_t = lambda a: torch.as_tensor(np.asarray(a, dtype=np.float32), device=dev)  # noqa: E731
            has = grid > 0
            rounding = (to_t(self.std_), to_t(self.mean_), to_t(np.where(has, grid, 1.0)),
                        torch.as_tensor(has, device=dev))
        clip = None
        if bounds == "auto":
            lo_hi = (np.asarray(self.range_, dtype=float) - self.mean_) / self.std_
            clip = (torch.as_tensor(lo_hi[0], dtype=torch.float32, device=dev),
                    torch.as_tensor(lo_hi[1], dtype=torch.float32, device=dev))
        out_x = np.empty((n_samples, length, n))
        out_r = np.empty((n_samples, length, n))
        with torch.no_grad():
            seed_t = torch.as_tensor(seeds, dtype=torch.float32, device=dev)
            first = seed_t[:, :lag]
            r_prev = full(first, ones) - causal(first, mask_h)  # residual at the last seed step
            window = seed_t[:, 1:]
            z_t = torch.as_tensor(z, dtype=torch.float32, device=dev)
            flow = _to_torch(self.flow_, dev)
            for t in range(total):
                fh = causal(window, mask_h)
                r_t = full(window, ones) - fh
                eta = flow_sample(flow, z_t[t], noise_scale_features(window) if conditional else None)
                mean = fh + r_prev
                if damping != 1.0:
                    mean = window[:, -1] + damping * (mean - window[:, -1])
                x_t = mean + eta
                if rounding is not None:
                    sd, mu, step, has = rounding
                    snapped = (torch.round((x_t * sd + mu) / step) * step - mu) / sd
                    x_t = torch.where(has, snapped, x_t)
                if clip is not None:
                    x_t = torch.maximum(torch.minimum(x_t, clip[1]), clip[0])
                if t >= burn_in:
                    out_x[:, t - burn_in] = x_t.cpu().numpy()
                    out_r[:, t - burn_in] = r_t.cpu().numpy()
                r_prev = r_t
                window = torch.cat([window[:, 1:], x_t[:, None, :]], dim=1)
        if not np.all(np.isfinite(out_x)) or np.abs(out_x).max() > 1e3:
            warnings.warn("generated series diverged (values beyond 1e3 standard deviations); "
                          "train longer or use a smaller lag", RuntimeWarning, stacklevel=2)
        if original_units:
            out_x = out_x * self.std_ + self.mean_
            out_r = out_r * self.std_
        res_names = self.residual_names()
        columns = list(self.names_) + res_names
        hcg = self.hcg_.copy()
        adjacency = pd.DataFrame(causaltime_adjacency(hcg.to_numpy()), index=columns, columns=columns)
        meta = {
            "generator": "causaltime",
            "params": {k: getattr(self, k) for k in ("lag", "hidden", "epochs", "threshold", "architecture",
                                                     "prior_weight", "heteroscedastic", "noise_correlation",
                                                     "rollout_steps", "seed")},
            "damping": damping,
            "n_samples": n_samples, "length": length, "seed": seed, "burn_in": burn_in,
            "seed_observed": seed_observed,
            "resolution": None if grid is None else [float(v) for v in grid],
            "bounds": bounds,
            "units": "original" if original_units else "standardised",
            "mean": np.asarray(self.mean_), "std": np.asarray(self.std_),
            "variables": list(self.names_), "residuals": res_names,
            # correlated noise adds same-step (lag-0) dependence between the variables: a hidden common
            # cause at lag 0, listed in ``graph`` as x_i <-> x_j at lag 0 (H and A list lagged edges only)
            "contemporaneous_confounding": bool(self.noise_correlation),
        }
        graph = causaltime_graph(hcg, lag, res_names, contemporaneous_confounding=bool(self.noise_correlation))
        return TimeSeriesDataset(np.concatenate([out_x, out_r], axis=2), columns, graph=graph, hcg=hcg,
                                 adjacency=adjacency, metadata=meta)

    def _resolution(self, resolution):
        """The rounding grid of :meth:`generate` as an array of N spacings (0: none), or None."""
        n = self.n_features_in_
        if resolution is None:
            return None
        if isinstance(resolution, str):
            if resolution != "auto":
                raise DataError(f"resolution must be None, 'auto', a number or {n} numbers; got {resolution!r}")
            grid = np.asarray(getattr(self, "resolution_", np.zeros(n)), dtype=float)
        else:
            try:
                grid = np.broadcast_to(np.asarray(resolution, dtype=float), (n,)).copy()
            except (TypeError, ValueError):
                raise DataError(f"resolution must be None, 'auto', a number or {n} numbers (one per variable); "
                                f"got {resolution!r}") from None
            grid = np.where(np.isnan(grid), 0.0, grid)
            if np.any(grid < 0) or not np.all(np.isfinite(grid)):
                raise DataError(f"resolution must be non-negative and finite; got {resolution!r}")
        return grid if np.any(grid > 0) else None

    # ------------------------------------------------------------------ fidelity
    def fidelity(self, generated, *, window=None, n_windows=1000, classifier="tree", plot_dir=None,
                 tsne=True, seed=0, split="grouped", missing="matched", block=None):
        """Compare generated series with the real series the model was fitted on.

        Parameters
        ----------
        generated : TimeSeriesDataset or ndarray of shape (n, T, N) or (n, T, 2N)
            Output of :meth:`generate` (only the ``N`` variable channels are
            compared).
        window : int, optional
            Steps per compared window; default ``min(T, lag, 10)``.
        n_windows : int, default 1000
            Windows drawn from each of: generated, real (first half of the
            series), real (second half).
        classifier : {"tree", "gru", "lstm"}, default "tree"
            Discriminator: gradient-boosted trees on the flattened windows
            (scikit-learn); ``"lstm"``, the paper's LSTM discriminator on the
            window sequence (torch; the released configuration: 2 layers,
            hidden 128, 5 epochs of Adam at lr 1e-3, batches of 32, trained
            and scored on this method's split and missing-value matching;
            deviations listed in
            :func:`._causaltime_fidelity.discriminative_auc`); or ``"gru"``,
            a small GRU (torch). On AQI the trees are the stronger
            discriminator (docs/causaltime.rst, "Fidelity").
        plot_dir : str or Path, optional
            Where to save ``causaltime_pca.png`` and ``causaltime_tsne.png``.
        tsne : bool, default True
            Also draw the t-SNE plot (slower) when ``plot_dir`` is given.
        seed : int
        split : {"grouped", "random"}, default "grouped"
            How the discriminator's windows are split into training and
            held-out windows. ``"grouped"``: the real series is cut into
            blocks of ``block`` steps and whole blocks (and whole generated
            samples) are held out, so a held-out window shares no step with
            a training window. ``"random"``: windows split at random, as the
            released code did; overlapping windows then fall on both sides
            and the classifier recognises the real episodes it was trained
            on (it separates two interleaved halves of the real AQI series
            with AUC 0.80-0.98), so the score measures memorisation.
        missing : {"matched", "matched_pooled", "observed"}, default "matched"
            Treatment of missing (interpolated) values of the real series in
            the discriminator. ``"matched"``: all real windows are used;
            each generated window gets the missing-value pattern of a
            randomly drawn real window, and in both classes the missing
            values are refilled by linear interpolation inside the window,
            so neither class has straight interpolated stretches the other
            lacks. With ``split="grouped"`` a held-out generated window
            draws its pattern from the held-out real blocks and a training
            window from the training blocks (since session 6; see
            :func:`._causaltime_fidelity.match_masks`).
            ``"matched_pooled"``: the same, but every generated window draws
            from all real windows, as before session 6 (the held-out blocks'
            patterns then reach the training set and the classifier learns
            that the training blocks' patterns mean "real": on AQI the mask
            alone scored 0.36); kept to reproduce the numbers stored then.
            ``"observed"``: only fully observed real windows (on AQI-36 619
            of 8750 windows of 10 steps, bunched in a few episodes and more
            polluted than the year).
        block : int, optional
            Block length for ``split="grouped"``; default ``10 * window``.

        Returns
        -------
        dict
            ``discriminative_auc`` (0.5: indistinguishable),
            ``discriminative_auc_self`` (the same classifier and protocol
            separating real windows of even-numbered blocks from those of
            odd-numbered blocks: the level two stretches of the real series
            reach against each other),
            ``mmd`` (generated vs first half of the real series),
            ``mmd_self`` (second half vs first half: the level real data
            reach against itself), ``cross_correlation`` (mean absolute
            difference between the lagged cross-correlation matrices
            ``corr(x_{i,t}, x_{j,t+k})``, ``k = 0..K``, of the generated
            samples and of the first half of the real series; see
            :func:`._causaltime_fidelity.lagged_cross_correlation`),
            ``cross_correlation_self`` (the same, second half vs first
            half), ``cross_correlation_lags`` (``K = min(lag, T - 1)``),
            ``window``, ``classifier``, ``split``, ``missing``,
            ``mask_matching`` (``"same_side"``, ``"pooled"`` or None: where
            the generated windows' missing-value masks were drawn from),
            ``block``,
            ``n_real``, ``n_generated`` (windows available to the
            discriminator) and ``plots`` (list of file paths).

        Raises
        ------
        DataError
            If the model is not fitted, ``generated`` has the wrong shape or
            an argument is invalid.

        Notes
        -----
        For MMD and the plots, real windows are drawn only where every value
        was observed: a window across an interpolated gap is a straight line
        that no generator should imitate. If fewer than 20 such windows
        exist in a half, windows with interpolated values are allowed. The
        discriminator follows ``split`` and ``missing``; ``split="random",
        missing="observed"`` is the protocol of the earlier tables. The
        cross-correlations of the real series likewise use only pairs of
        observed values; those of the generated data pool all samples
        (pairs never cross samples). All comparisons are in the model's
        standardised units (generated data in original units are converted
        back), over the ``N`` variable channels: the residual channels have
        no real counterpart.
        """
        from ._causaltime_fidelity import (cross_correlation_score, embedding_plots, lagged_cross_correlation,
                                           median_bandwidth, mmd, sample_windows)

        self._check_fitted()
        n = self.n_features_in_
        if isinstance(generated, TimeSeriesDataset):
            data = generated.data[:, :, :n]
            if generated.metadata.get("units") == "original":
                data = (data - self.mean_) / self.std_
        else:
            data = np.asarray(generated, dtype=float)
            if data.ndim != 3 or data.shape[2] not in (n, 2 * n):
                raise DataError(f"generated must have shape (n, T, {n}) or (n, T, {2 * n}); got {data.shape}")
            data = data[:, :, :n]
        T = data.shape[1]
        window = min(T, self.lag, 10) if window is None else _check_int("window", window, 1)
        if window > T:
            raise DataError(f"window={window} is longer than the generated series ({T} steps)")
        rng = np.random.default_rng(seed)
        # real windows from two disjoint halves (in time) of the real data
        if classifier not in ("tree", "gru", "lstm"):
            raise UnknownMethodError(f"classifier must be 'tree', 'gru' or 'lstm'; got {classifier!r}")
        if split not in ("grouped", "random"):
            raise DataError(f"split must be 'grouped' or 'random'; got {split!r}")
        if missing not in ("matched", "matched_pooled", "observed"):
            raise DataError(f"missing must be 'matched', 'matched_pooled' or 'observed'; got {missing!r}")
        if split == "grouped":
            block = 10 * window if block is None else _check_int("block", block, window)
        halves = ([], [])
        obs_a, obs_b = [], []
        for seg, obs in zip(self.segments_, self.observed_):
            mid = len(seg) // 2
            for h, part, ok in ((0, seg[:mid], obs[:mid]), (1, seg[mid:], obs[mid:])):
                halves[h].append((part, ok.all(axis=1)))
            obs_a.append(obs[:mid])
            obs_b.append(obs[mid:])
        real_a = sample_windows([p for p, _ in halves[0]], window, n_windows, rng,
                                valid=[v for _, v in halves[0]])
        real_b = sample_windows([p for p, _ in halves[1]], window, n_windows, rng,
                                valid=[v for _, v in halves[1]])
        gen = sample_windows(list(data), window, n_windows, rng)
        if min(len(real_a), len(real_b), len(gen)) < 4:
            raise DataError("too few windows to compare; use a shorter window or more samples")
        bw = median_bandwidth(real_a[: min(len(real_a), 500)])
        # lagged cross-correlations at lags 0..K of the whole series (observed values only)
        max_lag = min(self.lag, T - 1)
        xc_a = lagged_cross_correlation([p for p, _ in halves[0]], max_lag,
                                        valid=[o[:len(p)] for (p, _), o in zip(halves[0], obs_a)])
        xc_b = lagged_cross_correlation([p for p, _ in halves[1]], max_lag,
                                        valid=[o[len(o) - len(p):] for (p, _), o in zip(halves[1], obs_b)])
        xc_g = lagged_cross_correlation(list(data), max_lag)
        auc, auc_self, n_real, n_gen, mask_matching = self._discriminate(
            data, window, n_windows, classifier, seed, split, missing, block, real_a, real_b, gen)
        res = {
            "discriminative_auc": auc,
            "discriminative_auc_self": auc_self,
            "mmd": mmd(gen, real_a, bw),
            "mmd_self": mmd(real_b, real_a, bw),
            "cross_correlation": cross_correlation_score(xc_g, xc_a),
            "cross_correlation_self": cross_correlation_score(xc_b, xc_a),
            "cross_correlation_lags": max_lag,
            "window": window,
            "classifier": classifier,
            "split": split,
            "missing": missing,
            "mask_matching": mask_matching,
            "block": block if split == "grouped" else None,
            "n_real": n_real,
            "n_generated": n_gen,
            "plots": [],
        }
        if plot_dir is not None:
            res["plots"] = [str(p) for p in embedding_plots(real_a, gen, plot_dir, seed=seed, tsne=tsne)]
        return res

    def _discriminate(self, data, window, n_windows, classifier, seed, split, missing, block, real_a, real_b,
                      gen):
        """Discriminative AUC of generated vs real and of real vs real (see :meth:`fidelity`)."""
        from ._causaltime_fidelity import (TEST_FRACTION, _group_split, discriminative_auc, fill_within_window,
                                           match_masks, window_pool)

        n = self.n_features_in_
        if split == "random" and missing == "observed":
            # the earlier protocol: fully observed real windows of both halves, split at random;
            # the real-vs-real reference uses interleaved blocks of 10 windows
            auc = discriminative_auc(np.vstack([real_a, real_b]), gen, seed=seed, classifier=classifier,
                                     n_features=n)
        rng = np.random.default_rng(seed + 7)
        pool_block = block if split == "grouped" else 10 * window
        real, groups, masks = window_pool(self.segments_, window, block=pool_block, observed=self.observed_)
        matched = missing in ("matched", "matched_pooled")
        if matched:
            real = fill_within_window(real, masks)
        else:
            full = masks.all(axis=(1, 2))
            if full.sum() >= 20:
                real, groups = real[full], groups[full]
        g_win, g_groups, _ = window_pool(list(data), window)
        held_out = None
        if split == "grouped" and missing == "matched" and len(np.unique(groups)) > 1 \
                and len(np.unique(g_groups)) > 1:
            # split first, so that each side's generated windows take the masks of the same side's real ones;
            # drawn as discriminative_auc draws it, so only the masks differ from missing="matched_pooled"
            split_rng = np.random.default_rng(seed)
            held_out = (_group_split(groups, TEST_FRACTION, split_rng),
                        _group_split(g_groups, TEST_FRACTION, split_rng))
            g_win = fill_within_window(g_win, match_masks(masks, len(g_win), rng, real_held_out=held_out[0],
                                                          generated_held_out=held_out[1]))
        elif matched:
            g_win = fill_within_window(g_win, match_masks(masks, len(g_win), rng))
        flat_r, flat_g = real.reshape(len(real), -1), g_win.reshape(len(g_win), -1)
        kw = dict(seed=seed, classifier=classifier, n_features=n)
        per_class = 2 * n_windows
        if split == "grouped":
            if len(np.unique(groups)) < 2 or len(np.unique(g_groups)) < 2:
                raise DataError(f"split='grouped' needs at least 2 blocks of the real series and 2 generated "
                                f"samples; got {len(np.unique(groups))} blocks of block={block} steps and "
                                f"{len(np.unique(g_groups))} samples (use a smaller block or split='random')")
            auc = discriminative_auc(flat_r, flat_g, real_groups=groups, generated_groups=g_groups,
                                     n_per_class=per_class, held_out=held_out, **kw)
        elif matched:
            pick_r = rng.choice(len(flat_r), min(per_class, len(flat_r)), replace=False)
            pick_g = rng.choice(len(flat_g), min(per_class, len(flat_g)), replace=False)
            auc = discriminative_auc(flat_r[pick_r], flat_g[pick_g], **kw)
        even = groups % 2 == 0
        if even.sum() < 4 or (~even).sum() < 4 or (split == "grouped" and min(
                len(np.unique(groups[even])), len(np.unique(groups[~even]))) < 2):
            auc_self = float("nan")
        elif split == "grouped":
            auc_self = discriminative_auc(flat_r[even], flat_r[~even], real_groups=groups[even],
                                          generated_groups=groups[~even], n_per_class=per_class, **kw)
        else:
            a, b = flat_r[even], flat_r[~even]
            a = a[rng.choice(len(a), min(per_class, len(a)), replace=False)]
            b = b[rng.choice(len(b), min(per_class, len(b)), replace=False)]
            auc_self = discriminative_auc(a, b, **kw)
        mask_matching = None if not matched else ("same_side" if held_out is not None else "pooled")
        return float(auc), float(auc_self), len(flat_r), len(flat_g), mask_matching
