"""Roll-up of desa counts to kecamatan and kabupaten cells, with their shares and equations.

Each (level, area, indicator) is one *cell*; a cell's value is an integer count summed from the
engine's desa × desil table, so every engine yields the same cells. The additive relations
between cells (desil parts of a total, desa of a kecamatan, kecamatan of a kabupaten) are the
equations that complementary suppression (:mod:`rpkd.measures.disclosure`) must protect.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from rpkd import regions
from rpkd.findings import Finding
from rpkd.measures.characteristics import COUNT_COLUMNS, FAMILY_FLAGS, PERSON_COUNTS
from rpkd.measures.disclosure import Equation, suppress

Level = Literal["kabupaten", "kecamatan", "desa"]
LEVELS: tuple[Level, ...] = ("kabupaten", "kecamatan", "desa")
_WIDTH: dict[Level, int] = {"kabupaten": 5, "kecamatan": 8, "desa": 13}
DESIL_SLOTS: tuple[str, ...] = (*(str(d) for d in range(1, 11)), "missing")

LONG_SCHEMA = pa.schema(
    [
        ("level", pa.string()),
        ("code", pa.string()),
        ("name", pa.string()),
        ("indicator", pa.string()),
        ("value", pa.int64()),
        ("denominator", pa.int64()),
        ("share", pa.float64()),
        ("suppressed", pa.bool_()),
    ]
)


@dataclass(frozen=True)
class _Indicator:
    name: str
    topic: Literal["desil", "characteristics", "vulnerable", "mpi"]
    denominator: str | None  # another indicator of the same area
    basis: str  # the indicator (or hidden count) whose families decide suppression


def _indicators() -> tuple[_Indicator, ...]:
    out = [_Indicator("families_total", "desil", None, "families_total")]
    out += [
        _Indicator(f"families_desil_{s}", "desil", "families_total", f"families_desil_{s}")
        for s in (*DESIL_SLOTS[:4], "1_4", *DESIL_SLOTS[4:])
    ]
    out.append(_Indicator("persons_total", "desil", None, "families_total"))
    out += [
        _Indicator(f"persons_desil_{s}", "desil", "persons_total", f"families_desil_{s}")
        for s in DESIL_SLOTS
    ]
    out += [_Indicator(f, "characteristics", "families_desil_1_4", f) for f in FAMILY_FLAGS]
    out += [
        _Indicator(p, "vulnerable", "persons_total", f"all_{f}") for p, f in PERSON_COUNTS.items()
    ]
    out.append(
        _Indicator(
            "female_headed_families", "vulnerable", "families_total", "female_headed_families"
        )
    )
    # Alkire-Foster on the registry: H = q / n, A = points of the poor / (q * total points),
    # M0 = points of the poor / (n * total points) = H * A; A and M0 are shares without a count.
    out += [
        _Indicator("mpi_headcount", "mpi", "families_total", "mpi_headcount"),
        _Indicator("mpi_intensity", "mpi", "mpi_headcount", "mpi_headcount"),
        _Indicator("mpi_m0", "mpi", "families_total", "mpi_headcount"),
    ]
    return tuple(out)


INDICATORS: tuple[_Indicator, ...] = _indicators()
# Cells holding points (not families): published as a share only, hidden with the headcount.
_POINTS = ("mpi_intensity", "mpi_m0")


def _group_sum(key: NDArray[np.intp], n: int, values: NDArray[np.int64]) -> NDArray[np.int64]:
    """Return the rows of ``values`` (rows x columns) summed by ``key`` in ``[0, n)``, exactly.

    ``np.bincount`` adds in float64, exact while every partial sum stays below 2**53, which the
    column totals bound (the counts are not negative); about twice as fast as ``np.add.at`` on
    the desa x desil counts of 10M families.
    """
    if len(values) and values.sum(axis=0).max() >= 2**53:
        out = np.zeros((n, values.shape[1]), dtype=np.int64)
        np.add.at(out, key, values)
        return out
    columns = [np.bincount(key, weights=values[:, j], minlength=n) for j in range(values.shape[1])]
    return np.column_stack(columns).astype(np.int64) if columns else np.zeros((n, 0), np.int64)


def _areas(desa: pa.Array, width: int) -> tuple[list[str], NDArray[np.intp]]:
    """Return the sorted area codes (code prefixes of ``width``) and each row's area index."""
    encoded = pc.dictionary_encode(pc.utf8_slice_codeunits(desa, 0, width))
    dictionary = np.asarray(encoded.dictionary.to_pylist(), dtype=object)
    order = np.argsort(dictionary.astype(str), kind="stable")
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order))
    index = rank[encoded.indices.to_numpy(zero_copy_only=False)]
    return [str(c) for c in dictionary[order]], index


