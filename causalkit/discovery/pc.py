r"""The PC algorithm: a CPDAG from conditional-independence tests.

PC (Spirtes and Glymour 1991; Spirtes, Glymour and Scheines 2000) estimates the
Markov equivalence class of a DAG, represented by its CPDAG, assuming causal
sufficiency (no hidden common causes) and faithfulness. It runs in three phases.

1. **Skeleton.** Start from the complete undirected graph. At depth
   :math:`\ell = 0, 1, 2, \dots` test, for every remaining edge ``x --- y``,
   whether :math:`X \perp Y \mid S` for every set :math:`S` of :math:`\ell`
   nodes adjacent to ``x`` (other than ``y``), and likewise from ``y``'s side.
   An edge with some test whose p-value exceeds ``alpha`` is removed and the
   separating sets are recorded. The procedure stops when no node has enough
   neighbours for the next depth (or at ``max_depth``).

   The *stable* variant (Colombo and Maathuis 2014, Algorithm 4.1) freezes the
   adjacency sets at the start of each depth and removes edges only at the
   end of it, so the skeleton does not depend on the order of the columns.
   It is also what makes PC fast here: every test of a depth is known at the
   start of that depth, so all of them are sent to the independence test in
   one batched call (the Fisher-z test computes a whole batch with stacked
   linear algebra on the precomputed correlation matrix).

2. **Colliders.** For every unshielded triple ``a --- b --- c`` (``a``, ``c``
   non-adjacent) decide whether ``b`` is a collider ``a --> b <-- c``:

   - ``collider_rule="standard"``: a collider when ``b`` is not in the
     separating set of ``(a, c)`` (which one: see ``sepset``).
   - ``collider_rule="conservative"`` (Ramsey, Zhang and Spirtes 2006): test
     ``a`` and ``c`` given every subset of the adjacencies of ``a`` and of
     ``c``; a collider when ``b`` is in none of the separating sets found, a
     non-collider when it is in all, otherwise *ambiguous* (left unoriented,
     and not used by the orientation rules).
   - ``collider_rule="majority"`` (Colombo and Maathuis 2014, Section 5.2):
     the same sets; a collider when ``b`` is in fewer than half of them, a
     non-collider when in more than half, ambiguous at exactly half.

   All colliders are oriented **at once**, from all triples, so no triple is
   processed "first". When two triples put arrowheads at both ends of one edge
   (``a --> b <-- c`` and ``b --> c <-- d``), that edge is a *conflict*: the
   data support both orientations. ``conflicts="strongest"`` (the default)
   keeps the colliders with the most evidence: they are accepted from the
   strongest down (the smaller the p-value of ``a _||_ c`` given their
   separating set plus ``b``, the stronger; ties broken by node name), and a
   collider contradicting one already accepted is dropped and listed in
   ``details["overruled_colliders"]``. ``conflicts="undirected"`` instead
   leaves the edge undirected (``---``), kept undirected by the later rules,
   and reports it in ``result.warnings`` and ``details["conflicts"]`` (the
   order-independent rule of Colombo and Maathuis 2014, Section 5.1, which
   writes such edges ``<->``; an undirected edge keeps the result a PDAG that
   every converter accepts). Both are independent of the column order; on
   random 20-node graphs ``"strongest"`` is the more accurate
   (``benchmarks/results/pc_accuracy.md``).

3. **Meek's rules.** Close the graph under Meek's rules R1-R4 (Meek 1995),
   each pass orienting every edge some rule orients in the current graph at
   once (:func:`causalkit.orientation.apply_meek_rules`). When the colliders
   found admit no consistent DAG, two rules can imply opposite directions for
   one edge (``a --> b --- c <-- d`` with ``a``, ``c`` and ``b``, ``d``
   non-adjacent); sequential implementations keep whichever rule fired first,
   causalkit leaves the edge undirected and reports it with the conflicts.

Together these make every step independent of the column order: permuting
the columns of the data permutes the output and changes nothing else
(Colombo and Maathuis 2014 show that the original PC, and causal-learn's
``pc``, which orients colliders triple by triple, do not have this property).

Background knowledge (:class:`~causalkit.discovery.background.BackgroundKnowledge`)
is respected in every phase: required edges are never removed and never
tested, pairs forbidden in both directions are removed before the first test
(and never tested), required orientations and the orientations implied by
forbidden ones are set before Meek's rules, and no step ever puts an
arrowhead where the knowledge forbids one.

References
----------
Spirtes, P., Glymour, C. and Scheines, R. (2000). *Causation, Prediction, and
Search*, 2nd ed. MIT Press.

Colombo, D. and Maathuis, M. H. (2014). Order-independent constraint-based
causal structure learning. *JMLR* 15, 3741-3782.

Ramsey, J., Zhang, J. and Spirtes, P. (2006). Adjacency-faithfulness and
conservative causal inference. *UAI*, 401-408.

Meek, C. (1995). Causal inference and causal explanation with background
knowledge. *UAI*, 403-410.

Kalisch, M. and Bühlmann, P. (2007). Estimating high-dimensional directed
acyclic graphs with the PC-algorithm. *JMLR* 8, 613-636.
"""

