"""Causal reasoning with string diagrams: interventions, comb disintegration, identification.

Syntax (:mod:`.diagram`): boxes, ``>>``, ``@``, copy, discard, uniform, swap
and the network diagram of a causal graph. Semantics (:mod:`.semantics`):
stochastic matrices, contracted factor by factor. Surgery (:mod:`.surgery`):
``cut`` (the intervention functor), disintegration and 2-combs.
Identification (:mod:`.identify`, :mod:`.id_algorithm`): the comb condition of
Jacobs, Kissinger and Zanasi and Shpitser and Pearl's complete ID algorithm,
both evaluated on an observational joint. Ground truth (:mod:`.causal_network`):
fully specified networks intervened on by surgery.

Examples
--------
>>> from causalkit import CausalGraph
>>> from causalkit.reasoning import Distribution, do
>>> g = CausalGraph.from_edges([("H", "S"), ("S", "T"), ("T", "C"), ("H", "C")], latent=["H"])
>>> omega = Distribution(["S", "T", "C"], [0.50, 0.10, 0.01, 0.02, 0.10, 0.05, 0.02, 0.20])
>>> round(do(omega, g, {"S": 1}, "C").prob(C=1), 8)
0.5422973
"""

from .diagram import Box, Diagram, copy, discard, draw, identity, network, swap, uniform
from .distribution import Channel, Distribution, total_variation
from .id_algorithm import IDExpression, id_effect, id_expression
from .identify import DO_METHODS, CombPlan, do, identify
from .causal_network import CausalNetwork, random_network
from .semantics import Interpretation, evaluate
from .surgery import comb_compose, comb_disintegrate, cut, cut_comb, disintegrate
from .symbolic import check_statement, parse_statement

__all__ = [
    "Box", "Diagram", "copy", "discard", "draw", "identity", "network", "swap", "uniform",
    "Channel", "Distribution", "total_variation",
    "Interpretation", "evaluate",
    "cut", "cut_comb", "disintegrate", "comb_disintegrate", "comb_compose",
    "CombPlan", "identify", "do", "DO_METHODS",
    "IDExpression", "id_expression", "id_effect",
    "CausalNetwork", "random_network",
    "check_statement", "parse_statement",
]
