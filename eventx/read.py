"""Read documents: text files, HTML pages, JSONL and CSV exports (optionally gzipped), folders, stdin.

Everything streams: JSONL and CSV are read row by row, folders are walked lazily, and no
document larger than ``MAX_DOC_BYTES`` is ever loaded. Each input item becomes a ``Document`` or,
when it cannot be read, a ``ReadError`` with its id and a one-line reason, so a batch records it
and carries on. Items come in a stable order (folders sorted), which is what lets a killed batch
resume by skipping the items it already finished (``read_paths(..., skip=N)``).
"""
from __future__ import annotations

import csv
import datetime as dt
import email.utils
import gzip
import io
import json
import os
import sys
import zlib
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

__all__ = ["Document", "ReadError", "read_paths", "walk_files", "parse_date", "html_to_text", "MAX_DOC_CHARS", "MAX_DOC_BYTES"]

# A document above this many characters (or a file / JSONL line above MAX_DOC_BYTES) is refused
# with an error instead of being loaded: a 50 MB single line is a broken export, not an article,
# and refusing it keeps a batch's memory bounded.
MAX_DOC_CHARS = 2_000_000
MAX_DOC_BYTES = 4 * MAX_DOC_CHARS  # UTF-8 needs at most 4 bytes a character
TEXT_SUFFIXES = {".txt", ".text", ".md"}
HTML_SUFFIXES = {".html", ".htm"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
CSV_SUFFIXES = {".csv": ",", ".tsv": "\t"}
STDIN_FORMATS = ("text", "jsonl", "csv")


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


@dataclass(frozen=True)
class Columns:
    """Which fields of a JSONL object or CSV row hold what (``--text-field`` and friends)."""
    text: str = "text"
    id: str = "id"
    date: str = "date"
    source: str = "source"
    title: str = "title"  # prepended to the text with a blank line when present; "" to ignore


def parse_date(value) -> dt.date | None:
    """A publication date from ISO 8601 (date or date-time) or RFC 2822 text; ValueError otherwise.

    Day/month orders such as 21/07/2015 are refused rather than guessed.
    """
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    s = str(value).strip()
    for parse in (dt.date.fromisoformat, lambda x: dt.datetime.fromisoformat(x).date(),
                  lambda x: dt.date.fromisoformat(x[:10]) if x[10:11] in ("T", " ") else None,
                  lambda x: email.utils.parsedate_to_datetime(x).date()):
        try:
            d = parse(s)
        except (ValueError, TypeError, IndexError):
            continue
        if d is not None:
            return d
    raise ValueError(f"published date {s[:40]!r} is not YYYY-MM-DD (ISO 8601) or an RFC 2822 date")


def _decode(raw: bytes) -> str:
    if b"\x00" in raw[:4096]:
        raise ValueError("binary content (NUL bytes), not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ValueError(f"invalid UTF-8 at byte {e.start}") from None


def html_to_text(html: str) -> str:
    """Main text of an HTML page (trafilatura): navigation, comments and share buttons dropped."""
    try:
        import trafilatura
    except ImportError as e:  # an environment problem, reported per page so the rest of a batch runs
        raise ValueError(f"HTML extraction unavailable: trafilatura cannot be imported ({_one_line(e)})") from None
    text = trafilatura.extract(html, include_comments=False, include_tables=False, favor_precision=True)
    return text or ""


def _checked(doc: Document) -> Document:
    if not doc.text.strip():
        raise ValueError("empty document")
    if len(doc.text) > MAX_DOC_CHARS:
        raise ValueError(f"document of {len(doc.text)} characters exceeds the {MAX_DOC_CHARS} character limit")
    return doc


class RowError(ValueError):
    """A row that has an id of its own but cannot become a document; reported under that id."""

    def __init__(self, message: str, doc_id: str):
        super().__init__(message)
        self.doc_id = doc_id


def _one_line(e: BaseException) -> str:
    msg = str(e).strip().splitlines()
    return msg[0] if msg else type(e).__name__


# --------------------------------------------------------------------------- item producers
# Each producer yields (id, make) pairs; ``make()`` does the expensive part (decode, parse, HTML
# extraction) and returns a Document or raises. Skipping an item on resume never calls make().
Item = tuple[str, Callable[[], Document]]


def _raise(exc: Exception):
    raise exc


def _lines(f: BinaryIO, limit: int = MAX_DOC_BYTES) -> Iterator[bytes | int]:
    """Lines of a binary stream; a line longer than ``limit`` is consumed in pieces and given as its size."""
    while True:
        line = f.readline(limit + 1)
        if not line:
            return
        if len(line) <= limit or line.endswith(b"\n"):
            yield line
            continue
        size = len(line)
        while line and not line.endswith(b"\n"):
            line = f.readline(1 << 20)
            size += len(line)
        yield size


def _jsonl_doc(raw: bytes, did: str, cols: Columns, published) -> Document:
    try:
        rec = json.loads(_decode(raw))
    except json.JSONDecodeError as e:
        raise ValueError(f"malformed JSON line (JSONDecodeError: {e.msg} at column {e.colno})") from None
    if not isinstance(rec, dict):
        raise ValueError(f"JSON line is a {type(rec).__name__}, not an object")
    return _from_row(rec, did, cols, published)


def _jsonl_items(f: BinaryIO, name: str, cols: Columns, published) -> Iterator[Item]:
    for n, raw in enumerate(_lines(f), 1):
        did = f"{name}:{n}"
        if isinstance(raw, int):
            yield did, partial(_raise, ValueError(f"line of {raw} bytes exceeds the {MAX_DOC_BYTES} byte limit"))
        elif raw.strip():
            yield did, partial(_jsonl_doc, raw, did, cols, published)


def _csv_row_doc(row: dict, did: str, cols: Columns, published) -> Document:
    if any(isinstance(v, str) and "\x00" in v for v in row.values()):
        raise ValueError("binary content (NUL bytes), not text")
    for v in row.values():
        if isinstance(v, str):
            try:
                v.encode("utf-8")
            except UnicodeEncodeError as e:  # surrogate-escaped bytes: the row was not UTF-8
                raise ValueError(f"invalid UTF-8 in the row near character {e.start}") from None
    return _from_row(row, did, cols, published)


def _csv_items(f: BinaryIO, name: str, cols: Columns, published, delimiter: str) -> Iterator[Item]:
    head = f.peek(4096)[:4096] if hasattr(f, "peek") else b""
    if b"\x00" in head:
        yield name, partial(_raise, ValueError("binary content (NUL bytes), not CSV text"))
        return
    # surrogateescape keeps undecodable bytes so the bad row, not the whole file, is reported
    text = io.TextIOWrapper(f, encoding="utf-8-sig", errors="surrogateescape", newline="")
    csv.field_size_limit(max(csv.field_size_limit(), MAX_DOC_BYTES))
    reader = csv.DictReader(text, delimiter=delimiter)
    try:
        while True:
            did = f"{name}:{reader.line_num + 1}"
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as e:  # the csv module resumes at the next line after an error
                yield did, partial(_raise, ValueError(f"malformed CSV row: {_one_line(e)}"))
                continue
            yield did, partial(_csv_row_doc, row, did, cols, published)
    finally:
        text.detach()  # the caller owns the binary stream (stdin must stay open)


def _text_doc(path: Path, did: str, published, gz: bool, html: bool) -> Document:
    if gz:
        with gzip.open(path, "rb") as f:
            raw = f.read(MAX_DOC_BYTES + 1)
    else:
        raw = path.read_bytes()
    if len(raw) > MAX_DOC_BYTES:
        raise ValueError(f"file of more than {MAX_DOC_BYTES} bytes exceeds the document size limit")
    text = _decode(raw)
    if html or text.lstrip()[:15].lower().startswith(("<!doctype html", "<html")):
        text = html_to_text(text)
        if not text.strip():
            raise ValueError("HTML page with no main text (trafilatura found none)")
    return _checked(Document(did, text, published, path.name.split(".")[0]))


def _file_items(path: Path, cols: Columns, published) -> Iterator[Item]:
    name = path.name.lower()
    gz = name.endswith(".gz")
    suffix = Path(name[:-3]).suffix if gz else path.suffix.lower()
    if suffix in JSONL_SUFFIXES or suffix in CSV_SUFFIXES:
        try:
            f = gzip.open(path, "rb") if gz else open(path, "rb")
        except OSError as e:
            yield str(path), partial(_raise, ValueError(f"cannot open: {e.strerror or e}"))
            return
        with f:
            try:
                if suffix in JSONL_SUFFIXES:
                    yield from _jsonl_items(f, path.name, cols, published)
                else:
                    yield from _csv_items(f, path.name, cols, published, CSV_SUFFIXES[suffix])
            except (OSError, EOFError, zlib.error) as e:  # truncated gzip, unreadable disk: the rest of the file is lost
                yield f"{path.name}:end", partial(_raise, ValueError(f"file cannot be read further: {_one_line(e)}"))
        return
    did = str(path)
    try:
        size = path.stat().st_size
    except OSError as e:
        yield did, partial(_raise, ValueError(f"cannot read: {e.strerror or e}"))
        return
    if not gz and size > MAX_DOC_BYTES:
        yield did, partial(_raise, ValueError(f"file of {size} bytes exceeds the {MAX_DOC_BYTES} byte document limit"))
        return
    yield did, partial(_text_doc, path, did, published, gz, suffix in HTML_SUFFIXES)


def walk_files(folder: Path, exclude: tuple[str, ...] = ()) -> Iterator[Path]:
    """Files under ``folder``, lazily, sorted within each directory, hidden files and folders skipped,
    and files whose absolute path starts with one of ``exclude`` (a run's own output) left out."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(root) / name
            if not name.startswith(".") and not (exclude and str(path.resolve()).startswith(exclude)):
                yield path


def _stdin_items(fmt: str, cols: Columns, published) -> Iterator[Item]:
    stream = sys.stdin.buffer
    if fmt == "jsonl":
        yield from _jsonl_items(stream, "stdin", cols, published)
    elif fmt == "csv":
        yield from _csv_items(stream, "stdin", cols, published, ",")
    else:
        raw = stream.read(MAX_DOC_BYTES + 1)

        def make() -> Document:
            if len(raw) > MAX_DOC_BYTES:
                raise ValueError(f"stdin of more than {MAX_DOC_BYTES} bytes exceeds the document size limit")
            return _checked(Document("stdin", _decode(raw), published, "stdin"))
        yield "stdin", make


def _from_row(row: dict, did: str, cols: Columns, published) -> Document:
    doc_id = row.get(cols.id)
    doc_id = str(doc_id) if doc_id not in (None, "") else did
    try:
        text = row.get(cols.text)
        if not isinstance(text, str):
            keys = ", ".join(map(str, list(row)[:8]))
            raise ValueError(f"no text field {cols.text!r} (fields: {keys}); set --text-field")
        title = row.get(cols.title) if cols.title else None
        if isinstance(title, str) and title.strip() and text.strip():
            text = title.strip() + "\n\n" + text
        raw_date = row.get(cols.date)
        pub = parse_date(raw_date) if raw_date not in (None, "") else published
        return _checked(Document(doc_id, text, pub, str(row.get(cols.source) or "")))
    except ValueError as e:
        raise RowError(f"{_one_line(e)} ({did})", doc_id) from None


def _items(paths: list[str], cols: Columns, published, stdin_format: str, exclude: tuple[str, ...]) -> Iterator[Item]:
    for p in paths:
        if p == "-":
            yield from _stdin_items(stdin_format, cols, published)
            continue
        path = Path(p)
        if path.is_dir():
            for f in walk_files(path, exclude):
                yield from _file_items(f, cols, published)
        elif path.is_file():
            yield from _file_items(path, cols, published)
        else:
            yield p, partial(_raise, ValueError("no such file or directory"))


def read_paths(paths: list[str], *, text_col: str = "text", id_col: str = "id", date_col: str = "date",
               source_col: str = "source", title_col: str = "title", published: dt.date | None = None,
               stdin_format: str = "text", skip: int = 0, exclude: tuple[str, ...] = ()
               ) -> Iterator[Document | ReadError]:
    """Documents from files, folders (recursive, sorted), ``-`` (stdin), lazily and in a stable order.

    ``.jsonl``/``.ndjson``/``.csv``/``.tsv`` (also ``.gz``) give one item per line or row, with the
    fields named by ``*_col``; other files give one document each (HTML through trafilatura).
    ``skip`` passes over the first items without reading them (resuming a batch); files in
    folders whose absolute path starts with one of ``exclude`` are not inputs (a run's own output).
    """
    if stdin_format not in STDIN_FORMATS:
        raise ValueError(f"stdin_format {stdin_format!r} is not one of {', '.join(STDIN_FORMATS)}")
    cols = Columns(text_col, id_col, date_col, source_col, title_col)
    for n, (did, make) in enumerate(_items(paths, cols, published, stdin_format, tuple(exclude))):
        if n < skip:
            continue
        try:
            yield make()
        except (ValueError, OSError, EOFError, zlib.error) as e:
            yield ReadError(getattr(e, "doc_id", did), _one_line(e))
