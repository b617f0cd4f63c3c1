"""The audit log: filters, no personal data, and append-only enforced by the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from rpkd.access import audit
from rpkd.errors import InvalidInput
from rpkd.store import session, utcnow


def test_entries_are_filtered_by_user_action_and_time(database: Engine) -> None:
    with session(database) as db:
        audit.record(
            db,
            "ani",
            "release.view",
            release="dtsen-2025q3",
            records=120,
            parameters={"kecamatan": "62.03.01", "columns": ["desil"]},
        )
        audit.record(db, "budi", "realisation.submit", records=1, parameters={"id": 3})
        audit.record(db, "ani", "realisation.verify", records=1, parameters={"id": 3})
    with session(database) as db:
        everything = audit.entries(db)
        by_ani = audit.entries(db, username="ani")
        realisations = audit.entries(db, action="realisation.")
        future = audit.entries(db, since=utcnow() + timedelta(days=1))
    assert [e.action for e in everything] == [
        "release.view",
        "realisation.submit",
        "realisation.verify",
    ]
    assert [e.action for e in by_ani] == ["release.view", "realisation.verify"]
    assert [e.username for e in realisations] == ["budi", "ani"]
    assert future == ()
    first = everything[0]
    assert (first.release, first.records) == ("dtsen-2025q3", 120)
    assert first.parameters == {"kecamatan": "62.03.01", "columns": ["desil"]}
    assert first.at.tzinfo is not None


def test_personal_data_is_refused(database: Engine) -> None:
    with session(database) as db:
        with pytest.raises(InvalidInput):
            audit.record(db, "ani", "release.view", parameters={"nik": "x"})
        with pytest.raises(InvalidInput):
            audit.record(db, "ani", "release.search", parameters={"query": "6203015507900001"})


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"]
)
def test_database_refuses_update_and_delete(database: Engine, statement: str) -> None:
    with session(database) as db:
        audit.record(db, "ani", "plan.export", records=1)
    with pytest.raises(DBAPIError, match="append-only"), database.begin() as connection:
        connection.execute(text(statement))
    with session(database) as db:
        assert len(audit.entries(db)) == 1
