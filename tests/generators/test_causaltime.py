"""CausalTime generator: windows, graph, noise, flows, fidelity, checkpoints, bad input (CPU, tiny)."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from causalkit.exceptions import DataError, GraphError
from causalkit.generators._causaltime_model import make_windows, predict, prepare_series
from causalkit.generators.causaltime import (CausalTime, causaltime_adjacency, causaltime_dataset, causaltime_graph,
                                             hcg_scores)
from causalkit.generators.timeseries_dataset import TimeSeriesDataset
from causalkit.graph import CausalGraph

torch = pytest.importorskip("torch")
torch.set_num_threads(1)  # tiny tensors: extra threads only contend on a shared machine

TINY = dict(hidden=8, epochs=3, n_attribution_windows=16, n_baselines=2, flow_steps=60, batch_size=64)


def _macro():
    """statsmodels' macrodata as growth rates: a tiny fixture, too short to train on for real."""
    sm = pytest.importorskip("statsmodels.api")
    df = sm.datasets.macrodata.load_pandas().data[["realgdp", "realcons", "realinv", "cpi"]]
    df = np.log(df).diff().dropna().reset_index(drop=True)
    df.iloc[[5, 6, 40], 1] = np.nan  # a few gaps to interpolate
    df.iloc[100, :] = np.nan
    return df


@pytest.fixture(scope="module")
def fitted():
    return CausalTime(lag=3, threshold=0.5, seed=0, **TINY).fit(_macro())


# ---------------------------------------------------------------------- windows
def test_windows_never_contain_their_target():
    T, N, lag = 30, 2, 5
    seg = np.stack([np.arange(T), 100 + np.arange(T)], axis=1).astype(np.float32)
    seg2 = 1000 + seg[:12]
    x, y, idx, obs = make_windows([seg, seg2], lag)
    assert x.shape == (T - lag + 12 - lag, lag, N)
    for m in range(len(x)):
        k, t = idx[m]
        src = [seg, seg2][k]
        times_in_window = set((x[m, :, 0] - 1000 * k).astype(int))  # column 0 holds the time index
        assert t not in times_in_window  # the target step is never an input
        assert times_in_window == set(range(t - lag, t))
        np.testing.assert_array_equal(x[m], src[t - lag:t])  # the lag steps right before it
        np.testing.assert_array_equal(y[m], src[t])
        assert y[m, 0] == x[m, -1, 0] + 1  # target is the next step
    # no window crosses from one series to the next
    assert not np.any((x[:, :, 0] >= 1000).any(axis=1) & (x[:, :, 0] < 1000).any(axis=1))
    assert obs.all()


def test_prepare_interpolates_and_standardises():
    df = pd.DataFrame({"a": [0.0, np.nan, 2.0, 3.0, 4.0, 5.0], "b": [1.0, 3.0, 2.0, 5.0, 4.0, 6.0]})
    p = prepare_series(df, lag=2)
    seg = p["segments"][0] * p["std"] + p["mean"]
    assert seg[1, 0] == pytest.approx(1.0)  # linear interpolation
    assert not p["observed"][0][1, 0] and p["observed"][0][0, 0]
    z, obs = p["segments"][0], p["observed"][0]
    for j in range(2):  # standardised over the observed values
        assert z[obs[:, j], j].mean() == pytest.approx(0, abs=1e-6)
        assert z[obs[:, j], j].std() == pytest.approx(1, abs=1e-6)


# ---------------------------------------------------------------------- graph
def test_adjacency_formula():
    h = np.array([[1, 1, 0], [0, 1, 0], [1, 0, 1]])
    a = causaltime_adjacency(h)
    np.testing.assert_array_equal(a[:3, :3], h)
    np.testing.assert_array_equal(a[:3, 3:], np.ones((3, 3)))
    np.testing.assert_array_equal(a[3:, :3], np.eye(3))
    np.testing.assert_array_equal(a[3:, 3:], np.zeros((3, 3)))


def test_lagged_graph_matches_adjacency():
    names = ["p", "q", "s"]
    h = pd.DataFrame([[1, 1, 0], [0, 1, 0], [1, 0, 1]], index=names, columns=names)
    g = causaltime_graph(h, lag=2)
    res = [f"{n}_residual" for n in names]
    nodes = names + res
    assert g.nodes == tuple(nodes)
    a = np.zeros((6, 6), dtype=int)
    for e in g.edge_list():
        assert e.type == "-->" and e.lag >= 1
        a[nodes.index(e.source), nodes.index(e.target)] = 1
        if e.source in res:
            assert e.lag == 1
    np.testing.assert_array_equal(a, causaltime_adjacency(h.to_numpy()))
    assert g.has_edge("s", "p", lag=2) and g.has_edge("s", "p", lag=1) and not g.has_edge("p", "s", lag=1)
    assert g.has_edge("p", "p", lag=2)  # self-loop at every lag
    assert not g.has_edge("p_residual", "p", lag=2)


# ---------------------------------------------------------------------- generation
def test_generated_shapes_and_graph(fitted):
    ds = fitted.generate(n_samples=5, length=12, seed=3)
    n = 4
    assert isinstance(ds, TimeSeriesDataset)
    assert ds.data.shape == (5, 12, 2 * n)
    assert ds.columns[:n] == list(fitted.names_)
    assert ds.columns[n:] == [f"{v}_residual" for v in fitted.names_]
    h = ds.hcg
    assert list(h.index) == list(fitted.names_) and list(h.columns) == list(fitted.names_)
    assert np.all(np.diag(h.to_numpy()) == 1)
    # threshold=0.5 keeps exactly half of the 12 off-diagonal pairs
    assert int(h.to_numpy().sum()) - n == 6
    np.testing.assert_array_equal(ds.adjacency.to_numpy(), causaltime_adjacency(h.to_numpy()))
    assert set(ds.graph.nodes) == set(ds.columns)
    for j, src in enumerate(fitted.names_):
        for i, dst in enumerate(fitted.names_):
            for k in (1, 3):
                assert ds.graph.has_edge(src, dst, lag=k) == bool(h.iloc[j, i])
    assert np.all(np.isfinite(ds.data))


