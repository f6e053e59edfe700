r"""CD-NOD phase 3: orientation by the independence of changes.

If ``X --> Y`` and both modules change with the context ``C``, the changes of
``P(X)`` and of ``P(Y | X)`` are independent (they have separate causes),
while in the anti-causal factorisation the changes of ``P(Y)`` and of
``P(X | Y)`` are in general dependent (Huang et al. 2020, section 4; Zhang
et al. 2017). Each module is embedded at every context point (a domain, or
a time point), giving two series of embeddings over ``C``; each series is
turned into a Gram matrix over the context points by a Gaussian kernel on
the embedding distances with the median width (``M_g`` and ``M2_g`` of the
authors' ``infer_nonsta_dir.m``), and the dependence is their normalised
HSIC

.. math:: \Delta_{X \to Y} = \frac{\operatorname{tr}(H M_g H\, H M2_g H)}
          {\lVert H M_g H \rVert_F \, \lVert H M2_g H \rVert_F},

(centred kernel alignment, in [0, 1]). Smaller is more independent, so
preferred: ``X --> Y`` when ``Delta_{X->Y} < Delta_{Y->X}``. The normalisation
matters: the unnormalised HSIC of ``infer_nonsta_dir.m`` scales with the
spread of each hypothesis' own embeddings and is not comparable between
hypotheses.

Two embeddings are available (``embedding=``):

* ``"moment"`` (default): the modules' local parameters at each context point,
  estimated from that domain's rows or, for a time index, from rows weighted
  by a Gaussian kernel of ``time_width`` time steps: by default
  (``time_width="cv"``) a width chosen for each module separately by
  leave-one-out likelihood of its local model
  (:func:`._cdnod_embeddings.select_time_width`), in place of the authors'
  fixed ``Wt = 50``, which smooths away drifts faster than about a hundred
  steps: mean and log standard deviation of each cause for
  ``P(cause)``; intercept, slopes and log residual standard deviation of the
  weighted least-squares regression for ``P(effect | cause)``
  (:func:`._cdnod_embeddings.moment_embeddings`). These are the embeddings
  under a second-order feature map, so changes of means, slopes and
  variances are seen, higher-order changes are not. The Gram matrices of
  these parameter sequences use one median-heuristic width per parameter
  (``feature_widths="per_parameter"``, an ARD product kernel; a departure
  from the single median width of ``M_g``). One joint width on three
  standardised parameters is nearly linear, and the linear part of the
  dependence between ``P(Y)`` and ``P(X | Y)`` largely cancels: with 30
  domains the joint width oriented 74% of 50 benchmark seeds (68% on the
  generator's true parameters), per-parameter widths 94% (96% on 50 fresh
  seeds); ``feature_widths="joint"`` keeps the old kernel.
* ``"kernel"``: the nonparametric conditional mean embeddings of the paper
  (:func:`._cdnod_embeddings.module_gram`). Their kernel-ridge estimate of
  ``P(effect | cause)`` at a context point depends on where the cause's
  rows lie there (the ridge shrinks towards zero away from them), so the
  changes of ``P(cause)`` leak into the estimated conditional and the two
  directions are harder to tell apart: on the bivariate benchmark
  (``benchmarks/results/cdnod_accuracy.md``) it picks the right direction in
  78% of 50 seeds with 40 domains (moment: 94%) and 64% with a time index,
  T = 500, sinusoidal drifts (moment: 56%; the exact parameter curves: 60%).

With a time index, independence of the changes is only visible when the
series holds many independent changes. With GP drifts of length scale 0.03
on the time axis scaled to [0, 1] (about 33 independent stretches), the
bivariate benchmark (``benchmarks/results/cdnod_accuracy.md``) orients
``X0 --> X1`` in 84-96% of 50 seeds end to end at T = 500-1000 (82-92% on
fresh seeds; the exact parameter curves give 98%); the fixed 50-step window
gets 48-70% there because it smooths the drifts away. Limits: with
drifts of a few cycles over the whole series (the generator's sinusoids of
0.5-3 cycles, or GP length scale 0.1) the statistic is weak even on the
exact parameter curves (50-60% for the sinusoids, 78-82% for length scale
0.1): over one stretch of time, independent curves of a few cycles look as
dependent as the dependent parameters of the anti-causal factorisation, and
the estimates reach only 50-70% there (70-88% with length scale 0.05).

With several variables (the authors' procedure): take the changing modules
that still have undirected edges between them; repeatedly score each one as
the effect of its current parents plus its undirected changing neighbours,
make the best-scoring one a sink (orient those undirected edges into it,
unless that is forbidden or would close a directed cycle) and remove it;
then close the graph under Meek's rules again.

The statistic compares embeddings across context points, so it needs many
of them: with a categorical context and fewer than ``min_points`` domains
(default 20) the phase is skipped and says so in its record.
"""

