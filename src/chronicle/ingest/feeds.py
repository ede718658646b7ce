"""RSS / Atom feeds -> one Document per entry, via feedparser.

The text is the entry's full ``content`` when the feed carries it, else its ``summary``; either may
be HTML. feedparser is handed the file's content, never a URL, so it cannot reach the network.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from xml.sax import SAXParseException

import feedparser

from chronicle.ingest.common import (
    UnreadableInput,
    crash_reason,
    iso639_1,
    iso_day,
    read_limited,
)
from chronicle.ingest.html import fragment_to_plain_text, fragment_to_text
from chronicle.record import Document, IngestError, Source

_HTML_TYPES = {"text/html", "application/xhtml+xml", "html", "xhtml"}


def read_feed(path: str, *, max_bytes: int) -> Iterator[Document | IngestError]:
    # A stream, not bytes: feedparser fetches a str that looks like a URL, and tries to open() bytes
    # as a file name before reading them as the feed.
    parsed = feedparser.parse(io.BytesIO(read_limited(path, max_bytes, noun="feed")))
    syntax_error = parsed.get("bozo_exception")
    if not isinstance(syntax_error, SAXParseException):
        syntax_error = None  # other bozo flags are benign (e.g. a charset declared wrongly)
    if not parsed.entries:
        if parsed.bozo:
            problem = _describe(parsed.get("bozo_exception"))
            raise UnreadableInput(f"not a valid RSS/Atom feed ({problem})")
        if not parsed.version:
            raise UnreadableInput("not an RSS/Atom feed (no feed or channel element)")
        raise UnreadableInput("the feed has no entries")
    feed_language = iso639_1(parsed.feed.get("language"))
    for number, entry in enumerate(parsed.entries, start=1):
        item = entry.get("link") or f"entry {number}"
        try:
            yield _entry_to_document(entry, number, path, feed_language)
        except UnreadableInput as exc:
            yield IngestError(path=path, reason=str(exc), item=item)
        except Exception as exc:  # noqa: BLE001
            # An entry whose HTML breaks lxml or trafilatura costs that entry only.
            reason = f"feed entry {number}: {crash_reason(exc)}"
            yield IngestError(path=path, reason=reason, item=item)
    if syntax_error is not None:
        # feedparser's lenient parser recovers entries from broken XML; say so, as entries may
        # have been cut or lost.
        yield IngestError(
            path=path,
            reason=f"malformed feed ({_describe(syntax_error)}); "
            f"kept the {len(parsed.entries)} entries that could be recovered",
        )


def _describe(exc: BaseException | None) -> str:
    if isinstance(exc, SAXParseException):
        return f"{exc.getMessage()} at line {exc.getLineNumber()}, column {exc.getColumnNumber()}"
    return " ".join(str(exc or "").split()) or "unparseable"


def _entry_to_document(entry, number: int, path: str, feed_language: str | None) -> Document:
    body = _entry_body(entry)
    text = _to_text(body) if body else ""
    if not text:
        raise UnreadableInput(f"feed entry {number} has no text")
    # Only the text is needed: a bad optional field costs that field (noted), never the entry.
    notes: list[str] = []
    link = _field(notes, "link", lambda: _link(entry))
    title = _field(notes, "title", lambda: _entry_title(entry))
    language = _field(notes, "language", lambda: iso639_1(body.get("language")))
    return Document(
        id="",
        text=text,
        source=Source(path=path, url=link, format="rss"),
        title=title,
        published=_field(notes, "date", lambda: _entry_day(entry, notes)),
        language=language or feed_language or "und",
        errors=notes,
    )


def _field(notes: list[str], name: str, get):
    try:
        return get()
    except Exception as exc:  # noqa: BLE001 - whatever breaks on one field, the entry is kept
        notes.append(f"ignored the entry's {name}: {crash_reason(exc)}")
        return None


def _link(entry) -> str | None:
    link = entry.get("link")
    return link if isinstance(link, str) and link.strip() else None


def _entry_title(entry) -> str | None:
    if "title_detail" not in entry:
        return None
    title = _to_text(entry["title_detail"], plain=True)
    return " ".join(title.split()) or None


def _entry_body(entry) -> dict | None:
    """The longest content block when there is one (some feeds carry plain text and HTML)."""
    contents = [c for c in entry.get("content") or () if (c.get("value") or "").strip()]
    if contents:
        return max(contents, key=lambda c: len(c["value"]))
    summary = entry.get("summary_detail")
    if summary and (summary.get("value") or "").strip():
        return summary
    return None


def _to_text(detail, *, plain: bool = False) -> str:
    value = detail.get("value") or ""
    if (detail.get("type") or "").lower() in _HTML_TYPES:
        return fragment_to_plain_text(value) if plain else fragment_to_text(value)
    return "\n\n".join(" ".join(line.split()) for line in value.splitlines() if line.strip())


def _entry_day(entry, notes: list[str]) -> str | None:
    """The entry's date in the publisher's own time zone (feedparser's *_parsed are in UTC).
    A date that is no real day ("0000-00-00T00:00:00Z") is dropped and noted."""
    unreadable = None
    for key in ("published", "updated", "created"):
        value = entry.get(key)
        day = iso_day(value)
        if day:
            return day
        if value and unreadable is None:
            unreadable = value
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            try:
                return dt.date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday).isoformat()
            except (AttributeError, TypeError, ValueError):
                continue  # feedparser's tuple for a date such as 0000-00-00 (year -1)
    if unreadable is not None:
        notes.append(f"ignored the entry's date {str(unreadable)[:80]!r}: not a real date")
    return None
