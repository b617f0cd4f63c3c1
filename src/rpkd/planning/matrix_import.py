"""Read the RPKD matrices back from XLSX (as written by :mod:`rpkd.planning.matrix_xlsx`, or
edited from it) into a plan, or into findings (sheet, row, field, value, rule, message).

Columns are found by their headers (group row and sub-row under the title), so added or moved
columns do not break the import; derived columns (names beside codes, the output-indicator list,
the final condition) are ignored.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, cast

from openpyxl import load_workbook

from rpkd.planning.matrix_xlsx import (
    BASELINE_GROUP,
    BUDGET_GROUP,
    COMMITMENT_SHEET,
    INDICATOR_SHEET,
    KIND_LABELS,
    LEVEL_LABELS,
    PARTNER_LABELS,
    PLAN_KEYS,
    PLAN_SHEET,
    POLARITY_LABELS,
    PROGRAMME_SHEET,
    REFERENCE_SHEET,
    SOURCE_LABELS,
    TARGET_GROUP,
)
from rpkd.planning.model import (
    Activity,
    Agency,
    Budget,
    Commitment,
    Finding,
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
class _Cell:
    sheet: str
    row: int
    field: str
    value: Any


class _Reader:
    """Collects findings while converting cells."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def fail(self, cell: _Cell, rule: str, message: str) -> None:
        shown = None if cell.value is None else str(cell.value)
        self.findings.append(Finding(cell.row, cell.field, shown, rule, message, sheet=cell.sheet))

    def text(self, cell: _Cell, *, required: bool = False) -> str:
        value = "" if cell.value is None else str(cell.value).strip()
        if required and not value:
            self.fail(cell, "required", f"{cell.field} wajib diisi")
        return value

    def number(self, cell: _Cell, *, required: bool = False) -> float | None:
        if cell.value is None or (isinstance(cell.value, str) and not cell.value.strip()):
            if required:
                self.fail(cell, "required", f"{cell.field} wajib diisi")
            return None
        if isinstance(cell.value, bool):
            self.fail(cell, "number", f"{cell.field} harus angka")
            return None
        if isinstance(cell.value, int | float):
            return float(cell.value)
        try:
            return float(str(cell.value).replace(" ", ""))
        except ValueError:
            self.fail(cell, "number", f"{cell.field} harus angka")
            return None

    def year(self, cell: _Cell, *, required: bool = False) -> int | None:
        value = self.number(cell, required=required)
        if value is None:
            return None
        if value != int(value) or not 1900 <= value <= 2200:
            self.fail(cell, "year", f"{cell.field} harus tahun (mis. 2025)")
            return None
        return int(value)

    def choice(self, cell: _Cell, labels: dict[str, str], *, required: bool = True) -> str | None:
        value = self.text(cell, required=required)
        if not value:
            return None
        for code, label in labels.items():
            if value.casefold() in (code.casefold(), label.casefold()):
                return code
        self.fail(
            cell, "code_list", f"{cell.field} harus salah satu dari: {', '.join(labels.values())}"
        )
        return None


def _grid(path: Path) -> dict[str, list[list[Any]]]:
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        return {
            ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets
        }
    finally:
        book.close()


def _columns(rows: list[list[Any]]) -> tuple[dict[str, int], int]:
    """Return ``{"group" or "group/sub": column}`` from the two header rows under the title."""
    for index, row in enumerate(rows[:10]):
        if row and str(row[0] or "").strip() == "No":
            group_row, sub_row = row, rows[index + 1] if index + 1 < len(rows) else []
            mapping: dict[str, int] = {}
            group = ""
            for col, head in enumerate(group_row):
                if head is not None and str(head).strip():
                    group = str(head).strip()
                sub = sub_row[col] if col < len(sub_row) else None
                key = (
                    f"{group}/{str(sub).strip()}" if sub is not None and str(sub).strip() else group
                )
                mapping.setdefault(key, col)
            return mapping, index + 2
    return {}, 0


def _records(rows: list[list[Any]], start: int) -> Iterator[tuple[int, list[Any]]]:
    for index in range(start, len(rows)):
        row = rows[index]
        if any(v is not None and str(v).strip() for v in row):
            yield index + 1, row


