"""Evaluate a tagger on the frozen dev/test sets with seqeval (strict IOB2), per language, class and role.

    python -m training.evaluate [--model DIR] [--split test] [--out training/eval.json] [--report training/REPORT.md]
    python -m training.evaluate --check-floors          # CI: fail if a number is below training/floors.json

Scores:
- trigger identification: trigger spans, class ignored;
- trigger classification: trigger spans with their class;
- argument classification: role + span + the right trigger. For every gold trigger the predicted
  trigger with the same span supplies the predicted arguments (none if it was missed); predicted
  triggers matching no gold trigger contribute their arguments as false positives.
Arguments are also scored on multi-event sentences alone (two or more gold triggers).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from seqeval.metrics import classification_report, f1_score
from seqeval.scheme import IOB2

from training.corpus import DATA, iob_tags, load_corpus, word_range

ROOT = Path(__file__).resolve().parent.parent
FLOORS = ROOT / "training" / "floors.json"


def _spans(tokens, items) -> list[tuple[int, int, str]]:
    """(first word, end word, label) for (start, end, label) character spans that cover a word."""
    out = []
    for s, e, lab in items:
        r = word_range(tokens, s, e)
        if r:
            out.append((*r, lab))
    return out


def sequences(records: list[dict], predictions: list[list]) -> dict:
    """seqeval-ready gold/pred tag sequences for the three scores (plus multi-event arguments)."""
    out = defaultdict(lambda: ([], []))
    for rec, events in zip(records, predictions):
        toks = rec["tokens"]
        n = len(toks)
        gold_tr = {}
        for t in rec["triggers"]:
            r = word_range(toks, t["start"], t["end"])
            if r:
                gold_tr[r] = t
        pred_tr = {}
        for ev in events:
            r = word_range(toks, ev.trigger.start, ev.trigger.end)
            if r:
                pred_tr[r] = ev
        for name, lab in (("trigger_identification", lambda c: "TRG"), ("trigger_classification", lambda c: c)):
            out[name][0].append(iob_tags(n, [(a, b, lab(t["class"])) for (a, b), t in gold_tr.items()]))
            out[name][1].append(iob_tags(n, [(a, b, lab(e.trigger.label)) for (a, b), e in pred_tr.items()]))
        multi = len(gold_tr) > 1
        for r, t in gold_tr.items():
            g = _spans(toks, [(x["start"], x["end"], x["role"]) for x in rec["arguments"] if x["trigger"] == t["id"]])
            ev = pred_tr.get(r)
            p = _spans(toks, [(x.start, x.end, x.label) for x in ev.arguments]) if ev else []
            for name in ("argument_classification",) + (("argument_classification_multi_event",) if multi else ()):
                out[name][0].append(iob_tags(n, g))
                out[name][1].append(iob_tags(n, p))
        for r, ev in pred_tr.items():
            if r not in gold_tr:
                p = _spans(toks, [(x.start, x.end, x.label) for x in ev.arguments])
                for name in ("argument_classification",) + (("argument_classification_multi_event",) if multi else ()):
                    out[name][0].append(["O"] * n)
                    out[name][1].append(iob_tags(n, p))
    return out


def score(records: list[dict], predictions: list[list]) -> dict:
    res = {}
    for name, (gold, pred) in sequences(records, predictions).items():
        rep = classification_report(gold, pred, mode="strict", scheme=IOB2, output_dict=True, zero_division=0)
        res[name] = {"f1": round(f1_score(gold, pred, mode="strict", scheme=IOB2, zero_division=0), 4),
                     "per_label": {k: {m: round(float(v[m]), 4) for m in ("precision", "recall", "f1-score", "support")}
                                   for k, v in rep.items() if "avg" not in k}}
    return res


REFERENCE = {"dtype": "float32", "runtime": "torch"}  # the model as trained, whatever the inference default


def evaluate(model_dir: str | None, splits: tuple[str, ...], langs: tuple[str, ...] = ("ar", "en", "fa"),
             inference: dict | None = None) -> dict:
    """Scores per language. ``inference``: Tagger options (dtype, runtime); None: fp32 torch,
    {}: eventx's default inference path for this machine."""
    from eventx.tag import Tagger
    tagger = Tagger.from_pretrained(model_dir, **(REFERENCE if inference is None else inference))
    recs = [r for r in load_corpus() if r["split"] in splits and r["lang"] in langs]
    t0 = time.time()
    preds = tagger.predict([r["text"] for r in recs])
    secs = time.time() - t0
    out = {"model": tagger.meta.get("version"), "model_commit": tagger.meta.get("code_commit"),
           "splits": list(splits), "sentences": len(recs), "seconds": round(secs, 1),
           "inference": {k: getattr(tagger.plan, k) for k in ("device", "dtype", "runtime")} if tagger.plan else None,
           "by_language": {}}
    for lang in langs:
        idx = [i for i, r in enumerate(recs) if r["lang"] == lang]
        if idx:
            out["by_language"][lang] = score([recs[i] for i in idx], [preds[i] for i in idx])
            out["by_language"][lang]["sentences"] = len(idx)
    return out


def check_floors(res: dict) -> list[str]:
    floors = json.loads(FLOORS.read_text())
    bad = []
    for split, per_lang in floors.items():
        for lang, scores in per_lang.items():
            for name, floor in scores.items():
                got = res[split]["by_language"].get(lang, {}).get(name, {}).get("f1", 0.0)
                if got < floor:
                    bad.append(f"{split}/{lang}/{name}: {got:.4f} < floor {floor:.4f}")
    return bad


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="seqeval evaluation of the event tagger")
    ap.add_argument("--model", default=None)
    ap.add_argument("--out", default=None, help="write the scores as JSON")
    ap.add_argument("--check-floors", action="store_true")
    ap.add_argument("--dtype", default="float32", choices=("float32", "bfloat16", "int8", "default"),
                    help="inference precision (default float32, the model as trained; 'default': eventx's "
                         "default inference path on this machine, e.g. int8 on CPU)")
    ap.add_argument("--runtime", default=None, choices=("torch", "onnx"),
                    help="inference runtime (default: torch for float32, else eventx's choice)")
    args = ap.parse_args(argv)
    if args.dtype == "default":
        inference = {}
    else:
        inference = {"dtype": args.dtype, "runtime": args.runtime or ("torch" if args.dtype == "float32" else None)}
    res = {split: evaluate(args.model, (split,), inference=inference) for split in ("dev", "test")}
    data_version = json.loads((DATA / "FROZEN.json").read_text())["version"] if (DATA / "FROZEN.json").exists() else None
    res["data_version"] = data_version
    res["code_commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                        text=True).stdout.strip()
    for split in ("dev", "test"):
        for lang, r in res[split]["by_language"].items():
            print(f"{split:4s} {lang}: " + "  ".join(f"{k}={v['f1']:.3f}" for k, v in r.items() if isinstance(v, dict)))
    if args.out:
        Path(args.out).write_text(json.dumps(res, indent=1, ensure_ascii=False))
    if args.check_floors:
        bad = check_floors(res)
        for b in bad:
            print("BELOW FLOOR", b)
        print("floors: " + ("FAILED" if bad else "all met"))
        return 1 if bad else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
