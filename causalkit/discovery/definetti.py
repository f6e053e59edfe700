r"""Causal de Finetti: the whole causal DAG from exchangeable multi-environment data.

Setting
-------
The data come from ``K`` environments. Environment ``e`` draws, once and
independently for every variable ``v``, a parameter :math:`\theta_v^e` of
``v``'s causal mechanism (the *independent causal mechanisms*, ICM, prior); its
samples are then drawn i.i.d. given those parameters. Samples of one
environment are exchangeable and share :math:`\theta^e`; environments are
independent. Guo, Toth, Schoelkopf and Huszar (2023) show that such data
identify the causal DAG itself, not only its Markov equivalence class, from two
samples per environment, written :math:`X_1` and :math:`X_2` below (subscript:
sample, superscript: variable). See
:mod:`causalkit.generators.exchangeable` for generators.

Bivariate rule (paper, Theorem 1 and Section 6.1)
-------------------------------------------------
With two variables, three tests decide:

=========  =========================  =========================  ====================
truth      :math:`X_1 \perp Y_2 | X_2`  :math:`Y_1 \perp X_2 | Y_2`  :math:`X_1 \perp Y_1`
=========  =========================  =========================  ====================
X -> Y     holds                      fails                      fails
Y -> X     fails                      holds                      fails
no edge    holds                      holds                      holds
=========  =========================  =========================  ====================

("holds" means p-value >= ``alpha``). For ``X -> Y``, given :math:`X_2` the
sample :math:`Y_2` carries information only about the effect mechanism
:math:`\psi`, which is independent of the cause mechanism :math:`\theta` that
:math:`X_1` reveals; for ``Y -> X`` the path
:math:`X_1 \leftarrow \theta_X \ldots` is open. When no row fits, the
structure whose column has the largest p-value is chosen (the paper's
argmax rule).

Multivariate algorithm (paper, Theorem 3 and Section 5)
-------------------------------------------------------
1. **Peel sink layers.** With ``R`` the variables not yet placed, ``j`` is a
   sink of ``R`` iff, for every other ``k`` in ``R``,
   :math:`X_1^j \perp X_2^k \mid X_1^{R \setminus j}` (cross-sample tests).
   All sinks found form a layer ``S_1`` and are removed; repeating gives
   layers ``S_1`` (global sinks), ``S_2``, ..., ``S_N`` (sources). ``R`` stays
   ancestrally closed, so the conditioning set contains the sink's parents. If
   no variable passes, the most sink-like one (largest smallest p-value) is
   taken and a warning recorded.
2. **Edges between layers.** For layer distances ``d = 1, 2, ...`` and each
   ``j`` in ``S_n``, ``k`` in ``S_{n-d}`` (``j`` upstream), add ``j -> k`` when
   :math:`X_1^j \not\perp X_1^k \mid Z` (within-sample test). With
   ``edge_rule="paper"``, ``Z`` is every variable upstream of ``j``'s layer,
   the parents of ``k`` already found in the layers between, and the
   co-parents of ``j`` (the other parents of ``j``'s children already found).
   The authors' released code meant to condition on the co-parents but never
   did (``S_n.remove(...)`` returns ``None``); here they are conditioned on
   (all known parents of ``j``'s known children, a superset of the paper's
   co-parents in ``j``'s layer). With a d-separation oracle in place of the
   tests, this recovers every one of 300 random DAGs of 3 to 7 nodes, while
   skipping the co-parents gets 57 of them wrong (``tests/discovery/
   test_definetti.py``). With
   ``edge_rule="predecessors"``, ``Z`` is every variable upstream of ``k``'s
   layer except ``j``: a superset of ``k``'s other parents made only of
   non-descendants of ``k``, so the rule is exact under faithfulness
   whatever the earlier decisions, at the price of larger conditioning sets.

More than two samples per environment
-------------------------------------
Samples of one environment are not independent rows: they share
:math:`\theta^e`. ``pairs="first"`` uses the first two samples of every
environment (the paper), so the rows of every test are independent.
``pairs="all"`` uses every ordered pair of distinct samples of an environment,
and tests with :class:`ClusterGCM`, a generalised covariance measure (Shah and
Peters 2020) whose variance is computed from per-environment sums (a
cluster-robust sandwich), so its p-values stay valid when rows of one
environment are dependent; treating those pairs as independent rows would
make every test anti-conservative.

References
----------
Guo, S., Toth, V., Schoelkopf, B. and Huszar, F. (2023). Causal de Finetti:
On the identification of invariant causal structure in exchangeable data.
*NeurIPS 2023*. arXiv:2203.15756.

Shah, R. D. and Peters, J. (2020). The hardness of conditional independence
testing and the generalised covariance measure. *Annals of Statistics*
48(3), 1514-1538.
"""

