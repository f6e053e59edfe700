"""What a benchmark suite can name: generators, algorithms and task kinds.

* **Generators** make a :class:`~causalkit.dataset.Dataset` from parameters
  and a seed: ``"scm"`` (:func:`causalkit.generators.sample_scm`),
  ``"heterogeneous"`` (:func:`causalkit.generators.heterogeneous`), ``"bif"``
  (:func:`causalkit.generators.load_bif` then ``.sample``). Each declares the
  kind of rows it produces (``"iid"`` or ``"timeseries"``) and the column
  roles its datasets carry (``"context"`` for a domain column, ...).
* **Algorithms** run on a Dataset. Every method of
  :data:`causalkit.discovery.registry.METHODS` is available under its own
  name (run through :func:`causalkit.discover`), plus peer adapters
  ``causallearn.pc``, ``causallearn.ges``, ``causallearn.cdnod``,
  ``lingam.direct`` and ``tigramite.pcmci`` (when the package is installed).
  Each declares the data roles it needs, so that an i.i.d. method is not run
  on a time series and CD-NOD is not run without a domain column.
* **Task kinds** turn an algorithm's output into metrics: ``discovery``
  (graph metrics of :func:`causalkit.metrics.compare` against the true
  graph), ``intervention`` (total-variation error of estimated
  interventional distributions), ``prediction`` (ROC AUC, accuracy,
  log-loss) and ``reasoning`` (accuracy).

Register your own with :func:`register_generator`, :func:`register_algorithm`
and :func:`register_kind`, in a module that the suite lists under
``plugins:`` so that worker processes import it too.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import math
import numbers
from dataclasses import dataclass, field

from ..exceptions import DataError, GraphError, UnknownMethodError

__all__ = [
    "GeneratorSpec", "AlgorithmSpec", "TaskKind", "GENERATORS", "ALGORITHMS", "KINDS",
    "register_generator", "register_algorithm", "register_kind", "get_generator", "get_algorithm",
    "get_kind", "available_generators", "available_algorithms", "import_plugins", "metric_names",
    "RUNNER_METRICS",
]

#: Dataset role -> the ``discover`` argument it fills
ROLE_TO_ARGUMENT = {"context": "domain", "time": "time_index", "environment": "environment",
                    "sample": "sample"}

#: metrics the runner records for every discovery task, beside those of ``compare``:
#: skeleton true/false positives, false negatives and the number of true adjacencies P,
#: TP/P and FP/P (the axes of Benchpress's ROC-like plots), and the number of estimated edges.
RUNNER_METRICS = ("skeleton_tp", "skeleton_fp", "skeleton_fn", "n_true_edges", "n_est_edges",
                  "tp_over_p", "fp_over_p")


def _load_target(target):
    if callable(target):
        return target
    module, _, attr = target.partition(":")
    obj = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def _type_of_default(value):
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, numbers.Integral):
        return "int"
    if isinstance(value, numbers.Real):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, (tuple, list)):
        return "list"
    return None


def _value_ok(type_name, value):
    if type_name in (None, "any"):
        return True
    if isinstance(type_name, (tuple, list)):
        return any(_value_ok(t, value) for t in type_name)
    if type_name == "bool":
        return isinstance(value, bool)
    if type_name == "int":
        return isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if type_name == "float":
        return isinstance(value, numbers.Real) and not isinstance(value, bool)
    if type_name == "str":
        return isinstance(value, str)
    if type_name == "list":
        return isinstance(value, (list, tuple))
    if type_name == "none":
        return value is None
    raise ValueError(f"unknown parameter type {type_name!r}")


class _ParamChecked:
    """Parameter-name and -type checks shared by generators and algorithms."""

    def _signature_types(self):
        """(types from defaults, accepts **kwargs, names) of the target's signature."""
        try:
            func = self.load()
        except Exception:  # an unimportable target is reported by unavailable_reason
            return {}, True, set()
        try:
            sig = inspect.signature(func)
        except (TypeError, ValueError):
            return {}, True, set()
        types, var_kw, names = {}, False, set()
        for p in sig.parameters.values():
            if p.kind is p.VAR_KEYWORD:
                var_kw = True
                continue
            if p.kind is p.VAR_POSITIONAL:
                continue
            names.add(p.name)
            if p.default is not p.empty:
                t = _type_of_default(p.default)
                if t is not None:
                    types[p.name] = t
        return types, var_kw, names

    def check_param(self, name, value):
        """An error message for a bad parameter, or None. Grid lists are checked item by item."""
        reserved = self._reserved()
        if name in reserved:
            return f"{name!r} is set by the runner and cannot be given here"
        types, var_kw, names = self._signature_types()
        types.update(self.param_types)
        names = (names | set(self.param_types)) - reserved
        if not var_kw and name not in names:
            return (f"{self.name!r} has no parameter {name!r}; its parameters are "
                    f"{sorted(names)}")
        t = types.get(name)
        for v in (value if isinstance(value, list) else [value]):  # a list is a grid axis
            if not _value_ok(t, v):
                return (f"parameter {name!r} of {self.name!r} must be of type {t}; got {v!r} "
                        f"({type(v).__name__})")
        return None


