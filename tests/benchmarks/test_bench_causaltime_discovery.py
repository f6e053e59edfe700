"""The scoring of benchmarks/bench_causaltime_discovery.py (causaltime.hcg_scores on the block; fast)."""

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from causalkit.exceptions import DataError, GraphError
from causalkit.graph import CausalGraph
from causalkit.metrics import auprc, auroc

_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_causaltime_discovery.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_causaltime_discovery", _PATH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _frame(a, names):
    return pd.DataFrame(a, index=names, columns=names)


def test_block_taken_by_label_and_matches_causalkit_metrics(bench):
    rng = np.random.default_rng(0)
    names = ["a", "b", "c", "d", "e"]
    n = len(names)
    # H: a DAG (upper triangular, some edges) plus self-loops, rows cause
    h = np.triu(rng.random((n, n)) < 0.5, 1).astype(int) + np.eye(n, dtype=int)
    res = [f"{v}_residual" for v in names]
    chans = names + res
    full = rng.random((2 * n, 2 * n))
    # shuffle the channel order of the score frame: the block must be taken by label
    order = rng.permutation(2 * n)
    scores = _frame(full, chans).iloc[order, order[::-1]]
    got = bench.score_block(_frame(h, names), scores)
    block = _frame(full, chans).loc[names, names]
    true = CausalGraph.from_edges([(names[i], names[j]) for i in range(n) for j in range(n)
                                   if i != j and h[i, j]], nodes=names)
    assert got["auroc"] == pytest.approx(auroc(true, block))
    assert got["auprc"] == pytest.approx(auprc(true, block))
    # with the diagonal: self-loops are positives, scored too
    from sklearn.metrics import roc_auc_score
    assert got["auroc_with_diagonal"] == pytest.approx(roc_auc_score(h.ravel() != 0, block.to_numpy().ravel()))


def test_perfect_and_reversed_scores_with_two_cycles(bench):
    names = ["x", "y", "z"]
    h = np.array([[1, 1, 0], [1, 1, 1], [0, 0, 1]])  # x <-> y 2-cycle, y -> z
    perfect = bench.score_block(_frame(h, names), _frame(h + 0.0, names))
    assert perfect["auroc"] == 1.0 and perfect["auprc"] == 1.0
    assert perfect["auroc_with_diagonal"] == 1.0
    rev = bench.score_block(_frame(h, names), _frame(1.0 - h, names))
    assert rev["auroc"] == 0.0
    assert rev["auprc"] < 1.0


def test_missing_variable_and_nan_raise(bench):
    names = ["x", "y"]
    h = _frame(np.array([[1, 1], [0, 1]]), names)
    with pytest.raises(GraphError, match="y"):
        bench.score_block(h, _frame(np.ones((1, 1)), ["x"]))
    with pytest.raises(DataError, match="NaN"):
        bench.score_block(h, _frame(np.array([[0.0, np.nan], [0.1, 0.0]]), names))
