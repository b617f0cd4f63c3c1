"""A small hand-built registry and a beneficiary list whose true links are known by construction.

The registry: 240 families (about 800 persons) in two desa of kecamatan Selat (62.03.01),
names from pools of Banjar/Javanese/Arabic-origin names, valid NIKs and KK numbers. The list
(``LIST_KINDS``) takes registry persons and damages them in one known way each, so a test can
check each kind of flaw on its own: exact copies, copies without NIK, typos in the name, old
spelling and titles, placeholder birth dates, invalid NIKs, a person who has died, a duplicated
row, and ghost rows that match nobody.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from rpkd import engine as eng
from rpkd.linkage.model import LinkResult, Thresholds, link
from rpkd.linkage.standardise import standardise_list, standardise_registry

MALE = (
    "Ahmad", "Muhammad", "Budi", "Slamet", "Joko", "Agus", "Hendra", "Rudi", "Yusuf", "Hasan",
    "Bambang", "Darmawan", "Fajar", "Gunawan", "Irfan", "Kurniawan", "Lukman", "Mulyadi",
    "Nasrullah", "Rahmat", "Syahrul", "Taufik", "Wahyudi", "Zainal", "Arifin", "Bakri",
)  # fmt: skip
FEMALE = (
    "Siti", "Nur", "Aminah", "Fatimah", "Rina", "Sri", "Dewi", "Lestari", "Yanti", "Rahmah",
    "Halimah", "Jumiati", "Kartini", "Mardiana", "Norhayati", "Purnama", "Rosidah", "Salmah",
    "Wulandari", "Zubaidah", "Hidayah", "Maimunah", "Nurlaila", "Sumiati", "Herlina", "Juliani",
)  # fmt: skip
SECOND = (
    "Santoso", "Hidayat", "Saputra", "Rahman", "Pratama", "Wijaya", "Kusuma", "Setiawan",
    "Hakim", "Ramadhan", "Syahputra", "Firmansyah", "Nugroho", "Susanto", "Anwar", "Hamdani",
    "Mahmud", "Iskandar", "Kurnia", "Utami", "Handayani", "Rahmawati", "Safitri", "Maulida",
    "Aulia", "Sari", "Wati", "Ningsih", "Fitriani", "Yuliani",
)  # fmt: skip
DESA = ("62.03.01.2001", "62.03.01.2002")


@dataclass(frozen=True)
class Fixture:
    """Registry tables, the list and the truth (record -> person_id or None) by flaw kind."""

    persons: pa.Table
    families: pa.Table
    listed: pa.Table
    truth: dict[str, str | None]
    kinds: dict[str, str]


def _nik(day: dt.date, female: bool, serial: int) -> str:
    dd = day.day + (40 if female else 0)
    return f"620301{dd:02d}{day.month:02d}{day.year % 100:02d}{serial:04d}"


def build(seed: int = 7) -> Fixture:
    rng = np.random.default_rng(seed)
    persons: dict[str, list[object]] = {
        k: []
        for k in (
            "person_id",
            "family_id",
            "nik",
            "name",
            "sex",
            "birth_date",
            "relation",
            "death_date",
        )
    }
    families: dict[str, list[object]] = {"family_id": [], "kk_number": [], "desa_code": []}
    used: set[str] = set()
    serials: dict[str, int] = {}
    for f in range(240):
        fid = f"F{f:04d}"
        families["family_id"].append(fid)
        families["kk_number"].append(f"620301{f:06d}{rng.integers(1000, 9999):04d}")
        families["desa_code"].append(DESA[f % 2])
        second = SECOND[rng.integers(len(SECOND))]
        size = int(rng.integers(1, 6))
        for m in range(size):
            female = bool(m == 1 or (m > 1 and rng.random() < 0.5))
            while True:
                pool = FEMALE if female else MALE
                given = pool[rng.integers(len(pool))]
                name = (
                    given
                    if rng.random() < 0.15
                    else f"{given} {SECOND[rng.integers(len(SECOND))] if m else second}"
                )
                if name not in used or rng.random() < 0.02:
                    break
            used.add(name)
            age = int(rng.integers(25, 80)) if m < 2 else int(rng.integers(1, 30))
            born = dt.date(2025 - age, int(rng.integers(2, 12)), int(rng.integers(2, 28)))
            key = f"{born}{female}"
            serials[key] = serials.get(key, 0) + 1
            persons["person_id"].append(f"P{f:04d}{m}")
            persons["family_id"].append(fid)
            persons["nik"].append(_nik(born, female, serials[key]))
            persons["name"].append(name.upper())
            persons["sex"].append("P" if female else "L")
            persons["birth_date"].append(born)
            persons["relation"].append("kepala_keluarga" if m == 0 else "anak")
            persons["death_date"].append(dt.date(2024, 6, 1) if rng.random() < 0.01 else None)
    person_table = pa.table(
        {
            **persons,
            "birth_date": pa.array(persons["birth_date"], pa.date32()),
            "death_date": pa.array(persons["death_date"], pa.date32()),
        }
    )
    family_table = pa.table(families)
    return _listed(rng, person_table, family_table)


def _damage(kind: str, name: str) -> str:
    if kind == "typo":  # one letter changed inside the second token, as a clerk mistypes
        first, _, rest = name.partition(" ")
        target = rest or first
        i = len(target) // 2
        swapped = target[:i] + ("E" if target[i] != "E" else "A") + target[i + 1 :]
        return f"{first} {swapped}" if rest else swapped
    if kind == "old_spelling":
        return name.replace("U", "OE", 1).replace("J", "DJ", 1).replace("Y", "J", 1)
    if kind == "title":
        return f"Hj. {name.title()}, S.Pd"
    return name


def _listed(rng: np.random.Generator, persons: pa.Table, families: pa.Table) -> Fixture:
    kk = dict(
        zip(families["family_id"].to_pylist(), families["kk_number"].to_pylist(), strict=True)
    )
    desa = dict(
        zip(families["family_id"].to_pylist(), families["desa_code"].to_pylist(), strict=True)
    )
    rows = persons.to_pylist()
    living = [r for r in rows if r["death_date"] is None and r["name"].count(" ") == 1]
    dead = [r for r in rows if r["death_date"] is not None]
    order = rng.permutation(len(living))
    plan = (
        ["exact"] * 60
        + ["no_nik"] * 15
        + ["typo"] * 12
        + ["old_spelling"] * 8
        + ["title"] * 8
        + ["placeholder"] * 10
        + ["invalid_nik"] * 8
    )
    listed: dict[str, list[object]] = {
        k: [] for k in ("record", "nik", "kk_number", "name", "birth_date", "desa_code")
    }
    truth: dict[str, str | None] = {}
    kinds: dict[str, str] = {}
    chosen = [(living[i], kind) for i, kind in zip(order, plan, strict=False)]
    chosen += [(r, "deceased") for r in dead[:2]]
    chosen.append((chosen[0][0], "duplicate"))
    for person, kind in chosen:
        record = str(len(listed["record"]) + 1)
        born = person["birth_date"]
        nik = person["nik"]
        if kind in ("no_nik", "typo", "old_spelling", "title", "placeholder"):
            nik = None
        if kind == "invalid_nik":
            nik = nik[:15]
        birth = f"01-01-{born.year}" if kind == "placeholder" else born.strftime("%d-%m-%Y")
        listed["record"].append(record)
        listed["nik"].append(nik)
        listed["kk_number"].append(kk[person["family_id"]] if kind != "typo" else None)
        listed["name"].append(_damage(kind, person["name"]))
        listed["birth_date"].append(birth)
        listed["desa_code"].append(desa[person["family_id"]].replace(".", ""))
        truth[record] = person["person_id"]
        kinds[record] = kind
    for ghost in ("Kevin Wirawan Tanoto", "Bernadette Lumbantobing"):
        record = str(len(listed["record"]) + 1)
        listed["record"].append(record)
        listed["nik"].append(f"6203014107959{len(record):03d}")
        listed["kk_number"].append(None)
        listed["name"].append(ghost)
        listed["birth_date"].append("1995-07-01")
        listed["desa_code"].append(DESA[0])
        truth[record] = None
        kinds[record] = "ghost"
    table = pa.table({k: pa.array(v, pa.string()) for k, v in listed.items()})
    return Fixture(persons, families, table, truth, kinds)


def link_fixture(
    engine: eng.Engine, data: Fixture, thresholds: Thresholds | None = None
) -> LinkResult:
    """Link the fixture's list to its registry on ``engine`` (standardising both sides)."""
    return link(
        engine,
        standardise_list(engine, eng.table(engine, data.listed)),
        standardise_registry(
            engine, eng.table(engine, data.persons), eng.table(engine, data.families)
        ),
        thresholds=thresholds,
    )


def write_workspace(root: Path, data: Fixture) -> Path:
    """Write a workspace with the registry as release ``dtsen-uji`` and the list as a CSV file."""
    folder = root / "releases" / "dtsen-uji"
    folder.mkdir(parents=True)
    pq.write_table(data.persons, folder / "persons.parquet")
    pq.write_table(data.families, folder / "families.parquet")
    manifest = {"name": "dtsen-uji", "kinds": ["families", "persons"], "region": "62.03"}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with (root / "beneficiaries_pkh.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=data.listed.column_names)
        writer.writeheader()
        writer.writerows(data.listed.to_pylist())
    return root