from __future__ import annotations

import numbers
import time
from itertools import combinations

import numpy as np
import pandas as pd

from ..ci.base import CITest
from ..ci.registry import make_ci_test, resolve_ci_test
from ..data import check_data
from ..dataset import Dataset
from ..exceptions import DataError, UnknownMethodError
from ..graph import CausalGraph
from ..orientation import apply_meek_rules
from ..result import DiscoveryResult
from ._estimator import DiscoveryEstimator
from .background import BackgroundKnowledge

__all__ = ["pc", "PC", "SEPSET_RULES", "COLLIDER_RULES", "CONFLICT_RULES"]

#: how the separating set of a removed edge is chosen
SEPSET_RULES = ("union", "first")
#: how an unshielded triple is decided to be a collider
COLLIDER_RULES = ("standard", "conservative", "majority")
#: what happens when two colliders put arrowheads at both ends of one edge
CONFLICT_RULES = ("undirected", "strongest")


# ----------------------------------------------------------------------------- checks
def _check_options(alpha, max_depth, sepset, collider_rule, background, ci_options):
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not 0 < alpha < 1:
        raise DataError(f"alpha must be a number strictly between 0 and 1; got {alpha!r}")
    if max_depth is not None and (isinstance(max_depth, bool) or not isinstance(max_depth, numbers.Integral)
                                  or max_depth < 0):
        raise DataError(f"max_depth must be None or a non-negative integer; got {max_depth!r}")
    if sepset not in SEPSET_RULES:
        raise UnknownMethodError(f"sepset must be one of {list(SEPSET_RULES)}; got {sepset!r}")
    if collider_rule not in COLLIDER_RULES:
        raise UnknownMethodError(
            f"collider_rule must be one of {list(COLLIDER_RULES)}; got {collider_rule!r}"
        )
    if background is not None and not isinstance(background, (BackgroundKnowledge, dict)):
        raise DataError(
            "background must be a BackgroundKnowledge or a dict of its arguments "
            f"(required=, forbidden=, tiers=); got {type(background).__name__}"
        )
    if ci_options is not None and not isinstance(ci_options, dict):
        raise DataError(f"ci_options must be a dict of keyword arguments; got {type(ci_options).__name__}")


