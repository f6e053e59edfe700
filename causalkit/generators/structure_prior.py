"""A batched prior over causal structures and SCM data, generated in torch.

Amortized structure learners (AVICI, Lorch et al. 2022; CSIvA, Ke et al.
2023) are trained on many synthetic datasets whose causal graph is known: the
network reads an ``n x d`` table and is scored against the true adjacency
matrix. This module draws such datasets in batches, entirely with torch
operations, so that a training loop can generate them on the GPU next to the
model:

1. **A graph per dataset.** ``kind="er"``: Erdos-Renyi, each pair joined with
   probability ``expected_degree / (d - 1)``. ``kind="sf"``: scale-free
   (Barabasi-Albert preferential attachment, attachment probability
   proportional to degree + 1); nodes arrive one at a time and each new node
   is a *child* of the existing nodes it attaches to, so hubs are causes of
   many variables (AVICI's default, "transposed" scale-free). ``kind="sf_in"``
   orients the same graphs the other way (hubs are effects of many
   variables). The nodes are then relabelled by a uniformly random
   permutation, so the column order carries no information about the causal
   order.
2. **Mechanisms** (additive noise, ``X_j = f_j(PA_j) + b_j + s_j eps_j``,
   with bias ``b_j ~ U[-3, 3]`` and noise scale ``s_j ~ U[0.2, 2]`` as in
   AVICI's training prior):

   * ``"linear"``: ``f_j(pa) = sum_i w_ij pa_i``, ``|w_ij| ~ U[1, 3]`` with a
     random sign (AVICI's ``LinearAdditive``);
   * ``"rff"``: a draw from a Gaussian process with a squared-exponential
     kernel, approximated by ``M = 100`` random Fourier features,
     ``f_j(pa) = c_j sqrt(2 / M) sum_m a_m cos(w_m . pa / l_j + u_m)`` with
     length scale ``l_j ~ U[7, 10]``, output scale ``c_j ~ U[10, 20]``,
     ``a_m ~ N(0, 1)``, ``w_m ~ N(0, I)``, ``u_m ~ U[0, 2 pi]`` (AVICI's
     ``RFFAdditive``);
   * ``"mlp"``: a random one-hidden-layer tanh network per node on its
     standardised parents, ``f_j(pa) = sum_h a_h tanh(sum_i B_hi z_i + c_h)``
     with ``B ~ N(0, 1)``, ``c ~ N(0, 1)``, ``a ~ N(0, 4 / H)``, ``H = 16``
     (the MLP mechanisms of CSIvA and DCDI).
3. **Noise** ``eps_j`` of unit variance: ``"gaussian"``, ``"laplace"``,
   ``"uniform"`` or ``"exponential"`` (centred); non-Gaussian noise makes
   linear models identifiable (LiNGAM).
4. ``standardize=True`` z-scores every column of every dataset, as AVICI does.
   It removes var-sortability (Reisach et al. 2021) but not R2-sortability
   (Reisach et al. 2023).

``kind``, ``mechanism`` and ``noise`` each take one name or a sequence of
names; with a sequence each dataset draws one uniformly at random, so one
batch mixes graph families, mechanisms and noise laws.

Two entry points: :func:`sample_structure_batch` returns tensors
``(X [B, n, d], A [B, d, d])`` for training loops, and
:func:`structure_prior` yields :class:`~causalkit.dataset.Dataset` objects
(with the DAG as ``graph``) for users and benchmarks. ``torch`` is imported
inside the functions only, so ``import causalkit`` does not load it.

Seeding: the seed (an int, a sequence of ints such as ``(run, step)``, or a
:class:`numpy.random.SeedSequence`) seeds a :class:`torch.Generator` on the
requested device. The same seed on the same device gives the same data; CPU
and CUDA random streams differ, so a seed does not give the same data on two
devices.

References
----------
Lorch, L., Sussex, S., Rothfuss, J., Krause, A. and Schoelkopf, B. (2022).
Amortized inference for causal structure learning. NeurIPS.

Ke, N. R., Chiappa, S., Wang, J. X., et al. (2023). Learning to induce causal
structure. ICLR.

Barabasi, A.-L. and Albert, R. (1999). Emergence of scaling in random
networks. Science 286, 509-512.

Reisach, A. G., Seiler, C. and Weichwald, S. (2021). Beware of the simulated
DAG! NeurIPS.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..exceptions import DataError
from ._random import check_int, seed_record

__all__ = [
    "structure_prior",
    "sample_structure_batch",
    "STRUCTURE_KINDS",
    "STRUCTURE_MECHANISMS",
    "STRUCTURE_NOISES",
]

#: graph families of :func:`structure_prior`
STRUCTURE_KINDS = ("er", "sf", "sf_in")
#: mechanisms of :func:`structure_prior`
STRUCTURE_MECHANISMS = ("linear", "rff", "mlp")
#: noise laws of :func:`structure_prior` (all with mean 0 and variance 1)
STRUCTURE_NOISES = ("gaussian", "laplace", "uniform", "exponential")

_N_RFF = 100
_MLP_HIDDEN = 16


# ----------------------------------------------------------------------------- shared torch helpers
def _import_torch():
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - torch is a dependency of the learned extras
        raise ImportError(
            "this generator needs torch; install it with `pip install torch`"
        ) from exc
    return torch


def _seed_sequence(seed):
    """SeedSequence from None, a non-negative int, a sequence of them, or a SeedSequence."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if seed is None:
        return np.random.SeedSequence()
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and seed >= 0:
        return np.random.SeedSequence(int(seed))
    if isinstance(seed, (list, tuple)) and seed and all(
        isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 0 for s in seed
    ):
        return np.random.SeedSequence([int(s) for s in seed])
    raise DataError(
        "seed must be None, a non-negative int, a sequence of non-negative ints "
        f"(e.g. (run, step)) or a numpy SeedSequence; got {seed!r}"
    )


