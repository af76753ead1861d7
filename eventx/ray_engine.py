"""Batch extraction on Ray Data: ``eventx extract PATH... -o OUT --engine ray [--workers N]``.

The local engine's work, spread over an actor pool:

- read: one Ray Data read task, on the driver's node (so paths on the driver's disk work on a
  cluster), runs ``eventx.read.read_paths`` and ``pipeline.chunked`` exactly as the local engine
  does and emits each chunk of input items as one row;
- map: ``map_batches`` over an actor pool of ``workers`` actors, each holding one ``Extractor``
  (one tagger), runs ``Extractor.extract_chunk`` on one chunk at a time;
- write: results come back to the driver in input order (``preserve_order``) and the CLI writes
  and checkpoints them chunk by chunk with the same ``Run`` as a local run.

Same chunks, same per-chunk function and same writer: the output equals the local engine's
record for record, and a killed run resumes from its checkpoint with either engine.
Ray is an optional extra: ``pip install 'eventx-acled[ray]'``. Without ``RAY_ADDRESS`` a local
Ray instance is started; with it (``ray start --head`` / ``ray://host:10001`` / ``auto``) the
run joins that cluster.
"""
from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Iterator

__all__ = ["EngineError", "check_ready", "chunk_results"]


class EngineError(ValueError):
    """The Ray engine cannot run this command; the message says why and what to do."""


def check_ready(paths: list[str], workers: int | None, gpus: float = 0) -> None:
    """Raise EngineError when ``--engine ray`` cannot run on these inputs or on this install."""
    try:
        __import__("ray.data")
    except ImportError as e:
        raise EngineError(f"--engine ray needs Ray Data ({e}); install it with: pip install 'eventx-acled[ray]'") \
            from None
    if "-" in paths:
        raise EngineError("--engine ray reads files and folders; '-' (stdin) works with --engine local only")
    if workers is not None and workers < 1:
        raise EngineError(f"--workers {workers}: must be at least 1")
    if not 0 <= gpus <= 8:
        raise EngineError(f"--gpus-per-worker {gpus}: must be between 0 and 8 (a fraction shares one GPU)")


def pool_size(resources: dict, threads: int, gpus: float = 0) -> int:
    """Default actor count: as many as the cluster's GPUs (``gpus`` each) or CPUs (``threads`` each) hold."""
    if gpus:
        return max(1, int(resources.get("GPU", 0) // gpus))
    return max(1, int(resources.get("CPU", 1) // threads))


def _datasource(paths: list[str], cwd: str, read_kw: dict, chunk_kw: dict, skip: int):
    from ray.data.block import BlockMetadata
    from ray.data.datasource import Datasource, ReadTask

    class ChunkSource(Datasource):
        """Input items in the local engine's chunks, one row per chunk, read on the driver's node."""

        def estimate_inmemory_data_size(self):
            return None

        def get_read_tasks(self, parallelism, per_task_row_limit=None, data_context=None):
            def read():
                import pyarrow as pa
                from eventx.pipeline import chunked
                from eventx.read import read_paths
                old = os.getcwd()
                os.chdir(cwd)  # relative input paths (and the document ids made from them) as on the driver
                try:
                    items = read_paths(paths, skip=skip, **read_kw)
                    for k, chunk in enumerate(chunked(items, **chunk_kw)):
                        yield pa.table({"chunk": [k], "items": [pickle.dumps(chunk)]})
                finally:
                    os.chdir(old)
            meta = BlockMetadata(num_rows=None, size_bytes=None, exec_stats=None, input_files=None)
            return [ReadTask(read, meta)]

        @property
        def supports_distributed_reads(self) -> bool:
            return False  # one ordered reader on the driver's node: order and resume points as local

    return ChunkSource()


class ChunkWorker:
    """One actor of the pool: one loaded Extractor, one chunk per call."""

    def __init__(self, model: str | None, encoder: str | None):
        from eventx.pipeline import Extractor
        self.extractor = Extractor(model, encoder=encoder)
        self.extractor.tagger  # load now: the pool counts as started once every tagger is in memory

    def __call__(self, batch: dict) -> dict:
        import numpy as np
        out = []
        for blob in batch["items"]:
            results = self.extractor.extract_chunk(pickle.loads(blob))
            for r in results:
                r.exception = None  # the message is kept in r.error; exception objects may not pickle
            out.append(pickle.dumps(results))
        return {"chunk": batch["chunk"], "results": np.array(out, dtype=object)}


def _connect(workers: int | None, threads: int) -> bool:
    """Join RAY_ADDRESS's cluster or start a local instance; True when this call started Ray."""
    import ray
    if ray.is_initialized():
        return False
    env = {k: v for k, v in os.environ.items() if k.startswith("EVENTX_")}
    kw = {"runtime_env": {"env_vars": env}} if env else {}
    address = os.environ.get("RAY_ADDRESS")
    if not address:  # a local instance: enough CPU slots for the pool asked for
        kw["num_cpus"] = max(os.cpu_count() or 1, (workers or 1) * threads)
    ray.init(address=address or None, include_dashboard=False, log_to_driver=False, **kw)
    return True


def chunk_results(paths: list[str], *, read_kw: dict, chunk_kw: dict, skip: int = 0, model: str | None = None,
                  encoder: str | None = None, workers: int | None = None, threads: int = 1, gpus: float = 0
                  ) -> Iterator[list]:
    """Per chunk of input items, in input order: the ``DocResult`` list of ``Extractor.extract_chunk``.

    ``skip``: input items already done (a resumed run). ``workers``: actors in the pool (default:
    the cluster's CPUs / ``threads``); each actor reserves ``threads`` CPUs and runs the encoder
    on that many threads. ``gpus``: GPUs each actor reserves (Ray then shows it only those, and its
    tagger runs there in bf16); with ``gpus`` the default pool is the cluster's GPUs / ``gpus``.
    """
    check_ready(paths, workers, gpus)
    import ray
    import ray.data
    started = _connect(workers, threads)
    try:
        res = ray.cluster_resources()
        if gpus > res.get("GPU", 0):  # Ray would wait forever for a GPU that no node has
            raise EngineError(f"--gpus-per-worker {gpus:g}: the Ray cluster has {res.get('GPU', 0):g} GPUs")
        workers = workers or pool_size(res, threads, gpus)
        ctx = ray.data.DataContext.get_current()
        ctx.execution_options.preserve_order = True  # the writer checkpoints in input order
        ctx.enable_progress_bars = False  # the CLI has its own
        model = str(Path(model).resolve()) if model else None
        ds = ray.data.read_datasource(_datasource(list(paths), os.getcwd(), read_kw, chunk_kw, skip),
                                      num_cpus=0)  # reading is light; the CPUs go to the taggers
        ds = ds.map_batches(ChunkWorker, fn_constructor_kwargs={"model": model, "encoder": encoder},
                            batch_size=1, batch_format="numpy", concurrency=workers, num_cpus=threads,
                            **({"num_gpus": gpus} if gpus else {}),
                            runtime_env={"env_vars": {"OMP_NUM_THREADS": str(threads)}})
        expect = 0
        for row in ds.iter_rows():
            if int(row["chunk"]) != expect:  # never write out of order: the checkpoint counts items
                raise RuntimeError(f"Ray returned chunk {row['chunk']} where chunk {expect} was due")
            expect += 1
            yield pickle.loads(row["results"])
    finally:
        if started:
            ray.shutdown()
