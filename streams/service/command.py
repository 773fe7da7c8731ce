"""`watchfloor serve`: run one worker of the always-on service."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
from pathlib import Path
from typing import Any

from streams.cli_support import (
    CommandError,
    add_kafka_security_options,
    add_option,
    add_pseudonym_options,
    check_broker,
    kafka_security_from,
    pseudonymiser_from,
    resolve_bootstrap,
)
from streams.collector import fewer_collections
from streams.service.settings import (
    DEFAULT_COMMIT_INTERVAL_S,
    DEFAULT_IDLE_AFTER_S,
    DEFAULT_PARTITIONS,
    ServiceSettings,
    SettingsError,
)

log = logging.getLogger(__name__)

# How long a worker told to stop may take: a clean stop commits its transactions, seconds when
# the broker answers; past this the broker is taken to be gone.
STOP_DEADLINE_S = 30.0


def add_service_options(parser: argparse.ArgumentParser) -> None:
    """The options every command that runs or reaches the service shares."""
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
        default="watchfloor",
        help="prefix of every topic name",
    )
    add_option(
        parser,
        "--partitions",
        env="WATCHFLOOR_PARTITIONS",
        type=int,
        default=DEFAULT_PARTITIONS,
        help="partitions of the topics watchfloor creates",
    )
    add_kafka_security_options(parser)


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run a worker: consume events, publish alerts as they happen",
        description="Run one watchfloor worker; several workers with one app id share the load.",
    )
    add_service_options(parser)
    add_option(
        parser,
        "--app-id",
        env="WATCHFLOOR_APP_ID",
        default="watchfloor",
        help="consumer group and state namespace shared by the workers of one deployment",
    )
    add_option(
        parser,
        "--state-dir",
        env="WATCHFLOOR_STATE_DIR",
        default="watchfloor-data",
        help="directory for local table stores",
    )
    add_option(
        parser,
        "--store",
        env="WATCHFLOOR_STORE",
        default="rocksdb",
        choices=("rocksdb", "memory"),
        help="table store: rocksdb in production, memory for tests",
    )
    add_option(
        parser,
        "--web-port",
        env="WATCHFLOOR_WEB_PORT",
        type=int,
        default=6066,
        help="port of the worker's web server (metrics at /metrics)",
    )
    add_option(
        parser,
        "--web-bind",
        env="WATCHFLOOR_WEB_BIND",
        default="127.0.0.1",
        help="address the web server listens on (0.0.0.0 in a container)",
    )
    add_option(
        parser,
        "--session-timeout",
        env="WATCHFLOOR_SESSION_TIMEOUT",
        type=float,
        default=30.0,
        help="seconds before a worker that stopped answering loses its partitions (6-300)",
    )
    add_option(
        parser,
        "--commit-interval",
        env="WATCHFLOOR_COMMIT_INTERVAL",
        type=float,
        default=DEFAULT_COMMIT_INTERVAL_S,
        help="seconds between commits: alerts are readable after the second one (0.01-60)",
    )
    add_option(
        parser,
        "--idle-after",
        env="WATCHFLOOR_IDLE_AFTER",
        type=float,
        default=DEFAULT_IDLE_AFTER_S,
        help="seconds an input partition must be quiet before it stops holding back event "
        "time (0-3600)",
    )
    add_option(
        parser,
        "--config",
        env="WATCHFLOOR_CONFIG",
        help="detector configuration TOML (defaults built in)",
    )
    add_pseudonym_options(parser)
    parser.set_defaults(handler=run)


def settings_from(args: argparse.Namespace, bootstrap: str) -> ServiceSettings:
    try:
        return ServiceSettings(
            bootstrap=bootstrap,
            topic_prefix=args.topic_prefix,
            partitions=args.partitions,
            app_id=getattr(args, "app_id", "watchfloor"),
            state_dir=Path(getattr(args, "state_dir", "watchfloor-data")),
            store=getattr(args, "store", "rocksdb"),
            web_port=getattr(args, "web_port", 6066),
            web_bind=getattr(args, "web_bind", "127.0.0.1"),
            session_timeout_s=getattr(args, "session_timeout", 30.0),
            commit_interval_s=getattr(args, "commit_interval", DEFAULT_COMMIT_INTERVAL_S),
            idle_after_s=getattr(args, "idle_after", DEFAULT_IDLE_AFTER_S),
            log_level=(args.log_level or "INFO").upper(),
            security=kafka_security_from(args),
            pseudonyms=pseudonymiser_from(args),
        )
    except SettingsError as error:
        raise CommandError(f"refusing to start: {error}") from error


def _exit_after(seconds: float) -> None:
    """Leave the process for certain if it has not stopped by itself within `seconds`."""

    def give_up() -> None:
        log.error(
            "the worker did not stop within %.0f s (is the broker reachable?); exiting without "
            "a final commit (uncommitted work is redone on the next start)",
            seconds,
        )
        logging.shutdown()
        os._exit(1)

    timer = threading.Timer(seconds, give_up)
    timer.daemon = True
    timer.start()


def run(args: argparse.Namespace) -> int:
    from detectors.config import ConfigError, load_config
    from streams.log_repeats import hold_back_repeats
    from streams.service.key_guard import PseudonymKeyMismatchError, guard_pseudonym_key
    from streams.service.reference_data import ReferenceData, load_to_end
    from streams.service.topology import TopologyError, ensure_topics
    from streams.service.worker import WatchfloorWorker

    bootstrap = resolve_bootstrap(args.bootstrap)
    settings = settings_from(args, bootstrap)
    try:
        config = load_config(Path(args.config) if args.config else None)
    except (ConfigError, OSError) as error:
        raise CommandError(f"refusing to start: detector configuration: {error}") from error
    check_broker(bootstrap, settings.security)
    try:
        created = ensure_topics(settings)
    except TopologyError as error:
        raise CommandError(f"refusing to start: {error}") from error
    if created:
        log.info("created %d topics", len(created))
    try:
        guard_pseudonym_key(settings)
    except PseudonymKeyMismatchError as error:
        raise CommandError(f"refusing to start: {error}") from error
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    reference = ReferenceData(settings.pseudonyms)
    offsets = load_to_end(settings, reference)
    log.info(
        "reference data loaded: %d officers, %d sites, %d watch-listed records",
        *(len(reference.records[entity]) for entity in ("officers", "sites", "watchlist")),
    )
    if settings.pseudonyms is not None:
        log.info("officer ids are pseudonymised (%r)", settings.pseudonyms)
    worker = WatchfloorWorker(
        settings,
        config,
        reference=reference,
        reference_offsets=offsets,
        broker_credentials=settings.security.faust_credentials(),
    )

    from faust.worker import Worker as FaustWorker

    class Worker(FaustWorker):
        # (Named as Faust's own: its log lines, "[^Worker]: Ready" among them, keep their tag.)

        def _schedule_shutdown(self, signal: Any) -> None:
            # A clean stop commits to the broker; with the broker gone it would wait forever.
            _exit_after(STOP_DEADLINE_S)
            super()._schedule_shutdown(signal)

        def on_setup_root_logger(self, logger: logging.Logger, level: int) -> None:
            # Faust's terminal spinner sets the root logger to DEBUG so that it can spin on
            # every record: every debug call in Faust then builds a record (a few percent of
            # the worker's time, measured). Keep the level asked for, and no spinner.
            self.spinner = None  # (without it, Faust logs "Ready" nowhere)
            logger.setLevel(level or logging.INFO)
            # Faust has just replaced the handlers; while a broker is away the Kafka client
            # would otherwise log hundreds of lines a second.
            hold_back_repeats(logger)

    log.info(
        "worker starting: app %s, %d partitions, store %s, web port %d",
        settings.app_id,
        settings.partitions,
        settings.store,
        settings.web_port,
    )
    # Faust's worker installs its own SIGTERM/SIGINT handlers and stops the app cleanly.
    code = 0
    # The detector core's long-lived state made full collections a fifth of the worker's time.
    with fewer_collections():
        stop_timing_collections = worker.metrics.follow_collections()
        try:
            Worker(
                worker.app,
                loglevel=settings.log_level.lower(),
                # Logs go to stderr, as everywhere in watchfloor (Faust's default is stdout).
                logfile=sys.stderr,
                quiet=True,
                redirect_stdouts=False,
            ).execute_from_commandline()
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else 1
        finally:
            stop_timing_collections()
    log.info("worker stopped")
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    # Faust has stopped the app and closed its loop by now, but its consumer thread can
    # outlive the loop (seen with faust-streaming 0.15.3) and keep the process from exiting.
    os._exit(code)