def read_plan_xlsx(path: Path) -> tuple[Plan | None, tuple[Finding, ...]]:
    """Return the plan in an XLSX workbook written by :func:`write_plan_xlsx` (or edited from it),
    or ``None`` and every finding when any cell breaks a rule."""
    grid = _grid(path)
    reader = _Reader()
    for sheet in (PLAN_SHEET, REFERENCE_SHEET, PROGRAMME_SHEET, INDICATOR_SHEET):
        if sheet not in grid:
            reader.findings.append(
                Finding(
                    None, "sheet", sheet, "required", f"lembar {sheet!r} tidak ada", sheet=sheet
                )
            )
    if reader.findings:
        return None, tuple(reader.findings)
    head = _read_head(grid[PLAN_SHEET], reader)
    pillars, strategies, agencies, partners = _read_reference(grid[REFERENCE_SHEET], reader)
    start, end = head.get("start_year"), head.get("end_year")
    years = (
        range(int(start), int(end) + 1)
        if isinstance(start, int) and isinstance(end, int)
        else range(0)
    )
    programmes, where = _read_programmes(grid[PROGRAMME_SHEET], years, reader)
    indicators, where_ind = _read_indicators(grid[INDICATOR_SHEET], years, reader)
    commitments = _read_commitments(grid.get(COMMITMENT_SHEET, []), reader)
    if reader.findings or not years:
        return None, tuple(reader.findings)
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
    located = tuple(_locate(f, where, where_ind) for f in validate(plan))
    if any(f.severity == "error" for f in located):
        return None, located
    return replace(plan, findings=located), located


def _locate(finding: Finding, where: dict[str, int], where_ind: dict[str, int]) -> Finding:
    field = finding.field
    for prefix, sheet, rows in (
        ("activity[", PROGRAMME_SHEET, where),
        ("programme[", PROGRAMME_SHEET, where),
        ("indicator[", INDICATOR_SHEET, where_ind),
    ):
        if field.startswith(prefix):
            code = field[len(prefix) : field.index("]")]
            key = code if prefix != "programme[" else f"programme:{code}"
            return replace(finding, sheet=sheet, row=rows.get(key))
    return replace(finding, sheet=PLAN_SHEET if field in ("period", "region") else REFERENCE_SHEET)


def _read_head(rows: list[list[Any]], reader: _Reader) -> dict[str, Any]:
    labels = {label.casefold(): key for key, label in PLAN_KEYS.items()}
    head: dict[str, Any] = {}
    cells: dict[str, _Cell] = {}
    for number, row in _records(rows, 2):
        key = labels.get(str(row[0] or "").strip().casefold())
        if key is not None:
            cells[key] = _Cell(PLAN_SHEET, number, PLAN_KEYS[key], row[1] if len(row) > 1 else None)
    for key, label in PLAN_KEYS.items():
        cell = cells.get(key, _Cell(PLAN_SHEET, 0, label, None))
        if key in ("start_year", "end_year"):
            head[key] = reader.year(cell, required=True)
        elif key == "extreme_poverty_target_year":
            head[key] = reader.year(cell)
        else:
            head[key] = reader.text(cell, required=key in ("name", "region"))
    return head


def _read_reference(
    rows: list[list[Any]], reader: _Reader
) -> tuple[tuple[Pillar, ...], tuple[Strategy, ...], tuple[Agency, ...], tuple[Partner, ...]]:
    pillars: list[Pillar] = []
    strategies: list[Strategy] = []
    agencies: list[Agency] = []
    partners: list[Partner] = []
    for number, row in _records(rows, 2):
        cells = [
            _Cell(REFERENCE_SHEET, number, f, row[i] if i < len(row) else None)
            for i, f in enumerate(("Jenis", "Kode", "Nama", "Keterangan"))
        ]
        kind = reader.choice(cells[0], KIND_LABELS)
        code, name = reader.text(cells[1], required=True), reader.text(cells[2], required=True)
        note = reader.text(cells[3])
        if kind == "pillar":
            pillars.append(Pillar(code, name))
        elif kind == "strategy":
            strategies.append(Strategy(code, name, note.casefold() in ("nasional", "national")))
        elif kind == "agency":
            agencies.append(Agency(code, name))
        elif kind == "partner":
            partner_kind = reader.choice(cells[3], PARTNER_LABELS)
            if partner_kind is not None:
                partners.append(Partner(code, name, cast(PartnerKind, partner_kind)))
    return tuple(pillars), tuple(strategies), tuple(agencies), tuple(partners)


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.replace(";", ",").split(",") if part.strip())


