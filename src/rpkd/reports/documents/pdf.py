"""The PDF of a document: its DOCX converted by LibreOffice (headless), the same file the
author edits, so the two never disagree.

LibreOffice's plain ``--convert-to pdf`` would print the table of contents as the DOCX holds it
(python-docx cannot paginate), so the conversion runs a small LibreOffice Basic macro instead:
it opens the DOCX, updates every index (contents, list of tables, list of figures) twice so
that the page numbers settle, writes what the indexes hold (each entry and its page) to a text
file, and exports the PDF. The entries with their pages go back into the DOCX (its fields'
current result, :func:`rpkd.reports.documents.word.write_docx`), so the editable file opens
with a complete table of contents too.

Each conversion runs in a private copy of a LibreOffice user profile holding the macro (built
once per LibreOffice version under the user's cache folder), so conversions may run side by
side (a web server) without handing their work to each other's LibreOffice process.

Install LibreOffice Writer from the distribution (Debian: ``apt-get install
libreoffice-writer``); ``soffice`` must be on the ``PATH`` (or give ``soffice=``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rpkd.errors import InvalidInput, UsageError

MACRO = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Rpkd" \
script:language="StarBasic">
Sub Export(folder As String)
  Dim load(0) As New com.sun.star.beans.PropertyValue
  load(0).Name = &quot;Hidden&quot;
  load(0).Value = True
  doc = StarDesktop.loadComponentFromURL(ConvertToURL(folder &amp; &quot;/in.docx&quot;), \
&quot;_blank&quot;, 0, load())
  indexes = doc.getDocumentIndexes()
  For pass = 1 To 2
    For i = 0 To indexes.getCount() - 1
      indexes.getByIndex(i).update()
    Next i
  Next pass
  files = createUnoService(&quot;com.sun.star.ucb.SimpleFileAccess&quot;)
  text = createUnoService(&quot;com.sun.star.io.TextOutputStream&quot;)
  text.setOutputStream(files.openFileWrite(ConvertToURL(folder &amp; &quot;/contents.txt&quot;)))
  text.setEncoding(&quot;UTF-8&quot;)
  For i = 0 To indexes.getCount() - 1
    text.writeString(&quot;@@index&quot; &amp; Chr(10) &amp; indexes.getByIndex(i).getAnchor().getString() &amp; Chr(10))
  Next i
  text.closeOutput()
  Dim store(0) As New com.sun.star.beans.PropertyValue
  store(0).Name = &quot;FilterName&quot;
  store(0).Value = &quot;writer_pdf_Export&quot;
  doc.storeToURL(ConvertToURL(folder &amp; &quot;/out.pdf&quot;), store())
  doc.close(True)
  StarDesktop.terminate()
End Sub
</script:module>
"""
_LIBRARY = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE library:library PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "library.dtd">
<library:library xmlns:library="http://openoffice.org/2000/library" library:name="Standard" \
library:readonly="false" library:passwordprotected="false">
 <library:element library:name="Rpkd"/>
</library:library>
"""
_ENTRY = re.compile(r"^(?P<text>.*?)\t+(?P<page>[0-9ivxlcdm]+)\s*$")


@dataclass(frozen=True)
class Converted:
    """A PDF written from a DOCX: where, and every index's entries as (text, page)."""

    pdf: Path
    indexes: tuple[tuple[tuple[str, str], ...], ...]
    seconds: float


def soffice_path(soffice: str | None = None) -> str:
    """Return LibreOffice's ``soffice`` program; raise :class:`UsageError` when it is missing."""
    found = shutil.which(soffice or "soffice")
    if found is None:
        raise UsageError("document_libreoffice_missing", param="to", program=soffice or "soffice")
    return found


