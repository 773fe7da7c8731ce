"""`watchfloor kafka start | stop | status | fetch`: the local single-node broker."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from streams.cli_support import CommandError, add_option
from streams.local_kafka import KAFKA_VERSION, LocalKafka, LocalKafkaError


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "kafka",
        help="run a local single-node Apache Kafka broker (no Docker needed)",
        description=(
            f"Manage a local Apache Kafka {KAFKA_VERSION} broker (KRaft, 127.0.0.1). "
            "The bootstrap address is printed on stdout; logs go to stderr."
        ),
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    start = actions.add_parser("start", help="start the broker and wait until it answers")
    add_option(
        start,
        "--port",
        env="WATCHFLOOR_KAFKA_PORT",
        type=int,
        help="listener port on 127.0.0.1; a free one when left out",
    )
    add_option(
        start,
        "--timeout",
        env="WATCHFLOOR_KAFKA_START_TIMEOUT",
        type=float,
        default=90.0,
        help="seconds to wait for the broker to answer",
    )
    start.set_defaults(handler=_start)
    actions.add_parser("stop", help="stop the broker started by `start`").set_defaults(
        handler=_stop
    )
    actions.add_parser("status", help="say whether the broker runs (exit 1 if not)").set_defaults(
        handler=_status
    )
    actions.add_parser("fetch", help="resolve the broker jars into the cache").set_defaults(
        handler=_fetch
    )
    for action in actions.choices.values():
        add_option(
            action,
            "--state-dir",
            env="WATCHFLOOR_STATE_DIR",
            help="directory for the broker's pid, port, data and logs",
        )


def _broker(args: argparse.Namespace) -> LocalKafka:
    from pathlib import Path

    return LocalKafka(state_dir=Path(args.state_dir) if args.state_dir else None)


def _start(args: argparse.Namespace) -> int:
    broker = _broker(args)
    already = broker.status()
    began = time.monotonic()
    try:
        info = broker.start(port=args.port, timeout_s=args.timeout)
    except LocalKafkaError as error:
        raise CommandError(str(error)) from error
    if already is not None:
        print(
            f"a local broker is already running at {info.bootstrap} (pid {info.pid})",
            file=sys.stderr,
        )
    else:
        print(
            f"Apache Kafka {info.version} ready at {info.bootstrap} in "
            f"{time.monotonic() - began:.1f} s (pid {info.pid}, log {info.log_file})",
            file=sys.stderr,
        )
    print(info.bootstrap)
    return 0


def _stop(args: argparse.Namespace) -> int:
    try:
        info = _broker(args).stop()
    except LocalKafkaError as error:
        raise CommandError(str(error)) from error
    if info is None:
        print("no local broker is running", file=sys.stderr)
    else:
        print(f"stopped the broker at {info.bootstrap} (pid {info.pid})", file=sys.stderr)
    return 0


def _status(args: argparse.Namespace) -> int:
    info = _broker(args).status()
    if info is None:
        print("no local broker is running", file=sys.stderr)
        return 1
    print(f"running: Apache Kafka {info.version} at {info.bootstrap}, pid {info.pid}")
    print(f"log: {info.log_file}")
    return 0


def _fetch(args: argparse.Namespace) -> int:
    try:
        jars = _broker(args).ensure_jars()
    except LocalKafkaError as error:
        raise CommandError(str(error)) from error
    print(jars)
    return 0
