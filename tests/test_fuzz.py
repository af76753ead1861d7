"""Fuzzing (hypothesis) of the reader and of the pipeline's text handling: no crash, offsets in range.

The tagger is a stand-in that marks words chosen from the sentence itself (no model is loaded),
so what is fuzzed is everything around it: reading, segmentation, normalization, records.
"""
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventx.normalize import fold
from eventx.pipeline import Extractor
from eventx.read import MAX_DOC_CHARS, Document, ReadError, read_paths
from eventx.schema import EventRecord
from eventx.segment import split_sentences, word_spans
from eventx.tag import Span, TaggedEvent
from eventx.taxonomy import CLASSES, ROLES

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Arabic and Persian letters, both digit sets, harakat, tatweel, Latin, punctuation of all three
# languages, and the invisible characters that real news text carries (ZWNJ, ZWJ, ZWSP, BOM, RLM).
ALPHABET = (
    [chr(c) for c in range(0x0621, 0x064B)] + list("پچژگکیۀ") + [chr(c) for c in range(0x0660, 0x066A)]
    + [chr(c) for c in range(0x06F0, 0x06FA)] + [chr(c) for c in range(0x064B, 0x0653)] + ["\u0640", "\u0670"]
    + list("abcxyzABCXYZ0123456789") + list(".!?؟،؛…«»\"'()-:;,۔") + [" ", " ", " ", "\n", "\n", "\t"]
    + ["\u200c", "\u200d", "\u200b", "\ufeff", "\u200f", "\u202b", "\u00a0"]
)
mixed_text = st.text(alphabet=st.sampled_from(ALPHABET), max_size=600)
any_text = st.one_of(mixed_text, st.text(max_size=300))


class PickingTagger:
    """Marks a trigger and arguments on words picked by a hash of the sentence: arbitrary but
    reproducible spans, including time and fatalities spans that go through normalization."""

    def predict(self, sentences):
        out = []
        for s in sentences:
            spans = word_spans(s)
            h = sum(map(ord, s))
            if not spans or h % 2:
                out.append([])
                continue
            pick = lambda k: spans[(h // (k + 1)) % len(spans)]  # noqa: E731
            a, b = pick(0)
            args = []
            for k, role in enumerate(ROLES):
                x, y = pick(k + 1)
                if (x, y) != (a, b) and (h >> k) % 3 == 0:
                    args.append(Span(role, x, y, s[x:y], 0.5))
            out.append([TaggedEvent(Span(CLASSES[h % len(CLASSES)], a, b, s[a:b], 0.7), args)])
        return out


EX = Extractor()
EX._tagger = PickingTagger()


@FUZZ
@given(any_text)
def test_segmentation_offsets_always_point_into_the_text(text):
    prev_end = 0
    for s in split_sentences(text):
        assert 0 <= s.start < s.end <= len(text) and s.text == text[s.start:s.end]
        assert s.start >= prev_end and s.text == s.text.strip()
        prev_end = s.end
    for a, b in word_spans(text):
        assert 0 <= a < b <= len(text) and not text[a:b].isspace()
    assert isinstance(fold(text), str)


@FUZZ
@given(st.lists(st.tuples(mixed_text, st.sampled_from([None, "ar", "fa", "en"]),
                          st.sampled_from([None, "2015-07-21", "1394-05-01", "2016-02-29"])), min_size=1, max_size=4))
def test_pipeline_never_crashes_and_evidence_is_the_text_at_its_offsets(docs):
    from eventx.read import parse_date
    items = [Document(f"d{i}", t, parse_date(p), "fuzz", lang) for i, (t, lang, p) in enumerate(docs)]
    results = EX.extract_chunk(items)
    assert [r.doc_id for r in results] == [d.id for d in items]
    for doc, res in zip(items, results):
        if res.error is not None:
            assert res.records == [] and res.error.strip() and "\n" not in res.error
            continue
        for r in res.records:
            assert isinstance(EventRecord.model_validate_json(r.model_dump_json()), EventRecord)
            assert r.doc_id == doc.id and r.evidence
            for e in r.evidence:
                assert 0 <= e.start <= e.end <= len(doc.text) and doc.text[e.start:e.end] == e.text


def _read_one(name: str, data: bytes, **kw):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / name
        path.write_bytes(data)
        return list(read_paths([str(path)], **kw))


def _valid(items):
    for it in items:
        assert isinstance(it, (Document, ReadError))
        if isinstance(it, Document):
            assert it.text.strip() and len(it.text) <= MAX_DOC_CHARS and isinstance(it.id, str)
        else:
            assert it.reason and "\n" not in it.reason and isinstance(it.id, str)


@FUZZ
@given(st.binary(max_size=3000), st.sampled_from(["a.txt", "b.jsonl", "c.csv", "d.tsv", "e.html", "f.bin"]))
def test_reader_survives_random_bytes(data, name):
    items = _read_one(name, data)
    _valid(items)
    if name in ("a.txt", "f.bin", "e.html"):
        assert len(items) == 1  # one file, one item: a document or the reason it is not one


json_value = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | any_text,
                          lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                          max_leaves=6)
row = st.fixed_dictionaries({}, optional={"id": st.one_of(any_text, st.integers()), "text": any_text,
                                          "date": st.one_of(any_text, st.sampled_from(["2015-07-21", "2015-13-01"])),
                                          "source": any_text, "title": any_text, "extra": json_value})
line = st.one_of(row.map(lambda r: json.dumps(r, ensure_ascii=False)), json_value.map(json.dumps),
                 any_text.filter(lambda s: "\n" not in s and "\r" not in s))


@FUZZ
@given(st.lists(line, max_size=8))
def test_reader_survives_random_jsonl_lines_one_item_per_line(lines):
    data = "\n".join(lines).encode("utf-8", "surrogatepass")
    items = _read_one("feed.jsonl", data)
    _valid(items)
    # every non-blank line is exactly one item (document or error), so resuming by count is exact
    physical = data.split(b"\n")
    assert len(items) == sum(1 for x in physical if x.strip())
    for k in range(len(items) + 1):
        assert [i.id for i in _read_one("feed.jsonl", data, skip=k)] == [i.id for i in items][k:]
