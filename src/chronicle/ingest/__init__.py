"""Ingest: files, folders and stdin -> Documents holding the raw article text.

The first stage of the pipeline. One reader per input format lives beside this file (``txt``,
``html``, ``warc``, ``feeds``, ``jsonl``); ``read`` picks one by file extension. A bad input never
stops the batch: it becomes an IngestError with a one-line reason, and reading goes on.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, TextIO

from chronicle.ingest.common import STDIN_NAME, Skips, UnreadableInput, crash_reason, make_valid
from chronicle.record import Document, IngestError

if TYPE_CHECKING:
    from chronicle.ingest.html import html_to_document

__all__ = ["read", "html_to_document", "SUPPORTED_EXTENSIONS", "UnreadableInput"]

_Result = Document | IngestError

# File suffix -> (module in this package, reader in it). Longest suffix first, so "x.warc.gz" is a
# WARC and not an unknown ".gz". The modules are imported on first use: trafilatura, feedparser
# and warcio take a third of a second to import, which `chronicle --help` should not pay.
_READERS: dict[str, tuple[str, str]] = {
    ".warc.gz": ("warc", "read_warc"),
    ".warc": ("warc", "read_warc"),
    ".txt": ("txt", "read_txt"),
    ".html": ("html", "read_html"),
    ".htm": ("html", "read_html"),
    ".rss": ("feeds", "read_feed"),
    ".atom": ("feeds", "read_feed"),
    ".xml": ("feeds", "read_feed"),
    ".jsonl": ("jsonl", "read_jsonl"),
}
SUPPORTED_EXTENSIONS = tuple(_READERS)


def __getattr__(name: str):
    if name == "html_to_document":
        return _load("html", "html_to_document")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _load(module: str, function: str) -> Callable:
    return getattr(importlib.import_module(f"{__name__}.{module}"), function)


def read(
    paths: Iterable[str],
    *,
    date: str | None = None,
    stdin: TextIO | None = None,
    max_bytes: int = 10_000_000,
    stats: dict | None = None,
) -> Iterator[Document | IngestError]:
    """Read files, folders (recursively, in sorted order) or ``-`` (JSON Lines on ``stdin``).

    Yields Documents with raw text, and an IngestError for each input, or item inside an input,
    that could not be read. ``date`` (YYYY-MM-DD) is the publication date of documents whose input
    gives none. When ``stats`` is a dict, ``stats["skipped"]`` counts inputs passed over on purpose
    (WARC request/metadata records, non-HTML responses, unsupported files inside folders) by reason.

    Raises ValueError at once for a malformed ``date``: that is a mistake in the call, not in the
    input.
    """
    fallback_date = _checked_date(date)
    if isinstance(paths, str):
        paths = [paths]  # a lone path would otherwise be read as a list of one-letter paths
    return _read_all(paths, fallback_date, stdin, max_bytes, Skips(stats))


def _read_all(
    paths: Iterable[str],
    fallback_date: str | None,
    stdin: TextIO | None,
    max_bytes: int,
    skips: Skips,
) -> Iterator[_Result]:
    for given in paths:
        if given == "-":
            stream = stdin if stdin is not None else sys.stdin
            read_stream = _load("jsonl", "read_jsonl_stream")
            results = _guarded(STDIN_NAME, read_stream(stream, max_bytes=max_bytes))
        else:
            results = _read_path(str(given), max_bytes, skips)
        for result in results:
            result = make_valid(result)  # before it goes anywhere: the store, JSON, the analysis
            if isinstance(result, Document) and result.published is None:
                result.published = fallback_date
            yield result


def _read_path(given: str, max_bytes: int, skips: Skips) -> Iterator[_Result]:
    if os.path.isdir(given):
        for path in _files_in(given, skips):
            yield from _guarded(path, _start(path, max_bytes, skips))
        return
    if not os.path.exists(given):
        yield IngestError(path=given, reason="no such file or directory")
        return
    if _reader_for(given) is None:
        yield IngestError(
            path=given,
            reason=f"unsupported file type; expected one of {', '.join(SUPPORTED_EXTENSIONS)}",
        )
        return
    yield from _guarded(given, _start(given, max_bytes, skips))


def _start(path: str, max_bytes: int, skips: Skips) -> Iterator[_Result]:
    module, function = _reader_for(path)
    reader = _load(module, function)
    if module == "warc":  # the only reader that passes over records on purpose
        return reader(path, max_bytes=max_bytes, skips=skips)
    return reader(path, max_bytes=max_bytes)


def _reader_for(path: str) -> tuple[str, str] | None:
    name = os.path.basename(path).lower()
    for suffix, reader in _READERS.items():
        if name.endswith(suffix):
            return reader
    return None


def input_files(paths: Iterable[str]) -> list[str]:
    """The files ``read(paths)`` opens, in the order it opens them: folders expanded as it
    expands them; ``-`` and paths that do not exist are left out. For callers that must know the
    inputs before reading (a progress bar's total, a watcher's list of new files)."""
    found: list[str] = []
    for given in [paths] if isinstance(paths, str) else paths:
        given = str(given)
        if given == "-":
            continue
        if os.path.isdir(given):
            found += _files_in(given, Skips(None))
        elif os.path.isfile(given):
            found.append(given)
    return found


def _files_in(folder: str, skips: Skips) -> list[str]:
    """Supported files under ``folder``, sorted by path; hidden files and folders are ignored."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if name.startswith("."):
                continue
            path = os.path.join(root, name)
            if _reader_for(path) is None:
                suffix = os.path.splitext(name)[1].lower()
                skips(f"unsupported file type ({suffix or 'no extension'})")
            else:
                found.append(path)
    return sorted(found, key=lambda path: os.path.relpath(path, folder).split(os.sep))


def _guarded(path: str, results: Iterator[_Result]) -> Iterator[_Result]:
    """Run one reader; whatever stops it becomes an IngestError for this input only."""
    try:
        yield from results
    except UnreadableInput as exc:
        yield IngestError(path=path, reason=str(exc))
    except OSError as exc:
        yield IngestError(path=path, reason=(exc.strerror or str(exc)).lower())
    except Exception as exc:  # noqa: BLE001
        # The libraries underneath (lxml, trafilatura, warcio, feedparser) can fail in ways of
        # their own on odd inputs; one such file must not end a batch of thousands.
        yield IngestError(path=path, reason=crash_reason(exc))


def _checked_date(date: str | None) -> str | None:
    if date is None:
        return None
    try:
        parsed = dt.date.fromisoformat(date)
    except (TypeError, ValueError):
        parsed = None
    if parsed is None or parsed.isoformat() != date:
        raise ValueError(f"date must be a day written YYYY-MM-DD (e.g. 2022-01-07), not {date!r}")
    return date
