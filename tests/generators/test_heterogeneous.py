import itertools

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from causalkit.exceptions import DataError
from causalkit.generators import heterogeneous
from causalkit.graph import CausalGraph


def _ols(y, X, se=False):
    A = np.c_[np.ones(len(y)), X]
    beta, *_ = np.linalg.lstsq(A, y, rcond=None)
    resid = y - A @ beta
    if not se:
        return beta, resid
    sigma2 = resid @ resid / (len(y) - A.shape[1])
    return beta, resid, np.sqrt(np.diag(np.linalg.inv(A.T @ A)) * sigma2)


def _chow_pvalue(y, X, groups):
    """F-test: do intercept and slopes of y on X differ between groups? Plus a
    Levene test of the residual variances; returns the smaller p-value (x2)."""
    beta, resid = _ols(y, X)
    rss_pooled = resid @ resid
    rss_sep, resids = 0.0, []
    labels = np.unique(groups)
    for g in labels:
        rows = groups == g
        _, r = _ols(y[rows], X[rows])
        rss_sep += r @ r
        resids.append(r)
    p = X.shape[1] + 1
    k = len(labels)
    df1, df2 = p * (k - 1), len(y) - p * k
    f = ((rss_pooled - rss_sep) / df1) / (rss_sep / df2)
    p_mean = stats.f.sf(f, df1, df2)
    p_var = stats.levene(*resids).pvalue
    return min(1.0, 2 * min(p_mean, p_var))


def test_roles_graphs_and_changing_modules():
    ds = heterogeneous(8, 400, n_domains=4, changing_fraction=0.5, seed=1)
    md = ds.metadata
    assert ds.roles == {"context": "domain"} and md["context"] == "domain"
    assert list(ds.data.columns) == [f"X{i}" for i in range(8)] + ["domain"]
    assert ds.variables == list(ds.graph.nodes)
    assert sorted(np.unique(ds.data["domain"])) == [0, 1, 2, 3]
    assert np.bincount(ds.data["domain"]).tolist() == [100] * 4
    assert len(md["changing_modules"]) == 4
    aug = md["augmented_graph"]
    assert set(aug.nodes) == set(ds.graph.nodes) | {"domain"}
    assert sorted(aug.children("domain")) == sorted(md["changing_modules"])
    assert aug.parents("domain") == ()
    for v in ds.graph.nodes:  # the variable part of the augmented graph is the DAG
        assert set(aug.parents(v)) - {"domain"} == set(ds.graph.parents(v))
    t = heterogeneous(8, 300, time_varying=True, changing_fraction=0.25, seed=1)
    assert t.roles == {"context": "time"}
    assert t.data["time"].tolist() == list(range(300))
    assert sorted(t.metadata["augmented_graph"].children("time")) == sorted(t.metadata["changing_modules"])
    assert len(t.metadata["changing_modules"]) == 2


@pytest.mark.parametrize("fraction, count", [(0.0, 0), (1.0, 6), (0.34, 2)])
def test_changing_fraction_sets_the_count(fraction, count):
    ds = heterogeneous(6, 100, changing_fraction=fraction, seed=0)
    assert len(ds.metadata["changing_modules"]) == count
    assert ds.metadata["params"]["n_domains"] == 5


def test_deterministic_and_regenerable():
    a = heterogeneous(6, 300, time_varying=True, mechanism="nonlinear", drift="gp", seed=4)
    b = heterogeneous(**a.metadata["params"])
    pd.testing.assert_frame_equal(a.data, b.data)
    c = heterogeneous(6, 300, time_varying=True, mechanism="nonlinear", drift="gp", seed=5)
    assert not np.allclose(a.data.to_numpy(), c.data.to_numpy())


