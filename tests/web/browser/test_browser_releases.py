"""Rilis data in Chromium: a bad upload is refused with its findings inline (and in the
downloadable report), nothing of it is created; a good one runs in the background with a
progress bar and becomes a release."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from browser_read import headers, rows
from browser_tab import SOURCE_KINDS, NewVisitor


@pytest.fixture(scope="module")
def good_zip(small_source: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small source as one zip."""
    path = tmp_path_factory.mktemp("zip") / "kapuas-2025.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for kind in SOURCE_KINDS:
            archive.write(small_source / f"{kind}.csv", f"{kind}.csv")
    return path


def test_a_bad_upload_shows_its_findings_creates_nothing_and_reports_them(
    visit: NewVisitor, bad_files: list[Path], tmp_path: Path
) -> None:
    tab = visit("analyst")
    tab.upload(bad_files, "rusak-uji")
    tab.wait_for_job()
    page = tab.page
    assert "rusak-uji" in page.locator(".job").inner_text()
    assert page.locator(".job [role=alert]").is_visible()
    table = page.locator(".job table")
    assert [h.lower() for h in headers(table)] == ["berkas", "baris", "kolom", "nilai", "pesan"]
    shown = rows(table)
    by_field = {(r[0], r[2]): r for r in shown}
    desil = by_field[("families.csv", "desil")]
    assert desil[1] == "3" and desil[3] == "12" and "1–10" in desil[4]
    nik = by_field[("persons.csv", "nik")]
    assert nik[1] == "5" and "62O3XYZ" not in nik[3]  # personal data masked in the report
    assert nik[4]

    # the full report: the same errors, and the warnings besides
    with page.expect_download() as csv_download:
        page.click(".job a[href$='findings.csv']")
    text = Path(csv_download.value.path()).read_text(encoding="utf-8-sig")
    report = list(csv.DictReader(io.StringIO(text)))
    errors = [r for r in report if r["severity"] == "error"]
    assert [[r["file"], r["row"], r["field"], r["value"]] for r in errors] == [
        row[:4] for row in shown
    ]
    assert len(report) > len(errors)
    with page.expect_download() as xlsx_download:
        page.click(".job a[href$='findings.xlsx']")
    saved = tmp_path / xlsx_download.value.suggested_filename
    assert saved.name == "rusak-uji-findings.xlsx"
    xlsx_download.value.save_as(saved)
    book = openpyxl.load_workbook(saved, read_only=True)
    values = [
        [str(v) for v in row if v is not None]
        for row in book.worksheets[0].iter_rows(values_only=True)
    ]
    assert any("desil" in row and "12" in row for row in values)

    # nothing of it was created
    tab.open("/releases")
    assert "rusak-uji" not in tab.page.locator("table").first.inner_text()
    assert not (tab.site.path / "releases" / "rusak-uji").exists()


def test_a_good_upload_runs_in_the_background_and_becomes_a_release(
    visit: NewVisitor, good_zip: Path
) -> None:
    tab = visit("admin")
    # a day older than the demo release, so that Beranda keeps showing the demo
    tab.upload([good_zip], "kapuas-2025-uji", reference_date="2025-02-28")
    page = tab.page
    running = page.wait_for_selector(".job")
    assert running.get_attribute("aria-busy") == "true"  # the import has only just started
    assert page.locator(".job progress").is_visible()
    assert "/imports/" in page.url  # the job has an address of its own
    tab.wait_for_job()
    ok = page.locator(".job .notice.ok")
    assert ok.is_visible()
    with page.expect_navigation():
        ok.locator("a").click()
    assert page.url.endswith("/releases/kapuas-2025-uji")
    assert "28 Februari 2025" in page.locator("main").inner_text()
