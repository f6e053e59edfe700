"""A small transformer that learned causal reasoning from demonstrations of axioms.

Vashishtha et al. (2024) train a decoder-only transformer from scratch on premise-question texts generated
from one causal axiom (transitivity: ``"A causes B. B causes C. Does A cause C?"``; or d-separation:
``"... Are A and C d-separated given {B}?"``) over short chains of 3 to 6 nodes, and find that it answers
questions about longer chains, reversed premises and branching graphs. :class:`AxiomaticReasoner` is
causalkit's reproduction: the model (:class:`AxiomTransformer`), its tokenizer
(:class:`causalkit.learned.tokenizer.AxiomTokenizer`), and weights trained with
``benchmarks/train_axiomatic.py`` on data from :mod:`causalkit.learned.axiomatic_data`, shipped under
``causalkit/learned/weights/``.

Model: token embedding, ``n_layers`` pre-norm blocks (causal multi-head self-attention and a GELU
feed-forward layer), a final layer norm, and a two-way read-out ("No", "Yes") at the last token of the
text (its "?"). The position encoding is one of ``"none"`` (no position information besides the causal
mask, the paper's best variant for length generalisation), ``"learned"`` (a trained table),
``"sinusoidal"`` (Vaswani et al.'s fixed table added to the embeddings) or ``"rotary"`` (RoPE on queries
and keys). The paper reads out the label token over the full vocabulary; a two-way head is the same
classifier restricted to the two answers.

References
----------
.. [1] A. Vashishtha, A. Kumar, A. Pandey, A. G. Reddy, K. Ahuja, V. N. Balasubramanian, A. Sharma.
   "Teaching Transformers Causal Reasoning through Axiomatic Training". ICML 2025 (arXiv 2407.07612).
.. [2] A. Kazemnejad et al. "The Impact of Positional Encoding on Length Generalization in
   Transformers". NeurIPS 2023 (no position encoding).
.. [3] J. Su et al. "RoFormer: Enhanced Transformer with Rotary Position Embedding". 2021.
"""

import json
import math
import os

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from causalkit.exceptions import CausalkitError, DataError, UnknownMethodError
from causalkit.learned.tokenizer import AxiomTokenizer

__all__ = ["AxiomTransformer", "AxiomaticReasoner", "reason_cli", "name_boundary_codes", "POSITION_ENCODINGS",
           "PRETRAINED"]

POSITION_ENCODINGS = ("none", "learned", "sinusoidal", "rotary")
#: Shipped weights: name -> file stem under ``causalkit/learned/weights/``.
PRETRAINED = {"transitivity": "transitivity", "dseparation": "dseparation"}
WEIGHTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "weights")

DEFAULT_CONFIG = {
    "vocab_size": AxiomTokenizer().vocab_size,
    "d_model": 256,
    "n_layers": 8,
    "n_heads": 8,
    "d_ff": 1024,
    "pos": "none",
    "max_len": 1024,
    "rope_base": 10000.0,
    "name_boundaries": False,
}

#: Codes of :func:`name_boundary_codes`: not part of a name, then a name's only, first, inner and last character.
BOUNDARY_CODES = ("other", "single", "first", "inner", "last")


def name_char_mask(vocab):
    """Which tokens count as name characters for :func:`name_boundary_codes`.

    Parameters
    ----------
    vocab : sequence of str
        The tokenizer's vocabulary (:attr:`AxiomTokenizer.vocab`), in id order.

    Returns
    -------
    numpy.ndarray of bool, shape (len(vocab),)
        True for single letters and digits. Other characters that the statement parser accepts inside a
        name (``_``, ``-``, ``'``) count as separators here, as they did when the shipped models were
        trained (their names are letters and digits only); the characters of ``given`` form a run like a
        name's.
    """
    return np.array([len(t) == 1 and t.isalnum() for t in vocab])


