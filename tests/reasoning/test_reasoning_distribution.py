"""Distribution and Channel: queries, conditioning, estimation from data, bad input."""

import numpy as np
import pandas as pd
import pytest

from causalkit.exceptions import DataError, NodeNotFound
from causalkit.reasoning import Channel, Distribution, total_variation

SMOKING = [0.50, 0.10, 0.01, 0.02, 0.10, 0.05, 0.02, 0.20]


@pytest.fixture
def omega():
    return Distribution(["S", "T", "C"], SMOKING)


def test_flat_table_is_read_with_first_name_slowest(omega):
    assert omega.array.shape == (2, 2, 2)
    assert omega.prob(S=0, T=1, C=1) == pytest.approx(0.02)
    assert omega.prob(S=1, T=0, C=0) == pytest.approx(0.10)


def test_prob_marginal_and_given(omega):
    assert omega.prob(S=1) == pytest.approx(0.37)
    assert omega.marginal(["C", "S"]).array[1, 0] == pytest.approx(0.12)
    assert omega.given(S=0).prob(C=1) == pytest.approx(0.19047619, abs=1e-8)
    assert omega.given(S=1).prob(C=1) == pytest.approx(0.67567568, abs=1e-8)


def test_condition_is_disintegration(omega):
    ch = omega.condition("S")
    assert ch.outputs == ("T", "C") and ch.inputs == ("S",)
    # omega = (id x ch) . copy . omega_S
    rebuilt = ch.array * omega.marginal("S").array[None, None, :]
    np.testing.assert_allclose(np.transpose(rebuilt, (2, 0, 1)), omega.array, atol=1e-15)
    assert ch.at(S=1).prob(T=1) == pytest.approx(0.594595, abs=1e-6)


def test_table_dataframe(omega):
    df = omega.table
    assert list(df.columns) == ["S", "T", "C", "p"]
    assert len(df) == 8
    assert df.loc[(df.S == 1) & (df["T"] == 1) & (df.C == 1), "p"].item() == pytest.approx(0.20)


def test_state_labels():
    d = Distribution(["rain"], [0.3, 0.7], states={"rain": ["no", "yes"]})
    assert d.prob(rain="yes") == pytest.approx(0.7)
    with pytest.raises(DataError, match="'maybe' is not a state of 'rain'.*'no', 'yes'"):
        d.prob(rain="maybe")


def test_from_data_counts_and_smoothing():
    df = pd.DataFrame({"a": ["x", "x", "y", "y", "y", "y"], "b": [0, 1, 0, 0, 1, 1]})
    d = Distribution.from_data(df)
    assert d.states["a"] == ("x", "y")
    assert d.prob(a="y", b=0) == pytest.approx(2 / 6)
    d1 = Distribution.from_data(df, ["a"], smoothing=1)
    assert d1.prob(a="x") == pytest.approx(3 / 8)
    with pytest.raises(NodeNotFound, match="'zz'"):
        Distribution.from_data(df, ["zz"])
    with pytest.raises(DataError, match="smoothing"):
        Distribution.from_data(df, smoothing=-1)


def test_total_variation(omega):
    other = Distribution(["C", "S", "T"], np.transpose(omega.array, (2, 0, 1)))
    assert total_variation(omega, other) == pytest.approx(0.0)
    u = Distribution(["S", "T", "C"], np.full((2, 2, 2), 1 / 8))
    assert total_variation(omega, u) == pytest.approx(0.5 * np.abs(np.array(SMOKING) - 1 / 8).sum())


# ---------------------------------------------------------------- bad input
def test_non_stochastic_tables_are_rejected():
    with pytest.raises(DataError, match="sum to 0.9"):
        Distribution(["A"], [0.5, 0.4])
    with pytest.raises(DataError, match="negative entry"):
        Distribution(["A"], [1.5, -0.5])
    with pytest.raises(DataError, match=r"inputs \(S=1\)"):
        Channel(["T"], ["S"], [[0.9, 0.4], [0.1, 0.5]])


def test_zero_probability_conditioning_names_the_configuration():
    d = Distribution(["A", "B"], [[0.5, 0.0], [0.5, 0.0]])
    with pytest.raises(DataError, match=r"B=1.*probability zero"):
        d.condition("B")
    with pytest.raises(DataError, match=r"B=1.*probability zero"):
        d.given(B=1)


def test_unknown_variables_are_named(omega):
    with pytest.raises(NodeNotFound, match=r"\['X'\].*\['S', 'T', 'C'\]"):
        omega.prob(X=1)
    with pytest.raises(NodeNotFound, match="'Q'"):
        omega.marginal(["Q"])
    with pytest.raises(DataError, match="one axis per variable"):
        Distribution(["A", "B"], np.ones((2, 2, 2)) / 8)
