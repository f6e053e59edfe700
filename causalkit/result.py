"""The object every discovery method returns."""

from dataclasses import dataclass, field

from .graph import CausalGraph

__all__ = ["DiscoveryResult"]


@dataclass(frozen=True)
class DiscoveryResult:
    """What a causal discovery run found, with how it was found.

    Attributes
    ----------
    graph : CausalGraph
        The estimated graph; its ``kind`` says what class it is (a PC run
        returns a ``"cpdag"``).
    algorithm : str
        Registered method name (``"pc"``, ``"cdnod"``, ...).
    params : dict
        The parameters the method ran with, defaults filled in.
    n_tests : int
        Number of conditional-independence tests computed (cache hits excluded).
    runtime_s : float
        Wall-clock seconds.
    warnings : tuple of str
        Anything the user should know about this result (for example
        conflicting orientations that were settled).
    details : dict
        Algorithm-specific output, e.g. ``"sepsets"`` for constraint-based
        methods: ``{(x, y): (z1, ...)}`` keyed by node names.
    """

    graph: CausalGraph
    algorithm: str
    params: dict = field(default_factory=dict)
    n_tests: int = 0
    runtime_s: float = 0.0
    warnings: tuple = ()
    details: dict = field(default_factory=dict)

    @property
    def edges(self):
        """Shortcut for ``result.graph.edges``."""
        return self.graph.edges

    def to_networkx(self, undirected="raise"):
        """Shortcut for ``result.graph.to_networkx(undirected)``."""
        return self.graph.to_networkx(undirected=undirected)

    def __repr__(self):
        return (f"DiscoveryResult(algorithm={self.algorithm!r}, graph={self.graph!r}, "
                f"n_tests={self.n_tests}, runtime_s={self.runtime_s:.3f})")