def test_noise_is_sampled_and_seeded(fitted):
    a = fitted.generate(n_samples=6, length=10, seed=1).data
    b = fitted.generate(n_samples=6, length=10, seed=1).data
    c = fitted.generate(n_samples=6, length=10, seed=2).data
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - c).max() > 1e-3


def test_generation_follows_the_equation(fitted):
    """x_t = f^H(window) + r_{t-1} + eta_t, r_t = f(window) - f^H(window), eta of the flow's scale."""
    lag, n = fitted.lag, 4
    ds = fitted.generate(n_samples=60, length=lag + 8, seed=5)
    x, r = ds.data[:, :, :n], ds.data[:, :, n:]
    ones = np.ones((n, n), dtype=np.float32)
    mask_h = fitted.hcg_.to_numpy().T.astype(np.float32)
    etas = []
    for t in range(lag, x.shape[1]):
        win = x[:, t - lag:t].astype(np.float32)
        fh = predict(fitted.causal_model_, win, mask_h, "cpu")
        full = predict(fitted.full_model_, win, ones, "cpu")
        np.testing.assert_allclose(r[:, t], full - fh, atol=1e-4)
        etas.append(x[:, t] - fh - r[:, t - 1])
    eta = np.concatenate(etas)
    sd = eta.std(axis=0)
    assert np.all(sd > 0.5 * fitted.noise_std_) and np.all(sd < 2.0 * fitted.noise_std_)
    # noise has (about) the flow's location: the residuals of f are centred near zero
    assert np.all(np.abs(eta.mean(axis=0)) < 0.5 * fitted.noise_std_ + 0.2)


def test_causal_model_reads_only_parents(fitted):
    """Head i of f^H responds to input j exactly when H[j, i] = 1 (rows cause)."""
    x, *_ = make_windows(fitted.segments_, fitted.lag)
    x = x[:50]
    mask_h = fitted.hcg_.to_numpy().T.astype(np.float32)
    base = predict(fitted.causal_model_, x, mask_h, "cpu")
    h = fitted.hcg_.to_numpy()
    for j in range(4):
        bumped = x.copy()
        bumped[:, :, j] += 1.0
        moved = np.abs(predict(fitted.causal_model_, bumped, mask_h, "cpu") - base).max(axis=0) > 1e-6
        np.testing.assert_array_equal(moved, h[j] == 1)


def test_hcg_scores():
    names = ["a", "b", "c"]
    h = pd.DataFrame([[1, 1, 0], [0, 1, 0], [1, 0, 1]], index=names, columns=names)
    extra = names + ["a_residual"]
    perfect = pd.DataFrame(0.0, index=extra, columns=extra)
    perfect.loc[names, names] = h.to_numpy() + 0.1
    res = hcg_scores(h, perfect)
    assert res["auroc"] == 1.0 and res["auprc"] == 1.0 and res["auroc_with_diagonal"] == 1.0
    flipped = pd.DataFrame(h.to_numpy().T, index=names, columns=names)  # every edge reversed
    res = hcg_scores(h, flipped)
    # positives ab, ca score 0; negatives ac, ba score 1 and bc, cb score 0 (ties count 1/2)
    assert res["auroc"] == pytest.approx(0.25)
    # with the diagonal, the three self-loops (score 1) join the positives: 11 of 20 pairs won
    assert res["auroc_with_diagonal"] == pytest.approx(11 / 20)
    with pytest.raises(GraphError, match="variables"):
        hcg_scores(h, perfect.loc[["a", "b"], ["a", "b"]])


def test_original_units(fitted):
    z = fitted.generate(n_samples=3, length=5, seed=4)
    o = fitted.generate(n_samples=3, length=5, seed=4, original_units=True)
    n = 4
    np.testing.assert_allclose(o.data[:, :, :n], z.data[:, :, :n] * fitted.std_ + fitted.mean_, rtol=1e-6)
    np.testing.assert_allclose(o.data[:, :, n:], z.data[:, :, n:] * fitted.std_, rtol=1e-6)


def test_dataset_roundtrip(fitted, tmp_path):
    ds = fitted.generate(n_samples=2, length=4, seed=0)
    back = TimeSeriesDataset.load(ds.save(tmp_path / "ct"))
    np.testing.assert_array_equal(back.data, ds.data)
    assert back.columns == ds.columns and back.graph == ds.graph
    pd.testing.assert_frame_equal(back.hcg, ds.hcg, check_dtype=False)
    frame = ds.to_frame()
    assert frame.shape == (8, 2 + 8) and list(frame["sample"]) == [0] * 4 + [1] * 4
    assert ds.to_dataset().roles == {"sample": "sample", "time": "time"}


def test_lstm_heads_on_many_short_series():
    rng = np.random.default_rng(0)
    panel = rng.standard_normal((6, 15, 3)).cumsum(axis=1)  # 6 series x 15 steps x 3 variables
    ct = CausalTime(lag=4, architecture="lstm", seed=1, **{**TINY, "epochs": 1}).fit(panel)
    ds = ct.generate(n_samples=4, length=6, seed=0)
    assert ds.data.shape == (4, 6, 6) and ds.columns[:3] == ["X0", "X1", "X2"]
    assert np.all(np.isfinite(ds.data))


