"""Use case: the families of one desa, by name, with what they receive and qualify for.

A desa operator (or the TKPKD secretariat) sees, per family of a desa in a release: its desil,
the programmes it receives and the programmes it is eligible for, with the head's name and NIK,
the KK number and the address. Receipt comes from the release's beneficiary lists linked to its
persons: for a programme whose list was linked by ``rpkd link`` (a run stored under the
release's ``derived/links/``), the newest such run; for the others, exact NIK as
:func:`rpkd.workflows.targeting.load_links` does. Eligibility applies the kit's programme rules
(:mod:`rpkd.targeting.eligibility`); the matrix is the one convergence builds
(:func:`rpkd.targeting.convergence.matrix`), restricted to the desa before any rule runs.

The rows are personal data. The workflow passes the one gate (:mod:`rpkd.workflows.gate`):
``records.read`` on the desa to see them masked, ``personal_data.read`` to see them unmasked,
checked before any query; every call writes one audit row. Masking is
:mod:`rpkd.access.masking`'s.

References
----------
Inpres 4/2022 and 8/2025 (convergence of programmes on desil 1 and on pockets of poverty);
UU 27/2022 on Pelindungan Data Pribadi (data minimisation: masked unless needed).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from rpkd import engine as eng
from rpkd import regions
from rpkd.access import masking
from rpkd.access.roles import Scope
from rpkd.errors import InvalidInput, UnknownRegion, UsageError
from rpkd.releases.catalog import Release, open_release
from rpkd.targeting import convergence as cv
from rpkd.targeting.eligibility import Catalogue, eligibility
from rpkd.workflows import gate
from rpkd.workflows.results import records
from rpkd.workflows.rules import effective_catalogue
from rpkd.workflows.targeting import Opened, load_links, opened, readable

if TYPE_CHECKING:
    from ibis.expr.types import Table

    from rpkd.workflows.workspace import Workspace

__all__ = ["COLUMNS", "DesaFamilies", "families_of_desa"]

COLUMNS: tuple[str, ...] = (
    "family_id", "desa_code", "desil", "kk_number", "head_name", "head_nik", "address",
    "family_size", "received_programmes", "eligible_programmes",
)  # fmt: skip
"""The columns of one desa's families, in order (the programme columns are lists)."""
NIK = "nik"
"""How receipt was found for a programme without a stored link run: exact NIK."""
_LIST = re.compile(r"^beneficiaries_([a-z0-9_]+)$")
_LINKS = pa.schema(
    [("programme", pa.string()), ("record", pa.string()), ("person_id", pa.string())]
)


@dataclass(frozen=True)
class DesaFamilies:
    """The families of one desa (optionally one desil): desil, programmes received and eligible.

    ``families`` has :data:`COLUMNS`, the two programme columns as lists of programme codes in
    catalogue order; ``links`` says per programme how receipt was found (``nik``, or the
    folder of the stored ``rpkd link`` run). Names, NIK, KK numbers and addresses are masked
    unless ``unmasked``.
    """

    release: str
    desa: str
    desa_name: str
    desil: int | None
    on: date
    programmes: tuple[str, ...]
    links: Mapping[str, str] = field(compare=False)
    families: pa.Table
    unmasked: bool

    def to_arrow(self) -> pa.Table:
        """Return one row per family, the programme lists joined by ``", "`` (for CSV, XLSX)."""
        table = self.families
        for name in ("received_programmes", "eligible_programmes"):
            at = table.column_names.index(name)
            joined = [", ".join(v or ()) for v in table.column(name).to_pylist()]
            table = table.set_column(at, name, pa.array(joined, pa.string()))
        return table

    def to_json(self) -> list[dict[str, Any]]:
        """Return one record per family (the programme columns as JSON arrays)."""
        return records(self.families)

    def readable(self) -> pa.Table:
        """Return the rows for reading: the desa named beside its code, label-key headers."""
        return readable(self.to_arrow(), area="desa_code")


def _desa_code(text: str) -> str:
    """Return ``text`` as the dotted code of a desa in the Kemendagri master (no query)."""
    try:
        code = regions.parse_code(text)
    except UnknownRegion as error:  # the same refusal, naming the parameter given
        raise UnknownRegion(error.code, param="desa", **error.params) from None
    if regions.depth_of(code) != "desa" or not regions.exists(code):
        raise UnknownRegion("target_desa_unknown", param="desa", desa=code)
    return code


def _desil(value: int | None) -> int | None:
    if value is not None and not 1 <= value <= 10:
        raise UsageError("families_desil_range", param="desil", value=value)
    return value


