"""The TabPFN prior: random MLP-SCMs (and a few Gaussian processes) as tabular tasks.

TabPFN (Hollmann, Mueller, Eggensperger and Hutter, ICLR 2023) is a
transformer trained once on millions of synthetic classification tasks; this
module draws tasks from the prior of its released (v1) configuration, in
batched torch code so that a training loop can generate them on the GPU.

**Sampling hierarchy** (the released code's ``differentiable_prior`` ->
``prior_bag`` -> ``flexible_categorical`` -> ``mlp`` | ``fast_gp``):

1. *Hyper-priors, once per group* of ``datasets_per_hyper`` datasets (8 in
   TabPFN, its per-GPU batch). Each hyper-parameter has a "meta"
   distribution whose parameters are drawn first:

   * ``num_layers = 2 + round(Gamma(shape=e^a, scale=s/e^a))``,
     ``a ~ U(0, ln 2)``, ``s ~ U(0, 3)``;
   * ``hidden = 4 + round(Gamma(...))`` with ``a ~ U(0, ln 3)``,
     ``s ~ U(0, 100)``; in SCM mode at least ``1 + 2 * n_features``;
   * ``num_causes = 2 + round(Gamma(...))`` with ``a ~ U(0, ln 3)``,
     ``s ~ U(0, 7)``;
   * edge-dropout ``p = 0.6 * Beta(b, k)``, ``b, k ~ U(0.1, 5)``;
   * ``noise_std`` and ``init_std`` (weight std): a normal truncated to
     ``[0, inf)`` with mean ``m = e^u``, ``u ~ U(ln lo, ln hi)`` and standard
     deviation ``m e^v``, ``v ~ U(ln 0.01, 0)``; ``(lo, hi) = (1e-4, 0.3)`` for
     the noise and ``(0.01, 10)`` for the weights;
   * booleans ``is_causal`` (SCM versus plain Bayesian neural network),
     ``y_is_effect``, ``pre_sample_weights`` (a noise std per unit),
     ``block_wise_dropout``, ``sort_features``, ``in_clique``: each from a
     softmax over logits ``[1, w]``, ``w ~ U(-3, 5)``;
   * the activation among tanh, identity and ReLU: softmax over
     ``[1, w1, w2]``, ``w ~ U(-5, 6)``;
   * the prior: the Gaussian process with probability ``1 / (1 + e^(w - 1))``,
     ``w ~ U(2, 10)`` (about 4 % on average), else the MLP.

2. *A fresh random network per dataset.* Root causes: per cause a mean
   ``mu ~ N(0, 1)`` and std ``|N(0, 1) * mu|``, rows i.i.d. normal. Layers:
   ``h_0 = W_0 c + b_0`` then ``h_k = W_k act(h_{k-1}) + b_k + eps_k`` for
   ``k = 1 .. num_layers - 1`` (Gaussian noise of std ``noise_std``, or a
   per-unit std ``|N(0, noise_std)|``). Weights are ``N(0, init_std /
   (1 - sqrt(p)))`` times a Bernoulli(1 - p) mask (no dropout on ``W_0``), or
   with ``block_wise_dropout`` ``n_blocks ~ U{1..ceil(sqrt(min(shape)))}``
   diagonal blocks of ``N(0, init_std / sqrt(keep))``; biases keep torch's
   default ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``. The non-zero weights are
   the edges of a layered random DAG.

   * SCM mode: the nodes are the units of ``h_1 .. h_{L-1}``; the target is
     the last node (``y_is_effect``) or a random one, the features are other
     random nodes (a contiguous block with ``in_clique``, kept in node order
     with ``sort_features``), so a feature may be a cause, an effect or a
     sibling of the target, and everything descends from hidden root causes.
   * BNN mode: the features are the root causes and the target is one more
     layer ``y = W act(h_{L-1}) + b + eps``.
   * The feature columns are then cyclically shifted by a random offset.
   * GP prior: ``x ~ N(0, I)``, ``y`` an exact draw of a GP with an RBF kernel
     (``outputscale`` and ``lengthscale`` from the truncated-normal meta prior
     with ``(lo, hi) = (1e-5, 10)``, noise variance among ``1e-5, 1e-4, 1e-2``).

3. *Post-processing* (``FlexibleCategorical``): with probability 0.2 per
   group, each column with probability ``q ~ U(0, 1)`` becomes categorical
   (``max(round(Gamma(1, 10)), 2)`` categories, or 2 with probability 1/2, cut
   at the values of random rows, with the category codes permuted with
   probability 0.7 and reversed with probability 0.5); outliers beyond 4
   robust standard deviations are squashed logarithmically; features and
   target are z-scored (clipped to +-100); for classification the target is
   cut into ``K`` classes at the values of ``K - 1`` random rows, where ``K``
   is 2 with probability 1/2, else uniform on ``2 .. K_max`` with
   ``K_max ~ U{2 .. max_classes}``, the labels randomly permuted; rows are
   reshuffled (up to 10 times) until train and test parts hold the same set
   of at least two classes, else the dataset is marked invalid (``y = -100``,
   the cross-entropy ignore index); labels are finally renumbered
   ``0 .. K-1`` and cyclically shifted. When ``vary_features=True`` a group
   uses ``round(U(1, n_features))`` features, scaled by
   ``n_features / used`` and zero-padded (TabPFN's
   ``normalize_by_used_features``).

**The causal truth.** Every observed column descends from hidden root causes,
so no DAG over the observed columns alone describes the data. Each
:class:`~causalkit.dataset.Dataset` carries the full DAG including the hidden
units (``metadata["full_graph"]``; observed nodes named after their columns,
root causes ``U<j>``, hidden units ``H<layer>_<unit>``) and, as ``graph``, its
latent projection over the features and the target: an ADMG with ``a --> b``
when a directed path from ``a`` to ``b`` runs through hidden units only and
``a <-> b`` when a hidden unit reaches both that way.

Deviations from the released code, all minor: class and category boundaries
are drawn at random rows per dataset (TabPFN shares the row indices across a
batch); the categorical "reversal" is applied before the class permutation
that makes it redundant for the target, so it is only drawn for features;
with ``in_clique`` and ``y_is_effect`` the feature block excludes the target
node (TabPFN could select the target node as a feature too); numerically
non-finite datasets are marked invalid rather than only NaN ones.

References
----------
Hollmann, N., Mueller, S., Eggensperger, K. and Hutter, F. (2023). TabPFN: a
transformer that solves small tabular classification problems in a second.
ICLR.

Mueller, S., Hollmann, N., Pineda Arango, S., Grabocka, J. and Hutter, F.
(2022). Transformers can do Bayesian inference. ICLR.

Verma, T. and Pearl, J. (1990). Equivalence and synthesis of causal models.
UAI.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..exceptions import DataError
from ._random import check_int, seed_record
from .structure_prior import _device, _import_torch, _seed_sequence, _torch_generator

__all__ = ["tabpfn_prior", "sample_tabpfn_batch", "TABPFN_TASKS", "draw_tabpfn_hyperparameters"]

#: tasks of :func:`tabpfn_prior`
TABPFN_TASKS = ("classification", "regression")
_ACTIVATIONS = ("tanh", "identity", "relu")
#: rows per dataset in TabPFN v1 training (1024 + 128) and the largest split position (1000)
_V1_ROWS, _V1_MAX_TRAIN = 1152, 1000
#: consecutive discarded datasets after which tabpfn_prior gives up
_MAX_DISCARDED = 2000


# ----------------------------------------------------------------------------- hyper-priors
def _meta_gamma(rng, max_alpha, max_scale, lower_bound):
    alpha = rng.uniform(0.0, math.log(max_alpha))
    scale = rng.uniform(0.0, max_scale)
    shape = math.exp(alpha)
    return lower_bound + int(round(rng.gamma(shape, scale / shape))) if scale > 0 else lower_bound


def _trunc_normal(rng, mean, std, low=0.0, high=1e6):
    from scipy.special import ndtr, ndtri

    a, b = ndtr((low - mean) / std), ndtr((high - mean) / std)
    u = rng.uniform(a, b)
    return float(np.clip(mean + std * ndtri(np.clip(u, 1e-300, 1 - 1e-16)), low, high))


def _meta_trunc_norm_log_scaled(rng, min_mean, max_mean, lower_bound=0.0):
    mean = math.exp(rng.uniform(math.log(min_mean), math.log(max_mean)))
    std = mean * math.exp(rng.uniform(math.log(0.01), math.log(1.0)))
    return lower_bound + _trunc_normal(rng, mean, std)


def _meta_beta(rng, scale, low, high):
    b, k = rng.uniform(low, high), rng.uniform(low, high)
    return scale * rng.beta(b, k)


def _meta_choice(rng, values, low=-3.0, high=5.0):
    logits = np.array([1.0] + [rng.uniform(low, high) for _ in values[1:]])
    p = np.exp(logits - logits.max())
    return values[rng.choice(len(values), p=p / p.sum())]


def _class_sampler(rng, k_max):
    """TabPFN's ``class_sampler_f(2, k_max)``: 2 with probability 1/2, else round(U(2, k_max))."""
    if rng.random() > 0.5:
        return int(round(rng.uniform(2, k_max)))
    return 2


