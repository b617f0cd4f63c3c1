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
    from rpkd.workflows.area_priority import area_priorities
    from rpkd.workflows.area_profile import poverty_profile
    from rpkd.workflows.audit_chain import verify_audit
    from rpkd.workflows.backups import backup_workspace, restore_workspace
    from rpkd.workflows.comparison import compare_releases
    from rpkd.workflows.convergence import convergence_report, verification_lists
    from rpkd.workflows.corrections import desa_choices, export_corrections, take_up_release
    from rpkd.workflows.demo import run_demo
    from rpkd.workflows.districts import district
    from rpkd.workflows.documents import make_report
    from rpkd.workflows.estimates import (
        fay_herriot_areas,
        multidimensional_poverty,
        survey_estimate,
    )
    from rpkd.workflows.evaluation_page import evaluation_view
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
    from rpkd.workflows.link_review import decide_link, link_queue, link_runs
    from rpkd.workflows.meetings import (
        add_agenda,
        add_attendee,
        add_decision,
        create_meeting,
        follow_up_decision,
        list_meetings,
        meeting_view,
        rakor_pack,
    )
    from rpkd.workflows.monitoring import evaluate, monitor
    from rpkd.workflows.notifications import notifications_for
    from rpkd.workflows.overview import dashboard
    from rpkd.workflows.partners import (
        budget_by_source,
        partner_desk,
        register_commitment,
        report_commitment,
        review_commitment_report,
    )
    from rpkd.workflows.performance_view import performance_trend
    from rpkd.workflows.plan import action_plan, export_plan, import_plan, init_plan
    from rpkd.workflows.plan_edit import (
        activity_form,
        browse_plan,
        plan_year,
        remove_activity,
        save_activity,
        save_targets,
        targets_form,
    )
    from rpkd.workflows.poverty import poverty_figures
    from rpkd.workflows.priority import priority_areas
    from rpkd.workflows.profile import profile_release, store_family_summary
    from rpkd.workflows.realisation_work import (
        realisation_desk,
        realisation_evidence_file,
        submit_realisation,
    )
    from rpkd.workflows.realisations import (
        add_realisation,
        import_realisations,
        list_realisations,
        reject_realisation,
        verify_realisation,
    )
    from rpkd.workflows.releases import diff_releases, import_release, list_releases, show_release
    from rpkd.workflows.rules import (
        effective_catalogue,
        preview_rule,
        rule_history,
        rule_list,
        save_rule,
    )
    from rpkd.workflows.sae import map_release
    from rpkd.workflows.scenario_forms import save_scenario_draft, scenario_form
    from rpkd.workflows.scenarios import (
        compare_scenarios,
        list_scenarios,
        optimise_budget,
        run_scenario,
        save_scenario,
        save_scenario_text,
    )
    from rpkd.workflows.synth import synthesize_district
    from rpkd.workflows.targeting import (
        derived_columns,
        eligibility_report,
        eligibility_view,
        programme_catalogue,
        ranking_report,
    )
    from rpkd.workflows.targeting_view import (
        coverage_matrix,
        district_accuracy,
        left_out_families,
    )
    from rpkd.workflows.usulan import (
        list_proposals,
        object_to_family,
        propose_family,
        review_proposal,
        show_proposal,
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
    "priority_areas": "priority",
    "profile_release": "profile",
    "dashboard": "overview",
    "poverty_profile": "area_profile",
    "area_priorities": "area_priority",
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
    "coverage_matrix": "targeting_view",
    "district_accuracy": "targeting_view",
    "left_out_families": "targeting_view",
    "effective_catalogue": "rules",
    "rule_list": "rules",
    "rule_history": "rules",
    "preview_rule": "rules",
    "save_rule": "rules",
    "link_runs": "link_review",
    "link_queue": "link_review",
    "decide_link": "link_review",
    # the desa verification loop (usulan and sanggahan)
    "object_to_family": "usulan",
    "propose_family": "usulan",
    "list_proposals": "usulan",
    "show_proposal": "usulan",
    "review_proposal": "usulan",
    "desa_choices": "corrections",
    "export_corrections": "corrections",
    "take_up_release": "corrections",
    # plan and monitoring
    "init_plan": "plan",
    "export_plan": "plan",
    "import_plan": "plan",
    "action_plan": "plan",
    # the plan in the browser and the coordination meetings (rakor)
    "browse_plan": "plan_edit",
    "plan_year": "plan_edit",
    "activity_form": "plan_edit",
    "targets_form": "plan_edit",
    "save_activity": "plan_edit",
    "remove_activity": "plan_edit",
    "save_targets": "plan_edit",
    "list_meetings": "meetings",
    "meeting_view": "meetings",
    "create_meeting": "meetings",
    "add_agenda": "meetings",
    "add_attendee": "meetings",
    "add_decision": "meetings",
    "follow_up_decision": "meetings",
    "rakor_pack": "meetings",
    "add_realisation": "realisations",
    "import_realisations": "realisations",
    "verify_realisation": "realisations",
    "reject_realisation": "realisations",
    "list_realisations": "realisations",
    "monitor": "monitoring",
    "evaluate": "monitoring",
    # quarterly realisations, partners, performance and notifications in the browser
    "realisation_desk": "realisation_work",
    "submit_realisation": "realisation_work",
    "realisation_evidence_file": "realisation_work",
    "partner_desk": "partners",
    "register_commitment": "partners",
    "report_commitment": "partners",
    "review_commitment_report": "partners",
    "budget_by_source": "partners",
    "performance_trend": "performance_view",
    "evaluation_view": "evaluation_page",
    "notifications_for": "notifications",
    # scenarios and the budget optimiser
    "run_scenario": "scenarios",
    "compare_scenarios": "scenarios",
    "optimise_budget": "scenarios",
    "save_scenario": "scenarios",
    "save_scenario_text": "scenarios",
    "list_scenarios": "scenarios",
    "save_scenario_draft": "scenario_forms",
    "scenario_form": "scenario_forms",
    # the district's documents
    "make_report": "documents",
    # users and audit
    "add_user": "access",
    "list_users": "access",
    "list_audit": "access",
    "verify_audit": "audit_chain",
    "backup_workspace": "backups",
    "restore_workspace": "backups",
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
    "activity_form",
    "add_agenda",
    "add_attendee",
    "add_decision",
    "add_realisation",
    "add_user",
    "area_priorities",
    "backup_workspace",
    "browse_plan",
    "budget_by_source",
    "change_password",
    "compare_releases",
    "compare_scenarios",
    "convergence_report",
    "coverage_matrix",
    "create_meeting",
    "dashboard",
    "decide_link",
    "derived_columns",
    "desa_choices",
    "diff_releases",
    "district",
    "district_accuracy",
    "effective_catalogue",
    "eligibility_report",
    "eligibility_view",
    "evaluate",
    "evaluation_view",
    "export_corrections",
    "export_plan",
    "families_of_desa",
    "fay_herriot_areas",
    "first_admin",
    "follow_up_decision",
    "import_job",
    "import_job_report",
    "import_plan",
    "import_realisations",
    "import_release",
    "init_plan",
    "issue_token",
    "left_out_families",
    "link_list",
    "link_queue",
    "link_runs",
    "list_audit",
    "list_import_jobs",
    "list_meetings",
    "list_proposals",
    "list_realisations",
    "list_releases",
    "list_scenarios",
    "list_users",
    "make_report",
    "map_release",
    "meeting_view",
    "monitor",
    "multidimensional_poverty",
    "notifications_for",
    "object_to_family",
    "optimise_budget",
    "partner_desk",
    "performance_trend",
    "plan_year",
    "poverty_figures",
    "poverty_profile",
    "preview_rule",
    "priority_areas",
    "profile_release",
    "programme_catalogue",
    "propose_family",
    "rakor_pack",
    "ranking_report",
    "realisation_desk",
    "realisation_evidence_file",
    "recover_import_jobs",
    "register_commitment",
    "reject_realisation",
    "remove_activity",
    "report_commitment",
    "restore_workspace",
    "review_commitment_report",
    "review_proposal",
    "rule_history",
    "rule_list",
    "run_demo",
    "run_scenario",
    "save_activity",
    "save_rule",
    "save_scenario",
    "save_scenario_draft",
    "save_scenario_text",
    "save_targets",
    "scenario_form",
    "session_actor",
    "show_proposal",
    "show_release",
    "sign_in",
    "sign_out",
    "start_import",
    "store_family_summary",
    "submit_realisation",
    "survey_estimate",
    "synthesize_district",
    "take_up_release",
    "targets_form",
    "token_actor",
    "upload_form",
    "verification_lists",
    "verify_audit",
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
