"""The catalogues: messages, labels and help texts, TOML files read once, merged, checked."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any, Literal

Lang = Literal["id", "en"]
LANGS: tuple[Lang, ...] = ("id", "en")
Kind = Literal["messages", "labels"]
Folder = Literal["messages", "labels", "help"]


@cache
def entries(kind: Kind) -> dict[str, dict[str, str]]:
    """Return every entry of ``kind`` (``messages`` or ``labels``): code -> {lang: text}.

    Entries are read from ``rpkd/locale/<kind>/*.toml`` in name order; a code defined in two
    files is an error (the catalogue test says where).
    """
    merged: dict[str, dict[str, str]] = {}
    for name, doc in documents(kind):
        for code, texts in doc.items():
            if code in merged:
                raise ValueError(f"{kind} code {code!r} defined twice (again in {name})")
            merged[code] = {str(k): str(v) for k, v in texts.items()}
    return merged


def documents(kind: Folder) -> list[tuple[str, dict[str, Any]]]:
    """Return (file name, parsed TOML) of every catalogue file of ``kind``."""
    folder = resources.files("rpkd").joinpath(f"locale/{kind}")
    out = []
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".toml"):
            out.append((item.name, tomllib.loads(item.read_text(encoding="utf-8"))))
    return out


@cache
def help_texts() -> dict[str, str]:
    """Return the English of every help text of the command line, keyed by its Indonesian.

    The entries of ``rpkd/locale/help/*.toml`` are ``[[text]]`` tables of ``id`` (the text as
    the code declares it) and ``en``; a text defined twice is an error.
    """
    merged: dict[str, str] = {}
    for name, doc in documents("help"):
        for entry in doc.get("text", []):
            if entry["id"] in merged:
                raise ValueError(f"help text {entry['id']!r} defined twice (again in {name})")
            merged[entry["id"]] = entry["en"]
    return merged
