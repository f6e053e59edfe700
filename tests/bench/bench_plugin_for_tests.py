"""A plugin for the bench tests: a tiny generator and algorithms that sleep, fail or crash.

Suites list it under ``plugins:`` so worker processes import it too (the
tests directory is on ``sys.path`` through pytest, and sandboxes inherit it).
"""

import os
import signal
import time

import numpy as np
import pandas as pd

from causalkit.bench.registry import register_algorithm, register_generator
from causalkit.dataset import Dataset
from causalkit.graph import CausalGraph


def tiny_chain(n_nodes=3, n_samples=200, coef=1.0, seed=None):
    """A linear-Gaussian chain X0 -> X1 -> ... with the true graph."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n_samples, n_nodes))
    x[:, 0] = rng.standard_normal(n_samples)
    for j in range(1, n_nodes):
        x[:, j] = coef * x[:, j - 1] + rng.standard_normal(n_samples)
    names = [f"X{i}" for i in range(n_nodes)]
    graph = CausalGraph.from_edges([(names[i], names[i + 1]) for i in range(n_nodes - 1)], nodes=names)
    return Dataset(pd.DataFrame(x, columns=names), graph=graph, metadata={"seed": seed})


def corr_skeleton(dataset, threshold=0.3):
    """Undirected edge where |correlation| > threshold (a deterministic toy method)."""
    names = dataset.variables
    c = np.corrcoef(dataset.data[names].to_numpy().T)
    edges = [(names[i], names[j], "---") for i in range(len(names)) for j in range(i + 1, len(names))
             if abs(c[i, j]) > threshold]
    return CausalGraph(names, edges, kind="cpdag")


def busy(dataset, seconds=0.2):
    """Burn CPU for ``seconds`` then return the correlation skeleton."""
    end = time.perf_counter() + seconds
    x = 0.0
    while time.perf_counter() < end:
        x += 1.0
    return corr_skeleton(dataset)


def sleeper(dataset, seconds=10.0):
    time.sleep(seconds)
    return corr_skeleton(dataset)


def failer(dataset, message="deliberate failure"):
    raise ValueError(message)


def crasher(dataset):
    os.kill(os.getpid(), signal.SIGKILL)


def reasoner(dataset, flip=0):
    y = [i % 2 for i in range(10)]
    pred = [1 - v if i < flip else v for i, v in enumerate(y)]
    return {"y_true": y, "y_pred": pred}


register_generator("test.chain", "bench_plugin_for_tests:tiny_chain",
                   description="tiny linear chain (tests)")
register_algorithm("test.corr", "bench_plugin_for_tests:corr_skeleton", description="tests")
register_algorithm("test.busy", "bench_plugin_for_tests:busy", description="tests")
register_algorithm("test.sleep", "bench_plugin_for_tests:sleeper", description="tests")
register_algorithm("test.fail", "bench_plugin_for_tests:failer", description="tests")
register_algorithm("test.crash", "bench_plugin_for_tests:crasher", description="tests")
register_algorithm("test.reason", "bench_plugin_for_tests:reasoner", kind="reasoning", description="tests")
