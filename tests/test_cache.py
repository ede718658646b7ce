"""The cache folder (`chronicle.cache`): derived files are written atomically and memory-mapped,
and the folder stays small — a stale file (not among the most recently used of its kind, unused for
a week) goes when a new one is written or on `chronicle cache --prune`, while a file another
installation may still be using stays. Every test uses real files in a temporary cache folder."""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from array import array
from pathlib import Path

import pytest
from click.testing import CliRunner

from chronicle import cache
from chronicle.cli import cli

DAY = 86400


@pytest.fixture
def folder(tmp_path, monkeypatch):
    root = tmp_path / "chronicle-cache"
    monkeypatch.setenv("CHRONICLE_CACHE", str(root))
    root.mkdir()
    return root


def put(folder: Path, name: str, days_unused: float, size: int = 1000) -> Path:
    """A file of `size` bytes last used (read and written) `days_unused` days ago."""
    path = folder / name
    path.write_bytes(b"x" * size)
    then = time.time() - days_unused * DAY
    os.utime(path, (then, then))
    return path


def write(folder: Path, name: str) -> Path:
    path = folder / name
    cache.write_arrays(path, {"numbers": array("q", [1, 2, 3])}, {"kind": "test"})
    return path


def names(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def test_the_cache_folder_follows_chronicle_cache_then_xdg_cache_home(tmp_path, monkeypatch):
    monkeypatch.delenv("CHRONICLE_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.folder() == tmp_path / "xdg" / "chronicle"
    monkeypatch.setenv("CHRONICLE_CACHE", str(tmp_path / "mine"))
    assert cache.folder() == tmp_path / "mine"


def test_writing_a_new_gazetteer_removes_the_stale_ones_and_keeps_the_one_used_before(folder):
    put(folder, "gazetteer-aaaaaaaaaaaaaaaa.arrays", days_unused=40)
    put(folder, "gazetteer-bbbbbbbbbbbbbbbb.arrays", days_unused=30)
    put(folder, "gazetteer-cccccccccccccccc.arrays", days_unused=20)
    put(folder, "langid-0.4.0-4586720-17964.arrays", days_unused=50)  # alone of its kind: kept
    write(folder, "gazetteer-dddddddddddddddd.arrays")
    assert names(folder) == {"gazetteer-dddddddddddddddd.arrays", "gazetteer-cccccccccccccccc.arrays",
                             "langid-0.4.0-4586720-17964.arrays"}
    arrays, meta = cache.map_arrays(folder / "gazetteer-dddddddddddddddd.arrays")
    assert list(arrays["numbers"]) == [1, 2, 3] and meta == {"kind": "test"}


def test_files_used_within_the_week_are_kept_however_many(folder):
    """Worktrees and virtual environments sharing one cache each use their own key: a file used in
    the last seven days may be another installation's current one."""
    for n in range(6):
        put(folder, f"gazetteer-{n:016x}.arrays", days_unused=n + 0.5)
    write(folder, "gazetteer-ffffffffffffffff.arrays")
    assert len(names(folder)) == 7


def test_an_old_file_that_is_read_again_counts_as_recently_used(folder):
    old = folder / "actorkb-0000000000000001.arrays"
    write(folder, old.name)
    then = time.time() - 30 * DAY
    os.utime(old, (then, then))
    put(folder, "actorkb-0000000000000002.arrays", days_unused=20)
    put(folder, "actorkb-0000000000000003.arrays", days_unused=10)
    cache.map_arrays(old)  # another installation still maps its (oldest) file
    assert old.stat().st_atime > time.time() - 60
    assert old.stat().st_mtime == pytest.approx(then)  # the write time is left as it was
    write(folder, "actorkb-0000000000000004.arrays")
    assert names(folder) == {"actorkb-0000000000000004.arrays", old.name}


def test_the_file_just_written_is_kept_even_when_the_policy_keeps_nothing(folder, monkeypatch):
    monkeypatch.setattr(cache, "KEEP", 0)
    monkeypatch.setattr(cache, "GRACE_DAYS", 0)
    put(folder, "events-1111111111111111-ort1.32.0.onnx", days_unused=1)
    path = put(folder, "events-2222222222222222-ort1.32.0.onnx", days_unused=2)
    cache.written(path)
    assert names(folder) == {path.name}


def test_files_of_no_known_kind_and_a_writer_s_fresh_temporary_file_are_left_alone(folder):
    put(folder, "notes.txt", days_unused=400)
    put(folder, "gazetteer.arrays", days_unused=400)  # no key: not a name Chronicle writes
    put(folder, "events-2024.txt", days_unused=400)  # not the suffix of the classifier's graph
    put(folder, "report.tmp", days_unused=400)  # not a writer's temporary file
    put(folder, "gazetteer-aaaaaaaaaaaaaaaa.arrays.4242.tmp", days_unused=0.01)  # being written
    put(folder, "langid-0.4.0-1-2.arrays.99.tmp", days_unused=2)  # its writer died
    write(folder, "justext-stoplists-3.0.2.txt")
    assert names(folder) == {"notes.txt", "gazetteer.arrays", "events-2024.txt", "report.tmp",
                             "gazetteer-aaaaaaaaaaaaaaaa.arrays.4242.tmp", "justext-stoplists-3.0.2.txt"}
    cache.clear()
    assert names(folder) == {"notes.txt", "gazetteer.arrays", "events-2024.txt", "report.tmp",
                             "gazetteer-aaaaaaaaaaaaaaaa.arrays.4242.tmp"}


def test_pruning_runs_only_in_the_cache_folder(folder, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for key in "abc":
        put(elsewhere, f"gazetteer-{key * 16}.arrays", days_unused=100)
    write(elsewhere, "gazetteer-dddddddddddddddd.arrays")
    assert len(names(elsewhere)) == 4


def test_a_missing_or_read_only_cache_folder_is_no_error(tmp_path, monkeypatch):
    monkeypatch.setenv("CHRONICLE_CACHE", str(tmp_path / "never-made"))
    assert cache.entries() == [] and cache.prune() == [] and cache.clear() == []
    if sys.platform != "win32" and os.geteuid() != 0:  # root may write anywhere
        ro = tmp_path / "ro"
        ro.mkdir()
        put(ro, "gazetteer-aaaaaaaaaaaaaaaa.arrays", days_unused=100)
        put(ro, "gazetteer-bbbbbbbbbbbbbbbb.arrays", days_unused=100)
        put(ro, "gazetteer-cccccccccccccccc.arrays", days_unused=100)
        ro.chmod(0o555)
        monkeypatch.setenv("CHRONICLE_CACHE", str(ro))
        try:
            assert cache.prune() == []
        finally:
            ro.chmod(0o755)


@pytest.mark.skipif(sys.platform == "win32", reason="Windows refuses to remove a mapped file")
def test_a_file_removed_while_mapped_still_reads_in_the_process_that_maps_it(folder):
    path = write(folder, "gazetteer-aaaaaaaaaaaaaaaa.arrays")
    arrays, _ = cache.map_arrays(path)
    assert [e.path.name for e in cache.clear()] == [path.name]
    assert not path.exists() and list(arrays["numbers"]) == [1, 2, 3]


def _write_many(root: str, worker: int) -> None:
    os.environ["CHRONICLE_CACHE"] = root
    for n in range(20):
        path = Path(root) / f"gazetteer-{worker:08x}{n:08x}.arrays"
        cache.write_arrays(path, {"numbers": array("q", [worker, n])}, {"kind": "test"})
        arrays, _ = cache.map_arrays(path)
        assert list(arrays["numbers"]) == [worker, n]


def test_two_processes_writing_and_pruning_at_once_leave_only_whole_files(folder):
    for n in range(30):
        put(folder, f"gazetteer-dead{n:012x}.arrays", days_unused=10 + n)
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_write_many, args=(str(folder), w)) for w in (1, 2)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(120)
    assert [p.exitcode for p in workers] == [0, 0]
    left = names(folder)
    assert not any(name.endswith(".tmp") for name in left)
    assert not any(name.startswith("gazetteer-dead") for name in left)  # the stale ones went
    for name in left:  # every file written is whole and none went while it was fresh
        arrays, _ = cache.map_arrays(folder / name)
        assert len(arrays["numbers"]) == 2
    assert len(left) == 40


def test_every_file_chronicle_writes_to_the_cache_is_of_a_known_kind(folder):
    from py3langid.langid import LanguageIdentifier

    from chronicle import actorbase, places
    from chronicle.clean import _mapped_language_identifier
    from chronicle.extract.classifier import MODEL_DIR, optimised_model_path
    from chronicle.ingest import stoplists

    paths = [places._cache_file(), actorbase._cache_file(b"x"), stoplists._path()]
    if (MODEL_DIR / "events.onnx").exists():
        paths.append(optimised_model_path(MODEL_DIR / "events.onnx"))
        paths.append(optimised_model_path(MODEL_DIR / "events.onnx", int8=True))
    _mapped_language_identifier(LanguageIdentifier)  # writes its file into the folder
    paths.extend(folder.iterdir())
    kinds = {cache.kind_of(path.name) for path in paths if path is not None}
    assert kinds <= set(cache.KINDS) and {"langid", "gazetteer", "actorkb", "justext-stoplists"} <= kinds


def test_the_cache_command_lists_each_kind_and_prunes_on_request(folder):
    put(folder, "gazetteer-aaaaaaaaaaaaaaaa.arrays", days_unused=40, size=39_000_000)
    put(folder, "gazetteer-bbbbbbbbbbbbbbbb.arrays", days_unused=30, size=39_000_000)
    put(folder, "gazetteer-cccccccccccccccc.arrays", days_unused=0.1, size=39_000_000)
    put(folder, "langid-0.4.0-4586720-17964.arrays", days_unused=3, size=68_700_000)
    put(folder, "notes.txt", days_unused=400, size=10)
    runner = CliRunner()
    result = runner.invoke(cli, ["cache"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"{folder}: 5 files, 185.7 MB")
    assert lines[2].split() == ["gazetteer", "3", "117.0", "MB", "2", "h", "ago", "40", "d", "ago",
                                "39.0", "MB"]
    assert lines[3].split()[:4] == ["langid", "1", "68.7", "MB"] and lines[3].endswith(" 0 B")
    assert lines[4].split()[:4] == ["other", "1", "10", "B"]
    assert "39.0 MB now" in result.output
    assert len(names(folder)) == 5  # listing removes nothing

    result = runner.invoke(cli, ["cache", "--prune"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "removed 1 files (39.0 MB)"
    assert names(folder) == {"gazetteer-bbbbbbbbbbbbbbbb.arrays", "gazetteer-cccccccccccccccc.arrays",
                             "langid-0.4.0-4586720-17964.arrays", "notes.txt"}

    result = runner.invoke(cli, ["cache", "--clear"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:2] == ["removed 3 files (146.7 MB)", f"{folder}: 1 files, 10 B "
                                              "(set $CHRONICLE_CACHE to move it)"]
    assert names(folder) == {"notes.txt"}

    result = runner.invoke(cli, ["cache", "--prune", "--clear"])
    assert result.exit_code == 2 and "give one" in result.output
