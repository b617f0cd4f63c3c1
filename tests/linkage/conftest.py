"""Fixtures of the linkage tests: the hand-made registry and list (see ``linkage_fixture``)."""

from __future__ import annotations

import pytest
from linkage_fixture import Fixture, build


@pytest.fixture(scope="session")
def hand_made() -> Fixture:
    """The registry and list of ``linkage_fixture`` (built once per session: it is pure data)."""
    return build()
