"""The actor knowledge base and `code_actor`: phrases as news writes them, coded alone."""

import gzip
from importlib import resources
from pathlib import Path

import pytest

import chronicle
from chronicle.actorbase import Fact, kb_key, knowledge_base, lookup
from chronicle.evaluate import actors as actor_eval

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "actors"


def code(phrase, date=None):
    return chronicle.code_actor(phrase, date).actor


def test_the_knowledge_base_files_phrases_without_case_dots_or_possessives():
    assert kb_key("the U.N.'s") == "un"
    assert kb_key("Kassym-Jomart Tokayev") == "kassym jomart tokayev"
    assert kb_key("Côte d’Ivoire") == "cote divoire"


def test_the_shipped_knowledge_base_is_small_and_names_its_inputs():
    raw = resources.files("chronicle.data").joinpath("actor_kb.tsv.gz").read_bytes()
    assert len(raw) < 10_000_000
    header = gzip.decompress(raw).decode("utf-8").splitlines()[:12]
    assert any("Phoenix.Countries.actors.txt sha1" in line for line in header)
    assert any("make_actor_kb.py" in line for line in header)
    assert len(knowledge_base()) > 30_000


def test_a_persons_code_is_the_one_valid_at_the_date():
    assert lookup("Kaja Kallas", "2023-03-01").country == "EST"
    later = lookup("Kaja Kallas", "2025-03-01")
    assert later.country is None and later.sector == "IGO"
    assert Fact("RUS", "GOV", "person", "20080508", "", "x", "leaders").holds_on("2012-05")
    assert not Fact("RUS", "GOV", "person", "20080508", "20120101", "x", "leaders").holds_on("2013")


def test_seed_general_serdyukov_is_russian_military():
    actor = code("General Andrei Serdyukov", "2022-01-07")
    assert (actor.country, actor.sector, actor.kind) == ("RUS", "MIL", "person")


def test_organisations_our_tables_lack_come_from_the_knowledge_base():
    coding = chronicle.code_actor("the Kurdistan Workers Party", "1999-01-01")
    assert (coding.actor.country, coding.actor.sector) == ("TUR", "REB")
    assert any("Phoenix" in line for line in coding.matched)
    # and a named body's people: "Hamas militants" are Palestinian
    assert code("Hamas militants", "2023-10-07").country == "PSE"


def test_a_city_inside_an_actor_phrase_gives_its_country():
    assert (code("Almaty police").country, code("Almaty police").sector) == ("KAZ", "COP")
    courts = code("the courts of Catalonia")
    assert (courts.country, courts.sector) == ("ESP", "JUD")


def test_a_capital_alone_stands_for_its_government():
    actor = code("Minsk")
    assert (actor.country, actor.sector, actor.kind) == ("BLR", "GOV", "state")


def test_breakaway_territories_take_the_state_they_broke_from():
    actor = code("South Ossetia")
    assert (actor.country, actor.sector) == ("GEO", "REB")
    # territories with a code of their own keep it
    assert code("Kosovo").country == "XKX"


def test_misspelt_countries_and_demonyms_are_read_but_words_never_become_countries():
    assert code("Kazakstan").country == "KAZ"
    assert code("Isreali troops").country == "ISR"
    assert code("Ukranian forces").country == "UKR"
    for phrase in ("the pajama party", "the raiders", "the villagers"):
        assert code(phrase).country is None, phrase


def test_the_banded_edit_distance_agrees_with_the_whole_table():
    """Misspellings are found by an edit distance computed only near the diagonal: within the
    budget it is the optimal-string-alignment distance of the whole table, past it, over it."""
    import random

    from chronicle.actors import _edit_distance

    def whole(a, b):
        d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
        for i in range(1, len(a) + 1):
            for j in range(1, len(b) + 1):
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
                if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
        return d[-1][-1]

    rng = random.Random(5)
    words = ["kazakhstan", "afghanistan", "ukrainian", "israeli", "venezuela", "tajikistan"]
    pairs = [("kazakstan", "kazakhstan"), ("isreali", "israeli"), ("ukranian", "ukrainian"),
             ("venezeula", "venezuela"), ("abc", "ca"), ("", "ab"), ("ab", "")]
    for _ in range(3000):
        word = list(rng.choice(words))
        for _ in range(rng.randint(0, 4)):  # random edits: substitutions, swaps, insertions, deletions
            k = rng.randrange(len(word))
            edit = rng.randrange(4)
            if edit == 0:
                word[k] = rng.choice("aeiknst")
            elif edit == 1 and k + 1 < len(word):
                word[k], word[k + 1] = word[k + 1], word[k]
            elif edit == 2:
                word.insert(k, rng.choice("aeiknst"))
            elif len(word) > 1:
                del word[k]
        pairs.append(("".join(word), rng.choice(words)))
    for a, b in pairs:
        for cap in (0, 1, 2, 3):
            expected = whole(a, b)
            got = _edit_distance(a, b, cap)
            assert (got == expected) if expected <= cap else (got > cap), (a, b, cap)


def test_a_name_is_never_read_as_a_misspelt_country():
    actor = code("Nicolas Maduro", "2023-02-01")
    assert actor.country == "VEN"  # not Majuro, the Marshall Islands' capital
    assert code("Giorgia Meloni", "2024-01-01").country == "ITA"


