"""Fixtures of the replay tests."""

from __future__ import annotations

import pytest

from tests.unit.replay.support import SimulatedForce, simulate


@pytest.fixture(scope="session")
def small_force(tmp_path_factory: pytest.TempPathFactory) -> SimulatedForce:
    """50 officers over 14 days with plenty of scenarios: seconds through the real core."""
    return simulate(tmp_path_factory.mktemp("force"), officers=50, days=14, seed=7, rate=1.0)