def name_boundary_codes(ids, is_name_char):
    """Place of each token in its name, as an index into :data:`BOUNDARY_CODES`.

    A name is a maximal run of letter/digit tokens (the tokenizer splits names into characters and keeps
    the grammar words whole). The code says only whether a character starts or ends its run, never where
    the run lies in the text: it carries no absolute position, only adjacency to the neighbouring tokens.
    The "last" code reads the next token, a one-token look-ahead past the causal mask (harmless for a
    classifier read at the final "?"; padding is not a name character, so it never changes a code).

    Parameters
    ----------
    ids : torch.LongTensor of shape (batch, length)
        Token ids, right-padded with ``[PAD]``.
    is_name_char : torch.BoolTensor of shape (vocab_size,)
        :func:`name_char_mask` of the vocabulary.

    Returns
    -------
    torch.LongTensor of shape (batch, length)
        0 outside names; 1 a one-character name; 2 first, 3 inner, 4 last character of a longer name.
    """
    c = is_name_char[ids]
    pad = torch.zeros_like(c[:, :1])
    starts = c & ~torch.cat([pad, c[:, :-1]], dim=1)
    ends = c & ~torch.cat([c[:, 1:], pad], dim=1)
    code = torch.where(starts & ends, 1, torch.where(starts, 2, torch.where(ends, 4, 3)))
    return torch.where(c, code, 0)


def _sinusoidal_table(n, d):
    pos = torch.arange(n, dtype=torch.float32)[:, None]
    div = torch.exp(torch.arange(0, d, 2, dtype=torch.float32) * (-math.log(10000.0) / d))
    table = torch.zeros(n, d)
    table[:, 0::2] = torch.sin(pos * div)
    table[:, 1::2] = torch.cos(pos * div)
    return table


def _rope(x, base):
    # x: (B, H, T, D); rotate pairs (first half, second half) by position-dependent angles
    t, d = x.shape[-2], x.shape[-1]
    half = d // 2
    inv = base ** (-torch.arange(0, half, device=x.device, dtype=torch.float32) / half)
    ang = torch.arange(t, device=x.device, dtype=torch.float32)[:, None] * inv[None, :]
    cos, sin = ang.cos().to(x.dtype), ang.sin().to(x.dtype)
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)


class _Block(nn.Module):
    def __init__(self, d_model, n_heads, d_ff, rotary, rope_base):
        super().__init__()
        self.n_heads = n_heads
        self.rotary = rotary
        self.rope_base = rope_base
        self.ln1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)
        self.ln2 = nn.LayerNorm(d_model)
        self.fc = nn.Linear(d_model, d_ff)
        self.out = nn.Linear(d_ff, d_model)

    def forward(self, x):
        b, t, d = x.shape
        h = self.ln1(x)
        q, k, v = self.qkv(h).view(b, t, 3, self.n_heads, d // self.n_heads).permute(2, 0, 3, 1, 4)
        if self.rotary:
            q, k = _rope(q, self.rope_base), _rope(k, self.rope_base)
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.proj(a.transpose(1, 2).reshape(b, t, d))
        return x + self.out(F.gelu(self.fc(self.ln2(x))))


class AxiomTransformer(nn.Module):
    """Decoder-only transformer with a two-way read-out at each sequence's last token.

    Parameters
    ----------
    vocab_size, d_model, n_layers, n_heads, d_ff : int
        Shape of the model.
    pos : {"none", "learned", "sinusoidal", "rotary"}
        Position encoding.
    max_len : int
        Longest input for the "learned" and "sinusoidal" tables.
    rope_base : float
        Base of the rotary angles.
    name_boundaries : bool, default False
        Add a learned embedding of each token's place in its name (:func:`name_boundary_codes`: outside a
        name, a one-character name, or a longer name's first, inner or last character). Without it a
        no-position model cannot easily tell the name ``8`` from the last character of ``A8``: telling them
        apart needs the neighbouring token, which attention without positions finds only approximately,
        and less well in long inputs. The code carries no absolute position, only adjacency. The table starts
        at zero, so weights trained without it load into a model with it and compute the same function.

    Notes
    -----
    Inputs are right-padded; attention is causal, so the last real token never sees the padding and
    no padding mask is needed. Weights are initialised N(0, 0.02), with the residual output projections
    scaled by 1/sqrt(2 n_layers) as in GPT-2.
    """

    def __init__(self, vocab_size, d_model=256, n_layers=8, n_heads=8, d_ff=1024, pos="none", max_len=1024,
                 rope_base=10000.0, name_boundaries=False):
        super().__init__()
        if pos not in POSITION_ENCODINGS:
            raise UnknownMethodError(f"pos must be one of {', '.join(POSITION_ENCODINGS)}; got {pos!r}")
        if d_model % n_heads:
            raise ValueError(f"d_model ({d_model}) must be divisible by n_heads ({n_heads})")
        self.pos = pos
        self.max_len = max_len
        self.embed = nn.Embedding(vocab_size, d_model)
        if pos == "learned":
            self.pos_embed = nn.Embedding(max_len, d_model)
        if pos == "sinusoidal":
            self.register_buffer("pos_table", _sinusoidal_table(max_len, d_model), persistent=False)
        self.blocks = nn.ModuleList(
            [_Block(d_model, n_heads, d_ff, pos == "rotary", rope_base) for _ in range(n_layers)]
        )
        self.ln_f = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, 2)
        self.name_boundaries = name_boundaries
        if name_boundaries:
            vocab = AxiomTokenizer().vocab
            if len(vocab) != vocab_size:
                raise ValueError(f"name_boundaries needs the tokenizer's vocab_size {len(vocab)}; got {vocab_size}")
            self.boundary_embed = nn.Embedding(len(BOUNDARY_CODES), d_model)
            self.register_buffer("is_name_char", torch.as_tensor(name_char_mask(vocab)), persistent=False)
        self.apply(self._init)
        for blk in self.blocks:
            for lin in (blk.proj, blk.out):
                nn.init.normal_(lin.weight, std=0.02 / math.sqrt(2 * n_layers))
        if name_boundaries:
            nn.init.zeros_(self.boundary_embed.weight)

    @staticmethod
    def _init(m):
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.02)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, std=0.02)

    def forward(self, ids, lengths):
        """Logits ``(No, Yes)`` of shape (batch, 2) read at position ``lengths - 1``."""
        t = ids.shape[1]
        if self.pos in ("learned", "sinusoidal") and t > self.max_len:
            raise DataError(f"input of {t} tokens is longer than the model's max_len {self.max_len}")
        x = self.embed(ids)
        if self.name_boundaries:
            x = x + self.boundary_embed(name_boundary_codes(ids, self.is_name_char))
        if self.pos == "learned":
            x = x + self.pos_embed(torch.arange(t, device=ids.device))[None]
        elif self.pos == "sinusoidal":
            x = x + self.pos_table[:t].to(x.dtype)[None]
        for blk in self.blocks:
            x = blk(x)
        last = x[torch.arange(x.shape[0], device=x.device), lengths - 1]
        return self.head(self.ln_f(last))


