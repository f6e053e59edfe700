"""Amortized causal discovery: a network that reads a dataset and outputs edge probabilities.

A *prior-fitted* structure learner in the spirit of AVICI (Lorch et al., 2022)
and CSIvA (Ke et al., 2023): instead of searching for a graph that fits one
dataset, a network is trained once on many synthetic datasets whose DAG is
known (:func:`causalkit.generators.sample_structure_batch`) and then predicts
the graph of a new dataset in one forward pass.

Architecture (:class:`StructureNet`)
------------------------------------
The input is an ``n x d`` table (rows = samples, columns = variables), z-scored
per column. Every entry ``x[r, j]`` is embedded to a vector of size ``dim``
together with two per-variable sample moments (skewness and excess kurtosis
of column ``j``), giving a tensor ``H`` of shape ``(n, d, dim)``. Then
``n_layers`` *axial* blocks each apply

1. self-attention across the **variable** axis (for every sample, the ``d``
   entries of that row attend to each other), then
2. self-attention across the **sample** axis (for every variable, its ``n``
   entries attend to each other), each followed by a feed-forward layer
   (pre-layer-norm residual blocks).

No positional encoding is used on either axis, so every block is
permutation-equivariant over variables and over samples. ``H`` is then
max- and mean-pooled over the sample axis, which makes the variable
embeddings ``z_j`` invariant to the row order. Edge logits come from a
pairwise head::

    logit(i -> j) = MLP( U z_i + V z_j + W phi(i, j) )

where ``phi(i, j)`` are pairwise sample statistics of the standardised data
(correlation, partial correlation from a ridge-regularised precision matrix,
and the asymmetric co-moments ``E[x_i^2 x_j]``, ``E[x_i x_j^2]``,
``E[x_i^3 x_j] - 3 E[x_i x_j]`` and its transpose; the co-moments carry the
orientation signal of non-Gaussian noise). The head sees ``(i, j)`` and
``(j, i)`` as different ordered pairs, so it can orient edges; the diagonal
is masked. The output is a matrix of independent Bernoulli edge
probabilities ``P[i, j] = sigmoid(logit(i -> j))`` (row = cause, column =
effect). Relabelling the variables permutes ``P`` the same way; reordering
the rows leaves it unchanged (tested in ``tests/learned/test_structure.py``).

Training (``benchmarks/train_structure.py``)
--------------------------------------------
Binary cross-entropy of ``P`` against the true adjacency over the ordered
off-diagonal pairs, plus an acyclicity penalty ``lambda * rho(P)`` where
``rho`` is the spectral radius of ``P`` estimated by power iteration (zero
exactly when the support of ``P`` is acyclic; AVICI uses the same bound).
``lambda`` grows linearly over training. See :func:`acyclicity_penalty`.

From probabilities to a DAG (:func:`probabilities_to_dag`)
----------------------------------------------------------
The pairs with ``P[i, j] > threshold`` are sorted by decreasing probability
and inserted one by one; an edge that would close a directed cycle with the
edges already kept is skipped. The result is acyclic by construction, keeps
every confident edge that does not conflict with a more confident one, and,
in a two-cycle ``i <-> j`` above the threshold, keeps the more probable
direction.

Large batches on CUDA: the variable-axis attention runs ``B * n`` sequences
of length ``d`` (about 200 000 in GPU training at small ``d``). Fused SDPA
kernels failed on an H200 beyond 65 535 sequences (cuDNN:
``mha_graph.execute ... is_good()``), so every attention call is split over
the batch axis into pieces of at most :data:`ATTENTION_CHUNK` sequences
(``StructureNet.attn_chunk``; the same result, tested); setting
``StructureNet.math_attention = True`` restricts CUDA to the math kernel.

Rows: a dataset with more than ``max_rows`` rows is subsampled to
``max_rows`` rows chosen by a hash of each row's *sorted* values, so the
choice does not depend on the row order or the column order (the
invariances above hold exactly for large data too) and is deterministic.

References
----------
Lorch, L., Sussex, S., Rothfuss, J., Krause, A. and Schoelkopf, B. (2022).
Amortized inference for causal structure learning. NeurIPS.

Ke, N. R., Chiappa, S., Wang, J. X., et al. (2023). Learning to induce causal
structure. ICLR.

Reisach, A. G. et al. (2023). A scale-invariant sorting criterion to find a
causal order in additive noise models. NeurIPS.
"""

