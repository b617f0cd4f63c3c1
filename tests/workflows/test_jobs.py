"""Release uploads imported in the background (``rpkd.workflows.jobs``), without the web.

A small synthetic district is uploaded as files and as a zip; a hand-made families file with a
desa code that does not exist is refused with that finding; unsafe names, zip bombs and nested
archives are refused before anything is written; a viewer may not start an upload; a job whose
process died is closed as failed. Expected values are written here by hand.
"""

from __future__ import annotations

import io
import json
import os
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from rpkd.access import audit
from rpkd.errors import Forbidden, InvalidInput, NotFound, UsageError
from rpkd.releases import jobs as store
from rpkd.store import session, utcnow
from rpkd.workflows import access, jobs, releases, synth
from rpkd.workflows.jobs import Upload
from rpkd.workflows.workspace import Workspace

PASSWORD = "rahasia-panjang-1"
SOURCE_KINDS = ("families", "persons", "survey", "villages")


@dataclass(frozen=True)
class District:
    path: Path
    source: Path

    def ws(self, actor: str = "admin") -> Workspace:
        return Workspace.open(self.path, actor=actor)

    def sources(self) -> list[Path]:
        """The source files a district sends: registry, survey, villages, the beneficiary lists
        that hold someone (a district this small has programmes without beneficiaries)."""
        return sorted(
            p
            for p in self.source.iterdir()
            if p.suffix == ".csv"
            and (p.stem in SOURCE_KINDS or p.stem.startswith("beneficiaries_"))
            and len(p.read_bytes().splitlines()) > 1
        )


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Iterator[District]:
    root = tmp_path_factory.mktemp("jobs")
    path, source = root / "ws", root / "source"
    with Workspace.open(path) as ws:
        synth.synthesize_district(ws, "62.03", source, families=150, seed=5, fmt="csv")
        access.add_user(ws, "admin", PASSWORD, role="admin")
    with Workspace.open(path, actor="admin") as ws:
        access.add_user(ws, "analis", PASSWORD, role="analyst", region="62.03")
        access.add_user(ws, "analis2", PASSWORD, role="analyst")
        access.add_user(ws, "luar", PASSWORD, role="analyst", region="62.11")
        access.add_user(ws, "pemantau", PASSWORD, role="viewer")
    yield District(path, source)


def _files(paths: list[Path]) -> list[Upload]:
    return [Upload(p.name, io.BytesIO(p.read_bytes())) for p in paths]


def _zip(members: dict[str, bytes]) -> Upload:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data in members.items():
            bundle.writestr(name, data)
    buffer.seek(0)
    return Upload("rilis.zip", buffer)


def _staged(d: District) -> list[str]:
    folder = d.path / jobs.UPLOADS
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def _release_names(d: District) -> list[str]:
    with d.ws() as ws:
        return [r.name for r in releases.list_releases(ws).releases]


# --- a good upload -------------------------------------------------------------------------


@dataclass(frozen=True)
class FilesJob:
    form: jobs.UploadForm
    started: jobs.ImportJob
    ended: jobs.ImportJob


@pytest.fixture(scope="module")
def files_job(district: District) -> FilesJob:
    """The analyst's upload of the district's files as release ``r-files``, run once per
    worker: the tests that read it may run on different xdist workers."""
    with district.ws("analis") as ws:
        form = jobs.upload_form(ws)
        started = jobs.start_import(
            ws, _files(district.sources()), "r-files", reference_date="2025-03-01"
        )
        ended = jobs.wait_import_job(ws, started.id, timeout=300)
    return FilesJob(form, started, ended)


