"""Neural Granger causality (cMLP + group lasso): ranking of true links on a small VAR,
exact zeros from the proximal step, reproducibility, pooled series, lazy torch, bad input."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from causalkit.exceptions import DataError, UnknownMethodError

torch = pytest.importorskip("torch")
from causalkit.discovery.neural_granger import neural_granger  # noqa: E402


def simulate_var(n_vars, length, coefs, seed, burn=50):
    rng = np.random.default_rng(seed)
    x = np.zeros((length + burn, n_vars))
    for t in range(2, length + burn):
        x[t] = 0.3 * x[t - 1] + rng.normal(size=n_vars)
        for i, j, lag, c in coefs:
            x[t, j] += c * x[t - lag, i]
    return x[burn:]


LINKS = [(0, 1, 1, 0.7), (1, 2, 1, 0.6), (3, 0, 2, -0.6)]
FAST = dict(n_threads=1, max_iter=600, lam=0.1)


def test_true_links_score_above_all_others():
    x = simulate_var(4, 400, LINKS, 0)
    res = neural_granger(pd.DataFrame(x, columns=list("abcd")), lags=2, **FAST)
    s = res.details["scores"]
    assert list(s.index) == list("abcd") and list(s.columns) == list("abcd")
    names = list("abcd")
    true = {(names[i], names[j]) for i, j, _, _ in LINKS}
    on = [s.loc[c, e] for c, e in true]
    off = [s.loc[c, e] for c in names for e in names if c != e and (c, e) not in true]
    assert min(on) > 2 * max(off)
    found = {(e.source, e.target) for e in res.graph.edge_list()}
    assert true <= found
    # the dominant lag of d -> a is 2
    assert res.details["lag_norms"][2].loc["d", "a"] > res.details["lag_norms"][1].loc["d", "a"]
    assert res.graph.has_edge("d", "a", type="-->", lag=2)


def test_group_lasso_sets_whole_groups_to_zero_and_seed_repeats():
    x = simulate_var(3, 200, LINKS[:1], 1)
    empty = neural_granger(x, lags=1, n_threads=1, max_iter=200, lam=50.0)
    assert np.all(empty.details["scores"].to_numpy() == 0) and empty.graph.n_edges == 0
    a = neural_granger(x, lags=1, n_threads=1, max_iter=150, seed=3)
    b = neural_granger(x, lags=1, n_threads=1, max_iter=150, seed=3)
    np.testing.assert_array_equal(a.details["scores"], b.details["scores"])


def test_many_series_are_windowed_separately():
    frame = pd.concat([pd.DataFrame(simulate_var(3, 40, LINKS[:1], s), columns=list("abc"))
                       .assign(sid=s, t=np.arange(40)) for s in range(12)]).sample(frac=1.0, random_state=0)
    res = neural_granger(frame, lags=1, sample="sid", time_index="t", **FAST)
    s = res.details["scores"]
    assert s.loc["a", "b"] > max(s.loc["b", "a"], s.loc["c", "b"], s.loc["a", "c"])


def test_import_does_not_load_torch():
    code = ("import sys, causalkit.discovery.neural_granger, causalkit.discovery.pcmci, "
            "causalkit.discovery.granger, causalkit.discovery.peers_timeseries; "
            "print(any(m in sys.modules for m in ('torch', 'tigramite', 'lingam')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_bad_input():
    x = simulate_var(3, 50, [], 0)
    with pytest.raises(DataError, match="hidden"):
        neural_granger(x, lags=1, hidden=0)
    with pytest.raises(DataError, match="lam"):
        neural_granger(x, lags=1, lam=-1.0)
    with pytest.raises(UnknownMethodError, match="ci_test"):
        neural_granger(x, lags=1, ci_test="fisherz")
    with pytest.raises(DataError, match="lags \\+ 2"):
        neural_granger(x[:2], lags=1)
    with pytest.raises(DataError, match="diverged"):
        neural_granger(x * 1e3, lags=1, lr=1e6, n_threads=1, max_iter=20)