def _device(device):
    torch = _import_torch()
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise DataError(f"device must be a torch device such as 'cpu' or 'cuda'; got {device!r}") from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise DataError(f"device={device!r} was asked for but CUDA is not available")
    return dev


def _torch_generator(ss, device):
    """A torch.Generator on ``device`` seeded from the SeedSequence ``ss``."""
    torch = _import_torch()
    gen = torch.Generator(device=device)
    gen.manual_seed(int(ss.generate_state(1, dtype=np.uint64)[0] & 0x7FFF_FFFF_FFFF_FFFF))
    return gen


def _check_names(value, name, valid):
    """One name or a non-empty sequence of names, each in ``valid``; returns a tuple."""
    values = (value,) if isinstance(value, str) else value
    try:
        values = tuple(values)
    except TypeError:
        raise DataError(
            f"{name} must be one of {list(valid)} or a sequence of them; got {value!r}"
        ) from None
    if not values:
        raise DataError(f"{name} must name at least one of {list(valid)}; got an empty sequence")
    for v in values:
        if v not in valid:
            raise DataError(f"{name} must be one of {list(valid)} or a sequence of them; got {v!r}")
    return values


def _check_degree(expected_degree, n_nodes):
    """``expected_degree`` as a (low, high) range, checked against ``n_nodes``."""
    if isinstance(expected_degree, numbers.Real) and not isinstance(expected_degree, bool):
        low = high = float(expected_degree)
    else:
        try:
            low, high = (float(v) for v in expected_degree)
        except (TypeError, ValueError):
            raise DataError(
                f"expected_degree must be a number or a pair (low, high); got {expected_degree!r}"
            ) from None
    if not (np.isfinite(low) and np.isfinite(high)) or low < 0 or low > high:
        raise DataError(f"expected_degree must satisfy 0 <= low <= high (finite); got ({low}, {high})")
    if high > max(n_nodes - 1, 0):
        raise DataError(
            f"expected_degree={high:g} asks for more edges than a DAG on n_nodes={n_nodes} can "
            f"hold (at most n_nodes - 1 = {max(n_nodes - 1, 0)})"
        )
    return low, high


def _uniform(torch, gen, shape, low, high, device):
    return low + (high - low) * torch.rand(shape, generator=gen, device=device)


def _unit_noise(torch, gen, kind_idx, shape, device):
    """Unit-variance noise; ``kind_idx[b]`` indexes STRUCTURE_NOISES for dataset b."""
    u = torch.rand(shape, generator=gen, device=device)
    out = torch.empty(shape, device=device)
    kinds = set(kind_idx.tolist())
    sel = kind_idx.to(device).view(-1, *([1] * (len(shape) - 1)))
    for k in kinds:
        name = STRUCTURE_NOISES[k]
        if name == "gaussian":
            v = torch.randn(shape, generator=gen, device=device)
        elif name == "uniform":
            v = (u - 0.5) * math.sqrt(12.0)
        elif name == "laplace":
            # inverse CDF of a Laplace with scale 1/sqrt(2) (variance 1)
            c = u.clamp(1e-7, 1 - 1e-7) - 0.5
            v = -torch.sign(c) * torch.log1p(-2 * c.abs()) / math.sqrt(2.0)
        else:  # exponential(1) - 1
            v = -torch.log1p(-u.clamp(max=1 - 1e-7)) - 1.0
        out = torch.where(sel == k, v, out) if len(kinds) > 1 else v
    return out


