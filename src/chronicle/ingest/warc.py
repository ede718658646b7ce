"""WARC / WARC.gz archives -> one Document per HTML response record.

``published`` is the page's own date when its metadata has one, else the day of WARC-Date. The
crawl date is only an upper bound on the publication date, but for news crawled as it appears it
is close, and it is what the input says; the caller's ``date=`` applies only when both are missing.

Records that are not HTML pages (requests, metadata, redirects, images ...) are skipped and
counted in ``stats["skipped"]``. A page that cannot be read is an IngestError for that record and
the rest of the archive is still read.

Damage to the archive itself costs only the damaged part. The records are framed here (version
line, headers, ``Content-Length`` bytes of block) rather than by warcio, so that after garbage, a
corrupt gzip member or a record whose length is impossible, reading resumes at the next record
(the next gzip member, the next line starting ``WARC/1.``), and every readable record before and
after the damage is kept; each damaged stretch is one IngestError saying where. A file that breaks
off keeps what was readable, the cut-off page marked truncated. warcio still reads each record's
HTTP headers and body (chunking, Content-Encoding).

Nothing is decompressed without a bound: gzip members are inflated in slices, a record larger than
``max_bytes`` is skipped by streaming past it, an HTTP body is read to at most ``max_bytes`` after
its Content-Encoding is undone, and an archive that inflates to hundreds of times its size (a gzip
bomb) is stopped.
"""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Iterator
from typing import BinaryIO

from warcio.archiveiterator import WARCIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeadersParserException

from chronicle.ingest.common import (
    Skips,
    UnreadableInput,
    crash_reason,
    declared_html_charset,
    decode_text,
    http_charset,
    iso_day,
    size_limit_reason,
)
from chronicle.ingest.html import html_to_document
from chronicle.record import Document, IngestError

_GZIP_MAGIC = b"\x1f\x8b"
_MEMBER_START = b"\x1f\x8b\x08"  # magic + deflate: where a gzip member can begin
_HTML_TYPES = {"text/html", "application/xhtml+xml"}
_CHUNK = 1 << 16
_MAX_INFLATE = 1 << 20  # bytes inflated per step: a bomb member never inflates at once
# Real crawls deflate 3-20x; past this the "archive" is a decompression bomb.
_MAX_RATIO = 250
_MAX_HEADER_BYTES = 1 << 16  # a record's WARC headers; more is garbage, not a header
_RECORD_START = re.compile(rb"(?:^|\n)(WARC/1\.\d)\r?\n")
_CONTENT_LENGTH = re.compile(rb"^content-length[ \t]*:[ \t]*(\S*)[ \t]*\r?$", re.I | re.M)


class _Damage(Exception):
    """Part of the archive that cannot be read; the reading resumes after it."""