# ---------------------------------------------------------------------- generators
@dataclass(frozen=True)
class GeneratorSpec(_ParamChecked):
    """A dataset generator the runner can call.

    Attributes
    ----------
    name : str
    target : str or callable
        ``"module:function"``; called as ``target(**params, seed=seed)`` and
        returning a :class:`~causalkit.dataset.Dataset`.
    data_kind : str
        ``"iid"`` or ``"timeseries"``.
    roles : tuple of str
        Dataset roles (``"context"``, ``"time"``, ``"environment"``,
        ``"sample"``) its datasets carry.
    param_types : dict
        ``{name: type}`` for parameters without a default in the signature
        (``"int"``, ``"float"``, ``"str"``, ``"bool"``, ``"list"``, or a tuple of them).
    description : str
    """

    name: str
    target: object
    data_kind: str = "iid"
    roles: tuple = ()
    param_types: dict = field(default_factory=dict)
    description: str = ""
    seed_arg: str = "seed"

    def load(self):
        return _load_target(self.target)

    def _reserved(self):
        return {self.seed_arg}

    def info(self, params):
        """What the runner knows about a dataset before making it."""
        return {"data_kind": self.data_kind, "roles": tuple(self.roles)}

    def generate(self, params, seed):
        """Make the dataset (deterministic in ``params`` and ``seed``)."""
        return self.load()(**params, **{self.seed_arg: seed})


def _bif_sample(path, n_samples, seed=None):
    from causalkit.generators import load_bif

    return load_bif(path).sample(n_samples, seed=seed)


GENERATORS: dict = {}


def register_generator(name, target, *, data_kind="iid", roles=(), param_types=None, description="",
                       seed_arg="seed"):
    """Register a dataset generator under ``name`` (replacing an earlier entry).

    Parameters
    ----------
    name : str
    target : str or callable
        ``"module:function"`` (imported when first used) or a function
        ``f(**params, seed=seed) -> Dataset``. Use a string in plugins so that
        worker processes can import it.
    data_kind : {"iid", "timeseries"}
    roles : tuple of str
        Dataset roles the generated datasets carry.
    param_types : dict, optional
        Types of parameters that have no default in the signature.
    description : str
    seed_arg : str, default "seed"
        Name of the seed argument.

    Returns
    -------
    GeneratorSpec
    """
    if data_kind not in ("iid", "timeseries"):
        raise DataError(f"data_kind must be 'iid' or 'timeseries'; got {data_kind!r}")
    GENERATORS[name] = GeneratorSpec(name, target, data_kind, tuple(roles), dict(param_types or {}),
                                     description, seed_arg)
    return GENERATORS[name]


def available_generators():
    """Sorted names of the registered generators."""
    return sorted(GENERATORS)


def get_generator(name):
    """The :class:`GeneratorSpec` of ``name``; an error lists the known ones."""
    try:
        return GENERATORS[name]
    except KeyError:
        raise UnknownMethodError(f"unknown generator {name!r}; known generators are "
                                 f"{available_generators()}") from None


register_generator("scm", "causalkit.generators:sample_scm",
                   param_types={"n_nodes": "int", "n_samples": "int", "noise_scale": ("float", "list")},
                   description="random linear or nonlinear additive-noise SCM (sample_scm)")
