"""spaCy's parser modules compiled without profiling hooks (`chronicle.spacy_build`): the same parses
as spaCy's own, loaded only when built from the spaCy installed now."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chronicle import spacy_build

ROOT = Path(__file__).resolve().parents[1]

# Parses a text of our own in a fresh process (the hook must be in place before spaCy is imported)
# and prints which modules ran and every token's analysis.
_PARSE = r"""
import json, sys
from chronicle import spacy_build
from chronicle.nlp import load_pipeline
doc = load_pipeline()(open(sys.argv[1], encoding="utf-8").read())
import spacy.pipeline._parser_internals.ner as ner_module
print(json.dumps({
    "status": spacy_build.status(),
    "module": ner_module.__file__,
    "tokens": [[t.tag_, t.head.i, t.dep_, t.ent_iob_, t.ent_type_, bool(t.is_sent_start)] for t in doc],
}))
"""


def _parse(path: Path, **env) -> dict:
    out = subprocess.run([sys.executable, "-c", _PARSE, str(path)], capture_output=True, text=True,
                         env={**os.environ, **env}, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not spacy_build.profiled(),
                    reason="this spaCy's parser has no profiling hooks (Python ≥ 3.12 wheels): nothing is built")
def test_built_modules_parse_as_spacys_own():
    assert spacy_build.usable(spacy_build.build_dir()), \
        "spaCy's parser modules are not built for this spaCy: run `make setup` (python -m chronicle.spacy_build)"
    text = ROOT / "examples" / "harbour-strike-translated.txt"
    built = _parse(text)
    own = _parse(text, **{spacy_build.ENV: "0"})
    assert built["status"].startswith("built without profiling hooks")
    assert str(spacy_build.build_dir()) in built["module"]
    assert own["status"] == f"spaCy's own modules ({spacy_build.ENV}=0)"
    assert str(spacy_build.build_dir()) not in own["module"]
    # a real parse: several sentences and entities, then the very same analysis token by token
    assert sum(t[5] for t in own["tokens"]) > 3 and sum(t[3] == "B" for t in own["tokens"]) > 3
    assert built["tokens"] == own["tokens"]


def test_a_build_for_other_releases_or_sources_is_not_loaded(tmp_path):
    assert spacy_build.plan(tmp_path)[0] is None  # nothing built there
    folder = tmp_path / "build"
    stamp = spacy_build._fingerprint(spacy_build._spacy_root())
    for module in spacy_build.MODULES:
        binary = spacy_build._binary(folder, module)
        binary.parent.mkdir(parents=True, exist_ok=True)
        binary.write_bytes(b"")
    (folder / spacy_build.STAMP).write_text(json.dumps(stamp), encoding="utf-8")
    assert spacy_build.usable(folder)
    assert spacy_build.plan(folder)[0] == folder
    assert any(name.startswith("spacy-") for name in stamp["installed"])
    assert any(name.startswith("numpy-") for name in stamp["installed"])
    other = [name if not name.startswith("numpy-") else "numpy-0.0.1.dist-info" for name in stamp["installed"]]
    (folder / spacy_build.STAMP).write_text(json.dumps({**stamp, "installed": other}), encoding="utf-8")
    assert not spacy_build.usable(folder)
    changed = {**stamp, "sources": {**stamp["sources"], spacy_build.MODULES[0]: "0" * 40}}
    (folder / spacy_build.STAMP).write_text(json.dumps(changed), encoding="utf-8")
    assert not spacy_build.usable(folder)
    (folder / spacy_build.STAMP).write_text(json.dumps(stamp), encoding="utf-8")
    spacy_build._binary(folder, spacy_build.MODULES[-1]).unlink()
    assert not spacy_build.usable(folder)


def test_switched_off_by_the_environment(monkeypatch):
    monkeypatch.setenv(spacy_build.ENV, "0")
    folder, why = spacy_build.plan(spacy_build.build_dir())
    assert folder is None and "=0" in why


def test_the_hook_answers_for_its_modules_only(tmp_path):
    hook = spacy_build._Hook(tmp_path)
    assert hook.find_spec("spacy.tokens.doc") is None
    assert hook.find_spec("numpy") is None
    spec = hook.find_spec("spacy.pipeline.transition_parser")
    assert spec.origin == str(spacy_build._binary(tmp_path, "spacy.pipeline.transition_parser"))
