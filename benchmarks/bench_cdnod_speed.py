"""CD-NOD speed: causalkit beside causal-learn's ``cdnod`` (one run each, ratios from the same run).

Run by hand::

    .venv/bin/python benchmarks/bench_cdnod_speed.py --out benchmarks/results/cdnod_speed.md

Cases (data from :func:`causalkit.generators.heterogeneous`, half the modules changing, seed 0):

1. Gaussian family: 5 domains, n=5000, d=20, linear-Gaussian. causalkit ``cdnod(ci_test="fisherz")``
   (stratified partial correlations and Chow/Bartlett change tests) vs causal-learn
   ``cdnod(X, c, 0.05, "fisherz")``. Goal: >= 5x.
2. Kernel family: 5 domains, n=1000, d=6, nonlinear (MLP) mechanisms. causalkit ``cdnod(ci_test="kci")``
   (low-rank KCI with a delta kernel on the domain) vs causal-learn ``cdnod(X, c, 0.05, "kci")`` (full
   O(n^3) KCI), seeds 0-9. Goal: >= 20x with equal or better skeleton F1 (mean over the seeds).
3. Kernel family at scale: time index, n=10,000, d=10, linear. Phases 1-2 (``orient="invariance"``,
   ``driving_force=False``): goal under 2 minutes on 2 cores. Phases 3-4 (``orient="full"``,
   ``driving_force=True``) on top, through their documented routes (moment embeddings on all rows at 200
   time points; driving forces on an evenly spaced subsample of 1000 rows).

Timings are wall-clock around the ``cdnod`` call (data generation and imports excluded). Both packages
run phases 1-2 in the ratio rows (causalkit with ``orient="invariance", driving_force=False``).
Skeleton F1 is over the augmented graph (variables plus the context node).
"""

from __future__ import annotations

import os

# One BLAS thread: on a 2-core machine shared with other jobs, OpenBLAS's threads on small matrices
# oversubscribe the cores (KCI-type tests ran 8x slower with the default). Both packages get the same.
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import datetime  # noqa: E402
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from causalkit.discovery.cdnod import cdnod  # noqa: E402
from causalkit.generators.heterogeneous import heterogeneous  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_cdnod_accuracy import _from_causalkit, _from_causallearn, _scores  # noqa: E402


#: hand-written notes on the committed run (appended to the report; check them against a new run)
_NOTES = """Notes. Gaussian family: causalkit computes 10,333 distinct tests; the research note counted 3.4k-6.6k
for causal-learn at this size (its own generator, 5 seeds). causalkit runs more because it finds all 10
changing modules (causal-learn's Fisher-z on the label finds 5 here) and every context neighbour adds
``V _||_ C | S`` tests up to depth 9. Each depth of the skeleton is one batched call: the effective tests
(the contexts always in the conditioning set) are formed, deduplicated and computed with array operations
grouped by kind and size, about 10 us per test. Both packages were warmed up by one small call first:
without it causal-learn's first call also pays one-off costs (a first run without the warm-up measured
0.44 s against 2.74 s, which we do not count); before the batched path, causalkit took 0.23 s (2.4x).
Kernel family: causalkit's variable kernels take the median-heuristic width (each tested column's own,
and the conditioning set's jointly; ``ContextKernelTest(width="median")``, the default since 2026-11-29).
With causal-learn's empirical widths (0.5-0.7 on standardised data at n=1000, ``width="empirical"``)
causalkit's mean skeleton F1 over seeds 0-9 was 0.932 (causal-learn 0.955): extra X0-X5 (seed 0), X4-X5
(4), X0-X5 and X3-X4 (8); missing X1-X3 (1), X0-X5 (3), X0-X1 and X0-X3 (6), X0-X1 (7), X1-X3 and X3-X4
(9); the deciding p-values were near 0.05 on both sides, and causal-learn's KCI gave similar p-values
for the same tests. The low-rank approximation was not the cause: 1000 conditioning landmarks (all
rows), 40 landmarks per variable or 20-40 residual directions gave the same edges on every seed. Within
a domain a narrow kernel spends its few leading directions on local detail of smooth mechanisms. The
median width removes the errors of seeds 0 and 4 and one of the two on seeds 6, 8 and 9, and adds one
(X0-X3 on seed 1). On 15 further seeds (10-24, causalkit only) the
mean F1 went from 0.920 to 0.925; at n=10,000, d=10 with a time index from 0.87 to 0.97. Calibration
of ``x _||_ y | domain`` on a 4-domain mixture (gamma null, alpha 0.05): 7.3% rejections at n=400 (300
repetitions; empirical widths 3.7%), 6.0% at n=1000 (150; empirical 5.3%). The errors left are the same
edges causal-learn gets wrong (see the table). With the default multi-threaded OpenBLAS on this loaded
machine causalkit's kernel tests ran about 8x slower (oversubscribed cores on small matrices); the
script pins one BLAS thread for both packages.
"""


