"""Tokenizer of the axiomatic-training transformer.

Follows Vashishtha et al. (2024), "Teaching Transformers Causal Reasoning through Axiomatic Training":
the grammar words ``causes``, ``does``, ``cause``, ``yes``, ``no``, ``are``, ``and`` and ``d-separated``
are single tokens, and everything else (node names, "given", punctuation) is split into characters.
Whitespace carries no meaning in this grammar and is dropped, except between two characters of
separate names (``"A B"``), where a space token keeps the names apart.

The vocabulary is fixed (not fitted to a corpus), so that shipped weights and a fresh tokenizer agree:
``[PAD]`` = 0, ``[BOS]`` = 1 (model inputs start with it), the word tokens in their lower-case and capitalised forms, the space token, then every
printable ASCII character.

Decoding joins the pieces with one space between units, no space before ``. , ? }`` and none after
``{``. For text written that way (every text of the generator and of the paper's evaluation files),
``decode(encode(text)) == text``; other text comes back with its whitespace normalised.
"""

import re
import string

__all__ = ["AxiomTokenizer", "WORDS", "normalize_text"]

#: The grammar words that are single tokens (case variants are separate tokens).
WORDS = ("causes", "does", "cause", "yes", "no", "are", "and", "d-separated")

PAD = "[PAD]"
BOS = "[BOS]"
SPACE = " "
_PUNCT_NO_SPACE_BEFORE = frozenset(".,?}")
_PUNCT_NO_SPACE_AFTER = frozenset("{")
_PUNCT = frozenset(".,?{}()")

_WORD_FORMS = []
for _w in WORDS:
    for _form in (_w, _w.capitalize()):
        if _form not in _WORD_FORMS:
            _WORD_FORMS.append(_form)

# A word is a token only as a whole word: "noX" or "Nod" are names made of characters.
_WORD_RE = "|".join(re.escape(w) for w in sorted(_WORD_FORMS, key=len, reverse=True))
_PIECE_RE = re.compile(
    r"(?P<word>(?<![A-Za-z0-9_-])(?:" + _WORD_RE + r")(?![A-Za-z0-9_-]))"
    r"|(?P<space>\s+)"
    r"|(?P<char>.)",
    re.DOTALL,
)


def normalize_text(text):
    """Return ``text`` with its whitespace written as :class:`AxiomTokenizer` decodes it.

    Parameters
    ----------
    text : str

    Returns
    -------
    str
    """
    tok = AxiomTokenizer()
    return tok.decode(tok.encode(text))


class AxiomTokenizer:
    """Word-and-character tokenizer of the axiomatic-training paper.

    Examples
    --------
    >>> tok = AxiomTokenizer()
    >>> ids = tok.encode("A causes B. Does A cause B?")
    >>> tok.tokens("A causes B. Does A cause B?")
    ['A', 'causes', 'B', '.', 'Does', 'A', 'cause', 'B', '?']
    >>> tok.decode(ids)
    'A causes B. Does A cause B?'
    """

    def __init__(self):
        chars = [c for c in string.printable if c not in string.whitespace]
        self.vocab = [PAD, BOS] + list(_WORD_FORMS) + [SPACE] + chars
        self.token_to_id = {t: i for i, t in enumerate(self.vocab)}
        self.pad_id = 0
        self.bos_id = 1
        self._words = frozenset(_WORD_FORMS)

    @property
    def vocab_size(self):
        """Number of tokens, ``[PAD]`` included."""
        return len(self.vocab)

    def tokens(self, text, label_words=True):
        """Split ``text`` into token strings (words, characters and separating spaces).

        Parameters
        ----------
        text : str
        label_words : bool, default True
            Whether "yes" and "no" in the text are word tokens. The model's inputs use False: in a
            premise-question text these words can only be node names (the answer is never part of
            the input), so they are split into characters like every other name.

        Returns
        -------
        list of str

        Raises
        ------
        ValueError
            If ``text`` is not a string or holds a character outside printable ASCII.
        """
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        out = []
        for m in _PIECE_RE.finditer(text):
            kind = m.lastgroup
            piece = m.group()
            if kind == "space":
                out.append(SPACE)
                continue
            if kind == "word" and not label_words and piece.lower() in ("yes", "no"):
                out.extend(piece)
                continue
            if kind == "char" and piece not in self.token_to_id:
                raise ValueError(
                    f"character {piece!r} at position {m.start()} of the text is outside the "
                    "tokenizer's vocabulary (printable ASCII)"
                )
            out.append(piece)
        # keep a space only where it separates two characters of names
        kept = []
        for i, t in enumerate(out):
            if t != SPACE:
                kept.append(t)
                continue
            prev = kept[-1] if kept else None
            nxt = next((u for u in out[i + 1:] if u != SPACE), None)
            if _is_name_char(prev) and _is_name_char(nxt) and (not kept or kept[-1] != SPACE):
                kept.append(SPACE)
        return kept

    def encode(self, text, label_words=True):
        """Token ids of ``text`` (no padding, no special tokens).

        Parameters
        ----------
        text : str
        label_words : bool, default True
            See :meth:`tokens`.

        Returns
        -------
        list of int
        """
        return [self.token_to_id[t] for t in self.tokens(text, label_words=label_words)]

    def encode_batch(self, texts, pad_to=None, label_words=False, bos=True):
        """Encode several texts as model inputs: a right-padded int64 array and the lengths.

        Parameters
        ----------
        texts : sequence of str
        pad_to : int, optional
            Pad to this length (at least the longest text); default the longest text.
        label_words : bool, default False
            See :meth:`tokens`; False because batches are model inputs.
        bos : bool, default True
            Start each sequence with ``[BOS]``. A fixed first token gives attention a place to rest and
            lets a model without position encoding count positions.

        Returns
        -------
        ids : numpy.ndarray of shape (n, T)
        lengths : numpy.ndarray of shape (n,)
        """
        import numpy as np

        head = [self.bos_id] if bos else []
        encoded = [head + self.encode(t, label_words=label_words) for t in texts]
        lengths = np.array([len(e) for e in encoded], dtype=np.int64)
        width = int(lengths.max()) if len(encoded) else 0
        if pad_to is not None:
            width = max(width, int(pad_to))
        ids = np.zeros((len(encoded), width), dtype=np.int64)
        for i, e in enumerate(encoded):
            ids[i, : len(e)] = e
        return ids, lengths

    def decode(self, ids):
        """Text of a sequence of token ids (padding ignored).

        Parameters
        ----------
        ids : sequence of int

        Returns
        -------
        str
        """
        toks = [self.vocab[int(i)] for i in ids if int(i) not in (self.pad_id, self.bos_id)]
        # group runs of name characters into units: (text, is_name); None is a forced break
        units = []
        for t in toks:
            if t == SPACE:
                units.append(None)
            elif _is_name_char(t) and units and units[-1] is not None and units[-1][1]:
                units[-1] = (units[-1][0] + t, True)
            else:
                units.append((t, _is_name_char(t)))
        parts = []
        prev = None
        for u in units:
            if u is None:
                continue
            text = u[0]
            if parts and text not in _PUNCT_NO_SPACE_BEFORE and prev not in _PUNCT_NO_SPACE_AFTER:
                parts.append(" ")
            parts.append(text)
            prev = text
        return "".join(parts)

def _is_name_char(t):
    return t is not None and len(t) == 1 and t not in _PUNCT and t != SPACE
