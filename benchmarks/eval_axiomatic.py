"""Evaluate axiomatic-training models on the paper's evaluation sets and on a node-name-shift set.

Two steps, so that the heavy one can run on a GPU machine that lacks the rest of the environment:

1. ``score``: accuracy of each model (``NAME.safetensors`` written by ``train_axiomatic.py``, or a shipped
   weights file with its JSON) on every file of ``../shared/data/axiomatic_eval/<task>/`` and on our own
   node-name-shift sets (sequential chains of 3-9 nodes whose names have 8-10 characters, generated here
   with fixed seeds); writes a JSON file.
2. ``report``: reads one or more such JSON files, adds the exact checker's accuracy on the same sets
   (causalkit.reasoning.symbolic; it measures the label quirks of the files) and the paper's reference
   numbers, and writes ``benchmarks/results/axiomatic.md``.

Usage::

    python benchmarks/eval_axiomatic.py score --models a.safetensors b.safetensors --out scores.json \
        [--data ../shared/data/axiomatic_eval] [--device cuda]
    python benchmarks/eval_axiomatic.py report scores.json [more.json] --md benchmarks/results/axiomatic.md
    python benchmarks/eval_axiomatic.py plot benchmarks/results/axiomatic_train_*.log

The evaluation files are read for evaluation only; nothing here trains or tunes on them.
"""

import argparse
import glob
import json
import math
import os
import re
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
DEFAULT_DATA = os.path.join(os.path.dirname(ROOT), "shared", "data", "axiomatic_eval")

# Reference accuracies (paper v1, no-PE model trained on chains of 3-6; GPT-4 zero-shot), as transcribed in
# the evaluation folder's README and ../shared/research/pfn_axiomatic.md (secondary source, approximate).
PAPER = {
    "transitivity": {
        **{f"chain_len{n}": v for n, v in zip(range(7, 16), [1.00, .99, .92, .88, .86, .95, .96, .81, .85])},
        **{f"reversed_chain_len{n}": v for n, v in zip(range(3, 7), [.99, .99, .95, .94])},
        **{f"branching_bf1.4_nodes{n}": v for n, v in zip([5, 8, 10, 12], [.86, .77, .74, .70])},
        **{f"branching_bf2_nodes{n}": v for n, v in zip([5, 8, 10, 12], [.83, .74, .69, .64])},
        **{f"name_shift_len{n}": v for n, v in zip(range(3, 10), [1.00, .95, .87, .84, .79, .76, .73])},
    },
    "dseparation": {},
}
GPT4 = {
    "transitivity": {
        **{f"chain_len{n}": v for n, v in zip(range(7, 16), [.95, .97, .87, .91, .90, .92, .85, .93, .89])},
        **{f"reversed_chain_len{n}": v for n, v in zip(range(3, 7), [.97, .99, .98, .92])},
        **{f"branching_bf1.4_nodes{n}": v for n, v in zip([5, 8, 10, 12], [.95, .90, .88, .86])},
        **{f"branching_bf2_nodes{n}": v for n, v in zip([5, 8, 10, 12], [.98, .91, .84, .82])},
        **{f"name_shift_len{n}": v for n, v in zip(range(3, 10), [.99, .97, .89, .85, .95, .90, .90])},
    },
    "dseparation": {},
}
# D-separation: Llama-3-8B-Instruct fine-tuned with LoRA on 175k d-separation axioms, computed from the
# paper repository's prediction files (pfn_axiomatic.md section 3.4c).
LLAMA_LORA = {f"flipped_chain_len{n}": v for n, v in
              zip(range(7, 16), [.952, .948, .954, .850, .870, .880, .734, .662, .560])}

NAME_SHIFT_LENGTHS = range(3, 10)


def name_shift_sets(task, n=500):
    """Our node-name-shift sets: chains of 3-9 nodes, names of 8-10 characters (fixed seeds)."""
    from causalkit.learned.axiomatic_data import generate

    out = {}
    for length in NAME_SHIFT_LENGTHS:
        texts, labels = generate(task, n, seed=777_000 + length, lengths=(length, length),
                                 flip_fraction=0.0 if task == "transitivity" else 1.0,
                                 shuffle_fraction=0.0, name_len=(8, 10))
        out[f"name_shift_len{length}"] = (texts, labels)
    return out


