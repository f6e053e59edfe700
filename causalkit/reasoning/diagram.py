"""String diagrams: the syntax of causal models (Jacobs, Kissinger and Zanasi 2019).

A string diagram is built from *boxes* with typed input and output wires,
composed in sequence (``f >> g``: the outputs of ``f`` feed the inputs of
``g``) and in parallel (``f @ g``), together with the structure every wire
type carries in a CDU category: ``copy`` (one wire to several), ``discard``
(a wire to nothing), ``uniform`` (nothing to a uniformly distributed wire) and
``swap``. Wire types are variable names.

Internally a :class:`Diagram` is an open hypergraph: wires are numbered, each
box occurrence lists the wires it reads and writes, and the boundary lists the
wires that enter (``dom``) and leave (``cod``). Copying a wire is the same wire
read in several places, discarding it is reading it nowhere. This is the form
in which evaluation (:mod:`causalkit.reasoning.semantics`) contracts factors,
and in which :func:`causalkit.reasoning.surgery.cut` replaces a box.

:func:`network` builds the causal network diagram of a DAG: one box
``c_v : pa(v) -> v`` per variable, every output copied to its children and,
for observed variables, to the diagram's output.

References
----------
B. Jacobs, A. Kissinger and F. Zanasi, "Causal inference by string diagram
surgery", FoSSaCS 2019, LNCS 11425, pp. 313-329 (arXiv:1811.08338).
"""

from __future__ import annotations

from ..exceptions import GraphError
from ..graph import CausalGraph

__all__ = ["Box", "Diagram", "identity", "copy", "discard", "uniform", "swap", "network", "draw"]

BOX_KINDS = ("box", "uniform", "discard")


def _types(t):
    if isinstance(t, str):
        return (t,)
    return tuple(str(x) for x in t)


class Box:
    """A generator ``name : dom -> cod`` of a string diagram.

    Parameters
    ----------
    name : str
        The box's name; an :class:`~causalkit.reasoning.semantics.Interpretation`
        assigns it a stochastic matrix by this name.
    dom, cod : str or sequence of str
        Input and output wire types (variable names).
    kind : {"box", "uniform", "discard"}, default "box"
        ``"uniform"`` and ``"discard"`` are the CDU structure, interpreted
        without a table.

    Examples
    --------
    >>> c_T = Box("T", ["S"], ["T"])
    >>> (c_T >> copy("T")).cod_types
    ('T', 'T')
    """

    __slots__ = ("name", "dom", "cod", "kind")

    def __init__(self, name, dom, cod, kind="box"):
        if kind not in BOX_KINDS:
            raise GraphError(f"kind must be one of {BOX_KINDS}; got {kind!r}")
        self.name = str(name)
        self.dom = _types(dom)
        self.cod = _types(cod)
        self.kind = kind

    def to_diagram(self):
        n_in, n_out = len(self.dom), len(self.cod)
        ins = tuple(range(n_in))
        outs = tuple(range(n_in, n_in + n_out))
        return Diagram(ins, outs, self.dom + self.cod, [(self, ins, outs)])

    def __rshift__(self, other):
        return self.to_diagram() >> other

    def __rrshift__(self, other):
        return _as_diagram(other) >> self.to_diagram()

    def __matmul__(self, other):
        return self.to_diagram() @ other

    def __rmatmul__(self, other):
        return _as_diagram(other) @ self.to_diagram()

    def __eq__(self, other):
        return isinstance(other, Box) and (self.name, self.dom, self.cod, self.kind) == (
            other.name, other.dom, other.cod, other.kind)

    def __hash__(self):
        return hash((self.name, self.dom, self.cod, self.kind))

    def __repr__(self):
        return f"Box({self.name!r}, {list(self.dom)} -> {list(self.cod)}" + (
            f", kind={self.kind!r})" if self.kind != "box" else ")")


def _as_diagram(x):
    if isinstance(x, Diagram):
        return x
    if isinstance(x, Box):
        return x.to_diagram()
    raise TypeError(f"expected a Diagram or Box; got {type(x).__name__}")


