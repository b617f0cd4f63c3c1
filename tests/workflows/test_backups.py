"""Workspace backup and restore on SQLite and PostgreSQL: everything comes back, checked by
SHA-256 against the manifest; a damaged backup or a non-empty target is refused untouched."""

from __future__ import annotations

import hashlib
import json
import stat
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

import rpkd.cli
from rpkd.access import audit
from rpkd.errors import Forbidden, InvalidInput
from rpkd.settings import Settings
from rpkd.store import session
from rpkd.workflows import access as users
from rpkd.workflows.audit_chain import verify_audit
from rpkd.workflows.backups import backup_workspace, restore_workspace
from rpkd.workflows.releases import import_release, list_releases
from rpkd.workflows.workspace import Workspace

PASSWORD = "kapuas-bersinar-2025"
FAMILIES = (
    "family_id,kk_number,desa_code,address,family_size,urban\n"
    "F1,6203010101200001,62.03.01.1006,Jl. Cilik Riwut 1,2,true\n"
)
PERSONS = (
    "person_id,family_id,nik,name,sex,birth_date,relation\n"
    "P1,F1,6203011205800001,Budi Santoso,L,1980-05-12,kepala_keluarga\n"
    "P2,F1,6203014703820002,Siti Aminah,P,1982-03-07,istri_suami\n"
)


@pytest.fixture
def second_url(database_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A second, empty database of the same kind (the restore's target)."""
    if database_url.startswith("postgresql"):
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite:///{tmp_path / 'other' / 'rpkd.db'}"


@pytest.fixture
def source_ws(tmp_path: Path, database_url: str) -> Settings:
    """A workspace with a release, users, a kit override, an uploaded file, a derived result."""
    settings = Settings(workspace=tmp_path / "ws", database_url=database_url)
    source = tmp_path / "source"
    source.mkdir()
    (source / "families.csv").write_text(FAMILIES, encoding="utf-8")
    (source / "persons.csv").write_text(PERSONS, encoding="utf-8")
    with Workspace(settings) as ws:
        users.add_user(ws, "admin", PASSWORD, role="admin")
    with Workspace(settings, actor="admin") as ws:
        users.add_user(ws, "ani", PASSWORD, role="analyst", region="62.03")
        import_release(ws, source, "r1", reference_date="2025-03-01")
        (ws.path / "params").mkdir()
        (ws.path / "params" / "bands.toml").write_text("# override\n", encoding="utf-8")
        (ws.path / "evidence").mkdir()
        (ws.path / "evidence" / "bukti.pdf").write_bytes(b"%PDF-1.4 bukti")
        (ws.path / "derived" / "r1").mkdir(parents=True)
        (ws.path / "derived" / "r1" / "scores.parquet").write_bytes(b"PAR1")
    return settings


def _digests(root: Path) -> dict[str, str]:
    skip = {"rpkd.db", "rpkd.db-wal", "rpkd.db-shm"}
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name not in skip
    }


def test_backup_and_restore_bring_everything_back(
    source_ws: Settings, second_url: str, tmp_path: Path
) -> None:
    with Workspace(source_ws, actor="admin") as ws:
        made = backup_workspace(ws, tmp_path / "backup")
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text(encoding="utf-8"))
    listed = {e["path"]: e["sha256"] for e in manifest["files"]}
    bukti = hashlib.sha256(b"%PDF-1.4 bukti").hexdigest()
    assert listed["files/evidence/bukti.pdf"] == bukti
    assert {"files/params/bands.toml", "files/releases/r1/manifest.json"} <= set(listed)
    assert made.database == ("postgresql" if "postgresql" in second_url else "sqlite")
    assert made.audit_head is not None and len(made.audit_head) == 64

    target = Settings(workspace=tmp_path / "restored", database_url=second_url)
    with Workspace(target) as ws:
        restored = restore_workspace(ws, tmp_path / "backup")
    assert restored.files == made.files and restored.rows > 0
    assert _digests(tmp_path / "restored") == _digests(tmp_path / "ws")
    release = tmp_path / "restored" / "releases" / "r1"
    assert stat.S_IMODE(release.stat().st_mode) == 0o555  # releases stay read-only
    with Workspace(target, actor="admin") as ws:
        assert [r.name for r in list_releases(ws).releases] == ["r1"]
        assert sorted(u["username"] for u in users.list_users(ws).to_json()) == ["admin", "ani"]
        checked = verify_audit(ws)
        actions = [e["action"] for e in users.list_audit(ws).to_json()]
    assert checked.ok
    assert actions[-2:] == ["workspace.restore", "audit.verify"]
    assert "workspace.backup" not in actions  # written after the snapshot it describes


def test_a_non_empty_target_is_refused_unless_forced(
    source_ws: Settings, second_url: str, tmp_path: Path
) -> None:
    with Workspace(source_ws, actor="admin") as ws:
        backup_workspace(ws, tmp_path / "backup")
    target = Settings(workspace=tmp_path / "restored", database_url=second_url)
    with Workspace(target) as ws:
        users.add_user(ws, "other", PASSWORD, role="admin")
    (tmp_path / "restored").mkdir(exist_ok=True)
    (tmp_path / "restored" / "note.txt").write_text("keep", encoding="utf-8")
    with Workspace(target, actor="other") as ws, pytest.raises(InvalidInput) as refused:
        restore_workspace(ws, tmp_path / "backup")
    assert refused.value.code == "restore_target_not_empty"
    assert (tmp_path / "restored" / "note.txt").read_text(encoding="utf-8") == "keep"
    with Workspace(target, actor="other") as ws:
        restore_workspace(ws, tmp_path / "backup", force=True)
    assert not (tmp_path / "restored" / "note.txt").exists()
    with Workspace(target, actor="admin") as ws:
        names = sorted(u["username"] for u in users.list_users(ws).to_json())
    assert names == ["admin", "ani"]