from __future__ import annotations

import functools
import json
import os
import time

import numpy as np
import pandas as pd

from ..exceptions import DataError, UnknownMethodError

__all__ = [
    "PFNStructureLearner",
    "pfn_discover",
    "probabilities_to_dag",
    "load_structure_model",
    "make_structure_net",
    "acyclicity_penalty",
    "select_rows",
    "PRETRAINED_STRUCTURE",
    "DEFAULT_MAX_ROWS",
    "ATTENTION_CHUNK",
]

#: Directory of the shipped weights.
WEIGHTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "weights")
#: Shipped structure models: name -> file stem under ``WEIGHTS_DIR``.
PRETRAINED_STRUCTURE = {"default": "structure_gpu", "cpu_small": "structure_cpu_small",
                        "gpu": "structure_gpu"}
#: Sequences per attention kernel call at most (CUDA grid limit 65 535; see ``StructureNet.attn_chunk``).
ATTENTION_CHUNK = 65535
#: Rows read by the network at most (more are subsampled, see the module docstring).
DEFAULT_MAX_ROWS = 1000

_N_PAIR_FEATURES = 6
_N_NODE_FEATURES = 2


# ----------------------------------------------------------------------------- the network
def _build_classes():
    """Define the torch modules (torch is imported only when a model is needed)."""
    import torch
    from torch import nn
    from torch.nn import functional as F

    class _Attention(nn.Module):
        def __init__(self, dim, n_heads):
            super().__init__()
            self.n_heads = n_heads
            self.qkv = nn.Linear(dim, 3 * dim)
            self.out = nn.Linear(dim, dim)

        def forward(self, x, chunk=None, math=False, impl="sdpa"):  # x [N, T, dim]: attention over T
            n, t, dim = x.shape
            q, k, v = self.qkv(x).view(n, t, 3, self.n_heads, dim // self.n_heads).permute(2, 0, 3, 1, 4)
            if impl not in ("sdpa", "matmul"):
                raise DataError(f"var_attention must be 'sdpa' or 'matmul', got {impl!r}")
            if impl == "matmul":  # short sequences: plain batched products, no padding to kernel tiles
                w = torch.softmax((q @ k.transpose(-1, -2)).float() * q.shape[-1] ** -0.5, dim=-1)
                y = w.to(v.dtype) @ v
            elif math and q.is_cuda:
                from torch.nn.attention import SDPBackend, sdpa_kernel

                with sdpa_kernel(SDPBackend.MATH):
                    y = _sdpa_chunked(q, k, v, chunk)
            else:
                y = _sdpa_chunked(q, k, v, chunk)
            return self.out(y.transpose(1, 2).reshape(n, t, dim))

    def _sdpa_chunked(q, k, v, chunk):
        """SDPA over the batch axis in pieces of at most ``chunk`` sequences (None: one call)."""
        if chunk is None or q.shape[0] <= chunk:
            return F.scaled_dot_product_attention(q, k, v)
        return torch.cat([F.scaled_dot_product_attention(q[i:i + chunk], k[i:i + chunk], v[i:i + chunk])
                          for i in range(0, q.shape[0], chunk)], dim=0)

    class _Block(nn.Module):
        """Pre-LN attention + feed-forward over the last-but-one axis of [N, T, dim]."""

        def __init__(self, dim, n_heads, ff_mult):
            super().__init__()
            self.ln1 = nn.LayerNorm(dim)
            self.attn = _Attention(dim, n_heads)
            self.ln2 = nn.LayerNorm(dim)
            self.ff = nn.Sequential(nn.Linear(dim, ff_mult * dim), nn.GELU(), nn.Linear(ff_mult * dim, dim))

        def forward(self, x, chunk=None, math=False, impl="sdpa"):
            x = x + self.attn(self.ln1(x), chunk, math, impl)
            return x + self.ff(self.ln2(x))

    class StructureNet(nn.Module):
        """Axial-attention network from an ``(n, d)`` table to ``(d, d)`` edge logits.

        Parameters
        ----------
        dim : int
            Embedding width.
        n_layers : int
            Number of axial blocks (each: one variable-axis and one
            sample-axis attention block).
        n_heads : int
            Attention heads (``dim`` must be divisible by it).
        ff_mult : int
            Feed-forward expansion factor.

        Attributes
        ----------
        attn_chunk : int or None
            Attention runs over at most this many sequences per kernel call
            (default :data:`ATTENTION_CHUNK`, 65 535; ``None``: one call).
            The variable-axis attention sees ``B * n`` sequences of length
            ``d`` (up to ~200 000 in GPU training); fused CUDA SDPA kernels
            (cuDNN, flash, memory-efficient) failed on such batches on an
            H200 (cuDNN in the backward pass, then a kernel error in the
            forward pass). Chunking gives the same result (tested).
        math_attention : bool
            If True, CUDA attention uses torch's math SDPA kernel only
            (slower, never the fused kernels). Default False.
        var_attention : {"sdpa", "matmul"}
            How the variable-axis attention (sequences of length ``d``, at
            most 30 in training) is computed: torch's SDPA (default) or
            explicit batched products with a float32 softmax (the same
            function in float32, tested; under bf16 autocast the scores
            are rounded to bf16 before the softmax). Fused SDPA kernels pad each sequence to a tile
            of 64-128 positions, so on a GPU the explicit products can be
            faster for short sequences; ``benchmarks/train_structure.py
            --attention auto`` times both and keeps the faster.
        """

        def __init__(self, dim=64, n_layers=3, n_heads=4, ff_mult=2):
            super().__init__()
            if dim % n_heads:
                raise DataError(f"dim={dim} must be divisible by n_heads={n_heads}")
            self.config = {"dim": dim, "n_layers": n_layers, "n_heads": n_heads, "ff_mult": ff_mult}
            self.embed_value = nn.Linear(1, dim)
            self.embed_node = nn.Linear(_N_NODE_FEATURES, dim)
            self.var_blocks = nn.ModuleList([_Block(dim, n_heads, ff_mult) for _ in range(n_layers)])
            self.obs_blocks = nn.ModuleList([_Block(dim, n_heads, ff_mult) for _ in range(n_layers)])
            self.ln_pool = nn.LayerNorm(2 * dim)
            self.head_u = nn.Linear(2 * dim, dim)
            self.head_v = nn.Linear(2 * dim, dim)
            self.pair_embed = nn.Sequential(nn.Linear(_N_PAIR_FEATURES, dim), nn.GELU(), nn.Linear(dim, dim))
            self.edge_mlp = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, dim), nn.GELU(), nn.Linear(dim, 1))
            self.attn_chunk = ATTENTION_CHUNK
            self.math_attention = False
            self.var_attention = "sdpa"

        def forward(self, x):
            """Edge logits ``[B, d, d]`` (row = cause) of data ``x`` ``[B, n, d]``; diagonal = -inf."""
            b, n, d = x.shape
            with torch.autocast(device_type=x.device.type, enabled=False):
                x = _standardise(x.float())
                node_f, pair_f = _statistics(x)
            h = self.embed_value(x.unsqueeze(-1)) + self.embed_node(node_f.to(x.dtype)).unsqueeze(1)
            for var_blk, obs_blk in zip(self.var_blocks, self.obs_blocks):
                h = var_blk(h.reshape(b * n, d, -1), self.attn_chunk, self.math_attention,
                            self.var_attention).view(b, n, d, -1)
                h = h.transpose(1, 2).reshape(b * d, n, -1)
                h = obs_blk(h, self.attn_chunk, self.math_attention).view(b, d, n, -1).transpose(1, 2)
            pooled = torch.cat([h.max(dim=1).values, h.mean(dim=1)], dim=-1)  # [B, d, 2 dim]
            z = self.ln_pool(pooled)
            e = self.head_u(z).unsqueeze(2) + self.head_v(z).unsqueeze(1) + self.pair_embed(pair_f.to(z.dtype))
            logits = self.edge_mlp(e).squeeze(-1).float()
            eye = torch.eye(d, dtype=torch.bool, device=x.device)
            return logits.masked_fill(eye, float("-inf"))

    def _standardise(x):
        mu = x.mean(1, keepdim=True)
        sd = x.std(1, keepdim=True, correction=0)
        return (x - mu) / (sd + 1e-6)

    def _statistics(x):
        """Per-variable and pairwise moments of standardised ``x`` ``[B, n, d]`` (float32)."""
        b, n, d = x.shape
        x2 = x * x
        skew = x2.mul(x).mean(1)
        kurt = x2.mul(x2).mean(1) - 3.0
        node = torch.stack([skew, kurt], -1).clamp(-10, 10) / 3.0
        c = x.transpose(1, 2) @ x / n  # [B, d, d]
        eye = torch.eye(d, device=x.device, dtype=x.dtype)
        prec = torch.linalg.inv(c + 0.05 * eye)
        dg = torch.diagonal(prec, dim1=1, dim2=2).clamp_min(1e-6).sqrt()
        pcorr = -prec / (dg.unsqueeze(2) * dg.unsqueeze(1))
        m21 = x2.transpose(1, 2) @ x / n  # E[x_i^2 x_j]
        k31 = (x2 * x).transpose(1, 2) @ x / n - 3.0 * c  # E[x_i^3 x_j] - 3 E[x_i x_j]
        pair = torch.stack([c, pcorr, m21, m21.transpose(1, 2), k31, k31.transpose(1, 2)], -1)
        pair = pair * (1 - eye).unsqueeze(-1)
        return node, pair.clamp(-10, 10)

    return StructureNet