def draw_tabpfn_hyperparameters(rng, n_features, *, task="classification", max_classes=10,
                                vary_features=False, gp_prior=True):
    """One draw of the TabPFN v1 hyper-priors (shared by a group of datasets).

    Parameters
    ----------
    rng : numpy.random.Generator
        Host random generator.
    n_features : int
        Feature columns of the output.
    task : {"classification", "regression"}
    max_classes : int
        Largest number of classes (TabPFN: 10).
    vary_features : bool
        Draw the number of used features as ``round(U(1, n_features))``.
    gp_prior : bool
        Allow the Gaussian-process prior.

    Returns
    -------
    dict
        The values: ``prior`` (``"scm"``, ``"bnn"`` or ``"gp"``),
        ``num_layers``, ``hidden``, ``num_causes``, ``dropout``,
        ``noise_std``, ``init_std``, ``activation``, the booleans, the GP
        parameters, ``n_classes`` (0 for regression), ``n_features_used`` and
        the categorical plan (``categorical_columns``, ``categories``).
    """
    hp = {
        "num_layers": _meta_gamma(rng, 2, 3, 2),
        "hidden": _meta_gamma(rng, 3, 100, 4),
        "dropout": float(min(_meta_beta(rng, 0.6, 0.1, 5.0), 0.99)),
        "noise_std": _meta_trunc_norm_log_scaled(rng, 1e-4, 0.3),
        "init_std": _meta_trunc_norm_log_scaled(rng, 0.01, 10.0),
        "num_causes": _meta_gamma(rng, 3, 7, 2),
        "is_causal": bool(_meta_choice(rng, (True, False))),
        "y_is_effect": bool(_meta_choice(rng, (True, False))),
        "pre_sample_weights": bool(_meta_choice(rng, (True, False))),
        "block_wise_dropout": bool(_meta_choice(rng, (True, False))),
        "sort_features": bool(_meta_choice(rng, (True, False))),
        "in_clique": bool(_meta_choice(rng, (True, False))),
        "activation": _meta_choice(rng, _ACTIVATIONS, -5.0, 6.0),
        "gp_outputscale": _meta_trunc_norm_log_scaled(rng, 1e-5, 10.0),
        "gp_lengthscale": _meta_trunc_norm_log_scaled(rng, 1e-5, 10.0),
        "gp_noise": float(_meta_choice(rng, (1e-5, 1e-4, 1e-2))),
    }
    w_mlp = rng.uniform(2.0, 10.0)
    use_gp = gp_prior and rng.random() < 1.0 / (1.0 + math.exp(w_mlp - 1.0))
    hp["prior"] = "gp" if use_gp else ("scm" if hp["is_causal"] else "bnn")
    used = int(round(rng.uniform(1, n_features))) if vary_features else n_features
    hp["n_features_used"] = max(1, min(used, n_features))
    if task == "classification":
        k_max = int(round(rng.uniform(2, max_classes)))
        hp["n_classes"] = _class_sampler(rng, k_max)
    else:
        hp["n_classes"] = 0
    cat_cols, cats = [], []
    if rng.random() < 0.2:
        q = rng.random()
        for col in range(hp["n_features_used"]):
            k = _class_sampler(rng, max(int(round(rng.gamma(1.0, 10.0))), 2))
            if rng.random() < q:
                cat_cols.append(col)
                cats.append(k)
    hp["categorical_columns"] = cat_cols
    hp["categories"] = cats
    return hp


