r"""Kernel embeddings of causal modules over a context, shared by CD-NOD's phases 3 and 4.

For a module ``P(Y | X)`` and context values ``c_1..c_T`` (the rows), the
conditional mean embedding at context ``c`` is estimated by kernel ridge
regression of ``Y`` on ``(X, C)``:

.. math:: U_c = \Phi_Y\, (K_X \circ K_C + \lambda I)^{-1}\, \mathrm{diag}(k_C(c))\, \Phi_X^\top ,

and the Gram matrix of these operators over the rows is (Hilbert-Schmidt
inner products)

.. math:: M = K_C\, \big(K_X \circ (A K_Y A)\big)\, K_C / T^2,
          \qquad A = (K_X \circ K_C + \lambda I)^{-1}.

The marginal ``P(X)`` at ``c`` is embedded by ``Phi_X (K_C + lambda I)^{-1}
k_C(c)``, with Gram matrix ``M_2 = K_C (K_C + lambda I)^{-1} K_X (K_C +
lambda I)^{-1} K_C``. This follows Huang et al. (2017, 2020); the authors'
MATLAB code (``infer_nonsta_dir.m``) writes ``K_X^3`` where the derivation
above gives ``K_X``, and we use the derivation.

A categorical context (delta kernel ``K_C = E E'`` with ``E`` the one-hot
matrix) makes ``M`` constant on domain blocks, so both Gram matrices are
computed directly at the domain level (``K x K``), and ``K_X o K_C + lambda I``
is block diagonal: one small inverse per domain instead of a ``T x T`` one.
A time context gets a Gaussian kernel on the standardised index. On more
than ``max_samples`` rows an evenly spaced subsample (time) or a per-domain
subsample (domains) is used: the documented route to large data.
"""

from __future__ import annotations

import numpy as np

from ..ci.kernels import median_width, sq_distances, standardize
from ..exceptions import DataError

__all__ = ["subsample_rows", "context_design", "module_gram", "marginal_gram", "gaussianize",
           "centered", "alignment", "context_weights", "moment_embeddings", "feature_gram",
           "select_time_width", "FEATURE_WIDTHS", "TIME_WIDTH_GRID"]


def subsample_rows(ctx_values, kinds, max_samples, seed=0):
    """Rows to use: all, or an evenly spaced (time) / stratified (domain) subsample.

    Returns
    -------
    ndarray of int
        Row indices, sorted.
    """
    n = len(ctx_values[0])
    if max_samples is None or n <= max_samples:
        return np.arange(n)
    if any(k == "time" for k in kinds):
        t = ctx_values[kinds.index("time")]
        order = np.argsort(t, kind="stable")
        return np.sort(order[np.linspace(0, n - 1, int(max_samples)).round().astype(int)])
    lab = np.unique(np.column_stack(ctx_values), axis=0, return_inverse=True)[1].reshape(-1)
    rng = np.random.default_rng(seed)
    frac = max_samples / n
    rows = []
    for g in np.unique(lab):
        r = np.flatnonzero(lab == g)
        m = max(2, int(round(frac * len(r))))
        rows.append(rng.choice(r, min(m, len(r)), replace=False))
    return np.sort(np.concatenate(rows))


def context_design(ctx_values, kinds, rows, context_width):
    """The context kernel at the chosen rows, as ``(Kc, E, labels)``.

    For domain-only contexts, ``E`` is the (rows x cells) one-hot matrix and
    ``labels`` the cell values; ``Kc = E E'``. With a time context ``E`` is
    None and ``Kc`` is the product of a Gaussian kernel (width
    ``context_width`` on the standardised index) and delta kernels of any
    domain contexts; ``labels`` are the row indices.
    """
    cols = [np.asarray(v)[rows] for v in ctx_values]
    if all(k == "domain" for k in kinds):
        cells, lab = np.unique(np.column_stack(cols), axis=0, return_inverse=True)
        lab = lab.reshape(-1)
        E = np.zeros((len(rows), len(cells)))
        E[np.arange(len(rows)), lab] = 1.0
        return E @ E.T, E, cells
    K = np.ones((len(rows), len(rows)))
    for v, k in zip(cols, kinds):
        if k == "time":
            z = standardize(v)[:, 0]
            K *= np.exp(-sq_distances(z) / (2.0 * context_width ** 2))
        else:
            K *= (v[:, None] == v[None, :])
    return K, None, rows


