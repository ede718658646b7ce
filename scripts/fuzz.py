"""`make fuzz`: the fuzz suite at full size, the hostile corpus file by file, and a kill -9 loop.

1. The hypothesis strategies of tests/test_fuzz.py with FUZZ_EXAMPLES examples each (default
   1,700: over 10,000 generated inputs over the readers and the clean stage).
2. The hostile corpus (tests/hostile.py, at twice the CI sizes, with the text over spaCy's limit):
   each file read and cleaned under an alarm, then all of them ingested by the CLI beside good
   documents, every good one checked in the store.
3. `chronicle ingest` of a corpus killed with SIGKILL at random points (KILLS times, default 20),
   each time into the same database, then run to the end; the database must equal one made by a
   single clean run (documents, entities, events, clusters, errors; not the timestamps).

Prints one Markdown table per part (what docs/RELIABILITY.md shows). Needs only the repository.
Usage: python scripts/fuzz.py [--examples N] [--kills N] [--seed N]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
CLI = [sys.executable, "-m", "chronicle.cli"]


def machine() -> str:
    cpus = os.cpu_count()
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        memory = float("nan")
    try:
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        load = "?"
    return (f"{platform.machine()} {platform.system()} {platform.release()}, {cpus} cores, "
            f"{memory:.0f} GB, Python {platform.python_version()}, load average {load} at start")


def hypothesis_part(examples: int) -> list[str]:
    env = dict(os.environ, FUZZ_EXAMPLES=str(examples))
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "tests/test_fuzz.py", "-k", "any_ or cleaning_any", "-W", "ignore"],
                          cwd=REPO, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - started
    tests = re.findall(r"^tests/test_fuzz.py::(\S+) (PASSED|FAILED)", done.stdout, re.M)
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-300:]
    passed = re.search(r"(\d+) passed", summary)
    n = int(passed.group(1)) if passed else 0
    failed = re.search(r"(\d+) failed", summary)
    rows = ["| strategy run | inputs | result | seconds |", "|---|---:|---|---:|",
            f"| 6 hypothesis tests (txt, HTML, JSON Lines, RSS, WARC, clean) | {6 * examples:,} | "
            f"{n} passed, {int(failed.group(1)) if failed else 0} failed | {seconds:.0f} |"]
    if done.returncode != 0:
        rows.append("")
        rows.append("```")
        rows.extend(done.stdout.strip().splitlines()[-40:])
        rows.append("```")
    del tests
    return rows


READ_ONE = r"""
import json, resource, signal, sys, time
from chronicle.clean import clean
from chronicle.ingest import read
from chronicle.record import Document, to_json
class Slow(Exception): pass
def alarm(*_): raise Slow()
signal.signal(signal.SIGALRM, alarm)
signal.alarm(int(sys.argv[2]))
started = time.process_time()
docs, errors = 0, []
try:
    for r in read([sys.argv[1]]):
        if isinstance(r, Document):
            to_json(clean(r)); docs += 1
        else:
            errors.append(r.reason)
    outcome = "ok"
except Slow:
    outcome = "over its budget"
except Exception as exc:
    outcome = f"raised {type(exc).__name__}"
