"""jusText's stop words of every language, kept in the user's cache folder (`chronicle.cache`).

When trafilatura falls back to jusText on a page or fragment whose language it is not told (every
one Chronicle reads), it builds the union of jusText's 100 stop lists (154,000 words, ≈0.1 CPU s),
and jusText lowers every word again to make a set of it (≈0.06 s) — in every process, once: a
sixth of a cold `chronicle extract` of a feed. `install()` makes trafilatura take that union from
a file written the first time (one word a line, already lower-cased), and jusText the set made
from it without lowering the words again, which `_union` checks leaves them as they are. The words
and so the extraction are the same; the file is a cache only (made again when missing, unreadable
or of another jusText version).
"""

from __future__ import annotations

import os
from pathlib import Path

_union: tuple | None = None
_union_set: frozenset | None = None


def _path() -> Path:
    from importlib.metadata import version

    from ..cache import folder

    return folder() / f"justext-stoplists-{version('justext')}.txt"


def _read() -> tuple[str, ...] | None:
    from ..cache import used

    path = _path()
    try:
        words = path.read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    used(path)
    return tuple(words) if words and words[-1] == "" and len(words) > 1 else None


def _write(words: tuple[str, ...]) -> None:
    path = _path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text("".join(w + "\n" for w in words), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        return  # a cache only: the next process computes the union again
    from ..cache import written

    written(path)


def union() -> tuple[str, ...]:
    """The union of jusText's stop lists, lower-cased, as trafilatura's `jt_stoplist_init` makes
    it (in sorted order here: trafilatura's order is the one a set gives, and only the set is
    used)."""
    global _union, _union_set
    if _union is None:
        words = _read()
        if words is not None:
            words = words[:-1]
        else:
            from justext.utils import get_stoplist, get_stoplists

            words = tuple(sorted({w for lang in get_stoplists() for w in get_stoplist(lang)}))
            if frozenset(w.lower() for w in words) != frozenset(words):
                raise RuntimeError("jusText's stop words are not lower-cased")  # never, in 3.x
            _write(words)
        _union, _union_set = words, frozenset(words)
    return _union


def install() -> None:
    """Make trafilatura and jusText use `union` (idempotent)."""
    import justext.core
    import trafilatura.external

    if getattr(trafilatura.external.jt_stoplist_init, "chronicle", False):
        return
    lower_again = justext.core.define_stoplist

    def jt_stoplist_init() -> tuple[str, ...]:
        trafilatura.external.JT_STOPLIST = union()
        return trafilatura.external.JT_STOPLIST

    def define_stoplist(stoplist):
        if stoplist is _union:
            return _union_set  # its words are lower-case already (checked when the file was made)
        return lower_again(stoplist)

    jt_stoplist_init.chronicle = True
    trafilatura.external.jt_stoplist_init = jt_stoplist_init
    justext.core.define_stoplist = define_stoplist
