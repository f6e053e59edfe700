"""Identification of interventions from observational data by comb disintegration.

Jacobs, Kissinger and Zanasi (2019, Theorem 7.1; MSCS 2021, Section 6) give a
sufficient condition under which ``P(. | do(X))`` follows from the
observational joint ``omega`` alone. Split the observed variables into groups
``A, B, C`` such that

1. the network diagram is a 2-comb: ``g``, the boxes of ``B``, is plugged into
   the hole of ``f``, the boxes of ``A``, ``C`` and every latent variable;
   ``A``'s outputs leave ``f`` before its hole, so nothing in ``B`` or ``C``
   (directly or through latent variables) causes anything in ``A``;
2. ``g`` touches no latent wire and reads only ``A`` and ``B``: no variable of
   ``B`` has a latent or a ``C`` parent;
3. the cut box ``X`` is in ``A`` and its wire leaves ``f`` directly: every
   child of ``X`` is in ``B``;
4. ``omega`` has full support.

Then ``omega = comb(f, g)`` with ``(f, g)`` the comb disintegration of
``omega`` and the interventional state is ``comb(cut(f), g)``:

    P(a', b, c | do(x)) = omega(b | a) sum_x' omega(a', x') omega(c | a', x', b)

(``a = (a', x)``), which is the front-door formula in the smoking example and
the "Section 8" formula with context variables ``a'`` of the journal version.
:func:`identify` finds the split, taking ``A`` as large as possible (the
non-descendants of ``X``) and ``B`` as small as possible (the children of
``X`` closed under parents outside ``A``), which succeeds whenever any split
does. Only the ancestors of the variables named in the query are used.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..exceptions import DataError, NotIdentifiable
from ._admg import ADMG
from .distribution import Distribution, _as_names
from .surgery import comb_compose, comb_disintegrate, cut_comb

__all__ = ["CombPlan", "identify", "do", "DO_METHODS"]

#: methods of :func:`do`
DO_METHODS = ("auto", "comb", "id")


@dataclass(frozen=True)
class CombPlan:
    """How to compute ``P(outcome | do(intervention), context)`` by comb disintegration.

    Attributes
    ----------
    intervention : str
    outcome, context : tuple of str
    a, b, c : tuple of str
        The groups of the 2-comb (``intervention`` is in ``a``; ``b`` fills
        the hole).
    formula : str
        The estimand in terms of the observational ``P``.
    """

    intervention: str
    outcome: tuple
    context: tuple
    a: tuple
    b: tuple
    c: tuple
    formula: str = field(default="")
    method: str = "comb"

    @property
    def variables(self):
        """All observed variables the plan reads (``a + b + c``)."""
        return self.a + self.b + self.c


def _parse(intervention, outcome, context):
    if isinstance(intervention, dict):
        x = tuple(intervention)
    else:
        x = _as_names(intervention, "intervention")
    y = _as_names(outcome, "outcome")
    z = tuple(context) if isinstance(context, dict) else (_as_names(context, "context") if context else ())
    return x, y, z


def identify(graph, intervention, outcome, context=()):
    """Decide whether the paper's comb condition identifies ``P(outcome | do(intervention))``.

    Parameters
    ----------
    graph : CausalGraph
        A DAG with latent nodes (``from_edges(..., latent=[...])``) or an
        ADMG (``<->`` edges for hidden common causes).
    intervention : str or dict
        The one variable intervened on (a dict's values are ignored).
    outcome : str or sequence of str
    context : str or sequence of str, optional
        Observed variables conditioned on after the intervention.

    Returns
    -------
    CombPlan

    Raises
    ------
    NotIdentifiable
        When no 2-comb split exists; the message names the reason (a
        variable of ``B`` with a hidden common cause, a latent child of the
        intervened variable, ...). The effect may still be identifiable by
        the complete ID algorithm (``do(..., method="id")``).
    NodeNotFound
        For a variable that is not an observed node.
    GraphError
        For a cyclic graph or unsupported edge types.

    Examples
    --------
    >>> from causalkit import CausalGraph
    >>> g = CausalGraph.from_edges([("H", "S"), ("S", "T"), ("T", "C"), ("H", "C")], latent=["H"])
    >>> plan = identify(g, "S", "C")
    >>> plan.a, plan.b, plan.c
    (('S',), ('T',), ('C',))
    """
    G = ADMG.from_graph(graph)
    x, y, z = _parse(intervention, outcome, context)
    G.check(x, "intervention")
    G.check(y, "outcome")
    G.check(z, "context")
    if len(x) != 1:
        raise NotIdentifiable(
            f"the comb condition covers one intervened variable; got {list(x)} (use method='id')"
        )
    (xv,) = x
    if xv in y or xv in z:
        raise DataError(f"{xv!r} is both intervened on and in the outcome or context")
    G = G.sub(G.ancestors({xv} | set(y) | set(z)))
    desc = G.descendants({xv}) - {xv}
    a = [v for v in G.nodes if v not in desc]
    b = set(G.children(xv))
    stack = list(b)
    while stack:
        v = stack.pop()
        for p in G.pa[v]:
            if p not in a and p not in b:
                b.add(p)
                stack.append(p)
    for v in G.sort(b):
        if G.sp[v]:
            others = ", ".join(f"{v} <-> {w}" for w in G.sort(G.sp[v]))
            raise NotIdentifiable(
                f"the comb condition fails for do({xv}): {v!r} must sit in the hole g of the comb "
                f"(it is a child of {xv!r} or a parent of one, downstream of {xv!r}) but it shares a "
                f"hidden common cause ({others}), so g would touch a latent wire"
            )
    b = G.sort(b)
    c = [v for v in G.nodes if v not in a and v not in b]
    a_ctx = [v for v in a if v != xv]
    ctx = ",".join(a_ctx)
    sep = f"{ctx}," if ctx else ""
    if b:
        formula = (f"P({','.join(G.nodes)} | do({xv})) = P({','.join(b)} | {sep}{xv}) "
                   f"Σ_{{{xv}'}} P({sep}{xv}')" + (f" P({','.join(c)} | {sep}{xv}',{','.join(b)})" if c else ""))
    else:
        formula = f"P({','.join(G.nodes)} | do({xv})) = P({ctx or '∅'}) P({','.join(c) or '∅'} | {ctx or '∅'})"
    return CombPlan(intervention=xv, outcome=y, context=z, a=tuple(a), b=tuple(b), c=tuple(c),
                    formula=formula)


def _check_omega(omega, names):
    if not isinstance(omega, Distribution):
        raise DataError(f"omega must be a Distribution (the observational joint); got {type(omega).__name__}")
    missing = [v for v in names if v not in omega.names]
    if missing:
        raise DataError(f"omega has no variables {missing}, which the effect needs; it has {list(omega.names)}")


def evaluate_comb(plan, omega, value, context=None):
    """Evaluate a :class:`CombPlan` on ``omega`` at ``do(intervention = value)``.

    Returns
    -------
    Distribution
        Over ``plan.outcome``.
    """
    context = dict(context or {})
    _check_omega(omega, plan.variables)
    joint = omega.marginal(plan.variables)
    f, g = comb_disintegrate(joint, plan.a, plan.b, plan.c)
    if plan.b:
        state = comb_compose(cut_comb(f, plan.intervention), g)
    else:
        # X has no children among the variables used: the cut only makes X uniform
        state = Distribution(f.outputs, cut_comb(f, plan.intervention).array, f.states, check=False)
    post = state.given(**{plan.intervention: value})
    if context:
        post = post.given(**context)
    return post.marginal(plan.outcome)


def do(omega, graph, intervention, outcome, context=None, method="auto"):
    """``P(outcome | do(intervention), context)`` from the observational joint alone.

    Parameters
    ----------
    omega : Distribution
        Observational joint of the observed variables (for instance
        :meth:`Distribution.from_data`); it must be positive on the
        variables the formula reads.
    graph : CausalGraph
        DAG with latent nodes, or ADMG.
    intervention : dict
        ``{variable: state}``.
    outcome : str or sequence of str
    context : dict, optional
        ``{variable: state}`` observed after the intervention.
    method : {"auto", "comb", "id"}, default "auto"
        ``"comb"``: the paper's comb disintegration (:func:`identify`);
        ``"id"``: Shpitser and Pearl's complete ID/IDC algorithm;
        ``"auto"``: comb when its condition holds, else ID.

    Returns
    -------
    Distribution
        Over ``outcome``.

    Raises
    ------
    NotIdentifiable
        If the effect is not identifiable (with ``"comb"``: if the comb
        condition fails); the message names the reason.
    DataError
        If ``omega`` misses a variable, is not positive where the formula
        divides (the configuration is named), or ``context`` has probability
        zero.
    UnknownMethodError
        For another ``method``.

    Examples
    --------
    >>> from causalkit import CausalGraph
    >>> g = CausalGraph.from_edges([("H", "S"), ("S", "T"), ("T", "C"), ("H", "C")], latent=["H"])
    >>> omega = Distribution(["S", "T", "C"], [0.50, 0.10, 0.01, 0.02, 0.10, 0.05, 0.02, 0.20])
    >>> round(do(omega, g, {"S": 0}, "C").prob(C=1), 8)
    0.25347763
    """
    from ..exceptions import UnknownMethodError
    from .id_algorithm import id_effect

    if method not in DO_METHODS:
        raise UnknownMethodError(f"method must be one of {list(DO_METHODS)}; got {method!r}")
    if not isinstance(intervention, dict) or not intervention:
        raise DataError("intervention must be a non-empty dict {variable: state}")
    if not isinstance(omega, Distribution):
        raise DataError(f"omega must be a Distribution (the observational joint); got {type(omega).__name__}")
    context = dict(context or {})
    if method in ("auto", "comb"):
        try:
            plan = identify(graph, intervention, outcome, tuple(context))
        except NotIdentifiable:
            if method == "comb":
                raise
        else:
            (value,) = intervention.values()
            return evaluate_comb(plan, omega, value, context)
    return id_effect(omega, graph, intervention, outcome, context)
