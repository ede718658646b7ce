"""A simulated store: generated documents and events, for measuring resolve and queries at scale.

Nothing here is committed data: `documents(...)` makes records from a seeded random generator,
so the same arguments give the same store. They are shaped like what `chronicle ingest` writes
(the record classes themselves, written with `Store.write_documents`), with what matters to
resolve and to the page's queries drawn the way news behaves:

- reports are published over `days` days; a report tells 1-6 events (3.3 on average), most of
  them dated within a few days before its publication (70% to the day, 10% to the month, 5% to
  the year, 15% undated);
- a report is about one country, drawn with Zipf-like weights from 60 (a few countries carry most
  news), and its events take place in that country's cities (10 each, 50-300 km apart), at
  country level, or nowhere; actors are that country's or a neighbour's, by sector;
- event types follow PLOVER's rough frequencies (consult and accuse common, sanction rare);
- 5% of reports are near-duplicates of an earlier one (the same events and sentences, another
  outlet), so the family rule of resolve is exercised; 500 outlets.

`python -m chronicle.scale.simulate --events 1000000 --db sim.duckdb` writes a store of about a
million events (≈300,000 documents, ≈220 MB, with the near-duplicate keys `chronicle ingest`
keeps; ≈2 CPU minutes). `chronicle ingest` and
`resolve_store` treat it like any other store: resolve it once (`--resolve`) before measuring
an ingest into it.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Iterator
from datetime import date as Date, timedelta
from pathlib import Path

from ..record import Actor, Document, Event, Evidence, Flags, Place, Source

TYPES = [("CONSULT", 14), ("ACCUSE", 12), ("ASSAULT", 10), ("PROTEST", 9), ("COERCE", 8),
         ("COOPERATE", 7), ("REQUEST", 6), ("AGREE", 6), ("SUPPORT", 6), ("REJECT", 5),
         ("THREATEN", 4), ("MOBILIZE", 4), ("AID", 3), ("CONCEDE", 2), ("RETREAT", 2),
         ("SANCTION", 2)]
SECTORS = ("GOV", "MIL", "COP", "OPP", "CVL", "REB", "BUS", "MED")
WORDS = ("minister police protest talks border army rally court election strike city capital "
         "government opposition troops officials said on Tuesday Wednesday after before against "
         "agreement sanctions aid hundreds thousands people security forces spokesman president "
         "leaders meeting parliament vote crisis fighting ceasefire region province").split()


# Countries in roughly the order news reports them (the k-th is drawn about 1/k as often as the
# first): real ISO alpha-3 codes, so that real articles ingested into a simulated store meet
# simulated events of their own countries and places, as they would in a real store.
NEWS_COUNTRIES = (
    "USA RUS UKR CHN ISR GBR FRA IND PSE DEU SYR IRN TUR AFG IRQ PAK NGA JPN KOR PRK BRA MEX YEM "
    "SAU EGY LBN SDN SOM ETH KEN ZAF LBY MLI VEN COL PHL MMR BGD IDN AUS CAN ITA ESP POL BLR KAZ "
    "GEO ARM AZE TWN VNM THA COD CAF SSD NER BFA HTI CUB LKA").split()


def _country_centres() -> dict[str, tuple[float, float]]:
    """Each country's centre point, from the package's countries table."""
    from importlib import resources

    centres = {}
    with resources.files("chronicle").joinpath("data/countries.tsv").open(encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f if not line.startswith("#")]
    header = rows[0]
    a3, lat, lon = header.index("alpha3"), header.index("lat"), header.index("lon")
    for row in rows[1:]:
        if len(row) > max(lat, lon) and row[lat] and row[lon]:
            centres[row[a3]] = (float(row[lat]), float(row[lon]))
    return centres


class _World:
    """Countries (with weights), their cities, outlets: fixed by the seed. Cities are made-up
    points within a few hundred km of the country's real centre."""

    def __init__(self, rng: random.Random, countries: int = 60, cities: int = 10, outlets: int = 500):
        centres = _country_centres()
        self.countries = [c for c in NEWS_COUNTRIES if c in centres][:countries]
        # Zipf-like: the k-th country is reported about 1/k as often as the first
        self.weights = [1.0 / (k + 1) for k in range(len(self.countries))]
        self.centre = {c: centres[c] for c in self.countries}
        self.cities = {}
        for c in self.countries:
            lat, lon = self.centre[c]
            self.cities[c] = [Place(text=f"{c}-city{k}", name=f"{c} City {k}",
                                    lat=round(max(-89.0, min(89.0, lat + rng.uniform(-3, 3))), 4),
                                    lon=round(lon + rng.uniform(-3, 3), 4), country=c,
                                    feature="city")
                              for k in range(cities)]
        self.outlets = [f"outlet{n}.example" for n in range(outlets)]


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def documents(n_docs: int, seed: int = 1, start: str = "2014-01-01", days: int = 3650,
              id_prefix: str = "sim", countries: int = 60,
              world_seed: int | None = None) -> Iterator[Document]:
    """`n_docs` generated reports (see the module docstring), in publication order. Fewer
    `countries` or `days` make a denser store: more reports of the same happenings. The world
    (cities, outlets) comes from `world_seed` (default `seed`): other reports of the same world
    are another `seed` with the same `world_seed`."""
    world = _World(random.Random(seed if world_seed is None else world_seed), countries=countries)
    rng = random.Random(seed)
    if world_seed is None:
        _World(rng, countries=countries)  # the stream a seed gave before worlds had their own
    first = Date.fromisoformat(start)
    types, type_weights = zip(*TYPES)
    earlier: list[Document] = []  # a window of recent reports that copies are made of
    for n in range(n_docs):
        published = first + timedelta(days=int(n * days / max(1, n_docs)))
        doc_id = f"{id_prefix}{n:07d}"
        outlet = rng.choice(world.outlets)
        if earlier and rng.random() < 0.05:
            original = rng.choice(earlier)
            events = [Event(id=f"{doc_id}-e{k}", type=ev.type, evidence=ev.evidence, mode=ev.mode,
                            source=ev.source, target=ev.target, date=ev.date,
                            date_precision=ev.date_precision, location=ev.location,
                            modality=ev.modality, confidence=ev.confidence)
                      for k, ev in enumerate(original.events)]
            yield Document(id=doc_id, text=original.text + " " + _sentence(rng, 6),
                           source=Source(url=f"https://{outlet}/{doc_id}", format="html"),
                           title=original.title, site=outlet, published=published.isoformat(),
                           language="en", flags=Flags(duplicate_of=original.flags.duplicate_of or original.id),
                           events=events)
            continue
        country = rng.choices(world.countries, world.weights)[0]
        neighbour = rng.choices(world.countries, world.weights)[0]
        events = []
        text_parts = []
        for k in range(rng.choice((1, 2, 2, 3, 3, 4, 4, 5, 6))):
            sentence = _sentence(rng, rng.randint(12, 30))
            text_parts.append(sentence)
            when = published - timedelta(days=rng.choice((0, 0, 0, 1, 1, 2, 3, 5, 10)))
            roll = rng.random()
            if roll < 0.70:
                date, precision = when.isoformat(), "day"
            elif roll < 0.80:
                date, precision = when.isoformat()[:7], "month"
            elif roll < 0.85:
                date, precision = when.isoformat()[:4], "year"
            else:
                date, precision = None, "unknown"
            roll = rng.random()
            location = (rng.choice(world.cities[country]) if roll < 0.6 else
                        Place(text=country, name=f"Country {country}", lat=world.centre[country][0],
                              lon=world.centre[country][1], country=country, feature="country")
                        if roll < 0.75 else None)
            source = (Actor(text=f"{country} {s.lower()}", country=country, sector=s, kind="group")
                      if (s := rng.choice(SECTORS + (None, None))) else None)
            target = (Actor(text=f"{neighbour} {t.lower()}", country=neighbour, sector=t, kind="group")
                      if (t := rng.choice(SECTORS + (None, None, None))) else None)
            events.append(Event(
                id=f"{doc_id}-e{k}", type=rng.choices(types, type_weights)[0],
                evidence=Evidence(text=sentence, start=0, end=len(sentence)), source=source,
                target=target, date=date, date_precision=precision, location=location,
                modality="asserted" if rng.random() < 0.85 else rng.choice(("claimed", "denied", "intended")),
                confidence=round(rng.uniform(0.5, 1.0), 3)))
        doc = Document(id=doc_id, text=" ".join(text_parts),
                       source=Source(url=f"https://{outlet}/{doc_id}", format="html"),
                       title=_sentence(rng, 8), site=outlet, published=published.isoformat(),
                       language="en", events=events)
        earlier.append(doc)
        if len(earlier) > 200:
            earlier.pop(0)
        yield doc


