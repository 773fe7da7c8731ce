"""The Kafka topics of the contract: name, key, message schema, producers and consumers.

This table is the one source for the AsyncAPI document; topic names are the defaults of
DESIGN.md, built from a configurable prefix.

Examples
--------
>>> [t.name() for t in TOPICS if t.compacted]
['watchfloor.officers.v1', 'watchfloor.sites.v1', 'watchfloor.watchlist.v1']
>>> topic("alerts.welfare").name(prefix="test-42")
'test-42.alerts.welfare.v1'
"""

from __future__ import annotations

from typing import Final

from msgspec import Struct

__all__ = ["DEFAULT_PREFIX", "TOPICS", "Topic", "topic"]

DEFAULT_PREFIX: Final = "watchfloor"

_WORKER: Final = "watchfloor worker (watchfloor serve)"


class Topic(Struct, frozen=True, kw_only=True):
    """One topic of the contract."""

    entity: str
    """The middle of the name: ``badge``, ``alerts.integrity``..."""
    version: int
    key: str
    """What the message key holds."""
    schema: str
    """File name of the message's JSON Schema under ``jsonschema/v<version>/``."""
    message: str
    """Name of the message in the AsyncAPI document."""
    compacted: bool
    summary: str
    producers: tuple[str, ...]
    consumers: tuple[str, ...]

    def name(self, prefix: str = DEFAULT_PREFIX) -> str:
        """The topic's name under ``prefix``, e.g. ``watchfloor.badge.v1``."""
        return f"{prefix}.{self.entity}.v{self.version}"


_INPUT_KEY: Final = (
    "officer_id of the event. Producers may send unkeyed; the worker re-keys by officer_id."
)

TOPICS: Final[tuple[Topic, ...]] = (
    Topic(
        entity="badge",
        version=1,
        key=_INPUT_KEY,
        schema="badge.json",
        message="BadgeEvent",
        compacted=False,
        summary="Door-badge swipes, granted and denied.",
        producers=("physical access control systems (PACS)", "watchfloor simulate"),
        consumers=(_WORKER,),
    ),
    Topic(
        entity="access",
        version=1,
        key=_INPUT_KEY,
        schema="access.json",
        message="AccessEvent",
        compacted=False,
        summary="System-access audit records: logins and record look-ups.",
        producers=("force systems' audit logs (records, intelligence, custody)",),
        consumers=(_WORKER,),
    ),
    Topic(
        entity="roster",
        version=1,
        key=_INPUT_KEY,
        schema="roster.json",
        message="RosterEvent",
        compacted=False,
        summary="Roster changes: shifts, overtime, leave and sickness.",
        producers=("duty-planning system",),
        consumers=(_WORKER,),
    ),
    Topic(
        entity="officers",
        version=1,
        key="officer_id",
        schema="officer.json",
        message="Officer",
        compacted=True,
        summary="The officer and staff directory; the latest record per officer wins.",
        producers=("HR / workforce directory export",),
        consumers=(_WORKER,),
    ),
    Topic(
        entity="sites",
        version=1,
        key="site_id",
        schema="site.json",
        message="Site",
        compacted=True,
        summary="Sites with coordinates and badged zones; the latest record per site wins.",
        producers=("estates register export",),
        consumers=(_WORKER,),
    ),
    Topic(
        entity="watchlist",
        version=1,
        key="record_ref",
        schema="watchlist.json",
        message="WatchlistEntry",
        compacted=True,
        summary="Sensitive records whose look-up needs a case reference.",
        producers=("professional standards department",),
        consumers=(_WORKER,),
    ),
    Topic(
        entity="alerts.integrity",
        version=1,
        key="officer_id",
        schema="alert.json",
        message="IntegrityAlert",
        compacted=False,
        summary="Integrity alerts (category integrity), for review, never verdicts.",
        producers=(_WORKER,),
        consumers=("professional standards reviewers", "watchfloor tail"),
    ),
    Topic(
        entity="alerts.welfare",
        version=1,
        key="officer_id",
        schema="alert.json",
        message="WelfareAlert",
        compacted=False,
        summary="Welfare alerts (category welfare): fatigue and excessive hours.",
        producers=(_WORKER,),
        consumers=("welfare and occupational health team", "watchfloor tail"),
    ),
    Topic(
        entity="deadletter",
        version=1,
        key="the rejected message's own key, unchanged (absent if it had none)",
        schema="deadletter.json",
        message="DeadLetter",
        compacted=False,
        summary="Rejected input with its original bytes, origin and the precise reason.",
        producers=(_WORKER, "watchfloor replay (to a file instead)"),
        consumers=("operators and producing teams fixing their feeds",),
    ),
)


def topic(entity: str) -> Topic:
    """Return the topic whose entity is ``entity``; raises KeyError for an unknown one."""
    for candidate in TOPICS:
        if candidate.entity == entity:
            return candidate
    raise KeyError(entity)
