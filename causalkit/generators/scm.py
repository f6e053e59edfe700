"""Random structural causal models (SCMs) with additive noise.

:func:`sample_scm` draws a random DAG (:func:`~causalkit.generators.random_dag`),
random mechanisms and noise, and samples data in causal order::

    X_j = f_j(PA_j) + s_j * eps_j,      eps_j iid, mean 0, variance 1

* ``mechanism="linear"``: ``f_j(pa) = sum_i w_ij pa_i`` with weights
  ``|w_ij|`` uniform on ``weight_range`` and a random sign.
* ``mechanism="nonlinear"``: a random one-hidden-layer tanh network per node,
  ``f_j(pa) = sum_h a_jh tanh(sum_i b_jhi pa_i + c_jh)``, with ``|b|`` uniform
  on ``weight_range`` divided by ``sqrt(|PA_j|)``, ``|a|`` uniform on
  ``weight_range`` divided by ``sqrt(hidden_units)`` (both with random
  signs) and ``c`` uniform on [-1, 1]. The outputs are bounded, so the
  variance does not explode along long paths.

Every draw comes from one :class:`numpy.random.SeedSequence`, spawned into
independent streams for the graph, the mechanisms and the noise: the same
seed gives the same data, and changing ``n_samples`` keeps the same graph
and mechanisms.

Linear SCMs with unit-scale noise are *var-sortable*: the marginal variance
grows along the causal order, which methods can exploit without doing causal
discovery (Reisach et al. 2021). ``standardize=True`` (the default) removes
that shortcut, but not R2-sortability (Reisach et al. 2023); both scores of the
raw data are recorded in ``metadata`` so benchmarks can report them.
"""

from __future__ import annotations

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
    signed_uniform,
)
from .dags import DAG_KINDS, random_dag
from .sortability import r2_sortability, var_sortability

__all__ = ["sample_scm", "MECHANISMS", "NOISE_KINDS"]

#: mechanisms of :func:`sample_scm`
MECHANISMS = ("linear", "nonlinear")


# ---------------------------------------------------------------------------- mechanisms
def _draw_linear(rng, adj, weight_range):
    """Weight matrix ``w[i, j]`` (row = cause, column = effect), zero off the edges."""
    w = signed_uniform(rng, weight_range[0], weight_range[1], adj.shape)
    return np.where(adj, w, 0.0)


def _draw_mlp(rng, parents, weight_range, hidden_units):
    """Parameters of one node's tanh network; ``None`` for a root."""
    k = len(parents)
    if k == 0:
        return None
    lo, hi = weight_range
    return {
        "inner": signed_uniform(rng, lo, hi, (k, hidden_units)) / np.sqrt(k),
        "bias": rng.uniform(-1.0, 1.0, hidden_units),
        "outer": signed_uniform(rng, lo, hi, hidden_units) / np.sqrt(hidden_units),
    }


def _apply_mlp(params, xpa):
    if params is None:
        return np.zeros(xpa.shape[0])
    return np.tanh(xpa @ params["inner"] + params["bias"]) @ params["outer"]


def _check_graph_arg(graph, n_nodes):
    if not isinstance(graph, CausalGraph):
        raise DataError(f"graph must be a CausalGraph DAG; got {type(graph).__name__}")
    if graph.kind != "dag" or not graph.is_acyclic():
        raise DataError(f"graph must be a DAG; got kind {graph.kind!r}")
    if graph.n_nodes != n_nodes:
        raise DataError(f"n_nodes={n_nodes} but graph has {graph.n_nodes} nodes")
    return graph


