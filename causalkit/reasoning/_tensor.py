"""Named-axis tensor helpers shared by the reasoning modules.

A *factor* here is a pair ``(axes, array)``: ``axes`` is a tuple of hashable
labels (variable names or wire ids), one per array dimension, with no label
repeated. Products and sums are written as ``numpy.einsum`` calls over integer
sublists, so labels need not be letters.
"""

from __future__ import annotations

import math

import numpy as np

# numpy.einsum accepts at most 52 distinct labels in one call
_MAX_LABELS = 52


def diagonal(axes, array):
    """Collapse repeated labels of ``axes`` onto their diagonal; return the new factor."""
    if len(set(axes)) == len(axes):
        return tuple(axes), array
    uniq = tuple(dict.fromkeys(axes))
    ids = {a: i for i, a in enumerate(uniq)}
    return uniq, np.einsum(array, [ids[a] for a in axes], [ids[a] for a in uniq])


def product(factors, out_axes):
    """Multiply factors and sum every label not in ``out_axes``.

    Parameters
    ----------
    factors : list of (tuple, ndarray)
        Factors; every label of ``out_axes`` must occur in at least one.
    out_axes : sequence
        Labels of the result, in order.

    Returns
    -------
    ndarray
        Axes in the order of ``out_axes``.
    """
    labels = {}
    for axes, _ in factors:
        for a in axes:
            labels.setdefault(a, len(labels))
    if len(labels) > _MAX_LABELS:
        raise ValueError(
            f"a single contraction step would involve {len(labels)} variables (numpy.einsum "
            f"handles at most {_MAX_LABELS}); the query's elimination width is too large"
        )
    ops = []
    for axes, arr in factors:
        ops.append(arr)
        ops.append([labels[a] for a in axes])
    ops.append([labels[a] for a in out_axes])
    if len(factors) == 1 and tuple(factors[0][0]) == tuple(out_axes):
        return factors[0][1]
    return np.einsum(*ops, optimize=len(factors) > 2)


def align(axes, array, out_axes, sizes):
    """Transpose and broadcast a factor to ``out_axes`` (labels missing from ``axes`` repeat)."""
    missing = [a for a in out_axes if a not in axes]
    extra = [a for a in axes if a not in out_axes]
    if extra:
        raise ValueError(f"cannot align: axes {extra} are not in {list(out_axes)}")
    full_axes = tuple(axes) + tuple(missing)
    arr = array.reshape(array.shape + (1,) * len(missing))
    perm = [full_axes.index(a) for a in out_axes]
    arr = np.transpose(arr, perm)
    return np.broadcast_to(arr, tuple(sizes[a] for a in out_axes))


def eliminate(factors, keep, sizes, order=None):
    """Variable elimination: contract ``factors`` down to the labels ``keep``.

    Each step picks the label whose elimination creates the smallest
    intermediate factor (greedy min-size order, Kjaerulff 1990) unless
    ``order`` is given, multiplies only the factors that carry it and sums it
    out. The joint over all labels is never formed.

    Parameters
    ----------
    factors : list of (tuple, ndarray)
        Factors with distinct labels within each.
    keep : sequence
        Labels of the result, in order.
    sizes : dict
        Label -> dimension, for every label.
    order : sequence, optional
        Elimination order of the summed labels (all of them).

    Returns
    -------
    ndarray
        Axes in the order of ``keep``.
    """
    keep = tuple(keep)
    keep_set = set(keep)
    facs = {}
    where = {}
    for i, (axes, arr) in enumerate(factors):
        facs[i] = (tuple(axes), arr)
        for a in axes:
            where.setdefault(a, set()).add(i)
    next_id = len(facs)
    internal = [a for a in where if a not in keep_set]
    logsize = {a: math.log(sizes[a]) for a in where}
    pending = set(internal)
    order = list(order) if order is not None else None
    while pending:
        if order is not None:
            v = order.pop(0)
            if v not in pending:
                continue
        else:
            best, v = None, None
            for cand in pending:
                scope = set()
                for fid in where[cand]:
                    scope.update(facs[fid][0])
                cost = sum(logsize[a] for a in scope)
                if best is None or cost < best:
                    best, v = cost, cand
        fids = where.pop(v)
        pending.discard(v)
        scope = []
        for fid in fids:
            for a in facs[fid][0]:
                if a != v and a not in scope:
                    scope.append(a)
        arr = product([facs[fid] for fid in fids], scope)
        for fid in fids:
            for a in facs[fid][0]:
                if a != v:
                    where[a].discard(fid)
            del facs[fid]
        facs[next_id] = (tuple(scope), arr)
        for a in scope:
            where[a].add(next_id)
        next_id += 1
    rest = list(facs.values())
    for a in keep:
        if a not in where:
            rest.append(((a,), np.ones(sizes[a])))
    if not rest:
        return np.array(1.0)
    return product(rest, keep)
