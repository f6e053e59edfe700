r"""Independence tests with a context variable (domain or time index), for CD-NOD.

CD-NOD (Huang et al. 2020) adds to the variables ``V`` one or more *context*
columns ``C``: a domain label (categorical) or a time index. It asks two kinds
of question:

* ``V _||_ C | S`` (``S`` a set of variables, plus the other contexts): does
  the module ``P(V | S)`` change across domains or over time?
* ``Vi _||_ Vj | S u C``: are two variables independent *within* every
  domain (or at every time)?

A test that treats a domain label as a number (Fisher-z on the codes
``1..K``) answers neither question: it sees only mean shifts that are
monotone in the label, and it does not remove the dependence that a mixture
of domains creates. The two families here answer them properly.

Gaussian family (:class:`ContextGaussianTest`)
----------------------------------------------
For a categorical context. Inside each domain (a *stratum*: a cell of the
context columns in the conditioning set) the variables are taken to be
jointly Gaussian; nothing is assumed to be shared across domains.

* ``Vi _||_ Vj | S u C``: the partial correlation ``r_g`` of ``Vi`` and
  ``Vj`` given ``S`` is computed in each stratum ``g`` from that stratum's own
  covariance matrix (so slopes, intercepts and variances may all differ by
  domain), and the Fisher transforms are combined,

  .. math:: T = \sum_g (n_g - |S| - 3)\, \operatorname{arctanh}(r_g)^2
            \;\sim\; \chi^2_{G} \quad\text{under } H_0,

  which detects a dependence in any stratum, whatever its sign. This is the
  stratified test; it never adds dummy columns.
* ``V _||_ C | S``: under the null the regression of ``V`` on ``S`` is the
  same in every domain. Two classical tests are combined (Bonferroni,
  ``p = min(1, 2 min(p_F, p_B))``):

  - a Chow F-test of equal intercepts and slopes (domain x ``S``
    interactions): per-domain least squares against one pooled fit,
    :math:`F = \frac{(RSS_0 - RSS_1)/((G_1 - G_0)(|S|+1))}{RSS_1/(n - G_1(|S|+1))}`;
  - Bartlett's test of equal residual variances across domains.

  With other contexts in the conditioning set, both fits are made within
  each cell of those contexts (``G_0`` cells under the null, ``G_1`` cells
  of the joint labels under the alternative).

Everything is computed from per-stratum sufficient statistics (counts,
sums, cross-products), built once per set of context columns, and a batch of
tests with the same conditioning-set size is one stacked matrix inversion.

A stratum with too few rows for a test (``n_g < |S| + 4`` for a partial
correlation, ``n_g < |S| + 3`` for a regression) is left out of that test and
counted in :attr:`ContextGaussianTest.n_skipped_strata`; CD-NOD reports it.
With many small domains use the kernel family.

A time index has no strata; the Gaussian family then cuts it into
``n_windows`` windows of equal counts and treats the windows as domains: an
approximation (changes inside a window are not seen), which is why
``ci_test="auto"`` never uses it for a time index.

Kernel family (:class:`ContextKernelTest`)
------------------------------------------
The kernel conditional-independence statistic of KCI (Zhang et al. 2011) with
kernels that suit a context:

* a categorical context gets the delta kernel ``k(a, b) = [a == b]``: as
  ``Y`` its feature map is the one-hot encoding; inside a conditioning set
  the product kernel ``k_S * delta`` is a separate kernel regression in each
  domain (so hundreds of domains of a few rows are fine: no one-hot columns
  are ever regressed on);
* a time index gets a Gaussian kernel of its own width ``time_width`` on the
  standardised index (0.1, the value of the authors' MATLAB code), both as
  ``Y`` and as a factor of the conditioning kernel; it is never linear in
  ``t``.

The variables' Gaussian kernels (on standardised columns) take their widths
from the median heuristic [5]_: each tested column's own median pairwise
distance, and for a conditioning set the median distance over its columns
jointly.

The kernels are low rank: the variables' kernels use ``n_xy_landmarks``
Nystroem landmarks at their quantiles, the conditioning kernel
``n_landmarks`` landmarks drawn at random, so a test costs
``O(n m^2)`` instead of KCI's ``O(n^3)``. The residual kernels
``Rz Kx Rz`` and ``Rz Ky Rz`` (``Rz = eps (Kz + eps I)^{-1}``, KCI's kernel
ridge regression on the conditioning set) are computed in feature space and
truncated to their ``max_rank`` leading directions; the statistic
``tr(Kx|z Ky|z)`` is referred to KCI's gamma approximation of its null. The
residual features of a column given a conditioning set are cached, so tests
that share them cost little.

References
----------
.. [1] Huang, B., Zhang, K., Zhang, J., Ramsey, J., Sanchez-Romero, R.,
   Glymour, C. and Schoelkopf, B. (2020). Causal discovery from
   heterogeneous/nonstationary data. *JMLR* 21(89), 1-53.
.. [2] Chow, G. C. (1960). Tests of equality between sets of coefficients in
   two linear regressions. *Econometrica* 28(3), 591-605.
.. [3] Bartlett, M. S. (1937). Properties of sufficiency and statistical
   tests. *Proc. R. Soc. A* 160, 268-282.
.. [4] Zhang, K., Peters, J., Janzing, D. and Schoelkopf, B. (2011).
   Kernel-based conditional independence test and application in causal
   discovery. *UAI*.
.. [5] Gretton, A., Fukumizu, K., Teo, C. H., Song, L., Schoelkopf, B. and
   Smola, A. J. (2008). A kernel statistical test of independence. *NeurIPS*.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import scipy.linalg
from scipy import stats

from ..exceptions import DataError, UnknownMethodError
from .base import CITest
from .kci import gamma_pvalue
from .kernels import (gaussian_kernel, hsic_width, kci_width, median_width, nystrom_features, sq_distances,
                      standardize)

__all__ = ["ContextGaussianTest", "ContextKernelTest", "CONTEXT_KINDS", "window_codes"]

#: kinds of context column
CONTEXT_KINDS = ("domain", "time")


def window_codes(t, n_windows):
    """Cut a time index into ``n_windows`` windows of (nearly) equal counts.

    Parameters
    ----------
    t : array_like of shape (n,)
        Time values (ties stay in one window).
    n_windows : int
        Number of windows (>= 2).

    Returns
    -------
    ndarray of int, shape (n,)
        Window codes ``0..n_windows-1`` in time order.

    Examples
    --------
    >>> window_codes([5, 1, 2, 3, 4, 6], 2).tolist()
    [1, 0, 0, 0, 1, 1]
    """
    t = np.asarray(t, dtype=float).reshape(-1)
    ranks = stats.rankdata(t, method="min") - 1
    return np.minimum((ranks * int(n_windows)) // len(t), int(n_windows) - 1).astype(np.intp)


class _ContextBase(CITest):
    """Shared parsing: which columns are contexts, and of which kind."""

    def __init__(self, data, names=None, *, context, context_kind=None):
        super().__init__(np.asarray(data, dtype=float), names=names)
        d = self.n_variables
        ctx = []
        for c in ([context] if isinstance(context, (int, np.integer, str)) else list(context)):
            if isinstance(c, str):
                if c not in self.names:
                    raise DataError(f"context column {c!r} is not a column; columns are {self.names}")
                c = self.names.index(c)
            c = int(c)
            if not 0 <= c < d:
                raise DataError(f"context column index {c} is out of range 0..{d - 1}")
            ctx.append(c)
        if not ctx:
            raise DataError("context must name at least one column")
        if len(set(ctx)) != len(ctx):
            raise DataError(f"context lists a column twice: {ctx}")
        if context_kind is None:
            context_kind = ["domain"] * len(ctx)
        elif isinstance(context_kind, str):
            context_kind = [context_kind] * len(ctx)
        context_kind = list(context_kind)
        if len(context_kind) != len(ctx):
            raise DataError(f"context_kind has {len(context_kind)} entries for {len(ctx)} context columns")
        for k in context_kind:
            if k not in CONTEXT_KINDS:
                raise UnknownMethodError(f"context_kind must be one of {list(CONTEXT_KINDS)}; got {k!r}")
        if not np.all(np.isfinite(self.data)):
            bad = [self.names[j] for j in np.flatnonzero(~np.all(np.isfinite(self.data), axis=0))]
            raise DataError(f"columns {bad} hold NaN or inf; context tests need finite data")
        self.context = tuple(ctx)
        self.context_kind = tuple(context_kind)
        self._kind_of = dict(zip(ctx, context_kind))
        self.variables = tuple(j for j in range(d) if j not in self._kind_of)
        self._vpos = {j: i for i, j in enumerate(self.variables)}

    def _split(self, x, y, S):
        """Classify a test: ("vv", x, y, S_V, Z_ctx) or ("vc", v, c, S_V, Z_ctx)."""
        xc, yc = x in self._kind_of, y in self._kind_of
        sv = tuple(s for s in S if s not in self._kind_of)
        zc = tuple(sorted(s for s in S if s in self._kind_of))
        if xc and yc:
            raise DataError(
                f"context tests do not test two context columns against each other "
                f"({self.names[x]!r}, {self.names[y]!r})"
            )
        if xc:
            return "vc", y, x, sv, zc
        if yc:
            return "vc", x, y, sv, zc
        return "vv", x, y, sv, zc

    def _compute(self, x, y, S):
        return float(self._compute_many([(x, y, tuple(S))])[0])


# ============================================================================ Gaussian family
class ContextGaussianTest(_ContextBase):
    """Gaussian-family tests for a categorical context (stratified; see module docstring).

    Parameters
    ----------
    data : ndarray of shape (n_samples, n_variables)
        Variables and context columns (contexts as codes or numbers).
    names : list of str, optional
        Column names.
    context : int, str or list of them
        The context columns.
    context_kind : str or list of str, optional
        ``"domain"`` (default) or ``"time"`` per context column. A time
        column is cut into ``n_windows`` windows of equal counts (an
        approximation; the kernel family handles time properly).
    n_windows : int, optional
        Windows for a time context; default ``max(2, min(10, n // 100))``.

    Attributes
    ----------
    n_skipped_strata : int
        Strata left out of some test because they had too few rows.
    n_untestable : int
        Tests with no stratum large enough (their p-value is NaN, which
        keeps the edge).

    Raises
    ------
    DataError
        NaN or inf, a context column naming no column, a test between two
        context columns.

    Notes
    -----
    ``V _||_ C | S`` is Bonferroni-combined from a Chow F-test (intercepts and
    slopes) and Bartlett's test (variances); both are exact under Gaussian
    residuals, and Bartlett's is sensitive to heavy tails, which can then
    read as a change of the module. ``Vi _||_ Vj | S u C`` is a chi-square
    combination of per-stratum Fisher-z statistics.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> dom = np.repeat([0, 1, 2], 300)
    >>> x = rng.normal(size=900)
    >>> y = np.array([0.5, 1.0, 1.5])[dom] * x + rng.normal(size=900)  # slope changes
    >>> z = x + rng.normal(size=900)                                   # invariant
    >>> t = ContextGaussianTest(np.column_stack([x, y, z, dom]), context=3)
    >>> bool(t.pvalue(1, 3, [0]) < 0.01), bool(t.pvalue(2, 3, [0]) > 0.01)
    (True, True)
    """

    name = "context_gaussian"
    data_type = "continuous"

    def __init__(self, data, names=None, *, context, context_kind=None, n_windows=None):
        super().__init__(data, names=names, context=context, context_kind=context_kind)
        n = self.n_samples
        if n_windows is None:
            n_windows = max(2, min(10, n // 100))
        self.n_windows = int(n_windows)
        self._codes = {}
        for c, kind in self._kind_of.items():
            col = self.data[:, c]
            self._codes[c] = (np.unique(col, return_inverse=True)[1].reshape(-1) if kind == "domain"
                              else window_codes(col, self.n_windows))
        self._xv = self.data[:, list(self.variables)]
        self._strata = {}
        self.n_skipped_strata = 0
        self.n_untestable = 0

    def stratum_labels(self, contexts):
        """Stratum label per row for the joint cells of the given context columns."""
        if not contexts:
            return np.zeros(self.n_samples, dtype=np.intp)
        codes = np.column_stack([self._codes[c] for c in contexts])
        return np.unique(codes, axis=0, return_inverse=True)[1].reshape(-1)

    def _stats(self, contexts):
        """Per-stratum counts, sums and cross-products of the variables."""
        key = tuple(contexts)
        out = self._strata.get(key)
        if out is None:
            lab = self.stratum_labels(contexts)
            G = int(lab.max()) + 1
            X = self._xv
            order = np.argsort(lab, kind="stable")
            ls = lab[order]
            starts = np.flatnonzero(np.r_[True, ls[1:] != ls[:-1]])
            Xs = X[order]
            counts = np.diff(np.r_[starts, len(ls)]).astype(float)
            sums = np.add.reduceat(Xs, starts, axis=0)
            d = X.shape[1]
            cross = np.empty((G, d, d))
            for g, (a, b) in enumerate(zip(starts, np.r_[starts[1:], len(ls)])):
                blk = Xs[a:b]
                cross[g] = blk.T @ blk
            out = (lab, counts, sums, cross)
            self._strata[key] = out
        return out

    @staticmethod
    def _covariances(counts, sums, cross):
        mean = sums / counts[:, None]
        return cross / counts[:, None, None] - mean[:, :, None] * mean[:, None, :]

    def _compute_many(self, keys):
        out = np.full(len(keys), np.nan)
        groups = {}
        for i, (x, y, S) in enumerate(keys):
            kind, a, b, sv, zc = self._split(x, y, S)
            groups.setdefault((kind, b if kind == "vc" else None, zc, len(sv)), []).append((i, a, b, sv))
        for (kind, c, zc, p), items in groups.items():
            where = np.array([it[0] for it in items])
            if kind == "vv":
                idx = np.array([(self._vpos[a], self._vpos[b], *[self._vpos[s] for s in sv])
                                for _, a, b, sv in items], dtype=np.intp).reshape(len(items), p + 2)
                out[where] = self._partial_vv(zc, idx, p)
            else:
                idx = np.array([(self._vpos[a], *[self._vpos[s] for s in sv]) for _, a, _, sv in items],
                               dtype=np.intp).reshape(len(items), p + 1)
                out[where] = self._change_vc(c, zc, idx, p)
        return out

    # ---------------------------------------------------------------- Vi _||_ Vj | S u C
    def _partial_vv(self, zc, idx, p):
        _, counts, sums, cross = self._stats(zc)
        dof = counts - p - 3
        ok = dof >= 1
        self.n_skipped_strata += int((~ok).sum()) * len(idx)
        if not ok.any():
            self.n_untestable += len(idx)
            return np.full(len(idx), np.nan)
        cov = self._covariances(counts[ok], sums[ok], cross[ok])
        w = dof[ok]
        stat = np.zeros(len(idx))
        used = np.zeros(len(idx))
        for start in range(0, len(idx), 4096):
            sl = slice(start, start + 4096)
            ii = idx[sl]
            sub = cov[:, ii[:, :, None], ii[:, None, :]]  # (G, B, p+2, p+2)
            if p == 0:
                num = sub[..., 0, 1]
                den = np.sqrt(sub[..., 0, 0] * sub[..., 1, 1])
                r = np.divide(num, den, out=np.full_like(num, np.nan), where=den > 0)
            else:
                P = _safe_inv(sub)
                den = np.sqrt(np.abs(P[..., 0, 0] * P[..., 1, 1]))
                r = np.divide(-P[..., 0, 1], den, out=np.full_like(den, np.nan), where=den > 0)
            good = np.isfinite(r)
            z = np.arctanh(np.clip(np.where(good, r, 0.0), -1 + 1e-15, 1 - 1e-15))
            stat[sl] = np.sum(w[:, None] * z * z * good, axis=0)
            used[sl] = good.sum(axis=0)
        p_val = np.full(len(idx), np.nan)
        fine = used > 0
        p_val[fine] = stats.chi2.sf(stat[fine], used[fine])
        self.n_untestable += int((~fine).sum())
        return p_val

    # ---------------------------------------------------------------- V _||_ C | S
    def _change_vc(self, c, zc, idx, p):
        zc = tuple(z for z in zc if z != c)
        lab1, counts1, sums1, cross1 = self._stats(tuple(sorted(zc + (c,))))
        lab0 = self.stratum_labels(zc)
        # which null cell each alternative cell belongs to
        G1 = len(counts1)
        parent = np.zeros(G1, dtype=np.intp)
        parent[lab1] = lab0
        keep = counts1 >= p + 3
        self.n_skipped_strata += int((~keep).sum()) * len(idx)
        G0 = int(lab0.max()) + 1
        M = np.zeros((G0, G1))
        M[parent[keep], np.flatnonzero(keep)] = 1.0
        m_h = M.sum(axis=1)
        df1_cells = float(np.sum(np.maximum(m_h - 1, 0)))
        if df1_cells == 0:
            self.n_untestable += len(idx)
            return np.full(len(idx), np.nan)
        k = np.flatnonzero(keep)
        n1, s1, x1 = counts1[k], sums1[k], cross1[k]
        Mk = M[:, k]
        n0, s0, x0 = Mk @ n1, np.einsum("hg,gd->hd", Mk, s1), np.einsum("hg,gde->hde", Mk, x1)
        h_ok = n0 > 0
        n0, s0, x0 = n0[h_ok], s0[h_ok], x0[h_ok]
        Mk = Mk[h_ok]
        cov1 = self._covariances(n1, s1, x1)
        cov0 = self._covariances(n0, s0, x0)
        n_used = float(n1.sum())
        df1 = df1_cells * (p + 1)
        df2 = n_used - len(k) * (p + 1)
        nu = n1 - p - 1
        out = np.full(len(idx), np.nan)
        for start in range(0, len(idx), 4096):
            sl = slice(start, start + 4096)
            ii = idx[sl]
            rv1 = _residual_variance(cov1, ii)  # (G1k, B)
            rv0 = _residual_variance(cov0, ii)  # (G0, B)
            rss1 = np.sum(n1[:, None] * rv1, axis=0)
            rss0 = np.sum(n0[:, None] * rv0, axis=0)
            with np.errstate(divide="ignore", invalid="ignore"):
                F = ((rss0 - rss1) / df1) / (rss1 / df2)
            pF = np.where(np.isfinite(F), stats.f.sf(np.maximum(F, 0), df1, df2), 1.0) if df2 > 0 \
                else np.ones(len(ii))
            # Bartlett within each null cell
            s2 = np.maximum(n1[:, None] * rv1 / nu[:, None], 1e-300)
            N_h = Mk @ nu
            pooled = (Mk @ (nu[:, None] * s2)) / N_h[:, None]
            term = N_h[:, None] * np.log(pooled) - Mk @ (nu[:, None] * np.log(s2))
            m = Mk.sum(axis=1)
            multi = m >= 2
            corr = 1.0 + (Mk @ (1.0 / nu) - 1.0 / N_h) / (3.0 * np.maximum(m - 1, 1))
            B = np.sum((term / corr[:, None])[multi], axis=0)
            dfB = float(np.sum(m[multi] - 1))
            pB = stats.chi2.sf(np.maximum(B, 0), dfB)
            out[sl] = np.minimum(1.0, 2.0 * np.minimum(pF, pB))
        return out


def _safe_inv(a):
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(a, hermitian=True)


def _residual_variance(cov, idx):
    """Residual variance of column idx[:, 0] on idx[:, 1:] per stratum: shape (G, B)."""
    sub = cov[:, idx[:, :, None], idx[:, None, :]]
    if idx.shape[1] == 1:
        return sub[..., 0, 0]
    P = _safe_inv(sub)
    with np.errstate(divide="ignore"):
        return np.where(P[..., 0, 0] > 0, 1.0 / P[..., 0, 0], 0.0)


# ============================================================================ kernel family
class _LRU:
    """A size-bounded least-recently-used cache; each entry's size is recorded when it is stored."""

    def __init__(self, max_bytes):
        self.max_bytes, self.bytes, self._d = int(max_bytes), 0, OrderedDict()

    @staticmethod
    def _size(v):
        return sum(a.nbytes for a in v if isinstance(a, np.ndarray)) if isinstance(v, tuple) else v.nbytes

    def get(self, key):
        hit = self._d.get(key)
        if hit is None:
            return None
        self._d.move_to_end(key)
        return hit[0]

    def put(self, key, value, size=None):
        size = self._size(value) if size is None else int(size)
        if size <= self.max_bytes:
            if key in self._d:
                self.bytes -= self._d.pop(key)[1]
            self._d[key] = (value, size)
            self.bytes += size
            while self.bytes > self.max_bytes and len(self._d) > 1:
                _, (_, old) = self._d.popitem(last=False)
                self.bytes -= old
        return value


class ContextKernelTest(_ContextBase):
    """Kernel (KCI-type) tests with a delta kernel for domains and a narrow kernel for time.

    Parameters
    ----------
    data : ndarray of shape (n_samples, n_variables)
        Variables and context columns.
    names : list of str, optional
    context : int, str or list of them
        The context columns.
    context_kind : str or list of str, optional
        ``"domain"`` (delta kernel; default) or ``"time"`` (Gaussian kernel of
        width ``time_width`` on the standardised index) per context column.
    width : "median", "empirical" or float, default "median"
        Width of the Gaussian kernels of the (standardised) variables.
        ``"median"``: the median heuristic (Gretton et al. 2008; see
        :func:`causalkit.ci.kernels.median_width`), computed for each tested
        column on its own and for each conditioning set on its columns
        jointly (so it grows with the set's size). ``"empirical"``:
        causal-learn's rule that depends on ``n`` only (see
        :func:`causalkit.ci.kernels.kci_width`; the default before
        2026-11-29). A number: that width for every variable (times
        ``sqrt(|S|)`` for a conditioning set). The empirical rule's widths
        (0.5-0.7 on standardised data at n = 1000) are narrow for
        conditioning on a domain: within a domain the residuals of a smooth
        mechanism vary over a wide range and a narrow kernel spends its few
        directions on local detail; on 6 nonlinear variables in 5 domains
        (n = 1000) the skeleton F1 went from 0.932 to 0.960 over 10 seeds
        (0.920 to 0.925 on 15 further seeds) and on 10 time-varying
        variables (n = 10,000) from 0.87 to 0.97 with the median rule.
    time_width : float, default 0.1
        Width of the kernel on the standardised time index (the authors'
        MATLAB default).
    n_landmarks : int, default 300
        Nystroem landmarks of the conditioning kernel (all rows when
        ``n_samples`` is smaller). Conditioning on a time index together with
        variables needs the regression to follow slopes that drift over time;
        with 100 landmarks it underfits and leaves false edges (skeleton F1
        0.72 instead of 0.87 on 10 time-varying variables, n = 10,000).
    n_xy_landmarks : int, default 20
        Nystroem landmarks (at the quantiles) of each tested variable's kernel;
        the time kernel as ``Y`` uses ``max(n_xy_landmarks, 4 / time_width)``.
    max_rank : int, default 10
        Leading directions kept of each variable's residual kernel (five
        times as many for a context's).
    epsilon : float, default 1e-3
        Ridge of the kernel regression on the conditioning set (KCI's value).
    whiten : bool or "context", default False
        Give every kept direction of the residual kernels equal weight (all
        columns, or only the context's) instead of its eigenvalue.
    window_check : bool, default True
        For ``V _||_ time | S``, also run :class:`ContextGaussianTest` over
        ``n_windows`` time windows and combine the two p-values (Bonferroni).
        The kernel statistic dilutes a change of variance or slope confined to
        a short stretch of time; the windowed Chow-Bartlett test sees it. The
        price: that part is linear in ``S`` (not in ``t``), so a strongly
        nonlinear mechanism whose input distribution drifts can read as a
        change. ``False`` gives the pure kernel test.
    n_windows : int, optional
        Windows of that check (default as in :class:`ContextGaussianTest`).
    cache_mb : float, default 256
        Memory for cached features.
    random_state : int, default 0
        Seed of the conditioning-kernel landmarks.

    Raises
    ------
    DataError
        NaN or inf, bad context columns, non-positive widths.

    Notes
    -----
    An approximation of KCI (low-rank kernels, truncated residual kernels, no
    augmentation of ``X`` by ``Z``); its p-values are close to KCI's for
    smooth relations and it is orders of magnitude faster. With a single
    domain cell of very few rows the regression on ``S`` interpolates and the
    test has little power there; it never claims a dependence it cannot see.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> t = np.arange(400)
    >>> x = np.sin(t / 30) + 0.5 * rng.normal(size=400)   # drifts with time
    >>> y = rng.normal(size=400)                           # does not
    >>> k = ContextKernelTest(np.column_stack([x, y, t]), context=2, context_kind="time")
    >>> bool(k.pvalue(0, 2) < 0.01), bool(k.pvalue(1, 2) > 0.01)
    (True, True)
    """

    name = "context_kernel"
    data_type = "continuous"

    def __init__(self, data, names=None, *, context, context_kind=None, width="median", time_width=0.1,
                 n_landmarks=300, n_xy_landmarks=20, max_rank=10, epsilon=1e-3, whiten=False,
                 window_check=True, n_windows=None, cache_mb=256, random_state=0):
        super().__init__(data, names=names, context=context, context_kind=context_kind)
        if not (width in ("empirical", "median") or (np.isscalar(width) and not isinstance(width, str) and width > 0)):
            raise UnknownMethodError(f"width must be 'median', 'empirical' or a positive number; got {width!r}")
        if not (np.isscalar(time_width) and time_width > 0):
            raise DataError(f"time_width must be a positive number; got {time_width!r}")
        self.width = width
        self.time_width = float(time_width)
        self.n_landmarks = int(n_landmarks)
        self.n_xy_landmarks = int(n_xy_landmarks)
        self.max_rank = int(max_rank)
        self.epsilon = float(epsilon)
        self.whiten = whiten
        self.window_check = bool(window_check)
        self._windows = None
        if self.window_check and "time" in self.context_kind:
            self._windows = ContextGaussianTest(self.data, names=self.names, context=self.context,
                                                context_kind=self.context_kind, n_windows=n_windows)
        n = self.n_samples
        z = standardize(self.data)
        self._codes = {}
        for c, kind in self._kind_of.items():
            if kind == "domain":
                self._codes[c] = np.unique(self.data[:, c], return_inverse=True)[1].reshape(-1)
        self._z = z
        rng = np.random.default_rng(random_state)
        m = min(self.n_landmarks, n)
        self._landmarks = np.sort(rng.choice(n, m, replace=False))
        self._mats = _LRU(cache_mb * 2**20)

    # ---------------------------------------------------------------- widths and features
    def _var_width(self, n_cond, j=None):
        if self.width == "median":
            return self._median_width((j,))
        if self.width != "empirical":
            return float(self.width)
        n = self.n_samples
        return kci_width(n, 1) if n_cond else hsic_width(n, 1)

    def _cond_width(self, n_vars, sv=None):
        if self.width == "median":
            return self._median_width(tuple(sv))
        if self.width != "empirical":
            return float(self.width) * np.sqrt(max(n_vars, 1))
        return kci_width(self.n_samples, n_vars)

    def _median_width(self, cols):
        """Median heuristic on the standardised columns (cached per set of columns)."""
        key = ("W", cols)
        w = self._mats.get(key)
        if w is None:
            w = self._mats.put(key, np.array([median_width(self._z[:, list(cols)], max_samples=500)]))
        return float(w[0])

    def _quantile_features(self, col, width, m):
        """Nystroem features of a 1-D Gaussian kernel with landmarks at the quantiles."""
        lm = np.unique(np.quantile(col, (np.arange(m) + 0.5) / m))
        K_nm = gaussian_kernel(sq_distances(col, lm), width)
        K_mm = gaussian_kernel(sq_distances(lm), width)
        return nystrom_features(K_nm, K_mm, rtol=1e-8)

    def _y_features(self, j, conditional):
        """Features of one tested column (variable, domain or time)."""
        key = ("F", j, conditional)
        F = self._mats.get(key)
        if F is None:
            kind = self._kind_of.get(j)
            if kind == "domain":
                codes = self._codes[j]
                F = np.zeros((self.n_samples, int(codes.max()) + 1))
                F[np.arange(self.n_samples), codes] = 1.0
            elif kind == "time":
                m = max(self.n_xy_landmarks, int(np.ceil(4.0 / self.time_width)))
                F = self._quantile_features(self._z[:, j], self.time_width, m)
            else:
                F = self._quantile_features(self._z[:, j], self._var_width(conditional, j), self.n_xy_landmarks)
            F = self._mats.put(key, F)
        return F

    def _cond_factor(self, sv, zc):
        """Per domain cell: rows, conditioning features (with a constant) and their Cholesky factor."""
        key = ("Z", sv, zc)
        out = self._mats.get(key)
        if out is not None:
            return out
        n = self.n_samples
        cont = [j for j in sv] + [c for c in zc if self._kind_of[c] == "time"]
        if cont:
            scale = np.array([1.0 / self._cond_width(len(sv), sv)] * len(sv)
                             + [1.0 / self.time_width] * (len(cont) - len(sv)))
            Zs = self._z[:, cont] * scale
            lm = Zs[self._landmarks]
            K_nm = np.exp(-0.5 * sq_distances(Zs, lm))
            K_mm = np.exp(-0.5 * sq_distances(lm))
            Phi = np.column_stack([np.ones(n), nystrom_features(K_nm, (K_mm + K_mm.T) / 2, rtol=1e-8)])
        else:
            Phi = np.ones((n, 1))
        cats = [c for c in zc if self._kind_of[c] == "domain"]
        if cats:
            lab = np.unique(np.column_stack([self._codes[c] for c in cats]), axis=0,
                            return_inverse=True)[1].reshape(-1)
        else:
            lab = np.zeros(n, dtype=np.intp)
        order = np.argsort(lab, kind="stable")
        ls = lab[order]
        bounds = np.flatnonzero(np.r_[True, ls[1:] != ls[:-1], True])
        cells = []
        for a, b in zip(bounds[:-1], bounds[1:]):
            rows = order[a:b]
            P = Phi[rows]
            A = P.T @ P
            A[np.diag_indices_from(A)] += self.epsilon
            cells.append((rows, P, scipy.linalg.cho_factor(A, lower=True, check_finite=False)))
        out = (cells,)
        return self._mats.put(key, out, size=sum(P.nbytes + cf[0].nbytes + rows.nbytes for rows, P, cf in cells))

    def _whiten(self, j):
        w = self.whiten
        return w is True or (w == "context" and j in self._kind_of)

    def _residual(self, j, sv, zc):
        """Leading directions of the residual kernel of column j given (S, contexts)."""
        key = ("R", j, sv, zc)
        R = self._mats.get(key)
        if R is None:
            F = self._y_features(j, bool(sv) or bool(zc))
            (cells,) = self._cond_factor(sv, zc)
            Rf = np.empty_like(F)
            for rows, P, cf in cells:
                Fr = F[rows]
                Rf[rows] = Fr - P @ scipy.linalg.cho_solve(cf, P.T @ Fr, check_finite=False)
            # leading directions from the small Gram matrix Rf'Rf (cheaper than an SVD of Rf)
            lam, V = np.linalg.eigh(Rf.T @ Rf)
            lam, V = lam[::-1], V[:, ::-1]
            if len(lam) == 0 or lam[0] <= 1e-24:
                R = Rf[:, :0]
            else:
                keep = np.flatnonzero(lam > 1e-6 * lam[0])[: self.max_rank * (5 if j in self._kind_of else 1)]
                R = Rf @ V[:, keep]  # = U s
                if self._whiten(j):
                    R = R / np.sqrt(lam[keep])[None, :]
            R = self._mats.put(key, R)
        return R

    def statistic(self, x, y, S=()):
        """The statistic ``tr(Kx|z Ky|z)`` and the mean and variance of its gamma null.

        Parameters
        ----------
        x, y : int
            Column indices (at most one of them a context column).
        S : sequence of int
            Conditioning set (variables and contexts).

        Returns
        -------
        stat, null_mean, null_var : float
        """
        kind, a, b, sv, zc = self._split(int(x), int(y), tuple(sorted(int(s) for s in S)))
        Rx = self._residual(a, sv, zc)
        Ry = self._residual(b, sv, zc)
        if Rx.shape[1] == 0 or Ry.shape[1] == 0:
            return 0.0, 0.0, 0.0
        stat = float(np.sum((Rx.T @ Ry) ** 2))
        mean = float(np.sum(Rx ** 2, axis=1) @ np.sum(Ry ** 2, axis=1))
        n = self.n_samples
        W = (Rx[:, :, None] * Ry[:, None, :]).reshape(n, -1)
        var = 2.0 * float(np.sum((W.T @ W) ** 2))
        return stat, mean, var

    def _compute_many(self, keys):
        order = sorted(range(len(keys)), key=lambda i: (keys[i][2], keys[i][0], keys[i][1]))
        out = np.empty(len(keys))
        for i in order:
            out[i] = gamma_pvalue(*self.statistic(*keys[i]))
        if self._windows is not None:
            # V _||_ time | S: also Chow-Bartlett over time windows (localised changes of
            # variance or slope that the kernel statistic dilutes); Bonferroni.
            vc = [i for i, (x, y, S) in enumerate(keys)
                  if self._split(x, y, S)[0] == "vc" and self._kind_of[self._split(x, y, S)[2]] == "time"]
            if vc:
                pw = self._windows.pvalues([keys[i] for i in vc])
                pk = out[vc]
                out[vc] = np.where(np.isfinite(pw), np.minimum(1.0, 2.0 * np.minimum(pk, pw)), pk)
        return out
