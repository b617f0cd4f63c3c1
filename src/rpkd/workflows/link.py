"""Use case: link an agency's beneficiary list to a release's persons (``rpkd link``).

Opens the release, reads the list as the agency keeps it (CSV, XLSX or Parquet, through
:mod:`rpkd.inputs`), standardises both sides, links them (:mod:`rpkd.linkage.model`), builds
the clerical-review queue and, when the clerk's decisions are given, applies them. Releases are
immutable: the links are written beside the release under ``derived/links/<list>-<tag>/`` (or
``<workspace>/derived/<release>/links/...`` when the release folder is read-only), tagged with
the parameters that produced them.

The review file puts list rows beside registry persons (names, NIK, KK, birth dates): personal
data. It passes the one gate (:mod:`rpkd.workflows.gate`): ``records.read`` on the release's
region to write it masked, ``personal_data.read`` to write it unmasked, checked before the list
is read; each run writes one audit row.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from rpkd import engine as eng
from rpkd.access import masking
from rpkd.access.roles import Scope
from rpkd.errors import InvalidInput, UsageError
from rpkd.findings import Finding
from rpkd.linkage import decisions as link_decisions
from rpkd.linkage.model import METHODS, LinkResult, ModelSettings, Thresholds, link
from rpkd.linkage.review import PII_FIELDS, apply_decisions, read_decisions, review_queue
from rpkd.linkage.standardise import Rules, rules_from, standardise_list, standardise_registry
from rpkd.releases.catalog import open_release
from rpkd.releases.importer import clean_stale, sha256, staging_name
from rpkd.reports.xlsx import neutralise_row
from rpkd.workflows import gate
from rpkd.workflows.cache import release_digest
from rpkd.workflows.derived import digest, output_folder, publish, stored
from rpkd.workflows.results import records

if TYPE_CHECKING:
    from ibis.expr.types import Table

    from rpkd.releases.catalog import Release
    from rpkd.workflows.workspace import Workspace

QUEUE_FILE = "queue.parquet"
"""The review queue of a run, kept unmasked for the review page (:mod:`.link_review`)."""
CONTRACT_COLUMNS = ("record", "person_id", "match_probability", "method")
SUMMARY: tuple[str, ...] = (*METHODS, "deceased", "shared")
"""The counts of a linked list, in the order they are shown."""


@dataclass(frozen=True)
class LinkOutcome:
    """A linked list: final links, the review queue (as written) and where they were written."""

    release: str
    links: pa.Table
    queue: pa.Table
    folder: Path
    parameters: dict[str, Any] = field(compare=False)
    result: LinkResult = field(compare=False, repr=False)

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.result.findings

    def to_arrow(self) -> pa.Table:
        """Return one record per list row: record, person_id, match_probability, method."""
        return self.links.select(list(CONTRACT_COLUMNS))

    def to_json(self) -> list[dict[str, Any]]:
        return records(self.to_arrow())

    def counts(self) -> dict[str, int]:
        """Return list rows by method and flagged rows (deceased, shared), and all rows."""
        methods = self.links.column("method").to_pylist()
        out: dict[str, int] = {m: methods.count(m) for m in METHODS}
        out["deceased"] = sum(bool(v) for v in self.links.column("deceased").to_pylist())
        out["shared"] = sum(bool(v) for v in self.links.column("shared").to_pylist())
        out["rows"] = self.links.num_rows
        return out


def _read_list(engine: eng.Engine, path: Path) -> Table:
    """Return the list as an all-text table with ``record`` (the data row number if absent)."""
    from rpkd import inputs

    if not path.is_file():
        raise InvalidInput("link_list_missing", param="list", file=str(path))
    read = inputs.read(path, required=("name",))
    # Handed over as Arrow, not as a path: a cluster's executors or a Spark Connect server
    # cannot read this machine's files.
    table = eng.table(engine, read.table)
    row = table._row.cast("string")
    record = table.record.cast("string").fill_null(row) if "record" in table.columns else row
    numbered = table.mutate(record=record)
    return eng.materialise(engine, numbered, f"rpkd_link_rows_{read.layout.sha256[:12]}")


def _queue_field(column: str) -> str | None:
    """Return the personal-data field of a review-queue column (``list_nik`` -> ``nik``)."""
    side, _, kind = column.partition("_")
    return kind if side in ("list", "registry") and kind in PII_FIELDS else None


def _standardised_registry(
    engine: eng.Engine, release: Release, rules: Rules, base: Path | None
) -> Table:
    """Return the release's persons standardised, cached as Parquet beside the release.

    The registry side does not depend on the list, so every list of the same release reuses
    it; the file name carries the birth-date rules and rpkd version that produced it.
    """
    stem = f"registry-{digest({'rules': rules.__dict__, 'rpkd': version('rpkd')})}.parquet"

    def build() -> Table:
        persons = eng.table(engine, release.path_of("persons"))
        families = eng.table(engine, release.path_of("families"))
        return standardise_registry(engine, persons, families, rules)

    return stored(engine, base / stem if base is not None else None, build)[0]


def _write_queue(queue: pa.Table, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(queue.column_names)
        for row in queue.to_pylist():
            writer.writerow(neutralise_row("" if v is None else v for v in row.values()))


def _decisions(path: Path) -> list[dict[str, str | None]]:
    """Return the data rows of the clerk's edited review file (CSV or XLSX, read by inputs)."""
    from rpkd import inputs

    if not path.is_file():
        raise InvalidInput("link_decisions_missing", param="decisions", file=str(path))
    table = inputs.read(path, required=("record", "person_id", "decision")).table
    rows: list[dict[str, str | None]] = table.drop_columns(["_row"]).to_pylist()
    return rows


