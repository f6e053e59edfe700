"""Exceptions raised by causalkit, named for what went wrong."""

__all__ = [
    "CausalkitError",
    "DataError",
    "GraphError",
    "NodeNotFound",
    "NotIdentifiable",
    "UnknownMethodError",
]


class CausalkitError(Exception):
    """Base class of every causalkit error."""


class DataError(CausalkitError, ValueError):
    """The input data cannot be used as given; the message names the column or argument."""


class GraphError(CausalkitError, ValueError):
    """A graph is malformed or does not suit the operation asked for."""


class NodeNotFound(GraphError, KeyError):
    """A node name that is not in the graph."""

    def __str__(self):  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class NotIdentifiable(CausalkitError):
    """A causal effect cannot be computed from the observational distribution."""


class UnknownMethodError(CausalkitError, ValueError):
    """A method, test or option name that is not registered; the message lists the valid ones."""
