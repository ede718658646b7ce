"""Tests for the clean stage. Apart from the shared seed sample, every text here was written for these
tests and describes invented events."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from chronicle.clean import Deduplicator, clean, load_junk_patterns
from chronicle.record import Document, Flags, text_id

SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "samples"


def make_doc(text: str, title: str | None = None, language: str = "und", doc_id: str = "") -> Document:
    return Document(id=doc_id, text=text, title=title, language=language)


def removed_texts(doc: Document) -> list[str]:
    return [r.text for r in doc.flags.removed]


def reason_for(doc: Document, text: str) -> str:
    return next(r.reason for r in doc.flags.removed if r.text == text)


# A plain English report with no junk: the negative case for most rules.
CLEAN_ENGLISH = """\
Transport workers in the northern port city walked off the job on Tuesday, halting ferries and \
cargo handling for the second time this month. The union said about 1,200 members had joined the \
stoppage, which it described as a warning to the regional government.

Police kept a small group of pickets away from the main terminal but made no arrests, a spokesman \
for the city council said. "We want a written guarantee on pensions, not another promise," the \
union's deputy leader told reporters outside the harbour office.

Talks resume next week

The regional transport minister, who took office in March, said she was ready to meet union \
representatives and called the strike premature. Talks are expected to resume in the capital on \
Monday."""

CLEAN_FRENCH = """\
Les agriculteurs ont bloqué mardi les principaux accès à la préfecture avec plusieurs dizaines de \
tracteurs, pour protester contre la baisse des aides à l'irrigation. Selon la gendarmerie, près de \
400 personnes ont participé au rassemblement, qui s'est déroulé sans incident.

Le préfet a reçu une délégation en fin d'après-midi et a promis de transmettre leurs demandes au \
ministère. Les syndicats agricoles ont annoncé une nouvelle journée de mobilisation la semaine \
prochaine si aucune réponse ne leur est apportée."""


# ---------------------------------------------------------------------------------------------------
# The seed: a machine-translated, paywalled, aggregator-polluted report


@pytest.fixture(scope="module")
def seed() -> tuple[Document, Document]:
    path = SAMPLES / "moscow-kazakhstan.txt"
    if not path.exists():
        pytest.skip(f"shared sample not found at {path}; it lives in the project's shared/samples/")
    title, _, rest = path.read_text(encoding="utf-8").partition("\n")
    raw = make_doc(rest.lstrip("\n"), title=title.strip())
    return raw, clean(raw)


def test_seed_junk_lines_and_repeated_title_are_removed_with_reasons(seed):
    _, doc = seed
    removed = removed_texts(doc)
    assert len(removed) == 5
    assert removed[0].startswith("Read also Article reserved for our subscribers")
    assert removed[0].endswith("In Kazakhstan, the uprising crushed in blood")
    assert removed[1] == "You have 66.24% of this article to read. The rest is for subscribers only."
    assert removed[2].startswith("We would love to say thanks to the writer")
    assert removed[3] == "Moscow in a strong position in Kazakhstan"
    assert removed[4] == "Decode The News Podcast"
    assert [r.reason.split(":")[0] for r in doc.flags.removed] == [
        "cross-link", "paywall", "thanks-spam", "repeated-title", "trailing-brand"]
    for line in removed:
        assert line not in doc.text


def test_seed_subheading_in_the_middle_is_kept(seed):
    _, doc = seed
    assert "\n\nA partner concerned about its sovereignty\n\n" in doc.text


def test_seed_is_truncated_with_the_read_fraction_from_the_paywall_notice(seed):
    _, doc = seed
    assert doc.flags.truncated is True
    assert doc.flags.read_fraction == pytest.approx(0.3376)


def test_seed_is_machine_translated_from_french(seed):
    _, doc = seed
    assert doc.flags.machine_translated is True
    assert doc.flags.translated_from == "fr"


def test_seed_ordinal_glitch_is_repaired_and_recorded(seed):
    _, doc = seed
    assert "1 January" in doc.text
    assert "1is" not in doc.text
    assert any(r.text == "1is January" and "'1 January'" in r.reason for r in doc.flags.repaired)


