"""Use case: the registry poverty profile of a release (``rpkd profile``, RPKD chapter III).

The profile is computed on the workspace's engine from the family summary of the release (most
of the work), which is stored once beside the release (:func:`store_family_summary`) and read
back by every later profile. Criteria and the small-cell threshold come from the workspace's
parameter kit (``profile``). No personal data leave this module: the profile is counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rpkd import engine as eng
from rpkd.errors import InvalidInput, UsageError
from rpkd.measures import characteristics
from rpkd.measures.characteristics import SUMMARY_VERSION, Criteria, family_summary
from rpkd.measures.profile import LEVELS, Level, RegistryProfile, summary_profile
from rpkd.releases.catalog import Release, open_release
from rpkd.workflows.derived import digest, output_folder, stored
from rpkd.workflows.results import records

if TYPE_CHECKING:
    import pyarrow as pa
    from ibis.expr.types import Table

    from rpkd.findings import Finding
    from rpkd.workflows.workspace import Workspace

__all__ = ["LEVELS", "TOPICS", "Level", "ProfileReport", "profile_release", "store_family_summary"]

TOPICS: tuple[str, ...] = ("desil", "characteristics", "vulnerable", "mpi")
"""The topics of the profile, in the order they are shown."""


@dataclass(frozen=True)
class ProfileReport:
    """The registry profile of a release and the workbook written from it (if asked for)."""

    release: str
    profile: RegistryProfile
    workbook: Path | None = None

    @property
    def reference_date(self) -> date:
        return self.profile.reference_date

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.profile.findings

    def topic(self, name: str) -> pa.Table:
        """Return the rows of one topic of :data:`TOPICS`."""
        if name not in TOPICS:
            raise UsageError("choice_invalid", param="topic", flag="topic", value=name,
                             allowed=TOPICS)  # fmt: skip
        table: pa.Table = getattr(self.profile, name)
        return table

    def to_arrow(self) -> pa.Table:
        """Return the long table (level, code, name, indicator, value, denominator, share, ...)."""
        return self.profile.to_arrow()

    def to_json(self) -> list[dict[str, Any]]:
        """Return the long table as records (``rpkd profile --format json``)."""
        return records(self.profile.to_arrow())


def profile_release(
    ws: Workspace,
    name: str,
    *,
    levels: Sequence[str] = LEVELS,
    public: bool = True,
    min_cell: int | None = None,
    reference_date: date | None = None,
    workbook: Path | None = None,
) -> ProfileReport:
    """Return the registry profile of release ``name`` (and write it to ``workbook``, if given).

    Ages and deaths are taken at ``reference_date`` (default: the release's own date). With
    ``public`` small cells are suppressed (threshold ``min_cell``, default from the kit).
    ``workbook`` (an ``.xlsx`` path) receives one sheet per topic, the long table and the
    findings, headed in the workspace's language (:mod:`rpkd.reports.profile_workbook`).

    Examples
    --------
    >>> with Workspace.open("rpkd-workspace") as ws:  # doctest: +SKIP
    ...     report = profile_release(ws, "dtsen-2025q3", levels=("kecamatan",))
    """
    chosen = [_level(level) for level in levels]
    if workbook is not None and workbook.suffix.lower() != ".xlsx":
        raise UsageError("profile_workbook_suffix", param="output", file=workbook.name)
    release = open_release(ws.path, name)
    on = reference_date or release.reference_date
    criteria = characteristics.criteria(ws.kit.document("profile"))
    families = eng.table(ws.engine, release.path_of("families"))
    profile = summary_profile(
        _family_summary(ws, release, on, criteria),
        reference_date=on,
        families=families,
        levels=chosen,
        public=public,
        min_cell=min_cell,
        criteria=criteria,
    )
    written = None
    if workbook is not None:
        from rpkd.reports.profile_workbook import profile_workbook

        written = profile_workbook(workbook, profile, ws.lang)
    return ProfileReport(release.name, profile, written)


def _level(level: str) -> Level:
    for known in LEVELS:
        if known == level:
            return known
    raise UsageError("area_level_unknown", param="level", value=level, allowed=LEVELS)


def store_family_summary(ws: Workspace, name: str) -> Path | None:
    """Store the family summary of release ``name`` at its date, unless it is already stored.

    Run after an import (``rpkd release import``), so that every profile of the release reads
    the summary instead of reducing all persons again. Returns where it is stored, or None
    when no derived folder is writable or the release holds no registry.
    """
    release = open_release(ws.path, name)
    if not {"families", "persons"} <= set(release.kinds):
        return None
    criteria = characteristics.criteria(ws.kit.document("profile"))
    path = summary_path(ws, release, release.reference_date, criteria)
    if path is not None:
        _family_summary(ws, release, release.reference_date, criteria)
    return path


def _family_summary(ws: Workspace, release: Release, on: date, criteria: Criteria) -> Table:
    """Return the family summary of ``release`` at ``on``, storing it first if needed."""
    engine = ws.engine

    def build() -> Table:
        families = eng.table(engine, release.path_of("families"))
        persons = eng.table(engine, release.path_of("persons"))
        return family_summary(families, persons, on, criteria)

    return stored(engine, summary_path(ws, release, on, criteria), build)[0]


def summary_path(ws: Workspace, release: Release, on: date, criteria: Criteria) -> Path | None:
    """Return where the family summary of ``release`` at ``on`` with ``criteria`` is stored.

    ``derived/profile/family-summary-<date>-<engine>-<digest>.parquet``: the digest covers the
    criteria, the summary's version and rpkd's, so a changed definition or program never reuses
    an old summary; each engine keeps its own (a DuckDB file, a Spark folder). None when no
    derived folder is writable: the summary is then computed each time.
    """
    try:
        folder = output_folder(ws, release, "profile")
    except InvalidInput:
        return None
    tag = digest(
        {"criteria": asdict(criteria), "summary": SUMMARY_VERSION, "rpkd": version("rpkd")}
    )
    return folder / f"family-summary-{on.isoformat()}-{ws.engine.name}-{tag}.parquet"