# ----------------------------------------------------------------------------- the networks
def _activation(torch, name):
    return {"tanh": torch.tanh, "relu": torch.relu, "identity": lambda v: v}[name]


def _weights(torch, gen, g, out_dim, in_dim, hp, first, device):
    """Weights [g, out, in] and their structural mask, as in TabPFN's MLP init."""
    if hp["block_wise_dropout"]:
        hi = math.ceil(math.sqrt(min(out_dim, in_dim)))
        nb = torch.floor(torch.rand((g,), generator=gen, device=device) * hi).long() + 1
        bw, bh = out_dim // nb, in_dim // nb  # [g]
        keep = (nb * bw * bh).float() / (out_dim * in_dim)
        r = torch.arange(out_dim, device=device).view(1, -1, 1) // bw.view(-1, 1, 1)
        c = torch.arange(in_dim, device=device).view(1, 1, -1) // bh.view(-1, 1, 1)
        mask = (r == c) & (r < nb.view(-1, 1, 1))
        std = (hp["init_std"] / keep.sqrt()).view(-1, 1, 1)
    else:
        p = 0.0 if first else min(hp["dropout"], 0.99)
        std = hp["init_std"] / (1.0 - math.sqrt(p))
        mask = torch.rand((g, out_dim, in_dim), generator=gen, device=device) < 1.0 - p
    w = torch.randn((g, out_dim, in_dim), generator=gen, device=device) * std * mask
    bound = 1.0 / math.sqrt(in_dim)
    b = (torch.rand((g, 1, out_dim), generator=gen, device=device) * 2 - 1) * bound
    return w, b, mask


def _noise(torch, gen, g, n, width, hp, device):
    if hp["pre_sample_weights"]:
        std = (torch.randn((g, 1, width), generator=gen, device=device) * hp["noise_std"]).abs()
    else:
        std = hp["noise_std"]
    return torch.randn((g, n, width), generator=gen, device=device) * std


