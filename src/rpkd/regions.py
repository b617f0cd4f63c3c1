"""Kemendagri region master: codes, names and hierarchy of every region of Indonesia.

Codes are written with dots (``62.03.01.2001``): provinsi ``PP``, kabupaten/kota ``PP.KK``,
kecamatan ``PP.KK.CC``, desa/kelurahan ``PP.KK.CC.DDDD``. The same code without dots is accepted
everywhere. Data: Kepmendagri No 300.2.2-2138 Tahun 2025 via ``cahyadsn/wilayah`` (MIT; see
``rpkd/data/NOTICE.md``).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal

from rpkd.errors import UnknownRegion

if TYPE_CHECKING:
    import pyarrow as pa

Level = Literal["provinsi", "kabupaten", "kota", "kecamatan", "desa", "kelurahan"]
Depth = Literal["provinsi", "kabupaten", "kecamatan", "desa"]

_DEPTHS: tuple[Depth, ...] = ("provinsi", "kabupaten", "kecamatan", "desa")
_SEGMENTS = (2, 2, 2, 4)
_DOTTED = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")
_PLAIN = re.compile(r"^(\d{2}|\d{4}|\d{6}|\d{10})$")


@dataclass(frozen=True)
class Region:
    """One region: its dotted code, administrative level, name and parent's code."""

    code: str
    level: Level
    name: str
    parent_code: str | None

    @property
    def depth(self) -> Depth:
        """Position in the hierarchy: kota counts as kabupaten, kelurahan as desa."""
        return depth_of(self.code)


def parse_code(text: str | int) -> str:
    """Return ``text`` as a dotted Kemendagri code; raise :class:`UnknownRegion` if malformed.

    Examples
    --------
    >>> parse_code("6203012001")
    '62.03.01.2001'
    >>> parse_code(" 62.03 ")
    '62.03'
    """
    raw = str(text).strip()
    if _DOTTED.match(raw):
        return raw
    if _PLAIN.match(raw):
        parts, start = [], 0
        for width in _SEGMENTS:
            if start >= len(raw):
                break
            parts.append(raw[start : start + width])
            start += width
        return ".".join(parts)
    raise UnknownRegion("region_malformed", param="region", code=raw)


def depth_of(code: str) -> Depth:
    """Return the depth of a dotted code (``62.03.01`` is a kecamatan)."""
    return _DEPTHS[code.count(".")]


def plain(code: str) -> str:
    """Return the code without dots (``62.03.01`` -> ``620301``), as it appears inside a NIK."""
    return code.replace(".", "")


@dataclass(frozen=True)
class _Master:
    by_code: dict[str, Region]
    children: dict[str, tuple[str, ...]]


def _master_csv() -> bytes:
    return resources.files("rpkd").joinpath("data/regions/regions.csv.gz").read_bytes()


@cache
def _master() -> _Master:
    blob = _master_csv()
    by_code: dict[str, Region] = {}
    children: dict[str, list[str]] = {}
    with io.TextIOWrapper(gzip.GzipFile(fileobj=io.BytesIO(blob)), encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            parent = row["parent_code"] or None
            by_code[row["code"]] = Region(row["code"], row["level"], row["name"], parent)  # type: ignore[arg-type]
            if parent:
                children.setdefault(parent, []).append(row["code"])
    return _Master(by_code, {k: tuple(v) for k, v in children.items()})


def region(code: str | int) -> Region:
    """Return the region with this code; raise :class:`UnknownRegion` if it does not exist."""
    dotted = parse_code(code)
    found = _master().by_code.get(dotted)
    if found is None:
        raise UnknownRegion("region_unknown", param="region", code=dotted)
    return found


def exists(code: str) -> bool:
    """Return whether a dotted code is in the master."""
    return code in _master().by_code


def name(code: str | int) -> str:
    """Return the region's name."""
    return region(code).name


@cache
def _name_table() -> pa.Table:
    """Codes and names of the master as Arrow columns (read in milliseconds, for bulk lookups)."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    with gzip.GzipFile(fileobj=io.BytesIO(_master_csv())) as fh:
        table = pa_csv.read_csv(
            fh,
            convert_options=pa_csv.ConvertOptions(
                column_types={"code": pa.string(), "name": pa.string()},
                include_columns=["code", "name"],
            ),
        )
    return table


def names(codes: Iterable[str]) -> list[str | None]:
    """Return the name of each dotted code, None where the code is not in the master."""
    import pyarrow as pa
    import pyarrow.compute as pc

    table = _name_table()
    found = pc.index_in(pa.array(list(codes), pa.string()), value_set=table["code"])
    looked_up: list[str | None] = table["name"].take(found).to_pylist()
    return looked_up


def children(code: str | int) -> tuple[Region, ...]:
    """Return the regions one level below ``code``, in code order."""
    parent = region(code).code
    return tuple(_master().by_code[c] for c in _master().children.get(parent, ()))


def descendants(code: str | int, depth: Depth) -> tuple[Region, ...]:
    """Return every region at ``depth`` inside ``code`` (``code`` itself if already that deep)."""
    top = region(code)
    target = _DEPTHS.index(depth)
    if _DEPTHS.index(top.depth) > target:
        raise UnknownRegion(
            "region_depth", param="region", code=top.code, level=top.depth, depth=depth
        )
    frontier = [top]
    while frontier and _DEPTHS.index(frontier[0].depth) < target:
        frontier = [child for r in frontier for child in children(r.code)]
    return tuple(frontier)


def ancestors(code: str | int) -> tuple[Region, ...]:
    """Return the chain from the province down to ``code`` itself."""
    chain = [region(code)]
    while chain[0].parent_code:
        chain.insert(0, region(chain[0].parent_code))
    return tuple(chain)


def ancestor(code: str | int, depth: Depth) -> Region:
    """Return the region at ``depth`` that contains ``code``."""
    dotted = parse_code(code)
    segments = dotted.split(".")[: _DEPTHS.index(depth) + 1]
    return region(".".join(segments))


def contains(outer: str, inner: str) -> bool:
    """Return whether dotted code ``inner`` lies inside (or is) dotted code ``outer``."""
    return inner == outer or inner.startswith(outer + ".")


def find(text: str, *, depth: Depth | None = None, within: str | None = None) -> tuple[Region, ...]:
    """Return regions whose name matches ``text`` (case-insensitive), optionally at one depth."""
    needle = text.strip().casefold()
    scope = parse_code(within) if within else None
    return tuple(
        r
        for r in _master().by_code.values()
        if r.name.casefold() == needle
        and (depth is None or r.depth == depth)
        and (scope is None or contains(scope, r.code))
    )


def boundaries(code: str | int, depth: Depth) -> dict[str, Any]:
    """Return the GeoJSON FeatureCollection of regions at ``depth`` inside ``code``.

    Boundaries ship for Kabupaten Kapuas (62.03); other regions raise :class:`UnknownRegion`.
    """
    top = region(code)
    kabupaten = ancestor(top.code, "kabupaten").code if top.depth != "provinsi" else top.code
    folder = resources.files("rpkd").joinpath(f"data/boundaries/{kabupaten}")
    source = folder.joinpath(f"{'kabupaten' if depth == 'kabupaten' else depth}.geojson")
    if not source.is_file():
        raise UnknownRegion(
            "boundaries_missing", param="region", code=top.code, depth=depth, available="62.03"
        )
    collection: dict[str, Any] = json.loads(source.read_text(encoding="utf-8"))
    collection["features"] = [
        f for f in collection["features"] if contains(top.code, f["properties"]["code"])
    ]
    return collection
