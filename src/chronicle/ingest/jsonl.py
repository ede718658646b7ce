"""JSON Lines -> one Document per line: ``{"id", "text"}`` or ``{"id", "html"}``.

Optional keys: ``date``, ``url``, ``title``, ``language``. What the caller states on a line wins
over what is found in the HTML. A bad line is an IngestError naming its line number; the other
lines are still read.
"""

from __future__ import annotations

import codecs
import io
import json
import os
from collections.abc import Iterable, Iterator
from typing import BinaryIO, TextIO

from chronicle.ingest.common import (
    STDIN_NAME,
    UnreadableInput,
    crash_reason,
    decode_text,
    iso639_1,
    iso_day,
    size_limit_reason,
)
from chronicle.ingest.html import html_to_document
from chronicle.ingest.txt import text_paragraphs
from chronicle.record import Document, IngestError, Source

_CHUNK = 1 << 16

# (line number, the line or None when it is over the size limit, its size in bytes)
_Line = tuple[int, bytes | str | None, int]


def read_jsonl(path: str, *, max_bytes: int) -> Iterator[Document | IngestError]:
    if os.stat(path).st_size == 0:
        raise UnreadableInput("the file is empty")
    with open(path, "rb") as fh:
        yield from _read_lines(_lines(fh, max_bytes), path, max_bytes)


def read_jsonl_stream(stream: TextIO, *, max_bytes: int) -> Iterator[Document | IngestError]:
    # The byte layer, when there is one, lets a line in a wrong encoding fail alone instead of
    # breaking the text layer's iteration for the rest of the stream.
    binary = getattr(stream, "buffer", None)
    if binary is not None:
        lines = _lines(binary, max_bytes)
    else:
        lines = _text_lines(stream, max_bytes)
    yield from _read_lines(lines, STDIN_NAME, max_bytes)


def _read_lines(
    lines: Iterable[_Line], path: str, max_bytes: int
) -> Iterator[Document | IngestError]:
    seen_any = False
    for number, line, size in lines:
        item = f"line {number}"
        if line is None:
            seen_any = True
            reason = size_limit_reason(size, max_bytes, f"line {number}")
            yield IngestError(path=path, reason=reason, item=item)
            continue
        if not line.strip():
            continue
        seen_any = True
        try:
            yield _line_to_document(line, number, path)
        except UnreadableInput as exc:
            yield IngestError(path=path, reason=str(exc), item=item)
        except Exception as exc:  # noqa: BLE001
            # A page that breaks the HTML libraries is that line's problem, not the whole file's.
            yield IngestError(path=path, reason=f"line {number}: {crash_reason(exc)}", item=item)
    if not seen_any:
        raise UnreadableInput("no JSON lines in the input")


def _line_to_document(line: bytes | str, number: int, path: str) -> Document:
    if isinstance(line, bytes):
        try:
            line = decode_text(line)
        except UnreadableInput as exc:
            raise UnreadableInput(f"line {number} is {exc}") from exc
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise UnreadableInput(
            f"line {number} is not valid JSON ({exc.msg} at column {exc.colno})"
        ) from exc
    if not isinstance(obj, dict):
        raise UnreadableInput(f"line {number} is not a JSON object")

    caller_id = obj.get("id")
    if caller_id is None:
        caller_id = ""
    elif isinstance(caller_id, int) and not isinstance(caller_id, bool):
        caller_id = str(caller_id)
    elif not isinstance(caller_id, str):
        raise UnreadableInput(f'line {number}: "id" must be a string')
    url = _string(obj, "url")
    text, html = _string(obj, "text"), _string(obj, "html")

    if text and text.strip():
        doc = Document(id="", text=text_paragraphs(text))
    elif html and html.strip():
        try:
            doc = html_to_document(html, url=url, path=path, fmt="jsonl")
        except UnreadableInput as exc:
            raise UnreadableInput(f"line {number}: {exc}") from exc
    else:
        raise UnreadableInput(f'line {number} has no "text" or "html" string')

    doc.id = caller_id
    doc.source = Source(path=path, url=url or doc.source.url, format="jsonl")
    title = _string(obj, "title")
    if title and title.strip():
        doc.title = " ".join(title.split())
    if obj.get("date") is not None:
        day = iso_day(obj["date"]) if isinstance(obj["date"], str) else None
        if day:
            doc.published = day
        else:
            doc.errors.append(f"ignored the given date {obj['date']!r}: not a YYYY-MM-DD date")
    if obj.get("language") is not None:
        language = iso639_1(obj["language"]) if isinstance(obj["language"], str) else None
        if language:
            doc.language = language
        else:
            doc.errors.append(
                f"ignored the given language {obj['language']!r}: not a language code"
            )
    return doc


def _string(obj: dict, key: str) -> str | None:
    value = obj.get(key)
    return value if isinstance(value, str) else None


# UTF-32 first: its little-endian mark begins with UTF-16's.
_WIDE_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
              (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def _lines(fh: BinaryIO, max_bytes: int) -> Iterator[_Line]:
    """Lines of a byte stream. UTF-16 and UTF-32 (known by their byte-order mark) cannot be split
    on the byte b"\\n", so such a stream is decoded as a whole and split as text."""
    start = _peek(fh, 4096)
    for bom, encoding in _WIDE_BOMS:
        if start.startswith(bom):
            if encoding == "utf-32" and not _decodes_as_utf32(start):
                continue  # UTF-16 whose first character is NUL starts with the same four bytes
            text = io.TextIOWrapper(fh, encoding=encoding, errors="replace", newline=None)
            return _text_lines(text, max_bytes)
    return _binary_lines(fh, max_bytes)


def _decodes_as_utf32(start: bytes) -> bool:
    try:
        start[: len(start) // 4 * 4].decode("utf-32", "surrogatepass")
    except UnicodeDecodeError:
        return False
    return True


def _peek(fh: BinaryIO, size: int) -> bytes:
    peek = getattr(fh, "peek", None)
    if peek is not None:
        return peek(size)[:size]
    if fh.seekable():
        here = fh.tell()
        data = fh.read(size)
        fh.seek(here)
        return data
    return b""  # an unbuffered pipe: read as UTF-8, the JSON Lines default


def _binary_lines(fh: BinaryIO, max_bytes: int) -> Iterator[_Line]:
    number = 0
    while True:
        # readline's limit keeps one enormous line from being loaded whole.
        line = fh.readline(max_bytes + 1)
        if not line:
            return
        number += 1
        if len(line) > max_bytes and not line.endswith(b"\n"):
            size = len(line)
            while not line.endswith(b"\n"):
                line = fh.readline(_CHUNK)
                if not line:
                    break
                size += len(line)
            yield number, None, size
        else:
            yield number, line, len(line)


def _text_lines(stream: TextIO, max_bytes: int) -> Iterator[_Line]:
    number = 0
    while True:
        # a limit in characters: an enormous line is never held whole
        line = stream.readline(max_bytes + 1)
        if not line:
            return
        number += 1
        size = len(line.encode("utf-8", errors="replace"))
        if size > max_bytes:
            while not line.endswith("\n"):
                line = stream.readline(_CHUNK)
                if not line:
                    break
                size += len(line.encode("utf-8", errors="replace"))
            yield number, None, size
        else:
            yield number, line.lstrip("\ufeff") if number == 1 else line, size
