"""SIGKILL during every writing command leaves the workspace as before (or the command done).

Each command runs once to its end on a copy of a small synthetic workspace (the reference, shared by
both tests of the command), then on fresh copies killed with SIGKILL at several fractions of the
reference's duration. After a kill the workspace must equal its snapshot from before (files by
SHA-256, database rows, audit log only appended to) or hold the command's complete result (each unit
whole, files as the reference wrote them), plus at most hidden ``.tmp-*`` staging folders, which the
next run of the command removes.
"""

from __future__ import annotations

import json
import signal
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from fault_kit import Snapshot, copy, kill_after, kill_when_publishing, run, snapshot
from openpyxl import load_workbook

FRACTIONS = (0.6, 0.9)
"""When to kill, as fractions of the reference run's duration (start-up included)."""

VOLATILE = (".json", ".docx", ".xlsx")
"""Files whose bytes differ from run to run (a time, a path): checked whole, not by hash."""


@dataclass(frozen=True)
class District:
    """A synthetic district's source files and a workspace holding release r1 and a plan."""

    root: Path
    workspace: Path


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> District:
    root = tmp_path_factory.mktemp("faults")
    ws = root / "ws"
    steps = [
        ("synth", "--region", "62.03", "--out", str(root / "src"), "--families", "200",
         "--seed", "5"),
        ("release", "import", str(root / "src"), "--name", "r1", "-w", str(ws),
         "--reference-date", "2025-03-01"),
        ("plan", "init", "--kit", "kapuas", "--target-year", "2027", "-w", str(ws)),
        ("plan", "export", str(root / "plan.xlsx"), "-w", str(ws)),
    ]  # fmt: skip
    for step in steps:
        done = run(*step)
        assert done.returncode == 0, done.stderr
    book = load_workbook(root / "plan.xlsx")
    sheet = book["Matriks Indikator"]
    for row in sheet.iter_rows(min_row=5):
        if row[1].value in ("P0", "P1", "KE"):
            sheet.cell(row[0].row, 13).value = 4.8  # a target for 2026
    book.save(root / "plan.xlsx")
    lines = [
        f"indikator,{code},2025,{quarter},{value}"
        for quarter in (1, 2, 3)
        for code, value in (("P0", 5.1), ("JKN", 97), ("KE", 0.9))
    ]
    (root / "real.csv").write_text(
        "\n".join(["jenis,kode,tahun,triwulan,nilai", *lines, ""]), encoding="utf-8"
    )
    return District(root, ws)


Reference = Callable[[str], tuple[Snapshot, Snapshot, float]]


@pytest.fixture(scope="module")
def reference(district: District, tmp_path_factory: pytest.TempPathFactory) -> Reference:
    """Return a command's reference run on a copy of the workspace: the snapshots before and
    after it and its duration (run once per command, shared by the tests that kill it)."""
    made: dict[str, tuple[Snapshot, Snapshot, float]] = {}

    def of(command: str) -> tuple[Snapshot, Snapshot, float]:
        if command not in made:
            args, _ = COMMANDS[command]
            workspace = copy(district.workspace, tmp_path_factory.mktemp("reference") / "ws")
            before = snapshot(workspace)
            started = time.monotonic()
            done = run(*args(district, workspace))
            elapsed = time.monotonic() - started
            assert done.returncode == 0, done.stderr
            made[command] = (before, snapshot(workspace), elapsed)
        return made[command]

    return of


def _release_unit(path: str) -> str | None:
    parts = Path(path).parts
    return "release r2" if parts[:2] == ("releases", "r2") and "derived" not in parts else None


def _link_unit(path: str) -> str | None:
    parts = Path(path).parts
    return "/".join(parts[:-1]) if "links" in parts[:-1] else None


def _file_unit(path: str) -> str | None:
    return path


def _no_unit(path: str) -> str | None:
    return None


