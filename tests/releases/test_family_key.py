"""The integer family key: by hand, unique, reproducible, the same on every engine; old releases.

Keys are derived by hand from the rule in :mod:`rpkd.releases.family_key`: desa number x 2**29
plus the rank of the family id (string order) within its desa.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from conftest import (
    FAMILIES,
    FAMILIES_HEADER,
    PERSONS,
    PERSONS_HEADER,
    TODAY,
    run_import,
    write_csv,
)
from rpkd import engine as eng
from rpkd.measures.profile import registry_profile
from rpkd.releases.catalog import MANIFEST, open_release
from rpkd.settings import Settings
from rpkd.workflows.profile import profile_release
from rpkd.workflows.workspace import Workspace

MURUNG_KERAMAT = 6203011006 * 536_870_912  # 62.03.01.1006 shifted by 29 bits
MAMBULAU = 6203021001 * 536_870_912  # 62.03.02.1001
EXTRA = [
    # a third family in Murung Keramat whose id sorts before F1: rank 1 there, F1 rank 2
    ["F0", "6203010101200003", "62.03.01.1006", "Jl. Cilik Riwut 3", "1", "true", "2"],
]
EXTRA_PERSONS = [
    ["P7", "F0", "6203011506750007", "Yanto", "L", "1975-06-15", "kepala_keluarga", ""],
]


def _source(folder: Path, *, reverse: bool = False) -> Path:
    folder.mkdir(parents=True)
    families, persons = [*FAMILIES, *EXTRA], [*PERSONS, *EXTRA_PERSONS]
    if reverse:
        families, persons = families[::-1], persons[::-1]
    write_csv(folder / "families.csv", FAMILIES_HEADER, families)
    write_csv(folder / "persons.csv", PERSONS_HEADER, persons)
    return folder


def _columns(release_path: Path, kind: str, *names: str) -> list[tuple[object, ...]]:
    table = pq.read_table(release_path / f"{kind}.parquet", columns=list(names))
    return list(zip(*(table[n].to_pylist() for n in names), strict=True))


def test_keys_by_hand_on_every_engine(tmp_path: Path, engine: eng.Engine) -> None:
    imported = run_import(_source(tmp_path / "src"), tmp_path / "ws", engine=engine)
    assert imported.release is not None
    path = imported.release.path
    # families in key order: F0 (rank 1) and F1 (rank 2) in Murung Keramat, then F2 in Mambulau
    assert _columns(path, "families", "family_id", "family_key") == [
        ("F0", MURUNG_KERAMAT + 1),
        ("F1", MURUNG_KERAMAT + 2),
        ("F2", MAMBULAU + 1),
    ]
    # persons carry their family's key, in key order and within a family in file order
    assert _columns(path, "persons", "person_id", "family_key") == [
        ("P7", MURUNG_KERAMAT + 1),
        ("P1", MURUNG_KERAMAT + 2),
        ("P2", MURUNG_KERAMAT + 2),
        ("P3", MURUNG_KERAMAT + 2),
        ("P4", MAMBULAU + 1),
        ("P5", MAMBULAU + 1),
        ("P6", MAMBULAU + 1),
    ]
    # a Spark release stores a folder of part files, DuckDB one file: read both as a table
    assert pq.read_table(path / "families.parquet").schema.field("family_key").type == "int64"
    assert imported.release.manifest["schema_version"] == 2


def test_same_input_same_keys_and_digests(tmp_path: Path) -> None:
    source = _source(tmp_path / "src")
    first = run_import(source, tmp_path / "ws", "a").release
    again = run_import(source, tmp_path / "ws", "b").release
    reordered = run_import(_source(tmp_path / "rev", reverse=True), tmp_path / "ws", "c").release
    assert first is not None and again is not None and reordered is not None
    outputs = first.manifest["outputs"]
    assert {"families.parquet", "persons.parquet"} <= set(outputs)
    for name in ("families.parquet", "persons.parquet"):
        assert again.manifest["outputs"][name] == outputs[name]
    # rows given in another order: the same key for each family, families stored the same
    assert reordered.manifest["outputs"]["families.parquet"] == outputs["families.parquet"]
    keys = _columns(first.path, "families", "family_id", "family_key")
    assert _columns(reordered.path, "families", "family_id", "family_key") == keys
    assert len({k for _, k in keys}) == len(keys)


def _without_key(release: Path, copy: Path) -> None:
    """Copy ``release`` as a release of schema version 1: no family_key column."""
    shutil.copytree(release, copy)
    for item in [copy, *copy.rglob("*")]:
        item.chmod(0o755 if item.is_dir() else 0o644)
    for kind in ("families", "persons"):
        file = copy / f"{kind}.parquet"
        pq.write_table(pq.read_table(file).drop_columns(["family_key"]), file)
    manifest = (copy / MANIFEST).read_text(encoding="utf-8")
    manifest = manifest.replace('"schema_version": 2', '"schema_version": 1')
    manifest = manifest.replace(f'"name": "{release.name}"', f'"name": "{copy.name}"')
    (copy / MANIFEST).write_text(manifest, encoding="utf-8")


def _old_and_new(tmp_path: Path) -> tuple[Path, Path]:
    """Import the source as release ``new`` and copy it without the key as release ``old``."""
    workspace = tmp_path / "ws"
    imported = run_import(_source(tmp_path / "src"), workspace, "new")
    assert imported.release is not None
    _without_key(imported.release.path, workspace / "releases" / "old")
    assert "family_key" not in pq.read_schema(workspace / "releases/old/families.parquet").names
    return workspace, imported.release.path


def _hand_counts(table: pa.Table) -> None:
    rows = {(r["level"], r["code"], r["indicator"]): r["value"] for r in table.to_pylist()}
    # Murung Keramat holds F0 (1 person) and F1 (3), Mambulau F2 (2 living, 1 deceased)
    assert rows[("desa", "62.03.01.1006", "families_total")] == 2
    assert rows[("desa", "62.03.01.1006", "persons_total")] == 4
    assert rows[("desa", "62.03.02.1001", "persons_total")] == 2


def test_old_release_profiles_the_same_on_every_engine(tmp_path: Path, engine: eng.Engine) -> None:
    workspace, new = _old_and_new(tmp_path)

    def profile(release: Path) -> pa.Table:
        families = eng.table(engine, release / "families.parquet")
        persons = eng.table(engine, release / "persons.parquet")
        return registry_profile(families, persons, reference_date=TODAY).to_arrow()

    keyed = profile(new)
    assert keyed.equals(profile(workspace / "releases" / "old"))
    _hand_counts(keyed)


def test_workflow_profiles_an_old_release(tmp_path: Path) -> None:
    workspace, _ = _old_and_new(tmp_path)
    with Workspace(Settings(workspace=workspace)) as ws:
        new = profile_release(ws, "new", public=False)
        old = profile_release(ws, "old", public=False)
    assert open_release(workspace, "old").manifest["schema_version"] == 1
    assert new.to_arrow().equals(old.to_arrow())
    _hand_counts(new.to_arrow())
