"""Bad-input corpus of the web app's forms and uploads, first half (docs/bad-input.md, "Web
forms and uploads"): sign-in, password, users, the plan editor and its XLSX upload, realisations
with evidence and their return, partners' commitments and reports.

Every case posts one bad input through the real app (TestClient) as a user who may use the
form, in Bahasa Indonesia and in English, and checks (:func:`web_corpus_site.check_refused`): the
status; the catalogue sentence of the rule that refuses it, in the page's language, with the
field's label where the form names one; the form shown again with what the user typed
(escaped); and that nothing was written (every file and every database row of the workspace,
the audit log included, as before). The second half is ``test_web_bad_input_review.py``; inputs
read as meant, exports and bodies over their limit are in ``test_web_corpus_repairs.py``.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import pytest
from web_corpus_site import (
    EXE,
    FAILED,
    LOGIN,
    NUL,
    SCRIPT,
    Case,
    Site,
    build,
    check_refused,
    evidence,
    sentence,
    snapshot,
)

from rpkd.locale import Lang

R = "web.realisasi."
FAMILIES = b"family_id,kk_number,desa_code\r\nF1,6203011205800001,62.03.01.1006\r\n"
M = "web.mitra."


def _xlsx_bomb() -> bytes:
    """An XLSX (a zip) whose sheet unpacks 20 MB from about 20 kB: a zip bomb."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", "<Types/>")
        book.writestr("xl/worksheets/sheet1.xml", b"0" * (20 << 20))
    return buffer.getvalue()


