"""Hostile and malformed inputs for the fuzz suite (tests/test_fuzz.py) and `make fuzz`.

Everything is generated here at run time: the classes of input issue #19 found breaking an
ingest (lone surrogates, a 65,537-letter word, a tag with 40,000 attributes, gzip bombs inside
WARC records, corrupt gzip members, impossible dates and lengths, UTF-16 JSON Lines, over-long
texts) and those they suggest. `good_documents` are ordinary reports ingested beside them: every
one of them must be stored whatever the hostile files do.
"""

from __future__ import annotations

import codecs
import io
import json
import zlib
from pathlib import Path

GOOD_REPORTS = [
    ("Police detain activists in Bishkek",
     "Police in Bishkek detained 23 activists on Saturday after a rally outside the parliament "
     "building, the interior ministry said."),
    ("Troops sent to Almaty",
     "Russian paratroopers landed in Almaty on Friday, January 7, 2022, the defence ministry said."),
    ("Strike at Dakar port",
     "Dock workers in Dakar went on strike on Monday, demanding higher wages, union leaders said."),
    ("Talks in Geneva",
     "Diplomats from Armenia and Azerbaijan met in Geneva on Tuesday to discuss a peace treaty."),
]

PAGE = ("<html><head><title>{title}</title></head><body><article><h1>{title}</h1><p>{text}</p>"
        "<p>Officials gave no further details on the {n} reports.</p></article></body></html>")


def good_documents(folder: Path) -> dict[str, str]:
    """Ordinary reports in every format, written to `folder`; {caller id or path: title}."""
    folder.mkdir(parents=True, exist_ok=True)
    made: dict[str, str] = {}
    for i, (title, text) in enumerate(GOOD_REPORTS):
        path = folder / f"good-{i}.txt"
        path.write_text(f"{title}\n\n{text}\n", encoding="utf-8")
        made[str(path)] = title
    path = folder / "good.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for i, (title, text) in enumerate(GOOD_REPORTS):
            fh.write(json.dumps({"id": f"good-jsonl-{i}", "title": title, "text": text}) + "\n")
            made[f"good-jsonl-{i}"] = title
    path = folder / "good.html"
    title, text = GOOD_REPORTS[0]
    path.write_text(PAGE.format(title=title + " (page)", text=text, n=1), encoding="utf-8")
    made[str(path)] = title + " (page)"
    return made


# --- WARC ----------------------------------------------------------------------------------------

def warc_record(uri: str, n: int, *, gz: bool = False, body: bytes | None = None,
                encoding: str | None = None) -> bytes:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=gz)
    title, text = GOOD_REPORTS[n % len(GOOD_REPORTS)]
    payload = body if body is not None else PAGE.format(title=f"{title} {n}", text=text, n=n).encode()
    headers = [("Content-Type", "text/html; charset=utf-8")]
    if encoding:
        headers.append(("Content-Encoding", encoding))
    http = StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(uri, "response", payload=io.BytesIO(payload),
                                                  http_headers=http))
    return buf.getvalue()


def _flip(data: bytes, start: int, end: int) -> bytes:
    return data[:start] + bytes(b ^ 0x55 for b in data[start:end]) + data[end:]


def _gzip_bomb_body(size: int) -> bytes:
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"<p>" + b"a" * (1 << 20)
    out = [squeeze.compress(chunk) for _ in range(size >> 20)]
    return b"".join(out) + squeeze.flush()


# --- the corpus ----------------------------------------------------------------------------------

