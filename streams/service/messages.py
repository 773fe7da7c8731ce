"""Internal messages between the worker's stages, told apart by a `wf-kind` header.

The by-officer topic carries batches of decoded events (their original bytes, with the clock of
the input partition they came from), watermarks, peer findings for one officer, and "peer stage
done through" markers; the peer topic carries closed-day
vectors and per-partition "officers advanced through" markers. Markers are sent to every
partition, so each partition learns the time by itself, in its own order.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence

import orjson

from detectors.messages import DayVector, Finding

KIND_HEADER = "wf-kind"
EVENT = b"event"
EVENTS = b"events"
WATERMARK = b"watermark"
FINDINGS = b"findings"
PEER_DONE = b"peer-done"
VECTOR = b"vector"
ADVANCED = b"advanced"

_MARKER = struct.Struct("<di")


def kind_of(headers: Sequence[tuple[str, bytes]] | None) -> bytes:
    """The `wf-kind` of a message; plain events from outside carry none.

    >>> kind_of([("wf-kind", b"watermark")]), kind_of(None)
    (b'watermark', b'event')
    """
    for name, value in headers or ():
        if name == KIND_HEADER:
            return bytes(value)
    return EVENT


def encode_marker(t: float, source_partition: int) -> bytes:
    """A time promised by one source partition.

    >>> decode_marker(encode_marker(2.0, 3))
    (2.0, 3)
    """
    return _MARKER.pack(t, source_partition)


def decode_marker(data: bytes) -> tuple[float, int]:
    t, partition = _MARKER.unpack(data)
    return float(t), int(partition)


_SOURCE = struct.Struct("<d?")


def encode_source_clock(newest: float, idle: bool) -> bytes:
    """What one input partition promises: the newest event time it has passed on, and
    whether it is idle (read to its end), so that it need not hold the others back.

    >>> decode_source_clock(encode_source_clock(5.0, True))
    (5.0, True)
    """
    return _SOURCE.pack(newest, idle)


def decode_source_clock(data: bytes) -> tuple[float, bool]:
    newest, idle = _SOURCE.unpack(data)
    return float(newest), bool(idle)


_BATCH_HEAD = struct.Struct("<d?I")
_LENGTH = struct.Struct("<I")


def encode_events(events: Sequence[bytes], newest: float, idle: bool) -> bytes:
    """Events of one input partition bound for one by-officer partition, in input order, and
    that input partition's clock once they are applied (see `encode_source_clock`).

    One message for many events: a message per event cost the worker more than the events'
    processing (a produce, a fetch, and Faust's delivery, acknowledgement and transaction
    bookkeeping each).

    >>> decode_events(encode_events([b'{"a":1}', b"{}"], 7.5, False))
    ([b'{"a":1}', b'{}'], 7.5, False)
    >>> decode_events(encode_events([], 1.0, True))
    ([], 1.0, True)
    >>> decode_events(b"short")
    Traceback (most recent call last):
    ...
    ValueError: truncated event batch
    """
    parts = [_BATCH_HEAD.pack(newest, idle, len(events))]
    for raw in events:
        parts.append(_LENGTH.pack(len(raw)))
        parts.append(raw)
    return b"".join(parts)


def decode_events(data: bytes) -> tuple[list[bytes], float, bool]:
    view = memoryview(data)
    try:
        newest, idle, count = _BATCH_HEAD.unpack_from(view)
        at = _BATCH_HEAD.size
        events = []
        for _ in range(count):
            (length,) = _LENGTH.unpack_from(view, at)
            at += _LENGTH.size
            if at + length > len(view):
                raise ValueError("truncated event batch")
            events.append(bytes(view[at : at + length]))
            at += length
    except struct.error:
        raise ValueError("truncated event batch") from None
    if at != len(view):
        raise ValueError("trailing bytes after an event batch")
    return events, float(newest), bool(idle)


SOURCE_HEADER = "wf-source"
# When a source clock's statement was made (wall time, epoch seconds): of two statements about
# an input partition's idleness, the later made wins, whatever order they arrive in.
AS_OF_HEADER = "wf-as-of"
_AS_OF = struct.Struct("<d")


def clock_headers(
    kind: bytes, topic: str, partition: int, stated: float
) -> list[tuple[str, bytes]]:
    """The headers of a by-officer message carrying input partition `topic`/`partition`'s
    clock, stated at `stated` (a batch of its events, or a watermark about it).

    >>> [name for name, _ in clock_headers(EVENTS, "watchfloor.badge.v1", 2, 1.5)]
    ['wf-kind', 'wf-source', 'wf-as-of']
    >>> source_of(clock_headers(WATERMARK, "watchfloor.badge.v1", 2, 1.5))
    'watchfloor.badge.v1/2'
    """
    return [
        (KIND_HEADER, kind),
        (SOURCE_HEADER, f"{topic}/{partition}".encode()),
        (AS_OF_HEADER, _AS_OF.pack(stated)),
    ]


def as_of(headers: Sequence[tuple[str, bytes]] | None) -> float | None:
    """When the clock a by-officer message carries was stated; None for messages without it
    (written before the header existed), whose statements always apply.

    >>> as_of(clock_headers(WATERMARK, "watchfloor.badge.v1", 2, 12.5)), as_of([])
    (12.5, None)
    """
    for name, value in headers or ():
        if name == AS_OF_HEADER:
            return float(_AS_OF.unpack(bytes(value))[0])
    return None


def source_of(headers: Sequence[tuple[str, bytes]] | None) -> str | None:
    """The input partition (``topic/partition``) a by-officer message came from."""
    for name, value in headers or ():
        if name == SOURCE_HEADER:
            return bytes(value).decode()
    return None


def encode_findings(findings: Iterable[Finding]) -> bytes:
    return orjson.dumps([finding.to_bytes().hex() for finding in findings])


def decode_findings(data: bytes) -> list[Finding]:
    return [Finding.from_bytes(bytes.fromhex(item)) for item in orjson.loads(data)]


def encode_vector(vector: DayVector) -> bytes:
    return vector.to_bytes()


def decode_vector(data: bytes) -> DayVector:
    return DayVector.from_bytes(data)
