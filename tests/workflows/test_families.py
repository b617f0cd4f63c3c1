"""The families of a desa (``families_of_desa``) on a small synthetic release.

Expected values are computed here from the release's Parquet files with plain Python (no
engine): the families of the desa, their heads, receipt by exact NIK and a few eligibility
rules of the kit written out by hand.
"""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rpkd import regions
from rpkd.access import audit
from rpkd.errors import Forbidden, InvalidInput, NotFound, UnknownRegion, UsageError
from rpkd.workflows import access, families_of_desa, releases, synth
from rpkd.workflows.families import COLUMNS
from rpkd.workflows.workspace import Workspace

RELEASE = "r"
PASSWORD = "rahasia-panjang-1"
ON = date(2025, 3, 1)


@dataclass(frozen=True)
class District:
    path: Path
    release: Path
    desa: str  # the desa with most families
    other: str  # another desa of the release

    def ws(self, actor: str | None = "admin") -> Workspace:
        return Workspace.open(self.path, actor=actor)


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Iterator[District]:
    root = tmp_path_factory.mktemp("families")
    path, source = root / "ws", root / "source"
    with Workspace.open(path) as ws:
        synth.synthesize_district(ws, "62.03", source, families=800, seed=3)
        releases.import_release(ws, source, RELEASE, reference_date="2025-03-01")
        access.add_user(ws, "admin", PASSWORD, role="admin")
    folder = path / "releases" / RELEASE
    counts = Counter(pq.read_table(folder / "families.parquet").column("desa_code").to_pylist())
    (desa, _), (other, _) = counts.most_common(2)
    kecamatan = desa.rsplit(".", 1)[0]
    with Workspace.open(path, actor="admin") as ws:
        access.add_user(ws, "analis", PASSWORD, role="analyst")
        access.add_user(ws, "pemantau", PASSWORD, role="viewer")
        access.add_user(ws, "desa", PASSWORD, role="area_operator", region=desa)
        access.add_user(ws, "camat", PASSWORD, role="area_operator", region=kecamatan)
        access.add_user(ws, "lain", PASSWORD, role="area_operator", region=other)
        access.add_user(ws, "dinsos", PASSWORD, role="agency_operator", agency="dinsos")
    yield District(path, folder, desa, other)


# --- expectations from the Parquet files -------------------------------------------------


def _rows(d: District, kind: str) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = pq.read_table(d.release / f"{kind}.parquet").to_pylist()
    return rows


def _families(d: District, desa: str) -> dict[str, dict[str, object]]:
    return {str(f["family_id"]): f for f in _rows(d, "families") if f["desa_code"] == desa}


def _members(d: District, desa: str) -> dict[str, list[dict[str, object]]]:
    wanted = _families(d, desa)
    out: dict[str, list[dict[str, object]]] = defaultdict(list)
    for p in _rows(d, "persons"):
        if p["family_id"] in wanted:
            out[str(p["family_id"])].append(p)
    return out


def _receipt_by_nik(d: District) -> dict[str, set[str]]:
    """Family -> programmes whose list holds a NIK that exactly one registry person has."""
    persons = _rows(d, "persons")
    holders = Counter(p["nik"] for p in persons if p["nik"])
    family_of = {p["nik"]: p["family_id"] for p in persons if p["nik"] and holders[p["nik"]] == 1}
    out: dict[str, set[str]] = defaultdict(set)
    for b in _rows(d, "beneficiaries"):
        family = family_of.get(b["nik"])
        if family is not None:
            out[str(family)].add(str(b["programme"]))
    return out


def _age(birth: date) -> int:
    return ON.year - birth.year - ((birth.month, birth.day) > (ON.month, ON.day))


def _living(p: dict[str, object]) -> bool:
    death = p["death_date"]
    return death is None or (isinstance(death, date) and death > ON)