def _natural(name):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def load_sets(data_dir, task):
    """Every evaluation file of one task, plus the name-shift sets: {set name: (texts, labels)}."""
    out = {}
    for path in sorted(glob.glob(os.path.join(data_dir, task, "*.jsonl")), key=_natural):
        texts, labels = [], []
        with open(path) as fh:
            for line in fh:
                d = json.loads(line)
                texts.append(d["text"])
                labels.append(d["label"])
        out[os.path.basename(path)[: -len(".jsonl")]] = (texts, labels)
    out.update(name_shift_sets(task))
    return out


def score(args):
    from causalkit.learned.axiomatic import AxiomaticReasoner, count_parameters

    results = {}
    cache = {}
    for path in args.models:
        cfg_path = path[: -len(".safetensors")] + ".json"
        r = AxiomaticReasoner.from_files(path, cfg_path if os.path.exists(cfg_path) else None, device=args.device)
        if r.task not in cache:
            cache[r.task] = load_sets(args.data, r.task)
        t0 = time.time()
        accs = {}
        for set_name, (texts, labels) in cache[r.task].items():
            if args.limit:
                texts, labels = texts[: args.limit], labels[: args.limit]
            pred = r.predict(texts, validate=False, batch_size=512)
            accs[set_name] = sum(p == y for p, y in zip(pred, labels)) / len(labels)
        name = os.path.basename(path)[: -len(".safetensors")]
        results[name] = dict(task=r.task, pos=r.config["model"]["pos"], params=count_parameters(r.model),
                             name_boundaries=bool(r.config["model"].get("name_boundaries", False)),
                             step=r.config.get("step"), accuracy=accs, sizes={k: min(len(v[1]), args.limit or 10 ** 9) for k, v in cache[r.task].items()})
        print(f"{name}: {len(accs)} sets in {time.time() - t0:.1f}s; mean {sum(accs.values()) / len(accs):.3f}", flush=True)
    with open(args.out, "w") as fh:
        json.dump(results, fh, indent=1)


def exact_accuracy(texts, labels, task):
    """Accuracy of the exact checker; a question about a name the premise never mentions is answered as
    about an isolated node ("No" for transitivity, "Yes" for d-separation)."""
    from causalkit.exceptions import NodeNotFound
    from causalkit.reasoning.symbolic import check_statement

    ok = 0
    for t, y in zip(texts, labels):
        try:
            a = check_statement(t)
        except NodeNotFound:
            a = "No" if task == "transitivity" else "Yes"
        ok += a == y
    return ok / len(labels)


GROUPS = {
    "transitivity": [
        ("Sequential chains (train 3-6; evaluate 7-15, 20, 50)", r"^chain_len"),
        ("Chains with random edge flips", r"^flipped_chain_len"),
        ("Reversed premise order", r"^reversed_chain_len"),
        ("Branching (Erdos-Renyi DAGs, 1.4 N edges)", r"^branching_bf1\.4"),
        ("Branching (Erdos-Renyi DAGs, 2 N edges)", r"^branching_bf2_"),
        ("Node-name shift (our sets: sequential chains, names of 8-10 characters)", r"^name_shift"),
    ],
    "dseparation": [
        ("Chains with random edge flips", r"^flipped_chain_len"),
        ("Branching (Erdos-Renyi DAGs, 1.4 N edges)", r"^branching_bf1\.4"),
        ("Node-name shift (our sets: flipped chains, names of 8-10 characters)", r"^name_shift"),
    ],
}


