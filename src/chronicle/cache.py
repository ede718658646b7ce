"""Data Chronicle derives once from what is installed and keeps in the user's cache folder
(`$CHRONICLE_CACHE`, else ``$XDG_CACHE_HOME/chronicle``, default ``~/.cache/chronicle``): the
gazetteer (`places.py`), the language identifier's decompressed model (`clean.py`), the actor
knowledge base (`actorbase.py`), the event classifier's optimised graph and jusText's stop words
(`KINDS`). Each is a cache only — when its file is missing, stale or unreadable it is made again
from the installed data. `chronicle cache` lists the folder by kind and prunes or clears it.

The first three are large read-only tables that every process needs a few rows of. They are
kept as flat arrays in one file, written atomically and memory-mapped read-only (`write_arrays`,
`map_arrays`): opening costs milliseconds, a process reads only the pages its lookups touch, and the processes of
a worker pool share those pages. The format is written by hand with the standard library (`mmap`,
`memoryview`) because nothing installed fits: numpy's .npz cannot be memory-mapped and a folder of
.npy files cannot be replaced atomically; pyarrow's memory-mapped IPC files could, but importing
pyarrow costs ~50 MB in every process; a pickle is read whole into every process.

Layout: a magic line, the length of a JSON header (8 bytes, little-endian), the header (each
array's struct format, shape and offset; the caller's metadata), then the arrays, each starting on
an 8-byte boundary, in this machine's byte order.

Every file is named `<kind>-<key><suffix>` (`KINDS`), the key naming what it was derived from (a
sha1 of the inputs, a package's version): a new version or changed data makes a new file and the
old one is never read again by that installation — but it may still be by another one, since
several installations (virtual environments, git worktrees, the old version kept beside the new)
share the folder, each with its own key. So "not the current key" does not mean "unused", and the
folder is kept small by when files were last used instead: `prune` removes a file only when it is
not among the `KEEP` most recently used of its kind *and* has not been used for `GRACE_DAYS` days.
It runs after every new file is written (`written`) and on `chronicle cache --prune`; `clear`
(`chronicle cache --clear`) removes every file of a known kind. A file's last use is the later of
its modification and access times; readers set the access time (`used`, at most hourly) because
memory-mapping does not reliably do so (`noatime` mounts, `relatime`'s daily updates). Removing a
file that another process still has mapped is harmless on POSIX (the mapping keeps the data), and
a process that finds its file gone derives it again; the grace period makes even that rare.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

_MAGIC = b"chronicle-arrays\n"
_VERSION = 1


def folder() -> Path:
    """The user's cache folder for Chronicle (not created here)."""
    root = os.environ.get("CHRONICLE_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "chronicle")
    return Path(root)


def _aligned(n: int) -> int:
    return -(-n // 8) * 8


def write_arrays(path: Path, arrays: Mapping[str, object], meta: Mapping) -> None:
    """Write `arrays` (name -> a C-contiguous buffer with a one-letter native struct format:
    `array.array`, a `memoryview`, a numpy array of a plain integer or float type) and the
    JSON-able `meta` to `path`, atomically: a concurrent reader sees the old file or the new
    one, never half of one."""
    views = {name: memoryview(value) for name, value in arrays.items()}
    layout, offset = {}, 0
    for name, view in views.items():
        if not view.c_contiguous or len(view.format.lstrip("@")) != 1:
            raise TypeError(f"array {name!r} is not a contiguous buffer of a native format")
        layout[name] = {"format": view.format.lstrip("@"), "shape": list(view.shape),
                        "offset": offset, "nbytes": view.nbytes}
        offset += _aligned(view.nbytes)
    header = json.dumps({"version": _VERSION, "byteorder": sys.byteorder, "arrays": layout,
                         "meta": meta}, ensure_ascii=False).encode("utf-8")
    start = _aligned(len(_MAGIC) + 8 + len(header))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(_MAGIC + len(header).to_bytes(8, "little") + header)
            for name, view in views.items():
                fh.write(b"\0" * (start + layout[name]["offset"] - fh.tell()))
                fh.write(view)
            fh.write(b"\0" * (start + offset - fh.tell()))
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    written(path)


def map_arrays(path: Path) -> tuple[dict[str, memoryview], dict]:
    """The arrays and metadata of a file written by `write_arrays`, memory-mapped read-only: each
    array a `memoryview` of the mapping in its format and shape (index it for Python numbers,
    `numpy.asarray` it for an array). ValueError when the file is not one of ours, was written by
    another version or on a machine of the other byte order, or is cut short."""
    import mmap

    with open(path, "rb") as fh:
        mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        used(path, os.fstat(fh.fileno()))
    if hasattr(mapped, "madvise") and hasattr(mmap, "MADV_RANDOM"):
        # lookups jump around the tables: read the pages they touch, not their neighbours as well
        mapped.madvise(mmap.MADV_RANDOM)
    view = memoryview(mapped)
    head = len(_MAGIC) + 8
    if len(view) < head or bytes(view[:len(_MAGIC)]) != _MAGIC:
        raise ValueError(f"{path} is not a Chronicle cache file")
    size = int.from_bytes(view[len(_MAGIC):head], "little")
    header = json.loads(bytes(view[head:head + size]))
    if header.get("version") != _VERSION or header.get("byteorder") != sys.byteorder:
        raise ValueError(f"{path} was written by another version of Chronicle or on another machine")
    start = _aligned(head + size)
    arrays = {}
    for name, spec in header["arrays"].items():
        begin = start + spec["offset"]
        if begin + spec["nbytes"] > len(view):
            raise ValueError(f"{path} is cut short")
        arrays[name] = view[begin:begin + spec["nbytes"]].cast(spec["format"], spec["shape"])
    return arrays, header["meta"]


def release(array: memoryview) -> None:
    """Drop the pages of the mapping behind `array` (one of `map_arrays`'s) from this process's
    resident memory. The page cache keeps them, so the next lookup maps them back with minor page
    faults and no disk read: for a process about to need its memory for something else."""
    import mmap

    mapped = array.obj
    if hasattr(mapped, "madvise") and hasattr(mmap, "MADV_DONTNEED"):
        mapped.madvise(mmap.MADV_DONTNEED)


# --- keeping the folder small ----------------------------------------------------------------

# The kinds of file Chronicle writes here: name -> (suffix, what it is). A file is of a kind when
# its name is `<kind>-<key><suffix>` (the longest matching kind), or is such a name followed by a
# writer's `.<pid>.tmp`. A file of no known kind is listed as "other" and never removed: the folder
# may be set to one that holds files of the user's own (`$CHRONICLE_CACHE`).
KINDS = {
    "gazetteer": (".arrays", "place names and coordinates (places.py)"),
    "langid": (".arrays", "the language identifier's decompressed model (clean.py)"),
    "actorkb": (".arrays", "the actor knowledge base (actorbase.py)"),
    # written and read by onnxruntime, not through `write_arrays`/`map_arrays`: the classifier
    # records its use and its writing itself
    "events": (".onnx", "the event classifier's optimised graph (extract/classifier.py)"),
    "justext-stoplists": (".txt", "jusText's stop words (ingest/stoplists.py)"),
}
KEEP = 2  # the most recently used files of each kind kept whatever their age: the current one
# and the one before it (a version rolled back to, a second environment used now and then)
GRACE_DAYS = 7  # a file used within this many days is never removed: another installation
# sharing the folder may be using it
_TOUCH_EVERY = 3600  # seconds: how stale a recorded use may be before a reader records a new one
_TMP_AGE = 86400  # seconds: a writer's temporary file this old was left by a process that died
_TMP = "unfinished"  # the kind shown for such files


@dataclass(frozen=True)
class Entry:
    """One file in the cache folder."""
    path: Path
    kind: str  # a key of KINDS, `_TMP`, or "other"
    size: int
    last_used: float  # seconds since the epoch


def kind_of(name: str) -> str:
    """The kind of a file named `name` in the cache folder: a key of `KINDS`, "unfinished" for a
    writer's temporary file of one, or "other"."""
    if name.endswith(".tmp"):
        base, _, pid = name[:-len(".tmp")].rpartition(".")
        return _TMP if pid.isdigit() and kind_of(base) in KINDS else "other"
    matches = [kind for kind, (suffix, _) in KINDS.items() if name.startswith(kind + "-")
               and name.endswith(suffix) and len(name) > len(kind) + 1 + len(suffix)]
    return max(matches, key=len) if matches else "other"


def used(path: Path, stat: os.stat_result | None = None) -> None:
    """Record that `path` was read now (its access time), so that `prune` keeps it; at most once
    an hour, and silently not where the file cannot be changed (a read-only cache)."""
    try:
        stat = stat or path.stat()
        now = time.time_ns()
        if now - max(stat.st_atime_ns, stat.st_mtime_ns) > _TOUCH_EVERY * 1_000_000_000:
            os.utime(path, ns=(now, stat.st_mtime_ns))
    except OSError:
        pass


def written(path: Path) -> None:
    """Called after `path` was written into the cache folder: prune the folder now (new files
    come with a new version, which is when old ones become stale). Never raises."""
    try:
        if path.parent.resolve() == folder().resolve():
            prune(protect=path)
    except OSError:
        pass


def entries(root: Path | None = None) -> list[Entry]:
    """The files in the cache folder (none when it does not exist), most recently used first."""
    root = folder() if root is None else root
    found = []
    try:
        children = list(os.scandir(root))
    except (FileNotFoundError, NotADirectoryError):
        return []
    for child in children:
        try:
            if not child.is_file(follow_symlinks=False):
                continue
            st = child.stat(follow_symlinks=False)
        except OSError:
            continue  # removed meanwhile by another process
        found.append(Entry(Path(child.path), kind_of(child.name), st.st_size,
                           max(st.st_atime, st.st_mtime)))
    return sorted(found, key=lambda e: (-e.last_used, e.path.name))


def stale(found: list[Entry], now: float | None = None) -> list[Entry]:
    """The files `prune` removes: of each known kind, those beyond the `KEEP` most recently used
    that were not used within `GRACE_DAYS`; a writer's temporary file once a day old."""
    now = time.time() if now is None else now
    keep, grace = KEEP, GRACE_DAYS * 86400
    ranked: dict[str, int] = {}
    out = []
    for entry in sorted(found, key=lambda e: -e.last_used):
        if entry.kind == "other":
            continue
        if entry.kind == _TMP:
            if now - entry.last_used > _TMP_AGE:
                out.append(entry)
            continue
        rank = ranked[entry.kind] = ranked.get(entry.kind, 0) + 1
        if rank > keep and now - entry.last_used > grace:
            out.append(entry)
    return out


def _remove(victims: list[Entry], protect: Path | None = None) -> list[Entry]:
    removed = []
    for entry in victims:
        if protect is not None and entry.path.name == protect.name:
            continue
        try:
            entry.path.unlink()
        except FileNotFoundError:
            continue  # another process pruned it first
        except OSError:
            continue  # in use where that forbids removal (Windows), or not ours to remove
        removed.append(entry)
    return removed


def prune(protect: Path | None = None, root: Path | None = None) -> list[Entry]:
    """Remove the stale files (`stale`) from the cache folder, never `protect`; the removed ones."""
    return _remove(stale(entries(root)), protect)


def clear(root: Path | None = None) -> list[Entry]:
    """Remove every file of a known kind from the cache folder (each is made again when next
    needed), and writers' temporary files once a day old (a younger one may be being written);
    the removed ones."""
    now = time.time()
    return _remove([e for e in entries(root) if e.kind in KINDS
                    or (e.kind == _TMP and now - e.last_used > _TMP_AGE)])


def size_text(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError


def _age(seconds: float) -> str:
    if seconds < 3600:
        return f"{max(seconds, 0) / 60:.0f} min ago"
    if seconds < 86400:
        return f"{seconds / 3600:.0f} h ago"
    return f"{seconds / 86400:.0f} d ago"


def describe(found: list[Entry], root: Path, now: float | None = None) -> list[str]:
    """What `chronicle cache` prints: the folder, and per kind its files, their size, their most
    and least recent use and what `prune` would remove now."""
    now = time.time() if now is None else now
    lines = [f"{root}: {len(found)} files, {size_text(sum(e.size for e in found))} "
             f"(set $CHRONICLE_CACHE to move it)"]
    if not found:
        return lines
    pruned = {e.path for e in stale(found, now)}
    rows = [("kind", "files", "size", "last used", "oldest use", "prunable")]
    for kind in [*KINDS, _TMP, "other"]:
        group = [e for e in found if e.kind == kind]
        if group:
            rows.append((kind, str(len(group)), size_text(sum(e.size for e in group)),
                         _age(now - max(e.last_used for e in group)),
                         _age(now - min(e.last_used for e in group)),
                         size_text(sum(e.size for e in group if e.path in pruned))))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        lines.append("  ".join([row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]))
    lines.append(f"--prune: removes a file not among the {KEEP} most recently used of its kind and unused "
                 f"for {GRACE_DAYS} days: {size_text(sum(e.size for e in found if e.path in pruned))} now "
                 f"(it also runs whenever a new file is written)")
    lines.append("--clear: removes every file of a known kind; each is made again when next needed")
    return lines
