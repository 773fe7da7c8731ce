"""Decoding and encoding of every watchfloor message, with field-level errors.

Decoding uses msgspec's typed JSON decoder: it parses and validates in one pass, which
``bench/bench_decode.py`` measured faster than ``orjson.loads`` followed by any validator.
Encoding goes through orjson, which writes UTC times as ``+00:00`` as the contract shows.

Every ``decode_*`` function raises :class:`DecodeError` and nothing else, whatever the input.

Examples
--------
>>> event = decode_event(
...     b'{"schema_version": 1, "type": "badge", "event_id": "pacs-8812734",'
...     b' "event_time": "2026-03-09T07:51:03+01:00", "officer_id": "P40211",'
...     b' "source": "pacs-north", "badge_id": "B-77120", "site_id": "S014",'
...     b' "reader_id": "S014-R02", "zone": "station-main", "zone_level": 1,'
...     b' "direction": "in", "outcome": "granted", "firmware": "4.2"}'
... )
>>> event.type, event.event_time.isoformat()
('badge', '2026-03-09T06:51:03+00:00')
>>> encode_event(event)[:70]
b'{"type":"badge","schema_version":1,"event_id":"pacs-8812734","event_ti'
>>> try:
...     decode_event(b'{"schema_version": 2, "type": "badge"}')
... except DecodeError as err:
...     print(err.path, "->", err.rule)
$.schema_version -> unsupported schema_version 2; this reader understands 1
>>> decode_event(b'[1, 2]')
Traceback (most recent call last):
...
schemas.errors.DecodeError: $: expected a JSON object, got array

Every string of an input message has a maximum length, and an event a maximum size:

>>> decode_event(b'{"schema_version": 1, "type": "badge", "officer_id": "' + b"P" * 129 + b'"}')
Traceback (most recent call last):
...
schemas.errors.DecodeError: $.officer_id: must be at most 128 characters long
>>> decode_event(b" " * (EVENT_MAX_BYTES + 1))
Traceback (most recent call last):
...
schemas.errors.DecodeError: $: message must be at most 65536 bytes long, got 65537
"""

from __future__ import annotations

import re
import sys
import threading
from datetime import datetime
from typing import Any, Final, Generic, TypeAlias, TypeVar

import msgspec
import orjson

from schemas.alerts import Alert
from schemas.deadletter import DeadLetter
from schemas.errors import DecodeError, DecodeReason, EncodeError
from schemas.events import Event
from schemas.fields import RULE_MESSAGE, SCHEMA_VERSION, RuleError
from schemas.reference import Officer, Site, WatchlistEntry

