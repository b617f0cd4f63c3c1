"""Targeting workflows and ``rpkd target`` on a small synthetic district (rpkd synth + import).

Expected values are computed here from the synthetic truth with NumPy, independently of the
engine queries: the truth knows every family's poverty and receipt.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import openpyxl
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner

from rpkd import params
from rpkd.access import audit, users
from rpkd.access.roles import Forbidden, Grant
from rpkd.cli import target as target_cli
from rpkd.errors import InvalidInput, RpkdError, UnknownRegion, UsageError
from rpkd.releases.catalog import open_release
from rpkd.settings import Settings
from rpkd.store import open_database, session
from rpkd.synth.district import synthesize
from rpkd.workflows import accuracy, convergence
from rpkd.workflows import targeting as wf
from rpkd.workflows.releases import import_release
from rpkd.workflows.workspace import Workspace

PROGRAMMES = ("pkh", "sembako", "pbi_jk", "pip", "blt_dd", "rtlh")


@dataclass(frozen=True)
class District:
    settings: Settings
    truth: Path
    release: Path

    def ws(self, actor: str | None = None) -> Workspace:
        """A workspace on the district's settings (a context manager)."""
        return Workspace(self.settings, actor=actor)


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Iterator[District]:
    root = tmp_path_factory.mktemp("district")
    synthesize(
        "62.03.01", root / "synth", kit=params.load_kit(None), families=300, seed=11, fmt="parquet"
    )
    settings = Settings(workspace=root / "ws")
    with Workspace(settings) as ws:
        import_release(ws, root / "synth", "s", reference_date=date(2025, 7, 1))
    yield District(settings, root / "synth" / "truth", root / "ws" / "releases" / "s")


def _truth(d: District) -> dict[str, np.ndarray]:
    truth = pq.read_table(d.truth / "families.parquet")
    families = pq.read_table(d.release / "families.parquet").select(["family_id", "desil"])
    desil = dict(
        zip(*(families.column(c).to_pylist() for c in ("family_id", "desil")), strict=True)
    )
    out = {c: np.asarray(truth.column(c).to_pylist()) for c in truth.column_names}
    out["desil"] = np.asarray([desil[f] for f in out["family_id"]])
    return out


def _users(settings: Settings, *people: tuple[str, Grant]) -> None:
    engine = open_database(settings)
    with session(engine) as db:
        for i, (name, grant) in enumerate(people):
            users.add_user(db, name, f"rahasia-panjang-{i}", (grant,))
    engine.dispose()


def _audit(settings: Settings, action: str) -> list[audit.AuditEntry]:
    engine = open_database(settings)
    with session(engine) as db:
        found = list(audit.entries(db, action=action))
    engine.dispose()
    return found


def _fresh(district: District, tmp_path: Path, name: str) -> Settings:
    """A new workspace (its own database) over the district's releases."""
    (tmp_path / name).mkdir()
    (tmp_path / name / "releases").symlink_to(district.release.parent)
    return Settings(workspace=tmp_path / name)


def test_accuracy_against_the_truth_counts_as_numpy(district: District) -> None:
    t = _truth(district)
    with district.ws() as ws:
        report = accuracy.accuracy_report(ws, "s", truth=district.truth, cutoff=4)
    rows = {r["measure"]: r for r in report.rows.to_pylist()}
    poor = t["poor"].astype(bool)
    for measure, covered in [("desil_1_4", t["desil"] <= 4)] + [
        (f"programme_{p}", t[f"receives_{p}"].astype(bool)) for p in PROGRAMMES
    ]:
        row = rows[measure]
        both = int((poor & covered).sum())
        assert (row["target"], row["covered"], row["both"]) == (poor.sum(), covered.sum(), both)
        if covered.sum():
            assert row["inclusion"] == pytest.approx(1 - both / covered.sum())
        assert row["exclusion"] == pytest.approx(1 - both / poor.sum())
    assert report.to_json() == report.rows.to_pylist()


