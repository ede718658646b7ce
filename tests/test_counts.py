"""The count vocabulary (`chronicle.counts`, data/count_units.tsv) on the counts nlp finds in
sentences written for these tests: which are deaths, which injuries, which neither."""

from __future__ import annotations

import pytest

from chronicle.counts import count_kind, count_value


@pytest.fixture(scope="module")
def nlp():
    from chronicle.nlp import load_pipeline

    return load_pipeline()


def tolls(nlp, sentence):
    """(kind, value) of every count nlp finds in `sentence`, as the exports read them."""
    from chronicle.nlp import extract_quantities

    out = []
    for q in extract_quantities(nlp(sentence)):
        before, after = sentence[max(0, q.start - 40):q.start], sentence[q.end:q.end + 40]
        out.append((count_kind(q, before, after), count_value(q, sentence[q.start:q.end])))
    return out


@pytest.mark.parametrize("sentence, expected", [
    ("Gunmen killed 12 villagers in an overnight raid.", [("death", 12)]),
    ("Insurgents stormed the town, killing more than 200 people.", [("death", 200)]),
    ("At least 19 soldiers were killed in the ambush.", [("death", 19)]),
    ("Nineteen soldiers were killed and 30 wounded when militants attacked the base.",
     [("death", 19), ("injury", 30)]),
    ("Militants beheaded 21 Christians on a beach.", [("death", 21)]),
    ("Security forces shot dead five protesters on Thursday.", [("death", 5)]),
    ("Police shot three men dead at a checkpoint.", [("death", 3)]),
    ("The blast killed three people and injured 14 others.", [("death", 3), ("injury", 14)]),
    ("A suicide bomber killed 7 and wounded 20 at a market.", [("death", 7), ("injury", 20)]),
    ("The explosion killed two and injured 17.", [("death", 2), ("injury", 17)]),
    ("Police said 30 bodies were found in a mass grave.", [("death", 30)]),
    ("The airstrike claimed 30 lives, residents said.", [("death", 30)]),
    ("Gunmen gunned down four police officers.", [("death", 4)]),
    ("Clashes left 15 dead in the capital.", [("death", 15)]),
    ("Fighting has left 40 people dead and dozens injured.", [("death", 40), ("injury", 12)]),
    ("The bombing left 60 wounded.", [("injury", 60)]),
    ("Five people died when police fired on demonstrators.", [("death", 5)]),
    ("Three soldiers died of their wounds on Sunday.", [("death", 3)]),
    ("The toll rose to 25 deaths on Friday.", [("death", 25)]),
    ("Dozens of people were killed in the shelling.", [("death", 12)]),
    ("Hundreds were wounded in the clashes.", [("injury", 100)]),
    ("Six people were slain in the attack on the church.", [("death", 6)]),
    ("Gunmen murdered eight farmers in the village.", [("death", 8)]),
    ("Soldiers massacred more than 100 villagers, survivors said.", [("death", 100)]),
    ("The junta executed four activists on Monday.", [("death", 4)]),
    ("Two journalists were hurt when police beat demonstrators.", [("injury", 2)]),
    ("Twelve demonstrators were injured when police charged the crowd.", [("injury", 12)]),
    ("Seven people were hospitalised after the riot.", [("injury", 7)]),
    ("About 300 people were injured in the stampede.", [("injury", 300)]),
])
def test_deaths_and_injuries_are_read_in_the_ways_reports_tell_them(nlp, sentence, expected):
    assert tolls(nlp, sentence) == expected


@pytest.mark.parametrize("sentence", [
    "Police shot five protesters in the legs.",          # shot, neither dead nor wounded said
    "Police arrested 30 people after the march.",
    "The army sent 3,000 troops to the border.",
    "Thousands of protesters marched through the capital.",
    "The rebels seized 20 guns from the armoury.",       # guns are not "gunned down"
    "He suffered five stab wounds.",                     # wounds, not wounded people
    "Officials reported 50 casualties after the blast.",  # the dead and the wounded together
])
def test_counts_of_anything_else_are_neither(nlp, sentence):
    found = tolls(nlp, sentence)
    assert found and all(kind is None for kind, _ in found)


def test_a_count_read_as_both_is_neither_and_records_or_dicts_both_work():
    assert count_kind({"value": 9, "unit": "people", "what": "killed"}) == "death"
    assert count_kind({"value": 9, "unit": "injury", "what": "killed"}) is None
    assert count_kind(None) is None
    assert count_value({"value": 3800.0}) == 3800 and count_value({"value": None}) is None
