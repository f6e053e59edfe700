import importlib
import collections
import itertools

import networkx as nx
import numpy as np
import pytest

from causalkit.dataset import Dataset
from causalkit.exceptions import DataError

torch = pytest.importorskip("torch")

from causalkit.generators.tabpfn_prior import (  # noqa: E402
    _group,
    draw_tabpfn_hyperparameters,
    sample_tabpfn_batch,
    tabpfn_prior,
)


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


@pytest.fixture(scope="module")
def datasets():
    # small groups so that 60 datasets cover many hyper-parameter draws
    return list(tabpfn_prior(36, 120, 5, seed=11, datasets_per_hyper=2))


def _edges(g):
    return {(e.source, e.target, e.type) if e.type == "-->" else (frozenset((e.source, e.target)), e.type)
            for e in g.edge_list()}


def test_batch_shapes_dtypes_and_determinism():
    x1, y1, m1 = sample_tabpfn_batch(12, 64, 7, seed=(5, 0), datasets_per_hyper=4)
    x2, y2, m2 = sample_tabpfn_batch(12, 64, 7, seed=(5, 0), datasets_per_hyper=4)
    x3, _, _ = sample_tabpfn_batch(12, 64, 7, seed=(5, 1), datasets_per_hyper=4)
    assert x1.shape == (12, 64, 7) and y1.shape == (12, 64)
    assert x1.dtype == torch.float32 and y1.dtype == torch.int64
    assert torch.equal(x1, x2) and torch.equal(y1, y2) and m1["prior"] == m2["prior"]
    assert not torch.equal(x1, x3)
    assert 2 <= m1["train_size"] <= int(64 * 1000 / 1152)
    assert m1["group"].tolist() == [0] * 4 + [1] * 4 + [2] * 4
    # hyper-parameters are shared inside a group: the same number of classes
    k = m1["n_classes"][m1["valid"]]
    g = m1["group"][m1["valid"]]
    for gi in set(g.tolist()):
        assert len(set(k[g == gi].tolist())) <= 2  # K, or fewer when a cut left a class empty


def test_outputs_are_zscored_and_classes_in_range():
    x, y, meta = sample_tabpfn_batch(96, 100, 6, seed=3, datasets_per_hyper=3, max_classes=10)
    valid = meta["valid"]
    assert valid.float().mean() > 0.8
    ts = meta["train_size"]
    stds = []
    for b in torch.nonzero(valid).view(-1).tolist():
        xb = x[b].double()
        for c in range(6):
            col = xb[:, c]
            if col.abs().max() > 0:  # a constant column stays all zero
                assert abs(col.mean()) < 1e-3 and col.std() < 1 + 1e-3
                stds.append(float(col.std()))
        labels = y[b]
        k = int(meta["n_classes"][b])
        assert 2 <= k <= 10
        assert set(labels.tolist()) == set(range(k))  # renumbered 0..K-1, all present
        assert set(labels[:ts].tolist()) == set(labels[ts:].tolist())  # compatible split
    # (x - mean) / (std + 1e-6) as in TabPFN: below 1 only for columns of tiny raw spread
    assert np.mean(np.abs(np.array(stds) - 1) < 1e-3) > 0.9
    # invalid datasets carry the ignore index and zero features
    for b in torch.nonzero(~valid).view(-1).tolist():
        assert (y[b] == -100).all() and (x[b] == 0).all()
    ks = meta["n_classes"][valid].tolist()
    assert collections.Counter(ks)[2] / len(ks) > 0.3  # TabPFN's strong bias to binary tasks


def test_regression_targets_and_padded_features():
    x, y, meta = sample_tabpfn_batch(24, 80, 8, seed=4, task="regression", vary_features=True,
                                     datasets_per_hyper=2)
    assert y.dtype == torch.float32 and (meta["n_classes"] == 0).all()
    used = meta["n_features_used"]
    assert (used >= 1).all() and (used <= 8).all() and (used < 8).any()
    close = []
    for b in torch.nonzero(meta["valid"]).view(-1).tolist():
        u = int(used[b])
        assert (x[b, :, u:] == 0).all()
        assert abs(y[b].double().mean()) < 1e-3 and y[b].double().std() < 1 + 1e-3
        close.append(abs(y[b].double().std() - 1) < 1e-3)
        live = [c for c in range(u) if x[b, :, c].abs().max() > 0]
        for c in live:  # z-scored, then scaled by n_features / used
            assert x[b, :, c].double().std() < (1 + 1e-3) * 8 / u
            close.append(abs(x[b, :, c].double().std() - 8 / u) < 1e-3 * 8 / u)
    assert np.mean(close) > 0.8


