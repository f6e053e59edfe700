"""The run ledger: one SQLite file, written only by the driver.

Tables
------
``meta(key, value)``
    ``application = causalkit.bench`` and ``schema_version``; a file without
    them is not a causalkit store and is refused.
``tasks``
    One row per task: ``task_key`` (primary key), ``status`` (``pending``,
    ``running``, ``done``, ``failed``, ``timeout``, ``crashed``), the kind,
    algorithm, its parameters (JSON), the dataset spec (JSON), seed, labels,
    causalkit version, ``attempts``, the run that started and the run that
    finished it, timestamps, ``runtime_s``, data generation time, data size,
    error text and warnings.
``results(task_key, metric, value)``
    One row per metric (primary key ``(task_key, metric)``).
``graphs(task_key, graph_json)``
    The estimated graph of a discovery task.
``runs``
    One row per ``run_suite`` call: suite config, executor, host, versions.

The database uses WAL journaling and ``synchronous=NORMAL``: a crash of the
driver loses at most the transaction in flight, and each finished task is
committed on its own. WAL needs all users on one host and a local file
system; on NFS or Lustre pass ``journal_mode="DELETE"``.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import platform
import socket
import sqlite3
import sys
import time
from pathlib import Path

from .._version import __version__
from ..exceptions import DataError

__all__ = ["Store", "StoreError", "STATUSES", "FINISHED"]

#: every task status
STATUSES = ("pending", "running", "done", "failed", "timeout", "crashed")
#: statuses a rerun skips (unless ``retry=True`` for the last three)
FINISHED = ("done", "failed", "timeout", "crashed")
SCHEMA_VERSION = 1
_APPLICATION_ID = 0x636B6263  # "ckbc" in the SQLite header, identifies the file type

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY AUTOINCREMENT, suite TEXT, config JSON, executor TEXT, jobs INTEGER,
    host JSON, versions JSON, started_at REAL, finished_at REAL, n_tasks INTEGER);
CREATE TABLE IF NOT EXISTS tasks (
    task_key TEXT PRIMARY KEY, status TEXT NOT NULL, suite TEXT, kind TEXT, algo TEXT, algo_label TEXT,
    algo_params JSON, dataset_label TEXT, dataset_spec JSON, seed INTEGER, code_version TEXT,
    attempts INTEGER NOT NULL DEFAULT 0, run_started INTEGER, run_finished INTEGER, started_at REAL,
    finished_at REAL, runtime_s REAL, data_s REAL, n_vars INTEGER, n_rows INTEGER, worker_pid INTEGER,
    error TEXT, warnings JSON);
CREATE TABLE IF NOT EXISTS results (
    task_key TEXT NOT NULL, metric TEXT NOT NULL, value REAL, PRIMARY KEY (task_key, metric));
CREATE TABLE IF NOT EXISTS graphs (task_key TEXT PRIMARY KEY, graph_json TEXT);
CREATE INDEX IF NOT EXISTS tasks_status ON tasks(status);
"""


class StoreError(DataError):
    """A file that is not a causalkit store, or one written by a newer schema."""


def _host_info():
    return {"hostname": socket.gethostname(), "platform": platform.platform(),
            "python": sys.version.split()[0], "cpus": os.cpu_count(), "machine": platform.machine()}


def _versions():
    out = {"causalkit": __version__}
    for mod in ("numpy", "scipy", "pandas", "sklearn", "networkx", "causallearn", "lingam", "tigramite",
                "dask", "distributed", "torch"):
        m = sys.modules.get(mod)
        if m is None:
            try:
                from importlib.metadata import version

                name = {"sklearn": "scikit-learn", "causallearn": "causal-learn"}.get(mod, mod)
                out[mod] = version(name)
            except Exception:  # not installed
                continue
        else:
            out[mod] = getattr(m, "__version__", None)
    return out


