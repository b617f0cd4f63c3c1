"""Eligibility rules as data: read, previewed and saved in the application, used everywhere.

A programme's rule is the kit's (``programmes`` document) until an analyst saves another; saved
rules live in the application database with their whole history
(:mod:`rpkd.targeting.rule_store`), so that every web worker and the command line apply the
same rule. :func:`effective_catalogue` is the one place that joins the two: every targeting
workflow (eligibility, convergence, verification lists, the families of a desa, the coverage
matrix) builds its catalogue with it. A rule is checked by :mod:`rpkd.targeting.rules` (the
safe rule language) before it is previewed or saved; :func:`preview_rule` counts, per desa,
the families a changed rule adds and removes before anything is saved; :func:`save_rule`
appends a version and writes one audit row. Previewing and saving need ``plan.edit``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from rpkd import engine as eng
from rpkd import regions
from rpkd.access.roles import Scope, allowed
from rpkd.errors import InvalidInput, NotFound
from rpkd.targeting.eligibility import Catalogue, catalogue, eligibility
from rpkd.workflows import gate
from rpkd.workflows.results import records

if TYPE_CHECKING:
    from rpkd.workflows.workspace import Workspace

__all__ = [
    "RuleHistory",
    "RuleList",
    "RulePreview",
    "RuleSaved",
    "effective_catalogue",
    "preview_rule",
    "rule_history",
    "rule_list",
    "save_rule",
]


def _saved(ws: Workspace) -> dict[str, Any]:
    from rpkd.targeting.rule_store import current_rules

    with ws.transaction() as db:
        rows = current_rules(db)
        return {code: (r.rule, r.saved_by, r.saved_at) for code, r in rows.items()}


def _document(base: Mapping[str, Any], rules: Mapping[str, str]) -> dict[str, Any]:
    """Return the ``programmes`` document with the programmes' rules replaced by ``rules``."""
    programmes = [
        {**p, "rule": rules[p["code"]]} if p.get("code") in rules else p
        for p in base.get("programme", [])
    ]
    return {**base, "programme": programmes}


def effective_catalogue(ws: Workspace) -> Catalogue:
    """Return the workspace's programme catalogue with the rules saved in the application
    (the kit's rule for a programme without a saved one)."""
    return keyed_catalogue(ws)[0]


def keyed_catalogue(ws: Workspace) -> tuple[Catalogue, str]:
    """Return :func:`effective_catalogue` and a digest of what it is made of (the kit's
    ``programmes`` document with the saved rules), for the key of a result that depends on it."""
    from rpkd.workflows.cache import digest

    saved = {code: text for code, (text, _, _) in _saved(ws).items()}
    document = _document(ws.kit.document("programmes"), saved)
    return catalogue(document), digest("catalogue", document)


def _checked(ws: Workspace, programme: str, text: str) -> tuple[Catalogue, Catalogue]:
    """Return the current catalogue and the one with ``text`` as ``programme``'s rule; an
    :class:`InvalidInput` with ``param="rule"`` when the rule does not parse or check."""
    saved = {code: rule for code, (rule, _, _) in _saved(ws).items()}
    base = ws.kit.document("programmes")
    current = catalogue(_document(base, saved))
    current.programme(programme)
    try:
        changed = catalogue(_document(base, {**saved, programme: " ".join(text.split())}))
    except InvalidInput as exc:
        raise InvalidInput(exc.code, param="rule", findings=exc.findings, **exc.params) from None
    return current, changed


@dataclass(frozen=True)
class RuleList:
    """Every programme with its rule in force, the kit's rule and who changed it when;
    ``editable``: whether the actor may change them (``plan.edit``)."""

    rows: pa.Table
    editable: bool

    def to_arrow(self) -> pa.Table:
        return self.rows

    def to_json(self) -> list[dict[str, Any]]:
        return records(self.rows)


def rule_list(ws: Workspace) -> RuleList:
    """Return the programmes' rules in force (saved, or the kit's), named in ``ws.lang``."""
    saved = _saved(ws)
    kit = catalogue(ws.kit.document("programmes"))
    rows = []
    for p in kit.programmes:
        text, by, at = saved.get(p.code, (p.rule.text, None, None))
        rows.append({
            "programme": p.code, "name": p.name_en if ws.lang == "en" else p.name_id,
            "unit": p.unit, "rule": text, "kit_rule": p.rule.text,
            "changed": text != p.rule.text, "saved_by": by, "saved_at": at,
            "rule_source": p.rule_source,
        })  # fmt: skip
    return RuleList(pa.Table.from_pylist(rows), allowed(ws.actor.grants, "plan.edit"))


@dataclass(frozen=True)
class RuleHistory:
    """A programme's rule in force and its saved versions, newest first."""

    programme: str
    name: str
    unit: str
    rule: str
    kit_rule: str
    versions: pa.Table

    def to_arrow(self) -> pa.Table:
        return self.versions

    def to_json(self) -> dict[str, Any]:
        return {"programme": self.programme, "rule": self.rule, "kit_rule": self.kit_rule,
                "versions": records(self.versions)}  # fmt: skip


