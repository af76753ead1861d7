"""Write records: JSONL (one EventRecord per line), CSV in ACLED's column order, Parquet, GeoJSON."""
from __future__ import annotations

import csv
import io
import json
from typing import Iterable

from eventx.schema import ACLED_COLUMNS, EventRecord

__all__ = ["FORMATS", "to_jsonl_line", "to_csv_lines", "csv_header", "write_records", "to_dataframe"]

FORMATS = ("jsonl", "csv", "parquet", "geojson")


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


def to_dataframe(records: Iterable[EventRecord]):
    """A pandas DataFrame with the ACLED columns first, then eventx's own."""
    import pandas as pd
    rows = []
    for r in records:
        d = r.to_acled_row()
        d.update(event_class=r.event_class, language=r.language, doc_id=r.doc_id, confidence=r.confidence,
                 evidence=json.dumps([e.model_dump() for e in r.evidence], ensure_ascii=False))
        rows.append(d)
    return pd.DataFrame(rows, columns=list(ACLED_COLUMNS) + ["event_class", "language", "doc_id", "confidence", "evidence"])


def write_records(records: list[EventRecord], path: str, fmt: str) -> None:
    """Write a whole list at once (atomically: temp file then rename)."""
    import os
    tmp = f"{path}.tmp"
    if fmt == "jsonl":
        with open(tmp, "w", encoding="utf-8") as f:
            f.writelines(to_jsonl_line(r) for r in records)
    elif fmt == "csv":
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            f.write(csv_header() + to_csv_lines(records))
    elif fmt == "parquet":
        to_dataframe(records).to_parquet(tmp, index=False)
    elif fmt == "geojson":
        feats = [{"type": "Feature", "geometry": ({"type": "Point", "coordinates": [r.longitude, r.latitude]}
                                                  if r.latitude is not None and r.longitude is not None else None),
                  "properties": r.to_acled_row()} for r in records]
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"type": "FeatureCollection", "features": feats}, f, ensure_ascii=False)
    else:
        raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    os.replace(tmp, path)
