"""spaCy's parser and entity recogniser compiled without Cython's profiling hooks.

Why. spaCy's wheels for CPython 3.11 (ours: `requires-python` in pyproject.toml) are compiled with
Cython's `profile` directive on (its setup.py turns it off only from 3.12). A function compiled so
takes the GIL on entry to ask whether a profiler is listening — even a `nogil` one, and the
transition parser's inner loop runs without the GIL and calls small inline functions of its state
(`StateC.B`, `safe_get`, the moves' `is_valid`) millions of times. On the 2-core dev machine that
handing back and forth of the GIL was about half of the entity recogniser's CPU and half of the
parser's (`perf`: `take_gil`, `drop_gil` and pthread mutexes), ≈ 1/3 of a whole parse (docs/BENCHMARKS.md,
session 25). The same sources compiled with Cython's defaults — as spaCy's own wheels for 3.12+
are — give the same parses at that cost removed (`tests/test_spacy_build.py` compares them).

What. `python -m chronicle.spacy_build` (run by `make setup`) compiles the ten modules of the parse's
inner loop (`MODULES`) from the `.pyx` files spaCy's wheel installs beside its binaries, with the
Cython release that built the wheel (`--cython-requirement` names it; spaCy's own sources, not
edited, not copied into this repository), into a folder of this environment (`build_dir`). `install()`
— called by `nlp.import_spacy_without_torch` before spaCy is imported — puts an import hook in front
of them when that folder was built from what is installed now (the releases of spaCy and of the
packages its modules are compiled against, `COMPILED_AGAINST`, and the sha1 of every source), else
changes nothing: another spaCy or numpy, Python ≥ 3.12, no compiler or `CHRONICLE_SPACY_BUILD=0` all
get spaCy's own modules, as before. `status()` says which a process runs.

Written by hand rather than by rebuilding spaCy from its sdist: that compiles ~60 modules (many
minutes on 2 cores) and would change what the bare-spaCy baseline of `make bench` measures; these ten
compile in about a minute and only Chronicle's processes load them.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import sys
import sysconfig
from pathlib import Path

MODULES = (
    "spacy.pipeline._parser_internals._state",
    "spacy.pipeline._parser_internals.stateclass",
    "spacy.pipeline._parser_internals.transition_system",
    "spacy.pipeline._parser_internals.arc_eager",
    "spacy.pipeline._parser_internals.ner",
    "spacy.pipeline._parser_internals._beam_utils",
    "spacy.ml.parser_model",
    "spacy.pipeline.transition_parser",
    "spacy.pipeline.ner",
    "spacy.pipeline.dep_parser",
)
STAMP = "built.json"
ENV = "CHRONICLE_SPACY_BUILD"  # 0: spaCy's own modules whatever is built
# spaCy's own compile flags for these C++ modules (its setup.py), without the warnings
CXXFLAGS = ["-O2", "-std=c++11", "-fPIC", "-w"]

_state = {"status": "not installed"}


def _spacy_root() -> Path | None:
    spec = importlib.util.find_spec("spacy")
    return Path(spec.origin).parent if spec and spec.origin else None


def _source(root: Path, module: str) -> Path:
    return root.joinpath(*module.split(".")[1:]).with_suffix(".pyx")


def _binary(folder: Path, module: str) -> Path:
    *package, name = module.split(".")
    return folder.joinpath(*package, name + sysconfig.get_config_var("EXT_SUFFIX"))


def build_dir() -> Path:
    """Where this environment keeps the built modules: beside its own packages."""
    return Path(sys.prefix) / "share" / "chronicle" / "spacy-build"


# What the built modules were compiled against (their .pxd declarations and C headers): another
# release of any of them may lay its structures out otherwise, so it asks for a new build.
COMPILED_AGAINST = ("spacy", "thinc", "numpy", "cymem", "preshed", "murmurhash")


def _installed(site: Path) -> list[str]:
    """The `name-version.dist-info` folders of `COMPILED_AGAINST` beside spaCy (one directory
    listing: importlib.metadata scans every installed package, ~30 ms)."""
    return sorted(name for name in os.listdir(site) if name.endswith(".dist-info")
                  and name.split("-", 1)[0].lower() in COMPILED_AGAINST)


def _fingerprint(root: Path) -> dict:
    return {"installed": _installed(root.parent), "python": sysconfig.get_config_var("EXT_SUFFIX"),
            "flags": CXXFLAGS,
            "sources": {m: hashlib.sha1(_source(root, m).read_bytes()).hexdigest() for m in MODULES}}


def _parser_binary(root: Path) -> Path | None:
    """The installed entity recogniser's moves, compiled: what `profiled` and
    `cython_requirement` read."""
    return next(root.joinpath("pipeline", "_parser_internals").glob("ner.*.so"), None)


def profiled(root: Path | None = None) -> bool:
    """Whether the installed spaCy's parser was compiled with the profiling hooks."""
    root = root or _spacy_root()
    binary = _parser_binary(root) if root is not None else None
    return binary is not None and b"__pyx_frame_code" in binary.read_bytes()


def cython_requirement(root: Path | None = None) -> str:
    """The Cython release that compiled the installed spaCy (each Cython module names its own)."""
    binary = _parser_binary(root or _spacy_root())
    found = re.search(rb"_cython_(\d+)_(\d+)_(\d+)", binary.read_bytes()) if binary else None
    if not found:
        raise RuntimeError(f"cannot tell which Cython compiled {binary or 'spaCy'}")
    return "cython==" + ".".join(part.decode() for part in found.groups())