# Columns of an area's totals row (:func:`_area_totals`): every count over all desil slots, every
# count over desil 1-4, then families and persons of each desil slot.
_ALL, _D14 = 0, len(COUNT_COLUMNS)
_BY_SLOT = 2 * len(COUNT_COLUMNS)
_FAMILIES, _PERSONS = COUNT_COLUMNS.index("families"), COUNT_COLUMNS.index("persons")


def _area_totals(
    area: NDArray[np.intp], n: int, slot: NDArray[np.intp], values: NDArray[np.int64]
) -> NDArray[np.int64]:
    """Return one totals row per area (see :data:`_BY_SLOT`) from desa x desil-slot count rows.

    Indicators only need the families and persons of each slot and the other counts summed over
    all slots or over desil 1-4, so the totals hold those rather than an area x slot x count
    cube: a quarter of the memory (52 MB for 84,000 desa), which is most of its cost.
    """
    slots = len(DESIL_SLOTS)
    d14 = slot < len(DESIL_SLOTS[:4])
    by_slot = _group_sum(area * slots + slot, n * slots, values[:, [_FAMILIES, _PERSONS]])
    return np.hstack(
        [
            _group_sum(area, n, values),
            _group_sum(area[d14], n, values[d14]),
            by_slot.reshape(n, slots, 2).transpose(0, 2, 1).reshape(n, 2 * slots),
        ]
    )


def _indicator_values(totals: NDArray[np.int64]) -> dict[str, NDArray[np.int64]]:
    """Return each indicator (and hidden count) of the areas of a totals matrix."""

    def total(name: str, start: int = _ALL) -> NDArray[np.int64]:
        return totals[:, start + COUNT_COLUMNS.index(name)]

    vals: dict[str, NDArray[np.int64]] = {
        "families_total": total("families"),
        "persons_total": total("persons"),
        "families_desil_1_4": total("families", _D14),
        "female_headed_families": total("female_head"),
    }
    slots = len(DESIL_SLOTS)
    for k, s in enumerate(DESIL_SLOTS):
        vals[f"families_desil_{s}"] = totals[:, _BY_SLOT + k]
        vals[f"persons_desil_{s}"] = totals[:, _BY_SLOT + slots + k]
    for flag in FAMILY_FLAGS:
        vals[flag] = total(flag, _D14)
    for person, flag in PERSON_COUNTS.items():
        vals[person] = total(person)
        vals[f"all_{flag}"] = total(flag)
    vals["mpi_headcount"] = total("mpi_poor")
    vals["mpi_intensity"] = vals["mpi_m0"] = total("mpi_points")
    return {k: np.ascontiguousarray(v) for k, v in vals.items()}