class Diagram:
    """A string diagram ``dom -> cod`` (an open hypergraph of boxes and wires).

    Build diagrams from :class:`Box`, :func:`identity`, :func:`copy`,
    :func:`discard`, :func:`uniform`, :func:`swap` and :func:`network` with
    ``>>`` (sequential) and ``@`` (parallel) rather than calling this
    constructor.

    Parameters
    ----------
    dom, cod : tuple of int
        Wire ids on the input and output boundary (``cod`` may repeat a wire:
        a copy).
    types : tuple of str
        ``types[w]`` is the type (variable) of wire ``w``.
    nodes : list of (Box, tuple of int, tuple of int)
        Box occurrences with the wires they read and write.
    """

    __slots__ = ("dom", "cod", "types", "nodes")

    def __init__(self, dom, cod, types, nodes):
        self.dom = tuple(dom)
        self.cod = tuple(cod)
        self.types = tuple(types)
        self.nodes = tuple((b, tuple(i), tuple(o)) for b, i, o in nodes)
        if len(set(self.dom)) != len(self.dom):
            raise GraphError("a diagram's input boundary cannot list a wire twice")
        written = [w for _, _, outs in self.nodes for w in outs]
        if len(set(written)) != len(written) or set(written) & set(self.dom):
            raise GraphError("every wire has exactly one source (a box output or a diagram input)")

    @property
    def dom_types(self):
        """tuple of str: the input wire types."""
        return tuple(self.types[w] for w in self.dom)

    @property
    def cod_types(self):
        """tuple of str: the output wire types."""
        return tuple(self.types[w] for w in self.cod)

    @property
    def boxes(self):
        """list of :class:`Box`, one per occurrence, in construction order."""
        return [b for b, _, _ in self.nodes]

    def __rshift__(self, other):
        other = _as_diagram(other)
        if self.cod_types != other.dom_types:
            raise GraphError(
                f"cannot compose: the first diagram outputs {list(self.cod_types)} but the "
                f"second takes {list(other.dom_types)}"
            )
        remap = {}
        types = list(self.types)
        for w_other, w_self in zip(other.dom, self.cod):
            remap[w_other] = w_self
        for w, t in enumerate(other.types):
            if w not in remap:
                remap[w] = len(types)
                types.append(t)
        nodes = list(self.nodes) + [
            (b, tuple(remap[w] for w in i), tuple(remap[w] for w in o)) for b, i, o in other.nodes
        ]
        return Diagram(self.dom, tuple(remap[w] for w in other.cod), types, nodes)

    def __rrshift__(self, other):
        return _as_diagram(other) >> self

    def __matmul__(self, other):
        other = _as_diagram(other)
        k = len(self.types)
        sh = lambda ws: tuple(w + k for w in ws)  # noqa: E731
        nodes = list(self.nodes) + [(b, sh(i), sh(o)) for b, i, o in other.nodes]
        return Diagram(self.dom + sh(other.dom), self.cod + sh(other.cod),
                       self.types + other.types, nodes)

    def __rmatmul__(self, other):
        return _as_diagram(other) @ self

    def producer(self, wire):
        """The node index writing ``wire``, or None for an input wire."""
        for k, (_, _, outs) in enumerate(self.nodes):
            if wire in outs:
                return k
        return None

    def draw(self, ax=None, **kwargs):
        """Draw with matplotlib; see :func:`draw`."""
        return draw(self, ax=ax, **kwargs)

    def __repr__(self):
        names = ", ".join(b.name if b.kind == "box" else f"{b.kind}[{','.join(b.dom + b.cod)}]"
                          for b, _, _ in self.nodes)
        return f"Diagram({list(self.dom_types)} -> {list(self.cod_types)}; boxes: {names})"


def identity(types):
    """The identity diagram on ``types`` (a str or sequence of str)."""
    t = _types(types)
    ws = tuple(range(len(t)))
    return Diagram(ws, ws, t, [])


def copy(type_, n=2):
    """Copy one wire of type ``type_`` into ``n`` wires (``n=0`` is discard)."""
    (t,) = _types(type_)
    if n == 0:
        return discard(t)
    return Diagram((0,), (0,) * int(n), (t,), [])


def discard(types):
    """Discard wires of the given types (the counit of copy)."""
    t = _types(types)
    ws = tuple(range(len(t)))
    return Diagram(ws, (), t, [(Box("discard", (x,), (), kind="discard"), (w,), ()) for w, x in zip(ws, t)])


def uniform(types):
    """The uniform state on each of ``types`` (a state: no inputs)."""
    t = _types(types)
    ws = tuple(range(len(t)))
    return Diagram((), ws, t, [(Box("uniform", (), (x,), kind="uniform"), (), (w,)) for w, x in zip(ws, t)])


def swap(a, b):
    """Exchange two wires: ``a @ b -> b @ a``."""
    ta, tb = _types(a), _types(b)
    n, m = len(ta), len(tb)
    ws = tuple(range(n + m))
    return Diagram(ws, ws[n:] + ws[:n], ta + tb, [])


