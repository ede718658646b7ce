"""`make fuzz`: the fuzz suite at full size, the hostile corpus file by file, and a kill -9 loop.

1. The hypothesis strategies of tests/test_fuzz.py with FUZZ_EXAMPLES examples each (default
   1,700: over 10,000 generated inputs over the readers and the clean stage).
2. The hostile corpus (tests/hostile.py, at twice the CI sizes, with the text over spaCy's limit):
   each file read and cleaned under an alarm, then all of them ingested by the CLI beside good
   documents, every good one checked in the store.
3. `chronicle ingest` of a corpus killed with SIGKILL at random points (--kills, default 20), in
   cycles of four cuts into one database, each cycle then run to the end; every cycle's database
   must equal one made by a single clean run (documents with their flags, entities, events,
   quotes, quantities, clusters, errors; not the timestamps).

Prints one Markdown table per part (what docs/RELIABILITY.md shows). Needs only the repository.
Usage: python scripts/fuzz.py [--examples N] [--kills N] [--seed N]
"""

from __future__ import annotations

import argparse
import json
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
BULK_REPORTS = 100
KILLS_PER_CYCLE = 4


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


STRATEGIES = {  # test in tests/test_fuzz.py -> what its inputs are
    "test_any_text_file_is_read_or_refused_in_one_line": "plain text files (7 encodings)",
    "test_any_html_page_is_read_or_refused_in_one_line": "HTML pages (7 encodings)",
    "test_any_json_lines_are_read_line_by_line": "JSON Lines files (7 encodings) + a good last line",
    "test_any_feed_is_read_and_a_bad_field_costs_only_that_field": "RSS feeds + a good item with a bad date",
    "test_any_damaged_warc_keeps_what_is_readable": "damaged WARC files (plain and gzip)",
    "test_cleaning_any_text_gives_valid_text": "texts and titles through the clean stage",
    "test_any_numeric_parameter_gives_an_answer_or_a_4xx_with_a_json_reason":
        "HTTP API numeric parameters",
}


def hypothesis_part(examples: int) -> tuple[list[str], int, bool]:
    """Each strategy with `examples` examples; the inputs counted are those hypothesis reports
    as run (its statistics), not the number asked for."""
    import xml.etree.ElementTree as ET

    env = dict(os.environ, FUZZ_EXAMPLES=str(examples))
    report = Path(tempfile.mkdtemp(prefix="chronicle-fuzz-junit-")) / "junit.xml"
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "tests/test_fuzz.py", "-k", " or ".join(STRATEGIES), "-W", "ignore",
                           "--hypothesis-show-statistics", f"--junitxml={report}"],
                          cwd=REPO, env=env, capture_output=True, text=True)
    outcome: dict[str, tuple[str, float]] = {}
    if report.exists():
        for case in ET.parse(report).iter("testcase"):
            failed = case.find("failure") is not None or case.find("error") is not None
            outcome[case.get("name")] = ("failed" if failed else "passed", float(case.get("time")))
    # "tests/test_fuzz.py::NAME:" then per phase "- N passing, M failing, and K invalid test cases"
    counts: dict[str, list[int]] = {}
    current = None
    for line in done.stdout.splitlines():
        head = re.match(r"^tests/test_fuzz.py::(\w+):$", line)
        if head:
            current = head.group(1)
            counts[current] = [0, 0, 0]
            continue
        phase = re.search(r"(\d+) passing, (\d+) failing, and (\d+) invalid", line)
        if phase and current:
            counts[current] = [a + int(b) for a, b in zip(counts[current], phase.groups())]
    rows = ["| hypothesis strategy | inputs run | failing | result | seconds |",
            "|---|---:|---:|---|---:|"]
    total, ok = 0, done.returncode == 0
    for name, what in STRATEGIES.items():
        passing, failing, _ = counts.get(name, [0, 0, 0])
        result, seconds = outcome.get(name, ("not run", float("nan")))
        ok = ok and result == "passed"
        total += passing + failing
        rows.append(f"| {what} | {passing + failing:,} | {failing} | {result} | {seconds:.0f} |")
    rows.append(f"| **all** | **{total:,}** | | | |")
    if not ok:
        rows += ["", "```", *done.stdout.strip().splitlines()[-60:], "```"]
    return rows, total, ok


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


