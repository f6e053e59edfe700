"""Semantics of string diagrams: stochastic matrices, contracted factor by factor.

An :class:`Interpretation` (a CDU functor into finite stochastic matrices,
Jacobs, Kissinger and Zanasi 2019, Section 3) gives every wire type (variable)
a finite set of states and every box ``name : A1..An -> B1..Bm`` a table of
shape ``(|B1|, ..., |Bm|, |A1|, ..., |An|)`` that sums to one over the output
axes. Copy is the diagonal, discard the all-ones row, uniform the flat vector.

:func:`evaluate` computes the channel a diagram denotes without ever forming
the product of all its boxes:

1. boxes none of whose outputs reach the diagram's outputs are dropped (a
   stochastic box followed by discard is discard of its inputs: the
   normalisation equation of CDU categories), so only the ancestral part of
   the diagram is evaluated;
2. the remaining boxes are factors on wires, and internal wires are summed out
   one at a time in a greedy min-size elimination order (variable
   elimination), each step multiplying only the factors that carry the wire.
"""

from __future__ import annotations

import numpy as np

from ..exceptions import DataError, GraphError, NodeNotFound
from . import _tensor
from .diagram import Box, Diagram, _as_diagram
from .distribution import ATOL, Channel, Distribution

__all__ = ["Interpretation", "evaluate"]


class Interpretation:
    """Finite sets for wire types and stochastic matrices for boxes.

    Parameters
    ----------
    states : dict
        Variable -> number of states, or -> sequence of state labels.
    boxes : dict
        Box name -> array of shape ``cod sizes + dom sizes`` (outputs first),
        or a :class:`Channel` whose outputs and inputs are the box's wire
        types (its axes are reordered to the box's order).

    Examples
    --------
    >>> from causalkit.reasoning import Box
    >>> F = Interpretation({"S": 2, "T": 2}, {"T": [[0.9, 0.4], [0.1, 0.6]]})
    >>> evaluate(Box("T", ["S"], ["T"]), F).array.round(2).tolist()
    [[0.9, 0.4], [0.1, 0.6]]
    """

    def __init__(self, states, boxes):
        self.states = {}
        for v, s in dict(states).items():
            if isinstance(s, (int, np.integer)) and not isinstance(s, bool):
                if s < 1:
                    raise DataError(f"variable {v!r} must have at least one state; got {s}")
                self.states[str(v)] = tuple(range(int(s)))
            else:
                labels = tuple(s)
                if not labels or len(set(labels)) != len(labels):
                    raise DataError(f"states of {v!r} must be distinct and non-empty; got {list(labels)}")
                self.states[str(v)] = labels
        self.boxes = dict(boxes)
        self._cache = {}

    def size(self, var):
        """Number of states of ``var``."""
        try:
            return len(self.states[var])
        except KeyError:
            raise NodeNotFound(
                f"the interpretation gives no states for wire type {var!r}; it knows {sorted(self.states)}"
            ) from None

    def matrix(self, box):
        """The validated table of ``box`` (outputs first, then inputs)."""
        if box.kind == "uniform":
            (t,) = box.cod
            k = self.size(t)
            return np.full(k, 1.0 / k)
        if box.kind == "discard":
            (t,) = box.dom
            return np.ones(self.size(t))
        key = (box.name, box.dom, box.cod)
        if key in self._cache:
            return self._cache[key]
        if box.name not in self.boxes:
            raise NodeNotFound(
                f"the interpretation has no table for box {box.name!r}; it has {sorted(self.boxes)}"
            )
        raw = self.boxes[box.name]
        shape = tuple(self.size(t) for t in box.cod + box.dom)
        if isinstance(raw, Channel):
            if set(raw.outputs) != set(box.cod) or set(raw.inputs) != set(box.dom) \
                    or len(set(box.cod + box.dom)) != len(box.cod + box.dom):
                raise DataError(
                    f"the channel for box {box.name!r} maps {list(raw.inputs)} -> {list(raw.outputs)} "
                    f"but the box maps {list(box.dom)} -> {list(box.cod)}"
                )
            names = raw.names
            arr = np.transpose(raw.array, [names.index(t) for t in box.cod + box.dom])
        else:
            try:
                arr = np.asarray(raw, dtype=float)
            except (TypeError, ValueError):
                raise DataError(f"the table for box {box.name!r} is not a numeric array: {raw!r}") from None
        if arr.shape != shape:
            raise DataError(
                f"the table for box {box.name!r} has shape {arr.shape}; the box "
                f"{list(box.dom)} -> {list(box.cod)} needs {shape} (outputs first, then inputs)"
            )
        _check_stochastic(arr, len(box.cod), f"box {box.name!r}", box.dom,
                          [self.states[t] for t in box.dom])
        self._cache[key] = arr
        return arr


