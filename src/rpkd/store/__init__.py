"""The application database (DESIGN.md §2): users, roles, the plan, realisations, audit log.

SQLAlchemy 2 with Alembic migrations shipped in ``rpkd/store/migrations``; SQLite in the
workspace by default (``Settings.database``), PostgreSQL through ``RPKD_DATABASE_URL``. Domain
packages (``rpkd.access``, ``rpkd.planning``) declare their tables on :class:`Base`; this package
knows nothing about them, so it sits below the domain layer like ``rpkd.engine``.
"""

from __future__ import annotations

from rpkd.store.base import Base, UtcDateTime, utcnow
from rpkd.store.database import connect, open_database, session, upgrade

__all__ = ["Base", "UtcDateTime", "connect", "open_database", "session", "upgrade", "utcnow"]
