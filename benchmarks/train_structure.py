"""Train the amortized structure learner (causalkit.learned.structure) on the structure prior.

Every step draws a fresh batch from :func:`causalkit.generators.sample_structure_batch` with
``seed=(config seed, step)``, so a run is reproducible and a resumed run continues the same data stream:

* ``d`` uniform on ``[d_min, d_max]`` (2..30), ``n`` uniform on ``[n_min, n_max]``, the batch size set so
  that ``B * n * d`` is about ``tokens`` (one batch, one ``d`` and ``n``);
* graphs ``kind`` in ER / scale-free (hubs are causes) / scale-free (hubs are effects), expected degree
  uniform on ``[1, 3]`` (capped at ``d - 1``);
* mechanisms linear / RFF (GP draw) / random MLP; noise Gaussian / Laplace / uniform / exponential;
  standardised columns.

Loss: BCE of the edge logits against the true DAG over ordered off-diagonal pairs + ``lambda(t) * rho(P)``
(spectral acyclicity bound, ``lambda`` ramps linearly from 0 to ``acyclic_weight``). AdamW, linear warm-up
then cosine decay, gradient clipping. A held-out evaluation set (seed ``eval_seed``, never used for training)
is scored every ``eval_every`` steps (mean AUPRC over datasets).

Checkpoint / resume: ``--out DIR`` holds ``checkpoint.pt`` (model, optimiser, step, config, elapsed
time) written every ``ckpt_every`` steps and when ``--max-minutes`` runs out; running the same command again
resumes from it (exactly: same weights as an uninterrupted run, tested in tests/learned/test_structure.py);
``--stop-after N`` stops after N steps of this call. ``--export STEM`` writes ``STEM.safetensors`` (fp16) and
``STEM.json`` (configuration, provenance, and the inference defaults: ``max_rows`` from the preset and an
edge ``threshold`` chosen as the F1-optimal value on 30 validation prior draws, :func:`calibrate_threshold`)
from the latest checkpoint.

Usage::

    # CPU (small model, about 20 minutes; what ships until the GPU run)
    python benchmarks/train_structure.py --preset cpu --out /tmp/structure_cpu --max-minutes 20 \
        --log benchmarks/results/structure_train_cpu.log
    python benchmarks/train_structure.py --preset cpu --out /tmp/structure_cpu \
        --export causalkit/learned/weights/structure_cpu_small

    # one H200: repeat the same command (each call < 8 minutes) until total_steps is reached
    python benchmarks/train_structure.py --preset gpu --device cuda --amp --out runs/structure_gpu \
        --max-minutes 7.5 --log benchmarks/results/structure_train_gpu.log
    python benchmarks/train_structure.py --preset gpu --out runs/structure_gpu \
        --export causalkit/learned/weights/structure_gpu

Fused attention kernels on CUDA: the variable-axis attention runs ``B * n`` sequences of length ``d`` (up to
~200 000 sequences per batch). On an H200 (torch 2.x), cuDNN's fused SDPA failed in the backward pass
(``mha_graph.execute ... is_good()``) and then a CUDA kernel error followed in the forward pass; the shipped
``structure_gpu`` run (850 steps, 5.1 min) disabled the cuDNN / flash / memory-efficient kernels (math kernel
only). ``StructureNet`` now splits every attention call over the batch axis into pieces of at most
``ATTENTION_CHUNK = 65535`` sequences (the CUDA grid-dimension limit; the result is the same, tested on CPU),
and ``--math-attention`` forces the math kernel if a fused kernel still fails. Checked on an H200 (torch
2.11 + CUDA 13, 2026-11-29): with the default kernels, a bf16 forward and backward pass of the gpu-preset model
at ``B * n = 200 000`` (d = 2) fails without the split (the cuDNN error above) and runs with it, and 60 training
steps of ``--preset gpu --device cuda --amp`` ran; ``--math-attention`` was not run there.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PRESETS = {
    # CPU: what the 2-core development machine can train in ~20 minutes
    "cpu": {
        "model": {"dim": 32, "n_layers": 2, "n_heads": 4, "ff_mult": 2},
        "d_min": 2, "d_max": 30, "n_min": 64, "n_max": 256, "tokens": 10000,
        "lr": 2e-3, "warmup": 100, "total_steps": 2800, "weight_decay": 1e-4, "clip": 1.0,
        "acyclic_weight": 0.1, "eval_every": 100, "ckpt_every": 50, "log_every": 10,
        "infer_max_rows": 1000,
    },
    # one H200, bf16 autocast. One idle H200 (benchmarks/profile_structure_step.py, session 4): 0.36 s per step
    # in the model with cuDNN's fused attention (a new execution plan for every batch shape), 0.115 s with
    # --attention matmul; 0.02 s for the data. Beside two axiomatic runs: 2.3 steps/s (matmul).
    # --budget-minutes fits total_steps to the measured rate.
    # 1.7M parameters (3.4 MB in fp16); CPU inference at n=1000, d=20 measured 1.6 s on one idle core with
    # random weights, 0.6 s at 500 rows, hence infer_max_rows=500.
    "gpu": {
        "model": {"dim": 128, "n_layers": 4, "n_heads": 8, "ff_mult": 4},
        "d_min": 2, "d_max": 30, "n_min": 200, "n_max": 1000, "tokens": 400000,
        "lr": 3e-4, "warmup": 500, "total_steps": 10000, "weight_decay": 1e-4, "clip": 1.0,
        "acyclic_weight": 0.1, "eval_every": 500, "ckpt_every": 250, "log_every": 50,
        "infer_max_rows": 500,
    },
}
COMMON = {
    "kind": ["er", "sf", "sf_in"],
    "mechanism": ["linear", "rff", "mlp"],
    "noise": ["gaussian", "laplace", "uniform", "exponential"],
    "degree": [1.0, 3.0],
    "seed": 0,
    "eval_seed": 987654321,
    "eval_sets": [[10, 300, 8], [20, 300, 8], [30, 300, 4], [5, 300, 8]],  # (d, n, count)
}


def degree_range(cfg, d):
    lo, hi = cfg["degree"]
    cap = max(d - 1, 0)
    return (min(lo, cap / 2), min(hi, cap))


def draw_shape(cfg, step):
    rng = np.random.default_rng([cfg["seed"], step, 7])
    d = int(rng.integers(cfg["d_min"], cfg["d_max"] + 1))
    n = int(rng.integers(cfg["n_min"], cfg["n_max"] + 1))
    b = max(1, int(cfg["tokens"] // (n * d)))
    return b, n, d


def batch(cfg, step, device):
    """The training batch of ``step``: seeded by ``(seed, data_offset + step)``.

    ``data_offset`` (set by ``--init-from``: the steps of the runs the weights went through) moves a
    continued run to datasets its starting weights never saw. Sessions 3-4's continuations predate it and
    restarted the stream at 0 (recorded in the shipped JSON).
    """
    from causalkit.generators.structure_prior import sample_structure_batch

    pos = cfg.get("data_offset", 0) + step
    b, n, d = draw_shape(cfg, pos)
    x, a, _ = sample_structure_batch(b, n, d, kind=cfg["kind"], mechanism=cfg["mechanism"], noise=cfg["noise"],
                                     expected_degree=degree_range(cfg, d), standardize=True,
                                     seed=(cfg["seed"], pos), device=device)
    return x, a


def eval_sets(cfg, device):
    from causalkit.generators.structure_prior import sample_structure_batch

    out = []
    for k, (d, n, count) in enumerate(cfg["eval_sets"]):
        x, a, _ = sample_structure_batch(count, n, d, kind=cfg["kind"], mechanism=cfg["mechanism"],
                                         noise=cfg["noise"], expected_degree=degree_range(cfg, d),
                                         seed=(cfg["eval_seed"], k), device=device)
        out.append((d, x, a))
    return out


def evaluate(model, sets, amp_dtype):
    import torch
    from sklearn.metrics import average_precision_score

    model.eval()
    res = {}
    with torch.no_grad(), torch.autocast(device_type=sets[0][1].device.type, dtype=amp_dtype,
                                         enabled=amp_dtype is not None):
        for d, x, a in sets:
            p = torch.sigmoid(model(x)).float().cpu().numpy()
            a = a.cpu().numpy()
            off = ~np.eye(d, dtype=bool)
            aps = [average_precision_score(a[i][off], p[i][off]) for i in range(len(p)) if a[i][off].any()]
            res[f"auprc_d{d}"] = float(np.mean(aps))
    model.train()
    return res


def lr_at(cfg, step):
    if step < cfg["warmup"]:
        return cfg["lr"] * (step + 1) / cfg["warmup"]
    t = min(1.0, (step - cfg["warmup"]) / max(1, cfg["total_steps"] - cfg["warmup"]))
    return cfg["lr"] * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * t)))


def choose_var_attention(model, cfg, device, amp_dtype, reps=3):
    """Time a forward and backward pass with each variable-axis attention and keep the faster.

    Three shapes of the preset (few, middling and many variables, ``tokens`` values each); returns the
    chosen name and the seconds per shape set of each. The model's gradients are cleared afterwards; the
    random inputs draw from torch's global generator (training data are seeded separately).
    """
    import torch

    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    shapes = [(3, cfg["n_max"]), ((cfg["d_min"] + cfg["d_max"]) // 2, (cfg["n_min"] + cfg["n_max"]) // 2),
              (cfg["d_max"], cfg["n_min"])]
    xs = [torch.randn(max(1, int(cfg["tokens"] // (n * d))), n, d, device=device) for d, n in shapes]
    times = {}
    for impl in ("sdpa", "matmul"):
        model.var_attention = impl
        total = 0.0
        for x in xs:
            for r in range(reps + 1):
                sync()
                t0 = time.time()
                with torch.autocast(device_type=device.type, dtype=amp_dtype, enabled=amp_dtype is not None):
                    out = model(x)
                out[torch.isfinite(out)].float().square().mean().backward()
                sync()
                if r:  # the first pass warms up
                    total += time.time() - t0
        times[impl] = total / reps
    model.zero_grad(set_to_none=True)
    model.var_attention = min(times, key=times.get)
    return model.var_attention, times


def calibrate_threshold(model, cfg, n_rows, seed=555):
    """F1-optimal edge threshold on validation draws of the prior (seed never used for training or tests).

    30 datasets (6 each at d = 5, 10, 15, 20, 30) with ``n_rows`` rows; for each threshold on a grid the
    greedy acyclic DAG (:func:`probabilities_to_dag`) is scored by directed-edge F1; the grid point with the
    best mean F1 is returned with the table.
    """
    import torch

    from causalkit.generators.structure_prior import sample_structure_batch
    from causalkit.learned.structure import probabilities_to_dag

    grid = (0.05, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)
    f1 = {t: [] for t in grid}
    model.eval()
    for k, d in enumerate((5, 10, 15, 20, 30)):
        x, a, _ = sample_structure_batch(6, n_rows, d, kind=cfg["kind"], mechanism=cfg["mechanism"],
                                         noise=cfg["noise"], expected_degree=degree_range(cfg, d), seed=(seed, k))
        with torch.no_grad():
            p = torch.sigmoid(model(x)).numpy()
        a = a.numpy()
        for i in range(len(p)):
            np.fill_diagonal(p[i], 0.0)
            for t in grid:
                g = probabilities_to_dag(p[i], t)
                tp = (g & a[i]).sum()
                f1[t].append(2 * tp / (g.sum() + a[i].sum()) if a[i].sum() else float(g.sum() == 0))
    table = {t: round(float(np.mean(v)), 4) for t, v in f1.items()}
    return max(table, key=table.get), table


def export(ckpt_path, stem, name):
    import torch
    from safetensors.torch import save_file

    from causalkit.learned.structure import make_structure_net

    ck = torch.load(ckpt_path, map_location="cpu", weights_only=False)
    state = {k: v.detach().to(torch.float16).contiguous() for k, v in ck["model"].items()}
    save_file(state, stem + ".safetensors", metadata={"config": json.dumps(ck["config"]["model"])})
    cfg = ck["config"]
    infer_rows = cfg.get("infer_max_rows", PRESETS[cfg.get("preset", "cpu")]["infer_max_rows"])
    model = make_structure_net(**cfg["model"])
    model.load_state_dict({k: v.float() for k, v in state.items()})  # calibrate the fp16 weights as shipped
    threshold, f1_table = calibrate_threshold(model, cfg, infer_rows)
    print(f"calibrated threshold {threshold} (validation F1 by threshold: {f1_table})")
    meta = {
        "name": name,
        "model": cfg["model"],
        "dtype": "float16",
        "inference": {"max_rows": infer_rows, "threshold": threshold,
                      "threshold_selection": "F1-optimal on 30 validation prior draws (seed 555), "
                                             "benchmarks/train_structure.py:calibrate_threshold",
                      "validation_f1_by_threshold": {str(k): v for k, v in f1_table.items()}},
        "training": {k: v for k, v in cfg.items() if k != "model"},
        "provenance": {
            "trained_by": "benchmarks/train_structure.py --preset " + cfg.get("preset", "?"),
            "device": ck.get("device", "?"),
            "steps": ck["step"],
            "datasets_seen": ck.get("datasets_seen"),
            "wall_minutes": round(ck["elapsed"] / 60, 1),
            "last_eval": ck.get("last_eval"),
            "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
            "note": ck["config"].get("note", ""),
        },
    }
    with open(stem + ".json", "w") as fh:
        json.dump(meta, fh, indent=1)
    size = os.path.getsize(stem + ".safetensors") / 2**20
    print(f"wrote {stem}.safetensors ({size:.2f} MB) and {stem}.json (step {ck['step']})")


def load_init(path):
    """Weights and lineage of ``--init-from``: an exported ``.safetensors`` (with its JSON) or a ``checkpoint.pt``.

    The lineage lists the runs the weights went through, oldest first (steps, datasets, minutes, device).
    """
    import torch

    if path.endswith(".safetensors"):
        from safetensors.torch import load_file

        meta_path = path[: -len(".safetensors")] + ".json"
        meta = json.load(open(meta_path)) if os.path.exists(meta_path) else {}
        prov = meta.get("provenance", {})
        return load_file(path), meta.get("training", {}).get("lineage", []) + [
            {k: prov.get(k) for k in ("steps", "datasets_seen", "wall_minutes", "device")}]
    ck = torch.load(path, map_location="cpu", weights_only=False)
    return ck["model"], ck["config"].get("lineage", []) + [
        {"steps": ck["step"], "datasets_seen": ck.get("datasets_seen"), "wall_minutes": round(ck["elapsed"] / 60, 1),
         "device": ck.get("device")}]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", choices=sorted(PRESETS), default="cpu")
    ap.add_argument("--out", required=True, help="checkpoint directory (resumed when it holds checkpoint.pt)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--amp", action="store_true", help="bf16 autocast (CUDA)")
    ap.add_argument("--max-minutes", type=float, default=7.5, help="stop (with a checkpoint) after this long")
    ap.add_argument("--steps", type=int, default=None, help="override total_steps (fresh runs only)")
    ap.add_argument("--budget-minutes", type=float, default=None,
                    help="fresh runs: fit total_steps to this wall time from the step rate measured early in "
                         "the run (fixed once, logged as '# schedule'); implies --max-minutes of the same value")
    ap.add_argument("--stop-after", type=int, default=None, help="stop (with a checkpoint) after this many steps")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    ap.add_argument("--log", default=None, help="append the loss log here too")
    ap.add_argument("--export", default=None, help="write STEM.safetensors/.json from the checkpoint and exit")
    ap.add_argument("--name", default=None, help="model name recorded in the JSON on --export")
    ap.add_argument("--attention", choices=["sdpa", "matmul", "auto"], default="sdpa",
                    help="variable-axis attention (StructureNet.var_attention); auto: time both at the start "
                         "(logged) and keep the faster")
    ap.add_argument("--init-from", default=None,
                    help="fresh runs: start from these weights (an exported .safetensors or a checkpoint.pt) "
                         "with a new schedule and optimizer")
    ap.add_argument("--budget-probe", type=float, nargs=2, default=(20.0, 60.0), metavar=("FROM", "TO"),
                    help="seconds after the start between which --budget-minutes measures the step rate; start "
                         "it after other jobs sharing the GPU are running")
    ap.add_argument("--set", nargs="*", default=[], help="fresh runs: config overrides KEY=JSON, e.g. warmup=200")
    ap.add_argument("--math-attention", action="store_true",
                    help="CUDA: torch's math SDPA kernel only (fused kernels off; see the module docstring)")
    args = ap.parse_args(argv)

    import torch
    from torch.nn import functional as F

    from causalkit.learned.structure import acyclicity_penalty, make_structure_net

    os.makedirs(args.out, exist_ok=True)
    ckpt_path = os.path.join(args.out, "checkpoint.pt")
    if args.export:
        export(ckpt_path, args.export, args.name or os.path.basename(args.export))
        return
    if args.threads:
        torch.set_num_threads(args.threads)

    cfg = {**COMMON, **PRESETS[args.preset], "preset": args.preset}
    if args.steps:
        cfg["total_steps"] = args.steps
    if args.seed is not None:
        cfg["seed"] = args.seed
    for kv in args.set:
        k, eq, v = kv.partition("=")
        if not eq:
            raise SystemExit(f"--set: expected KEY=JSON, got {kv!r}")
        if k not in cfg:
            raise SystemExit(f"--set: unknown config key {k!r}; keys: {sorted(cfg)}")
        try:
            cfg[k] = json.loads(v)
        except json.JSONDecodeError:
            raise SystemExit(f"--set {k}: the value {v!r} is not JSON (strings need quotes: {k}='\"text\"')")
    device = torch.device(args.device)
    amp_dtype = torch.bfloat16 if args.amp else None

    torch.manual_seed(cfg["seed"])
    model = make_structure_net(**cfg["model"]).to(device)
    model.math_attention = bool(args.math_attention)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], weight_decay=cfg["weight_decay"])
    step, elapsed, seen, last_eval = 0, 0.0, 0, None
    if os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path, map_location=device, weights_only=False)
        cfg = ck["config"]
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        step, elapsed, seen, last_eval = ck["step"], ck["elapsed"], ck.get("datasets_seen", 0), ck.get("last_eval")
        resumed = True
    else:
        resumed = False
        if args.init_from:
            state, earlier = load_init(args.init_from)
            try:
                model.load_state_dict({k: v.float() for k, v in state.items()})
            except RuntimeError as err:
                raise SystemExit(f"--init-from {args.init_from}: weights do not fit the {args.preset!r} preset's "
                                 f"model ({str(err).splitlines()[0]})")
            cfg["init_from"] = os.path.basename(args.init_from)
            cfg["lineage"] = earlier  # the runs these weights went through before this one, oldest first
            cfg["data_offset"] = sum(r.get("steps") or 0 for r in earlier)  # fresh datasets, not a replay
    logf = open(args.log, "a") if args.log else None
    budget = None
    if args.budget_minutes:
        args.max_minutes = args.budget_minutes
        if not cfg.get("total_steps_from_budget"):
            from _budget import StepBudget

            budget = StepBudget(args.budget_minutes, reserve_s=60.0, probe_s=tuple(args.budget_probe))

    def log(msg):
        print(msg, flush=True)
        if logf:
            logf.write(msg + "\n")
            logf.flush()

    n_par = sum(p.numel() for p in model.parameters())
    log(f"# {'resume' if resumed else 'start'} preset={args.preset} device={device} amp={args.amp} step={step} "
        f"params={n_par} threads={torch.get_num_threads()} config={json.dumps(cfg)}")

    def save(elapsed_total):
        tmp = ckpt_path + ".tmp"
        torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "step": step, "config": cfg,
                    "elapsed": elapsed_total, "datasets_seen": seen, "last_eval": last_eval,
                    "device": f"{device}" + (f" ({torch.cuda.get_device_name(device)})" if device.type == "cuda"
                                             else " (CPU, 2 shared cores)")}, tmp)
        os.replace(tmp, ckpt_path)

    if args.attention == "auto" and resumed and cfg.get("var_attention"):
        model.var_attention = cfg["var_attention"]  # a resumed run keeps the implementation it chose
    elif args.attention == "auto":
        impl, times = choose_var_attention(model, cfg, device, amp_dtype)
        log(f"# attention var_attention={impl} (seconds per forward+backward of 3 shapes: "
            + ", ".join(f"{k} {v:.3f}" for k, v in times.items()) + ")")
    else:
        model.var_attention = args.attention
    cfg["var_attention"] = model.var_attention
    sets = eval_sets(cfg, device)
    t_start = time.time()
    model.train()
    run_loss = []
    first_step = step
    while step < cfg["total_steps"]:
        if time.time() - t_start > args.max_minutes * 60:
            break
        if args.stop_after is not None and step - first_step >= args.stop_after:
            break
        x, a = batch(cfg, step, device)
        for g in opt.param_groups:
            g["lr"] = lr_at(cfg, step)
        with torch.autocast(device_type=device.type, dtype=amp_dtype, enabled=amp_dtype is not None):
            logits = model(x)
        d = x.shape[2]
        off = ~torch.eye(d, dtype=torch.bool, device=device)
        target = a.float()
        bce = F.binary_cross_entropy_with_logits(logits[:, off], target[:, off])
        probs = torch.sigmoid(logits).masked_fill(~off, 0.0)
        acyc = acyclicity_penalty(probs).mean()
        lam = cfg["acyclic_weight"] * min(1.0, step / max(1, cfg["total_steps"]))
        loss = bce + lam * acyc
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_(model.parameters(), cfg["clip"])
        opt.step()
        step += 1
        seen += x.shape[0]
        if budget is not None and budget.update(step):
            cfg["total_steps"] = budget.total_steps
            cfg["total_steps_from_budget"] = True
            log(f"# schedule step={step} total_steps={cfg['total_steps']} (fitted to --budget-minutes "
                f"{args.budget_minutes} from the measured step rate)")
        run_loss.append((bce.item(), acyc.item()))
        elapsed_now = elapsed + (time.time() - t_start)
        if step % cfg["log_every"] == 0:
            b, c = np.mean(run_loss, axis=0)
            run_loss = []
            log(f"step {step} bce {b:.4f} acyc {c:.4f} lambda {lam:.4f} lr {lr_at(cfg, step - 1):.2e} "
                f"gnorm {float(gn):.2f} d {d} n {x.shape[1]} B {x.shape[0]} seen {seen} "
                f"min {elapsed_now / 60:.1f}")
        if step % cfg["eval_every"] == 0:
            last_eval = {"step": step, **evaluate(model, sets, amp_dtype)}
            log("eval " + json.dumps(last_eval))
        if step % cfg["ckpt_every"] == 0:
            save(elapsed_now)
    if step % cfg["eval_every"]:
        last_eval = {"step": step, **evaluate(model, sets, amp_dtype)}
        log("eval " + json.dumps(last_eval))
    elapsed_now = elapsed + (time.time() - t_start)
    save(elapsed_now)
    log(f"# stop step={step}/{cfg['total_steps']} elapsed_min={elapsed_now / 60:.1f} checkpoint={ckpt_path}")


if __name__ == "__main__":
    main()
