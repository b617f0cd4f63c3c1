"""Bad-input corpus of the web app's forms and uploads, second half (docs/bad-input.md, "Web
forms and uploads"): rakor meetings and decisions, usulan and sanggahan with evidence, the
eligibility rule editor and its preview, the scenario form and TOML upload, link review
decisions. Each case is checked as in ``test_web_bad_input.py``
(:func:`web_corpus_site.check_refused`).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from test_web_bad_input import CASES as FIRST_HALF
from web_corpus_site import EXE, NUL, PDF, SHOWN, Case, Site, build, check_refused, evidence

from rpkd.locale import Lang


def objection(**changed: str) -> dict[str, str]:
    base = {"kind": "object", "release": "r1", "family_id": "{family}", "reason": "deceased",
            "note": "Meninggal Maret 2025"}  # fmt: skip
    return {**base, **changed}


def family(**changed: str) -> dict[str, str]:
    base = {"kind": "add", "release": "r1", "kk_number": "6203010101250001",
            "address": "Jl. Tingang 5", "urban": "false", "note": "Belum terdata",
            "m0_name": "Siti Aminah", "m0_nik": "6203014508740001", "m0_sex": "P",
            "m0_birth_date": "1974-08-05", "m0_relation": "kepala_keluarga"}  # fmt: skip
    return {**base, **changed}


def scenario(**changed: str) -> dict[str, str]:
    base = {"rows": "1", "name": "uji-skenario", "description": "Tambahan PKH", "growth": "0,05",
            "inflation": "0,03", "p0_programme": "pkh", "p0_amount": "3.000.000",
            "p0_uptake": "0,9"}  # fmt: skip
    return {**base, **changed}


CASES: dict[str, Case] = {
    # --- rakor meetings and decisions ----------------------------------------------------------
    "meeting_date_dd_mm_yyyy": Case(
        "tkpkd",
        "/rakor",
        {"title": "Rakor", "held_on": "10/01/2026"},
        422,
        "rakor_date_invalid",
        echo="10/01/2026",
    ),
    "meeting_date_dashes": Case(
        "tkpkd",
        "/rakor",
        {"title": "Rakor", "held_on": "10-01-2026"},
        422,
        "rakor_date_invalid",
        echo="10-01-2026",
    ),
    "meeting_date_words": Case(
        "tkpkd",
        "/rakor",
        {"title": "Rakor", "held_on": "10 Januari 2026"},
        422,
        "rakor_date_invalid",
        echo="10 Januari 2026",
    ),
    "meeting_date_excel_serial": Case(
        "tkpkd",
        "/rakor",
        {"title": "Rakor", "held_on": "46032"},
        422,
        "rakor_date_invalid",
        echo="46032",
    ),
    "meeting_title_control_chars": Case(
        "tkpkd", "/rakor", {"title": NUL, "held_on": "2026-01-10"}, 422, "form_text_control"
    ),
    "meeting_title_too_long": Case(
        "tkpkd", "/rakor", {"title": "T" * 201, "held_on": "2026-01-10"}, 422, "rakor_too_long"
    ),
    "decision_due_text": Case(
        "tkpkd",
        "/rakor/{meeting}/decisions",
        {"text": "Validasi RTLH", "owner": "agency:PERKIM", "due_on": "1 Feb"},
        422,
        "rakor_date_invalid",
        echo="1 Feb",
    ),
    "decision_owner_unknown": Case(
        "tkpkd",
        "/rakor/{meeting}/decisions",
        {"text": "Validasi RTLH", "owner": "agency:NOPE", "due_on": "2026-02-01"},
        422,
        "rakor_owner_unknown",
    ),
    "meeting_by_agency_operator": Case(
        "perkim", "/rakor", {"title": "Rakor", "held_on": "2026-01-10"}, 403, "route_forbidden"
    ),
    # --- usulan & sanggahan with evidence -----------------------------------------------------
    "objection_note_missing": Case(
        "desa",
        "/usulan?desa={desa}",
        objection(note=""),
        422,
        "usulan_note_required",
        files=evidence("akta.pdf", PDF),
        audited=SHOWN,
    ),
    "objection_note_control_chars": Case(
        "desa",
        "/usulan?desa={desa}",
        objection(note=NUL),
        422,
        "form_text_control",
        label="web.usulan.note",
        files=evidence("akta.pdf", PDF),
        audited=SHOWN,
    ),
    "objection_reason_unknown": Case(
        "desa",
        "/usulan?desa={desa}",
        objection(reason="benci"),
        422,
        "usulan_reason_unknown",
        files=evidence("akta.pdf", PDF),
        audited=SHOWN,
    ),
    "objection_evidence_exe_renamed_pdf": Case(
        "desa",
        "/usulan?desa={desa}",
        objection(),
        422,
        "usulan_evidence_type",
        files=evidence("akta.pdf", EXE),
        audited=SHOWN,
    ),
    "objection_other_desa": Case(
        "desa_lain",
        "/usulan?desa={desa}",
        objection(),
        403,
        "forbidden",
        files=evidence("akta.pdf", PDF),
        audited=SHOWN,
    ),
    "usulan_address_control_chars": Case(
        "desa",
        "/usulan?desa={desa}",
        family(address="Jl.\x00Tingang"),
        422,
        "form_text_control",
        label="web.usulan.address",
        files=evidence("kk.pdf", PDF),
        audited=SHOWN,
    ),
    "usulan_member_name_line_break": Case(
        "desa",
        "/usulan?desa={desa}",
        family(m0_name="Siti\nAminah"),
        422,
        "form_text_control",
        label="web.usulan.name",
        files=evidence("kk.pdf", PDF),
        audited=SHOWN,
    ),
    "usulan_birth_date_dd_mm_yyyy": Case(
        "desa",
        "/usulan?desa={desa}",
        family(m0_birth_date="05/08/1974"),
        422,
        "not_date",
        echo="05/08/1974",
        files=evidence("kk.pdf", PDF),
        audited=SHOWN,
    ),
    "usulan_birth_date_words": Case(
        "desa",
        "/usulan?desa={desa}",
        family(m0_birth_date="5 Agustus 1974"),
        422,
        "not_date",
        echo="5 Agustus 1974",
        files=evidence("kk.pdf", PDF),
        audited=SHOWN,
    ),
    "usulan_birth_date_excel_serial": Case(
        "desa",
        "/usulan?desa={desa}",
        family(m0_birth_date="27246"),
        422,
        "not_date",
        echo="27246",
        files=evidence("kk.pdf", PDF),
        audited=SHOWN,
    ),
    "usulan_nik_scientific": Case(
        "desa",
        "/usulan?desa={desa}",
        family(m0_nik="6.20301E+15"),
        422,
        "nik_malformed",
        echo="6.20301E+15",
        files=evidence("kk.pdf", PDF),
        audited=SHOWN,
    ),
    # --- eligibility rule editor and preview ---------------------------------------------------
    "rule_syntax_error": Case(
        "tkpkd",
        "/targeting/rules/sembako",
        {"rule": "desil <= ", "reason": "uji"},
        422,
        "rule_unparsable",
        echo="desil &lt;= ",
    ),
    "rule_unknown_column": Case(
        "tkpkd",
        "/targeting/rules/sembako",
        {"rule": "gaji < 1000000", "reason": "uji"},
        422,
        "rule_column_unknown",
        echo="gaji &lt; 1000000",
    ),
    "rule_function_forbidden": Case(
        "tkpkd",
        "/targeting/rules/sembako",
        {"rule": "read_csv('/etc/passwd') IS NOT NULL", "reason": "x"},
        422,
        "rule_function_forbidden",
    ),
    "rule_reason_control_chars": Case(
        "tkpkd",
        "/targeting/rules/sembako",
        {"rule": "desil <= 3", "reason": "uji\x00"},
        422,
        "form_text_control",
        label="web.rules.reason",
    ),
    "rule_preview_syntax_error": Case(
        "tkpkd",
        "/targeting/rules/sembako/preview",
        {"rule": "desil <=", "reason": ""},
        422,
        "rule_unparsable",
    ),
    # --- scenario form and TOML upload ---------------------------------------------------------
    "scenario_toml_syntax": Case(
        "tkpkd",
        "/scenarios",
        {},
        422,
        "scenario_toml",
        files=(("file", ("s.toml", b"name = [", "application/toml")),),
    ),
    "scenario_toml_not_utf8": Case(
        "tkpkd",
        "/scenarios",
        {},
        422,
        "web_scenario_upload_text",
        files=(("file", ("s.toml", "nama = 'Rp'\xa0".encode("utf-16"), "application/toml")),),
    ),
    "scenario_toml_exe": Case(
        "tkpkd",
        "/scenarios",
        {},
        422,
        "web_scenario_upload_text",
        files=(("file", ("s.toml", EXE + b"\xff\xfe", "application/toml")),),
    ),
    "scenario_toml_too_large": Case(
        "tkpkd",
        "/scenarios",
        {},
        422,
        "web_scenario_upload_large",
        files=(("file", ("s.toml", b"#" * (300 << 10), "application/toml")),),
    ),
    **{
        f"scenario_form_{name}": Case("tkpkd", "/scenarios", scenario(**{key: typed}), 422, code)
        for name, key, typed, code in (
            ("amount_inf", "p0_amount", "inf", "scenario_not_number"),
            ("amount_overflow", "p0_amount", "1e400", "scenario_not_number"),
            ("amount_negative", "p0_amount", "-5", "scenario_value_range"),
            ("uptake_above_one", "p0_uptake", "1,5", "scenario_value_range"),
            ("growth_word", "growth", "lima", "scenario_not_number"),
            ("name_control_chars", "name", "uji\x00skenario", "form_text_control"),
            ("name_too_long", "name", "s" * 201, "form_text_long"),
            ("description_control_chars", "description", "PKH\x1b", "form_text_control"),
            ("programme_unknown", "p0_programme", "<script>", "scenario_programme_unknown"),
            (
                "rule_function",
                "p0_rule",
                "read_csv('/etc/passwd') IS NULL",
                "rule_function_forbidden",
            ),
        )
    },
    "scenario_toml_nul_in_name": Case(
        "tkpkd",
        "/scenarios",
        {},
        422,
        "form_text_control",
        files=(("file", ("s.toml", b'name = "uji\\u0000"\n', "application/toml")),),
    ),
    # --- link review decision -------------------------------------------------------------------
    "link_decision_unknown_run": Case(
        "tkpkd",
        "/linkage/r1/tidak-ada",
        {"record": "1", "person_id": "P1", "decision": "accept"},
        404,
        "link_run_unknown",
    ),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    yield from build(tmp_path_factory.mktemp("web-corpus-review"))


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("kind", sorted(CASES))
def test_refused(site: Site, kind: str, lang: Lang) -> None:
    check_refused(site, CASES[kind], lang)


def test_the_corpus_counts_its_kinds() -> None:
    every = {**FIRST_HALF, **CASES}
    assert len(every) == len(FIRST_HALF) + len(CASES) >= 100
    assert len({c.code for c in every.values()}) >= 50