def test_gp_drift_length_scale_sets_how_often_the_modules_change():
    from causalkit.generators.heterogeneous import _eval_curve, _draw_curve

    tau = np.linspace(0, 1, 2000)

    def crossings(length_scale):
        rng = np.random.default_rng(0)
        counts = []
        for _ in range(30):
            h = _eval_curve(_draw_curve(rng, "gp", length_scale), tau)
            counts.append(np.sum(np.diff(np.sign(h - h.mean())) != 0))
        return np.mean(counts)

    # an SE-kernel process crosses its mean about 1 / (pi * length_scale) times per unit: ~3 vs ~10
    assert crossings(0.1) < 5 < 7 < crossings(0.03)
    ds = heterogeneous(3, 200, time_varying=True, drift="gp", drift_length_scale=0.03, seed=0)
    assert ds.metadata["params"]["drift_length_scale"] == 0.03
    # the option reaches the data: same seed, same graph and modules, different drift curves
    base = heterogeneous(3, 200, time_varying=True, drift="gp", seed=0)
    assert ds.metadata["changing_modules"] == base.metadata["changing_modules"]
    assert not np.allclose(ds.data.to_numpy(float), base.data.to_numpy(float))
    with pytest.raises(DataError, match="drift_length_scale"):
        heterogeneous(3, 200, time_varying=True, drift="gp", drift_length_scale=-1.0, seed=0)


def test_domain_modules_follow_the_recorded_parameters():
    ds = heterogeneous(7, 25000, n_domains=5, changing_fraction=0.5, expected_degree=3, seed=2)
    md, x, g = ds.metadata, ds.data, ds.graph
    names = list(g.nodes)
    w = md["domain_weights"]
    scales, shifts = md["domain_noise_scales"], md["domain_mean_shifts"]
    dom = x["domain"].to_numpy()
    for v in names:
        j = names.index(v)
        pa = list(g.parents(v))
        ia = [names.index(u) for u in pa]
        for k in range(5):
            rows = dom == k
            beta, resid, se = _ols(x.loc[rows, v].to_numpy(), x.loc[rows, pa].to_numpy(), se=True)
            truth = np.r_[shifts.loc[k, v], w[k, ia, j]]
            assert np.all(np.abs(beta - truth) < 5 * se), (v, k, beta, truth)
            assert resid.std() == pytest.approx(scales.loc[k, v], rel=0.05)
        changing = v in md["changing_modules"]
        # unchanged modules: identical parameters in every domain; changing: all different
        assert (np.ptp(shifts[v]) > 0) == changing
        assert (np.ptp(scales[v]) > 0) == changing
        p = _chow_pvalue(x[v].to_numpy(), x[pa].to_numpy(), dom)
        assert (p < 1e-6) if changing else (p > 1e-3), (v, changing, p)


@pytest.mark.parametrize("mechanism", ["linear", "nonlinear"])
@pytest.mark.parametrize("drift", ["sinusoid", "gp"])
def test_time_varying_modules_drift_and_others_do_not(mechanism, drift):
    ds = heterogeneous(6, 12000, time_varying=True, changing_fraction=0.5, mechanism=mechanism,
                       drift=drift, expected_degree=2, seed=3)
    x, g = ds.data, ds.graph
    windows = x["time"].to_numpy() * 12 // len(x)
    for v in g.nodes:
        pa = list(g.parents(v))
        design = x[pa].to_numpy()
        if mechanism == "nonlinear" and pa:  # a flexible enough regression for the tanh networks
            design = np.c_[design, design**2, design**3]
        p = _chow_pvalue(x[v].to_numpy(), design, windows)
        if v in ds.metadata["changing_modules"]:
            assert p < 1e-6, (v, p)
        elif mechanism == "linear":
            assert p > 1e-3, (v, p)


def _fisher_z_within_domains(x, i, j, cond, dom):
    """Bonferroni-combined p-value of partial correlation zero inside every domain."""
    pvals = []
    for k in np.unique(dom):
        sub = x[dom == k]
        _, ri = _ols(sub[:, i], sub[:, cond])
        _, rj = _ols(sub[:, j], sub[:, cond])
        r = np.corrcoef(ri, rj)[0, 1]
        z = np.sqrt(len(sub) - len(cond) - 3) * np.arctanh(r)
        pvals.append(2 * stats.norm.sf(abs(z)))
    return min(1.0, len(pvals) * min(pvals))


