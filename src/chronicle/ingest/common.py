"""Helpers the readers share: turning bytes into text, size limits, dates and language codes."""

from __future__ import annotations

import codecs
import datetime as dt
import os
import re
import unicodedata
from collections import Counter
from email.utils import parsedate_to_datetime

from charset_normalizer import from_bytes


STDIN_NAME = "<stdin>"  # the path carried by documents and errors read from stdin


class UnreadableInput(ValueError):
    """An input (or one item inside a container) that cannot become a Document.

    The message is the one line the user sees as ``IngestError.reason``.
    """


class Skips:
    """Counts inputs that were passed over on purpose (not errors), for ``read(stats=...)``."""

    def __init__(self, stats: dict | None):
        self._counts: Counter | None = None
        if stats is not None:
            self._counts = stats.setdefault("skipped", Counter())

    def __call__(self, reason: str) -> None:
        if self._counts is not None:
            self._counts[reason] = self._counts.get(reason, 0) + 1  # works on a plain dict too


def crash_reason(exc: Exception) -> str:
    """One line for an input on which a parsing library itself failed (lxml, warcio ...)."""
    detail = " ".join(str(exc).split())
    return f"could not be read ({type(exc).__name__}{': ' + detail if detail else ''})"


def size_limit_reason(size: int, max_bytes: int, noun: str = "page") -> str | None:
    """'page is 20.0 MB, over the 10 MB limit (--max-bytes)', or None when within the limit."""
    if size <= max_bytes:
        return None
    if max_bytes >= 100_000:
        return f"{noun} is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:g} MB limit (--max-bytes)"
    return f"{noun} is {size:,} bytes, over the {max_bytes:,}-byte limit (--max-bytes)"


def read_limited(path: str, max_bytes: int, *, noun: str) -> bytes:
    """The file's bytes, refusing empty files and files over the limit before reading them."""
    size = os.stat(path).st_size
    if size == 0:
        raise UnreadableInput("the file is empty")
    too_big = size_limit_reason(size, max_bytes, noun)
    if too_big:
        raise UnreadableInput(too_big)
    with open(path, "rb") as fh:
        data = fh.read(max_bytes + 1)
    # The file may have grown since stat() (a crawler still writing it).
    too_big = size_limit_reason(len(data), max_bytes, noun)
    if too_big:
        raise UnreadableInput(too_big)
    return data


# --- valid text -----------------------------------------------------------------------------------

# A lone surrogate (U+D800-U+DFFF) cannot be written as UTF-8: JSON escapes such as "\\udfff" and
# file names with undecodable bytes (os.fsdecode) let one into a str, and then the store, the JSON
# encoder or the API fails on it far from where it came in. Valid pairs are joined, lone ones replaced.
_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def valid_text(value: str) -> tuple[str, list[str]]:
    """(the text with every lone surrogate replaced by U+FFFD, what was replaced, escaped)."""
    if not _SURROGATE.search(value):
        return value, []
    found = [m.group(0).encode("unicode_escape").decode("ascii") for m in _SURROGATE.finditer(value)]
    joined = value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return joined, found


