"""The RPKD matrices in XLSX, as the documents lay them out, and back.

Sheets (Indonesian headers, two header rows with merged group cells as in RPKD/Renstra
matrices: "Data capaian pada tahun awal", "Target" per year, "Unit kerja penanggung jawab",
"Lokasi"):

- ``Rencana``: name, region, period, zero-extreme-poverty target year (key/value rows);
- ``Referensi``: pillars, strategies, OPD and partners (kind, code, name, note);
- ``Matriks Program``: strategy → programme → activity → output indicators → OPD → location →
  indicative budget by year, one row per activity and funding source;
- ``Matriks Indikator``: indicator, level, unit, polarity, source, baseline, target per year,
  final condition;
- ``Komitmen Mitra``: partner commitments.

Reading returns a plan or the findings (sheet, row, field, value, rule, message); columns that
are derived (names beside codes, the output-indicator list, the final condition) are written for
the reader and ignored on import.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import xlsxwriter
from openpyxl import load_workbook

from rpkd.planning.model import (
    FUNDING_SOURCES,
    Activity,
    Agency,
    Budget,
    Commitment,
    Finding,
    Indicator,
    Partner,
    Pillar,
    Plan,
    Programme,
    Strategy,
    validate,
)

PLAN_SHEET, REFERENCE_SHEET = "Rencana", "Referensi"
PROGRAMME_SHEET, INDICATOR_SHEET, COMMITMENT_SHEET = (
    "Matriks Program",
    "Matriks Indikator",
    "Komitmen Mitra",
)

SOURCE_LABELS = {
    "apbd": "APBD",
    "apbn_dak": "APBN/DAK",
    "dana_desa": "Dana Desa",
    "csr": "CSR",
    "baznas": "Baznas",
    "other": "Lainnya",
}
PARTNER_LABELS = {
    "csr": "CSR",
    "university": "Perguruan Tinggi",
    "religious": "Lembaga Keagamaan",
    "baznas": "Baznas",
    "community": "Komunitas",
    "other": "Lainnya",
}
POLARITY_LABELS = {"higher": "Semakin tinggi semakin baik", "lower": "Semakin rendah semakin baik"}
LEVEL_LABELS = {"outcome": "Outcome", "output": "Output"}
KIND_LABELS = {"pillar": "Pilar", "strategy": "Strategi", "agency": "OPD", "partner": "Mitra"}
PLAN_KEYS = {
    "name": "Nama Rencana",
    "region": "Kode Wilayah",
    "start_year": "Tahun Awal",
    "end_year": "Tahun Akhir",
    "extreme_poverty_target_year": "Tahun Target Nol Kemiskinan Ekstrem",
    "extreme_poverty_indicator": "Kode Indikator Kemiskinan Ekstrem",
    "description": "Uraian",
}
BUDGET_GROUP, TARGET_GROUP, BASELINE_GROUP = "Anggaran Indikatif (Rp)", "Target", "Kondisi Awal"

# (group header, sub header) of each fixed column; sub None means the group spans two rows.
PROGRAMME_COLUMNS: tuple[tuple[str, str | None], ...] = (
    ("No", None),
    ("Strategi", "Kode"),
    ("Strategi", "Uraian"),
    ("Pilar", None),
    ("Program", "Kode"),
    ("Program", "Nama"),
    ("Kegiatan", "Kode"),
    ("Kegiatan", "Nama"),
    ("Indikator Keluaran", None),
    ("OPD Penanggung Jawab", None),
    ("Mitra", None),
    ("Lokasi Fokus", "Kecamatan/Desa"),
    ("Lokasi Fokus", "Rilis By Name"),
    ("Lokasi Fokus", "Filter Sasaran"),
    ("Kelompok Sasaran", None),
    ("Sumber Dana", None),
)
INDICATOR_COLUMNS: tuple[tuple[str, str | None], ...] = (
    ("No", None),
    ("Kode", None),
    ("Indikator", None),
    ("Tingkat", None),
    ("Program", None),
    ("Kegiatan", None),
    ("Satuan", None),
    ("Polaritas", None),
    ("Sumber Data", None),
    (BASELINE_GROUP, "Tahun"),
    (BASELINE_GROUP, "Nilai"),
)


def _header(
    sheet: Any, columns: list[tuple[str, str | None]], title: str, fmt: dict[str, Any]
) -> None:
    width = len(columns)
    sheet.merge_range(0, 0, 0, width - 1, title, fmt["title"])
    start = 0
    while start < width:
        group, sub = columns[start]
        end = start
        while (
            sub is not None
            and end + 1 < width
            and columns[end + 1][0] == group
            and columns[end + 1][1] is not None
        ):
            end += 1
        if sub is None:
            sheet.merge_range(1, start, 2, start, group, fmt["head"])
        else:
            if end > start:
                sheet.merge_range(1, start, 1, end, group, fmt["head"])
            else:
                sheet.write(1, start, group, fmt["head"])
            for col in range(start, end + 1):
                sheet.write(2, col, columns[col][1], fmt["head"])
        start = end + 1
    sheet.freeze_panes(3, 0)


def write_plan_xlsx(plan: Plan, path: Path) -> None:
    """Write the plan's matrices to an XLSX workbook at ``path``."""
    book = xlsxwriter.Workbook(str(path))
    fmt = {
        "title": book.add_format({"bold": True, "font_size": 12}),
        "head": book.add_format(
            {
                "bold": True,
                "align": "center",
                "valign": "vcenter",
                "text_wrap": True,
                "border": 1,
                "bg_color": "#DDEBF7",
            }
        ),
        "money": book.add_format({"num_format": "#,##0"}),
    }
    try:
        _write_plan_sheet(book.add_worksheet(PLAN_SHEET), plan, fmt)
        _write_reference(book.add_worksheet(REFERENCE_SHEET), plan, fmt)
        _write_programmes(book.add_worksheet(PROGRAMME_SHEET), plan, fmt)
        _write_indicators(book.add_worksheet(INDICATOR_SHEET), plan, fmt)
        _write_commitments(book.add_worksheet(COMMITMENT_SHEET), plan, fmt)
    finally:
        book.close()


