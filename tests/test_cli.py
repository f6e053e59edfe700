import json
import subprocess
import sys

import numpy as np
import pandas as pd

from causalkit.cli import main


def write_chain(path, n=600):
    rng = np.random.default_rng(0)
    a = rng.normal(size=n)
    b = a + rng.normal(size=n)
    c = b + rng.normal(size=n)
    pd.DataFrame({"a": a, "b": b, "c": c}).to_csv(path, index=False)


def test_discover_writes_json(tmp_path, capsys):
    csv = tmp_path / "d.csv"
    write_chain(csv)
    out = tmp_path / "g.json"
    assert main(["discover", str(csv), "--alpha", "0.01", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "pc:" in text and "graph written" in text
    g = json.loads(out.read_text())
    assert sorted(g["nodes"]) == ["a", "b", "c"]


def test_missing_file_is_one_line(tmp_path, capsys):
    assert main(["discover", str(tmp_path / "nope.csv")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no such file" in err[0]


def test_bad_column_is_one_line(tmp_path, capsys):
    csv = tmp_path / "d.csv"
    write_chain(csv)
    assert main(["discover", str(csv), "--method", "pc", "--domain", "site"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "site" in err[0]


def test_python_dash_m_help():
    out = subprocess.run([sys.executable, "-m", "causalkit", "discover", "--help"],
                         capture_output=True, text=True)
    assert out.returncode == 0
    for opt in ("--method", "--alpha", "--test", "--out"):
        assert opt in out.stdout


def test_generate_scm_and_discover_the_saved_dataset(tmp_path, capsys):
    out = tmp_path / "ds"
    assert main(["generate", "scm", "--nodes", "4", "--samples", "300", "--seed", "1", "--out", str(out)]) == 0
    from causalkit import Dataset

    ds = Dataset.load(out)
    assert ds.data.shape == (300, 4) and ds.graph is not None
    assert main(["discover", str(out)]) == 0
    assert "pc:" in capsys.readouterr().out


def test_generate_bif_needs_a_file(tmp_path, capsys):
    assert main(["generate", "bif", "--out", str(tmp_path / "x")]) == 2
    assert "--bif" in capsys.readouterr().err
