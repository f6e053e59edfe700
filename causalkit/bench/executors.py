"""Where tasks run: ``serial``, ``local`` (a process pool, the default) and ``dask``.

Every executor has one method, ``run(specs)``, a generator of events:
``("start", task_key)`` when a task is handed to a worker and
``("result", result_dict)`` when it ends (``done``, ``failed``, ``timeout``
or ``crashed``). The driver consumes the events and is the only writer of
the store. Workers receive task specs (generator, parameters, seed), never
data, and regenerate the data themselves.

* ``serial`` runs in the driver process: for debugging (a breakpoint in an
  algorithm works). Its timeout is a ``SIGALRM`` that interrupts Python code
  (not a hard kill).
* ``local`` keeps ``jobs`` sandbox processes (:class:`~._sandbox.Sandbox`),
  each running one task at a time with BLAS limited to one thread. A task
  past its timeout is stopped by killing its sandbox, which is restarted; a
  sandbox that dies is a ``crashed`` task. Neither stops the run.
* ``dask`` submits tasks to a Dask cluster: an embedded
  ``distributed.LocalCluster(processes=True, threads_per_worker=1)`` when no
  address is given, or an existing scheduler (``address`` or
  ``scheduler_file``). Each Dask worker runs its tasks in its own sandbox,
  so timeouts and crashes behave as with ``local``; a Dask worker that dies
  (``KilledWorker``) is recorded as ``crashed``.
"""

from __future__ import annotations

import os
import selectors
import signal
import threading
import time
from collections import deque

from ..exceptions import UnknownMethodError
from ._sandbox import Sandbox, SandboxDied, stopped_result
from .tasks import execute

__all__ = ["SerialExecutor", "LocalExecutor", "DaskExecutor", "make_executor", "EXECUTORS"]

EXECUTORS = ("serial", "local", "dask")


def _cpu_count():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


class _TaskTimeout(BaseException):
    """Raised by SIGALRM in the serial executor (BaseException: tasks catch Exception only)."""


class SerialExecutor:
    """Run tasks one after another in this process."""

    name = "serial"

    def __init__(self):
        self.n_workers = 1

    def run(self, specs):
        from threadpoolctl import threadpool_limits

        use_alarm = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
        with threadpool_limits(1):
            for spec in specs:
                yield ("start", spec["task_key"])
                timeout = spec.get("timeout")
                t0 = time.monotonic()
                on_start = None
                if timeout and use_alarm:
                    def _alarm(signum, frame):
                        raise _TaskTimeout()

                    def on_start(key, timeout=timeout):
                        signal.setitimer(signal.ITIMER_REAL, float(timeout))

                    old = signal.signal(signal.SIGALRM, _alarm)
                try:
                    result = execute(spec, on_start=on_start)
                except _TaskTimeout:
                    result = stopped_result(spec, "timeout", time.monotonic() - t0,
                                            f"stopped after the {timeout:g} s timeout")
                finally:
                    if timeout and use_alarm:
                        signal.setitimer(signal.ITIMER_REAL, 0)
                        signal.signal(signal.SIGALRM, old)
                yield ("result", result)


class LocalExecutor:
    """Run tasks on ``jobs`` sandbox processes of this machine.

    Parameters
    ----------
    jobs : int, optional
        Number of worker processes (default: the number of usable cores).
    """

    name = "local"

    def __init__(self, jobs=None):
        self.n_workers = int(jobs) if jobs else _cpu_count()
        if self.n_workers < 1:
            raise UnknownMethodError(f"jobs must be >= 1; got {jobs!r}")

    def run(self, specs):
        specs = list(specs)
        if not specs:
            return
        pending = deque(specs)
        sandboxes = [Sandbox().start() for _ in range(min(self.n_workers, len(specs)))]
        sel = selectors.DefaultSelector()
        for sb in sandboxes:
            sel.register(sb.fileno(), selectors.EVENT_READ, sb)
        boot_failures = 0
        try:
            while pending or any(sb.task for sb in sandboxes):
                for sb in sandboxes:
                    if sb.ready and sb.task is None and pending:
                        spec = pending.popleft()
                        sb.send(spec)
                        yield ("start", spec["task_key"])
                now = time.monotonic()
                deadlines = [sb.deadline() for sb in sandboxes if sb.task and sb.task[0].get("timeout")]
                wait = max(0.0, min(deadlines) - now) if deadlines else None
                for key, _ in sel.select(wait):
                    sb = key.data
                    msg = sb.recv()
                    if msg is None:  # the sandbox died
                        why = sb.death_message()
                        sel.unregister(key.fd)
                        if sb.task is not None:
                            spec, t0 = sb.task
                            yield ("result", stopped_result(spec, "crashed", time.monotonic() - t0, why))
                        elif not sb.ready:
                            boot_failures += 1
                            if boot_failures >= 3:
                                raise SandboxDied(f"worker processes cannot start: {why}")
                        sb.restart()
                        sel.register(sb.fileno(), selectors.EVENT_READ, sb)
                    elif msg[0] == "ready":
                        sb.ready = True
                    elif msg[0] == "started":
                        sb.mark_started()
                    elif msg[0] == "result":
                        sb.task = None
                        yield ("result", msg[1])
                now = time.monotonic()
                for sb in sandboxes:
                    if sb.task is None:
                        continue
                    spec, t0 = sb.task
                    if now >= sb.deadline():
                        sel.unregister(sb.fileno())
                        sb.task = None
                        sb.restart()
                        sel.register(sb.fileno(), selectors.EVENT_READ, sb)
                        yield ("result", stopped_result(spec, "timeout", now - t0,
                                                        f"killed after the {spec['timeout']:g} s timeout"))
        finally:
            sel.close()
            for sb in sandboxes:
                sb.close(wait=2.0)


