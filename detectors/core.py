"""The officer stage: one officer's events in, that officer's alerts out.

`Core(config, reference)` holds no per-officer data; every call takes the officer's
`OfficerState` (or None for a new officer) and returns an `Outcome` with the updated state.

Ordering contract
-----------------
- `process(state, event, horizon)` offers an event. Events wait in the state's reorder buffer
  and are applied in ``(event_time, event_id)`` order once the *horizon* has passed them. The
  caller computes ``horizon = watermark - allowed_lateness`` (see `Core.horizon`), where the
  watermark promises that every on-time event before it has been offered.
- An event older than what the state has already processed is *late*: it is still applied,
  immediately, and flagged (`Outcome.late`); it no longer counts towards its day's vector.
- Timers (checks waiting for later evidence, the close of the local day) fire in the same
  order as events; at one instant: checks, then the day close, then events.
- `advance(state, horizon)` processes everything due without a new event; the runner calls it
  when ``horizon >= state.next_due()``.
- Day barrier: a closed day's `DayVector`s go to the `PeerGroupStage`, whose findings for that
  day come back through `deliver(state, findings)`. The officer stage must not process any event
  of the next day before the previous day's findings have been delivered; `Core.horizon`
  applies that cap when given the end of the last day the peer stage has completed; before the
  peer stage has completed any day, pass the start of the first local day seen (so nothing of
  the second day runs ahead of the first day's peer findings).
- A duplicate `event_id` (among the last `core.dedup_memory` of that officer) is ignored.

Examples
--------
>>> from datetime import datetime, UTC
>>> from detectors.config import load_config
>>> from detectors.reference import Reference
>>> from schemas.events import AccessEvent
>>> core = Core(load_config(), Reference())
>>> ev = AccessEvent(schema_version=1, event_id="e1", officer_id="P1", source="audit",
...     event_time=datetime(2026, 3, 9, 8, 30, tzinfo=UTC), system="pnc", action="search",
...     record_type="person", record_ref="r:1", workstation_id="WS-1")
>>> out = core.process(None, ev)
>>> out.alerts, out.late, out.duplicate, len(out.state.buffer)
([], 0, False, 1)
>>> core.process(out.state, ev).duplicate
True
>>> out = core.advance(out.state, ev.event_time.timestamp() + 1)
>>> out.released, out.state.day_counts[3]
(1, 1.0)
"""

from __future__ import annotations

import math
from array import array
from bisect import insort
from collections.abc import Callable, Iterable
from dataclasses import replace
from sys import intern
from typing import Any
from zlib import adler32, crc32

from detectors import roster as rost
from detectors.base import Env, OfficerRule
from detectors.clock import DAY, HOUR
from detectors.config import Category, DetectorConfig, DetectorSettings
from detectors.messages import DayVector, Finding, alert_id, build_alert, tidy
from detectors.reference import Reference
from detectors.registry import REGISTRY
from detectors.risk import RiskThresholdCrossedRule
from detectors.state import (
    ACTIVITY_SLOT,
    ACTIVITY_SLOTS,
    D_ACCESS,
    D_BADGE,
    D_DENIED,
    D_EXPORTS,
    D_FIRST,
    D_LAST,
    D_LOGINS,
    D_LOOKUPS,
    D_MAXZONE,
    D_MODIFY,
    D_NEWSYS,
    D_NOCASE,
    D_PRINTS,
    D_SEARCH_NOCASE,
    D_SEARCHES,
    D_SENSITIVE,
    D_SITES,
    D_WATCH,
    DAY_FEATURES,
    FINGERPRINT_BYTES,
    N_DAY,
    RECORD_BITS,
    S_DR_MEAN,
    S_DR_VAR,
    S_EV_MEAN,
    S_EV_VAR,
    S_LK_MEAN,
    S_LK_VAR,
    S_N,
    S_NC_MEAN,
    Claim,
    OfficerState,
    distinct_estimate,
)
from schemas.alerts import Alert, Risk
from schemas.events import AccessEvent, BadgeEvent, Event, RosterEvent

