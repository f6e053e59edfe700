"""CausalTime, step 1-2: preprocessing, windows and the autoregressive network.

The windows are built so that a window *never* contains its target: the input
of window ``k`` is ``x[t-lag : t]`` (steps ``t-lag, ..., t-1``) and its target
is ``x[t]``. (The released CausalTime code used ``x[k : k+20]`` as input and
``x[k+1]`` as target, so the target sat inside the window.)

The network has one head per variable. Head ``i`` sees the window multiplied
by ``mask[i]`` (``mask[i, j] = 1`` means variable ``j`` may drive ``i``; note
the effect-row layout, the transpose of the cause-row graph ``H``), so the
same class gives the full model ``f`` (mask of ones) and the causal model
``f^H`` (mask ``H.T``). torch is imported only inside functions.
"""

from __future__ import annotations

import copy
import math
import time

import numpy as np
import pandas as pd

from ..exceptions import DataError

__all__ = ["prepare_series", "make_windows", "make_network", "init_linear_heads", "train_regressor",
           "ARCHITECTURES"]

ARCHITECTURES = ("mlp", "lstm")


# ---------------------------------------------------------------------- data
def _as_frames(series):
    if isinstance(series, (list, tuple)):
        if not series:
            raise DataError("series is an empty list; pass a DataFrame, a 2-D array or a list of them")
        frames = [_as_frame(s, k) for k, s in enumerate(series)]
        names = list(frames[0].columns)
        for k, f in enumerate(frames):
            if list(f.columns) != names:
                raise DataError(f"series[{k}] has columns {list(f.columns)}, expected {names}")
        return frames
    arr = series if isinstance(series, pd.DataFrame) else np.asarray(series)
    if isinstance(arr, np.ndarray) and arr.ndim == 3:
        return [_as_frame(a, k) for k, a in enumerate(arr)]
    return [_as_frame(series, None)]


def _as_frame(s, k):
    where = "series" if k is None else f"series[{k}]"
    if isinstance(s, pd.DataFrame):
        frame = s.copy()
    else:
        arr = np.asarray(s)
        if arr.ndim != 2:
            raise DataError(f"{where} must be 2-D (time x variables); got shape {arr.shape}")
        frame = pd.DataFrame(arr, columns=[f"X{i}" for i in range(arr.shape[1])])
    frame.columns = [str(c) for c in frame.columns]
    bad = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if bad:
        raise DataError(f"{where} has non-numeric columns {bad}; CausalTime needs numeric variables")
    return frame.astype(float).reset_index(drop=True)


def prepare_series(series, lag):
    """Check, interpolate and standardise the real series.

    Parameters
    ----------
    series : DataFrame, ndarray or list of them
        One long series (time x variables), a 3-D array (series x time x
        variables) or a list of series with the same columns (windows never
        cross from one to the next).
    lag : int
        Window length; each series needs at least ``lag + 2`` steps.

    Returns
    -------
    dict
        ``names``, ``segments`` (list of standardised float arrays without
        NaN), ``observed`` (list of boolean arrays, False where the value was
        missing and interpolated), ``mean`` and ``std`` (per variable).

    Raises
    ------
    DataError
        On a non-numeric or all-missing column, infinite values, a constant
        column, fewer than two variables, or a series shorter than ``lag + 2``.

    Notes
    -----
    Missing values are filled by linear interpolation in time within each
    series (constant extrapolation at the ends), as in the released code.
    Each variable is then standardised (z-score over all series). The
    released code min-max scaled all variables together with one global
    scaler; a per-variable z-score keeps the noise model and the network's
    inputs on a common scale when the variables have different units.
    """
    frames = _as_frames(series)
    names = list(frames[0].columns)
    if len(names) < 2:
        raise DataError(f"series needs at least 2 variables; got {len(names)}")
    for k, f in enumerate(frames):
        if len(f) < lag + 2:
            where = "series" if len(frames) == 1 else f"series[{k}]"
            raise DataError(f"{where} has {len(f)} time steps; CausalTime with lag={lag} needs at "
                            f"least lag + 2 = {lag + 2} (a window of lag steps, its target and one more)")
        vals = f.to_numpy()
        if np.isinf(vals).any():
            cols = [names[j] for j in np.where(np.isinf(vals).any(axis=0))[0]]
            raise DataError(f"series has infinite values in columns {cols}")
    stacked = pd.concat(frames, ignore_index=True)
    empty = [c for c in names if stacked[c].isna().all()]
    if empty:
        raise DataError(f"columns {empty} are entirely missing (NaN); drop them before fitting CausalTime")
    mean = stacked.mean().to_numpy()
    std = stacked.std(ddof=0).to_numpy()
    const = [names[j] for j in np.where(~(std > 0))[0]]
    if const:
        raise DataError(f"columns {const} are constant; CausalTime cannot model them")
    segments, observed = [], []
    for f in frames:
        obs = f.notna().to_numpy()
        filled = f.interpolate(method="linear", limit_direction="both", axis=0)
        filled = filled.fillna(pd.Series(mean, index=names))  # a column missing in this whole series
        segments.append(((filled.to_numpy() - mean) / std).astype(np.float32))
        observed.append(obs)
    return {"names": names, "segments": segments, "observed": observed, "mean": mean, "std": std}


