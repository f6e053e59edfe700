"""Speed of causalkit's PCMCI against tigramite's ``PCMCI.run_pcmci`` (ParCorr), same data.

Run by hand (not a test)::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_pcmci_speed.py \
        --out benchmarks/results/pcmci_speed.md
    ... --causaltime      # also the CausalTime-shaped case (tigramite takes minutes)

Cases:

- ``var20``: one sparse linear VAR(3) series, 20 variables, T=1000, tau_max=3
  (the setting of the research note, where tigramite took 4.7 s); run with
  ``pc_alpha`` 0.05 and 0.2 and ``tau_min`` 0 (tigramite's default).
- ``multi``: 100 series of 40 steps, 10 variables, tau_max=2, tigramite's
  "multiple datasets" mode.
- ``causaltime`` (``--causaltime``): 480 series x 40 steps x 40 channels,
  tau_max=1, the shape of a CausalTime benchmark.

Each case runs each implementation ``--repeats`` times on the same data, checks
that the link sets are identical (and reports the largest p-value
difference), and prints the median times and their ratio. Also timed, once:
causalkit's Granger (numpy engine and statsmodels engine) and VARLiNGAM on
``var20``.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from causalkit.discovery.granger import granger  # noqa: E402
from causalkit.discovery.pcmci import pcmci  # noqa: E402
from causalkit.discovery.peers_timeseries import tigramite_pcmci, varlingam  # noqa: E402


def sparse_var(n_vars, length, max_lag, seed, n_links=None, n_series=1):
    """Series of a stable sparse linear VAR(max_lag): self-lag 0.5, ~n_vars cross links +-U(0.2, 0.4)."""
    rng = np.random.default_rng(seed)
    n_links = n_vars if n_links is None else n_links
    A = np.zeros((max_lag, n_vars, n_vars))  # A[l][i, j]: x_i(t-l-1) -> x_j(t)
    A[0][np.diag_indices(n_vars)] = 0.5
    for _ in range(n_links):
        i, j = rng.choice(n_vars, 2, replace=False)
        A[rng.integers(max_lag), i, j] = rng.uniform(0.2, 0.4) * rng.choice([-1, 1])
    comp = np.zeros((n_vars * max_lag, n_vars * max_lag))
    comp[:n_vars] = np.hstack([A[l].T for l in range(max_lag)])
    comp[n_vars:, :-n_vars] = np.eye(n_vars * (max_lag - 1))
    rho = np.abs(np.linalg.eigvals(comp)).max()
    if rho > 0.95:
        A *= 0.95 / rho
    out = []
    for _ in range(n_series):
        x = np.zeros((length + 100, n_vars))
        for t in range(max_lag, length + 100):
            x[t] = sum(x[t - l - 1] @ A[l] for l in range(max_lag)) + rng.normal(size=n_vars)
        out.append(x[100:])
    return out


def as_frame(series):
    n_vars = series[0].shape[1]
    frames = [pd.DataFrame(x, columns=[f"V{k}" for k in range(n_vars)]).assign(sid=m)
              for m, x in enumerate(series)]
    return pd.concat(frames, ignore_index=True)


def links(res):
    return {(e.source, e.target, e.lag) for e in res.graph.edge_list()}


def time_it(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, times


def run_case(name, series, lags, repeats, **kw):
    multi = len(series) > 1
    data = as_frame(series) if multi else as_frame(series).drop(columns="sid")
    sample = "sid" if multi else None
    ours, t_ours = time_it(lambda: pcmci(data, lags=lags, sample=sample, **kw), repeats)
    peer, t_peer = time_it(lambda: tigramite_pcmci(data, lags=lags, sample=sample, **kw), repeats)
    same = links(ours) == links(peer)
    dp = max(float(np.max(np.abs(ours.details["p_values"][k].to_numpy()
                                 - peer.details["p_values"][k].to_numpy())))
             for k in ours.details["p_values"])
    row = {"case": name, "params": ", ".join(f"{k}={v}" for k, v in kw.items()),
           "causalkit_s": np.median(t_ours), "tigramite_s": np.median(t_peer),
           "ratio": np.median(t_peer) / np.median(t_ours), "same_links": same,
           "max_dp": dp, "n_links": len(links(ours)), "n_tests": ours.n_tests,
           "times_ck": t_ours, "times_tg": t_peer}
    print(f"{name:10s} {row['params']:28s} causalkit {row['causalkit_s']:.3f} s  tigramite "
          f"{row['tigramite_s']:.2f} s  x{row['ratio']:.1f}  same links: {same}  max|dp| {dp:.1e}",
          flush=True)
    return row


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--causaltime", action="store_true", help="also the 480 x 40 x 40 case")
    ap.add_argument("--out", type=Path, help="write a Markdown report here")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    rows = []
    var20 = sparse_var(20, 1000, 3, seed=0, n_links=25)
    for pc_alpha in (0.05, 0.2):
        rows.append(run_case("var20", var20, 3, args.repeats, pc_alpha=pc_alpha, tau_min=0))
    rows.append(run_case("var20", var20, 3, args.repeats, pc_alpha=0.2, tau_min=1))
    multi = sparse_var(10, 40, 2, seed=1, n_series=100)
    rows.append(run_case("multi", multi, 2, args.repeats, pc_alpha=0.2, tau_min=1))
    if args.causaltime:
        ct = sparse_var(40, 40, 1, seed=2, n_links=60, n_series=480)
        rows.append(run_case("causaltime", ct, 1, 1, pc_alpha=0.2, tau_min=1))

    frame = pd.DataFrame(var20[0], columns=[f"V{k}" for k in range(20)])
    others = []
    for label, fn in [("granger (numpy)", lambda: granger(frame, lags=3)),
                      ("granger (statsmodels engine, 400 pair tests)",
                       lambda: granger(frame, lags=3, engine="statsmodels")),
                      ("varlingam (lingam, prune=False)", lambda: varlingam(frame, lags=3))]:
        _, t = time_it(fn, 1)
        others.append((label, t[0]))
        print(f"{label:45s} {t[0]:.3f} s", flush=True)

    if args.out:
        threads = {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")}
        from importlib.metadata import version

        lines = [
            "# PCMCI speed: causalkit vs tigramite",
            "",
            f"Run {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC with "
            f"`{' '.join(['python', 'benchmarks/bench_pcmci_speed.py'] + (argv or sys.argv[1:]))}`, "
            f"threads {threads}.",
            f"Machine: {platform.machine()}, {os.cpu_count()} CPU cores shared with other jobs, no GPU; "
            f"Python {platform.python_version()}, numpy {np.__version__}, tigramite {version('tigramite')}.",
            "",
            "Both run PCMCI with the partial-correlation test (tigramite `ParCorr(significance='analytic')`,"
            " causalkit `ci_test='auto'`), `alpha_level=0.05`, on the same data; times are medians of "
            f"{args.repeats} runs (1 for the CausalTime-shaped case). `same links`: identical link sets; "
            "`max |dp|`: largest difference of any MCI p-value.",
            "",
            "| case | data | params | causalkit (s) | tigramite (s) | speed-up | same links | max \\|dp\\| | links |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        shapes = {"var20": "1 series, 20 vars, T=1000, tau_max=3",
                  "multi": "100 series x 40 steps, 10 vars, tau_max=2",
                  "causaltime": "480 series x 40 steps, 40 vars, tau_max=1"}
        for r in rows:
            lines.append(f"| {r['case']} | {shapes[r['case']]} | {r['params']} | {r['causalkit_s']:.3f} | "
                         f"{r['tigramite_s']:.2f} | {r['ratio']:.0f}x | {r['same_links']} | "
                         f"{r['max_dp']:.1e} | {r['n_links']} |")
        lines += ["", "Other time-series methods on the `var20` data (one run each):", "",
                  "| method | time (s) |", "|---|---|"]
        lines += [f"| {label} | {t:.3f} |" for label, t in others]
        lines += ["", "Raw times (s): " + "; ".join(
            f"{r['case']} {r['params']}: causalkit {[round(t, 3) for t in r['times_ck']]}, "
            f"tigramite {[round(t, 2) for t in r['times_tg']]}" for r in rows), ""]
        args.out.write_text("\n".join(lines))
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