def _check_stochastic(arr, n_out, what, in_names, in_labels):
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise DataError(f"the table of {what} is not stochastic: it has negative, NaN or inf entries")
    sums = arr.reshape((-1,) + arr.shape[n_out:]).sum(axis=0)
    bad = np.argwhere(np.abs(sums - 1.0) > ATOL)
    if len(bad):
        idx = tuple(int(i) for i in bad[0])
        cfg = ", ".join(f"{n}={lab[i]!r}" for n, lab, i in zip(in_names, in_labels, idx))
        raise DataError(
            f"the table of {what} is not stochastic: its column for inputs ({cfg}) sums to "
            f"{float(sums[idx]):.10g}, not 1"
        )


def _boundary_names(types):
    seen = {}
    out = []
    for t in types:
        seen[t] = seen.get(t, 0) + 1
        out.append(t if seen[t] == 1 else f"{t}#{seen[t]}")
    return out


def contract(diagram, interpretation, outputs, evidence=None, order=None):
    """Evaluate part of a diagram: an array over the wires ``outputs``.

    Parameters
    ----------
    diagram : Diagram
    interpretation : Interpretation
    outputs : sequence of int
        Wire ids to keep (any wire, internal or boundary), in order;
        repeats allowed.
    evidence : dict, optional
        Wire id -> state index; factors are sliced there (the result is then
        the unnormalised joint with that event).
    order : sequence of int, optional
        Elimination order of the summed wires.

    Returns
    -------
    ndarray
        One axis per entry of ``outputs``.
    """
    evidence = dict(evidence or {})
    needed = set(outputs) | set(evidence)
    kept = []
    # nodes are stored in an order where producers precede consumers
    for node in reversed(diagram.nodes):
        box, ins, outs = node
        if box.kind == "discard":
            continue
        if needed.intersection(outs):
            kept.append(node)
            needed.update(ins)
    sizes = {w: interpretation.size(t) for w, t in enumerate(diagram.types)}
    factors = []
    for box, ins, outs in kept:
        arr = interpretation.matrix(box)
        axes, arr = _tensor.diagonal(tuple(outs) + tuple(ins), arr)
        if evidence and any(a in evidence for a in axes):
            idx = tuple(evidence[a] if a in evidence else slice(None) for a in axes)
            arr = arr[idx]
            axes = tuple(a for a in axes if a not in evidence)
        factors.append((axes, arr))
    labels = []
    for w in outputs:
        if w in evidence:
            raise GraphError(f"wire {w} ({diagram.types[w]!r}) is both an output and evidence")
        if w in labels:
            fresh = ("slot", len(labels))
            sizes[fresh] = sizes[w]
            factors.append(((w, fresh), np.eye(sizes[w])))
            labels.append(fresh)
        else:
            labels.append(w)
    return _tensor.eliminate(factors, labels, sizes, order=order)


def evaluate(diagram, interpretation):
    """The channel (or distribution) a diagram denotes under an interpretation.

    Parameters
    ----------
    diagram : Diagram or Box
    interpretation : Interpretation

    Returns
    -------
    Channel or Distribution
        Outputs named by the diagram's output types (a repeated type gets a
        suffix ``#2``, ``#3``...), inputs by its input types. A diagram
        without inputs gives a :class:`Distribution`.

    Raises
    ------
    NodeNotFound
        If a box or wire type has no table or states.
    DataError
        If a box's table has the wrong shape or is not stochastic.

    Notes
    -----
    Only the boxes upstream of the outputs are contracted, wire by wire; to
    query a marginal, compose with :func:`~causalkit.reasoning.discard` first
    and the discarded part is never evaluated.

    Examples
    --------
    >>> from causalkit.reasoning import Box, copy
    >>> F = Interpretation({"S": 2}, {"S": [0.7, 0.3]})
    >>> evaluate(Box("S", [], ["S"]) >> copy("S"), F).array.tolist()
    [[0.7, 0.0], [0.0, 0.3]]
    """
    diagram = _as_diagram(diagram) if isinstance(diagram, (Box, Diagram)) else diagram
    if not isinstance(diagram, Diagram):
        raise GraphError(f"evaluate needs a Diagram or Box; got {type(diagram).__name__}")
    arr = contract(diagram, interpretation, diagram.cod + diagram.dom)
    out_names = _boundary_names(diagram.cod_types)
    in_names = _boundary_names(diagram.dom_types)
    clash = set(out_names) & set(in_names)
    if clash:
        in_names = [f"{n}@in" if n in clash else n for n in in_names]
    states = {}
    for n, t in zip(out_names + in_names, diagram.cod_types + diagram.dom_types):
        states[n] = interpretation.states[t]
    if not in_names:
        return Distribution(out_names, arr, states, check=False)
    return Channel(out_names, in_names, np.ascontiguousarray(arr), states, check=False)
