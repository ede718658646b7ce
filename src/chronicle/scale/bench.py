"""`make bench-ray`: the Ray engine with 1 and 2 workers against the local worker pool.

The corpus is `make bench`'s (`chronicle.bench.load_corpus`: 200 GeoWebNews and 20 WikiEvents
texts written as JSON Lines, and the shared samples), cut into shards of `--shard-size` documents
(default 20: the 318 documents make 15 shards, enough to keep two workers busy to the end).

Every timed run is a fresh child process doing what `chronicle ingest` does, into a fresh DuckDB
file (and, for Ray, a fresh shards folder): imports, model loading in the workers, and for Ray
starting and stopping a local Ray instance with `--workers` CPUs, are all inside the timing, as a
user pays them. Configurations are interleaved within each repetition (local 1, local 2, Ray 1,
Ray 2, then again), so that a slow phase of the machine hits all of them; the table reports
medians. Both engines write as `chronicle ingest` does, a batch of documents per transaction
(`Store.write_documents`). In the child, timers around the store writes, `Admission.admit` (ids,
near-duplicate check) and `load.load_shard` (reading a Parquet shard and everything after) show what the Ray
driver does serially — the part that more workers do not shorten. CPU use is sampled from /proc
over the child's process tree (Ray's own processes included) and over the whole machine; other
processes' use is the difference, reported so that a disturbed run can be seen; on a shared
machine each run waits (up to `--wait-quiet` seconds) for a moment when nothing else uses the CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

CONFIGS = (("local", 1), ("local", 2), ("ray", 1), ("ray", 2))
DEFAULT_SHARD_SIZE = 20
OTHERS_TOLERATED = 0.15  # cores other processes may use during a run before we warn


# --- one run (in a child process) ----------------------------------------------------------------

def _timed(owner, name: str, timers: Counter, key: str) -> None:
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            timers[key] += time.perf_counter() - started

    setattr(owner, name, wrapper)


def one_run(engine: str, workers: int, paths: list[str], workdir: Path, shard_size: int) -> dict:
    """`chronicle ingest` with this engine and number of workers, into a fresh store."""
    from chronicle import pipeline
    from chronicle.scale import ray_engine
    from chronicle.store import Store

    timers: Counter = Counter()
    _timed(Store, "write_document", timers, "store")
    _timed(Store, "write_documents", timers, "store")
    _timed(pipeline.Admission, "admit", timers, "admit")
    db = workdir / f"{engine}-{workers}.duckdb"
    shards = workdir / f"{engine}-{workers}.shards"
    started = time.perf_counter()
    with Store(db) as store:
        if engine == "local":  # as `chronicle ingest` writes: a batch per transaction
            report = pipeline.run(paths, store.write_documents, store=store, workers=workers,
                                  on_error=store.write_error, sink_batches=True)
        else:
            _timed(ray_engine, "load_shard", timers, "load")
            try:
                import ray
            except ImportError:
                raise SystemExit("bench-ray needs Ray: pip install 'chronicle[ray]'") from None
            _timed(ray, "init", timers, "ray_start")
            _timed(ray, "shutdown", timers, "ray_stop")
            report = ray_engine.run(paths, store.write_documents, store=store, workers=workers,
                                    shards_dir=str(shards), shard_size=shard_size,
                                    on_error=store.write_error, sink_batches=True)
        counts = store.counts()
    seconds = time.perf_counter() - started
    result = {"engine": engine, "workers": workers, "seconds": seconds, "read": report.read,
              "written": report.written, "errors": len(report.errors), "timers": dict(timers),
              "documents": counts.get("documents"), "events": counts.get("events")}
    if engine == "ray":
        result.update(shards=report.shards, coded=report.coded,
                      lost=len(report.lost_shards), bad=len(report.bad_shards))
    return result


# --- CPU use over a process tree ---------------------------------------------------------------------

def _cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    except (OSError, IndexError, ValueError):
        return 0.0


class TreeCpu:
    """CPU seconds of a process and all its descendants (Ray's raylet and workers too), sampled
    from /proc; a process's last fraction of a second before it ends can be missed. Also the
    peak of the tree's memory, as PSS (shared pages split among their sharers) and as the sum of
    its processes' RSS (what `make bench`'s target is checked against)."""

    def __init__(self, root: int, interval: float = 0.25):
        self.root, self.interval = root, interval
        self.seen: dict[int, float] = {}
        self.peak_pss = 0
        self.peak_rss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="bench-ray-cpu")

    def _sample(self) -> None:
        from chronicle.bench import _proc_field, process_tree

        pids = process_tree(self.root)
        for pid in pids:
            self.seen[pid] = max(self.seen.get(pid, 0.0), _cpu_seconds(pid))
        self.peak_pss = max(self.peak_pss, sum(_proc_field(pid, "Pss", "smaps_rollup") for pid in pids))
        self.peak_rss = max(self.peak_rss, sum(_proc_field(pid, "VmRSS") for pid in pids))

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> TreeCpu:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def seconds(self) -> float:
        return sum(self.seen.values())


def measure(config: tuple[str, int], paths: list[str], workdir: Path, shard_size: int) -> dict:
    """One run in a child process, timed from here; CPU of its tree and of the machine."""
    from chronicle.bench import _machine_busy_seconds

    engine, workers = config
    run_dir = Path(tempfile.mkdtemp(prefix=f"{engine}-{workers}-", dir=workdir))
    spec = json.dumps({"engine": engine, "workers": workers, "paths": paths,
                       "workdir": str(run_dir), "shard_size": shard_size})
    cmd = [sys.executable, "-m", "chronicle.scale.bench", "--child", spec]
    busy_before, started = _machine_busy_seconds(), time.perf_counter()
    child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with TreeCpu(child.pid) as cpu:
        out, err = child.communicate()
    wall = time.perf_counter() - started
    busy = (_machine_busy_seconds() or 0.0) - (busy_before or 0.0)
    if child.returncode != 0:
        tail = (err.strip().splitlines() or [f"exit {child.returncode}"])[-1]
        raise RuntimeError(f"{engine} with {workers} workers failed: {tail}")
    result = json.loads(out.strip().splitlines()[-1])
    result["process_seconds"] = wall  # what the user waits for, Python start-up included
    result["cpu_cores"] = cpu.seconds / wall
    result["cpu_seconds"] = cpu.seconds
    result["other_cpu_cores"] = max(0.0, busy - cpu.seconds) / wall
    result["peak_pss_gb"] = cpu.peak_pss / 1e9
    result["peak_rss_gb"] = cpu.peak_rss / 1e9
    subprocess.run(["rm", "-rf", str(run_dir)], check=False)
    return result


# --- the whole benchmark ----------------------------------------------------------------------------

def wait_for_quiet(limit: float, log, threshold: float = OTHERS_TOLERATED, window: float = 5.0) -> None:
    """On a shared machine, start a run only when nothing else has used the CPU for `window`
    seconds; give up waiting after `limit` seconds (the run then reports what others used)."""
    from chronicle.bench import _machine_busy_seconds

    deadline, said = time.monotonic() + limit, False
    while time.monotonic() < deadline:
        before = _machine_busy_seconds()
        time.sleep(window)
        if before is None:
            return
        busy = (_machine_busy_seconds() - before) / window
        if busy < threshold:
            return
        if not said:
            log(f"waiting for a quiet machine (other processes use {busy:.2f} cores; at most {limit:.0f} s) …")
            said = True


def benchmark(paths: list[str], repeat: int, workdir: Path, shard_size: int, log=print,
              wait_quiet: float = 0.0) -> dict:
    runs: dict[str, list[dict]] = {f"{e}-{w}": [] for e, w in CONFIGS}
    log("warm-up: one local run with 1 worker (file cache, compiled regexes on disk; not counted) …")
    measure(("local", 1), paths, workdir, shard_size)
    for n in range(1, repeat + 1):
        for config in CONFIGS:
            if wait_quiet:
                wait_for_quiet(wait_quiet, log)
            result = measure(config, paths, workdir, shard_size)
            runs[f"{config[0]}-{config[1]}"].append(result)
            log(f"repetition {n}/{repeat}: {config[0]:<5} {config[1]} worker(s) "
                f"{result['process_seconds']:.1f} s, {result['written']} documents, "
                f"other processes {result['other_cpu_cores']:.2f} cores")
    return {"runs": runs, "summary": summarise(runs)}


def summarise(runs: dict[str, list[dict]]) -> dict:
    out = {}
    for key, results in runs.items():
        med = lambda field: statistics.median(r[field] for r in results)  # noqa: E731
        timers = Counter()
        for r in results:
            timers.update(r["timers"])
        row = {"seconds": med("process_seconds"), "written": results[0]["written"],
               "documents": results[0]["documents"], "events": results[0]["events"],
               "cpu_cores": med("cpu_cores"), "peak_pss_gb": max(r["peak_pss_gb"] for r in results),
               "peak_rss_gb": max(r.get("peak_rss_gb", 0.0) for r in results),
               "other_cpu_cores_max": max(r["other_cpu_cores"] for r in results),
               "timers": {k: v / len(results) for k, v in timers.items()}}
        row["articles_per_s"] = row["written"] / row["seconds"]
        # CPU time hardly depends on what else runs on the machine: the overhead measure to trust
        # when the wall times are disturbed
        row["cpu_ms_per_article"] = 1000 * med("cpu_seconds") / max(1, row["written"])
        if "shards" in results[0]:
            row["shards"] = results[0]["shards"]
        out[key] = row
    for engine in ("local", "ray"):
        one, two = out.get(f"{engine}-1"), out.get(f"{engine}-2")
        if one and two:
            two["speed_up"] = one["seconds"] / two["seconds"]
            one["speed_up"] = 1.0
    for workers in (1, 2):
        local, ray = out.get(f"local-{workers}"), out.get(f"ray-{workers}")
        if local and ray:
            ray["overhead"] = ray["seconds"] / local["seconds"] - 1
            ray["cpu_overhead"] = ray["cpu_ms_per_article"] / local["cpu_ms_per_article"] - 1
            ray["same_rows"] = (ray["documents"], ray["events"]) == (local["documents"], local["events"])
    return out


def format_table(result: dict) -> str:
    s, mach = result["summary"], result["machine"]
    lines = [
        f"Chronicle on Ray vs the local pool, {result['date']}",
        f"machine  {mach['cpu']}, {mach['cores']} cores, {mach['memory_bytes'] / 2**30:.1f} GiB RAM; "
        f"load average {mach['load_average_1min']:.2f} at start; Python {mach['python']}; Ray {result['ray']}",
        f"command  {result['command']}",
        f"corpus   {result['corpus']}, cut into {s['ray-1'].get('shards', '?')} shards of ≤ "
        f"{result['shard_size']} documents",
        f"runs     median of {result['repetitions']}, each a fresh process into a fresh DuckDB file "
        "(imports, model loading, Ray start and stop included)",
    ]
    worst = max(row["other_cpu_cores_max"] for row in s.values())
    if worst > OTHERS_TOLERATED:
        lines.append(f"WARNING  other processes used up to {worst:.2f} cores during a run: the timings "
                     "are distorted; run again on a quiet machine")
    if result.get("quick"):
        lines.append("NOTE     --quick: one repetition on 30 articles, not for the record")
    lines += ["", f"{'engine':<8}{'workers':>8}{'wall s':>9}{'articles/s':>12}{'speed-up':>10}"
                  f"{'vs local pool':>15}{'CPU ms/article':>16}{'vs local':>10}{'cores used':>12}"
                  f"{'peak RSS':>10}{'peak PSS':>10}{'same rows':>11}"]
    for engine, workers in CONFIGS:
        row = s[f"{engine}-{workers}"]
        overhead = row.get("overhead")
        lines.append(
            f"{'Ray' if engine == 'ray' else 'local':<8}{workers:>8}{row['seconds']:>9.1f}"
            f"{row['articles_per_s']:>12.2f}{row.get('speed_up', 1.0):>9.2f}×"
            f"{'' if overhead is None else f'{overhead:+.0%}':>15}{row['cpu_ms_per_article']:>16.0f}"
            f"{'' if 'cpu_overhead' not in row else format(row['cpu_overhead'], '+.0%'):>10}"
            f"{row['cpu_cores']:>12.2f}"
            f"{row['peak_rss_gb']:>8.2f}GB{row['peak_pss_gb']:>8.2f}GB"
            f"{'' if 'same_rows' not in row else ('yes' if row['same_rows'] else 'NO'):>11}")
    lines += ["", "the Ray driver's serial work (mean seconds per run; it does not shrink with more workers)"]
    for workers in (1, 2):
        t = s[f"ray-{workers}"]["timers"]
        written = s[f"ray-{workers}"]["written"] or 1
        lines.append(
            f"  {workers} worker(s): start Ray {t.get('ray_start', 0):.1f} s, stop Ray {t.get('ray_stop', 0):.1f} s, "
            f"load shards {t.get('load', 0):.1f} s ({1000 * t.get('load', 0) / written:.0f} ms/document: "
            f"DuckDB writes {t.get('store', 0):.1f} s, ids and near-duplicates {t.get('admit', 0):.1f} s)")
    t = s["local-2"]["timers"]
    lines.append(f"  local pool, 2 workers, for comparison: DuckDB writes {t.get('store', 0):.1f} s, "
                 f"ids and near-duplicates {t.get('admit', 0):.1f} s")
    lines += ["", "speed-up: the same engine's 1-worker wall time / this one's; vs local pool: this wall "
                  "time / the local pool's with the same workers - 1; CPU ms/article: CPU time of the "
                  "run's whole process tree per document written, and vs local its ratio to the local "
                  "pool's - 1 (hardly affected by other processes); same rows: the same number of "
                  "documents and events in the store as the local pool; peak RSS: the largest sum of the "
                  "resident memory of the run's processes (Ray's own included; a page shared by two "
                  "counts twice), peak PSS: the largest footprint with shared pages split among "
                  "their sharers, GB = 10^9 bytes"]
    return "\n".join(lines)


# --- the driver's serial work as the store grows ------------------------------------------------------

def _rss_bytes() -> int:
    from chronicle.bench import _proc_field

    return _proc_field(os.getpid(), "VmRSS")


def driver_probe(target: int, paths: list[str], workdir: Path, log=print) -> dict:
    """What the driver pays per document as the store grows to `target` documents: the corpus is
    analysed once, then written again and again under new ids (events renamed to match) with
    `Store.write_documents` in batches of 256, as the Ray driver writes a shard's row groups, timed
    per copy; at the end, the near-duplicate index a run seeds from the store at its start
    (`pipeline.Admission`) is built and timed, with its memory."""
    import msgspec

    from chronicle.bench import default_workers
    from chronicle.pipeline import Admission, run
    from chronicle.store import Store

    docs: list = []
    run(paths, docs.append, workers=default_workers())
    db = workdir / "probe.duckdb"
    curve = []
    written = 0
    with Store(db) as store:
        copy = 0
        while written < target:
            started = time.perf_counter()
            batch = []
            for doc in docs:
                new_id = f"{doc.id}~{copy}"
                events = [msgspec.structs.replace(e, id=f"{new_id}-e{e.id.rsplit('-e', 1)[1]}")
                          for e in doc.events]
                batch.append(msgspec.structs.replace(doc, id=new_id, events=events))
                if len(batch) == 256:
                    store.write_documents(batch)
                    batch = []
            store.write_documents(batch)
            written += len(docs)
            copy += 1
            curve.append((written, 1000 * (time.perf_counter() - started) / len(docs)))
            if copy == 1 or written >= target or copy % 5 == 0:
                log(f"driver probe: {written} documents stored, last {len(docs)} written at "
                    f"{curve[-1][1]:.1f} ms each")
        rss_before = _rss_bytes()
        started = time.perf_counter()
        admission = Admission(store)
        seed_seconds = time.perf_counter() - started
        index_bytes = _rss_bytes() - rss_before
        del admission
    return {"documents": written, "corpus_documents": len(docs), "write_ms_curve": curve,
            "seed_ms_per_document": 1000 * seed_seconds / written,
            "index_bytes_per_document": index_bytes / written,
            "db_bytes_per_document": db.stat().st_size / written}


def format_probe(probe: dict) -> str:
    curve = probe["write_ms_curve"]
    points = [curve[0], curve[len(curve) // 2], curve[-1]] if len(curve) > 2 else curve
    lines = [f"driver probe: the analysed corpus ({probe['corpus_documents']} documents) written again under "
             f"new ids until the store holds {probe['documents']:,}",
             "  Store.write_documents (batches of 256), ms per document: " +
             ", ".join(f"{ms:.1f} at {n:,} stored" for n, ms in points),
             f"  seeding the near-duplicate index at the start of a run: {probe['seed_ms_per_document']:.2f} ms "
             f"and {probe['index_bytes_per_document'] / 1000:.1f} kB of memory per stored document",
             f"  DuckDB file: {probe['db_bytes_per_document'] / 1000:.1f} kB per document"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args_list = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(
        prog="python -m chronicle.scale.bench",
        description="Time `chronicle ingest --engine ray` with 1 and 2 workers against the local pool.")
    parser.add_argument("--repeat", type=int, default=3, metavar="N", help="repetitions (default 3); medians reported")
    parser.add_argument("--quick", action="store_true", help="1 repetition on 30 articles (not for the record)")
    parser.add_argument("--shard-size", type=int, default=DEFAULT_SHARD_SIZE, metavar="N",
                        help=f"documents per shard (default {DEFAULT_SHARD_SIZE})")
    parser.add_argument("--shared", metavar="DIR", help="the shared/ folder (default: beside the repository)")
    parser.add_argument("--json", metavar="PATH", help="also write everything as JSON to PATH")
    parser.add_argument("--wait-quiet", type=float, default=600, metavar="SECONDS",
                        help="before each run, wait up to this long for other processes to leave the "
                             "CPU alone (default 600; 0: do not wait)")
    parser.add_argument("--driver-probe", type=int, metavar="N",
                        help="instead: time the driver's per-document work while the store grows to N "
                             "documents (for the projection in docs/SCALING.md)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(args_list)
    if args.child:
        spec = json.loads(args.child)
        result = one_run(spec["engine"], spec["workers"], spec["paths"], Path(spec["workdir"]),
                         spec["shard_size"])
        print(json.dumps(result))
        return 0
    if args.repeat < 1 or args.shard_size < 1:
        parser.error("--repeat and --shard-size must be at least 1")
    from chronicle.bench import load_corpus, machine

    try:
        import ray
    except ImportError:
        print("error: bench-ray needs Ray: pip install 'chronicle[ray]'", file=sys.stderr)
        return 2
    try:
        corpus = load_corpus(Path(args.shared) if args.shared else None, quick=args.quick)
    except FileNotFoundError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    repeat = 1 if args.quick else args.repeat
    started = datetime.now(timezone.utc)
    info = machine()

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    if args.driver_probe:
        with tempfile.TemporaryDirectory(prefix="chronicle-driver-probe-") as tmp:
            probe = driver_probe(args.driver_probe, corpus.write_inputs(Path(tmp)), Path(tmp), log)
        print(format_probe(probe))
        if args.json:
            Path(args.json).write_text(json.dumps(probe, indent=2) + "\n", encoding="utf-8")
        return 0

    with tempfile.TemporaryDirectory(prefix="chronicle-bench-ray-") as tmp:
        paths = corpus.write_inputs(Path(tmp))
        bench = benchmark(paths, repeat, Path(tmp), args.shard_size, log, wait_quiet=args.wait_quiet)
    gwn = sum(1 for s, _, _ in corpus.texts if s == "geowebnews")
    wiki = len(corpus.texts) - gwn
    result = {"date": started.strftime("%Y-%m-%d %H:%M UTC"), "machine": info, "ray": ray.__version__,
              "command": shlex.join(["python", "-m", "chronicle.scale.bench", *args_list]),
              "corpus": f"{gwn} GeoWebNews + {wiki} WikiEvents texts + {len(corpus.sample_paths)} sample inputs",
              "shard_size": args.shard_size, "repetitions": repeat, "quick": args.quick, **bench,
              "total_seconds": (datetime.now(timezone.utc) - started).total_seconds()}
    print(format_table(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
