"""Reading what a page shows: table cells, and numbers written as an Indonesian officer reads
them (``1.234,5``; P0 in percent; P1 and P2 ×100) — formatted here, not by rpkd.locale, so a
page that writes them otherwise fails."""

from __future__ import annotations

from playwright.sync_api import Locator


def rows(table: Locator) -> list[list[str]]:
    """Return the body rows of ``table`` as lists of cell texts (stripped)."""
    return [
        [cell.strip() for cell in row.locator("th, td").all_inner_texts()]
        for row in table.locator("tbody tr").all()
    ]


def headers(table: Locator) -> list[str]:
    """Return the column headers of ``table``."""
    return [h.strip() for h in table.locator("thead th").all_inner_texts()]


def column(table: Locator, name: str) -> list[str]:
    """Return the cells of the column headed ``name``."""
    index = headers(table).index(name)
    return [row[index] for row in rows(table)]


def id_number(value: float, digits: int = 0) -> str:
    """``1234.5`` → ``1.234,5`` (thousands with a dot, decimals with a comma)."""
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def id_percent(fraction: float, digits: int = 2) -> str:
    """``0.0576`` → ``5,76%``."""
    return id_number(100 * fraction, digits) + "%"