register_generator("heterogeneous", "causalkit.generators:heterogeneous", roles=("context",),
                   param_types={"n_nodes": "int", "n_samples": "int", "n_domains": ("int", "none")},
                   description="multi-domain or time-varying SCM with a context column (CD-NOD)")
register_generator("bif", "causalkit.bench.registry:_bif_sample",
                   param_types={"path": "str", "n_samples": "int"},
                   description="samples of a discrete Bayesian network read from a BIF file")


register_generator("exchangeable", "causalkit.generators:exchangeable", roles=("environment",),
                   param_types={"setting": "str", "n_environments": "int"},
                   description="ICM-exchangeable multi-environment data (causal de Finetti)")
register_generator("interventions", "causalkit.reasoning.benchmark_tasks:intervention_dataset",
                   param_types={"n_samples": "int"},
                   description="samples of a random network with a hidden confounder and the exact "
                               "P(Y | do X) (intervention tasks)")


def file_dataset_info(directory):
    """Data kind and roles of a saved Dataset, read from its ``dataset.json`` only."""
    import json
    from pathlib import Path

    meta = json.loads((Path(directory) / "dataset.json").read_text())
    roles = tuple(sorted(meta.get("roles") or {}))
    kind = (meta.get("metadata") or {}).get("data_kind")
    if kind not in ("iid", "timeseries"):
        kind = "timeseries" if "time" in roles and "context" not in roles else "iid"
    return {"data_kind": kind, "roles": roles}


# ---------------------------------------------------------------------- task kinds
@dataclass(frozen=True)
class TaskKind:
    """A task kind: how an algorithm's output is scored.

    Attributes
    ----------
    name : str
    evaluate : callable
        ``evaluate(dataset, output, algorithm_spec) -> (metrics dict, extras dict)``;
        ``extras`` may hold ``"graph_json"``.
    metrics : callable
        ``metrics() -> tuple of str``: every metric name ``evaluate`` returns.
    description : str
    """

    name: str
    evaluate: object
    metrics: object
    description: str = ""


KINDS: dict = {}


def register_kind(name, evaluate, metrics, description=""):
    """Register a task kind (see :class:`TaskKind`)."""
    KINDS[name] = TaskKind(name, evaluate, metrics, description)
    return KINDS[name]


def get_kind(name):
    """The :class:`TaskKind` of ``name``; an error lists the known ones."""
    try:
        return KINDS[name]
    except KeyError:
        raise UnknownMethodError(f"unknown task kind {name!r}; known kinds are {sorted(KINDS)}") from None


def metric_names(kind):
    """Every metric a task of ``kind`` records (``runtime_s`` included)."""
    return tuple(get_kind(kind).metrics()) + ("runtime_s",)


def _compare_keys():
    try:
        from causalkit.metrics import COMPARE_KEYS
    except ImportError:
        return ()
    return tuple(COMPARE_KEYS)


def _as_graph(output):
    from causalkit.graph import CausalGraph
    from causalkit.result import DiscoveryResult

    if isinstance(output, DiscoveryResult):
        return output.graph
    if isinstance(output, CausalGraph):
        return output
    raise DataError(f"a discovery algorithm must return a CausalGraph or DiscoveryResult; "
                    f"got {type(output).__name__}")


def _on_nodes(graph, nodes):
    """``graph`` restricted (or extended with isolated nodes) to ``nodes``, in that order."""
    from causalkit.graph import CausalGraph

    keep = set(nodes)
    edges = [tuple(e) for e in graph.edge_list() if e.source in keep and e.target in keep]
    kind = graph.kind if graph.kind != "skeleton" or not edges else None
    try:
        return CausalGraph(list(nodes), edges, kind=kind)
    except GraphError:
        return CausalGraph(list(nodes), edges)


def _adjacency(graph):
    import numpy as np

    m = np.asarray(graph.to_endpoint_matrix()) != 0
    return m | m.T


