"""JSON Schema (draft 2020-12) documents generated from the runtime models.

Generating them from the models keeps the published files and the reader in lockstep; a test
regenerates them and compares with the files in ``jsonschema/v1/``. A few reader rules compare
two values or need arithmetic, which JSON Schema cannot express; they are stated in each
schema's description (see :data:`READER_ONLY_RULES`).

Known differences between a schema and the reader:

- JSON Schema counts ``1.0`` as an integer; the reader wants integers written as integers.
- Within a day of the ends of the accepted years, the offset can move the UTC year across
  the limit that the schema's pattern checks on the written year.
- The reader also takes a space instead of ``T`` and offsets without a colon (``+0100``),
  which RFC 3339 does not allow, and it skips unknown fields unread, bad UTF-8 and all.

The first two are stated in the descriptions; the last only makes the reader more lenient.

Examples
--------
>>> docs = json_schemas()
>>> sorted(docs)[:3]
['access.json', 'alert.json', 'badge.json']
>>> docs["badge.json"]["$id"]
'https://watchfloor.example/schemas/v1/badge.json'
>>> docs["event.json"]["oneOf"][0]
{'$ref': 'badge.json'}
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, Final

import msgspec

from schemas.alerts import Alert
from schemas.codec import EVENT_MAX_BYTES
from schemas.deadletter import DeadLetter
from schemas.events import SESSION_ACTIONS, AccessEvent, BadgeEvent, RosterEvent
from schemas.reference import Officer, Site, WatchlistEntry

__all__ = ["BASE_URI", "DIALECT", "MODELS", "READER_ONLY_RULES", "json_schemas"]

DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"
# example.* is reserved for documentation (RFC 2606): the $ids name the schemas, nothing is
# served there.
BASE_URI: Final = "https://watchfloor.example/schemas/v1/"

MODELS: Final[dict[str, type[msgspec.Struct]]] = {
    "badge.json": BadgeEvent,
    "access.json": AccessEvent,
    "roster.json": RosterEvent,
    "officer.json": Officer,
    "site.json": Site,
    "watchlist.json": WatchlistEntry,
    "alert.json": Alert,
    "deadletter.json": DeadLetter,
}

_TIME_NOTE: Final = (
    "Times are read as UTC and must fall within the years 2000 to 2100 in UTC; the pattern "
    "checks the written year."
)
_EVENT_SIZE_RULE: Final = f"The whole message is at most {EVENT_MAX_BYTES} bytes of JSON."
READER_ONLY_RULES: Final[dict[str, tuple[str, ...]]] = {
    "badge.json": (_EVENT_SIZE_RULE,),
    "access.json": (_EVENT_SIZE_RULE,),
    "roster.json": ("period_end must not be before period_start.", _EVENT_SIZE_RULE),
    "site.json": ("Zone names must be unique within a site.",),
    "alert.json": (
        "window.end must not be before window.start.",
        "A welfare alert must not be among its own risk contributions.",
        "Explanation values nest at most 16 levels and integers fit in 64 bits.",
    ),
    "deadletter.json": (
        "original_length is the decoded length of original, or more when truncated is true.",
    ),
}
"""Rules the reader enforces that JSON Schema cannot express, stated in the descriptions."""
_INTEGER_NOTE: Final = "Integers are written without a fraction or exponent (1, not 1.0)."


def json_schemas() -> dict[str, dict[str, Any]]:
    """Build every published schema document, keyed by file name."""
    names = list(MODELS)
    roots, components = msgspec.json.schema_components(
        list(MODELS.values()), ref_template="#/$defs/{name}"
    )
    docs: dict[str, dict[str, Any]] = {}
    for name, root in zip(names, roots, strict=True):
        title = root["$ref"].removeprefix("#/$defs/")
        body = copy.deepcopy(components[title])
        defs = {d: copy.deepcopy(components[d]) for d in _referenced(body, components)}
        for schema in (body, *defs.values()):
            _lift_nullable_descriptions(schema)
        notes = READER_ONLY_RULES.get(name, ())
        everything = (body, *defs.values())
        if any(_has(schema, _is_time) for schema in everything):
            notes = (*notes, _TIME_NOTE)
        if any(_has(schema, _is_integer) for schema in everything):
            notes = (*notes, _INTEGER_NOTE)
        if notes:
            body["description"] = " ".join((body.get("description", ""), "Also:", *notes))
        doc: dict[str, Any] = {"$schema": DIALECT, "$id": BASE_URI + name, **body}
        if defs:
            doc["$defs"] = defs
        docs[name] = doc
    _require_record_ref(docs["access.json"])
    _require_digest_when_truncated(docs["deadletter.json"])
    docs["event.json"] = {
        "$schema": DIALECT,
        "$id": BASE_URI + "event.json",
        "title": "Event",
        "description": "Any input event; the type field says which.",
        "oneOf": [{"$ref": "badge.json"}, {"$ref": "access.json"}, {"$ref": "roster.json"}],
    }
    return dict(sorted(docs.items()))


def _walk(node: Any) -> list[dict[str, Any]]:
    """Every object in a JSON tree, depth first."""
    found: list[dict[str, Any]] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            found.append(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _referenced(body: dict[str, Any], components: dict[str, Any]) -> list[str]:
    """Names of the components ``body`` refers to, directly or not, in a stable order."""
    seen: list[str] = []
    pending = [body]
    while pending:
        for node in _walk(pending.pop()):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                name = ref.removeprefix("#/$defs/")
                if name not in seen:
                    seen.append(name)
                    pending.append(components[name])
    return sorted(seen)


def _has(schema: dict[str, Any], test: Callable[[dict[str, Any]], bool]) -> bool:
    return any(test(node) for node in _walk(schema))


def _is_time(node: dict[str, Any]) -> bool:
    return node.get("format") == "date-time"


def _is_integer(node: dict[str, Any]) -> bool:
    enum = node.get("enum", ())
    return node.get("type") == "integer" or any(type(v) is int for v in enum)


def _lift_nullable_descriptions(schema: dict[str, Any]) -> None:
    """Move an optional field's description from its non-null branch up to the field."""
    properties = schema.get("properties", {})
    for key, prop in properties.items():
        branches = prop.get("anyOf", [])
        if {"type": "null"} not in branches:
            continue
        for branch in branches:
            if "description" in branch:
                properties[key] = {"description": branch.pop("description"), **prop}


def _require_record_ref(access: dict[str, Any]) -> None:
    """A look-up (any action but a session one) must name the record it read."""
    access["if"] = {
        "required": ["action"],
        "properties": {"action": {"not": {"enum": sorted(SESSION_ACTIONS)}}},
    }
    access["then"] = {
        "required": ["record_ref"],
        "properties": {"record_ref": {"type": "string"}},
    }


def _require_digest_when_truncated(letter: dict[str, Any]) -> None:
    """A dead letter that keeps only part of its input says how long the whole was, and its
    digest."""
    letter["if"] = {"required": ["truncated"], "properties": {"truncated": {"const": True}}}
    letter["then"] = {
        "required": ["original_length", "original_sha256"],
        "properties": {
            "original_length": {"type": "integer"},
            "original_sha256": {"type": "string"},
        },
    }
