"""Training data for axiomatic training: textual demonstrations of causal axioms.

Vashishtha et al. (2024), "Teaching Transformers Causal Reasoning through Axiomatic Training", train a
transformer on premise-question pairs generated from two axioms:

- **transitivity**: ``"A causes B. B causes C. Does A cause C?"`` -> ``"Yes"``; the label is whether a
  directed path leads from the first to the second name;
- **d-separation**: ``"A causes B. C causes B. Are A and C d-separated given {B}?"`` -> ``"No"``; the label
  says whether every path between the two names is blocked by the conditioning set.

Instances are built on causal chains of a few nodes (3 to 6 in the paper): the edges of a chain point
forward, or each edge's direction is flipped with probability ``flip_prob``; premises are listed in
chain order or, optionally, shuffled; node names are 1 to 3 random letters and digits, distinct within an
instance and never one of the tokenizer's grammar words. For every chain all ordered pairs of names are
asked and the majority label is subsampled so that each chain contributes as many "Yes" as "No".

This module never reads the paper's evaluation files: it is the project's own generator. It imports only
numpy, so that training machines need nothing else; the labels come from the exact chain rules in
:func:`chain_reachable` and :func:`chain_d_separated` (tests compare them with networkx).

References
----------
.. [1] A. Vashishtha, A. Kumar, A. Pandey, A. G. Reddy, K. Ahuja, V. N. Balasubramanian, A. Sharma.
   "Teaching Transformers Causal Reasoning through Axiomatic Training". ICML 2025 (arXiv 2407.07612).
"""

import string

import numpy as np

from causalkit.exceptions import DataError
from causalkit.learned.tokenizer import WORDS

__all__ = [
    "random_names",
    "sample_chain",
    "chain_reachable",
    "chain_d_separated",
    "render_premise",
    "transitivity_question",
    "dseparation_question",
    "chain_transitivity_instances",
    "chain_dseparation_instances",
    "generate",
]

NAME_ALPHABET = string.ascii_letters + string.digits
_RESERVED = frozenset(w.lower() for w in WORDS) | {"given"}
_ALPHA = np.array(list(NAME_ALPHABET))


def random_names(n, rng, min_len=1, max_len=3, confusable=0.0):
    """Draw ``n`` distinct node names of random letters and digits.

    Parameters
    ----------
    n : int
        Number of names.
    rng : numpy.random.Generator
    min_len, max_len : int
        Each name's length is uniform on ``[min_len, max_len]``.
    confusable : float
        Probability that a name (after the first) is made from an earlier one by adding or removing a
        character at its start or end ("M" beside "Mq", "8" beside "A8"), so that one name is a prefix or
        suffix of another. Random names of 1-3 characters do this often in long premises (the paper's
        14- and 15-node d-separation sets have such pairs); a model that matches names character by
        character must learn to tell them apart. Default 0: independent names.

    Returns
    -------
    list of str
        Distinct names; none equals a grammar word ("causes", "no", "and", ...) in any case.

    Raises
    ------
    DataError
        Name lengths out of order or below 1, or ``confusable`` outside [0, 1].
    """
    if min_len < 1 or max_len < min_len:
        raise DataError(f"name lengths must satisfy 1 <= min_len <= max_len, got {min_len}, {max_len}")
    if not 0.0 <= confusable <= 1.0:
        raise DataError(f"confusable must be a probability in [0, 1], got {confusable}")
    names = []
    seen = set()
    while len(names) < n:
        name = None
        if names and confusable and rng.random() < confusable:
            name = _near_name(names[int(rng.integers(len(names)))], rng, min_len, max_len)
        if name is None:  # an independent name (also when no near name fits the length range)
            k = int(rng.integers(min_len, max_len + 1))
            name = "".join(_ALPHA[rng.integers(0, len(_ALPHA), size=k)])
        if name in seen or name.lower() in _RESERVED:
            continue
        seen.add(name)
        names.append(name)
    return names


