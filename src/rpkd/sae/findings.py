"""Diagnostics that small-area estimators return as data instead of printing or warning."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    """One diagnostic: a stable ``rule`` id, a message, and the area or value it concerns."""

    rule: str
    message: str
    area: str | None = None
    value: float | None = None
