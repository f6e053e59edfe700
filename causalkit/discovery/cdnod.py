r"""CD-NOD: causal discovery from heterogeneous or nonstationary data.

CD-NOD (Zhang, Huang et al. 2017; Huang et al. 2020) learns a causal graph
from data whose causal *modules* ``P(V_j | PA_j)`` may change across domains
or over time. It adds a surrogate variable ``C``, the domain label or the
time index, and assumes *pseudo causal sufficiency*: every hidden cause of
the changes is a function of ``C``. Under the Markov and faithfulness
conditions on the *augmented graph* over ``V u {C}``, in which ``C`` is a
root with an edge into every changing module, the method runs four phases.

1. **Changing modules and skeleton** (Algorithm 1 of [1]_). Start from the
   complete graph over ``V u {C}``. An edge ``V_i --- C`` is removed when
   ``V_i _||_ C | S`` for some set ``S`` of other variables; the ``V_i``
   still adjacent to ``C`` are the *changing modules*. An edge
   ``V_i --- V_j`` is removed when ``V_i _||_ V_j | S u {C}``: every test
   between variables conditions on the context. The search is PC's stable,
   batched skeleton (:mod:`causalkit.discovery.pc`) with a test that always
   adds the context columns to the conditioning set; the separating sets
   record them.
2. **Orientation by invariance** ("generalisation of invariance"). Every
   ``C --- V`` becomes ``C --> V``; unshielded colliders are oriented from the
   separating sets (so ``C --> V_j <-- V_k`` when ``V_j`` does not separate
   ``C`` from ``V_k``, and ``V_j --> V_k`` by Meek's R1 otherwise); then
   Meek's rules R1-R4. No rule may put an arrowhead at ``C`` (``V --> C`` is
   forbidden background knowledge), whatever the collider rule.
3. **Orientation by independent changes** ([1]_ section 4; the authors'
   ``infer_nonsta_dir.m``): an edge left undirected between two changing
   modules is oriented by the principle that the changes of ``P(cause)`` and
   of ``P(effect | cause)`` are independent. For a candidate sink the
   dependence between the kernel embeddings of the two modules over ``C``
   is measured by a normalised HSIC; sinks are chosen greedily, then Meek's
   rules run again (:mod:`causalkit.discovery._cdnod_changes`). The
   default embedding is a second-order (moment) one, compared through
   Gaussian kernels with one median width per parameter (a departure from
   the paper's single median width, see docs/cdnod.rst; the single width is
   ``change_options={"feature_widths": "joint"}``); the paper's
   nonparametric conditional embedding is ``change_options={"embedding":
   "kernel"}``.
4. **Driving forces** ([2]_ Algorithm 2): kernel PCA of the Gram matrix of
   the embeddings of each changing module ``P(V | PA)`` over ``C`` gives a
   low-dimensional "driving force" of its change
   (:mod:`causalkit.discovery._cdnod_driving_force`).

Independence tests
------------------
``ci_test`` picks a family of tests that understands the context
(:mod:`causalkit.ci.context`):

* ``"fisherz"`` (alias ``"gaussian"``): the Gaussian family for domain
  labels: changes of intercept, of slopes (domain x ``S``) and of noise
  variance are all detected; ``V_i _||_ V_j | S u C`` is a stratified
  partial-correlation test. A time index is cut into windows (approximate).
* ``"kci"`` (alias ``"kernel"``): kernel tests with the delta kernel on a
  domain label and a narrow Gaussian kernel on a time index, low rank.
* ``"auto"``: the Gaussian family when every context is a domain label and
  every domain has at least ``20`` rows; the kernel family otherwise (a time
  index, or many small domains). A test linear in ``t`` is never chosen.
* ``"oracle"``: d-separation in a known augmented DAG (``ci_options={"graph":
  g}``), to test the algorithm itself.
* a :class:`~causalkit.ci.base.CITest` built on the augmented data
  (variables, then context columns).

References
----------
.. [1] Huang, B., Zhang, K., Zhang, J., Ramsey, J., Sanchez-Romero, R.,
   Glymour, C. and Schoelkopf, B. (2020). Causal discovery from
   heterogeneous/nonstationary data. *JMLR* 21(89), 1-53.
.. [2] Huang, B., Zhang, K., Zhang, J., Sanchez-Romero, R., Glymour, C. and
   Schoelkopf, B. (2017). Behind distribution shift: mining driving forces of
   changes and causal arrows. *ICDM*, 913-918.
.. [3] Zhang, K., Huang, B., Zhang, J., Glymour, C. and Schoelkopf, B.
   (2017). Causal discovery from nonstationary/heterogeneous data: skeleton
   estimation and orientation determination. *IJCAI*, 1347-1353.
"""

