"""Discrete Bayesian networks: a BIF reader, ancestral sampling, exact queries.

A discrete Bayesian network is a DAG over categorical variables with one
conditional probability table (CPT) per variable, ``P(X | parents(X))``; the
joint distribution is the product of the CPTs. The classic benchmark networks
(asia, alarm, insurance, ...; see bnlearn's repository) are distributed in the
*Bayesian Interchange Format* (BIF, Cozman 1998), which :func:`load_bif` reads
without any third-party dependency.

CPT layout
----------
``net.cpts[X]`` is a :class:`CPT` named tuple ``(parents, table)``:
``parents`` is a tuple of variable names, in the order of the file's
``probability ( X | P1, P2, ... )`` line, and ``table`` an array of shape
``(card(P1), card(P2), ..., card(X))``, so that::

    net.cpts[X].table[i1, i2, ..., k] = P(X = states[X][k] | P1 = states[P1][i1], ...)

The last axis is the child; every slice along it sums to one. States are
indexed in the order of the ``variable`` block (``net.states[X]``).

Supported BIF
-------------
``network`` and ``variable`` blocks (``type discrete [ k ] { s1, ..., sk };``),
``probability`` blocks with rows ``(parent states) p1, ..., pk;``, a
``table`` line (for a variable with parents: the child's state varies
slowest and the last parent fastest, as pgmpy and bnlearn write it) and a
``default`` line for parent configurations not listed. ``property`` lines and
``//`` or ``/* */`` comments are skipped. Files may be gzip-compressed (detected
from their first bytes, not their name).
"""

from __future__ import annotations

import gzip
import itertools
import re
from collections import namedtuple
from pathlib import Path

import numpy as np
import pandas as pd

from ..dataset import Dataset
from ..exceptions import DataError, GraphError, NodeNotFound
from ..graph import CausalGraph
from ._random import check_int, regeneration_seed, seed_record, seed_sequence

__all__ = ["BayesianNetwork", "CPT", "load_bif", "parse_bif"]

CPT = namedtuple("CPT", ["parents", "table"])
CPT.__doc__ = """A conditional probability table: ``parents`` (tuple of names) and ``table``
(ndarray of shape ``(*parent cardinalities, cardinality)``; the last axis is the child)."""

#: tolerance on the sum of one CPT row before it is rejected
ROW_SUM_TOL = 1e-3


