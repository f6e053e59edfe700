"""Draw the smoking example's network diagram before and after cutting S (docs/surgery.rst).

Run from the repository root:

    .venv/bin/python benchmarks/make_surgery_figures.py

Writes docs/_static/surgery_smoking.png.
"""

import sys
from pathlib import Path

import matplotlib

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from causalkit import CausalGraph  # noqa: E402
from causalkit.reasoning import cut, draw, network  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "docs" / "_static" / "surgery_smoking.png"


def main():
    g = CausalGraph.from_edges([("H", "S"), ("S", "T"), ("T", "C"), ("H", "C")], latent=["H"])
    fig, axes = plt.subplots(1, 2, figsize=(9, 5.5))
    draw(network(g), ax=axes[0], title="network(g): observational")
    draw(cut(network(g), "S"), ax=axes[1], title='cut(network(g), "S"): do(S)')
    fig.tight_layout()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(OUT, dpi=110)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