def test_causaltime_dataset_function():
    ds = causaltime_dataset(_macro(), n_samples=20, length=6, seed=2, lag=3, **TINY)
    assert ds.data.shape == (20, 6, 8)
    assert set(ds.metadata["fidelity"]) >= {"discriminative_auc", "mmd", "mmd_self"}
    assert ds.metadata["seed"] == 2 and ds.metadata["generator"] == "causaltime"


# ---------------------------------------------------------------------- flows
def test_flow_beats_gaussian_on_skewed_residuals():
    from causalkit.generators._causaltime_flow import (fit_flows, flow_log_prob, flow_sample,
                                                       gaussian_log_prob)

    rng = np.random.default_rng(0)
    e = np.column_stack([rng.gamma(2.0, 1.0, 3000) - 2.0, -rng.lognormal(0.0, 0.5, 3000)])
    train, test = e[:2000], e[2000:]
    p = fit_flows(train, steps=150, seed=0)
    gain = flow_log_prob(p, test).mean(axis=0) - gaussian_log_prob(train, test).mean(axis=0)
    assert np.all(gain > 0.03), gain
    # samples reproduce the skew sign and scale
    s = flow_sample(p, rng.standard_normal((4000, 2)))
    from scipy import stats

    assert np.all(np.sign(stats.skew(s)) == np.sign(stats.skew(e)))
    np.testing.assert_allclose(s.std(axis=0), e.std(axis=0), rtol=0.15)


def test_flow_inverse_and_log_determinant():
    from causalkit.generators._causaltime_flow import _forward, _to_torch, fit_flows, flow_sample

    rng = np.random.default_rng(1)
    p = fit_flows(rng.gamma(1.5, 1.0, (500, 2)), steps=100, seed=1)
    z = rng.standard_normal((50, 2))
    x = torch.tensor(flow_sample(p, z), dtype=torch.float32, requires_grad=True)
    zz, logdet = _forward(_to_torch(p), x)
    np.testing.assert_allclose(zz.detach().numpy(), z, atol=1e-4)
    (grad,) = torch.autograd.grad(zz.sum(), x)  # diagonal Jacobian: one variable per column
    np.testing.assert_allclose(torch.log(grad.abs()).numpy(), logdet.detach().numpy(), atol=1e-4)


def test_conditional_flow_scale_follows_own_past():
    """Residuals whose scale grows with a feature: the conditional flow fits them better and samples them."""
    from causalkit.generators._causaltime_flow import fit_flows, flow_log_prob, flow_sample

    rng = np.random.default_rng(3)
    n = 4000
    feat = rng.standard_normal((n, 2, 1))
    e = np.exp(0.7 * feat[:, :, 0]) * rng.standard_normal((n, 2))
    e[:, 1] = rng.standard_normal(n)  # variable 1: homoscedastic, its feature is irrelevant
    tr, te = slice(0, 3000), slice(3000, None)
    p0 = fit_flows(e[tr], steps=200, seed=0)
    p1 = fit_flows(e[tr], features=feat[tr], steps=200, seed=0)
    gain = flow_log_prob(p1, e[te], feat[te]).mean(axis=0) - flow_log_prob(p0, e[te]).mean(axis=0)
    assert gain[0] > 0.1 and abs(gain[1]) < 0.02, gain
    assert p1["scale_w"][0, 0] > 0.4 and abs(p1["scale_w"][0, 1]) < 0.1
    z = rng.standard_normal((2000, 2))
    hi = flow_sample(p1, z, np.full((2000, 2, 1), 1.5))
    lo = flow_sample(p1, z, np.full((2000, 2, 1), -1.5))
    assert hi[:, 0].std() > 3 * lo[:, 0].std()
    np.testing.assert_allclose(hi[:, 1].std(), lo[:, 1].std(), rtol=0.25)


def test_noise_scale_features_read_only_the_own_variable():
    from causalkit.generators._causaltime_flow import noise_scale_features

    w = torch.randn(5, 4, 3)
    f = noise_scale_features(w)
    assert f.shape == (5, 3, 1)
    bumped = w.clone()
    bumped[:, :, 1] += torch.randn(5, 4)
    moved = (noise_scale_features(bumped) - f).abs().amax(dim=(0, 2)) > 0
    assert moved.tolist() == [False, True, False]


def test_linear_heads_start_at_least_squares_on_parents():
    from causalkit.generators._causaltime_model import init_linear_heads, make_network

    rng = np.random.default_rng(0)
    T = 3000
    x = np.zeros((T, 3))
    for t in range(1, T):
        x[t, 0] = 0.6 * x[t - 1, 0] + rng.standard_normal()
        x[t, 1] = 0.8 * x[t - 1, 0] - 0.3 * x[t - 1, 1] + 0.5 * rng.standard_normal()
        x[t, 2] = 0.5 * x[t - 1, 2] + 0.4 * x[t - 1, 1] + rng.standard_normal()
    xs, ys, _, _ = make_windows([x.astype(np.float32)], 2)
    mask = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 1]], dtype=np.float32)  # effect rows; x1 -> x2 left out
    net = make_network(3, 2, 8)
    init_linear_heads(net, xs, ys, np.ones_like(ys), mask, val_fraction=0.2)
    w = net.lin_w.detach().numpy().reshape(3, 2, 3)  # head, lag position (last = lag 1), cause
    np.testing.assert_allclose(w[1, -1, :2], [0.8, -0.3], atol=0.05)
    np.testing.assert_allclose(w[0, -1, 0], 0.6, atol=0.05)
    assert w[2, :, 1].tolist() == [0.0, 0.0] and w[0, :, 1:].max() == 0  # masked causes stay out
    # the untrained nonlinear part adds nothing: predictions are the linear fit
    pred = predict(net, xs[:100], mask, "cpu")
    lin = np.einsum("blj,ilj->bi", xs[:100] * 1.0, w) + net.lin_b.detach().numpy()
    np.testing.assert_allclose(pred, lin, atol=1e-4)


