"""Date resolution on real sentences (written for these tests) and on the Moscow/Kazakhstan sample."""

import datetime as dt
from pathlib import Path

import pytest

from chronicle.dates import date_for_span, resolve_date, resolve_reference_date
from chronicle.nlp import load_pipeline
from chronicle.record import ReferenceDate

SAMPLE = Path(__file__).resolve().parents[1].parent / "shared" / "samples" / "moscow-kazakhstan.txt"
TODAY = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline()


@pytest.fixture(scope="module")
def sample():
    if not SAMPLE.exists():
        pytest.skip(f"the shared sample {SAMPLE} is not available")
    return SAMPLE.read_text(encoding="utf-8")


def ref_year(year: int) -> ReferenceDate:
    return ReferenceDate(year=year, method="weekday", evidence="test")


def ref_published(day: str) -> ReferenceDate:
    return ReferenceDate(year=int(day[:4]), method="published", evidence="publication date", date=day)


def sentence_with(doc, words: str):
    return next(s for s in doc.sents if words in s.text)


def subtree(token):
    return token.doc[token.left_edge.i:token.right_edge.i + 1]


# --- the seed sample ---------------------------------------------------------------------------

def test_undated_sample_gets_2022_from_its_weekdays_and_since_2019(sample):
    ref = resolve_reference_date(sample)
    assert ref is not None
    assert (ref.year, ref.method, ref.date) == (2022, "weekday", None)
    assert "Friday, January 7" in ref.evidence and "since 2019" in ref.evidence


def test_sample_landing_on_friday_january_7_is_dated_that_day(nlp, sample):
    doc = nlp(sample)
    ref = resolve_reference_date(sample, parsed=doc)
    date, precision, where = date_for_span(sentence_with(doc, "landed on Friday"), ref)
    assert (date, precision) == ("2022-01-07", "day")
    assert sample[where[0]:where[1]] == "Friday, January 7"


def test_sample_blame_as_early_as_wednesday_january_5(nlp, sample):
    doc = nlp(sample)
    ref = resolve_reference_date(sample, parsed=doc)
    assert date_for_span(sentence_with(doc, "blamed the unrest"), ref)[:2] == ("2022-01-05", "day")
    assert resolve_date("as early as Wednesday, January 5", ref, tense="past") == ("2022-01-05", "day")


def test_sample_fuel_price_rise_on_1_january_repaired_or_not(nlp, sample):
    repaired = sample.replace("1is January", "1 January")
    doc = nlp(repaired)
    ref = resolve_reference_date(repaired, parsed=doc)
    sparked = next(t for t in doc if t.text == "sparked")
    date, precision, where = date_for_span(subtree(sparked), ref)
    assert (date, precision) == ("2022-01-01", "day")
    assert repaired[where[0]:where[1]] == "1 January"
    assert resolve_date("on 1is January", ref, tense="past") == ("2022-01-01", "day")


def test_sample_since_2019_is_a_year(sample):
    ref = resolve_reference_date(sample)
    assert resolve_date("since 2019", ref) == ("2019", "year")


def test_sample_age_and_vague_spans_are_not_dates(sample):
    ref = resolve_reference_date(sample)
    for vague in ("68", "for several days", "just hours", "thirty years after the independence",
                  "more than thirty years", "recently", "a few moments previously"):
        assert resolve_date(vague, ref) == (None, "unknown"), vague


# --- the reference date ------------------------------------------------------------------------

def test_publication_date_wins_over_every_cue_in_the_text():
    text = ("KYIV, March 3, 2020 — Shelling resumed on Friday, January 7, in a town held by the army "
            "since 2019.")
    ref = resolve_reference_date(text, published="2024-03-11", today=TODAY)
    assert ref == ReferenceDate(year=2024, method="published", evidence="publication date",
                                date="2024-03-11")


def test_bad_publication_date_is_an_error_naming_the_format():
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        resolve_reference_date("Riot police cleared the square.", published="yesterday")


def test_text_without_any_date_cue_has_no_reference_date():
    assert resolve_reference_date("Riot police cleared the square on Friday after a night of "
                                  "clashes, witnesses said.", today=TODAY) is None
    assert resolve_reference_date("") is None


def test_today_is_never_used_as_the_reference_date_or_a_relative_date(monkeypatch):
    import types

    import chronicle.dates as dates

    today = dt.date(2022, 1, 7)  # a Friday, so a careless fallback would fit "on Friday" perfectly
    text = "Protesters gathered again today and on Friday, the organisers said."
    assert resolve_reference_date(text, today=today) is None

    class NoToday(dt.date):
        @classmethod
        def today(cls):
            raise AssertionError("resolve_date consulted today's date")

    monkeypatch.setattr(dates, "dt", types.SimpleNamespace(
        date=NoToday, datetime=dt.datetime, timedelta=dt.timedelta, time=dt.time))
    for expression in ("today", "on Friday", "yesterday", "last week", "this month", "tonight"):
        assert resolve_date(expression, ref_year(2022)) == (None, "unknown"), expression
    assert resolve_date("January 7", None) == (None, "unknown")


