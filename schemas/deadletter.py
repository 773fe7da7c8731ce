"""The dead-letter record: input that was rejected, kept whole, with where it came from and why.

Bad input never stops the worker and is never dropped silently; it is wrapped in a
:class:`DeadLetter` and published (or written, in replay) for the producing team to fix.

Examples
--------
>>> from datetime import datetime, UTC
>>> letter = DeadLetter.for_error(
...     b'{"type": "badge"}', KafkaOrigin(topic="watchfloor.badge.v1", partition=3, offset=17),
...     DecodeError("$.schema_version", "required field is missing"),
...     rejected_at=datetime(2026, 3, 9, 7, 0, tzinfo=UTC),
... )
>>> letter.field_path, letter.reason
('$.schema_version', '$.schema_version: required field is missing')
"""

from __future__ import annotations

from typing import Annotated, TypeAlias

from msgspec import Meta, Struct
from msgspec.structs import force_setattr

from schemas.errors import DecodeError
from schemas.fields import SAFE_INT_MAX, NonEmptyStr, UtcDateTime, utc_time

__all__ = ["DeadLetter", "FileOrigin", "KafkaOrigin", "Origin"]


class KafkaOrigin(Struct, frozen=True, kw_only=True, tag="kafka", tag_field="kind"):
    """A message's place in a Kafka topic."""

    topic: NonEmptyStr
    # Kafka's own types: partitions are int32, offsets int64.
    partition: Annotated[int, Meta(ge=0, le=2**31 - 1)]
    offset: Annotated[int, Meta(ge=0, le=2**63 - 1)]


class FileOrigin(Struct, frozen=True, kw_only=True, tag="file", tag_field="kind"):
    """A line of a history or reference file, as replay reads them."""

    path: NonEmptyStr
    line: Annotated[int, Meta(ge=1, le=SAFE_INT_MAX, description="1-based line number.")]


Origin: TypeAlias = KafkaOrigin | FileOrigin


class DeadLetter(Struct, frozen=True, kw_only=True):
    """Rejected input with the reason it was rejected."""

    original: Annotated[bytes, Meta(description="The input exactly as received.")]
    origin: Origin
    reason: NonEmptyStr
    field_path: (
        Annotated[NonEmptyStr, Meta(description="Path of the offending field, e.g. $.zone.")] | None
    ) = None
    rejected_at: Annotated[
        UtcDateTime, Meta(description="When the reader rejected it, by the reader's clock.")
    ]

    def __post_init__(self) -> None:
        force_setattr(self, "rejected_at", utc_time(self.rejected_at, "rejected_at"))

    @classmethod
    def for_error(
        cls, original: bytes, origin: Origin, error: DecodeError, *, rejected_at: UtcDateTime
    ) -> DeadLetter:
        """Wrap ``original`` and the ``error`` that rejected it; the caller supplies the clock."""
        return cls(
            original=original,
            origin=origin,
            reason=str(error),
            field_path=error.path,
            rejected_at=rejected_at,
        )