def make_windows(segments, lag, observed=None):
    """Windows of ``lag`` past steps and the next step as target.

    Parameters
    ----------
    segments : list of ndarray of shape (T_k, N)
    lag : int
    observed : list of bool ndarray of shape (T_k, N), optional

    Returns
    -------
    inputs : ndarray of shape (M, lag, N)
        ``inputs[m] = seg[t-lag : t]``.
    targets : ndarray of shape (M, N)
        ``targets[m] = seg[t]``, the step right after the window.
    target_index : ndarray of shape (M, 2)
        ``(segment, t)`` of each target, so a caller can check that ``t`` is
        not among the window's steps ``t-lag, ..., t-1``.
    target_observed : ndarray of shape (M, N)
        False where the target value was interpolated.
    """
    xs, ys, idx, obs = [], [], [], []
    for k, seg in enumerate(segments):
        seg = np.asarray(seg, dtype=np.float32)
        T = seg.shape[0]
        if T < lag + 1:
            continue
        win = np.lib.stride_tricks.sliding_window_view(seg, lag, axis=0)[: T - lag]  # (M, N, lag)
        xs.append(np.ascontiguousarray(win.transpose(0, 2, 1)))
        ys.append(seg[lag:])
        t = np.arange(lag, T)
        idx.append(np.stack([np.full_like(t, k), t], axis=1))
        obs.append(np.ones_like(seg[lag:], dtype=bool) if observed is None else observed[k][lag:])
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(idx), np.concatenate(obs)