# ============================================================================ network
class BayesianNetwork:
    """A discrete Bayesian network: DAG, state names and CPTs.

    Parameters
    ----------
    states : dict
        ``{variable: [state names]}``, in the order that defines the state
        indices of the CPTs. The dict order is the node order of ``graph``.
    cpts : dict
        ``{variable: (parents, table)}`` with ``table`` of shape
        ``(*parent cardinalities, cardinality)`` (see the module docstring).
    name : str, optional
        Network name.

    Attributes
    ----------
    graph : CausalGraph
        The DAG: an edge ``P --> X`` for every parent ``P`` of ``X``.
    states : dict of list of str
    cpts : dict of CPT
        Tables as float arrays whose rows sum to one (rows off by at most
        ``ROW_SUM_TOL`` in the input are renormalised).
    name : str

    Raises
    ------
    GraphError
        If the parent sets contain a cycle or name unknown variables.
    DataError
        If a table has the wrong shape, negative entries, or rows that do
        not sum to one.

    Examples
    --------
    >>> net = BayesianNetwork(
    ...     {"rain": ["no", "yes"], "wet": ["no", "yes"]},
    ...     {"rain": ((), [0.8, 0.2]), "wet": (("rain",), [[0.9, 0.1], [0.2, 0.8]])},
    ... )
    >>> round(float(net.marginal("wet")["yes"]), 2)
    0.24
    >>> round(float(net.query(["rain"], evidence={"wet": "yes"})["yes"]), 3)
    0.667
    """

    def __init__(self, states, cpts, name=None):
        self.name = "unknown" if name is None else str(name)
        self.states = {str(v): [str(s) for s in ss] for v, ss in states.items()}
        for v, ss in self.states.items():
            if len(ss) == 0:
                raise DataError(f"variable {v!r} has no states")
            if len(set(ss)) != len(ss):
                raise DataError(f"variable {v!r} has duplicate state names: {ss}")
        missing = [v for v in self.states if v not in cpts]
        if missing:
            raise DataError(f"no CPT given for variables {missing}")
        extra = [v for v in cpts if v not in self.states]
        if extra:
            raise NodeNotFound(f"CPTs given for unknown variables {extra}")
        self.cpts = {}
        for v in self.states:
            parents, table = cpts[v]
            parents = tuple(str(p) for p in parents)
            for p in parents:
                if p not in self.states:
                    raise NodeNotFound(f"CPT of {v!r} names parent {p!r}, which is not a variable")
            if len(set(parents)) != len(parents) or v in parents:
                raise GraphError(f"CPT of {v!r} has repeated parents or itself as parent: {parents}")
            shape = tuple(len(self.states[p]) for p in parents) + (len(self.states[v]),)
            t = np.asarray(table, dtype=float)
            if t.shape != shape:
                raise DataError(
                    f"CPT of {v!r} must have shape {shape} (parents {parents}, then {v!r}); "
                    f"got {t.shape}"
                )
            if not np.all(np.isfinite(t)) or np.any(t < 0):
                raise DataError(f"CPT of {v!r} has negative, NaN or inf entries")
            sums = t.sum(axis=-1)
            bad = np.abs(sums - 1.0) > ROW_SUM_TOL
            if np.any(bad):
                idx = tuple(int(i) for i in np.argwhere(bad)[0])
                cfg = {p: self.states[p][i] for p, i in zip(parents, idx)}
                raise DataError(
                    f"CPT of {v!r}: the row for parents {cfg} sums to {float(sums[idx]):.6g}, not 1"
                )
            self.cpts[v] = CPT(parents, t / sums[..., None])
        edges = [(p, v) for v in self.states for p in self.cpts[v].parents]
        graph = CausalGraph(list(self.states), edges, kind="dag")
        if not graph.is_acyclic():
            raise GraphError(f"the parent sets of network {self.name!r} contain a directed cycle")
        self.graph = graph
        self._order = graph.topological_order()

    # ------------------------------------------------------------------ basics
    @property
    def nodes(self):
        """tuple of str : the variables, in file order."""
        return self.graph.nodes

    def cardinality(self, variable):
        """Number of states of ``variable``."""
        return len(self.states[self._check(variable)])

    def _check(self, v):
        if v not in self.states:
            raise NodeNotFound(f"{v!r} is not a variable of network {self.name!r}; "
                               f"variables: {list(self.states)}")
        return v

    def __repr__(self):
        return (f"BayesianNetwork({self.name!r}, {len(self.states)} variables, "
                f"{self.graph.n_edges} edges)")

    # ------------------------------------------------------------------ sampling
    def sample(self, n, seed=None):
        """Draw ``n`` independent samples by ancestral sampling.

        Variables are drawn in topological order; for each, the CPT rows of
        all samples' parent configurations are gathered at once and one
        uniform number per sample picks the state (inverse CDF), so the cost
        is ``O(n * n_variables)`` numpy work.

        Parameters
        ----------
        n : int
            Number of samples (>= 1).
        seed : None, int or numpy.random.SeedSequence

        Returns
        -------
        Dataset
            ``data``: one ``pandas.Categorical`` column per variable (in
            node order) with categories ``states[variable]``; ``graph``: the
            network's DAG; ``metadata``: ``generator="bif"``, ``network``,
            ``params`` (``n``, ``seed``), ``seed`` record and ``source``
            (the file, when loaded by :func:`load_bif`).
        """
        n = check_int(n, "n", 1)
        ss = seed_sequence(seed)
        rng = np.random.default_rng(ss)
        u = rng.random((n, len(self._order)))
        codes = {}
        for k, v in enumerate(self._order):
            parents, table = self.cpts[v]
            card = table.shape[-1]
            rows = table.reshape(-1, card)
            if parents:
                idx = np.ravel_multi_index([codes[p] for p in parents], table.shape[:-1])
                cdf = np.cumsum(rows[idx], axis=1)
            else:
                cdf = np.broadcast_to(np.cumsum(rows[0]), (n, card))
            c = (u[:, k, None] > cdf[:, :-1]).sum(axis=1)
            codes[v] = c.astype(np.int64 if card > 127 else np.int8)
        data = pd.DataFrame({
            v: pd.Categorical.from_codes(codes[v], categories=self.states[v]) for v in self.nodes
        })
        metadata = {
            "generator": "bif",
            "network": self.name,
            "params": {"n": n, "seed": regeneration_seed(ss)},
            "seed": seed_record(ss),
        }
        if getattr(self, "source", None):
            metadata["source"] = str(self.source)
        return Dataset(data, graph=self.graph, metadata=metadata)

    # ------------------------------------------------------------------ exact inference
    def query(self, variables, evidence=None):
        """Exact posterior ``P(variables | evidence)`` by variable elimination.

        Parameters
        ----------
        variables : str or list of str
            Query variables.
        evidence : dict, optional
            ``{variable: state name}``.

        Returns
        -------
        Series
            Probabilities indexed by the states of ``variables`` (a
            MultiIndex for several), summing to one.

        Raises
        ------
        NodeNotFound
            For an unknown variable.
        DataError
            For an unknown state, a variable both queried and observed, or
            evidence of probability zero.

        Notes
        -----
        Variables that are not ancestors of the query or evidence variables
        are dropped first (they sum out to one); the rest are eliminated
        greedily, each time the variable whose elimination creates the
        smallest factor.
        """
        qvars = [variables] if isinstance(variables, str) else list(variables)
        if not qvars:
            raise DataError("variables must name at least one variable")
        for v in qvars:
            self._check(v)
        evidence = dict(evidence or {})
        ev = {}
        for v, s in evidence.items():
            self._check(v)
            if v in qvars:
                raise DataError(f"{v!r} is both a query variable and evidence")
            if s not in self.states[v]:
                raise DataError(f"evidence {v}={s!r}: unknown state; valid: {self.states[v]}")
            ev[v] = self.states[v].index(s)
        keep = set(qvars) | set(ev)
        for v in list(keep):
            keep |= set(self.graph.ancestors(v))
        factors = []
        for v in self.nodes:
            if v not in keep:
                continue
            parents, table = self.cpts[v]
            fvars = list(parents) + [v]
            idx = tuple(ev.get(x, slice(None)) for x in fvars)
            factors.append(([x for x in fvars if x not in ev], table[idx]))
        result_vars, result = _eliminate(factors, [v for v in keep if v not in ev and v not in qvars])
        # result holds the query variables in some order; bring them to qvars order
        result = np.transpose(result, [result_vars.index(v) for v in qvars])
        total = result.sum()
        if total <= 0:
            raise DataError(f"the evidence {evidence} has probability zero")
        probs = (result / total).ravel()
        if len(qvars) == 1:
            index = pd.Index(self.states[qvars[0]], name=qvars[0])
        else:
            index = pd.MultiIndex.from_product([self.states[v] for v in qvars], names=qvars)
        return pd.Series(probs, index=index, name="probability")

    def marginal(self, variable):
        """Exact marginal distribution of one variable (a Series over its states)."""
        return self.query([variable])

    # ------------------------------------------------------------------ writing
    def to_bif(self):
        """The network as BIF text (rows form), readable by :func:`parse_bif`."""
        lines = [f"network {self.name} {{", "}"]
        for v, ss in self.states.items():
            lines += [f"variable {v} {{", f"  type discrete [ {len(ss)} ] {{ {', '.join(ss)} }};", "}"]
        for v in self.nodes:
            parents, table = self.cpts[v]
            if not parents:
                lines += [f"probability ( {v} ) {{",
                          "  table " + ", ".join(repr(float(p)) for p in table) + ";", "}"]
                continue
            lines.append(f"probability ( {v} | {', '.join(parents)} ) {{")
            for cfg in itertools.product(*(range(len(self.states[p])) for p in parents)):
                names = ", ".join(self.states[p][i] for p, i in zip(parents, cfg))
                lines.append(f"  ({names}) " + ", ".join(repr(float(p)) for p in table[cfg]) + ";")
            lines.append("}")
        return "\n".join(lines) + "\n"


