"""The pipeline driver: a pool of worker processes gives exactly the single-process output."""

from pathlib import Path

from chronicle.pipeline import run
from chronicle.record import to_json

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def records(workers: int) -> list[bytes]:
    out: list[bytes] = []
    report = run([str(EXAMPLES)], lambda doc: out.append(to_json(doc)), workers=workers,
                 batch_size=2)  # small batches so several are in flight at once
    assert not report.errors
    return out


def test_two_workers_give_the_same_records_in_the_same_order_as_one():
    one = records(1)
    assert len(one) >= 7 and any(b'"events":[{' in r for r in one)
    assert records(2) == one


# --- budgets: a document that costs too much costs only itself -----------------------------------

from chronicle.pipeline import _Engine  # noqa: E402
from chronicle.record import Document  # noqa: E402
from chronicle.workers import Budget  # noqa: E402

SHORT = "Police arrested 40 protesters in Almaty on Friday, officials said."


def english(doc_id: str, text: str) -> Document:
    return Document(id=doc_id, text=text, language="en")


def analysed(batches: list[list[Document]], budget: Budget, workers: int = 1):
    engine = _Engine(workers, budget)
    results = []
    try:
        for batch in batches:
            results.extend(engine.submit(batch))
        results.extend(engine.drain())
    finally:
        engine.close()
    done = [doc.id for part, _ in results for doc in part]
    errors = [err for _, part in results for err in part]
    return done, errors


# ~3 s of CPU to analyse: every sentence its own, so that nothing (a cache, a repeat-stripping
# step) can make it fast; under IN_PROCESS_MAX_CHARS with two short documents
SLOW_TEXT = " ".join(f"Police arrested {n} protesters in Almaty on day {n}, officials said."
                     for n in range(2500))


def test_a_document_over_its_time_budget_is_an_error_and_the_rest_of_its_batch_goes_on():
    # ~3 s of CPU to parse; the budget gives every document 2 s whatever its length
    long_text = SLOW_TEXT
    batches = [[english("a", SHORT), english("slow", long_text), english("b", SHORT)],
               [english("c", SHORT)]]
    done, errors = analysed(batches, Budget(seconds=2, seconds_per_char=0))
    assert done == ["a", "b", "c"]  # in input order, the worker replaced
    (error,) = errors
    assert error.item == "id slow"
    assert error.reason.startswith("analysis stopped: over its time budget (2 s of CPU for ")


def test_a_document_over_its_memory_budget_is_an_error_and_the_rest_goes_on():
    # parsing 300,000 characters at once needs far more than 40 MB above the loaded models
    big = "\n\n".join([SHORT] * 4500)
    batches = [[english("a", SHORT)], [english("big", big)], [english("b", SHORT)]]
    done, errors = analysed(batches, Budget(memory_mb=40))
    assert done == ["a", "b"]
    (error,) = errors
    assert error.item == "id big" and "over its memory budget (40 MB)" in error.reason


def test_output_is_the_same_whatever_the_workers_when_a_document_breaks_its_budget():
    long_text = SLOW_TEXT
    batches = [[english("a", SHORT), english("slow", long_text)], [english("b", SHORT)],
               [english("c", SHORT)]]
    budget = Budget(seconds=2, seconds_per_char=0)
    assert analysed(batches, budget, workers=1) == analysed(batches, budget, workers=2)



def test_one_small_batch_analysed_in_this_process_is_held_to_the_same_time_budget(monkeypatch):
    # one batch this small is analysed without starting a worker; a document over its CPU time
    # costs only itself there too, with the error a worker run gives
    import chronicle.pipeline as pipeline

    long_text = SLOW_TEXT
    batch = [english("a", SHORT), english("slow", long_text), english("b", SHORT)]
    assert sum(len(d.text) for d in batch) <= pipeline.IN_PROCESS_MAX_CHARS
    budget = Budget(seconds=2, seconds_per_char=0)
    in_process = analysed([batch], budget)
    assert in_process[0] == ["a", "b"]
    (error,) = in_process[1]
    assert error.item == "id slow"
    assert error.reason.startswith("analysis stopped: over its time budget (2 s of CPU for ")
    monkeypatch.setattr(pipeline, "IN_PROCESS_MAX_CHARS", 0)  # the same batch in a worker
    assert analysed([batch], budget) == in_process

