"""Tests of the amortized structure learner (causalkit.learned.structure); CPU, seconds."""

import os

import numpy as np
import pandas as pd
import pytest

torch = pytest.importorskip("torch")

from causalkit.exceptions import DataError, UnknownMethodError  # noqa: E402
from causalkit.generators import sample_scm  # noqa: E402
from causalkit.learned.structure import (  # noqa: E402
    PRETRAINED_STRUCTURE,
    WEIGHTS_DIR,
    PFNStructureLearner,
    acyclicity_penalty,
    load_structure_model,
    pfn_discover,
    probabilities_to_dag,
    select_rows,
)


@pytest.fixture(scope="module")
def data():
    return sample_scm(6, 300, kind="er", expected_degree=2.0, mechanism="linear", noise="laplace", seed=3)


def _is_dag(adj):
    a = np.asarray(adj, dtype=bool)
    # repeatedly remove sources; a DAG empties
    alive = np.ones(len(a), dtype=bool)
    while alive.any():
        indeg = a[np.ix_(alive, alive)].sum(axis=0)
        idx = np.flatnonzero(alive)[indeg == 0]
        if len(idx) == 0:
            return False
        alive[idx] = False
    return True


def test_shipped_weights_load_and_are_small_fp16():
    stem = os.path.join(WEIGHTS_DIR, PRETRAINED_STRUCTURE["default"])
    assert os.path.getsize(stem + ".safetensors") < 15 * 2**20
    from safetensors.torch import load_file

    state = load_file(stem + ".safetensors")
    assert state and all(v.dtype == torch.float16 for v in state.values())
    model, meta = load_structure_model()
    assert meta["provenance"]["steps"] > 0 and "device" in meta["provenance"]
    n_par = sum(p.numel() for p in model.parameters())
    assert n_par == sum(v.numel() for v in state.values())
    assert not model.training


def test_output_is_a_valid_dag_with_probabilities(data):
    learner = PFNStructureLearner(threshold=0.3).fit(data.data)
    g = learner.graph_
    names = list(data.data.columns)
    assert g.kind == "dag" and g.is_acyclic() and list(g.nodes) == names
    p = learner.result_.details["edge_probabilities"]
    assert list(p.index) == names and list(p.columns) == names
    assert np.all(np.diag(p.to_numpy()) == 0) and ((p >= 0) & (p <= 1)).all().all()
    edges = g.edges
    assert len(edges) > 0
    for e in edges.itertuples():
        assert e.weight == pytest.approx(p.loc[e.source, e.target])
        assert e.weight > 0.3
    # the DAG keeps every above-threshold edge except those dropped to break cycles
    assert len(edges) <= int((p.to_numpy() > 0.3).sum())
    assert learner.result_.algorithm == "pfn" and learner.result_.details["n_rows_used"] == 300


def test_default_threshold_is_the_calibrated_one(data):
    _, meta = load_structure_model()
    t = meta["inference"]["threshold"]
    res = pfn_discover(data.data)
    assert res.params["threshold"] == t
    probs = res.details["edge_probabilities"]
    names = list(probs.index)
    p = probs.to_numpy()
    kept = res.graph.to_adjacency(convention="row->col").loc[names, names].to_numpy() != 0
    assert np.all(p[kept] > t)
    # the most probable pair is always kept (nothing precedes it that it could conflict with)
    i, j = np.unravel_index(np.argmax(p), p.shape)
    assert p[i, j] <= t or kept[i, j]


def test_relabelling_variables_permutes_the_output(data):
    df = data.data
    p = PFNStructureLearner().predict_proba(df)
    rng = np.random.default_rng(0)
    perm = rng.permutation(df.shape[1])
    renamed = {c: f"v_{c}" for c in df.columns}
    df2 = df.iloc[:, perm].rename(columns=renamed)
    p2 = PFNStructureLearner().predict_proba(df2)
    back = p2.rename(index={v: k for k, v in renamed.items()}, columns={v: k for k, v in renamed.items()})
    np.testing.assert_allclose(back.loc[p.index, p.columns].to_numpy(), p.to_numpy(), atol=2e-5)


