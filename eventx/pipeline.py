"""Documents in, ACLED records out: segment -> tag -> normalize -> merge.

``Extractor`` loads the tagger once; ``extract`` handles one text, ``extract_batch`` many
documents (sentences of many documents are tagged together, length-sorted).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, Iterator

from eventx.actors import actor_fields, match_actor  # noqa: F401  (match_actor re-exported)
from eventx.classify import EventContext, classify, fighting_reported
from eventx.geocode import document_country, geocode
from eventx.language import SUPPORTED, UnsupportedLanguage, detect_language
from eventx.normalize import clean_name, count_fatalities, fold, resolve_date
from eventx.read import Document, ReadError, parse_date
from eventx.schema import Evidence, EventRecord
from eventx.segment import split_sentences
from eventx.tag import Tagger, TaggedEvent
from eventx.taxonomy import taxonomy

__all__ = ["Extractor", "extract", "merge_across", "match_actor", "DocResult", "chunked"]


# Chunk bounds: a chunk closes at this many items or characters of text (whichever first); a
# single document bigger than CHUNK_CHARS forms its own chunk (documents are capped at
# read.MAX_DOC_CHARS), so memory per chunk stays bounded whatever the input size.
CHUNK_DOCS = 64
CHUNK_CHARS = 200_000


class Extractor:
    """Load once, extract many: ``Extractor().extract(text, published=...)``."""

    def __init__(self, model: str | None = None, *, encoder: str | None = None, device: str | None = None,
                 batch_size: int | None = None):
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
        return _raise_failed(self.extract_chunk([doc])[0])

    def extract_batch(self, documents: Iterable[Document | dict | tuple | str], *, chunk_docs: int = CHUNK_DOCS,
                      chunk_chars: int = CHUNK_CHARS, on_error=None) -> Iterator[EventRecord]:
        """Records for many documents, lazily and in input order.

        ``documents``: ``Document``s, dicts (text, id, published, source, language), tuples
        ``(text, id, published, source)`` or plain strings; any iterable, consumed a chunk at a time.
        A document that fails raises, unless ``on_error(doc_id, reason)`` is given (then it is
        reported there and skipped). For notebooks: ``eventx.write.to_dataframe(ex.extract_batch(docs))``.
        """
        for res in self.extract_results(documents, chunk_docs=chunk_docs, chunk_chars=chunk_chars):
            if res.error is not None:
                if on_error is None:
                    _raise_failed(res)
                on_error(res.doc_id, res.error)
                continue
            yield from res.records

    def extract_documents(self, documents: Iterable, *, chunk_docs: int = CHUNK_DOCS,
                          chunk_chars: int = CHUNK_CHARS) -> Iterator[tuple[Document, list[EventRecord]]]:
        """(document, records) per document, in input order; a document that fails raises."""
        for chunk in chunked(documents, chunk_docs=chunk_docs, chunk_chars=chunk_chars):
            docs = [_as_document(d, i) for i, d in enumerate(chunk)]
            for doc, res in zip(docs, self.extract_chunk(docs)):
                yield doc, _raise_failed(res)

    def extract_results(self, items: Iterable, *, chunk_docs: int = CHUNK_DOCS, chunk_chars: int = CHUNK_CHARS
                        ) -> Iterator["DocResult"]:
        """One ``DocResult`` per input item (documents or ``ReadError``s), in input order, streaming."""
        for chunk in chunked(items, chunk_docs=chunk_docs, chunk_chars=chunk_chars):
            yield from self.extract_chunk(chunk)

    def extract_chunk(self, items: list) -> list["DocResult"]:
        """The per-chunk work, documents in, records out: one ``DocResult`` per item, in order.

        Sentences of all the chunk's documents go to the tagger in one call (it sorts them by
        length into batches, so no batch is padded to an outlier). A document that fails (read
        error, unsupported language, anything raised while tagging it) gets ``error`` set and the
        others go on. A plain method on a loaded Extractor so another engine (a Ray actor, a
        process pool) can call it on its own chunks.
        """
        results: list[DocResult | None] = [None] * len(items)
        plans = []  # (item index, document, language, sentences)
        for i, item in enumerate(items):
            if isinstance(item, ReadError):
                results[i] = DocResult(item.id, [], error=item.reason)
                continue
            try:
                doc = _as_document(item, i)
                lang, sents = self._plan(doc)
            except Exception as e:  # noqa: BLE001 (one bad document must not stop a batch)
                results[i] = DocResult(_item_id(item, i), [], error=_reason(e), exception=e)
                continue
            plans.append((i, doc, lang, sents))
        for (i, doc, lang, sents), tagged in zip(plans, self._tag([p[3] for p in plans])):
            if isinstance(tagged, Exception):
                results[i] = DocResult(doc.id, [], len(sents), error="tagging failed: " + _reason(tagged),
                                       exception=tagged)
                continue
            try:
                places = tuple(a.text for events in tagged for ev in events for a in ev.arguments if a.label == "place")
                recs = [_record(doc, lang, s.start, ev, places, s.text)
                        for s, events in zip(sents, tagged) for ev in events]
                results[i] = DocResult(doc.id, _merge(recs), len(sents))
            except Exception as e:  # noqa: BLE001
                results[i] = DocResult(doc.id, [], len(sents), error="building records failed: " + _reason(e),
                                       exception=e)
        return results  # type: ignore[return-value]

    # ---- internals
    def _plan(self, doc: Document):
        """(language, sentences to tag) for one document; raises UnsupportedLanguage."""
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
        return lang, sents

    def _tag(self, groups: list[list]) -> list:
        """Tagger output per group of sentences; a group whose tagging raises gets the exception."""
        flat = [s.text for g in groups for s in g]
        if not flat:
            return [[] for _ in groups]
        try:
            tagged = self.tagger.predict(flat)
        except MemoryError:
            raise
        except Exception as e:  # noqa: BLE001: find the document that breaks it, tag the rest
            if len(groups) == 1:
                return [e]
            return [self._tag([g])[0] for g in groups]
        out, at = [], 0
        for g in groups:
            out.append(tagged[at:at + len(g)])
            at += len(g)
        return out


@dataclass
class DocResult:
    """One input item after extraction: its records and sentence count, or why it failed."""
    doc_id: str
    records: list[EventRecord]
    sentences: int = 0
    error: str | None = None
    exception: BaseException | None = field(default=None, repr=False, compare=False)


def chunked(items: Iterable, *, chunk_docs: int = CHUNK_DOCS, chunk_chars: int = CHUNK_CHARS) -> Iterator[list]:
    """Consecutive groups of items, pulled lazily from ``items``.

    Where a group ends depends only on the items since the previous group ended, so a run
    resumed at a group boundary forms exactly the groups (and encoder batches) of an
    uninterrupted run.
    """
    if chunk_docs < 1 or chunk_chars < 1:
        raise ValueError(f"chunk_docs ({chunk_docs}) and chunk_chars ({chunk_chars}) must be at least 1")
    chunk, chars = [], 0
    for item in items:
        chunk.append(item)
        chars += _item_chars(item)
        if len(chunk) >= chunk_docs or chars >= chunk_chars:
            yield chunk
            chunk, chars = [], 0
    if chunk:
        yield chunk


def _item_chars(item) -> int:
    text = item if isinstance(item, str) else getattr(item, "text", None)
    if text is None and isinstance(item, dict):
        text = item.get("text")
    if text is None and isinstance(item, tuple) and item:
        text = item[0]
    return len(text) if isinstance(text, str) else 0


def _item_id(item, i: int) -> str:
    if isinstance(item, dict) and item.get("id") not in (None, ""):
        return str(item["id"])
    if isinstance(item, tuple) and len(item) > 1 and item[1]:
        return str(item[1])
    return str(getattr(item, "id", "") or f"#{i}")


def _reason(e: BaseException) -> str:
    lines = str(e).strip().splitlines()
    return lines[0] if lines else type(e).__name__


def _raise_failed(res: DocResult) -> list[EventRecord]:
    if res.error is None:
        return res.records
    if res.exception is not None:
        raise res.exception
    raise ValueError(f"document {res.doc_id}: {res.error}")


def _as_document(d, i: int = 0) -> Document:
    if isinstance(d, Document):
        return d
    if isinstance(d, str):
        return Document("", d)
    if isinstance(d, tuple):
        if not d or not isinstance(d[0], str):
            raise ValueError(f"document #{i}: a tuple must be (text, id, published, source), got {d!r:.60}")
        text, did, pub, src = (tuple(d) + ("", None, ""))[:4]
        return Document(str(did or ""), text, parse_date(pub), src or "")
    if isinstance(d, dict):
        if not isinstance(d.get("text"), str):
            raise ValueError(f"document #{i} ({d.get('id', 'no id')}): no 'text' string")
        return Document(str(d.get("id", "")), d["text"], parse_date(d.get("published")), d.get("source", ""),
                        d.get("language"))
    raise TypeError(f"document #{i}: cannot read a document from {type(d).__name__}")


def _record(doc: Document, lang: str, offset: int, ev: TaggedEvent, places: tuple[str, ...] = (),
            sentence: str = "") -> EventRecord:
    """One record for one tagged event; ``places``: all place spans of the document (geocoding context);
    ``sentence``: the event's sentence (it says whether a capture came without fighting)."""
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
        # the document's other places pick the country of ambiguous names and place unknown villages
        places = places or tuple(a.text for a in by_role["place"])
        hint, hint_why = document_country(places, doc.text)
        try:
            geo, reasons["location"] = geocode(by_role["place"][0].text, country_hint=hint, context=places)
            fields.update(geo.fields())
        except ValueError as e:  # a place span of punctuation only: no place rather than a failed document
            reasons["location"] = str(e)
        if hint:
            reasons["country"] = f"document country {hint}: {hint_why}"
    else:
        reasons["location"] = "no place stated in the sentence"
    # Actors last: the event country and date decide branch names, eras and the code-8 rule.
    actors, why = actor_fields({s: [x.text for x in by_role.get(s, [])] for s in ("actor1", "actor2")},
                               country=fields.get("country") or None, date=fields.get("event_date"),
                               event_class=ev.trigger.label)
    fields.update(actors)
    reasons.update(why)
    fighting, why = fighting_reported(sentence) if ev.trigger.label == "capture" else (True, "")
    if why:
        reasons["fighting"] = why
    ctx = EventContext(ev.trigger.label, fields.get("inter1", 0), fields.get("inter2", 0), n,
                       has_actor2=bool(fields.get("actor2")), fighting_reported=fighting)
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


