"""String-diagram syntax, its semantics by factor contraction, and drawing."""

import numpy as np
import pytest

from causalkit import CausalGraph
from causalkit.exceptions import DataError, GraphError, NodeNotFound
from causalkit.reasoning import (Box, Interpretation, copy, cut, discard, draw, evaluate, identity,
                                 network, random_network, swap, uniform)

F = Interpretation(
    {"A": 2, "B": 3},
    {"a": [0.3, 0.7], "f": [[0.2, 0.6], [0.3, 0.1], [0.5, 0.3]], "b": [0.1, 0.2, 0.7]},
)
A_STATE = Box("a", [], ["A"])
F_BOX = Box("f", ["A"], ["B"])


def test_sequential_composition_is_matrix_product():
    out = evaluate(A_STATE >> F_BOX, F)
    np.testing.assert_allclose(out.array, np.array(F.boxes["f"]) @ np.array([0.3, 0.7]))
    assert out.names == ("B",)


def test_parallel_composition_is_kronecker():
    out = evaluate(A_STATE @ Box("b", [], ["B"]), F)
    np.testing.assert_allclose(out.array, np.outer([0.3, 0.7], [0.1, 0.2, 0.7]))


def test_copy_discard_uniform_swap():
    cp = evaluate(A_STATE >> copy("A"), F)
    np.testing.assert_allclose(cp.array, np.diag([0.3, 0.7]))
    # copy then discard one branch is the identity (comonoid law)
    one = evaluate(A_STATE >> copy("A") >> (identity("A") @ discard("A")), F)
    np.testing.assert_allclose(one.array, [0.3, 0.7])
    np.testing.assert_allclose(evaluate(uniform("B"), F).array, np.full(3, 1 / 3))
    # a normalised box followed by discard is discard: the scalar 1
    assert float(evaluate(A_STATE >> F_BOX >> discard("B"), F).array) == pytest.approx(1.0)
    sw = evaluate((A_STATE @ Box("b", [], ["B"])) >> swap("A", "B"), F)
    assert sw.names == ("B", "A")
    np.testing.assert_allclose(sw.array, np.outer([0.1, 0.2, 0.7], [0.3, 0.7]))


def test_open_diagram_is_a_channel():
    ch = evaluate(copy("A") >> (F_BOX @ identity("A")), F)
    assert ch.outputs == ("B", "A") and ch.inputs == ("A@in",)
    # B depends on the input, A is a copy of it
    np.testing.assert_allclose(ch.array[:, 1, 1], np.array(F.boxes["f"])[:, 1])
    np.testing.assert_allclose(ch.array[:, 0, 1], 0.0)


def test_composition_checks_types():
    with pytest.raises(GraphError, match=r"outputs \['A'\].*takes \['B'\]"):
        A_STATE >> Box("g", ["B"], ["A"])


def test_network_diagram_of_smoking_graph():
    g = CausalGraph.from_edges([("H", "S"), ("S", "T"), ("T", "C"), ("H", "C")], latent=["H"])
    d = network(g)
    assert d.dom_types == () and d.cod_types == ("S", "T", "C")
    assert [b.name for b in d.boxes] == ["H", "S", "T", "C"]
    assert d.boxes[3].dom == ("H", "T")  # parents in graph node order
    dc = cut(d, "S")
    kinds = [b.kind for b in dc.boxes]
    assert kinds == ["box", "uniform", "discard", "box", "box"]
    net = random_network(g, 2, random_state=3)
    joint = evaluate(d, net.interpretation)
    np.testing.assert_allclose(joint.array, net.observational().array, atol=1e-14)
    # evaluation of the cut diagram: S uniform and independent of H
    cut_joint = evaluate(dc, net.interpretation)
    np.testing.assert_allclose(cut_joint.marginal("S").array, [0.5, 0.5])
    assert not np.allclose(cut_joint.array, joint.array)


def test_evaluation_never_touches_unneeded_boxes():
    # a box whose table is invalid must not be read when its output is discarded
    g = CausalGraph.from_edges([("A", "B"), ("A", "C")])
    bad = Interpretation({"A": 2, "B": 2, "C": 2},
                         {"A": [0.5, 0.5], "B": [[0.9, 0.1], [0.1, 0.9]], "C": "not a table"})
    d = network(g) >> (identity(["A", "B"]) @ discard("C"))
    out = evaluate(d, bad)
    assert out.names == ("A", "B")
    with pytest.raises(DataError):
        evaluate(network(g), bad)


def test_interpretation_errors():
    with pytest.raises(NodeNotFound, match="no table for box 'g'"):
        evaluate(Box("g", [], ["A"]), F)
    bad = Interpretation({"A": 2}, {"a": [0.3, 0.6]})
    with pytest.raises(DataError, match="not stochastic"):
        evaluate(A_STATE, bad)
    bad = Interpretation({"A": 2, "B": 3}, {"f": [[0.2, 0.6], [0.3, 0.1], [0.5, 0.2]]})
    with pytest.raises(DataError, match=r"inputs \(A=1\) sums to 0.9"):
        evaluate(F_BOX, bad)
    with pytest.raises(DataError, match="shape"):
        evaluate(Box("f", [], ["B"]), F)


def test_cyclic_graph_is_rejected():
    g = CausalGraph(["A", "B", "C"], [("A", "B"), ("B", "C"), ("C", "A")])
    with pytest.raises(GraphError, match="cycle"):
        network(g)
    with pytest.raises(GraphError, match="cycle"):
        CausalGraph.from_edges([("A", "B"), ("B", "C"), ("C", "A")])


def test_draw_smoking_before_and_after_cut():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    g = CausalGraph.from_edges([("H", "S"), ("S", "T"), ("T", "C"), ("H", "C")], latent=["H"])
    fig, axes = plt.subplots(1, 2)
    draw(network(g), ax=axes[0])
    draw(cut(network(g), "S"), ax=axes[1])
    texts0 = {t.get_text() for t in axes[0].texts}
    texts1 = {t.get_text() for t in axes[1].texts}
    assert {"H", "S", "T", "C"} <= texts0
    assert "S" in texts1 and len(axes[1].patches) == len(axes[0].patches)  # S box -> uniform triangle
    plt.close(fig)