def count_parameters(model):
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


class AxiomaticReasoner:
    """Answer "Does X cause Y?" or "Are X and Y d-separated given {...}?" with a trained transformer.

    Parameters
    ----------
    model : AxiomTransformer
    task : {"transitivity", "dseparation"}
        The axiom the model was trained on; questions of the other kind are refused.
    config : dict, optional
        The model's configuration (kept for reference).
    device : str, default "cpu"

    Attributes
    ----------
    classes_ : list of str
        ``["No", "Yes"]``, the columns of :meth:`predict_proba`.

    Examples
    --------
    >>> r = AxiomaticReasoner.pretrained("transitivity")  # doctest: +SKIP
    >>> r.predict(["A causes B. B causes C. Does A cause C?"])  # doctest: +SKIP
    ['Yes']
    """

    classes_ = ["No", "Yes"]

    def __init__(self, model, task, config=None, device="cpu"):
        if task not in PRETRAINED:
            raise UnknownMethodError(f"task must be one of {', '.join(PRETRAINED)}; got {task!r}")
        self.model = model.to(device).eval()
        self.task = task
        self.config = dict(config or {})
        self.device = device
        self.tokenizer = AxiomTokenizer()

    @classmethod
    def pretrained(cls, name="transitivity", device="cpu"):
        """Load shipped weights.

        Parameters
        ----------
        name : {"transitivity", "dseparation"}
        device : str, default "cpu"

        Returns
        -------
        AxiomaticReasoner

        Raises
        ------
        UnknownMethodError
            If ``name`` is not a shipped model.
        """
        if name not in PRETRAINED:
            raise UnknownMethodError(f"no pretrained axiomatic model {name!r}; valid names: {', '.join(PRETRAINED)}")
        stem = os.path.join(WEIGHTS_DIR, PRETRAINED[name])
        return cls.from_files(stem + ".safetensors", stem + ".json", device=device)

    @classmethod
    def from_files(cls, weights_path, config_path=None, device="cpu"):
        """Load a model from a ``safetensors`` file and its JSON configuration.

        Parameters
        ----------
        weights_path : str
            fp16/bf16/fp32 weights of an :class:`AxiomTransformer`.
        config_path : str, optional
            JSON holding ``{"task": ..., "model": {AxiomTransformer arguments}, ...}``. Default: the
            ``config`` entry of the safetensors metadata (written by ``benchmarks/train_axiomatic.py``).
        device : str, default "cpu"

        Returns
        -------
        AxiomaticReasoner
        """
        from safetensors import safe_open
        from safetensors.torch import load_file

        if config_path is not None:
            with open(config_path) as fh:
                meta = json.load(fh)
        else:
            with safe_open(weights_path, "pt") as fh:
                stored = fh.metadata() or {}
            if "config" not in stored:
                raise DataError(f"{weights_path} holds no 'config' metadata; pass config_path")
            meta = json.loads(stored["config"])
        model = AxiomTransformer(**meta["model"])
        state = load_file(weights_path)
        model.load_state_dict({k: v.float() for k, v in state.items()})
        return cls(model, meta["task"], meta, device=device)

    def _check(self, texts):
        from causalkit.reasoning.symbolic import parse_statement

        if isinstance(texts, str):
            raise DataError("texts must be a list of strings, not one string; wrap it: [text]")
        texts = list(texts)
        for i, t in enumerate(texts):
            try:
                q = parse_statement(t)
            except CausalkitError as err:
                raise type(err)(f"texts[{i}]: {err}") from None
            if q.kind != self.task:
                raise DataError(
                    f"texts[{i}] asks a {q.kind} question but this model was trained on {self.task}; "
                    f"load AxiomaticReasoner.pretrained({q.kind!r})"
                )
        return texts

    def predict_proba(self, texts, validate=True, batch_size=256):
        """Probabilities of "No" and "Yes".

        Parameters
        ----------
        texts : list of str
            Premise-question texts of the model's task.
        validate : bool, default True
            Parse each text first and refuse malformed ones, questions of the other task and questions
            about names the premise does not mention. False scores any text that tokenizes.
        batch_size : int, default 256

        Returns
        -------
        numpy.ndarray of shape (len(texts), 2)
            Columns in the order of :attr:`classes_` (``["No", "Yes"]``).

        Raises
        ------
        DataError
            A text that is not a premise-question pair of this task (message names its index).
        NodeNotFound
            A question about a name absent from the premise.
        """
        texts = self._check(texts) if validate else list(texts)
        out = np.zeros((len(texts), 2))
        if not texts:
            return out
        order = np.argsort([len(t) for t in texts])  # similar lengths share a batch: less padding
        with torch.no_grad():
            for s in range(0, len(texts), batch_size):
                idx = order[s:s + batch_size]
                try:
                    ids, lengths = self.tokenizer.encode_batch([texts[i] for i in idx])
                except ValueError as err:
                    raise DataError(str(err)) from None
                logits = self.model(torch.as_tensor(ids, device=self.device),
                                    torch.as_tensor(lengths, device=self.device))
                out[idx] = torch.softmax(logits.float(), dim=-1).cpu().numpy()
        return out

    def predict(self, texts, validate=True, batch_size=256):
        """Answers "Yes" or "No", one per text (see :meth:`predict_proba`)."""
        proba = self.predict_proba(texts, validate=validate, batch_size=batch_size)
        return [self.classes_[int(k)] for k in proba.argmax(axis=1)]


