"""Realisations: versions, review, permissions, and the same performance table on every database."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from sqlalchemy import Engine

from rpkd.access.roles import Forbidden, Grant
from rpkd.errors import InvalidInput
from rpkd.planning import monitoring, realisations
from rpkd.planning.model import Plan
from rpkd.planning.performance import Estimate, band_scheme
from rpkd.planning.store import load_plan, save_plan
from rpkd.store import connect, session, upgrade

ADMIN = (Grant("admin"),)
ANALYST = (Grant("analyst"),)
PERKIM = (Grant("agency_operator", agency="PERKIM"),)
DINSOS = (Grant("agency_operator", agency="DINSOS"),)


def _scenario(engine: Engine, plan: Plan) -> pa.Table:
    """Submit, correct, verify and reject; return the 2025 Q2 performance table."""
    with session(engine) as db:
        save_plan(db, plan)
        first = realisations.submit(
            db,
            "activity",
            "K0501",
            2025,
            1,
            user="sari",
            grants=PERKIM,
            value=20.0,
            budget_spent=3.0e8,
            beneficiaries=20,
            evidence="BAST",
        )
        q2 = realisations.submit(
            db,
            "activity",
            "K0501",
            2025,
            2,
            user="sari",
            grants=PERKIM,
            value=55.0,
            budget_spent=9.0e8,
            beneficiaries=55,
        )
        fix = realisations.submit(
            db,
            "activity",
            "K0501",
            2025,
            2,
            user="sari",
            grants=PERKIM,
            value=60.0,
            budget_spent=1.02e9,
            beneficiaries=60,
        )
        output = realisations.submit(
            db, "indicator", "O0501", 2025, 2, user="sari", grants=PERKIM, value=60.0
        )
        p0 = realisations.submit(
            db,
            "indicator",
            "P0",
            2025,
            2,
            user="tkpkd",
            grants=ANALYST,
            estimate=Estimate(5.1, 0.3, 4.5, 5.7),
        )
        for item in (first, fix, output):
            realisations.review(db, item.id, "verified", user="tkpkd", grants=ANALYST)
        realisations.review(
            db, q2.id, "rejected", user="tkpkd", grants=ANALYST, reason="BAST belum lengkap"
        )
        realisations.review(db, p0.id, "verified", user="kepala", grants=ADMIN)
    with session(engine) as db:
        stored = load_plan(db)
        items = realisations.history(db)
    return monitoring.monitor(stored, items, 2025, 2, band_scheme()).to_arrow()


def test_versions_review_and_current_value(database: Engine, plan: Plan) -> None:
    table = _scenario(database, plan)
    with session(database) as db:
        history = realisations.history(db)
    versions = [(r.subject_code, r.quarter, r.version, r.status) for r in history]
    assert versions == [
        ("K0501", 1, 1, "verified"),
        ("K0501", 2, 1, "rejected"),
        ("K0501", 2, 2, "verified"),
        ("O0501", 2, 1, "verified"),
        ("P0", 2, 1, "verified"),
    ]
    assert history[1].reason == "BAST belum lengkap" and history[1].value == 55.0
    rows = {r["code"]: r for r in table.to_pylist()}
    # K0501: latest verified Q2 version spent 1.02e9 of 1.7e9 budgeted for 2025 -> 60%
    assert rows["K0501"]["realisation"] == 1.02e9
    assert rows["K0501"]["achievement"] == pytest.approx(60.0)
    assert (rows["K0501"]["band"], rows["K0501"]["lagging"]) == ("Rendah", True)
    assert rows["O0501"]["achievement"] == pytest.approx(60.0)  # 60 / 100
    assert rows["P0"]["achievement"] == pytest.approx(98.0)  # (2*5 - 5.1) / 5
    assert rows["P0"]["achievement_low"] == pytest.approx(86.0)
    assert rows["K0101"]["realisation"] is None


def test_rules_of_review(database: Engine, plan: Plan) -> None:
    with session(database) as db:
        save_plan(db, plan)
        item = realisations.submit(
            db, "indicator", "O0501", 2025, 1, user="sari", grants=PERKIM, value=10.0
        )
        with pytest.raises(Forbidden):  # operators do not verify
            realisations.review(db, item.id, "verified", user="sari", grants=PERKIM)
        with pytest.raises(Forbidden):  # four eyes
            realisations.review(db, item.id, "verified", user="sari", grants=ANALYST)
        with pytest.raises(InvalidInput):
            realisations.review(db, item.id, "rejected", user="tkpkd", grants=ANALYST, reason=" ")
        realisations.review(db, item.id, "verified", user="tkpkd", grants=ANALYST)
        with pytest.raises(InvalidInput):
            realisations.review(db, item.id, "rejected", user="tkpkd", grants=ANALYST, reason="x")


def test_rules_of_submission(database: Engine, plan: Plan) -> None:
    with session(database) as db:
        save_plan(db, plan)
        with pytest.raises(Forbidden):  # another OPD's activity
            realisations.submit(
                db, "activity", "K0501", 2025, 1, user="d", grants=DINSOS, value=1.0
            )
        with pytest.raises(Forbidden):  # outcome indicators belong to the secretariat
            realisations.submit(db, "indicator", "P0", 2025, 1, user="d", grants=PERKIM, value=5.0)
        area = (Grant("area_operator", region="62.03.01"),)
        realisations.submit(db, "activity", "K0501", 2025, 1, user="camat", grants=area, value=1.0)
        baznas = (Grant("partner", partner="BAZNAS"),)
        realisations.submit(
            db, "activity", "K0501", 2025, 1, user="baznas", grants=baznas, value=1.0
        )
        with pytest.raises(InvalidInput):
            realisations.submit(
                db, "activity", "K0501", 2031, 1, user="local", grants=ADMIN, value=1.0
            )
        with pytest.raises(InvalidInput):
            realisations.submit(db, "indicator", "P0", 2025, 1, user="local", grants=ADMIN)


@pytest.mark.postgres
def test_sqlite_and_postgresql_give_identical_performance_tables(
    tmp_path: Path, postgres_url: str, plan: Plan
) -> None:
    tables = []
    for url in (f"sqlite:///{tmp_path / 'rpkd.db'}", postgres_url):
        engine = connect(url)
        upgrade(engine)
        tables.append(_scenario(engine, plan))
        engine.dispose()
    assert tables[0].equals(tables[1])
