"""``causalkit.discover``: one call from a DataFrame to a causal graph."""

from __future__ import annotations

import pandas as pd

from .dataset import Dataset
from .discovery.registry import available_methods, get_method
from .exceptions import DataError, UnknownMethodError

__all__ = ["discover", "AUTO_DISPATCH"]

#: how ``method="auto"`` chooses, in order (documented in ``discover``)
AUTO_DISPATCH = (
    ("environment", "definetti", "exchangeable multi-environment data -> causal de Finetti"),
    ("domain|time_index (no lags)", "cdnod", "heterogeneous / nonstationary data -> CD-NOD"),
    ("lags", "pcmci", "time series -> time-series discovery"),
    ("otherwise", "pc", "i.i.d. data -> PC (Fisher-z; G-squared if every column is discrete)"),
)


def _auto_method(roles):
    if roles.get("environment") is not None:
        return "definetti"
    if roles.get("lags") is not None:
        return "pcmci"
    if roles.get("domain") is not None or roles.get("time_index") is not None:
        return "cdnod"
    return "pc"


def discover(data, method="auto", *, ci_test="auto", alpha=0.05, domain=None, time_index=None,
             environment=None, lags=None, sample=None, background=None, **params):
    """Learn a causal graph from data.

    Parameters
    ----------
    data : DataFrame, ndarray or Dataset
        One row per sample, one column per variable (plus any role columns).
        A numpy array gets column names ``X0..X{d-1}``. A :class:`Dataset`'s
        ``roles`` fill in ``domain`` (its ``context``), ``environment``,
        ``time_index`` (its ``time``) and ``sample``.
    method : str, default "auto"
        A registered method (see :func:`causalkit.discovery.available_methods`)
        or ``"auto"``, which chooses as follows:

        ==================================  ===========  =========================
        when                                method       why
        ==================================  ===========  =========================
        ``environment`` given               definetti    exchangeable environments
        ``domain`` or ``time_index``,       cdnod        heterogeneous or
        no ``lags``                                      nonstationary data
        ``lags`` given                      pcmci        time series
        otherwise                           pc           i.i.d. data
        ==================================  ===========  =========================

    ci_test : str, default "auto"
        Independence test (``"fisherz"``, ``"chisq"``, ``"gsq"``, ``"kci"``,
        ``"rcit"``, ``"oracle"``); ``"auto"`` is Fisher-z for continuous data
        and G-squared when every column is discrete.
    alpha : float, default 0.05
        Significance level of the independence tests.
    domain, time_index, environment, sample : str or list of str, optional
        Role columns (see :class:`causalkit.Dataset`).
    lags : int, optional
        Maximum lag for time-series discovery.
    background : BackgroundKnowledge, optional
        Required / forbidden edges and tiers.
    **params
        Passed to the method.

    Returns
    -------
    DiscoveryResult

    Raises
    ------
    UnknownMethodError
        For a method that is not registered (the message lists those that
        are), or role arguments the method does not use.

    Examples
    --------
    >>> import causalkit
    >>> ds = causalkit.generators.sample_scm(5, 500, seed=0)  # doctest: +SKIP
    >>> result = causalkit.discover(ds.data)  # doctest: +SKIP
    """
    roles = {"domain": domain, "time_index": time_index, "environment": environment,
             "lags": lags, "sample": sample}
    if isinstance(data, Dataset):
        context = data.roles.get("context")
        # A context that is a time index (a nonstationary series) goes to time_index=.
        context_is_time = context is not None and (
            data.metadata.get("context_type") == "time" or context == data.roles.get("time"))
        from_ds = {"domain": None if context_is_time else context,
                   "environment": data.roles.get("environment"),
                   "time_index": context if context_is_time else data.roles.get("time"),
                   "sample": data.roles.get("sample")}
        for k, v in from_ds.items():
            if v is not None and roles.get(k) is None:
                roles[k] = v
        data = data.data
    elif not isinstance(data, pd.DataFrame):
        import numpy as np

        a = np.asarray(data)
        if a.ndim != 2:
            raise DataError(f"data must be a DataFrame, a 2-D array or a Dataset; got shape {a.shape}")
        data = pd.DataFrame(a, columns=[f"X{i}" for i in range(a.shape[1])])
    given = {k: v for k, v in roles.items() if v is not None}
    for k, v in given.items():
        if k == "lags":
            continue
        for c in ([v] if isinstance(v, str) else list(v)):
            if str(c) not in data.columns.astype(str):
                raise DataError(f"{k}={c!r} is not a column of data; columns are {list(data.columns)}")
    if method == "auto":
        method = _auto_method(given)
        if method not in available_methods():
            raise UnknownMethodError(
                f"method='auto' chose {method!r} for roles {sorted(given)}, but {method!r} is not "
                f"available in this version; registered methods are {available_methods()}"
            )
    spec = get_method(method)
    unused = sorted(set(given) - spec.roles())
    if unused:
        raise UnknownMethodError(
            f"method {method!r} does not use {', '.join(f'{u}=' for u in unused)}; "
            f"it uses {sorted(spec.roles()) or 'no role arguments'}. Registered methods: {available_methods()}"
        )
    for req in spec.requires:
        if not any(given.get(r) is not None for r in req.split("|")):
            raise UnknownMethodError(f"method {method!r} needs {' or '.join(req.split('|'))}=")
    func = spec.load()
    kwargs = dict(params)
    kwargs.update({k: v for k, v in given.items()})
    if background is not None:
        kwargs["background"] = background
    return func(data, ci_test=ci_test, alpha=alpha, **kwargs)