def test_reference_is_never_later_than_today():
    # Thursday, January 7 fell in 2021 and falls again in 2027: a reader in late 2026 gets 2021
    text = "Talks opened on Thursday, January 7, in the capital."
    ref = resolve_reference_date(text, today=TODAY)
    assert ref.year == 2021 and ref.method == "weekday" and "no earlier year" in ref.evidence


def test_explicit_full_date_beats_weekday_inference():
    text = ("The ceasefire agreed on 14 February 2021 collapsed. Shelling resumed on Friday, "
            "January 7, the army said.")
    ref = resolve_reference_date(text, today=TODAY)
    assert (ref.year, ref.method, ref.date) == (2021, "explicit", None)
    assert "14 February 2021" in ref.evidence


def test_dateline_gives_the_writing_day():
    text = "KYIV, February 24, 2022 (Reuters) — Explosions were heard in the capital before dawn."
    ref = resolve_reference_date(text, today=TODAY)
    assert (ref.year, ref.method, ref.date) == (2022, "explicit", "2022-02-24")
    assert resolve_date("before dawn", ref) == (None, "unknown")
    assert resolve_date("yesterday", ref) == ("2022-02-23", "day")


def test_date_in_a_headline_is_not_mistaken_for_a_dateline():
    text = "Remembering March 11, 2011\n\nTen years on, the coast is still rebuilding."
    ref = resolve_reference_date(text, today=TODAY)
    assert (ref.year, ref.method, ref.date) == (2011, "explicit", None)


def test_impossible_weekday_pairing_is_ignored_not_crashed_on():
    text = ("The strike began on Sunday, February 30, according to one leaflet. Troops arrived on "
            "Friday, January 7. The governor has ruled since 2019.")
    ref = resolve_reference_date(text, today=TODAY)
    assert (ref.year, ref.method) == (2022, "weekday")
    assert "February 30" not in ref.evidence
    assert resolve_reference_date("Voting ended on Monday, February 31.", today=TODAY) is None


def test_weekday_with_ordinal_day_uses_the_month_named_before_it():
    text = ("Protests spread through the region in March. On Tuesday 14th riot police cleared the "
            "main square, the mayor, elected in 2018, said.")
    ref = resolve_reference_date(text, today=TODAY)
    assert (ref.year, ref.method) == (2023, "weekday")  # Tuesday, March 14: 2017 or 2023
    assert "'Tuesday 14th (March)'" in ref.evidence and "'elected in 2018'" not in ref.evidence


def test_years_not_yet_reached_do_not_anchor_the_reference():
    text = "The council, in office since 2016, set elections for 2031 and met on Friday, January 7."
    ref = resolve_reference_date(text, today=TODAY)
    assert (ref.year, ref.method) == (2022, "weekday")


def test_latest_year_named_is_a_weak_context_guess():
    text = "The party has governed since 2015 and lost its majority in 2021 amid protests."
    ref = resolve_reference_date(text, today=TODAY)
    assert (ref.year, ref.method, ref.date) == (2021, "context", None)


def test_parser_keeps_a_clock_time_from_passing_as_a_year(nlp):
    text = "The crowd grew from 1900 in the morning to 5000 by noon."
    assert resolve_reference_date(text, today=TODAY).year == 1900  # the patterns alone are fooled
    assert resolve_reference_date(text, parsed=nlp(text), today=TODAY) is None


# --- single expressions -------------------------------------------------------------------------

def test_explicit_month_and_year_forms():
    assert resolve_date("January 7, 2022", None) == ("2022-01-07", "day")
    assert resolve_date("on 7th of January 2022", None) == ("2022-01-07", "day")
    assert resolve_date("2022-01-07", None) == ("2022-01-07", "day")
    assert resolve_date("Jan. 7, 2022", None) == ("2022-01-07", "day")
    assert resolve_date("March 2021", None) == ("2021-03", "month")
    assert resolve_date("in 2019", None) == ("2019", "year")
    assert resolve_date("the summer of 2019", None) == ("2019", "year")
    assert resolve_date("2022/01/07", None) == ("2022-01-07", "day")


def test_numeric_date_keeps_only_what_is_unambiguous():
    assert resolve_date("13/01/2022", None) == ("2022-01-13", "day")
    assert resolve_date("07/01/2022", None) == ("2022", "year")


def test_bounds_are_not_event_dates():
    ref = ref_published("2024-03-11")
    for bound in ("before 2019", "until March", "by Friday", "after January 5"):
        assert resolve_date(bound, ref) == (None, "unknown"), bound


def test_partial_date_takes_the_reference_year():
    assert resolve_date("on 1 January", ref_year(2022)) == ("2022-01-01", "day")
    assert resolve_date("in March", ref_year(2022)) == ("2022-03", "month")


def test_december_date_read_in_january_belongs_to_the_year_before():
    ref = ref_published("2023-01-03")
    assert resolve_date("on December 30", ref) == ("2022-12-30", "day")
    assert resolve_date("on December 30", ref, tense="past") == ("2022-12-30", "day")
    assert resolve_date("Friday, December 30", ref, tense="future") == ("2022-12-30", "day")
    assert resolve_date("in December", ref, tense="past") == ("2022-12", "month")


