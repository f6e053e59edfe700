"""Train the prior-fitted network (causalkit.learned.pfn) on the TabPFN prior, from a config and a seed.

Every optimizer step draws a fresh batch of synthetic classification tasks with
``causalkit.generators.tabpfn_prior.sample_tabpfn_batch(..., seed=(seed, step), device=DEVICE)``: the
prior is generated on the training device (the GPU in the GPU run), and batch ``step`` is the same in a
fresh and in a resumed run, so a run split into several chunks reproduces an uninterrupted one. The loss
is the cross-entropy of the test rows' labels (rows after the batch's ``train_size``); invalid datasets
(label -100) carry no loss. AdamW, linear warm-up then cosine decay to 10 % of the peak rate, gradient
clipping at 1; bf16 autocast on CUDA.

Usage::

    python benchmarks/train_pfn.py --preset cpu_tiny --out OUT --max-minutes 20        # CPU model
    python benchmarks/train_pfn.py --preset gpu --out OUT --max-minutes 7.5 --resume    # GPU, repeat

Files in OUT (NAME defaults to the preset):

* ``NAME.log``: one JSON object per line (``config``; ``train`` every ``log_every`` steps with the
  mean loss, learning rate, datasets/s; ``eval`` on a fixed held-out set of prior tasks; ``stop``);
* ``NAME.ckpt.safetensors``: full fp32 checkpoint (weights, AdamW moments, step; safetensors, no pickle),
  written every ``ckpt_minutes`` and when the run stops; ``--resume`` continues from it exactly
  (``--resume-from PATH`` from a checkpoint elsewhere, e.g. carried from an earlier machine);
* ``NAME.safetensors`` + ``NAME.json``: fp16 weights and config + provenance for
  :class:`causalkit.learned.PFNClassifier` (copy them to ``causalkit/learned/weights/``).

``--plot`` draws the loss curve of ``NAME.log`` into ``NAME_loss.png`` and exits.
"""

import argparse
import json
import math
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

PRESETS = {
    # about 0.15M parameters; 256 rows per task; meant for ~20 minutes on 2 shared CPU cores
    "cpu_tiny": dict(
        model="tiny", batch=32, n_rows=256, n_features=32, max_classes=10, datasets_per_hyper=4,
        lr=1e-3, warmup=100, total_steps=1800, min_lr_frac=0.1, weight_decay=0.0, clip=1.0,
        eval_batches=4, eval_batch=32, eval_every=250, log_every=25, ckpt_minutes=3.0, device="cpu",
    ),
    # about 3.3M parameters; 1024 rows per task; one H200, runs of < 8 minutes (repeat with --resume)
    "gpu": dict(
        model="gpu", batch=64, n_rows=1024, n_features=32, max_classes=10, datasets_per_hyper=8,
        lr=3e-4, warmup=1000, total_steps=40000, min_lr_frac=0.1, weight_decay=0.0, clip=1.0,
        eval_batches=8, eval_batch=64, eval_every=1000, log_every=100, ckpt_minutes=2.0, device="cuda",
    ),
}


def lr_at(step, cfg):
    """Linear warm-up over ``warmup`` steps, then cosine decay to ``min_lr_frac * lr`` at ``total_steps``."""
    if step < cfg["warmup"]:
        return cfg["lr"] * (step + 1) / cfg["warmup"]
    t = min(1.0, (step - cfg["warmup"]) / max(1, cfg["total_steps"] - cfg["warmup"]))
    lo = cfg["min_lr_frac"]
    return cfg["lr"] * (lo + (1 - lo) * 0.5 * (1 + math.cos(math.pi * t)))


def prior_batch(cfg, seed, step, batch, device):
    from causalkit.generators.tabpfn_prior import sample_tabpfn_batch

    X, y, meta = sample_tabpfn_batch(batch, cfg["n_rows"], cfg["n_features"], seed=(seed, step),
                                     device=device, max_classes=cfg["max_classes"],
                                     datasets_per_hyper=cfg["datasets_per_hyper"], vary_features=True)
    return X, y, meta["train_size"], meta["n_classes"]


