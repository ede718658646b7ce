"""Actor coding: a noun phrase → country (ISO alpha-3) + sector + kind.

The tables are the package's own data files (`data/countries.tsv`, `data/actor_roles.tsv`,
`data/igos.tsv`; each says how it was made). `code_span` codes one phrase from the parse;
`DocumentActors` keeps what a document has said about its people so that later mentions
("Mr. Tokayev", "the Head of State", "the 68-year-old") resolve to the same actor.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from .record import Actor

# Sectors whose members act inside their own country: an unqualified "police" in a report about
# Almaty is Kazakh police. Used to fill a missing country from where the event happened.
DOMESTIC_SECTORS = {"GOV", "MIL", "COP", "JUD", "LEG", "PTY", "OPP", "PRO", "CVL", "LAB", "EDU",
                    "MED", "BUS", "REL", "HLH", "CRM", "REB", "INS", "REF"}
_TITLES = {"mr", "mr.", "mrs", "mrs.", "ms", "ms.", "dr", "dr.", "sir", "madam", "mme", "m."}
_AGE = re.compile(r"\b(\d{2})-year-old\b")


def _rows(name: str):
    with resources.files("chronicle.data").joinpath(name).open(encoding="utf-8") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split("|") if v.strip()]


@dataclass
class Lexicon:
    countries: dict[str, tuple[str, str]] = field(default_factory=dict)  # surface → (alpha3, how)
    roles: dict[str, tuple[str, str, str | None]] = field(default_factory=dict)  # lower → (sector, kind, country)
    igos: dict[str, tuple[str, str]] = field(default_factory=dict)  # surface → (short name, kind)
    igos_lower: dict[str, tuple[str, str]] = field(default_factory=dict)
    country_names: dict[str, str] = field(default_factory=dict)  # alpha3 → name
    max_tokens: int = 6


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    lex = Lexicon()
    for row in _rows("countries.tsv"):
        code = row["alpha3"]
        lex.country_names[code] = row["name"]
        for how in ("aliases", "demonyms", "capitals", "seats"):
            for surface in _split(row.get(how)):
                lex.countries.setdefault(surface, (code, how))
        lex.countries.setdefault(row["name"], (code, "aliases"))
    for row in _rows("actor_roles.tsv"):
        lex.roles.setdefault(row["pattern"].lower(),
                             (row["sector"], row["kind"], row.get("country") or None))
    for row in _rows("igos.tsv"):
        for surface in _split(row["aliases"]) + [row["name"]]:
            entry = (row["name"], row["kind"])
            lex.igos.setdefault(surface, entry)
            # acronyms must match in capitals ("WHO" is not "who"); names may match in any case
            if not surface.isupper():
                lex.igos_lower.setdefault(surface.lower(), entry)
    longest = max(list(lex.countries) + list(lex.roles) + list(lex.igos), key=lambda s: len(s.split()))
    lex.max_tokens = min(8, len(longest.split()) + 2)
    return lex


def _name_key(name: str) -> str:
    """A person's name compared without case, accents, hyphens or dots: 'Kassym-Jomart Tokayev'
    = 'kassym jomart tokayev'."""
    import unicodedata

    plain = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[-.\u2010\u2011]", " ", plain).lower().split())


@dataclass
class Leaders:
    names: dict[str, tuple[str | None, str]]  # name key → (country, sector)
    surnames: dict[str, tuple[str | None, str | None]]
    # every single-country surname, also those that are words: taken only after a title
    titled: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)


@lru_cache(maxsize=1)
def leaders() -> Leaders:
    """Political leaders news names without saying whose they are ("Putin offered…"), from
    `data/leaders.tsv`. A full name or listed alias gives the person's country and sector. A bare
    surname does only when every leader of that surname is of one country and the surname is not
    an ordinary English word ("Bush", "Brown", "May" are left alone)."""
    by_name: dict[str, set] = {}
    by_surname: dict[str, set] = {}
    for row in _rows("leaders.tsv"):
        entry = (row["country"] or None, row["sector"])
        for surface in [row["name"], *_split(row["aliases"])]:
            by_name.setdefault(_name_key(surface), set()).add(entry)
        by_surname.setdefault(_name_key(row["name"]).split()[-1], set()).add(entry)
    names = {k: next(iter(v)) for k, v in by_name.items() if len(v) == 1}
    words = _english_words()
    surnames, titled = {}, {}
    for key, entries in by_surname.items():
        countries = {c for c, _ in entries}
        if len(countries) != 1 or len(key) < 3:
            continue
        sectors = {sec for _, sec in entries}
        titled[key] = (countries.pop(), sectors.pop() if len(sectors) == 1 else None)
        if len(key) >= 4 and key not in words:
            surnames[key] = titled[key]
    return Leaders(names, surnames, titled)


# Surnames of leaders that are also everyday nouns or common first names (the lemmatizer's noun
# list cannot serve: it holds famous names too, "putin" among them).
_NOUN_SURNAMES = {"bush", "rice", "king", "church", "bishop", "brown", "major", "young", "long",
                  "rich", "cook", "page", "hill", "wood", "price", "rose", "hope", "ward", "park",
                  "lord", "cash", "bell", "bird", "chase", "field", "ford", "hunt", "lamb", "mills",
                  "moon", "power", "powell", "fox", "gray", "grey", "green", "white", "black", "little",
                  "love", "rock", "stone", "wall", "wolf", "day", "case", "cross", "flood", "frost",
                  "gates", "golden", "hall", "hay", "holder", "jay", "land", "may", "mayor", "north",
                  "south", "west", "east", "pope", "prince", "reed", "ross", "sharp", "small",
                  "storey", "swan", "wise", "worth", "sun", "lee", "martin", "taylor", "james",
                  "charles", "john", "paul", "thomas", "george", "johnson", "smith", "jones"}


def _english_words() -> set[str]:
    """Ordinary English words: the adjectives, verbs and adverbs the English model's lemmatizer
    knows, and the everyday nouns above."""
    from .nlp import load_pipeline

    words = set(_NOUN_SURNAMES)
    try:
        lookups = load_pipeline().get_pipe("lemmatizer").lookups
    except Exception:  # no model: surnames are then never taken alone
        return _AlwaysContains()
    index = lookups.get_table("lemma_index")
    for pos in ("adj", "verb", "adv"):
        words.update(index.get(pos, ()))
    return words


class _AlwaysContains(set):
    def __contains__(self, item) -> bool:
        return True


def known_leader(name: str, titled: bool = False) -> tuple[str | None, str | None] | None:
    """(country, sector) of a person named `name` if the leaders table knows them. `titled`: the
    text gives the name a title ("President Bush"), so a surname that is also a word counts."""
    table = leaders()
    key = _name_key(name)
    if key in table.names:
        return table.names[key]
    if " " not in key:
        return (table.titled if titled else table.surnames).get(key)
    return None


@dataclass
class Match:
    start: int  # token index in the doc
    end: int
    what: str  # "country" | "role" | "igo"
    value: tuple


def _surface(doc, i: int, j: int) -> str:
    # the span's own text: `doc.text` would rebuild the whole document's string on every call
    return doc[i:j].text


def scan(doc, tokens: list[int]) -> list[Match]:
    """Longest-first lexicon matches over a set of token indices (contiguous runs only)."""
    lex = lexicon()
    allowed = set(tokens)
    out: list[Match] = []
    i_list = sorted(allowed)
    pos = 0
    while pos < len(i_list):
        i = i_list[pos]
        found = None
        for n in range(lex.max_tokens, 0, -1):
            j = i + n
            if j > len(doc) or any(k not in allowed for k in range(i, j)):
                continue
            text = _surface(doc, i, j)
            low = text.lower()
            # possessives: "Russia's" → "Russia"
            if low.endswith("'s") or low.endswith("’s"):
                text, low = text[:-2], low[:-2]
            if text in lex.igos:
                found = Match(i, j, "igo", lex.igos[text])
            elif low in lex.igos_lower and n > 1:
                found = Match(i, j, "igo", lex.igos_lower[low])
            elif text in lex.countries and not _aligned_with(doc, i):
                found = Match(i, j, "country", lex.countries[text])
            elif low in lex.roles:
                found = Match(i, j, "role", lex.roles[low])
            elif n == 1 and doc[i].lemma_.lower() in lex.roles and doc[i].pos_ == "NOUN":
                found = Match(i, j, "role", lex.roles[doc[i].lemma_.lower()])
            if found:
                break
        if found:
            out.append(found)
            while pos < len(i_list) and i_list[pos] < found.end:
                pos += 1
        else:
            pos += 1
    return out


# Nouns that name the body a name before them belongs to: "the Hizbollah group", "the ANC
# movement", "the Tigray regional government".
_BODY_NOUNS = {"group", "movement", "organisation", "organization", "faction", "front", "wing",
               "alliance", "coalition", "network", "militia", "outfit", "administration"}


# What armed forces and police move and fight in: "Russian military transport planes landed",
# "police vans blocked the road" are that force acting.
VEHICLES = {"plane", "aircraft", "airplane", "jet", "warplane", "helicopter", "drone", "ship",
            "warship", "vessel", "boat", "submarine", "tank", "vehicle", "truck", "van", "convoy"}


def _force_vehicle(head, role) -> bool:
    return head.lemma_.lower() in VEHICLES and role.value[0] in ("MIL", "COP")


def _aligned_with(doc, i: int) -> bool:
    """Whether the country word at token i is "pro-Iranian" or "anti-Western": a stance, not
    whose the actor is."""
    return i >= 2 and doc[i - 1].text in "-–" and doc[i - 2].lower_ in ("pro", "anti")


_SKIP_DEPS = {"relcl", "acl", "advcl", "punct", "cc", "conj", "parataxis", "mark"}


def core_tokens(head) -> list[int]:
    """The tokens of a noun phrase that describe the actor itself: the head with its modifiers,
    'of'-phrases and appositions — not relative clauses, conjuncts or places it is said to be in."""
    keep, stack = [], [head]
    while stack:
        tok = stack.pop()
        keep.append(tok.i)
        for child in tok.children:
            if child.dep_ in _SKIP_DEPS and not (child.dep_ == "punct" and child.text in "-–'’"):
                continue  # hyphens stay: "Secretary-General" is one role, not "General"
            if child.dep_ == "prep" and child.lower_ != "of":
                continue
            stack.append(child)
    return sorted(keep)


def code_span(doc, head) -> Actor:
    """Code the noun phrase headed by token `head` (text = the whole phrase minus clauses)."""
    tokens = core_tokens(head)
    lo, hi = tokens[0], tokens[-1] + 1
    text = doc[lo:hi].text
    matches = scan(doc, tokens)
    actor = Actor(text=text)
    roles_at = {k for m in matches if m.what == "role" for k in range(m.start, m.end)}
    # a "person" the model found inside a role phrase ("Riot police") is not a name
    persons = [e for e in doc.ents if e.label_ == "PERSON" and e.start >= lo and e.end <= hi
               and not any(k in roles_at for k in range(e.start, e.end))]
    if persons:
        actor.name = persons[0].text
        actor.kind = "person"
    elif head.pos_ == "PROPN" and head.ent_type_ in ("", "PERSON", "ORG") and head.i not in roles_at:
        # a name the entity recogniser missed ("Modi telephoned…"): the run of proper nouns
        # ending at the head, if the leaders table knows it
        start = head.i
        while start > lo and doc[start - 1].pos_ == "PROPN" and (start - 1) not in roles_at:
            start -= 1
        name = doc[start:head.i + 1].text
        if known_leader(name) is not None:
            actor.name, actor.kind = name, "person"
    igo = next((m for m in matches if m.what == "igo"), None)
    # "NATO-member Norway": a country heading the phrase is the actor; the IGO only describes it
    head_is_a_country = any(m.what == "country" and m.start <= head.i < m.end
                            and m.value[1] != "demonyms" for m in matches)
    has_role = any(m.what == "role" for m in matches)
    has_country = any(m.what == "country" for m in matches)
    if igo is not None and (igo.start <= head.i < igo.end or not (has_role or head_is_a_country)
                            or (has_role and not has_country)):
        # the organisation itself, or its people: "NATO peacekeeping troops", "Red Cross
        # officials", "UN Secretary-General Kofi Annan" (a person, of the UN). With a country in
        # the phrase they are that country's ("Russian UN ambassador").
        if actor.kind != "person":
            actor.name, actor.kind = igo.value
        actor.sector = "IGO" if igo.value[1] == "igo" else "NGO"
        return actor
    # the role that covers the head says what the actor is; otherwise the nearest role before it
    roles = [m for m in matches if m.what == "role"]
    role = next((m for m in roles if m.start <= head.i < m.end), None)
    if role is None and roles and (not (head.pos_ == "NOUN" and not head.ent_type_)
                                   or head.lemma_.lower() in _BODY_NOUNS
                                   or _force_vehicle(head, roles[-1])):
        # "President Tokayev": the role word names the person. But a role word modifying some
        # other common noun ("regime change", "police stations") does not make it an actor.
        role = roles[-1]
    if role is not None:
        sector, kind, country = role.value
        actor.sector = sector
        if actor.kind != "person":
            actor.kind = kind if kind in ("person", "group", "state", "igo", "ngo") else "unknown"
        if country:
            actor.country = country
    countries = [m for m in matches if m.what == "country"]
    if countries and actor.country is None:
        # prefer the country term closest before the head ("Kazakh President X", "Russian troops")
        before = [m for m in countries if m.end <= head.i + 1]
        chosen = (before[-1] if before else countries[0])
        actor.country = chosen.value[0]
        head_is_country = chosen.start <= head.i < chosen.end
        if head_is_country and role is None:
            how = chosen.value[1]
            if how == "demonyms":  # "the Russians": the people, not the state
                actor.kind = "group"
                home = _residence(doc, head, chosen, countries)
                if home is not None:
                    # a people coded by where it lives, as CAMEO codes ethnic groups: "Bosnian
                    # Serbs" are Bosnia's, "ethnic Albanians in southern Serbia" Serbia's
                    actor.country = home
            else:  # "Moscow said", "Kazakhstan asked": the government
                actor.kind, actor.sector = "state", "GOV"
                actor.name = lexicon().country_names.get(actor.country)
    if actor.kind == "person" and actor.country is None and actor.name:
        # "President Yoweri Museveni", "Putin": a leader the text does not place
        known = known_leader(actor.name, titled=role is not None)
        if known is not None:
            actor.country = known[0]
            actor.sector = actor.sector or known[1]
    if actor.country is None and (actor.sector or actor.kind == "person"):
        # "doctors from two American aid groups", "a delegation from Iran", "opposition parties in
        # Yerevan": where they come from, or where they are
        for prep in (c for c in head.children if c.dep_ == "prep" and c.lower_ in ("from", "in", "across", "throughout")):
            origin = [m for m in scan(doc, [t.i for t in prep.subtree]) if m.what == "country"]
            if origin:
                actor.country = origin[0].value[0]
                break
    if actor.kind == "unknown" and head.ent_type_ == "ORG":
        actor.kind = "group"
    return actor


def _residence(doc, head, people: Match, countries: list[Match]) -> str | None:
    """The country a people named by its demonym lives in, when the phrase says: another country
    term before it ("Bosnian Serbs", "Kosovo Albanians") or, for an ethnic group, a place it is
    said to be in or of ("ethnic Hungarians in southern Slovakia", "the Albanians of Serbia").
    Hand-written: CAMEO's convention, which the actor lexicon alone cannot express."""
    earlier = [m for m in countries if m.end <= people.start and m.value[0] != people.value[0]]
    if earlier:
        return earlier[-1].value[0]
    ethnic = any(c.lower_ == "ethnic" for c in head.children)
    # "Americans in Iraq" are still Americans; "ethnic Albanians in Serbia" are Serbia's
    for prep in (c for c in head.children if c.dep_ == "prep"
                 and (c.lower_ == "of" or (ethnic and c.lower_ == "in"))):
        where = [m for m in scan(doc, [t.i for t in prep.subtree]) if m.what == "country"]
        # the place named, not an adjective on it ("of the Israeli-occupied West Bank")
        where.sort(key=lambda m: m.value[1] == "demonyms")
        if where and where[0].value[0] != people.value[0]:
            return where[0].value[0]
    return None