def test_an_upload_of_files_is_imported_in_the_background(
    district: District, files_job: FilesJob
) -> None:
    form, started, ended = files_job.form, files_job.started, files_job.ended
    assert form.region == "62.03"
    assert form.max_bytes == 512 * 2**20
    assert started.state == "queued"
    assert started.progress == 0.0
    assert ended.state == "succeeded", ended.to_json()
    assert ended.progress == 1.0
    assert ended.message("en") == (
        f"release r-files was created ({ended.warnings} warnings kept in the release)"
    )
    data = ended.to_json()
    assert (data["release"], data["region"], data["reference_date"]) == (
        "r-files",
        "62.03",
        "2025-03-01",
    )
    assert data["result"]["rows"]["families"] == 150
    assert {f["file"] for f in data["files"]} == {p.name for p in district.sources()}
    assert {f["bytes"] for f in data["files"]} == {p.stat().st_size for p in district.sources()}
    assert (ended.job.stage, ended.job.done, ended.job.total) == ("import.summary", 1, 1)
    assert "r-files" in _release_names(district)
    assert _staged(district) == []  # the staged files are gone once the job ends


def test_the_upload_is_audited_with_file_names_and_sizes_only(
    district: District, files_job: FilesJob
) -> None:
    with district.ws() as ws, ws.transaction() as db:
        rows = [e for e in audit.entries(db, action="release.upload") if e.release == "r-files"]
        imports = [e for e in audit.entries(db, action="release.import") if e.release == "r-files"]
    assert len(rows) == 1 and len(imports) == 1
    entry = rows[0]
    assert (entry.username, entry.scope) == ("analis", "region=62.03")
    sizes = {p.name: p.stat().st_size for p in district.sources()}
    assert {f["file"]: f["bytes"] for f in entry.parameters["files"]} == sizes
    assert sorted(entry.parameters) == ["files", "job", "skipped"]
    assert imports[0].username == "analis"


def test_a_zip_is_imported_and_its_other_members_skipped(district: District) -> None:
    members = {f"kapuas/{p.name}": p.read_bytes() for p in district.sources()}
    members["kapuas/truth/links_pkh.csv"] = b"record,person_id\n"
    members["kapuas/README.txt"] = b"dari Dinsos"
    with district.ws("analis") as ws:
        started = jobs.start_import(ws, [_zip(members)], "r-zip", reference_date="2025-03-01")
        ended = jobs.wait_import_job(ws, started.id, timeout=300)
    assert ended.state == "succeeded", ended.to_json()
    assert sorted(ended.skipped) == ["kapuas/README.txt", "kapuas/truth/links_pkh.csv"]
    assert {f["file"] for f in ended.files} == {p.name for p in district.sources()}


# --- a refused import ----------------------------------------------------------------------


BAD_FAMILIES = b"family_id,desa_code\nF1,99.99.99.9999\n"


def test_a_bad_upload_ends_refused_with_its_findings_and_creates_nothing(
    district: District,
) -> None:
    before = _release_names(district)
    with district.ws("analis") as ws:
        started = jobs.start_import(ws, [Upload("families.csv", io.BytesIO(BAD_FAMILIES))], "bad")
        ended = jobs.wait_import_job(ws, started.id, timeout=120)
        assert ended.state == "refused", ended.to_json()
        unknown = [f for f in ended.findings if f.code == "desa_unknown"]
        assert [(f.file, f.row, f.field, f.value) for f in unknown] == [
            ("families.csv", 1, "desa_code", "99.99.99.9999")
        ]
        assert ended.errors == len(ended.findings) >= 1
        row = next(r for r in ended.finding_rows("en") if r["rule"] == "desa_unknown")
        assert row["message"] == "village code is not in the Kemendagri list"
        assert sorted(ended.reports) == ["csv", "xlsx"]
        report = jobs.import_job_report(ws, started.id, "csv")
        text = report.path.read_text(encoding="utf-8-sig")
        assert "desa_unknown" in text and "99.99.99.9999" in text
        assert ended.message("id") is not None and "galat" in str(ended.message("id"))
    assert _release_names(district) == before
    assert not [p for p in (district.path / "releases").iterdir() if p.name.startswith(".")]
    assert _staged(district) == []
    shown = ended.to_json()["result"]
    assert shown["report"] == [Path(p).name for p in ended.job.result["report"]]


