"""Time one training step of the amortized structure learner: data generation vs model.

Session 3 measured on one idle H200 (``--device cuda``, 60 steps of the ``gpu`` preset, bf16 autocast;
that first version left out the acyclicity penalty and gradient clipping that this step now includes):
data 0.023 s and model (forward, backward, AdamW) 0.372 s per step, about 50x slower than the model's
FLOP count allows, so the next GPU run should first find where the model step spends its time
(``--profile`` prints torch.profiler's table).

Usage::

    python benchmarks/profile_structure_step.py --device cuda [--steps 60] [--profile] [--attention sdpa matmul]

(the profile table is of the last ``--attention`` named).
"""

import argparse
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--preset", default="gpu")
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--profile", action="store_true", help="print torch.profiler's table for 5 steps")
    ap.add_argument("--attention", nargs="+", default=["sdpa"], choices=["sdpa", "matmul"],
                    help="variable-axis attention(s) to time, one after the other (same batches)")
    args = ap.parse_args(argv)

    import torch
    import torch.nn.functional as F

    import train_structure as ts
    from causalkit.learned.structure import acyclicity_penalty, make_structure_net

    cfg = dict(ts.PRESETS[args.preset], **ts.COMMON)
    dev = args.device
    model = make_structure_net(**cfg["model"]).to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    sync = torch.cuda.synchronize if dev.startswith("cuda") else (lambda: None)

    def step(k):
        x, a = ts.batch(cfg, k, dev)[:2]
        sync()
        t1 = time.time()
        # the training step of train_structure.py: BCE + acyclicity penalty, clipping, AdamW
        with torch.autocast(dev.split(":")[0], dtype=torch.bfloat16, enabled=dev.startswith("cuda")):
            out = model(x)
        off = ~torch.eye(out.shape[-1], dtype=torch.bool, device=dev)
        bce = F.binary_cross_entropy_with_logits(out[:, off], a.float()[:, off])
        probs = torch.sigmoid(out).masked_fill(~off, 0.0)
        loss = bce + cfg["acyclic_weight"] * acyclicity_penalty(probs).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg["clip"])
        opt.step()
        sync()
        return tuple(x.shape), t1

    for impl in args.attention:
        model.var_attention = impl
        td = tm = 0.0
        for k in range(args.steps):
            sync()
            t0 = time.time()
            shape, t1 = step(k)
            t2 = time.time()
            if k >= 5:  # skip warm-up
                td += t1 - t0
                tm += t2 - t1
            if k % 10 == 0:
                print(impl, k, shape, f"data {t1 - t0:.3f} s, model {t2 - t1:.3f} s", flush=True)
        n = max(1, args.steps - 5)
        print(f"var_attention={impl}: per step: data {td / n:.3f} s, model {tm / n:.3f} s", flush=True)
    if args.profile:
        from torch.profiler import ProfilerActivity, profile

        acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if dev.startswith("cuda") else [])
        with profile(activities=acts) as prof:
            for k in range(5):
                step(10_000 + k)
        key = "cuda_time_total" if dev.startswith("cuda") else "cpu_time_total"
        print(prof.key_averages().table(sort_by=key, row_limit=25))


if __name__ == "__main__":
    main()
