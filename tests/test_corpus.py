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


# -- documents annotated after the freeze (issue #5 batch 06 on) ----------------------------------

def _manifest(lang):
    from training.annotate import ANN
    path = ANN / lang / "manifest.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()] if path.exists() else []


def test_post_freeze_documents_land_in_train_only(corpus):
    pinned = {d["doc_id"] for lang in ("ar", "fa") for d in _manifest(lang) if "split" in d}
    assert pinned, "no post-freeze documents in the manifests: this test would check nothing"
    misplaced = sorted({(r["doc_id"], r["split"]) for r in corpus if r["doc_id"] in pinned and r["split"] != "train"})
    assert misplaced == [], f"post-freeze documents in frozen splits: {misplaced[:5]}"
    assert pinned <= {r["doc_id"] for r in corpus}, "a pinned document was not imported"


def test_pinned_split_accepts_train_and_refuses_frozen_splits():
    from training.corpus import CorpusError, pinned_split
    assert pinned_split({"doc_id": "d"}) is None
    assert pinned_split({"doc_id": "d", "split": "train"}) == "train"
    for split in ("dev", "test"):
        with pytest.raises(CorpusError, match="frozen"):
            pinned_split({"doc_id": "d", "split": split})


def test_make_record_honours_a_pinned_split():
    from training.corpus import split_for
    doc = next(f"d{i}" for i in range(1000) if split_for("ar", "test", f"d{i}") == "test")
    r = make_record(rid="t:1", doc_id=doc, lang="ar", source="test", license="MIT", text="اشتباكات في إدلب",
                    triggers=[], arguments=[], split="train")
    assert r["split"] == "train"


def test_shared_sentence_never_moves_frozen_or_pinned_documents():
    from training.annotate import _same_split_for_shared_text
    from training.corpus import CorpusError
    text = "وصلت تعزيزات عسكرية كبيرة إلى جبهة القتال في محافظة مأرب أمس"
    old = {"doc_id": "a", "origin": "real", "split": "dev", "text": text}
    new = {"doc_id": "b", "origin": "real", "split": "train", "text": text}
    with pytest.raises(CorpusError, match="after the freeze"):
        _same_split_for_shared_text([dict(old), dict(new)], {"b": "train"})
    # unpinned documents keep the old rule: the group takes its smallest document's split
    recs = [dict(old), dict(new)]
    _same_split_for_shared_text(recs)
    assert [r["split"] for r in recs] == ["dev", "dev"]
    # a pinned document sharing text with a train document is fine and nothing moves
    recs = [dict(old, split="train"), dict(new)]
    _same_split_for_shared_text(recs, {"a": "train"})
    assert [r["split"] for r in recs] == ["train", "train"]


def test_targeted_batch_is_reproducible_from_its_selection():
    from training.annotate import ANN, export_ar_docs, read_selection
    sel_path = ANN / "ar" / "batch_06.select.json"
    sel = read_selection(sel_path)
    exported = [d for d in _manifest("ar") if d.get("selection") == sel_path.name]
    assert [d["doc_id"] for d in exported] == [d["doc_id"] for d in sel["documents"]]
    assert {d["batch"] for d in exported} == {sel["batch"]} and {d["split"] for d in exported} == {"train"}
    with pytest.raises(FileExistsError, match="exported once"):
        export_ar_docs(sel_path)


def test_selection_file_errors_name_the_problem(tmp_path):
    from training.annotate import read_selection
    bad = tmp_path / "s.json"
    bad.write_text(json.dumps({"batch": 7, "lang": "ar", "split": "train", "query": {}, "documents": []}))
    with pytest.raises(ValueError, match="query.action"):
        read_selection(bad)
    q = {"collection": "c", "action": "a", "materiel": "m", "max_sentences": 9}
    bad.write_text(json.dumps({"batch": 7, "lang": "ar", "split": "train", "query": q,
                               "documents": [{"doc_id": "x"}, {"doc_id": "x"}]}))
    with pytest.raises(ValueError, match="repeated"):
        read_selection(bad)