def _eliminate(factors, elim):
    """Multiply ``factors`` ([(vars, array)]) and sum out ``elim``; returns (vars, array)."""
    factors = [(list(vs), np.asarray(t)) for vs, t in factors]
    elim = set(elim)
    while elim:
        # greedy: the variable whose elimination builds the smallest intermediate factor
        best, best_size = None, None
        for v in elim:
            scope = set()
            for vs, t in factors:
                if v in vs:
                    scope.update(zip(vs, t.shape))
            size = np.prod([c for _, c in scope]) if scope else 0
            if best is None or size < best_size:
                best, best_size = v, size
        involved = [f for f in factors if best in f[0]]
        factors = [f for f in factors if best not in f[0]]
        out_vars = sorted({x for vs, _ in involved for x in vs if x != best})
        factors.append((out_vars, _einsum(involved, out_vars)))
        elim.discard(best)
    out_vars = sorted({x for vs, _ in factors for x in vs})
    return out_vars, _einsum(factors, out_vars)


def _einsum(factors, out_vars):
    labels = {}
    args = []
    for vs, t in factors:
        args += [t, [labels.setdefault(x, len(labels)) for x in vs]]
    for x in out_vars:
        labels.setdefault(x, len(labels))
    if not args:
        return np.ones(())
    return np.einsum(*args, [labels[x] for x in out_vars], optimize=len(factors) > 2)


