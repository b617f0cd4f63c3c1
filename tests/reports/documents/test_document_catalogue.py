"""Every sentence and label the documents use is in the catalogue, in both languages: a code
missing from ``messages/documents.toml`` would be printed as the bare code in a caption."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rpkd import locale

SOURCES = [
    *sorted((Path(locale.__file__).parents[1] / "reports" / "documents").glob("*.py")),
    Path(locale.__file__).parents[1] / "workflows" / "document_evidence.py",
]
TEXT = "\n".join(p.read_text(encoding="utf-8") for p in SOURCES)
CODES = sorted(
    set(re.findall(r'\bsay\(\s*"([a-z0-9_]+)"', TEXT))
    | set(re.findall(r'"(document_[a-z0-9_]+)"', TEXT))
)
WORDS = sorted(set(re.findall(r'(?<![.\w])word\(\s*"([a-z0-9_.]+)"', TEXT)))


def test_the_sources_were_read() -> None:
    assert len(CODES) > 100 and len(WORDS) > 100


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_sentence_code_has_a_text(lang: locale.Lang) -> None:
    missing = [c for c in CODES if locale.message(c, lang).startswith(c)]
    assert missing == []


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_label_has_a_text(lang: locale.Lang) -> None:
    missing = [w for w in WORDS if locale.label(f"doc.{w}", lang) == f"doc.{w}"]
    assert missing == []
