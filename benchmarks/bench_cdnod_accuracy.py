"""CD-NOD accuracy: causalkit beside causal-learn, and phase 3 (independent changes) on bivariate data.

Run by hand (slow parts run once)::

    .venv/bin/python benchmarks/bench_cdnod_accuracy.py --out benchmarks/results/cdnod_accuracy.md

Part 1, heterogeneous data: ``heterogeneous(10, 2000, n_domains=5, changing_fraction=0.5, seed=s)`` for
``s = 0..9`` (linear-Gaussian, random ER DAG of expected degree 2, 5 domains). causalkit's ``cdnod`` with
``ci_test="auto"`` (the Gaussian family here) and ``orient="full"`` (phase 3 is skipped with 5 domains),
causal-learn's ``cdnod(X, c, 0.05, "fisherz")`` with the domain label as ``c``. Scores against the augmented
DAG (variables plus the context node):

* skeleton precision / recall / F1 over all adjacencies (context edges included) and over variable pairs;
* changing-module recall and precision (variables adjacent to the context);
* orientation precision: among edges between two variables that the output directs, the fraction directed as
  in the true DAG (context edges, always right in causalkit, are left out).

Part 2, phase 3 alone: bivariate ``X0 --> X1`` with both modules changing independently
(``heterogeneous(2, n, ..., changing_fraction=1.0, graph=X0 --> X1)``), where invariance cannot orient
(``C --> X0``, ``C --> X1``, ``X0 --- X1`` is a triangle). For each setting, 50 seeds:

* "pairwise": the statistic alone, ``Delta(X0 -> X1) < Delta(X1 -> X0)`` given the true skeleton;
* "end to end": ``cdnod(..., orient="full")`` returns ``X0 --> X1`` (a wrong skeleton counts as a miss).

Settings: 30, 40 and 100 domains; a time index with T = 500 / 1000 and sinusoidal drifts, GP drifts of length
scale 0.1 (the generator's default) and GP drifts of length scale 0.05 and 0.03 (many independent changes over the
series; ``heterogeneous(..., drift_length_scale=...)``). ``--jobs 2`` runs the settings in two
processes; ``--contexts time`` / ``domain`` runs only those settings. The whole run takes about 12 minutes with
``--jobs 2`` on 2 cores.
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

from causalkit.discovery._cdnod_changes import change_dependence  # noqa: E402
from causalkit.discovery._cdnod_embeddings import (alignment, context_design, context_weights,  # noqa: E402
                                                   feature_gram, select_time_width, subsample_rows)
from causalkit.discovery.cdnod import cdnod  # noqa: E402
from causalkit.generators.heterogeneous import _eval_curve, heterogeneous  # noqa: E402

from causalkit.graph import CausalGraph  # noqa: E402


def _edge_sets(directed, undirected):
    skel = {frozenset(e) for e in directed} | {frozenset(e) for e in undirected}
    return skel, set(directed)


def _from_causalkit(graph):
    directed, undirected = [], []
    for s, t, ty in graph.edges[["source", "target", "type"]].to_numpy().tolist():
        (directed if ty == "-->" else undirected).append((s, t))
    return directed, undirected


def _from_causallearn(G, names):
    directed, undirected = [], []
    k = len(names)
    for i in range(k):
        for j in range(k):
            if G[i, j] == -1 and G[j, i] == 1:
                directed.append((names[i], names[j]))
            elif i < j and G[i, j] == -1 and G[j, i] == -1:
                undirected.append((names[i], names[j]))
            elif i < j and G[i, j] != 0:  # bidirected or other marks: count as an undirected adjacency
                undirected.append((names[i], names[j]))
    return directed, undirected


def _scores(truth_edges, directed, undirected, ctx):
    skel, dirs = _edge_sets(directed, undirected)
    tskel = {frozenset(e) for e in truth_edges}
    tp = len(skel & tskel)
    prec = tp / len(skel) if skel else 1.0
    rec = tp / len(tskel) if tskel else 1.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    vskel, vt = {e for e in skel if ctx not in e}, {e for e in tskel if ctx not in e}
    vtp = len(vskel & vt)
    vp = vtp / len(vskel) if vskel else 1.0
    vr = vtp / len(vt) if vt else 1.0
    vf1 = 2 * vp * vr / (vp + vr) if vp + vr else 0.0
    true_changing = {t for s, t in truth_edges if s == ctx}
    found = {next(iter(e - {ctx})) for e in skel if ctx in e}
    ch_rec = len(found & true_changing) / len(true_changing) if true_changing else 1.0
    ch_prec = len(found & true_changing) / len(found) if found else 1.0
    vdirs = [e for e in dirs if ctx not in e]
    right = sum(e in set(map(tuple, truth_edges)) for e in vdirs)
    return {"f1": f1, "prec": prec, "rec": rec, "vf1": vf1, "ch_rec": ch_rec, "ch_prec": ch_prec,
            "n_dir": len(vdirs), "dir_right": right,
            "n_undir_vv": sum(1 for e in undirected if ctx not in e)}


def part_heterogeneous(seeds, with_causallearn=True):
    rows = []
    for seed in seeds:
        ds = heterogeneous(10, 2000, n_domains=5, changing_fraction=0.5, seed=seed)
        truth = ds.metadata["augmented_graph"]
        truth_edges = [tuple(e) for e in truth.edges[["source", "target"]].to_numpy().tolist()]
        t0 = time.perf_counter()
        res = cdnod(ds, driving_force=False)
        t_ck = time.perf_counter() - t0
        ck = _scores(truth_edges, *_from_causalkit(res.graph), "domain")
        ck["time"] = t_ck
        row = {"seed": seed, "causalkit": ck, "n_true_changing": len(ds.metadata["changing_modules"])}
        if with_causallearn:
            from causallearn.search.ConstraintBased.CDNOD import cdnod as cl_cdnod

            X = ds.data.drop(columns="domain").to_numpy()
            c = (ds.data["domain"].to_numpy() + 1).reshape(-1, 1).astype(float)
            names = list(ds.data.drop(columns="domain").columns) + ["domain"]
            t0 = time.perf_counter()
            cg = cl_cdnod(X, c, 0.05, "fisherz", show_progress=False)
            t_cl = time.perf_counter() - t0
            cl = _scores(truth_edges, *_from_causallearn(cg.G.graph, names), "domain")
            cl["time"] = t_cl
            row["causal-learn"] = cl
        rows.append(row)
        print(seed, {k: round(v, 3) for k, v in ck.items()}, flush=True)
    return rows


_BIV = CausalGraph(["X0", "X1"], [("X0", "X1", "-->")], kind="dag")


def _gp_heterogeneous(length_scale, **kw):
    """``heterogeneous(..., drift="gp")`` with the GP drift's length scale on ``tau`` in [0, 1]."""
    return heterogeneous(drift="gp", drift_length_scale=length_scale, **kw)


