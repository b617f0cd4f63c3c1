"""Bad-input corpus of release uploads (:func:`rpkd.workflows.jobs.start_import`): names, sizes
and archives are refused before any job, release or staged file exists.

The huge file is a stream that claims 2 GB and yields zeros lazily: the limit (one megabyte here,
setting ``upload_max_mb``) stops it after a megabyte, so no gigabyte is ever written. The zip
bomb is a real deflate stream of a 20 MB member that compresses to about 20 kB.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from rpkd.errors import InvalidInput
from rpkd.locale import message
from rpkd.settings import Settings
from rpkd.workflows import jobs
from rpkd.workflows import releases as wf
from rpkd.workflows.jobs import Upload
from rpkd.workflows.workspace import Workspace

GOOD = b"family_id,kk_number,desa_code\r\nF1,6203011205800001,62.03.01.1006\r\n"
GB = 1 << 30


class Zeros(io.RawIOBase):
    """A stream of ``size`` zero bytes, made as it is read (a 2 GB file without the disk)."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), self.left)
        buffer[:n] = b"\0" * n
        self.left -= n
        self.read_bytes += n
        return n


def _zip(members: dict[str, bytes], name: str = "kapuas.zip") -> Upload:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for member, data in members.items():
            bundle.writestr(member, data)
    buffer.seek(0)
    return Upload(name, buffer)


def _symlink_zip() -> Upload:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        info = zipfile.ZipInfo("families.csv")
        info.external_attr = 0o120777 << 16  # a symbolic link
        bundle.writestr(info, "/etc/passwd")
    buffer.seek(0)
    return Upload("kapuas.zip", buffer)


CASES: dict[str, tuple[Callable[[], list[Upload]], str]] = {
    "huge_file_2gb": (lambda: [Upload("families.csv", Zeros(2 * GB))], "upload_too_large"),
    "huge_zip_2gb": (lambda: [Upload("kapuas.zip", Zeros(2 * GB))], "upload_too_large"),
    "zip_bomb": (lambda: [_zip({"families.csv": b"0" * (20 << 20)})], "upload_zip_bomb"),
    "zip_path_traversal": (
        lambda: [_zip({"../../etc/families.csv": GOOD})],
        "upload_zip_member_unsafe",
    ),
    "zip_absolute_path": (lambda: [_zip({"/tmp/families.csv": GOOD})], "upload_zip_member_unsafe"),
    "zip_symbolic_link": (lambda: [_symlink_zip()], "upload_zip_member_unsafe"),
    "zip_nested_archive": (
        lambda: [_zip({"inner.zip": _zip({"families.csv": GOOD}).stream.read()})],
        "upload_zip_nested",
    ),
    "zip_damaged": (
        lambda: [Upload("kapuas.zip", io.BytesIO(b"PK\x03\x04 broken"))],
        "upload_zip_unreadable",
    ),
    "upload_name_traversal": (
        lambda: [Upload("../../families.csv", io.BytesIO(GOOD))],
        "upload_name_unsafe",
    ),
    "upload_name_unknown_kind": (
        lambda: [Upload("keluarga.csv", io.BytesIO(GOOD))],
        "upload_kind_unknown",
    ),
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_upload_refused(kind: str, tmp_path: Path) -> None:
    make, code = CASES[kind]
    settings = Settings(workspace=tmp_path / "ws", extra={"upload_max_mb": 1})
    files = make()
    with Workspace(settings) as ws:
        with pytest.raises(InvalidInput) as caught:
            jobs.start_import(ws, files, "r1", region="62.03", reference_date="2025-07-01")
        assert jobs.list_import_jobs(ws).jobs == ()
        assert wf.list_releases(ws).releases == ()
    assert caught.value.code == code
    for lang in ("id", "en"):
        assert caught.value.message(lang) == message(code, lang, **caught.value.params)
    uploads = tmp_path / "ws" / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())
    assert not (tmp_path / "ws" / "releases" / "r1").exists()
    stream = files[0].stream
    if isinstance(stream, Zeros):  # stopped at the limit, never read to the end
        assert stream.read_bytes <= 2 << 20
