"""A small acyclic directed mixed graph (ADMG) for identification.

Built from a :class:`~causalkit.graph.CausalGraph` that is either a DAG with
latent nodes (projected with :meth:`CausalGraph.latent_projection`) or an
ADMG (``-->`` and ``<->`` edges). Bidirected edges stand for hidden common
causes; the node order is a topological order of the directed part.
"""

from __future__ import annotations

from ..exceptions import GraphError, NodeNotFound
from ..graph import CausalGraph


class ADMG:
    __slots__ = ("nodes", "pa", "sp", "_pos")

    def __init__(self, nodes, pa, sp):
        self.nodes = tuple(nodes)
        self.pa = {v: frozenset(pa.get(v, ())) for v in self.nodes}
        self.sp = {v: frozenset(sp.get(v, ())) for v in self.nodes}
        self._pos = {v: i for i, v in enumerate(self.nodes)}

    @classmethod
    def from_graph(cls, graph):
        if not isinstance(graph, CausalGraph):
            raise GraphError(f"expected a CausalGraph; got {type(graph).__name__}")
        for e in graph.edge_list():
            if e.lag:
                raise GraphError(f"identification needs a graph without lags; edge {e} has lag {e.lag}")
            if e.type not in ("-->", "<->"):
                raise GraphError(
                    f"identification needs a DAG (latent nodes allowed) or an ADMG; edge "
                    f"{e.source} {e.type} {e.target} is neither '-->' nor '<->'"
                )
        if not graph.is_acyclic():
            raise GraphError("the graph has a directed cycle; identification needs an acyclic graph")
        if graph.latent:
            if any(e.type == "<->" for e in graph.edge_list()):
                raise GraphError("give either latent nodes or '<->' edges, not both")
            graph = graph.latent_projection()
        order = graph.topological_order()
        pa = {v: graph.parents(v) for v in order}
        sp = {v: graph.spouses(v) for v in order}
        return cls(order, pa, sp)

    def check(self, names, what):
        unknown = [n for n in names if n not in self._pos]
        if unknown:
            raise NodeNotFound(
                f"{what} names {unknown}, not observed variables of the graph; they are {list(self.nodes)}"
            )

    def sort(self, vs):
        return sorted(vs, key=self._pos.get)

    def sub(self, keep):
        keep = set(keep)
        nodes = [v for v in self.nodes if v in keep]
        return ADMG(nodes, {v: self.pa[v] & keep for v in nodes}, {v: self.sp[v] & keep for v in nodes})

    def cut_incoming(self, xs):
        """G with every edge into ``xs`` removed (directed and bidirected)."""
        xs = set(xs)
        pa = {v: (frozenset() if v in xs else self.pa[v]) for v in self.nodes}
        sp = {v: (frozenset() if v in xs else self.sp[v] - xs) for v in self.nodes}
        return ADMG(self.nodes, pa, sp)

    def cut_outgoing(self, zs):
        """G with every directed edge out of ``zs`` removed."""
        zs = set(zs)
        return ADMG(self.nodes, {v: self.pa[v] - zs for v in self.nodes}, self.sp)

    def ancestors(self, vs):
        """``vs`` and all their ancestors."""
        out = set(vs)
        stack = list(vs)
        while stack:
            v = stack.pop()
            for p in self.pa[v]:
                if p not in out:
                    out.add(p)
                    stack.append(p)
        return out

    def descendants(self, vs):
        """``vs`` and all their descendants."""
        ch = {v: set() for v in self.nodes}
        for v in self.nodes:
            for p in self.pa[v]:
                ch[p].add(v)
        out = set(vs)
        stack = list(vs)
        while stack:
            v = stack.pop()
            for c in ch[v]:
                if c not in out:
                    out.add(c)
                    stack.append(c)
        return out

    def children(self, v):
        return {c for c in self.nodes if v in self.pa[c]}

    def c_components(self):
        """Districts: connected components of the bidirected part, in node order."""
        seen, comps = set(), []
        for v in self.nodes:
            if v in seen:
                continue
            comp, stack = {v}, [v]
            while stack:
                u = stack.pop()
                for w in self.sp[u]:
                    if w not in comp:
                        comp.add(w)
                        stack.append(w)
            seen |= comp
            comps.append(frozenset(comp))
        return comps

    def m_separated(self, xs, ys, zs):
        """m-separation of ``xs`` and ``ys`` given ``zs`` (moralised ancestral graph)."""
        xs, ys, zs = set(xs), set(ys), set(zs)
        anc = self.ancestors(xs | ys | zs)
        # the canonical DAG: one latent parent per bidirected edge
        adj = {v: set() for v in anc}
        parents = {v: set(self.pa[v] & anc) for v in anc}
        for v in anc:
            for w in self.sp[v]:
                if w in anc and self._pos[v] < self._pos[w]:
                    u = ("U", v, w)
                    adj[u] = set()
                    parents[v].add(u)
                    parents[w].add(u)
        for v, ps in list(parents.items()):
            ps = list(ps)
            for p in ps:
                adj.setdefault(p, set())
                adj[v].add(p)
                adj[p].add(v)
            for i in range(len(ps)):
                for j in range(i + 1, len(ps)):
                    adj[ps[i]].add(ps[j])
                    adj[ps[j]].add(ps[i])
        seen = set(xs)
        stack = list(xs)
        while stack:
            v = stack.pop()
            for w in adj[v]:
                if w in zs or w in seen:
                    continue
                if w in ys:
                    return False
                seen.add(w)
                stack.append(w)
        return True
