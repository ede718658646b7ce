"""A parse's entities looked up by position, indexed once per spaCy Doc.

`Doc.ents` builds a Span for every entity of the document each time it is read. Actors and dates
ask for the entities around each event, so reading it per question made the analysis of a report
quadratic in its length: a 136,000-character report of 2,000 short sentences took 97 s of CPU and
the 1,088,000-character one of `make fuzz` ran out of its budget (issue #19). Nothing changes a
Doc's entities once the pipeline has run, so the index is built on first use and kept in the
Doc's user data, like the Doc's text (`doc_text`).
"""

from __future__ import annotations

import bisect

_KEY = "chronicle_ents"


def entities_overlapping(doc, start: int, end: int) -> list:
    """The entities of `doc` that share a token with tokens [start, end), in `doc.ents` order.
    Entities never overlap and come in text order, so their ends are sorted too."""
    index = doc.user_data.get(_KEY)
    if index is None:
        ents = tuple(doc.ents)
        index = doc.user_data[_KEY] = (ents, [e.end for e in ents])
    ents, ends = index
    found = []
    for k in range(bisect.bisect_right(ends, start), len(ents)):
        if ents[k].start >= end:
            break
        found.append(ents[k])
    return found


def starting_within(doc, items, start: int, end: int) -> list:
    """The items of a document-wide list (the record's entities or quantities: anything with a
    `.start`) that start within characters [start, end), in the list's own order. Steps that ask
    this once per event used to scan the whole list each time, quadratic on a long report
    (docs/BENCHMARKS.md, session 25); the list's starts are read once per parsed `doc` and bisected
    when they come in order, as the nlp stage writes them (otherwise scanned, as before)."""
    key = ("chronicle_starts", id(items))
    index = doc.user_data.get(key)
    if index is None or index[0] is not items or index[1] != len(items):
        starts = [item.start for item in items]
        ordered = all(a <= b for a, b in zip(starts, starts[1:]))
        index = doc.user_data[key] = (items, len(items), starts if ordered else None)
    starts = index[2]
    if starts is None:
        return [item for item in items if start <= item.start < end]
    return list(items[bisect.bisect_left(starts, start):bisect.bisect_left(starts, end)])


def doc_text(doc) -> str:
    """The parsed document's text, built once: spaCy's `Doc.text` joins every token on each call
    (in the nlp stage's entity repairs, once per entity, it was most of their cost)."""
    text = doc.user_data.get("chronicle_text")
    if text is None:
        text = doc.user_data["chronicle_text"] = doc.text
    return text


def token_bounds(doc) -> tuple[str, list[int], list[int]]:
    """The document's text and every token's start and end offset in it, made once per Doc."""
    bounds = doc.user_data.get("chronicle_token_bounds")
    if bounds is None:
        bounds = doc.user_data["chronicle_token_bounds"] = (
            [t.idx for t in doc], [t.idx + len(t) for t in doc])
    return doc_text(doc), bounds[0], bounds[1]


def token_text(doc, i: int, j: int) -> str:
    """The text of tokens [i, j) of `doc` (as `doc[i:j].text`), cut from the document's text by
    offsets kept once per Doc: actors look up every run of up to 8 tokens of each phrase they code,
    and a Span made and joined for each was a third of their cost."""
    text, starts, ends = token_bounds(doc)
    return text[starts[i]:ends[j - 1]] if j > i else ""
