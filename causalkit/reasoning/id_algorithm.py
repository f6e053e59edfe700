"""Shpitser and Pearl's complete identification algorithm (ID and IDC), evaluated numerically.

For a semi-Markovian causal model, given as a DAG with latent nodes or as an
ADMG (bidirected edges = hidden common causes), ``ID(y, x, P, G)`` either
returns an expression for ``P(y | do(x))`` in terms of the observational
distribution ``P`` over the observed variables, or finds a *hedge* — two
nested c-forests that prove the effect is not identifiable (Shpitser and Pearl
2006, Theorem 4). The algorithm is complete: it fails only when no method
can succeed. IDC extends it to conditional effects ``P(y | do(x), z)`` by
moving every ``z`` that is m-separated from ``y`` in ``G_{bar x, underline z}``
into the intervention set (rule 2 of the do-calculus) and normalising
``P(y, z | do(x))`` otherwise (Shpitser and Pearl 2006b).

The recursion builds an expression tree (sums, products and conditionals of
the current distribution); :func:`id_effect` evaluates it on tables with
named axes, keeping the intervened variables as free axes, so no symbolic
algebra is needed and the answer is an exact number for discrete data.

References
----------
I. Shpitser and J. Pearl, "Identification of joint interventional
distributions in recursive semi-Markovian causal models", AAAI 2006.
I. Shpitser and J. Pearl, "Identification of conditional interventional
distributions", UAI 2006.
J. Tian and J. Pearl, "A general identification condition for causal
effects", AAAI 2002.
"""

from __future__ import annotations

import numpy as np

from ..exceptions import DataError, NotIdentifiable
from . import _tensor
from ._admg import ADMG
from .distribution import Distribution, _as_names

__all__ = ["id_expression", "id_effect", "IDExpression"]


# ---------------------------------------------------------------------- expressions
class _Base:
    def __str__(self):
        return "P"


class _Sum:
    def __init__(self, expr, over):
        self.expr, self.over = expr, frozenset(over)


class _Prod:
    def __init__(self, terms):
        self.terms = list(terms)


class _Cond:
    """P_expr(var | given), where ``expr`` is a distribution over ``scope``."""

    def __init__(self, expr, var, given, scope):
        self.expr, self.var, self.given, self.scope = expr, var, tuple(given), frozenset(scope)


def _fmt(e, order):
    srt = lambda s: ",".join(sorted(s, key=order.get))  # noqa: E731
    if isinstance(e, _Base):
        return "P"
    if isinstance(e, _Sum):
        inner = _fmt(e.expr, order)
        if not e.over:
            return inner
        if isinstance(e.expr, _Base):
            return f"P(marginal without {srt(e.over)})"
        return f"Σ_{{{srt(e.over)}}} {inner}"
    if isinstance(e, _Prod):
        return " ".join(_fmt(t, order) for t in e.terms) if e.terms else "1"
    if isinstance(e, _Cond):
        head = "P" if isinstance(e.expr, _Base) else f"[{_fmt(e.expr, order)}]"
        g = f" | {srt(e.given)}" if e.given else ""
        return f"{head}({e.var}{g})"
    raise TypeError(type(e))


class IDExpression:
    """The result of the ID recursion for ``P(outcome | do(intervention), context)``.

    Attributes
    ----------
    outcome, intervention, context : tuple of str
    graph : ADMG over the observed variables used
    expression : internal expression tree
    formula : str
        Human-readable estimand in terms of the observational ``P``.
    """

    def __init__(self, outcome, intervention, context, graph, expression, normalise_over):
        self.outcome = outcome
        self.intervention = intervention
        self.context = context
        self.graph = graph
        self.expression = expression
        self.normalise_over = normalise_over
        order = {v: i for i, v in enumerate(graph.nodes)}
        self.formula = _fmt(expression, order)

    def __repr__(self):
        ctx = f", {','.join(self.context)}" if self.context else ""
        return (f"IDExpression(P({','.join(self.outcome)} | do({','.join(self.intervention)}){ctx}) "
                f"= {self.formula})")


def _hedge(y, x, F, Fp):
    return NotIdentifiable(
        f"P({','.join(sorted(y))} | do({','.join(sorted(x))})) is not identifiable: the ID algorithm "
        f"found a hedge, c-forests F = {{{', '.join(sorted(F))}}} and F' = {{{', '.join(sorted(Fp))}}} "
        "(F' is a single c-component of G without the intervened variables, contained in the "
        "c-component F of G)"
    )


