r"""PCMCI: causal discovery for multivariate time series (Runge et al. 2019).

PCMCI estimates which lagged variables :math:`X^i_{t-\tau}` (``1 <= tau <=
tau_max``) directly cause :math:`X^j_t`, assuming causal sufficiency,
stationarity and no contemporaneous effects (or, with ``tau_min=0``, it also
reports contemporaneous dependence as undirected ``---`` edges). It has two
steps:

1. **PC1 condition selection**, per target :math:`X^j_t`: start with all
   lagged candidates :math:`\hat P(X^j_t) = \{X^i_{t-\tau}\}`; at dimension
   :math:`p = 0, 1, 2, \dots` test every candidate given the :math:`p`
   strongest other candidates, drop those with p-value above ``pc_alpha``
   (after the whole sweep, so the result does not depend on the order),
   and re-sort the survivors by the smallest absolute statistic they reached;
   stop when fewer than :math:`p + 1` candidates remain. The survivors are a
   small superset of the parents.
2. **Momentary conditional independence (MCI)**: test every link
   :math:`X^i_{t-\tau} \to X^j_t` given the selected parents of the effect
   and the selected parents of the cause shifted by :math:`\tau`,

   .. math::

       X^i_{t-\tau} \perp X^j_t \mid \hat P(X^j_t) \setminus \{X^i_{t-\tau}\},
       \hat P(X^i_{t-\tau}),

   and keep the links with p-value at most ``alpha``. Conditioning on the
   cause's own past removes the autocorrelation that makes plain
   (Granger-type) tests over-confident.

The independence test is the partial correlation :math:`\rho` of the two
variables given the conditions, with a Student-t p-value on
:math:`n - 2 - |Z|` degrees of freedom (tigramite's ``ParCorr``;
:class:`ParCorr` here), or Fisher's z (``ci_test="fisherz"``), or any other
causalkit test on the lagged design (``"kci"``, ``"rcit"``, ...).

Speed comes from the structure of the problem: every test is a partial
correlation among the columns of one lagged design matrix (variables at lags
``0..2 tau_max``, all on the same rows), so its correlation matrix is computed
once, and the tests of one PC1 sweep (all targets together) or of the MCI
step are computed as stacked small matrix inversions.

References
----------
Runge, J., Nowack, P., Kretschmer, M., Flaxman, S. and Sejdinovic, D. (2019).
Detecting and quantifying causal associations in large nonlinear time series
datasets. *Science Advances* 5(11), eaau4996.
"""

from __future__ import annotations

import itertools
import time

import numpy as np
from scipy.special import stdtr

from ..ci.fisherz import FisherZ, _pvalues_from_r
from ..ci.registry import CI_TESTS, make_ci_test
from ..data import CONTINUOUS_TESTS
from ..exceptions import DataError, UnknownMethodError
from ._estimator import DiscoveryEstimator
from ..result import DiscoveryResult
from ._timeseries import (check_timeseries, lag_frames, lagged_design, lagged_graph, lagged_names,
                          score_frame)

__all__ = ["pcmci", "PCMCI", "ParCorr"]

_R_MAX = 1.0 - np.finfo(float).eps


def _t_pvalues(r, n, k):
    """Two-sided Student-t p-values of partial correlations with ``|Z| = k`` (df ``n - k - 2``)."""
    df = n - k - 2
    r = np.clip(np.nan_to_num(np.asarray(r, dtype=float), nan=0.0), -_R_MAX, _R_MAX)
    t = np.abs(r) * np.sqrt(df / (1.0 - r * r))
    return 2.0 * stdtr(df, -t)


