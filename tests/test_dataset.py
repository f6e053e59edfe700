import numpy as np
import pandas as pd
import pytest

from causalkit import CausalGraph, DataError, Dataset


def make():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=30), "y": rng.normal(size=30),
                       "site": pd.Categorical(rng.choice(["north", "south"], 30)),
                       "t": np.arange(30)})
    g = CausalGraph.from_edges([("x", "y")])
    meta = {"seed": 3, "weights": np.array([[0.0, 1.5], [0.0, 0.0]]), "graph2": g, "name": "toy"}
    return Dataset(df, graph=g, roles={"context": "site", "time": "t"}, metadata=meta)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_save_load_round_trip(tmp_path, fmt):
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    ds = make()
    ds.save(tmp_path / "ds", format=fmt)
    back = Dataset.load(tmp_path / "ds")
    pd.testing.assert_frame_equal(back.data, ds.data)
    assert back.graph == ds.graph
    assert back.roles == ds.roles
    np.testing.assert_array_equal(back.metadata["weights"], ds.metadata["weights"])
    assert back.metadata["graph2"] == ds.graph
    assert back.metadata["seed"] == 3 and back.metadata["name"] == "toy"


def test_variables_exclude_roles():
    assert make().variables == ["x", "y"]


def test_bad_roles_and_graph():
    df = pd.DataFrame({"x": [1.0, 2.0]})
    with pytest.raises(DataError, match="unknown role 'domain'"):
        Dataset(df, roles={"domain": "x"})
    with pytest.raises(DataError, match="'z'"):
        Dataset(df, roles={"context": "z"})
    with pytest.raises(DataError, match=r"\['y'\]"):
        Dataset(df, graph=CausalGraph.from_edges([("x", "y")]))


def test_load_rejects_non_dataset_dir(tmp_path):
    with pytest.raises(DataError, match="dataset.json"):
        Dataset.load(tmp_path)