def _prepare(data, ci_test, ci_options, missing):
    """Validate the data and build the independence test."""
    if isinstance(data, Dataset):
        data = data.data
    if isinstance(ci_test, CITest):
        checked = check_data(data, missing=missing)
        if ci_test.n_variables != checked.n_variables:
            raise DataError(
                f"ci_test was built on {ci_test.n_variables} variables but data has {checked.n_variables}"
            )
        return checked, ci_test, ci_test.name
    if not isinstance(ci_test, str):
        raise DataError(f"ci_test must be a test name or a CITest; got {type(ci_test).__name__}")
    if ci_test == "auto":
        name = resolve_ci_test("auto", check_data(data, missing=missing, check_collinear=False).discrete)
    else:
        name = resolve_ci_test(ci_test, [])
    # FisherZ rejects exactly collinear columns itself, from the correlation
    # matrix it computes anyway (a d x d Cholesky); check_data's column-by-column
    # search on the raw data takes longer than all of PC on large data
    # (about 10 s at n=20000, d=200).
    checked = check_data(data, ci_test=name, missing=missing,
                         check_collinear=False if name == "fisherz" else None)
    try:
        test = make_ci_test(name, checked.values, names=checked.names, discrete=checked.discrete,
                            **(ci_options or {}))
    except TypeError as exc:
        if "keyword" not in str(exc):
            raise
        raise DataError(f"ci_options {sorted(ci_options or {})} do not fit ci_test={name!r}: {exc}") from None
    return checked, test, name


def _background_matrices(background, names):
    d = len(names)
    if background is None:
        z = np.zeros((d, d), dtype=bool)
        return z, z.copy()
    if isinstance(background, dict):
        background = BackgroundKnowledge(**background)
    return background.matrices(names)


# ----------------------------------------------------------------------------- skeleton
_COMBINATIONS = {}


def _combinations(m, k):
    """All k-subsets of range(m) as an int array of shape (C(m, k), k), memoised."""
    c = _COMBINATIONS.get((m, k))
    if c is None:
        c = np.array(list(combinations(range(m), k)), dtype=np.intp).reshape(-1 if k else 1, k)
        if len(_COMBINATIONS) < 1024:
            _COMBINATIONS[(m, k)] = c
    return c


def _depth_tests(adj, testable, depth):
    """Every test of one depth, as arrays.

    For each node ``a`` and each testable edge ``a --- b``: every ``S``
    of ``depth`` nodes adjacent to ``a`` other than ``b``. Returns ``x`` (=a),
    ``y`` (=b) of shape (B,) and ``S`` of shape (B, depth), each ``S`` sorted.
    """
    d = adj.shape[0]
    xs, ys, ss = [], [], []
    for a in range(d):
        N = np.flatnonzero(adj[a])
        m = len(N)
        if m - 1 < depth:
            continue
        T = np.flatnonzero(testable[a, N])  # positions in N of the other endpoints
        if not len(T):
            continue
        comb = _combinations(m, depth)
        if depth == 0:
            ci, ti = np.zeros(len(T), dtype=np.intp), np.arange(len(T))
        else:
            member = np.zeros((len(comb), m), dtype=bool)
            member[np.arange(len(comb))[:, None], comb] = True
            ci, ti = np.nonzero(~member[:, T])
        xs.append(np.full(len(ci), a, dtype=np.intp))
        ys.append(N[T[ti]])
        ss.append(N[comb[ci]])
    if not xs:
        return np.zeros(0, np.intp), np.zeros(0, np.intp), np.zeros((0, depth), np.intp)
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(ss, axis=0)


def _skeleton_stable(ci, alpha, max_depth, required, forbidden, bar):
    """Stable PC skeleton; every test of one depth in one batched call.

    Uses the test's ``pvalues_batch`` (arrays in, arrays out) when it has
    one, else ``pvalues`` on the list of ``(x, y, S)``. Returns the adjacency
    matrix, ``{(i, j): [S, ...]}`` (i < j) with every separating set found at
    the removal depth, the matrix of the largest p-value seen per pair, and
    the number of tests asked per depth.
    """
    d = ci.n_variables
    adj = ~np.eye(d, dtype=bool) & ~(forbidden & forbidden.T)
    keep = required | required.T
    pmax = np.full((d, d), np.nan)
    separating = {}
    per_depth = []
    batch = getattr(ci, "pvalues_batch", None)
    depth = 0
    while max_depth is None or depth <= max_depth:
        x, y, S = _depth_tests(adj, adj & ~keep, depth)
        if not len(x):
            break
        if batch is not None:
            p = np.asarray(batch(x, y, S), dtype=float)
        else:
            p = ci.pvalues(list(zip(x.tolist(), y.tolist(), map(tuple, S.tolist()))))
        per_depth.append(len(x))
        lo, hi = np.minimum(x, y), np.maximum(x, y)
        np.fmax.at(pmax, (lo, hi), p)
        indep = np.flatnonzero(p > alpha)
        for i, j, sep in zip(lo[indep].tolist(), hi[indep].tolist(), S[indep].tolist()):
            separating.setdefault((i, j), set()).add(tuple(sep))
        adj[lo[indep], hi[indep]] = False
        adj[hi[indep], lo[indep]] = False
        if bar is not None:
            bar.set_description(f"PC skeleton, depth {depth}")
            bar.set_postfix(tests=len(x), edges=int(np.triu(adj, 1).sum()))
            bar.update(1)
        depth += 1
    pmax = np.fmax(pmax, pmax.T)  # only (lo, hi) entries were written
    return adj, {k: sorted(v) for k, v in separating.items()}, pmax, per_depth


