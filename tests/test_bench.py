"""The benchmark's plumbing: which texts it runs on, how it summarises repetitions, and that its
timers leave the pipeline as they found it. Nothing here times anything: `make bench` measures speed."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from chronicle import bench
from chronicle.ingest import read

GWN_XML = """<?xml version="1.0" ?>
<articles>
  <article file="0">
    <title>Protest in Almaty</title>
    <text>Police in Almaty detained 14 activists on Saturday.</text>
    <toponyms><toponym><extractedName>Almaty</extractedName><start>10</start><end>16</end>
      <latitude>43.25</latitude><longitude>76.92</longitude><type>Literal</type></toponym></toponyms>
  </article>
  <article file="1">
    <text>Ministers from Kenya and Uganda met in Nairobi to discuss the border.</text>
  </article>
</articles>
"""


def wikievents_line(doc_id: str, sentences: list[str]) -> str:
    rows, pos = [], 0
    for sentence in sentences:
        tokens = []
        for word in sentence.split():
            start = sentence.index(word, tokens[-1][2] - pos if tokens else 0) + pos
            tokens.append([word, start, start + len(word)])
        rows.append([tokens, sentence])
        pos += len(sentence) + 1
    return json.dumps({"doc_id": doc_id, "sentences": rows, "event_mentions": []})


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    """A shared/ folder shaped like the real one, with two GeoWebNews and two WikiEvents articles."""
    root = tmp_path / "shared"
    (root / "eval" / "geowebnews").mkdir(parents=True)
    (root / "eval" / "geowebnews" / "GWN.xml").write_text(GWN_XML, encoding="utf-8")
    (root / "eval" / "wikievents").mkdir(parents=True)
    (root / "eval" / "wikievents" / "dev.jsonl").write_text("\n".join([
        wikievents_line("attack_1", ["Gunmen attacked a convoy near Kabul.", "Two soldiers died."]),
        wikievents_line("arrest_2", ["Police arrested the suspect in Lagos."]),
    ]) + "\n", encoding="utf-8")
    samples = root / "samples"
    (samples / "html" / "page-1").mkdir(parents=True)
    (samples / "html" / "page-1" / "source.html").write_text("<html><body><p>x</p></body></html>")
    (samples / "html" / "page-1" / "expected.html").write_text("<p>x</p>")
    (samples / "feeds").mkdir()
    (samples / "warc").mkdir()
    (samples / "seed.txt").write_text("Moscow in a strong position in Kazakhstan\n")
    return root


def test_corpus_holds_the_eval_article_texts_and_the_sample_inputs_but_not_reference_outputs(shared):
    corpus = bench.load_corpus(shared)
    assert [(s, i) for s, i, _ in corpus.texts] == [
        ("geowebnews", "0"), ("geowebnews", "1"), ("wikievents", "attack_1"), ("wikievents", "arrest_2")]
    assert corpus.texts[0][2] == "Police in Almaty detained 14 activists on Saturday."
    assert corpus.texts[2][2] == "Gunmen attacked a convoy near Kabul. Two soldiers died."
    names = [p.relative_to(shared / "samples").as_posix() for p in corpus.sample_paths]
    assert names == ["seed.txt", "html/page-1/source.html", "feeds", "warc"]
    assert len(corpus) == 8


def test_quick_corpus_keeps_only_the_first_articles_and_no_feeds_or_warc(shared, monkeypatch):
    monkeypatch.setattr(bench, "QUICK_GEOWEBNEWS", 1)
    monkeypatch.setattr(bench, "QUICK_WIKIEVENTS", 1)
    corpus = bench.load_corpus(shared, quick=True)
    assert [i for _, i, _ in corpus.texts] == ["0", "attack_1"]
    assert [p.name for p in corpus.sample_paths] == ["seed.txt", "source.html"]


def test_missing_eval_set_names_the_fix(tmp_path):
    with pytest.raises(FileNotFoundError, match="--shared"):
        bench.load_corpus(tmp_path)


def test_eval_texts_are_written_as_json_lines_that_chronicle_reads_back_word_for_word(shared, tmp_path):
    corpus = bench.load_corpus(shared)
    paths = corpus.write_inputs(tmp_path)
    assert [Path(p).name for p in paths[:2]] == ["geowebnews.jsonl", "wikievents.jsonl"]
    assert paths[2:] == [str(p) for p in corpus.sample_paths]
    docs = list(read(paths[:2]))
    assert [d.id for d in docs] == ["geowebnews-0", "geowebnews-1", "wikievents-attack_1", "wikievents-arrest_2"]
    assert [d.text.split() for d in docs] == [text.split() for _, _, text in corpus.texts]


def test_words_are_whitespace_tokens_of_the_cleaned_texts():
    assert bench.count_words(["Police detained 14 activists.", "Two\n\nsoldiers  died."]) == 7
    assert bench.count_words([]) == 0


def test_medians_are_taken_per_key_including_the_stage_breakdown():
    runs = [{"seconds": 10.0, "written": 3, "stages": {"parse": 4.0}, "format": "x"},
            {"seconds": 30.0, "written": 3, "stages": {"parse": 1.0}, "format": "x"},
            {"seconds": 20.0, "written": 3, "stages": {"parse": 2.0}, "format": "x"}]
    assert bench.medians(runs) == {"seconds": 20.0, "written": 3, "stages": {"parse": 2.0}}
    assert bench.median_of([{"a": 1}, {"a": None}, {"a": 5}], "a") == 3
    assert bench.per_second(300, 12.0) == 25.0
    assert bench.per_second(300, 0.0) is None


def test_stage_breakdown_turns_nested_timers_into_exclusive_stages_and_the_rest_is_other():
    clock = bench.StageClock()
    for stage, seconds in {"read": 1.0, "clean": 0.5, "dedup": 0.1, "nlp": 4.0, "parse": 3.0,
                           "extract": 6.0, "context": 1.0, "classifier": 4.0, "store": 0.4}.items():
        clock.add(stage, seconds)
    stages = bench.stage_breakdown(clock, wall=13.0)
    assert stages["nlp_rest"] == pytest.approx(1.0)
    assert stages["extract_rest"] == pytest.approx(1.0)
    assert stages["other"] == pytest.approx(1.0)
    assert sum(stages.values()) == pytest.approx(13.0)


def test_timers_pass_values_through_and_count_items():
    clock = bench.StageClock()
    double = clock.timed("classifier", lambda self, texts: [t * 2 for t in texts], items=lambda a: len(a[1]))
    assert double(None, ["a", "b"]) == ["aa", "bb"]
    assert clock.items["classifier"] == 2
    letters = clock.timed_iterator("read", lambda text: iter(text))
    assert list(letters("abc")) == ["a", "b", "c"]
    assert set(clock.seconds) == {"classifier", "read"}


def test_instrumenting_the_pipeline_puts_every_stage_function_back(tmp_path):
    from chronicle import nlp, pipeline
    from chronicle.extract import context
    from chronicle.clean import Deduplicator
    from chronicle.extract.classifier import EventClassifier

    def stage_functions():
        return (pipeline.read, pipeline.clean, pipeline.annotate_with_parses, pipeline.extract_events,
                pipeline.analyse_safely, context.prepare, Deduplicator.check, EventClassifier.predict,
                nlp.load_pipeline)

    before = stage_functions()
    clock = bench.StageClock()
    with bench.instrumented(clock, stage_dir=tmp_path):
        assert pipeline.clean is not before[1]
        assert pipeline.analyse_safely is bench._analyse_with_stage_timers
        assert "pipe" in vars(nlp.load_pipeline())  # spaCy's pipe is timed once the model is loaded
    assert clock.not_instrumented == []
    assert stage_functions() == before
    assert "pipe" not in vars(nlp.load_pipeline())
    assert bench._STAGE_DIR_VARIABLE not in __import__("os").environ


def test_timers_written_by_worker_processes_are_added_up(tmp_path):
    (tmp_path / "101.json").write_text(json.dumps({"seconds": {"parse": 2.0, "nlp": 2.5}, "items": {}}))
    (tmp_path / "102.json").write_text(json.dumps({"seconds": {"parse": 1.0, "nlp": 1.5},
                                                   "items": {"classifier": 7}}))
    workers = bench.StageClock()
    assert bench.collect_worker_clocks(workers, tmp_path) == 2
    here = bench.StageClock()
    here.add("read", 1.0)
    stages = bench.stage_breakdown(here, wall=5.0, workers=workers)
    assert stages["parse"] == 3.0 and stages["nlp_rest"] == 1.0 and workers.items["classifier"] == 7
    assert stages["other"] == 4.0  # this process's wall time outside its own stages


def test_targets_are_the_issue_s_and_say_which_way_is_better():
    targets = {t.key: t for t in bench.TARGETS}
    assert targets["articles_per_s"].met(15.0) and not targets["articles_per_s"].met(14.9)
    assert targets["cpu_ratio"].met(1.2) and not targets["cpu_ratio"].met(1.21)
    assert targets["peak_rss_gb"].describe() == "≤ 1.2 GB"
    assert targets["cold_extract_s"].met(None) is None


def test_table_shows_machine_command_commit_targets_and_stages():
    stages = {key: 1.0 for key, _, _ in bench.STAGES} | {"other": 0.5}
    result = {
        "date": "2026-11-25 18:00 UTC", "commit": "abc1234", "command": "python -m chronicle.bench",
        "machine": {"cpu": "AMD EPYC", "cores": 2, "memory_bytes": 24 * 2**30, "load_average_1min": 0.1,
                    "python": "3.11.7"},
        "corpus": {"geowebnews_articles": 200, "wikievents_articles": 20, "sample_inputs": ["a"],
                   "documents_read": 320, "documents_written": 319, "input_errors": 1,
                   "by_format": Counter({"jsonl": 220, "rss": 100}), "words": 150_000},
        "repetitions": 3, "warm_up_seconds": 20.0,
        "median": {"articles_per_s": 20.0, "words_per_s": 9000.0, "seconds": 16.0, "baseline_seconds": 12.0,
                   "baseline_articles_per_s": 26.6, "baseline_words_per_s": 12500.0, "time_ratio": 1.33,
                   "peak_rss_gb": 1.2, "peak_pss_gb": 1.1, "baseline_peak_rss_gb": 1.0,
                   "baseline_peak_pss_gb": 0.6, "cold_extract_s": 4.0, "stages": stages,
                   "cpu_seconds": 30.0, "baseline_cpu_seconds": 20.0, "cpu_ratio": 1.5,
                   "classifier_candidates": 3000},
        "settings": {"baseline": "nlp.pipe(texts, n_process=2)", "memory_method": "VmRSS",
                     "not_instrumented": [], "run_accepts_workers": True, "workers": 3},
    }
    table = bench.format_table(result)
    for expected in ("AMD EPYC, 2 cores", "abc1234", "python -m chronicle.bench", "≥ 15", "MISSED",
                     "≤ 1.2 GB", "met", "event classifier", "median of 3 repetitions", "--workers 3",
                     "CPU seconds, Chronicle / bare spaCy", "resolve"):
        assert expected in table
    assert "busy machine" not in table
    assert "code     as found (not compiled to bytecode first)" in table
    result["bytecode"] = {"package": "/x/chronicle", "modules": 120, "ok": True}
    assert "code     120 modules of chronicle compiled to bytecode first" in bench.format_table(result)
    result["machine"]["load_average_1min"] = 3.5
    assert "WARNING  busy machine: load average 3.50 on 2 cores" in bench.format_table(result)


def test_bytecode_is_written_before_timing_even_where_the_environment_says_not_to(tmp_path, monkeypatch):
    import sys

    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # what the variable sets at start-up
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "a.py").write_text("X = 1\n")
    (package / "sub" / "b.py").write_text("Y = 2\n")
    done = bench.compile_bytecode(package)
    assert done == {"package": str(package), "modules": 2, "ok": True}
    assert len(list(package.glob("__pycache__/a.*.pyc"))) == 1
    assert len(list(package.glob("sub/__pycache__/b.*.pyc"))) == 1
    (package / "c.py").write_text("def broken(:\n")
    assert bench.compile_bytecode(package)["ok"] is False


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_worker_processes_end_when_the_ingest_parent_is_killed(tmp_path):
    """A real `chronicle ingest --workers 2` (the pool `make bench` times too) gets SIGTERM once its
    workers exist; the workers must not outlive it."""
    import signal
    import subprocess
    import sys
    import time

    items = tmp_path / "items.jsonl"
    bench.write_jsonl(((f"n{k}", f"Police in Almaty detained {k} activists on Saturday after a "
                                 f"rally outside the akimat, officials said. Item {k}.")
                       for k in range(100)), items)
    exe = Path(sys.executable).with_name("chronicle")
    parent = subprocess.Popen([str(exe), "ingest", str(items), "--db", str(tmp_path / "x.duckdb"),
                               "--workers", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        workers: list[int] = []
        deadline = time.monotonic() + 300
        while len(workers) < 2 and time.monotonic() < deadline and parent.poll() is None:
            time.sleep(0.2)
            workers = [pid for pid in bench.process_tree(parent.pid)[1:]
                       if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]
        assert len(workers) >= 2, "the ingest never started its worker pool"
        parent.send_signal(signal.SIGTERM)
        parent.wait(timeout=60)
        deadline = time.monotonic() + 180  # a worker still importing notices when it gets to run
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not [pid for pid in workers if _alive(pid)]
    finally:
        parent.kill()
        parent.wait()


def test_the_extract_path_leaves_out_spacy_s_command_line_and_scipy_integrate():
    """What a cold `chronicle extract` need not import (issue 18: cold start): spaCy's command
    line and scipy.integrate; both are still there, the real ones, for code that asks."""
    import subprocess
    import sys

    code = ("import sys\n"
            "from chronicle.nlp import import_spacy_without_torch\n"
            "from chronicle.clean import Deduplicator\n"
            "import_spacy_without_torch(); Deduplicator()\n"
            "import spacy\n"
            "assert spacy.blank('en')('Police detained 14 activists.')[1].text == 'detained'\n"
            "assert 'spacy.cli' not in sys.modules and 'scipy.integrate' not in sys.modules, "
            "sorted(m for m in sys.modules if m.startswith(('spacy.cli', 'scipy.integrate')))\n"
            "import spacy.cli\n"
            "assert callable(spacy.cli.setup_cli) and callable(spacy.info)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
