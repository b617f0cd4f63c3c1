"""The integer family key of a release: the desa number shifted left, plus a rank within the desa.

``family_key = desa_number * 2**DESA_SHIFT + rank``, where ``desa_number`` is the desa's
Kemendagri code as a number (``62.03.01.2001`` -> 6203012001) and ``rank`` (1, 2, ...) orders the
desa's family ids as strings (byte order, the same on DuckDB and Spark). The import writes it
to every family and, through the family id, to every person (:mod:`rpkd.releases.importer`).

Why this scheme:

- **An integer groups faster than a string.** Reducing ~289M persons to 95M families is most of
  a national profile; DuckDB hashes and compares an ``int64`` in about half the time of the 12-
  to 17-character ``family_id`` (benchmarks/RESULTS.md, profile), and Spark shuffles 8 bytes.
- **Deterministic.** The key depends only on the desa code and the family ids of that desa, so
  importing the same files again gives the same keys and, with the rows written in key order,
  the same Parquet files and digests (``manifest.json`` ``outputs``).
- **Local.** A family added to or removed from one desa changes only the ranks of that desa.
- **Hierarchical.** Kemendagri numbers nest provinsi, kabupaten/kota, kecamatan and desa, so key
  order is region order: a desa, a kecamatan or a district is one key range. Written in key
  order, a Spark release is range-partitioned (each part file holds whole desa) and Parquet's
  min/max statistics let a reader skip the rest; ``family_key >> DESA_SHIFT`` is the desa.
- **Room.** The largest desa number is below 10**10 (< 2**33.3) and int64 holds 2**63, so
  :data:`DESA_SHIFT` = 29 leaves 536,870,912 families per desa (the largest has tens of
  thousands). A family whose desa code is not a number (a release imported before codes were
  checked) ranks within desa number 0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis

if TYPE_CHECKING:
    from ibis.expr.types import IntegerValue, StringValue, Table

DESA_SHIFT = 29
"""Bits below the desa number: at most 2**29 - 1 families per desa."""
COLUMN = "family_key"


def desa_number(code: StringValue) -> IntegerValue:
    """Return a desa code as a number (``62.03.01.2001`` -> 6203012001), null if it is not one.

    Both engines' casts ignore surrounding white space, so the code is not trimmed first.
    """
    number: IntegerValue = code.replace(".", "").try_cast("int64")
    return number


def keyed_families(families: Table) -> Table:
    """Return ``families`` (columns ``family_id``, ``desa_code``) with :data:`COLUMN` added.

    The key is ``desa_number * 2**DESA_SHIFT + rank``, rank by ``family_id`` within the desa;
    families with the same id (possible only across two families files) get distinct keys.
    """
    desa = desa_number(families.desa_code).fill_null(0)
    rank = ibis.row_number().over(group_by=desa, order_by=families.family_id) + 1
    key = desa * (1 << DESA_SHIFT) + rank.cast("int64")
    return families.mutate(**{COLUMN: key}).relocate(COLUMN, after="family_id")


def keyed_persons(persons: Table, families: Table) -> Table:
    """Return ``persons`` with the key of their family (null where no family row has the id).

    ``families`` is a :func:`keyed_families` table; a family id that two families rows share
    gives its persons the smaller key, so no person row is repeated.
    """
    keys = families.group_by("family_id").aggregate(**{COLUMN: families[COLUMN].min()})
    joined = persons.left_join(keys, persons.family_id == keys.family_id)
    return joined.select(*persons.columns, joined[COLUMN]).relocate(COLUMN, after="family_id")


def has_key(*tables: Table) -> bool:
    """Return whether every table carries :data:`COLUMN` (releases imported before it do not)."""
    return all(COLUMN in t.columns for t in tables)