def _gauss(X):
    X = standardize(X)
    w = median_width(X)
    return np.exp(-sq_distances(X) / (2.0 * w * w))


def module_gram(X, Y, Kc, E, lam):
    """Gram matrix of the embeddings of ``P(Y | X)`` over the context (module docstring).

    ``X`` may have zero columns (then the module is ``P(Y)``, see
    :func:`marginal_gram`). Returns a ``(T, T)`` matrix, or ``(K, K)`` when
    ``E`` (domain one-hot) is given.
    """
    if X.shape[1] == 0:
        return marginal_gram(Y, Kc, E, lam)
    Kx, Ky = _gauss(X), _gauss(Y)
    T = len(Kx)
    if E is not None:
        A = np.zeros((T, T))
        lab = E.argmax(axis=1)
        for g in range(E.shape[1]):
            r = np.flatnonzero(lab == g)
            blk = Kx[np.ix_(r, r)]
            blk[np.diag_indices_from(blk)] += lam
            A[np.ix_(r, r)] = np.linalg.inv(blk)
        B = Kx * (A @ Ky @ A)
        return E.T @ B @ E / T ** 2
    G = Kx * Kc
    G[np.diag_indices_from(G)] += lam
    A = np.linalg.inv(G)
    B = Kx * (A @ Ky @ A)
    return Kc @ B @ Kc / T ** 2


def marginal_gram(X, Kc, E, lam):
    """Gram matrix of the embeddings of ``P(X)`` over the context."""
    Kx = _gauss(X)
    if E is not None:
        n = E.sum(axis=0)
        W = E / (lam + n)[None, :]
        return W.T @ Kx @ W
    G = Kc.copy()
    G[np.diag_indices_from(G)] += lam
    R = np.linalg.solve(G, Kc)  # (Kc + lam I)^{-1} Kc, symmetric
    return R.T @ Kx @ R


def gaussianize(M):
    """``exp(-D / (2 median(D)))`` with ``D`` the squared distances between embeddings."""
    dg = np.diag(M)
    D = np.maximum(dg[:, None] + dg[None, :] - 2.0 * M, 0.0)
    off = D[np.triu_indices(len(D), 1)]
    med = np.median(off[off > 0]) if np.any(off > 0) else 1.0
    return np.exp(-D / (2.0 * med))


def centered(K):
    m = K.mean(axis=0)
    return K - m[None, :] - m[:, None] + m.mean()


def alignment(K1, K2):
    """Normalised HSIC (centred kernel alignment) of two Gram matrices, in [0, 1]."""
    a, b = centered(K1), centered(K2)
    den = np.sqrt(np.sum(a * a) * np.sum(b * b))
    return float(np.sum(a * b) / den) if den > 0 else 0.0


# ----------------------------------------------------------------------------- moment embeddings
def _time_points(ctx_values, kinds, n_points):
    """Row indices of ``min(n_points, n)`` evenly spaced time points (ordered by the first time column)."""
    n = len(ctx_values[0])
    ti = kinds.index("time")
    pts = np.unique(np.linspace(0, n - 1, min(int(n_points), n)).round().astype(int))
    return np.argsort(np.asarray(ctx_values[ti], dtype=float), kind="stable")[pts]


def _local_kernel(cols, kinds, pts, time_width):
    """Unnormalised weights ``(len(pts), n)`` of the rows around the rows ``pts``.

    A Gaussian of ``time_width`` average time steps on each time column,
    times a delta kernel on each domain column.
    """
    n = len(cols[0])
    W = np.ones((len(pts), n))
    for v, k in zip(cols, kinds):
        if k == "time":
            step = (v.max() - v.min()) / max(n - 1, 1)
            s = time_width * (step if step > 0 else 1.0)
            W *= np.exp(-((v[pts][:, None] - v[None, :]) ** 2) / (2.0 * s * s))
        else:
            W *= v[pts][:, None] == v[None, :]
    return W


