"""The worker's index of officers with timers (what the watermark must wake), without a broker.

The index is a cache, rebuilt lazily from the officer-state table after a restart or rebalance.
An officer seen for the first time since the last commit is not in that table yet (its state is
written back at the commit), so the index must be built before such an officer is added to it.
"""

from __future__ import annotations

import asyncio

from detectors.config import load_config
from detectors.testing import Scenario
from streams.service.settings import ServiceSettings
from streams.service.worker import WatchfloorWorker, partition_of


def _worker() -> WatchfloorWorker:
    settings = ServiceSettings(bootstrap="127.0.0.1:9092", store="memory", partitions=4)
    return WatchfloorWorker(settings, load_config())


def test_an_officer_new_since_the_last_commit_keeps_the_timer_of_its_first_event() -> None:
    sc = Scenario()
    sc.badge("P1", "2026-03-09T06:52", site="S1")
    worker = _worker()
    outcome = worker.core.process(None, sc.events()[0])
    due = outcome.state.next_due()
    assert due is not None and not outcome.alerts and not outcome.vectors
    p = partition_of(b"P1", worker.partitions)
    assert p not in worker._due  # as after a start or a rebalance: not built yet

    asyncio.run(worker._settle(p, "P1", outcome))

    assert worker._due_index(p) == [(due, "P1")]


def test_a_rebalance_drops_the_index_with_the_uncommitted_states_it_came_from() -> None:
    sc = Scenario()
    sc.badge("P1", "2026-03-09T06:52", site="S1")
    worker = _worker()
    outcome = worker.core.process(None, sc.events()[0])
    p = partition_of(b"P1", worker.partitions)
    asyncio.run(worker._settle(p, "P1", outcome))

    # Uncommitted work is aborted and redone after a rebalance: neither its state nor its timer
    # may outlive it.
    asyncio.run(worker._forget_caches())

    assert worker._state("P1") is None
    assert worker._due_index(p) == []