from __future__ import annotations

import numbers
import time
import warnings as _warnings
from itertools import combinations_with_replacement

import numpy as np
import pandas as pd
from scipy import stats

from ..ci.base import CITest
from ..ci.registry import CI_TESTS, make_ci_test
from ..data import check_data
from ..dataset import Dataset
from ..exceptions import DataError, UnknownMethodError
from ..graph import CausalGraph
from ..result import DiscoveryResult
from ._estimator import DiscoveryEstimator

__all__ = ["definetti", "CausalDeFinetti", "ClusterGCM", "PAIRS", "EDGE_RULES",
           "min_environments"]

#: how samples of an environment are paired
PAIRS = ("first", "all")
#: conditioning sets of the between-layer edge tests
EDGE_RULES = ("paper", "predecessors")


def min_environments(n_variables):
    """Fewest environments with two samples that :func:`definetti` accepts: ``max(10, d + 4)``.

    Every test has at most ``2 d`` columns and conditions on at most ``d - 1``
    of them; fewer environments leave the tests without power or, for
    regression-based tests, without degrees of freedom.
    """
    return max(10, int(n_variables) + 4)


# ============================================================================ the test
class ClusterGCM(CITest):
    r"""Generalised covariance measure with environment-clustered variance.

    Tests ``X _||_ Y | S`` on rows grouped in clusters (environments) that are
    independent of each other but may be dependent within. The residuals
    :math:`r_X = X - \hat E[X|S]` and :math:`r_Y = Y - \hat E[Y|S]` are
    multiplied row by row (times stratum indicators when ``S`` is discrete),
    summed within every cluster into :math:`U_g`, and

    .. math:: T = U^\top \hat V^{+} U, \quad U = \sum_g U_g,\quad
              \hat V = \frac{G}{G-1} \sum_g (U_g - \bar U)(U_g - \bar U)^\top

    is referred to :math:`\chi^2` with ``rank(V)`` degrees of freedom. Under
    the null :math:`E[U_g] = 0` and the clusters are independent, so the
    p-value is valid as the number of clusters grows, whatever the dependence
    inside a cluster (Shah and Peters 2020, with a cluster-robust variance).

    Conditional means: when every column of ``S`` is discrete they are the
    stratum means (exact, so the test is valid for any discrete law); a
    discrete ``X`` or ``Y`` with more than two levels enters as indicator
    columns. Otherwise they are least-squares fits on ``1, S`` (``degree=1``)
    or on ``1, S`` and all products of two columns of ``S`` (``degree=2``);
    the test then assumes these fits capture ``E[X|S]`` and ``E[Y|S]``, like
    the Fisher-z test assumes linearity.

    Parameters
    ----------
    data : ndarray of shape (n_rows, n_columns)
    names : list of str, optional
    clusters : array of shape (n_rows,), optional
        Cluster label per row. Default: every row its own cluster (the plain
        generalised covariance measure).
    discrete : sequence of bool, optional
        Per column, whether it is discrete (integer codes). Default: none.
    degree : {1, 2}, default 1
        Degree of the regressions on a continuous ``S``.

    Raises
    ------
    DataError
        Wrong ``clusters`` length, fewer than 2 clusters, bad ``degree``.

    References
    ----------
    Shah, R. D. and Peters, J. (2020). The hardness of conditional
    independence testing and the generalised covariance measure. *Annals of
    Statistics* 48(3).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> g = np.repeat(np.arange(200), 5)                 # 200 clusters of 5 rows
    >>> u = rng.normal(size=200)[g]                      # shared within a cluster
    >>> x, y = u + rng.normal(size=1000), rng.normal(size=200)[g] + rng.normal(size=1000)
    >>> ClusterGCM(np.column_stack([x, y]), clusters=g).pvalue(0, 1) > 0.01
    True
    """

    name = "gcm"
    data_type = "any"

    def __init__(self, data, names=None, *, clusters=None, discrete=None, degree=1):
        super().__init__(np.asarray(data, dtype=float), names=names)
        n = self.n_samples
        clusters = np.arange(n) if clusters is None else np.asarray(clusters)
        if clusters.shape != (n,):
            raise DataError(f"clusters must have one label per row ({n}); got shape {clusters.shape}")
        self.cluster_codes_, uniq = pd.factorize(clusters)[0], np.unique(clusters)
        self.n_clusters = len(uniq)
        if self.n_clusters < 2:
            raise DataError(f"clusters must hold at least 2 distinct labels; got {self.n_clusters}")
        discrete = np.zeros(self.n_variables, bool) if discrete is None else np.asarray(discrete, bool)
        if discrete.shape != (self.n_variables,):
            raise DataError(f"discrete must have one flag per column ({self.n_variables})")
        self.discrete = discrete
        if degree not in (1, 2):
            raise DataError(f"degree must be 1 or 2; got {degree!r}")
        self.degree = degree

    # -- pieces
    def _targets(self, x):
        col = self.data[:, x]
        if self.discrete[x]:
            levels = np.unique(col)
            if len(levels) > 2:
                return (col[:, None] == levels[None, 1:]).astype(float)
        return col[:, None]

    def _cluster_sums(self, rows):
        g = self.cluster_codes_
        out = np.zeros((self.n_clusters, rows.shape[1]))
        np.add.at(out, g, rows)
        return out

    def _compute(self, x, y, S):
        S = list(S)
        tx, ty = self._targets(x), self._targets(y)
        n = self.n_samples
        if S and self.discrete[S].all():
            _, strata = np.unique(self.data[:, S], axis=0, return_inverse=True)
            strata = strata.ravel()
            m = strata.max() + 1
            counts = np.bincount(strata, minlength=m).astype(float)

            def resid(t):
                means = np.zeros((m, t.shape[1]))
                np.add.at(means, strata, t)
                return t - (means / counts[:, None])[strata]

            rx, ry = resid(tx), resid(ty)
            psi = np.zeros((n, m))
            psi[np.arange(n), strata] = 1.0
        else:
            if S:
                z = self.data[:, S]
                z = (z - z.mean(0)) / np.where(z.std(0) > 0, z.std(0), 1.0)
                feats = [np.ones((n, 1)), z]
                if self.degree == 2:
                    feats += [(z[:, a] * z[:, b])[:, None]
                              for a, b in combinations_with_replacement(range(z.shape[1]), 2)]
                phi = np.hstack(feats)
            else:
                phi = np.ones((n, 1))
            coef, *_ = np.linalg.lstsq(phi, np.hstack([tx, ty]), rcond=None)
            r = np.hstack([tx, ty]) - phi @ coef
            rx, ry = r[:, :tx.shape[1]], r[:, tx.shape[1]:]
            psi = np.ones((n, 1))
        prod = (psi[:, :, None, None] * rx[:, None, :, None] * ry[:, None, None, :]).reshape(n, -1)
        U_g = self._cluster_sums(prod)
        G = self.n_clusters
        U = U_g.sum(0)
        C = U_g - U_g.mean(0)
        V = C.T @ C * (G / (G - 1.0))
        w, vecs = np.linalg.eigh(V)
        keep = w > 1e-10 * max(w.max(), 1e-300)
        if not keep.any():
            return 1.0
        proj = vecs[:, keep].T @ U
        stat = float(np.sum(proj ** 2 / w[keep]))
        return float(stats.chi2.sf(stat, int(keep.sum())))


