"""The golden survey sample, built once per session (:mod:`simulation_fixture`)."""

from __future__ import annotations

import pytest
from simulation_fixture import golden_sample as build

from rpkd.simulation.microsim import Sample


@pytest.fixture(scope="session")
def golden_sample() -> Sample:
    """The golden households as a two-stage sample with fpc, person-level."""
    return build()