__all__ = [
    "EVENT_MAX_BYTES",
    "UNEXPECTED_FAILURE",
    "DecodeError",
    "EncodeError",
    "Input",
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

T = TypeVar("T")

Input: TypeAlias = bytes | bytearray | memoryview | str
"""What the decoders read: one JSON document, as bytes (Kafka, files) or text."""

UNEXPECTED_FAILURE: Final = "unexpected decoder failure"
"""Prefix of the rule for a failure no other rule explains; tests assert it never happens."""

EVENT_MAX_BYTES: Final = 64 * 1024
"""The largest event accepted, in bytes of JSON (characters, for text); a real one is ~300.

Bounding each field is not enough: unknown fields are skipped unread, and the worker passes
an event's bytes on, re-keyed by officer and with headers added, to a topic with Kafka's
default 1 MB message limit. An input near that limit would come out over it and stall the
worker; one over this limit is dead-lettered instead, which costs a ``len`` per message.
"""

_AT: Final = re.compile(r"(?P<message>.*) - at `(?P<path>\$[^`]*)`", re.DOTALL)
_MISSING: Final = re.compile(r"Object missing required field `(?P<field>[^`]+)`")
_ENUM: Final = re.compile(r"Invalid (?:enum )?value (?P<value>.+)", re.DOTALL)
_INDEX: Final = re.compile(r"\[\d+\]")
_TOO_LONG: Final = re.compile(r"Expected `str` of length <= (?P<limit>\d+)")
_BACKTICKS: Final = str.maketrans("", "", "`")
# Rules end up in dead-letter records and logs: an offending value is quoted, but never whole.
_QUOTE_LIMIT: Final = 60
_RULES: Final[dict[str, tuple[str, DecodeReason]]] = {
    "Expected `datetime` with a timezone component": ("time has no UTC offset", "bad_time"),
    "Invalid RFC3339 encoded datetime": ("not an RFC 3339 date-time", "bad_time"),
    "Expected `str` of length >= 1": ("must not be empty", "out_of_range"),
}
# msgspec's other messages: "Expected `int`, got `str`" names a type mismatch; any other
# "Expected `int` <= 5", "... of length <= 3", "... matching ..." a bound the value breaks.
_WRONG_TYPE: Final = re.compile(r"Expected `[^`]+`, got `[^`]+`")
_BOUND: Final = re.compile(r"Expected `[^`]+` \S")


def _literal_choices(tp: Any) -> dict[str, tuple[Any, ...]]:
    """Map each enumerated field's path (indices as ``[]``) to its allowed values."""
    table: dict[str, tuple[Any, ...]] = {}
    mi = msgspec.inspect

    def walk(info: mi.Type, path: str) -> None:
        if isinstance(info, mi.Metadata):
            walk(info.type, path)
        elif isinstance(info, mi.UnionType):
            for member in info.types:
                walk(member, path)
        elif isinstance(info, mi.LiteralType):
            table[path] = table.get(path, ()) + tuple(info.values)
        elif isinstance(info, mi.StructType):
            if info.tag_field is not None:
                key = f"{path}.{info.tag_field}"
                table[key] = (*table.get(key, ()), info.tag)
            for field in info.fields:
                walk(field.type, f"{path}.{field.encode_name}")
        elif isinstance(info, mi.ListType | mi.VarTupleType):
            walk(info.item_type, f"{path}[]")

    walk(mi.type_info(tp), "$")
    return table


def _clip(text: str) -> str:
    return text if len(text) <= _QUOTE_LIMIT else text[: _QUOTE_LIMIT - 1] + "…"


def _join(path: str, field: str) -> str:
    return f"{path}{field}" if field.startswith("[") else f"{path}.{field}"


def _from_validation(
    exc: msgspec.ValidationError, choices: dict[str, tuple[Any, ...]]
) -> DecodeError:
    message = str(exc)
    path = "$"
    located = _AT.fullmatch(message)
    if located:
        message, path = located["message"], located["path"]
    if ruled := RULE_MESSAGE.fullmatch(message):
        # A model's own rule: msgspec keeps only its text, the RuleError it wraps the reason.
        cause = exc.__cause__
        reason: DecodeReason = cause.reason if isinstance(cause, RuleError) else "invalid"
        return DecodeError(_join(path, ruled["field"]), ruled["rule"], reason)
    if missing := _MISSING.fullmatch(message):
        return DecodeError(
            _join(path, missing["field"]), "required field is missing", "missing_field"
        )
    if enum := _ENUM.fullmatch(message):
        value = _clip(enum["value"])
        if path == "$.schema_version":
            return DecodeError(
                path,
                f"unsupported schema_version {value}; this reader understands {SCHEMA_VERSION}",
                "unknown_version",
            )
        allowed = ", ".join(repr(v) for v in choices.get(_INDEX.sub("[]", path), ()))
        return DecodeError(path, f"{value} is not one of {allowed}", "out_of_range")
    if message in _RULES:
        return DecodeError(path, *_RULES[message])
    if too_long := _TOO_LONG.fullmatch(message):
        return DecodeError(
            path, f"must be at most {too_long['limit']} characters long", "out_of_range"
        )
    reason = (
        "wrong_type"
        if _WRONG_TYPE.match(message)
        else "out_of_range"
        if _BOUND.match(message)
        else "invalid"
    )
    if path == "$" and message.startswith("Expected `object`"):
        message = message.replace("`object`", "a JSON object")
    text = message.translate(_BACKTICKS)
    return DecodeError(path, text[:1].lower() + text[1:], reason)


class _TooLargeError(Exception):
    """Input over a reader's size limit, raised where the decoder's own failures are caught."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(size, limit)
        self.size = size
        self.limit = limit


def _decode_error(exc: Exception, data: object, choices: dict[str, tuple[Any, ...]]) -> DecodeError:
    """Name what is wrong with ``data``, whatever ``exc`` the decoder raised."""
    if isinstance(exc, _TooLargeError):
        unit = "characters" if isinstance(data, str) else "bytes"
        return DecodeError(
            "$", f"message must be at most {exc.limit} {unit} long, got {exc.size}", "out_of_range"
        )
    if isinstance(exc, msgspec.ValidationError):
        return _from_validation(exc, choices)
    if isinstance(exc, msgspec.DecodeError):
        text = str(exc).removeprefix("JSON is malformed: ")
        return DecodeError("$", f"malformed JSON: {text[:1].lower()}{text[1:]}", "unparseable")
    if isinstance(exc, RecursionError):
        return DecodeError("$", "JSON nests too deeply", "unparseable")
    if isinstance(exc, UnicodeError):
        return DecodeError("$", "text is not valid Unicode (lone surrogate)", "unparseable")
    if not isinstance(data, bytes | bytearray | memoryview | str):
        return DecodeError("$", f"expected bytes or str, got {type(data).__name__}", "wrong_type")
    return DecodeError(
        "$", f"{UNEXPECTED_FAILURE}: {type(exc).__name__}: {_clip(str(exc))}", "invalid"
    )


class _Reader(Generic[T]):
    """A reusable typed decoder plus what its error messages need."""

    __slots__ = ("_choices", "_decode", "_max_size")

    def __init__(self, tp: Any, max_size: int = sys.maxsize) -> None:
        self._decode = msgspec.json.Decoder(tp).decode
        self._choices = _literal_choices(tp)
        self._max_size = max_size

    def __call__(self, data: Input) -> T:
        try:
            if len(data) > self._max_size:
                raise _TooLargeError(len(data), self._max_size)
            result: T = self._decode(data)
        except RecursionError:
            return self._on_fresh_stack(data)
        # Deliberately broad: a reader of untrusted input must turn every failure into the one
        # error callers handle (dead-lettering), or one odd message would stop the worker.
        except Exception as exc:
            raise _decode_error(exc, data, self._choices) from exc
        return result

    def _on_fresh_stack(self, data: Input) -> T:
        """Decode ``data`` again on a new thread, whose stack holds only a few frames.

        How deep msgspec may nest depends on how much of the recursion limit the caller's
        stack already uses, so the same deeply nested bytes could be read by replay and
        rejected by the worker, or rejected by each for a different reason. A caller that got
        through without a RecursionError has the result a fresh stack gives, so retrying on
        one only when it happens makes every caller agree, at no cost to the others.
        """
        outcome: list[Any] = []

        def decode() -> None:
            try:
                outcome.append(self._decode(data))
            except Exception as exc:  # carried back to the caller's thread, which names it
                outcome.append(exc)

        thread = threading.Thread(target=decode, name="watchfloor-decode", daemon=True)
        thread.start()
        thread.join()
        if isinstance(outcome[0], Exception):
            raise _decode_error(outcome[0], data, self._choices) from outcome[0]
        result: T = outcome[0]
        return result


_read_event: Final = _Reader[Event](Event, max_size=EVENT_MAX_BYTES)
_read_officer: Final = _Reader[Officer](Officer)
_read_site: Final = _Reader[Site](Site)
_read_watchlist_entry: Final = _Reader[WatchlistEntry](WatchlistEntry)
_read_alert: Final = _Reader[Alert](Alert)
_read_dead_letter: Final = _Reader[DeadLetter](DeadLetter)


def decode_event(data: Input) -> Event:
    """Decode one badge, access or roster event from a JSON object.

    Input longer than :data:`EVENT_MAX_BYTES` is rejected unread.

    Raises
    ------
    DecodeError
        Naming the field path and the rule broken; no other exception escapes.
    """
    return _read_event(data)


def decode_officer(data: Input) -> Officer:
    """Decode one officer-directory entry; raises only :class:`DecodeError`."""
    return _read_officer(data)


def decode_site(data: Input) -> Site:
    """Decode one site with its zones; raises only :class:`DecodeError`."""
    return _read_site(data)


def decode_watchlist_entry(data: Input) -> WatchlistEntry:
    """Decode one watchlist entry; raises only :class:`DecodeError`."""
    return _read_watchlist_entry(data)


def decode_alert(data: Input) -> Alert:
    """Decode one alert; raises only :class:`DecodeError`."""
    return _read_alert(data)


def decode_dead_letter(data: Input) -> DeadLetter:
    """Decode one dead-letter record; raises only :class:`DecodeError`."""
    return _read_dead_letter(data)


def _to_json(obj: msgspec.Struct) -> bytes:
    # Datetimes pass through to orjson, which writes "+00:00" where msgspec would write "Z".
    return orjson.dumps(msgspec.to_builtins(obj, builtin_types=(datetime,)))


def encode_event(event: Event) -> bytes:
    """Encode an event as compact JSON, omitting optional fields that are None.

    The event is not re-validated, so a simulator can still write deliberately odd values.
    """
    return _to_json(event)


def encode_officer(officer: Officer) -> bytes:
    """Encode an officer-directory entry as compact JSON."""
    return _to_json(officer)


def encode_site(site: Site) -> bytes:
    """Encode a site as compact JSON."""
    return _to_json(site)


def encode_watchlist_entry(entry: WatchlistEntry) -> bytes:
    """Encode a watchlist entry as compact JSON."""
    return _to_json(entry)


def encode_dead_letter(letter: DeadLetter) -> bytes:
    """Encode a dead-letter record as compact JSON, the original bytes in base64.

    A record made by :meth:`DeadLetter.for_error` is already bounded; one built by hand with a
    longer original is cut to :data:`schemas.deadletter.ORIGINAL_MAX_BYTES` here, so what is
    published always fits the dead-letter topic.
    """
    return _to_json(letter.bounded())


def encode_alert(alert: Alert) -> bytes:
    """Encode an alert as canonical JSON: the same alert always gives the same bytes.

    Fields come in declaration order and the free-form explanation objects with sorted keys,
    so equal alerts encode identically however their dicts were built. The bytes are decoded
    again before they are returned, because an alert is published to other teams and compared
    byte for byte between replay and live runs: one that its readers would reject is a bug.

    Raises
    ------
    EncodeError
        If the alert breaks its schema (an empty id, a negative risk score...).
    """
    try:
        payload = msgspec.to_builtins(alert, builtin_types=(datetime,))
        payload["explanation"] = orjson.Fragment(
            orjson.dumps(payload["explanation"], option=orjson.OPT_SORT_KEYS)
        )
        data = orjson.dumps(payload)
    except (TypeError, ValueError) as exc:
        raise EncodeError("$", f"not encodable as JSON: {exc}") from exc
    try:
        decode_alert(data)
    except DecodeError as err:
        raise EncodeError(err.path, err.rule) from err
    return data