def convert(
    docx: Path, pdf: Path, *, soffice: str | None = None, timeout: float = 600.0
) -> Converted:
    """Convert the DOCX file ``docx`` to the PDF file ``pdf`` (indexes updated) and return it.

    Raises :class:`InvalidInput` (``document_pdf_failed``) when LibreOffice fails, stops
    without a PDF or takes longer than ``timeout`` seconds.
    """
    import time

    program = soffice_path(soffice)
    template = _profile(program)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="rpkd-pdf-") as work:
        folder = Path(work)
        profile = folder / "profile"
        shutil.copytree(template, profile)
        shutil.copyfile(docx, folder / "in.docx")
        command = [
            program,
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            f"-env:UserInstallation={profile.as_uri()}",
            f'macro:///Standard.Rpkd.Export("{folder}")',
        ]
        try:
            run = subprocess.run(
                command, capture_output=True, timeout=timeout, check=False, env=_environment()
            )
        except subprocess.TimeoutExpired as exc:
            raise InvalidInput(
                "document_pdf_failed", param="to", file=docx.name, detail=f"timeout {timeout:.0f} s"
            ) from exc
        written = folder / "out.pdf"
        if run.returncode != 0 or not written.is_file() or written.stat().st_size == 0:
            detail = run.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise InvalidInput(
                "document_pdf_failed",
                param="to",
                file=docx.name,
                detail=" ".join(detail) or f"exit {run.returncode}",
            )
        pdf.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(written, pdf)
        listed = folder / "contents.txt"
        text = listed.read_text(encoding="utf-8") if listed.is_file() else ""
    return Converted(pdf, parse_indexes(text), time.monotonic() - started)


def parse_indexes(text: str) -> tuple[tuple[tuple[str, str], ...], ...]:
    """Return each index's (entry, page) lines from the macro's ``contents.txt``.

    Examples
    --------
    >>> parse_indexes("@@index\\nBAB I PENDAHULUAN\\t1\\n1.1 Latar\\t1\\n@@index\\n")
    ((('BAB I PENDAHULUAN', '1'), ('1.1 Latar', '1')), ())
    """
    out: list[list[tuple[str, str]]] = []
    for line in text.splitlines():
        if line == "@@index":
            out.append([])
            continue
        found = _ENTRY.match(line)
        if found and out:
            out[-1].append((" ".join(found["text"].split()), found["page"]))
    return tuple(tuple(entries) for entries in out)


def pages_of(entries: Sequence[str], indexes: Sequence[Sequence[tuple[str, str]]]) -> list[str]:
    """Return the page of each entry text, as found in any index ("" where not found)."""
    found: dict[str, str] = {}
    for index in indexes:
        for text, page in index:
            found.setdefault(text, page)
    return [found.get(" ".join(e.split()), "") for e in entries]


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("HOME", tempfile.gettempdir())
    env["SAL_USE_VCLPLUGIN"] = "svp"  # no display needed
    return env


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    root = Path(base) / "rpkd"
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError:
        root = Path(tempfile.gettempdir()) / f"rpkd-cache-{os.getuid()}"
        root.mkdir(parents=True, exist_ok=True)
    return root


def _profile(program: str) -> Path:
    """Return the template user profile holding the macro, built once (under a lock)."""
    import fcntl

    real = Path(program).resolve()
    tag = f"{real.parent.name}-{int(real.stat().st_mtime)}"
    root = _cache_root()
    ready = root / f"libreoffice-profile-{tag}"
    if (ready / "user" / "basic" / "Standard" / "Rpkd.xba").is_file():
        return ready
    with (root / "libreoffice-profile.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (ready / "user" / "basic" / "Standard" / "Rpkd.xba").is_file():
            return ready
        building = Path(tempfile.mkdtemp(prefix="libreoffice-profile-", dir=root))
        subprocess.run(
            [
                program,
                "--headless",
                "--norestore",
                "--terminate_after_init",
                f"-env:UserInstallation={building.as_uri()}",
            ],
            capture_output=True,
            timeout=300,
            check=False,
            env=_environment(),
        )
        standard = building / "user" / "basic" / "Standard"
        standard.mkdir(parents=True, exist_ok=True)
        (standard / "script.xlb").write_text(_LIBRARY, encoding="utf-8")
        (standard / "Rpkd.xba").write_text(MACRO, encoding="utf-8")
        if ready.exists():
            shutil.rmtree(ready)
        building.rename(ready)
    return ready
