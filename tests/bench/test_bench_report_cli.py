"""Report structure (tables, plots, links), the CLI commands, store errors, and a browser screenshot."""

import importlib.util
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pandas as pd
import pytest

import bench_plugin_for_tests  # noqa: F401
from causalkit.bench import Store, StoreError, run_suite, write_report
from causalkit.bench.cli import main

SUITE = """name: rep
plugins: [bench_plugin_for_tests]
seeds: [0, 1, 2]
metrics: [shd, skeleton_f1]
datasets:
  - generator: test.chain
    params: {n_nodes: [3, 5], n_samples: 80, coef: 0.4}
algorithms:
  - name: test.corr
    params: {threshold: [0.05, 0.2, 0.4]}
  - name: test.fail
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    db = tmp_path_factory.mktemp("rep") / "rep.db"
    run_suite(SUITE, db, executor="serial", progress=False)
    return db


def test_report_structure(store, tmp_path):
    paths = write_report(store, tmp_path / "r")
    html = paths["html"].read_text()
    md = paths["markdown"].read_text()
    names = {p.name for p in paths["plots"]}
    assert names == {"box_shd.png", "box_skeleton_f1.png", "box_runtime_s.png", "roc_skeleton.png", "runtime.png"}
    for p in paths["plots"]:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 5000
    links = re.findall(r"(?:src|href)='([^']+)'", html)
    assert len(links) >= len(names) + 2
    for link in links + re.findall(r"\]\(([^)]+)\)", md):
        target = paths["html"].parent / link
        assert target.exists() and target.stat().st_size > 0, link
    assert html.count("<table>") == 3 and md.count("|---|") >= 3
    # the summary table holds the medians of the stored results
    with Store(store, create=False) as st:
        wide = st.results(wide=True)
    sub = wide[(wide["dataset_label"] == "test.chain(n_nodes=5)") & (wide["algo_params"] == '{"threshold": 0.2}')]
    med = sub["shd"].median()
    row = [r for r in md.splitlines() if r.startswith("| test.chain(n_nodes=5) | test.corr(threshold=0.2) |")]
    assert len(row) == 1 and row[0].split("|")[5].strip() == f"{med:.3g}"
    assert "ValueError: deliberate failure" in md and "failed" in html


def test_cli_run_status_report_export(tmp_path, capsys):
    suite = tmp_path / "s.yaml"
    suite.write_text(SUITE.replace("seeds: [0, 1, 2]", "seeds: [0]"))
    db = tmp_path / "c.db"
    assert main(["run", str(suite), "--store", str(db), "--executor", "serial", "-q"]) == 0
    assert "8 tasks: 0 already finished, 8 run (6 done, 2 failed" in capsys.readouterr().out
    assert main(["run", str(suite), "--store", str(db), "--executor", "serial", "-q"]) == 0
    assert "8 already finished, 0 run" in capsys.readouterr().out
    assert main(["status", "--store", str(db)]) == 0
    out = capsys.readouterr().out
    assert "done 6" in out and "failed 2" in out
    assert main(["report", "--store", str(db), "--out", str(tmp_path / "rep")]) == 0
    assert (tmp_path / "rep" / "index.html").exists()
    assert main(["export", "--store", str(db), "--format", "csv", "--out", str(tmp_path / "e.csv")]) == 0
    long = pd.read_csv(tmp_path / "e.csv")
    assert {"task_key", "algo", "metric", "value", "seed"} <= set(long.columns)
    assert long[long["metric"] == "shd"]["task_key"].nunique() == 6
    if importlib.util.find_spec("pyarrow") is not None:
        assert main(["export", "--store", str(db), "--format", "parquet",
                     "--out", str(tmp_path / "e.parquet")]) == 0
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "e.parquet"), long, check_dtype=False)


def test_bad_input_errors_before_any_task(tmp_path, capsys):
    suite = tmp_path / "s.yaml"
    suite.write_text(SUITE.replace("name: test.fail", "name: test.nope"))
    db = tmp_path / "x.db"
    assert main(["run", str(suite), "--store", str(db), "-q"]) == 2
    err = capsys.readouterr().err
    assert f"{suite}:11: algorithms[1].name: unknown algorithm 'test.nope'" in err and "'test.corr'" in err
    assert not db.exists()  # nothing was started
    # a store that is not a causalkit store
    text = tmp_path / "notes.db"
    text.write_text("hello")
    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE tasks (x)")
    con.commit()
    con.close()
    suite.write_text(SUITE)
    for bad in (text, other):
        before = bad.read_bytes()
        with pytest.raises(StoreError, match="not a causalkit benchmark store"):
            run_suite(suite, bad, executor="serial", progress=False)
        assert bad.read_bytes() == before
    assert main(["status", "--store", str(tmp_path / "missing.db")]) == 2
    assert "no benchmark store" in capsys.readouterr().err


def test_report_renders_in_headless_chromium(store, tmp_path):
    chromium = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if chromium is None:
        pytest.skip("/usr/bin/chromium is not installed (CI installs Debian's chromium package)")
    paths = write_report(store, tmp_path / "r")
    shot = tmp_path / "shot.png"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--screenshot={shot}", "--window-size=1280,2400", paths["html"].resolve().as_uri()],
                   check=True, timeout=120, capture_output=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20000
