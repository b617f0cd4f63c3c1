"""A fresh PostgreSQL schema for the usulan and link-review tests' module-scoped workspaces
(the shared ``postgres_url`` fixture is per test)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextmanager
def postgres_schema() -> Iterator[str]:
    """Yield the URL of a fresh PostgreSQL schema (dropped afterwards), or skip."""
    base = os.environ.get("RPKD_TEST_POSTGRES_URL")
    if not base:
        if os.environ.get("CI"):
            pytest.fail("RPKD_TEST_POSTGRES_URL is not set: CI must run PostgreSQL")
        pytest.skip("RPKD_TEST_POSTGRES_URL is not set (scripts/test.sh sets it)")
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
