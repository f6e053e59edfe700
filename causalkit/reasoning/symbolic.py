"""Exact answers to textual causal-reasoning questions.

The axiomatic-training texts of Vashishtha et al. (2024) state a causal graph as premise sentences
(``"A causes B."``) and ask one question about it:

- ``"Does X cause Y?"``: "Yes" when a directed path leads from X to Y (the transitivity axiom);
- ``"Are X and Y d-separated?"`` or ``"Are X and Y d-separated given {A, B}?"``: "Yes" when every path
  between X and Y is blocked by the conditioning set (Pearl's d-separation).

:func:`parse_statement` turns such a text into a graph and a question; :func:`check_statement` answers it
exactly with networkx (reachability, or ``networkx.is_d_separator``). The learned
:class:`causalkit.learned.AxiomaticReasoner` is compared against this checker.

References
----------
.. [1] A. Vashishtha et al. "Teaching Transformers Causal Reasoning through Axiomatic Training".
   ICML 2025 (arXiv 2407.07612).
.. [2] J. Pearl. Causality. Cambridge University Press, 2009, section 1.2.3 (d-separation).
"""

import re
from dataclasses import dataclass

from causalkit.exceptions import DataError, NodeNotFound

__all__ = ["CausalQuestion", "parse_statement", "check_statement"]