def _merge_key(r: EventRecord) -> tuple:
    """What makes two records the same event: class, date, place and actor pair."""
    return r.event_class, r.event_date, fold(r.location), fold(r.actor1), fold(r.actor2)


def _by_event(records: Iterable[EventRecord], combine) -> list[EventRecord]:
    """Records with the same ``_merge_key`` folded into one with ``combine(kept, new)``, in first-seen order."""
    out: dict[tuple, EventRecord] = {}
    for r in records:
        key = _merge_key(r)
        out[key] = combine(out[key], r) if key in out else r
    return list(out.values())


def _combined(m: EventRecord, r: EventRecord, *, evidence=None, **update) -> EventRecord:
    """``m`` and ``r`` as one record: all evidence, the highest confidence, the fewest fatalities reported."""
    counts = [x for x in (m.fatalities, r.fatalities) if x]
    return m.model_copy(update=dict(evidence=evidence if evidence is not None else m.evidence + r.evidence,
                                    confidence=max(m.confidence, r.confidence),
                                    fatalities=min(counts) if counts else 0, **update))


def _mentions(m: EventRecord, r: EventRecord) -> EventRecord:
    merged = _combined(m, r)
    merged.reasons = dict(m.reasons, merged=f"{len(merged.evidence)} evidence spans from mentions of one event")
    return merged


