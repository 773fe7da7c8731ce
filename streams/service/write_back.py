"""Table values kept decoded in memory and written back once per commit, not once per event.

An officer's state was read from its table and decoded, then encoded and written back (one
changelog message) for every event; its clocks likewise. That cost grows with the state: while
the horizon waits for the peer stage, a state buffers hours of events, and each event paid for
all of them twice (measured here: milliseconds of CPU per event). The design notes' advice is
the remedy: keep the values decoded, and write each dirty key once per batch.

Exactly-once still holds because the batch ends at the commit: `flush` runs under the
processing lock just before the producer buffer is handed over and the transactions commit
(`exactly_once.LockedConsumer`), so every state change goes out in the same transaction as the
offsets of the events that made it. After a rebalance the uncommitted work is aborted and
redone, so the caches are dropped (`forget`), never written.

Faust lets a table be written only while an event of the table's source partition is current
(its changelog partition is that event's). A flush runs between events, so it makes the last
event seen on the partition current again for the writes.

With a `changelog` sender, a flush puts the bytes in the table's store and sends the changelog
record itself (`streams.service.exactly_once.DirectSends`), instead of through Faust's producer
buffer: what Faust would do, at a fraction of its cost per write.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

from faust.streams import _current_event

Value = TypeVar("Value")

# (changelog topic, key, value, partition) -> sent in the current transaction.
ChangelogSender = Callable[[str, bytes, bytes, int], Awaitable[None]]


class WriteBack(Generic[Value]):
    """One table's values for the partitions this worker processes.

    `get` decodes a key's stored bytes once; `put` keeps the new value and marks the key
    dirty for the partition whose events changed it; `flush` writes the dirty keys.
    """

    def __init__(
        self,
        table: Any,
        decode: Callable[[bytes], Value],
        encode: Callable[[Value], bytes],
        changelog: ChangelogSender | None = None,
    ) -> None:
        self.table = table
        self.changelog = changelog
        self.decode = decode
        self.encode = encode
        self.values: dict[bytes, Value | None] = {}
        self.dirty: dict[int, set[bytes]] = {}

    def get(self, key: bytes) -> Value | None:
        try:
            return self.values[key]
        except KeyError:
            raw = self.table.get(key)
            value = None if raw is None else self.decode(raw)
            self.values[key] = value
            return value

    def put(self, partition: int, key: bytes, value: Value) -> None:
        self.values[key] = value
        self.dirty.setdefault(partition, set()).add(key)

    def pending(self, partition: int) -> bool:
        return bool(self.dirty.get(partition))

    async def flush(self, partition: int) -> int:
        """Write the partition's dirty keys (in key order, so a flush is reproducible)."""
        keys = self.dirty.pop(partition, set())
        send = self.changelog
        if send is None:
            for key in sorted(keys):
                value = self.values[key]
                if value is not None:
                    self.table[key] = self.encode(value)
            return len(keys)
        # What the table's own write does (store, then changelog), the record sent directly.
        topic = self.table.changelog_topic.get_topic_name()
        store = self.table.data
        for key in sorted(keys):
            value = self.values[key]
            if value is not None:
                raw = self.encode(value)
                store[key] = raw
                await send(topic, key, raw, partition)
        return len(keys)

    def forget(self) -> None:
        self.values.clear()
        self.dirty.clear()


@contextmanager
def current(event: Any) -> Iterator[None]:
    """Make `event` Faust's current event, so table writes go to its partition."""
    token = _current_event.set(weakref.ref(event))
    try:
        yield
    finally:
        _current_event.reset(token)
