"""Alembic environment: runs on the connection handed in by :func:`rpkd.store.upgrade`.

``target_metadata`` is only needed to autogenerate a migration (or to compare models with the
migrations in the test suite); the caller passes it in ``config.attributes["metadata"]``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

config = context.config
target_metadata = config.attributes.get("metadata")


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
        with engine.begin() as own:
            context.configure(connection=own, target_metadata=target_metadata,
                              render_as_batch=True)
            with context.begin_transaction():
                context.run_migrations()
        return
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
