"""Per-officer state: plain data, compact in memory and as versioned bytes.

Everything the officer stage remembers about one officer lives here, and nothing else does:
the roster expectation, recent badge positions and zone occupancy, open workstation sessions,
running statistics of daily activity, the open day's counters, fingerprints of recent event ids
(de-duplication), the reorder buffer of events not yet released by the watermark, pending checks,
suppression memory, the integrity risk with its contributions, and the alerts published about
the officer (for each new alert's own normal).

Budget (measured by ``bench/bench_core.py`` at 45,000 officers): at most 2 KB of memory and
512 bytes serialised per officer on average. Hence flat ``array`` storage instead of lists of
tuples, f32 where a count or an average needs no more, and small caps on every list.

The state is owned by the call that receives it: `Core` updates it in place and returns it. To
keep a copy, keep its bytes.

Examples
--------
>>> s = OfficerState("P40211")
>>> OfficerState.from_bytes(s.to_bytes()) == s
True
>>> len(s.to_bytes()) < 64
True
"""

from __future__ import annotations

import math
import struct
from array import array
from collections.abc import Callable
from datetime import UTC, datetime
from sys import intern
from typing import Any, Final, NamedTuple

import orjson
from msgspec.structs import astuple

from detectors.binary import Reader, StateDecodeError, Writer
from schemas.events import AccessEvent, BadgeEvent, Event, RosterEvent

STATE_VERSION = 1

# Layout of `day_counts` (one local day's activity; floats so one array serves all).
D_BADGE = 0  # granted badge events
D_DENIED = 1  # denied badge attempts
D_ACCESS = 2  # system-access events of any action
D_LOOKUPS = 3  # searches and views
D_NOCASE = 4  # searches and views without a case reference
D_EXPORTS = 5  # exports and prints
D_MODIFY = 6  # record modifications
D_MAXZONE = 7  # most sensitive zone level entered
D_LOGINS = 8  # system log-ins
D_FIRST = 9  # first activity, hours after local midnight
D_LAST = 10  # last activity, hours after local midnight
D_SITES = 11  # site changes between consecutive events (a cheap "distinct sites")
D_PRINTS = 12  # prints (also counted with exports)
D_WATCH = 13  # look-ups of watch-listed records
D_SEARCHES = 14  # searches (a search and the views after it share one case reference)
D_SEARCH_NOCASE = 15  # searches without a case reference
D_SENSITIVE = 16  # entries to zones of level 4 and above (property stores, armouries)
D_NEWSYS = 17  # systems used today never seen used by this officer before (set at day close)
N_DAY = 18
DAY_FEATURES = (
    "badge",
    "denied",
    "access",
    "lookups",
    "nocase",
    "exports",
    "modify",
    "max_zone",
    "logins",
    "first_hour",
    "last_hour",
    "site_changes",
    "prints",
    "watchlisted",
    "searches",
    "searches_nocase",
    "sensitive_entries",
    "new_systems",
)

# Layout of `own` (the officer's running normal over active days).
S_N = 0  # active days seen
S_LK_MEAN = 1  # daily weighted look-ups (see Core._weighted): EW mean and variance
S_LK_VAR = 2
S_DR_MEAN = 3  # daily distinct records
S_DR_VAR = 4
S_EV_MEAN = 5  # daily events
S_EV_VAR = 6
S_NC_MEAN = 7  # daily share of look-ups without a case reference
N_OWN = 8

MAX_DAY_IDS = 8  # evidence ids kept per kind and day
FINGERPRINT_BYTES: Final = 6
NOTE: Final = struct.Struct("<iiB")  # a roster note: start, end minute; kind
CLAIM: Final = struct.Struct("<iifB")  # an overtime claim: start, end minute; hours (f32); flags
NO_OWN: Final = bytes(4 * N_OWN)  # a new officer's running normal, shared by all of them
_F32: Final = struct.Struct("<f")

RECORD_BITS = 256  # distinct-records sketch (linear counting), plenty below ~800 records/day


