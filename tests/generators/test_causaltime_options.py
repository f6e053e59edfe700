"""CausalTime generation options that keep the ground truth exact: damping, resolution, bounds,
and the lag-0 confounding that noise_correlation adds to the graph (CPU, tiny)."""

import numpy as np
import pandas as pd
import pytest

from causalkit.exceptions import DataError
from causalkit.generators._causaltime_flow import flow_latent, noise_scale_features
from causalkit.generators._causaltime_model import predict
from causalkit.generators.causaltime import CausalTime, _value_grid, causaltime_graph

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

TINY = dict(hidden=8, epochs=3, n_attribution_windows=16, n_baselines=2, flow_steps=60, batch_size=64)


def _counts(T=400, seed=0):
    """Three coupled series recorded in whole units (a grid of spacing 1), always >= 0."""
    rng = np.random.default_rng(seed)
    x = np.zeros((T, 3))
    x[0] = 30
    for t in range(1, T):
        x[t, 0] = 0.8 * x[t - 1, 0] + 6 + 4 * rng.standard_normal()
        x[t, 1] = 0.6 * x[t - 1, 1] + 0.3 * x[t - 1, 0] + 3 + 4 * rng.standard_normal()
        x[t, 2] = 0.7 * x[t - 1, 2] + 9 + 4 * rng.standard_normal()
    return pd.DataFrame(np.maximum(np.round(x), 0.0), columns=["a", "b", "c"])


@pytest.fixture(scope="module")
def counts_fit():
    return CausalTime(lag=3, threshold=0.5, seed=0, **TINY).fit(_counts())


def _latent_of_generation(model, ds, damping):
    """Flow latents of x_t - mean_t, where mean_t is the damped generating equation's mean."""
    n, lag = model.n_features_in_, model.lag
    x, r = ds.data[:, :, :n], ds.data[:, :, n:]
    ones = np.ones((n, n), dtype=np.float32)
    mask_h = model.hcg_.to_numpy().T.astype(np.float32)
    zs = []
    for t in range(lag + 1, x.shape[1]):  # windows made only of generated steps
        win = x[:, t - lag:t].astype(np.float32)
        fh = predict(model.causal_model_, win, mask_h, "cpu")
        np.testing.assert_allclose(r[:, t], predict(model.full_model_, win, ones, "cpu") - fh, atol=1e-4)
        last = x[:, t - 1]
        mean = last + damping * (fh + r[:, t - 1] - last)
        feats = noise_scale_features(torch.as_tensor(win)).numpy()
        zs.append(flow_latent(model.flow_, x[:, t] - mean, feats))
    return np.concatenate(zs)


def test_damping_shrinks_towards_the_last_value_and_reuses_the_networks(tmp_path):
    df = _counts()
    base = CausalTime(lag=3, threshold=0.5, seed=0, **TINY).fit(df, checkpoint_dir=tmp_path)
    damped = CausalTime(lag=3, threshold=0.5, seed=0, damping=0.5, **TINY).fit(df, checkpoint_dir=tmp_path)
    # the networks come from the same checkpoint; only the flows are refitted (own checkpoint key)
    for a, b in zip(base.full_model_.state_dict().values(), damped.full_model_.state_dict().values()):
        assert torch.equal(a, b)
    assert not np.allclose(base.flow_["scale"], damped.flow_["scale"])
    saved = torch.load(tmp_path / "causaltime.pt", weights_only=True)
    assert "flow" in saved and "flow_damping_0.5" in saved
    again = CausalTime(lag=3, threshold=0.5, seed=0, damping=0.5, **TINY).fit(df, checkpoint_dir=tmp_path)
    np.testing.assert_array_equal(again.flow_["scale"], damped.flow_["scale"])
    # generated data follow x_t = x_{t-1} + damping (f^H + r_{t-1} - x_{t-1}) + eta_t: the flow maps
    # eta back to the very normal draws of generate (seed windows: all 397 of the complete series,
    # drawn without replacement, then the noise), which the undamped equation does not
    ds = damped.generate(n_samples=80, length=12, seed=4)
    assert ds.metadata["damping"] == 0.5
    rng = np.random.default_rng(4)
    rng.choice(len(df) - 3, size=80, replace=False)
    drawn = rng.standard_normal((12 * 80, 3)).reshape(12, 80, 3)[4:].reshape(-1, 3)
    np.testing.assert_allclose(_latent_of_generation(damped, ds, 0.5), drawn, atol=2e-3)
    assert np.abs(_latent_of_generation(damped, ds, 1.0) - drawn).max() > 0.05
    # damping=1 is the paper's equation (and the default): same data as before
    np.testing.assert_array_equal(base.generate(n_samples=4, length=5, seed=1).data,
                                  CausalTime(lag=3, threshold=0.5, seed=0, damping=1.0, **TINY)
                                  .fit(df, checkpoint_dir=tmp_path).generate(n_samples=4, length=5, seed=1).data)
    for bad in (0.0, 1.5, "half"):
        with pytest.raises(DataError, match="damping"):
            CausalTime(lag=3, damping=bad, **TINY).fit(df)


