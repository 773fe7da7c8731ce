"""The one `watchfloor` entry point.

Each command lives in its own module and registers itself through a `register(subparsers)`
function, so that this module stays a table of contents rather than a 1,000-line application.
Every option has a `WATCHFLOOR_<OPTION>` environment fallback, shown in `--help`.
Exit codes: 0 success, 1 failure, 2 usage error. A reader that closes standard output early
(``watchfloor evaluate ... | head -1``) ends the command quietly with 0, no traceback: the reader
has what it wanted, as with ``watchfloor tail``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from streams.cli_support import CommandError, add_option, log_level, refuse_bad_switches

# Modules that provide `register(subparsers)`; each adds one command.
COMMAND_MODULES: tuple[str, ...] = (
    "streams.kafka_cli",
    "streams.demo",
    "streams.tail",
    "streams.service.command",
    "streams.replay.command",
    "streams.simulator.command",
    "streams.reveal",
    "streams.check",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="watchfloor",
        description="Streaming detector of workforce integrity and welfare risks.",
    )
    add_option(
        parser,
        "--log-level",
        env="WATCHFLOOR_LOG_LEVEL",
        type=log_level,
        default="INFO",
        metavar="LEVEL",
        help="log level for stderr: DEBUG, INFO, WARNING, ERROR or CRITICAL",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    refuse_bad_switches(parser, args)
    from streams.log_repeats import hold_back_repeats

    logging.basicConfig(
        level=args.log_level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # The Kafka clients narrate every connection at INFO; only their problems interest users.
    for noisy in ("kafka", "aiokafka"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
    hold_back_repeats()
    try:
        result: int = args.handler(args)
        # Inside the try: output still buffered fails here, not at interpreter exit.
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()
        return 0
    except CommandError as error:
        print(f"watchfloor {args.command}: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return result


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, as the Python docs advise after a broken pipe.

    What is still buffered would otherwise fail again when the interpreter flushes it on exit,
    printing "Exception ignored ... BrokenPipeError" and exiting 120.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout replaced by something without a descriptor
        pass


if __name__ == "__main__":
    sys.exit(main())