def context_weights(ctx_values, kinds, *, time_width=50.0, n_points=200, min_rows=10):
    """Local weights of the rows at a set of context points, for the moment embeddings.

    Parameters
    ----------
    ctx_values : list of ndarray of shape (n,)
        The context columns.
    kinds : list of {"domain", "time"}
    time_width : float, default 50
        Standard deviation of the Gaussian weights on a time index, in
        average time steps (``range(t) / (n - 1)``): 50 is the authors'
        default width ``Wt = 50`` on the index ``1..T``, about ``2 sqrt(pi)
        time_width`` (~177) effective rows behind each local estimate. Phase
        3 chooses it per module by cross-validation by default
        (:func:`select_time_width`).
    n_points : int, default 200
        Number of context points (evenly spaced time points) at which the
        modules are estimated when there is a time context.
    min_rows : int, default 10
        Smallest domain (cell of the domain contexts) kept; smaller ones are
        left out.

    Returns
    -------
    W : ndarray of shape (P, n)
        Non-negative weights, each row summing to one.
    n_dropped : int
        Number of domains left out for having fewer than ``min_rows`` rows.
    """
    cols = [np.asarray(v, dtype=float) for v in ctx_values]
    if all(k == "domain" for k in kinds):
        cells, lab = np.unique(np.column_stack(cols), axis=0, return_inverse=True)
        lab = lab.reshape(-1)
        counts = np.bincount(lab, minlength=len(cells))
        keep = np.flatnonzero(counts >= min_rows)
        W = (lab[None, :] == keep[:, None]).astype(float)
        return W / counts[keep][:, None], int(len(cells) - len(keep))
    W = _local_kernel(cols, list(kinds), _time_points(cols, list(kinds), n_points), time_width)
    return W / W.sum(axis=1, keepdims=True), 0


#: candidate widths (in average time steps) of :func:`select_time_width`: 2.5 sqrt(2)^k, k = 0..12
#: (2.5 to 160 steps); consecutive widths differ by sqrt(2), so each Gaussian is the square of the next
TIME_WIDTH_GRID = tuple(round(float(2.5 * np.sqrt(2.0) ** k), 2) for k in range(13))


def _local_moments(W, X, y=None, eps=1e-8):
    """Weighted local fits (rows of ``W``, dense or scipy sparse, sum to one).

    Without ``y``: mean and variance of each column of ``X``. With ``y``: the
    weighted least-squares coefficients of ``y`` on ``(1, X)`` and the
    residual variance.
    """
    def avg(A):  # weighted averages of the columns of A (n, m) -> (P, m)
        return np.asarray(W @ A)

    if y is None:
        m = avg(X)
        return m, np.maximum(avg(X * X) - m * m, eps)
    Z = np.column_stack([np.ones(len(X)), X])
    q = Z.shape[1]
    ZZ = (Z[:, :, None] * Z[:, None, :]).reshape(len(Z), q * q)
    S = avg(np.column_stack([ZZ, Z * y[:, None], y * y]))
    G = S[:, :q * q].reshape(-1, q, q) + eps * np.eye(q)
    r = S[:, q * q:q * q + q]
    beta = np.linalg.solve(G, r[..., None])[..., 0]
    res = np.maximum(S[:, -1] - np.einsum("kj,kj->k", beta, r), eps)
    return beta, res


def _banded_kernel(cols, kinds, pts, time_width, radius=4.0):
    """:func:`_local_kernel` restricted to the rows within ``radius`` widths in time of each point.

    Returns ``K`` and ``rows``, both ``(len(pts), L)``: ``K[k, l]`` is the
    weight of row ``rows[k, l]`` (zero for padding), with ``L`` the largest
    band. Weights beyond 4 widths are below 3.4e-4 of the peak and are
    dropped, so the cost grows with the band, not with ``n``.
    """
    n = len(cols[0])
    ti = kinds.index("time")
    t = cols[ti]
    order = np.argsort(t, kind="stable")
    ts = t[order]
    step = (t.max() - t.min()) / max(n - 1, 1)
    s = time_width * (step if step > 0 else 1.0)
    lo = np.searchsorted(ts, t[pts] - radius * s, side="left")
    hi = np.searchsorted(ts, t[pts] + radius * s, side="right")
    L = int((hi - lo).max())
    pos = lo[:, None] + np.arange(L)[None, :]
    valid = pos < hi[:, None]
    rows = order[np.minimum(pos, n - 1)]
    K = valid.astype(float)
    for v, k in zip(cols, kinds):
        if k == "time":
            stp = (v.max() - v.min()) / max(n - 1, 1)
            sv = time_width * (stp if stp > 0 else 1.0)
            K *= np.exp(-((v[rows] - v[pts][:, None]) ** 2) / (2.0 * sv * sv))
        else:
            K *= v[rows] == v[pts][:, None]
    return K, rows