def _bivariate_data(seed, setting):
    """``setting``: ``("time", T, None)`` (sinusoid drift), ``("time", T, "gp")`` (GP drift, length scale
    0.1), ``("time", T, ("gp", ls))`` (GP drift of length scale ``ls``) or ``("domain", n, K)``."""
    kind, n, k = setting
    if kind == "time":
        if isinstance(k, tuple):
            return _gp_heterogeneous(k[1], n_nodes=2, n_samples=n, time_varying=True, changing_fraction=1.0,
                                     graph=_BIV, seed=seed)
        return heterogeneous(2, n, time_varying=True, changing_fraction=1.0, graph=_BIV, seed=seed,
                             drift=k or "sinusoid")
    return heterogeneous(2, n, n_domains=k, changing_fraction=1.0, graph=_BIV, seed=seed)


def _pairwise_right(x, y, c, kind, feature_widths):
    """``Delta(X0 -> X1) < Delta(X1 -> X0)`` on the moment embeddings, with phase 3's default weights:
    per domain, or for a time index Gaussian weights whose width is chosen per module by cross-validation."""
    if kind != "time":
        W, _ = context_weights([c], [kind])
        return (change_dependence(x, y, W=W, feature_widths=feature_widths)
                < change_dependence(y, x, W=W, feature_widths=feature_widths))
    w = {}

    def weights(a, b=None):
        key = (id(a), None if b is None else id(b))
        if key not in w:
            h, _ = select_time_width([c], [kind], a, b)
            w[key] = context_weights([c], [kind], time_width=h)[0]
        return w[key]

    fwd = change_dependence(x, y, W=weights(x), W_effect=weights(x, y), feature_widths=feature_widths)
    bwd = change_dependence(y, x, W=weights(y), W_effect=weights(y, x), feature_widths=feature_widths)
    return fwd < bwd


