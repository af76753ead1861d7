"""Inter-annotator agreement: the independent second pass (``second_*.ann.tsv``) against the first.

    python -m training.agreement ar      # prints and writes training/data/ar/AGREEMENT.json

Span F1 treating the first pass as reference: a trigger matches on span + class; an argument on
span + role + the span of its trigger. Per class and per role.
"""
from __future__ import annotations

import json
import sys
from collections import Counter

from training.annotate import ANN, CLASSES, ROLES, _apply_resolutions, read_ann
from training.corpus import DATA
from training.markup import parse


def _items(marked: str, sid: str | None = None, lang: str = "") -> set[tuple]:
    p = parse(marked, classes=CLASSES, roles=ROLES)
    if sid is not None:  # the first pass as resolved after review
        p = _apply_resolutions(p, sid, lang)
    trig = {t["id"]: (t["start"], t["end"]) for t in p.triggers}
    out = {("trigger", t["class"], t["start"], t["end"]) for t in p.triggers}
    out |= {("argument", a["role"], a["start"], a["end"], trig[a["trigger"]]) for a in p.arguments}
    return out


def agreement(lang: str, resolved: bool = False) -> dict:
    first = {}
    for path in [*(ANN / lang).glob("batch_*.ann.tsv"), *(ANN / lang).glob("written_*.ann.tsv")]:
        first.update(dict(read_ann(path)))
    tp, n1, n2 = Counter(), Counter(), Counter()
    sentences = 0
    for path in sorted((ANN / lang).glob("second_*.ann.tsv")):
        for sid, marked in read_ann(path):
            if sid not in first:
                continue
            sentences += 1
            a, b = _items(first[sid], sid if resolved else None, lang), _items(marked)
            for x in a:
                n1[x[:2]] += 1
            for x in b:
                n2[x[:2]] += 1
            for x in a & b:
                tp[x[:2]] += 1
    res = {"sentences": sentences, "per_label": {}}
    for key in sorted(set(n1) | set(n2)):
        p = tp[key] / n2[key] if n2[key] else 0.0
        r = tp[key] / n1[key] if n1[key] else 0.0
        res["per_label"][f"{key[0]}:{key[1]}"] = {"f1": round(2 * p * r / (p + r), 3) if p + r else 0.0,
                                                  "first": n1[key], "second": n2[key], "both": tp[key]}
    for kind in ("trigger", "argument"):
        t = sum(v for k, v in tp.items() if k[0] == kind)
        a = sum(v for k, v in n1.items() if k[0] == kind)
        b = sum(v for k, v in n2.items() if k[0] == kind)
        res[f"{kind}_f1"] = round(2 * t / (a + b), 3) if a + b else 0.0
    return res


if __name__ == "__main__":
    for lang in sys.argv[1:] or ["ar", "fa"]:
        r = agreement(lang)
        r2 = agreement(lang, resolved=True)
        (DATA / lang / "AGREEMENT.json").write_text(json.dumps({"first_pass_as_annotated": r,
                                                                "first_pass_after_review": r2}, indent=1))
        print(lang, r["sentences"], "sentences; trigger F1", r["trigger_f1"], "argument F1", r["argument_f1"],
              "| after review: trigger F1", r2["trigger_f1"], "argument F1", r2["argument_f1"])
        for k, v in r["per_label"].items():
            print(f"  {k:28s} F1 {v['f1']:.3f}  first {v['first']:3d} second {v['second']:3d} both {v['both']:3d}")
