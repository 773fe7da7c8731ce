"""`watchfloor replay` and `watchfloor evaluate`: argument parsing and what goes where.

Data goes to stdout or files, logs and the progress bar to stderr: the replay summary is
printed for a person on stderr, and as one JSON object on stdout when ``--json`` is given or
stdout is not a terminal (a script reading it). Exit codes: 0 done, 1 failure, 2 usage error,
130 interrupted (with ``--state-dir``, resumable by running the same command again); a reader
of stdout that goes away early (``--out - | head``) ends the replay quietly with 0.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Any

import orjson

from schemas.topics import DEFAULT_PREFIX
from streams.cli_support import (
    CommandError,
    add_kafka_security_options,
    add_option,
    add_pseudonym_options,
    add_switch,
    pseudonymiser_from,
    resolve_connection,
)

log = logging.getLogger(__name__)

INTERRUPTED = 130


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    _register_replay(subparsers)
    _register_evaluate(subparsers)


def _register_replay(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "replay",
        help="run history files through the detectors offline, alerts to a file",
        description=(
            "Replay history files (JSONL, gzip or not, or directories of them) through the same "
            "detector core as the live service, with no broker. Inputs are merged in event-time "
            "order; bad lines go to the dead-letter file and the replay goes on. A file given is "
            "read whatever its name; a directory contributes its .jsonl, .ndjson and .json files "
            "(gzip or not; either way one JSON event a line), subdirectories included, in path "
            "order (logs/2026-01/*.jsonl.gz). Any other file there is skipped with a warning "
            "naming it and counted in the summary."
        ),
    )
    parser.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="files, or directories of .jsonl/.ndjson/.json files (gzip or not), walked whole",
    )
    add_option(
        parser,
        "--out",
        env="WATCHFLOOR_REPLAY_OUT",
        metavar="FILE",
        help="alerts file (JSONL), - for stdout",
    )
    add_option(
        parser,
        "--reference",
        env="WATCHFLOOR_REFERENCE_DIR",
        help="reference data directory",
        metavar="DIR",
    )
    add_option(
        parser,
        "--config",
        env="WATCHFLOOR_CONFIG",
        metavar="FILE",
        help="detector configuration (TOML)",
    )
    add_option(
        parser,
        "--from",
        dest="start",
        metavar="TIME",
        env="WATCHFLOOR_REPLAY_FROM",
        help=(
            "write alerts from TIME on (RFC 3339, inclusive); earlier events in the inputs still "
            "build each officer's state (rosters are planned weeks ahead), so a window gives "
            "exactly the full replay's alerts in it"
        ),
    )
    add_option(
        parser,
        "--to",
        dest="end",
        metavar="TIME",
        env="WATCHFLOOR_REPLAY_TO",
        help=(
            "write no alerts from TIME on (RFC 3339, exclusive); events up to 3 days after TIME "
            "are still read, only to settle the alerts before it (a late roster entry can "
            "confirm or cancel one), and none after that"
        ),
    )
    add_option(
        parser,
        "--dead-letter",
        metavar="FILE",
        env="WATCHFLOOR_REPLAY_DEAD_LETTER",
        help="file for rejected lines; default beside --out as NAME.deadletter.jsonl",
    )
    add_option(
        parser,
        "--state-dir",
        metavar="DIR",
        env="WATCHFLOOR_REPLAY_STATE_DIR",
        help="checkpoint here; rerunning the same command resumes an interrupted replay",
    )
    add_option(
        parser,
        "--checkpoint-interval",
        metavar="SECONDS",
        env="WATCHFLOOR_REPLAY_CHECKPOINT_INTERVAL",
        type=float,
        default=60.0,
        help="seconds between checkpoints with --state-dir",
    )
    add_option(
        parser,
        "--report",
        env="WATCHFLOOR_REPLAY_REPORT",
        metavar="FILE",
        help="write an HTML report here",
    )
    add_switch(
        parser, "--json", env="WATCHFLOOR_REPLAY_JSON", help="print the summary as JSON on stdout"
    )
    kafka = parser.add_argument_group(
        "publishing to Kafka",
        "With --to-kafka the history is published to the input topics for the live service "
        "(reference data from --reference first, to the compacted topics), instead of being "
        "replayed offline: each event keyed by officer_id, its line sent as it is, in event-time "
        "order. --out, --state-dir and --report do not apply. There --from/--to only pick the "
        "events published: nothing before --from is sent, so a service starting afresh would "
        "lack the rosters entered earlier; start from the beginning of the history unless it "
        "has them.",
    )
    add_switch(
        kafka,
        "--to-kafka",
        env="WATCHFLOOR_REPLAY_TO_KAFKA",
        help="publish to the Kafka input topics instead of replaying offline",
    )
    add_option(
        kafka,
        "--bootstrap",
        env="WATCHFLOOR_KAFKA_BOOTSTRAP",
        help="Kafka bootstrap servers; the local broker's when left out",
    )
    add_option(
        kafka,
        "--topic-prefix",
        env="WATCHFLOOR_TOPIC_PREFIX",
        default=DEFAULT_PREFIX,
        help="prefix of the topic names",
    )
    pace = kafka.add_mutually_exclusive_group()
    add_option(
        pace,
        "--speed",
        env="WATCHFLOOR_REPLAY_SPEED",
        type=float,
        metavar="X",
        help="pace by event time at X times real time (default: as fast as possible)",
    )
    add_option(
        pace,
        "--rate",
        env="WATCHFLOOR_REPLAY_RATE",
        type=float,
        metavar="N",
        help="pace at N events a second (default: as fast as possible)",
    )
    add_switch(
        parser,
        "--progress",
        env="WATCHFLOOR_PROGRESS",
        unset=None,
        negatable=True,
        help="show the progress bar (default: when stderr is a terminal)",
    )
    add_pseudonym_options(parser)
    add_kafka_security_options(parser)
    parser.set_defaults(handler=run_replay, parser=parser)


def _register_evaluate(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="precision, recall and time to detect of alerts against simulator labels",
        description=(
            "Compare an alerts file with the labels of a simulation: precision per detector and "
            "overall, recall per scenario, median time to detect, false alerts per 1,000 "
            "officer-days. See `pydoc streams.replay.evaluate` for the matching rules."
        ),
    )
    add_option(
        parser,
        "--alerts",
        metavar="FILE",
        env="WATCHFLOOR_EVALUATE_ALERTS",
        help="alerts file (JSONL)",
    )
    add_option(
        parser,
        "--labels",
        metavar="FILE",
        env="WATCHFLOOR_EVALUATE_LABELS",
        help="labels file (JSONL)",
    )
    add_option(
        parser,
        "--officer-days",
        metavar="N",
        env="WATCHFLOOR_EVALUATE_OFFICER_DAYS",
        type=float,
        help="officer-days covered (default: officers in --reference x days)",
    )
    add_option(
        parser,
        "--reference",
        metavar="DIR",
        env="WATCHFLOOR_REFERENCE_DIR",
        help="reference directory whose officers.jsonl counts the officers "
        "(default: reference/ beside the labels file)",
    )
    add_option(
        parser,
        "--days",
        metavar="D",
        env="WATCHFLOOR_EVALUATE_DAYS",
        type=float,
        help="days covered (default: whole days spanned by the alerts and labels)",
    )
    add_option(
        parser,
        "--slack-hours",
        metavar="HOURS",
        env="WATCHFLOOR_EVALUATE_SLACK_HOURS",
        type=float,
        default=24.0,
        help="how far outside a label's span an alert still matches it",
    )
    add_switch(parser, "--json", env="WATCHFLOOR_EVALUATE_JSON", help="print one JSON object")
    parser.set_defaults(handler=run_evaluate, parser=parser)


def parse_time(text: str, option: str) -> float:
    """An RFC 3339 time with its offset, as epoch seconds.

    >>> parse_time("2026-03-09T00:00:00Z", "--from")
    1773014400.0
    >>> parse_time("2026-03-09", "--from")
    Traceback (most recent call last):
    ...
    streams.cli_support.CommandError: --from 2026-03-09: give an RFC 3339 time with its offset, \
