"""Accuracy of causalkit's PC beside causal-learn's on random linear-Gaussian SCMs.

Compares, against the true CPDAG, the two conflict rules of causalkit's PC
(``conflicts="strongest"``, the default, and ``"undirected"``) with
causal-learn's ``pc`` under ``uc_priority=2`` (prioritise existing colliders)
and ``uc_priority=3`` (prioritise stronger colliders), Fisher-z, alpha=0.05.

Usage::

    python benchmarks/bench_pc_accuracy.py [--seeds 15] [--nodes 20] [--out benchmarks/results/pc_accuracy.md]
"""

import argparse
import datetime
import platform
import warnings

import numpy as np

from causalkit import CausalGraph
from causalkit.discovery.pc import pc
from causalkit.generators import sample_scm
from causalkit.metrics import compare


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=15)
    ap.add_argument("--nodes", type=int, default=20)
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--out", default="benchmarks/results/pc_accuracy.md")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    from causallearn.search.ConstraintBased.PC import pc as cl_pc

    methods = ["causalkit strongest", "causalkit undirected", "causal-learn uc_priority=2",
               "causal-learn uc_priority=3"]
    rows = {m: [] for m in methods}
    for seed in range(args.seeds):
        ds = sample_scm(args.nodes, args.samples, kind="er", expected_degree=2, mechanism="linear", seed=seed)
        truth = ds.graph.to_cpdag()
        graphs = {
            methods[0]: pc(ds.data, alpha=0.05, conflicts="strongest").graph,
            methods[1]: pc(ds.data, alpha=0.05, conflicts="undirected").graph,
        }
        for prio, m in [(2, methods[2]), (3, methods[3])]:
            cg = cl_pc(ds.data.to_numpy(), 0.05, "fisherz", stable=True, uc_rule=0, uc_priority=prio,
                       show_progress=False)
            graphs[m] = CausalGraph.from_causallearn(cg, names=list(ds.data.columns))
        for m, g in graphs.items():
            c = compare(truth, g)
            rows[m].append((c["shd"], c["skeleton_f1"], c["arrowhead_f1"]))
    lines = [
        "# PC accuracy: causalkit vs causal-learn",
        "",
        f"Date: {datetime.date.today()}; machine: {platform.machine()}, 2 cores (shared with other jobs); "
        f"command: `python benchmarks/bench_pc_accuracy.py --seeds {args.seeds} --nodes {args.nodes}`.",
        f"Data: `sample_scm({args.nodes}, {args.samples}, kind='er', expected_degree=2, mechanism='linear')`, "
        f"seeds 0..{args.seeds - 1}; Fisher-z, alpha = 0.05; scored against the true CPDAG "
        "(`shd` = one per node pair whose marks differ).",
        "",
        "| method | mean SHD | median SHD | skeleton F1 | arrowhead F1 |",
        "|---|---|---|---|---|",
    ]
    for m, v in rows.items():
        v = np.array(v)
        lines.append(f"| {m} | {v[:, 0].mean():.2f} | {np.median(v[:, 0]):.1f} | {v[:, 1].mean():.3f} | "
                     f"{v[:, 2].mean():.3f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    with open(args.out, "w") as fh:
        fh.write(text)


if __name__ == "__main__":
    main()
