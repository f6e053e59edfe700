"""CausalTime, step 3: the hypothesised causal graph (HCG) from attributions.

The paper explains the fitted network with DeepSHAP and thresholds the
importance matrix, combined with a prior graph when one is given. Here the
importances are *expected gradients* (Erion et al. 2021), the
integrated-gradients form of SHAP values with the data as background:

``phi_{i <- j, l}(x) = E_{x' ~ D, a ~ U(0,1)} [(x_{l,j} - x'_{l,j}) d f_i(x' + a (x - x')) / d x_{l,j}]``

for output head ``i``, input variable ``j`` and lag ``l``. For each explained
window the signed attribution is averaged over ``n_baselines`` baseline
windows, then its absolute value is averaged over windows and over the
``lag`` positions. (The released notebook used a single explained window.)

Combining with a prior (documented choice)
------------------------------------------
The importance of ``j -> i`` is divided by the largest off-diagonal
importance into ``i`` and square-rooted (the released notebook's row
normalisation and square root), giving ``S`` in ``[0, 1]``; each effect's
strongest cause scores 1. A prior graph ``P`` (0/1 or weights in ``[0, 1]``,
rows cause) enters as the convex combination ``(1 - w) S + w P`` with
``w = prior_weight``:

* ``w = 0`` ignores the prior; ``w = 1`` uses only the prior;
* the default ``w = 0.5`` gives every edge of a 0/1 prior a score of at
  least 0.5 and every other pair at most 0.5, so prior edges are kept first
  (in order of attribution) and attribution fills the remaining places;
* a smaller ``w`` lets a strong attribution outrank a weakly attributed
  prior edge.

The ``round(threshold * N * (N - 1))`` off-diagonal pairs with the highest
scores form ``H``. Ties (such as the strongest causes of different effects,
all scoring 1) are broken by the cause's share of the effect's total
attribution. The diagonal (self-loops) is always kept, so every variable has
at least its own past as a parent.

References
----------
Erion, G., Janizek, J. D., Sturmfels, P., Lundberg, S. M. and Lee, S.-I.
(2021). Improving performance of deep learning models with axiomatic
attribution priors and expected gradients. Nature Machine Intelligence 3,
620-631.
"""

from __future__ import annotations

import numpy as np

__all__ = ["expected_gradients", "hcg_from_importance"]


def expected_gradients(model, inputs, mask, *, n_windows=256, n_baselines=8, batch_size=256,
                       device="cpu", seed=0):
    """Mean absolute expected-gradients attribution of each head to each input.

    Parameters
    ----------
    model : torch.nn.Module
        A network from :func:`~._causaltime_model.make_network`.
    inputs : ndarray of shape (M, lag, N)
        Windows; both the explained windows and the baselines are drawn
        from them.
    mask : ndarray of shape (N, N)
        Effect-row input mask used by the model.
    n_windows, n_baselines : int
        Explained windows, and baselines (each with its own random
        interpolation point) per explained window.
    batch_size, device, seed

    Returns
    -------
    importance : ndarray of shape (N, N)
        ``importance[j, i]``: mean ``|phi|`` of input variable ``j`` on
        output ``i`` (rows cause, columns effect), averaged over windows
        and lags.
    by_lag : ndarray of shape (lag, N, N)
        The same before averaging over lags; ``by_lag[l]`` is for window
        position ``l`` (``l = lag - 1`` is the most recent step).
    """
    import torch

    rng = np.random.default_rng(seed)
    M, lag, N = inputs.shape
    dev = torch.device(device)
    m = torch.as_tensor(mask, dtype=torch.float32, device=dev)
    model.eval()
    explain = inputs[rng.choice(M, size=min(n_windows, M), replace=False)]
    total = np.zeros((N, lag, N))  # (out, lag, in)
    per_window = max(1, batch_size // n_baselines)
    for s in range(0, len(explain), per_window):
        x = torch.as_tensor(explain[s:s + per_window], dtype=torch.float32, device=dev)
        nb = x.shape[0]
        base = torch.as_tensor(inputs[rng.integers(0, M, size=nb * n_baselines)],
                               dtype=torch.float32, device=dev).reshape(nb, n_baselines, lag, N)
        alpha = torch.as_tensor(rng.random((nb, n_baselines, 1, 1)), dtype=torch.float32, device=dev)
        diff = x[:, None] - base  # (nb, K, lag, N)
        point = (base + alpha * diff).reshape(nb * n_baselines, lag, N)
        # per-head copies of the input: head i only reads slice i, so one
        # backward pass of the summed outputs gives every head's gradient
        xh = (point[:, None, :, :] * m[None, :, None, :]).detach().requires_grad_(True)
        # cuDNN refuses an RNN backward pass in eval mode; the gradient is the same without it
        with torch.backends.cudnn.flags(enabled=False):
            out = model.forward_heads(xh)
            (grad,) = torch.autograd.grad(out.sum(), xh)
        grad = grad * m[None, :, None, :]  # chain rule through the mask
        attr = grad.reshape(nb, n_baselines, N, lag, N) * diff[:, :, None, :, :]
        total += attr.mean(dim=1).abs().sum(dim=0).detach().cpu().numpy()
    by_out = total / len(explain)  # (out, lag, in)
    by_lag = by_out.transpose(1, 2, 0)  # (lag, in, out): rows cause
    return by_lag.mean(axis=0), by_lag


def hcg_from_importance(importance, prior=None, *, threshold=0.25, prior_weight=0.5):
    """Threshold attribution scores (optionally with a prior) into the HCG.

    Parameters
    ----------
    importance : ndarray of shape (N, N)
        Rows cause, columns effect.
    prior : ndarray of shape (N, N), optional
        Rows cause; values in ``[0, 1]``.
    threshold : float in (0, 1]
        Fraction of the ``N (N - 1)`` off-diagonal pairs kept (exactly
        ``round(threshold * N * (N - 1))`` of them).
    prior_weight : float in [0, 1]

    Returns
    -------
    hcg : ndarray of bool, shape (N, N)
        Rows cause, diagonal True.
    score : ndarray of shape (N, N)
        The combined score that was thresholded (diagonal set to 1).
    """
    imp = np.abs(np.asarray(importance, dtype=float))
    N = imp.shape[0]
    off = ~np.eye(N, dtype=bool)
    col_max = np.where(off, imp, 0.0).max(axis=0)
    s = np.sqrt(np.divide(imp, col_max[None, :], out=np.zeros_like(imp), where=col_max[None, :] > 0))
    s = np.clip(s, 0.0, 1.0)
    if prior is not None:
        s = (1.0 - prior_weight) * s + prior_weight * np.asarray(prior, dtype=float)
    n_keep = min(int(round(threshold * N * (N - 1))), N * (N - 1))
    # rank by score; ties (each effect's strongest cause scores 1) broken by
    # the cause's share of the effect's total attribution
    col_sum = np.where(off, imp, 0.0).sum(axis=0)
    share = np.divide(imp, col_sum[None, :], out=np.zeros_like(imp), where=col_sum[None, :] > 0)
    rows, cols = np.nonzero(off)
    order = np.lexsort((-share[rows, cols], -s[rows, cols]))[:n_keep]
    hcg = np.zeros((N, N), dtype=bool)
    hcg[rows[order], cols[order]] = True
    np.fill_diagonal(hcg, True)
    score = s.copy()
    np.fill_diagonal(score, 1.0)
    return hcg, score