def build(target: Path | None = None, jobs: int = 2, quiet: bool = False) -> Path:
    """Compile `MODULES` into `target` (default `build_dir()`); the stamp is written last."""
    import shutil
    import subprocess
    from concurrent.futures import ThreadPoolExecutor

    import numpy

    root = _spacy_root()
    if root is None:
        raise RuntimeError("spaCy is not installed")
    target = Path(target or build_dir())
    requirement = cython_requirement(root)
    wanted = requirement.split("==")[1]
    try:
        import Cython
    except ImportError:
        raise RuntimeError(f"Cython is needed to compile: pip install {requirement}") from None
    if Cython.__version__ != wanted:
        raise RuntimeError(f"spaCy was compiled with Cython {wanted}, this is {Cython.__version__}: "
                           f"pip install {requirement}")
    compiler = os.environ.get("CXX", "g++")
    if shutil.which(compiler) is None:
        raise RuntimeError(f"no C++ compiler ({compiler}) on PATH")
    if target.exists():
        shutil.rmtree(target)
    site = root.parent
    includes = [sysconfig.get_paths()["include"], numpy.get_include(), str(site)]

    def one(module: str) -> str:
        source = _source(root, module)
        out = _binary(target, module)
        out.parent.mkdir(parents=True, exist_ok=True)
        cpp = out.parent / (module.rsplit(".", 1)[1] + ".cpp")
        subprocess.run([sys.executable, "-m", "cython", "--cplus", "-3", "-X", "embedsignature=True",
                        "-X", "annotation_typing=False", "-I", str(site), "--module-name", module,
                        "-o", str(cpp), str(source)], check=True, capture_output=True, text=True)
        subprocess.run([compiler, "-shared", *CXXFLAGS, *(f"-I{i}" for i in includes),
                        f"-I{source.parent}", str(cpp), "-o", str(out)],
                       check=True, capture_output=True, text=True)
        cpp.unlink()
        return module

    try:
        with ThreadPoolExecutor(max(1, jobs)) as pool:
            for done in pool.map(one, MODULES):
                if not quiet:
                    print(f"  compiled {done}", flush=True)
    except subprocess.CalledProcessError as err:
        raise RuntimeError(f"compiling failed: {' '.join(err.cmd[:3])} …\n{err.stderr[-2000:]}") from None
    (target / STAMP).write_text(json.dumps(_fingerprint(root), indent=1), encoding="utf-8")
    return target


class _Hook:
    """Finds the built binary for each of `MODULES`, and nothing else (a meta path finder: only
    `find_spec` is asked of it; `importlib.abc`'s base class would cost ~40 ms to import)."""

    def __init__(self, folder: Path):
        self.folder = folder

    def find_spec(self, name, path=None, target=None):
        if name not in MODULES:
            return None
        return importlib.util.spec_from_file_location(name, _binary(self.folder, name))


def usable(folder: Path, root: Path | None = None) -> bool:
    """Whether `folder` holds every module, built from the spaCy installed now."""
    root = root or _spacy_root()
    try:
        stamp = json.loads((folder / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (root is not None and stamp == _fingerprint(root)
            and all(_binary(folder, m).exists() for m in MODULES))


def plan(folder: Path | None = None) -> tuple[Path | None, str]:
    """What `install` would do in a new process: the folder to load from (None: spaCy's own
    modules) and why, in words."""
    if os.environ.get(ENV) == "0":
        return None, f"spaCy's own modules ({ENV}=0)"
    folder = Path(folder or build_dir())
    if not usable(folder):
        return None, "spaCy's own modules (no build for this spaCy: `python -m chronicle.spacy_build`)"
    return folder, "built without profiling hooks (chronicle.spacy_build)"


def install(folder: Path | None = None) -> str:
    """Put the import hook in place if it applies (before spaCy is imported); returns `status()`."""
    if _state["status"] != "not installed":
        return _state["status"]
    if any(m in sys.modules for m in MODULES):
        _state["status"] = "spaCy's own modules (imported before the hook)"
        return _state["status"]
    folder, _state["status"] = plan(folder)
    if folder is not None:
        sys.meta_path.insert(0, _Hook(folder))
    return _state["status"]


def status() -> str:
    """Which parser modules this process runs, in words (for `make bench`)."""
    return _state["status"]


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m chronicle.spacy_build", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cython-requirement", action="store_true",
                        help="print the Cython release that compiled the installed spaCy, and exit")
    parser.add_argument("--if-needed", action="store_true",
                        help="do nothing when spaCy's parser has no profiling hooks or the build is current")
    parser.add_argument("--target", type=Path, default=None,
                        help=f"folder to build into (default {build_dir()}, the only one Chronicle loads from)")
    args = parser.parse_args(argv)
    if args.cython_requirement:
        try:
            print(cython_requirement() if profiled() else "")
        except RuntimeError as err:  # a spaCy laid out otherwise: nothing to build
            print(f"chronicle.spacy_build: {err}", file=sys.stderr)
            print("")
        return 0
    if args.if_needed and not profiled():
        print("spaCy's parser has no profiling hooks here: nothing to build")
        return 0
    if args.if_needed and usable(Path(args.target or build_dir())):
        print(f"spaCy's parser modules are built already ({args.target or build_dir()})")
        return 0
    try:
        where = build(args.target)
    except (RuntimeError, OSError) as err:  # OSError: a folder this user cannot write, say
        print(f"chronicle.spacy_build: {err} (spaCy's own modules run meanwhile)", file=sys.stderr)
        return 1
    print(f"spaCy's parser modules, without profiling hooks: {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
