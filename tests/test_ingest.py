"""The ingest stage on real inputs: the shared samples, and bad inputs written at test time."""

from __future__ import annotations

import gzip
import io
import json
import re
from collections import Counter
from pathlib import Path

import jsonschema
import lxml.html
import pytest

import chronicle.ingest.common
from chronicle.ingest import html_to_document, read
from chronicle.record import Document, IngestError, record_schema, to_json

SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "samples"
needs_samples = pytest.mark.skipif(
    not SAMPLES.is_dir(),
    reason=f"shared samples not found at {SAMPLES} (they are not part of the repository)",
)
HTML_SAMPLES = sorted(p.name for p in (SAMPLES / "html").glob("*/")) if SAMPLES.is_dir() else []

GOOD_TEXT = "Troops land in Almaty\n\nRussian paratroopers landed in Almaty on Friday.\n"


def documents(results: list) -> list[Document]:
    return [r for r in results if isinstance(r, Document)]


def errors(results: list) -> list[IngestError]:
    return [r for r in results if isinstance(r, IngestError)]


def good_file(tmp_path: Path, name: str) -> str:
    path = tmp_path / name
    path.write_text(GOOD_TEXT, encoding="utf-8")
    return str(path)


def read_between_good_files(tmp_path: Path, bad: str, **kwargs) -> list:
    """Read [good, bad, good]: the batch must go on past the bad input."""
    paths = [good_file(tmp_path, "a-good.txt"), bad, good_file(tmp_path, "z-good.txt")]
    return list(read(paths, **kwargs))


def assert_one_error_and_both_good_documents(results: list, bad: str) -> IngestError:
    assert [d.source.path for d in documents(results)] == [
        str(Path(bad).parent / "a-good.txt"),
        str(Path(bad).parent / "z-good.txt"),
    ]
    (error,) = errors(results)
    assert error.path == bad
    assert "\n" not in error.reason
    return error


def word_f1(extracted: str, expected: str) -> float:
    ours = Counter(re.findall(r"\w+", extracted.lower()))
    theirs = Counter(re.findall(r"\w+", expected.lower()))
    common = sum((ours & theirs).values())
    if not common:
        return 0.0
    precision, recall = common / sum(ours.values()), common / sum(theirs.values())
    return 2 * precision * recall / (precision + recall)


def html_text(path: Path) -> str:
    return lxml.html.fromstring(path.read_bytes().decode("utf-8")).text_content()


# --- plain text -----------------------------------------------------------------------------------


@needs_samples
def test_headline_on_the_first_line_becomes_the_title_and_leaves_the_text():
    (doc,) = read([str(SAMPLES / "moscow-kazakhstan.txt")])
    assert doc.title == "Moscow in a strong position in Kazakhstan"
    assert doc.text.startswith("Twelve Russian military transport planes")
    assert doc.source.format == "txt"
    assert doc.id == "" and doc.published is None and doc.language == "und"
    assert "\n\nThe speed with which Kazakh President" in doc.text


def test_first_line_that_is_a_sentence_is_text_not_a_title(tmp_path):
    path = tmp_path / "report.txt"
    path.write_text("Police arrested 12 people on Friday.\n\nThey were released later.\n")
    (doc,) = read([str(path)])
    assert doc.title is None
    assert doc.text == "Police arrested 12 people on Friday.\n\nThey were released later."


def test_windows_line_endings_and_one_paragraph_per_line_become_blank_line_paragraphs(tmp_path):
    path = tmp_path / "scraped.txt"
    path.write_bytes(b"Protests spread to Aktobe\r\nCrowds gathered.\r\nPolice left.\r\n")
    (doc,) = read([str(path)])
    assert doc.title == "Protests spread to Aktobe"
    assert doc.text == "Crowds gathered.\n\nPolice left."


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_legacy_encoded_text_is_decoded_right_not_rejected(tmp_path, encoding):
    text = "Le café naïve, señor." if encoding == "latin-1" else "Le café – naïve et déjà vu."
    bad = tmp_path / f"legacy-{encoding}.txt"
    bad.write_bytes(f"Café – naïve\n\n{text}\n".encode(encoding, errors="replace"))
    results = read_between_good_files(tmp_path, str(bad))
    assert not errors(results)
    assert len(documents(results)) == 3
    middle = documents(results)[1]
    assert middle.text == text
    if encoding == "cp1252":
        assert middle.title == "Café – naïve"