class _Gunzip:
    """Inflates a multi-member gzip file in bounded slices, one stretch of good members at a time.

    ``read`` returns b"" at the end of the file or where a member is corrupt (``damage`` then says
    why); ``next_stretch`` moves on to the next gzip member after the damage. ``truncated`` tells
    that the file ends inside a member.
    """

    def __init__(self, raw: BinaryIO):
        self._raw = raw
        self._inflater = None
        self._tail = b""  # raw bytes read but not yet inflated (always a suffix of what was read)
        self._out = bytearray()
        self._member_start = 0
        self._in = self._made = 0
        self.eof = False
        self.truncated = False
        self.damage: str | None = None

    def read(self, size: int) -> bytes:
        while not self.eof and self.damage is None and len(self._out) < size:
            self._inflate_more()
        chunk = bytes(self._out[:size])
        del self._out[:size]
        return chunk

    def _inflate_more(self) -> None:
        data = self._tail or self._raw.read(_CHUNK)
        self._tail = b""
        if not data:
            self.eof = True
            self.truncated = self._inflater is not None
            return
        if self._inflater is None:
            stripped = data.lstrip(b"\x00")  # some writers pad the file with NULs
            if not stripped:
                return
            self._member_start = self._raw.tell() - len(stripped)
            if not stripped.startswith(_GZIP_MAGIC):
                self._tail = stripped
                self.damage = "bytes that are not gzip between members"
                return
            data = stripped
            self._inflater = zlib.decompressobj(wbits=31)
        try:
            out = self._inflater.decompress(data, _MAX_INFLATE)
        except zlib.error as exc:
            self._inflater = None
            self.damage = f"corrupt gzip member ({' '.join(str(exc).split())})"
            return
        self._out += out
        self._made += len(out)
        if self._inflater.eof:
            self._tail = self._inflater.unused_data
            self._inflater = None
        else:
            self._tail = self._inflater.unconsumed_tail
        self._in = self._raw.tell() - len(self._tail)
        if self._made > _MAX_RATIO * self._in + (64 << 20):
            self.eof = True
            self._out.clear()
            raise UnreadableInput(
                f"the archive inflates to over {_MAX_RATIO} times its size (a decompression "
                "bomb?); stopped reading it")

    def next_stretch(self) -> bool:
        """After damage: go to the next gzip member (False when there is none)."""
        self._out.clear()
        self.damage = None
        self._inflater = None
        self._tail = b""
        self._raw.seek(self._member_start + 1)
        carry = b""
        while True:
            data = self._raw.read(_CHUNK)
            if not data:
                self.eof = True
                return False
            window = carry + data
            found = window.find(_MEMBER_START)
            if found >= 0:
                self._raw.seek(self._raw.tell() - len(window) + found)
                return True
            carry = window[-(len(_MEMBER_START) - 1):]


class _Plain:
    """An uncompressed WARC file, read in the same way as `_Gunzip` (it has one stretch)."""

    def __init__(self, raw: BinaryIO):
        self._raw = raw
        self.eof = self.truncated = False
        self.damage = None

    def read(self, size: int) -> bytes:
        data = self._raw.read(size)
        self.eof = not data
        return data

    def next_stretch(self) -> bool:
        return False


class _Framer:
    """Splits a stretch of WARC bytes into records: (headers, block, declared length)."""

    def __init__(self, source):
        self.source = source
        self.buf = bytearray()
        self.offset = 0  # bytes of the stretch consumed so far

    def _fill(self, size: int) -> bool:
        while len(self.buf) < size:
            data = self.source.read(max(_CHUNK, size - len(self.buf)))
            if not data:
                return False
            self.buf += data
        return True

    def _take(self, size: int) -> bytes:
        self._fill(size)
        data = bytes(self.buf[:size])
        del self.buf[:size]
        self.offset += len(data)
        return data

    def skip(self, size: int) -> int:
        skipped = 0
        while skipped < size:
            if not self.buf and not self._fill(1):
                break
            step = min(size - skipped, len(self.buf))
            del self.buf[:step]
            skipped += step
        self.offset += skipped
        return skipped

    def at_end(self) -> bool:
        while True:
            if not self._fill(1):
                return True
            stripped = self.buf.lstrip(b"\r\n")
            self.offset += len(self.buf) - len(stripped)
            self.buf = bytearray(stripped)
            if self.buf:
                return False

    def starts_record(self) -> bool:
        self._fill(16)
        return bool(_RECORD_START.match(self.buf[:16]))

    def skip_to_record(self) -> int:
        """Discard bytes up to the next line that starts a record; how many were discarded."""
        skipped = 0
        while True:
            found = _RECORD_START.search(self.buf, 1)
            if found:
                start = found.start(1)
                del self.buf[:start]
                self.offset += start
                return skipped + start
            keep = min(len(self.buf), 16)  # a version line split between two reads
            drop = len(self.buf) - keep
            del self.buf[:drop]
            self.offset += drop
            skipped += drop
            if not self._fill(len(self.buf) + 1):
                skipped += len(self.buf)
                self.offset += len(self.buf)
                self.buf.clear()
                return skipped

    def headers(self) -> bytes | None:
        """The record's WARC headers up to and including the blank line; None if there is none
        within `_MAX_HEADER_BYTES` (garbage, or the stretch ends)."""
        searched = 0
        while True:
            end = self.buf.find(b"\r\n\r\n", max(0, searched - 3))
            size = 4
            if end < 0:
                end = self.buf.find(b"\n\n", max(0, searched - 1))
                size = 2
            if 0 <= end < _MAX_HEADER_BYTES:
                return self._take(end + size)
            searched = len(self.buf)
            if searched >= _MAX_HEADER_BYTES or not self._fill(searched + 1):
                return None


