"""A long-lived child process that runs tasks one at a time (``python -m causalkit.bench._sandbox``).

The parent talks to it over its stdin/stdout with length-prefixed pickles;
the child moves its own stdout to stderr first, so an algorithm that prints
cannot corrupt the protocol. Killing the child is how a task past its
timeout is stopped; a child that dies on its own is a crashed task. The
same class serves the ``local`` executor (the driver owns the sandboxes)
and the ``dask`` executor (each Dask worker owns one).
"""

from __future__ import annotations

import os
import pickle
import select
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["Sandbox", "SandboxDied"]

_HEADER = struct.Struct(">Q")
#: seconds a task may spend on imports and data generation before its timeout clock starts
PREPARE_S = 120.0


class SandboxDied(RuntimeError):
    """The child process exited (or never started)."""


def _write(f, obj):
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:  # raw (unbuffered) files may write part of the buffer
        n = f.write(view)
        view = view[n if n is not None else 0:]
    f.flush()


def _read_exact(f, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = f.read(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def _read(f):
    head = _read_exact(f, _HEADER.size)
    if head is None:
        return None
    body = _read_exact(f, _HEADER.unpack(head)[0])
    return None if body is None else pickle.loads(body)


def _child_env():
    import causalkit

    env = dict(os.environ)
    for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
              "NUMEXPR_NUM_THREADS"):
        env[v] = "1"
    root = str(Path(causalkit.__file__).resolve().parent.parent)
    paths = [root] + [p for p in sys.path if p and os.path.isdir(p)]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    env["PYTHONUNBUFFERED"] = "1"
    return env


class Sandbox:
    """One child process running tasks; see the module docstring.

    Parameters
    ----------
    python : str, optional
        Interpreter (default ``sys.executable``).
    """

    def __init__(self, python=None):
        self.python = python or sys.executable
        self.proc = None
        self.ready = False
        self.task = None  # (spec, start time) while a task runs
        self.started = False
        self._err = None

    # ------------------------------------------------------------ lifecycle
    def start(self):
        """Start the child (returns at once; it sends ``ready`` when imported)."""
        self._err = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([self.python, "-m", "causalkit.bench._sandbox"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self._err, env=_child_env(),
                                     close_fds=True, bufsize=0)
        self.ready = False
        self.task = None
        return self

    def fileno(self):
        return self.proc.stdout.fileno()

    def stderr_tail(self, n=2000):
        """The last ``n`` characters the child wrote to stderr."""
        if self._err is None:
            return ""
        try:
            self._err.seek(0, os.SEEK_END)
            size = self._err.tell()
            self._err.seek(max(0, size - n))
            return self._err.read().decode(errors="replace")
        except (OSError, ValueError):
            return ""

    def kill(self):
        """Kill the child now and reap it."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
        if self.proc is not None:
            self.proc.wait()
            for f in (self.proc.stdin, self.proc.stdout):
                try:
                    f.close()
                except OSError:
                    pass
        self.ready = False

    def close(self, wait=5.0):
        """Ask the child to exit (EOF on its stdin); kill it if it does not within ``wait`` s."""
        if self.proc is None:
            return
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            pass
        self.kill()
        if self._err is not None:
            self._err.close()
            self._err = None

    def restart(self):
        self.kill()
        if self._err is not None:
            self._err.close()
        return self.start()

    # ------------------------------------------------------------ messages
    def send(self, spec):
        """Start ``spec`` on the child (it must be ready and idle)."""
        self.task = (spec, time.monotonic())
        self.started = False
        _write(self.proc.stdin, ("run", spec))

    def recv(self):
        """Read one message (blocking); None when the child has died."""
        try:
            return _read(self.proc.stdout)
        except (OSError, EOFError, pickle.UnpicklingError):
            return None

    def death_message(self):
        """Why the child died: exit code or signal, and its stderr tail."""
        rc = self.proc.wait() if self.proc is not None else None
        how = f"killed by signal {-rc}" if rc is not None and rc < 0 else f"exit code {rc}"
        tail = self.stderr_tail().strip()
        return f"worker process died ({how})" + (f"; its stderr ended with:\n{tail}" if tail else "")

    # ------------------------------------------------------------ synchronous use (dask)
    def wait_ready(self, timeout=300.0):
        """Block until the child has started; raise :class:`SandboxDied` if it could not."""
        if self.ready:
            return
        r, _, _ = select.select([self.fileno()], [], [], timeout)
        msg = self.recv() if r else None
        if msg is None or msg[0] != "ready":
            msg = self.death_message() if r else "worker process did not start in time"
            self.kill()
            raise SandboxDied(msg)
        self.ready = True

    def run(self, spec, timeout=None):
        """Run one task and return its result dict (``timeout``/``crashed`` statuses included)."""
        if self.proc is None or self.proc.poll() is not None:
            self.restart()
        self.wait_ready()
        self.send(spec)
        while True:
            wait = None if not timeout else max(0.0, self.deadline() - time.monotonic())
            r, _, _ = select.select([self.fileno()], [], [], wait)
            t0 = self.task[1]
            if not r:
                self.task = None
                self.restart()
                return stopped_result(spec, "timeout", time.monotonic() - t0,
                                      f"killed after the {timeout:g} s timeout")
            msg = self.recv()
            if msg is not None and msg[0] == "started":
                self.mark_started()
                continue
            self.task = None
            if msg is None:
                why = self.death_message()
                self.restart()
                return stopped_result(spec, "crashed", time.monotonic() - t0, why)
            return msg[1]

    def mark_started(self):
        """The child reported that the algorithm started: its timeout clock starts now."""
        self.task = (self.task[0], time.monotonic())
        self.started = True

    def deadline(self):
        """When the running task is past its timeout (monotonic time; inf without a timeout).

        Before the algorithm starts (imports, data generation) the task gets
        ``PREPARE_S`` extra seconds.
        """
        spec, t0 = self.task
        timeout = spec.get("timeout")
        if not timeout:
            return float("inf")
        return t0 + timeout + (0.0 if self.started else PREPARE_S)


def stopped_result(spec, status, elapsed, message):
    """The result dict of a task that was killed (``timeout``) or whose worker died (``crashed``)."""
    return {"task_key": spec.get("task_key"), "status": status, "metrics": {}, "runtime_s": elapsed,
            "data_s": None, "n_vars": None, "n_rows": None, "graph_json": None, "error": message,
            "warnings": [], "pid": None}


def _main():
    # keep the protocol on private copies of fds 0 and 1; route prints to stderr
    proto_in = os.fdopen(os.dup(0), "rb", buffering=0)
    proto_out = os.fdopen(os.dup(1), "wb", buffering=0)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    from causalkit.bench.tasks import execute, limit_threads

    _ctl = limit_threads()  # noqa: F841  (kept alive for the process lifetime)
    _write(proto_out, ("ready", os.getpid()))
    while True:
        msg = _read(proto_in)
        if msg is None:
            break
        if msg[0] == "run":
            result = execute(msg[1], on_start=lambda key: _write(proto_out, ("started", key)))
            _write(proto_out, ("result", result))


if __name__ == "__main__":
    _main()
