"""Pinned installs (docs/operations.md): the lock files under ``requirements/`` cover
``pyproject.toml``, so a dependency added without refreshing them (``bash scripts/lock.sh``)
fails here.

Each extra has ``requirements/<extra>.txt`` (the core and that extra), the core alone has
``base.txt``, every extra together ``ci.txt`` (what ``scripts/test.sh`` installs) and the build
backend ``build.txt``. Each must pin every direct requirement (name normalised as PEP 503 does) at
a version its range admits, with hashes, and at the version ``ci.txt`` pins.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
LOCKS = ROOT / "requirements"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")
TARGET = {  # the locks are for CPython 3.11 on Linux x86_64
    "python_version": "3.11",
    "python_full_version": "3.11.7",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "os_name": "posix",
}


def normalise(name: str) -> str:
    """Return a distribution name as PEP 503 compares it (``Jinja2`` -> ``jinja2``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path) -> dict[str, tuple[Version, int]]:
    """Return each pinned name of a lock file with its version and number of hashes."""
    found: dict[str, tuple[Version, int]] = {}
    entries = re.split(r"\n(?=\S)", path.read_text(encoding="utf-8"))  # continuation lines join
    for entry in entries:
        match = PIN.match(entry)
        if match:
            found[normalise(match.group(1))] = (Version(match.group(2)), entry.count("--hash="))
    return found


def project() -> dict[str, list[Requirement]]:
    """Return the requirements of each lock file as pyproject.toml states them."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    core = [Requirement(r) for r in data["project"]["dependencies"]]
    extras = {
        name: [Requirement(r) for r in reqs]
        for name, reqs in data["project"]["optional-dependencies"].items()
    }
    locks = {"base": core, "ci": core + [r for reqs in extras.values() for r in reqs]}
    locks |= {name: core + reqs for name, reqs in extras.items()}
    locks["build"] = [Requirement(r) for r in data["build-system"]["requires"]]
    return locks


EXPECTED = project()


def test_a_lock_file_for_every_extra_and_none_stale() -> None:
    assert {p.stem for p in LOCKS.glob("*.txt")} == set(EXPECTED), (
        "requirements/ does not match pyproject.toml: run bash scripts/lock.sh"
    )


@pytest.mark.parametrize("lock", sorted(EXPECTED))
def test_lock_pins_every_requirement_with_hashes(lock: str) -> None:
    pinned = pins(LOCKS / f"{lock}.txt")
    everything = pins(LOCKS / "ci.txt")
    for requirement in EXPECTED[lock]:
        if requirement.marker is not None and not requirement.marker.evaluate(TARGET):
            continue
        name = normalise(requirement.name)
        assert name in pinned, f"{lock}.txt does not pin {name}: run bash scripts/lock.sh"
        version, _ = pinned[name]
        assert requirement.specifier.contains(version, prereleases=True), (lock, name, version)
    for name, (version, hashes) in pinned.items():
        assert hashes >= 1, f"{lock}.txt pins {name} without a hash"
        if lock != "build":
            assert everything[name][0] == version, f"{lock}.txt and ci.txt differ on {name}"


def test_the_suite_installs_from_the_lock() -> None:
    script = (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
    # uv installs the lock in hash-checking mode; pip installs it where uv cannot.
    assert "locked=(-r requirements/ci.txt -r requirements/build.txt)" in script
    assert re.search(r'uv pip install -q .*--require-hashes.*\\\n\s+"\$\{locked\[@\]\}"', script)
    assert 'pip install -q "${locked[@]}"' in script
    assert "pip install -q --no-deps --no-build-isolation -e ." in script
