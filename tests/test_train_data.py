"""The hand-written training corpus keeps the format and conventions its README states."""

import csv
import re
from pathlib import Path

import pytest

from chronicle.extract.candidates import EVENT_TYPES

TRAIN = Path(__file__).resolve().parents[1] / "src" / "chronicle" / "data" / "train"
MODALITIES = {"asserted", "intended", "denied", "hypothetical", "claimed"}


def rows(name: str) -> list[list[str]]:
    with open(TRAIN / name, encoding="utf-8") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    table = list(csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert table[0] == ["text", "type", "mode", "cameo", "modality", "source", "target"]
    return table[1:]


@pytest.mark.parametrize("name", ["events.tsv", "events_held_back.tsv"])
def test_every_row_is_well_formed(name):
    for row in rows(name):
        assert len(row) == 7, row
        text, kind, mode, cameo, modality, source, target = row
        assert kind in EVENT_TYPES or kind == "NONE", row
        assert '"' not in text and text == text.strip() and text
        if kind == "NONE":
            assert not any((mode, cameo, modality, source, target)), row
        else:
            assert modality in MODALITIES and re.fullmatch(r"\d{2,4}", cameo), row
            assert all(part in text for part in (source, target) if part), row


def test_no_sentence_is_written_twice_across_both_files():
    seen = set()
    for name in ("events.tsv", "events_held_back.tsv"):
        for row in rows(name):
            key = " ".join(re.sub(r"\W+", " ", row[0].lower()).split())
            assert key not in seen, row[0]
            seen.add(key)