def build(db: str | Path, events: int, seed: int = 1, start: str = "2014-01-01",
          days: int = 3650, batch: int = 5000, log=print) -> int:
    """Write a simulated store of about `events` events to `db`; returns the documents written."""
    from ..store import Store

    n_docs = max(1, round(events / 3.3))
    started = time.perf_counter()
    written = 0
    with Store(db) as store:
        chunk: list[Document] = []
        for doc in documents(n_docs, seed=seed, start=start, days=days):
            chunk.append(doc)
            if len(chunk) >= batch:
                store.write_documents(chunk)
                written += len(chunk)
                chunk = []
                log(f"  {written:,} documents ({time.perf_counter() - started:.0f} s)")
        store.write_documents(chunk)
        written += len(chunk)
        # the near-duplicate keys `chronicle ingest` keeps for every stored text
        from ..dedup_index import sync

        started = time.process_time()
        sync(store)
        log(f"  near-duplicate keys of {written:,} texts: {time.process_time() - started:.0f} CPU s")
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m chronicle.scale.simulate",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", required=True, help="the DuckDB file to write (must not exist)")
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--start", default="2014-01-01", help="first publication date")
    ap.add_argument("--days", type=int, default=3650, help="days the publications span")
    ap.add_argument("--resolve", action="store_true", help="then resolve every event (full)")
    args = ap.parse_args(argv)
    if Path(args.db).exists():
        print(f"error: {args.db} exists; pass a new path", file=sys.stderr)
        return 2
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    n = build(args.db, args.events, args.seed, args.start, args.days, log=log)
    log(f"{n:,} documents written")
    if args.resolve:
        from ..resolve import resolve_store
        from ..store import Store

        started = time.process_time()
        with Store(args.db) as store:
            counts = resolve_store(store)
        log(f"resolved: {counts} in {time.process_time() - started:.1f} CPU s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