def _eligible(f: dict[str, object], members: list[dict[str, object]]) -> set[str]:
    """The kit's rules of pkh, sembako, pbi_jk, stbm and pamsimas, written out by hand."""
    desil = f["desil"]
    poor = isinstance(desil, int) and desil <= 4
    alive = [p for p in members if _living(p)]
    ages = [_age(p["birth_date"]) for p in alive]  # type: ignore[arg-type]
    school = [
        p for p in alive
        if p["school_attendance"] == "masih_sekolah" and p["school_level"] in ("sd", "smp", "sma")
    ]  # fmt: skip
    component = (
        any(p["pregnant"] for p in alive)
        or any(a < 6 for a in ages)
        or bool(school)
        or any(a >= 70 for a in ages)
        or any(p["disability"] == "berat" for p in alive)
    )
    out = set()
    if poor and component:
        out.add("pkh")
    if poor:
        out.add("sembako")
    if poor and alive:
        out.add("pbi_jk")
    if f["toilet"] in ("umum", "tidak_ada") or f["sewage"] in ("lubang_tanah", "terbuka"):
        out.add("stbm")
    unsafe = ("sumur_tak_terlindung", "mata_air_tak_terlindung", "air_permukaan", "lainnya")
    if f["drinking_water"] in unsafe:
        out.add("pamsimas")
    return out


CHECKED = {"pkh", "sembako", "pbi_jk", "stbm", "pamsimas"}


def _masked(number: str) -> str:
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def _audit(d: District) -> list[audit.AuditEntry]:
    with d.ws() as ws, ws.transaction() as db:
        return [e for e in audit.entries(db, action="families.read")]


# --- the rows ------------------------------------------------------------------------------


def test_every_family_of_the_desa_with_its_desil_head_receipt_and_eligibility(
    district: District,
) -> None:
    d = district
    with d.ws("analis") as ws:
        result = families_of_desa(ws, RELEASE, d.desa, unmask=True)
    expected = _families(d, d.desa)
    members = _members(d, d.desa)
    receipt = _receipt_by_nik(d)
    rows = result.to_json()
    assert [r["family_id"] for r in rows] == sorted(
        expected, key=lambda f: (expected[f]["desil"] or 11, f)
    )
    assert result.families.column_names == list(COLUMNS)
    assert result.links == {p: "nik" for p in result.programmes}
    assert (result.release, result.desa, result.on) == (RELEASE, d.desa, ON)
    assert result.desa_name == regions.name(d.desa) and result.unmasked
    for row in rows:
        family = expected[str(row["family_id"])]
        heads = [p for p in members[str(row["family_id"])] if p["relation"] == "kepala_keluarga"]
        assert len(heads) == 1
        assert row["desa_code"] == d.desa
        assert row["desil"] == family["desil"]
        assert row["family_size"] == family["family_size"]
        assert (row["kk_number"], row["address"]) == (family["kk_number"], family["address"])
        assert (row["head_name"], row["head_nik"]) == (heads[0]["name"], heads[0]["nik"])
        assert set(row["received_programmes"]) == receipt.get(str(row["family_id"]), set())
        eligible = set(row["eligible_programmes"])
        assert eligible & CHECKED == _eligible(family, members[str(row["family_id"])])
        order = list(result.programmes)
        for key in ("received_programmes", "eligible_programmes"):
            assert row[key] == sorted(row[key], key=order.index)
    # the checks above must have had something to check
    assert any(r["received_programmes"] for r in rows)
    assert any("pkh" in r["eligible_programmes"] for r in rows)
    assert any("sembako" not in r["eligible_programmes"] for r in rows)


