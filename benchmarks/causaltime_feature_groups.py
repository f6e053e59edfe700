"""Which features of a window let the tree discriminator tell real from generated (issue 7).

For each build folder written by ``benchmarks/causaltime_build.py`` (``fidelity.json`` and
``gen_<k>/``) and each chosen generation ``k`` (scored with seed ``k``, or the seed stored in
``fidelity.json``, as the builder does), the script rebuilds exactly the real and generated windows
of the tree discriminator of :meth:`CausalTime.fidelity` as it was before session 6
(``classifier="tree"``, ``split="grouped"``, ``missing="matched_pooled"``; the protocol of every build
stored before then, whose AUCs it must reproduce). Session 6 made ``missing="matched"`` draw each
generated window's mask from its own side of the split (this script's ``--split-masks`` rows show the
effect; the default protocol now also draws the split with another random stream):

* the real series as the model saw it (``causaltime_discriminators.real_reference``: the data set
  named in ``fidelity.json``, standardised by ``prepare_series``, with its observed mask);
* every window of ``window`` steps inside a block of ``10 * window`` steps (``window_pool``), its
  missing values refilled by linear interpolation inside the window (``fill_within_window``);
* every window of every generated sample, given the missing-value pattern of a real window drawn
  with ``numpy.random.default_rng(seed + 7)`` (the same draw as ``CausalTime._discriminate``) and
  refilled the same way.

It then computes FEATURE GROUPS from each window and passes the feature matrices to
``_causaltime_fidelity.discriminative_auc`` with the same groups, seed and ``n_per_class``: the
grouped split and the class-balancing subsample depend only on the seed and on the numbers of
windows and groups, not on the values, so every feature group is scored on exactly the same
training and held-out windows, by the same classifier (``HistGradientBoostingClassifier``, 200
iterations, ``random_state=seed``). The group ``raw`` (the flattened window) is the default
discriminator itself: its AUC must equal the ``discriminative_auc`` stored in ``fidelity.json``
(column ``stored``; a difference above 1e-6 is flagged), which checks the reconstruction.

Groups (``N`` stations, ``w`` steps; standardised units; ``d`` = first differences along time):

``raw``          the window, ``w * N`` values (the default discriminator).
``levels``       each station's window mean (``N``).
``steps``        first differences only (``(w - 1) * N``).
``regional``     the cross-station mean series (``w``).
``spread``       the cross-station standard deviation at each step (``w``).
``deviations``   the window minus its cross-station mean at each step (``w * N``).
``step_stats``   per station: mean ``|d|``, sd of ``d``, lag-1 autocorrelation of ``d`` and of
                 ``|d|`` (``4 N``; an autocorrelation of constant steps is 0).
``mask``         the missing-value mask only (``w * N`` zeros and ones): ~0.5 if the matching works.
``interp``       interpolation / quantisation artefacts: per station, the number of exactly constant
                 increments (``|d_{t+1} - d_t| < 1e-9``: what linear interpolation makes) and of
                 exactly repeated values (``|d_t| < 1e-9``) (``2 N``).
``interp_obs``   the same two counts, only between observed values (mask True at every step they
                 involve), so refilled gaps do not count (``2 N``).
``interp_gap``   the same two counts, only where a step involves a refilled (missing) value: the
                 gap-filling artefacts proper (same mask in both classes, so ~ the ``mask`` AUC).
``grid``         per station, the fraction of the window's values that lie on the integer grid of
                 the original units (``|x * sd + mean - round(.)| < 1e-3``) (``N``): a pure
                 quantisation detector (real readings are rounded, generated values are not).
``extremes``     per station: window min and max relative to the station's observed range in the
                 real series (``(x - lo) / (hi - lo)``), and the number of values outside it (``3 N``).

With ``--rounded`` every group is also computed (rows ``<group>@rounded``) after rounding the refilled
windows of BOTH classes to whole original units (the resolution of the real AQI readings, which are
integers) and standardising again: the same comparison without the quantisation difference (real
observed values are unchanged by it; generated values and refilled values of both classes move to
the grid). With ``--clipped`` the windows of both classes are clipped to each station's observed
range and then rounded (rows ``<group>@clipped_rounded``): a post-hoc stand-in for
``generate(bounds="auto", resolution="auto")``, which clips and rounds inside the loop (so later
steps read the clipped values); it only shows how much of the AUC those two cues carry.

With ``--split-masks`` the generated windows are also scored with masks drawn, for each generated
window, from the real windows on its own side of the grouped split (training generated windows get
masks of training real blocks, held-out ones of held-out blocks; the split is recomputed with
``_group_split`` and the same seed, so it is the one ``discriminative_auc`` uses). Rows
``<group>@split_masks``; it found the leak that session 6 fixed in ``CausalTime.fidelity``.

Usage (2-core CPU; keep one core free)::

    OMP_NUM_THREADS=1 python benchmarks/causaltime_feature_groups.py .ct_data/ct12b_aqi \\
        --generations 0 1 2 --out benchmarks/results/causaltime_feature_groups.json

Prints one JSON line per build, generation and group, then a Markdown table (group, AUC mean +- sd
over the generations with ``ddof=0``, per generation). ``--self`` also scores each group on the
real-vs-real comparison of ``fidelity`` (even- vs odd-numbered real blocks, same protocol): the
level a perfect generator would reach with that group. ``--groups`` picks a subset.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from causaltime_discriminators import real_reference  # noqa: E402

from causalkit.generators import _causaltime_fidelity as _fid  # noqa: E402
from causalkit.generators.timeseries_dataset import TimeSeriesDataset  # noqa: E402

TOL = 1e-6  # "exactly equal" in standardised units (the stored real series carries float32 round-off)


def _ac1(d):
    """Lag-1 autocorrelation along axis 1 of ``(M, L, N)``; 0 where a series is constant."""
    a, b = d[:, :-1], d[:, 1:]
    a = a - a.mean(axis=1, keepdims=True)
    b = b - b.mean(axis=1, keepdims=True)
    den = np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
    num = (a * b).sum(axis=1)
    return np.where(den > 1e-12, num / np.where(den > 1e-12, den, 1.0), 0.0)


def feature_groups(W, K, ctx):
    """Dict group name -> ``(M, p)`` feature matrix, from windows ``W`` and masks ``K`` (M, w, N)."""
    M = len(W)
    d = np.diff(W, axis=1)
    dd = np.diff(d, axis=1)
    const_inc = np.abs(dd) < TOL
    repeat = np.abs(d) < TOL
    k_d = K[:, 1:] & K[:, :-1]            # both values of a step observed
    k_dd = k_d[:, 1:] & k_d[:, :-1]       # all three values of two successive steps observed
    orig = W * ctx["std"] + ctx["mean"]
    lo, hi = ctx["lo"], ctx["hi"]
    rng_ = np.where(hi > lo, hi - lo, 1.0)
    mn, mx = W.min(axis=1), W.max(axis=1)
    dev = W - W.mean(axis=2, keepdims=True)
    return {
        "raw": W.reshape(M, -1),
        "levels": W.mean(axis=1),
        "steps": d.reshape(M, -1),
        "regional": W.mean(axis=2),
        "spread": W.std(axis=2),
        "deviations": dev.reshape(M, -1),
        "step_stats": np.hstack([np.abs(d).mean(axis=1), d.std(axis=1), _ac1(d), _ac1(np.abs(d))]),
        "mask": K.reshape(M, -1).astype(float),
        "interp": np.hstack([const_inc.sum(axis=1), repeat.sum(axis=1)]).astype(float),
        "interp_obs": np.hstack([(const_inc & k_dd).sum(axis=1), (repeat & k_d).sum(axis=1)]).astype(float),
        "interp_gap": np.hstack([(const_inc & ~k_dd).sum(axis=1), (repeat & ~k_d).sum(axis=1)]).astype(float),
        "grid": (np.abs(orig - np.round(orig)) < 1e-3).mean(axis=1),
        "extremes": np.hstack([(mn - lo) / rng_, (mx - lo) / rng_,
                               ((W < lo - TOL) | (W > hi + TOL)).sum(axis=1)]).astype(float),
    }


GROUPS = ("raw", "levels", "steps", "regional", "spread", "deviations", "step_stats", "mask", "interp",
          "interp_obs", "interp_gap", "grid", "extremes")


def build_windows(ref, data, window, seed, block):
    """The real and generated windows, groups and masks of ``CausalTime._discriminate`` (tree, grouped,
    matched), reconstructed with the same functions and the same random draws."""
    rng = np.random.default_rng(seed + 7)
    real, groups, masks = _fid.window_pool(ref.segments_, window, block=block, observed=ref.observed_)
    real = _fid.fill_within_window(real, masks)
    g_win, g_groups, _ = _fid.window_pool(list(data), window)
    g_masks = masks[rng.integers(0, len(masks), len(g_win))]
    g_win = _fid.fill_within_window(g_win, g_masks)
    return real, groups, masks, g_win, g_groups, g_masks


def rounded(W, ctx):
    """Windows rounded to whole original units, back in standardised units."""
    return (np.round(W * ctx["std"] + ctx["mean"]) - ctx["mean"]) / ctx["std"]


def clipped(W, ctx):
    """Windows clipped to each station's observed range (post hoc, unlike ``generate(bounds="auto")``)."""
    return np.clip(W, ctx["lo"], ctx["hi"])


