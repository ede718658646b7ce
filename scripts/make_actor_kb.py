"""Compile src/chronicle/data/actor_kb.tsv.gz, the actor knowledge base (`chronicle.actorbase`).

Inputs (read in place, never copied): `../shared/reference/actors/phoenix/` — the Phoenix/CAMEO
actor dictionaries (countries with their people and dated codes, international actors, armed
non-state actors, agent nouns, religious groups) — and `../shared/reference/actors/CountryInfo.*.txt`
(nationality words, capitals, major cities, regions per country); plus the package's own
`data/leaders.tsv` (office holders with their years) and `data/countries.tsv` (the codes we use).
The output keeps facts, not files: one row per surface form and fact — country (ISO alpha-3),
Chronicle sector, kind, the period it held, a display name and which input said so. The header
names each input's sha1 and this script.

CAMEO codes are translated to Chronicle's: the first three letters are the country (a few older
or World Bank codes mapped to ISO: KSV → XKX, ZAR → COD …; regions and IGO/NGO/IMG prefixes give
no country); the first following three-letter part Chronicle knows gives the sector (SPY → COP,
SEP and UAF → REB, ELI → GOV, HRI → NGO, religions → REL, AGR → CVL; MOD/RAD and the like are
qualifiers and skipped).

Run:  .venv/bin/python scripts/make_actor_kb.py [--reference ../shared/reference/actors]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from chronicle.actorbase import COLUMNS, KB_FILE, kb_key  # noqa: E402

DATA = ROOT / "src" / "chronicle" / "data"
OUT = DATA / KB_FILE

OUR_SECTORS = {"GOV", "MIL", "COP", "JUD", "LEG", "PTY", "OPP", "REB", "INS", "PRO", "CVL", "MED",
               "BUS", "LAB", "EDU", "REL", "HLH", "REF", "NGO", "IGO", "CRM"}
SECTOR_MAP = {"SPY": "COP", "SEP": "REB", "UAF": "REB", "ELI": "GOV", "HRI": "NGO", "NGM": "NGO",
              "AGR": "CVL", "DEV": "GOV", "ENV": "NGO", "MNC": "BUS", "IMG": "INS", "TER": "INS",
              "MOD": None, "RAD": None}
RELIGIONS = {"MUS", "CHR", "JEW", "BUD", "HIN", "SIK", "JAN", "ATH", "BAH", "CON", "DOX", "ITR",
             "SHN", "TAO", "ZRO", "CTH", "PRO", "SUN", "SHI", "ALE", "DRZ", "SFI", "ADR", "MRM",
             "JHW", "NEW", "HSD"}
OLD_CODES = {"KSV": "XKX", "KOS": "XKX", "ROM": "ROU", "ZAR": "COD", "TMP": "TLS", "YUG": "SRB",
             "SCG": "SRB", "USR": "RUS", "SUN": "RUS", "CSK": "CZE", "DDR": "DEU", "GDR": "DEU",
             "BUR": "MMR"}
# Words that make a dictionary phrase an institution or a group rather than a person's name.
INSTITUTION_WORDS = {"army", "forces", "force", "ministry", "police", "party", "government",
                     "council", "court", "parliament", "assembly", "front", "movement", "union",
                     "bank", "agency", "service", "services", "guard", "guards", "committee",
                     "commission", "office", "organization", "organisation", "league", "brigade",
                     "brigades", "group", "corps", "navy", "university", "college", "association",
                     "federation", "institute", "authority", "senate", "congress", "cabinet",
                     "department", "command", "militia", "troops", "soldiers", "regime", "house",
                     "chamber", "board", "bureau", "company", "corporation", "network", "alliance",
                     "coalition", "mission", "fund", "society", "church", "tribunal", "directorate",
                     "secretariat", "administration", "legislature", "judiciary", "airline",
                     "media", "radio", "television", "news", "press", "times", "post", "club",
                     "state", "nations", "emirate", "caliphate", "republic", "kingdom", "people",
                     "peoples", "tigers", "mujahideen", "jihad", "brotherhood", "army's", "unit",
                     "units", "division", "battalion", "regiment", "fleet", "academy", "school",
                     "hospital", "foundation", "centre", "center", "watch", "international"}


def sha1(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def read_text(path: Path) -> str:
    # the dictionaries are "flat ASCII" with a few stray Latin-1 and NUL bytes
    return path.read_bytes().replace(b"\x00", b"").decode("utf-8", errors="replace")


def strip_comment(line: str) -> str:
    line = re.sub(r"<!--.*?-->", "", line)
    return re.split(r"[#;]", line, maxsplit=1)[0].rstrip()


def our_countries() -> set[str]:
    with open(DATA / "countries.tsv", encoding="utf-8") as fh:
        rows = csv.DictReader((ln for ln in fh if not ln.startswith("#")), delimiter="\t")
        return {r["alpha3"] for r in rows}


class Translator:
    def __init__(self, countries: set[str]):
        self.countries = countries

    def code(self, code: str) -> tuple[str | None, str | None, str] | None:
        """CAMEO code → (country, sector, organisation kind) or None for codes we cannot use."""
        code = code.strip().upper()
        if len(code) < 3 or not code.isalpha():
            return None
        head, rest = code[:3], code[3:]
        country, sector, kind = None, None, ""
        if head in ("IGO",):
            sector, kind = "IGO", "igo"
        elif head in ("NGO", "NGM"):
            sector, kind = "NGO", "ngo"
        elif head == "IMG":
            sector, kind = "INS", "group"
        elif head == "MNC":
            sector, kind = "BUS", "group"
        else:
            head = OLD_CODES.get(head, head)
            if head in self.countries:
                country = head
            elif head in OUR_SECTORS or head in SECTOR_MAP:
                rest = code  # an agent code: "GOVMED"
        parts = [rest[i:i + 3] for i in range(0, len(rest) - 2, 3)]
        if len(parts) > 1 and parts[0] == "GOV" and parts[1] in ("LEG", "JUD", "MIL", "COP", "SPY"):
            parts = parts[1:]  # "USAGOVLEG": the legislature, a branch of government
        for part in parts:
            mapped = part if part in OUR_SECTORS else SECTOR_MAP.get(part, "REL" if part in RELIGIONS else None)
            if mapped is not None and sector in (None, "INS") and not (sector == "INS" and mapped == "REL"):
                if sector is None or kind != "igo":
                    sector = mapped
                break
        if country is None and (sector is None or code == "ELI"):
            return None  # "[ELI]" alone: a former office holder of no stated country
        return country, sector, kind


def parse_date(text: str) -> str:
    """A PETRARCH date (YYMMDD or YYYYMMDD) as YYYYMMDD, or "" when unreadable."""
    text = text.strip()
    if len(text) == 6 and text.isdigit():
        yy = int(text[:2])
        return f"{2000 + yy if yy <= 30 else 1900 + yy}{text[2:]}"
    if len(text) == 8 and text.isdigit():
        return text
    return ""


def parse_restriction(body: str) -> tuple[str, str, str] | None:
    """"RUSGOV 910710-991231" → (code, from, to); "<date" and ">date" open one end."""
    parts = body.split()
    if not parts:
        return None
    code, start, end = parts[0], "", ""
    if len(parts) > 1:
        span = "".join(parts[1:])
        if span.startswith("<"):
            end = parse_date(span[1:])
        elif span.startswith(">"):
            start = parse_date(span[1:])
        elif "-" in span:
            a, b = span.split("-", 1)
            start, end = parse_date(a), parse_date(b)
            if not start and not end:
                return None
    return code, start, end


def actor_blocks(text: str, notes: list | None = None):
    """(phrases, [(code, from, to)]) for each record of a PETRARCH actor dictionary. `notes`, if
    given, receives each record's first comment ("CountryInfo.txt": a ruler)."""
    phrases: list[str] = []
    codes: list[tuple[str, str, str]] = []
    note = ""
    in_comment = False
    for raw in text.splitlines():
        if in_comment:
            if "-->" in raw:
                in_comment = False
            continue
        if "<!--" in raw and "-->" not in raw:
            in_comment = True
            continue
        tabbed = raw.startswith("\t") or raw.startswith(" \t")
        line = strip_comment(raw).strip()
        if not line:
            continue
        if tabbed or (line.startswith("[") and phrases):
            for body in re.findall(r"\[([^\]]*)\]", line):
                found = parse_restriction(body)
                if found:
                    codes.append(found)
            continue
        synonym = line.startswith("+")
        phrase = line.lstrip("+").strip()
        inline = re.findall(r"\[([^\]]*)\]", phrase)
        phrase = re.sub(r"\[[^\]]*\]", "", phrase).strip()
        if not synonym and codes:
            if notes is not None:
                notes.append(note)
            yield phrases, codes
            phrases, codes, note = [], [], ""
        if not phrases and ";" in raw:
            note = raw.split(";", 1)[1].strip()
        if phrase:
            phrases.append(phrase)
        for body in inline:
            found = parse_restriction(body)
            if found:
                codes.append(found)
    if phrases and codes:
        if notes is not None:
            notes.append(note)
        yield phrases, codes


