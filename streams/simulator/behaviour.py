"""What an officer does during a duty: badge swipes between zones and look-ups in systems.

Behaviour follows the role. Everyone badges in at the car park (if they drive) and the main
entrance shortly before the duty starts; the main entrance does not track exits, so nobody
badges out of it. Detectives and staff then sit at a desk; response and neighbourhood officers
brief at a desk, patrol with an in-car terminal (whose audit records carry no site) and write
up at the end; custody staff spend the shift inside the custody suite, a zone that tracks exits.
Look-ups are a search and a view or two of its results, usually under a case reference.

Small imperfections are kept because real data has them: a card misread now and then, and a
forgotten badge-out on the last exit of a duty (never followed by a re-entry within hours).

Examples
--------
>>> import random
>>> from datetime import date
>>> from streams.simulator.clock import Clock
>>> from streams.simulator.emitter import AccessWriter, Emitter, action_fields
>>> from streams.simulator.force import build_force
>>> force = build_force(60, seed=2)
>>> clock = Clock(date(2026, 3, 9))
>>> emitter = Emitter(force, clock, seed=2)
>>> emitter.begin_step(0)
>>> behaviour = Behaviour(force, emitter, seed=2)
>>> detective = next(o for o in force.officers if o.role == "detective")
>>> behaviour.duty(detective, clock.at(0, 9 * 3600), clock.at(0, 17 * 3600),
...                site=detective.home, rng=random.Random(1), opts=DayOptions())
>>> lines = emitter.take_day(0)
>>> len(lines) > 20, '"direction":"in"' in lines[0]
(True, True)
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Final, Literal

from streams.simulator.clock import DAY, HOUR, MINUTE
from streams.simulator.emitter import (
    HEX4,
    AccessBatch,
    AccessWriter,
    DayBuffer,
    Emitter,
    action_fields,
)
from streams.simulator.force import PROFILES, Force, Officer
from streams.simulator.randomness import derive, tag
from streams.simulator.sites import SiteInfo

Mode = Literal["station", "training", "remote", "callout"]

_RECORD_MASK: Final = (1 << 48) - 1
_CASES_PER_UNIT: Final = 10
_CASE_WINDOW: Final = 14  # days an officer keeps the same handful of cases
_RECORDS_PER_CASE: Final = 14
_CASE_TAG: Final = tag("case")
_RECORD_TAG: Final = tag("record")
_MISREAD: Final = 0.006  # card misread at the door, retried at once
_FORGET: Final = 0.01  # last badge-out of a tracked zone forgotten


_RESULT_FIELDS: Final = tuple(f',"result_count":{n}' for n in range(64))
_RESULT_ENDS: Final = tuple(field + "}" for field in _RESULT_FIELDS)  # closing the line
_EVENT_TIME: Final = '","event_time":"'
_VIEWS: Final = tuple(tuple(range(n)) for n in range(4))  # range(views), made once


def _fields(system: str, record_type: str) -> tuple[str, str, str]:
    """The search, view and print member runs of one system's access lines."""
    return (
        action_fields(system, "search", record_type),
        action_fields(system, "view", record_type),
        action_fields(system, "print", record_type),
    )


@dataclass(frozen=True, slots=True)
class Case:
    """An open investigation: its number, its reference as look-ups cite it, its records."""

    number: int
    ref: str
    records: tuple[str, ...]
    field: str  # the case_ref member of an access event's JSON
    members: tuple[str, ...]  # the record_ref and case_ref members, one per record


@dataclass(slots=True)
class DayOptions:
    """Per-duty adjustments a scenario can make to the normal behaviour."""

    lookup_factor: float = 1.0
    case_share: float | None = None  # overrides the officer's own share of case references
    badge_quiet: tuple[int, int] | None = None  # no zone visits overlapping this interval
    access_quiet: tuple[int, int] | None = None  # no look-ups inside this interval
    presence_from: int | None = None  # look-ups at least every 40 minutes from here to the end
    lookups: list[str] | None = None  # collects the ids of look-up events (evidence)
    lookups_without_case: list[str] | None = None
    badges: list[str] | None = None  # collects the ids of badge events
    no_imperfections: bool = False


