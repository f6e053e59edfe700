"""The registry of discovery methods that :func:`causalkit.discover` dispatches to.

Each method declares which data roles it uses (``domain``, ``time_index``,
``environment``, ``lags``, ``sample``) so that ``discover`` can refuse a
combination the method would silently ignore. Later modules register theirs
with :func:`register_method`; the target is imported only when it runs.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from ..exceptions import UnknownMethodError

__all__ = ["MethodSpec", "METHODS", "register_method", "get_method", "available_methods"]

#: the role arguments of ``discover``
ROLE_ARGUMENTS = ("domain", "time_index", "environment", "lags", "sample")


@dataclass(frozen=True)
class MethodSpec:
    """How to run one discovery method.

    Attributes
    ----------
    name : str
        Registry name (``"pc"``).
    target : str
        ``"module:function"``; the function takes ``(data, **kwargs)`` and
        returns a :class:`~causalkit.result.DiscoveryResult`.
    requires : tuple of str
        Role arguments that must be given (e.g. ``("domain|time_index",)``:
        one of the alternatives separated by ``|``).
    accepts : tuple of str
        Role arguments the method uses (beyond ``requires``).
    data_kind : str
        ``"iid"`` or ``"timeseries"``: what rows the method expects.
    description : str
        One line for listings.
    """

    name: str
    target: str
    requires: tuple = ()
    accepts: tuple = ()
    data_kind: str = "iid"
    description: str = ""
    options: dict = field(default_factory=dict)

    def load(self):
        module, func = self.target.split(":")
        return getattr(importlib.import_module(module), func)

    def roles(self):
        out = set(self.accepts)
        for r in self.requires:
            out |= set(r.split("|"))
        return out


METHODS: dict = {}


def register_method(name, target, *, requires=(), accepts=(), data_kind="iid", description=""):
    """Register a discovery method under ``name`` (replacing an earlier entry)."""
    for r in list(accepts) + [a for req in requires for a in req.split("|")]:
        if r not in ROLE_ARGUMENTS:
            raise ValueError(f"unknown role argument {r!r}; valid ones are {ROLE_ARGUMENTS}")
    METHODS[name] = MethodSpec(name, target, tuple(requires), tuple(accepts), data_kind, description)
    return METHODS[name]


def available_methods():
    """Sorted list of registered method names."""
    return sorted(METHODS)


def get_method(name):
    """The :class:`MethodSpec` of ``name``, or an error listing the registered ones."""
    try:
        return METHODS[name]
    except KeyError:
        raise UnknownMethodError(
            f"unknown method {name!r}; registered methods are {available_methods()}"
        ) from None


register_method(
    "pc", "causalkit.discovery.pc:pc",
    description="PC algorithm (stable skeleton, Meek rules); CPDAG of i.i.d. data",
)
register_method(
    "cdnod", "causalkit.discovery.cdnod:cdnod", requires=("domain|time_index",),
    description="CD-NOD: heterogeneous / nonstationary data with a domain or time index",
)
for _name, _target, _desc in [
    ("pcmci", "causalkit.discovery.pcmci:pcmci", "PCMCI (Runge et al. 2019) on causalkit's CI engine"),
    ("granger", "causalkit.discovery.granger:granger", "VAR Granger causality"),
    ("neural_granger", "causalkit.discovery.neural_granger:neural_granger",
     "neural Granger causality (cMLP with group lasso; torch)"),
    ("tigramite_pcmci", "causalkit.discovery.peers_timeseries:tigramite_pcmci",
     "adapter: tigramite's PCMCI with ParCorr"),
    ("varlingam", "causalkit.discovery.peers_timeseries:varlingam", "adapter: lingam's VARLiNGAM"),
]:
    register_method(_name, _target, requires=("lags",), accepts=("time_index", "sample"),
                    data_kind="timeseries", description=_desc)
register_method(
    "definetti", "causalkit.discovery.definetti:definetti", requires=("environment",),
    description="causal de Finetti: full DAG from exchangeable multi-environment data",
)
register_method(
    "pfn", "causalkit.learned.structure:pfn_discover",
    description="amortized prior-fitted network: DAG + edge probabilities (torch; ignores ci_test/alpha)",
)
