"""The ``causalkit`` command line (also ``python -m causalkit``).

Errors the user can fix (a missing file, an unknown column or option) are
printed as one line on stderr with exit status 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .exceptions import CausalkitError

__all__ = ["main", "build_parser"]


class UsageError(Exception):
    """A problem with the command line's input, reported as one line."""


# ---------------------------------------------------------------------- helpers
def _read_table(path):
    import pandas as pd

    p = Path(path)
    if not p.exists():
        raise UsageError(f"no such file: {path}")
    if p.is_dir():
        from .dataset import Dataset

        return Dataset.load(p)
    if p.suffix in (".parquet", ".pq"):
        return pd.read_parquet(p)
    sep = "\t" if p.suffix in (".tsv", ".tab") else ","
    try:
        return pd.read_csv(p, sep=sep)
    except Exception as exc:  # pandas raises several parser errors
        raise UsageError(f"cannot read {path} as a table: {exc}") from None


def _write_graph(graph, out):
    p = Path(out)
    p.parent.mkdir(parents=True, exist_ok=True)
    suffix = p.suffix.lower()
    if suffix == ".json":
        p.write_text(graph.to_json())
    elif suffix == ".dot":
        p.write_text(graph.to_dot())
    elif suffix == ".gml":
        p.write_text(graph.to_gml())
    elif suffix in (".png", ".pdf", ".svg"):
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        ax = graph.plot()
        ax.figure.savefig(p, bbox_inches="tight", dpi=120)
        plt.close(ax.figure)
    elif suffix == ".csv":
        graph.edges.to_csv(p, index=False)
    else:
        raise UsageError(f"--out must end in .json, .dot, .gml, .csv, .png, .pdf or .svg; got {out}")
    return p


# ---------------------------------------------------------------------- commands
def _cmd_discover(args):
    import causalkit

    data = _read_table(args.data)
    params = {}
    for item in args.param or []:
        if "=" not in item:
            raise UsageError(f"--param takes NAME=VALUE; got {item!r}")
        k, v = item.split("=", 1)
        import json

        try:
            params[k] = json.loads(v)
        except ValueError:
            params[k] = v
    result = causalkit.discover(
        data, method=args.method, ci_test=args.test, alpha=args.alpha,
        domain=args.domain, time_index=args.time_index, environment=args.environment,
        lags=args.lags, **params,
    )
    print(f"{result.algorithm}: {result.graph.n_edges} edges ({result.graph.kind}), "
          f"{result.n_tests} tests, {result.runtime_s:.2f} s")
    with _pandas_display():
        print(result.graph.edges.to_string(index=False))
    if args.out:
        p = _write_graph(result.graph, args.out)
        print(f"graph written to {p}")
    return 0


class _pandas_display:
    def __enter__(self):
        import pandas as pd

        self._ctx = pd.option_context("display.max_rows", 500, "display.width", 120)
        self._ctx.__enter__()

    def __exit__(self, *exc):
        self._ctx.__exit__(*exc)


def _cmd_demo(args):
    from .demo import run_demo

    run_demo(args.out, n_nodes=args.nodes, n_samples=args.samples, seed=args.seed)
    return 0


def _cmd_reason(args):
    from .learned.axiomatic import reason_cli

    print(reason_cli(" ".join(args.text)))
    return 0