COMMANDS: dict[str, tuple[Callable[[District, Path], tuple[str, ...]], Callable[..., str | None]]]
COMMANDS = {
    "release import": (
        lambda d, w: ("release", "import", str(d.root / "src"), "--name", "r2", "-w", str(w),
                      "--reference-date", "2025-03-01"),
        _release_unit,
    ),
    "plan import": (lambda d, w: ("plan", "import", str(d.root / "plan.xlsx"), "-w", str(w)),
                    _no_unit),
    "realisation import": (
        lambda d, w: ("realisation", "import", str(d.root / "real.csv"), "-w", str(w)),
        _no_unit,
    ),
    "link": (
        lambda d, w: ("link", str(d.root / "src" / "beneficiaries_pkh.csv"), "--release", "r1",
                      "-w", str(w)),
        _link_unit,
    ),
    "report": (
        lambda d, w: ("report", "rakor", "--release", "r1", "--to", "docx,xlsx", "--out",
                      str(w / "reports"), "-w", str(w)),
        _file_unit,
    ),
}  # fmt: skip


def _whole(path: Path) -> None:
    """Assert that a file whose bytes vary from run to run is complete."""
    if path.suffix == ".json":
        json.loads(path.read_text(encoding="utf-8"))
        return
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None, path
    if path.suffix == ".xlsx":
        load_workbook(path, read_only=True).close()


def _check(
    workspace: Path,
    seen: Snapshot,
    before: Snapshot,
    after: Snapshot,
    unit: Callable[..., str | None],
) -> str:
    """Assert that ``seen`` is ``before`` or ``after`` as the contract allows; say which."""
    assert seen.audit[: len(before.audit)] == before.audit, "audit rows were changed"
    assert seen.rows in (before.rows, after.rows), "the database holds a half-written result"
    visible = seen.visible()
    for path, digest in before.files.items():
        assert visible.get(path) == digest, f"{path} was changed or removed"
    added = {p: h for p, h in visible.items() if p not in before.files}
    for path, digest in added.items():
        assert path in after.files, f"{path} is not a file the command writes"
        if path.endswith(VOLATILE):
            _whole(workspace / path)
        else:
            assert digest == after.files[path], f"{path} is half-written"
    units = {unit(p) for p in added} - {None}
    for key in units:
        expected = {p for p in after.files if unit(p) == key}
        assert expected <= set(visible), f"{key} is incomplete"
    return "before" if seen.rows == before.rows and not added else "done"


@pytest.mark.slow
@pytest.mark.parametrize("command", list(COMMANDS))
def test_sigkill_leaves_the_workspace_as_before(
    command: str, district: District, reference: Reference, tmp_path: Path
) -> None:
    args, unit = COMMANDS[command]
    before, after, elapsed = reference(command)
    assert after.rows != before.rows or after.visible() != before.files
    outcomes = []
    left: Path | None = None
    for i, fraction in enumerate(FRACTIONS):
        workspace = copy(district.workspace, tmp_path / f"killed-{i}")
        code = kill_after(args(district, workspace), elapsed * fraction)
        seen = snapshot(workspace)
        state = _check(workspace, seen, before, after, unit)
        outcomes.append((fraction, "ended" if code is not None else "killed", state,
                         sorted(seen.leftovers())))  # fmt: skip
        if seen.leftovers() and left is None:
            left = workspace
    print(command, f"{elapsed:.1f}s", outcomes)
    if left is not None:  # the next run removes what the killed one left
        again = run(*args(district, left))
        assert again.returncode == 0, again.stderr
        assert not snapshot(left).leftovers()


STAGING = {
    "release import": Path("releases"),
    "link": Path("releases/r1/derived/links"),
    "report": Path("reports"),
}
"""Where each command stages its result before renaming it into place."""


@pytest.mark.slow
@pytest.mark.parametrize("command", list(STAGING))
def test_sigkill_while_staging_leaves_only_a_hidden_folder(
    command: str, district: District, reference: Reference, tmp_path: Path
) -> None:
    args, unit = COMMANDS[command]
    before, after, _ = reference(command)
    workspace = copy(district.workspace, tmp_path / "killed")
    code = kill_when_publishing(args(district, workspace), workspace / STAGING[command])
    assert code == -signal.SIGKILL, "the command ended before it published its result"
    seen = snapshot(workspace)
    assert _check(workspace, seen, before, after, unit) == "before" or command == "link"
    folder = workspace / STAGING[command]
    assert list(folder.glob(".tmp-*")), "the kill left no staging folder to clean"
    again = run(*args(district, workspace))
    assert again.returncode == 0, again.stderr
    assert not list(folder.glob(".tmp-*"))
