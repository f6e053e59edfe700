"""Tests of the prior-fitted network (causalkit.learned.pfn) and PFNClassifier (CPU, seconds)."""

import hashlib
import json
import os
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("safetensors")

from causalkit.exceptions import DataError, UnknownMethodError  # noqa: E402
from causalkit.learned.pfn import (  # noqa: E402
    DEFAULT_WEIGHTS, PFN_CONFIGS, WEIGHTS_DIR, PFNTransformer, count_parameters, load_pfn, save_pfn,
)
from causalkit.learned.pfn_classifier import PFNClassifier, bench_predict  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Stored predictions of the shipped weights on _reference_data() (PFNClassifier(n_ensemble=2)): file
# SHA-256 and P(class 1) of the 12 test rows, per weights stem (the default and the older CPU model).
# Regenerate an entry when those weights change:
#   python -c "import tests.learned.test_pfn as t; t._print_reference('pfn_gpu')"
REFERENCES = {
    "pfn_gpu": ("6e79b06b0d5442effa3a8370fa10a34f3768b552e08a36f5eb9b7923ecabe1be",
                [0.62819, 0.95374, 0.49582, 0.98531, 0.94413, 0.55128, 0.81243, 0.10306, 0.03059, 0.07104,
                 0.88351, 0.03698]),
    "pfn_cpu_small": ("f4f9389c5a9ac90ee25d95297b6a49b03b5631134ac8de25313d9dfd33b164e8",
                      [0.57551, 0.84473, 0.11452, 0.98193, 0.94879, 0.45877, 0.31694, 0.21559, 0.05682,
                       0.08365, 0.70738, 0.04126]),
}


# Every classifier here runs on one torch thread (n_threads=1): on the shared 2-core machine two threads
# made each small prediction take seconds instead of milliseconds.
@pytest.fixture(autouse=True)
def _one_thread():
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


def _reference_data():
    rng = np.random.default_rng(20261128)
    X = rng.normal(size=(48, 4))
    y = (X[:, 0] - X[:, 1] + 0.5 * X[:, 2] ** 2 + 0.3 * rng.normal(size=48) > 0.4).astype(int)
    return X[:36], y[:36], X[36:]


def _print_reference(weights=DEFAULT_WEIGHTS):
    path = os.path.join(WEIGHTS_DIR, weights + ".safetensors")
    torch.set_num_threads(1)
    sha = hashlib.sha256(open(path, "rb").read()).hexdigest()
    Xtr, ytr, Xte = _reference_data()
    p = PFNClassifier(n_ensemble=2, weights=weights, n_threads=1).fit(Xtr, ytr).predict_proba(Xte)[:, 1]
    print(f"    {weights!r}: ({sha!r},", [round(float(v), 5) for v in p], "),")


def _linear_task(n, f=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, f))
    y = (X[:, 0] + X[:, 1] - 0.5 * X[:, 2] > 0).astype(int)
    return X, y


# ----------------------------------------------------------------------------- shipped weights
def test_shipped_weights_load_with_config_and_provenance():
    model, info = load_pfn()
    assert isinstance(model, PFNTransformer)
    assert model.config == info["config"]
    assert info["n_parameters"] == count_parameters(model)
    assert info["dtype"] == "float16"
    assert info["provenance"].startswith("trained on") and info["steps"] > 0
    path = os.path.join(WEIGHTS_DIR, DEFAULT_WEIGHTS + ".safetensors")
    assert os.path.getsize(path) < 15 * 2**20


def test_default_weights_are_the_gpu_model_and_have_a_reference():
    assert DEFAULT_WEIGHTS == "pfn_gpu" and DEFAULT_WEIGHTS in REFERENCES
    model, info = load_pfn()
    assert model.config == PFN_CONFIGS["gpu"] and info["device"].startswith("GPU")
    assert load_pfn("pfn_cpu_small")[0].config == PFN_CONFIGS["tiny"]  # older model still shipped


@pytest.mark.parametrize("weights", sorted(REFERENCES))
def test_shipped_weights_reproduce_stored_prediction(weights):
    sha_ref, proba_ref = REFERENCES[weights]
    path = os.path.join(WEIGHTS_DIR, weights + ".safetensors")
    sha = hashlib.sha256(open(path, "rb").read()).hexdigest()
    assert sha == sha_ref, f"{weights} changed: regenerate its reference (_print_reference)"
    Xtr, ytr, Xte = _reference_data()
    clf = PFNClassifier(n_threads=1, n_ensemble=2, weights=None if weights == DEFAULT_WEIGHTS else weights)
    p = clf.fit(Xtr, ytr).predict_proba(Xte)[:, 1]
    np.testing.assert_allclose(p, proba_ref, atol=2e-4)


def test_missing_weights_file_names_shipped_ones():
    with pytest.raises(DataError, match=DEFAULT_WEIGHTS):
        load_pfn("no_such_weights")


# ----------------------------------------------------------------------------- the network
def test_attention_pattern_test_rows_are_independent_and_train_order_irrelevant():
    torch.manual_seed(0)
    m = PFNTransformer(**PFN_CONFIGS["tiny"]).eval()
    for p in m.parameters():  # non-zero output projections, so every block acts
        p.data.normal_(0, 0.2)
    x = torch.randn(1, 30, 32)
    y = torch.randint(0, 3, (1, 20))
    with torch.no_grad():
        out = m(x, y)
        # changing other test rows leaves test row 0 unchanged (test rows attend only to training rows)
        x2 = x.clone()
        x2[:, 21:] = torch.randn(1, 9, 32) * 5
        assert torch.allclose(m(x2, y)[:, 0], out[:, 0], atol=1e-5)
        # changing a training row changes the prediction
        x3 = x.clone()
        x3[:, 3] += 3.0
        assert not torch.allclose(m(x3, y)[:, 0], out[:, 0], atol=1e-3)
        # permuting the training rows (with their labels) leaves every prediction unchanged
        perm = torch.randperm(20)
        xp = torch.cat([x[:, perm], x[:, 20:]], 1)
        assert torch.allclose(m(xp, y[:, perm]), out, atol=1e-5)
        # absent classes are masked
        masked = m(x, y, torch.tensor([3]))
        assert torch.all(masked[..., 3:] < -1e30) and torch.allclose(masked[..., :3], out[..., :3])


def test_save_and_load_roundtrip(tmp_path):
    torch.manual_seed(1)
    m = PFNTransformer(max_features=8, max_classes=4, d_model=16, n_layers=2, n_heads=2, d_ff=32)
    path = str(tmp_path / "w.safetensors")
    save_pfn(m, path, {"provenance": "test"})
    m2, info = load_pfn(path)
    assert info["provenance"] == "test" and m2.config == m.config
    x, y = torch.randn(2, 12, 8), torch.randint(0, 4, (2, 7))
    with torch.no_grad():
        np.testing.assert_allclose(m2(x, y).numpy(), m.eval()(x, y).numpy(), atol=5e-2)  # fp16 weights


# ----------------------------------------------------------------------------- the classifier
def test_predictions_do_not_depend_on_training_row_order():
    X, y = _linear_task(120)
    Xtr, ytr, Xte = X[:80], y[:80], X[80:]
    p1 = PFNClassifier(n_threads=1, n_ensemble=2).fit(Xtr, ytr).predict_proba(Xte)
    perm = np.random.default_rng(3).permutation(80)
    p2 = PFNClassifier(n_threads=1, n_ensemble=2).fit(Xtr[perm], ytr[perm]).predict_proba(Xte)
    np.testing.assert_allclose(p1, p2, atol=1e-5)


def test_probabilities_sum_to_one_and_labels_are_original():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 6))
    y = np.array(["a", "b", "c"])[np.argmax(X[:, :3], 1)]
    clf = PFNClassifier(n_threads=1, n_ensemble=3).fit(X[:60], y[:60])
    p = clf.predict_proba(X[60:])
    assert p.shape == (30, 3) and np.all(p >= 0)
    np.testing.assert_allclose(p.sum(1), 1.0, atol=1e-9)
    assert set(clf.predict(X[60:])) <= {"a", "b", "c"}
    assert list(clf.classes_) == ["a", "b", "c"]


def test_clearly_beats_chance_on_a_simple_task():
    from sklearn.metrics import roc_auc_score

    X, y = _linear_task(300, seed=1)
    clf = PFNClassifier(n_threads=1, n_ensemble=2).fit(X[:150], y[:150])
    acc = np.mean(clf.predict(X[150:]) == y[150:])
    auc = roc_auc_score(y[150:], clf.predict_proba(X[150:])[:, 1])
    assert acc > 0.8 and auc > 0.9, (acc, auc)


def test_multiclass_beats_chance():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(240, 4))
    y = np.argmax(X[:, :3] + 0.2 * rng.normal(size=(240, 3)), 1)
    clf = PFNClassifier(n_threads=1, n_ensemble=2).fit(X[:120], y[:120])
    assert np.mean(clf.predict(X[120:]) == y[120:]) > 0.6  # chance is 1/3


@pytest.mark.parametrize("reduction", ["select", "pca"])
def test_more_features_than_trained_are_reduced(reduction):
    rng = np.random.default_rng(4)
    X = rng.normal(size=(160, 45))
    y = (X[:, 40] + X[:, 41] > 0).astype(int)
    clf = PFNClassifier(n_threads=1, n_ensemble=1, feature_reduction=reduction).fit(X[:100], y[:100])
    assert clf.reducer_[0] == reduction
    p = clf.predict_proba(X[100:])
    assert p.shape == (60, 2)
    if reduction == "select":  # the informative columns are kept
        assert {40, 41} <= set(clf.reducer_[1].tolist())
        assert np.mean(clf.predict(X[100:]) == y[100:]) > 0.65  # 30 of the 32 kept columns are noise


def test_more_rows_than_trained_are_subsampled():
    X, y = _linear_task(260, seed=5)
    clf = PFNClassifier(n_threads=1, n_ensemble=2, max_train_rows=60).fit(X[:200], y[:200])
    assert np.mean(clf.predict(X[200:]) == y[200:]) > 0.75


def test_subsample_keeps_a_rare_class():
    rng = np.random.default_rng(6)
    X = rng.normal(size=(100, 3))
    y = np.r_[np.zeros(99, int), 1]
    p = PFNClassifier(n_threads=1, n_ensemble=3, max_train_rows=20).fit(X, y).predict_proba(X[:4])
    assert p.shape == (4, 2) and np.all(np.isfinite(p))


def test_errors_name_the_problem():
    X, y = _linear_task(40)
    with pytest.raises(DataError, match="max_classes=10"):
        PFNClassifier(n_threads=1).fit(np.random.default_rng(0).normal(size=(44, 3)), np.arange(44) % 11)
    with pytest.raises(DataError, match="single class"):
        PFNClassifier(n_threads=1).fit(X, np.zeros(40))
    Xn = X.copy()
    Xn[0, 0] = np.nan
    with pytest.raises(DataError):
        PFNClassifier(n_threads=1).fit(Xn, y)
    with pytest.raises(UnknownMethodError, match="select"):
        PFNClassifier(n_threads=1, feature_reduction="magic").fit(X, y)
    with pytest.raises(DataError, match="n_ensemble"):
        PFNClassifier(n_threads=1, n_ensemble=0).fit(X, y)
    clf = PFNClassifier(n_threads=1, n_ensemble=1).fit(X, y)
    with pytest.raises(DataError, match="n_features_in_=5"):
        clf.predict(X[:, :3])


def test_bench_adapter_scores_prior_tasks_above_chance():
    from causalkit.bench.registry import evaluate_prediction
    from causalkit.generators.tabpfn_prior import tabpfn_prior

    aucs = []
    for ds in tabpfn_prior(4, 120, 4, seed=3, full_graph=False):
        out = bench_predict(ds, n_ensemble=1, n_threads=1)
        ts = ds.metadata["train_size"]
        assert out["proba"].shape == (120 - ts, ds.data["y"].iloc[:ts].nunique())
        aucs.append(evaluate_prediction(ds, out)[0]["roc_auc"])
    assert np.nanmean(aucs) > 0.8, aucs


def test_sklearn_clone_and_params():
    from sklearn.base import clone

    clf = PFNClassifier(n_threads=1, n_ensemble=2, feature_reduction="pca")
    c2 = clone(clf)
    assert c2.get_params()["n_ensemble"] == 2 and c2.get_params()["feature_reduction"] == "pca"


# ----------------------------------------------------------------------------- the training script
def _train(out, steps, resume):
    sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
    try:
        import train_pfn
    finally:
        sys.path.pop(0)
    model = json.dumps({"d_model": 16, "n_layers": 1, "n_heads": 2, "d_ff": 32})
    argv = ["--out", str(out), "--max-minutes", "5", "--set", f"model={model}", "batch=4", "n_rows=24",
            "n_features=4", "eval_batches=1", "eval_batch=4", "eval_every=100", "log_every=1",
            "warmup=2", "total_steps=" + str(steps), "datasets_per_hyper=2"]
    train_pfn.main(argv + (["--resume"] if resume else []))


def test_training_resumes_exactly(tmp_path):
    from safetensors.torch import load_file

    _train(tmp_path / "a", 4, False)
    _train(tmp_path / "b", 2, False)
    _train(tmp_path / "b", 4, True)
    wa = load_file(str(tmp_path / "a" / "cpu_tiny.ckpt.safetensors"))
    wb = load_file(str(tmp_path / "b" / "cpu_tiny.ckpt.safetensors"))
    assert wa.keys() == wb.keys()
    for k in wa:
        torch.testing.assert_close(wa[k], wb[k], atol=1e-6, rtol=1e-5)
    steps = [json.loads(line)["step"] for line in open(tmp_path / "b" / "cpu_tiny.log")
             if json.loads(line)["kind"] == "train"]
    assert steps == [1, 2, 3, 4]
    info = json.load(open(tmp_path / "b" / "cpu_tiny.json"))
    assert info["steps"] == 4 and "trained on CPU for 4 steps" in info["provenance"]
