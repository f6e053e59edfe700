"""Figures and the fidelity table of the CausalTime docs page (issue 7).

Three jobs, each optional:

* ``--pipeline``: draw the CausalTime pipeline as a block diagram (matplotlib) to
  ``docs/_static/causaltime_pipeline.png``.
* ``--fidelity``: read the ``fidelity.json`` written by ``benchmarks/causaltime_build.py`` in build
  folders named ``<prefix>_<dataset>`` (one prefix per code / setting version) and write the
  fidelity table ``benchmarks/results/causaltime_fidelity.md``.
* ``--copy``: copy the small outputs of the default-settings builds (``fidelity.json``,
  ``hcg.csv``) into ``benchmarks/results/causaltime_full/<dataset>/`` and the AQI PCA / t-SNE
  plots into ``docs/_static/causaltime_aqi_{pca,tsne}.png``. The generated arrays (``gen_*``)
  are not copied: they are large and can be rebuilt with the build command.

Usage::

    python benchmarks/make_causaltime_figures.py --pipeline
    python benchmarks/make_causaltime_figures.py --fidelity --copy --data .ct_data

``--data`` holds ``ct_<name>`` (the code before the fidelity fixes), ``ct2_<name>`` (the code of the
H200 lease, default settings), ``ct2c_<name>`` (the same, ``--noise-correlation``), ``ct4_<name>`` and
``ct4c_<name>`` (the CPU builds after the rollout work, without and with noise correlation) and
``ct5_<name>``, ``ct5c_<name>`` (the same fits, fidelity under both discriminator protocols).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ["aqi", "eustock", "crspday", "irates"]
VERSIONS = [
    ("ct", "earlier code", "code before the fidelity fixes (no linear AR term, homoscedastic noise, "
     "no cross-correlation score)"),
    ("ct2", "AR term (H200)", "the code of the H200 lease (linear AR term, heteroscedastic noise), default settings: "
     "noise independent across variables, as in the paper"),
    ("ct2c", "AR term + noise corr. (H200)", "the same code with `--noise-correlation` (noise of one step drawn "
     "jointly across variables; adds lag-0 confounding not listed in the ground truth)"),
    ("ct4", "rollout (CPU)", "the code after the session-2 rollout work, built on the 2-core CPU with "
     "`--rollout-steps 10 --rollout-epochs 6 --seed-observed 0.9` (noise flows fitted on all windows; "
     "rollout fine-tuning; seed windows at least 90% observed)"),
    ("ct4c", "rollout + noise corr.", "the same fit, generated with `--noise-correlation`"),
]
DESCRIPTION = {
    "aqi": "AQI-36: hourly PM2.5 of 36 Beijing stations, 8759 hours, with the distance prior graph",
    "eustock": "EuStockMarkets: daily log-returns of 4 European indices, 1859 days",
    "crspday": "CRSPday: daily returns of GE, IBM, Mobil and the CRSP index, 2528 days",
    "irates": "Irates: monthly changes of 10 US zero-coupon yields, 530 months",
}


# ----------------------------------------------------------------------------- pipeline figure
def draw_pipeline(path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    fig, ax = plt.subplots(figsize=(12, 5.6))
    ax.set_xlim(0, 12)
    ax.set_ylim(0, 5.5)
    ax.axis("off")

    def box(x, y, w, h, title, body, color):
        ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.04,rounding_size=0.12",
                                    facecolor=color, edgecolor="#333333", linewidth=1.1))
        ax.text(x + w / 2, y + h - 0.22, title, ha="center", va="top", fontsize=10.5,
                fontweight="bold")
        ax.text(x + w / 2, y + h - 0.58, body, ha="center", va="top", fontsize=8.6,
                linespacing=1.35)
        return (x, y, w, h)

    def arrow(a, b, side_a="r", side_b="l", text=None, rad=0.0):
        def anchor(r, side):
            x, y, w, h = r
            return {"r": (x + w, y + h / 2), "l": (x, y + h / 2), "t": (x + w / 2, y + h),
                    "b": (x + w / 2, y)}[side]
        p, q = anchor(a, side_a), anchor(b, side_b)
        ax.add_patch(FancyArrowPatch(p, q, arrowstyle="-|>", mutation_scale=14, linewidth=1.2,
                                     color="#333333", connectionstyle=f"arc3,rad={rad}"))
        if text:
            ax.text((p[0] + q[0]) / 2, (p[1] + q[1]) / 2 + 0.12, text, ha="center", va="bottom",
                    fontsize=8)

    blue, green, orange, grey, purple = "#dbe9f6", "#dff2df", "#fde7cf", "#eeeeee", "#ece2f4"
    real = box(0.1, 3.0, 2.2, 1.9, "1. real series",
               "N variables, T steps\ninterpolate gaps\nstandardise per variable\n"
               "windows x[t-lag:t] -> x[t]\n(no target leak)", grey)
    full = box(2.75, 3.0, 2.3, 1.9, "2. full model f",
               "one head per variable:\nlinear AR term + MLP\nx_t = f(x[t-lag:t]) + noise",
               blue)
    hcg = box(5.5, 3.0, 2.4, 1.9, "3. causal graph H",
              "expected-gradient attribution S\nof each output to each input;\n"
              "with a prior P: (1-w) S + w P;\nkeep the top `threshold` share;\nself-loops kept", green)
    split = box(8.35, 3.0, 3.55, 1.9, "4. split f",
                "f^H: inputs masked by H, refitted\nresidual term r = f - f^H\n"
                "noise: one normalising flow per\nvariable (max. likelihood) on\n"
                "x_t - f^H - r_{t-1}, scale set\nby the variable's own past", orange)
    gen = box(6.4, 0.2, 5.5, 2.25, "5. generate (autoregressive)",
              "x_t = f^H(x_<t) + r_{t-1} + eta_t,   eta_t ~ flows\n"
              "output: N variables + N residual channels\n"
              "ground truth over 2N channels (rows cause):\n"
              "A = [[H, J], [I, 0]]  (J: all ones)\n"
              "score methods on the N x N block H (off-diagonal)", purple)
    fid = box(0.1, 0.2, 5.6, 2.25, "6. evaluate",
              "fidelity vs the real series: discriminative AUC\n"
              "(0.5 = indistinguishable), MMD and lagged cross-\n"
              "correlation beside real-vs-real, PCA / t-SNE plots\n"
              "discovery: AUROC / AUPRC of pcmci, granger,\n"
              "neural_granger, varlingam, ... against H", grey)
    arrow(real, full)
    arrow(full, hcg)
    arrow(hcg, split)
    arrow(split, gen, "b", "t")
    arrow(gen, fid, "l", "r")
    ax.text(6.0, 5.3, "CausalTime pipeline (causalkit.generators.causaltime)", ha="center",
            va="center", fontsize=12, fontweight="bold")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    print(f"wrote {path}")


# ----------------------------------------------------------------------------- fidelity table
def _load(data: Path, prefix: str, name: str):
    p = data / f"{prefix}_{name}" / "fidelity.json"
    if not p.exists():
        return None
    return json.loads(p.read_text())


def _mean_std(values):
    import numpy as np

    v = np.asarray(values, dtype=float)
    return float(v.mean()), float(v.std())  # population sd, as the build and discovery scripts


def _row(d):
    gens = d["generations"]
    auc_m, auc_s = _mean_std([g["discriminative_auc"] for g in gens])
    mmd_m, _ = _mean_std([g["mmd"] for g in gens])
    mmd_self = gens[0]["mmd_self"]
    if all("cross_correlation" in g for g in gens):
        xc_m, _ = _mean_std([g["cross_correlation"] for g in gens])
        xc = f"{xc_m:.3f} / {gens[0]['cross_correlation_self']:.3f}"
    else:
        xc = "not computed"
    return {
        "auc": f"{auc_m:.3f} ± {auc_s:.3f}",
        "auc_mean": auc_m,
        "mmd": f"{mmd_m:.4f} / {mmd_self:.4f}",
        "xcorr": xc,
        "epochs": d.get("epochs_run", {}),
        "fit_s": d.get("fit_seconds_this_run"),
        "n": len(gens),
        "shape": d.get("shape"),
        "hcg": d.get("hcg_edges_offdiag"),
    }


def _protocol_section(data: Path) -> list:
    """Table of the session-3 builds (ct5 / ct5c): both discriminator protocols, each with its real-vs-real."""
    lines = [
        "",
        "## Discriminator protocol (session 3)",
        "",
        "The earlier numbers split overlapping 10-step windows into training and held-out windows at "
        "random and, on AQI, used only the 619 fully observed real windows (of 8750; bunched in a few "
        "episodes, more polluted than the year). A held-out window then shares 9 of its 10 steps with "
        "a training window, and the classifier recognises the episodes it was trained on: the same "
        "classifier separates real windows of even-numbered 100-hour blocks from those of odd-numbered "
        "blocks at 0.97 (0.80-0.91 with all windows), so no generator could score under 0.7. "
        "`CausalTime.fidelity` now (defaults `split=\"grouped\", missing=\"matched\"`) cuts the "
        "real series into blocks of 10 windows' length and holds out whole blocks and whole generated "
        "samples (no held-out window shares a step with a training window), uses all real windows, "
        "and gives each generated window the missing-value pattern of a randomly drawn real window, "
        "refilling the missing values of both classes by linear interpolation inside the window. "
        "Each AUC is beside its real-vs-real reference (even vs odd blocks of the real series, same "
        "classifier and protocol; 0.5 = the level a perfect generator would reach).",
        "",
        "Builds `ct5[c]_<name>`: the rollout fits of the table above reloaded from their checkpoints "
        "(generator unchanged, same generated data for the same seeds), fidelity recomputed:",
        "`python benchmarks/causaltime_build.py --dataset NAME --checkpoint-dir CKPT --out .ct_data/ct5_NAME "
        "--generations 3 --rollout-steps 10 --rollout-epochs 6 --seed-observed 0.9 --no-tsne "
        "[--noise-correlation]` (2-core CPU; AQI about 1 minute per build once fitted).",
        "",
        "| dataset | noise | AUC, held-out blocks + matched gaps | real vs real | AUC, earlier protocol | "
        "real vs real (earlier) |",
        "|---|---|---|---|---|---|",
    ]
    for name in DATASETS:
        for prefix, noise in (("ct5", "independent (paper)"), ("ct5c", "correlated")):
            d = _load(data, prefix, name)
            if d is None:
                lines.append(f"| {name} | {noise} | not built | | | |")
                continue
            g = d["generations"]
            a_m, a_s = _mean_std([x["discriminative_auc"] for x in g])
            s_m, _ = _mean_std([x["discriminative_auc_self"] for x in g])
            l_m, l_s = _mean_std([x["legacy_discriminative_auc"] for x in g])
            ls_m, _ = _mean_std([x["legacy_discriminative_auc_self"] for x in g])
            lines.append(f"| {name} | {noise} | {a_m:.3f} ± {a_s:.3f} | {s_m:.3f} | {l_m:.3f} ± {l_s:.3f} | "
                         f"{ls_m:.3f} |")
    return lines


def write_fidelity(data: Path, out: Path) -> None:
    rows = []
    for name in DATASETS:
        for prefix, label, _ in VERSIONS:
            d = _load(data, prefix, name)
            if d is None:
                rows.append((name, label, None))
                continue
            rows.append((name, label, _row(d)))
    lines = [
        "# CausalTime fidelity at full size (issue 7)",
        "",
        "How close generated CausalTime data are to the real series they imitate, for the four "
        "datasets and several versions of the generator, all at full size: the first three versions "
        "fitted on one NVIDIA H200 (`device=\"cuda\"`), the rollout versions on the 2-core CPU "
        "(AQI fit 257 s, the others 6-8 s).",
        "",
        "- Build command (per dataset NAME in aqi, eustock, crspday, irates):",
        "  `python benchmarks/causaltime_build.py --dataset NAME --device cuda "
        "--checkpoint-dir CKPT --out OUT --generations 3 [--noise-correlation]`",
        "  with the defaults `--lag 20 --hidden 128 --epochs 100 --threshold 0.25 --batch-size 256 "
        "--lr 1e-3 --n-samples 480 --length 40 --classifier tree --seed 0` (generations use seeds "
        "0, 1, 2). Training stops early on the validation loss: 11-12 epochs for the later "
        "code (the linear AR term starts at the ridge fit), 11-47 for the earlier code.",
        "- Machine: one NVIDIA H200 (the device machine: 16 CPU cores; fits on the GPU, fidelity in the same run); each fit took "
        "about 15-40 s (AQI ~35 s), generation of 480 x 40 about 0.2 s.",
        "- Versions: " + "; ".join(f"**{label}** = {desc}" for _, label, desc in VERSIONS) + ".",
        "- Columns: discriminative AUC of a gradient-boosted tree classifier separating held-out "
        "real from generated windows of 10 steps (0.5 = indistinguishable), mean ± sd (population "
        "sd, numpy default) over the 3 generations; MMD (unbiased, Gaussian kernel) of generated vs the first half of the real "
        "series, beside real-vs-real (second half vs first half); lagged cross-correlation "
        "distance (mean |C_k(gen) - C_k(real)| over pairs and lags 0..lag), beside real-vs-real. "
        "MMD and cross-correlation are means over the generations; lower is better and a value "
        "at or below real-vs-real is as close as the real data are to themselves. Definitions: "
        "docs/causaltime.rst, \"Fidelity\".",
        "- Rendered by `python benchmarks/make_causaltime_figures.py --fidelity --data .ct_data` "
        "from the builds' `fidelity.json` (those of the H200 default builds are copied to "
        "`benchmarks/results/causaltime_full/<name>/` with `hcg.csv`).",
        "",
        "| dataset | version | discriminative AUC (trees) | MMD / real-real | xcorr / real-real |"
        " epochs (full, causal) |",
        "|---|---|---|---|---|---|",
    ]
    for name, label, r in rows:
        if r is None:
            lines.append(f"| {name} | {label} | not built | | | |")
            continue
        ep = r["epochs"]
        lines.append(f"| {name} | {label} | {r['auc']} | {r['mmd']} | {r['xcorr']} | "
                     f"{ep.get('full', '?')}, {ep.get('causal', '?')} |")
    lines += ["", "Datasets:", ""]
    for name in DATASETS:
        d = _load(data, "ct2", name)
        extra = f" (H: {d['hcg_edges_offdiag']} off-diagonal edges)" if d else ""
        lines.append(f"- {name}: {DESCRIPTION[name]}{extra}.")
    by = {(n, lab): r for n, lab, r in rows}

    def auc(n, lab):
        r = by.get((n, lab))
        return f"{r['auc_mean']:.2f}" if r else "n/a"

    lines += _protocol_section(data)
    prot = {}
    for name in DATASETS:
        d = _load(data, "ct5", name)
        if d is not None:
            prot[name] = d["summary"]

    def pauc(n, key="discriminative_auc_mean"):
        return f"{prot[n][key]:.2f}" if n in prot else "n/a"

    lines += [
        "",
        "## Verdict against the goal (discriminative AUC under 0.7 on AQI)",
        "",
        f"- **Not met on AQI, also under the corrected protocol** (session 3, table above): "
        f"{pauc('aqi')} with the generator of the rollout builds, while the same classifier and "
        f"protocol separate two interleaved sets of real AQI stretches at "
        f"{pauc('aqi', 'discriminative_auc_self_mean')} (the earlier protocol: "
        f"{pauc('aqi', 'legacy_discriminative_auc_mean')} for generated and "
        f"{pauc('aqi', 'legacy_discriminative_auc_self_mean')} for real vs real, i.e. it could not "
        "have gone under 0.7 even for a perfect generator). What still separates the generated AQI "
        "windows (single-feature and feature-group AUCs, docs/causaltime.rst): the step-size "
        "distribution (sd 0.33 vs 0.25 real, too few small steps) and the stations' relative levels "
        "within a window (per-station window means alone: 0.94), the footprint of noise that is "
        "independent across stations.",
        "- Other datasets under the corrected protocol: with independent noise (the paper) none is "
        f"under 0.7 (eustock {pauc('eustock')}, crspday {pauc('crspday')}, irates {pauc('irates')}); "
        "with `--noise-correlation` eustock and irates are (0.62 and 0.51, near their real-vs-real "
        "0.48 and 0.54), crspday is not (0.89; it has no gaps, so the change from 0.74 comes from the "
        "grouped split and from twice as many windows per class, 2000 instead of 1000, i.e. a "
        "stronger classifier). Irates has 530 months, so only 5 blocks of 100 steps: its grouped "
        "AUCs vary by about ±0.1 between generations.",
        "- Generator checks on AQI (session 3, one generation each, corrected protocol; flows refitted "
        "on the loaded networks, diagnostic script not committed): the noise flows fitted to the NAR "
        "model's residuals x_t - f(x_{<t}) as in the paper (sd 0.217) instead of the generating "
        "equation's x_t - f^H - r_{t-1} (sd 0.235; it also holds r_t - r_{t-1}, sd 0.095) give a "
        "generated step sd of 0.29 instead of 0.32 (real 0.25) but the same AUC (0.952 vs 0.949); "
        "the networks before the rollout fine-tuning give 0.952-0.957 (their steps keep the real "
        "momentum, lag-1 step autocorrelation +0.13 vs -0.02, and the level spread after 40 steps "
        "1.05 vs 0.86, real 1.075). Neither change moves the AUC, so the generator and the builds "
        "were left as they are. The residual term is added as the paper writes it: r_{t-1} is "
        "f - f^H on the window that predicted x_{t-1}, and x_t = f^H(x_{<t}) + r_{t-1} + eta_t, "
        "consistent with the ground truth's r_i -> x_i at lag 1.",
        "- The rows below are the earlier protocol (random split of overlapping windows, fully "
        "observed real windows only); keep them only for comparison with the earlier sessions.",
        f"- **Earlier protocol, not met on AQI.** At full size the trees separate real from generated AQI windows "
        f"almost perfectly: AUC {auc('aqi', 'earlier code')} with the earlier code, "
        f"{auc('aqi', 'AR term (H200)')} with the linear AR term and heteroscedastic noise and "
        f"{auc('aqi', 'AR term + noise corr. (H200)')} with noise correlation. The small CPU setting "
        "(8 stations, lag 8) reached 0.92-0.94; 36 stations x 10 steps give the classifier 360 "
        "features, and each station's closed-loop dynamics (steps too large, no volatility "
        "clustering; docs/causaltime.rst) add up across stations. MMD stays above real-vs-real "
        "(0.115 vs 0.092), and the cross-correlation distance too (0.128 vs 0.082).",
        f"- **Met on EuStock and Irates, only with noise correlation**: "
        f"{auc('eustock', 'AR term + noise corr. (H200)')} and {auc('irates', 'AR term + noise corr. (H200)')} "
        f"(default settings {auc('eustock', 'AR term (H200)')} and "
        f"{auc('irates', 'AR term (H200)')}); there MMD and cross-correlation fall below "
        "real-vs-real. CRSPday improves to "
        f"{auc('crspday', 'AR term + noise corr. (H200)')} but not below 0.7. The noise correlation adds "
        "within-step (lag-0) confounding that the lagged ground truth A does not list, so it is "
        "off by default, as in the paper, and the discovery table uses the default builds.",
        "- Matching the summary statistics is not enough: with default settings EuStock is at "
        "real-vs-real in MMD and cross-correlation (0.0027 vs 0.0023, 0.047 vs 0.048) and Irates "
        "below it in cross-correlation (0.103 vs 0.113), yet their AUC is 0.99-1.00; the missing "
        "co-movement of the variables within a step is what the classifier sees (it drops to "
        "0.59-0.65 once the noise is correlated).",
        f"- **Rollout fine-tuning** (the model fed its own predictions plus resampled residuals for "
        f"10 steps; `f^H` keeps its mask, so the ground truth stays exact) with the noise flows fitted "
        f"on all windows: AQI {auc('aqi', 'rollout (CPU)')} (drift of the stations' spread and step "
        f"size gone; MMD below real-vs-real), crspday {auc('crspday', 'rollout (CPU)')}, "
        f"eustock {auc('eustock', 'rollout (CPU)')}, irates {auc('irates', 'rollout (CPU)')}; with "
        f"noise correlation AQI {auc('aqi', 'rollout + noise corr.')}, crspday "
        f"{auc('crspday', 'rollout + noise corr.')}. Still not under 0.7 on AQI: one generated step "
        "is too large (mean |step| 0.225 vs 0.156 real; the one-step noise is nearly as large as a "
        "real step, whereas real PM2.5 moves in small steps with occasional jumps shared by all "
        "stations) and the rolled-out model reverts to the mean a little too hard (level sd 0.76 vs "
        "1.075 after 40 steps).",
        "- Next (not done): noise whose size and cross-station pattern depend on the joint state "
        "(a contemporaneous structure that would have to enter the ground truth), a volatility "
        "model for the noise.",
        "",
    ]
    out.write_text("\n".join(lines))
    print(f"wrote {out}")


def copy_outputs(data: Path) -> None:
    for name in DATASETS:
        src = data / f"ct2_{name}"
        if not src.exists():
            print(f"skip {src} (missing)", file=sys.stderr)
            continue
        dst = ROOT / "benchmarks" / "results" / "causaltime_full" / name
        dst.mkdir(parents=True, exist_ok=True)
        for f in ("fidelity.json", "hcg.csv"):
            shutil.copy2(src / f, dst / f)
        print(f"copied {src}/{{fidelity.json,hcg.csv}} -> {dst}")
    static = ROOT / "docs" / "_static"
    for kind in ("pca", "tsne"):
        s = data / "ct2_aqi" / f"causaltime_{kind}.png"
        if s.exists():
            shutil.copy2(s, static / f"causaltime_aqi_{kind}.png")
            print(f"copied {s} -> {static / f'causaltime_aqi_{kind}.png'}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pipeline", action="store_true", help="draw the pipeline figure")
    ap.add_argument("--fidelity", action="store_true", help="write the fidelity table")
    ap.add_argument("--copy", action="store_true",
                    help="copy fidelity.json/hcg.csv and the AQI plots of the ct2_* builds")
    ap.add_argument("--data", default=str(ROOT / ".ct_data"),
                    help="folder with the ct_*, ct2_*, ct2c_* build outputs")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "causaltime_fidelity.md"))
    ap.add_argument("--overwrite", action="store_true",
                    help="let --fidelity replace an --out file that holds hand-written sections (sessions 4-5)")
    args = ap.parse_args(argv)
    out = Path(args.out)
    # the committed results file has sections written by hand after this script last ran; keep them safe
    if args.fidelity and out.exists() and "## Session 4" in out.read_text() and not args.overwrite:
        ap.error(f"{out} holds hand-written sections (## Session 4, ## Session 5, ...) that --fidelity would "
                 "drop; write to another --out and merge, or pass --overwrite")
    if not (args.pipeline or args.fidelity or args.copy):
        ap.error("give at least one of --pipeline, --fidelity, --copy")
    if args.pipeline:
        draw_pipeline(ROOT / "docs" / "_static" / "causaltime_pipeline.png")
    if args.fidelity:
        write_fidelity(Path(args.data), out)
    if args.copy:
        copy_outputs(Path(args.data))


if __name__ == "__main__":
    main()