def _skeleton_sequential(ci, alpha, max_depth, required, forbidden, bar):
    """The original (order-dependent) PC skeleton: an edge goes as soon as a test separates it."""
    d = ci.n_variables
    adj = ~np.eye(d, dtype=bool) & ~(forbidden & forbidden.T)
    keep = required | required.T
    pmax = np.full((d, d), np.nan)
    separating = {}
    per_depth = []
    depth = 0
    while max_depth is None or depth <= max_depth:
        asked = 0
        for x in range(d):
            for y in np.flatnonzero(adj[x]).tolist():
                if keep[x, y]:
                    continue
                nb = [v for v in np.flatnonzero(adj[x]).tolist() if v != y]
                if len(nb) < depth:
                    continue
                for S in combinations(nb, depth):
                    p = ci.pvalue(x, y, S)
                    asked += 1
                    pmax[x, y] = pmax[y, x] = np.fmax(pmax[x, y], p)
                    if p > alpha:
                        adj[x, y] = adj[y, x] = False
                        separating[(min(x, y), max(x, y))] = [tuple(sorted(S))]
                        break
        if not asked:
            break
        per_depth.append(asked)
        if bar is not None:
            bar.set_description(f"PC skeleton, depth {depth}")
            bar.set_postfix(tests=asked, edges=int(np.triu(adj, 1).sum()))
            bar.update(1)
        depth += 1
    return adj, separating, pmax, per_depth


def _choose_sepset(sets, rule, names):
    if rule == "union":
        return tuple(sorted(set().union(*sets)))
    # "first": the first set in the order of node names, so that the choice does
    # not depend on the column order.
    return min(sets, key=lambda S: sorted(names[s] for s in S))


# ----------------------------------------------------------------------------- orientation
def _unshielded_triples(adj):
    out = []
    for b in range(adj.shape[0]):
        nb = np.flatnonzero(adj[b]).tolist()
        out.extend((a, b, c) for a, c in combinations(nb, 2) if not adj[a, c])
    return out


def _triple_votes(ci, alpha, max_depth, adj, triples, separating):
    """For each pair (a, c) of the triples, every separating set among adj(a) and adj(c)."""
    pairs = sorted({(a, c) for a, _, c in triples})
    tests, owner = [], []
    for n, (a, c) in enumerate(pairs):
        cand = set()
        for u in (a, c):
            nb = np.flatnonzero(adj[u]).tolist()
            top = len(nb) if max_depth is None else min(len(nb), max_depth)
            for k in range(top + 1):
                cand.update(combinations(nb, k))
        tests.extend((a, c, S) for S in sorted(cand))
        owner.extend([n] * len(cand))
    p = ci.pvalues(tests) if tests else np.zeros(0)
    found = {pair: {frozenset(S) for S in separating.get(pair, ())} for pair in pairs}
    for t in np.flatnonzero(p > alpha):
        found[pairs[owner[t]]].add(frozenset(tests[t][2]))
    return found, len(tests)