def _merge(recs: list[EventRecord]) -> list[EventRecord]:
    """Mentions of one event (same class, date, place, actor pair) in a document become one record."""
    out = _by_event(recs, _mentions)
    for r in out:
        h = hashlib.sha1(f"{r.doc_id}|{r.evidence[0].start}|{r.event_class}".encode()).hexdigest()[:10]
        r.event_id_cnty = f"EVX{h.upper()}"
    return out


def _notes(r: EventRecord) -> str:
    """An English notes line in ACLED's style ("On 22 January 2020, ... took control of Khatra (Idleb) from
    HTS"), from the record's own fields and the class's template in schemas/taxonomy.json."""
    when = f"On {r.event_date:%d %B %Y}" if r.event_date else "On an unknown date"
    place = (f"{r.location} ({r.admin1})" if r.admin1 and r.admin1 != r.location else r.location) or ""
    template = taxonomy()["classes"].get(r.event_class, {}).get("notes", "{a1} acted against {a2}{where}")
    text = template.format(a1=r.actor1 or "an unidentified armed group", a2=r.actor2 or "unidentified actors",
                           place=place or "an unspecified area", where=f" in {place}" if place else "")
    fat = f" {r.fatalities} fatalities reported." if r.fatalities else ""
    return f"{when}, {text}.{fat}"


def merge_across(records: Iterable[EventRecord]) -> list[EventRecord]:
    """One record per event across a batch: reports of the same event (class, date, place, actor pair) in
    several documents become one record with every evidence span and every source in ``source``."""
    return _by_event(records, _reports)


def _reports(m: EventRecord, r: EventRecord) -> EventRecord:
    sources = list(dict.fromkeys(x for x in (m.source.split("; ") + r.source.split("; ")) if x))
    docs = list(dict.fromkeys(x for x in (m.doc_id.split("; ") + r.doc_id.split("; ")) if x))
    # each span names its document once records of several documents share it
    evidence = [e if e.doc_id else e.model_copy(update={"doc_id": x.doc_id}) for x in (m, r) for e in x.evidence]
    merged = _combined(m, r, evidence=evidence, source="; ".join(sources), doc_id="; ".join(docs))
    merged.reasons = dict(m.reasons, merged_across=f"reported by {len(docs)} documents ({', '.join(docs)}): "
                                                    "same class, date, place and actors; fewest fatalities kept")
    return merged


@lru_cache(maxsize=1)
def _default() -> Extractor:
    return Extractor()


def extract(text: str, *, published=None, source: str | None = None, language: str | None = None) -> list[EventRecord]:
    """Events in ``text`` as ACLED records. ``published`` (date or YYYY-MM-DD) anchors relative dates."""
    return _default().extract(text, published=published, source=source, language=language)