def is_actor(actor: Actor | None) -> bool:
    """Whether a coded phrase names something that can act (not just any noun)."""
    return actor is not None and (actor.country is not None or actor.sector is not None
                                  or actor.kind in ("person", "igo", "ngo"))


@dataclass
class _Person:
    actor: Actor
    surname: str
    age: int | None


class DocumentActors:
    """What one document has said about its people, for resolving later mentions."""

    def __init__(self):
        self.people: list[_Person] = []

    def register(self, doc, head, actor: Actor) -> None:
        if actor.kind != "person" or not actor.name or actor.name in lexicon().countries:
            return  # "Kazakh" mislabelled as a person is a demonym, not someone to refer back to
        surname = actor.name.split()[-1].lower()
        age = None
        for child in head.children:  # "Tokayev, 68,"
            if child.dep_ in ("appos", "npadvmod", "amod") and child.like_num:
                try:
                    age = int(child.text)
                except ValueError:
                    pass
        known = self.find_surname(surname)
        if known is not None:
            # a later, fuller mention enriches the earlier one and vice versa
            for f in ("country", "sector"):
                if getattr(actor, f) is None:
                    setattr(actor, f, getattr(known.actor, f))
                elif getattr(known.actor, f) is None:
                    setattr(known.actor, f, getattr(actor, f))
            known.age = known.age or age
            if len(actor.name) > len(known.actor.name or ""):
                known.actor.name = actor.name
            return
        self.people.append(_Person(Actor(text=actor.text, name=actor.name, country=actor.country,
                                         sector=actor.sector, kind="person"), surname, age))

    def find_surname(self, surname: str) -> _Person | None:
        return next((p for p in reversed(self.people) if p.surname == surname), None)

    def resolve(self, actor: Actor) -> Actor:
        """Fill a mention from what the document said before: same surname, or a definite role
        ("the Head of State") or age ("the 68-year-old") pointing back to one person."""
        if actor.kind == "person" and actor.name:
            words = [w for w in actor.name.split() if w.lower() not in _TITLES]
            known = self.find_surname(words[-1].lower()) if words else None
            if known is not None:
                actor.name = known.actor.name
                actor.country = actor.country or known.actor.country
                actor.sector = actor.sector or known.actor.sector
            return actor
        if actor.name is None and actor.text.lower() not in lexicon().roles:
            # a mention the recogniser did not label as a person ("Kassym-Jomart Tokayev, 68");
            # a role phrase is never one ("Riot police", where the model took "Riot" for a name)
            for word in re.findall(r"\b[A-Z][\w'-]+", actor.text):
                known = self.find_surname(word.lower())
                if known is not None:
                    return Actor(text=actor.text, name=known.actor.name,
                                 country=actor.country or known.actor.country,
                                 sector=actor.sector or known.actor.sector, kind="person")
        low = actor.text.lower()
        if not low.startswith("the ") or actor.country is not None:
            return actor
        age = _AGE.search(low)
        candidates = self.people
        if age:
            candidates = [p for p in self.people if p.age == int(age.group(1))]
        elif actor.kind == "person" or (actor.sector and actor.kind in ("person", "unknown")):
            candidates = [p for p in self.people if p.actor.sector == actor.sector]
        else:
            return actor
        if candidates:
            p = candidates[-1]
            return Actor(text=actor.text, name=p.actor.name, country=p.actor.country,
                         sector=p.actor.sector or actor.sector, kind="person")
        return actor
