"""Priority areas as an officer reads them: the kantong-kemiskinan table of RPKD Bab III.

From the rows of a priority-areas result (``PriorityAreas.to_arrow()``: fractions and counts)
this writes P0 and its 95% interval in percent, the estimated poor as a whole number, the
probabilities of being among the k poorest in percent, the rank interval, the class
(``Prioritas 1``), families in desil 1–2 and the basic-service gaps as words (a kecamatan: how
many of its desa lack each service). Headers are catalogue label keys (``priority.*``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from rpkd import locale
from rpkd.locale import Lang
from rpkd.measures.service_gaps import GAPS


def priority_label(priority: int | None, lang: Lang) -> str:
    """Return ``Prioritas 1`` (English ``Priority 1``), or the label of no class."""
    if priority is None:
        return locale.label("priority.none", lang)
    return f"{locale.label('priority.class', lang)} {priority}"


def gaps_text(row: Mapping[str, Any], lang: Lang) -> str:
    """Return the services a desa lacks (``puskesmas, SMP``), or for a kecamatan how many of
    its desa lack each (``puskesmas 24/38``); ``–`` without village data."""
    if row.get("desa") is None:
        return "–"
    whole = int(row["desa"])
    parts = []
    for column in GAPS:
        count = row.get(column) or 0
        if count:
            name = locale.label(f"priority.gap.{column}", lang)
            parts.append(name if whole == 1 else f"{name} {count}/{whole}")
    return ", ".join(parts) or locale.label("priority.gap.none", lang)


def priority_view(table: pa.Table, lang: Lang) -> pa.Table:
    """Return the kantong-kemiskinan table (text cells, ``priority.*`` headers) of ``table``."""
    rows = table.to_pylist()
    desa = any(r.get("parent") is not None for r in rows)

    def pct(value: float | None, digits: int = 1) -> str:
        return "–" if value is None else locale.percent(value, lang, digits)

    columns: dict[str, list[str]] = {
        "priority.class_column": [priority_label(r["priority"], lang) for r in rows],
        "sae.area": [r["code"] for r in rows],
        "sae.name": [r["name"] for r in rows],
    }
    if desa:
        columns["priority.kecamatan"] = [r["parent"] or "–" for r in rows]
    columns |= {
        "priority.estimate": [
            f"{pct(r['estimate'])} ({pct(r['ci_low'])}–{pct(r['ci_high'])})" for r in rows
        ],
        "priority.poor": [
            "–" if r["poor"] is None else locale.number(round(r["poor"]), lang, 0) for r in rows
        ],
        "priority.probability_rate": [pct(r["probability_rate"], 0) for r in rows],
        "priority.probability_count": [pct(r["probability_count"], 0) for r in rows],
        "priority.rank": [
            f"{locale.number(r['rank_median'], lang, 0)} "
            f"({locale.number(r['rank_low'], lang, 0)}–{locale.number(r['rank_high'], lang, 0)})"
            for r in rows
        ],
        "priority.families_desil_12": [
            "–" if r["families_desil_12"] is None else locale.number(r["families_desil_12"], lang)
            for r in rows
        ],
        "priority.gaps": [gaps_text(r, lang) for r in rows],
    }
    return pa.table({k: pa.array(v, pa.string()) for k, v in columns.items()})


def priority_title(level: str, k: int, method: str, lang: Lang) -> str:
    """Return the table's title: the level, k and the method."""
    return locale.message(
        "priority_title",
        lang,
        level=locale.label(f"priority.level.{level}", lang),
        k=k,
        method=locale.label(f"sae.method.{method}", lang),
    )