def select_time_width(ctx_values, kinds, cause, effect=None, *, grid=TIME_WIDTH_GRID, max_eval=500):
    r"""Width of the local (time) weights of one module, by leave-one-out likelihood.

    The module is ``P(cause)`` (``effect=None``: a Gaussian with local mean
    and variance per column) or ``P(effect | cause)`` (a local linear
    regression with a local residual variance), the same local models as
    :func:`moment_embeddings`. For each width ``h`` of ``grid`` every
    held-out row ``t`` (up to ``max_eval`` evenly spaced rows) is predicted
    from all other rows weighted by the Gaussian of ``h`` time steps around
    ``t``, and scored by its Gaussian log density; the width with the
    largest total is chosen. Narrow windows follow fast changes but give
    noisy estimates, wide ones smooth the changes away; the likelihood
    trades the two off for each module, as the GP marginal likelihood does
    in the authors' code. Widths above ``n / 4`` steps are not tried.

    Parameters
    ----------
    ctx_values : list of ndarray of shape (n,)
        The context columns (at least one time index).
    kinds : list of {"domain", "time"}
    cause : ndarray of shape (n, p)
    effect : ndarray of shape (n,), optional
    grid : sequence of float
        Candidate widths in average time steps.
    max_eval : int, default 500
        Held-out rows evaluated (all rows are used to fit).

    Returns
    -------
    width : float
        The chosen width, in average time steps.
    loglik : dict
        ``{width: mean held-out log density}`` for every width tried.

    Raises
    ------
    DataError
        No context column of kind ``"time"``, or ``max_eval`` below 1.

    Notes
    -----
    Leave-one-out assumes the noise is independent over time; with
    autocorrelated noise it prefers too narrow windows. Each fit uses the
    rows within 4 widths in time of the held-out row (the Gaussian weights
    beyond are below 3.4e-4 of the peak), held in a sparse matrix, and the
    widths are tried from the widest down, each Gaussian the square of the
    previous one: about 0.1 s per module at n = 1000 and 0.5 s at
    n = 10,000 on one core.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> t = np.arange(600.0)
    >>> fast = 2 * np.sin(2 * np.pi * t / 40) + rng.normal(size=600)
    >>> select_time_width([t], ["time"], fast)[0] <= 10
    True
    """
    from scipy.sparse import csr_matrix

    cols = [np.asarray(v, dtype=float) for v in ctx_values]
    kinds = list(kinds)
    if "time" not in kinds:
        raise DataError(f"select_time_width needs a context of kind 'time'; got kinds {kinds}")
    if not (np.isscalar(max_eval) and max_eval >= 1):
        raise DataError(f"max_eval must be a positive integer; got {max_eval!r}")
    X = standardize(np.asarray(cause, dtype=float).reshape(len(cause), -1))
    y = None if effect is None else standardize(np.asarray(effect, dtype=float).reshape(-1, 1))[:, 0]
    n = len(X)
    ev = _time_points(cols, kinds, max_eval)
    cand = sorted({float(h) for h in grid if h <= max(n / 4.0, min(grid))}, reverse=True)
    out = {}
    K, prev = None, None
    for h in cand:
        # widest first: a Gaussian of width h / sqrt(2) is the square of that of width h (no new exp);
        # the band of rows of the widest width holds every narrower one
        if K is not None and abs((prev / h) ** 2 - 2.0) < 1e-3:
            K = K * K
        else:
            K, rows = _banded_kernel(cols, kinds, ev, h)
            K[rows == ev[:, None]] = 0.0  # leave the held-out row out
        prev = h
        tot = K.sum(axis=1, keepdims=True)
        ok = tot[:, 0] > 1e-12
        Wb = K[ok] / tot[ok]
        e = ev[ok]
        P, L = Wb.shape
        W = csr_matrix((Wb.ravel(), rows[ok].ravel(), np.arange(P + 1) * L), shape=(P, n))
        if y is None:
            m, v = _local_moments(W, X)
            ll = -0.5 * np.log(v) - 0.5 * (X[e] - m) ** 2 / v
        else:
            beta, res = _local_moments(W, X, y)
            pred = beta[:, 0] + np.einsum("kj,kj->k", beta[:, 1:], X[e])
            ll = -0.5 * np.log(res) - 0.5 * (y[e] - pred) ** 2 / res
        out[h] = float(np.mean(ll)) if ll.size else -np.inf
    return max(out, key=lambda h: (out[h], h)), out