@functools.lru_cache(maxsize=1)
def _classes():
    return _build_classes()


def make_structure_net(**config):
    """A fresh (untrained) :class:`StructureNet` with the given configuration.

    Parameters
    ----------
    **config
        ``dim``, ``n_layers``, ``n_heads``, ``ff_mult`` (see ``StructureNet``).

    Returns
    -------
    torch.nn.Module
    """
    return _classes()(**config)


def acyclicity_penalty(probs, n_iter=10):
    """Spectral-radius bound on the cyclicity of edge-probability matrices.

    Parameters
    ----------
    probs : torch.Tensor of shape (B, d, d)
        Non-negative edge probabilities (row = cause), zero diagonal.
    n_iter : int, default 10
        Power iterations.

    Returns
    -------
    torch.Tensor of shape (B,)
        An estimate of the spectral radius ``rho(P)``. For a non-negative
        matrix ``rho(P) = 0`` exactly when ``P`` is nilpotent, i.e. its
        support is a DAG; ``rho`` grows with the weight of the cycles.

    Notes
    -----
    Power iteration from the all-ones vector (a non-negative matrix's Perron
    vector is non-negative, so this start is never orthogonal to it);
    ``rho ~ ||P v|| / ||v||`` after ``n_iter`` normalised steps. The
    gradient flows through the last step only (the iterate is detached),
    which is the gradient of the Rayleigh-type quotient at the current
    eigenvector estimate, as in AVICI (Lorch et al., 2022, Sec. 4).
    """
    import torch

    with torch.no_grad():
        v = torch.ones(probs.shape[0], probs.shape[1], 1, device=probs.device, dtype=probs.dtype)
        for _ in range(n_iter):
            v = probs @ v
            v = v / v.norm(dim=1, keepdim=True).clamp_min(1e-12)
    return (probs @ v).norm(dim=1).squeeze(-1)


