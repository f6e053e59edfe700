"""Draw one sample of each generator for the docs (docs/_static/gen_*.png).

Usage::

    python benchmarks/make_generator_figures.py [--out docs/_static]

Each figure shows the true graph next to the data it generated, so a reader
sees what "data with a known causal truth" means for that generator.
"""

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from causalkit import generators  # noqa: E402

BNLEARN = Path(__file__).resolve().parents[2] / "shared" / "data" / "bnlearn"


def scm(out):
    ds = generators.sample_scm(6, 500, kind="er", expected_degree=2, mechanism="nonlinear", seed=3)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    ds.graph.plot(ax=axes[0], title="true DAG")
    e = ds.graph.edge_list()[0]
    axes[1].scatter(ds.data[e.source], ds.data[e.target], s=6, alpha=0.5)
    axes[1].set_xlabel(e.source)
    axes[1].set_ylabel(e.target)
    axes[1].set_title(f"sample_scm(mechanism='nonlinear'): {e.source} --> {e.target}; "
                      f"R2-sortability {ds.metadata['r2_sortability']:.2f}", fontsize=9)
    fig.tight_layout()
    fig.savefig(out / "gen_scm.png", dpi=100)
    plt.close(fig)


def heterogeneous(out):
    ds = generators.heterogeneous(5, 3000, time_varying=True, seed=2)
    aug = ds.metadata["augmented_graph"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    aug.plot(ax=axes[0], title="augmented graph (time --> changing modules)")
    for v in ds.metadata["changing_modules"][:2]:
        axes[1].plot(ds.data["time"], ds.data[v].rolling(100, center=True).std(), label=f"{v} (changing)")
    fixed = [v for v in ds.variables if v not in ds.metadata["changing_modules"]][:1]
    for v in fixed:
        axes[1].plot(ds.data["time"], ds.data[v].rolling(100, center=True).std(), label=f"{v} (fixed)", ls="--")
    axes[1].set_xlabel("time")
    axes[1].set_ylabel("rolling std (window 100)")
    axes[1].legend(fontsize=8)
    axes[1].set_title("heterogeneous(time_varying=True)", fontsize=9)
    fig.tight_layout()
    fig.savefig(out / "gen_heterogeneous.png", dpi=100)
    plt.close(fig)


def bif(out):
    path = BNLEARN / "asia.bif.gz"
    if not path.exists():
        print(f"skipping the BIF figure: {path} not found")
        return
    net = generators.load_bif(path)
    ds = net.sample(5000, seed=0)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    net.graph.plot(ax=axes[0], title="asia (bnlearn)")
    names = list(ds.data.columns)
    exact = [float(net.marginal(v).iloc[0]) if hasattr(net.marginal(v), "iloc") else
             float(np.asarray(net.marginal(v))[0]) for v in names]
    empirical = [float((ds.data[v] == net.states[v][0]).mean()) for v in names]
    x = np.arange(len(names))
    axes[1].bar(x - 0.2, exact, 0.4, label="exact")
    axes[1].bar(x + 0.2, empirical, 0.4, label="5000 samples")
    axes[1].set_xticks(x, names, rotation=45, fontsize=8)
    axes[1].set_ylabel("P(first state)")
    axes[1].legend(fontsize=8)
    axes[1].set_title("load_bif(...).sample: marginals", fontsize=9)
    fig.tight_layout()
    fig.savefig(out / "gen_bif.png", dpi=100)
    plt.close(fig)


def exchangeable(out):
    ds = generators.exchangeable_bivariate(12, 40, structure="X->Y", seed=1)
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for env, part in ds.data.groupby("env"):
        ax.scatter(part["X"], part["Y"], s=8, alpha=0.7)
    ax.set_xlabel("X")
    ax.set_ylabel("Y")
    ax.set_title("exchangeable_bivariate: 12 environments (colours), X --> Y", fontsize=9)
    fig.tight_layout()
    fig.savefig(out / "gen_exchangeable.png", dpi=100)
    plt.close(fig)


def priors(out):
    # the first seed whose target is connected to the features (a prior draw need not be)
    ds = next(d for seed in range(50) for d in generators.tabpfn_prior(1, 400, 4, seed=seed)
              if d.graph.adjacencies("y"))
    st = next(iter(generators.structure_prior(1, 400, 6, mechanism="mlp", seed=1)))
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    axes[0].scatter(ds.data["X0"], ds.data["X1"], c=ds.data["y"], s=8, cmap="viridis")
    axes[0].set_xlabel("X0")
    axes[0].set_ylabel("X1")
    axes[0].set_title(f"tabpfn_prior: one task ({ds.metadata['n_classes']} classes)", fontsize=9)
    ds.graph.plot(ax=axes[1], title="its latent projection (ADMG)")
    st.graph.plot(ax=axes[2], title="structure_prior(mechanism='mlp'): one DAG")
    fig.tight_layout()
    fig.savefig(out / "gen_priors.png", dpi=100)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="docs/_static")
    out = Path(ap.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)
    for f in (scm, heterogeneous, bif, exchangeable, priors):
        f(out)
        print(f"{f.__name__}: done")


if __name__ == "__main__":
    main()