# ---------------------------------------------------------------------- dask
_WORKER_SANDBOX = None


def _dask_run_batch(specs):
    """Run a batch of specs on this Dask worker's sandbox (started on first use)."""
    global _WORKER_SANDBOX
    if _WORKER_SANDBOX is None:
        _WORKER_SANDBOX = Sandbox().start()
    out = []
    for spec in specs:
        try:
            out.append(_WORKER_SANDBOX.run(spec, spec.get("timeout")))
        except SandboxDied as exc:
            _WORKER_SANDBOX = Sandbox().start()
            out.append(stopped_result(spec, "crashed", 0.0, str(exc)))
    return out


class DaskExecutor:
    """Run tasks on a Dask cluster (an embedded LocalCluster unless an address is given).

    Parameters
    ----------
    jobs : int, optional
        Workers of the embedded LocalCluster (default: usable cores). Ignored
        with ``address``/``scheduler_file``.
    address : str, optional
        Scheduler address of a running cluster (``tcp://host:8786``).
    scheduler_file : str, optional
        Scheduler file of a running cluster (``dask scheduler --scheduler-file``).
    batch_size : int, default 1
        Tasks per Dask task; more amortises scheduling overhead for tiny tasks.
    """

    name = "dask"

    def __init__(self, jobs=None, address=None, scheduler_file=None, batch_size=1):
        self.jobs = int(jobs) if jobs else _cpu_count()
        self.address = address
        self.scheduler_file = scheduler_file
        self.batch_size = max(1, int(batch_size))
        self.n_workers = self.jobs

    def _client(self):
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:
            raise ImportError("the dask executor needs dask.distributed: pip install 'causalkit[dask]'"
                              ) from exc
        if self.address or self.scheduler_file:
            if self.scheduler_file:
                return Client(scheduler_file=self.scheduler_file), None
            return Client(self.address), None
        cluster = LocalCluster(n_workers=self.jobs, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=40)
        return Client(cluster), cluster

    def run(self, specs):
        specs = list(specs)
        if not specs:
            return
        from distributed import as_completed

        client, cluster = self._client()
        try:
            n_workers = max(1, len(client.scheduler_info().get("workers", {})))
            self.n_workers = n_workers
            batches = deque(specs[i:i + self.batch_size] for i in range(0, len(specs), self.batch_size))
            window = 2 * n_workers
            ac = as_completed()
            live = {}

            def submit():
                batch = batches.popleft()
                fut = client.submit(_dask_run_batch, batch, pure=False)
                live[fut.key] = batch
                ac.add(fut)
                return batch

            while batches and len(live) < window:
                for s in submit():
                    yield ("start", s["task_key"])
            for fut in ac:
                batch = live.pop(fut.key)
                try:
                    results = fut.result()
                except Exception as exc:  # KilledWorker and other scheduler-side failures
                    results = [stopped_result(s, "crashed", 0.0, f"{type(exc).__name__}: {exc}") for s in batch]
                for r in results:
                    yield ("result", r)
                while batches and len(live) < window:
                    for s in submit():
                        yield ("start", s["task_key"])
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


def make_executor(name="local", *, jobs=None, address=None, scheduler_file=None, batch_size=1):
    """Build an executor by name.

    Parameters
    ----------
    name : {"serial", "local", "dask"}
    jobs : int, optional
        Worker processes (``local``) or workers of the embedded Dask cluster.
    address, scheduler_file : str, optional
        A running Dask cluster (``dask`` only).
    batch_size : int, default 1
        Tasks per Dask task.

    Returns
    -------
    SerialExecutor, LocalExecutor or DaskExecutor

    Raises
    ------
    UnknownMethodError
        For an unknown name (the message lists the valid ones), or an address
        given to an executor other than ``dask``.
    """
    if name not in EXECUTORS:
        raise UnknownMethodError(f"unknown executor {name!r}; valid executors are {list(EXECUTORS)}")
    if (address or scheduler_file) and name != "dask":
        raise UnknownMethodError(f"address/scheduler_file need executor='dask'; got executor={name!r}")
    if name == "serial":
        return SerialExecutor()
    if name == "local":
        return LocalExecutor(jobs)
    return DaskExecutor(jobs, address, scheduler_file, batch_size)
