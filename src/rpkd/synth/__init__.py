"""Synthetic districts: registry, survey, villages and beneficiary lists with their truth.

The ground truth every later feature is tested against (DESIGN.md §7 ``rpkd synth``).
"""

from __future__ import annotations

from rpkd.synth.district import Progress, SynthResult, synthesize

__all__ = ["Progress", "SynthResult", "synthesize"]
