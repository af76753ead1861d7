"""The benchmark: eventx's tagging next to Hugging Face's token-classification pipeline.

    python -m eventx.bench [--sentences 2100] [--docs 150] [--out benchmarks/RESULTS.md]
    python -m eventx.bench --small --out /tmp/bench.md      # CI: checks that it runs, not how fast

One process, one fixed sentence set (real ar/fa/en news from ../shared/data, drawn by the rule
in benchmarks/sources.json), the same weights everywhere:

- ``hf-pipeline``: ``pipeline("token-classification")`` with its default settings on the
  encoder + trigger head rebuilt as a ``*ForTokenClassification`` model (fp32, as HF loads it);
- ``eventx trigger pass``: the same job done by eventx (words, pieces, encoder, decoding);
- ``eventx predict``: the whole tagger, triggers and one argument pass per trigger;
- ``end-to-end``: documents through ``Extractor`` (language, sentences, tagging, normalization);
- every dtype/runtime eventx offers on this machine, to show which one wins.

Reported: sentences/s, tokens/s (the engine's own input tokens), peak resident memory of each
phase (Linux: the high-water mark is reset between phases), the machine (cores, CPU flags, GPU),
what else was using the CPU, and test-set F1 of fp32 and of the default path. Written as
Markdown plus a JSON with the same numbers next to it.
"""
from __future__ import annotations

import argparse
import ctypes
import datetime as dt
import gc
import gzip
import json
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["BenchError", "bench_inputs", "machine", "run", "main"]

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "benchmarks" / "sources.json"
DEFAULT_OUT = ROOT / "benchmarks" / "RESULTS.md"
DATA_ENV = "EVENTX_SHARED_DATA"
# The targets for the default CPU path (issue #10).
TARGETS = {"sentences_per_s": 150.0, "ratio_vs_pipeline": 4.0, "f1_drop_points": 0.5, "peak_rss_mb": 1536.0}
# dtype/runtime pairs compared per device kind; the default plan is always measured too
VARIANTS = {"cpu": [("torch", "float32"), ("torch", "bfloat16"), ("torch", "int8"), ("onnx", "float32"),
                    ("onnx", "int8")],
            "cuda": [("torch", "float32"), ("torch", "bfloat16"), ("torch", "float16")]}
SMALL = {"sentences": 30, "docs": 6}
# The GPU target: sentences/s of tagging on one H100-class GPU.
GPU_TARGET_SENTENCES_PER_S = 20_000.0
# On a GPU 2,100 sentences take a fraction of a second: the timed passes repeat them up to this many.
GPU_MIN_SENTENCES = 40_000
# Dense bf16 tensor-core peak (TFLOP/s, vendor datasheets, no sparsity), matched in this order as a
# substring of torch.cuda.get_device_name(): the more specific names first.
GPU_BF16_PEAK_TFLOPS = [("H100 PCIe", 756.0), ("H100 NVL", 835.0), ("H100", 989.0), ("H200", 989.0),
                        ("GH200", 989.0), ("B200", 2250.0), ("A100", 312.0), ("L40S", 362.0), ("L4", 121.0),
                        ("A10", 125.0), ("RTX 4090", 165.0)]
INTERESTING_FLAGS = ("avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx_vnni",
                     "avx512_bf16", "amx_tile", "amx_int8", "amx_bf16")


class BenchError(RuntimeError):
    """Inputs of the benchmark are missing or malformed; the message names the file."""


def _log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- inputs
def data_dir(arg: str | None = None, *, fallback: bool = False) -> Path | None:
    """``--data``, else ``EVENTX_SHARED_DATA``, else ../shared/data next to the repository; None
    where it is missing and ``fallback`` allows the project corpus instead."""
    d = Path(arg or os.environ.get(DATA_ENV) or ROOT.parent / "shared" / "data")
    if not d.is_dir():
        if fallback and not arg:
            return None
        raise BenchError(f"{d}: no such directory; the benchmark reads real news from the shared data folder "
                         f"(pass --data DIR or set {DATA_ENV})")
    return d


def _documents(base: Path, src: dict) -> list[tuple[str, str, str | None]]:
    """(id, text, date) per article of one source, in file order."""
    path = base / src["path"]
    if src["kind"] == "corpus":  # the project's corpus: one sentence a row, regrouped by document
        arts: dict[str, list] = {}
        for line in path.open(encoding="utf-8"):
            r = json.loads(line)
            arts.setdefault(r["doc_id"], [r.get("published")]).append(r["text"])
        return [(k, "\n".join(v[1:]), v[0]) for k, v in arts.items()]
    if not path.is_file():
        raise BenchError(f"{path}: missing (named in {SOURCES})")
    try:
        if src["kind"] == "jsonl":
            rows = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
            return [(str(r[src["id"]]), r[src["text"]], r.get(src["date"]) if src["date"] else None)
                    for r in rows if r.get(src["text"])]
        if src["kind"] == "m2e2":  # one row per sentence; articles are the sentence ids minus the index
            arts: dict[str, list[str]] = {}
            for r in json.load(gzip.open(path, "rt", encoding="utf-8")):
                arts.setdefault(r[src["id"]].rsplit("_", 1)[0], []).append(r[src["text"]])
            return [(k, " ".join(v), None) for k, v in arts.items()]
    except (ValueError, KeyError, OSError) as e:
        raise BenchError(f"{path}: cannot be read as {src['kind']} with the fields in {SOURCES} ({e})") from None
    raise BenchError(f"{SOURCES}: source kind {src['kind']!r} for {path} is not one of jsonl, m2e2")