def test_a_job_is_read_by_its_owner_or_an_admin_only(district: District) -> None:
    with district.ws("analis") as ws:
        job = jobs.start_import(ws, [Upload("families.csv", io.BytesIO(BAD_FAMILIES))], "bad2")
        jobs.wait_import_job(ws, job.id, timeout=120)
    with district.ws("admin") as ws:
        assert jobs.import_job(ws, job.id).state == "refused"
        assert job.id in [j.id for j in jobs.list_import_jobs(ws).jobs]
    with district.ws("analis2") as ws:
        with pytest.raises(Forbidden) as refused:
            jobs.import_job(ws, job.id)
        assert refused.value.code == "import_job_forbidden"
        with pytest.raises(Forbidden):
            jobs.import_job_report(ws, job.id, "csv")
        assert job.id not in [j.id for j in jobs.list_import_jobs(ws).jobs]
        with pytest.raises(NotFound):
            jobs.import_job(ws, "0" * 32)


# --- refused uploads: nothing is written ---------------------------------------------------


def _refused(district: District, files: list[Upload], name: str = "x") -> InvalidInput:
    with district.ws("analis") as ws, pytest.raises(InvalidInput) as refused:
        jobs.start_import(ws, files, name)
    assert _staged(district) == []
    assert name not in _release_names(district)
    return refused.value


@pytest.mark.parametrize(
    "filename",
    ["../families.csv", "/etc/families.csv", "data/families.csv", "C:\\data\\families.csv", ""],
)
def test_a_file_name_with_a_path_is_refused(district: District, filename: str) -> None:
    error = _refused(district, [Upload(filename, io.BytesIO(BAD_FAMILIES))])
    assert error.code == ("upload_empty" if not filename else "upload_name_unsafe")


@pytest.mark.parametrize("filename", ["data.csv", "families.txt", "families.csv.exe", "x.xlsm"])
def test_a_file_of_no_expected_kind_is_refused(district: District, filename: str) -> None:
    assert _refused(district, [Upload(filename, io.BytesIO(b"a\n1\n"))]).code == (
        "upload_kind_unknown"
    )


def test_the_same_file_twice_is_refused(district: District) -> None:
    twice = [Upload(n, io.BytesIO(BAD_FAMILIES)) for n in ("families.csv", "Families.csv")]
    assert _refused(district, twice).code == "upload_name_duplicate"


@pytest.mark.parametrize(
    ("member", "code"),
    [
        ("../../families.csv", "upload_zip_member_unsafe"),
        ("/tmp/families.csv", "upload_zip_member_unsafe"),
        ("..\\families.csv", "upload_zip_member_unsafe"),
        ("inner.zip", "upload_zip_nested"),
        ("data/inner.ZIP", "upload_zip_nested"),
    ],
)
def test_a_zip_with_an_unsafe_member_is_refused(district: District, member: str, code: str) -> None:
    upload = _zip({"families.csv": BAD_FAMILIES, member: b"PK\x03\x04"})
    assert _refused(district, [upload]).code == code


def test_a_zip_bomb_is_refused_before_extraction(district: District) -> None:
    bomb = _zip({"persons.csv": b"0" * (40 * 2**20)})  # 40 MB of one byte: ratio ~1000
    error = _refused(district, [bomb])
    assert (error.code, error.params["member"]) == ("upload_zip_bomb", "persons.csv")
    assert error.params["ratio"] > 200