class ParCorr(FisherZ):
    r"""Partial-correlation test with a Student-t p-value (tigramite's ``ParCorr``).

    The statistic is the sample partial correlation :math:`r` of ``X`` and
    ``Y`` given ``S`` (as in :class:`~causalkit.ci.fisherz.FisherZ`); under
    Gaussian independence :math:`t = r \sqrt{\nu / (1 - r^2)}` follows a
    Student t with :math:`\nu = n - |S| - 2` degrees of freedom. This is the
    exact null distribution for Gaussian data, where Fisher's z is an
    approximation; the two differ little once :math:`n` is in the hundreds.

    Parameters
    ----------
    data : ndarray of shape (n_samples, n_variables)
        Continuous data, already validated.
    names : list of str, optional
        Column names, for messages.

    Raises
    ------
    DataError
        As :class:`~causalkit.ci.fisherz.FisherZ` (too few rows, constant or
        collinear columns, NaN).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=500)
    >>> x, y = z + rng.normal(size=500), z + rng.normal(size=500)
    >>> test = ParCorr(np.column_stack([x, y, z]))
    >>> bool(test.pvalue(0, 1) < 0.01), bool(test.pvalue(0, 1, [2]) > 0.01)
    (True, True)
    """

    name = "parcorr"

    def _check_size(self, k):
        if self.n_samples - k - 2 < 1:
            raise DataError(
                f"the partial-correlation test with a conditioning set of size {k} needs more "
                f"than {k + 2} samples; got {self.n_samples}"
            )

    def statistics(self, x, y, S, significance="t"):
        """Partial correlations and p-values of a batch of tests with ``|S| = k``.

        Parameters
        ----------
        x, y : array-like of int, shape (B,)
        S : array-like of int, shape (B, k)
        significance : {"t", "fisherz"}
            Student-t (this class) or Fisher-z p-values.

        Returns
        -------
        r, p : ndarray of shape (B,)
        """
        x = np.asarray(x, dtype=np.intp).ravel()
        y = np.asarray(y, dtype=np.intp).ravel()
        S = np.asarray(S, dtype=np.intp).reshape(len(x), -1)
        if len(x) == 0:
            return np.zeros(0), np.zeros(0)
        k = S.shape[1]
        if significance == "t":
            self._check_size(k)
        else:
            FisherZ._check_size(self, k)
        idx = np.column_stack([x, y, S])
        r = np.empty(len(x))
        for start in range(0, len(x), 65536):
            sl = slice(start, start + 65536)
            r[sl] = self._partial_correlations(self.correlation, idx[sl])
        p = _t_pvalues(r, self.n_samples, k) if significance == "t" \
            else _pvalues_from_r(r, self.n_samples, k)
        return r, p

    def pvalues_batch(self, x, y, S):
        """Student-t p-values of a batch (see :meth:`FisherZ.pvalues_batch`); not cached."""
        p = self.statistics(x, y, S)[1]
        self.n_tests += len(p)
        return p

    def _compute_many(self, keys):
        out = np.empty(len(keys), dtype=float)
        by_size = {}
        for i, (_, _, S) in enumerate(keys):
            by_size.setdefault(len(S), []).append(i)
        for k, where in by_size.items():
            idx = np.array([(keys[i][0], keys[i][1], *keys[i][2]) for i in where], dtype=np.intp)
            idx = idx.reshape(len(where), k + 2)
            out[where] = self.statistics(idx[:, 0], idx[:, 1], idx[:, 2:])[1]
        return out


class _Engine:
    """Runs batches of tests ``X_col _||_ Y_col | Z_cols`` on the lagged design.

    ``run(tests)`` takes ``[(x, y, (z1, ...)), ...]`` and returns the statistic
    and p-value arrays. For partial-correlation tests the statistic is the
    partial correlation; for other causalkit tests it is ``1 - p`` (they
    report no signed statistic), which ranks candidates the same way.
    """

    def __init__(self, design, names, ci_test, ci_options):
        self.kind = ci_test
        self.n_tests = 0
        if ci_test in ("parcorr", "fisherz"):
            self.test = ParCorr(design, names=names)
            self.significance = "t" if ci_test == "parcorr" else "fisherz"
        else:
            self.test = make_ci_test(ci_test, design, names=names, **(ci_options or {}))

    def run(self, tests):
        n = len(tests)
        vals, ps = np.empty(n), np.empty(n)
        if n == 0:
            return vals, ps
        self.n_tests += n
        if self.kind not in ("parcorr", "fisherz"):
            ps[:] = self.test.pvalues(tests)
            vals[:] = 1.0 - ps
            return vals, ps
        by_size = {}
        for i, t in enumerate(tests):
            by_size.setdefault(len(t[2]), []).append(i)
        for k, where in by_size.items():
            where = np.asarray(where)
            idx = np.array([(tests[i][0], tests[i][1], *tests[i][2]) for i in where], dtype=np.intp)
            idx = idx.reshape(len(where), k + 2)
            vals[where], ps[where] = self.test.statistics(idx[:, 0], idx[:, 1], idx[:, 2:],
                                                          significance=self.significance)
        return vals, ps


