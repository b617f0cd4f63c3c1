"""Edit one item of a plan from a form: an activity (with its budget) or an indicator's targets.

A form's values are text, read with the XLSX import's own reader
(:class:`rpkd.planning.matrix_import.CellReader`: required cells, numbers, years), and the edited
plan is checked with :func:`rpkd.planning.model.validate`, so an edit in the browser follows the
same rules as an import of the matrices. Every finding names the form field it is about
(``field``: ``name``, ``budget:apbd:2026``, ``target:2027``); a finding that no field of the
form holds is named ``form``. The functions are pure: they return a new :class:`Plan` or the
findings, and the caller saves (:func:`rpkd.planning.store.save_plan`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from rpkd.errors import NotFound
from rpkd.findings import Finding, errors
from rpkd.inputs import typed
from rpkd.locale import Lang
from rpkd.planning.matrix_import import Cell, CellReader
from rpkd.planning.model import (
    FUNDING_SOURCES,
    Activity,
    Budget,
    Indicator,
    Plan,
    validate,
)

ACTIVITY_FIELDS = (
    "programme",
    "code",
    "name",
    "agency",
    "target_group",
    "regions",
    "partners",
    "release",
    "release_filter",
)
"""The text fields of the activity form (budget fields are ``budget:<source>:<year>``)."""

FORM = "form"
"""The field of a finding that is about the item as a whole."""


@dataclass(frozen=True)
class Edited:
    """A plan after one edit, or the findings that refuse it (``plan`` is None then)."""

    plan: Plan | None
    findings: tuple[Finding, ...]


def budget_field(source: str, year: int) -> str:
    """Return the form field of the budget of ``source`` in ``year`` (``budget:apbd:2026``)."""
    return f"budget:{source}:{year}"


def target_field(year: int) -> str:
    """Return the form field of the target of ``year`` (``target:2026``)."""
    return f"target:{year}"


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.replace(";", ",").split(",") if part.strip())


def _reader(values: Mapping[str, str], lang: Lang) -> tuple[CellReader, Callable[[str], Cell]]:
    reader = CellReader(lang)

    def cell(key: str) -> Cell:
        value = values.get(key)
        if isinstance(value, str):
            value = typed.clean(value)
            if typed.has_control(value, lines=False):
                reader.findings.append(Finding("form_text_control", "error", {}, field=key))
            elif len(value) > typed.NOTE_LIMIT:
                limit = {"limit": typed.NOTE_LIMIT}
                reader.findings.append(Finding("form_text_long", "error", limit, field=key))
        return Cell("", 0, key, value)

    return reader, cell


def _labelled(found: Sequence[Finding], labels: Mapping[str, str]) -> tuple[Finding, ...]:
    """Return the reader's findings with the field's label (as the form shows it) as the
    ``field`` parameter of the sentence, the form field's key kept as the location."""
    return tuple(
        replace(f, params={**f.params, "field": labels.get(f.field or "", f.field)}, sheet=None)
        for f in found
    )


def _form_field(finding: Finding, kind: str, code: str, fields: Mapping[str, str]) -> Finding:
    """Return a finding of :func:`validate` located at the form field it is about."""
    where = finding.field or ""
    prefix = f"{kind}[{code}]."
    name = FORM
    if where.startswith(prefix):
        name = fields.get(where[len(prefix) :], FORM)
    elif where == f"{kind}.code" and finding.value == code:
        name = "code"
    return replace(finding, field=name)


def _checked(plan: Plan, kind: str, code: str, fields: Mapping[str, str]) -> Edited:
    found = errors(validate(plan))
    if found:
        return Edited(None, tuple(_form_field(f, kind, code, fields) for f in found))
    return Edited(plan, ())


def read_activity(
    plan: Plan, values: Mapping[str, str], labels: Mapping[str, str], lang: Lang
) -> tuple[str, Activity | None, tuple[Finding, ...]]:
    """Return the programme code and the activity of an activity form, or its findings.

    ``labels`` maps each field to its label as the form shows it (the findings' sentences name
    it). Budget cells are ``budget:<source>:<year>`` for every year of the plan.
    """
    reader, cell = _reader(values, lang)
    programme = reader.text(cell("programme"), required=True)
    code = reader.text(cell("code"), required=True)
    name = reader.text(cell("name"), required=True)
    agency = reader.text(cell("agency"), required=True)
    budgets = []
    for source in FUNDING_SOURCES:
        for year in plan.years:
            amount = reader.number(cell(budget_field(source, year)))
            if amount is not None:
                budgets.append(Budget(year, source, amount))
    if programme and programme not in {p.code for p in plan.programmes}:
        reader.findings.append(
            Finding(
                "plan_reference", "error", {"code": programme}, field="programme", value=programme
            )
        )
    found = _labelled(reader.findings, labels)
    if found:
        return programme, None, found
    activity = Activity(
        code=code,
        name=name,
        agency=agency,
        target_group=reader.text(cell("target_group")),
        regions=_split(reader.text(cell("regions"))),
        release=reader.text(cell("release")) or None,
        release_filter=reader.text(cell("release_filter")) or None,
        partners=_split(reader.text(cell("partners"))),
        budgets=tuple(budgets),
    )
    return programme, activity, ()


