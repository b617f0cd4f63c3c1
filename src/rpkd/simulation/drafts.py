"""A scenario drafted field by field (a web form) written as the TOML document a file would be.

A draft holds what a person typed, as text: the document it becomes is read by
:func:`rpkd.simulation.scenario.read_scenario` like any scenario file, so a draft is checked by
the same rules and its findings name the same ``[[programme]]`` row and field. Numbers may be
written as an officer writes them (``200.000``, ``Rp 1.500.000``, ``0,9``, ``90%``); text that
is no number is kept as text, and the reader then says which field is not a number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import tomli_w

_GROUPED = re.compile(r"^-?\d{1,3}([.,]\d{3})+$")
"""An integer with thousands separators (``200.000`` or ``200,000``)."""


@dataclass(frozen=True)
class PackageDraft:
    """One programme of a draft: a catalogue ``programme`` and what the person changed.

    Empty fields take the catalogue's and the kit's values (rule, unit, amount, months);
    ``top_up_to`` (``poverty`` or ``extreme``) replaces the amount by a top-up to that line.
    """

    programme: str
    code: str = ""
    name: str = ""
    rule: str = ""
    amount: str = ""
    top_up_to: str = ""
    uptake: str = ""
    budget: str = ""
    priority: str = ""
    activity: str = ""


@dataclass(frozen=True)
class ScenarioDraft:
    """A scenario's name, description, macro assumptions and packages, as typed."""

    name: str
    description: str = ""
    growth: str = ""
    inflation: str = ""
    packages: tuple[PackageDraft, ...] = field(default=())

    def document(self) -> dict[str, Any]:
        """Return the scenario document (the keys of a scenario file), empty fields left out.

        Examples
        --------
        >>> ScenarioDraft("Uji", growth="1,8%", packages=(
        ...     PackageDraft("sembako", amount="Rp 250.000", uptake="0,9"),)).document()
        {'name': 'Uji', 'macro': {'growth': 0.018}, 'programme': [{'programme': 'sembako', \
'amount': 250000, 'uptake': 0.9}]}
        """
        doc: dict[str, Any] = {"name": self.name.strip()}
        if self.description.strip():
            doc["description"] = self.description.strip()
        macro = {k: number(v) for k, v in (("growth", self.growth),
                                             ("inflation", self.inflation)) if v.strip()}  # fmt: skip
        if macro:
            doc["macro"] = macro
        doc["programme"] = [_package(p) for p in self.packages]
        return doc

    def to_toml(self) -> str:
        """Return the draft as a scenario file's TOML text, one ``[[programme]]`` table each.

        Examples
        --------
        >>> print(ScenarioDraft("Uji", packages=(PackageDraft("pip", uptake="0,8"),)).to_toml())
        name = "Uji"
        <BLANKLINE>
        [[programme]]
        programme = "pip"
        uptake = 0.8
        <BLANKLINE>
        """
        doc = self.document()
        top = {k: v for k, v in doc.items() if k not in ("macro", "programme")}
        parts = [tomli_w.dumps(top)]
        if "macro" in doc:
            parts.append("[macro]\n" + tomli_w.dumps(doc["macro"]))
        parts += ["[[programme]]\n" + tomli_w.dumps(p) for p in doc["programme"]]
        return "\n".join(parts)


def _package(p: PackageDraft) -> dict[str, Any]:
    item: dict[str, Any] = {"programme": p.programme.strip()}
    for key in ("code", "name", "rule", "activity"):
        value = " ".join(getattr(p, key).split())
        if value:
            item[key] = value
    if p.top_up_to.strip():
        item["top_up_to"] = p.top_up_to.strip()
    elif p.amount.strip():
        item["amount"] = number(p.amount)
    for key in ("uptake", "budget", "priority"):
        value = getattr(p, key)
        if value.strip():
            item[key] = number(value)
    return item


def number(text: str) -> int | float | str:
    """Return ``text`` as a number when it is one as people write it, else the text itself.

    Examples
    --------
    >>> number("200.000"), number("Rp 1.500.000"), number("0,9"), number("90%"), number("3")
    (200000, 1500000, 0.9, 0.9, 3)
    >>> number("1.5"), number("2,5%"), number("banyak")
    (1.5, 0.025, 'banyak')
    """
    value = text.strip().replace(" ", "").replace("_", "")
    percent = value.endswith("%")
    value = value.removeprefix("Rp").removeprefix("rp").removesuffix("%")
    if _GROUPED.match(value):
        value = value.replace(".", "").replace(",", "")
    else:
        value = value.replace(",", ".")
    try:
        found: int | float = int(value) if re.fullmatch(r"-?\d+", value) else float(value)
    except ValueError:
        return text.strip()
    if percent:
        return float(Decimal(value) / 100)
    return found
