"""Every sentence and label a user reads, in Bahasa Indonesia (default) and English.

Messages and labels live in TOML catalogues beside this module, one file per topic, each entry
holding both languages::

    [release_missing]
    id = "rilis {name} tidak ada"
    en = "release {name} does not exist"

The command line's help is the exception: written in Indonesian where each option is declared,
with its English in ``help/*.toml`` keyed by that text (:mod:`rpkd.cli.help_text`).

Code anywhere in rpkd raises errors and returns :class:`rpkd.findings.Finding` values by code;
interfaces render them here. A code without both languages fails the catalogue test. Numbers in
parameters are written in the language's format (``1.234,5`` in Indonesian), see
:mod:`rpkd.locale.formats`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rpkd.locale.catalogue import LANGS, Lang, entries
from rpkd.locale.formats import date_text, number, percent, rupiah

if TYPE_CHECKING:
    from rpkd.findings import Finding

__all__ = [
    "LANGS",
    "Lang",
    "date_text",
    "has_label",
    "has_message",
    "label",
    "message",
    "number",
    "percent",
    "render",
    "rupiah",
]


def message(code: str, lang: Lang = "id", /, **params: Any) -> str:
    """Return the sentence of ``code`` in ``lang`` with ``params`` filled in.

    An unknown code (a bug the catalogue test catches) still yields a readable line: the code
    and its parameters.

    Examples
    --------
    >>> message("release_missing", "en", name="r1", available="r0")
    'release r1 does not exist (releases: r0)'
    """
    from rpkd.locale.formats import fill

    template = entries("messages").get(code, {}).get(lang)
    if template is None:
        shown = ", ".join(f"{k}={v}" for k, v in params.items())
        return f"{code}" + (f" ({shown})" if shown else "")
    return fill(template, lang, params)


def has_message(code: str) -> bool:
    """Return whether ``code`` has a sentence in the catalogue."""
    return code in entries("messages")


def label(key: str, lang: Lang = "id") -> str:
    """Return the label (column header, measure name, menu item) of ``key`` in ``lang``.

    Keys without a label are returned as they are.

    Examples
    --------
    >>> label("estimate", "id")
    'estimasi'
    """
    return entries("labels").get(key, {}).get(lang, key)


def has_label(key: str) -> bool:
    """Return whether ``key`` has a label in the catalogue."""
    return key in entries("labels")


def render(finding: Finding, lang: Lang = "id") -> str:
    """Return a finding as one line: where (file, sheet, row, field, value), then the sentence.

    Examples
    --------
    >>> from rpkd.findings import Finding
    >>> render(Finding("file_empty", "error", file="families.csv"), "en")
    'families.csv: file holds no data rows'
    """
    params = dict(finding.params)
    if finding.field is not None:
        params.setdefault("field", finding.field)
    text = message(finding.code, lang, **params)
    where = where_text(finding, lang)
    return f"{where}: {text}" if where else text


def where_text(finding: Finding, lang: Lang = "id") -> str:
    """Return the location of a finding: ``file [sheet], row N, field F = 'value'``."""
    parts = []
    if finding.file:
        parts.append(finding.file + (f" [{finding.sheet}]" if finding.sheet else ""))
    if finding.row is not None:
        parts.append(f"{label('row', lang)} {finding.row}")
    if finding.field:
        value = "" if finding.value is None else f" = {finding.value!r}"
        parts.append(f"{label('field', lang)} {finding.field}{value}")
    return ", ".join(parts)
