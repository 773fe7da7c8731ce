"""When an input partition stops holding back the watermark: only after confirmed quiet, never
on a stale statement, and never across an outage (see streams.service.input_idleness)."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import pytest
from faust.types import TP

from detectors.config import load_config
from streams.service import messages as wire
from streams.service.input_idleness import InputIdleness
from streams.service.partition_clock import PartitionClock
from streams.service.settings import ServiceSettings, SettingsError
from streams.service.worker import WatchfloorWorker

IDLE_AFTER = 10.0
STALE = 3.0


def _checks(
    idleness: InputIdleness[str], times: range, ends: dict[str, int | None]
) -> list[list[str]]:
    """A check every second over `times`, each answered within 0.1 s."""
    return [idleness.checked(started=t, finished=t + 0.1, ends=ends) for t in times]


def test_a_partition_is_idle_only_after_being_confirmed_quiet_for_the_whole_period() -> None:
    idleness: InputIdleness[str] = InputIdleness(IDLE_AFTER, STALE)
    answers = _checks(idleness, range(0, 11), {"badge/0": 40})
    assert answers[:10] == [[]] * 10
    assert answers[10] == ["badge/0"]


def test_new_input_starts_the_quiet_period_again() -> None:
    idleness: InputIdleness[str] = InputIdleness(IDLE_AFTER, STALE)
    _checks(idleness, range(0, 9), {"badge/0": 40})
    assert _checks(idleness, range(9, 19), {"badge/0": 41}) == [[]] * 10
    assert _checks(idleness, range(19, 20), {"badge/0": 41}) == [["badge/0"]]


def test_a_partition_not_at_its_end_is_never_idle() -> None:
    idleness: InputIdleness[str] = InputIdleness(IDLE_AFTER, STALE)
    assert _checks(idleness, range(0, 30), {"badge/0": None}) == [[]] * 30


@pytest.mark.parametrize(
    "interruption",
    [
        "checks missed",  # the broker away: the heartbeat's calls failed, or were never made
        "check hung",  # one call waited through the outage and was answered after it
        "call failed",
        "partitions assigned",
    ],
)
def test_an_interruption_makes_every_partition_wait_out_the_whole_period_again(
    interruption: str,
) -> None:
    idleness: InputIdleness[str] = InputIdleness(IDLE_AFTER, STALE)
    assert _checks(idleness, range(0, 11), {"badge/0": 40})[-1] == ["badge/0"]
    first: list[list[str]] = []
    if interruption == "checks missed":
        resumed = 16
    elif interruption == "check hung":
        # Asked at 11, answered at 26: the first check after the outage.
        first = [idleness.checked(started=11, finished=26.1, ends={"badge/0": 40})]
        resumed = 27
    else:
        idleness.restart()  # what the worker does on a failed call and on an assignment
        resumed = 12
    assert idleness.take_unidle(now=resumed - 0.5)
    answers = first + _checks(idleness, range(resumed, resumed + 11 - len(first)), {"badge/0": 40})
    assert answers[:-1] == [[]] * 10
    assert answers[-1] == ["badge/0"]


def test_the_officer_stage_is_told_once_per_interruption_that_nothing_is_idle() -> None:
    idleness: InputIdleness[str] = InputIdleness(IDLE_AFTER, STALE)
    assert idleness.take_unidle(now=0.0)  # the start: no check yet
    assert not idleness.take_unidle(now=0.5)
    _checks(idleness, range(1, 5), {"badge/0": 40})
    assert not idleness.take_unidle(now=5.0)
    assert idleness.take_unidle(now=9.0)  # nothing checked since 4.1
    assert not idleness.take_unidle(now=9.5)


def test_a_partition_no_longer_owned_is_forgotten() -> None:
    idleness: InputIdleness[str] = InputIdleness(IDLE_AFTER, STALE)
    _checks(idleness, range(0, 6), {"badge/0": 40, "badge/1": 7})
    _checks(idleness, range(6, 8), {"badge/0": 40})
    # badge/1 comes back (a rebalance gave it back) at the same offset: quiet from now on.
    answers = _checks(idleness, range(8, 19), {"badge/0": 40, "badge/1": 7})
    assert answers[2] == ["badge/0"]
    assert answers[-1] == ["badge/0", "badge/1"]
    assert all("badge/1" not in a for a in answers[:-1])


# ------------------------------------------------------------------ the officer stage's clock


def test_an_idle_statement_made_before_a_busy_one_does_not_override_it() -> None:
    clock = PartitionClock.starting(["badge/0", "access/0"])
    clock.source_seen("badge/0", 100.0, idle=False, as_of=1.0)
    clock.source_seen("access/0", 50.0, idle=False, as_of=1.0)
    # access/0 is told busy again (after an outage) at 20; an idle marker made at 10 comes
    # after that, delivered late by a producer that lost the broker.
    clock.source_seen("access/0", -math.inf, idle=False, as_of=20.0)
    assert clock.source_seen("access/0", 50.0, idle=True, as_of=10.0) == 50.0
    # A newer one does.
    assert clock.source_seen("access/0", 50.0, idle=True, as_of=21.0) == 100.0


def test_undated_statements_always_apply() -> None:
    clock = PartitionClock.starting(["badge/0", "access/0"])
    clock.source_seen("badge/0", 100.0, idle=False, as_of=None)
    clock.source_seen("access/0", 50.0, idle=True, as_of=30.0)
    assert clock.source_seen("access/0", 60.0, idle=False, as_of=None) == 60.0


def test_a_clock_stored_before_statements_were_dated_still_reads() -> None:
    raw = b'{"w":5.0,"d":null,"s":{"badge/0":[5.0,true],"access/0":[4.0,false]},"p":[]}'
    clock = PartitionClock.from_bytes(raw)
    assert clock.source_seen("access/0", 6.0, idle=False, as_of=2.0) == 6.0
    assert clock.source_seen("badge/0", 7.0, idle=False, as_of=1.0) == 6.0


# ------------------------------------------------------------------ the worker


class _Sends:
    """What the worker sent to the by-officer topic, in order: (kind, source, target)."""

    def __init__(self) -> None:
        self.sent: list[tuple[bytes, str | None, int | None]] = []

    async def __call__(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        partition: int | None = None,
        headers: list[tuple[str, bytes]] | None = None,
    ) -> None:
        self.sent.append((wire.kind_of(headers), wire.source_of(headers), partition))
        assert wire.as_of(headers) is not None, "every clock statement is dated"


def _worker_sending(monkeypatch: pytest.MonkeyPatch) -> tuple[WatchfloorWorker, _Sends]:
    settings = ServiceSettings(bootstrap="127.0.0.1:9092", partitions=2, store="memory")
    worker = WatchfloorWorker(settings, load_config())
    owned = {TP(settings.topic("badge"), 1), TP(settings.topic("roster"), 0)}
    monkeypatch.setattr(worker.app.consumer, "assignment", lambda: set(owned))
    sends = _Sends()
    worker._send = sends
    return worker, sends


def _one_batch(worker: WatchfloorWorker) -> None:
    source = (worker.settings.topic("badge"), 1)
    event: Any = object.__new__(type("Event", (), {}))
    worker._ingest_clock[source] = 100.0
    worker._outbox.add(source, event, 0, b"{}")
    asyncio.run(worker._send_batch(source))


def test_the_first_batch_after_an_interruption_first_says_no_partition_is_idle(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    worker, sends = _worker_sending(monkeypatch)
    _one_batch(worker)  # a fresh worker: never checked
    badge, roster = worker.settings.topic("badge"), worker.settings.topic("roster")
    assert sends.sent == [
        *[(wire.WATERMARK, f"{t}/{p}", to) for t, p in [(badge, 1), (roster, 0)] for to in (0, 1)],
        (wire.EVENTS, f"{badge}/1", 0),
        (wire.EVENTS, f"{badge}/1", 1),
    ]
    sends.sent.clear()
    _one_batch(worker)  # once only
    assert [kind for kind, _, _ in sends.sent] == [wire.EVENTS, wire.EVENTS]
    sends.sent.clear()
    asyncio.run(worker._forget_caches())  # a rebalance
    _one_batch(worker)
    assert [kind for kind, _, _ in sends.sent].count(wire.WATERMARK) == 4


def test_idle_after_is_checked() -> None:
    with pytest.raises(SettingsError, match="idle-after"):
        ServiceSettings(bootstrap="127.0.0.1:9092", idle_after_s=-1.0)
