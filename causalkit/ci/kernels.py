"""Kernels and the small linear-algebra helpers the kernel tests share.

Every kernel here is built from a *squared-distance matrix*, so that product
kernels over several columns are sums of per-column distances:

* the Gaussian kernel ``k(a, b) = exp(-||a - b||^2 / (2 w^2))`` with width
  ``w`` (a standard deviation), and
* the categorical (delta) kernel ``k(a, b) = 1 if a == b else 0``, written as
  the limit of a Gaussian whose distance is 0 between equal codes and
  infinite between different ones. A product of delta and Gaussian kernels is
  then ``exp(-(D_gauss + D_delta) / (2 w^2))``, with no special case.

Width rules (for standardised columns) follow causal-learn so that KCI
p-values are comparable: :func:`kci_width` for the conditional test (1.2,
0.7, 0.4 for n < 200, < 1200, otherwise) and :func:`hsic_width` for the
unconditional one (0.8, 0.5, 0.3); :func:`median_width` is the median
heuristic.

References
----------
.. [1] Zhang, K., Peters, J., Janzing, D. and Schoelkopf, B. (2011). Kernel-based
   conditional independence test and application in causal discovery. *UAI*.
.. [2] Gretton, A. et al. (2008). A kernel statistical test of independence. *NIPS*.
.. [3] Williams, C. and Seeger, M. (2001). Using the Nystroem method to speed up
   kernel machines. *NIPS*.
.. [4] Harbrecht, H., Peters, M. and Schneider, R. (2012). On the low-rank
   approximation by the pivoted Cholesky decomposition. *Applied Numerical
   Mathematics* 62(4), 428-440.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "standardize",
    "sq_distances",
    "delta_distances",
    "gaussian_kernel",
    "delta_kernel",
    "kci_width",
    "hsic_width",
    "median_width",
    "center_kernel",
    "center_columns",
    "nystrom_features",
    "pivoted_cholesky",
]


def standardize(X):
    """Columns of ``X`` scaled to mean 0 and standard deviation 1 (``ddof=1``).

    A constant column becomes all zeros rather than NaN.

    Parameters
    ----------
    X : array_like of shape (n_samples,) or (n_samples, n_features)

    Returns
    -------
    ndarray of shape (n_samples, n_features)
    """
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    mu = X.mean(axis=0)
    sd = X.std(axis=0, ddof=1) if len(X) > 1 else np.zeros(X.shape[1])
    out = X - mu
    ok = sd > 0
    out[:, ok] /= sd[ok]
    out[:, ~ok] = 0.0
    return out


def sq_distances(A, B=None):
    """Squared Euclidean distances between the rows of ``A`` and of ``B``.

    Parameters
    ----------
    A : array_like of shape (n, d) or (n,)
    B : array_like of shape (m, d) or (m,), optional
        Defaults to ``A``.

    Returns
    -------
    ndarray of shape (n, m)
        Non-negative; the diagonal is exactly 0 when ``B`` is ``A``.
    """
    A = np.asarray(A, dtype=float)
    A = A[:, None] if A.ndim == 1 else A
    same = B is None
    B = A if same else (np.asarray(B, dtype=float)[:, None] if np.ndim(B) == 1 else np.asarray(B, float))
    if A.shape[1] == 1:
        D = (A - B.T) ** 2
    else:
        a2 = np.einsum("ij,ij->i", A, A)
        b2 = a2 if same else np.einsum("ij,ij->i", B, B)
        D = a2[:, None] + b2[None, :] - 2.0 * (A @ B.T)
        np.maximum(D, 0.0, out=D)
    if same:
        np.fill_diagonal(D, 0.0)
    return D


def delta_distances(a, b=None):
    """Distances that turn a Gaussian kernel into the delta kernel.

    0 where the codes are equal and ``inf`` where they differ, so that
    ``exp(-D / (2 w^2))`` is 1 or 0 whatever the width.

    Parameters
    ----------
    a : array_like of shape (n,)
        Category codes.
    b : array_like of shape (m,), optional
        Defaults to ``a``.

    Returns
    -------
    ndarray of shape (n, m)
    """
    a = np.asarray(a).reshape(-1)
    b = a if b is None else np.asarray(b).reshape(-1)
    return np.where(a[:, None] == b[None, :], 0.0, np.inf)


def gaussian_kernel(D, width):
    """Gaussian kernel ``exp(-D / (2 width^2))`` from squared distances ``D``.

    Parameters
    ----------
    D : ndarray
        Squared distances (``inf`` entries give 0, see :func:`delta_distances`).
    width : float
        Kernel width (standard deviation), positive.

    Returns
    -------
    ndarray, same shape as ``D``

    Examples
    --------
    >>> import numpy as np
    >>> gaussian_kernel(sq_distances(np.array([0.0, 1.0])), 1.0).round(4).tolist()
    [[1.0, 0.6065], [0.6065, 1.0]]
    """
    return np.exp(D * (-0.5 / float(width) ** 2))


def delta_kernel(a, b=None):
    """Categorical kernel: 1 where the codes are equal, 0 elsewhere.

    Parameters
    ----------
    a : array_like of shape (n,)
    b : array_like of shape (m,), optional

    Returns
    -------
    ndarray of shape (n, m)
    """
    a = np.asarray(a).reshape(-1)
    b = a if b is None else np.asarray(b).reshape(-1)
    return (a[:, None] == b[None, :]).astype(float)


def kci_width(n_samples, n_conditioning=1):
    """Causal-learn's empirical width for KCI's conditional test.

    Parameters
    ----------
    n_samples : int
    n_conditioning : int
        Number of columns in the conditioning set.

    Returns
    -------
    float
        ``w * sqrt(n_conditioning)`` with ``w`` = 1.2 (n < 200), 0.7
        (n < 1200) or 0.4, for standardised data. This is causal-learn's
        rule of dividing the kernel's ``1 / w^2`` by the dimension of ``Z``,
        which keeps the typical squared distance over ``2 w^2`` constant as
        ``Z`` grows.
    """
    w = 1.2 if n_samples < 200 else 0.7 if n_samples < 1200 else 0.4
    return w * np.sqrt(max(int(n_conditioning), 1))


def hsic_width(n_samples, n_features=1):
    """Causal-learn's empirical width for the unconditional (HSIC) test.

    Returns ``w / sqrt(n_features)`` with ``w`` = 0.8 (n < 200), 0.5
    (n < 1200) or 0.3.
    """
    w = 0.8 if n_samples < 200 else 0.5 if n_samples < 1200 else 0.3
    return w / np.sqrt(max(int(n_features), 1))


def median_width(X, max_samples=1000, random_state=0):
    """Median heuristic: ``sqrt(2)`` times the median non-zero pairwise distance.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    max_samples : int
        At most this many rows (drawn at random) are used.
    random_state : int
        Seed for that draw.

    Returns
    -------
    float
        1.0 if every pair of rows coincides.
    """
    X = np.asarray(X, dtype=float)
    X = X[:, None] if X.ndim == 1 else X
    if len(X) > max_samples:
        X = X[np.random.default_rng(random_state).choice(len(X), max_samples, replace=False)]
    D = sq_distances(X)
    d = np.sqrt(D[np.triu_indices(len(X), 1)])
    d = d[d > 0]
    return float(np.sqrt(2.0) * np.median(d)) if len(d) else 1.0


def center_kernel(K):
    """``H K H`` with ``H = I - 11'/n``, in O(n^2) for a symmetric ``K``.

    Parameters
    ----------
    K : ndarray of shape (n, n), symmetric

    Returns
    -------
    ndarray of shape (n, n)
    """
    m = K.mean(axis=0)
    return K - m[None, :] - m[:, None] + m.mean()


def center_columns(F):
    """Feature columns minus their means (so ``F F'`` is the centred kernel)."""
    return F - F.mean(axis=0, keepdims=True)


def nystrom_features(K_nm, K_mm, rtol=1e-10):
    """Nystroem features ``F`` with ``F F' ~ K``.

    Parameters
    ----------
    K_nm : ndarray of shape (n, m)
        Kernel between all points and ``m`` landmarks.
    K_mm : ndarray of shape (m, m)
        Kernel among the landmarks.
    rtol : float
        Eigenvalues of ``K_mm`` below ``rtol`` times the largest are dropped.

    Returns
    -------
    ndarray of shape (n, r), r <= m

    Notes
    -----
    ``K ~ K_nm K_mm^+ K_mn = F F'`` with ``F = K_nm U diag(lambda^(-1/2))`` from
    the eigendecomposition ``K_mm = U diag(lambda) U'`` [3]_.
    """
    lam, U = np.linalg.eigh(K_mm)
    keep = lam > rtol * max(lam.max(), 1e-300)
    return K_nm @ (U[:, keep] / np.sqrt(lam[keep]))


def pivoted_cholesky(diag, column, tol=1e-10, max_rank=None):
    """Low-rank factor ``F`` with ``F F' ~ K`` by greedy pivoted Cholesky.

    Parameters
    ----------
    diag : ndarray of shape (n,)
        Diagonal of the positive semi-definite matrix ``K``.
    column : callable
        ``column(i)`` returns column ``i`` of ``K`` (shape (n,)).
    tol : float
        Stop when the trace of the residual ``K - F F'`` falls below
        ``tol`` times the trace of ``K``.
    max_rank : int, optional
        Give up beyond this rank (defaults to ``n``).

    Returns
    -------
    F : ndarray of shape (n, r) or None
        ``None`` when ``max_rank`` is reached before ``tol``.

    Notes
    -----
    Each step takes the pivot with the largest residual diagonal; the error
    ``K - F F'`` is positive semi-definite and its trace is at most
    ``tol * trace(K)``, which bounds every entry (Harbrecht, Peters and
    Schneider 2012).
    """
    d = np.array(diag, dtype=float)
    n = len(d)
    max_rank = n if max_rank is None else min(int(max_rank), n)
    stop = tol * d.sum()
    F = np.zeros((n, max_rank))
    for r in range(max_rank):
        p = int(np.argmax(d))
        if d.sum() <= stop or d[p] <= 0:
            return F[:, :r]
        f = column(p) - F[:, :r] @ F[p, :r]
        f /= np.sqrt(d[p])
        F[:, r] = f
        d -= f * f
        d[p] = 0.0
    return F if d.sum() <= stop else None
