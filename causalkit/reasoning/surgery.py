"""String-diagram surgery: cut, disintegration and 2-combs.

*Syntax.* An intervention on ``X`` is the functor ``cut_X`` that replaces the
box of ``X`` by ``uniform_X`` after discarding the box's inputs and leaves
every other box alone (Jacobs, Kissinger and Zanasi 2019, Definition 4.1).
``P(Y | do(X=x))`` is then the disintegration (conditional) of the cut
diagram's state on ``X``, at ``x``; any full-support state on ``X`` would give
the same conditional, uniform is the canonical choice.

*Semantics.* Given a joint ``omega`` over ``A, B, C`` with full support, the
**comb disintegration** returns the unique pair

* ``g : A -> B``, ``g(b | a) = omega(b | a)``;
* ``f : B -> A (x) C``, ``f(a, c | b) = omega(a) omega(c | a, b)``, whose
  ``A``-output does not depend on ``B`` (a 2-comb with a hole for ``g``),

such that plugging ``g`` into the hole gives back ``omega``:
``omega(a, b, c) = g(b | a) f(a, c | b)`` (:func:`comb_compose`). When the
network factors as such a comb with ``g`` free of latent wires and the cut
box inside ``f``, the interventional state is ``comb_compose(cut_comb(f, X),
g)`` (Theorem 7.1 of the paper; see :func:`causalkit.reasoning.identify`).

References
----------
B. Jacobs, A. Kissinger and F. Zanasi, "Causal inference by string diagram
surgery", FoSSaCS 2019 (arXiv:1811.08338); journal version in Mathematical
Structures in Computer Science 31(5), 2021.
K. Cho and B. Jacobs, "Disintegration and Bayesian inversion via string
diagrams", MSCS 29(7), 2019 (arXiv:1709.00322).
"""

from __future__ import annotations

import numpy as np

from ..exceptions import DataError, GraphError, NodeNotFound
from .diagram import Box, Diagram, _as_diagram
from .distribution import Channel, Distribution, _as_names

__all__ = ["cut", "disintegrate", "comb_disintegrate", "comb_compose", "cut_comb"]


def cut(diagram, variable):
    """Surgery on a diagram: replace the box producing ``variable`` by a uniform state.

    Parameters
    ----------
    diagram : Diagram
        Typically :func:`~causalkit.reasoning.network` of a graph.
    variable : str or sequence of str
        The variable(s) intervened on; each must be the single output of one
        box of kind ``"box"``.

    Returns
    -------
    Diagram
        The same wires and boxes, except that the box of ``variable`` is now
        ``uniform`` on its output wire and each of its former inputs is
        discarded.

    Raises
    ------
    NodeNotFound
        If no box outputs ``variable``.
    GraphError
        If the box producing ``variable`` has other outputs too.

    Examples
    --------
    >>> from causalkit import CausalGraph
    >>> from causalkit.reasoning import network
    >>> g = CausalGraph.from_edges([("H", "S"), ("S", "T"), ("T", "C"), ("H", "C")], latent=["H"])
    >>> cut(network(g), "S")
    Diagram([] -> ['S', 'T', 'C']; boxes: H, uniform[S], discard[H], T, C)
    """
    diagram = _as_diagram(diagram)
    for var in _as_names(variable, "variable"):
        hits = [k for k, (b, _, outs) in enumerate(diagram.nodes)
                if b.kind == "box" and any(diagram.types[w] == var for w in outs)]
        if not hits:
            names = sorted({diagram.types[w] for b, _, outs in diagram.nodes if b.kind == "box" for w in outs})
            raise NodeNotFound(f"no box outputs {var!r}; boxes output {names}")
        if len(hits) > 1:
            raise GraphError(f"{len(hits)} boxes output {var!r}; cut needs exactly one")
        k = hits[0]
        box, ins, outs = diagram.nodes[k]
        if len(outs) != 1:
            raise GraphError(f"box {box.name!r} has outputs {list(box.cod)}; cut needs a box with one output")
        new = [(Box("uniform", (), box.cod, kind="uniform"), (), outs)]
        new += [(Box("discard", (diagram.types[w],), (), kind="discard"), (w,), ()) for w in ins]
        nodes = list(diagram.nodes[:k]) + new + list(diagram.nodes[k + 1:])
        diagram = Diagram(diagram.dom, diagram.cod, diagram.types, nodes)
    return diagram


def disintegrate(omega, given):
    """The conditional channel ``omega(rest | given)`` (Cho and Jacobs 2019).

    Parameters
    ----------
    omega : Distribution
    given : str or sequence of str

    Returns
    -------
    Channel
        The unique channel ``c`` with
        ``omega = (id (x) c) . copy . omega_given``.

    Raises
    ------
    DataError
        If ``omega``'s marginal on ``given`` is not of full support; the zero
        configuration is named.
    """
    return omega.condition(given)