EMPTY_RISK = Risk(score=0.0, contributions=())
LOOKUP_ACTIONS = frozenset({"search", "view"})
EXPORT_ACTIONS = frozenset({"export", "print"})
# A badge-in older than this no longer places the officer in a zone: shifts are at most ~13 h
# (the excessive-hours rule), so anything older is a forgotten exit, not an occupancy.
OCCUPANCY_EXPIRY = 16 * HOUR
# A workstation session with no activity for this long is treated as abandoned (screens lock
# after minutes; 12 h covers any shift with a long break).
SESSION_EXPIRY = 12 * HOUR
MAX_DENIED = 12
MAX_EVIDENCE_IDS = 8
# Alerts of one detector remembered per officer for the own normal (`alerts_last_<N>d`), so
# the count reads "16 or more" at most: enough to tell a habit from a one-off, and bounded
# for the officer a rule keeps firing on (welfare rules have no suppression window).
HISTORY_PER_DETECTOR = 16
# A finding reaches the officer stage within days of its event time (the day barrier, the
# welfare delay, checks waiting for late roster entries): an alert this much older than the
# history window can no longer be counted by any, and is forgotten when a day closes.
HISTORY_MARGIN = 30 * DAY
# Days of roster history kept: a week for the 7-day hours check plus the welfare delay.
ROSTER_HISTORY_DAYS = 10
CLAIM_HISTORY_DAYS = 35  # overtime over 28 days, plus slack for late claims
REST_WORKED_HISTORY_DAYS = 91
REST_WORKED_EVIDENCE_DAYS = 35
SICKNESS_HISTORY_DAYS = 364  # Bradford factor: 52 weeks
# Zones of this level and above hold property, weapons or evidence (levels run 0..5).
SENSITIVE_LEVEL = 4
# A system counts as new to an officer only once we have seen this many of their active days.
NEW_SYSTEM_AFTER_DAYS = 2
# Days a welfare check may catch up on after a gap (as far back as the roster is kept).
SETTLE_CATCH_UP_DAYS = ROSTER_HISTORY_DAYS - 2


class Outcome:
    """The result of one call: the updated state, alerts, vectors for the peer stage, counters.

    - ``state``: the officer's state, updated in place;
    - ``alerts``: final alerts; ``vectors``: closed days for the peer-group stage;
    - ``released``: buffered events applied; ``late``: events applied late; ``duplicate``: the
      offered event was a duplicate; ``suppressed``: findings suppressed;
    - ``time``: the offered event's time in epoch seconds (``process`` only).

    A plain class, not a dataclass: one is built per event, and this is twice as fast.
    """

    __slots__ = (
        "alerts",
        "duplicate",
        "late",
        "released",
        "state",
        "suppressed",
        "time",
        "vectors",
    )

    def __init__(self, state: OfficerState) -> None:
        self.state = state
        self.alerts: list[Alert] = []
        self.vectors: list[DayVector] = []
        self.released = 0
        self.late = 0
        self.duplicate = False
        self.suppressed = 0
        self.time = 0.0

    def __repr__(self) -> str:
        return (
            f"Outcome(alerts={len(self.alerts)}, vectors={len(self.vectors)}, "
            f"released={self.released}, late={self.late}, duplicate={self.duplicate}, "
            f"suppressed={self.suppressed})"
        )


def fingerprint(event_id: str) -> int:
    """A stable 48-bit fingerprint of an event id (Python's `hash` changes between runs): CRC-32
    and 16 bits of Adler-32, both in C and fast. Among the few ids remembered per officer a
    collision is ~1e-13 per event.

    >>> fingerprint("pacs-1") == fingerprint("pacs-1") != fingerprint("pacs-2")
    True
    """
    raw = event_id.encode()
    return crc32(raw) | (adler32(raw) & 0xFFFF) << 32


def _touch(state: OfficerState, counts: array[float], t: float, event_id: str) -> None:
    """Shared bookkeeping of any badge or access activity within the open day."""
    hour = (t - state.day_start) / HOUR
    if counts[D_BADGE] + counts[D_ACCESS] == 0:
        counts[D_FIRST] = hour
    counts[D_LAST] = hour
    state.day_last = event_id


