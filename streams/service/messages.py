"""Internal messages between the worker's stages, told apart by a `wf-kind` header.

The by-officer topic carries decoded events (their original bytes), watermarks, peer findings
for one officer, and "peer stage done through" markers; the peer topic carries closed-day
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


SOURCE_HEADER = "wf-source"


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
