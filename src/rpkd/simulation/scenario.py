"""A scenario as data: programme packages and macro assumptions, parsed from TOML with findings.

A package says who receives (an eligibility rule in the language of :mod:`rpkd.targeting.rules`,
over the registry's documented columns and the catalogue's predicates), what (an amount per
family, per member or per eligible person each month, or a top-up of per-capita consumption to
a level), how much money there is (a yearly cap, or the budget lines of a plan activity), in what
order capped programmes serve (``priority``), how many take it up (``uptake``) and whether the
survey side draws the targeting errors as measured (``measured``) or assumes none
(``perfect``). ``consumption`` is the share of a benefit that raises household consumption (1 for
cash, 0 for a house or an insurance premium). Macro assumptions are the real growth of
per-capita consumption and the inflation of the poverty lines, by year.

Packages may start from the programme catalogue (``programme = "sembako"``: its rule, unit and
name) and the kit's simulation menu (``scenarios`` topic: amounts, months, consumption share);
any field of the scenario wins. Every problem is a :class:`rpkd.findings.Finding` naming the
file, the ``[[programme]]`` table (``row``, 1-based) and the field; errors are raised together as
:class:`rpkd.errors.InvalidInput` ``scenario_invalid``.

References
----------
Bourguignon, F. & Spadaro, A. (2006). Microsimulation as a tool for evaluating redistribution
policies. *J. Econ. Inequality* 4, 77-106. World Bank ADePT Social Protection module (transfer
simulations with uptake and targeting; peers.md §3.1).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from math import isfinite
from typing import Any, Literal, get_args

from rpkd.errors import InvalidInput
from rpkd.findings import Finding, Severity, errors
from rpkd.inputs import typed
from rpkd.targeting.eligibility import Catalogue, Programme
from rpkd.targeting.features import family_columns, person_columns
from rpkd.targeting.rules import Rule, parse_rule

Unit = Literal["family", "person"]
Targeting = Literal["measured", "perfect"]
Level = Literal["poverty", "extreme"]
UNITS: tuple[Unit, ...] = get_args(Unit)
TARGETING: tuple[Targeting, ...] = get_args(Targeting)
LEVELS: tuple[Level, ...] = get_args(Level)
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
PACKAGE_KEYS = frozenset(
    {"code", "name", "programme", "unit", "rule", "amount", "top_up_to", "per_member", "months",
     "consumption", "budget", "activity", "priority", "uptake", "targeting", "years",
     "exclusive_with", "source"}
)  # fmt: skip
"""The keys a ``[[programme]]`` table may hold (docs/scenarios.md documents each)."""
_TOP_KEYS = frozenset({"name", "description", "macro", "programme"})


@dataclass(frozen=True)
class ByYear:
    """A number that may change by year: ``default`` for every year not listed in ``years``.

    Examples
    --------
    >>> ByYear(0.03, ((2027, 0.05),)).at(2026), ByYear(0.03, ((2027, 0.05),)).at(2027)
    (0.03, 0.05)
    """

    default: float | None = None
    years: tuple[tuple[int, float], ...] = ()

    def at(self, year: int) -> float | None:
        """Return the value of ``year`` (None when neither listed nor defaulted)."""
        return dict(self.years).get(year, self.default)


@dataclass(frozen=True)
class Package:
    """One programme of a scenario (see the module docstring for every field)."""

    code: str
    name: str
    unit: Unit
    rule: Rule
    amount: ByYear | None = None
    top_up_to: Level | float | None = None
    per_member: bool = False
    months: int = 12
    consumption: float = 1.0
    budget: ByYear | None = None
    activity: str | None = None
    priority: int = 0
    uptake: float = 1.0
    targeting: Targeting = "measured"
    years: tuple[int, ...] | None = None
    exclusive_with: tuple[str, ...] = ()
    programme: str | None = None

    def active(self, year: int) -> bool:
        """Return whether the package runs in ``year``."""
        return self.years is None or year in self.years

    def monthly_amount(self, year: int) -> float:
        """Return the amount per unit per month in ``year`` (0 for a top-up or no amount)."""
        if self.amount is None:
            return 0.0
        return float(self.amount.at(year) or 0.0)

    def cap(self, year: int) -> float | None:
        """Return the budget cap of ``year`` in rupiah (None: no cap)."""
        return None if self.budget is None else self.budget.at(year)


@dataclass(frozen=True)
class Macro:
    """Real growth of per-capita consumption and inflation of the lines, by year (fractions)."""

    growth: ByYear = ByYear(0.0)
    inflation: ByYear = ByYear(0.0)

    def factors(self, base: int, year: int) -> tuple[float, float]:
        """Return (nominal consumption factor, line factor) from ``base`` to ``year``.

        Growth is distribution-neutral: every household's consumption grows by ``(1 + g)(1 +
        π)`` a year, the lines by ``(1 + π)``.

        Examples
        --------
        >>> Macro(ByYear(0.1), ByYear(0.0)).factors(2025, 2027)
        (1.2100000000000002, 1.0)
        """
        consumption = line = 1.0
        for y in range(base + 1, year + 1):
            g, p = self.growth.at(y) or 0.0, self.inflation.at(y) or 0.0
            line *= 1 + p
            consumption *= (1 + g) * (1 + p)
        return consumption, line


@dataclass(frozen=True)
class Scenario:
    """A named set of packages (in priority order) and macro assumptions, with its warnings."""

    name: str
    packages: tuple[Package, ...]
    macro: Macro = Macro()
    description: str = ""
    findings: tuple[Finding, ...] = field(default=(), compare=False)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.packages)

    def with_budgets(self, budgets: Mapping[str, ByYear]) -> Scenario:
        """Return the scenario with the caps of ``budgets`` (package code -> yearly budget)."""
        packages = tuple(
            replace(p, budget=budgets[p.code]) if p.code in budgets else p for p in self.packages
        )
        return replace(self, packages=packages)

    def catalogue(self, base: Catalogue) -> Catalogue:
        """Return ``base``'s predicates with this scenario's packages as its programmes.

        The targeting engine then evaluates the packages' rules on a registry
        (:func:`rpkd.targeting.eligibility.eligibility`).
        """
        programmes = tuple(
            Programme(p.code, p.name, p.name, "", "", p.unit, p.rule, "scenario", ())
            for p in self.packages
        )
        return replace(base, programmes=programmes, deprivations=())


class _Reader:
    """Collects findings while reading one document, each located at its table row and field."""

    def __init__(self, file: str | None) -> None:
        self.file = file
        self.found: list[Finding] = []

    def add(self, code: str, row: int | None, name: str, value: Any = None, **params: Any) -> None:
        severity: Severity = "warning" if code == "scenario_key_unknown" else "error"
        shown = None if value is None else str(value)
        self.found.append(
            Finding(code, severity, {"field": name, "value": shown or "", **params},
                    file=self.file, row=row, field=name, value=shown)
        )  # fmt: skip

    def text(self, doc: Mapping[str, Any], key: str, row: int | None, *, required: bool) -> str:
        value = doc.get(key)
        if value is None:
            if required:
                self.add("scenario_field_missing", row, key)
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            self.add("scenario_not_text", row, key, value)
            return ""
        text = " ".join(value.split())  # an invisible character stays: a code with one is refused
        limit = typed.LINE_LIMIT if key == "name" else typed.NOTE_LIMIT
        if typed.has_control(text):  # NUL, escape: TOML's "\u0000" or a form's field
            self.add("form_text_control", row, key)
            return ""
        if len(text) > limit:
            self.add("form_text_long", row, key, limit=limit)
            return ""
        return text

    def number(
        self, value: Any, row: int | None, key: str, low: float, high: float | None
    ) -> float | None:
        if isinstance(value, bool) or not isinstance(value, int | float) or not isfinite(value):
            self.add("scenario_not_number", row, key, value)  # TOML also allows inf and nan
            return None
        if not (low <= float(value) and (high is None or float(value) <= high)):
            self.add("scenario_value_range", row, key, value, low=low, high=high or "∞")
            return None
        return float(value)

    def by_year(
        self, value: Any, row: int | None, key: str, low: float, high: float | None = None
    ) -> ByYear | None:
        """Read a number, or a table ``{ 2026 = x, 2027 = y }`` of numbers by year."""
        if not isinstance(value, Mapping):
            number = self.number(value, row, key, low, high)
            return None if number is None else ByYear(number)
        years: list[tuple[int, float]] = []
        for year, item in value.items():
            if not str(year).isdigit() or not 1900 <= int(year) <= 2200:
                self.add("scenario_year_key", row, key, year)
                continue
            number = self.number(item, row, f"{key}.{year}", low, high)
            if number is not None:
                years.append((int(year), number))
        return ByYear(None, tuple(sorted(years)))

    def choice(self, value: Any, row: int | None, key: str, allowed: Sequence[str]) -> str | None:
        if value not in allowed:
            self.add("scenario_choice", row, key, value, allowed=tuple(allowed))
            return None
        return str(value)


def read_scenario(
    text: str,
    *,
    catalogue: Catalogue,
    defaults: Mapping[str, Any],
    file: str | None = None,
) -> Scenario:
    """Return the scenario of a TOML ``text`` (see :func:`parse_scenario`)."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(
            "scenario_toml", param="scenario", file=file or "-", detail=str(exc)
        ) from None
    return parse_scenario(doc, catalogue=catalogue, defaults=defaults, file=file)


