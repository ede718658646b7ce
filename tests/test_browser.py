"""The web page in a real browser (Debian's chromium driven by Playwright), as an analyst uses it.

`make test` installs chromium first (`make browser`); where it cannot (not root), the run goes on
and these tests skip with that hint. Every test also asserts that the page logged no JavaScript
error. Screenshots go to tests/output/ (the README's picture of the download menu is one).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import expect

from demo_db import REPO, SEED, XSS_IMG, XSS_SCRIPT, XSS_TITLE, demo_db, empty_db, live_server

CHROMIUM = Path("/usr/bin/chromium")
OUTPUT = Path(__file__).resolve().parent / "output"
# The closed network refuses Chromium's background connections; these keep it from trying.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

SKIP_REASON = f"no {CHROMIUM}; run `make browser` (apt-get install chromium)"


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(SKIP_REASON)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw, tempfile.TemporaryDirectory(prefix="chronicle-chromium-") as profile:
        # A persistent context is how Playwright takes a --user-data-dir of our choosing.
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 950})
        context.set_default_timeout(15_000)
        yield context
        context.close()


@pytest.fixture(scope="module")
def demo_url():
    with live_server(demo_db()) as url:
        yield url


@pytest.fixture()
def page(browser):
    """A fresh tab that records console errors and uncaught exceptions."""
    tab = browser.new_page()
    tab.errors = []
    tab.on("console", lambda msg: tab.errors.append(msg.text) if msg.type == "error" else None)
    tab.on("pageerror", lambda exc: tab.errors.append(str(exc)))
    yield tab
    tab.close()


def open_page(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]")


@pytest.mark.skipif(not SEED.is_file(), reason=f"the shared sample {SEED} is absent")
def test_kazakhstan_deployment_shows_almaty_on_the_map_and_its_evidence_highlighted(page, demo_url):
    open_page(page, demo_url + "/")
    page.select_option("#f-country", "KAZ")
    expect(page).to_have_url(re.compile(r"\?country=KAZ"))
    expect(page.locator("#status")).to_have_text(re.compile(r"^\d+ events?$"))
    rows = page.locator("#events-body tr")
    expected = httpx.get(f"{demo_url}/api/events", params={"country": "KAZ", "order": "-date"}).json()
    assert [r.get_attribute("data-id") for r in rows.all()] == [e["id"] for e in expected["events"]]
    # the deployment: a MOBILIZE or AID event located in Almaty
    deployment = rows.filter(has=page.locator("td:nth-child(2)", has_text=re.compile("MOBILIZE|AID"))) \
                     .filter(has=page.locator("td:nth-child(5)", has_text="Almaty")).first
    event_id = deployment.get_attribute("data-id")
    deployment.click()
    page.wait_for_selector(f"article.event-view[data-id='{event_id}'] .doctext mark")

    marker = page.locator("#map circle.marker[data-place='Almaty']")
    assert marker.count() == 1 and marker.is_visible()
    assert "Almaty" in marker.locator("title").text_content()

    event = httpx.get(f"{demo_url}/api/events/{event_id}").json()
    evidence = event["sources"][0]["evidence"]["text"].strip()
    assert "Russian troops" in evidence or "planes" in evidence
    mark = page.locator("article.event-view .doctext mark").first
    assert mark.text_content() == evidence
    assert mark.is_visible()  # scrolled into view inside the text box
    view = page.locator("article.event-view").inner_text()
    for field in ("MOBILIZE" if event["type"] == "MOBILIZE" else "AID", "Almaty, KAZ",
                  "machine-translated from fr", "truncated"):
        assert field in view
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "kazakhstan-deployment.png"))
    assert page.errors == []


def test_markup_in_article_text_shows_literally_and_never_runs(page, demo_url):
    docs = httpx.get(f"{demo_url}/api/documents", params={"text": "chronicleXss"}).json()["documents"]
    assert len(docs) == 1
    doc_id = docs[0]["id"]
    open_page(page, f"{demo_url}/#document/{doc_id}")
    box = page.locator(f"article.document-view .doctext[data-doc='{doc_id}']")
    box.wait_for()
    text = box.text_content()
    assert XSS_SCRIPT in text and XSS_IMG in text  # the characters as written
    assert page.locator("article.document-view h2").text_content() == XSS_TITLE
    # nothing from the text became an element, and nothing ran
    assert box.locator("script, img").count() == 0
    assert page.locator("img[src='x']").count() == 0
    assert page.evaluate("typeof window.__chronicleXss") == "undefined"
    # the same in the event view of each of its events (evidence and document text)
    for event in httpx.get(f"{demo_url}/api/documents/{doc_id}").json()["events"]:
        page.evaluate(f"location.hash = 'event/{event['cluster_id']}'")
        page.wait_for_selector(f"article.event-view[data-id='{event['cluster_id']}'] .doctext mark")
        assert XSS_SCRIPT in page.locator("article.event-view .doctext").first.text_content()
        assert page.locator("img[src='x']").count() == 0
    assert page.evaluate("typeof window.__chronicleXss") == "undefined"
    assert page.errors == []


def test_document_view_shows_what_cleaning_removed_and_why(page, demo_url):
    docs = httpx.get(f"{demo_url}/api/documents", params={"translated": "true", "limit": 500}).json()
    strike = next(d for d in docs["documents"] if d["source_path"].endswith("harbour-strike-translated.txt"))
    full = httpx.get(f"{demo_url}/api/documents/{strike['id']}").json()
    open_page(page, f"{demo_url}/#document/{strike['id']}")
    view = page.locator("article.document-view")
    view.wait_for()
    removed = view.locator("ul.removed").first.locator("li")
    assert removed.count() == len(full["removed"]) > 0
    first = removed.first.inner_text()
    assert full["removed"][0]["text"] in first and full["removed"][0]["reason"] in first
    flags = view.locator("ul.flag-list").inner_text()
    assert "Truncated" in flags and "Machine-translated from fr" in flags
    # every event of the document is highlighted in its text
    assert view.locator(".doctext mark").count() >= 1
    assert page.errors == []


def test_filters_timeline_and_map_follow_each_other(page, demo_url):
    open_page(page, demo_url + "/")
    total = int(page.locator("#status").inner_text().split()[0])
    assert page.locator("#timeline rect.bar").count() >= 1
    assert page.locator("#map path.country").count() > 150
    markers = page.locator("#map circle.marker").count()
    assert markers >= 3
    page.fill("#f-text", "Bishkek")
    page.click("#filters button[type=submit]")
    expect(page).to_have_url(re.compile(r"\?text=Bishkek"))
    expect(page.locator("#status")).to_have_text(re.compile(r"^\d+ events?$"))
    assert int(page.locator("#status").inner_text().split()[0]) < total
    assert page.locator("#map circle.marker").count() == 1
    assert page.locator("#map circle.marker").get_attribute("data-place") == "Bishkek"
    rows = page.locator("#events-body tr")
    assert rows.count() >= 1 and all("Bishkek" in t for t in rows.locator("td:nth-child(5)").all_inner_texts())
    assert page.errors == []


def test_an_empty_database_shows_empty_states_without_errors(page):
    with live_server(empty_db()) as url:
        open_page(page, url + "/")
        assert page.locator("#events-empty").is_visible()
        assert "no events yet" in page.locator("#events-empty").inner_text()
        assert "No events" in page.locator("#timeline").text_content()
        assert "No event places" in page.locator("#map").text_content()
        assert page.locator("#map path.country").count() > 150  # the outline still draws
        assert "0 documents" in page.locator("#summary").inner_text()
        OUTPUT.mkdir(exist_ok=True)
        page.screenshot(path=str(OUTPUT / "empty-database.png"))
    assert page.errors == []


def test_download_menu_offers_the_events_of_the_current_filters(page, demo_url, tmp_path):
    open_page(page, demo_url + "/")
    page.select_option("#f-type", "PROTEST")
    expect(page).to_have_url(re.compile(r"\?type=PROTEST"))
    expect(page.locator("#status")).to_have_text(re.compile(r"^\d+ events?$"))
    total = httpx.get(f"{demo_url}/api/events", params={"type": "PROTEST"}).json()["total"]
    page.click("#download summary")
    menu = page.locator("#download .menu")
    expect(menu).to_be_visible()
    expect(page.locator("#download-note")).to_have_text(re.compile(rf"\b{total} events?\b"))
    links = menu.locator("a[data-format]")
    assert links.count() == 5
    for link in links.all():
        query = parse_qs(urlsplit(link.get_attribute("href")).query)
        assert query == {"format": [link.get_attribute("data-format")], "type": ["PROTEST"]}
    OUTPUT.mkdir(exist_ok=True)  # the README's picture: the filters and the open menu
    bottom = menu.bounding_box()["y"] + menu.bounding_box()["height"] + 24
    page.screenshot(path=str(OUTPUT / "download-menu.png"),
                    clip={"x": 0, "y": 0, "width": 1400, "height": bottom})
    # the file a click saves is the API's export of the same filters
    with page.expect_download() as info:
        menu.locator("a[data-format=acled]").click()
    download = info.value
    assert download.suggested_filename == "events.acled.csv"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    expected = httpx.get(f"{demo_url}/api/export", params={"format": "acled", "type": "PROTEST"})
    assert saved.read_bytes() == expected.content and expected.content.count(b"\n") >= 2
    # a new filter changes every link
    page.select_option("#f-event-country", index=1)
    where = page.locator("#f-event-country").input_value()
    expect(page).to_have_url(re.compile(rf"event_country={where}"))
    for link in links.all():
        assert f"event_country={where}" in link.get_attribute("href")
    assert page.errors == []


def test_a_page_of_results_can_be_linked(page, demo_url):
    everything = httpx.get(f"{demo_url}/api/events", params={"order": "-date", "limit": 500}).json()
    total, offset = everything["total"], 20
    assert total > offset
    open_page(page, f"{demo_url}/?offset={offset}")
    expect(page.locator("#page-info")).to_have_text(f"{offset + 1}–{total} of {total}")
    ids = [r.get_attribute("data-id") for r in page.locator("#events-body tr").all()]
    assert ids == [e["id"] for e in everything["events"][offset:offset + 50]]
    page.click("#prev")
    expect(page.locator("#page-info")).to_have_text(re.compile(r"^1–"))
    assert "offset" not in page.url
    # a page past the end shows the last page instead of nothing
    open_page(page, f"{demo_url}/?offset={total + 100}")
    expect(page.locator("#page-info")).to_have_text(re.compile(rf"of {total}$"))
    assert page.locator("#events-body tr").count() >= 1
    assert page.errors == []


def test_a_400_px_screen_shows_each_event_as_a_card(browser, demo_url):
    tab = browser.new_page()
    tab.set_viewport_size({"width": 400, "height": 860})
    errors = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        open_page(tab, demo_url + "/")
        # nothing wider than the screen: no sideways scrolling
        assert tab.evaluate("document.documentElement.scrollWidth") <= 400
        assert not tab.locator("#events-table thead").is_visible()
        card = tab.locator("#events-body tr").first
        assert tab.evaluate("(tr) => getComputedStyle(tr).display", card.element_handle()) == "block"
        box = card.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 400
        # each field says what it is, and the evidence is there to read
        labels = tab.evaluate("""(tr) => [...tr.cells].map((td) => [td.dataset.label || null,
            getComputedStyle(td, "::before").content])""", card.element_handle())
        assert [label for label, _ in labels if label] == ["Date", "Type", "Source", "Target",
                                                          "Place", "Reports", "Confidence"]
        assert all(shown != "none" for label, shown in labels if label)
        assert card.locator("td.evidence").is_visible()
        tab.click("#download summary")
        menu = tab.locator("#download .menu").bounding_box()
        assert menu["x"] >= 0 and menu["x"] + menu["width"] <= 400
        OUTPUT.mkdir(exist_ok=True)
        tab.screenshot(path=str(OUTPUT / "narrow-screen.png"), full_page=True)
    finally:
        tab.close()
    assert errors == []


def test_make_test_goes_on_without_chromium_when_it_cannot_be_installed(tmp_path):
    """As a user who is not root: no chromium on the PATH, and apt-get refuses."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("no make on this machine")
    fake = tmp_path / "bin"
    fake.mkdir()
    apt = fake / "apt-get"
    apt.write_text("#!/bin/sh\necho 'E: Could not open lock file /var/lib/apt/lists/lock - open "
                   "(13: Permission denied)' >&2\nexit 100\n")
    apt.chmod(0o755)
    done = subprocess.run([make, "--no-print-directory", "-C", str(REPO), "browser"],
                          env={"PATH": str(fake), "HOME": str(tmp_path)}, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "the browser tests will be skipped" in done.stdout
