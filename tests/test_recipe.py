"""`make train`'s pinned recipe (extract/recipe.py): the training code of the commit the shipped model's
card names, taken from the repository's history."""

import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from chronicle.extract import recipe

REPO = Path(__file__).resolve().parents[1]
GIT = (REPO / ".git").exists()


def test_the_shipped_card_names_the_commit_and_stages_that_trained_it():
    pinned = recipe.shipped_recipe()
    assert len(pinned["commit"]) == 40 and int(pinned["commit"], 16) >= 0
    first, second = pinned["stages"]
    assert first[first.index("--out-dir") + 1] == "{build}/news-base"
    assert second[second.index("--init-from") + 1] == "{build}/news-base"
    assert second[second.index("--out-dir") + 1] == "{build}/" + pinned["output"]
    assert "--keep-fp32" in second  # what train.reexport reads
    commands = recipe.stage_commands(pinned, python="py")
    assert [c[:3] for c in commands] == [["py", "-m", "chronicle.extract.train"]] * 2


def test_a_card_without_a_recipe_is_a_clear_error(tmp_path):
    (tmp_path / "events.json").write_text('{"arch": "sentence"}', encoding="utf-8")
    with pytest.raises(recipe.RecipeError, match="names no training recipe"):
        recipe.shipped_recipe(tmp_path)


@pytest.mark.skipif(not GIT, reason="not a git checkout")
def test_a_commit_s_source_tree_is_written_as_the_history_holds_it(tmp_path):
    head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True,
                          text=True, check=True).stdout.strip()
    src = recipe.extract_source(head, tmp_path / "r")
    committed = subprocess.run(["git", "-C", str(REPO), "show", f"{head}:src/chronicle/extract/train.py"],
                               capture_output=True, check=True).stdout
    assert (src / "chronicle" / "extract" / "train.py").read_bytes() == committed
    assert not (tmp_path / "r" / "tests").exists()  # the source tree only
    (src / "stale.txt").write_text("x")
    recipe.extract_source(head, tmp_path / "r")  # written afresh
    assert not (src / "stale.txt").exists()


@pytest.mark.skipif(not GIT, reason="not a git checkout")
def test_a_commit_this_clone_lacks_names_the_fix(tmp_path):
    with pytest.raises(recipe.RecipeError, match=r"git fetch --unshallow"):
        recipe.extract_source("0" * 40, tmp_path / "r")


def test_a_folder_without_history_says_the_code_comes_from_git(tmp_path):
    with pytest.raises(recipe.RecipeError, match="not a git checkout"):
        recipe.extract_source("bdccea8", tmp_path / "r", repo=tmp_path)


@pytest.mark.skipif(not GIT, reason="not a git checkout")
def test_the_pinned_commit_is_in_the_history_unless_the_clone_is_shallow():
    commit = recipe.shipped_recipe()["commit"]
    shallow = (REPO / ".git" / "shallow").exists()
    found = subprocess.run(["git", "-C", str(REPO), "cat-file", "-e", f"{commit}^{{commit}}"],
                           capture_output=True).returncode == 0
    if shallow and not found:
        pytest.skip("a shallow clone: `make train` would ask for `git fetch --unshallow`")
    assert found


def _git(*args) -> bytes:
    return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, check=True).stdout


@pytest.mark.skipif(not GIT, reason="not a git checkout")
def test_a_recipe_s_files_from_another_commit_are_written_over_its_code(tmp_path):
    head = _git("rev-parse", "HEAD").decode().strip()
    path = "src/chronicle/data/train/events_contrast.tsv"
    versions = _git("log", "-2", "--format=%H", "--", path).decode().split()
    if len(versions) < 2:
        pytest.skip("a shallow clone: one version of the file in its history")
    older = versions[-1]
    recipe.extract_source(head, tmp_path / "r")
    pinned = {"commit": head, "files": {path: older}}
    written = recipe.overlay_files(pinned, tmp_path / "r")
    blob = _git("show", f"{older}:{path}")
    assert (tmp_path / "r" / path).read_bytes() == blob
    assert blob != _git("show", f"{head}:{path}")  # another version than the code's commit has
    assert written == {path: hashlib.sha1(blob).hexdigest()}
    train_py = "src/chronicle/extract/train.py"  # files the recipe does not name stay the code's
    assert (tmp_path / "r" / train_py).read_bytes() == _git("show", f"{head}:{train_py}")
    assert recipe.overlay_files({"commit": head}, tmp_path / "r") == {}


@pytest.mark.skipif(not GIT, reason="not a git checkout")
def test_a_recipe_file_outside_src_or_missing_is_a_clear_error(tmp_path):
    with pytest.raises(recipe.RecipeError, match="not a path under src/"):
        recipe.overlay_files({"files": {"Makefile": "HEAD"}}, tmp_path)
    with pytest.raises(recipe.RecipeError, match="not a path under src/"):
        recipe.overlay_files({"files": {"src/../Makefile": "HEAD"}}, tmp_path)
    with pytest.raises(recipe.RecipeError, match="git fetch --unshallow"):
        recipe.overlay_files({"files": {"src/chronicle/no_such_file.tsv": "HEAD"}}, tmp_path)


def test_a_recipe_run_with_another_seed_passes_it_to_every_stage():
    pinned = recipe.shipped_recipe()
    plain = recipe.stage_commands(pinned, python="py")
    assert all("--seed" not in command for command in plain)  # the stages' own default
    seeded = recipe.stage_commands({**pinned, "seed": 14}, python="py")
    assert [c[:-2] for c in seeded] == plain
    assert all(c[-2:] == ["--seed", "14"] for c in seeded)


def test_the_seed_option_reaches_the_run(monkeypatch, tmp_path):
    seen = {}
    monkeypatch.setattr(recipe, "run", lambda out, work, seed=None: seen.update(out=out, seed=seed))
    assert recipe.main(["--seed", "15", "--out-dir", str(tmp_path)]) == 0
    assert seen == {"out": tmp_path, "seed": 15}


def test_another_seed_never_replaces_the_shipped_model(monkeypatch, capsys):
    monkeypatch.setattr(recipe, "run", lambda *a, **k: pytest.fail("ran"))
    assert recipe.main(["--seed", "15"]) == 2
    assert "--out-dir" in capsys.readouterr().err


def test_a_rebuilt_model_keeps_the_int8_choice_made_for_the_same_weights(tmp_path):
    """`make train` writes the calibration afresh (`default` false); the settings chosen for the
    shipped model carry over only to a rebuild whose calibration is the same file."""
    from chronicle.extract.recipe import keep_int8_choice

    shipped = {"int8_calibration": {"default": True, "blocks_layers": 3, "sha1": "abc"}}
    (tmp_path / "events.json").write_text(json.dumps(shipped))
    same = {"int8_calibration": {"default": False, "sha1": "abc"}}
    assert keep_int8_choice(same, tmp_path)
    assert same["int8_calibration"] == {"default": True, "blocks_layers": 3, "sha1": "abc"}
    assert not keep_int8_choice(same, tmp_path)  # nothing left to change
    other = {"int8_calibration": {"default": False, "sha1": "def"}}
    assert not keep_int8_choice(other, tmp_path) and other["int8_calibration"]["default"] is False
