"""Cut a run's inputs into shards: pieces a worker reads and codes on its own.

`plan(paths)` walks the inputs exactly as `chronicle.ingest.read` does — folders recursively in
the same sorted order, with the same files passed over — and cuts the stream of files into:

- one shard per WARC file;
- blocks of `shard_size` lines of a JSON Lines file longer than that (byte ranges that start on
  a line; each knows the number of its first line, so a bad line is named as a local run names it);
- chunks of consecutive other files (txt, html, feeds, short JSON Lines) holding about
  `shard_size` documents (a file counts one, a short JSON Lines file its number of lines), cut
  where the file names say (`ends_chunk`), so that adding a file moves no other boundary.

A path that cannot be read at all (missing, of an unsupported type) is not a shard: its error
comes from `read` itself, on the driver, at its place in the input order.

A shard's id is a digest of what it reads — each path as given and as resolved, its size and
modification time, the byte range — and of what else decides its records: Chronicle's version,
the event classifier, `--date` and `--max-bytes`. The same inputs give the same ids, so a re-run
finds the shards it already coded; a file that changed gets a new id and is coded again.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ..record import Document, IngestError
from . import ScaleError

DEFAULT_SHARD_SIZE = 200  # documents: about a minute of one core's work (see docs/SCALING.md)
SHARD_FORMAT = 1  # bump when the rows a shard holds change meaning


@dataclass(frozen=True)
class FileRef:
    path: str  # as the local reader names it: the path given, or found under a given folder
    size: int  # -1 when the file could not be stat'ed (its reader will say why)
    mtime_ns: int


@dataclass(frozen=True)
class Shard:
    id: str
    kind: str  # "files" | "warc" | "jsonl-block"
    files: tuple[FileRef, ...]
    label: str
    start: int = 0  # jsonl-block: the byte range [start, stop) and the number of its first line
    stop: int = 0
    first_line: int = 1

    @property
    def first_path(self) -> str:
        return self.files[0].path


@dataclass
class Plan:
    """Shards and driver-side errors, in input order. A shard named twice (the same input given
    twice) appears twice here, to be loaded twice, but is coded once."""

    entries: list[Shard | list[IngestError]] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)  # files passed over while walking folders

    @property
    def shards(self) -> list[Shard]:
        """Each distinct shard once, in input order."""
        unique: dict[str, Shard] = {}
        for entry in self.entries:
            if isinstance(entry, Shard):
                unique.setdefault(entry.id, entry)
        return list(unique.values())


@functools.cache
def _classifier_digest() -> str:
    from ..extract.classifier import MODEL_DIR

    card = MODEL_DIR / "events.json"
    return hashlib.sha1(card.read_bytes()).hexdigest()[:12] if card.exists() else "none"


def code_fingerprint() -> dict:
    """What, besides the inputs, decides a shard's records: the code and the model. Workers
    check theirs against the driver's before coding anything."""
    from .. import __version__

    return {"chronicle": __version__, "classifier": _classifier_digest(), "shard_format": SHARD_FORMAT}


def _stat(path: str) -> tuple[int, int]:
    try:
        st = os.stat(path)
    except OSError:
        return -1, -1
    return st.st_size, st.st_mtime_ns


def _file_ref(path: str) -> FileRef:
    return FileRef(path, *_stat(path))


def _shard_id(kind: str, files: Iterable[FileRef], start: int, stop: int, options: dict) -> str:
    key = [kind, [[f.path, os.path.realpath(f.path), f.size, f.mtime_ns] for f in files],
           start, stop, options]
    return hashlib.sha1(json.dumps(key, sort_keys=True).encode("utf-8")).hexdigest()[:24]


def plan(paths: Iterable[str], *, shard_size: int = DEFAULT_SHARD_SIZE, date: str | None = None,
         max_bytes: int = 10_000_000) -> Plan:
    """The shards for `paths` (files or folders; not '-', which only the local engine reads)."""
    from ..ingest import _files_in, _reader_for, read  # the local reader's own walk and suffix table
    from ..ingest.common import Skips

    if shard_size < 1:
        raise ValueError("shard_size must be at least 1")
    if isinstance(paths, str):
        paths = [paths]
    options = {**code_fingerprint(), "date": date, "max_bytes": max_bytes}
    result = Plan()
    stats: dict = {}
    skips = Skips(stats)
    group: list[FileRef] = []
    weight = 0

    def add(kind: str, files: list[FileRef], label: str, start: int = 0, stop: int = 0,
            first_line: int = 1) -> None:
        result.entries.append(Shard(_shard_id(kind, files, start, stop, options), kind, tuple(files),
                                    label, start, stop, first_line))

    def close_group() -> None:
        nonlocal group, weight
        if group:
            label = group[0].path if len(group) == 1 else (
                f"{group[0].path} … {group[-1].path} ({len(group)} files)")
            add("files", group, label)
        group, weight = [], 0

    for given in paths:
        given = str(given)
        if given == "-":
            raise ScaleError("reading JSON Lines from stdin ('-') needs the local engine: Ray workers "
                             "cannot see this process's input; save it to a .jsonl file first")
        if os.path.isdir(given):
            found = _files_in(given, skips)
        elif os.path.exists(given) and _reader_for(given) is not None:
            found = [given]
        else:  # missing or unsupported: `read` names the problem without reading anything
            close_group()
            result.entries.append([e for e in read([given], date=date, max_bytes=max_bytes)
                                   if isinstance(e, IngestError)])
            continue
        for path in found:
            module = _reader_for(path)[0]
            ref = _file_ref(path)
            if module == "warc":
                close_group()
                add("warc", [ref], path)
                continue
            lines = 1
            if module == "jsonl" and ref.size > 0:
                lines, blocks = jsonl_blocks(path, shard_size, max_bytes)
                if len(blocks) > 1:
                    close_group()
                    last_lines = [b[2] - 1 for b in blocks[1:]] + [lines]
                    for (start, stop, first), last in zip(blocks, last_lines):
                        add("jsonl-block", [ref], f"{path} lines {first}-{last}", start, stop, first)
                    continue
            group.append(ref)
            weight += max(1, lines)
            # inside a folder: the path below it (wherever the folder lives); a file: as given
            name = os.path.relpath(path, given) if path != given else given
            if ends_chunk(name, weight, shard_size):
                close_group()
    close_group()
    result.skipped.update(stats.get("skipped", {}))
    return result


