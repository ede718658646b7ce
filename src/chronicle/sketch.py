"""datasketch's MinHash and MinHashLSH, imported without scipy.integrate.

Importing any part of datasketch imports `datasketch.lsh`, which imports `scipy.integrate` (0.33 s
of a cold `chronicle extract`) for one use: choosing the LSH bands by numerical integration when a
`MinHashLSH` is made without `params`. `import_datasketch` imports datasketch with a stand-in
`scipy.integrate` whose `quad` imports the real one on first call, and `lsh_params` gives the bands
for the near-duplicate check's own threshold from a table (the value datasketch computes, as
tests/test_sketch.py checks), so the integration never runs on the ingest or extract path. Other thresholds still get datasketch's computation, at scipy's price.
"""

from __future__ import annotations

import sys
import types

# (threshold rounded to 6 places, num_perm) -> (bands, rows), as datasketch.lsh._optimal_param
# computes them with equal false-positive and false-negative weights
_PARAMS = {(0.365152, 128): (32, 4)}


def import_datasketch():
    """The datasketch package, imported without importing scipy.integrate."""
    if "datasketch" in sys.modules or "scipy.integrate" in sys.modules:
        import datasketch

        return datasketch
    stand_in = types.ModuleType("scipy.integrate")

    def quad(*args, **kwargs):  # datasketch choosing bands itself: now it needs the real thing
        if sys.modules.get("scipy.integrate") is stand_in:
            del sys.modules["scipy.integrate"]
        from scipy.integrate import quad as real_quad

        return real_quad(*args, **kwargs)

    stand_in.quad = quad
    sys.modules["scipy.integrate"] = stand_in
    try:
        import datasketch
    finally:
        if sys.modules.get("scipy.integrate") is stand_in:
            del sys.modules["scipy.integrate"]  # anything else importing it gets scipy's own
    return datasketch


def lsh_params(threshold: float, num_perm: int) -> tuple[int, int] | None:
    """The (bands, rows) datasketch would choose, when known without integrating; else None."""
    return _PARAMS.get((round(threshold, 6), num_perm))


def make_lsh(threshold: float, num_perm: int):
    """A datasketch `MinHashLSH`, its bands from the table when it has them."""
    return import_datasketch().MinHashLSH(threshold=threshold, num_perm=num_perm,
                                          params=lsh_params(threshold, num_perm))
