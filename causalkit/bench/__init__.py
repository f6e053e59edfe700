"""Benchmarks of causal methods: YAML suites, local and Dask execution, a crash-safe store, reports.

>>> from causalkit.bench import run_suite, write_report            # doctest: +SKIP
>>> run_suite("benchmarks/suites/quick.yaml", "results.db", jobs=2)  # doctest: +SKIP
>>> write_report("results.db", "report/")                           # doctest: +SKIP

The same from the command line: ``causalkit bench run SUITE.yaml --store
results.db``, ``causalkit bench status``, ``causalkit bench report --out DIR``,
``causalkit bench export --format csv``. See the "Benchmarks" documentation
page for the suite schema, the task kinds, the executors and the store.
"""

from .executors import EXECUTORS, make_executor
from .registry import (available_algorithms, available_generators, get_algorithm, get_generator,
                       register_algorithm, register_generator, register_kind)
from .report import write_report
from .runner import RunSummary, run_suite
from .store import Store, StoreError
from .suite import Suite, SuiteError, TaskSpec, expand_grid, load_suite

__all__ = [
    "run_suite", "RunSummary", "load_suite", "Suite", "SuiteError", "TaskSpec", "expand_grid", "Store",
    "StoreError", "write_report", "make_executor", "EXECUTORS", "register_algorithm", "register_generator",
    "register_kind", "available_algorithms", "available_generators", "get_algorithm", "get_generator",
]