# ============================================================================ data prep
def _check_alpha(alpha):
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not 0 < alpha < 1:
        raise DataError(f"alpha must be a number strictly between 0 and 1; got {alpha!r}")
    return float(alpha)


def _split_input(data, environment):
    """(frame of variables, environment Series, environment column name)."""
    if isinstance(data, Dataset):
        if environment is None:
            environment = data.roles.get("environment")
        frame = data.data
    elif isinstance(data, pd.DataFrame):
        frame = data
    else:
        raise DataError(
            "data must be a pandas DataFrame (or a Dataset) holding the environment column; "
            f"got {type(data).__name__}"
        )
    if environment is None:
        raise DataError(
            "environment= is required: the name of the column that labels each row's environment"
        )
    if not isinstance(environment, str):
        if isinstance(environment, (list, tuple)) and len(environment) == 1:
            environment = environment[0]
        else:
            raise DataError(f"environment must be one column name; got {environment!r}")
    cols = [str(c) for c in frame.columns]
    frame = frame.copy()
    frame.columns = cols
    if environment not in cols:
        raise DataError(f"environment={environment!r} is not a column of data; columns are {cols}")
    env = frame[environment]
    if env.isna().any():
        raise DataError(f"environment column {environment!r} has missing labels in "
                        f"{int(env.isna().sum())} rows")
    variables = frame.drop(columns=[environment])
    if isinstance(data, Dataset):
        others = [c for c in data.variables if c in variables.columns]
        variables = variables[others]
    return variables, env, environment


