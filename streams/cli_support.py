"""Small pieces shared by the CLI commands: environment fallbacks and the error they raise."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import Any

Handler = Callable[[argparse.Namespace], int]


class CommandError(Exception):
    """A failure the user can act on; the CLI prints it as one line and exits 1."""


def env_default(variable: str, default: str) -> str:
    """The value of `variable` in the environment, or `default`.

    >>> env_default("WATCHFLOOR_SURELY_UNSET_FOR_DOCTEST", "x")
    'x'
    """
    return os.environ.get(variable, default)


def add_option(
    parser: argparse.ArgumentParser,
    flag: str,
    *,
    env: str,
    default: Any = None,
    help: str,
    type: Callable[[str], Any] = str,
    **kwargs: Any,
) -> None:
    """Add `flag` with a `WATCHFLOOR_*` environment fallback that `--help` shows."""
    raw = os.environ.get(env)
    value = type(raw) if raw is not None else default
    shown = "" if default is None else f", default {default}"
    parser.add_argument(flag, default=value, type=type, help=f"{help} (env {env}{shown})", **kwargs)


def resolve_bootstrap(explicit: str | None) -> str:
    """The broker to use: the flag or environment, else a running local broker."""
    if explicit:
        return explicit
    from streams.local_kafka import LocalKafka

    info = LocalKafka().status()
    if info is None:
        raise CommandError(
            "no broker given: set WATCHFLOOR_KAFKA_BOOTSTRAP or --bootstrap, or start the local "
            "one with `watchfloor kafka start`"
        )
    return info.bootstrap
