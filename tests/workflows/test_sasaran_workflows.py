"""The page Sasaran's workflows without the web: the coverage matrix, the left-out families of a
desa, the eligibility rules saved as data (preview, save, history) and their use everywhere.

Expected values come from the release's Parquet files with plain Python: families by
kecamatan and desil, receipt by exact NIK (a NIK held by exactly one registry person), and the
kit's simple rule ``sembako``: ``desil <= 4``.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlalchemy.exc import DBAPIError

sys.path.insert(0, str(Path(__file__).resolve().parent))

from audit_refusal import REFUSAL, audit_refused, seen

from rpkd.access import audit
from rpkd.access.roles import Grant
from rpkd.errors import Forbidden, InvalidInput, NotFound
from rpkd.settings import Settings
from rpkd.workflows import access, releases, synth
from rpkd.workflows.convergence import convergence_report
from rpkd.workflows.rules import (
    effective_catalogue,
    preview_rule,
    rule_history,
    rule_list,
    save_rule,
)
from rpkd.workflows.targeting import eligibility_report
from rpkd.workflows.targeting_view import coverage_matrix, district_accuracy, left_out_families
from rpkd.workflows.workspace import Actor, Workspace

RELEASE = "r"
PASSWORD = "rahasia-panjang-1"


@dataclass(frozen=True)
class District:
    path: Path
    families: list[dict[str, object]]
    receiving: set[str]  # families with a member on any list (exact, unique NIK)
    desa: str  # the desa with most desil 1–2 families receiving nothing
    other: str  # a desa of another kecamatan

    def ws(self, actor: str = "admin") -> Workspace:
        return Workspace.open(self.path, actor=actor)


def _receiving(folder: Path) -> set[str]:
    persons = pq.read_table(folder / "persons.parquet").to_pylist()
    held = Counter(p["nik"] for p in persons if p["nik"])
    family_of = {p["nik"]: p["family_id"] for p in persons if p["nik"] and held[p["nik"]] == 1}
    lists = pq.read_table(folder / "beneficiaries.parquet").to_pylist()
    return {family_of[b["nik"]] for b in lists if b["nik"] in family_of}


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Iterator[District]:
    root = tmp_path_factory.mktemp("sasaran")
    path, source = root / "ws", root / "source"
    with Workspace.open(path) as ws:
        synth.synthesize_district(ws, "62.03", source, families=800, seed=3)
        releases.import_release(ws, source, RELEASE, reference_date="2025-03-01")
        access.add_user(ws, "admin", PASSWORD, role="admin")
    folder = path / "releases" / RELEASE
    families = pq.read_table(folder / "families.parquet").to_pylist()
    receiving = _receiving(folder)
    left = Counter(str(f["desa_code"]) for f in families
                   if f["desil"] <= 2 and f["family_id"] not in receiving)  # fmt: skip
    desa = left.most_common(1)[0][0]
    other = next(str(f["desa_code"]) for f in families if str(f["desa_code"])[:8] != desa[:8])
    with Workspace.open(path, actor="admin") as ws:
        access.add_user(ws, "analis", PASSWORD, role="analyst")
        access.add_user(ws, "pemantau", PASSWORD, role="viewer")
        access.add_user(ws, "desa", PASSWORD, role="area_operator", region=desa)
    yield District(path, families, receiving, desa, other)


def _actions(d: District, action: str) -> int:
    with d.ws() as ws, ws.transaction() as db:
        return sum(1 for e in audit.entries(db, action=action) if e.action == action)


# --- the coverage matrix ------------------------------------------------------------------


def test_matrix_of_the_district_counts_families_eligible_and_recipients(d: District) -> None:
    with d.ws("analis") as ws:
        found = coverage_matrix(ws, RELEASE)
    assert found.area.depth == "kabupaten" and found.children == "kecamatan"
    assert not found.public
    rows = found.rows.to_pylist()
    expected: dict[tuple[str, int], int] = Counter(
        (str(f["desa_code"])[:8], int(f["desil"])) for f in d.families
    )
    got = {(r["area"], r["desil"]): r["families"] for r in rows
           if r["programme"] == "sembako" and r["area"] != found.area.code}  # fmt: skip
    assert got == expected
    sembako = {(r["area"], r["desil"]): r["eligible"] for r in rows
               if r["programme"] == "sembako" and r["area"] != found.area.code}  # fmt: skip
    assert sembako == {k: (n if k[1] <= 4 else 0) for k, n in expected.items()}
    own = [r for r in rows if r["area"] == found.area.code and r["programme"] == "any"]
    assert sum(r["families"] for r in own) == len(d.families)
    assert sum(r["recipients"] for r in own) == len(d.receiving)


def test_matrix_by_area_gives_left_out_desil_1_2_families(d: District) -> None:
    with d.ws("analis") as ws:
        found = coverage_matrix(ws, RELEASE, area=d.desa[:8])
    poor = [f for f in d.families if f["desil"] <= 2 and str(f["desa_code"])[:8] == d.desa[:8]]
    expected = Counter(str(f["desa_code"]) for f in poor if f["family_id"] not in d.receiving)
    table = {r["area"]: r for r in found.by_area(2).to_pylist()}
    assert found.children == "desa"
    assert {a: r["left_out"] for a, r in table.items() if r["left_out"]} == dict(expected)
    total = Counter(str(f["desa_code"]) for f in poor)
    assert table[d.desa]["families"] == total[d.desa]
    by_desil = {r["programme"]: r for r in found.by_desil().to_pylist()}
    kec = [f for f in d.families if str(f["desa_code"])[:8] == d.desa[:8]]
    reached = sum(1 for f in kec if f["family_id"] in d.receiving)
    assert by_desil["any"]["all"] == pytest.approx(reached / len(kec))


def test_a_viewer_sees_small_cells_suppressed(d: District) -> None:
    with d.ws("pemantau") as ws:
        found = coverage_matrix(ws, RELEASE)
    assert found.public and not found.records
    for r in found.rows.to_pylist():
        assert r["suppressed"] == (r["families"] is None)
    small = [r for r in found.rows.to_pylist() if r["suppressed"]]
    assert small, "the 800-family release has cells below min_cell"


def test_a_desa_operator_reads_its_desa_only(d: District) -> None:
    with d.ws("desa") as ws:
        own = coverage_matrix(ws, RELEASE)  # default: the region of its grant
        assert own.area.code == d.desa and own.records
        with pytest.raises(Forbidden):
            coverage_matrix(ws, RELEASE, area=d.other)
        with pytest.raises(Forbidden):
            coverage_matrix(ws, RELEASE, area=d.desa[:5])
    with d.ws() as ws, pytest.raises(NotFound):
        coverage_matrix(ws, RELEASE, area="63.01")


def test_accuracy_of_the_district_has_standard_errors(d: District) -> None:
    with d.ws("analis") as ws:
        found = district_accuracy(ws, RELEASE, cutoff=2)
    assert found is not None and found.basis == "survey"
    whole = next(r for r in found.to_json() if r["domain"] is None)
    assert 0 <= whole["exclusion"] <= 1 and whole["exclusion_se"] > 0
    with d.ws("desa") as ws, pytest.raises(Forbidden):
        district_accuracy(ws, RELEASE)


# --- the left-out families ----------------------------------------------------------------


def test_left_out_families_are_masked_audited_and_scoped(d: District) -> None:
    expected = sorted(str(f["family_id"]) for f in d.families
                      if f["desil"] <= 2 and str(f["desa_code"]) == d.desa
                      and f["family_id"] not in d.receiving)  # fmt: skip
    before = _actions(d, "target.left_out")
    with d.ws("desa") as ws:
        masked = left_out_families(ws, RELEASE, desa=d.desa)
        full = left_out_families(ws, RELEASE, desa=d.desa, unmask=True)
        with pytest.raises(Forbidden):
            left_out_families(ws, RELEASE, desa=d.other)
    assert _actions(d, "target.left_out") == before + 2
    assert sorted(full.rows.column("family_id").to_pylist()) == expected
    assert full.unmasked and full.may_unmask and not masked.unmasked
    names = full.rows.column("head_name").to_pylist()
    assert all("*" not in n for n in names if n)
    assert expected, "the desa has left-out families"
    for column in ("head_nik", "kk_number"):
        assert all("*" in v for v in masked.rows.column(column).to_pylist() if v)
    with d.ws("pemantau") as ws, pytest.raises(Forbidden):
        left_out_families(ws, RELEASE, desa=d.desa)


# --- eligibility rules as data ------------------------------------------------------------


def test_rules_preview_save_history_and_every_workflow_uses_them(d: District) -> None:
    with d.ws("analis") as ws:
        listed = {r["programme"]: r for r in rule_list(ws).to_json()}
        assert listed["sembako"]["rule"] == "desil <= 4" and not listed["sembako"]["changed"]
        with pytest.raises(InvalidInput) as bad:
            preview_rule(ws, "sembako", "desil <<= 3")
        assert bad.value.param == "rule"
        with pytest.raises(InvalidInput) as unknown:
            save_rule(ws, "sembako", "income < 3")
        assert unknown.value.param == "rule" and unknown.value.code == "rule_column_unknown"
        preview = preview_rule(ws, "sembako", "desil <= 3", release=RELEASE)
    fourth = Counter(str(f["desa_code"]) for f in d.families if f["desil"] == 4)
    assert {r["desa_code"]: r["removed"] for r in preview.to_json()["rows"]} == dict(fourth)
    assert preview.totals()["added"] == 0
    assert preview.totals()["removed"] == sum(fourth.values())
    with d.ws("pemantau") as ws, pytest.raises(Forbidden):
        save_rule(ws, "sembako", "desil <= 3")
    before = _actions(d, "target.rule.save")

    def eligible(ws: Workspace) -> int:  # the district's own rows of the (kept) matrix
        found = coverage_matrix(ws, RELEASE)
        return sum(r["eligible"] for r in found.rows.to_pylist()
                   if r["programme"] == "sembako" and r["area"] == found.area.code)  # fmt: skip

    with d.ws("analis") as ws:
        assert eligible(ws) == sum(1 for f in d.families if f["desil"] <= 4)
        saved = save_rule(ws, "sembako", "desil  <=  3", reason="uji")
        again = save_rule(ws, "sembako", "desil <= 3")
        history = rule_history(ws, "sembako")
        counts = eligibility_report(ws, RELEASE, programmes=["sembako"]).to_json()
        report = convergence_report(ws, RELEASE)
        assert effective_catalogue(ws).programme("sembako").rule.text == "desil <= 3"
        assert eligible(ws) == sum(1 for f in d.families if f["desil"] <= 3)  # not the kept one
    assert saved.changed and saved.rule == "desil <= 3" and not again.changed
    assert _actions(d, "target.rule.save") == before + 1
    assert history.rule == "desil <= 3" and history.kit_rule == "desil <= 4"
    assert history.to_json()["versions"][0]["reason"] == "uji"
    three = sum(1 for f in d.families if f["desil"] <= 3)
    assert counts[0]["eligible_families"] == three
    whole = next(r for r in report.to_json() if r["programme"] == "sembako")
    assert whole["eligible"] == three
    with d.ws("analis") as ws:
        back = save_rule(ws, "sembako", "desil <= 4", reason="kembali")
        assert eligible(ws) == sum(1 for f in d.families if f["desil"] <= 4)
        assert back.changed and rule_history(ws, "sembako").versions.num_rows == 2
        with pytest.raises(NotFound):
            rule_history(ws, "tidak_ada")


@pytest.fixture
def d(district: District) -> District:
    return district


def test_saved_rules_and_their_history_on_sqlite_and_postgresql(
    tmp_path: Path, database_url: str
) -> None:
    ws = Workspace(Settings(workspace=tmp_path / "ws", database_url=database_url))
    ws.__dict__["actor"] = Actor("analis", (Grant("analyst"),))
    with ws:
        first = save_rule(ws, "pkh", "desil <= 2 AND n_under6 > 0", reason="balita")
        second = save_rule(ws, "pkh", "desil <= 3 AND n_under6 > 0")
        history = rule_history(ws, "pkh")
        listed = {r["programme"]: r for r in rule_list(ws).to_json()}
        assert effective_catalogue(ws).programme("pkh").rule.text == "desil <= 3 AND n_under6 > 0"
    assert first.version is not None and second.version == first.version + 1
    assert [v["rule"] for v in history.to_json()["versions"]] == [
        "desil <= 3 AND n_under6 > 0",
        "desil <= 2 AND n_under6 > 0",
    ]
    assert listed["pkh"]["changed"] and listed["pkh"]["saved_by"] == "analis"
    assert not listed["sembako"]["changed"]


def test_a_rule_whose_audit_row_is_refused_is_not_saved(tmp_path: Path, database_url: str) -> None:
    ws = Workspace(Settings(workspace=tmp_path / "ws", database_url=database_url))
    ws.__dict__["actor"] = Actor("analis", (Grant("analyst"),))
    with ws:
        save_rule(ws, "pkh", "desil <= 2 AND n_under6 > 0", reason="balita")
        before = seen(ws)
        with audit_refused(ws), pytest.raises(DBAPIError, match=REFUSAL):
            save_rule(ws, "pkh", "desil <= 3 AND n_under6 > 0", reason="lebih luas")
        assert seen(ws) == before
        assert rule_history(ws, "pkh").rule == "desil <= 2 AND n_under6 > 0"