def _orient(adj, separating, *, rule, sepset_rule, ci, alpha, max_depth, required, forbidden, names,
            conflicts="undirected"):
    """Colliders (all at once), background knowledge, then Meek's rules.

    ``conflicts="strongest"`` accepts colliders one by one from the strongest
    (smallest p-value of ``a _||_ c | sepset + {b}``; ties by node name),
    skipping a collider that would put an arrowhead against one already
    accepted.
    """
    if conflicts not in CONFLICT_RULES:
        raise UnknownMethodError(f"conflicts must be one of {list(CONFLICT_RULES)}; got {conflicts!r}")
    triples = _unshielded_triples(adj)
    ambiguous, colliders, skipped = [], [], []
    if rule == "standard":
        for a, b, c in triples:
            sets = separating.get((a, c))
            if not sets:  # removed by background knowledge: no test, no evidence
                ambiguous.append((a, b, c))
            elif b not in _choose_sepset(sets, sepset_rule, names):
                colliders.append((a, b, c))
        extra = 0
    else:
        found, extra = _triple_votes(ci, alpha, max_depth, adj, triples, separating)
        for a, b, c in triples:
            sets = found[(a, c)]
            if not sets:
                ambiguous.append((a, b, c))
                continue
            share = sum(b in S for S in sets) / len(sets)
            if rule == "conservative":
                collider, non = share == 0, share == 1
            else:
                collider, non = share < 0.5, share > 0.5
            if collider:
                colliders.append((a, b, c))
            elif not non:
                ambiguous.append((a, b, c))

    # arrow[u, v]: some collider puts an arrowhead at v on the edge u --- v.
    arrow = np.zeros_like(adj)
    oriented, overruled = [], []
    if conflicts == "strongest" and colliders:
        # Evidence for a --> b <-- c: conditioning on b makes a and c dependent.
        # The smaller the p-value of a _||_ c | sepset + {b}, the stronger it is.
        tests = []
        for a, b, c in colliders:
            S = set(_choose_sepset(separating.get((a, c)) or [()], sepset_rule, names)) | {b}
            tests.append((a, c, tuple(sorted(S))))
        strength = dict(zip(colliders, ci.pvalues(tests)))
        colliders = sorted(colliders, key=lambda t: (strength[t], sorted((names[t[0]], names[t[2]])),
                                                     names[t[1]]))
    for a, b, c in colliders:
        # An arrowhead at b that the knowledge forbids (a --> b forbidden, or
        # b --> a required) vetoes the whole triple.
        if forbidden[a, b] or forbidden[c, b] or required[b, a] or required[b, c]:
            skipped.append((a, b, c))
            continue
        if conflicts == "strongest" and (arrow[b, a] or arrow[b, c]):
            overruled.append((a, b, c))
            continue
        arrow[a, b] = arrow[c, b] = True
        oriented.append((a, b, c))
    conflict = arrow & arrow.T
    directed = (arrow & ~conflict) | (required & adj)
    # A forbidden direction on an adjacent pair implies the other one.
    implied = forbidden.T & ~forbidden & adj
    # (no pair is directed both ways: vetoed colliders and the consistency
    # checks of BackgroundKnowledge.matrices rule that out)
    directed |= implied
    undirected = adj & ~directed & ~directed.T
    frozen = forbidden | conflict
    D, U, meek_conflict = apply_meek_rules(directed, undirected, rule4=True, forbidden=frozen,
                                           ambiguous=ambiguous, return_conflicts=True)
    return D, U, {"colliders": oriented, "conflicts": np.argwhere(np.triu(conflict, 1)).tolist(),
                  "meek_conflicts": np.argwhere(np.triu(meek_conflict, 1)).tolist(),
                  "ambiguous": ambiguous, "vetoed": skipped, "overruled": overruled, "extra_tests": extra}


def _named_sepsets(separating, sepset_rule, names):
    """Separating sets by node name, both key orders: (the chosen set, every set found)."""
    sepsets, all_sets = {}, {}
    for (i, j), sets in separating.items():
        chosen = tuple(names[s] for s in _choose_sepset(sets, sepset_rule, names))
        named = [tuple(names[s] for s in S) for S in sets]
        for key in ((names[i], names[j]), (names[j], names[i])):
            sepsets[key] = chosen
            all_sets[key] = named
    return sepsets, all_sets