def batch_loss(model, X, y, ts, n_classes, autocast):
    import torch
    from torch.nn import functional as F

    with autocast():
        logits = model(X, y[:, :ts], n_classes.clamp_min(1))
    logits = logits.float()
    target = y[:, ts:]
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1), ignore_index=-100)
    with torch.no_grad():
        ok = target != -100
        correct = ((logits.argmax(-1) == target) & ok).sum()
    return loss, correct, ok.sum()


def save_checkpoint(path, model, opt, state):
    """Weights and AdamW moments as safetensors; the step etc. as JSON metadata."""
    from safetensors.torch import save_file

    tensors = {"model." + k: v.detach().float().cpu().contiguous() for k, v in model.state_dict().items()}
    names = [n for n, _ in model.named_parameters()]
    for n, p in model.named_parameters():
        st = opt.state.get(p, {})
        for key in ("exp_avg", "exp_avg_sq"):
            if key in st:
                tensors[f"opt.{n}.{key}"] = st[key].detach().float().cpu().contiguous()
        if "step" in st:
            state.setdefault("opt_step", {})[n] = float(st["step"])
    state["param_names"] = names
    tmp = path + ".tmp"
    save_file(tensors, tmp, metadata={"state": json.dumps(state)})
    os.replace(tmp, path)


def load_checkpoint(path, model, opt, device):
    import torch
    from safetensors import safe_open
    from safetensors.torch import load_file

    with safe_open(path, "pt") as fh:
        state = json.loads(fh.metadata()["state"])
    tensors = load_file(path, device=str(device))
    model.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")})
    for n, p in model.named_parameters():
        if f"opt.{n}.exp_avg" in tensors:
            opt.state[p] = {"step": torch.tensor(state["opt_step"][n]),
                            "exp_avg": tensors[f"opt.{n}.exp_avg"].clone(),
                            "exp_avg_sq": tensors[f"opt.{n}.exp_avg_sq"].clone()}
    return state


