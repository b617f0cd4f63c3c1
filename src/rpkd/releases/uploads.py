"""Uploaded source files of a release, written safely into a private folder of the workspace.

A release can arrive from a browser as several files (CSV, XLSX, Parquet) or as one zip. Names
and sizes come from the client, so nothing is trusted (OWASP File Upload Cheat Sheet): a file
name must be a bare name of an expected kind (``families``, ``persons``, ``survey``,
``villages``, ``beneficiaries_<programme>`` with ``.csv``, ``.xlsx`` or ``.parquet``), stored
lower-case under that name only; the bytes written are counted against :class:`Limits` while
they are written. A zip is checked from its central directory before anything is extracted
(member names, count, symbolic links, encryption, nested archives, total uncompressed size and
compression ratio against zip bombs, as in Fifield, "A better zip bomb", WOOT 2019), then
extracted member by member with the bytes counted again, since a header can lie. Members that
are not source files (a ``truth/`` folder, a README, ``__MACOSX``) are skipped, never written.
An XLSX is itself a zip; its parts get the same size and ratio checks. Every refusal is an
:class:`rpkd.errors.InvalidInput` with a code; the caller removes the folder.
"""

from __future__ import annotations

import re
import stat
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Protocol

from rpkd.errors import InvalidInput
from rpkd.releases.schema import KINDS
from rpkd.releases.sources import EXTENSIONS

MB = 1 << 20
_CHUNK = 1 << 20
_SOURCE = re.compile(
    r"^(?:" + "|".join(k for k in KINDS if k != "beneficiaries") + r"|beneficiaries_[a-z0-9_]+)"
    r"\.(?:" + "|".join(EXTENSIONS) + r")$"
)
ARCHIVES = (".zip", ".gz", ".tgz", ".tar", ".7z", ".rar", ".bz2", ".xz", ".zst")
"""Suffixes of archives, refused inside a zip (no nested archives)."""
EXPECTED = "families, persons, survey, villages, beneficiaries_<programme> (.csv, .xlsx, .parquet)"
_RATIO_FROM = MB  # members smaller than this may compress well without being a bomb


@dataclass(frozen=True)
class Limits:
    """What an upload may hold: bytes received, bytes unpacked, compression ratio, members."""

    max_bytes: int = 512 * MB
    max_unpacked_bytes: int = 2048 * MB
    max_ratio: int = 200
    max_members: int = 1000


class Incoming(Protocol):
    """One file as a client sent it: the name it gave and a readable binary stream."""

    @property
    def filename(self) -> str: ...

    @property
    def stream(self) -> IO[bytes]: ...


@dataclass(frozen=True)
class StagedFile:
    """A source file written to the staging folder: its (canonical) name and size."""

    file: str
    bytes: int


@dataclass(frozen=True)
class StagedUpload:
    """The staging folder of an upload, the source files in it and the zip members skipped."""

    folder: Path
    files: tuple[StagedFile, ...]
    skipped: tuple[str, ...] = ()

    @property
    def bytes(self) -> int:
        return sum(f.bytes for f in self.files)


def _shown(name: str) -> str:
    """Return a client-given name fit for a message (no control characters, bounded)."""
    clean = "".join(c if c.isprintable() else "?" for c in name)
    return clean if len(clean) <= 120 else clean[:117] + "..."


def _parts(name: str) -> tuple[str, ...] | None:
    """Return the folders and name of a relative path, None if it could leave its folder.

    Both separators count (a zip made on Windows may use ``\\``); absolute paths, drive
    letters, ``..`` and NUL are refused.

    Examples
    --------
    >>> _parts("kapuas/families.csv"), _parts("../etc/passwd"), _parts("C:\\\\x.csv")
    (('kapuas', 'families.csv'), None, None)
    """
    text = name.replace("\\", "/")
    if not text or "\x00" in text or text.startswith("/") or re.match(r"^[A-Za-z]:", text):
        return None
    parts = tuple(p for p in PurePosixPath(text).parts if p not in ("", "."))
    if not parts or ".." in parts:
        return None
    return parts


def source_name(filename: str) -> str:
    """Return the name under which an uploaded file is staged (lower case), or refuse it.

    Examples
    --------
    >>> source_name("Families.CSV"), source_name("beneficiaries_PKH.xlsx")
    ('families.csv', 'beneficiaries_pkh.xlsx')
    """
    parts = _parts(filename)
    if parts is None or len(parts) != 1:
        raise InvalidInput("upload_name_unsafe", param="files", file=_shown(filename))
    name = parts[0].lower()
    if not _SOURCE.match(name):
        raise InvalidInput(
            "upload_kind_unknown", param="files", file=_shown(filename), expected=EXPECTED
        )
    return name


def _copy(source: IO[bytes], target: Path, budget: int) -> int | None:
    """Copy ``source`` to a new file ``target``; return the bytes written, None (and stop)
    once they pass ``budget``."""
    written = 0
    with target.open("xb") as out:
        while chunk := source.read(_CHUNK):
            written += len(chunk)
            if written > budget:
                return None
            out.write(chunk)
    return written


