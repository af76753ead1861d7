"""The eventx corpus: one JSONL format for every language, its builder, splits and validator.

A record (one sentence)::

    {"id": "ar:snn-b06923e81b0f:003", "doc_id": "snn-b06923e81b0f", "lang": "ar",
     "source": "saudinewsnet/aawsat", "license": "CC BY-NC-SA 4.0", "origin": "real",
     "published": "2015-07-21", "split": "train",
     "text": "...", "tokens": [[0, 5], [6, 12], ...],
     "triggers": [{"id": "T1", "class": "clash", "start": 10, "end": 18, "text": "..."}],
     "arguments": [{"trigger": "T1", "role": "actor1", "start": 0, "end": 5, "text": "..."}]}

Character offsets are the truth; ``tokens`` are derived with ``eventx.segment.word_spans`` and
every span is widened to whole tokens (the tagger labels words). ``origin`` is ``real``,
``translated`` or ``written``; only ``real`` records go to dev and test.

    python -m training.corpus check            # validate training/data/**/*.jsonl (make corpus-check)
"""
from __future__ import annotations

import hashlib
import json
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

from eventx.segment import word_spans
from eventx.taxonomy import CLASSES, ROLES

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "training" / "data"
SPLIT_SEED = "eventx-split-v1"
ORIGINS = ("real", "translated", "written")
# share of documents per split (by a hash of the document id, so adding documents never moves old ones)
SPLIT_SHARES = (("test", 0.17), ("dev", 0.10))


class CorpusError(ValueError):
    pass