class _Paired:
    """Rows of (sample a, sample b) of one environment, with their environment."""

    def __init__(self, values, clusters, names, discrete, n_environments, dropped, counts):
        self.values = values
        self.clusters = clusters
        self.names = names
        self.discrete = discrete
        self.n_environments = n_environments
        self.dropped = dropped
        self.counts = counts

    @property
    def d(self):
        return len(self.names)


def _pair_rows(values, env, pairs, names, discrete, env_name, warn):
    codes, labels = pd.factorize(env, sort=True)
    counts = np.bincount(codes, minlength=len(labels))
    label_list = list(pd.Index(labels).tolist())
    single = [label_list[i] for i in np.flatnonzero(counts < 2)]
    usable = np.flatnonzero(counts >= 2)
    d = len(names)
    if len(usable) == 0:
        raise DataError(
            f"no environment in column {env_name!r} has two or more samples; causal de Finetti "
            "compares two samples of the same environment"
        )
    messages = []
    if single:
        shown = ", ".join(map(repr, single[:10])) + (" ..." if len(single) > 10 else "")
        msg = (f"dropped {len(single)} environment(s) of {env_name!r} with a single sample: {shown}")
        messages.append(msg)
        if warn:
            _warnings.warn(msg, UserWarning, stacklevel=4)
    need = min_environments(d)
    if len(usable) < need:
        raise DataError(
            f"only {len(usable)} environment(s) of {env_name!r} have two or more samples; the tests "
            f"of causal de Finetti need at least {need} for {d} variables"
        )
    order = np.argsort(codes, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)])
    first, second, clusters = [], [], []
    for e in usable:
        rows = order[starts[e]:starts[e + 1]]
        if pairs == "first":
            first.append(rows[0])
            second.append(rows[1])
            clusters.append(e)
        else:
            a, b = np.meshgrid(rows, rows, indexing="ij")
            off = a != b
            first.extend(a[off])
            second.extend(b[off])
            clusters.extend([e] * int(off.sum()))
    first, second = np.asarray(first), np.asarray(second)
    paired = np.hstack([values[first], values[second]])
    pnames = [f"{v}[1]" for v in names] + [f"{v}[2]" for v in names]
    return _Paired(paired, np.asarray(clusters), pnames, np.concatenate([discrete, discrete]),
                   len(usable), single, counts[usable]), messages


