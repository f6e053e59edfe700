r"""Exchangeable multi-environment data from an ICM generative process.

Causal de Finetti (Guo, Toth, Schoelkopf and Huszar 2023) studies data made of
many *environments*. Each environment ``e`` draws, once, an independent
parameter :math:`\theta_v^e` for the mechanism of every variable ``v`` (an
*independent causal mechanisms*, ICM, prior), and then draws its samples
i.i.d. from the SCM with those parameters::

    theta_v^e ~ mu_v  independently for every v and e
    X_n^v = f_v(X_n^{PA_v}, noise_n^v; theta_v^e)   for the samples n of e

Samples of one environment are exchangeable but not independent (they share
:math:`\theta^e`); environments are i.i.d. Two samples per environment
identify the whole DAG (:func:`causalkit.discovery.definetti.definetti`).

Three generators:

* :func:`exchangeable_bivariate`: the paper's bivariate continuous setup
  (Section 6.1): structure ``X -> Y``, ``Y -> X`` or no edge, drawn
  uniformly; per environment the locations of the two Laplace noises are
  uniform on ``(-1, 1)``; linear mechanism with integer coefficients plus a
  quadratic term in a random half of the environments.
* :func:`exchangeable_binary`: the paper's multivariate binary setup (Section
  6.2): a random DAG; per environment :math:`\theta_v \sim \mathrm{Beta}(a, b)`;
  ``X_v = Bernoulli(theta_v) XOR prod(X_{PA_v})``.
* :func:`exchangeable_scm`: a continuous ICM SCM on any DAG: per environment,
  random intercepts, edge weights around fixed base weights, and noise scales.

Faithfulness guard
------------------
An edge can be invisible in the mixture over environments even though it is
there in every environment: when the prior of an effect's mechanism is the
same whatever the parents' values, e.g. ``P(Y=1 | X=0)`` and ``P(Y=1 | X=1)``
both ``Beta(1, 3)``, or a linear weight whose prior has mean zero. Then
``X _||_ Y`` in the mixture and no method can find the edge. The generators
refuse such priors (``theta_prior=(a, a)`` for the binary setup,
``weight_spread >= 1`` for the continuous one, which would let a weight's
sign flip) with a :class:`~causalkit.exceptions.DataError`.

References
----------
Guo, S., Toth, V., Schoelkopf, B. and Huszar, F. (2023). Causal de Finetti:
On the identification of invariant causal structure in exchangeable data.
*NeurIPS 2023*. arXiv:2203.15756.
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
    seed_record,
    seed_sequence,
)
from .dags import DAG_KINDS, random_dag

__all__ = [
    "exchangeable",
    "exchangeable_bivariate",
    "exchangeable_binary",
    "exchangeable_scm",
    "EXCHANGEABLE_SETTINGS",
    "BIVARIATE_STRUCTURES",
]

#: the settings of :func:`exchangeable`
EXCHANGEABLE_SETTINGS = ("bivariate", "binary", "continuous")
#: structures of :func:`exchangeable_bivariate`
BIVARIATE_STRUCTURES = ("X->Y", "Y->X", "none")
#: name of the environment column
ENV = "env"


def _check_sizes(n_environments, n_per_environment):
    k = check_int(n_environments, "n_environments", 1)
    n = check_int(n_per_environment, "n_per_environment", 2)
    return k, n


def _frame(values, names, n_env, n_per):
    df = pd.DataFrame(values, columns=names)
    df[ENV] = np.repeat(np.arange(n_env), n_per)
    return df


def _check_fraction(value, name):
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not 0.0 <= float(value) <= 1.0):
        raise DataError(f"{name} must be a number in [0, 1]; got {value!r}")
    return float(value)


# ------------------------------------------------------------------------------ bivariate
def exchangeable_bivariate(n_environments, n_per_environment=2, *, structure=None,
                           quadratic_fraction=0.5, seed=None):
    """The bivariate continuous ICM setup of causal de Finetti (paper, Section 6.1).

    Per run: a structure (``X -> Y``, ``Y -> X`` or no edge, uniform unless
    given), a cause coefficient ``a`` and a quadratic coefficient ``c``, both
    uniform integers in 1..9. Per environment: the noise locations
    ``(m_X, m_Y)`` uniform on ``(-1, 1)^2`` and whether the mechanism has the
    quadratic term (exactly ``round(quadratic_fraction * n_environments)``
    environments, chosen at random). Per sample, with ``N_X ~ Laplace(m_X, 1)``
    and ``N_Y ~ Laplace(m_Y, 1)``, for ``X -> Y``::

        X = N_X,   Y = a N_X + N_Y + q_e * a c N_X^2

    (``q_e`` is 1 in the quadratic environments, else 0); ``Y -> X`` swaps the
    roles; no edge gives ``X = N_X, Y = N_Y``.

    Parameters
    ----------
    n_environments : int
        Number of environments (>= 1).
    n_per_environment : int, default 2
        Samples per environment (>= 2; the paper uses 2).
    structure : {"X->Y", "Y->X", "none"}, optional
        Force the structure; default drawn uniformly.
    quadratic_fraction : float in [0, 1], default 0.5
        Share of environments with the quadratic term.
    seed : None, int or numpy.random.SeedSequence

    Returns
    -------
    Dataset
        Columns ``X``, ``Y``, ``env`` (environment label ``0..K-1``, rows
        grouped by environment); ``roles={"environment": "env"}``; ``graph``:
        the true DAG over ``X, Y``. ``metadata``: ``structure``,
        ``coefficient``, ``quadratic_coefficient``, ``noise_locations``
        (ndarray ``(K, 2)``), ``quadratic_environments``, ``generator``,
        ``params``, ``seed``.

    Raises
    ------
    DataError
        Naming the argument: sizes below their minimum, an unknown
        ``structure``, ``quadratic_fraction`` outside [0, 1], a bad seed.

    References
    ----------
    Guo, Toth, Schoelkopf and Huszar (2023), Section 6.1 (module docstring).

    Examples
    --------
    >>> ds = exchangeable_bivariate(50, structure="X->Y", seed=0)
    >>> ds.data.shape, ds.roles
    ((100, 3), {'environment': 'env'})
    >>> ds.graph.has_edge("X", "Y"), ds.metadata["structure"]
    (True, 'X->Y')
    """
    k, n = _check_sizes(n_environments, n_per_environment)
    if structure is not None:
        check_choice(structure, "structure", BIVARIATE_STRUCTURES)
    frac = _check_fraction(quadratic_fraction, "quadratic_fraction")
    ss = seed_sequence(seed)
    run_ss, env_ss, noise_ss = ss.spawn(3)
    rng = np.random.default_rng(run_ss)
    drawn = BIVARIATE_STRUCTURES[int(rng.integers(3))]
    structure = drawn if structure is None else structure
    a = int(rng.integers(1, 10))
    c = int(rng.integers(1, 10))

    rng = np.random.default_rng(env_ss)
    loc = rng.uniform(-1.0, 1.0, (k, 2))
    quad = np.zeros(k, dtype=bool)
    quad[rng.choice(k, int(round(frac * k)), replace=False)] = True

    rng = np.random.default_rng(noise_ss)
    noise = rng.laplace(np.repeat(loc, n, axis=0), 1.0)  # (k * n, 2)
    q = np.repeat(quad, n).astype(float)
    x, y = noise[:, 0].copy(), noise[:, 1].copy()
    if structure == "X->Y":
        y = a * noise[:, 0] + noise[:, 1] + q * a * c * noise[:, 0] ** 2
        edges = [("X", "Y")]
    elif structure == "Y->X":
        x = noise[:, 0] + a * noise[:, 1] + q * a * c * noise[:, 1] ** 2
        edges = [("Y", "X")]
    else:
        edges = []
    df = _frame(np.column_stack([x, y]), ["X", "Y"], k, n)
    graph = CausalGraph.from_edges(edges, nodes=["X", "Y"])
    meta = {
        "generator": "exchangeable_bivariate",
        "params": {"n_environments": k, "n_per_environment": n, "structure": structure,
                   "quadratic_fraction": frac},
        "seed": seed_record(ss),
        "structure": structure,
        "coefficient": a,
        "quadratic_coefficient": c,
        "noise_locations": loc,
        "quadratic_environments": np.flatnonzero(quad),
    }
    return Dataset(df, graph=graph, roles={"environment": ENV}, metadata=meta)


# ------------------------------------------------------------------------------ binary
def _random_connected_dag(n_nodes, edge_prob, rng, names):
    """Random DAG in which every node has at least one edge (the paper's rejection rule).

    Pairs are joined with probability ``edge_prob`` and oriented along a
    uniformly random order, so column order tells nothing about causal order.
    """
    for _ in range(10_000):
        upper = np.triu(rng.random((n_nodes, n_nodes)) < edge_prob, k=1)
        touched = upper.any(axis=0) | upper.any(axis=1)
        if touched.all():
            break
    else:  # pragma: no cover - probability ~0 for sensible edge_prob
        raise DataError(f"edge_prob={edge_prob} too small to draw a DAG with every node connected")
    perm = rng.permutation(n_nodes)
    adj = np.zeros((n_nodes, n_nodes), dtype=bool)
    adj[np.ix_(perm, perm)] = upper  # order position i -> node perm[i]
    edges = [(names[i], names[j]) for i, j in zip(*np.nonzero(adj))]
    return CausalGraph.from_edges(edges, nodes=names)


def exchangeable_binary(n_environments, n_per_environment=2, *, n_nodes=3, graph=None,
                        edge_prob=0.5, theta_prior=(1.0, 3.0), seed=None):
    """The multivariate binary ICM setup of causal de Finetti (paper, Section 6.2).

    Per environment every variable draws :math:`\\theta_v \\sim
    \\mathrm{Beta}(a, b)`; per sample, in causal order::

        X_v = Bernoulli(theta_v) XOR prod_{p in PA_v} X_p

    so ``P(X_v = 1 | parents) = theta_v`` when some parent is 0 and
    ``1 - theta_v`` when all are 1: the two conditional mechanisms have the
    different priors ``Beta(a, b)`` and ``Beta(b, a)``, which keeps every edge
    visible in the mixture (see *Faithfulness guard* in the module docstring).

    Parameters
    ----------
    n_environments : int
        Number of environments (>= 1).
    n_per_environment : int, default 2
        Samples per environment (>= 2).
    n_nodes : int, default 3
        Number of variables (>= 2) when ``graph`` is not given.
    graph : CausalGraph, optional
        The DAG to use. Default: the paper's random DAG, every pair joined with
        probability ``edge_prob`` and redrawn until every node has an edge,
        oriented along a random order.
    edge_prob : float in (0, 1], default 0.5
    theta_prior : (float, float), default (1, 3)
        ``(a, b)`` of the Beta prior; must have ``a != b``.
    seed : None, int or numpy.random.SeedSequence

    Returns
    -------
    Dataset
        Integer columns ``X0 ..``, ``env``; ``roles={"environment": "env"}``;
        ``graph`` the true DAG. ``metadata``: ``thetas`` (DataFrame,
        environments x variables), ``generator``, ``params``, ``seed``.

    Raises
    ------
    DataError
        ``theta_prior`` with ``a == b`` (the unfaithful case: every edge
        hidden in the mixture) or non-positive entries, ``edge_prob`` outside
        (0, 1], sizes below their minimum, a ``graph`` that is not a DAG.

    Examples
    --------
    >>> ds = exchangeable_binary(100, seed=1)
    >>> sorted(ds.data["X0"].unique().tolist())
    [0, 1]
    >>> ds.graph.n_edges >= 2
    True
    """
    k, n = _check_sizes(n_environments, n_per_environment)
    try:
        a, b = (float(v) for v in theta_prior)
    except (TypeError, ValueError):
        raise DataError(f"theta_prior must be a pair (a, b) of positive numbers; got {theta_prior!r}") from None
    if not (np.isfinite(a) and np.isfinite(b) and a > 0 and b > 0):
        raise DataError(f"theta_prior must be a pair (a, b) of positive numbers; got {theta_prior!r}")
    if a == b:
        raise DataError(
            f"theta_prior=({a:g}, {b:g}) has a == b: P(X=1 | parents) then has the same Beta prior "
            "whatever the parents' values, every edge is hidden in the mixture over environments "
            "(unfaithful), and no method can find it. Use a != b, e.g. (1, 3)."
        )
    if (isinstance(edge_prob, bool) or not isinstance(edge_prob, numbers.Real)
            or not 0.0 < float(edge_prob) <= 1.0):
        raise DataError(f"edge_prob must be a number in (0, 1]; got {edge_prob!r}")
    ss = seed_sequence(seed)
    graph_ss, theta_ss, noise_ss = ss.spawn(3)
    if graph is None:
        d = check_int(n_nodes, "n_nodes", 2)
        names = [f"X{i}" for i in range(d)]
        graph = _random_connected_dag(d, float(edge_prob), np.random.default_rng(graph_ss), names)
    else:
        graph = _check_dag(graph)
        names = list(graph.nodes)
        d = len(names)
    rng = np.random.default_rng(theta_ss)
    thetas = rng.beta(a, b, (k, d))
    rng = np.random.default_rng(noise_ss)
    theta_rows = np.repeat(thetas, n, axis=0)
    flips = (rng.random((k * n, d)) < theta_rows).astype(int)
    x = np.zeros((k * n, d), dtype=int)
    for v in graph.topological_order():
        j = names.index(v)
        pa = [names.index(p) for p in graph.parents(v)]
        prod = np.prod(x[:, pa], axis=1) if pa else np.zeros(k * n, dtype=int)
        x[:, j] = flips[:, j] ^ prod
    df = _frame(x, names, k, n)
    meta = {
        "generator": "exchangeable_binary",
        "params": {"n_environments": k, "n_per_environment": n, "n_nodes": d,
                   "edge_prob": float(edge_prob), "theta_prior": [a, b]},
        "seed": seed_record(ss),
        "thetas": pd.DataFrame(thetas, columns=names),
    }
    return Dataset(df, graph=graph, roles={"environment": ENV}, metadata=meta)


def _check_dag(graph):
    if not isinstance(graph, CausalGraph):
        raise DataError(f"graph must be a CausalGraph DAG; got {type(graph).__name__}")
    if graph.kind != "dag" or not graph.is_acyclic():
        raise DataError(f"graph must be a DAG; got kind {graph.kind!r}")
    if graph.n_nodes < 2:
        raise DataError(f"graph must have at least 2 nodes; got {graph.n_nodes}")
    return graph


# ------------------------------------------------------------------------------ continuous
def exchangeable_scm(n_nodes, n_environments, n_per_environment=2, *, graph=None, kind="er",
                     expected_degree=2.0, mechanism="linear", weight_range=(0.5, 2.0),
                     weight_spread=0.5, shift_scale=(0.5, 3.0), noise="laplace", noise_scale=(0.5, 1.5),
                     seed=None):
    """A continuous ICM SCM on any DAG: every mechanism's parameters vary by environment.

    Each edge ``i -> j`` has a base weight ``w_ij`` (magnitude uniform on
    ``weight_range``, random sign) and every variable ``j`` an intercept spread
    ``h_j ~ U(shift_scale)``. Environment ``e`` draws independently, for
    every variable ``j``: an intercept ``m_j^e ~ U(-h_j, h_j)``,
    a noise scale ``s_j^e ~ U(noise_scale)`` and weights
    ``w_ij^e = w_ij (1 + weight_spread u)``, ``u ~ U(-1, 1)``. Per sample, in
    causal order::

        X_j = m_j^e + sum_i w_ij^e g(X_i) + s_j^e eps_j

    with ``g`` the identity (``mechanism="linear"``) or ``tanh``
    (``"nonlinear"``) and ``eps`` standardised noise. The parameters of
    different variables are independent, as the ICM prior requires.

    Parameters
    ----------
    n_nodes : int
        Number of variables (>= 2).
    n_environments : int
        Number of environments (>= 1).
    n_per_environment : int, default 2
        Samples per environment (>= 2).
    graph : CausalGraph, optional
        A DAG over ``n_nodes`` nodes; default a random one
        (:func:`~causalkit.generators.random_dag` with ``kind`` and
        ``expected_degree``).
    kind, expected_degree
        Random-DAG options.
    mechanism : {"linear", "nonlinear"}
    weight_range : (float, float)
        Range of the base weights' magnitudes (``0 < low``).
    weight_spread : float in [0, 1), default 0.5
        Relative spread of the weights across environments. Below 1 a weight
        never changes sign and its prior mean is the base weight, so no edge
        is hidden in the mixture (``>= 1`` raises).
    shift_scale : float or (float, float), default (0.5, 3.0)
        Range of the intercept spreads ``h_j`` (``0 < low``). The intercepts
        make every mechanism vary across environments, which the
        cross-sample tests need. A range matters for linear tests: for
        ``X -> Y`` the partial correlation of ``X_1`` and ``Y_2`` given
        ``Y_1`` is proportional to ``m_X s_Y - s_X m_Y`` (between-environment
        variance ``m``, within-environment variance ``s``), so it vanishes
        when cause and effect have the same between/within ratio, as with a
        single spread and equal noise (and in the paper's bivariate setup):
        only tests that see beyond linear correlation (KCI) find the
        direction then.
    noise : {"gaussian", "uniform", "laplace", "exponential"}
    noise_scale : float or (float, float)
    seed : None, int or numpy.random.SeedSequence

    Returns
    -------
    Dataset
        Columns ``X0 ..`` and ``env``; ``roles={"environment": "env"}``;
        ``graph``. ``metadata``: ``base_weights`` (ndarray ``(d, d)``,
        ``[i, j]`` the weight of ``i -> j``), ``weights`` (ndarray
        ``(K, d, d)``), ``intercept_spreads`` (Series), ``intercepts`` and
        ``noise_scales`` (DataFrames,
        environments x variables), ``generator``, ``params``, ``seed``.

    Raises
    ------
    DataError
        ``weight_spread`` outside [0, 1), ``shift_scale <= 0``, and the usual
        size / option / graph checks.

    Examples
    --------
    >>> ds = exchangeable_scm(4, 200, 3, seed=0)
    >>> ds.data.shape
    (600, 5)
    >>> ds.metadata["weights"].shape
    (200, 4, 4)
    """
    d = check_int(n_nodes, "n_nodes", 2)
    k, n = _check_sizes(n_environments, n_per_environment)
    check_choice(mechanism, "mechanism", ("linear", "nonlinear"))
    check_choice(kind, "kind", DAG_KINDS)
    check_choice(noise, "noise", NOISE_KINDS)
    w_lo, w_hi = check_range(weight_range, "weight_range")
    s_lo, s_hi = check_range(noise_scale, "noise_scale")
    if (isinstance(weight_spread, bool) or not isinstance(weight_spread, numbers.Real)
            or not 0.0 <= float(weight_spread) < 1.0):
        raise DataError(
            f"weight_spread must be a number in [0, 1); got {weight_spread!r}. At 1 or more a "
            "weight's sign can flip between environments and its prior mean can vanish, which "
            "hides the edge in the mixture (unfaithful)."
        )
    try:
        h_lo, h_hi = check_range(shift_scale, "shift_scale")
    except DataError:
        raise DataError(
            f"shift_scale must be a positive number or a range (low, high) with 0 < low <= high; "
            f"got {shift_scale!r}. Without varying intercepts some mechanisms may not vary across "
            "environments, and the cross-sample tests of causal de Finetti have nothing to detect."
        ) from None
    ss = seed_sequence(seed)
    graph_ss, base_ss, env_ss, noise_ss = ss.spawn(4)
    if graph is None:
        graph = random_dag(d, kind=kind, expected_degree=expected_degree, seed=graph_ss)
    else:
        graph = _check_dag(graph)
        if graph.n_nodes != d:
            raise DataError(f"n_nodes={d} but graph has {graph.n_nodes} nodes")
    names = list(graph.nodes)
    adj = graph.to_adjacency(convention="row->col").to_numpy() != 0
    rng = np.random.default_rng(base_ss)
    base = rng.uniform(w_lo, w_hi, (d, d)) * rng.choice((-1.0, 1.0), (d, d)) * adj
    rng = np.random.default_rng(env_ss)
    weights = base[None] * (1.0 + float(weight_spread) * rng.uniform(-1.0, 1.0, (k, d, d)))
    spreads = rng.uniform(h_lo, h_hi, d)
    intercepts = rng.uniform(-1.0, 1.0, (k, d)) * spreads
    scales = rng.uniform(s_lo, s_hi, (k, d))
    rng = np.random.default_rng(noise_ss)
    eps = draw_noise(rng, noise, (k * n, d))
    w_rows = np.repeat(weights, n, axis=0)
    x = np.zeros((k * n, d))
    for v in graph.topological_order():
        j = names.index(v)
        pa = np.flatnonzero(adj[:, j])
        g = x[:, pa] if mechanism == "linear" else np.tanh(x[:, pa])
        x[:, j] = (np.repeat(intercepts[:, j], n) + np.einsum("ri,ri->r", g, w_rows[:, pa, j])
                   + np.repeat(scales[:, j], n) * eps[:, j])
    df = _frame(x, names, k, n)
    meta = {
        "generator": "exchangeable_scm",
        "params": {"n_nodes": d, "n_environments": k, "n_per_environment": n,
                   "mechanism": mechanism, "weight_range": [w_lo, w_hi],
                   "weight_spread": float(weight_spread), "shift_scale": [h_lo, h_hi],
                   "noise": noise, "noise_scale": [s_lo, s_hi]},
        "seed": seed_record(ss),
        "base_weights": base,
        "weights": weights,
        "intercept_spreads": pd.Series(spreads, index=names),
        "intercepts": pd.DataFrame(intercepts, columns=names),
        "noise_scales": pd.DataFrame(scales, columns=names),
    }
    return Dataset(df, graph=graph, roles={"environment": ENV}, metadata=meta)


def exchangeable(setting, n_environments, n_per_environment=2, *, seed=None, **options):
    """One entry point to the three ICM generators (for the command line).

    Parameters
    ----------
    setting : {"bivariate", "binary", "continuous"}
        :func:`exchangeable_bivariate`, :func:`exchangeable_binary` or
        :func:`exchangeable_scm` (which needs ``n_nodes=`` in ``options``;
        default 5).
    n_environments, n_per_environment, seed
        As in those functions.
    **options
        Passed on.

    Returns
    -------
    Dataset

    Raises
    ------
    DataError
        An unknown ``setting`` (the message lists the valid ones), and every
        error of the chosen generator.

    Examples
    --------
    >>> exchangeable("binary", 30, seed=0).roles
    {'environment': 'env'}
    """
    check_choice(setting, "setting", EXCHANGEABLE_SETTINGS)
    if setting == "bivariate":
        return exchangeable_bivariate(n_environments, n_per_environment, seed=seed, **options)
    if setting == "binary":
        return exchangeable_binary(n_environments, n_per_environment, seed=seed, **options)
    n_nodes = options.pop("n_nodes", 5)
    return exchangeable_scm(n_nodes, n_environments, n_per_environment, seed=seed, **options)
