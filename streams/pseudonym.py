"""Optional pseudonymisation of officer ids: keyed HMACs in place of ids, undone only with the key.

With a key configured, the streams layer replaces every officer identifier right after decoding
(events: ``officer_id``, ``actor_id``, ``approver_id``, ``counterpart_id``; the officer
directory: ``officer_id``, ``line_manager_id``), so alerts, table state and internal topics hold
only pseudonyms. The live worker and ``watchfloor replay`` apply the same function, so a replay
still equals the live run under the same key. Watchlist entries name records (``record_ref``, an
opaque record id per DESIGN.md), not officers, and are left alone.

A pseudonym is ``ps-`` and 16 base32 characters of HMAC-SHA256(key, id): deterministic, fixed
in length, readable aloud, and 80 bits, so that 45,000 officers never collide in practice.
`watchfloor reveal` maps pseudonyms back by recomputing them over the officer directory; without
the key nothing maps. The core (detectors/, schemas/) never sees the key.

Examples
--------
>>> names = Pseudonymiser(b"k" * 32)
>>> names.pseudonym("P40211")
'ps-ngvccakt5kgtxveo'
>>> names.pseudonym("P40211") == Pseudonymiser(b"k" * 32).pseudonym("P40211")
True
>>> Pseudonymiser(b"other key, also thirty-two bytes!").pseudonym("P40211") == _
False
>>> names
Pseudonymiser(key fingerprint 000224704f30)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Final, Protocol, TypeVar

from msgspec.structs import replace

from detectors.reference import Reference
from schemas.codec import encode_event
from schemas.events import Event, RosterEvent
from schemas.reference import Officer

# The key is an HMAC key; anything shorter than the hash's output (32 bytes for SHA-256)
# weakens it, and a short one could be guessed by trying every officer id under every key.
MIN_KEY_BYTES: Final = 32
PREFIX: Final = "ps-"
# 10 bytes of the MAC, base32: 16 characters, no padding.
_DIGEST_BYTES: Final = 10
PATTERN: Final = re.compile(r"ps-[a-z2-7]{16}")
_DOMAIN: Final = b"watchfloor officer id\x00"


class PseudonymKeyError(ValueError):
    """The pseudonym key is missing, unreadable or too short; the text says which."""


class Pseudonymiser:
    """Keyed, deterministic pseudonyms of officer ids (see the module docstring)."""

    __slots__ = ("_cache", "_key")

    def __init__(self, key: bytes) -> None:
        if len(key) < MIN_KEY_BYTES:
            raise PseudonymKeyError(
                f"the pseudonym key has {len(key)} bytes; at least {MIN_KEY_BYTES} are needed "
                "(e.g. `head -c 32 /dev/urandom | base64 > key`)"
            )
        self._key = key
        self._cache: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"Pseudonymiser(key fingerprint {self.fingerprint})"

    def __reduce__(self) -> Any:
        raise TypeError("a Pseudonymiser holds a key and is not picklable")

    @property
    def fingerprint(self) -> str:
        """A short identifier of the key that reveals nothing of it (for logs and checkpoints)."""
        return hmac.new(self._key, b"watchfloor key fingerprint", hashlib.sha256).hexdigest()[:12]

    def pseudonym(self, officer_id: str) -> str:
        """The pseudonym of one officer id."""
        found = self._cache.get(officer_id)
        if found is None:
            mac = hmac.new(self._key, _DOMAIN + officer_id.encode(), hashlib.sha256).digest()
            code = base64.b32encode(mac[:_DIGEST_BYTES]).decode("ascii").lower()
            found = self._cache[officer_id] = PREFIX + code
        return found

    def event(self, event: Event) -> Event:
        """The event with every officer identifier replaced.

        >>> from datetime import datetime, timezone
        >>> names = Pseudonymiser(b"k" * 32)
        >>> e = RosterEvent(schema_version=1, event_id="r1", officer_id="P1", source="roster",
        ...     event_time=datetime(2026, 3, 9, tzinfo=timezone.utc), change_type="shift_swapped",
        ...     actor_id="P2", period_start=datetime(2026, 3, 10, tzinfo=timezone.utc),
        ...     period_end=datetime(2026, 3, 10, 8, tzinfo=timezone.utc), counterpart_id="P3")
        >>> p = names.event(e)
        >>> [p.officer_id, p.actor_id, p.counterpart_id] == [
        ...     names.pseudonym(i) for i in ("P1", "P2", "P3")], p.approver_id
        (True, None)
        """
        name = self.pseudonym
        if isinstance(event, RosterEvent):
            return replace(
                event,
                officer_id=name(event.officer_id),
                actor_id=name(event.actor_id),
                approver_id=None if event.approver_id is None else name(event.approver_id),
                counterpart_id=(
                    None if event.counterpart_id is None else name(event.counterpart_id)
                ),
            )
        return replace(event, officer_id=name(event.officer_id))

    def event_and_bytes(self, event: Event) -> tuple[Event, bytes]:
        """The pseudonymised event and its encoding, for passing it on in place of the original."""
        renamed = self.event(event)
        return renamed, encode_event(renamed)

    def officer(self, officer: Officer) -> Officer:
        """A directory entry with its id and its line manager's id replaced."""
        manager = officer.line_manager_id
        return replace(
            officer,
            officer_id=self.pseudonym(officer.officer_id),
            line_manager_id=None if manager is None else self.pseudonym(manager),
        )

    def reference(self, reference: Reference) -> Reference:
        """Reference data with the officer directory pseudonymised (sites and watchlist as is)."""
        return Reference(
            [self.officer(o) for o in reference.officers.values()],
            reference.sites.values(),
            reference.watchlist.values(),
        )

    def reveal_map(self, officer_ids: Iterable[str]) -> dict[str, str]:
        """Pseudonym -> officer id for every id given (the directory's), under this key."""
        return {self.pseudonym(officer_id): officer_id for officer_id in officer_ids}


