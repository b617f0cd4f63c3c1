"""A workspace for the Realisasi, Kinerja, Mitra and Notifikasi tests: the Kapuas starter plan
with an RTLH activity of PERKIM (its output indicator targets 100 houses in 2025) and the users
``admin``, ``tkpkd`` (analyst: the secretariat), ``perkim`` (agency operator of PERKIM) and
``baznas`` (partner BAZNAS)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from web_fixture import PASSWORD

from rpkd import params
from rpkd.planning.kit import starter_plan
from rpkd.planning.model import Activity, Budget, Indicator, Plan
from rpkd.planning.store import save_plan
from rpkd.workflows import Workspace, add_user

USERS = {
    "tkpkd": {"role": "analyst"},
    "perkim": {"role": "agency_operator", "agency": "PERKIM"},
    "baznas": {"role": "partner", "partner": "BAZNAS"},
}


def rtlh_plan() -> Plan:
    """The starter plan with activity K0501 (RTLH, PERKIM) and its output indicator O0501."""
    kit = starter_plan(params.plan_kit("kapuas"))
    activity = Activity(
        code="K0501",
        name="Rehabilitasi rumah tidak layak huni",
        agency="PERKIM",
        target_group="keluarga desil 1-2 dengan RTLH",
        regions=("62.03.01",),
        budgets=(Budget(2025, "apbd", 1_500_000_000.0), Budget(2025, "dana_desa", 300_000_000.0)),
    )
    programmes = tuple(
        replace(p, activities=(activity,)) if p.code == "P05" else p for p in kit.programmes
    )
    output = Indicator(
        "O0501", "Rumah direhabilitasi", "output", "unit", "higher", "Dinas Perkim",
        targets=((2025, 100.0), (2026, 120.0)), activity="K0501",
    )  # fmt: skip
    return replace(kit, programmes=programmes, indicators=(*kit.indicators, output), findings=())


def make_workspace(path: Path) -> Path:
    """Create the workspace at ``path`` and return it."""
    with Workspace.open(path) as ws:
        add_user(ws, "admin", PASSWORD, role="admin", full_name="Admin Bapperida")
        with ws.transaction() as db:
            save_plan(db, rtlh_plan())
    with Workspace.open(path, actor="admin") as ws:
        for name, grant in USERS.items():
            add_user(ws, name, PASSWORD, **grant)
    return path
