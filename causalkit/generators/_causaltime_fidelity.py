"""CausalTime, step 6: how close generated series are to the real ones.

* :func:`discriminative_auc`: a classifier is trained to tell real windows from
  generated ones; its ROC AUC on held-out windows is reported (0.5: the two
  cannot be told apart). The paper used an LSTM classifier; the default here
  is a gradient-boosted tree ensemble on the flattened windows (scikit-learn,
  no torch, a strong tabular discriminator), ``classifier="lstm"`` is the
  paper's LSTM discriminator (its released configuration, on our split) and
  ``classifier="gru"`` a small GRU classifier. With ``groups`` the
  held-out windows share no step with the training windows (whole blocks of
  the real series and whole generated samples are held out): overlapping
  windows split at random let the classifier recognise the episodes it was
  trained on, which tells two stretches of the *same* real series apart
  (AUC 0.80-0.98 on AQI-36) and so measures memorisation, not fidelity.
* :func:`window_pool` and :func:`fill_within_window`: every window of a
  series with its block (group) and its observed-value mask, and the
  observation matching of the two classes: a generated window gets the
  missing-value pattern of a randomly drawn real window, and in both the
  missing values are refilled by linear interpolation *inside the window*,
  so interpolated straight stretches appear alike in both classes.
* :func:`mmd`: unbiased squared maximum mean discrepancy with a Gaussian
  kernel (bandwidth: median pairwise distance of the reference sample).
  ``mmd(generated, real_A)`` is reported beside ``mmd(real_B, real_A)``, two
  disjoint halves of the real windows, which sets the scale of "as close as
  real data is to itself".
* :func:`lagged_cross_correlation` and :func:`cross_correlation_score`: the
  mean absolute difference between the lagged cross-correlation matrices
  ``C_k[i, j] = corr(x_{i,t}, x_{j,t+k})``, ``k = 0..K``, of two data sets
  (the released code called a missing ``xcorr`` module; this is our
  definition). Reported for generated vs real beside real vs real.
* :func:`embedding_plots`: PCA and t-SNE of real and generated windows, saved
  as PNG (matplotlib is imported inside the function).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..exceptions import DataError, UnknownMethodError

__all__ = ["sample_windows", "discriminative_auc", "mmd", "embedding_plots", "lagged_cross_correlation",
           "cross_correlation_score", "window_pool", "fill_within_window"]


def sample_windows(series_list, window, n, rng, valid=None, min_valid=20):
    """Up to ``n`` random windows of ``window`` steps, flattened to ``(n, window * N)``.

    ``series_list`` is a list (or 3-D array) of ``(T_k, N)`` arrays; windows
    never cross from one series to the next. ``valid`` (a list of boolean
    arrays of length ``T_k``) restricts windows to those made only of valid
    steps, unless fewer than ``min_valid`` such windows exist.
    """
    starts = [(k, t) for k, s in enumerate(series_list) for t in range(len(s) - window + 1)]
    if valid is not None:
        ok = []
        for k, t in starts:
            if valid[k][t:t + window].all():
                ok.append((k, t))
        if len(ok) >= min_valid:
            starts = ok
    if not starts:
        return np.zeros((0, 0))
    pick = rng.choice(len(starts), size=min(n, len(starts)), replace=False)
    return np.stack([np.asarray(series_list[starts[p][0]][starts[p][1]:starts[p][1] + window],
                                dtype=float).ravel() for p in pick])


def window_pool(series_list, window, block=None, observed=None):
    """Every window of ``window`` steps of a set of series, with its group and observed mask.

    Parameters
    ----------
    series_list : list of ndarray of shape (T_k, N), or ndarray (n, T, N)
        Windows never cross from one series to the next.
    window : int
    block : int, optional
        Cut each series into consecutive blocks of ``block`` steps; a window
        must lie inside one block and its group is the block. ``None``: the
        group is the series (for generated samples).
    observed : list of bool ndarray of shape (T_k, N), optional
        False where a value was missing (interpolated).

    Returns
    -------
    windows : ndarray of shape (M, window, N)
    groups : ndarray of int, shape (M,)
        Distinct for distinct blocks (or series).
    masks : ndarray of bool, shape (M, window, N)
        All True without ``observed``.
    """
    wins, groups, masks = [], [], []
    offset = 0
    for k, s in enumerate(series_list):
        s = np.asarray(s, dtype=float)
        T = len(s)
        if T < window:
            continue
        start = np.arange(T - window + 1)
        if block is None:
            g = np.full(len(start), offset)
            offset += 1
        else:
            inside = start // block == (start + window - 1) // block
            start = start[inside]
            g = offset + start // block
            offset += T // block + 1
        idx = start[:, None] + np.arange(window)[None, :]
        wins.append(s[idx])
        groups.append(g)
        obs = np.ones_like(s, dtype=bool) if observed is None else np.asarray(observed[k], dtype=bool)
        masks.append(obs[idx])
    if not wins:
        return np.zeros((0, window, 0)), np.zeros(0, dtype=int), np.zeros((0, window, 0), dtype=bool)
    return np.concatenate(wins), np.concatenate(groups), np.concatenate(masks)


def fill_within_window(windows, masks):
    """Refill the unobserved values of each window by linear interpolation inside the window.

    Parameters
    ----------
    windows : ndarray of shape (M, w, N)
    masks : ndarray of bool, shape (M, w, N)
        True where a value is observed (kept).

    Returns
    -------
    ndarray of shape (M, w, N)
        Between two observed values of a variable: the straight line; before
        the first or after the last: that value; a variable with no observed
        value in the window: 0 (its mean, in standardised units).
    """
    X = np.asarray(windows, dtype=float)
    M = np.asarray(masks, dtype=bool)
    w = X.shape[1]
    t = np.arange(w)[None, :, None]
    prev = np.maximum.accumulate(np.where(M, t, -1), axis=1)
    nxt = np.flip(np.minimum.accumulate(np.flip(np.where(M, t, w), axis=1), axis=1), axis=1)
    pv = np.take_along_axis(X, np.clip(prev, 0, w - 1), axis=1)
    nv = np.take_along_axis(X, np.clip(nxt, 0, w - 1), axis=1)
    has_p, has_n = prev >= 0, nxt < w
    frac = np.where(has_p & has_n, (t - prev) / np.maximum(nxt - prev, 1), 0.0)
    filled = np.where(has_p & has_n, pv + frac * (nv - pv), np.where(has_p, pv, np.where(has_n, nv, 0.0)))
    return np.where(M, X, filled)


TEST_FRACTION = 0.3  # the discriminator's held-out share of the real blocks and of the generated samples


def _group_split(groups, test_fraction, rng):
    """Boolean test mask holding out a random ``test_fraction`` of the distinct groups."""
    uniq = np.unique(groups)
    n_test = min(max(1, int(round(len(uniq) * test_fraction))), len(uniq) - 1)
    test = rng.choice(uniq, n_test, replace=False)
    return np.isin(groups, test)


def match_masks(real_masks, n_generated, rng, *, real_held_out=None, generated_held_out=None):
    """Give each generated window the missing-value mask of a randomly drawn real window.

    Parameters
    ----------
    real_masks : bool ndarray of shape (M, w, N)
        Observed-value masks of the real windows.
    n_generated : int
        Number of generated windows to give a mask.
    rng : numpy.random.Generator
        Source of the random draws.
    real_held_out, generated_held_out : bool ndarray of shape (M,) and (n_generated,), optional
        The discriminator's split (True: held out); give both or neither. When both are given, a
        held-out generated window draws its mask from held-out real windows
        and a training window from training real windows. Missing values
        come in episodes, so a mask pattern identifies its block of the
        real series: masks drawn from all real windows would put the
        held-out blocks' patterns into the training set's generated class
        and teach the classifier that training-block patterns mean "real"
        (on AQI the mask alone then scores 0.36 instead of 0.50).

    Returns
    -------
    bool ndarray of shape (n_generated, w, N)

    Raises
    ------
    DataError
        If only one of ``real_held_out`` and ``generated_held_out`` is
        given, if their lengths differ from the numbers of real and
        generated windows, or if a side of the split holds generated
        windows but no real window.
    """
    real_masks = np.asarray(real_masks, dtype=bool)
    if (real_held_out is None) != (generated_held_out is None):
        raise DataError("give both real_held_out and generated_held_out, or neither")
    if real_held_out is None:
        return real_masks[rng.integers(0, len(real_masks), n_generated)]
    real_held_out = np.asarray(real_held_out, dtype=bool)
    generated_held_out = np.asarray(generated_held_out, dtype=bool)
    if real_held_out.shape != (len(real_masks),):
        raise DataError(f"real_held_out must have one entry per real window ({len(real_masks)}); "
                        f"got shape {real_held_out.shape}")
    if generated_held_out.shape != (n_generated,):
        raise DataError(f"generated_held_out must have one entry per generated window ({n_generated}); "
                        f"got shape {generated_held_out.shape}")
    out = np.empty((n_generated,) + real_masks.shape[1:], dtype=bool)
    for side in (False, True):
        pool = np.flatnonzero(real_held_out == side)
        rows = np.flatnonzero(generated_held_out == side)
        if len(rows) and not len(pool):
            raise DataError(f"real_held_out has no {'held-out' if side else 'training'} real window to draw "
                            "the missing-value masks of that side's generated windows from")
        if len(rows):
            out[rows] = real_masks[pool[rng.integers(0, len(pool), len(rows))]]
    return out


CLASSIFIERS = ("tree", "gru", "lstm")

# the discriminator of the released CausalTime code (test.py ``Classifier``: 5 epochs, Adam lr 1e-3,
# batches of 32) with the network sizes its demo.py uses (hidden 128, 2 layers, dropout 0.1)
PAPER_LSTM = {"hidden": 128, "num_layers": 2, "dropout": 0.1, "epochs": 5, "batch_size": 32, "lr": 1e-3}
_GRU = {"hidden": 32, "num_layers": 1, "dropout": 0.0, "epochs": 30, "batch_size": 128, "lr": 3e-3}


def discriminative_auc(real, generated, *, seed=0, test_fraction=TEST_FRACTION, classifier="tree", n_features=None,
                       real_groups=None, generated_groups=None, n_per_class=None, held_out=None):
    """ROC AUC of a classifier separating real from generated windows.

    Parameters
    ----------
    real, generated : ndarray of shape (n, d)
        Flattened windows (``window * N`` values, step by step); the larger
        set is subsampled to the smaller size.
    seed : int
        Seeds the split, the subsampling and the classifier.
    test_fraction : float
        Fraction of the windows (or groups) held out for the AUC.
    classifier : {"tree", "gru", "lstm"}, default "tree"
        ``"tree"``: scikit-learn gradient-boosted trees
        (``HistGradientBoostingClassifier``, 200 iterations) on the flattened
        windows. ``"gru"``: a one-layer GRU (hidden 32) over the window's
        steps with a logistic output, trained 30 epochs with Adam (lr 3e-3,
        batches of 128). ``"lstm"``: the discriminator of the CausalTime
        paper (see Notes): a 2-layer LSTM (hidden 128, dropout 0.1 between
        the layers) whose last hidden state feeds a linear layer and a
        sigmoid, trained with binary cross-entropy and Adam (lr 1e-3) for 5
        epochs in batches of 32. The recurrent ones need torch.
    n_features : int, optional
        Variables per step (needed by ``"gru"`` and ``"lstm"`` to unflatten
        the windows, which are flattened step by step; default: one variable
        per step, i.e. a univariate window; before session 5 the ``"gru"``
        default read the whole window as a single step). Every caller in
        causalkit passes it.
    real_groups, generated_groups : ndarray of int, optional
        Group of each window (a block of the real series, a generated
        sample). When both are given, a ``test_fraction`` of each class's
        groups is held out, so no test window shares a step with a training
        window; within the training and the test part the two classes are
        subsampled to the same size. Without them the windows are split at
        random (overlapping windows then fall on both sides).
    n_per_class : int, optional
        With groups: at most this many windows per class (train and test
        together; default all).
    held_out : tuple of two bool ndarrays, optional
        With groups: the split itself (real, generated; True: held out),
        made beforehand so that the caller can match something to it
        (:func:`match_masks`); default: drawn here. The random draws that
        follow the split (the class-balancing subsample) are the same
        either way, so a caller that draws the split as this function does
        (``_group_split`` of the real, then the generated groups, with
        ``numpy.random.default_rng(seed)`` and ``test_fraction``) scores the
        same windows. ``test_fraction`` still sets the training and held-out
        shares of ``n_per_class``, so it should be the fraction the split
        was made with.

    Returns
    -------
    float
        Held-out ROC AUC (0.5: indistinguishable, 1: perfectly separated).

    Raises
    ------
    UnknownMethodError
        If ``classifier`` is not one of ``"tree"``, ``"gru"``, ``"lstm"``.
    DataError
        If the windows' width is not a multiple of ``n_features``, the
        grouped split leaves fewer than 2 windows of a class on one side,
        or ``held_out`` is given without the groups, is not a pair, or does
        not mark every window.

    Notes
    -----
    ``classifier="lstm"`` follows the ``Classifier`` of the released
    CausalTime code (``test.py``): ``LSTM(N, hidden, num_layers, dropout)``
    over the window's steps, ``Linear(hidden, 1)`` on the last step's output,
    sigmoid, ``BCELoss``, Adam at lr 1e-3, 5 epochs, batches of 32, the model
    after the last epoch (no early stopping). The released code never
    instantiates the classifier, so hidden size, depth and dropout are not
    fixed there; we take the values that its ``demo.py`` uses for every
    network (hidden 128, 2 layers, dropout 0.1). The configuration is the
    module constant ``PAPER_LSTM``. Deviations, all deliberate:

    * The split. The released code splits each class's overlapping windows
      80/20 at random and then scores a random subset of *all* generated
      windows, training windows included; both let the classifier recognise
      windows (or episodes) it was trained on. Here the split is the one
      given by ``real_groups``/``generated_groups`` (whole blocks and whole
      samples held out, ``test_fraction`` 0.3) or, without groups, a
      stratified random split, and the test windows are never trained on.
    * Class balance: the two classes are subsampled to the same size (the
      released code used all windows of both, unbalanced).
    * Window length and scaling are the caller's: :meth:`CausalTime.fidelity`
      passes windows of ``min(T, lag, 10)`` steps in standardised units
      (z-scores per variable) with the missing-value matching of
      :func:`fill_within_window`; the released code's ``seq_len`` is not set
      in the repository, and its data are min-max scaled with one global
      scale.
    * The loss is computed from the logit (``binary_cross_entropy_with_logits``,
      the same function as sigmoid + ``BCELoss``, numerically stabler); the
      scores are the sigmoid outputs. Labels: generated = 1 (the released
      code used real = 1; the AUC does not depend on which class is 1).
    * No accuracy at threshold 0.3 is reported, only the AUC.

    References
    ----------
    Cheng, Y., Wang, Z., Xiao, T., Zhong, Q., Suo, J. and He, K. (2024).
    CausalTime: Realistically generated time-series for benchmarking of
    causal discovery. ICLR 2024 (the discriminative score of its fidelity
    experiments; released code: github.com/jarrycyx/UNN, CausalTime/test.py).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> a, c = rng.standard_normal((300, 4)), rng.standard_normal((300, 4)) + 1
    >>> discriminative_auc(a, c) > 0.8
    True
    """
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split

    if classifier not in CLASSIFIERS:
        raise UnknownMethodError(f"classifier must be one of {', '.join(map(repr, CLASSIFIERS))}; "
                                 f"got {classifier!r}")
    real, generated = np.asarray(real, dtype=float), np.asarray(generated, dtype=float)
    width = real.shape[1]
    n_features = 1 if n_features is None else int(n_features)
    if classifier != "tree" and (n_features < 1 or width % n_features):
        raise DataError(f"n_features={n_features} does not divide the window width {width} "
                        "(window steps x variables per step)")
    rng = np.random.default_rng(seed)
    if held_out is not None and (real_groups is None or generated_groups is None):
        raise DataError("held_out needs real_groups and generated_groups (it replaces their split)")
    if real_groups is not None and generated_groups is not None:
        # drawn even when held_out is given, so that the subsample below takes the same draws
        te_r = _group_split(np.asarray(real_groups), test_fraction, rng)
        te_g = _group_split(np.asarray(generated_groups), test_fraction, rng)
        if held_out is not None:
            if not isinstance(held_out, (tuple, list)) or len(held_out) != 2:
                raise DataError("held_out must be a pair (real, generated) of boolean arrays")
            te_r, te_g = (np.asarray(h, dtype=bool) for h in held_out)
            if te_r.shape != (len(real),) or te_g.shape != (len(generated),):
                raise DataError(f"held_out must mark each of the {len(real)} real and {len(generated)} generated "
                                f"windows; got shapes {te_r.shape} and {te_g.shape}")
        parts = []
        for sel_r, sel_g, frac in ((~te_r, ~te_g, 1 - test_fraction), (te_r, te_g, test_fraction)):
            ir, ig = np.flatnonzero(sel_r), np.flatnonzero(sel_g)
            k = min(len(ir), len(ig))
            if n_per_class is not None:
                k = min(k, max(1, int(round(n_per_class * frac))))
            parts.append((real[rng.choice(ir, k, replace=False)], generated[rng.choice(ig, k, replace=False)]))
        (ra, ga), (rb, gb) = parts
        Xtr, ytr = np.vstack([ra, ga]), np.r_[np.zeros(len(ra)), np.ones(len(ga))]
        Xte, yte = np.vstack([rb, gb]), np.r_[np.zeros(len(rb)), np.ones(len(gb))]
        if min(len(ra), len(rb)) < 2:
            raise DataError("too few windows on one side of the grouped split (real_groups/generated_groups: "
                            f"{len(ra)} training and {len(rb)} held-out windows per class)")
    else:
        n = min(len(real), len(generated))
        real = real[rng.choice(len(real), n, replace=False)]
        generated = generated[rng.choice(len(generated), n, replace=False)]
        X = np.vstack([real, generated])
        y = np.r_[np.zeros(n), np.ones(n)]
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=test_fraction, stratify=y, random_state=seed)
    if classifier == "tree":
        from sklearn.ensemble import HistGradientBoostingClassifier

        clf = HistGradientBoostingClassifier(max_iter=200, random_state=seed).fit(Xtr, ytr)
        prob = clf.predict_proba(Xte)[:, 1]
    elif classifier == "gru":
        prob = _recurrent_scores("gru", Xtr, ytr, Xte, n_features, seed, **_GRU)
    else:
        prob = _recurrent_scores("lstm", Xtr, ytr, Xte, n_features, seed, **PAPER_LSTM)
    return float(roc_auc_score(yte, prob))


def _recurrent_scores(kind, Xtr, ytr, Xte, n_features, seed, *, hidden, num_layers, dropout, epochs, batch_size,
                      lr):
    """Train a GRU or LSTM window classifier (last step -> linear -> logit); held-out probabilities."""
    import torch
    from torch import nn

    torch.manual_seed(seed)
    cell = nn.GRU if kind == "gru" else nn.LSTM
    rnn = cell(n_features, hidden, num_layers, batch_first=True, dropout=dropout if num_layers > 1 else 0.0)
    head = nn.Linear(hidden, 1)
    params = list(rnn.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, lr=lr)

    def logits(X):
        h, _ = rnn(torch.as_tensor(X, dtype=torch.float32).reshape(len(X), -1, n_features))
        return head(h[:, -1]).squeeze(-1)

    yt = torch.as_tensor(ytr, dtype=torch.float32)
    gen = torch.Generator().manual_seed(seed)
    rnn.train()
    for _ in range(epochs):
        perm = torch.randperm(len(Xtr), generator=gen)
        for s in range(0, len(Xtr), batch_size):
            b = perm[s:s + batch_size].numpy()
            opt.zero_grad()
            loss = nn.functional.binary_cross_entropy_with_logits(logits(Xtr[b]), yt[b])
            loss.backward()
            opt.step()
    rnn.eval()  # dropout off for scoring
    with torch.no_grad():
        return torch.sigmoid(logits(Xte)).numpy()


def _sq_dists(a, b):
    d = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T
    return np.maximum(d, 0.0)


def median_bandwidth(reference):
    """Median pairwise Euclidean distance of ``reference`` (the kernel bandwidth)."""
    d = _sq_dists(reference, reference)
    vals = d[np.triu_indices(len(reference), 1)]
    med = np.sqrt(np.median(vals)) if vals.size else 1.0
    return float(med) if med > 0 else 1.0


def mmd(x, y, bandwidth):
    """Unbiased squared MMD between samples ``x`` and ``y`` (Gaussian kernel).

    Parameters
    ----------
    x, y : ndarray of shape (n, d), (m, d)
    bandwidth : float
        Kernel ``exp(-|a - b|^2 / (2 bandwidth^2))``.

    Returns
    -------
    float

    References
    ----------
    Gretton, A. et al. (2012). A kernel two-sample test. JMLR 13, 723-773.
    """
    g = 1.0 / (2.0 * bandwidth ** 2)
    kxx = np.exp(-g * _sq_dists(x, x))
    kyy = np.exp(-g * _sq_dists(y, y))
    kxy = np.exp(-g * _sq_dists(x, y))
    n, m = len(x), len(y)
    sxx = (kxx.sum() - np.trace(kxx)) / (n * (n - 1))
    syy = (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
    return float(sxx + syy - 2 * kxy.mean())


def lagged_cross_correlation(series_list, max_lag, valid=None):
    """Pooled lagged cross-correlation matrices of a set of multivariate series.

    Parameters
    ----------
    series_list : list of ndarray of shape (T_k, N), or ndarray (n, T, N)
        Series of one data set (for example the generated samples, or the
        segments of the real series); pairs never cross from one series to
        the next.
    max_lag : int
        Largest lag ``K``.
    valid : list of bool ndarray of shape (T_k, N), optional
        False where a value is not to be used (for example interpolated):
        every pair with an invalid member is left out.

    Returns
    -------
    ndarray of shape (K + 1, N, N)
        ``C[k, i, j] = mean((x_{i,t} - mu_i) (x_{j,t+k} - mu_j)) / (sd_i sd_j)``
        over all valid pairs ``(t, t + k)`` inside a series, with ``mu`` and
        ``sd`` each variable's mean and standard deviation over all valid
        values of the data set (pooled, not per series). ``C[0]`` is the
        contemporaneous correlation matrix. NaN where no pair exists.
    """
    series = [np.asarray(s, dtype=float) for s in series_list]
    n = series[0].shape[1]
    masks = [np.ones(s.shape, dtype=bool) if valid is None else np.asarray(v, dtype=bool).reshape(s.shape)
             for s, v in zip(series, valid if valid is not None else series)]
    tot = sum(m.sum(axis=0) for m in masks).astype(float)
    mu = sum(np.where(m, s, 0.0).sum(axis=0) for s, m in zip(series, masks)) / np.maximum(tot, 1)
    var = sum(np.where(m, (s - mu) ** 2, 0.0).sum(axis=0) for s, m in zip(series, masks)) / np.maximum(tot, 1)
    sd = np.sqrt(np.where(var > 0, var, 1.0))
    out = np.full((max_lag + 1, n, n), np.nan)
    for k in range(max_lag + 1):
        num, cnt = np.zeros((n, n)), np.zeros((n, n))
        for s, m in zip(series, masks):
            T = len(s)
            if T <= k:
                continue
            z = np.where(m, (s - mu) / sd, 0.0)
            a, b = z[:T - k], z[k:]
            ma, mb = m[:T - k].astype(float), m[k:].astype(float)
            num += a.T @ b
            cnt += ma.T @ mb
        with np.errstate(invalid="ignore", divide="ignore"):
            out[k] = np.where(cnt > 0, num / np.maximum(cnt, 1), np.nan)
    return out


def cross_correlation_score(c_a, c_b):
    """Mean absolute difference of two stacks of lagged cross-correlation matrices.

    Parameters
    ----------
    c_a, c_b : ndarray of shape (K + 1, N, N)
        From :func:`lagged_cross_correlation`.

    Returns
    -------
    float
        ``mean_{k, i, j} |c_a[k, i, j] - c_b[k, i, j]|`` over the entries
        finite in both (the ``k = 0`` diagonal, identically 1, included).
        0 means the same linear dependence structure at lags ``0..K``; the
        largest possible value is 2.
    """
    ok = np.isfinite(c_a) & np.isfinite(c_b)
    return float(np.abs(c_a - c_b)[ok].mean()) if ok.any() else float("nan")


def embedding_plots(real, generated, directory, *, prefix="causaltime", seed=0, tsne=True):
    """Save PCA (and t-SNE) scatter plots of real vs generated windows.

    Parameters
    ----------
    real, generated : ndarray of shape (n, d)
    directory : str or Path
        Created if needed.
    prefix : str
        File names are ``{prefix}_pca.png`` and ``{prefix}_tsne.png``.
    seed : int
    tsne : bool

    Returns
    -------
    list of Path
        The files written.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    X = np.vstack([real, generated])
    labels = np.r_[np.zeros(len(real)), np.ones(len(generated))]
    embeddings = {"pca": PCA(n_components=2, random_state=seed).fit_transform(X)}
    if tsne:
        perplexity = float(min(30.0, max(2.0, (len(X) - 1) / 3.0)))
        embeddings["tsne"] = TSNE(n_components=2, perplexity=perplexity, init="pca",
                                  random_state=seed).fit_transform(X)
    paths = []
    for name, emb in embeddings.items():
        fig, ax = plt.subplots(figsize=(4.5, 4.0))
        ax.scatter(*emb[labels == 0].T, s=6, alpha=0.5, label="real", color="tab:blue")
        ax.scatter(*emb[labels == 1].T, s=6, alpha=0.5, label="generated", color="tab:red")
        ax.set_title(f"{'PCA' if name == 'pca' else 't-SNE'} of {real.shape[1]}-dim windows")
        ax.legend(loc="best", markerscale=2)
        fig.tight_layout()
        path = d / f"{prefix}_{name}.png"
        fig.savefig(path, dpi=120)
        plt.close(fig)
        paths.append(path)
    return paths
