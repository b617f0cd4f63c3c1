"""The release catalogue reads each manifest once per process and still sees every change:
a new release, a removed one, one imported again under the same name, an import in progress."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from rpkd.errors import NotFound
from rpkd.releases import catalog
from rpkd.releases.catalog import list_releases, open_release


def _release(workspace: Path, name: str, created: str, **extra: Any) -> Path:
    folder = workspace / "releases" / name
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {"name": name, "kinds": ["families"], "region": "62.03", "created_at": created}
    # written as an import writes it: a new file renamed over the old one
    partial = folder / ".manifest.partial"
    partial.write_text(json.dumps({**manifest, **extra}), encoding="utf-8")
    partial.replace(folder / catalog.MANIFEST)
    return folder


def test_new_removed_and_reimported_releases_are_seen(tmp_path: Path) -> None:
    assert list_releases(tmp_path) == ()
    _release(tmp_path, "a", "2025-01-01T00:00:00Z")
    assert [r.name for r in list_releases(tmp_path)] == ["a"]
    _release(tmp_path, "b", "2025-02-01T00:00:00Z")
    (tmp_path / "releases" / ".c-importing").mkdir()  # an import in progress is no release
    assert [r.name for r in list_releases(tmp_path)] == ["a", "b"]
    first = open_release(tmp_path, "a")
    assert (
        first.manifest_sha256
        == hashlib.sha256((tmp_path / "releases" / "a" / catalog.MANIFEST).read_bytes()).hexdigest()
    )

    _release(tmp_path, "a", "2025-03-01T00:00:00Z", reference_date="2025-03-01")
    again = open_release(tmp_path, "a")
    assert again.manifest["reference_date"] == "2025-03-01"
    assert again.manifest_sha256 != first.manifest_sha256
    assert [r.name for r in list_releases(tmp_path)] == ["b", "a"]  # by creation time

    shutil.rmtree(tmp_path / "releases" / "b")
    assert [r.name for r in list_releases(tmp_path)] == ["a"]
    with pytest.raises(NotFound):
        open_release(tmp_path, "b")


def test_a_manifest_is_read_once_while_it_is_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _release(tmp_path, "a", "2025-01-01T00:00:00Z")
    kept = open_release(tmp_path, "a")
    reads: list[Path] = []
    original = Path.read_bytes

    def counted(self: Path) -> bytes:
        reads.append(self)
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", counted)
    assert list_releases(tmp_path) == (kept,)
    assert open_release(tmp_path, "a") is kept
    assert reads == []
    _release(tmp_path, "a", "2025-01-01T00:00:00Z", note="changed")
    assert open_release(tmp_path, "a").manifest["note"] == "changed"
    assert len(reads) == 1


def test_a_settled_list_is_kept_and_a_new_or_removed_release_still_seen_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(catalog, "SETTLE_SECONDS", 0.2)
    _release(tmp_path, "a", "2025-01-01T00:00:00Z")
    time.sleep(0.25)  # releases/ changed long enough ago: its list is kept
    listed = list_releases(tmp_path)
    scans: list[object] = []
    original = os.scandir

    def counted(path: Any) -> Any:
        if path == tmp_path / "releases":
            scans.append(path)
        return original(path)

    monkeypatch.setattr(catalog.os, "scandir", counted)
    assert list_releases(tmp_path) is listed and scans == []
    _release(tmp_path, "b", "2025-02-01T00:00:00Z")  # renamed in: releases/ changes
    assert [r.name for r in list_releases(tmp_path)] == ["a", "b"]
    shutil.rmtree(tmp_path / "releases" / "a")
    assert [r.name for r in list_releases(tmp_path)] == ["b"]
    assert len(scans) == 2


def test_a_release_copied_in_by_hand_is_seen_within_seconds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(catalog, "SETTLE_SECONDS", 0.2)
    (tmp_path / "releases" / "late").mkdir(parents=True)  # its files still being copied
    time.sleep(0.25)
    assert list_releases(tmp_path) == ()
    _release(tmp_path, "late", "2025-01-01T00:00:00Z")  # releases/ itself does not change
    time.sleep(0.25)
    assert [r.name for r in list_releases(tmp_path)] == ["late"]