def _build_test(ci_test, paired, pairs, ci_options):
    options = dict(ci_options or {})
    if not isinstance(ci_test, str):
        raise DataError(
            f"ci_test must be a test name; got {type(ci_test).__name__} (definetti builds the test "
            "itself, on rows that pair two samples of one environment)"
        )
    valid = sorted(CI_TESTS) + ["auto", "gcm"]
    if ci_test not in valid or ci_test == "oracle":
        raise UnknownMethodError(
            f"unknown ci_test {ci_test!r} for definetti; valid names are "
            f"{[v for v in valid if v != 'oracle']}"
        )
    all_discrete = bool(paired.discrete.all())
    if ci_test == "auto":
        if pairs == "all":
            name = "gcm"
        else:
            name = "gsq" if all_discrete else "kci"
    else:
        name = ci_test
    if pairs == "all" and name != "gcm":
        raise UnknownMethodError(
            f"pairs='all' needs a test whose p-values allow for the dependence between pairs of one "
            f"environment; ci_test={ci_test!r} treats rows as independent. Use ci_test='gcm' or 'auto', "
            "or pairs='first'"
        )
    if name in ("chisq", "gsq") and not all_discrete:
        cont = [n for n, dsc in zip(paired.names[: paired.d], paired.discrete[: paired.d]) if not dsc]
        raise DataError(f"ci_test={name!r} needs discrete columns; continuous columns: {cont}")
    if name == "gcm":
        return ClusterGCM(paired.values, names=paired.names, clusters=paired.clusters,
                          discrete=paired.discrete, **options), name
    if name == "kci" and "categorical" not in options:
        options["categorical"] = list(np.flatnonzero(paired.discrete)) or None
    test = make_ci_test(name, paired.values, names=paired.names, discrete=paired.discrete, **options)
    return test, name


# ============================================================================ the algorithm
def _bivariate(ci, names, alpha, record):
    """The three-test rule; returns the edge list and a summary dict."""
    x1, y1, x2, y2 = 0, 1, 2, 3
    p_xy = ci.pvalue(x1, y2, [x2])  # holds under X -> Y and no edge
    p_yx = ci.pvalue(y1, x2, [y2])  # holds under Y -> X and no edge
    p_ind = ci.pvalue(x1, y1, [])   # holds under no edge
    X, Y = names
    ps = np.array([p_xy, p_yx, p_ind])
    holds = ps >= alpha
    patterns = {"X->Y": (True, False, False), "Y->X": (False, True, False), "none": (True, True, True)}
    structure, how = None, "pattern"
    for s, pat in patterns.items():
        if tuple(holds) == pat:
            structure = s
    if structure is None:
        structure = ("X->Y", "Y->X", "none")[int(np.argmax(ps))]
        how = "argmax"
    for (a, b, S, p, what) in (
        (f"{X}[1]", f"{Y}[2]", [f"{X}[2]"], p_xy, f"{X} -> {Y} or no edge"),
        (f"{Y}[1]", f"{X}[2]", [f"{Y}[2]"], p_yx, f"{Y} -> {X} or no edge"),
        (f"{X}[1]", f"{Y}[1]", [], p_ind, "no edge"),
    ):
        record.append({"step": "bivariate", "x": a, "y": b, "given": tuple(S), "pvalue": p,
                       "independent": bool(p >= alpha), "supports": what})
    edges = {"X->Y": [(X, Y, p_xy)], "Y->X": [(Y, X, p_yx)], "none": []}[structure]
    label = {"X->Y": f"{X}->{Y}", "Y->X": f"{Y}->{X}", "none": "none"}[structure]
    summary = {"structure": label, "rule": how,
               "pvalues": {f"{X}[1] _||_ {Y}[2] | {X}[2]": p_xy,
                           f"{Y}[1] _||_ {X}[2] | {Y}[2]": p_yx,
                           f"{X}[1] _||_ {Y}[1]": p_ind}}
    return edges, summary