_CACHE = {}


def reason_cli(text):
    """Answer one premise-question text with the shipped model and the exact checker.

    Parameters
    ----------
    text : str
        E.g. ``"A causes B. B causes C. Does A cause C?"`` or
        ``"A causes B. C causes B. Are A and C d-separated given {B}?"``.

    Returns
    -------
    str
        One line: the model's answer and confidence, and the symbolic checker's answer.

    Raises
    ------
    DataError, NodeNotFound
        For text that is not a premise-question pair or names a node absent from the premise.

    Examples
    --------
    >>> print(reason_cli("A causes B. B causes C. Does A cause C?"))  # doctest: +SKIP
    Yes (model: P(Yes) = 0.999, transitivity; exact check: Yes)
    """
    from causalkit.reasoning.symbolic import check_statement, parse_statement

    q = parse_statement(text)
    if q.kind not in _CACHE:
        _CACHE[q.kind] = AxiomaticReasoner.pretrained(q.kind)
    p_yes = float(_CACHE[q.kind].predict_proba([text])[0, 1])
    answer = "Yes" if p_yes >= 0.5 else "No"
    exact = check_statement(text)
    note = "" if answer == exact else "; the model is wrong here"
    return f"{answer} (model: P(Yes) = {p_yes:.3f}, {q.kind}; exact check: {exact}{note})"
