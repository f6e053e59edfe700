"""The intervention task kind with causalkit.reasoning's estimators."""

from causalkit.bench import Store, run_suite

SUITE = """name: interventions
kind: intervention
seeds: [0, 1, 2, 3]
datasets:
  - generator: interventions
    params: {n_samples: 20000, design: frontdoor, concentration: 0.5}
algorithms:
  - name: surgery.do
  - name: naive.conditional
"""


def test_surgery_beats_the_naive_conditional(tmp_path):
    db = tmp_path / "i.db"
    summary = run_suite(SUITE, db, executor="serial", progress=False)
    assert summary.counts.get("done") == 8
    with Store(db, create=False) as st:
        wide = st.results(wide=True)
    err = wide.groupby("algo")["tv_error_max"].mean()
    # identification removes the confounding bias; what is left is sampling error
    assert err["surgery.do"] < 0.03
    assert err["naive.conditional"] > 2 * err["surgery.do"]