from __future__ import annotations

import numbers
import time

import numpy as np
import pandas as pd

from ..ci.base import CITest
from ..ci.context import CONTEXT_KINDS, ContextGaussianTest, ContextKernelTest
from ..data import check_data
from ..dataset import Dataset
from ..exceptions import DataError, GraphError, UnknownMethodError
from ..result import DiscoveryResult
from .background import BackgroundKnowledge
from ._cdnod_driving_force import plot_driving_force
from ._estimator import DiscoveryEstimator
from .pc import _check_options, _named_sepsets, _orient, _pdag_to_graph, _skeleton_stable

__all__ = ["cdnod", "CDNOD", "plot_driving_force", "ORIENT_MODES", "CI_FAMILIES"]

#: ``orient=``: which orientation phases run
ORIENT_MODES = ("full", "invariance")
#: ``ci_test=`` names CD-NOD understands (besides a CITest instance)
CI_FAMILIES = ("auto", "fisherz", "gaussian", "kci", "kernel", "oracle")
_CONTEXT_TYPES = ("auto",) + CONTEXT_KINDS
#: smallest domain for which ``ci_test="auto"`` picks the Gaussian family
_MIN_GAUSSIAN_DOMAIN = 20


# ----------------------------------------------------------------------------- input
def _as_list(v):
    if v is None:
        return []
    if isinstance(v, (str, numbers.Integral)):
        return [v]
    return list(v)


def _resolve_frame(data, context, domain, time_index):
    """The data as a DataFrame and the context columns with how they were given."""
    given = []  # (column, how)
    if isinstance(data, Dataset):
        ds = data
        data = ds.data
        if context is None and domain is None and time_index is None:
            ctx = ds.roles.get("context")
            if ctx is None:
                raise DataError("the Dataset has no roles['context']; pass context=, domain= or time_index=")
            how = "time" if ds.metadata.get("context") == "time" else "auto"
            given = [(c, how) for c in _as_list(ctx)]
    if isinstance(data, pd.DataFrame):
        frame = data.copy()
        frame.columns = [str(c) for c in frame.columns]
    else:
        a = np.asarray(data)
        if a.ndim != 2:
            raise DataError(f"data must be a DataFrame, a 2-D array or a Dataset; got shape {a.shape}")
        frame = pd.DataFrame(a, columns=[f"X{i}" for i in range(a.shape[1])])
    extra = 0
    for v, how in [(context, "auto"), (domain, "domain"), (time_index, "time")]:
        if v is None:
            continue
        if isinstance(v, (np.ndarray, pd.Series)) and np.ndim(v) >= 1 and len(v) == len(frame) \
                and not (np.ndim(v) == 1 and len(v) <= frame.shape[1] and all(isinstance(x, str) for x in v)):
            arr = np.asarray(v)
            cols = arr.reshape(len(arr), -1)
            for k in range(cols.shape[1]):
                name = str(v.name) if isinstance(v, pd.Series) and v.name is not None else \
                    ("C" if cols.shape[1] == 1 and extra == 0 else f"C{extra}")
                if name in frame.columns:
                    raise DataError(f"the context array would be named {name!r}, which is already a column")
                frame[name] = cols[:, k]
                given.append((name, how))
                extra += 1
            continue
        for c in _as_list(v):
            c = str(c)
            if c not in frame.columns:
                arg = {"auto": "context", "domain": "domain", "time": "time_index"}[how]
                raise DataError(f"{arg}={c!r} is not a column of data; columns are {list(frame.columns)}")
            given.append((c, how))
    if not given:
        raise DataError("CD-NOD needs a context column: pass context=, domain= or time_index= "
                        "(a column name or an array of one value per row)")
    cols = [c for c, _ in given]
    dup = sorted({c for c in cols if cols.count(c) > 1})
    if dup:
        raise DataError(f"context columns given twice: {dup}")
    return frame, given