_SMALL_WORDS = {"of", "the", "and", "for", "al", "el", "de", "du", "la", "le", "in", "on", "to", "bin",
                "ibn", "van", "von", "der", "da", "do", "dos", "das", "y", "ul", "ur", "ud"}


def pretty(phrase: str) -> str:
    """A display name from a dictionary phrase: "THE_UNITED_NATIONS_" → "United Nations",
    "ANC" stays "ANC", "AL_QAIDA" → "al Qaida"."""
    words = phrase.replace("_", " ").split()
    if len(words) > 1 and words[0].lower() == "the":
        words = words[1:]
    out = []
    for i, w in enumerate(words):
        low = w.lower()
        if low in _SMALL_WORDS and i > 0 or (low in ("al", "el") and len(words) > 1):
            out.append(low)
        elif len(w) <= 3 and w.isalpha() or not any(c in "aeiouAEIOU" for c in w):
            out.append(w.upper())
        else:
            out.append("-".join(part.capitalize() for part in w.split("-")))
    return " ".join(out)


class CountryInfo:
    """Per country: nationality words, capitals, major cities and regions."""

    def __init__(self, path: Path, translator: Translator):
        self.demonyms: dict[str, str] = {}
        self.capitals: dict[str, str] = {}
        self.cities: dict[str, str] = {}
        self.regions: dict[str, str] = {}
        text = read_text(path)
        for block in text.split("<Country>")[1:]:
            m = re.search(r"<ISO3166-alpha3>\s*([A-Z]{3})", block) or re.search(
                r"<CountryCode>\s*([A-Z]{3})", block)
            if not m:
                continue
            code = OLD_CODES.get(m.group(1), m.group(1))
            if code not in translator.countries:
                continue
            for tag, table in (("Nationality", self.demonyms), ("Capital", self.capitals),
                               ("MajorCities", self.cities), ("Regions", self.regions)):
                section = re.search(rf"<{tag}>(.*?)</{tag}>", block, re.S)
                if not section:
                    continue
                for line in section.group(1).splitlines():
                    if line.strip().startswith("#"):
                        continue
                    word = strip_comment(line).strip()
                    if word:
                        table.setdefault(kb_key(word), code)