def corpus_part(work: Path) -> tuple[list[str], int, bool]:
    import json

    import duckdb
    from hostile import good_documents, hostile_files

    hostile = work / "hostile"
    notes = hostile_files(hostile, scale=2)
    read_results = {}
    for name in sorted(notes):
        try:
            done = subprocess.run([sys.executable, "-c", READ_ONE, str(hostile / name), "120"],
                                  cwd=REPO, capture_output=True, text=True, timeout=900)
            result = json.loads(done.stdout.strip().splitlines()[-1])
        except (IndexError, ValueError, subprocess.TimeoutExpired) as err:
            stderr = getattr(err, "stderr", None) or (done.stderr if "done" in locals() else "")
            result = {"outcome": f"crashed ({str(stderr).strip()[-120:]})", "docs": 0, "errors": [],
                      "cpu": float("nan"), "rss": float("nan")}
        read_results[name] = result
    good = good_documents(work / "good")
    db = work / "corpus.duckdb"
    started = time.monotonic()
    try:
        done = subprocess.run([*CLI, "ingest", "--db", str(db), str(work / "good"), str(hostile)],
                              cwd=REPO, capture_output=True, text=True, timeout=3600)
        returncode, stderr = done.returncode, done.stderr
    except subprocess.TimeoutExpired:
        returncode, stderr = "over 3,600 s", ""
    seconds = time.monotonic() - started
    con = duckdb.connect(str(db), read_only=True)
    stored = {r[0] for r in con.execute("SELECT id FROM documents").fetchall()}
    by_path = dict(con.execute("SELECT source_path, count(*) FROM documents GROUP BY 1").fetchall())
    error_rows = con.execute("SELECT path, reason FROM ingest_errors ORDER BY reason").fetchall()
    (documents,) = con.execute("SELECT count(*) FROM documents").fetchone()
    con.close()
    errors_by_path: dict[str, list[str]] = {}
    for path, reason in error_rows:
        errors_by_path.setdefault(path, []).append(reason)

    def cell(text: str) -> str:
        return text[:80].replace("|", "/").replace("\n", " ")

    rows = ["| hostile file | what it is | read + clean: CPU s | peak MB | read + clean gave | "
            "ingest stored | ingest errors (first) |", "|---|---|---:|---:|---|---:|---|"]
    ok = True
    for name in sorted(notes):
        result = read_results[name]
        got = f"{result['docs']} docs, {len(result['errors'])} errors"
        if result["outcome"] != "ok":
            ok = False
            got = f"**{result['outcome']}**"
        path = str(hostile / name)
        mine = errors_by_path.get(path, [])
        if not by_path.get(path) and not mine:
            ok = False  # neither a document nor an error: the file was lost silently
        first = f"{len(mine)}: {cell(mine[0])}" if mine else "0"
        rows.append(f"| {name} | {notes[name]} | {result['cpu']:.2f} | {result['rss']:.0f} | {got} "
                    f"| {by_path.get(path, 0)} | {first} |")
    missing = [k for k in good if k not in stored and k not in by_path]
    traceback = "Traceback" in stderr
    multiline = [r for _, r in error_rows if "\n" in r]
    ok = ok and not missing and not traceback and not multiline and returncode == 1
    rows += ["", "| whole corpus + good documents, one `chronicle ingest` | result |", "|---|---|",
             f"| exit status | {returncode} (1: some inputs failed, the rest stored) |",
             f"| wall time | {seconds:.0f} s |",
             f"| documents stored / ingest errors | {documents} / {len(error_rows)} |",
             f"| good documents stored | {len(good) - len(missing)} of {len(good)} |",
             f"| errors of more than one line / tracebacks on stderr | {len(multiline)} / "
             f"{'yes' if traceback else 'none'} |"]
    return rows, len(notes), ok


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


def _stored(db: Path) -> str:
    """Documents in `db` as a reader sees it just after a kill (read-only: the next run finds the
    file as the kill left it)."""
    import duckdb

    try:
        con = duckdb.connect(str(db), read_only=True)
        try:
            return str(con.execute("SELECT count(*) FROM documents").fetchone()[0])
        finally:
            con.close()
    except duckdb.Error:
        return "-"  # not created yet, or no table yet


