"""Chi-square and G-squared tests of conditional independence for discrete data.

For discrete ``X``, ``Y`` and a conditioning set ``S``, the data are split
into strata, one per value of ``S`` seen in the sample. In each stratum the
observed table of ``(X, Y)`` counts is compared with the table expected under
independence within that stratum, ``E[s, x, y] = N[s, x] N[s, y] / N[s]``.
Summed over strata,

* Pearson's statistic is ``X2 = sum (N - E)^2 / E``, and
* the likelihood-ratio statistic is ``G2 = 2 sum N log(N / E)``;

both are referred to a chi-square distribution.

Degrees of freedom
------------------
A stratum with ``r`` values of ``X`` and ``c`` values of ``Y`` contributes
``(r - 1)(c - 1)`` degrees of freedom, where (as in causal-learn, so that
p-values agree) ``r`` and ``c`` count only the values that occur in that
stratum: a row or column of the table whose expected counts are all zero
gives no degree of freedom. Strata that do not occur are skipped. The
cardinality of each variable is the number of distinct values it takes in the
whole sample. When the total is zero degrees of freedom (for instance, ``X``
is constant within every stratum) there is no evidence of dependence and the
p-value is 1.

References
----------
.. [1] Spirtes, P., Glymour, C. and Scheines, R. (2000). *Causation,
   Prediction, and Search*, 2nd ed., section 5.4.2.
.. [2] Agresti, A. (2013). *Categorical Data Analysis*, 3rd ed., sections
   3.2 and 6.3 (tests of conditional independence in three-way tables).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import chi2

from ..exceptions import DataError
from .base import CITest

__all__ = ["ChiSquare", "GSquare", "contingency_test"]

# Above this many cells the stratum x X x Y table is not allocated densely;
# strata are re-indexed to those that occur instead.
_DENSE_CELLS = 100_000


def _encode_columns(data, names):
    """Integer codes ``0..k-1`` per column (sorted distinct values) and cardinalities."""
    data = np.asarray(data)
    codes = np.empty(data.shape, dtype=np.int64)
    card = np.empty(data.shape[1], dtype=np.int64)
    for j in range(data.shape[1]):
        col = data[:, j]
        if col.dtype.kind == "f" and not np.all(np.isfinite(col)):
            raise DataError(f"column {names[j]!r} holds NaN or inf; discrete tests need finite codes")
        values, inv = np.unique(col, return_inverse=True)
        codes[:, j] = inv.reshape(-1)
        card[j] = len(values)
    return codes, card


def _count_tables(codes_x, codes_y, codes_s, card_x, card_y, card_s):
    """Observed counts, shape (n_strata, card_x, card_y) (some strata may be empty)."""
    n = len(codes_x)
    if codes_s.shape[1] == 0:
        stratum = np.zeros(n, dtype=np.int64)
        n_strata = 1
    else:
        total = int(np.prod(card_s, dtype=np.float64))
        if total * card_x * card_y < _DENSE_CELLS:
            # mixed-radix index of the stratum, then drop the empty ones below
            stratum = np.ravel_multi_index(tuple(codes_s.T), tuple(card_s))
            n_strata = total
        else:
            _, stratum = np.unique(codes_s, axis=0, return_inverse=True)
            stratum = stratum.reshape(-1)
            n_strata = int(stratum.max()) + 1
    flat = (stratum * card_x + codes_x) * card_y + codes_y
    counts = np.bincount(flat, minlength=n_strata * card_x * card_y)
    return counts.reshape(n_strata, card_x, card_y).astype(float)


def contingency_test(counts, statistic="chisq"):
    """Stratified chi-square or G-squared test on a stack of count tables.

    Parameters
    ----------
    counts : array_like of shape (n_strata, r, c)
        Observed counts of ``(X, Y)`` in each stratum of the conditioning set.
    statistic : {"chisq", "gsq"}
        Pearson's chi-square or the likelihood-ratio G-squared.

    Returns
    -------
    stat : float
        The statistic summed over strata.
    dof : int
        Degrees of freedom: per stratum ``(r' - 1)(c' - 1)`` with ``r'``, ``c'``
        the numbers of rows and columns that are not empty in that stratum;
        empty strata are skipped.
    pvalue : float
        Upper tail of the chi-square distribution; 1.0 when ``dof`` is 0.

    Raises
    ------
    UnknownMethodError
        If ``statistic`` is not ``"chisq"`` or ``"gsq"``.

    Examples
    --------
    >>> import numpy as np
    >>> stat, dof, p = contingency_test(np.array([[[10, 10], [10, 10]]]))
    >>> float(stat), int(dof), float(p)
    (0.0, 1, 1.0)
    """
    from ..exceptions import UnknownMethodError

    if statistic not in ("chisq", "gsq"):
        raise UnknownMethodError(f"statistic must be one of ['chisq', 'gsq']; got {statistic!r}")
    counts = np.asarray(counts, dtype=float)
    counts = counts[counts.sum(axis=(1, 2)) > 0]  # strata absent from the sample
    row = counts.sum(axis=2)
    col = counts.sum(axis=1)
    tot = row.sum(axis=1)
    expected = row[:, :, None] * col[:, None, :] / tot[:, None, None]
    nonzero = expected > 0
    safe = np.where(nonzero, expected, 1.0)
    if statistic == "chisq":
        stat = float(np.sum(np.where(nonzero, (counts - expected) ** 2 / safe, 0.0)))
    else:
        ratio = np.where(counts > 0, counts / safe, 1.0)
        stat = float(2.0 * np.sum(counts * np.log(ratio)))
    dof = int(np.sum(((row > 0).sum(axis=1) - 1) * ((col > 0).sum(axis=1) - 1)))
    if dof <= 0:
        return stat, 0, 1.0
    return stat, dof, float(chi2.sf(stat, dof))


class _StratifiedTest(CITest):
    """Shared machinery of :class:`ChiSquare` and :class:`GSquare`."""

    data_type = "discrete"
    statistic = "chisq"

    def __init__(self, data, names=None):
        super().__init__(data, names=names)
        self.codes_, self.cardinalities_ = _encode_columns(self.data, self.names)

    def _compute(self, x, y, S):
        return self.test(x, y, S)[2]

    def test(self, x, y, S=()):
        """Statistic, degrees of freedom and p-value of ``X_x _||_ X_y | X_S``.

        Parameters
        ----------
        x, y : int
            Column indices.
        S : sequence of int
            Column indices of the conditioning set.

        Returns
        -------
        stat : float
        dof : int
        pvalue : float
        """
        S = list(S)
        counts = _count_tables(
            self.codes_[:, x], self.codes_[:, y], self.codes_[:, S],
            int(self.cardinalities_[x]), int(self.cardinalities_[y]), self.cardinalities_[S],
        )
        return contingency_test(counts, self.statistic)


class ChiSquare(_StratifiedTest):
    """Pearson chi-square test of conditional independence for discrete data.

    Each column is re-coded to ``0..k-1`` by its sorted distinct values, so any
    labels (integers, floats holding integers, strings) work. See the module
    docstring for the statistic and the degrees of freedom, which follow
    causal-learn's ``"chisq"`` so that p-values agree.

    Parameters
    ----------
    data : ndarray of shape (n_samples, n_variables)
        Discrete data, one code per category.
    names : list of str, optional
        Column names, for messages.

    Raises
    ------
    DataError
        If a column holds NaN or inf.

    Notes
    -----
    The chi-square approximation needs expected counts of about 5 or more per
    cell; with many strata and few samples the test loses power and its
    level is only approximate. Prefer :class:`GSquare` for PC on discrete data
    (the usual choice, and what ``ci_test="auto"`` picks).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> z = rng.integers(0, 2, 500)
    >>> x = (z ^ (rng.random(500) < 0.1)).astype(int)
    >>> y = (z ^ (rng.random(500) < 0.1)).astype(int)
    >>> t = ChiSquare(np.column_stack([x, y, z]))
    >>> t.pvalue(0, 1) < 1e-6, t.pvalue(0, 1, [2]) > 0.01
    (True, True)
    """

    name = "chisq"
    statistic = "chisq"


class GSquare(_StratifiedTest):
    """G-squared (likelihood-ratio) test of conditional independence for discrete data.

    ``G2 = 2 sum N log(N / E)`` over the strata of the conditioning set, with
    the same degrees of freedom as :class:`ChiSquare` (and as causal-learn's
    ``"gsq"``).

    Parameters
    ----------
    data : ndarray of shape (n_samples, n_variables)
        Discrete data, one code per category.
    names : list of str, optional
        Column names, for messages.

    Raises
    ------
    DataError
        If a column holds NaN or inf.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> x, y = rng.integers(0, 3, (2, 400))
    >>> GSquare(np.column_stack([x, y])).pvalue(0, 1) > 0.01
    True
    """

    name = "gsq"
    statistic = "gsq"