def distinct_estimate(bits: bytearray | None) -> float:
    """Linear-counting estimate of distinct records from the day's bitmap.

    >>> b = bytearray(RECORD_BITS // 8)
    >>> distinct_estimate(b)
    0.0
    >>> b[0] = 0b111; round(distinct_estimate(b), 2)
    3.02
    """
    if bits is None:
        return 0.0
    zeros = RECORD_BITS - int.from_bytes(bits, "little").bit_count()
    if zeros == 0:
        return RECORD_BITS * math.log(RECORD_BITS)
    return RECORD_BITS * math.log(RECORD_BITS / zeros)


Payload = tuple[Any, ...]


class RosterNote(NamedTuple):
    """A roster change kept for its event id (`OfficerState.roster_ids`), unpacked.

    >>> held = RosterNote(600, 840, 6, "rost-2").held()
    >>> held[0], len(held[1]), RosterNote.of(held).kind
    ('rost-2', 9, 6)
    """

    start: int  # minutes since the epoch
    end: int
    kind: int  # detectors.roster's kind codes
    event_id: str

    @classmethod
    def of(cls, held: tuple[str, bytes]) -> RosterNote:
        start, end, kind = NOTE.unpack(held[1])
        return cls(start, end, kind, held[0])

    def held(self) -> tuple[str, bytes]:
        return (self.event_id, NOTE.pack(self.start, self.end, self.kind))


class Claim(NamedTuple):
    """An overtime claim as `OfficerState.claims` holds it, unpacked.

    >>> held = Claim("rost-1", 600, 840, 4.0, 1).held()
    >>> held[0], len(held[1]), Claim.of(held)
    ('rost-1', 13, Claim(event_id='rost-1', start=600, end=840, hours=4.0, flags=1))
    """

    event_id: str
    start: int  # minutes since the epoch
    end: int
    hours: float  # as f32, as stored
    flags: int  # 1: approved

    @classmethod
    def of(cls, held: tuple[str, bytes]) -> Claim:
        return cls(held[0], *CLAIM.unpack(held[1]))

    def held(self) -> tuple[str, bytes]:
        return (self.event_id, CLAIM.pack(self.start, self.end, self.hours, self.flags))


