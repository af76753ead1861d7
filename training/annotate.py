"""Annotation batches: export whole documents as sentence lists, import marked-up files.

    python -m training.annotate export-ar   # writes training/annotation/ar/batch_01..04.tsv
    python -m training.annotate export-fa
    python -m training.annotate search-ar SELECTION.json       # candidates for a targeted batch's query
    python -m training.annotate export-ar-docs SELECTION.json  # that batch's chosen documents -> batch_NN.tsv
    python -m training.annotate check FILE.ann.tsv     # parse a marked file, report errors
    python -m training.annotate import LANG            # all *.ann.tsv -> training/data/LANG/annotated.jsonl

Batch files are TSV: ``sent_id<TAB>sentence``, with ``# doc ...`` header lines that give
the annotator the document's date and title. An annotator copies ``batch_NN.tsv`` to
``batch_NN.ann.tsv`` and adds inline markup (see training/markup.py) to the sentence column.

A targeted batch (batch_06 on) is described by a selection file, ``batch_NN.select.json``: the
search query (regular expressions over sentences of the full collection), the documents chosen by
reading the candidates, and the split they go to. Documents added after dev/test were frozen are
pinned to train in the manifest (``"split": "train"``, see ``training.corpus.pinned_split``).
"""
from __future__ import annotations

import gzip
import json
import random
import re
import sys
from pathlib import Path

from eventx.segment import split_sentences
from training.markup import MarkupError, parse

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
ANN = ROOT / "training" / "annotation"
TAXONOMY = json.loads((ROOT / "schemas" / "taxonomy.json").read_text())
CLASSES = set(TAXONOMY["classes"])
ROLES = set(TAXONOMY["roles"])
SEED = 13


def _clean(s: str) -> str:
    return s.replace("\t", " ")


def _doc_sentences(doc_id: str, text: str) -> list[dict]:
    return [{"sent_id": f"{doc_id}:{i:03d}", "start": s.start, "end": s.end, "text": s.text}
            for i, s in enumerate(split_sentences(text))]


