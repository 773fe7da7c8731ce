"""How often the worker's transactions end, and how soon a refused one is retried: alert latency."""

from __future__ import annotations

import asyncio
import time
from typing import Any, cast

import pytest
from faust.types import TP

from detectors.config import load_config
from streams.cli import build_parser
from streams.service.command import settings_from
from streams.service.exactly_once import (
    CATCHING_UP_RECORDS,
    TRANSACTION_RETRY_BACKOFF_MS,
    ConcurrentCommitProducer,
    commit_now,
)
from streams.service.settings import (
    CATCHING_UP_COMMIT_INTERVAL_S,
    DEFAULT_COMMIT_INTERVAL_S,
    ServiceSettings,
    SettingsError,
)
from streams.service.worker import WatchfloorWorker


def test_the_worker_commits_at_the_interval_it_is_given() -> None:
    for interval in (0.05, 1.0, 10.0):
        settings = ServiceSettings(
            bootstrap="127.0.0.1:9092", store="memory", commit_interval_s=interval
        )
        assert WatchfloorWorker(settings, load_config()).app.conf.broker_commit_interval == interval


def test_the_flag_wins_over_the_environment_which_wins_over_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def interval(*flags: str) -> float:
        args = build_parser().parse_args(["serve", *flags])
        return settings_from(args, "127.0.0.1:9092").commit_interval_s

    assert interval() == DEFAULT_COMMIT_INTERVAL_S
    monkeypatch.setenv("WATCHFLOOR_COMMIT_INTERVAL", "0.25")
    assert interval() == 0.25
    assert interval("--commit-interval", "0.1") == 0.1


@pytest.mark.parametrize(
    ("interval", "catching_up"), [(0.02, 0.1), (0.1, 0.1), (0.5, 0.5), (10.0, 10.0)]
)
def test_a_worker_catching_up_commits_at_most_every_tenth_of_a_second_or_its_interval(
    interval: float, catching_up: float
) -> None:
    settings = ServiceSettings(
        bootstrap="127.0.0.1:9092", store="memory", commit_interval_s=interval
    )
    app = WatchfloorWorker(settings, load_config()).app
    assert app.conf.broker_commit_interval == interval
    assert app.catching_up_commit_interval == catching_up


def test_periodic_commits_are_left_out_only_while_far_behind_and_recently_committed() -> None:
    assert commit_now(CATCHING_UP_RECORDS, since_last_commit=0.0, catching_up_interval=0.1)
    assert not commit_now(
        CATCHING_UP_RECORDS + 1, since_last_commit=0.099, catching_up_interval=0.1
    )
    assert commit_now(CATCHING_UP_RECORDS + 1, since_last_commit=0.1, catching_up_interval=0.1)


@pytest.mark.parametrize("interval", [0.0, 0.009, 60.5, -1.0])
def test_an_interval_out_of_range_is_refused_saying_why(interval: float) -> None:
    with pytest.raises(SettingsError, match=r"commit interval must be within 0\.01\.\.60 seconds"):
        ServiceSettings(bootstrap="127.0.0.1:9092", commit_interval_s=interval)


def test_transactional_producers_retry_a_refused_transaction_start_soon() -> None:
    # The broker refuses a transaction begun while it still writes the last one's markers;
    # waiting the client's default 100 ms before asking again showed as commit stalls.
    settings = ServiceSettings(bootstrap="127.0.0.1:9092", store="memory")
    app = WatchfloorWorker(settings, load_config()).app
    app.in_worker = True  # what Faust's worker sets as it starts the app
    producer = cast(ConcurrentCommitProducer, app.producer)
    extra = producer._settings_extra()
    assert extra["retry_backoff_ms"] == TRANSACTION_RETRY_BACKOFF_MS <= 20
    assert extra["enable_idempotence"] is True


def _consumer(monkeypatch: pytest.MonkeyPatch, ends: dict[TP, int]) -> tuple[Any, list[bool]]:
    """The worker's consumer (never started) over `ends`, its commits recorded, not made."""
    settings = ServiceSettings(bootstrap="127.0.0.1:9092", store="memory")
    consumer = cast(Any, WatchfloorWorker(settings, load_config()).app.consumer)
    commits: list[bool] = []

    async def force_commit(*args: object, **kwargs: object) -> bool:
        commits.append(True)
        return True

    monkeypatch.setattr(consumer, "assignment", lambda: set(ends))
    monkeypatch.setattr(consumer, "highwater", ends.get)
    monkeypatch.setattr(consumer, "force_commit", force_commit)
    return consumer, commits


def test_only_input_records_fetched_and_not_processed_count_as_behind(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    access, roster = TP("watchfloor.access.v1", 0), TP("watchfloor.roster.v1", 1)
    internal = TP("watchfloor.internal.by-officer.v1", 0)
    consumer, _ = _consumer(monkeypatch, {access: 5000, roster: 300, internal: 90_000})
    consumer.processed[access] = 999  # 4,000 to go (offsets 1,000-4,999)
    # roster: nothing processed in this assignment yet, so nothing counted
    assert consumer.records_behind() == 4000


def test_a_worker_far_behind_leaves_out_periodic_commits_until_its_catching_up_interval(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    access = TP("watchfloor.access.v1", 0)
    consumer, commits = _consumer(monkeypatch, {access: 50_000})
    consumer.processed[access] = 10
    consumer.last_commit = time.monotonic()
    assert asyncio.run(consumer.commit()) is False
    assert commits == []
    # The final commit, which ends the transactions, is never left out.
    asyncio.run(consumer.commit(start_new_transaction=False))
    assert commits == [True]
    consumer.last_commit = time.monotonic() - CATCHING_UP_COMMIT_INTERVAL_S
    asyncio.run(consumer.commit())
    assert commits == [True, True]
    consumer.processed[access] = 50_000 - 1 - CATCHING_UP_RECORDS  # caught up enough
    consumer.last_commit = time.monotonic()
    asyncio.run(consumer.commit())
    assert commits == [True, True, True]
