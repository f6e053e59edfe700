"""Axiomatic-training transformer: tokenizer, data generator, exact checker, shipped weights."""

import glob
import hashlib
import json
import os
import subprocess
import sys

import networkx as nx
import numpy as np
import pytest

from causalkit.exceptions import DataError, NodeNotFound
from causalkit.learned.axiomatic_data import (
    chain_d_separated,
    chain_reachable,
    generate,
    random_names,
    sample_chain,
)
from causalkit.learned.tokenizer import WORDS, AxiomTokenizer
from causalkit.reasoning.symbolic import check_statement, parse_statement

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EVAL_DIR = os.path.join(os.path.dirname(ROOT), "shared", "data", "axiomatic_eval")
needs_eval = pytest.mark.skipif(not os.path.isdir(EVAL_DIR), reason="../shared/data/axiomatic_eval not present")


def _read(path):
    with open(path) as fh:
        return [json.loads(line) for line in fh]


# ------------------------------------------------------------------------------------------ tokenizer
def test_tokenizer_words_are_single_tokens_and_names_are_characters():
    tok = AxiomTokenizer()
    assert tok.tokens("EX causes T9. Does EX cause T9?") == [
        "E", "X", "causes", "T", "9", ".", "Does", "E", "X", "cause", "T", "9", "?"]
    toks = tok.tokens("Are ab and c d-separated given {x, yz}?")
    assert toks[:4] == ["Are", "a", "b", "and"] and "d-separated" in toks
    assert list("given") == toks[toks.index("d-separated") + 1: toks.index("d-separated") + 6]
    for w in WORDS:
        assert len(tok.tokens(w)) == 1
    # a word inside a longer name is not a word
    assert tok.tokens("noX causes andy.")[:3] == ["n", "o", "X"]


@needs_eval
def test_tokenizer_round_trips_every_evaluation_text():
    tok = AxiomTokenizer()
    n = 0
    for path in glob.glob(os.path.join(EVAL_DIR, "*", "*.jsonl")):
        for d in _read(path)[::5]:
            assert tok.decode(tok.encode(d["text"])) == d["text"]
            n += 1
    assert n > 4000


def test_tokenizer_model_inputs_split_yes_no_names_and_start_with_bos():
    tok = AxiomTokenizer()
    ids, lengths = tok.encode_batch(["no causes B. Does no cause B?", "A causes B. Does A cause B?"])
    assert ids.shape == (2, int(lengths.max())) and ids[0, 0] == tok.bos_id
    assert tok.token_to_id["no"] not in ids[0, : lengths[0]]
    assert tok.decode(ids[0]) == "no causes B. Does no cause B?"
    assert (ids[1, lengths[1]:] == tok.pad_id).all()
    with pytest.raises(ValueError, match="outside"):
        tok.encode("A causes \u00e9.")


# ----------------------------------------------------------------------------------------------- data
def test_chain_oracles_match_networkx():
    rng = np.random.default_rng(3)
    for _ in range(300):
        n = int(rng.integers(3, 8))
        fw = sample_chain(n, rng, 0.5)
        g = nx.DiGraph()
        g.add_nodes_from(range(n))
        g.add_edges_from((e, e + 1) if fw[e] else (e + 1, e) for e in range(n - 1))
        i, j = (int(v) for v in rng.choice(n, 2, replace=False))
        assert chain_reachable(fw, i, j) == nx.has_path(g, i, j)
        others = [m for m in range(n) if m not in (i, j)]
        z = {int(v) for v in rng.choice(others, int(rng.integers(0, len(others) + 1)), replace=False)}
        assert chain_d_separated(fw, i, j, z) == nx.is_d_separator(g, {i}, {j}, z)


@pytest.mark.parametrize("task", ["transitivity", "dseparation"])
def test_generator_is_balanced_labelled_exactly_and_reproducible(task):
    texts, labels = generate(task, 400, seed=11)
    assert len(texts) == 400 and abs(labels.count("Yes") - 200) <= 10
    assert [check_statement(t) for t in texts] == labels
    assert generate(task, 50, seed=11) == (texts[:50], labels[:50])
    for t in texts[:100]:
        names = parse_statement(t).nodes
        assert len(set(names)) == len(names)
        assert all(1 <= len(x) <= 3 and x.lower() not in WORDS for x in names)


