"""The one door in: every use case of rpkd, the Python API the CLI and the web app call.

Open a :class:`Workspace` and call the functions below; each checks the acting user's
permission, audits what it must, and returns a frozen result with ``to_arrow()`` and a JSON-ready
``to_json()`` (see ``docs/api.md``)::

    from rpkd.workflows import Workspace, import_release, poverty_figures

    with Workspace.open("rpkd-workspace") as ws:
        import_release(ws, "source", "dtsen-2025q3")
        figures = poverty_figures(ws, "dtsen-2025q3")

Names are loaded on first use, so ``import rpkd.workflows`` stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rpkd.workflows.access import add_user, list_audit, list_users
    from rpkd.workflows.accuracy import accuracy_report
    from rpkd.workflows.convergence import convergence_report, verification_lists
    from rpkd.workflows.demo import run_demo
    from rpkd.workflows.estimates import (
        fay_herriot_areas,
        multidimensional_poverty,
        survey_estimate,
    )
    from rpkd.workflows.link import link_list
    from rpkd.workflows.monitoring import evaluate, monitor
    from rpkd.workflows.plan import action_plan, export_plan, import_plan, init_plan
    from rpkd.workflows.poverty import poverty_figures
    from rpkd.workflows.profile import profile_release, store_family_summary
    from rpkd.workflows.realisations import (
        add_realisation,
        import_realisations,
        list_realisations,
        reject_realisation,
        verify_realisation,
    )
    from rpkd.workflows.releases import diff_releases, import_release, list_releases, show_release
    from rpkd.workflows.sae import map_release
    from rpkd.workflows.synth import synthesize_district
    from rpkd.workflows.targeting import (
        derived_columns,
        eligibility_report,
        eligibility_view,
        programme_catalogue,
        ranking_report,
    )
    from rpkd.workflows.workspace import Actor, Workspace


_API: dict[str, str] = {
    "Workspace": "workspace",
    "Actor": "workspace",
    # releases
    "import_release": "releases",
    "list_releases": "releases",
    "show_release": "releases",
    "diff_releases": "releases",
    # measurement
    "survey_estimate": "estimates",
    "multidimensional_poverty": "estimates",
    "fay_herriot_areas": "estimates",
    "poverty_figures": "poverty",
    "map_release": "sae",
    "profile_release": "profile",
    "store_family_summary": "profile",
    # targeting and linkage
    "link_list": "link",
    "ranking_report": "targeting",
    "eligibility_report": "targeting",
    "eligibility_view": "targeting",
    "programme_catalogue": "targeting",
    "derived_columns": "targeting",
    "accuracy_report": "accuracy",
    "convergence_report": "convergence",
    "verification_lists": "convergence",
    # plan and monitoring
    "init_plan": "plan",
    "export_plan": "plan",
    "import_plan": "plan",
    "action_plan": "plan",
    "add_realisation": "realisations",
    "import_realisations": "realisations",
    "verify_realisation": "realisations",
    "reject_realisation": "realisations",
    "list_realisations": "realisations",
    "monitor": "monitoring",
    "evaluate": "monitoring",
    # users and audit
    "add_user": "access",
    "list_users": "access",
    "list_audit": "access",
    # synthetic data and the demo
    "synthesize_district": "synth",
    "run_demo": "demo",
}

__all__ = [
    "Actor",
    "Workspace",
    "accuracy_report",
    "action_plan",
    "add_realisation",
    "add_user",
    "convergence_report",
    "derived_columns",
    "diff_releases",
    "eligibility_report",
    "eligibility_view",
    "evaluate",
    "export_plan",
    "fay_herriot_areas",
    "import_plan",
    "import_realisations",
    "import_release",
    "init_plan",
    "link_list",
    "list_audit",
    "list_realisations",
    "list_releases",
    "list_users",
    "map_release",
    "monitor",
    "multidimensional_poverty",
    "poverty_figures",
    "profile_release",
    "programme_catalogue",
    "ranking_report",
    "reject_realisation",
    "run_demo",
    "show_release",
    "store_family_summary",
    "survey_estimate",
    "synthesize_district",
    "verification_lists",
    "verify_realisation",
]


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'rpkd.workflows' has no attribute {name!r}")
    value = getattr(import_module(f"rpkd.workflows.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))
