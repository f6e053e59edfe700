"""The ``causalkit bench`` commands: ``run``, ``status``, ``report``, ``export``.

:func:`add_bench_subparser` adds them to the ``causalkit`` command line;
``python -m causalkit.bench.cli ...`` runs them on their own.
"""

from __future__ import annotations

import argparse
import sys

from ..exceptions import CausalkitError, DataError

__all__ = ["add_bench_subparser", "main"]


def _cmd_run(args):
    from .runner import run_suite

    summary = run_suite(args.suite, args.store, executor=args.executor, jobs=args.jobs, address=args.address,
                        scheduler_file=args.scheduler_file, retry=args.retry, batch_size=args.batch_size,
                        progress=not args.quiet, journal_mode=args.journal_mode)
    c = summary.counts
    print(f"{summary.n_tasks} tasks: {summary.n_skipped} already finished, {summary.n_run} run "
          f"({c.get('done', 0)} done, {c.get('failed', 0)} failed, {c.get('timeout', 0)} timeout, "
          f"{c.get('crashed', 0)} crashed) in {summary.elapsed_s:.1f} s; store {summary.store}")
    if summary.skipped_pairs:
        print(f"{len(summary.skipped_pairs)} algorithm/dataset pairs left out as incompatible, e.g. "
              f"{summary.skipped_pairs[0][2]}")
    if args.report:
        from .report import write_report

        paths = write_report(args.store, args.report)
        print(f"report written to {paths['html']}")
    return 0


def _cmd_status(args):
    from .store import Store

    with Store(args.store, create=False) as st:
        counts = st.counts()
        total = sum(counts.values())
        print(f"{st.path}: {total} tasks; " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        tasks = st.tasks()
        if len(tasks):
            table = tasks.pivot_table(index="algo_label", columns="status", values="task_key", aggfunc="count",
                                      fill_value=0)
            print(table.to_string())
        runs = st.runs()
        if len(runs):
            last = runs.iloc[-1]
            state = "finished" if last["finished_at"] == last["finished_at"] and last["finished_at"] else \
                "did not finish (killed or still running)"
            print(f"last run: #{last['run_id']} of suite {last['suite']!r} with executor {last['executor']}, "
                  f"{last['n_tasks']} tasks, {state}")
    return 0


def _cmd_report(args):
    from .report import write_report

    paths = write_report(args.store, args.out)
    print(f"report written to {paths['html']} and {paths['markdown']} ({len(paths['plots'])} plots)")
    return 0


def _cmd_export(args):
    from pathlib import Path

    from .store import Store

    out = Path(args.out or f"results.{args.format}")
    with Store(args.store, create=False) as st:
        table = st.results(wide=args.wide)
    if args.format == "csv":
        table.to_csv(out, index=False)
    else:
        try:
            table.to_parquet(out, index=False)
        except ImportError:
            raise DataError("parquet export needs pyarrow or fastparquet (pip install pyarrow); "
                            "or use --format csv") from None
    print(f"{len(table)} rows written to {out}")
    return 0


def add_bench_subparser(subparsers):
    """Add ``bench`` (with ``run``, ``status``, ``report``, ``export``) to an argparse subparsers object.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        What ``parser.add_subparsers()`` returned.

    Returns
    -------
    argparse.ArgumentParser
        The ``bench`` parser. Each command sets ``func`` (a function of the
        parsed arguments returning the exit status).
    """
    b = subparsers.add_parser("bench", help="run benchmark suites and report on them",
                              description="Run a YAML benchmark suite into a SQLite store (resumable), "
                                          "show its status, write a report or export the results.")
    bs = b.add_subparsers(dest="bench_command", metavar="BENCH_COMMAND")
    b.set_defaults(func=lambda args: (b.print_help(), 2)[1])

    r = bs.add_parser("run", help="run a suite (skips tasks already finished in the store)",
                      description="Run every task of SUITE that the store has not finished. A rerun after a "
                                  "crash redoes only the tasks that were running.")
    r.add_argument("suite", help="suite file (YAML)")
    r.add_argument("--store", default="results.db", help="SQLite store (default results.db; created)")
    r.add_argument("--executor", default="local", choices=["serial", "local", "dask"],
                   help="serial (in this process), local (process pool, default) or dask")
    r.add_argument("--jobs", "-j", type=int, default=None, help="worker processes (default: all cores)")
    r.add_argument("--address", help="Dask scheduler address, e.g. tcp://host:8786 (with --executor dask)")
    r.add_argument("--scheduler-file", dest="scheduler_file", help="Dask scheduler file (with --executor dask)")
    r.add_argument("--batch-size", dest="batch_size", type=int, default=1,
                   help="tasks per Dask task (default 1; more for tiny tasks)")
    r.add_argument("--retry", action="store_true", help="also rerun failed, timed-out and crashed tasks")
    r.add_argument("--report", metavar="DIR", help="write the report to DIR when done")
    r.add_argument("--journal-mode", dest="journal_mode", default="WAL", choices=["WAL", "DELETE"],
                   help="SQLite journal (DELETE on network file systems; default WAL)")
    r.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    r.set_defaults(func=_cmd_run)

    s = bs.add_parser("status", help="task counts of a store", description="Print task counts by status.")
    s.add_argument("--store", default="results.db", help="SQLite store (default results.db)")
    s.set_defaults(func=_cmd_status)

    p = bs.add_parser("report", help="write an HTML + Markdown report with plots",
                      description="Write index.html, report.md, results.csv and plots/ to --out.")
    p.add_argument("--store", default="results.db", help="SQLite store (default results.db)")
    p.add_argument("--out", required=True, help="output directory")
    p.set_defaults(func=_cmd_report)

    e = bs.add_parser("export", help="export results as CSV or Parquet",
                      description="Write the results as a tidy long table (one row per task and metric).")
    e.add_argument("--store", default="results.db", help="SQLite store (default results.db)")
    e.add_argument("--format", default="csv", choices=["csv", "parquet"], help="csv (default) or parquet")
    e.add_argument("--out", help="output file (default results.csv / results.parquet)")
    e.add_argument("--wide", action="store_true", help="one row per task, one column per metric")
    e.set_defaults(func=_cmd_export)
    return b


def main(argv=None):
    """``python -m causalkit.bench.cli COMMAND ...``; returns the exit status."""
    parser = argparse.ArgumentParser(prog="causalkit")
    sub = parser.add_subparsers(dest="command")
    add_bench_subparser(sub)
    args = parser.parse_args(["bench", *(sys.argv[1:] if argv is None else argv)])
    try:
        return args.func(args)
    except CausalkitError as exc:
        print(f"causalkit bench: error: {exc}", file=sys.stderr)
        return 2
    except ImportError as exc:
        print(f"causalkit bench: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
