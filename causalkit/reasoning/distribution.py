"""Discrete distributions and channels (stochastic matrices) over named variables.

A :class:`Distribution` is a table with one axis per variable whose entries are
non-negative and sum to one. A :class:`Channel` is a conditional distribution
``P(outputs | inputs)``: a table with the output axes first, then the input
axes, that sums to one over the outputs for every input configuration. These
are the semantics of string diagrams (Jacobs, Kissinger and Zanasi 2019): a
state ``I -> A`` is a distribution, a box ``A -> B`` a channel.

Every variable has a tuple of *states* (labels); values passed to
:meth:`Distribution.prob` and friends are labels, which default to
``0, 1, ..., k-1``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exceptions import DataError, NodeNotFound

__all__ = ["Channel", "Distribution", "total_variation"]

#: tolerance of the "sums to one" checks
ATOL = 1e-8


def _as_names(names, what="names"):
    if isinstance(names, str):
        return (names,)
    out = tuple(str(n) for n in names)
    if len(set(out)) != len(out):
        dup = sorted({n for n in out if out.count(n) > 1})
        raise DataError(f"{what} has repeated variables: {dup}")
    return out


def _check_states(names, shape, states):
    states = dict(states or {})
    out = {}
    for n, k in zip(names, shape):
        labels = states.get(n)
        if labels is None:
            labels = tuple(range(k))
        else:
            labels = tuple(labels)
            if len(labels) != k:
                raise DataError(
                    f"variable {n!r} has {k} entries along its axis but states[{n!r}] lists "
                    f"{len(labels)} labels: {list(labels)}"
                )
            if len(set(labels)) != k:
                raise DataError(f"states[{n!r}] has repeated labels: {list(labels)}")
        out[n] = labels
    return out


def _fmt_config(names, states, idx):
    return ", ".join(f"{n}={states[n][i]!r}" for n, i in zip(names, idx))


class Channel:
    """A conditional distribution ``P(outputs | inputs)`` over named discrete variables.

    Parameters
    ----------
    outputs : sequence of str
        Output variables (first axes of ``table``).
    inputs : sequence of str
        Input variables (last axes of ``table``); may be empty.
    table : array-like
        Non-negative entries, shape ``(k_out1, ..., k_in1, ...)``; every
        slice over the outputs sums to one.
    states : dict, optional
        Variable -> tuple of state labels (default ``0..k-1``).
    check : bool, default True
        Validate the table (skip only for tables built by causalkit).

    Raises
    ------
    DataError
        If the table is not stochastic; the message names the input
        configuration whose column fails.

    Examples
    --------
    >>> g = Channel(["T"], ["S"], [[0.9, 0.4], [0.1, 0.6]])
    >>> g.at(S=1).prob(T=1)
    0.6
    """

    def __init__(self, outputs, inputs, table, states=None, *, check=True):
        self.outputs = _as_names(outputs, "outputs")
        self.inputs = _as_names(inputs, "inputs")
        clash = set(self.outputs) & set(self.inputs)
        if clash:
            raise DataError(f"variables {sorted(clash)} are both outputs and inputs")
        arr = np.asarray(table, dtype=float)
        names = self.outputs + self.inputs
        if arr.ndim != len(names):
            raise DataError(
                f"table has {arr.ndim} axes but {len(names)} variables were named "
                f"({list(names)}); give one axis per variable"
            )
        self.states = _check_states(names, arr.shape, states)
        if check:
            if not np.all(np.isfinite(arr)):
                raise DataError("table contains NaN or inf")
            if np.any(arr < 0):
                idx = tuple(int(i) for i in np.argwhere(arr < 0)[0])
                raise DataError(
                    f"table is not stochastic: negative entry {arr[idx]:g} at "
                    f"({_fmt_config(names, self.states, idx)})"
                )
            sums = arr.reshape((-1,) + arr.shape[len(self.outputs):]).sum(axis=0) if self.outputs \
                else np.ones(arr.shape)
            bad = np.argwhere(np.abs(sums - 1.0) > ATOL)
            if len(bad):
                idx = tuple(int(i) for i in bad[0])
                where = _fmt_config(self.inputs, self.states, idx) if self.inputs else ""
                what = f"for inputs ({where})" if where else "in total"
                raise DataError(
                    f"table is not stochastic: the probabilities over {list(self.outputs)} sum to "
                    f"{float(sums[tuple(idx)]):.10g} {what}; they must sum to 1"
                )
        self.array = arr

    @property
    def names(self):
        """tuple of str: outputs then inputs (the axes of :attr:`array`)."""
        return self.outputs + self.inputs

    @property
    def shape(self):
        return self.array.shape

    def _index(self, var, value):
        labels = self.states[var]
        try:
            return labels.index(value)
        except ValueError:
            pass
        # let 1 match 1.0 or "1" when labels came from data
        for i, lab in enumerate(labels):
            if str(lab) == str(value):
                return i
        raise DataError(f"{value!r} is not a state of {var!r}; its states are {list(labels)}")

    def _check_vars(self, names, pool=None):
        pool = self.names if pool is None else pool
        unknown = [n for n in names if n not in pool]
        if unknown:
            raise NodeNotFound(f"unknown variables {unknown}; the variables are {list(pool)}")

    def at(self, **inputs):
        """The output distribution for one input configuration.

        Parameters
        ----------
        **inputs
            A value for every input variable.

        Returns
        -------
        Distribution
        """
        self._check_vars(inputs, self.inputs)
        missing = [n for n in self.inputs if n not in inputs]
        if missing:
            raise DataError(f"at() needs a value for every input; missing {missing}")
        idx = tuple(slice(None) for _ in self.outputs) + tuple(
            self._index(n, inputs[n]) for n in self.inputs)
        return Distribution(self.outputs, self.array[idx],
                            {n: self.states[n] for n in self.outputs}, check=False)

    @property
    def table(self):
        """DataFrame with one column per variable (outputs, inputs) and a column ``p``."""
        names = self.names
        grids = np.meshgrid(*[np.arange(k) for k in self.array.shape], indexing="ij")
        data = {n: np.asarray(self.states[n], dtype=object)[g.ravel()] for n, g in zip(names, grids)}
        data["p"] = self.array.ravel()
        df = pd.DataFrame(data)
        for n in names:
            df[n] = pd.Series(df[n].tolist(), dtype=_label_dtype(self.states[n]))
        return df

    def __repr__(self):
        return (f"Channel(outputs={list(self.outputs)}, inputs={list(self.inputs)}, "
                f"shape={self.array.shape})")


def _label_dtype(labels):
    if all(isinstance(x, (int, np.integer)) and not isinstance(x, bool) for x in labels):
        return "int64"
    return object


class Distribution(Channel):
    """A joint distribution over named discrete variables.

    Parameters
    ----------
    names : sequence of str
        Variables, one per axis of ``table``.
    table : array-like
        Non-negative entries summing to one; a flat table of length
        ``prod(k)`` is reshaped when every variable is binary, with the first
        name the slowest axis (so ``[p000, p001, ...]``).
    states : dict, optional
        Variable -> tuple of state labels (default ``0..k-1``).
    check : bool, default True
        Validate the table.

    Raises
    ------
    DataError
        If the table is negative somewhere or does not sum to one.

    Examples
    --------
    >>> omega = Distribution(["S", "T", "C"], [0.50, 0.10, 0.01, 0.02, 0.10, 0.05, 0.02, 0.20])
    >>> round(omega.prob(S=1), 2)
    0.37
    >>> round(omega.given(S=0).prob(C=1), 8)
    0.19047619
    """

    def __init__(self, names, table, states=None, *, check=True):
        names = _as_names(names)
        arr = np.asarray(table, dtype=float)
        if arr.ndim == 1 and len(names) > 1:
            if states:
                shape = tuple(len(states[n]) if n in states else 2 for n in names)
            else:
                shape = (2,) * len(names)
            if int(np.prod(shape)) != arr.size:
                raise DataError(
                    f"a flat table of length {arr.size} does not fit variables {list(names)} "
                    f"with sizes {shape}; pass an array with one axis per variable"
                )
            arr = arr.reshape(shape)
        super().__init__(names, (), arr, states, check=check)

    # ------------------------------------------------------------------ queries
    def prob(self, **values):
        """Probability of a (partial) assignment, marginalising the variables not named.

        Parameters
        ----------
        **values
            ``variable=state`` pairs.

        Returns
        -------
        float

        Raises
        ------
        NodeNotFound
            If a name is not a variable of the distribution.
        DataError
            If a value is not a state of its variable.
        """
        self._check_vars(values)
        idx = tuple(self._index(n, values[n]) if n in values else slice(None) for n in self.names)
        return float(np.sum(self.array[idx]))

    def marginal(self, names):
        """The marginal distribution of ``names`` (in that order)."""
        names = _as_names(names)
        self._check_vars(names)
        drop = tuple(i for i, n in enumerate(self.names) if n not in names)
        arr = self.array.sum(axis=drop) if drop else self.array
        kept = [n for n in self.names if n in names]
        arr = np.transpose(arr, [kept.index(n) for n in names])
        return Distribution(names, arr, {n: self.states[n] for n in names}, check=False)

    def condition(self, names):
        """The disintegration ``P(rest | names)`` as a :class:`Channel`.

        Parameters
        ----------
        names : str or sequence of str
            Conditioning variables (the channel's inputs).

        Returns
        -------
        Channel
            Outputs: the other variables in order; inputs: ``names``.

        Raises
        ------
        DataError
            If some configuration of ``names`` has probability zero (the
            conditional is undefined there); the message names it.
        """
        names = _as_names(names)
        self._check_vars(names)
        rest = tuple(n for n in self.names if n not in names)
        joint = self.marginal(rest + names).array
        marg = joint.reshape((-1,) + joint.shape[len(rest):]).sum(axis=0) if rest else joint
        zero = np.argwhere(marg <= 0)
        if len(zero):
            idx = tuple(int(i) for i in zero[0])
            raise DataError(
                f"cannot condition on {list(names)}: the configuration "
                f"({_fmt_config(names, self.states, idx)}) has probability zero"
            )
        return Channel(rest, names, joint / marg, {n: self.states[n] for n in rest + names},
                       check=False)

    def given(self, **values):
        """The distribution of the other variables conditioned on the event ``values``.

        Raises
        ------
        DataError
            If the event has probability zero (named in the message).
        """
        self._check_vars(values)
        idx = tuple(self._index(n, values[n]) if n in values else slice(None) for n in self.names)
        sub = self.array[idx]
        total = float(sub.sum())
        if total <= 0:
            cfg = ", ".join(f"{n}={v!r}" for n, v in values.items())
            raise DataError(f"cannot condition on ({cfg}): it has probability zero")
        rest = tuple(n for n in self.names if n not in values)
        return Distribution(rest, sub / total, {n: self.states[n] for n in rest}, check=False)

    def expectation(self, name):
        """E[name] for a variable with numeric state labels."""
        m = self.marginal([name])
        return float(np.dot(m.array, np.asarray(self.states[name], dtype=float)))

    # ------------------------------------------------------------------ building
    @classmethod
    def from_data(cls, data, columns=None, smoothing=0.0, states=None):
        """Estimate a joint distribution from categorical observations.

        Parameters
        ----------
        data : DataFrame
            One row per observation.
        columns : sequence of str, optional
            Columns to use (default: all).
        smoothing : float, default 0
            Pseudo-count added to every cell (Laplace smoothing with 1);
            a positive value gives full support, which identification
            formulas need.
        states : dict, optional
            Column -> state labels. Defaults to the categories of a
            categorical column, else the sorted distinct values.

        Returns
        -------
        Distribution

        Raises
        ------
        DataError
            On an empty frame, missing values, a negative ``smoothing`` or a
            value outside the given states.
        """
        if not isinstance(data, pd.DataFrame):
            raise DataError(f"data must be a pandas DataFrame; got {type(data).__name__}")
        columns = tuple(str(c) for c in (data.columns if columns is None else _as_names(columns)))
        unknown = [c for c in columns if c not in data.columns]
        if unknown:
            raise NodeNotFound(f"columns {unknown} are not in data; its columns are {list(data.columns)}")
        if len(data) == 0:
            raise DataError("data has no rows")
        if not np.isfinite(smoothing) or smoothing < 0:
            raise DataError(f"smoothing must be a finite number >= 0; got {smoothing!r}")
        states = dict(states or {})
        codes, labels = [], {}
        for c in columns:
            col = data[c]
            if col.isna().any():
                raise DataError(f"column {c!r} has missing values")
            if c in states:
                labs = tuple(states[c])
            elif isinstance(col.dtype, pd.CategoricalDtype):
                labs = tuple(col.cat.categories)
            else:
                labs = tuple(sorted(pd.unique(col)))
            lookup = {v: i for i, v in enumerate(labs)}
            try:
                code = np.fromiter((lookup[v] for v in col), dtype=np.int64, count=len(col))
            except KeyError as e:
                raise DataError(f"column {c!r} has value {e.args[0]!r}, not among its states {list(labs)}") \
                    from None
            codes.append(code)
            labels[c] = tuple(v.item() if isinstance(v, np.generic) else v for v in labs)
        shape = tuple(len(labels[c]) for c in columns)
        flat = np.ravel_multi_index(codes, shape)
        counts = np.bincount(flat, minlength=int(np.prod(shape))).reshape(shape).astype(float)
        counts += smoothing
        return cls(columns, counts / counts.sum(), labels, check=False)

    def __repr__(self):
        return f"Distribution(names={list(self.names)}, shape={self.array.shape})"


def total_variation(p, q):
    """Total-variation distance ``0.5 * sum |p - q|`` of two distributions on the same variables.

    Parameters
    ----------
    p, q : Distribution
        ``q``'s variables are reordered to ``p``'s.

    Returns
    -------
    float
    """
    if set(p.names) != set(q.names):
        raise DataError(f"distributions over different variables: {list(p.names)} and {list(q.names)}")
    qa = q.marginal(p.names).array
    if qa.shape != p.array.shape:
        raise DataError(f"shapes differ: {p.array.shape} and {qa.shape}")
    return float(0.5 * np.abs(p.array - qa).sum())


def as_factor(channel):
    """``(axes, array)`` of a channel, for the tensor helpers."""
    return channel.names, channel.array