# ----------------------------------------------------------------------------- graphs
def _er_upper(torch, gen, batch, d, degree, device):
    """Strictly upper-triangular ER adjacency in causal order, [B, d, d] bool."""
    p = (degree / max(d - 1, 1)).clamp(max=1.0).view(-1, 1, 1)
    upper = torch.ones(d, d, dtype=torch.bool, device=device).triu(1)
    return (torch.rand((batch, d, d), generator=gen, device=device) < p) & upper


def _sf_upper(torch, gen, batch, d, degree, device):
    """Barabasi-Albert graphs, edge old -> new, [B, d, d] bool (upper-triangular in arrival order)."""
    adj = torch.zeros((batch, d, d), dtype=torch.bool, device=device)
    if d < 2:
        return adj
    m = (degree / 2.0).view(-1)
    m_lo = torch.floor(m)
    frac = m - m_lo
    deg = torch.zeros((batch, d), device=device)
    # per-node number of attachments: floor(m) or ceil(m) with mean m
    m_all = m_lo.view(-1, 1) + (torch.rand((batch, d), generator=gen, device=device) < frac.view(-1, 1))
    k_cap = int(math.ceil(float(m.max()))) if batch else 0
    for t in range(1, d):
        k_max = min(k_cap, t)
        if k_max == 0:
            continue
        m_t = m_all[:, t].clamp(max=t).long()  # [B]
        w = deg[:, :t] + 1.0
        # weighted sampling without replacement by exponential races (Efraimidis-Spirakis):
        # the k largest log(u) / w are a draw of k items with probabilities proportional to w
        keys = torch.log(torch.rand((batch, t), generator=gen, device=device).clamp_min(1e-30)) / w
        top = torch.topk(keys, k_max, dim=1).indices  # [B, k_max]
        keep = (torch.arange(k_max, device=device).view(1, -1) < m_t.view(-1, 1)).to(deg.dtype)
        chosen = torch.zeros((batch, t), device=device).scatter_(1, top, keep)
        adj[:, :t, t] = chosen > 0
        deg[:, :t] += chosen
        deg[:, t] += m_t.to(deg.dtype)
    return adj


def _random_graphs(torch, gen, batch, d, kind_idx, deg_range, device):
    """Adjacency in causal order (strictly upper-triangular) for each dataset, [B, d, d] bool."""
    low, high = deg_range
    degree = _uniform(torch, gen, (batch,), low, high, device)
    adj = torch.zeros((batch, d, d), dtype=torch.bool, device=device)
    for k in sorted(set(kind_idx.tolist())):
        idx = torch.nonzero(kind_idx == k).view(-1).to(device)
        if STRUCTURE_KINDS[k] == "er":
            a = _er_upper(torch, gen, len(idx), d, degree[idx], device)
        else:
            a = _sf_upper(torch, gen, len(idx), d, degree[idx], device)
            if STRUCTURE_KINDS[k] == "sf_in":
                # edges new -> old (hubs are effects); reversing the node order keeps
                # the matrix upper-triangular in causal order
                a = a.transpose(1, 2).flip(1).flip(2)
        adj[idx] = a
    return adj


# ----------------------------------------------------------------------------- mechanisms
def _linear(torch, gen, adj, base, device):
    """X = base (I - W)^-1 with W strictly upper triangular (causal order)."""
    batch, d, _ = adj.shape
    mag = _uniform(torch, gen, adj.shape, 1.0, 3.0, device)
    sign = torch.where(torch.rand(adj.shape, generator=gen, device=device) < 0.5, -1.0, 1.0)
    w = mag * sign * adj
    eye = torch.eye(d, device=device).expand(batch, d, d)
    # (I - W)^-1 on the small d x d matrices, then one batched product with the n rows
    inv = torch.linalg.solve_triangular(eye - w, eye, upper=True)
    return torch.bmm(base, inv), w