def evaluate_discovery(dataset, output, algorithm=None):
    """Metrics of an estimated graph against ``dataset.graph``.

    The estimate is compared with the true DAG when it is a DAG, and with the
    true DAG's CPDAG otherwise (the best any Markov-equivalence method can
    do); nodes of the estimate that are not variables of the truth (a
    context node, say) are dropped. Lagged graphs are compared through their
    summary graphs.
    """
    import numpy as np

    from causalkit.metrics import compare

    truth = dataset.graph
    if truth is None:
        raise DataError("a discovery task needs a dataset with a true graph (Dataset.graph is None)")
    est = _as_graph(output)
    if truth.latent:
        truth = truth.latent_projection()
    lagged = any(e.lag for e in truth.edge_list()) or any(e.lag for e in est.edge_list())
    est = _on_nodes(est, truth.nodes)
    target = getattr(algorithm, "truth", "auto") if algorithm is not None else "auto"
    if target == "auto":
        target = "dag" if est.kind == "dag" else "cpdag"
    ref = truth
    if target == "cpdag" and not lagged and truth.kind == "dag":
        ref = truth.to_cpdag()
    scores = compare(ref, est, lagged="summary" if lagged else "raise")
    a_true = _adjacency(truth.summary() if lagged else truth)
    a_est = _adjacency(est.summary() if lagged else est)
    iu = np.triu_indices(a_true.shape[0], k=1)
    t, e = a_true[iu], a_est[iu]
    tp, fp, fn = int(np.sum(t & e)), int(np.sum(~t & e)), int(np.sum(t & ~e))
    p = int(t.sum())
    metrics = {k: float(v) for k, v in scores.items()}
    metrics.update({"skeleton_tp": tp, "skeleton_fp": fp, "skeleton_fn": fn, "n_true_edges": p,
                    "n_est_edges": int(e.sum()),
                    "tp_over_p": tp / p if p else (1.0 if fp == 0 else 0.0),
                    "fp_over_p": fp / p if p else float(fp > 0)})
    return metrics, {"graph_json": _as_graph(output).to_json()}


def _tv(p, q):
    import numpy as np

    p, q = np.asarray(p, float), np.asarray(q, float)
    if p.shape != q.shape:
        raise DataError(f"estimated distribution has {q.size} values, the true one {p.size}")
    return 0.5 * float(np.abs(p - q).sum())


def evaluate_intervention(dataset, output, algorithm=None):
    """Total-variation error of estimated interventional distributions.

    ``dataset.metadata["interventions"]`` lists the queries, each a dict
    with ``"id"`` and the true ``"distribution"`` (probabilities of the
    outcome's values under the intervention); ``output`` maps each query id
    to the estimated probabilities in the same order. Metrics: ``tv_error``
    (mean over queries) and ``tv_error_max``.
    """
    queries = dataset.metadata.get("interventions")
    if not queries:
        raise DataError("an intervention task needs dataset.metadata['interventions'] "
                        "(a list of {id, do, outcome, distribution})")
    if not isinstance(output, dict):
        raise DataError(f"an intervention algorithm must return {{query id: probabilities}}; "
                        f"got {type(output).__name__}")
    errs = []
    for q in queries:
        if q["id"] not in output:
            raise DataError(f"the algorithm gave no estimate for intervention query {q['id']!r}")
        errs.append(_tv(q["distribution"], output[q["id"]]))
    return {"tv_error": sum(errs) / len(errs), "tv_error_max": max(errs)}, {}


def _truth_and(output, dataset, key):
    if not isinstance(output, dict) or key not in output:
        raise DataError(f"the algorithm must return a dict with {key!r}")
    y_true = output.get("y_true", dataset.metadata.get("y_true"))
    if y_true is None:
        raise DataError("no true labels: give 'y_true' in the output or dataset.metadata['y_true']")
    return y_true, output[key]


def evaluate_prediction(dataset, output, algorithm=None):
    """ROC AUC, accuracy and log-loss of predicted class probabilities.

    ``output`` is ``{"proba": (n,) or (n, k) array, "y_true": labels}``
    (``y_true`` may instead be ``dataset.metadata["y_true"]``); for a 1-D
    ``proba`` the classes are 0 and 1.
    """
    import numpy as np
    from sklearn.metrics import accuracy_score, log_loss, roc_auc_score

    y_true, proba = _truth_and(output, dataset, "proba")
    y_true = np.asarray(y_true)
    proba = np.asarray(proba, float)
    if proba.ndim == 1:
        proba = np.column_stack([1 - proba, proba])
    classes = np.arange(proba.shape[1])
    pred = classes[np.argmax(proba, axis=1)]
    try:
        auc = (roc_auc_score(y_true, proba[:, 1]) if proba.shape[1] == 2
               else roc_auc_score(y_true, proba, multi_class="ovr", labels=classes))
    except ValueError:  # one class only in y_true
        auc = math.nan
    return {"roc_auc": float(auc), "accuracy": float(accuracy_score(y_true, pred)),
            "log_loss": float(log_loss(y_true, np.clip(proba, 1e-15, 1), labels=classes))}, {}