# ---------------------------------------------------------------------- networks
def make_network(n_vars, lag, hidden, architecture="mlp"):
    """Build the head-per-variable autoregressive network (a torch module).

    Parameters
    ----------
    n_vars, lag, hidden : int
    architecture : {"mlp", "lstm"}
        ``"mlp"``: each head is its own 3-layer MLP on the flattened masked
        window (no weights shared). ``"lstm"``: each head has its own input
        embedding and output layer around a shared 2-layer LSTM, as in the
        paper.

    Returns
    -------
    torch.nn.Module
        ``forward(x, mask)`` maps windows ``(B, lag, N)`` and a mask
        ``(N, N)`` (effect rows) to predictions ``(B, N)``;
        ``forward_heads(xh)`` takes the per-head masked inputs
        ``(B, N, lag, N)`` directly (used for attributions).

    Notes
    -----
    Every head is a linear autoregression on its masked window plus the
    nonlinear network: ``f_i(x) = a_i . (m_i * x) + b_i + g_i(m_i * x)``.
    ``g_i``'s output layer starts at zero and :func:`init_linear_heads` sets
    ``a_i, b_i`` to the least-squares fit on the parents, so training starts
    from the best linear (VAR) model on ``H`` and the network learns the
    departures from it. The linear term sees the same masked inputs as
    ``g_i``, so ``f^H`` still depends only on the parents in ``H``. Without
    it a small or briefly trained network predicts worse than persistence
    on strongly autocorrelated series (AQI: one-step residuals larger than
    the series' own step changes), and under autoregression the stations
    drift apart (see the CausalTime docs, "Fidelity").
    """
    import torch
    from torch import nn

    class _Heads(nn.Module):
        def __init__(self):
            super().__init__()
            # linear autoregressive term of each head; starts as persistence x_{i,t-1}
            lin = torch.zeros(n_vars, lag, n_vars)
            lin[torch.arange(n_vars), -1, torch.arange(n_vars)] = 1.0
            self.lin_w = nn.Parameter(lin.reshape(n_vars, lag * n_vars))
            self.lin_b = nn.Parameter(torch.zeros(n_vars))

        def forward(self, x, mask):
            return self.forward_heads(x[:, None, :, :] * mask[None, :, None, :])

        def forward_heads(self, xh):
            b = xh.shape[0]
            linear = torch.einsum("bnk,nk->bn", xh.reshape(b, n_vars, -1), self.lin_w) + self.lin_b
            return linear + self.change(xh)

    class HeadwiseMLP(_Heads):
        def __init__(self):
            super().__init__()
            fan = lag * n_vars

            def p(*shape, fan_in):
                return nn.Parameter(torch.empty(*shape).uniform_(-1, 1) / math.sqrt(fan_in))

            self.w1, self.b1 = p(n_vars, fan, hidden, fan_in=fan), p(n_vars, hidden, fan_in=fan)
            self.w2, self.b2 = p(n_vars, hidden, hidden, fan_in=hidden), p(n_vars, hidden, fan_in=hidden)
            # zero output layer: the untrained network is the persistence forecast
            self.w3, self.b3 = nn.Parameter(torch.zeros(n_vars, hidden)), nn.Parameter(torch.zeros(n_vars))

        def change(self, xh):
            b = xh.shape[0]
            h = torch.einsum("bnk,nkh->bnh", xh.reshape(b, n_vars, -1), self.w1) + self.b1
            h = torch.nn.functional.silu(h)
            h = torch.nn.functional.silu(torch.einsum("bnh,nhg->bng", h, self.w2) + self.b2)
            return torch.einsum("bnh,nh->bn", h, self.w3) + self.b3

    class HeadwiseLSTM(_Heads):
        def __init__(self):
            super().__init__()
            self.embed = nn.Parameter(torch.empty(n_vars, n_vars, hidden).uniform_(-1, 1) / math.sqrt(n_vars))
            self.embed_bias = nn.Parameter(torch.zeros(n_vars, hidden))
            self.lstm = nn.LSTM(hidden, hidden, num_layers=2, batch_first=True)
            self.out = nn.Parameter(torch.zeros(n_vars, hidden))  # starts as the persistence forecast
            self.out_bias = nn.Parameter(torch.zeros(n_vars))

        def change(self, xh):
            b, n, t, _ = xh.shape
            e = torch.einsum("bntj,njh->bnth", xh, self.embed) + self.embed_bias[None, :, None, :]
            h, _ = self.lstm(e.reshape(b * n, t, hidden))
            last = h[:, -1, :].reshape(b, n, hidden)
            return torch.einsum("bnh,nh->bn", last, self.out) + self.out_bias

    if architecture == "mlp":
        return HeadwiseMLP()
    if architecture == "lstm":
        return HeadwiseLSTM()
    raise DataError(f"architecture must be one of {ARCHITECTURES}; got {architecture!r}")


