"""Use case: check the audit log's hash chain (``rpkd audit verify``).

:func:`verify_audit` recomputes every row's hash from the row before it and its own content
(:mod:`rpkd.access.audit_chain`) and names the first row where the chain breaks: a row edited,
deleted or inserted by someone who went round the application and the database's append-only
triggers. It needs ``audit.verify`` (an admin) and writes one audit row with what it found,
itself the newest link of the chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rpkd import locale
from rpkd.findings import Finding
from rpkd.locale import Lang
from rpkd.workflows import gate

if TYPE_CHECKING:
    import pyarrow as pa

    from rpkd.workflows.workspace import Workspace

__all__ = ["AuditVerification", "verify_audit"]


@dataclass(frozen=True)
class AuditVerification:
    """The chain checked: rows read, the head hash, and the first broken row (or none).

    ``reason``: ``content`` (the row was edited), ``link`` (the row before it was deleted,
    inserted or edited together with its hash), ``unhashed`` (a row without hash).
    """

    rows: int
    head: str
    broken_id: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_id is None

    @property
    def findings(self) -> tuple[Finding, ...]:
        """The broken row as an error finding (none when the chain holds)."""
        if self.broken_id is None:
            return ()
        return (
            Finding(
                f"audit_chain_{self.reason}",
                "error",
                {"id": self.broken_id, "rows": self.rows},
                row=self.broken_id,
            ),
        )

    def summary(self, lang: Lang) -> str:
        """Return the outcome as one sentence in ``lang``."""
        if self.ok:
            return locale.message("audit_chain_ok", lang, rows=self.rows, head=self.head[:16])
        return locale.render(self.findings[0], lang)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "rows": self.rows,
            "head": self.head,
            "broken": None
            if self.broken_id is None
            else {"id": self.broken_id, "reason": self.reason},
        }

    def to_arrow(self) -> pa.Table:
        import pyarrow as pa

        return pa.Table.from_pylist(
            [
                {
                    "ok": self.ok,
                    "rows": self.rows,
                    "broken_id": self.broken_id,
                    "reason": self.reason,
                    "head": self.head,
                }
            ],
            schema=pa.schema(
                [
                    ("ok", pa.bool_()),
                    ("rows", pa.int64()),
                    ("broken_id", pa.int64()),
                    ("reason", pa.string()),
                    ("head", pa.string()),
                ]
            ),
        )


def verify_audit(ws: Workspace) -> AuditVerification:
    """Return what checking the audit log's hash chain found; needs ``audit.verify``.

    The whole log is read in one transaction (one consistent snapshot); the check is then
    audited as ``audit.verify`` with the rows read and the broken row's id.
    """
    from rpkd.access import audit_chain

    gate.authorise(ws.actor, "audit.verify")
    with ws.transaction() as db:
        checked = audit_chain.verify(db)
    broken = checked.broken
    result = AuditVerification(
        checked.rows,
        checked.head,
        None if broken is None else broken.id,
        None if broken is None else broken.reason,
    )
    gate.audit(
        ws,
        "audit.verify",
        records=checked.rows,
        parameters={"ok": result.ok, "broken_id": result.broken_id, "reason": result.reason},
    )
    return result
