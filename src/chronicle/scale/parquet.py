"""Coded shards on disk: one Parquet file per shard, one row per input item, written atomically.

A row is what reading and coding one item gave, in input order:

| column | meaning |
|---|---|
| `seq` | position in the shard |
| `kind` | `document` (analysed), `analysis_failed` (cleaned, but the analysis broke on it), `clean_failed`, `read_error` |
| `caller_id` | the id the input gave (JSON Lines `id`), else "" |
| `doc_id` | the id the worker gave it (caller id or text hash); the driver may salt it |
| `format`, `source_path`, `source_url` | where it came from (scalar copies, for querying shards with any Parquet tool) |
| `record` | the Document as msgspec JSON — the full record of RECORD.md |
| `error` | the IngestError as JSON, for the three failing kinds |

The file's key-value metadata holds the shard id and label, the records skipped on purpose while
reading (`stats["skipped"]`), and the code fingerprint it was made with.

Atomic: a writer streams row groups into a hidden temporary file beside the final one and
renames it when the shard is complete, so `<shard id>.parquet` is either a whole shard or absent
— a worker killed mid-shard leaves only a `.<shard id>.*.tmp` file, which the next attempt at that
shard deletes. On an object store (`s3://…`, `gs://…`, opened with pyarrow's filesystems) the
final object appears whole when the copy from the temporary key completes.

A shard that lost its worker gets a `<shard id>.lost` marker counting the losses, so that a shard
that kills its worker every time (a poisonous input) is skipped after the second loss instead of
stopping every re-run; delete the marker to try it again.
"""

from __future__ import annotations

import functools
import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

ROW_KINDS = ("document", "analysis_failed", "clean_failed", "read_error")
META_KEY = b"chronicle.shard"


class DamagedShard(Exception):
    """A shard file that exists but cannot be read back (a disk error, never a half-written one)."""


