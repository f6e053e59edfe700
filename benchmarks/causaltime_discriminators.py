"""Discriminative AUC of CausalTime builds under each discriminator (issue 7).

For each build folder written by ``benchmarks/causaltime_build.py`` (``fidelity.json`` and
``gen_<seed>/``), recompute :meth:`CausalTime.fidelity` on every stored generation with each
classifier (``tree``: gradient-boosted trees, the default; ``gru``; ``lstm``: the CausalTime paper's
LSTM discriminator), under the default protocol (whole 100-step real blocks and whole generated
samples held out, missing-value matching) and with the generation's seed, as the builder does. Each
row also gives the same classifier's real-vs-real AUC (even- vs odd-numbered real blocks, same
protocol): the level a perfect generator would reach.

The discriminator only needs the real series as the model saw it (interpolated, standardised, with
its observed mask), not the fitted networks, so the builds' checkpoints are not needed: the script
loads the real data set named in ``fidelity.json``, standardises it with
``_causaltime_model.prepare_series`` and scores the stored generations against it. The tree AUCs
it prints must equal those stored in each ``fidelity.json`` (column ``stored``): that checks that
the reconstruction is the one the builds used.

Usage (2-core CPU; keep one core free)::

    OMP_NUM_THREADS=1 python benchmarks/causaltime_discriminators.py \\
        .ct_data/ct5_aqi .ct_data/ct7f_aqi --out benchmarks/results/causaltime_discriminators.json

Prints one Markdown row per build and generation, and a summary per build and classifier
(mean +- sd over the generations; sd with ``ddof=0``, as in the builder's summary).

Since session 6 the default protocol draws each generated window's missing-value mask from the real
windows on its own side of the split (``mask_matching`` ``"same_side"``); builds stored before used
masks from all real windows, so their stored tree AUCs are reproduced by ``tree:missing=matched_pooled``
(the ``stored`` column is filled only where the protocols agree).

Diagnostics: ``--classifiers lstm:epochs=30`` trains the paper's LSTM longer (its other settings
unchanged); ``lstm:split=random,missing=observed`` scores with the released code's kind of split
(overlapping windows split at random, fully observed real windows), where the classifier can
recognise the real episodes it was trained on.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from causalkit.generators import _causaltime_fidelity as _fid  # noqa: E402
from causalkit.generators._causaltime_model import prepare_series  # noqa: E402
from causalkit.generators.causaltime import CausalTime  # noqa: E402
from causalkit.generators.timeseries_dataset import TimeSeriesDataset  # noqa: E402

CLASSIFIERS = ("tree", "gru", "lstm")
FIDELITY_KEYS = ("split", "missing")


def parse_spec(spec):
    """``NAME[:key=value,...]`` -> (name, LSTM settings, fidelity settings).

    Keys of ``_causaltime_fidelity.PAPER_LSTM`` (``epochs``, ``hidden``, ...) change the LSTM's
    configuration for this run (diagnostics only: ``classifier="lstm"`` is the paper's); ``split``
    and ``missing`` are passed to ``CausalTime.fidelity`` (e.g. ``lstm:split=random,missing=observed``
    is the released code's protocol, random split of overlapping fully observed windows).
    """
    name, _, rest = spec.partition(":")
    if name not in CLASSIFIERS:
        raise SystemExit(f"unknown classifier {name!r} in {spec!r}; use one of {CLASSIFIERS}")
    lstm, fid = {}, {}
    for item in filter(None, rest.split(",")):
        k, _, v = item.partition("=")
        if k in FIDELITY_KEYS:
            fid[k] = v
        elif name == "lstm" and k in _fid.PAPER_LSTM:
            lstm[k] = type(_fid.PAPER_LSTM[k])(v)
        else:
            raise SystemExit(f"unknown setting {k!r} in {spec!r}")
    return name, lstm, fid


@contextmanager
def lstm_settings(changes):
    saved = dict(_fid.PAPER_LSTM)
    _fid.PAPER_LSTM.update(changes)
    try:
        yield
    finally:
        _fid.PAPER_LSTM.clear()
        _fid.PAPER_LSTM.update(saved)


def real_reference(settings):
    """A CausalTime holding only the real series' state that ``fidelity`` reads (no networks)."""
    from causaltime_build import load

    data, _ = load(settings["dataset"], settings.get("stations"), settings.get("rows"))
    lag = settings["lag"]
    prep = prepare_series(data, lag)
    ref = CausalTime(lag=lag)
    # the fitted attributes that fidelity() uses, set as fit() sets them
    ref.names_ = prep["names"]
    ref.n_features_in_ = len(prep["names"])
    ref.mean_, ref.std_ = prep["mean"], prep["std"]
    ref.segments_, ref.observed_ = prep["segments"], prep["observed"]
    ref.complete_ = True
    return ref


def same_protocol(stored, res, classifier):
    """Whether a generation's stored fidelity was computed as ``res`` was (so the AUCs must agree).

    Builds made before session 6 record no ``mask_matching``: with ``missing="matched"`` their
    generated windows drew masks from all real windows, i.e. ``"pooled"`` (``missing=matched_pooled``
    now); since session 6 the default draws them from the same side of the split (``"same_side"``).
    """
    if stored.get("classifier", "tree") != classifier or stored.get("split", "grouped") != res["split"]:
        return False
    before = stored.get("mask_matching", "pooled" if stored.get("missing", "matched") == "matched" else None)
    return before == res["mask_matching"]


def score_build(build: Path, classifiers, verbose=True):
    meta = json.loads((build / "fidelity.json").read_text())
    settings = meta["settings"]
    ref = real_reference(settings)
    rows = []
    for g, stored in enumerate(meta["generations"]):
        ds = TimeSeriesDataset.load(build / f"gen_{g}")
        seed = stored.get("seed", g)
        for spec in classifiers:
            clf, lstm, fid = parse_spec(spec)
            t0 = time.perf_counter()
            with lstm_settings(lstm):
                res = ref.fidelity(ds, seed=seed, classifier=clf, window=settings.get("window"), **fid)
            row = {"build": build.name, "generation": g, "seed": seed, "classifier": spec,
                   "auc": res["discriminative_auc"], "auc_real_vs_real": res["discriminative_auc_self"],
                   "stored_auc": (stored["discriminative_auc"]
                                  if not lstm and same_protocol(stored, res, clf) else None),
                   "mask_matching": res["mask_matching"],
                   "window": res["window"], "block": res["block"], "n_real": res["n_real"],
                   "n_generated": res["n_generated"], "seconds": round(time.perf_counter() - t0, 1)}
            rows.append(row)
            if verbose:
                print(json.dumps(row), flush=True)
    return settings, rows


def summarise(rows):
    out = {}
    for b in dict.fromkeys(r["build"] for r in rows):
        for c in dict.fromkeys(r["classifier"] for r in rows):
            sel = [r for r in rows if r["build"] == b and r["classifier"] == c]
            a = np.array([r["auc"] for r in sel])
            s = np.array([r["auc_real_vs_real"] for r in sel])
            out[f"{b}/{c}"] = {"auc_mean": float(a.mean()), "auc_std": float(a.std()),
                               "auc_per_generation": [float(v) for v in a],
                               "real_vs_real_mean": float(np.nanmean(s)), "real_vs_real_std": float(np.nanstd(s)),
                               "real_vs_real_per_seed": [float(v) for v in s]}
    return out


def markdown(rows, summary):
    lines = ["| build | generation | classifier | AUC | stored (builder) | real vs real | s |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        st = "-" if r["stored_auc"] is None else f"{r['stored_auc']:.3f}"
        lines.append(f"| {r['build']} | {r['generation']} | {r['classifier']} | {r['auc']:.3f} | {st} | "
                     f"{r['auc_real_vs_real']:.3f} | {r['seconds']} |")
    lines += ["", "| build / classifier | AUC mean +- sd | per generation | real vs real mean +- sd |",
              "|---|---|---|---|"]
    for k, v in summary.items():
        per = ", ".join(f"{x:.3f}" for x in v["auc_per_generation"])
        lines.append(f"| {k} | {v['auc_mean']:.3f} +- {v['auc_std']:.3f} | {per} | "
                     f"{v['real_vs_real_mean']:.3f} +- {v['real_vs_real_std']:.3f} |")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("builds", nargs="+", help="build folders with fidelity.json and gen_<seed>/")
    ap.add_argument("--classifiers", nargs="+", default=list(CLASSIFIERS),
                    help="tree, gru, lstm, or a variant NAME:key=value,... (see parse_spec), "
                         "e.g. lstm:epochs=30 or lstm:split=random,missing=observed")
    ap.add_argument("--out", help="write the rows and the summary as JSON here")
    args = ap.parse_args(argv)
    import torch

    all_rows, settings = [], {}
    t0 = time.perf_counter()
    for b in args.builds:
        s, rows = score_build(Path(b), args.classifiers)
        settings[Path(b).name] = s
        all_rows += rows
    summary = summarise(all_rows)
    print(markdown(all_rows, summary))
    mismatch = [r for r in all_rows if r["stored_auc"] is not None and abs(r["auc"] - r["stored_auc"]) > 1e-9]
    if mismatch:
        print(f"WARNING: {len(mismatch)} tree AUCs differ from the stored ones", flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps({
            "command": "python benchmarks/causaltime_discriminators.py " + " ".join(argv or sys.argv[1:]),
            "machine": f"{platform.node()} ({platform.processor() or platform.machine()}), "
                       f"torch threads={torch.get_num_threads()}",
            "seconds": round(time.perf_counter() - t0, 1), "settings": settings,
            "rows": all_rows, "summary": summary}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