def _truth(ds):
    return [tuple(e) for e in ds.metadata["augmented_graph"].edges[["source", "target"]].to_numpy().tolist()]


def _run_causalkit(ds, ctx, **kw):
    t0 = time.perf_counter()
    res = cdnod(ds, **kw)
    dt = time.perf_counter() - t0
    return dt, _scores(_truth(ds), *_from_causalkit(res.graph), ctx), res


def _run_causallearn(ds, ctx, test):
    from causallearn.search.ConstraintBased.CDNOD import cdnod as cl_cdnod

    X = ds.data.drop(columns=ctx).to_numpy()
    c = (ds.data[ctx].to_numpy() + 1).reshape(-1, 1).astype(float)
    names = list(ds.data.drop(columns=ctx).columns) + [ctx]
    t0 = time.perf_counter()
    cg = cl_cdnod(X, c, 0.05, test, show_progress=False)
    dt = time.perf_counter() - t0
    edges = _from_causallearn(cg.G.graph, names)
    return dt, _scores(_truth(ds), *edges, ctx), edges


def _edge_errors(truth, directed, undirected):
    """Missing and extra adjacencies of a found graph against the true augmented graph."""
    found = {frozenset(e) for e in list(directed) + list(undirected)}
    true = {frozenset(e) for e in truth}
    fmt = lambda es: ", ".join("-".join(sorted(e)) for e in sorted(es, key=sorted)) or "none"  # noqa: E731
    return fmt(true - found), fmt(found - true)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", nargs="+", default=["gaussian", "kernel", "large"])
    ap.add_argument("--kernel-seeds", type=int, nargs="+", default=list(range(10)),
                    help="seeds of the kernel case (causal-learn's KCI takes minutes per seed)")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    rows, kernel_rows = [], []
    if "gaussian" in args.cases:
        ds = heterogeneous(20, 5000, n_domains=5, changing_fraction=0.5, seed=0)
        cdnod(heterogeneous(5, 500, n_domains=5, seed=1), ci_test="fisherz", driving_force=False)  # warm-up
        _run_causallearn(heterogeneous(5, 500, n_domains=5, seed=1), "domain", "fisherz")
        t_ck, s_ck, res = _run_causalkit(ds, "domain", ci_test="fisherz", orient="invariance",
                                         driving_force=False)
        t_cl, s_cl, _ = _run_causallearn(ds, "domain", "fisherz")
        rows.append(("Gaussian family, 5 domains, n=5000, d=20", "fisherz", t_ck, t_cl, s_ck, s_cl, 5,
                     res.n_tests))
        print(rows[-1], flush=True)
    if "kernel" in args.cases:
        for seed in args.kernel_seeds:
            ds = heterogeneous(6, 1000, n_domains=5, changing_fraction=0.5, mechanism="nonlinear", seed=seed)
            t_ck, s_ck, res = _run_causalkit(ds, "domain", ci_test="kci", orient="invariance",
                                             driving_force=False)
            t_cl, s_cl, cl_edges = _run_causallearn(ds, "domain", "kci")
            rows.append((f"Kernel family, 5 domains, n=1000, d=6, nonlinear, seed {seed}", "kci", t_ck, t_cl,
                         s_ck, s_cl, 20, res.n_tests))
            kernel_rows.append((seed, t_ck, t_cl, s_ck["f1"], s_cl["f1"],
                                _edge_errors(_truth(ds), *_from_causalkit(res.graph)),
                                _edge_errors(_truth(ds), *cl_edges)))
            print(rows[-1], flush=True)
    large = None
    if "large" in args.cases:
        ds = heterogeneous(10, 10_000, time_varying=True, changing_fraction=0.5, seed=0)
        t12, s12, res = _run_causalkit(ds, "time", ci_test="kci", orient="invariance", driving_force=False)
        t0 = time.perf_counter()
        full = cdnod(ds, ci_test="kci", orient="full", driving_force=True,
                     driving_force_options={"max_samples": 1000})
        t_all = time.perf_counter() - t0
        from causalkit.discovery._cdnod_changes import change_dependence
        from causalkit.discovery._cdnod_embeddings import context_weights

        a, b = ds.graph.edges[["source", "target"]].to_numpy()[0]
        t0 = time.perf_counter()
        W, _ = context_weights([ds.data["time"].to_numpy()], ["time"])
        change_dependence(ds.data[a].to_numpy(), ds.data[b].to_numpy(), W=W)
        change_dependence(ds.data[b].to_numpy(), ds.data[a].to_numpy(), W=W)
        t_pair = time.perf_counter() - t0
        large = (t12, s12, res.n_tests, t_all, full, t_pair, (a, b))
        print(large[:4], flush=True)

    import causalkit

    try:
        from importlib.metadata import version

        clv = version("causal-learn")
    except Exception:  # pragma: no cover
        clv = "not installed"
    lines = ["# CD-NOD speed: causalkit vs causal-learn", ""]
    command = "python " + " ".join([os.path.relpath(__file__, Path.cwd())] + (argv or sys.argv[1:]))
    lines.append(f"Date: {datetime.date.today().isoformat()}. Command: `{command}`.")
    lines.append("")
    lines.append(f"Machine: 2 CPU cores shared with other jobs (load average between about 1 and 11 from other "
                 f"helpers' jobs over the session, so times are noisy; both times of a row come from the same "
                 f"run, one after the other), no GPU; {platform.platform()}, Python {platform.python_version()}, "
                 f"numpy {np.__version__}, causal-learn {clv}, causalkit {getattr(causalkit, '__version__', '?')}.")
    lines.append("")
    lines.append(__doc__.split("Cases", 1)[1].split("\n", 1)[1].strip())
    lines.append("")
    if rows:
        lines += ["| case | causal-learn test | causalkit (s) | causal-learn (s) | speed-up | goal | "
                  "skeleton F1 causalkit | skeleton F1 causal-learn | changing-module recall causalkit / "
                  "causal-learn | causalkit tests |", "|---|---|---|---|---|---|---|---|---|---|"]
        for name, test, t_ck, t_cl, s_ck, s_cl, goal, nt in rows:
            lines.append(f"| {name} | {test} | {t_ck:.3f} | {t_cl:.2f} | {t_cl / t_ck:.1f}x | {goal}x | "
                         f"{s_ck['f1']:.3f} | {s_cl['f1']:.3f} | {s_ck['ch_rec']:.2f} / {s_cl['ch_rec']:.2f} | {nt} |")
        lines.append("")
    if kernel_rows:
        f_ck = np.mean([r[3] for r in kernel_rows])
        f_cl = np.mean([r[4] for r in kernel_rows])
        ratios = [r[2] / r[1] for r in kernel_rows]
        lines += [f"## Kernel family, n=1000, d=6: {len(kernel_rows)} seeds", "",
                  f"Mean skeleton F1: causalkit {f_ck:.3f}, causal-learn {f_cl:.3f} (goal: causalkit >= "
                  f"causal-learn: {'met' if f_ck >= f_cl - 1e-12 else 'NOT met'}). Speed-up {min(ratios):.0f}x to "
                  f"{max(ratios):.0f}x (median {np.median(ratios):.0f}x; total {sum(r[1] for r in kernel_rows):.1f} s "
                  f"against {sum(r[2] for r in kernel_rows):.0f} s; goal 20x).", "",
                  "Adjacencies missing / extra against the true augmented graph:", "",
                  "| seed | causalkit missing | causalkit extra | causal-learn missing | causal-learn extra |",
                  "|---|---|---|---|---|"]
        for seed, _, _, _, _, (ck_m, ck_x), (cl_m, cl_x) in kernel_rows:
            lines.append(f"| {seed} | {ck_m} | {ck_x} | {cl_m} | {cl_x} |")
        lines.append("")
    if large:
        t12, s12, nt, t_all, full, t_pair, pair = large
        ic = full.details.get("independent_changes", {})
        lines += ["## Kernel family at n=10,000, d=10 (time index)", "",
                  f"- phases 1-2: {t12:.1f} s ({nt} tests), skeleton F1 {s12['f1']:.3f}, changing-module recall "
                  f"{s12['ch_rec']:.2f} (goal: under 120 s);",
                  f"- all four phases: {t_all:.1f} s (phase 3: "
                  + (f"skipped, {ic['skipped']}" if ic.get("skipped") else
                     f"{ic.get('n_points', 0)} time points from {ic.get('rows', 0)} rows, oriented "
                     f"{len(ic.get('oriented', []))} edge(s)")
                  + f"; phase 4 on an evenly spaced subsample of 1000 rows, "
                  f"{len(full.details.get('driving_force', {}))} module(s));",
                  f"- phase 3's statistic on all 10,000 rows, both directions of {pair[0]} --- {pair[1]} (moment "
                  f"embeddings at 200 time points): {t_pair:.2f} s.", ""]
    text = "\n".join(lines) + "\n\n" + _NOTES
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