def _near_name(base, rng, min_len, max_len):
    """``base`` with one character added or removed at its start or end (None if neither fits the lengths)."""
    moves = (["grow"] if len(base) < max_len else []) + (["cut"] if len(base) > min_len else [])
    if not moves:
        return None
    at_start = rng.random() < 0.5
    if moves[int(rng.integers(len(moves)))] == "cut":
        return base[1:] if at_start else base[:-1]
    c = str(_ALPHA[int(rng.integers(len(_ALPHA)))])
    return c + base if at_start else base + c


def sample_chain(n_nodes, rng, flip_prob=0.0):
    """Directions of a chain's edges.

    Parameters
    ----------
    n_nodes : int
        Number of nodes (at least 2).
    rng : numpy.random.Generator
    flip_prob : float
        Probability that each edge points backwards.

    Returns
    -------
    forward : numpy.ndarray of bool, shape (n_nodes - 1,)
        ``forward[i]`` is True for the edge ``i -> i+1`` and False for ``i+1 -> i``.
    """
    return rng.random(n_nodes - 1) >= flip_prob


def chain_reachable(forward, i, j):
    """Whether a directed path leads from chain position ``i`` to position ``j``.

    On a chain the only path between two nodes is the stretch between them, so ``j`` is reachable
    from ``i`` exactly when every edge of that stretch points from ``i`` towards ``j``.
    """
    if i == j:
        return True
    if i < j:
        return bool(np.all(forward[i:j]))
    return not bool(np.any(forward[j:i]))


def chain_d_separated(forward, i, j, given):
    """Whether positions ``i`` and ``j`` of a chain are d-separated by the positions in ``given``.

    The only path is the stretch between them. An inner node of it is a collider when both its chain
    edges point into it; on a chain a collider has no descendants besides itself, so the path is open
    exactly when each inner node is a collider if and only if it is conditioned on.
    """
    lo, hi = (i, j) if i < j else (j, i)
    given = set(given)
    for m in range(lo + 1, hi):
        collider = bool(forward[m - 1]) and not bool(forward[m])
        if collider != (m in given):
            return True
    return False


def render_premise(names, forward, order=None):
    """Premise sentences of a chain, ``"A causes B. C causes B."``.

    Parameters
    ----------
    names : sequence of str
        Names in chain order.
    forward : sequence of bool
        Edge directions from :func:`sample_chain`.
    order : sequence of int, optional
        Order in which to list the edges (default chain order).
    """
    order = range(len(forward)) if order is None else order
    parts = []
    for e in order:
        a, b = (names[e], names[e + 1]) if forward[e] else (names[e + 1], names[e])
        parts.append(f"{a} causes {b}.")
    return " ".join(parts)


def transitivity_question(x, y):
    """``"Does x cause y?"``."""
    return f"Does {x} cause {y}?"


def dseparation_question(x, y, given=()):
    """``"Are x and y d-separated given {A, B}?"`` (names of ``given`` sorted; no clause if empty)."""
    if len(given) == 0:
        return f"Are {x} and {y} d-separated?"
    return f"Are {x} and {y} d-separated given {{{', '.join(sorted(given))}}}?"


def _balance(yes, no, rng):
    k = min(len(yes), len(no))
    if k == 0:
        return []
    yi = rng.permutation(len(yes))[:k]
    ni = rng.permutation(len(no))[:k]
    return [yes[t] for t in yi] + [no[t] for t in ni]


def _premise(names, forward, rng, shuffle, distractors=()):
    """The premise of the asked chain, with the sentences of any distractor chains mixed in.

    ``distractors`` holds ``(names, forward)`` pairs of further chains on other names. Shuffled premises
    mix every sentence; otherwise each chain is listed in chain order as one block, blocks in random order.
    """
    if not distractors:
        order = rng.permutation(len(forward)) if shuffle else None
        return render_premise(names, forward, order)
    blocks = [(names, forward)] + list(distractors)
    sentences = [[render_premise(nm, fw, [e]) for e in range(len(fw))] for nm, fw in blocks]
    if shuffle:
        flat = [x for b in sentences for x in b]
        return " ".join(flat[k] for k in rng.permutation(len(flat)))
    return " ".join(" ".join(sentences[k]) for k in rng.permutation(len(sentences)))