def _mark_active(state: OfficerState, t: float) -> None:
    slot = int(t // ACTIVITY_SLOT)
    offset = slot - state.activity_base
    if 0 <= offset < ACTIVITY_SLOTS and state.activity_base:
        state.activity |= 1 << offset
    else:
        state.mark_active(t)


def _overrides(rule: OfficerRule, hook: str) -> bool:
    return getattr(type(rule), hook) is not getattr(OfficerRule, hook)


Hook = Callable[[OfficerState, Any, float], Finding | None]


class Core:
    """The stateless officer-stage engine (see the module docstring for the contract)."""

    def __init__(self, config: DetectorConfig, reference: Reference) -> None:
        self.config = config
        self.reference = reference
        self.env = env = Env(config, reference)
        self.days = env.days
        self.lateness = config.allowed_lateness_seconds
        self.dedup = max(1, config.dedup_memory)
        built = [
            cls(config.detector(name), env)
            for name, cls in REGISTRY.items()
            if cls.stage == "officer" and config.enabled(name)
        ]
        self.rules: list[OfficerRule] = [r for r in built if isinstance(r, OfficerRule)]
        self._badge: list[Hook] = [r.on_badge for r in self.rules if _overrides(r, "on_badge")]
        self._access: list[Hook] = [r.on_access for r in self.rules if _overrides(r, "on_access")]
        self._roster: list[Hook] = [r.on_roster for r in self.rules if _overrides(r, "on_roster")]
        self._due = {r.name: r for r in self.rules}
        self._day_rules = [r for r in self.rules if _overrides(r, "on_day_settled")]
        self._specs: dict[str, tuple[DetectorSettings, Category]] = {
            name: (config.detector(name), cls.category) for name, cls in REGISTRY.items()
        }
        self._norms = {name: cls.peer_norm for name, cls in REGISTRY.items()}
        self.history_seconds = config.own_history_days * DAY
        self.history_key = f"alerts_last_{config.own_history_days}d"
        self.risk = RiskThresholdCrossedRule(config.detector("risk_threshold_crossed"), env)
        self.peer_enabled = any(
            cls.stage == "peer" and config.enabled(name) for name, cls in REGISTRY.items()
        )
        volume = config.detector("lookup_volume")
        self.lookup_evidence_floor = volume.num("min_lookups") * 0.5
        self.watch_refs = frozenset(reference.watchlist)
        self._system_bits: dict[str, int] = {}
        self.own_alpha = volume.num("own_alpha")
        self.case_weight = volume.num("case_weight")
        self.welfare_delay = config.welfare_delay_days
        self._peer_done_seen = math.nan  # never equal: the first call works the end out
        self._peer_done_end = math.inf

    # ------------------------------------------------------------------ time

    def horizon(self, watermark: float, peer_done: float | None = None) -> float:
        """The horizon for `watermark` (epoch seconds): lateness subtracted and, if the peer
        stage has completed days up to `peer_done` (the end of its last completed day), capped
        at the end of the following day."""
        h = watermark - self.lateness
        if peer_done is not None:
            # Asked several times per event by the service, while `peer_done` moves once a day:
            # the local-time conversion is done once per value.
            if peer_done != self._peer_done_seen:
                self._peer_done_end = self.days.day_bounds(self.days.day_number(peer_done))[1]
                self._peer_done_seen = peer_done
            h = min(h, self._peer_done_end)
        return h

    def status(self, state: OfficerState, t: float) -> int:
        """What the roster expects at `t` (see `Env.status`)."""
        return self.env.status(state, t)

    # ------------------------------------------------------------------ entry points

    def process(
        self,
        state: OfficerState | None,
        event: Event,
        horizon: float | None = None,
        into: Outcome | None = None,
    ) -> Outcome:
        """Offer one event of this officer; then advance to `horizon` if given.

        With `into`, what comes out is added to that outcome instead of a new one, and its
        ``state`` and ``time`` are set: a runner that reuses one outcome for every event saves
        building one per event (its ``duplicate`` and ``late`` are only ever set, not reset).
        """
        if state is None:
            state = OfficerState(event.officer_id)
        if into is None:
            out = Outcome(state)
        else:
            out = into
            out.state = state
        eid = event.event_id
        raw = eid.encode()
        # = fingerprint(eid).to_bytes(6, "little"), inlined
        key = (crc32(raw) | (adler32(raw) & 0xFFFF) << 32).to_bytes(FINGERPRINT_BYTES, "little")
        fps = state.fingerprints
        at = fps.find(key)
        while at > 0 and at % FINGERPRINT_BYTES:  # only whole fingerprints count
            at = fps.find(key, at + 1)
        if at >= 0:
            out.duplicate = True
            out.time = event.event_time.timestamp()
        else:
            if len(fps) < self.dedup * FINGERPRINT_BYTES:
                state.fingerprints = fps + key
            else:
                pos = state.fp_pos % (len(fps) // FINGERPRINT_BYTES)
                at = pos * FINGERPRINT_BYTES
                state.fingerprints = fps[:at] + key + fps[at + FINGERPRINT_BYTES :]
                state.fp_pos = pos + 1
            t = out.time = event.event_time.timestamp()
            if t < state.horizon:
                out.late += 1
                self._apply(state, event, t, out, True)
            else:
                buffer = state.buffer
                if not buffer:
                    buffer.append((t, eid, event))
                else:
                    last = buffer[-1]
                    if last[0] < t or (last[0] == t and last[1] < eid):
                        buffer.append((t, eid, event))
                    else:
                        insort(buffer, (t, eid, event), key=_buffer_key)
        if horizon is not None:
            self.advance(state, horizon, out)
        return out

    def advance(self, state: OfficerState, horizon: float, into: Outcome | None = None) -> Outcome:
        """Apply buffered events and fire timers before `horizon`. With `into`, what comes out
        is added to that outcome (a runner advancing many officers collects one batch)."""
        # Items in (time, kind) order: checks due, then the day close, then events. Only an
        # event that opens a day or changes the pending checks (a new tuple each time) can
        # move the next timer, so a run of events before it is released without recomputing
        # it: the same order as recomputing after every item. (One method, not a wrapper: a
        # runner calls it for nearly every event.)
        out = Outcome(state) if into is None else into
        buffer = state.buffer
        apply = self._apply
        inf = math.inf
        while True:
            pending = state.pending
            day = state.day
            day_end = state.day_end if day else inf
            if pending and pending[0][0] <= day_end:
                timer, is_check = pending[0][0], True
            else:
                timer, is_check = day_end, False
            limit = timer if timer < horizon else horizon
            if buffer and buffer[0][0] < limit:
                released = 0
                moved = False
                while True:
                    t, _, event = buffer.pop(0)
                    released += 1
                    apply(state, event, t, out, False)
                    if state.pending is not pending or state.day != day:
                        moved = True
                        break
                    if not buffer or buffer[0][0] >= limit:
                        break
                out.released += released
                if moved:
                    continue
                # Else the timer has not moved and nothing before it is left: straight on.
            if timer > horizon:
                break
            if is_check:
                due, name, payload = pending[0]
                state.pending = pending[1:]
                rule = self._due.get(name)
                if rule is not None:
                    finding = rule.on_due(state, payload, due)
                    if finding is not None:
                        self._emit(state, finding, out)
            else:
                self._close_day(state, out)
        state.horizon = max(state.horizon, horizon)
        return out

    def deliver(self, state: OfficerState | None, findings: Iterable[Finding]) -> Outcome:
        """Turn peer-stage findings about this officer into alerts (suppression and risk)."""
        findings = list(findings)
        if state is None:
            if not findings:
                raise ValueError("deliver needs the officer's state or a finding")
            state = OfficerState(findings[0].officer_id)
        out = Outcome(state)
        for finding in sorted(findings, key=Finding.sort_key):
            self._emit(state, finding, out)
        return out

    # ------------------------------------------------------------------ loop

    def _apply(self, state: OfficerState, event: Event, t: float, out: Outcome, late: bool) -> None:
        if not state.day:
            if late:
                in_day = False
            else:
                self._open_day(state, t)
                in_day = True
        else:
            in_day = state.day_start <= t < state.day_end
        if isinstance(event, AccessEvent):  # the commonest first
            for hook in self._access:
                finding = hook(state, event, t)
                if finding is not None:
                    self._emit(state, finding, out)
            self._access_features(state, event, t, in_day)
        elif isinstance(event, BadgeEvent):
            for hook in self._badge:
                finding = hook(state, event, t)
                if finding is not None:
                    self._emit(state, finding, out)
            self._badge_features(state, event, t, in_day)
        else:
            for hook in self._roster:
                finding = hook(state, event, t)
                if finding is not None:
                    self._emit(state, finding, out)
            self._roster_features(state, event, t)

    # ------------------------------------------------------------------ features

    def _badge_features(self, state: OfficerState, e: BadgeEvent, t: float, in_day: bool) -> None:
        if e.outcome != "granted":
            if in_day:
                state.day_counts[D_DENIED] += 1
            state.denied = (*state.denied[-(MAX_DENIED - 1) :], (t, e.event_id))
            return
        _mark_active(state, t)
        site = e.site_id
        last = state.last_badge
        if in_day:
            counts = state.day_counts
            _touch(state, counts, t, e.event_id)
            counts[D_BADGE] += 1
            counts[D_MAXZONE] = max(counts[D_MAXZONE], e.zone_level)
            if e.zone_level >= SENSITIVE_LEVEL and e.direction == "in":
                counts[D_SENSITIVE] += 1
                state.keep_id("notable", e.event_id)
            if last is not None and last[1] != site:
                counts[D_SITES] += 1
        if last is None or t >= last[0]:
            # Interned: thousands of officers share a handful of site and zone names.
            state.last_badge = (t, intern(site), intern(e.zone), e.event_id)
        if self.reference.tracks_exit(site, e.zone):
            zone = e.zone
            kept = tuple(o for o in state.occupancy if o[0] != site or o[1] != zone)
            if e.direction == "in":
                kept = (*kept, (intern(site), intern(zone), t, e.event_id))
            state.occupancy = kept

    def _access_features(self, state: OfficerState, e: AccessEvent, t: float, in_day: bool) -> None:
        # The hottest path of the core: helpers are inlined (see _mark_active and _touch).
        offset = int(t // ACTIVITY_SLOT) - state.activity_base
        if 0 <= offset < ACTIVITY_SLOTS and state.activity_base:
            state.activity |= 1 << offset
        else:
            state.mark_active(t)
        action = e.action
        if in_day:
            system = e.system
            bit = self._system_bits.get(system)
            state.day_systems |= bit if bit is not None else self.system_bit(system)
            counts = state.day_counts
            hour = (t - state.day_start) / HOUR
            accesses = counts[D_ACCESS]
            if accesses == 0 and counts[D_BADGE] == 0:
                counts[D_FIRST] = hour
            counts[D_LAST] = hour
            state.day_last = e.event_id
            counts[D_ACCESS] = accesses + 1
            if action in LOOKUP_ACTIONS:
                lookups = counts[D_LOOKUPS] = counts[D_LOOKUPS] + 1
                ref = e.record_ref
                if ref is not None:
                    bit = crc32(ref.encode()) % RECORD_BITS
                    records = state.day_records
                    if records is None:
                        records = state.day_records = bytearray(RECORD_BITS // 8)
                    records[bit >> 3] |= 1 << (bit & 7)
                    if ref in self.watch_refs and self.reference.watchlisted(ref, e.event_time):
                        counts[D_WATCH] += 1
                floor = self.lookup_evidence_floor
                if floor <= lookups < floor + MAX_EVIDENCE_IDS:
                    state.keep_id("lookups", e.event_id)
                if e.case_ref is None:
                    counts[D_NOCASE] += 1
                if action == "search":
                    searches = counts[D_SEARCHES] = counts[D_SEARCHES] + 1
                    if e.case_ref is None:
                        nocase = counts[D_SEARCH_NOCASE] = counts[D_SEARCH_NOCASE] + 1
                        if nocase >= 2 and nocase * 2 >= searches:
                            state.keep_id("nocase", e.event_id)
            elif action in EXPORT_ACTIONS:
                counts[D_EXPORTS] += 1
                if action == "print":
                    counts[D_PRINTS] += 1
                state.keep_id("notable", e.event_id)
            elif action == "modify":
                counts[D_MODIFY] += 1
            elif action == "login":
                counts[D_LOGINS] += 1
        site = e.site_id
        if action == "login" or action == "logout":  # noqa: PLR1714 - two string compares
            ws = e.workstation_id
            sessions = tuple(s for s in state.sessions if s[0] != ws)
            if action == "login":
                sessions = (*sessions[-3:], (ws, intern(site or ""), t, t, e.event_id))
            state.sessions = sessions
        if site is not None:
            last = state.last_access
            if last is None:
                state.last_access = (t, intern(site), "", e.event_id)
            elif t >= last[0]:
                # Reuse the interned site string when it is the same site (the usual case).
                state.last_access = (
                    t,
                    last[1] if last[1] == site else intern(site),
                    "",
                    e.event_id,
                )

    def _roster_features(self, state: OfficerState, e: RosterEvent, t: float) -> None:
        start = rost.minute(e.period_start.timestamp())
        end = rost.minute(e.period_end.timestamp())
        r = state.roster
        change = e.change_type
        state.status_cache = None
        state.blocks_cache = None
        if change == "shift_planned":
            rost.add(r, start, end, rost.SHIFT)
        elif change == "shift_cancelled":
            rost.remove_overlapping(r, start, end, frozenset({rost.SHIFT, rost.DUTY}))
        elif change == "duty_changed" and _is_oncall(e, start, end):
            # Availability, not work: covers being called in, never counts as hours worked.
            rost.add(r, start, end, rost.ONCALL)
            state.note_roster(start, end, rost.ONCALL, e.event_id)
        elif change in ("shift_swapped", "duty_changed"):
            # The period is the duty the officer now works instead of the one it overlaps or,
            # when a shift was moved clear of its old times, the one starting nearest to it.
            # (Not "the duty of that local day": a night shift moved by an hour can cross
            # midnight, and take the next night's shift with it.)
            if not rost.remove_overlapping(r, start, end, REPLACEABLE):
                rost.remove_nearest(r, start, REPLACEABLE, MOVED_DUTY_MINUTES)
            rost.add(r, start, end, rost.DUTY)
            state.note_roster(start, end, rost.DUTY, e.event_id)
        elif change == "overtime_claimed":
            rost.add(r, start, end, rost.OVERTIME)
            state.note_roster(start, end, rost.OVERTIME, e.event_id)
            hours = e.hours if e.hours is not None else (end - start) / 60.0
            flags = 1 if e.approver_id is not None else 0
            _upsert_claim(state, Claim(e.event_id, start, end, hours, flags))
        elif change == "overtime_approved":
            if not rost.set_flag(r, start, end, rost.OVERTIME, rost.APPROVED):
                rost.add(r, start, end, rost.OVERTIME | rost.APPROVED)
            for claim in map(Claim.of, state.claims):
                if claim.start == start and claim.end == end:
                    _upsert_claim(state, claim._replace(flags=claim.flags | 1))
                    break
            else:
                hours = e.hours if e.hours is not None else (end - start) / 60.0
                _upsert_claim(state, Claim(e.event_id, start, end, hours, 1))
        elif change == "leave_booked":
            rost.add(r, start, end, rost.LEAVE)
            state.note_roster(start, end, rost.LEAVE, e.event_id)
        elif change == "leave_cancelled":
            rost.remove_overlapping(r, start, end, frozenset({rost.LEAVE}))
            state.roster_ids = tuple(
                n.held()
                for n in state.roster_notes()
                if not (n.kind == rost.LEAVE and n.start < end and n.end > start)
            )
        elif change == "sickness_started":
            rost.add(r, start, end, rost.SICK)
            state.note_roster(start, end, rost.SICK, e.event_id)
            first, last = self._sick_days(e)
            spells = state.sick_spells
            if not any(spells[i] == first for i in range(0, len(spells), 2)):
                state.sick_spells = (*spells, first, last)
        elif change == "sickness_ended":
            if not rost.end_open(r, rost.SICK, start, end):
                rost.add(r, start, end, rost.SICK)
            _, last = self._sick_days(e)
            edited = list(state.sick_spells)
            for i in range(len(edited) - 2, -1, -2):
                if edited[i] <= last:
                    edited[i + 1] = last
                    break
            state.sick_spells = tuple(edited)
        elif change == "rest_day_worked":
            rost.add(r, start, end, rost.REST_WORKED)
            state.note_roster(start, end, rost.REST_WORKED, e.event_id)
            day = self.days.day_number(e.period_start.timestamp())
            if day not in state.rest_worked:
                state.rest_worked = (*state.rest_worked, day)

    def _sick_days(self, e: RosterEvent) -> tuple[int, int]:
        """First and last day of a sickness period: the local day it starts, and as many days
        as it lasts (rounded, at least one), whatever midnight the source system used."""
        start = e.period_start.timestamp()
        days = max(1, round((e.period_end.timestamp() - start) / DAY))
        first = self.days.day_number(start)
        return first, first + days - 1

    # ------------------------------------------------------------------ days

    def _open_day(self, state: OfficerState, t: float) -> None:
        start, end, number = self.days.bounds(t)
        state.day = number
        state.day_start = start
        state.day_end = end
        state.status_cache = None

    def _live(self, state: OfficerState, next_start: float) -> bool:
        """Keep closing days without events while there is roster to check or work pending."""
        if state.pending:
            return True
        lookback = next_start / 60.0 - (self.welfare_delay + 2) * 1440
        ends = state.roster[1::3]
        return bool(ends) and max(ends) > lookback

    def system_bit(self, system: str) -> int:
        bit = self._system_bits.get(system)
        if bit is None:
            bit = 1 << (crc32(system.encode()) & 31)
            if len(self._system_bits) < 4096:
                self._system_bits[system] = bit
        return bit

    def _close_day(self, state: OfficerState, out: Outcome) -> None:
        counts = state.day_counts
        day, end = state.day, state.day_end
        active = counts[D_BADGE] + counts[D_ACCESS] > 0
        systems = state.day_systems
        if systems and state.own_days() >= NEW_SYSTEM_AFTER_DAYS:
            counts[D_NEWSYS] = (systems & ~state.systems_seen).bit_count()
        if active and self.peer_enabled:
            group = self.reference.peer_group(state.officer_id, self.config.peer_group_by)
            if group is not None:
                out.vectors.append(self._vector(state, group))
        if systems:
            state.systems_seen |= systems
            state.day_systems = 0
        settled = day - self.welfare_delay
        first = max(state.welfare_day + 1, settled - SETTLE_CATCH_UP_DAYS)
        for number in range(first, settled + 1):
            s_start, s_end = self.days.day_bounds(number)
            for rule in self._day_rules:
                for finding in rule.on_day_settled(state, number, s_start, s_end):
                    self._emit(state, finding, out)
        state.welfare_day = max(state.welfare_day, settled)
        if active:
            self._learn_own(state)
        self.risk.score_at(state, end)
        self._prune(state, end, day)
        counts[:] = _ZERO_DAY
        state.day_records = None
        state.day_ids = None
        state.day_last = ""
        state.status_cache = None
        state.blocks_cache = None
        if self._live(state, end):
            _, next_end = self.days.day_bounds(day + 1)
            state.day, state.day_start, state.day_end = day + 1, end, next_end
        else:
            state.day, state.day_start, state.day_end = 0, 0.0, 0.0

    def _vector(self, state: OfficerState, group: str) -> DayVector:
        counts = state.day_counts
        features = dict(zip(DAY_FEATURES, counts.tolist(), strict=True))
        features["distinct_records"] = tidy(distinct_estimate(state.day_records), 2)
        # Systems used today, as the 32-bit mask by name hash (exact in a float).
        features["systems_mask"] = float(state.day_systems)
        features["weighted_lookups"] = self._weighted(counts)
        # The last 7 active days, today included.
        rolling = state.rolling_counts()
        features["searches_7d"] = float(counts[D_SEARCHES] + sum(rolling[0::2]))
        features["nocase_searches_7d"] = float(counts[D_SEARCH_NOCASE] + sum(rolling[1::2]))
        # 28 local days, today included: `28 * DAY` back from a midnight after a clock change
        # lands an hour off the local midnight.
        window_start = self.days.day_bounds(state.day - 27)[0] / 60.0
        claims = [Claim.of(c) for c in state.claims]
        features["overtime_28d"] = tidy(
            sum(c.hours for c in claims if window_start <= c.start < state.day_end / 60.0), 2
        )
        own = state.own_figures()
        own_stats = {
            "days": float(own[S_N]),
            "weighted_lookups_mean": tidy(own[S_LK_MEAN]),
            "weighted_lookups_sd": tidy(math.sqrt(max(own[S_LK_VAR], 0.0))),
            "records_mean": tidy(own[S_DR_MEAN]),
            "records_sd": tidy(math.sqrt(max(own[S_DR_VAR], 0.0))),
            "events_mean": tidy(own[S_EV_MEAN]),
            "events_sd": tidy(math.sqrt(max(own[S_EV_VAR], 0.0))),
            "nocase_share_mean": tidy(own[S_NC_MEAN]),
        }
        evidence = {k: tuple(v) for k, v in sorted((state.day_ids or {}).items())}
        if state.day_last:
            evidence["last"] = (state.day_last,)
        claim_ids = tuple(
            c.event_id for c in claims if window_start <= c.start < state.day_end / 60.0
        )
        if claim_ids:
            evidence["overtime"] = claim_ids[-MAX_EVIDENCE_IDS:]
        last_hour = counts[D_LAST]
        return DayVector(
            officer_id=state.officer_id,
            peer_group=group,
            day=state.day,
            day_start=state.day_start,
            day_end=state.day_end,
            # The last activity, to the second (hours are kept as f32).
            last_time=float(round(state.day_start + last_hour * HOUR)),
            features=features,
            own=own_stats,
            evidence=evidence,
        )

    def _weighted(self, counts: Any) -> float:
        """Look-ups weighted by justification: one without a case reference counts fully, one
        with a case `case_weight` (a detective's busy day on a case is work, not a spree)."""
        nocase = float(counts[D_NOCASE])
        return tidy(nocase + self.case_weight * (float(counts[D_LOOKUPS]) - nocase), 3)

    def _learn_own(self, state: OfficerState) -> None:
        counts = state.day_counts
        own = state.own_figures()
        alpha = self.own_alpha
        lookups = float(counts[D_LOOKUPS])
        weighted = self._weighted(counts)
        records = distinct_estimate(state.day_records)
        events = float(counts[D_BADGE] + counts[D_ACCESS])
        nocase_share = counts[D_NOCASE] / lookups if lookups else 0.0
        if own[S_N] == 0:
            own[S_LK_MEAN], own[S_DR_MEAN], own[S_EV_MEAN] = weighted, records, events
            own[S_NC_MEAN] = nocase_share
        else:
            for mean_i, var_i, x in (
                (S_LK_MEAN, S_LK_VAR, weighted),
                (S_DR_MEAN, S_DR_VAR, records),
                (S_EV_MEAN, S_EV_VAR, events),
            ):
                # Exponentially weighted mean and variance (West's update), as river's EWVar.
                diff = x - own[mean_i]
                incr = alpha * diff
                own[mean_i] += incr
                own[var_i] = (1 - alpha) * (own[var_i] + diff * incr)
            own[S_NC_MEAN] += alpha * (nocase_share - own[S_NC_MEAN])
        own[S_N] = min(own[S_N] + 1, 65535)
        state.store_own(own)
        rolling = state.rolling_counts()
        rolling.extend(
            (min(int(counts[D_SEARCHES]), 65535), min(int(counts[D_SEARCH_NOCASE]), 65535))
        )
        if len(rolling) > 12:  # the 6 previous active days; with today that makes 7
            del rolling[:2]
        state.rolling_bytes = rolling.tobytes()

    def _prune(self, state: OfficerState, now: float, today: int) -> None:
        """Forget what is too old at `now`, the end of the local day `today` (its number,
        known to the caller: no time-zone conversion per officer and day)."""
        now_min = int(now // 60)
        before = len(state.roster)
        rost.prune(state.roster, now_min - ROSTER_HISTORY_DAYS * 1440)
        if len(state.roster) != before:
            state.blocks_cache = None
        if state.roster_ids:
            # Evidence ids outlive the roster where a detector looks further back: rest days
            # worked over 28 days, sickness over 52 weeks.
            cutoff = now_min - ROSTER_HISTORY_DAYS * 1440
            keep = {
                rost.REST_WORKED: now_min - REST_WORKED_EVIDENCE_DAYS * 1440,
                rost.SICK: now_min - SICKNESS_HISTORY_DAYS * 1440,
            }
            state.roster_ids = tuple(
                held
                for held, n in zip(state.roster_ids, state.roster_notes(), strict=True)
                if n.end >= keep.get(n.kind, cutoff)
            )
        if state.claims:
            oldest = now_min - CLAIM_HISTORY_DAYS * 1440
            state.claims = tuple(c for c in state.claims if Claim.of(c).end >= oldest)
        if state.occupancy:
            state.occupancy = tuple(o for o in state.occupancy if now - o[2] < OCCUPANCY_EXPIRY)
        if state.sessions:
            state.sessions = tuple(s for s in state.sessions if now - s[3] < SESSION_EXPIRY)
        if state.denied:
            state.denied = tuple(d for d in state.denied if now - d[0] < DAY)
        if state.suppress:
            state.suppress = tuple(s for s in state.suppress if s[2] > now)
        if state.rest_worked:
            state.rest_worked = tuple(
                d for d in state.rest_worked if d > today - REST_WORKED_HISTORY_DAYS
            )
        spells = state.sick_spells
        while spells and spells[1] <= today - SICKNESS_HISTORY_DAYS:
            spells = spells[2:]
        state.sick_spells = spells
        if state.last_badge is not None and now - state.last_badge[0] > 7 * DAY:
            state.last_badge = None
        if state.last_access is not None and now - state.last_access[0] > 7 * DAY:
            state.last_access = None
        history = state.alert_history
        if history:
            forget = now - self.history_seconds - HISTORY_MARGIN
            if any(t < forget for _, t in history):
                state.alert_history = tuple(h for h in history if h[1] >= forget)

    # ------------------------------------------------------------------ alerts

    def _emit(self, state: OfficerState, finding: Finding, out: Outcome) -> None:
        name = finding.detector
        settings, category = self._specs[name]
        t = finding.event_time
        situation = finding.situation
        for s_name, s_situation, until in state.suppress:
            if s_name == name and s_situation == situation and t < until:
                out.suppressed += 1
                return
        if settings.suppress_seconds > 0:
            state.suppress = (
                *(s for s in state.suppress if s[0] != name or s[1] != situation),
                (name, situation, t + settings.suppress_seconds),
            )
        # A finding about plain planned shifts alone names no event (the state keeps no id for
        # them: memory); its window then tells one situation from the next in the alert id.
        basis = finding.evidence or (f"window:{finding.window_start:.0f}-{finding.window_end:.0f}",)
        ident = alert_id(name, settings.version, state.officer_id, basis)
        finding = self._explained(state, finding)
        if category == "welfare":
            out.alerts.append(
                build_alert(
                    finding,
                    settings=settings,
                    category=category,
                    risk=EMPTY_RISK,
                    config_hash=self.config.config_hash,
                    ident=ident,
                )
            )
            return
        risk, crossing = self.risk.add(state, ident, settings.risk_points, t)
        out.alerts.append(
            build_alert(
                finding,
                settings=settings,
                category=category,
                risk=risk,
                config_hash=self.config.config_hash,
                ident=ident,
            )
        )
        if crossing is not None:
            crossing = self._explained(state, crossing)
            cross_settings = self.risk.settings
            cross_id = alert_id(
                crossing.detector, cross_settings.version, state.officer_id, crossing.evidence
            )
            out.alerts.append(
                build_alert(
                    crossing,
                    settings=cross_settings,
                    category="integrity",
                    risk=risk,
                    config_hash=self.config.config_hash,
                    ident=cross_id,
                )
            )

    def _explained(self, state: OfficerState, finding: Finding) -> Finding:
        """`finding` with both normals filled in; it is recorded in the officer's history.

        Own normal: the detector's own figures, and how many alerts this detector published
        about the officer in the `own_history_days` of event time before this one. Peer normal,
        when the detector measured none: the officer's peer group and the norm the detector
        holds every peer to (its `peer_norm`).

        Only this detector's entries are counted or forgotten here. Peer-stage findings are
        delivered at the day barrier, at another point among the officer's own events live
        than in a replay: forgetting another detector's entries now would make a later count
        depend on that point. Kept sorted, so the state is the same bytes either way. (A day
        close forgets only entries older than any finding could still count: `_prune`.)
        """
        name = finding.detector
        t = finding.event_time
        cutoff = t - self.history_seconds
        others: list[tuple[str, float]] = []
        mine: list[tuple[str, float]] = []
        earlier = 0
        for entry in state.alert_history:
            if entry[0] != name:
                others.append(entry)
            elif entry[1] >= cutoff:
                mine.append(entry)
                if entry[1] < t:
                    earlier += 1
        mine.append((intern(name), t))
        mine.sort(key=_entry_time)
        state.alert_history = tuple(sorted([*others, *mine[-HISTORY_PER_DETECTOR:]]))
        own = dict(finding.own_normal)
        own.setdefault(self.history_key, earlier)  # a detector's own figure of that name wins
        peer = finding.peer_normal
        if not peer:
            group = self.reference.peer_group(state.officer_id, self.config.peer_group_by)
            peer = {"peer_group": group or "unknown", "norm": self._norms[name]}
        return replace(finding, own_normal=own, peer_normal=peer)


def _entry_time(entry: tuple[str, float]) -> float:
    return entry[1]


_ZERO_DAY = array("f", bytes(4 * N_DAY))


REPLACEABLE = frozenset({rost.SHIFT, rost.DUTY})
# A changed duty replaces the shift starting nearest to it within this many minutes.
MOVED_DUTY_MINUTES = 18 * 60
ONCALL_REASONS = frozenset({"ONCALL", "ON_CALL", "ON-CALL", "STANDBY"})
# No single duty lasts this long (13 hours is the welfare limit); a longer "duty" is an
# on-call period.
ONCALL_MIN_MINUTES = 16 * 60


def _is_oncall(event: RosterEvent, start: int, end: int) -> bool:
    reason = (event.reason or "").upper()
    return reason in ONCALL_REASONS or end - start >= ONCALL_MIN_MINUTES


def _buffer_key(item: tuple[float, str, Event]) -> tuple[float, str]:
    return (item[0], item[1])


def _upsert_claim(state: OfficerState, claim: Claim) -> None:
    claims = list(state.claims)
    for i, held in enumerate(claims):
        existing = Claim.of(held)
        if existing.start == claim.start and existing.end == claim.end:
            merged = claim._replace(event_id=existing.event_id, flags=existing.flags | claim.flags)
            claims[i] = merged.held()
            break
    else:
        claims.append(claim.held())
    state.claims = tuple(claims)