def init_linear_heads(model, inputs, targets, weights, mask, val_fraction,
                      ridges=(1e-3, 1e-2, 1e-1, 1.0, 10.0)):
    """Set each head's linear term to the ridge least-squares fit on its parents.

    Head ``i`` regresses ``targets[:, i]`` on the flattened window restricted
    to the inputs ``j`` with ``mask[i, j] = 1`` (all lags), over the training
    windows (the last ``val_fraction`` are left out, as in
    :func:`train_regressor`) whose target was observed. The ridge penalty,
    ``lambda`` times the mean diagonal of the Gram matrix, is chosen per head
    from ``ridges`` by the mean squared error on the validation windows
    (collinear inputs, such as yields of neighbouring maturities, otherwise
    give huge coefficients of opposite signs and an explosive simulation).

    Parameters
    ----------
    model : torch.nn.Module
        From :func:`make_network`; its ``lin_w`` and ``lin_b`` are set.
    inputs, targets, weights : ndarray
        ``(M, lag, N)``, ``(M, N)``, ``(M, N)``.
    mask : ndarray of shape (N, N)
        Effect-row mask.
    val_fraction : float
    ridges : sequence of float
        Candidate relative penalties.

    Returns
    -------
    torch.nn.Module
        ``model``.
    """
    import torch

    M, lag, n = inputs.shape
    n_train = max(1, M - max(1, int(round(M * val_fraction))))
    X = inputs.reshape(M, lag * n).astype(np.float64)
    w = np.zeros((n, lag * n))
    w[np.arange(n), (lag - 1) * n + np.arange(n)] = 1.0  # persistence when a head cannot be fitted
    b = np.zeros(n)
    for i in range(n):
        cols = np.flatnonzero(np.tile(np.asarray(mask[i]) != 0, lag))  # flattened index l * n + j
        rows = np.asarray(weights[:n_train, i]) > 0
        if rows.sum() <= 2:
            continue
        Xi = X[:n_train][rows][:, cols]
        mu = Xi.mean(axis=0)
        yi = targets[:n_train, i][rows].astype(np.float64)
        ym = yi.mean()
        Xc = Xi - mu
        G = Xc.T @ Xc
        rhs = Xc.T @ (yi - ym)
        scale = max(np.trace(G) / len(cols), 1e-12)
        vrows = np.asarray(weights[n_train:, i]) > 0
        Xv = X[n_train:][vrows][:, cols] - mu
        yv = targets[n_train:, i][vrows].astype(np.float64) - ym
        best = None
        for lam in ridges:
            coef = np.linalg.solve(G + lam * scale * np.eye(len(cols)), rhs)
            # no validation rows: -lam makes the largest (safest) ridge the minimum
            err = float(np.mean((Xv @ coef - yv) ** 2)) if len(yv) else -lam
            if best is None or err < best[0]:
                best = (err, coef)
        w[i] = 0.0
        w[i, cols] = best[1]
        b[i] = ym - mu @ best[1]
    with torch.no_grad():
        model.lin_w.copy_(torch.as_tensor(w, dtype=model.lin_w.dtype))
        model.lin_b.copy_(torch.as_tensor(b, dtype=model.lin_b.dtype))
    return model


def predict(model, inputs, mask, device, batch_size=1024):
    """Predictions of ``model`` on ``inputs`` (numpy in, numpy out)."""
    import torch

    model.eval()
    out = []
    m = torch.as_tensor(mask, dtype=torch.float32, device=device)
    with torch.no_grad():
        for s in range(0, len(inputs), batch_size):
            xb = torch.as_tensor(inputs[s:s + batch_size], dtype=torch.float32, device=device)
            out.append(model(xb, m).cpu().numpy())
    return np.concatenate(out) if out else np.zeros((0, mask.shape[0]), dtype=np.float32)