_ACTIVITY_PLACES = {
    "agency": "agency",
    "regions": "regions",
    "partners": "partners",
    "release": "release",
    "budget": FORM,
}


def put_activity(plan: Plan, programme: str, activity: Activity, *, new: bool) -> Edited:
    """Return ``plan`` with ``activity`` in ``programme`` (replacing the activity of the same
    code, in its place, unless ``new``: a new activity goes last, and a code already used is a
    ``plan_duplicate`` finding), checked by :func:`validate`."""
    programmes = []
    for item in plan.programmes:
        kept = [a for a in item.activities if new or a.code != activity.code]
        if item.code == programme:
            place = next(
                (i for i, a in enumerate(item.activities) if a.code == activity.code and not new),
                len(kept),
            )
            kept.insert(place, activity)
        programmes.append(replace(item, activities=tuple(kept)))
    edited = replace(plan, programmes=tuple(programmes))
    return _checked(edited, "activity", activity.code, _ACTIVITY_PLACES)


def activity_of(plan: Plan, code: str) -> tuple[str, Activity]:
    """Return the programme code and the activity ``code``; raise ``plan_activity_unknown``."""
    for programme, activity in plan.activities():
        if activity.code == code:
            return programme.code, activity
    raise NotFound("plan_activity_unknown", param="activity", code=code, plan=plan.name)


def indicator_of(plan: Plan, code: str) -> Indicator:
    """Return the indicator ``code``; raise ``plan_indicator_unknown``."""
    for indicator in plan.indicators:
        if indicator.code == code:
            return indicator
    raise NotFound("plan_indicator_unknown", param="indicator", code=code, plan=plan.name)


def drop_activity(plan: Plan, code: str) -> Edited:
    """Return ``plan`` without the activity ``code``, checked by :func:`validate` (an
    indicator or a commitment that names it refuses the removal)."""
    activity_of(plan, code)
    programmes = tuple(
        replace(p, activities=tuple(a for a in p.activities if a.code != code))
        for p in plan.programmes
    )
    return _checked(replace(plan, programmes=programmes), "activity", code, {})


def read_targets(
    plan: Plan, code: str, values: Mapping[str, str], labels: Mapping[str, str], lang: Lang
) -> Edited:
    """Return ``plan`` with the baseline and yearly targets of indicator ``code`` from a form
    (``baseline_year``, ``baseline_value``, ``target:<year>``; an empty target removes the
    year's target), or the findings."""
    indicator = indicator_of(plan, code)
    reader, cell = _reader(values, lang)
    baseline_year = reader.year(cell("baseline_year"))
    baseline_value = reader.number(cell("baseline_value"))
    targets = tuple(
        (year, value)
        for year in plan.years
        if (value := reader.number(cell(target_field(year)))) is not None
    )
    found = _labelled(reader.findings, labels)
    if found:
        return Edited(None, found)
    changed = replace(
        indicator, baseline_year=baseline_year, baseline_value=baseline_value, targets=targets
    )
    indicators = tuple(changed if i.code == code else i for i in plan.indicators)
    edited = replace(plan, indicators=indicators)
    return _checked(edited, "indicator", code, {"targets": FORM})


def _text(value: float | int | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def activity_values(plan: Plan, code: str | None) -> dict[str, str]:
    """Return the activity form's values of activity ``code`` (empty for a new activity)."""
    values = dict.fromkeys(ACTIVITY_FIELDS, "")
    if code is None:
        return values
    programme, activity = activity_of(plan, code)
    values.update(
        programme=programme,
        code=activity.code,
        name=activity.name,
        agency=activity.agency,
        target_group=activity.target_group,
        regions=", ".join(activity.regions),
        partners=", ".join(activity.partners),
        release=activity.release or "",
        release_filter=activity.release_filter or "",
    )
    for year in plan.years:
        for source, amount in activity.budget(year).items():
            values[budget_field(source, year)] = _text(amount)
    return values


def target_values(plan: Plan, code: str) -> dict[str, str]:
    """Return the targets form's values of indicator ``code``."""
    indicator = indicator_of(plan, code)
    values = {
        "baseline_year": _text(indicator.baseline_year),
        "baseline_value": _text(indicator.baseline_value),
    }
    for year in plan.years:
        values[target_field(year)] = _text(indicator.target(year))
    return values
