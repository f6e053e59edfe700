"""Random directed acyclic graphs: Erdos-Renyi and scale-free.

Two families are standard in causal-discovery benchmarks:

* **Erdos-Renyi** (``kind="er"``): every pair of nodes is joined
  independently with probability ``p = expected_degree / (n_nodes - 1)``, so
  the expected number of edges is ``n_nodes * expected_degree / 2`` and a
  node's expected degree (parents plus children) is ``expected_degree``.
* **Scale-free** (``kind="sf"``): Barabasi-Albert preferential attachment
  (Barabasi and Albert 1999). Nodes arrive one at a time and join ``m``
  existing nodes, chosen with probability proportional to their degree plus
  one, with ``m = expected_degree / 2`` (a non-integer ``m`` is realised by
  drawing ``floor(m)`` or ``ceil(m)`` per node with the right mean). The
  degree distribution has a heavy tail: a few hubs, many leaves.

In both cases the undirected graph is oriented along a uniformly random
permutation of the nodes, so the column order of generated data carries no
information about the causal order (a shortcut some benchmarks leave open).
"""

from __future__ import annotations

import numbers

import numpy as np

from ..exceptions import DataError
from ..graph import CausalGraph
from ._random import check_choice, check_int, seed_sequence

__all__ = ["random_dag", "random_dag_matrix", "DAG_KINDS"]

#: graph families of :func:`random_dag`
DAG_KINDS = ("er", "sf")


def _check_degree(expected_degree, n_nodes):
    if isinstance(expected_degree, bool) or not isinstance(expected_degree, numbers.Real):
        raise DataError(f"expected_degree must be a number >= 0; got {expected_degree!r}")
    k = float(expected_degree)
    if not np.isfinite(k) or k < 0:
        raise DataError(f"expected_degree must be a finite number >= 0; got {expected_degree!r}")
    if k > max(n_nodes - 1, 0):
        raise DataError(
            f"expected_degree={k:g} asks for more edges than a DAG on n_nodes={n_nodes} "
            f"can hold (at most n_nodes - 1 = {max(n_nodes - 1, 0)})"
        )
    return k


def _undirected_er(n, k, rng):
    if n < 2:
        return np.zeros((n, n), dtype=bool)
    p = k / (n - 1)
    upper = np.triu(rng.random((n, n)) < p, k=1)
    return upper | upper.T


def _undirected_sf(n, k, rng):
    a = np.zeros((n, n), dtype=bool)
    m = k / 2.0
    lo = int(np.floor(m))
    frac = m - lo
    degree = np.zeros(n)
    for t in range(1, n):
        m_t = lo + int(rng.random() < frac)
        m_t = min(m_t, t)
        if m_t == 0:
            continue
        w = degree[:t] + 1.0
        targets = rng.choice(t, size=m_t, replace=False, p=w / w.sum())
        a[t, targets] = a[targets, t] = True
        degree[targets] += 1
        degree[t] += m_t
    return a


def random_dag_matrix(n_nodes, kind="er", expected_degree=2.0, seed=None):
    """Boolean adjacency matrix of a random DAG, ``a[i, j]`` meaning ``i -> j``.

    The array-level core of :func:`random_dag` (same arguments, same draws:
    ``random_dag(...)`` is this matrix wrapped in a :class:`CausalGraph`).

    Returns
    -------
    ndarray of bool, shape (n_nodes, n_nodes)
        Convention ``row->col``: ``a[i, j]`` is True when ``i -> j``.
    """
    n = check_int(n_nodes, "n_nodes", 1)
    check_choice(kind, "kind", DAG_KINDS)
    k = _check_degree(expected_degree, n)
    rng = np.random.default_rng(seed_sequence(seed))
    und = _undirected_er(n, k, rng) if kind == "er" else _undirected_sf(n, k, rng)
    # orient along a random causal order: position[i] < position[j] means i before j
    position = np.empty(n, dtype=int)
    position[rng.permutation(n)] = np.arange(n)
    # SF graphs are built in arrival order; relabel so hubs land on random names
    if kind == "sf":
        relabel = rng.permutation(n)
        und = und[np.ix_(relabel, relabel)]
    return und & (position[:, None] < position[None, :])


def random_dag(n_nodes, kind="er", expected_degree=2.0, seed=None, names=None):
    """Draw a random DAG.

    Parameters
    ----------
    n_nodes : int
        Number of nodes (>= 1).
    kind : {"er", "sf"}
        ``"er"``: Erdos-Renyi, each pair joined independently.
        ``"sf"``: scale-free, Barabasi-Albert preferential attachment.
    expected_degree : float
        Expected number of neighbours (parents + children) of a node, so the
        expected number of edges is ``n_nodes * expected_degree / 2``. At
        most ``n_nodes - 1`` (the complete DAG). For ``"sf"`` it is matched
        approximately (the first nodes have fewer candidates to join).
    seed : None, int or numpy.random.SeedSequence
        Seed; the same seed gives the same graph.
    names : list of str, optional
        Node names; default ``X0 .. X{n_nodes-1}``.

    Returns
    -------
    CausalGraph
        ``kind == "dag"``. The causal order is a uniformly random
        permutation of the node order.

    Raises
    ------
    DataError
        If ``n_nodes < 1``, ``kind`` is unknown, ``expected_degree`` is
        negative or larger than ``n_nodes - 1``, or ``names`` has the wrong
        length.

    Notes
    -----
    With ``p = expected_degree / (n_nodes - 1)`` every one of the
    ``n_nodes (n_nodes - 1) / 2`` pairs is an edge with probability ``p``
    (ER). For SF the attachment probability of an existing node is
    proportional to its current degree plus one, so nodes without edges can
    still be chosen.

    References
    ----------
    Erdos, P. and Renyi, A. (1960). On the evolution of random graphs.
    Barabasi, A.-L. and Albert, R. (1999). Emergence of scaling in random
    networks. Science 286, 509-512.

    Examples
    --------
    >>> g = random_dag(10, kind="er", expected_degree=2, seed=0)
    >>> g.kind, g.n_nodes
    ('dag', 10)
    >>> g == random_dag(10, kind="er", expected_degree=2, seed=0)
    True
    """
    a = random_dag_matrix(n_nodes, kind=kind, expected_degree=expected_degree, seed=seed)
    n = a.shape[0]
    if names is None:
        names = [f"X{i}" for i in range(n)]
    else:
        names = [str(v) for v in names]
        if len(names) != n:
            raise DataError(f"names has {len(names)} entries but n_nodes={n}")
    return CausalGraph.from_adjacency(a.astype(int), names, convention="row->col", kind="dag")