def test_seed_language_is_english_and_id_is_the_hash_of_the_cleaned_text(seed):
    _, doc = seed
    assert doc.language == "en"
    assert doc.id == text_id(doc.text)
    assert doc.errors == []


def test_seed_text_keeps_paragraph_breaks_and_body(seed):
    raw, doc = seed
    assert doc.text.startswith("Twelve Russian military transport planes")
    assert doc.text.endswith("even if it means modifying the Constitution.")
    assert doc.text.count("\n\n") == 4
    assert "[des manifestants]" in doc.text  # evidence of translation is not ours to delete


def test_cleaning_does_not_change_the_input_document(seed):
    raw, _ = seed
    title, _, rest = (SAMPLES / "moscow-kazakhstan.txt").read_text(encoding="utf-8").partition("\n")
    assert raw.text == rest.lstrip("\n")
    assert raw.flags == Flags()


def test_cleaning_twice_gives_the_same_text_and_flags(seed):
    _, once = seed
    twice = clean(once)
    assert twice.text == once.text
    assert twice.id == once.id
    assert twice.flags.truncated and twice.flags.read_fraction == once.flags.read_fraction
    assert twice.flags.machine_translated and twice.flags.translated_from == "fr"
    assert twice.flags.removed == once.flags.removed
    assert twice.flags.repaired == once.flags.repaired


def test_repository_example_of_a_translated_report_is_cleaned_like_the_seed():
    path = Path(__file__).resolve().parents[1] / "examples" / "harbour-strike-translated.txt"
    if not path.exists():
        pytest.skip(f"example not found at {path}")
    title, _, rest = path.read_text(encoding="utf-8").partition("\n")
    doc = clean(make_doc(rest.lstrip("\n"), title=title.strip()))
    assert [r.reason.split(":")[0] for r in doc.flags.removed] == [
        "cross-link", "share", "paywall", "thanks-spam", "repeated-title", "trailing-brand"]
    assert doc.flags.truncated and doc.flags.read_fraction == pytest.approx(0.415)
    assert doc.flags.machine_translated and doc.flags.translated_from == "fr"
    assert "on 1 March" in doc.text and doc.language == "en"


# ---------------------------------------------------------------------------------------------------
# A normal article is left alone


def test_normal_english_article_is_not_changed_flagged_or_cut():
    doc = clean(make_doc(CLEAN_ENGLISH, title="Port workers strike over pensions", language="en"))
    assert doc.text == CLEAN_ENGLISH
    assert doc.flags.removed == [] and doc.flags.repaired == []
    assert doc.flags.truncated is False and doc.flags.read_fraction is None
    assert doc.flags.machine_translated is False and doc.flags.translated_from is None
    assert doc.language == "en"
    assert doc.errors == []


def test_french_article_is_detected_as_french_and_not_as_a_translation():
    text = CLEAN_FRENCH.replace("400 personnes", "400 personnes « au moins »")
    doc = clean(make_doc(text + "\n\nLire aussi : La sécheresse inquiète les maraîchers du Sud"))
    assert doc.language == "fr"
    assert doc.flags.machine_translated is False
    assert doc.flags.truncated is False
    assert removed_texts(doc) == ["Lire aussi : La sécheresse inquiète les maraîchers du Sud"]


def test_legitimate_closing_sentence_is_kept():
    text = CLEAN_ENGLISH + "\n\nNo date has been set for the vote."
    doc = clean(make_doc(text))
    assert doc.text.endswith("No date has been set for the vote.")
    assert doc.flags.removed == []


@pytest.mark.parametrize("line", [
    "By Friday, the last of the troops had left the city.",
    "By Friday, 3,000 troops had left.",
    "Subscribers to the state broadcaster complained that coverage of the strike was censored.",
    "Sources close to the ministry said the decree would be signed within days.",
    "Published figures show that exports fell by a fifth in the first quarter.",
    "Copyright disputes between the two publishers have dragged on for years.",
    "Share prices in Almaty fell sharply after the announcement.",
    "See you in court, the opposition leader told the minister.",
    "Updated electoral rolls will be published before the vote in May.",
])
def test_body_sentences_that_look_like_junk_are_kept(line):
    text = f"{CLEAN_ENGLISH}\n\n{line}\n\nThe ministry did not respond to a request for comment."
    doc = clean(make_doc(text))
    assert line in doc.text
    assert doc.flags.removed == []