@pytest.mark.parametrize("task", ["transitivity", "dseparation"])
def test_distractor_chains_lengthen_the_premise_without_changing_the_labels(task):
    texts, labels = generate(task, 300, seed=5, lengths=(3, 6), distractors=(1, 2))
    # the exact checker reads the whole premise (distractors included): the labels are still right
    assert [check_statement(t) for t in texts] == labels
    assert abs(labels.count("Yes") - 150) <= 10
    plain, _ = generate(task, 300, seed=5, lengths=(3, 6))
    n_sentences = [len(parse_statement(t).edges) for t in texts]
    assert min(n_sentences) >= 4 and max(n_sentences) > max(len(parse_statement(t).edges) for t in plain)
    for t in texts[:100]:
        st = parse_statement(t)
        g = st.graph()
        comps = list(nx.weakly_connected_components(g))
        assert 2 <= len(comps) <= 3 and len(set(st.nodes)) == len(st.nodes)
        # every component is a chain of 3-6 nodes: a path graph once directions are dropped
        assert all(3 <= len(c) <= 6 and nx.is_isomorphic(g.subgraph(c).to_undirected(), nx.path_graph(len(c)))
                   for c in comps)
        asked = [c for c in comps if st.x in c]
        assert st.y in asked[0]  # questions are about one chain
    for bad in [(2, 1), 2, ("a", "b"), (-1, 1)]:
        with pytest.raises(DataError, match="distractors"):
            generate(task, 10, distractors=bad)


def test_random_names_lengths_and_reserved_words():
    rng = np.random.default_rng(0)
    names = random_names(300, rng, 8, 10)
    assert len(set(names)) == 300 and all(8 <= len(x) <= 10 for x in names)
    short = random_names(3000, rng, 1, 3)
    assert not {x.lower() for x in short} & {w.lower() for w in WORDS}


def _has_affix_pair(names):
    return any(a != b and (b.startswith(a) or b.endswith(a)) for a in names for b in names)


def test_confusable_names_make_prefix_and_suffix_pairs():
    rng = np.random.default_rng(3)
    near = random_names(400, rng, 1, 3, confusable=0.5)
    assert len(set(near)) == 400 and all(1 <= len(x) <= 3 for x in near)
    assert not {x.lower() for x in near} & {w.lower() for w in WORDS}
    # in instance-sized sets (8 names), a name that is another's prefix or suffix is common with
    # confusable names and uncommon with independent ones (62 symbols)
    near_sets = [random_names(8, rng, 1, 3, confusable=0.5) for _ in range(300)]
    plain_sets = [random_names(8, rng, 1, 3) for _ in range(300)]
    share_near = np.mean([_has_affix_pair(x) for x in near_sets])
    share_plain = np.mean([_has_affix_pair(x) for x in plain_sets])
    assert share_near > 0.9 and share_plain < 0.5, (share_near, share_plain)
    with pytest.raises(DataError, match="confusable"):
        random_names(3, rng, confusable=1.5)
    # no near name fits when every name has one length: independent names instead, no endless loop
    same = random_names(20, rng, 2, 2, confusable=1.0)
    assert len(set(same)) == 20 and all(len(x) == 2 for x in same)


@pytest.mark.parametrize("task", ["transitivity", "dseparation"])
def test_generator_confusable_names_keep_exact_labels(task):
    texts, labels = generate(task, 300, seed=8, lengths=(4, 6), confusable_names=1.0)
    assert [check_statement(t) for t in texts] == labels  # names stay distinct words for the parser
    per_premise = {t.rsplit(". ", 1)[0]: set(parse_statement(t).nodes) for t in texts}
    assert sum(_has_affix_pair(n) for n in per_premise.values()) > 0.6 * len(per_premise)
    plain, _ = generate(task, 300, seed=8, lengths=(4, 6))
    base = {t.rsplit(". ", 1)[0]: set(parse_statement(t).nodes) for t in plain}
    assert sum(_has_affix_pair(n) for n in base.values()) < 0.5 * len(base)
    # the default stream is the one before confusable names existed (digests of the session-3 generator;
    # earlier pools and validation sets depend on it)
    t, y = generate(task, 200, seed=8, lengths=(3, 6), distractors=(0, 2))
    digest = hashlib.sha256(("\n".join(t) + "|" + ",".join(y)).encode()).hexdigest()[:16]
    assert digest == {"transitivity": "0c652067bb6dae65", "dseparation": "36298772843c40dd"}[task]
    with pytest.raises(DataError, match="confusable_names"):
        generate(task, 10, confusable_names=-0.1)