def _mlp_group(torch, gen, g, n, f, hp, device, want_structure):
    """x [g, n, f], y [g, n] from fresh random MLP-SCMs (or BNNs) sharing ``hp``."""
    causal = hp["prior"] == "scm"
    n_causes = hp["num_causes"] if causal else f
    hidden = max(hp["hidden"], 1 + 2 * f) if causal else hp["hidden"]
    layers = hp["num_layers"]
    act = _activation(torch, hp["activation"])
    mean = torch.randn((g, 1, n_causes), generator=gen, device=device)
    std = (torch.randn((g, 1, n_causes), generator=gen, device=device) * mean).abs()
    causes = mean + std * torch.randn((g, n, n_causes), generator=gen, device=device)
    w, b, mask = _weights(torch, gen, g, hidden, n_causes, hp, True, device)
    h = torch.baddbmm(b, causes, w.transpose(1, 2))
    masks, outputs = [mask], []
    for _ in range(layers - 1):
        w, b, mask = _weights(torch, gen, g, hidden, hidden, hp, False, device)
        h = torch.baddbmm(b, act(h), w.transpose(1, 2)) + _noise(torch, gen, g, n, hidden, hp, device)
        masks.append(mask)
        outputs.append(h)
    rows = torch.arange(g, device=device).view(-1, 1)
    if causal:
        nodes = torch.cat(outputs, dim=2)  # [g, n, N]
        n_nodes = nodes.shape[2]
        if hp["in_clique"]:
            span = n_nodes - 1 if hp["y_is_effect"] else n_nodes  # keep the target out of the block
            start = torch.floor(torch.rand((g, 1), generator=gen, device=device) * (span - f)).long()
            order = torch.argsort(torch.rand((g, f + 1), generator=gen, device=device), dim=1) + start
        else:
            order = torch.argsort(torch.rand((g, n_nodes - 1), generator=gen, device=device), dim=1)
        if hp["y_is_effect"]:
            y_idx = torch.full((g,), n_nodes - 1, device=device, dtype=torch.long)
        else:
            y_idx = order[:, 0]
        x_idx = order[:, 1:f + 1]
        if hp["sort_features"]:
            x_idx = torch.sort(x_idx, dim=1).values
        y = nodes[rows.view(-1), :, y_idx]  # [g, n]
        source = nodes
    else:
        w_out, b_out, mask_out = _weights(torch, gen, g, 1, hidden, hp, False, device)
        y = (torch.baddbmm(b_out, act(h), w_out.transpose(1, 2))
             + _noise(torch, gen, g, n, 1, hp, device)).squeeze(2)
        masks.append(mask_out)
        x_idx = torch.arange(f, device=device).expand(g, f)
        source = causes
        y_idx = None
    # random cyclic shift of the feature columns
    shift = torch.floor(torch.rand((g, 1), generator=gen, device=device) * f).long()
    x_idx = torch.gather(x_idx, 1, (torch.arange(f, device=device).view(1, -1) + shift) % f)
    x = torch.gather(source, 2, x_idx.unsqueeze(1).expand(g, n, f))
    structure = None
    if want_structure:
        structure = {"masks": [m.cpu() for m in masks], "x_idx": x_idx.cpu(),
                     "y_idx": None if y_idx is None else y_idx.cpu(), "n_causes": n_causes,
                     "hidden": hidden}
    return x, y, structure


def _gp_group(torch, gen, g, n, f, hp, device):
    """x ~ N(0, I), y an exact GP draw with an RBF kernel (float64 Cholesky)."""
    x = torch.randn((g, n, f), generator=gen, device=device)
    xd = x.double()
    sq = torch.cdist(xd, xd).pow(2)
    k = hp["gp_outputscale"] * torch.exp(-0.5 * sq / hp["gp_lengthscale"] ** 2)
    eye = torch.eye(n, device=device, dtype=torch.float64)
    jitter = hp["gp_noise"]
    for _ in range(6):
        chol, info = torch.linalg.cholesky_ex(k + jitter * eye)
        if not bool((info != 0).any()):
            break
        jitter *= 10.0
    z = torch.randn((g, n, 1), generator=gen, device=device, dtype=torch.float64)
    y = torch.bmm(chol, z).squeeze(2).float()
    return x, y


# ----------------------------------------------------------------------------- post-processing
def _zscore(torch, v, dim=1):
    mean = v.mean(dim, keepdim=True)
    std = v.std(dim, keepdim=True) + 1e-6
    return ((v - mean) / std).clamp(-100.0, 100.0)


def _remove_outliers(torch, x, n_sigma=4.0):
    """TabPFN's two-pass robust bound, then log-squashing beyond it."""
    mean, std = x.mean(1, keepdim=True), x.std(1, keepdim=True)
    inside = (x >= mean - n_sigma * std) & (x <= mean + n_sigma * std)
    cnt = inside.sum(1, keepdim=True).clamp_min(2)
    m2 = torch.where(inside, x, 0.0).sum(1, keepdim=True) / cnt
    s2 = (torch.where(inside, (x - m2) ** 2, 0.0).sum(1, keepdim=True) / (cnt - 1)).sqrt()
    lower, upper = m2 - n_sigma * s2, m2 + n_sigma * s2
    x = torch.maximum(-torch.log1p(x.abs()) + lower, x)
    return torch.minimum(torch.log1p(x.abs()) + upper, x)


def _rank_cut(torch, gen, v, k, device):
    """Cut columns of v [g, n, c] at the values of k - 1 random rows: codes 0..k-1 [g, n, c]."""
    g, n, c = v.shape
    idx = torch.floor(torch.rand((g, k - 1, c), generator=gen, device=device) * n).long()
    bounds = torch.gather(v, 1, idx)  # [g, k-1, c]
    return (v.unsqueeze(2) > bounds.unsqueeze(1)).sum(2)


def _permute_codes(torch, gen, codes, k, device):
    """Relabel codes [g, n] (values < k) by a random permutation per dataset."""
    g = codes.shape[0]
    perm = torch.argsort(torch.rand((g, k), generator=gen, device=device), dim=1)
    return torch.gather(perm, 1, codes)


def _categorical_features(torch, gen, x, hp, device):
    for col, k in zip(hp["categorical_columns"], hp["categories"]):
        codes = _rank_cut(torch, gen, x[:, :, col:col + 1], k, device)[:, :, 0]
        g = codes.shape[0]
        shuffle = torch.rand((g, 1), generator=gen, device=device) > 0.3
        codes = torch.where(shuffle, _permute_codes(torch, gen, codes, k, device), codes)
        reverse = torch.rand((g, 1), generator=gen, device=device) > 0.5
        codes = torch.where(reverse, k - 1 - codes, codes)
        x[:, :, col] = codes.to(x.dtype)
    return x