def test_reordering_rows_leaves_output_unchanged(data):
    df = data.data
    shuffled = df.sample(frac=1.0, random_state=1).reset_index(drop=True)
    p = PFNStructureLearner().predict_proba(df)
    p2 = PFNStructureLearner().predict_proba(shuffled)
    np.testing.assert_allclose(p2.to_numpy(), p.to_numpy(), atol=2e-5)


def test_subsampling_is_independent_of_row_and_column_order(data):
    df = data.data
    learner = PFNStructureLearner(max_rows=100)
    p = learner.predict_proba(df)
    perm = np.random.default_rng(2).permutation(df.shape[1])
    p2 = learner.predict_proba(df.sample(frac=1.0, random_state=4).iloc[:, perm])
    np.testing.assert_allclose(p2.loc[p.index, p.columns].to_numpy(), p.to_numpy(), atol=2e-5)
    res = PFNStructureLearner(max_rows=100).fit(df).result_
    assert res.details["n_rows_used"] == 100 and any("100 of 300" in w for w in res.warnings)
    rows = select_rows(df.to_numpy(), 100)
    assert len(rows) == 100 and len(set(rows)) == 100


def test_probabilities_separate_true_edges(data):
    """The trained weights carry signal: true adjacencies score higher than non-adjacent pairs."""
    p = PFNStructureLearner().predict_proba(data.data).to_numpy()
    a = data.graph.to_adjacency(convention="row->col").loc[list(data.data.columns), list(data.data.columns)]
    a = a.to_numpy() != 0
    skel = a | a.T
    off = ~np.eye(len(a), dtype=bool)
    sym = p + p.T
    assert sym[skel].mean() > sym[off & ~skel].mean() + 0.2


def test_probabilities_to_dag_breaks_cycles_by_weakest_edge():
    p = np.array([[0, .9, 0], [0, 0, .8], [.6, 0, 0]])  # 3-cycle: drop the weakest (2 -> 0)
    adj = probabilities_to_dag(p, 0.5)
    assert adj.tolist() == [[False, True, False], [False, False, True], [False, False, False]]
    p = np.array([[0, .7], [.9, 0]])  # two-cycle: keep the more probable direction
    assert probabilities_to_dag(p, 0.5).tolist() == [[False, False], [True, False]]
    rng = np.random.default_rng(0)
    for _ in range(20):
        m = rng.random((8, 8))
        np.fill_diagonal(m, 0)
        adj = probabilities_to_dag(m, 0.3)
        assert _is_dag(adj)
        # every candidate left out would close a cycle
        for i, j in zip(*np.nonzero((m > 0.3) & ~adj)):
            trial = adj.copy()
            trial[i, j] = True
            assert not _is_dag(trial)


def test_acyclicity_penalty_is_zero_on_dags_and_positive_on_cycles():
    dag = torch.triu(torch.rand(2, 5, 5), 1)
    assert torch.allclose(acyclicity_penalty(dag), torch.zeros(2), atol=1e-6)
    cyc = torch.zeros(1, 3, 3)
    cyc[0, 0, 1] = cyc[0, 1, 2] = cyc[0, 2, 0] = 0.5
    assert acyclicity_penalty(cyc)[0].item() == pytest.approx(0.5, abs=1e-4)


def test_discover_function_and_errors(data):
    res = pfn_discover(data.data, ci_test="fisherz", alpha=0.05, threshold=0.4)
    assert res.graph.is_acyclic() and res.params["threshold"] == 0.4
    with pytest.raises(DataError, match="threshold"):
        pfn_discover(data.data, threshold=1.5)
    with pytest.raises(DataError, match="max_rows"):
        pfn_discover(data.data, max_rows=3)
    with pytest.raises(UnknownMethodError, match="weights"):
        pfn_discover(data.data, weights="no_such_model")
    with pytest.raises(DataError):
        pfn_discover(pd.DataFrame({"a": np.arange(20.0), "b": np.ones(20)}))


