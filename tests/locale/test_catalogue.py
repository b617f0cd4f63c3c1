"""The message catalogue is complete: every code rpkd raises or reports has both languages."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

import rpkd
from rpkd.locale.catalogue import LANGS, documents, entries

SRC = Path(rpkd.__file__).parent
ERRORS = {
    "RpkdError",
    "InvalidInput",
    "UsageError",
    "UnknownRegion",
    "NotFound",
    "Forbidden",
    "Unauthenticated",
    "RateLimited",
}


def _calls() -> list[tuple[Path, int, str, ast.Call]]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            found.append((path, node.lineno, name, node))
    return found


def _first_string(node: ast.Call) -> str | None:
    if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        return node.args[0].value
    return None


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("kind", ["messages", "labels"])
def test_every_entry_has_both_languages_with_the_same_parameters(kind: str) -> None:
    for name, doc in documents(kind):  # type: ignore[arg-type]
        for code, texts in doc.items():
            assert set(texts) == set(LANGS), f"{name}: {code} needs exactly {LANGS}"
            assert all(str(t).strip() for t in texts.values()), f"{name}: {code} has empty text"
            assert _fields(texts["id"]) == _fields(texts["en"]), f"{name}: {code} parameters"
    assert entries(kind)  # the files merge without a code defined twice


def test_every_error_and_finding_code_in_the_source_is_in_the_catalogue() -> None:
    messages = entries("messages")
    missing = []
    for path, line, name, node in _calls():
        if name in ERRORS | {"Finding", "message"}:
            code = _first_string(node)
            if code is not None and code not in messages:
                missing.append(f"{path.relative_to(SRC)}:{line} {name}({code!r})")
    assert not missing, "codes without a message:\n" + "\n".join(missing)


def test_no_error_carries_a_sentence_of_its_own() -> None:
    inline = [
        f"{path.relative_to(SRC)}:{line}"
        for path, line, name, node in _calls()
        if name in ERRORS and len(node.args) > 1
    ]
    assert not inline, "errors built with an inline message:\n" + "\n".join(inline)
