"""Sphinx configuration for causalkit's documentation (`make docs`)."""

import os
import sys

sys.path.insert(0, os.path.abspath(".."))

import causalkit  # noqa: E402

project = "causalkit"
author = "the causalkit developers"
release = causalkit.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
]
autosummary_generate = True
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# sklearn mixins add methods whose docstrings cite sklearn's own glossary labels
autodoc_default_options = {"members": True, "inherited-members": False,
                           "exclude-members": "score, set_score_request, set_fit_request, set_predict_request, "
                                              "set_predict_proba_request, get_metadata_routing"}
templates_path = ["_templates"]
exclude_patterns = ["_build"]
html_theme = "pydata_sphinx_theme"
html_static_path = ["_static"]
html_title = "causalkit"
suppress_warnings = ["autosummary.import_cycle"]