def test_linear_heads_ridge_tames_collinear_inputs():
    """Two almost identical inputs: the validation-chosen ridge keeps the coefficients moderate."""
    from causalkit.generators._causaltime_model import init_linear_heads, make_network

    rng = np.random.default_rng(1)
    T = 400
    base = np.cumsum(rng.standard_normal(T)) * 0.1 + rng.standard_normal(T)
    x = np.column_stack([base, base + 1e-3 * rng.standard_normal(T), rng.standard_normal(T)])
    xs, ys, _, _ = make_windows([x.astype(np.float32)], 4)
    net = make_network(3, 4, 8)
    init_linear_heads(net, xs, ys, np.ones_like(ys), np.ones((3, 3), dtype=np.float32), val_fraction=0.2)
    assert np.abs(net.lin_w.detach().numpy()).max() < 5.0
    none = make_network(3, 4, 8)
    init_linear_heads(none, xs, ys, np.ones_like(ys), np.ones((3, 3), dtype=np.float32), val_fraction=0.2,
                      ridges=(1e-9,))
    assert np.abs(none.lin_w.detach().numpy()).max() > 20.0  # what an unpenalised fit does


# ---------------------------------------------------------------------- attribution
def test_attribution_finds_a_driver():
    from causalkit.generators._causaltime_attrib import expected_gradients, hcg_from_importance
    from causalkit.generators._causaltime_model import make_network, train_regressor

    rng = np.random.default_rng(0)
    T = 800
    x = np.zeros((T, 3))
    e = rng.standard_normal((T, 3))
    for t in range(1, T):
        x[t, 0] = 0.5 * x[t - 1, 0] + e[t, 0]
        x[t, 1] = 0.9 * x[t - 1, 0] + 0.2 * x[t - 1, 1] + 0.3 * e[t, 1]  # x0 -> x1
        x[t, 2] = 0.5 * x[t - 1, 2] + e[t, 2]
    seg = ((x - x.mean(0)) / x.std(0)).astype(np.float32)
    xs, ys, _, _ = make_windows([seg], 2)
    torch.manual_seed(0)
    net = make_network(3, 2, 16)
    ones = np.ones((3, 3), dtype=np.float32)
    train_regressor(net, xs, ys, np.ones_like(ys), ones, epochs=15, batch_size=64, lr=1e-2, patience=5,
                    val_fraction=0.2, device="cpu", seed=0)
    imp, by_lag = expected_gradients(net, xs, ones, n_windows=64, n_baselines=4)
    assert imp.shape == (3, 3) and by_lag.shape == (2, 3, 3)
    assert imp[0, 1] > 3 * imp[2, 1] and imp[0, 1] > 3 * imp[1, 0]  # rows cause
    assert by_lag[1, 0, 1] > by_lag[0, 0, 1]  # lag 1 (last position) carries the effect
    hcg, _ = hcg_from_importance(imp, threshold=1 / 6)
    assert hcg[0, 1] and hcg.sum() == 4


def test_prior_combination():
    from causalkit.generators._causaltime_attrib import hcg_from_importance

    imp = np.array([[0, 1.0, 0.1], [0.1, 0, 0.1], [0.1, 0.9, 0]])
    prior = np.zeros((3, 3))
    prior[2, 0] = 1
    h0, _ = hcg_from_importance(imp, threshold=1 / 6)
    h1, _ = hcg_from_importance(imp, prior, threshold=1 / 6, prior_weight=1.0)
    assert h0[0, 1] and not h0[2, 0]
    assert h1[2, 0] and not h1[0, 1]


# ---------------------------------------------------------------------- fidelity
def test_fidelity_outputs(fitted, tmp_path):
    ds = fitted.generate(n_samples=30, length=8, seed=0)
    res = fitted.fidelity(ds, window=3, n_windows=150, plot_dir=tmp_path, tsne=False)
    assert 0.0 <= res["discriminative_auc"] <= 1.0
    assert np.isfinite(res["mmd"]) and np.isfinite(res["mmd_self"])
    assert res["window"] == 3 and len(res["plots"]) == 1
    assert (tmp_path / "causaltime_pca.png").stat().st_size > 1000


def test_mmd_and_discriminator_respond_to_a_shift():
    from causalkit.generators._causaltime_fidelity import discriminative_auc, median_bandwidth, mmd

    rng = np.random.default_rng(0)
    a, b, c = rng.standard_normal((300, 4)), rng.standard_normal((300, 4)), rng.standard_normal((300, 4)) + 1
    bw = median_bandwidth(a)
    assert abs(mmd(b, a, bw)) < 0.02 < mmd(c, a, bw)
    assert discriminative_auc(a, b) < 0.65 and discriminative_auc(a, c) > 0.8
    # the recurrent discriminator reads the flattened windows as 2 steps x 2 variables
    assert discriminative_auc(a, c, classifier="gru", n_features=2) > 0.8
    assert discriminative_auc(a, b, classifier="gru", n_features=2) < 0.65



def _ar1_windows(rng, n_series, length, phi, window, block=None):
    """Windows of a 2-variable AR(1) with unit marginal variance (the step size depends on phi)."""
    from causalkit.generators._causaltime_fidelity import window_pool

    x = np.zeros((n_series, length, 2))
    x[:, 0] = rng.standard_normal((n_series, 2))
    for t in range(1, length):
        x[:, t] = phi * x[:, t - 1] + np.sqrt(1 - phi ** 2) * rng.standard_normal((n_series, 2))
    w, g, _ = window_pool([x[0]] if block else list(x), window, block=block)
    return w.reshape(len(w), -1), g


