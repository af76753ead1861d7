"""Documents in, ACLED records out: segment -> tag -> normalize -> merge.

``Extractor`` loads the tagger once; ``extract`` handles one text, ``extract_batch`` many
documents (sentences of many documents are tagged together, length-sorted).
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Iterable, Iterator

from eventx.actors import actor_fields, match_actor  # noqa: F401  (match_actor re-exported)
from eventx.classify import EventContext, classify
from eventx.language import SUPPORTED, UnsupportedLanguage, detect_language
from eventx.normalize import clean_name, count_fatalities, fold, resolve_date
from eventx.read import Document, parse_date
from eventx.schema import Evidence, EventRecord
from eventx.segment import split_sentences
from eventx.tag import Tagger, TaggedEvent

__all__ = ["Extractor", "extract", "match_actor"]


class Extractor:
    """Load once, extract many: ``Extractor().extract(text, published=...)``."""

    def __init__(self, model: str | None = None, *, encoder: str | None = None, device: str | None = None,
                 batch_size: int = 64):
        self._tagger: Tagger | None = None
        self._model, self._encoder, self._device, self._batch_size = model, encoder, device, batch_size

    @property
    def tagger(self) -> Tagger:
        if self._tagger is None:
            self._tagger = Tagger.from_pretrained(self._model, encoder=self._encoder, device=self._device,
                                                  batch_size=self._batch_size)
        return self._tagger

    def extract(self, text: str, *, published=None, source: str | None = None, language: str | None = None,
                doc_id: str = "") -> list[EventRecord]:
        doc = Document(doc_id, text, parse_date(published), source or "", language)
        return next(self._records([doc]))[1]

    def extract_batch(self, documents: Iterable[Document | dict | str], *, batch_sentences: int = 512
                      ) -> Iterator[EventRecord]:
        """Records for many documents, lazily; sentences of several documents share encoder batches."""
        for _, recs in self.extract_documents(documents, batch_sentences=batch_sentences):
            yield from recs

    def extract_documents(self, documents: Iterable, *, batch_sentences: int = 512):
        """(document, records) per document, in input order."""
        pending: list[Document] = []
        n = 0
        for d in documents:
            doc = _as_document(d)
            pending.append(doc)
            n += max(1, len(doc.text) // 150)
            if n >= batch_sentences:
                yield from self._records(pending)
                pending, n = [], 0
        if pending:
            yield from self._records(pending)

    # ---- internals
    def _records(self, docs: list[Document]):
        plans = []
        all_sents = []
        for doc in docs:
            lang, _ = (doc.language, "given") if doc.language else detect_language(doc.text)
            if lang not in SUPPORTED:
                raise UnsupportedLanguage(f"document {doc.id or '(no id)'}: language {lang!r} is not supported "
                                          f"(supported: {', '.join(SUPPORTED)})")
            sents, seen = [], set()
            for s in split_sentences(doc.text):
                key = fold(s.text)
                if key in seen:  # repeated headline or paragraph: one event, not several
                    continue
                seen.add(key)
                sents.append(s)
            plans.append((doc, lang, len(all_sents), len(sents)))
            all_sents.extend(sents)
        tagged = self.tagger.predict([s.text for s in all_sents]) if all_sents else []
        for doc, lang, at, k in plans:
            recs = []
            for s, events in zip(all_sents[at:at + k], tagged[at:at + k]):
                for ev in events:
                    recs.append(_record(doc, lang, s.start, ev))
            yield doc, _merge(recs)


def _as_document(d) -> Document:
    if isinstance(d, Document):
        return d
    if isinstance(d, str):
        return Document("", d)
    if isinstance(d, dict):
        return Document(str(d.get("id", "")), d["text"], parse_date(d.get("published")), d.get("source", ""),
                        d.get("language"))
    raise TypeError(f"cannot read a document from {type(d).__name__}")


def _record(doc: Document, lang: str, offset: int, ev: TaggedEvent) -> EventRecord:
    reasons: dict[str, str] = {}
    ev_spans = [Evidence(field="trigger", start=offset + ev.trigger.start, end=offset + ev.trigger.end,
                         text=ev.trigger.text)]
    by_role: dict[str, list] = {}
    for a in ev.arguments:
        by_role.setdefault(a.label, []).append(a)
        ev_spans.append(Evidence(field=a.label, start=offset + a.start, end=offset + a.end, text=a.text))
    fields: dict = {}
    time_text = by_role["time"][0].text if "time" in by_role else None
    date, prec, why = resolve_date(time_text, doc.published)
    fields.update(event_date=date, time_precision=prec)
    reasons["event_date"] = why
    n, why = count_fatalities([x.text for x in by_role.get("fatalities", [])])
    fields["fatalities"] = n
    reasons["fatalities"] = why
    if "place" in by_role:
        loc, why = clean_name(by_role["place"][0].text)
        fields.update(location=loc, geo_precision=2)
        reasons["location"] = why + "; not geocoded yet, precision 2"
    else:
        reasons["location"] = "no place stated in the sentence"
    # Actors last: the event country and date decide branch names, eras and the code-8 rule.
    actors, why = actor_fields({s: [x.text for x in by_role.get(s, [])] for s in ("actor1", "actor2")},
                               country=fields.get("country") or None, date=fields.get("event_date"),
                               event_class=ev.trigger.label)
    fields.update(actors)
    reasons.update(why)
    ctx = EventContext(ev.trigger.label, fields.get("inter1", 0), fields.get("inter2", 0), n,
                       has_actor2=bool(fields.get("actor2")))
    et, st, tags, why = classify(ctx)
    reasons["sub_event_type"] = why
    if fields.get("inter2") == 7 and et in ("Violence against civilians", "Explosions/Remote violence", "Battles"):
        fields["civilian_targeting"] = "Civilian targeting"
        reasons["civilian_targeting"] = "actor2 is civilians"
    if "weapon" in by_role:
        tags = tags + [f"weapon: {clean_name(x.text)[0]}" for x in by_role["weapon"]]
    rec = EventRecord(event_type=et, sub_event_type=st, event_class=ev.trigger.label, language=lang,
                      doc_id=doc.id, source=doc.source, confidence=ev.trigger.confidence, evidence=ev_spans,
                      tags="; ".join(tags), reasons=reasons, **fields)
    rec.notes = _notes(rec)
    return rec


def _merge(recs: list[EventRecord]) -> list[EventRecord]:
    """Mentions of one event (same class, date, place, actor pair) become one record."""
    out: dict[tuple, EventRecord] = {}
    for r in recs:
        key = (r.event_class, r.event_date, fold(r.location), fold(r.actor1), fold(r.actor2))
        if key not in out:
            out[key] = r
            continue
        m = out[key]
        counts = [x for x in (m.fatalities, r.fatalities) if x]
        upd = dict(evidence=m.evidence + r.evidence, confidence=max(m.confidence, r.confidence),
                   fatalities=min(counts) if counts else 0)
        merged = m.model_copy(update=upd)
        merged.reasons = dict(m.reasons, merged=f"{len(merged.evidence)} evidence spans from mentions of one event")
        out[key] = merged
    for i, r in enumerate(out.values()):
        h = hashlib.sha1(f"{r.doc_id}|{r.evidence[0].start}|{r.event_class}".encode()).hexdigest()[:10]
        r.event_id_cnty = f"EVX{h.upper()}"
    return list(out.values())


_VERBS = {"clash": "clashed with", "capture": "took control of an area from", "airstrike": "carried out an air strike on",
          "shelling": "shelled", "explosive": "detonated an explosive against", "suicide_bomb": "carried out a suicide bombing against",
          "grenade": "threw a grenade at", "chemical": "used chemical weapons against", "attack": "attacked",
          "abduction": "abducted", "sexual_violence": "committed sexual violence against", "arrest": "arrested",
          "shipment": "delivered weapons or materiel to", "seizure": "seized weapons from", "protest": "protested against",
          "riot": "rioted against", "agreement": "reached an agreement with", "base_established": "established a base near",
          "looting": "looted or destroyed property of", "group_change": "changed group activity with", "other": "acted against"}


def _notes(r: EventRecord) -> str:
    """An English notes line in ACLED's style, from the record's own fields."""
    when = f"On {r.event_date:%d %B %Y}" if r.event_date else "On an unknown date"
    a1 = r.actor1 or "an unidentified actor"
    verb = _VERBS.get(r.event_class, "acted against")
    tail = f" {r.actor2}" if r.actor2 else (" unidentified targets" if verb.endswith(("with", "to", "from", "of", "against", "on", "at")) else "")
    where = f" in {r.location}" if r.location else ""
    fat = f" {r.fatalities} fatalities reported." if r.fatalities else ""
    return f"{when}, {a1} {verb}{tail}{where}.{fat}".replace("  ", " ")


@lru_cache(maxsize=1)
def _default() -> Extractor:
    return Extractor()


def extract(text: str, *, published=None, source: str | None = None, language: str | None = None) -> list[EventRecord]:
    """Events in ``text`` as ACLED records. ``published`` (date or YYYY-MM-DD) anchors relative dates."""
    return _default().extract(text, published=published, source=source, language=language)
