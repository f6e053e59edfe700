import numpy as np
import pandas as pd
import pytest

import causalkit
from causalkit import DataError, Dataset, UnknownMethodError
from causalkit.discovery.registry import available_methods, register_method, METHODS


def chain_data(n=800, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    b = 0.9 * a + rng.normal(size=n)
    c = 0.9 * b + rng.normal(size=n)
    return pd.DataFrame({"a": a, "b": b, "c": c})


def test_discover_defaults_to_pc_and_returns_named_result():
    res = causalkit.discover(chain_data())
    assert res.algorithm == "pc"
    assert res.graph.nodes == ("a", "b", "c")
    assert res.graph.kind == "cpdag"
    # chain a - b - c: skeleton found, nothing orientable
    assert res.graph.has_edge("a", "b", "---") and res.graph.has_edge("b", "c", "---")
    assert not res.graph.adjacent("a", "c")
    assert res.n_tests > 0 and res.runtime_s >= 0


def test_discover_accepts_arrays_and_datasets():
    df = chain_data()
    res = causalkit.discover(df.to_numpy())
    assert res.graph.nodes == ("X0", "X1", "X2")
    ds = Dataset(df)
    assert causalkit.discover(ds).graph.edges.equals(causalkit.discover(df).graph.edges)


def test_auto_dispatch_refuses_unregistered_method_listing_available():
    df = chain_data()
    df["site"] = np.repeat([0, 1], 400)
    saved = METHODS.pop("cdnod", None)
    try:
        with pytest.raises(UnknownMethodError, match="'cdnod'.*registered methods"):
            causalkit.discover(df, domain="site")
    finally:
        if saved is not None:
            METHODS["cdnod"] = saved


def test_auto_dispatch_domain_goes_to_cdnod():
    from causalkit.generators import heterogeneous

    ds = heterogeneous(4, 600, n_domains=3, seed=1)
    res = causalkit.discover(ds)
    assert res.algorithm == "cdnod"
    assert "domain" in res.graph.nodes


def test_unknown_method_and_unused_roles():
    df = chain_data()
    df["env"] = np.repeat(np.arange(400), 2)
    with pytest.raises(UnknownMethodError, match="registered methods are"):
        causalkit.discover(df, method="nope")
    with pytest.raises(UnknownMethodError, match="does not use environment="):
        causalkit.discover(df, method="pc", environment="env")
    with pytest.raises(DataError, match="'missing' is not a column"):
        causalkit.discover(df, method="pc", domain="missing")


def test_registry_passes_roles_to_method():
    seen = {}

    def fake(data, ci_test, alpha, domain=None, **kw):
        seen.update(domain=domain, ci_test=ci_test, alpha=alpha, cols=list(data.columns))
        return "ok"

    import types, sys

    mod = types.ModuleType("causalkit_test_fake_method")
    mod.fake = fake
    sys.modules[mod.__name__] = mod
    register_method("fake", f"{mod.__name__}:fake", requires=("domain|time_index",))
    try:
        df = chain_data()
        df["site"] = np.repeat([0, 1], 400)
        assert causalkit.discover(df, method="fake", domain="site", alpha=0.01) == "ok"
        assert seen == {"domain": "site", "ci_test": "auto", "alpha": 0.01, "cols": ["a", "b", "c", "site"]}
        with pytest.raises(UnknownMethodError, match="needs domain or time_index"):
            causalkit.discover(df, method="fake")
    finally:
        del METHODS["fake"]


def test_discrete_data_uses_gsq():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 2, 3000)
    b = (a ^ (rng.random(3000) < 0.1)).astype(int)
    c = rng.integers(0, 3, 3000)
    res = causalkit.discover(pd.DataFrame({"a": a, "b": b, "c": c}))
    assert res.params["ci_test"] == "gsq"
    assert res.graph.adjacent("a", "b") and not res.graph.adjacent("a", "c")


def test_lags_dispatch_to_pcmci_with_named_scores():
    rng = np.random.default_rng(0)
    T = 600
    x = np.zeros((T, 3))
    for t in range(1, T):
        x[t, 0] = 0.5 * x[t - 1, 0] + rng.normal()
        x[t, 1] = 0.8 * x[t - 1, 0] + rng.normal()
        x[t, 2] = rng.normal()
    df = pd.DataFrame(x, columns=["a", "b", "c"])
    res = causalkit.discover(df, lags=2)
    assert res.algorithm == "pcmci"
    assert res.graph.has_edge("a", "b", "-->", lag=1)
    assert not res.graph.adjacent("c", "b", lag=1)
    scores = res.details["scores"]
    assert list(scores.index) == ["a", "b", "c"] and scores.loc["a", "b"] > scores.loc["b", "a"]


def test_environment_dispatches_to_definetti():
    from causalkit.generators import exchangeable_bivariate

    ds = exchangeable_bivariate(300, structure="X->Y", seed=0)
    res = causalkit.discover(ds)
    assert res.algorithm == "definetti"
    assert res.graph.kind == "dag"
