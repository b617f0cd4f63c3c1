"""Use cases: the registry correction made of accepted usulan and sanggahan, and its take-up.

:func:`export_corrections` writes what the accepted proposals of a release change as the
registry's own import format: ``families.csv`` and ``persons.csv`` are the release's registry
with the changes applied (a deceased or duplicate family, or one that left the district, is
removed with its members; a family that moved within the district gets its new desa; an added
family is appended with its members, named ``usulan-<id>``), and ``usulan.csv`` lists the
proposals behind them (the importer ignores it). The next release is imported from that folder
beside the release's other source files (``rpkd release import``), so the importer checks the
correction with every rule it applies to a registry. Objections ``not_poor`` and
``poor_missing`` change no field a desa can set (the desil is BPS's ranking): they are listed
in ``usulan.csv`` for BPS and the ministry, and the registry files keep the family as it is.

:func:`take_up_release` compares two releases (:func:`rpkd.workflows.releases.diff_releases`)
and marks every accepted proposal of the older one that the newer one carries out "taken up in
release X": an added family appears (by its id, or a member's NIK), a removed one is gone, a
moved one is in its new desa, a ``not_poor`` family's desil rose, a ``poor_missing`` one's fell.

Both need ``release.manage`` on the release's district (the secretariat); the export holds the
registry's personal data in full, so it also needs ``personal_data.read`` and writes one audit
row.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from rpkd import regions
from rpkd.access import masking
from rpkd.access.roles import Scope
from rpkd.errors import InvalidInput, NotFound
from rpkd.findings import from_table
from rpkd.releases import catalog
from rpkd.releases import proposals as store
from rpkd.releases.catalog import Release, open_release
from rpkd.workflows import gate
from rpkd.workflows.results import records

if TYPE_CHECKING:
    from rpkd.releases.proposals import Proposal
    from rpkd.workflows.usulan import NewFamily
    from rpkd.workflows.workspace import Workspace

__all__ = [
    "Corrections",
    "DesaChoices",
    "TakeUp",
    "check_family",
    "desa_choices",
    "export_corrections",
    "take_up_release",
]

REMOVING = ("deceased", "duplicate")
"""Objections that remove the family (and a move out of the district)."""


@dataclass(frozen=True)
class Corrections:
    """A written correction: its folder, the proposals in it and the rows of its files."""

    release: str
    folder: Path
    proposals: pa.Table
    families: int
    persons: int

    def to_arrow(self) -> pa.Table:
        """Return one row per proposal applied: id, kind, reason, desa_code, family_id, change."""
        return self.proposals

    def to_json(self) -> dict[str, Any]:
        return {"release": self.release, "folder": str(self.folder), "families": self.families,
                "persons": self.persons, "proposals": records(self.proposals)}  # fmt: skip

    def files(self) -> tuple[Path, ...]:
        """Return the files of the correction, in the order a reader wants them."""
        return tuple(self.folder / n for n in ("families.csv", "persons.csv", "usulan.csv"))


@dataclass(frozen=True)
class TakeUp:
    """Which accepted proposals of ``old`` the release ``new`` carried out."""

    old: str
    new: str
    rows: pa.Table

    @property
    def taken_up(self) -> int:
        return sum(bool(v) for v in self.rows.column("taken_up").to_pylist())

    def to_arrow(self) -> pa.Table:
        """Return one row per accepted proposal of ``old``: id, kind, reason, family_id,
        taken_up."""
        return self.rows

    def to_json(self) -> list[dict[str, Any]]:
        return records(self.rows)


@dataclass(frozen=True)
class DesaChoices:
    """The families of a desa in a release to object to: id, desil, head and address, masked
    unless ``unmasked``."""

    release: str
    desa: str
    desa_name: str
    families: pa.Table
    unmasked: bool

    def to_arrow(self) -> pa.Table:
        return self.families

    def to_json(self) -> list[dict[str, Any]]:
        return records(self.families)


def newest_release(ws: Workspace) -> Release:
    """Return the newest release holding a registry (families): the latest reference date, then
    the latest import (as Beranda and Profil choose); NotFound without one."""
    found = [r for r in catalog.list_releases(ws.path) if "families" in r.kinds]
    if not found:
        raise NotFound("usulan_no_release", param="release")
    return max(
        found, key=lambda r: (r.reference_date, str(r.manifest.get("created_at", "")), r.name)
    )


@gate.personal_data("usulan.families")
def desa_choices(
    ws: Workspace, desa: str, *, release: str | None = None, unmask: bool = False
) -> DesaChoices:
    """Return the families of ``desa`` in ``release`` (default: the newest) with their head,
    to choose the family a sanggahan is about. Needs ``records.read`` on the desa
    (``personal_data.read`` with ``unmask``); one audit row."""
    import pyarrow.parquet as pq

    from rpkd.workflows.usulan import checked_desa

    code = checked_desa(desa)
    scopes = [Scope(region=code)]
    gate.authorise_records(ws, scopes, unmask=unmask)
    opened = open_release(ws.path, release) if release else newest_release(ws)
    families = pq.read_table(opened.path_of("families"),
                             columns=["family_id", "desil", "address"],
                             filters=[("desa_code", "=", code)])  # fmt: skip
    persons = pq.read_table(opened.path_of("persons"), columns=["family_id", "name", "relation"],
                            filters=[("relation", "=", "kepala_keluarga")])  # fmt: skip
    heads = dict(zip(*(persons.column(c).to_pylist() for c in ("family_id", "name")),
                     strict=True))  # fmt: skip
    ids = families.column("family_id").to_pylist()
    table = pa.table({
        "family_id": pa.array(ids, pa.string()),
        "desil": families.column("desil").cast(pa.int64()),
        "head_name": pa.array([heads.get(i) for i in ids], pa.string()),
        "address": families.column("address").cast(pa.string()),
    }).sort_by([("family_id", "ascending")])  # fmt: skip
    gate.audit_records(ws, "usulan.families", release=opened.name, scopes=scopes,
                       records=table.num_rows, unmask=unmask,
                       parameters={"desa": code})  # fmt: skip
    if not unmask:
        table = masking.mask_table(table, field=lambda c: "name" if c == "head_name" else c)
    return DesaChoices(opened.name, code, regions.name(code), table, unmask)


def _csv(table: pa.Table, path: Path) -> None:
    import pyarrow.csv as pacsv

    from rpkd.reports.xlsx import neutralise_table

    pacsv.write_csv(neutralise_table(table), path)


def _nullable(schema: pa.Schema) -> pa.Schema:
    return pa.schema([f.with_nullable(True) for f in schema])


def _appended(table: pa.Table, rows: list[dict[str, Any]]) -> pa.Table:
    """Return ``table`` with ``rows`` appended (the columns they lack empty)."""
    if not rows:
        return table
    extra = pa.Table.from_pylist(rows)
    extra = extra.cast(pa.schema([table.schema.field(c) for c in extra.column_names]))
    return pa.concat_tables([table, extra], promote_options="default")


def _new_rows(proposal: Proposal) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Return the families row and the persons rows of an added family."""
    d = proposal.detail
    members = d["members"]
    family = {"family_id": proposal.family_id, "kk_number": d["kk_number"] or None,
              "desa_code": proposal.desa_code, "address": d["address"] or None,
              "family_size": len(members), "urban": bool(d["urban"])}  # fmt: skip
    persons = [
        {"person_id": f"{proposal.family_id}-{n}", "family_id": proposal.family_id,
         "nik": m["nik"] or None, "name": m["name"], "sex": m["sex"],
         "birth_date": date.fromisoformat(m["birth_date"]), "relation": m["relation"]}
        for n, m in enumerate(members, start=1)
    ]  # fmt: skip
    return family, persons


