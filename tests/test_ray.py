"""The Ray engine: a local Ray instance with 2 workers gives the local engine's output record for record."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("ray.data", reason="Ray is an optional extra (pip install 'eventx-acled[ray]'); "
                                       "CI installs it, so these tests run there")

from conftest import shipped_model_available  # noqa: E402
from test_batch import real_articles, write_jsonl  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(not shipped_model_available(), reason="no shipped tagger weights")


def _extract(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "eventx.cli", "extract", *args, "-q"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_ray_engine_output_equals_local_engine_record_for_record(tmp_path, encoder_dir):
    art = real_articles(8)
    rows = [{"id": a["id"], "text": a["text"], "date": a["date"]} for a in art[:5]] + ["{not json"] + \
           [{"id": a["id"], "text": a["text"], "date": a["date"]} for a in art[5:]]
    feed = write_jsonl(tmp_path / "in.jsonl", rows)
    env = dict(os.environ, PYTHONPATH=str(ROOT), RAY_ADDRESS="", OMP_NUM_THREADS="1")
    local, ray_out = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    p = _extract([str(feed), "-o", str(local), "--chunk-docs", "3"], env)
    assert p.returncode == 3, p.stderr  # 3: the malformed line is reported, the rest is done
    p = _extract([str(feed), "-o", str(ray_out), "--chunk-docs", "3", "--engine", "ray", "--workers", "2"], env)
    assert p.returncode == 3, p.stderr
    a, b = local.read_text(encoding="utf-8").splitlines(), ray_out.read_text(encoding="utf-8").splitlines()
    assert len(a) > 0 and a == b
    assert Path(f"{ray_out}.errors.tsv").read_text() == Path(f"{local}.errors.tsv").read_text()
    s_local = json.loads(Path(f"{local}.summary.json").read_text())
    s_ray = json.loads(Path(f"{ray_out}.summary.json").read_text())
    assert {k: s_ray[k] for k in ("documents", "sentences", "events", "errors")} == \
           {k: s_local[k] for k in ("documents", "sentences", "events", "errors")}

    # resumable the same way: a local run stopped after its first chunk (checkpoint written, then a
    # torn half-line) finishes on Ray with the same output
    from eventx import cli
    from eventx.pipeline import DocResult
    from eventx.schema import EventRecord

    class Stopped(Exception):
        pass

    class ReplayThenStop:  # replays the local run's first chunk, then dies like a killed process
        calls = 0

        def extract_chunk(self, chunk):
            self.calls += 1
            if self.calls > 1:
                raise Stopped
            return [DocResult(d.id, [EventRecord.model_validate_json(x) for x in a
                                     if json.loads(x)["doc_id"] == d.id]) for d in chunk]

    resumed = tmp_path / "resumed.jsonl"
    with pytest.raises(Stopped):
        cli.main(["extract", str(feed), "-o", str(resumed), "--chunk-docs", "3", "-q"], extractor=ReplayThenStop())
    assert json.loads(Path(f"{resumed}.checkpoint.json").read_text())["items"] == 3
    with open(resumed, "ab") as f:
        f.write(b'{"torn": ')
    p = _extract([str(feed), "-o", str(resumed), "--chunk-docs", "3", "--engine", "ray", "--workers", "2"], env)
    assert p.returncode == 3, p.stderr
    assert resumed.read_text(encoding="utf-8").splitlines() == a
    assert json.loads(Path(f"{resumed}.summary.json").read_text())["resumed"] is True


def test_ray_engine_refuses_stdin_and_workers_without_ray(tmp_path, capsys):
    from eventx import cli
    with pytest.raises(SystemExit) as e:
        cli.main(["extract", "-", "-o", str(tmp_path / "x.jsonl"), "--engine", "ray"])
    assert e.value.code == 2 and "stdin" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        cli.main(["extract", str(tmp_path), "-o", str(tmp_path / "x.jsonl"), "--workers", "2"])
    assert e.value.code == 2 and "--workers and --gpus-per-worker need --engine ray" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        cli.main(["extract", str(tmp_path), "-o", str(tmp_path / "x.jsonl"), "--gpus-per-worker", "1"])
    assert e.value.code == 2 and "need --engine ray" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        cli.main(["extract", str(tmp_path), "-o", str(tmp_path / "x.jsonl"), "--engine", "ray", "--gpus-per-worker", "-1"])
    assert e.value.code == 2 and "--gpus-per-worker -1" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        cli.main(["extract", str(tmp_path), "-o", str(tmp_path / "x.jsonl"), "--engine", "ray", "--workers", "0"])
    assert e.value.code == 2 and "at least 1" in capsys.readouterr().err


def test_default_pool_is_one_actor_per_cpu_group_or_per_gpu_share():
    from eventx.ray_engine import pool_size
    assert pool_size({"CPU": 16.0}, threads=1) == 16 and pool_size({"CPU": 16.0}, threads=4) == 4
    assert pool_size({"CPU": 64.0, "GPU": 8.0}, threads=1, gpus=1) == 8
    assert pool_size({"CPU": 64.0, "GPU": 8.0}, threads=1, gpus=0.5) == 16