# --- HTML -----------------------------------------------------------------------------------------


@needs_samples
@pytest.mark.parametrize("name", HTML_SAMPLES)
def test_html_sample_article_text_reaches_f1_090_and_title_matches(name):
    folder = SAMPLES / "html" / name
    (doc,) = read([str(folder / "source.html")])
    expected_meta = json.loads((folder / "expected-metadata.json").read_text(encoding="utf-8"))
    f1 = word_f1(doc.text, html_text(folder / "expected.html"))
    assert f1 >= 0.9, f"{name}: word F1 {f1:.3f}"
    assert " ".join(doc.title.split()) == " ".join(expected_meta["title"].split())
    assert doc.source.format == "html" and doc.source.path == str(folder / "source.html")
    assert "\n\n" in doc.text and "\n\n\n" not in doc.text


@needs_samples
@pytest.mark.parametrize("name", ["lemonde-1", "liberation-1"])
def test_french_pages_take_their_language_from_the_page(name):
    # liberation-1 also carries lang="en" inside IE conditional comments; the real <html> says fr.
    (doc,) = read([str(SAMPLES / "html" / name / "source.html")])
    assert doc.language == "fr"


@needs_samples
def test_html_page_keeps_date_and_canonical_url_from_its_metadata():
    (doc,) = read([str(SAMPLES / "html" / "guardian-1" / "source.html")], date="2000-01-01")
    assert doc.published == "2019-01-03"
    assert doc.language == "en"
    assert doc.source.url.startswith("http://www.theguardian.com/environment/2019/jan/03/")


def test_html_to_document_reads_bytes_in_their_declared_charset():
    page = (
        '<html lang="fr-FR"><head><meta charset="windows-1252">'
        "<title>Élection à Paris</title></head><body><article><h1>Élection à Paris</h1>"
        "<p>Les électeurs se sont rendus aux urnes dimanche, malgré la pluie et une longue "
        "attente devant les bureaux de vote.</p><p>Le dépouillement a commencé à vingt heures, "
        "selon la préfecture.</p></article></body></html>"
    ).encode("cp1252")
    doc = html_to_document(page, url="https://example.org/a", fmt="warc")
    assert doc.language == "fr"
    assert doc.title == "Élection à Paris"
    assert "Les électeurs se sont rendus aux urnes" in doc.text
    assert doc.source.url == "https://example.org/a" and doc.source.format == "warc"


def test_binary_file_named_html_is_not_text(tmp_path):
    bad = tmp_path / "photo.html"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    results = read_between_good_files(tmp_path, str(bad))
    error = assert_one_error_and_both_good_documents(results, str(bad))
    assert error.reason.startswith("not text")


