"""The estimator layer shared by every discovery class (``PC``, ``CDNOD``, ...).

scikit-learn's contract without the dependency at import time: ``__init__``
only stores its keyword arguments under the same names; ``get_params`` and
``set_params`` read them from the signature, so ``sklearn.base.clone`` and
grid searches work; ``fit`` calls the module's function and sets ``result_``
and ``graph_``.
"""

import inspect

from ..exceptions import UnknownMethodError

__all__ = ["DiscoveryEstimator"]


class DiscoveryEstimator:
    """Base class: subclasses set ``_function`` (the functional front) and store params in ``__init__``."""

    #: the module-level function the estimator delegates to, e.g. ``pc``
    _function = None

    @classmethod
    def _param_names(cls):
        sig = inspect.signature(cls.__init__)
        return [p.name for p in sig.parameters.values()
                if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]

    def get_params(self, deep=True):
        """The constructor arguments, as a dict (scikit-learn convention)."""
        return {k: getattr(self, k) for k in self._param_names()}

    def set_params(self, **params):
        """Set constructor arguments by name; returns ``self``."""
        valid = self._param_names()
        for k, v in params.items():
            if k not in valid:
                raise UnknownMethodError(
                    f"{type(self).__name__} has no parameter {k!r}; valid ones are {valid}")
            setattr(self, k, v)
        return self

    def _fit_kwargs(self):
        return self.get_params()

    def fit(self, data, y=None):
        """Run the method on ``data`` (DataFrame, array or Dataset); returns ``self``."""
        self.result_ = type(self)._function(data, **self._fit_kwargs())
        self.graph_ = self.result_.graph
        return self

    def __repr__(self):
        defaults = {p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()}
        changed = []
        for k, v in self.get_params().items():
            try:
                same = bool(v == defaults.get(k))
            except Exception:  # array-valued parameters
                same = False
            if not same:
                changed.append(f"{k}={v!r}")
        return f"{type(self).__name__}({', '.join(changed)})"
