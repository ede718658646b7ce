"""Dates: the reference date of a text, and the date of each event in it.

News reports rarely say which year it is ("landed on Friday, January 7"), and many arrive without
a publication date. Every partial or relative date is resolved against one `ReferenceDate` per
document, found in this order:

1. ``published`` — the publication date from metadata or the caller;
2. ``explicit`` — full dates written in the text ("January 5, 2022", "5 January 2022",
   "2022-01-05"). A full date in a dateline ("KYIV, March 3, 2022 —", "Published: ...") is the
   writing date; otherwise the year shared by most full dates (ties: the later year) is the
   reference year and the reference has no day, because a date in the body names an event, not
   the day of writing;
3. ``weekday`` — each "weekday + day + month" pairing ("Friday, January 7", "Monday 6 March",
   "Tuesday 14th" after a month was named) holds only in some years. The years that satisfy the
   most pairings are kept; the earliest of them on or after the latest past year the text names
   ("since 2019", "in 2002") wins, since a report is written soon after the events it dates that
   way. Without such an anchor, the most recent fitting year before today.
4. ``context`` — the latest year the text names, a weak guess;
5. otherwise no reference at all. Today's date is never used as a stand-in.

`resolve_date` turns one date expression into ``YYYY-MM-DD`` / ``YYYY-MM`` / ``YYYY`` and a
precision; `date_for_span` picks the date of an event from its sentence or predicate subtree.
Partial dates and weekdays are resolved here rather than by dateparser, which fills missing parts
from today's date — exactly the silent error this module exists to prevent.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from .record import ReferenceDate
from .spans import doc_text, entities_overlapping

__all__ = ["resolve_reference_date", "resolve_date", "date_for_span"]

# --- names -----------------------------------------------------------------------------------

_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12,
    "dec": 12,
}
_WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tues": 1, "tue": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thurs": 3, "thur": 3, "thu": 3, "friday": 4, "fri": 4, "saturday": 5,
    "sat": 5, "sunday": 6, "sun": 6,
}
_FULL_WEEKDAYS = [w for w in _WEEKDAYS if w.endswith("day")]
_FULL_MONTHS = [m for m in _MONTHS if len(m) > 4 or m in ("may", "june", "july")]


def _alternation(names, cased: bool) -> str:
    # In running text only "March"/"MARCH" are months: lower-case "march", "may", "sun" are words.
    forms = {v for n in names for v in ((n.capitalize(), n.upper()) if cased else (n,))}
    return "|".join(sorted(forms, key=len, reverse=True))


# --- patterns ----------------------------------------------------------------------------------

# "1is" is how machine translation renders the French "1er"; the cleaner may or may not repair it.
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th|is)?\b"
_YEAR = r"(?P<year>1[89]\d\d|20\d\d)\b"
_WD_PREFIX = r"(?:(?P<wd><W>)\b\.?,?\s*\(?\s*(?:the\s+)?)?"
_MONTH = r"(?P<month><M>)\b\.?"
_PREP_PAST = "since|in|from|during|after|of|throughout"
# Bounds ("until 2019") are scanned too, so that they are recognised as bounds and not as dates.
_PREP_ANY = _PREP_PAST + "|until|till|before|by|early|late|mid-?|around"

_TEMPLATES = {
    # full dates first: when matches overlap the longest wins, then the earlier kind here
    "mdy": _WD_PREFIX + _MONTH + r"\s+" + _DAY + r",?\s+" + _YEAR,
    "dmy": _WD_PREFIX + r"(?:the\s+)?" + _DAY + r"\s+(?:of\s+)?" + _MONTH + r",?\s+" + _YEAR,
    "iso": r"(?P<year>1[89]\d\d|20\d\d)-(?P<mon>[01]\d)-(?P<day>[0-3]\d)\b",
    "numeric": r"(?P<a>[0-3]?\d)[/.](?P<b>[01]?\d)[/.]" + _YEAR,
    "md": _WD_PREFIX + _MONTH + r"\s+" + _DAY,
    "dm": _WD_PREFIX + r"(?:the\s+)?" + _DAY + r"\s+(?:of\s+)?" + _MONTH,
    # a weekday with an ordinal day but no month: "Tuesday 14th"
    "wd_day": r"(?P<wd><W>)\b\.?,?\s+(?:the\s+)?(?P<day>[0-3]?\d)(?:st|nd|rd|th)\b",
    "my": _MONTH + r",?\s+(?:of\s+)?" + _YEAR,
    "year": r"(?P<prep>(?i:" + _PREP_ANY + r"))\s+(?:the\s+(?:year\s+)?)?" + _YEAR + r"(?!,\d)",
    "month": r"(?P<prep>(?i:in|since|during|early|late|mid-?|last|this|next|until|by))\s+"
             r"(?P<month><FM>)\b(?!\.?\s*\d)",
    "weekday": r"(?P<wd><FW>)\b",
}
_FULL_KINDS = ("mdy", "dmy", "iso", "numeric")


def _compile(template: str, cased: bool) -> re.Pattern:
    source = (template.replace("<W>", _alternation(_WEEKDAYS, cased))
              .replace("<M>", _alternation(_MONTHS, cased))
              .replace("<FW>", _alternation(_FULL_WEEKDAYS, cased))
              .replace("<FM>", _alternation(_FULL_MONTHS, cased)))
    return re.compile(r"(?<![\w-])" + source, 0 if cased else re.IGNORECASE)


@lru_cache(maxsize=1)
def _text_patterns() -> dict[str, re.Pattern]:
    return {kind: _compile(t, cased=True) for kind, t in _TEMPLATES.items()}


@lru_cache(maxsize=1)
def _expression_patterns() -> dict[str, re.Pattern]:
    return {kind: _compile(t, cased=False) for kind, t in _TEMPLATES.items()}


@dataclass(frozen=True)
class _Mention:
    kind: str
    start: int
    end: int
    text: str
    weekday: int | None = None
    month: int | None = None
    day: int | None = None
    year: int | None = None
    prep: str | None = None


def _mention(kind: str, m: re.Match) -> _Mention | None:
    g = m.groupdict()
    month = _MONTHS[g["month"].lower()] if g.get("month") else None
    day = int(g["day"]) if g.get("day") else None
    if kind == "iso":
        month = int(g["mon"])
    elif kind == "numeric":
        a, b = int(g["a"]), int(g["b"])
        # 07/01/2022 is 7 January or July 1 depending on the writer; only the year is certain
        if a > 12 >= b:
            day, month = a, b
        elif b > 12 >= a:
            day, month = b, a
        elif a == b:
            day, month = a, a
    if month is not None and not 1 <= month <= 12:
        return None
    if day is not None and not 1 <= day <= 31:
        return None
    return _Mention(
        kind=kind, start=m.start(), end=m.end(), text=m.group(0),
        weekday=_WEEKDAYS[g["wd"].lower()] if g.get("wd") else None,
        month=month, day=day, year=int(g["year"]) if g.get("year") else None,
        prep=g["prep"].lower() if g.get("prep") else None,
    )


def _readings(text: str) -> list[_Mention]:
    """Every date reading of every pattern in `text`, overlapping ones included: longest first,
    then by pattern rank, then by position (the order `_scan` keeps them in)."""
    found = []
    for rank, (kind, pattern) in enumerate(_text_patterns().items()):
        for m in pattern.finditer(text):
            mention = _mention(kind, m)
            if mention is not None:
                found.append((-(mention.end - mention.start), rank, mention))
    return [mention for _, _, mention in sorted(found, key=lambda f: (f[0], f[1], f[2].start))]


@lru_cache(maxsize=64)
def _scan(text: str) -> tuple[_Mention, ...]:
    """Date mentions in running text, without overlaps (the longest match wins)."""
    # the kept mentions never overlap, so kept in order of start their ends are ordered too: a new
    # one overlaps a kept one only if the first kept mention ending after it starts begins before it
    # ends (checking each against every kept one made a long report quadratic: 500,500 comparisons
    # for 1,000 weekdays, docs/BENCHMARKS.md, session 25)
    kept: list[_Mention] = []
    starts: list[int] = []
    ends: list[int] = []
    for mention in _readings(text):
        j = bisect.bisect_right(ends, mention.start)
        if j < len(starts) and starts[j] < mention.end:
            continue
        i = bisect.bisect_left(starts, mention.start)
        starts.insert(i, mention.start)
        ends.insert(i, mention.end)
        kept.append(mention)
    return tuple(sorted(kept, key=lambda k: k.start))


@lru_cache(maxsize=64)
def _mention_starts(text: str) -> list[int]:
    return [m.start for m in _scan(text)]


def _mentions_within(text: str, start: int, end: int) -> list[_Mention]:
    """The date mentions of `text` lying inside characters [start, end), found by bisection: a
    scan of every mention per event made long reports quadratic (`spans.py`)."""
    mentions = _scan(text)
    found = []
    for k in range(bisect.bisect_left(_mention_starts(text), start), len(mentions)):
        if mentions[k].start > end:
            break
        if mentions[k].end <= end:
            found.append(mentions[k])
    return found


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


# --- the reference date --------------------------------------------------------------------------

# Today's date bounds the reference, but an article may announce what happens in the coming weeks
# ("the vote on Sunday, March 5"), so a paired date may lie this far beyond today.
_FUTURE_GRACE = dt.timedelta(days=31)
_WEEKDAY_SPAN_YEARS = 100  # how far back a weekday pairing is searched when nothing anchors it
_DATELINE_REACH = 300  # characters from the start where a dateline can stand

_DATELINE_BEFORE = re.compile(
    r"^\W*(?:(?:[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*)*,\s*)"
    r"|(?i:(?:last\s+)?(?:published|updated|posted|dated?)(?:\s+on)?\s*:?\s*))?$")
_DATELINE_AFTER = re.compile(r"^\s*(?:(?:at\s+)?\d{1,2}[:.]\d{2}.*|[(—–|-].*|[,.]?)$")


def resolve_reference_date(text: str, published: str | None = None, parsed=None, *,
                           today: dt.date | None = None) -> ReferenceDate | None:
    """The date this text's relative and partial dates are resolved against, or None.

    `parsed` (the spaCy Doc of `text`, optional) lets "from 1900" count as a year only when the
    model also reads it as a date (not as the clock time of "from 1900 in the morning").
    `today` is injectable for tests; nothing returned is ever later than it, and it is never
    returned for want of a better date.
    """
    if published:
        day = _published_day(published)
        return ReferenceDate(year=day.year, method="published", evidence="publication date",
                             date=day.isoformat())
    if not text and parsed is not None:
        text = parsed.text
    if not text:
        return None
    today = today or dt.date.today()
    mentions = _scan(text)
    date_ents = _date_entity_spans(parsed, text)
    return (_explicit_reference(text, mentions, today)
            or _weekday_reference(text, mentions, date_ents, today)
            or _context_reference(mentions, date_ents, today))


def _published_day(published: str) -> dt.date:
    try:
        return dt.date.fromisoformat(published.strip()[:10])
    except ValueError:
        raise ValueError(f"publication date {published!r} is not a date: give it as YYYY-MM-DD, "
                         f"e.g. 2022-01-07") from None


def _date_entity_spans(parsed, text: str) -> list[tuple[int, int]] | None:
    if parsed is None or parsed.text != text:
        return None
    return [(e.start_char, e.end_char) for e in parsed.ents if e.label_ == "DATE"]


def _is_year_mention(mention: _Mention, date_ents, today: dt.date) -> bool:
    if mention.year is None or mention.year > today.year:
        return False  # "elections due in 2031" says nothing about when this was written
    if mention.kind == "year" and date_ents is not None:
        # the parser tells "since 1990" from the clock time in "from 1900 in the morning"
        year_at = mention.end - 4
        return any(s <= year_at < e for s, e in date_ents)
    return True


def _explicit_reference(text: str, mentions, today: dt.date) -> ReferenceDate | None:
    full = []
    for m in mentions:
        if m.kind not in _FULL_KINDS or m.year is None or m.year > today.year:
            continue
        day = _safe_date(m.year, m.month, m.day) if m.month and m.day else None
        if day is not None and day > today:
            day = None
        full.append((m, day))
    if not full:
        return None
    for m, day in full:
        if day is not None and m.start < _DATELINE_REACH and _is_dateline(text, m):
            return ReferenceDate(year=day.year, method="explicit", date=day.isoformat(),
                                 evidence=f"dateline '{m.text}'")
    counts = Counter(m.year for m, _ in full)
    year = max(counts, key=lambda y: (counts[y], y))
    phrases = [m.text for m, _ in full if m.year == year]
    return ReferenceDate(year=year, method="explicit", evidence=f"full date {_quoted(phrases[:3])}")


def _is_dateline(text: str, m: _Mention) -> bool:
    """A full date that stands alone on its line, after a place name ("KYIV, ") or a
    "Published:" label, and before nothing but a time, an agency or a dash."""
    line_start = text.rfind("\n", 0, m.start) + 1
    line_end = text.find("\n", m.end)
    line_end = len(text) if line_end == -1 else line_end
    return bool(_DATELINE_BEFORE.match(text[line_start:m.start])
                and _DATELINE_AFTER.match(text[m.end:line_end]))


def _quoted(phrases) -> str:
    quoted = [f"'{p}'" for p in phrases]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


@dataclass(frozen=True)
class _Pairing:
    text: str
    weekday: int
    month: int
    day: int
    month_inferred: bool = False

    @property
    def label(self) -> str:
        if self.month_inferred:
            return f"{self.text} ({dt.date(2000, self.month, 1):%B})"
        return self.text


_MONTH_WORD = re.compile(r"\b(?:" + _alternation(_FULL_MONTHS, cased=True) + r")\b")


@lru_cache(maxsize=64)
def _pairings(text: str) -> tuple[_Pairing, ...]:
    """Every weekday named together with a day and month: the evidence that fixes a year."""
    out = []
    for m in _scan(text):
        if m.weekday is None or m.day is None:
            continue
        if m.kind in ("md", "dm"):
            out.append(_Pairing(m.text, m.weekday, m.month, m.day))
        elif m.kind == "wd_day":
            # "Tuesday 14th" continues the month the report last named
            named = list(_MONTH_WORD.finditer(text, 0, m.start))
            if named:
                out.append(_Pairing(m.text, m.weekday, _MONTHS[named[-1].group(0).lower()], m.day,
                                    month_inferred=True))
    return tuple(out)


def _past_anchors(mentions, date_ents, today: dt.date) -> list[_Mention]:
    return [m for m in mentions
            if (m.kind == "my" or (m.kind == "year" and m.prep in _PREP_PAST.split("|")))
            and _is_year_mention(m, date_ents, today)]


def _weekday_reference(text: str, mentions, date_ents, today: dt.date) -> ReferenceDate | None:
    pairings = _pairings(text)
    if not pairings:
        return None
    anchors = _past_anchors(mentions, date_ents, today)
    anchor = max(anchors, key=lambda m: (m.year, -m.start)) if anchors else None
    first_year = anchor.year if anchor else today.year - _WEEKDAY_SPAN_YEARS
    latest = today + _FUTURE_GRACE
    fitting: dict[int, list[_Pairing]] = {}
    for year in range(first_year, today.year + 1):
        for p in pairings:
            day = _safe_date(year, p.month, p.day)
            if day is not None and day.weekday() == p.weekday and day <= latest:
                fitting.setdefault(year, []).append(p)
    if not fitting:
        return None  # impossible pairings ("Monday, February 30") or none after the anchor
    most = max(len(ps) for ps in fitting.values())
    years = sorted(y for y, ps in fitting.items() if len(ps) == most)
    # after an anchor, the nearest year; without one, the most recent before today
    year = years[0] if anchor else years[-1]
    phrases = list(dict.fromkeys(p.label for p in fitting[year]))
    if anchor is not None:
        evidence = f"{_quoted(phrases + [anchor.text])} → {year}"
    else:
        evidence = (f"{_quoted(phrases)} → {year} (the most recent such year: the text names "
                    f"no earlier year to anchor it)")
    return ReferenceDate(year=year, method="weekday", evidence=evidence)


def _context_reference(mentions, date_ents, today: dt.date) -> ReferenceDate | None:
    anchors = _past_anchors(mentions, date_ents, today)
    if not anchors:
        return None
    latest = max(anchors, key=lambda m: (m.year, -m.start))
    return ReferenceDate(year=latest.year, method="context",
                         evidence=f"latest year named, '{latest.text}' (a weak guess)")


# --- one date expression ---------------------------------------------------------------------

_UNKNOWN: tuple[None, str] = (None, "unknown")
# How far after the reference date a past-tense event may still fall in the reference year
# (reports are sometimes dated a little before the events they recount, time zones aside).
_PAST_GRACE = dt.timedelta(days=31)
_WEEKDAY_REACH = 183  # days within which a stated weekday may move a date to the next/last year

_LEADING = re.compile(
    r"^(?:(?:as early as|as late as|as of|on|in|at|during|since|from|starting|beginning|early|late"
    r"|mid|around|about|circa|earlier|later|throughout|the (?:end|beginning|start|middle|night"
    r"|morning|afternoon|evening|eve) of)\b|mid-)\s*")
# A date after these is a bound, not the time of the event.
_BOUNDING = re.compile(
    r"^(?:before|after|until|till|by|prior to|ahead of|up to|no later than|no earlier than"
    r"|to|between|within|over|for)\b")
# (?<!\s): tried once per run of spaces, not from each space of a long run (quadratic).
_PART_OF_DAY = re.compile(r"(?:'s)?(?<!\s)\s+(?:morning|afternoon|evening|night|overnight)$")
_SEASON_YEAR = re.compile(r"(?:the\s+)?(?:spring|summer|autumn|fall|winter|first half|second half"
                          r"|first quarter|last quarter)\s+(?:of\s+)?" + _YEAR)
_BARE_YEAR = re.compile(r"(?:the\s+)?(?:year\s+)?" + _YEAR)
_ISO_MONTH = re.compile(r"(?P<year>1[89]\d\d|20\d\d)-(?P<mon>[01]\d)")
_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
            "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
_AGO = re.compile(r"(?P<n>\d{1,3}|" + "|".join(_NUMBERS)
                  + r")\s+(?P<unit>day|week|month|year)s?\s+ago")
_THIS_UNIT = re.compile(r"(?P<rel>this|last|next|past|previous|coming)\s+(?P<unit>week|month|year)")
_DAY_OFFSETS = {"today": 0, "tonight": 0, "this morning": 0, "this afternoon": 0,
                "this evening": 0, "yesterday": -1, "last night": -1,
                "the day before yesterday": -2, "tomorrow": 1, "the day after tomorrow": 2}


def _normalise(expression: str) -> str:
    text = expression.replace("\u2019", "'").lower()
    text = re.sub(r"\s+", " ", text).strip(" ,.;:()[]\"“”«»")
    return re.sub(r"'s$", "", text)


def _strip_leading(text: str) -> str | None:
    """Drop "on", "since", "as early as" ...; None when the expression only bounds a date."""
    while True:
        if _BOUNDING.match(text):
            return None
        stripped = _LEADING.sub("", text, count=1)
        if stripped == text:
            return text
        text = stripped


def _ref_day(ref: ReferenceDate | None) -> dt.date | None:
    if ref is None or not ref.date:
        return None
    try:
        return dt.date.fromisoformat(ref.date)
    except ValueError:
        return None


def resolve_date(expression: str, ref: ReferenceDate | None, *,
                 tense: str | None = None) -> tuple[str | None, str]:
    """One date expression -> (``YYYY-MM-DD`` | ``YYYY-MM`` | ``YYYY`` | None, precision).

    `tense` ("past", "future" or None) of the clause decides which year a partial date belongs to
    near the turn of a year. Whatever cannot be pinned down is (None, "unknown").
    """
    text = _strip_leading(_normalise(expression or ""))
    if not text:
        return _UNKNOWN
    ref_day = _ref_day(ref)
    if text in _DAY_OFFSETS:
        return _days_from(ref_day, _DAY_OFFSETS[text])
    text = _PART_OF_DAY.sub("", text)
    if text in _DAY_OFFSETS:  # "yesterday morning"
        return _days_from(ref_day, _DAY_OFFSETS[text])
    pats = _expression_patterns()
    for kind in _FULL_KINDS:
        found = pats[kind].fullmatch(text)
        if found:
            return _full_date(_mention(kind, found))
    found = pats["my"].fullmatch(text)
    if found:
        m = _mention("my", found)
        return f"{m.year:04d}-{m.month:02d}", "month"
    found = _ISO_MONTH.fullmatch(text)
    if found and 1 <= int(found["mon"]) <= 12:
        return f"{found['year']}-{found['mon']}", "month"
    for kind in ("md", "dm"):
        found = pats[kind].fullmatch(text)
        if found:
            m = _mention(kind, found)
            return _partial_date(m.month, m.day, m.weekday, ref, tense) if m else _UNKNOWN
    found = _BARE_YEAR.fullmatch(text) or _SEASON_YEAR.fullmatch(text)
    if found:
        return found["year"], "year"
    if text in _MONTHS:
        return _month_of(_MONTHS[text], ref, tense)
    found = _AGO.fullmatch(text) or _THIS_UNIT.fullmatch(text)
    if found:
        return _relative_unit(found, ref, ref_day)
    found = re.fullmatch(r"(?:(?P<rel>last|this|next|past|previous|coming)\s+)?(?P<wd>"
                         + _alternation(_WEEKDAYS, cased=False) + r")\.?", text)
    if found:
        return _weekday_date(_WEEKDAYS[found["wd"]], found["rel"], ref_day, tense)
    return _with_dateparser(text, ref, ref_day)


def _full_date(m: _Mention | None) -> tuple[str | None, str]:
    if m is None:
        return _UNKNOWN
    if m.month is None:  # an ambiguous 07/01/2022: the year is all that is certain
        return f"{m.year:04d}", "year"
    day = _safe_date(m.year, m.month, m.day)
    # a stated weekday that disagrees with the date is a slip; the numbers are what was meant
    return (day.isoformat(), "day") if day else _UNKNOWN


def _days_from(ref_day: dt.date | None, offset: int) -> tuple[str | None, str]:
    if ref_day is None:
        return _UNKNOWN  # "today" without a known day must not become the day we run on
    return (ref_day + dt.timedelta(days=offset)).isoformat(), "day"


def _partial_date(month: int, day: int, weekday: int | None, ref: ReferenceDate | None,
                  tense: str | None) -> tuple[str | None, str]:
    """A day and month without a year ("January 7", "Friday, 7 January")."""
    if ref is None:
        return _UNKNOWN
    ref_day = _ref_day(ref)
    if ref_day is None:
        found = _safe_date(ref.year, month, day)
        return (found.isoformat(), "day") if found else _UNKNOWN
    options = [d for y in (ref.year - 1, ref.year, ref.year + 1)
               if (d := _safe_date(y, month, day)) is not None]
    if not options:
        return _UNKNOWN
    chosen = _safe_date(ref.year, month, day)
    if tense == "past" and (chosen is None or chosen > ref_day + _PAST_GRACE):
        chosen = _safe_date(ref.year - 1, month, day)
    elif tense == "future" and (chosen is None or chosen < ref_day - _PAST_GRACE):
        chosen = _safe_date(ref.year + 1, month, day)
    elif tense not in ("past", "future"):
        chosen = min(options, key=lambda d: abs((d - ref_day).days))
    if weekday is not None and (chosen is None or chosen.weekday() != weekday):
        # "Friday, December 30" read in early January: the weekday says which December
        agreeing = [d for d in options
                    if d.weekday() == weekday and abs((d - ref_day).days) <= _WEEKDAY_REACH]
        if agreeing:
            chosen = min(agreeing, key=lambda d: abs((d - ref_day).days))
    return (chosen.isoformat(), "day") if chosen else _UNKNOWN


def _month_of(month: int, ref: ReferenceDate | None, tense: str | None) -> tuple[str | None, str]:
    """A month without a year ("in March")."""
    if ref is None:
        return _UNKNOWN
    year = ref.year
    ref_day = _ref_day(ref)
    if ref_day is not None:
        if tense == "past" and dt.date(year, month, 1) > ref_day:
            year -= 1  # "troops were sent in April", written in March: last April
        elif tense == "future" and _month_end(year, month) < ref_day:
            year += 1
        elif tense not in ("past", "future"):
            year = min((year - 1, year, year + 1),
                       key=lambda y: abs((dt.date(y, month, 15) - ref_day).days))
    return f"{year:04d}-{month:02d}", "month"


def _month_end(year: int, month: int) -> dt.date:
    return _add_months(dt.date(year, month, 1), 1) - dt.timedelta(days=1)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _week_month(day: dt.date) -> tuple[str | None, str]:
    """The month of the Monday-to-Sunday week around `day`, if the week lies within one month."""
    monday = day - dt.timedelta(days=day.weekday())
    sunday = monday + dt.timedelta(days=6)
    if (monday.year, monday.month) != (sunday.year, sunday.month):
        return _UNKNOWN
    return f"{monday.year:04d}-{monday.month:02d}", "month"


def _relative_unit(found: re.Match, ref: ReferenceDate | None,
                   ref_day: dt.date | None) -> tuple[str | None, str]:
    """ "last week", "this month", "two years ago" ..."""
    if ref is None:
        return _UNKNOWN
    unit = found["unit"]
    if found.re is _AGO:
        step = -(_NUMBERS.get(found["n"]) or int(found["n"]))
    else:
        step = {"this": 0, "last": -1, "past": -1, "previous": -1, "next": 1,
                "coming": 1}[found["rel"]]
    if unit == "year":
        return f"{ref.year + step:04d}", "year"
    if ref_day is None:
        return _UNKNOWN
    if unit == "day":
        return _days_from(ref_day, step)
    if unit == "week":
        return _week_month(ref_day + dt.timedelta(weeks=step))
    month = _add_months(ref_day, step)
    return f"{month.year:04d}-{month.month:02d}", "month"


def _weekday_date(weekday: int, rel: str | None, ref_day: dt.date | None,
                  tense: str | None) -> tuple[str | None, str]:
    """ "on Friday": the latest such day on or before the reference day (the next one in a
    future-tense clause or after "next"). Without a reference day a weekday names no date."""
    if ref_day is None:
        return _UNKNOWN
    if rel in ("next", "coming") or (tense == "future" and rel not in ("last", "past", "previous")):
        ahead = (weekday - ref_day.weekday()) % 7
        if ahead == 0 and rel in ("next", "coming"):
            ahead = 7
        return (ref_day + dt.timedelta(days=ahead)).isoformat(), "day"
    back = (ref_day.weekday() - weekday) % 7
    if back == 0 and rel in ("last", "past", "previous"):
        back = 7
    return (ref_day - dt.timedelta(days=back)).isoformat(), "day"


def _with_dateparser(text: str, ref: ReferenceDate | None,
                     ref_day: dt.date | None) -> tuple[str | None, str]:
    """Full dates in forms the patterns above do not cover ("2022/01/07", "7 January 2022 at
    10:00"). Only parses that keep the year written in the expression are accepted, so nothing
    is ever filled in from today's date."""
    years = set(re.findall(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)", text))
    if len(years) != 1:
        return _UNKNOWN
    year = int(years.pop())
    import dateparser  # slow to import; most expressions never get here

    if ref_day is not None:
        base = dt.datetime.combine(ref_day, dt.time())
    else:
        base = dt.datetime(ref.year if ref else year, 1, 1)
    common = {"PREFER_DATES_FROM": "past", "RELATIVE_BASE": base}
    got = dateparser.parse(text, languages=["en"], settings={**common, "STRICT_PARSING": True})
    if got is not None and got.year == year:
        return got.date().isoformat(), "day"
    got = dateparser.parse(text, languages=["en"],
                           settings={**common, "REQUIRE_PARTS": ["month", "year"]})
    if got is not None and got.year == year:
        return f"{got.year:04d}-{got.month:02d}", "month"
    return _UNKNOWN


# --- the date of an event ----------------------------------------------------------------------

# A date inside a clause that modifies a noun ("the alliance, which has existed since 2002")
# describes that noun, not the event, and is never used for it.
_NOUN_MODIFIER_DEPS = {"relcl", "acl", "appos"}
# A date in another clause belongs to another event: used only when nothing closer is found.
_OTHER_CLAUSE_DEPS = {"advcl", "ccomp", "xcomp", "csubj", "csubjpass", "parataxis", "pcomp"}
_BOUND_WORDS = {"before", "after", "until", "till", "by", "to", "between", "within", "over"}
_BOUND_PAIRS = {("prior", "to"), ("ahead", "of"), ("up", "to")}
_PRECISION_RANK = {"day": 0, "month": 1, "year": 2}


def date_for_span(span, ref: ReferenceDate | None
                  ) -> tuple[str | None, str, tuple[int, int] | None]:
    """The date of the event whose predicate is `span.root`, from the dates inside `span`.

    Returns (date, precision, (start_char, end_char) of the expression used), or
    (None, "unknown", None). A date attached to the predicate beats one reached through a noun,
    which beats one in another clause; then the more precise, then the nearer one wins.
    """
    doc = span.doc
    predicate = span.root
    tense = _tense(predicate)
    best = None
    for start, end in _date_expressions(span):
        expr_span = doc.char_span(start, end, alignment_mode="expand")
        if expr_span is None or _is_bounded(expr_span):
            continue
        place = _attachment(expr_span.root, predicate)
        if place is None:
            continue
        text = doc_text(doc)
        expression = text[start:end]
        value, precision = resolve_date(expression, ref, tense=tense)
        if value is None:
            value, precision = _paired_weekday(expression, text, ref)
        if value is None:
            # the parser's entity may run past the date ("on Monday, weeks after …" gives
            # "Monday, weeks"): the date the patterns find inside it
            inner = [m for m in _mentions_within(text, start, end) if (m.start, m.end) != (start, end)]
            for m in inner:
                value, precision = resolve_date(m.text, ref, tense=tense)
                if value is not None:
                    break
        if value is None:
            continue
        key = (place, _PRECISION_RANK[precision], abs(expr_span.root.i - predicate.i))
        if best is None or key < best[0]:
            best = (key, value, precision, (start, end))
    if best is None:
        return None, "unknown", None
    return best[1], best[2], best[3]


def _date_expressions(span) -> list[tuple[int, int]]:
    """Character ranges of the date expressions in a span: the parser's DATE/TIME entities and
    what the patterns find (the small model misses some, such as "1is January"); where the two
    overlap the longer one is kept."""
    found = [(e.start_char, e.end_char) for e in entities_overlapping(span.doc, span.start, span.end)
             if e.label_ in ("DATE", "TIME")]
    found += [(m.start, m.end) for m in _mentions_within(doc_text(span.doc), span.start_char,
                                                         span.end_char)]
    kept: list[tuple[int, int]] = []
    for start, end in sorted(set(found), key=lambda r: (r[0] - r[1], r[0])):
        if all(end <= s or start >= e for s, e in kept):
            kept.append((start, end))
    return sorted(kept)


def _is_bounded(expr_span) -> bool:
    doc, i = expr_span.doc, expr_span.start
    if expr_span[0].lower_ in _BOUND_WORDS:
        return True
    if i >= 1 and doc[i - 1].lower_ in _BOUND_WORDS:
        return True
    return i >= 2 and (doc[i - 2].lower_, doc[i - 1].lower_) in _BOUND_PAIRS


def _attachment(token, predicate) -> int | None:
    """0: attached to the predicate; 1: through a noun; 2: in another clause under it;
    3: outside its subtree; None: inside a noun modifier (never the event's date)."""
    rank = 0
    current = token
    for _ in range(len(token.doc)):
        if current.i == predicate.i:
            return rank
        if current.dep_ in _NOUN_MODIFIER_DEPS:
            return None
        if current.dep_ in _OTHER_CLAUSE_DEPS or (
                current.dep_ == "conj" and current.pos_ in ("VERB", "AUX")):
            rank = max(rank, 2)
        elif current is not token and current.pos_ in ("NOUN", "PROPN", "PRON"):
            rank = max(rank, 1)
        if current.head.i == current.i:
            break
        current = current.head
    return 3


def _tense(predicate) -> str | None:
    auxes = [c for c in predicate.children if c.dep_ in ("aux", "auxpass")]
    words = {a.lower_ for a in auxes}
    if words & {"will", "shall", "'ll", "wo"}:
        return "future"
    if predicate.tag_ == "VBD" or any(a.tag_ == "VBD" for a in auxes) \
            or words & {"has", "have", "had", "'ve"}:
        return "past"
    return None


def _paired_weekday(expression: str, text: str,
                    ref: ReferenceDate | None) -> tuple[str | None, str]:
    """A bare "on Friday" in a report that elsewhere says "Friday, January 7" means that Friday,
    when the report pairs that weekday with one date only."""
    if ref is None:
        return _UNKNOWN
    bare = _strip_leading(_normalise(expression))
    bare = _PART_OF_DAY.sub("", bare) if bare else bare
    if not bare or bare not in _WEEKDAYS:
        return _UNKNOWN
    weekday = _WEEKDAYS[bare]
    dates = {_partial_date(p.month, p.day, p.weekday, ref, None)[0]
             for p in _pairings(text) if p.weekday == weekday}
    dates.discard(None)
    return (dates.pop(), "day") if len(dates) == 1 else _UNKNOWN
