"""watchfloor message contracts: events, reference data, alerts and dead letters.

Models are frozen msgspec structs; :mod:`schemas.codec` decodes them from JSON with
field-level errors and encodes them back. The published JSON Schema files under
``schemas/jsonschema/v1/`` and the AsyncAPI document ``schemas/asyncapi.yaml`` are generated
from these models by ``python -m schemas.publish``.

This package imports only the standard library, msgspec and orjson.

Examples
--------
>>> import schemas
>>> schemas.decode_officer(
...     b'{"officer_id": "P40211", "unit_id": "U7", "role": "response", "rank": "constable",'
...     b' "home_site_id": "S014", "line_manager_id": null, "active": true}'
... ).rank
'constable'
"""

from schemas.alerts import (
    Alert,
    AlertCategory,
    AlertWindow,
    Explanation,
    Risk,
    RiskContribution,
    Severity,
)
from schemas.codec import (
    decode_alert,
    decode_dead_letter,
    decode_event,
    decode_officer,
    decode_site,
    decode_watchlist_entry,
    encode_alert,
    encode_dead_letter,
    encode_event,
    encode_officer,
    encode_site,
    encode_watchlist_entry,
)
from schemas.deadletter import DeadLetter, FileOrigin, KafkaOrigin, Origin
from schemas.errors import DecodeError, EncodeError, SchemaError
from schemas.events import (
    AccessAction,
    AccessEvent,
    BadgeEvent,
    ChangeType,
    Direction,
    Event,
    EventType,
    Outcome,
    RosterEvent,
)
from schemas.fields import SCHEMA_VERSION
from schemas.reference import Officer, Site, WatchlistCategory, WatchlistEntry, ZoneSpec

__all__ = [
    "SCHEMA_VERSION",
    "AccessAction",
    "AccessEvent",
    "Alert",
    "AlertCategory",
    "AlertWindow",
    "BadgeEvent",
    "ChangeType",
    "DeadLetter",
    "DecodeError",
    "Direction",
    "EncodeError",
    "Event",
    "EventType",
    "Explanation",
    "FileOrigin",
    "KafkaOrigin",
    "Officer",
    "Origin",
    "Outcome",
    "Risk",
    "RiskContribution",
    "RosterEvent",
    "SchemaError",
    "Severity",
    "Site",
    "WatchlistCategory",
    "WatchlistEntry",
    "ZoneSpec",
    "decode_alert",
    "decode_dead_letter",
    "decode_event",
    "decode_officer",
    "decode_site",
    "decode_watchlist_entry",
    "encode_alert",
    "encode_dead_letter",
    "encode_event",
    "encode_officer",
    "encode_site",
    "encode_watchlist_entry",
]