def _context_kinds(frame, given, context_type):
    """Decide 'domain' or 'time' for each context column; check NaN and single domain."""
    if context_type not in _CONTEXT_TYPES:
        raise UnknownMethodError(f"context_type must be one of {list(_CONTEXT_TYPES)}; got {context_type!r}")
    n = len(frame)
    kinds = []
    for c, how in given:
        col = frame[c]
        if col.isna().any():
            raise DataError(
                f"context column {c!r} has {int(col.isna().sum())} missing values; every row needs its "
                "domain or time, and CD-NOD does not drop rows silently: fill or remove them first"
            )
        if col.nunique() < 2:
            raise DataError(
                f"context column {c!r} has a single value ({col.iloc[0]!r}): a single domain carries no "
                "information about changes; use PC (causalkit.discover(data)) instead"
            )
        kind = context_type if context_type != "auto" else how
        if kind == "auto":
            numeric = pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype)
            kind = "time" if numeric and col.nunique() > max(20, n // 2) else "domain"
        if kind == "time" and not (pd.api.types.is_numeric_dtype(col.dtype)
                                   and not pd.api.types.is_bool_dtype(col.dtype)):
            raise DataError(f"context column {c!r} is a time index but is not numeric (dtype {col.dtype})")
        kinds.append(kind)
    return kinds


def _choose_family(ci_test, kinds, ctx_values):
    if isinstance(ci_test, CITest):
        return "custom"
    if not isinstance(ci_test, str):
        raise DataError(f"ci_test must be a test name or a CITest; got {type(ci_test).__name__}")
    if ci_test not in CI_FAMILIES:
        raise UnknownMethodError(f"CD-NOD's ci_test must be one of {list(CI_FAMILIES)} or a CITest; "
                                 f"got {ci_test!r}")
    if ci_test in ("gaussian", "fisherz"):
        return "gaussian"
    if ci_test in ("kci", "kernel"):
        return "kernel"
    if ci_test == "oracle":
        return "oracle"
    if any(k == "time" for k in kinds):
        return "kernel"
    cells = np.unique(np.column_stack(ctx_values), axis=0, return_counts=True)[1]
    return "gaussian" if cells.min() >= _MIN_GAUSSIAN_DOMAIN else "kernel"


def _small_domains(ctx_names, kinds, ctx_values, limit):
    """Domain cells with fewer than ``limit`` rows, as a readable list."""
    dom = [i for i, k in enumerate(kinds) if k == "domain"]
    if not dom:
        return []
    vals = np.column_stack([ctx_values[i] for i in dom])
    cells, counts = np.unique(vals, axis=0, return_counts=True)
    return [(dict(zip([ctx_names[i] for i in dom], cell.tolist())), int(k))
            for cell, k in zip(cells, counts) if k < limit]


# ----------------------------------------------------------------------------- the test wrapper
class _ContextConditioned:
    """A CI test over ``V u C`` that puts the context columns in every conditioning set.

    ``(Vi, Vj, S)`` is asked as ``(Vi, Vj, (S n V) u C)`` and ``(V, Ck, S)`` as
    ``(V, Ck, (S n V) u (C - Ck))``: Algorithm 1 of Huang et al. (2020), in the
    shape PC's skeleton search asks its questions (it may draw a context
    column into ``S`` as a neighbour; that changes nothing).
    """

    def __init__(self, inner, context):
        self.inner = inner
        self.context = tuple(context)
        self._ctx = frozenset(context)
        self.n_variables = inner.n_variables
        self.name = inner.name

    @property
    def n_tests(self):
        return self.inner.n_tests

    def effective(self, x, y, S):
        x, y = int(x), int(y)
        sv = {int(s) for s in S if int(s) not in self._ctx}
        return x, y, tuple(sorted(sv | (self._ctx - {x, y})))

    def pvalue(self, x, y, S=()):
        return self.inner.pvalue(*self.effective(x, y, S))

    def pvalues(self, tests):
        return self.inner.pvalues([self.effective(x, y, S) for x, y, S in tests])

    def pvalues_batch(self, x, y, S):
        """One depth of the skeleton as arrays (the engine's fast path).

        For the Gaussian family the effective tests are formed, deduplicated
        and computed with array operations, grouped by kind and size, without
        a Python call per test; a cache keyed by the effective test serves the
        repeats across depths (a set ``S`` holding a context repeats a test of
        the depth below). Other tests go through :meth:`pvalues`.
        """
        inner = self.inner
        x = np.asarray(x, dtype=np.intp)
        y = np.asarray(y, dtype=np.intp)
        S = np.asarray(S, dtype=np.intp).reshape(len(x), -1)
        if not isinstance(inner, ContextGaussianTest) or not len(x):
            return self.pvalues(list(zip(x.tolist(), y.tolist(), map(tuple, S.tolist()))))
        if not hasattr(self, "_batch_cache"):
            self._batch_cache = {}
            vpos = np.full(inner.n_variables, -1, dtype=np.intp)
            for j, i in inner._vpos.items():
                vpos[j] = i
            self._vpos_arr = vpos
        ctx = np.array(self.context, dtype=np.intp)
        lo, hi = np.minimum(x, y), np.maximum(x, y)
        is_ctx = np.isin(S, ctx)
        big = np.iinfo(np.intp).max
        Sv = np.sort(np.where(is_ctx, big, S), axis=1)
        nv = (~is_ctx).sum(axis=1)
        Sv[Sv == big] = -1
        keys = np.column_stack([lo, hi, Sv])
        uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        p_u = np.full(len(uniq), np.nan)
        u_nv_all = nv[np.unique(inverse, return_index=True)[1]]  # variables in S, per unique row
        rows = [tuple(r[:2 + k]) for r, k in zip(uniq.tolist(), u_nv_all.tolist())]
        todo = []
        for r, key in enumerate(rows):
            v = self._batch_cache.get(key)
            if v is None:
                todo.append(r)
            else:
                p_u[r] = v
        if todo:
            todo = np.array(todo, dtype=np.intp)
            u = uniq[todo]
            u_nv = u_nv_all[todo]
            u_hi_ctx = np.isin(u[:, 1], ctx)
            ctx_set = set(self.context)
            groups = {}
            for g, (h, is_c, k) in enumerate(zip(u[:, 1].tolist(), u_hi_ctx.tolist(), u_nv.tolist())):
                groups.setdefault((h if is_c else -1, k), []).append(g)
            for (c, k), members in groups.items():
                members = np.array(members, dtype=np.intp)
                block = u[members]
                sv = self._vpos_arr[block[:, 2:2 + k]]
                if c >= 0:  # V _||_ C | S, the other contexts as strata
                    zc = tuple(sorted(ctx_set - {c}))
                    idx = np.column_stack([self._vpos_arr[block[:, 0]], sv])
                    p = inner._change_vc(c, zc, idx, k)
                else:       # Vi _||_ Vj | S u C
                    zc = tuple(sorted(ctx_set))
                    idx = np.column_stack([self._vpos_arr[block[:, 0]], self._vpos_arr[block[:, 1]], sv])
                    p = inner._partial_vv(zc, idx, k)
                p_u[todo[members]] = p
            inner.n_tests += len(todo)
            for r in todo.tolist():
                self._batch_cache[rows[r]] = float(p_u[r])
        return p_u[inverse]


def _build_test(family, values, names, ctx_idx, kinds, ci_options, ci_test):
    opts = dict(ci_options or {})
    if family == "custom":
        if ci_test.n_variables != values.shape[1]:
            raise DataError(f"ci_test was built on {ci_test.n_variables} columns; CD-NOD's augmented data "
                            f"(variables, then contexts {[names[i] for i in ctx_idx]}) has {values.shape[1]}")
        return ci_test
    if family == "oracle":
        from ..ci.oracle import DSeparationOracle

        return DSeparationOracle(values, names=names, **opts)
    if family == "gaussian":
        return ContextGaussianTest(values, names=names, context=ctx_idx, context_kind=kinds, **opts)
    return ContextKernelTest(values, names=names, context=ctx_idx, context_kind=kinds, **opts)


# ----------------------------------------------------------------------------- public API
def cdnod(data, context=None, *, domain=None, time_index=None, alpha=0.05, ci_test="auto",
          context_type="auto", max_depth=None, background=None, orient="full", driving_force=True,
          sepset="union", collider_rule="standard", ci_options=None, change_options=None,
          driving_force_options=None, progress=False, missing="error"):
    r"""Learn a causal graph from heterogeneous or nonstationary data with CD-NOD.

    Parameters
    ----------
    data : DataFrame, ndarray of shape (n_samples, n_columns) or Dataset
        The variables and (when given by name) the context columns. A
        :class:`~causalkit.dataset.Dataset` supplies its
        ``roles["context"]`` when no context argument is given.
    context : str, list of str, or array of shape (n_samples,) or (n_samples, k), optional
        The context column(s): domain labels or a time index. Several are
        allowed (each a separate node ``C``). An array is appended to the data
        as column ``"C"`` (``"C0"``, ``"C1"``, ... for several).
    domain, time_index : str, list of str or array, optional
        Context columns given with their kind (the names
        :func:`causalkit.discover` passes). A ``time_index`` column is always
        a time; a ``domain`` or ``context`` column follows ``context_type``.
    alpha : float, default 0.05
        Level of the independence tests.
    ci_test : str or CITest, default "auto"
        ``"auto"``, ``"fisherz"``/``"gaussian"`` (Gaussian family), ``"kci"``/
        ``"kernel"`` (kernel family), ``"oracle"``, or a test built on the
        augmented data (module docstring).
    context_type : {"auto", "domain", "time"}, default "auto"
        Kind of the context columns. ``"auto"``: a ``time_index`` column is a
        time; any other numeric column with more than ``max(20, n / 2)``
        distinct values is a time; everything else is a domain label.
    max_depth : int, optional
        Largest number of *variables* in a conditioning set (the contexts
        come on top).
    background : BackgroundKnowledge or dict, optional
        Required / forbidden edges and tiers, by name (context names allowed).
        Used by the skeleton (required edges are never removed, pairs
        forbidden both ways never tested) and by every orientation phase.
    orient : {"full", "invariance"}, default "full"
        ``"full"`` also orients by independent changes (phase 3);
        ``"invariance"`` stops after phase 2 (what causal-learn's ``cdnod``
        does). Phase 3 needs many context points: it runs with a time index
        or with at least 20 domains (``change_options={"min_points": ...}``)
        and is skipped otherwise (recorded in
        ``details["independent_changes"]["skipped"]``). On the bivariate
        benchmark (``benchmarks/bench_cdnod_accuracy.py``) it picks the right
        direction in 94-98% of 50 seeds with 30-40 domains; with a time index
        (window width per module by cross-validation,
        ``change_options={"time_width": "cv"}``, the default) 82-96% when both
        modules drift independently many times (GP drifts of length scale
        0.03, T = 500-1000), but only 50-70% with drifts of a few cycles,
        where even the true parameter curves give 50-82% (docs/cdnod.rst).
    driving_force : bool, default True
        Estimate the driving force of every changing module (phase 4).
    sepset : {"union", "first"}, default "union"
        Which separating set the collider rule reads (as in
        :func:`~causalkit.discovery.pc.pc`).
    collider_rule : {"standard", "conservative", "majority"}, default "standard"
        As in :func:`~causalkit.discovery.pc.pc`.
    ci_options : dict, optional
        Keyword arguments of the test: :class:`~causalkit.ci.context.ContextGaussianTest`
        (``n_windows``), :class:`~causalkit.ci.context.ContextKernelTest`
        (``time_width``, ``n_landmarks``, ``width``, ...) or
        ``{"graph": g}`` for the oracle.
    change_options, driving_force_options : dict, optional
        Options of phases 3 and 4
        (:func:`~causalkit.discovery._cdnod_changes.orient_by_independent_changes`,
        :func:`~causalkit.discovery._cdnod_driving_force.driving_forces`),
        e.g. ``{"embedding": "kernel"}``, ``{"feature_widths": "joint"}`` or
        ``{"max_samples": 500}``.
    progress : bool, default False
        Show a progress bar over the skeleton depths.
    missing : {"error", "drop"}, default "error"
        NaN in a *variable*: raise, or drop those rows (counted in the result).
        NaN in a context column is always an error.

    Returns
    -------
    DiscoveryResult
        ``graph``: a ``"pdag"`` over the variables and the context node(s),
        ``C --> V`` for every changing module, never an arrowhead at a
        context. ``details``:

        - ``"changing_modules"``: variables adjacent to a context (in column
          order); ``"changing_modules_by_context"``: per context;
        - ``"contexts"``: ``{name: "domain" | "time"}``;
        - ``"sepsets"``: ``{(x, y): (z, ...)}`` by name, both orders, contexts
          included (every test between variables conditions on them);
        - ``"separating_sets"``, ``"pvalues"``, ``"n_tests_per_depth"``,
          ``"colliders"``, ``"conflicts"``: as in :func:`~causalkit.discovery.pc.pc`;
        - ``"ci_family"``: ``"gaussian"``, ``"kernel"``, ``"oracle"`` or
          ``"custom"``;
        - ``"invariance_graph"``: the graph after phase 2;
        - ``"independent_changes"``: phase 3's record when ``orient="full"``
          (embedding, sinks, scores, edges oriented, context points compared,
          or why it was skipped);
        - ``"driving_force"``: ``{module: {"context", "components",
          "eigenvalues", "parents", ...}}`` when phase 4 ran (see
          :func:`~causalkit.discovery._cdnod_driving_force.driving_forces`).

    Raises
    ------
    DataError
        No context; a context column that is missing, constant (a single
        domain), holds NaN, or is a non-numeric time; domains too small for
        the Gaussian family (the message names them and suggests
        ``ci_test="kci"``); invalid variables (see
        :func:`~causalkit.data.check_data`) or options.
    UnknownMethodError
        Unknown ``ci_test``, ``context_type``, ``orient``, ``sepset`` or
        ``collider_rule``.
    GraphError
        Background knowledge that requires an arrowhead at a context.

    Notes
    -----
    Assumptions: pseudo causal sufficiency (hidden confounders are functions
    of ``C``), Markov and faithfulness on the augmented graph, acyclicity.
    With the d-separation oracle, phases 1-2 return exactly the CPDAG of the
    augmented DAG with every ``C --- V`` oriented ``C --> V`` and closed under
    Meek's rules (tested on random graphs). Differences from causal-learn's
    ``cdnod``: context-aware tests (a domain label is never a number in a
    correlation), background knowledge used in the skeleton, several
    contexts, phases 3 and 4. What is approximate: the kernel family is a
    low-rank KCI; phase 3's default (moment) embeddings see changes of means,
    slopes and variances only, and use every row at up to 200 time points;
    phase 4 (and phase 3 with ``embedding="kernel"``) on more than
    ``max_samples`` rows (default 1000) uses an evenly spaced (time) or
    stratified (domain) subsample, recorded in ``details``.

    References
    ----------
    .. [1] Huang et al. (2020), *JMLR* 21(89).
    .. [2] Huang et al. (2017), *ICDM*.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> dom = np.repeat(np.arange(4), 500)
    >>> x = rng.normal(size=2000) + np.array([0.0, 2.0, -1.0, 1.0])[dom]  # P(x) changes
    >>> y = 0.8 * x + rng.normal(size=2000)                               # P(y | x) does not
    >>> res = cdnod(pd.DataFrame({"x": x, "y": y, "site": dom}), domain="site", driving_force=False)
    >>> res.details["changing_modules"], sorted(res.graph.children("x"))
    (['x'], ['y'])
    """
    start = time.perf_counter()
    _check_options(alpha, max_depth, sepset, collider_rule, background, ci_options)
    if orient not in ORIENT_MODES:
        raise UnknownMethodError(f"orient must be one of {list(ORIENT_MODES)}; got {orient!r}")
    for nm, opt in (("change_options", change_options), ("driving_force_options", driving_force_options)):
        if opt is not None and not isinstance(opt, dict):
            raise DataError(f"{nm} must be a dict of keyword arguments; got {type(opt).__name__}")

    frame, given = _resolve_frame(data, context, domain, time_index)
    kinds = _context_kinds(frame, given, context_type)
    ctx_names = [c for c, _ in given]
    var_names = [c for c in frame.columns if c not in ctx_names]
    if not var_names:
        raise DataError("data has no variable columns besides the context columns")
    ordered = frame[var_names + ctx_names]
    discrete = [c for c, k in zip(ctx_names, kinds) if k == "domain"]
    checked = check_data(ordered, missing=missing, discrete=discrete or False, check_collinear=False,
                         min_samples=4)
    values = checked.values
    names = checked.names
    d, k = len(var_names), len(ctx_names)
    ctx_idx = list(range(d, d + k))
    ctx_values = [values[:, j] for j in ctx_idx]
    warnings = []
    if checked.n_dropped:
        warnings.append(f"{checked.n_dropped} row(s) with missing values were dropped (missing='drop')")

    family = _choose_family(ci_test, kinds, ctx_values)
    if family == "gaussian":
        small = _small_domains(ctx_names, kinds, ctx_values, 10)
        if small:
            shown = ", ".join(f"{cell} ({cnt} rows)" for cell, cnt in small[:5])
            raise DataError(
                f"{len(small)} domain(s) have fewer than 10 rows, too few for the Gaussian family's "
                f"stratified tests: {shown}{' ...' if len(small) > 5 else ''}. Use the kernel family "
                "(ci_test='kci'), which handles many small domains"
            )
    ci = _build_test(family, values, names, ctx_idx, kinds, ci_options, ci_test)
    wrapped = _ContextConditioned(ci, ctx_idx)
    tests_before = ci.n_tests

    required, forbidden = _background(background, names, ctx_idx)

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(desc="CD-NOD skeleton", unit="depth")
    try:
        adj, separating, pmax, per_depth = _skeleton_stable(wrapped, alpha, max_depth, required, forbidden,
                                                            bar)
    finally:
        if bar is not None:
            bar.close()
    # the separating sets as tested: with the contexts
    separating = {pair: sorted({wrapped.effective(pair[0], pair[1], S)[2] for S in sets})
                  for pair, sets in separating.items()}
    D, U, info = _orient(adj, separating, rule=collider_rule, sepset_rule=sepset, ci=wrapped, alpha=alpha,
                         max_depth=max_depth, required=required, forbidden=forbidden, names=names)
    frozen = forbidden | _conflict_matrix(info["conflicts"], len(names))
    D_inv, U_inv = D.copy(), U.copy()

    changing = [names[j] for j in range(d) if adj[j, ctx_idx].any()]
    by_context = {names[c]: [names[j] for j in range(d) if adj[j, c]] for c in ctx_idx}
    details = {
        "contexts": dict(zip(ctx_names, kinds)),
        "changing_modules": changing,
        "changing_modules_by_context": by_context,
        "ci_family": family,
    }

    # phase 3
    if orient == "full":
        from ._cdnod_changes import orient_by_independent_changes

        D, U, ic = orient_by_independent_changes(values, names, ctx_idx, kinds, D, U, frozen,
                                                 **(change_options or {}))
        details["independent_changes"] = ic
        warnings.extend(ic.get("warnings", ()))

    graph = _to_graph(names, D, U, pmax)
    details["invariance_graph"] = _to_graph(names, D_inv, U_inv, pmax)

    # phase 4
    if driving_force and changing:
        from ._cdnod_driving_force import driving_forces

        details["driving_force"] = driving_forces(values, names, ctx_idx, kinds, graph,
                                                  **(driving_force_options or {}))

    sepsets, all_sets = _named_sepsets(separating, sepset, names)

    def trip(ts):
        return [(names[a], names[b], names[c]) for a, b, c in ts]

    conflicts = [(names[i], names[j]) for i, j in info["conflicts"]]
    if conflicts:
        warnings.append(f"{len(conflicts)} edge(s) had colliders pointing at both ends and were left "
                        "undirected: " + ", ".join(f"{u} --- {v}" for u, v in conflicts))
    vetoed = [t for t in trip(info["vetoed"])]
    if vetoed:
        warnings.append(f"{len(vetoed)} collider(s) contradict the background knowledge (or would point "
                        "at a context) and were not oriented: "
                        + ", ".join(f"{a} --> {b} <-- {c}" for a, b, c in vetoed))
    skipped = getattr(ci, "n_skipped_strata", 0)
    untestable = getattr(ci, "n_untestable", 0)
    if skipped:
        warnings.append(f"strata (domains) with too few rows for a test's conditioning set were left out "
                        f"{skipped} time(s) (ci_test='kci' uses every domain)")
    if untestable:
        warnings.append(f"{untestable} test(s) had no domain large enough and kept their edge; "
                        "consider ci_test='kci'")
    details.update({
        "sepsets": sepsets,
        "separating_sets": all_sets,
        "pvalues": pd.DataFrame(pmax, index=names, columns=names),
        "n_tests_per_depth": per_depth,
        "colliders": trip(info["colliders"]),
        "conflicts": conflicts,
        "ambiguous_triples": trip(info["ambiguous"]),
        "vetoed_colliders": vetoed,
    })
    params = {"context": ctx_names, "context_type": dict(zip(ctx_names, kinds)), "alpha": alpha,
              "ci_test": family if not isinstance(ci_test, str) else ci_test, "ci_family": family,
              "max_depth": max_depth, "orient": orient, "driving_force": bool(driving_force),
              "sepset": sepset, "collider_rule": collider_rule,
              "background": background if background is None or isinstance(background, BackgroundKnowledge)
              else BackgroundKnowledge(**background)}
    return DiscoveryResult(graph=graph, algorithm="cdnod", params=params, n_tests=ci.n_tests - tests_before,
                           runtime_s=time.perf_counter() - start, warnings=tuple(warnings), details=details)


def _background(background, names, ctx_idx):
    """Required / forbidden matrices: the user's knowledge plus 'nothing points at a context'."""
    dd = len(names)
    if background is None:
        required = np.zeros((dd, dd), dtype=bool)
        forbidden = np.zeros((dd, dd), dtype=bool)
    else:
        if isinstance(background, dict):
            background = BackgroundKnowledge(**background)
        required, forbidden = background.matrices(names)
        forbidden = forbidden.copy()
    bad = np.argwhere(required[:, ctx_idx])
    if len(bad):
        i, c = bad[0]
        raise GraphError(f"background knowledge requires {names[i]} --> {names[ctx_idx[c]]}, an arrowhead at "
                         "a context column; a context is a root of the augmented graph in CD-NOD")
    forbidden[:, ctx_idx] = True  # no arrowhead at a context, ever
    np.fill_diagonal(forbidden, False)
    return required, forbidden


def _conflict_matrix(conflicts, dd):
    M = np.zeros((dd, dd), dtype=bool)
    for i, j in conflicts:
        M[i, j] = M[j, i] = True
    return M


def _to_graph(names, D, U, pmax):
    return _pdag_to_graph(names, D, U, pmax, kind="pdag")


class CDNOD(DiscoveryEstimator):
    """CD-NOD as an estimator: ``CDNOD(domain="site").fit(df).graph_``.

    Parameters
    ----------
    context, domain, time_index, alpha, ci_test, context_type, max_depth, background, orient,
    driving_force, sepset, collider_rule, ci_options, change_options, driving_force_options,
    progress, missing
        As in :func:`cdnod`; stored unchanged and checked by :meth:`fit`.

    Attributes
    ----------
    graph_ : CausalGraph
        The estimated graph, context node(s) included (set by :meth:`fit`).
    result_ : DiscoveryResult
        The full result.
    changing_modules_ : list of str
        Variables whose module changes with the context.
    driving_force_ : dict
        Phase 4's output (empty when it did not run).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> dom = np.repeat([0, 1, 2], 400)
    >>> x = rng.normal(size=1200); y = x * np.array([0.5, 1.5, 2.5])[dom] + rng.normal(size=1200)
    >>> est = CDNOD(domain="d", alpha=0.01, driving_force=False).fit(pd.DataFrame({"x": x, "y": y, "d": dom}))
    >>> est.changing_modules_
    ['y']
    """

    def __init__(self, context=None, domain=None, time_index=None, alpha=0.05, ci_test="auto",
                 context_type="auto", max_depth=None, background=None, orient="full", driving_force=True,
                 sepset="union", collider_rule="standard", ci_options=None, change_options=None,
                 driving_force_options=None, progress=False, missing="error"):
        self.context = context
        self.domain = domain
        self.time_index = time_index
        self.alpha = alpha
        self.ci_test = ci_test
        self.context_type = context_type
        self.max_depth = max_depth
        self.background = background
        self.orient = orient
        self.driving_force = driving_force
        self.sepset = sepset
        self.collider_rule = collider_rule
        self.ci_options = ci_options
        self.change_options = change_options
        self.driving_force_options = driving_force_options
        self.progress = progress
        self.missing = missing

    def fit(self, data, y=None):
        """Run CD-NOD on ``data`` (DataFrame, array or Dataset); returns ``self``."""
        params = self.get_params()
        ctx = params.pop("context")
        self.result_ = cdnod(data, ctx, **params)
        self.graph_ = self.result_.graph
        self.changing_modules_ = list(self.result_.details["changing_modules"])
        self.driving_force_ = self.result_.details.get("driving_force", {})
        return self