def test_d_separations_of_the_augmented_graph_hold():
    # A -> B -> C <- D: chains, a collider and a marginally independent pair
    g = CausalGraph.from_edges([("A", "B"), ("B", "C"), ("D", "C")])
    ds = heterogeneous(4, 15000, n_domains=5, changing_fraction=0.5, graph=g, seed=7)
    assert 0 < len(ds.metadata["changing_modules"]) < 4
    aug = ds.metadata["augmented_graph"]
    G = nx.DiGraph(list(zip(aug.edges["source"], aug.edges["target"])))
    G.add_nodes_from(aug.nodes)
    names = list(g.nodes)
    x = ds.data[names].to_numpy()
    dom = ds.data["domain"].to_numpy()
    n_sep = n_con = 0
    for a, b in itertools.combinations(names, 2):
        others = [v for v in names if v not in (a, b)]
        for r in range(len(others) + 1):
            for S in itertools.combinations(others, r):
                # conditioning on the context: within-domain partial correlations
                sep = nx.is_d_separator(G, {a}, {b}, set(S) | {"domain"})
                p = _fisher_z_within_domains(x, names.index(a), names.index(b),
                                             [names.index(s) for s in S], dom)
                assert (p > 1e-4) if sep else (p < 1e-4), (a, b, S, sep, p)
                n_sep += sep
                n_con += not sep
    for a in names:
        others = [v for v in names if v != a]
        for r in range(len(others) + 1):
            for S in itertools.combinations(others, r):
                # context vs a variable: is P(a | S) the same in every domain?
                sep = nx.is_d_separator(G, {"domain"}, {a}, set(S))
                p = _chow_pvalue(ds.data[a].to_numpy(), ds.data[list(S)].to_numpy(), dom)
                assert (p > 1e-4) if sep else (p < 1e-4), ("domain", a, S, sep, p)
                n_sep += sep
                n_con += not sep
    assert n_sep > 5 and n_con > 5  # the example exercises both outcomes


@pytest.mark.parametrize(
    "kwargs, word",
    [
        (dict(changing_fraction=1.5), "changing_fraction"),
        (dict(changing_fraction=-0.1), "changing_fraction"),
        (dict(n_domains=1), "n_domains"),
        (dict(n_domains=3, time_varying=True), "n_domains"),
        (dict(n_domains=60), "n_samples"),
        (dict(n_samples=0), "n_samples"),
        (dict(mechanism="gp"), "mechanism"),
        (dict(time_varying=True, drift="walk"), "drift"),
        (dict(mean_shift=-1), "mean_shift"),
        (dict(expected_degree=9), "expected_degree"),
        (dict(time_varying="yes"), "time_varying"),
    ],
)
def test_bad_settings_name_the_argument(kwargs, word):
    args = dict(n_nodes=5, n_samples=100, seed=0)
    args.update(kwargs)
    with pytest.raises(DataError, match=word):
        heterogeneous(**args)


def test_standardize_leaves_the_context_alone():
    ds = heterogeneous(5, 600, n_domains=3, standardize=True, seed=0)
    v = ds.variables
    np.testing.assert_allclose(ds.data[v].mean(), 0, atol=1e-10)
    np.testing.assert_allclose(ds.data[v].std(ddof=0), 1, atol=1e-10)
    assert ds.data["domain"].tolist() == [0] * 200 + [1] * 200 + [2] * 200


def test_save_and_load_keep_the_augmented_graph(tmp_path):
    from causalkit.dataset import Dataset

    ds = heterogeneous(5, 100, n_domains=2, seed=3)
    back = Dataset.load(ds.save(tmp_path / "het"))
    assert back.roles == ds.roles
    assert back.metadata["augmented_graph"] == ds.metadata["augmented_graph"]
    assert back.metadata["changing_modules"] == ds.metadata["changing_modules"]
    np.testing.assert_array_equal(back.metadata["domain_weights"], ds.metadata["domain_weights"])