# ---------------------------------------------------------------------------------------------------
# Junk lines, one rule at a time


@pytest.mark.parametrize("line, slug", [
    ("Read also: Three arrested after clashes at the border crossing", "cross-link"),
    ("See also Opposition calls for early elections", "cross-link"),
    ("Related: How the fuel subsidy became a political weapon", "cross-link"),
    ("Lire aussi Les syndicats appellent à une grève générale", "cross-link"),
    ("Article reserved for our subscribers The long road to the ceasefire", "subscriber-teaser"),
    ("Sign up for our newsletter and get the day's top stories every morning", "subscribe"),
    ("Subscribe to our weekly briefing on Central Asia", "subscribe"),
    ("We would like to thank the author of this piece for this valuable content", "thanks-spam"),
    ("Credit goes to the original writer", "thanks-spam"),
    ("Share this article", "share"),
    ("Facebook | Twitter | WhatsApp | Email", "share"),
    ("Follow us on Telegram for live updates", "follow-us"),
    ("Click here to watch the full press conference", "click-here"),
    ("Advertisement", "ad"),
    ("Story continues below advertisement", "ad"),
    ("© 2023 Northern Media Group. All rights reserved.", "copyright"),
    ("This article was originally published by our partner site.", "syndication"),
    ("Photo: Reuters", "photo-credit"),
    ("Riot police outside the parliament building on Monday. JOHN SMITH / AFP", "photo-credit"),
    ("Reporting by Anna Petrova; Editing by Mark Jones", "credits"),
    ("By Lena Okafor and Tom Reyes, 14 May 2026", "byline"),
    ("Home | World | Europe | Politics", "navigation"),
    ("Published on March 3, 2023 at 10:15", "timestamp"),
    ("Tags: protests, energy, elections", "tags"),
    ("Suivez-nous sur Facebook et Instagram", "follow-us"),
    ("Publicité", "ad"),
])
def test_junk_line_is_removed_with_its_reason(line, slug):
    text = f"{CLEAN_ENGLISH}\n\n{line}\n\nThe ministry did not respond to a request for comment."
    doc = clean(make_doc(text))
    assert removed_texts(doc) == [line]
    assert reason_for(doc, line).startswith(f"{slug}: ")
    assert line not in doc.text
    assert doc.flags.truncated is False


def test_repeated_headline_is_removed_at_the_start_and_after_the_body():
    title = "Port workers strike over pensions"
    text = f"{title}\n\n{CLEAN_ENGLISH}\n\nPORT WORKERS STRIKE OVER PENSIONS"
    doc = clean(make_doc(text, title=title))
    assert removed_texts(doc) == [title, "PORT WORKERS STRIKE OVER PENSIONS"]
    assert all(r.reason.startswith("repeated-title: ") for r in doc.flags.removed)
    assert doc.text == CLEAN_ENGLISH


def test_repeated_headline_is_recognised_without_the_site_name_suffix():
    text = f"{CLEAN_ENGLISH}\n\nPort workers strike over pensions"
    doc = clean(make_doc(text, title="Port workers strike over pensions | The Coastal Herald"))
    assert removed_texts(doc) == ["Port workers strike over pensions"]


def test_trailing_brand_line_is_removed_but_a_final_sentence_is_not():
    doc = clean(make_doc(CLEAN_ENGLISH + "\n\nThe Coastal Herald Morning Edition"))
    assert removed_texts(doc) == ["The Coastal Herald Morning Edition"]
    assert reason_for(doc, "The Coastal Herald Morning Edition").startswith("trailing-brand: ")
    assert doc.flags.truncated is False


def test_sentence_case_line_at_the_end_is_not_taken_for_a_brand():
    doc = clean(make_doc(CLEAN_ENGLISH + "\n\nUnion leaders say they will wait"))
    assert doc.flags.removed == []
    assert doc.text.endswith("Union leaders say they will wait")
    assert doc.flags.truncated is True  # no final punctuation: the text stops mid-thought