def train_regressor(model, inputs, targets, weights, mask, *, epochs, batch_size, lr, patience,
                    val_fraction, device, seed, state=None, on_epoch=None, deadline=None):
    """Fit ``model`` by masked mean squared error with early stopping; resumable.

    The last ``val_fraction`` of the windows (in time order) is the
    validation set, so overlapping windows do not leak across the split.
    The best weights by validation loss over whole epochs are kept.

    Parameters
    ----------
    model : torch.nn.Module
    inputs, targets, weights : ndarray
        Windows ``(M, lag, N)``, targets ``(M, N)`` and per-target weights
        (0 where the target was interpolated).
    mask : ndarray of shape (N, N)
        Effect-row input mask.
    state : dict, optional
        A state returned by an earlier, interrupted call: training resumes
        from it.
    on_epoch : callable, optional
        Called with the state after every epoch (for checkpoints).
    deadline : float, optional
        ``time.monotonic()`` value after which training stops after the
        current epoch with ``state["done"] = False``.

    Returns
    -------
    dict
        The training state: ``epoch``, ``best_val``, ``history``, ``done``,
        the model and optimiser states and the best weights.
    """
    import torch

    M = len(inputs)
    n_val = max(1, int(round(M * val_fraction)))
    if M - n_val < 1:
        raise DataError(f"too few windows ({M}) to split into training and validation")
    dev = torch.device(device)
    x = torch.as_tensor(inputs, dtype=torch.float32, device=dev)
    y = torch.as_tensor(targets, dtype=torch.float32, device=dev)
    w = torch.as_tensor(weights, dtype=torch.float32, device=dev)
    m = torch.as_tensor(mask, dtype=torch.float32, device=dev)
    n_train = M - n_val
    model.to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    if state is None:
        state = {"epoch": 0, "best_val": math.inf, "bad_epochs": 0, "history": [], "done": False,
                 "best_weights": None}
    else:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])

    def loss_on(sl):
        with torch.no_grad():
            tot, den = 0.0, 0.0
            for s in range(sl.start, sl.stop, 4096):
                e = min(s + 4096, sl.stop)
                r = (model(x[s:e], m) - y[s:e]) ** 2 * w[s:e]
                tot += float(r.sum())
                den += float(w[s:e].sum())
            return tot / max(den, 1.0)

    while state["epoch"] < epochs and state["bad_epochs"] < patience:
        model.train()
        gen = torch.Generator().manual_seed(int(seed) * 100003 + state["epoch"])
        perm = torch.randperm(n_train, generator=gen).to(dev)
        for s in range(0, n_train, batch_size):
            b = perm[s:s + batch_size]
            opt.zero_grad()
            r = (model(x[b], m) - y[b]) ** 2 * w[b]
            loss = r.sum() / w[b].sum().clamp_min(1.0)
            loss.backward()
            opt.step()
        model.eval()
        val = loss_on(slice(n_train, M))
        state["epoch"] += 1
        state["history"].append(val)
        if val < state["best_val"] - 1e-7:
            state["best_val"] = val
            state["bad_epochs"] = 0
            state["best_weights"] = copy.deepcopy({k: v.detach().cpu() for k, v in model.state_dict().items()})
        else:
            state["bad_epochs"] += 1
        state["model"] = {k: v.detach().cpu() for k, v in model.state_dict().items()}
        state["optimizer"] = opt.state_dict()
        if on_epoch is not None:
            on_epoch(state)
        if deadline is not None and time.monotonic() > deadline:
            return state
    if state["best_weights"] is not None:
        model.load_state_dict(state["best_weights"])
    state["done"] = True
    return state


def rollout_sequences(target_index, steps, n_train):
    """Start windows of ``steps`` consecutive targets within one segment.

    Parameters
    ----------
    target_index : ndarray of shape (M, 2)
        From :func:`make_windows`.
    steps : int
        Rollout length ``k``.
    n_train : int
        Windows ``0..n_train-1`` are the training part.

    Returns
    -------
    train, val : ndarray of int
        Indices ``m`` such that windows ``m, ..., m + k - 1`` follow each
        other in time in one segment, with all ``k`` of them inside the
        training part (``train``) or inside the validation part (``val``).
    """
    M = len(target_index)
    if M < steps:
        return np.zeros(0, dtype=int), np.zeros(0, dtype=int)
    seg, t = target_index[:, 0], target_index[:, 1]
    m = np.arange(M - steps + 1)
    ok = (seg[m + steps - 1] == seg[m]) & (t[m + steps - 1] - t[m] == steps - 1)
    m = m[ok]
    return m[m + steps - 1 < n_train], m[m >= n_train]


