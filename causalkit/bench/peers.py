"""Adapters that run peer packages' methods on a :class:`~causalkit.dataset.Dataset`.

Each returns a :class:`~causalkit.graph.CausalGraph` over the dataset's
variables, so the runner scores peers and causalkit's own methods the same
way. The peer packages are imported inside the functions; an adapter is
registered in :mod:`causalkit.bench.registry` and offered only when its
package is installed.
"""

from __future__ import annotations

import numpy as np

from ..exceptions import DataError

__all__ = ["causallearn_pc", "causallearn_ges", "causallearn_cdnod", "lingam_direct", "tigramite_pcmci"]


def _matrix(dataset):
    names = list(dataset.variables)
    return names, dataset.data[names].to_numpy(dtype=float)


def causallearn_pc(dataset, *, alpha=0.05, indep_test="fisherz", stable=True):
    """causal-learn's ``pc`` on the dataset's variables; returns the CPDAG."""
    from causallearn.search.ConstraintBased.PC import pc

    from ..graph import CausalGraph

    names, x = _matrix(dataset)
    cg = pc(x, alpha=alpha, indep_test=indep_test, stable=stable, show_progress=False, verbose=False)
    return CausalGraph.from_causallearn(cg.G, names=names, kind="cpdag")


def causallearn_ges(dataset, *, score_func="local_score_BIC", maxP=None):
    """causal-learn's ``ges``; returns the CPDAG of the best-scoring equivalence class."""
    from causallearn.search.ScoreBased.GES import ges

    from ..graph import CausalGraph

    names, x = _matrix(dataset)
    record = ges(x, score_func=score_func, maxP=maxP)
    return CausalGraph.from_causallearn(record["G"], names=names, kind="cpdag")


def causallearn_cdnod(dataset, *, alpha=0.05, indep_test="fisherz", stable=True):
    """causal-learn's ``cdnod`` with the dataset's (first) context column as ``c_indx``.

    The surrogate context node causal-learn appends is dropped from the graph.
    """
    from causallearn.search.ConstraintBased.CDNOD import cdnod

    from ..graph import CausalGraph

    ctx = dataset.role_columns("context") or dataset.role_columns("time")
    if not ctx:
        raise DataError("causallearn.cdnod needs a dataset with a 'context' (or 'time') role column")
    names, x = _matrix(dataset)
    c = dataset.data[ctx[0]].to_numpy(dtype=float).reshape(-1, 1)
    cg = cdnod(x, c, alpha=alpha, indep_test=indep_test, stable=stable, show_progress=False)
    full = CausalGraph.from_causallearn(cg.G, names=names + ["__context__"], kind="pdag")
    edges = [tuple(e) for e in full.edge_list() if "__context__" not in (e.source, e.target)]
    return CausalGraph(names, edges)


def lingam_direct(dataset, *, measure="pwling", threshold=0.0, random_state=None):
    """lingam's ``DirectLiNGAM``; an edge ``j --> i`` for every coefficient ``|B[i, j]| > threshold``."""
    import lingam

    from ..graph import CausalGraph

    names, x = _matrix(dataset)
    model = lingam.DirectLiNGAM(random_state=random_state, measure=measure)
    model.fit(x)
    b = np.asarray(model.adjacency_matrix_)  # b[i, j]: effect of j on i
    edges = [(names[j], names[i]) for i, j in zip(*np.nonzero(np.abs(b) > threshold)) if i != j]
    return CausalGraph(names, edges, kind="dag")


def tigramite_pcmci(dataset, *, tau_max=2, pc_alpha=0.2, alpha_level=0.05, cond_ind_test="parcorr"):
    """tigramite's PCMCI on the dataset's variables (rows in time order); a lagged graph.

    Lagged links become ``-->`` edges with ``lag``; contemporaneous links
    keep tigramite's marks (``-->``, ``o-o`` as ``---``, conflicts ``x-x``
    dropped).
    """
    from tigramite import data_processing as pp
    from tigramite.pcmci import PCMCI

    from ..graph import CausalGraph

    if cond_ind_test != "parcorr":
        raise DataError(f"cond_ind_test must be 'parcorr'; got {cond_ind_test!r}")
    from tigramite.independence_tests.parcorr import ParCorr

    names, x = _matrix(dataset)
    frame = pp.DataFrame(x, var_names=names)
    res = PCMCI(dataframe=frame, cond_ind_test=ParCorr(), verbosity=0).run_pcmci(
        tau_max=tau_max, pc_alpha=pc_alpha, alpha_level=alpha_level)
    g = res["graph"]  # g[i, j, tau]: link i(t - tau) -> j(t)
    edges, seen = [], set()
    for i, j, tau in zip(*np.nonzero(g != "")):
        mark = g[i, j, tau]
        if tau == 0:
            if i == j or (min(i, j), max(i, j)) in seen:
                continue
            seen.add((min(i, j), max(i, j)))
            if mark == "-->":
                edges.append((names[i], names[j], "-->", 0))
            elif mark == "<--":
                edges.append((names[j], names[i], "-->", 0))
            elif mark == "o-o":
                edges.append((names[i], names[j], "---", 0))
        elif mark == "-->":
            edges.append((names[i], names[j], "-->", int(tau)))
    return CausalGraph(names, edges)
