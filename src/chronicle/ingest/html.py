"""HTML pages -> Documents, via trafilatura. Shared by the WARC, feed and JSON Lines readers.

Extraction settings, measured as word-level F1 (bag of lowercased words) against expected.html of
the 10 readability test pages in ``shared/samples/html``:

    settings (all with include_comments=False)     mean F1   min F1
    defaults                                        0.979     0.890 herald-sun-1
    defaults + _TEASER_BLOCKS pruning  <- used      0.989     0.966 nytimes-1
      ... + favor_recall=True                       0.989     0.966 (same output as defaults)
      ... + fast=True (no fallback extractors)      0.989     0.966
      ... + include_tables=False                    0.989     0.966
      ... + favor_precision=True                    0.983     0.943 cnn (drops body paragraphs)

So: trafilatura's defaults, plus one pruning rule of our own for teaser blocks that its
boilerplate vocabulary misses. The fallback extractors stay on: they change nothing on these pages
and guard odd layouts. Tables are kept: on news pages they are usually data the story is about.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import lxml.etree
import lxml.html
from trafilatura import bare_extraction, extract
from trafilatura.utils import load_html

from chronicle.ingest import stoplists
from chronicle.ingest.common import (
    UnreadableInput,
    declared_html_charset,
    decode_text,
    iso639_1,
    iso_day,
    read_limited,
)
from chronicle.record import Document, Format, IngestError, Source

stoplists.install()  # jusText's stop words from the cache folder, not rebuilt in every process

# Lists of links to other stories ("Other Opinion Columns", "More world news") sit inside the
# article container on many news sites and read like paragraphs, so trafilatura keeps them. Their
# class/id names are regular: other-*-columns, more-*-stories ... Blocks holding the headline
# (h1) or an <article> are never pruned, so a mislabelled wrapper cannot take the story with it.
_TEASER_NAME = (
    r"(^|[\s_-])(other|more)-([a-z]+-)*(columns|stories|articles|news|headlines|videos)($|[\s_-])"
)
_TEASER_BLOCKS = lxml.etree.XPath(
    f"""//*[self::div or self::section or self::aside or self::ul]
        [re:test(@class, '{_TEASER_NAME}', 'i') or re:test(@id, '{_TEASER_NAME}', 'i')]
        [not(.//h1) and not(.//article)]""",
    namespaces={"re": "http://exslt.org/regular-expressions"},
)

_LANGUAGE_META_NAMES = {"language", "dc.language", "content-language", "og:locale"}


def read_html(path: str, *, max_bytes: int) -> Iterator[Document | IngestError]:
    yield html_to_document(read_limited(path, max_bytes, noun="page"), path=path)


def html_to_document(
    html: str | bytes,
    *,
    url: str | None = None,
    path: str | None = None,
    fmt: Format = "html",
) -> Document:
    """The article in an HTML page as a Document with raw text (paragraphs joined by blank lines).

    ``published`` is the date in the page's markup (meta tags, <time>, JSON-LD, URL) or None;
    callers fill in their fallbacks. Raises UnreadableInput when the page is not text, not HTML,
    or has no article text.
    """
    if isinstance(html, bytes):
        html = decode_text(html, declared=declared_html_charset(html))
    if not html.strip():
        raise UnreadableInput("the page is empty")
    html, notes = defuse_tags(html)
    if not _WHOLE_PAGE.search(html):
        # A fragment ("<p>…</p>", as JSON Lines callers often send) is all content; trafilatura
        # wants a page, so wrap it, and convert it plainly if trafilatura finds nothing.
        document = _page_to_document(f"<html><body>{html}</body></html>", url, path, fmt)
        if not document.text:
            document.text = fragment_to_plain_text(html)
    else:
        document = _page_to_document(html, url, path, fmt)
    if not document.text:
        raise UnreadableInput("no article text found in the page")
    document.errors.extend(notes)
    return document


# libxml2 checks each new attribute against all the tag's others: a tag with n attributes costs
# n² (40,000 attributes took 40 s, 100,000 over two minutes). No real page comes near this many on
# one tag; past it the tag keeps its name and loses its attributes. Only tags longer than any
# ordinary one are looked at, so that a page costs one linear scan.
MAX_ATTRIBUTES = 1000
# possessive (*+, {,}+): a long tag name never hands characters back to the attributes part
_LONG_TAG = re.compile(r"<([A-Za-z][^\s<>/]*+)([^<>]{4000,}+)>")
_ATTRIBUTE = re.compile(r"[^\s=<>\"'/]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s<>]+))?")


def defuse_tags(html: str) -> tuple[str, list[str]]:
    """The page with the attributes of any tag holding more than `MAX_ATTRIBUTES` removed, and a
    note for each such tag."""
    notes: list[str] = []

    def strip(m: re.Match[str]) -> str:
        count = sum(1 for _ in _ATTRIBUTE.finditer(m.group(2)))
        if count <= MAX_ATTRIBUTES:
            return m.group(0)
        notes.append(f"a <{m.group(1)[:40]}> tag with {count:,} attributes was read without them "
                     f"(more than {MAX_ATTRIBUTES:,})")
        return f"<{m.group(1)}>"

    return _LONG_TAG.sub(strip, html), notes


_WHOLE_PAGE = re.compile(r"<(?:html|body|head)[\s>]|<!doctype\s", re.IGNORECASE)


def _page_to_document(html: str, url: str | None, path: str | None, fmt: Format) -> Document:
    tree = load_html(html)
    if tree is None:
        raise UnreadableInput("not HTML: no document structure could be parsed")
    language = page_language(tree)
    for block in _TEASER_BLOCKS(tree):
        block.drop_tree()  # unlike remove(), keeps the text that follows the block
    extracted = bare_extraction(
        tree,
        url=url,
        include_comments=False,
        with_metadata=True,
        date_extraction_params=_date_params(),
    )
    if extracted is None:
        return Document(id="", text="", source=Source(path=path, url=url, format=fmt))
    title = _one_line(extracted.title)
    return Document(
        id="",
        text=_without_leading_title(_paragraphs(extracted.text or ""), title),
        source=Source(path=path, url=url or extracted.url, format=fmt),
        title=title,
        published=iso_day(extracted.date),
        language=language or iso639_1(extracted.language) or "und",
        author=_one_line(extracted.author),
        site=_one_line(extracted.sitename),
    )


def _without_leading_title(text: str, title: str | None) -> str:
    # The <h1> headline usually opens the extracted body; as with plain text files, the title is
    # kept in ``title`` and not repeated as the first paragraph.
    first, _, rest = text.partition(_PARAGRAPH_BREAK)
    if title and rest and first.casefold() == title.casefold():
        return rest
    return text


def _date_params() -> dict:
    # htmldate's "extensive" search guesses from free text: on the Common Crawl sample it turned
    # copyright lines into 2020-01-01 and 1995-01-01. A wrong publication date misdates every event
    # in the article, so only dates in the markup count (meta tags, <time>, JSON-LD, the URL); on
    # the 10 news samples both settings find the same dates. Earliest date, not last update.
    return {
        "original_date": True,
        "extensive_search": False,
        "max_date": dt.date.today().isoformat(),
    }


def page_language(tree: lxml.html.HtmlElement) -> str | None:
    """The language the page declares: <html lang>, then language <meta> tags."""
    root = tree.getroottree().getroot()
    for attribute in ("lang", "xml:lang", "{http://www.w3.org/XML/1998/namespace}lang"):
        code = iso639_1(root.get(attribute))
        if code:
            return code
    for meta in root.iter("meta"):
        key = (meta.get("http-equiv") or meta.get("name") or meta.get("property") or "").lower()
        if key in _LANGUAGE_META_NAMES:
            # Content-Language may list several ("en, fr"); the first is the main one.
            code = iso639_1((meta.get("content") or "").split(",")[0])
            if code:
                return code
    return None


def fragment_to_text(fragment: str) -> str:
    """Text of an HTML fragment (a feed entry's content), paragraphs joined by blank lines.

    trafilatura expects whole pages and may throw away a short fragment as boilerplate, so when it
    returns less than half of the fragment's words we use a plain conversion instead.
    """
    fragment = defuse_tags(fragment)[0]
    plain = fragment_to_plain_text(fragment)
    if not plain:
        return ""
    page = f"<html><body><article>{fragment}</article></body></html>"
    extracted = _paragraphs(extract(page, include_comments=False, favor_recall=True) or "")
    if len(extracted.split()) * 2 < len(plain.split()):
        return plain
    return extracted


_BLOCK_TAGS = (
    "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "pre", "table", "tr", "section", "article", "aside", "figure", "figcaption",
    "header", "footer", "br", "hr",
)  # fmt: skip
_PARAGRAPH_BREAK = "\n\n"


def fragment_to_plain_text(fragment: str) -> str:
    """Every piece of text in an HTML fragment, one paragraph per block element."""
    if "<" not in fragment:
        return _paragraphs(fragment)
    fragment = defuse_tags(fragment)[0]
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return _paragraphs(re.sub(r"<[^>]*>", " ", fragment))
    for junk in root.xpath(".//script | .//style | .//noscript | .//iframe"):
        junk.drop_tree()
    for block in root.iter(*_BLOCK_TAGS):
        block.text = _PARAGRAPH_BREAK + (block.text or "")
        block.tail = _PARAGRAPH_BREAK + (block.tail or "")
    return _paragraphs(root.text_content(), blank_line_separated=True)


def _paragraphs(text: str, *, blank_line_separated: bool = False) -> str:
    """Normalise to one paragraph per block, blocks joined by a blank line."""
    separator = r"\n\s*\n" if blank_line_separated else r"\n"
    blocks = (" ".join(block.split()) for block in re.split(separator, text))
    return _PARAGRAPH_BREAK.join(block for block in blocks if block)


def _one_line(value: str | None) -> str | None:
    if not value:
        return None
    return " ".join(value.split()) or None
