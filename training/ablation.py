"""Score the language-ablation models (training/ablation.sh) on the frozen test sets.

    sh training/ablation.sh 500 /tmp/ablation && python -m training.ablation /tmp/ablation

Writes training/ablation.json, which training/report.py turns into the report's ablation table:
one row per training mix (all languages, without ar, without fa, without en), one column per test
language, each cell "trigger classification F1 / argument classification F1".
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from training.evaluate import evaluate

ROOT = Path(__file__).resolve().parent.parent
LANGS = ["ar", "fa", "en"]
ROWS = {"all": "nothing (all languages)", "no_ar": "Arabic", "no_fa": "Persian", "no_en": "English"}


def main(argv: list[str]) -> int:
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir", nargs="?", default="/tmp/ablation")
    ap.add_argument("--note", default="", help="a sentence added to the table's note (for example a rerun's reason)")
    args = ap.parse_args(argv)
    base = Path(args.outdir)
    out = {"langs": LANGS, "rows": {}, "raw": {}}
    steps, offsets = None, {}
    config_seed = json.loads((ROOT / "training" / "config.json").read_text())["seed"]
    for key, label in ROWS.items():
        d = base / key
        if not (d / "tagger.json").is_file():
            print(f"{d}: missing, skipped", file=sys.stderr)
            continue
        meta = json.loads((d / "tagger.json").read_text())
        steps = meta["steps"]
        offsets[key] = meta.get("o_bias", {})
        if meta["config"]["seed"] != config_seed:
            label += f" (seed {meta['config']['seed']})"
        cached = base / f"{key}.eval.json"  # scored once per model; a rerun only scores new models
        if cached.is_file():
            res = json.loads(cached.read_text())
        else:
            res = evaluate(str(d), ("test",), tuple(LANGS))
            cached.write_text(json.dumps(res))
        out["raw"][key] = {lang: {n: r[n]["f1"] for n in ("trigger_classification", "argument_classification")}
                           for lang, r in res["by_language"].items()}
        out["rows"][label] = {lang: f"{v['trigger_classification']:.3f} / {v['argument_classification']:.3f}"
                              for lang, v in out["raw"][key].items()}
        print(label, out["rows"][label], flush=True)
    out["offsets"] = offsets
    out["note"] = (f"Each model trained with training/config.json for the same {steps} optimizer steps (an equal "
                   "budget: a mix without a language has fewer batches per epoch; shorter than the shipped model's "
                   "run so all four fit the CPU budget), then its two O offsets calibrated on the dev split of its "
                   "own training languages only; scored on the test split, seqeval strict, fp32." + (" " + args.note if args.note else ""))
    (ROOT / "training" / "ablation.json").write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