def test_accuracy_by_desil_sums_to_the_whole(district: District) -> None:
    with district.ws() as ws:
        report = accuracy.accuracy_report(ws, "s", truth=district.truth, by="desil",
                                          target="extreme_poor")  # fmt: skip
    rows = [r for r in report.rows.to_pylist() if r["measure"] == "desil_1_4"]
    whole, parts = rows[0], rows[1:]
    assert whole["domain"] is None and [r["domain"] for r in parts] == sorted(
        {r["domain"] for r in parts}, key=int
    )
    assert sum(r["target"] for r in parts) == whole["target"]
    assert sum(r["both"] for r in parts) == whole["both"]


def test_links_from_the_truth_give_the_true_receipt(district: District) -> None:
    # The true links reproduce truth/families' receives_<programme> exactly.
    with district.ws() as ws:
        base = accuracy.accuracy_report(ws, "s", truth=district.truth)
        linked = accuracy.accuracy_report(ws, "s", truth=district.truth, links=district.truth)
    assert base.rows.to_pylist() == linked.rows.to_pylist()


def test_convergence_lists_agree_with_the_truth(district: District) -> None:
    t = _truth(district)
    with district.ws() as ws:
        report = convergence.convergence_report(ws, "s", links=district.truth, level="kecamatan")
    coverage = {r["programme"]: r for r in report.coverage.to_pylist()}
    for p in PROGRAMMES:
        assert coverage[p]["recipients"] == int(t[f"receives_{p}"].astype(bool).sum())
        outside = coverage[p]["recipients"] - coverage[p]["eligible_recipients"]
        listed = [r for r in report.inclusion.to_pylist() if r["programme"] == p]
        assert len(listed) == outside
    receives_any = np.zeros(len(t["family_id"]), bool)
    for p in PROGRAMMES:
        receives_any |= t[f"receives_{p}"].astype(bool)
    expected = sorted(t["family_id"][(t["desil"] == 1) & ~receives_any].tolist())
    assert sorted(r["family_id"] for r in report.exclusion.to_pylist()) == expected
    # Deceased recipients: linked persons with a death date on or before the reference date.
    persons = pq.read_table(district.release / "persons.parquet")
    dead = {p: d for p, d in zip(persons.column("person_id").to_pylist(),
                                 persons.column("death_date").to_pylist(), strict=True) if d}  # fmt: skip
    on = open_release(district.settings.workspace, "s").reference_date
    expected_dead = set()
    for p in PROGRAMMES:
        if not (district.truth / f"links_{p}.csv").is_file():  # a list with no record
            continue
        links = pacsv.read_csv(district.truth / f"links_{p}.csv", convert_options=pacsv.ConvertOptions(
            column_types={"record": pa.string(), "person_id": pa.string()}))  # fmt: skip
        for record, person in zip(*(links.column(c).to_pylist() for c in ("record", "person_id")),
                                  strict=True):  # fmt: skip
            if person in dead and dead[person] <= on:
                expected_dead.add((p, record))
    assert {(r["programme"], r["record"]) for r in report.deceased.to_pylist()} == expected_dead
    # Masked by default (the one masking format, '*'): no NIK or name in full.
    for row in report.exclusion.to_pylist() + report.inclusion.to_pylist():
        assert row["head_nik"] is None or re.fullmatch(r"\d{4}\*{8}\d{4}", row["head_nik"])
        assert row["head_name"] is None or re.fullmatch(r"([A-Z]\.)+", row["head_name"])
    # The table for reading names each kecamatan beside its code; JSON is the coverage.
    shown = report.readable("coverage").to_pylist()
    named = [r for r in shown if r["target.column.area"] == "62.03.01"]
    assert named and named[0]["target.column.area_name"] == "Selat"
    assert report.to_json() == report.coverage.to_pylist()


