"""Read the RPKD matrices back from XLSX (as :mod:`rpkd.reports.plan_matrix` writes them, or
edited from it) into a plan, or into findings (sheet, row, field, value, code).

Sheets and columns are found by their names and headers in either language (Bahasa Indonesia or
English, :mod:`rpkd.planning.matrix_layout`), a header under its merged group header, so added or
moved columns do not break the import; derived columns (names beside codes, the
output-indicator list, the final condition) are ignored. Numbers follow
:mod:`rpkd.inputs.numbers` (``1.500.000.000`` and ``2,5`` as Indonesians write them; a value
that could be either, such as ``1.500``, keeps its decimal dot); a formula is read as the value
Excel saved with it, and one saved without a value (``cell_formula``) is refused.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, cast

import pyarrow as pa

from rpkd.findings import Finding
from rpkd.inputs import numbers
from rpkd.locale import Lang
from rpkd.planning import matrix_layout as layout
from rpkd.planning.matrix_layout import MatrixColumn
from rpkd.planning.model import (
    Activity,
    Agency,
    Budget,
    Commitment,
    FundingSource,
    Indicator,
    IndicatorLevel,
    Partner,
    PartnerKind,
    Pillar,
    Plan,
    Polarity,
    Programme,
    Strategy,
    validate,
)


@dataclass(frozen=True)
class _Sheet:
    """One worksheet: its title, cell values and merged ranges (1-based, inclusive)."""

    title: str
    rows: list[list[Any]]
    merged: tuple[tuple[int, int, int, int], ...]


@dataclass(frozen=True)
class Formula:
    """A cell holding a formula that was saved without its value (as written by a program)."""

    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Cell:
    """One cell read: where it is (sheet, row, the field's header as shown) and its value."""

    sheet: str
    row: int
    field: str
    value: Any


@dataclass(frozen=True)
class _Columns:
    """Where each column key is (0-based index) and its header as written, for findings."""

    sheet: _Sheet
    index: dict[str, int]
    shown: dict[str, str]
    start: int
    lang: Lang

    def cell(self, key: str, row: list[Any], number: int, fallback: MatrixColumn) -> Cell:
        col = self.index.get(key)
        value = row[col] if col is not None and col < len(row) else None
        field = self.shown.get(key) or _shown(fallback, self.lang)
        return Cell(self.sheet.title, number, field, value)


def _shown(column: MatrixColumn, lang: Lang) -> str:
    group = column.group_heading(lang)
    return f"{group}/{column.heading(lang)}" if group else column.heading(lang)


class CellReader:
    """Converts cells to text, numbers, years and coded choices, collecting a finding for each
    cell that breaks a rule (:mod:`rpkd.planning.plan_edit` reads the plan's web forms with it,
    so a form and the XLSX matrices follow the same rules)."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang
        self.findings: list[Finding] = []

    def fail(self, cell: Cell, code: str, **params: Any) -> None:
        shown = None if cell.value is None else str(cell.value)
        self.findings.append(
            Finding(
                code,
                "error",
                {"field": cell.field, **params},
                sheet=cell.sheet,
                row=cell.row,
                field=cell.field,
                value=shown,
            )
        )

    def _formula(self, cell: Cell) -> bool:
        if isinstance(cell.value, Formula):
            self.fail(cell, "cell_formula")
            return True
        return False

    def text(self, cell: Cell, *, required: bool = False) -> str:
        if self._formula(cell):
            return ""
        value = "" if cell.value is None else str(cell.value).strip()
        if required and not value:
            self.fail(cell, "matrix_required")
        return value

    def number(self, cell: Cell, *, required: bool = False) -> float | None:
        if self._formula(cell):
            return None
        if cell.value is None or (isinstance(cell.value, str) and not cell.value.strip()):
            if required:
                self.fail(cell, "matrix_required")
            return None
        if isinstance(cell.value, bool):
            self.fail(cell, "matrix_number")
            return None
        if isinstance(cell.value, int | float) and math.isfinite(cell.value):
            return float(cell.value)
        text = pa.array(["".join(str(cell.value).split())])
        parsed, ok = numbers.read(text, ".")
        value = parsed[0].as_py()
        if not ok[0].as_py() or value is None or not math.isfinite(value):  # 1e400 is no number
            self.fail(cell, "matrix_number")
            return None
        return float(value)

    def year(self, cell: Cell, *, required: bool = False) -> int | None:
        value = self.number(cell, required=required)
        if value is None:
            return None
        if value != int(value) or not 1900 <= value <= 2200:
            self.fail(cell, "matrix_year")
            return None
        return int(value)

    def choice(self, cell: Cell, choice: str, *, required: bool = True) -> str | None:
        value = self.text(cell, required=required)
        if not value:
            return None
        code = layout.codes(choice).get(value.casefold())
        if code is None:
            self.fail(cell, "matrix_choice", allowed=layout.allowed(choice, self.lang))
        return code


def _grid(path: Path) -> dict[str, _Sheet]:
    from openpyxl import load_workbook

    book = load_workbook(path, data_only=True)
    written = load_workbook(path, data_only=False)
    try:
        out: dict[str, _Sheet] = {}
        for ws in book.worksheets:
            key = layout.sheet_key(ws.title)
            if key is None or key in out:
                continue
            merged = tuple(
                (r.min_row, r.min_col, r.max_row, r.max_col) for r in ws.merged_cells.ranges
            )
            rows = [
                [_saved(v, f) for v, f in zip(values, formulas, strict=True)]
                for values, formulas in zip(
                    ws.iter_rows(values_only=True),
                    written[ws.title].iter_rows(values_only=True),
                    strict=True,
                )
            ]
            out[key] = _Sheet(ws.title, rows, merged)
        return out
    finally:
        book.close()
        written.close()


def _saved(value: Any, as_written: Any) -> Any:
    """Return a cell's saved value, or a :class:`Formula` when a formula was saved without one."""
    if value is None and isinstance(as_written, str) and as_written.startswith("="):
        return Formula(as_written)
    return value


def _header_row(sheet: _Sheet, first: str) -> int | None:
    """Return the index of the header row: the first row whose first cell is label ``first``."""
    for index, row in enumerate(sheet.rows[:12]):
        if row and str(row[0] or "").strip().casefold() in layout.names(first):
            return index
    return None


def _groups(sheet: _Sheet, index: int) -> list[str]:
    """Return the group header above each column of header row ``index`` (merged cells filled)."""
    if index == 0:
        return []
    above = sheet.rows[index - 1]
    groups = ["" if v is None else str(v).strip() for v in above]
    for top, left, bottom, right in sheet.merged:
        if top == index and bottom == index and left - 1 < len(groups):
            for col in range(left - 1, min(right, len(groups))):
                groups[col] = groups[left - 1]
    return groups


def _columns(
    sheet: _Sheet,
    index: int,
    expected: Sequence[MatrixColumn],
    year_groups: Sequence[str],
    lang: Lang,
) -> _Columns:
    heads = ["" if v is None else str(v).strip() for v in sheet.rows[index]]
    groups = _groups(sheet, index) if any(c.group for c in expected) or year_groups else []
    found: dict[str, int] = {}
    shown: dict[str, str] = {}
    for col, head in enumerate(heads):
        group = groups[col] if col < len(groups) else ""
        key = _key(head, group, expected, year_groups)
        if key is not None and key not in found:
            found[key] = col
            shown[key] = f"{group}/{head}" if group else head
    return _Columns(sheet, found, shown, index + 1, lang)


def _key(
    head: str, group: str, expected: Sequence[MatrixColumn], year_groups: Sequence[str]
) -> str | None:
    folded, in_group = head.casefold(), group.casefold()
    for column in expected:
        if folded not in layout.names(column.header):
            continue
        if column.group is None and not in_group:
            return column.key
        if column.group is not None and in_group in layout.names(column.group):
            return column.key
    for year_group in year_groups:
        if in_group and in_group in layout.names(year_group) and head.isdigit():
            return layout.year_column(year_group, int(head)).key
    return None


def _records(rows: list[list[Any]], start: int) -> Iterator[tuple[int, list[Any]]]:
    for index in range(start, len(rows)):
        row = rows[index]
        if any(v is not None and str(v).strip() for v in row):
            yield index + 1, row


def _named(found: Sequence[Finding], path: Path) -> tuple[Finding, ...]:
    """Return the findings of a refused workbook with its file name, so messages name it."""
    return tuple(f if f.file else f.at(file=path.name) for f in found)


def read_plan_matrix(path: Path, lang: Lang = "id") -> tuple[Plan | None, tuple[Finding, ...]]:
    """Return the plan in an XLSX workbook written by
    :func:`rpkd.reports.plan_matrix.write_plan_matrix` (or edited from it), or ``None`` and
    every finding (naming the file) when any cell breaks a rule. ``lang`` names columns missing
    from the file."""
    from zipfile import BadZipFile

    from openpyxl.utils.exceptions import InvalidFileException

    try:
        grid = _grid(path)
    except (BadZipFile, InvalidFileException, KeyError, OSError):
        unreadable = Finding("file_unreadable", "error", {"format": "XLSX"}, file=path.name)
        return None, (unreadable,)
    reader = CellReader(lang)
    for key in ("plan", "reference", "programmes", "indicators"):
        if key not in grid:
            sheet = layout.word("sheet", key, lang)
            reader.findings.append(
                Finding("matrix_sheet_missing", "error", {"sheet": sheet}, sheet=sheet)
            )
    if reader.findings:
        return None, _named(reader.findings, path)
    head = _read_head(grid["plan"], reader)
    pillars, strategies, agencies, partners = _read_reference(grid["reference"], reader)
    start, end = head.get("start_year"), head.get("end_year")
    years = (
        range(int(start), int(end) + 1)
        if isinstance(start, int) and isinstance(end, int)
        else range(0)
    )
    programmes, where = _read_programmes(grid["programmes"], years, reader)
    indicators, where_ind = _read_indicators(grid["indicators"], years, reader)
    commitments = _read_commitments(grid.get("commitments"), reader)
    if reader.findings or not years:
        return None, _named(reader.findings, path)
    plan = Plan(
        name=str(head["name"]),
        region=str(head["region"]),
        start_year=years.start,
        end_year=years.stop - 1,
        extreme_poverty_target_year=int(head.get("extreme_poverty_target_year") or years.stop - 1),
        extreme_poverty_indicator=str(head.get("extreme_poverty_indicator") or "") or None,
        description=str(head.get("description") or ""),
        pillars=pillars,
        strategies=strategies,
        agencies=agencies,
        partners=partners,
        programmes=programmes,
        indicators=indicators,
        commitments=commitments,
    )
    located = tuple(_locate(f, grid, where, where_ind) for f in validate(plan))
    if any(f.is_error for f in located):
        return None, _named(located, path)
    return replace(plan, findings=located), located


def _locate(
    finding: Finding, grid: dict[str, _Sheet], where: dict[str, int], where_ind: dict[str, int]
) -> Finding:
    field = finding.field or ""
    for prefix, key, rows in (
        ("activity[", "programmes", where),
        ("programme[", "programmes", where),
        ("indicator[", "indicators", where_ind),
    ):
        if field.startswith(prefix):
            code = field[len(prefix) : field.index("]")]
            found = code if prefix != "programme[" else f"programme:{code}"
            return replace(finding, sheet=grid[key].title, row=rows.get(found))
    key = "plan" if field in ("period", "region") else "reference"
    return replace(finding, sheet=grid[key].title)


def _read_head(sheet: _Sheet, reader: CellReader) -> dict[str, Any]:
    index = _header_row(sheet, layout.PLAN_COLUMNS[0].header)
    cells: dict[str, Cell] = {}
    for number, row in _records(sheet.rows, 0 if index is None else index + 1):
        key = layout.plan_item(row[0])
        if key is not None:
            label = str(row[0]).strip()
            cells[key] = Cell(sheet.title, number, label, row[1] if len(row) > 1 else None)
    head: dict[str, Any] = {}
    for key in layout.PLAN_ITEMS:
        label = layout.word("plan", key, reader.lang)
        cell = cells.get(key, Cell(sheet.title, 0, label, None))
        if key in ("start_year", "end_year"):
            head[key] = reader.year(cell, required=True)
        elif key == "extreme_poverty_target_year":
            head[key] = reader.year(cell)
        else:
            head[key] = reader.text(cell, required=key in ("name", "region"))
    return head


def _read_reference(
    sheet: _Sheet, reader: CellReader
) -> tuple[tuple[Pillar, ...], tuple[Strategy, ...], tuple[Agency, ...], tuple[Partner, ...]]:
    pillars: list[Pillar] = []
    strategies: list[Strategy] = []
    agencies: list[Agency] = []
    partners: list[Partner] = []
    expected = layout.REFERENCE_COLUMNS
    index = _header_row(sheet, expected[0].header)
    columns = _columns(sheet, 0 if index is None else index, expected, (), reader.lang)
    for number, row in _records(sheet.rows, columns.start):
        kind_cell, code_cell, name_cell, note_cell = (
            columns.cell(c.key, row, number, c) for c in expected
        )
        kind = reader.choice(kind_cell, "kind")
        code, name = reader.text(code_cell, required=True), reader.text(name_cell, required=True)
        note = reader.text(note_cell)
        if kind == "pillar":
            pillars.append(Pillar(code, name))
        elif kind == "strategy":
            strategies.append(
                Strategy(code, name, layout.codes("scope").get(note.casefold()) == "national")
            )
        elif kind == "agency":
            agencies.append(Agency(code, name))
        elif kind == "partner":
            partner_kind = reader.choice(note_cell, "partner_kind")
            if partner_kind is not None:
                partners.append(Partner(code, name, cast(PartnerKind, partner_kind)))
    return tuple(pillars), tuple(strategies), tuple(agencies), tuple(partners)


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.replace(";", ",").split(",") if part.strip())


