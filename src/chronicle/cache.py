"""Data Chronicle derives once from what is installed and keeps in the user's cache folder
(`$CHRONICLE_CACHE`, default ``~/.cache/chronicle``): the gazetteer (`places.py`) and the language
identifier's decompressed model (`clean.py`). Each is a cache only — when its file is missing,
stale or unreadable it is made again from the installed data.

Both are large read-only tables that every process needs a few rows of. They are kept as flat
arrays in one file, written atomically and memory-mapped read-only (`write_arrays`, `map_arrays`):
opening costs milliseconds, a process reads only the pages its lookups touch, and the processes of
a worker pool share those pages. The format is written by hand with the standard library (`mmap`,
`memoryview`) because nothing installed fits: numpy's .npz cannot be memory-mapped and a folder of
.npy files cannot be replaced atomically; pyarrow's memory-mapped IPC files could, but importing
pyarrow costs ~50 MB in every process; a pickle is read whole into every process.

Layout: a magic line, the length of a JSON header (8 bytes, little-endian), the header (each
array's struct format, shape and offset; the caller's metadata), then the arrays, each starting on
an 8-byte boundary, in this machine's byte order.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
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


def map_arrays(path: Path) -> tuple[dict[str, memoryview], dict]:
    """The arrays and metadata of a file written by `write_arrays`, memory-mapped read-only: each
    array a `memoryview` of the mapping in its format and shape (index it for Python numbers,
    `numpy.asarray` it for an array). ValueError when the file is not one of ours, was written by
    another version or on a machine of the other byte order, or is cut short."""
    import mmap

    with open(path, "rb") as fh:
        mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
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
