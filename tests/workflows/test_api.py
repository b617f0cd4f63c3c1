"""The documented Python API: every name of ``rpkd.workflows`` resolves to its workflow."""

from __future__ import annotations

import inspect
import subprocess
import sys

import rpkd.workflows as api


def test_every_exported_name_resolves_to_the_object_of_its_module() -> None:
    assert sorted(api.__all__) == sorted(api._API)
    for name in api.__all__:
        value = getattr(api, name)
        assert value.__module__ == f"rpkd.workflows.{api._API[name]}", name


def test_every_exported_workflow_takes_the_workspace_first() -> None:
    for name in api.__all__:
        value = getattr(api, name)
        if inspect.isfunction(value):
            first = next(iter(inspect.signature(value).parameters))
            assert first == "ws", f"{name} must take the Workspace first"


def test_importing_the_api_loads_no_engine() -> None:
    code = "import sys, rpkd.workflows; print('ibis' in sys.modules, 'duckdb' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]
