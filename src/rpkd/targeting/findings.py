"""Diagnostics that targeting functions return as data instead of printing or warning."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    """One diagnostic: a stable ``rule`` id, a message, and the column or value it concerns."""

    rule: str
    message: str
    column: str | None = None
    value: float | None = None