from __future__ import annotations

import numpy as np

from ..exceptions import DataError
from ..orientation import apply_meek_rules
from ._cdnod_embeddings import (FEATURE_WIDTHS, alignment, context_design, context_weights, feature_gram,
                                gaussianize, marginal_gram, module_gram, moment_embeddings, select_time_width,
                                subsample_rows)

__all__ = ["orient_by_independent_changes", "change_dependence", "EMBEDDINGS"]

#: ``embedding=`` choices of phase 3
EMBEDDINGS = ("moment", "kernel")


def change_dependence(cause, effect, Kc=None, E=None, lam=1.0, *, W=None, W_effect=None,
                      feature_widths="per_parameter"):
    """Dependence between the changes of ``P(cause)`` and ``P(effect | cause)`` over the context.

    Parameters
    ----------
    cause : ndarray of shape (n, p)
        The hypothesised cause(s), ``p >= 1``.
    effect : ndarray of shape (n,) or (n, 1)
    Kc : ndarray of shape (n, n), optional
        Context kernel for the kernel embeddings (see
        :func:`._cdnod_embeddings.context_design`).
    E : ndarray of shape (n, K) or None
        Domain one-hot matrix for a categorical context (kernel embeddings).
    lam : float
        Ridge of the kernel embeddings.
    W : ndarray of shape (P, n), optional
        Local weights of the rows at ``P`` context points
        (:func:`._cdnod_embeddings.context_weights`); when given, the moment
        embeddings are used and ``Kc``, ``E``, ``lam`` are ignored.
    W_effect : ndarray of shape (P, n), optional
        Moment embeddings: separate weights for ``P(effect | cause)`` (its
        own time width, :func:`._cdnod_embeddings.select_time_width`); ``W``
        is then used for ``P(cause)`` only.
    feature_widths : {"per_parameter", "joint"}, default "per_parameter"
        Moment embeddings: widths of the Gaussian kernels on the parameter
        sequences (:func:`._cdnod_embeddings.feature_gram`).

    Returns
    -------
    float
        Normalised HSIC (centred kernel alignment) in [0, 1] of the two
        series of embeddings; smaller means more independent changes, i.e.
        more support for ``cause --> effect``.
    """
    cause = np.asarray(cause, dtype=float).reshape(len(cause), -1)
    effect = np.asarray(effect, dtype=float).reshape(len(effect), -1)
    if W is not None:
        f_cause, f_effect = moment_embeddings(cause, effect, W, W_effect=W_effect)
        return alignment(feature_gram(f_effect, feature_widths), feature_gram(f_cause, feature_widths))
    if Kc is None:
        raise DataError("change_dependence needs W (moment embeddings) or Kc (kernel embeddings)")
    M = gaussianize(module_gram(cause, effect, Kc, E, lam))
    M2 = gaussianize(marginal_gram(cause, Kc, E, lam))
    return alignment(M, M2)


def _creates_cycle(D, src, dst):
    """Would ``src --> dst`` close a directed cycle (is src reachable from dst)?"""
    seen, stack = {dst}, [dst]
    while stack:
        u = stack.pop()
        for v in np.flatnonzero(D[u]):
            if v == src:
                return True
            if v not in seen:
                seen.add(v)
                stack.append(v)
    return False