def _chains(n_nodes, rng, flip_prob, name_len, distractor_lengths, confusable=0.0):
    """Names and edge directions of the asked chain and of distractor chains, all names distinct."""
    sizes = [n_nodes] + list(distractor_lengths)
    names = random_names(sum(sizes), rng, *name_len, confusable=confusable)
    if confusable:  # near names land anywhere, not only after their base
        names = [names[k] for k in rng.permutation(len(names))]
    out, s = [], 0
    for k, size in enumerate(sizes):
        out.append((names[s:s + size], sample_chain(size, rng, flip_prob)))
        s += size
    return out[0], out[1:]


def chain_transitivity_instances(n_nodes, rng, flip_prob=0.0, shuffle=False, name_len=(1, 3),
                                 distractor_lengths=(), confusable=0.0):
    """All balanced transitivity questions about one random chain.

    Parameters
    ----------
    n_nodes : int
    rng : numpy.random.Generator
    flip_prob : float
        Probability of flipping each edge (0 gives a sequential chain).
    shuffle : bool
        List the premise sentences in random order.
    name_len : (int, int)
        Range of name lengths.
    distractor_lengths : sequence of int
        Sizes of further chains (on other names, edges flipped with the same ``flip_prob``) whose
        sentences are mixed into the premise; no question is about them.
    confusable : float
        Passed to :func:`random_names`: probability of a name one character longer or shorter than
        another name of the instance.

    Returns
    -------
    list of (str, str)
        ``(text, label)`` pairs, as many "Yes" as "No", in random order.
    """
    (names, forward), others = _chains(n_nodes, rng, flip_prob, name_len, distractor_lengths, confusable)
    premise = _premise(names, forward, rng, shuffle, others)
    yes, no = [], []
    for i in range(n_nodes):
        for j in range(n_nodes):
            if i == j:
                continue
            text = f"{premise} {transitivity_question(names[i], names[j])}"
            (yes if chain_reachable(forward, i, j) else no).append((text, "Yes" if chain_reachable(forward, i, j) else "No"))
    out = _balance(yes, no, rng)
    return [out[t] for t in rng.permutation(len(out))]


def chain_dseparation_instances(n_nodes, rng, flip_prob=0.5, shuffle=False, name_len=(1, 3), per_pair=2,
                                distractor_lengths=(), confusable=0.0):
    """Balanced d-separation questions about one random chain.

    For every unordered pair of names, ``per_pair`` conditioning sets are drawn: a size uniform on
    0..(number of other nodes), then that many of the other nodes. Labels come from
    :func:`chain_d_separated` ("Yes" = d-separated). ``distractor_lengths`` as in
    :func:`chain_transitivity_instances`: conditioning sets and questions use the asked chain only.
    ``confusable`` as in :func:`chain_transitivity_instances`.

    Returns
    -------
    list of (str, str)
    """
    (names, forward), others = _chains(n_nodes, rng, flip_prob, name_len, distractor_lengths, confusable)
    premise = _premise(names, forward, rng, shuffle, others)
    yes, no = [], []
    seen = set()
    for i in range(n_nodes):
        for j in range(i + 1, n_nodes):
            others = [m for m in range(n_nodes) if m not in (i, j)]
            for _ in range(per_pair):
                size = int(rng.integers(0, len(others) + 1))
                given = tuple(sorted(rng.choice(others, size=size, replace=False).tolist())) if size else ()
                a, b = (i, j) if rng.random() < 0.5 else (j, i)
                key = (a, b, given)
                if key in seen:
                    continue
                seen.add(key)
                sep = chain_d_separated(forward, a, b, given)
                text = f"{premise} {dseparation_question(names[a], names[b], [names[g] for g in given])}"
                (yes if sep else no).append((text, "Yes" if sep else "No"))
    out = _balance(yes, no, rng)
    return [out[t] for t in rng.permutation(len(out))]


