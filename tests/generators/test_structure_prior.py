import itertools
import subprocess
import sys

import networkx as nx
import numpy as np
import pytest
from scipy import stats

from causalkit.dataset import Dataset
from causalkit.exceptions import DataError
from causalkit.graph import CausalGraph

torch = pytest.importorskip("torch")

from causalkit.generators.structure_prior import (  # noqa: E402
    STRUCTURE_KINDS,
    sample_structure_batch,
    structure_prior,
)


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    # tiny tensors: one thread avoids oversubscription on a shared 2-core machine
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


def _is_dag(a):
    return nx.is_directed_acyclic_graph(nx.DiGraph(np.asarray(a, dtype=int)))


def test_module_import_does_not_load_torch():
    code = ("import sys, causalkit.generators.structure_prior, causalkit.generators.tabpfn_prior\n"
            "assert 'torch' not in sys.modules, 'torch imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_batch_shapes_and_seeded_determinism():
    x1, a1, m1 = sample_structure_batch(6, 50, 7, kind=["er", "sf"], mechanism=["linear", "mlp"],
                                        noise=["gaussian", "laplace"], seed=(3, 1))
    x2, a2, m2 = sample_structure_batch(6, 50, 7, kind=["er", "sf"], mechanism=["linear", "mlp"],
                                        noise=["gaussian", "laplace"], seed=(3, 1))
    x3, a3, _ = sample_structure_batch(6, 50, 7, kind=["er", "sf"], mechanism=["linear", "mlp"],
                                       noise=["gaussian", "laplace"], seed=(3, 2))
    assert x1.shape == (6, 50, 7) and a1.shape == (6, 7, 7) and a1.dtype == torch.bool
    assert torch.equal(x1, x2) and torch.equal(a1, a2) and m1["mechanism"] == m2["mechanism"]
    assert not torch.equal(x1, x3)
    assert all(_is_dag(a) for a in a1.numpy())
    assert not a1.diagonal(dim1=1, dim2=2).any()
    # standardised columns
    assert torch.allclose(x1.mean(1), torch.zeros(6, 7), atol=1e-5)
    assert torch.allclose(x1.std(1), torch.ones(6, 7), atol=1e-4)


@pytest.mark.parametrize("kind", STRUCTURE_KINDS)
def test_graph_families(kind):
    _, a, _ = sample_structure_batch(300, 2, 12, kind=kind, expected_degree=3.0, seed=1)
    a = a.numpy()
    assert all(_is_dag(m) for m in a[:50])
    edges = a.sum((1, 2)).mean()
    if kind == "er":
        assert abs(edges - 12 * 3.0 / 2) < 1.0  # expected n_nodes * degree / 2 = 18
    else:
        # 11 arriving nodes attach 1 or 2 times (mean 1.5), capped by the nodes present
        assert 14 < edges < 17.5
        out_deg, in_deg = a.sum(2).max(1).mean(), a.sum(1).max(1).mean()
        if kind == "sf":  # hubs are causes of many variables
            assert out_deg > in_deg + 1.5
        else:  # sf_in: hubs are effects
            assert in_deg > out_deg + 1.5


def test_linear_covariance_matches_weights():
    # X = (b + S e)(I - W)^-1  =>  Cov = (I - W)^-T S^2 (I - W)^-1
    x, a, meta = sample_structure_batch(3, 40000, 5, mechanism="linear", expected_degree=2.0,
                                        standardize=False, seed=7)
    for b in range(3):
        w = meta["weights"][b].double().numpy()
        assert np.array_equal(w != 0, a[b].numpy())
        nz = np.abs(w[w != 0])
        assert np.all((nz >= 1.0) & (nz <= 3.0))
        s2 = np.diag(meta["noise_scale"][b].double().numpy() ** 2)
        inv = np.linalg.inv(np.eye(5) - w)
        expected = inv.T @ s2 @ inv
        emp = np.cov(x[b].double().numpy(), rowvar=False)
        scale = np.diag(expected).max()
        assert np.allclose(emp, expected, rtol=0.06, atol=0.02 * scale)


def _partial_corr_z(data, i, j, cond):
    idx = [i, j] + list(cond)
    prec = np.linalg.inv(np.corrcoef(data[:, idx], rowvar=False))
    r = -prec[0, 1] / np.sqrt(prec[0, 0] * prec[1, 1])
    return np.sqrt(len(data) - len(cond) - 3) * np.arctanh(r)


def test_dseparations_hold_and_dependences_are_detected():
    x, a, _ = sample_structure_batch(2, 20000, 6, mechanism="linear", expected_degree=2.5, seed=21)
    separated = connected = detected = 0
    for b in range(2):
        g = nx.DiGraph(a[b].numpy().astype(int))
        data = x[b].double().numpy()
        for i, j in itertools.combinations(range(6), 2):
            rest = [k for k in range(6) if k not in (i, j)]
            for size in (0, 1, 2):
                for cond in itertools.combinations(rest, size):
                    z = abs(_partial_corr_z(data, i, j, cond))
                    if nx.is_d_separator(g, {i}, {j}, set(cond)):
                        separated += 1
                        assert z < 4.5, (b, i, j, cond, z)
                    else:
                        connected += 1
                        detected += z > 4.5
    assert separated > 10 and connected > 10
    assert detected / connected > 0.95


@pytest.mark.parametrize("noise, excess, tol", [("gaussian", 0.0, 0.2), ("laplace", 3.0, 1.2),
                                              ("uniform", -1.2, 0.1)])
def test_noise_laws_at_root_nodes(noise, excess, tol):
    x, a, meta = sample_structure_batch(4, 20000, 4, noise=noise, expected_degree=1.0,
                                        standardize=False, seed=2)
    roots = [(b, j) for b in range(4) for j in range(4) if not a[b, :, j].any()]
    assert roots
    for b, j in roots:
        col = x[b, :, j].double().numpy()
        assert abs(col.std() - meta["noise_scale"][b, j].item()) < 0.05 * meta["noise_scale"][b, j].item()
        assert abs(stats.kurtosis(col) - excess) < tol  # sample excess kurtosis


@pytest.mark.parametrize("mechanism", ["rff", "mlp"])
def test_nonlinear_mechanisms_follow_the_graph(mechanism):
    x, a, _ = sample_structure_batch(3, 3000, 5, mechanism=mechanism, expected_degree=2.0, seed=4)
    assert torch.isfinite(x).all()
    for b in range(3):
        data = x[b].double().numpy()
        for j in range(5):
            pa = np.flatnonzero(a[b, :, j].numpy())
            # nodes with no ancestor in common are independent
            for i in range(5):
                g = nx.DiGraph(a[b].numpy().astype(int))
                if i != j and nx.is_d_separator(g, {i}, {j}, set()):
                    assert abs(stats.spearmanr(data[:, i], data[:, j])[0]) < 0.08
            if len(pa):
                # a child is predictable from its parents (cubic polynomial fit; R2 of an
                # independent column would be about 0.001 here)
                feats = np.column_stack([data[:, pa] ** k for k in (1, 2, 3)] + [np.ones(len(data))])
                resid = data[:, j] - feats @ np.linalg.lstsq(feats, data[:, j], rcond=None)[0]
                assert 1 - resid.var() / data[:, j].var() > 0.05


def test_structure_prior_yields_datasets():
    out = list(structure_prior(5, 30, 4, kind="sf", mechanism="linear", seed=9, batch_size=2))
    again = list(structure_prior(5, 30, 4, kind="sf", mechanism="linear", seed=9, batch_size=2))
    assert len(out) == 5 and all(isinstance(d, Dataset) for d in out)
    assert [d.metadata["index"] for d in out] == list(range(5))
    for d, e in zip(out, again):
        assert d.data.equals(e.data) and d.graph == e.graph
        assert list(d.data.columns) == ["X0", "X1", "X2", "X3"]
        assert d.graph.kind == "dag"
        adj = d.graph.to_adjacency("row->col").to_numpy() != 0
        assert np.array_equal(adj, d.metadata["weights"] != 0)
        assert d.metadata["generator"] == "structure_prior" and d.metadata["mechanism"] == "linear"
    # the same stream as the batch function with the same seed and batch size
    x, a, _ = sample_structure_batch(2, 30, 4, kind="sf", seed=9)
    assert np.allclose(out[0].data.to_numpy(), x[0].double().numpy())
    assert out[1].graph == CausalGraph.from_adjacency(a[1].numpy().astype(float),
                                                      ["X0", "X1", "X2", "X3"], convention="row->col")


def test_column_order_is_not_the_causal_order():
    _, a, meta = sample_structure_batch(50, 2, 6, expected_degree=3.0, seed=5)
    # edges i -> j with i > j occur: the columns are not topologically sorted
    assert a.tril(-1).any()
    order = meta["causal_order"]
    for b in range(50):
        src, dst = np.nonzero(a[b].numpy())
        assert np.all(order[b, src].numpy() < order[b, dst].numpy())


@pytest.mark.parametrize("kwargs, word", [
    ({"n_samples": 0}, "n_samples"),
    ({"n_nodes": 0}, "n_nodes"),
    ({"kind": "grid"}, "kind"),
    ({"mechanism": "gp"}, "mechanism"),
    ({"noise": "cauchy"}, "noise"),
    ({"noise": []}, "noise"),
    ({"expected_degree": 9.0}, "expected_degree"),
    ({"expected_degree": (3.0, 1.0)}, "expected_degree"),
    ({"seed": -1}, "seed"),
    ({"device": "nonsense"}, "device"),
])
def test_bad_input_names_the_argument(kwargs, word):
    args = {"n_samples": 10, "n_nodes": 5}
    args.update(kwargs)
    with pytest.raises(DataError, match=word):
        sample_structure_batch(2, **args)
    with pytest.raises(DataError, match="n_datasets"):
        structure_prior(0, 10, 5)