def orient_by_independent_changes(values, names, ctx_idx, kinds, D, U, frozen, *, embedding="moment",
                                  time_width="cv", n_points=200, min_points=20, min_rows=10, max_samples=1000,
                                  lam=1.0, context_width=0.25, feature_widths="per_parameter", seed=0):
    """Orient undirected edges between changing modules by independent changes, then Meek.

    Parameters
    ----------
    values : ndarray of shape (n, d + k)
        Variables then context columns.
    names : list of str
    ctx_idx : list of int
        Context column indices.
    kinds : list of {"domain", "time"}
    D, U : ndarray of bool
        The PDAG after phase 2 (directed, undirected).
    frozen : ndarray of bool
        Orientations that must not be created (background knowledge, no
        arrowhead at a context, conflicts).
    embedding : {"moment", "kernel"}, default "moment"
        How the modules are embedded over the context (module docstring).
    time_width : "cv" or float, default "cv"
        Moment embeddings: width of the Gaussian weights on a time index, in
        average time steps. ``"cv"``: chosen for each module (``P(cause)``
        and ``P(effect | cause)`` of each hypothesis separately) by
        leave-one-out likelihood over ``_cdnod_embeddings.TIME_WIDTH_GRID``
        (:func:`._cdnod_embeddings.select_time_width`); a number: that
        width for every module (50 is the authors' ``Wt``, the default
        before 2026-11-29).
    n_points : int, default 200
        Moment embeddings: number of time points at which the modules are
        estimated (every row contributes to each estimate).
    min_points : int, default 20
        With only domain contexts, the phase is skipped when fewer domains
        (of at least ``min_rows`` rows) are available.
    min_rows : int, default 10
        Moment embeddings: domains with fewer rows are left out.
    max_samples : int, default 1000
        Kernel embeddings: rows used (a subsample beyond that; see
        :mod:`._cdnod_embeddings`).
    lam : float, default 1.0
        Kernel embeddings: ridge.
    context_width : float, default 0.25
        Kernel embeddings: width of the Gaussian kernel on the standardised
        time index.
    feature_widths : {"per_parameter", "joint"}, default "per_parameter"
        Moment embeddings: one median-heuristic width per parameter (an ARD
        product kernel; default) or one width for the whole standardised
        parameter vector (the previous default; see the module docstring).
    seed : int
        Seed of the per-domain subsample (kernel embeddings).

    Returns
    -------
    D, U : ndarray of bool
        The PDAG after phase 3 and Meek's rules.
    info : dict
        ``"embedding"``, ``"feature_widths"``; ``"sinks"`` (in the order chosen), ``"scores"`` (per
        round, ``{variable: score}``), ``"oriented"`` (edges ``(cause,
        effect)``), ``"n_points"`` (context points compared: time points or
        domains), ``"rows"`` (rows used), ``"skipped"`` (why the phase did
        not run, or None), ``"warnings"``; with ``time_width="cv"`` and a
        time index, ``"time_widths"`` (the width chosen per module,
        ``{"X0": 7.0, "X1 | X0": 10.0, ...}``).

    Raises
    ------
    DataError
        An unknown ``embedding`` or ``feature_widths``, a ``time_width``
        that is neither ``"cv"`` nor a positive number, or a non-positive
        ``lam``, ``n_points`` or ``min_points``.
    """
    if embedding not in EMBEDDINGS:
        raise DataError(f"change_options embedding must be one of {list(EMBEDDINGS)}; got {embedding!r}")
    if feature_widths not in FEATURE_WIDTHS:
        raise DataError(f"change_options feature_widths must be one of {list(FEATURE_WIDTHS)}; "
                        f"got {feature_widths!r}")
    if not (isinstance(time_width, str) and time_width == "cv"):
        if (isinstance(time_width, (str, bool, np.bool_)) or not np.isscalar(time_width)
                or not np.isfinite(time_width) or time_width <= 0):
            raise DataError(f"change_options time_width must be 'cv' or a positive number of time steps; "
                            f"got {time_width!r}")
    for nm, v in (("lam", lam), ("n_points", n_points), ("min_points", min_points)):
        if not (np.isscalar(v) and v > 0):
            raise DataError(f"change_options {nm} must be positive; got {v!r}")
    d = values.shape[1] - len(ctx_idx)
    D, U = D.copy(), U.copy()
    changing = [j for j in range(d) if D[ctx_idx, j].any()]
    cset = set(changing)
    info = {"embedding": embedding, "feature_widths": feature_widths, "sinks": [], "scores": [], "oriented": [],
            "skipped": None, "warnings": []}

    def und_changing(j):
        return [v for v in np.flatnonzero(U[j]) if v in cset and v < d]

    cand = [j for j in changing if und_changing(j)]
    if not cand:
        info.update(n_points=0, rows=0, skipped="no undirected edge between changing modules")
        return D, U, info
    ctx_values = [values[:, c] for c in ctx_idx]
    if embedding == "moment":
        X = values
        cv = "time" in kinds and isinstance(time_width, str)
        W, n_small = context_weights(ctx_values, list(kinds), time_width=50.0 if cv else time_width,
                                     n_points=n_points, min_rows=min_rows)
        n_pts = W.shape[0]
        info.update(n_points=int(n_pts), rows=int(len(values)))
        if n_small:
            info["warnings"].append(f"independent-change orientation left out {n_small} domain(s) with fewer "
                                    f"than {min_rows} rows")
        if cv:
            info["time_widths"] = {}  # chosen width per module, e.g. {"X1 | X0": 7.0}
            chosen, weights = {}, {}

            def module_weights(causes, j=None):
                key = (tuple(causes), j)
                if key not in chosen:
                    h, _ = select_time_width(ctx_values, list(kinds), X[:, causes],
                                             None if j is None else X[:, j])
                    chosen[key] = h
                    label = ", ".join(names[c] for c in causes)
                    info["time_widths"][label if j is None else f"{names[j]} | {label}"] = h
                h = chosen[key]
                if h not in weights:
                    weights[h] = context_weights(ctx_values, list(kinds), time_width=h, n_points=n_points)[0]
                return weights[h]

            def score(causes, j):
                return change_dependence(X[:, causes], X[:, j], W=module_weights(causes),
                                         W_effect=module_weights(causes, j), feature_widths=feature_widths)
        else:
            def score(causes, j):
                return change_dependence(X[:, causes], X[:, j], W=W, feature_widths=feature_widths)
    else:
        rows = subsample_rows(ctx_values, list(kinds), max_samples, seed)
        Kc, E, _ = context_design(ctx_values, list(kinds), rows, context_width)
        n_pts = E.shape[1] if E is not None else len(rows)
        info.update(n_points=int(n_pts), rows=int(len(rows)))
        X = values[rows]

        def score(causes, j):
            return change_dependence(X[:, causes], X[:, j], Kc, E, lam)
    if all(k == "domain" for k in kinds) and n_pts < min_points:
        info["skipped"] = (f"only {n_pts} domains; the independent-change statistic compares modules across "
                           f"domains and needs at least min_points={min_points}")
        return D, U, info
    active = list(cand)
    while len(active) > 1:
        scores = {}
        for j in active:
            pa = [p for p in np.flatnonzero(D[:, j]) if p < d]
            nb = [v for v in und_changing(j) if v in active]
            if not nb:
                continue
            scores[j] = score(sorted(set(pa) | set(nb)), j)
        if not scores:
            break
        sink = min(scores, key=lambda j: (scores[j], names[j]))
        info["scores"].append({names[j]: s for j, s in scores.items()})
        info["sinks"].append(names[sink])
        for v in und_changing(sink):
            if v not in active:
                continue
            if frozen[v, sink] or _creates_cycle(D, v, sink):
                continue
            D[v, sink] = True
            U[v, sink] = U[sink, v] = False
            info["oriented"].append((names[v], names[sink]))
        active.remove(sink)
        active = [j for j in active if any(v in active for v in und_changing(j))]
    D, U = apply_meek_rules(D, U, rule4=True, forbidden=frozen)
    return D, U, info
