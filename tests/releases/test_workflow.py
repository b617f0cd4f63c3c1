"""The release workflows: permission before any work, one audit row per import, the findings
report in the workspace's language, notes instead of failures after the release stands."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from conftest import FAMILIES, FAMILIES_HEADER, PERSONS, PERSONS_HEADER, TODAY, write_csv
from rpkd.access import audit
from rpkd.access.roles import Grant
from rpkd.errors import Forbidden, InvalidInput, NotFound
from rpkd.settings import Settings, load_settings
from rpkd.workflows import gate
from rpkd.workflows import releases as wf
from rpkd.workflows.workspace import Actor, Workspace


def _bad_nik(source: Path) -> None:
    rows = [list(r) for r in PERSONS]
    rows[2][2] = "620301701110000"  # 15 digits: nik_malformed at persons.csv row 3
    write_csv(source / "persons.csv", PERSONS_HEADER, rows)


def _audit_rows(ws: Workspace) -> list[audit.AuditEntry]:
    with ws.transaction() as db:
        return list(audit.entries(db, action="release."))


def _acting(ws: Workspace, *grants: Grant) -> None:
    ws.__dict__["actor"] = Actor("op7", grants)  # the actor a login would resolve


def test_import_writes_one_audit_row(source: Path, ws: Workspace) -> None:
    outcome = wf.import_release(ws, source, "r1", reference_date=TODAY)
    assert outcome.region == "62.03" and outcome.warnings == 1
    assert [f.code for f in outcome.notes] == ["release_warnings"]
    (row,) = _audit_rows(ws)
    assert (row.action, row.release, row.scope, row.records) == (
        "release.import",
        "r1",
        "region=62.03",
        8,  # 2 families and 6 persons
    )


def test_unmasked_findings_are_audited_as_personal_data(source: Path, ws: Workspace) -> None:
    assert gate.PERSONAL_DATA_WORKFLOWS["rpkd.workflows.releases.import_release"] == (
        "release.import.findings"
    )
    _bad_nik(source)
    with pytest.raises(InvalidInput) as refused:
        wf.import_release(ws, source, "r1", reference_date=TODAY, unmask_findings=True)
    assert [f.value for f in refused.value.findings] == ["620301701110000"]
    (row,) = _audit_rows(ws)
    assert (row.action, row.records) == ("release.import.findings", 2)  # the error, P6 deceased
    assert row.parameters["unmasked"] is True and row.parameters["refused"] is True


def test_refused_import_writes_the_report_in_the_workspace_language(
    source: Path, tmp_path: Path
) -> None:
    _bad_nik(source)
    with Workspace(Settings(workspace=tmp_path / "ws", lang="en")) as ws:
        with pytest.raises(InvalidInput) as refused:
            wf.import_release(ws, source, "r1", reference_date=TODAY)
        assert _audit_rows(ws)[0].action == "release.import"
    exc = refused.value
    assert exc.code == "release_refused" and exc.params["errors"] == 1
    assert [(f.file, f.row, f.field, f.value) for f in exc.findings] == [
        ("persons.csv", 3, "nik", "6203*******0000")
    ]
    csv_path, xlsx_path = (Path(p) for p in exc.params["report"])
    assert csv_path.parent == tmp_path / "ws" / "findings" and xlsx_path.suffix == ".xlsx"
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows == [
        ["file", "kind", "row", "field", "value", "rule", "severity", "message"],
        [
            "persons.csv",
            "persons",
            "3",
            "nik",
            "6203*******0000",
            "nik_malformed",
            "error",
            "NIK must have 16 digits",
        ],
        [
            "persons.csv",
            "persons",
            "6",
            "death_date",
            "2024-01-05",
            "deceased",
            "warning",
            "person is deceased",
        ],
    ]
    assert not (tmp_path / "ws" / "releases" / "r1").exists()


def test_report_messages_name_the_column_by_its_label(source: Path, ws: Workspace) -> None:
    rows = [list(r) for r in FAMILIES]
    rows[1][4] = "dua"
    write_csv(source / "families.csv", FAMILIES_HEADER, rows)
    with pytest.raises(InvalidInput) as refused:
        wf.import_release(ws, source, "r1", reference_date=TODAY)
    text = Path(refused.value.params["report"][0]).read_text(encoding="utf-8-sig")
    assert (
        "families.csv,families,2,family_size,dua,not_number,error,"
        "Jumlah anggota keluarga harus berupa angka" in text
    )


def test_permission_is_checked_before_any_work(source: Path, ws: Workspace) -> None:
    _acting(ws, Grant("viewer"))
    with pytest.raises(Forbidden) as refused:
        wf.import_release(ws, source, "r1", region="62.03")
    assert refused.value.params["action"] == "release.manage"
    # a kecamatan analyst may not import a district's release
    _acting(ws, Grant("analyst", region="62.03.01"))
    with pytest.raises(Forbidden):
        wf.import_release(ws, source, "r1", region="62.03", unmask_findings=True)
    assert not (ws.path / "releases").exists() and not (ws.path / "findings").exists()
    _acting(ws, Grant("analyst", region="62.03"))
    assert wf.import_release(ws, source, "r1", region="62.03", unmask_findings=True).warnings == 1


def test_region_from_workspace_settings(source: Path, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "rpkd.toml").write_text('region = "62.04"\n', encoding="utf-8")
    with Workspace(load_settings(workspace)) as ws, pytest.raises(InvalidInput) as refused:
        wf.import_release(ws, source, "r1", reference_date=TODAY)
    outside = [(f.row, f.field) for f in refused.value.findings if f.code == "desa_outside"]
    assert outside == [(1, "desa_code"), (2, "desa_code")]
    assert _audit_rows_of(workspace)[0].scope == "region=62.04"


def _audit_rows_of(workspace: Path) -> list[audit.AuditEntry]:
    with Workspace(load_settings(workspace)) as ws:
        return _audit_rows(ws)


def test_reference_date_default_is_the_import_day(source: Path, ws: Workspace) -> None:
    outcome = wf.import_release(ws, source, "r1")
    assert outcome.release.reference_date == date.today()
    assert (
        wf.import_release(ws, source, "r2", reference_date="2025-06-30").release.manifest[
            "reference_date"
        ]
        == "2025-06-30"
    )


def test_summary_not_stored_is_a_note(
    source: Path, ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rpkd.workflows import profile

    def unwritable(*_args: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(profile, "store_family_summary", unwritable)
    outcome = wf.import_release(ws, source, "r1", reference_date=TODAY)
    assert [f.code for f in outcome.notes] == ["release_warnings", "family_summary_unsaved"]
    assert outcome.notes[1].params["reason"] == "Permission denied"
    assert outcome.release.path.is_dir()


def test_list_show_diff(source: Path, ws: Workspace) -> None:
    wf.import_release(ws, source, "r1", reference_date=TODAY)
    wf.import_release(ws, source, "r2", reference_date=TODAY)
    assert [r["name"] for r in wf.list_releases(ws).to_json()] == ["r1", "r2"]
    details = wf.show_release(ws, "r1")
    assert details.to_json()["name"] == "r1"
    assert details.warnings().to_pylist() == [{"rule": "deceased", "count": 1}]
    assert wf.diff_releases(ws, "r1", "r2").counts["added"] == 0
    with pytest.raises(NotFound) as missing:
        wf.show_release(ws, "r9")
    assert missing.value.params == {"name": "r9", "available": ["r1", "r2"]}
    _acting(ws, Grant("viewer", region="62.04"))
    assert wf.list_releases(ws).releases == ()
    with pytest.raises(Forbidden):
        wf.show_release(ws, "r1")
