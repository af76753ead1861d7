"""``eventx extract PATH... [-o OUT] [--format jsonl|csv|parquet|geojson] [--published YYYY-MM-DD]``

A batch run streams its inputs in chunks and is resumable: with ``-o OUT`` the records are
appended to OUT (jsonl, csv) or to ``OUT.parts.jsonl`` (parquet, geojson; converted at the end),
and after every chunk the output is fsync'd and ``OUT.checkpoint.json`` records how many input
items are done and how many bytes of output belong to them. Rerunning the same command after a
kill truncates whatever was written after the last checkpoint and carries on from there; a
different command (other inputs, options or model) is refused unless ``--restart`` is given.

Files next to OUT: ``OUT.errors.tsv`` (documents that failed: id, one-line reason),
``OUT.summary.json`` (counts, written at the end).
Exit codes: 0 done, 3 done but some documents failed, 2 bad usage or a checkpoint from another
command, 1 an unexpected crash.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

from eventx.read import MAX_DOC_BYTES, STDIN_FORMATS, ReadError, parse_date, read_paths, walk_files
from eventx.write import (FORMATS, atomic_write_text, convert_jsonl, csv_header, fsync_dir, to_csv_lines,
                          to_jsonl_line)

EXIT_DOC_ERRORS = 3  # the run finished but some documents could not be read or processed
EXIT_USAGE = 2
CHECKPOINT_VERSION = 1


class CheckpointMismatch(Exception):
    """The checkpoint next to OUT belongs to another command; the message says what differs."""


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="eventx", description="Conflict events from news as ACLED records")
    sub = ap.add_subparsers(dest="cmd", required=True)
    ex = sub.add_parser("extract", help="extract events from files, folders or - (stdin)",
                        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ex.add_argument("paths", nargs="+", help=".txt/.html files, .jsonl/.csv/.tsv exports (also .gz), folders, -")
    ex.add_argument("--published", help="publication date YYYY-MM-DD for documents that carry none")
    ex.add_argument("--format", choices=FORMATS, default=None,
                    help="output format (default: from OUTPUT's suffix .csv/.parquet/.geojson, else jsonl)")
    ex.add_argument("-o", "--output", help="output file (default: stdout, jsonl/csv only, not resumable)")
    ex.add_argument("--errors", help="file listing documents that failed (default: OUTPUT.errors.tsv)")
    ex.add_argument("--text-field", "--text-column", dest="text_field", default="text",
                    help="JSONL/CSV field with the article text (default: text)")
    ex.add_argument("--id-field", "--id-column", dest="id_field", default="id")
    ex.add_argument("--published-field", "--date-column", dest="published_field", default="date",
                    help="field with the publication date, ISO 8601 or RFC 2822 (default: date)")
    ex.add_argument("--source-field", "--source-column", dest="source_field", default="source")
    ex.add_argument("--title-field", dest="title_field", default="title",
                    help="field prepended to the text when present ('' to ignore; default: title)")
    ex.add_argument("--stdin-format", choices=STDIN_FORMATS, default="text", help="what - (stdin) holds")
    ex.add_argument("--model", help="tagger directory (default: the shipped model)")
    ex.add_argument("--encoder", help="encoder: local Hugging Face directory or cached hub id")
    ex.add_argument("--chunk-docs", type=int, default=None, help="documents per chunk (default 64)")
    ex.add_argument("--chunk-chars", type=int, default=None, help="characters of text per chunk (default 200000)")
    ex.add_argument("--restart", action="store_true", help="ignore an existing checkpoint and start over")
    ex.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary on stderr")
    ex.add_argument("--engine", choices=("local", "ray"), default="local",
                    help="local: this process; ray: an actor pool on Ray Data (RAY_ADDRESS or a local instance)")
    ex.add_argument("--workers", type=int, default=None, help="--engine ray: actors, one tagger each "
                    "(default: one per CPU of the cluster, or per --gpus-per-worker GPUs)")
    ex.add_argument("--gpus-per-worker", type=float, default=0, help="--engine ray: GPUs each actor reserves "
                    "(for example 1, or 0.5 for two actors per GPU); default 0, CPU actors")
    return ap


# --------------------------------------------------------------------------- checkpoint
def _inputs_digest(paths: list[str], exclude: tuple[str, ...] = ()) -> str:
    """Names, sizes and modification times of every input file: a changed input changes this."""
    h = hashlib.sha256()
    for p in paths:
        path = Path(p)
        files = walk_files(path, exclude) if path.is_dir() else [path]
        for f in files:
            try:
                st = f.stat()
                h.update(f"{f}\0{st.st_size}\0{st.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))
            except OSError:
                h.update(f"{f}\0missing\n".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def _own_files(args) -> tuple[str, ...]:
    """Path prefixes of the files a run writes (OUT, OUT.checkpoint.json, ...): never inputs."""
    return tuple(str(Path(p).resolve()) for p in (args.output, args.errors) if p)


def _command(args) -> dict:
    """What decides the output of a run; a checkpoint only resumes the identical command."""
    from eventx import __version__
    model = str(Path(args.model).resolve()) if args.model else "shipped"
    return {"eventx": __version__, "paths": [p if p == "-" else str(Path(p).resolve()) for p in args.paths],
            "inputs": _inputs_digest(args.paths, _own_files(args)), "format": args.format, "published": args.published,
            "fields": [args.text_field, args.id_field, args.published_field, args.source_field, args.title_field],
            "stdin_format": args.stdin_format, "model": model, "encoder": args.encoder,
            "errors": str(Path(args.errors).resolve()) if args.errors else None}


class Run:
    """Output, errors file and checkpoint of one batch run writing to ``out``."""

    def __init__(self, out: str, fmt: str, errors: str | None, command: dict, restart: bool):
        self.out, self.fmt = out, fmt
        self.data_path = out if fmt in ("jsonl", "csv") else out + ".parts.jsonl"
        self.err_path = errors or out + ".errors.tsv"
        self.ckpt_path = out + ".checkpoint.json"
        self.summary_path = out + ".summary.json"
        self.command = command
        self.state = {"version": CHECKPOINT_VERSION, "command": command, "items": 0, "documents": 0,
                      "sentences": 0, "records": 0, "events": {}, "errors": 0, "elapsed_s": 0.0,
                      "output_bytes": 0, "errors_bytes": 0}
        self.resumed = False
        if restart and os.path.exists(self.ckpt_path):
            os.remove(self.ckpt_path)  # a kill before the first new checkpoint must not revive the old run
        old = None if restart else self._load()
        if old is not None:
            self._check(old)
            self.state, self.resumed = old, True
        self._open()

    def _load(self) -> dict | None:
        try:
            text = Path(self.ckpt_path).read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            state = json.loads(text)
            if state.get("version") != CHECKPOINT_VERSION:
                raise ValueError(f"version {state.get('version')}, expected {CHECKPOINT_VERSION}")
            return state
        except (ValueError, AttributeError) as e:
            raise CheckpointMismatch(f"{self.ckpt_path} cannot be read ({e}); add --restart to start over") from None

    def _check(self, old: dict) -> None:
        changed = [k for k in sorted(set(old["command"]) | set(self.command))
                   if old["command"].get(k) != self.command.get(k)]
        if changed:
            raise CheckpointMismatch(
                f"{self.ckpt_path} belongs to a different command (changed: {', '.join(changed)}); rerun the "
                f"original command to resume it, or add --restart to start over and overwrite {self.out}")
        for path, key in ((self.data_path, "output_bytes"), (self.err_path, "errors_bytes")):
            size = os.path.getsize(path) if os.path.exists(path) else 0
            if size < old[key]:
                raise CheckpointMismatch(f"{path} has {size} bytes but the checkpoint recorded {old[key]}: it was "
                                         f"changed after the run stopped; add --restart to start over")

    def _open(self) -> None:
        Path(self.data_path).parent.mkdir(parents=True, exist_ok=True)
        self.data = open(self.data_path, "r+b" if self.resumed else "w+b")
        self.err = open(self.err_path, "r+b" if self.resumed and os.path.exists(self.err_path) else "w+b")
        # drop what was written after the last checkpoint: it is redone below, never duplicated
        self.data.truncate(self.state["output_bytes"])
        self.err.truncate(self.state["errors_bytes"])
        self.data.seek(0, os.SEEK_END)
        self.err.seek(0, os.SEEK_END)
        if not self.resumed and self.fmt == "csv":
            self.data.write(csv_header().encode("utf-8"))
            self._sync()
            self.state["output_bytes"] = self.data.tell()

    def _sync(self) -> None:
        for f in (self.data, self.err):
            f.flush()
            os.fsync(f.fileno())

    def commit(self, results, elapsed: float) -> None:
        """Append one chunk's records and errors, fsync them, then move the checkpoint past the chunk."""
        s = self.state
        events = Counter(s["events"])
        for res in results:
            s["items"] += 1
            if res.error is not None:
                s["errors"] += 1
                self.err.write(f"{_tsv(res.doc_id)}\t{_tsv(res.error)}\n".encode("utf-8", "replace"))
                continue
            s["documents"] += 1
            s["sentences"] += res.sentences
            s["records"] += len(res.records)
            events.update(r.event_class for r in res.records)
            if res.records:
                text = (to_csv_lines(res.records) if self.fmt == "csv"
                        else "".join(to_jsonl_line(r) for r in res.records))
                self.data.write(text.encode("utf-8"))
        s["events"] = dict(events.most_common())
        s["elapsed_s"] = round(elapsed, 3)
        self._sync()  # output first: the checkpoint never points past data that is not on disk
        s["output_bytes"], s["errors_bytes"] = self.data.tell(), self.err.tell()
        atomic_write_text(self.ckpt_path, json.dumps(s, ensure_ascii=False, indent=1))

    def close(self) -> None:
        self.data.close()
        self.err.close()

    def finish(self) -> dict:
        """Final file (converted from the parts for parquet/geojson), summary; checkpoint removed."""
        self.close()
        if self.data_path != self.out:
            convert_jsonl(self.data_path, self.out, self.fmt)
        if self.state["errors"] == 0 and os.path.exists(self.err_path):
            os.remove(self.err_path)
        s = self.state
        summary = {"output": self.out, "format": self.fmt, "documents": s["documents"],
                   "sentences": s["sentences"], "events": s["records"], "events_by_class": s["events"],
                   "errors": s["errors"], "errors_file": self.err_path if s["errors"] else None,
                   "elapsed_s": s["elapsed_s"],
                   "documents_per_s": round(s["documents"] / s["elapsed_s"], 2) if s["elapsed_s"] else None,
                   "resumed": self.resumed}
        atomic_write_text(self.summary_path, json.dumps(summary, ensure_ascii=False, indent=1) + "\n")
        os.remove(self.ckpt_path) if os.path.exists(self.ckpt_path) else None
        if self.data_path != self.out:
            os.remove(self.data_path)
        fsync_dir(self.out)
        return summary