def _thresholds(doc: Any, upper: float | None, lower: float | None) -> Thresholds:
    for name, value in (("upper", upper), ("lower", lower)):
        if value is not None and not 0.0 < value < 1.0:
            raise UsageError("link_threshold_range", param=name, name=name, value=value)
    defaults = doc.get("thresholds", {})
    return Thresholds(
        upper=float(upper if upper is not None else defaults.get("upper", Thresholds.upper)),
        lower=float(lower if lower is not None else defaults.get("lower", Thresholds.lower)),
    )


@gate.personal_data("link.review")
def link_list(
    ws: Workspace,
    list_path: Path,
    release_name: str,
    *,
    upper: float | None = None,
    lower: float | None = None,
    decisions: Path | None = None,
    unmask: bool = False,
) -> LinkOutcome:
    """Link the list at ``list_path`` to the persons of release ``release_name``.

    Thresholds default to the kit's ``linkage`` document (a workspace copy wins); ``decisions``
    is a review file (as written by an earlier run) with the clerk's ``decision`` column
    filled. The review file is masked unless ``unmask`` (which needs ``personal_data.read``).
    Decisions analysts took on the review page for a list of the same name (file stem) are
    honoured first (:func:`rpkd.linkage.decisions.honour`: accepted pairs match, rejected ones
    do not); a decisions file given here then wins over them.
    """
    doc = ws.kit.document("linkage")
    thresholds = _thresholds(doc, upper, lower)
    release = open_release(ws.path, release_name)
    scopes = [Scope(region=release.region)]
    gate.authorise_records(ws, scopes, unmask=unmask)
    model_settings = ModelSettings.from_params(doc)
    rules = rules_from(doc)
    engine = ws.engine
    rows = _read_list(engine, list_path)
    persons = eng.table(engine, release.path_of("persons"))
    families = eng.table(engine, release.path_of("families"))
    try:
        cache: Path | None = output_folder(ws, release, "linkage")
    except InvalidInput:
        cache = None
    list_sha256 = sha256(list_path)

    def linked() -> LinkResult:
        return link(
            engine,
            standardise_list(engine, rows, rules),
            _standardised_registry(engine, release, rules, cache),
            thresholds=thresholds,
            settings=model_settings,
        )

    key = {"release": release_digest(release), "list_sha256": list_sha256,
           "engine": engine.name, "upper": thresholds.upper, "lower": thresholds.lower,
           "model_settings": model_settings.__dict__, "birth_date_rules": rules.__dict__,
           "rpkd": version("rpkd")}  # fmt: skip
    result = _kept_result(cache / f"run-{digest(key)}" if cache else None, linked)
    home = families.select("family_id", "kk_number", "desa_code")
    registry = persons.drop(*[c for c in ("kk_number", "desa_code") if c in persons.columns])
    registry = registry.left_join(home, registry.family_id == home.family_id)
    queue = review_queue(engine, result.candidates, rows, registry)
    with ws.transaction() as db:
        kept = link_decisions.of_list(db, list_path.stem)
    links = link_decisions.honour(result.links, kept, queue) if kept else result.links
    if decisions is not None:
        links = apply_decisions(links, read_decisions(_decisions(decisions), queue), queue)
    parameters = _parameters(release, list_path, list_sha256, thresholds, model_settings, rules,
                             decisions, result)  # fmt: skip
    parameters["stored_decisions"] = digest(
        {"decisions": [(d.record, d.person_id, d.decision) for d in kept]}
    )
    name = f"{list_path.stem}-{digest(parameters)}"
    # Written into a hidden sibling and renamed into place, so that a killed run leaves no
    # half-written run folder (only a `.tmp-*` one, removed by the next run).
    staging = output_folder(ws, release, f"links/{staging_name(name)}")
    clean_stale(staging.parent)
    shown = queue if unmask else masking.mask_table(queue, field=_queue_field)
    pq.write_table(links, staging / "links.parquet", compression="zstd")
    # The queue as the review page reads it, unmasked like the release it was built from
    # (personal data at the release's protection level; the page masks and audits it).
    pq.write_table(queue, staging / QUEUE_FILE, compression="zstd")
    _write_queue(shown, staging / "review.csv")
    gate.audit_records(ws, "link.review", release=release.name, scopes=scopes,
                       records=shown.num_rows, unmask=unmask,
                       parameters={"list": list_path.name})  # fmt: skip
    (staging / "parameters.json").write_text(
        json.dumps(parameters, indent=2, default=str), encoding="utf-8"
    )
    (staging / "model.json").write_text(json.dumps(result.model, indent=2), encoding="utf-8")
    folder = publish(staging, staging.parent / name)
    return LinkOutcome(release.name, links, shown, folder, parameters, result)