def test_an_alarm_that_lands_in_a_finaliser_is_no_error_and_still_stops_the_document(monkeypatch):
    # an exception cannot leave a finaliser (__del__, a C callback): Python hands it to
    # sys.unraisablehook and goes on. The budget's alarm repeats until it lands where it can stop
    # the analysis, and its landings in a finaliser are not reported as errors
    import sys

    from chronicle.workers import analyse_in_process

    reported = []
    monkeypatch.setattr(sys, "unraisablehook", reported.append)

    class Costly:
        def __del__(self):
            for _ in range(20_000):  # four fifths of the work's time is spent here
                pass

    def work(docs):
        while True:
            Costly()
            for _ in range(5_000):
                pass

    done, errors = analyse_in_process(work, [english("slow", SHORT)],
                                      Budget(seconds=0.3, seconds_per_char=0))
    assert done == [] and [e.item for e in errors] == ["id slow"]
    assert reported == []
    assert sys.unraisablehook == reported.append  # the caller's hook is back


# --- a run stopped midway (kill -9) and run again writes what one run writes ----------------------

BASE = ("Police in Bishkek detained 23 activists on Saturday after a rally outside the parliament "
        "building, the interior ministry said. The activists had called for the release of two "
        "journalists arrested last month, and several hundred people joined them before officers "
        "dispersed the crowd. A court will hear the cases of those detained on Monday, a ministry "
        "spokesman told reporters in the capital.")


def _ingest(db: Path, source: Path) -> dict[str, str | None]:
    import json

    from chronicle.resolve import resolve_store
    from chronicle.store import Store

    with Store(db) as store:
        written: list[str] = []

        def write(docs):
            store.write_documents(docs)
            written.extend(d.id for d in docs)

        run([str(source)], write, store=store, sink_batches=True)
        resolve_store(store, doc_ids=written)
        rows = store.con.execute("SELECT id, flags FROM documents").fetchall()
    return {doc_id: json.loads(flags)["duplicate_of"] for doc_id, flags in rows}


def test_a_run_resumed_after_a_stop_gives_the_duplicate_flags_of_one_run(tmp_path):
    # Each copy is closest to the copy before it; the first run is stopped after two of them. Seeded
    # from the store without what those two were copies of, the third was marked a copy of the
    # second, not of the first (found by `make fuzz`'s kill -9 loop).
    import json

    texts = [BASE, BASE + " Shops stayed closed.", BASE + " Shops stayed closed. Roads were shut."]
    lines = [json.dumps({"id": f"c{i}", "text": t}) + "\n" for i, t in enumerate(texts)]
    whole = tmp_path / "one" / "in.jsonl"
    whole.parent.mkdir()
    whole.write_text("".join(lines))
    one = _ingest(tmp_path / "one.duckdb", whole)
    assert one == {"c0": None, "c1": "c0", "c2": "c0"}
    resumed = tmp_path / "two" / "in.jsonl"
    resumed.parent.mkdir()
    resumed.write_text("".join(lines[:2]))  # what the stopped run had stored
    _ingest(tmp_path / "two.duckdb", resumed)
    resumed.write_text("".join(lines))
    assert _ingest(tmp_path / "two.duckdb", resumed) == one


# --- parsing in parts: memory bounded by characters, output in the batch's order ------------------

import chronicle.pipeline as pipeline_module  # noqa: E402


def test_a_batch_is_parsed_in_parts_of_bounded_characters_and_count(monkeypatch):
    monkeypatch.setattr(pipeline_module, "PARSE_CHARS", 100)
    monkeypatch.setattr(pipeline_module, "PARSE_BATCH_SIZE", 3)
    docs = [english(f"d{n}", "x" * size) for n, size in enumerate([90, 5, 40, 30, 250, 10, 20, 60])]
    parts = list(pipeline_module.parse_parts(docs))
    assert sorted(d.id for part in parts for d in part) == sorted(d.id for d in docs)
    for part in parts:
        assert len(part) <= 3
        assert len(part) == 1 or sum(len(d.text) for d in part) <= 100
    # shortest first, so that a part holds texts of like length
    assert [len(d.text) for part in parts for d in part] == sorted(len(d.text) for d in docs)


def test_analysed_documents_keep_their_order_and_parses_whatever_the_parts(monkeypatch):
    texts = [SHORT + " " + "The governor of Lagos said the curfew would stay in place. " * 3,
             "Troops withdrew from Kidal on Monday.", SHORT]

    def analysed_with(chars):
        monkeypatch.setattr(pipeline_module, "PARSE_CHARS", chars)
        docs = pipeline_module.analyse([english(f"t{n}", text) for n, text in enumerate(texts)])
        return [(d.id, [(e.text, e.label) for e in d.entities], [e.type for e in d.events]) for d in docs]

    whole = analysed_with(1_000_000)
    assert [doc_id for doc_id, _, _ in whole] == ["t0", "t1", "t2"]
    assert any(events for _, _, events in whole)
    assert analysed_with(1) == whole  # one document per part
