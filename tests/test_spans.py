"""Entities looked up by position (spans.py), and an analysis whose cost follows a report's length."""

from __future__ import annotations

import time

from chronicle.nlp import load_pipeline
from chronicle.spans import doc_text, entities_overlapping, token_text


def test_entities_overlapping_a_window_are_those_a_scan_of_every_entity_finds():
    doc = load_pipeline()(
        "Kassym-Jomart Tokayev met Vladimir Putin in Moscow on Friday, January 7. Police in Almaty "
        "arrested 3,800 people, the interior ministry said on Monday. NATO and the CSTO said nothing.")
    assert len(doc.ents) > 6
    for start in range(len(doc) + 1):
        for end in range(start, len(doc) + 2):
            expected = [e for e in doc.ents if e.start < end and e.end > start]
            assert entities_overlapping(doc, start, end) == expected, (start, end)


def test_token_text_and_doc_text_are_what_spacy_gives():
    """Cut from the kept text by kept offsets, a run of tokens reads as its Span's own text: across
    runs of spaces, paragraph breaks, possessives and tokens with no space between them."""
    doc = load_pipeline()("Police  in Almaty's centre   said.\n\nThe U.S.-led force, he said , left. "
                          "“Go home,” Tokayev  told them.\n")
    assert doc_text(doc) == doc.text
    for i in range(len(doc) + 1):
        for j in range(i, len(doc) + 1):
            assert token_text(doc, i, j) == doc[i:j].text, (i, j)


def test_analysing_a_report_four_times_as_long_costs_about_four_times_the_cpu():
    """A report of thousands of short sentences, each an event: actors, dates and places read
    every entity of the document for each event, and 2,000 sentences took 97 s of CPU against
    2 s for 250 (the 1,088,000 characters of `make fuzz` were lost over their budget). A CPU-time
    ratio, not a speed target: linear gives about 4, the quadratic gave 11 to 16."""
    from chronicle.clean import clean
    from chronicle.pipeline import analyse
    from chronicle.record import Document

    sentence = "Police arrested 40 protesters in Almaty on Friday, officials said.\n\n"

    def cpu(n: int) -> float:
        doc = clean(Document(id=f"r{n}", title="Report", text="Report\n\n" + sentence * n))
        started = time.process_time()
        [done] = analyse([doc])
        assert len(done.events) == n
        return time.process_time() - started

    cpu(20)  # models and tables loaded
    # the lesser of two runs each: a CPU-time ratio still moves with what else the machine does (one
    # run of 1,000 read 1.8 to 2.9 s in a row once spaCy's parse got cheaper, session 25)
    small, large = min(cpu(250), cpu(250)), min(cpu(1_000), cpu(1_000))
    assert large < 7 * small, (small, large)


def test_items_starting_within_a_window_are_those_a_scan_finds_in_the_list_order():
    """`starting_within` bisects a document-wide list indexed once per parsed document; what it
    returns is what scanning the list gives, whether the list is in order of start or not, and
    after the list grows."""
    from types import SimpleNamespace

    from chronicle.spans import starting_within

    doc = load_pipeline()("Police arrested 40 protesters in Almaty on Friday.")
    ordered = [SimpleNamespace(start=s) for s in (0, 3, 3, 7, 12, 20, 20, 31)]
    shuffled = [ordered[k] for k in (4, 0, 7, 2, 5, 1, 6, 3)]
    for items in (ordered, shuffled, []):
        for start in range(-1, 34):
            for end in range(start, 35):
                expected = [x for x in items if start <= x.start < end]
                assert starting_within(doc, items, start, end) == expected, (start, end)
    ordered.append(SimpleNamespace(start=40))  # the list changed: indexed again
    assert starting_within(doc, ordered, 35, 45) == [ordered[-1]]
