"""What replay drives: the detector core's in-process runner, behind a small protocol.

The protocol is exactly the part of :class:`detectors.pipeline.Pipeline` replay uses, so tests
of the file handling can run a tiny stand-in while the real replay always runs the real core,
the same one the live service calls.

Examples
--------
>>> from detectors.config import load_config
>>> from detectors.reference import Reference
>>> make = pipeline_factory(load_config(), Reference())
>>> engine = make(None)
>>> engine.finish(), engine.counters.late
([], 0)
>>> type(make(engine.snapshot())).__name__
'Pipeline'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, Protocol

from detectors.clock import DAY
from detectors.config import DetectorConfig
from detectors.pipeline import FINISH_DAYS, Pipeline
from detectors.reference import Reference
from schemas.alerts import Alert
from schemas.events import Event

# How long after an alert's event time the core may still wait for events that decide it (late
# roster entries are awaited 36 h, welfare checks a day): the clocks `finish` runs on for. A
# replay that stops at --to reads this much further, so the alerts before --to are final.
SETTLE_SECONDS: Final = FINISH_DAYS * DAY


class EngineCounters(Protocol):
    """The counts replay reports from the core."""

    @property
    def late(self) -> int: ...

    @property
    def duplicates(self) -> int: ...


class Engine(Protocol):
    """Every stage of the core over one event-time-ordered stream (see `detectors.pipeline`)."""

    @property
    def counters(self) -> EngineCounters: ...

    def feed(self, event: Event) -> list[Alert]:
        """Offer one event; the alerts that became final because of it."""
        ...

    def finish(self) -> list[Alert]:
        """End of input: every alert still pending."""
        ...

    def snapshot(self) -> bytes:
        """Everything needed to resume exactly, as bytes."""
        ...


EngineFactory = Callable[[bytes | None], Engine]
"""Builds a fresh engine (None) or one restored from a snapshot."""


def pipeline_factory(config: DetectorConfig, reference: Reference) -> EngineFactory:
    """Fresh or restored :class:`detectors.pipeline.Pipeline`s under one configuration."""

    def make(snapshot: bytes | None) -> Engine:
        if snapshot is None:
            return Pipeline(config, reference)
        return Pipeline.restore(snapshot, config, reference)

    return make