def split_masks(masks, r_groups, g_groups, n_gen, seed, test_fraction=_fid.TEST_FRACTION):
    """Masks for the generated windows drawn from real windows on the same side of the grouped split.

    Reproduces the split of ``discriminative_auc`` (``default_rng(seed)``, real groups first, then
    generated groups, via ``_group_split``); the masks are drawn with ``default_rng(seed + 7)``."""
    rng = np.random.default_rng(seed)
    te_r = _fid._group_split(r_groups, test_fraction, rng)
    te_g = _fid._group_split(g_groups, test_fraction, rng)
    draw = np.random.default_rng(seed + 7)
    out = np.empty((n_gen,) + masks.shape[1:], dtype=bool)
    for side_g, side_r in ((te_g, te_r), (~te_g, ~te_r)):
        src = np.flatnonzero(side_r)
        out[side_g] = masks[src[draw.integers(0, len(src), side_g.sum())]]
    return out


def score_build(build: Path, generations, groups, n_windows=1000, self_ref=False, split_mask_groups=(),
                round_groups=(), clip_groups=(), verbose=True):
    meta = json.loads((build / "fidelity.json").read_text())
    settings = meta["settings"]
    ref = real_reference(settings)
    n = ref.n_features_in_
    seg, obs = np.vstack(ref.segments_), np.vstack(ref.observed_)
    ctx = {"mean": np.asarray(ref.mean_, dtype=float), "std": np.asarray(ref.std_, dtype=float),
           "lo": np.array([seg[obs[:, j], j].min() for j in range(n)]),
           "hi": np.array([seg[obs[:, j], j].max() for j in range(n)])}
    rows = []
    for g in generations:
        stored = meta["generations"][g]
        seed = stored.get("seed", g)
        ds = TimeSeriesDataset.load(build / f"gen_{g}")
        data = ds.data[:, :, :n]
        if ds.metadata.get("units") == "original":
            data = (data - ref.mean_) / ref.std_
        window = stored.get("window") or settings.get("window") or min(data.shape[1], ref.lag, 10)
        block = stored.get("block") or 10 * window
        real, r_groups, r_masks, gen, g_groups, g_masks = build_windows(ref, data, window, seed, block)
        f_real, f_gen = feature_groups(real, r_masks, ctx), feature_groups(gen, g_masks, ctx)
        even = r_groups % 2 == 0
        jobs = [(name, f_real, f_gen, name) for name in groups]
        if round_groups:
            fr_q = feature_groups(rounded(real, ctx), r_masks, ctx)
            fg_q = feature_groups(rounded(gen, ctx), g_masks, ctx)
            jobs += [(name + "@rounded", fr_q, fg_q, name) for name in round_groups]
        if clip_groups:
            fr_c, fg_c = (feature_groups(rounded(clipped(x, ctx), ctx), m, ctx)
                          for x, m in ((real, r_masks), (gen, g_masks)))
            jobs += [(name + "@clipped_rounded", fr_c, fg_c, name) for name in clip_groups]
        if split_mask_groups:
            g_raw, _, _ = _fid.window_pool(list(data), window)
            sm = split_masks(r_masks, r_groups, g_groups, len(g_raw), seed)
            f_gen_sm = feature_groups(_fid.fill_within_window(g_raw, sm), sm, ctx)
            jobs += [(name + "@split_masks", f_real, f_gen_sm, name) for name in split_mask_groups]
        for label, fr, fg, name in jobs:
            t0 = time.perf_counter()
            auc = _fid.discriminative_auc(fr[name], fg[name], seed=seed, classifier="tree",
                                          real_groups=r_groups, generated_groups=g_groups,
                                          n_per_class=2 * n_windows)
            row = {"build": build.name, "generation": g, "seed": seed, "group": label,
                   "n_features": int(fr[name].shape[1]), "auc": auc,
                   "stored_auc": stored["discriminative_auc"] if label == "raw" else None}
            if self_ref and "@split_masks" not in label:
                row["auc_real_vs_real"] = _fid.discriminative_auc(
                    fr[name][even], fr[name][~even], seed=seed, classifier="tree",
                    real_groups=r_groups[even], generated_groups=r_groups[~even], n_per_class=2 * n_windows)
            row["seconds"] = round(time.perf_counter() - t0, 1)
            rows.append(row)
            if verbose:
                print(json.dumps(row), flush=True)
    return settings, rows