def _peel_layers(ci, d, names, alpha, record, warns):
    """Sink layers, sinks first, by cross-sample tests."""
    remaining = list(range(d))
    layers = []
    while remaining:
        if len(remaining) == 1:
            layers.append(list(remaining))
            break
        batch, index = [], []
        for j in remaining:
            cond = [i for i in remaining if i != j]
            for k in cond:
                batch.append((j, d + k, cond))
                index.append((j, k))
        ps = ci.pvalues(batch)
        worst = {j: 1.0 for j in remaining}
        for (j, k), (_, _, cond), p in zip(index, batch, ps):
            worst[j] = min(worst[j], float(p))
            record.append({"step": f"sink layer {len(layers) + 1}", "x": f"{names[j]}[1]",
                           "y": f"{names[k]}[2]", "given": tuple(f"{names[i]}[1]" for i in cond),
                           "pvalue": float(p), "independent": bool(p >= alpha),
                           "supports": f"{names[j]} is a sink of {{{', '.join(names[i] for i in remaining)}}}"})
        sinks = [j for j in remaining if worst[j] >= alpha]
        if not sinks:
            best = max(remaining, key=lambda j: (worst[j], -j))
            sinks = [best]
            warns.append(
                f"no variable passed the sink test among {[names[i] for i in remaining]}; took "
                f"{names[best]!r}, the most sink-like (smallest p-value {worst[best]:.3g})"
            )
        layers.append(sinks)
        remaining = [j for j in remaining if j not in sinks]
    return layers


def _edges_between_layers(ci, layers, names, alpha, edge_rule, record):
    """Within-sample tests from upstream layers to downstream ones."""
    N = len(layers)
    layer_of = {v: i for i, layer in enumerate(layers) for v in layer}
    parents = {v: set() for v in layer_of}
    found = []
    for dist in range(1, N):
        known = {v: set(p) for v, p in parents.items()}  # edges found at smaller distances
        children = {v: {c for c, ps in known.items() if v in ps} for v in layer_of}
        batch, meta = [], []
        for n in range(dist, N):
            upstream_j = [v for i in range(n + 1, N) for v in layers[i]]
            for j in layers[n]:
                for k in layers[n - dist]:
                    if edge_rule == "predecessors":
                        Z = {v for i in range(n - dist + 1, N) for v in layers[i]} - {j}
                    else:
                        Z = set(upstream_j)
                        Z |= {p for p in known[k] if n - dist < layer_of[p] < n}
                        for c in children[j]:
                            Z |= known[c]
                        Z -= {j, k}
                    Z = sorted(Z)
                    batch.append((j, k, Z))
                    meta.append((j, k, Z))
        if not batch:
            continue
        ps = ci.pvalues(batch)
        for (j, k, Z), p in zip(meta, ps):
            dep = bool(p < alpha)
            record.append({"step": f"edge (layer distance {dist})", "x": f"{names[j]}[1]",
                           "y": f"{names[k]}[1]", "given": tuple(f"{names[i]}[1]" for i in Z),
                           "pvalue": float(p), "independent": not dep,
                           "supports": f"{names[j]} -> {names[k]}" if dep else f"no edge {names[j]} - {names[k]}"})
            if dep:
                parents[k].add(j)
                found.append((names[j], names[k], float(p)))
    return found


