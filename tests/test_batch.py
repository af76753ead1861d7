"""Batches that survive: streaming, chunking, errors file, resumable output, a real kill, no network."""
import datetime as dt
import gzip
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from eventx import cli
from eventx.pipeline import Extractor, chunked
from eventx.read import MAX_DOC_BYTES, Document, ReadError, read_paths
from eventx.schema import EventRecord
from eventx.segment import word_spans
from eventx.tag import Span, TaggedEvent
from eventx.taxonomy import CLASSES
from eventx.write import read_jsonl, to_dataframe

ROOT = Path(__file__).resolve().parent.parent
SNN = ROOT.parent / "shared" / "data" / "ar" / "saudinewsnet" / "conflict_subset.jsonl"
SNN_CORPUS = ROOT / "training" / "data" / "ar" / "saudinewsnet.jsonl"


def real_articles(n: int) -> list[dict]:
    """Real Arabic news articles (id, date, source, title, text): SaudiNewsNet from ../shared/data,
    else the SaudiNewsNet sentences of the project's own corpus regrouped into articles."""
    if SNN.is_file():
        with open(SNN, encoding="utf-8") as f:
            return [json.loads(line) for _, line in zip(range(n), f)]
    docs: dict[str, dict] = {}
    with open(SNN_CORPUS, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            d = docs.setdefault(r["doc_id"], {"id": r["doc_id"], "date": r.get("published"), "source": r["source"],
                                              "text": ""})
            d["text"] += r["text"] + "\n"
    # whole articles only (a document's sentences need not be adjacent in the file); the longest first
    return sorted(docs.values(), key=lambda d: -len(d["text"]))[:n]


class StubTagger:
    """Stands in for the encoder: an event on the longest word of every sentence whose length is
    divisible by ``every``, with the first word as actor1. Depends on the sentence only."""

    def __init__(self, every: int = 3):
        self.every, self.calls = every, []

    def predict(self, sentences):
        self.calls.append(len(sentences))
        out = []
        for s in sentences:
            spans = word_spans(s)
            if not spans or len(s) % self.every:
                out.append([])
                continue
            a, b = max(spans, key=lambda x: (x[1] - x[0], -x[0]))
            trig = Span(CLASSES[len(s) % len(CLASSES)], a, b, s[a:b], 0.9)
            args = [Span("actor1", spans[0][0], spans[0][1], s[spans[0][0]:spans[0][1]], 0.8)] if spans[0][0] != a else []
            out.append([TaggedEvent(trig, args)])
        return out


def stub_extractor(every: int = 3) -> Extractor:
    ex = Extractor()
    ex._tagger = StubTagger(every)
    return ex


def write_jsonl(path: Path, rows) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows),
                    encoding="utf-8")
    return path


# --------------------------------------------------------------------------- reading
def test_reader_turns_every_bad_input_into_an_error_and_goes_on(tmp_path):
    art = real_articles(3)
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text(art[0]["text"], encoding="utf-8")
    (src / "empty.txt").write_text(" \n ", encoding="utf-8")
    (src / "binary.bin").write_bytes(b"\x7fELF\x00\x01\x02" * 20)
    (src / "latin1.txt").write_bytes("caf\xe9 bomb".encode("latin-1"))
    with open(src / "huge.txt", "wb") as f:  # a 50 MB single line
        f.write(b"x" * (50 * 1024 * 1024))
    write_jsonl(src / "sub" / "feed.jsonl", [
        {"id": "ok1", "text": art[1]["text"], "date": "2015-07-21"},
        "{not json",
        json.dumps({"id": "big", "text": "y" * (MAX_DOC_BYTES + 10)}),
        {"id": "baddate", "text": art[1]["text"], "date": "21/07/2015"},
        "[1, 2]",
        {"id": "notext", "body": "..."},
        {"id": "ok2", "text": art[2]["text"], "date": "Tue, 21 Jul 2015 10:00:00 +0300"},
    ])
    (src / "sub" / "news.csv").write_bytes(
        "id,text,date\nc1,\"".encode() + art[2]["text"].split("\n")[0].replace('"', "'").encode() + b"\",2015-07-22\n"
        b"c2,\"caf\xe9\",2015-07-22\n")
    items = list(read_paths([str(src)]))
    docs = {i.id: i for i in items if isinstance(i, Document)}
    errs = {i.id: i.reason for i in items if isinstance(i, ReadError)}
    assert set(docs) == {str(src / "a.txt"), "ok1", "ok2", "c1"}
    assert docs["ok1"].published == dt.date(2015, 7, 21) and docs["ok2"].published == dt.date(2015, 7, 21)
    assert docs["c1"].published == dt.date(2015, 7, 22)
    reasons = {k.rsplit("/", 1)[-1]: v for k, v in errs.items()}
    assert "binary" in reasons["binary.bin"] and "empty document" in reasons["empty.txt"]
    assert "invalid UTF-8" in reasons["latin1.txt"] and "exceeds" in reasons["huge.txt"]
    assert "malformed JSON" in reasons["feed.jsonl:2"] and "byte limit" in reasons["feed.jsonl:3"]
    assert "YYYY-MM-DD" in reasons["baddate"] and "not an object" in reasons["feed.jsonl:5"]
    assert "no text field 'text'" in reasons["notext"] and "invalid UTF-8" in reasons["news.csv:3"]
    assert reasons["baddate"].endswith("(feed.jsonl:4)") and len(errs) == 10
    assert all("\n" not in r for r in errs.values())