def bench_inputs(n_sentences: int, n_docs: int, data: Path | None, sources: Path = SOURCES) -> dict:
    """The fixed inputs: ``n_sentences`` sentences and ``n_docs`` documents, split evenly over
    languages; ``data`` None: the corpus fallback named in ``sources``."""
    from eventx.segment import split_sentences, word_spans
    cfg = json.loads(Path(sources).read_text(encoding="utf-8"))
    langs = list(cfg["sources"])
    out = {"sentences": [], "languages": [], "documents": [], "sources": {},
           "origin": "shared data" if data else "project corpus (no ../shared/data here)"}
    for k, lang in enumerate(langs):
        src = cfg["sources"][lang]
        if data is None:
            src = dict(src, path=cfg["corpus_fallback"][lang], kind="corpus", name=src["name"] + " (project corpus)")
        docs = _documents(data if data is not None else ROOT, src)
        pool, seen = [], set()
        for _, text, _ in docs:
            for s in split_sentences(text):
                if cfg["min_words"] <= len(word_spans(s.text)) <= cfg["max_words"] and s.text not in seen:
                    seen.add(s.text)
                    pool.append(s.text)
        want = n_sentences // len(langs) + (k < n_sentences % len(langs))
        n_doc = n_docs // len(langs) + (k < n_docs % len(langs))
        if want > len(pool) or n_doc > len(docs):
            raise BenchError(f"{(data or ROOT) / src['path']}: {len(pool)} usable sentences and {len(docs)} documents, "
                             f"{want} and {n_doc} wanted")
        rng = random.Random(f"{cfg['seed']}-{lang}")
        out["sentences"] += rng.sample(pool, want)
        out["languages"] += [lang] * want
        from eventx.read import Document, parse_date
        for did, text, date in rng.sample(docs, n_doc):
            out["documents"].append(Document(did, text, parse_date(date) if date else None, src["name"]))
        out["sources"][lang] = {"name": src["name"], "path": src["path"], "licence": src["licence"],
                                "sentences": want, "documents": n_doc, "pool": len(pool)}
    out["seed"] = cfg["seed"]
    return out