# ----------------------------------------------------------------------------- weights
def _resolve_weights(weights):
    """Path stem of ``weights``: None/'default' (shipped), a shipped name, or a path (with or without suffix)."""
    if weights is None:
        weights = "default"
    if not isinstance(weights, (str, os.PathLike)):
        raise DataError(f"weights must be None, a shipped name {list(PRETRAINED_STRUCTURE)} or a path; got {weights!r}")
    weights = os.fspath(weights)
    if weights in PRETRAINED_STRUCTURE:
        return os.path.join(WEIGHTS_DIR, PRETRAINED_STRUCTURE[weights])
    stem = weights[: -len(".safetensors")] if weights.endswith(".safetensors") else weights
    if not os.path.exists(stem + ".safetensors"):
        raise UnknownMethodError(
            f"weights={weights!r} is neither a shipped model ({list(PRETRAINED_STRUCTURE)}) "
            f"nor an existing file {stem + '.safetensors'!r}"
        )
    return stem


@functools.lru_cache(maxsize=8)
def _load_cached(stem, device):
    import torch
    from safetensors.torch import load_file

    with open(stem + ".json") as fh:
        meta = json.load(fh)
    model = make_structure_net(**meta["model"])
    state = {k: v.float() for k, v in load_file(stem + ".safetensors").items()}
    model.load_state_dict(state)
    model = model.to(torch.device(device)).eval()
    return model, meta


