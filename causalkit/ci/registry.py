"""Names of the conditional-independence tests and how to build one."""

from __future__ import annotations

import importlib

import numpy as np

from ..exceptions import UnknownMethodError

__all__ = ["CI_TESTS", "make_ci_test", "resolve_ci_test"]

#: name -> "module:Class", imported only when the test is used
CI_TESTS = {
    "fisherz": "causalkit.ci.fisherz:FisherZ",
    "chisq": "causalkit.ci.discrete:ChiSquare",
    "gsq": "causalkit.ci.discrete:GSquare",
    "kci": "causalkit.ci.kci:KCI",
    "rcit": "causalkit.ci.rcit:RCIT",
    "oracle": "causalkit.ci.oracle:DSeparationOracle",
}


def resolve_ci_test(name, discrete):
    """Turn ``"auto"`` into a concrete test name.

    Parameters
    ----------
    name : str
        A registered name or ``"auto"``.
    discrete : sequence of bool
        Per column, whether it is discrete.

    Returns
    -------
    str
        ``"gsq"`` when ``name="auto"`` and every column is discrete,
        ``"fisherz"`` otherwise; ``name`` itself when it is not ``"auto"``.
    """
    if name == "auto":
        return "gsq" if len(discrete) and all(discrete) else "fisherz"
    if name not in CI_TESTS:
        raise UnknownMethodError(
            f"unknown ci_test {name!r}; valid names are {sorted(CI_TESTS) + ['auto']}"
        )
    return name


def make_ci_test(name, data, names=None, discrete=None, **options):
    """Build the test ``name`` on ``data``.

    Parameters
    ----------
    name : str
        One of :data:`CI_TESTS` or ``"auto"``.
    data : ndarray of shape (n_samples, n_variables)
        Validated data (discrete columns as integer codes).
    names : list of str, optional
        Column names.
    discrete : sequence of bool, optional
        Per column, whether it is discrete (used by ``"auto"``).
    **options
        Passed to the test's constructor (e.g. ``graph=`` for ``"oracle"``).

    Returns
    -------
    CITest
    """
    if discrete is None:
        discrete = [False] * np.shape(data)[1]
    name = resolve_ci_test(name, discrete)
    if name == "kci" and "categorical" not in options and any(discrete):
        # columns known to be discrete get the delta kernel
        options["categorical"] = np.asarray(discrete, dtype=bool)
    module, cls = CI_TESTS[name].split(":")
    test_cls = getattr(importlib.import_module(module), cls)
    return test_cls(data, names=names, **options)
