"""The interface every conditional-independence test implements.

A test is built once per dataset and then asked many questions
``X _||_ Y | S`` by column index. It caches each answer under the indices and
a hash of the data bytes, so the same question is never computed twice and two
different datasets never share an answer (unlike a hash of ``str(data)``, which
summarises large arrays and collides).
"""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["CITest", "data_hash"]


def data_hash(data):
    """A hash of the full bytes of an array (blake2b, 16 bytes, hex)."""
    a = np.ascontiguousarray(data)
    h = hashlib.blake2b(digest_size=16)
    h.update(str(a.dtype).encode())
    h.update(str(a.shape).encode())
    h.update(a.tobytes())
    return h.hexdigest()


class CITest:
    """Base class of conditional-independence tests.

    Subclasses implement :meth:`_compute` (one test) and may override
    :meth:`_compute_many` (a batch, vectorised). Callers use :meth:`pvalue`
    and :meth:`pvalues`, which handle the cache and the count of tests.

    Parameters
    ----------
    data : ndarray of shape (n_samples, n_variables)
        Already validated (see :func:`causalkit.check_data`).
    names : list of str, optional
        Column names, for messages.

    Attributes
    ----------
    name : str
        The registry name (``"fisherz"``, ...).
    n_tests : int
        Tests actually computed (cache hits excluded).
    data_hash : str
        Hash of the data bytes; part of every cache key.
    """

    name = "base"
    #: "continuous", "discrete" or "any": what data the test accepts
    data_type = "any"

    def __init__(self, data, names=None):
        self.data = np.asarray(data)
        self.n_samples, self.n_variables = self.data.shape
        self.names = list(names) if names is not None else [f"X{i}" for i in range(self.n_variables)]
        self.data_hash = data_hash(self.data)
        self.n_tests = 0
        self._cache = {}

    @staticmethod
    def _key(x, y, S):
        x, y = int(x), int(y)
        if x > y:
            x, y = y, x
        return (x, y, tuple(sorted(int(s) for s in S)))

    def pvalue(self, x, y, S=()):
        """p-value of ``X_x _||_ X_y | X_S`` (small means dependent)."""
        key = self._key(x, y, S)
        p = self._cache.get(key)
        if p is None:
            p = float(self._compute(*key))
            self._cache[key] = p
            self.n_tests += 1
        return p

    def pvalues(self, tests):
        """p-values of many tests ``[(x, y, S), ...]`` at once, as an array.

        Uncached tests are computed together by :meth:`_compute_many`, which
        vectorised tests override.
        """
        keys = [self._key(x, y, S) for x, y, S in tests]
        todo = list(dict.fromkeys(k for k in keys if k not in self._cache))
        if todo:
            ps = self._compute_many(todo)
            for k, p in zip(todo, ps):
                self._cache[k] = float(p)
            self.n_tests += len(todo)
        return np.array([self._cache[k] for k in keys], dtype=float)

    def _compute(self, x, y, S):
        raise NotImplementedError

    def _compute_many(self, keys):
        return [self._compute(*k) for k in keys]

    def __repr__(self):
        return f"{type(self).__name__}(n_samples={self.n_samples}, n_variables={self.n_variables})"