def _grouped(
    sheet: _Sheet, expected: Sequence[MatrixColumn], group: str, reader: CellReader
) -> _Columns:
    index = _header_row(sheet, layout.NUMBER)
    return _columns(sheet, 0 if index is None else index, expected, (group,), reader.lang)


_PROGRAMME = {c.key: c for c in layout.PROGRAMME_COLUMNS}
_INDICATOR = {c.key: c for c in layout.INDICATOR_COLUMNS}


def _read_programmes(
    sheet: _Sheet, years: range, reader: CellReader
) -> tuple[tuple[Programme, ...], dict[str, int]]:
    columns = _grouped(sheet, layout.PROGRAMME_COLUMNS, layout.BUDGET_GROUP, reader)
    where: dict[str, int] = {}
    heads: dict[str, dict[str, Any]] = {}
    activities: dict[str, dict[str, Any]] = {}
    for number, row in _records(sheet.rows, columns.start):

        def cell(key: str, row: list[Any] = row, number: int = number) -> Cell:
            spec = _PROGRAMME.get(key) or layout.year_column(layout.BUDGET_GROUP, int(key[7:]))
            return columns.cell(key, row, number, spec)

        code = reader.text(cell("programme"), required=True)
        if not code:
            continue
        where.setdefault(f"programme:{code}", number)
        head = heads.setdefault(
            code,
            {
                "name": reader.text(cell("programme_name"), required=True),
                "strategy": reader.text(cell("strategy"), required=True),
                "pillar": reader.text(cell("pillar")) or None,
                "agency": reader.text(cell("agency"), required=True),
                "activities": [],
            },
        )
        activity_code = reader.text(cell("activity"))
        if not activity_code:
            continue
        where.setdefault(activity_code, number)
        if activity_code not in activities:
            activities[activity_code] = {
                "code": activity_code,
                "name": reader.text(cell("activity_name"), required=True),
                "agency": reader.text(cell("agency"), required=True),
                "partners": _split(reader.text(cell("partners"))),
                "regions": _split(reader.text(cell("regions"))),
                "release": reader.text(cell("release")) or None,
                "release_filter": reader.text(cell("release_filter")) or None,
                "target_group": reader.text(cell("target_group")),
                "budgets": [],
            }
            head["activities"].append(activity_code)
        source = reader.choice(cell("source"), "source", required=False)
        for year in years:
            amount = reader.number(cell(f"budget:{year}"))
            if amount is None:
                continue
            if source is None:
                reader.fail(cell("source"), "matrix_budget_source")
                continue
            budget = Budget(year, cast(FundingSource, source), amount)
            activities[activity_code]["budgets"].append(budget)
    programmes = tuple(
        Programme(
            code=code,
            name=h["name"],
            strategy=h["strategy"],
            agency=h["agency"],
            pillar=h["pillar"],
            activities=tuple(
                Activity(**{**activities[a], "budgets": tuple(activities[a]["budgets"])})
                for a in h["activities"]
            ),
        )
        for code, h in heads.items()
    )
    return programmes, where


