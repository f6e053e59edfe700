"""The reasoning task kind with the shipped axiomatic model and the exact checker."""

import pytest

from causalkit.bench import Store, run_suite

pytest.importorskip("torch")

SUITE = """name: reasoning
kind: reasoning
seeds: [0]
datasets:
  - generator: reasoning
    params: {n_questions: 60, task: transitivity, min_length: 3, max_length: 5}
algorithms:
  - name: axiomatic
  - name: symbolic
"""


def test_axiomatic_model_and_checker_are_scored(tmp_path):
    db = tmp_path / "r.db"
    summary = run_suite(SUITE, db, executor="serial", progress=False)
    assert summary.counts.get("done") == 2
    with Store(db, create=False) as st:
        acc = st.results(wide=True).set_index("algo")["accuracy"]
    assert acc["symbolic"] == 1.0  # the labels are exact
    assert acc["axiomatic"] > 0.9  # in-distribution chain lengths