class Behaviour:
    """Generates the events of duties through an :class:`Emitter`."""

    def __init__(self, force: Force, emitter: Emitter, seed: int) -> None:
        self.force = force
        self.emitter = emitter
        self.seed = seed
        self._watched = {entry.record_ref for entry in force.watchlist}
        self._watched_bits = {int(ref[2:], 16) for ref in self._watched}
        self._cases: dict[tuple[str, int], tuple[Case, ...]] = {}
        self._officer_cases: dict[tuple[int, int], tuple[Case, ...]] = {}  # of cases()
        self._custody_sites = [s.index for s in force.sites if s.has_custody]
        # Each role's systems as a 100-slot table: one draw picks a system by its weight.
        self._session_fields = {
            role: (
                action_fields(profile.systems[0][0], "login", "session"),
                action_fields(profile.systems[0][0], "logout", "session"),
            )
            for role, profile in PROFILES.items()
        }
        self._systems = {
            role: [
                _fields(name, record_type)
                for name, record_type, weight in profile.systems
                for _ in range(round(weight * 100))
            ]
            for role, profile in PROFILES.items()
        }

    # -- cases and records ------------------------------------------------------------------

    def cases(self, officer: Officer, day: int) -> tuple[Case, ...]:
        """The cases this officer works on around ``day``: four of the unit's open cases."""
        window = (self.emitter.clock.epoch_day + day) // _CASE_WINDOW
        mine = self._officer_cases.get((officer.index, window))
        if mine is not None:
            return mine
        key = (officer.unit_id, window)
        unit_cases = self._cases.get(key)
        if unit_cases is None:
            unit_cases = self._open_cases(officer.unit_id, window)
            if len(self._cases) > 4096:
                self._cases.clear()
            self._cases[key] = unit_cases
        first = officer.quirk % _CASES_PER_UNIT
        mine = tuple(unit_cases[(first + j) % _CASES_PER_UNIT] for j in range(4))
        if len(self._officer_cases) > 2 * len(self.force.officers):
            self._officer_cases.clear()
        self._officer_cases[(officer.index, window)] = mine
        return mine

    def _open_cases(self, unit: str, window: int) -> tuple[Case, ...]:
        year = self.emitter.clock.text(window * _CASE_WINDOW * DAY)[:4]
        out = []
        for k in range(_CASES_PER_UNIT):
            number = derive(self.seed, _CASE_TAG, tag(unit), window, k) % 900_000 + 100_000
            records = tuple(
                f"r:{derive(self.seed, _RECORD_TAG, number, r) & _RECORD_MASK:012x}"
                for r in range(_RECORDS_PER_CASE)
            )
            ref = f"CR/{year}/{number:06d}"
            members = tuple(f',"record_ref":"{r}","case_ref":"{ref}"' for r in records)
            out.append(Case(number, ref, records, f',"case_ref":"{ref}"', members))
        return tuple(out)

    def stray_record(self, rng: random.Random) -> str:
        """A record with no case behind it; never one on the watchlist."""
        while True:
            ref = f"r:{rng.getrandbits(48):012x}"
            if ref not in self._watched:
                return ref

    # -- look-ups ---------------------------------------------------------------------------

    def lookup(
        self,
        officer: Officer,
        instant: int,
        rng: random.Random,
        *,
        workstation: str,
        site_id: str | None,
        case: Case | None,
        opts: DayOptions,
        system: tuple[str, str] | None = None,
        record: str | None = None,
    ) -> int:
        """One search and the views of its results; returns when the last event happened."""
        write = self.emitter.access_writer(officer, workstation, site_id)
        return self._lookup(
            write, officer, instant, rng, case=case, opts=opts, system=system, record=record
        )

    def _lookup(
        self,
        write: AccessWriter,
        officer: Officer,
        instant: int,
        rng: random.Random,
        *,
        case: Case | None,
        opts: DayOptions,
        system: tuple[str, str] | None = None,
        record: str | None = None,
    ) -> int:
        random_ = rng.random
        if system is None:
            table = self._systems[officer.role]
            search, view, print_ = table[int(random_() * len(table))]
        else:
            search, view, print_ = _fields(*system)
        case_field = ""
        if case is not None:
            case_field = case.field
            if record is None:
                record = case.records[int(random_() * _RECORDS_PER_CASE)]
        elif record is None:
            record = self.stray_record(rng)
        results = int(random_() * 9)
        ids = [write(instant, search, record, case_field, _RESULT_FIELDS[results])]
        views = min(results, 1 + int(random_() * 2.6))
        for v in range(views):
            instant += 15 + int(random_() * 100)
            viewed = record
            if v:
                viewed = (
                    case.records[int(random_() * _RECORDS_PER_CASE)]
                    if case is not None
                    else self.stray_record(rng)
                )
            ids.append(write(instant, view, viewed, case_field, ""))
            if random_() < 0.015:
                instant += 20 + int(random_() * 60)
                ids.append(write(instant, print_, viewed, case_field, ""))
        if opts.lookups is not None:
            opts.lookups.extend(ids)
        if case is None and opts.lookups_without_case is not None:
            opts.lookups_without_case.extend(ids)
        return instant

    def _lookup_times(self, shift: _Shift, span: tuple[int, int], count: int) -> list[int]:
        """When ``count`` look-ups over the ``span`` of a session start, in order (none if the
        span is too short)."""
        first, last = span
        if last - first < 10 * MINUTE or count <= 0:
            return []
        width = last - first - 5 * MINUTE
        random_ = shift.rng.random
        return sorted([first + int(random_() * width) for _ in range(count)])

    def _lookups(self, shift: _Shift, write: AccessWriter, times: list[int]) -> None:
        """Look-ups starting at ``times`` (see :meth:`_lookup_times`), each through
        :meth:`_lookup`, which collects evidence ids."""
        officer, rng, opts = shift.officer, shift.rng, shift.opts
        share = officer.case_share if opts.case_share is None else opts.case_share
        cases = self.cases(officer, shift.day)
        quiet = opts.access_quiet
        random_ = rng.random
        busy_until = 0
        for planned in times:
            instant = max(planned, busy_until + 30)
            if quiet is None or not quiet[0] <= instant < quiet[1]:
                case = cases[int(random_() * 4)] if random_() < share else None
                busy_until = self._lookup(write, officer, instant, rng, case=case, opts=opts)

    def _lookup_batch(self, shift: _Shift, batch: AccessBatch, times: list[int]) -> None:
        """Look-ups as :meth:`_lookups` makes them, when there is no evidence to collect, with
        :meth:`_lookup` inlined and the lines written here through an :class:`AccessBatch`
        (no call per event): this loop makes most of the events of a run."""
        if not times:
            return
        officer, rng, opts = shift.officer, shift.rng, shift.opts
        share = officer.case_share if opts.case_share is None else opts.case_share
        cases = self.cases(officer, shift.day)
        quiet = opts.access_quiet
        random_ = rng.random
        table = self._systems[officer.role]
        size = len(table)
        bits = rng.getrandbits
        watched = self._watched_bits
        result_ends = _RESULT_ENDS
        emitter = self.emitter
        clock = emitter.clock
        dates, tod, hexes = clock.dates, clock.times_of_day, HEX4
        head, body, where_ = batch.head, batch.body, batch.where
        end_ = where_ + "}"
        sequence = batch.sequence
        midnight = end = 0  # the day being written: [midnight, end)
        stamp = ""  # '","event_time":"YYYY-MM-DDT' of the day being written
        buffer: DayBuffer = ([], [])
        add_key, add_line = buffer[0].append, buffer[1].append
        busy_until = 0
        try:
            for planned in times:
                instant = planned if planned > busy_until else busy_until + 30
                if quiet is not None and quiet[0] <= instant < quiet[1]:
                    continue
                search, view, print_ = table[int(random_() * size)]
                members: tuple[str, ...] | None
                if random_() < share:
                    members = case_members = cases[int(random_() * 4)].members
                    member = case_members[int(random_() * _RECORDS_PER_CASE)]
                else:
                    members = None
                    record = bits(48)
                    while record in watched:
                        record = bits(48)
                    member = f',"record_ref":"r:{record:012x}"'
                results = int(random_() * 9)
                if not midnight <= instant < end:
                    day = instant // DAY
                    midnight, end = day * DAY, day * DAY + DAY
                    stamp = _EVENT_TIME + (dates.get(day) or clock.date_prefix(day))
                    buffer = emitter.day_buffer(day)
                    add_key, add_line = buffer[0].append, buffer[1].append
                second = instant - midnight
                add_key(second)
                add_line(
                    f"{head}{hexes[sequence]}{stamp}{tod[second]}"
                    f"{body}{search}{member}{where_}{result_ends[results]}"
                )
                sequence += 1
                views = 1 + int(random_() * 2.6)  # then at most the results: min() inlined
                views = views if views < results else results
                printed = views and random_() < 0.03
                for v in _VIEWS[views]:
                    instant += 15 + int(random_() * 100)
                    if v:
                        if members is not None:
                            member = members[int(random_() * _RECORDS_PER_CASE)]
                        else:
                            record = bits(48)
                            while record in watched:
                                record = bits(48)
                            member = f',"record_ref":"r:{record:012x}"'
                    if instant >= end:
                        day = instant // DAY
                        midnight, end = day * DAY, day * DAY + DAY
                        stamp = _EVENT_TIME + (dates.get(day) or clock.date_prefix(day))
                        buffer = emitter.day_buffer(day)
                        add_key, add_line = buffer[0].append, buffer[1].append
                    second = instant - midnight
                    add_key(second)
                    add_line(
                        f"{head}{hexes[sequence]}{stamp}{tod[second]}{body}{view}{member}{end_}"
                    )
                    sequence += 1
                    if printed:
                        printed = False
                        instant += 20 + int(random_() * 60)
                        if instant >= end:
                            day = instant // DAY
                            midnight, end = day * DAY, day * DAY + DAY
                            stamp = _EVENT_TIME + (dates.get(day) or clock.date_prefix(day))
                            buffer = emitter.day_buffer(day)
                            add_key, add_line = buffer[0].append, buffer[1].append
                        second = instant - midnight
                        add_key(second)
                        add_line(
                            f"{head}{hexes[sequence]}{stamp}{tod[second]}"
                            f"{body}{print_}{member}{end_}"
                        )
                        sequence += 1
                busy_until = instant
        except IndexError:
            if sequence < len(hexes):
                raise
            raise ValueError("more than 65,536 events for one officer in one day") from None
        batch.sequence = sequence

    def _count(self, shift: _Shift, hours: float) -> int:
        officer = shift.officer
        mean = officer.profile.lookups_per_duty * officer.activity * shift.opts.lookup_factor
        mean *= min(1.5, hours / 8.5)
        return max(0, round(mean + shift.rng.gauss(0.0, math.sqrt(mean))))

    def _session(
        self,
        shift: _Shift,
        login: int,
        logout: int,
        count: int,
        *,
        workstation: str,
        site_id: str | None,
    ) -> None:
        log_in, log_out = self._session_fields[shift.officer.role]
        opts = shift.opts
        quiet = opts.access_quiet
        log_in_now = quiet is None or not quiet[0] <= login < quiet[1]
        log_out_now = quiet is None or not quiet[0] <= logout < quiet[1]
        if opts.lookups is not None or opts.lookups_without_case is not None:
            write = self.emitter.access_writer(shift.officer, workstation, site_id)
            if log_in_now:
                write(login, log_in, None, "", "")
            self._lookups(shift, write, self._lookup_times(shift, (login + 60, logout - 60), count))
            if log_out_now:
                write(logout, log_out, None, "", "")
            return
        batch = self.emitter.access_batch(shift.officer, workstation, site_id)
        if log_in_now:
            batch.write(login, log_in)
        self._lookup_batch(
            shift, batch, self._lookup_times(shift, (login + 60, logout - 60), count)
        )
        if log_out_now:
            batch.write(logout, log_out)
        batch.close()

    # -- badges -----------------------------------------------------------------------------

    def _visit(self, shift: _Shift, site: SiteInfo, zone_name: str, enter: int, leave: int) -> None:
        """In and, where the zone tracks exits, out; the last exit of a duty is sometimes
        forgotten (``shift.forgetful``)."""
        zone = site.zones.get(zone_name)
        if zone is None:
            return
        opts = shift.opts
        quiet = opts.badge_quiet
        if quiet is not None and enter < quiet[1] and leave > quiet[0]:
            return
        badge = self.emitter.badge
        out = [badge(shift.officer, enter, site, zone)]
        forgotten = (
            leave >= shift.end and not opts.no_imperfections and shift.rng.random() < _FORGET
        )
        if zone.tracks_exit and not forgotten:
            out.append(badge(shift.officer, leave, site, zone, direction="out"))
        if opts.badges is not None:
            opts.badges.extend(out)

    def arrive(
        self,
        officer: Officer,
        site: SiteInfo,
        instant: int,
        *,
        rng: random.Random,
        opts: DayOptions,
    ) -> None:
        """Car park (for drivers), then the main entrance; a rare misread is retried."""
        quiet = opts.badge_quiet
        if quiet is not None and quiet[0] <= instant < quiet[1]:
            return
        badge = self.emitter.badge
        out = []
        if officer.drives:
            parked = instant - 60 - int(rng.random() * 180)
            out.append(badge(officer, parked, site, site.zones["car-park"]))
        main = site.zones["station-main"]
        if not opts.no_imperfections and rng.random() < _MISREAD:
            out.append(badge(officer, instant - 8, site, main, outcome="denied"))
        out.append(badge(officer, instant, site, main))
        if opts.badges is not None:
            opts.badges.extend(out)

    def _return(self, shift: _Shift, site: SiteInfo, instant: int) -> None:
        """Back into the station: car park for patrols, main entrance, the office zone."""
        quiet = shift.opts.badge_quiet
        if quiet is not None and quiet[0] - HOUR <= instant < quiet[1] + HOUR:
            return
        officer = shift.officer
        badge = self.emitter.badge
        out = []
        if officer.drives and officer.terminal is not None:
            out.append(badge(officer, instant - 90, site, site.zones["car-park"]))
        out.append(badge(officer, instant, site, site.zones["station-main"]))
        office = "cid-office" if officer.role == "detective" else "admin-office"
        if officer.role in ("detective", "staff", "command") and office in site.zones:
            out.append(badge(officer, instant + 45, site, site.zones[office]))
        if shift.opts.badges is not None:
            shift.opts.badges.extend(out)

    # -- duties -----------------------------------------------------------------------------

    def duty(
        self,
        officer: Officer,
        start: int,
        end: int,
        *,
        site: int,
        rng: random.Random,
        opts: DayOptions,
        mode: Mode = "station",
    ) -> None:
        """All events of one duty from ``start`` to ``end`` (epoch seconds) at a site."""
        place = self.force.sites[site]
        desk = (
            officer.desk
            if site == officer.home
            else (f"WS-{place.site_id}-{200 + officer.index % 50:03d}")
        )
        day = self.emitter.clock.day_of(start)
        shift = _Shift(officer, day, place, start, end, rng, opts, desk)
        hours = (end - start) / HOUR
        if mode == "remote":
            login = start + int(rng.random() * 600)
            self._session(
                shift,
                login,
                end - int(rng.random() * 300),
                self._count(shift, hours),
                workstation=officer.laptop,
                site_id=None,
            )
            return
        arrival = (
            start if mode == "callout" else (start - 5 * MINUTE - int(rng.random() * 15 * MINUTE))
        )
        self.arrive(officer, place, arrival, rng=rng, opts=opts)
        if mode == "training":
            self._visit(shift, place, "training-block", arrival + 120, end)
            return
        role = officer.role
        count = self._count(shift, hours)
        login = arrival + 3 * MINUTE + int(rng.random() * 10 * MINUTE)
        logout = end - int(rng.random() * 8 * MINUTE) if mode == "station" else end - 60
        if role in ("detective", "staff", "command"):
            office = "cid-office" if role == "detective" else "admin-office"
            self._visit(shift, place, office, arrival + 60 + int(rng.random() * 120), end)
        if role == "custody":
            self._custody_shift(shift, arrival)
        if officer.terminal is not None and mode == "station" and end - start >= 6 * HOUR:
            self._patrol(shift, login, logout, count)
        else:
            self._session(shift, login, logout, count, workstation=desk, site_id=place.site_id)
            if role == "detective" and mode == "station":
                self._detective_visits(shift)
            if role != "custody" and mode == "station" and end - start >= 6 * HOUR:
                # Errands and lunch outside: back in through the main entrance each time.
                for _ in range(1 + int(rng.random() * 2.5)):
                    back = start + 90 * MINUTE + int(rng.random() * (end - start - 150 * MINUTE))
                    self._return(shift, place, back)
        if opts.presence_from is not None:
            self._keep_present(shift, opts.presence_from)

    def _patrol(self, shift: _Shift, login: int, logout: int, count: int) -> None:
        """Briefing at a desk, patrol with the in-car terminal, write-up at the desk."""
        officer, site, rng = shift.officer, shift.site, shift.rng
        start, end = shift.start, shift.end
        patrol = (start + 60 * MINUTE, end - 60 * MINUTE)
        at_desk = count // 4
        desk = {"workstation": shift.desk, "site_id": site.site_id}
        self._session(shift, login, start + 50 * MINUTE, at_desk, **desk)
        self._session(
            shift,
            patrol[0],
            patrol[1],
            count - 2 * at_desk,
            workstation=officer.terminal or shift.desk,
            site_id=None,
        )
        self._session(shift, end - 55 * MINUTE, logout, at_desk, **desk)
        if rng.random() < 0.2:
            enter = start + 20 * MINUTE + int(rng.random() * 20 * MINUTE)
            self._visit(
                shift,
                site,
                "property-store",
                enter,
                enter + 3 * MINUTE + int(rng.random() * 10 * MINUTE),
            )
        if rng.random() < 0.7:
            # Back at the station for a meal break late in the patrol, well after any trip
            # to a custody suite (below), so the two never look like one impossible journey.
            self._return(shift, site, patrol[1] - 2 * HOUR + int(rng.random() * HOUR))
        if officer.role == "response" and rng.random() < 0.3 and self._custody_sites:
            # Bringing in an arrest: the custody suite nearest to the home station.
            custody_site = self.force.sites[
                min(self._custody_sites, key=lambda s: self.force.distances[officer.home][s])
            ]
            enter = patrol[0] + 45 * MINUTE + int(rng.random() * 2 * HOUR)
            self.arrive(officer, custody_site, enter - 120, rng=rng, opts=shift.opts)
            self._visit(
                shift,
                custody_site,
                "custody",
                enter,
                enter + 20 * MINUTE + int(rng.random() * 30 * MINUTE),
            )

    def _custody_shift(self, shift: _Shift, arrival: int) -> None:
        rng, site, end = shift.rng, shift.site, shift.end
        enter = arrival + 2 * MINUTE + int(rng.random() * 3 * MINUTE)
        if rng.random() < 0.5:
            # A meal break outside the suite splits the shift into two visits.
            pause = enter + (end - enter) // 2 + int(rng.random() * HOUR)
            self._visit(shift, site, "custody", enter, pause)
            self._visit(shift, site, "custody", pause + 30 * MINUTE, end + 5 * MINUTE)
        else:
            self._visit(shift, site, "custody", enter, end + 5 * MINUTE)

    def _detective_visits(self, shift: _Shift) -> None:
        rng, site = shift.rng, shift.site
        start, end = shift.start, shift.end
        if rng.random() < 0.15:
            enter = start + HOUR + int(rng.random() * max(1, end - start - 3 * HOUR))
            self._visit(
                shift,
                site,
                "property-store",
                enter,
                enter + 5 * MINUTE + int(rng.random() * 15 * MINUTE),
            )
        if site.has_custody and rng.random() < 0.25:
            enter = start + 2 * HOUR + int(rng.random() * max(1, end - start - 4 * HOUR))
            self._visit(
                shift, site, "custody", enter, enter + 30 * MINUTE + int(rng.random() * HOUR)
            )

    def _keep_present(self, shift: _Shift, first: int) -> None:
        """Look-ups through worked overtime, so a claim is backed by activity."""
        rng = shift.rng
        cases = self.cases(shift.officer, shift.day)
        write = self.emitter.access_writer(shift.officer, shift.desk, shift.site.site_id)
        instant = first + 5 * MINUTE
        while instant < shift.end - 5 * MINUTE:
            case = cases[int(rng.random() * len(cases))]
            self._lookup(write, shift.officer, instant, rng, case=case, opts=shift.opts)
            instant += 20 * MINUTE + int(rng.random() * 20 * MINUTE)


@dataclass(slots=True)
class _Shift:
    """One duty being generated: who, where, when, and its random stream and options."""

    officer: Officer
    day: int
    site: SiteInfo
    start: int
    end: int
    rng: random.Random
    opts: DayOptions
    desk: str
