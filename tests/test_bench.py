"""The benchmark (small mode runs and writes every field) and the inference paths it measures:
device/dtype/runtime selection (CPU, CUDA, with and without onnxruntime), token-budget batches,
and the int8 / ONNX runners against the fp32 torch model."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from eventx.tag import (DEVICE_DEFAULTS, OnnxRunner, Tagger, TorchRunner, onnx_cache_dir, plan_inference,
                        token_batches)
from test_batch import build_tiny_tagger

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
CPU = dict(cuda=False, onnx=True, flags={"avx512f", "avx512_bf16"})


# --------------------------------------------------------------------------- plans
def test_cpu_default_is_bf16_where_native_else_fp32_in_onnxruntime_else_in_torch():
    p = plan_inference(**CPU)  # a CPU with AVX512-BF16
    assert (p.device, p.dtype, p.runtime) == ("cpu", "bfloat16", "torch") and "natively" in p.reasons["dtype"]
    assert p.batch_tokens == DEVICE_DEFAULTS["cpu"]["batch_tokens"] and p.threads >= 1
    assert set(p.reasons) == {"device", "dtype", "runtime", "threads", "batch_tokens"}
    p = plan_inference(**dict(CPU, flags={"avx2", "avx512f"}))  # no native bf16
    assert (p.dtype, p.runtime) == ("float32", "onnx") and "no native bf16" in p.reasons["dtype"]
    p = plan_inference(**dict(CPU, flags=set(), onnx=False))
    assert (p.dtype, p.runtime) == ("float32", "torch") and "not installed" in p.reasons["dtype"]
    assert plan_inference(runtime="onnx", **CPU).dtype == "float32"  # bf16 is torch's
    assert plan_inference(dtype="int8", **CPU).runtime == "onnx"  # asked for: the accurate int8
    assert plan_inference(dtype="int8", **dict(CPU, onnx=False)).runtime == "torch"


def test_cuda_default_is_bf16_large_batches_in_torch_or_fp16_without_bf16():
    p = plan_inference(cuda=True, cuda_bf16=True, onnx=True)
    assert (p.device, p.dtype, p.runtime) == ("cuda", "bfloat16", "torch")
    assert p.batch_tokens == DEVICE_DEFAULTS["cuda"]["batch_tokens"] > DEVICE_DEFAULTS["cpu"]["batch_tokens"]
    assert "CUDA device is present" in p.reasons["device"]
    p = plan_inference(cuda=True, cuda_bf16=False, onnx=True)
    assert p.dtype == "float16" and "no bf16" in p.reasons["dtype"]
    p = plan_inference(device="cpu", cuda=True, onnx=True, flags=set())  # the CPU on a GPU machine
    assert (p.device, p.dtype) == ("cpu", "float32") and p.reasons["device"] == "asked for"


def test_gpu_batches_are_sized_by_tokens_not_capped_at_cpu_rows():
    # 32k tokens of 40-token sentences is ~800 rows: a 64-row cap would starve the GPU
    lengths = [40] * 5000
    cuda, cpu = (DEVICE_DEFAULTS[k] for k in ("cuda", "cpu"))
    assert len(token_batches(lengths, cuda["batch_tokens"], cuda["batch_size"])[0]) == 32768 // 40
    assert len(token_batches(lengths, cpu["batch_tokens"], cpu["batch_size"])[0]) == 2048 // 40
    stub = lambda ids, mask, types, task: None  # noqa: E731  (no model is run)
    on_gpu = Tagger(None, None, device="cuda", runner=stub)
    assert on_gpu.batch_size == cuda["batch_size"] >= 32768 // 8 and on_gpu.batch_tokens == cuda["batch_tokens"]
    assert Tagger(None, None, device="cpu", runner=stub).batch_size == cpu["batch_size"]
    assert Tagger(None, None, device="cuda", runner=stub, batch_size=7).batch_size == 7


def test_explicit_options_win_and_aliases_are_normalized():
    p = plan_inference(dtype="fp32", runtime="torch", threads=3, batch_tokens=512, **CPU)
    assert (p.dtype, p.runtime, p.threads, p.batch_tokens) == ("float32", "torch", 3, 512)
    assert plan_inference(dtype="bf16", **CPU).dtype == "bfloat16"
    assert plan_inference(device="cuda:1", dtype="fp16", cuda=True).device == "cuda:1"


@pytest.mark.parametrize("kw, words", [
    (dict(dtype="int4"), ["dtype='int4'", "not one of"]),
    (dict(device="tpu"), ["device='tpu'", "not one of"]),
    (dict(device="cuda"), ["device='cuda'", "no CUDA device"]),
    (dict(dtype="float16"), ["float16", "does not run on cpu"]),
    (dict(dtype="bfloat16", flags=set()), ["bfloat16", "emulated"]),
    (dict(dtype="bfloat16", runtime="onnx"), ["bfloat16", "runtime 'onnx'"]),
    (dict(runtime="tensorrt"), ["runtime='tensorrt'", "not one of"]),
    (dict(runtime="onnx", onnx=False), ["onnxruntime", "pip install"]),
    (dict(threads=0), ["threads=0", ">= 1"]),
    (dict(batch_tokens=-5), ["batch_tokens=-5", ">= 1"]),
])
def test_impossible_options_name_the_option_and_the_problem(kw, words):
    with pytest.raises(ValueError) as e:
        plan_inference(**{**CPU, **kw})
    assert all(w in str(e.value) for w in words), str(e.value)


def test_onnx_on_a_gpu_and_int8_on_a_gpu_are_refused():
    with pytest.raises(ValueError, match="runs on cpu only"):
        plan_inference(device="cuda", runtime="onnx", cuda=True, onnx=True)
    with pytest.raises(ValueError, match="int8.*does not run on cuda"):
        plan_inference(device="cuda", dtype="int8", cuda=True)


def test_token_batches_respect_the_budget_and_keep_the_order():
    lengths = [3, 4, 4, 5, 9, 10, 30, 31]
    b = token_batches(lengths, batch_tokens=20, batch_size=4)
    assert [k for g in b for k in g] == list(range(len(lengths)))
    for g in b:
        assert len(g) <= 4 and (len(g) == 1 or len(g) * max(lengths[k] for k in g) <= 20)
    assert [6] in b and [7] in b  # a row over the budget goes alone, it is never dropped
    assert token_batches([5] * 10, batch_tokens=10 ** 6, batch_size=3) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert token_batches([], 100, 10) == []


# --------------------------------------------------------------------------- runners
@pytest.fixture(scope="module")
def tiny(tmp_path_factory, encoder_dir):
    return build_tiny_tagger(tmp_path_factory.mktemp("tiny"), encoder_dir, o_bias=0.0)


def _batch():
    ids = torch.tensor([[0, 1000, 2000, 3000, 77, 2], [0, 4000, 5000, 2, 1, 1]])
    return ids, (ids != 1).long(), torch.tensor([[0, 1, 1, 0, 0, 0], [0, 0, 1, 0, 0, 0]])


def test_torch_int8_runs_every_linear_quantized_and_stays_close_to_fp32(tiny):
    model_dir, enc = tiny
    ref = Tagger.from_pretrained(model_dir, encoder=str(enc), dtype="float32", runtime="torch")
    q = Tagger.from_pretrained(model_dir, encoder=str(enc), dtype="int8", runtime="torch")
    assert q.plan.dtype == "int8" and isinstance(q.runner, TorchRunner)
    kinds = {type(m).__module__ + "." + type(m).__name__ for m in q.runner.model.modules()}
    assert "torch.nn.modules.linear.Linear" not in kinds and any("quantized" in k for k in kinds)
    ids, mask, types = _batch()
    for task in ("trigger", "argument"):
        a, b = ref.runner(ids, mask, types, task), q.runner(ids, mask, types, task)
        assert a.shape == b.shape and 0 < (a - b).abs().max() < 0.25


def test_bf16_loads_straight_into_bf16_and_stays_close_to_fp32(tiny):
    model_dir, enc = tiny
    ref = Tagger.from_pretrained(model_dir, encoder=str(enc), dtype="float32", runtime="torch")
    bf = Tagger.from_pretrained(model_dir, encoder=str(enc), dtype="bfloat16", runtime="torch")
    assert {p.dtype for p in bf.model.parameters()} == {torch.bfloat16} and bf.dtype == torch.bfloat16
    ids, mask, types = _batch()
    a, b = ref.runner(ids, mask, types, "trigger"), bf.runner(ids, mask, types, "trigger").float()
    assert 0 < (a - b).abs().max() < 0.1


def test_onnx_export_matches_torch_with_padding_and_is_cached(tiny, monkeypatch):
    model_dir, enc = tiny
    ref = Tagger.from_pretrained(model_dir, encoder=str(enc), dtype="float32", runtime="torch")
    onx = Tagger.from_pretrained(model_dir, encoder=str(enc), dtype="float32", runtime="onnx")
    assert onx.model is None and isinstance(onx.runner, OnnxRunner)
    ids, mask, types = _batch()
    for task in ("trigger", "argument"):
        a, b = ref.runner(ids, mask, types, task), onx.runner(ids, mask, types, task)
        assert torch.allclose(a, b, atol=1e-4)
        # a padded row gives what the same row gives alone: the exported graph kept the mask
        alone = onx.runner(ids[1:, :4], mask[1:, :4], types[1:, :4], task)
        assert torch.allclose(alone[0], b[1, :4], atol=1e-5)
    sents = ["Gunmen attacked a police post in the north of the city on Sunday, killing two officers."]
    assert [[(e.trigger.label, e.trigger.start) for e in s] for s in ref.predict(sents)] == \
           [[(e.trigger.label, e.trigger.start) for e in s] for s in onx.predict(sents)]
    # the second load reuses the cached export instead of exporting again
    import eventx.tag as tag
    monkeypatch.setattr(tag, "export_onnx", lambda *a, **k: pytest.fail("exported twice"))
    again = Tagger.from_pretrained(model_dir, encoder=str(enc), dtype="float32", runtime="onnx")
    assert np.array_equal(again.runner(ids, mask, types, "trigger").numpy(),
                          onx.runner(ids, mask, types, "trigger").numpy())
    assert onnx_cache_dir(model_dir, "x", "int8") != onnx_cache_dir(model_dir, "x", "float32")


def test_onnx_int8_gives_the_same_output_for_the_same_batches(tiny):
    """int8 activations are quantized per batch: the same sentences in the same batches give the
    same output (what makes chunked, resumed and Ray runs equal), run after run."""
    model_dir, enc = tiny
    t = Tagger.from_pretrained(model_dir, encoder=str(enc), dtype="int8")
    assert (t.plan.dtype, t.plan.runtime) == ("int8", "onnx")
    sents = ["The army said it shelled rebel positions near the border overnight.",
             "Protesters gathered outside parliament demanding the release of detained journalists."]
    first = t.predict(sents)
    assert first == t.predict(sents) and len(first) == 2
    # exports of one model in two dtypes share one embedding table on disk
    fp32 = Tagger.from_pretrained(model_dir, encoder=str(enc), dtype="float32", runtime="onnx")
    assert fp32.runner.table.filename == t.runner.table.filename


# --------------------------------------------------------------------------- the benchmark
def test_small_bench_writes_markdown_and_json_with_every_field(tmp_path, encoder_dir):
    """Small mode reads ../shared/data, or the project corpus where that is absent (CI clones);
    one run, with whichever this machine has."""
    where = "shared" if SHARED.is_dir() else "corpus"
    # a tiny random tagger keeps it fast: this checks that the benchmark runs, not how fast
    model_dir, enc = build_tiny_tagger(tmp_path / "tiny", encoder_dir)
    out = tmp_path / "bench.md"
    env = dict(os.environ, PYTHONPATH=str(ROOT), EVENTX_ENCODER=str(enc), OMP_NUM_THREADS="1")

    p = subprocess.run([sys.executable, "-m", "eventx.bench", "--small", "--sentences", "9", "--docs", "3", "--out", str(out),
                        "--model", str(model_dir)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    res = json.loads(out.with_suffix(".json").read_text())
    assert res["inputs"]["origin"].startswith("shared" if where == "shared" else "project corpus")
    assert res["inputs"]["sentences"] == 9 and res["inputs"]["documents"] == 3 and set(res["inputs"]["sources"]) == {"ar", "fa", "en"}
    m = res["machine"]
    assert {"cpu_model", "usable_cpus", "cpu_flags", "gpu", "torch", "onnxruntime", "memory_gb"} <= set(m)
    engines = {(r["engine"], r["what"]) for r in res["results"]}
    assert ("hf-pipeline fp32", "trigger pass (token-classification)") in engines
    default = [r for r in res["results"] if "(default)" in r["engine"]]
    assert [r["what"] for r in default] == ["trigger pass", "predict (both passes)", "end-to-end documents"]
    for r in default + [r for r in res["results"] if r["engine"].startswith("hf-")]:
        assert r["per_s"] > 0 and r["peak_rss_mb"] > 0 and r["seconds"] > 0
    s = res["summary"]
    assert {"sentences_per_s", "ratio_vs_pipeline", "peak_rss_mb"} <= set(s)
    assert s["ratio_vs_pipeline"]["trigger_pass"] > 0
    md = out.read_text()
    for heading in ("## Machine", "## Speed", "## Targets (issue #10)", "GPU: none"):
        assert heading in md
    assert "hf-pipeline" in p.stdout  # the table is printed too


def test_bench_refuses_a_missing_data_folder_by_name_and_small_mode_falls_back(tmp_path, monkeypatch):
    from eventx import bench
    with pytest.raises(bench.BenchError, match=str(tmp_path / "nope")):
        bench.data_dir(str(tmp_path / "nope"))
    monkeypatch.setenv(bench.DATA_ENV, str(tmp_path / "nope"))
    with pytest.raises(bench.BenchError, match="shared data folder"):
        bench.data_dir()  # a full run needs the real inputs
    assert bench.data_dir(fallback=True) is None
    inp = bench.bench_inputs(6, 3, None)  # the project corpus: same sources, real sentences
    assert inp["origin"].startswith("project corpus") and len(inp["sentences"]) == 6
    assert inp["languages"] == ["ar"] * 2 + ["fa"] * 2 + ["en"] * 2 and len(inp["documents"]) == 3


def test_gpu_summary_sets_speed_against_the_target_and_flops_against_the_peak():
    from eventx.bench import encoder_flops, gpu_peak_tflops, markdown, summarize
    # one 10-token sequence through a 1-layer, 4-wide encoder with an 8-wide feed-forward block:
    # 2*(4*16 + 2*32) = 256 FLOPs per token, attention 4*1*4*100 = 1600
    assert encoder_flops([10], layers=1, hidden=4, ffn=8) == 256 * 10 + 1600
    assert gpu_peak_tflops("NVIDIA H100 80GB HBM3") == (989.0, "H100")
    assert gpu_peak_tflops("NVIDIA H100 PCIe") == (756.0, "H100 PCIe")
    assert gpu_peak_tflops("Some Future GPU") is None and gpu_peak_tflops(None) is None
    common = {"tokens": 0, "seconds": 1.0, "cpu_seconds": 1.0, "peak_rss_mb": 3000.0}
    rows = [{"engine": "eventx torch bfloat16 (default)", "what": "trigger pass", "per_s": 25_000.0,
             "encoder_tflops_per_s": 98.9, **common},
            {"engine": "eventx torch bfloat16 (default)", "what": "predict (both passes)", "per_s": 18_000.0, **common}]
    plan = {"device": "cuda", "dtype": "bfloat16", "runtime": "torch"}
    g = summarize(rows, {}, plan, gpu="NVIDIA H100 80GB HBM3")["gpu"]
    assert g["fraction_of_peak"] == 0.1 and g["trigger_pass"] == 25_000.0 and g["predict"] == 18_000.0
    assert "gpu" not in summarize(rows, {}, dict(plan, device="cpu"), gpu=None)
    res = {"machine": {"gpu": "NVIDIA H100 80GB HBM3", "cpu_model": "x", "usable_cpus": 16, "logical_cpus": 16,
                       "torch_threads": 16, "cpu_flags": [], "python": "3", "torch": "2", "transformers": "5",
                       "onnxruntime": "1", "platform": "linux"},
           "summary": summarize(rows, {}, plan, gpu="NVIDIA H100 80GB HBM3"), "results": rows, "accuracy": {},
           "inputs": {"sentences": 2, "documents": 0, "seed": 1, "sources": {}, "origin": "x"}, "command": "c",
           "date": "d", "eventx": "0", "model": "m", "model_version": "v", "default_plan": plan,
           "contention": {"before": {"loadavg": [0, 0, 0], "busy_processes": []},
                          "after": {"loadavg": [0, 0, 0], "busy_processes": []}}}
    md = markdown(res)
    assert "| GPU tagging sentences/s (trigger pass) | >= 20,000 | 25,000.0 | yes |" in md
    assert "**no** (missed by 10.0%)" in md and "98.90 (10.00%)" in md
