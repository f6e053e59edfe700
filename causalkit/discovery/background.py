"""Background knowledge: what the analyst knows about the graph before looking at data.

Three kinds of statement are accepted, all by node name:

- ``required=[(a, b), ...]``: the edge ``a --> b`` is in the graph. It is never
  removed from the skeleton (and never tested), and it is oriented ``a --> b``
  before the orientation rules run.
- ``forbidden=[(a, b), ...]``: the edge ``a --> b`` is not in the graph. If
  ``b --> a`` is forbidden too, ``a`` and ``b`` are not adjacent: the pair is
  removed before the first test. Otherwise, should ``a`` and ``b`` end up
  adjacent, the edge is oriented ``b --> a``; no rule ever puts an arrowhead
  at ``b`` from ``a``.
- ``tiers``: a temporal or logical order, as ``{name: tier}`` or as a list of
  lists (tier 0 first). A node never causes a node in an earlier tier, so
  ``a --> b`` is forbidden whenever ``tier(a) > tier(b)``. Nodes without a
  tier are unconstrained. ``forbid_within_tiers=True`` also forbids edges
  between two nodes of the same tier.

These are the three kinds of knowledge of Meek (1995) and of the tiered
(temporal) knowledge used by Tetrad and causal-learn. Contradictory statements
(an edge both required and forbidden, a required 2-cycle or directed cycle)
are rejected when the knowledge meets the data's node names.

References
----------
Meek, C. (1995). Causal inference and causal explanation with background
knowledge. *UAI*, 403-410.
"""

from __future__ import annotations

import numpy as np

from ..exceptions import GraphError, NodeNotFound

__all__ = ["BackgroundKnowledge"]


def _pairs(pairs, argname):
    out = []
    for p in pairs or ():
        p = tuple(p)
        if len(p) != 2:
            raise GraphError(f"{argname} holds (source, target) pairs; got {p!r}")
        a, b = str(p[0]), str(p[1])
        if a == b:
            raise GraphError(f"{argname} holds a self-loop {p!r}")
        out.append((a, b))
    return tuple(dict.fromkeys(out))


def _tiers(tiers):
    if tiers is None:
        return {}
    if isinstance(tiers, dict):
        out = {}
        for name, t in tiers.items():
            try:
                out[str(name)] = int(t)
            except (TypeError, ValueError):
                raise GraphError(f"tiers maps names to integer tiers; got {name!r}: {t!r}") from None
        return out
    out = {}
    for t, group in enumerate(tiers):
        if isinstance(group, str):
            raise GraphError("tiers as a list must be a list of lists of names, e.g. [['a'], ['b', 'c']]")
        for name in group:
            name = str(name)
            if name in out:
                raise GraphError(f"node {name!r} is in more than one tier")
            out[name] = t
    return out