def test_january_date_announced_in_december_belongs_to_the_next_year():
    ref = ref_published("2022-12-20")
    assert resolve_date("on January 15", ref, tense="future") == ("2023-01-15", "day")
    assert resolve_date("on January 15", ref, tense="past") == ("2022-01-15", "day")


def test_bare_weekday_is_the_last_one_before_the_publication_date():
    ref = ref_published("2024-03-11")  # a Monday
    assert resolve_date("on Friday", ref) == ("2024-03-08", "day")
    assert resolve_date("Friday night", ref, tense="past") == ("2024-03-08", "day")
    assert resolve_date("on Monday", ref) == ("2024-03-11", "day")
    assert resolve_date("last Monday", ref) == ("2024-03-04", "day")
    assert resolve_date("on Friday", ref, tense="future") == ("2024-03-15", "day")


def test_bare_weekday_without_a_known_day_is_unknown():
    assert resolve_date("on Wednesday", ref_year(2022)) == (None, "unknown")


def test_relative_days_weeks_and_years_follow_the_reference():
    ref = ref_published("2024-03-14")  # a Thursday
    assert resolve_date("yesterday", ref) == ("2024-03-13", "day")
    assert resolve_date("three days ago", ref) == ("2024-03-11", "day")
    assert resolve_date("last week", ref) == ("2024-03", "month")
    assert resolve_date("last month", ref) == ("2024-02", "month")
    assert resolve_date("last year", ref) == ("2023", "year")
    assert resolve_date("last week", ref_published("2024-03-04")) == (None, "unknown")  # Feb 26-Mar 3


# --- the date of an event ----------------------------------------------------------------------

def test_date_attached_to_the_predicate_beats_one_in_a_relative_clause(nlp):
    text = ("Peacekeepers from the alliance, which has existed since 2002, landed in the capital on "
            "Friday, January 7.")
    doc = nlp(text)
    date, precision, where = date_for_span(doc[:], ref_year(2022))
    assert (date, precision) == ("2022-01-07", "day")
    assert text[where[0]:where[1]] == "Friday, January 7"


def test_date_only_in_a_relative_clause_is_not_the_events_date(nlp):
    doc = nlp("The alliance, which has existed since 2002, sent peacekeepers to the capital.")
    assert date_for_span(doc[:], ref_year(2022)) == (None, "unknown", None)


def test_a_date_entity_running_past_the_date_still_gives_the_date_inside_it(nlp):
    # the small model tags "Monday, weeks" as one DATE; the resignation is on Monday, not on the
    # 3 March of the riots it followed
    doc = nlp("The minister resigned on Monday, weeks after the riots of 3 March in Dakar.")
    date, precision, where = date_for_span(doc[:], ref_published("2023-06-10"))
    assert (date, precision) == ("2023-06-05", "day")
    assert doc.text[where[0]:where[1]].startswith("Monday")


def test_event_in_a_sentence_without_usable_date_is_unknown(nlp):
    doc = nlp("The president, 68, has ruled for several days by decree.")
    assert date_for_span(doc[:], ref_year(2022)) == (None, "unknown", None)


def test_bare_friday_takes_the_friday_the_report_dates_elsewhere(nlp):
    text = ("Troops landed in the capital on Friday, January 7. The president ordered them to fire "
            "without warning on Friday. He has ruled since 2019.")
    doc = nlp(text)
    ref = resolve_reference_date(text, parsed=doc, today=TODAY)
    ordered = sentence_with(doc, "ordered")
    date, precision, where = date_for_span(ordered, ref)
    assert (date, precision) == ("2022-01-07", "day")
    assert text[where[0]:where[1]] == "Friday"


def test_past_tense_event_in_early_january_report_is_dated_last_december(nlp):
    doc = nlp("Security forces detained the two journalists on December 30.")
    assert date_for_span(doc[:], ref_published("2023-01-03"))[:2] == ("2022-12-30", "day")


def test_date_mentions_keep_the_longest_of_overlapping_readings_as_a_scan_of_every_pair_does():
    """`_scan` keeps, longest first, each date reading that overlaps none kept before: the same
    mentions as comparing every reading with every kept one, on a text of our own full of
    overlapping readings ("Friday, January 7, 2022" holds a weekday, a day and month, a year)."""
    from chronicle.dates import _readings, _scan

    text = " ".join(["On Friday, January 7, 2022 they met; on 1 January and in 2019, on Monday",
                     "the 5th, from March to May 2021, and on Wednesday, January 5."] * 40)
    found = _readings(text)
    every_pair = []
    for mention in found:
        if all(mention.end <= k.start or mention.start >= k.end for k in every_pair):
            every_pair.append(mention)
    expected = sorted(every_pair, key=lambda k: k.start)
    assert len(found) > len(expected) > 200  # overlapping readings were there to be dropped
    assert list(_scan(text)) == expected
