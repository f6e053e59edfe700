"""Suite parsing, validation errors (key and line), grid expansion and task keys."""

import numpy as np
import pandas as pd
import pytest

import bench_plugin_for_tests  # noqa: F401  (registers test.* names)
from causalkit.bench import SuiteError, expand_grid, load_suite
from causalkit.dataset import Dataset
from causalkit.exceptions import UnknownMethodError
from causalkit.graph import CausalGraph

BASE = """name: t
plugins: [bench_plugin_for_tests]
seeds: [0, 1]
datasets:
  - generator: test.chain
    params: {n_nodes: [3, 4], n_samples: 50}
algorithms:
  - name: test.corr
    params: {threshold: [0.1, 0.3, 0.5]}
"""


def test_grid_expansion_and_task_count():
    assert expand_grid({"a": [1, 2], "b": "x", "c": [[1, 2]]}) == [
        {"a": 1, "b": "x", "c": [1, 2]}, {"a": 2, "b": "x", "c": [1, 2]}]
    suite = load_suite(BASE)
    tasks = suite.tasks()
    assert len(tasks) == 2 * 3 * 2  # dataset grid x algorithm grid x seeds
    assert {t.algo_params["threshold"] for t in tasks} == {0.1, 0.3, 0.5}
    assert {t.dataset["params"]["n_nodes"] for t in tasks} == {3, 4}
    assert len({t.task_key for t in tasks}) == len(tasks)


def test_task_key_is_stable_and_sensitive():
    a = {t.task_key for t in load_suite(BASE).tasks()}
    b = {t.task_key for t in load_suite(BASE.replace("{n_nodes: [3, 4], n_samples: 50}",
                                                     "{n_samples: 50, n_nodes: [3, 4]}")).tasks()}
    assert a == b  # parameter order does not matter
    c = {t.task_key for t in load_suite(BASE.replace("n_samples: 50", "n_samples: 51")).tasks()}
    assert not a & c
    t = load_suite(BASE).tasks()[0]
    assert t.task_key == type(t).from_dict(t.to_dict()).task_key
    assert len(t.task_key) == 32


@pytest.mark.parametrize("text, line, key, words", [
    (BASE.replace("seeds: [0, 1]", "seeds: [0, one]"), 3, "seeds[1]", "integer"),
    (BASE + "timeout: -1\n", 10, "timeout", "> 0"),
    (BASE + "colour: red\n", 10, "colour", "valid top-level keys"),
    (BASE.replace("n_samples: 50", "n_samples: 50.5"), 6, "datasets[0].params.n_samples", "type int"),
    (BASE.replace("threshold: [0.1, 0.3, 0.5]", "threshold: [0.1, high]"), 9,
     "algorithms[0].params.threshold", "type float"),
    (BASE.replace("threshold:", "treshold:"), 9, "algorithms[0].params.treshold", "threshold"),
    (BASE.replace("    params: {threshold", "    parms: {threshold"), 9, "algorithms[0].parms", "valid algorithm keys"),
])
def test_errors_name_key_and_line(text, line, key, words):
    with pytest.raises(SuiteError) as info:
        load_suite(text)
    msg = str(info.value)
    assert msg.startswith(f"<suite>:{line}: {key}:"), msg
    assert words in msg


def test_unknown_generator_and_algorithm_list_known_ones(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text(BASE.replace("generator: test.chain", "generator: test.chian"))
    with pytest.raises(UnknownMethodError) as info:
        load_suite(p)
    msg = str(info.value)
    assert msg.startswith(f"{p}:5: datasets[0].generator:")
    assert "'test.chain'" in msg and "'scm'" in msg
    with pytest.raises(UnknownMethodError) as info:
        load_suite(BASE.replace("name: test.corr", "name: nosuch"))
    assert "<suite>:8:" in str(info.value) and "'causallearn.pc'" in str(info.value)
    with pytest.raises(UnknownMethodError, match="known metrics"):
        load_suite(BASE + "metrics: [shd, not_a_metric]\n")


def test_missing_required_key_and_bad_yaml():
    with pytest.raises(SuiteError, match="missing required key 'algorithms'"):
        load_suite("name: t\ndatasets: [{generator: test.chain}]\n")
    with pytest.raises(SuiteError, match=r"<suite>:3: not valid YAML"):
        load_suite("name: t\ndatasets: [\n  - : :\n")


def _saved(tmp_path, with_context):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((60, 3))
    df = pd.DataFrame(x, columns=["a", "b", "c"])
    roles = None
    if with_context:
        df["site"] = np.repeat([0, 1, 2], 20)
        roles = {"context": "site"}
    g = CausalGraph.from_edges([("a", "b"), ("b", "c")])
    return Dataset(df, graph=g, roles=roles).save(tmp_path / ("ctx" if with_context else "iid"))


def test_file_datasets_roles_and_digest(tmp_path):
    iid = _saved(tmp_path, False)
    ctx = _saved(tmp_path, True)
    text = f"""name: f
datasets:
  - file: {iid}
  - file: {ctx}
    name: with_site
algorithms:
  - name: causallearn.pc
  - name: causallearn.cdnod
"""
    suite = load_suite(text)
    pairs = {(t.algorithm, t.dataset_label) for t in suite.tasks()}
    # PC runs on both (on the variables); CD-NOD only where a context column exists
    assert pairs == {("causallearn.pc", "iid"), ("causallearn.pc", "with_site"), ("causallearn.cdnod", "with_site")}
    assert any("domain" in reason for _, _, reason in suite.skipped)
    key = {t.task_key for t in suite.tasks()}
    (iid / "data.csv").write_text((iid / "data.csv").read_text() + "0,0,0\n")
    assert {t.task_key for t in load_suite(text).tasks()} != key  # file content is part of the key
    with pytest.raises(SuiteError, match="not a saved causalkit Dataset"):
        load_suite(text.replace(str(iid), str(tmp_path / "missing")))
