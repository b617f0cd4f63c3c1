"""Every command is one door: it parses, calls exactly one workflow, and renders (issue 13).

The exception is ``rpkd serve`` (issue 14): starting a server is the interface's own act; it
builds the web app, whose routes call the workflows.

The command tree is read from the registered Typer app; each command's function is parsed with
:mod:`ast` and its calls into ``rpkd.workflows`` are counted, resolving the imports of the
function body (``from rpkd.workflows import x as wf``) and of its module. Each CLI module may
import, from rpkd, only the interfaces' allowed layers (DESIGN.md §3).
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import pkgutil
import textwrap
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import typer

import rpkd.cli

# DESIGN.md §7 and issues 13-14, 17, 19: the 42 commands, as typed after ``rpkd``.
COMMANDS = (
    "release import", "release list", "release show", "release diff",
    "survey estimate", "mpi", "sae fh", "map", "priority", "profile", "link",
    "target rank", "target accuracy", "target eligibility", "target convergence", "target lists",
    "plan init", "plan export", "plan import", "plan rat",
    "realisation add", "realisation import", "realisation verify", "realisation reject",
    "realisation list",
    "monitor", "evaluate", "user add", "user list", "audit list", "synth", "demo", "serve",
    "scenario run", "scenario compare", "scenario save", "scenario list", "optimise", "report",
    "audit verify", "workspace backup", "workspace restore",
)  # fmt: skip
SERVERS = ("serve",)
"""Commands that start a server: they call no workflow (the app's routes do)."""
ALLOWED = (
    "rpkd.cli",
    "rpkd.workflows",
    "rpkd.reports",
    "rpkd.locale",
    "rpkd.errors",
    "rpkd.settings",
    "rpkd.web",  # rpkd serve builds the web app (the CLI layer sits above the web's)
)
CLI_MODULES = [
    "rpkd.cli",
    *sorted(f"rpkd.cli.{m.name}" for m in pkgutil.iter_modules(rpkd.cli.__path__) if not m.ispkg),
]


@cache
def tree() -> dict[str, Callable[..., Any]]:
    """Return every command path of the registered app and the function behind it."""
    rpkd.cli._register()
    found: dict[str, Callable[..., Any]] = {}

    def walk(command: Any, path: tuple[str, ...]) -> None:
        children = getattr(command, "commands", None)
        if children is None:
            found[" ".join(path)] = inspect.unwrap(command.callback)
            return
        for name, child in children.items():
            walk(child, (*path, name))

    walk(typer.main.get_command(rpkd.cli.app), ())
    return found


def test_the_app_has_exactly_the_42_commands() -> None:
    assert len(COMMANDS) == 42
    got = set(tree())
    assert got == set(COMMANDS), {
        "missing": sorted(set(COMMANDS) - got),
        "unexpected": sorted(got - set(COMMANDS)),
    }


def _imported_names(nodes: Iterator[ast.AST]) -> dict[str, str]:
    """Return local name -> dotted target of ``import`` statements among ``nodes``."""
    names: dict[str, str] = {}
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _module_tree(module: ModuleType) -> ast.Module:
    return ast.parse(inspect.getsource(module))


def _workflow_calls(function: Callable[..., Any]) -> list[str]:
    """Return the dotted workflow functions called in ``function``'s body (with repeats)."""
    module = inspect.getmodule(function)
    assert module is not None
    body = ast.parse(textwrap.dedent(inspect.getsource(function))).body[0]
    names = _imported_names(ast.walk(_module_tree(module)))
    names.update(_imported_names(ast.walk(body)))
    calls = []
    for node in ast.walk(body):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name):
            target = names.get(func.id, "")
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            target = f"{names.get(func.value.id, func.value.id)}.{func.attr}"
        else:
            continue
        if target.startswith("rpkd.workflows.") and not _is_class(target):
            calls.append(target)
    return calls


def _is_class(target: str) -> bool:
    """Return whether ``target`` names a class (a value built for the call, not a use case)."""
    module, _, name = target.rpartition(".")
    try:
        return inspect.isclass(getattr(importlib.import_module(module), name))
    except (ImportError, AttributeError):
        return False


@pytest.mark.parametrize("path", COMMANDS)
def test_each_command_calls_exactly_one_workflow(path: str) -> None:
    commands = tree()
    if path not in commands:
        pytest.fail(f"rpkd {path} is not registered")
    calls = _workflow_calls(commands[path])
    expected = 0 if path in SERVERS else 1
    assert len(calls) == expected, f"rpkd {path} calls {calls or 'no workflow'}"


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Yield the nodes of ``tree`` outside ``if TYPE_CHECKING:`` blocks (annotations only)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (n for child in node.orelse for n in ast.walk(child))
            continue
        yield node
        yield from _runtime_nodes(node)


def _rpkd_imports(name: str) -> set[str]:
    """Return every rpkd module the CLI module ``name`` imports at run time (read, not run)."""
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.origin is not None
    source = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    found = set()
    for node in _runtime_nodes(source):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("rpkd")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("rpkd"):
            if node.module == "rpkd":  # ``from rpkd import locale``
                found |= {f"rpkd.{a.name}" for a in node.names}
            else:
                found.add(node.module)
    return found


@pytest.mark.parametrize("name", CLI_MODULES)
def test_cli_modules_import_only_the_interface_layers(name: str) -> None:
    outside = sorted(
        m for m in _rpkd_imports(name) if not any(m == a or m.startswith(a + ".") for a in ALLOWED)
    )
    assert not outside, f"{name} imports {outside}"
