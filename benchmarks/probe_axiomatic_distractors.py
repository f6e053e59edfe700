"""How an axiomatic-training model copes with long premises made of short chains (distractor chains).

For each model and each number k of distractor chains, instances are drawn from causalkit's own generator
(``axiomatic_data.generate(task, n, lengths=..., distractors=(k, k), shuffle_fraction=0)``, fixed seed) and
the model's accuracy and share of "Yes" answers are reported. This is how session 3 found that the
session-2 d-separation model had learned only short inputs: perfect on 3-6-node chains, much worse when
other 3-6-node chains were listed beside the asked one.

Usage::

    python benchmarks/probe_axiomatic_distractors.py --models .axiom_ckpt/d_none_ft.safetensors dseparation \
        --md benchmarks/results/axiomatic_distractor_probe.md

A model is a ``.safetensors`` path written by ``train_axiomatic.py`` or a shipped name ("transitivity",
"dseparation").
"""

import argparse
import os
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


def load(name):
    from causalkit.learned import AxiomaticReasoner

    if name.endswith(".safetensors"):
        label = os.path.basename(name)[: -len(".safetensors")]
        return label, AxiomaticReasoner.from_files(name)
    return f"shipped {name}", AxiomaticReasoner.pretrained(name)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", nargs="+", required=True)
    ap.add_argument("--n", type=int, default=600, help="instances per cell")
    ap.add_argument("--distractors", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--lengths", nargs="+", default=["3-6", "7-9"], help="asked chain lengths, LO-HI")
    ap.add_argument("--seed", type=int, default=77)
    ap.add_argument("--md", help="write a Markdown table here")
    args = ap.parse_args(argv)

    from causalkit.learned.axiomatic_data import generate

    lines = ["| model | task | asked chain | distractor chains | accuracy | share 'Yes' (truth 0.50) |",
             "|---|---|---|---|---|---|"]
    t0 = time.time()
    for name in args.models:
        label, model = load(name)
        for span in args.lengths:
            lo, hi = (int(v) for v in span.split("-"))
            for k in args.distractors:
                texts, labels = generate(model.task, args.n, seed=args.seed, lengths=(lo, hi),
                                         distractors=(k, k), shuffle_fraction=0.0)
                pred = model.predict(texts)
                acc = float(np.mean([p == y for p, y in zip(pred, labels)]))
                yes = float(np.mean([p == "Yes" for p in pred]))
                row = f"| `{label}` | {model.task} | {lo}-{hi} nodes | {k} | {acc:.3f} | {yes:.2f} |"
                lines.append(row)
                print(row, flush=True)
    if args.md:
        cmd = "python " + " ".join([os.path.relpath(__file__, os.getcwd())] + (argv or sys.argv[1:]))
        head = [
            "# Axiomatic models on premises with distractor chains",
            "",
            f"Command: `{cmd}` ({time.time() - t0:.0f} s on a 2-core CPU shared with other jobs).",
            "",
            f"{args.n} instances per row from `causalkit.learned.axiomatic_data.generate` (seed {args.seed}, "
            "premises in chain order, each distractor chain in its own block, lengths drawn from the same "
            "range as the asked chain). `d_none_ft`: the d-separation model shipped in session 2; the "
            "shipped models are session 3's, trained with 0-2 distractor chains.",
            "",
        ]
        with open(args.md, "w") as fh:
            fh.write("\n".join(head + lines) + "\n")


if __name__ == "__main__":
    main()