def rule_history(ws: Workspace, programme: str) -> RuleHistory:
    """Return ``programme``'s rule and history; :class:`NotFound` for an unknown programme."""
    from rpkd.targeting.rule_store import history

    kit = catalogue(ws.kit.document("programmes"))
    if programme not in kit.codes:
        raise NotFound("catalogue_programme_unknown", param="programme", programme=programme,
                       known=kit.codes)  # fmt: skip
    p = kit.programme(programme)
    with ws.transaction() as db:
        rows = history(db, programme)
        versions = [{"version": r.id, "rule": r.rule, "reason": r.reason, "saved_by": r.saved_by,
                     "saved_at": r.saved_at} for r in rows]  # fmt: skip
        rule = rows[0].rule if rows else p.rule.text
    schema = pa.schema([("version", pa.int64()), ("rule", pa.string()), ("reason", pa.string()),
                        ("saved_by", pa.string()), ("saved_at", pa.timestamp("us", "UTC"))])  # fmt: skip
    return RuleHistory(
        programme, p.name_en if ws.lang == "en" else p.name_id, p.unit,
        rule, p.rule.text,
        pa.Table.from_pylist(versions, schema=schema),
    )  # fmt: skip


@dataclass(frozen=True)
class RulePreview:
    """Per desa whose count changes: families eligible under the rule in force and under the
    changed rule; ``before`` and ``after``: eligible families in the whole release."""

    release: str
    programme: str
    rule: str
    rows: pa.Table
    before: int
    after: int

    def to_arrow(self) -> pa.Table:
        return self.rows

    def to_json(self) -> dict[str, Any]:
        return {"release": self.release, "programme": self.programme, "rule": self.rule,
                "before": self.before, "after": self.after,
                "rows": records(self.rows)}  # fmt: skip

    def totals(self) -> dict[str, int]:
        """Return the eligible families of the release ``before`` and ``after`` the change,
        and the families ``added`` and ``removed``."""
        return {"before": self.before, "after": self.after,
                **{k: sum(self.rows.column(k).to_pylist()) for k in ("added", "removed")}}  # fmt: skip


def preview_rule(
    ws: Workspace, programme: str, rule: str, *, release: str | None = None
) -> RulePreview:
    """Return how many families ``rule`` as ``programme``'s rule adds and removes, per desa.

    Nothing is saved. ``release`` defaults to the newest release holding a registry. Rows are
    the desa whose count changes, largest change first.
    """
    from rpkd.workflows.targeting import opened
    from rpkd.workflows.targeting_view import _release

    gate.authorise(ws.actor, "plan.edit")
    current, changed = _checked(ws, programme, rule)
    chosen = _release(ws, release, None)
    flag = f"eligible_{programme}"
    with opened(ws, chosen) as o:
        before = eligibility(o.families, o.persons, current, on=o.on, programmes=[programme])
        after = eligibility(o.families, o.persons, changed, on=o.on, programmes=[programme])
        joined = before.select("family_id", "desa_code", old=before[flag]).inner_join(
            after.select("family_id", new=after[flag]), "family_id"
        )
        old, new = joined.old.cast("int64"), joined.new.cast("int64")
        grouped = joined.group_by("desa_code").aggregate(
            families=joined.count(), before=old.sum(), after=new.sum(),
            added=(joined.new & ~joined.old).cast("int64").sum(),
            removed=(joined.old & ~joined.new).cast("int64").sum(),
        )  # fmt: skip
        table = eng.fetch(grouped)
    every = table.to_pylist()
    rows = [r for r in every if r["added"] or r["removed"]]
    rows.sort(key=lambda r: (-(r["added"] + r["removed"]), r["desa_code"]))
    names = regions.names([r["desa_code"] for r in rows])
    out = [{"desa_code": r["desa_code"], "desa": n or r["desa_code"],
            **{k: int(r[k]) for k in ("families", "before", "after", "added", "removed")}}
           for r, n in zip(rows, names, strict=True)]  # fmt: skip
    schema = pa.schema([("desa_code", pa.string()), ("desa", pa.string()),
                        *((k, pa.int64()) for k in ("families", "before", "after", "added",
                                                     "removed"))])  # fmt: skip
    return RulePreview(chosen.name, programme, changed.programme(programme).rule.text,
                       pa.Table.from_pylist(out, schema=schema),
                       sum(int(r["before"]) for r in every),
                       sum(int(r["after"]) for r in every))  # fmt: skip


@dataclass(frozen=True)
class RuleSaved:
    """A saved version of a programme's rule (``changed``: False when it equals the one in force)."""

    programme: str
    rule: str
    version: int | None
    saved_by: str
    saved_at: datetime | None
    changed: bool

    def to_arrow(self) -> pa.Table:
        return pa.Table.from_pylist([self.to_json()])

    def to_json(self) -> dict[str, Any]:
        return {"programme": self.programme, "rule": self.rule, "version": self.version,
                "saved_by": self.saved_by, "changed": self.changed,
                "saved_at": None if self.saved_at is None else self.saved_at.isoformat()}  # fmt: skip


def save_rule(ws: Workspace, programme: str, rule: str, *, reason: str = "") -> RuleSaved:
    """Check ``rule`` and save it as ``programme``'s rule (a new version; one audit row).

    A rule equal to the one in force is not saved again.
    """
    from rpkd.targeting.rule_store import append
    from rpkd.workflows.realisation_work import typed_text

    gate.authorise(ws.actor, "plan.edit")
    reason = typed_text(ws, reason, "reason", "web.rules.reason")
    current, changed = _checked(ws, programme, rule)
    text = changed.programme(programme).rule.text
    user = ws.actor.username
    if text == current.programme(programme).rule.text:
        return RuleSaved(programme, text, None, user, None, False)
    with ws.atomic():  # the rule's version and its audit row: both kept or neither
        with ws.transaction() as db:
            row = append(db, programme, text, reason=reason.strip(), user=user)
            version, at = row.id, row.saved_at
        gate.audit(ws, "target.rule.save", scopes=[Scope()],
                   parameters={"programme": programme, "rule": text, "version": version,
                               "previous": current.programme(programme).rule.text})  # fmt: skip
    return RuleSaved(programme, text, version, user, at, True)