def _format_of(output: str | None) -> str:
    """The output format named by OUTPUT's suffix (out.csv -> csv); jsonl otherwise."""
    suffix = Path(output).suffix.lower().lstrip(".") if output else ""
    return suffix if suffix in FORMATS else "jsonl"


def _tsv(s: str) -> str:
    return " ".join(str(s).split())  # one line, no tabs: the errors file stays two columns


def _lock(out: str):
    """Hold an exclusive lock on OUT.lock so two runs never write the same output."""
    try:
        import fcntl
    except ImportError:  # no advisory locks on this platform
        return None
    f = open(out + ".lock", "w")
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        f.close()
        raise CheckpointMismatch(f"another eventx run is writing {out} ({out}.lock is held)") from None
    return f


# --------------------------------------------------------------------------- main
def _progress(args, initial: int):
    from tqdm import tqdm
    # disable=None: tqdm turns itself off when stderr is not a terminal (logs, CI)
    return tqdm(desc="eventx", unit="doc", initial=initial, file=sys.stderr,
                disable=True if args.quiet else None, dynamic_ncols=True)


def _print_summary(summary: dict) -> None:
    by_class = ", ".join(f"{k} {v}" for k, v in summary["events_by_class"].items()) or "none"
    rate = f", {summary['documents_per_s']} documents/s" if summary.get("documents_per_s") else ""
    print(f"eventx: {summary['documents']} documents, {summary['sentences']} sentences, {summary['events']} events "
          f"({by_class}), {summary['errors']} errors, {summary['elapsed_s']:.1f} s{rate}"
          + (f"; failed documents in {summary['errors_file']}" if summary["errors_file"] else "")
          + (" (resumed run)" if summary.get("resumed") else ""), file=sys.stderr)


