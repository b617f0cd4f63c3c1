"""The canonical encoding and hash of a chained, append-only log row (the audit log).

A row's content is JSON of every field but its id (keys sorted, no spaces, UTF-8, time in UTC
with microseconds); its hash is ``SHA-256(prev_hash + "\\n" + content)`` in hexadecimal. It lives
in the store so that the migration that back-fills the chain (0010) and the audit log
(:mod:`rpkd.access.audit_chain`) share one definition.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from rpkd.store.database import sha256_hex

GENESIS = "0" * 64
"""The previous hash of the first row."""


def content(
    at: datetime,
    username: str,
    action: str,
    release: str | None,
    records: int | None,
    parameters: str,
    scope: str | None,
) -> str:
    """Return the canonical text of one audit row (``parameters``: its stored JSON text).

    Examples
    --------
    >>> content(datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC), "admin", "audit.verify", None, 3,
    ...         "{}", None)
    '{"action":"audit.verify","at":"2025-01-02T03:04:05.000000+00:00","parameters":"{}",\
"records":3,"release":null,"scope":null,"username":"admin"}'
    """
    fields = {
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "username": username,
        "action": action,
        "release": release,
        "records": records,
        "parameters": parameters,
        "scope": scope,
    }
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def link(prev_hash: str, body: str) -> str:
    """Return the hash of a row: SHA-256 (hex) of the previous hash, a newline and its content.

    Examples
    --------
    >>> link(GENESIS, "{}") == sha256_hex("0" * 64 + "\\n{}")
    True
    """
    return sha256_hex(f"{prev_hash}\n{body}")