def _read_programmes(
    rows: list[list[Any]], years: range, reader: _Reader
) -> tuple[tuple[Programme, ...], dict[str, int]]:
    columns, start = _columns(rows)
    where: dict[str, int] = {}
    heads: dict[str, dict[str, Any]] = {}
    activities: dict[str, dict[str, Any]] = {}
    for number, row in _records(rows, start):

        def cell(key: str, row: list[Any] = row, number: int = number) -> _Cell:
            col = columns.get(key)
            return _Cell(
                PROGRAMME_SHEET,
                number,
                key,
                row[col] if col is not None and col < len(row) else None,
            )

        code = reader.text(cell("Program/Kode"), required=True)
        if not code:
            continue
        where.setdefault(f"programme:{code}", number)
        head = heads.setdefault(
            code,
            {
                "name": reader.text(cell("Program/Nama"), required=True),
                "strategy": reader.text(cell("Strategi/Kode"), required=True),
                "pillar": reader.text(cell("Pilar")) or None,
                "agency": reader.text(cell("OPD Penanggung Jawab"), required=True),
                "activities": [],
            },
        )
        activity_code = reader.text(cell("Kegiatan/Kode"))
        if not activity_code:
            continue
        where.setdefault(activity_code, number)
        if activity_code not in activities:
            regions_text = reader.text(cell("Lokasi Fokus/Kecamatan/Desa"))
            activities[activity_code] = {
                "code": activity_code,
                "name": reader.text(cell("Kegiatan/Nama"), required=True),
                "agency": reader.text(cell("OPD Penanggung Jawab"), required=True),
                "partners": _split(reader.text(cell("Mitra"))),
                "regions": _split(regions_text),
                "release": reader.text(cell("Lokasi Fokus/Rilis By Name")) or None,
                "release_filter": reader.text(cell("Lokasi Fokus/Filter Sasaran")) or None,
                "target_group": reader.text(cell("Kelompok Sasaran")),
                "budgets": [],
            }
            head["activities"].append(activity_code)
        source = reader.choice(cell("Sumber Dana"), SOURCE_LABELS, required=False)
        for year in years:
            amount = reader.number(cell(f"{BUDGET_GROUP}/{year}"))
            if amount is None:
                continue
            if source is None:
                reader.fail(cell("Sumber Dana"), "required", "anggaran memerlukan sumber dana")
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
    rows: list[list[Any]], years: range, reader: _Reader
) -> tuple[tuple[Indicator, ...], dict[str, int]]:
    columns, start = _columns(rows)
    where: dict[str, int] = {}
    out: list[Indicator] = []
    for number, row in _records(rows, start):

        def cell(key: str, row: list[Any] = row, number: int = number) -> _Cell:
            col = columns.get(key)
            return _Cell(
                INDICATOR_SHEET,
                number,
                key,
                row[col] if col is not None and col < len(row) else None,
            )

        code = reader.text(cell("Kode"), required=True)
        where.setdefault(code, number)
        level = reader.choice(cell("Tingkat"), LEVEL_LABELS)
        polarity = reader.choice(cell("Polaritas"), POLARITY_LABELS)
        targets = tuple(
            (year, value)
            for year in years
            if (value := reader.number(cell(f"{TARGET_GROUP}/{year}"))) is not None
        )
        indicator = Indicator(
            code=code,
            name=reader.text(cell("Indikator"), required=True),
            level=cast(IndicatorLevel, level),
            unit=reader.text(cell("Satuan"), required=True),
            polarity=cast(Polarity, polarity),
            source=reader.text(cell("Sumber Data")),
            baseline_year=reader.year(cell(f"{BASELINE_GROUP}/Tahun")),
            baseline_value=reader.number(cell(f"{BASELINE_GROUP}/Nilai")),
            programme=reader.text(cell("Program")) or None,
            activity=reader.text(cell("Kegiatan")) or None,
            targets=targets,
        )
        if level is not None and polarity is not None and code:
            out.append(indicator)
    return tuple(out), where


def _read_commitments(rows: list[list[Any]], reader: _Reader) -> tuple[Commitment, ...]:
    out: list[Commitment] = []
    fields = ("Mitra", "Kegiatan", "Tahun", "Uraian", "Nilai (Rp)")
    for number, row in _records(rows, 2):
        cells = [
            _Cell(COMMITMENT_SHEET, number, f, row[i] if i < len(row) else None)
            for i, f in enumerate(fields)
        ]
        partner, year = reader.text(cells[0], required=True), reader.year(cells[2], required=True)
        description = reader.text(cells[3], required=True)
        amount = reader.number(cells[4])
        if partner and year is not None and description:
            out.append(
                Commitment(partner, year, description, reader.text(cells[1]) or None, amount)
            )
    return tuple(out)