def system_memory_pool(function):
    """Decorator: `function` runs with Arrow allocating in the system's malloc, and the pool
    before is restored afterwards. Arrow's default allocator (mimalloc) keeps what it freed: ≈10 MB
    in a Ray worker that writes shards, ≈30 MB in the driver that reads them (docs/BENCHMARKS.md,
    session 15). A pool the user chose (ARROW_DEFAULT_MEMORY_POOL) is left alone."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
            return function(*args, **kwargs)
        import pyarrow as pa

        previous = pa.default_memory_pool()
        pa.set_memory_pool(pa.system_memory_pool())
        try:
            return function(*args, **kwargs)
        finally:
            pa.set_memory_pool(previous)
    return wrapper


def _schema():
    import pyarrow as pa

    return pa.schema([
        ("seq", pa.int32()), ("kind", pa.string()), ("caller_id", pa.string()),
        ("doc_id", pa.string()), ("format", pa.string()), ("source_path", pa.string()),
        ("source_url", pa.string()), ("record", pa.binary()), ("error", pa.binary()),
    ])


@dataclass
class ShardFile:
    """A finished shard: its metadata, and its rows on demand."""

    meta: dict
    path: str
    folder: ShardFolder

    def rows(self, batch_rows: int = 256) -> Iterator[dict]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            with self.folder.fs.open_input_file(self.path) as fh:
                batches = pq.ParquetFile(fh).iter_batches(batch_size=batch_rows)
                while True:
                    try:
                        batch = next(batches)
                    except StopIteration:
                        return
                    yield from batch.to_pylist()  # the consumer's own errors pass through untouched
        except (OSError, pa.ArrowException) as err:
            raise DamagedShard(f"{self.path}: {err}") from err


class ShardFolder:
    """Where coded shards live: a local or shared folder, or an object-store URI."""

    def __init__(self, location: str):
        from pyarrow import fs

        location = str(location)
        if "://" in location:
            self.fs, self.base = fs.FileSystem.from_uri(location)
        else:
            self.fs, self.base = fs.LocalFileSystem(), os.path.abspath(location)
        self.location = location if "://" in location else self.base
        self.base = self.base.rstrip("/")

    def ensure(self) -> None:
        self.fs.create_dir(self.base, recursive=True)

    def path(self, shard_id: str, suffix: str = ".parquet") -> str:
        return f"{self.base}/{shard_id}{suffix}"

    def _names(self) -> list[str]:
        from pyarrow import fs

        try:
            infos = self.fs.get_file_info(fs.FileSelector(self.base, allow_not_found=True))
        except FileNotFoundError:
            return []
        return [info.base_name for info in infos if info.type == fs.FileType.File]

    def coded(self) -> set[str]:
        """Ids of the shards whose Parquet file is complete (one listing, not one call per shard)."""
        return {name[:-len(".parquet")] for name in self._names()
                if name.endswith(".parquet") and not name.startswith(".")}

    def lost(self) -> set[str]:
        """Ids of the shards with a `.lost` marker."""
        return {name[:-len(".lost")] for name in self._names() if name.endswith(".lost")}

    def open(self, shard_id: str) -> ShardFile:
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = self.path(shard_id)
        try:
            with self.fs.open_input_file(path) as fh:
                raw = pq.ParquetFile(fh).metadata.metadata or {}
        except (OSError, pa.ArrowException) as err:
            raise DamagedShard(f"{path}: {err}") from err
        if META_KEY not in raw:
            raise DamagedShard(f"{path} is not a Chronicle shard (no {META_KEY.decode()} metadata)")
        return ShardFile(json.loads(raw[META_KEY]), path, self)

    def writer(self, shard_id: str) -> ShardWriter:
        return ShardWriter(self, shard_id)

    def remove_temporaries(self, shard_id: str) -> None:
        """What an earlier, interrupted attempt at this shard left behind."""
        for name in self._names():
            if name.startswith(f".{shard_id}.") and name.endswith(".tmp"):
                self.fs.delete_file(f"{self.base}/{name}")

    def losses(self, shard_id: str) -> int:
        try:
            with self.fs.open_input_stream(self.path(shard_id, ".lost")) as fh:
                return int(json.loads(fh.read()).get("losses", 0))
        except (FileNotFoundError, ValueError):
            return 0

    def mark_lost(self, shard_id: str, reason: str) -> int:
        losses = self.losses(shard_id) + 1
        with self.fs.open_output_stream(self.path(shard_id, ".lost")) as fh:
            fh.write(json.dumps({"losses": losses, "reason": reason}).encode("utf-8"))
        return losses

    def clear_lost(self, shard_id: str) -> None:
        try:
            self.fs.delete_file(self.path(shard_id, ".lost"))
        except FileNotFoundError:
            pass


class ShardWriter:
    """Streams rows into a temporary file; `commit` makes it the shard, `abort` (or leaving the
    `with` block on an exception) removes it."""

    def __init__(self, folder: ShardFolder, shard_id: str):
        import pyarrow.parquet as pq

        self.folder, self.shard_id = folder, shard_id
        self.final = folder.path(shard_id)
        self.temporary = f"{folder.base}/.{shard_id}.{uuid.uuid4().hex[:12]}.tmp"
        self._stream = folder.fs.open_output_stream(self.temporary)
        self._writer = pq.ParquetWriter(self._stream, _schema(), compression="zstd")
        self.rows = 0
        self.done = False

    def write(self, rows: list[dict]) -> None:
        """One row group; `seq` is numbered here."""
        import pyarrow as pa

        if not rows:
            return
        for n, row in enumerate(rows, start=self.rows):
            row["seq"] = n
        self._writer.write_table(pa.Table.from_pylist(rows, schema=_schema()))
        self.rows += len(rows)

    def flush(self) -> None:
        """Push what is written so far to the temporary file (the test hook's half-written shard)."""
        self._stream.flush()

    def commit(self, meta: dict) -> None:
        self._writer.add_key_value_metadata({META_KEY: json.dumps(meta).encode("utf-8")})
        self._writer.close()
        self._stream.close()
        self.folder.fs.move(self.temporary, self.final)
        self.done = True

    def abort(self) -> None:
        if self.done:
            return
        self.done = True
        try:
            self._writer.close()
            self._stream.close()
        finally:
            self.folder.fs.delete_file(self.temporary)

    def __enter__(self) -> ShardWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.abort()  # a committed writer ignores this
