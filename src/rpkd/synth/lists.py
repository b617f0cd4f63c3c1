"""Beneficiary lists as agencies keep them: spelling variants, broken NIKs, placeholder dates,
duplicate rows, deceased persons still listed and a few rows that match nobody.

Each list row carries its true registry ``person_id`` (null for a ghost), which is written to
``truth/links_<programme>.csv``; the list itself never reveals it.

References
----------
Christen (2012). *Data Matching*. Springer (typical name and identifier errors); Kemensos/BPS
DTSEN ground checks (facts.md §2.3) on inclusion errors and stale lists.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from rpkd.synth import names


@dataclass(frozen=True)
class Registry:
    """The chunk's members as the lists see them (member arrays; kk, address, desa per family)."""

    person_id: pa.Array
    nik: pa.Array
    name: pa.Array
    birth_days: NDArray[np.int64]
    female: NDArray[np.bool_]
    family: NDArray[np.int64]
    head: NDArray[np.int64]
    kk: pa.Array
    address: pa.Array
    desa_code: pa.Array

    def by_family(self, column: pa.Array, rows: NDArray[np.int64]) -> pa.Array:
        """Return a family-level column for member ``rows``."""
        return column.take(pa.array(self.family[rows]))


def _variants(
    rng: np.random.Generator,
    name: pa.Array,
    registry: Registry,
    rows: NDArray[np.int64],
    share: float,
) -> pa.Array:
    """Return ``name`` with a spelling variant in a ``share`` of rows (computed on those rows only)."""
    n = len(name)
    chosen = np.flatnonzero(rng.random(n) < share)
    if not len(chosen):
        return name
    kind = rng.integers(0, 8, len(chosen))
    sub = name.take(pa.array(chosen))
    female = registry.female[rows[chosen]]
    spelled = pc.replace_substring_regex(sub, pattern=r"^Muhammad\b", replacement="Muhamad")
    spelled = pc.replace_substring_regex(spelled, pattern=r"^Siti\b", replacement="Sity")
    short = pc.replace_substring_regex(sub, pattern=r"^Muhammad\b", replacement="Moh.")
    short = pc.replace_substring_regex(short, pattern=r"^Siti\b", replacement="St.")
    dropped = pc.replace_substring_regex(sub, pattern=r" \S+$", replacement="")
    swapped = pc.replace_substring_regex(sub, pattern=r"^(\S+) (\S+)", replacement=r"\2 \1")
    titled = pc.binary_join_element_wise(pa.array(np.where(female, "Hj.", "H.")), sub, " ")
    heads = registry.head[registry.family[rows[chosen]]]
    father = pc.utf8_split_whitespace(registry.name.take(pa.array(heads)), max_splits=1)
    link = pa.array(np.where(female, "binti", "bin"))
    patronym = pc.binary_join_element_wise(sub, link, pc.list_element(father, 0), " ")
    typo = pc.replace_substring(sub, pattern="a", replacement="e", max_replacements=1)
    old_spelling = pc.replace_substring(
        pc.replace_substring(sub, pattern="u", replacement="oe", max_replacements=1),
        pattern="j",
        replacement="dj",
    )
    variant = sub
    for k, candidate in enumerate(
        (spelled, short, dropped, swapped, titled, patronym, typo, old_spelling)
    ):
        variant = pc.if_else(pa.array(kind == k), candidate, variant)
    mask = np.zeros(n, dtype=bool)
    mask[chosen] = True
    return pc.replace_with_mask(name, pa.array(mask), variant)


def _broken_nik(rng: np.random.Generator, nik: pa.Array, doc: Mapping[str, Any]) -> pa.Array:
    """Return NIKs with some missing and some invalid (too short, too long, transposed digits)."""
    n = len(nik)
    u = rng.random(n)
    missing = u < doc["nik_missing_share"]
    invalid = np.flatnonzero(~missing & (u < doc["nik_missing_share"] + doc["nik_invalid_share"]))
    out = nik
    if len(invalid):
        sub = nik.take(pa.array(invalid))
        kind = pa.array(rng.integers(0, 3, len(invalid)))
        short = pc.utf8_slice_codeunits(sub, 0, 15)
        longer = pc.binary_join_element_wise(sub, pa.scalar("0"), "")
        swap = pc.binary_join_element_wise(
            pc.utf8_slice_codeunits(sub, 0, 12),
            pc.utf8_slice_codeunits(sub, 13, 14),
            pc.utf8_slice_codeunits(sub, 12, 13),
            pc.utf8_slice_codeunits(sub, 14, 16),
            "",
        )
        broken = pc.if_else(pc.equal(kind, 0), short, pc.if_else(pc.equal(kind, 1), longer, swap))
        mask = np.zeros(n, dtype=bool)
        mask[invalid] = True
        out = pc.replace_with_mask(out, pa.array(mask), broken)
    return pc.if_else(pa.array(missing), pa.scalar(None, pa.string()), out)