# ============================================================================ parser
_TOKEN = re.compile(r"\s+|[{}\[\]();]|[,|]|[^\s{}\[\]();,|]+")


class _Tokens:
    def __init__(self, text, source):
        self.source = source
        text = _strip_comments(text)
        self.toks = []  # (token, line)
        line = 1
        for m in _TOKEN.finditer(text):
            tok = m.group()
            if tok.isspace():
                line += tok.count("\n")
                continue
            if tok in (",", "|"):  # separators the format ignores between tokens
                continue
            self.toks.append((tok, line))
        self.i = 0

    def error(self, msg, line=None):
        if line is None:
            line = self.toks[min(self.i, len(self.toks) - 1)][1] if self.toks else 1
        return DataError(f"{self.source}, line {line}: {msg}")

    def peek(self):
        return self.toks[self.i][0] if self.i < len(self.toks) else None

    def line(self):
        return self.toks[min(self.i, len(self.toks) - 1)][1] if self.toks else 1

    def next(self, what="a token"):
        if self.i >= len(self.toks):
            raise self.error(f"unexpected end of file, expected {what}")
        tok = self.toks[self.i]
        self.i += 1
        return tok[0]

    def expect(self, want):
        line = self.line()
        tok = self.next(repr(want))
        if tok != want:
            raise self.error(f"expected {want!r}, got {tok!r}", line)

    def until(self, stop):
        """Tokens up to (not including) ``stop``, which is consumed."""
        out = []
        while True:
            tok = self.next(repr(stop))
            if tok == stop:
                return out
            out.append(tok)


def _strip_comments(text):
    # keep newlines inside block comments so line numbers stay right
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group().count("\n"), text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def _number(tokens, tok, line):
    try:
        return float(tok)
    except ValueError:
        raise tokens.error(f"expected a probability, got {tok!r}", line) from None


def _check_row(tokens, child, probs, line, what="a row"):
    p = np.asarray(probs)
    if np.any(p < 0) or not np.all(np.isfinite(p)):
        raise tokens.error(f"{child!r}: {what} has negative or non-finite probabilities", line)
    total = p.sum(axis=-1)
    if np.any(np.abs(total - 1.0) > ROW_SUM_TOL):
        bad = float(np.ravel(total)[np.argmax(np.abs(np.ravel(total) - 1.0))])
        raise tokens.error(f"{child!r}: {what} sums to {bad:.6g}, not 1", line)