def _int_pair(value, name):
    """``(lo, hi)`` as two ints, or a DataError naming the argument."""
    try:
        lo, hi = value
    except (TypeError, ValueError):
        raise DataError(f"{name} must be a pair (lo, hi) of integers, got {value!r}") from None
    if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in (lo, hi)):
        raise DataError(f"{name} must be a pair (lo, hi) of integers, got {value!r}")
    return int(lo), int(hi)


def generate(task, n, seed=0, lengths=(3, 6), flip_fraction=0.5, flip_prob=0.5, shuffle_fraction=0.3,
             name_len=(1, 3), distractors=(0, 0), confusable_names=0.0):
    """Generate ``n`` labelled instances of one axiom.

    Parameters
    ----------
    task : {"transitivity", "dseparation"}
    n : int
        Number of instances (the last chain is cut to fit).
    seed : int or numpy.random.Generator
    lengths : (int, int)
        Range of chain lengths (nodes), uniform per chain.
    flip_fraction : float
        Fraction of chains whose edges are flipped at random (with probability ``flip_prob`` each);
        the others are sequential. D-separation always flips (a sequential chain has no collider).
    flip_prob : float
    shuffle_fraction : float
        Fraction of chains whose premise sentences are shuffled.
    name_len : (int, int)
        Range of name lengths.
    distractors : (int, int)
        Range of the number of distractor chains per instance (uniform; default none): further chains
        with lengths drawn from ``lengths`` whose sentences are mixed into the premise (so with
        ``lengths=(n, n)``, as in the training pools of ``benchmarks/train_axiomatic.py``, which are built
        per chain length, every distractor has the asked chain's length). Every chain still
        has 3-6 nodes; the premise gets as long as one of a longer chain, so that a model meets long inputs
        without meeting longer chains (a departure from the paper's data, used only where a run says so).

    Returns
    -------
    texts : list of str
    labels : list of str
        "Yes" or "No"; balanced within each chain, hence overall.

    Raises
    ------
    DataError
        An unknown ``task``, ``lengths`` / ``distractors`` that are not ordered pairs of integers in
        range, or ``confusable_names`` outside [0, 1] (a subclass of ``ValueError``).

    Examples
    --------
    >>> texts, labels = generate("transitivity", 4, seed=1, lengths=(3, 3))
    >>> len(texts), sorted(set(labels))
    (4, ['No', 'Yes'])
    """
    if task not in ("transitivity", "dseparation"):
        raise DataError(f"task must be 'transitivity' or 'dseparation', got {task!r}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    lo, hi = _int_pair(lengths, "lengths")
    if lo < 2 or hi < lo:
        raise DataError(f"lengths must satisfy 2 <= lo <= hi, got {lengths}")
    if task == "dseparation" and hi < 3:
        raise DataError("d-separation needs chains of at least 3 nodes (lengths)")
    d_lo, d_hi = _int_pair(distractors, "distractors")
    if d_lo < 0 or d_hi < d_lo:
        raise DataError(f"distractors must satisfy 0 <= lo <= hi, got {distractors}")
    if not 0.0 <= confusable_names <= 1.0:
        raise DataError(f"confusable_names must be a fraction in [0, 1], got {confusable_names}")
    texts, labels = [], []
    while len(texts) < n:
        n_nodes = int(rng.integers(max(lo, 3) if task == "dseparation" else lo, hi + 1))
        shuffle = rng.random() < shuffle_fraction
        k = int(rng.integers(d_lo, d_hi + 1)) if d_hi else 0
        extra = [int(v) for v in rng.integers(max(lo, 3) if task == "dseparation" else lo, hi + 1, size=k)]
        conf = 0.5 if confusable_names and rng.random() < confusable_names else 0.0
        if task == "transitivity":
            fp = flip_prob if rng.random() < flip_fraction else 0.0
            inst = chain_transitivity_instances(n_nodes, rng, fp, shuffle, name_len, extra, conf)
        else:
            inst = chain_dseparation_instances(n_nodes, rng, flip_prob, shuffle, name_len,
                                               distractor_lengths=extra, confusable=conf)
        for t, y in inst:
            texts.append(t)
            labels.append(y)
    return texts[:n], labels[:n]
