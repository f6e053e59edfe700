"""causalkit: causal discovery and causal reasoning, with named results.

>>> import causalkit
>>> ds = causalkit.generators.sample_scm(6, 1000, seed=0)   # doctest: +SKIP
>>> result = causalkit.discover(ds.data)                      # doctest: +SKIP
>>> result.graph.edges                                        # doctest: +SKIP

Heavy or optional dependencies (torch, dask, matplotlib, causal-learn) are
imported only by the functions that need them: ``import causalkit`` loads
numpy, scipy, pandas and networkx alone.
"""

import importlib

from ._version import __version__
from .api import discover
from .data import check_data
from .dataset import Dataset
from .exceptions import (CausalkitError, DataError, GraphError, NodeNotFound, NotIdentifiable,
                         UnknownMethodError)
from .graph import CausalGraph
from .result import DiscoveryResult

# name -> module holding it; loaded on first access (keeps `import causalkit` light)
_LAZY = {
    "PC": "causalkit.discovery.pc",
    "BackgroundKnowledge": "causalkit.discovery.background",
    "CDNOD": "causalkit.discovery.cdnod",
    "CausalDeFinetti": "causalkit.discovery.definetti",
    "PCMCI": "causalkit.discovery.pcmci",
    "compare": "causalkit.metrics",
    "metrics": "causalkit.metrics",
    "generators": "causalkit.generators",
    "discovery": "causalkit.discovery",
    "ci": "causalkit.ci",
    "reasoning": "causalkit.reasoning",
    "learned": "causalkit.learned",
}

__all__ = [
    "__version__", "discover", "check_data", "Dataset", "CausalGraph", "DiscoveryResult",
    "CausalkitError", "DataError", "GraphError", "NodeNotFound", "NotIdentifiable",
    "UnknownMethodError", *_LAZY,
]


def __getattr__(name):
    if name in _LAZY:
        module = importlib.import_module(_LAZY[name])
        value = module if module.__name__.endswith("." + name) else getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'causalkit' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
