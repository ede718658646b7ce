"""datasketch without scipy.integrate or its package __init__: the near-duplicate check's LSH bands are
datasketch's own, and the package is whole to anything that asks for more."""

import subprocess
import sys

from chronicle import sketch
from chronicle.clean import _MAX_LENGTH_RATIO, Deduplicator


def test_the_table_holds_the_bands_datasketch_computes_for_the_duplicate_check():
    from datasketch.lsh import _optimal_param

    dedup = Deduplicator()
    lowest = dedup.threshold / (1 + _MAX_LENGTH_RATIO - dedup.threshold)
    threshold = max(0.2, lowest - 0.15)
    assert sketch.lsh_params(threshold, dedup.num_perm) == _optimal_param(threshold, dedup.num_perm, 0.5, 0.5)
    assert (dedup._lsh.b, dedup._lsh.r) == sketch.lsh_params(threshold, dedup.num_perm)
    assert sketch.lsh_params(0.5, 128) is None  # not in the table: datasketch computes it


# A fresh interpreter that has checked one document for duplicates: what it imported since.
_CHECKED_ONCE = ("import sys\n"
                 "from chronicle.clean import Deduplicator\n"
                 "from chronicle.record import Document\n"
                 "d = Deduplicator()\n"
                 "text = 'Police in Almaty detained fourteen activists on Saturday after a rally.'\n"
                 "d.check(Document(id='a', text=text))\n")


def _runs_in_a_fresh_process(code: str) -> None:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_checking_duplicates_does_not_import_scipy_integrate():
    code = (_CHECKED_ONCE +
            "second = d.check(Document(id='b', text=text + ' Officials said.'))\n"
            "assert second.flags.duplicate_of == 'a', second.flags\n"
            "assert 'scipy.integrate' not in sys.modules\n"
            "from datasketch.lsh import _optimal_param\n"
            "assert _optimal_param(0.5, 16, 0.5, 0.5)  # scipy's own quad, imported on first use\n"
            "assert 'scipy.integrate' in sys.modules\n")
    _runs_in_a_fresh_process(code)


def test_checking_duplicates_runs_datasketchs_init_only_when_asked_for_more():
    code = (_CHECKED_ONCE +
            "assert d.check(Document(id='b', text=text)).flags.duplicate_of == 'a'\n"
            "assert 'datasketch.aio' not in sys.modules and 'asyncio' not in sys.modules\n"
            "import datasketch\n"
            "assert 'datasketch.aio' not in sys.modules  # importing the name alone runs nothing\n"
            "from datasketch import MinHashLSHForest, MinHash, MinHashLSH\n"
            "assert 'datasketch.aio' in sys.modules and datasketch.__version__\n"
            "assert MinHash is datasketch.minhash.MinHash and MinHashLSH is datasketch.lsh.MinHashLSH\n"
            "assert type(d._lsh) is MinHashLSH and type(d._minhashes['a'][0]) is MinHash\n"
            "try:\n"
            "    datasketch.no_such_name\n"
            "except AttributeError as err:\n"
            "    assert 'no_such_name' in str(err)\n"
            "else:\n"
            "    raise AssertionError('a missing name must raise AttributeError')\n")
    _runs_in_a_fresh_process(code)