def evaluate_reasoning(dataset, output, algorithm=None):
    """Accuracy of answers: ``output = {"y_pred": answers, "y_true": answers}``
    (``y_true`` may instead be ``dataset.metadata["y_true"]``)."""
    y_true, y_pred = _truth_and(output, dataset, "y_pred")
    y_true, y_pred = list(y_true), list(y_pred)
    if len(y_true) != len(y_pred):
        raise DataError(f"{len(y_pred)} answers for {len(y_true)} questions")
    n = len(y_true)
    return {"accuracy": sum(a == b for a, b in zip(y_true, y_pred)) / n if n else math.nan,
            "n_questions": n}, {}


register_kind("discovery", evaluate_discovery, lambda: _compare_keys() + RUNNER_METRICS,
              "graph metrics of causalkit.metrics.compare against the true graph")
register_kind("intervention", evaluate_intervention, lambda: ("tv_error", "tv_error_max"),
              "total-variation error of estimated P(Y | do(X)) against the truth")
register_kind("prediction", evaluate_prediction, lambda: ("roc_auc", "accuracy", "log_loss"),
              "ROC AUC, accuracy and log-loss of predicted probabilities")
register_kind("reasoning", evaluate_reasoning, lambda: ("accuracy", "n_questions"),
              "accuracy of answers to causal questions")


# ---------------------------------------------------------------------- algorithms
@dataclass(frozen=True)
class AlgorithmSpec(_ParamChecked):
    """An algorithm the runner can run.

    Attributes
    ----------
    name : str
    target : str or callable
        ``"module:function"``, called as ``target(dataset, **fixed, **params)``
        (plus ``seed_arg=seed`` when ``seed_arg`` is set); returns what the
        task kind scores (a graph or DiscoveryResult for discovery).
    kind : str
        Task kind (``"discovery"``, ...).
    requires : tuple of str
        Data roles that must be present, as ``discover`` arguments
        (``"domain"``, ``"time_index"``, ``"environment"``, ``"sample"``;
        ``"domain|time_index"`` for alternatives).
    data_kind : str or None
        ``"iid"`` or ``"timeseries"`` rows; None runs on both.
    package : str or None
        Import name of the package it needs (checked before the run).
    param_types : dict
    fixed : dict
        Keyword arguments always passed (e.g. the method name).
    signature_of : str or None
        ``"module:function"`` whose signature lists the parameters (default: target).
    seed_arg : str or None
    truth : str
        ``"auto"``, ``"dag"`` or ``"cpdag"``: what a discovery estimate is compared with.
    description : str
    skip_params : tuple of str
        Parameter names of the signature the suite may not set (role columns).
    preload : tuple of str
        Modules imported before the timeout clock starts.
    """

    name: str
    target: object
    kind: str = "discovery"
    requires: tuple = ()
    data_kind: str | None = "iid"
    package: str | None = None
    param_types: dict = field(default_factory=dict)
    fixed: dict = field(default_factory=dict)
    signature_of: str | None = None
    seed_arg: str | None = None
    truth: str = "auto"
    description: str = ""
    skip_params: tuple = ()
    preload: tuple = ()

    def load(self):
        return _load_target(self.signature_of or self.target)

    def prepare(self):
        """Import the target and the ``preload`` modules (done before a task's clock starts)."""
        _load_target(self.target)
        for m in self.preload:
            importlib.import_module(m)

    def _reserved(self):
        out = set(self.fixed) | set(self.skip_params) | {"data", "dataset"}
        if self.seed_arg:
            out.add(self.seed_arg)
        return out

    def unavailable_reason(self):
        """Why the algorithm cannot run here (a missing package), or None."""
        if self.package and importlib.util.find_spec(self.package) is None:
            return f"package {self.package!r} is not installed"
        if self.signature_of or isinstance(self.target, str):
            try:
                self.load()
            except Exception as exc:  # report any import problem before tasks start
                return f"cannot import {self.signature_of or self.target}: {exc}"
        return None

    def incompatibility(self, info, params):
        """Why this algorithm cannot run on a dataset with ``info``, or None."""
        if self.data_kind is not None and info["data_kind"] != self.data_kind:
            return f"{self.name} needs {self.data_kind} data, the dataset is {info['data_kind']}"
        have = {ROLE_TO_ARGUMENT.get(r, r) for r in info["roles"]} | set(params)
        for req in self.requires:
            if not any(r in have for r in req.split("|")):
                return f"{self.name} needs a {' or '.join(req.split('|'))} column"
        return None

    def run(self, dataset, params, seed):
        """Run on ``dataset``; returns the output the task kind scores."""
        kwargs = dict(self.fixed)
        kwargs.update(params)
        if self.seed_arg:
            kwargs[self.seed_arg] = seed
        return _load_target(self.target)(dataset, **kwargs)