# --------------------------------------------------------------------------- machine and memory
def machine() -> dict:
    """Cores, CPU model and flags, memory, library versions, GPU."""
    import torch
    from eventx.tag import cpu_flags
    info = {"cpu_model": None, "logical_cpus": os.cpu_count(), "usable_cpus": len(os.sched_getaffinity(0))
            if hasattr(os, "sched_getaffinity") else os.cpu_count(), "torch_threads": torch.get_num_threads()}
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
        mem = next(line for line in open("/proc/meminfo") if line.startswith("MemTotal"))
        info["memory_gb"] = round(int(mem.split()[1]) / 2 ** 20, 1)
    except (OSError, StopIteration):
        pass
    flags = cpu_flags()
    info["cpu_flags"] = [f for f in INTERESTING_FLAGS if f in flags]
    info["gpu"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    info["python"] = platform.python_version()
    info["platform"] = platform.platform()
    for mod in ("torch", "transformers", "onnxruntime", "numpy"):
        try:
            info[mod] = __import__(mod).__version__
        except ImportError:
            info[mod] = None
    return info


def busy_processes(interval: float = 1.0, threshold: float = 20.0) -> list[dict]:
    """Other processes using more than ``threshold`` % of a core over ``interval`` seconds (Linux)."""
    def ticks() -> dict[int, tuple[int, str]]:
        out = {}
        for p in Path("/proc").glob("[0-9]*"):
            try:
                stat = (p / "stat").read_text()
                f = stat[stat.rindex(")") + 2:].split()
                cmd = (p / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
                out[int(p.name)] = (int(f[11]) + int(f[12]), cmd)
            except (OSError, ValueError, IndexError):
                continue
        return out
    if not Path("/proc/self/stat").exists():
        return []
    a = ticks()
    time.sleep(interval)
    b = ticks()
    hz = os.sysconf("SC_CLK_TCK")
    busy = []
    for pid, (t, cmd) in b.items():
        if pid in a and pid != os.getpid():
            pct = 100.0 * (t - a[pid][0]) / hz / interval
            if pct >= threshold:
                busy.append({"pid": pid, "cpu_percent": round(pct), "command": cmd[:100]})
    return sorted(busy, key=lambda x: -x["cpu_percent"])


def _reset_peak() -> bool:
    """Reset this process's resident-memory high-water mark (Linux >= 4.0); False where it cannot."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)  # hand freed heap back, so a phase starts from what is live
    except (OSError, AttributeError):
        pass
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _status_mb(field: str) -> float | None:
    """A memory line of /proc/self/status (VmHWM, VmRSS) in MB; None where there is none."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def _peak_mb() -> float:
    peak = _status_mb("VmHWM")
    if peak is None:
        import resource
        peak = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return peak


def _rss_mb() -> float:
    rss = _status_mb("VmRSS")
    return float("nan") if rss is None else rss


# --------------------------------------------------------------------------- engines
def trigger_pass(tagger, sentences: list[str]) -> list:
    """Pass 1 only (what the HF pipeline does): words, pieces, encoder + trigger head, decoding."""
    from eventx.segment import word_spans
    spans = [word_spans(s) for s in sentences]
    pieces = [tagger.tok.encode_words([s[a:b] for a, b in sp]) if sp else [] for s, sp in zip(sentences, spans)]
    live = [i for i, p in enumerate(pieces) if p]
    probs = tagger._run("trigger", [(pieces[i], None) for i in live])
    return [tagger._decode(pr, tagger.trig_labels, spans[i], sentences[i]) for i, pr in zip(live, probs)]


def eventx_lengths(tagger, sentences: list[str]) -> list[int]:
    """Encoder input tokens of pass 1 per sentence (pieces plus the two special tokens)."""
    from eventx.segment import word_spans
    return [sum(map(len, tagger.tok.encode_words([s[a:b] for a, b in word_spans(s)]))) + 2 for s in sentences]


def encoder_flops(lengths: list[int], layers: int, hidden: int, ffn: int) -> float:
    """Forward FLOPs of a BERT-style encoder on sequences of these lengths: the matmuls (2 FLOPs per
    multiply-add) of the projections, the feed-forward block and attention's scores and mixing."""
    per_token = 2 * layers * (4 * hidden * hidden + 2 * hidden * ffn)
    return float(sum(per_token * n + 4 * layers * hidden * n * n for n in lengths))


def gpu_peak_tflops(name: str | None) -> tuple[float, str] | None:
    """(dense bf16 peak TFLOP/s, the table entry matched) for a CUDA device name; None if unknown."""
    return next(((t, k) for k, t in GPU_BF16_PEAK_TFLOPS if name and k in name), None)


def fast_tokenizer(tok):
    """A Hugging Face fast tokenizer equivalent to eventx's tokenizer (for the pipeline baseline).

    Same unigram vocabulary and scores; NFKC stands in for the packaged per-character
    normalization table, so a handful of rare characters may split differently.
    """
    if not hasattr(tok, "pieces"):  # an HF encoder: its own tokenizer already is one
        return tok._tok
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast
    t = Tokenizer(models.Unigram([(p, float(s)) for p, s in zip(tok.pieces, tok.scores)], unk_id=tok.unk_token_id))
    t.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])
    t.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    t.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    bos, eos = tok.pieces[tok.cls_token_id], tok.pieces[tok.sep_token_id]
    t.post_processor = processors.TemplateProcessing(single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
                                                     special_tokens=[(bos, tok.cls_token_id), (eos, tok.sep_token_id)])
    return PreTrainedTokenizerFast(tokenizer_object=t, bos_token=bos, eos_token=eos, cls_token=bos, sep_token=eos,
                                   pad_token=tok.pieces[tok.pad_token_id], unk_token=tok.pieces[tok.unk_token_id],
                                   model_max_length=512)


def hf_model_dir(model, tok, labels: list[str], dest: Path) -> Path:
    """Save encoder + trigger head as a ``*ForTokenClassification`` model with a fast tokenizer."""
    import copy
    from transformers import AutoModelForTokenClassification
    cfg = copy.deepcopy(model.encoder.config)
    cfg.num_labels = len(labels)
    cfg.id2label = dict(enumerate(labels))
    cfg.label2id = {v: k for k, v in enumerate(labels)}
    hf = AutoModelForTokenClassification.from_config(cfg)
    state = {f"{hf.base_model_prefix}.{k}": v for k, v in model.encoder.state_dict().items()}
    state.update({"classifier.weight": model.trigger_head.weight, "classifier.bias": model.trigger_head.bias})
    missing, unexpected = hf.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise BenchError(f"rebuilding the tagger as {type(hf).__name__}: missing {missing[:3]}, "
                         f"unexpected {unexpected[:3]}")
    hf.save_pretrained(dest)
    fast_tokenizer(tok).save_pretrained(dest)
    return dest


REPEAT = {"n": 1}  # timed runs per measurement (--repeat); the fastest counts


def _timed(fn, warm=None) -> tuple[object, float, float]:
    """(result, wall seconds, CPU seconds) of the fastest of REPEAT runs: other processes only
    ever slow a run down, so the minimum is the best estimate of the engine's own speed."""
    if warm is not None:
        warm()
    best = None
    for _ in range(REPEAT["n"]):
        c0, t0 = time.process_time(), time.perf_counter()
        out = fn()
        t = (out, time.perf_counter() - t0, time.process_time() - c0)
        best = t if best is None or t[1] < best[1] else best
    return best


def _row(engine: str, what: str, n: int, tokens: int, secs: float, cpu: float, peak: float, **extra) -> dict:
    return {"engine": engine, "what": what, "items": n, "tokens": tokens, "seconds": round(secs, 3),
            "cpu_seconds": round(cpu, 3), "per_s": round(n / secs, 2), "tokens_per_s": round(tokens / secs, 1),
            "peak_rss_mb": peak, **extra}