def kill_part(work: Path, kills: int, seed: int) -> tuple[list[str], int, bool]:
    from hostile import GOOD_REPORTS, good_documents

    corpus = work / "kill-corpus"
    good_documents(corpus / "good")
    shutil.copytree(REPO / "examples", corpus / "examples")
    # short reports in several batches, so that a run lasts long enough to be cut in many places
    # and the kills fall before, during and after the writes of the batches
    with (corpus / "bulk.jsonl").open("w", encoding="utf-8") as fh:
        for i in range(BULK_REPORTS):
            title, text = GOOD_REPORTS[i % len(GOOD_REPORTS)]
            fh.write(json.dumps({"id": f"bulk-{i}", "title": f"{title} {i}",
                                 "text": f"{text} It was report {i}."}) + "\n")
    command = ["ingest", str(corpus), "--workers", "2"]

    clean_db = work / "clean.duckdb"
    started = time.monotonic()
    clean = subprocess.run([*CLI, *command, "--db", str(clean_db)], cwd=REPO, capture_output=True,
                           text=True, timeout=3600)
    clean_seconds = time.monotonic() - started
    expected = _snapshot(clean_db)

    # Cycles of KILLS_PER_CYCLE cuts, each into a new database, then a run to the end compared
    # with the clean run. A run is cut at a random point of the time a whole run took last (the
    # clean run at first; a run has less left to do after each cut); one that ended before its
    # cut does not count. Several short cycles put the cuts at every stage (start-up, reading,
    # analysis, the writes of each batch, clustering, compaction), which one long series would
    # not: after a few cuts there would be nothing left to write.
    rng = random.Random(seed)
    cuts: list[tuple[float, str]] = []  # (seconds, documents stored after the kill)
    ended, cycles, unequal, finals = 0, 0, [], []
    while len(cuts) < kills and ended < 3 * kills:
        cycles += 1
        db = work / f"killed-{cycles}.duckdb"
        reference, in_cycle = clean_seconds, 0
        while in_cycle < min(KILLS_PER_CYCLE, kills - len(cuts)) and ended < 3 * kills:
            at = rng.uniform(0.02, 1.0) * reference
            started = time.monotonic()
            process = subprocess.Popen([*CLI, *command, "--db", str(db)], cwd=REPO,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                       start_new_session=True)
            try:
                process.wait(timeout=at)
                ended += 1
                reference = time.monotonic() - started
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # the ingest and its worker processes
                process.wait()
                cuts.append((at, _stored(db)))
                in_cycle += 1
        final = subprocess.run([*CLI, *command, "--db", str(db)], cwd=REPO, capture_output=True,
                               text=True, timeout=3600)
        finals.append(final.returncode)
        got = _snapshot(db)
        unequal += [name for name in expected if got[name] != expected[name]]
    counts = ", ".join(f"{n} {len(expected[n])}" for n in ("documents", "entities", "events",
                                                          "clusters", "ingest_errors"))
    rows = ["| kill -9 loop | result |", "|---|---|",
            f"| corpus | examples/, {len(GOOD_REPORTS) * 2 + 1} good reports in three formats, "
            f"{BULK_REPORTS} JSON Lines reports |",
            f"| clean run (`chronicle {' '.join(command[:1] + ['CORPUS'] + command[2:])}`) | "
            f"exit {clean.returncode}, {clean_seconds:.0f} s; {counts} |",
            f"| runs killed with SIGKILL (process group: the ingest and its workers) | {len(cuts)} "
            f"in {cycles} cycles of up to {KILLS_PER_CYCLE}, each into a new database (and {ended} "
            "runs that ended before their cut) |",
            "| cut after (s) → documents stored just after | "
            + ", ".join(f"{at:.1f} → {n}" for at, n in cuts) + " |",
            f"| each cycle's run to the end after its kills | exit {', '.join(map(str, finals))} |",
            f"| its database equals the clean run's (rows of every table: ids, counts, flags, "
            f"clusters) | " + ("yes, every table, every cycle" if not unequal else
                              "NO: " + ", ".join(sorted(set(unequal)))) + " |"]
    return rows, len(cuts), not unequal and len(cuts) >= kills


def _commit() -> str:
    if os.environ.get("FUZZ_COMMIT"):  # a copy of the repository without .git
        return os.environ["FUZZ_COMMIT"]
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                              text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                               capture_output=True, text=True).stdout.strip()
    except OSError:
        return "unknown"
    return f"{head}{' (with uncommitted changes)' if dirty else ''}" or "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=1700)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--skip", choices=["hypothesis", "corpus", "kill"], action="append",
                        default=[])
    args = parser.parse_args()
    print(f"machine: {machine()}\ncommit: {_commit()}\n", flush=True)
    parts = {"hypothesis": ("generated inputs", lambda work: hypothesis_part(args.examples)),
             "corpus": ("hostile files", corpus_part),
             "kill": ("kill -9s", lambda work: kill_part(work, args.kills, args.seed))}
    summary = ["| part | count | passed | seconds |", "|---|---:|---|---:|"]
    ok = True
    with tempfile.TemporaryDirectory(prefix="chronicle-fuzz-") as tmp:
        for name, (what, part) in parts.items():
            if name in args.skip:
                continue
            started = time.monotonic()
            rows, count, part_ok = part(Path(tmp))
            ok = ok and part_ok
            print("\n".join(rows) + "\n", flush=True)
            summary.append(f"| {name} | {count:,} {what} | {'yes' if part_ok else '**NO**'} | "
                           f"{time.monotonic() - started:.0f} |")
    print("\n".join(summary) + "\n")
    print("fuzz: all parts passed" if ok else "fuzz: FAILURES above")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