def _too_large(limits: Limits) -> InvalidInput:
    return InvalidInput("upload_too_large", param="files", limit=limits.max_bytes // MB)


def stage_upload(uploads: Sequence[Incoming], folder: Path, limits: Limits) -> StagedUpload:
    """Write uploaded source files (or the source files of one zip) into ``folder``.

    ``folder`` is created (owner-only permissions) and must not exist. Raises
    :class:`InvalidInput` (``upload_*`` codes) on any refused name, size or archive; the caller
    then removes ``folder``.
    """
    chosen = [u for u in uploads if u.filename]
    if not chosen:
        raise InvalidInput("upload_empty", param="files")
    zips = [u for u in chosen if u.filename.lower().endswith(".zip")]
    if zips and len(chosen) > 1:
        raise InvalidInput("upload_zip_alone", param="files", file=_shown(zips[0].filename))
    folder.mkdir(mode=0o700, parents=True)
    if zips:
        return _stage_zip(zips[0], folder, limits)
    names = [source_name(u.filename) for u in chosen]
    _unique(names)
    files, left = [], limits.max_bytes
    for upload, name in zip(chosen, names, strict=True):
        size = _copy(upload.stream, folder / name, left)
        if size is None:
            raise _too_large(limits)
        left -= size
        files.append(StagedFile(name, size))
        if name.endswith(".xlsx"):
            check_workbook(folder / name, limits)
    return StagedUpload(folder, tuple(files))


def _unique(names: Sequence[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InvalidInput("upload_name_duplicate", param="files", file=name)
        seen.add(name)


def _stage_zip(upload: Incoming, folder: Path, limits: Limits) -> StagedUpload:
    archive = folder / ".upload.zip"
    if _copy(upload.stream, archive, limits.max_bytes) is None:
        raise _too_large(limits)
    shown = _shown(upload.filename)
    try:
        with zipfile.ZipFile(archive) as bundle:
            members, skipped = _plan(bundle, shown, limits)
            files = [_extract(bundle, info, folder / name, shown) for name, info in members]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as exc:
        raise InvalidInput("upload_zip_unreadable", param="files", file=shown) from exc
    finally:
        archive.unlink(missing_ok=True)
    if not files:
        raise InvalidInput("upload_zip_no_source", param="files", file=shown, expected=EXPECTED)
    for item in files:
        if item.file.endswith(".xlsx"):
            check_workbook(folder / item.file, limits)
    return StagedUpload(folder, tuple(files), tuple(skipped))


def _plan(
    bundle: zipfile.ZipFile, shown: str, limits: Limits
) -> tuple[list[tuple[str, zipfile.ZipInfo]], list[str]]:
    """Check a zip's central directory; return the members to extract (staged name, entry)
    and the names of those skipped. Nothing is extracted here."""
    entries = bundle.infolist()
    if len(entries) > limits.max_members:
        raise InvalidInput(
            "upload_zip_members",
            param="files",
            file=shown,
            count=len(entries),
            limit=limits.max_members,
        )
    chosen: list[tuple[str, zipfile.ZipInfo]] = []
    skipped: list[str] = []
    unpacked = 0
    for info in entries:
        member = _shown(info.filename)
        parts = _parts(info.filename)
        mode = info.external_attr >> 16
        if parts is None or stat.S_ISLNK(mode):
            raise InvalidInput("upload_zip_member_unsafe", param="files", member=member)
        if info.is_dir():
            continue
        if info.flag_bits & 0x1:
            raise InvalidInput("upload_zip_encrypted", param="files", member=member)
        if parts[-1].lower().endswith(ARCHIVES):
            raise InvalidInput("upload_zip_nested", param="files", member=member)
        _check_ratio(info, member, limits)
        unpacked += info.file_size
        if unpacked > limits.max_unpacked_bytes:
            raise InvalidInput(
                "upload_unpacked_too_large",
                param="files",
                file=shown,
                limit=limits.max_unpacked_bytes // MB,
            )
        name = parts[-1].lower()
        if _SOURCE.match(name):
            chosen.append((name, info))
        else:
            skipped.append(member)
    _unique([name for name, _ in chosen])
    return chosen, skipped


def _check_ratio(info: zipfile.ZipInfo, member: str, limits: Limits) -> None:
    if info.file_size > _RATIO_FROM and info.file_size > limits.max_ratio * max(
        info.compress_size, 1
    ):
        raise InvalidInput(
            "upload_zip_bomb",
            param="files",
            member=member,
            limit=limits.max_ratio,
            ratio=info.file_size // max(info.compress_size, 1),
        )


def _extract(
    bundle: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, shown: str
) -> StagedFile:
    """Extract one member, refusing it if it holds more bytes than its header declared."""
    with bundle.open(info) as member:
        size = _copy(member, target, info.file_size)
    if size is None:
        raise InvalidInput("upload_zip_unreadable", param="files", file=shown)
    return StagedFile(target.name, size)


def check_workbook(path: Path, limits: Limits) -> None:
    """Refuse an XLSX whose parts unpack past the limits (an XLSX is a zip; a file that is no
    zip is left to the reader, which reports it unreadable)."""
    try:
        with zipfile.ZipFile(path) as book:
            entries = book.infolist()
    except zipfile.BadZipFile:
        return
    total = 0
    for info in entries:
        _check_ratio(info, f"{path.name}:{_shown(info.filename)}", limits)
        total += info.file_size
        if total > limits.max_unpacked_bytes:
            raise InvalidInput(
                "upload_unpacked_too_large",
                param="files",
                file=path.name,
                limit=limits.max_unpacked_bytes // MB,
            )
