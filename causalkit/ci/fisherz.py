r"""Fisher-z test of conditional independence for (approximately) Gaussian data.

For jointly Gaussian variables, :math:`X \perp Y \mid S` holds exactly when the
partial correlation :math:`\rho_{XY \cdot S}` is zero. The sample partial
correlation is read off the inverse :math:`P = R_{VV}^{-1}` of the correlation
sub-matrix over :math:`V = (X, Y, S)`:

.. math::

    r = -\frac{P_{01}}{\sqrt{P_{00} P_{11}}},

and Fisher's transform :math:`z = \tfrac12 \log\frac{1 + r}{1 - r}` is
approximately normal with variance :math:`1 / (n - |S| - 3)` under the null
(Fisher 1924), so the two-sided p-value is

.. math::

    p = 2 \, \bar\Phi\left(\sqrt{n - |S| - 3}\; |z|\right).

The correlation matrix of the data is computed once, when the test is built;
each test then only inverts a :math:`(|S| + 2) \times (|S| + 2)` matrix. A
batch of tests with the same :math:`|S|` is computed at once with stacked
numpy linear algebra (:meth:`FisherZ._compute_many`), which is what makes the
PC skeleton fast: one call per depth level instead of one Python call per test.

References
----------
Fisher, R. A. (1924). The distribution of the partial correlation coefficient.
*Metron* 3, 329-332.

Kalisch, M. and Bühlmann, P. (2007). Estimating high-dimensional directed
acyclic graphs with the PC-algorithm. *JMLR* 8, 613-636.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from ..exceptions import DataError
from .base import CITest

__all__ = ["FisherZ"]

# |r| is clamped below 1 so that Fisher's transform stays finite (a deterministic
# relation or a tiny sample can give |r| = 1 up to rounding).
_R_MAX = 1.0 - np.finfo(float).eps
# Tests per stacked linear-algebra call: bounds the temporary (B, k+2, k+2) array.
_CHUNK = 65536


def _pvalues_from_r(r, n, k):
    """Two-sided Fisher-z p-values of partial correlations ``r`` with ``|S| = k``."""
    r = np.clip(np.nan_to_num(r, nan=0.0), -_R_MAX, _R_MAX)
    z = np.abs(np.arctanh(r)) * np.sqrt(n - k - 3)
    # 2 * (1 - Phi(z)) written with the lower tail of -z: exact in the far tail.
    return 2.0 * ndtr(-z)


class FisherZ(CITest):
    """Fisher-z test of zero partial correlation.

    Parameters
    ----------
    data : ndarray of shape (n_samples, n_variables)
        Continuous data, already validated (see :func:`causalkit.data.check_data`,
        which also rejects exactly collinear columns).
    names : list of str, optional
        Column names, for messages.

    Attributes
    ----------
    correlation : ndarray of shape (n_variables, n_variables)
        The Pearson correlation matrix of ``data`` (``np.corrcoef``).

    Raises
    ------
    DataError
        If the data has fewer than 4 rows, or a column is constant or not finite.

    Notes
    -----
    The p-value of ``X _||_ Y | S`` equals causal-learn's ``fisherz`` on the same
    data to rounding (both use ``np.corrcoef`` and the inverse of the correlation
    sub-matrix); here the upper tail is computed as ``ndtr(-z)`` rather than
    ``1 - cdf(z)``, which only differs where the p-value is below ~1e-16.

    ``n - |S| - 3`` must be positive: a test with ``|S| >= n - 3`` raises
    :class:`~causalkit.exceptions.DataError`.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=500)
    >>> x, y = z + rng.normal(size=500), z + rng.normal(size=500)
    >>> test = FisherZ(np.column_stack([x, y, z]))
    >>> bool(test.pvalue(0, 1) < 0.01), bool(test.pvalue(0, 1, [2]) > 0.01)
    (True, True)
    """

    name = "fisherz"
    data_type = "continuous"

    def __init__(self, data, names=None):
        super().__init__(np.asarray(data, dtype=float), names=names)
        if self.n_samples < 4:
            raise DataError(f"the Fisher-z test needs at least 4 samples; got {self.n_samples}")
        if not np.all(np.isfinite(self.data)):
            raise DataError("the Fisher-z test needs finite data; found NaN or inf")
        sd = self.data.std(axis=0)
        const = [self.names[j] for j in np.flatnonzero(sd == 0)]
        if const:
            raise DataError(f"the Fisher-z test cannot use constant columns: {const}")
        self.correlation = np.corrcoef(self.data.T)
        _check_not_collinear(self.correlation, self.names)

    def pvalues_batch(self, x, y, S):
        """p-values of many tests given as arrays, without the per-test Python work.

        The fast path of the PC skeleton: the tests of one depth arrive as
        three arrays, duplicates (``(x, y, S)`` and ``(y, x, S)``, or a set in
        another order) are computed once, and nothing is cached (a depth
        never repeats the tests of another one).

        Parameters
        ----------
        x, y : array-like of int, shape (B,)
            Column indices of the tested pairs.
        S : array-like of int, shape (B, k)
            Conditioning sets, all of the same size ``k`` (``k = 0`` allowed).

        Returns
        -------
        ndarray of shape (B,)
            The p-values, in the order of the input; equal to
            :meth:`pvalue` of each row.
        """
        x = np.asarray(x, dtype=np.intp).ravel()
        y = np.asarray(y, dtype=np.intp).ravel()
        S = np.asarray(S, dtype=np.intp)
        if S.ndim != 2 or S.shape[0] != x.shape[0] or y.shape != x.shape:
            raise DataError(f"pvalues_batch needs x, y of shape (B,) and S of shape (B, k); got "
                            f"{x.shape}, {y.shape}, {S.shape}")
        if x.size == 0:
            return np.zeros(0)
        k = S.shape[1]
        self._check_size(k)
        rows = np.column_stack([np.minimum(x, y), np.maximum(x, y), np.sort(S, axis=1)])
        if np.any(rows < 0) or np.any(rows >= self.n_variables):
            raise DataError(f"pvalues_batch got column indices outside 0..{self.n_variables - 1}")
        uniq, inverse = _unique_rows(rows, self.n_variables)
        p = np.empty(len(uniq))
        for start in range(0, len(uniq), _CHUNK):
            sl = slice(start, start + _CHUNK)
            p[sl] = _pvalues_from_r(self._partial_correlations(self.correlation, uniq[sl]), self.n_samples, k)
        self.n_tests += len(uniq)
        return p[inverse]

    def _check_size(self, k):
        if self.n_samples - k - 3 < 1:
            raise DataError(
                f"the Fisher-z test with a conditioning set of size {k} needs more than "
                f"{k + 3} samples; got {self.n_samples}"
            )

    def _compute(self, x, y, S):
        return float(self._compute_many([(x, y, tuple(S))])[0])

    def _compute_many(self, keys):
        """p-values of ``keys`` ``[(x, y, S), ...]``, grouped by ``|S|`` and stacked."""
        out = np.empty(len(keys), dtype=float)
        by_size = {}
        for i, (_, _, S) in enumerate(keys):
            by_size.setdefault(len(S), []).append(i)
        C = self.correlation
        for k, where in by_size.items():
            self._check_size(k)
            where = np.asarray(where)
            idx = np.array([(keys[i][0], keys[i][1], *keys[i][2]) for i in where], dtype=np.intp)
            idx = idx.reshape(len(where), k + 2)
            for start in range(0, len(where), _CHUNK):
                sl = slice(start, start + _CHUNK)
                out[where[sl]] = _pvalues_from_r(self._partial_correlations(C, idx[sl]),
                                                 self.n_samples, k)
        return out

    @staticmethod
    def _partial_correlations(C, idx):
        """Partial correlations of columns 0 and 1 of ``idx`` given the rest, stacked."""
        if idx.shape[1] == 2:
            return C[idx[:, 0], idx[:, 1]]
        sub = C[idx[:, :, None], idx[:, None, :]]
        try:
            P = np.linalg.inv(sub)
        except np.linalg.LinAlgError:
            # Only reachable for data that was not validated: a singular
            # sub-matrix. The pseudo-inverse keeps the batch going.
            P = np.linalg.pinv(sub, hermitian=True)
        return -P[:, 0, 1] / np.sqrt(np.abs(P[:, 0, 0] * P[:, 1, 1]))


def _unique_rows(rows, base):
    """``np.unique(rows, axis=0, return_inverse=True)``, fast for small integer rows.

    Rows of digits ``< base`` are packed into one int64 when they fit, so the
    sort is over integers instead of byte strings.
    """
    width = rows.shape[1]
    if width * np.log2(max(base, 2)) < 62:
        code = np.zeros(len(rows), dtype=np.int64)
        for c in range(width):
            code = code * base + rows[:, c]
        _, first, inverse = np.unique(code, return_index=True, return_inverse=True)
        return rows[first], inverse.ravel()
    uniq, inverse = np.unique(rows, axis=0, return_inverse=True)
    return uniq, inverse.ravel()


def _check_not_collinear(C, names, tol=1e-10):
    """Raise if a column is (numerically) an exact linear function of others.

    Works on the correlation matrix: the squared diagonal of its Cholesky
    factor is, for each column, one minus the R^2 of its regression on the
    columns before it. The slow, greedy search that names the dependent set
    runs only when that test fails.
    """
    try:
        L = np.linalg.cholesky(C)
        if np.min(np.diag(L)) ** 2 > tol:
            return
    except np.linalg.LinAlgError:
        pass
    kept = []
    for j in range(C.shape[0]):
        if kept:
            beta = np.linalg.lstsq(C[np.ix_(kept, kept)], C[kept, j], rcond=None)[0]
            resid = C[j, j] - C[j, kept] @ beta
        else:
            beta, resid = np.zeros(0), C[j, j]
        if resid <= tol:
            involved = [names[kept[i]] for i in np.flatnonzero(np.abs(beta) > 1e-6)]
            raise DataError(
                f"columns are exactly collinear: {names[j]!r} is a linear function of {involved}; "
                "the Fisher-z test cannot invert their correlation matrix. Drop one of them."
            )
        kept.append(j)