def _kept_result(folder: Path | None, build: Callable[[], LinkResult]) -> LinkResult:
    """Return the link result kept in ``folder``, computing and keeping ``build()`` if absent.

    A link run is a function of the release (its manifest's digest), the list's bytes, the
    thresholds, the model settings, the birth-date rules, rpkd's version and the engine
    (Splink's sampling and EM are seeded), which ``folder``'s name digests; it lies beside the
    release, so linking an unchanged list again (``rpkd demo`` run twice, a list relinked after
    review) skips the fit. The clerk's decisions are applied to the result afterwards, so they
    are not in the key. Written whole into a hidden folder and renamed into place
    (:func:`publish`); a kept result that another run is replacing at that moment is made again.
    """
    if folder is None:
        return build()
    try:
        findings = json.loads((folder / "findings.json").read_text(encoding="utf-8"))
        return LinkResult(
            pq.read_table(folder / "links.parquet"),
            pq.read_table(folder / "candidates.parquet"),
            Thresholds(**findings["thresholds"]),
            ModelSettings(**findings["model_settings"]),
            json.loads((folder / "model.json").read_text(encoding="utf-8")),
            tuple(Finding(**f) for f in findings["findings"]),
        )
    except OSError:  # not kept yet (or being replaced)
        pass
    result = build()
    clean_stale(folder.parent)
    staging = folder.with_name(staging_name(folder.name))
    staging.mkdir()
    pq.write_table(result.links, staging / "links.parquet", compression="zstd")
    pq.write_table(result.candidates, staging / "candidates.parquet", compression="zstd")
    (staging / "model.json").write_text(json.dumps(result.model, indent=2), encoding="utf-8")
    kept = {
        "thresholds": result.thresholds.__dict__,
        "model_settings": result.settings.__dict__,
        "findings": [f.to_json() for f in result.findings],
    }
    (staging / "findings.json").write_text(json.dumps(kept, indent=2), encoding="utf-8")
    publish(staging, folder)
    return result


def _parameters(
    release: Release,
    list_path: Path,
    list_sha256: str,
    thresholds: Thresholds,
    model_settings: ModelSettings,
    rules: Rules,
    decisions: Path | None,
    result: LinkResult,
) -> dict[str, Any]:
    """Return what produced the links (their folder's tag is a digest of it)."""
    return {
        "release": release.name,
        "list": list_path.name,
        "list_sha256": list_sha256,
        "upper": thresholds.upper,
        "lower": thresholds.lower,
        "model_settings": model_settings.__dict__,
        "birth_date_rules": rules.__dict__,
        "decisions_sha256": sha256(decisions) if decisions is not None else None,
        "findings": [f.to_json() for f in result.findings],
        "rpkd_version": version("rpkd"),
    }