def _true_parameters(ds, setting, n_points=200):
    """The generator's module parameters at the context points, both factorisations (oracle).

    ``X0 --> X1`` with ``X1 = m1 + w X0 + s1 e``, ``X0 = m0 + s0 e0``. Causal:
    ``P(X0) = (m0, log s0)``, ``P(X1 | X0) = (m1, w, log s1)``. Anti-causal (Gaussian algebra):
    ``P(X1) = (m1 + w m0, log sd)``, ``P(X0 | X1) = (intercept, slope, log residual sd)``.
    """
    meta = ds.metadata
    if setting[0] == "time":
        n = setting[1]
        tau = np.arange(n) / (n - 1)
        tau = tau[np.linspace(0, n - 1, n_points).round().astype(int)]
        c0, c1 = meta["drift_curves"]["X0"], meta["drift_curves"]["X1"]
        ms = meta["params"]["mean_shift"]
        m0, m1 = ms * _eval_curve(c0["mean"], tau), ms * _eval_curve(c1["mean"], tau)
        s0 = meta["noise_scales"]["X0"] * (1 + 0.5 * _eval_curve(c0["scale"], tau))
        s1 = meta["noise_scales"]["X1"] * (1 + 0.5 * _eval_curve(c1["scale"], tau))
        w = meta["weights"].loc["X0", "X1"] * (1 + 0.5 * _eval_curve(c1["weights"]["X0"], tau))
    else:
        m0, m1 = (meta["domain_mean_shifts"][v].to_numpy() for v in ("X0", "X1"))
        s0, s1 = (meta["domain_noise_scales"][v].to_numpy() for v in ("X0", "X1"))
        w = meta["domain_weights"][:, 0, 1]
    v1 = w ** 2 * s0 ** 2 + s1 ** 2
    a = w * s0 ** 2 / v1
    m1_all = m1 + w * m0
    causal = (np.column_stack([m0, np.log(s0)]), np.column_stack([m1, w, np.log(s1)]))
    anti = (np.column_stack([m1_all, 0.5 * np.log(v1)]),
            np.column_stack([m0 - a * m1_all, a, 0.5 * np.log(s0 ** 2 * s1 ** 2 / v1)]))
    return causal, anti


def _oracle_right(ds, setting, widths):
    (fc, fe), (gc, ge) = _true_parameters(ds, setting)
    fwd = alignment(feature_gram(fe, widths), feature_gram(fc, widths))
    bwd = alignment(feature_gram(ge, widths), feature_gram(gc, widths))
    return fwd < bwd


def _bivariate_setting(setting, seeds, with_kernel=False):
    ctx = "time" if setting[0] == "time" else "domain"
    res = {"setting": setting, "n": len(seeds), "pairwise": 0, "pairwise_joint": 0, "pairwise_fixed": None,
           "oracle": 0, "oracle_joint": 0, "end_to_end": 0, "skeleton_ok": 0, "kernel_pairwise": None}
    t0 = time.perf_counter()
    for seed in seeds:
        ds = _bivariate_data(seed, setting)
        x, y, c = (ds.data[v].to_numpy() for v in ("X0", "X1", ctx))
        for key, widths in (("pairwise", "per_parameter"), ("pairwise_joint", "joint")):
            res[key] += _pairwise_right(x, y, c, setting[0], widths)
        if setting[0] == "time":  # the fixed width before 2026-11-29: 50 steps (the authors' Wt) for every module
            W, _ = context_weights([c], ["time"], time_width=50.0)
            res["pairwise_fixed"] = (res["pairwise_fixed"] or 0) + (change_dependence(x, y, W=W)
                                                                    < change_dependence(y, x, W=W))
        res["oracle"] += _oracle_right(ds, setting, "per_parameter")
        res["oracle_joint"] += _oracle_right(ds, setting, "joint")
        r = cdnod(ds, driving_force=False)
        res["skeleton_ok"] += (r.graph.adjacent("X0", "X1") and r.graph.adjacent(ctx, "X0")
                               and r.graph.adjacent(ctx, "X1"))
        res["end_to_end"] += r.graph.has_edge("X0", "X1", "-->")
    res["time_s"] = time.perf_counter() - t0
    if with_kernel:
        ok = 0
        for seed in seeds:
            ds = _bivariate_data(seed, setting)
            x, y, c = (ds.data[v].to_numpy() for v in ("X0", "X1", ctx))
            rows = subsample_rows([c], [setting[0]], 1000)
            Kc, E, _ = context_design([c], [setting[0]], rows, 0.25)
            ok += change_dependence(x[rows], y[rows], Kc, E) < change_dependence(y[rows], x[rows], Kc, E)
        res["kernel_pairwise"] = ok
    res = {k: (int(v) if isinstance(v, (bool, np.bool_, np.integer)) else v) for k, v in res.items()}
    print(res, flush=True)
    return res