def _resolve_test(ci_test):
    if ci_test == "auto":
        return "parcorr"
    # continuous tests only: the lagged design is numeric
    valid = ["auto", "parcorr"] + sorted(set(CI_TESTS) & CONTINUOUS_TESTS)
    if not isinstance(ci_test, str) or ci_test not in valid:
        raise UnknownMethodError(f"unknown ci_test {ci_test!r} for pcmci; valid names are {valid}")
    return ci_test


def _check_alpha(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) \
            or not 0.0 < float(value) < 1.0:
        raise DataError(f"{name} must be a number in (0, 1); got {value!r}")
    return float(value)


def _check_optional_int(value, name, minimum):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise DataError(f"{name} must be None or an integer >= {minimum}; got {value!r}")
    return int(value)


def _pc1(engine, n_vars, tau_max, pc_alpha, max_conds_dim, max_combinations):
    """PC1 condition selection for all targets at once, one batch per dimension.

    Nodes are ``(variable, lag)``; the column of a node in the design is
    ``lag * n_vars + variable``. Returns the sorted parents, their smallest
    absolute statistic and their largest p-value, per target.
    """
    col = lambda node: node[1] * n_vars + node[0]  # noqa: E731
    initial = [(i, lag) for i in range(n_vars) for lag in range(1, tau_max + 1)]
    parents = {j: list(initial) for j in range(n_vars)}
    # val_min keeps the insertion order of `initial`, which breaks ties in the
    # sort (as in Runge's reference implementation).
    val_min = {j: {} for j in range(n_vars)}
    pval_max = {j: {} for j in range(n_vars)}
    active = set(range(n_vars))
    max_dim = n_vars * tau_max if max_conds_dim is None else max_conds_dim
    for dim in range(max_dim + 1):
        active = {j for j in active if len(parents[j]) - 1 >= dim}
        if not active:
            break
        tests, owners = [], []
        for j in sorted(active):
            head = parents[j][:dim + 1]
            for parent in parents[j]:
                if max_combinations == 1:
                    # the first combination is the `dim` strongest other candidates
                    combos = [[p for p in head if p != parent][:dim]]
                else:
                    others = [p for p in parents[j] if p != parent]
                    combos = itertools.islice(itertools.combinations(others, dim), max_combinations)
                for Z in combos:
                    tests.append((col(parent), j, tuple(col(z) for z in Z)))
                    owners.append((j, parent))
        vals, ps = engine.run(tests)
        nonsig = {j: set() for j in active}
        for (j, parent), val, p in zip(owners, vals, ps):
            if parent in nonsig[j]:
                continue  # a later combination after the link was already removed
            p = 1.0 if np.isnan(p) else p
            val_min[j][parent] = min(abs(val), val_min[j].get(parent, np.inf))
            if parent not in pval_max[j] or p > pval_max[j][parent]:
                pval_max[j][parent] = p
            if p > pc_alpha:
                nonsig[j].add(parent)
        for j in active:
            for parent in nonsig[j]:
                del val_min[j][parent]
            parents[j] = sorted(val_min[j], key=lambda node: -val_min[j][node])
    return parents, val_min, pval_max


