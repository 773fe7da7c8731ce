"""How far event time has got for one by-officer partition: the officer stage's clock.

A partition's watermark is an event time every input partition has promised: the least newest
time over the input partitions that still have events to send (the greatest when all are idle).
Its peer barrier is the least "done through" time over the peer partitions. Both only grow.
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
    >>> clock.source_seen("badge/0", 100.0, idle=False)
    -inf
    >>> clock.source_seen("access/0", 90.0, idle=False)
    90.0
    >>> clock.source_seen("access/0", 95.0, idle=True)
    100.0
    >>> PartitionClock.from_bytes(clock.to_bytes()) == clock
    True
    """

    watermark: float = -math.inf
    peer_done: float = -math.inf
    # input partition -> [newest event time or None, idle]
    sources: dict[str, list[Any]] = field(default_factory=dict)
    # peer partition -> done through (event time)
    peers_done: list[float] = field(default_factory=list)

    @classmethod
    def starting(cls, sources: Iterable[str]) -> PartitionClock:
        return cls(sources={name: [None, False] for name in sources})

    def source_seen(self, source: str | None, t: float, *, idle: bool) -> float:
        """Record an input partition's progress; the watermark it allows."""
        name = source or UNKNOWN
        entry = self.sources.get(name)
        newest = None if entry is None else entry[0]
        if not math.isinf(t):
            newest = t if newest is None else max(newest, t)
        self.sources[name] = [newest, idle]
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


def _finite(t: float) -> float | None:
    return None if math.isinf(t) else t


def _infinite(t: float | None) -> float:
    return -math.inf if t is None else float(t)
