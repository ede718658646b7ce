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

Without Arrow's Parquet in a local folder. Writing a shard with pyarrow cost ≈60 MB resident in
every Ray worker, reading them back ≈35 MB in the driver (docs/BENCHMARKS.md, session 18; the
import of pyarrow's core that Ray itself makes is skipped by `ray_engine.without_arrow_serializers`).
In a local or shared folder a worker writes its shard with `parquet_lite` (the standard library:
GZIP pages, where pyarrow wrote ZSTD), the driver reads it with DuckDB, which it has loaded for the
store anyway, and the folder is listed, moved and cleaned with `os`. Any Parquet file with these
columns loads, shards written by pyarrow included. An object-store URI keeps pyarrow for everything:
its filesystems, its writer (ZSTD) and its reader.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from .parquet_lite import BYTE_ARRAY, INT32, ParquetWriter

ROW_KINDS = ("document", "analysis_failed", "clean_failed", "read_error")
META_KEY = b"chronicle.shard"
# (name, Parquet type, text): every column nullable, as pyarrow writes a nullable column
COLUMNS = (("seq", INT32, False), ("kind", BYTE_ARRAY, True), ("caller_id", BYTE_ARRAY, True),
           ("doc_id", BYTE_ARRAY, True), ("format", BYTE_ARRAY, True), ("source_path", BYTE_ARRAY, True),
           ("source_url", BYTE_ARRAY, True), ("record", BYTE_ARRAY, False), ("error", BYTE_ARRAY, False))


class DamagedShard(Exception):
    """A shard file that exists but cannot be read back (a disk error, never a half-written one)."""


def system_memory_pool(function):
    """Decorator: `function` runs with Arrow allocating in the system's malloc, and the pool
    before is restored afterwards. Arrow's default allocator (mimalloc) keeps what it freed: ≈10 MB
    in a Ray worker that writes shards, ≈30 MB in the driver that reads them (docs/BENCHMARKS.md,
    session 15). Only where Arrow is loaded when `function` starts (an object-store folder loads
    it): a process without it is not made to import it. A pool the user chose
    (ARROW_DEFAULT_MEMORY_POOL) is left alone."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if os.environ.get("ARROW_DEFAULT_MEMORY_POOL") or "pyarrow" not in sys.modules:
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

    types = {INT32: pa.int32(), BYTE_ARRAY: pa.binary()}
    return pa.schema([(name, pa.string() if text else types[kind]) for name, kind, text in COLUMNS])


@functools.cache
def _duckdb():
    """An in-memory DuckDB that reads local shards. One thread: rows come in file order, and
    no thread pool is started for files of a few MB."""
    import duckdb

    connection = duckdb.connect(":memory:")
    connection.execute("SET threads = 1")
    return connection


def _duckdb_errors() -> tuple:
    import duckdb

    return (OSError, duckdb.Error)


@dataclass
class ShardFile:
    """A finished shard: its metadata, and its rows on demand."""

    meta: dict
    path: str
    folder: ShardFolder

    def rows(self, batch_rows: int = 256) -> Iterator[dict]:
        if not self.folder.remote:
            yield from self._local_rows(batch_rows)
            return
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

    def _local_rows(self, batch_rows: int) -> Iterator[dict]:
        errors = _duckdb_errors()
        try:
            cursor = _duckdb().cursor()  # its own result: another shard may be read meanwhile
            result = cursor.execute("SELECT * FROM read_parquet(?)", [self.path])
            names = [column[0] for column in result.description]
        except errors as err:
            raise DamagedShard(f"{self.path}: {err}") from err
        try:
            while True:
                try:
                    batch = result.fetchmany(batch_rows)
                except errors as err:
                    raise DamagedShard(f"{self.path}: {err}") from err
                if not batch:
                    return
                for values in batch:  # the consumer's own errors pass through untouched
                    yield dict(zip(names, values))
        finally:
            cursor.close()


class ShardFolder:
    """Where coded shards live: a local or shared folder, or an object-store URI."""

    def __init__(self, location: str):
        location = str(location)
        self.remote = "://" in location  # an object store, through pyarrow's filesystems
        if self.remote:
            from pyarrow import fs

            self.fs, self.base = fs.FileSystem.from_uri(location)
        else:  # a local or shared folder: os, no Arrow
            self.fs, self.base = None, os.path.abspath(location)
        self.location = location if self.remote else self.base
        self.base = self.base.rstrip("/")

    def ensure(self) -> None:
        if self.remote:
            self.fs.create_dir(self.base, recursive=True)
        else:
            os.makedirs(self.base, exist_ok=True)

    def path(self, shard_id: str, suffix: str = ".parquet") -> str:
        return f"{self.base}/{shard_id}{suffix}"

    def _names(self) -> list[str]:
        if not self.remote:
            try:
                return [entry.name for entry in os.scandir(self.base) if entry.is_file()]
            except (FileNotFoundError, NotADirectoryError):
                return []
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
        path = self.path(shard_id)
        raw = self._remote_metadata(path) if self.remote else self._local_metadata(path)
        if META_KEY not in raw:
            raise DamagedShard(f"{path} is not a Chronicle shard (no {META_KEY.decode()} metadata)")
        return ShardFile(json.loads(raw[META_KEY]), path, self)

    def _remote_metadata(self, path: str) -> dict:
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            with self.fs.open_input_file(path) as fh:
                return pq.ParquetFile(fh).metadata.metadata or {}
        except (OSError, pa.ArrowException) as err:
            raise DamagedShard(f"{path}: {err}") from err

    @staticmethod
    def _local_metadata(path: str) -> dict:
        cursor = None
        try:
            cursor = _duckdb().cursor()
            pairs = cursor.execute("SELECT key, value FROM parquet_kv_metadata(?)", [path]).fetchall()
        except _duckdb_errors() as err:
            raise DamagedShard(f"{path}: {err}") from err
        finally:
            if cursor is not None:
                cursor.close()
        return {bytes(key): bytes(value) for key, value in pairs}

    def delete(self, shard_id: str, suffix: str = ".parquet") -> None:
        """Remove a shard's file (or its marker); one that is not there is no error."""
        self._delete(self.path(shard_id, suffix))

    def _delete(self, path: str) -> None:
        try:
            if self.remote:
                self.fs.delete_file(path)
            else:
                os.remove(path)
        except FileNotFoundError:
            pass

    def writer(self, shard_id: str) -> ShardWriter:
        return ShardWriter(self, shard_id)

    def remove_temporaries(self, shard_id: str) -> None:
        """What an earlier, interrupted attempt at this shard left behind."""
        for name in self._names():
            if name.startswith(f".{shard_id}.") and name.endswith(".tmp"):
                self._delete(f"{self.base}/{name}")

    def _open(self, path: str, mode: str):
        if not self.remote:
            return open(path, mode)
        return self.fs.open_input_stream(path) if mode == "rb" else self.fs.open_output_stream(path)

    def losses(self, shard_id: str) -> int:
        try:
            with self._open(self.path(shard_id, ".lost"), "rb") as fh:
                return int(json.loads(fh.read()).get("losses", 0))
        except (FileNotFoundError, ValueError):
            return 0

    def mark_lost(self, shard_id: str, reason: str) -> int:
        losses = self.losses(shard_id) + 1
        with self._open(self.path(shard_id, ".lost"), "wb") as fh:
            fh.write(json.dumps({"losses": losses, "reason": reason}).encode("utf-8"))
        return losses

    def clear_lost(self, shard_id: str) -> None:
        self.delete(shard_id, ".lost")


class ShardWriter:
    """Streams rows into a temporary file; `commit` makes it the shard, `abort` (or leaving the
    `with` block on an exception) removes it. A local folder's shard is written by `parquet_lite`,
    an object store's by pyarrow."""

    def __init__(self, folder: ShardFolder, shard_id: str):
        self.folder, self.shard_id = folder, shard_id
        self.final = folder.path(shard_id)
        self.temporary = f"{folder.base}/.{shard_id}.{uuid.uuid4().hex[:12]}.tmp"
        if folder.remote:
            import pyarrow.parquet as pq

            self._stream = folder.fs.open_output_stream(self.temporary)
            self._writer = pq.ParquetWriter(self._stream, _schema(), compression="zstd")
        else:
            self._stream = open(self.temporary, "wb")
            self._writer = ParquetWriter(self._stream, COLUMNS)
        self.rows = 0
        self.done = False

    def write(self, rows: list[dict]) -> None:
        """One row group; `seq` is numbered here."""
        if not rows:
            return
        for n, row in enumerate(rows, start=self.rows):
            row["seq"] = n
        if self.folder.remote:
            import pyarrow as pa

            self._writer.write_table(pa.Table.from_pylist(rows, schema=_schema()))
        else:
            self._writer.write_rows(rows)
        self.rows += len(rows)

    def flush(self) -> None:
        """Push what is written so far to the temporary file (the test hook's half-written shard)."""
        self._stream.flush()

    def commit(self, meta: dict) -> None:
        if self.folder.remote:
            self._writer.add_key_value_metadata({META_KEY: json.dumps(meta).encode("utf-8")})
            self._writer.close()
            self._stream.close()
            self.folder.fs.move(self.temporary, self.final)
        else:
            self._writer.close({META_KEY.decode(): json.dumps(meta)})
            self._stream.close()
            os.replace(self.temporary, self.final)  # atomic within a filesystem
        self.done = True

    def abort(self) -> None:
        if self.done:
            return
        self.done = True
        try:
            if self.folder.remote:
                self._writer.close()
            self._stream.close()  # a local file's footer is not written: it is removed anyway
        finally:
            self.folder._delete(self.temporary)

    def __enter__(self) -> ShardWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.abort()  # a committed writer ignores this
