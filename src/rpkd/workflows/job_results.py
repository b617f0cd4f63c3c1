"""What the release-upload workflows return (:mod:`rpkd.workflows.jobs`): the upload form's
defaults, an import job with its progress and how it ended, lists of jobs, a findings report.

A job's findings and error are stored as codes and parameters; these values render them in the
reader's language (a finding's field named as the release schema labels it), so any process
answers any language.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pyarrow as pa

from rpkd import locale
from rpkd.findings import Finding
from rpkd.releases.jobs import Job, State
from rpkd.releases.uploads import EXPECTED
from rpkd.workflows.releases import field_label
from rpkd.workflows.results import plain

if TYPE_CHECKING:
    from rpkd.locale import Lang

_STAGES: dict[str, tuple[float, float]] = {
    "import.read": (0.0, 0.45),
    "import.validate": (0.45, 0.85),
    "import.write": (0.85, 0.97),
    "import.summary": (0.97, 1.0),
}
"""Share of the progress bar of each stage of :func:`rpkd.workflows.releases.import_release`
(reading and checking a registry take most of the time)."""


@dataclass(frozen=True)
class UploadForm:
    """What the upload form offers the actor: the default region, the limits, the file kinds."""

    region: str | None
    max_bytes: int
    max_unpacked_bytes: int
    expected: str = EXPECTED

    def to_json(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "max_bytes": self.max_bytes,
            "max_unpacked_bytes": self.max_unpacked_bytes,
            "expected": self.expected,
        }

    def to_arrow(self) -> pa.Table:
        return pa.Table.from_pylist([self.to_json()])


def _kind_of(file: str | None) -> str:
    stem = (file or "").rsplit(".", 1)[0]
    return "beneficiaries" if stem.startswith("beneficiaries_") else stem


def _finding_message(finding: Finding, lang: Lang) -> str:
    """Return a finding's sentence with its field named as the release schema labels it."""
    values = dict(finding.params)
    values.setdefault("field", field_label(_kind_of(finding.file), finding.field, lang))
    return locale.message(finding.code, lang, **values)


@dataclass(frozen=True)
class ImportJob:
    """An import job: its state and progress, then the release it made, the findings that
    refused it (at most :data:`PREVIEW`, errors only, personal data masked) or its error."""

    job: Job

    @property
    def id(self) -> str:
        return self.job.id

    @property
    def state(self) -> State:
        return self.job.state

    @property
    def release(self) -> str:
        return self.job.release

    @property
    def finished(self) -> bool:
        return not self.job.active

    @property
    def progress(self) -> float:
        """Share of the work done, 0 to 1 (1 once the job is closed)."""
        if self.finished:
            return 1.0
        start, end = _STAGES.get(self.job.stage or "", (0.0, 0.0))
        share = self.job.done / self.job.total if self.job.total > 0 else 0.0
        return round(start + (end - start) * min(max(share, 0.0), 1.0), 4)

    def stage_label(self, lang: Lang = "id") -> str:
        """Return what the job is doing (or how it ended) in ``lang``."""
        if self.state == "running" and self.job.stage:
            return locale.label(f"progress.{self.job.stage}", lang)
        return locale.label(f"job.state.{self.state}", lang)

    @property
    def files(self) -> tuple[dict[str, Any], ...]:
        return tuple(f for f in self.job.files if "file" in f)

    @property
    def skipped(self) -> tuple[str, ...]:
        return tuple(str(f["skipped"]) for f in self.job.files if "skipped" in f)

    @property
    def errors(self) -> int:
        return int(self.job.result.get("params", {}).get("errors", 0))

    @property
    def warnings(self) -> int:
        return int(self.job.result.get("params", {}).get("warnings", 0))

    @property
    def findings(self) -> tuple[Finding, ...]:
        """The first findings that refused the import (file, row, field, value, code)."""
        return tuple(
            Finding(
                f["code"],
                f["severity"],
                f["params"],
                file=f["file"],
                sheet=f["sheet"],
                row=f["row"],
                field=f["field"],
                value=f["value"],
            )
            for f in self.job.result.get("findings", ())
        )

    @property
    def reports(self) -> tuple[str, ...]:
        """The formats of the findings report a refused job wrote (``csv``, ``xlsx``)."""
        return tuple(Path(p).suffix.lstrip(".") for p in self.job.result.get("report", ()))

    @property
    def rows(self) -> dict[str, int]:
        """Rows per kind of the release a succeeded job made."""
        return dict(self.job.result.get("rows", {}))

    def message(self, lang: Lang = "id") -> str | None:
        """Return how the job ended, in ``lang`` (None while it runs)."""
        result = self.job.result
        if self.state == "succeeded":
            return locale.message(
                "import_job_succeeded", lang, name=self.release, warnings=self.warnings
            )
        if self.state == "refused":
            return locale.message(
                "import_job_refused", lang, errors=self.errors, warnings=self.warnings
            )
        if self.state == "failed":
            return locale.message(
                result.get("code", "import_job_crashed"), lang, **result.get("params", {})
            )
        return None

    def finding_rows(self, lang: Lang = "id") -> list[dict[str, Any]]:
        """Return the refusing findings as rows: file, row, field, value, rule, message."""
        return [
            {
                "file": f.file,
                "row": f.row,
                "field": f.field,
                "value": f.value,
                "rule": f.code,
                "message": _finding_message(f, lang),
            }
            for f in self.findings
        ]

    def to_json(self) -> dict[str, Any]:
        job = self.job
        result = {k: v for k, v in job.result.items() if k != "report"}
        if "report" in job.result:
            result["report"] = [Path(p).name for p in job.result["report"]]
        data: dict[str, Any] = plain(
            {
                "id": job.id,
                "release": job.release,
                "region": job.region,
                "reference_date": job.reference_date,
                "owner": job.owner,
                "state": job.state,
                "stage": job.stage,
                "done": job.done,
                "total": job.total,
                "progress": self.progress,
                "files": list(self.files),
                "skipped": list(self.skipped),
                "created_at": job.created_at,
                "finished_at": job.finished_at,
                "result": result,
            }
        )
        return data

    def to_arrow(self) -> pa.Table:
        keys = ("id", "release", "region", "owner", "state", "progress", "created_at")
        data = self.to_json()
        return pa.Table.from_pylist([{k: data[k] for k in keys}])


@dataclass(frozen=True)
class ImportJobs:
    """The latest import jobs the actor may read, newest first."""

    jobs: tuple[ImportJob, ...]

    def to_json(self) -> list[dict[str, Any]]:
        return [j.to_json() for j in self.jobs]

    def to_arrow(self) -> pa.Table:
        return pa.concat_tables([j.to_arrow() for j in self.jobs]) if self.jobs else pa.table({})


@dataclass(frozen=True)
class ImportReport:
    """The findings report of a refused job, as a file of the workspace."""

    path: Path
    fmt: Literal["csv", "xlsx"]

    @property
    def media_type(self) -> str:
        if self.fmt == "csv":
            return "text/csv; charset=utf-8"
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def to_json(self) -> dict[str, str]:
        return {"file": self.path.name, "format": self.fmt}

    def to_arrow(self) -> pa.Table:
        return pa.Table.from_pylist([self.to_json()])


@dataclass(frozen=True)
class RecoveredJobs:
    """The jobs closed as ``failed`` because their process stopped beating."""

    ids: tuple[str, ...]

    def to_json(self) -> list[str]:
        return list(self.ids)

    def to_arrow(self) -> pa.Table:
        return pa.table({"id": pa.array(self.ids, pa.string())})