def hostile_files(folder: Path, *, scale: int = 1) -> dict[str, str]:
    """Write the hostile corpus into `folder`; {file name: what it is}. `scale` multiplies the
    sizes of the inputs that are hostile by their size (make fuzz uses a larger one)."""
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, bytes] = {}
    notes: dict[str, str] = {}

    def add(name: str, data: bytes | str, note: str) -> None:
        files[name] = data.encode("utf-8") if isinstance(data, str) else data
        notes[name] = note

    word = "a" * 65_537
    # JSON Lines
    add("surrogate-title.jsonl", '{"id":"s1","title":"T\\udfff","text":"Police arrested 40."}\n',
        "lone surrogate in the title")
    add("surrogates.jsonl", "".join(
        json.dumps({"id": f"s-{k}", k: "x\\udfffy"}).replace("\\\\udfff", "\\udfff")[:-1]
        + (', "text": "Protesters marched in Minsk on Sunday."}' if k != "text" else "}") + "\n"
        for k in ("id", "url", "title", "text")), "lone surrogates in id, url, title and text")
    add("utf16.jsonl", codecs.BOM_UTF16_LE + (
        json.dumps({"id": "u16", "text": "Police arrested 40 protesters in Almaty."}) + "\n"
    ).encode("utf-16-le"), "UTF-16 JSON Lines with a BOM")
    add("utf32.jsonl", ("\ufeff" + json.dumps({"id": "u32", "text": "Troops left Almaty."}) + "\n")
        .encode("utf-32-be"), "UTF-32 JSON Lines with a BOM")
    add("deep.jsonl", "[" * 200_000 + "]" * 200_000 + "\n", "JSON nested 200,000 deep")
    add("types.jsonl", "\n".join(json.dumps(o) for o in (
        {"id": 5, "text": 7}, {"id": None, "html": ["x"]}, {"text": "ok text here", "date": 3,
        "language": {"a": 1}}, [], "s", {"id": True, "text": "x"}, {"text": "a", "date": "0000-00-00"},
        {"text": "b", "date": "99999-01-01"}, {"id": "n", "text": "\u0000\u0001" * 10})) + "\n",
        "wrong types in every field")
    add("long-word.jsonl", json.dumps({"id": "word", "text": word + ". . " + word}) + "\n",
        "a 65,537-letter word (quadratic regex)")
    # plain text
    add("long-word.txt", f"Headline\n\n{word}. . end\n", "a 65,537-letter word")
    add("doubled-periods.txt", "Police came. . " * (5_000 * scale), "doubled periods")
    add("spaces.txt", "Title\n\n" + " " * (300_000 * scale) + "x - " + "\t " * 50_000,
        "a run of 300,000 spaces")
    add("newlines.txt", "a\n\n" * (100_000 * scale), "100,000 one-letter paragraphs")
    if scale > 1:  # a minute of parsing: `make fuzz` only (tests lower the limit instead)
        add("over-max-length.txt", "Long report\n\n" + (
            "Police arrested 40 protesters in Almaty on Friday, officials said.\n\n" * 16_000),
            "a text over spaCy's 1,000,000-character limit")
    add("binary.txt", bytes(range(256)) * 64, "binary data")
    add("empty.txt", b"", "an empty file")
    add("lone-cr.txt", "Title\r\rPolice arrested 40.\r" * 100, "old Mac line ends")
    add("controls.txt", "Protest\n\n" + "".join(chr(c) for c in range(1, 32)) * 100
        + "\nPolice arrested 40 people.", "control characters")
    add("utf16.txt", "Protest in Almaty\n\nPolice arrested 40 protesters.".encode("utf-16"),
        "UTF-16 text with a BOM")
    add("emoji.txt", "Protest\n\n" + "😀" * 50_000, "50,000 emoji")
    # HTML
    attrs = " ".join(f'a{i}="x"' for i in range(40_000))
    add("attributes.html", f"<html><body><div {attrs}><p>Police arrested 40 protesters in Almaty "
        "on Friday.</p></div></body></html>", "a tag with 40,000 attributes")
    add("boolean-attributes.html", "<html><body><p " + " ".join(f"b{i}" for i in range(100_000))
        + ">Police arrested 40 protesters.</p></body></html>", "100,000 attributes without values")
    add("deep.html", "<html><body>" + "<div>" * 100_000 + "Police arrested 40." + "</div>" * 100_000
        + "</body></html>", "tags nested 100,000 deep")
    add("unclosed.html", "<html><body>" + "<p><b><i>Police arrested 40 " * (2_000 * scale),
        "thousands of unclosed tags")
    add("long-tag-name.html", "<html><body><" + "a" * 200_000 + ">Police arrested 40.</body></html>",
        "a 200,000-character tag name")
    add("comment.html", "<html><body><!--" + "-" * 500_000 + "<p>Police arrested 40.</p></body>",
        "an unclosed comment")
    add("script-only.html", "<html><body><script>" + "var a=1;" * 50_000 + "</script></body></html>",
        "a page that is only script")
    add("surrogate-entity.html", "<html><head><title>T&#xDFFF;</title></head><body><p>Police "
        "arrested 40 protesters &#xD800; in Almaty on Friday, officials said.</p></body></html>",
        "surrogates as character references")
    # feeds
    add("bad-date.rss", """<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>
<item><title>One</title><link>http://x/1</link><pubDate>0000-00-00T00:00:00Z</pubDate>
<description>Police arrested 40 protesters in Almaty on Friday.</description></item>
<item><title>Two</title><link>http://x/2</link><pubDate>Wed, 31 Jan 2018 07:26:05 GMT</pubDate>
<description>Troops were sent to Almaty.</description></item></channel></rss>""",
        "an impossible item date")
    add("laughs.xml", """<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title>
<description>Police arrested 40 protesters. &lol9;</description></item></channel></rss>""",
        "entity expansion (billion laughs)")
    add("xxe.rss", """<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>F</title><item><title>&x;</title>
<description>Police arrested 40 protesters. &x;</description></item></channel></rss>""",
        "an external entity")
    add("many-items.rss", '<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>'
        + "".join(f"<item><title>T{i}</title><description>Item {i}</description></item>"
                  for i in range(1_000 * scale)) + "</channel></rss>", "thousands of tiny items")
    add("attributes.atom", '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">'
        '<title>F</title><entry><title>T</title><content type="html">&lt;p '
        + " ".join(f'a{i}="x"' for i in range(40_000))
        + '&gt;Police arrested 40 protesters.&lt;/p&gt;</content></entry></feed>',
        "an HTML entry with a 40,000-attribute tag")
    # WARC
    good1, good2 = warc_record("http://w/1", 1), warc_record("http://w/2", 2)
    add("good-garbage-good.warc", good1 + b"\x00\xffgarbage" * 1000 + b"\r\n" + good2,
        "garbage between two good records")
    gz1, gz2 = warc_record("http://w/3", 3, gz=True), warc_record("http://w/4", 4, gz=True)
    add("good-garbage-good.warc.gz", gz1 + b"not gzip at all " * 100 + gz2,
        "garbage between two good gzip members")
    add("corrupt-member.warc.gz", gz1 + _flip(warc_record("http://w/x", 9, gz=True), 30, 200) + gz2,
        "a corrupt gzip member between two good ones")
    add("corrupt-first.warc.gz", _flip(warc_record("http://w/y", 8, gz=True), 30, 200) + gz2,
        "a corrupt first gzip member")
    add("only-version.warc", b"WARC/1.0\r\n", "only a WARC/1.0 line")
    add("garbage-after-version.warc", b"WARC/1.0\r\n" + b"\x13\x37 garbage " * 500,
        "garbage after a WARC/1.0 line")
    add("huge-length.warc", good1.replace(b"Content-Length: ", b"Content-Length: " + b"9" * 30, 1)
        + good2, "Content-Length: 999...9")
    add("negative-length.warc", good1.replace(b"Content-Length: ", b"Content-Length: -", 1) + good2,
        "a negative Content-Length")
    add("http-gzip-bomb.warc", warc_record("http://w/bomb", 5, body=_gzip_bomb_body(
        (1 << 30) * scale), encoding="gzip") + good2, "an HTTP gzip body inflating to 1 GB")
    add("http-deflate-garbage.warc", warc_record("http://w/d", 6, body=b"\x00not deflate" * 100,
                                                 encoding="deflate") + good2,
        "a Content-Encoding: deflate body that is not deflate")
    add("truncated.warc.gz", (gz1 + gz2)[:-200], "a gzip file cut inside its last member")
    add("not-gzip.warc.gz", b"\x1f\x8b" + b"\x00" * 100, "gzip magic then nothing valid")
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return notes


__all__ = ["good_documents", "hostile_files", "warc_record", "GOOD_REPORTS"]