def test_registered_in_discover(data):
    from causalkit.discovery.registry import available_methods

    if "pfn" not in available_methods():
        pytest.skip("'pfn' is not registered yet (causalkit/discovery/registry.py)")
    import causalkit

    res = causalkit.discover(data.data, method="pfn")
    assert res.algorithm == "pfn" and "edge_probabilities" in res.details


def test_training_script_resumes_exactly(tmp_path):
    """benchmarks/train_structure.py: a run interrupted and resumed ends with the same weights."""
    import importlib.util

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    spec = importlib.util.spec_from_file_location("train_structure", os.path.join(root, "benchmarks",
                                                                                  "train_structure.py"))
    ts = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ts)
    ts.PRESETS["tiny"] = dict(ts.PRESETS["cpu"], model={"dim": 8, "n_layers": 1, "n_heads": 2, "ff_mult": 2},
                              d_min=2, d_max=5, n_min=20, n_max=40, tokens=300, total_steps=6, warmup=2,
                              eval_every=100, ckpt_every=100, log_every=100, eval_sets=[[4, 30, 2]])
    common = ["--preset", "tiny", "--threads", "1", "--max-minutes", "5"]
    ts.main(common + ["--out", str(tmp_path / "a")])
    ts.main(common + ["--out", str(tmp_path / "b"), "--stop-after", "3"])
    mid = torch.load(tmp_path / "b" / "checkpoint.pt", weights_only=False)
    assert mid["step"] == 3
    ts.main(common + ["--out", str(tmp_path / "b")])
    a = torch.load(tmp_path / "a" / "checkpoint.pt", weights_only=False)
    b = torch.load(tmp_path / "b" / "checkpoint.pt", weights_only=False)
    assert a["step"] == b["step"] == 6
    for k in a["model"]:
        torch.testing.assert_close(a["model"][k], b["model"][k], rtol=0, atol=0)
    assert not torch.equal(a["model"]["embed_value.weight"], mid["model"]["embed_value.weight"])
    stem = str(tmp_path / "exported")
    ts.export(str(tmp_path / "a" / "checkpoint.pt"), stem, "tiny")
    model, meta = load_structure_model(stem + ".safetensors")
    assert meta["provenance"]["steps"] == 6 and 0 < meta["inference"]["threshold"] < 1
    # a fresh run started from the exported weights (new schedule), with the attention chosen by timing
    ts.main(common + ["--out", str(tmp_path / "c"), "--init-from", stem + ".safetensors", "--attention", "auto",
                      "--set", "warmup=1", "--stop-after", "0", "--log", str(tmp_path / "c.log")])
    c = torch.load(tmp_path / "c" / "checkpoint.pt", weights_only=False)
    assert c["step"] == 0 and c["config"]["warmup"] == 1 and c["config"]["init_from"] == "exported.safetensors"
    assert [r["steps"] for r in c["config"]["lineage"]] == [6]
    # the continued run draws new datasets (its step 0 is the first run's step 6), not a replay
    assert c["config"]["data_offset"] == 6 and c["config"]["var_attention"] in ("sdpa", "matmul")
    x_new, _ = ts.batch(c["config"], 0, "cpu")
    x_old, _ = ts.batch(a["config"], 6, "cpu")
    torch.testing.assert_close(x_new, x_old, rtol=0, atol=0)
    torch.testing.assert_close(c["model"]["embed_value.weight"], a["model"]["embed_value.weight"].half().float())
    assert "# attention var_attention=" in (tmp_path / "c.log").read_text()
    with pytest.raises(SystemExit, match="unknown config key"):
        ts.main(common + ["--out", str(tmp_path / "d"), "--set", "nonsense=1"])
    with pytest.raises(SystemExit, match="--set: expected KEY=JSON"):
        ts.main(common + ["--out", str(tmp_path / "d"), "--set", "warmup"])
    with pytest.raises(SystemExit, match="--init-from"):
        ts.main(["--preset", "cpu", "--threads", "1", "--out", str(tmp_path / "e"), "--init-from",
                 stem + ".safetensors", "--stop-after", "0"])