def test_wrapped_last_line_of_a_sentence_is_not_taken_for_a_brand():
    text = "The council met on Monday and agreed to postpone the vote until\nNext Spring"
    doc = clean(make_doc(text))
    assert doc.flags.removed == []


def test_whitespace_is_normalised_and_paragraph_breaks_kept():
    raw = ("  The  mayor\u00a0resigned on Friday.\r\n\r\n\r\n\tHer deputy  takes over\u200b until "
           "the election.  \r\n\n")
    doc = clean(make_doc(raw))
    assert doc.text == "The mayor resigned on Friday.\n\nHer deputy takes over until the election."


# ---------------------------------------------------------------------------------------------------
# Truncation


def test_paywall_notice_is_removed_and_read_fraction_kept():
    notice = "You have 40% of this article to read. The rest is for subscribers only."
    doc = clean(make_doc(f"{CLEAN_ENGLISH}\n\n{notice}"))
    assert removed_texts(doc) == [notice]
    assert doc.flags.truncated is True
    assert doc.flags.read_fraction == pytest.approx(0.6)


def test_french_paywall_notice_gives_the_read_fraction():
    notice = "Il vous reste 72,5 % de cet article à lire. La suite est réservée aux abonnés."
    doc = clean(make_doc(f"{CLEAN_FRENCH}\n\n{notice}"))
    assert removed_texts(doc) == [notice]
    assert doc.flags.truncated is True
    assert doc.flags.read_fraction == pytest.approx(0.275)
    assert doc.language == "fr"


def test_paywall_notice_glued_to_the_last_paragraph_is_cut_off_it():
    text = CLEAN_ENGLISH + " The rest of this article is for subscribers only."
    doc = clean(make_doc(text))
    assert doc.text == CLEAN_ENGLISH
    assert removed_texts(doc) == ["The rest of this article is for subscribers only."]
    assert "glued" in doc.flags.removed[0].reason
    assert doc.flags.truncated is True
    assert doc.flags.read_fraction is None  # the notice does not say how much is missing


def test_continue_reading_link_in_the_middle_is_removed_without_marking_a_cut():
    first, rest = CLEAN_ENGLISH.split("\n\n", 1)
    doc = clean(make_doc(f"{first}\n\nContinue reading the main story\n\n{rest}"))
    assert removed_texts(doc) == ["Continue reading the main story"]
    assert doc.flags.truncated is False


def test_subscribe_to_continue_at_the_end_marks_a_cut():
    doc = clean(make_doc(f"{CLEAN_ENGLISH}\n\nSubscribe to continue reading\n\nAlready a subscriber? Log in"))
    assert removed_texts(doc) == ["Subscribe to continue reading", "Already a subscriber? Log in"]
    assert doc.flags.truncated is True


@pytest.mark.parametrize("ending", [
    "The minister said the government would consider the union's demands and…",
    "The minister said the government would consider the union's demands [...]",
    "The minister said the government would consider the union's demands and",
])
def test_text_that_stops_mid_sentence_is_truncated_without_a_read_fraction(ending):
    doc = clean(make_doc(f"{CLEAN_ENGLISH}\n\n{ending}"))
    assert doc.flags.truncated is True
    assert doc.flags.read_fraction is None
    assert ending in doc.text


def test_truncation_flag_set_by_an_earlier_stage_is_kept():
    raw = make_doc(CLEAN_ENGLISH)
    raw.flags.truncated = True
    assert clean(raw).flags.truncated is True


# ---------------------------------------------------------------------------------------------------
# Machine translation

TRANSLATED_ENGLISH = """\
Several thousand farmers gathered on Tuesday in front of the prefecture to denounce the cut in \
irrigation aid decided on 1is February, according to the organisers. The prefect received a \
delegation [des représentants syndicaux] at the end of the afternoon.

The gendarmes, who were deployed in large numbers, did not intervene. The unions announced a new \
day of action for next week if no answer is given to them."""


def test_bracketed_french_and_ordinal_glitch_mark_a_translation_from_french():
    doc = clean(make_doc(TRANSLATED_ENGLISH))
    assert doc.language == "en"
    assert doc.flags.machine_translated is True
    assert doc.flags.translated_from == "fr"
    assert "on 1 February" in doc.text
    assert [r.text for r in doc.flags.repaired] == ["1is February"]


