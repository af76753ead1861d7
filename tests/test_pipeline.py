"""End to end: records from text, the CLI on good and bad files, records from tagged sentences."""
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from eventx.pipeline import Extractor, _record
from eventx.read import Document
from eventx.schema import EventRecord
from eventx.tag import Span, TaggedEvent

ROOT = Path(__file__).resolve().parent.parent
AR = ("وقالت مصادر محلية إن طائرات التحالف شنت أمس غارات على مواقع الحوثيين في صعدة، "
      "فيما اندلعت اشتباكات عنيفة بين المقاومة الشعبية والميليشيات في تعز أسفرت عن مقتل 12 مسلحا.")


def span_of(text: str, label: str, words: str, conf: float = 0.9) -> Span:
    s = text.index(words)
    return Span(label, s, s + len(words), words, conf)


@pytest.fixture(scope="module")
def extractor(encoder_dir):
    return Extractor()


def test_records_from_a_tagged_arabic_sentence_validate():
    text = "شنت طائرات التحالف أمس غارات على مواقع الحوثيين في صعدة مما أدى إلى مقتل ثلاثة مدنيين"
    sp = lambda label, words: span_of(text, label, words)  # noqa: E731
    ev = TaggedEvent(sp("airstrike", "غارات"), [sp("actor1", "طائرات التحالف"), sp("actor2", "الحوثيين"),
                                                 sp("place", "صعدة"), sp("time", "أمس"), sp("fatalities", "ثلاثة")])
    r = _record(Document("d1", text, dt.date(2015, 7, 21), "alriyadh"), "ar", 0, ev)
    assert isinstance(EventRecord.model_validate(r.model_dump()), EventRecord)
    assert (r.event_type, r.sub_event_type) == ("Explosions/Remote violence", "Air/drone strike")
    assert r.actor1 == "Operation Restoring Hope" and r.inter1 == 8 and r.actor2 == "Houthi Movement"
    assert r.interaction == 28 and r.event_date == dt.date(2015, 7, 20) and r.fatalities == 3
    assert (r.location, r.admin1, r.country, r.geo_precision) == ("Sadah", "Sadah", "Yemen", 1) and "On 20 July 2015" in r.notes
    assert all(text[e.start:e.end] == e.text for e in r.evidence) and len(r.evidence) == 6
    assert set(r.reasons) >= {"actor1", "event_date", "fatalities", "sub_event_type"}


def test_records_from_a_tagged_persian_sentence_validate():
    text = "ارتش سوریه روز یکشنبه کنترل شهر تدمر را از داعش به دست گرفت"
    sp = lambda label, words: span_of(text, label, words, 0.8)  # noqa: E731
    ev = TaggedEvent(sp("capture", "به دست گرفت"), [sp("actor1", "ارتش سوریه"), sp("actor2", "داعش"),
                                                    sp("place", "شهر تدمر"), sp("time", "روز یکشنبه")])
    r = _record(Document("d2", text, dt.date(2016, 3, 28), "irna"), "fa", 0, ev)
    assert r.sub_event_type == "Government regains territory" and r.inter1 == 1 and r.interaction == 12
    assert r.event_date == dt.date(2016, 3, 27) and r.fatalities == 0 and r.language == "fa"


def test_shipment_record_carries_the_tag():
    text = "Iran delivered drones to the Houthis"
    ev = TaggedEvent(Span("shipment", 5, 14, "delivered", 0.7), [Span("weapon", 15, 21, "drones", 0.7)])
    r = _record(Document("d3", text, None, ""), "en", 0, ev)
    assert r.sub_event_type == "Other" and "weapons shipment" in r.tags and r.event_date is None
    assert "unknown" in r.reasons["event_date"]


def test_extract_offsets_point_into_the_input(extractor):
    text = "عنوان\n\n" + AR + "\n\n" + AR  # the repeated paragraph must not double the events
    recs = extractor.extract(text, published="2015-07-21", doc_id="x")
    once = extractor.extract(AR, published="2015-07-21", doc_id="x")
    assert len(recs) == len(once)
    for r in recs:
        for e in r.evidence:
            assert text[e.start:e.end] == e.text
        assert r.language == "ar" and 0 <= r.confidence <= 1


def test_unsupported_language_is_reported(extractor):
    from eventx.language import UnsupportedLanguage
    with pytest.raises(UnsupportedLanguage, match="not supported"):
        extractor.extract("Die Armee hat gestern das Dorf mit Artillerie beschossen und viele Menschen getötet.")


def test_bad_published_date_is_a_clear_error(extractor):
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        extractor.extract(AR, published="21/07/2015")


def test_cli_good_and_bad_inputs(tmp_path, encoder_dir):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(AR, encoding="utf-8")
    (src / "empty.txt").write_text("   ", encoding="utf-8")
    (src / "binary.txt").write_bytes(b"\x00\x01\x02garbage")
    (src / "latin1.txt").write_bytes("caf\xe9 bomb".encode("latin-1"))
    (src / "feed.jsonl").write_text(json.dumps({"id": "n1", "text": AR, "date": "2015-07-21"}, ensure_ascii=False)
                                    + "\n{not json\n" + json.dumps({"id": "n2", "text": AR, "date": "yesterday"}) + "\n",
                                    encoding="utf-8")
    out = tmp_path / "out.jsonl"
    p = subprocess.run([sys.executable, "-m", "eventx.cli", "extract", str(src), "-o", str(out)],
                       capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 3, p.stderr
    errors = (tmp_path / "out.jsonl.errors.tsv").read_text().splitlines()
    reasons = "\n".join(errors)
    assert len(errors) == 5, reasons
    for needle in ("empty document", "binary", "invalid UTF-8", "JSONDecodeError", "YYYY-MM-DD"):
        assert needle in reasons
    for line in out.read_text().splitlines():
        EventRecord.from_json(line)
    assert "documents" in p.stderr and "errors" in p.stderr


def test_cli_csv_has_acled_header(tmp_path, encoder_dir):
    (tmp_path / "a.txt").write_text(AR, encoding="utf-8")
    out = tmp_path / "o.csv"
    p = subprocess.run([sys.executable, "-m", "eventx.cli", "extract", str(tmp_path / "a.txt"), "--format", "csv",
                        "-o", str(out), "--published", "2015-07-21"], capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 0, p.stderr
    assert out.read_text().splitlines()[0].startswith("event_id_cnty,event_date,year,time_precision,disorder_type")