def test_masked_by_default_with_one_audit_row_per_call(district: District) -> None:
    d = district
    before = len(_audit(d))
    with d.ws("desa") as ws:
        first = families_of_desa(ws, RELEASE, d.desa)
        second = families_of_desa(ws, RELEASE, d.desa.replace(".", ""))
    assert first.to_json() == second.to_json() and not first.unmasked
    truth = {str(f["family_id"]): f for f in _families(d, d.desa).values()}
    heads = {
        str(p["family_id"]): p
        for ps in _members(d, d.desa).values()
        for p in ps
        if p["relation"] == "kepala_keluarga"
    }
    for row in first.to_json():
        head, family = heads[str(row["family_id"])], truth[str(row["family_id"])]
        assert row["head_nik"] == (_masked(str(head["nik"])) if head["nik"] else None)
        assert row["kk_number"] == _masked(str(family["kk_number"]))
        assert row["head_name"] == "".join(f"{w[0].upper()}." for w in str(head["name"]).split())
        assert row["address"] == str(family["address"])[0] + "*" * (len(str(family["address"])) - 1)
    rows = _audit(d)[before:]
    assert len(rows) == 2
    for row in rows:
        assert (row.username, row.action, row.release) == ("desa", "families.read", RELEASE)
        assert row.scope == f"region={d.desa}"
        assert row.records == len(truth)
        assert row.parameters == {"unmasked": False, "desa": d.desa, "desil": None}


def test_one_desil_only(district: District) -> None:
    d = district
    by_desil = Counter(f["desil"] for f in _families(d, d.desa).values())
    desil, count = by_desil.most_common(1)[0]
    assert isinstance(desil, int)
    before = len(_audit(d))
    with d.ws("camat") as ws:
        result = families_of_desa(ws, RELEASE, d.desa, desil=desil)
    assert [r["desil"] for r in result.to_json()] == [desil] * count
    assert result.desil == desil
    row = _audit(d)[before]
    assert row.records == count and row.parameters["desil"] == desil


def test_arrow_joins_the_programme_lists(district: District) -> None:
    d = district
    with d.ws("analis") as ws:
        result = families_of_desa(ws, RELEASE, d.desa)
    table = result.to_arrow()
    assert table.schema.field("received_programmes").type == pa.string()
    json_rows, arrow_rows = result.to_json(), table.to_pylist()
    for j, a in zip(json_rows, arrow_rows, strict=True):
        assert a["eligible_programmes"] == ", ".join(j["eligible_programmes"])
        assert a["received_programmes"] == ", ".join(j["received_programmes"])
    assert "target.column.desa_code_name" in result.readable().column_names


# --- receipt from stored link runs -------------------------------------------------------


def _write_run(folder: Path, release: str, links: list[tuple[str, str | None]]) -> None:
    folder.mkdir(parents=True)
    records, people = zip(*links, strict=True)
    pq.write_table(
        pa.table({"record": pa.array(records, pa.string()),
                  "person_id": pa.array(people, pa.string())}),
        folder / "links.parquet",
    )  # fmt: skip
    tags = {"release": release, "list": "beneficiaries_pkh.csv"}
    (folder / "parameters.json").write_text(json.dumps(tags), encoding="utf-8")


def test_receipt_comes_from_the_newest_stored_link_run(district: District) -> None:
    d = district
    members = _members(d, d.desa)
    receipt = _receipt_by_nik(d)
    chosen = sorted(f for f in members if "pkh" not in receipt.get(f, set()))[:2]
    assert len(chosen) == 2
    person = {f: str(members[f][0]["person_id"]) for f in chosen}
    base = d.path / "derived" / RELEASE / "links"
    old, new = base / "beneficiaries_pkh-aaaa", base / "beneficiaries_pkh-bbbb"
    try:
        _write_run(old, RELEASE, [("1", person[chosen[0]])])
        _write_run(new, RELEASE, [("1", person[chosen[1]]), ("2", None)])
        _write_run(base / "beneficiaries_pkh-other", "another-release", [("1", person[chosen[0]])])
        stamp = (new / "parameters.json").stat().st_mtime
        os.utime(old / "parameters.json", (stamp - 60, stamp - 60))
        with d.ws("analis") as ws:
            result = families_of_desa(ws, RELEASE, d.desa)
    finally:
        for folder in base.iterdir():
            for file in folder.iterdir():
                file.unlink()
            folder.rmdir()
    assert result.links["pkh"] == "beneficiaries_pkh-bbbb"
    assert {p: how for p, how in result.links.items() if p != "pkh"} == {
        p: "nik" for p in result.programmes if p != "pkh"
    }
    pkh = [r["family_id"] for r in result.to_json() if "pkh" in r["received_programmes"]]
    assert pkh == [chosen[1]]
    for row in result.to_json():  # the other programmes still by NIK
        others = set(row["received_programmes"]) - {"pkh"}
        assert others == receipt.get(str(row["family_id"]), set()) - {"pkh"}


