"""The committed data dictionary is the one generated from the schema."""

from __future__ import annotations

from pathlib import Path

from rpkd.releases import dictionary, schema

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-dictionary.md"


def test_committed_dictionary_equals_generated() -> None:
    assert DOC.read_text(encoding="utf-8") == dictionary.render(), (
        "run: python -m rpkd.releases.dictionary > docs/data-dictionary.md"
    )


def test_every_column_and_pii_flag_is_documented() -> None:
    text = dictionary.render()
    for table in schema.TABLES.values():
        for column in table.columns:
            assert f"| `{column.name}` | {column.label_id} |" in text
    assert text.count("**PII**") >= sum(len(t.pii) for t in schema.TABLES.values())
