"""datasketch's MinHash and MinHashLSH, imported without what the near-duplicate check never uses.

Two costs of a cold `chronicle extract` come with `import datasketch`, neither needed here:

- `datasketch.lsh` imports `scipy.integrate` (0.33 s) for one use: choosing the LSH bands by
  numerical integration when a `MinHashLSH` is made without `params`. It is imported with a
  stand-in `scipy.integrate` whose `quad` imports the real one on first call, and `lsh_params`
  gives the bands for the near-duplicate check's own threshold from a table (the value datasketch
  computes, as tests/test_sketch.py checks), so the integration never runs on the ingest or
  extract path. Other thresholds still get datasketch's computation, at scipy's price.
- The package's `__init__` imports every sketch datasketch has (the asyncio LSH and with it
  asyncio, HNSW, HyperLogLog, LSH Forest and Ensemble, …) and reads its version from the installed
  metadata: ≈0.03 CPU s. `datasketch.minhash` and `datasketch.lsh` are imported under the package
  object before its `__init__` has run; the `__init__` runs, into that same object, the first time
  anything asks the package for a name it defines (`from datasketch import MinHashLSHForest`,
  `datasketch.__version__`), so other code sees the whole package as usual.
"""

from __future__ import annotations

import sys
import types
from functools import lru_cache

# (threshold rounded to 6 places, num_perm) -> (bands, rows), as datasketch.lsh._optimal_param
# computes them with equal false-positive and false-negative weights
_PARAMS = {(0.365152, 128): (32, 4)}


@lru_cache(maxsize=1)
def _datasketch_modules() -> tuple[types.ModuleType, types.ModuleType]:
    """datasketch's `minhash` and `lsh` modules, imported without scipy.integrate and, when the
    package is not imported yet, without running its `__init__` first."""
    import importlib
    import importlib.util

    if "datasketch" not in sys.modules:
        spec = importlib.util.find_spec("datasketch")
        if spec is not None and spec.submodule_search_locations is not None:
            sys.modules["datasketch"] = _package_initialised_on_first_use(spec)
    integrate = None
    if "scipy.integrate" not in sys.modules:
        integrate = sys.modules["scipy.integrate"] = _stand_in_integrate()
    try:
        return importlib.import_module("datasketch.minhash"), importlib.import_module("datasketch.lsh")
    finally:
        if integrate is not None and sys.modules.get("scipy.integrate") is integrate:
            del sys.modules["scipy.integrate"]  # anything else importing it gets scipy's own


def _package_initialised_on_first_use(spec) -> types.ModuleType:
    """The package's module object with its `__path__` (so its submodules import) but its
    `__init__` not yet run: a module-level `__getattr__` runs it on the first name it lacks."""
    import importlib.util

    package = importlib.util.module_from_spec(spec)

    def __getattr__(name: str):
        if package.__dict__.pop("__getattr__", None) is not None:  # once; failures raise plainly
            spec.loader.exec_module(package)
        try:
            return package.__dict__[name]
        except KeyError:
            raise AttributeError(f"module 'datasketch' has no attribute {name!r}") from None

    package.__getattr__ = __getattr__
    return package


def _stand_in_integrate() -> types.ModuleType:
    stand_in = types.ModuleType("scipy.integrate")

    def quad(*args, **kwargs):  # datasketch choosing bands itself: now it needs the real thing
        if sys.modules.get("scipy.integrate") is stand_in:
            del sys.modules["scipy.integrate"]
        from scipy.integrate import quad as real_quad

        return real_quad(*args, **kwargs)

    stand_in.quad = quad
    return stand_in


def new_minhash(num_perm: int):
    """An empty datasketch `MinHash` over `num_perm` permutations."""
    return _datasketch_modules()[0].MinHash(num_perm=num_perm)


def lsh_params(threshold: float, num_perm: int) -> tuple[int, int] | None:
    """The (bands, rows) datasketch would choose, when known without integrating; else None."""
    return _PARAMS.get((round(threshold, 6), num_perm))


def make_lsh(threshold: float, num_perm: int):
    """A datasketch `MinHashLSH`, its bands from the table when it has them."""
    return _datasketch_modules()[1].MinHashLSH(threshold=threshold, num_perm=num_perm,
                                               params=lsh_params(threshold, num_perm))