def comb_disintegrate(omega, a, b, c):
    """Split a joint into a 2-comb ``f`` and the channel ``g`` that fills its hole.

    Parameters
    ----------
    omega : Distribution
        Joint over (at least) ``a + b + c``; other variables are marginalised.
    a, b, c : str or sequence of str
        Disjoint variable groups (``c`` may be empty).

    Returns
    -------
    f : Channel
        Inputs ``b``, outputs ``a + c``: ``f(a, c | b) = omega(a) omega(c | a, b)``.
    g : Channel
        Inputs ``a``, outputs ``b``: ``g(b | a) = omega(b | a)``.

    Raises
    ------
    DataError
        If ``omega(a, b)`` is not of full support (the zero configuration is
        named) or the groups overlap.

    Notes
    -----
    ``comb_compose(f, g)`` gives back ``omega``'s marginal on ``a + b + c``,
    and the pair is unique with that property (Jacobs, Kissinger and Zanasi
    2019, Proposition 6.1).

    Examples
    --------
    >>> omega = Distribution(["S", "T", "C"], [0.50, 0.10, 0.01, 0.02, 0.10, 0.05, 0.02, 0.20])
    >>> f, g = comb_disintegrate(omega, "S", "T", "C")
    >>> g.array.round(8).tolist()
    [[0.95238095, 0.40540541], [0.04761905, 0.59459459]]
    """
    a, b, c = _as_names(a, "a"), _as_names(b, "b"), _as_names(c, "c")
    groups = a + b + c
    if len(set(groups)) != len(groups):
        raise DataError(f"the groups a={list(a)}, b={list(b)}, c={list(c)} overlap")
    joint = omega.marginal(groups)
    g = joint.marginal(a + b).condition(a)  # outputs b, inputs a
    pab = joint.marginal(a + b).array
    zero = np.argwhere(pab <= 0)
    if len(zero):
        idx = zero[0]
        cfg = ", ".join(f"{n}={joint.states[n][i]!r}" for n, i in zip(a + b, idx))
        raise DataError(f"comb disintegration needs omega({', '.join(a + b)}) > 0 everywhere; "
                        f"({cfg}) has probability zero")
    pa = joint.marginal(a).array
    pc_given_ab = joint.array / pab.reshape(pab.shape + (1,) * len(c))
    f_arr = pa.reshape(pa.shape + (1,) * (len(b) + len(c))) * pc_given_ab  # axes a, b, c
    # reorder to outputs (a, c) then inputs (b)
    na, nb, nc = len(a), len(b), len(c)
    perm = list(range(na)) + list(range(na + nb, na + nb + nc)) + list(range(na, na + nb))
    f = Channel(a + c, b, np.transpose(f_arr, perm), {n: joint.states[n] for n in groups}, check=False)
    return f, g


def comb_compose(f, g):
    """Plug the channel ``g : A -> B`` into the hole of the 2-comb ``f : B -> A (x) C``.

    Parameters
    ----------
    f : Channel
        Inputs ``B``; outputs ``A`` and ``C`` with the ``A``-marginal not
        depending on ``B``.
    g : Channel
        Inputs ``A`` (a subset of ``f``'s outputs), outputs ``B`` (``f``'s
        inputs).

    Returns
    -------
    Distribution
        ``omega(a, b, c) = g(b | a) f(a, c | b)`` over ``A + B + C``.

    Raises
    ------
    DataError
        If the shapes do not fit or ``f`` is not a comb (its ``A``-output
        depends on its input).
    """
    a = g.inputs
    b = g.outputs
    if set(f.inputs) != set(b):
        raise DataError(f"g outputs {list(b)} but f takes {list(f.inputs)}; they must match")
    missing = [n for n in a if n not in f.outputs]
    if missing:
        raise DataError(f"g reads {missing}, which f does not output (f outputs {list(f.outputs)})")
    c = tuple(n for n in f.outputs if n not in a)
    fa = np.transpose(f.array, [f.names.index(n) for n in a + c + b])
    # comb condition: discard_C . f does not depend on B
    marg = fa.sum(axis=tuple(range(len(a), len(a) + len(c)))) if c else fa
    flat = marg.reshape(marg.shape[:len(a)] + (-1,))
    if flat.shape[-1] > 1 and np.max(np.abs(flat - flat[..., :1])) > 1e-9:
        raise DataError("f is not a comb: the distribution of its outputs "
                        f"{list(a)} depends on its inputs {list(b)}")
    ga = np.transpose(g.array, [g.names.index(n) for n in b + a])  # axes b, a
    # omega[a, b, c] = g[b, a] * f[a, c, b]
    na, nb, nc = len(a), len(b), len(c)
    la, lb, lc = list(range(na)), list(range(na, na + nb)), list(range(na + nb, na + nb + nc))
    out = np.einsum(ga, lb + la, fa, la + lc + lb, la + lb + lc)
    states = {**f.states, **g.states}
    return Distribution(a + b + c, out, {n: states[n] for n in a + b + c}, check=False)


def cut_comb(f, variable):
    """Cut one ``A``-output of a 2-comb: discard it, then put a uniform state in its place.

    Parameters
    ----------
    f : Channel
        A comb ``B -> A (x) C`` from :func:`comb_disintegrate`.
    variable : str
        An output of ``f``.

    Returns
    -------
    Channel
        ``f'(a, c | b) = u(x) * sum_x' f(a[x := x'], c | b)``, same axes as ``f``.

    Notes
    -----
    This equals the interpretation of ``cut_X`` applied to the comb's
    diagram exactly when, inside that diagram, ``X``'s wire only leaves the
    comb (every child of ``X`` sits in the hole ``g``); then removing
    ``X``'s box is the same as discarding its output (normalisation), and
    :func:`~causalkit.reasoning.identify` checks this condition.
    """
    if variable not in f.outputs:
        raise NodeNotFound(f"{variable!r} is not an output of f; its outputs are {list(f.outputs)}")
    ax = f.names.index(variable)
    k = f.array.shape[ax]
    summed = f.array.sum(axis=ax, keepdims=True)
    arr = np.broadcast_to(summed / k, f.array.shape).copy()
    return Channel(f.outputs, f.inputs, arr, f.states, check=False)