def _sequential(torch, gen, adj, base, mechanism, device):
    """Nonlinear mechanisms, node by node in causal order."""
    batch, d, _ = adj.shape
    n = base.shape[1]
    x = torch.zeros_like(base)
    mask = adj.to(base.dtype)
    if mechanism == "rff":
        omega = torch.randn((batch, d, d, _N_RFF), generator=gen, device=device)  # [B, parent, node, M]
        phase = _uniform(torch, gen, (batch, d, _N_RFF), 0.0, 2 * math.pi, device)
        alpha = torch.randn((batch, d, _N_RFF), generator=gen, device=device)
        length = _uniform(torch, gen, (batch, d), 7.0, 10.0, device)
        scale = _uniform(torch, gen, (batch, d), 10.0, 20.0, device)
    else:
        w1 = torch.randn((batch, d, d, _MLP_HIDDEN), generator=gen, device=device)
        c1 = torch.randn((batch, d, _MLP_HIDDEN), generator=gen, device=device)
        a2 = torch.randn((batch, d, _MLP_HIDDEN), generator=gen, device=device) * (2.0 / math.sqrt(_MLP_HIDDEN))
        z = torch.zeros_like(base)  # standardised copies of the generated columns
    has_pa = (mask.sum(1) > 0).to(base.dtype)  # [B, d]
    for t in range(d):
        if t == 0:
            f = torch.zeros((batch, n), device=device)
        elif mechanism == "rff":
            xp = x[:, :, :t] * mask[:, :t, t].unsqueeze(1)  # [B, n, t]
            proj = torch.bmm(xp, omega[:, :t, t, :]) / length[:, t].view(-1, 1, 1) + phase[:, t].unsqueeze(1)
            f = torch.cos(proj) @ alpha[:, t].unsqueeze(-1)
            f = f.squeeze(-1) * (scale[:, t] * math.sqrt(2.0 / _N_RFF)).view(-1, 1)
        else:
            zp = z[:, :, :t] * mask[:, :t, t].unsqueeze(1)
            h = torch.tanh(torch.bmm(zp, w1[:, :t, t, :]) + c1[:, t].unsqueeze(1))
            f = (h @ a2[:, t].unsqueeze(-1)).squeeze(-1)
        xt = f * has_pa[:, t].view(-1, 1) + base[:, :, t]
        x[:, :, t] = xt
        if mechanism == "mlp":
            sd = xt.std(1, keepdim=True, correction=1 if n > 1 else 0)
            z[:, :, t] = (xt - xt.mean(1, keepdim=True)) / (sd + 1e-8)
    return x


# ----------------------------------------------------------------------------- batch API
def _check_common(n_samples, n_nodes, kind, mechanism, noise, expected_degree):
    n_samples = check_int(n_samples, "n_samples", 1)
    n_nodes = check_int(n_nodes, "n_nodes", 1)
    kinds = _check_names(kind, "kind", STRUCTURE_KINDS)
    mechs = _check_names(mechanism, "mechanism", STRUCTURE_MECHANISMS)
    noises = _check_names(noise, "noise", STRUCTURE_NOISES)
    deg = _check_degree(expected_degree, n_nodes)
    return n_samples, n_nodes, kinds, mechs, noises, deg


