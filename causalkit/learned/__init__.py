"""Learned (torch) models of causalkit; torch is imported only when a model is asked for.

- :class:`AxiomaticReasoner`: the axiomatic-training transformer (Vashishtha et al., 2024) that answers
  "Does X cause Y?" and "Are X and Y d-separated given {...}?" about a textual premise.
- :class:`PFNClassifier`: a TabPFN-style prior-fitted network for tabular classification.
- :class:`PFNStructureLearner`: an amortized structure learner (edge probabilities in one pass).
"""

_LAZY = {
    "AxiomaticReasoner": "causalkit.learned.axiomatic",
    "PFNClassifier": "causalkit.learned.pfn_classifier",
    "PFNTransformer": "causalkit.learned.pfn",
    "PFNStructureLearner": "causalkit.learned.structure",
    "pfn_discover": "causalkit.learned.structure",
}

__all__ = list(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'causalkit.learned' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_LAZY))
