"""Read documents: text files, HTML pages, JSONL and CSV exports, folders, stdin.

Each document is a ``Document``; one that cannot be read becomes a ``ReadError`` with its id and
a one-line reason, so a batch can record it and carry on.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

__all__ = ["Document", "ReadError", "read_paths", "parse_date", "MAX_DOC_CHARS"]

MAX_DOC_CHARS = 2_000_000  # a single document above this is refused, not loaded into the tagger
TEXT_SUFFIXES = {".txt", ".text", ".md"}
HTML_SUFFIXES = {".html", ".htm"}


@dataclass
class Document:
    id: str
    text: str
    published: dt.date | None = None
    source: str = ""
    language: str | None = None
    meta: dict = field(default_factory=dict)


@dataclass
class ReadError:
    id: str
    reason: str


def parse_date(value) -> dt.date | None:
    """A publication date from ISO text (YYYY-MM-DD, with or without time); ValueError otherwise."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    s = str(value).strip()
    try:
        return dt.date.fromisoformat(s[:10])
    except ValueError:
        raise ValueError(f"published date {s!r} is not YYYY-MM-DD") from None


def _decode(raw: bytes, name: str) -> str:
    if b"\x00" in raw[:4096]:
        raise ValueError("binary content (NUL bytes), not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ValueError(f"invalid UTF-8 at byte {e.start}") from None


def html_to_text(html: str) -> str:
    """Main text of an HTML page (trafilatura): navigation, comments and share buttons dropped."""
    import trafilatura
    text = trafilatura.extract(html, include_comments=False, include_tables=False, favor_precision=True)
    return text or ""


def _file_docs(path: Path, *, text_col: str, id_col: str, date_col: str, source_col: str,
               published: dt.date | None) -> Iterator[Document | ReadError]:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        with open(path, "rb") as f:
            for n, raw in enumerate(f, 1):
                did = f"{path.name}:{n}"
                if not raw.strip():
                    continue
                try:
                    rec = json.loads(_decode(raw, did))
                    if not isinstance(rec, dict):
                        raise ValueError("line is not a JSON object")
                    yield _from_row(rec, did, text_col, id_col, date_col, source_col, published, str(path))
                except (ValueError, json.JSONDecodeError) as e:
                    yield ReadError(did, f"{type(e).__name__}: {str(e).splitlines()[0]}")
        return
    if suffix in (".csv", ".tsv"):
        try:
            text = _decode(path.read_bytes(), path.name)
        except ValueError as e:
            yield ReadError(path.name, str(e))
            return
        reader = csv.DictReader(io.StringIO(text), delimiter="\t" if suffix == ".tsv" else ",")
        for n, row in enumerate(reader, 2):
            did = f"{path.name}:{n}"
            try:
                yield _from_row(row, did, text_col, id_col, date_col, source_col, published, str(path))
            except ValueError as e:
                yield ReadError(did, str(e))
        return
    did = str(path)
    try:
        if path.stat().st_size > MAX_DOC_CHARS * 4:
            raise ValueError(f"file of {path.stat().st_size} bytes is larger than the {MAX_DOC_CHARS} character limit")
        text = _decode(path.read_bytes(), did)
        if suffix in HTML_SUFFIXES or text.lstrip()[:15].lower().startswith(("<!doctype html", "<html")):
            text = html_to_text(text)
        yield _checked(Document(did, text, published, path.stem))
    except (ValueError, OSError) as e:
        yield ReadError(did, str(e))


def _checked(doc: Document) -> Document:
    if not doc.text.strip():
        raise ValueError("empty document")
    if len(doc.text) > MAX_DOC_CHARS:
        raise ValueError(f"document of {len(doc.text)} characters exceeds the {MAX_DOC_CHARS} limit")
    return doc


def _from_row(row: dict, did: str, text_col, id_col, date_col, source_col, published, origin) -> Document:
    text = row.get(text_col)
    if not isinstance(text, str):
        raise ValueError(f"no text column {text_col!r}")
    if "title" in row and isinstance(row.get("title"), str) and row["title"] and text_col == "text":
        text = row["title"].strip() + "\n\n" + text
    pub = parse_date(row.get(date_col)) if row.get(date_col) not in (None, "") else published
    return _checked(Document(str(row.get(id_col) or did), text, pub, str(row.get(source_col) or "")))


def read_paths(paths: list[str], *, text_col: str = "text", id_col: str = "id", date_col: str = "date",
               source_col: str = "source", published: dt.date | None = None) -> Iterator[Document | ReadError]:
    """Documents from files, folders (recursive, sorted) and ``-`` (stdin), in a stable order."""
    kw = dict(text_col=text_col, id_col=id_col, date_col=date_col, source_col=source_col, published=published)
    for p in paths:
        if p == "-":
            data = sys.stdin.buffer.read()
            try:
                yield _checked(Document("stdin", _decode(data, "stdin"), published, "stdin"))
            except ValueError as e:
                yield ReadError("stdin", str(e))
            continue
        path = Path(p)
        if path.is_dir():
            for f in sorted(x for x in path.rglob("*") if x.is_file() and not x.name.startswith(".")):
                yield from _file_docs(f, **kw)
        elif path.is_file():
            yield from _file_docs(path, **kw)
        else:
            yield ReadError(p, "no such file or directory")