def _generate(batch, n, d, kinds, mechs, noises, deg, standardize, gen, device):
    torch = _import_torch()
    pick = lambda options: torch.randint(  # noqa: E731 - a per-dataset choice among names
        len(options), (batch,), generator=gen, device=device
    ).cpu()
    kind_idx = torch.tensor([STRUCTURE_KINDS.index(k) for k in kinds])[pick(kinds)]
    mech_idx = torch.tensor([STRUCTURE_MECHANISMS.index(m) for m in mechs])[pick(mechs)]
    noise_idx = torch.tensor([STRUCTURE_NOISES.index(z) for z in noises])[pick(noises)]
    adj = _random_graphs(torch, gen, batch, d, kind_idx, deg, device)
    bias = _uniform(torch, gen, (batch, 1, d), -3.0, 3.0, device)
    noise_scale = _uniform(torch, gen, (batch, 1, d), 0.2, 2.0, device)
    eps = _unit_noise(torch, gen, noise_idx, (batch, n, d), device)
    base = bias + noise_scale * eps
    present = sorted(set(mech_idx.tolist()))
    if len(present) == 1:  # one mechanism: no sub-batch copies
        name = STRUCTURE_MECHANISMS[present[0]]
        if name == "linear":
            x, weights = _linear(torch, gen, adj, base, device)
        else:
            x = _sequential(torch, gen, adj, base, name, device)
            weights = torch.zeros((batch, d, d), device=device)
    else:
        x = torch.empty_like(base)
        weights = torch.zeros((batch, d, d), device=device)
        for k in present:
            idx = torch.nonzero(mech_idx == k).view(-1).to(device)
            name = STRUCTURE_MECHANISMS[k]
            if name == "linear":
                xs, w = _linear(torch, gen, adj[idx], base[idx], device)
                weights[idx] = w
            else:
                xs = _sequential(torch, gen, adj[idx], base[idx], name, device)
            x[idx] = xs
    # relabel the nodes so the column order does not reveal the causal order
    perm = torch.argsort(torch.rand((batch, d), generator=gen, device=device), dim=1)
    x = torch.gather(x, 2, perm.unsqueeze(1).expand(batch, n, d))
    rows = perm.unsqueeze(2).expand(batch, d, d)
    cols = perm.unsqueeze(1).expand(batch, d, d)
    adj = torch.gather(torch.gather(adj, 1, rows), 2, cols)
    weights = torch.gather(torch.gather(weights, 1, rows), 2, cols)
    noise_scale = torch.gather(noise_scale.view(batch, d), 1, perm)
    if standardize:
        centred = x - x.mean(1, keepdim=True)
        x = centred / (x.std(1, keepdim=True) + 1e-8) if n > 1 else centred
    meta = {
        "kind": [STRUCTURE_KINDS[i] for i in kind_idx.tolist()],
        "mechanism": [STRUCTURE_MECHANISMS[i] for i in mech_idx.tolist()],
        "noise": [STRUCTURE_NOISES[i] for i in noise_idx.tolist()],
        "weights": weights,
        "noise_scale": noise_scale,
        "causal_order": perm,  # column c holds the node at causal position perm[c]
    }
    return x, adj, meta


def sample_structure_batch(batch_size, n_samples, n_nodes, *, kind="er", mechanism="linear",
                           noise="gaussian", expected_degree=2.0, standardize=True, seed=None,
                           device="cpu"):
    """A batch of SCM datasets and their DAGs as tensors, for training loops.

    Parameters
    ----------
    batch_size : int
        Number of datasets ``B`` (>= 1).
    n_samples : int
        Rows per dataset ``n`` (>= 1).
    n_nodes : int
        Variables per dataset ``d`` (>= 1).
    kind : str or sequence of str, default "er"
        Graph family, one of :data:`STRUCTURE_KINDS` (``"er"``, ``"sf"``,
        ``"sf_in"``); a sequence mixes them, each dataset drawing one.
    mechanism : str or sequence of str, default "linear"
        One of :data:`STRUCTURE_MECHANISMS` (``"linear"``, ``"rff"``,
        ``"mlp"``) or a sequence of them.
    noise : str or sequence of str, default "gaussian"
        One of :data:`STRUCTURE_NOISES` or a sequence of them.
    expected_degree : float or (float, float), default 2.0
        Expected number of neighbours (parents + children) of a node; a pair
        ``(low, high)`` draws it uniformly per dataset. For scale-free graphs
        each arriving node makes ``expected_degree / 2`` attachments.
    standardize : bool, default True
        Z-score every column of every dataset.
    seed : None, int, sequence of int or numpy.random.SeedSequence
        Seeds a :class:`torch.Generator` on ``device``. In a training loop,
        ``seed=(run_seed, step)`` makes every batch reproducible and a resumed
        run continue the same stream.
    device : str or torch.device, default "cpu"
        Where the tensors are generated and returned.

    Returns
    -------
    X : torch.Tensor of shape (B, n, d), float32
        The data.
    A : torch.Tensor of shape (B, d, d), bool
        The true DAGs, ``A[b, i, j]`` meaning ``i -> j`` (row -> col).
    meta : dict
        ``"kind"``, ``"mechanism"``, ``"noise"`` (lists of B names),
        ``"weights"`` (B, d, d; the linear weights, zero for nonlinear
        datasets), ``"noise_scale"`` (B, d), ``"causal_order"`` (B, d; the
        position of each column in the causal order).

    Raises
    ------
    DataError
        If a size is not a positive integer, a name is unknown, the degree is
        impossible for ``n_nodes`` or the seed or device is invalid.

    Notes
    -----
    Everything is drawn with torch operations on ``device``; scale-free
    graphs loop over the ``d`` arriving nodes (vectorised over the batch) and
    the nonlinear mechanisms loop over the causal order. See the module
    docstring for the distributions.

    Examples
    --------
    >>> X, A, meta = sample_structure_batch(4, 100, 5, seed=0)  # doctest: +SKIP
    >>> tuple(X.shape), tuple(A.shape)  # doctest: +SKIP
    ((4, 100, 5), (4, 5, 5))
    """
    batch_size = check_int(batch_size, "batch_size", 1)
    n, d, kinds, mechs, noises, deg = _check_common(n_samples, n_nodes, kind, mechanism, noise,
                                                   expected_degree)
    dev = _device(device)
    gen = _torch_generator(_seed_sequence(seed), dev)
    torch = _import_torch()
    with torch.no_grad():
        return _generate(batch_size, n, d, kinds, mechs, noises, deg, bool(standardize), gen, dev)