def test_skip_passes_over_items_without_changing_the_rest(tmp_path):
    art = real_articles(4)
    rows = [{"id": f"d{i}", "text": a["text"]} for i, a in enumerate(art)]
    f = write_jsonl(tmp_path / "f.jsonl", rows[:2] + ["{broken"] + rows[2:])
    gz = tmp_path / "g.jsonl.gz"
    with gzip.open(gz, "wt", encoding="utf-8") as g:
        g.write(json.dumps(rows[0], ensure_ascii=False) + "\n")
    full = [getattr(i, "id") for i in read_paths([str(f), str(gz)])]
    assert full == ["d0", "d1", "f.jsonl:3", "d2", "d3", "d0"]
    for k in range(len(full) + 1):
        assert [i.id for i in read_paths([str(f), str(gz)], skip=k)] == full[k:]


def test_chunks_are_lazy_bounded_and_reform_identically_after_a_boundary():
    pulled = []

    def gen():
        for i in range(100):
            pulled.append(i)
            yield Document(f"d{i}", "x" * (i * 7 % 50 + 1))

    it = chunked(gen(), chunk_docs=8, chunk_chars=120)
    first = next(it)
    assert len(pulled) == len(first) <= 8  # nothing read beyond the first chunk
    chunks = [first] + list(it)
    assert all(len(c) <= 8 and sum(len(d.text) for d in c[:-1]) < 120 for c in chunks)
    ids = [[d.id for d in c] for c in chunks]
    boundary = sum(len(c) for c in chunks[:3])
    again = [[d.id for d in c] for c in chunked(list(gen())[boundary:], chunk_docs=8, chunk_chars=120)]
    assert again == ids[3:]
    with pytest.raises(ValueError, match="at least 1"):
        list(chunked([], chunk_docs=0))


# --------------------------------------------------------------------------- the Python API
def test_extract_batch_tags_sentences_of_many_documents_together_in_input_order():
    art = real_articles(6)
    ex = stub_extractor()
    docs = [(a["text"], a["id"], a["date"], a["source"]) for a in art]
    recs = list(ex.extract_batch(iter(docs), chunk_docs=3))
    assert len(ex._tagger.calls) == 2  # two chunks of three documents, one tagger call each
    assert recs and [r.doc_id for r in recs] == sorted((r.doc_id for r in recs), key=[a["id"] for a in art].index)
    one_by_one = [r for d in docs for r in stub_extractor().extract_batch([d])]
    assert [r.model_dump() for r in recs] == [r.model_dump() for r in one_by_one]
    text = {a["id"]: a["text"] for a in art}
    for r in recs:
        assert all(text[r.doc_id][e.start:e.end] == e.text for e in r.evidence)
    df = to_dataframe(recs)
    assert list(df.columns[:3]) == ["event_id_cnty", "event_date", "year"] and len(df) == len(recs)


def test_extract_batch_reports_or_raises_failed_documents():
    from eventx.language import UnsupportedLanguage
    art = real_articles(2)
    docs = [{"id": "ar1", "text": art[0]["text"]},
            {"id": "de", "text": "Die Armee hat gestern das Dorf mit Artillerie beschossen und viele getötet."},
            {"id": "nodate", "text": art[1]["text"], "published": "gestern"}, {"id": "ar2", "text": art[1]["text"]}]
    failed = []
    recs = list(stub_extractor().extract_batch(docs[:1] + docs[1:2] + docs[3:],
                                              on_error=lambda i, why: failed.append((i, why))))
    assert failed == [("de", failed[0][1])] and "not supported" in failed[0][1]
    assert {r.doc_id for r in recs} == {"ar1", "ar2"}
    with pytest.raises(UnsupportedLanguage, match="'de'|not supported"):
        list(stub_extractor().extract_batch(docs[:2]))
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        list(stub_extractor().extract_batch(docs[2:3]))
    with pytest.raises(TypeError, match="cannot read a document from int"):
        list(stub_extractor().extract_batch([3]))


