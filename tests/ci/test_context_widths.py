"""Kernel widths of the context kernel test (median heuristic, the default since 2026-11-29)."""

import numpy as np
import pytest

from causalkit.ci.context import ContextKernelTest
from causalkit.ci.kernels import median_width, standardize
from causalkit.exceptions import UnknownMethodError


def _mixture(n, rng, dependent):
    """Two variables whose means shift with a 4-domain label (marginally dependent through it)."""
    dom = np.repeat(np.arange(4), n // 4)
    shift = np.array([-2.0, -0.5, 0.7, 2.0])[dom]
    x = shift + rng.normal(size=n)
    y = 1.5 * shift + (np.tanh(1.5 * x - shift) if dependent else 0.0) + 0.5 * rng.normal(size=n)
    return np.column_stack([x, y, dom])


def test_median_width_is_each_columns_own_median_distance():
    rng = np.random.default_rng(0)
    data = _mixture(400, rng, dependent=False)
    data[:, 0] = np.exp(data[:, 0] / 2)  # a skewed column: its median width differs from a Gaussian one's
    k_med = ContextKernelTest(data, context=2)
    w0 = median_width(standardize(data)[:, 0], max_samples=500)
    k_num = ContextKernelTest(data, context=2, width=w0)
    # x _||_ domain with no conditioning set: x's kernel is the only variable kernel
    assert k_med.pvalue(0, 2) == pytest.approx(k_num.pvalue(0, 2), rel=1e-10)
    assert abs(w0 - median_width(standardize(data)[:, 1], max_samples=500)) > 0.05
    # the old rule is still available and gives a different statistic
    k_emp = ContextKernelTest(data, context=2, width="empirical")
    assert k_emp.statistic(0, 1, [2])[0] != pytest.approx(k_med.statistic(0, 1, [2])[0], rel=1e-6)
    with pytest.raises(UnknownMethodError, match="median"):
        ContextKernelTest(data, context=2, width="silverman")


def test_median_width_calibrated_within_domains_and_powerful():
    # x _||_ y | domain although the domain makes them strongly dependent marginally
    rej_null, rej_alt = 0, 0
    for seed in range(40):
        rng = np.random.default_rng(seed)
        rej_null += ContextKernelTest(_mixture(400, rng, False), context=2).pvalue(0, 1, [2]) < 0.05
        rej_alt += ContextKernelTest(_mixture(400, rng, True), context=2).pvalue(0, 1, [2]) < 0.05
    assert rej_null <= 7      # nominal 2 of 40 (5 here); the gamma null is approximate
    assert rej_alt >= 36


@pytest.mark.parametrize("seed", [0, 4])
def test_cdnod_kernel_skeleton_on_benchmark_seeds(seed):
    # the speed benchmark's kernel case (5 domains, n=1000, d=6, nonlinear): with causal-learn's
    # empirical widths seed 0 kept a false X0 - X5 and seed 4 a false X4 - X5; the median rule finds
    # the exact skeleton of the augmented graph, as causal-learn's cdnod(kci) does
    from causalkit.discovery.cdnod import cdnod
    from causalkit.generators.heterogeneous import heterogeneous

    ds = heterogeneous(6, 1000, n_domains=5, changing_fraction=0.5, mechanism="nonlinear", seed=seed)
    truth = {frozenset(e) for e in ds.metadata["augmented_graph"].edges[["source", "target"]].to_numpy().tolist()}
    res = cdnod(ds, ci_test="kci", orient="invariance", driving_force=False)
    found = {frozenset(e) for e in res.graph.edges[["source", "target"]].to_numpy().tolist()}
    assert found == truth
    old = cdnod(ds, ci_test="kci", orient="invariance", driving_force=False, ci_options={"width": "empirical"})
    assert {frozenset(e) for e in old.graph.edges[["source", "target"]].to_numpy().tolist()} != truth