_NAME = r"[^\s.,?{}()]+"
_PREMISE_RE = re.compile(rf"^\s*({_NAME})\s+causes\s+({_NAME})\s*$")
_DOES_RE = re.compile(rf"^\s*Does\s+({_NAME})\s+cause\s+({_NAME})\s*$", re.IGNORECASE)
_ARE_RE = re.compile(
    rf"^\s*Are\s+({_NAME})\s+and\s+({_NAME})\s+d-separated(?:\s+given\s*\{{([^{{}}]*)\}})?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CausalQuestion:
    """A parsed premise-question text.

    Attributes
    ----------
    edges : tuple of (str, str)
        The premise's cause-effect pairs, in the order stated.
    kind : {"transitivity", "dseparation"}
    x, y : str
        The two names the question is about.
    given : tuple of str
        Conditioning set of a d-separation question (empty otherwise).
    """

    edges: tuple
    kind: str
    x: str
    y: str
    given: tuple = ()

    @property
    def nodes(self):
        """Names in the premise, in order of first mention."""
        seen = {}
        for a, b in self.edges:
            seen.setdefault(a, None)
            seen.setdefault(b, None)
        return tuple(seen)

    def graph(self):
        """The premise as a ``networkx.DiGraph``."""
        import networkx as nx

        g = nx.DiGraph()
        g.add_nodes_from(self.nodes)
        g.add_edges_from(self.edges)
        return g


def parse_statement(text):
    """Parse a premise-question text.

    Parameters
    ----------
    text : str
        Premise sentences ``"A causes B."`` followed by one question, ``"Does X cause Y?"`` or
        ``"Are X and Y d-separated [given {A, B}]?"``.

    Returns
    -------
    CausalQuestion

    Raises
    ------
    DataError
        If ``text`` is not a string, has no premise, no question or more than one, or a sentence that
        is neither ``"A causes B."`` nor a question of the two forms.
    NodeNotFound
        If the question names a node that no premise sentence mentions.

    Examples
    --------
    >>> q = parse_statement("A causes B. B causes C. Does A cause C?")
    >>> q.kind, q.x, q.y, q.edges
    ('transitivity', 'A', 'C', (('A', 'B'), ('B', 'C')))
    """
    if not isinstance(text, str):
        raise DataError(f"text must be a str, got {type(text).__name__}")
    stripped = text.strip()
    if not stripped.endswith("?"):
        raise DataError(
            f"text must end with a question ('Does X cause Y?' or 'Are X and Y d-separated given {{...}}?'); "
            f"got {_short(text)!r}"
        )
    body = stripped[:-1]
    # the question follows the last period outside braces
    cut = _last_period_outside_braces(body)
    premise_part, question = (body[:cut], body[cut + 1:]) if cut >= 0 else ("", body)
    if "?" in premise_part or "?" in question:
        raise DataError(f"text must hold exactly one question, at its end; got {_short(text)!r}")
    edges = []
    for sentence in premise_part.split("."):
        if not sentence.strip():
            continue
        m = _PREMISE_RE.match(sentence)
        if m is None:
            raise DataError(
                f"premise sentence {sentence.strip()!r} is not of the form 'A causes B.' in {_short(text)!r}"
            )
        edges.append((m.group(1), m.group(2)))
    if not edges:
        raise DataError(f"text has no premise sentence 'A causes B.' before its question: {_short(text)!r}")
    m = _DOES_RE.match(question)
    if m is not None:
        q = CausalQuestion(tuple(edges), "transitivity", m.group(1), m.group(2))
    else:
        m = _ARE_RE.match(question)
        if m is None:
            raise DataError(
                f"question {question.strip()!r} is neither 'Does X cause Y?' nor "
                f"'Are X and Y d-separated [given {{A, B}}]?'"
            )
        given = ()
        if m.group(3) is not None and m.group(3).strip():
            given = tuple(g.strip() for g in m.group(3).split(","))
            if any(not g for g in given):
                raise DataError(f"conditioning set {{{m.group(3)}}} has an empty name")
        q = CausalQuestion(tuple(edges), "dseparation", m.group(1), m.group(2), given)
    known = set(q.nodes)
    for role, name in [("first name", q.x), ("second name", q.y)] + [("conditioning name", g) for g in q.given]:
        if name not in known:
            raise NodeNotFound(
                f"the question's {role} {name!r} does not appear in the premise; names in the premise: "
                f"{', '.join(sorted(known))}"
            )
    return q


def check_statement(text):
    """Answer a premise-question text exactly.

    Parameters
    ----------
    text : str
        See :func:`parse_statement`.

    Returns
    -------
    str
        "Yes" or "No". For "Does X cause Y?": whether a directed path of length at least one leads from
        X to Y. For "Are X and Y d-separated given {Z}?": whether X and Y are d-separated by Z in the
        premise's graph.

    Raises
    ------
    DataError
        If the text is not a premise-question pair, or the premise has a directed cycle and the
        question is about d-separation.
    NodeNotFound
        If the question names a node absent from the premise.

    Notes
    -----
    X = Y in a "Does" question is answered "Yes" only if X lies on a directed cycle. For a d-separation
    question whose X or Y is in the conditioning set the answer is "Yes" (a conditioned variable is
    independent of everything given itself).

    Examples
    --------
    >>> check_statement("A causes B. B causes C. Does A cause C?")
    'Yes'
    >>> check_statement("A causes B. C causes B. Are A and C d-separated given {B}?")
    'No'
    """
    import networkx as nx

    q = parse_statement(text)
    g = q.graph()
    if q.kind == "transitivity":
        if q.x == q.y:
            reach = any(nx.has_path(g, s, q.x) for s in g.successors(q.x))
        else:
            reach = nx.has_path(g, q.x, q.y)
        return "Yes" if reach else "No"
    if not nx.is_directed_acyclic_graph(g):
        raise DataError(f"d-separation needs an acyclic premise; this one has a directed cycle: {_short(text)!r}")
    if q.x in q.given or q.y in q.given:
        return "Yes"
    if q.x == q.y:
        return "No"
    sep = nx.is_d_separator(g, {q.x}, {q.y}, set(q.given))
    return "Yes" if sep else "No"


def _last_period_outside_braces(s):
    depth = 0
    last = -1
    for i, c in enumerate(s):
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif c == "." and depth == 0:
            last = i
    return last


def _short(text, n=80):
    text = str(text)
    return text if len(text) <= n else text[: n - 3] + "..."