def network(graph):
    """The causal network diagram of a DAG with (optionally) latent variables.

    Parameters
    ----------
    graph : CausalGraph
        A DAG (``CausalGraph.from_edges(edges, latent=[...])``). Each variable
        ``v`` gets the box ``Box(v, parents(v), [v])``.

    Returns
    -------
    Diagram
        A state (no inputs) whose outputs are the observed variables in graph
        order; latent outputs are only read by their children.

    Raises
    ------
    GraphError
        If the graph has a cycle or edges other than ``-->`` without lag.

    Examples
    --------
    >>> g = CausalGraph.from_edges([("H", "S"), ("S", "T"), ("T", "C"), ("H", "C")], latent=["H"])
    >>> network(g).cod_types
    ('S', 'T', 'C')
    """
    check_dag(graph)
    order = graph.topological_order()
    wire = {v: i for i, v in enumerate(order)}
    nodes = []
    for v in order:
        pa = graph.parents(v)
        nodes.append((Box(v, pa, (v,)), tuple(wire[p] for p in pa), (wire[v],)))
    cod = tuple(wire[v] for v in graph.observed)
    return Diagram((), cod, tuple(order), nodes)


def check_dag(graph):
    """Raise :class:`GraphError` unless ``graph`` is a contemporaneous DAG."""
    if not isinstance(graph, CausalGraph):
        raise GraphError(f"expected a CausalGraph; got {type(graph).__name__}")
    for e in graph.edge_list():
        if e.type != "-->" or e.lag:
            raise GraphError(
                f"a causal network needs a DAG of '-->' edges without lags; edge "
                f"{e.source} {e.type} {e.target}" + (f" (lag {e.lag})" if e.lag else "") + " is not one"
            )
    if not graph.is_acyclic():
        raise GraphError("the graph has a directed cycle; a causal network needs a DAG")


# ---------------------------------------------------------------------- drawing
def _layout(diagram):
    """Sugiyama-style layout: boxes in layers, wires routed through per-layer slots.

    Returns the layer of every node, the x of every box and of every wire
    slot ``(wire, layer)``, and the top layer (the output boundary). Inputs
    sit on layer 0.
    """
    producer = {w: k for k, (_, _, outs) in enumerate(diagram.nodes) for w in outs}
    layer = {}
    for k, (_, ins, _) in enumerate(diagram.nodes):  # producers come first
        layer[k] = 1 + max((layer[producer[w]] if w in producer else 0 for w in ins), default=0)
    top = max(layer.values(), default=0) + 1
    src_layer = {w: (layer[producer[w]] if w in producer else 0) for w in range(len(diagram.types))}
    last = {w: src_layer[w] for w in src_layer}
    for k, (_, ins, _) in enumerate(diagram.nodes):
        for w in ins:
            last[w] = max(last[w], layer[k])
    for w in diagram.cod:
        last[w] = top
    rows = {d: [] for d in range(top + 1)}
    for i, w in enumerate(diagram.dom):
        rows[0].append(("in", i))
    for k in range(len(diagram.nodes)):
        rows[layer[k]].append(("box", k))
    for w in src_layer:
        for d in range(src_layer[w] + 1, last[w]):
            rows[d].append(("wire", w))
    for i, w in enumerate(diagram.cod):
        rows[top].append(("out", i))
    width = {"box": 1.3, "wire": 0.45, "in": 1.0, "out": 1.0}
    x = {}

    def place(d):
        items = rows[d]
        total = sum(width[it[0]] for it in items)
        pos = -total / 2
        for it in items:
            x[(d, it)] = pos + width[it[0]] / 2
            pos += width[it[0]]

    def wire_x_below(w, d):
        """x where wire ``w`` sits just below layer ``d``."""
        if d - 1 > src_layer[w]:
            return x.get((d - 1, ("wire", w)))
        if w in producer:
            return x.get((src_layer[w], ("box", producer[w])))
        return x.get((0, ("in", diagram.dom.index(w))))

    place(0)
    for d in range(1, top + 1):
        def bary(it, d=d):
            kind, ref = it
            if kind == "box":
                ws = diagram.nodes[ref][1]
            elif kind == "wire":
                ws = (ref,)
            else:
                ws = (diagram.cod[ref],)
            xs = [v for v in (wire_x_below(w, d) for w in ws) if v is not None]
            return sum(xs) / len(xs) if xs else 0.0

        if d < top:
            rows[d].sort(key=bary)
        place(d)
    return layer, x, top, producer, src_layer


