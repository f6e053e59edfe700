"""Executors: timeouts, failures and crashes are recorded; serial, local and dask agree."""

import json

import pytest

import bench_plugin_for_tests  # noqa: F401
from causalkit.bench import Store, run_suite

AGREE = """name: agree
plugins: [bench_plugin_for_tests]
seeds: [0, 1, 2]
datasets:
  - generator: test.chain
    params: {n_nodes: [3, 5], n_samples: 60, coef: 0.5}
algorithms:
  - name: test.corr
    params: {threshold: [0.15, 0.3]}
"""

FAULTS = """name: faults
plugins: [bench_plugin_for_tests]
seeds: [0]
timeout: 1.0
datasets:
  - generator: test.chain
    params: {n_nodes: 3, n_samples: 40}
algorithms:
  - name: test.corr
  - name: test.sleep
    params: {seconds: 30}
  - name: test.fail
    params: {message: "boom 42"}
  - name: test.crash
  - name: test.corr
    label: corr-again
    params: {threshold: 0.9}
"""


@pytest.fixture(scope="module")
def dask_address():
    """One 2-worker LocalCluster shared by the dask tests (also exercises ``address=``)."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    yield cluster.scheduler_address
    cluster.close()


def _metrics(db):
    with Store(db, create=False) as st:
        wide = st.results(wide=True)
    cols = [c for c in wide.columns if c not in ("runtime_s", "n_vars", "n_rows")]
    metric_cols = [c for c in cols if c not in ("task_key", "suite", "kind", "algo", "algo_label", "algo_params",
                                                "dataset_label", "dataset_spec", "seed", "status",
                                                "code_version")]
    # NaN (not-applicable metrics such as sid of a CPDAG) as None, so that == compares them
    return ({r["task_key"]: {m: (None if r[m] != r[m] else r[m]) for m in metric_cols}
             for _, r in wide.iterrows()}, metric_cols)


def test_serial_local_dask_give_identical_metrics(tmp_path, dask_address):
    out = {}
    for ex in ("serial", "local", "dask"):
        s = run_suite(AGREE, tmp_path / f"{ex}.db", executor=ex, jobs=2, progress=False,
                      address=dask_address if ex == "dask" else None)
        assert s.counts["done"] == 12 and s.n_run == 12
        out[ex], cols = _metrics(tmp_path / f"{ex}.db")
    assert "shd" in cols and "skeleton_f1" in cols and "tp_over_p" in cols
    assert out["serial"] == out["local"] == out["dask"]
    # the thresholds really change the estimates (the comparison is not vacuous)
    assert len({json.dumps(v, sort_keys=True) for v in out["serial"].values()}) > 2


@pytest.mark.parametrize("executor", ["local", "dask"])
def test_timeout_failure_and_crash_are_recorded_and_others_finish(tmp_path, executor, request):
    address = request.getfixturevalue("dask_address") if executor == "dask" else None
    db = tmp_path / "f.db"
    s = run_suite(FAULTS, db, executor=executor, jobs=2, progress=False, address=address)
    assert s.counts == {"done": 2, "failed": 1, "timeout": 1, "crashed": 1}
    with Store(db, create=False) as st:
        t = st.tasks().set_index("algo_label")
    assert t.loc["test.sleep", "status"] == "timeout"
    assert 0.9 < t.loc["test.sleep", "runtime_s"] < 10  # killed near 1 s, not after 30 s
    assert t.loc["test.fail", "status"] == "failed"
    assert "ValueError: boom 42" in t.loc["test.fail", "error"] and "Traceback" in t.loc["test.fail", "error"]
    assert t.loc["test.crash", "status"] == "crashed"
    assert "signal 9" in t.loc["test.crash", "error"]
    assert t.loc["test.corr", "status"] == "done" and t.loc["corr-again", "status"] == "done"


def test_serial_timeout_and_failure(tmp_path):
    text = FAULTS.replace("  - name: test.crash\n", "")  # a crash would kill the serial driver itself
    s = run_suite(text, tmp_path / "s.db", executor="serial", progress=False)
    assert s.counts == {"done": 2, "failed": 1, "timeout": 1, "crashed": 0}


def test_rerun_skips_finished_and_retry_redoes_failures(tmp_path):
    db = tmp_path / "r.db"
    text = FAULTS.replace("  - name: test.crash\n", "").replace("seconds: 30", "seconds: 3")
    first = run_suite(text, db, executor="serial", progress=False)
    again = run_suite(text, db, executor="serial", progress=False)
    assert again.n_run == 0 and again.n_skipped == first.n_tasks
    retry = run_suite(text, db, executor="serial", progress=False, retry=True)
    assert retry.n_run == 2  # the failed and the timed-out task
    with Store(db, create=False) as st:
        t = st.tasks().set_index("algo_label")
        assert t.loc["test.corr", "attempts"] == 1 and t.loc["test.fail", "attempts"] == 2


def test_reasoning_kind(tmp_path):
    text = """name: r
kind: reasoning
plugins: [bench_plugin_for_tests]
datasets: [{generator: test.chain, params: {n_samples: 5}}]
algorithms: [{name: test.reason, params: {flip: [0, 3]}}]
"""
    run_suite(text, tmp_path / "q.db", executor="serial", progress=False)
    with Store(tmp_path / "q.db", create=False) as st:
        wide = st.results(wide=True)
    acc = {json.loads(p)["flip"]: a for p, a in zip(wide["algo_params"], wide["accuracy"])}
    assert acc == {0: 1.0, 3: 0.7}