def _mci(engine, n_vars, parents, tau_min, tau_max, max_conds_py, max_conds_px):
    """The MCI tests of every link; returns ``(val, p)`` arrays of shape (N, N, tau_max + 1)."""
    col = lambda node: node[1] * n_vars + node[0]  # noqa: E731
    tests, links = [], []
    for j in range(n_vars):
        conds_y = parents[j][:max_conds_py]
        for i in range(n_vars):
            conds_x = parents[i][:max_conds_px]
            for tau in range(tau_min, tau_max + 1):
                if i == j and tau == 0:
                    continue
                Z = [node for node in conds_y if node != (i, tau)]
                Z += [node for node in ((k, tau + lag) for k, lag in conds_x) if node not in Z]
                tests.append((col((i, tau)), j, tuple(col(z) for z in Z)))
                links.append((i, j, tau))
    vals, ps = engine.run(tests)
    val = np.zeros((n_vars, n_vars, tau_max + 1))
    pv = np.ones((n_vars, n_vars, tau_max + 1))
    for (i, j, tau), v, p in zip(links, vals, ps):
        val[i, j, tau] = v
        pv[i, j, tau] = 1.0 if np.isnan(p) else p
    if tau_min == 0:
        # X^i_t --- X^j_t is tested twice (each side as the effect); keep the
        # larger p-value, and its statistic, for both.
        for i in range(n_vars):
            for j in range(n_vars):
                if i != j and pv[i, j, 0] >= pv[j, i, 0]:
                    pv[j, i, 0] = pv[i, j, 0]
                    val[j, i, 0] = val[i, j, 0]
    return val, pv


