"""``eventx extract PATH... [--published YYYY-MM-DD] [--format jsonl|csv|parquet|geojson] [-o OUT]``"""
from __future__ import annotations

import argparse
import sys
from collections import Counter

from eventx.read import ReadError, parse_date, read_paths
from eventx.write import FORMATS, csv_header, to_csv_lines, to_jsonl_line, write_records

EXIT_DOC_ERRORS = 3  # the run finished but some documents could not be read or processed


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="eventx", description="Conflict events from news as ACLED records")
    sub = ap.add_subparsers(dest="cmd", required=True)
    ex = sub.add_parser("extract", help="extract events from files, folders or - (stdin)")
    ex.add_argument("paths", nargs="+")
    ex.add_argument("--published", help="publication date YYYY-MM-DD for documents that carry none")
    ex.add_argument("--format", choices=FORMATS, default="jsonl")
    ex.add_argument("-o", "--output", help="output file (default: stdout for jsonl/csv)")
    ex.add_argument("--errors", help="file listing documents that failed (default: OUTPUT.errors.tsv)")
    ex.add_argument("--text-column", default="text")
    ex.add_argument("--id-column", default="id")
    ex.add_argument("--date-column", default="date")
    ex.add_argument("--source-column", default="source")
    ex.add_argument("--model", help="tagger directory (default: the shipped model)")
    ex.add_argument("--encoder", help="encoder: local Hugging Face directory or cached hub id")
    args = ap.parse_args(argv)
    try:
        published = parse_date(args.published)
    except ValueError as e:
        ap.error(str(e))
    if args.format in ("parquet", "geojson") and not args.output:
        ap.error(f"--format {args.format} needs -o OUTPUT")

    from eventx.pipeline import Extractor
    from eventx.language import UnsupportedLanguage
    extractor = Extractor(args.model, encoder=args.encoder)
    errors: list[ReadError] = []
    counts, docs, records = Counter(), 0, []
    out = open(args.output, "w", encoding="utf-8", newline="") if args.output and args.format in ("jsonl", "csv") else None
    stream = out or (sys.stdout if args.format in ("jsonl", "csv") else None)
    if stream is not None and args.format == "csv":
        stream.write(csv_header())
    items = read_paths(args.paths, text_col=args.text_column, id_col=args.id_column, date_col=args.date_column,
                       source_col=args.source_column, published=published)
    for item in items:
        if isinstance(item, ReadError):
            errors.append(item)
            continue
        docs += 1
        try:
            _, recs = next(extractor.extract_documents([item]))
        except (UnsupportedLanguage, ValueError) as e:
            errors.append(ReadError(item.id, str(e).splitlines()[0]))
            continue
        counts.update(r.event_class for r in recs)
        if stream is not None:
            stream.write("".join(to_jsonl_line(r) for r in recs) if args.format == "jsonl" else to_csv_lines(recs))
            stream.flush()
        else:
            records.extend(recs)
    if out:
        out.close()
    if stream is None:
        write_records(records, args.output, args.format)
    if errors:
        err_path = args.errors or ((args.output or "eventx") + ".errors.tsv")
        with open(err_path, "w", encoding="utf-8") as f:
            for e in errors:
                f.write(f"{e.id}\t{e.reason}\n")
    summary = ", ".join(f"{k} {v}" for k, v in counts.most_common()) or "none"
    print(f"eventx: {docs} documents, {sum(counts.values())} events ({summary}), {len(errors)} errors", file=sys.stderr)
    return EXIT_DOC_ERRORS if errors else 0


if __name__ == "__main__":
    sys.exit(main())