def test_lists_write_one_masked_workbook_per_desa_and_are_audited(
    district: District, tmp_path: Path
) -> None:
    out = tmp_path / "lists"
    with district.ws() as ws:
        result = convergence.verification_lists(ws, "s", out, links=district.truth)
    families = pq.read_table(district.release / "families.parquet")
    assert len(result.files) == len(set(families.column("desa_code").to_pylist()))
    book = openpyxl.load_workbook(result.files[0], read_only=True)
    assert book.sheetnames[:2] == ["Tidak Menerima Bantuan", "Penerima di Luar Aturan"]
    header = next(book["Penerima di Luar Aturan"].iter_rows(min_row=3, max_row=3, values_only=True))
    assert header[:3] == ("No.", "ID keluarga", "Nama kepala keluarga")
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            assert not any(isinstance(v, str) and re.fullmatch(r"\d{16}", v) for v in row)
    entries = _audit(district.settings, "target.lists")
    assert [e.action for e in entries][-1:] == ["target.lists.export"]
    last = entries[-1]
    assert last.release == "s" and last.parameters["unmasked"] is False
    assert last.records == sum(
        sum(r[k] for k in ("exclusion", "inclusion", "double", "deceased", "gaps"))
        for r in result.rows.to_pylist()
    )


def test_unmasking_needs_the_personal_data_permission(district: District, tmp_path: Path) -> None:
    settings = _fresh(district, tmp_path, "ws2")
    _users(settings, ("admin", Grant("admin")), ("pemantau", Grant("viewer")))
    with Workspace(settings, actor="pemantau") as ws:
        with pytest.raises(Forbidden):
            convergence.convergence_report(ws, "s", links=district.truth, unmask=True)
        # Masked lists are by-name records too: a viewer (aggregates only) may not see them.
        with pytest.raises(Forbidden):
            convergence.convergence_report(ws, "s", links=district.truth)
    assert _audit(settings, "target.convergence") == []
    with Workspace(settings, actor="admin") as ws:
        report = convergence.convergence_report(ws, "s", links=district.truth, unmask=True)
    niks = [r["head_nik"] for r in report.inclusion.to_pylist() if r["head_nik"]]
    assert niks and all("*" not in n for n in niks)
    (entry,) = _audit(settings, "target.convergence")
    assert (entry.username, entry.release, entry.scope) == ("admin", "s", "region=62.03")
    assert entry.parameters["unmasked"] is True and entry.records > 0


def test_survey_accuracy_has_standard_errors(district: District) -> None:
    with district.ws() as ws:
        report = accuracy.accuracy_report(ws, "s", by="kecamatan")
    rows = report.rows.to_pylist()
    assert report.basis == "survey" and rows[0]["domain"] is None
    for r in rows:
        # a sample without poor households has no exclusion rate (null, not NaN)
        assert r["exclusion"] is None or (0 <= r["exclusion"] <= 1 and r["exclusion_se"] >= 0)
        assert 0 <= r["inclusion"] <= 1 and r["inclusion_se"] >= 0
        assert r["covered"] > 0 and r["both"] <= min(r["target"], r["covered"])
    assert "pmt_desil" in {f.code for f in report.findings}


def test_survey_accuracy_uses_the_workspace_poverty_line(
    district: District, tmp_path: Path
) -> None:
    """A workspace's params/poverty_lines.toml replaces the kit's lines, as poverty does."""
    with district.ws() as ws:
        kit_line = accuracy.accuracy_report(ws, "s").rows["line"][0].as_py()
    settings = _fresh(district, tmp_path, "ws-line")
    (settings.workspace / "params").mkdir()
    (settings.workspace / "params" / "poverty_lines.toml").write_text(
        '[[line]]\nkind = "poverty"\nregion = "62"\nvalue = 123456.0\n'
        'valid_from = 2000-01-01\nbasis = "uji"\nsource = "uji"\n',
        encoding="utf-8",
    )
    with Workspace(settings) as ws:
        report = accuracy.accuracy_report(ws, "s")
    assert kit_line != 123456.0
    assert set(report.rows["line"].to_pylist()) == {123456.0}


