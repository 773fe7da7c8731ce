"""`watchfloor demo`: the README's first command.

For now it brings up the embedded default, a local Apache Kafka broker, unless
`WATCHFLOOR_KAFKA_BOOTSTRAP` names one, checks that the broker answers, and keeps it up until
Ctrl-C, stopping only what it started.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Any

from streams.cli_support import CommandError, add_option
from streams.local_kafka import LocalKafka, LocalKafkaError, metadata_request


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run watchfloor on an embedded default: a local broker started for you",
    )
    add_option(
        parser,
        "--bootstrap",
        env="WATCHFLOOR_KAFKA_BOOTSTRAP",
        help="Kafka bootstrap servers; a local broker is started when left out",
    )
    add_option(
        parser,
        "--duration",
        env="WATCHFLOOR_DEMO_DURATION",
        type=float,
        help="stop after this many seconds instead of waiting for Ctrl-C",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    started: LocalKafka | None = None
    bootstrap: str = args.bootstrap or ""
    try:
        if not bootstrap:
            broker = LocalKafka()
            was_running = broker.status() is not None
            info = broker.start()
            bootstrap = info.bootstrap
            started = None if was_running else broker
        broker_ids = metadata_request(bootstrap, timeout_s=10.0)
    except LocalKafkaError as error:
        raise CommandError(str(error)) from error
    except Exception as error:
        raise CommandError(f"the broker at {bootstrap} does not answer: {error}") from error

    print(f"watchfloor demo: Kafka ready at {bootstrap} (brokers {broker_ids})", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        print("press Ctrl-C to stop", file=sys.stderr, flush=True)
        stop.wait(args.duration)
    except KeyboardInterrupt:
        pass
    finally:
        if started is not None:
            started.stop()
            print("watchfloor demo: stopped the local broker it started", file=sys.stderr)
    return 0