def test_a_zip_with_another_file_or_a_symbolic_link_is_refused(district: District) -> None:
    zipped = _zip({"families.csv": BAD_FAMILIES})
    assert (
        _refused(district, [zipped, Upload("persons.csv", io.BytesIO(b""))]).code
        == "upload_zip_alone"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        link = zipfile.ZipInfo("families.csv")
        link.external_attr = 0o120777 << 16  # a symbolic link to /etc/passwd
        bundle.writestr(link, "/etc/passwd")
    buffer.seek(0)
    assert _refused(district, [Upload("r.zip", buffer)]).code == "upload_zip_member_unsafe"
    assert _refused(district, [Upload("r.zip", io.BytesIO(b"not a zip"))]).code == (
        "upload_zip_unreadable"
    )
    empty = _zip({"README.txt": b"kosong"})
    assert _refused(district, [empty]).code == "upload_zip_no_source"


@pytest.fixture
def small_limits(district: District) -> Iterator[None]:
    settings = district.path / "rpkd.toml"
    settings.write_text("upload_max_mb = 1\nupload_unpacked_max_mb = 2\n", encoding="utf-8")
    yield
    settings.unlink()


@pytest.mark.usefixtures("small_limits")
def test_sizes_are_capped_by_the_settings(district: District) -> None:
    big = b"family_id,desa_code\n" + b"F1,62.03.01.2001\n" * 70_000  # 1.2 MB
    error = _refused(district, [Upload("families.csv", io.BytesIO(big))])
    assert (error.code, error.params["limit"]) == ("upload_too_large", 1)
    # 3 MB that compress well below the ratio limit but unpack past 2 MB
    rows = b"".join(f"F{i},62.03.01.{i:04d}\n".encode() for i in range(150_000))
    error = _refused(district, [_zip({"families.csv": rows})])
    assert (error.code, error.params["limit"]) == ("upload_unpacked_too_large", 2)


def test_a_setting_that_is_not_a_positive_number_is_refused(district: District) -> None:
    settings = district.path / "rpkd.toml"
    settings.write_text('upload_max_mb = "banyak"\n', encoding="utf-8")
    try:
        with district.ws("analis") as ws, pytest.raises(UsageError) as refused:
            jobs.upload_form(ws)
    finally:
        settings.unlink()
    assert (refused.value.code, refused.value.param) == ("setting_not_positive", "upload_max_mb")


# --- permission and names, checked before anything is written ------------------------------


@pytest.mark.parametrize("user", ["pemantau", "luar"])
def test_a_viewer_or_an_analyst_of_another_region_may_not_upload(
    district: District, user: str
) -> None:
    with district.ws(user) as ws:
        if user == "pemantau":
            with pytest.raises(Forbidden):
                jobs.upload_form(ws)
        else:  # the form is offered for its own region
            assert jobs.upload_form(ws).region == "62.11"
        with pytest.raises(Forbidden):
            jobs.start_import(
                ws, [Upload("families.csv", io.BytesIO(BAD_FAMILIES))], "v", region="62.03"
            )
    assert _staged(district) == []
    with district.ws() as ws, ws.transaction() as db:
        assert not [e for e in audit.entries(db, action="release.upload") if e.release == "v"]


def test_a_taken_or_invalid_name_is_refused_before_staging(district: District) -> None:
    with district.ws("analis") as ws:
        if "r-taken" not in _release_names(district):
            folder = district.path.parent / "taken-source"
            folder.mkdir(exist_ok=True)
            for path in district.sources():
                (folder / path.name).write_bytes(path.read_bytes())
            releases.import_release(
                ws, folder, "r-taken", region="62.03", reference_date="2025-03-01"
            )
        with pytest.raises(InvalidInput) as taken:
            jobs.start_import(ws, _files(district.sources()), "r-taken")
        assert taken.value.code == "release_exists"
        with pytest.raises(UsageError) as invalid:
            jobs.start_import(ws, _files(district.sources()), "../r")
        assert invalid.value.code == "release_name"
        with ws.transaction() as db:
            store.create(
                db, "a" * 32, owner="analis", release="busy", region="62.03",
                reference_date=None, files=[],
            )  # fmt: skip
        with pytest.raises(InvalidInput) as busy:
            jobs.start_import(ws, _files(district.sources()), "busy")
        assert busy.value.code == "import_job_same_name"
    assert _staged(district) == []


# --- a process that died -------------------------------------------------------------------


def test_a_job_whose_process_died_is_closed_as_failed(district: District) -> None:
    old = utcnow() - timedelta(minutes=10)
    folder = district.path / jobs.UPLOADS / ("b" * 32)
    folder.mkdir(parents=True)
    (folder / "families.csv").write_bytes(BAD_FAMILIES)
    with district.ws("analis") as ws:
        with ws.transaction() as db:
            store.create(
                db, "b" * 32, owner="analis", release="dead", region="62.03",
                reference_date=None, files=[],
            )  # fmt: skip
            store.progress(db, "b" * 32, "import.validate", 0, 1)
            db.query(store.ImportJobRow).filter_by(id="b" * 32).update({"heartbeat_at": old})
        os.utime(folder, (old.timestamp(), old.timestamp()))
        recovered = jobs.recover_import_jobs(ws)
        assert "b" * 32 in recovered.ids
        job = jobs.import_job(ws, "b" * 32)
    assert (job.state, job.job.result["code"]) == ("failed", "import_job_interrupted")
    assert job.message("en") == (
        "the import stopped because the server process stopped; no release was created, "
        "upload again"
    )
    assert not folder.exists()


def test_reading_a_stale_job_closes_it(district: District) -> None:
    old = utcnow() - timedelta(minutes=10)
    with district.ws("analis") as ws:
        with ws.transaction() as db:
            store.create(
                db, "c" * 32, owner="analis", release="dead2", region="62.03",
                reference_date=None, files=[],
            )  # fmt: skip
            db.query(store.ImportJobRow).filter_by(id="c" * 32).update({"heartbeat_at": old})
        job = jobs.import_job(ws, "c" * 32)
    assert job.state == "failed"
    assert json.loads(json.dumps(job.to_json()))["result"]["code"] == "import_job_interrupted"


def test_a_crash_closes_the_job_as_failed_and_a_running_job_beats(
    district: District, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, str]] = []

    def crashing(ws: Workspace, folder: Path, name: str, **options: object) -> None:
        job = jobs.list_import_jobs(ws, limit=1).jobs[0]
        seen.append((job.state, str(job.job.heartbeat_at)))
        time.sleep(0.5)
        seen.append((job.state, str(jobs.import_job(ws, job.id).job.heartbeat_at)))
        raise RuntimeError("a bug")

    monkeypatch.setattr(jobs, "import_release", crashing)
    monkeypatch.setattr(jobs, "HEARTBEAT", 0.05)
    with district.ws("analis") as ws:
        started = jobs.start_import(ws, [Upload("families.csv", io.BytesIO(BAD_FAMILIES))], "c")
        ended = jobs.wait_import_job(ws, started.id, timeout=60)
    assert (ended.state, ended.job.result) == (
        "failed",
        {"code": "import_job_crashed", "params": {"reason": "RuntimeError"}},
    )
    assert seen[0][1] < seen[1][1]  # the heartbeat moved while the import ran
    assert _staged(district) == []