def _write_family_files(
    folder: Path, family: Mapping[str, Any], persons: list[dict[str, Any]]
) -> None:
    from rpkd.releases.schema import table_schema

    f_cols = [c.name for c in table_schema("families").columns]
    p_cols = [c.name for c in table_schema("persons").columns]
    _csv(pa.Table.from_pylist([{c: family.get(c) for c in f_cols}]), folder / "families.csv")
    rows = [{c: p.get(c) for c in p_cols} for p in persons]
    _csv(pa.Table.from_pylist(rows), folder / "persons.csv")


def check_family(ws: Workspace, release: Release, desa: str, family: NewFamily) -> dict[str, Any]:
    """Check a proposed family as the import checks a registry; return it as stored.

    The family and its members are written as a families and a persons file holding them
    alone and validated by :func:`rpkd.releases.importer.prepare` (the release's district and
    reference date); its errors raise :class:`InvalidInput` ``usulan_family_invalid`` with the
    findings. A member whose NIK the release already lists raises ``usulan_nik_listed``.
    """
    import pyarrow.parquet as pq

    from rpkd.releases import importer

    if not family.members:
        raise InvalidInput("usulan_members_required", param="members")
    members: list[dict[str, str]] = [
        {"name": m.name.strip(), "nik": m.nik.strip(), "sex": m.sex.strip(),
         "birth_date": m.birth_date.strip(), "relation": m.relation.strip()}
        for m in family.members
    ]  # fmt: skip
    detail: dict[str, Any] = {"kk_number": family.kk_number.strip(),
                              "address": family.address.strip(), "urban": family.urban,
                              "members": members}  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="rpkd-usulan-") as tmp:
        source = Path(tmp) / "source"
        source.mkdir()
        row = {"family_id": "usulan", "kk_number": detail["kk_number"] or None,
               "desa_code": desa, "address": detail["address"] or None,
               "family_size": len(members), "urban": family.urban}  # fmt: skip
        people = [{"person_id": f"usulan-{n}", "family_id": "usulan", **m}
                  for n, m in enumerate(members, start=1)]  # fmt: skip
        _write_family_files(source, row, people)
        with importer.prepare(source, "usulan-check", Path(tmp) / "releases", ws.engine,
                              region=release.region,
                              reference_date=release.reference_date) as candidate:  # fmt: skip
            if not candidate.ok:
                preview = candidate.preview()
                errors = from_table(preview.filter(pc.equal(preview["severity"], "error")))
                raise InvalidInput("usulan_family_invalid", param="members", findings=errors,
                                   errors=candidate.errors)  # fmt: skip
    niks = [m["nik"] for m in members if m["nik"]]
    if niks:
        listed = pq.read_table(release.path_of("persons"), columns=["nik"],
                               filters=[("nik", "in", niks)])  # fmt: skip
        if listed.num_rows:
            raise InvalidInput("usulan_nik_listed", param="members", release=release.name,
                               nik=masking.mask(listed.column("nik")[0].as_py(), "nik"))  # fmt: skip
    return detail


