"""The dead-letter record: input that was rejected, with where it came from and why.

Bad input never stops the worker and is never dropped silently; it is wrapped in a
:class:`DeadLetter` and published (or written, in replay) for the producing team to fix.

A dead letter carries the original bytes, so it is always larger than what it wraps: a bad
message near Kafka's 1 MB limit would make a dead letter over it, which the dead-letter topic
would refuse. So a record keeps at most the first :data:`ORIGINAL_MAX_BYTES` of the input and
says so (``truncated``), with the whole input's length and SHA-256, which every new record
carries: nothing is lost without a trace, and a producer can still find the message it sent.

Examples
--------
>>> from datetime import datetime, UTC
>>> origin = KafkaOrigin(topic="watchfloor.badge.v1", partition=3, offset=17)
>>> letter = DeadLetter.for_error(
...     b'{"type": "badge"}', origin,
...     DecodeError("$.schema_version", "required field is missing", "missing_field"),
...     rejected_at=datetime(2026, 3, 9, 7, 0, tzinfo=UTC),
... )
>>> letter.field_path, letter.reason
('$.schema_version', '$.schema_version: required field is missing')
>>> letter.truncated, letter.original_length, letter.original_sha256[:12]
(False, 17, '115319aee68f')

An input over the limit is kept in part; :meth:`DeadLetter.matches` still recognises it:

>>> huge = b'{"officer_id": "' + b"x" * 900_000 + b'"}'
>>> big = DeadLetter.for_error(
...     huge,
...     origin,
...     DecodeError("$.officer_id", "must be at most 128 characters long", "out_of_range"),
...     rejected_at=datetime(2026, 3, 9, 7, 0, tzinfo=UTC),
... )
>>> len(big.original), big.truncated, big.original_length, big.matches(huge)
(65536, True, 900018, True)
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Final, TypeAlias

from msgspec import Meta, Struct
from msgspec.structs import force_setattr, replace

from schemas.errors import DecodeError
from schemas.fields import SAFE_INT_MAX, NonEmptyStr, UtcDateTime, rule_error, utc_time

__all__ = [
    "ORIGINAL_MAX_BYTES",
    "REASON_MAX_LENGTH",
    "DeadLetter",
    "FileOrigin",
    "KafkaOrigin",
    "Origin",
]

ORIGINAL_MAX_BYTES: Final = 64 * 1024
"""The most of a rejected input a dead letter keeps.

In base64 that is 87,384 bytes: with the reason and origin a dead letter stays under 100 KB,
a tenth of Kafka's default 1 MB message limit, whatever it wraps.
"""
REASON_MAX_LENGTH: Final = 1024
"""The longest reason or field path a dead letter keeps, in characters; real ones are short,
but a record's size must not depend on what an error message happens to say."""

_SHA256_HEX: Final = "^[0-9a-f]{64}$"


KEY_MAX_BYTES: Final = 1024
"""The longest message key a dead letter keeps as it is; a longer one is replaced by its digest."""


def dead_letter_key(key: bytes | None) -> bytes | None:
    """The key to publish a dead letter under: the original message's, unless it is too long
    to travel (a dead letter must fit its topic whatever the bad message was).

    >>> dead_letter_key(b"P12345")
    b'P12345'
    >>> long = dead_letter_key(b"x" * 2000)
    >>> long[:7], len(long)
    (b'sha256:', 71)
    """
    if key is None or len(key) <= KEY_MAX_BYTES:
        return key
    return b"sha256:" + hashlib.sha256(key).hexdigest().encode()


