import numpy as np
import pandas as pd
import pytest
from scipy import stats

from causalkit.dataset import Dataset
from causalkit.exceptions import DataError
from causalkit.generators import r2_sortability, random_dag, sample_scm, var_sortability
from causalkit.generators.scm import _apply_mlp


def _ols(y, X, tstats=False):
    A = np.c_[np.ones(len(y)), X]
    beta, *_ = np.linalg.lstsq(A, y, rcond=None)
    resid = y - A @ beta
    if not tstats:
        return beta[1:], resid
    sigma2 = resid @ resid / (len(y) - A.shape[1])
    se = np.sqrt(np.diag(np.linalg.inv(A.T @ A)) * sigma2)
    return beta[1:], resid, (beta / se)[1:]


def test_deterministic_and_seed_sensitive():
    a = sample_scm(8, 300, expected_degree=2, seed=11)
    b = sample_scm(8, 300, expected_degree=2, seed=11)
    c = sample_scm(8, 300, expected_degree=2, seed=12)
    pd.testing.assert_frame_equal(a.data, b.data)
    assert a.graph == b.graph
    assert not np.allclose(a.data.to_numpy(), c.data.to_numpy())


def test_more_samples_keep_graph_and_weights():
    a = sample_scm(8, 100, seed=5)
    b = sample_scm(8, 1000, seed=5)
    assert a.graph == b.graph
    pd.testing.assert_frame_equal(a.metadata["weights"], b.metadata["weights"])


def test_params_regenerate_the_dataset():
    a = sample_scm(6, 200, kind="sf", mechanism="nonlinear", noise="laplace", seed=3)
    b = sample_scm(**a.metadata["params"])
    pd.testing.assert_frame_equal(a.data, b.data)
    # seed=None records its fresh entropy, which regenerates the data too
    c = sample_scm(6, 50, seed=None)
    d = sample_scm(**c.metadata["params"])
    pd.testing.assert_frame_equal(c.data, d.data)


def test_linear_data_follow_the_recorded_weights_and_graph():
    ds = sample_scm(10, 20000, expected_degree=3, standardize=False, noise_scale=(0.5, 1.5), seed=2)
    x, g, w = ds.data, ds.graph, ds.metadata["weights"]
    assert set(zip(*np.nonzero(w.to_numpy()))) == {
        (g.nodes.index(s), g.nodes.index(t)) for s, t in zip(g.edges["source"], g.edges["target"])
    }
    for v in g.nodes:
        pa = list(g.parents(v))
        # regress on parents plus non-descendants: only the parents matter (local Markov)
        nondesc = [u for u in g.nodes if u != v and u not in g.descendants(v) and u not in pa]
        coef, resid, t = _ols(x[v].to_numpy(), x[pa + nondesc].to_numpy(), tstats=True)
        np.testing.assert_allclose(coef[: len(pa)], w.loc[pa, v].to_numpy(), atol=0.05)
        assert np.all(np.abs(t[len(pa):]) < 4.5)  # non-parents: no effect beyond chance
        assert resid.std() == pytest.approx(ds.metadata["noise_scales"][v], rel=0.05)


def test_nonlinear_residuals_are_the_noise():
    ds = sample_scm(6, 5000, expected_degree=2, mechanism="nonlinear", standardize=False, seed=4)
    g, x = ds.graph, ds.data
    params = ds.metadata["mechanism_parameters"]
    assert any(g.parents(v) for v in g.nodes)
    for v in g.nodes:
        p = params[v]
        assert p["parents"] == [u for u in g.nodes if u in g.parents(v)]
        pa = x[p["parents"]].to_numpy()
        f = _apply_mlp(p if p["parents"] else None, pa)
        resid = x[v].to_numpy() - f
        assert resid.std() == pytest.approx(ds.metadata["noise_scales"][v], rel=0.05)
        for u in p["parents"]:
            assert abs(np.corrcoef(resid, x[u])[0, 1]) < 0.05
            assert abs(np.corrcoef(resid, np.tanh(x[u]))[0, 1]) < 0.05