def read_warc(path: str, *, max_bytes: int, skips: Skips) -> Iterator[Document | IngestError]:
    with open(path, "rb") as raw:
        head = raw.read(2)
        if not head:
            raise UnreadableInput("the file is empty")
        raw.seek(0)
        gzipped = head == _GZIP_MAGIC
        source = _Gunzip(raw) if gzipped else _Plain(raw)
        framer = _Framer(source)
        damaged = []
        if framer.at_end() and gzipped and source.damage:
            # the first member is corrupt: the archive may still hold good members after it
            damaged.append(f"{source.damage} at the start")
            if not source.next_stretch():
                raise UnreadableInput(f"not a readable gzip file ({damaged[0]})")
            framer = _Framer(source)
            if not framer.at_end() and not framer.starts_record():
                framer.skip_to_record()
        elif not framer.starts_record():
            raise UnreadableInput("not a WARC file: it does not start with a WARC/1.x header")
        yield from _read_records(framer, source, path, max_bytes, skips, gzipped, damaged)


def _read_records(framer: _Framer, source, path: str, max_bytes: int, skips: Skips,
                  gzipped: bool, damaged: list[str]) -> Iterator[Document | IngestError]:
    complete = 0  # records read to their end
    found_any = False  # a record whose headers could be read
    while True:
        if framer.at_end():
            if source.damage:
                damaged.append(f"{source.damage} after record {complete}")
                if source.next_stretch():
                    framer = _Framer(source)
                    if not framer.at_end() and not framer.starts_record():
                        framer.skip_to_record()
                    continue
            break
        if not framer.starts_record():
            skipped = framer.skip_to_record()
            damaged.append(f"{skipped:,} bytes of unreadable data "
                           + (f"after record {complete}" if complete else "before the first record"))
            continue
        headers = framer.headers()
        if headers is None:
            if framer.at_end() and not source.damage:
                damaged.append(f"the file breaks off in the headers of record {complete + 1}")
                break
            framer.skip(1)  # not a header after all: look for the next record after its first byte
            damaged.append(f"record {complete + 1} has unreadable headers")
            continue
        found_any = True
        try:
            length = _declared_length(headers)
        except _Damage as exc:
            damaged.append(f"record {complete + 1} {exc}")
            continue  # its block, if any, is skipped as garbage up to the next record
        result, complete_now = _read_one(framer, headers, length, path, max_bytes, skips)
        if result is not None:
            yield result
        if complete_now:
            complete += 1
        else:  # the stretch ends inside this record
            cut_off = result.source.url if isinstance(result, Document) else None
            where = ("the file breaks off" if source.eof and not source.damage
                     else f"{source.damage or 'damage'}")
            kind = "truncated gzip" if gzipped and source.eof else "truncated WARC file"
            if source.eof and not source.damage:
                reason = (f"{kind}: the file breaks off after {_records(complete, 'complete')}; "
                          "kept what was readable")
                if cut_off:
                    reason += f", including the cut-off page {cut_off} (marked truncated)"
                yield IngestError(path=path, reason=reason, item=cut_off)
                return
            damaged.append(f"record {complete + 1} cut off by {where}")
    if not found_any:
        raise UnreadableInput("not a readable WARC file: no record could be read"
                              + (f" ({damaged[0]})" if damaged else ""))
    if gzipped and source.truncated:
        damaged.append("the file breaks off inside a gzip member")
    if damaged:
        more = f" (and {len(damaged) - 3} more)" if len(damaged) > 3 else ""
        yield IngestError(
            path=path,
            reason=f"damaged WARC: {'; '.join(damaged[:3])}{more}; kept the "
                   f"{_records(complete, 'readable')} before and after",
        )


def _records(n: int, kind: str) -> str:
    return f"{n:,} {kind} record" + ("" if n == 1 else "s")