def parse_bif(text, source="<string>"):
    """Parse BIF text into a :class:`BayesianNetwork`.

    Parameters
    ----------
    text : str
        The contents of a BIF file.
    source : str
        Name used in error messages.

    Returns
    -------
    BayesianNetwork

    Raises
    ------
    DataError
        For malformed input; the message names ``source`` and the line.
    """
    tk = _Tokens(text, source)
    name = "unknown"
    states = {}
    rows = {}  # variable -> (parents, {config tuple: probs}, table, default, line)
    while tk.peek() is not None:
        line = tk.line()
        kw = tk.next()
        if kw == "network":
            words = tk.until("{")
            if words:
                name = " ".join(words).strip('"')
            _skip_block(tk)
        elif kw == "variable":
            var = tk.next("a variable name")
            tk.expect("{")
            var_states = None
            while tk.peek() != "}":
                if tk.peek() is None:
                    raise tk.error(f"variable {var!r}: missing '}}'")
                item_line = tk.line()
                item = tk.next()
                if item == "type":
                    kind = tk.next("'discrete'")
                    if kind != "discrete":
                        raise tk.error(f"variable {var!r}: only discrete variables are supported, "
                                       f"got type {kind!r}", item_line)
                    tk.expect("[")
                    card_tok = tk.next("the number of states")
                    tk.expect("]")
                    tk.expect("{")
                    var_states = tk.until("}")
                    tk.expect(";")
                    try:
                        card = int(card_tok)
                    except ValueError:
                        raise tk.error(f"variable {var!r}: the number of states must be an integer, "
                                       f"got {card_tok!r}", item_line) from None
                    if card != len(var_states):
                        raise tk.error(f"variable {var!r} declares {card} states but lists "
                                       f"{len(var_states)}: {var_states}", item_line)
                elif item == "property":
                    tk.until(";")
                else:
                    raise tk.error(f"variable {var!r}: unexpected {item!r} (expected 'type' or "
                                   f"'property')", item_line)
            tk.expect("}")
            if var_states is None:
                raise tk.error(f"variable {var!r} has no 'type discrete' line", line)
            if var in states:
                raise tk.error(f"variable {var!r} is declared twice", line)
            states[var] = var_states
        elif kw == "probability":
            tk.expect("(")
            names = tk.until(")")
            if not names:
                raise tk.error("probability block names no variable", line)
            child, parents = names[0], tuple(names[1:])
            for v in names:
                if v not in states:
                    raise tk.error(f"probability block names {v!r}, which has no variable block "
                                   f"before it", line)
            if child in rows:
                raise tk.error(f"a second probability block for {child!r}", line)
            card = len(states[child])
            cfg_rows, table, default = {}, None, None
            tk.expect("{")
            while tk.peek() != "}":
                if tk.peek() is None:
                    raise tk.error(f"probability block of {child!r}: missing '}}'")
                item_line = tk.line()
                item = tk.next()
                if item == "(":
                    cfg = tuple(tk.until(")"))
                    if len(cfg) != len(parents):
                        raise tk.error(f"{child!r}: a row names {len(cfg)} parent states, "
                                       f"expected {len(parents)} ({', '.join(parents)})", item_line)
                    idx = []
                    for p, s in zip(parents, cfg):
                        if s not in states[p]:
                            raise tk.error(f"{child!r}: {s!r} is not a state of parent {p!r} "
                                           f"(states: {states[p]})", item_line)
                        idx.append(states[p].index(s))
                    probs = [_number(tk, t, item_line) for t in tk.until(";")]
                    if len(probs) != card:
                        raise tk.error(f"{child!r}: a row has {len(probs)} probabilities, "
                                       f"expected {card}", item_line)
                    _check_row(tk, child, probs, item_line)
                    if tuple(idx) in cfg_rows:
                        raise tk.error(f"{child!r}: parent configuration {cfg} given twice", item_line)
                    cfg_rows[tuple(idx)] = probs
                elif item in ("table", "default"):
                    probs = [_number(tk, t, item_line) for t in tk.until(";")]
                    if item == "default":
                        if len(probs) != card:
                            raise tk.error(f"{child!r}: default row has {len(probs)} "
                                           f"probabilities, expected {card}", item_line)
                        _check_row(tk, child, probs, item_line, "the default row")
                        default = probs
                    else:
                        need = card * int(np.prod([len(states[p]) for p in parents]))
                        if len(probs) != need:
                            raise tk.error(f"{child!r}: table has {len(probs)} entries, "
                                           f"expected {need}", item_line)
                        rows_view = np.moveaxis(np.reshape(probs, (card, -1)), 0, -1)
                        _check_row(tk, child, rows_view, item_line, "a row of the table")
                        table = probs
                elif item == "property":
                    tk.until(";")
                else:
                    raise tk.error(f"probability block of {child!r}: unexpected {item!r}", item_line)
            tk.expect("}")
            rows[child] = (parents, cfg_rows, table, default, line)
        elif kw == "property":
            tk.until(";")
        else:
            raise tk.error(f"expected 'network', 'variable' or 'probability', got {kw!r}", line)

    if not states:
        raise DataError(f"{source}: no variable blocks found; is this a BIF file?")
    cpts = {}
    for v in states:
        if v not in rows:
            raise DataError(f"{source}: variable {v!r} has no probability block")
        parents, cfg_rows, table, default, line = rows[v]
        pcards = tuple(len(states[p]) for p in parents)
        card = len(states[v])
        if table is not None:
            # child slowest, last parent fastest
            arr = np.asarray(table).reshape((card,) + pcards)
            arr = np.moveaxis(arr, 0, -1)
        else:
            arr = np.full(pcards + (card,), np.nan)
            for idx, probs in cfg_rows.items():
                arr[idx] = probs
            missing = np.isnan(arr[..., 0])
            if np.any(missing):
                if default is None:
                    idx = tuple(int(i) for i in np.argwhere(missing)[0])
                    cfg = ", ".join(states[p][i] for p, i in zip(parents, idx))
                    raise DataError(f"{source}, line {line}: probability block of {v!r} has no row "
                                    f"for parent states ({cfg}) and no default")
                arr[missing] = default
        try:
            cpts[v] = CPT(parents, arr)
            BayesianNetwork({p: states[p] for p in parents + (v,)}, {
                **{p: ((), np.full(len(states[p]), 1.0 / len(states[p]))) for p in parents},
                v: (parents, arr)})
        except DataError as e:
            raise DataError(f"{source}, line {line}: {e}") from None
    try:
        return BayesianNetwork(states, cpts, name=name)
    except GraphError as e:
        raise DataError(f"{source}: {e}") from None