def _measure_eventx(model, sentences, docs, plan_kw: dict, label: str, *, end_to_end: bool) -> tuple[list, dict]:
    """Load eventx with ``plan_kw``; time pass 1, full predict and (optionally) documents end to end."""
    from eventx.tag import Tagger, plan_inference
    first_load = None
    if plan_inference(**plan_kw).runtime == "onnx":  # a first load makes the one-time export, if any
        t0 = time.perf_counter()
        Tagger.from_pretrained(model, **plan_kw)
        first_load = time.perf_counter() - t0
    _reset_peak()  # memory and load time of a normal start, export excluded
    start_rss = _rss_mb()
    t0 = time.perf_counter()
    tagger = Tagger.from_pretrained(model, **plan_kw)
    load = time.perf_counter() - t0
    plan = tagger.plan
    name = f"eventx {plan.runtime} {plan.dtype}" + (" (default)" if label == "default" else "")
    lengths = eventx_lengths(tagger, sentences)
    tokens = sum(lengths)
    warm = sentences[:16]
    _, secs, cpu = _timed(lambda: trigger_pass(tagger, sentences), lambda: trigger_pass(tagger, warm))
    extra = {}
    if tagger.model is not None:  # achieved encoder TFLOP/s (set against the GPU's peak in the summary)
        c = tagger.model.encoder.config
        flops = encoder_flops(lengths, c.num_hidden_layers, c.hidden_size, c.intermediate_size)
        extra["encoder_tflops_per_s"] = round(flops / secs / 1e12, 3)
    rows = [_row(name, "trigger pass", len(sentences), tokens, secs, cpu, _peak_mb(), load_s=round(load, 1),
                 first_load_s=first_load and round(first_load, 1), rss_at_start_mb=start_rss, **extra)]
    _log(f"{name}: trigger pass {rows[-1]['per_s']} sentences/s")
    events, secs, cpu = _timed(lambda: tagger.predict(sentences), lambda: tagger.predict(warm))
    n_events = sum(map(len, events))
    rows.append(_row(name, "predict (both passes)", len(sentences), tokens, secs, cpu, _peak_mb(),
                     events=n_events, argument_passes=n_events))
    _log(f"{name}: predict {rows[-1]['per_s']} sentences/s ({n_events} events)")
    if end_to_end:
        from eventx.pipeline import Extractor
        ex = Extractor(model)
        ex._tagger = tagger  # the tagger loaded above, not a second copy
        res, secs, cpu = _timed(lambda: list(ex.extract_results(docs)), lambda: list(ex.extract_results(docs[:2])))
        sents = sum(r.sentences for r in res)
        rows.append(_row(name, "end-to-end documents", len(docs), 0, secs, cpu, _peak_mb(),
                         sentences=sents, sentences_per_s=round(sents / secs, 2),
                         records=sum(len(r.records) for r in res), failed=sum(r.error is not None for r in res)))
        _log(f"{name}: end to end {rows[-1]['per_s']} documents/s")
    info = {"device": plan.device, "dtype": plan.dtype, "runtime": plan.runtime, "threads": plan.threads,
            "batch_tokens": plan.batch_tokens, "reasons": plan.reasons}
    return rows, info


def _measure_pipeline(model_path, sentences) -> dict:
    """HF pipeline("token-classification"), default settings, on the same fp32 weights."""
    from transformers import pipeline
    from transformers.utils import logging as hf_logging
    from eventx.encoder import load_tokenizer, resolve_encoder
    from eventx.tag import _load_model, default_model_dir
    hf_logging.disable_progress_bar()
    path = Path(model_path) if model_path else default_model_dir()
    meta = json.loads((path / "tagger.json").read_text())
    ref = resolve_encoder(meta.get("encoder"))
    with tempfile.TemporaryDirectory(prefix="eventx-bench-hf-") as tmp:
        model = _load_model(path, ref, meta)
        hf_model_dir(model, load_tokenizer(str(ref)), meta["trigger_labels"], Path(tmp))
        del model
        _reset_peak()
        start_rss = _rss_mb()
        t0 = time.perf_counter()
        pipe = pipeline("token-classification", model=tmp, tokenizer=tmp)
        load = time.perf_counter() - t0
        tokens = sum(len(ids) for ids in pipe.tokenizer(sentences)["input_ids"])
        _, secs, cpu = _timed(lambda: pipe(sentences), lambda: pipe(sentences[:16]))
        row = _row("hf-pipeline fp32", "trigger pass (token-classification)", len(sentences), tokens, secs, cpu,
                   _peak_mb(), load_s=round(load, 1), rss_at_start_mb=start_rss, settings="pipeline('token-classification') defaults: "
                   f"batch_size {pipe._batch_size or 1}, device {pipe.device}, aggregation none")
    _log(f"hf pipeline: {row['per_s']} sentences/s")
    return row


