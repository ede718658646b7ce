"""Ingest progress: a total, a rate and an ETA when the inputs' size is known; a live bar on a
terminal, plain lines in a log or a pipe."""

from __future__ import annotations

import io
import re

from rich.console import Console

from chronicle.pipeline import RunReport, run
from chronicle.progress import IngestProgress

REPORT = ("Police in Osh detained {n} traders on Monday, 2 March 2026, after a protest over market "
          "fees, officials said.\n")


def _inputs(folder, n=10):
    folder.mkdir(exist_ok=True)
    paths = []
    for i in range(n):
        path = folder / f"report-{i:02d}.txt"
        path.write_text(REPORT.format(n=i + 2) * (i + 1), encoding="utf-8")
        paths.append(str(path))
    return paths


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def _report(position, read, written, errors=0):
    report = RunReport(read=read, written=written)
    report.position = position
    report.errors = [object()] * errors
    return report


def test_on_a_terminal_the_bar_shows_files_bytes_counts_a_rate_and_an_eta(tmp_path):
    paths = _inputs(tmp_path / "in")
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=240, color_system=None)
    clock = Clock()
    progress = IngestProgress(console, "reading", [str(tmp_path / "in")], clock=clock)
    assert progress.bar is not None and len(progress.files) == 10
    total = sum(len(open(p, "rb").read()) for p in paths)
    assert progress.total_bytes == total

    # the models are loading: 40 documents read, none stored yet — said as such
    progress.update(_report(paths[0], read=40, written=0))
    text = _render(console, out, progress)
    assert "0/10 files" in text and "40 read, 0 stored, 0 errors" in text
    clock.now += 10
    progress.update(_report(paths[5], read=60, written=5, errors=1))
    text = _render(console, out, progress)
    done = sum(len(open(p, "rb").read()) for p in paths[:5])
    assert "5/10 files" in text and f"{done:,}/{total:,} bytes" in text
    assert "60 read, 5 stored, 1 errors" in text and "0.5 documents/s" in text
    assert "ETA" in text and f"{round(100 * done / total)}%" in text
    assert progress.eta() == (total - done) * 10 / done


def _render(console, out, progress) -> str:
    out.seek(0)
    out.truncate()
    console.print(progress.bar.get_renderable())
    return out.getvalue()


def test_in_a_log_or_a_pipe_progress_is_a_plain_line_now_and_then(tmp_path):
    paths = _inputs(tmp_path / "in", n=4)
    out = io.StringIO()
    console = Console(file=out, width=240)  # not a terminal
    clock = Clock()
    progress = IngestProgress(console, "reading", paths, clock=clock, plain_every=30)
    assert progress.bar is None
    progress.update(_report(paths[1], read=2, written=1))
    assert out.getvalue() == ""  # not every batch: a line every 30 s
    clock.now += 31
    progress.update(_report(paths[2], read=3, written=2))
    lines = out.getvalue().splitlines()
    assert len(lines) == 1 and "\x1b" not in lines[0]
    assert re.match(r"^reading: 2/4 files \([\d,]+/[\d,]+ bytes, \d+%\), 3 read, 2 stored, 0 errors, "
                    r"0\.1 documents/s, 0:00:31 elapsed ETA 0:0\d:\d\d$", lines[0]), lines[0]


def test_stdin_has_no_total_but_counts_and_a_rate(tmp_path):
    out = io.StringIO()
    progress = IngestProgress(Console(file=out, force_terminal=True, width=200), "reading", ["-"])
    assert not progress.known
    progress.update(_report(None, read=7, written=3))
    text = _render(progress.console, out, progress)
    assert "7 read, 3 stored" in text and "files" not in text and "ETA" not in text


def test_the_pipeline_tells_which_inputs_are_finished_and_reports_reading_before_analysis(tmp_path):
    paths = _inputs(tmp_path / "in", n=5)
    seen = []

    def on_progress(report):
        seen.append((report.position, report.read, report.written))

    run([str(tmp_path / "in")], lambda docs: None, on_progress=on_progress, batch_size=2,
        sink_batches=True)
    # reading is reported before the batch it filled is analysed
    assert seen[0][1] >= 1 and seen[0][2] == 0
    positions = [p for p, _, written in seen if written]
    order = [paths.index(p) for p in positions]
    assert order == sorted(order) and order[-1] == len(paths) - 1
    # when a batch is stored, every input before the position is finished
    for position, read, written in seen:
        if written and position is not None:
            assert written >= paths.index(position)