def pcmci(data, *, lags, time_index=None, sample=None, alpha=0.05, pc_alpha=0.2, ci_test="auto",
          tau_min=1, max_conds_dim=None, max_combinations=1, max_conds_py=None, max_conds_px=None,
          ci_options=None):
    """Estimate the lagged causal graph of multivariate time series with PCMCI.

    Parameters
    ----------
    data : DataFrame or ndarray of shape (n_rows, n_columns)
        One row per time step. With ``sample``, rows of many independent
        series stacked; every column other than ``time_index`` and ``sample``
        is a variable. A 3-D array ``(n_series, length, n_variables)`` is a
        stack of series (as a CausalTime dataset's ``.data``).
    lags : int
        ``tau_max``, the largest lag tested (>= 1).
    time_index : str, optional
        Column that orders the rows within each series (not a variable).
        Without it the row order is the time order.
    sample : str, optional
        Column of series ids: each series is windowed on its own and the
        windows are pooled (tigramite's "multiple datasets" mode), so no
        window crosses two series.
    alpha : float, default 0.05
        Significance level of the MCI step: links with p-value <= ``alpha``
        are edges.
    pc_alpha : float, default 0.2
        Significance level of the PC1 condition selection (tigramite's
        default). Larger values keep more conditions.
    ci_test : str, default "auto"
        ``"auto"`` or ``"parcorr"``: partial correlation with a Student-t
        p-value (tigramite's ``ParCorr``); ``"fisherz"``: partial correlation
        with Fisher's z; any other continuous causalkit test (``"kci"``,
        ``"rcit"``) runs on the lagged design through the CI-test engine.
    tau_min : {1, 0}, default 1
        ``0`` also tests contemporaneous dependence ``X^i_t --- X^j_t``
        (given both variables' lagged parents), reported as undirected edges.
    max_conds_dim : int, optional
        Largest conditioning set in PC1 (default: unbounded).
    max_combinations : int, default 1
        Conditioning sets tried per candidate and dimension in PC1; the
        default tries only the strongest ``p`` other candidates.
    max_conds_py, max_conds_px : int, optional
        At most this many of the effect's (``py``) or cause's (``px``)
        selected parents, strongest first, condition an MCI test.
    ci_options : dict, optional
        Passed to the constructor of a test other than ``"parcorr"`` /
        ``"fisherz"``.

    Returns
    -------
    DiscoveryResult
        ``graph`` has an edge ``cause --> effect`` with ``lag=tau`` for every
        significant link, carrying ``weight`` (the MCI statistic) and
        ``p_value``; with ``tau_min=0`` also ``---`` edges at lag 0.
        ``details`` holds:

        - ``"scores"``: cause x effect DataFrame (rows cause, columns effect),
          the maximum over lags ``tau >= 1`` of the absolute MCI statistic
          (partial correlation; ``1 - p`` for tests without a statistic), for
          ranking metrics such as AUROC;
        - ``"p_values"``, ``"values"``: ``{lag: cause x effect DataFrame}`` of
          the MCI p-values and statistics;
        - ``"parents"``: ``{effect: [(cause, lag), ...]}``, the PC1
          conditions, strongest first;
        - ``"n_rows"``: rows of the pooled lagged design (each series loses
          its first ``2 * lags`` steps, as in tigramite).

    Raises
    ------
    DataError
        Invalid data (see :func:`causalkit.discovery._timeseries.check_timeseries`:
        a series shorter than ``lags + 2``, NaN, constant columns, unknown role
        columns), ``alpha`` or ``pc_alpha`` outside (0, 1), ``tau_min`` not 0
        or 1, too few rows for the conditioning sets.
    UnknownMethodError
        An unknown ``ci_test``.

    Notes
    -----
    With ``ci_test="auto"`` the links (and p-values, to rounding) are those
    of tigramite's ``PCMCI(dataframe, ParCorr()).run_pcmci(tau_max=lags,
    tau_min=tau_min, pc_alpha=pc_alpha, alpha_level=alpha)``: every test uses
    the rows ``t >= 2 * lags`` of each series, so that the cause's shifted
    parents (lags up to ``2 * lags``) are defined. tigramite's ``pc_alpha=None``
    (choosing ``pc_alpha`` per variable by an information criterion) is not
    implemented. Contemporaneous edges are not oriented (use PCMCI+ for that).

    References
    ----------
    Runge, J., Nowack, P., Kretschmer, M., Flaxman, S. and Sejdinovic, D.
    (2019). Detecting and quantifying causal associations in large nonlinear
    time series datasets. *Science Advances* 5(11), eaau4996.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> x = np.zeros((500, 3))
    >>> for t in range(1, 500):
    ...     x[t] = [0.5 * x[t-1, 0], 0.6 * x[t-1, 0] + 0.3 * x[t-1, 1], 0.5 * x[t-1, 2]]
    ...     x[t] += rng.normal(size=3)
    >>> res = pcmci(pd.DataFrame(x, columns=["a", "b", "c"]), lags=2)
    >>> sorted((e.source, e.target, e.lag) for e in res.graph.edge_list() if e.source != e.target)
    [('a', 'b', 1)]
    """
    start = time.perf_counter()
    tau_max = int(lags) if isinstance(lags, (int, np.integer)) and not isinstance(lags, bool) else lags
    ts = check_timeseries(data, lags=tau_max, time_index=time_index, sample=sample)
    alpha = _check_alpha(alpha, "alpha")
    pc_alpha = _check_alpha(pc_alpha, "pc_alpha")
    if tau_min not in (0, 1) or isinstance(tau_min, bool):
        raise DataError(f"tau_min must be 0 or 1; got {tau_min!r}")
    max_conds_dim = _check_optional_int(max_conds_dim, "max_conds_dim", 0)
    max_conds_py = _check_optional_int(max_conds_py, "max_conds_py", 0)
    max_conds_px = _check_optional_int(max_conds_px, "max_conds_px", 0)
    max_combinations = _check_optional_int(max_combinations, "max_combinations", 1)
    if max_combinations is None:
        raise DataError("max_combinations must be an integer >= 1; got None")
    name = _resolve_test(ci_test)
    n_vars, names = ts.n_variables, ts.names

    warnings = []
    short = [sid for sid, n in zip(ts.sample_ids, ts.lengths) if n <= 2 * tau_max]
    if short:
        warnings.append(f"{len(short)} series have at most 2 * lags = {2 * tau_max} time steps "
                        f"and contribute no rows (e.g. {sample}={short[0]!r})")
    design = lagged_design(ts.series, 2 * tau_max, cut=2 * tau_max)
    if len(design) < 4:
        raise DataError(
            f"data gives {len(design)} rows after cutting the first 2 * lags = {2 * tau_max} "
            "steps of each series; PCMCI needs more (use a smaller lags or longer series)"
        )
    engine = _Engine(design, lagged_names(names, 2 * tau_max), name, ci_options)
    parents, val_min, pval_max = _pc1(engine, n_vars, tau_max, pc_alpha, max_conds_dim,
                                      max_combinations)
    val, pv = _mci(engine, n_vars, parents, tau_min, tau_max, max_conds_py, max_conds_px)

    graph = lagged_graph(names, val, pv, alpha, tau_min)
    scores = np.abs(val[:, :, 1:]).max(axis=2)
    details = {
        "scores": score_frame(scores, names),
        "p_values": lag_frames(pv, names, range(tau_min, tau_max + 1)),
        "values": lag_frames(val, names, range(tau_min, tau_max + 1)),
        "parents": {names[j]: [(names[i], lag) for i, lag in parents[j]] for j in range(n_vars)},
        "n_rows": int(len(design)),
        "ci_test": name,
    }
    params = {"lags": tau_max, "time_index": time_index, "sample": sample, "alpha": alpha,
              "pc_alpha": pc_alpha, "ci_test": name, "tau_min": tau_min,
              "max_conds_dim": max_conds_dim, "max_combinations": max_combinations,
              "max_conds_py": max_conds_py, "max_conds_px": max_conds_px}
    return DiscoveryResult(graph=graph, algorithm="pcmci", params=params, n_tests=engine.n_tests,
                           runtime_s=time.perf_counter() - start, warnings=tuple(warnings),
                           details=details)


