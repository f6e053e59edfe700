"""Overhead and scaling of the benchmark runner (run by hand; results in benchmarks/results/runner_overhead.md).

1. Overhead: N tasks that each burn ~0.2 s of CPU (``test.busy`` style, pure
   Python so the time is the same wherever it runs), run
   (a) as a plain loop calling the algorithm on regenerated data, and
   (b) through ``run_suite`` with the ``serial`` executor and with the
       ``local`` executor at ``--jobs 1`` (every task through a sandbox process,
       the SQLite store, hashing and bookkeeping included).
   Overhead = runner time / plain-loop time - 1.
2. Scaling: the same CPU-bound tasks with the ``dask`` executor on 2 workers
   (embedded LocalCluster, startup included) and ``local`` at ``--jobs 2``,
   against serial.

Usage::

    .venv/bin/python benchmarks/bench_runner_overhead.py --tasks 1000 --seconds 0.2
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # causalkit from this checkout

PLUGIN = '''
import time
import numpy as np
import pandas as pd
from causalkit.bench.registry import register_algorithm, register_generator
from causalkit.dataset import Dataset
from causalkit.graph import CausalGraph


def chain(n_nodes=4, n_samples=100, seed=None):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n_samples, n_nodes)).cumsum(axis=1)
    names = [f"X{i}" for i in range(n_nodes)]
    g = CausalGraph.from_edges([(names[i], names[i + 1]) for i in range(n_nodes - 1)], nodes=names)
    return Dataset(pd.DataFrame(x, columns=names), graph=g)


def busy(dataset, seconds=0.2):
    end = time.process_time() + seconds
    x = 0
    while time.process_time() < end:
        x += 1
    names = dataset.variables
    return CausalGraph(names, [(names[i], names[i + 1], "---") for i in range(len(names) - 1)], kind="cpdag")


register_generator("overhead.chain", "_overhead_plugin:chain")
register_algorithm("overhead.busy", "_overhead_plugin:busy")
'''


def suite_text(n_tasks, seconds):
    return (f"name: overhead\nplugins: [_overhead_plugin]\nseeds: {n_tasks}\n"
            f"datasets: [{{generator: overhead.chain}}]\n"
            f"algorithms: [{{name: overhead.busy, params: {{seconds: {seconds}}}}}]\n")


def plain_loop(n_tasks, seconds):
    import _overhead_plugin as p

    t0 = time.perf_counter()
    for seed in range(n_tasks):
        p.busy(p.chain(seed=seed), seconds)
    return time.perf_counter() - t0


def through_runner(n_tasks, seconds, executor, jobs, tmp):
    from causalkit.bench import run_suite

    db = Path(tmp) / f"{executor}{jobs}.db"
    t0 = time.perf_counter()
    s = run_suite(suite_text(n_tasks, seconds), db, executor=executor, jobs=jobs, progress=False)
    elapsed = time.perf_counter() - t0
    assert s.counts["done"] == n_tasks, s.counts
    return elapsed


def main():
    import functools
    global print
    print = functools.partial(print, flush=True)  # noqa: A001  (progress while it runs)
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=0.2)
    ap.add_argument("--scaling-tasks", type=int, default=100)
    ap.add_argument("--scaling-seconds", type=float, default=1.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "_overhead_plugin.py").write_text(PLUGIN)
        sys.path.insert(0, tmp)
        import _overhead_plugin  # noqa: F401

        n, sec = args.tasks, args.seconds
        loop = plain_loop(n, sec)
        serial = through_runner(n, sec, "serial", 1, tmp)
        local1 = through_runner(n, sec, "local", 1, tmp)
        print(f"overhead, {n} tasks of {sec} s CPU:")
        print(f"  plain loop          {loop:8.1f} s")
        print(f"  runner serial       {serial:8.1f} s  overhead {100 * (serial / loop - 1):+.1f}%")
        print(f"  runner local -j 1   {local1:8.1f} s  overhead {100 * (local1 / loop - 1):+.1f}%")
        m, s2 = args.scaling_tasks, args.scaling_seconds
        ser = through_runner(m, s2, "serial", 1, tmp)
        dask2 = through_runner(m, s2, "dask", 2, tmp)
        local2 = through_runner(m, s2, "local", 2, tmp)
        print(f"scaling, {m} CPU-bound tasks of {s2} s:")
        print(f"  serial              {ser:8.1f} s")
        print(f"  dask, 2 workers     {dask2:8.1f} s  speed-up {ser / dask2:.2f}x (cluster start included)")
        print(f"  local -j 2          {local2:8.1f} s  speed-up {ser / local2:.2f}x")


if __name__ == "__main__":
    main()
