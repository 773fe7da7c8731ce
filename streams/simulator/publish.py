"""``simulate --to-kafka``: publish a simulation live to the input and reference topics.

Reference data goes first to its compacted topics (keyed by officer, site and record). Then
events follow in event-time order, keyed by ``officer_id``, with every time shifted by one
constant so that the first event of the first simulated day carries the time of publication:
roster changes announced before that day are published at once, as the roster that already
exists; the rest are paced at ``rate`` events a second (the simulated clock then runs at
whatever speed that rate gives), or with ``rate`` 0 in real time, each event when its time
comes. Ctrl-C stops it after flushing what was sent.

Examples
--------
>>> line = '{"type":"roster","officer_id":"P1","event_time":"2026-03-02T10:00:00+00:00",' \\
...        '"period_start":"2026-03-09T07:00:00+00:00","period_end":"2026-03-09T16:00:00+00:00"}'
>>> kind, key, value, when = shift_line(line, 3600)
>>> kind, key, when, orjson.loads(value)["period_start"]
('roster', 'P1', 1772449200, '2026-03-09T08:00:00+00:00')
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, Final, Protocol

import orjson

from schemas.topics import topic
from streams.simulator.clock import DAY
from streams.simulator.engine import Simulation

log = logging.getLogger(__name__)

_TIME_FIELDS: Final = ("event_time", "period_start", "period_end")
_REFERENCE: Final = (("officers", "officer_id"), ("sites", "site_id"), ("watchlist", "record_ref"))


class Producer(Protocol):
    """The part of ``kafka.KafkaProducer`` used here (a fake stands in for tests)."""

    def send(self, topic: str, value: bytes, key: bytes) -> Any: ...

    def flush(self, timeout: float | None = None) -> None: ...


def _shift(text: str, delta: int) -> tuple[str, int]:
    instant = int(datetime.fromisoformat(text).timestamp()) + delta
    return datetime.fromtimestamp(instant, UTC).isoformat(), instant


def shift_line(line: str, delta: int) -> tuple[str, str, bytes, int]:
    """(event type, officer id, shifted JSON, shifted event time) of one event line."""
    event = orjson.loads(line)
    when = 0
    for field in _TIME_FIELDS:
        if field in event:
            event[field], instant = _shift(event[field], delta)
            if field == "event_time":
                when = instant
    return event["type"], event["officer_id"], orjson.dumps(event), when


def publish(
    simulation: Simulation,
    producer: Producer,
    *,
    prefix: str,
    rate: float,
    stop: threading.Event | None = None,
    now: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Send the simulation through ``producer``; returns how many events were sent."""
    stop = stop or threading.Event()
    names = {entity: topic(entity).name(prefix) for entity in ("badge", "access", "roster")}
    _send_reference(simulation, producer, prefix)
    sent = 0
    backlog: list[str] | None = []  # roster changes announced before day 0: at most the look-ahead
    delta = 0
    started = 0.0
    live = 0
    try:
        for day in simulation.run():
            if backlog is not None and day.day < 0:
                backlog.extend(day.lines)
                continue
            if backlog is not None and day.lines:
                # The first event of the first simulated day is "now"; what came before is the
                # roster as it already stands, and goes out at once.
                delta = int(now()) - _event_time(day.lines[0])
                for line in backlog:
                    kind, key, value, _ = shift_line(line, delta)
                    producer.send(names[kind], value=value, key=key.encode())
                sent += len(backlog)
                backlog = None
                started = now()
            for line in day.lines:
                if stop.is_set():
                    producer.flush(timeout=10)
                    return sent
                kind, key, value, when = shift_line(line, delta)
                live += 1
                due = when if rate <= 0 else started + live / rate
                wait = due - now()
                if wait > 0:
                    sleep(min(wait, DAY))
                producer.send(names[kind], value=value, key=key.encode())
                sent += 1
            log.info("published simulated day %d (%d events so far)", day.day, sent)
    except KeyboardInterrupt:
        # Ctrl-C: stop between two sends, keep what was sent, and flush it below.
        log.info("stopping on Ctrl-C after %d events", sent)
    producer.flush(timeout=30)
    return sent


def _event_time(line: str) -> int:
    start = line.index('"event_time":"') + 14
    return int(datetime.fromisoformat(line[start : start + 25]).timestamp())


def _send_reference(simulation: Simulation, producer: Producer, prefix: str) -> None:
    sources: dict[str, Callable[[], Iterable[dict[str, Any]]]] = {
        "officers": simulation.officers,
        "sites": simulation.sites,
        "watchlist": simulation.watchlist,
    }
    for entity, key_field in _REFERENCE:
        name = topic(entity).name(prefix)
        for record in sources[entity]():
            producer.send(name, value=orjson.dumps(record), key=str(record[key_field]).encode())
    producer.flush(timeout=30)


def kafka_producer(bootstrap: str, **security: Any) -> Producer:
    """A kafka-python producer for ``bootstrap`` (imported here: only this mode needs it).

    `security` is `KafkaSecurity.kafka_python()` (TLS and SASL options).
    """
    from kafka import KafkaProducer

    producer: Producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        linger_ms=20,
        client_id="watchfloor-simulate",
        **security,
    )
    return producer
