"""Fixtures shared by the unit tests of the service's exactly-once mends."""

from __future__ import annotations

from typing import cast

import pytest
from faust.types import TP

from detectors.config import load_config
from streams.service.exactly_once import LockedConsumer
from streams.service.settings import ServiceSettings
from streams.service.worker import WatchfloorWorker

Seeks = list[tuple[TP, int]]


@pytest.fixture
def consumer(monkeypatch: pytest.MonkeyPatch) -> tuple[LockedConsumer, Seeks]:
    """The worker's consumer, built and never started (no broker); its seeks recorded, not made."""
    settings = ServiceSettings(bootstrap="127.0.0.1:9092", store="memory")
    made = cast(LockedConsumer, WatchfloorWorker(settings, load_config()).app.consumer)
    seeks: Seeks = []

    async def seek(tp: TP, offset: int) -> None:
        seeks.append((tp, offset))

    monkeypatch.setattr(made, "seek", seek)
    return made, seeks