def _present(torch, labels, k, valid_rows=None):
    """[g, k] bool: which labels occur (optionally only where valid_rows [g, n] is True)."""
    onehot = torch.nn.functional.one_hot(labels, k).bool()
    if valid_rows is not None:
        onehot = onehot & valid_rows.unsqueeze(2)
    return onehot.any(1)


def _make_compatible(torch, gen, x, y, k, train_size, device, tries=10):
    """Reshuffle rows until train and test hold the same label set (>= 2 labels)."""
    g, n = y.shape
    is_train = (torch.arange(n, device=device) < train_size).unsqueeze(0)

    def ok(labels):
        in_train = _present(torch, labels, k, is_train.expand(g, n))
        in_test = _present(torch, labels, k, ~is_train.expand(g, n))
        return (in_train == in_test).all(1) & (in_train.sum(1) >= 2)

    good = ok(y)
    for _ in range(tries):
        if bool(good.all()):  # one synchronisation per try; usually none is needed
            break
        perm = torch.argsort(torch.rand((g, n), generator=gen, device=device), dim=1)
        ident = torch.arange(n, device=device).expand(g, n)
        rows = torch.where(good.unsqueeze(1), ident, perm)
        y = torch.gather(y, 1, rows)
        x = torch.gather(x, 1, rows.unsqueeze(2).expand_as(x))
        good = ok(y)
    return x, y, good


def _normalise_labels(torch, gen, y, k, device):
    """Renumber labels 0..K-1 by rank among those present, then a random cyclic shift."""
    present = _present(torch, y, k)
    rank = present.long().cumsum(1) - 1
    n_present = present.sum(1, keepdim=True).clamp_min(1)
    y = torch.gather(rank, 1, y)
    shift = torch.floor(torch.rand((y.shape[0], 1), generator=gen, device=device) * n_present).long()
    return (y + shift) % n_present, n_present.squeeze(1)


def _group(torch, gen, g, n, n_features, train_size, hp, device, want_structure):
    """Generate and post-process one hyper-parameter group."""
    f = hp["n_features_used"]
    if hp["prior"] == "gp":
        x, y = _gp_group(torch, gen, g, n, f, hp, device)
        structure = {"gp": True} if want_structure else None
    else:
        x, y, structure = _mlp_group(torch, gen, g, n, f, hp, device, want_structure)
    finite = torch.isfinite(x).all(2).all(1) & torch.isfinite(y).all(1)
    x = torch.where(finite.view(-1, 1, 1), x, 0.0)
    y = torch.where(finite.view(-1, 1), y, 0.0)
    if hp["categorical_columns"]:
        x = _categorical_features(torch, gen, x, hp, device)
    x = _zscore(torch, _remove_outliers(torch, x))
    y = _zscore(torch, y)
    finite = finite & torch.isfinite(x).all(2).all(1) & torch.isfinite(y).all(1)
    k = hp["n_classes"]
    if k:
        labels = _permute_codes(torch, gen, _rank_cut(torch, gen, y.unsqueeze(2), k, device)[:, :, 0],
                                k, device)
        x, labels, compatible = _make_compatible(torch, gen, x, labels, k, train_size, device)
        labels, n_classes = _normalise_labels(torch, gen, labels, k, device)
        valid = finite & compatible
        y = torch.where(valid.unsqueeze(1), labels, torch.full_like(labels, -100))
        n_classes = torch.where(valid, n_classes, 0)
    else:
        valid = finite
        n_classes = torch.zeros((g,), dtype=torch.long, device=device)
    x = torch.where(valid.view(-1, 1, 1), x, 0.0)
    if f < n_features:
        x = torch.cat([x * (n_features / f), torch.zeros((g, n, n_features - f), device=device)], dim=2)
    cat_mask = torch.zeros((g, n_features), dtype=torch.bool, device=device)
    if hp["categorical_columns"]:
        cat_mask[:, hp["categorical_columns"]] = True
    return x, y, valid, n_classes, cat_mask, structure


# ----------------------------------------------------------------------------- argument checks
def _check_args(n_samples, n_features, task, max_classes, datasets_per_hyper):
    if task not in TABPFN_TASKS:
        raise DataError(f"task must be one of {list(TABPFN_TASKS)}; got {task!r}")
    # classification needs two classes in both the train and the test part
    n_samples = check_int(n_samples, "n_samples", 4 if task == "classification" else 3)
    n_features = check_int(n_features, "n_features", 1)
    max_classes = check_int(max_classes, "max_classes", 2)
    datasets_per_hyper = check_int(datasets_per_hyper, "datasets_per_hyper", 1)
    return n_samples, n_features, max_classes, datasets_per_hyper


def _check_train_size(train_size, n_samples, task):
    """(low, high) inclusive range of the train/test split position."""
    min_test = 2 if task == "classification" else 1
    if train_size is None:
        high = max(2, min(n_samples - min_test, int(n_samples * _V1_MAX_TRAIN / _V1_ROWS)))
        return 2, high
    if isinstance(train_size, numbers.Integral) and not isinstance(train_size, bool):
        low = high = int(train_size)
    else:
        try:
            low, high = (int(v) for v in train_size)
        except (TypeError, ValueError):
            raise DataError(
                f"train_size must be None, an int or a pair (low, high); got {train_size!r}"
            ) from None
    min_train = 2 if task == "classification" else 1
    if not min_train <= low <= high <= n_samples - min_test:
        raise DataError(
            f"train_size must satisfy {min_train} <= low <= high <= n_samples - {min_test} = "
            f"{n_samples - min_test} for {task} (both parts need two classes); got ({low}, {high})"
        )
    return low, high