def test_chunked_attention_equals_unchunked(monkeypatch):
    """Attention split over the batch axis (attn_chunk; the CUDA fix) gives the same logits as one call."""
    from causalkit.learned.structure import ATTENTION_CHUNK, make_structure_net

    torch.manual_seed(0)
    model = make_structure_net(dim=16, n_layers=2, n_heads=2, ff_mult=2).eval()
    assert model.attn_chunk == ATTENTION_CHUNK == 65535 and model.math_attention is False
    x = torch.randn(3, 25, 6)  # variable axis: 75 sequences of length 6; sample axis: 18 of length 25
    sizes = []
    sdpa = torch.nn.functional.scaled_dot_product_attention

    def counting(q, k, v, *a, **kw):
        sizes.append(q.shape[0])
        return sdpa(q, k, v, *a, **kw)

    monkeypatch.setattr(torch.nn.functional, "scaled_dot_product_attention", counting)
    with torch.no_grad():
        model.attn_chunk = None
        full = model(x)
        assert sorted(set(sizes)) == [18, 75]  # one call per block
        sizes.clear()
        model.attn_chunk = 7
        chunked = model(x)
        model.math_attention = True  # CPU: the math kernel is what runs anyway
        math = model(x)
    assert max(sizes) <= 7 and len(sizes) > 4 * 2  # really split: 11 + 3 calls per axial block
    finite = torch.isfinite(full)
    assert torch.equal(finite, torch.isfinite(chunked)) and (~finite).sum() == 3 * 6
    torch.testing.assert_close(chunked[finite], full[finite], rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(math[finite], full[finite], rtol=1e-5, atol=1e-5)


def test_matmul_variable_attention_equals_sdpa():
    """var_attention="matmul" (explicit products for short sequences) computes the same function."""
    from causalkit.learned.structure import make_structure_net

    torch.manual_seed(1)
    model = make_structure_net(dim=16, n_layers=2, n_heads=4, ff_mult=2).eval()
    assert model.var_attention == "sdpa"
    x = torch.randn(2, 30, 7)
    with torch.no_grad():
        ref = model(x)
        model.var_attention = "matmul"
        alt = model(x)
    finite = torch.isfinite(ref)
    torch.testing.assert_close(alt[finite], ref[finite], rtol=1e-5, atol=1e-5)
    model.var_attention = "flash"
    with pytest.raises(DataError, match="var_attention"):
        model(x)
    # and the gradients agree too (the training path)
    for impl in ("sdpa", "matmul"):
        model.zero_grad()
        model.var_attention = impl
        out = model(x)
        out[torch.isfinite(out)].square().sum().backward()
        grads = [p.grad.clone() for p in model.parameters()]
        if impl == "sdpa":
            ref_grads = grads
    for g, r in zip(grads, ref_grads):
        torch.testing.assert_close(g, r, rtol=1e-4, atol=1e-5)


def test_shipped_models_by_name(data):
    """Every shipped name loads and gives probabilities that separate true adjacencies."""
    assert {"default", "gpu", "cpu_small"} <= set(PRETRAINED_STRUCTURE)
    for name in ("gpu", "cpu_small"):
        model, meta = load_structure_model(name)
        assert meta["name"] == PRETRAINED_STRUCTURE[name]
        p = PFNStructureLearner(weights=name).fit(data.data)
        assert p.graph_.is_acyclic()
        assert p.result_.details["n_rows_used"] == min(300, meta["inference"]["max_rows"])
    gpu, _ = load_structure_model("gpu")
    assert sum(q.numel() for q in gpu.parameters()) > 1_000_000