class Store:
    """A benchmark store (see the module docstring).

    Parameters
    ----------
    path : str or Path
        The SQLite file; created when missing (``create=True``).
    create : bool, default True
        Create a new store if the file does not exist. With ``False`` a
        missing file raises :class:`StoreError` (for ``status``/``report``).
    journal_mode : {"WAL", "DELETE"}, default "WAL"

    Raises
    ------
    StoreError
        If the file exists but is not a causalkit store (not SQLite, or a
        database without causalkit's ``meta`` table).
    """

    def __init__(self, path, *, create=True, journal_mode="WAL"):
        self.path = Path(path)
        if self.path.is_dir():
            raise StoreError(f"the store path {self.path} is a directory; give a file name such as results.db")
        exists = self.path.exists() and self.path.stat().st_size > 0
        if not exists and not create:
            raise StoreError(f"no benchmark store at {self.path}")
        if exists:
            with open(self.path, "rb") as f:
                head = f.read(16)
            if head != b"SQLite format 3\x00":
                raise StoreError(f"{self.path} is not a causalkit benchmark store (not an SQLite file)")
        if not exists:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.conn = sqlite3.connect(str(self.path), timeout=30, isolation_level=None)
        except sqlite3.OperationalError as exc:
            raise StoreError(f"cannot open the benchmark store {self.path}: {exc}") from None
        try:
            if exists:
                self._check()
            self.conn.execute(f"PRAGMA journal_mode={journal_mode}")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            if not exists:
                self.conn.executescript(_SCHEMA)
                self.conn.execute(f"PRAGMA application_id={_APPLICATION_ID}")
                self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('application', 'causalkit.bench')")
                self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)",
                                  (str(SCHEMA_VERSION),))
                self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('created_by', ?)", (__version__,))
        except BaseException:
            self.conn.close()
            raise

    def _check(self):
        try:
            tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path} is not a causalkit benchmark store ({exc})") from None
        app = None
        if "meta" in tables:
            row = self.conn.execute("SELECT value FROM meta WHERE key='application'").fetchone()
            app = row[0] if row else None
        if app != "causalkit.bench" or not {"tasks", "results", "graphs", "runs"} <= tables:
            raise StoreError(f"{self.path} is an SQLite file but not a causalkit benchmark store "
                             f"(tables: {sorted(tables) or 'none'}); pass a new file name or a store "
                             f"written by 'causalkit bench run'")
        ver = int(self.conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0])
        if ver > SCHEMA_VERSION:
            raise StoreError(f"{self.path} has store schema {ver}; this causalkit reads up to "
                             f"{SCHEMA_VERSION}: upgrade causalkit")

    def close(self):
        self.conn.close()

    @contextlib.contextmanager
    def _tx(self):
        """One explicit transaction (the connection is in autocommit mode otherwise)."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------ writing (driver only)
    def start_run(self, suite_name, config, executor, jobs, n_tasks):
        """Record a run; returns its ``run_id``."""
        with self._tx():
            cur = self.conn.execute(
                "INSERT INTO runs (suite, config, executor, jobs, host, versions, started_at, n_tasks) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (suite_name, json.dumps(config, default=str), executor, jobs, json.dumps(_host_info()),
                 json.dumps(_versions()), time.time(), n_tasks))
        return cur.lastrowid

    def finish_run(self, run_id):
        with self._tx():
            self.conn.execute("UPDATE runs SET finished_at=? WHERE run_id=?", (time.time(), run_id))

    def add_tasks(self, specs, suite_name=""):
        """Insert tasks as ``pending``; existing keys are left as they are."""
        rows = [(s.task_key, "pending", suite_name, s.kind, s.algorithm, s.algo_label,
                 json.dumps(s.algo_params, sort_keys=True), s.dataset_label,
                 json.dumps(s.dataset, sort_keys=True), s.seed, s.version) for s in specs]
        with self._tx():
            self.conn.executemany(
                "INSERT INTO tasks (task_key, status, suite, kind, algo, algo_label, algo_params, "
                "dataset_label, dataset_spec, seed, code_version) VALUES (?,?,?,?,?,?,?,?,?,?,?) "
                "ON CONFLICT(task_key) DO NOTHING", rows)

    def statuses(self, keys=None):
        """``{task_key: status}`` (of ``keys``, or of every task)."""
        rows = self.conn.execute("SELECT task_key, status FROM tasks").fetchall()
        d = dict(rows)
        return d if keys is None else {k: d[k] for k in keys if k in d}

    def mark_running(self, task_key, run_id):
        with self._tx():
            self.conn.execute("UPDATE tasks SET status='running', attempts=attempts+1, run_started=?, "
                              "started_at=?, finished_at=NULL, error=NULL WHERE task_key=?",
                              (run_id, time.time(), task_key))

    def record(self, result, run_id):
        """Write one finished task (status, timings, metrics, graph) in one transaction."""
        key = result["task_key"]
        with self._tx():
            self.conn.execute(
                "UPDATE tasks SET status=?, run_finished=?, finished_at=?, runtime_s=?, data_s=?, n_vars=?, "
                "n_rows=?, worker_pid=?, error=?, warnings=? WHERE task_key=?",
                (result["status"], run_id, time.time(), result.get("runtime_s"), result.get("data_s"),
                 result.get("n_vars"), result.get("n_rows"), result.get("pid"), result.get("error"),
                 json.dumps(result.get("warnings") or []), key))
            self.conn.execute("DELETE FROM results WHERE task_key=?", (key,))
            self.conn.executemany(
                "INSERT INTO results (task_key, metric, value) VALUES (?, ?, ?)",
                [(key, m, None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v))
                 for m, v in (result.get("metrics") or {}).items()])
            if result.get("graph_json"):
                self.conn.execute("INSERT OR REPLACE INTO graphs VALUES (?, ?)", (key, result["graph_json"]))

    # ------------------------------------------------------------ reading
    def counts(self):
        """``{status: number of tasks}`` for every status."""
        out = dict.fromkeys(STATUSES, 0)
        for s, n in self.conn.execute("SELECT status, COUNT(*) FROM tasks GROUP BY status"):
            out[s] = n
        return out

    def runs(self):
        """DataFrame of the ``runs`` table."""
        import pandas as pd

        return pd.read_sql_query("SELECT * FROM runs ORDER BY run_id", self.conn)

    def tasks(self):
        """DataFrame of the ``tasks`` table (one row per task)."""
        import pandas as pd

        return pd.read_sql_query("SELECT * FROM tasks ORDER BY rowid", self.conn)

    def results(self, wide=False):
        """Results joined with their tasks: a tidy long table (one row per task and metric).

        With ``wide=True``, one row per task and one column per metric.
        """
        import pandas as pd

        long = pd.read_sql_query(
            "SELECT t.task_key, t.suite, t.kind, t.algo, t.algo_label, t.algo_params, t.dataset_label, "
            "t.dataset_spec, t.seed, t.status, t.n_vars, t.n_rows, t.code_version, r.metric, r.value "
            "FROM results r JOIN tasks t ON r.task_key = t.task_key ORDER BY t.rowid, r.metric", self.conn)
        if not wide:
            return long
        info = long.drop(columns=["metric", "value"]).drop_duplicates("task_key")
        if long.empty:
            return info
        values = long.pivot(index="task_key", columns="metric", values="value").rename_axis(columns=None)
        return info.merge(values, left_on="task_key", right_index=True, how="left").reset_index(drop=True)

    def graph(self, task_key):
        """The estimated graph of a task, as a CausalGraph (None if not stored)."""
        row = self.conn.execute("SELECT graph_json FROM graphs WHERE task_key=?", (task_key,)).fetchone()
        if row is None:
            return None
        from ..graph import CausalGraph

        return CausalGraph.from_json(row[0])
