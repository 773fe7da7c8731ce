"""`watchfloor serve` with bugs put in on purpose, for the tests of internal-error handling.

The real worker in every other respect (real broker, Faust, transactions). Two environment
variables, each a comma-separated list of event ids, say where it fails:

- ``FAULTY_INGEST_EVENT_IDS``: the ingest stage raises on these events after decoding them,
  where it hands them on to the by-officer topic;
- ``FAULTY_CORE_EVENT_IDS``: the detector core raises when offered these events.

Run as ``python -m tests.integration.apps.faulty_worker serve ARGS...``.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import orjson

from detectors.core import Core
from streams.cli import main
from streams.service.outbox import Outbox


class InjectedError(RuntimeError):
    """The bug a test put in; its message names no officer or event."""


def _ids(variable: str) -> frozenset[str]:
    return frozenset(i for i in os.environ.get(variable, "").split(",") if i)


def _break_ingest(ids: frozenset[str]) -> None:
    add = Outbox.add

    def failing_add(self: Outbox, *args: Any) -> bool:
        raw: bytes = args[3]  # (source, event, target, raw, idle)
        if orjson.loads(raw).get("event_id") in ids:
            raise InjectedError("injected fault in the ingest stage")
        return add(self, *args)

    Outbox.add = failing_add  # type: ignore[method-assign,assignment]


def _break_core(ids: frozenset[str]) -> None:
    process = Core.process

    def failing_process(self: Core, state: Any, event: Any, *args: Any, **kwargs: Any) -> Any:
        if event.event_id in ids:
            raise InjectedError("injected fault in the detector core")
        return process(self, state, event, *args, **kwargs)

    Core.process = failing_process  # type: ignore[method-assign]


if __name__ == "__main__":
    _break_ingest(_ids("FAULTY_INGEST_EVENT_IDS"))
    _break_core(_ids("FAULTY_CORE_EVENT_IDS"))
    sys.exit(main())
