"""`watchfloor reveal`: map pseudonymised officer ids back to the real ones, with the key only.

The pseudonyms cannot be inverted; they are recomputed for every officer in the directory (the
reference ``officers.jsonl``, or the officers topic) under the key given, and matched. Alert
files (JSON Lines, ``-`` for stdin) are printed with every known pseudonym replaced, wherever
it stands (``officer_id``, inside ``alert_id``, in risk contributions); ``--id`` maps single
pseudonyms. With a wrong key nothing matches: nothing is revealed, and the command says so and
exits 1.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from schemas.topics import DEFAULT_PREFIX
from streams.cli_support import (
    CommandError,
    add_kafka_security_options,
    add_option,
    add_pseudonym_options,
    pseudonymiser_from,
    resolve_connection,
)
from streams.pseudonym import pseudonyms_in, reveal_value

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "reveal",
        help="map pseudonymised officer ids back to real ones (needs the key)",
        description=(
            "Print alert files with pseudonymised officer ids replaced by the real ones, or map "
            "single pseudonyms with --id. Needs the pseudonym key and the officer directory "
            "(--reference DIR with officers.jsonl, or --from-kafka for the officers topic)."
        ),
    )
    parser.add_argument(
        "alerts", nargs="*", metavar="ALERTS", help="alert files (JSONL); - for stdin"
    )
    parser.add_argument(
        "--id", action="append", default=[], metavar="PSEUDONYM", help="a pseudonym to map"
    )
    add_option(
        parser,
        "--reference",
        env="WATCHFLOOR_REFERENCE_DIR",
        metavar="DIR",
        help="reference directory whose officers.jsonl is the officer directory",
    )
    parser.add_argument(
        "--from-kafka",
        action="store_true",
        help="read the officer directory from the officers topic instead",
    )
    add_option(
        parser,
        "--bootstrap",
        env="WATCHFLOOR_KAFKA_BOOTSTRAP",
        help="Kafka bootstrap servers for --from-kafka; the local broker's when left out",
    )
    add_option(
        parser,
        "--topic-prefix",
        env="WATCHFLOOR_TOPIC_PREFIX",
        default=DEFAULT_PREFIX,
        help="prefix of the topic names",
    )
    add_pseudonym_options(parser)
    add_kafka_security_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    names = pseudonymiser_from(args)
    if names is None:
        raise CommandError(
            "reveal needs the pseudonym key (--pseudonym-key-file or WATCHFLOOR_PSEUDONYM_KEY): "
            "without it pseudonyms cannot be mapped back"
        )
    if not args.alerts and not args.id:
        raise CommandError("give alert files (or - for stdin), or --id PSEUDONYM")
    mapping = names.reveal_map(_directory(args))
    if args.id:
        return _reveal_ids(args.id, mapping)
    return _reveal_files(args.alerts, mapping, sys.stdout.buffer)


def _directory(args: argparse.Namespace) -> set[str]:
    """Every officer id of the directory, line managers included."""
    if args.from_kafka:
        return officers_from_kafka(args)
    if not args.reference:
        raise CommandError("give the officer directory: --reference DIR or --from-kafka")
    from streams.replay.lines import read_lines

    folder = Path(args.reference)
    path = next(
        (p for p in (folder / "officers.jsonl", folder / "officers.jsonl.gz") if p.is_file()),
        None,
    )
    if path is None:
        raise CommandError(f"{folder}: no officers.jsonl to recompute pseudonyms from")
    return _officer_ids(
        raw for _, raw in read_lines(path) if isinstance(raw, bytes) and raw.strip()
    )


def officers_from_kafka(args: argparse.Namespace) -> set[str]:
    """The officer ids on the officers topic (its keys), read to its current end."""
    from kafka.errors import KafkaError

    from streams.connection import describe_failure
    from streams.service.reference_data import (
        ReferenceData,
        ReferenceTopicMissingError,
        load_to_end,
    )
    from streams.service.settings import ServiceSettings, SettingsError

    bootstrap, security = resolve_connection(args)
    try:
        settings = ServiceSettings(
            bootstrap=bootstrap, topic_prefix=args.topic_prefix, security=security
        )
    except SettingsError as error:
        raise CommandError(f"refusing to start: {error}") from error
    data = ReferenceData()
    try:
        load_to_end(settings, data)
    except ReferenceTopicMissingError as error:
        raise CommandError(str(error)) from error
    except (KafkaError, OSError, TimeoutError) as error:
        raise CommandError(
            f"cannot read the officers topic at {bootstrap}: {describe_failure(error)}"
        ) from error
    return _officer_ids(data.records["officers"].values())


def _officer_ids(records: Iterable[bytes]) -> set[str]:
    """Officer and line-manager ids of directory records; undecodable records are skipped."""
    from schemas.codec import decode_officer
    from schemas.errors import DecodeError

    ids: set[str] = set()
    for raw in records:
        try:
            officer = decode_officer(raw)
        except DecodeError:
            continue
        ids.add(officer.officer_id)
        if officer.line_manager_id is not None:
            ids.add(officer.line_manager_id)
    return ids


def _reveal_ids(pseudonyms: list[str], mapping: dict[str, str]) -> int:
    known = [(p, mapping[p]) for p in pseudonyms if p in mapping]
    for pseudonym, officer_id in known:
        print(f"{pseudonym}\t{officer_id}")
    if not known:
        raise CommandError(_nothing_revealed(len(pseudonyms)))
    for pseudonym in pseudonyms:
        if pseudonym not in mapping:
            log.warning("%s: no officer of the directory has this pseudonym", pseudonym)
    return 0


def _lines(sources: list[str]) -> Iterator[bytes]:
    for source in sources:
        if source == "-":
            yield from sys.stdin.buffer
            continue
        try:
            with open(source, "rb") as handle:
                yield from handle
        except OSError as error:
            raise CommandError(f"{source}: {error.strerror}") from error


def _reveal_files(sources: list[str], mapping: dict[str, str], out: BinaryIO) -> int:
    """Reveal every alert line; refuse to print anything when no pseudonym at all maps."""
    parsed: list[Any] = []
    for number, line in enumerate(_lines(sources), 1):
        if not line.strip():
            continue
        try:
            parsed.append(orjson.loads(line))
        except orjson.JSONDecodeError as error:
            raise CommandError(f"line {number}: not JSON ({error})") from error
    seen: set[str] = set()
    for value in parsed:
        seen |= pseudonyms_in(value)
    if not seen:
        raise CommandError("no pseudonyms in the input: were the alerts pseudonymised?")
    known = seen & mapping.keys()
    if not known:
        raise CommandError(_nothing_revealed(len(seen)))
    unknown: set[str] = set()
    for value in parsed:
        out.write(orjson.dumps(reveal_value(value, mapping, unknown)) + b"\n")
    out.flush()
    if unknown:
        log.warning(
            "%d of %d pseudonyms match no officer of the directory and were left as they are",
            len(unknown),
            len(seen),
        )
    return 0


def _nothing_revealed(count: int) -> str:
    return (
        f"nothing revealed: none of the {count} pseudonyms matches an officer of the directory "
        "under this key (wrong key, or a different officer directory)"
    )