class PCMCI(DiscoveryEstimator):
    """PCMCI as an estimator: ``PCMCI(lags=3).fit(df).graph_``.

    Parameters
    ----------
    lags, alpha, pc_alpha, ci_test, tau_min, max_conds_dim, max_combinations, max_conds_py, \
max_conds_px, ci_options
        As in :func:`pcmci`; stored unchanged and checked by :meth:`fit`.

    Attributes
    ----------
    graph_ : CausalGraph
        The estimated lagged graph (set by :meth:`fit`).
    scores_ : DataFrame
        Cause x effect scores (``result_.details["scores"]``).
    result_ : DiscoveryResult
        The full result.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(3)
    >>> e = rng.normal(size=(400, 2)); x = e.copy()
    >>> for t in range(1, 400):
    ...     x[t, 1] += 0.8 * x[t - 1, 0]
    >>> est = PCMCI(lags=1).fit(x)
    >>> [(s, t, lag) for s, t, _, lag in est.graph_.edge_list()]
    [('X0', 'X1', 1)]
    """

    def __init__(self, lags=1, alpha=0.05, pc_alpha=0.2, ci_test="auto", tau_min=1,
                 max_conds_dim=None, max_combinations=1, max_conds_py=None, max_conds_px=None,
                 ci_options=None):
        self.lags = lags
        self.alpha = alpha
        self.pc_alpha = pc_alpha
        self.ci_test = ci_test
        self.tau_min = tau_min
        self.max_conds_dim = max_conds_dim
        self.max_combinations = max_combinations
        self.max_conds_py = max_conds_py
        self.max_conds_px = max_conds_px
        self.ci_options = ci_options

    def fit(self, data, time_index=None, sample=None):
        """Run :func:`pcmci` on ``data`` and store the result; returns ``self``."""
        self.result_ = pcmci(data, time_index=time_index, sample=sample, **self.get_params())
        self.graph_ = self.result_.graph
        self.scores_ = self.result_.details["scores"]
        return self
