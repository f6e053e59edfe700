"""Causal discovery algorithms, one module per method, and the registry ``discover`` uses.

============  =========================================================
module        method
============  =========================================================
pc            PC (stable, order-independent), the constraint engine
cdnod         CD-NOD for heterogeneous / nonstationary data
definetti     causal de Finetti for exchangeable multi-environment data
pcmci         PCMCI for time series
granger       VAR Granger causality; neural_granger: cMLP Granger
============  =========================================================
"""

from .background import BackgroundKnowledge
from .pc import PC, pc
from .registry import METHODS, MethodSpec, available_methods, get_method, register_method

__all__ = ["pc", "PC", "BackgroundKnowledge", "available_methods", "register_method", "get_method",
           "METHODS", "MethodSpec"]
