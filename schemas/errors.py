"""The errors raised when a message breaks its schema.

Both name the field by a JSONPath-like ``path`` (``$.event_time``, ``$.zones[1].level``) and
the ``rule`` broken, so a dead-letter record tells the producing team exactly what to fix. A
:class:`DecodeError` also carries a ``reason``: one code of the closed set
:data:`DECODE_REASONS`, chosen where the error is raised. The rule is free text that may quote
the offending value; the reason never depends on that text, so it can label metrics.

Examples
--------
>>> err = DecodeError("$.zone_level", "expected int <= 5", "out_of_range")
>>> str(err), err.path, err.rule, err.reason
('$.zone_level: expected int <= 5', '$.zone_level', 'expected int <= 5', 'out_of_range')
>>> isinstance(err, ValueError)
True
"""

from __future__ import annotations

from typing import Final, Literal, get_args

__all__ = ["DECODE_REASONS", "DecodeError", "DecodeReason", "EncodeError", "SchemaError"]

DecodeReason = Literal[
    "unparseable",
    "unknown_version",
    "missing_field",
    "wrong_type",
    "out_of_range",
    "bad_time",
    "invalid",
]
"""Why input was rejected, as a closed set of codes:

- ``unparseable``: not JSON at all (malformed, not UTF-8, nested too deeply), or a line that
  could not be read as one.
- ``unknown_version``: a ``schema_version`` this reader does not understand.
- ``missing_field``: a required field is absent (also one required by another's value).
- ``wrong_type``: a value of the wrong JSON type (a string for an int, an array for an object).
- ``out_of_range``: a value of the right type that its field does not allow: a number past its
  bounds, a string too long or empty, a value not among the field's choices, a message too
  large.
- ``bad_time``: a time that is not a usable time: no UTC offset, not RFC 3339, outside the
  years 2000 to 2100, or an end before its start.
- ``invalid``: anything else (a duplicate name, a failure no other code explains).
"""

DECODE_REASONS: Final[tuple[DecodeReason, ...]] = get_args(DecodeReason)


class SchemaError(ValueError):
    """A message that does not satisfy its schema, at ``path``, because of ``rule``."""

    path: str
    rule: str

    def __init__(self, path: str, rule: str) -> None:
        super().__init__(f"{path}: {rule}")
        self.path = path
        self.rule = rule

    def __reduce__(self) -> tuple[type[SchemaError], tuple[str, ...]]:
        # The default would rebuild from the joined message and lose path and rule.
        return (type(self), (self.path, self.rule))


class DecodeError(SchemaError):
    """Input bytes that are not a valid message; the only error decoding ever raises."""

    reason: DecodeReason

    def __init__(self, path: str, rule: str, reason: DecodeReason) -> None:
        super().__init__(path, rule)
        self.reason = reason

    def __reduce__(self) -> tuple[type[SchemaError], tuple[str, ...]]:
        return (type(self), (self.path, self.rule, self.reason))


class EncodeError(SchemaError):
    """An object that would encode to a message its own readers would reject."""
