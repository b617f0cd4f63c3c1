"""A sample RPKD plan and workspaces acting as given users (database fixtures: tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from rpkd import params
from rpkd.access.roles import Grant
from rpkd.planning.kit import starter_plan
from rpkd.planning.model import Activity, Budget, Commitment, Indicator, Plan
from rpkd.settings import Settings
from rpkd.workflows.workspace import Actor, Workspace

OpenWorkspace = Callable[..., Workspace]


def kapuas() -> Plan:
    """The Kapuas starter plan of the packaged kit."""
    return starter_plan(params.plan_kit("kapuas"))


def sample_plan() -> Plan:
    """The Kapuas starter plan with one RTLH activity, its output indicator and a commitment."""
    kit = kapuas()
    activity = Activity(
        code="K0501",
        name="Rehabilitasi rumah tidak layak huni",
        agency="PERKIM",
        target_group="keluarga desil 1-2 dengan RTLH",
        regions=("62.03.01", "62.03.01.1006"),
        partners=("BAZNAS",),
        budgets=(
            Budget(2025, "apbd", 1_500_000_000.0),
            Budget(2025, "baznas", 200_000_000.0),
            Budget(2026, "apbd", 1_700_000_000.0),
        ),
    )
    by_name = Activity(
        code="K0101",
        name="Pendampingan keluarga miskin ekstrem",
        agency="DINSOS",
        target_group="keluarga miskin ekstrem",
        release="dtsen-2025q3",
        release_filter="desil = 1",
        budgets=(Budget(2025, "apbd", 400_000_000.0),),
    )
    programmes = tuple(
        replace(p, activities=(activity,))
        if p.code == "P05"
        else replace(p, activities=(by_name,))
        if p.code == "P01"
        else p
        for p in kit.programmes
    )
    output = Indicator(
        "O0501",
        "Rumah direhabilitasi",
        "output",
        "unit",
        "higher",
        "Dinas Perkim",
        targets=((2025, 100.0), (2026, 120.0)),
        activity="K0501",
    )
    return replace(
        kit,
        programmes=programmes,
        indicators=(*kit.indicators, output),
        commitments=(Commitment("BAZNAS", 2025, "Bedah rumah 10 unit", "K0501", 200_000_000.0),),
        findings=(),
    )


@pytest.fixture
def plan() -> Plan:
    return sample_plan()


def open_as(path: Path, database_url: str, user: str | None = None,
            grants: tuple[Grant, ...] = ()) -> Workspace:  # fmt: skip
    """Return a workspace on ``database_url`` acting as ``user`` with ``grants`` (as the local
    admin of a workspace without users when ``user`` is None)."""
    ws = Workspace(Settings(workspace=path, database_url=database_url))
    if user is not None:
        ws.__dict__["actor"] = Actor(user, grants)  # the user's grants, without a users table
    return ws


@pytest.fixture
def workspace_as() -> Callable[..., Workspace]:
    """:func:`open_as` (for tests that open workspaces on several databases)."""
    return open_as


@pytest.fixture
def open_workspace(tmp_path: Path, database_url: str) -> Iterator[OpenWorkspace]:
    """Open workspaces on one database (SQLite and PostgreSQL) as any user; closed afterwards."""
    opened: list[Workspace] = []

    def make(user: str | None = None, grants: tuple[Grant, ...] = ()) -> Workspace:
        ws = open_as(tmp_path / "ws", database_url, user, grants)
        opened.append(ws)
        return ws

    yield make
    for ws in opened:
        ws.close()
