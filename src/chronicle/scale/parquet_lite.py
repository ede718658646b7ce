"""A Parquet writer in the standard library, for the shards a worker writes to a local folder.

Why by hand: writing a shard with pyarrow cost ≈60 MB resident in every Ray worker (Arrow's Parquet
library and modules, its filesystems, the zstd codec, its tables; Ray itself imports only pyarrow's
core, and no longer in the Ray Chronicle starts), and reading them back ≈35 MB in the driver —
against the engine's memory target of 1.5 GB for two workers and the driver (docs/BENCHMARKS.md,
session 18). A shard is a flat table of one int32 and eight nullable byte strings; writing that in
Parquet needs little of the format:

- the file is `PAR1`, the column chunks, the footer (`FileMetaData`), its length, `PAR1`;
- one row group per `write` call, one data page (v1) per column chunk, values PLAIN-encoded;
- every column OPTIONAL, as pyarrow writes a nullable column: the page starts with its definition
  levels (bit width 1) in the RLE/bit-packed hybrid, after their 4-byte length;
- text columns are BYTE_ARRAY annotated UTF8 (converted type) and STRING (logical type), binary
  columns BYTE_ARRAY without annotation, integers INT32;
- pages GZIP-compressed (RFC 1952, with `zlib`): the only Parquet codec in the standard library;
- page headers and the footer in Thrift's compact protocol (`_Thrift`), with the field ids of
  parquet-format's `parquet.thrift`.

pyarrow, DuckDB and any other Parquet reader read these files (tested with the first two).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable, Sequence

# parquet.thrift's enums
INT32, BYTE_ARRAY = 1, 6  # Type
REQUIRED, OPTIONAL = 0, 1  # FieldRepetitionType
UTF8 = 0  # ConvertedType
GZIP = 2  # CompressionCodec
PLAIN, RLE = 0, 3  # Encoding
DATA_PAGE = 0  # PageType

MAGIC = b"PAR1"
CREATED_BY = "chronicle (its own Parquet writer, standard library only)"
GZIP_LEVEL = 6

# the compact protocol's type codes
_TRUE, _FALSE, _I16, _I32, _I64, _BINARY, _LIST, _STRUCT = 1, 2, 4, 5, 6, 8, 9, 12


class _Thrift:
    """Thrift's compact protocol, the part that writes structs of ints, strings, lists and structs."""

    def __init__(self):
        self.out = bytearray()
        self._last = [0]  # the last field id written, per open struct

    def _varint(self, n: int) -> None:
        while n > 0x7F:
            self.out.append((n & 0x7F) | 0x80)
            n >>= 7
        self.out.append(n)

    @staticmethod
    def _zigzag(n: int) -> int:
        return (n << 1) ^ (n >> 63)

    def _field(self, fid: int, ctype: int) -> None:
        delta = fid - self._last[-1]
        if 0 < delta <= 15:
            self.out.append((delta << 4) | ctype)
        else:
            self.out.append(ctype)
            self._varint(self._zigzag(fid))
        self._last[-1] = fid

    def i32(self, fid: int, value: int) -> _Thrift:
        self._field(fid, _I32)
        self._varint(self._zigzag(value))
        return self

    def i64(self, fid: int, value: int) -> _Thrift:
        self._field(fid, _I64)
        self._varint(self._zigzag(value))
        return self

    def binary(self, fid: int, value: bytes | str) -> _Thrift:
        if isinstance(value, str):
            value = value.encode("utf-8")
        self._field(fid, _BINARY)
        self._varint(len(value))
        self.out += value
        return self

    def begin(self, fid: int) -> _Thrift:
        """A struct field: its fields follow, then `end`."""
        self._field(fid, _STRUCT)
        self._last.append(0)
        return self

    def end(self) -> _Thrift:
        self.out.append(0)  # STOP
        self._last.pop()
        return self

    def _list_header(self, fid: int, size: int, ctype: int) -> None:
        self._field(fid, _LIST)
        if size < 15:
            self.out.append((size << 4) | ctype)
        else:
            self.out.append(0xF0 | ctype)
            self._varint(size)

    def i32_list(self, fid: int, values: Sequence[int]) -> _Thrift:
        self._list_header(fid, len(values), _I32)
        for value in values:
            self._varint(self._zigzag(value))
        return self

    def binary_list(self, fid: int, values: Sequence[str]) -> _Thrift:
        self._list_header(fid, len(values), _BINARY)
        for value in values:
            raw = value.encode("utf-8")
            self._varint(len(raw))
            self.out += raw
        return self

    def struct_list(self, fid: int, items: Sequence, write_one) -> _Thrift:
        """A list of structs: `write_one(self, item)` writes each one's fields."""
        self._list_header(fid, len(items), _STRUCT)
        for item in items:
            self._last.append(0)
            write_one(self, item)
            self.end()
        return self