def load_key(key: Any = None, key_file: Path | None = None) -> Pseudonymiser | None:
    """The pseudonymiser for a key given as text (a `Secret`) or in a file; None for neither.

    A file's bytes are the key, less one trailing newline; text is taken as UTF-8.

    >>> load_key() is None
    True
    >>> load_key(key_file=Path("/nonexistent/key"))
    Traceback (most recent call last):
    ...
    streams.pseudonym.PseudonymKeyError: pseudonym key file /nonexistent/key: No such file or \
directory
    """
    if key is not None and key_file is not None:
        raise PseudonymKeyError("give the pseudonym key or a key file, not both")
    if key_file is not None:
        try:
            material = key_file.read_bytes()
        except OSError as error:
            raise PseudonymKeyError(
                f"pseudonym key file {key_file}: {error.strerror or error}"
            ) from error
        material = material.removesuffix(b"\n").removesuffix(b"\r")
        return Pseudonymiser(material)
    if key is not None:
        text = key.reveal() if hasattr(key, "reveal") else str(key)
        return Pseudonymiser(text.encode("utf-8"))
    return None


# -- replay ---------------------------------------------------------------------------------


class _Engine(Protocol):
    @property
    def counters(self) -> Any: ...

    def feed(self, event: Event) -> Any: ...

    def finish(self) -> Any: ...

    def snapshot(self) -> bytes: ...


E = TypeVar("E", bound=_Engine)


class PseudonymisedEngine:
    """A replay engine whose events are pseudonymised before the core sees them."""

    __slots__ = ("_engine", "_event")

    def __init__(self, engine: _Engine, names: Pseudonymiser) -> None:
        self._engine = engine
        self._event = names.event

    @property
    def counters(self) -> Any:
        return self._engine.counters

    def feed(self, event: Event) -> Any:
        return self._engine.feed(self._event(event))

    def finish(self) -> Any:
        return self._engine.finish()

    def snapshot(self) -> bytes:
        return self._engine.snapshot()


def pseudonymised_factory(
    make: Callable[[bytes | None], E], names: Pseudonymiser
) -> Callable[[bytes | None], PseudonymisedEngine]:
    """Wrap a replay engine factory so that every engine it makes pseudonymises its input."""

    def wrapped(snapshot: bytes | None) -> PseudonymisedEngine:
        return PseudonymisedEngine(make(snapshot), names)

    return wrapped


# -- reveal ---------------------------------------------------------------------------------


def reveal_value(value: Any, mapping: Mapping[str, str], unknown: set[str]) -> Any:
    """`value` (parsed JSON) with every known pseudonym inside its strings replaced.

    Pseudonyms that `mapping` does not know are left as they are and added to `unknown`.

    >>> unknown: set[str] = set()
    >>> reveal_value({"officer_id": "ps-aaaaaaaaaaaaaaaa",
    ...               "alert_id": "a:x:1:ps-aaaaaaaaaaaaaaaa:0",
    ...               "n": 1, "other": ["ps-bbbbbbbbbbbbbbbb"]},
    ...              {"ps-aaaaaaaaaaaaaaaa": "P1"}, unknown)
    {'officer_id': 'P1', 'alert_id': 'a:x:1:P1:0', 'n': 1, 'other': ['ps-bbbbbbbbbbbbbbbb']}
    >>> unknown
    {'ps-bbbbbbbbbbbbbbbb'}
    """
    if isinstance(value, str):

        def swap(match: re.Match[str]) -> str:
            token = match.group(0)
            found = mapping.get(token)
            if found is None:
                unknown.add(token)
                return token
            return found

        return PATTERN.sub(swap, value) if PREFIX in value else value
    if isinstance(value, list):
        return [reveal_value(item, mapping, unknown) for item in value]
    if isinstance(value, dict):
        return {
            reveal_value(k, mapping, unknown): reveal_value(v, mapping, unknown)
            for k, v in value.items()
        }
    return value


def pseudonyms_in(value: Any) -> set[str]:
    """Every pseudonym-shaped token in the strings of parsed JSON `value`.

    >>> sorted(pseudonyms_in({"a": ["x ps-aaaaaaaaaaaaaaaa", {"ps-bbbbbbbbbbbbbbbb": 1}]}))
    ['ps-aaaaaaaaaaaaaaaa', 'ps-bbbbbbbbbbbbbbbb']
    """
    found: set[str] = set()
    reveal_value(value, {}, found)
    return found