def _cli() -> typer.Typer:
    app = typer.Typer()
    target_cli.register(app)
    return app


def test_cli_eligibility_and_convergence_json(district: District) -> None:
    runner = CliRunner()
    ws = str(district.settings.workspace)
    got = runner.invoke(_cli(), ["target", "eligibility", "-r", "s", "-w", ws, "--format", "json"])
    assert got.exit_code == 0, got.output
    rows = json.loads(got.stdout)
    assert {r["programme"] for r in rows} >= set(PROGRAMMES)
    got = runner.invoke(_cli(), ["target", "convergence", "-r", "s", "-w", ws, "--links",
                                 str(district.truth), "--format", "csv", "--show", "lists"])  # fmt: skip
    assert got.exit_code == 0, got.output
    assert got.stdout.splitlines()[0] == "programme,records,linked,families,deceased"


def test_cli_tables_are_for_an_officer(district: District) -> None:
    runner = CliRunner(env={"COLUMNS": "250"})
    ws = str(district.settings.workspace)
    got = runner.invoke(_cli(), ["target", "convergence", "-r", "s", "-w", ws, "--links",
                                 str(district.truth), "--level", "kecamatan"])  # fmt: skip
    assert got.exit_code == 0, got.output
    assert "di luar aturan" in got.stdout and "outside_rule" not in got.stdout
    assert "Selat" in got.stdout and "%" in got.stdout
    got = runner.invoke(_cli(), ["target", "eligibility", "--catalogue", "-w", ws, "--lang", "en",
                                 "--format", "json"])  # fmt: skip
    assert got.exit_code == 0, got.output
    assert {r["programme"] for r in json.loads(got.stdout)} >= set(PROGRAMMES)
    got = runner.invoke(_cli(), ["target", "eligibility", "--columns", "-w", ws, "--lang", "en",
                                 "--format", "json"])  # fmt: skip
    labels = {r["column"]: r["label"] for r in json.loads(got.stdout)}
    assert (
        labels["n_elderly"] == "Elderly 60+" and labels["extreme_poor"] == "Extreme poor (desil 1)"
    )


def test_cli_rank_json(district: District) -> None:
    runner = CliRunner()
    got = runner.invoke(_cli(), ["target", "rank", "-r", "s", "-w", str(district.settings.workspace),
                                 "--format", "json", "--method", "ridge"])  # fmt: skip
    assert got.exit_code == 0, got.output
    doc = json.loads(got.stdout)
    assert doc["method"] == "ridge" and doc["penalty"] > 0
    assert sum(c["families"] for c in doc["crosstab"]) == 300
    assert -1 <= doc["rank_correlation"] <= 1


def test_a_workspace_rule_with_an_unknown_column_fails_clearly(
    district: District, tmp_path: Path
) -> None:
    settings = _fresh(district, tmp_path, "ws3")
    (settings.workspace / "params").mkdir()
    (settings.workspace / "params" / "programmes.toml").write_text(
        '[[programme]]\ncode = "bansos_daerah"\nname_id = "Bansos"\nname_en = "Local aid"\n'
        'unit = "family"\nrule = "desil <= 2 AND penghasilan < 500000"\nrule_source = "Perbup"\n',
        encoding="utf-8",
    )
    with Workspace(settings) as ws, pytest.raises(InvalidInput) as err:
        wf.eligibility_report(ws, "s")
    assert err.value.code == "rule_column_unknown"
    assert (err.value.params["rule"], err.value.params["column"]) == (
        "bansos_daerah",
        "penghasilan",
    )
    assert "bansos_daerah" in err.value.message("en") and "penghasilan" in err.value.message("id")


