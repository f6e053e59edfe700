r"""CD-NOD phase 4: the driving force of each changing module.

Huang et al. (2017, Algorithm 2, "NoDFE"): the Gram matrix ``M`` of the
kernel embeddings of a changing module ``P(V | PA)`` over the context values
(:func:`._cdnod_embeddings.module_gram`) is a kernel on the context; its
kernel principal components are low-dimensional summaries of *how* the
module changes, the "nonstationary driving force". Here:

1. ``M`` for the module (``P(V)`` when ``V`` has no parents among the
   variables; the parents are those of the final graph);
2. centre it, ``Mc = H M H``, and eigendecompose ``Mc / N``;
3. keep the ``n_components`` leading eigenpairs ``(lambda_k, v_k)`` and
   return the components ``Mc v_k / sqrt(N lambda_k)`` (unit-variance
   projections), evaluated at every context point (time point, or domain).

On more than ``max_samples`` rows an evenly spaced (time) or stratified
(domain) subsample is used; its row indices are returned.
"""

from __future__ import annotations

import numpy as np

from ..exceptions import DataError, NodeNotFound
from ._cdnod_embeddings import context_design, module_gram, subsample_rows

__all__ = ["driving_forces", "plot_driving_force"]


def driving_forces(values, names, ctx_idx, kinds, graph, *, n_components=3, max_samples=1000, lam=1.0,
                   context_width=0.25, seed=0):
    """Kernel-PCA driving forces of every changing module of a CD-NOD graph.

    Parameters
    ----------
    values : ndarray of shape (n, d + k)
        Variables then context columns.
    names : list of str
    ctx_idx : list of int
    kinds : list of {"domain", "time"}
    graph : CausalGraph
        The CD-NOD graph (context nodes included).
    n_components : int, default 3
    max_samples : int, default 1000
    lam : float, default 1.0
        Ridge of the embeddings.
    context_width : float, default 0.25
        Width of the Gaussian kernel on the standardised time index.
    seed : int

    Returns
    -------
    dict
        ``{module: {"parents": [...], "context": {name: values}, "points":
        "time" | "domain", "components": ndarray (T, n_components),
        "eigenvalues": ndarray, "explained": ndarray, "rows": ndarray}}``.
        For a domain context the points are the domains (``context`` holds
        their labels as codes); for a time context, the (subsampled) rows.
    """
    if int(n_components) < 1:
        raise DataError(f"driving_force_options n_components must be >= 1; got {n_components!r}")
    d = values.shape[1] - len(ctx_idx)
    ctx_names = [names[c] for c in ctx_idx]
    ctx_values = [values[:, c] for c in ctx_idx]
    rows = subsample_rows(ctx_values, list(kinds), max_samples, seed)
    Kc, E, labels = context_design(ctx_values, list(kinds), rows, context_width)
    X = values[rows]
    out = {}
    for j in range(d):
        v = names[j]
        if not any(graph.has_edge(c, v) for c in ctx_names):
            continue
        pa = [p for p in graph.parents(v) if p not in ctx_names]
        pidx = [names.index(p) for p in pa]
        M = module_gram(X[:, pidx], X[:, [j]], Kc, E, lam)
        N = len(M)
        H = np.eye(N) - 1.0 / N
        Mc = H @ M @ H
        Mc = (Mc + Mc.T) / 2
        lam_all, V = np.linalg.eigh(Mc / N)
        order = np.argsort(lam_all)[::-1]
        lam_all, V = lam_all[order], V[:, order]
        k = min(int(n_components), N)
        pos = np.maximum(lam_all[:k], 1e-300)
        comps = Mc @ V[:, :k] / np.sqrt(N * pos)[None, :]
        total = np.sum(np.maximum(lam_all, 0))
        if E is not None:
            context = {c: np.asarray(labels)[:, i] for i, c in enumerate(ctx_names)}
            points = "domain"
        else:
            context = {c: ctx_values[i][rows] for i, c in enumerate(ctx_names)}
            points = "time"
        out[v] = {"parents": pa, "context": context, "points": points, "components": comps,
                  "eigenvalues": lam_all[:k].copy(),
                  "explained": (np.maximum(lam_all[:k], 0) / total) if total > 0 else np.zeros(k),
                  "rows": rows}
    return out


def plot_driving_force(result, name, *, ax=None, n_components=None):
    """Plot the driving force of one changing module: components over the context, and the spectrum.

    Parameters
    ----------
    result : DiscoveryResult
        A CD-NOD result with ``details["driving_force"]``.
    name : str
        A changing module.
    ax : sequence of two matplotlib Axes, optional
        Where to draw (components, eigenvalues); a new figure otherwise.
    n_components : int, optional
        How many components to draw (default all that were kept).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    DataError
        The result has no driving forces (phase 4 did not run).
    NodeNotFound
        ``name`` is not a changing module of the result.
    """
    forces = result.details.get("driving_force") if hasattr(result, "details") else None
    if not forces:
        raise DataError("this result has no driving forces; run cdnod(..., driving_force=True)")
    if name not in forces:
        raise NodeNotFound(f"{name!r} is not a changing module with a driving force; those are {sorted(forces)}")
    if ax is None:
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(1, 2, figsize=(9, 3), gridspec_kw={"width_ratios": [3, 1]})
    else:
        fig = ax[0].figure
    f = forces[name]
    comps = f["components"]
    k = comps.shape[1] if n_components is None else min(int(n_components), comps.shape[1])
    cname, cvals = next(iter(f["context"].items()))
    x = np.asarray(cvals)
    for i in range(k):
        if f["points"] == "domain":
            ax[0].plot(np.arange(len(x)), comps[:, i], "o-", label=f"component {i + 1}")
        else:
            ax[0].plot(x, comps[:, i], "-", label=f"component {i + 1}")
    ax[0].set_xlabel("domain" if f["points"] == "domain" else cname)
    ax[0].set_ylabel("driving force")
    parents = ", ".join(f["parents"]) if f["parents"] else ""
    ax[0].set_title(f"P({name}{' | ' + parents if parents else ''}) over {cname}")
    ax[0].legend(fontsize="small")
    ax[1].bar(np.arange(1, len(f["eigenvalues"]) + 1), f["explained"])
    ax[1].set_xlabel("component")
    ax[1].set_ylabel("share of variance")
    fig.tight_layout()
    return fig
