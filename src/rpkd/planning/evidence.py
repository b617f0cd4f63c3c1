"""Evidence files of realisations: checked, stored beside the database, read back.

Names, sizes and contents come from the client, so nothing is trusted (OWASP File Upload
Cheat Sheet): the extension must be one the kit allows (``monitoring``, ``[evidence]``), the
first bytes must match it (PDF, PNG, JPEG signatures; XLSX/DOCX are zip containers; CSV is
text), the size is counted while the bytes are written and may not exceed ``max_mb``. A file
is stored under a random name in ``<workspace>/evidence/``; the name the client gave is kept
(made printable) only to be shown and offered back on download.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from rpkd.errors import InvalidInput

MB = 1 << 20
_CHUNK = 1 << 16
FOLDER = "evidence"
_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "xlsx": (b"PK\x03\x04",),
    "docx": (b"PK\x03\x04",),
}
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "csv": "text/csv",
}


@dataclass(frozen=True)
class EvidenceRules:
    """The kinds of evidence accepted and the largest size of one file."""

    kinds: tuple[str, ...]
    max_bytes: int


def evidence_rules(doc: Mapping[str, Any]) -> EvidenceRules:
    """Return the evidence rules of the kit's ``monitoring`` document.

    Examples
    --------
    >>> evidence_rules({"evidence": {"max_mb": 2, "kinds": ["PDF", "png"]}})
    EvidenceRules(kinds=('pdf', 'png'), max_bytes=2097152)
    """
    part = doc.get("evidence", {})
    kinds = tuple(str(k).lower() for k in part.get("kinds", ("pdf", "jpg", "jpeg", "png")))
    unknown = [k for k in kinds if k not in MEDIA_TYPES]
    if unknown:
        raise InvalidInput("realisation_evidence_kind_unsupported", param="kinds", kinds=unknown)
    return EvidenceRules(kinds, int(part.get("max_mb", 10)) * MB)


@dataclass(frozen=True)
class StoredEvidence:
    """An evidence file written to the workspace."""

    filename: str
    stored: str
    kind: str
    size: int
    sha256: str


def shown_name(name: str) -> str:
    """Return the last part of a client-given name, printable and at most 120 characters.

    Examples
    --------
    >>> shown_name("C:\\\\foto\\\\rumah 1.JPG"), shown_name("../../x.pdf")
    ('rumah 1.JPG', 'x.pdf')
    """
    last = PurePosixPath(name.replace("\\", "/")).name
    clean = "".join(c if c.isprintable() and c not in "\"'<>" else "_" for c in last)
    return clean[-120:] or "bukti"


def _kind(filename: str, rules: EvidenceRules) -> str:
    suffix = PurePosixPath(filename).suffix.lower().lstrip(".")
    if suffix not in rules.kinds:
        raise InvalidInput(
            "realisation_evidence_kind_refused",
            param="evidence",
            file=filename,
            kinds=", ".join(rules.kinds),
        )
    return suffix


def _content_matches(kind: str, head: bytes) -> bool:
    if kind == "csv":
        return b"\x00" not in head
    return any(head.startswith(s) for s in _SIGNATURES[kind])


def store(folder: Path, filename: str, stream: IO[bytes], rules: EvidenceRules) -> StoredEvidence:
    """Check and write one uploaded file into ``folder``; remove it again if refused."""
    shown = shown_name(filename)
    kind = _kind(shown, rules)
    folder.mkdir(parents=True, exist_ok=True)
    stored = f"{secrets.token_hex(16)}.{kind}"
    target = folder / stored
    digest = hashlib.sha256()
    size = 0
    head = b""
    try:
        with target.open("xb") as out:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > rules.max_bytes:
                    raise InvalidInput(
                        "realisation_evidence_too_large",
                        param="evidence",
                        file=shown,
                        limit=rules.max_bytes // MB,
                    )
                if len(head) < 16:
                    head += chunk[:16]
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise InvalidInput("realisation_evidence_empty", param="evidence", file=shown)
        if not _content_matches(kind, head):
            raise InvalidInput(
                "realisation_evidence_content_mismatch", param="evidence", file=shown, kind=kind
            )
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return StoredEvidence(shown, stored, kind, size, digest.hexdigest())


def remove(folder: Path, stored: str) -> None:
    """Remove a stored file (a submission that failed after its files were written)."""
    (folder / PurePosixPath(stored).name).unlink(missing_ok=True)
