"""The three input event types: badge swipes, system-access records and roster changes.

Each is a frozen msgspec struct whose ``type`` is both the JSON tag and a class attribute, so
``Event`` narrows with ``isinstance`` or ``event.type``. Times are aware and in UTC once an
event exists, whether it was decoded or built in Python.

Examples
--------
>>> from datetime import datetime, timedelta, timezone
>>> swipe = BadgeEvent(
...     schema_version=1, event_id="pacs-1", officer_id="P40211", source="pacs-north",
...     event_time=datetime(2026, 3, 9, 7, 51, 3, tzinfo=timezone(timedelta(hours=1))),
...     badge_id="B-77120", site_id="S014", reader_id="S014-R02", zone="station-main",
...     zone_level=1, direction="in", outcome="granted",
... )
>>> swipe.type, swipe.event_time.isoformat()
('badge', '2026-03-09T06:51:03+00:00')
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Final, Literal, TypeAlias

from msgspec import Meta, Struct
from msgspec.structs import force_setattr

from schemas.fields import (
    EARLIEST,
    LATEST,
    UTC,
    Count,
    EventId,
    Hours,
    Id,
    SchemaVersion,
    Text,
    UtcDateTime,
    ZoneLevel,
    check_finite,
    rule_error,
    utc_time,
)

__all__ = [
    "SESSION_ACTIONS",
    "AccessAction",
    "AccessEvent",
    "BadgeEvent",
    "ChangeType",
    "Direction",
    "Event",
    "EventType",
    "Outcome",
    "RosterEvent",
]

EventType = Literal["badge", "access", "roster"]
Direction = Literal["in", "out"]
Outcome = Literal["granted", "denied"]
AccessAction = Literal["login", "logout", "search", "view", "export", "print", "modify"]
ChangeType = Literal[
    "shift_planned",
    "shift_cancelled",
    "shift_swapped",
    "overtime_claimed",
    "overtime_approved",
    "leave_booked",
    "leave_cancelled",
    "sickness_started",
    "sickness_ended",
    "rest_day_worked",
    "duty_changed",
]

# A session event touches no record; every other action is a look-up of one.
SESSION_ACTIONS: Final[frozenset[str]] = frozenset({"login", "logout"})


class _EventFields(Struct, frozen=True, kw_only=True, omit_defaults=True, tag_field="type"):
    """Fields every event carries, in the order they are written."""

    schema_version: SchemaVersion
    event_id: EventId
    event_time: UtcDateTime
    officer_id: Annotated[Id, Meta(description="Pseudonymous staff identifier.")]
    source: Annotated[Text, Meta(description="The producing system.")]


class BadgeEvent(_EventFields, frozen=True, kw_only=True, omit_defaults=True, tag="badge"):
    """A door-badge swipe at a reader of a site's zone."""

    type: ClassVar[Literal["badge"]] = "badge"

    badge_id: Id
    site_id: Id
    reader_id: Id
    zone: Text
    zone_level: ZoneLevel
    direction: Direction
    outcome: Outcome

    def __post_init__(self) -> None:
        # Inlined fast path: decoded times are almost always already UTC and in range, and
        # this runs once per event on the hot path.
        t = self.event_time
        if t.tzinfo is not UTC or not EARLIEST <= t < LATEST:
            force_setattr(self, "event_time", utc_time(t, "event_time"))


class AccessEvent(_EventFields, frozen=True, kw_only=True, omit_defaults=True, tag="access"):
    """A use of a force system, usually a record look-up, from its audit log."""

    type: ClassVar[Literal["access"]] = "access"

    system: Text
    action: AccessAction
    record_type: Text
    record_ref: (
        Annotated[
            Id,
            Meta(description="Opaque record id; required unless the action is login or logout."),
        ]
        | None
    ) = None
    case_ref: Annotated[Id, Meta(description="The investigation a look-up is for.")] | None = None
    workstation_id: Id
    site_id: Id | None = None
    result_count: Count | None = None

    def __post_init__(self) -> None:
        t = self.event_time
        if t.tzinfo is not UTC or not EARLIEST <= t < LATEST:
            force_setattr(self, "event_time", utc_time(t, "event_time"))
        if self.record_ref is None and self.action not in SESSION_ACTIONS:
            raise rule_error(
                "record_ref", f"required when action is {self.action!r}", "missing_field"
            )


class RosterEvent(_EventFields, frozen=True, kw_only=True, omit_defaults=True, tag="roster"):
    """A change to an officer's duties: shifts, overtime, leave, sickness."""

    type: ClassVar[Literal["roster"]] = "roster"

    change_type: ChangeType
    actor_id: Annotated[Id, Meta(description="Who made the change.")]
    period_start: UtcDateTime
    period_end: UtcDateTime
    hours: Hours | None = None
    approver_id: Id | None = None
    counterpart_id: (
        Annotated[Id, Meta(description="Swap partner of a shift_swapped change.")] | None
    ) = None
    reason: Annotated[Text, Meta(description="Reason code.")] | None = None

    def __post_init__(self) -> None:
        for name in ("event_time", "period_start", "period_end"):
            t = getattr(self, name)
            if t.tzinfo is not UTC or not EARLIEST <= t < LATEST:
                force_setattr(self, name, utc_time(t, name))
        if self.period_end < self.period_start:
            raise rule_error("period_end", "must not be before period_start", "bad_time")
        if self.hours is not None:
            # Decoding cannot produce NaN, but Python code can, and orjson would write null.
            check_finite(self.hours, "hours")


Event: TypeAlias = BadgeEvent | AccessEvent | RosterEvent