def load_structure_model(weights=None, device="cpu"):
    """Load a trained :class:`StructureNet` and its provenance record.

    Parameters
    ----------
    weights : str, optional
        ``None`` or ``"default"`` for the shipped model, another name of
        :data:`PRETRAINED_STRUCTURE`, or the path of a ``.safetensors`` file
        written by ``benchmarks/train_structure.py`` (a ``.json`` with the
        same stem must sit next to it).
    device : str, default "cpu"

    Returns
    -------
    model : torch.nn.Module
        In eval mode, float32, on ``device``. Cached: repeated calls return
        the same object.
    meta : dict
        The JSON record: ``model`` (configuration), ``training`` (prior,
        steps, wall time, device), ``provenance``.

    Raises
    ------
    UnknownMethodError
        If ``weights`` is neither a shipped name nor an existing file.
    """
    return _load_cached(_resolve_weights(weights), str(device))


# ----------------------------------------------------------------------------- inference helpers
def select_rows(values, max_rows):
    """Indices of at most ``max_rows`` rows, chosen independently of row and column order.

    Parameters
    ----------
    values : ndarray of shape (n, d)
    max_rows : int

    Returns
    -------
    ndarray of int
        All rows (in order) when ``n <= max_rows``; otherwise the
        ``max_rows`` rows with the smallest 64-bit hash of their sorted
        values (ties broken by the sorted values themselves), so the same set
        is chosen whatever the order of rows or columns.
    """
    n = values.shape[0]
    if n <= max_rows:
        return np.arange(n)
    key = np.sort(values, axis=1)
    h = pd.util.hash_pandas_object(pd.DataFrame(key), index=False).to_numpy()
    order = np.lexsort(tuple(key[:, ::-1].T) + (h,))
    return np.sort(order[:max_rows])


def probabilities_to_dag(probs, threshold=0.5):
    """Greedy acyclic thresholding of an edge-probability matrix.

    Parameters
    ----------
    probs : ndarray of shape (d, d)
        Edge probabilities, row = cause, column = effect.
    threshold : float, default 0.5
        Edges with probability above it are candidates.

    Returns
    -------
    ndarray of bool, shape (d, d)
        A DAG adjacency (row -> col): candidates inserted in decreasing order
        of probability, skipping any that would close a directed cycle.

    Examples
    --------
    >>> import numpy as np
    >>> p = np.array([[0, .9, .2], [.6, 0, .8], [.7, 0, 0]])
    >>> probabilities_to_dag(p).astype(int)
    array([[0, 1, 0],
           [0, 0, 1],
           [0, 0, 0]])
    """
    p = np.asarray(probs, dtype=float)
    d = p.shape[0]
    adj = np.zeros((d, d), dtype=bool)
    reach = np.eye(d, dtype=bool)  # reach[a, b]: a directed path a -> ... -> b exists (or a == b)
    cand = [(p[i, j], i, j) for i in range(d) for j in range(d) if i != j and p[i, j] > threshold]
    for _, i, j in sorted(cand, key=lambda t: (-t[0], t[1], t[2])):
        if reach[j, i]:
            continue  # i -> j would close a cycle j ~> i -> j
        adj[i, j] = True
        # everything that reaches i now reaches everything j reaches
        reach |= np.outer(reach[:, i], reach[j, :])
    return adj


def _check_threshold(threshold, meta=None):
    if threshold is None:
        return float((meta or {}).get("inference", {}).get("threshold", 0.5))
    if not isinstance(threshold, (int, float, np.floating)) or isinstance(threshold, bool) \
            or not 0.0 <= float(threshold) < 1.0:
        raise DataError(f"threshold must be a number in [0, 1); got {threshold!r}")
    return float(threshold)