def test_a_damaged_backup_restores_nothing(
    source_ws: Settings, second_url: str, tmp_path: Path
) -> None:
    with Workspace(source_ws, actor="admin") as ws:
        backup_workspace(ws, tmp_path / "backup")
    (tmp_path / "backup" / "files" / "evidence" / "bukti.pdf").write_bytes(b"%PDF-1.4 other")
    target = Settings(workspace=tmp_path / "restored", database_url=second_url)
    with Workspace(target) as ws, pytest.raises(InvalidInput) as refused:
        restore_workspace(ws, tmp_path / "backup")
    assert refused.value.code == "backup_corrupt"
    assert [(f.code, f.file) for f in refused.value.findings] == [
        ("backup_file_changed", "files/evidence/bukti.pdf")
    ]
    assert not (tmp_path / "restored" / "releases").exists()
    assert refused.value.message("en").startswith(f"backup {tmp_path / 'backup'} is damaged")


def test_backup_and_restore_are_admin_actions(source_ws: Settings, tmp_path: Path) -> None:
    with Workspace(source_ws, actor="ani") as ws:
        with pytest.raises(Forbidden):
            backup_workspace(ws, tmp_path / "backup")
        with pytest.raises(Forbidden):
            restore_workspace(ws, tmp_path / "backup")
    assert not (tmp_path / "backup").exists()


def test_a_backup_folder_must_be_new_and_outside(source_ws: Settings, tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x", encoding="utf-8")
    with Workspace(source_ws, actor="admin") as ws:
        with pytest.raises(InvalidInput) as full:
            backup_workspace(ws, tmp_path / "full")
        with pytest.raises(Exception) as inside:
            backup_workspace(ws, ws.path / "backup")
    assert full.value.code == "backup_target_not_empty"
    assert getattr(inside.value, "code", None) == "backup_inside_workspace"


def test_a_backup_folder_that_cannot_be_created_is_refused_and_missing_parents_are_made(
    source_ws: Settings, tmp_path: Path
) -> None:
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    with Workspace(source_ws, actor="admin") as ws:
        with pytest.raises(InvalidInput) as refused:
            backup_workspace(ws, tmp_path / "a-file" / "backup")
        made = backup_workspace(ws, tmp_path / "new" / "parents" / "backup")
    assert (refused.value.code, refused.value.param) == ("backup_target_not_writable", "dir")
    assert refused.value.params["reason"] == "Not a directory"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "new", "source", "ws"]
    assert made.folder == (tmp_path / "new" / "parents" / "backup").resolve()
    assert (made.folder / "manifest.json").is_file()


def test_sqlite_backup_is_consistent_while_the_app_writes(tmp_path: Path) -> None:
    settings = Settings(workspace=tmp_path / "ws")
    stop = threading.Event()

    def write() -> None:
        with Workspace(settings) as ws:
            while not stop.is_set():
                with session(ws.database) as db:
                    audit.record(db, "web", "families.read", records=1)

    with Workspace(settings) as ws:
        _ = ws.actor
    writer = threading.Thread(target=write)
    writer.start()
    try:
        with Workspace(settings) as ws:
            backup_workspace(ws, tmp_path / "backup")
    finally:
        stop.set()
        writer.join()
    with Workspace(Settings(workspace=tmp_path / "restored")) as ws:
        restore_workspace(ws, tmp_path / "backup")
        assert verify_audit(ws).ok


def test_cli_backup_and_restore(source_ws: Settings, tmp_path: Path) -> None:
    if source_ws.database_url and source_ws.database_url.startswith("postgresql"):
        pytest.skip("the CLI path is the same on both databases")
    rpkd.cli._register()
    runner = CliRunner()
    done = runner.invoke(rpkd.cli.app, ["workspace", "backup", str(tmp_path / "b"), "-w",
                                        str(source_ws.workspace), "--as", "admin", "-f", "json"])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["files"] > 3
    done = runner.invoke(rpkd.cli.app, ["workspace", "restore", str(tmp_path / "b"), "-w",
                                        str(tmp_path / "new"), "--lang", "en"])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "Workspace restore" in done.stdout


def test_a_failed_restore_leaves_the_target_as_it_was(
    source_ws: Settings, second_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rpkd import store
    from rpkd.store import backup as db_backup

    with Workspace(source_ws, actor="admin") as ws:
        backup_workspace(ws, tmp_path / "backup")
    target = Settings(workspace=tmp_path / "restored", database_url=second_url)
    with Workspace(target) as ws:
        users.add_user(ws, "other", PASSWORD, role="admin")
    (tmp_path / "restored").mkdir(exist_ok=True)
    (tmp_path / "restored" / "note.txt").write_text("keep", encoding="utf-8")
    real_load = db_backup.load_tables

    def load_then_fail(*args: object, **kwargs: object) -> dict[str, int]:
        real_load(*args, **kwargs)  # type: ignore[arg-type]
        raise RuntimeError("disk full")

    def fail(*_args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(db_backup, "load_tables", load_then_fail)
    monkeypatch.setattr(store, "upgrade", fail)  # the SQLite path upgrades the restored copy
    with Workspace(target, actor="other") as ws, pytest.raises(RuntimeError):
        restore_workspace(ws, tmp_path / "backup", force=True)
    monkeypatch.undo()
    assert (tmp_path / "restored" / "note.txt").read_text(encoding="utf-8") == "keep"
    assert not (tmp_path / "restored" / "releases").exists()
    assert [p.name for p in tmp_path.iterdir() if ".restore-" in p.name] == []
    with Workspace(target, actor="other") as ws:
        assert [u["username"] for u in users.list_users(ws).to_json()] == ["other"]