def _link_runs(ws: Workspace, release: Release, programmes: tuple[str, ...]) -> dict[str, Path]:
    """Return, per programme, the folder of the newest complete ``rpkd link`` run of its list.

    A run is a folder under ``derived/links/`` beside the release (or under
    ``<workspace>/derived/<release>/links/``) holding ``links.parquet`` and, written last,
    ``parameters.json``; its programme is read from the list's file name
    (``beneficiaries_<programme>.csv``, as ``rpkd synth`` and the agencies' exports name them).
    """
    found: dict[str, tuple[float, str, Path]] = {}
    for base in (release.path / "derived" / "links", ws.path / "derived" / release.name / "links"):
        if not base.is_dir():
            continue
        for folder in base.iterdir():
            tags, links = folder / "parameters.json", folder / "links.parquet"
            if not (tags.is_file() and links.is_file()):
                continue
            try:
                parameters = json.loads(tags.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if not isinstance(parameters, dict) or parameters.get("release") != release.name:
                continue
            match = _LIST.match(Path(str(parameters.get("list", ""))).stem.lower())
            if match is None or match.group(1) not in programmes:
                continue
            key = (tags.stat().st_mtime, folder.name, folder)
            programme = match.group(1)
            if programme not in found or key[:2] > found[programme][:2]:
                found[programme] = key
    return {p: found[p][2] for p in programmes if p in found}


def _links(o: Opened, runs: Mapping[str, Path]) -> Table:
    """Return ``programme, record, person_id``: stored runs where they exist, else exact NIK."""
    parts = []
    for programme, folder in runs.items():
        stored = pq.read_table(folder / "links.parquet", columns=["record", "person_id"])
        parts.append(pa.table({
            "programme": pa.array([programme] * stored.num_rows, pa.string()),
            "record": stored.column("record").cast(pa.string()),
            "person_id": stored.column("person_id").cast(pa.string()),
        }))  # fmt: skip
    links = eng.table(o.engine, pa.concat_tables([_LINKS.empty_table(), *parts]))
    if "beneficiaries" not in o.release.kinds:
        return links
    by_nik, _ = load_links(o, None, ())
    if runs:
        by_nik = by_nik.filter(~by_nik.programme.isin(list(runs)))
    return by_nik.union(links) if parts else by_nik


def _rows(o: Opened, cat: Catalogue, code: str, runs: Mapping[str, Path]) -> pa.Table:
    """Return the desa's families with head, desil and per-programme receipt and eligibility."""
    # One desa is small (a few thousand families at most): read it once, so that the rules
    # and joins below run on it in memory instead of scanning the release again each time.
    families = eng.table(o.engine, eng.fetch(o.families.filter(o.families.desa_code == code)))
    persons = eng.table(o.engine, eng.fetch(o.persons.semi_join(families, "family_id")))
    m = cv.matrix(eligibility(families, persons, cat, on=o.on), _links(o, runs), persons, cat)
    m = cv.with_head(m, persons)
    flags = [f"{kind}_{p}" for kind in ("receives", "eligible") for p in cat.codes]
    plain = [c for c in COLUMNS if not c.endswith("_programmes")]
    return eng.fetch(m.select(*plain, *flags).order_by([m.desil.asc(nulls_first=False),
                                                        "family_id"]))  # fmt: skip


def _programme_lists(table: pa.Table, codes: tuple[str, ...]) -> pa.Table:
    """Replace the ``receives_<p>``/``eligible_<p>`` flags by two list columns of codes."""
    out = table.select([c for c in COLUMNS if c in table.column_names])
    for name, kind in (("received_programmes", "receives"), ("eligible_programmes", "eligible")):
        flags = {p: table.column(f"{kind}_{p}").to_pylist() for p in codes}
        lists = [[p for p in codes if flags[p][i]] for i in range(table.num_rows)]
        out = out.append_column(name, pa.array(lists, pa.list_(pa.string())))
    return out


@gate.personal_data("families.read")
def families_of_desa(
    ws: Workspace,
    release: str,
    desa: str,
    *,
    desil: int | None = None,
    unmask: bool = False,
) -> DesaFamilies:
    """Return the families of desa ``desa`` in release ``release``, masked unless ``unmask``.

    ``desil`` (1-10) keeps the families of that desil only. The acting user needs
    ``records.read`` on the desa (``personal_data.read`` with ``unmask``), checked before any
    query, so a desa operator sees its own desa only; one audit row records the call. A desa
    code that is not in the Kemendagri master raises :class:`rpkd.errors.UnknownRegion`; one
    without families in the release raises :class:`rpkd.errors.InvalidInput`
    (``desa_not_in_release``).
    """
    code = _desa_code(desa)
    chosen_desil = _desil(desil)
    opened_release = open_release(ws.path, release)
    scopes = [Scope(region=code)]
    gate.authorise_records(ws, scopes, unmask=unmask)
    cat = effective_catalogue(ws)
    runs = _link_runs(ws, opened_release, cat.codes)
    with opened(ws, opened_release) as o:
        table = _rows(o, cat, code, runs)
        on = o.on
    if table.num_rows == 0:
        raise InvalidInput("desa_not_in_release", param="desa", desa=code, release=release)
    if chosen_desil is not None:
        table = table.filter(pc.equal(table.column("desil"), chosen_desil))
    gate.audit_records(ws, "families.read", release=opened_release.name, scopes=scopes,
                       records=table.num_rows, unmask=unmask,
                       parameters={"desa": code, "desil": chosen_desil})  # fmt: skip
    families = _programme_lists(table, cat.codes)
    if not unmask:
        families = masking.mask_table(families)
    links = {p: (runs[p].name if p in runs else NIK) for p in cat.codes}
    return DesaFamilies(opened_release.name, code, regions.name(code), chosen_desil, on,
                        cat.codes, links, families, unmask)  # fmt: skip