def _change(p: Proposal) -> str:
    if p.kind == "add":
        return "added"
    if p.reason in REMOVING or (p.reason == "moved" and not p.detail.get("moved_to")):
        return "removed"
    if p.reason == "moved":
        return "moved"
    return "listed"


@gate.personal_data("usulan.export")
def export_corrections(ws: Workspace, release: str, *, folder: Path | None = None) -> Corrections:
    """Write the correction of ``release`` made of its accepted proposals not yet taken up.

    ``folder`` (default ``<workspace>/corrections/<release>-<UTC time>/``) receives
    ``families.csv``, ``persons.csv`` (the registry corrected, in the import format) and
    ``usulan.csv``. Needs ``release.manage`` and ``personal_data.read`` on the release's
    district; one audit row. Raises ``usulan_nothing_accepted`` without accepted proposals.
    The files get their names only once the audit row is kept: a failure leaves the folder as
    it was.
    """
    import pyarrow.parquet as pq

    opened = open_release(ws.path, release)
    scopes = [Scope(region=opened.region)]
    gate.authorise(ws.actor, "release.manage", scopes[0])
    gate.authorise_records(ws, scopes, unmask=True)
    with ws.transaction() as db:
        accepted = store.find(db, release=opened.name, accepted_open=True)
    if not accepted:
        raise InvalidInput("usulan_nothing_accepted", param="release", release=opened.name)
    families = pq.read_table(opened.path_of("families"))
    persons = pq.read_table(opened.path_of("persons"))
    families = families.cast(_nullable(families.schema))
    persons = persons.cast(_nullable(persons.schema))
    removed = {p.family_id for p in accepted if _change(p) == "removed"}
    moved = {p.family_id: p.detail["moved_to"] for p in accepted if _change(p) == "moved"}
    families = families.filter(pc.invert(pc.is_in(families["family_id"],
                                                  pa.array(sorted(removed), pa.string()))))  # fmt: skip
    desa = [moved.get(f, d) for f, d in zip(families["family_id"].to_pylist(),
                                            families["desa_code"].to_pylist(), strict=True)]  # fmt: skip
    families = families.set_column(families.schema.get_field_index("desa_code"), "desa_code",
                                   pa.array(desa, pa.string()))  # fmt: skip
    persons = persons.filter(pc.invert(pc.is_in(persons["family_id"],
                                                pa.array(sorted(removed), pa.string()))))  # fmt: skip
    added_f, added_p = [], []
    for p in accepted:
        if p.kind == "add":
            family, people = _new_rows(p)
            added_f.append(family)
            added_p.extend(people)
    families, persons = _appended(families, added_f), _appended(persons, added_p)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = folder or ws.path / "corrections" / f"{opened.name}-{stamp}"
    listing = pa.table({
        "id": pa.array([p.id for p in accepted], pa.int64()),
        "kind": pa.array([p.kind for p in accepted], pa.string()),
        "reason": pa.array([p.reason for p in accepted], pa.string()),
        "desa_code": pa.array([p.desa_code for p in accepted], pa.string()),
        "family_id": pa.array([p.family_id for p in accepted], pa.string()),
        "change": pa.array([_change(p) for p in accepted], pa.string()),
        "moved_to": pa.array([p.detail.get("moved_to") for p in accepted], pa.string()),
        "duplicate_of": pa.array([p.detail.get("duplicate_of") for p in accepted], pa.string()),
        "note": pa.array([p.note for p in accepted], pa.string()),
    })  # fmt: skip
    tables = {"families.csv": families, "persons.csv": persons, "usulan.csv": listing}
    with _published(out, tables), ws.atomic():  # the files appear once their audit row is kept
        gate.audit_records(ws, "usulan.export", release=opened.name, scopes=scopes,
                           records=families.num_rows + persons.num_rows, unmask=True,
                           parameters={"proposals": len(accepted), "folder": out.name})  # fmt: skip
    return Corrections(opened.name, out, listing, families.num_rows, persons.num_rows)