def _escaped_excerpt(value: str, limit: int = 60) -> str:
    """Where the bad characters are, written with escapes so that the note is valid text itself."""
    first = _SURROGATE.search(value).start()
    excerpt = value[max(0, first - limit // 2):first + limit // 2]
    return "".join(ch.encode("unicode_escape").decode("ascii") if _SURROGATE.match(ch) else ch
                   for ch in excerpt)


def make_valid(result):
    """A Document or IngestError whose every string can be encoded (UTF-8, JSON, the store).

    Each repair in a Document is listed in ``flags.repaired`` as
    ``invalid-character: <n> lone surrogate(s) in the <field> replaced by U+FFFD``.
    """
    from chronicle.record import Document, IngestError, Removed

    if isinstance(result, IngestError):
        for name in ("path", "reason", "item"):
            value = getattr(result, name)
            if value is not None:
                setattr(result, name, valid_text(value)[0])
        return result
    doc: Document = result
    repairs = []

    def fix(owner, name: str, label: str) -> None:
        value = getattr(owner, name)
        if not isinstance(value, str):
            return
        fixed, found = valid_text(value)
        if found:
            repairs.append(Removed(
                _escaped_excerpt(value),
                f"invalid-character: {len(found)} lone surrogate{'s' if len(found) > 1 else ''} "
                f"({', '.join(sorted(set(found))[:3])}) in the {label} replaced by U+FFFD"))
            setattr(owner, name, fixed)

    for name in ("id", "text", "title", "author", "site", "published", "language"):
        fix(doc, name, name)
    fix(doc.source, "path", "file name")
    fix(doc.source, "url", "url")
    doc.errors = [valid_text(e)[0] for e in doc.errors]
    if repairs:
        doc.flags.repaired = [*doc.flags.repaired, *repairs]
    return doc


# --- bytes -> text --------------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# On short texts charset-normalizer scores many single-byte code pages as equally good (for
# "café – naïve" it ranks cp1125 first, which gives "cafщ Ц naяve"). When candidates tie we take
# the one most used on the web; cp1252 first, as that is what "latin-1" text almost always is.
_TIE_PREFERENCE = ("cp1252", "cp1251", "gb18030", "cp932", "cp949", "big5", "cp1250", "cp1256")

# Browsers read these labels as their superset (WHATWG Encoding): pages labelled latin-1 are
# written in windows-1252 (curly quotes, dashes, the euro sign), pages labelled gb2312 in GB18030.
_SUPERSET = {"iso8859-1": "cp1252", "ascii": "cp1252", "gb2312": "gb18030", "gbk": "gb18030"}


def _codec_name(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None
    return _SUPERSET.get(name, name)


def _looks_like_text(text: str) -> bool:
    if not text:
        return True
    sample = text[:100_000]
    controls = sum(
        1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f\v"
    )
    return controls <= max(2, len(sample) // 200)


def decode_text(data: bytes, *, declared: str | None = None) -> str:
    """Decode bytes of unknown encoding; raise UnreadableInput for binary data.

    Order: byte-order mark, strict UTF-8 (a declaration saying otherwise is usually stale),
    the declared charset (HTTP header or <meta>), then charset-normalizer's detection.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue  # UTF-16 LE text opening with NUL looks like UTF-32 LE's mark
    if b"\x00" in data[:65536]:
        raise UnreadableInput("not text: it holds binary data (NUL bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A download cut off inside a multi-byte character is still UTF-8.
        if exc.reason == "unexpected end of data" and exc.start >= len(data) - 3:
            return data[: exc.start].decode("utf-8")
    codec = _codec_name(declared)
    if codec and codec != "utf-8":
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            pass
        else:
            if _looks_like_text(text):
                return text
    text = _detect_and_decode(data)
    if text is not None and _looks_like_text(text):
        return text
    # Detection gives up on UTF-8 text with a few stray bytes in it; browsers show such pages
    # with replacement characters, and so do we.
    text = data.decode("utf-8", errors="replace")
    if text.count("\ufffd") <= len(text) // 100 and _looks_like_text(text):
        return text
    raise UnreadableInput("not text: the bytes are in no text encoding we recognise")


# What cp1252 bytes 0x80-0xFF decode to in Western European text: accented Latin letters and
# typographic punctuation. Anything else (box drawing, Cyrillic, Baltic letters) means cp1252 is
# the wrong guess.
_WESTERN = re.compile(r"[\u00c0-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u2013\u2014"
                      r"\u2018\u2019\u201a\u201c\u201d\u201e\u2026\u20ac\u00a0-\u00bf]")


def _western_european(data: bytes) -> str | None:
    """Mostly-ASCII text with sparse high bytes that all read as Western European letters or
    punctuation in cp1252. Detection libraries guess badly on short texts like this ("café" came
    back as Baltic "cafķ"), while cp1252 is by far the most common legacy encoding for them."""
    high = sum(b >= 0x80 for b in data)
    if not high or high > len(data) * 0.1:
        return None
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    non_ascii = [ch for ch in text if ord(ch) >= 0x80]
    if all(_WESTERN.match(ch) for ch in non_ascii):
        return text
    return None


def _detect_and_decode(data: bytes) -> str | None:
    western = _western_european(data)
    if western is not None:
        return western
    matches = list(from_bytes(data))
    if not matches:
        return None
    best = min(matches, key=lambda m: (m.chaos, -m.coherence))
    tied = {
        _codec_name(m.encoding)
        for m in matches
        if m.chaos <= best.chaos + 0.01 and m.coherence >= best.coherence - 0.01
    }
    for preferred in _TIE_PREFERENCE:
        if preferred in tied:
            try:
                return data.decode(preferred)
            except UnicodeDecodeError:
                continue
    return str(best)


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)""", re.I)


def declared_html_charset(data: bytes) -> str | None:
    found = _META_CHARSET.search(data[:4096])
    return found.group(1).decode("ascii") if found else None


def http_charset(content_type: str | None) -> str | None:
    found = re.search(r"charset\s*=\s*[\"']?([\w:.-]+)", content_type or "", re.I)
    return found.group(1) if found else None


# --- dates ----------------------------------------------------------------------------------------

_ISO_DAY = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})")


def iso_day(value: str | None) -> str | None:
    """'2016-02-01T17:22:00+01:00', 'Wed, 31 Jan 2018 07:26:05 GMT', '2022-01-07' -> 'YYYY-MM-DD'.

    The day is the one in the writer's own time zone (no conversion to UTC): that is the date
    printed on the article.
    """
    if not value or not isinstance(value, str):
        return None
    found = _ISO_DAY.match(value)
    if found:
        try:
            return dt.date(*map(int, found.groups())).isoformat()
        except ValueError:
            return None
    try:
        return parsedate_to_datetime(value.strip()).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return None


# --- language codes -------------------------------------------------------------------------------

_LANG_TAG = re.compile(r"^\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*\s*$")


def iso639_1(tag: str | None) -> str | None:
    """'fr-FR', 'fr_FR', 'en-au', 'fra', 'deu' -> two-letter code; None if it is no language."""
    if not tag:
        return None
    found = _LANG_TAG.match(tag)
    if not found:
        return None
    code = found.group(1).lower()
    if len(code) == 2:
        return code
    if code in {"und", "mul", "zxx", "mis"}:
        return None
    import pycountry  # only needed for the rare three-letter tag; its tables are slow to load

    language = pycountry.languages.get(alpha_3=code) or pycountry.languages.get(bibliographic=code)
    return getattr(language, "alpha_2", None)
