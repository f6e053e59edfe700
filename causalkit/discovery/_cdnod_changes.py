r"""CD-NOD phase 3: orientation by the independence of changes.

If ``X --> Y`` and both modules change with the context ``C``, the changes of
``P(X)`` and of ``P(Y | X)`` are independent (they have separate causes),
while in the anti-causal factorisation the changes of ``P(Y)`` and of
``P(X | Y)`` are in general dependent (Huang et al. 2020, section 4; Zhang
et al. 2017). The dependence is measured between the kernel embeddings of
the two modules over ``C`` (:mod:`._cdnod_embeddings`): with ``M`` the Gram
matrix of the embeddings of ``P(effect | causes)`` and ``M_2`` that of
``P(causes)``, both turned into Gaussian kernels on the embedding distances,
the score is their centred kernel alignment (a normalised HSIC; the authors'
``infer_nonsta_dir.m`` uses the unnormalised HSIC, whose scale depends on
the hypothesis and which we found less comparable between hypotheses).
Smaller is more independent, so preferred.

With several variables (the authors' procedure): take the changing modules
that still have undirected edges between them; repeatedly score each one as
the effect of its current parents plus its undirected changing neighbours,
make the best-scoring one a sink (orient those undirected edges into it,
unless that is forbidden or would close a directed cycle) and remove it;
then close the graph under Meek's rules again.

With a categorical context the embeddings are compared across domains, so
this needs many domains (the issue's target: at least 30); with a handful
the HSIC of a few points says little, and the result records how many
points were compared.
"""

from __future__ import annotations

import numpy as np

from ..exceptions import DataError
from ..orientation import apply_meek_rules
from ._cdnod_embeddings import (alignment, context_design, gaussianize, marginal_gram, module_gram,
                                subsample_rows)

__all__ = ["orient_by_independent_changes", "change_dependence"]


def change_dependence(cause, effect, Kc, E, lam=1.0):
    """Dependence between the changes of ``P(cause)`` and ``P(effect | cause)`` over the context.

    Parameters
    ----------
    cause : ndarray of shape (T, p)
        The hypothesised cause(s), ``p >= 1``.
    effect : ndarray of shape (T,) or (T, 1)
    Kc : ndarray of shape (T, T)
        Context kernel (see :func:`._cdnod_embeddings.context_design`).
    E : ndarray of shape (T, K) or None
        Domain one-hot matrix for a categorical context.
    lam : float
        Ridge of the embeddings.

    Returns
    -------
    float
        Centred kernel alignment in [0, 1]; smaller means more independent
        changes, i.e. more support for ``cause --> effect``.
    """
    cause = np.asarray(cause, dtype=float).reshape(len(cause), -1)
    effect = np.asarray(effect, dtype=float).reshape(len(effect), -1)
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


def orient_by_independent_changes(values, names, ctx_idx, kinds, D, U, frozen, *, max_samples=1000,
                                  lam=1.0, context_width=0.25, seed=0):
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
    max_samples : int, default 1000
        Rows used (a subsample beyond that; see :mod:`._cdnod_embeddings`).
    lam : float, default 1.0
        Ridge of the embeddings.
    context_width : float, default 0.25
        Width of the Gaussian kernel on the standardised time index.
    seed : int
        Seed of the per-domain subsample.

    Returns
    -------
    D, U : ndarray of bool
        The PDAG after phase 3 and Meek's rules.
    info : dict
        ``"sinks"`` (in the order chosen), ``"scores"`` (per round,
        ``{variable: score}``), ``"oriented"`` (edges ``(cause, effect)``),
        ``"n_points"`` (time points or domains compared), ``"rows"``
        (number of rows used), ``"warnings"``.
    """
    if not (np.isscalar(lam) and lam > 0):
        raise DataError(f"change_options lam must be positive; got {lam!r}")
    d = values.shape[1] - len(ctx_idx)
    D, U = D.copy(), U.copy()
    changing = [j for j in range(d) if D[ctx_idx, j].any()]
    cset = set(changing)
    info = {"sinks": [], "scores": [], "oriented": [], "warnings": []}

    def und_changing(j):
        return [v for v in np.flatnonzero(U[j]) if v in cset and v < d]

    cand = [j for j in changing if und_changing(j)]
    if not cand:
        info.update(n_points=0, rows=0)
        return D, U, info
    ctx_values = [values[:, c] for c in ctx_idx]
    rows = subsample_rows(ctx_values, list(kinds), max_samples, seed)
    Kc, E, _ = context_design(ctx_values, list(kinds), rows, context_width)
    n_points = E.shape[1] if E is not None else len(rows)
    info.update(n_points=int(n_points), rows=int(len(rows)))
    if n_points < 10:
        info["warnings"].append(
            f"independent-change orientation compared only {n_points} context points (domains); its "
            "decisions are unreliable with fewer than about 30 domains (orient='invariance' skips it)")
    X = values[rows]
    active = list(cand)
    while len(active) > 1:
        scores = {}
        for j in active:
            pa = [p for p in np.flatnonzero(D[:, j]) if p < d]
            nb = [v for v in und_changing(j) if v in active]
            causes = sorted(set(pa) | set(nb))
            if not nb:
                continue
            scores[j] = change_dependence(X[:, causes], X[:, j], Kc, E, lam)
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