def _check_max_rows(max_rows, meta=None):
    if max_rows is None:
        return int((meta or {}).get("inference", {}).get("max_rows", DEFAULT_MAX_ROWS))
    if isinstance(max_rows, bool) or not isinstance(max_rows, (int, np.integer)) or max_rows < 10:
        raise DataError(f"max_rows must be an integer >= 10; got {max_rows!r}")
    return int(max_rows)


# ----------------------------------------------------------------------------- estimator
class PFNStructureLearner:
    """Amortized (prior-fitted) causal discovery: edge probabilities in one forward pass.

    Parameters
    ----------
    device : str, default "cpu"
        Torch device for inference.
    weights : str, optional
        ``None`` for the default shipped model, another shipped name
        (:data:`PRETRAINED_STRUCTURE`: ``"cpu_small"``, ``"gpu"``), or a
        ``.safetensors`` path written by ``benchmarks/train_structure.py``
        (see :func:`load_structure_model`).
    threshold : float, optional
        Edge-probability threshold of the returned DAG. ``None``: the
        model's calibrated threshold (``inference.threshold`` in its JSON
        record, the F1-optimal value on validation draws of the training
        prior; 0.12 for ``"cpu_small"`` and 0.2 for ``"gpu"``, whose
        probabilities are under-confident).
    max_rows : int, optional
        Rows read at most; larger data are subsampled by
        :func:`select_rows` (deterministic, independent of row/column
        order). ``None``: the model's recommendation (``inference.max_rows``
        in its JSON record; 1000 for ``"cpu_small"`` and 500 for ``"gpu"``,
        which keeps CPU inference for ``n = 1000, d = 20`` under 2 s on
        one core).

    Attributes
    ----------
    graph_ : CausalGraph
        The DAG (``kind="dag"``); each edge's ``weight`` is its probability.
    edge_probabilities_ : DataFrame
        ``P[i, j]`` = probability of ``i -> j`` (rows = cause, columns =
        effect, labelled by column name), diagonal 0.
    result_ : DiscoveryResult
        With ``details["edge_probabilities"]``, ``details["n_rows_used"]``
        and ``details["weights"]`` (the provenance record of the model).

    Notes
    -----
    The model was trained on standardised synthetic data from
    :func:`causalkit.generators.sample_structure_batch` (see
    ``docs/structure_learner.rst`` for the prior and for where its answers
    can be trusted). The input is z-scored column by column before the
    forward pass, so the output does not depend on the scale of the columns.
    Discrete columns are read as their integer codes.

    Examples
    --------
    >>> from causalkit.generators import sample_scm  # doctest: +SKIP
    >>> ds = sample_scm(5, 500, seed=0)  # doctest: +SKIP
    >>> learner = PFNStructureLearner().fit(ds.data)  # doctest: +SKIP
    >>> learner.graph_.is_acyclic()  # doctest: +SKIP
    True
    """

    def __init__(self, device="cpu", weights=None, threshold=None, max_rows=None):
        self.device = device
        self.weights = weights
        self.threshold = threshold
        self.max_rows = max_rows

    def predict_proba(self, data):
        """Edge probabilities of ``data`` as a labelled DataFrame (rows = cause).

        Parameters
        ----------
        data : DataFrame or ndarray of shape (n_samples, n_variables)

        Returns
        -------
        DataFrame of shape (d, d)

        Raises
        ------
        DataError
            On invalid data (NaN, constant columns, fewer than 2 variables or
            10 rows) or parameters.
        """
        probs, names, _, _ = self._probabilities(data)
        return pd.DataFrame(probs, index=names, columns=names)

    def _probabilities(self, data):
        import torch

        from ..data import check_data
        from ..dataset import Dataset

        if isinstance(data, Dataset):  # its variables only (role columns such as a domain index are not data)
            data = data.data[list(data.variables)]
        model, meta = load_structure_model(self.weights, self.device)
        max_rows = _check_max_rows(self.max_rows, meta)
        checked = check_data(data, min_samples=10)
        values = checked.values
        rows = select_rows(values, max_rows)
        x = torch.as_tensor(values[rows], dtype=torch.float32, device=model.embed_value.weight.device)
        with torch.inference_mode():
            probs = torch.sigmoid(model(x.unsqueeze(0)))[0].double().cpu().numpy()
        np.fill_diagonal(probs, 0.0)
        return probs, list(checked.names), (len(rows), values.shape[0]), meta

    def fit(self, data):
        """Predict the DAG of ``data``.

        Parameters
        ----------
        data : DataFrame, ndarray of shape (n_samples, n_variables) or Dataset

        Returns
        -------
        self

        Raises
        ------
        DataError
            On invalid data or parameters.
        UnknownMethodError
            If ``weights`` names no model.
        """
        from ..graph import CausalGraph
        from ..result import DiscoveryResult

        t0 = time.perf_counter()
        if self.threshold is not None:
            _check_threshold(self.threshold)  # fail before the forward pass
        probs, names, (n_used, n_rows), meta = self._probabilities(data)
        threshold = _check_threshold(self.threshold, meta)
        adj = probabilities_to_dag(probs, threshold)
        edges = [(names[i], names[j]) for i, j in zip(*np.nonzero(adj))]
        attrs = {(names[i], names[j], 0): {"weight": float(probs[i, j])} for i, j in zip(*np.nonzero(adj))}
        graph = CausalGraph(names, [(s, t, "-->") for s, t in edges], kind="dag", edge_attrs=attrs)
        n_above = int((probs > threshold).sum())
        warnings = []
        if n_above > len(edges):
            warnings.append(f"{n_above - len(edges)} edge(s) above threshold {threshold} were dropped "
                            "to keep the graph acyclic")
        if n_used < n_rows:
            warnings.append(f"the network read {n_used} of {n_rows} rows (max_rows={n_used})")
        self.edge_probabilities_ = pd.DataFrame(probs, index=names, columns=names)
        self.graph_ = graph
        self.result_ = DiscoveryResult(
            graph=graph,
            algorithm="pfn",
            params={"threshold": threshold, "max_rows": _check_max_rows(self.max_rows, meta), "weights": self.weights,
                    "device": str(self.device)},
            n_tests=0,
            runtime_s=time.perf_counter() - t0,
            warnings=tuple(warnings),
            details={"edge_probabilities": self.edge_probabilities_, "n_rows_used": n_used,
                     "weights": {k: meta.get(k) for k in ("name", "model", "provenance")}},
        )
        return self