class Cells:
    """Every (level, area, indicator) cell as flat arrays, with the equations between them."""

    def __init__(
        self,
        areas: dict[Level, list[str]],
        values: dict[Level, dict[str, NDArray[np.int64]]],
        points_total: int,
    ):
        self.points_total = points_total
        self.areas = areas
        self.values = values
        self.offset: dict[tuple[Level, str], int] = {}
        position = 0
        for level in LEVELS:
            for key in (*(i.name for i in INDICATORS), *self._hidden_names()):
                self.offset[(level, key)] = position
                position += len(areas[level])
        self.size = position
        self.name_findings: list[Finding] = []

    @staticmethod
    def _hidden_names() -> tuple[str, ...]:
        return tuple(f"all_{f}" for f in PERSON_COUNTS.values())

    @classmethod
    def build(cls, counts: pa.Table, points_total: int) -> Cells:
        """Return the cells of every level from the desa x desil counts (dotted codes, slots).

        The counts are summed once into desa totals (:func:`_area_totals`); kecamatan and
        kabupaten totals are sums of desa totals, and every indicator is one of their columns.
        """
        desa = counts["desa_code"].combine_chunks()
        slot = pc.index_in(counts["desil"], value_set=pa.array(DESIL_SLOTS)).to_numpy(
            zero_copy_only=False
        )
        # Column-major (every later step works a column at a time), filled chunk by chunk: fresh
        # memory is costly (a page fault per 4 KiB), so no combined copy of the table is made.
        values = np.empty((counts.num_rows, len(COUNT_COLUMNS)), dtype=np.int64, order="F")
        for j, c in enumerate(COUNT_COLUMNS):
            start = 0
            for chunk in counts[c].chunks:
                values[start : start + len(chunk), j] = chunk.to_numpy(zero_copy_only=False)
                start += len(chunk)
        desa_codes, desa_index = _areas(desa, _WIDTH["desa"])
        totals = {"desa": _area_totals(desa_index, len(desa_codes), slot, values)}
        areas: dict[Level, list[str]] = {"desa": desa_codes}
        codes = pa.array(desa_codes, pa.string())
        for level in ("kecamatan", "kabupaten"):
            areas[level], parent = _areas(codes, _WIDTH[level])
            totals[level] = _group_sum(parent, len(areas[level]), totals["desa"])
        values_by_level = {level: _indicator_values(totals[level]) for level in LEVELS}
        return cls(areas, values_by_level, points_total)

    def flat(self) -> NDArray[np.int64]:
        """Return every cell's value, in offset order."""
        out = np.zeros(self.size, dtype=np.int64)
        for (level, key), start in self.offset.items():
            out[start : start + len(self.areas[level])] = self.values[level][key]
        return out

    def equations(self) -> list[Equation]:
        """Return the additive relations a reader of the published cells could use."""
        out: list[Equation] = []
        for level in LEVELS:
            start = {key: pos for (lv, key), pos in self.offset.items() if lv == level}
            row = [start[f"families_desil_{s}"] for s in DESIL_SLOTS]
            for a in range(len(self.areas[level])):
                out.append(Equation(tuple(r + a for r in row), start["families_total"] + a))
                out.append(Equation(tuple(r + a for r in row[:4]), start["families_desil_1_4"] + a))
        leaders = [
            i.name
            for i in INDICATORS
            if not i.name.startswith("persons_") and i.name not in _POINTS
        ]
        pairs: tuple[tuple[Level, Level], ...] = (("desa", "kecamatan"), ("kecamatan", "kabupaten"))
        for child, parent in pairs:
            width = _WIDTH[parent]
            parent_index = {c: k for k, c in enumerate(self.areas[parent])}
            groups: dict[int, list[int]] = {}
            for k, c in enumerate(self.areas[child]):
                groups.setdefault(parent_index[c[:width]], []).append(k)
            for key in leaders:
                cs, ps = self.offset[(child, key)], self.offset[(parent, key)]
                out += [Equation(tuple(cs + k for k in kids), ps + p) for p, kids in groups.items()]
        return out

    def basis(self) -> NDArray[np.int64]:
        """Families behind each cell (persons cells are followers; their own basis is unused)."""
        source = {i.name: i.basis for i in INDICATORS if not i.name.startswith("persons_")}
        out = np.zeros(self.size, dtype=np.int64)
        for (level, key), start in self.offset.items():
            out[start : start + len(self.areas[level])] = self.values[level][source.get(key, key)]
        return out

    def long_table(self, hidden: NDArray[np.bool_], levels: tuple[Level, ...]) -> pa.Table:
        """Return the long table, sorted by level, area code and indicator (as INDICATORS)."""
        k = len(INDICATORS)
        ind_names = [i.name for i in INDICATORS]
        parts = []
        for level in LEVELS:
            if level not in levels:
                continue
            n = len(self.areas[level])
            value = np.empty((n, k), dtype=np.int64)
            den = np.zeros((n, k), dtype=np.int64)
            mask = np.empty((n, k), dtype=bool)
            den_mask = np.ones((n, k), dtype=bool)
            scale = np.ones(k, dtype=np.int64)
            for j, ind in enumerate(INDICATORS):
                start = self.offset[(level, ind.name)]
                value[:, j] = self.values[level][ind.name]
                mask[:, j] = hidden[start : start + n]
                if ind.denominator is not None:
                    d0 = self.offset[(level, ind.denominator)]
                    den[:, j] = self.values[level][ind.denominator]
                    den_mask[:, j] = hidden[d0 : d0 + n]
                if ind.name in _POINTS:
                    scale[j] = self.points_total
            points = np.isin(np.asarray([i.name for i in INDICATORS]), _POINTS)
            with np.errstate(divide="ignore", invalid="ignore"):
                share = value / (den * scale)
            share_mask = mask | den_mask | (den * scale == 0)
            parts.append(
                pa.table(
                    {
                        "level": pa.repeat(pa.scalar(level), n * k),
                        "code": _repeated(self.areas[level], k),
                        "name": _repeated(self._names(self.areas[level]), k),
                        "indicator": _tiled(ind_names, n),
                        "value": _numbers(value.ravel(), (mask | points).ravel()),
                        "denominator": _numbers(den.ravel(), den_mask.ravel()),
                        "share": _numbers(share.ravel(), share_mask.ravel()),
                        "suppressed": pa.array(mask.ravel(), pa.bool_()),
                    },
                    schema=LONG_SCHEMA,
                )
            )
        return pa.concat_tables(parts) if parts else LONG_SCHEMA.empty_table()

    def _names(self, codes: list[str]) -> list[str | None]:
        found = regions.names(codes)
        self.name_findings += [
            Finding("profile_region_unknown", "warning", {"code": c})
            for c, n in zip(codes, found, strict=True)
            if n is None
        ]
        return found