def _read_indicators(
    sheet: _Sheet, years: range, reader: CellReader
) -> tuple[tuple[Indicator, ...], dict[str, int]]:
    columns = _grouped(sheet, layout.INDICATOR_COLUMNS, layout.TARGET_GROUP, reader)
    where: dict[str, int] = {}
    out: list[Indicator] = []
    for number, row in _records(sheet.rows, columns.start):

        def cell(key: str, row: list[Any] = row, number: int = number) -> Cell:
            spec = _INDICATOR.get(key) or layout.year_column(layout.TARGET_GROUP, int(key[7:]))
            return columns.cell(key, row, number, spec)

        code = reader.text(cell("code"), required=True)
        where.setdefault(code, number)
        level = reader.choice(cell("level"), "level")
        polarity = reader.choice(cell("polarity"), "polarity")
        targets = tuple(
            (year, value)
            for year in years
            if (value := reader.number(cell(f"target:{year}"))) is not None
        )
        indicator = Indicator(
            code=code,
            name=reader.text(cell("name"), required=True),
            level=cast(IndicatorLevel, level),
            unit=reader.text(cell("unit"), required=True),
            polarity=cast(Polarity, polarity),
            source=reader.text(cell("source")),
            baseline_year=reader.year(cell("baseline_year")),
            baseline_value=reader.number(cell("baseline_value")),
            programme=reader.text(cell("programme")) or None,
            activity=reader.text(cell("activity")) or None,
            targets=targets,
        )
        if level is not None and polarity is not None and code:
            out.append(indicator)
    return tuple(out), where


def _read_commitments(sheet: _Sheet | None, reader: CellReader) -> tuple[Commitment, ...]:
    if sheet is None:
        return ()
    expected = layout.COMMITMENT_COLUMNS
    index = _header_row(sheet, expected[0].header)
    columns = _columns(sheet, 0 if index is None else index, expected, (), reader.lang)
    out: list[Commitment] = []
    for number, row in _records(sheet.rows, columns.start):
        partner_cell, activity_cell, year_cell, description_cell, amount_cell = (
            columns.cell(c.key, row, number, c) for c in expected
        )
        partner = reader.text(partner_cell, required=True)
        year = reader.year(year_cell, required=True)
        description = reader.text(description_cell, required=True)
        amount = reader.number(amount_cell)
        if partner and year is not None and description:
            out.append(
                Commitment(partner, year, description, reader.text(activity_cell) or None, amount)
            )
    return tuple(out)