# -------------------------------------------------------------------------------------- exact checker
def test_check_statement_answers():
    assert check_statement("A causes B. B causes C. Does A cause C?") == "Yes"
    assert check_statement("A causes B. B causes C. Does C cause A?") == "No"
    assert check_statement("A causes B. C causes B. Are A and C d-separated?") == "Yes"
    assert check_statement("A causes B. C causes B. Are A and C d-separated given {B}?") == "No"
    assert check_statement("A causes B. B causes C. Are A and C d-separated given {B}?") == "Yes"
    assert check_statement("B causes A. B causes C. C causes D. Are A and D d-separated?") == "No"


@pytest.mark.parametrize("text, error, match", [
    ("A causes B. B causes C.", DataError, "question"),
    ("A causes B. Is A a cause of B?", DataError, "neither"),
    ("A makes B. Does A cause B?", DataError, "not of the form"),
    ("Does A cause B?", DataError, "no premise"),
    ("A causes B. Does A cause Z?", NodeNotFound, "'Z'"),
    ("A causes B. Are A and B d-separated given {Q}?", NodeNotFound, "'Q'"),
    ("A causes B. Does A cause B? Does B cause A?", DataError, "exactly one"),
    (42, DataError, "str"),
])
def test_check_statement_rejects_bad_input(text, error, match):
    with pytest.raises(error, match=match):
        check_statement(text)


# Documented quirks of the evaluation files (see docs/axiomatic.rst): names that collide within an
# instance (the label follows the generator's intended graph), and branching questions about isolated nodes
# that no premise mentions (labels "No" / the checker raises NodeNotFound).
QUIRK_DISAGREEMENTS = {"transitivity/chain_len50": 21, "transitivity/flipped_chain_len20": 5,
                       "transitivity/flipped_chain_len50": 1, "transitivity/branching_bf2_nodes10": 2,
                       "transitivity/branching_bf2_nodes8": 1}


@needs_eval
def test_check_statement_agrees_with_evaluation_labels_except_documented_quirks():
    for path in sorted(glob.glob(os.path.join(EVAL_DIR, "*", "*.jsonl"))):
        key = os.path.relpath(path, EVAL_DIR)[: -len(".jsonl")]
        wrong = absent = 0
        for d in _read(path):
            try:
                wrong += check_statement(d["text"]) != d["label"]
            except NodeNotFound:
                absent += 1
                assert "branching" in key and d["label"] == "No"
        assert wrong == QUIRK_DISAGREEMENTS.get(key, 0), key


# --------------------------------------------------------------------------------------------- model
@pytest.fixture(scope="module")
def reasoners():
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    from causalkit.learned import AxiomaticReasoner

    return AxiomaticReasoner.pretrained("transitivity"), AxiomaticReasoner.pretrained("dseparation")


TRANSITIVITY_QUESTIONS = [
    ("A causes B. B causes C. Does A cause C?", "Yes"),
    ("A causes B. B causes C. Does C cause A?", "No"),
    ("X causes Y. Z causes Y. Does X cause Z?", "No"),
    ("p causes q. q causes r. r causes s. Does p cause s?", "Yes"),
    ("p causes q. q causes r. r causes s. Does s cause q?", "No"),
    ("c3 causes B. a causes c3. Does a cause B?", "Yes"),
    ("Rain causes Wet. Wet causes Slip. Does Slip cause Rain?", "No"),
]
DSEP_QUESTIONS = [
    ("A causes B. C causes B. Are A and C d-separated?", "Yes"),
    ("A causes B. C causes B. Are A and C d-separated given {B}?", "No"),
    ("A causes B. B causes C. Are A and C d-separated given {B}?", "Yes"),
    ("A causes B. B causes C. Are A and C d-separated?", "No"),
    ("B causes A. B causes C. Are A and C d-separated given {B}?", "Yes"),
    ("B causes A. B causes C. Are A and C d-separated?", "No"),
]


def test_shipped_weights_answer_simple_questions(reasoners):
    trans, dsep = reasoners
    texts, labels = zip(*TRANSITIVITY_QUESTIONS)
    assert trans.predict(list(texts)) == list(labels) == [check_statement(t) for t in texts]
    proba = trans.predict_proba(list(texts))
    assert proba.shape == (len(texts), 2) and np.allclose(proba.sum(axis=1), 1)
    assert trans.config["model"]["pos"] == "none"
    texts, labels = zip(*DSEP_QUESTIONS)
    assert dsep.predict(list(texts)) == list(labels) == [check_statement(t) for t in texts]
    n_params = sum(p.numel() for p in trans.model.parameters())
    assert n_params <= 10_000_000


