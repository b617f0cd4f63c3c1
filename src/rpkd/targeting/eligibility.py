"""Programme eligibility: the catalogue of programmes and rules as data, applied on the engine.

The catalogue (the kit's ``programmes`` document: ``params/indonesia/programmes.toml``, or a
workspace's ``params/programmes.toml``) lists named predicates (``unfit_house``, ``extreme_poor``, …), programmes (unit, benefit amounts
with validity years, eligibility rule, source) and deprivations (predicate → programme). Every
rule is checked when the catalogue loads (:mod:`rpkd.targeting.rules`), so a rule naming an
unknown column or function fails before any data are touched, with a message naming the rule.

References
----------
DESIGN.md §2 (parameters are data); facts.md §3 (programmes, eligibility and amounts, with their
confidence tags); Coady, Grosh & Hoddinott (2004), *Targeting of Transfers in Developing
Countries*, World Bank, ch. 4 (categorical and means-tested eligibility).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

import pyarrow as pa

from rpkd.errors import InvalidInput
from rpkd.targeting.features import (
    family_columns,
    family_features,
    left_join,
    person_columns,
    person_frame,
)
from rpkd.targeting.rules import ColumnTypes, Rule, compile_rule, parse_rule

if TYPE_CHECKING:
    from ibis.expr.types import Table

Unit = Literal["family", "person"]
Period = Literal["month", "year", "once"]


@dataclass(frozen=True)
class Benefit:
    """One benefit amount (rupiah per period), optionally for a component, valid for years."""

    amount: float
    period: Period
    valid_from: int
    source: str
    valid_to: int | None = None
    component: str | None = None
    months: int | None = None
    kind: Literal["transfer", "loan"] = "transfer"

    def annual(self) -> float:
        """Return the amount per year (``once`` counts in full in its year)."""
        if self.period == "month":
            return self.amount * (self.months or 12)
        return self.amount

    def valid_in(self, year: int) -> bool:
        return self.valid_from <= year and (self.valid_to is None or year <= self.valid_to)


@dataclass(frozen=True)
class Predicate:
    """A named family-level condition usable in rules."""

    name: str
    rule: Rule
    label_id: str
    label_en: str
    source: str


@dataclass(frozen=True)
class Programme:
    """A programme: unit, checked rule, benefits, exclusivity and sources."""

    code: str
    name_id: str
    name_en: str
    strategy: str
    agency: str
    unit: Unit
    rule: Rule
    rule_source: str
    benefits: tuple[Benefit, ...]
    exclusive_with: tuple[str, ...] = ()
    max_components: int | None = None

    def benefits_in(self, year: int) -> tuple[Benefit, ...]:
        """Return the benefits valid in ``year``."""
        return tuple(b for b in self.benefits if b.valid_in(year))


@dataclass(frozen=True)
class Catalogue:
    """Predicates, programmes and deprivation links of a parameter kit."""

    version: str
    predicates: tuple[Predicate, ...]
    programmes: tuple[Programme, ...]
    deprivations: tuple[tuple[str, str], ...]

    def programme(self, code: str) -> Programme:
        for p in self.programmes:
            if p.code == code:
                return p
        raise InvalidInput(
            "catalogue_programme_unknown", param="programme", programme=code, known=self.codes
        )

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.programmes)

    def to_arrow(self, year: int) -> pa.Table:
        """Return one row per programme: unit, rule, largest annual transfer per unit in ``year``."""
        rows = []
        for p in self.programmes:
            valid = [b for b in p.benefits_in(year) if b.kind == "transfer"]
            rows.append(
                {
                    "programme": p.code,
                    "name": p.name_id,
                    "unit": p.unit,
                    "rule": p.rule.text,
                    "max_annual_amount": max((b.annual() for b in valid), default=None),
                    "rule_source": p.rule_source,
                }
            )
        return pa.Table.from_pylist(rows)


def _text(doc: Mapping[str, Any], key: str, where: str) -> str:
    value = doc.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("catalogue_text_missing", param=key, where=where, key=key)
    return " ".join(value.split())


def _benefit(doc: Mapping[str, Any], where: str) -> Benefit:
    period = doc.get("period")
    if period not in ("month", "year", "once"):
        raise InvalidInput("catalogue_period_invalid", param="period", where=where, value=period)
    return Benefit(
        amount=float(doc["amount"]),
        period=period,
        valid_from=int(doc["valid_from"]),
        valid_to=int(doc["valid_to"]) if "valid_to" in doc else None,
        source=_text(doc, "source", where),
        component=doc.get("component"),
        months=int(doc["months"]) if "months" in doc else None,
        kind="loan" if doc.get("kind") == "loan" else "transfer",
    )


def catalogue(doc: Mapping[str, Any]) -> Catalogue:
    """Return the programme catalogue of a ``programmes`` document with every rule checked.

    ``doc`` is the kit's document (``ws.kit.document("programmes")``, workspace overrides
    applied) or any parsed TOML of the same form.
    """
    data = doc
    family = dict(family_columns())
    predicates: list[Predicate] = []
    for item in data.get("predicate", []):
        name = _text(item, "name", "predicate")
        rule = parse_rule(_text(item, "rule", name), name=name, columns=family)
        predicates.append(
            Predicate(name, rule, item.get("label_id", name), item.get("label_en", name),
                      item.get("source", ""))
        )  # fmt: skip
        family[name] = ("bool", None)
    person = {**person_columns(), **{p.name: ("bool", None) for p in predicates}}
    programmes = tuple(_programme(item, family, person) for item in data.get("programme", []))
    codes = {p.code for p in programmes}
    names = {p.name for p in predicates}
    deprivations = []
    for item in data.get("deprivation", []):
        pred, prog = item.get("predicate"), item.get("programme")
        if pred not in names or prog not in codes:
            raise InvalidInput(
                "catalogue_deprivation_unknown", param=str(pred), predicate=pred, programme=prog
            )
        deprivations.append((str(pred), str(prog)))
    for p in programmes:
        for other in p.exclusive_with:
            if other not in codes:
                raise InvalidInput(
                    "catalogue_exclusive_unknown", param=other, programme=p.code, other=other
                )
    return Catalogue(
        str(data.get("version", "")), tuple(predicates), programmes, tuple(deprivations)
    )


def _programme(item: Mapping[str, Any], family: ColumnTypes, person: ColumnTypes) -> Programme:
    code = _text(item, "code", "programme")
    unit = item.get("unit")
    if unit not in ("family", "person"):
        raise InvalidInput("catalogue_unit_invalid", param="unit", programme=code, value=unit)
    columns = family if unit == "family" else person
    return Programme(
        code=code,
        name_id=_text(item, "name_id", code),
        name_en=_text(item, "name_en", code),
        strategy=str(item.get("strategy", "")),
        agency=str(item.get("agency", "")),
        unit=unit,
        rule=parse_rule(_text(item, "rule", code), name=code, columns=columns),
        rule_source=_text(item, "rule_source", code),
        benefits=tuple(_benefit(b, code) for b in item.get("benefit", [])),
        exclusive_with=tuple(item.get("exclusive_with", [])),
        max_components=item.get("max_components"),
    )


def with_predicates(features: Table, cat: Catalogue) -> Table:
    """Return ``features`` with one boolean column per catalogue predicate, in order."""
    table = features
    for predicate in cat.predicates:
        table = table.mutate(**{predicate.name: compile_rule(predicate.rule, table)})
    return table


def eligibility(
    families: Table,
    persons: Table,
    cat: Catalogue,
    *,
    on: date,
    programmes: Sequence[str] | None = None,
) -> Table:
    """Return one row per family: features, predicates and ``eligible_<programme>`` flags.

    A person-unit programme's family flag is true when at least one living member qualifies;
    ``n_eligible_<programme>`` counts those members.
    """
    chosen = [cat.programme(c) for c in (programmes or cat.codes)]
    table = with_predicates(family_features(families, persons, on=on), cat)
    family_flags = {
        f"eligible_{p.code}": compile_rule(p.rule, table) for p in chosen if p.unit == "family"
    }
    table = table.mutate(**family_flags)
    person_progs = [p for p in chosen if p.unit == "person"]
    if not person_progs:
        return table
    members = person_frame(persons, table, on=on)
    counts = members.group_by("family_id").aggregate(
        **{
            f"n_eligible_{p.code}": compile_rule(p.rule, members).cast("int64").sum()
            for p in person_progs
        }
    )
    joined = left_join(table, counts, "family_id")
    return joined.mutate(
        **{
            f"n_eligible_{p.code}": joined[f"n_eligible_{p.code}"].fill_null(0)
            for p in person_progs
        },
        **{
            f"eligible_{p.code}": joined[f"n_eligible_{p.code}"].fill_null(0) > 0
            for p in person_progs
        },
    )


def eligible_persons(
    persons: Table, features: Table, cat: Catalogue, programme: str, *, on: date
) -> Table:
    """Return the living persons who meet a person-unit programme's rule (with family columns)."""
    prog = cat.programme(programme)
    members = person_frame(persons, features, on=on)
    return members.filter(compile_rule(prog.rule, members))


def summary(table: Table, cat: Catalogue, *, by: str | None = None) -> Table:
    """Return eligible family counts per programme (and eligible persons for person units)."""
    groups = [by] if by else []
    metrics: dict[str, Any] = {"families": table.count()}
    for p in cat.programmes:
        flag = f"eligible_{p.code}"
        if flag in table.columns:
            metrics[flag] = table[flag].cast("int64").sum()
        if f"n_{flag}" in table.columns:
            metrics[f"n_{flag}"] = table[f"n_{flag}"].sum()
    return table.group_by(groups).aggregate(**metrics) if groups else table.aggregate(**metrics)
