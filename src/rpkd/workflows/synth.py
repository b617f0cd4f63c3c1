"""Use case: write a synthetic district, as an agency would receive it, with its truth.

The calibration and the poverty lines come from the workspace's parameter kit (so a workspace
that overrides ``synth.toml`` or ``poverty_lines.toml`` gets districts calibrated to its own
figures). The data are synthetic: no personal data, so neither permission nor audit applies.

Examples
--------
>>> from pathlib import Path
>>> from tempfile import TemporaryDirectory
>>> from rpkd.workflows.workspace import Workspace
>>> with TemporaryDirectory() as tmp, Workspace.open(Path(tmp) / "ws") as ws:
...     result = synthesize_district(ws, "62.03.01", Path(tmp) / "d", families=300, seed=1)
...     (result.region_name, result.families)
('Selat', 300)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Final

from rpkd.errors import UsageError
from rpkd.synth import Progress, SynthResult, synthesize
from rpkd.synth.writer import FileFormat

if TYPE_CHECKING:
    from rpkd.workflows.workspace import Workspace

__all__ = ["FORMATS", "Progress", "SynthResult", "synthesize_district"]

FORMATS: Final[tuple[FileFormat, ...]] = ("csv", "parquet")
"""File formats the district can be written in."""


def synthesize_district(
    ws: Workspace,
    region: str,
    out: Path | str,
    *,
    families: int | None = None,
    seed: int = 1,
    fmt: str = "csv",
    progress: Progress | None = None,
) -> SynthResult:
    """Write a synthetic district for ``region`` into ``out``; return what was written.

    Parameters
    ----------
    ws
        The workspace whose parameter kit calibrates the district.
    region
        A Kemendagri code (kecamatan, kabupaten/kota, provinsi) or ``00``/``ID`` for the nation.
    out
        The folder to write (created if needed).
    families
        The number of families (default: the region's own figure, see
        :func:`rpkd.synth.calibration.targets`).
    seed
        The same seed writes the same files.
    fmt
        ``csv`` or ``parquet``.
    progress
        Called as ``progress(stage, done, total)`` for the stages calibrate, rank, write.
    """
    chosen = fmt.strip().lower()
    if chosen not in FORMATS:
        raise UsageError("synth_format_unknown", param="format", value=fmt, allowed=FORMATS)
    if families is not None and families < 1:
        raise UsageError("synth_families_min", param="families", value=families)
    return synthesize(
        region,
        Path(out),
        kit=ws.kit,
        families=families,
        seed=seed,
        fmt=chosen,
        progress=progress,
    )