# --- refusals and errors -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "unmask"),
    [("lain", False), ("pemantau", False), ("dinsos", False), ("lain", True)],
)
def test_an_actor_without_the_desa_is_refused_and_nothing_is_audited(
    district: District, actor: str, unmask: bool
) -> None:
    d = district
    before = len(_audit(d))
    with d.ws(actor) as ws, pytest.raises(Forbidden):
        families_of_desa(ws, RELEASE, d.desa, unmask=unmask)
    assert len(_audit(d)) == before


def test_a_desa_operator_may_unmask_its_own_desa(district: District) -> None:
    d = district
    with d.ws("lain") as ws:
        result = families_of_desa(ws, RELEASE, d.other, unmask=True)
    assert result.unmasked
    assert all("*" not in (r["kk_number"] or "") for r in result.to_json())
    assert _audit(d)[-1].parameters["unmasked"] is True


def test_codes_outside_the_master_or_the_release_are_named(district: District) -> None:
    d = district
    elsewhere = regions.descendants("62.01", "desa")[0].code
    before = len(_audit(d))
    with d.ws("analis") as ws:
        for text, code in [("62.03.01", "target_desa_unknown"), ("99.99.99.9999",
                           "target_desa_unknown"), ("desa-saya", "region_malformed")]:  # fmt: skip
            with pytest.raises(UnknownRegion) as refused:
                families_of_desa(ws, RELEASE, text)
            assert refused.value.code == code and refused.value.param in ("desa", "region")
        with pytest.raises(InvalidInput) as absent:
            families_of_desa(ws, RELEASE, elsewhere)
        assert absent.value.code == "desa_not_in_release"
        assert elsewhere in absent.value.message("en")
        with pytest.raises(NotFound) as missing:
            families_of_desa(ws, "r9", d.desa)
        assert missing.value.code == "release_missing"
        for desil in (0, 11):
            with pytest.raises(UsageError) as bad:
                families_of_desa(ws, RELEASE, d.desa, desil=desil)
            assert bad.value.code == "families_desil_range" and bad.value.param == "desil"
    assert len(_audit(d)) == before


def test_a_release_without_beneficiary_lists_receives_nothing(
    district: District, tmp_path: Path
) -> None:
    d = district
    source = tmp_path / "source"
    source.mkdir()
    for kind in ("families", "persons"):
        pq.write_table(pq.read_table(d.release / f"{kind}.parquet"), source / f"{kind}.parquet")
    with d.ws() as ws:
        releases.import_release(ws, source, "tanpa-daftar", reference_date="2025-03-01")
        result = families_of_desa(ws, "tanpa-daftar", d.desa)
    rows = result.to_json()
    assert len(rows) == len(_families(d, d.desa))
    assert all(r["received_programmes"] == [] for r in rows)
    assert any(r["eligible_programmes"] for r in rows)


@pytest.mark.spark
def test_spark_gives_the_same_families(district: District) -> None:
    d = district
    with Workspace.open(d.path, actor="analis") as ws:
        duck = families_of_desa(ws, RELEASE, d.desa, unmask=True).to_json()
    with Workspace.open(d.path, actor="analis", engine="spark") as ws:
        spark = families_of_desa(ws, RELEASE, d.desa, unmask=True).to_json()
    assert spark == duck
