"""Heterogeneous (multi-domain) and nonstationary (time-varying) SCMs, for CD-NOD.

CD-NOD (Zhang, Huang et al. 2017; Huang et al. JMLR 2020) treats a domain or
time index ``C`` as a surrogate variable: a module ``P(X_j | PA_j)`` that
changes across domains or over time is a child of ``C`` in the *augmented
graph* over ``V u {C}``. :func:`heterogeneous` draws data with exactly that
structure:

* a random DAG over the variables (:func:`~causalkit.generators.random_dag`),
  additive-noise mechanisms as in :func:`~causalkit.generators.sample_scm`
  (plus a mean term)::

      X_j = mu_j(C) + f_j(PA_j; C) + s_j(C) * eps_j

* a random subset of ``round(changing_fraction * n_nodes)`` *changing
  modules*; for every other node, ``mu_j``, ``f_j`` and ``s_j`` do not depend
  on ``C``;
* **domains** (``n_domains=K``): the rows are split into ``K`` equal blocks,
  and in each domain every changing module gets new incoming weights (new
  magnitudes uniform on ``weight_range``, signs kept; for the nonlinear
  mechanism, new input weights of its network), a new noise scale (uniform
  on ``noise_scale``) and a new mean shift (uniform on
  ``[-mean_shift, mean_shift]``). Unchanged modules have mean 0;
* **time** (``time_varying=True``): row ``t`` is time ``t``; with
  ``tau = t / (n_samples - 1)``, each changing module's mean, noise scale and
  incoming weights drift smoothly::

      mu_j(tau) = mean_shift * h_0(tau)
      s_j(tau)  = s_j * (1 + 0.5 h_1(tau))
      w_ij(tau) = w_ij * (1 + 0.5 h_{2+i}(tau))       (linear)
      f_j(pa; tau) = f_j(pa) * (1 + 0.5 h_2(tau))     (nonlinear)

  where each ``h`` is an independent random curve with values in
  ``[-1, 1]``: a sinusoid ``sin(2 pi f tau + phi)`` with ``f`` uniform on
  [0.5, 3] cycles (``drift="sinusoid"``) or ``tanh`` of a Gaussian-process
  draw with squared-exponential kernel of length scale ``drift_length_scale``
  (default 0.1) on ``tau``, approximated by 200 random Fourier features
  (``drift="gp"``); a short length scale gives many independent changes
  over the series. These are
  the two kinds of parameter change in the CD-NOD paper's simulations.
  Every module drifts independently.

The context column (``"domain"``, integer labels ``0..K-1``, or ``"time"``,
integers ``0..n-1``) is ``roles["context"]`` of the returned
:class:`~causalkit.dataset.Dataset`.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from ..dataset import Dataset
from ..exceptions import DataError
from ..graph import CausalGraph
from ._random import (
    NOISE_KINDS,
    check_choice,
    check_int,
    check_range,
    draw_noise,
    regeneration_seed,
    seed_record,
    seed_sequence,
)
from .dags import DAG_KINDS, random_dag
from .scm import MECHANISMS, _apply_mlp, _check_graph_arg, _draw_linear, _draw_mlp
from .sortability import r2_sortability, var_sortability

__all__ = ["heterogeneous", "DRIFTS"]

#: kinds of smooth parameter drift for ``time_varying=True``
DRIFTS = ("sinusoid", "gp")
_GP_FEATURES = 200
_GP_LENGTH_SCALE = 0.1


def _draw_curve(rng, drift, length_scale=_GP_LENGTH_SCALE):
    if drift == "sinusoid":
        return {"frequency": float(rng.uniform(0.5, 3.0)), "phase": float(rng.uniform(0, 2 * np.pi))}
    return {
        "omega": rng.standard_normal(_GP_FEATURES) / length_scale,
        "offset": rng.uniform(0, 2 * np.pi, _GP_FEATURES),
        "amplitude": rng.standard_normal(_GP_FEATURES),
    }


def _eval_curve(curve, tau):
    """Values in [-1, 1] of one drift curve at times ``tau`` in [0, 1]."""
    if "frequency" in curve:
        return np.sin(2 * np.pi * curve["frequency"] * tau + curve["phase"])
    feats = np.cos(np.outer(tau, curve["omega"]) + curve["offset"])
    return np.tanh(np.sqrt(2.0 / _GP_FEATURES) * feats @ curve["amplitude"])


def heterogeneous(
    n_nodes,
    n_samples,
    n_domains=None,
    time_varying=False,
    changing_fraction=0.5,
    mechanism="linear",
    *,
    kind="er",
    expected_degree=2.0,
    noise="gaussian",
    weight_range=(0.5, 2.0),
    noise_scale=(0.5, 1.5),
    mean_shift=2.0,
    drift="sinusoid",
    drift_length_scale=_GP_LENGTH_SCALE,
    hidden_units=10,
    standardize=False,
    seed=None,
    graph=None,
):
    """Sample multi-domain or time-varying data whose changing modules are known.

    Parameters
    ----------
    n_nodes : int
        Number of variables (>= 1).
    n_samples : int
        Total number of rows (at least 2 per domain; at least 2 over time).
    n_domains : int, optional
        Number of domains (>= 2). Default 5 when ``time_varying`` is False;
        must be left out when it is True.
    time_varying : bool
        Parameters drift smoothly with the time index instead of jumping
        between domains.
    changing_fraction : float in [0, 1]
        Fraction of the variables whose module changes; the number is
        ``round(changing_fraction * n_nodes)``, the variables are drawn at
        random.
    mechanism : {"linear", "nonlinear"}
        As in :func:`~causalkit.generators.sample_scm`.
    kind, expected_degree : see :func:`~causalkit.generators.random_dag`.
    noise : {"gaussian", "uniform", "laplace", "exponential"}
        Standardised noise distribution.
    weight_range : (float, float)
        Range of absolute edge weights.
    noise_scale : float or (float, float)
        Range of the noise standard deviations (base and per-domain draws).
    mean_shift : float
        Mean shifts are uniform on ``[-mean_shift, mean_shift]`` (domains) or
        ``mean_shift * h(tau)`` (time). ``>= 0``.
    drift : {"sinusoid", "gp"}
        Shape of the drift curves when ``time_varying``.
    drift_length_scale : float
        Length scale of the Gaussian-process drift on the time scaled to
        [0, 1] (``drift="gp"`` only; default 0.1). ``> 0``.
    hidden_units : int
        Hidden units of the nonlinear mechanism.
    standardize : bool
        Z-score the variable columns over all rows (the context column is
        left as is). Affine per-column maps keep every (conditional)
        independence, so the augmented graph still holds.
    seed : None, int or numpy.random.SeedSequence
        The same seed gives the same data.
    graph : CausalGraph, optional
        A DAG over ``n_nodes`` variables to use instead of a random one.

    Returns
    -------
    Dataset
        ``data``: the variables (``X0 ..``) and the context column
        ``"domain"`` or ``"time"``; ``roles = {"context": <that column>}``;
        ``graph``: the true DAG over the variables. ``metadata``:

        * ``augmented_graph``: the DAG plus the context node with an edge
          into every changing module;
        * ``changing_modules``: list of the changing variables, node order;
        * ``context``: ``"domain"`` or ``"time"``;
        * ``generator``, ``params`` (``heterogeneous(**params)``
          regenerates the data), ``seed``;
        * ``var_sortability``, ``r2_sortability`` of the raw data;
        * domains: ``domain_weights`` (ndarray ``(K, d, d)``, ``[k, i, j]``
          the weight of ``i -> j`` in domain ``k``; linear only),
          ``domain_noise_scales`` and ``domain_mean_shifts`` (DataFrames,
          rows = domains, columns = variables);
        * time: ``weights`` (linear), ``noise_scales`` and
          ``drift_curves`` ``{variable: {"mean", "scale", "weights"}}``;
        * nonlinear: ``mechanism_parameters``.

    Raises
    ------
    DataError
        Naming the argument: ``changing_fraction`` outside [0, 1],
        ``n_domains`` < 2 or given together with ``time_varying=True``,
        fewer than 2 rows per domain, unknown option values, and every
        check of :func:`~causalkit.generators.sample_scm`.

    References
    ----------
    Zhang, K., Huang, B., Zhang, J., Glymour, C. and Schoelkopf, B. (2017).
    Causal discovery from nonstationary/heterogeneous data: skeleton
    estimation and orientation determination. IJCAI.
    Huang, B., Zhang, K., Zhang, J., Ramsey, J., Sanchez-Romero, R.,
    Glymour, C. and Schoelkopf, B. (2020). Causal discovery from
    heterogeneous/nonstationary data. JMLR 21(89).

    Examples
    --------
    >>> ds = heterogeneous(5, 500, n_domains=4, changing_fraction=0.4, seed=0)
    >>> ds.roles
    {'context': 'domain'}
    >>> len(ds.metadata["changing_modules"])
    2
    >>> sorted(ds.metadata["augmented_graph"].children("domain")) == ds.metadata["changing_modules"]
    True
    """
    n_nodes = check_int(n_nodes, "n_nodes", 1)
    n_samples = check_int(n_samples, "n_samples", 1)
    if not isinstance(time_varying, (bool, np.bool_)):
        raise DataError(f"time_varying must be True or False; got {time_varying!r}")
    if time_varying:
        if n_domains is not None:
            raise DataError("n_domains must be None when time_varying=True (time has no domains)")
        if n_samples < 2:
            raise DataError(f"n_samples must be >= 2 for time-varying data; got {n_samples}")
    else:
        n_domains = 5 if n_domains is None else check_int(n_domains, "n_domains", 2)
        if n_samples < 2 * n_domains:
            raise DataError(
                f"n_samples={n_samples} gives fewer than 2 rows per domain for n_domains={n_domains}"
            )
    if (isinstance(changing_fraction, bool) or not isinstance(changing_fraction, numbers.Real)
            or not 0.0 <= float(changing_fraction) <= 1.0):
        raise DataError(f"changing_fraction must be a number in [0, 1]; got {changing_fraction!r}")
    check_choice(mechanism, "mechanism", MECHANISMS)
    check_choice(kind, "kind", DAG_KINDS)
    check_choice(noise, "noise", NOISE_KINDS)
    check_choice(drift, "drift", DRIFTS)
    if (isinstance(drift_length_scale, bool) or not isinstance(drift_length_scale, numbers.Real)
            or not np.isfinite(drift_length_scale) or drift_length_scale <= 0):
        raise DataError(f"drift_length_scale must be a finite number > 0; got {drift_length_scale!r}")
    w_lo, w_hi = check_range(weight_range, "weight_range")
    s_lo, s_hi = check_range(noise_scale, "noise_scale")
    if (isinstance(mean_shift, bool) or not isinstance(mean_shift, numbers.Real)
            or not np.isfinite(mean_shift) or mean_shift < 0):
        raise DataError(f"mean_shift must be a finite number >= 0; got {mean_shift!r}")
    hidden_units = check_int(hidden_units, "hidden_units", 1)
    if not isinstance(standardize, (bool, np.bool_)):
        raise DataError(f"standardize must be True or False; got {standardize!r}")

    ss = seed_sequence(seed)
    graph_ss, module_ss, change_ss, noise_ss = ss.spawn(4)
    given_graph = graph is not None
    if graph is None:
        graph = random_dag(n_nodes, kind=kind, expected_degree=expected_degree, seed=graph_ss)
    else:
        graph = _check_graph_arg(graph, n_nodes)
    names = list(graph.nodes)
    d = n_nodes
    adj = graph.to_adjacency(convention="row->col").to_numpy() != 0
    order = [names.index(v) for v in graph.topological_order()]
    parents = {j: np.flatnonzero(adj[:, j]) for j in range(d)}

    # base (unchanging) modules
    rng = np.random.default_rng(module_ss)
    base_scale = rng.uniform(s_lo, s_hi, d)
    if mechanism == "linear":
        base_w = _draw_linear(rng, adj, (w_lo, w_hi))
    else:
        base_mlp = {j: _draw_mlp(rng, parents[j], (w_lo, w_hi), hidden_units) for j in order}

    # which modules change, and how
    rng = np.random.default_rng(change_ss)
    n_changing = int(round(float(changing_fraction) * d))
    changing = np.sort(rng.choice(d, size=n_changing, replace=False)) if n_changing else np.array([], int)
    is_changing = np.zeros(d, dtype=bool)
    is_changing[changing] = True

    context = "time" if time_varying else "domain"
    # column-major: the sampling loop reads and writes whole columns
    eps = draw_noise(np.random.default_rng(noise_ss), noise, (d, n_samples)).T
    x = np.empty((n_samples, d), order="F")
    meta = {}

    if not time_varying:
        k_dom = n_domains
        sizes = np.full(k_dom, n_samples // k_dom)
        sizes[: n_samples % k_dom] += 1
        dom = np.repeat(np.arange(k_dom), sizes)
        scales = np.tile(base_scale, (k_dom, 1))
        shifts = np.zeros((k_dom, d))
        scales[:, changing] = rng.uniform(s_lo, s_hi, (k_dom, n_changing))
        shifts[:, changing] = rng.uniform(-mean_shift, mean_shift, (k_dom, n_changing))
        if mechanism == "linear":
            w = np.tile(base_w, (k_dom, 1, 1))
            for j in changing:
                pa = parents[j]
                mags = rng.uniform(w_lo, w_hi, (k_dom, len(pa)))
                w[:, pa, j] = np.sign(base_w[pa, j]) * mags
            for j in order:
                pa = parents[j]
                f = np.einsum("np,np->n", x[:, pa], w[:, pa, j][dom]) if len(pa) else 0.0
                x[:, j] = shifts[dom, j] + f + scales[dom, j] * eps[:, j]
            meta["domain_weights"] = w
        else:
            mlps = {(k, j): base_mlp[j] for k in range(k_dom) for j in range(d)}
            for j in changing:
                for k in range(k_dom):
                    p = _draw_mlp(rng, parents[j], (w_lo, w_hi), hidden_units)
                    if p is not None:  # new input weights, same output layer
                        p = dict(base_mlp[j], inner=p["inner"])
                    mlps[(k, j)] = p
            for j in order:
                pa = parents[j]
                f = np.empty(n_samples)
                for k in range(k_dom):
                    rows = dom == k
                    f[rows] = _apply_mlp(mlps[(k, j)], x[np.ix_(rows, pa)])
                x[:, j] = shifts[dom, j] + f + scales[dom, j] * eps[:, j]
            meta["mechanism_parameters"] = {
                f"{names[j]}@{k}": dict({"parents": [names[i] for i in parents[j]], "domain": k},
                                        **(mlps[(k, j)] or {}))
                for j in range(d) for k in range(k_dom)
                if k == 0 or is_changing[j]
            }
        index = pd.Index(range(k_dom), name="domain")
        meta["domain_noise_scales"] = pd.DataFrame(scales, index=index, columns=names)
        meta["domain_mean_shifts"] = pd.DataFrame(shifts, index=index, columns=names)
        ctx_values = dom
    else:
        tau = np.arange(n_samples) / (n_samples - 1)
        curves = {}
        for j in changing:
            c = {"mean": _draw_curve(rng, drift, drift_length_scale),
                 "scale": _draw_curve(rng, drift, drift_length_scale)}
            if mechanism == "linear":
                c["weights"] = {names[i]: _draw_curve(rng, drift, drift_length_scale) for i in parents[j]}
            else:
                c["strength"] = _draw_curve(rng, drift, drift_length_scale)
            curves[j] = c
        for j in order:
            pa = parents[j]
            if mechanism == "linear":
                f = x[:, pa] @ base_w[pa, j] if len(pa) else np.zeros(n_samples)
            else:
                f = _apply_mlp(base_mlp[j], x[:, pa])
            mu, s = 0.0, base_scale[j]
            if is_changing[j]:
                c = curves[j]
                mu = mean_shift * _eval_curve(c["mean"], tau)
                s = base_scale[j] * (1 + 0.5 * _eval_curve(c["scale"], tau))
                if mechanism == "linear":
                    f = np.zeros(n_samples)
                    for i in pa:
                        f += x[:, i] * base_w[i, j] * (1 + 0.5 * _eval_curve(c["weights"][names[i]], tau))
                else:
                    f = f * (1 + 0.5 * _eval_curve(c["strength"], tau))
            x[:, j] = mu + f + s * eps[:, j]
        meta["noise_scales"] = dict(zip(names, base_scale.tolist()))
        if mechanism == "linear":
            meta["weights"] = pd.DataFrame(base_w, index=names, columns=names)
        else:
            meta["mechanism_parameters"] = {
                names[j]: dict({"parents": [names[i] for i in parents[j]]}, **(base_mlp[j] or {}))
                for j in range(d)
            }
        meta["drift_curves"] = {names[j]: c for j, c in curves.items()}
        ctx_values = np.arange(n_samples)

    var_sort = var_sortability(x, adj)
    r2_sort = r2_sortability(x, adj) if n_samples > d else float("nan")
    if standardize:
        sd = x.std(axis=0)
        x = (x - x.mean(axis=0)) / np.where(sd > 0, sd, 1.0)

    changing_names = [names[j] for j in changing]
    if context in names:
        raise DataError(f"a variable is named {context!r}, which is the context column's name")
    augmented = CausalGraph(
        names + [context],
        [(s, t) for s, t in zip(graph.edges["source"], graph.edges["target"])]
        + [(context, v) for v in changing_names],
        kind="dag",
    )
    data = pd.DataFrame(x, columns=names)
    data[context] = ctx_values
    params = {
        "n_nodes": n_nodes, "n_samples": n_samples,
        "n_domains": None if time_varying else int(n_domains),
        "time_varying": bool(time_varying), "changing_fraction": float(changing_fraction),
        "mechanism": mechanism, "kind": kind, "expected_degree": float(expected_degree),
        "noise": noise, "weight_range": [w_lo, w_hi], "noise_scale": [s_lo, s_hi],
        "mean_shift": float(mean_shift), "drift": drift,
        "drift_length_scale": float(drift_length_scale), "hidden_units": hidden_units,
        "standardize": bool(standardize), "seed": regeneration_seed(ss),
    }
    metadata = {
        "generator": "heterogeneous",
        "params": params,
        "seed": seed_record(ss),
        "context": context,
        "context_type": "time" if time_varying else "domain",
        "changing_modules": changing_names,
        "augmented_graph": augmented,
        "given_graph": given_graph,
        "var_sortability": var_sort,
        "r2_sortability": r2_sort,
    }
    metadata.update(meta)
    return Dataset(data, graph=graph, roles={"context": context}, metadata=metadata)
