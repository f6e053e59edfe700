"""A prior-fitted network (PFN) for small tabular classification, after TabPFN v1.

A prior-fitted network (Mueller et al., 2022) is a transformer trained once, on millions of synthetic
datasets drawn from a prior, to map a labelled training set and unlabelled test rows to the posterior
predictive distribution of the test labels; at use time it "fits" nothing, one forward pass predicts.
TabPFN (Hollmann et al., 2023) trains it on a prior of random structural causal models
(:mod:`causalkit.generators.tabpfn_prior`). :class:`PFNTransformer` is causalkit's model of that kind:

* **Tokens are rows.** A training row is embedded as ``W_x x + E[y]`` (a linear map of its features
  plus a learned embedding of its class), a test row as ``W_x x`` only. There is no positional encoding:
  the model sees the training set as a *set*, so its predictions do not depend on the order of the rows.
* **Attention pattern.** In every layer each token (training or test) attends to the training tokens
  only: training rows exchange information among themselves, test rows read from the training rows and
  never from each other or from themselves. Test rows are therefore predicted independently, and can
  be processed in chunks of any size.
* **Blocks.** ``n_layers`` pre-norm blocks (multi-head attention, then a GELU feed-forward layer), a
  final layer norm, and a decoder ``Linear(d, 2d) - GELU - Linear(2d, max_classes)``. TabPFN v1 uses
  post-norm blocks; pre-norm trains more stably with the short schedules used here.
* **Inputs.** At most ``max_features`` feature columns (fewer are zero-padded, the used ones scaled by
  ``max_features / used`` exactly as in the prior) and at most ``max_classes`` classes; logits of
  classes absent from the training set are masked out, in training and at prediction.

Training: cross-entropy of the test labels, see ``benchmarks/train_pfn.py``; using the model on real data
(preprocessing, ensembling, limits): :class:`causalkit.learned.pfn_classifier.PFNClassifier`.

References
----------
.. [1] S. Mueller, N. Hollmann, S. Pineda Arango, J. Grabocka, F. Hutter. "Transformers Can Do Bayesian
   Inference". ICLR 2022.
.. [2] N. Hollmann, S. Mueller, K. Eggensperger, F. Hutter. "TabPFN: A Transformer That Solves Small
   Tabular Classification Problems in a Second". ICLR 2023.
"""

import json
import os

import torch
from torch import nn
from torch.nn import functional as F

from causalkit.exceptions import DataError

__all__ = ["PFNTransformer", "PFN_CONFIGS", "WEIGHTS_DIR", "DEFAULT_WEIGHTS", "load_pfn", "save_pfn",
           "count_parameters"]

WEIGHTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "weights")
#: file stem of the default weights under ``WEIGHTS_DIR`` (``.safetensors`` + ``.json``): the ``gpu``
#: config trained on one H200 (3.3M parameters). The earlier CPU-trained ``"pfn_cpu_small"`` (146k
#: parameters, about 4x faster on a CPU, lower accuracy) stays shipped and is loaded by that name.
DEFAULT_WEIGHTS = "pfn_gpu"

#: Model configurations: ``tiny`` (``pfn_cpu_small``, trained on a CPU) and ``gpu`` (``pfn_gpu``, about
#: 3.3M parameters, trained on one GPU; 6 layers keep CPU inference of 1,000 + 1,000 rows under 1 s).
PFN_CONFIGS = {
    "tiny": dict(max_features=32, max_classes=10, d_model=64, n_layers=4, n_heads=4, d_ff=128),
    "gpu": dict(max_features=32, max_classes=10, d_model=256, n_layers=6, n_heads=8, d_ff=512),
}


class _Block(nn.Module):
    """Pre-norm block: every token attends to the training tokens, then a feed-forward layer."""

    def __init__(self, d_model, n_heads, d_ff):
        super().__init__()
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.ff1 = nn.Linear(d_model, d_ff)
        self.ff2 = nn.Linear(d_ff, d_model)
        # zero-initialised output projections (as in TabPFN): each block starts as the identity
        for lin in (self.out, self.ff2):
            nn.init.zeros_(lin.weight)
            nn.init.zeros_(lin.bias)

    def forward(self, h, n_train):
        b, n, d = h.shape
        hd = d // self.n_heads
        q, k, v = self.qkv(self.norm1(h)).split(d, dim=2)
        q = q.view(b, n, self.n_heads, hd).transpose(1, 2)
        # keys and values from the training tokens only: that is the whole attention mask
        k = k[:, :n_train].reshape(b, n_train, self.n_heads, hd).transpose(1, 2)
        v = v[:, :n_train].reshape(b, n_train, self.n_heads, hd).transpose(1, 2)
        a = F.scaled_dot_product_attention(q, k, v)
        h = h + self.out(a.transpose(1, 2).reshape(b, n, d))
        return h + self.ff2(F.gelu(self.ff1(self.norm2(h))))