def test_a_document_that_breaks_the_tagger_fails_alone():
    art = real_articles(3)

    class Fragile(StubTagger):
        def predict(self, sentences):
            if any("\u2603" in s for s in sentences):
                raise RuntimeError("tokenizer exploded\non two lines")
            return super().predict(sentences)

    ex = Extractor()
    ex._tagger = Fragile()
    docs = [Document("a", art[0]["text"]), Document("snow", art[1]["text"] + "\n\u2603 ثلج"), Document("c", art[2]["text"])]
    res = ex.extract_chunk(docs)
    assert [r.error for r in res] == [None, "tagging failed: tokenizer exploded", None]
    assert res[0].records and res[2].records


# --------------------------------------------------------------------------- the CLI
def run_cli(args, ex=None) -> int:
    return cli.main(["extract", *map(str, args), "-q"], extractor=ex or stub_extractor())


def test_cli_records_errors_summary_and_exit_code(tmp_path):
    art = real_articles(4)
    feed = write_jsonl(tmp_path / "feed.jsonl", [
        {"id": "n1", "text": art[0]["text"], "date": "2015-07-21"}, "{not json",
        {"id": "n2", "text": art[1]["text"], "date": "yesterday"}, {"id": "n3", "text": ""},
        {"id": "n4", "text": art[2]["text"], "date": "2015-07-23"}])
    out = tmp_path / "out" / "ev.jsonl"
    assert run_cli([feed, "-o", out]) == cli.EXIT_DOC_ERRORS
    errors = [line.split("\t") for line in (tmp_path / "out" / "ev.jsonl.errors.tsv").read_text().splitlines()]
    assert [e[0] for e in errors] == ["feed.jsonl:2", "n2", "n3"]
    assert all(len(e) == 2 and e[1] for e in errors)
    summary = json.loads((tmp_path / "out" / "ev.jsonl.summary.json").read_text())
    recs = list(read_jsonl(out))
    assert summary["documents"] == 2 and summary["errors"] == 3 and summary["events"] == len(recs) > 0
    assert sum(summary["events_by_class"].values()) == len(recs) and summary["sentences"] > 0
    assert not (tmp_path / "out" / "ev.jsonl.checkpoint.json").exists()
    # a clean rerun leaves no stale errors file behind
    write_jsonl(feed, [{"id": "n1", "text": art[0]["text"], "date": "2015-07-21"}])
    assert run_cli([feed, "-o", out]) == 0 and not (tmp_path / "out" / "ev.jsonl.errors.tsv").exists()


def test_cli_field_options_and_every_format(tmp_path):
    art = real_articles(3)
    feed = write_jsonl(tmp_path / "api.jsonl", [{"uid": f"u{i}", "body": a["text"], "pub": a["date"], "site": "x"}
                                               for i, a in enumerate(art)])
    opts = ["--text-field", "body", "--id-field", "uid", "--published-field", "pub", "--source-field", "site"]
    assert run_cli([feed, "-o", tmp_path / "e.jsonl", *opts]) == 0
    recs = list(read_jsonl(tmp_path / "e.jsonl"))
    assert recs and {r.doc_id for r in recs} <= {"u0", "u1", "u2"} and all(r.source == "x" for r in recs)
    for fmt in ("csv", "parquet", "geojson"):
        out = tmp_path / f"e.{fmt}"
        assert run_cli([feed, "-o", out, "--format", fmt, *opts]) == 0
        assert not Path(f"{out}.parts.jsonl").exists() and not Path(f"{out}.checkpoint.json").exists()
    import pandas as pd
    df = pd.read_parquet(tmp_path / "e.parquet")
    assert len(df) == len(recs) and df["event_id_cnty"].tolist() == [r.event_id_cnty for r in recs]
    assert str(df["fatalities"].dtype) == "int64" and df["latitude"].isna().all()
    gj = json.loads((tmp_path / "e.geojson").read_text())
    assert gj["type"] == "FeatureCollection" and len(gj["features"]) == len(recs)
    lines = (tmp_path / "e.csv").read_text().splitlines()
    assert lines[0].startswith("event_id_cnty,event_date,year") and len(pd.read_csv(tmp_path / "e.csv")) == len(recs)