# --- the job store, on SQLite and PostgreSQL -----------------------------------------------


def test_a_job_moves_forward_only_on_every_database(database: Engine) -> None:
    old = utcnow() - timedelta(minutes=5)
    with session(database) as db:
        store.create(
            db, "d" * 32, owner="analis", release="r", region="62.03",
            reference_date=date(2025, 3, 1), files=[{"file": "families.csv", "bytes": 3}],
        )  # fmt: skip
        store.create(
            db, "e" * 32, owner="analis", release="s", region=None, reference_date=None, files=[]
        )
    with session(database) as db:
        assert store.progress(db, "d" * 32, "import.read", 5_000_000_000, 6_000_000_000)
        assert store.active_for(db, "r") is not None
        assert store.finish(db, "d" * 32, "refused", {"code": "release_refused"})
        assert not store.progress(db, "d" * 32, "import.validate", 0, 1)  # closed stays closed
        assert not store.finish(db, "d" * 32, "succeeded", {})
        db.query(store.ImportJobRow).filter_by(id="e" * 32).update({"heartbeat_at": old})
    with session(database) as db:
        assert store.fail_stale(db, utcnow() - timedelta(minutes=1), {"code": "x"}) == ("e" * 32,)
        jobs_ = {j.id: j for j in store.recent(db, owner="analis")}
        assert store.states(db, ["d" * 32, "e" * 32, "f" * 32]) == {
            "d" * 32: "refused",
            "e" * 32: "failed",
        }
    refused = jobs_["d" * 32]
    assert (refused.state, refused.done, refused.total) == ("refused", 5_000_000_000, 6_000_000_000)
    assert refused.reference_date == date(2025, 3, 1)
    assert refused.files == ({"file": "families.csv", "bytes": 3},)
    assert refused.finished_at is not None and refused.finished_at.tzinfo is not None
