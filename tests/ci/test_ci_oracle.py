"""The d-separation oracle against a separate implementation of d-separation."""

import itertools

import numpy as np
import pytest

from causalkit.ci import make_ci_test
from causalkit.ci.oracle import DSeparationOracle
from causalkit.exceptions import DataError, GraphError, NodeNotFound
from causalkit.graph import CausalGraph


def _separated_by_moralisation(edges, nodes, x, y, S):
    """Lauritzen's criterion: x, y separated by S in the moral graph of An({x, y} | S)."""
    parents = {v: {a for a, b in edges if b == v} for v in nodes}
    anc, stack = set(), [x, y, *S]
    while stack:
        v = stack.pop()
        if v not in anc:
            anc.add(v)
            stack.extend(parents[v])
    nbrs = {v: set() for v in anc}
    for v in anc:
        ps = parents[v] & anc
        for p in ps:
            nbrs[v].add(p)
            nbrs[p].add(v)
        for p, q in itertools.combinations(ps, 2):
            nbrs[p].add(q)
            nbrs[q].add(p)
    seen, stack = {x}, [x]
    while stack:
        v = stack.pop()
        for u in nbrs[v] - set(S):
            if u == y:
                return False
            if u not in seen:
                seen.add(u)
                stack.append(u)
    return True


def test_chain_fork_collider():
    g = CausalGraph.from_edges([("A", "B"), ("B", "C"), ("A", "D"), ("C", "D"), ("E", "C")])
    names = ["A", "B", "C", "D", "E"]
    t = DSeparationOracle(np.zeros((1, 5)), names=names, graph=g)
    assert t.pvalue(0, 2) == 0.0            # A -> B -> C open
    assert t.pvalue(0, 2, [1]) == 1.0       # chain blocked by B; collider D blocks A -> D <- C
    assert t.pvalue(0, 2, [1, 3]) == 0.0    # conditioning on the collider D opens A -> D <- C
    assert t.pvalue(1, 4) == 1.0            # B -> C <- E: collider blocks
    assert t.pvalue(1, 4, [2]) == 0.0       # conditioning on the collider opens it
    assert t.pvalue(0, 4) == 1.0


def test_agrees_with_moralisation_on_random_dags():
    rng = np.random.default_rng(0)
    for trial in range(12):
        nodes = [f"V{i}" for i in range(7)]
        edges = [(nodes[i], nodes[j]) for i in range(7) for j in range(i + 1, 7) if rng.random() < 0.35]
        perm = rng.permutation(7)                 # columns in another order than the nodes
        names = [nodes[k] for k in perm]
        t = DSeparationOracle(np.zeros((2, 7)), names=names,
                              graph=CausalGraph.from_edges(edges, nodes=nodes))
        for x, y in itertools.combinations(range(7), 2):
            rest = [k for k in range(7) if k not in (x, y)]
            for size in (0, 1, 2, 3):
                S = list(rng.choice(rest, size, replace=False))
                want = _separated_by_moralisation(edges, nodes, names[x], names[y], [names[s] for s in S])
                assert t.pvalue(x, y, S) == (1.0 if want else 0.0)


def test_latent_confounder_and_admg():
    g = CausalGraph.from_edges([("L", "X"), ("L", "Y"), ("X", "Z")], latent=["L"])
    t = DSeparationOracle(np.zeros((1, 3)), graph=g)       # names from the observed nodes
    assert t.names == ["X", "Y", "Z"]
    assert t.pvalue(0, 1) == 0.0                           # X <- L -> Y
    assert t.pvalue(1, 2, [0]) == 1.0
    admg = CausalGraph(["X", "Y", "Z"], [("X", "Y", "<->"), ("Y", "Z", "-->")])
    t2 = DSeparationOracle(np.zeros((1, 3)), graph=admg)
    assert t2.pvalue(0, 2) == 0.0                          # X <-> Y -> Z
    assert t2.pvalue(0, 2, [1]) == 1.0


def test_through_registry_and_errors():
    g = CausalGraph.from_edges([("a", "b"), ("b", "c")])
    t = make_ci_test("oracle", np.zeros((1, 3)), names=["c", "a", "b"], graph=g)
    assert isinstance(t, DSeparationOracle)
    assert t.pvalue(0, 1) == 0.0 and t.pvalue(0, 1, [2]) == 1.0
    with pytest.raises(NodeNotFound, match="'q'"):
        DSeparationOracle(np.zeros((1, 3)), names=["a", "b", "q"], graph=g)
    with pytest.raises(GraphError, match="graph="):
        DSeparationOracle(np.zeros((1, 3)))
    with pytest.raises(DataError, match="names="):
        DSeparationOracle(np.zeros((1, 2)), graph=g)
    with pytest.raises(GraphError, match="DAG or ADMG"):
        DSeparationOracle(np.zeros((1, 3)), graph=g.to_cpdag())