def sample_scm(
    n_nodes,
    n_samples,
    *,
    kind="er",
    expected_degree=2.0,
    mechanism="linear",
    noise="gaussian",
    noise_scale=1.0,
    weight_range=(0.5, 2.0),
    hidden_units=10,
    standardize=True,
    seed=None,
    graph=None,
):
    """Sample data from a random SCM with additive noise.

    Parameters
    ----------
    n_nodes : int
        Number of variables (>= 1).
    n_samples : int
        Number of rows (>= 1).
    kind : {"er", "sf"}
        Graph family of :func:`~causalkit.generators.random_dag`.
    expected_degree : float
        Expected number of neighbours of a node (see ``random_dag``).
    mechanism : {"linear", "nonlinear"}
        Linear with signed-uniform weights, or a random tanh network per node
        (see the module docstring).
    noise : {"gaussian", "uniform", "laplace", "exponential"}
        Noise distribution, scaled to mean 0 and variance 1 before
        multiplying by the node's noise scale. ``"exponential"`` is skewed.
    noise_scale : float or (float, float)
        Standard deviation ``s_j`` of each node's noise; a pair draws
        ``s_j`` uniformly on ``[low, high]`` per node.
    weight_range : (float, float)
        Range of the absolute edge weights (``0 < low <= high``).
    hidden_units : int
        Hidden units of the nonlinear mechanism.
    standardize : bool
        Z-score every column after sampling (removes var-sortability).
    seed : None, int or numpy.random.SeedSequence
        The same seed gives the same dataset. ``None`` draws fresh entropy,
        which is recorded in ``metadata["seed"]``.
    graph : CausalGraph, optional
        Use this DAG (with ``n_nodes`` nodes) instead of drawing one;
        ``kind`` and ``expected_degree`` are then ignored.

    Returns
    -------
    Dataset
        ``data``: columns named as the graph's nodes (``X0 ..``), float.
        ``graph``: the true DAG. ``metadata``:

        * ``generator`` (``"sample_scm"``) and ``params``: every argument,
          enough to call ``sample_scm(**params)`` again;
        * ``seed``: entropy and spawn key of the root SeedSequence;
        * ``var_sortability``, ``r2_sortability``: of the raw (unstandardised)
          data, see :mod:`causalkit.generators.sortability`;
        * ``noise_scales``: ``{node: s_j}``; ``raw_mean``, ``raw_std``:
          per-column statistics of the raw data (to undo the z-scoring);
        * ``weights`` (linear): DataFrame, rows = cause, columns = effect;
          ``mechanism_parameters`` (nonlinear): ``{node: {"parents",
          "inner", "bias", "outer"}}``.

    Raises
    ------
    DataError
        For impossible settings, naming the argument: ``n_samples < 1``,
        ``n_nodes < 1``, an unknown ``kind``/``mechanism``/``noise``,
        ``expected_degree`` above ``n_nodes - 1``, a bad range.

    Notes
    -----
    Sampling is vectorised over rows: one pass over the nodes in
    topological order. Noise is drawn as one ``(n_samples, n_nodes)`` array.

    References
    ----------
    Reisach, A. G., Seiler, C. and Weichwald, S. (2021). Beware of the
    simulated DAG! NeurIPS. Reisach, A. G. et al. (2023). A scale-invariant
    sorting criterion to find a causal order in additive noise models.
    NeurIPS.

    Examples
    --------
    >>> ds = sample_scm(5, 200, expected_degree=2, seed=0)
    >>> ds.data.shape
    (200, 5)
    >>> sorted(ds.data.columns) == sorted(ds.graph.nodes)
    True
    >>> 0.0 <= ds.metadata["var_sortability"] <= 1.0 or ds.graph.n_edges == 0
    True
    """
    n_nodes = check_int(n_nodes, "n_nodes", 1)
    n_samples = check_int(n_samples, "n_samples", 1)
    check_choice(kind, "kind", DAG_KINDS)
    check_choice(mechanism, "mechanism", MECHANISMS)
    check_choice(noise, "noise", NOISE_KINDS)
    s_lo, s_hi = check_range(noise_scale, "noise_scale")
    w_lo, w_hi = check_range(weight_range, "weight_range")
    hidden_units = check_int(hidden_units, "hidden_units", 1)
    if not isinstance(standardize, (bool, np.bool_)):
        raise DataError(f"standardize must be True or False; got {standardize!r}")
    ss = seed_sequence(seed)
    graph_ss, mech_ss, noise_ss = ss.spawn(3)
    given_graph = graph is not None
    if graph is None:
        graph = random_dag(n_nodes, kind=kind, expected_degree=expected_degree, seed=graph_ss)
    else:
        graph = _check_graph_arg(graph, n_nodes)
    names = list(graph.nodes)
    adj = graph.to_adjacency(convention="row->col").to_numpy() != 0
    order = [names.index(v) for v in graph.topological_order()]

    rng = np.random.default_rng(mech_ss)
    scales = rng.uniform(s_lo, s_hi, n_nodes)
    metadata_mech = {}
    if mechanism == "linear":
        w = _draw_linear(rng, adj, (w_lo, w_hi))
        metadata_mech["weights"] = pd.DataFrame(w, index=names, columns=names)
    else:
        mlps = {}
        for j in order:
            pa = np.flatnonzero(adj[:, j])
            mlps[j] = _draw_mlp(rng, pa, (w_lo, w_hi), hidden_units)
        metadata_mech["mechanism_parameters"] = {
            names[j]: dict({"parents": [names[i] for i in np.flatnonzero(adj[:, j])]}, **(p or {}))
            for j, p in mlps.items()
        }

    # column-major: the sampling loop reads and writes whole columns
    eps = draw_noise(np.random.default_rng(noise_ss), noise, (n_nodes, n_samples)).T * scales
    x = np.empty((n_samples, n_nodes), order="F")
    for j in order:
        pa = np.flatnonzero(adj[:, j])
        if mechanism == "linear":
            x[:, j] = x[:, pa] @ w[pa, j] + eps[:, j]
        else:
            x[:, j] = _apply_mlp(mlps[j], x[:, pa]) + eps[:, j]

    raw_mean = x.mean(axis=0)
    raw_std = x.std(axis=0)
    var_sort = var_sortability(x, adj) if n_samples > 1 else float("nan")
    r2_sort = r2_sortability(x, adj) if n_samples > n_nodes else float("nan")
    if standardize:
        x = (x - raw_mean) / np.where(raw_std > 0, raw_std, 1.0)

    params = {
        "n_nodes": n_nodes, "n_samples": n_samples, "kind": kind,
        "expected_degree": float(expected_degree), "mechanism": mechanism, "noise": noise,
        "noise_scale": [s_lo, s_hi], "weight_range": [w_lo, w_hi],
        "hidden_units": hidden_units, "standardize": bool(standardize),
        "seed": regeneration_seed(ss),
    }
    metadata = {
        "generator": "sample_scm",
        "params": params,
        "seed": seed_record(ss),
        "var_sortability": var_sort,
        "r2_sortability": r2_sort,
        "noise_scales": dict(zip(names, scales.tolist())),
        "raw_mean": dict(zip(names, raw_mean.tolist())),
        "raw_std": dict(zip(names, raw_std.tolist())),
        "given_graph": given_graph,
    }
    metadata.update(metadata_mech)
    return Dataset(pd.DataFrame(x, columns=names), graph=graph, metadata=metadata)
