"""Tune the decision offset on "O" for both passes of a trained tagger on the dev split.

    python -m training.calibrate [--model DIR]

Training down-weights "O" so the heads do not collapse to all-O; the price is over-prediction.
This grid-searches one logit offset per pass on dev (never test), smoothed over neighbours,: first the trigger offset for the
mean trigger-classification F1 over languages, then the argument offset for the mean argument F1.
The chosen offsets are written into the model's tagger.json (and its SHA256SUMS are renewed).
Model outputs are cached per input, so the whole search costs about one dev prediction.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from eventx.tag import CONFIG_FILE, WEIGHTS_FILE, Tagger, _sha256, default_model_dir
from training.corpus import load_corpus
from training.evaluate import score

GRID = [round(x, 2) for x in np.arange(-1.0, 4.01, 0.5)]


def _memoize(tagger: Tagger) -> None:
    """Cache the model's per-item outputs so repeated predictions only run new items."""
    run, cache = tagger._run, {}

    def cached(task, items):
        keys = [(task, tuple(map(tuple, p)), m) for p, m in items]
        todo = [i for i, k in enumerate(keys) if k not in cache]
        if todo:
            for i, pr in zip(todo, run(task, [items[i] for i in todo])):
                cache[keys[i]] = pr
        return [cache[k] for k in keys]

    tagger._run = cached


def _mean_f1(tagger: Tagger, recs: list[dict], name: str) -> float:
    preds = tagger.predict([r["text"] for r in recs])
    langs = sorted({r["lang"] for r in recs})
    f1s = []
    for lang in langs:
        idx = [i for i, r in enumerate(recs) if r["lang"] == lang]
        f1s.append(score([recs[i] for i in idx], [preds[i] for i in idx])[name]["f1"])
    return float(np.mean(f1s))


def _smoothed_best(curve: dict[float, float]) -> float:
    """The offset with the best mean F1 over itself and its grid neighbours: dev has a few hundred
    triggers per language, so a single grid point's peak is partly noise."""
    xs = sorted(curve)
    smooth = {x: np.mean([curve[y] for y in xs[max(0, i - 1):i + 2]]) for i, x in enumerate(xs)}
    return max(xs, key=lambda x: (round(smooth[x], 6), -abs(x)))


def calibrate(model_dir: Path) -> dict:
    tagger = Tagger.from_pretrained(model_dir, dtype="float32", runtime="torch")  # the reference precision
    _memoize(tagger)
    # an ablation model is tuned only on the languages it was trained on: the left-out one stays unseen
    excluded = set(tagger.meta.get("excluded_languages", ()))
    recs = [r for r in load_corpus() if r["split"] == "dev" and r["lang"] not in excluded]
    tagger.o_bias = {"trigger": 0.0, "argument": 0.0}
    found = {}
    for task, name in (("trigger", "trigger_classification"), ("argument", "argument_classification")):
        curve = {}
        for b in GRID:
            tagger.o_bias[task] = b
            curve[b] = round(_mean_f1(tagger, recs, name), 4)
            print(f"{task} offset {b:+.1f}: dev mean {name} F1 {curve[b]:.4f}", flush=True)
        best = _smoothed_best(curve)
        tagger.o_bias[task] = best
        found[task] = {"offset": best, "dev_f1": curve[best], "dev_f1_at_0": curve[0.0], "curve": curve}
    return found


def write_offsets(model_dir: Path, found: dict) -> None:
    cfg = model_dir / CONFIG_FILE
    meta = json.loads(cfg.read_text())
    meta["o_bias"] = {t: v["offset"] for t, v in found.items()}
    meta["calibration"] = {t: {k: v[k] for k in ("dev_f1", "dev_f1_at_0")} for t, v in found.items()}
    cfg.write_text(json.dumps(meta, indent=1, ensure_ascii=False))
    (model_dir / "SHA256SUMS").write_text("".join(f"{_sha256(model_dir / f)}  {f}\n" for f in (WEIGHTS_FILE, CONFIG_FILE)))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None)
    args = ap.parse_args(argv)
    model_dir = Path(args.model) if args.model else default_model_dir()
    found = calibrate(model_dir)
    write_offsets(model_dir, found)
    print(json.dumps({t: {k: v[k] for k in ("offset", "dev_f1", "dev_f1_at_0")} for t, v in found.items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
