"""Alembic environment: runs on the connection handed in by :func:`rpkd.store.upgrade`.

``target_metadata`` is only needed to autogenerate a migration (or to compare the models with
the migrations in the test suite); the caller passes it in ``config.attributes["metadata"]``.
"""

from __future__ import annotations

from alembic import context

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=config.attributes.get("metadata"),
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