def _skip_block(tk):
    depth = 1
    while depth:
        tok = tk.next("'}'")
        depth += {"{": 1, "}": -1}.get(tok, 0)


def load_bif(path):
    """Read a discrete Bayesian network from a BIF file (plain or gzip).

    Parameters
    ----------
    path : str or Path
        A ``.bif`` or ``.bif.gz`` file (gzip is detected from the content).

    Returns
    -------
    BayesianNetwork
        With ``.graph`` (CausalGraph DAG), ``.states``, ``.cpts`` (see
        :class:`CPT`), ``.sample(n, seed)`` and ``.query(...)``; ``.source``
        is the path.

    Raises
    ------
    DataError
        If the file does not exist or is malformed; the message names the
        file and the line.

    References
    ----------
    Cozman, F. G. (1998). The Interchange Format for Bayesian Networks.
    Scutari, M. bnlearn Bayesian network repository.

    Examples
    --------
    >>> net = load_bif("/work/shared/data/bnlearn/asia.bif.gz")  # doctest: +SKIP
    >>> net.cpts["either"].parents  # doctest: +SKIP
    ('lung', 'tub')
    """
    p = Path(path)
    if not p.is_file():
        raise DataError(f"path: no such BIF file: {p}")
    raw = p.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as e:
            raise DataError(f"{p}: corrupt gzip data ({e})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    net = parse_bif(text, source=str(p))
    if net.name == "unknown":  # bnlearn's files all say "network unknown"
        net.name = p.name.split(".")[0]
    net.source = str(p)
    return net