def _dates(days: NDArray[np.int64], fmt: str) -> pa.Array:
    """Return dates written as ``%d-%m-%Y``-like formats (day, month, year in the given order)."""
    dates = days.astype("datetime64[D]")
    year = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    month = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (dates - dates.astype("datetime64[M]")).astype(np.int64) + 1
    parts = {"%Y": pc.cast(pa.array(year), pa.string()), "%m": _two(month), "%d": _two(day)}
    tokens = [fmt[i : i + 2] for i in (0, 3, 6)]
    return pc.binary_join_element_wise(*(parts[t] for t in tokens), fmt[2])


def _two(values: NDArray[np.int64]) -> pa.Array:
    return pc.utf8_lpad(pc.cast(pa.array(values), pa.string()), 2, "0")


def build(
    programme: str,
    registry: Registry,
    rows: NDArray[np.int64],
    amount: NDArray[np.float64],
    deceased_rows: NDArray[np.int64],
    year: int,
    doc: Mapping[str, Any],
    rng: np.random.Generator,
) -> tuple[pa.Table, pa.Array]:
    """Return the list rows (without ``record``) and each row's true ``person_id``."""
    flaws = doc["lists"]
    listed_dead = deceased_rows[rng.random(len(deceased_rows)) < flaws["deceased_listed_share"]]
    rows = np.concatenate([rows, listed_dead])
    amount = np.concatenate([amount, np.full(len(listed_dead), amount[0] if len(amount) else 0.0)])
    duplicate = np.flatnonzero(rng.random(len(rows)) < flaws["duplicate_share"])
    order = np.argsort(np.concatenate([rows, rows[duplicate]]), kind="stable")
    rows = np.concatenate([rows, rows[duplicate]])[order]
    amount = np.concatenate([amount, amount[duplicate]])[order]
    take = pa.array(rows)

    name = _variants(rng, registry.name.take(take), registry, rows, flaws["name_variant_share"])
    upper = pa.array(rng.random(len(rows)) < flaws["uppercase_share"])
    name = pc.if_else(upper, pc.utf8_upper(name), name)
    nik = _broken_nik(rng, registry.nik.take(take), flaws)
    birth = registry.birth_days[rows].astype("datetime64[D]")
    year_start = birth.astype("datetime64[Y]").astype("datetime64[D]")
    placeholder = rng.random(len(rows)) < flaws["placeholder_birth_share"]
    end_of_year = (year_start.astype("datetime64[Y]") + 1).astype("datetime64[D]") - 1
    birth = np.where(
        placeholder, np.where(rng.random(len(rows)) < 0.7, year_start, end_of_year), birth
    )
    birth_text = _dates(birth.astype(np.int64), flaws["date_formats"][programme])
    desa = registry.by_family(registry.desa_code, rows)
    if programme in ("pbi_jk", "pip"):
        desa = pc.replace_substring(desa, ".", "")
    table = {
        "nik": nik,
        "kk_number": registry.by_family(registry.kk, rows),
        "name": name,
        "birth_date": birth_text,
        "address": registry.by_family(registry.address, rows),
        "desa_code": desa,
        "amount": pa.array(amount, type=pa.float64()),
    }
    links = registry.person_id.take(take)
    ghosts = int(rng.binomial(max(len(rows), 1), flaws["ghost_share"]))
    if ghosts and len(rows):
        table, links = _add_ghosts(table, links, ghosts, registry, doc, rng)
    count = len(table["name"])
    out = pa.table(
        {
            "programme": pa.array([programme] * count, type=pa.string()),
            "year": pa.array(np.full(count, year), type=pa.int64()),
            **table,
        }
    )
    return out, links


def _add_ghosts(
    table: dict[str, pa.Array],
    links: pa.Array,
    count: int,
    registry: Registry,
    doc: Mapping[str, Any],
    rng: np.random.Generator,
) -> tuple[dict[str, pa.Array], pa.Array]:
    """Append rows for persons who do not exist in the registry (made-up names and NIKs)."""
    template = rng.integers(0, len(registry.birth_days), count)
    # half of the ghosts carry a NIK from outside the province (out-of-district entries)
    template_nik = pc.fill_null(registry.nik.take(pa.array(template)), "0000000000000000")
    province = pc.utf8_slice_codeunits(template_nik, 0, 2)
    outside = pc.if_else(pc.equal(province, "63"), pa.scalar("62"), pa.scalar("63"))
    province = pc.if_else(pa.array(rng.random(count) < 0.5), outside, province)
    nik_prefix = pc.binary_join_element_wise(
        province, pc.utf8_slice_codeunits(template_nik, 2, 12), ""
    )
    serial = pa.array([f"{9900 + k:04d}" for k in rng.integers(0, 100, count)], type=pa.string())
    ghost = {
        "nik": pc.binary_join_element_wise(nik_prefix, serial, ""),
        "kk_number": pa.nulls(count, pa.string()),
        "name": names.ghost_names(rng, count),
        "birth_date": pa.nulls(count, pa.string()),
        "address": registry.by_family(registry.address, template),
        "desa_code": registry.by_family(registry.desa_code, template),
        "amount": pa.array(
            np.full(count, float(np.median(table["amount"].to_numpy()))), type=pa.float64()
        ),
    }
    merged = {k: pa.concat_arrays([table[k], ghost[k].cast(table[k].type)]) for k in table}
    return merged, pa.concat_arrays([links, pa.nulls(count, pa.string())])
