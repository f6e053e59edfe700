import gzip
import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from causalkit.exceptions import DataError, GraphError
from causalkit.generators import BayesianNetwork, load_bif, parse_bif

# ../shared beside the checkout (as in CI)
DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "bnlearn"
# (nodes, edges) of the bnlearn repository networks
SIZES = {
    "asia": (8, 8), "cancer": (5, 4), "earthquake": (5, 4), "survey": (6, 6),
    "sachs": (11, 17), "child": (20, 25), "insurance": (27, 52), "alarm": (37, 46),
}
FILES = sorted(DATA.glob("*.bif.gz"))
pytestmark = pytest.mark.skipif(not FILES, reason="bnlearn data not available")


@pytest.fixture(scope="module")
def nets():
    return {f.name.split(".")[0]: load_bif(f) for f in FILES}


def test_every_file_is_covered():
    assert {f.name.split(".")[0] for f in FILES} == set(SIZES)


@pytest.mark.parametrize("name", sorted(SIZES))
def test_structure_and_cpts(nets, name):
    net = nets[name]
    assert (len(net.nodes), net.graph.n_edges) == SIZES[name]
    assert net.graph.kind == "dag" and net.name == name
    for v, (parents, table) in net.cpts.items():
        assert set(parents) == set(net.graph.parents(v))
        assert table.shape == tuple(len(net.states[p]) for p in parents) + (len(net.states[v]),)
        np.testing.assert_allclose(table.sum(axis=-1), 1.0, atol=1e-12)
        assert (table >= 0).all()


def _brute_force_joint(net):
    """The full joint table by enumeration (small networks only)."""
    names = list(net.nodes)
    joint = np.ones([len(net.states[v]) for v in names])
    for cfg in itertools.product(*(range(len(net.states[v])) for v in names)):
        val = dict(zip(names, cfg))
        p = 1.0
        for v in names:
            parents, table = net.cpts[v]
            p *= table[tuple(val[u] for u in parents) + (val[v],)]
        joint[cfg] = p
    return names, joint


@pytest.mark.parametrize("name", ["asia", "cancer", "earthquake", "survey"])
def test_exact_queries_match_enumeration(nets, name):
    net = nets[name]
    names, joint = _brute_force_joint(net)
    assert joint.sum() == pytest.approx(1.0)
    for i, v in enumerate(names):
        m = joint.sum(axis=tuple(k for k in range(len(names)) if k != i))
        np.testing.assert_allclose(net.marginal(v).to_numpy(), m, atol=1e-12)
    # a posterior with evidence on the last variable, for the first two
    q, e = names[:2], names[-1]
    ev_state = net.states[e][0]
    sub = np.take(joint, 0, axis=len(names) - 1)
    sub = sub.sum(axis=tuple(range(2, len(names) - 1)))
    got = net.query(q, evidence={e: ev_state})
    np.testing.assert_allclose(got.to_numpy(), (sub / sub.sum()).ravel(), atol=1e-12)
    assert list(got.index.names) == q


@pytest.mark.parametrize("name", sorted(SIZES))
def test_empirical_marginals_match_exact(nets, name):
    net = nets[name]
    n = 20000
    ds = net.sample(n, seed=1)
    assert list(ds.data.columns) == list(net.nodes)
    assert ds.graph == net.graph
    for v in net.nodes:
        col = ds.data[v]
        assert isinstance(col.dtype, pd.CategoricalDtype)
        assert list(col.cat.categories) == net.states[v]
        emp = col.value_counts(normalize=True).reindex(net.states[v]).to_numpy()
        exact = net.marginal(v).to_numpy()
        sd = np.sqrt(exact * (1 - exact) / n)
        assert np.all(np.abs(emp - exact) <= 5 * sd + 1e-12), v


def test_sampled_conditionals_follow_the_cpt(nets):
    net = nets["asia"]
    x = net.sample(40000, seed=2).data
    # P(either = yes | lung, tub) is the logical OR table
    table = pd.crosstab([x["lung"], x["tub"]], x["either"], normalize="index")
    for (lung, tub), row in table.iterrows():
        want = 1.0 if "yes" in (lung, tub) else 0.0
        assert row["yes"] == pytest.approx(want)


def test_sampling_is_seeded(nets):
    net = nets["sachs"]
    a, b, c = net.sample(500, seed=3), net.sample(500, seed=3), net.sample(500, seed=4)
    pd.testing.assert_frame_equal(a.data, b.data)
    assert not a.data.equals(c.data)
    assert a.metadata["network"] == "sachs" and a.metadata["params"] == {"n": 500, "seed": 3}


def test_cpts_agree_with_pgmpy(tmp_path, nets):
    pgmpy_bif = pytest.importorskip("pgmpy.readwrite")
    for name in ["asia"]:  # pgmpy takes seconds to import and parse; one net is enough here
        plain = tmp_path / f"{name}.bif"
        plain.write_bytes(gzip.decompress((DATA / f"{name}.bif.gz").read_bytes()))
        model = pgmpy_bif.BIFReader(str(plain)).get_model()
        net = nets[name]
        for cpd in model.get_cpds():
            v = cpd.variable
            parents, table = net.cpts[v]
            theirs_parents = list(cpd.variables[1:])
            assert set(theirs_parents) == set(parents)
            # pgmpy: values[child state, parent 1, parent 2, ...] in its own state order
            vals = cpd.values
            order = [cpd.state_names[u] for u in cpd.variables]
            vals = vals[np.ix_(*[[o.index(s) for s in net.states[u]] for u, o in zip(cpd.variables, order)])]
            vals = np.moveaxis(vals, 0, -1)
            vals = np.transpose(vals, [theirs_parents.index(p) for p in parents] + [len(parents)])
            np.testing.assert_allclose(table, vals, atol=1e-6)