def country_names() -> dict[str, set[str]]:
    """alpha3 → normalised forms of the country's name in our countries table."""
    out: dict[str, set[str]] = {}
    with open(DATA / "countries.tsv", encoding="utf-8") as fh:
        for r in csv.DictReader((ln for ln in fh if not ln.startswith("#")), delimiter="\t"):
            out[r["alpha3"]] = {kb_key(a) for a in [r["name"], *r["aliases"].split("|")] if a.strip()}
    return out


def spelling_of(key: str, names: set[str]) -> bool:
    """Whether `key` is a (mis)spelling of one of `names`: "afganistan" of "afghanistan", not
    the demonym "afghan"."""
    from difflib import SequenceMatcher

    if any(key.startswith(n) and len(key) > len(n) for n in names):
        return False  # "russian" is Russia's demonym
    return any(SequenceMatcher(None, key, n).ratio() >= 0.85 for n in names)


def looks_like_country_name(phrase_key: str, primary_key: str) -> bool:
    """Whether a synonym in a country's record is a form of the country's name (a spelling, a
    longer official name) rather than a place in it ("Kabul", "Helmand")."""
    if not phrase_key or not primary_key:
        return False
    first = primary_key.split()[0]
    words = phrase_key.split()
    return phrase_key[:4] == primary_key[:4] or any(w[:5] == first[:5] for w in words if len(w) >= 5)