def part_bivariate(settings, seeds, kernel_settings=(), jobs=1):
    """One row per setting; with ``jobs > 1`` the settings run in that many processes."""
    args = [(s, list(seeds), s in kernel_settings) for s in settings]
    if jobs <= 1:
        return [_bivariate_setting(*a) for a in args]
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(jobs) as pool:
        return list(pool.map(_bivariate_setting, *zip(*args)))


def part_multivariate(seeds):
    """Phase 3 inside the graph search: 6 variables, 40 domains, every module changing."""
    tot = {"full": [0, 0, 0], "invariance": [0, 0, 0]}
    for seed in seeds:
        ds = heterogeneous(6, 4000, n_domains=40, changing_fraction=1.0, seed=seed)
        truth = set(map(tuple, ds.graph.edges[["source", "target"]].to_numpy().tolist()))
        for orient in ("full", "invariance"):
            r = cdnod(ds, orient=orient, driving_force=False)
            directed, undirected = _from_causalkit(r.graph)
            vv = [e for e in directed if "domain" not in e]
            tot[orient][0] += sum(e in truth for e in vv)
            tot[orient][1] += len(vv)
            tot[orient][2] += len(undirected)
    print(tot, flush=True)
    return tot


def _fmt_setting(s):
    if s[0] == "time":
        if isinstance(s[2], tuple):
            return f"time index, T={s[1]}, GP drift, length scale {s[2][1]}"
        return f"time index, T={s[1]}" + (", GP drift, length scale 0.1" if s[2] == "gp" else ", sinusoid drift")
    return f"{s[2]} domains, n={s[1]} ({s[1] // s[2]} per domain)"