@pytest.mark.parametrize("name", sorted(SIZES))
def test_every_row_of_the_file_is_in_the_cpt(nets, name):
    # an independent line-by-line reading of the file, by regular expressions
    import re

    net = nets[name]
    text = gzip.decompress((DATA / f"{name}.bif.gz").read_bytes()).decode()
    n_rows = 0
    for block in re.finditer(r"probability \( (\S+) (?:\| ([^)]*))?\) \{(.*?)\}", text, re.S):
        child, parents = block.group(1), block.group(2)
        parents = [p.strip() for p in parents.split(",")] if parents else []
        assert list(net.cpts[child].parents) == parents
        for row in re.finditer(r"\(([^)]*)\)([^;]*);|table([^;]*);", block.group(3)):
            if row.group(3) is not None:
                idx = ()
                probs = [float(p) for p in row.group(3).split(",")]
            else:
                cfg = [s.strip() for s in row.group(1).split(",")]
                idx = tuple(net.states[p].index(s) for p, s in zip(parents, cfg))
                probs = [float(p) for p in row.group(2).split(",")]
            np.testing.assert_allclose(net.cpts[child].table[idx], probs, atol=1e-6)
            n_rows += 1
    assert n_rows == sum(int(np.prod(t.shape[:-1])) for _, t in net.cpts.values())


def test_round_trip_through_bif_text(nets):
    net = nets["insurance"]
    back = parse_bif(net.to_bif())
    assert back.graph == net.graph and back.states == net.states
    for v in net.nodes:
        assert back.cpts[v].parents == net.cpts[v].parents
        np.testing.assert_allclose(back.cpts[v].table, net.cpts[v].table, atol=1e-15)


def test_plain_file_comments_table_and_default(tmp_path):
    text = """// a comment
network "tiny" { property version 1; }
variable A { type discrete [ 2 ] { a0, a1 }; property p q; }
variable B { type discrete [ 3 ] { b0, b1, b2 }; }
/* block
comment */
probability ( A ) { table 0.3, 0.7; }
probability ( B | A ) {
  (a1) 0.1, 0.2, 0.7;
  default 0.5, 0.25, 0.25;
}
"""
    path = tmp_path / "tiny.bif"
    path.write_text(text)
    net = load_bif(path)
    assert net.name == "tiny"
    np.testing.assert_allclose(net.cpts["B"].table, [[0.5, 0.25, 0.25], [0.1, 0.2, 0.7]])
    np.testing.assert_allclose(net.marginal("B").to_numpy(), 0.3 * np.array([0.5, 0.25, 0.25])
                               + 0.7 * np.array([0.1, 0.2, 0.7]))
    # a table with parents: child state slowest, parent fastest
    t2 = text.replace("(a1) 0.1, 0.2, 0.7;\n  default 0.5, 0.25, 0.25;", "table 0.5, 0.1, 0.25, 0.2, 0.25, 0.7;")
    np.testing.assert_allclose(parse_bif(t2).cpts["B"].table, [[0.5, 0.25, 0.25], [0.1, 0.2, 0.7]])


GOOD = """network x {
}
variable A {
  type discrete [ 2 ] { y, n };
}
variable B {
  type discrete [ 2 ] { y, n };
}
probability ( A ) {
  table 0.4, 0.6;
}
probability ( B | A ) {
  (y) 0.9, 0.1;
  (n) 0.2, 0.8;
}
"""


@pytest.mark.parametrize(
    "old, new, line, word",
    [
        ("(n) 0.2, 0.8;", "(n) 0.2, 0.7;", 14, "sums to"),
        ("(n) 0.2, 0.8;", "(n) 0.2;", 14, "1 probabilities, expected 2"),
        ("(n) 0.2, 0.8;", "(m) 0.2, 0.8;", 14, "not a state of parent 'A'"),
        ("(n) 0.2, 0.8;", "(n) 0.2, x8;", 14, "expected a probability"),
        ("(n) 0.2, 0.8;", "", 12, "no row for parent states \\(n\\)"),
        ("[ 2 ] { y, n };\n}\nvariable B", "[ 3 ] { y, n };\n}\nvariable B", 4, "declares 3 states"),
        ("probability ( B | A )", "probability ( B | C )", 12, "'C'"),
        ("table 0.4, 0.6;", "table 0.4, 0.6", 10, "expected a probability, got '}'"),
        ("variable A {", "varible A {", 3, "expected 'network', 'variable' or 'probability'"),
    ],
)
def test_malformed_files_name_the_line(tmp_path, old, new, line, word):
    assert old in GOOD
    path = tmp_path / "bad.bif"
    path.write_text(GOOD.replace(old, new, 1))
    with pytest.raises(DataError, match=rf"bad.bif, line {line}: .*{word}"):
        load_bif(path)


def test_missing_file_and_cycles(tmp_path):
    with pytest.raises(DataError, match="no such BIF file"):
        load_bif(tmp_path / "nope.bif")
    with pytest.raises(GraphError, match="cycle"):
        ident = [[1, 0], [0, 1]]
        BayesianNetwork({v: ["0", "1"] for v in "abc"},
                        {"a": (("c",), ident), "b": (("a",), ident), "c": (("b",), ident)})


def test_query_errors(nets):
    net = nets["asia"]
    with pytest.raises(DataError, match="unknown state"):
        net.query("lung", evidence={"smoke": "maybe"})
    with pytest.raises(DataError, match="probability zero"):
        # either is a deterministic OR: tub = yes and either = no is impossible
        net.query("lung", evidence={"tub": "yes", "either": "no"})
    with pytest.raises(KeyError):
        net.marginal("nosuchvar")
