"""Causal de Finetti against CD-NOD, DirectLiNGAM and PC on ICM-exchangeable data.

Run by hand (not a test)::

    .venv/bin/python benchmarks/bench_definetti.py --out benchmarks/results/definetti.md
    .venv/bin/python benchmarks/bench_definetti.py --parts bivariate --runs 20   # quick look

Parts (the paper's settings: Guo et al. 2023, Section 6):

* ``bivariate``: :func:`exchangeable_bivariate`, 2 samples per environment,
  K = 100..500 environments; share of runs whose structure (X->Y, Y->X or
  none) is exactly right. Causal de Finetti (KCI, the paper's test) on the
  pairs; on the same 2K rows, causalkit's CD-NOD (the environment as a
  domain with K levels, kernel tests), DirectLiNGAM (lingam) and PC
  (KCI). An undirected edge never counts as right.
* ``binary``: :func:`exchangeable_binary`, 3 nodes, 2 samples per
  environment, K = 2000..10000; normalised SHD = (|E_est - E_true| +
  |E_true - E_est|) / (|E_true| + |E_est|) over ordered pairs (an undirected
  edge counts as both directions) and standard SHD (:func:`causalkit.metrics.shd_dag`).
  Causal de Finetti with G-squared on the first pair, with the clustered
  test on both orderings of the pair (``pairs="all"``), and PC (G-squared,
  alpha=0.01 as in the paper) on all rows.
* ``continuous``: :func:`exchangeable_scm`, d=5 ER graphs (expected degree 2),
  linear mechanisms whose intercepts, weights and noise scales vary by
  environment; share of true edges found with the right orientation, and
  SHD. Causal de Finetti (Fisher-z), CD-NOD (Gaussian family needs 10 rows
  per domain, so kernel family) and PC (Fisher-z) on all rows.
* ``multipair``: binary, 3 nodes, 4 samples per environment: ``pairs="first"``
  against ``pairs="all"`` (power of the multi-pair test).
* ``oracle``: the edge step with a d-separation oracle, with and without
  co-parents in the conditioning sets (the bug of the authors' code).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import time
import warnings
from multiprocessing import Pool
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAPER_BIV = {100: 0.70, 200: 0.82, 300: 0.87, 400: 0.90, 500: 0.91}
PAPER_BIV_BASE = {"CD-NOD": {100: 0.38, 200: 0.40, 300: 0.38, 400: 0.43, 500: 0.45},
                  "DirectLiNGAM": {100: 0.41, 200: 0.48, 300: 0.45, 400: 0.56, 500: 0.49}}
PAPER_BIN = {2000: 0.31, 4000: 0.21, 6000: 0.18, 8000: 0.19, 10000: 0.09}
PAPER_BIN_PC = {2000: 0.27, 4000: 0.27, 6000: 0.25, 8000: 0.25, 10000: 0.26}


def _seed(part, k, run):
    return np.random.SeedSequence([2023, sum(map(ord, part)), k, run])


def _directed_set(graph):
    out = set()
    for e in graph.edge_list():
        if e.type == "-->":
            out.add((e.source, e.target))
        else:  # undirected or other: both directions (adjacency-matrix reading)
            out.add((e.source, e.target))
            out.add((e.target, e.source))
    return out


def _nshd(true, est):
    t, e = _directed_set(true), _directed_set(est)
    den = len(t) + len(e)
    return 0.0 if den == 0 else (len(e - t) + len(t - e)) / den


def _graph_from_lingam(adj, names):
    from causalkit.graph import CausalGraph
    edges = [(names[j], names[i]) for i in range(len(names)) for j in range(len(names))
             if abs(adj[i, j]) > 0]
    return CausalGraph.from_edges(edges, nodes=names)


def _timed(fn):
    t0 = time.perf_counter()
    try:
        out = fn()
    except Exception as exc:  # a baseline failing on one run is recorded, not fatal
        out = exc
    return out, time.perf_counter() - t0


# ----------------------------------------------------------------------------- tasks
def task_bivariate(args):
    k, run, methods = args
    warnings.simplefilter("ignore")
    from causalkit.discovery.cdnod import cdnod
    from causalkit.discovery.definetti import definetti
    from causalkit.discovery.pc import pc
    from causalkit.generators.exchangeable import exchangeable_bivariate
    ds = exchangeable_bivariate(k, seed=_seed("bivariate", k, run))
    truth = ds.graph
    rows = []
    for name in methods:
        if name == "definetti":
            fn = lambda: definetti(ds.data, "env").graph  # noqa: E731
        elif name == "definetti-fisherz":
            fn = lambda: definetti(ds.data, "env", ci_test="fisherz").graph  # noqa: E731
        elif name == "CD-NOD":
            fn = lambda: _drop_context(cdnod(ds.data, domain="env", ci_test="kci", driving_force=False).graph,  # noqa: E731
                                       ["X", "Y"])
        elif name == "DirectLiNGAM":
            def fn():
                import lingam
                m = lingam.DirectLiNGAM().fit(ds.data[["X", "Y"]].to_numpy())
                return _graph_from_lingam(m.adjacency_matrix_, ["X", "Y"])
        elif name == "PC":
            fn = lambda: pc(ds.data[["X", "Y"]], ci_test="kci").graph  # noqa: E731
        g, t = _timed(fn)
        ok = (not isinstance(g, Exception)) and _directed_set(g) == _directed_set(truth) \
            and all(e.type == "-->" for e in g.edge_list())
        rows.append({"part": "bivariate", "k": k, "run": run, "method": name, "correct": float(ok),
                     "time": t, "error": repr(g) if isinstance(g, Exception) else ""})
    return rows


def _drop_context(graph, names):
    from causalkit.graph import CausalGraph
    edges = [(e.source, e.target, e.type) for e in graph.edge_list()
             if e.source in names and e.target in names]
    return CausalGraph(names, edges)


def _dag_scores(truth, g, name, part, k, run, t):
    from causalkit.metrics import shd_dag
    if isinstance(g, Exception):
        return {"part": part, "k": k, "run": run, "method": name, "error": repr(g), "time": t}
    tset = {(e.source, e.target) for e in truth.edge_list()}
    right = sum(1 for e in g.edge_list() if e.type == "-->" and (e.source, e.target) in tset)
    return {"part": part, "k": k, "run": run, "method": name, "nshd": _nshd(truth, g),
            "shd": shd_dag(truth, g), "oriented": right / max(len(tset), 1),
            "exact": float(_directed_set(g) == _directed_set(truth)), "time": t, "error": ""}


def task_binary(args):
    k, run, methods, n_per = args
    warnings.simplefilter("ignore")
    from causalkit.discovery.definetti import definetti
    from causalkit.discovery.pc import pc
    from causalkit.generators.exchangeable import exchangeable_binary
    part = "binary" if n_per == 2 else "multipair"
    ds = exchangeable_binary(k, n_per, seed=_seed(part, k, run))
    out = []
    for name in methods:
        if name == "definetti":
            fn = lambda: definetti(ds.data, "env", ci_test="gsq").graph  # noqa: E731
        elif name == "definetti-all":
            fn = lambda: definetti(ds.data, "env", pairs="all").graph  # noqa: E731
        elif name == "PC":
            fn = lambda: pc(ds.data.drop(columns="env"), ci_test="gsq", alpha=0.01).graph  # noqa: E731
        g, t = _timed(fn)
        out.append(_dag_scores(ds.graph, g, name, part, k, run, t))
    return out


def task_continuous(args):
    k, run, methods = args
    warnings.simplefilter("ignore")
    from causalkit.discovery.cdnod import cdnod
    from causalkit.discovery.definetti import definetti
    from causalkit.discovery.pc import pc
    from causalkit.generators.exchangeable import exchangeable_scm
    ds = exchangeable_scm(5, k, 2, expected_degree=2.0, seed=_seed("continuous", k, run))
    names = list(ds.graph.nodes)
    out = []
    for name in methods:
        if name == "definetti":
            fn = lambda: definetti(ds.data, "env", ci_test="fisherz").graph  # noqa: E731
        elif name == "definetti-kci":
            fn = lambda: definetti(ds.data, "env", ci_test="kci").graph  # noqa: E731
        elif name == "definetti-predecessors":
            fn = lambda: definetti(ds.data, "env", ci_test="fisherz", edge_rule="predecessors").graph  # noqa: E731
        elif name == "CD-NOD":
            fn = lambda: _drop_context(cdnod(ds.data, domain="env", ci_test="kci",  # noqa: E731
                                             driving_force=False).graph, names)
        elif name == "PC":
            fn = lambda: pc(ds.data[names], ci_test="fisherz").graph  # noqa: E731
        g, t = _timed(fn)
        out.append(_dag_scores(ds.graph, g, name, "continuous", k, run, t))
    return out


def oracle_check(n_graphs=300):
    """Edge step with perfect tests, with and without co-parents."""
    sys.path.insert(0, str(ROOT / "tests" / "discovery"))
    from test_definetti import _ICMOracle

    from causalkit.discovery import definetti as D
    from causalkit.generators import random_dag
    src = Path(D.__file__).read_text()
    body = src[src.index("def _edges_between_layers"):src.index("def definetti(")]
    nocop = body.replace("for c in children[j]:\n                            Z |= known[c]", "pass")
    ns = {"np": np}
    exec(nocop.replace("_edges_between_layers", "edges_without_coparents"), ns)
    wrong = {"with co-parents": 0, "without co-parents (authors' code)": 0}
    for seed in range(n_graphs):
        d = 3 + seed % 5
        g = random_dag(d, expected_degree=min(3.0, d - 1), seed=seed)
        names = list(g.nodes)
        o = _ICMOracle(g)
        layers = D._peel_layers(o, d, names, 0.05, [], [])
        truth = sorted((e.source, e.target) for e in g.edge_list())
        for label, fn in (("with co-parents", D._edges_between_layers),
                          ("without co-parents (authors' code)", ns["edges_without_coparents"])):
            est = sorted((a, b) for a, b, _ in fn(o, layers, names, 0.05, "paper", []))
            wrong[label] += est != truth
    return wrong


# ----------------------------------------------------------------------------- driver
def _run(tasks, fn, jobs):
    rows = []
    if jobs > 1:
        with Pool(jobs) as pool:
            for r in pool.imap_unordered(fn, tasks, chunksize=1):
                rows.extend(r)
    else:
        for t in tasks:
            rows.extend(fn(t))
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parts", default="bivariate,binary,continuous,multipair,oracle")
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--cdnod-runs", type=int, default=30, help="runs per point for CD-NOD (slow)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--csv", type=Path, help="also write the per-run rows")
    args = ap.parse_args(argv)
    import pandas as pd
    parts = args.parts.split(",")
    rows, timings = [], {}
    t_all = time.perf_counter()
    if "bivariate" in parts:
        t0 = time.perf_counter()
        tasks = [(k, r, ["definetti", "DirectLiNGAM", "PC"] + (["CD-NOD"] if r < args.cdnod_runs else []))
                 for k in PAPER_BIV for r in range(args.runs)]
        rows += _run(tasks, task_bivariate, args.jobs)
        timings["bivariate"] = time.perf_counter() - t0
    if "binary" in parts:
        t0 = time.perf_counter()
        tasks = [(k, r, ["definetti", "definetti-all", "PC"], 2) for k in PAPER_BIN for r in range(args.runs)]
        rows += _run(tasks, task_binary, args.jobs)
        timings["binary"] = time.perf_counter() - t0
    if "multipair" in parts:
        t0 = time.perf_counter()
        tasks = [(k, r, ["definetti-all", "definetti"], 4) for k in (500, 1000, 2000) for r in range(args.runs)]
        rows += _run(tasks, task_binary, args.jobs)
        timings["multipair"] = time.perf_counter() - t0
    if "continuous" in parts:
        t0 = time.perf_counter()
        tasks = [(k, r, ["definetti", "definetti-predecessors", "PC"] + (["CD-NOD"] if r < args.cdnod_runs // 3 else []))
                 for k in (500, 1000, 2000) for r in range(args.runs)]
        rows += _run(tasks, task_continuous, args.jobs)
        timings["continuous"] = time.perf_counter() - t0
    oracle = oracle_check() if "oracle" in parts else None
    df = pd.DataFrame(rows)
    if args.csv:
        df.to_csv(args.csv, index=False)
    report = _report(df, oracle, timings, args, time.perf_counter() - t_all)
    print(report)
    if args.out:
        args.out.write_text(report)


def _fmt(x, nd=2):
    return "-" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:.{nd}f}"


def _report(df, oracle, timings, args, total):
    lines = ["# Causal de Finetti: benchmark", "",
             f"Generated by `benchmarks/bench_definetti.py --runs {args.runs} --cdnod-runs {args.cdnod_runs} "
             f"--jobs {args.jobs}` on {datetime.date.today()}; machine: {platform.machine()}, "
             f"{os.cpu_count()} CPU cores (shared), no GPU; Python {platform.python_version()}. "
             f"Total {total / 60:.1f} min.", "",
             "Paper numbers: Guo, Toth, Schoelkopf and Huszar (2023), read from the authors' saved "
             "results (`experiments/results/numpy_results_*.npy`, see "
             "`shared/research/definetti_surgery.md`).", ""]
    if len(df) and "correct" in df and (df.part == "bivariate").any():
        b = df[df.part == "bivariate"]
        ks = sorted(b.k.unique())
        lines += ["## Bivariate: share of runs with the exact structure", "",
                  f"{args.runs} runs per point (CD-NOD: the first {args.cdnod_runs}); 2 samples per "
                  "environment; baselines see all 2K rows.", "",
                  "| method | " + " | ".join(f"K={k}" for k in ks) + " | mean | s/run |",
                  "|---|" + "---|" * (len(ks) + 2)]
        lines.append("| paper: Causal de Finetti | " + " | ".join(_fmt(PAPER_BIV[k]) for k in ks)
                     + f" | {_fmt(np.mean([PAPER_BIV[k] for k in ks]))} | |")
        for m in ["definetti", "CD-NOD", "DirectLiNGAM", "PC"]:
            s = b[b.method == m]
            if not len(s):
                continue
            per = [s[s.k == k].correct.mean() for k in ks]
            label = {"definetti": "**causalkit definetti (KCI)**", "CD-NOD": "causalkit CD-NOD (kernel)"}.get(m, m)
            lines.append(f"| {label} | " + " | ".join(_fmt(v) for v in per)
                         + f" | {_fmt(np.mean(per))} | {_fmt(s.time.mean(), 3)} |")
        for m, vals in PAPER_BIV_BASE.items():
            lines.append(f"| paper: {m} | " + " | ".join(_fmt(vals[k]) for k in ks)
                         + f" | {_fmt(np.mean([vals[k] for k in ks]))} | |")
        errs = b[b.error.astype(str) != ""]
        if len(errs):
            lines += ["", f"Failed runs (counted wrong): {errs.groupby('method').size().to_dict()}"]
        lines.append("")
    for part, title, paper in (("binary", "Multivariate binary (3 nodes, 2 samples per environment)", True),
                               ("multipair", "Multi-pair test: binary, 3 nodes, 4 samples per environment", False),
                               ("continuous", "Multivariate continuous (d=5, ER, linear ICM, 2 samples per environment)",
                                False)):
        if not len(df) or not (df.part == part).any():
            continue
        s0 = df[df.part == part]
        ks = sorted(s0.k.unique())
        lines += [f"## {title}", "", f"{args.runs} runs per point"
                  + (f" (CD-NOD: the first {args.cdnod_runs // 3})" if part == "continuous" else "") + ".", ""]
        metrics = [("nshd", "normalised SHD (lower is better)"), ("shd", "SHD"),
                   ("oriented", "share of true edges found with the right orientation"),
                   ("exact", "share of runs with the exact DAG")]
        for col, label in metrics:
            lines += [f"**{label}**", "", "| method | " + " | ".join(f"K={k}" for k in ks) + " | mean | s/run |",
                      "|---|" + "---|" * (len(ks) + 2)]
            if paper and col == "nshd":
                for name, vals in (("paper: Causal de Finetti", PAPER_BIN), ("paper: PC", PAPER_BIN_PC)):
                    lines.append(f"| {name} | " + " | ".join(_fmt(vals[k]) for k in ks)
                                 + f" | {_fmt(np.mean([vals[k] for k in ks]))} | |")
            for m in s0.method.unique():
                s = s0[s0.method == m]
                per = [s[s.k == k][col].mean() for k in ks]
                lines.append(f"| {m} | " + " | ".join(_fmt(v) for v in per)
                             + f" | {_fmt(np.nanmean(per))} | {_fmt(s.time.mean(), 3)} |")
            lines.append("")
    if oracle:
        lines += ["## Edge step with perfect tests (d-separation oracle)", "",
                  "300 random DAGs, 3 to 7 nodes; graphs recovered wrongly:", ""]
        lines += [f"- {k}: {v} / 300" for k, v in oracle.items()]
        lines.append("")
    if timings:
        lines += ["Wall time per part (s): " + ", ".join(f"{k} {v:.0f}" for k, v in timings.items()), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