def _id(y, x, P, G, top_y, top_x):
    V = set(G.nodes)
    # line 1
    if not x:
        return _Sum(P, V - y)
    # line 2
    an = G.ancestors(y)
    if an != V:
        return _id(y, x & an, _Sum(P, V - an), G.sub(an), top_y, top_x)
    # line 3
    w = (V - x) - G.cut_incoming(x).ancestors(y)
    if w:
        return _id(y, x | w, P, G, top_y, top_x)
    # line 4
    comps = G.sub(V - x).c_components()
    if len(comps) > 1:
        return _Sum(_Prod([_id(set(s), V - s, P, G, top_y, top_x) for s in comps]), V - (y | x))
    S = comps[0]
    comps_g = G.c_components()
    # line 5
    if len(comps_g) == 1:
        raise _hedge(top_y, top_x, V, S)
    pos = {v: i for i, v in enumerate(G.nodes)}

    def pred(v):
        return [u for u in G.nodes if pos[u] < pos[v]]

    # line 6
    if S in comps_g:
        return _Sum(_Prod([_Cond(P, v, pred(v), V) for v in G.sort(S)]), S - y)
    # line 7
    Sp = next(c for c in comps_g if S < c)
    Pp = _Prod([_Cond(P, v, pred(v), V) for v in G.sort(Sp)])
    return _id(y, x & Sp, Pp, G.sub(Sp), top_y, top_x)


def id_expression(graph, intervention, outcome, context=()):
    """Run Shpitser and Pearl's ID (IDC with ``context``) on a graph.

    Parameters
    ----------
    graph : CausalGraph
        A DAG with latent nodes or an ADMG.
    intervention : str, sequence or dict
        Intervened variables (dict values are ignored).
    outcome : str or sequence of str
    context : str or sequence of str, optional
        Variables conditioned on after the intervention.

    Returns
    -------
    IDExpression

    Raises
    ------
    NotIdentifiable
        With the hedge that witnesses it.
    NodeNotFound
        If a variable is not an observed node.
    GraphError
        If the graph is cyclic or has other edge types.

    Examples
    --------
    >>> from causalkit import CausalGraph
    >>> g = CausalGraph.from_edges([("U", "S"), ("U", "C"), ("S", "T"), ("T", "C")], latent=["U"])
    >>> id_expression(g, "S", "C").formula  # doctest: +SKIP
    """
    G = ADMG.from_graph(graph)
    x = set(_as_names(list(intervention) if isinstance(intervention, dict) else intervention,
                      "intervention"))
    y = set(_as_names(outcome, "outcome"))
    z = set(_as_names(context, "context")) if context else set()
    G.check(x, "intervention")
    G.check(y, "outcome")
    G.check(z, "context")
    for a, b, na, nb in ((x, y, "intervention", "outcome"), (x, z, "intervention", "context"),
                         (y, z, "outcome", "context")):
        if a & b:
            raise DataError(f"{na} and {nb} share variables {sorted(a & b)}")
    # the ancestors of everything named carry all the information needed
    G = G.sub(G.ancestors(x | y | z))
    # IDC: move context variables into the intervention where rule 2 allows
    while True:
        for zz in G.sort(z):
            g2 = G.cut_incoming(x).cut_outgoing({zz})
            if g2.m_separated(y, {zz}, x | (z - {zz})):
                x, z = x | {zz}, z - {zz}
                break
        else:
            break
    expr = _id(y | z, x, _Base(), G, y, x)
    outcome = _as_names(outcome, "outcome")
    return IDExpression(outcome, tuple(G.sort(x)), tuple(G.sort(z)), G, expr, normalise_over=outcome)


# ---------------------------------------------------------------------- evaluation
def _marg(factor, drop):
    axes, arr = factor
    idx = tuple(i for i, a in enumerate(axes) if a in drop)
    if not idx:
        return factor
    return tuple(a for a in axes if a not in drop), arr.sum(axis=idx)


