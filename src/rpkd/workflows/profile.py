"""Use case: the registry poverty profile of a release (``rpkd profile``, RPKD chapter III)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import date, datetime
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

from rpkd import engine as eng
from rpkd.errors import InvalidInput
from rpkd.measures.characteristics import (
    SUMMARY_VERSION,
    Criteria,
    family_summary,
    load_criteria,
)
from rpkd.measures.profile import LEVELS, Level, RegistryProfile, summary_profile
from rpkd.releases.catalog import Release, open_release
from rpkd.settings import Settings
from rpkd.workflows.derived import digest, output_folder, stored

if TYPE_CHECKING:
    from ibis.expr.types import Table


def release_date(release: Release) -> date:
    """Return the release's reference date: ``reference_date`` in its manifest, else its creation.

    Ages and deaths are counted at this date, so a profile of a release never changes with the
    day it is run.
    """
    manifest = release.manifest
    text = manifest.get("reference_date") or manifest.get("created_at")
    if not text:
        raise InvalidInput(
            "manifest_date", f"manifest rilis {release.name} tidak memuat tanggal", param="release"
        )
    return datetime.fromisoformat(str(text).replace("Z", "+00:00")).date()


def profile_release(
    settings: Settings,
    name: str,
    *,
    levels: Sequence[Level] = LEVELS,
    public: bool = True,
    min_cell: int | None = None,
    reference_date: date | None = None,
) -> RegistryProfile:
    """Open release ``name`` of the workspace and return its registry profile.

    The engine (DuckDB or Spark) comes from ``settings``; criteria and the small-cell threshold
    come from the parameter kit, where a workspace's ``params/profile.toml`` wins. The family
    summary, most of the work, is read from the release's ``derived/profile/`` when stored
    there (:func:`store_family_summary`), and stored the first time otherwise.
    """
    release = open_release(settings.workspace, name)
    on = reference_date or release_date(release)
    criteria = load_criteria(settings.workspace)
    engine = eng.connect(settings)
    try:
        families = eng.table(engine, release.path_of("families"))
        path = summary_path(settings, release, engine.name, on, criteria)
        return summary_profile(
            _family_summary(engine, release, path, on, criteria),
            reference_date=on,
            families=families,
            levels=levels,
            public=public,
            min_cell=min_cell,
            criteria=criteria,
        )
    finally:
        eng.close(engine)


def store_family_summary(settings: Settings, name: str) -> Path | None:
    """Store the family summary of release ``name`` at its date, unless it is already stored.

    Run after an import (``rpkd release import``), so that every profile of the release reads
    the summary instead of reducing all persons again. Returns where it is stored, or None
    when no derived folder is writable or the release holds no registry.
    """
    release = open_release(settings.workspace, name)
    if not {"families", "persons"} <= set(release.manifest.get("kinds", ())):
        return None
    on, criteria = release_date(release), load_criteria(settings.workspace)
    engine = eng.connect(settings)
    try:
        path = summary_path(settings, release, engine.name, on, criteria)
        _family_summary(engine, release, path, on, criteria)
        return path
    finally:
        eng.close(engine)


def _family_summary(
    engine: eng.Engine, release: Release, path: Path | None, on: date, criteria: Criteria
) -> Table:
    """Return the family summary of ``release`` stored at ``path``, storing it first if needed."""

    def build() -> Table:
        families = eng.table(engine, release.path_of("families"))
        persons = eng.table(engine, release.path_of("persons"))
        return family_summary(families, persons, on, criteria)

    return stored(engine, path, build)[0]


def summary_path(
    settings: Settings, release: Release, engine: str, on: date, criteria: Criteria
) -> Path | None:
    """Return where the family summary of ``release`` at ``on`` with ``criteria`` is stored.

    ``derived/profile/family-summary-<date>-<engine>-<digest>.parquet``: the digest covers the
    criteria, the summary's version and rpkd's, so a changed definition or program never reuses
    an old summary; each engine keeps its own (a DuckDB file, a Spark folder). None when no
    derived folder is writable: the summary is then computed each time.
    """
    try:
        folder = output_folder(settings, release.path, release.name, "profile")
    except InvalidInput:
        return None
    tag = digest(
        {"criteria": asdict(criteria), "summary": SUMMARY_VERSION, "rpkd": version("rpkd")}
    )
    return folder / f"family-summary-{on.isoformat()}-{engine}-{tag}.parquet"
