"""The demonstration behind ``make demo``: generate, discover, score, write.

It samples a dataset from a random linear-Gaussian SCM, runs
:func:`causalkit.discover`, compares the estimate with the true graph's CPDAG
and writes to ``out``: the data, both graphs (DOT and PNG, side by side) and
the scores (JSON and Markdown).
"""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["run_demo"]


def run_demo(out="demo_output", n_nodes=10, n_samples=2000, seed=0, verbose=True):
    """Run the demonstration and return the scores.

    Parameters
    ----------
    out : str or Path
        Output directory (created).
    n_nodes, n_samples, seed : int
        Size of the random SCM and its seed.
    verbose : bool
        Print what was written where.

    Returns
    -------
    dict
        The scores of :func:`causalkit.metrics.compare`.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import causalkit
    from causalkit.metrics import compare

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ds = causalkit.generators.sample_scm(n_nodes, n_samples, kind="er", expected_degree=2.0,
                                         mechanism="linear", seed=seed)
    ds.save(out / "dataset")
    result = causalkit.discover(ds.data)
    truth = ds.graph.to_cpdag()
    scores = compare(truth, result.graph)

    (out / "estimated_graph.dot").write_text(result.graph.to_dot())
    (out / "true_graph.dot").write_text(ds.graph.to_dot())
    (out / "estimated_graph.json").write_text(result.graph.to_json())
    fig, axes = plt.subplots(1, 2, figsize=(12, 5.5))
    ds.graph.plot(ax=axes[0])
    axes[0].set_title("true DAG")
    result.graph.plot(ax=axes[1])
    axes[1].set_title(f"PC estimate (CPDAG), SHD to true CPDAG = {scores['shd']:.0f}")
    fig.tight_layout()
    fig.savefig(out / "graphs.png", dpi=110)
    plt.close(fig)

    clean = {k: (None if v != v else float(v)) for k, v in scores.items()}  # NaN -> null
    (out / "scores.json").write_text(json.dumps(clean, indent=1))
    lines = ["# causalkit demo", "",
             f"Data: random ER linear-Gaussian SCM, {n_nodes} nodes, {n_samples} rows, seed {seed}.",
             f"Method: {result.algorithm} ({result.params.get('ci_test', 'auto')}, alpha "
             f"{result.params.get('alpha', 0.05)}), {result.n_tests} tests, {result.runtime_s:.2f} s.",
             "", "| metric | value |", "|---|---|"]
    lines += [f"| {k} | {'' if v is None else f'{v:.3f}'} |" for k, v in clean.items()]
    (out / "scores.md").write_text("\n".join(lines) + "\n")
    if verbose:
        print(f"true graph: {ds.graph!r}")
        print(f"estimate:   {result.graph!r}")
        for k in ("skeleton_f1", "arrowhead_f1", "shd"):
            print(f"  {k}: {clean[k]}")
        print(f"demo output written to {out.resolve()}/ (dataset/, graphs.png, *_graph.dot, scores.json, scores.md)")
    return scores