def _cmd_generate(args):
    from . import generators

    out = Path(args.out)
    many = None
    if args.kind == "scm":
        ds = generators.sample_scm(args.nodes, args.samples, kind=args.graph,
                                   expected_degree=args.degree, mechanism=args.mechanism,
                                   noise=args.noise, standardize=not args.raw, seed=args.seed)
    elif args.kind == "heterogeneous":
        ds = generators.heterogeneous(args.nodes, args.samples, n_domains=args.domains,
                                      time_varying=args.time_varying, mechanism=args.mechanism,
                                      changing_fraction=args.changing_fraction, seed=args.seed)
    elif args.kind == "bif":
        if not args.bif:
            raise UsageError("generate bif needs --bif PATH")
        ds = generators.load_bif(args.bif).sample(args.samples, seed=args.seed)
    elif args.kind == "exchangeable":
        ds = generators.exchangeable(args.setting, args.environments, args.per_environment, seed=args.seed,
                          **({"n_nodes": args.nodes} if args.setting != "bivariate" else {}))
    elif args.kind == "prior":
        many = generators.tabpfn_prior(args.count, args.samples, args.nodes, seed=args.seed,
                                       device=args.device)
    elif args.kind == "structure":
        many = generators.structure_prior(args.count, args.samples, args.nodes, kind=args.graph,
                                          mechanism=args.structure_mechanism, noise=args.noise,
                                          expected_degree=args.degree, seed=args.seed, device=args.device)
    elif args.kind == "causaltime":
        if not args.input:
            raise UsageError("generate causaltime needs --input SERIES (.npy or .csv)")
        import numpy as np

        series = np.load(args.input) if args.input.endswith(".npy") else _read_table(args.input)
        prior = np.load(args.prior) if args.prior else None
        ds = generators.causaltime_dataset(series, prior, n_samples=args.count, length=args.length,
                                           seed=args.seed, device=args.device,
                                           checkpoint_dir=args.checkpoint_dir)
    else:  # argparse restricts choices; kept for safety
        raise UsageError(f"unknown generator {args.kind!r}")
    if many is not None:
        n = 0
        for n, item in enumerate(many, start=1):
            item.save(out / f"dataset_{n - 1:04d}")
        print(f"{n} datasets written to {out}/dataset_*")
        return 0
    ds.save(out)
    print(f"{ds!r} written to {out}")
    return 0