def split_for(lang: str, source: str, doc_id: str, origin: str = "real") -> str:
    """Document-level split from a seeded hash: stable across runs and machines."""
    if origin != "real":
        return "train"
    h = int(hashlib.sha256(f"{SPLIT_SEED}|{lang}|{source.split('/')[0]}|{doc_id}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    acc = 0.0
    for name, share in SPLIT_SHARES:
        acc += share
        if h < acc:
            return name
    return "train"


# Documents annotated after dev/test were frozen (FROZEN.json) carry their split in the annotation
# manifest ("split": "train") instead of taking split_for's hash: the hash would send ~27% of them to
# the frozen sets. Only train may be pinned; split_for stays unchanged for every frozen document.
POST_FREEZE_SPLITS = ("train",)


def pinned_split(doc: dict) -> str | None:
    """The split a manifest entry pins (post-freeze documents), or None to use ``split_for``."""
    split = doc.get("split")
    if split is None:
        return None
    if split not in POST_FREEZE_SPLITS:
        raise CorpusError(f"{doc.get('doc_id', '?')}: manifest pins split {split!r}, but dev and test are frozen "
                          f"(training/data/FROZEN.json); a document added after the freeze may only go to "
                          f"{' or '.join(POST_FREEZE_SPLITS)}")
    return split


def _snap(tokens: list[tuple[int, int]], start: int, end: int) -> tuple[int, int]:
    inside = [t for t in tokens if t[0] < end and t[1] > start]
    if not inside:
        raise CorpusError(f"span {start}-{end} covers no word")
    return inside[0][0], inside[-1][1]


def word_range(tokens: list, start: int, end: int) -> tuple[int, int] | None:
    """(first word, last word + 1) of the words inside characters ``start``-``end``; None if none."""
    idx = [i for i, (s, e) in enumerate(tokens) if s >= start and e <= end]
    return (idx[0], idx[-1] + 1) if idx else None


def iob_tags(n: int, spans: list[tuple[int, int, str]]) -> list[str]:
    """IOB2 tags for ``n`` words from (first word, end word, label) spans; an overlapping span is skipped."""
    tags = ["O"] * n
    for a, b, lab in sorted(spans, key=lambda x: x[0]):  # stable: the first of two equal spans wins
        if all(x == "O" for x in tags[a:b]):
            tags[a] = "B-" + lab
            for i in range(a + 1, b):
                tags[i] = "I-" + lab
    return tags


def make_record(*, rid: str, doc_id: str, lang: str, source: str, license: str, text: str,
                triggers: list[dict], arguments: list[dict], origin: str = "real",
                published: str | None = None, split: str | None = None, **extra) -> dict:
    """Build a corpus record: spans widened to whole words, texts filled in, split assigned."""
    toks = word_spans(text)
    trig, args = [], []
    for t in triggers:
        s, e = _snap(toks, t["start"], t["end"])
        trig.append({"id": t["id"], "class": t["class"], "start": s, "end": e, "text": text[s:e]})
    for a in arguments:
        s, e = _snap(toks, a["start"], a["end"])
        args.append({"trigger": a["trigger"], "role": a["role"], "start": s, "end": e, "text": text[s:e]})
    rec = {"id": rid, "doc_id": doc_id, "lang": lang, "source": source, "license": license, "origin": origin,
           "published": published, "split": split or split_for(lang, source, doc_id, origin),
           "text": text, "tokens": [list(t) for t in toks], "triggers": trig, "arguments": args}
    rec.update(extra)
    return rec


def norm_text(s: str) -> str:
    """Key for duplicate detection: NFKC, no diacritics/tatweel/ZWNJ, unified Persian letter forms."""
    s = unicodedata.normalize("NFKC", s)
    s = re.sub(r"[\u064B-\u065F\u0670\u0640\u200c\u200d]", "", s)
    s = s.replace("ي", "ی").replace("ك", "ک").replace("ى", "ی")
    return re.sub(r"\s+", " ", s).strip().lower()


def validate(records: list[dict], *, forbidden_texts: list[str] = ()) -> tuple[list[str], list[str]]:
    """Return (errors, warnings). Errors make the corpus unusable; warnings are for review."""
    errors: list[str] = []
    warnings: list[str] = []
    ids = Counter(r.get("id") for r in records)
    for rid, n in ids.items():
        if n > 1:
            errors.append(f"{rid}: id used {n} times")
    split_of_text: dict[str, set] = defaultdict(set)
    labels_of_string: dict[str, Counter] = defaultdict(Counter)
    forbidden = [norm_text(t) for t in forbidden_texts if len(t) > 40]
    for r in records:
        rid, text = r.get("id", "?"), r.get("text", "")
        if r.get("origin") not in ORIGINS:
            errors.append(f"{rid}: unknown origin {r.get('origin')!r}")
        if r.get("split") not in ("train", "dev", "test"):
            errors.append(f"{rid}: unknown split {r.get('split')!r}")
        if r.get("origin") != "real" and r.get("split") != "train":
            errors.append(f"{rid}: {r.get('origin')} text in {r.get('split')} (only real text may be evaluated on)")
        for k in ("license", "source", "lang", "doc_id"):
            if not r.get(k):
                errors.append(f"{rid}: missing {k}")
        spans: dict[tuple[int, int], str] = {}
        trig_ids = set()
        for t in r.get("triggers", []):
            if t.get("class") not in CLASSES:
                errors.append(f"{rid}: unknown class {t.get('class')!r}")
            trig_ids.add(t.get("id"))
        if len(trig_ids) != len(r.get("triggers", [])):
            errors.append(f"{rid}: duplicate trigger ids")
        for kind, items in (("trigger", r.get("triggers", [])), ("argument", r.get("arguments", []))):
            for x in items:
                s, e = x.get("start", -1), x.get("end", -1)
                if not (isinstance(s, int) and isinstance(e, int) and 0 <= s < e <= len(text)):
                    errors.append(f"{rid}: {kind} span {s}-{e} out of range (text length {len(text)})")
                    continue
                if text[s:e] != x.get("text"):
                    errors.append(f"{rid}: {kind} text {x.get('text')!r} != text[{s}:{e}] {text[s:e]!r}")
                for (s2, e2), who in spans.items():
                    if (s2, e2) != (s, e) and s < e2 and s2 < e:
                        errors.append(f"{rid}: {kind} {text[s:e]!r} overlaps {who} {text[s2:e2]!r}")
                if kind == "argument" and spans.get((s, e), "").startswith("trigger"):
                    errors.append(f"{rid}: argument {text[s:e]!r} is also a trigger span")
                spans.setdefault((s, e), f"{kind} {x.get('class') or x.get('role')}")
                lab = x.get("class") if kind == "trigger" else x.get("role")
                labels_of_string[norm_text(text[s:e])][f"{kind}:{lab}"] += 1
        for a in r.get("arguments", []):
            if a.get("role") not in ROLES:
                errors.append(f"{rid}: unknown role {a.get('role')!r}")
            if a.get("trigger") not in trig_ids:
                errors.append(f"{rid}: argument {a.get('text')!r} points to missing trigger {a.get('trigger')!r}")
        key = norm_text(text)
        if len(key) > 25:  # short headlines and datelines legitimately repeat
            split_of_text[key].add(r.get("split"))
        if forbidden and len(key) > 40 and any(key in f for f in forbidden):
            errors.append(f"{rid}: sentence appears in a seed article (seeds are never training data)")
    for key, splits in split_of_text.items():
        if len(splits) > 1:
            errors.append(f"same sentence in splits {sorted(splits)}: {key[:60]!r}")
    for string, labs in labels_of_string.items():
        kinds = {k for k in labs if not k.startswith("argument:actor")}  # actor1/actor2 swap by event
        if len(kinds) > 1 and sum(labs.values()) >= 3:
            warnings.append(f"same string, different labels: {string!r} {dict(labs)}")
    return errors, warnings


def read_jsonl(path: Path) -> list[dict]:
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise CorpusError(f"{path}:{n}: not JSON ({e.msg})") from None
    return out


def write_jsonl(path: Path, records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    tmp.replace(path)


def load_corpus(root: Path = DATA, langs: tuple[str, ...] | None = None) -> list[dict]:
    recs = []
    for p in sorted(root.glob("*/*.jsonl")):
        if langs is None or p.parent.name in langs:
            recs.extend(read_jsonl(p))
    return recs


def seed_texts() -> list[str]:
    out = []
    for p in sorted((ROOT / "seeds").glob("*.txt")):
        from eventx.segment import split_sentences
        out.extend(s.text for s in split_sentences(p.read_text(encoding="utf-8")))
    return out


def stats(records: list[dict]) -> dict:
    st = {"sentences": len(records), "documents": len({r["doc_id"] for r in records}),
          "triggers": Counter(), "roles": Counter(), "splits": Counter(), "origins": Counter()}
    for r in records:
        st["splits"][r["split"]] += 1
        st["origins"][r["origin"]] += 1
        st["triggers"].update(t["class"] for t in r["triggers"])
        st["roles"].update(a["role"] for a in r["arguments"])
    return st


FROZEN = DATA / "FROZEN.json"


def split_digest(records: list[dict], split: str, lang: str) -> str:
    """Checksum of one language's split: ids, texts and every label."""
    h = hashlib.sha256()
    for r in sorted((r for r in records if r["split"] == split and r["lang"] == lang), key=lambda r: r["id"]):
        h.update(json.dumps([r["id"], r["text"], r["triggers"], r["arguments"]], ensure_ascii=False,
                            sort_keys=True).encode())
    return h.hexdigest()


def freeze(version: int) -> dict:
    recs = load_corpus()
    out = {"version": version, "note": "dev and test are frozen: changing them needs a version bump here and in the report",
           "digests": {f"{split}/{lang}": split_digest(recs, split, lang)
                       for split in ("dev", "test") for lang in sorted({r["lang"] for r in recs})},
           "sentences": {f"{split}/{lang}": sum(1 for r in recs if r["split"] == split and r["lang"] == lang)
                         for split in ("dev", "test") for lang in sorted({r["lang"] for r in recs})}}
    FROZEN.write_text(json.dumps(out, indent=1) + "\n")
    return out


def main(argv: list[str]) -> int:
    if argv and argv[0] == "freeze":
        print(json.dumps(freeze(int(argv[1])), indent=1))
        return 0
    if not argv or argv[0] != "check":
        print(__doc__)
        return 2
    recs = load_corpus()
    errors, warnings = validate(recs, forbidden_texts=seed_texts())
    report = DATA / "validator_report.txt"
    report.write_text("\n".join(["# same string, different labels (for review)"] + warnings) + "\n", encoding="utf-8")
    for e in errors[:200]:
        print("ERROR", e)
    by_lang = defaultdict(list)
    for r in recs:
        by_lang[r["lang"]].append(r)
    for lang, rs in sorted(by_lang.items()):
        s = stats(rs)
        print(f"{lang}: {s['sentences']} sentences, {s['documents']} docs, {sum(s['triggers'].values())} triggers, "
              f"splits {dict(s['splits'])}")
    print(f"{len(recs)} records, {len(errors)} errors, {len(warnings)} label-consistency warnings ({report.name})")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