def parse_scenario(
    doc: Mapping[str, Any],
    *,
    catalogue: Catalogue,
    defaults: Mapping[str, Any],
    file: str | None = None,
) -> Scenario:
    """Return the scenario of a parsed TOML document; raise ``scenario_invalid`` on errors.

    Parameters
    ----------
    doc
        The scenario document (``name``, ``description``, ``[macro]``, ``[[programme]]``).
    catalogue
        The kit's programme catalogue (:func:`rpkd.targeting.eligibility.catalogue`): rules,
        units and names of packages that name a ``programme``, and the predicates rules may use.
    defaults
        The kit's ``scenarios`` document: default macro assumptions and the simulation menu of
        catalogue programmes.
    file
        Shown in findings.

    Examples
    --------
    >>> from rpkd.targeting.eligibility import catalogue as read_catalogue
    >>> cat = read_catalogue({"programme": []})
    >>> s = parse_scenario(
    ...     {"name": "flat", "programme": [{"code": "bansos", "unit": "family",
    ...      "rule": "desil <= 2", "amount": 200000, "uptake": 0.9}]},
    ...     catalogue=cat, defaults={})
    >>> (s.name, s.packages[0].rule.columns, s.packages[0].monthly_amount(2026))
    ('flat', ('desil',), 200000.0)
    """
    reader = _Reader(file)
    for key in doc:
        if key not in _TOP_KEYS:
            reader.add("scenario_key_unknown", None, key)
    name = reader.text(doc, "name", None, required=True)
    description = reader.text(doc, "description", None, required=False)
    macro = _macro(reader, doc.get("macro", {}), defaults.get("macro", {}))
    items = doc.get("programme", [])
    if not isinstance(items, list):
        reader.add("scenario_not_table", None, "programme", expected="[[programme]]")
        items = []
    menu = {str(m.get("code")): m for m in defaults.get("programme", [])}
    packages: list[tuple[int, Package]] = []
    for row, item in enumerate(items, start=1):
        if not isinstance(item, Mapping):
            reader.add("scenario_not_table", row, "programme", expected="[[programme]]")
            continue
        package = _package(reader, item, row, catalogue, menu)
        if package is not None:
            packages.append((row, package))
    _check_codes(reader, packages)
    found = tuple(reader.found)
    if errors(found):
        raise InvalidInput("scenario_invalid", param="scenario", findings=found,
                           file=file or "-", count=len(errors(found)))  # fmt: skip
    ordered = tuple(sorted((p for _, p in packages), key=lambda p: p.priority))
    return Scenario(name, ordered, macro, description, found)


