"""The errors raised when a message breaks its schema.

Both name the field by a JSONPath-like ``path`` (``$.event_time``, ``$.zones[1].level``) and
the ``rule`` broken, so a dead-letter record tells the producing team exactly what to fix.

Examples
--------
>>> err = DecodeError("$.zone_level", "expected int <= 5")
>>> str(err), err.path, err.rule
('$.zone_level: expected int <= 5', '$.zone_level', 'expected int <= 5')
>>> isinstance(err, ValueError)
True
"""

from __future__ import annotations

__all__ = ["DecodeError", "EncodeError", "SchemaError"]


class SchemaError(ValueError):
    """A message that does not satisfy its schema, at ``path``, because of ``rule``."""

    path: str
    rule: str

    def __init__(self, path: str, rule: str) -> None:
        super().__init__(f"{path}: {rule}")
        self.path = path
        self.rule = rule

    def __reduce__(self) -> tuple[type[SchemaError], tuple[str, str]]:
        # The default would rebuild from the joined message and lose path and rule.
        return (type(self), (self.path, self.rule))


class DecodeError(SchemaError):
    """Input bytes that are not a valid message; the only error decoding ever raises."""


class EncodeError(SchemaError):
    """An object that would encode to a message its own readers would reject."""
