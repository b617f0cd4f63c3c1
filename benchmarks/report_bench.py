"""Time to build the Kapuas RPKD (DOCX, PDF, XLSX) from the demo workspace; goal < 60 s.

    .venv/bin/rpkd demo --workspace /tmp/doc-ws          # once, about 4 minutes
    .venv/bin/python benchmarks/report_bench.py /tmp/doc-ws [--runs 3] [--compare-html]

Each run calls ``make_report(ws, "rpkd", "kapuas-demo", to=docx,pdf,xlsx)`` in a fresh process
state (a new workspace object; the family summary the demo stored is reused, as in daily use)
and prints the stages' seconds as the workflow measured them (scenario: the plan's chosen
scenario run with 20 draws, when one is chosen; gather: every other figure from the workflows;
charts: Vega-Lite to PNG; docx; pdf: LibreOffice, with the contents paginated; xlsx), the wall
time and the peak RSS.

``--compare-html`` also times the alternative the issue names, a direct HTML→PDF renderer:
the same document model written as plain HTML (figures as the same PNGs) and printed by
Chromium headless (installed for the browser tests), against LibreOffice converting the DOCX.
"""

from __future__ import annotations

import argparse
import base64
import html
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rpkd.reports.documents.model import Bullets, Document, Figure, Paragraph, Slot, Table
from rpkd.workflows import Workspace
from rpkd.workflows.documents import make_report

RELEASE = "kapuas-demo"


def _html(document: Document, images: dict[str, bytes]) -> str:
    """Return the document as plain HTML (only to time a direct HTML→PDF renderer)."""
    lang = document.lang
    parts = [f"<h1>{html.escape(document.cover.title)}</h1>"]
    for level, text in document.headings():
        parts.append(f"<p>{html.escape(text)}</p>" if level == 2 else "")
    for chapter in document.chapters:
        parts.append(f"<h1>{html.escape(chapter.title)}</h1>")
        blocks = list(chapter.blocks)
        for section in chapter.sections:
            blocks.append(Paragraph(section.title))
            blocks += list(section.blocks)
        for block in blocks:
            if isinstance(block, Paragraph | Slot):
                parts.append(f"<p>{html.escape(block.text)}</p>")
            elif isinstance(block, Bullets):
                parts.append("<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in block.items)
                             + "</ul>")  # fmt: skip
            elif isinstance(block, Table):
                head = "".join(f"<th>{html.escape(c.header)}</th>" for c in block.columns)
                body = "".join(
                    "<tr>" + "".join(f"<td>{html.escape(block.text(r, c.key, lang))}</td>"
                                     for c in block.columns) + "</tr>"
                    for r in range(len(block.rows)))  # fmt: skip
                parts.append(
                    f"<p>{html.escape(block.caption)}</p><table><tr>{head}</tr>{body}</table>"
                )
            elif isinstance(block, Figure) and block.key in images:
                data = base64.b64encode(images[block.key]).decode()
                parts.append(f'<img style="width:15cm" src="data:image/png;base64,{data}">')
    style = "body{font:10pt Arial} table{border-collapse:collapse} td,th{border:1px solid #999}"
    return f"<html><head><style>{style}</style></head><body>{''.join(parts)}</body></html>"


def compare(document: Document, docx: Path) -> dict[str, float]:
    """Return seconds of LibreOffice (DOCX→PDF) and Chromium (HTML→PDF) on the same content."""
    from rpkd.reports.documents import pdf, word

    images = word.figure_images(document)
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        started = time.monotonic()
        pdf.convert(docx, folder / "lo.pdf")
        out["libreoffice_docx_to_pdf"] = time.monotonic() - started
        chromium = shutil.which("chromium")
        if chromium:
            page = folder / "doc.html"
            page.write_text(_html(document, images), encoding="utf-8")
            started = time.monotonic()
            subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                            f"--print-to-pdf={folder / 'chromium.pdf'}", page.as_uri()],
                           capture_output=True, check=True, timeout=300)  # fmt: skip
            out["chromium_html_to_pdf"] = time.monotonic() - started
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("workspace", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--compare-html", action="store_true")
    args = parser.parse_args()
    last = None
    for run in range(args.runs):
        with tempfile.TemporaryDirectory() as out, Workspace.open(args.workspace) as ws:
            started = time.monotonic()
            made = make_report(ws, "rpkd", RELEASE, to=("docx", "pdf", "xlsx"), out=Path(out))
            wall = time.monotonic() - started
            stages = ", ".join(f"{k} {v:.1f}" for k, v in made.seconds.items())
            sizes = ", ".join(f"{f.format} {f.bytes / 1024:.0f} KiB" for f in made.files)
            print(f"run {run + 1}: {wall:.1f} s wall ({stages}); {sizes}; "
                  f"{len(made.document.tables())} tables, {len(made.document.figures())} figures, "
                  f"{made.suppressed} cells suppressed")  # fmt: skip
            if args.compare_html and run == args.runs - 1:
                kept = Path(tempfile.mkdtemp()) / "rpkd.docx"
                shutil.copyfile(made.path("docx"), kept)
                last = (made.document, kept)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MiB (this process; LibreOffice runs as a child)")
    if last is not None:
        for name, seconds in compare(*last).items():
            print(f"{name}: {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
