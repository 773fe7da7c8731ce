"""How far event time has got for one by-officer partition: the officer stage's clock.

A partition's watermark is an event time every input partition has promised: the least newest
time over the input partitions that still have events to send (the greatest when all are idle).
Its peer barrier is the least "done through" time over the peer partitions. Both only grow.

Whether an input partition is idle is stated by messages that can arrive out of the order they
were made in (the idle heartbeat is sent outside the transactions, and a producer that lost
the broker delivers it late), so each statement carries when it was made and an older one
never overrides a newer (see `streams.service.input_idleness`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

UNKNOWN = "?"


@dataclass(slots=True)
class PartitionClock:
    """The officer stage's clock for one partition, stored in its clock table.

    >>> clock = PartitionClock.starting(["badge/0", "access/0"])
    >>> clock.source_seen("badge/0", 100.0, idle=False, as_of=1.0)
    -inf
    >>> clock.source_seen("access/0", 90.0, idle=False, as_of=1.0)
    90.0
    >>> clock.source_seen("access/0", 95.0, idle=True, as_of=3.0)
    100.0
    >>> clock.source_seen("access/0", 96.0, idle=False, as_of=2.0)  # said before it was idle
    100.0
    >>> clock.source_seen("access/0", -math.inf, idle=False, as_of=4.0)  # busy again
    96.0
    >>> PartitionClock.from_bytes(clock.to_bytes()) == clock
    True
    """

    watermark: float = -math.inf
    peer_done: float = -math.inf
    # input partition -> [newest event time or None, idle, when idle was last stated or None]
    sources: dict[str, list[Any]] = field(default_factory=dict)
    # peer partition -> done through (event time)
    peers_done: list[float] = field(default_factory=list)

    @classmethod
    def starting(cls, sources: Iterable[str]) -> PartitionClock:
        return cls(sources={name: [None, False, None] for name in sources})

    def source_seen(
        self, source: str | None, t: float, *, idle: bool, as_of: float | None
    ) -> float:
        """Record an input partition's progress, and whether it is idle as stated at `as_of`
        (None: unknown, always applies); the watermark it allows."""
        name = source or UNKNOWN
        newest, was_idle, stated = _entry(self.sources.get(name))
        if not math.isinf(t):
            newest = t if newest is None else max(newest, t)
        if as_of is None or stated is None or as_of >= stated:
            was_idle, stated = idle, as_of if as_of is not None else stated
        self.sources[name] = [newest, was_idle, stated]
        busy = [v[0] for v in self.sources.values() if not v[1]]
        if busy:
            return -math.inf if any(v is None for v in busy) else float(min(busy))
        known = [float(v[0]) for v in self.sources.values() if v[0] is not None]
        return max(known) if known else -math.inf

    def peer_partition_done(self, source: int, t: float, partitions: int) -> float:
        """Record that peer partition `source` finished through `t`; the least over all."""
        if len(self.peers_done) != partitions:
            self.peers_done = [-math.inf] * partitions
        self.peers_done[source] = max(self.peers_done[source], t)
        return float(min(self.peers_done))

    def to_bytes(self) -> bytes:
        return orjson.dumps(
            {
                "w": _finite(self.watermark),
                "d": _finite(self.peer_done),
                "s": self.sources,
                "p": [_finite(t) for t in self.peers_done],
            }
        )

    @classmethod
    def from_bytes(cls, raw: bytes) -> PartitionClock:
        doc = orjson.loads(raw)
        return cls(
            watermark=_infinite(doc["w"]),
            peer_done=_infinite(doc["d"]),
            sources={name: list(entry) for name, entry in doc["s"].items()},
            peers_done=[_infinite(t) for t in doc["p"]],
        )


def _entry(entry: list[Any] | None) -> tuple[float | None, bool, float | None]:
    """A source's [newest, idle, stated]; clocks stored before statements were dated hold
    only the first two."""
    if entry is None:
        return None, False, None
    return entry[0], bool(entry[1]), entry[2] if len(entry) > 2 else None


def _finite(t: float) -> float | None:
    return None if math.isinf(t) else t


def _infinite(t: float | None) -> float:
    return -math.inf if t is None else float(t)
