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
    from rpkd.workflows.access import (
        add_user,
        change_password,
        first_admin,
        issue_token,
        list_audit,
        list_users,
        session_actor,
        sign_in,
        sign_out,
        token_actor,
    )
    from rpkd.workflows.accuracy import accuracy_report
    from rpkd.workflows.area_profile import poverty_profile
    from rpkd.workflows.comparison import compare_releases
    from rpkd.workflows.convergence import convergence_report, verification_lists
    from rpkd.workflows.demo import run_demo
    from rpkd.workflows.districts import district
    from rpkd.workflows.documents import make_report
    from rpkd.workflows.estimates import (
        fay_herriot_areas,
        multidimensional_poverty,
        survey_estimate,
    )
    from rpkd.workflows.families import families_of_desa
    from rpkd.workflows.jobs import (
        Upload,
        import_job,
        import_job_report,
        list_import_jobs,
        recover_import_jobs,
        start_import,
        upload_form,
        wait_import_job,
    )
    from rpkd.workflows.link import link_list
    from rpkd.workflows.monitoring import evaluate, monitor
    from rpkd.workflows.overview import dashboard
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
    from rpkd.workflows.scenarios import (
        compare_scenarios,
        list_scenarios,
        optimise_budget,
        run_scenario,
        save_scenario,
    )
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
    "compare_releases": "comparison",
    # release uploads imported in the background
    "Upload": "jobs",
    "upload_form": "jobs",
    "start_import": "jobs",
    "import_job": "jobs",
    "wait_import_job": "jobs",
    "list_import_jobs": "jobs",
    "import_job_report": "jobs",
    "recover_import_jobs": "jobs",
    # measurement
    "survey_estimate": "estimates",
    "multidimensional_poverty": "estimates",
    "fay_herriot_areas": "estimates",
    "poverty_figures": "poverty",
    "map_release": "sae",
    "profile_release": "profile",
    "dashboard": "overview",
    "poverty_profile": "area_profile",
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
    "families_of_desa": "families",
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
    # scenarios and the budget optimiser
    "run_scenario": "scenarios",
    "compare_scenarios": "scenarios",
    "optimise_budget": "scenarios",
    "save_scenario": "scenarios",
    "list_scenarios": "scenarios",
    # the district's documents
    "make_report": "documents",
    # users and audit
    "add_user": "access",
    "list_users": "access",
    "list_audit": "access",
    "sign_in": "access",
    "sign_out": "access",
    "session_actor": "access",
    "issue_token": "access",
    "token_actor": "access",
    "change_password": "access",
    "first_admin": "access",
    # the district a workspace serves
    "district": "districts",
    # synthetic data and the demo
    "synthesize_district": "synth",
    "run_demo": "demo",
}

__all__ = [
    "Actor",
    "Upload",
    "Workspace",
    "accuracy_report",
    "action_plan",
    "add_realisation",
    "add_user",
    "change_password",
    "compare_releases",
    "compare_scenarios",
    "convergence_report",
    "dashboard",
    "derived_columns",
    "diff_releases",
    "district",
    "eligibility_report",
    "eligibility_view",
    "evaluate",
    "export_plan",
    "families_of_desa",
    "fay_herriot_areas",
    "first_admin",
    "import_job",
    "import_job_report",
    "import_plan",
    "import_realisations",
    "import_release",
    "init_plan",
    "issue_token",
    "link_list",
    "list_audit",
    "list_import_jobs",
    "list_realisations",
    "list_releases",
    "list_scenarios",
    "list_users",
    "make_report",
    "map_release",
    "monitor",
    "multidimensional_poverty",
    "optimise_budget",
    "poverty_figures",
    "poverty_profile",
    "profile_release",
    "programme_catalogue",
    "ranking_report",
    "recover_import_jobs",
    "reject_realisation",
    "run_demo",
    "run_scenario",
    "save_scenario",
    "session_actor",
    "show_release",
    "sign_in",
    "sign_out",
    "start_import",
    "store_family_summary",
    "survey_estimate",
    "synthesize_district",
    "token_actor",
    "upload_form",
    "verification_lists",
    "verify_realisation",
    "wait_import_job",
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
