"""Records fetched and never delivered to the agent (Faust drops the rest of a fetched batch
when flow stops): the partition is read again, also when no later record shows the gap."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import cast

import pytest
from aiokafka.errors import IllegalStateError
from faust.types import TP

from detectors.config import load_config
from streams.service.exactly_once import STALL_S, LockedConsumer
from streams.service.settings import ServiceSettings
from streams.service.worker import WatchfloorWorker

BADGE = TP("watchfloor.badge.v1", 2)
NOW = 1000.0


def _fetched_then_dropped(consumer: LockedConsumer, *, since: float) -> None:
    # Offsets 0-199 processed; 200-294 fetched (the partition's last) and never delivered.
    consumer.processed[BADGE] = 199
    consumer.fetched.add(BADGE, list(range(200, 295)))
    consumer.progressed[BADGE] = NOW - since


def test_a_partition_whose_last_records_were_never_delivered_is_read_again(
    consumer: tuple[LockedConsumer, list[tuple[TP, int]]],
) -> None:
    made, seeks = consumer
    _fetched_then_dropped(made, since=STALL_S + 0.5)
    assert made.waiting(BADGE) == 200
    assert asyncio.run(made.rewind_stalled(NOW)) == [BADGE]
    assert seeks == [(BADGE, 200)]
    # What was queued before the seek began at or before 294 and may still come; what is
    # read again begins at 200: both pass the order check, and are not taken for a gap.
    assert made.rereading[BADGE] == 295
    assert asyncio.run(made.delivered_in_order(BADGE, 199, 294, 200)) is True


def test_records_fetched_a_moment_ago_are_waited_for(
    consumer: tuple[LockedConsumer, list[tuple[TP, int]]],
) -> None:
    made, seeks = consumer
    _fetched_then_dropped(made, since=STALL_S - 0.5)
    assert asyncio.run(made.rewind_stalled(NOW)) == []
    assert seeks == []


def test_records_fetched_again_after_they_were_processed_are_not_waiting(
    consumer: tuple[LockedConsumer, list[tuple[TP, int]]],
) -> None:
    made, seeks = consumer
    _fetched_then_dropped(made, since=STALL_S + 0.5)
    made.processed[BADGE] = 294
    assert made.waiting(BADGE) is None
    assert asyncio.run(made.rewind_stalled(NOW)) == []
    assert seeks == []


def test_nothing_is_read_again_while_partitions_are_being_revoked_or_already_reread(
    consumer: tuple[LockedConsumer, list[tuple[TP, int]]],
) -> None:
    made, seeks = consumer
    _fetched_then_dropped(made, since=STALL_S + 0.5)
    made.revoking = True
    assert asyncio.run(made.rewind_stalled(NOW)) == []
    made.revoking = False
    made.rereading[BADGE] = 250  # a gap already seen and being read again
    assert asyncio.run(made.rewind_stalled(NOW)) == []
    assert seeks == []


class _Sent:
    """A stand-in for the heartbeat's producer: what it was asked to send."""

    def __init__(self) -> None:
        self.partitions: list[int] = []

    async def send(self, topic: str, *, value: bytes, partition: int, headers: object) -> None:
        self.partitions.append(partition)


def _heartbeats(
    monkeypatch: pytest.MonkeyPatch, *, undelivered: bool = False, revoked_meanwhile: bool = False
) -> list[int]:
    """By-officer partitions told by one idle heartbeat that BADGE is idle.

    BADGE was read to its end by the fetcher (position 295 = its end) with nothing delivered
    since the assignment; with `undelivered`, its last records are still waiting; with
    `revoked_meanwhile`, a rebalance takes it away while the heartbeat asks for the ends (the
    consumer then refuses to give its position there, as aiokafka does)."""
    # Idle as soon as found at its end: how long it must stay quiet is InputIdleness's part.
    settings = ServiceSettings(bootstrap="127.0.0.1:9092", idle_after_s=0.0)
    worker = WatchfloorWorker(settings, load_config())
    made = cast(LockedConsumer, worker.app.consumer)
    assigned = {BADGE}

    async def highwaters(*tps: TP) -> dict[TP, int]:
        if revoked_meanwhile:
            assigned.clear()  # the rebalance, during the round trip
        return {tp: 295 for tp in tps}

    async def position(tp: TP) -> int:
        if tp not in assigned:
            raise IllegalStateError(f"Partition {tp} is not assigned")
        return 295

    monkeypatch.setattr(made, "assignment", lambda: set(assigned))
    monkeypatch.setattr(made, "highwaters", highwaters)
    monkeypatch.setattr(made, "position", position)
    if undelivered:
        _fetched_then_dropped(made, since=0.0)
    sent = _Sent()
    worker._heartbeat_producer = sent
    asyncio.run(worker._idle_heartbeat())
    return sent.partitions


def test_a_partition_with_records_never_delivered_is_not_called_idle(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Its position is at the end, past the records that never came: were it called idle, the
    # watermark would run past its events.
    assert _heartbeats(monkeypatch, undelivered=True) == []
    assert _heartbeats(monkeypatch, undelivered=False) == list(range(8))


def test_a_partition_revoked_while_the_heartbeat_runs_is_skipped_not_fatal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A rebalance took BADGE away while the heartbeat asked the broker for the partitions'
    # ends: asking the consumer for its position there raised and crashed the worker (seen in
    # the rebalance test). The heartbeat now goes on without it.
    assert _heartbeats(monkeypatch, revoked_meanwhile=True) == []


class _ConsumerThread:
    """A stand-in for the consumer's thread: which calls were handed to it, and its client's
    seeks (made only when handed over)."""

    def __init__(self) -> None:
        self.handed: list[str] = []
        self.seeks: list[tuple[TP, int]] = []

    def _ensure_consumer(self) -> _ConsumerThread:
        return self

    def seek(self, tp: TP, offset: int) -> None:
        self.seeks.append((tp, offset))

    async def call_thread(self, fun: Callable[..., object], *args: object) -> object:
        self.handed.append(getattr(fun, "__name__", "?"))
        return fun(*args)


def test_reading_a_partition_again_seeks_in_the_consumers_own_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # From the worker's thread the client's seek dropped fetched records while the consumer's
    # thread handed them out, and aiokafka's fetcher crashed the worker with KeyError.
    worker = WatchfloorWorker(ServiceSettings(bootstrap="127.0.0.1:9092"), load_config())
    made = cast(LockedConsumer, worker.app.consumer)
    thread = _ConsumerThread()
    monkeypatch.setattr(made, "_thread", thread)
    asyncio.run(made.seek(BADGE, 42))
    assert thread.handed == ["seek"]
    assert thread.seeks == [(BADGE, 42)]
    assert made._read_offset[BADGE] == 42
