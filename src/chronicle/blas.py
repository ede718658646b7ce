"""numpy's BLAS held to one thread, so that spaCy's layers can multiply their matrices with it.

Why (`nlp.load_pipeline`): thinc, under spaCy, multiplies matrices with BLIS unless told not to,
and on the dev machine's AMD EPYC BLIS took ≈2.8× the CPU of numpy's OpenBLAS for the products
spaCy's layers make (200 products of 8,000×288 by 288×288: 8.4 against 2.9 CPU s). On the
benchmark corpus spaCy's parse went from 16.9 to 11.9 CPU s, every tag, head, label, lemma and
entity the same (session 12, docs/BENCHMARKS.md). But OpenBLAS's own threads cost more CPU than they
save at these sizes (two threads: 21.1 CPU s), and Chronicle already runs one worker per core —
so numpy's BLAS is used only where it can be held to one thread, and BLIS stays elsewhere.

How: numpy has no call for it; the OpenBLAS library numpy loaded is found among the process's
mapped files and asked through its C functions (what `threadpoolctl` does, without the
dependency). This makes numpy's BLAS single-threaded for the whole process that loads the
pipeline: Chronicle's own worker, or the process of a `chronicle` command.
"""

from __future__ import annotations

import ctypes
from functools import lru_cache

# (set, get) function names of OpenBLAS builds: numpy's wheels ship it as scipy-openblas with
# 64-bit integers and suffixed names; a system OpenBLAS has the plain ones.
_FUNCTIONS = [(f"{prefix}_set_num_threads{suffix}", f"{prefix}_get_num_threads{suffix}")
              for prefix in ("scipy_openblas", "openblas") for suffix in ("64_", "")]


def _openblas_functions():
    """(set, get) thread-count functions of each OpenBLAS library mapped into this process
    (Linux's /proc); nothing elsewhere."""
    import numpy  # noqa: F401  (loads its BLAS)

    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            fields = [line.split(maxsplit=5) for line in maps]
    except OSError:
        return
    paths = {f[5].strip() for f in fields if len(f) == 6 and f[5].startswith("/")}
    for path in sorted(p for p in paths if "openblas" in p.rsplit("/", 1)[-1].lower()):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for set_name, get_name in _FUNCTIONS:
            setter, getter = getattr(lib, set_name, None), getattr(lib, get_name, None)
            if setter is not None and getter is not None:
                yield setter, getter
                break


@lru_cache(maxsize=1)
def one_thread() -> bool:
    """Hold numpy's BLAS to one thread; True when it is OpenBLAS and now runs on one thread."""
    held = []
    for setter, getter in _openblas_functions():
        setter(1)
        held.append(getter() == 1)
    return bool(held) and all(held)


def threads() -> int | None:
    """How many threads numpy's OpenBLAS uses, or None where it is not found."""
    return next((int(getter()) for _, getter in _openblas_functions()), None)
