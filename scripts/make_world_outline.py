"""Write src/chronicle/serve/static/world.json: country outlines for the web page's map.

Source: the Natural Earth 1:110m "admin 0 countries" layer (public domain, naturalearthdata.com)
as shipped by the pyogrio wheel on PyPI, in `pyogrio/tests/fixtures/naturalearth_lowres/`
(pyogrio is MIT-licensed; its fixtures README says the file is Natural Earth, public domain,
copied from GeoPandas). The script downloads that wheel with pip (or takes one with --wheel),
reads the shapefile with the small reader below (no GDAL needed), projects it equirectangularly
(x = lon + 180, y = 90 - lat, so the map's viewBox is 0 0 360 180 and a marker at (lat, lon) needs
no projection library in the browser), rounds to 0.1 degree and writes one SVG path per country.

Run:  .venv/bin/python scripts/make_world_outline.py [--wheel pyogrio-….whl]
"""

from __future__ import annotations

import argparse
import json
import struct
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PYOGRIO = "pyogrio==0.13.0"
FIXTURE = "pyogrio/tests/fixtures/naturalearth_lowres/naturalearth_lowres"
OUT = Path(__file__).resolve().parents[1] / "src" / "chronicle" / "serve" / "static" / "world.json"


def download_wheel(folder: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                    "--only-binary=:all:", PYOGRIO, "-d", str(folder)], check=True)
    return next(folder.glob("pyogrio-*.whl"))


def read_dbf(data: bytes) -> list[dict[str, str]]:
    """dBASE III records as strings (the shapefile's attribute table)."""
    count, header_len, record_len = struct.unpack("<xxxxIHH", data[:12])
    fields, pos = [], 32
    while data[pos] != 0x0D:
        name = data[pos:pos + 11].split(b"\0")[0].decode("ascii")
        fields.append((name, data[pos + 16]))
        pos += 32
    rows = []
    for i in range(count):
        rec = data[header_len + i * record_len: header_len + (i + 1) * record_len]
        if rec[:1] == b"*":  # deleted record
            continue
        row, off = {}, 1
        for name, length in fields:
            row[name] = rec[off:off + length].decode("utf-8", "replace").strip()
            off += length
        rows.append(row)
    return rows


def read_shp_polygons(data: bytes) -> list[list[list[tuple[float, float]]]]:
    """Each record's rings as lists of (lon, lat); polygon (5) and null (0) shapes only."""
    shapes, pos = [], 100
    while pos < len(data):
        _, length_words = struct.unpack(">II", data[pos:pos + 8])
        content = data[pos + 8: pos + 8 + 2 * length_words]
        pos += 8 + 2 * length_words
        shape_type = struct.unpack("<I", content[:4])[0]
        if shape_type == 0:
            shapes.append([])
            continue
        if shape_type != 5:
            raise ValueError(f"unexpected shape type {shape_type}")
        num_parts, num_points = struct.unpack("<II", content[36:44])
        parts = list(struct.unpack(f"<{num_parts}I", content[44:44 + 4 * num_parts]))
        start = 44 + 4 * num_parts
        points = [struct.unpack("<dd", content[start + 16 * k: start + 16 * k + 16])
                  for k in range(num_points)]
        bounds = parts + [num_points]
        shapes.append([points[bounds[j]:bounds[j + 1]] for j in range(num_parts)])
    return shapes


def ring_path(ring: list[tuple[float, float]]) -> str:
    """One closed SVG subpath, equirectangular, 0.1 degree; rings that collapse are dropped."""
    pts = []
    for lon, lat in ring:
        p = (round(lon + 180, 1), round(90 - lat, 1))
        if not pts or p != pts[-1]:
            pts.append(p)
    if len(pts) > 1 and pts[0] == pts[-1]:
        pts.pop()
    if len(pts) < 3:
        return ""
    fmt = lambda v: f"{v:.1f}".rstrip("0").rstrip(".")  # noqa: E731
    return "M" + "L".join(f"{fmt(x)} {fmt(y)}" for x, y in pts) + "Z"


def iso3(row: dict[str, str]) -> str | None:
    code = row.get("iso_a3", "")
    if len(code) == 3 and code.isalpha():
        return code
    # The old lowres layer codes France, Norway and a few disputed areas as -99; Kosovo gets the
    # XKX code Chronicle's country table uses.
    if row["name"] == "Kosovo":
        return "XKX"
    import pycountry

    try:
        return pycountry.countries.lookup(row["name"]).alpha_3
    except LookupError:
        return None


def build(wheel: Path) -> dict:
    with zipfile.ZipFile(wheel) as zf:
        shp = zf.read(FIXTURE + ".shp")
        dbf = zf.read(FIXTURE + ".dbf")
    rows, shapes = read_dbf(dbf), read_shp_polygons(shp)
    if len(rows) != len(shapes):
        raise ValueError(f"{len(rows)} attribute rows but {len(shapes)} shapes")
    countries = []
    for row, rings in zip(rows, shapes):
        d = "".join(ring_path(r) for r in rings)
        if d:
            countries.append({"iso": iso3(row), "name": row["name"], "d": d})
    countries.sort(key=lambda c: c["name"])
    return {
        "source": "Natural Earth 1:110m admin 0 countries (public domain), from the "
                  f"{PYOGRIO} wheel on PyPI ({FIXTURE}.shp); made by scripts/make_world_outline.py",
        "projection": "equirectangular: x = lon + 180, y = 90 - lat, viewBox 0 0 360 180",
        "countries": countries,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help="a downloaded pyogrio wheel (default: pip download)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or download_wheel(Path(tmp))
        world = build(wheel)
    args.out.write_text(json.dumps(world, ensure_ascii=False, separators=(",", ":")) + "\n",
                        encoding="utf-8")
    print(f"wrote {len(world['countries'])} countries to {args.out} "
          f"({args.out.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
