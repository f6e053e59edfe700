"""KCI speed and agreement: causalkit (exact, Nystroem) against causal-learn.

Run by hand:  .venv/bin/python benchmarks/bench_kci.py [--sizes 500 1000 2000]

For each n, five conditional questions (|S| = 1..3) and one unconditional
one on a nonlinear chain; prints CPU seconds per batch and the largest
p-value difference from causal-learn's KCI (with its default settings).
"""

import argparse
import time

import numpy as np


def data(n, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    z = np.tanh(x) + 0.5 * rng.normal(size=n)
    w = rng.normal(size=n)
    y = z ** 2 + 0.5 * rng.normal(size=n) + 0.2 * w
    return np.column_stack([x, y, z, w, rng.normal(size=n)])


QUESTIONS = [(0, 1, ()), (0, 1, (2,)), (1, 3, (2,)), (0, 1, (2, 3)), (0, 3, (1, 2)), (3, 4, (0, 1, 2))]


def timed(f):
    t0 = time.process_time()
    out = f()
    return out, time.process_time() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[500, 1000, 2000])
    args = ap.parse_args()
    from causallearn.utils.cit import CIT

    from causalkit.ci.kci import KCI

    print("| n | causal-learn s | exact s | speed-up | max abs dp exact | nystrom(200) s | max abs dp nystrom |")
    print("|---|---|---|---|---|---|---|")
    for n in args.sizes:
        X = data(n)
        ref = CIT(X, "kci")
        p_ref, t_ref = timed(lambda: np.array([ref(x, y, list(S)) for x, y, S in QUESTIONS]))
        ours = KCI(X)
        p_ex, t_ex = timed(lambda: ours.pvalues(QUESTIONS))
        nys = KCI(X, approx="nystrom", n_components=200)
        p_ny, t_ny = timed(lambda: nys.pvalues(QUESTIONS))
        print(f"| {n} | {t_ref:.2f} | {t_ex:.2f} | {t_ref / t_ex:.1f}x | {np.abs(p_ex - p_ref).max():.1e} "
              f"| {t_ny:.2f} | {np.abs(p_ny - p_ref).max():.3f} |")


if __name__ == "__main__":
    main()