def _host_rng(ss):
    # a fixed child of ss (not ss.spawn, which advances ss and would break reuse of one object)
    child = np.random.SeedSequence(ss.entropy, spawn_key=tuple(ss.spawn_key) + (0x7AB,),
                                   pool_size=ss.pool_size)
    return np.random.default_rng(child)


# ----------------------------------------------------------------------------- batch API
def sample_tabpfn_batch(batch_size, n_samples, n_features, *, seed=None, device="cpu",
                        task="classification", max_classes=10, datasets_per_hyper=8,
                        vary_features=False, gp_prior=True, train_size=None,
                        return_structure=False):
    """A batch of TabPFN-prior tasks as tensors, generated on ``device`` (for training loops).

    Parameters
    ----------
    batch_size : int
        Number of datasets ``B``.
    n_samples : int
        Rows per dataset ``n`` (>= 4 for classification, >= 3 for
        regression); the first ``meta["train_size"]`` rows are the training
        part.
    n_features : int
        Feature columns ``f`` (>= 1).
    seed : None, int, sequence of int or numpy.random.SeedSequence
        Seeds a host :class:`numpy.random.Generator` (hyper-parameters) and a
        :class:`torch.Generator` on ``device`` (everything else). In a training
        loop pass ``seed=(run_seed, step)``: each batch is reproducible and a
        resumed run continues the same stream.
    device : str or torch.device, default "cpu"
    task : {"classification", "regression"}, default "classification"
    max_classes : int, default 10
        Largest number of classes (TabPFN: 10).
    datasets_per_hyper : int, default 8
        Datasets sharing one hyper-parameter draw (TabPFN's per-GPU batch).
        Larger groups generate faster but make a batch less diverse.
    vary_features : bool, default False
        Per group, use ``round(U(1, n_features))`` features, rescaled by
        ``n_features / used`` and zero-padded to ``n_features`` (TabPFN).
    gp_prior : bool, default True
        Mix in the Gaussian-process prior (about 4 % of groups).
    train_size : None, int or (int, int)
        The split position, one per batch: default uniform on
        ``2 .. floor(n_samples * 1000 / 1152)`` (TabPFN's ``single_eval_pos``
        range scaled to ``n_samples``).
    return_structure : bool, default False
        Also return, per group, the weight masks and selected nodes (CPU
        tensors; forces a device synchronisation).

    Returns
    -------
    X : torch.Tensor (B, n, f), float32
        Z-scored features (zero for invalid datasets and padded columns).
    y : torch.Tensor (B, n)
        ``int64`` classes ``0 .. K-1`` (``-100`` for an invalid dataset, the
        cross-entropy ``ignore_index``), or ``float32`` z-scored targets for
        regression.
    meta : dict
        ``"train_size"`` (int), ``"n_classes"`` (B,) classes present (0 for
        regression or invalid), ``"valid"`` (B,) bool, ``"n_features_used"``
        (B,), ``"categorical"`` (B, f) bool, ``"prior"`` (list of ``"scm"``,
        ``"bnn"``, ``"gp"``), ``"hyperparameters"`` (one dict per group),
        ``"group"`` (B,) the group of each dataset, and ``"structure"`` when
        asked.

    Raises
    ------
    DataError
        If a size or option is invalid (the message names the argument).

    Notes
    -----
    All tensors are drawn on ``device``; the hyper-parameters (a few dozen
    scalars per group) are drawn on the host. A group synchronises with the
    device once for the train/test class check (more only when rows must be
    reshuffled, or for a GP group's Cholesky check). See the module
    docstring for the distributions.

    Examples
    --------
    >>> X, y, meta = sample_tabpfn_batch(16, 128, 10, seed=(0, 1))  # doctest: +SKIP
    >>> X.shape, y.shape  # doctest: +SKIP
    (torch.Size([16, 128, 10]), torch.Size([16, 128]))
    """
    batch_size = check_int(batch_size, "batch_size", 1)
    n, f, max_classes, per = _check_args(n_samples, n_features, task, max_classes, datasets_per_hyper)
    ts_low, ts_high = _check_train_size(train_size, n, task)
    dev = _device(device)
    ss = _seed_sequence(seed)
    rng = _host_rng(ss)
    gen = _torch_generator(ss, dev)
    torch = _import_torch()
    ts = int(rng.integers(ts_low, ts_high + 1))
    xs, ys, valids, ks, cats, hps, structs, groups, used = [], [], [], [], [], [], [], [], []
    with torch.no_grad():
        for gi, start in enumerate(range(0, batch_size, per)):
            g = min(per, batch_size - start)
            hp = draw_tabpfn_hyperparameters(rng, f, task=task, max_classes=max_classes,
                                             vary_features=vary_features, gp_prior=gp_prior)
            x, y, valid, k, cat, st = _group(torch, gen, g, n, f, ts, hp, dev, return_structure)
            xs.append(x), ys.append(y), valids.append(valid), ks.append(k), cats.append(cat)
            hps.append(hp), structs.append(st)
            groups += [gi] * g
            used += [hp["n_features_used"]] * g
        X = torch.cat(xs, 0)
        Y = torch.cat(ys, 0)
    meta = {
        "train_size": ts,
        "n_classes": torch.cat(ks, 0),
        "valid": torch.cat(valids, 0),
        "n_features_used": torch.tensor(used, device=dev),
        "categorical": torch.cat(cats, 0),
        "prior": [hps[gi]["prior"] for gi in groups],
        "hyperparameters": hps,
        "group": torch.tensor(groups, device=dev),
    }
    if return_structure:
        meta["structure"] = structs
    return X, Y, meta


