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

__all__ = ["subsample_rows", "context_design", "module_gram", "marginal_gram", "gaussianize",
           "centered", "alignment"]


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
    T = len(Kx)
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