def rollout_finetune(model, inputs, targets, weights, target_index, mask, *, steps, epochs, batch_size, lr,
                     val_fraction, device, seed):
    """Fine-tune ``model`` on ``steps``-step closed-loop rollouts (against exposure bias).

    A one-step fit only ever sees real windows; generation feeds the model
    its own output, whose errors then compound. Here each training sequence
    starts from a real window ``x[t-lag:t]``; the model predicts ``x_t``,
    the prediction plus a residual drawn at random from the model's own
    one-step residuals (independently per variable, as generation adds
    independent noise) is appended to the window, and so on for ``steps``
    steps. The loss is the mean squared error of all ``steps`` predictions
    against the real ``x_t, ..., x_{t+steps-1}`` (observed targets only),
    back-propagated through the rollout. The mask is applied at every step,
    so a head still reads only its allowed inputs (for ``f^H``, its parents
    in ``H``). The weights with the lowest validation rollout loss (the
    one-step fit included, as epoch 0) are kept.

    Parameters
    ----------
    model : torch.nn.Module
        From :func:`make_network`, already fitted one step ahead.
    inputs, targets, weights, target_index : ndarray
        From :func:`make_windows` (weights: 0 where a target was
        interpolated).
    mask : ndarray of shape (N, N)
        Effect-row input mask.
    steps, epochs, batch_size : int
    lr, val_fraction : float
    device : str
    seed : int

    Returns
    -------
    list of float
        Validation rollout loss before fine-tuning and after each epoch.
    """
    import torch

    M = len(inputs)
    n_val = max(1, int(round(M * val_fraction)))
    n_train = M - n_val
    tr, va = rollout_sequences(target_index, steps, n_train)
    if len(tr) == 0:
        return []
    if len(va) == 0:
        va = tr
    dev = torch.device(device)
    x = torch.as_tensor(inputs, dtype=torch.float32, device=dev)
    y = torch.as_tensor(targets, dtype=torch.float32, device=dev)
    w = torch.as_tensor(weights, dtype=torch.float32, device=dev)
    m = torch.as_tensor(mask, dtype=torch.float32, device=dev)
    model.to(dev)
    # the model's own one-step residuals on observed training targets: the noise of the rollouts
    with torch.no_grad():
        # observed minus predicted (the sign matters for skewed noise: a prediction plus eta must look like x)
        res = y[:n_train] - torch.cat([model(x[s:min(s + 4096, n_train)], m) for s in range(0, n_train, 4096)])
    pool = [res[w[:n_train, i] > 0, i] for i in range(res.shape[1])]
    pool = [p if len(p) else torch.zeros(1, device=dev) for p in pool]
    gen = torch.Generator().manual_seed(int(seed) * 7919 + 17)
    offs = torch.arange(steps, device=dev)

    def rollout_loss(idx, noise_gen):
        idx_t = torch.as_tensor(idx, device=dev)
        window = x[idx_t]
        tot, den = 0.0, 0.0
        for j in range(steps):
            pred = model(window, m)
            yy, ww = y[idx_t + offs[j]], w[idx_t + offs[j]]
            tot = tot + ((pred - yy) ** 2 * ww).sum()
            den = den + ww.sum()
            eta = torch.stack([p[torch.randint(0, len(p), (len(idx),), generator=noise_gen).to(dev)]
                               for p in pool], dim=1)
            window = torch.cat([window[:, 1:], (pred + eta)[:, None, :]], dim=1)
        return tot / den.clamp_min(1.0)

    def val_loss():
        model.eval()
        g = torch.Generator().manual_seed(int(seed) + 1)
        with torch.no_grad():
            parts = [(float(rollout_loss(va[s:s + 1024], g)), len(va[s:s + 1024])) for s in range(0, len(va), 1024)]
        return sum(a * b for a, b in parts) / sum(b for _, b in parts)

    opt = torch.optim.Adam(model.parameters(), lr=lr)
    history = [val_loss()]
    best = (history[0], copy.deepcopy({k: v.detach().clone() for k, v in model.state_dict().items()}))
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(tr), generator=gen).numpy()
        for s in range(0, len(tr), batch_size):
            opt.zero_grad()
            loss = rollout_loss(tr[order[s:s + batch_size]], gen)
            loss.backward()
            opt.step()
        history.append(val_loss())
        if history[-1] < best[0]:
            best = (history[-1], copy.deepcopy({k: v.detach().clone() for k, v in model.state_dict().items()}))
    model.load_state_dict(best[1])
    model.eval()
    return history
