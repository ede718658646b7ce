"""The one definition of the Chronicle record (see RECORD.md in the design notes).

Every stage takes and returns these structs; the JSON Schema (``record_schema()``), the store's tables
and the API are derived from them. msgspec gives us typed structs that are cheap to create, pickle
across worker processes, and encode straight to JSON.
"""

from __future__ import annotations

import hashlib
import re
from typing import Literal

import msgspec

Format = Literal["txt", "html", "warc", "rss", "jsonl"]
Approx = Literal["exact", "about", "at_least", "at_most"]
ActorKind = Literal["state", "person", "group", "igo", "ngo", "unknown"]
EntityLabel = Literal["PERSON", "ORG", "GPE", "LOC", "NORP", "FAC"]
Feature = Literal["country", "admin", "city", "site"]
Modality = Literal["asserted", "intended", "denied", "hypothetical", "claimed"]
Precision = Literal["day", "month", "year", "unknown"]
RefMethod = Literal["published", "weekday", "explicit", "context"]


class Struct(msgspec.Struct, omit_defaults=False, forbid_unknown_fields=False):
    def to_dict(self) -> dict:
        return msgspec.to_builtins(self)


class Source(Struct):
    path: str | None = None
    url: str | None = None
    format: Format = "txt"


class Removed(Struct):
    text: str
    reason: str


class Flags(Struct):
    truncated: bool = False
    read_fraction: float | None = None
    machine_translated: bool = False
    translated_from: str | None = None
    duplicate_of: str | None = None
    removed: list[Removed] = msgspec.field(default_factory=list)
    # Repairs made to the text (e.g. "1is January" -> "1 January"); not in RECORD.md's minimum,
    # added so that every change to the user's text is visible.
    repaired: list[Removed] = msgspec.field(default_factory=list)


class ReferenceDate(Struct):
    year: int
    method: RefMethod
    evidence: str
    date: str | None = None


class Actor(Struct):
    text: str
    name: str | None = None
    country: str | None = None
    sector: str | None = None
    kind: ActorKind = "unknown"


class Place(Struct):
    text: str
    name: str
    lat: float
    lon: float
    country: str | None = None
    admin1: str | None = None
    geonameid: int | None = None
    feature: Feature = "city"
    # Why this place was chosen among those of its name, one line ("most populous of 12 named
    # Mansfield; in Ohio, named after it"), or how it was found ("inside 'Mansfield Police
    # Department'", "demonym"). Added after the first record version: absent in old records.
    reason: str | None = None


class Entity(Struct):
    text: str
    label: EntityLabel
    start: int
    end: int
    actor: Actor | None = None
    place: Place | None = None


class Quantity(Struct):
    value: float
    approx: Approx
    unit: str
    start: int
    end: int
    what: str | None = None


class Quote(Struct):
    text: str
    start: int
    end: int
    speaker: Actor | None = None


class Evidence(Struct):
    text: str
    start: int
    end: int


class Event(Struct):
    id: str
    type: str
    evidence: Evidence
    mode: str | None = None
    cameo: str | None = None
    source: Actor | None = None
    target: Actor | None = None
    date: str | None = None
    date_precision: Precision = "unknown"
    location: Place | None = None
    quantity: Quantity | None = None
    modality: Modality = "asserted"
    confidence: float = 0.0
    # An addition to RECORD.md's fields (optional, so older records stay valid): the id of the
    # event of the same document that first told this one, when this sentence tells it again
    # ("… the attack on Monday …" after the attack was told) — GDELT's Mentions table in one
    # field: count events where it is null, find every sentence about one by following it.
    mention_of: str | None = None


class Document(Struct):
    id: str
    text: str
    source: Source = msgspec.field(default_factory=Source)
    title: str | None = None
    # author and site are additions to RECORD.md's minimum: HTML metadata readers want to keep
    author: str | None = None
    site: str | None = None
    published: str | None = None
    reference_date: ReferenceDate | None = None
    language: str = "und"
    flags: Flags = msgspec.field(default_factory=Flags)
    entities: list[Entity] = msgspec.field(default_factory=list)
    events: list[Event] = msgspec.field(default_factory=list)
    quotes: list[Quote] = msgspec.field(default_factory=list)
    quantities: list[Quantity] = msgspec.field(default_factory=list)
    errors: list[str] = msgspec.field(default_factory=list)


class IngestError(Struct):
    """An input that could not be read at all (as opposed to Document.errors, which are non-fatal)."""

    path: str
    reason: str
    item: str | None = None  # record / line / entry inside the input, when the failure is local


_WS = re.compile(r"\s+")


def normalise_for_hash(text: str) -> str:
    return _WS.sub(" ", text).strip().casefold()


def text_id(text: str) -> str:
    """A stable id for a document without a caller id: a hash of its normalised cleaned text."""
    return hashlib.sha1(normalise_for_hash(text).encode("utf-8")).hexdigest()[:16]


def to_json(doc: Document) -> bytes:
    return msgspec.json.encode(doc)


def from_json(data: bytes | str) -> Document:
    return msgspec.json.decode(data, type=Document)


def record_schema() -> dict:
    """JSON Schema of the Document record, generated from the structs above."""
    return msgspec.json.schema(Document)