def ends_chunk(name: str, weight: int, shard_size: int) -> bool:
    """Whether a chunk of small files ends after the file `name` (its path inside the folder
    given, or the path given), the chunk now holding `weight` documents.

    Boundaries follow file names, not positions: a chunk ends after a file whose name hashes to 0
    modulo `shard_size` (so chunks hold `shard_size` files on average), or when it holds four times
    that many documents. A file added to a folder between two runs then changes only the chunk it
    joins (or splits it in two, if its own name ends a chunk); the other chunks keep their ids and
    are not coded again."""
    if weight >= 4 * shard_size:
        return True
    return int(hashlib.sha1(name.encode("utf-8")).hexdigest()[:8], 16) % shard_size == 0


def jsonl_blocks(path: str, lines_per_block: int, max_bytes: int) -> tuple[int, list[tuple[int, int, int]]]:
    """(number of lines, [(start byte, stop byte, first line number)]) cutting `path` every
    `lines_per_block` lines. Lines are split as the JSON Lines reader splits them. Every block
    holds at least one line that is not blank: a block of blank lines alone would be "no JSON
    lines" to the reader, so trailing blank lines join the block before them."""
    from ..ingest.jsonl import _binary_lines  # the reader's own line splitting (long lines too)

    blocks: list[tuple[int, int, int]] = []
    start = offset = 0
    first, in_block, has_content, number = 1, 0, False, 0
    with open(path, "rb") as fh:
        for number, line, size in _binary_lines(fh, max_bytes):
            offset += size
            in_block += 1
            has_content = has_content or line is None or bool(line.strip())
            if in_block >= lines_per_block and has_content:
                blocks.append((start, offset, first))
                start, first, in_block, has_content = offset, number + 1, 0, False
    if in_block:
        if blocks and not has_content:
            blocks[-1] = (blocks[-1][0], offset, blocks[-1][2])
        else:
            blocks.append((start, offset, first))
    return number, blocks


# --- reading a shard (on a worker) ----------------------------------------------------------------

class ShardChanged(ScaleError):
    """An input of the shard is not what the driver planned (changed, gone, or not visible on
    this node). Coding it would write records under an id that describes other content."""


def check_unchanged(shard: Shard) -> None:
    import socket

    for ref in shard.files:
        now = _stat(ref.path)
        if now == (ref.size, ref.mtime_ns):
            continue
        if now[0] < 0 <= ref.size:
            raise ShardChanged(f"{ref.path} is not visible on worker node {socket.gethostname()} "
                               f"(inputs must be on a filesystem every node mounts at the same path)")
        raise ShardChanged(f"{ref.path} changed after the run was planned; re-run to code the new version")


def read_shard(shard: Shard, *, date: str | None, max_bytes: int,
               stats: dict | None = None) -> Iterator[Document | IngestError]:
    """The shard's documents and input errors, exactly as `read` yields them in a local run."""
    from ..ingest import read

    check_unchanged(shard)
    if shard.kind != "jsonl-block":
        yield from read([f.path for f in shard.files], date=date, max_bytes=max_bytes, stats=stats)
        return
    from ..ingest import _guarded  # the local reader's rule: whatever stops a reader is its error

    for item in _guarded(shard.first_path, _read_jsonl_block(shard, max_bytes)):
        if isinstance(item, Document) and item.published is None:
            item.published = date
        yield item


def _read_jsonl_block(shard: Shard, max_bytes: int) -> Iterator[Document | IngestError]:
    from ..ingest.jsonl import _binary_lines, _read_lines

    path = shard.first_path
    with open(path, "rb") as fh:
        fh.seek(shard.start)
        window = _Window(fh, shard.stop - shard.start)
        lines = ((number + shard.first_line - 1, line, size)
                 for number, line, size in _binary_lines(window, max_bytes))
        yield from _read_lines(lines, path, max_bytes)


class _Window:
    """`readline` over the byte range of one block: the reader sees the block as a whole file."""

    def __init__(self, fh, length: int):
        self.fh, self.left = fh, length

    def readline(self, limit: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        n = self.left if limit is None or limit < 0 else min(limit, self.left)
        line = self.fh.readline(n)
        self.left -= len(line)
        return line