def test_lstm_discriminator_learns_under_the_grouped_split():
    from causalkit.generators._causaltime_fidelity import discriminative_auc

    # the two classes differ only in their dynamics (lag-1 autocorrelation 0.8 vs 0, the same
    # N(0, 1) marginal): only a classifier that learned the temporal pattern separates them
    rng = np.random.default_rng(0)
    real, gr = _ar1_windows(rng, 1, 2000, 0.8, 10, block=100)
    same, gs = _ar1_windows(rng, 50, 40, 0.8, 10)
    white, gw = _ar1_windows(rng, 50, 40, 0.0, 10)
    kw = dict(classifier="lstm", n_features=2, real_groups=gr)
    assert discriminative_auc(real, white, generated_groups=gw, **kw) > 0.9
    assert discriminative_auc(real, same, generated_groups=gs, **kw) < 0.65


def test_discriminator_rejects_bad_classifier_and_width():
    from causalkit.exceptions import UnknownMethodError
    from causalkit.generators._causaltime_fidelity import discriminative_auc

    a = np.zeros((20, 6))
    with pytest.raises(UnknownMethodError, match="'tree', 'gru', 'lstm'"):
        discriminative_auc(a, a, classifier="svm")
    with pytest.raises(DataError, match="n_features=4"):
        discriminative_auc(a, a, classifier="lstm", n_features=4)


def test_fidelity_accepts_the_lstm_discriminator(fitted):
    ds = fitted.generate(n_samples=30, length=8, seed=0)
    res = fitted.fidelity(ds, window=3, n_windows=100, block=12, classifier="lstm")
    assert res["classifier"] == "lstm"
    assert 0.0 <= res["discriminative_auc"] <= 1.0 and 0.0 <= res["discriminative_auc_self"] <= 1.0
    from causalkit.exceptions import UnknownMethodError

    with pytest.raises(UnknownMethodError, match="'lstm'"):
        fitted.fidelity(ds, window=3, classifier="svm")


def test_recurrent_discriminator_reads_each_window_step_by_step(monkeypatch):
    torch = pytest.importorskip("torch")
    from causalkit.generators._causaltime_fidelity import discriminative_auc

    seen = []

    class RecordingLSTM(torch.nn.LSTM):
        def forward(self, x, *args, **kwargs):
            seen.append(x.detach().numpy().copy())
            return super().forward(x, *args, **kwargs)

    monkeypatch.setattr(torch.nn, "LSTM", RecordingLSTM)
    rng = np.random.default_rng(0)
    windows = rng.standard_normal((60, 5, 3))  # window x step x variable
    flat = windows.reshape(60, -1)  # the flattening fidelity() uses: step by step
    discriminative_auc(flat[:30], flat[30:], classifier="lstm", n_features=3, seed=0)
    assert seen and all(x.shape[1:] == (5, 3) for x in seen)
    # every sequence the LSTM read is one of the windows in (step, variable) layout
    known = {w.round(6).tobytes() for w in windows.astype(np.float32)}
    assert all(row.round(6).tobytes() in known for x in seen for row in x)

def test_lagged_cross_correlation_and_score():
    from causalkit.generators._causaltime_fidelity import cross_correlation_score, lagged_cross_correlation

    rng = np.random.default_rng(0)
    e = rng.standard_normal((5000, 2))
    x = e.copy()
    x[1:, 1] = 0.9 * e[:-1, 0] + 0.3 * e[1:, 1]  # x0 leads x1 by one step
    c = lagged_cross_correlation([x], 2)
    assert c.shape == (3, 2, 2)
    np.testing.assert_allclose(np.diagonal(c[0]), 1.0, atol=1e-9)
    assert c[1, 0, 1] > 0.9 and abs(c[1, 1, 0]) < 0.05 and abs(c[0, 0, 1]) < 0.05
    # pairs never cross series, invalid values are left out
    parts = [x[:2500], x[2500:]]
    valid = [np.ones((2500, 2), dtype=bool), np.ones((2500, 2), dtype=bool)]
    valid[1][100:200, 0] = False
    c2 = lagged_cross_correlation(parts, 2, valid=valid)
    assert abs(c2[1, 0, 1] - c[1, 0, 1]) < 0.02
    assert cross_correlation_score(c, c) == 0.0
    shuffled = x.copy()
    shuffled[:, 1] = rng.permutation(x[:, 1])
    cs = lagged_cross_correlation([shuffled], 2)
    assert cross_correlation_score(c, cs) > cross_correlation_score(c, c2) + 0.05


def test_fidelity_reports_cross_correlation(fitted):
    ds = fitted.generate(n_samples=40, length=10, seed=0)
    res = fitted.fidelity(ds, window=3, n_windows=150)
    assert res["cross_correlation_lags"] == fitted.lag
    assert 0.0 < res["cross_correlation"] < 2.0 and 0.0 < res["cross_correlation_self"] < 2.0
    # a generator that forgot the dependence between variables scores worse
    broken = ds.data[:, :, :4].copy()
    rng = np.random.default_rng(0)
    for j in range(4):
        broken[:, :, j] = broken[rng.permutation(len(broken)), :, j]
    assert fitted.fidelity(broken, window=3, n_windows=150)["cross_correlation"] > res["cross_correlation"]


def test_real_windows_skip_interpolated_gaps():
    from causalkit.generators._causaltime_fidelity import sample_windows

    seg = np.arange(100, dtype=float)[:, None]
    valid = np.ones(100, dtype=bool)
    valid[10:60] = False
    w = sample_windows([seg], 5, 1000, np.random.default_rng(0), valid=[valid])
    assert len(w) == 6 + 36  # windows inside steps 0..9 and 60..99 only
    assert not np.any((w >= 10) & (w < 60))