# ----------------------------------------------------------------------------- the causal truth
def _full_graph(structure, hp, f):
    """The full DAG over root causes, hidden units, features and target (observed renamed).

    Returns the graph, the map column -> original hidden-node name, and the layers (node
    names per layer, boolean masks ``[child, parent]`` between consecutive layers).
    """
    from ..graph import CausalGraph

    cols = [f"X{c}" for c in range(f)] + ["y"]
    if structure.get("gp"):
        names, masks, rename = [cols[:-1], ["y"]], [np.ones((1, f), dtype=bool)], {}
    else:
        masks = [m.numpy() for m in structure["masks"]]
        x_idx, y_idx = structure["x_idx"], structure["y_idx"]
        n_causes, hidden = structure["n_causes"], structure["hidden"]
        n_hidden_layers = len(masks) - (0 if hp["prior"] == "scm" else 1)
        layer_names = [[f"U{j}" for j in range(n_causes)]]
        layer_names += [[f"H{k}_{i}" for i in range(hidden)] for k in range(n_hidden_layers)]
        rename = {}
        if hp["prior"] == "scm":
            flat = [nm for layer in layer_names[2:] for nm in layer]  # selectable: h_1 .. h_{L-1}
            for c, i in enumerate(x_idx.tolist()):
                rename[flat[i]] = f"X{c}"
            rename[flat[int(y_idx)]] = "y"
        else:
            for c, i in enumerate(x_idx.tolist()):
                rename[layer_names[0][i]] = f"X{c}"
            layer_names.append(["y"])
        names = [[rename.get(nm, nm) for nm in layer] for layer in layer_names]
    edges = []
    for k, m in enumerate(masks):
        child, parent = np.nonzero(m)
        src, dst = names[k], names[k + 1]
        edges += [(src[j], dst[i]) for i, j in zip(child.tolist(), parent.tolist())]
    nodes = [nm for layer in names for nm in layer]
    observed = set(cols)
    graph = CausalGraph(nodes, edges, latent=[nm for nm in nodes if nm not in observed], kind="dag")
    origin = {new: old for old, new in rename.items()}
    return graph, origin, names, masks


def _layered_projection(names, masks, cols):
    """Latent projection of a layered DAG (edges only between consecutive layers).

    ``reach[k][v, o]``: observed node ``o`` is reachable from node ``v`` of layer ``k``
    along a directed path whose intermediate nodes are all latent; computed from the
    last layer back with one boolean matrix product per layer.
    """
    from ..graph import CausalGraph

    pos = {nm: i for i, nm in enumerate(cols)}
    n_obs = len(cols)
    reach = [None] * len(names)
    reach[-1] = np.zeros((len(names[-1]), n_obs), dtype=bool)
    for k in range(len(names) - 2, -1, -1):
        step = reach[k + 1].copy()
        for r, nm in enumerate(names[k + 1]):
            if nm in pos:  # an observed child ends the path
                step[r] = False
                step[r, pos[nm]] = True
        reach[k] = (masks[k].T.astype(np.float64) @ step.astype(np.float64)) > 0
    edges, latent_rows = [], []
    for k, layer in enumerate(names):
        for r, nm in enumerate(layer):
            if nm in pos:
                edges += [(nm, cols[j], "-->") for j in np.flatnonzero(reach[k][r])]
            else:
                latent_rows.append(reach[k][r])
    if latent_rows:
        lr = np.array(latent_rows, dtype=np.float64)
        both = (lr.T @ lr) > 0
        for i in range(n_obs):
            for j in range(i + 1, n_obs):
                if both[i, j]:
                    edges.append((cols[i], cols[j], "<->"))
    return CausalGraph(cols, edges, kind="admg")