def _write_plan_sheet(sheet: Any, plan: Plan, fmt: dict[str, Any]) -> None:
    sheet.write(0, 0, "RENCANA PENANGGULANGAN KEMISKINAN DAERAH", fmt["title"])
    sheet.write_row(1, 0, ["Butir", "Nilai"], fmt["head"])
    for row, (key, label) in enumerate(PLAN_KEYS.items(), start=2):
        sheet.write(row, 0, label)
        value = getattr(plan, key)
        sheet.write(row, 1, "" if value is None else value)
    sheet.set_column(0, 0, 38)
    sheet.set_column(1, 1, 60)


def _write_reference(sheet: Any, plan: Plan, fmt: dict[str, Any]) -> None:
    sheet.write(0, 0, "REFERENSI: PILAR, STRATEGI, OPD, MITRA", fmt["title"])
    sheet.write_row(1, 0, ["Jenis", "Kode", "Nama", "Keterangan"], fmt["head"])
    rows: list[list[str]] = (
        [[KIND_LABELS["pillar"], p.code, p.name, ""] for p in plan.pillars]
        + [
            [KIND_LABELS["strategy"], s.code, s.name, "Nasional" if s.national else "Lokal"]
            for s in plan.strategies
        ]
        + [[KIND_LABELS["agency"], a.code, a.name, ""] for a in plan.agencies]
        + [[KIND_LABELS["partner"], p.code, p.name, PARTNER_LABELS[p.kind]] for p in plan.partners]
    )
    for index, values in enumerate(rows, start=2):
        sheet.write_row(index, 0, values)
    sheet.set_column(2, 2, 70)


