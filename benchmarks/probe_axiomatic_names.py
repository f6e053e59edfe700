"""Axiomatic models: validation on our own generator, and the prefix/suffix-name diagnosis of the paper's sets.

Two reports for one or more weight files (``.safetensors`` written by ``train_axiomatic.py``):

``validate``
    Accuracy on the held-out sets of ``train_axiomatic.eval_sets`` (our generator, the seeds of the training
    runs: ``val_in`` 3-6 nodes, ``val_flip_7_12``, ``val_flip_13_15`` with the paper's independent names,
    ``val_conf_7_15`` with confusable names, and for transitivity ``val_seq_7_12``). This is what selects the
    shipped model; the paper's evaluation files are never used to choose.

``names``
    For every file of ``../shared/data/axiomatic_eval/TASK/``: the share of instances in which one node name
    is a prefix or suffix of another ("8" and "A8", "M" and "Mq"), the accuracy, and the accuracy after those
    names are replaced by fresh three-letter names that are no substring of any other name (labels
    unchanged: a renaming keeps the graph). A diagnosis only: the renamed texts are never scored as results.

Usage::

    python benchmarks/probe_axiomatic_names.py validate --task dseparation --models A.safetensors B.safetensors \
        --md benchmarks/results/axiomatic_validation.md
    python benchmarks/probe_axiomatic_names.py names --task dseparation --models A.safetensors \
        --md benchmarks/results/axiomatic_name_probe.md
"""

import argparse
import glob
import json
import os
import re
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))

EVAL_DIR = os.path.join(ROOT, "..", "shared", "data", "axiomatic_eval")
_EDGE = re.compile(r"(\w+) causes (\w+)")
_FRESH = list("BCDFGHJKLNPRSTVWXZ")


def affix_names(text):
    """Node names of the premise that are a prefix or suffix of another node name."""
    names = {w for pair in _EDGE.findall(text) for w in pair}
    return {a for a in names if any(a != b and (b.startswith(a) or b.endswith(a)) for b in names)}


def rename_affix_names(text, rng):
    """``text`` with every prefix/suffix name replaced by a fresh name that no other name contains or is in."""
    bad = affix_names(text)
    if not bad:
        return text
    used = {w for pair in _EDGE.findall(text) for w in pair}
    mapping = {}
    for name in sorted(bad):
        while True:
            new = "".join(rng.choice(_FRESH, 3))
            if not any(new in u or u in new for u in used):
                break
        mapping[name] = new
        used.add(new)
    # whole words only (not inside "d-separated" or another name)
    return re.sub(r"(?<![\w-])(\w+)(?![\w-])", lambda m: mapping.get(m.group(1), m.group(1)), text)


def _load(path):
    from causalkit.learned import AxiomaticReasoner

    return AxiomaticReasoner.from_files(path)


def validate(args):
    import train_axiomatic as ta

    cfg = {"eval_size": args.size, "stages": [[3, 6]]}
    sets = ta.eval_texts(args.task, cfg, args.seed)
    rows = {}
    for path in args.models:
        model = _load(path)
        name = os.path.basename(path).replace(".safetensors", "")
        rows[name] = {}
        for set_name, (texts, labels) in sets.items():
            pred = np.array(model.predict(texts, validate=False))
            rows[name][set_name] = float(np.mean(pred == np.array(labels)))
        print(name, json.dumps({k: round(v, 4) for k, v in rows[name].items()}), flush=True)
    return rows, list(sets)


def names(args):
    files = sorted(glob.glob(os.path.join(args.data, args.task, "*.jsonl")), key=_file_order)
    out = {}
    for path in args.models:
        model = _load(path)
        name = os.path.basename(path).replace(".safetensors", "")
        out[name] = []
        rng = np.random.default_rng(0)  # every model sees the same renamed texts
        for f in files:
            recs = [json.loads(line) for line in open(f)]
            texts = [r["text"] for r in recs]
            labels = np.array([r["label"] for r in recs])
            hit = np.array([bool(affix_names(t)) for t in texts])
            renamed = [rename_affix_names(t, rng) for t in texts]
            acc = np.array(model.predict(texts, validate=False)) == labels
            acc_r = np.array(model.predict(renamed, validate=False)) == labels
            row = (os.path.basename(f)[:-6], float(hit.mean()), float(acc.mean()), float(acc_r.mean()))
            out[name].append(row)
            print(name, *[round(v, 3) if isinstance(v, float) else v for v in row], flush=True)
    return out


def _file_order(path):
    stem = os.path.basename(path)[:-6]
    num = re.findall(r"\d+$", stem)
    return (re.sub(r"\d+$", "", stem), int(num[0]) if num else 0)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("what", choices=["validate", "names"])
    ap.add_argument("--task", required=True, choices=["transitivity", "dseparation"])
    ap.add_argument("--models", nargs="+", required=True)
    ap.add_argument("--size", type=int, default=2000, help="instances per validation set (training runs: 2000)")
    ap.add_argument("--seed", type=int, default=0, help="training seed whose validation sets to rebuild")
    ap.add_argument("--data", default=EVAL_DIR)
    ap.add_argument("--md", help="append a Markdown section here")
    args = ap.parse_args(argv)
    t0 = time.time()
    cmd = "python benchmarks/probe_axiomatic_names.py " + " ".join(argv if argv is not None else sys.argv[1:])
    lines = [f"## {args.what}: {args.task}", "", f"Command: `{cmd}` ({{secs:.0f}} s on the 2-core CPU).", ""]
    if args.what == "validate":
        rows, set_names = validate(args)
        lines += ["| model | " + " | ".join(set_names) + " |", "|---|" + "---|" * len(set_names)]
        lines += [f"| `{m}` | " + " | ".join(f"{r[s]:.3f}" for s in set_names) + " |" for m, r in rows.items()]
    else:
        out = names(args)
        for m, rows in out.items():
            lines += [f"Model `{m}`:", "", "| set | share with prefix/suffix names | accuracy | after renaming them |",
                      "|---|---|---|---|"]
            lines += [f"| {s} | {h:.2f} | {a:.3f} | {r:.3f} |" for s, h, a, r in rows] + [""]
    text = "\n".join(lines).replace("{secs:.0f}", f"{time.time() - t0:.0f}") + "\n\n"
    print(text)
    if args.md:
        with open(args.md, "a") as fh:
            fh.write(text)


if __name__ == "__main__":
    main()
