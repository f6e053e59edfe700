"""Validation of the data every algorithm receives: one path, one set of messages.

Every discovery method calls :func:`check_data` first, so bad input is stopped
with the same clear error everywhere instead of a wrong answer or a
``math domain error`` deep inside a test.

Discrete columns
----------------
A column is treated as *discrete* when its dtype is categorical, object,
string or bool, or when it holds integers with at most ``max_categories``
distinct values. Discrete columns are encoded as integer codes ``0..k-1`` (in
sorted order of their values) in :attr:`CheckedData.values`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .exceptions import DataError

__all__ = ["check_data", "CheckedData", "CONTINUOUS_TESTS", "GAUSSIAN_TESTS"]

#: tests that need every column numeric
CONTINUOUS_TESTS = {"fisherz", "kci", "rcit"}
#: tests whose statistic needs a non-singular correlation matrix
GAUSSIAN_TESTS = {"fisherz"}
_MISSING = ("error", "drop")


@dataclass
class CheckedData:
    """Validated data, ready for an algorithm.

    Attributes
    ----------
    frame : DataFrame
        The validated columns (rows with missing values removed when
        ``missing="drop"``), names as ``str``.
    values : ndarray of float, shape (n_samples, n_variables)
        Numeric matrix; discrete columns as integer codes.
    names : list of str
    discrete : ndarray of bool
        Per column, whether it is discrete.
    categories : dict
        For each discrete column, the original values in code order.
    n_dropped : int
        Rows removed because of missing values.
    """

    frame: pd.DataFrame
    values: np.ndarray
    names: list
    discrete: np.ndarray
    categories: dict = field(default_factory=dict)
    n_dropped: int = 0

    @property
    def n_samples(self):
        return self.values.shape[0]

    @property
    def n_variables(self):
        return self.values.shape[1]


def _as_frame(data, argname):
    if isinstance(data, pd.DataFrame):
        df = data
    elif isinstance(data, (np.ndarray, list, tuple)):
        a = np.asarray(data)
        if a.ndim != 2:
            raise DataError(f"{argname} must be 2-dimensional (samples x variables); got shape {a.shape}")
        df = pd.DataFrame(a, columns=[f"X{i}" for i in range(a.shape[1])])
    else:
        raise DataError(
            f"{argname} must be a pandas DataFrame or a 2-D numpy array; got {type(data).__name__}"
        )
    cols = [str(c) for c in df.columns]
    dup = sorted({c for c in cols if cols.count(c) > 1})
    if dup:
        raise DataError(f"duplicate column names in {argname}: {dup}")
    df = df.copy()
    df.columns = cols
    return df


def _is_discrete(col, max_categories):
    dt = col.dtype
    if isinstance(dt, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(dt):
        return True
    if pd.api.types.is_object_dtype(dt) or pd.api.types.is_string_dtype(dt):
        return True
    if pd.api.types.is_integer_dtype(dt):
        return col.nunique(dropna=True) <= max_categories
    return False


def check_data(data, *, ci_test=None, missing="error", min_samples=None, discrete=None,
               max_categories=20, check_collinear=None, argname="data"):
    """Validate a dataset and return it as a named numeric matrix.

    Parameters
    ----------
    data : DataFrame or ndarray of shape (n_samples, n_variables)
        A numpy array gets the names ``X0..X{d-1}``.
    ci_test : str, optional
        The independence test the data will meet. ``"fisherz"``, ``"kci"`` and
        ``"rcit"`` need numeric columns; ``"fisherz"`` also needs a
        non-singular correlation matrix (see ``check_collinear``).
    missing : {"error", "drop"}, default "error"
        What to do with NaN/inf: raise naming the columns, or drop the rows
        (the number dropped is recorded).
    min_samples : int, optional
        Minimum number of rows; defaults to ``max(3, n_variables + 2)`` for
        Gaussian tests and 3 otherwise.
    discrete : bool or list of str, optional
        Force all columns (True), none (False) or the named columns to be
        treated as discrete. Default: inferred per column (module docstring).
    max_categories : int, default 20
        Integer columns with at most this many distinct values are discrete.
    check_collinear : bool, optional
        Check that no column is an exact linear function of others. Defaults
        to True for Gaussian tests.
    argname : str
        Name of the argument, used in messages.

    Returns
    -------
    CheckedData

    Raises
    ------
    DataError
        NaN or inf (``missing="error"``), constant columns, non-numeric
        columns for continuous tests, duplicate names, fewer than 2 variables,
        too few rows, exactly collinear columns, unknown option values.

    Examples
    --------
    >>> import pandas as pd
    >>> checked = check_data(pd.DataFrame({"a": [1.0, 2.0, 3.5, 4.0], "b": [0.5, 0.1, 0.9, 0.3]}))
    >>> checked.names
    ['a', 'b']
    """
    if missing not in _MISSING:
        raise DataError(f"missing must be one of {list(_MISSING)}; got {missing!r}")
    df = _as_frame(data, argname)
    if df.shape[1] < 2:
        raise DataError(f"{argname} needs at least 2 variables (columns); got {df.shape[1]}")

    if discrete is True:
        disc = [True] * df.shape[1]
    elif discrete is False:
        disc = [False] * df.shape[1]
    elif discrete is None:
        disc = [_is_discrete(df[c], max_categories) for c in df.columns]
    else:
        unknown = [c for c in discrete if str(c) not in df.columns]
        if unknown:
            raise DataError(f"discrete names columns not in {argname}: {unknown}")
        names = {str(c) for c in discrete}
        disc = [c in names for c in df.columns]
    disc = np.array(disc, dtype=bool)

    if ci_test in CONTINUOUS_TESTS:
        bad = [c for c, d in zip(df.columns, disc)
               if d and not pd.api.types.is_numeric_dtype(df[c].dtype)]
        if bad:
            raise DataError(
                f"ci_test={ci_test!r} needs numeric columns; non-numeric columns: {bad}. "
                "Encode them or use a discrete test ('chisq', 'gsq')."
            )

    # Missing values: NaN in any column, inf in numeric ones.
    miss = df.isna().to_numpy().copy()
    for j, c in enumerate(df.columns):
        if pd.api.types.is_numeric_dtype(df[c].dtype) and not pd.api.types.is_bool_dtype(df[c].dtype):
            miss[:, j] |= ~np.isfinite(df[c].to_numpy(dtype=float, na_value=np.nan))
    n_dropped = 0
    if miss.any():
        bad = [c for c, m in zip(df.columns, miss.any(axis=0)) if m]
        if missing == "error":
            counts = {c: int(m) for c, m in zip(df.columns, miss.sum(axis=0)) if m}
            raise DataError(
                f"{argname} has NaN or inf values in columns {bad} (counts {counts}); "
                "clean them or pass missing='drop' to drop those rows"
            )
        keep = ~miss.any(axis=1)
        n_dropped = int((~keep).sum())
        df = df.loc[keep].reset_index(drop=True)

    values = np.empty(df.shape, dtype=float)
    categories = {}
    for j, c in enumerate(df.columns):
        col = df[c]
        if disc[j]:
            codes, uniques = pd.factorize(col, sort=True)
            values[:, j] = codes
            categories[c] = list(uniques)
        else:
            if not pd.api.types.is_numeric_dtype(col.dtype):
                raise DataError(f"column {c!r} is not numeric (dtype {col.dtype})")
            values[:, j] = col.to_numpy(dtype=float)

    const = [c for j, c in enumerate(df.columns) if np.all(values[:, j] == values[0, j])] \
        if len(values) else []
    if const:
        raise DataError(f"constant columns carry no information about causal relations: {const}")

    gaussian = ci_test in GAUSSIAN_TESTS
    if min_samples is None:
        min_samples = max(3, df.shape[1] + 2) if gaussian else 3
    if values.shape[0] < min_samples:
        raise DataError(
            f"{argname} has {values.shape[0]} rows after validation; at least {min_samples} are needed"
            + (f" for ci_test={ci_test!r}" if ci_test else "")
        )
    if check_collinear is None:
        check_collinear = gaussian
    if check_collinear:
        _check_collinear(values, list(df.columns))
    return CheckedData(frame=df, values=values, names=list(df.columns), discrete=disc,
                       categories=categories, n_dropped=n_dropped)


def _check_collinear(values, names, tol=1e-10):
    """Raise if some column is an exact linear combination of others, naming the set.

    Works on the d x d correlation matrix with an incremental Cholesky
    factor: a column whose residual variance given the columns kept so far
    vanishes is an exact linear function of them. O(n d^2 + d^3).
    """
    from scipy.linalg import solve_triangular

    x = values - values.mean(axis=0)
    x = x / np.linalg.norm(x, axis=0)
    corr = x.T @ x
    d = corr.shape[0]
    chol = np.zeros((d, d))
    kept = []
    for j in range(d):
        k = len(kept)
        if k:
            w = solve_triangular(chol[:k, :k], corr[kept, j], lower=True)
            resid = corr[j, j] - w @ w
        else:
            w, resid = np.zeros(0), corr[j, j]
        if resid < 1e-9:
            coef = np.linalg.lstsq(corr[np.ix_(kept, kept)], corr[kept, j], rcond=None)[0]
            involved = [names[kept[i]] for i in np.flatnonzero(np.abs(coef) > 1e-6)]
            raise DataError(
                f"columns are exactly collinear: {names[j]!r} is a linear function of {involved}; "
                "a Gaussian test cannot invert their correlation matrix. Drop one of them."
            )
        chol[k, :k] = w
        chol[k, k] = np.sqrt(resid)
        kept.append(j)
