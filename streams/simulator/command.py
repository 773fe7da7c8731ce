"""``watchfloor simulate``: write a synthetic force's events, reference data and labels, or
publish them live to Kafka with ``--to-kafka``."""

from __future__ import annotations

import argparse
import logging
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from schemas.topics import DEFAULT_PREFIX
from streams.cli_support import (
    CommandError,
    add_kafka_security_options,
    add_option,
    add_switch,
    resolve_connection,
)
from streams.simulator.engine import LOOKAHEAD, Settings, Simulation

log = logging.getLogger("watchfloor.simulate")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "simulate",
        help="generate a synthetic police force with labelled scenarios",
        description=(
            "Simulate a police force's badge, system-access and roster events with injected, "
            "labelled misconduct, welfare and benign look-alike scenarios. Writes "
            "events.jsonl.gz, reference/ and labels.jsonl to --out, or publishes live to Kafka "
            "with --to-kafka. The same options and seed give byte-identical output."
        ),
    )
    add_option(
        parser,
        "--officers",
        env="WATCHFLOOR_SIM_OFFICERS",
        type=int,
        default=500,
        help="officers and staff in the force",
    )
    add_option(
        parser, "--days", env="WATCHFLOOR_SIM_DAYS", type=int, default=28, help="days to simulate"
    )
    add_option(
        parser,
        "--seed",
        env="WATCHFLOOR_SIM_SEED",
        type=int,
        default=1,
        help="random seed; another seed gives another force",
    )
    add_option(
        parser,
        "--start",
        env="WATCHFLOOR_SIM_START",
        type=_date,
        default=None,
        help="first simulated day, YYYY-MM-DD (default: 2026-01-05, or today with --to-kafka)",
    )
    add_option(
        parser,
        "--scenario-rate",
        env="WATCHFLOOR_SIM_SCENARIO_RATE",
        type=float,
        default=0.05,
        help="expected injected scenarios per officer per 28 days",
    )
    add_option(
        parser,
        "--out",
        env="WATCHFLOOR_SIM_OUT",
        type=Path,
        default=None,
        help="output directory (required unless --to-kafka)",
    )
    add_switch(
        parser,
        "--to-kafka",
        env="WATCHFLOOR_SIM_TO_KAFKA",
        help="publish live to the input topics instead",
    )
    add_option(
        parser,
        "--bootstrap",
        env="WATCHFLOOR_KAFKA_BOOTSTRAP",
        help="Kafka bootstrap servers for --to-kafka; the local broker's when left out",
    )
    add_option(
        parser,
        "--rate",
        env="WATCHFLOOR_SIM_RATE",
        type=float,
        default=500.0,
        help="events per second with --to-kafka; 0 paces by event time (real time)",
    )
    add_option(
        parser,
        "--topic-prefix",
        env="WATCHFLOOR_TOPIC_PREFIX",
        default=DEFAULT_PREFIX,
        help="prefix of the topic names",
    )
    add_kafka_security_options(parser)
    parser.set_defaults(handler=run)


def settings_from(args: argparse.Namespace) -> Settings:
    """Validated settings, or a :class:`CommandError` naming the bad option."""
    if args.officers is None or not 6 <= args.officers <= 1_000_000:
        raise CommandError("--officers must be between 6 and 1000000")
    if args.days is None or args.days < 1:
        raise CommandError("--days must be at least 1")
    if args.scenario_rate is None or args.scenario_rate < 0:
        raise CommandError("--scenario-rate must not be negative")
    start = args.start
    if start is None:
        start = datetime.now(UTC).date() if args.to_kafka else date(2026, 1, 5)
    return Settings(args.officers, args.days, args.seed, start, args.scenario_rate)


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if args.to_kafka:
        return _to_kafka(settings, args)
    if args.out is None:
        raise CommandError("--out is required (or publish with --to-kafka)")
    from streams.simulator.writer import write_simulation

    out: Path = args.out
    if out.exists() and not out.is_dir():
        raise CommandError(f"--out {out} exists and is not a directory")
    simulation = Simulation(settings)
    began = time.monotonic()
    shown = [began]

    def progress(day: int, events: int) -> None:
        now = time.monotonic()
        if day >= 0 and (now - shown[0] >= 5 or day == settings.days - 1):
            shown[0] = now
            log.info("day %d of %d: %d events", day + 1, settings.days, events)

    try:
        summary = write_simulation(simulation, out, progress)
    except OSError as error:
        raise CommandError(f"cannot write to {out}: {error}") from error
    took = time.monotonic() - began
    log.info(
        "wrote %d events (%d days of roster planned ahead), %d labels for %d officers to %s "
        "in %.1f s",
        summary.events,
        LOOKAHEAD,
        summary.labels,
        summary.officers,
        out,
        took,
    )
    return 0


def _to_kafka(settings: Settings, args: argparse.Namespace) -> int:
    from streams.connection import describe_failure
    from streams.simulator.publish import kafka_producer, publish

    bootstrap, security = resolve_connection(args)
    try:
        producer = kafka_producer(bootstrap, **security.kafka_python())
    except Exception as error:  # kafka-python raises several unrelated types when unreachable
        raise CommandError(
            f"cannot connect to Kafka at {bootstrap}: {describe_failure(error)}"
        ) from error
    try:
        sent = publish(Simulation(settings), producer, prefix=args.topic_prefix, rate=args.rate)
    finally:
        producer.flush(timeout=10)
        close = getattr(producer, "close", None)
        if close is not None:
            close(timeout=10)
    log.info("published %d events to %s", sent, bootstrap)
    return 0
