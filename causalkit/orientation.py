"""Orientation rules on partially directed graphs: v-structures and Meek's rules.

The functions work on two boolean matrices over node indices, which is what the
discovery algorithms manipulate in their inner loops:

- ``directed[i, j]`` is True when the graph has ``i --> j``;
- ``undirected[i, j]`` (symmetric) is True when it has ``i --- j``.

Meek's rules (Meek 1995, "Causal inference and causal explanation with
background knowledge", UAI) orient an undirected edge when every other choice
would create a new v-structure or a directed cycle:

- R1: ``a --> b --- c`` with ``a``, ``c`` non-adjacent  =>  ``b --> c``
- R2: ``a --> c --> b`` and ``a --- b``  =>  ``a --> b``
- R3: ``a --- c --> b``, ``a --- d --> b``, ``c``, ``d`` non-adjacent, ``a --- b``  =>  ``a --> b``
- R4: ``a --- c --> d --> b`` with ``c``, ``b`` non-adjacent, ``a`` adjacent to
  ``d``, ``a --- b``  =>  ``a --> b``

R1-R3 are complete for a pattern without background knowledge; R4 is needed
once background knowledge has oriented some edges.
"""

import numpy as np

__all__ = ["apply_meek_rules", "dag_to_cpdag_matrices", "v_structures"]


def _adjacent(directed, undirected):
    return directed | directed.T | undirected


def apply_meek_rules(directed, undirected, *, rule4=True, forbidden=None, ambiguous=None,
                     return_conflicts=False):
    """Close a PDAG under Meek's rules R1-R4, in place order-independently.

    Parameters
    ----------
    directed, undirected : ndarray of bool, shape (d, d)
        The PDAG (see the module docstring). Not modified.
    rule4 : bool, default True
        Also apply R4 (needed with background knowledge).
    forbidden : ndarray of bool, optional
        ``forbidden[i, j]`` True means ``i --> j`` must not be created (background
        knowledge); such an orientation is skipped. Forbidding both directions
        of an edge keeps it undirected.
    ambiguous : iterable of (int, int, int), optional
        Unshielded triples ``(a, b, c)`` whose middle node is of unknown status
        (neither collider nor non-collider; see the conservative collider
        rule of PC). R1 and R3 reason from non-colliders, so they do not use
        these triples. The order of ``a`` and ``c`` does not matter.
    return_conflicts : bool, default False
        Also return the conflict matrix (below).

    Returns
    -------
    directed, undirected : ndarray of bool
        The closed PDAG.
    conflicts : ndarray of bool, symmetric
        Only with ``return_conflicts=True``: the undirected edges for which the
        rules implied both directions at once. That happens only when the
        input PDAG has no consistent DAG extension (for example colliders
        estimated from noisy tests); such an edge is left undirected for good.

    Notes
    -----
    Each pass finds every edge that some rule orients in the current graph and
    orients them all at once, so the result does not depend on the node order.
    """
    D = np.array(directed, dtype=bool, copy=True)
    U = np.array(undirected, dtype=bool, copy=True)
    U &= U.T
    np.fill_diagonal(U, False)
    conflicts = np.zeros_like(U)
    amb = set()
    for a, b, c in ambiguous or ():
        amb.add((int(a), int(b), int(c)))
        amb.add((int(c), int(b), int(a)))
    while True:
        A = _adjacent(D, U)
        nonadj = ~A
        np.fill_diagonal(nonadj, False)
        Di, NAi = D.astype(np.int32), nonadj.astype(np.int32)
        # R1: some a with a --> b and a not adjacent to c orients b --- c as b --> c
        r1 = Di.T @ NAi
        for a, b, c in amb:
            # this triple does not count as a reason for R1
            if D[a, b] and nonadj[a, c]:
                r1[b, c] -= 1
        new = (r1 > 0) & U
        # R2: some c with a --> c --> b orients a --- b as a --> b
        new |= ((Di @ Di) > 0) & U
        # R3: two non-adjacent c, d with a --- c --> b and a --- d --> b
        r3 = np.zeros_like(U)
        d = U.shape[0]
        for a in range(d):
            for b in np.flatnonzero(U[a]):
                cs = np.flatnonzero(U[a] & D[:, b])
                if len(cs) < 2:
                    continue
                pairs = np.argwhere(nonadj[np.ix_(cs, cs)])
                if amb:
                    pairs = [(i, j) for i, j in pairs if (int(cs[i]), a, int(cs[j])) not in amb]
                if len(pairs):
                    r3[a, b] = True
        new |= r3
        if rule4:
            r4 = np.zeros_like(U)
            for a in range(d):
                for b in np.flatnonzero(U[a]):
                    # d: a adjacent to d, d --> b; c: a --- c, c --> d, c not adjacent to b
                    for dd in np.flatnonzero(A[a] & D[:, b]):
                        if np.any(U[a] & D[:, dd] & nonadj[:, b]):
                            r4[a, b] = True
                            break
            new |= r4
        if forbidden is not None:
            new &= ~np.asarray(forbidden, dtype=bool)
        # An edge both of whose directions are implied at once is left undirected,
        # now and in later passes; that only happens on an inconsistent PDAG.
        conflicts |= new & new.T
        new &= ~conflicts
        if not new.any():
            return (D, U, conflicts) if return_conflicts else (D, U)
        D |= new
        U &= ~(new | new.T)


def v_structures(directed):
    """Set of v-structures ``(a, b, c)`` with ``a --> b <-- c``, ``a < c`` non-adjacent."""
    D = np.asarray(directed, dtype=bool)
    A = D | D.T
    out = set()
    for b in range(D.shape[0]):
        pa = np.flatnonzero(D[:, b])
        for x in range(len(pa)):
            for y in range(x + 1, len(pa)):
                a, c = pa[x], pa[y]
                if not A[a, c]:
                    out.add((int(a), int(b), int(c)))
    return out


def dag_to_cpdag_matrices(directed):
    """CPDAG of a DAG given as a boolean matrix ``directed[i, j]`` = ``i --> j``.

    Returns ``(directed, undirected)`` of the CPDAG: the skeleton, the
    v-structures oriented, then closed under Meek's rules R1-R3.
    """
    D = np.asarray(directed, dtype=bool)
    keep = np.zeros_like(D)
    for a, b, c in v_structures(D):
        keep[a, b] = keep[c, b] = True
    U = (D | D.T) & ~(keep | keep.T)
    return apply_meek_rules(keep, U, rule4=False)
