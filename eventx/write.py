"""Write records: JSONL (one EventRecord per line), CSV in ACLED's column order, Parquet, GeoJSON.

JSONL and CSV are appendable, so a batch writes them directly, append-only, next to a checkpoint
(see ``eventx.cli``). Parquet and GeoJSON are not: a batch collects JSONL parts and
``convert_jsonl`` streams them into the final file at the end. Every whole-file write goes to a
temporary file that is fsync'd and renamed over the target, so a reader never sees half a file.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import typing
from pathlib import Path
from typing import Iterable, Iterator

from eventx.schema import ACLED_COLUMNS, EventRecord

__all__ = ["FORMATS", "EXTRA_COLUMNS", "to_jsonl_line", "to_csv_lines", "csv_header", "write_records",
           "to_dataframe", "read_jsonl", "convert_jsonl", "atomic_write_text", "fsync_dir"]

FORMATS = ("jsonl", "csv", "parquet", "geojson")
# eventx's own columns in the tabular exports (DataFrame, Parquet), after ACLED's 31
EXTRA_COLUMNS = ("event_class", "language", "doc_id", "confidence", "evidence", "reasons")
_ROWS_PER_GROUP = 10_000  # records held in memory at a time while converting to Parquet


def to_jsonl_line(r: EventRecord) -> str:
    return r.model_dump_json() + "\n"


def csv_header() -> str:
    buf = io.StringIO()
    csv.writer(buf).writerow(ACLED_COLUMNS)
    return buf.getvalue()


def to_csv_lines(records: Iterable[EventRecord]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=ACLED_COLUMNS)
    for r in records:
        w.writerow(r.to_acled_row())
    return buf.getvalue()


def _table_row(r: EventRecord) -> dict:
    """ACLED columns then eventx's own; empty numeric cells stay None (NaN/null), not ''."""
    d = r.model_dump(mode="json")
    row = {c: d[c] for c in ACLED_COLUMNS}
    row["event_date"] = r.event_date
    row.update(event_class=r.event_class, language=r.language, doc_id=r.doc_id, confidence=r.confidence,
               evidence=json.dumps(d["evidence"], ensure_ascii=False),
               reasons=json.dumps(r.reasons, ensure_ascii=False))
    return row


def to_dataframe(records: Iterable[EventRecord]):
    """A pandas DataFrame with the ACLED columns first, then eventx's own (evidence, reasons as JSON)."""
    import pandas as pd
    return pd.DataFrame([_table_row(r) for r in records], columns=list(ACLED_COLUMNS) + list(EXTRA_COLUMNS))


def _arrow_schema():
    """Parquet column types derived from EventRecord's own field types."""
    import pyarrow as pa
    fields = []
    for name in list(ACLED_COLUMNS) + list(EXTRA_COLUMNS):
        info = EventRecord.model_fields.get(name)
        ann = info.annotation if info is not None else str
        args = [a for a in typing.get_args(ann) if a is not type(None)]
        base = args[0] if args and typing.get_origin(ann) is not list else ann
        if name in ("evidence", "reasons") or not isinstance(base, type):
            typ = pa.string()
        elif issubclass(base, bool):
            typ = pa.bool_()
        elif issubclass(base, int):  # includes ActorCode (IntEnum)
            typ = pa.int64()
        elif issubclass(base, float):
            typ = pa.float64()
        elif issubclass(base, dt.date):
            typ = pa.date32()
        else:
            typ = pa.string()
        fields.append(pa.field(name, typ))
    return pa.schema(fields)


def read_jsonl(path: str | Path) -> Iterator[EventRecord]:
    """EventRecords from a JSONL file, one at a time."""
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    yield EventRecord.from_json(line)
                except ValueError as e:
                    raise ValueError(f"{path}:{n}: not an EventRecord ({str(e).splitlines()[0]})") from None


def fsync_dir(path: str | Path) -> None:
    """Make a rename in ``path``'s directory durable (no-op where directories cannot be opened)."""
    try:
        fd = os.open(os.path.dirname(os.path.abspath(path)) or ".", os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _replace(tmp: str, path: str) -> None:
    os.replace(tmp, path)
    fsync_dir(path)


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` through a fsync'd temporary file and a rename."""
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    _replace(tmp, str(path))


def _write_stream(records: Iterable[EventRecord], path: str, fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    tmp = f"{path}.tmp"
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq
        schema = _arrow_schema()
        with pq.ParquetWriter(tmp, schema) as w:
            group: list[dict] = []
            for r in records:
                group.append(_table_row(r))
                if len(group) >= _ROWS_PER_GROUP:
                    w.write_table(pa.Table.from_pylist(group, schema=schema))
                    group = []
            w.write_table(pa.Table.from_pylist(group, schema=schema))
    else:
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            if fmt == "jsonl":
                for r in records:
                    f.write(to_jsonl_line(r))
            elif fmt == "csv":
                f.write(csv_header())
                for r in records:
                    f.write(to_csv_lines([r]))
            else:  # geojson, one feature at a time
                f.write('{"type": "FeatureCollection", "features": [')
                for n, r in enumerate(records):
                    has_point = r.latitude is not None and r.longitude is not None
                    feat = {"type": "Feature",
                            "geometry": {"type": "Point", "coordinates": [r.longitude, r.latitude]} if has_point else None,
                            "properties": r.to_acled_row()}
                    f.write(("," if n else "") + "\n" + json.dumps(feat, ensure_ascii=False))
                f.write("\n]}\n")
            f.flush()
            os.fsync(f.fileno())
    _replace(tmp, path)


def write_records(records: Iterable[EventRecord], path: str, fmt: str) -> None:
    """Write records in ``fmt`` to ``path`` atomically (temporary file, fsync, rename)."""
    _write_stream(records, str(path), fmt)


def convert_jsonl(src: str | Path, path: str | Path, fmt: str) -> None:
    """Stream the records of JSONL file ``src`` into ``path`` in ``fmt``, atomically."""
    _write_stream(read_jsonl(src), str(path), fmt)
