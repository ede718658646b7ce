"""The record: one definition, a JSON Schema generated from it, and JSON round trips."""

import jsonschema

from chronicle.record import (Actor, Document, Entity, Event, Evidence, Flags, Place, Quantity,
                              Removed, from_json, record_schema, text_id, to_json)


def full_document() -> Document:
    text = "Russian troops landed in Almaty on Friday."
    return Document(
        id="d1", text=text, title="Troops land", author="A. Writer", site="Example News",
        published="2022-01-07", language="en",
        flags=Flags(truncated=True, read_fraction=0.34, machine_translated=True,
                    translated_from="fr", removed=[Removed(text="Read also x", reason="cross-link")]),
        entities=[Entity(text="Almaty", label="GPE", start=24, end=30,
                         place=Place(text="Almaty", name="Almaty", lat=43.25, lon=76.92,
                                     country="KAZ", feature="city"))],
        quantities=[Quantity(value=3000, approx="about", unit="soldier", start=0, end=6)],
        events=[Event(id="d1-e1", type="MOBILIZE", mode="troops",
                      source=Actor(text="Russian troops", country="RUS", sector="MIL", kind="group"),
                      date="2022-01-07", date_precision="day", confidence=0.9,
                      evidence=Evidence(text=text, start=0, end=len(text)))])


def test_schema_validates_a_full_record():
    doc = full_document()
    jsonschema.validate(doc.to_dict(), record_schema())


def test_schema_rejects_a_record_with_an_unknown_event_modality():
    bad = full_document().to_dict()
    bad["events"][0]["modality"] = "rumoured"
    try:
        jsonschema.validate(bad, record_schema())
    except jsonschema.ValidationError as err:
        assert "rumoured" in str(err)
    else:
        raise AssertionError("an invalid modality passed the schema")


def test_json_round_trip_keeps_every_field():
    doc = full_document()
    assert from_json(to_json(doc)) == doc


def test_text_id_ignores_case_and_spacing_only():
    assert text_id("Troops  landed\nin Almaty") == text_id("troops landed in almaty")
    assert text_id("Troops landed in Almaty") != text_id("Troops landed in Astana")
