"""Conditional-independence tests, selected by name with ``ci_test=``.

========== ==================================================================
name       test
========== ==================================================================
fisherz    Fisher-z test of partial correlation (Gaussian data)
chisq      Pearson chi-square test, stratified over the conditioning set
gsq        G-squared (likelihood-ratio) test, stratified likewise
kci        kernel conditional independence test (Zhang et al. 2011)
rcit       randomized conditional independence test (Strobl et al. 2019)
oracle     d-separation in a known DAG (for testing algorithms)
auto       fisherz for continuous data, gsq when every column is discrete
========== ==================================================================

Use :func:`make_ci_test` to build one for a dataset.
"""

from .base import CITest, data_hash
from .registry import CI_TESTS, make_ci_test, resolve_ci_test

__all__ = ["CITest", "CI_TESTS", "data_hash", "make_ci_test", "resolve_ci_test"]
