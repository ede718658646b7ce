"""The store at scale (issue 18): queries on a large store, and what an ingest into it costs.

`python -m chronicle.scale.store_bench --db SIM.duckdb` (a store made by `chronicle.scale.simulate
--resolve`, ≈10⁶ events) measures, read-only:

- **queries**: each call the web page makes for its default view (`/api/overview`, then the first
  page of events newest first with their total, the timeline and the places) and the same with
  each single filter (country, actor, type, mode, since/until, near, text), through
  `chronicle.open(...)` as the HTTP API calls it; median and worst of `--repeat` runs after one
  warm-up (wall and CPU milliseconds; DuckDB's threads count in the CPU figure);

with `--resolve`:

- **resolve**: 100 generated reports of the store's world (`simulate.documents`, world seed 1)
  written into a copy of the store and into an empty one, and the incremental resolve after it:
  CPU seconds (median of 3, each on a fresh copy), stored event rows read, events decided again;

and with `--ingest` (needs ../shared, or `--articles-from FILE.jsonl`):

- **an ingest into it**: `chronicle ingest` of `--articles` real articles (GeoWebNews texts) into
  a copy of the store and into an empty store, each in a new process (`--workers 2`), resolve
  included; CPU seconds of the process tree, median of `--ingest-repeat` runs. The target: into
  the large store at most 1.2× the CPU of the same ingest into an empty one.

Numbers go to stdout as a table, and as JSON with `--json PATH`. On a machine other work shares,
read the CPU columns: wall times grow with the load.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUERY_TARGET_MS = 100.0
INGEST_TARGET_RATIO = 1.2


def _filters(db) -> dict[str, dict]:
    """One value per single filter, taken from the store itself (its most common country, type …)."""
    overview = db.overview()
    country = overview["countries"][0]["country"] if overview["countries"] else "KAZ"
    typ = overview["types"][0]["type"] if overview["types"] else "PROTEST"
    last = overview["last_date"] or "2024-12-31"
    place = db.place_records(limit=1)
    near = (place[0]["lat"], place[0]["lon"], 100.0) if place else (43.25, 76.91, 100.0)
    return {
        "default view": {},
        "country": {"country": country},
        "actor (sector)": {"actor": "GOV"},
        "actor (name)": {"actor": "police"},
        "actor (name, matching)": {"actor": country.lower()},
        "type": {"type": typ},
        "mode": {"mode": "demo"},
        "since/until (a month)": {"since": last[:7], "until": last[:7]},
        "near (100 km)": {"near": near},
        "text": {"text": "ceasefire"},
        # more than one run of word characters: the index gives candidates, the scan's test decides
        "text (two words)": {"text": "ceasefire talks"},
    }


def _timed(fn, repeat: int) -> dict:
    fn()  # warm-up: DuckDB's caches, the plan
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append((time.perf_counter() - w) * 1000)
        cpus.append((time.process_time() - c) * 1000)
    return {"wall_ms": statistics.median(walls), "wall_ms_max": max(walls),
            "cpu_ms": statistics.median(cpus)}


def measure_queries(path: str, repeat: int = 5, log=print) -> dict:
    import chronicle

    db = chronicle.open(path)
    try:
        counts = db._rows("SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM clusters), "
                          "(SELECT count(*) FROM documents)")[1][0]
        out = {"events": counts[0], "clusters": counts[1], "documents": counts[2], "views": {}}
        out["overview"] = _timed(db.overview, repeat)
        for name, filters in _filters(db).items():
            calls = {
                "events page": lambda f=filters: db.event_records(**f, limit=50, order="-date"),
                "events total": lambda f=filters: db.count_events(**f),
                "timeline": lambda f=filters: db.timeline(**f),
                "places": lambda f=filters: db.place_records(limit=1000, **f),
            }
            out["views"][name] = {"filters": {k: str(v) for k, v in filters.items()},
                                  "calls": {call: _timed(fn, repeat) for call, fn in calls.items()}}
            log(f"  {name}: " + ", ".join(f"{c} {t['wall_ms']:.0f} ms"
                                         for c, t in out["views"][name]["calls"].items()))
    finally:
        db.close()
    return out


def measure_resolve(big: str, workdir: Path, reports: int = 100, repeat: int = 3,
                    starts: tuple[str, ...] = ("2019-06-01", "2023-12-20"), log=print) -> dict:
    """Write `reports` generated reports of the large store's world, published over ten days from
    each of `starts`, into a copy of the large store and into an empty one, and time the
    incremental resolve that follows (CPU seconds of this process, DuckDB's threads included;
    median of `repeat`, each on a fresh copy), with the stored event rows it read."""
    from ..resolve import resolve_store
    from ..store import Store
    from .simulate import documents

    out = {}
    for start in starts:
        new = list(documents(reports, seed=777, world_seed=1, start=start, days=10, id_prefix="new"))
        for name in ("empty store", "large store"):
            runs = []
            for _ in range(repeat):
                path = workdir / "resolve.duckdb"
                path.unlink(missing_ok=True)
                if name == "large store":
                    shutil.copyfile(big, path)
                with Store(path) as store:
                    store.write_documents(new)
                    cpu, wall = time.process_time(), time.perf_counter()
                    counts = resolve_store(store, doc_ids=[d.id for d in new])
                    runs.append({"cpu_s": time.process_time() - cpu,
                                 "wall_s": time.perf_counter() - wall, **counts})
                path.unlink()
            out[f"{start} {name}"] = {
                "cpu_s": statistics.median(r["cpu_s"] for r in runs), "runs": runs,
                "events": runs[0]["events"], "rows_read": runs[0]["rows_read"],
                "queries": runs[0]["queries"]}
            log(f"  resolve of {reports} reports from {start} into the {name}: "
                f"{out[f'{start} {name}']['cpu_s']:.2f} CPU s, {runs[0]['rows_read']} rows read")
    return out


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def ingest_once(inputs: str, db: Path, workers: int = 2) -> dict:
    exe = Path(sys.executable).with_name("chronicle")
    before, started = _children_cpu(), time.perf_counter()
    done = subprocess.run([str(exe), "ingest", inputs, "--db", str(db), "--workers", str(workers)],
                          capture_output=True, text=True)
    wall, cpu = time.perf_counter() - started, _children_cpu() - before
    if done.returncode not in (0, 1):
        raise RuntimeError(f"chronicle ingest failed: {done.stderr.strip()[-300:]}")
    return {"wall_s": wall, "cpu_s": cpu, "db_bytes": db.stat().st_size}


def measure_ingest(big: str, inputs: str, repeat: int, workdir: Path, log=print) -> dict:
    runs = {"empty store": [], "large store": []}
    for n in range(repeat):
        empty = workdir / f"empty-{n}.duckdb"
        runs["empty store"].append(ingest_once(inputs, empty))
        empty.unlink()
        copy = workdir / f"large-{n}.duckdb"
        shutil.copyfile(big, copy)
        runs["large store"].append(ingest_once(inputs, copy))
        copy.unlink()
        log(f"  ingest {n + 1}/{repeat}: empty {runs['empty store'][-1]['cpu_s']:.1f} CPU s, "
            f"large {runs['large store'][-1]['cpu_s']:.1f} CPU s")
    med = {k: {m: statistics.median(r[m] for r in v) for m in ("wall_s", "cpu_s")} for k, v in runs.items()}
    return {"runs": runs, "median": med,
            "cpu_ratio": med["large store"]["cpu_s"] / med["empty store"]["cpu_s"]}


def write_articles(out: Path, n: int, shared: Path | None = None) -> None:
    from ..bench import load_corpus, write_jsonl

    corpus = load_corpus(shared)
    texts = [(f"bench-{name}-{aid}", text) for name, aid, text in corpus.texts][:n]
    write_jsonl(texts, out)


def format_table(result: dict) -> str:
    q = result.get("queries")
    lines = [f"store: {result['db_bytes'] / 1e6:.0f} MB; load average {result['load_average']:.2f} at the start"]
    if q:
        lines += [f"store: {q['events']:,} events, {q['clusters']:,} clusters, {q['documents']:,} documents",
                  f"queries (median of {result['repeat']} after a warm-up; target < {QUERY_TARGET_MS:.0f} ms "
                  "per call; CPU includes DuckDB's threads)",
                  f"  {'overview':<24}{q['overview']['wall_ms']:>8.0f} ms wall {q['overview']['cpu_ms']:>6.0f} ms CPU"]
    for name, view in (q["views"].items() if q else ()):
        for call, t in view["calls"].items():
            flag = "" if t["wall_ms"] < QUERY_TARGET_MS else "  over"
            lines.append(f"  {name:<24}{call:<14}{t['wall_ms']:>8.0f} ms wall (max {t['wall_ms_max']:.0f})"
                         f" {t['cpu_ms']:>6.0f} ms CPU{flag}")
    res = result.get("resolve")
    if res:
        lines += ["", "incremental resolve of 100 generated reports (this process; median CPU s, "
                      "stored event rows read, events decided again)"]
        for name, r in res.items():
            lines.append(f"  {name:<32}{r['cpu_s']:7.2f} CPU s {r['rows_read']:>8,} rows read "
                         f"{r['events']:>6,} decided {r['queries']:>5} queries")
    ing = result.get("ingest")
    if ing:
        m = ing["median"]
        lines += ["", f"ingest of {result['articles']} articles (`chronicle ingest --workers 2`, new process, "
                      f"resolve included; median of {len(ing['runs']['empty store'])})",
                  f"  into an empty store   {m['empty store']['cpu_s']:7.1f} CPU s  {m['empty store']['wall_s']:7.1f} s wall",
                  f"  into the large store  {m['large store']['cpu_s']:7.1f} CPU s  {m['large store']['wall_s']:7.1f} s wall",
                  f"  CPU ratio large/empty {ing['cpu_ratio']:7.2f}   (target ≤ {INGEST_TARGET_RATIO})"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m chronicle.scale.store_bench",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", required=True, help="a large store (chronicle.scale.simulate --resolve)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--ingest", action="store_true", help="also time an ingest into a copy of it")
    ap.add_argument("--resolve", action="store_true",
                    help="also time the incremental resolve of 100 generated reports into a copy of it")
    ap.add_argument("--no-queries", action="store_true", help="skip the query timings")
    ap.add_argument("--articles", type=int, default=100)
    ap.add_argument("--articles-from", metavar="JSONL", help="the articles to ingest (default: GeoWebNews)")
    ap.add_argument("--ingest-repeat", type=int, default=1)
    ap.add_argument("--shared", type=Path)
    ap.add_argument("--json", metavar="PATH")
    args = ap.parse_args(argv)
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    if not Path(args.db).is_file():
        print(f"error: no store at {args.db}; make one with python -m chronicle.scale.simulate",
              file=sys.stderr)
        return 2
    result = {"db_bytes": Path(args.db).stat().st_size, "load_average": os.getloadavg()[0],
              "repeat": args.repeat, "articles": args.articles}
    if not args.no_queries:
        log("queries …")
        result["queries"] = measure_queries(args.db, args.repeat, log)
    if args.resolve:
        with tempfile.TemporaryDirectory(prefix="chronicle-store-bench-") as tmp:
            log("resolve …")
            result["resolve"] = measure_resolve(args.db, Path(tmp), log=log)
    if args.ingest:
        with tempfile.TemporaryDirectory(prefix="chronicle-store-bench-") as tmp:
            inputs = args.articles_from
            if inputs is None:
                inputs = str(Path(tmp) / "articles.jsonl")
                write_articles(Path(inputs), args.articles, args.shared)
            log("ingest …")
            result["ingest"] = measure_ingest(args.db, inputs, args.ingest_repeat, Path(tmp), log)
    print(format_table(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
