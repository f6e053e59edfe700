"""AUROC / AUPRC of causalkit's time-series discovery methods on generated CausalTime data.

The table of issue 7, in the form of the CausalTime paper's (Cheng et al., ICLR 2024,
Table 2): every method's AUROC and AUPRC on each generated dataset, mean and standard
deviation over the generations (``gen_0/``, ``gen_1/``, ... written by
``benchmarks/causaltime_build.py``).

Protocol
--------
* Each generation is a saved :class:`~causalkit.generators.timeseries_dataset.TimeSeriesDataset`
  (``n_samples x length x 2N``: the ``N`` variables, then their ``N`` residual channels).
* Every method runs through ``causalkit.discover(frame, method=m, lags=LAGS, sample="sample",
  time_index="time")`` on ALL ``2N`` channels, in many-short-series mode (``sample`` = series id;
  no lag window crosses two series). Without the residual channels the residuals would act as
  hidden confounders of each variable's own future.
* The method's ``details["scores"]`` (cause x effect, ``2N x 2N``) is cut to the ``N x N`` block of
  the variables and scored against ``H`` (``TimeSeriesDataset.hcg``, rows cause):
  ``auroc`` / ``auprc`` over the ``N (N - 1)`` off-diagonal pairs (the paper's score, the default),
  and ``*_with_diagonal`` over all ``N^2`` pairs (every self-loop is in ``H``). AUPRC is the average
  precision (a step-function area), as :func:`causalkit.metrics.auprc`; AUROC as
  :func:`causalkit.metrics.auroc`. Both are computed by
  :func:`causalkit.generators.causaltime.hcg_scores` with scikit-learn, because ``H`` may hold 2-cycles (``a -> b`` and ``b -> a``), which a
  :class:`~causalkit.graph.CausalGraph` passed to ``causalkit.metrics`` cannot hold.
* Each (method, generation) run happens in a forked child process and is killed after
  ``--max-seconds``; it is then marked ``timeout`` and the method is skipped on the remaining
  generations of that dataset (they are as large). Errors are recorded, not raised.

Method settings, chosen so that the whole table (AQI: 480 series x 40 steps x 72 channels, plus
three smaller datasets, 3 generations each) runs in about 10-15 minutes on 2 shared CPU cores
(timings measured on a 72-channel generation are in the Markdown output):

* ``--lags 3`` for every method (``tau_max`` / VAR order / input window). The generators use lag 20,
  but every method's cost grows with ``lags * 2N`` regressors and most of the dependence of the
  fitted autoregression sits in the first lags; the CausalTime paper does not state the baselines'
  lag either.
* ``pcmci``: ParCorr (batched partial correlations), ``pc_alpha = 0.2``, ``alpha = 0.05``; score =
  max over lags of ``|MCI partial correlation|``. About 20 s per 72-channel generation.
* ``granger``: pooled VAR(``lags``) with one intercept per series, numpy engine; score = the pair's
  F statistic. About 1 s.
* ``neural_granger``: cMLP, ``hidden = 10``, ``lam = 0.01``, ``lr = 0.05`` (0.1 diverges), plain
  proximal gradient for ``--ngc-iter`` (400) full-batch steps, one torch thread, on the first
  ``--ngc-series`` (120) series of each generation. About 30 s per 72-channel generation; all 480
  series x 100 steps took as long and ranked at chance (AUROC 0.50 vs 0.59 for 120 x 400), so with
  a fixed budget fewer series and more steps win. It is still under-trained on 72 channels: raise
  both (or use ``--ngc-device cuda``) when time allows. ``lam`` is below the function's default 0.05
  so that few groups are exactly zero (ties at zero carry no ranking information).
* ``tigramite_pcmci``: tigramite's ``PCMCI.run_pcmci`` with ParCorr, same ``tau_max`` and alphas;
  not run on more than ``--tigramite-max-channels`` (40) channels, where it needs minutes to hours
  (401 s for 40 channels at ``tau_max = 1``, ``benchmarks/results/pcmci_speed.md``), and marked
  ``timeout``; its cap is ``--tigramite-max-seconds`` (60). It is a reference: causalkit's ``pcmci``
  returns the same links and statistics (identical AUROC/AUPRC wherever both finished).
* ``varlingam``: pooled VAR(``lags``) + lingam's DirectLiNGAM on the residuals, on the first
  ``--varlingam-series`` (100) series (DirectLiNGAM on 72 variables took 62 s for 120 series);
  score = max over lags >= 1 of ``|B_tau|``.

Usage::

    python benchmarks/bench_causaltime_discovery.py benchmarks/results/causaltime_aqi \\
        benchmarks/results/causaltime_eustock ... \\
        --methods pcmci,granger,neural_granger,tigramite_pcmci,varlingam --max-seconds 120

The dataset name of a folder is ``dataset`` in its ``fidelity.json`` (written by the build script),
else the folder name; ``name=folder`` overrides it. Writes ``--json`` and ``--md`` (default
``benchmarks/results/causaltime_discovery.{json,md}``).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import shlex
import sys
import time
import traceback
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ALL_METHODS = ("pcmci", "granger", "neural_granger", "tigramite_pcmci", "varlingam")

# The paper's AUROC on its own CausalTime-AQI (secondary source; orientation only, not targets).
PAPER_AQI_AUROC = {"GC": 0.4538, "SVAR": 0.6225, "PCMCI": 0.5272, "NGC": 0.7172, "CUTS+": 0.8928}
# which of our methods is nearest to the paper's baselines
NGC_SERIES = 120
VARLINGAM_SERIES = 100
PAPER_NAME = {"granger": "GC", "varlingam": "SVAR", "pcmci": "PCMCI", "tigramite_pcmci": "PCMCI",
              "neural_granger": "NGC"}


def method_options(method, ngc_iter=400, ngc_device="cpu"):
    """Keyword arguments passed to ``causalkit.discover`` for ``method`` (besides ``lags``)."""
    if method == "neural_granger":
        opts = {"hidden": 10, "lam": 0.01, "lr": 0.05, "max_iter": int(ngc_iter), "seed": 0,
                "device": ngc_device}
        if ngc_device == "cpu":
            opts["n_threads"] = 1  # the per-step matrices are small; 2 threads were slower here
        return opts
    if method == "varlingam":
        return {"random_state": 0}
    if method == "granger":
        return {"engine": "numpy"}
    if method in ("pcmci", "tigramite_pcmci"):
        return {"pc_alpha": 0.2}
    return {}


def score_block(hcg, scores):
    """AUROC and AUPRC of a score matrix on the ``N x N`` variable block ``H``.

    :func:`causalkit.generators.causaltime.hcg_scores` (the block taken by label; ``auroc``,
    ``auprc`` off the diagonal, ``*_with_diagonal`` over all pairs).
    """
    from causalkit.generators.causaltime import hcg_scores

    names = [str(c) for c in hcg.index]
    hcg = hcg.set_axis(names, axis=0).set_axis([str(c) for c in hcg.columns], axis=1).loc[names, names]
    return hcg_scores(hcg, scores)


# ------------------------------------------------------------------ one run in a child process
def _child(conn, ds, frame, method, lags, options, max_series):
    try:
        import causalkit

        if max_series and frame["sample"].nunique() > max_series:
            frame = frame[frame["sample"] < max_series]  # the first max_series series
        t0 = time.perf_counter()
        res = causalkit.discover(frame, method=method, lags=lags, sample="sample", time_index="time",
                                 **options)
        seconds = time.perf_counter() - t0
        scores = res.details["scores"]
        out = {"status": "ok", "seconds": seconds, **score_block(ds.hcg, scores)}
        n = len(ds.hcg)
        names = list(ds.columns)
        # ranking of the 2N x 2N truth A = [[H, 1], [I, 0]] as a side number (not in the paper)
        from causalkit.generators.causaltime import causaltime_adjacency

        a = causaltime_adjacency(ds.hcg.to_numpy())
        s = scores.copy()
        s.index, s.columns = [str(v) for v in s.index], [str(v) for v in s.columns]
        full = s.loc[names, names].to_numpy(dtype=float)
        off = ~np.eye(2 * n, dtype=bool)
        from sklearn.metrics import roc_auc_score

        out["auroc_all_channels"] = float(roc_auc_score(a[off], full[off]))
        conn.send(out)
    except BaseException as exc:  # reported to the parent, which records it
        conn.send({"status": "error", "error": f"{type(exc).__name__}: {exc}",
                   "traceback": traceback.format_exc(limit=3)})
    finally:
        conn.close()


def run_one(ds, frame, method, lags, options, max_seconds, max_series=None):
    """Run ``method`` on one loaded generation in a forked child, killed after ``max_seconds``.

    The child is forked, so ``ds`` and its long ``frame`` are shared, not copied or pickled.
    """
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, ds, frame, method, lags, options, max_series),
                       daemon=True)
    t0 = time.perf_counter()
    proc.start()
    child.close()
    out = None
    if parent.poll(max_seconds):
        try:
            out = parent.recv()
        except EOFError:
            out = {"status": "error", "error": "child exited without a result"}
    wall = time.perf_counter() - t0
    if out is None:
        proc.terminate()  # the child this function started
        proc.join(5)
        if proc.is_alive():
            proc.kill()
        out = {"status": "timeout", "seconds": None}
    proc.join(5)
    out["wall_seconds"] = wall
    return out


# ------------------------------------------------------------------ tables
def _mean_std(vals):
    vals = [v for v in vals if v is not None and np.isfinite(v)]
    if not vals:
        return None, None
    return float(np.mean(vals)), float(np.std(vals))


def summarise(runs):
    """Per (dataset, method): mean/std of every score over the generations that finished."""
    keys = ("auroc", "auprc", "auroc_with_diagonal", "auprc_with_diagonal", "auroc_all_channels",
            "seconds")
    out = {}
    for r in runs:
        out.setdefault(r["dataset"], {}).setdefault(r["method"], []).append(r)
    summary = {}
    for ds, per in out.items():
        for m, rs in per.items():
            ok = [r for r in rs if r["status"] == "ok"]
            entry = {"n_ok": len(ok), "n_runs": len(rs),
                     "status": "ok" if len(ok) == len(rs) else
                     ("timeout" if any(r["status"] == "timeout" for r in rs) and not ok else
                      "error" if not ok else "partial")}
            for k in keys:
                mu, sd = _mean_std([r.get(k) for r in ok])
                entry[k + "_mean"], entry[k + "_std"] = mu, sd
            summary.setdefault(ds, {})[m] = entry
    return summary


def _cell(entry, key, digits=4):
    if entry is None:
        return "—"
    mu, sd = entry.get(key + "_mean"), entry.get(key + "_std")
    if mu is None:
        return entry["status"]
    cell = f"{mu:.{digits}f} ± {sd:.{digits}f}"
    if entry["n_ok"] < entry["n_runs"]:
        cell += f" ({entry['n_ok']}/{entry['n_runs']})"
    return cell


def markdown(result):
    s, datasets, methods = result["summary"], result["datasets"], result["methods"]
    names = [d["name"] for d in datasets]
    L = ["# CausalTime discovery benchmark (issue 7)", "",
         "AUROC and AUPRC of causalkit's time-series discovery methods on generated CausalTime data, "
         "mean ± std over the generations of each dataset (the form of Table 2 of Cheng et al., "
         "ICLR 2024). Each method runs on all 2N channels (variables and residual channels), "
         "many-short-series mode (`sample` = series id), and is scored on the N x N block H of the "
         "ground truth (rows cause) from its `details[\"scores\"]`.", "",
         *([result["note"], ""] if result.get("note") else []),
         f"- Command: `{result['command_shown']}`",
         f"- Machine: {result['machine']}",
         f"- Date: {result['date']}; total wall time {result['total_seconds']:.0f} s",
         f"- Settings: lags (tau_max / VAR order) = {result['lags']}, per-run cap "
         f"{result['max_seconds']} s (tigramite_pcmci {result['tigramite_max_seconds']} s); "
         "method options: "
         + "; ".join(f"{m} {json.dumps(result['options'][m])}"
                     + (f" on the first {result['max_series'][m]} series of each generation"
                        if result["max_series"].get(m) else "") for m in methods), "",
         "## Datasets", "",
         "| dataset | folder | build (fidelity.json) | generations | samples x length x channels | N | "
         "edges of H off-diag (density) |", "|---|---|---|---|---|---|---|"]
    for d in datasets:
        L.append(f"| {d['name']} | `{d['folder']}` | {d['build'] or '—'} | {d['generations']} | {d['shape']} | "
                 f"{d['n']} | "
                 f"{d['h_offdiag']} ({d['h_density']:.2f}) |")
    for title, a, b in (("Off-diagonal pairs (the paper's score)", "auroc", "auprc"),
                        ("With the diagonal (self-loops, all in H)", "auroc_with_diagonal",
                         "auprc_with_diagonal")):
        L += ["", f"## {title}", ""]
        head = "| method | " + " | ".join(f"{n} AUROC | {n} AUPRC" for n in names)
        sep = "|---|" + "---|---|" * len(names)
        if a == "auroc":
            head += " | paper AQI AUROC |"
            sep += "---|"
        else:
            head += " |"
        L += [head, sep]
        for m in methods:
            row = f"| {m} | " + " | ".join(
                f"{_cell(s.get(n, {}).get(m), a)} | {_cell(s.get(n, {}).get(m), b)}" for n in names)
            if a == "auroc":
                p = PAPER_NAME.get(m)
                row += f" | {PAPER_AQI_AUROC[p]:.4f} ({p}) |" if p else " | — |"
            else:
                row += " |"
            L.append(row)
        if a == "auroc":
            L.append("| CUTS+ (not in causalkit) | " + " | ".join("— | —" for _ in names)
                     + f" | {PAPER_AQI_AUROC['CUTS+']:.4f} |")
    L += ["", "## Runtime (seconds per generation, the method call only) and ranking of the full "
          "2N x 2N truth", "",
          "| method | " + " | ".join(f"{n} s | {n} AUROC 2N" for n in names) + " |",
          "|---|" + "---|---|" * len(names)]
    for m in methods:
        L.append(f"| {m} | " + " | ".join(
            f"{_cell(s.get(n, {}).get(m), 'seconds', 2)} | "
            f"{_cell(s.get(n, {}).get(m), 'auroc_all_channels', 3)}" for n in names) + " |")
    errs = [r for r in result["runs"] if r["status"] == "error"]
    L += ["", "## Notes", "",
          "- Paper numbers: AUROC on the paper's own CausalTime-AQI, from a secondary source; our "
          "generated data differ (other generator fit, threshold, scaling), so they are for "
          "orientation only. Nearest counterparts: GC ~ granger, SVAR ~ varlingam, PCMCI ~ "
          "pcmci / tigramite_pcmci, NGC ~ neural_granger; CUTS+ is not implemented in causalkit.",
          "- `timeout`: the run exceeded the per-run cap and the method was skipped on the other "
          "generations of that dataset; `(k/n)`: only k of n generations finished. tigramite_pcmci is "
          f"not run at all (marked timeout) on more than {result['tigramite_max_channels']} channels.",
          "- AUROC 2N: AUROC on all off-diagonal pairs of the 2N x 2N truth A = [[H, 1], [I, 0]] "
          "(not in the paper; shows whether the residual channels' links are found).",
          "- ± is the standard deviation over the generations (numpy's default ddof=0).",
          "- AUPRC is the average precision (step-function area). Chance level of AUPRC is the "
          "density of H's off-diagonal part (table above)."]
    for r in errs:
        L.append(f"- error: {r['dataset']} / {r['method']} / {r['generation']}: {r['error']}")
    return "\n".join(L) + "\n"


# ------------------------------------------------------------------ main
def _folders(specs):
    out = []
    for spec in specs:
        name, _, path = spec.rpartition("=") if "=" in spec else ("", "", spec)
        folder = Path(path)
        gens = sorted((p for p in folder.glob("gen_*") if (p / "dataset.json").exists()),
                      key=lambda p: int(p.name.split("_")[1]) if p.name.split("_")[1].isdigit() else 0)
        if not gens:
            sys.exit(f"{folder} holds no gen_*/dataset.json (run benchmarks/causaltime_build.py first)")
        if not name:
            fid = folder / "fidelity.json"
            name = json.loads(fid.read_text()).get("dataset") if fid.exists() else None
            name = name or folder.name
        if name in [o[0] for o in out]:
            sys.exit(f"two folders are named {name!r}; name them with name=folder")
        out.append((name, folder, gens))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folders", nargs="*", help="build output folders (optionally name=folder)")
    ap.add_argument("--from-json", help="only re-render --md from a JSON written by an earlier run")
    ap.add_argument("--methods", default=",".join(ALL_METHODS),
                    help=f"comma-separated subset of {', '.join(ALL_METHODS)}")
    ap.add_argument("--lags", type=int, default=3, help="tau_max / VAR order of every method")
    ap.add_argument("--max-seconds", type=float, default=120.0, help="cap per method and generation")
    ap.add_argument("--ngc-iter", type=int, default=400, help="neural_granger gradient steps")
    ap.add_argument("--ngc-device", default="cpu", help="torch device of neural_granger (cpu, cuda)")
    ap.add_argument("--ngc-series", type=int, default=NGC_SERIES,
                    help="neural_granger trains on the first K series only (0: all)")
    ap.add_argument("--varlingam-series", type=int, default=VARLINGAM_SERIES,
                    help="varlingam fits the first K series only (0: all)")
    ap.add_argument("--tigramite-max-seconds", type=float, default=60.0,
                    help="lower cap for tigramite_pcmci (a reference only; pcmci gives its links)")
    ap.add_argument("--tigramite-max-channels", type=int, default=40,
                    help="mark tigramite_pcmci 'timeout' without running it on more channels (it "
                         "took 401 s on 480 x 40 x 40 at tau_max=1, benchmarks/results/pcmci_speed.md)")
    ap.add_argument("--generations", type=int, help="use at most this many generations per folder")
    ap.add_argument("--note", help="a paragraph put under the Markdown title (e.g. what data this is)")
    ap.add_argument("--json", default=str(ROOT / "benchmarks" / "results" / "causaltime_discovery.json"))
    ap.add_argument("--md", default=str(ROOT / "benchmarks" / "results" / "causaltime_discovery.md"))
    args = ap.parse_args(argv)
    if args.from_json:
        Path(args.md).write_text(markdown(json.loads(Path(args.from_json).read_text())))
        print(f"wrote {args.md}")
        return 0
    if not args.folders:
        ap.error("give at least one folder written by benchmarks/causaltime_build.py")

    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    unknown = [m for m in methods if m not in ALL_METHODS]
    if unknown:
        sys.exit(f"unknown methods {unknown}; valid ones are {list(ALL_METHODS)}")
    folders = _folders(args.folders)
    options = {m: method_options(m, args.ngc_iter, args.ngc_device) for m in methods}
    series = {m: (args.ngc_series if m == "neural_granger" else
                  args.varlingam_series if m == "varlingam" else None) or None for m in methods}
    from causalkit.generators.timeseries_dataset import TimeSeriesDataset

    datasets = []
    for name, folder, gens in folders:
        gens = gens[: args.generations] if args.generations else gens
        ds = TimeSeriesDataset.load(gens[0])
        h = ds.hcg.to_numpy() != 0
        n = len(h)
        off = int(h[~np.eye(n, dtype=bool)].sum())
        build = ""
        fid = folder / "fidelity.json"
        if fid.exists():
            info = json.loads(fid.read_text())
            st = info.get("settings", {})
            build = ", ".join(f"{k} {st[k]}" for k in ("stations", "rows", "lag", "hidden", "epochs", "device")
                              if st.get(k) is not None)
            auc = info.get("summary", {}).get("discriminative_auc_mean")
            if auc is not None:
                build += f"; discriminative AUC {auc:.3f}"
        datasets.append({"name": name, "folder": str(folder), "gens": gens, "generations": len(gens),
                         "build": build,
                         "shape": " x ".join(map(str, ds.shape)), "n": n, "h_offdiag": off,
                         "h_density": off / max(n * (n - 1), 1)})
        print(f"[{name}] {len(gens)} generations of {ds.shape} (N={n}, H off-diagonal edges {off})",
              flush=True)

    t_start = time.perf_counter()
    runs = []
    n_total = sum(d["generations"] for d in datasets) * len(methods)
    done = 0
    for d in datasets:
        timed_out, first_wall = set(), {}
        for g, gen_dir in enumerate(d["gens"]):
            t_load = time.perf_counter()
            ds = TimeSeriesDataset.load(gen_dir)
            frame = ds.to_frame()
            print(f"[{d['name']}] {gen_dir.name} loaded in {time.perf_counter() - t_load:.1f} s", flush=True)
            for m in methods:
                done += 1
                rec = {"dataset": d["name"], "method": m, "generation": gen_dir.name}
                if m == "tigramite_pcmci" and ds.shape[2] > args.tigramite_max_channels:
                    rec.update(status="timeout", seconds=None, wall_seconds=0.0, skipped=True)
                    runs.append(rec)
                    print(f"  [{done}/{n_total}] {d['name']} {m} {gen_dir.name}: not run ({ds.shape[2]} "
                          f"channels > --tigramite-max-channels {args.tigramite_max_channels}); "
                          "marked timeout", flush=True)
                    continue
                if m in timed_out:
                    rec.update(status="timeout", seconds=None, wall_seconds=0.0, skipped=True)
                    runs.append(rec)
                    print(f"  [{done}/{n_total}] {d['name']} {m} {gen_dir.name}: skipped (timed out on "
                          "an earlier generation)", flush=True)
                    continue
                cap = min(args.max_seconds, args.tigramite_max_seconds) if m == "tigramite_pcmci" \
                    else args.max_seconds
                rec.update(run_one(ds, frame, m, args.lags, options[m], cap, series[m]))
                runs.append(rec)
                if rec["status"] == "timeout":
                    timed_out.add(m)
                first_wall.setdefault(m, rec["wall_seconds"])
                if rec["status"] == "ok":
                    msg = (f"AUROC {rec['auroc']:.4f} AUPRC {rec['auprc']:.4f} (diag "
                           f"{rec['auroc_with_diagonal']:.4f}/{rec['auprc_with_diagonal']:.4f}) "
                           f"{rec['seconds']:.1f} s")
                else:
                    msg = rec["status"] + (": " + rec["error"] if rec["status"] == "error" else "")
                print(f"  [{done}/{n_total}] {d['name']} {m} {gen_dir.name}: {msg}  "
                      f"(elapsed {time.perf_counter() - t_start:.0f} s)", flush=True)
            if g == 0 and len(d["gens"]) > 1:
                est = sum(w for m, w in first_wall.items() if m not in timed_out) * (len(d["gens"]) - 1)
                print(f"[{d['name']}] estimate for the other {len(d['gens']) - 1} generations: {est:.0f} s",
                      flush=True)
        del ds, frame
        print(f"[{d['name']}] done; elapsed {time.perf_counter() - t_start:.0f} s", flush=True)

    total = time.perf_counter() - t_start
    machine = (f"{platform.node()}: {os.cpu_count()} CPU cores "
               f"({platform.processor() or platform.machine()}), "
               f"{'no GPU used' if args.ngc_device == 'cpu' else 'neural_granger on ' + args.ngc_device}; Python "
               f"{platform.python_version()}")
    result = {
        "command": "python " + " ".join(shlex.quote(a) for a in
                                        ["benchmarks/bench_causaltime_discovery.py"] + list(
                                            argv if argv is not None else sys.argv[1:])),
        "machine": machine, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "total_seconds": total, "lags": args.lags, "max_seconds": args.max_seconds,
        "tigramite_max_channels": args.tigramite_max_channels,
        "tigramite_max_seconds": args.tigramite_max_seconds, "note": args.note,
        "methods": methods, "options": options, "max_series": series,
        "datasets": [{k: (v if k != "gens" else [p.name for p in v]) for k, v in d.items()}
                     for d in datasets],
        "paper_aqi_auroc": PAPER_AQI_AUROC, "runs": runs,
    }
    result["summary"] = summarise(runs)
    shown = list(argv if argv is not None else sys.argv[1:])
    for i, a in enumerate(shown[:-1]):
        if a == "--note":
            shown[i + 1] = "<the paragraph above>"
    result["command_shown"] = "python " + " ".join(
        shlex.quote(a) if a != "<the paragraph above>" else "'<the paragraph above>'"
        for a in ["benchmarks/bench_causaltime_discovery.py"] + shown)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(result, indent=1, default=str))
    Path(args.md).write_text(markdown(result))
    print(markdown(result))
    print(f"wrote {args.json} and {args.md}; total {total:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