def _declared_length(headers: bytes) -> int:
    found = _CONTENT_LENGTH.search(headers)
    if not found:
        raise _Damage("has no Content-Length header")
    value = found.group(1)
    if not value.isdigit():
        raise _Damage(f"has an invalid Content-Length ({value[:40].decode('latin-1')!r})")
    if len(value) > 15:  # a petabyte: no archive holds such a record
        raise _Damage(f"declares an impossible Content-Length ({len(value)} digits)")
    return int(value)


def _read_one(framer: _Framer, headers: bytes, length: int, path: str, max_bytes: int,
              skips: Skips):
    """(Document, IngestError or None, whether the record was whole)."""
    # A record over the limit: enough of its block for the HTTP headers (to say what was
    # skipped), then stream past the rest.
    block = framer._take(min(length, _MAX_HEADER_BYTES) if length > max_bytes else length)
    got = len(block) + (framer.skip(length - len(block)) if length > max_bytes else 0)
    whole = got == length
    try:
        record = next(iter(WARCIterator(io.BytesIO(headers + block), ensure_http_headers=False)))
    except StopIteration:
        return None, whole
    except (ArchiveLoadFailed, StatusAndHeadersParserException, ValueError, AttributeError,
            zlib.error) as exc:
        return IngestError(path=path, reason=f"unreadable WARC record: {_one_line(exc)}"), whole
    try:
        result = _record_to_document(record, path, max_bytes, skips, length)
    except Exception as exc:  # noqa: BLE001
        # One page that breaks the HTML libraries must not cost the rest of the archive.
        uri = record.rec_headers.get_header("WARC-Target-URI")
        result = IngestError(path=path, reason=crash_reason(exc), item=uri)
    if not whole and isinstance(result, Document) and length <= max_bytes:
        _mark_cut_off(result, length, len(block))
    return result, whole


def _record_to_document(record, path: str, max_bytes: int, skips: Skips, length: int):
    if record.rec_type != "response":
        skips(f"WARC {record.rec_type} record")
        return None
    http = record.http_headers
    if http is None:
        skips("WARC response without HTTP headers")  # dns:, ftp: and similar captures
        return None
    status = http.get_statuscode() or ""
    if not status.startswith("2"):
        skips(f"HTTP {status or 'unknown status'} response")
        return None
    content_type = http.get_header("Content-Type") or ""
    if content_type.split(";")[0].strip().lower() not in _HTML_TYPES:
        skips("non-HTML response")
        return None
    uri = record.rec_headers.get_header("WARC-Target-URI")
    too_big = size_limit_reason(length, max_bytes)
    if too_big:
        return IngestError(path=path, reason=too_big, item=uri)
    try:
        # at most max_bytes once the Content-Encoding (gzip, deflate) is undone: a small record
        # can inflate to gigabytes
        body = record.content_stream().read(max_bytes + 1)
    except (zlib.error, OSError, ValueError, EOFError) as exc:
        # A bad Content-Encoding or chunking in one response spoils that page only.
        return IngestError(path=path, reason=f"unreadable HTTP body: {_one_line(exc)}", item=uri)
    if len(body) > max_bytes:
        encoding = http.get_header("Content-Encoding") or "transfer"
        limit = size_limit_reason(max_bytes + 1, max_bytes).split(", over ")[1]
        return IngestError(path=path, item=uri,
                           reason=f"page is over {limit} once its {encoding} encoding is undone")
    try:
        text = decode_text(body, declared=http_charset(content_type) or declared_html_charset(body))
        doc = html_to_document(text, url=uri, path=path, fmt="warc")
    except UnreadableInput as exc:
        return IngestError(path=path, reason=str(exc), item=uri)
    doc.published = doc.published or iso_day(record.rec_headers.get_header("WARC-Date"))
    return doc


def _mark_cut_off(doc: Document, declared: int, read: int) -> None:
    doc.flags.truncated = True
    doc.errors.append(
        "WARC record cut off (the file breaks off or is damaged there): "
        f"{read:,} of {declared:,} bytes read"
    )


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, AttributeError):  # warcio's way of failing on a header it cannot parse
        return "malformed or cut-off record headers"
    return " ".join(str(exc).split()) or type(exc).__name__
