"""Benchmark suites: YAML files that describe a grid of tasks.

A suite names datasets (generators with parameters, or saved
:class:`~causalkit.dataset.Dataset` directories), algorithms with
parameters, seeds, the metrics to report and a per-task timeout. Every
list-valued parameter is a grid axis; the tasks are the product of datasets x
algorithms x seeds over all grid points, minus the pairs an algorithm cannot
run (an i.i.d. method on a time series, CD-NOD without a domain column).

Each task is a :class:`TaskSpec`: a small, JSON-serialisable description
from which a worker regenerates the data deterministically. Its
:attr:`TaskSpec.task_key` is a stable hash of the kind, the algorithm and its
canonical parameters, the dataset spec, the seed and the causalkit version,
so a rerun of the same suite finds its finished tasks in the store.

Errors in a suite are reported as ``file:line: key.path: problem`` with
:class:`SuiteError` (a :class:`~causalkit.exceptions.DataError`) before any
task starts.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import numbers
from dataclasses import dataclass, field
from pathlib import Path

from .._version import __version__
from ..exceptions import DataError, UnknownMethodError

__all__ = ["SuiteError", "Suite", "TaskSpec", "DatasetEntry", "AlgorithmEntry", "load_suite",
           "expand_grid", "canonical_json", "TASK_KINDS"]

#: the task kinds a suite may name (see :mod:`causalkit.bench.registry`)
TASK_KINDS = ("discovery", "intervention", "prediction", "reasoning")

_TOP_KEYS = {
    "name": "suite name (string, required)",
    "description": "free text",
    "kind": f"task kind, one of {TASK_KINDS} (default discovery)",
    "seeds": "list of integer seeds, or an integer n meaning 0..n-1 (default [0])",
    "datasets": "list of datasets (required)",
    "algorithms": "list of algorithms (required)",
    "metrics": "metric names to report (default: all)",
    "timeout": "per-task time limit in seconds (default none)",
    "plugins": "modules to import before resolving names (they register algorithms/generators)",
}
_DATASET_KEYS = ("generator", "file", "params", "name")
_ALGORITHM_KEYS = ("name", "params", "label")


class SuiteError(DataError):
    """A suite file is malformed; the message names the key and its line."""


# ---------------------------------------------------------------------- helpers
def canonical_json(obj):
    """JSON text with sorted keys and no spaces: the same value gives the same text."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=True)


def _key_str(path):
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "<top>"


