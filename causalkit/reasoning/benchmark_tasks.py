"""Intervention tasks for the benchmark runner: data from a known network, P(Y | do X) to estimate.

The generator :func:`intervention_dataset` samples observational data from a
discrete network with a hidden confounder (the front-door model of the
smoking example, or the napkin graph) and records the exact interventional
distributions as the truth. The estimators read only the data and the graph:
:func:`estimate_do` identifies the effect (comb disintegration or ID) and
evaluates it on the empirical joint; :func:`estimate_naive` returns the
observational conditional P(Y | X = x), the mistake that surgery corrects.
The runner scores both by total variation to the truth.
"""

from __future__ import annotations

import numpy as np

from ..dataset import Dataset
from ..exceptions import DataError
from ..graph import CausalGraph
from .causal_network import random_network
from .distribution import Distribution
from .identify import do

__all__ = ["DESIGNS", "intervention_dataset", "estimate_do", "estimate_naive"]

#: design name -> (edges, latent nodes, intervened variable, outcome)
DESIGNS = {
    "frontdoor": ([("H", "S"), ("S", "T"), ("T", "C"), ("H", "C")], ["H"], "S", "C"),
    "napkin": ([("U1", "W1"), ("U1", "X"), ("U2", "W1"), ("U2", "Y"), ("W1", "W2"), ("W2", "X"),
                ("X", "Y")], ["U1", "U2"], "X", "Y"),
}


def intervention_dataset(n_samples, design="frontdoor", n_states=2, concentration=1.0, seed=None):
    """Observational samples of a random network with a known interventional truth.

    Parameters
    ----------
    n_samples : int
        Rows of observational data.
    design : {"frontdoor", "napkin"}
        The graph (both have hidden confounders and identifiable effects).
    n_states : int, default 2
        States per variable (the hidden ones too).
    concentration : float, default 1
        Dirichlet parameter of the random tables.
    seed : int, optional

    Returns
    -------
    Dataset
        ``data`` holds the observed variables; ``graph`` the DAG with its
        latent nodes; ``metadata["interventions"]`` one query per state ``x``
        of the intervened variable: ``{"id", "do", "outcome", "distribution"}``
        with the exact P(outcome | do(X = x)) over ``metadata["states"][outcome]``.
    """
    if design not in DESIGNS:
        raise DataError(f"design must be one of {sorted(DESIGNS)}; got {design!r}")
    if int(n_samples) < 1:
        raise DataError(f"n_samples must be a positive integer; got {n_samples!r}")
    edges, latent, x, y = DESIGNS[design]
    graph = CausalGraph.from_edges(edges, latent=latent)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    net = random_network(graph, n_states=n_states, random_state=rng, concentration=concentration)
    data = net.sample(int(n_samples), random_state=rng)
    states = {v: list(net.states[v]) for v in graph.observed}
    queries = []
    for state in states[x]:
        truth = net.intervene({x: state}, y)
        queries.append({"id": f"do({x}={state})", "do": {x: state}, "outcome": y,
                        "distribution": [float(truth.prob(**{y: s})) for s in states[y]]})
    meta = {"generator": "interventions", "design": design, "states": states, "interventions": queries,
            "params": {"n_samples": int(n_samples), "design": design, "n_states": n_states,
                       "concentration": concentration, "seed": seed}}
    return Dataset(data, graph=graph, metadata=meta)


def _joint(dataset, smoothing):
    states = dataset.metadata["states"]
    cols = list(states)
    return Distribution.from_data(dataset.data[cols], columns=cols, smoothing=smoothing, states=states)


def estimate_do(dataset, smoothing=1.0, method="auto"):
    """Estimate every query of ``dataset`` by identification on the empirical joint.

    Returns ``{query id: probabilities of the outcome's states}``.
    """
    omega = _joint(dataset, smoothing)
    out = {}
    for q in dataset.metadata["interventions"]:
        est = do(omega, dataset.graph, q["do"], q["outcome"], method=method)
        out[q["id"]] = [float(est.prob(**{q["outcome"]: s}))
                        for s in dataset.metadata["states"][q["outcome"]]]
    return out


def estimate_naive(dataset, smoothing=1.0):
    """The observational conditional P(outcome | X = x) for each query (ignores confounding)."""
    omega = _joint(dataset, smoothing)
    out = {}
    for q in dataset.metadata["interventions"]:
        (x, state), = q["do"].items()
        joint = omega.marginal([x, q["outcome"]])
        px = float(omega.marginal([x]).prob(**{x: state}))
        if px == 0:
            raise DataError(f"P({x}={state!r}) is zero in the data; the conditional is undefined")
        out[q["id"]] = [float(joint.prob(**{x: state, q["outcome"]: s})) / px
                        for s in dataset.metadata["states"][q["outcome"]]]
    return out
