import numpy as np
import pandas as pd
import pytest

from causalkit import DataError, check_data


def frame(n=50, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "c": rng.normal(size=n)})


def test_array_gets_names_and_values_are_kept():
    a = np.random.default_rng(0).normal(size=(20, 3))
    checked = check_data(a)
    assert checked.names == ["X0", "X1", "X2"]
    np.testing.assert_array_equal(checked.values, a)
    assert not checked.discrete.any()


def test_nan_error_names_column_and_drop_counts_rows():
    df = frame()
    df.loc[3, "b"] = np.nan
    df.loc[7, "c"] = np.inf
    with pytest.raises(DataError, match=r"\['b', 'c'\]"):
        check_data(df)
    checked = check_data(df, missing="drop")
    assert checked.n_dropped == 2
    assert checked.n_samples == 48


def test_constant_column_named():
    df = frame()
    df["k"] = 1.0
    with pytest.raises(DataError, match="'k'"):
        check_data(df)


def test_non_numeric_for_continuous_test_named():
    df = frame()
    df["city"] = ["x", "y"] * 25
    with pytest.raises(DataError, match="city"):
        check_data(df, ci_test="fisherz")
    checked = check_data(df, ci_test="gsq")
    assert checked.discrete.tolist() == [False, False, False, True]
    assert set(checked.values[:, 3]) == {0.0, 1.0}
    assert checked.categories["city"] == ["x", "y"]


def test_duplicate_names_and_too_few_variables():
    df = pd.DataFrame(np.random.default_rng(0).normal(size=(10, 2)), columns=["a", "a"])
    with pytest.raises(DataError, match="duplicate"):
        check_data(df)
    with pytest.raises(DataError, match="at least 2 variables"):
        check_data(frame()[["a"]])


def test_too_few_rows():
    with pytest.raises(DataError, match="rows"):
        check_data(frame(n=4), ci_test="fisherz")


def test_collinear_columns_named_for_gaussian_test():
    df = frame()
    df["d"] = 2 * df["a"] - df["b"]
    with pytest.raises(DataError, match=r"'d' is a linear function of \['a', 'b'\]"):
        check_data(df, ci_test="fisherz")
    check_data(df, ci_test="kci")  # kernels do not invert the correlation matrix


def test_unknown_option_lists_valid_values():
    with pytest.raises(DataError, match="'error', 'drop'"):
        check_data(frame(), missing="impute")


def test_integer_columns_with_few_values_are_discrete():
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"x": rng.integers(0, 3, 100), "y": rng.integers(0, 1000, 100)})
    checked = check_data(df)
    assert checked.discrete.tolist() == [True, False]
