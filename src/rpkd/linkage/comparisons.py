"""The Fellegi-Sunter model's comparisons and blocking rules for lists against the registry.

Each comparison orders its agreement levels from strongest to weakest; Splink puts a pair in
the first level whose condition holds and EM learns how much each level says. Blocking keys are
built in the engine on both sides (see :func:`rpkd.linkage.model._capped_keys`) so that a key
shared by too many registry persons can be dropped before Splink forms pairs.

Every level uses only functions that DuckDB and Spark SQL both have built in and compute alike
(equality, ``levenshtein``, ``length``, array intersection), so the model links the same pairs
on either engine and Spark needs no extra jar. Names are compared by edit-distance similarity,
not Jaro-Winkler: on Spark, Jaro-Winkler exists only as a Scala UDF from the jar shipped with
Splink, and that implementation gives other values than DuckDB's ``jaro_winkler_similarity``
(on 38% of the name pairs tried, enough to move pairs across a threshold; docs/engines.md).

References
----------
Splink 5 comparison and blocking libraries (``splink.comparison_library``,
``splink.comparison_level_library``, ``splink.block_on``). Edit-distance similarity
``1 - d / max(len)``: Christen, P. (2012), *Data Matching*, Springer, §5.2; Levenshtein, V. I.
(1966), Binary codes capable of correcting deletions, insertions and reversals, *Soviet Physics
Doklady* 10(8), 707-710.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ibis.expr.types import StringValue, Table


def _key(*parts: StringValue) -> StringValue:
    """Join key parts with ``|``; null when any part is null."""
    out = parts[0]
    for part in parts[1:]:
        out = out.concat("|", part)
    return out


# Blocking keys: a pair is scored when it agrees on at least one of them (or on NIK or KK).
BLOCKING_KEYS: dict[str, Callable[[Table], StringValue]] = {
    # phonetic name and birth year: reaches people who moved desa
    "bk_name_year": lambda t: _key(t.name_key, t.birth_year.cast("string")),
    # phonetic name within the kecamatan: reaches wrong or unknown birth years
    "bk_name_kec": lambda t: _key(t.name_key, t.kecamatan),
    # desa and birth year: reaches badly misspelt names
    "bk_desa_year": lambda t: _key(t.desa, t.birth_year.cast("string")),
    # desa and phonetic first name: reaches wrong birth years and misspelt second names
    "bk_desa_first": lambda t: _key(t.desa, t.first_key),
    # kecamatan and full birth date: reaches misspelt names in a neighbouring desa
    "bk_kec_date": lambda t: _key(t.kecamatan, t.birth_date),
}


def blocking_rules() -> list[Any]:
    """Return the OR-ed blocking rules that generate the pairs to score."""
    from splink import block_on

    return [block_on("nik"), block_on("kk"), *(block_on(name) for name in BLOCKING_KEYS)]


def training_rules() -> list[Any]:
    """Return the EM blocking rules: together they leave every comparison free once."""
    from splink import block_on

    # 1) fixes desa and birth date, trains name, sex, KK, NIK;
    # 2) fixes name (its phonetic key), trains birth date, sex, desa, KK, NIK.
    return [block_on("desa", "birth_year"), block_on("name_key")]


def edit_similarity_level(column: str, similarity: float) -> Any:
    """Return a level: ``1 - levenshtein / longer length`` of ``column`` is at least ``similarity``.

    The condition is written in whole numbers (``100 * d <= (100 - percent) * longest``), so
    DuckDB and Spark decide every pair alike, with no rounding of a division.
    """
    import splink.comparison_level_library as cll

    percent = round(similarity * 100)
    left, right = f"{column}_l", f"{column}_r"
    condition = (
        f"levenshtein({left}, {right}) * 100 <= "
        f"{100 - percent} * greatest(length({left}), length({right}))"
    )
    return cll.CustomLevel(
        condition, f"{column} edit similarity >= {similarity}", base_dialect_str="duckdb"
    )


def _name() -> Any:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    return cl.CustomComparison(
        output_column_name="name",
        comparison_levels=[
            cll.NullLevel("name_std"),
            cll.ExactMatchLevel("name_std", term_frequency_adjustments=True),
            cll.ExactMatchLevel("name_sorted").configure(label_for_charts="same tokens"),
            cll.ExactMatchLevel("name_key").configure(label_for_charts="same phonetic key"),
            # about one typo in ten letters, then in the phonetic key
            edit_similarity_level("name_std", 0.90),
            edit_similarity_level("name_key", 0.85),
            cll.ArrayIntersectLevel("name_tokens", 2),
            cll.ArraySubsetLevel("name_tokens"),
            edit_similarity_level("name_key", 0.70),
            cll.ElseLevel(),
        ],
    )


def _birth_date() -> Any:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    return cl.CustomComparison(
        output_column_name="birth",
        comparison_levels=[
            cll.CustomLevel(
                "birth_year_l IS NULL OR birth_year_r IS NULL", "birth date unknown"
            ).configure(is_null_level=True),
            cll.CustomLevel("birth_date_l = birth_date_r", "same date"),
            cll.CustomLevel(
                "(year_only_l OR year_only_r) AND birth_year_l = birth_year_r",
                "same year, one date a placeholder",
            ),
            cll.CustomLevel("birth_ym_l = birth_ym_r", "same year and month"),
            cll.LevenshteinLevel("birth_date", 1).configure(label_for_charts="one digit apart"),
            cll.CustomLevel("birth_year_l = birth_year_r", "same year"),
            cll.CustomLevel("abs(birth_year_l - birth_year_r) <= 1", "year one apart"),
            cll.ElseLevel(),
        ],
    )


def _desa() -> Any:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    return cl.CustomComparison(
        output_column_name="area",
        comparison_levels=[
            cll.NullLevel("desa"),
            cll.ExactMatchLevel("desa"),
            cll.ExactMatchLevel("kecamatan").configure(label_for_charts="same kecamatan"),
            cll.ElseLevel(),
        ],
    )


def _nik() -> Any:
    import splink.comparison_library as cl

    return cl.LevenshteinAtThresholds("nik", [1, 2])


def comparisons() -> list[Any]:
    """Return the model's comparisons: name, birth date, sex, area, KK number, NIK digits."""
    import splink.comparison_library as cl

    return [
        _name(),
        _birth_date(),
        cl.ExactMatch("sex"),
        _desa(),
        cl.ExactMatch("kk"),
        _nik(),
    ]