def main(argv=None, *, extractor=None) -> int:
    """Run the CLI. ``extractor``: an already loaded ``Extractor`` to use instead of loading one."""
    ap = _parser()
    args = ap.parse_args(argv)
    try:
        published = parse_date(args.published)
    except ValueError as e:
        ap.error(str(e))
    args.format = args.format or _format_of(args.output)
    if args.format in ("parquet", "geojson") and not args.output:
        ap.error(f"--format {args.format} needs -o OUTPUT")
    for name in ("chunk_docs", "chunk_chars"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            ap.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.quiet or not sys.stderr.isatty():
        from transformers.utils import logging as hf_logging
        hf_logging.disable_progress_bar()  # the weight-loading bar would clutter logs

    from eventx.pipeline import CHUNK_CHARS, CHUNK_DOCS, Extractor
    chunk_kw = dict(chunk_docs=args.chunk_docs or CHUNK_DOCS, chunk_chars=args.chunk_chars or CHUNK_CHARS)
    if args.engine == "ray":
        from eventx.ray_engine import EngineError, check_ready
        try:
            check_ready(args.paths, args.workers, args.gpus_per_worker)
        except EngineError as e:
            ap.error(str(e))
    elif args.workers is not None or args.gpus_per_worker:
        ap.error("--workers and --gpus-per-worker need --engine ray")
    read_kw = dict(text_col=args.text_field, id_col=args.id_field, date_col=args.published_field,
                   source_col=args.source_field, title_col=args.title_field, published=published,
                   stdin_format=args.stdin_format, exclude=_own_files(args))
    if not args.output:
        return _to_stdout(args, extractor or Extractor(args.model, encoder=args.encoder), read_kw, chunk_kw)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    lock = None
    try:
        lock = _lock(args.output)
        run = Run(args.output, args.format, args.errors, _command(args), args.restart)
    except CheckpointMismatch as e:
        if lock is not None:
            lock.close()
        print(f"eventx: {e}", file=sys.stderr)
        return EXIT_USAGE
    try:
        extractor = extractor or Extractor(args.model, encoder=args.encoder)
        start = time.monotonic() - run.state["elapsed_s"]
        bar = _progress(args, run.state["items"])
        for results in _chunk_results(args, extractor, run.state["items"], read_kw, chunk_kw):
            run.commit(results, time.monotonic() - start)
            s = run.state
            bar.update(len(results))
            bar.set_postfix_str(f"{s['sentences'] / max(time.monotonic() - start, 1e-9):.1f} sent/s, "
                                f"{s['records']} events, {s['errors']} errors", refresh=False)
        bar.close()
        summary = run.finish()
        if lock is not None:
            os.remove(args.output + ".lock")
    finally:
        run.close()
        if lock is not None:
            lock.close()
    if not args.quiet:
        _print_summary(summary)
    return EXIT_DOC_ERRORS if summary["errors"] else 0


def _chunk_results(args, extractor, skip: int, read_kw: dict, chunk_kw: dict):
    """Per chunk of input items after the first ``skip``, in order: their DocResults (local or Ray)."""
    from eventx.pipeline import chunked
    if args.engine == "ray":
        from eventx.ray_engine import chunk_results
        return chunk_results(args.paths, read_kw=read_kw, chunk_kw=chunk_kw, skip=skip, model=args.model,
                             encoder=args.encoder, workers=args.workers, gpus=args.gpus_per_worker)
    return (extractor.extract_chunk(c) for c in chunked(read_paths(args.paths, skip=skip, **read_kw), **chunk_kw))


def _to_stdout(args, extractor, read_kw: dict, chunk_kw: dict) -> int:
    """jsonl/csv to stdout, streaming; not resumable (there is no file to resume)."""
    out, t0 = sys.stdout, time.monotonic()
    counts, docs, sents, errors = Counter(), 0, 0, []
    if args.format == "csv":
        out.write(csv_header())
    for results in _chunk_results(args, extractor, 0, read_kw, chunk_kw):
        for res in results:
            if res.error is not None:
                errors.append(ReadError(res.doc_id, res.error))
                continue
            docs, sents = docs + 1, sents + res.sentences
            counts.update(r.event_class for r in res.records)
            out.write(to_csv_lines(res.records) if args.format == "csv"
                      else "".join(to_jsonl_line(r) for r in res.records))
        out.flush()
    err_path = args.errors or "eventx.errors.tsv"
    if errors:
        atomic_write_text(err_path, "".join(f"{_tsv(e.id)}\t{_tsv(e.reason)}\n" for e in errors))
    if not args.quiet:
        elapsed = time.monotonic() - t0
        _print_summary({"documents": docs, "sentences": sents, "events": sum(counts.values()),
                        "events_by_class": dict(counts.most_common()), "errors": len(errors),
                        "errors_file": err_path if errors else None, "elapsed_s": elapsed,
                        "documents_per_s": round(docs / elapsed, 2) if elapsed else None})
    return EXIT_DOC_ERRORS if errors else 0


__all__ = ["main", "Run", "EXIT_DOC_ERRORS", "EXIT_USAGE", "MAX_DOC_BYTES"]

if __name__ == "__main__":
    sys.exit(main())
