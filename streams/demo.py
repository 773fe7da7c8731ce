"""`watchfloor demo`: the README's first command, a live system on an embedded default.

It starts the local Apache Kafka broker unless `WATCHFLOOR_KAFKA_BOOTSTRAP` names one, creates
the topics, starts a worker, streams a simulated force's events live, and prints alerts as they
appear, with the metrics URL. Ctrl-C (or SIGTERM) stops everything it started, and only that.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from streams.cli_support import (
    CommandError,
    add_kafka_security_options,
    add_option,
    kafka_security_from,
)
from streams.connection import KafkaSecurity, SecurityConfigError, describe_failure
from streams.local_kafka import LocalKafka, LocalKafkaError, free_port, metadata_request

TOPICS_KNOWN_DEADLINE_S = 30.0
DEMO_PREFIX = "watchfloor-demo"
"""Each run's topics are named `watchfloor-demo-<run>.*` and deleted when it stops: a worker
with a new app id reads its input from the earliest offset, so events a previous run left in
shared topics were read again (with the same event ids, at other shifted times), showing as
late events and as re-entries whose evidence is one swipe twice."""


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run watchfloor live on an embedded default: a local broker started for you",
        description=(
            "Start a local broker (unless one is configured), a worker and a simulated force "
            "streaming live, and print alerts as they appear. Ctrl-C stops it all."
        ),
    )
    add_option(
        parser,
        "--bootstrap",
        env="WATCHFLOOR_KAFKA_BOOTSTRAP",
        help="Kafka bootstrap servers; a local broker is started when left out",
    )
    add_option(
        parser,
        "--officers",
        env="WATCHFLOOR_DEMO_OFFICERS",
        type=int,
        default=100,
        help="officers in the simulated force",
    )
    add_option(
        parser,
        "--rate",
        env="WATCHFLOOR_DEMO_RATE",
        type=float,
        # A rate one worker keeps up with, so alerts follow the stream within seconds; about
        # 15 s of wall time per simulated day for 100 officers.
        default=300.0,
        help="simulated events per second",
    )
    add_option(
        parser,
        "--duration",
        env="WATCHFLOOR_DEMO_DURATION",
        type=float,
        help="stop after this many seconds instead of waiting for Ctrl-C",
    )
    add_kafka_security_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    started_broker: LocalKafka | None = None
    children: list[subprocess.Popen[bytes]] = []
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    security = kafka_security_from(args)
    if not args.bootstrap and security.protocol != "PLAINTEXT":
        raise CommandError(
            "refusing to start: Kafka security options need --bootstrap; the local broker the "
            "demo starts listens in plain text on loopback only"
        )
    workdir = Path(tempfile.mkdtemp(prefix="watchfloor-demo-"))
    run_settings: Any = None  # this run's deployment, once its topics exist
    try:
        bootstrap: str = args.bootstrap or ""
        if bootstrap:
            try:
                security.check(bootstrap)
            except SecurityConfigError as error:
                raise CommandError(f"refusing to start: {error}") from error
        else:
            broker = LocalKafka()
            was_running = broker.status() is not None
            bootstrap = broker.start().bootstrap
            started_broker = None if was_running else broker
        try:
            metadata_request(bootstrap, timeout_s=10.0, security=security)
        except Exception as error:
            raise CommandError(
                f"the broker at {bootstrap} does not answer: {describe_failure(error)}"
            ) from error
        say(f"Kafka ready at {bootstrap}")

        from streams.service.settings import ServiceSettings
        from streams.service.topology import ensure_topics

        run_name = f"{DEMO_PREFIX}-{int(time.time())}-{os.getpid()}"
        settings = ServiceSettings(
            bootstrap=bootstrap,
            topic_prefix=run_name,
            app_id=run_name,
            partitions=4,
            security=security,
        )
        ensure_topics(settings)
        run_settings = settings
        web_port = free_port()
        common = ["--bootstrap", bootstrap, "--topic-prefix", run_name]
        worker_log = workdir / "worker.log"
        children.append(
            _spawn(
                [
                    "serve",
                    *common,
                    "--partitions",
                    "4",
                    "--app-id",
                    settings.app_id,
                    "--store",
                    "memory",
                    "--state-dir",
                    str(workdir / "state"),
                    "--web-port",
                    str(web_port),
                ],
                worker_log,
                security,
            )
        )
        say(f"worker starting; metrics at http://127.0.0.1:{web_port}/metrics (log {worker_log})")
        children.append(
            _spawn(
                [
                    "simulate",
                    "--to-kafka",
                    *common,
                    "--officers",
                    str(args.officers),
                    "--rate",
                    str(args.rate),
                    "--scenario-rate",
                    "0.5",
                ],
                workdir / "simulator.log",
                security,
            )
        )
        say(f"streaming a simulated force of {args.officers} officers at {args.rate:.0f} events/s")
        say("alerts appear below as the detectors find them; press Ctrl-C to stop")
        _print_alerts(bootstrap, settings, stop, args.duration, children)
    except LocalKafkaError as error:
        raise CommandError(str(error)) from error
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            _stop(child)
        if run_settings is not None:
            _delete_topics(run_settings)
        # Clients closed above may still retry a connection as the broker goes; that is the
        # shutdown, not an error worth showing.
        logging.getLogger("kafka").setLevel(logging.CRITICAL)
        if started_broker is not None:
            started_broker.stop()
            say("stopped the local broker it started")
    return 0


def _delete_topics(settings: Any) -> None:
    from streams.service.topology import delete_deployment_topics

    try:
        deleted = delete_deployment_topics(settings)
    except Exception as error:  # stopping goes on whatever the broker says
        say(f"could not delete this run's topics ({describe_failure(error)})")
        return
    say(f"deleted this run's {len(deleted)} topics")


def say(text: str) -> None:
    print(f"watchfloor demo: {text}", file=sys.stderr, flush=True)


def _spawn(
    arguments: list[str], log_path: Path, security: KafkaSecurity
) -> subprocess.Popen[bytes]:
    # The children get the security settings in their environment (never on a command line
    # that `ps` shows), replacing any the demo read, so a password file and the password it
    # held are never both set.
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("WATCHFLOOR_KAFKA_SECURITY_", "WATCHFLOOR_KAFKA_SASL_"))
        and not name.startswith("WATCHFLOOR_KAFKA_SSL_")
    }
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "streams.cli", *arguments],
            env={**inherited, **security.environment()},
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )


def _stop(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is None:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(timeout=10)


def _print_alerts(
    bootstrap: str,
    settings: Any,
    stop: threading.Event,
    duration: float | None,
    children: list[subprocess.Popen[bytes]],
) -> None:
    from kafka import KafkaConsumer, TopicPartition

    from schemas.codec import DecodeError, decode_alert
    from streams.tail import format_alert

    topics = [settings.topic("alerts.integrity"), settings.topic("alerts.welfare")]
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        isolation_level="read_committed",
        enable_auto_commit=False,
        **settings.security.kafka_python(),
    )
    ends = None if duration is None else time.monotonic() + duration
    try:
        partitions: list[TopicPartition] = []
        # Topics this run has just created may take a moment to show in a new client's metadata.
        known_by = time.monotonic() + TOPICS_KNOWN_DEADLINE_S
        while not partitions and time.monotonic() < known_by and not stop.is_set():
            found = [consumer.partitions_for_topic(topic) for topic in topics]
            if all(found):
                partitions = [
                    TopicPartition(topic, p)
                    for topic, ids in zip(topics, found, strict=True)
                    for p in sorted(ids or ())
                ]
            else:
                stop.wait(0.2)
        if not partitions:
            raise CommandError(f"the alert topics {topics} did not appear on the broker")
        consumer.assign(partitions)
        consumer.seek_to_end(*partitions)
        while not stop.is_set() and (ends is None or time.monotonic() < ends):
            for child in children:
                if child.poll() is not None and child is children[0]:
                    raise CommandError(
                        f"the worker exited with code {child.returncode}; see its log"
                    )
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    with contextlib.suppress(DecodeError):
                        print(format_alert(decode_alert(record.value)), flush=True)
    finally:
        consumer.close()
