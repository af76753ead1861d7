import copy
import json

import pytest

from training.corpus import FROZEN, load_corpus, make_record, seed_texts, split_digest, validate


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


def good():
    return make_record(rid="t:1", doc_id="d1", lang="ar", source="test", license="MIT",
                       text="اشتباكات عنيفة بين الجيش والمسلحين في إدلب",
                       triggers=[{"id": "T1", "class": "clash", "start": 0, "end": 8}],
                       arguments=[{"trigger": "T1", "role": "actor1", "start": 15, "end": 20},
                                  {"trigger": "T1", "role": "place", "start": 36, "end": 40}])


def test_builder_widens_spans_to_words():
    r = make_record(rid="x", doc_id="d", lang="ar", source="s", license="l", text="وبالجيش قصف",
                    triggers=[{"id": "T1", "class": "shelling", "start": 8, "end": 11}],
                    arguments=[{"trigger": "T1", "role": "actor1", "start": 3, "end": 7}])
    assert r["arguments"][0]["text"] == "وبالجيش" and r["tokens"] == [[0, 7], [8, 11]]


def test_validator_passes_good_record():
    assert validate([good()]) == ([], [])


@pytest.mark.parametrize("plant,msg", [
    (lambda r: r["triggers"][0].update(end=999), "out of range"),
    (lambda r: r["triggers"][0].update({"class": "picnic"}), "unknown class"),
    (lambda r: r["arguments"][0].update(role="hero"), "unknown role"),
    (lambda r: r["arguments"][0].update(trigger="T9"), "missing trigger"),
    (lambda r: r["arguments"].append({"trigger": "T1", "role": "actor2", "start": 13, "end": 20, "text": "ن الجيش"}), "overlaps"),
    (lambda r: r["arguments"][0].update(text="wrong"), "!= text"),
    (lambda r: r.update(origin="written", split="test"), "only real text"),
])
def test_validator_catches_planted_errors(plant, msg):
    r = good()
    plant(r)
    errors, _ = validate([r])
    assert any(msg in e for e in errors), errors


def test_validator_catches_duplicates_across_splits_and_ids():
    a, b = good(), good()
    b["id"], b["split"] = "t:2", ("test" if a["split"] != "test" else "train")
    errors, _ = validate([a, b])
    assert any("same sentence in splits" in e for e in errors)
    c = copy.deepcopy(a)
    assert any("id used 2 times" in e for e in validate([a, c])[0])


def test_validator_flags_same_string_labelled_differently():
    rs = []
    for i, cls in enumerate(["clash", "clash", "attack"]):
        r = good()
        r["id"], r["doc_id"] = f"t:{i}", f"d{i}"
        r["text"] = r["text"] + " " * 0
        r["triggers"][0]["class"] = cls
        rs.append(r)
    _, warnings = validate(rs)
    assert any("same string, different labels" in w for w in warnings)


def test_seed_sentences_are_rejected():
    seed = next(t for t in seed_texts() if len(t) > 60)
    r = good()
    r["text"], r["triggers"], r["arguments"] = seed, [], []
    assert any("seed article" in e for e in validate([r], forbidden_texts=seed_texts())[0])


def test_committed_corpus_is_valid(corpus):
    errors, _ = validate(corpus, forbidden_texts=seed_texts())
    assert errors == []
    langs = {r["lang"] for r in corpus}
    assert {"ar", "fa", "en"} <= langs


def test_frozen_dev_and_test_unchanged(corpus):
    frozen = json.loads(FROZEN.read_text())
    for key, digest in frozen["digests"].items():
        split, lang = key.split("/")
        assert split_digest(corpus, split, lang) == digest, \
            f"{key} changed: frozen sets move only with a version bump (python -m training.corpus freeze N)"


def test_corpus_targets(corpus):
    """The sizes the corpus issues ask for (reported, with the gaps, in the data cards)."""
    for lang in ("ar", "fa"):
        rs = [r for r in corpus if r["lang"] == lang]
        assert len(rs) >= 2000 and sum(len(r["triggers"]) for r in rs) >= 800
        assert sum(1 for r in rs if r["split"] == "test") >= 300
    fa = [r for r in corpus if r["lang"] == "fa"]
    assert sum(r["origin"] == "real" for r in fa) / len(fa) >= 0.6