def _macro(reader: _Reader, doc: Any, defaults: Mapping[str, Any]) -> Macro:
    if not isinstance(doc, Mapping):
        reader.add("scenario_not_table", None, "macro", expected="[macro]")
        doc = {}
    values: dict[str, ByYear] = {}
    for key in ("growth", "inflation"):
        given = doc.get(key, defaults.get(key, 0.0))
        values[key] = reader.by_year(given, None, f"macro.{key}", -0.5, 1.0) or ByYear(0.0)
    for key in doc:
        if key not in ("growth", "inflation", "source"):
            reader.add("scenario_key_unknown", None, f"macro.{key}")
    return Macro(values["growth"], values["inflation"])


def _package(
    reader: _Reader,
    given: Mapping[str, Any],
    row: int,
    cat: Catalogue,
    menu: Mapping[str, Mapping[str, Any]],
) -> Package | None:
    for key in given:
        if key not in PACKAGE_KEYS:
            reader.add("scenario_key_unknown", row, key)
    reference = given.get("programme")
    base: dict[str, Any] = {}
    if reference is not None:
        if str(reference) not in cat.codes:
            reader.add("scenario_programme_unknown", row, "programme", reference,
                       known=cat.codes)  # fmt: skip
            return None
        listed = cat.programme(str(reference))
        base = {"code": listed.code, "name": listed.name_id, "unit": listed.unit,
                "rule": listed.rule.text,
                **{k: v for k, v in menu.get(listed.code, {}).items() if k != "code"}}  # fmt: skip
        if "top_up_to" in given:  # a top-up replaces the kit's amount, an amount a top-up
            base.pop("amount", None)
        elif "amount" in given:
            base.pop("top_up_to", None)
    item = {**base, **given}
    before = len(errors(reader.found))
    code = reader.text(item, "code", row, required=True)
    if code and not _CODE.match(code):
        reader.add("scenario_code_invalid", row, "code", code)
    unit = reader.choice(item.get("unit", "family"), row, "unit", UNITS)
    rule = _rule(reader, item, row, code, unit, cat)
    amount, top_up = _benefit(reader, item, row)
    months = reader.number(item.get("months", 12), row, "months", 1, 12)
    if months is not None and not float(months).is_integer():
        reader.add("scenario_not_integer", row, "months", months)
    package = dict(
        name=reader.text(item, "name", row, required=False) or code,
        per_member=_flag(reader, item, row, "per_member"),
        consumption=reader.number(item.get("consumption", 1.0), row, "consumption", 0, 1),
        budget=_budget(reader, item, row),
        activity=reader.text(item, "activity", row, required=False) or None,
        priority=int(reader.number(item.get("priority", 0), row, "priority", -1e6, 1e6) or 0),
        uptake=reader.number(item.get("uptake", 1.0), row, "uptake", 0, 1),
        targeting=reader.choice(item.get("targeting", "measured"), row, "targeting", TARGETING),
        years=_years(reader, item, row),
        exclusive_with=_codes(reader, item, row),
    )
    if len(errors(reader.found)) > before or rule is None or unit is None:
        return None
    return Package(
        code=code, unit=unit, rule=rule, amount=amount, top_up_to=top_up,  # type: ignore[arg-type]
        months=int(months or 12), programme=None if reference is None else str(reference),
        **package,  # type: ignore[arg-type]
    )  # fmt: skip