class BackgroundKnowledge:
    """Required and forbidden edges and tiers, given by node name.

    Parameters
    ----------
    required : list of (str, str), optional
        Edges ``a --> b`` known to be present.
    forbidden : list of (str, str), optional
        Edges ``a --> b`` known to be absent (in that direction).
    tiers : dict of {str: int} or list of list of str, optional
        Temporal tiers; ``a --> b`` is forbidden when ``a`` is in a later tier
        than ``b``.
    forbid_within_tiers : bool, default False
        Also forbid edges (both directions) between nodes of the same tier.

    Raises
    ------
    GraphError
        Malformed pairs or tiers (checked here); contradictions (checked by
        :meth:`matrices` against the node names).

    Examples
    --------
    >>> bk = BackgroundKnowledge(required=[("age", "income")], tiers=[["age"], ["income", "spend"]])
    >>> bk.is_forbidden("spend", "age")
    True
    >>> bk.is_required("age", "income")
    True
    """

    def __init__(self, required=(), forbidden=(), tiers=None, *, forbid_within_tiers=False):
        self.required = _pairs(required, "required")
        self.forbidden = _pairs(forbidden, "forbidden")
        self.tiers = _tiers(tiers)
        self.forbid_within_tiers = bool(forbid_within_tiers)

    @property
    def nodes(self):
        """frozenset of str : every node the knowledge mentions."""
        out = {n for p in self.required + self.forbidden for n in p}
        return frozenset(out | set(self.tiers))

    def is_forbidden(self, a, b):
        """Whether ``a --> b`` is forbidden (explicitly or by the tiers)."""
        a, b = str(a), str(b)
        if (a, b) in self.forbidden:
            return True
        if a in self.tiers and b in self.tiers:
            ta, tb = self.tiers[a], self.tiers[b]
            return ta > tb or (self.forbid_within_tiers and ta == tb)
        return False

    def is_required(self, a, b):
        """Whether ``a --> b`` is required."""
        return (str(a), str(b)) in self.required

    def matrices(self, names):
        """The knowledge as boolean matrices over ``names``.

        Parameters
        ----------
        names : list of str
            The variables, in column order.

        Returns
        -------
        required, forbidden : ndarray of bool, shape (d, d)
            ``required[i, j]``: ``names[i] --> names[j]`` is required;
            ``forbidden[i, j]``: it is forbidden.

        Raises
        ------
        NodeNotFound
            If the knowledge names a node that is not in ``names``.
        GraphError
            If it contradicts itself: an edge both required and forbidden, or
            required edges that form a directed cycle.
        """
        names = [str(n) for n in names]
        index = {n: i for i, n in enumerate(names)}
        unknown = sorted(self.nodes - set(index))
        if unknown:
            raise NodeNotFound(
                f"background knowledge names nodes that are not in the data: {unknown}; "
                f"the variables are {names}"
            )
        d = len(names)
        R = np.zeros((d, d), dtype=bool)
        F = np.zeros((d, d), dtype=bool)
        for a, b in self.required:
            R[index[a], index[b]] = True
        for a, b in self.forbidden:
            F[index[a], index[b]] = True
        if self.tiers:
            t = np.array([self.tiers.get(n, np.nan) for n in names], dtype=float)
            known = ~np.isnan(t)
            both = known[:, None] & known[None, :]
            later = t[:, None] > t[None, :]
            F |= both & later
            if self.forbid_within_tiers:
                same = both & (t[:, None] == t[None, :])
                np.fill_diagonal(same, False)
                F |= same
        clash = np.argwhere(R & F)
        if len(clash):
            i, j = clash[0]
            raise GraphError(
                f"background knowledge both requires and forbids {names[i]} --> {names[j]}"
                + (" (forbidden by the tiers)" if (names[i], names[j]) not in self.forbidden else "")
            )
        cyc = _find_cycle(R)
        if cyc:
            raise GraphError(
                "required edges form a directed cycle: " + " --> ".join(names[i] for i in cyc + [cyc[0]])
            )
        return R, F

    def __repr__(self):
        parts = []
        if self.required:
            parts.append(f"required={list(self.required)}")
        if self.forbidden:
            parts.append(f"forbidden={list(self.forbidden)}")
        if self.tiers:
            parts.append(f"tiers={self.tiers}")
        if self.forbid_within_tiers:
            parts.append("forbid_within_tiers=True")
        return f"BackgroundKnowledge({', '.join(parts)})"

    def __eq__(self, other):
        if not isinstance(other, BackgroundKnowledge):
            return NotImplemented
        return (set(self.required) == set(other.required) and set(self.forbidden) == set(other.forbidden)
                and self.tiers == other.tiers and self.forbid_within_tiers == other.forbid_within_tiers)

    __hash__ = None


def _find_cycle(adj):
    """A directed cycle of the boolean matrix ``adj`` as a list of indices, or None."""
    d = adj.shape[0]
    state = np.zeros(d, dtype=np.int8)  # 0 new, 1 on stack, 2 done
    for root in range(d):
        if state[root]:
            continue
        stack = [(root, iter(np.flatnonzero(adj[root])))]
        path = [root]
        state[root] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
                path.pop()
            elif state[nxt] == 1:
                return [int(i) for i in path[path.index(nxt):]]
            elif state[nxt] == 0:
                state[nxt] = 1
                stack.append((nxt, iter(np.flatnonzero(adj[nxt]))))
                path.append(nxt)
    return None