def _text(offsets: NDArray[np.int32], data: object) -> pa.Array:
    """Return the string array of int32 ``offsets`` into the UTF-8 ``data`` (no copy of either)."""
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    return pa.Array.from_buffers(pa.string(), len(offsets) - 1, buffers)


def _encoded(values: Sequence[str], times: int) -> tuple[list[bytes], NDArray[np.int32]]:
    """Return the UTF-8 of ``values`` and their lengths, refusing a column past 2 GiB."""
    encoded = [v.encode() for v in values]
    lengths = np.fromiter(map(len, encoded), np.int64, len(encoded))
    if int(lengths.sum()) * times >= 2**31:
        raise ValueError("a text column of the long table would pass 2 GiB")
    return encoded, lengths.astype(np.int32)


def _repeated(values: Sequence[str | None], times: int) -> pa.Array:
    """Return each of ``values`` ``times`` times in a row (``a a b b``), as one string array.

    Only the result is allocated (fresh memory costs a page fault per 4 KiB, benchmarks/
    RESULTS.md, profile): codes of one width are repeated as a block of bytes; names of
    varying width are taken by index.
    """
    n = len(values)
    if None in values or len({len(v.encode()) for v in values if v is not None}) > 1:
        index = pa.array(np.repeat(np.arange(n, dtype=np.int32), times))
        return pa.array(values, pa.string()).take(index)
    encoded, lengths = _encoded([v for v in values if v is not None], times)
    width = int(lengths[0]) if n else 0
    block = np.frombuffer(b"".join(encoded), np.uint8).reshape(n, width)
    offsets = np.arange(n * times + 1, dtype=np.int32) * np.int32(width)
    return _text(offsets, np.repeat(block, times, axis=0))


def _tiled(values: Sequence[str], times: int) -> pa.Array:
    """Return ``values`` ``times`` times over (``a b a b``), as one string array."""
    encoded, lengths = _encoded(values, times)
    k = len(values)
    start = np.zeros(k + 1, dtype=np.int32)
    np.cumsum(lengths, out=start[1:])
    offsets = np.empty(k * times + 1, dtype=np.int32)
    offsets[:-1].reshape(times, k)[:] = (
        np.arange(times, dtype=np.int32)[:, None] * start[-1] + start[None, :-1]
    )
    offsets[-1] = start[-1] * times
    return _text(offsets, np.tile(np.frombuffer(b"".join(encoded), np.uint8), times))


def _numbers(values: NDArray[np.generic], null: NDArray[np.bool_]) -> pa.Array:
    """Return ``values`` (contiguous) as an Arrow array of their own type on the same memory,
    null where ``null``."""
    valid = pa.py_buffer(np.packbits(~null, bitorder="little")) if null.any() else None
    kind = pa.from_numpy_dtype(values.dtype)
    return pa.Array.from_buffers(kind, len(values), [valid, pa.py_buffer(values)])


def topic(table: pa.Table, name: str) -> pa.Table:
    """Return the rows of one topic (desil, characteristics, vulnerable, mpi), order kept."""
    names = pa.array([i.name for i in INDICATORS if i.topic == name])
    return table.filter(pc.is_in(table["indicator"], value_set=names))


def suppression(cells: Cells, min_cell: int) -> NDArray[np.bool_]:
    """Return the suppressed cells: threshold rule, complements, persons and MPI shares follow."""
    followers: list[int] = []
    leaders: list[int] = []
    for level in LEVELS:
        n = len(cells.areas[level])
        for ind in INDICATORS:
            if ind.name.startswith("persons_") or ind.name in _POINTS:
                f0, l0 = cells.offset[(level, ind.name)], cells.offset[(level, ind.basis)]
                followers += range(f0, f0 + n)
                leaders += range(l0, l0 + n)
    return suppress(
        cells.flat(),
        cells.basis(),
        cells.equations(),
        min_cell=min_cell,
        followers=np.asarray(followers, dtype=np.int64),
        leaders=np.asarray(leaders, dtype=np.int64),
    )
