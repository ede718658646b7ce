"""Shard files without Arrow (`scale.parquet_lite`, `scale.parquet`): what the standard-library
writer writes, pyarrow and DuckDB read back as it was given; a local folder's shards are written,
listed and read without importing pyarrow; a shard pyarrow wrote (before this writer, or on an
object store) still loads; a damaged file is a `DamagedShard`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from chronicle.scale.parquet import COLUMNS, META_KEY, DamagedShard, ShardFolder, _schema
from chronicle.scale.parquet_lite import BYTE_ARRAY, INT32, ParquetWriter

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
NAMES = [name for name, _, _ in COLUMNS]


def sample_groups() -> list[list[dict]]:
    """Three row groups: one with every column set, one with nulls here and there (more than 8
    rows, so the levels are bit-packed over several bytes), one whose binary columns are all null."""
    first = [{"seq": 0, "kind": "document", "caller_id": "w-1", "doc_id": "d0", "format": "jsonl",
              "source_path": "/in/wire.jsonl", "source_url": "https://example.org/a",
              "record": b'{"id":"d0","title":"Kyiv"}', "error": b'{"reason":"none"}'}]
    second = []
    for n in range(1, 20):
        second.append({"seq": n, "kind": ["document", "read_error", "clean_failed"][n % 3],
                       "caller_id": "" if n % 2 else f"c{n}",  # empty strings are not nulls
                       "doc_id": None if n % 4 == 0 else f"d{n}",
                       "format": "txt" if n % 5 else None,
                       "source_path": f"/in/Київ-{n}.txt" if n % 3 else None,  # unicode
                       "source_url": None,
                       "record": None if n % 2 else json.dumps({"n": n, "t": "Ürümqi 北京 🙂"}).encode(),
                       "error": b"" if n == 7 else (b'{"reason":"x"}' if n % 2 else None)})
    third = [{"seq": 20 + n, "kind": "read_error", "caller_id": "", "doc_id": None, "format": None,
              "source_path": "x.warc", "source_url": None, "record": None, "error": None}
             for n in range(3)]
    return [first, second, third]


def write_lite(path: Path, groups: list[list[dict]], meta: dict | None) -> None:
    with open(path, "wb") as fh:
        writer = ParquetWriter(fh, COLUMNS)
        for rows in groups:
            writer.write_rows(rows)
        writer.close(None if meta is None else {META_KEY.decode(): json.dumps(meta)})


def test_pyarrow_reads_the_standard_library_writer_s_file_as_written(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    groups, meta = sample_groups(), {"id": "abc", "skipped": {"WARC request record": 2}}
    path = tmp_path / "abc.parquet"
    write_lite(path, groups, meta)

    handle = pq.ParquetFile(path)
    assert handle.metadata.num_row_groups == 3 and handle.metadata.num_rows == 23
    assert handle.schema_arrow == _schema()  # string, binary and int32 columns, all nullable
    assert handle.metadata.row_group(0).column(0).compression == "GZIP"
    assert json.loads(handle.metadata.metadata[META_KEY]) == meta
    assert handle.read().to_pylist() == [row for rows in groups for row in rows]
    assert [handle.read_row_group(n).num_rows for n in range(3)] == [1, 19, 3]


def test_duckdb_reads_the_standard_library_writer_s_file_as_written(tmp_path):
    import duckdb

    groups, meta = sample_groups(), {"id": "abc", "label": "in/Київ.jsonl"}
    path = tmp_path / "abc.parquet"
    write_lite(path, groups, meta)

    con = duckdb.connect()
    result = con.execute("SELECT * FROM read_parquet(?)", [str(path)])
    names = [column[0] for column in result.description]
    assert names == NAMES
    assert [dict(zip(names, row)) for row in result.fetchall()] == [row for rows in groups for row in rows]
    types = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(?))",
                             [str(path)]).fetchall())
    assert types["seq"] == "INTEGER" and types["kind"] == "VARCHAR" and types["record"] == "BLOB"
    (key, value), = con.execute("SELECT key, value FROM parquet_kv_metadata(?)", [str(path)]).fetchall()
    assert key == META_KEY and json.loads(value) == meta


def test_a_column_of_one_row_or_of_many_and_no_row_group_at_all(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    columns = [("n", INT32, False), ("text", BYTE_ARRAY, True)]
    many = [{"n": n, "text": "é" * (n % 7) if n % 11 else None} for n in range(1000)]  # > 15 list items too
    for groups in ([], [[{"n": -5, "text": None}]], [many]):
        path = tmp_path / "t.parquet"
        with open(path, "wb") as fh:
            writer = ParquetWriter(fh, columns)
            for rows in groups:
                writer.write_rows(rows)
            writer.close()
        assert pq.read_table(path).to_pylist() == [row for rows in groups for row in rows]


def test_a_shard_written_and_read_through_a_local_folder(tmp_path):
    folder = ShardFolder(tmp_path / "shards")
    folder.ensure()
    groups = sample_groups()
    with folder.writer("abc") as writer:
        for rows in groups:
            writer.write([{k: v for k, v in row.items() if k != "seq"} for row in rows])  # numbered here
        writer.commit({"id": "abc", "skipped": {}})
    assert folder.coded() == {"abc"}
    assert sorted(os.listdir(tmp_path / "shards")) == ["abc.parquet"]  # the temporary file renamed
    shard = folder.open("abc")
    assert shard.meta == {"id": "abc", "skipped": {}}
    assert list(shard.rows(batch_rows=4)) == [row for rows in groups for row in rows]


def test_a_shard_written_by_pyarrow_still_loads_from_a_local_folder(tmp_path):
    # what the writer before this one wrote, and what an object store's shards are
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    folder = ShardFolder(tmp_path / "shards")
    folder.ensure()
    groups = sample_groups()
    with pq.ParquetWriter(folder.path("old"), _schema(), compression="zstd") as writer:
        for rows in groups:
            writer.write_table(pa.Table.from_pylist(rows, schema=_schema()))
        writer.add_key_value_metadata({META_KEY: json.dumps({"id": "old"}).encode()})
    assert pq.ParquetFile(folder.path("old")).metadata.row_group(0).column(0).compression == "ZSTD"
    assert folder.coded() == {"old"}
    shard = folder.open("old")
    assert shard.meta == {"id": "old"}
    assert list(shard.rows()) == [row for rows in groups for row in rows]


def test_a_uri_folder_keeps_pyarrow_s_writer_and_reader(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    remote = ShardFolder(f"file://{tmp_path}/shards")  # pyarrow's filesystem, as for s3:// or gs://
    assert remote.remote
    remote.ensure()
    groups = sample_groups()
    with remote.writer("abc") as writer:
        for rows in groups:
            writer.write([dict(row) for row in rows])
        writer.commit({"id": "abc"})
    path = tmp_path / "shards" / "abc.parquet"
    assert pq.ParquetFile(path).metadata.row_group(0).column(0).compression == "ZSTD"
    expected = [row for rows in groups for row in rows]
    assert list(remote.open("abc").rows()) == expected
    assert list(ShardFolder(tmp_path / "shards").open("abc").rows()) == expected  # DuckDB reads it too
    assert remote.mark_lost("xyz", "test") == 1 and remote.lost() == {"xyz"}
    remote.clear_lost("xyz")
    assert remote.lost() == set()


def test_lost_markers_and_temporaries_in_a_local_folder(tmp_path):
    folder = ShardFolder(tmp_path / "shards")
    assert folder.coded() == set() and folder.lost() == set()  # not created yet
    folder.ensure()
    assert folder.losses("abc") == 0
    assert folder.mark_lost("abc", "ActorDiedError") == 1
    assert folder.mark_lost("abc", "ActorDiedError") == 2
    assert folder.lost() == {"abc"} and folder.losses("abc") == 2
    folder.clear_lost("abc")
    folder.clear_lost("abc")  # already gone: no error
    assert folder.lost() == set()
    writer = folder.writer("abc")
    writer.write([{"kind": "read_error", "error": b"{}"}])
    writer.flush()  # a worker killed here leaves its temporary file
    assert [name for name in os.listdir(folder.base) if name.endswith(".tmp")]
    folder.remove_temporaries("abc")
    assert os.listdir(folder.base) == [] and folder.coded() == set()


def test_a_damaged_local_shard_is_a_damaged_shard(tmp_path):
    folder = ShardFolder(tmp_path / "shards")
    folder.ensure()
    with pytest.raises(DamagedShard):
        folder.open("absent")
    Path(folder.path("garbage")).write_bytes(b"not parquet at all")
    with pytest.raises(DamagedShard):
        folder.open("garbage")

    groups = sample_groups()
    write_lite(Path(folder.path("good")), groups, {"id": "good"})
    whole = Path(folder.path("good")).read_bytes()
    Path(folder.path("cut")).write_bytes(whole[: len(whole) // 2])  # its footer lost
    with pytest.raises(DamagedShard):
        folder.open("cut")

    # the footer intact, a page's bytes overwritten: the metadata opens, the rows do not
    Path(folder.path("pages")).write_bytes(whole[:4] + b"\xff" * 60 + whole[64:])
    shard = folder.open("pages")
    with pytest.raises(DamagedShard):
        list(shard.rows())

    write_lite(Path(folder.path("plain")), groups, None)  # a Parquet file, not a shard
    with pytest.raises(DamagedShard, match="not a Chronicle shard"):
        folder.open("plain")


def _child(code: str) -> dict:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=300, cwd=REPO)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_coding_a_shard_and_loading_local_shards_never_import_pyarrow(tmp_path):
    out = _child(f"""
        import json, sys
        from chronicle.scale.coder import CodingOptions, code_shard
        from chronicle.scale.parquet import ShardFolder
        from chronicle.scale.shards import plan
        from chronicle.scale import ray_engine
        from chronicle.store import Store

        paths = [{str(EXAMPLES / "wire.rss")!r}, {str(EXAMPLES / "border-talks.html")!r}]
        folder = ShardFolder({str(tmp_path / "shards")!r})
        folder.ensure()
        coded = [code_shard(shard, folder, CodingOptions())["documents"] for shard in plan(paths).shards]
        after_coding = sorted(m for m in sys.modules if m.split(".")[0] == "pyarrow")
        with Store({str(tmp_path / "store.duckdb")!r}) as store:  # the driver, shards coded: no Ray
            report = ray_engine.run(paths, store.write_documents, store=store, shards_dir=folder.location,
                                    sink_batches=True)
            stored = store.counts()["documents"]
        print(json.dumps({{"coded": coded, "after_coding": after_coding, "written": report.written,
                           "stored": stored, "already": report.already_coded, "failed": report.failed,
                           "after_loading": sorted(m for m in sys.modules if m.split(".")[0] == "pyarrow")}}))
    """)
    assert out["after_coding"] == [] and out["after_loading"] == []
    assert not out["failed"] and out["already"] == len(out["coded"]) > 0
    assert out["written"] == out["stored"] == sum(out["coded"]) > 0
