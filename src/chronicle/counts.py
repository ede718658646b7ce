"""What a count of people counts: deaths, injuries, or something else.

One vocabulary (`data/count_units.tsv`, which says how it was made) for every reader of counts:
the ACLED export's `fatalities`, the events export's `fatalities` and `injuries`. A count is a
record `Quantity` (or its JSON dict): its `what` is the verb it depends on ("killed", "kill",
"beheaded"), its `unit` the noun it counts ("people", "dead", "body", "life").

    >>> count_kind({"value": 5, "unit": "people", "what": "killing"})
    'death'
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from importlib import resources

DEATH, INJURY = "death", "injury"


COMPLEMENT = "complement"
_WORD = re.compile(r"[a-z]+")


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[dict[str, str], dict[str, str]]:
    """(verb word → kind, noun word → kind); kind is death, injury or complement."""
    with resources.files("chronicle.data").joinpath("count_units.tsv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader((line for line in fh if not line.startswith("#")),
                                   delimiter="\t"))
    verbs, nouns = {}, {}
    for row in rows:
        word, kind, where = row["word"].lower(), row["kind"], row["as"]
        if where in ("verb", "any"):
            verbs[word] = kind
        if where in ("noun", "any"):
            nouns[word] = kind
    return verbs, nouns


def _get(quantity, key: str):
    value = quantity.get(key) if isinstance(quantity, dict) else getattr(quantity, key, None)
    return value.lower().strip() if isinstance(value, str) else None


def count_kind(quantity, before: str = "", after: str = "") -> str | None:
    """"death", "injury" or None for a count (a `Quantity` or its dict). Its verb and its noun
    both speak; when they disagree ("killed or wounded" read as one count) it is neither.
    `before`/`after`: the sentence's text just before and after the count, which decides for a
    verb such as "left" or "shot" ("left 15 dead", "shot dead five protesters")."""
    if not quantity:
        return None
    verbs, nouns = _vocabulary()
    kinds = set()
    for word in _WORD.findall(_get(quantity, "what") or ""):  # "gunned down" comes as words
        kind = verbs.get(word)
        if kind == COMPLEMENT:
            nearby = _WORD.findall(before.lower())[-1:] + _WORD.findall(after.lower())[:1]
            kind = next((k for k in (verbs.get(w) or nouns.get(w) for w in nearby)
                         if k in (DEATH, INJURY)), None)
        if kind:
            kinds.add(kind)
    unit = _get(quantity, "unit")
    if unit in nouns:
        kinds.add(nouns[unit])
    return kinds.pop() if len(kinds) == 1 else None


# ACLED's figures for tolls given only in words (its codebook: "dozens" 12, "hundreds" 100, and
# the same reading, the least the word can mean in tens, for "thousands").
_VAGUE_TOLLS = {"dozens": 12, "hundreds": 100, "thousands": 1000}


def count_value(quantity, text: str = "") -> int | None:
    """The whole number a count stands for, as ACLED records a toll: the figure given ("at
    least 5" is 5, "more than 200" is 200); for a toll in words (`text`, the count as written:
    "dozens of people") ACLED's figure."""
    vague = next((w for w in _WORD.findall(text.lower()) if w in _VAGUE_TOLLS), None)
    if vague:
        return _VAGUE_TOLLS[vague]
    value = quantity.get("value") if isinstance(quantity, dict) else getattr(quantity, "value", None)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if 0 <= number < float("inf") else None
