"""Throughput of the two torch priors: datasets of 512 rows x 20 columns per second.

Measures :func:`causalkit.generators.tabpfn_prior.sample_tabpfn_batch` (the
TabPFN-style prior, classification, TabPFN's groups of 8 datasets per
hyper-parameter draw) and
:func:`causalkit.generators.structure_prior.sample_structure_batch` (20 nodes,
ER graphs of expected degree 2, one mechanism at a time) with the batched
tensor functions that training loops call. Each entry generates batches for
``--seconds`` seconds after one warm-up batch and reports datasets per second;
on CUDA the device is synchronised before the clock is read.

Usage::

    python benchmarks/bench_prior_throughput.py --device cpu --threads 1
    python benchmarks/bench_prior_throughput.py --device cuda --batch-size 1024

The issue's target is 1,000 datasets per second for each prior on one H200.
Prints one line of results.
"""

from __future__ import annotations

import argparse
import time


def _measure(fn, device, seconds):
    import torch

    fn(0)  # warm-up (allocations, kernels)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    done, step, start = 0, 1, time.perf_counter()
    while True:
        done += fn(step)
        step += 1
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cpu", help="torch device, e.g. cpu or cuda (default cpu)")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="datasets per call (default 64 on cpu, 1024 on cuda)")
    parser.add_argument("--n-samples", type=int, default=512, help="rows per dataset (default 512)")
    parser.add_argument("--n-features", type=int, default=20,
                        help="columns per dataset: features for TabPFN, nodes for the structure prior")
    parser.add_argument("--seconds", type=float, default=5.0, help="time per entry (default 5)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    parser.add_argument("--priors", default="tabpfn,linear,rff,mlp",
                        help="comma-separated entries among tabpfn, linear, rff, mlp")
    args = parser.parse_args(argv)

    import torch

    from causalkit.generators.structure_prior import sample_structure_batch
    from causalkit.generators.tabpfn_prior import sample_tabpfn_batch

    if args.threads:
        torch.set_num_threads(args.threads)
    batch = args.batch_size or (1024 if args.device.startswith("cuda") else 64)
    n, f = args.n_samples, args.n_features
    results = {}
    for entry in args.priors.split(","):
        if entry == "tabpfn":
            def fn(step):
                x, _, _ = sample_tabpfn_batch(batch, n, f, seed=(0, step), device=args.device)
                return x.shape[0]
        elif entry in ("linear", "rff", "mlp"):
            def fn(step, mech=entry):
                x, _, _ = sample_structure_batch(batch, n, f, mechanism=mech, seed=(1, step),
                                                 device=args.device)
                return x.shape[0]
        else:
            parser.error(f"unknown entry {entry!r} in --priors; valid: tabpfn, linear, rff, mlp")
        results[entry] = _measure(fn, args.device, args.seconds)
    name = torch.cuda.get_device_name() if args.device.startswith("cuda") else "cpu"
    cells = " ".join(f"{k}={v:.0f}/s" for k, v in results.items())
    print(f"prior_throughput device={args.device} ({name}) threads={torch.get_num_threads()} "
          f"batch={batch} rows={n} cols={f} {cells}")


if __name__ == "__main__":
    main()
