"""The actor knowledge base: who is who, looked up by name, with the dates each fact held.

`data/actor_kb.tsv.gz` is compiled by `scripts/make_actor_kb.py` from the Phoenix/CAMEO actor
dictionaries and CountryInfo (people with dated codes, national institutions, armed groups, IGOs
and NGOs, agent nouns → sectors, nationality words, capitals, major cities and regions) and from
the package's own `data/leaders.tsv`. Each row is one fact about one surface form: the country,
sector and kind it codes to, the period it held (`from`/`to`, YYYYMMDD, empty = open) and which
table said so.

The table is small (a few MB) but every process codes actors, so like the gazetteer it is
derived once into the user's cache folder as flat arrays (`chronicle.cache`) and memory-mapped:
a lookup is a binary search over sorted keys that touches a handful of pages. The table knows no
parser: `actors.py` asks it about spans.
"""

from __future__ import annotations

import gzip
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from . import cache

KB_FILE = "actor_kb.tsv.gz"
COLUMNS = ("key", "country", "sector", "kind", "from", "to", "name", "source")
# Where a fact comes from, as `chronicle actor` names it.
SOURCES = {
    "leaders": "leaders table (data/leaders.tsv)",
    "phoenix-countries": "Phoenix country actors",
    "phoenix-international": "Phoenix international actors",
    "phoenix-nonstate": "Phoenix armed non-state actors",
    "phoenix-agents": "Phoenix agent nouns",
    "cameo-religions": "CAMEO religious groups",
    "countryinfo": "CountryInfo",
}


def kb_key(text: str) -> str:
    """A phrase as the table files it: no accents, case, dots, apostrophes or hyphens, no leading
    "the" and no possessive 's: "the U.N.'s" = "un", "Kassym-Jomart Tokayev" = "kassym jomart
    tokayev"."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).lower()
    plain = plain.replace("\u2019", "'").replace("_", " ")
    plain = re.sub(r"'s\b", "", plain)
    plain = re.sub(r"[.']", "", plain)
    plain = re.sub(r"[^0-9a-z&]+", " ", plain).strip()
    if plain.startswith("the "):
        plain = plain[4:]
    return plain


@dataclass(frozen=True)
class Fact:
    country: str | None
    sector: str | None
    kind: str  # person | group | state | igo | ngo | country | capital | city | region | demonym | agent
    start: str  # YYYYMMDD or ""
    end: str
    name: str
    source: str

    def holds_on(self, date: str | None) -> bool:
        """Whether the fact held on `date` (YYYY-MM-DD, YYYY-MM or YYYY); undated facts always."""
        if not date:
            return True
        day = date.replace("-", "")
        lo = day.ljust(8, "0")
        hi = day.ljust(8, "9")
        return (not self.start or hi >= self.start) and (not self.end or lo <= self.end)


def _installed() -> bytes:
    return resources.files("chronicle.data").joinpath(KB_FILE).read_bytes()


def _rows(raw: bytes):
    for line in gzip.decompress(raw).decode("utf-8").splitlines():
        if line and not line.startswith("#") and not line.startswith("key\t"):
            yield line.split("\t")


class KnowledgeBase:
    """Sorted keys and, for each, its facts as one packed string (rows joined by \\x1e)."""

    def __init__(self, keys_blob, key_offsets, values_blob, value_offsets):
        self._keys, self._koff = keys_blob, key_offsets
        self._vals, self._voff = values_blob, value_offsets

    def __len__(self) -> int:
        return len(self._koff) - 1

    def _key(self, i: int) -> bytes:
        return bytes(self._keys[self._koff[i]:self._koff[i + 1]])

    def facts(self, key: str) -> list[Fact]:
        """Every fact filed under `key` (already normalised by `kb_key`)."""
        if not key:
            return []
        want = key.encode("utf-8")
        lo, hi = 0, len(self)
        while lo < hi:
            mid = (lo + hi) // 2
            if self._key(mid) < want:
                lo = mid + 1
            else:
                hi = mid
        if lo >= len(self) or self._key(lo) != want:
            return []
        packed = bytes(self._vals[self._voff[lo]:self._voff[lo + 1]]).decode("utf-8")
        return [Fact(*(f or None if i < 2 else f for i, f in enumerate(row.split("\t"))))
                for row in packed.split("\x1e")]

    def __contains__(self, key: str) -> bool:
        return bool(self.facts(key))


def _build(raw: bytes) -> dict:
    from array import array

    grouped: dict[str, list[str]] = {}
    for row in _rows(raw):
        grouped.setdefault(row[0], []).append("\t".join(row[1:]))
    keys = sorted(grouped, key=lambda k: k.encode("utf-8"))
    key_blob, val_blob = bytearray(), bytearray()
    koff, voff = array("q", [0]), array("q", [0])
    for k in keys:
        key_blob += k.encode("utf-8")
        koff.append(len(key_blob))
        val_blob += "\x1e".join(grouped[k]).encode("utf-8")
        voff.append(len(val_blob))
    return {"keys": array("B", key_blob), "key_offsets": koff,
            "values": array("B", val_blob), "value_offsets": voff}


def _cache_file(raw: bytes) -> Path:
    import hashlib

    key = hashlib.sha1(raw)
    key.update(Path(__file__).read_bytes())
    return cache.folder() / f"actorkb-{key.hexdigest()[:16]}.arrays"


@lru_cache(maxsize=1)
def knowledge_base() -> KnowledgeBase:
    """The installed knowledge base, memory-mapped from the cache folder (derived on first use,
    about a second). If the cache cannot be written, the table is built in memory instead."""
    raw = _installed()
    path = _cache_file(raw)
    try:
        arrays, _ = cache.map_arrays(path)
    except (OSError, ValueError):
        arrays = _build(raw)
        try:
            cache.write_arrays(path, arrays, {"file": KB_FILE})
            arrays, _ = cache.map_arrays(path)
        except OSError:
            arrays = {k: memoryview(v) for k, v in arrays.items()}
    return KnowledgeBase(arrays["keys"], arrays["key_offsets"], arrays["values"],
                         arrays["value_offsets"])


def lookup(text: str, date: str | None = None, kinds: set[str] | None = None) -> Fact | None:
    """The fact a phrase codes to on `date`: among the facts filed under it (of `kinds`, if
    given), those that held then; of those our own tables first, then a dated fact before an
    undated default. Without a date, the most recent fact."""
    facts = knowledge_base().facts(kb_key(text))
    if kinds is not None:
        facts = [f for f in facts if f.kind in kinds]
    if not facts:
        return None
    if date:
        held = [f for f in facts if f.holds_on(date)]
        facts = held or facts
        # a dated fact is more specific than the default that covers every other time
        return min(facts, key=lambda f: (f.source != "leaders", not (f.start or f.end),
                                         -int(f.start or 0)))
    return min(facts, key=lambda f: (f.source != "leaders", -int((f.end or "99999999")),
                                     -int(f.start or 0)))