def test_a_desa_operator_unmasks_only_its_own_desa(district: District, tmp_path: Path) -> None:
    settings = _fresh(district, tmp_path, "ws4")
    families = pq.read_table(district.release / "families.parquet")
    own, other = sorted(set(families.column("desa_code").to_pylist()))[:2]
    _users(settings, ("admin", Grant("admin")), ("desa", Grant("area_operator", region=own)))
    with Workspace(settings, actor="desa") as ws:
        got = convergence.verification_lists(ws, "s", tmp_path / "own", links=district.truth,
                                             desa=[own], unmask=True)  # fmt: skip
        assert [p.name for p in got.files] == [f"verifikasi_{own}.xlsx"]
        with pytest.raises(Forbidden):
            convergence.verification_lists(ws, "s", tmp_path / "two", links=district.truth,
                                           desa=[own, other], unmask=True)  # fmt: skip
    (entry,) = _audit(settings, "target.lists")
    assert (entry.username, entry.scope, entry.parameters["unmasked"]) == (
        "desa", f"region={own}", True,
    )  # fmt: skip


def test_lists_for_a_desa_outside_the_release_fail_naming_it(
    district: District, tmp_path: Path
) -> None:
    runner = CliRunner()
    ws = str(district.settings.workspace)
    out = tmp_path / "none"
    # 62.03.99.9999 is no desa at all; Kapuas Hilir's desa are not in this release (Selat).
    for desa, kind, code in (
        ("62.03.99.9999", UnknownRegion, "target_desa_unknown"),
        ("62.03.02.1001", InvalidInput, "desa_not_in_release"),
    ):
        got = runner.invoke(_cli(), ["target", "lists", "-r", "s", "-w", ws, "--out", str(out),
                                     "--links", str(district.truth), "--desa", desa])  # fmt: skip
        err = got.exception
        assert isinstance(err, kind) and isinstance(err, RpkdError), got.output
        assert (err.code, err.exit_code) == (code, 1)
        assert desa in err.message("id") and desa in err.message("en")
        assert not out.exists()


def test_exclusion_by_predicted_desil_uses_the_saved_ranking(
    district: District, tmp_path: Path
) -> None:
    with Workspace(_fresh(district, tmp_path, "ws5")) as ws, pytest.raises(UsageError) as err:
        convergence.convergence_report(ws, "s", links=district.truth, welfare="ridge",
                                       condition="predicted_desil = 1")  # fmt: skip
    assert err.value.code == "target_welfare_missing"
    assert "rpkd target rank" in err.value.message("id")
    with district.ws() as ws:
        rank = wf.ranking_report(ws, "s", method="ols")
    assert rank.saved is not None and rank.saved.with_suffix(".json").is_file()
    ranked = pq.read_table(rank.saved)
    predicted = dict(zip(*(ranked.column(c).to_pylist() for c in ("family_id", "predicted_desil")),
                         strict=True))  # fmt: skip
    t = _truth(district)
    receives_any = np.zeros(len(t["family_id"]), bool)
    for p in PROGRAMMES:
        receives_any |= t[f"receives_{p}"].astype(bool)
    expected = sorted(f for f, r in zip(t["family_id"], receives_any, strict=True)
                      if predicted[f] == 1 and not r)  # fmt: skip
    with district.ws() as ws:
        report = convergence.convergence_report(ws, "s", links=district.truth, welfare="ols",
                                                condition="predicted_desil = 1")  # fmt: skip
        truth = accuracy.accuracy_report(ws, "s", truth=district.truth, welfare="ols")
    assert sorted(r["family_id"] for r in report.exclusion.to_pylist()) == expected
    assert sum(1 for v in predicted.values() if v == 1) == 30  # 10% of 300 families
    row = next(r for r in truth.rows.to_pylist() if r["measure"] == "predicted_desil_1_4")
    covered = np.asarray([predicted[f] <= 4 for f in t["family_id"]])
    poor = t["poor"].astype(bool)
    assert (row["covered"], row["both"]) == (covered.sum(), (covered & poor).sum())
