"""WARC / WARC.gz archives -> one Document per HTML response record.

``published`` is the page's own date when its metadata has one, else the day of WARC-Date. The
crawl date is only an upper bound on the publication date, but for news crawled as it appears it
is close, and it is what the input says; the caller's ``date=`` applies only when both are missing.

Records that are not HTML pages (requests, metadata, redirects, images ...) are skipped and
counted in ``stats["skipped"]``. A page that cannot be read is an IngestError for that record and
the rest of the archive is still read. Damage to the archive itself (a clipped download, garbage
in the middle) ends the reading there: everything before it is kept and one IngestError says where
it broke.
"""

from __future__ import annotations

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
_HTML_TYPES = {"text/html", "application/xhtml+xml"}
_CHUNK = 1 << 16


class _TolerantGunzip:
    """Reads a multi-member gzip stream and ends cleanly where a truncated file breaks off.

    warcio reads a clipped .warc.gz without complaint, so it cannot tell us about the break; and
    Python's gzip module raises EOFError inside a buffered read, losing the bytes before the break.
    This reader hands out every byte that can be inflated, then reports end of file and remembers
    that the last gzip member was incomplete.
    """

    def __init__(self, raw: BinaryIO):
        self._raw = raw
        self._inflater = None
        self._out = bytearray()
        self._eof = False
        self.truncated = False

    def peek(self, size: int) -> bytes:
        while not self._eof and len(self._out) < size:
            self._inflate_more()
        return bytes(self._out[:size])

    def read(self, size: int = -1) -> bytes:
        while not self._eof and (size < 0 or len(self._out) < size):
            self._inflate_more()
        if size < 0 or size > len(self._out):
            size = len(self._out)
        chunk = bytes(self._out[:size])
        del self._out[:size]
        return chunk

    def _inflate_more(self) -> None:
        data = self._raw.read(_CHUNK)
        if not data:
            self._eof = True
            self.truncated = self._inflater is not None
            return
        while data:
            if self._inflater is None:
                if not data.strip(b"\x00"):
                    break  # some writers pad the file with NULs after the last member
                self._inflater = zlib.decompressobj(wbits=31)
            self._out += self._inflater.decompress(data)
            if not self._inflater.eof:
                break
            data = self._inflater.unused_data
            self._inflater = None


def read_warc(path: str, *, max_bytes: int, skips: Skips) -> Iterator[Document | IngestError]:
    with open(path, "rb") as raw:
        head = raw.read(2)
        if not head:
            raise UnreadableInput("the file is empty")
        raw.seek(0)
        gzipped = head == _GZIP_MAGIC
        if gzipped:
            stream = _TolerantGunzip(raw)
            try:
                start = stream.peek(64)
            except zlib.error as exc:
                raise UnreadableInput(f"not a readable gzip file ({_one_line(exc)})") from exc
        else:
            stream, start = raw, raw.read(64)
            raw.seek(0)
        if not start.lstrip(b"\r\n").startswith(b"WARC/"):
            raise UnreadableInput("not a WARC file: it does not start with a WARC/1.x header")
        complete = 0  # records read to their end
        cut_off = None  # the record the file breaks off in
        kept_cut_off = False
        try:
            for record in WARCIterator(stream):
                try:
                    result = _record_to_document(record, path, max_bytes, skips)
                except Exception as exc:  # noqa: BLE001
                    # One page that breaks the HTML libraries must not cost the rest of the archive.
                    uri = record.rec_headers.get_header("WARC-Target-URI")
                    result = IngestError(path=path, reason=crash_reason(exc), item=uri)
                if _unread_bytes(record) > 0:
                    uri = record.rec_headers.get_header("WARC-Target-URI")
                    cut_off = uri or f"record {complete + 1}"
                    if isinstance(result, Document):
                        _mark_cut_off(result, record)
                        kept_cut_off = True
                else:
                    complete += 1
                if result is not None:
                    yield result
                if cut_off:
                    break
        # warcio meets a record whose headers are cut or mangled with AttributeError as often as
        # with its own exceptions.
        except (
            ArchiveLoadFailed,
            StatusAndHeadersParserException,
            zlib.error,
            ValueError,
            AttributeError,
        ) as exc:
            if complete == 0:
                raise UnreadableInput(f"not a readable WARC file: {_one_line(exc)}") from exc
            yield IngestError(
                path=path,
                reason=f"unreadable WARC data after {complete} records ({_one_line(exc)}); "
                "kept what was readable",
            )
            return
        if cut_off or (gzipped and stream.truncated):
            kind = "truncated gzip" if gzipped else "truncated WARC file"
            reason = (
                f"{kind}: the file breaks off after {complete} complete records; "
                "kept what was readable"
            )
            if kept_cut_off:
                reason += f", including the cut-off page {cut_off} (marked truncated)"
            yield IngestError(path=path, reason=reason, item=cut_off)


def _unread_bytes(record) -> int:
    """Bytes of the record's declared length that the file does not have (0 for a whole record)."""
    block = record.raw_stream
    while block.read(_CHUNK):
        pass
    return getattr(block, "limit", 0)


def _record_to_document(record, path: str, max_bytes: int, skips: Skips):
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
    length = int(record.rec_headers.get_header("Content-Length") or 0)
    too_big = size_limit_reason(length, max_bytes)
    if too_big:
        return IngestError(path=path, reason=too_big, item=uri)
    try:
        body = record.content_stream().read()
    except (zlib.error, OSError, ValueError) as exc:
        # A bad Content-Encoding or chunking in one response spoils that page only.
        return IngestError(path=path, reason=f"unreadable HTTP body: {_one_line(exc)}", item=uri)
    try:
        text = decode_text(body, declared=http_charset(content_type) or declared_html_charset(body))
        doc = html_to_document(text, url=uri, path=path, fmt="warc")
    except UnreadableInput as exc:
        return IngestError(path=path, reason=str(exc), item=uri)
    doc.published = doc.published or iso_day(record.rec_headers.get_header("WARC-Date"))
    return doc


def _mark_cut_off(doc: Document, record) -> None:
    declared = int(record.rec_headers.get_header("Content-Length") or 0)
    missing = _unread_bytes(record)
    doc.flags.truncated = True
    doc.errors.append(
        "WARC record cut off by the end of the file: "
        f"{declared - missing:,} of {declared:,} bytes read"
    )


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, AttributeError):  # warcio's way of failing on a header it cannot parse
        return "malformed or cut-off record headers"
    return " ".join(str(exc).split()) or type(exc).__name__
