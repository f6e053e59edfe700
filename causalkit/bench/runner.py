"""``run_suite``: validate a suite, open the store, run the tasks that are not finished."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

from .executors import make_executor
from .store import FINISHED, Store
from .suite import Suite, load_suite

__all__ = ["run_suite", "RunSummary"]


@dataclass
class RunSummary:
    """What one :func:`run_suite` call did.

    Attributes
    ----------
    run_id : int
        Row of the ``runs`` table.
    n_tasks : int
        Tasks in the suite.
    n_skipped : int
        Tasks already finished in the store (not run again).
    n_run : int
        Tasks run by this call.
    counts : dict
        Status counts of this call's tasks (``done``, ``failed``, ...).
    elapsed_s : float
    store : str
    skipped_pairs : list
        (algorithm, dataset, reason) pairs the suite left out as incompatible.
    """

    run_id: int
    n_tasks: int
    n_skipped: int
    n_run: int
    counts: dict = field(default_factory=dict)
    elapsed_s: float = 0.0
    store: str = ""
    skipped_pairs: list = field(default_factory=list)


def run_suite(suite, store, *, executor="local", jobs=None, address=None, scheduler_file=None,
              retry=False, batch_size=1, progress=None, journal_mode="WAL"):
    """Run every unfinished task of a benchmark suite and record it in a store.

    Parameters
    ----------
    suite : str, Path, dict or Suite
        A suite file (YAML), YAML text, a parsed dict or a :class:`Suite`.
    store : str or Path
        The SQLite store (created if missing).
    executor : {"serial", "local", "dask"}, default "local"
        Where tasks run (see :mod:`causalkit.bench.executors`).
    jobs : int, optional
        Worker processes (default: usable cores).
    address, scheduler_file : str, optional
        A running Dask cluster (``executor="dask"``).
    retry : bool, default False
        Also rerun tasks that ended ``failed``, ``timeout`` or ``crashed``.
        Tasks ``done`` are never rerun; tasks left ``running`` or ``pending``
        (by a run that was killed) always are.
    batch_size : int, default 1
        Tasks per Dask task.
    progress : bool, optional
        Show a progress bar (tqdm) on stderr; default when stderr is a terminal.
    journal_mode : {"WAL", "DELETE"}
        SQLite journal; use DELETE on network file systems.

    Returns
    -------
    RunSummary

    Raises
    ------
    SuiteError, UnknownMethodError
        For a bad suite (unknown generator, algorithm or metric, a parameter
        of the wrong type, ...), before any task starts.
    StoreError
        If ``store`` exists and is not a causalkit store.

    Examples
    --------
    >>> summary = run_suite("benchmarks/suites/quick.yaml", "results.db", jobs=2)  # doctest: +SKIP
    >>> summary.counts  # doctest: +SKIP
    {'done': 96, 'failed': 0, 'timeout': 0, 'crashed': 0}
    """
    if not isinstance(suite, Suite):
        suite = load_suite(suite)
    ex = make_executor(executor, jobs=jobs, address=address, scheduler_file=scheduler_file,
                       batch_size=batch_size)
    t0 = time.monotonic()
    with Store(store, journal_mode=journal_mode) as st:
        specs = suite.tasks()
        st.add_tasks(specs, suite.name)
        status = st.statuses([s.task_key for s in specs])
        skip = ("done",) if retry else FINISHED
        todo = [s for s in specs if status.get(s.task_key) not in skip]
        run_id = st.start_run(suite.name, suite.config, executor, getattr(ex, "n_workers", None), len(todo))
        counts = dict.fromkeys(("done", "failed", "timeout", "crashed"), 0)
        if progress is None:
            progress = sys.stderr.isatty()
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(specs), initial=len(specs) - len(todo), desc=suite.name, unit="task",
                       dynamic_ncols=True)
        try:
            for event in ex.run([s.to_dict() for s in todo]):
                if event[0] == "start":
                    st.mark_running(event[1], run_id)
                    continue
                result = event[1]
                st.record(result, run_id)
                counts[result["status"]] = counts.get(result["status"], 0) + 1
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(done=counts["done"],
                                    failed=counts["failed"] + counts["timeout"] + counts["crashed"],
                                    refresh=False)
        finally:
            if bar is not None:
                bar.close()
        st.finish_run(run_id)
    return RunSummary(run_id, len(specs), len(specs) - len(todo), len(todo), counts,
                      time.monotonic() - t0, str(store), list(suite.skipped))
