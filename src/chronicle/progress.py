"""Ingest progress on stderr: a live bar with a total, a rate and an ETA on a terminal; a plain line
now and then when stderr is a log file or a pipe (no escape codes, no redrawing).

The total is the inputs' files and bytes, known before reading (`ingest.input_files`); what is
done is told by the pipeline (`RunReport.position`: every input before that one is read, analysed
and stored), so the bar moves by bytes of finished inputs while the counts beside it say what is
read and stored so far — a run that is still loading its models shows "40 read, 0 stored", not
"0 documents". A run whose size is not known (stdin, a cluster) shows the counts and a rate only.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from itertools import accumulate

PLAIN_EVERY = 30.0  # seconds between two plain lines in a log


def _sizes(done: int, total: int) -> str:
    """'0.4/1.2 MB', in the unit that suits the total."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6)):
        if total >= scale:
            return f"{done / scale:.1f}/{total / scale:.1f} {unit}"
    return f"{done / 1e3:.0f}/{total / 1e3:.0f} kB" if total >= 10_000 else f"{done:,}/{total:,} bytes"


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "-:--:--"
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class IngestProgress:
    """`with IngestProgress(console, "reading", paths) as progress: run(..., on_progress=progress.update)`."""

    def __init__(self, console, label: str, paths: Iterable[str] | None = None, *,
                 plain_every: float = PLAIN_EVERY, clock: Callable[[], float] = time.monotonic):
        self.console, self.label, self.clock = console, label, clock
        self.plain_every = plain_every
        self.files: list[str] = []
        sizes: list[int] = []
        if paths is not None:
            from .ingest import input_files

            for path in input_files(list(paths)):
                try:
                    sizes.append(os.path.getsize(path))
                except OSError:
                    continue
                self.files.append(path)
        self._index = {path: i for i, path in enumerate(self.files)}
        self._bytes_before = [0] + list(accumulate(sizes))  # bytes of the files before index i
        self.total_bytes = self._bytes_before[-1]
        self.known = bool(self.files) and "-" not in (paths or ())
        self.started = clock()
        self._last_plain = self.started
        self.bar = None
        self.state = {"files": 0, "bytes": 0, "read": 0, "stored": 0, "errors": 0}
        if console.is_terminal:
            from rich.progress import (BarColumn, Progress, SpinnerColumn, TaskProgressColumn,
                                       TextColumn, TimeElapsedColumn, TimeRemainingColumn)

            columns = [SpinnerColumn(), TextColumn(label)]
            if self.known:
                columns += [BarColumn(), TaskProgressColumn(),
                            TextColumn("{task.fields[files]} · {task.fields[size]}")]
            columns += [TextColumn("{task.fields[counts]} · {task.fields[rate]}"), TimeElapsedColumn()]
            if self.known:
                columns += [TextColumn("ETA"), TimeRemainingColumn()]
            self.bar = Progress(*columns, console=console, transient=True)
            self.task = self.bar.add_task(label, total=self.total_bytes if self.known else None,
                                          **self._fields())

    # --- what is done ------------------------------------------------------------------------

    def _done(self, report) -> tuple[int, int]:
        """(files, bytes) finished: every input before the report's position."""
        position = getattr(report, "position", None)
        if not self.known or position is None:
            return self.state["files"], self.state["bytes"]
        i = self._index.get(position)
        if i is None:  # an input we did not list (a missing path): keep what we knew
            return self.state["files"], self.state["bytes"]
        return i, self._bytes_before[i]

    def _rate(self) -> float:
        elapsed = self.clock() - self.started
        return self.state["stored"] / elapsed if elapsed > 0 else 0.0

    def eta(self) -> float | None:
        """Seconds left, from the average speed in bytes so far (None until an input is done)."""
        done = self.state["bytes"]
        elapsed = self.clock() - self.started
        if not self.known or done <= 0 or elapsed <= 0:
            return None
        return (self.total_bytes - done) * elapsed / done

    def _fields(self) -> dict:
        s = self.state
        return {"files": f"{s['files']}/{len(self.files)} files",
                "size": _sizes(s["bytes"], self.total_bytes),
                "counts": f"{s['read']} read, {s['stored']} stored, {s['errors']} errors",
                "rate": f"{self._rate():.1f} documents/s"}

    def line(self) -> str:
        """The plain line a log gets."""
        f = self._fields()
        parts = [f"{self.label}:"]
        if self.known:
            share = self.state["bytes"] / self.total_bytes if self.total_bytes else 0.0
            parts.append(f"{f['files']} ({f['size']}, {share:.0%}),")
        parts.append(f"{f['counts']}, {f['rate']}, {_clock(self.clock() - self.started)} elapsed")
        if self.known:
            parts.append(f"ETA {_clock(self.eta())}")
        return " ".join(parts)

    # --- the callback ------------------------------------------------------------------------

    def update(self, report) -> None:
        files, size = self._done(report)
        self.state.update(files=files, bytes=size, read=report.read, errors=len(report.errors),
                          stored=report.written + report.unchanged)
        if self.bar is not None:
            self.bar.update(self.task, completed=size, **self._fields())
        elif self.plain_every is not None and self.clock() - self._last_plain >= self.plain_every:
            self._last_plain = self.clock()
            self.console.print(self.line(), highlight=False, markup=False, soft_wrap=True)

    def __enter__(self):
        if self.bar is not None:
            self.bar.start()
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()