def tabpfn_prior(n_datasets, n_samples, n_features, seed=None, device="cpu", *,
                 task="classification", max_classes=10, datasets_per_hyper=8, gp_prior=True,
                 train_size=None, full_graph=True):
    """Datasets drawn from TabPFN's prior, each with its causal truth.

    Parameters
    ----------
    n_datasets : int
        Number of datasets to yield (>= 1).
    n_samples : int
        Rows per dataset (>= 4 for classification, >= 3 for regression).
    n_features : int
        Feature columns (>= 1); the datasets have columns ``X0 ..
        X{f-1}`` and ``y``.
    seed : None, int, sequence of int or numpy.random.SeedSequence
        The same seed on the same device gives the same datasets.
    device : str or torch.device, default "cpu"
        Where the data are generated; the datasets are copied to the CPU.
    task : {"classification", "regression"}, default "classification"
        ``y`` as integer classes ``0 .. K-1`` (``K`` between 2 and
        ``max_classes``) or as a z-scored continuous target.
    max_classes : int, default 10
    datasets_per_hyper : int, default 8
        Datasets sharing one hyper-parameter draw (and one split position).
    gp_prior : bool, default True
        Mix in TabPFN's Gaussian-process prior with its small probability.
    train_size : None, int or (int, int)
        Range of the split position (see :func:`sample_tabpfn_batch`).
    full_graph : bool, default True
        Build the full DAG and its latent projection (the truth). ``False``
        skips it (faster; ``graph`` is then None).

    Returns
    -------
    iterator of Dataset
        ``data``: z-scored features and the target; ``graph``: the latent
        projection (an ADMG) over ``X0 .. X{f-1}, y``; ``metadata``:
        ``generator="tabpfn_prior"``, ``params``, ``seed``, ``index``,
        ``task``, ``train_size`` (the first ``train_size`` rows are the
        training part), ``n_classes``, ``prior`` (``"scm"``, ``"bnn"`` or
        ``"gp"``), ``hyperparameters``, ``categorical_features`` (columns
        that were made categorical; their codes are z-scored like the other
        columns), ``full_graph`` and ``feature_nodes`` (column -> name of its
        hidden node in the full graph before renaming).

    Raises
    ------
    DataError
        On invalid arguments (checked on the call, before iteration).

    Notes
    -----
    Datasets that the released prior would discard (non-finite values, or a
    train/test split without a common set of at least two classes after ten
    reshuffles) are skipped; ``metadata["draw"]`` is the position of the
    dataset in the underlying stream. Generation runs in groups of
    ``datasets_per_hyper``; regenerate dataset ``i`` by calling again with
    the same arguments and taking item ``i``.

    Examples
    --------
    >>> ds = next(iter(tabpfn_prior(1, 100, 5, seed=0)))  # doctest: +SKIP
    >>> ds.graph.kind, list(ds.data.columns)  # doctest: +SKIP
    ('admg', ['X0', 'X1', 'X2', 'X3', 'X4', 'y'])
    """
    n_datasets = check_int(n_datasets, "n_datasets", 1)
    n, f, max_classes, per = _check_args(n_samples, n_features, task, max_classes, datasets_per_hyper)
    ts_range = _check_train_size(train_size, n, task)
    dev = _device(device)
    ss = _seed_sequence(seed)
    params = {"n_datasets": n_datasets, "n_samples": n, "n_features": f, "task": task,
              "max_classes": max_classes, "datasets_per_hyper": per, "gp_prior": bool(gp_prior),
              "train_size": list(ts_range), "device": str(dev)}
    return _iter_tabpfn(n_datasets, n, f, task, max_classes, per, bool(gp_prior), ts_range,
                        bool(full_graph), ss, dev, params)


def _iter_tabpfn(n_datasets, n, f, task, max_classes, per, gp_prior, ts_range, want_graph, ss, dev,
                 params):
    import pandas as pd

    from ..dataset import Dataset

    torch = _import_torch()
    rng = _host_rng(ss)
    gen = _torch_generator(ss, dev)
    cols = [f"X{c}" for c in range(f)]
    yielded = draw = last_valid = 0
    while yielded < n_datasets:
        hp = draw_tabpfn_hyperparameters(rng, f, task=task, max_classes=max_classes,
                                         vary_features=False, gp_prior=gp_prior)
        ts = int(rng.integers(ts_range[0], ts_range[1] + 1))
        with torch.no_grad():
            x, y, valid, k, cat, st = _group(torch, gen, per, n, f, ts, hp, dev, want_graph)
        x = x.cpu().double().numpy()
        y = y.cpu().numpy()
        valid = valid.cpu().numpy()
        k = k.cpu().numpy()
        for i in range(per):
            draw += 1
            if not valid[i]:
                if draw - last_valid > _MAX_DISCARDED:
                    raise DataError(
                        f"{_MAX_DISCARDED} datasets in a row were discarded (no train/test split "
                        f"with the same classes, or non-finite values); increase n_samples "
                        f"(got {n}) or widen train_size (got {list(ts_range)})"
                    )
                continue
            last_valid = draw
            data = pd.DataFrame(x[i], columns=cols)
            data["y"] = y[i].astype(np.int64) if task == "classification" else y[i].astype(float)
            md = {
                "generator": "tabpfn_prior", "params": params, "seed": seed_record(ss),
                "index": yielded, "draw": draw - 1, "task": task, "train_size": ts,
                "n_classes": int(k[i]), "prior": hp["prior"],
                "hyperparameters": {key: v for key, v in hp.items()
                                    if key not in ("categorical_columns", "categories")},
                "categorical_features": [cols[c] for c in hp["categorical_columns"]],
            }
            graph = None
            if want_graph:
                one = _one_structure(st, i)
                full, origin, names, masks = _full_graph(one, hp, f)
                md["full_graph"] = full
                md["feature_nodes"] = origin
                graph = _layered_projection(names, masks, cols + ["y"])
            yield Dataset(data, graph=graph, metadata=md)
            yielded += 1
            if yielded == n_datasets:
                return


def _one_structure(structure, i):
    if structure.get("gp"):
        return structure
    return {"masks": [m[i] for m in structure["masks"]], "x_idx": structure["x_idx"][i],
            "y_idx": None if structure["y_idx"] is None else structure["y_idx"][i],
            "n_causes": structure["n_causes"], "hidden": structure["hidden"]}