class Boom(Exception):
    pass


def interrupted_extractor(after_chunks: int) -> Extractor:
    """A stub whose run dies (like a kill) once ``after_chunks`` chunks are done."""
    ex = stub_extractor()
    inner, n = ex.extract_chunk, [0]

    def chunk(items):
        if n[0] == after_chunks:
            raise Boom()
        n[0] += 1
        return inner(items)
    ex.extract_chunk = chunk
    return ex


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_resume_after_a_crash_and_a_torn_tail_equals_an_uninterrupted_run(tmp_path, fmt):
    art = real_articles(9)
    feed = write_jsonl(tmp_path / "f.jsonl", [{"id": a["id"], "text": a["text"], "date": a["date"]} for a in art]
                       + ["{oops"])
    ref, out = tmp_path / f"ref.{fmt}", tmp_path / f"out.{fmt}"
    opts = ["--format", fmt, "--chunk-docs", "2"]
    assert run_cli([feed, "-o", ref, *opts]) == 3
    with pytest.raises(Boom):
        run_cli([feed, "-o", out, *opts], interrupted_extractor(2))
    ck = json.loads(Path(f"{out}.checkpoint.json").read_text())
    assert ck["items"] == 4 and ck["documents"] == 4
    data = Path(str(out) if fmt != "parquet" else f"{out}.parts.jsonl")
    with open(data, "ab") as f:  # what a kill in the middle of a write leaves behind
        f.write(b'{"event_id_cnty": "EVXTORN", "event_da')
    assert run_cli([feed, "-o", out, *opts]) == 3
    if fmt == "parquet":
        import pandas as pd
        assert pd.read_parquet(out).equals(pd.read_parquet(ref))
    else:
        assert out.read_bytes() == ref.read_bytes()
    assert Path(f"{out}.errors.tsv").read_text() == Path(f"{ref}.errors.tsv").read_text()
    s_ref, s_out = (json.loads(Path(f"{p}.summary.json").read_text()) for p in (ref, out))
    assert s_out["resumed"] and all(s_out[k] == s_ref[k] for k in ("documents", "sentences", "events", "errors"))


def test_a_checkpoint_from_another_command_is_refused(tmp_path, capsys):
    art = real_articles(4)
    feed = write_jsonl(tmp_path / "f.jsonl", [{"id": a["id"], "text": a["text"]} for a in art])
    out = tmp_path / "o.jsonl"
    with pytest.raises(Boom):
        run_cli([feed, "-o", out, "--chunk-docs", "1"], interrupted_extractor(1))
    assert run_cli([feed, "-o", out, "--chunk-docs", "1", "--published", "2015-07-01"]) == cli.EXIT_USAGE
    assert "different command (changed: published)" in capsys.readouterr().err
    write_jsonl(feed, [{"id": a["id"], "text": a["text"]} for a in art[:3]])  # the input changed
    os.utime(feed, ns=(1, 1))
    assert run_cli([feed, "-o", out, "--chunk-docs", "1"]) == cli.EXIT_USAGE
    assert "changed: inputs" in capsys.readouterr().err
    assert run_cli([feed, "-o", out, "--chunk-docs", "1", "--restart"]) == 0
    assert {r.doc_id for r in read_jsonl(out)} <= {a["id"] for a in art[:3]}


def test_output_inside_the_input_folder_is_not_read_back(tmp_path):
    art = real_articles(4)
    src = tmp_path / "articles"
    src.mkdir()
    for a in art:
        (src / f"{a['id']}.txt").write_text(a["text"], encoding="utf-8")
    out = src / "events.jsonl"
    with pytest.raises(Boom):
        run_cli([src, "-o", out, "--chunk-docs", "1"], interrupted_extractor(2))
    assert run_cli([src, "-o", out, "--chunk-docs", "1"]) == 0  # resumes: the growing output is no input
    summary = json.loads(Path(f"{out}.summary.json").read_text())
    assert summary["documents"] == 4 and summary["resumed"]
    assert run_cli([src, "-o", out, "--chunk-docs", "1"]) == 0  # a fresh rerun does not read its old files
    assert json.loads(Path(f"{out}.summary.json").read_text())["documents"] == 4