@pytest.mark.parametrize(
    "noise, dist",
    [
        ("gaussian", stats.norm()),
        ("uniform", stats.uniform(-np.sqrt(3), 2 * np.sqrt(3))),
        ("laplace", stats.laplace(scale=1 / np.sqrt(2))),
        ("exponential", stats.expon(loc=-1)),
    ],
)
def test_noise_distributions(noise, dist):
    ds = sample_scm(3, 20000, expected_degree=0, noise=noise, noise_scale=2.0, standardize=False, seed=1)
    col = ds.data["X0"].to_numpy() / 2.0  # no edges: every column is scaled noise
    assert dist.mean() == pytest.approx(0, abs=1e-12) and dist.var() == pytest.approx(1)
    assert stats.kstest(col, dist.cdf).pvalue > 1e-3
    # and not another of the four shapes
    others = {"gaussian": stats.norm(), "uniform": stats.uniform(-np.sqrt(3), 2 * np.sqrt(3)),
              "laplace": stats.laplace(scale=1 / np.sqrt(2)), "exponential": stats.expon(loc=-1)}
    for name, other in others.items():
        if name != noise:
            assert stats.kstest(col, other.cdf).pvalue < 1e-6


def test_standardize_and_recorded_sortability_of_raw_data():
    raw = sample_scm(12, 3000, expected_degree=3, standardize=False, seed=9)
    std = sample_scm(12, 3000, expected_degree=3, standardize=True, seed=9)
    np.testing.assert_allclose(std.data.mean(), 0, atol=1e-10)
    np.testing.assert_allclose(std.data.std(ddof=0), 1, atol=1e-10)
    assert std.metadata["var_sortability"] == pytest.approx(var_sortability(raw.data, raw.graph))
    assert std.metadata["r2_sortability"] == pytest.approx(r2_sortability(raw.data, raw.graph))
    # R^2 does not see the scaling: the standardised data keep the raw R2-sortability
    assert r2_sortability(std.data, std.graph) == pytest.approx(std.metadata["r2_sortability"])
    restored = std.data * pd.Series(std.metadata["raw_std"]) + pd.Series(std.metadata["raw_mean"])
    np.testing.assert_allclose(restored.to_numpy(), raw.data.to_numpy(), atol=1e-8)


def test_linear_unit_noise_scms_are_var_sortable():
    # the benchmark shortcut of Reisach et al. (2021): variance grows along the order
    scores = [sample_scm(15, 1000, expected_degree=3, seed=s).metadata["var_sortability"] for s in range(5)]
    assert np.mean(scores) > 0.75


def test_given_graph_is_used():
    g = random_dag(5, expected_degree=2, seed=0, names=list("abcde"))
    ds = sample_scm(5, 100, graph=g, seed=1)
    assert ds.graph == g and list(ds.data.columns) == list("abcde")
    assert ds.metadata["given_graph"] is True
    with pytest.raises(DataError, match="n_nodes"):
        sample_scm(4, 100, graph=g)


def test_returns_a_dataset_with_one_column_per_node():
    ds = sample_scm(4, 10, seed=0)
    assert isinstance(ds, Dataset)
    assert list(ds.data.columns) == list(ds.graph.nodes)
    assert ds.data.dtypes.eq(float).all()


@pytest.mark.parametrize(
    "kwargs, word",
    [
        (dict(n_samples=0), "n_samples"),
        (dict(n_nodes=0), "n_nodes"),
        (dict(mechanism="mlp"), "'linear', 'nonlinear'"),
        (dict(noise="cauchy"), "gaussian"),
        (dict(weight_range=(2, 1)), "weight_range"),
        (dict(noise_scale=0), "noise_scale"),
        (dict(expected_degree=10), "expected_degree"),
        (dict(kind="grid"), "kind"),
        (dict(standardize="yes"), "standardize"),
    ],
)
def test_bad_settings_name_the_argument(kwargs, word):
    args = dict(n_nodes=5, n_samples=10, seed=0)
    args.update(kwargs)
    with pytest.raises(DataError, match=word):
        sample_scm(**args)


def test_save_and_load_keep_data_graph_and_metadata(tmp_path):
    ds = sample_scm(5, 50, mechanism="nonlinear", seed=2)
    back = Dataset.load(ds.save(tmp_path / "scm"))
    pd.testing.assert_frame_equal(back.data, ds.data)
    assert back.graph == ds.graph
    assert back.metadata["params"] == ds.metadata["params"]
    p = back.metadata["mechanism_parameters"]["X0"]
    if p["parents"]:
        np.testing.assert_array_equal(p["inner"], ds.metadata["mechanism_parameters"]["X0"]["inner"])