def test_french_typography_and_capitalised_quotes_mark_a_translation_from_french():
    text = ("The prime minister denounced « an unacceptable provocation » on Sunday and promised "
            "“Firm measures against the organisers”. He asked : what will the opposition do now ? "
            "His spokesman spoke of “Deliberate attempts to sow disorder”.")
    doc = clean(make_doc(f"{CLEAN_ENGLISH}\n\n{text}"))
    assert doc.flags.machine_translated is True
    assert doc.flags.translated_from == "fr"


def test_french_typography_alone_is_not_enough_for_a_translation():
    # A French speaker writing English keeps these habits without any machine involved.
    text = ("The prime minister denounced « an unacceptable provocation » on Sunday. He asked : "
            "what will the opposition do now ?")
    doc = clean(make_doc(f"{CLEAN_ENGLISH}\n\n{text}"))
    assert doc.flags.machine_translated is False


def test_one_weak_cue_is_not_enough_for_a_translation():
    text = CLEAN_ENGLISH.replace("called the strike premature",
                                 "called the strike, dubbed « la grève des quais » by locals, premature")
    doc = clean(make_doc(text))
    assert doc.flags.machine_translated is False
    assert doc.flags.translated_from is None


def test_quoted_foreign_term_in_brackets_alone_is_not_a_translation():
    text = CLEAN_ENGLISH.replace("called the strike premature",
                                 "called the strike a \"special operation\" [spetsialnaya operatsiya]")
    doc = clean(make_doc(text))
    assert doc.flags.machine_translated is False


def test_ordinal_glitch_alone_is_repaired_but_decides_nothing():
    doc = clean(make_doc(CLEAN_ENGLISH.replace("in March", "on 1is March")))
    assert "took office on 1 March" in doc.text
    assert [r.text for r in doc.flags.repaired] == ["1is March"]
    assert doc.flags.repaired[0].reason.startswith("ordinal-glitch: ")
    assert doc.flags.machine_translated is False


def test_english_editorial_brackets_are_not_foreign_fragments():
    text = CLEAN_ENGLISH.replace("not another promise", "not another promise [from the ministry]")
    doc = clean(make_doc(text.replace("in March", "on 1is March")))
    assert doc.flags.machine_translated is False


def test_machine_translation_notice_is_removed_and_flags_the_text():
    doc = clean(make_doc(f"{CLEAN_ENGLISH}\n\nThis article was automatically translated from French."))
    assert removed_texts(doc) == ["This article was automatically translated from French."]
    assert doc.flags.machine_translated is True


def test_doubled_full_stop_is_repaired_but_a_spaced_ellipsis_is_not():
    text = ("Police dispersed the crowd. . Several people were hurt. The mayor paused . . . and then "
            "left the square without a word.")
    doc = clean(make_doc(text))
    assert "crowd. Several" in doc.text
    assert "paused . . . and" in doc.text
    assert [r.text for r in doc.flags.repaired] == ["crowd. ."]


# ---------------------------------------------------------------------------------------------------
# Language and id


def test_language_from_the_text_overrides_wrong_metadata_and_says_so():
    doc = clean(make_doc(CLEAN_ENGLISH, language="fr"))
    assert doc.language == "en"
    assert len(doc.errors) == 1 and "'fr'" in doc.errors[0] and "'en'" in doc.errors[0]


def test_metadata_language_is_kept_for_a_text_too_short_to_identify():
    assert clean(make_doc("Oui.", language="fr-FR")).language == "fr"
    assert clean(make_doc("Oui.", language="fra")).language == "fr"
    assert clean(make_doc("Yes.")).language == "und"


def test_one_short_english_sentence_is_english_not_undetermined():
    # py3langid gives "en" only 0.09 here, but English is still its likeliest language
    assert clean(make_doc("He met John Smith in Paris.")).language == "en"
    # a short sentence in another language is not taken for English
    assert clean(make_doc("Il a rencontré Jean à Paris.")).language == "fr"
    # py3langid's first guess for this one is Nigerian Pidgin ("pcm"), a language with no two-letter
    # code: the likeliest language that has one is taken
    assert clean(make_doc("Police arrested 40 protesters in Nairobi on Monday.")).language == "en"
    assert clean(make_doc("Er traf Johann in Berlin.")).language != "en"