def pfn_discover(data, *, ci_test=None, alpha=None, threshold=None, max_rows=None, weights=None,
                 device="cpu"):
    """Amortized causal discovery with the shipped prior-fitted network (``discover(method="pfn")``).

    Parameters
    ----------
    data : DataFrame, ndarray of shape (n_samples, n_variables) or Dataset
    ci_test, alpha
        Accepted for the common :func:`causalkit.discover` signature and
        ignored: the network runs no independence tests.
    threshold : float, optional
        Edge-probability threshold of the returned DAG; ``None``: the
        model's calibrated threshold (see :class:`PFNStructureLearner`).
    max_rows : int, optional
        Rows read at most (see :func:`select_rows`); ``None``: the model's
        recommendation (1000 for ``"cpu_small"``, 500 for ``"gpu"``).
    weights : str, optional
        Another trained model (see :func:`load_structure_model`).
    device : str, default "cpu"

    Returns
    -------
    DiscoveryResult
        ``graph``: a DAG whose edges carry their probability as ``weight``;
        ``details["edge_probabilities"]``: the full matrix (rows = cause,
        columns = effect); ``details["n_rows_used"]``.

    Raises
    ------
    DataError
        On invalid data or parameters.

    Notes
    -----
    See :class:`PFNStructureLearner` and the module docstring.

    Examples
    --------
    >>> import causalkit  # doctest: +SKIP
    >>> res = causalkit.discover(df, method="pfn")  # doctest: +SKIP
    >>> res.details["edge_probabilities"].round(2)  # doctest: +SKIP
    """
    learner = PFNStructureLearner(device=device, weights=weights, threshold=threshold, max_rows=max_rows)
    return learner.fit(data).result_
