"""A small synthetic Kapuas workspace for the Beranda and Profil tests: one release, the plan
with two verified years of extreme poverty (so the path to zero projects), and one user of
each role (imported by the tests; building it takes some seconds, so tests share it per module).
"""

from __future__ import annotations

from pathlib import Path

from web_fixture import PASSWORD

from rpkd.synth import synthesize
from rpkd.workflows import Workspace, add_user
from rpkd.workflows.plan import init_plan
from rpkd.workflows.realisations import add_realisation, verify_realisation
from rpkd.workflows.releases import import_release

RELEASE = "r1"
KECAMATAN = "62.03.01"
OTHER_KECAMATAN = "62.03.02"
USERS: dict[str, dict[str, str]] = {
    "admin": {"role": "admin"},
    "analis": {"role": "analyst", "region": "62.03"},
    "pemirsa": {"role": "viewer", "region": "62.03"},
    "camat": {"role": "area_operator", "region": KECAMATAN},
    "dinsos": {"role": "agency_operator", "agency": "DINSOS"},
    "mitra": {"role": "partner", "partner": "BAZNAS"},
    "luar": {"role": "viewer", "region": "62.11"},
}
"""One user per role (and a viewer of another district), all with :data:`PASSWORD`."""


def make_district(root: Path) -> Path:
    """Build the workspace under ``root`` and return its path."""
    path = root / "ws"
    with Workspace.open(path) as ws:
        # 2,400 families: with 1,200 the desa-level FH map has too few sampled desa with a
        # positive direct variance for its GVF once the synthetic desa effects follow the
        # village characteristics (rpkd.synth.places: the large, urban desa are better off)
        synthesize("62.03", root / "synth", kit=ws.kit, families=2400, seed=9)
        import_release(ws, root / "synth", RELEASE, reference_date="2025-03-01")
        init_plan(ws)
        for year, value, se in ((2025, 1.2, 0.3), (2026, 0.9, 0.25)):
            added = add_realisation(ws, "indicator", "KE", year, 4, value=value, se=se)
            verify_realisation(ws, added.items[0].id)
        add_user(ws, "admin", PASSWORD, role="admin")
    with Workspace.open(path, actor="admin") as ws:
        for name, grant in USERS.items():
            if name != "admin":
                add_user(ws, name, PASSWORD, **grant)
    return path