def test_caller_id_is_kept_and_a_missing_id_is_the_hash_of_the_cleaned_text():
    assert clean(make_doc(CLEAN_ENGLISH, doc_id="caller-7")).id == "caller-7"
    doc = clean(make_doc(CLEAN_ENGLISH + "\n\nAdvertisement"))
    assert doc.id == text_id(CLEAN_ENGLISH)


def test_empty_text_is_cleaned_without_error():
    doc = clean(make_doc("  \n\n "))
    assert doc.text == "" and doc.flags.truncated is False and doc.language == "und"


def test_cleaned_document_still_encodes_as_a_record():
    doc = clean(make_doc(CLEAN_ENGLISH + "\n\nAdvertisement"))
    decoded = msgspec.json.decode(msgspec.json.encode(doc), type=Document)
    assert decoded == doc


# ---------------------------------------------------------------------------------------------------
# The junk table


def test_every_junk_pattern_row_loads():
    patterns = load_junk_patterns()
    assert len(patterns) > 40
    assert {p.effect for p in patterns} <= {"truncates", "translated", "-"}
    path = Path(__file__).resolve().parents[1] / "src" / "chronicle" / "data" / "junk_patterns.tsv"
    assert path.read_text(encoding="utf-8").startswith("# ")


def test_malformed_junk_table_row_names_the_file_and_line(tmp_path):
    table = tmp_path / "junk.tsv"
    table.write_text("# test table\nad\t-\t80\tno\t(unclosed\tad label\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"junk\.tsv:2: bad regular expression"):
        load_junk_patterns(table)


# ---------------------------------------------------------------------------------------------------
# Duplicates

ARTICLE = """\
Hundreds of teachers marched through the centre of the capital on Wednesday to demand higher pay \
and smaller classes, the third such protest since the start of the school year. The march, called by \
the two largest teaching unions, started outside the education ministry and ended at parliament, \
where a delegation handed over a petition signed by more than 40,000 people.

Police estimated the crowd at about 3,000, while the organisers said twice as many had taken part. \
There were no reports of violence, and traffic was diverted for several hours along the main avenue.

The education minister said in a statement that a new salary scale would be presented to the \
cabinet before the end of the month, but warned that the budget left little room for manoeuvre. \
Union leaders rejected the offer as vague and said they would consider a national strike in \
November if no agreement was reached.

Parents' associations have so far backed the teachers, although some have criticised the repeated \
school closures. The opposition has promised to raise the issue during next week's budget debate."""

SAME_TOPIC_OTHER_ARTICLE = """\
Teachers' unions said on Thursday they were preparing a national strike for November after talks \
with the education ministry on salaries broke down. Negotiators left the ministry late in the \
evening without a date for a new meeting, according to a union spokeswoman.

The government has offered a two per cent rise from January, which the unions call an insult \
after years of inflation. Schools in several regions have already been closed for three days this \
autumn, and parents' groups warned that pupils preparing for exams were falling behind.

Officials at the finance ministry said any increase would have to be matched by savings elsewhere \
in the education budget, and pointed to the cost of the new school meals programme."""


def test_exact_duplicate_with_different_whitespace_and_case_is_found():
    dedup = Deduplicator()
    first = dedup.check(make_doc(ARTICLE, doc_id="a1"))
    assert first.flags.duplicate_of is None
    copy = "  " + ARTICLE.upper().replace("\n\n", "\n\n\n").replace(" ", "  ")
    second = dedup.check(make_doc(copy, doc_id="a2"))
    assert second.flags.duplicate_of == "a1"


def test_near_duplicate_with_a_changed_sentence_and_a_junk_line_is_found():
    dedup = Deduplicator()
    dedup.check(make_doc(ARTICLE, doc_id="a1"))
    edited = ARTICLE.replace(
        "There were no reports of violence, and traffic was diverted for several hours",
        "No violence was reported, though traffic had to be diverted for most of the afternoon")
    edited += "\n\nSign up for our newsletter to get the latest education news"
    assert edited != ARTICLE
    doc = dedup.check(make_doc(edited, doc_id="b7"))
    assert doc.flags.duplicate_of == "a1"


def test_article_on_the_same_topic_is_not_a_duplicate():
    dedup = Deduplicator()
    dedup.check(make_doc(ARTICLE, doc_id="a1"))
    doc = dedup.check(make_doc(SAME_TOPIC_OTHER_ARTICLE, doc_id="c3"))
    assert doc.flags.duplicate_of is None


def test_duplicate_of_a_seeded_document_points_to_it():
    dedup = Deduplicator()
    dedup.seed("stored-1", ARTICLE)
    doc = dedup.check(make_doc(ARTICLE + "\n\nAdvertisement", doc_id=""))
    assert doc.flags.duplicate_of == "stored-1"


def test_chain_of_near_duplicates_points_to_the_first_document():
    dedup = Deduplicator()
    dedup.check(make_doc(ARTICLE, doc_id="a1"))
    dedup.check(make_doc(ARTICLE + "\n\nShare this article", doc_id="a2"))
    doc = dedup.check(make_doc(ARTICLE + "\n\nShare this article\n\nFollow us on X", doc_id="a3"))
    assert doc.flags.duplicate_of == "a1"


def test_a_check_makes_each_texts_minhash_and_exact_key_once(monkeypatch):
    """Looking a text up and registering it read the same MinHash and exact key: each is made
    once per check (twice, they were half of the near-duplicate check's CPU), and the answers
    are those of the tests above."""
    made = {"minhash": 0, "exact": 0}
    minhash, exact = Deduplicator._minhash, Deduplicator._exact_key

    def counted_minhash(self, text):
        made["minhash"] += 1
        return minhash(self, text)

    def counted_exact(self, text):
        made["exact"] += 1
        return exact(self, text)

    monkeypatch.setattr(Deduplicator, "_minhash", counted_minhash)
    monkeypatch.setattr(Deduplicator, "_exact_key", counted_exact)
    dedup = Deduplicator()
    assert dedup.check(make_doc(ARTICLE, doc_id="a1")).flags.duplicate_of is None
    assert made == {"minhash": 1, "exact": 1}
    near = dedup.check(make_doc(ARTICLE + "\n\nShare this article", doc_id="a2"))
    assert near.flags.duplicate_of == "a1" and made == {"minhash": 2, "exact": 2}
    # an exact copy is found by its key; its MinHash is still made once, to index it
    assert dedup.check(make_doc(ARTICLE.upper(), doc_id="a3")).flags.duplicate_of == "a1"
    assert made == {"minhash": 3, "exact": 3}
    assert dedup.check(make_doc(SAME_TOPIC_OTHER_ARTICLE, doc_id="c3")).flags.duplicate_of is None


def test_checking_the_same_document_again_does_not_make_it_its_own_duplicate():
    dedup = Deduplicator()
    dedup.check(make_doc(ARTICLE, doc_id="a1"))
    assert dedup.check(make_doc(ARTICLE, doc_id="a1")).flags.duplicate_of is None


def test_the_cached_language_model_answers_as_the_packaged_one(tmp_path, monkeypatch):
    """clean.py maps py3langid's model from a decompressed copy in the user's cache; its answers
    must be py3langid's own, digit for digit."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    from chronicle.clean import _mapped_language_identifier

    monkeypatch.setenv("CHRONICLE_CACHE", str(tmp_path))
    packaged = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    written = _mapped_language_identifier(LanguageIdentifier)  # decompresses into tmp_path
    mapped = _mapped_language_identifier(LanguageIdentifier)  # maps the copy
    assert [p.name.startswith("langid-") for p in tmp_path.iterdir()] == [True]
    texts = [CLEAN_ENGLISH, "Der Bundestag hat am Freitag das Gesetz mit großer Mehrheit beschlossen.",
             "Le gouvernement a annoncé hier une hausse des prix du carburant.", "Москва заявила",
             "ok", ""]
    for text in texts:
        assert mapped.classify(text) == written.classify(text) == packaged.classify(text)
        assert mapped.rank(text) == packaged.rank(text)