def test_progress_bar_and_summary_on_a_terminal(tmp_path, monkeypatch, capsys):
    import io

    class Tty(io.StringIO):
        def isatty(self):
            return True
    art = real_articles(3)
    feed = write_jsonl(tmp_path / "f.jsonl", [{"id": a["id"], "text": a["text"]} for a in art] + ["{bad"])
    err = Tty()
    monkeypatch.setattr(sys, "stderr", err)
    out = tmp_path / "o.csv"
    assert cli.main(["extract", str(feed), "-o", str(out), "--chunk-docs", "1"], extractor=stub_extractor()) == 3
    text = err.getvalue()
    assert "4doc" in text.replace(" ", "") and "sent/s" in text and "events" in text  # the tqdm bar
    assert "eventx: 3 documents" in text and "1 errors" in text and "o.csv.errors.tsv" in text  # the summary
    assert out.read_text().startswith("event_id_cnty,")  # format from the suffix
    err.seek(0)
    err.truncate()
    assert cli.main(["extract", str(feed), "-o", str(out), "-q", "--restart"], extractor=stub_extractor()) == 3
    assert err.getvalue() == ""  # --quiet: no bar, no summary


def test_kill_a_real_run_and_resume_it(tmp_path, encoder_dir):
    """SIGKILL a real ``python -m eventx.cli`` process mid-run; the rerun must give exactly the
    records of an uninterrupted run. A tiny random tagger keeps it fast; the process is real."""
    model, enc = build_tiny_tagger(tmp_path / "tiny", encoder_dir)
    art = real_articles(7)
    feed = write_jsonl(tmp_path / "f.jsonl", [{"id": a["id"], "text": a["text"], "date": a["date"]} for a in art[:3]]
                       + ["{malformed"] + [{"id": a["id"], "text": a["text"], "date": a["date"]} for a in art[3:]])
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")

    def cmd(out):
        return [sys.executable, "-m", "eventx.cli", "extract", str(feed), "-o", str(out), "--model", str(model),
                "--encoder", str(enc), "--chunk-docs", "1", "-q"]

    ref = tmp_path / "ref.jsonl"
    assert subprocess.run(cmd(ref), env=env, cwd=ROOT, capture_output=True).returncode == 3
    out = tmp_path / "out.jsonl"
    proc = subprocess.Popen(cmd(out), env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ckpt, deadline = Path(f"{out}.checkpoint.json"), time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if json.loads(ckpt.read_text())["items"] >= 2 and out.stat().st_size > 0:
                break
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = json.loads(ckpt.read_text())["items"]
    assert 2 <= done < len(art) + 1 and not Path(f"{out}.summary.json").exists()
    p = subprocess.run(cmd(out), env=env, cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 3, p.stderr
    assert out.read_bytes() == ref.read_bytes() and ref.stat().st_size > 0
    ids = [r.event_id_cnty for r in read_jsonl(out)]
    assert len(ids) == len(set(ids))  # nothing written twice
    assert Path(f"{out}.errors.tsv").read_text() == Path(f"{ref}.errors.tsv").read_text()
    assert json.loads(Path(f"{out}.summary.json").read_text())["resumed"] is True


def build_tiny_tagger(dest: Path, encoder_dir: Path, o_bias: float = 2.2):
    """A randomly initialised one-layer tagger on the real tokenizer (fast, deterministic)."""
    import shutil

    import torch
    from transformers import BertConfig, BertModel

    from eventx.encoder import load_tokenizer
    from eventx.tag import Tagger, TaggerModel, argument_labels, build_encoder, encoder_fingerprint, trigger_labels
    torch.manual_seed(0)
    enc = dest / "encoder"
    n_vocab = len(json.loads((Path(encoder_dir) / "eventx_tokenizer.json").read_text())["pieces"])
    cfg = BertConfig(vocab_size=n_vocab, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=32, max_position_embeddings=512, type_vocab_size=2, pad_token_id=1)
    BertModel(cfg, add_pooling_layer=False).save_pretrained(enc)
    shutil.copy(Path(encoder_dir) / "eventx_tokenizer.json", enc)
    model = TaggerModel(build_encoder(enc), len(trigger_labels()), len(argument_labels()))
    with torch.no_grad():  # make "O" likely so that a few words, not all, are triggers
        model.trigger_head.bias[0] += o_bias
        model.argument_head.bias[0] += o_bias
    Tagger(model, load_tokenizer(str(enc))).save_pretrained(
        dest / "tagger", trained_prefixes=[""], extra={"encoder_fingerprint": encoder_fingerprint(enc)})
    return dest / "tagger", enc


# --------------------------------------------------------------------------- memory and network
MEM_SCRIPT = r"""
import json, resource, sys
sys.path.insert(0, sys.argv[1])
sys.path.insert(0, sys.argv[2])
from test_batch import stub_extractor
from eventx import cli
ex = stub_extractor(every=7)
def run(src, out):
    rc = cli.main(["extract", src, "-o", out, "-q"], extractor=ex)
    assert rc == 0, rc
run(sys.argv[3], sys.argv[5])            # warm-up: imports, language model, first chunks
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
run(sys.argv[4], sys.argv[6])
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
scale = 1 if sys.platform == "darwin" else 1024     # ru_maxrss is bytes on macOS, KiB on Linux
print(json.dumps({"base_mb": base * scale / 2**20, "peak_mb": peak * scale / 2**20}))
"""


def test_memory_stays_bounded_on_a_large_jsonl(tmp_path):
    """Peak memory of a batch over a JSONL far larger than the bound grows by less than the bound.
    EVENTX_MEM_TEST_MB sets the input size (default 48; the report used 400)."""
    target = int(os.environ.get("EVENTX_MEM_TEST_MB", "48")) * 2**20
    bound = 40 * 2**20
    art = [a["text"] for a in real_articles(40)]
    body = "\n".join(art)
    small, big = tmp_path / "small.jsonl", tmp_path / "big.jsonl"
    write_jsonl(small, [{"id": f"w{i}", "text": body, "date": "2015-07-21"} for i in range(3)])
    with open(big, "w", encoding="utf-8") as f:
        n = 0
        while f.tell() < target:
            # distinct documents of ~100-400k characters (a counter keeps them from being identical)
            text = "\n".join(f"{n}-{k} {t}" for k, t in enumerate(art * 4))[: 100_000 + n * 37_000 % 300_000]
            f.write(json.dumps({"id": f"b{n}", "text": text, "date": "2015-07-21"}, ensure_ascii=False) + "\n")
            n += 1
    assert big.stat().st_size > 1.2 * bound
    p = subprocess.run([sys.executable, "-c", MEM_SCRIPT, str(ROOT), str(ROOT / "tests"), str(small), str(big),
                        str(tmp_path / "s.jsonl"), str(tmp_path / "b.jsonl")], capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 0, p.stderr[-2000:]
    m = json.loads(p.stdout.strip().splitlines()[-1])
    growth = (m["peak_mb"] - m["base_mb"]) * 2**20
    summary = json.loads((tmp_path / "b.jsonl.summary.json").read_text())
    print(f"input {big.stat().st_size / 2**20:.0f} MB, {summary['documents']} documents, "
          f"{summary['events']} events; peak RSS {m['base_mb']:.0f} -> {m['peak_mb']:.0f} MB")
    assert summary["documents"] == n and summary["errors"] == 0
    assert growth < bound, f"peak RSS grew {growth / 2**20:.0f} MB on a {big.stat().st_size / 2**20:.0f} MB input"


@pytest.fixture
def no_network(monkeypatch):
    """Every attempt to open a connection fails loudly (and is counted)."""
    tries = []

    def refuse(*args, **kw):
        tries.append(args)
        raise OSError("network access attempted during an eventx run")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return tries


def test_a_real_extraction_runs_with_the_network_disabled(tmp_path, encoder_dir, no_network, monkeypatch):
    import eventx  # noqa: F401  (its import sets the Hugging Face libraries offline)
    assert os.environ.get("HF_HUB_OFFLINE") and os.environ.get("TRANSFORMERS_OFFLINE")
    art = real_articles(2)
    feed = write_jsonl(tmp_path / "f.jsonl", [{"id": a["id"], "text": a["text"], "date": a["date"]} for a in art])
    (tmp_path / "page.html").write_text(
        "<html><head><title>t</title></head><body><nav>Home | World</nav><article><p>"
        + art[0]["text"].split("\n")[0] + "</p></article><footer>Share</footer></body></html>", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    ex = Extractor()  # the shipped model, loaded from disk with sockets refused
    assert cli.main(["extract", str(feed), str(tmp_path / "page.html"), "-o", str(out), "-q"], extractor=ex) == 0
    recs = list(read_jsonl(out))
    assert recs and all(isinstance(r, EventRecord) for r in recs) and no_network == []
    summary = json.loads(Path(f"{out}.summary.json").read_text())
    assert summary["documents"] == 3