def plot_log(log_path, png_path):
    """Loss curve (training loss per logging interval, held-out loss) of a training log."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    train, ev = [], []
    with open(log_path) as fh:
        for line in fh:
            rec = json.loads(line)
            if rec.get("kind") == "train":
                train.append((rec["step"], rec["loss"]))
            elif rec.get("kind") == "eval":
                ev.append((rec["step"], rec["loss"], rec["acc"]))
    fig, ax = plt.subplots(1, 2, figsize=(10, 3.6))
    if train:
        ax[0].plot(*zip(*train), lw=0.8, label="training batches")
    if ev:
        ax[0].plot([e[0] for e in ev], [e[1] for e in ev], "o-", label="held-out prior tasks")
        ax[1].plot([e[0] for e in ev], [e[2] for e in ev], "o-", color="C1")
    ax[0].set_xlabel("optimizer step"), ax[0].set_ylabel("cross-entropy (test rows)"), ax[0].legend()
    ax[1].set_xlabel("optimizer step"), ax[1].set_ylabel("accuracy on held-out prior tasks")
    fig.suptitle(os.path.basename(log_path))
    fig.tight_layout()
    fig.savefig(png_path, dpi=110)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--preset", default="cpu_tiny", choices=sorted(PRESETS))
    ap.add_argument("--config", help="JSON file whose keys override the preset")
    ap.add_argument("--set", nargs="*", default=[], help="overrides KEY=JSON, e.g. total_steps=2000")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--name", help="run name (default: the preset)")
    ap.add_argument("--out", required=True, help="folder for NAME.log, NAME.ckpt.safetensors, NAME.safetensors")
    ap.add_argument("--resume", action="store_true", help="continue from OUT/NAME.ckpt.safetensors if present")
    ap.add_argument("--resume-from", help="continue from this checkpoint file (e.g. one carried from an earlier "
                    "machine) and write to --out")
    ap.add_argument("--max-minutes", type=float, default=7.5, help="stop (and save) after this wall time")
    ap.add_argument("--budget-minutes", type=float, help="fit total_steps to this wall time: the step rate is "
                    "measured early in the run and total_steps fixed once (logged as kind 'schedule'); "
                    "implies --max-minutes of the same value")
    ap.add_argument("--device", help="override the preset's device")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads (1 is fastest on a busy machine)")
    ap.add_argument("--plot", action="store_true", help="only draw NAME_loss.png from NAME.log")
    args = ap.parse_args(argv)

    cfg = dict(PRESETS[args.preset])
    if args.config:
        with open(args.config) as fh:
            cfg.update(json.load(fh))
    for item in args.set:
        key, _, val = item.partition("=")
        cfg[key] = json.loads(val)
    if args.device:
        cfg["device"] = args.device
    if args.budget_minutes:
        args.max_minutes = args.budget_minutes
    name = args.name or args.preset
    os.makedirs(args.out, exist_ok=True)
    log_path = os.path.join(args.out, name + ".log")
    if args.plot:
        plot_log(log_path, os.path.join(args.out, name + "_loss.png"))
        return 0

    import contextlib

    import torch

    from causalkit.learned.pfn import PFN_CONFIGS, PFNTransformer, count_parameters, save_pfn

    torch.set_num_threads(max(1, args.threads))
    device = torch.device(cfg["device"])
    t_start = time.time()
    torch.manual_seed(args.seed)
    model_cfg = dict(PFN_CONFIGS[cfg["model"]]) if isinstance(cfg["model"], str) else dict(cfg["model"])
    model_cfg.update(max_features=cfg["n_features"], max_classes=cfg["max_classes"])
    model = PFNTransformer(**model_cfg).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], weight_decay=cfg["weight_decay"])
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True

        def autocast():
            return torch.autocast("cuda", dtype=torch.bfloat16)
    else:
        autocast = contextlib.nullcontext

    ckpt_path = os.path.join(args.out, name + ".ckpt.safetensors")
    step, seen, elapsed_before = 0, 0, 0.0
    resume_path = args.resume_from or (ckpt_path if args.resume and os.path.exists(ckpt_path) else None)
    if resume_path:
        state = load_checkpoint(resume_path, model, opt, device)
        step, seen, elapsed_before = state["step"], state["datasets_seen"], state["train_seconds"]
        if state["seed"] != args.seed:
            print(f"warning: checkpoint seed {state['seed']} differs from --seed {args.seed}; using the checkpoint's")
            args.seed = state["seed"]
        if state.get("config", {}).get("total_steps_from_budget"):  # keep the schedule fixed by a budget
            cfg["total_steps"] = state["config"]["total_steps"]
            cfg["total_steps_from_budget"] = True

    def log(rec):
        with open(log_path, "a") as fh:
            fh.write(json.dumps(rec) + "\n")
        print(json.dumps(rec), flush=True)

    log({"kind": "config", "step": step, "preset": args.preset, "seed": args.seed, "config": cfg,
         "model": model_cfg, "n_parameters": count_parameters(model), "device": str(device),
         "threads": torch.get_num_threads(), "resumed": step > 0, "argv": sys.argv[1:]})

    # fixed held-out prior tasks (a seed stream disjoint from the training batches)
    eval_set = [prior_batch(cfg, args.seed + 1_000_003, k, cfg["eval_batch"], device)
                for k in range(cfg["eval_batches"])]

    def evaluate():
        model.eval()
        tot_loss = tot_correct = tot_n = 0.0
        with torch.no_grad():
            for X, y, ts, k in eval_set:
                loss, correct, n = batch_loss(model, X, y, ts, k, autocast)
                tot_loss += float(loss) * float(n)
                tot_correct += float(correct)
                tot_n += float(n)
        model.train()
        log({"kind": "eval", "step": step, "loss": tot_loss / tot_n, "acc": tot_correct / tot_n,
             "datasets_seen": seen})

    def checkpoint():
        save_checkpoint(ckpt_path, model, opt, {"step": step, "datasets_seen": seen, "seed": args.seed,
                                                "train_seconds": elapsed_before + time.time() - t_start,
                                                "config": cfg, "model": model_cfg})
        # fp16 weights of the current state too, so that a run cut short still leaves a usable model
        save_pfn(model, os.path.join(args.out, name + ".partial.safetensors"),
                 {"provenance": f"partial: step {step} of {cfg['total_steps']}", "steps": step})

    budget = None
    if args.budget_minutes and not cfg.get("total_steps_from_budget"):
        from _budget import StepBudget

        budget = StepBudget(args.budget_minutes, reserve_s=30.0, probe_s=(30.0, 90.0))
        deadline_budget = budget.t0 + 60.0 * args.budget_minutes  # set-up time before t0 is not charged
    if step == 0:
        evaluate()
    model.train()
    last_ckpt = time.time()
    window_loss, window_n, window_t = 0.0, 0, time.time()
    deadline = t_start + 60.0 * args.max_minutes
    if budget is not None:
        deadline = max(deadline, deadline_budget)
    stopped = "max_minutes"
    while True:
        if step >= cfg["total_steps"]:
            stopped = "total_steps"
            break
        if time.time() > deadline:
            break
        lr = lr_at(step, cfg)
        for group in opt.param_groups:
            group["lr"] = lr
        X, y, ts, k = prior_batch(cfg, args.seed, step, cfg["batch"], device)
        loss, _, _ = batch_loss(model, X, y, ts, k, autocast)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg["clip"])
        opt.step()
        step += 1
        seen += cfg["batch"]
        if budget is not None and budget.update(step):
            cfg["total_steps"] = budget.total_steps
            cfg["total_steps_from_budget"] = True
            log({"kind": "schedule", "step": step, "total_steps": cfg["total_steps"],
                 "why": f"fitted to --budget-minutes {args.budget_minutes} from the measured step rate"})
            if step > cfg["warmup"]:  # the cosine had begun under the preset's total: rates jump here
                log({"kind": "warning", "step": step, "message": "schedule fixed after the warm-up; a rerun "
                     f"with total_steps={cfg['total_steps']} differs from this run before step {step}"})
        window_loss += loss.item()
        window_n += 1
        if step % cfg["log_every"] == 0:
            dt = time.time() - window_t
            log({"kind": "train", "step": step, "loss": window_loss / window_n, "lr": lr,
                 "datasets_per_s": window_n * cfg["batch"] / dt, "datasets_seen": seen,
                 "wall_s": round(elapsed_before + time.time() - t_start, 1)})
            window_loss, window_n, window_t = 0.0, 0, time.time()
        if step % cfg["eval_every"] == 0:
            evaluate()
        if time.time() - last_ckpt > 60.0 * cfg["ckpt_minutes"]:
            checkpoint()
            last_ckpt = time.time()
    if step % cfg["eval_every"]:
        evaluate()
    checkpoint()
    train_s = elapsed_before + time.time() - t_start
    where = "CPU" if device.type == "cpu" else f"GPU ({torch.cuda.get_device_name(device)})"
    provenance = {
        "trained_by": f"benchmarks/train_pfn.py --preset {args.preset} --seed {args.seed}",
        "provenance": f"trained on {where} for {step} steps ({seen} synthetic datasets, "
                      f"{train_s / 60:.1f} minutes of training)",
        "device": where, "steps": step, "datasets_seen": seen, "train_minutes": round(train_s / 60, 1),
        "seed": args.seed, "stopped": stopped, "lr_at_stop": lr_at(step, cfg), "training": cfg,
    }
    save_pfn(model, os.path.join(args.out, name + ".safetensors"), provenance)
    log({"kind": "stop", "step": step, "reason": stopped, "datasets_seen": seen,
         "train_minutes": round(train_s / 60, 2)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
