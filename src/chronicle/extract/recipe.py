"""`make train`: the shipped event classifier rebuilt by the training code that trained it.

A trained model is its data *and* the code that turned the data into examples: which word of a
sentence carries the sentence's label, which other words are its no-event examples and how the
held-out split falls all come from the trigger lexicon and the candidate steps of the day. Those
keep changing (between the commit that trained the shipped model and session 18, 69 of our
training sentences and 33 real-news items had their label moved to another word, and session
18's 51 new sentences reshuffled the held-out split), so today's `train.py` makes a different
model — every such retrain of sessions 15–18 read lower on the development sets
(docs/EVALUATION.md). So the recipe is pinned to a commit, as a model registry pins one, and
written in the model's card (`recipe`):

1. `git archive` writes that commit's `src/` into ``build/recipe-<commit>/`` (the repository's
   own history: nothing is downloaded);
2. its two training stages run from there, in this environment, with this repository as the
   working directory, so they read `../shared/train` in place as they did;
3. this version's `train.reexport` exports the result into the package with today's graph and
   int8 blocks, the card keeping every figure of the run.

A recipe may also take some files from other commits than its code's (`files`: a path under
`src/` → the commit whose version is used), written over the archived tree before the stages
run: a model trained with one commit's example builder on later training sentences is rebuilt
exactly so, and its card says which version of each file it read.

On the 2-core Intel dev machine this gives the shipped files bit for bit in about 21 minutes
(docs/EVALUATION.md, session 19). `make train-news` trains with this version's code instead:
the next model, to compare before it replaces this one.

    python -m chronicle.extract.recipe [--out-dir DIR] [--work-dir build] [--seed N]

`--seed N` runs the same recipe with another seed: training is one random draw (the seed picks
the held-out split of our sentences, the sampled negatives, the batches and the head's start),
and on the development sets one recipe's draws differ by as much as two recipes do
(docs/EVALUATION.md, session 20), so recipes are compared by several draws each
(`python -m chronicle.evaluate.compare`).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

from .classifier import MODEL_DIR

REPO = Path(__file__).resolve().parents[3]


class RecipeError(RuntimeError):
    """The pinned training code cannot be had (no git history, an unknown commit)."""


def shipped_recipe(model_dir: Path = MODEL_DIR) -> dict:
    """The `recipe` of a model's card: {"commit": …, "stages": [[args…], …]}."""
    card = json.loads((model_dir / "events.json").read_text(encoding="utf-8"))
    recipe = card.get("recipe")
    if not recipe or not recipe.get("commit") or not recipe.get("stages"):
        raise RecipeError(f"{model_dir / 'events.json'} names no training recipe (commit and stages)")
    return recipe


def _from_history(repo: Path, what: str, *args: str) -> bytes:
    """The output of `git -C repo *args`, which reads `what` from the repository's history; a
    RecipeError naming the fix when git is missing or the history lacks it."""
    try:
        return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True).stdout
    except FileNotFoundError as err:
        raise RecipeError("git is not installed: the training code comes from the repository's "
                          "history") from err
    except subprocess.CalledProcessError as err:
        raise RecipeError(f"{what} is not in this clone ({err.stderr.decode().strip()}); "
                          "a shallow clone lacks it: run `git fetch --unshallow`") from err


def extract_source(commit: str, dest: Path, repo: Path = REPO) -> Path:
    """`commit`'s `src/` tree written under `dest` (replacing what was there); returns dest/src."""
    if not (repo / ".git").exists():
        raise RecipeError(f"{repo} is not a git checkout: the training code of {commit} comes from "
                          "the repository's history (clone it with git)")
    archive = _from_history(repo, f"commit {commit}", "archive", "--format=tar", commit, "src")
    if dest.exists():
        import shutil

        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")
    return dest / "src"


def overlay_files(recipe: dict, dest: Path, repo: Path = REPO) -> dict[str, str]:
    """Write each of the recipe's `files` (path under `src/` → commit) from that commit over the
    tree `extract_source` wrote under `dest`; returns {path: sha1 of the bytes written}."""
    written = {}
    for path, commit in sorted((recipe.get("files") or {}).items()):
        if not path.startswith("src/") or ".." in Path(path).parts:
            raise RecipeError(f"the recipe's file {path!r} is not a path under src/")
        blob = _from_history(repo, f"{path} at {commit}", "show", f"{commit}:{path}")
        (dest / path).parent.mkdir(parents=True, exist_ok=True)
        (dest / path).write_bytes(blob)
        written[path] = hashlib.sha1(blob).hexdigest()
    return written


