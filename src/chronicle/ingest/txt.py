"""Plain text files -> one Document each; a headline on the first line becomes the title."""

from __future__ import annotations

import re
from collections.abc import Iterator

from chronicle.ingest.common import UnreadableInput, decode_text, read_limited
from chronicle.record import Document, IngestError, Source

_UNDERLINE = re.compile(r"^\s*([=\-~*#_])\1{2,}\s*$")
_BLANK_LINE = re.compile(r"\n[ \t\f\v]*\n")
# A headline does not end like a sentence or a clause; "?" and "!" are left out on purpose, since
# headlines are often questions ("Is Kazakhstan next?").
_SENTENCE_END = (".", ",", ";", ":", "…")
_MAX_TITLE_CHARS = 160
_MAX_TITLE_WORDS = 25


def read_txt(path: str, *, max_bytes: int) -> Iterator[Document | IngestError]:
    text = decode_text(read_limited(path, max_bytes, noun="file"))
    title, body = split_title(text)
    body = text_paragraphs(body)
    if not body:
        raise UnreadableInput("the file holds no text (only whitespace)")
    yield Document(id="", text=body, title=title, source=Source(path=path, format="txt"))


def split_title(text: str) -> tuple[str | None, str]:
    """('Moscow in a strong position in Kazakhstan', rest) when the first line is a headline.

    A headline is short, does not end like a sentence, does not start in lower case, and stands on
    its own: a blank line or an underline follows it, or the whole file puts one paragraph per
    line. Otherwise the first line is text and there is no title.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if len(lines) < 2:
        return None, text
    first, following = lines[0].strip(), lines[1]
    one_paragraph_per_line = not _BLANK_LINE.search("\n".join(lines))
    stands_alone = not following.strip() or _UNDERLINE.match(following) or one_paragraph_per_line
    looks_like_headline = (
        len(first) <= _MAX_TITLE_CHARS
        and len(first.split()) <= _MAX_TITLE_WORDS
        and not first.endswith(_SENTENCE_END)
        and not first[0].islower()
    )
    rest = lines[2:] if _UNDERLINE.match(following) else lines[1:]
    if not (stands_alone and looks_like_headline) or not any(line.strip() for line in rest):
        return None, text
    return first, "\n".join(rest)


def text_paragraphs(text: str) -> str:
    """Paragraphs joined by exactly one blank line; lines inside a paragraph are left as they are.

    A file without any blank line is taken to hold one paragraph per line (as scrapers write them).
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _BLANK_LINE.search(text):
        blocks = _BLANK_LINE.split(text)
    else:
        blocks = text.split("\n")
    paragraphs = (
        "\n".join(line.rstrip() for line in block.strip().split("\n")) for block in blocks
    )
    return "\n\n".join(paragraph for paragraph in paragraphs if paragraph)
