"""Generators of data with a known causal truth.

* :func:`random_dag`: Erdos-Renyi and scale-free random DAGs.
* :func:`sample_scm`: data from a random linear or nonlinear additive-noise SCM.
* :func:`var_sortability`, :func:`r2_sortability`: how much the data's
  variances / ``R^2`` reveal the causal order (Reisach et al. 2021, 2023).
* :func:`load_bif`, :class:`BayesianNetwork`: discrete Bayesian networks from
  BIF files, with ancestral sampling and exact queries.
* :func:`heterogeneous`: multi-domain or time-varying SCMs for CD-NOD.
* :func:`exchangeable`: ICM-exchangeable multi-environment data for causal de Finetti.
* :func:`tabpfn_prior`, :func:`structure_prior`: torch priors of synthetic
  tasks for learned models (torch is imported when they run).
* :class:`CausalTime`: realistic time series with a known graph, fitted to a
  real series (torch).

Every generator is seeded (:class:`numpy.random.SeedSequence`, or a torch
generator per device for the torch priors) and returns
:class:`~causalkit.dataset.Dataset` objects whose ``metadata`` records what
is needed to regenerate them. None of these modules imports torch at import
time.
"""

from .bif import CPT, BayesianNetwork, load_bif, parse_bif
from .causaltime import (CausalTime, causaltime_adjacency, causaltime_dataset, causaltime_graph,
                         hcg_scores)
from .dags import DAG_KINDS, random_dag, random_dag_matrix
from .exchangeable import (EXCHANGEABLE_SETTINGS, exchangeable, exchangeable_binary,
                           exchangeable_bivariate, exchangeable_scm)
from .heterogeneous import DRIFTS, heterogeneous
from .scm import MECHANISMS, NOISE_KINDS, sample_scm
from .sortability import r2_coefficients, r2_sortability, sortability, var_sortability
from .structure_prior import (STRUCTURE_KINDS, STRUCTURE_MECHANISMS, STRUCTURE_NOISES,
                              sample_structure_batch, structure_prior)
from .tabpfn_prior import TABPFN_TASKS, draw_tabpfn_hyperparameters, sample_tabpfn_batch, tabpfn_prior
from .timeseries_dataset import TimeSeriesDataset

__all__ = [
    "DAG_KINDS", "MECHANISMS", "NOISE_KINDS", "DRIFTS",
    "random_dag", "random_dag_matrix", "sample_scm",
    "var_sortability", "r2_sortability", "r2_coefficients", "sortability",
    "BayesianNetwork", "CPT", "load_bif", "parse_bif",
    "heterogeneous",
    "exchangeable", "exchangeable_bivariate", "exchangeable_binary", "exchangeable_scm",
    "EXCHANGEABLE_SETTINGS",
    "tabpfn_prior", "sample_tabpfn_batch", "draw_tabpfn_hyperparameters", "TABPFN_TASKS",
    "structure_prior", "sample_structure_batch", "STRUCTURE_KINDS", "STRUCTURE_MECHANISMS",
    "STRUCTURE_NOISES",
    "CausalTime", "causaltime_dataset", "causaltime_adjacency", "causaltime_graph", "hcg_scores",
    "TimeSeriesDataset",
]