e.g. 2026-03-09T00:00:00Z
    """
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise CommandError(
            f"{option} {text}: give an RFC 3339 time with its offset, e.g. 2026-03-09T00:00:00Z"
        )
    return moment.timestamp()


def _usage(args: argparse.Namespace, message: str) -> None:
    parser: argparse.ArgumentParser = args.parser
    parser.error(message)  # exits 2, as every usage error does


@contextmanager
def _stop_on_signals() -> Iterator[threading.Event]:
    """Turn Ctrl-C and SIGTERM into a request to checkpoint and stop between two events."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def ask(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():  # a second Ctrl-C: the person does not want to wait
            raise KeyboardInterrupt
        stop.set()

    previous = {sig: signal.signal(sig, ask) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _default_dead_letter(out: str) -> Path:
    if out == "-":
        return Path("replay.deadletter.jsonl")
    path = Path(out)
    stem = path.name.removesuffix(".gz").removesuffix(".jsonl")
    return path.with_name(f"{stem}.deadletter.jsonl")


def run_replay(args: argparse.Namespace) -> int:
    from detectors.config import ConfigError, load_config
    from streams.pseudonym import pseudonymised_factory
    from streams.replay.checkpoint import CheckpointError
    from streams.replay.engine import pipeline_factory
    from streams.replay.inputs import InputError
    from streams.replay.reference import load_reference
    from streams.replay.run import ReplayError, ReplayOptions, replay

    if args.to_kafka:
        return run_to_kafka(args)
    if args.speed is not None or args.rate is not None:
        _usage(args, "--speed and --rate pace --to-kafka; an offline replay runs at full speed")
    if not args.out:
        _usage(args, "--out FILE is required (or - for stdout)")
    if args.out == "-" and (args.report or args.state_dir):
        _usage(args, "--report and --state-dir need --out FILE, not stdout")
    start = parse_time(args.start, "--from") if args.start else None
    end = parse_time(args.end, "--to") if args.end else None
    if start is not None and end is not None and end <= start:
        _usage(args, "--to must be later than --from")
    try:
        config = load_config(args.config)
    except ConfigError as error:
        raise CommandError(f"configuration: {error}") from error
    try:
        loaded = load_reference(Path(args.reference) if args.reference else None)
    except InputError as error:
        raise CommandError(str(error)) from error
    except OSError as error:  # reference data is needed whole: an unreadable file stops here
        raise CommandError(f"reference data: {error.filename}: {error.strerror}") from error
    # With a key, ids are pseudonymised exactly as the live worker does (streams.pseudonym).
    pseudonyms = pseudonymiser_from(args)
    make_engine: Any = pipeline_factory(
        config, loaded.reference if pseudonyms is None else pseudonyms.reference(loaded.reference)
    )
    if pseudonyms is not None:
        make_engine = pseudonymised_factory(make_engine, pseudonyms)
    options = ReplayOptions(
        inputs=tuple(Path(p) for p in args.inputs),
        out=None if args.out == "-" else Path(args.out),
        dead_letter=Path(args.dead_letter) if args.dead_letter else _default_dead_letter(args.out),
        start=start,
        end=end,
        state_dir=Path(args.state_dir) if args.state_dir else None,
        checkpoint_seconds=args.checkpoint_interval,
        progress=args.progress,
        identity={
            "config_hash": config.config_hash,
            "reference": [(str(p.resolve()), p.stat().st_size) for p in loaded.files],
            **({"pseudonym_key": pseudonyms.fingerprint} if pseudonyms is not None else {}),
        },
    )
    try:
        with _stop_on_signals() as stop:
            summary = replay(
                options,
                make_engine,
                reference_rejected=loaded.rejected,
                stop=stop,
            )
    except BrokenPipeError:
        raise  # the reader of --out - went away: the end, not a failure (streams.cli)
    except (InputError, ReplayError, CheckpointError, OSError) as error:
        raise CommandError(str(error)) from error
    if args.report and not summary.interrupted:
        from streams.replay.report import ReportInputs, write_report

        write_report(
            Path(args.report),
            ReportInputs(
                alerts=options.out,
                dead_letter=options.dead_letter,
                inputs=options.inputs,
                summary=summary,
                timezone=config.timezone,
                pseudonyms=pseudonyms,
            ),
        )
        summary.report = args.report
    print(summary.text(), file=sys.stderr)
    if summary.interrupted:
        again = "run the same command again to resume" if options.state_dir else "not resumable"
        print(f"replay: interrupted ({again})", file=sys.stderr)
    if options.out is not None and (args.json or not sys.stdout.isatty()):
        sys.stdout.write(orjson.dumps(summary.to_json()).decode() + "\n")
        sys.stdout.flush()
    return INTERRUPTED if summary.interrupted else 0


def run_to_kafka(args: argparse.Namespace) -> int:
    """``replay --to-kafka``: publish the history to the live service's input topics."""
    from streams.replay.inputs import InputError
    from streams.replay.to_kafka import (
        PublishError,
        PublishOptions,
        check_topics,
        kafka_producer,
        publish,
    )

    for given, option in ((args.out, "--out"), (args.state_dir, "--state-dir")):
        if given:
            _usage(args, f"{option} is for an offline replay, not --to-kafka")
    if args.report:
        _usage(args, "--report is for an offline replay, not --to-kafka")
    if args.speed is not None and args.rate is not None:
        _usage(args, "give --speed or --rate, not both")
    for value, option in ((args.speed, "--speed"), (args.rate, "--rate")):
        if value is not None and not value > 0:
            _usage(args, f"{option} must be above 0")
    start = parse_time(args.start, "--from") if args.start else None
    end = parse_time(args.end, "--to") if args.end else None
    if start is not None and end is not None and end <= start:
        _usage(args, "--to must be later than --from")
    bootstrap, security = resolve_connection(args)
    options = PublishOptions(
        inputs=tuple(Path(p) for p in args.inputs),
        dead_letter=Path(args.dead_letter) if args.dead_letter else _default_dead_letter("-"),
        prefix=args.topic_prefix,
        reference=Path(args.reference) if args.reference else None,
        speed=args.speed,
        rate=args.rate,
        start=start,
        end=end,
    )
    try:
        check_topics(bootstrap, options, security=security)
        try:
            producer = kafka_producer(bootstrap, security)
        # kafka-python raises several unrelated types when the broker is unreachable.
        except Exception as error:
            raise PublishError(f"cannot connect to Kafka at {bootstrap}: {error}") from error
        try:
            with _stop_on_signals() as stop:
                summary = publish(options, producer, stop=stop)
        finally:
            close = getattr(producer, "close", None)
            if close is not None:
                close(timeout=10)
    except (InputError, PublishError, OSError) as error:
        raise CommandError(str(error)) from error
    print(summary.text(), file=sys.stderr)
    if summary.interrupted:
        print("replay: interrupted; what was sent before is published", file=sys.stderr)
    if args.json or not sys.stdout.isatty():
        sys.stdout.write(orjson.dumps(summary.to_json()).decode() + "\n")
        sys.stdout.flush()
    return INTERRUPTED if summary.interrupted else 0


def run_evaluate(args: argparse.Namespace) -> int:
    from streams.replay.evaluate import (
        DEFAULT_SLACK_SECONDS,
        EvaluationError,
        days_spanned,
        evaluate,
        read_alerts,
        read_labels,
        render,
    )

    if not args.alerts or not args.labels:
        _usage(args, "--alerts FILE and --labels FILE are required")
    slack = args.slack_hours * 3600.0 if args.slack_hours is not None else DEFAULT_SLACK_SECONDS
    try:
        alerts = read_alerts(Path(args.alerts))
        labels = read_labels(Path(args.labels))
    except OSError as error:
        raise CommandError(f"{error.filename}: {error.strerror}") from error
    except EvaluationError as error:
        raise CommandError(str(error)) from error
    officer_days = args.officer_days
    if officer_days is None:
        officers = _count_officers(args.reference, Path(args.labels))
        if officers:
            days = args.days if args.days else days_spanned(alerts, labels)
            officer_days = officers * days
        else:
            log.warning("officer-days unknown: give --officer-days or --reference")
    result = evaluate(alerts, labels, officer_days=officer_days, slack_seconds=slack)
    if args.json:
        print(orjson.dumps(result).decode())
    else:
        print(render(result))
    return 0


def _count_officers(reference: str | None, labels: Path) -> int:
    """Officers listed in the reference directory (by default the simulator's, beside labels)."""
    from streams.replay.lines import read_lines

    folder = Path(reference) if reference else labels.parent / "reference"
    for name in ("officers.jsonl", "officers.jsonl.gz"):
        path = folder / name
        if path.is_file():
            return sum(1 for _, raw in read_lines(path) if isinstance(raw, bytes) and raw.strip())
    if reference:
        raise CommandError(f"{folder}: no officers.jsonl to count officers from")
    return 0