ALGORITHMS: dict = {}


def register_algorithm(name, target, *, kind="discovery", requires=(), data_kind="iid", package=None,
                       param_types=None, fixed=None, signature_of=None, seed_arg=None, truth="auto",
                       description="", preload=()):
    """Register an algorithm for the runner (see :class:`AlgorithmSpec`).

    Parameters
    ----------
    name : str
    target : str or callable
        ``"module:function"``, called as ``f(dataset, **params)``. Use a
        string in plugins so that worker processes can import it.
    kind : str, default "discovery"
        A registered task kind.
    requires, data_kind, package, param_types, fixed, signature_of, seed_arg, truth, description
        See :class:`AlgorithmSpec`.
    preload : tuple of str
        Modules to import before the task's timeout clock starts (slow imports
        that the target does inside its body).

    Returns
    -------
    AlgorithmSpec

    Examples
    --------
    >>> spec = register_algorithm("mine.empty", "mymodule:empty_graph")  # doctest: +SKIP
    """
    if kind not in KINDS:
        raise UnknownMethodError(f"unknown task kind {kind!r}; known kinds are {sorted(KINDS)}")
    if truth not in ("auto", "dag", "cpdag"):
        raise DataError(f"truth must be 'auto', 'dag' or 'cpdag'; got {truth!r}")
    ALGORITHMS[name] = AlgorithmSpec(
        name, target, kind=kind, requires=tuple(requires), data_kind=data_kind, package=package,
        param_types=dict(param_types or {}), fixed=dict(fixed or {}), signature_of=signature_of,
        seed_arg=seed_arg, truth=truth, description=description, preload=tuple(preload))
    return ALGORITHMS[name]


def _discover_methods():
    from causalkit.discovery.registry import METHODS

    return METHODS


def _method_algorithm(mspec):
    """The :class:`AlgorithmSpec` of a ``discover`` method."""
    return AlgorithmSpec(
        mspec.name, "causalkit.bench.registry:run_discover_method", kind="discovery",
        requires=tuple(mspec.requires), data_kind=mspec.data_kind,
        param_types={"alpha": "float", "ci_test": "str"}, fixed={"method": mspec.name},
        signature_of=mspec.target, description=mspec.description or "causalkit.discover method",
        skip_params=("domain", "time_index", "environment", "sample"),
        preload=("causalkit.api", mspec.target.partition(":")[0]),
    )


def run_discover_method(dataset, method, **params):
    """Run ``causalkit.discover(..., method=method)`` with the roles the method uses."""
    from causalkit.api import discover
    from causalkit.discovery.registry import get_method

    spec = get_method(method)
    uses = spec.roles()
    roles = {}
    for role, arg in ROLE_TO_ARGUMENT.items():
        cols = dataset.role_columns(role)
        if cols and arg in uses:
            roles[arg] = cols[0] if len(cols) == 1 else cols
    used_cols = [c for v in roles.values() for c in ([v] if isinstance(v, str) else v)]
    data = dataset.data[dataset.variables + [c for c in used_cols if c not in dataset.variables]]
    return discover(data, method=method, **roles, **params)


def available_algorithms(kind=None):
    """Sorted names of the algorithms (registered and ``discover`` methods), optionally of one kind."""
    names = {n for n, a in ALGORITHMS.items() if kind is None or a.kind == kind}
    if kind in (None, "discovery"):
        names |= set(_discover_methods())
    return sorted(names)


