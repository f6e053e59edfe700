"""Tests of the ICM-exchangeable generators (causalkit.generators.exchangeable)."""

import numpy as np
import pytest

from causalkit.exceptions import DataError
from causalkit.generators.exchangeable import (
    exchangeable,
    exchangeable_binary,
    exchangeable_bivariate,
    exchangeable_scm,
)
from causalkit.graph import CausalGraph


def _env_means(ds, col):
    frame = getattr(ds, "data", ds)
    return frame.groupby("env")[col].mean().to_numpy()


@pytest.mark.parametrize("make", [
    lambda seed: exchangeable_bivariate(30, 3, seed=seed),
    lambda seed: exchangeable_binary(30, 3, seed=seed),
    lambda seed: exchangeable_scm(4, 30, 3, seed=seed),
])
def test_layout_roles_and_seeding(make):
    ds = make(5)
    assert ds.roles == {"environment": "env"}
    assert (ds.data["env"].value_counts() == 3).all() and ds.data["env"].nunique() == 30
    assert ds.data["env"].is_monotonic_increasing
    assert set(ds.graph.nodes) == set(ds.variables)
    assert ds.data.equals(make(5).data)
    assert not ds.data.equals(make(6).data)


def test_bivariate_mechanisms():
    ds = exchangeable_bivariate(200, 200, structure="X->Y", quadratic_fraction=0.0, seed=1)
    a = ds.metadata["coefficient"]
    loc = ds.metadata["noise_locations"]
    assert ds.graph.has_edge("X", "Y") and ds.graph.n_edges == 1
    # X = Laplace(m_X, 1) per environment, Y - a X = Laplace(m_Y, 1)
    assert np.corrcoef(_env_means(ds, "X"), loc[:, 0])[0, 1] > 0.95
    resid = ds.data.assign(r=ds.data.Y - a * ds.data.X)
    assert np.corrcoef(_env_means(resid, "r"), loc[:, 1])[0, 1] > 0.95
    assert np.mean(np.abs(resid.r - np.repeat(loc[:, 1], 200))) == pytest.approx(1.0, abs=0.05)

    q = exchangeable_bivariate(100, structure="Y->X", quadratic_fraction=0.3, seed=2)
    assert len(q.metadata["quadratic_environments"]) == 30
    assert q.graph.has_edge("Y", "X")
    none = exchangeable_bivariate(100, structure="none", seed=2)
    assert none.graph.n_edges == 0
    drawn = {exchangeable_bivariate(20, seed=s).metadata["structure"] for s in range(30)}
    assert drawn == {"X->Y", "Y->X", "none"}


def test_bivariate_quadratic_term_only_in_marked_environments():
    ds = exchangeable_bivariate(40, 300, structure="X->Y", quadratic_fraction=0.5, seed=3)
    a, c = ds.metadata["coefficient"], ds.metadata["quadratic_coefficient"]
    quad = set(ds.metadata["quadratic_environments"].tolist())
    for e, grp in ds.data.groupby("env"):
        r = grp.Y - a * grp.X - (a * c * grp.X ** 2 if e in quad else 0.0)
        # what is left is the Laplace(m_Y, 1) noise: no trace of X^2
        assert abs(np.corrcoef(r, grp.X ** 2)[0, 1]) < 0.25


def test_binary_xor_mechanism():
    g = CausalGraph.from_edges([("A", "B")])
    ds = exchangeable_binary(50, 400, graph=g, seed=4)
    th = ds.metadata["thetas"]
    # source: P(A=1) = theta_A; child: P(B=1 | A=1) = 1 - theta_B, P(B=1 | A=0) = theta_B
    assert np.corrcoef(_env_means(ds, "A"), th["A"])[0, 1] > 0.9
    d = ds.data
    p1 = d[d.A == 1].groupby("env").B.mean()
    p0 = d[d.A == 0].groupby("env").B.mean()
    assert np.corrcoef(p1, 1 - th["B"].to_numpy()[p1.index])[0, 1] > 0.9
    assert np.corrcoef(p0, th["B"].to_numpy()[p0.index])[0, 1] > 0.9
    assert sorted(np.unique(d[["A", "B"]].to_numpy())) == [0, 1]


def test_binary_random_dag_every_node_connected_and_order_random():
    sources = set()
    for s in range(20):
        g = exchangeable_binary(10, seed=s).graph
        assert all(g.adjacencies(v) for v in g.nodes)
        sources |= {v for v in g.nodes if not g.parents(v)}
    assert sources == {"X0", "X1", "X2"}  # not always X0: columns carry no order


def test_unfaithful_priors_refused():
    with pytest.raises(DataError, match="a == b"):
        exchangeable_binary(10, theta_prior=(2, 2))
    with pytest.raises(DataError, match="positive"):
        exchangeable_binary(10, theta_prior=(0, 2))
    with pytest.raises(DataError, match="weight_spread"):
        exchangeable_scm(3, 10, weight_spread=1.0)
    with pytest.raises(DataError, match="shift_scale"):
        exchangeable_scm(3, 10, shift_scale=0)


def test_scm_weights_vary_without_sign_flips():
    g = CausalGraph.from_edges([("U", "V")])
    ds = exchangeable_scm(2, 40, 300, graph=g, weight_spread=0.5, noise="gaussian", seed=7)
    base, w = ds.metadata["base_weights"], ds.metadata["weights"]
    assert base[0, 1] != 0 and base[1, 0] == 0
    assert np.all(np.sign(w[:, 0, 1]) == np.sign(base[0, 1]))
    assert np.all(np.abs(w[:, 0, 1] / base[0, 1] - 1) <= 0.5)
    slopes = [np.polyfit(grp.U, grp.V, 1)[0] for _, grp in ds.data.groupby("env")]
    assert np.corrcoef(slopes, w[:, 0, 1])[0, 1] > 0.9
    icpt = ds.metadata["intercepts"]["U"].to_numpy()
    assert np.corrcoef(_env_means(ds, "U"), icpt)[0, 1] > 0.95


def test_bad_arguments():
    with pytest.raises(DataError, match="n_per_environment"):
        exchangeable_bivariate(10, 1)
    with pytest.raises(DataError, match="n_environments"):
        exchangeable_binary(0)
    with pytest.raises(DataError, match="structure"):
        exchangeable_bivariate(10, structure="X<-Y")
    with pytest.raises(DataError, match="quadratic_fraction"):
        exchangeable_bivariate(10, quadratic_fraction=2)
    with pytest.raises(DataError, match="setting"):
        exchangeable("gaussian", 10)
    with pytest.raises(DataError, match="n_nodes=3 but graph has 2"):
        exchangeable_scm(3, 10, graph=CausalGraph.from_edges([("a", "b")]))


def test_dispatcher():
    assert exchangeable("bivariate", 10, seed=0).data.equals(exchangeable_bivariate(10, seed=0).data)
    assert exchangeable("continuous", 10, n_nodes=3, seed=0).data.shape == (20, 4)
    assert exchangeable("binary", 10, 4, seed=0).data.shape == (40, 4)