def test_value_grid_detection():
    rng = np.random.default_rng(0)
    cont = rng.standard_normal((500, 2)).astype(np.float32)
    assert np.all(_value_grid([cont], [np.ones_like(cont, bool)], np.zeros(2), np.ones(2)) == 0)
    q = np.round(rng.standard_normal((500, 2)) * 50) / 4  # quarters
    mu, sd = q.mean(0), q.std(0)
    grid = _value_grid([((q - mu) / sd).astype(np.float32)], [np.ones_like(q, bool)], mu, sd)
    np.testing.assert_allclose(grid, [0.25, 0.25])


def test_resolution_rounds_inside_the_loop(counts_fit):
    m = counts_fit
    np.testing.assert_array_equal(m.resolution_, [1.0, 1.0, 1.0])
    ds = m.generate(n_samples=30, length=10, seed=2, resolution="auto", original_units=True)
    x = ds.data[:, :, :3]
    np.testing.assert_allclose(x, np.round(x), atol=1e-3)
    assert ds.metadata["resolution"] == [1.0, 1.0, 1.0]
    raw = m.generate(n_samples=30, length=10, seed=2, original_units=True).data[:, :, :3]
    assert np.abs(raw - np.round(raw)).max() > 0.1  # without rounding the values are continuous
    # the rounded values are what the next step reads: r_t is f - f^H of the rounded window
    std = m.generate(n_samples=30, length=10, seed=2, resolution=1.0)
    n, lag = 3, m.lag
    xs, r = std.data[:, :, :n], std.data[:, :, n:]
    win = xs[:, 2:2 + lag].astype(np.float32)
    mask_h = m.hcg_.to_numpy().T.astype(np.float32)
    f = predict(m.full_model_, win, np.ones((n, n), np.float32), "cpu")
    np.testing.assert_allclose(r[:, 2 + lag], f - predict(m.causal_model_, win, mask_h, "cpu"), atol=1e-4)
    for bad in ("fine", -1.0, [1.0, 2.0], float("inf")):
        with pytest.raises(DataError, match="resolution"):
            m.generate(n_samples=2, length=3, resolution=bad)


def test_resolution_auto_leaves_continuous_data_alone():
    sm = pytest.importorskip("statsmodels.api")
    df = sm.datasets.macrodata.load_pandas().data[["realgdp", "realcons", "realinv"]]
    df = np.log(df).diff().dropna().reset_index(drop=True)
    m = CausalTime(lag=3, threshold=0.5, seed=0, **TINY).fit(df)
    assert np.all(m.resolution_ == 0)
    np.testing.assert_array_equal(m.generate(n_samples=4, length=5, seed=1).data,
                                  m.generate(n_samples=4, length=5, seed=1, resolution="auto").data)


def test_bounds_clip_to_the_observed_range(counts_fit):
    m = counts_fit
    lo, hi = m.range_
    assert np.all(lo >= 0) and np.all(hi > lo)
    ds = m.generate(n_samples=200, length=20, seed=1, bounds="auto", original_units=True)
    x = ds.data[:, :, :3]
    assert np.all(x >= lo - 1e-3) and np.all(x <= hi + 1e-3)
    free = m.generate(n_samples=200, length=20, seed=1, original_units=True).data[:, :, :3]
    assert np.any((free < lo - 1e-3) | (free > hi + 1e-3))  # the clip did something here
    with pytest.raises(DataError, match="bounds"):
        m.generate(n_samples=2, length=3, bounds="data")


def test_correlated_noise_is_in_the_graph(counts_fit):
    m = counts_fit
    plain = m.generate(n_samples=3, length=4, seed=0)
    assert plain.graph.kind == "dag"
    assert not any(e.type == "<->" for e in plain.graph.edge_list())
    m.noise_correlation = True
    try:
        ds = m.generate(n_samples=3, length=4, seed=0)
    finally:
        m.noise_correlation = False
    g = ds.graph
    assert g.kind == "admg" and ds.metadata["contemporaneous_confounding"] is True
    bows = {(e.source, e.target) for e in g.edge_list() if e.type == "<->"}
    assert bows == {("a", "b"), ("a", "c"), ("b", "c")}
    assert all(e.lag == 0 for e in g.edge_list() if e.type == "<->")
    # the lagged edges are those of the plain graph; H is unchanged
    assert {e for e in g.edge_list() if e.type == "-->"} == set(plain.graph.edge_list())
    pd.testing.assert_frame_equal(ds.hcg, plain.hcg)
    direct = causaltime_graph(plain.hcg, m.lag, contemporaneous_confounding=True)
    assert set(direct.edge_list()) == set(g.edge_list())
