"""Crash safety: SIGKILL the driver mid-run, rerun, and every task is done exactly once."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import bench_plugin_for_tests  # noqa: F401
from causalkit.bench import Store, load_suite, run_suite

HERE = Path(__file__).resolve().parent
SUITE = """name: crash
plugins: [bench_plugin_for_tests]
seeds: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
datasets:
  - generator: test.chain
    params: {n_nodes: 3, n_samples: 30}
algorithms:
  - name: test.busy
    params: {seconds: 0.25}
"""


def _done(db):
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return con.execute("SELECT COUNT(*) FROM tasks WHERE status='done'").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def test_sigkill_mid_run_then_rerun(tmp_path):
    suite = tmp_path / "crash.yaml"
    suite.write_text(SUITE)
    db = tmp_path / "crash.db"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(HERE), str(HERE.parents[1])] + sys.path))
    proc = subprocess.Popen([sys.executable, "-m", "causalkit.bench.cli", "run", str(suite), "--store", str(db),
                             "--executor", "local", "--jobs", "2", "--quiet"], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while _done(db) < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the driver and its worker processes, at once
    proc.wait()
    n_tasks = len(load_suite(suite).tasks())
    with Store(db, create=False) as st:
        before = st.tasks().set_index("task_key")
    done_before = set(before.index[before["status"] == "done"])
    assert 3 <= len(done_before) < n_tasks, proc.stderr.read().decode()[-2000:]
    assert (before["status"] == "running").any()  # killed with tasks in flight

    summary = run_suite(suite, db, executor="local", jobs=2, progress=False)
    assert summary.n_skipped == len(done_before) and summary.n_run == n_tasks - len(done_before)
    with Store(db, create=False) as st:
        after = st.tasks().set_index("task_key")
        n_rows = st.conn.execute("SELECT COUNT(*) FROM tasks").fetchone()[0]
        per_task = dict(st.conn.execute("SELECT task_key, COUNT(*) FROM results WHERE metric='shd' "
                                        "GROUP BY task_key").fetchall())
    assert n_rows == n_tasks and len(after) == n_tasks
    assert (after["status"] == "done").all()
    assert per_task == {k: 1 for k in after.index}  # one result row per task and metric
    # tasks finished before the kill were not recomputed
    for k in done_before:
        assert after.loc[k, "attempts"] == 1
        assert after.loc[k, "finished_at"] == before.loc[k, "finished_at"]
        assert after.loc[k, "run_finished"] == before.loc[k, "run_finished"]
    redone = set(before.index[before["status"] == "running"])
    assert all(after.loc[k, "attempts"] == 2 for k in redone)
