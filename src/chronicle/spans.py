"""A parse's entities looked up by position, indexed once per spaCy Doc.

`Doc.ents` builds a Span for every entity of the document each time it is read. Actors and dates
ask for the entities around each event, so reading it per question made the analysis of a report
quadratic in its length: a 136,000-character report of 2,000 short sentences took 97 s of CPU and
the 1,088,000-character one of `make fuzz` ran out of its budget (issue #19). Nothing changes a
Doc's entities once the pipeline has run, so the index is built on first use and kept in the
Doc's user data, like the Doc's text (`dates._doc_text`).
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