def get_algorithm(name):
    """The :class:`AlgorithmSpec` of ``name``; an error lists the known ones."""
    if name in ALGORITHMS:
        return ALGORITHMS[name]
    methods = _discover_methods()
    if name in methods:
        return _method_algorithm(methods[name])
    raise UnknownMethodError(f"unknown algorithm {name!r}; known algorithms are {available_algorithms()}")


def import_plugins(modules):
    """Import the modules a suite lists under ``plugins:`` (they register things)."""
    for m in modules or ():
        try:
            importlib.import_module(m)
        except ImportError as exc:
            raise UnknownMethodError(f"plugin module {m!r} cannot be imported: {exc}") from None


# ---------------------------------------------------------------------- peers
register_algorithm("causallearn.pc", "causalkit.bench.peers:causallearn_pc", package="causallearn",
                   preload=("causallearn.search.ConstraintBased.PC",),
                   param_types={"alpha": "float", "indep_test": "str", "stable": "bool"},
                   description="causal-learn PC (peer)")
register_algorithm("causallearn.ges", "causalkit.bench.peers:causallearn_ges", package="causallearn",
                   preload=("causallearn.search.ScoreBased.GES",),
                   param_types={"score_func": "str", "maxP": ("int", "none")},
                   description="causal-learn GES with the BIC score (peer)")
register_algorithm("causallearn.cdnod", "causalkit.bench.peers:causallearn_cdnod", package="causallearn",
                   preload=("causallearn.search.ConstraintBased.CDNOD",),
                   requires=("domain|time_index",),
                   param_types={"alpha": "float", "indep_test": "str", "stable": "bool"},
                   description="causal-learn CD-NOD on the context column (peer)")
register_algorithm("lingam.direct", "causalkit.bench.peers:lingam_direct", package="lingam",
                   preload=("lingam",),
                   seed_arg="random_state", param_types={"measure": "str", "threshold": "float"},
                   truth="dag", description="DirectLiNGAM of the lingam package (peer)")
register_algorithm("tigramite.pcmci", "causalkit.bench.peers:tigramite_pcmci", package="tigramite",
                   preload=("tigramite.pcmci", "tigramite.independence_tests.parcorr"),
                   data_kind="timeseries",
                   param_types={"tau_max": "int", "pc_alpha": "float", "alpha_level": "float",
                                "cond_ind_test": "str"},
                   description="PCMCI of tigramite with ParCorr (peer)")

# ---------------------------------------------------------------------- interventions (causalkit.reasoning)
register_algorithm("surgery.do", "causalkit.reasoning.benchmark_tasks:estimate_do", kind="intervention",
                   param_types={"smoothing": "float", "method": "str"},
                   description="P(Y | do X) identified by comb disintegration or ID, evaluated on the data")
register_algorithm("naive.conditional", "causalkit.reasoning.benchmark_tasks:estimate_naive",
                   kind="intervention", param_types={"smoothing": "float"},
                   description="the observational P(Y | X = x), ignoring confounding (baseline)")

# ---------------------------------------------------------------------- reasoning (causalkit.learned)
register_generator("reasoning", "causalkit.learned.benchmark_tasks:reasoning_dataset",
                   param_types={"n_questions": "int"},
                   description="premise-question pairs (transitivity or d-separation) with exact labels")
register_algorithm("axiomatic", "causalkit.learned.benchmark_tasks:axiomatic_answers", kind="reasoning",
                   package="torch", preload=("torch", "causalkit.learned.axiomatic"),
                   param_types={"batch_size": "int"},
                   description="the shipped axiomatic-training transformer (torch)")
register_algorithm("symbolic", "causalkit.learned.benchmark_tasks:symbolic_answers", kind="reasoning",
                   description="exact symbolic checker (reachability / d-separation)")

# ---------------------------------------------------------------------- prediction (causalkit.learned)
register_algorithm("causalkit.pfn", "causalkit.learned.pfn_classifier:bench_predict", kind="prediction",
                   package="torch", preload=("torch", "causalkit.learned.pfn_classifier"),
                   description="TabPFN-style prior-fitted network (shipped weights; torch)")