def definetti(data, environment=None, *, ci_test="auto", alpha=0.05, pairs="first",
              edge_rule="paper", ci_options=None, missing="error", warn=True, background=None):
    r"""Learn the fully oriented causal DAG from exchangeable multi-environment data.

    Causal de Finetti (Guo et al. 2023); the module docstring states the
    assumptions, the tests and the algorithm.

    Parameters
    ----------
    data : DataFrame or Dataset
        One row per sample: the variables plus the environment column. A
        :class:`~causalkit.Dataset` supplies ``environment`` from its roles.
    environment : str
        Column that labels each row's environment. Rows of one environment
        are its exchangeable samples; their order within it sets which are
        "first" for ``pairs="first"``.
    ci_test : str, default "auto"
        ``"auto"``: with ``pairs="first"``, G-squared (``"gsq"``) when every
        variable is discrete and KCI (``"kci"``, the paper's choice) otherwise;
        with ``pairs="all"``, ``"gcm"`` (:class:`ClusterGCM`). With
        ``pairs="first"`` any registered test (``"fisherz"``, ``"chisq"``,
        ``"gsq"``, ``"kci"``, ``"rcit"``) or ``"gcm"`` may be named; for
        linear data ``"fisherz"`` is far faster than KCI.
    alpha : float, default 0.05
        Significance level of every test.
    pairs : {"first", "all"}, default "first"
        ``"first"``: the first two samples of every environment (the paper).
        ``"all"``: every ordered pair of distinct samples of an environment,
        tested with the environment-clustered :class:`ClusterGCM` (more power
        when environments have more than two samples).
    edge_rule : {"paper", "predecessors"}, default "paper"
        Conditioning sets of the between-layer edge tests (module docstring).
    ci_options : dict, optional
        Keyword arguments of the test (e.g. ``{"degree": 2}`` for ``"gcm"``,
        ``{"approx": "nystrom"}`` for ``"kci"``).
    missing : {"error", "drop"}, default "error"
        Rows with NaN or inf in a variable: raise, or drop them.
    warn : bool, default True
        Issue a :class:`UserWarning` when environments with a single sample
        are dropped (always recorded in ``result.warnings``).
    background : None
        Background knowledge is not supported; anything but None raises.

    Returns
    -------
    DiscoveryResult
        ``graph``: a DAG over the variables (every edge oriented; edges carry
        the ``p_value`` of the test that added them). ``details``:

        * ``"tests"``: DataFrame, one row per decision: ``step``, ``x``,
          ``y``, ``given`` (names with ``[1]`` / ``[2]`` for the sample),
          ``pvalue``, ``independent`` (``pvalue >= alpha``), ``supports``;
        * ``"layers"``: sink layers, sinks first (multivariate), or
          ``"bivariate"``: the structure, the rule that chose it
          (``"pattern"`` or ``"argmax"``) and the three p-values;
        * ``"n_environments"``, ``"n_pairs"``, ``"dropped_environments"``.

    Raises
    ------
    DataError
        The environment column missing or not given, no environment with
        two samples, fewer than :func:`min_environments` environments with
        two samples, NaN/inf (``missing="error"``), constant or non-numeric
        columns, fewer than 2 variables, a bad ``alpha``.
    UnknownMethodError
        An unknown ``ci_test``, ``pairs`` or ``edge_rule``, a test that treats
        rows as independent with ``pairs="all"``, or ``background``.

    Warns
    -----
    UserWarning
        Naming the environments dropped because they have one sample.

    References
    ----------
    Guo, S., Toth, V., Schoelkopf, B. and Huszar, F. (2023). Causal de
    Finetti: On the identification of invariant causal structure in
    exchangeable data. *NeurIPS 2023*.

    Examples
    --------
    >>> from causalkit.generators.exchangeable import exchangeable_binary
    >>> from causalkit.graph import CausalGraph
    >>> chain = CausalGraph.from_edges([("A", "B"), ("B", "C")])
    >>> ds = exchangeable_binary(8000, graph=chain, seed=2)
    >>> result = definetti(ds.data, environment="env")
    >>> result.graph == chain
    True
    """
    start = time.perf_counter()
    alpha = _check_alpha(alpha)
    if pairs not in PAIRS:
        raise UnknownMethodError(f"pairs must be one of {list(PAIRS)}; got {pairs!r}")
    if edge_rule not in EDGE_RULES:
        raise UnknownMethodError(f"edge_rule must be one of {list(EDGE_RULES)}; got {edge_rule!r}")
    if background is not None:
        raise UnknownMethodError("definetti does not take background knowledge; pass background=None")
    variables, env, env_name = _split_input(data, environment)
    if variables.shape[1] < 2:
        raise DataError(f"data needs at least 2 variables besides {env_name!r}; got "
                        f"{list(variables.columns)}")
    if missing == "drop":
        bad = variables.isna().any(axis=1).to_numpy().copy()
        for c in variables.columns:
            if pd.api.types.is_numeric_dtype(variables[c]) and not pd.api.types.is_bool_dtype(variables[c]):
                bad |= ~np.isfinite(variables[c].to_numpy(dtype=float, na_value=np.nan))
        variables, env = variables.loc[~bad], env.loc[~bad]
    checked = check_data(variables, missing="error", check_collinear=False)
    names = checked.names
    paired, warns = _pair_rows(checked.values, env.to_numpy(), pairs, names, checked.discrete,
                               env_name, warn)
    ci, test_name = _build_test(ci_test, paired, pairs, ci_options)
    d = len(names)
    record = []
    details = {}
    if d == 2:
        edges, details["bivariate"] = _bivariate(ci, names, alpha, record)
    else:
        layers = _peel_layers(ci, d, names, alpha, record, warns)
        details["layers"] = [[names[i] for i in layer] for layer in layers]
        edges = _edges_between_layers(ci, layers, names, alpha, edge_rule, record)
    graph = CausalGraph(names, [(a, b, "-->") for a, b, _ in edges], kind="dag",
                        edge_attrs={(a, b, 0): {"p_value": p} for a, b, p in edges})
    details.update({
        "tests": pd.DataFrame(record, columns=["step", "x", "y", "given", "pvalue", "independent",
                                               "supports"]),
        "n_environments": paired.n_environments,
        "n_pairs": len(paired.values),
        "dropped_environments": list(paired.dropped),
    })
    params = {"environment": env_name, "ci_test": test_name, "alpha": alpha, "pairs": pairs,
              "edge_rule": edge_rule, "ci_options": dict(ci_options or {}), "missing": missing}
    return DiscoveryResult(graph=graph, algorithm="definetti", params=params, n_tests=ci.n_tests,
                           runtime_s=time.perf_counter() - start, warnings=tuple(warns),
                           details=details)


