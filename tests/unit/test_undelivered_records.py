"""Records fetched and never delivered to the agent (Faust drops the rest of a fetched batch
when flow stops): the partition is read again, also when no later record shows the gap."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest
from faust.types import TP

from detectors.config import load_config
from streams.service.exactly_once import STALL_S
from streams.service.settings import ServiceSettings
from streams.service.worker import WatchfloorWorker

BADGE = TP("watchfloor.badge.v1", 2)
NOW = 1000.0


def _consumer(monkeypatch: pytest.MonkeyPatch) -> tuple[Any, list[tuple[TP, int]]]:
    """The worker's consumer (never started); its seeks recorded, not made."""
    settings = ServiceSettings(bootstrap="127.0.0.1:9092", store="memory")
    consumer = cast(Any, WatchfloorWorker(settings, load_config()).app.consumer)
    seeks: list[tuple[TP, int]] = []

    async def seek(tp: TP, offset: int) -> None:
        seeks.append((tp, offset))

    monkeypatch.setattr(consumer, "seek", seek)
    return consumer, seeks


def _fetched_then_dropped(consumer: Any, *, since: float) -> None:
    # Offsets 0-199 processed; 200-294 fetched (the partition's last) and never delivered.
    consumer.processed[BADGE] = 199
    consumer.fetched.add(BADGE, list(range(200, 295)))
    consumer.progressed[BADGE] = NOW - since


def test_a_partition_whose_last_records_were_never_delivered_is_read_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    consumer, seeks = _consumer(monkeypatch)
    _fetched_then_dropped(consumer, since=STALL_S + 0.5)
    assert consumer.waiting(BADGE) == 200
    assert asyncio.run(consumer.rewind_stalled(NOW)) == [BADGE]
    assert seeks == [(BADGE, 200)]
    # What was queued before the seek began at or before 294 and may still come; what is
    # read again begins at 200: both pass the order check, and are not taken for a gap.
    assert consumer.rereading[BADGE] == 295
    assert asyncio.run(consumer.delivered_in_order(BADGE, 199, 294, 200)) is True


def test_records_fetched_a_moment_ago_are_waited_for(monkeypatch: pytest.MonkeyPatch) -> None:
    consumer, seeks = _consumer(monkeypatch)
    _fetched_then_dropped(consumer, since=STALL_S - 0.5)
    assert asyncio.run(consumer.rewind_stalled(NOW)) == []
    assert seeks == []


def test_records_fetched_again_after_they_were_processed_are_not_waiting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    consumer, seeks = _consumer(monkeypatch)
    _fetched_then_dropped(consumer, since=STALL_S + 0.5)
    consumer.processed[BADGE] = 294
    assert consumer.waiting(BADGE) is None
    assert asyncio.run(consumer.rewind_stalled(NOW)) == []
    assert seeks == []


def test_nothing_is_read_again_while_partitions_are_being_revoked_or_already_reread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    consumer, seeks = _consumer(monkeypatch)
    _fetched_then_dropped(consumer, since=STALL_S + 0.5)
    consumer.revoking = True
    assert asyncio.run(consumer.rewind_stalled(NOW)) == []
    consumer.revoking = False
    consumer.rereading[BADGE] = 250  # a gap already seen and being read again
    assert asyncio.run(consumer.rewind_stalled(NOW)) == []
    assert seeks == []