def test_fill_within_window_interpolates_inside_the_window():
    from causalkit.generators._causaltime_fidelity import fill_within_window

    x = np.array([[[1.0, 5.0], [9.0, 6.0], [9.0, 7.0], [4.0, 8.0]]])  # (1 window, 4 steps, 2 variables)
    m = np.array([[[True, False], [False, False], [False, False], [True, False]]])
    out = fill_within_window(x, m)
    np.testing.assert_allclose(out[0, :, 0], [1.0, 2.0, 3.0, 4.0])  # the straight line between 1 and 4
    np.testing.assert_allclose(out[0, :, 1], 0.0)  # nothing observed: the mean (0 standardised)
    m2 = np.array([[[False, True], [True, True], [False, True], [False, True]]])
    out2 = fill_within_window(x, m2)
    np.testing.assert_allclose(out2[0, :, 0], [9.0, 9.0, 9.0, 9.0])  # before/after: the nearest value
    np.testing.assert_allclose(out2[0, :, 1], x[0, :, 1])  # observed values are kept


def test_window_pool_keeps_windows_inside_blocks():
    from causalkit.generators._causaltime_fidelity import window_pool

    seg = np.arange(25, dtype=float)[:, None]
    obs = np.ones((25, 1), dtype=bool)
    obs[3] = False
    w, g, m = window_pool([seg], 3, block=10, observed=[obs])
    assert len(w) == 8 + 8 + 3  # blocks 0-9, 10-19, 20-24
    assert np.all(w[:, -1, 0] - w[:, 0, 0] == 2)
    assert np.all(w[:, 0, 0] // 10 == w[:, -1, 0] // 10)  # no window crosses a block boundary
    np.testing.assert_array_equal(g, w[:, 0, 0] // 10)
    assert not m[w[:, :, 0] == 3].any() and m[w[:, :, 0] != 3].all()
    w2, g2, _ = window_pool([seg[:6], seg[6:12]], 3)  # generated samples: one group per series
    np.testing.assert_array_equal(g2, [0, 0, 0, 0, 1, 1, 1, 1])


def test_grouped_split_does_not_reward_memorised_episodes():
    from causalkit.generators._causaltime_fidelity import discriminative_auc, window_pool

    # both "real" and "generated" are episodes of one process (a random level per 40 steps):
    # a random split of overlapping windows lets the classifier recognise the episodes it was
    # trained on and separate two samples of the same distribution; holding out whole
    # episodes does not
    rng = np.random.default_rng(0)

    def episodes(k):
        return rng.standard_normal((k, 1, 2)) + 0.05 * rng.standard_normal((k, 40, 2))

    real, gr, _ = window_pool([episodes(60).reshape(-1, 2)], 5, block=40)
    gen, gg, _ = window_pool(list(episodes(60)), 5)
    real, gen = real.reshape(len(real), -1), gen.reshape(len(gen), -1)
    assert discriminative_auc(real, gen) > 0.9
    assert discriminative_auc(real, gen, real_groups=gr, generated_groups=gg) < 0.6
    # a real difference is still found under the grouped split
    assert discriminative_auc(real, gen + 4.0, real_groups=gr, generated_groups=gg) > 0.9


def test_match_masks_draws_from_the_same_side_of_the_split():
    from causalkit.generators._causaltime_fidelity import match_masks

    # 20 real windows, each with its own mask pattern (a missing value at a distinct position)
    real = np.ones((20, 4, 5), dtype=bool)
    real.reshape(20, -1)[np.arange(20), np.arange(20)] = False
    which = lambda m: np.argmax(~m.reshape(len(m), -1), axis=1)  # noqa: E731  (pattern -> real window index)
    real_out = np.zeros(20, dtype=bool)
    real_out[[3, 7, 11, 15, 19]] = True
    gen_out = np.arange(300) % 3 == 0
    got = match_masks(real, 300, np.random.default_rng(0), real_held_out=real_out, generated_held_out=gen_out)
    assert got.shape == (300, 4, 5)
    held, train = which(got[gen_out]), which(got[~gen_out])
    assert set(held) == {3, 7, 11, 15, 19}  # held-out windows: only (and all of) the held-out patterns
    assert not set(train) & {3, 7, 11, 15, 19} and len(set(train)) == 15
    pooled = which(match_masks(real, 300, np.random.default_rng(0)))
    assert len(set(pooled[gen_out]) - {3, 7, 11, 15, 19}) > 0  # pooled: training patterns among held-out ones
    with pytest.raises(DataError, match="no held-out real window"):
        match_masks(real, 5, np.random.default_rng(0), real_held_out=np.zeros(20, bool),
                    generated_held_out=np.ones(5, bool))


def test_fidelity_protocols(fitted):
    ds = fitted.generate(n_samples=30, length=8, seed=0)
    grouped = fitted.fidelity(ds, window=3, n_windows=150, block=12)
    pooled = fitted.fidelity(ds, window=3, n_windows=150, block=12, missing="matched_pooled")
    legacy = fitted.fidelity(ds, window=3, n_windows=150, split="random", missing="observed")
    for res in (grouped, pooled, legacy):
        assert 0.0 <= res["discriminative_auc"] <= 1.0 and 0.0 <= res["discriminative_auc_self"] <= 1.0
    assert grouped["split"] == "grouped" and grouped["block"] == 12 and grouped["missing"] == "matched"
    assert grouped["mask_matching"] == "same_side" and pooled["mask_matching"] == "pooled"
    assert legacy["block"] is None and legacy["mask_matching"] is None
    with pytest.raises(DataError, match="split"):
        fitted.fidelity(ds, window=3, split="time")
    with pytest.raises(DataError, match="missing"):
        fitted.fidelity(ds, window=3, missing="drop")
    with pytest.raises(DataError, match="block"):
        fitted.fidelity(ds, window=3, block=2)
    with pytest.raises(DataError, match="2 generated samples"):
        fitted.fidelity(ds.data[:1], window=3)


def test_fidelity_matches_masks_on_the_split_it_scores(fitted, monkeypatch):
    from causalkit.generators import _causaltime_fidelity as fid

    ds = fitted.generate(n_samples=30, length=8, seed=0)
    seen = {}
    real_match, real_auc = fid.match_masks, fid.discriminative_auc

    def spy_match(real_masks, n_generated, rng, **kw):
        out = real_match(real_masks, n_generated, rng, **kw)
        if kw.get("real_held_out") is not None:
            seen["match"] = (real_masks, kw["real_held_out"], kw["generated_held_out"], out)
        return out

    def spy_auc(real, generated, **kw):
        if kw.get("held_out") is not None:
            seen["auc"] = kw["held_out"]
            # the split handed over is the one discriminative_auc would have drawn itself
            rng = np.random.default_rng(kw["seed"])
            np.testing.assert_array_equal(kw["held_out"][0], fid._group_split(kw["real_groups"], 0.3, rng))
            np.testing.assert_array_equal(kw["held_out"][1], fid._group_split(kw["generated_groups"], 0.3, rng))
        return real_auc(real, generated, **kw)

    monkeypatch.setattr(fid, "match_masks", spy_match)
    monkeypatch.setattr(fid, "discriminative_auc", spy_auc)
    fitted.fidelity(ds, window=3, n_windows=150, block=12, seed=3)
    masks, r_out, g_out, got = seen["match"]
    assert seen["auc"][0] is r_out and seen["auc"][1] is g_out  # matched on exactly the split scored
    flat = masks.reshape(len(masks), -1)
    held_patterns = {row.tobytes() for row in flat[r_out]}
    train_patterns = {row.tobytes() for row in flat[~r_out]}
    assert train_patterns - held_patterns  # some gap patterns occur only in training blocks (not vacuous)
    assert all(row.tobytes() in held_patterns for row in got[g_out].reshape(g_out.sum(), -1))
    assert all(row.tobytes() in train_patterns for row in got[~g_out].reshape((~g_out).sum(), -1))


def test_held_out_and_match_masks_check_their_arguments():
    from causalkit.generators._causaltime_fidelity import discriminative_auc, match_masks

    a, b = np.zeros((20, 3)), np.ones((20, 3))
    groups = np.arange(20) // 4
    with pytest.raises(DataError, match="held_out needs"):
        discriminative_auc(a, b, held_out=(groups < 1, groups < 1))
    with pytest.raises(DataError, match="pair"):
        discriminative_auc(a, b, real_groups=groups, generated_groups=groups, held_out=groups < 1)
    with pytest.raises(DataError, match="mark each"):
        discriminative_auc(a, b, real_groups=groups, generated_groups=groups, held_out=(groups[:5] < 1, groups < 1))
    masks = np.ones((10, 2, 2), dtype=bool)
    with pytest.raises(DataError, match="both"):
        match_masks(masks, 4, np.random.default_rng(0), real_held_out=np.zeros(10, bool))
    with pytest.raises(DataError, match="real_held_out must have one entry"):
        match_masks(masks, 4, np.random.default_rng(0), real_held_out=np.zeros(2, bool),
                    generated_held_out=np.zeros(4, bool))


# ---------------------------------------------------------------------- checkpoints
def test_checkpoint_resume(tmp_path):
    df = _macro()
    with pytest.warns(RuntimeWarning, match="resume"):
        ct = CausalTime(lag=3, seed=0, **TINY).fit(df, checkpoint_dir=tmp_path, max_minutes=0)
    assert not ct.complete_ and len(ct.__dict__.get("history_", {})) == 0
    with pytest.raises(DataError, match="not fitted"):
        ct.generate(2, 3)
    ct.fit(df, checkpoint_dir=tmp_path)
    assert ct.complete_ and len(ct.history_["full"]) == TINY["epochs"]
    once = CausalTime(lag=3, seed=0, **TINY).fit(df)  # uninterrupted: same result
    np.testing.assert_allclose(ct.history_["full"], once.history_["full"], rtol=1e-5)
    np.testing.assert_array_equal(ct.hcg_.to_numpy(), once.hcg_.to_numpy())
    with pytest.raises(DataError, match="other data or settings"):
        CausalTime(lag=2, seed=0, **TINY).fit(df, checkpoint_dir=tmp_path)


# ---------------------------------------------------------------------- bad input
def test_bad_input_errors():
    df = _macro()
    with pytest.raises(DataError, match=r"lag \+ 2 = 12"):
        CausalTime(lag=10, **TINY).fit(df.iloc[:11])
    bad = df.copy()
    bad["realinv"] = np.nan
    with pytest.raises(DataError, match="realinv"):
        CausalTime(lag=3, **TINY).fit(bad)
    with pytest.raises(GraphError, match=r"shape \(3, 3\); expected \(4, 4\)"):
        CausalTime(lag=3, **TINY).fit(df, prior_graph=np.ones((3, 3)))
    with pytest.raises(GraphError, match="prior_graph has no nodes"):
        CausalTime(lag=3, **TINY).fit(df, prior_graph=CausalGraph(["realgdp", "cpi"], [("cpi", "realgdp")]))
    with pytest.raises(DataError, match="threshold"):
        CausalTime(lag=3, threshold=0, **TINY).fit(df)
    with pytest.raises(DataError, match="device"):
        CausalTime(lag=3, **TINY).fit(df, device="tpu")


def test_prior_dataframe_is_reordered():
    names = ["a", "b", "c"]
    prior = pd.DataFrame(np.eye(3), index=names[::-1], columns=names[::-1])
    prior.loc["c", "a"] = 1
    arr = CausalTime._prior_matrix(prior, names)
    assert arr[2, 0] == 1 and arr[0, 2] == 0


def test_import_does_not_load_torch():
    code = ("import sys, causalkit.generators.causaltime, causalkit.generators.timeseries_dataset; "
            "print('torch' in sys.modules, 'matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_correlated_noise_is_generated_and_flagged():
    """noise_correlation=True correlates the noise across variables within a step (seen in the
    generated step changes) and says so in the metadata; a bad value set after fit is refused."""
    rng = np.random.default_rng(0)
    z = rng.standard_normal((1500, 1)) * np.ones((1, 3)) + 0.5 * rng.standard_normal((1500, 3))
    x = np.zeros_like(z)
    for t in range(1, len(z)):
        x[t] = 0.5 * x[t - 1] + z[t]  # AR(1) per variable, noise correlated across variables (~0.8)
    df = pd.DataFrame(x, columns=["a", "b", "c"])
    kw = dict(TINY, epochs=5, flow_steps=100)
    indep = CausalTime(lag=2, threshold=0.5, seed=0, **kw).fit(df)
    corr = CausalTime(lag=2, threshold=0.5, seed=0, noise_correlation=True, **kw).fit(df)
    assert corr.noise_corr_.to_numpy()[0, 1] > 0.5

    def step_noise_corr(model):
        ds = model.generate(n_samples=80, length=30, seed=3)
        dx = np.diff(ds.data[:, :, :3], axis=1).reshape(-1, 3)
        return np.corrcoef(dx.T)[0, 1], ds

    c_ind, ds_ind = step_noise_corr(indep)
    c_cor, ds_cor = step_noise_corr(corr)
    assert c_cor > c_ind + 0.3
    assert ds_cor.metadata["contemporaneous_confounding"] is True
    assert ds_ind.metadata["contemporaneous_confounding"] is False
    corr.noise_correlation = "no"
    with pytest.raises(DataError, match="noise_correlation"):
        corr.generate(n_samples=2, length=3)


def test_keyword_flags_must_be_booleans():
    for name in ("heteroscedastic", "noise_correlation"):
        with pytest.raises(DataError, match=name):
            CausalTime(lag=3, **{name: "yes"}, **TINY).fit(_macro())


# ---------------------------------------------------------------------- rollouts, burn-in, seeds
def test_rollout_sequences_stay_in_one_segment_and_one_part():
    from causalkit.generators._causaltime_model import rollout_sequences

    segs = [np.zeros((12, 2), np.float32), np.zeros((9, 2), np.float32)]
    _, _, idx, _ = make_windows(segs, 3)  # targets t = 3..11 of segment 0, 3..8 of segment 1
    tr, va = rollout_sequences(idx, 4, n_train=10)
    for m in np.r_[tr, va]:
        assert len(set(idx[m:m + 4, 0])) == 1 and np.all(np.diff(idx[m:m + 4, 1]) == 1)
    assert np.all(tr + 3 < 10) and np.all(va >= 10)
    assert list(tr) == [0, 1, 2, 3, 4, 5]  # windows 6..9 would cross into segment 1
    assert list(va) == [10, 11]  # 9..12 would start in the training part


def test_rollout_finetuning_keeps_parents_and_lowers_rollout_loss():
    df = _macro()
    ct = CausalTime(lag=3, threshold=0.5, seed=0, rollout_steps=4, rollout_epochs=2, **TINY).fit(df)
    for key in ("full_rollout", "causal_rollout"):
        h = ct.history_[key]
        assert len(h) == 3 and np.all(np.isfinite(h))
    x, *_ = make_windows(ct.segments_, ct.lag)
    mask_h = ct.hcg_.to_numpy().T.astype(np.float32)
    base = predict(ct.causal_model_, x[:40], mask_h, "cpu")
    for j in range(4):
        bumped = x[:40].copy()
        bumped[:, :, j] += 1.0
        moved = np.abs(predict(ct.causal_model_, bumped, mask_h, "cpu") - base).max(axis=0) > 1e-6
        np.testing.assert_array_equal(moved, ct.hcg_.to_numpy()[j] == 1)
    # the kept weights are the best on the validation rollouts (the one-step fit is epoch 0)
    from causalkit.generators._causaltime_model import rollout_finetune

    _, y, idx, obs = make_windows(ct.segments_, ct.lag, ct.observed_)
    again = rollout_finetune(ct.full_model_, x, y, obs.astype(np.float32), idx, np.ones((4, 4), np.float32),
                             steps=4, epochs=1, batch_size=64, lr=1e-3, val_fraction=0.2, device="cpu", seed=0)
    assert again[0] <= ct.history_["full_rollout"][0] + 1e-6
    with pytest.raises(DataError, match="rollout_steps"):
        CausalTime(lag=3, rollout_steps=-1, **TINY).fit(df)


def test_burn_in_and_seed_windows(fitted):
    a = fitted.generate(n_samples=5, length=6, seed=3)
    b = fitted.generate(n_samples=5, length=6, seed=3, burn_in=4)
    assert b.data.shape == a.data.shape and b.metadata["burn_in"] == 4
    assert np.abs(a.data - b.data).max() > 1e-3
    # burn-in steps are generated, then dropped: the output is the tail of a longer run
    long = fitted.generate(n_samples=5, length=10, seed=3)
    np.testing.assert_array_equal(long.data[:, 4:], b.data)
    c = fitted.generate(n_samples=5, length=6, seed=3, seed_observed=0.0)
    assert c.metadata["seed_observed"] == 0.0
    for kw in ({"burn_in": -1}, {"seed_observed": 1.5}, {"seed_observed": "all"}):
        with pytest.raises(DataError, match=list(kw)[0]):
            fitted.generate(n_samples=2, length=3, **kw)
