"""The examples in rpkd's docstrings and in ``docs/api.md`` run and show what they say.

Run here with the standard ``doctest`` module rather than pytest's doctest collector, which would
also import every ``conftest.py`` under one module name.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import rpkd

DOCS = Path(__file__).parents[1] / "docs"
SKIP = ("rpkd.store.migrations",)  # Alembic scripts run only inside Alembic
OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _modules() -> list[str]:
    names = [
        info.name
        for info in pkgutil.walk_packages(rpkd.__path__, prefix="rpkd.")
        if not info.name.startswith(SKIP)
    ]
    return sorted(names)


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    failed, _ = doctest.testmod(module, optionflags=OPTIONS, verbose=False)
    assert failed == 0, f"{failed} docstring example(s) of {name} failed (see the output above)"


def test_the_python_api_document() -> None:
    failed, tried = doctest.testfile(
        str(DOCS / "api.md"), module_relative=False, optionflags=OPTIONS, verbose=False
    )
    assert tried > 20 and failed == 0