def summarise(rows):
    out = {}
    for b in dict.fromkeys(r["build"] for r in rows):
        for grp in dict.fromkeys(r["group"] for r in rows):
            sel = [r for r in rows if r["build"] == b and r["group"] == grp]
            a = np.array([r["auc"] for r in sel])
            v = {"auc_mean": float(a.mean()), "auc_std": float(a.std()),
                 "auc_per_generation": [float(x) for x in a], "generations": [r["generation"] for r in sel],
                 "n_features": sel[0]["n_features"]}
            if all("auc_real_vs_real" in r for r in sel):
                s = np.array([r["auc_real_vs_real"] for r in sel])
                v.update(real_vs_real_mean=float(s.mean()), real_vs_real_std=float(s.std()))
            out[f"{b}/{grp}"] = v
    return out


def markdown(summary):
    has_self = any("real_vs_real_mean" in v for v in summary.values())
    head = "| build / group | features | AUC mean +- sd | per generation |" + (" real vs real |" if has_self else "")
    lines = [head, "|---|---|---|---|" + ("---|" if has_self else "")]
    for k, v in summary.items():
        per = ", ".join(f"{x:.3f}" for x in v["auc_per_generation"])
        line = f"| {k} | {v['n_features']} | {v['auc_mean']:.3f} +- {v['auc_std']:.3f} | {per} |"
        if has_self:
            line += (f" {v['real_vs_real_mean']:.3f} +- {v['real_vs_real_std']:.3f} |" if "real_vs_real_mean" in v
                     else " - |")
        lines.append(line)
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("builds", nargs="+", help="build folders with fidelity.json and gen_<k>/")
    ap.add_argument("--generations", nargs="+", type=int, help="generation indices (default: all stored)")
    ap.add_argument("--groups", nargs="+", default=list(GROUPS), choices=GROUPS)
    ap.add_argument("--self", dest="self_ref", action="store_true",
                    help="also score each group on real vs real (even vs odd blocks)")
    ap.add_argument("--split-masks", nargs="*", choices=GROUPS, default=None, metavar="GROUP",
                    help="also score these groups (default: raw mask steps) with generated masks drawn "
                         "from the real windows on the same side of the split")
    ap.add_argument("--rounded", nargs="*", choices=GROUPS, default=None, metavar="GROUP",
                    help="also score these groups (default: all chosen) on windows of both classes rounded "
                         "to whole original units")
    ap.add_argument("--clipped", nargs="*", choices=GROUPS, default=None, metavar="GROUP",
                    help="also score these groups (default: all chosen) on windows of both classes clipped "
                         "to each station's observed range and then rounded (rows <group>@clipped_rounded)")
    ap.add_argument("--out", help="write the rows and the summary as JSON here")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    all_rows, settings = [], {}
    for b in args.builds:
        b = Path(b)
        gens = args.generations
        if gens is None:
            gens = list(range(len(json.loads((b / "fidelity.json").read_text())["generations"])))
        sm = () if args.split_masks is None else (args.split_masks or ("raw", "mask", "steps"))
        rg = () if args.rounded is None else (args.rounded or args.groups)
        cg = () if args.clipped is None else (args.clipped or args.groups)
        s, rows = score_build(b, gens, args.groups, self_ref=args.self_ref, split_mask_groups=sm,
                              round_groups=rg, clip_groups=cg)
        settings[b.name] = s
        all_rows += rows
    summary = summarise(all_rows)
    print(markdown(summary))
    bad = [r for r in all_rows if r["stored_auc"] is not None and abs(r["auc"] - r["stored_auc"]) > 1e-6]
    print(f"reconstruction check: {len(bad)} raw-window AUCs differ from the stored ones by more than 1e-6"
          + ("" if not bad else ": " + ", ".join(f"{r['build']}/gen_{r['generation']}" for r in bad)))
    if args.out:
        Path(args.out).write_text(json.dumps({
            "command": "python benchmarks/causaltime_feature_groups.py " + " ".join(argv or sys.argv[1:]),
            "machine": f"{platform.node()} ({platform.processor() or platform.machine()})",
            "seconds": round(time.perf_counter() - t0, 1), "settings": settings,
            "rows": all_rows, "summary": summary}, indent=1))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
