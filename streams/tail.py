"""`watchfloor tail`: follow the alert topics and print alerts as they are committed.

People get one readable line per alert; scripts get `--json`, one alert per line, exactly as
published. Only committed messages are read (read-committed), so an alert shows once even
when a worker is killed mid-transaction.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TextIO

from schemas.alerts import Alert
from schemas.codec import DecodeError, decode_alert
from schemas.topics import DEFAULT_PREFIX
from streams.cli_support import (
    CommandError,
    add_kafka_security_options,
    add_option,
    resolve_connection,
)

if TYPE_CHECKING:
    from streams.connection import KafkaSecurity

CATEGORIES = ("integrity", "welfare")


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "tail",
        help="follow the alert topics and print alerts as they happen",
        description="Print committed alerts from the integrity and welfare alert topics.",
    )
    add_option(
        parser,
        "--bootstrap",
        env="WATCHFLOOR_KAFKA_BOOTSTRAP",
        help="Kafka bootstrap servers; the local broker's when left out",
    )
    add_option(
        parser,
        "--topic-prefix",
        env="WATCHFLOOR_TOPIC_PREFIX",
        default=DEFAULT_PREFIX,
        help="prefix of the topic names",
    )
    add_option(
        parser,
        "--category",
        env="WATCHFLOOR_TAIL_CATEGORY",
        default="all",
        choices=("all", *CATEGORIES),
        help="which alert topic(s) to follow",
    )
    parser.add_argument(
        "--from-beginning",
        action="store_true",
        help="start at the oldest retained alert instead of new ones only",
    )
    parser.add_argument("--json", action="store_true", help="print each alert as one JSON line")
    parser.add_argument(
        "--limit", type=int, default=None, help="stop after printing this many alerts"
    )
    parser.add_argument(
        "--idle-timeout",
        type=float,
        default=None,
        help="stop after this many seconds without a new alert",
    )
    add_kafka_security_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    bootstrap, security = resolve_connection(args)
    categories = CATEGORIES if args.category == "all" else (args.category,)
    topics = [f"{args.topic_prefix}.alerts.{category}.v1" for category in categories]
    printed = 0
    try:
        for raw in follow(
            bootstrap,
            topics,
            from_beginning=args.from_beginning,
            idle_timeout=args.idle_timeout,
            security=security,
        ):
            try:
                alert = decode_alert(raw)
            except DecodeError as error:
                print(f"watchfloor tail: skipped an undecodable alert: {error}", file=sys.stderr)
                continue
            if args.json:
                sys.stdout.buffer.write(raw.rstrip(b"\n") + b"\n")
                sys.stdout.flush()
            else:
                print_readable(alert, sys.stdout)
            printed += 1
            if args.limit is not None and printed >= args.limit:
                break
    except BrokenPipeError:
        # A reader such as `head` closed the pipe: that is the end, not a failure.
        return 0
    return 0


def follow(
    bootstrap: str,
    topics: list[str],
    *,
    from_beginning: bool = False,
    idle_timeout: float | None = None,
    security: KafkaSecurity | None = None,
) -> Iterator[bytes]:
    """Yield raw committed messages from every partition of `topics`, oldest first per partition."""
    from kafka import KafkaConsumer, TopicPartition
    from kafka.errors import KafkaError

    from streams.connection import describe_failure

    try:
        consumer = KafkaConsumer(
            bootstrap_servers=bootstrap,
            isolation_level="read_committed",
            enable_auto_commit=False,
            client_id="watchfloor-tail",
            request_timeout_ms=30_000,
            **(security.kafka_python() if security is not None else {}),
        )
    except KafkaError as error:
        raise CommandError(
            f"no Kafka broker answers at {bootstrap}: {describe_failure(error)}"
        ) from error
    try:
        partitions: list[Any] = []
        for topic in topics:
            try:
                ids = consumer.partitions_for_topic(topic)
            except KafkaError as error:
                raise CommandError(
                    f"no Kafka broker answers at {bootstrap}: {describe_failure(error)}"
                ) from error
            if not ids:
                raise CommandError(
                    f"topic {topic} does not exist at {bootstrap}; is the service running?"
                )
            partitions.extend(TopicPartition(topic, p) for p in sorted(ids))
        # Assigned rather than subscribed: tailing must not move any group's offsets.
        consumer.assign(partitions)
        if from_beginning:
            consumer.seek_to_beginning(*partitions)
        else:
            consumer.seek_to_end(*partitions)
        last_seen = time.monotonic()
        while idle_timeout is None or time.monotonic() - last_seen < idle_timeout:
            try:
                batches = consumer.poll(timeout_ms=500)
            except KafkaError as error:
                raise CommandError(f"reading alerts from {bootstrap} failed: {error}") from error
            records = sorted(
                (record for batch in batches.values() for record in batch),
                key=lambda record: (
                    record.timestamp,
                    record.topic,
                    record.partition,
                    record.offset,
                ),
            )
            for record in records:
                last_seen = time.monotonic()
                yield record.value
    finally:
        consumer.close()


def format_alert(alert: Alert) -> str:
    """One readable line for a person watching the stream.

    >>> raw = (
    ...     b'{"schema_version": 1, "alert_id": "a:roster_self_approval:1:P40211:7c1e9b52",'
    ...     b' "officer_id": "P40211", "detector": "roster_self_approval", "detector_version": 1,'
    ...     b' "category": "integrity", "severity": "medium", "score": 1.0,'
    ...     b' "event_time": "2026-03-10T22:40:00+00:00", "window": {"start":'
    ...     b' "2026-03-10T17:00:00+00:00", "end": "2026-03-10T21:00:00+00:00"}, "summary":'
    ...     b' "Overtime of 4.0 h was claimed and approved by the same officer.",'
    ...     b' "evidence": ["rost-000377"], "explanation": {"observed": {}, "own_normal": {},'
    ...     b' "peer_normal": {}, "threshold": {}}, "risk": {"score": 3.0, "contributions":'
    ...     b' []}, "config_hash": "sha256:3b5d0c1a"}'
    ... )
    >>> print(format_alert(decode_alert(raw)))
    2026-03-10 22:40Z integrity MEDIUM roster_self_approval officer P40211 risk 3.0:
      Overtime of 4.0 h was claimed and approved by the same officer.
      evidence rost-000377
    """
    when = alert.event_time.strftime("%Y-%m-%d %H:%MZ")
    risk = f" risk {alert.risk.score:.1f}" if alert.category == "integrity" else ""
    evidence = ", ".join(alert.evidence[:5])
    if len(alert.evidence) > 5:
        evidence += f" and {len(alert.evidence) - 5} more"
    return (
        f"{when} {alert.category} {alert.severity.upper()} {alert.detector} "
        f"officer {alert.officer_id}{risk}:\n  {alert.summary}\n  evidence {evidence}"
    )


def print_readable(alert: Alert, out: TextIO) -> None:
    print(format_alert(alert), file=out, flush=True)