@contextmanager
def _published(out: Path, tables: Mapping[str, pa.Table]) -> Iterator[None]:
    """Write ``tables`` as CSV files of folder ``out`` under hidden ``.tmp-`` names and give
    them their names when the block ends without error; else remove them, and the folders
    made for them: the folder is as it was (a file already there is replaced only then)."""
    from rpkd.releases.importer import TMP_PREFIX

    made = [p for p in (out, *out.parents) if not p.exists()]
    staged = {out / f"{TMP_PREFIX}{name}": out / name for name in tables}
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, table in tables.items():
            _csv(table, out / f"{TMP_PREFIX}{name}")
        yield
    except BaseException:
        for path in staged:
            path.unlink(missing_ok=True)
        for folder in made:
            with suppress(OSError):  # one something else has written into meanwhile stays
                folder.rmdir()
        raise
    for path, final in staged.items():
        path.replace(final)


def _carried(p: Proposal, diff: Mapping[str, dict[str, Any]], new_niks: set[str]) -> bool:
    row = diff.get(p.family_id)
    if p.kind == "add":
        niks = {m["nik"] for m in p.detail.get("members", []) if m.get("nik")}
        return bool((row and row["added"]) or niks & new_niks)
    if row is None:
        return False
    change = _change(p)
    if change == "removed":
        return bool(row["removed"])
    if change == "moved":
        return bool(row["moved"]) and row["desa_new"] == p.detail.get("moved_to")
    if not row["desil_changed"]:
        return bool(p.reason == "not_poor" and row["removed"])
    rose = (row["desil_new"] or 0) > (row["desil_old"] or 0)
    return rose if p.reason == "not_poor" else not rose


def take_up_release(ws: Workspace, old: str, new: str) -> TakeUp:
    """Mark the accepted proposals of ``old`` that release ``new`` carried out "taken up in
    ``new``", from the two releases' diff. Needs ``release.manage`` on ``new``'s district;
    one audit row."""
    import pyarrow.parquet as pq

    from rpkd.workflows.releases import diff_releases

    after = open_release(ws.path, new)
    gate.authorise(ws.actor, "release.manage", Scope(region=after.region))
    diff = diff_releases(ws, old, new)
    rows = {r["family_id"]: r for r in diff.families.to_pylist()}
    with ws.transaction() as db:
        accepted = store.find(db, release=old, accepted_open=True)
    niks: set[str] = set()
    wanted = [m["nik"] for p in accepted if p.kind == "add"
              for m in p.detail.get("members", []) if m.get("nik")]  # fmt: skip
    if wanted:
        found = pq.read_table(after.path_of("persons"), columns=["nik"],
                              filters=[("nik", "in", wanted)])  # fmt: skip
        niks = {str(v) for v in found.column("nik").to_pylist()}
    carried = [_carried(p, rows, niks) for p in accepted]
    with ws.atomic():  # the marks and their audit row: all kept or none
        with ws.transaction() as db:
            for p, done in zip(accepted, carried, strict=True):
                if done:
                    store.take_up(db, p.id, after.name, ws.actor.username)
        gate.audit(ws, "usulan.take_up", release=after.name, scopes=[Scope(region=after.region)],
                   records=sum(carried), parameters={"old": old, "new": new})  # fmt: skip
    table = pa.table({
        "id": pa.array([p.id for p in accepted], pa.int64()),
        "kind": pa.array([p.kind for p in accepted], pa.string()),
        "reason": pa.array([p.reason for p in accepted], pa.string()),
        "family_id": pa.array([p.family_id for p in accepted], pa.string()),
        "taken_up": pa.array(carried, pa.bool_()),
    })  # fmt: skip
    return TakeUp(old, after.name, table)