def test_dated_organisations_change_code_on_their_date():
    assert code("the Taliban", "2015-01-01").sector == "INS"
    assert code("the Taliban", "2022-01-01").sector == "GOV"


def test_stance_words_do_not_make_a_group_that_countrys():
    assert code("pro-Russian separatists").country is None
    assert code("foreign fighters in Syria").country is None


def test_code_actor_refuses_a_bad_date():
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        chronicle.code_actor("Russia", "5 January")


def test_the_eval_list_marks_a_fixed_held_out_fifth():
    rows = actor_eval.read_phrases(actor_eval.default_path())
    assert len(rows) >= 400
    held = sum(r["split"] == "heldout" for r in rows)
    assert 0.15 < held / len(rows) < 0.25


@pytest.mark.skipif(not (SHARED / "phoenix").is_dir(), reason="../shared/reference/actors not found")
def test_the_compiled_table_is_what_the_script_makes(tmp_path):
    import subprocess
    import sys

    script = Path(__file__).resolve().parents[1] / "scripts" / "make_actor_kb.py"
    shipped = resources.files("chronicle.data").joinpath("actor_kb.tsv.gz").read_bytes()
    subprocess.run([sys.executable, str(script), "--reference", str(SHARED), "--out", str(tmp_path / "kb.gz")],
                   check=True, capture_output=True)
    assert (tmp_path / "kb.gz").read_bytes() == shipped


def test_the_actor_command_says_what_matched():
    from click.testing import CliRunner

    from chronicle.cli import cli

    result = CliRunner().invoke(cli, ["actor", "Almaty police", "--date", "2022-01-05"])
    assert result.exit_code == 0
    assert result.output.startswith("Almaty police: KAZ COP group")
    assert "'Almaty' → KAZ" in result.output
    bad = CliRunner().invoke(cli, ["actor", "Russia", "--date", "5 January"])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output


def test_a_scan_kept_per_document_answers_as_a_fresh_scan_and_never_crosses_a_gap():
    """`actors.scan` keeps its matches per parse (code_span scans a phrase's core, then its
    subtree, and heads are coded more than once): a second scan of the same tokens, in any order
    and with repeats, gives what a scan of a fresh parse of the same text gives."""
    from chronicle.actors import scan
    from chronicle.nlp import load_pipeline

    text = ("UN Secretary-General Antonio Guterres met Russia's foreign minister. Pro-Iranian "
            "militias and Kazakstan's police clashed with US Army troops near the NATO base.")
    doc, fresh = load_pipeline()(text), load_pipeline()(text)
    for tok in doc:
        tokens = [t.i for t in tok.subtree]
        first = scan(doc, tokens)
        assert scan(doc, list(reversed(tokens)) + tokens) == first
        assert scan(fresh, tokens) == first
    assert doc.user_data["chronicle_scans"]
    by_text = {doc[m.start:m.end].text: m.what for m in scan(doc, range(len(doc)))}
    assert by_text["UN Secretary-General"] == "role" and by_text["Kazakstan's"] == "country"
    # a match is a contiguous run of the tokens given: with the hyphen left out, no
    # "Secretary-General" (and no "General" taken with the words around the gap)
    hyphen = next(t.i for t in doc if t.text == "-")
    gapped = {doc[m.start:m.end].text for m in scan(doc, [i for i in range(len(doc)) if i != hyphen])}
    assert not any("Secretary" in t for t in gapped) and "UN" in gapped



def test_a_coded_phrase_is_kept_per_parse_and_each_caller_gets_its_own_copy():
    """`code_span` keeps each head's coding per parse and coding date (the context codes every
    entity's head and the roles code the same heads again per event): a second call answers the
    same as a fresh parse does, and changing one answer changes no other."""
    from chronicle.actors import code_span
    from chronicle.nlp import load_pipeline

    text = ("Russian troops and Kazakh police moved into Almaty on Friday, where President Tokayev "
            "said the Collective Security Treaty Organization would help.")
    doc, fresh = load_pipeline()(text), load_pipeline()(text)
    for tok in doc:
        first = code_span(doc, tok)
        first.country, first.kind = "XXX", "person"  # what callers do with their answer
        again = code_span(doc, tok)
        assert again == code_span(fresh, fresh[tok.i]) and again is not first
    doc.user_data["chronicle.date"] = fresh.user_data["chronicle.date"] = "1990-01-01"
    assert [code_span(doc, t) for t in doc] == [code_span(fresh, t) for t in fresh]
    why: list[str] = []
    troops = next(t for t in doc if t.text == "troops")
    assert code_span(doc, troops, why) == code_span(fresh, fresh[troops.i]) and why  # explained afresh


@pytest.mark.parametrize("phrase, country, sector, kind", [
    ("a member of Hezbollah", "LBN", "REB", "person"),
    ("members of the Taliban", "AFG", "INS", "group"),
    ("supporters of the opposition", None, "OPP", "group"),
    ("Hezbollah members", "LBN", "REB", "group"),
])
def test_members_and_supporters_are_the_people_of_the_body_their_phrase_names(phrase, country, sector, kind):
    actor = code(phrase, "2020-01-01")
    assert (actor.country, actor.sector, actor.kind) == (country, sector, kind)


def test_a_member_of_no_known_body_is_not_coded():
    assert code("a member of the audience").sector is None