def _pdag_to_graph(names, D, U, pmax, kind):
    """The CausalGraph of a PDAG given as matrices; each edge carries its largest tested p-value."""
    edges, attrs = [], {}
    d = len(names)
    for i in range(d):
        for j in range(d):
            if D[i, j]:
                edges.append((names[i], names[j], "-->"))
            elif U[i, j] and i < j:
                edges.append((names[i], names[j], "---"))
            else:
                continue
            attrs[(names[i], names[j], 0)] = {"p_value": float(pmax[i, j])}
    return CausalGraph(names, edges, kind=kind, edge_attrs=attrs)


# ----------------------------------------------------------------------------- public API
def pc(data, *, alpha=0.05, ci_test="auto", max_depth=None, stable=True, sepset="union",
       collider_rule="standard", conflicts="strongest", background=None, progress=False,
       ci_options=None, missing="error"):
    """Estimate the CPDAG of the data with the (stable, order-independent) PC algorithm.

    Parameters
    ----------
    data : DataFrame, ndarray of shape (n_samples, n_variables) or Dataset
        Validated with :func:`causalkit.data.check_data`.
    alpha : float, default 0.05
        Significance level: a test with p-value above ``alpha`` is read as
        independence.
    ci_test : str or CITest, default "auto"
        A name from :data:`causalkit.ci.CI_TESTS` (``"fisherz"``, ``"chisq"``,
        ``"gsq"``, ``"kci"``, ``"rcit"``, ``"oracle"``) or ``"auto"`` (Fisher-z
        for continuous data, G-squared when every column is discrete), or a
        test already built on the same data.
    max_depth : int, optional
        Largest conditioning-set size tested (``None``: no limit).
    stable : bool, default True
        Freeze the adjacencies during each depth (Colombo and Maathuis 2014),
        which makes the skeleton independent of the column order and lets
        every test of a depth be computed in one batch. ``False`` runs the
        original, sequential and order-dependent skeleton search.
    sepset : {"union", "first"}, default "union"
        Which separating set of a removed edge ``(a, c)`` the standard
        collider rule reads. ``"union"``: the union of every separating set
        found at the depth where the edge was removed, from either endpoint
        (what causal-learn stores). ``"first"``: one of those sets, the first
        in the order of node names. ``"union"`` is the default because it
        does not depend on any ordering, it agrees with causal-learn, and it is
        cautious: ``b`` is declared a collider only if *no* separating set of
        that depth contains it. With ``stable=False`` only one set is found, so
        the two rules agree.
    collider_rule : {"standard", "conservative", "majority"}, default "standard"
        How unshielded triples are decided (module docstring, phase 2).
        ``"conservative"`` and ``"majority"`` run extra tests.
    conflicts : {"strongest", "undirected"}, default "strongest"
        Colliders that put arrowheads at both ends of one edge.
        ``"undirected"`` leaves the edge undirected and reports it (module
        docstring). ``"strongest"`` accepts colliders from the strongest to
        the weakest, the strength of ``a --> b <-- c`` being how dependent
        ``a`` and ``c`` become given their separating set plus ``b`` (the
        smaller that test's p-value, the stronger; one extra test per
        collider; ties broken by node *name*, so still independent of the
        column order), and drops a collider that contradicts one already
        accepted, in the spirit of causal-learn's ``uc_priority=3``; the
        dropped ones are listed in ``details["overruled_colliders"]``. It
        orients more edges, at the price of trusting p-values as evidence.
    background : BackgroundKnowledge or dict, optional
        Required / forbidden edges and tiers (a dict is passed to
        :class:`~causalkit.discovery.background.BackgroundKnowledge`).
    progress : bool, default False
        Show a progress bar (tqdm) over the depths. ``None`` means ``False``.
    ci_options : dict, optional
        Keyword arguments of the test's constructor, e.g. ``{"graph": g}``
        for ``ci_test="oracle"``.
    missing : {"error", "drop"}, default "error"
        Passed to :func:`~causalkit.data.check_data`.

    Returns
    -------
    DiscoveryResult
        ``graph`` is a ``"cpdag"`` over the column names (with background
        knowledge, or conflicts, strictly a PDAG); each edge's ``p_value``
        attribute is the largest p-value of the tests of that pair (all
        ``<= alpha``; NaN for required edges, which are not tested).
        ``details`` holds:

        - ``"sepsets"``: ``{(x, y): (z, ...)}`` for every removed pair, both
          orders, by name, per the ``sepset`` rule (column order inside);
          pairs removed by background knowledge are absent;
        - ``"separating_sets"``: ``{(x, y): [(z, ...), ...]}``, every
          separating set found at the removal depth;
        - ``"pvalues"``: DataFrame of the largest p-value tested per pair
          (symmetric; NaN where never tested);
        - ``"n_tests_per_depth"``: tests asked at each depth, cache hits
          included;
        - ``"colliders"``: oriented triples ``(a, b, c)`` meaning
          ``a --> b <-- c``;
        - ``"conflicts"``: edges ``(u, v)`` left undirected because colliders
          point at both of their ends, or because Meek's rules imply both
          directions (possible only when the colliders found admit no
          consistent DAG);
        - ``"ambiguous_triples"``: triples whose middle node is of unknown
          status (conservative or majority rule, or a pair removed by
          background knowledge, for which there is no separating set);
        - ``"vetoed_colliders"``: collider triples not oriented because the
          background knowledge forbids one of their arrowheads.

    Raises
    ------
    DataError
        Invalid data (see :func:`~causalkit.data.check_data`) or arguments
        (``alpha`` outside (0, 1), negative ``max_depth``, ...).
    UnknownMethodError
        Unknown ``ci_test``, ``sepset`` or ``collider_rule``.
    NodeNotFound
        Background knowledge naming a column that does not exist.
    GraphError
        Contradictory background knowledge.

    Notes
    -----
    The skeleton search is that of Spirtes et al. [1]_ in its stable,
    order-independent form [2]_; the conservative collider rule is from [3]_,
    the majority rule and the treatment of conflicts from [2]_, the
    orientation rules from [4]_. With ``stable=True`` the output is invariant
    under permutations of the columns (module docstring); with
    ``stable=False`` it is not.

    The number of tests is exponential in the largest degree in the worst
    case; ``max_depth`` bounds it. Fisher-z tests are computed in batches
    (one per depth) from the correlation matrix, which is the reason PC here is
    an order of magnitude faster than per-test implementations (see
    ``benchmarks/results/pc_speed.md``).

    References
    ----------
    .. [1] Spirtes, Glymour and Scheines (2000), *Causation, Prediction, and
       Search*, Section 5.4.2.
    .. [2] Colombo and Maathuis (2014), *JMLR* 15, 3741-3782.
    .. [3] Ramsey, Zhang and Spirtes (2006), *UAI*.
    .. [4] Meek (1995), *UAI*.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=2000); c = rng.normal(size=2000)
    >>> b = a + c + rng.normal(size=2000)
    >>> result = pc(pd.DataFrame({"a": a, "b": b, "c": c}), alpha=0.01)
    >>> sorted(result.graph.parents("b"))
    ['a', 'c']
    """
    start = time.perf_counter()
    _check_options(alpha, max_depth, sepset, collider_rule, background, ci_options)
    checked, ci, test_name = _prepare(data, ci_test, ci_options, missing)
    names = checked.names
    required, forbidden = _background_matrices(background, names)
    tests_before = ci.n_tests

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(desc="PC skeleton", unit="depth")
    try:
        find = _skeleton_stable if stable else _skeleton_sequential
        adj, separating, pmax, per_depth = find(ci, alpha, max_depth, required, forbidden, bar)
        if bar is not None:
            bar.set_description("PC orientation")
        D, U, info = _orient(adj, separating, rule=collider_rule, sepset_rule=sepset, ci=ci, alpha=alpha,
                             max_depth=max_depth, required=required, forbidden=forbidden, names=names,
                             conflicts=conflicts)
    finally:
        if bar is not None:
            bar.close()

    graph = _pdag_to_graph(names, D, U, pmax, kind="cpdag")

    sepsets, all_sets = _named_sepsets(separating, sepset, names)

    def trip(ts):
        return [(names[a], names[b], names[c]) for a, b, c in ts]

    warnings = []
    conflicts = [(names[i], names[j]) for i, j in info["conflicts"]]
    if conflicts:
        warnings.append(
            f"{len(conflicts)} edge(s) had colliders pointing at both ends and were left undirected: "
            + ", ".join(f"{u} --- {v}" for u, v in conflicts)
        )
    meek_conflicts = [(names[i], names[j]) for i, j in info["meek_conflicts"]]
    if meek_conflicts:
        warnings.append(
            f"{len(meek_conflicts)} edge(s) were left undirected because the orientation rules implied "
            "both directions (the colliders found admit no consistent DAG): "
            + ", ".join(f"{u} --- {v}" for u, v in meek_conflicts)
        )
    conflicts += meek_conflicts
    if info["vetoed"]:
        warnings.append(
            f"{len(info['vetoed'])} collider(s) contradict the background knowledge and were not oriented: "
            + ", ".join(f"{a} --> {b} <-- {c}" for a, b, c in trip(info["vetoed"]))
        )
    if collider_rule != "standard" and info["ambiguous"]:
        warnings.append(f"{len(info['ambiguous'])} unshielded triple(s) are ambiguous and were not oriented")

    details = {
        "sepsets": sepsets,
        "separating_sets": all_sets,
        "pvalues": pd.DataFrame(pmax, index=names, columns=names),
        "n_tests_per_depth": per_depth,
        "colliders": trip(info["colliders"]),
        "conflicts": conflicts,
        "ambiguous_triples": trip(info["ambiguous"]),
        "vetoed_colliders": trip(info["vetoed"]),
        "overruled_colliders": trip(info["overruled"]),
    }
    params = {"alpha": alpha, "ci_test": test_name, "max_depth": max_depth, "stable": stable,
              "sepset": sepset, "collider_rule": collider_rule, "conflicts": conflicts,
              "background": background if background is None or isinstance(background, BackgroundKnowledge)
              else BackgroundKnowledge(**background)}
    return DiscoveryResult(graph=graph, algorithm="pc", params=params, n_tests=ci.n_tests - tests_before,
                           runtime_s=time.perf_counter() - start, warnings=tuple(warnings), details=details)