def stage_commands(recipe: dict, python: str = sys.executable) -> list[list[str]]:
    """The training stages as commands; a recipe run with another `seed` passes it to each."""
    seed = ["--seed", str(recipe["seed"])] if recipe.get("seed") is not None else []
    return [[python, "-m", "chronicle.extract.train", *stage, *seed] for stage in recipe["stages"]]


def keep_int8_choice(card: dict, model_dir: Path) -> bool:
    """Give a rebuilt model's card the int8 graph's settings chosen for the model it rebuilds
    (`int8_calibration`'s `default` and `blocks_layers`: chosen by hand after that model's answers
    through the graph were measured on every set, docs/EVALUATION.md) when the two calibrations
    are the same file — the same encoder, bit for bit. Returns whether the card changed."""
    try:
        shipped = json.loads((model_dir / "events.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    chosen, made = shipped.get("int8_calibration") or {}, card.get("int8_calibration") or {}
    if not made or not chosen.get("sha1") or made.get("sha1") != chosen.get("sha1"):
        return False
    settings = {k: chosen[k] for k in ("default", "blocks_layers") if k in chosen}
    if all(made.get(k) == v for k, v in settings.items()):
        return False
    made.update(settings)
    return True


def run(out_dir: Path = MODEL_DIR, work_dir: Path = REPO / "build",
        model_dir: Path = MODEL_DIR, seed: int | None = None) -> dict:
    """Rebuild the model whose card is in `model_dir` into `out_dir`; returns the new card.
    `seed`: the same recipe with another seed (the stages' `--seed`), written in the card's
    recipe — one more draw of the recipe, to see how far its results move with the seed alone."""
    from .train import reexport

    recipe = shipped_recipe(model_dir)
    if seed is not None:
        recipe = {**recipe, "seed": seed}
    out_dir, work_dir = out_dir.resolve(), work_dir.resolve()  # the stages run from the repository
    root = work_dir / (f"recipe-{recipe['commit'][:12]}"
                       + (f"-seed{recipe['seed']}" if recipe.get("seed") is not None else ""))
    src = extract_source(recipe["commit"], root)
    for path, sha1 in overlay_files(recipe, root).items():
        print(f"{path} from {recipe['files'][path][:12]} (sha1 {sha1[:12]})", flush=True)
    env = dict(os.environ, PYTHONPATH=str(src))
    for command in stage_commands(recipe):
        # "{build}" in a stage is the recipe's own build folder; the working directory is the
        # repository, beside ../shared, as when the recipe was run
        command = [arg.replace("{build}", str(root / "build")) for arg in command]
        for flag, value in zip(command, command[1:]):
            if flag == "--out-dir":
                Path(value).mkdir(parents=True, exist_ok=True)
        print("$", " ".join(command[1:]), flush=True)
        subprocess.run(command, check=True, env=env, cwd=REPO)
    trained = root / "build" / recipe["output"]
    card = reexport(trained, out_dir, recipe=recipe)
    if keep_int8_choice(card, model_dir):
        (out_dir / "events.json").write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out_dir} from {trained} (recipe {recipe['commit'][:12]})", flush=True)
    return card


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out-dir", type=Path, default=MODEL_DIR,
                    help="where to write the rebuilt model (default: the package's)")
    ap.add_argument("--work-dir", type=Path, default=REPO / "build",
                    help="where the pinned code and its intermediate models go")
    ap.add_argument("--seed", type=int, default=None,
                    help="train with this seed instead of the recipe's own: another draw of the "
                         "same recipe, written to --out-dir (which must then be given)")
    args = ap.parse_args(argv)
    if args.seed is not None and args.out_dir.resolve() == MODEL_DIR.resolve():
        print("error: --seed makes another draw of the recipe, not the shipped model: give --out-dir "
              "(e.g. --out-dir /tmp/model-seed14) so the package's model stays", file=sys.stderr)
        return 2
    try:
        run(args.out_dir, args.work_dir, seed=args.seed)
    except RecipeError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except subprocess.CalledProcessError as err:
        print(f"error: a training stage failed (exit code {err.returncode})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
