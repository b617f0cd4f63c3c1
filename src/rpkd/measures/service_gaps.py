"""Basic-service gaps of villages (Podes-style), counted by desa or kecamatan.

A desa *lacks* a service when the village data say it has no puskesmas or pustu, no primary
school (SD), no junior secondary school (SMP) or no market, when its main road is one of the
``unpaved`` surfaces (``tanah``, ``air``), or when fewer than ``pln_below`` of its families use
PLN electricity. A kecamatan's figure is the number of its desa lacking each service. These are
the access gaps an RPKD's Bab III names beside each pocket of poverty.

References
----------
BPS, *Potensi Desa (Podes)* questionnaire: facilities (Blok VI–VIII) and infrastructure.
TNP2K (2018), *Panduan Penyusunan RPKD*, Bab III: kantong kemiskinan and access to basic services.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

GAPS: tuple[str, ...] = (
    "no_puskesmas",
    "no_sd",
    "no_smp",
    "no_market",
    "unpaved_road",
    "low_pln",
)
"""The gap columns of :func:`service_gaps`, in the order they are shown."""

_WIDTH = {"kecamatan": 8, "desa": 13}  # characters of a dotted code: 62.03.01, 62.03.01.2001


def service_gaps(
    villages: pa.Table, *, level: str, unpaved: Sequence[str], pln_below: float
) -> pa.Table:
    """Return, per ``level`` area of ``villages``, ``desa`` (villages counted) and the number
    of desa lacking each service of :data:`GAPS` (0 or 1 at desa level).

    Examples
    --------
    >>> villages = pa.table({"desa_code": ["62.03.01.2001", "62.03.01.2002"],
    ...     "has_puskesmas": [True, False], "has_sd": [True, True], "has_smp": [False, False],
    ...     "has_market": [True, False], "main_road": ["aspal_beton", "tanah"],
    ...     "share_pln": [1.0, 0.5]})
    >>> row = service_gaps(villages, level="kecamatan", unpaved=["tanah"], pln_below=0.9)
    >>> row.to_pylist()[0]["no_smp"], row.to_pylist()[0]["unpaved_road"]
    (2, 1)
    """
    codes = pc.utf8_slice_codeunits(villages["desa_code"], 0, _WIDTH[level])
    lacking = {
        "no_puskesmas": pc.invert(villages["has_puskesmas"]),
        "no_sd": pc.invert(villages["has_sd"]),
        "no_smp": pc.invert(villages["has_smp"]),
        "no_market": pc.invert(villages["has_market"]),
        "unpaved_road": pc.is_in(villages["main_road"], value_set=pa.array(list(unpaved))),
        "low_pln": pc.less(villages["share_pln"], pln_below),
    }
    table = pa.table(
        {
            "area": codes,
            "desa": pa.array(np.ones(villages.num_rows, dtype=np.int64)),
            **{k: pc.cast(pc.fill_null(v, False), pa.int64()) for k, v in lacking.items()},
        }
    )
    summed = table.group_by("area").aggregate([(c, "sum") for c in ("desa", *GAPS)])
    summed = summed.rename_columns([c.removesuffix("_sum") for c in summed.column_names]).select(
        ["area", "desa", *GAPS]
    )
    return summed.sort_by("area")
