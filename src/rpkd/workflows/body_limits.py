"""How large a request to the web app may be, by the kind of form it carries.

A request larger than its limit is refused as it arrives (:mod:`rpkd.web.limits`: 413, nothing
stored), before a byte of it reaches a workflow; the workflows then check each file against its
own limit (a release upload against ``upload_max_mb``, an evidence file against the kit's
``monitoring`` rules). The limits come from the workspace settings:

==================  ==========================================  ==========================
form                limit                                       setting
==================  ==========================================  ==========================
release upload      ``upload_max_mb`` (512 MB)                  ``upload_max_mb``
realisation or      5 evidence files of the kit's largest       kit ``monitoring``
partner report      size (10 MB)
usulan, sanggahan   5 evidence files of ``evidence_max_mb``     ``evidence_max_mb``
plan matrices XLSX  ``plan_import_max_mb`` (16 MB)              ``plan_import_max_mb``
any other form      ``form_max_mb`` (2 MB)                      ``form_max_mb``
==================  ==========================================  ==========================

Each limit has one megabyte more for the form's own fields and multipart framing.
"""

from __future__ import annotations

from dataclasses import dataclass

from rpkd.workflows.workspace import Workspace

MB = 1 << 20
SLACK = MB
"""Room for a form's fields and multipart framing above the files it carries."""


@dataclass(frozen=True)
class BodyLimits:
    """The largest request body, in bytes, of each kind of form."""

    release: int
    evidence: int
    usulan: int
    plan: int
    form: int

    def to_json(self) -> dict[str, int]:
        return {
            "release": self.release,
            "evidence": self.evidence,
            "usulan": self.usulan,
            "plan": self.plan,
            "form": self.form,
        }


def request_limits(ws: Workspace) -> BodyLimits:
    """Return the request body limits of the web app's forms (settings and kit of ``ws``).

    Raises
    ------
    UsageError
        ``setting_not_positive`` for a limit setting that is not a positive whole number.
    """
    from rpkd.workflows.jobs import _positive
    from rpkd.workflows.realisation_work import MAX_FILES, evidence_limits
    from rpkd.workflows.usulan import _limit

    return BodyLimits(
        release=_positive(ws, "upload_max_mb", 512) * MB + SLACK,
        evidence=MAX_FILES * evidence_limits(ws).max_bytes + SLACK,
        usulan=MAX_FILES * _limit(ws) + SLACK,
        plan=_positive(ws, "plan_import_max_mb", 16) * MB + SLACK,
        form=_positive(ws, "form_max_mb", 2) * MB,
    )