def _line_map(node, path=(), out=None):
    """``{key path: 1-based line}`` for every mapping key and sequence item of a composed YAML node."""
    import yaml

    if out is None:
        out = {}
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            key = k.value if isinstance(k, yaml.ScalarNode) else str(k.value)
            out[path + (key,)] = k.start_mark.line + 1
            _line_map(v, path + (key,), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            out[path + (i,)] = v.start_mark.line + 1
            _line_map(v, path + (i,), out)
    return out


class _Where:
    """Builds ``file:line: key: message`` errors from a line map."""

    def __init__(self, source, lines):
        self.source = source
        self.lines = lines

    def line(self, path):
        path = tuple(path)
        while path not in self.lines and path:
            path = path[:-1]
        return self.lines.get(path)

    def error(self, path, message, cls=SuiteError):
        line = self.line(path)
        loc = f"{self.source}:{line}" if line else str(self.source)
        return cls(f"{loc}: {_key_str(path)}: {message}")


def expand_grid(params):
    """All combinations of the list-valued entries of ``params``.

    A list is a grid axis; to pass a list as one value, wrap it in another
    list (``weight_range: [[0.5, 2.0]]``).

    Parameters
    ----------
    params : dict

    Returns
    -------
    list of dict
        One dict per grid point, in the order of ``itertools.product`` over
        the keys in sorted order (so the order is stable).

    Examples
    --------
    >>> expand_grid({"alpha": [0.01, 0.05], "ci_test": "fisherz"})
    [{'alpha': 0.01, 'ci_test': 'fisherz'}, {'alpha': 0.05, 'ci_test': 'fisherz'}]
    """
    params = dict(params or {})
    keys = sorted(params)
    axes = [params[k] if isinstance(params[k], list) else [params[k]] for k in keys]
    return [dict(zip(keys, combo)) for combo in itertools.product(*axes)]


def _file_digest(directory):
    """sha256 of a saved Dataset's files (dataset.json and the data file)."""
    h = hashlib.sha256()
    d = Path(directory)
    meta = d / "dataset.json"
    h.update(meta.read_bytes())
    try:
        data_file = json.loads(meta.read_text()).get("data_file", "data.csv")
    except ValueError:
        data_file = "data.csv"
    if (d / data_file).exists():
        with open(d / data_file, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


# ---------------------------------------------------------------------- spec types
@dataclass(frozen=True)
class DatasetEntry:
    """One ``datasets:`` item of a suite (parameters not yet expanded)."""

    label: str
    generator: str | None = None
    params: dict = field(default_factory=dict)
    file: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class AlgorithmEntry:
    """One ``algorithms:`` item of a suite (parameters not yet expanded)."""

    name: str
    params: dict = field(default_factory=dict)
    label: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class TaskSpec:
    """Everything a worker needs to run one task; no data, only how to make it.

    Attributes
    ----------
    kind : str
        Task kind (``"discovery"``, ...).
    algorithm : str
        Registered algorithm name.
    algo_params : dict
        One grid point of the algorithm's parameters.
    dataset : dict
        ``{"generator": name, "params": {...}}`` or ``{"file": path, "sha256": digest}``.
    seed : int
        Seed of the data generator (and of the algorithm when it takes one).
    dataset_label, algo_label : str
        Names used in reports.
    timeout : float or None
        Seconds before the task is killed.
    plugins : tuple of str
        Modules imported by the worker before names are resolved.
    version : str
        The causalkit version (part of the key).
    """

    kind: str
    algorithm: str
    algo_params: dict
    dataset: dict
    seed: int
    dataset_label: str = ""
    algo_label: str = ""
    timeout: float | None = None
    plugins: tuple = ()
    version: str = __version__

    @property
    def task_key(self):
        """Stable 32-hex-digit hash of kind, algorithm, params, dataset spec, seed and version."""
        ident = {"kind": self.kind, "algorithm": self.algorithm, "params": self.algo_params,
                 "dataset": self.dataset, "seed": int(self.seed), "version": self.version}
        return hashlib.sha256(canonical_json(ident).encode()).hexdigest()[:32]

    def to_dict(self):
        """Plain dict (what is sent to workers)."""
        return {"kind": self.kind, "algorithm": self.algorithm, "algo_params": self.algo_params,
                "dataset": self.dataset, "seed": int(self.seed), "dataset_label": self.dataset_label,
                "algo_label": self.algo_label, "timeout": self.timeout, "plugins": list(self.plugins),
                "version": self.version, "task_key": self.task_key}

    @classmethod
    def from_dict(cls, d):
        """Inverse of :meth:`to_dict`."""
        return cls(d["kind"], d["algorithm"], dict(d["algo_params"]), dict(d["dataset"]),
                   int(d["seed"]), d.get("dataset_label", ""), d.get("algo_label", ""),
                   d.get("timeout"), tuple(d.get("plugins", ())), d.get("version", __version__))


@dataclass
class Suite:
    """A validated benchmark suite; :meth:`tasks` lists its task specs.

    Build one with :func:`load_suite`.
    """

    name: str
    datasets: list
    algorithms: list
    kind: str = "discovery"
    seeds: tuple = (0,)
    metrics: tuple | None = None
    timeout: float | None = None
    plugins: tuple = ()
    description: str = ""
    source: str = "<suite>"
    config: dict = field(default_factory=dict)
    skipped: list = field(default_factory=list)
    _tasks: list = field(default_factory=list, repr=False)

    def tasks(self):
        """list of :class:`TaskSpec`, in a stable order (datasets, algorithms, seeds)."""
        return list(self._tasks)


# ---------------------------------------------------------------------- loading
def _load_yaml(source):
    import yaml

    if isinstance(source, dict):
        return source, {}, "<dict>", Path.cwd()
    text = None
    p = Path(source) if not (isinstance(source, str) and "\n" in source) else None
    if p is not None:
        if not p.exists():
            raise SuiteError(f"suite file not found: {source}")
        text = p.read_text()
        name, base = str(p), p.resolve().parent
    else:
        text, name, base = source, "<suite>", Path.cwd()
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        config = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise SuiteError(f"{name}{line}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    lines = _line_map(node) if node is not None else {}
    return config, lines, name, base


def _check_number(where, path, value, *, positive=False, integer=False):
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if integer:
        ok = ok and isinstance(value, numbers.Integral)
    if not ok or (positive and value <= 0):
        what = "an integer" if integer else "a number"
        raise where.error(path, f"must be {what}{' > 0' if positive else ''}; got {value!r}")
    return value


def load_suite(source, *, check=True):
    """Read and validate a suite.

    Parameters
    ----------
    source : str, Path or dict
        A YAML file, YAML text (a string with a newline) or an already parsed dict.
    check : bool, default True
        Resolve generator and algorithm names, check parameter names and
        types and data-role compatibility against the registries
        (:mod:`causalkit.bench.registry`), and build the task list.

    Returns
    -------
    Suite

    Raises
    ------
    SuiteError
        On a missing or misspelt key, a value of the wrong type, a parameter
        the generator or algorithm does not take; the message starts with
        ``file:line: key.path:``.
    UnknownMethodError
        On an unknown generator, algorithm, metric or task kind (the message
        lists the known ones, and gives the line).

    Examples
    --------
    >>> suite = load_suite('''
    ... name: tiny
    ... datasets: [{generator: scm, params: {n_nodes: 4, n_samples: [100, 200]}}]
    ... algorithms: [{name: pc, params: {alpha: 0.05}}]
    ... ''', check=False)
    >>> suite.name, len(suite.datasets)
    ('tiny', 1)
    """
    config, lines, name, base = _load_yaml(source)
    where = _Where(name, lines)
    if not isinstance(config, dict):
        raise where.error((), "a suite must be a mapping with keys name, datasets, algorithms, ...")
    for k in config:
        if k not in _TOP_KEYS:
            raise where.error((k,), f"unknown key; valid top-level keys are {sorted(_TOP_KEYS)}")
    for k in ("name", "datasets", "algorithms"):
        if k not in config:
            raise where.error((), f"missing required key {k!r}")
    sname = config["name"]
    if not isinstance(sname, str) or not sname:
        raise where.error(("name",), f"must be a non-empty string; got {sname!r}")
    kind = config.get("kind", "discovery")
    if kind not in TASK_KINDS:
        raise where.error(("kind",), f"unknown task kind {kind!r}; valid kinds are {list(TASK_KINDS)}",
                          cls=UnknownMethodError)
    seeds = config.get("seeds", [0])
    if isinstance(seeds, numbers.Integral) and not isinstance(seeds, bool):
        if seeds < 1:
            raise where.error(("seeds",), f"an integer number of seeds must be >= 1; got {seeds}")
        seeds = list(range(int(seeds)))
    if not isinstance(seeds, list) or not seeds:
        raise where.error(("seeds",), f"must be a non-empty list of integers or an integer; got {seeds!r}")
    for i, s in enumerate(seeds):
        _check_number(where, ("seeds", i), s, integer=True)
    if len(set(seeds)) != len(seeds):
        raise where.error(("seeds",), f"duplicate seeds in {seeds}")
    timeout = config.get("timeout")
    if timeout is not None:
        _check_number(where, ("timeout",), timeout, positive=True)
    metrics = config.get("metrics")
    if metrics is not None:
        if not isinstance(metrics, list) or not all(isinstance(m, str) for m in metrics):
            raise where.error(("metrics",), f"must be a list of metric names; got {metrics!r}")
        metrics = tuple(metrics)
    plugins = config.get("plugins", [])
    if isinstance(plugins, str):
        plugins = [plugins]
    if not isinstance(plugins, list) or not all(isinstance(m, str) for m in plugins):
        raise where.error(("plugins",), f"must be a list of module names; got {plugins!r}")
    description = config.get("description", "")

    datasets = []
    raw_ds = config["datasets"]
    if not isinstance(raw_ds, list) or not raw_ds:
        raise where.error(("datasets",), "must be a non-empty list")
    for i, item in enumerate(raw_ds):
        path = ("datasets", i)
        if not isinstance(item, dict):
            raise where.error(path, f"each dataset is a mapping with 'generator' or 'file'; got {item!r}")
        for k in item:
            if k not in _DATASET_KEYS:
                raise where.error(path + (k,), f"unknown key; valid dataset keys are {list(_DATASET_KEYS)}")
        if ("generator" in item) == ("file" in item):
            raise where.error(path, "give exactly one of 'generator' and 'file'")
        params = item.get("params", {}) or {}
        if not isinstance(params, dict):
            raise where.error(path + ("params",), f"must be a mapping of parameter names to values; got {params!r}")
        if "file" in item:
            f = item["file"]
            if not isinstance(f, str):
                raise where.error(path + ("file",), f"must be a path; got {f!r}")
            fp = Path(f) if Path(f).is_absolute() else base / f
            if not (fp / "dataset.json").exists():
                raise where.error(path + ("file",), f"{fp} is not a saved causalkit Dataset (no dataset.json)")
            if params:
                raise where.error(path + ("params",), "a file dataset takes no params")
            label = item.get("name") or fp.name
            datasets.append(DatasetEntry(str(label), file=str(fp.resolve()), line=where.line(path)))
        else:
            g = item["generator"]
            if not isinstance(g, str):
                raise where.error(path + ("generator",), f"must be a generator name; got {g!r}")
            label = item.get("name") or g
            datasets.append(DatasetEntry(str(label), generator=g, params=params, line=where.line(path)))
    algorithms = []
    raw_alg = config["algorithms"]
    if not isinstance(raw_alg, list) or not raw_alg:
        raise where.error(("algorithms",), "must be a non-empty list")
    for i, item in enumerate(raw_alg):
        path = ("algorithms", i)
        if isinstance(item, str):
            item = {"name": item}
        if not isinstance(item, dict) or "name" not in item:
            raise where.error(path, f"each algorithm is a mapping with 'name' (and 'params'); got {item!r}")
        for k in item:
            if k not in _ALGORITHM_KEYS:
                raise where.error(path + (k,), f"unknown key; valid algorithm keys are {list(_ALGORITHM_KEYS)}")
        params = item.get("params", {}) or {}
        if not isinstance(params, dict):
            raise where.error(path + ("params",), f"must be a mapping of parameter names to values; got {params!r}")
        if not isinstance(item["name"], str):
            raise where.error(path + ("name",), f"must be an algorithm name; got {item['name']!r}")
        algorithms.append(AlgorithmEntry(item["name"], params, item.get("label"), where.line(path)))

    suite = Suite(name=sname, datasets=datasets, algorithms=algorithms, kind=kind, seeds=tuple(seeds),
                  metrics=metrics, timeout=timeout, plugins=tuple(plugins), description=description,
                  source=name, config=config)
    if check:
        _resolve(suite, where)
    return suite


def _resolve(suite, where):
    """Check names, parameters and compatibility against the registries; build the tasks."""
    from . import registry

    registry.import_plugins(suite.plugins)
    known_metrics = registry.metric_names(suite.kind)
    if suite.metrics is not None:
        for i, m in enumerate(suite.metrics):
            if m not in known_metrics:
                raise where.error(("metrics", i), f"unknown metric {m!r} for {suite.kind} tasks; "
                                  f"known metrics are {sorted(known_metrics)}", cls=UnknownMethodError)
    ds_points = []  # (entry index, entry, dataset spec dict, info)
    for i, entry in enumerate(suite.datasets):
        path = ("datasets", i)
        if entry.file is not None:
            spec = {"file": entry.file, "sha256": _file_digest(entry.file)}
            info = registry.file_dataset_info(entry.file)
            ds_points.append((i, entry, spec, info, {}))
            continue
        try:
            gen = registry.get_generator(entry.generator)
        except UnknownMethodError as exc:
            raise where.error(path + ("generator",), str(exc), cls=UnknownMethodError) from None
        try:
            gen.load()
        except Exception as exc:  # report a missing module before any task starts
            raise where.error(path + ("generator",), f"generator {gen.name!r} is not available: cannot "
                              f"import {gen.target}: {exc}", cls=UnknownMethodError) from None
        for k, v in entry.params.items():
            err = gen.check_param(k, v)
            if err:
                raise where.error(path + ("params", k), err)
        for point in expand_grid(entry.params):
            spec = {"generator": gen.name, "params": point}
            ds_points.append((i, entry, spec, gen.info(point), point))
    alg_points = []
    for j, entry in enumerate(suite.algorithms):
        path = ("algorithms", j)
        try:
            alg = registry.get_algorithm(entry.name)
        except UnknownMethodError as exc:
            raise where.error(path + ("name",), str(exc), cls=UnknownMethodError) from None
        if alg.kind != suite.kind:
            raise where.error(path + ("name",), f"algorithm {entry.name!r} is a {alg.kind} method; this "
                              f"suite's kind is {suite.kind!r}", cls=UnknownMethodError)
        missing = alg.unavailable_reason()
        if missing:
            raise where.error(path + ("name",), f"algorithm {entry.name!r} is not available: {missing}",
                              cls=UnknownMethodError)
        for k, v in entry.params.items():
            err = alg.check_param(k, v)
            if err:
                raise where.error(path + ("params", k), err)
        for point in expand_grid(entry.params):
            alg_points.append((j, entry, alg, point))
    tasks, skipped = [], []
    used_alg = set()
    for i, dentry, dspec, info, dpoint in ds_points:
        dlabel = dentry.label
        if dpoint and len(expand_grid(dentry.params)) > 1:
            varying = {k: v for k, v in dpoint.items() if isinstance(dentry.params.get(k), list)}
            dlabel = dentry.label + "(" + ", ".join(f"{k}={v}" for k, v in sorted(varying.items())) + ")"
        for j, aentry, alg, apoint in alg_points:
            reason = alg.incompatibility(info, apoint)
            if reason:
                skipped.append((aentry.name, dentry.label, reason))
                continue
            used_alg.add(j)
            alabel = aentry.label or aentry.name
            for seed in suite.seeds:
                tasks.append(TaskSpec(suite.kind, alg.name, apoint, dspec, int(seed), dlabel, alabel,
                                      suite.timeout, suite.plugins))
    for j, entry in enumerate(suite.algorithms):
        if j not in used_alg:
            reasons = sorted({r for name, _, r in skipped if name == entry.name})
            raise where.error(("algorithms", j, "name"), f"algorithm {entry.name!r} cannot run on any "
                              f"dataset of this suite ({'; '.join(reasons)})")
    keys = {}
    for t in tasks:
        keys.setdefault(t.task_key, t)
    suite._tasks = list(keys.values())
    suite.skipped = sorted(set(skipped))
    return suite
