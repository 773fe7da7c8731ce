"""Field types and checks shared by every watchfloor model.

The ``Annotated`` aliases carry their constraints with them, so msgspec enforces them while it
decodes and writes them into the published JSON Schema. Rules that compare values or need
arithmetic live in the models' ``__post_init__``, which msgspec runs after decoding and after
construction alike; they raise :func:`rule_error`, whose message the codec turns into a
field path and whose reason code it keeps.

Examples
--------
>>> from datetime import datetime, timedelta, timezone
>>> utc_time(datetime(2026, 3, 9, 8, 0, tzinfo=timezone(timedelta(hours=1))), "event_time")
datetime.datetime(2026, 3, 9, 7, 0, tzinfo=datetime.timezone.utc)
>>> utc_time(datetime(1970, 1, 1, tzinfo=UTC), "event_time")
Traceback (most recent call last):
...
schemas.fields.RuleError: `event_time`: time must lie within the years 2000 to 2100 (UTC)
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Annotated, Any, Final, Literal

from msgspec import Meta

from schemas.errors import DecodeReason

__all__ = [
    "EARLIEST",
    "EVENT_ID_MAX_LENGTH",
    "ID_MAX_LENGTH",
    "LATEST",
    "RULE_MESSAGE",
    "SAFE_INT_MAX",
    "SCHEMA_VERSION",
    "TEXT_MAX_LENGTH",
    "TIME_RANGE_RULE",
    "UTC",
    "Count",
    "EventId",
    "Hours",
    "Id",
    "NonEmptyStr",
    "RuleError",
    "SchemaVersion",
    "Text",
    "UtcDateTime",
    "ZoneLevel",
    "check_finite",
    "json_value",
    "rule_error",
    "utc_time",
]

SCHEMA_VERSION: Final = 1
"""The one major version this reader understands; any other is rejected, never guessed at."""

# Years outside this span are a producer's clock or parsing bug (epoch 0, 9999 sentinels),
# never a real swipe, look-up or shift; letting them in would poison per-officer windows.
EARLIEST: Final = datetime(2000, 1, 1, tzinfo=UTC)
LATEST: Final = datetime(2101, 1, 1, tzinfo=UTC)
TIME_RANGE_RULE: Final = "time must lie within the years 2000 to 2100 (UTC)"
# JSON Schema cannot compare instants, so the published files check the written year; the
# two agree except within a day of the ends of the span, where the offset moves the UTC year.
_YEAR_PATTERN: Final = "^(?:20[0-9]{2}|2100)-"

# Every string an input message carries is bounded, in characters: unbounded, a megabyte-long
# officer id would be accepted, and the worker re-keying the event by officer would make a
# message over Kafka's 1 MB limit, which stalls it. Identifiers are codes a system generates;
# names, reason codes and the like are written by people and get more room. Both are far above
# any real value and far below a size that strains a topic, a table or a log line.
ID_MAX_LENGTH: Final = 128
TEXT_MAX_LENGTH: Final = 1024
EVENT_ID_MAX_LENGTH: Final = ID_MAX_LENGTH
# Counts stay exact for readers that hold JSON numbers as doubles (JavaScript's
# Number.MAX_SAFE_INTEGER), and an absurd count is refused instead of crashing an encoder.
SAFE_INT_MAX: Final = 2**53 - 1
# The longest duty period a roster change can cover: a month of round-the-clock hours.
_MAX_HOURS: Final = 24.0 * 31

# The message shape ``__post_init__`` checks use, so the codec can recover the field.
RULE_MESSAGE: Final = re.compile(r"`(?P<field>[^`]+)`: (?P<rule>.+)", re.DOTALL)

SchemaVersion = Annotated[
    Literal[1],
    Meta(description="Major version of the message schema; readers reject any they do not know."),
]
NonEmptyStr = Annotated[str, Meta(min_length=1)]
"""Unbounded text: only for what watchfloor writes itself (alerts, dead letters)."""
Id = Annotated[str, Meta(min_length=1, max_length=ID_MAX_LENGTH)]
"""An identifier from an input message (officer, site, badge, record...)."""
Text = Annotated[str, Meta(min_length=1, max_length=TEXT_MAX_LENGTH)]
"""A name or code from an input message (zone, system, source, reason...)."""
EventId = Annotated[Id, Meta(description="Identifier unique within the producing source.")]
UtcDateTime = Annotated[
    datetime,
    Meta(
        tz=True,
        description="RFC 3339 date-time with a UTC offset; read as UTC.",
        extra_json_schema={"pattern": _YEAR_PATTERN},
    ),
]
ZoneLevel = Annotated[int, Meta(ge=0, le=5, description="Sensitivity, 0 (public) to 5.")]
Hours = Annotated[float, Meta(ge=0.0, le=_MAX_HOURS)]
Count = Annotated[int, Meta(ge=0, le=SAFE_INT_MAX)]


class RuleError(ValueError):
    """A model's own rule broken by ``field``; ``reason`` is its code for the dead-letter metric.

    msgspec wraps it in a ValidationError that keeps only the text, so the codec finds the
    reason on the ValidationError's cause.
    """

    def __init__(self, field: str, rule: str, reason: DecodeReason) -> None:
        super().__init__(f"`{field}`: {rule}")
        self.reason: DecodeReason = reason


def rule_error(field: str, rule: str, reason: DecodeReason) -> RuleError:
    """Build the error a model raises when ``field`` breaks ``rule``, for ``reason``.

    Examples
    --------
    >>> err = rule_error("period_end", "must not be before period_start", "bad_time")
    >>> str(err), err.reason
    ('`period_end`: must not be before period_start', 'bad_time')
    """
    return RuleError(field, rule, reason)


def utc_time(value: datetime, field: str) -> datetime:
    """Return ``value`` as UTC, or raise the rule it breaks.

    Parameters
    ----------
    value
        A time from a decoded or constructed model.
    field
        The field name to report.
    """
    if value.tzinfo is not UTC:
        if value.tzinfo is None or value.utcoffset() is None:
            raise rule_error(field, "time has no UTC offset", "bad_time")
        try:
            value = value.astimezone(UTC)
        except OverflowError:
            # Year 1 with a positive offset (or 9999 with a negative one) leaves datetime's range.
            raise rule_error(field, TIME_RANGE_RULE, "bad_time") from None
    if not EARLIEST <= value < LATEST:
        raise rule_error(field, TIME_RANGE_RULE, "bad_time")
    return value


def check_finite(value: float, field: str) -> None:
    """Reject NaN and infinities, which JSON cannot carry and orjson would write as null.

    Examples
    --------
    >>> check_finite(float("nan"), "score")
    Traceback (most recent call last):
    ...
    schemas.fields.RuleError: `score`: must be a finite number
    """
    if not math.isfinite(value):
        raise rule_error(field, "must be a finite number", "out_of_range")


# Explanations are free-form, but they are compared byte for byte between replay and live
# runs, so they must survive a JSON round trip unchanged: no tuples, NaNs or giant integers.
_MAX_DEPTH: Final = 16
_MIN_INT: Final = -(2**63)
_MAX_INT: Final = 2**64 - 1


def json_value(value: Any, field: str) -> Any:
    """Return a copy of ``value`` made only of JSON types, or raise the rule it breaks.

    Tuples become lists (JSON has only arrays); everything else that JSON cannot represent
    exactly is refused, so the value reads back equal to what was written.

    Examples
    --------
    >>> json_value({"peer_group": ("response", "constable"), "hours": 4.0}, "observed")
    {'peer_group': ['response', 'constable'], 'hours': 4.0}
    >>> try:
    ...     json_value({"when": object()}, "observed")
    ... except ValueError as err:
    ...     print(err, "->", err.reason)
    `observed.when`: must be a JSON value (null, bool, number, string, list, object) -> wrong_type
    """
    return _json_copy(value, field, 0)


def _json_copy(value: Any, path: str, depth: int) -> Any:
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        if not _MIN_INT <= value <= _MAX_INT:
            raise rule_error(path, "integer must fit in 64 bits", "out_of_range")
        return value
    if isinstance(value, float):
        check_finite(value, path)
        return value
    if depth >= _MAX_DEPTH:
        raise rule_error(path, f"must not nest deeper than {_MAX_DEPTH} levels", "out_of_range")
    if isinstance(value, list | tuple):
        return [_json_copy(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value)]
    if isinstance(value, dict):
        copy: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise rule_error(path, "object keys must be strings", "wrong_type")
            copy[key] = _json_copy(item, f"{path}.{key}", depth + 1)
        return copy
    raise rule_error(
        path, "must be a JSON value (null, bool, number, string, list, object)", "wrong_type"
    )