def compile_rows(reference: Path) -> tuple[list[tuple], list[str]]:
    phoenix = reference / "phoenix"
    translator = Translator(our_countries())
    info_path = sorted(reference.glob("CountryInfo*.txt"))[-1]
    info = CountryInfo(info_path, translator)
    rows: list[tuple] = []
    inputs = []
    names = country_names()

    def add(phrase, country, sector, kind, start, end, name, source):
        key = kb_key(phrase)
        if key and len(key) > 1:
            rows.append((key, country or "", sector or "", kind, start, end, name, source))

    # 1. Country records: the country's names, its places, institutions and people
    path = phoenix / "Phoenix.Countries.actors.txt"
    inputs.append(path)
    notes: list[str] = []
    for phrases, codes in actor_blocks(read_text(path), notes):
        ruler = "CountryInfo" in notes[-1]
        translated = [(translator.code(c), s, e) for c, s, e in codes]
        translated = [(t, s, e) for t, s, e in translated if t is not None]
        if not translated:
            continue
        primary_key = kb_key(phrases[0])
        # a country's own record: codes without a sector, dated when its state changed
        # ("[USRBLR <910825]", "[BLR >911221]"); the code valid last is the country
        bare = all(t[1] is None and t[0] for t, _, _ in translated) and max(
            translated, key=lambda x: (not x[2], x[2], x[1]))[0][0]
        words = set(primary_key.split())
        if bare:
            country = bare
            for phrase in phrases:
                key = kb_key(phrase)
                if key in info.capitals and info.capitals[key] == country:
                    kind = "capital"
                elif spelling_of(key, names.get(country, set()) | {primary_key}):
                    kind = "country"
                elif key in info.demonyms:
                    kind = "demonym"
                elif key in info.regions:
                    kind = "region"
                elif key in info.cities:
                    kind = "city"
                elif looks_like_country_name(key, primary_key):
                    kind = "country"
                else:
                    kind = "city"  # a place named in the country's record
                add(phrase, country, None, kind, "", "", pretty(phrases[0]), "phoenix-countries")
            continue
        dated = any(s or e for _, s, e in translated)
        person = ruler or (not (words & INSTITUTION_WORDS) and 2 <= len(primary_key.split()) <= 5
                           and dated)
        name = pretty(phrases[0])
        for (country, sector, org), start, end in translated:
            kind = "person" if person else (org or ("state" if sector in ("GOV", "MIL", "COP", "JUD", "LEG") else "group"))
            for phrase in phrases:
                add(phrase, country, sector, kind, start, end, name, "phoenix-countries")

    # 2. International actors and armed non-state actors
    for fname, source in (("Phoenix.International.actors.txt", "phoenix-international"),
                          ("Phoenix.MilNonState.actors.txt", "phoenix-nonstate")):
        path = phoenix / fname
        inputs.append(path)
        for phrases, codes in actor_blocks(read_text(path)):
            primary_key = kb_key(phrases[0])
            # organisations rarely carry dates; people who held an office do
            person = not (set(primary_key.split()) & INSTITUTION_WORDS) \
                and 2 <= len(primary_key.split()) <= 5 and any(s or e for _, s, e in codes)
            name = pretty(phrases[0])
            for code, start, end in codes:
                t = translator.code(code)
                if t is None:
                    continue
                country, sector, org = t
                if org in ("igo", "ngo"):
                    country = None  # an organisation's home is not whose it is
                kind = "person" if person else (org or "group")
                for phrase in phrases:
                    add(phrase, country, sector, kind, start, end, name, source)

    # 3. Agent nouns → sectors, with their plurals
    path = phoenix / "Phoenix.agents.txt"
    inputs.append(path)
    subs: dict[str, list[str]] = {}
    for raw in read_text(path).splitlines():
        line = strip_comment(raw).strip()
        m = re.match(r"^(![A-Z]+!)\s*=\s*(.+)$", line)
        if m:
            subs[m.group(1)] = [w.strip() for w in m.group(2).split(",")]
            continue
        m = re.match(r"^(.+?)\s*(\{[^}]*\})?\s*\[([^\]]*)[\]}]", line)
        if not m:
            continue
        phrase, plural, code = m.group(1).strip(), m.group(2), m.group(3).replace("~", "")
        t = translator.code(code)
        if t is None or t[1] is None:
            continue
        sector = t[1]
        forms = [phrase]
        for marker, words in subs.items():
            if marker in phrase:
                forms = [phrase.replace(marker, w) for w in words]
                plural = "{}"
        for form in forms:
            form = form.rstrip("_")
            variants = [form]
            if plural is None:
                variants.append(form[:-1] + "IES" if form.endswith("Y") and form[-2:-1] not in "AEIOU"
                                else form + "ES" if form.endswith(("SS", "CH", "SH", "X")) else form + "S")
            elif plural not in ("{}", "{ }"):
                variants += [p for p in plural.strip("{} ").split() if p]
            for v in variants:
                add(v, None, sector, "agent", "", "", pretty(form), "phoenix-agents")

    # 4. Religious groups
    path = phoenix / "CAMEO.ReligiousGroups.actors.txt"
    inputs.append(path)
    for phrases, _codes in actor_blocks(read_text(path)):
        for phrase in phrases:
            add(phrase, None, "REL", "group", "", "", pretty(phrases[0]), "cameo-religions")

    # 5. CountryInfo: nationality words, capitals, cities, regions
    inputs.append(info_path)
    for table, kind in ((info.demonyms, "demonym"), (info.capitals, "capital"),
                        (info.cities, "city"), (info.regions, "region")):
        for key, country in table.items():
            if kind == "demonym" and spelling_of(key, names.get(country, set())):
                kind_here = "country"  # CountryInfo lists the country's own names among these
            else:
                kind_here = kind
            add(key, country, None, kind_here, "", "", key.title(), "countryinfo")

    # 6. Our own office holders, with their years
    path = DATA / "leaders.tsv"
    inputs.append(path)
    with open(path, encoding="utf-8") as fh:
        for row in csv.DictReader((ln for ln in fh if not ln.startswith("#")), delimiter="\t"):
            start = f"{row['from']}0101" if row.get("from") else ""
            end = f"{row['to']}1231" if row.get("to") else ""
            sector = row["sector"] or None
            for phrase in [row["name"], *[a for a in (row.get("aliases") or "").split("|") if a.strip()]]:
                add(phrase, row["country"] or None, sector, "person", start, end, row["name"], "leaders")

    return sorted(set(rows)), [f"{p.relative_to(p.parents[1]) if 'shared' in str(p) else p.relative_to(ROOT)} sha1 {sha1(p)}"
                               for p in inputs]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=ROOT.parent / "shared" / "reference" / "actors")
    parser.add_argument("--out", type=Path, default=OUT, help="where to write (default: the package's table)")
    args = parser.parse_args(argv)
    if not (args.reference / "phoenix").is_dir():
        print(f"no Phoenix dictionaries in {args.reference}: pass --reference", file=sys.stderr)
        return 2
    rows, inputs = compile_rows(args.reference)
    buf = io.StringIO()
    buf.write("# Compiled by scripts/make_actor_kb.py from (sha1 of each input):\n")
    for line in inputs:
        buf.write(f"#   {line}\n")
    buf.write("# One row per surface form (key, normalised by chronicle.actorbase.kb_key) and fact: country "
              "ISO alpha-3, Chronicle sector, kind, the period it held (YYYYMMDD, empty = open), display "
              "name, source. Facts only: no input file is copied.\n")
    buf.write("\t".join(COLUMNS) + "\n")
    for row in rows:
        buf.write("\t".join(row) + "\n")
    # mtime 0: the same inputs give the same bytes
    args.out.write_bytes(gzip.compress(buf.getvalue().encode("utf-8"), compresslevel=9, mtime=0))
    print(f"{args.out}: {len(rows)} rows, {args.out.stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