def test_reasoner_bad_input_is_a_clear_error(reasoners):
    trans, dsep = reasoners
    with pytest.raises(DataError, match=r"texts\[1\]"):
        trans.predict(["A causes B. Does A cause B?", "hello there"])
    with pytest.raises(NodeNotFound, match="'Q'"):
        trans.predict(["A causes B. Does A cause Q?"])
    with pytest.raises(DataError, match="dseparation"):
        trans.predict(["A causes B. C causes B. Are A and C d-separated?"])
    with pytest.raises(DataError, match="list"):
        trans.predict("A causes B. Does A cause B?")
    assert trans.predict([]) == []


def test_reason_cli(reasoners):
    from causalkit.learned.axiomatic import reason_cli

    assert reason_cli("A causes B. B causes C. Does A cause C?").startswith("Yes")
    assert "exact check: No" in reason_cli("A causes B. C causes B. Are A and C d-separated given {B}?")
    with pytest.raises(DataError):
        reason_cli("A causes B.")


def test_model_ignores_padding_and_every_position_encoding_runs():
    torch = pytest.importorskip("torch")
    from causalkit.learned.axiomatic import POSITION_ENCODINGS, AxiomTransformer

    for pos in POSITION_ENCODINGS:
        torch.manual_seed(0)
        m = AxiomTransformer(113, d_model=32, n_layers=2, n_heads=4, d_ff=64, pos=pos, max_len=64).eval()
        ids = torch.randint(2, 113, (3, 12))
        lengths = torch.tensor([12, 7, 3])
        padded = ids.clone()
        padded[1, 7:] = 0
        padded[2, 3:] = 5
        with torch.no_grad():
            assert torch.allclose(m(ids, lengths), m(padded, lengths), atol=1e-6)


def test_name_boundary_codes_mark_where_each_name_starts_and_ends():
    torch = pytest.importorskip("torch")
    from causalkit.learned.axiomatic import BOUNDARY_CODES, name_boundary_codes, name_char_mask

    tok = AxiomTokenizer()
    text = "A8 causes 8. 8 causes Bc1. Does A8 cause Bc1?"
    ids, _ = tok.encode_batch([text])
    codes = name_boundary_codes(torch.as_tensor(ids), torch.as_tensor(name_char_mask(tok.vocab)))[0]
    got = [(tok.vocab[i], BOUNDARY_CODES[int(c)]) for i, c in zip(ids[0], codes)]
    assert got[:8] == [("[BOS]", "other"), ("A", "first"), ("8", "last"), ("causes", "other"), ("8", "single"),
                       (".", "other"), ("8", "single"), ("causes", "other")]
    assert got[8:11] == [("B", "first"), ("c", "inner"), ("1", "last")]
    # the "8" of "A8" and the name "8" are told apart by the code alone
    assert {c for t, c in got if t == "8"} == {"last", "single"}


def test_name_boundary_table_starts_at_zero_so_old_weights_compute_the_same():
    torch = pytest.importorskip("torch")
    from causalkit.learned.axiomatic import AxiomTransformer

    torch.manual_seed(0)
    kw = dict(d_model=32, n_layers=2, n_heads=4, d_ff=64)
    old = AxiomTransformer(113, **kw).eval()
    new = AxiomTransformer(113, name_boundaries=True, **kw).eval()
    missing, unexpected = new.load_state_dict(old.state_dict(), strict=False)
    assert missing == ["boundary_embed.weight"] and not unexpected
    ids, lengths = AxiomTokenizer().encode_batch(["A8 causes 8. Does A8 cause 8?", "X causes Y. Does Y cause X?"])
    ids, lengths = torch.as_tensor(ids), torch.as_tensor(lengths)
    with torch.no_grad():
        assert torch.allclose(old(ids, lengths), new(ids, lengths), atol=1e-6)
        new.boundary_embed.weight.normal_()
        assert not torch.allclose(old(ids, lengths), new(ids, lengths), atol=1e-3)


def test_import_learned_does_not_import_torch():
    code = "import sys, causalkit.learned; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"
