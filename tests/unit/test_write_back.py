"""The worker's write-back cache: decode once, write each dirty key once, per partition."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from streams.service.partition_clock import PartitionClock
from streams.service.write_back import WriteBack


class CountingTable(dict[bytes, bytes]):
    """A table stand-in that counts reads and writes (the cache's whole contract with it)."""

    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        self.reads = 0
        self.writes: list[bytes] = []

    def get(self, key: bytes, default: bytes | None = None) -> bytes | None:  # type: ignore[override]
        self.reads += 1
        return super().get(key, default)

    def __setitem__(self, key: bytes, value: bytes) -> None:
        self.writes.append(key)
        super().__setitem__(key, value)


def _cache(table: CountingTable) -> WriteBack[int]:
    return WriteBack(table, int, lambda value: str(value).encode())


def test_a_key_is_read_and_decoded_once_however_often_it_is_asked_for() -> None:
    table = CountingTable({b"a": b"1"})
    cache = _cache(table)
    assert [cache.get(b"a") for _ in range(3)] == [1, 1, 1]
    assert cache.get(b"missing") is None and cache.get(b"missing") is None
    assert table.reads == 2


def test_changes_reach_the_table_only_when_their_partition_is_flushed_once_per_key() -> None:
    table = CountingTable()
    cache = _cache(table)
    for value in range(5):
        cache.put(0, b"b", value)
        cache.put(0, b"a", value)
    cache.put(1, b"c", 7)
    assert table.writes == []
    assert cache.pending(0) and cache.pending(1)
    assert asyncio.run(cache.flush(0)) == 2
    assert table.writes == [b"a", b"b"]  # in key order, each once, with the last value
    assert table[b"a"] == b"4" and b"c" not in table
    assert not cache.pending(0) and cache.pending(1)
    assert asyncio.run(cache.flush(0)) == 0


class StoredTable(CountingTable):
    """A table stand-in with a store of its own and a changelog topic, as Faust's tables."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[bytes, bytes] = {}
        self.changelog_topic = SimpleNamespace(get_topic_name=lambda: "app-states-changelog")


def test_with_a_changelog_sender_the_store_is_written_and_each_record_sent_once() -> None:
    table = StoredTable()
    sent: list[tuple[str, bytes, bytes, int]] = []

    async def send(topic: str, key: bytes, value: bytes, partition: int) -> None:
        sent.append((topic, key, value, partition))

    cache = WriteBack(table, int, lambda value: str(value).encode(), send)
    for value in range(3):
        cache.put(2, b"b", value)
        cache.put(2, b"a", value + 10)
    assert asyncio.run(cache.flush(2)) == 2
    assert table.data == {b"a": b"12", b"b": b"2"}
    # Not through the table's own write, which would send the changelog record a second time.
    assert table.writes == []
    assert sent == [
        ("app-states-changelog", b"a", b"12", 2),
        ("app-states-changelog", b"b", b"2", 2),
    ]


def test_forgetting_drops_unwritten_changes_and_rereads_the_table() -> None:
    table = CountingTable({b"a": b"1"})
    cache = _cache(table)
    cache.put(0, b"a", 9)
    cache.forget()
    assert not cache.pending(0)
    assert cache.get(b"a") == 1


def test_a_partition_clock_survives_its_bytes_with_unknown_times() -> None:
    clock = PartitionClock.starting(["badge/0", "access/0"])
    assert PartitionClock.from_bytes(clock.to_bytes()) == clock
    clock.peer_partition_done(1, 50.0, partitions=2)
    clock.source_seen(None, 10.0, idle=True, as_of=5.0)
    assert PartitionClock.from_bytes(clock.to_bytes()) == clock