class OfficerState:
    """Everything remembered about one officer (see the module docstring)."""

    __slots__ = (
        "activity",
        "activity_base",
        "alert_history",
        "blocks_cache",
        "buffer",
        "claims",
        "contributions",
        "day",
        "day_counts",
        "day_end",
        "day_ids",
        "day_last",
        "day_records",
        "day_start",
        "day_systems",
        "denied",
        "fingerprints",
        "fp_pos",
        "horizon",
        "last_access",
        "last_badge",
        "occupancy",
        "officer_id",
        "own_bytes",
        "pending",
        "rest_worked",
        "risk",
        "risk_above",
        "risk_time",
        "rolling_bytes",
        "roster",
        "roster_ids",
        "sessions",
        "sick_spells",
        "status_cache",
        "suppress",
        "systems_seen",
        "welfare_day",
    )

    def __init__(self, officer_id: str) -> None:
        self.officer_id = officer_id
        # Everything strictly before `horizon` has been processed (items at it: timers only).
        self.horizon = -math.inf
        # Reorder buffer: (event seconds, event_id, event), sorted, released by the watermark.
        self.buffer: list[tuple[float, str, Event]] = []
        # Fingerprints (48-bit) of the most recent event ids, a ring.
        # (48-bit, little-endian, 6 bytes each: one small bytes object rather than an array)
        self.fingerprints = b""
        self.fp_pos = 0
        # The open local day (day == 0: none open).
        self.day = 0
        self.day_start = 0.0
        self.day_end = 0.0
        self.day_counts: array[float] = array("f", bytes(4 * N_DAY))
        # Distinct records looked up today (None until the first look-up of the day).
        self.day_records: bytearray | None = None
        # Systems used: a 32-bit mask by hash of the system name, today's and ever (a new
        # system shows as a bit of today's not in the other; a collision only hides one).
        self.day_systems = 0
        self.systems_seen = 0
        # Evidence ids kept during the day, by kind ("lookups", "nocase", "notable"): None
        # until one is kept; and the day's last badge or access event id.
        self.day_ids: dict[str, list[str]] | None = None
        self.day_last = ""
        # Running normal of active days (see S_* above), and the searches and searches without
        # a case reference of the previous (up to 6) active days, oldest first.
        # Both packed (f32 and u16 values): they change once per active day and are read
        # when a day closes or an alert is explained, and an array object would cost twice
        # the memory of its values here. `own_figures()` and `rolling_counts()` decode them.
        self.own_bytes = NO_OWN
        self.rolling_bytes = b""
        # Roster expectation: (start_min, end_min, kind) triples, see detectors.roster.
        self.roster: array[int] = array("i")
        # Event ids of the roster changes behind intervals other than plain planned shifts
        # (overtime, rest days worked, changed duties, leave, sickness): (start, end, kind, id).
        # Small collections are tuples, rebuilt on change: an empty tuple is shared, an empty
        # list costs 56 bytes, and most officers have none of these most of the time.
        self.roster_ids: tuple[tuple[str, bytes], ...] = ()  # (event_id, packed: RosterNote)
        # Overtime claims of the last 35 days: (event_id, packed), the packed part being the
        # claim's start and end minute, hours and flags (`CLAIM`, see `Claim`): four number
        # objects and a longer tuple cost twice its bytes.
        self.claims: tuple[tuple[str, bytes], ...] = ()
        # Quarter-hours with any badge or system activity: bit i = slot `activity_base + i`.
        self.activity = 0
        self.activity_base = 0
        # Badge: last granted badge (t, site, zone, event_id); zones entered but not left
        # (site, zone, t, event_id); recent denied attempts (t, event_id).
        self.last_badge: tuple[float, str, str, str] | None = None
        self.occupancy: tuple[tuple[str, str, float, str], ...] = ()
        self.denied: tuple[tuple[float, str], ...] = ()
        # Access: open workstation sessions (ws, site, login t, login t, event_id) and the last
        # access with a known site (t, site, "", event_id).
        self.sessions: tuple[tuple[str, str, float, float, str], ...] = ()
        self.last_access: tuple[float, str, str, str] | None = None
        # Checks waiting for later evidence: (due t, detector, payload), sorted.
        self.pending: tuple[tuple[float, str, Payload], ...] = ()
        # Suppression: (detector, situation, until t).
        self.suppress: tuple[tuple[str, str, float], ...] = ()
        # Integrity risk: score at `risk_time`; contributions (alert_id, points, t).
        self.risk = 0.0
        self.risk_time = 0.0
        self.contributions: tuple[tuple[str, float, float], ...] = ()
        self.risk_above = False
        # Alerts published, as (detector, event t), for each alert's own normal (how often
        # this detector alerted on the officer before); see Core._explained. Empty for most
        # officers: the shared empty tuple, no allocation.
        self.alert_history: tuple[tuple[str, float], ...] = ()
        # Welfare: last local day whose duties were checked; rest days worked (day numbers);
        # sickness spells as (first day, last day) pairs, flat.
        self.welfare_day = 0
        self.rest_worked: tuple[int, ...] = ()
        self.sick_spells: tuple[int, ...] = ()
        # Not serialised: a pure function of the roster, rebuilt on demand (see Core.status).
        self.status_cache: tuple[float, float, int] | None = None
        self.blocks_cache: tuple[int, list[tuple[int, int]]] | None = None

    # ------------------------------------------------------------------ helpers

    def next_due(self) -> float | None:
        """Earliest instant at which the state needs the watermark: buffered event or timer."""
        # Runners ask after nearly every event: plain comparisons, no `math.inf` look-ups.
        buffer, pending = self.buffer, self.pending
        if buffer:
            due = buffer[0][0]
            if self.day and self.day_end < due:
                due = self.day_end
        elif self.day:
            due = self.day_end
        elif pending:
            return pending[0][0]
        else:
            return None
        if pending and pending[0][0] < due:
            due = pending[0][0]
        return due

    def schedule(self, due: float, detector: str, payload: Payload) -> None:
        item = (due, detector, payload)
        if item in self.pending:
            return
        self.pending = tuple(sorted((*self.pending, item), key=_pending_key))

    def mark_active(self, instant: float) -> None:
        slot = int(instant // ACTIVITY_SLOT)
        base = self.activity_base
        if base == 0 or slot < base:
            if base and slot < base:
                return  # older than the window we keep: nothing to remember
            self.activity_base = base = slot
        offset = slot - base
        if offset >= ACTIVITY_SLOTS:
            shift = offset - ACTIVITY_SLOTS + 1
            self.activity >>= shift
            self.activity_base = base = base + shift
            offset = slot - base
        self.activity |= 1 << offset

    def active_between(self, start: float, end: float) -> bool | None:
        """Any activity in the quarter-hours overlapping [start, end)? None if that is older
        than what we keep."""
        base = self.activity_base
        first, last = int(start // ACTIVITY_SLOT), int((end - 1e-6) // ACTIVITY_SLOT)
        if base == 0 or first < base:
            return None
        last = max(last, first)
        width = last - first + 1
        return bool((self.activity >> (first - base)) & ((1 << width) - 1))

    def roster_evidence(self, start: int, end: int, kinds: frozenset[int]) -> list[str]:
        """Ids of the roster changes behind intervals of `kinds` overlapping [start, end)."""
        return [
            n.event_id
            for n in self.roster_notes()
            if n.kind in kinds and n.start < end and n.end > start
        ]

    def roster_notes(self) -> list[RosterNote]:
        """`roster_ids` unpacked, oldest first."""
        return [RosterNote.of(held) for held in self.roster_ids]

    def note_roster(self, start: int, end: int, kind: int, event_id: str) -> None:
        self.roster_ids = (*self.roster_ids[-15:], RosterNote(start, end, kind, event_id).held())

    def keep_id(self, key: str, event_id: str) -> None:
        """Keep `event_id` as evidence of kind `key` for today (at most 8 of a kind)."""
        ids = self.day_ids
        if ids is None:
            self.day_ids = {key: [event_id]}
            return
        kept = ids.get(key)
        if kept is None:
            ids[key] = [event_id]
        elif len(kept) < MAX_DAY_IDS:
            kept.append(event_id)

    def active_throughout(self, start: float, end: float) -> bool:
        """Activity in every quarter-hour from `start` up to (not including) the one of `end`:
        one unbroken stretch of work. False when that is older than what we keep."""
        base = self.activity_base
        first, last = int(start // ACTIVITY_SLOT), int(end // ACTIVITY_SLOT)
        if last <= first:
            return True
        if base == 0 or first < base:
            return False
        width = last - first
        mask = (1 << width) - 1
        return (self.activity >> (first - base)) & mask == mask

    def own_figures(self) -> array[float]:
        """The running normal of active days, indexed by the `S_*` constants (a copy: store
        a changed one with `store_own`)."""
        figures: array[float] = array("f")
        figures.frombytes(self.own_bytes)
        return figures

    def store_own(self, figures: array[float]) -> None:
        packed = figures.tobytes()
        self.own_bytes = NO_OWN if packed == NO_OWN else packed

    def own_days(self) -> int:
        """Active days the running normal has learnt from (`own_figures()[S_N]`)."""
        return int(_F32.unpack_from(self.own_bytes, 4 * S_N)[0])

    def rolling_counts(self) -> array[int]:
        """Searches and searches without a case reference of the previous (up to 6) active
        days, oldest first, interleaved (a copy)."""
        counts: array[int] = array("H")
        counts.frombytes(self.rolling_bytes)
        return counts

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, OfficerState):
            return NotImplemented
        return self.to_bytes() == other.to_bytes()

    __hash__ = None  # type: ignore[assignment]  # mutable: never a dict key

    def __repr__(self) -> str:
        return f"OfficerState({self.officer_id!r}, horizon={self.horizon}, day={self.day})"

    # ------------------------------------------------------------------ bytes

    def to_bytes(self) -> bytes:
        """Compact versioned bytes; `from_bytes(to_bytes())` restores an equal state."""
        w = Writer()
        w.u8(STATE_VERSION)
        w.text(self.officer_id)
        w.f64(self.horizon)
        flags = (
            (1 if self.buffer else 0)
            | (2 if self.day or self.day_last else 0)
            | (4 if self.roster or self.roster_ids else 0)
            | (8 if self.activity_base else 0)
            | (16 if self.last_badge or self.occupancy or self.denied else 0)
            | (32 if self.sessions or self.last_access else 0)
            | (64 if self.pending or self.suppress or self.claims else 0)
            | (128 if self.risk or self.contributions or self.risk_above else 0)
            | (256 if self.welfare_day or self.rest_worked or self.sick_spells else 0)
            | (512 if self.own_days() or self.rolling_bytes or self.systems_seen else 0)
            # A later addition: bytes written before it lack the bit and decode as no history.
            | (1024 if self.alert_history else 0)
        )
        w.u16(flags)
        # Fingerprints: 6 bytes each is plenty for a handful of ids (collision ~ 1e-13).
        w.u8(len(self.fingerprints) // FINGERPRINT_BYTES)
        w.u8(self.fp_pos)
        w.raw(self.fingerprints)
        if flags & 1:
            w.u16(len(self.buffer))
            for _, _, event in self.buffer:
                w.blob(_encode_buffered(event))
        if flags & 2:
            w.i32(self.day)
            w.f64(self.day_start)
            w.f64(self.day_end)
            _counts(w, self.day_counts)
            w.blob(bytes(self.day_records) if self.day_records else b"")
            w.u32(self.day_systems)
            w.text(self.day_last)
            day_ids = self.day_ids or {}
            w.u8(len(day_ids))
            for key, ids in sorted(day_ids.items()):
                w.text(key)
                w.u8(len(ids))
                for ident in ids:
                    w.text(ident)
        if flags & 4:
            _roster(w, self.roster)
            w.u8(len(self.roster_ids))
            for ident, packed in self.roster_ids:
                w.raw(packed)
                w.text(ident)
        if flags & 8:
            w.i32(self.activity_base)
            w.blob(self.activity.to_bytes((self.activity.bit_length() + 7) // 8, "little"))
        if flags & 16:
            _optional_position(w, self.last_badge)
            w.u8(len(self.occupancy))
            for site, zone, t, ident in self.occupancy:
                w.text(site)
                w.text(zone)
                w.f64(t)
                w.text(ident)
            w.u8(len(self.denied))
            for t, ident in self.denied:
                w.f64(t)
                w.text(ident)
        if flags & 32:
            _optional_position(w, self.last_access)
            w.u8(len(self.sessions))
            for ws, site, t0, t1, ident in self.sessions:
                w.text(ws)
                w.text(site)
                w.f64(t0)
                w.f64(t1)
                w.text(ident)
        if flags & 64:
            w.u8(len(self.pending))
            for due, name, payload in self.pending:
                w.f64(due)
                w.text(name)
                w.blob(orjson.dumps(payload))
            w.u8(len(self.suppress))
            for name, situation, until in self.suppress:
                w.text(name)
                w.text(situation)
                w.f64(until)
            w.u8(len(self.claims))
            for ident, packed in self.claims:
                w.text(ident)
                w.raw(packed)
        if flags & 128:
            w.f64(self.risk)
            w.f64(self.risk_time)
            w.u8(1 if self.risk_above else 0)
            w.u8(len(self.contributions))
            for ident, points, t in self.contributions:
                w.text(ident)
                w.f64(points)
                w.f64(t)
        if flags & 256:
            w.i32(self.welfare_day)
            w.numbers(array("i", self.rest_worked))
            w.numbers(array("i", self.sick_spells))
        if flags & 512:
            w.packed(self.own_bytes, 4)
            w.packed(self.rolling_bytes, 2)
            w.u32(self.systems_seen)
        if flags & 1024:
            w.u16(len(self.alert_history))
            for name, t in self.alert_history:
                w.text(name)
                w.f64(t)
        return w.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> OfficerState:
        """Restore a state; raises `StateDecodeError` on bytes it cannot read."""
        r = Reader(data)
        version = r.u8()
        if version != STATE_VERSION:
            raise StateDecodeError(f"unknown state version {version}")
        s = cls(r.text())
        # One string object per event id, as in a state the core built: the same id is often
        # held twice (a claim and its roster entry; the day's last event and the last badge).
        ids: dict[str, str] = {}

        def ident() -> str:
            text = r.text()
            return ids.setdefault(text, text)

        s.horizon = r.f64()
        flags = r.u16()
        count = r.u8()
        s.fp_pos = r.u8()
        s.fingerprints = r.raw(count * FINGERPRINT_BYTES)
        if flags & 1:
            for _ in range(r.u16()):
                event = _decode_buffered(r.blob(), s.officer_id)
                s.buffer.append((event.event_time.timestamp(), event.event_id, event))
        if flags & 2:
            s.day = r.i32()
            s.day_start = r.f64()
            s.day_end = r.f64()
            s.day_counts = _read_counts(r)
            records = r.blob()
            if records:
                s.day_records = bytearray(records)
            s.day_systems = r.u32()
            s.day_last = ident()
            count = r.u8()
            if count:
                s.day_ids = {}
                for _ in range(count):
                    key = r.text()
                    s.day_ids[key] = [ident() for _ in range(r.u8())]
        if flags & 4:
            s.roster = _read_roster(r)
            s.roster_ids = tuple(_read_note(r, ident) for _ in range(r.u8()))
        if flags & 8:
            s.activity_base = r.i32()
            s.activity = int.from_bytes(r.blob(), "little")
        if flags & 16:
            s.last_badge = _read_optional_position(r, ident)
            s.occupancy = tuple(
                (intern(r.text()), intern(r.text()), r.f64(), ident()) for _ in range(r.u8())
            )
            s.denied = tuple((r.f64(), ident()) for _ in range(r.u8()))
        if flags & 32:
            s.last_access = _read_optional_position(r, ident)
            s.sessions = tuple(
                (r.text(), intern(r.text()), r.f64(), r.f64(), ident()) for _ in range(r.u8())
            )
        if flags & 64:
            s.pending = tuple(
                (r.f64(), intern(r.text()), _tuple(orjson.loads(r.blob()))) for _ in range(r.u8())
            )
            s.suppress = tuple((intern(r.text()), ident(), r.f64()) for _ in range(r.u8()))
            s.claims = tuple((ident(), r.raw(CLAIM.size)) for _ in range(r.u8()))
        if flags & 128:
            s.risk = r.f64()
            s.risk_time = r.f64()
            s.risk_above = r.u8() == 1
            s.contributions = tuple((ident(), r.f64(), r.f64()) for _ in range(r.u8()))
        if flags & 256:
            s.welfare_day = r.i32()
            s.rest_worked = tuple(r.ints("i"))
            s.sick_spells = tuple(r.ints("i"))
        if flags & 512:
            own = r.packed(4)
            s.own_bytes = NO_OWN if own == NO_OWN else own
            s.rolling_bytes = r.packed(2)
            s.systems_seen = r.u32()
        if flags & 1024:
            # Detector names are shared by every officer: one string object each.
            s.alert_history = tuple((intern(r.text()), r.f64()) for _ in range(r.u16()))
        r.done()
        return s


# Six days of presence by quarter-hour: fine enough to tell the badge-out after a shift from
# presence during the overtime straight after it, long enough for claims entered days late.
ACTIVITY_SLOT = 900.0
ACTIVITY_SLOTS = 6 * 96


_EVENT_TYPES: dict[str, type[BadgeEvent] | type[AccessEvent] | type[RosterEvent]] = {
    "badge": BadgeEvent,
    "access": AccessEvent,
    "roster": RosterEvent,
}
_TIME_FIELDS = frozenset({"event_time", "period_start", "period_end"})


def _encode_buffered(event: Event) -> bytes:
    """An event waiting in the reorder buffer, compactly: its type, then its field values in
    declaration order (no names; the officer id is the state's; times as epoch seconds)."""
    # The service encodes every buffered event of a changed state at every commit: the field
    # values come out in one call, and where the officer id and the times sit is worked out
    # once per event type.
    officer, times = _LAYOUTS.get(type(event)) or _layout(type(event))
    values: list[Any] = list(astuple(event))
    for i in times:
        values[i] = values[i].timestamp()
    values[officer] = event.type  # the officer id's place, moved to the front below
    if officer:
        values.insert(0, values.pop(officer))
    return orjson.dumps(values)


_LAYOUTS: dict[type, tuple[int, tuple[int, ...]]] = {}


def _layout(cls: type) -> tuple[int, tuple[int, ...]]:
    names: tuple[str, ...] = cls.__struct_fields__  # type: ignore[attr-defined]
    layout = (
        names.index("officer_id"),
        tuple(i for i, name in enumerate(names) if name in _TIME_FIELDS),
    )
    _LAYOUTS[cls] = layout
    return layout


def _decode_buffered(data: bytes, officer_id: str) -> Event:
    try:
        values = orjson.loads(data)
        cls = _EVENT_TYPES[values[0]]
        fields: dict[str, Any] = {"officer_id": officer_id}
        names = [n for n in cls.__struct_fields__ if n != "officer_id"]
        if len(names) != len(values) - 1:
            raise ValueError("wrong number of fields")
        for name, value in zip(names, values[1:], strict=True):
            fields[name] = datetime.fromtimestamp(value, UTC) if name in _TIME_FIELDS else value
        return cls(**fields)
    except (orjson.JSONDecodeError, KeyError, IndexError, TypeError, ValueError) as error:
        raise StateDecodeError(f"buffered event: {error}") from error


def _pending_key(item: tuple[float, str, Payload]) -> tuple[float, str, str]:
    return (item[0], item[1], repr(item[2]))


def _frozen(value: Any) -> Any:
    return tuple(_frozen(v) for v in value) if isinstance(value, list) else value


def _tuple(value: Any) -> Payload:
    if not isinstance(value, list):
        raise StateDecodeError("pending payload is not a list")
    return tuple(_frozen(v) for v in value)


def _counts(w: Writer, counts: array[float]) -> None:
    # Most day counters are zero: write a presence mask, then only the non-zero values.
    mask = 0
    for i, value in enumerate(counts):
        if value:
            mask |= 1 << i
    w.u32(mask)
    for value in counts:
        if value:
            w.f32(value)


def _read_counts(r: Reader) -> array[float]:
    mask = r.u32()
    counts: array[float] = array("f", bytes(4 * N_DAY))
    for i in range(N_DAY):
        if mask & (1 << i):
            counts[i] = r.f32()
    return counts


def _roster(w: Writer, roster: array[int]) -> None:
    # Compact form: a base minute, then u16 start offsets and u16 durations when all fit
    # (a roster spans weeks, 65,535 minutes is 45 days); else the wide i32 form.
    n = len(roster) // 3
    base = min(roster[0::3]) if n else 0
    compact = all(
        roster[i] - base < 65536 and 0 <= roster[i + 1] - roster[i] < 65536
        for i in range(0, len(roster), 3)
    )
    w.u8(1 if compact else 0)
    w.u16(n)
    if compact:
        w.i32(base)
        for i in range(0, len(roster), 3):
            w.u16(roster[i] - base)
            w.u16(roster[i + 1] - roster[i])
            w.u8(roster[i + 2])
    else:
        for value in roster:
            w.i32(value)


def _read_roster(r: Reader) -> array[int]:
    compact = r.u8() == 1
    n = r.u16()
    roster: array[int] = array("i")
    if compact:
        base = r.i32()
        for _ in range(n):
            start = base + r.u16()
            roster.extend((start, start + r.u16(), r.u8()))
    else:
        for _ in range(n * 3):
            roster.append(r.i32())
    return roster


def _optional_position(w: Writer, position: tuple[float, str, str, str] | None) -> None:
    if position is None:
        w.u8(0)
        return
    w.u8(1)
    w.f64(position[0])
    w.text(position[1])
    w.text(position[2])
    w.text(position[3])


def _read_note(r: Reader, ident: Callable[[], str]) -> tuple[str, bytes]:
    packed = r.raw(NOTE.size)
    return (ident(), packed)


def _read_optional_position(
    r: Reader, ident: Callable[[], str]
) -> tuple[float, str, str, str] | None:
    if r.u8() == 0:
        return None
    # Site and zone names are shared by thousands of officers: one string object each.
    return (r.f64(), intern(r.text()), intern(r.text()), ident())