class PC(DiscoveryEstimator):
    """The PC algorithm as an estimator: ``PC(alpha=0.01).fit(df).graph_``.

    Parameters
    ----------
    alpha, ci_test, max_depth, stable, sepset, collider_rule, conflicts, background, progress, ci_options, missing
        As in :func:`pc`; stored unchanged and checked by :meth:`fit`.

    Attributes
    ----------
    graph_ : CausalGraph
        The estimated CPDAG (set by :meth:`fit`).
    result_ : DiscoveryResult
        The full result, with ``n_tests``, ``runtime_s`` and ``details``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(size=(500, 1)); data = np.hstack([x, x + rng.normal(size=(500, 1))])
    >>> PC(alpha=0.01).fit(data).graph_.n_edges
    1
    """

    def __init__(self, alpha=0.05, ci_test="auto", max_depth=None, stable=True, sepset="union",
                 collider_rule="standard", conflicts="strongest", background=None, progress=False,
                 ci_options=None, missing="error"):
        self.alpha = alpha
        self.ci_test = ci_test
        self.max_depth = max_depth
        self.stable = stable
        self.sepset = sepset
        self.collider_rule = collider_rule
        self.conflicts = conflicts
        self.background = background
        self.progress = progress
        self.ci_options = ci_options
        self.missing = missing

    _function = staticmethod(pc)