def report(het, biv, n_seeds, command, elapsed, multi=None):
    import causalkit

    lines = ["# CD-NOD accuracy", ""]
    lines.append(f"Date: {datetime.date.today().isoformat()}. Command: `{command}` ({elapsed:.0f} s in all).")
    lines.append("")
    try:
        import causallearn  # noqa: F401
        from importlib.metadata import version

        clv = version("causal-learn")
    except Exception:  # pragma: no cover
        clv = "not installed"
    lines.append(f"Machine: 2 CPU cores shared with other jobs (5-minute load average at the end: "
                 f"{os.getloadavg()[1]:.1f}), no GPU; "
                 f"{platform.platform()}, Python {platform.python_version()}, numpy {np.__version__}, "
                 f"causal-learn {clv}, causalkit {getattr(causalkit, '__version__', '?')}.")
    lines.append("")
    if het:
        lines += ["## Heterogeneous data (5 domains, d=10, n=2000, half the modules changing, 10 seeds)", "",
                  "`heterogeneous(10, 2000, n_domains=5, changing_fraction=0.5, seed=s)`, s = 0..9. causalkit: "
                  "`cdnod(ds, driving_force=False)` (defaults: `ci_test='auto'` = Gaussian family, alpha 0.05, "
                  "`orient='full'`, phase 3 skipped with 5 domains). causal-learn 0.1.4.8: "
                  "`cdnod(X, c, 0.05, 'fisherz', show_progress=False)` with the domain label 1..5 as `c`.", "",
                  "| method | skeleton F1 (all) | skeleton F1 (variables) | changing-module recall | "
                  "changing-module precision | orientation precision (variables) | directed / undirected V-V "
                  "edges | time per run (s) |",
                  "|---|---|---|---|---|---|---|---|"]
        for m in ("causalkit", "causal-learn"):
            if m not in het[0]:
                continue
            rs = [r[m] for r in het]
            ndir = sum(r["n_dir"] for r in rs)
            right = sum(r["dir_right"] for r in rs)
            lines.append(
                f"| {m} | {np.mean([r['f1'] for r in rs]):.3f} (min {min(r['f1'] for r in rs):.3f}) | "
                f"{np.mean([r['vf1'] for r in rs]):.3f} | {np.mean([r['ch_rec'] for r in rs]):.3f} | "
                f"{np.mean([r['ch_prec'] for r in rs]):.3f} | {right / ndir if ndir else float('nan'):.3f} "
                f"({right}/{ndir}) | {ndir} / {sum(r['n_undir_vv'] for r in rs)} | "
                f"{np.mean([r['time'] for r in rs]):.3f} |")
        lines += ["", "Goals (issue 4): skeleton F1 >= 0.9, changing-module recall >= 0.9, orientation precision "
                  ">= 0.85. Orientation precision pools the directed variable-variable edges of the 10 runs.",
                  "", "Per seed (causalkit F1 all / changing recall / orientation right of directed; "
                  "causal-learn the same):", ""]
        for r in het:
            a = r["causalkit"]
            b = r.get("causal-learn")
            s = f"- seed {r['seed']}: causalkit {a['f1']:.3f} / {a['ch_rec']:.2f} / {a['dir_right']}/{a['n_dir']}"
            if b:
                s += f"; causal-learn {b['f1']:.3f} / {b['ch_rec']:.2f} / {b['dir_right']}/{b['n_dir']}"
            lines.append(s)
        lines.append("")
    if biv:
        lines += [f"## Phase 3: bivariate X0 --> X1, both modules changing independently ({n_seeds} seeds)", "",
                  "`heterogeneous(2, n, ..., changing_fraction=1.0, graph=X0 --> X1, seed=s)`: in each domain, or "
                  "smoothly over time, the mean and noise scale of X0 and the weight, mean and noise scale of X1 "
                  "change, independently. Over time the drift curves are sinusoids of 0.5-3 cycles over the "
                  "series (`drift='sinusoid'`, the generator's default) or tanh-GP draws "
                  "(`drift='gp'`) with length scale 0.1 (the generator's default; about 1-2 wiggles), 0.05 or "
                  "0.03 on the time axis scaled to [0, 1] (about 20 / 33 independent stretches; "
                  "`heterogeneous(..., drift_length_scale=...)`). Invariance cannot orient "
                  "X0 --- X1. Columns:", "",
                  "- 'pairwise': the normalised-HSIC statistic on the moment embeddings given the true skeleton, "
                  "with the defaults: per-parameter kernel widths (`feature_widths='per_parameter'`) and, with a "
                  "time index, a window width chosen per module by leave-one-out likelihood "
                  "(`time_width='cv'`);",
                  "- 'pairwise, joint width': the same with one median width on the whole parameter vector "
                  "(`feature_widths='joint'`);",
                  "- 'pairwise, fixed width 50' (time only): per-parameter widths, but the same Gaussian window "
                  "of 50 time steps for every module (`time_width=50`, the default before 2026-11-29);",
                  "- 'oracle': the same statistic (per-parameter / joint widths) on the generator's true module "
                  "parameters at the same context points (no estimation error): the best any estimator of "
                  "these parameters can do with this statistic;",
                  "- 'end to end': `cdnod(ds, driving_force=False)` (defaults, `orient='full'`) returns "
                  "X0 --> X1;",
                  "- 'kernel embeddings': the statistic on the paper's nonparametric conditional embeddings "
                  "(`change_options={'embedding': 'kernel'}`, `context_width=0.25`, ridge 1).", ""]
        for group, rows in biv.items():
            lines += [f"### {group}", "",
                      "| setting | pairwise | pairwise, joint width | pairwise, fixed width 50 | "
                      "oracle (per-parameter / joint) | end to end | skeleton right | pairwise (kernel embeddings) "
                      "| time (s) |",
                      "|---|---|---|---|---|---|---|---|---|"]
            for r in rows:
                m = r["n"]
                kp = "-" if r["kernel_pairwise"] is None else f"{r['kernel_pairwise'] / m:.0%}"
                fx = "-" if r.get("pairwise_fixed") is None else f"{r['pairwise_fixed'] / m:.0%}"
                lines.append(f"| {_fmt_setting(r['setting'])} | {r['pairwise'] / m:.0%} | "
                             f"{r['pairwise_joint'] / m:.0%} | {fx} | {r['oracle'] / m:.0%} / "
                             f"{r['oracle_joint'] / m:.0%} | {r['end_to_end'] / m:.0%} | {r['skeleton_ok'] / m:.0%} "
                             f"| {kp} | {r['time_s']:.0f} |")
            lines.append("")
        lines += ["Goal (issue 4): the correct direction in at least 80% of 50 seeds with a time index "
                  "(T >= 500) or at least 30 domains.", "",
                  "Reading the oracle column. With domains, the per-parameter widths orient about as well as the "
                  "statistic on the true parameters, and the joint width fails at 30 domains even on the true "
                  "parameters (a property of the kernel, not of the estimates). With a time index the oracle "
                  "depends on how many independent stretches the drifts have. With sinusoids of 0.5-3 cycles it is "
                  "at chance (50-60%): over one stretch of time two independent curves of a few cycles look as "
                  "dependent as the dependent parameters of the anti-causal factorisation, so no estimator of the "
                  "curves can bring this statistic to 80% there. On those rows the old fixed 50-step window "
                  "(70-74% on the benchmark seeds, 72% / 56% on the fresh ones) beats the default (50-58%; "
                  "pooled 136 vs 111 of 200), above the oracle, for a reason not found: a regression of the "
                  "default on slowly drifting series. With GP drifts of length scale 0.1 (1-2 wiggles) the oracle is 78-82% and "
                  "the estimates 68-70%; with length scale 0.05 the oracle is 84-90% and the estimates 70-88%; "
                  "with length scale 0.03 (about 33 independent stretches over the series) the oracle is 98% and "
                  "the default (windows whose width is chosen per module by leave-one-out likelihood) orients "
                  "84-96% of the benchmark seeds and 82-90% of the fresh ones end to end, where the fixed 50-step "
                  "window (48-70%) smooths the drifts away. Independence of changes over one series is only "
                  "testable when the series holds many independent changes, which is the regime that the goal's "
                  "'both modules change independently' describes.", ""]
    if multi:
        lines += ["## Phase 3 in the graph search (6 variables, 40 domains, every module changing, 20 seeds)", "",
                  "`heterogeneous(6, 4000, n_domains=40, changing_fraction=1.0, seed=s)`, s = 0..19, "
                  "`cdnod(ds, orient=..., driving_force=False)` (Gaussian family). Orientation precision over the "
                  "directed variable-variable edges of all runs.", "",
                  "| orient | right / directed V-V edges | orientation precision | undirected edges left |",
                  "|---|---|---|---|"]
        for o in ("invariance", "full"):
            r, n, u = multi[o]
            lines.append(f"| {o} | {r} / {n} | {r / n if n else float('nan'):.3f} | {u} |")
        r_f, n_f, _ = multi["full"]
        r_i, n_i, _ = multi["invariance"]
        if n_f > n_i:
            lines.append(f"\nThe edges that phase 3 oriented (beyond invariance): {r_f - r_i} / {n_f - n_i} right "
                         f"({(r_f - r_i) / (n_f - n_i):.0%}).")
        lines.append("")
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parts", nargs="+", default=["heterogeneous", "bivariate", "multivariate"])
    ap.add_argument("--seeds", type=int, default=10, help="seeds of the heterogeneous part")
    ap.add_argument("--bivariate-seeds", type=int, default=50)
    ap.add_argument("--fresh-seed-start", type=int, default=1000,
                    help="phase 3 is also run on seeds START..START+bivariate_seeds-1 (fresh seeds); -1: skip")
    ap.add_argument("--no-causallearn", action="store_true")
    ap.add_argument("--jobs", type=int, default=1, help="processes for the phase-3 bivariate settings")
    ap.add_argument("--contexts", choices=["all", "time", "domain"], default="all",
                    help="phase-3 bivariate settings to run")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    het = part_heterogeneous(range(args.seeds), not args.no_causallearn) if "heterogeneous" in args.parts else []
    settings = [("domain", 2000, 40), ("domain", 3000, 30), ("domain", 5000, 100), ("time", 500, None),
                ("time", 1000, None), ("time", 1000, "gp"), ("time", 500, ("gp", 0.05)),
                ("time", 1000, ("gp", 0.05)), ("time", 500, ("gp", 0.03)), ("time", 1000, ("gp", 0.03))]
    if args.contexts != "all":
        settings = [s for s in settings if s[0] == args.contexts]
    kernel_settings = [("domain", 2000, 40), ("time", 500, None)]
    biv = {}
    if "bivariate" in args.parts:
        nb = args.bivariate_seeds
        biv["benchmark seeds 0.." + str(nb - 1)] = part_bivariate(settings, range(nb), kernel_settings, args.jobs)
        if args.fresh_seed_start >= 0:
            f0 = args.fresh_seed_start
            biv[f"fresh seeds {f0}..{f0 + nb - 1}"] = part_bivariate(settings, range(f0, f0 + nb), jobs=args.jobs)
    multi = part_multivariate(range(20)) if "multivariate" in args.parts else None
    command = "python " + " ".join([os.path.relpath(__file__, Path.cwd())] + (argv or sys.argv[1:]))
    text = report(het, biv, args.bivariate_seeds, command, time.perf_counter() - t0, multi)
    print(text)
    if args.out:
        args.out.write_text(text)

if __name__ == "__main__":
    main()
