"""Speed of interventional queries: causalkit.reasoning against pgmpy, and on 200+ node networks.

Run from the repository root (takes about a minute on 2 cores):

    .venv/bin/python benchmarks/bench_do_queries.py [--out benchmarks/results/do_queries.md]

1. alarm (37 nodes, bnlearn): ``CausalNetwork.intervene`` (surgery + variable
   elimination) against pgmpy's ``CausalInference.query(do=...)`` on the same
   CPTs; both must agree to 1e-9. Times are medians over repeated calls on a
   prebuilt object (pgmpy's ``CausalInference`` is built once, outside the
   timing).
2. Random ER DAGs of 250 and 500 nodes (expected degree 3) with random
   discrete tables (2-3 states, Dirichlet(1) columns): P(Y | do X) for the
   three outcomes with the most ancestors, X their earliest ancestor; each
   must take under a second.
3. Identification from the observational joint (``do``) by comb
   disintegration and by the ID algorithm on small graphs.
"""

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from causalkit import CausalGraph  # noqa: E402
from causalkit.generators.dags import random_dag  # noqa: E402
from causalkit.reasoning import CausalNetwork, do, random_network  # noqa: E402

BNLEARN = ROOT.parent / "shared" / "data" / "bnlearn"
ALARM_QUERIES = [("CO", "BP"), ("HR", "HRBP"), ("VENTTUBE", "PRESS")]
EXTRA_QUERIES = {"insurance": [("Age", "PropCost"), ("DrivQuality", "Accident")],
                 "child": [("Disease", "Grunting"), ("LungParench", "Age")]}


def timeit(fn, reps):
    fn()  # warm-up
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def to_pgmpy(net):
    from pgmpy.factors.discrete import TabularCPD
    from pgmpy.models import DiscreteBayesianNetwork

    model = DiscreteBayesianNetwork([(e.source, e.target) for e in net.graph.edge_list()])
    model.add_nodes_from(net.graph.nodes)
    for v in net.graph.nodes:
        pa = list(net.graph.parents(v))
        t = net.cpts[v]
        model.add_cpds(TabularCPD(v, t.shape[0], t.reshape(t.shape[0], -1), evidence=pa or None,
                                  evidence_card=[t.shape[i + 1] for i in range(len(pa))] or None))
    return model


def bench_bnlearn(lines):
    from pgmpy.inference import CausalInference

    lines += ["## 1. bnlearn networks against pgmpy `CausalInference.query(do=...)`", "",
              "| network | query | causalkit (ms) | pgmpy (ms) | pgmpy / causalkit | max abs diff |",
              "|---|---|---|---|---|---|"]
    for name, queries in [("alarm", ALARM_QUERIES)] + list(EXTRA_QUERIES.items()):
        net = CausalNetwork.from_bif(BNLEARN / f"{name}.bif.gz")
        ci = CausalInference(to_pgmpy(net))
        for x, y in queries:
            x0 = net.states[x][0]
            ours = net.intervene({x: x0}, y).array
            theirs = np.asarray(ci.query([y], do={x: 0}, show_progress=False).values)
            diff = float(np.max(np.abs(ours - theirs)))
            t_ours = timeit(lambda: net.intervene({x: x0}, y), 50)
            t_pg = timeit(lambda: ci.query([y], do={x: 0}, show_progress=False), 10)
            lines.append(f"| {name} | P({y} \\| do {x}) | {t_ours * 1e3:.2f} | {t_pg * 1e3:.1f} | "
                         f"{t_pg / t_ours:.0f}x | {diff:.1e} |")
            print(lines[-1], flush=True)
    lines.append("")


def bench_large(lines):
    lines += ["## 2. Random networks of 250 and 500 nodes", "",
              "| nodes | edges | max in-degree | query | ancestors used | time (ms) |", "|---|---|---|---|---|---|"]
    for n in (250, 500):
        g = random_dag(n, "er", expected_degree=3.0, seed=n)
        rng = np.random.default_rng(n)
        net = random_network(g, {v: int(rng.integers(2, 4)) for v in g.nodes}, random_state=rng)
        order = g.topological_order()
        max_in = max(len(g.parents(v)) for v in g.nodes)
        # the hardest outcomes: the nodes with the most ancestors, intervened on at an early ancestor
        anc = {v: g.ancestors(v) for v in g.nodes}
        ys = sorted(g.nodes, key=lambda v: -len(anc[v]))[:3]
        for y in ys:
            x = next(v for v in order if v in anc[y])
            t = timeit(lambda: net.intervene({x: 0}, y), 5)
            if t > 1.0:
                raise SystemExit(f"P({y} | do {x}) on {n} nodes took {t:.2f} s > 1 s")
            lines.append(f"| {n} | {g.n_edges} | {max_in} | P({y} \\| do {x}) | {len(anc[y]) + 1} | "
                         f"{t * 1e3:.1f} |")
            print(lines[-1], flush=True)
    lines.append("")


def bench_identification(lines):
    fdw = CausalGraph.from_edges([("S", "T"), ("T", "C"), ("U", "S"), ("U", "C"), ("W", "S"), ("W", "C")],
                                 latent=["U"])
    napkin = CausalGraph.from_edges([("W1", "W2"), ("W2", "X"), ("X", "Y"), ("U1", "W1"), ("U1", "X"),
                                     ("U2", "W1"), ("U2", "Y")], latent=["U1", "U2"])
    lines += ["## 3. Identification from the observational joint (`do`)", "",
              "| graph | states | method | time (ms) | abs error vs ground truth |", "|---|---|---|---|---|"]
    for gname, g, x, y in (("front-door + W", fdw, "S", "C"), ("napkin", napkin, "X", "Y")):
        for k in (2, 4):
            net = random_network(g, k, random_state=0)
            omega = net.observational()
            truth = net.intervene({x: 1}, y).array
            for method in ("comb", "id"):
                if gname == "napkin" and method == "comb":
                    continue
                err = float(np.max(np.abs(do(omega, g, {x: 1}, y, method=method).array - truth)))
                t = timeit(lambda: do(omega, g, {x: 1}, y, method=method), 20)
                lines.append(f"| {gname} | {k} | {method} | {t * 1e3:.2f} | {err:.1e} |")
                print(lines[-1], flush=True)
    lines.append("")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "do_queries.md"))
    args = ap.parse_args()
    import pgmpy

    lines = ["# Interventional queries: speed and agreement", "",
             "Produced by `.venv/bin/python benchmarks/bench_do_queries.py`.", "",
             f"Machine: {platform.machine()}, 2 CPU cores shared with other jobs, no GPU; Python "
             f"{platform.python_version()}, numpy {np.__version__}, pgmpy {pgmpy.__version__}.", "",
             "Times are medians of repeated calls (causalkit: 50, pgmpy: 10, large networks: 5).", ""]
    bench_bnlearn(lines)
    bench_large(lines)
    bench_identification(lines)
    Path(args.out).write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