def report(args):
    results = {}
    for p in args.scores:
        with open(p) as fh:
            results.update(json.load(fh))
    lines = [
        "# Axiomatic-training transformer: accuracy on the paper's evaluation sets",
        "",
        "Produced by `benchmarks/eval_axiomatic.py` (`score` on the GPU machine, `report` here). Models were",
        "trained by `benchmarks/train_axiomatic.py` on causalkit's own generated data only (chains of 3-6 nodes,",
        "after a curriculum from 2-node chains); see `benchmarks/results/axiomatic_train_*.log`.",
        "Evaluation files: `../shared/data/axiomatic_eval/` (500 instances each; chain_len10: 347).",
        "Columns: each trained model (position encoding, parameters, training steps), `exact` = the symbolic",
        "checker `check_statement` against the file's labels (below 1 only where node names collide in the file),",
        "`paper no-PE` = the paper's 67M (38M working) no-PE model, `GPT-4` zero-shot, `Llama-3-8B LoRA` =",
        "fine-tuned on 175k d-separation axioms. Paper numbers are from a secondary transcription (approximate).",
        "",
        "Runs (one NVIDIA H200, three calls of 7-8 minutes, the runs of a call sharing the GPU; batch 512):",
        "`t_none`, `t_rotary`: transitivity, curriculum 2 -> 2-3 -> 2-4 -> 2-5 -> 3-6 nodes, lr 5e-4, cosine decay",
        "in the last call. `t_none_nocurr`: the same no-PE model on 3-6-node chains from the start (no curriculum),",
        "first call only: it stays at chance, the plateau of the issue. `d_rotary_ft`: d-separation, started from",
        "`t_rotary`'s first-call weights (5757 steps), curriculum 3 -> 3-4 -> 3-5 -> 3-6, lr 3e-4. `d_none`, `d_rotary`:",
        "d-separation from scratch, first call only (stuck at 3-4-node stages). Session 2 (one run of 14 min,",
        "sharing the H200 with three other trainings): `d_none_ft`: d-separation without position encoding,",
        "started from the shipped no-PE transitivity weights (`t_none`), curriculum 3 -> 3-4 -> 3-5 -> 3-6, lr 3e-4,",
        "schedule fitted to the 14-minute budget (30,315 steps). Session 3 (19-minute runs sharing the H200 with",
        "each other and the structure learner): premises with 0-2 (`*_forest2`) or 0-3 (`d_forest3`) distractor",
        "chains of 3-6 nodes mixed in (`--distractors`; long inputs without longer chains), one stage of 3-6-node",
        "chains: `t_forest2` from `t_none` (lr 2e-4, 10,216 steps), `d_forest2` / `d_forest3` from `d_none_ft`",
        "(lr 3e-4; 9,569 / 7,961 steps), `d_forest2b` = `d_forest2` trained 10,060 more steps alone on the GPU",
        "(lr 1.5e-4). Session 4 (19.8-minute runs sharing the H200 with each other and the structure learner):",
        "premises with 0-2 distractor chains and, in half of the chains, names drawn as prefixes or suffixes of",
        "one another (`--confusable-names 0.5`; the 14- and 15-node d-separation files fail on such names, see",
        "`axiomatic_name_probe.md`): `t_conf` from `t_forest2` (lr 1.5e-4, 14,819 steps), `d_conf` from",
        "`d_forest2b` (lr 2e-4, 14,128 steps). Session 5 (18-minute runs sharing the H200 with each other):",
        "80% of the chains with confusable names, 0-2 distractor chains, and the name-boundary embedding",
        "(`--name-boundaries`: each character's place in its name, only / first / inner / last; no position",
        "along the sequence; its table started at zero): `t_bound` from `t_conf` (lr 2e-4, 12,919 steps, stopped",
        "at its budget before the learning rate had decayed), `d_bound` from `d_conf` (lr 3e-4, 11,796 steps),",
        "`d_bound2` = `d_bound` trained 9,528 more steps alone (lr 1e-4); `d_conf2` = the control, `d_bound`'s",
        "run without the name-boundary table. Shipped: `t_bound` as `transitivity`, `d_bound2` as `dseparation`,",
        "each chosen by our own validation sets (`axiomatic_validation.md`; earlier sessions: the training logs'",
        "val_* fields) before scoring on these files (sessions 1-2 shipped `t_none`, `d_rotary_ft`, `d_none_ft`,",
        "session 3 `t_forest2`, `d_forest2b`, session 4 `t_conf`, `d_conf`; causalkit/learned/weights/, fp16).",
        "Raw numbers:",
        "`benchmarks/results/axiomatic_scores.json`; loss curves: `benchmarks/results/axiomatic_loss.png`.",
        "",
    ]
    for task in ("transitivity", "dseparation"):
        models = {k: v for k, v in results.items() if v["task"] == task}
        if not models:
            continue
        names = list(models)
        sets = load_sets(args.data, task)
        exact = {k: exact_accuracy(t, y, task) for k, (t, y) in sets.items()}
        lines += [f"## {task}", ""]
        lines.append("Models: " + "; ".join(
            f"`{n}` = {m['pos']} position encoding{' + name boundaries' if m.get('name_boundaries') else ''}, "
            f"{m['params'] / 1e6:.2f}M parameters, {m.get('step') or '?'} steps"
            for n, m in models.items()) + ".")
        lines.append("")
        for title, pattern in GROUPS[task]:
            rows = [k for k in sets if re.search(pattern, k)]
            if not rows:
                continue
            refs = []
            if any(k in PAPER[task] for k in rows):
                refs.append(("paper no-PE", PAPER[task]))
            if any(k in GPT4[task] for k in rows):
                refs.append(("GPT-4", GPT4[task]))
            if task == "dseparation" and any(k in LLAMA_LORA for k in rows):
                refs.append(("Llama-3-8B LoRA", LLAMA_LORA))
            lines += [f"### {title}", ""]
            header = ["set", "n"] + [f"`{n}`" for n in names] + ["exact"] + [r[0] for r in refs]
            lines.append("| " + " | ".join(header) + " |")
            lines.append("|" + "|".join(["---"] * len(header)) + "|")
            for k in rows:
                vals = [k, str(len(sets[k][1]))]
                vals += [f"{models[n]['accuracy'][k]:.3f}" if k in models[n]["accuracy"] else "" for n in names]
                vals.append(f"{exact[k]:.3f}")
                vals += [f"{r[1][k]:.2f}" if k in r[1] else "" for r in refs]
                lines.append("| " + " | ".join(vals) + " |")
            lines.append("")
    lines += goals(results)
    with open(args.md, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print(f"wrote {args.md}")


# the runs whose weights ship as causalkit/learned/weights/{transitivity,dseparation}.safetensors
SHIPPED = {"transitivity": "t_bound", "dseparation": "d_bound2"}


def goals(results):
    """Markdown lines comparing each task's shipped model (``SHIPPED``) with the reference numbers."""
    out = ["## Goals of issue 11, checked on the shipped models", ""]
    checks = [("transitivity", "paper no-PE", PAPER["transitivity"]), ("transitivity", "GPT-4", GPT4["transitivity"]),
              ("dseparation", "Llama-3-8B LoRA", LLAMA_LORA)]
    for task, ref_name, ref in checks:
        m = SHIPPED[task]
        if m not in results:
            continue
        acc = results[m]["accuracy"]
        rows = [k for k in ref if k in acc and (ref_name != "GPT-4" or k.startswith("branching_bf1.4"))]
        met = [k for k in rows if acc[k] >= ref[k] - 1e-9]
        missed = [f"{k} ({acc[k]:.3f} < {ref[k]:.2f})" for k in rows if acc[k] < ref[k] - 1e-9]
        scope = " (branching bf1.4 only)" if ref_name == "GPT-4" else ""
        out.append(f"- `{m}` vs {ref_name}{scope}: at or above on {len(met)} of {len(rows)} sets"
                   + (f"; below on {', '.join(missed)}" if missed else "") + ".")
    out += ["", "The name-shift reference numbers are the paper's on its own 8-10-character sets; ours are generated",
            "by `name_shift_sets` (same lengths and name lengths), so the comparison is indicative only.", ""]
    return out


def plot(args):
    """Training loss against examples seen, one line per run, stage changes marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), sharey=True)
    for path in args.logs:
        rows = [json.loads(line) for line in open(path)]
        name = os.path.basename(path).replace("axiomatic_train_", "").replace(".log", "")
        ax = axes[0] if name.startswith("t_") else axes[1]
        train = [r for r in rows if r["event"] == "train"]
        xs = [r["examples"] / 1e6 for r in train]
        (line,) = ax.plot(xs, [r["loss"] for r in train], lw=1, label=name)
        for r in rows:
            if r["event"] == "stage":
                ax.axvline(r["step"] * train[0]["examples"] / train[0]["step"] / 1e6, color=line.get_color(),
                           lw=0.5, ls=":")
    for ax, title in zip(axes, ["transitivity", "d-separation"]):
        ax.axhline(math.log(2), color="grey", lw=0.8, ls="--")
        ax.set_title(title)
        ax.set_xlabel("training examples (millions)")
        ax.legend(fontsize=8)
    axes[0].set_ylabel("training loss (ln 2 = chance)")
    fig.tight_layout()
    fig.savefig(args.png, dpi=110)
    print(f"wrote {args.png}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("score")
    s.add_argument("--models", nargs="+", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--data", default=DEFAULT_DATA)
    s.add_argument("--device", default="cpu")
    s.add_argument("--limit", type=int, default=0, help="score only the first N instances of each set (0: all)")
    r = sub.add_parser("report")
    r.add_argument("scores", nargs="+")
    r.add_argument("--data", default=DEFAULT_DATA)
    r.add_argument("--md", default=os.path.join(ROOT, "benchmarks", "results", "axiomatic.md"))
    p = sub.add_parser("plot")
    p.add_argument("logs", nargs="+")
    p.add_argument("--png", default=os.path.join(ROOT, "benchmarks", "results", "axiomatic_loss.png"))
    args = ap.parse_args(argv)
    {"score": score, "report": report, "plot": plot}[args.cmd](args)


if __name__ == "__main__":
    main()
