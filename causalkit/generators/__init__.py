"""Generators of data with a known causal truth.

* :func:`random_dag`: Erdos-Renyi and scale-free random DAGs.
* :func:`sample_scm`: data from a random linear or nonlinear additive-noise SCM.
* :func:`var_sortability`, :func:`r2_sortability`: how much the data's
  variances / ``R^2`` reveal the causal order (Reisach et al. 2021, 2023).
* :func:`load_bif`, :class:`BayesianNetwork`: discrete Bayesian networks from
  BIF files, with ancestral sampling and exact queries.
* :func:`heterogeneous`: multi-domain or time-varying SCMs for CD-NOD.

Every generator is seeded through :class:`numpy.random.SeedSequence` and
returns a :class:`~causalkit.dataset.Dataset` whose ``metadata`` records what
is needed to regenerate it.
"""

from .dags import DAG_KINDS, random_dag, random_dag_matrix
from .scm import MECHANISMS, NOISE_KINDS, sample_scm
from .sortability import r2_coefficients, r2_sortability, sortability, var_sortability

__all__ = [
    "DAG_KINDS",
    "MECHANISMS",
    "NOISE_KINDS",
    "random_dag",
    "random_dag_matrix",
    "sample_scm",
    "var_sortability",
    "r2_sortability",
    "r2_coefficients",
    "sortability",
]

from .bif import CPT, BayesianNetwork, load_bif, parse_bif  # noqa: E402

__all__ += ["BayesianNetwork", "CPT", "load_bif", "parse_bif"]

from .heterogeneous import DRIFTS, heterogeneous  # noqa: E402

__all__ += ["heterogeneous", "DRIFTS"]
