"""Use case: the registry poverty profile of a release (``rpkd profile``, RPKD chapter III)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from rpkd import engine as eng
from rpkd.errors import InvalidInput
from rpkd.measures.characteristics import load_criteria
from rpkd.measures.profile import LEVELS, Level, RegistryProfile, registry_profile
from rpkd.releases.catalog import Release, open_release
from rpkd.settings import Settings


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
    come from the parameter kit, where a workspace's ``params/profile.toml`` wins.
    """
    release = open_release(settings.workspace, name)
    families, persons = release.path_of("families"), release.path_of("persons")
    engine = eng.connect(settings)
    try:
        return registry_profile(
            eng.table(engine, families),
            eng.table(engine, persons),
            reference_date=reference_date or release_date(release),
            levels=levels,
            public=public,
            min_cell=min_cell,
            criteria=load_criteria(settings.workspace),
        )
    finally:
        eng.close(engine)