# ---------------------------------------------------------------------- parser
def build_parser():
    """The argparse parser of the ``causalkit`` command."""
    p = argparse.ArgumentParser(
        prog="causalkit",
        description="Causal discovery and causal reasoning. Run 'causalkit COMMAND --help' for details.",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    d = sub.add_parser("discover", help="learn a causal graph from a data file",
                       description="Learn a causal graph from a CSV/TSV/Parquet file or a saved Dataset "
                                   "directory and print its edges.")
    d.add_argument("data", help="CSV (comma), TSV (tab) or Parquet file with one column per variable, "
                                "or a directory written by Dataset.save")
    d.add_argument("--method", default="auto",
                   help="discovery method: auto (default; chosen from the role options), pc, ...")
    d.add_argument("--alpha", type=float, default=0.05,
                   help="significance level of the independence tests (default 0.05)")
    d.add_argument("--test", default="auto", choices=["auto", "fisherz", "chisq", "gsq", "kci", "rcit"],
                   help="independence test; auto = Fisher-z for continuous data, G-squared when all "
                        "columns are discrete")
    d.add_argument("--domain", help="column holding the domain label (CD-NOD)")
    d.add_argument("--time-index", dest="time_index", help="column holding the time index")
    d.add_argument("--environment", help="column holding the environment label (causal de Finetti)")
    d.add_argument("--lags", type=int, help="maximum lag (time-series discovery)")
    d.add_argument("--param", action="append", metavar="NAME=VALUE",
                   help="extra method parameter (value parsed as JSON when possible); repeatable")
    d.add_argument("--out", help="write the graph: .json, .dot, .gml, .csv (edge list) or .png/.pdf/.svg")
    d.set_defaults(func=_cmd_discover)

    m = sub.add_parser("demo", help="generate data from a random SCM, discover its graph, score it",
                       description="Generate a dataset from a random linear SCM, run discover, compare "
                                   "with the true graph and write the graph (DOT, PNG) and the scores.")
    m.add_argument("--out", default="demo_output", help="output directory (default demo_output)")
    m.add_argument("--nodes", type=int, default=10, help="number of variables (default 10)")
    m.add_argument("--samples", type=int, default=2000, help="number of rows (default 2000)")
    m.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    m.set_defaults(func=_cmd_demo)

    r = sub.add_parser("reason", help="answer a causal-reasoning question with the axiomatic model",
                       description='Answer e.g. "A causes B. B causes C. Does A cause C?" with the shipped '
                                   "axiomatic-training transformer, beside the exact symbolic answer.")
    r.add_argument("text", nargs="+", help="premise and question, in quotes")
    r.set_defaults(func=_cmd_reason)

    g = sub.add_parser("generate", help="write a synthetic dataset with its true graph",
                       description="Generate a dataset and save it (data.csv + dataset.json) to --out.")
    g.add_argument("kind", choices=["scm", "heterogeneous", "bif", "exchangeable", "prior", "structure",
                                    "causaltime"],
                   help="which generator: scm (random SCM), heterogeneous (multi-domain / time-varying, "
                        "for CD-NOD), bif (sample a BIF network), exchangeable (multi-environment, for "
                        "causal de Finetti), prior (TabPFN-style prior, torch), structure (batched "
                        "structure prior, torch), causaltime (fit CausalTime to a real series, torch)")
    g.add_argument("--nodes", type=int, default=10,
                   help="number of variables (features for prior; default 10)")
    g.add_argument("--samples", type=int, default=1000, help="number of rows (default 1000)")
    g.add_argument("--graph", default="er", choices=["er", "sf"], help="random graph model (scm, structure)")
    g.add_argument("--degree", type=float, default=2.0, help="expected degree (scm, structure; default 2)")
    g.add_argument("--mechanism", default="linear", choices=["linear", "nonlinear"],
                   help="mechanism family (scm, heterogeneous; default linear)")
    g.add_argument("--structure-mechanism", dest="structure_mechanism", default="linear",
                   choices=["linear", "rff", "mlp"], help="mechanism family (structure; default linear)")
    g.add_argument("--noise", default="gaussian", help="noise distribution (scm, structure; default gaussian)")
    g.add_argument("--raw", action="store_true", help="do not standardise the columns (scm)")
    g.add_argument("--domains", type=int, default=None, help="number of domains (heterogeneous)")
    g.add_argument("--time-varying", dest="time_varying", action="store_true",
                   help="modules drift with a time index instead of domains (heterogeneous)")
    g.add_argument("--changing-fraction", dest="changing_fraction", type=float, default=0.5,
                   help="share of modules that change (heterogeneous; default 0.5)")
    g.add_argument("--bif", help="BIF file to sample from (bif)")
    g.add_argument("--setting", default="bivariate", choices=["bivariate", "binary", "continuous"],
                   help="exchangeable setting: the paper's bivariate continuous or multivariate binary "
                        "setup, or a continuous ICM SCM (exchangeable; default bivariate)")
    g.add_argument("--environments", type=int, default=300, help="number of environments (exchangeable)")
    g.add_argument("--per-environment", dest="per_environment", type=int, default=2,
                   help="samples per environment (exchangeable; default 2)")
    g.add_argument("--count", type=int, default=10,
                   help="number of datasets (prior, structure) or generated series (causaltime)")
    g.add_argument("--input", help="real series to imitate, .npy (time x variables) or .csv (causaltime)")
    g.add_argument("--prior", help="prior graph, .npy N x N, rows cause (causaltime)")
    g.add_argument("--length", type=int, default=40, help="length of each generated series (causaltime)")
    g.add_argument("--checkpoint-dir", dest="checkpoint_dir",
                   help="checkpoint folder; a rerun resumes the fit (causaltime)")
    g.add_argument("--device", default="cpu", help="torch device (prior, structure, causaltime; default cpu)")
    g.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    g.add_argument("--out", required=True, help="output directory")
    g.set_defaults(func=_cmd_generate)

    from .bench.cli import add_bench_subparser

    add_bench_subparser(sub)
    return p


def main(argv=None):
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except (UsageError, CausalkitError, FileNotFoundError) as exc:
        print(f"causalkit {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except ImportError as exc:
        print(f"causalkit {args.command}: error: {exc} (install the matching extra, e.g. "
              f"pip install 'causalkit[all]')", file=sys.stderr)
        return 2
