"""What keeps the Ray engine's memory down (docs/BENCHMARKS.md, session 15): the local instance
without the services a run never uses, a worker that drops the language model's pages before it
parses and returns what each batch freed, and Arrow allocating in malloc, which gives freed memory
back.

Only the first test needs Ray; the others run what a worker or the driver runs, without Ray. The
test of returning freed memory runs in a child process: it fills and empties the heap.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from chronicle.scale.parquet import ShardFolder
from chronicle.scale.shards import plan

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
LINUX = sys.platform.startswith("linux") and os.path.exists("/proc/self/smaps")


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(f"/proc/{entry.name}/stat").read_text(errors="replace")
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found += children.get(pid, [])
        todo += children.get(pid, [])
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


@pytest.mark.ray
@pytest.mark.skipif(not LINUX, reason="reads the process tree from /proc")
def test_a_local_instance_runs_without_the_services_a_run_does_not_use():
    ray = pytest.importorskip("ray")
    if ray.is_initialized():
        pytest.skip("Ray is already initialised in this process")
    from chronicle.scale.ray_engine import _cluster

    with _cluster(ray, None, 1) as (where, started_here):
        assert started_here and where == "local Ray instance"
        commands = [_cmdline(pid) for pid in _descendants(os.getpid())]
        assert any("gcs_server" in c for c in commands) and any("raylet" in c for c in commands)
        for unused in ("autoscaler/_private/monitor.py", "log_monitor.py", "dashboard/dashboard.py"):
            assert not any(unused in c for c in commands), unused

        @ray.remote
        def double(x):
            return 2 * x

        assert ray.get(double.remote(21)) == 42  # and the instance works without them
    assert not ray.is_initialized()


def _langid_resident_kb() -> int:
    """Resident kB of the mapping behind the language identifier in use (`clean._mapped_tables`)."""
    import numpy as np

    from chronicle import clean

    if clean._mapped_tables is None:
        return 0
    address = np.asarray(clean._mapped_tables).__array_interface__["data"][0]
    inside = False
    with open("/proc/self/smaps", encoding="ascii", errors="replace") as fh:
        for line in fh:
            fields = line.split()
            if fields and "-" in fields[0] and len(fields) >= 5 and ":" in fields[3]:
                start, end = (int(x, 16) for x in fields[0].split("-"))
                inside = start <= address < end
            elif inside and fields and fields[0] == "Rss:":
                return int(fields[1])
    raise AssertionError("the language model's mapping is not in /proc/self/smaps")


TEXTS = [  # invented reports, long enough for the language identifier to be asked
    "Police arrested 40 protesters in Almaty on Friday after a march against fuel prices, officials said.",
    "Farmers blocked the main road into Warsaw with tractors on Tuesday to protest against grain imports.",
    "Lithuania's foreign minister met his Latvian counterpart in Riga on Wednesday to discuss air defence.",
    "La police a arrêté trois manifestants à Lyon samedi, selon la préfecture du Rhône.",
    "Estonian police arrested three men suspected of vandalising a monument in Tallinn on Thursday.",
]


@pytest.mark.skipif(not LINUX, reason="reads the mapping's resident pages from /proc")
def test_a_worker_parses_without_the_language_model_in_memory_and_frees_each_batch(tmp_path, monkeypatch):
    import pyarrow

    from chronicle import clean, pipeline
    from chronicle.scale import coder
    from chronicle.scale.coder import CodingOptions, code_shard

    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"id": f"d{n}", "text": t}) + "\n" for n, t in enumerate(TEXTS)))
    (shard,) = plan([str(source)]).shards
    folder = ShardFolder(tmp_path / "shards")
    folder.ensure()

    steps = []
    real_analyse, real_free = pipeline.analyse_safely, coder._return_freed_memory

    def analyse(docs):
        pool = pyarrow.default_memory_pool().backend_name
        steps.append(("analyse", len(docs), _langid_resident_kb(), pool))
        return real_analyse(docs)

    def free():
        steps.append(("free",))
        real_free()

    monkeypatch.setattr(pipeline, "analyse_safely", analyse)
    monkeypatch.setattr(coder, "_return_freed_memory", free)
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
    pool_before = pyarrow.default_memory_pool().backend_name
    summary = code_shard(shard, folder, CodingOptions(batch_size=2))
    assert summary["documents"] == len(TEXTS)
    assert clean._mapped_tables is not None  # the cleaning used the mapped model ...
    # ... and each batch was parsed with none of its pages in this process, then freed; Arrow
    # allocated in malloc while the shard was coded, and its pool is the one before afterwards
    analysed = ("analyse", 2, 0, "system"), ("analyse", 1, 0, "system")
    assert steps == [analysed[0], ("free",), analysed[0], ("free",), analysed[1], ("free",)]
    assert pyarrow.default_memory_pool().backend_name == pool_before
    languages = [json.loads(r["record"])["language"] for r in folder.open(shard.id).rows()]
    assert languages == ["en", "en", "en", "fr", "en"]


@pytest.mark.skipif(not LINUX, reason="reads the mapping's resident pages from /proc")
def test_released_language_tables_come_back_with_the_same_answers():
    from chronicle import clean

    answers = [clean._identify_language(text) for text in TEXTS]
    if clean._mapped_tables is None:
        pytest.skip("the language model is not memory-mapped here")
    assert _langid_resident_kb() > 0
    clean.release_language_model()
    assert _langid_resident_kb() == 0
    assert [clean._identify_language(text) for text in TEXTS] == answers
    assert _langid_resident_kb() > 0


def _child(code: str) -> dict:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          env={k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"},
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


GLIBC = platform.libc_ver()[0] == "glibc"


@pytest.mark.skipif(not GLIBC, reason="glibc's allocator")
def test_freed_memory_goes_back_to_the_system():
    # small blocks come from the heap; one kept at its top stops free() from giving any of it back
    out = _child("""
        import json
        from chronicle.scale.coder import _return_freed_memory
        def rss():
            return int(next(l for l in open("/proc/self/status") if l.startswith("VmRSS")).split()[1])
        blocks = [bytearray(1000) for _ in range(150_000)]
        keep = bytearray(1000)
        del blocks
        before = rss()
        _return_freed_memory()
        print(json.dumps({"before": before, "after": rss(), "keep": len(keep)}))
    """)
    assert out["before"] - out["after"] > 100_000  # kB: most of the 150 MB freed


def test_the_driver_reads_shards_with_the_system_allocator_and_restores_arrow_s_pool(tmp_path, monkeypatch):
    import pyarrow

    from chronicle.scale import ray_engine
    from chronicle.scale.coder import CodingOptions, code_shard

    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
    paths = [str(EXAMPLES / "wire.rss")]
    (shard,) = plan(paths).shards
    folder = ShardFolder(tmp_path / "shards")
    folder.ensure()
    code_shard(shard, folder, CodingOptions())  # coded beforehand: the run only loads it, without Ray
    pools = []
    real_load = ray_engine.load_shard

    def load(*args, **kwargs):
        pools.append(pyarrow.default_memory_pool().backend_name)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(ray_engine, "load_shard", load)
    before = pyarrow.default_memory_pool().backend_name
    written = []
    # read through pyarrow's filesystem, as from an object store (a local folder's shards are read
    # by DuckDB, without Arrow)
    report = ray_engine.run(paths, written.append, shards_dir=f"file://{folder.location}")
    assert not report.failed and written and report.already_coded == 1
    assert pools == ["system"]
    assert pyarrow.default_memory_pool().backend_name == before