def test_page_over_max_bytes_is_refused_by_its_size_before_reading(tmp_path, monkeypatch):
    bad = tmp_path / "huge.html"
    with open(bad, "wb") as fh:
        fh.truncate(20_000_000)  # a sparse 20 MB file: cheap to make, costly to read
    opened = []
    real_open = open

    def spying_open(path, *args, **kwargs):
        opened.append(str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(chronicle.ingest.common, "open", spying_open, raising=False)
    results = read_between_good_files(tmp_path, str(bad))
    error = assert_one_error_and_both_good_documents(results, str(bad))
    assert error.reason == "page is 20.0 MB, over the 10 MB limit (--max-bytes)"
    assert str(bad) not in opened


# --- WARC -----------------------------------------------------------------------------------------


@needs_samples
def test_warc_gives_one_document_per_html_response_and_counts_the_rest():
    stats: dict = {}
    results = list(read([str(SAMPLES / "warc" / "warcfile.warc.gz")], stats=stats))
    assert not errors(results)
    docs = documents(results)
    assert len(docs) == 16
    assert all(d.source.format == "warc" and d.source.url.startswith("http") for d in docs)
    assert docs[0].source.url == "http://003338.cn/l41/481397.html"
    # No date in the page markup: the crawl day (WARC-Date) stands in.
    assert docs[0].published == "2020-08-08"
    assert stats["skipped"] == {
        "WARC warcinfo record": 1,
        "WARC request record": 17,
        "WARC metadata record": 16,
    }
    russian = next(d for d in docs if d.source.url == "http://01spb.ru/company/")
    assert "компании" in russian.title  # windows-1251 page, decoded by its HTTP charset


@needs_samples
def test_truncated_warc_keeps_readable_records_and_reports_the_break():
    clipped = str(SAMPLES / "warc" / "clipped.warc.gz")
    results = list(read([clipped, str(SAMPLES / "warc" / "warcfile.warc.gz")]))
    (error,) = errors(results)
    assert error.path == clipped
    assert error.reason.startswith("truncated gzip: the file breaks off after 0 complete records")
    assert "kept what was readable" in error.reason
    # The one record in the file is cut; its readable part is kept and marked.
    cut, *rest = documents(results)
    assert cut.source.path == clipped and cut.flags.truncated
    assert cut.title == "A Humble Chance The Rapper Leads a Spiritual Awakening at Revention"
    assert cut.published == "2016-10-17"
    assert "cut off" in cut.errors[0]
    assert len(rest) == 16  # the next file in the batch is read in full


@needs_samples
def test_warc_cut_between_records_keeps_the_records_before_the_cut(tmp_path):
    whole = (SAMPLES / "warc" / "warcfile.warc.gz").read_bytes()
    bad = tmp_path / "half.warc.gz"
    bad.write_bytes(whole[: len(whole) // 2])
    results = list(read([str(bad)]))
    assert len(documents(results)) >= 5
    (error,) = [e for e in errors(results) if e.reason.startswith("truncated gzip")]
    assert "kept what was readable" in error.reason


@needs_samples
def test_warc_page_over_max_bytes_is_an_error_for_that_record_only():
    results = list(read([str(SAMPLES / "warc" / "warcfile.warc.gz")], max_bytes=50_000))
    too_big = errors(results)
    assert too_big and all("over the 50,000-byte limit (--max-bytes)" in e.reason for e in too_big)
    assert all(e.item.startswith("http") for e in too_big)
    assert len(documents(results)) + len(too_big) == 16


def test_file_named_warc_that_is_not_one_is_an_error(tmp_path):
    bad = tmp_path / "notes.warc.gz"
    bad.write_bytes(gzip.compress(b"these are my notes, not an archive\n"))
    results = read_between_good_files(tmp_path, str(bad))
    error = assert_one_error_and_both_good_documents(results, str(bad))
    assert error.reason.startswith("not a WARC file")


# --- feeds ----------------------------------------------------------------------------------------


@needs_samples
def test_guardian_rss_gives_55_documents_with_link_and_date():
    results = list(read([str(SAMPLES / "feeds" / "guardian.rss")]))
    assert not errors(results)
    docs = documents(results)
    assert len(docs) == 55
    first = docs[0]
    assert first.title == "Trump State of the Union address promised unity but emphasized discord"
    assert first.source.url.startswith("https://www.theguardian.com/us-news/2018/jan/31/")
    assert first.source.format == "rss"
    assert first.published == "2018-01-31"
    assert first.language == "en"
    assert first.text.startswith("The president’s ‘new American moment’ speech")
    assert "<p>" not in first.text and "\n\n" in first.text


@needs_samples
def test_german_atom_feed_uses_full_content_and_local_publication_day():
    docs = documents(list(read([str(SAMPLES / "feeds" / "heise.atom")])))
    assert len(docs) == 15
    assert docs[0].title == "Java-Anwendungsserver: Red Hat gibt WildFly 10 frei"
    assert docs[0].text.startswith("Die nun verfügbare Version 10 des Enterprise-Java-Servers")
    assert docs[0].published == "2016-02-01"


def test_malformed_rss_is_one_error_and_the_batch_goes_on(tmp_path):
    bad = tmp_path / "broken.rss"
    bad.write_text("<<<this is no feed>>> \x01 &&&")
    results = read_between_good_files(tmp_path, str(bad))
    error = assert_one_error_and_both_good_documents(results, str(bad))
    assert error.reason.startswith("not a valid RSS/Atom feed (")


def test_short_plain_feed_summaries_are_kept_even_when_trafilatura_drops_them(tmp_path):
    feed = tmp_path / "wire.xml"
    feed.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>'
        "<item><title>Arrests</title><link>https://example.org/1</link>"
        "<pubDate>Fri, 07 Jan 2022 23:30:00 +0600</pubDate>"
        "<description>Police arrested 12 people.</description></item>"
        "</channel></rss>"
    )
    (doc,) = read([str(feed)])
    assert doc.text == "Police arrested 12 people."
    assert doc.published == "2022-01-07"  # the publisher's day, not UTC's (Jan 7, 17:30)


# --- JSON Lines -----------------------------------------------------------------------------------


def test_jsonl_line_that_is_not_json_is_reported_by_number_and_other_lines_are_read(tmp_path):
    bad = tmp_path / "batch.jsonl"
    bad.write_text(
        '{"id": "k-1", "text": "Troops landed in Almaty on Friday."}\n'
        "{not json at all\n"
        '{"id": "k-3", "title": "no body here"}\n'
        '{"id": "k-4", "text": "Protesters gathered in Aktobe.", "date": "2022-01-05"}\n'
    )
    results = list(read([str(bad)]))
    assert [d.id for d in documents(results)] == ["k-1", "k-4"]
    assert [(e.path, e.item) for e in errors(results)] == [
        (str(bad), "line 2"),
        (str(bad), "line 3"),
    ]
    assert errors(results)[0].reason.startswith("line 2 is not valid JSON")
    assert errors(results)[1].reason == 'line 3 has no "text" or "html" string'
    assert documents(results)[1].published == "2022-01-05"


def test_jsonl_bad_line_does_not_stop_the_rest_of_the_batch(tmp_path):
    bad = tmp_path / "one-bad-line.jsonl"
    bad.write_text("this line is not JSON\n")
    results = read_between_good_files(tmp_path, str(bad))
    error = assert_one_error_and_both_good_documents(results, str(bad))
    assert error.reason.startswith("line 1 is not valid JSON") and error.item == "line 1"


def test_jsonl_line_over_max_bytes_is_refused_and_the_next_lines_are_read(tmp_path):
    long_line = json.dumps({"id": "long", "text": "word " * 100}) + "\n"
    path = tmp_path / "long.jsonl"
    path.write_text(long_line + json.dumps({"id": "short", "text": "Troops left Almaty."}) + "\n")
    results = list(read([str(path)], max_bytes=200))
    (error,) = errors(results)
    assert error.reason == (
        f"line 1 is {len(long_line)} bytes, over the 200-byte limit (--max-bytes)"
    )
    assert [d.id for d in documents(results)] == ["short"]


def test_empty_stdin_is_one_error():
    (error,) = read(["-"], stdin=io.StringIO(""))
    assert (error.path, error.reason) == ("<stdin>", "no JSON lines in the input")


def test_stdin_jsonl_with_html_uses_caller_fields_over_page_metadata():
    page = (
        '<html lang="en"><head><title>Page title</title>'
        '<meta property="article:published_time" content="2021-12-30T10:00:00Z"></head><body>'
        "<article><p>Kazakh authorities said 164 people had died in the unrest, a figure that "
        "could not be independently verified.</p><p>The internet was restored in Almaty.</p>"
        "</article></body></html>"
    )
    lines = [
        {
            "id": "caller-7",
            "html": page,
            "title": "Caller title",
            "date": "2022-01-09",
            "language": "en-GB",
        },
        {"id": 8, "html": page, "url": "https://example.org/kz"},
    ]
    stdin = io.StringIO("".join(json.dumps(line) + "\n" for line in lines))
    first, second = read(["-"], stdin=stdin)
    assert (first.id, first.title, first.published, first.language) == (
        "caller-7",
        "Caller title",
        "2022-01-09",
        "en",
    )
    assert first.source.path == "<stdin>" and first.source.format == "jsonl"
    assert "164 people had died" in first.text
    assert (second.id, second.title, second.published) == ("8", "Page title", "2021-12-30")
    assert second.source.url == "https://example.org/kz"


# --- the batch ------------------------------------------------------------------------------------


def test_empty_file_is_one_error_and_the_batch_goes_on(tmp_path):
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    results = read_between_good_files(tmp_path, str(bad))
    error = assert_one_error_and_both_good_documents(results, str(bad))
    assert error.reason == "the file is empty"


def test_path_that_does_not_exist_is_one_error_and_the_batch_goes_on(tmp_path):
    missing = str(tmp_path / "no-such-report.txt")
    results = read_between_good_files(tmp_path, missing)
    error = assert_one_error_and_both_good_documents(results, missing)
    assert error.reason == "no such file or directory"


def test_file_named_with_an_unknown_extension_is_an_error(tmp_path):
    bad = tmp_path / "report.pdf"
    bad.write_bytes(b"%PDF-1.4 ...")
    results = read_between_good_files(tmp_path, str(bad))
    error = assert_one_error_and_both_good_documents(results, str(bad))
    assert error.reason.startswith("unsupported file type")


def test_folder_is_read_recursively_in_sorted_order_and_other_files_are_counted(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.txt").write_text(GOOD_TEXT)
    (tmp_path / "a.jsonl").write_text('{"id": "first", "text": "Soldiers left Almaty."}\n')
    (tmp_path / "b" / "notes.pdf").write_bytes(b"%PDF")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.txt").write_text(GOOD_TEXT)
    stats: dict = {}
    results = list(read([str(tmp_path)], stats=stats))
    assert not errors(results)
    assert [d.source.path for d in documents(results)] == [
        str(tmp_path / "a.jsonl"),
        str(tmp_path / "b" / "2.txt"),
    ]
    assert stats["skipped"] == {"unsupported file type (.pdf)": 1}


def test_date_argument_is_the_fallback_publication_date_only(tmp_path):
    jsonl = tmp_path / "dated.jsonl"
    jsonl.write_text(
        '{"text": "Troops left.", "date": "2022-01-13"}\n{"text": "Troops arrived."}\n'
    )
    docs = documents(list(read([str(jsonl), good_file(tmp_path, "plain.txt")], date="2022-01-07")))
    assert [d.published for d in docs] == ["2022-01-13", "2022-01-07", "2022-01-07"]


def test_malformed_date_argument_is_refused_at_once():
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        read(["whatever.txt"], date="07/01/2022")


def test_documents_match_the_record_schema(tmp_path):
    docs = documents(read_between_good_files(tmp_path, str(tmp_path / "missing.txt")))
    schema = record_schema()
    for doc in docs:
        jsonschema.validate(json.loads(to_json(doc)), schema)


# --- hostile text (issue #19) ---------------------------------------------------------------------


def test_a_lone_surrogate_is_replaced_and_the_repair_recorded(tmp_path):
    bad = tmp_path / "s.jsonl"
    bad.write_text('{"id":"a\\udfff","title":"T\\udfff","url":"http://x/\\ud800","text":"Police '
                   'arrested 40.\\udfff"}\n', encoding="ascii")
    results = read_between_good_files(tmp_path, str(bad))
    assert not errors(results)
    _, doc, _ = documents(results)
    assert (doc.id, doc.title, doc.source.url) == ("a\ufffd", "T\ufffd", "http://x/\ufffd")
    assert doc.text == "Police arrested 40.\ufffd"
    reasons = [r.reason for r in doc.flags.repaired]
    assert reasons == [
        f"invalid-character: 1 lone surrogate ({code}) in the {field} replaced by U+FFFD"
        for code, field in (("\\udfff", "id"), ("\\udfff", "text"), ("\\udfff", "title"),
                            ("\\ud800", "url"))]
    assert doc.flags.repaired[2].text == "T\\udfff"  # the note itself is valid text
    to_json(doc)


def test_a_valid_surrogate_pair_written_as_two_escapes_is_one_character(tmp_path):
    path = tmp_path / "pair.jsonl"
    path.write_text('{"id":"p","text":"Smile \\ud83d\\ude00 please"}\n', encoding="ascii")
    (doc,) = documents(list(read([str(path)])))
    assert doc.text == "Smile 😀 please" and not doc.flags.repaired


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-32-le"])
def test_json_lines_in_utf16_or_utf32_are_read_by_their_byte_order_mark(tmp_path, encoding):
    lines = "".join(json.dumps({"id": f"n{i}", "text": f"Report {i} from Almaty."}) + "\n"
                    for i in range(3))
    data = lines.encode(encoding)
    if not encoding.endswith(("16", "32")):  # the -le/-be codecs write no mark of their own
        data = "\ufeff".encode(encoding) + data
    path = tmp_path / "wide.jsonl"
    path.write_bytes(data)
    assert [d.id for d in documents(list(read([str(path)])))] == ["n0", "n1", "n2"]
    stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="replace")
    assert [d.id for d in documents(list(read(["-"], stdin=stream)))] == ["n0", "n1", "n2"]


def test_a_feed_item_with_an_impossible_date_keeps_its_text_and_loses_the_date(tmp_path):
    feed = tmp_path / "f.rss"
    feed.write_text("""<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>
<item><title>One</title><pubDate>0000-00-00T00:00:00Z</pubDate>
<description>Police arrested 40 protesters in Almaty.</description></item>
<item><title>Two</title><pubDate>Wed, 31 Jan 2018 07:26:05 GMT</pubDate>
<description>Troops were sent.</description></item></channel></rss>""", encoding="utf-8")
    one, two = documents(list(read([str(feed)])))
    assert (one.title, one.published, two.published) == ("One", None, "2018-01-31")
    assert one.errors == ["ignored the entry's date '0000-00-00T00:00:00Z': not a real date"]


def test_a_tag_with_40000_attributes_is_read_without_them(tmp_path):
    attrs = " ".join(f'a{i}="x"' for i in range(40_000))
    page = tmp_path / "attrs.html"
    page.write_text(f"<html><body><div {attrs}><p>Police arrested 40 protesters in Almaty on "
                    "Friday, officials said.</p></div></body></html>", encoding="utf-8")
    (doc,) = documents(read_between_good_files(tmp_path, str(page)))[1:2]
    assert doc.text == "Police arrested 40 protesters in Almaty on Friday, officials said."
    assert doc.errors == ["a <div> tag with 40,000 attributes was read without them (more than 1,000)"]


def _warc(n: int, *, gz: bool = False, body: bytes | None = None, encoding: str | None = None):
    from hostile import warc_record

    return warc_record(f"http://w/{n}", n, gz=gz, body=body, encoding=encoding)


def test_warc_keeps_good_records_on_both_sides_of_garbage(tmp_path):
    bad = tmp_path / "x.warc"
    bad.write_bytes(_warc(1) + b"\x00\xffgarbage" * 1000 + b"\r\n" + _warc(2))
    results = list(read([str(bad)]))
    assert [d.source.url for d in documents(results)] == ["http://w/1", "http://w/2"]
    (error,) = errors(results)
    assert error.reason == ("damaged WARC: 9,002 bytes of unreadable data after record 1; kept the "
                            "2 readable records before and after")



def test_warc_with_an_impossible_first_length_keeps_the_record_after_it_and_says_so(tmp_path):
    bad = tmp_path / "x.warc"
    bad.write_bytes(_warc(1).replace(b"Content-Length: ", b"Content-Length: " + b"9" * 30, 1)
                    + _warc(2))
    results = list(read([str(bad)]))
    assert [d.source.url for d in documents(results)] == ["http://w/2"]
    (error,) = errors(results)
    assert re.fullmatch(r"damaged WARC: record 1 declares an impossible Content-Length \(33 digits\); "
                        r"[\d,]+ bytes of unreadable data before the first record; kept the 1 "
                        r"readable record before and after", error.reason), error.reason

def test_warc_gz_keeps_good_members_after_a_corrupt_first_member(tmp_path):
    first = bytearray(_warc(1, gz=True))
    first[30:200] = bytes(b ^ 0x55 for b in first[30:200])
    bad = tmp_path / "x.warc.gz"
    bad.write_bytes(bytes(first) + _warc(2, gz=True) + _warc(3, gz=True))
    results = list(read([str(bad)]))
    assert [d.source.url for d in documents(results)] == ["http://w/2", "http://w/3"]
    (error,) = errors(results)
    assert error.reason.startswith("damaged WARC: corrupt gzip member (")
    assert "at the start" in error.reason


@pytest.mark.parametrize("content, reason", [
    (b"WARC/1.0\r\n", "not a readable WARC file: no record could be read (record 1 has unreadable "
                      "headers)"),
    (b"WARC/1.0\r\n" + b"\x13\x37 garbage " * 500, "not a readable WARC file: no record could be "
                                                   "read (record 1 has unreadable headers)"),
])
def test_warc_of_only_a_version_line_or_garbage_after_it_is_an_error(tmp_path, content, reason):
    bad = tmp_path / "x.warc"
    bad.write_bytes(content)
    error = assert_one_error_and_both_good_documents(read_between_good_files(tmp_path, str(bad)),
                                                     str(bad))
    assert error.reason == reason


def test_an_http_gzip_body_is_inflated_no_further_than_max_bytes(tmp_path):
    import zlib

    squeeze = zlib.compressobj(9, zlib.DEFLATED, 31)
    bomb = b"".join(squeeze.compress(b"a" * (1 << 20)) for _ in range(200)) + squeeze.flush()
    assert len(bomb) < 300_000
    bad = tmp_path / "x.warc"
    bad.write_bytes(_warc(1, body=bomb, encoding="gzip") + _warc(2))
    results = list(read([str(bad)], max_bytes=1_000_000))
    assert [d.source.url for d in documents(results)] == ["http://w/2"]
    (error,) = errors(results)
    assert error.reason == "page is over the 1 MB limit (--max-bytes) once its gzip encoding is undone"
    assert error.item == "http://w/1"


def test_utf16_json_lines_whose_first_character_is_nul_are_not_taken_for_utf32(tmp_path):
    # found by the fuzz suite: FF FE 00 00 opens both UTF-32 LE and UTF-16 LE + NUL
    path = tmp_path / "nul.jsonl"
    path.write_bytes(("\x00\n" + json.dumps({"id": "good", "text": "Police arrested 40."}) + "\n")
                     .encode("utf-16"))
    results = list(read([str(path)]))
    assert [d.id for d in documents(results)] == ["good"]
    assert [e.item for e in errors(results)] == ["line 1"]
