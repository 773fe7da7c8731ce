"""Decoded events the ingest stage has yet to pass on, one batch per input partition.

A batch goes out as one by-officer message per by-officer partition (`messages.encode_events`)
when it is full and before every commit. Waiting for the commit costs no latency: the officer
stage reads committed messages only, so an event sent on its own was not readable sooner.

A batch is kept per input partition because it must travel in that partition's transaction
(the one that commits the offsets of its events), and because the input partition's clock is
sent with it (by the worker, which keeps the newest event time each input has passed on):
every by-officer partition then learns how far that input has got, in order, after the events
it was sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Source = tuple[str, int]


@dataclass
class PendingBatch:
    """What one input partition has passed on since its last batch went out."""

    # The last Faust event taken from the input partition: the batch is sent as if from it,
    # so it joins that partition's transaction.
    event: Any
    targets: dict[int, list[bytes]] = field(default_factory=dict)
    count: int = 0
    size: int = 0


class Outbox:
    """Pending batches by input partition.

    >>> outbox = Outbox(max_events=2, max_bytes=1000)
    >>> outbox.add(("badge", 0), "e1", 3, b"{}")
    False
    >>> outbox.add(("badge", 0), "e2", 1, b"{}")  # full
    True
    >>> batch = outbox.take(("badge", 0))
    >>> batch.event, batch.targets
    ('e2', {3: [b'{}'], 1: [b'{}']})
    >>> outbox.take(("badge", 0)) is None
    True
    """

    def __init__(self, max_events: int, max_bytes: int) -> None:
        self.max_events = max_events
        self.max_bytes = max_bytes
        self._batches: dict[Source, PendingBatch] = {}

    def add(self, source: Source, event: Any, target: int, raw: bytes) -> bool:
        """Add one decoded event; True when the source's batch should go out now."""
        batch = self._batches.get(source)
        if batch is None:
            batch = self._batches[source] = PendingBatch(event)
        batch.event = event
        batch.targets.setdefault(target, []).append(raw)
        batch.count += 1
        batch.size += len(raw)
        return batch.count >= self.max_events or batch.size >= self.max_bytes

    def take(self, source: Source) -> PendingBatch | None:
        """The source's batch, which is then no longer pending."""
        return self._batches.pop(source, None)

    def sources(self) -> list[Source]:
        """Input partitions with a pending batch, in a fixed order."""
        return sorted(self._batches)

    def clear(self) -> None:
        self._batches.clear()