def _clip(text: str) -> str:
    return text if len(text) <= REASON_MAX_LENGTH else text[: REASON_MAX_LENGTH - 1] + "…"


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

    original: Annotated[
        bytes,
        Meta(
            description=(
                "The input exactly as received; when truncated is true, only its first bytes."
            )
        ),
    ]
    origin: Origin
    reason: NonEmptyStr
    field_path: (
        Annotated[NonEmptyStr, Meta(description="Path of the offending field, e.g. $.zone.")] | None
    ) = None
    rejected_at: Annotated[
        UtcDateTime, Meta(description="When the reader rejected it, by the reader's clock.")
    ]
    # The three below came after the first records were written: readers must accept records
    # without them, which hold the whole input.
    truncated: Annotated[
        bool,
        Meta(description="Whether original holds only the start of a longer input."),
    ] = False
    original_length: (
        Annotated[
            int,
            Meta(ge=0, le=SAFE_INT_MAX, description="Length of the whole input, in bytes."),
        ]
        | None
    ) = None
    original_sha256: (
        Annotated[
            str,
            Meta(pattern=_SHA256_HEX, description="SHA-256 of the whole input, in lowercase hex."),
        ]
        | None
    ) = None

    def __post_init__(self) -> None:
        force_setattr(self, "rejected_at", utc_time(self.rejected_at, "rejected_at"))
        kept = len(self.original)
        if self.truncated:
            if self.original_length is None:
                raise rule_error(
                    "original_length", "required when truncated is true", "missing_field"
                )
            if self.original_sha256 is None:
                raise rule_error(
                    "original_sha256", "required when truncated is true", "missing_field"
                )
            if self.original_length <= kept:
                raise rule_error(
                    "original_length",
                    "must exceed the length of original when truncated",
                    "out_of_range",
                )
        elif self.original_length is not None and self.original_length != kept:
            raise rule_error(
                "original_length",
                "must equal the length of original unless truncated",
                "out_of_range",
            )

    @classmethod
    def for_error(
        cls,
        original: bytes,
        origin: Origin,
        error: DecodeError,
        *,
        rejected_at: UtcDateTime,
        max_bytes: int = ORIGINAL_MAX_BYTES,
    ) -> DeadLetter:
        """Wrap ``original`` and the ``error`` that rejected it; the caller supplies the clock.

        At most ``max_bytes`` of ``original`` are kept, and the reason and field path are
        clipped to :data:`REASON_MAX_LENGTH`, so the record's size is bounded whatever the input.
        """
        original = bytes(original)
        return cls(
            original=original[:max_bytes],
            origin=origin,
            reason=_clip(str(error)),
            field_path=_clip(error.path),
            rejected_at=rejected_at,
            truncated=len(original) > max_bytes,
            original_length=len(original),
            original_sha256=hashlib.sha256(original).hexdigest(),
        )

    def bounded(self, max_bytes: int = ORIGINAL_MAX_BYTES) -> DeadLetter:
        """This record with at most ``max_bytes`` of the original; itself if it has no more.

        Examples
        --------
        >>> from datetime import datetime, UTC
        >>> letter = DeadLetter(
        ...     original=b"0123456789", origin=FileOrigin(path="events.jsonl", line=1),
        ...     reason="$: malformed JSON", rejected_at=datetime(2026, 3, 9, tzinfo=UTC),
        ... )
        >>> short = letter.bounded(4)
        >>> short.original, short.truncated, short.original_length, short.matches(b"0123456789")
        (b'0123', True, 10, True)
        >>> letter.bounded() is letter
        True
        """
        if len(self.original) <= max_bytes:
            return self
        if self.truncated:
            # Already cut by a larger limit: the length and digest describe the whole input.
            return replace(self, original=self.original[:max_bytes])
        return replace(
            self,
            original=self.original[:max_bytes],
            truncated=True,
            original_length=len(self.original),
            original_sha256=hashlib.sha256(self.original).hexdigest(),
        )

    def matches(self, data: bytes) -> bool:
        """Whether this record wraps ``data``: the same bytes, or, when it was truncated, their
        start, length and SHA-256."""
        if not self.truncated:
            return self.original == data
        return (
            len(data) == self.original_length
            and data.startswith(self.original)
            and hashlib.sha256(data).hexdigest() == self.original_sha256
        )
