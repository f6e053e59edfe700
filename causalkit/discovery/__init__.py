"""Causal discovery algorithms, one module per method."""

from .background import BackgroundKnowledge
from .pc import PC, pc

__all__ = ["pc", "PC", "BackgroundKnowledge"]
