"""Good source files for the bad-input corpus, cut from a synthetic district (``rpkd synth``).

Every corpus case starts from these files and breaks one thing. Nothing here is personal data:
the registry is generated (seed 1) when the tests start and lives in a temporary folder.
"""

from __future__ import annotations

import csv
import io
import shutil
from dataclasses import dataclass
from pathlib import Path

from rpkd.settings import Settings
from rpkd.workflows.workspace import Workspace

REFERENCE_DATE = "2025-07-01"
FAMILIES_KEPT = 3
SURVEY_KEPT = 6
LIST_KEPT = 3


@dataclass
class Sheet:
    """A CSV file as rows of text: header and data rows (data row 1 is ``rows[0]``)."""

    header: list[str]
    rows: list[list[str]]

    def column(self, name: str) -> int:
        return self.header.index(name)

    def set(self, row: int, name: str, value: str) -> None:
        """Set the value of ``name`` in data row ``row`` (1-based, as findings count)."""
        self.rows[row - 1][self.column(name)] = value

    def get(self, row: int, name: str) -> str:
        return self.rows[row - 1][self.column(name)]

    def text(self, delimiter: str = ",") -> str:
        out = io.StringIO()
        writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(self.header)
        writer.writerows(self.rows)
        return out.getvalue()

    def copy(self) -> Sheet:
        return Sheet(list(self.header), [list(r) for r in self.rows])


def read_sheet(path: Path) -> Sheet:
    with path.open(encoding="utf-8", newline="") as fh:
        header, *rows = list(csv.reader(fh))
    return Sheet(header, rows)


@dataclass(frozen=True)
class Registry:
    """The good files of each source kind, small enough that an import takes seconds."""

    families: Sheet
    persons: Sheet
    survey: Sheet
    villages: Sheet
    beneficiaries: Sheet

    def sheet(self, kind: str) -> Sheet:
        sheet: Sheet = getattr(self, kind)
        return sheet.copy()


def synthesise(folder: Path) -> Registry:
    """Write a synthetic district into ``folder`` and cut the corpus's good files from it."""
    from rpkd.workflows.synth import synthesize_district

    out = folder / "synth"
    with Workspace(Settings(workspace=folder / "synth-ws")) as ws:
        synthesize_district(ws, "62.03", out, families=40, seed=1)
    families = read_sheet(out / "families.csv")
    persons = read_sheet(out / "persons.csv")
    families.rows = families.rows[:FAMILIES_KEPT]
    kept = {r[families.column("family_id")] for r in families.rows}
    persons.rows = [r for r in persons.rows if r[persons.column("family_id")] in kept]
    survey = read_sheet(out / "survey.csv")
    survey.rows = survey.rows[:SURVEY_KEPT]
    villages = read_sheet(out / "villages.csv")
    desa = {r[families.column("desa_code")] for r in families.rows}
    villages.rows = [r for r in villages.rows if r[villages.column("desa_code")] in desa]
    lists = read_sheet(out / "beneficiaries_pkh.csv")
    lists.rows = lists.rows[:LIST_KEPT]
    shutil.rmtree(out)
    return Registry(families, persons, survey, villages, lists)


FILE_OF = {
    "families": "families.csv",
    "persons": "persons.csv",
    "survey": "survey.csv",
    "villages": "villages.csv",
    "beneficiaries": "beneficiaries_pkh.csv",
}
"""The file name each source kind is written under in a release folder."""


def utf8(sheet: Sheet, delimiter: str = ",") -> bytes:
    return sheet.text(delimiter).encode("utf-8")