class CausalDeFinetti(DiscoveryEstimator):
    """Causal de Finetti as an estimator: ``CausalDeFinetti("env").fit(df).graph_``.

    Parameters
    ----------
    environment, ci_test, alpha, pairs, edge_rule, ci_options, missing, warn
        As in :func:`definetti`; stored unchanged and checked by :meth:`fit`.

    Attributes
    ----------
    graph_ : CausalGraph
        The estimated DAG (set by :meth:`fit`).
    result_ : DiscoveryResult
        The full result, with the p-value of every decision in
        ``result_.details["tests"]``.

    Examples
    --------
    >>> from causalkit.generators.exchangeable import exchangeable_bivariate
    >>> ds = exchangeable_bivariate(400, structure="Y->X", seed=2)
    >>> CausalDeFinetti("env").fit(ds.data).graph_.has_edge("Y", "X")
    True
    """

    def __init__(self, environment=None, ci_test="auto", alpha=0.05, pairs="first", edge_rule="paper",
                 ci_options=None, missing="error", warn=True):
        self.environment = environment
        self.ci_test = ci_test
        self.alpha = alpha
        self.pairs = pairs
        self.edge_rule = edge_rule
        self.ci_options = ci_options
        self.missing = missing
        self.warn = warn

    def fit(self, data, y=None):
        """Run :func:`definetti` on ``data``; returns ``self``."""
        self.result_ = definetti(data, self.environment, ci_test=self.ci_test, alpha=self.alpha,
                                 pairs=self.pairs, edge_rule=self.edge_rule,
                                 ci_options=self.ci_options, missing=self.missing, warn=self.warn)
        self.graph_ = self.result_.graph
        return self

