"""Scaling out: the same pipeline, its inputs cut into shards that a cluster codes in parallel.

`chronicle ingest PATH... --engine ray` runs here instead of the local worker pool:

- `shards`: the inputs, walked exactly as `chronicle.ingest.read` walks them, cut into shards
  (a WARC file, a block of JSON Lines, a chunk of small files) with ids stable across runs;
- `coder`: one shard, read → clean → analyse (the pipeline's own batch function), written as
  one Parquet file of rows (`parquet`), atomically;
- `ray_engine`: Ray actors that load the models once and code shards, and the driver that
  schedules them, survives a lost worker, and loads finished shards into the store in input
  order (`load`) — the cross-document state (ids, near-duplicates, what is stored) stays on the
  driver, as in a local run, so the store ends up with the same rows;
- `bench`: `make bench-ray`, 1 vs 2 Ray workers against the local pool.

Nothing here imports Ray at module level: the local engine never pays for it.
"""


class ScaleError(RuntimeError):
    """The distributed run cannot start or go on (Ray missing, cluster unreachable, workers
    without models). The message names the fix; the CLI exits 2 with it."""