def structure_prior(n_datasets, n_samples, n_nodes, kind="er", mechanism="linear", noise="gaussian",
                    *, expected_degree=2.0, standardize=True, seed=None, device="cpu", batch_size=256):
    """Many SCM datasets with known DAGs, generated in torch (AVICI-style prior).

    Parameters
    ----------
    n_datasets : int
        Number of datasets to yield (>= 1).
    n_samples : int
        Rows per dataset (>= 1).
    n_nodes : int
        Variables per dataset (>= 1).
    kind, mechanism, noise, expected_degree, standardize
        As in :func:`sample_structure_batch`.
    seed : None, int, sequence of int or numpy.random.SeedSequence
        The same seed on the same device gives the same datasets.
    device : str or torch.device, default "cpu"
        Where the data are generated; the datasets are copied to the CPU.
    batch_size : int, default 256
        Datasets generated per torch call. Part of the random stream: a
        different ``batch_size`` gives different datasets.

    Returns
    -------
    iterator of Dataset
        Each with columns ``X0 .. X{d-1}``, ``graph`` the true DAG and
        ``metadata`` holding ``generator="structure_prior"``, the parameters,
        the seed, the dataset's ``index``, its ``kind``, ``mechanism`` and
        ``noise``, the linear ``weights`` (a d x d array, row -> col; zero for
        nonlinear datasets) and ``noise_scale``.

    Raises
    ------
    DataError
        On impossible settings (checked on the call, before iteration).

    Notes
    -----
    Dataset ``i`` is regenerated by calling :func:`structure_prior` with the
    same arguments and taking item ``i``.

    Examples
    --------
    >>> ds = next(iter(structure_prior(1, 200, 5, seed=0)))  # doctest: +SKIP
    >>> ds.graph.kind  # doctest: +SKIP
    'dag'
    """
    n_datasets = check_int(n_datasets, "n_datasets", 1)
    batch_size = check_int(batch_size, "batch_size", 1)
    n, d, kinds, mechs, noises, deg = _check_common(n_samples, n_nodes, kind, mechanism, noise,
                                                   expected_degree)
    dev = _device(device)
    ss = _seed_sequence(seed)
    params = {
        "n_datasets": n_datasets, "n_samples": n, "n_nodes": d, "kind": list(kinds),
        "mechanism": list(mechs), "noise": list(noises), "expected_degree": list(deg),
        "standardize": bool(standardize), "device": str(dev), "batch_size": batch_size,
    }
    return _iter_structure(n_datasets, batch_size, n, d, kinds, mechs, noises, deg,
                           bool(standardize), ss, dev, params)


def _iter_structure(n_datasets, batch_size, n, d, kinds, mechs, noises, deg, standardize, ss, dev,
                    params):
    import pandas as pd

    from ..dataset import Dataset
    from ..graph import CausalGraph

    torch = _import_torch()
    gen = _torch_generator(ss, dev)
    names = [f"X{i}" for i in range(d)]
    done = 0
    while done < n_datasets:
        b = min(batch_size, n_datasets - done)
        with torch.no_grad():
            x, adj, meta = _generate(b, n, d, kinds, mechs, noises, deg, standardize, gen, dev)
        x = x.cpu().double().numpy()
        adj = adj.cpu().numpy()
        weights = meta["weights"].cpu().double().numpy()
        scale = meta["noise_scale"].cpu().double().numpy()
        for i in range(b):
            graph = CausalGraph.from_adjacency(adj[i].astype(float), names, convention="row->col",
                                               kind="dag")
            md = {
                "generator": "structure_prior",
                "params": params,
                "seed": seed_record(ss),
                "index": done + i,
                "kind": meta["kind"][i],
                "mechanism": meta["mechanism"][i],
                "noise": meta["noise"][i],
                "weights": weights[i],
                "noise_scale": scale[i],
            }
            yield Dataset(pd.DataFrame(x[i], columns=names), graph=graph, metadata=md)
        done += b
