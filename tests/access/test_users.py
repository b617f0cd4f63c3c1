"""Users, grants and Argon2 passwords in the application database."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from rpkd.access.roles import Grant
from rpkd.access.users import LOCAL_USER, UserRow, acting, add_user, authenticate, list_users
from rpkd.errors import InvalidInput, NotFound, UsageError
from rpkd.store import session

PASSWORD = "kapuas-bersinar-2025"


def test_first_user_must_be_admin_then_others_follow(database: Engine) -> None:
    with session(database) as db:
        with pytest.raises(InvalidInput) as caught:
            add_user(db, "ani", PASSWORD, (Grant("analyst"),))
        assert caught.value.code == "first_user_admin"
        add_user(db, "admin", PASSWORD, (Grant("admin"),))
        add_user(db, "ani", PASSWORD, (Grant("agency_operator", agency="DINSOS"),), full_name="Ani")
        names = [u.username for u in list_users(db)]
    assert names == ["admin", "ani"]


def test_password_is_stored_as_argon2_hash_and_checked(database: Engine) -> None:
    with session(database) as db:
        add_user(db, "admin", PASSWORD, (Grant("admin"),))
    with session(database) as db:
        stored = db.scalar(select(UserRow.password_hash))
        assert stored is not None and stored.startswith("$argon2id$") and PASSWORD not in stored
        assert authenticate(db, "admin", PASSWORD) is not None
        assert authenticate(db, "admin", "wrong-password!") is None
        assert authenticate(db, "nobody", PASSWORD) is None


def test_the_default_profile_is_rfc_9106_low_memory_and_a_changed_one_rehashes(
    database: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RPKD_PASSWORD_PROFILE", raising=False)
    with session(database) as db:
        add_user(db, "admin", PASSWORD, (Grant("admin"),))
    with session(database) as db:
        stored = db.scalar(select(UserRow.password_hash))
    # RFC 9106 section 4, second recommended option: t=3 passes, m=64 MiB, p=4 lanes
    assert stored is not None and stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    monkeypatch.setenv("RPKD_PASSWORD_PROFILE", "CHEAPEST")
    with session(database) as db:
        assert authenticate(db, "admin", PASSWORD) is not None  # the old hash still signs in
    with session(database) as db:
        rehashed = db.scalar(select(UserRow.password_hash))
        assert rehashed is not None and rehashed.startswith("$argon2id$v=19$m=8,t=1,p=1$")
        assert authenticate(db, "admin", PASSWORD) is not None
    monkeypatch.setenv("RPKD_PASSWORD_PROFILE", "MD5")
    with session(database) as db, pytest.raises(UsageError) as caught:
        authenticate(db, "admin", PASSWORD)
    assert caught.value.code == "invalid_setting"
    assert caught.value.params["setting"] == "RPKD_PASSWORD_PROFILE"


def test_rules_on_new_users(database: Engine) -> None:
    with session(database) as db:
        with pytest.raises(InvalidInput) as caught:
            add_user(db, "admin", "short", (Grant("admin"),))
        assert (caught.value.code, caught.value.params) == ("password_short", {"minimum": 10})
        add_user(db, "admin", PASSWORD, (Grant("admin"),))
        with pytest.raises(InvalidInput) as caught:
            add_user(db, "admin", PASSWORD, (Grant("admin"),))
        assert (caught.value.code, caught.value.params) == ("username_taken", {"username": "admin"})
        with pytest.raises(InvalidInput) as caught:
            add_user(db, "op", PASSWORD, (Grant("agency_operator"),))
        assert (caught.value.code, caught.value.param) == ("scope_missing", "agency")
        assert caught.value.message("en") == "role agency_operator needs a --agency scope"
        with pytest.raises(InvalidInput) as caught:
            add_user(db, "camat", PASSWORD, (Grant("area_operator", region="620301"),))
        assert caught.value.code == "grant_region_dotted"
        with pytest.raises(InvalidInput) as caught:
            add_user(db, " ", PASSWORD, (Grant("admin"),))
        assert caught.value.code == "username_invalid"


def test_acting_user(database: Engine) -> None:
    with session(database) as db:
        assert acting(db, None) == (LOCAL_USER, (Grant("admin"),))
        add_user(db, "admin", PASSWORD, (Grant("admin"),))
        add_user(db, "op", PASSWORD, (Grant("area_operator", region="62.03.01"),))
        with pytest.raises(UsageError) as usage:
            acting(db, None)
        assert usage.value.code == "user_required"
        with pytest.raises(NotFound) as missing:
            acting(db, "ghost")
        assert (missing.value.code, missing.value.params) == ("user_unknown", {"user": "ghost"})
        assert acting(db, "op") == ("op", (Grant("area_operator", region="62.03.01"),))