def _accuracy(model, plan_kw: dict) -> dict | None:
    """Test-split F1 per language (training.evaluate; only where the repository's training/ is present)."""
    try:
        from training.evaluate import evaluate
    except ImportError:
        return None
    res = evaluate(model, ("test",), inference=plan_kw)
    out = {}
    for lang, r in res["by_language"].items():
        out[lang] = {k: r[k]["f1"] for k in ("trigger_classification", "argument_classification")}
    return {"inference": res.get("inference"), "model": res.get("model"), "f1": out}


# --------------------------------------------------------------------------- the run
def run(n_sentences: int, n_docs: int, *, data: str | None = None, model: str | None = None,
        variants: str = "all", accuracy: str = "default", baseline: bool = True, small: bool = False) -> dict:
    """Measure everything; the returned dict is what the JSON holds."""
    from eventx import __version__
    from eventx.tag import DEVICE_DEFAULTS, plan_inference
    from transformers.utils import logging as hf_logging
    hf_logging.disable_progress_bar()
    t_start = time.time()
    from eventx.tag import default_model_dir
    model = str(Path(model).resolve()) if model else str(default_model_dir())  # one model for every phase
    before = {"loadavg": list(os.getloadavg()), "busy_processes": busy_processes()}
    inputs = bench_inputs(n_sentences, n_docs, data_dir(data, fallback=small))
    sentences, docs = inputs["sentences"], inputs["documents"]
    _log(f"{len(sentences)} sentences, {len(docs)} documents; baseline RSS {_rss_mb()} MB")
    default = plan_inference()
    kind = default.device.split(":")[0]
    if kind == "cuda" and len(sentences) < GPU_MIN_SENTENCES:  # long enough to time a GPU
        sentences = sentences * -(-GPU_MIN_SENTENCES // len(sentences))
        _log(f"GPU: the sentences repeated to {len(sentences)}")
    rows, plans = [], {}
    r, plans["default"] = _measure_eventx(model, sentences, docs, {}, "default", end_to_end=True)
    rows += r
    if baseline:
        rows.append(_measure_pipeline(model, sentences))
    todo = [] if variants == "default" else [v for v in VARIANTS[kind] if (v[0], v[1]) != (default.runtime,
                                                                                         default.dtype)]
    for runtime, dtype in todo:
        try:
            plan_inference(dtype=dtype, runtime=runtime)
        except ValueError as e:
            _log(f"skipped {runtime} {dtype}: {e}")
            rows.append({"engine": f"eventx {runtime} {dtype}", "what": "skipped", "reason": str(e)})
            continue
        r, _ = _measure_eventx(model, sentences, docs, {"dtype": dtype, "runtime": runtime}, "variant",
                               end_to_end=False)
        rows += r
    acc = {}
    if accuracy != "none":
        fp32 = {"dtype": "float32", "runtime": "torch"}
        wanted = {"float32": fp32, "default": {}}
        if accuracy == "all":
            wanted.update({f"{rt} {dt}": {"dtype": dt, "runtime": rt} for rt, dt in VARIANTS[kind]
                           if (rt, dt) not in {("torch", "float32"), (default.runtime, default.dtype)}})
        for name, kw in wanted.items():
            _log(f"test-set accuracy: {name}")
            try:
                a = _accuracy(model, kw)
            except ValueError as e:  # a variant this machine cannot run
                a = {"skipped": str(e)}
            if a is None:
                acc = {"skipped": "training/ (the frozen test sets) is not importable here"}
                break
            acc[name] = a
    after = {"loadavg": list(os.getloadavg()), "busy_processes": busy_processes()}
    info = machine()
    return {"eventx": __version__, "date": dt.datetime.now().isoformat(timespec="seconds"),
            "command": "python -m eventx.bench " + " ".join(sys.argv[1:]),
            "machine": info, "contention": {"before": before, "after": after},
            "inputs": {k: inputs[k] for k in ("seed", "sources", "origin")} | {"sentences": len(sentences),
                                                                     "documents": len(docs)},
            "model": str(Path(model).relative_to(ROOT)) if Path(model).is_relative_to(ROOT) else model,
            "model_version": json.loads((Path(model) / "tagger.json").read_text()).get("version"),
            "default_plan": plans["default"],
            "device_defaults": DEVICE_DEFAULTS, "results": rows, "accuracy": acc,
            "summary": summarize(rows, acc, plans["default"], gpu=info["gpu"]),
            "seconds": round(time.time() - t_start, 1)}


def _find(rows, engine_part: str, what: str) -> dict | None:
    return next((r for r in rows if engine_part in r["engine"] and r["what"].startswith(what)), None)


def _mean_f1(a: dict, metric: str) -> float:
    vals = [v[metric] for v in a["f1"].values()]
    return 100 * sum(vals) / len(vals)


def summarize(rows: list[dict], acc: dict, default: dict, gpu: str | None = None) -> dict:
    """The issue's targets against what was measured (None where it was not measured)."""
    d_trig, d_pred = _find(rows, "(default)", "trigger pass"), _find(rows, "(default)", "predict")
    hf = _find(rows, "hf-pipeline", "trigger pass")
    out = {"default": f"{default['runtime']} {default['dtype']} on {default['device']}"}
    out["sentences_per_s"] = {"target": TARGETS["sentences_per_s"], "trigger_pass": d_trig and d_trig["per_s"],
                              "predict": d_pred and d_pred["per_s"]}
    out["ratio_vs_pipeline"] = {"target": TARGETS["ratio_vs_pipeline"],
                                "trigger_pass": round(d_trig["per_s"] / hf["per_s"], 2) if hf and d_trig else None,
                                "predict": round(d_pred["per_s"] / hf["per_s"], 2) if hf and d_pred else None}
    peaks = [r["peak_rss_mb"] for r in rows if "(default)" in r["engine"]]
    out["peak_rss_mb"] = {"target": TARGETS["peak_rss_mb"], "default": max(peaks) if peaks else None,
                          "hf_pipeline": hf and hf["peak_rss_mb"]}
    if "float32" in acc and "default" in acc and "f1" in acc["float32"] and "f1" in acc["default"]:
        f = {}
        for metric in ("trigger_classification", "argument_classification"):
            a, b = _mean_f1(acc["float32"], metric), _mean_f1(acc["default"], metric)
            f[metric] = {"float32": round(a, 2), "default": round(b, 2), "drop_points": round(a - b, 2)}
        out["f1_drop_points"] = {"target": TARGETS["f1_drop_points"], **f}
    if gpu and default["device"].startswith("cuda"):
        peak = gpu_peak_tflops(gpu)
        got = d_trig and d_trig.get("encoder_tflops_per_s")
        out["gpu"] = {"device": gpu, "target": GPU_TARGET_SENTENCES_PER_S, "predict": d_pred and d_pred["per_s"],
                      "trigger_pass": d_trig and d_trig["per_s"], "encoder_tflops_per_s": got,
                      "bf16_peak_tflops": peak and peak[0], "peak_entry": peak and peak[1],
                      "fraction_of_peak": round(got / peak[0], 4) if peak and got else None}
    return out


# --------------------------------------------------------------------------- the report
def _fmt(x, nd=1) -> str:
    return "n/a" if x is None else (f"{x:,.{nd}f}" if isinstance(x, (int, float)) else str(x))


def _variants_table(res: dict) -> list[str]:
    """Speed against accuracy per dtype/runtime: the table the CPU default is chosen from."""
    acc, rows = res["accuracy"], res["results"]
    ref = acc.get("float32") if isinstance(acc.get("float32"), dict) and "f1" in acc["float32"] else None
    out = ["## Variants: speed against accuracy", "",
           "| variant | trigger pass sent/s | predict sent/s | trigger F1 vs fp32 | argument F1 vs fp32 |",
           "|---|---:|---:|---:|---:|"]
    for r in rows:
        if not r["what"].startswith("trigger pass") or not r["engine"].startswith("eventx"):
            continue
        name = r["engine"].removeprefix("eventx ").removesuffix(" (default)")
        pred = _find(rows, r["engine"], "predict")
        a = acc.get("default") if "(default)" in r["engine"] else acc.get(name)
        if name == "torch float32":
            a = ref
        d = ["n/a", "n/a"]
        if ref and isinstance(a, dict) and "f1" in a:
            d = [f"{_mean_f1(a, m) - _mean_f1(ref, m):+.2f}" for m in ("trigger_classification",
                                                                       "argument_classification")]
        label = name + (" **(default)**" if "(default)" in r["engine"] else "")
        out.append(f"| {label} | {r['per_s']:.1f} | {_fmt(pred and pred['per_s'])} | {d[0]} | {d[1]} |")
    return out + ["", "F1 differences are means over ar/en/fa of the test-set F1, in points.", ""]


def markdown(res: dict, json_name: str = "RESULTS.json") -> str:
    m, s = res["machine"], res["summary"]
    hf = _find(res["results"], "hf-pipeline", "trigger pass")
    lines = ["# eventx benchmark", "",
             f"`{res['command'].strip()}` on {res['date']}, eventx {res['eventx']}, model {res.get('model_version')} "
             f"({res['model']}). "
             f"Numbers in {json_name} next to this file.", "",
             "## Machine", "",
             f"- CPU: {m.get('cpu_model')}, {m['usable_cpus']} usable of {m['logical_cpus']} logical CPUs, "
             f"torch threads {m['torch_threads']}, {m.get('memory_gb')} GB memory",
             f"- CPU flags: {', '.join(m['cpu_flags']) or 'none of interest'}",
             f"- GPU: {m['gpu'] or 'none (no CUDA device on this machine: the GPU path was not measured here; '}"
             + ("" if m["gpu"] else "its device/dtype selection is covered by tests on CPU)"),
             f"- Python {m['python']}, torch {m['torch']}, transformers {m['transformers']}, onnxruntime "
             f"{m['onnxruntime']}, {m['platform']}", ""]
    busy = res["contention"]["before"]["busy_processes"] + res["contention"]["after"]["busy_processes"]
    if busy:
        cmds = sorted({b["command"][:70] for b in busy})
        lines += [f"**Measured under contention**: other processes were using the CPU (load average "
                  f"{res['contention']['before']['loadavg'][0]:.1f} at the start, "
                  f"{res['contention']['after']['loadavg'][0]:.1f} at the end, on {m['usable_cpus']} CPUs): "
                  + "; ".join(f"`{c}`" for c in cmds) + ". Absolute numbers are lower than on a quiet machine; "
                  "rerun `make bench` there for the reference numbers.", ""]
    src = res["inputs"]["sources"]
    lines += ["## Inputs", "",
              f"{res['inputs']['sentences']} sentences and {res['inputs']['documents']} documents from the "
              f"{res['inputs'].get('origin', 'shared data')}, seed "
              f"{res['inputs']['seed']} (rule in benchmarks/sources.json): "
              + "; ".join(f"{k}: {v['sentences']} sentences / {v['documents']} documents from {v['name']} "
                          f"({v['licence']})" for k, v in src.items()), "",
              "## Speed", "",
              "| engine | what | items/s | tokens/s | seconds | CPU seconds | RSS at start MB | peak RSS MB | "
              "vs HF pipeline |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in res["results"]:
        if r["what"] == "skipped":
            lines.append(f"| {r['engine']} | skipped: {r['reason']} | | | | | | | |")
            continue
        unit = "docs" if r["what"].startswith("end-to-end") else "sent"
        ratio = f"{r['per_s'] / hf['per_s']:.2f}x" if hf and unit == "sent" else ""
        extra = f" ({r['sentences_per_s']:.1f} sent/s)" if "sentences_per_s" in r else ""
        start = f"{r['rss_at_start_mb']:.0f}" if r.get("rss_at_start_mb") else ""
        lines.append(f"| {r['engine']} | {r['what']} | {r['per_s']:.1f} {unit}/s{extra} | "
                     f"{_fmt(r['tokens_per_s']) if r['tokens'] else ''} | {r['seconds']:.1f} | {r['cpu_seconds']:.1f}"
                     f" | {start} | {r['peak_rss_mb']:.0f} | {ratio} |")
    lines += ["", f"Fastest of {res.get('repeat', 1)} timed runs each. tokens/s counts each engine's own encoder "
              "input tokens of the sentences (pass 1); predict also runs one more encoder pass per trigger "
              "found. Peak RSS is the resident high-water mark of the phase (loading included), reset "
              "between phases; memory a phase inherits from earlier ones (RSS at start: the data, the cached "
              "tokenizer, allocator slack) counts too, so the first phase, eventx's default, is the cleanest.", ""]
    lines += _variants_table(res)
    if res["accuracy"]:
        lines += ["## Accuracy (frozen test sets, F1 per language)", ""]
        if "skipped" in res["accuracy"]:
            lines += [f"Not measured: {res['accuracy']['skipped']}", ""]
        else:
            lines += ["| inference | language | trigger classification | argument classification |",
                      "|---|---|---:|---:|"]
            for name, a in res["accuracy"].items():
                if "skipped" in a:
                    lines.append(f"| {name} | skipped: {a['skipped']} | | |")
                    continue
                inf = a.get("inference") or {}
                label = f"{name} ({inf.get('runtime')} {inf.get('dtype')})" if name == "default" else name
                for lang, f in a["f1"].items():
                    lines.append(f"| {label} | {lang} | {100 * f['trigger_classification']:.2f} | "
                                 f"{100 * f['argument_classification']:.2f} |")
            lines.append("")
    lines += ["## Targets (issue #10)", "", f"Default path: {s['default']}.", "",
              "| target | wanted | measured | met |", "|---|---:|---:|---|"]

    def met(ok, got=None, want=None):
        if ok is None or got is None:
            return "n/a"
        return "yes" if ok else f"**no** (missed by {100 * abs(got - want) / want:.1f}%)"
    sp = s["sentences_per_s"]
    for key, label in (("predict", "predict, both passes"), ("trigger_pass", "trigger pass")):
        got = sp[key]
        lines.append(f"| tagging sentences/s ({label}) | >= {sp['target']:.0f} | {_fmt(got)} | "
                     f"{met(got is not None and got >= sp['target'], got, sp['target'])} |")
    rv = s["ratio_vs_pipeline"]
    lines.append(f"| trigger pass vs HF pipeline | >= {rv['target']:.0f}x | {_fmt(rv['trigger_pass'], 2)}x | "
                 f"{met(rv['trigger_pass'] is not None and rv['trigger_pass'] >= rv['target'], rv['trigger_pass'], rv['target'])} |")
    pk = s["peak_rss_mb"]
    lines.append(f"| peak RSS, default path | < {pk['target']:.0f} MB | {_fmt(pk['default'], 0)} MB | "
                 f"{met(pk['default'] is not None and pk['default'] < pk['target'], pk['default'], pk['target'])} |")
    if "f1_drop_points" in s:
        fd = s["f1_drop_points"]
        for metric in ("trigger_classification", "argument_classification"):
            v = fd[metric]
            lines.append(f"| {metric.replace('_', ' ')} F1 drop vs fp32 (mean over languages) | <= "
                         f"{fd['target']} points | {v['drop_points']:+.2f} ({v['float32']:.2f} -> {v['default']:.2f})"
                         f" | {met(v['drop_points'] <= fd['target'], v['drop_points'], fd['target'])} |")
    if "gpu" in s:
        g = s["gpu"]
        for key, label in (("predict", "predict, both passes"), ("trigger_pass", "trigger pass")):
            lines.append(f"| GPU tagging sentences/s ({label}) | >= {g['target']:,.0f} | {_fmt(g[key])} | "
                         f"{met(g[key] is not None and g[key] >= g['target'], g[key], g['target'])} |")
        frac = g["fraction_of_peak"]
        lines.append(f"| GPU encoder TFLOP/s, trigger pass (share of the {g['peak_entry'] or 'unknown'} bf16 peak "
                     f"{_fmt(g['bf16_peak_tflops'], 0)}) | reported | {_fmt(g['encoder_tflops_per_s'], 2)} "
                     f"({'n/a' if frac is None else f'{100 * frac:.2f}%'}) | - |")
    lines.append("")
    lines += _notes(res)
    return "\n".join(lines) + "\n"


def _notes(res: dict) -> list[str]:
    """Why a speed target is missed, from the measured numbers."""
    rows, s = res["results"], res["summary"]
    trig, pred = _find(rows, "(default)", "trigger pass"), _find(rows, "(default)", "predict")
    out = []
    if pred and pred["per_s"] < s["sentences_per_s"]["target"]:
        n, ev = pred["items"], pred.get("events", 0)
        out.append(f"- predict runs {n + ev} encoder passes for {n} sentences (each of the {ev} triggers found "
                   f"gets its own argument pass), so it runs at {pred['per_s'] / trig['per_s']:.0%} of the "
                   "trigger pass's speed.")
    if res["contention"]["before"]["busy_processes"] or res["contention"]["after"]["busy_processes"]:
        out.append("- Other processes used the CPU during this run (see above); each number is the fastest "
                   f"of {res.get('repeat', 1)} runs, which removes part of that noise, not all of it.")
    if not res["machine"]["gpu"]:
        out.append("- No GPU on this machine: the CUDA path (bf16, 32k-token batches, inputs built before the "
                   "first forward pass, one transfer back) is untested on hardware here, so the GPU target "
                   "(20,000 sentences/s on one H100) and the fraction of the GPU's bf16 peak are not measured. "
                   "Run `make bench` on a CUDA machine to fill them in.")
    return (["## Notes", ""] + out + [""]) if out else []


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eventx.bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--sentences", type=int, default=2100, help="sentences, split evenly over ar/fa/en (>= 2000)")
    ap.add_argument("--docs", type=int, default=150, help="documents for the end-to-end run")
    ap.add_argument("--out", default=None, help=f"Markdown results (default {DEFAULT_OUT.relative_to(ROOT)}); "
                    "the JSON goes next to it")
    ap.add_argument("--small", action="store_true", help="tiny input, default path and baseline only (CI)")
    ap.add_argument("--data", default=None, help=f"shared data folder (default ${DATA_ENV} or ../shared/data)")
    ap.add_argument("--model", default=None, help="tagger directory (default: the shipped model)")
    ap.add_argument("--variants", choices=("all", "default"), default=None,
                    help="all dtype/runtime pairs or only the default (default: all; --small: default)")
    ap.add_argument("--accuracy", choices=("none", "default", "all"), default=None,
                    help="test-set F1 of fp32 and the default (default), of every variant (all), or none "
                         "(default: default; --small: none)")
    ap.add_argument("--no-baseline", action="store_true", help="skip the HF pipeline")
    ap.add_argument("--repeat", type=int, default=None, help="timed runs per measurement, fastest kept "
                    "(default 2; --small: 1)")
    args = ap.parse_args(argv)
    n, d = (SMALL["sentences"], SMALL["docs"]) if args.small else (args.sentences, args.docs)
    if args.small:  # explicit sizes still win over the small defaults
        n = args.sentences if args.sentences != ap.get_default("sentences") else n
        d = args.docs if args.docs != ap.get_default("docs") else d
    if n < 3 or d < 3:
        ap.error(f"--sentences ({n}) and --docs ({d}) must be at least 3 (one per language)")
    out = Path(args.out) if args.out else (None if args.small else DEFAULT_OUT)
    if out is None:
        ap.error("--small needs --out (the committed results are not overwritten by a smoke run)")
    REPEAT["n"] = args.repeat or (1 if args.small else 2)
    if REPEAT["n"] < 1:
        ap.error(f"--repeat ({args.repeat}) must be at least 1")
    try:
        res = run(n, d, data=args.data, model=args.model,
                  variants=args.variants or ("default" if args.small else "all"),
                  accuracy=args.accuracy or ("none" if args.small else "default"), baseline=not args.no_baseline,
                  small=args.small)
    except BenchError as e:
        print(f"eventx.bench: {e}", file=sys.stderr)
        return 2
    res["small"], res["repeat"] = args.small, REPEAT["n"]
    out.parent.mkdir(parents=True, exist_ok=True)
    md = markdown(res, out.with_suffix(".json").name)
    out.write_text(md, encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps(res, indent=1, ensure_ascii=False, default=str) + "\n",
                                        encoding="utf-8")
    print(md)
    _log(f"wrote {out} and {out.with_suffix('.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