class PFNTransformer(nn.Module):
    """The set transformer of a prior-fitted network (TabPFN v1 layout, pre-norm).

    Parameters
    ----------
    max_features : int, default 32
        Feature columns of the input (fewer used columns are zero-padded by the caller).
    max_classes : int, default 10
        Size of the class embedding and of the output.
    d_model, n_layers, n_heads, d_ff : int
        Width, depth, attention heads and feed-forward width.

    Notes
    -----
    ``forward(x, y_train)`` takes ``x`` of shape ``(B, n, max_features)`` whose first ``n_train =
    y_train.shape[1]`` rows are the training rows, and returns logits ``(B, n - n_train,
    max_classes)`` for the remaining (test) rows. Training labels equal to ``-100`` (the prior's marker
    of an invalid dataset) are embedded as class 0; such datasets carry no loss.

    Examples
    --------
    >>> import torch
    >>> m = PFNTransformer(**PFN_CONFIGS["tiny"])
    >>> x = torch.randn(2, 30, 32); y = torch.randint(0, 3, (2, 20))
    >>> tuple(m(x, y).shape)
    (2, 10, 10)
    """

    def __init__(self, max_features=32, max_classes=10, d_model=96, n_layers=4, n_heads=4, d_ff=192):
        super().__init__()
        if d_model % n_heads:
            raise DataError(f"d_model ({d_model}) must be a multiple of n_heads ({n_heads})")
        self.config = dict(max_features=int(max_features), max_classes=int(max_classes),
                           d_model=int(d_model), n_layers=int(n_layers), n_heads=int(n_heads),
                           d_ff=int(d_ff))
        self.x_encoder = nn.Linear(max_features, d_model)
        self.y_encoder = nn.Embedding(max_classes, d_model)
        self.blocks = nn.ModuleList(_Block(d_model, n_heads, d_ff) for _ in range(n_layers))
        self.norm = nn.LayerNorm(d_model)
        self.decoder = nn.Sequential(nn.Linear(d_model, 2 * d_model), nn.GELU(),
                                     nn.Linear(2 * d_model, max_classes))

    @property
    def max_features(self):
        return self.config["max_features"]

    @property
    def max_classes(self):
        return self.config["max_classes"]

    def forward(self, x, y_train, n_classes=None):
        """Logits of the test rows.

        Parameters
        ----------
        x : torch.Tensor (B, n, max_features)
            Training rows first, then test rows.
        y_train : torch.LongTensor (B, n_train)
            Classes of the training rows (``0 .. max_classes - 1``; ``-100`` tolerated).
        n_classes : None or torch.LongTensor (B,)
            If given, logits of classes ``>= n_classes`` are set to ``-inf``-like values.

        Returns
        -------
        torch.Tensor (B, n - n_train, max_classes)
        """
        n_train = y_train.shape[1]
        if n_train < 1 or n_train >= x.shape[1]:
            raise DataError(f"need 1 <= n_train < n rows; got n_train={n_train}, n={x.shape[1]}")
        h = self.x_encoder(x)
        y_emb = self.y_encoder(y_train.clamp_min(0))
        h = torch.cat([h[:, :n_train] + y_emb, h[:, n_train:]], dim=1)
        for block in self.blocks:
            h = block(h, n_train)
        logits = self.decoder(self.norm(h[:, n_train:]))
        if n_classes is not None:
            absent = torch.arange(self.max_classes, device=x.device).view(1, 1, -1) >= n_classes.view(-1, 1, 1)
            logits = logits.masked_fill(absent, torch.finfo(logits.dtype).min / 2)
        return logits


def count_parameters(model):
    """Number of trainable parameters of a module."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def save_pfn(model, path, provenance=None, dtype=torch.float16):
    """Write weights to ``path`` (``.safetensors``, ``dtype``) and the config + provenance beside it (``.json``).

    Parameters
    ----------
    model : PFNTransformer
    path : str
        Target ``*.safetensors`` file; the JSON file gets the same stem.
    provenance : dict, optional
        Training facts (steps, datasets seen, device, command) stored with the config.
    dtype : torch.dtype, default torch.float16

    Returns
    -------
    str
        The path of the JSON file.
    """
    from safetensors.torch import save_file

    meta = {"config": model.config, "dtype": str(dtype).replace("torch.", ""),
            "n_parameters": count_parameters(model), **(provenance or {})}
    state = {k: v.detach().to("cpu", dtype).contiguous() for k, v in model.state_dict().items()}
    save_file(state, path, metadata={"config": json.dumps(model.config)})
    json_path = os.path.splitext(path)[0] + ".json"
    with open(json_path, "w") as fh:
        json.dump(meta, fh, indent=1)
    return json_path


def load_pfn(weights=None, device="cpu"):
    """Load a :class:`PFNTransformer` from safetensors (never from a pickle).

    Parameters
    ----------
    weights : None or str
        ``None`` for the default weights (``DEFAULT_WEIGHTS``), a file stem under ``WEIGHTS_DIR``
        (``"pfn_gpu"``, ``"pfn_cpu_small"``), or a
        path to a ``.safetensors`` file (its config is read from the file's metadata, or from the
        ``.json`` file of the same stem).
    device : str or torch.device, default "cpu"

    Returns
    -------
    model : PFNTransformer
        In evaluation mode, float32, on ``device``.
    info : dict
        The JSON provenance record (empty if there is none).

    Raises
    ------
    DataError
        If the file does not exist or holds no config.
    """
    from safetensors import safe_open
    from safetensors.torch import load_file

    name = DEFAULT_WEIGHTS if weights is None else str(weights)
    path = name if name.endswith(".safetensors") else os.path.join(WEIGHTS_DIR, name + ".safetensors")
    if not os.path.exists(path):
        shipped = sorted(f[:-12] for f in os.listdir(WEIGHTS_DIR) if f.startswith("pfn") and f.endswith(".safetensors"))
        raise DataError(f"weights file {path!r} does not exist; shipped PFN weights: {shipped}")
    json_path = os.path.splitext(path)[0] + ".json"
    info = {}
    if os.path.exists(json_path):
        with open(json_path) as fh:
            info = json.load(fh)
    with safe_open(path, "pt") as fh:
        meta = fh.metadata() or {}
    if "config" in meta:
        config = json.loads(meta["config"])
    elif "config" in info:
        config = info["config"]
    else:
        raise DataError(f"{path} holds no 'config' metadata and there is no {json_path}")
    model = PFNTransformer(**config)
    state = {k: v.float() for k, v in load_file(path).items()}
    model.load_state_dict(state)
    return model.to(device).eval(), info