def test_datasets_carry_the_truth(datasets):
    assert len(datasets) == 36 and all(isinstance(d, Dataset) for d in datasets)
    priors = collections.Counter(d.metadata["prior"] for d in datasets)
    assert priors["scm"] > 5 and priors["bnn"] > 5
    from_roots = n_scm_cols = compared = 0
    for d in datasets:
        md = d.metadata
        cols = [f"X{c}" for c in range(5)] + ["y"]
        assert list(d.data.columns) == cols
        assert d.graph.kind == "admg" and list(d.graph.nodes) == cols
        y = d.data["y"]
        k = md["n_classes"]
        assert y.dtype == np.int64 and sorted(y.unique()) == list(range(k)) and 2 <= k <= 10
        ts = md["train_size"]
        assert set(y.iloc[:ts]) == set(y.iloc[ts:])
        full = md["full_graph"]
        assert full.kind == "dag"
        assert set(full.observed) == set(cols) and full.latent == set(full.nodes) - set(cols)
        if full.n_edges > 3000:  # the reference projection below is pure Python, O(V * E)
            continue
        compared += 1
        # the stored projection is the latent projection of the full graph
        assert _edges(full.latent_projection()) == _edges(d.graph)
        if md["prior"] == "scm":
            # observed columns are hidden units: each has hidden ancestors, unless edge dropout
            # removed all its inputs (then it is pure noise), and most descend from root causes
            roots = {n for n in full.nodes if n.startswith("U")}
            assert all(set(full.ancestors(c)) & full.latent or not full.parents(c) for c in cols)
            from_roots += sum(bool(roots & set(full.ancestors(c))) for c in cols)
            n_scm_cols += len(cols)
            assert set(md["feature_nodes"]) == set(cols)
        elif md["prior"] == "bnn":
            # the features are the root causes themselves: no hidden confounding among them
            assert all(not full.parents(c) for c in cols[:-1])
            assert not any(e.type == "<->" and "y" not in (e.source, e.target)
                           for e in d.graph.edge_list())
    assert compared >= 15 and n_scm_cols >= 12
    assert from_roots / n_scm_cols > 0.8


def test_tabpfn_prior_is_deterministic(datasets):
    again = list(tabpfn_prior(6, 120, 5, seed=11, datasets_per_hyper=2))
    for a, b in zip(datasets[:6], again):
        assert a.data.equals(b.data) and a.graph == b.graph
        assert a.metadata["full_graph"] == b.metadata["full_graph"]
    ss = np.random.SeedSequence(11)  # a SeedSequence object can be reused
    a1, b1, _ = sample_tabpfn_batch(4, 30, 3, seed=ss)
    a2, b2, _ = sample_tabpfn_batch(4, 30, 3, seed=ss)
    assert torch.equal(a1, a2) and torch.equal(b1, b2)
    other = next(iter(tabpfn_prior(1, 120, 5, seed=12, datasets_per_hyper=2)))
    assert not other.data.equals(datasets[0].data)


def _linear_scm_hp(rng, f, **over):
    hp = draw_tabpfn_hyperparameters(rng, f, task="regression", gp_prior=False)
    hp.update(prior="scm", activation="identity", num_layers=4, hidden=2 * f + 1, num_causes=3,
              dropout=0.7, block_wise_dropout=False, noise_std=0.3, pre_sample_weights=False,
              init_std=0.5, in_clique=False, categorical_columns=[], categories=[])
    hp.update(over)
    return hp


