"""Input records handed to the ingest agent in batches, below Faust's per-message delivery.

Faust delivers every fetched record to an agent as a message of its own: the consumer's fetch
loop, the conductor, the stream, the acknowledgement and the sensors each take their turn, and
measured here that alone allowed about 14,000 messages a second with nothing done with them
(`bench/faust_floor.py`), below the worker's target. Input events are small and many, so the
consumer packs the records it fetched from one input partition into a few stand-in records
(`batch_records`): each carries up to `size` real ones as a `RecordBatch` value and takes the
offset of the last of them. Faust then delivers, acknowledges and commits the stand-ins as it
would any record: the offset committed after one is the offset after every record it carries.

The records of one stand-in are processed together under one hold of the processing lock, so
the size bounds how long a commit may wait for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from aiokafka.structs import ConsumerRecord


class Record(Protocol):
    """What the ingest stage reads of an input record."""

    @property
    def offset(self) -> int: ...

    @property
    def key(self) -> bytes | None: ...

    @property
    def value(self) -> bytes | None: ...


class RecordBatch:
    """The records one stand-in record carries, in offset order."""

    __slots__ = ("records",)

    def __init__(self, records: Sequence[Record]) -> None:
        self.records = records

    def __len__(self) -> int:
        return len(self.records)

    def __repr__(self) -> str:
        return f"RecordBatch({len(self.records)} records)"


def batch_records(records: list[Any], size: int) -> list[Any]:
    """The records of one partition's fetch as stand-ins of at most `size` records each.

    >>> def record(offset):
    ...     return ConsumerRecord("t", 0, offset, 1000 + offset, 0, b"k", b"v", None, 1, 1, [])
    >>> stand_ins = batch_records([record(o) for o in (10, 11, 13, 14, 15)], 2)
    >>> [(s.offset, [r.offset for r in s.value.records]) for s in stand_ins]
    [(11, [10, 11]), (14, [13, 14]), (15, [15])]
    >>> stand_ins[0].key is None and stand_ins[0].serialized_value_size == 2
    True
    """
    stand_ins: list[Any] = []
    for start in range(0, len(records), size):
        chunk = records[start : start + size]
        last = chunk[-1]
        stand_ins.append(
            ConsumerRecord(
                topic=last.topic,
                partition=last.partition,
                offset=last.offset,
                timestamp=last.timestamp,
                timestamp_type=last.timestamp_type,
                key=None,
                value=RecordBatch(chunk),
                checksum=None,
                serialized_key_size=sum(r.serialized_key_size for r in chunk),
                serialized_value_size=sum(r.serialized_value_size for r in chunk),
                headers=(),
            )
        )
    return stand_ins


def first_offset(offset: int, value: object) -> int:
    """The offset of the first input record of a message: of a batch's first record, or its own.

    >>> first_offset(14, RecordBatch([ConsumerRecord("t", 0, 13, 0, 0, None, b"", None, 0, 0, [])]))
    13
    >>> first_offset(14, b"{}")
    14
    """
    if isinstance(value, RecordBatch) and value.records:
        return value.records[0].offset
    return offset
