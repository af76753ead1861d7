"""One event, one record: merging reports within a document and across a batch; the notes line."""
import datetime as dt

from eventx.pipeline import _merge, _record, merge_across
from eventx.read import Document
from eventx.schema import EventRecord
from eventx.tag import Span, TaggedEvent

# Two outlets reporting the same coalition strike (SaudiNewsNet style, 2015), and one other event.
A = "شنت طائرات التحالف أمس غارات على مواقع الحوثيين في صعدة مما أدى إلى مقتل 12 مسلحا"
B = "وقالت مصادر محلية إن طائرات التحالف شنت أمس غارات على مواقع الحوثيين في صعدة وقتل 15 منهم"
C = "اندلعت اشتباكات عنيفة بين المقاومة الشعبية والحوثيين في تعز"


def tagged(text, trigger, cls, args):
    def sp(label, words):
        s = text.index(words)
        return Span(label, s, s + len(words), words, 0.9)
    return TaggedEvent(sp(cls, trigger), [sp(r, w) for r, w in args])


def strike(text, n, doc, source):
    ev = tagged(text, "غارات", "airstrike", [("actor1", "طائرات التحالف"), ("actor2", "الحوثيين"), ("place", "صعدة"),
                                             ("time", "أمس"), ("fatalities", n)])
    return _record(Document(doc, text, dt.date(2015, 7, 21), source), "ar", 0, ev, sentence=text)


def test_same_event_in_two_documents_becomes_one_record_with_both_sources():
    a, b = strike(A, "12", "snn-a", "alriyadh"), strike(B, "15", "snn-b", "okaz")
    c = _record(Document("snn-c", C, dt.date(2015, 7, 21), "sabq"), "ar", 0,
                tagged(C, "اشتباكات", "clash", [("actor1", "المقاومة الشعبية"), ("actor2", "الحوثيين"), ("place", "تعز")]),
                sentence=C)
    out = merge_across([a, c, b])
    assert len(out) == 2
    m = next(r for r in out if r.event_class == "airstrike")
    assert m.source == "alriyadh; okaz" and m.doc_id == "snn-a; snn-b"
    assert m.fatalities == 12  # the most conservative figure
    assert {e.doc_id for e in m.evidence} == {"snn-a", "snn-b"}
    texts = {"snn-a": A, "snn-b": B}
    assert all(texts[e.doc_id][e.start:e.end] == e.text for e in m.evidence)
    assert "2 documents" in m.reasons["merged_across"]
    EventRecord.model_validate(m.model_dump())


def test_different_dates_are_not_merged():
    a = strike(A, "12", "snn-a", "alriyadh")
    b = _record(Document("snn-b", B, dt.date(2015, 7, 25), "okaz"), "ar", 0,
                tagged(B, "غارات", "airstrike", [("actor1", "طائرات التحالف"), ("actor2", "الحوثيين"), ("place", "صعدة"),
                                                 ("time", "أمس")]), sentence=B)
    assert len(merge_across([a, b])) == 2


def test_mentions_within_a_document_merge():
    a = strike(A, "12", "snn-a", "alriyadh")
    a2 = strike(A, "12", "snn-a", "alriyadh")
    out = _merge([a, a2])
    assert len(out) == 1 and len(out[0].evidence) == 2 * len(a.evidence)


def test_notes_line_in_acled_style():
    r = strike(A, "12", "snn-a", "alriyadh")
    assert r.notes.startswith("On 20 July 2015, Operation Restoring Hope carried out an air strike on Houthi Movement in ")
    assert r.notes.endswith("12 fatalities reported.")
    assert " in Sadah." in r.notes  # a governorate capital named like its governorate: no "(Sadah)" repeat


def test_capture_notes_name_place_admin1_and_loser():
    text = "وسيطرت قوات النظام السوري أمس على مدينة سراقب بعد معارك مع هيئة تحرير الشام"
    ev = tagged(text, "وسيطرت", "capture", [("actor1", "قوات النظام السوري"), ("actor2", "هيئة تحرير الشام"),
                                             ("place", "مدينة سراقب"), ("time", "أمس")])
    r = _record(Document("x", text, dt.date(2020, 1, 23), "enab"), "ar", 0, ev, sentence=text)
    assert r.notes.startswith("On 22 January 2020, Military Forces of Syria")
    assert "took control of Saraqib (Idleb) from HTS: Hayat Tahrir al-Sham." in r.notes, r.notes
