"""No input can crash, hang or bloat an ingest, and nothing good is lost beside it (issue #19).

Three layers, all generated at test time (tests/hostile.py):
- hypothesis strategies for each reader (txt, HTML, JSON Lines, RSS/Atom, WARC) and for the
  clean stage: whatever the bytes, reading yields Documents and one-line IngestErrors, never an
  exception, and every Document can be encoded;
- every regular expression in the package against long adversarial strings, each search under an
  alarm far above what a linear pattern needs (sre checks signals, so a quadratic one is stopped
  and named instead of hanging the suite);
- the hostile corpus ingested by the real CLI in a subprocess beside good documents: it ends within
  its time limit, each hostile file gives documents or one-line errors, and every good document is
  stored.
`make fuzz` runs the same strategies with many more examples (FUZZ_EXAMPLES) and a kill -9 loop.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chronicle.clean import clean
from chronicle.ingest import read
from chronicle.record import Document, IngestError, to_json
from hostile import good_documents, hostile_files, warc_record

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get("FUZZ_EXAMPLES"),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])


def check_results(results: list) -> list[Document]:
    """Every result is a Document that encodes or an IngestError of one line."""
    docs = []
    for result in results:
        if isinstance(result, IngestError):
            assert result.reason and "\n" not in result.reason, result
            to_json(result)
        else:
            assert isinstance(result, Document)
            to_json(result)  # every string can be written out (no lone surrogates)
            docs.append(result)
    return docs


def read_file(tmp_path: Path, name: str, data: bytes, **kwargs) -> list:
    path = tmp_path / name
    path.write_bytes(data)
    return list(read([str(path)], **kwargs))


# --- hypothesis: the readers ---------------------------------------------------------------------

# Text that stresses the readers: surrogates, controls, BOM-like characters, markup, long runs.
hostile_chars = st.one_of(
    st.characters(codec=None),
    st.sampled_from(["\ud800", "\udfff", "\x00", "\ufeff", "\ufffe", "\u2028", "\r", "\n\n", ". .",
                     "<", ">", "&", "&#xD800;", "\"", "WARC/1.0\r\n", "\x1f\x8b"]),
)
hostile_text = st.lists(st.one_of(hostile_chars, st.text(max_size=20)), max_size=60).map("".join)
encodings = st.sampled_from(["utf-8", "utf-16", "utf-32", "utf-8-sig", "cp1252", "latin-1",
                             "utf-16-le"])


def encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="surrogatepass" if encoding.startswith("utf") else "replace")


@FUZZ
@given(text=hostile_text, encoding=encodings)
def test_any_text_file_is_read_or_refused_in_one_line(tmp_path_factory, text, encoding):
    tmp = tmp_path_factory.mktemp("txt")
    docs = check_results(read_file(tmp, "x.txt", encode(text, encoding)))
    for doc in docs:
        to_json(clean(doc))


tags = st.sampled_from(["p", "div", "a", "b", "script", "style", "article", "h1", "title", "meta",
                        "html", "body", "head", "br", "table", "td", "!--", "![CDATA["])
attributes = st.lists(st.tuples(st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True),
                                hostile_text), max_size=5)


@st.composite
def html_pages(draw):
    parts = []
    for _ in range(draw(st.integers(0, 25))):
        tag = draw(tags)
        attrs = " ".join(f'{k}="{v}"' for k, v in draw(attributes))
        parts.append(draw(st.sampled_from([f"<{tag} {attrs}>", f"</{tag}>", f"<{tag}/>"])))
        parts.append(draw(hostile_text))
    return "".join(parts)


@FUZZ
@given(page=html_pages(), encoding=encodings)
def test_any_html_page_is_read_or_refused_in_one_line(tmp_path_factory, page, encoding):
    tmp = tmp_path_factory.mktemp("html")
    for doc in check_results(read_file(tmp, "x.html", encode(page, encoding))):
        to_json(clean(doc))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | hostile_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=3),
    max_leaves=8)
json_lines = st.dictionaries(
    st.sampled_from(["id", "text", "html", "title", "url", "date", "language", "x"]),
    json_values | hostile_text, max_size=6)


@FUZZ
@given(lines=st.lists(st.one_of(json_lines.map(json.dumps), hostile_text), max_size=6),
       encoding=encodings)
def test_any_json_lines_are_read_line_by_line(tmp_path_factory, lines, encoding):
    tmp = tmp_path_factory.mktemp("jsonl")
    good = json.dumps({"id": "good", "text": "Police arrested 40 protesters in Almaty."})
    text = "\n".join([*lines, good]) + "\n"
    # JSON escapes a lone surrogate as "\udfff": the line reaches the reader as valid bytes
    results = read_file(tmp, "x.jsonl", encode(text, encoding))
    docs = check_results(results)
    if encoding in ("utf-8", "utf-8-sig", "utf-16", "utf-32") and not any(
            "\n" in line or "\r" in line or "\x0b" in line or "\x0c" in line or "\x1c" in line
            or "\x1d" in line or "\x1e" in line or "\x85" in line or "\u2028" in line
            or "\u2029" in line for line in lines):
        assert "good" in [d.id for d in docs]  # the good last line is never lost


feed_fields = st.fixed_dictionaries({
    "title": hostile_text, "link": hostile_text, "date": st.one_of(hostile_text, st.sampled_from(
        ["0000-00-00T00:00:00Z", "2022-02-30", "Wed, 31 Jan 2018 07:26:05 GMT", "9999-99-99",
         "-1", ""])), "body": hostile_text})


def xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@FUZZ
@given(items=st.lists(feed_fields, min_size=1, max_size=4), escape=st.booleans())
def test_any_feed_is_read_and_a_bad_field_costs_only_that_field(tmp_path_factory, items, escape):
    tmp = tmp_path_factory.mktemp("rss")
    esc = xml_escape if escape else (lambda s: s)
    body = "".join(f"<item><title>{esc(i['title'])}</title><link>{esc(i['link'])}</link>"
                   f"<pubDate>{esc(i['date'])}</pubDate><description>{esc(i['body'])}</description>"
                   "</item>" for i in items)
    good = ("<item><title>Good</title><pubDate>0000-00-00T00:00:00Z</pubDate><description>Police "
            "arrested 40 protesters in Almaty.</description></item>")
    feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>{body}{good}</channel></rss>'
    docs = check_results(read_file(tmp, "x.rss", feed.encode("utf-8", "surrogatepass")))
    if escape:
        assert any(d.title == "Good" and d.published is None for d in docs)


@functools.cache
def fixed_warc_record(n: int, gz: bool) -> bytes:
    # made once: a record carries the time and a random id, and hypothesis needs the same bytes
    # each time it replays an example
    return warc_record(f"http://w/{n}", n, gz=gz)


@st.composite
def damaged_warcs(draw):
    """Good records with damage between or inside them: garbage, flipped bytes, cuts."""
    gz = draw(st.booleans())
    records = [fixed_warc_record(n, gz) for n in range(draw(st.integers(1, 4)))]
    data = bytearray(b"".join(records))
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["insert", "flip", "cut", "delete"]))
        if kind == "insert":
            data[at:at] = draw(st.binary(max_size=300))
        elif kind == "flip":
            data[at:at + 20] = bytes(b ^ 0x5A for b in data[at:at + 20])
        elif kind == "cut":
            del data[at:]
        else:
            del data[at:at + draw(st.integers(1, 200))]
    return gz, bytes(data)


@FUZZ
@given(warc=damaged_warcs())
def test_any_damaged_warc_keeps_what_is_readable(tmp_path_factory, warc):
    gz, data = warc
    tmp = tmp_path_factory.mktemp("warc")
    docs = check_results(read_file(tmp, "x.warc.gz" if gz else "x.warc", data))
    assert all(d.source.format == "warc" for d in docs)


@FUZZ
@given(text=hostile_text, title=st.one_of(st.none(), hostile_text))
def test_cleaning_any_text_gives_valid_text(text, title):
    from chronicle.ingest.common import make_valid

    doc = make_valid(Document(id="", text=text, title=title))
    to_json(clean(doc))


def test_good_records_on_both_sides_of_damage_are_kept(tmp_path):
    good = [warc_record(f"http://w/{n}", n, gz=True) for n in range(3)]
    bad = bytearray(warc_record("http://w/bad", 9, gz=True))
    bad[30:200] = bytes(b ^ 0x55 for b in bad[30:200])
    results = read_file(tmp_path, "x.warc.gz", good[0] + bytes(bad) + good[1] + b"junk" + good[2])
    docs = check_results(results)
    assert [d.source.url for d in docs] == ["http://w/0", "http://w/1", "http://w/2"]
    (error,) = [r for r in results if isinstance(r, IngestError)]
    assert error.reason.startswith("damaged WARC: corrupt gzip member")


# --- every regular expression in the package -----------------------------------------------------

REGEX_AUDIT = textwrap.dedent("""
    import importlib, pkgutil, re, signal, sys
    import chronicle
    from chronicle.clean import load_junk_patterns

    SKIP = ("chronicle.extract.train", "chronicle.bench", "chronicle.profile", "chronicle.scale",
            "chronicle.serve", "chronicle.evaluate")
    patterns = []
    for info in pkgutil.walk_packages(chronicle.__path__, "chronicle."):
        if info.name.startswith(SKIP):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern):
                patterns.append((f"{info.name}.{name}", value, None))
    for junk in load_junk_patterns():  # a line pattern only ever sees lines up to max_chars
        patterns.append((f"junk {junk.slug} line", junk.line, junk.max_chars))
        if junk.glued_tail is not None:
            patterns.append((f"junk {junk.slug} glued", junk.glued_tail, None))

    class Slow(Exception):
        pass

    def alarm(*_):
        raise Slow()

    signal.signal(signal.SIGALRM, alarm)
    units = ["a", "1", " ", "\\n", "a.", "a. ", "A a", "aA", "1,", "a-", "'s ", ". .", "\\u201cA",
             "[a", "<a ", "a=\\"x\\" ", "Mr. ", "1 January ", "the "]
    length = int(sys.argv[1])
    slow = []
    for name, pattern, limit in patterns:
        for unit in units:
            text = unit * (length // len(unit))
            if isinstance(pattern.pattern, bytes):
                text = text.encode("utf-8")
            if limit is not None:
                text = text[:limit]
            signal.alarm(int(sys.argv[2]))
            try:
                pattern.search(text)
                sum(1 for _ in pattern.finditer(text))
            except Slow:
                slow.append(f"{name} on {unit!r} x {length}")
            finally:
                signal.alarm(0)
    print(len(patterns))
    print("\\n".join(slow))
""")


def test_no_regular_expression_is_super_linear_on_long_adversarial_strings():
    # 100,000 characters: a linear pattern takes milliseconds; a quadratic one (the old
    # _DOUBLED_PERIOD: a minute on 65,537 letters) is stopped by the 15 s alarm and named.
    done = subprocess.run([sys.executable, "-c", REGEX_AUDIT, "100000", "15"], capture_output=True,
                          text=True, timeout=900, cwd=REPO)
    assert done.returncode == 0, done.stderr[-2000:]
    count, *slow = done.stdout.strip().split("\n")
    assert int(count) > 100  # the audit saw the package's patterns
    assert [s for s in slow if s] == []


def test_the_fixed_patterns_give_the_right_answers_on_long_strings():
    from chronicle.clean import _DOUBLED_PERIOD, _TITLE_SUFFIX, _repair
    from chronicle.dates import _PART_OF_DAY
    from chronicle.ingest.html import defuse_tags

    word = "a" * 65_537
    fixed, repairs = _repair(f"{word}. . Then")
    assert fixed == f"{word}. Then" and len(repairs) == 1
    assert _DOUBLED_PERIOD.sub("", word) == word
    assert _TITLE_SUFFIX.split("Riots in Almaty" + " " * 100_000 + "| Le Monde") == [
        "Riots in Almaty", "Le Monde"]
    assert _PART_OF_DAY.sub("", "Friday" + " " * 100_000 + "morning") == "Friday"
    assert _PART_OF_DAY.sub("", "Friday" + " " * 100_000 + "x") == "Friday" + " " * 100_000 + "x"
    page, notes = defuse_tags("<div " + " ".join(f'a{i}="x"' for i in range(40_000)) + ">Hi</div>")
    assert page == "<div>Hi</div>" and notes == [
        "a <div> tag with 40,000 attributes was read without them (more than 1,000)"]
    many = "<p " + " ".join(f'a{i}="x"' for i in range(1_000)) + ">Hi</p>"
    assert defuse_tags(many) == (many, [])


# --- the hostile corpus through the real CLI -----------------------------------------------------

def test_hostile_corpus_ingests_beside_good_documents_which_are_all_stored(tmp_path):
    import duckdb

    hostile = tmp_path / "hostile"
    notes = hostile_files(hostile)
    good = good_documents(tmp_path / "good")
    db = tmp_path / "fuzz.duckdb"
    # one file of each kind first among the goods, the rest after: bad input never stops a batch
    done = subprocess.run(
        [sys.executable, "-m", "chronicle.cli", "ingest", "--db", str(db), "--workers", "2",
         str(tmp_path / "good"), str(hostile)],
        capture_output=True, text=True, timeout=2400, cwd=REPO)
    assert done.returncode == 1, done.stderr[-3000:]  # some inputs failed, the rest went on
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    con = duckdb.connect(str(db), read_only=True)
    stored = {row[0]: row[1:] for row in con.execute(
        "SELECT id, source_path, title, flags FROM documents").fetchall()}
    paths = {row[0] for row in stored.values()}
    titles = {row[1] for row in stored.values()}
    errors = con.execute("SELECT path, item, reason FROM ingest_errors").fetchall()
    for key, title in good.items():
        assert key in stored or key in paths, (key, title)
        assert title in titles
    for name in notes:
        path = str(hostile / name)
        mine = [e for e in errors if e[0] == path]
        assert path in paths or mine, f"{name} ({notes[name]}) left neither a document nor an error"
        assert all("\n" not in e[2] for e in mine)
    # the repro of issue #19: a lone surrogate in a title costs nothing but the character
    surrogate = stored["s1"]
    assert surrogate[1] == "T\ufffd" and "invalid-character" in surrogate[2]
    # the feed item with an impossible date is kept, without its date
    (published, doc_errors), = con.execute(
        "SELECT published, errors FROM documents WHERE title = 'One' AND source_path LIKE '%bad-date.rss'"
    ).fetchall()
    assert published is None and "not a real date" in doc_errors
    # WARC: good records on both sides of garbage and of a corrupt member are kept
    for name, urls in (("good-garbage-good.warc", ["http://w/1", "http://w/2"]),
                       ("corrupt-member.warc.gz", ["http://w/3", "http://w/4"]),
                       ("huge-length.warc", ["http://w/2"])):
        kept = {r[0] for r in con.execute("SELECT source_url FROM documents WHERE source_path = ?",
                                          [str(hostile / name)]).fetchall()}
        assert set(urls) <= kept, (name, kept)
    only = [e for e in errors if e[0].endswith("only-version.warc")]
    assert only and "no record could be read" in only[0][2]
    huge = [e for e in errors if e[0].endswith("huge-length.warc")]
    assert huge and "impossible Content-Length" in huge[0][2]


# --- the HTTP API: every numeric parameter bounded -----------------------------------------------

@pytest.fixture(scope="module")
def api():
    from fastapi.testclient import TestClient

    from chronicle.serve import create_app
    from demo_db import empty_db

    with TestClient(create_app(empty_db()), raise_server_exceptions=False) as client:
        yield client


@pytest.mark.parametrize("path", ["/api/events", "/api/places", "/api/actors", "/api/documents"])
def test_an_offset_of_two_to_the_63_is_a_422_with_a_reason(api, path):
    response = api.get(path, params={"offset": str(2**63)})
    assert response.status_code == 422
    assert response.json() == {"error": "offset: Input should be less than or equal to 1000000000000"}


@FUZZ
@given(path=st.sampled_from(["/api/events", "/api/places", "/api/actors", "/api/documents",
                             "/api/search", "/api/timeline"]),
       number=st.one_of(st.integers(), st.integers(min_value=2**62), st.floats().map(str),
                        st.text(max_size=30)),
       name=st.sampled_from(["offset", "limit", "near", "since", "until"]))
def test_any_numeric_parameter_gives_an_answer_or_a_4xx_with_a_json_reason(api, path, number, name):
    params = {name: str(number)}
    if path == "/api/search":
        params["q"] = "police"
    response = api.get(path, params=params)
    assert response.status_code < 500, (path, params, response.text[:300])
    if response.status_code >= 400:
        assert set(response.json()) == {"error"}
