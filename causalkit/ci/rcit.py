"""Randomized conditional independence tests RCIT and RCoT (Strobl et al. 2019).

Both replace KCI's n x n kernel matrices by random Fourier features (RFF,
Rahimi and Recht 2007): for a Gaussian kernel of width ``sigma``,
``phi(x) = sqrt(2) cos(W x + b)`` with ``W ~ N(0, 1 / sigma^2)`` and
``b ~ U(0, 2 pi)`` gives ``E[phi(x)' phi(x')] = k(x, x')``. The test then
works with small covariance matrices, in O(n f^2) for ``f`` features.

With standardised features ``fx`` (``num_f2`` of them), ``fy`` and ``fz``
(``num_f``), the statistic is ``n ||C_xy.z||_F^2`` with the partial
cross-covariance ``C_xy.z = C_xy - C_xz C_zz^{-1} C_zy`` (eq. 8 of [1]_).
Under the null it is asymptotically ``sum_k lambda_k chi2_1`` with ``lambda``
the eigenvalues of the covariance of the products of the residuals of ``fx``
and ``fy`` after regression on ``fz``. That sum is approximated by

* ``"gamma"``: Satterthwaite-Welch (match mean and variance),
* ``"hbe"``: Hall-Buckley-Eagleson (match three cumulants; the default),
* ``"chi2"``: the statistic whitened by that covariance, referred to a
  chi-square with ``num_f2^2`` degrees of freedom,
* ``"perm"``: permutations of the residuals (``n_permutations``).

RCIT augments ``Y`` with ``Z`` (tests ``X _||_ (Y, Z) | Z``, [1]_ section 4);
RCoT (the default here, which [1]_ recommends for causal discovery because it
is better calibrated with large conditioning sets) does not. With an empty
conditioning set both reduce to the randomized independence test RIT.

Kernel widths are the median of the non-zero pairwise distances among the
first 500 rows of each standardised block, as in the reference R code.

Reproducibility: each block's random features are drawn from a generator
seeded by ``random_state`` and the block's column indices, so a test's answer
does not depend on which tests ran before it.

References
----------
.. [1] Strobl, E. V., Zhang, K. and Visweswaran, S. (2019). Approximate
   kernel-based conditional independence tests for fast non-parametric causal
   discovery. *Journal of Causal Inference* 7(1), 20180017.
.. [2] Rahimi, A. and Recht, B. (2007). Random features for large-scale kernel
   machines. *NIPS 20*.
.. [3] Hall, P. (1983). Chi squared approximations to the distribution of a sum
   of independent random variables. *Annals of Probability* 11(4), 1028-1036.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from ..exceptions import DataError, UnknownMethodError
from .base import CITest
from .kernels import sq_distances, standardize

__all__ = ["RCIT", "weighted_chi2_sf"]

_NULLS = ("hbe", "gamma", "chi2", "perm")
_VARIANTS = ("rcot", "rcit")


def weighted_chi2_sf(stat, weights, method="hbe"):
    """Upper tail of ``sum_k w_k chi2_1`` by a moment-matching approximation.

    Parameters
    ----------
    stat : float
        Observed value.
    weights : array_like
        Non-negative weights ``w_k``.
    method : {"hbe", "gamma"}
        Hall-Buckley-Eagleson (three cumulants: a scaled, shifted chi-square)
        or Satterthwaite-Welch (two moments: a gamma).

    Returns
    -------
    float
        Approximate ``P(sum_k w_k chi2_1 >= stat)``; 1.0 when all weights are 0.

    Raises
    ------
    UnknownMethodError
        An unknown ``method``.

    Examples
    --------
    >>> round(weighted_chi2_sf(3.84, [1.0]), 3)  # one chi2_1: exact for hbe
    0.05
    """
    w = np.asarray(weights, dtype=float)
    w = w[w > 0]
    k1, k2, k3 = w.sum(), 2.0 * np.sum(w ** 2), 8.0 * np.sum(w ** 3)
    if not k1 > 0:
        return 1.0
    if method == "gamma":
        return float(stats.gamma.sf(stat, k1 * k1 / k2, scale=k2 / k1))
    if method == "hbe":
        # a chi2_nu + c with the cumulants k1, k2, k3 of the weighted sum
        nu = 8.0 * k2 ** 3 / k3 ** 2
        a = k3 / (4.0 * k2)
        c = k1 - a * nu
        return float(stats.chi2.sf((stat - c) / a, nu))
    raise UnknownMethodError(f"method must be one of ['hbe', 'gamma']; got {method!r}")


def _median_distance(X, max_rows=500):
    D = sq_distances(X[:max_rows])
    d = np.sqrt(D[np.triu_indices(len(D), 1)])
    d = d[d > 0]
    return float(np.median(d)) if len(d) else 1.0


def _standardize_features(F):
    F = F - F.mean(axis=0)
    sd = F.std(axis=0, ddof=1)
    sd[sd == 0] = 1.0
    return F / sd


class RCIT(CITest):
    """Randomized conditional independence test with random Fourier features.

    Fast approximation of KCI for large samples (Strobl et al. 2019): each
    test costs O(n (num_f^2 + num_f2^4)) and no n x n matrix is formed.
    See the module docstring for the statistic and the null approximations.

    Parameters
    ----------
    data : ndarray of shape (n_samples, n_variables)
        Continuous data.
    names : list of str, optional
        Column names, for messages.
    variant : {"rcot", "rcit"}, default "rcot"
        RCoT tests ``X _||_ Y | Z``; RCIT tests ``X _||_ (Y, Z) | Z``.
    num_f : int, default 100
        Random features of the conditioning set.
    num_f2 : int, default 5
        Random features of ``X`` and of ``Y``.
    null : {"hbe", "gamma", "chi2", "perm"}, default "hbe"
        How the null distribution is approximated.
    n_permutations : int, default 1000
        For ``null="perm"``.
    random_state : int, default 0
        Seed of the random features (and permutations).

    Raises
    ------
    DataError
        NaN or inf in the data, or a non-positive number of features.
    UnknownMethodError
        An unknown ``variant`` or ``null``.

    Notes
    -----
    The answer is random through the features; ``random_state`` makes it
    reproducible, and a test's answer does not depend on the order of the
    calls. With few samples (n < ~300) the asymptotic null is rough; prefer
    :class:`~causalkit.ci.kci.KCI` there.

    References
    ----------
    .. [1] Strobl, E. V., Zhang, K. and Visweswaran, S. (2019). Approximate
       kernel-based conditional independence tests for fast non-parametric
       causal discovery. *Journal of Causal Inference* 7(1).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=1000)
    >>> x = np.sin(2 * z) + 0.3 * rng.normal(size=1000)
    >>> y = np.cos(2 * z) + 0.3 * rng.normal(size=1000)
    >>> t = RCIT(np.column_stack([x, y, z]))
    >>> t.pvalue(0, 1) < 0.01, t.pvalue(0, 1, [2]) > 0.01
    (True, True)
    """

    name = "rcit"
    data_type = "continuous"

    def __init__(self, data, names=None, *, variant="rcot", num_f=100, num_f2=5, null="hbe",
                 n_permutations=1000, random_state=0):
        super().__init__(data, names=names)
        self.variant = variant
        self.num_f = num_f
        self.num_f2 = num_f2
        self.null = null
        self.n_permutations = n_permutations
        self.random_state = random_state
        if variant not in _VARIANTS:
            raise UnknownMethodError(f"variant must be one of {list(_VARIANTS)}; got {variant!r}")
        if null not in _NULLS:
            raise UnknownMethodError(f"null must be one of {list(_NULLS)}; got {null!r}")
        for opt, v in (("num_f", num_f), ("num_f2", num_f2), ("n_permutations", n_permutations)):
            if int(v) < 1:
                raise DataError(f"{opt} must be a positive integer; got {v!r}")
        values = np.asarray(self.data, dtype=float)
        bad = ~np.all(np.isfinite(values), axis=0)
        if bad.any():
            raise DataError(f"columns {[self.names[j] for j in np.flatnonzero(bad)]} hold NaN or inf; "
                            "RCIT needs finite data")
        self._z = standardize(values)
        self._feats = {}

    def _features(self, cols, num, role):
        """Standardised RFF of the columns ``cols`` (cached, seeded by role and columns)."""
        key = (role, cols, num)
        F = self._feats.get(key)
        if F is None:
            X = self._z[:, list(cols)]
            sigma = _median_distance(X)
            seed = np.random.SeedSequence([int(self.random_state), {"x": 0, "y": 1, "z": 2}[role], *cols])
            rng = np.random.default_rng(seed)
            W = rng.normal(size=(X.shape[1], num)) / sigma
            b = rng.uniform(0.0, 2.0 * np.pi, size=num)
            F = _standardize_features(np.sqrt(2.0) * np.cos(X @ W + b))
            if len(self._feats) > 512:
                self._feats.clear()
            self._feats[key] = F
        return F

    def statistic(self, x, y, S=()):
        """The statistic, the weights of its chi-square null and the residual features.

        Parameters
        ----------
        x, y : int
            Column indices.
        S : sequence of int
            Conditioning set.

        Returns
        -------
        stat : float
        weights : ndarray
            Eigenvalues of the covariance of the residual products.
        rx, ry : ndarray
            Residual features of X and Y (for permutations).
        """
        n = self.n_samples
        S = tuple(sorted(int(s) for s in S))
        fx = self._features((int(x),), int(self.num_f2), "x")
        ycols = (int(y),) + (S if self.variant == "rcit" else ())
        fy = self._features(ycols, int(self.num_f2), "y")
        if S:
            fz = self._features(S, int(self.num_f), "z")
            Czz = fz.T @ fz / (n - 1)
            Czz[np.diag_indices_from(Czz)] += 1e-10
            # residuals of fx, fy on fz: fz Czz^{-1} Czx
            B = np.linalg.solve(Czz, fz.T @ np.column_stack([fx, fy]) / (n - 1))
            R = np.column_stack([fx, fy]) - fz @ B
            rx, ry = R[:, : fx.shape[1]], R[:, fx.shape[1]:]
            Cxy = (fx.T @ fy - (fx.T @ fz) @ B[:, fx.shape[1]:]) / (n - 1)
        else:
            rx, ry = fx, fy
            Cxy = fx.T @ fy / (n - 1)
        stat = n * float(np.sum(Cxy ** 2))
        P = (rx[:, :, None] * ry[:, None, :]).reshape(n, -1)
        P = P - P.mean(axis=0) if not S else P
        cov = P.T @ P / n
        return stat, cov, rx, ry, Cxy

    def _compute(self, x, y, S):
        n = self.n_samples
        stat, cov, rx, ry, Cxy = self.statistic(x, y, S)
        if self.null == "chi2":
            v = Cxy.reshape(-1)
            wstat = n * float(v @ np.linalg.pinv(cov, hermitian=True) @ v)
            return float(stats.chi2.sf(wstat, v.size))
        if self.null == "perm":
            rng = np.random.default_rng(np.random.SeedSequence([int(self.random_state), 3, x, y, *S]))
            rx = rx - rx.mean(axis=0)
            ry = ry - ry.mean(axis=0)
            obs = np.sum((rx.T @ ry) ** 2)
            hits = sum(np.sum((rx[rng.permutation(n)].T @ ry) ** 2) >= obs
                       for _ in range(int(self.n_permutations)))
            return (1.0 + hits) / (1.0 + self.n_permutations)
        lam = np.linalg.eigvalsh(cov)
        return min(1.0, max(0.0, weighted_chi2_sf(stat, lam, self.null)))