def _write_batches(lang: str, docs: list[dict], n_batches: int) -> None:
    out = ANN / lang
    out.mkdir(parents=True, exist_ok=True)
    # whole documents go to one batch; balance batches by sentence count
    loads = [0] * n_batches
    groups: list[list[dict]] = [[] for _ in range(n_batches)]
    for d in docs:
        k = loads.index(min(loads))
        groups[k].append(d)
        loads[k] += len(d["sentences"])
    manifest = []
    for k, g in enumerate(groups):
        lines = []
        for d in g:
            lines.append(f"# doc {d['doc_id']} | published {d.get('published') or 'unknown'} | {_clean(d['title'])}")
            for s in d["sentences"]:
                lines.append(f"{s['sent_id']}\t{_clean(s['text'])}")
            manifest.append({k2: v for k2, v in d.items() if k2 != "text"} | {"batch": k + 1})
        (out / f"batch_{k + 1:02d}.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with open(out / "manifest.jsonl", "w", encoding="utf-8") as f:
        for d in manifest:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    print(lang, "docs", len(docs), "sentences", sum(loads), "batches", loads)


def _pick(docs, rng, target, lo=4, hi=25, seen=None):
    seen = seen if seen is not None else set()
    rng.shuffle(docs)
    out, n = [], 0
    for d in docs:
        if n >= target:
            break
        if d["doc_id"] in seen:
            continue
        sents = _doc_sentences(d["doc_id"], d["text"])
        if not lo <= len(sents) <= hi or any("\t" in s["text"] for s in sents):
            continue
        d["sentences"] = sents
        seen.add(d["doc_id"])
        out.append(d)
        n += len(sents)
    return out


AR_SHIPMENT = re.compile(r"شحنة|شحنات|إمدادات|امدادات|تعزيزات|قافلة|أسلحة وذخائر|تسليم أسلحة|صفقة أسلحة|ضبط|مصادرة|تهريب")
AR_CAPTURE = re.compile(r"سيطر|تحرير|استعاد|استعادة|انتزاع")
AR_AIR = re.compile(r"غارة|غارات|طائرات التحالف|الطيران")


def _load_snn(path: Path, opener=open):
    """SaudiNewsNet articles as annotation documents."""
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            yield {"doc_id": r["id"], "lang": "ar", "source": "saudinewsnet/" + r["source"],
                   "url": r["url"], "published": r["date"], "title": r["title"], "text": r["text"]}


def export_ar(n_batches: int = 4) -> None:
    rng = random.Random(SEED)
    seen: set[str] = set()
    load = _load_snn

    sub = list(load(SHARED / "ar/saudinewsnet/conflict_subset.jsonl"))
    sub_ids = {d["doc_id"] for d in sub}
    docs = _pick(sub, rng, 1750, seen=seen)
    # shipment and seizure are rare in the conflict subset: add documents from the full
    # collection that mention supplies, reinforcements, convoys or seizures
    full = [d for d in load(SHARED / "ar/saudinewsnet/saudinewsnet_all.jsonl.gz", gzip.open)
            if d["doc_id"] not in sub_ids and len(AR_SHIPMENT.findall(d["text"])) >= 2
            and (AR_CAPTURE.search(d["text"]) or AR_AIR.search(d["text"]) or "أسلحة" in d["text"])]
    docs += _pick(full, rng, 550, seen=seen)
    _write_batches("ar", docs, n_batches)


FA_KW = re.compile(r"درگير|درگیر|حمله|بمباران|هوايي|هوایی|موشك|موشک|خمپاره|تسلط|آزادساز|تصرف|داعش|النصره|طالبان|"
                   r"تروريست|تروریست|محموله|سلاح|تسليحات|تسلیحات|كشته|کشته|بازداشت|دستگير|دستگیر|انفجار|ارتش|شبه‌نظامی|شبه نظامي")


def export_fa(n_batches: int = 3) -> None:
    rng = random.Random(SEED)
    seen: set[str] = set()

    def fars(path, opener=open):
        with opener(path, "rt", encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                text = "\n".join(x for x in (r.get("title"), r.get("abstract"), r.get("text")) if x)
                yield {"doc_id": str(r["id"]) if str(r["id"]).startswith("fars-") else "fars-" + str(r["id"]), "lang": "fa", "source": "farsnews",
                       "url": r.get("link"), "published": r.get("date"), "title": r.get("title") or "", "text": text}

    sub = list(fars(SHARED / "fa/farsnews/conflict_subset.jsonl"))
    docs = _pick(sub, rng, 10_000, lo=2, hi=40, seen=seen)
    rest = [d for d in fars(SHARED / "fa/farsnews/farsnews_all.jsonl.gz", gzip.open)
            if d["doc_id"] not in seen and len(FA_KW.findall(d["text"])) >= 4]
    docs += _pick(rest, rng, 500, lo=2, hi=40, seen=seen)
    for name in ("hamshahri", "radiofarda"):
        items = json.loads((SHARED / f"fa/rss/{name}.json").read_text(encoding="utf-8"))
        rss = []
        for i, r in enumerate(items):
            text = (r.get("title") or "") + "\n" + (r.get("summary") or "")
            if len(FA_KW.findall(text)) >= 1:
                rss.append({"doc_id": f"{name}-{i:04d}", "lang": "fa", "source": f"rss/{name}", "url": r.get("link"),
                            "published": None, "title": r.get("title") or "", "text": text})
        docs += _pick(rss, rng, 10_000, lo=1, hi=40, seen=seen)
    _write_batches("fa", docs, n_batches)


SELECTION_KEYS = ("batch", "lang", "split", "query", "documents")
QUERY_KEYS = ("collection", "action", "materiel", "max_sentences")


def read_selection(path: Path) -> dict:
    """A targeted batch's selection file (query + chosen documents), checked for shape."""
    try:
        sel = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise ValueError(f"{path}: cannot read the selection file ({e})") from None
    missing = [k for k in SELECTION_KEYS if k not in sel] + [f"query.{k}" for k in QUERY_KEYS if k not in sel.get("query", {})]
    if missing:
        raise ValueError(f"{path}: missing {', '.join(missing)}")
    if sel["lang"] != "ar":
        raise ValueError(f"{path}: lang {sel['lang']!r}: only Arabic (SaudiNewsNet) selections are supported")
    ids = [d.get("doc_id") for d in sel["documents"]]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if None in ids or dupes:
        raise ValueError(f"{path}: every document needs a doc_id, each once (repeated: {dupes})")
    return sel


def _manifest_ids(lang: str) -> set[str]:
    path = ANN / lang / "manifest.jsonl"
    if not path.exists():
        return set()
    return {json.loads(line)["doc_id"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()}


def search_ar(sel_path: Path) -> list[dict]:
    """Documents of the collection not yet annotated that have a sentence matching the selection's
    query (an ``action`` word and a ``materiel`` word in the same sentence), most hits first."""
    q = read_selection(sel_path)["query"]
    action, materiel = re.compile(q["action"]), re.compile(q["materiel"])
    known = _manifest_ids("ar")
    out = []
    for d in _load_snn(SHARED / q["collection"], gzip.open):
        if d["doc_id"] in known or not (action.search(d["text"]) and materiel.search(d["text"])):
            continue
        sents = _doc_sentences(d["doc_id"], d["text"])
        hits = [s["text"] for s in sents if action.search(s["text"]) and materiel.search(s["text"])]
        if hits and len(sents) <= q["max_sentences"]:
            out.append({"doc_id": d["doc_id"], "sentences": len(sents), "hits": len(hits),
                        "title": d["title"], "first_hit": hits[0]})
    out.sort(key=lambda c: (-c["hits"], c["sentences"], c["doc_id"]))
    return out


def export_ar_docs(sel_path: Path) -> dict:
    """Write ``batch_NN.tsv`` for a selection's documents and append them to the manifest.

    Refuses documents already annotated, missing from the collection, or sharing a sentence with
    the corpus or a seed article (a shared sentence would tie the new document to a frozen split)."""
    from training.corpus import load_corpus, norm_text, pinned_split, seed_texts
    sel = read_selection(sel_path)
    split = pinned_split({"doc_id": Path(sel_path).name, "split": sel["split"]})
    out_dir = ANN / "ar"
    tsv = out_dir / f"batch_{int(sel['batch']):02d}.tsv"
    if tsv.exists():
        raise FileExistsError(f"{tsv} exists: a batch is exported once (its .ann.tsv is annotated against it)")
    wanted = [d["doc_id"] for d in sel["documents"]]
    already = sorted(set(wanted) & _manifest_ids("ar"))
    if already:
        raise ValueError(f"{sel_path}: already in the manifest: {already}")
    found = {d["doc_id"]: d for d in _load_snn(SHARED / sel["query"]["collection"], gzip.open) if d["doc_id"] in set(wanted)}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise ValueError(f"{sel_path}: not in {sel['query']['collection']}: {missing}")
    corpus = {norm_text(r["text"]): r["id"] for r in load_corpus(langs=("ar",)) if len(norm_text(r["text"])) > 25}
    seeds = [norm_text(t) for t in seed_texts()]
    lines, manifest, problems = [], [], []
    for doc_id in wanted:
        d = found[doc_id]
        d["sentences"] = _doc_sentences(doc_id, d["text"])
        for s in d["sentences"]:
            key = norm_text(s["text"])
            if key in corpus:
                problems.append(f"{s['sent_id']}: same sentence as corpus record {corpus[key]}")
            if len(key) > 40 and any(key in f or f in key for f in seeds if len(f) > 40):
                problems.append(f"{s['sent_id']}: sentence of a seed article (seeds are never annotated)")
            if "\t" in s["text"]:
                problems.append(f"{s['sent_id']}: TAB inside the sentence")
        lines.append(f"# doc {doc_id} | published {d.get('published') or 'unknown'} | {_clean(d['title'])}")
        lines += [f"{s['sent_id']}\t{_clean(s['text'])}" for s in d["sentences"]]
        manifest.append({k: v for k, v in d.items() if k != "text"}
                        | {"batch": int(sel["batch"]), "split": split, "selection": Path(sel_path).name})
    if problems:
        raise ValueError(f"{sel_path}: drop these documents from the selection:\n  " + "\n  ".join(problems))
    tsv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with open(out_dir / "manifest.jsonl", "a", encoding="utf-8") as f:
        for d in manifest:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    return {"batch": tsv.name, "documents": len(manifest), "sentences": sum(len(d["sentences"]) for d in manifest)}


def read_ann(path: Path) -> list[tuple[str, str]]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        sid, sep, marked = line.partition("\t")
        if not sep:
            raise MarkupError(f"{path.name}:{n}: no TAB between sentence id and text")
        rows.append((sid.strip(), marked))
    return rows


def check(path: Path, sources: dict[str, str] | None = None) -> list[str]:
    """Parse every line of a marked file; return 'file:line: message' errors."""
    errors = []
    for sid, marked in read_ann(path):
        try:
            parse(marked, classes=CLASSES, roles=ROLES, source=None if sources is None else sources.get(sid))
            if sources is not None and sid not in sources and "-written-" not in sid:
                errors.append(f"{path.name}: {sid}: unknown sentence id")
        except MarkupError as e:
            errors.append(f"{path.name}: {sid}: {e}")
    return errors


def _sources(lang: str) -> dict[str, str]:
    out = {}
    for line in (ANN / lang / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        for s in d["sentences"]:
            out[s["sent_id"]] = _clean(s["text"])
    return out


LICENSES = {"saudinewsnet": "CC BY-NC-SA 4.0 (SaudiNewsNet, Alshaikhdeeb & Ahmad 2015)",
            "farsnews": "article copyright Fars News Agency; text redistributed in a public Apache-2.0 repository",
            "rss": "Hamshahri / RadioFarda RSS titles and summaries; no licence stated, research use",
            "written": "MIT (written by the eventx maintainers about real public events)"}


def _resolutions() -> dict[str, list[dict]]:
    """Review decisions that drop first-pass triggers (training/annotation/resolutions.json)."""
    path = ANN / "resolutions.json"
    out: dict[str, list[dict]] = {}
    if path.exists():
        for d in json.loads(path.read_text(encoding="utf-8"))["drop"]:
            out.setdefault(d["sentence"], []).append(d)
    return out


_RESOLVED: dict[str, list[dict]] | None = None


def _apply_resolutions(p, sid: str, lang: str):
    global _RESOLVED
    if _RESOLVED is None:
        _RESOLVED = _resolutions()
    drops = _RESOLVED.get(sid, [])
    if not drops:
        return p
    gone = {t["id"] for t in p.triggers
            if any(d["class"] == t["class"] and d["trigger"].strip() == t["text"] for d in drops)}
    p.triggers = [t for t in p.triggers if t["id"] not in gone]
    p.arguments = [a for a in p.arguments if a["trigger"] not in gone]
    return p


def _same_split_for_shared_text(records: list[dict], pinned: dict[str, str] | None = None) -> None:
    """Documents that share a sentence (re-published articles) must share a split: union them.

    ``pinned`` maps post-freeze documents to their manifest split: they never move, and never move
    another document (a frozen split would change), so a conflict is an error."""
    from training.corpus import CorpusError, norm_text
    pinned = pinned or {}
    parent: dict[str, str] = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x
    first: dict[str, str] = {}
    for r in records:
        if r["origin"] != "real":
            continue
        key = norm_text(r["text"])
        if len(key) > 25:
            if key in first:
                a, b = find(first[key]), find(r["doc_id"])
                if a != b:
                    parent[max(a, b)] = min(a, b)
            else:
                first[key] = r["doc_id"]
    split_of: dict[str, str] = {}
    for r in sorted(records, key=lambda r: r["doc_id"]):  # a group's split: its smallest unpinned document's
        if r["doc_id"] not in pinned:
            split_of.setdefault(find(r["doc_id"]), r["split"])
    for r in records:
        if r["origin"] != "real":
            continue
        group_split = split_of.get(find(r["doc_id"]))
        if r["doc_id"] in pinned:
            if group_split not in (None, pinned[r["doc_id"]]):
                raise CorpusError(f"{r['doc_id']}: shares a sentence with a {group_split} document, but it was added "
                                  f"after the freeze and is pinned to {pinned[r['doc_id']]}: drop it from its batch")
        elif group_split is not None:
            r["split"] = group_split


def import_lang(lang: str) -> dict[str, int]:
    """Convert every finished ``*.ann.tsv`` of ``lang`` into corpus JSONL under training/data/LANG/."""
    from training.corpus import DATA, make_record, pinned_split, write_jsonl
    docs = {}
    for line in (ANN / lang / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        docs[d["doc_id"]] = d
    sent_doc = {s["sent_id"]: d for d in docs.values() for s in d["sentences"]}
    out: dict[str, list[dict]] = {}
    # second_* files are the independent second pass, used only for agreement (training/agreement.py)
    for path in sorted(p for p in (ANN / lang).glob("*.ann.tsv") if not p.name.startswith("second")):
        written = path.name.startswith("written")
        header = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("# doc "):
                parts = [p.strip() for p in line[6:].split("|")]
                header[parts[0]] = {"event": parts[1].replace("event", "").strip() if len(parts) > 1 else None,
                                    "basis": parts[-1] if len(parts) > 3 else ""}
        for sid, marked in read_ann(path):
            doc_id = sid.rsplit(":", 1)[0]
            if written:
                src = None
                meta = {"source": "written", "published": None, "url": None}
            else:
                if sid not in sent_doc:
                    raise MarkupError(f"{path.name}: {sid}: unknown sentence id")
                meta = sent_doc[sid]
                src = next(s["text"] for s in meta["sentences"] if s["sent_id"] == sid)
            p = parse(marked, classes=CLASSES, roles=ROLES, source=None if src is None else _clean(src))
            p = _apply_resolutions(p, sid, lang)
            text = src if src is not None else p.text
            family = meta["source"].split("/")[0]
            rec = make_record(rid=f"{lang}:{sid}", doc_id=doc_id, lang=lang, source=meta["source"],
                              license=LICENSES["written" if written else family], text=text,
                              triggers=p.triggers, arguments=p.arguments,
                              origin="written" if written else "real", published=meta.get("published"),
                              split=pinned_split(meta), url=meta.get("url"),
                              annotation_batch=path.name.split(".")[0])
            if written:
                rec["event_basis"] = header.get(doc_id, {}).get("basis", "")
            out.setdefault("written" if written else family, []).append(rec)
    pinned = {d["doc_id"]: pinned_split(d) for d in docs.values() if pinned_split(d)}
    _same_split_for_shared_text([r for recs in out.values() for r in recs], pinned)
    for name, recs in out.items():
        write_jsonl(DATA / lang / f"{name}.jsonl", recs)
    return {k: len(v) for k, v in out.items()}


def main(argv: list[str]) -> int:
    cmd = argv[0] if argv else ""
    if cmd == "export-ar":
        export_ar()
    elif cmd == "export-fa":
        export_fa()
    elif cmd == "search-ar" and len(argv) == 2:
        for c in search_ar(Path(argv[1])):
            print(f"{c['hits']}\t{c['sentences']}\t{c['doc_id']}\t{c['title'][:70]}\t{c['first_hit'][:120]}")
    elif cmd == "export-ar-docs" and len(argv) == 2:
        print(export_ar_docs(Path(argv[1])))
    elif cmd == "import":
        for lang in argv[1:] or ["ar", "fa"]:
            print(lang, import_lang(lang))
    elif cmd == "check":
        path = Path(argv[1])
        lang = path.parent.name
        src = _sources(lang) if (ANN / lang / "manifest.jsonl").exists() and "written" not in path.name else None
        errs = check(path, src)
        for e in errs:
            print(e)
        n = len(read_ann(path))
        print(f"{path}: {n} sentences, {len(errs)} errors")
        return 1 if errs else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