def draw(diagram, ax=None, *, title=None, box_color="#dbe9f6", figsize=None):
    """Draw a string diagram with matplotlib (inputs at the bottom, outputs at the top).

    Boxes are rectangles labelled by name, ``uniform`` a triangle, ``discard``
    a ground symbol, a copy a black dot where a wire splits. Wires that skip
    layers are routed between the boxes.

    Parameters
    ----------
    diagram : Diagram or Box
    ax : matplotlib Axes, optional
        Drawn into a new figure when omitted.
    title : str, optional
    box_color : str
    figsize : tuple, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.patches import FancyBboxPatch, Polygon

    diagram = _as_diagram(diagram)
    layer, x, top, producer, src_layer = _layout(diagram)
    if ax is None:
        _, ax = plt.subplots(figsize=figsize or (5, 1.5 + 1.1 * top))
    bw, bh = 0.9, 0.42

    def box_x(k):
        return x[(layer[k], ("box", k))]

    def port(k, m, n, up):
        return box_x(k) + (m - (n - 1) / 2) * (bw / max(n, 1)) * 0.8, layer[k] + (bh / 2 if up else -bh / 2)

    def curve(p, q):
        t = np.linspace(0, 1, 30)
        ym = (p[1] + q[1]) / 2
        xs = (1 - t) ** 3 * p[0] + 3 * (1 - t) ** 2 * t * p[0] + 3 * (1 - t) * t ** 2 * q[0] + t ** 3 * q[0]
        ys = (1 - t) ** 3 * p[1] + 3 * (1 - t) ** 2 * t * ym + 3 * (1 - t) * t ** 2 * ym + t ** 3 * q[1]
        ax.plot(xs, ys, color="black", lw=1.2, zorder=1)

    # every wire: its source point, its slots layer by layer, its targets
    targets = {w: [] for w in range(len(diagram.types))}
    for k, (_, ins, _) in enumerate(diagram.nodes):
        for m, w in enumerate(ins):
            targets[w].append((layer[k], port(k, m, len(ins), up=False)))
    for i, w in enumerate(diagram.cod):
        targets[w].append((top, (x[(top, ("out", i))], top - 0.1)))
        ax.text(x[(top, ("out", i))], top, diagram.types[w], ha="center", va="bottom", fontsize=11)
    for i, w in enumerate(diagram.dom):
        ax.text(x[(0, ("in", i))], -0.05, diagram.types[w], ha="center", va="top", fontsize=11)
    for w in range(len(diagram.types)):
        if w in producer:
            k = producer[w]
            outs = diagram.nodes[k][2]
            p = port(k, outs.index(w), len(outs), up=True)
        else:
            p = (x[(0, ("in", diagram.dom.index(w)))], 0.1)
        tg = targets[w]
        if not tg:
            continue
        if len(tg) > 1:
            dot = (p[0], p[1] + 0.18)
            ax.plot([p[0], dot[0]], [p[1], dot[1]], color="black", lw=1.2, zorder=1)
            ax.plot(*dot, "o", color="black", ms=5, zorder=3)
            p = dot
        for d_t, q in tg:
            pts = [p]
            for d in range(src_layer[w] + 1, d_t):
                xs = x[(d, ("wire", w))]
                pts += [(xs, d - bh / 2), (xs, d + bh / 2)]
            pts.append(q)
            for a, b in zip(pts[:-1], pts[1:]):
                if a[0] == b[0]:
                    ax.plot([a[0], b[0]], [a[1], b[1]], color="black", lw=1.2, zorder=1)
                else:
                    curve(a, b)
        if w in producer:
            ax.text(p[0] + 0.07, p[1] + 0.02, diagram.types[w], fontsize=8, color="#555555")
    for k, (b, _, _) in enumerate(diagram.nodes):
        xx, y = box_x(k), layer[k]
        if b.kind == "box":
            ax.add_patch(FancyBboxPatch((xx - bw / 2, y - bh / 2), bw, bh, boxstyle="round,pad=0.02",
                                        fc=box_color, ec="black", zorder=2))
            ax.text(xx, y, b.name, ha="center", va="center", fontsize=11, zorder=4)
        elif b.kind == "uniform":
            ax.add_patch(Polygon([(xx - 0.25, y - bh / 2), (xx + 0.25, y - bh / 2), (xx, y + bh / 2)],
                                 closed=True, fc="#f6e0b5", ec="black", zorder=2))
        else:  # discard: ground symbol
            for j, half in enumerate((0.2, 0.12, 0.05)):
                yy = y - bh / 2 + 0.07 * j
                ax.plot([xx - half, xx + half], [yy, yy], color="black", lw=1.5, zorder=2)
    xs = [v for v in x.values()]
    ax.set_xlim(min(xs, default=0) - 0.8, max(xs, default=0) + 0.8)
    ax.set_ylim(-0.5, top + 0.4)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax
