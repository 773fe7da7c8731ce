"""``watchfloor replay --to-kafka``: publish history files to the input topics, as they were.

Reference data goes first, to the compacted topics (``<prefix>.officers.v1`` keyed by
officer_id, ``<prefix>.sites.v1`` by site_id, ``<prefix>.watchlist.v1`` by record_ref), and is
flushed before the first event is sent. Then the events follow, merged in event-time order
exactly as the offline replay reads them, each to the topic of its type keyed by officer_id,
the message body being the original line: event times are kept, nothing is re-encoded. So the
live service sees the same events, in the same order per officer, as the offline replay.

Pacing: ``speed`` X sends each event when its event time comes at X times real time (measured
from the first event sent); ``rate`` N sends N events a second; neither sends as fast as the
producer takes them. Bad lines (events or reference records) go to the dead-letter file as in
the offline replay and are not published. A stop request (Ctrl-C) ends the run between two
events, after flushing what was sent.

Examples
--------
>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> line = ('{"schema_version": 1, "type": "access", "event_id": "a1", "officer_id": "P1",'
...     ' "source": "audit", "event_time": "2026-03-09T08:10:00+00:00", "system": "pnc",'
...     ' "action": "login", "record_type": "none", "workstation_id": "WS-1"}')
>>> _ = (folder / "events.jsonl").write_text(line + "\\nnot json\\n")
>>> producer = ListProducer()
>>> summary = publish(
...     PublishOptions(inputs=(folder / "events.jsonl",), dead_letter=folder / "dead.jsonl"),
...     producer,
... )
>>> [(topic, key) for topic, key, _ in producer.sent], summary.events, summary.bad_lines
([('watchfloor.access.v1', b'P1')], 1, 1)
>>> producer.sent[0][2] == line.encode()
True
"""

from __future__ import annotations

import logging
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final, Protocol

from schemas.topics import DEFAULT_PREFIX
from streams.connection import KafkaSecurity, describe_failure
from streams.replay.deadletters import DeadLetterWriter, now_utc
from streams.replay.inputs import find_inputs, merge_raw, warn_skipped
from streams.replay.reference import Rejection, reference_records
from streams.replay.run import StopFlag

log = logging.getLogger(__name__)

INPUT_ENTITIES: Final = ("badge", "access", "roster")
REFERENCE_ENTITIES: Final = ("officers", "sites", "watchlist")
# The longest single sleep while pacing, so that a stop request is honoured at once.
MAX_NAP_SECONDS: Final = 0.2
# How long a flush may take before the run is declared failed (the broker went away).
FLUSH_TIMEOUT_SECONDS: Final = 60.0
LOG_EVERY_SECONDS: Final = 10.0


class PublishError(Exception):
    """The broker did not take what was sent (unreachable, topic missing, not authorised)."""


class Producer(Protocol):
    """The part of ``kafka.KafkaProducer`` used here; a list stands in for it in tests."""

    def send(self, topic: str, value: bytes, key: bytes) -> Any: ...

    def flush(self, timeout: float | None = None) -> None: ...


class ListProducer:
    """A producer that keeps what it is sent: ``(topic, key, value)`` in order."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, bytes]] = []
        self.flushes = 0

    def send(self, topic: str, value: bytes, key: bytes) -> None:
        self.sent.append((topic, key, value))

    def flush(self, timeout: float | None = None) -> None:
        self.flushes += 1


@dataclass(frozen=True, slots=True)
class PublishOptions:
    """One ``replay --to-kafka`` run."""

    inputs: tuple[Path, ...]
    dead_letter: Path
    prefix: str = DEFAULT_PREFIX
    reference: Path | None = None
    speed: float | None = None  # X times real time, by event time
    rate: float | None = None  # events a second
    start: float | None = None  # epoch seconds, inclusive
    end: float | None = None  # epoch seconds, exclusive

    def topic(self, entity: str) -> str:
        return f"{self.prefix}.{entity}.v1"


@dataclass(slots=True)
class PublishSummary:
    """What a run published and rejected."""

    events: int = 0
    events_by_topic: dict[str, int] = field(default_factory=dict)
    reference_records: dict[str, int] = field(default_factory=dict)
    bad_lines: int = 0
    reference_bad_lines: int = 0
    out_of_range: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    dead_letter: str = ""
    files_skipped: int = 0  # in input directories, each named in a warning

    def to_json(self) -> dict[str, Any]:
        return {
            "events": self.events,
            "events_by_topic": dict(sorted(self.events_by_topic.items())),
            "reference_records": dict(self.reference_records),
            "bad_lines": self.bad_lines,
            "reference_bad_lines": self.reference_bad_lines,
            "out_of_range": self.out_of_range,
            "files_skipped": self.files_skipped,
            "seconds": round(self.seconds, 3),
            "events_per_second": round(self.events / self.seconds, 1) if self.seconds else None,
            "interrupted": self.interrupted,
            "dead_letter": self.dead_letter if self.bad_lines + self.reference_bad_lines else None,
        }

    def text(self) -> str:
        reference = ", ".join(f"{n} {entity}" for entity, n in self.reference_records.items())
        rate = f" ({self.events / self.seconds:,.0f}/s)" if self.seconds > 0 else ""
        lines = [
            f"published {self.events:,} events in {self.seconds:.1f} s{rate}",
            f"reference records: {reference or 'none'}",
            f"bad lines: {self.bad_lines:,} events, {self.reference_bad_lines:,} reference",
        ]
        if self.out_of_range:
            lines.append(f"outside --from/--to: {self.out_of_range:,}")
        if self.files_skipped:
            lines.append(f"files skipped in input directories: {self.files_skipped:,}")
        if self.bad_lines + self.reference_bad_lines:
            lines.append(f"dead letters: {self.dead_letter}")
        return "\n".join(lines)


class Pacer:
    """When each event is due: by event time at `speed` x real time, or at `rate` a second."""

    def __init__(
        self,
        *,
        speed: float | None,
        rate: float | None,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        stop: StopFlag | None,
    ) -> None:
        if speed is not None and not speed > 0:
            raise ValueError(f"speed must be above 0, got {speed}")
        if rate is not None and not rate > 0:
            raise ValueError(f"rate must be above 0, got {rate}")
        self.speed = speed
        self.rate = rate
        self.clock = clock
        self.sleep = sleep
        self.stop = stop
        self.started: float | None = None
        self.first_event_time = 0.0
        self.count = 0

    @property
    def paced(self) -> bool:
        return self.speed is not None or self.rate is not None

    def wait(self, event_time: float) -> bool:
        """Sleep until the next event is due; False when a stop was asked for meanwhile."""
        if not self.paced:
            return True
        now = self.clock()
        if self.started is None:
            self.started, self.first_event_time = now, event_time
        if self.speed is not None:
            due = self.started + (event_time - self.first_event_time) / self.speed
        else:
            assert self.rate is not None
            due = self.started + self.count / self.rate
        self.count += 1
        while (left := due - now) > 0:
            if self.stop is not None and self.stop.is_set():
                return False
            self.sleep(min(left, MAX_NAP_SECONDS))
            now = self.clock()
        return True


class _Failures:
    """The first delivery error reported by the producer's futures, if any."""

    def __init__(self) -> None:
        self.first: BaseException | None = None
        self.count = 0

    def __call__(self, error: BaseException) -> None:
        self.count += 1
        if self.first is None:
            self.first = error

    def check(self) -> None:
        if self.first is not None:
            raise PublishError(f"{self.count} message(s) not delivered: {self.first}")


def publish(
    options: PublishOptions,
    producer: Producer,
    *,
    stop: StopFlag | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    wall_clock: Callable[[], datetime] = now_utc,
) -> PublishSummary:
    """Publish reference data, then the merged events; see the module docstring."""
    started = clock()
    found = find_inputs(options.inputs)
    sources = found.sources
    warn_skipped(found.skipped)
    pacer = Pacer(speed=options.speed, rate=options.rate, clock=clock, sleep=sleep, stop=stop)
    summary = PublishSummary(dead_letter=str(options.dead_letter), files_skipped=len(found.skipped))
    failures = _Failures()
    dead = DeadLetterWriter(options.dead_letter, clock=wall_clock)

    def send(topic: str, key: bytes, value: bytes) -> None:
        future = producer.send(topic, value=value, key=key)
        errback = getattr(future, "add_errback", None)
        if errback is not None:
            errback(failures)

    def flush() -> None:
        try:
            producer.flush(timeout=FLUSH_TIMEOUT_SECONDS)
        except Exception as error:  # kafka-python's KafkaTimeoutError and kin
            raise PublishError(f"flushing to Kafka failed: {error}") from error
        failures.check()

    try:
        if options.reference is not None:
            rejected: list[Rejection] = []
            counts: Counter[str] = Counter({entity: 0 for entity in REFERENCE_ENTITIES})
            for entity, key, raw in reference_records(options.reference, rejected):
                send(options.topic(entity), key, raw)
                counts[entity] += 1
            for original, file, line, problem in rejected:
                dead.write(original, file, line, problem)
            summary.reference_records = dict(counts)
            summary.reference_bad_lines = len(rejected)
            # Reference data is committed before any event, so a worker reading the reference
            # topics to their end first sees all of it.
            flush()
            failures.check()
        topics = {entity: options.topic(entity) for entity in INPUT_ENTITIES}
        by_topic: Counter[str] = Counter()
        names = [str(s.path) for s in sources]
        low = options.start if options.start is not None else -math.inf
        high = options.end if options.end is not None else math.inf
        next_log = clock() + LOG_EVERY_SECONDS
        for moment, index, number, event, raw, error in merge_raw(sources):
            if event is None:
                assert error is not None
                dead.write(raw, names[index], number, error)
                summary.bad_lines += 1
                continue
            if not low <= moment < high:
                summary.out_of_range += 1
                continue
            if stop is not None and stop.is_set():
                summary.interrupted = True
                break
            if not pacer.wait(moment):
                summary.interrupted = True
                break
            topic = topics[event.type]
            send(topic, event.officer_id.encode(), raw)
            by_topic[topic] += 1
            summary.events += 1
            if failures.first is not None:
                failures.check()
            if summary.events % 4096 == 0 and clock() >= next_log:
                next_log = clock() + LOG_EVERY_SECONDS
                log.info("published %d events", summary.events)
        summary.events_by_topic = dict(by_topic)
        flush()
    finally:
        dead.close()
    summary.seconds = clock() - started
    return summary


def kafka_producer(bootstrap: str, security: KafkaSecurity | None = None) -> Producer:
    """A kafka-python producer that waits for every replica and batches for throughput.

    Idempotence keeps each partition's order through retries: the live service relies on the
    order of one officer's events as sent.
    """
    from kafka import KafkaProducer

    producer: Producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,
        linger_ms=20,
        batch_size=256 * 1024,
        max_block_ms=15_000,
        request_timeout_ms=15_000,
        client_id="watchfloor-replay",
        **(security.kafka_python() if security is not None else {}),
    )
    return producer


def check_topics(
    bootstrap: str,
    options: PublishOptions,
    *,
    timeout_s: float = 10.0,
    security: KafkaSecurity | None = None,
) -> None:
    """Fail fast, with what to do, when the broker does not answer or a topic is missing.

    Topics are not created here: `watchfloor serve` creates them with the deployment's
    partition count and the compacted reference topics, which a broker's auto-creation would
    get wrong.
    """
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError

    # The client logs every failed connection attempt at ERROR; the one line raised says it all.
    client_log = logging.getLogger("kafka")
    level = client_log.level
    client_log.setLevel(logging.CRITICAL)
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=bootstrap,
            request_timeout_ms=int(timeout_s * 1000),
            bootstrap_timeout_ms=int(timeout_s * 1000),
            reconnect_backoff_max_ms=1000,
            client_id="watchfloor-replay-probe",
            **(security.kafka_python() if security is not None else {}),
        )
        try:
            existing = set(admin.list_topics())
        finally:
            admin.close()
    except (KafkaError, OSError) as error:
        raise PublishError(
            f"the Kafka broker at {bootstrap} cannot be reached: {describe_failure(error)}"
        ) from error
    finally:
        client_log.setLevel(level)
    wanted = [options.topic(e) for e in INPUT_ENTITIES]
    if options.reference is not None:
        wanted += [options.topic(e) for e in REFERENCE_ENTITIES]
    missing = [name for name in wanted if name not in existing]
    if missing:
        raise PublishError(
            f"topics missing at {bootstrap}: {', '.join(missing)}; start the service once "
            f"(`watchfloor serve --topic-prefix {options.prefix}`), which creates them"
        )