def _zip_of(member: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr(member, data)
    return buffer.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def real(**changed: str) -> dict[str, str]:
    base = {"subject": "indicator:O0501", "year": "2025", "quarter": "2", "value": "40",
            "note": "BAST"}  # fmt: skip
    return {**base, **changed}


def commitment(**changed: str) -> dict[str, str]:
    base = {"year": "2025", "quarter": "2", "partner": "BAZNAS", "programme": "P05",
            "activity": "K0501", "lokus": "62.03.01", "target_group": "keluarga desil 1",
            "description": "Bedah rumah 10 unit", "amount": "400000000", "start_year": "2025",
            "end_year": "2026"}  # fmt: skip
    return {**base, **changed}


def user(**changed: str) -> dict[str, str]:
    base = {"username": "baru", "full_name": "Pengguna Baru", "password": "kapuas-bersinar-2025",
            "password_confirm": "kapuas-bersinar-2025", "role": "viewer"}  # fmt: skip
    return {**base, **changed}


def activity(**changed: str) -> dict[str, str]:
    base = {"new": "1", "programme": "P01", "code": "K9001", "name": "Pendampingan",
            "agency": "DINSOS", "regions": "62.03.01", "budget:apbd:2026": "250000000"}  # fmt: skip
    return {**base, **changed}


CASES: dict[str, Case] = {
    # --- sign-in and password ----------------------------------------------------------------
    "login_wrong_password": Case(
        None,
        "/login",
        {"username": "tkpkd", "password": "salah"},
        401,
        "sign_in_failed",
        echo="tkpkd",
        ignore=LOGIN,
        audited=FAILED,
    ),
    "login_name_control_chars": Case(
        None,
        "/login",
        {"username": "tk\x00pkd", "password": "x"},
        401,
        "sign_in_failed",
        ignore=LOGIN,
        audited=FAILED,
    ),
    "login_script_in_name": Case(
        None,
        "/login",
        {"username": SCRIPT, "password": "x"},
        401,
        "sign_in_failed",
        echo=SCRIPT,
        ignore=LOGIN,
        audited=FAILED,
    ),
    "login_csrf_absent": Case(
        None, "/login", {"username": "tkpkd", "password": "x"}, 403, "csrf_failed", csrf=False
    ),
    "password_mismatch": Case(
        "dinsos",
        "/account/password",
        {
            "old_password": "kapuas-bersinar-2025",
            "new_password": "a" * 12,
            "new_password_confirm": "b" * 12,
        },
        422,
        "password_mismatch",
    ),
    "password_short": Case(
        "dinsos",
        "/account/password",
        {
            "old_password": "kapuas-bersinar-2025",
            "new_password": "pendek",
            "new_password_confirm": "pendek",
        },
        422,
        "password_short",
    ),
    "password_old_wrong": Case(
        "dinsos",
        "/account/password",
        {"old_password": "salah", "new_password": "a" * 12, "new_password_confirm": "a" * 12},
        422,
        "password_wrong",
        ignore=LOGIN,
        audited="auth.password_change_failed",
    ),
    # --- users and grants (admin) --------------------------------------------------------------
    "user_name_path_traversal": Case(
        "admin",
        "/admin/users",
        user(username="../../etc/passwd"),
        422,
        "username_characters",
        echo="../../etc/passwd",
    ),
    "user_name_script": Case(
        "admin", "/admin/users", user(username=SCRIPT), 422, "username_characters", echo=SCRIPT
    ),
    "user_name_nul": Case(
        "admin", "/admin/users", user(username="ba\x00ru"), 422, "username_characters"
    ),
    "user_name_too_long": Case(
        "admin", "/admin/users", user(username="u" * 65), 422, "username_invalid"
    ),
    "user_name_taken_double_submit": Case(
        "admin", "/admin/users", user(username="perkim"), 422, "username_taken", echo="perkim"
    ),
    "user_full_name_too_long": Case(
        "admin",
        "/admin/users",
        user(full_name="N" * 201),
        422,
        "form_text_long",
        label="web.users.full_name",
    ),
    "user_full_name_control_chars": Case(
        "admin",
        "/admin/users",
        user(full_name="Siti\x1bAminah"),
        422,
        "form_text_control",
        label="web.users.full_name",
    ),
    "user_role_unknown": Case("admin", "/admin/users", user(role="dewa"), 422, "role_unknown"),
    "user_role_missing": Case("admin", "/admin/users", user(role=""), 422, "web_role_required"),
    "user_password_mismatch": Case(
        "admin",
        "/admin/users",
        user(password_confirm="lain-lain-1"),
        422,
        "password_mismatch",
        echo="Pengguna Baru",
    ),
    # --- plan editor: activities and indicator targets -----------------------------------------
    "activity_budget_inf": Case(
        "tkpkd",
        "/plan/activities",
        activity(**{"budget:apbd:2026": "inf"}),
        422,
        "matrix_number",
        echo="inf",
    ),
    "activity_budget_nan": Case(
        "tkpkd",
        "/plan/activities",
        activity(**{"budget:apbd:2026": "nan"}),
        422,
        "matrix_number",
        echo="nan",
    ),
    "activity_budget_overflow": Case(
        "tkpkd",
        "/plan/activities",
        activity(**{"budget:apbd:2026": "1e400"}),
        422,
        "matrix_number",
        echo="1e400",
    ),
    "activity_budget_word": Case(
        "tkpkd",
        "/plan/activities",
        activity(**{"budget:apbd:2026": "dua juta"}),
        422,
        "matrix_number",
        echo="dua juta",
    ),
    "activity_budget_negative": Case(
        "tkpkd",
        "/plan/activities",
        activity(**{"budget:apbd:2026": "-5"}),
        422,
        "plan_budget_negative",
        echo="-5",
    ),
    "activity_name_control_chars": Case(
        "tkpkd", "/plan/activities", activity(name=NUL), 422, "form_text_control"
    ),
    "activity_name_too_long": Case(
        "tkpkd", "/plan/activities", activity(name="N" * 2001), 422, "form_text_long"
    ),
    "activity_code_missing": Case(
        "tkpkd", "/plan/activities", activity(code=""), 422, "matrix_required", echo="Pendampingan"
    ),
    "activity_agency_unknown": Case(
        "tkpkd", "/plan/activities", activity(agency="NOPE"), 422, "plan_reference", echo="NOPE"
    ),
    "activity_region_outside": Case(
        "tkpkd",
        "/plan/activities",
        activity(regions="99.99"),
        422,
        "plan_region_unknown",
        echo="99.99",
    ),
    "target_word": Case(
        "tkpkd",
        "/plan/indicators/O0501/targets",
        {"target:2026": "enam"},
        422,
        "matrix_number",
        echo="enam",
    ),
    "target_inf": Case(
        "tkpkd",
        "/plan/indicators/O0501/targets",
        {"target:2026": "inf"},
        422,
        "matrix_number",
        echo="inf",
    ),
    "target_baseline_year_text": Case(
        "tkpkd",
        "/plan/indicators/O0501/targets",
        {"baseline_year": "20x5"},
        422,
        "matrix_number",
        echo="20x5",
    ),
    # --- plan matrices XLSX upload ------------------------------------------------------------
    "plan_upload_missing": Case("tkpkd", "/plan/import", {}, 422, "web_plan_import_file"),
    "plan_upload_exe_as_xlsx": Case(
        "tkpkd",
        "/plan/import",
        {},
        422,
        "matrix_invalid",
        files=(("file", ("matriks.xlsx", EXE, "application/octet-stream")),),
        echo="matriks.xlsx",
    ),
    "plan_upload_name_traversal": Case(
        "tkpkd",
        "/plan/import",
        {},
        422,
        "matrix_invalid",
        files=(("file", ("../../etc/matriks.xlsx", EXE, "application/octet-stream")),),
    ),
    "plan_upload_name_nul": Case(
        "tkpkd",
        "/plan/import",
        {},
        422,
        "matrix_invalid",
        files=(("file", ("mat\x00riks.xlsx", EXE, "application/octet-stream")),),
    ),
    "plan_upload_zip_bomb": Case(
        "tkpkd",
        "/plan/import",
        {},
        422,
        "upload_zip_bomb",
        files=(("file", ("matriks.xlsx", _xlsx_bomb(), XLSX)),),
    ),
    "plan_upload_zip_not_workbook": Case(
        "tkpkd",
        "/plan/import",
        {},
        422,
        "matrix_invalid",
        files=(("file", ("matriks.xlsx", _zip_of("../../etc/passwd", b"x"), XLSX)),),
    ),
    "plan_upload_csv_as_xlsx": Case(
        "tkpkd",
        "/plan/import",
        {},
        422,
        "matrix_invalid",
        files=(("file", ("matriks.xlsx", b"kode,nama\nP01,x\n", XLSX)),),
    ),
    # --- release upload form (the corpus of the upload itself: tests/corpus) ---------------------
    **{
        f"release_reference_date_{name}": Case(
            "tkpkd",
            "/releases",
            {"name": "r-baru", "region": "62.03", "reference_date": typed},
            422,
            "reference_date_invalid",
            echo=typed,
            files=(("files", ("families.csv", FAMILIES, "text/csv")),),
        )
        for name, typed in (
            ("dd_mm_yyyy", "01/07/2025"),
            ("dashes", "01-07-2025"),
            ("words", "1 Juli 2025"),
            ("excel_serial", "45839"),
        )
    },
    "release_name_traversal": Case(
        "tkpkd",
        "/releases",
        {"name": "../../etc", "region": "62.03", "reference_date": "2025-07-01"},
        422,
        "release_name",
        echo="../../etc",
        files=(("files", ("families.csv", FAMILIES, "text/csv")),),
    ),
    "release_upload_name_traversal": Case(
        "tkpkd",
        "/releases",
        {"name": "r-baru", "region": "62.03", "reference_date": "2025-07-01"},
        422,
        "upload_name_unsafe",
        files=(("files", ("../../families.csv", FAMILIES, "text/csv")),),
    ),
    # --- realisation submit with evidence -----------------------------------------------------
    "realisation_value_inf": Case(
        "perkim",
        "/realisations",
        real(value="inf"),
        422,
        "form_number_invalid",
        label=R + "value",
        echo="inf",
    ),
    "realisation_value_nan": Case(
        "perkim",
        "/realisations",
        real(value="NaN"),
        422,
        "form_number_invalid",
        label=R + "value",
        echo="NaN",
    ),
    "realisation_value_overflow": Case(
        "perkim",
        "/realisations",
        real(value="1e400"),
        422,
        "form_number_invalid",
        label=R + "value",
        echo="1e400",
    ),
    "realisation_value_other_script_digits": Case(
        "perkim", "/realisations", real(value="٤٠"), 422, "form_number_invalid", label=R + "value"
    ),
    "realisation_value_word": Case(
        "perkim",
        "/realisations",
        real(value="empat puluh"),
        422,
        "form_number_invalid",
        label=R + "value",
        echo="empat puluh",
    ),
    "realisation_value_unit": Case(
        "perkim",
        "/realisations",
        real(value="40 unit"),
        422,
        "form_number_invalid",
        label=R + "value",
        echo="40 unit",
    ),
    "realisation_value_missing": Case(
        "perkim", "/realisations", real(value=""), 422, "realisation_value_missing", echo="BAST"
    ),
    "realisation_beneficiaries_fraction": Case(
        "perkim",
        "/realisations",
        real(subject="activity:K0501", value="", beneficiaries="2,5"),
        422,
        "form_number_whole",
        label=R + "beneficiaries",
        echo="2,5",
    ),
    "realisation_budget_negative": Case(
        "perkim",
        "/realisations",
        real(subject="activity:K0501", budget_spent="-1.000"),
        422,
        "realisation_negative",
    ),
    "realisation_note_too_long": Case(
        "perkim", "/realisations", real(note="x" * 2001), 422, "form_text_long", label=R + "note"
    ),
    "realisation_note_control_chars": Case(
        "perkim", "/realisations", real(note=NUL), 422, "form_text_control", label=R + "note"
    ),
    "realisation_subject_missing": Case(
        "perkim", "/realisations", real(subject=""), 422, "web_realisasi_subject_missing"
    ),
    "realisation_year_outside_plan": Case(
        "perkim", "/realisations", real(year="2099"), 422, "plan_year_outside"
    ),
    "realisation_quarter_text": Case(
        "perkim", "/realisations", real(quarter="II"), 422, "quarter_invalid"
    ),
    "realisation_other_agency": Case("dinsos", "/realisations", real(), 403, "forbidden"),
    "evidence_exe_renamed_pdf": Case(
        "perkim",
        "/realisations",
        real(),
        422,
        "realisation_evidence_content_mismatch",
        files=evidence("bast.pdf", EXE),
    ),
    "evidence_exe": Case(
        "perkim",
        "/realisations",
        real(),
        422,
        "realisation_evidence_kind_refused",
        files=evidence("setup.exe", EXE, "application/octet-stream"),
    ),
    "evidence_name_traversal": Case(
        "perkim",
        "/realisations",
        real(),
        422,
        "realisation_evidence_kind_refused",
        files=evidence("../../etc/passwd", b"root:x:0:0"),
    ),
    "evidence_empty": Case(
        "perkim",
        "/realisations",
        real(),
        422,
        "realisation_evidence_empty",
        files=evidence("bast.pdf", b""),
    ),
    # --- verification: return with a reason ----------------------------------------------------
    "return_reason_missing": Case(
        "tkpkd",
        "/realisations/{realisation}/return",
        {"reason": ""},
        422,
        "realisation_reason_missing",
    ),
    "return_reason_control_chars": Case(
        "tkpkd",
        "/realisations/{realisation}/return",
        {"reason": "kurang\x07bukti"},
        422,
        "form_text_control",
        label=R + "reason",
    ),
    "return_reason_too_long": Case(
        "tkpkd",
        "/realisations/{realisation}/return",
        {"reason": "r" * 2001},
        422,
        "form_text_long",
        label=R + "reason",
    ),
    "verify_own_submission": Case(
        "perkim", "/realisations/{realisation}/verify", {}, 403, "route_forbidden"
    ),
    "partner_report_return_reason_missing": Case(
        "tkpkd",
        "/partners/reports/{report}/return",
        {"reason": ""},
        422,
        "realisation_reason_missing",
    ),
    "partner_report_return_reason_control_chars": Case(
        "tkpkd",
        "/partners/reports/{report}/return",
        {"reason": "foto\x00buram"},
        422,
        "form_text_control",
        label=R + "reason",
    ),
    # --- partners: commitments and reports ----------------------------------------------------
    "commitment_amount_nan": Case(
        "baznas",
        "/partners/commitments",
        commitment(amount="nan"),
        422,
        "form_number_invalid",
        label=M + "amount",
        echo="nan",
    ),
    "commitment_amount_negative": Case(
        "baznas",
        "/partners/commitments",
        commitment(amount="-400.000.000"),
        422,
        "realisation_negative",
    ),
    "commitment_amount_missing": Case(
        "baznas", "/partners/commitments", commitment(amount=""), 422, "commitment_amount_missing"
    ),
    "commitment_year_fraction": Case(
        "baznas",
        "/partners/commitments",
        commitment(start_year="2025,5"),
        422,
        "form_number_whole",
        label=M + "start_year",
        echo="2025,5",
    ),
    "commitment_description_control_chars": Case(
        "baznas",
        "/partners/commitments",
        commitment(description=NUL),
        422,
        "form_text_control",
        label=M + "description",
    ),
    "commitment_target_group_line_break": Case(
        "baznas",
        "/partners/commitments",
        commitment(target_group="desil 1\ndesil 2"),
        422,
        "form_text_control",
        label=M + "target_group",
    ),
    "commitment_programme_unknown": Case(
        "baznas",
        "/partners/commitments",
        commitment(programme="P99"),
        422,
        "commitment_programme_unknown",
        echo="P99",
    ),
    "commitment_lokus_traversal": Case(
        "baznas",
        "/partners/commitments",
        commitment(lokus="../../etc"),
        422,
        "commitment_lokus_invalid",
        echo="../../etc",
    ),
    "commitment_other_partner": Case(
        "baznas", "/partners/commitments", commitment(partner="CSR"), 403, "forbidden"
    ),
    "report_spent_inf": Case(
        "baznas",
        "/partners/commitments/{commitment}/reports",
        {"year": "2025", "quarter": "2", "budget_spent": "inf"},
        422,
        "form_number_invalid",
        label=R + "budget_spent",
    ),
    "report_note_too_long": Case(
        "baznas",
        "/partners/commitments/{commitment}/reports",
        {"year": "2025", "quarter": "2", "budget_spent": "1.000", "note": "n" * 2001},
        422,
        "form_text_long",
        label=R + "note",
    ),
    "report_evidence_exe_renamed_pdf": Case(
        "baznas",
        "/partners/commitments/{commitment}/reports",
        {"year": "2025", "quarter": "2", "budget_spent": "1.000"},
        422,
        "realisation_evidence_content_mismatch",
        files=evidence("foto.pdf", EXE),
    ),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    yield from build(tmp_path_factory.mktemp("web-corpus"))


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("kind", sorted(CASES))
def test_refused(site: Site, kind: str, lang: Lang) -> None:
    check_refused(site, CASES[kind], lang)


def test_a_form_without_csrf_or_with_an_expired_token_is_refused(site: Site) -> None:
    client, _ = site.browser("tkpkd")
    before = snapshot(site.path)
    for token in (None, "kedaluwarsa"):
        sent = {"title": "Rakor", "held_on": "2026-01-10"}
        answer = client.post(
            "/rakor", data=sent if token is None else {**sent, "csrf_token": token}
        )
        assert answer.status_code == 403
        assert sentence("csrf_failed", "id").search(answer.text)
    assert before.changes(snapshot(site.path)) == []