def test_data_follow_the_full_graph():
    """d-separations of the full DAG hold in the data; d-connections show up as dependence."""
    from causalkit.generators.tabpfn_prior import _full_graph, _one_structure

    rng = np.random.default_rng(0)
    gen = torch.Generator().manual_seed(0)
    f, n = 6, 6000
    separated = connected = detected = 0
    for rep in range(4):
        hp = _linear_scm_hp(rng, f)
        x, y, valid, _, _, st = _group(torch, gen, 4, n, f, n // 2, hp, torch.device("cpu"), True)
        for b in range(4):
            if not valid[b]:
                continue
            full = _full_graph(_one_structure(st, b), hp, f)[0]
            g = full.to_networkx()
            data = np.column_stack([x[b].double().numpy(), y[b].double().numpy()])
            cols = [f"X{c}" for c in range(f)] + ["y"]
            for i, j in itertools.combinations(range(f + 1), 2):
                if data[:, i].std() == 0 or data[:, j].std() == 0:
                    continue
                z = abs(np.arctanh(np.corrcoef(data[:, i], data[:, j])[0, 1])) * np.sqrt(n - 3)
                if nx.is_d_separator(g, {cols[i]}, {cols[j]}, set()):
                    separated += 1
                    assert z < 4.5, (rep, b, cols[i], cols[j], z)
                else:
                    connected += 1
                    detected += z > 4.5
    assert separated >= 5 and connected >= 20
    assert detected / connected > 0.8


def test_block_wise_and_clique_options_keep_the_projection():
    from causalkit.generators.tabpfn_prior import _full_graph, _layered_projection, _one_structure

    rng = np.random.default_rng(1)
    gen = torch.Generator().manual_seed(1)
    cols = [f"X{c}" for c in range(4)] + ["y"]
    for over in ({"block_wise_dropout": True}, {"in_clique": True, "y_is_effect": True},
                 {"in_clique": True, "y_is_effect": False, "sort_features": True},
                 {"prior": "bnn"}):
        hp = _linear_scm_hp(rng, 4, **over)
        _, _, _, _, _, st = _group(torch, gen, 3, 30, 4, 15, hp, torch.device("cpu"), True)
        for b in range(3):
            full, origin, names, masks = _full_graph(_one_structure(st, b), hp, 4)
            proj = _layered_projection(names, masks, cols)
            assert _edges(proj) == _edges(full.latent_projection())
            if hp["prior"] == "scm":
                assert len(set(origin.values())) == 5  # five distinct hidden nodes observed
                if over.get("y_is_effect"):
                    last = names[-1][-1]
                    assert last == "y"


def test_categorical_columns_have_few_levels():
    rng = np.random.default_rng(2)
    gen = torch.Generator().manual_seed(2)
    hp = _linear_scm_hp(rng, 5, categorical_columns=[1, 3], categories=[2, 5])
    x, _, valid, _, cat, _ = _group(torch, gen, 4, 200, 5, 100, hp, torch.device("cpu"), False)
    assert cat[:, [1, 3]].all() and not cat[:, [0, 2, 4]].any()
    for b in torch.nonzero(valid).view(-1).tolist():
        assert len(torch.unique(x[b, :, 1])) <= 2
        assert len(torch.unique(x[b, :, 3])) <= 5
        assert len(torch.unique(x[b, :, 0])) > 50


def test_hyperparameter_draws_match_the_released_prior():
    rng = np.random.default_rng(3)
    draws = [draw_tabpfn_hyperparameters(rng, 20) for _ in range(1500)]
    layers = np.array([d["num_layers"] for d in draws])
    assert layers.min() >= 2 and 3.0 < layers.mean() < 4.5  # 2 + Gamma with mean U(0, 3)
    assert min(d["hidden"] for d in draws) >= 4 and min(d["num_causes"] for d in draws) >= 2
    assert all(0 <= d["dropout"] <= 0.6 for d in draws)
    assert all(d["noise_std"] >= 0 and d["init_std"] >= 0 for d in draws)
    assert {d["activation"] for d in draws} == {"tanh", "identity", "relu"}
    gp = np.mean([d["prior"] == "gp" for d in draws])
    assert 0.01 < gp < 0.09  # P(GP) = 1 / (1 + e^(w - 1)), w ~ U(2, 10): mean about 0.04
    ks = [d["n_classes"] for d in draws]
    assert min(ks) == 2 and max(ks) <= 10 and np.mean(np.array(ks) == 2) > 0.5
    assert 0.12 < np.mean([bool(d["categorical_columns"]) for d in draws]) < 0.21


@pytest.mark.parametrize("kwargs, word", [
    ({"n_samples": 3}, "n_samples"),
    ({"n_features": 0}, "n_features"),
    ({"task": "ranking"}, "task"),
    ({"max_classes": 1}, "max_classes"),
    ({"datasets_per_hyper": 0}, "datasets_per_hyper"),
    ({"train_size": 49}, "train_size"),
    ({"train_size": (5, 2)}, "train_size"),
    ({"seed": "abc"}, "seed"),
    ({"device": "nonsense"}, "device"),
])
def test_bad_input_names_the_argument(kwargs, word):
    args = {"n_samples": 50, "n_features": 4}
    args.update(kwargs)
    with pytest.raises(DataError, match=word):
        sample_tabpfn_batch(2, **args)
    with pytest.raises(DataError, match=word):
        tabpfn_prior(2, **args)
    with pytest.raises(DataError, match="batch_size"):
        sample_tabpfn_batch(0, 50, 4)


def test_gives_up_when_every_dataset_is_discarded(monkeypatch):
    mod = importlib.import_module("causalkit.generators.tabpfn_prior")  # the package attribute is the function

    monkeypatch.setattr(mod, "_MAX_DISCARDED", 0)
    # 4 rows: train and test hold 2 rows each, so most splits lack a common pair of classes
    with pytest.raises(DataError, match="n_samples"):
        list(tabpfn_prior(50, 4, 2, seed=0))
