"""`make profile`: the component timings and the summary of py-spy's samples."""

from pathlib import Path

from chronicle.profile import component_times, format_report, summarise_raw

REPO = Path(__file__).resolve().parents[1]


def test_samples_go_to_the_first_category_whose_marker_their_stack_holds(tmp_path):
    raw = tmp_path / "profile.raw"
    raw.write_text(
        # py-spy's raw format: frames root→leaf joined by ';', then the sample count
        "process 1:\"chronicle\";analyse (chronicle/pipeline.py:35);run (onnxruntime/capi/"
        "onnxruntime_inference_collection.py:220) 30\n"
        "process 2:\"worker\";annotate_with_parses (chronicle/nlp.py:434);Language.pipe (spacy/"
        "language.py:1618);__pyx_gb_5spacy_8pipeline_17transition_parser_6Parser_19generator1 "
        "(transition_parser.cpp:34742) 50\n"
        "process 2:\"worker\";load_pipeline (chronicle/nlp.py:60);load (spacy/__init__.py:51) 15\n"
        "process 1:\"chronicle\";write_documents (chronicle/store.py:120) 5\n"
        # spaCy chains its components as generators: the parser's work sits below later pipes
        "process 2:\"worker\";Language.pipe (spacy/language.py:1618);pipe (chronicle/nlp.py:300);"
        "FastAttributeRuler.pipe (chronicle/nlp.py:290);forward (spacy/ml/tb_framework.py:32) 7\n",
        encoding="utf-8")
    counts, total = summarise_raw(raw)
    assert total == 107
    assert counts["event classifier (onnxruntime)"] == 30
    assert counts["spaCy pipeline (all components)"] == 57
    assert counts["imports, model loading"] == 15  # loading wins over what it calls
    assert counts["store (DuckDB)"] == 5


def test_component_times_cover_every_component_and_the_classifier():
    texts = [p.read_text(encoding="utf-8") for p in sorted((REPO / "examples").glob("*.txt"))]
    result = component_times(texts, repeat=1, log=lambda _: None)
    assert {"tokenizer", "tok2vec", "parser", "ner", "lemmatizer", "event classifier"} <= set(result["seconds"])
    assert all(v >= 0 for v in result["seconds"].values()) and result["candidates"] > 0
    # every classifier call extract makes is counted: the candidates and the second readings
    assert result["classifier_inputs"] >= result["candidates"] and result["classifier_calls"] >= 1
    report = format_report(result, None)
    assert "event classifier" in report and report.splitlines()[-1].lstrip().startswith("total")