def _uleb128(n: int) -> bytes:
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def definition_levels(defined: Sequence[bool]) -> bytes:
    """The levels of an OPTIONAL, non-nested column (1 = a value, 0 = null), bit width 1, in the
    RLE/bit-packed hybrid with the 4-byte length a v1 data page puts before it: one RLE run when
    every level is the same, else bit-packed groups of 8 (the last one padded with zeros)."""
    n = len(defined)
    if n and (all(defined) or not any(defined)):
        body = _uleb128(n << 1) + bytes([1 if defined[0] else 0])
    else:
        groups = (n + 7) // 8
        packed = bytearray(groups)
        for i, is_defined in enumerate(defined):
            if is_defined:
                packed[i >> 3] |= 1 << (i & 7)
        body = _uleb128((groups << 1) | 1) + bytes(packed)
    return struct.pack("<I", len(body)) + body


def plain_values(physical: int, values: Iterable) -> bytes:
    """The non-null values, PLAIN: INT32 little-endian, BYTE_ARRAY each after its 4-byte length."""
    if physical == INT32:
        values = list(values)
        return struct.pack(f"<{len(values)}i", *values)
    out = bytearray()
    for value in values:
        raw = value.encode("utf-8") if isinstance(value, str) else bytes(value)
        out += struct.pack("<I", len(raw))
        out += raw
    return bytes(out)


def _gzip(data: bytes) -> bytes:
    packer = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # gzip framing
    return packer.compress(data) + packer.flush()


class ParquetWriter:
    """Writes a Parquet file of flat OPTIONAL columns to the binary file `fh`.

    `columns`: (name, physical type, annotated as text) — `INT32` or `BYTE_ARRAY`. Each
    `write_rows` call is one row group; `close` writes the footer with `key_value` metadata."""

    def __init__(self, fh, columns: Sequence[tuple[str, int, bool]]):
        self.fh, self.columns = fh, list(columns)
        self.row_groups: list[dict] = []
        self.rows = 0
        self.position = 0
        self._write(MAGIC)

    def _write(self, data: bytes) -> None:
        self.fh.write(data)
        self.position += len(data)

    def write_rows(self, rows: Sequence[dict]) -> None:
        if not rows:
            return
        start, chunks = self.position, []
        for name, physical, _text in self.columns:
            values = [row.get(name) for row in rows]
            defined = [value is not None for value in values]
            page = definition_levels(defined) + plain_values(physical, (v for v in values if v is not None))
            compressed = _gzip(page)
            header = (_Thrift()
                      .i32(1, DATA_PAGE).i32(2, len(page)).i32(3, len(compressed))
                      .begin(5).i32(1, len(rows)).i32(2, PLAIN).i32(3, RLE).i32(4, RLE).end()
                      .end()).out  # data_page_header: num_values, encoding, def/rep levels' encoding
            offset = self.position
            self._write(bytes(header))
            self._write(compressed)
            chunks.append({"name": name, "type": physical, "offset": offset, "values": len(rows),
                           "uncompressed": len(header) + len(page),
                           "compressed": len(header) + len(compressed)})
        self.row_groups.append({"chunks": chunks, "rows": len(rows), "offset": start,
                                "compressed": self.position - start,
                                "uncompressed": sum(c["uncompressed"] for c in chunks)})
        self.rows += len(rows)

    def close(self, key_value: dict[str, str] | None = None) -> None:
        """The footer; the file `fh` stays open (its owner closes it)."""
        footer = _Thrift()
        footer.i32(1, 1)  # version
        schema = [("schema", None, False)] + self.columns

        def schema_element(t: _Thrift, element) -> None:
            name, physical, text = element
            if physical is None:  # the root
                t.i32(3, REQUIRED).binary(4, name).i32(5, len(self.columns))
                return
            t.i32(1, physical).i32(3, OPTIONAL).binary(4, name)
            if text:
                t.i32(6, UTF8).begin(10).begin(1).end().end()  # converted type; logicalType STRING

        def column_chunk(t: _Thrift, chunk: dict) -> None:
            t.i64(2, chunk["offset"])  # file_offset (deprecated): where the chunk starts
            t.begin(3)  # meta_data
            t.i32(1, chunk["type"]).i32_list(2, [PLAIN, RLE]).binary_list(3, [chunk["name"]])
            t.i32(4, GZIP).i64(5, chunk["values"]).i64(6, chunk["uncompressed"])
            t.i64(7, chunk["compressed"]).i64(9, chunk["offset"])
            t.end()

        def row_group(t: _Thrift, group: dict) -> None:
            t.struct_list(1, group["chunks"], column_chunk)
            t.i64(2, group["uncompressed"]).i64(3, group["rows"])
            t.i64(5, group["offset"]).i64(6, group["compressed"])

        def key_value_pair(t: _Thrift, item) -> None:
            t.binary(1, item[0]).binary(2, item[1])

        footer.struct_list(2, schema, schema_element)
        footer.i64(3, self.rows)
        footer.struct_list(4, self.row_groups, row_group)
        if key_value:
            footer.struct_list(5, list(key_value.items()), key_value_pair)
        footer.binary(6, CREATED_BY)
        footer.end()
        self._write(bytes(footer.out))
        self._write(struct.pack("<I", len(footer.out)) + MAGIC)
