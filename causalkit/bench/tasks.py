"""Running one task: make the data from its spec, run the algorithm, score the output.

:func:`execute` is what every executor calls, in the driver (``serial``),
in a sandbox process (``local``) or on a Dask worker. It never raises: an
exception becomes a ``failed`` result with its traceback.
"""

from __future__ import annotations

import os
import time
import traceback
import warnings

__all__ = ["execute", "load_task_dataset", "limit_threads"]

_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
                "NUMEXPR_NUM_THREADS")


def limit_threads():
    """Limit BLAS/OpenMP (and torch, when loaded) to one thread in this process.

    Returns the threadpoolctl controller (or None) so the caller can keep it alive.
    """
    for v in _THREAD_VARS:
        os.environ[v] = "1"
    ctl = None
    try:
        from threadpoolctl import threadpool_limits

        ctl = threadpool_limits(1)
    except ImportError:  # threadpoolctl comes with scikit-learn; stay robust without it
        pass
    import sys

    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)
    return ctl


def load_task_dataset(spec):
    """The Dataset of a task spec (regenerated from generator, params and seed, or read from disk)."""
    from . import registry

    ds = spec["dataset"]
    if "file" in ds:
        from ..dataset import Dataset

        return Dataset.load(ds["file"])
    return registry.get_generator(ds["generator"]).generate(ds["params"], spec["seed"])


def execute(spec, on_start=None):
    """Run one task spec (a dict from :meth:`TaskSpec.to_dict`) and return a result dict.

    Returns
    -------
    dict
        ``task_key``, ``status`` (``"done"`` or ``"failed"``), ``metrics``
        (name -> float), ``runtime_s`` (the algorithm's wall time), ``data_s``
        (data generation), ``n_vars``, ``n_rows``, ``graph_json`` (discovery),
        ``error`` (traceback text when failed), ``warnings`` (list of str),
        ``pid``.

    Notes
    -----
    ``on_start(task_key)``, when given, is called once the data is ready,
    right before the algorithm starts: the ``local`` and ``dask`` executors
    start the task's timeout clock there, so imports and data generation
    do not count against it.
    """
    import sys

    from . import registry

    out = {"task_key": spec.get("task_key"), "status": "failed", "metrics": {}, "runtime_s": None,
           "data_s": None, "n_vars": None, "n_rows": None, "graph_json": None, "error": None,
           "warnings": [], "pid": os.getpid()}
    caught = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            registry.import_plugins(spec.get("plugins"))
            t0 = time.perf_counter()
            dataset = load_task_dataset(spec)
            out["data_s"] = time.perf_counter() - t0
            out["n_rows"] = int(len(dataset.data))
            out["n_vars"] = int(len(dataset.variables))
            alg = registry.get_algorithm(spec["algorithm"])
            kind = registry.get_kind(spec["kind"])
            if "torch" in sys.modules:
                sys.modules["torch"].set_num_threads(1)
            alg.prepare()  # import the algorithm's modules before its clock starts
            if on_start is not None:
                on_start(spec.get("task_key"))
            t1 = time.perf_counter()
            output = alg.run(dataset, spec["algo_params"], spec["seed"])
            out["runtime_s"] = time.perf_counter() - t1
            metrics, extras = kind.evaluate(dataset, output, alg)
            metrics = {k: float(v) for k, v in metrics.items()}
            metrics["runtime_s"] = out["runtime_s"]
            out["metrics"] = metrics
            out["graph_json"] = extras.get("graph_json")
            out["status"] = "done"
    except Exception:  # any failure of one task is recorded, never raised
        out["error"] = traceback.format_exc()
    finally:
        seen = []
        for w in caught or ():
            msg = f"{w.category.__name__}: {w.message}"
            if msg not in seen:
                seen.append(msg)
        out["warnings"] = seen[:20]
    return out