def _write_programmes(sheet: Any, plan: Plan, fmt: dict[str, Any]) -> None:
    columns = [*PROGRAMME_COLUMNS, *((BUDGET_GROUP, str(y)) for y in plan.years)]
    _header(sheet, columns, f"MATRIKS PROGRAM DAN KEGIATAN {plan.name.upper()}", fmt)
    strategies = {s.code: s.name for s in plan.strategies}
    row, number = 3, 0
    for programme in plan.programmes:
        lines: list[tuple[Activity | None, str | None]] = []
        for activity in programme.activities or (None,):  # type: ignore[assignment]
            sources = (
                sorted({b.source for b in activity.budgets}, key=FUNDING_SOURCES.index)
                if activity
                else []
            )
            lines += [(activity, s) for s in sources] or [(activity, None)]
        for activity, source in lines:
            number += 1
            outputs = ", ".join(
                i.code for i in plan.indicators if activity and i.activity == activity.code
            )
            values: list[Any] = [
                number,
                programme.strategy,
                strategies.get(programme.strategy, ""),
                programme.pillar or "",
                programme.code,
                programme.name,
                activity.code if activity else "",
                activity.name if activity else "",
                outputs,
                activity.agency if activity else programme.agency,
                ", ".join(activity.partners) if activity else "",
                ", ".join(activity.regions) if activity else "",
                (activity.release or "") if activity else "",
                (activity.release_filter or "") if activity else "",
                activity.target_group if activity else "",
                SOURCE_LABELS[source] if source else "",
            ]
            sheet.write_row(row, 0, values)
            if activity and source:
                for offset, year in enumerate(plan.years):
                    amount = sum(
                        b.amount for b in activity.budgets if b.year == year and b.source == source
                    )
                    if any(b.year == year and b.source == source for b in activity.budgets):
                        sheet.write_number(
                            row, len(PROGRAMME_COLUMNS) + offset, amount, fmt["money"]
                        )
            row += 1
    sheet.set_column(5, 7, 36)


def _write_indicators(sheet: Any, plan: Plan, fmt: dict[str, Any]) -> None:
    columns = [
        *INDICATOR_COLUMNS,
        *((TARGET_GROUP, str(y)) for y in plan.years),
        ("Kondisi Akhir", None),
    ]
    _header(sheet, columns, f"MATRIKS INDIKATOR {plan.name.upper()}", fmt)
    for index, indicator in enumerate(plan.indicators, start=1):
        values: list[Any] = [
            index,
            indicator.code,
            indicator.name,
            LEVEL_LABELS[indicator.level],
            indicator.programme or "",
            indicator.activity or "",
            indicator.unit,
            POLARITY_LABELS[indicator.polarity],
            indicator.source,
            "" if indicator.baseline_year is None else indicator.baseline_year,
            "" if indicator.baseline_value is None else indicator.baseline_value,
            *("" if indicator.target(y) is None else indicator.target(y) for y in plan.years),
            "" if indicator.target(plan.end_year) is None else indicator.target(plan.end_year),
        ]
        sheet.write_row(index + 2, 0, values)
    sheet.set_column(2, 2, 45)
    sheet.set_column(8, 8, 40)


def _write_commitments(sheet: Any, plan: Plan, fmt: dict[str, Any]) -> None:
    sheet.write(0, 0, "KOMITMEN MITRA", fmt["title"])
    sheet.write_row(1, 0, ["Mitra", "Kegiatan", "Tahun", "Uraian", "Nilai (Rp)"], fmt["head"])
    for index, c in enumerate(plan.commitments, start=2):
        sheet.write_row(
            index,
            0,
            [
                c.partner,
                c.activity or "",
                c.year,
                c.description,
                "" if c.amount is None else c.amount,
            ],
        )


# ----------------------------------------------------------------------------- reading


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
        extreme_poverty_indicator=head.get("extreme_poverty_indicator") or None,  # type: ignore[arg-type]
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
                partners.append(Partner(code, name, partner_kind))  # type: ignore[arg-type]
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
            activities[activity_code]["budgets"].append(Budget(year, source, amount))  # type: ignore[arg-type]
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
        indicator = dict(
            code=code,
            name=reader.text(cell("Indikator"), required=True),
            unit=reader.text(cell("Satuan"), required=True),
            source=reader.text(cell("Sumber Data")),
            baseline_year=reader.year(cell(f"{BASELINE_GROUP}/Tahun")),
            baseline_value=reader.number(cell(f"{BASELINE_GROUP}/Nilai")),
            programme=reader.text(cell("Program")) or None,
            activity=reader.text(cell("Kegiatan")) or None,
            targets=targets,
        )
        if level is not None and polarity is not None and code:
            out.append(Indicator(level=level, polarity=polarity, **indicator))  # type: ignore[arg-type]
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