def _rule(
    reader: _Reader, item: Mapping[str, Any], row: int, code: str, unit: str | None, cat: Catalogue
) -> Rule | None:
    text = reader.text(item, "rule", row, required=True)
    if not text or unit is None:
        return None
    columns = family_columns() if unit == "family" else person_columns()
    columns.update({p.name: ("bool", None) for p in cat.predicates})
    try:
        return parse_rule(text, name=code or f"programme[{row}]", columns=columns)
    except InvalidInput as exc:
        reader.found.append(exc.finding().at(file=reader.file, row=row, field="rule", value=text))
        return None


def _benefit(
    reader: _Reader, item: Mapping[str, Any], row: int
) -> tuple[ByYear | None, Level | float | None]:
    has_amount, has_top_up = "amount" in item, "top_up_to" in item
    if has_amount == has_top_up:
        reader.add("scenario_benefit_both" if has_amount else "scenario_benefit_missing", row,
                   "amount")  # fmt: skip
        return None, None
    if has_amount:
        return reader.by_year(item["amount"], row, "amount", 0), None
    level = item["top_up_to"]
    if isinstance(level, str):
        return None, reader.choice(level, row, "top_up_to", LEVELS)  # type: ignore[return-value]
    return None, reader.number(level, row, "top_up_to", 1, None)


def _budget(reader: _Reader, item: Mapping[str, Any], row: int) -> ByYear | None:
    """A yearly cap; a table by year gives no money in the years it does not list."""
    if "budget" not in item:
        return None
    found = reader.by_year(item["budget"], row, "budget", 0)
    if found is not None and isinstance(item["budget"], Mapping):
        return replace(found, default=0.0)
    return found


def _flag(reader: _Reader, item: Mapping[str, Any], row: int, key: str) -> bool:
    value = item.get(key, False)
    if not isinstance(value, bool):
        reader.add("scenario_not_flag", row, key, value)
        return False
    return value


def _years(reader: _Reader, item: Mapping[str, Any], row: int) -> tuple[int, ...] | None:
    value = item.get("years")
    if value is None:
        return None
    if not isinstance(value, list) or not all(
        isinstance(y, int) and not isinstance(y, bool) for y in value
    ):
        reader.add("scenario_not_list", row, "years", value, expected="[2026, 2027]")
        return None
    return tuple(sorted(set(value)))


def _codes(reader: _Reader, item: Mapping[str, Any], row: int) -> tuple[str, ...]:
    value = item.get("exclusive_with", [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        reader.add("scenario_not_list", row, "exclusive_with", value, expected='["pkh"]')
        return ()
    return tuple(value)


def _check_codes(reader: _Reader, packages: list[tuple[int, Package]]) -> None:
    seen: set[str] = set()
    for row, p in packages:
        if p.code in seen:
            reader.add("scenario_code_duplicate", row, "code", p.code)
        seen.add(p.code)
    for row, p in packages:
        for other in p.exclusive_with:
            if other not in seen or other == p.code:
                reader.add("scenario_exclusive_unknown", row, "exclusive_with", other,
                           known=tuple(sorted(seen - {p.code})))  # fmt: skip