def moment_embeddings(cause, effect, W, eps=1e-8, *, W_effect=None):
    r"""Local parameters of ``P(cause)`` and ``P(effect | cause)`` at each context point.

    With weights ``w_c`` (a row of ``W``) over the standardised rows:

    * ``P(cause)``: the weighted mean and log standard deviation of each
      cause column, ``(m_c, log s_c)``;
    * ``P(effect | cause)``: the weighted least-squares regression of the
      effect on ``(1, cause)``, ``(b_c, log r_c)`` (intercept, slopes and log
      residual standard deviation).

    These are the mean embeddings of the two modules under a second-order
    (linear-Gaussian) feature map: a mean and covariance for the marginal, a
    linear conditional mean and a residual variance for the conditional.

    Parameters
    ----------
    cause : ndarray of shape (n, p)
    effect : ndarray of shape (n,)
    W : ndarray of shape (P, n)
        Local weights (rows sum to one), for both modules unless
        ``W_effect`` is given.
    W_effect : ndarray of shape (P, n), optional
        Weights for ``P(effect | cause)`` (its own width, at the same
        context points).

    Returns
    -------
    f_cause : ndarray of shape (P, 2 p)
    f_effect : ndarray of shape (P, p + 2)
    """
    X = standardize(np.asarray(cause, dtype=float).reshape(len(cause), -1))
    y = standardize(np.asarray(effect, dtype=float).reshape(len(effect), -1))[:, 0]
    m, v = _local_moments(W, X, eps=eps)
    f_cause = np.column_stack([m, 0.5 * np.log(v)])
    beta, res = _local_moments(W if W_effect is None else W_effect, X, y, eps=eps)
    return f_cause, np.column_stack([beta, 0.5 * np.log(res)])


#: ``feature_widths=`` choices of :func:`feature_gram`
FEATURE_WIDTHS = ("per_parameter", "joint")


def feature_gram(F, widths="per_parameter"):
    r"""Gaussian Gram matrix over the context points of a module's parameter sequences.

    Parameters
    ----------
    F : ndarray of shape (P, q)
        The module's local parameters (columns) at ``P`` context points (rows).
    widths : {"per_parameter", "joint"}, default "per_parameter"
        ``"per_parameter"``: a product of one Gaussian kernel per parameter,
        each with its own median-heuristic width,
        :math:`k(f, f') = \exp(-\sum_a (f_a - f'_a)^2 / (2 m_a))` with
        :math:`m_a` the median squared difference of parameter ``a`` (an
        ARD kernel, like the per-input widths that the authors' GP mode
        fits). ``"joint"``: one Gaussian kernel on the standardised
        parameter vectors with the median of the joint squared distances
        (as :func:`gaussianize` does for embeddings). The joint median grows
        with the number of parameters, so that kernel is close to linear on
        three parameters, and linear dependence between the parameters of
        ``P(effect)`` and ``P(cause | effect)`` largely cancels; the
        per-parameter widths keep the kernel local in every parameter.

    Returns
    -------
    ndarray of shape (P, P)

    Raises
    ------
    DataError
        An unknown ``widths``.
    """
    F = np.asarray(F, dtype=float)
    if widths == "joint":
        sd = F.std(axis=0)
        F = (F - F.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
        return gaussianize(F @ F.T)
    if widths != "per_parameter":
        raise DataError(f"feature_widths must be one of {list(FEATURE_WIDTHS)}; got {widths!r}")
    expo = np.zeros((len(F), len(F)))
    iu = np.triu_indices(len(F), 1)
    for col in F.T:
        D = (col[:, None] - col[None, :]) ** 2
        off = D[iu]
        off = off[off > 0]
        if off.size:  # a constant parameter carries no change and is left out
            expo += D / (2.0 * np.median(off))
    return np.exp(-expo)
