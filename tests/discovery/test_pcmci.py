"""PCMCI: agreement with tigramite, the multiple-series mode, recovery of a known
VAR graph, the score matrix, the ParCorr test, the estimator class and bad input."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from causalkit.ci.fisherz import FisherZ
from causalkit.discovery._timeseries import check_timeseries, lagged_design
from causalkit.discovery.pcmci import PCMCI, ParCorr, pcmci
from causalkit.exceptions import DataError, UnknownMethodError


# ----------------------------------------------------------------------------- helpers
def simulate_var(n_vars, length, coefs, seed, burn=50):
    """x_t[j] = 0.4 x_{t-1}[j] + sum over (i, j, lag, c) of c * x_{t-lag}[i] + noise."""
    rng = np.random.default_rng(seed)
    x = np.zeros((length + burn, n_vars))
    max_lag = max([lag for _, _, lag, _ in coefs] + [1])
    for t in range(max_lag, length + burn):
        x[t] = 0.4 * x[t - 1] + rng.normal(size=n_vars)
        for i, j, lag, c in coefs:
            x[t, j] += c * x[t - lag, i]
    return x[burn:]


LINKS = [(0, 1, 1, 0.5), (1, 2, 2, 0.4), (3, 2, 1, -0.4), (0, 4, 1, 0.3)]


def tigramite_pcmci(x_or_dict, tau_max, tau_min=1, pc_alpha=0.2, alpha=0.05, multiple=False,
                    max_combinations=1):
    pytest.importorskip("tigramite")
    import tigramite.data_processing as pp
    from tigramite.independence_tests.parcorr import ParCorr as TParCorr
    from tigramite.pcmci import PCMCI as TPCMCI

    frame = pp.DataFrame(x_or_dict, analysis_mode="multiple") if multiple else pp.DataFrame(x_or_dict)
    run = TPCMCI(frame, TParCorr(significance="analytic"), verbosity=0)
    out = run.run_pcmci(tau_max=tau_max, tau_min=tau_min, pc_alpha=pc_alpha, alpha_level=alpha,
                        max_combinations=max_combinations)
    return out, run.all_parents


def p_cube(result, tau_min, tau_max):
    return np.stack([result.details["p_values"][lag].to_numpy() for lag in range(tau_min, tau_max + 1)],
                    axis=-1)


def links(result):
    return {(e.source, e.target, e.lag) for e in result.graph.edge_list()}


def tigramite_links(p_matrix, names, tau_min, alpha):
    out = set()
    n = len(names)
    for i in range(n):
        for j in range(n):
            for tau in range(tau_min, p_matrix.shape[2]):
                if p_matrix[i, j, tau] <= alpha and not (tau == 0 and i >= j):
                    out.add((names[i], names[j], tau))
    return out


# ----------------------------------------------------------------------------- tigramite
@pytest.mark.parametrize("seed,tau_min", [(0, 1), (1, 1), (2, 0)])
def test_same_links_and_pvalues_as_tigramite(seed, tau_min):
    x = simulate_var(5, 300, LINKS, seed)
    res = pcmci(x, lags=2, tau_min=tau_min)
    out, parents = tigramite_pcmci(x, 2, tau_min=tau_min)
    names = [f"X{i}" for i in range(5)]
    assert links(res) == tigramite_links(out["p_matrix"], names, tau_min, 0.05)
    np.testing.assert_allclose(p_cube(res, tau_min, 2), out["p_matrix"][:, :, tau_min:], atol=1e-10)
    vals = np.stack([res.details["values"][lag].to_numpy() for lag in range(tau_min, 3)], axis=-1)
    np.testing.assert_allclose(vals, out["val_matrix"][:, :, tau_min:], atol=1e-10)
    # PC1 conditions: same parents in the same (strength) order
    for j in range(5):
        mine = [(int(name[1:]), -lag) for name, lag in res.details["parents"][f"X{j}"]]
        assert mine == list(parents[j])


def test_same_links_as_tigramite_with_other_pc_alpha_and_combinations():
    x = simulate_var(5, 250, LINKS, 7)
    res = pcmci(x, lags=3, pc_alpha=0.05, alpha=0.01)
    out, _ = tigramite_pcmci(x, 3, pc_alpha=0.05, alpha=0.01)
    assert links(res) == tigramite_links(out["p_matrix"], [f"X{i}" for i in range(5)], 1, 0.01)
    res = pcmci(x[:120], lags=2, pc_alpha=0.3, max_combinations=3)
    out, parents = tigramite_pcmci(x[:120], 2, pc_alpha=0.3, max_combinations=3)
    np.testing.assert_allclose(p_cube(res, 1, 2), out["p_matrix"][:, :, 1:], atol=1e-10)
    assert [[(int(n[1:]), -lag) for n, lag in res.details["parents"][f"X{j}"]] for j in range(5)] == \
        [list(parents[j]) for j in range(5)]


def test_multiple_series_mode_matches_tigramite_and_never_crosses_series():
    series = [simulate_var(4, 25, LINKS[:1] + [(2, 3, 1, 0.6)], seed) for seed in range(15)]
    frame = pd.concat([pd.DataFrame(x, columns=list("abcd")).assign(sid=m, t=np.arange(len(x)))
                       for m, x in enumerate(series)])
    shuffled = frame.sample(frac=1.0, random_state=0)  # time_index must restore the order
    res = pcmci(shuffled, lags=2, sample="sid", time_index="t")
    out, _ = tigramite_pcmci({m: x for m, x in enumerate(series)}, 2, multiple=True)
    np.testing.assert_allclose(p_cube(res, 1, 2), out["p_matrix"][:, :, 1:], atol=1e-10)
    assert links(res) == tigramite_links(out["p_matrix"], list("abcd"), 1, 0.05)
    # each series loses its own first 2 * lags steps: 15 * (25 - 4) rows
    assert res.details["n_rows"] == 15 * 21
    glued = pcmci(frame.drop(columns=["sid", "t"]), lags=2)
    assert glued.details["n_rows"] == 15 * 25 - 4
    # a 3-D array (series x time x variables) is the same many-series input
    stacked = pcmci(np.stack(series), lags=2)
    np.testing.assert_allclose(p_cube(stacked, 1, 2), p_cube(res, 1, 2), atol=1e-12)
    with pytest.raises(DataError, match="3-D array"):
        pcmci(np.stack(series), lags=2, sample="sid")


# ----------------------------------------------------------------------------- recovery, scores
def test_recovers_known_var_graph_and_scores_rank_true_links_first():
    x = simulate_var(5, 1500, LINKS, 11)
    df = pd.DataFrame(x, columns=["a", "b", "c", "d", "e"])
    res = pcmci(df, lags=2, alpha=0.01)
    names = list(df.columns)
    truth = {(names[i], names[j], lag) for i, j, lag, _ in LINKS}
    found = {(s, t, lag) for s, t, lag in links(res) if s != t}
    assert found == truth
    assert all(res.graph.edge_type(s, t, lag) == "-->" for s, t, lag in truth)
    assert {("a", "a", 1), ("e", "e", 1)} <= links(res)  # autocorrelation 0.4
    scores = res.details["scores"]
    assert list(scores.index) == names and list(scores.columns) == names
    true_pairs = {(s, t) for s, t, _ in truth}
    on = [scores.loc[s, t] for s, t in true_pairs]
    off = [scores.loc[s, t] for s in names for t in names if s != t and (s, t) not in true_pairs]
    assert min(on) > max(off)
    # the score is the largest |MCI partial correlation| over the lags
    assert scores.loc["b", "c"] == pytest.approx(abs(res.details["values"][2].loc["b", "c"]))
    e = res.graph.edge_attrs("a", "b", 1)
    assert e["p_value"] < 0.01 and e["weight"] > 0


def test_contemporaneous_links_are_undirected_with_tau_min_0():
    rng = np.random.default_rng(5)
    x = simulate_var(3, 800, [(0, 1, 1, 0.5)], 5)
    x[:, 2] = 0.8 * x[:, 0] + rng.normal(size=len(x))  # instantaneous X0 -> X2 only
    res = pcmci(x, lags=1, tau_min=0, alpha=0.01)
    assert res.graph.edge_type("X0", "X2", 0) == "---"
    assert res.details["p_values"][0].loc["X0", "X2"] == res.details["p_values"][0].loc["X2", "X0"]
    assert not res.graph.has_edge("X0", "X1", lag=0) and not res.graph.has_edge("X1", "X2", lag=0)
    assert 0 not in pcmci(x, lags=1).details["p_values"]


# ----------------------------------------------------------------------------- the tests
def test_parcorr_is_partial_correlation_with_student_t():
    rng = np.random.default_rng(0)
    data = rng.normal(size=(60, 4))
    data[:, 1] += 0.3 * data[:, 0] + 0.5 * data[:, 2]
    test = ParCorr(data)
    # residual correlation after least squares on [1, Z]
    Z = np.column_stack([np.ones(60), data[:, 2:]])
    rx = data[:, 0] - Z @ np.linalg.lstsq(Z, data[:, 0], rcond=None)[0]
    ry = data[:, 1] - Z @ np.linalg.lstsq(Z, data[:, 1], rcond=None)[0]
    r = np.corrcoef(rx, ry)[0, 1]
    t = r * np.sqrt((60 - 4) / (1 - r * r))
    rr, p = test.statistics([0], [1], [[2, 3]])
    assert rr[0] == pytest.approx(r, abs=1e-12)
    assert p[0] == pytest.approx(2 * stats.t.sf(abs(t), 60 - 4), rel=1e-10)
    assert test.pvalue(0, 1, [2, 3]) == pytest.approx(p[0], rel=1e-12)
    # Fisher-z p-values from the same statistic equal causalkit's FisherZ
    fz = FisherZ(data)
    assert test.statistics([0], [1], [[2, 3]], significance="fisherz")[1][0] == \
        pytest.approx(fz.pvalue(0, 1, [2, 3]), rel=1e-12)


def test_fisherz_option_and_generic_engine_give_the_same_graph_on_clear_data():
    x = simulate_var(3, 600, [(0, 1, 1, 0.7), (1, 2, 1, 0.7)], 3)
    a = pcmci(x, lags=1, ci_test="fisherz", alpha=0.01)
    b = pcmci(x, lags=1, alpha=0.01)
    assert links(a) == links(b)
    assert a.params["ci_test"] == "fisherz" and b.params["ci_test"] == "parcorr"
    rcit = pytest.importorskip("causalkit.ci.rcit")  # noqa: F841
    c = pcmci(x[:300], lags=1, ci_test="rcit", alpha=0.01)
    assert {("X0", "X1", 1), ("X1", "X2", 1)} <= links(c)
    assert ("X0", "X2", 1) not in links(c)


def test_estimator_class():
    x = simulate_var(3, 400, [(0, 1, 1, 0.8)], 9)
    est = PCMCI(lags=1, alpha=0.01).fit(x)
    assert links(est.result_) == links(pcmci(x, lags=1, alpha=0.01))
    assert est.scores_.shape == (3, 3) and est.graph_ is est.result_.graph
    assert est.get_params()["lags"] == 1
    with pytest.raises(UnknownMethodError, match="no parameter 'depth'"):
        est.set_params(depth=2)


# ----------------------------------------------------------------------------- bad input
def test_lagged_design_layout():
    s = [np.arange(10.0).reshape(5, 2), 100 + np.arange(8.0).reshape(4, 2)]
    d = lagged_design(s, 1)
    # column lag * N + k; series 2 starts fresh (no window mixes the two)
    np.testing.assert_array_equal(d[0], [2, 3, 0, 1])
    np.testing.assert_array_equal(d[4], [102, 103, 100, 101])
    assert d.shape == (4 + 3, 4)


def test_bad_input():
    x = simulate_var(3, 100, [(0, 1, 1, 0.5)], 0)
    df = pd.DataFrame(x, columns=list("abc"))
    with pytest.raises(DataError, match="lags"):
        pcmci(df, lags=0)
    with pytest.raises(DataError, match="lags"):
        pcmci(df, lags="2")
    with pytest.raises(DataError, match="alpha"):
        pcmci(df, lags=1, alpha=1.5)
    with pytest.raises(DataError, match="pc_alpha"):
        pcmci(df, lags=1, pc_alpha=0)
    with pytest.raises(DataError, match="tau_min"):
        pcmci(df, lags=1, tau_min=2)
    with pytest.raises(UnknownMethodError, match="parcorr"):
        pcmci(df, lags=1, ci_test="pearson")
    with pytest.raises(DataError, match="time_index='when'"):
        pcmci(df, lags=1, time_index="when")
    short = df.assign(sid=[0] * 97 + [1] * 3)
    with pytest.raises(DataError, match=r"sid=1.*3 time steps.*lags \+ 2 = 4"):
        pcmci(short, lags=2, sample="sid")
    with pytest.raises(DataError, match="lags \\+ 2"):
        pcmci(df.iloc[:4], lags=3)
    nan = df.copy()
    nan.loc[5, "b"] = np.nan
    with pytest.raises(DataError, match="'b'"):
        pcmci(nan, lags=1)
    dup = df.assign(t=[0, 0] + list(range(2, 100)))
    with pytest.raises(DataError, match="duplicate times"):
        pcmci(dup, lags=1, time_index="t")
    with pytest.raises(DataError, match="constant"):
        pcmci(df.assign(c=1.0), lags=1)
    ts = check_timeseries(df.assign(sid=[0] * 50 + [1] * 50), lags=2, sample="sid")
    assert ts.names == ["a", "b", "c"] and ts.lengths == [50, 50]