def _evaluate(e, base, memo):
    key = id(e)
    if key in memo:
        return memo[key]
    if isinstance(e, _Base):
        out = base
    elif isinstance(e, _Sum):
        out = _marg(_evaluate(e.expr, base, memo), e.over)
    elif isinstance(e, _Prod):
        facs = [_evaluate(t, base, memo) for t in e.terms]
        axes = []
        for a, _ in facs:
            for v in a:
                if v not in axes:
                    axes.append(v)
        out = (tuple(axes), _tensor.product(facs, axes) if facs else np.array(1.0))
    elif isinstance(e, _Cond):
        dist = _evaluate(e.expr, base, memo)
        keep = set(e.given) | {e.var}
        num = _marg(dist, e.scope - keep)
        den = _marg(num, {e.var})
        den_arr = _tensor.align(den[0], den[1], num[0], {a: s for a, s in zip(num[0], num[1].shape)})
        with np.errstate(divide="ignore", invalid="ignore"):
            arr = np.where(den_arr > 0, num[1] / np.where(den_arr > 0, den_arr, 1.0), 0.0)
        out = (num[0], arr)
    else:  # pragma: no cover
        raise TypeError(type(e))
    memo[key] = out
    return out


def _positive_marginal(omega, names):
    joint = omega.marginal(names)
    zero = np.argwhere(joint.array <= 0)
    if len(zero):
        cfg = ", ".join(f"{n}={joint.states[n][i]!r}" for n, i in zip(names, zero[0]))
        raise DataError(
            f"identification formulas need the observational distribution of {list(names)} to be "
            f"positive; ({cfg}) has probability zero (estimate with smoothing > 0)"
        )
    return joint


def id_effect(omega, graph, intervention, outcome, context=None):
    """``P(outcome | do(intervention), context)`` from the observational joint by ID/IDC.

    Parameters
    ----------
    omega : Distribution
        Observational joint over (at least) the graph's observed variables
        that are ancestors of those named.
    graph : CausalGraph
        DAG with latent nodes, or ADMG.
    intervention : dict
        ``variable: state``.
    outcome : str or sequence of str
    context : dict, optional
        ``variable: state`` observed after the intervention.

    Returns
    -------
    Distribution
        Over ``outcome``.

    Raises
    ------
    NotIdentifiable
        If there is a hedge (named in the message).
    DataError
        If ``omega`` lacks a variable or is not positive on the variables
        used (the zero configuration is named).
    """
    if not isinstance(intervention, dict) or not intervention:
        raise DataError("intervention must be a non-empty dict {variable: state}")
    context = dict(context or {})
    plan = id_expression(graph, intervention, outcome, tuple(context))
    return evaluate_id(plan, omega, intervention, context)


def evaluate_id(plan, omega, intervention, context):
    """Evaluate an :class:`IDExpression` on ``omega`` at the given values."""
    if not isinstance(omega, Distribution):
        raise DataError(f"omega must be a Distribution; got {type(omega).__name__}")
    used = plan.graph.nodes
    missing = [v for v in used if v not in omega.names]
    if missing:
        raise DataError(f"omega has no variables {missing}, which the effect needs; it has {list(omega.names)}")
    joint = _positive_marginal(omega, used)
    base = (tuple(used), joint.array)
    axes, arr = _evaluate(plan.expression, base, {})
    values = {**intervention, **context}
    sizes = {v: len(joint.states[v]) for v in used}
    want = plan.outcome + plan.context
    # the other axes are intervened variables: the user's, context variables that IDC moved
    # there, and variables that line 3 of ID adds (non-ancestors of the outcome once the
    # intervention's incoming edges are cut), on which the estimand does not depend
    idx = []
    for a in axes:
        if a in want or a not in values:
            idx.append(slice(None))
        else:
            idx.append(omega._index(a, values[a]))
    arr = arr[tuple(idx)]
    axes = tuple(a for a in axes if a in want or a not in values)
    free = tuple(a for a in axes if a not in want)
    if free:
        # any value of these gives the same answer in theory; weighting by their observational
        # marginal keeps estimates from data stable
        w = joint.marginal(free).array
        arr = _tensor.product([(axes, arr), (free, w)], tuple(a for a in axes if a in want))
        axes = tuple(a for a in axes if a in want)
    arr = np.array(_tensor.align(axes, arr, want, sizes))
    if plan.context:
        sub = arr[(slice(None),) * len(plan.outcome) + tuple(omega._index(c, context[c]) for c in plan.context)]
    else:
        sub = arr
    total = float(sub.sum())
    if total <= 0:
        cfg = ", ".join(f"{k}={v!r}" for k, v in context.items())
        raise DataError(f"the context ({cfg}) has probability zero under the intervention")
    out = sub / total
    return Distribution(plan.outcome, out, {v: joint.states[v] for v in plan.outcome}, check=False)