print(json.dumps({"outcome": outcome, "docs": docs, "errors": errors,
                  "cpu": time.process_time() - started,
                  "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def corpus_part(work: Path) -> tuple[list[str], bool]:
    import json

    import duckdb
    from hostile import good_documents, hostile_files

    hostile = work / "hostile"
    notes = hostile_files(hostile, scale=2)
    rows = ["| hostile file | what it is | read + clean (CPU s) | peak memory (MB) | outcome |",
            "|---|---|---:|---:|---|"]
    ok = True
    for name in sorted(notes):
        done = subprocess.run([sys.executable, "-c", READ_ONE, str(hostile / name), "120"],
                              cwd=REPO, capture_output=True, text=True, timeout=900)
        try:
            result = json.loads(done.stdout.strip().splitlines()[-1])
        except (IndexError, ValueError):
            result = {"outcome": f"crashed ({done.stderr.strip()[-120:]})", "docs": 0, "errors": [],
                      "cpu": float("nan"), "rss": float("nan")}
        first_error = result["errors"][0][:90].replace("|", "/") if result["errors"] else ""
        got = f"{result['docs']} documents" + (f"; {len(result['errors'])} errors: '{first_error}'"
                                               if result["errors"] else "")
        if result["outcome"] != "ok":
            ok = False
            got = f"**{result['outcome']}**"
        rows.append(f"| {name} | {notes[name]} | {result['cpu']:.2f} | {result['rss']:.0f} | {got} |")
    good = good_documents(work / "good")
    db = work / "corpus.duckdb"
    started = time.monotonic()
    done = subprocess.run([*CLI, "ingest", "--db", str(db), str(work / "good"), str(hostile)],
                          cwd=REPO, capture_output=True, text=True, timeout=3600)
    seconds = time.monotonic() - started
    con = duckdb.connect(str(db), read_only=True)
    stored = {r[0] for r in con.execute("SELECT id FROM documents").fetchall()}
    paths = {r[0] for r in con.execute("SELECT source_path FROM documents").fetchall()}
    (errors,) = con.execute("SELECT count(*) FROM ingest_errors").fetchone()
    (documents,) = con.execute("SELECT count(*) FROM documents").fetchone()
    con.close()
    missing = [k for k in good if k not in stored and k not in paths]
    traceback = "Traceback" in done.stderr
    ok = ok and not missing and not traceback and done.returncode == 1
    rows += ["", "| whole corpus + good documents, one `chronicle ingest` | result |", "|---|---|",
             f"| exit status | {done.returncode} (1: some inputs failed, the rest stored) |",
             f"| wall time | {seconds:.0f} s |",
             f"| documents stored / ingest errors | {documents} / {errors} |",
             f"| good documents stored | {len(good) - len(missing)} of {len(good)} |",
             f"| tracebacks on stderr | {'yes' if traceback else 'none'} |"]
    return rows, ok


def _snapshot(db: Path) -> dict:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    tables = {
        "documents": "SELECT id, source_path, source_url, title, published, language, text, flags, "
                     "errors FROM documents",
        "entities": "SELECT * FROM entities",
        "events": "SELECT * FROM events",
        "quotes": "SELECT * FROM quotes",
        "quantities": "SELECT * FROM quantities",
        "clusters": "SELECT * FROM clusters",
        "cluster_members": "SELECT * FROM cluster_members",
        "ingest_errors": "SELECT path, item, reason FROM ingest_errors",
    }
    snapshot = {name: sorted(map(repr, con.execute(sql).fetchall())) for name, sql in tables.items()}
    con.close()
    return snapshot


def kill_part(work: Path, kills: int, seed: int) -> tuple[list[str], bool]:
    from hostile import good_documents

    corpus = work / "kill-corpus"
    good_documents(corpus / "good")
    shutil.copytree(REPO / "examples", corpus / "examples")
    # sixty short reports, so a run lasts long enough to be cut in many places
    lines = []
    from hostile import GOOD_REPORTS
    for i in range(60):
        title, text = GOOD_REPORTS[i % len(GOOD_REPORTS)]
        lines.append(f'{{"id": "bulk-{i}", "title": "{title} {i}", "text": "{text} It was report {i}."}}')
    (corpus / "bulk.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    command = ["ingest", str(corpus), "--workers", "2"]

    clean_db = work / "clean.duckdb"
    started = time.monotonic()
    subprocess.run([*CLI, *command, "--db", str(clean_db)], cwd=REPO, capture_output=True,
                   timeout=3600)
    clean_seconds = time.monotonic() - started
    expected = _snapshot(clean_db)

    rng = random.Random(seed)
    db = work / "killed.duckdb"
    cut_at = []
    for _ in range(kills):
        at = rng.uniform(0.05, 1.0) * clean_seconds
        process = subprocess.Popen([*CLI, *command, "--db", str(db)], cwd=REPO,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
        try:
            process.wait(timeout=at)
            cut_at.append(f"{at:.1f} s (had ended)")
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the ingest and its worker processes
            process.wait()
            cut_at.append(f"{at:.1f} s")
    subprocess.run([*CLI, *command, "--db", str(db)], cwd=REPO, capture_output=True, timeout=3600)
    got = _snapshot(db)
    same = {name: got[name] == expected[name] for name in expected}
    killed = sum(1 for c in cut_at if "ended" not in c)
    rows = ["| kill -9 loop | result |", "|---|---|",
            f"| corpus | examples/, 10 good reports, 60 JSON Lines reports |",
            f"| clean run | {clean_seconds:.0f} s, {len(expected['documents'])} documents, "
            f"{len(expected['events'])} events, {len(expected['clusters'])} clusters |",
            f"| SIGKILLs during `chronicle ingest` (process group) | {killed} of {kills} runs cut "
            f"(the others had ended), at {', '.join(cut_at[:8])}{' …' if len(cut_at) > 8 else ''} |",
            "| re-run after the kills equals the clean run | " + (
                "yes, every table" if all(same.values()) else
                "NO: " + ", ".join(n for n, s in same.items() if not s)) + " |"]
    return rows, all(same.values()) and killed >= min(kills, 20)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=1700)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--skip", choices=["hypothesis", "corpus", "kill"], action="append",
                        default=[])
    args = parser.parse_args()
    print(f"machine: {machine()}\n", flush=True)
    ok = True
    with tempfile.TemporaryDirectory(prefix="chronicle-fuzz-") as tmp:
        work = Path(tmp)
        if "hypothesis" not in args.skip:
            rows = hypothesis_part(args.examples)
            ok = ok and "0 failed" in rows[2]
            print("\n".join(rows) + "\n", flush=True)
        if "corpus" not in args.skip:
            rows, part_ok = corpus_part(work)
            ok = ok and part_ok
            print("\n".join(rows) + "\n", flush=True)
        if "kill" not in args.skip:
            rows, part_ok = kill_part(work, args.kills, args.seed)
            ok = ok and part_ok
            print("\n".join(rows) + "\n", flush=True)
    print("fuzz: all parts passed" if ok else "fuzz: FAILURES above")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
