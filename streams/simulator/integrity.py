"""Injected integrity scenarios: one class per detector of DESIGN.md's integrity catalogue.

Each is made plain enough to detect yet shaped like the real thing: a badge used at the
station by an officer on leave, a look-up of a watch-listed record with no case behind it, a
card used in two towns minutes apart. Evidence lists exactly the events that show it.
"""

from __future__ import annotations

import random
from typing import ClassVar

from streams.simulator.behaviour import DayOptions
from streams.simulator.force import Officer, Role, WatchCategory
from streams.simulator.scenarios import (
    HOUR,
    MINUTE,
    Scenario,
    Today,
    World,
    day_time,
    file_overtime,
    on_leave,
    plain_rest,
    plain_work,
    planned,
    report_sickness,
    round_hours,
    welfare_after,
)
from streams.simulator.sites import SiteInfo

_SEARCH = 21  # days after ``first`` a placement looks for suitable days


def _days(world: World, first: int, span: int = 1) -> range:
    return range(max(first, 0), min(first + _SEARCH, world.days - span + 1))


def _desk(world: World, officer: Officer) -> tuple[str, str | None]:
    """Where a look-up during the duty comes from: the in-car terminal on patrol, else a desk."""
    if officer.terminal is not None:
        return officer.terminal, None
    return officer.desk, world.force.sites[officer.home].site_id


def _mid_duty(today: Today, rng: random.Random, margin_start: int, margin_end: int) -> int:
    room = max(1, today.end - today.start - margin_start - margin_end)
    return today.start + margin_start + int(rng.random() * room)


class BadgeWhileAbsent(Scenario):
    """Granted badge use at the home station while on leave, off sick or on a rest day."""

    name = "badge_while_absent"
    category = "integrity"
    span = 2

    def __init__(self, world: World, officer: Officer, variant: str, day: int) -> None:
        super().__init__(world, officer, variant)
        self.day = day  # the day of the visit; a sick variant falls ill the day before
        self.touch(officer, day)
        if variant == "sick":
            self.touch(officer, day - 1)

    @classmethod
    def place(
        cls, world: World, officer: Officer, first: int, rng: random.Random
    ) -> Scenario | None:
        variants = ["leave", "sick", "rest"]
        rng.shuffle(variants)
        for variant in variants:
            for day in _days(world, first):
                if variant == "leave" and on_leave(world, officer, day):
                    return cls(world, officer, variant, day)
                if (
                    variant == "sick"
                    and day >= 1
                    and plain_work(world, officer, day - 1)
                    and plain_work(world, officer, day)
                    and not world.schedule.ends_overnight(officer, day - 2)
                ):
                    return cls(world, officer, variant, day)
                if (
                    variant == "rest"
                    and plain_rest(world, officer, day)
                    and _free_evening(world, officer, day)
                ):
                    return cls(world, officer, variant, day)
        return None

    def adjust(self, today: Today) -> None:
        today.work = False

    def act(self, today: Today) -> None:
        rng = today.rng
        if self.variant == "sick" and today.day == self.day - 1:
            report_sickness(self.world, self.officer, today.day, 2, rng)
            return
        if today.day != self.day:
            return
        site = self.world.force.sites[self.officer.home]
        arrival = day_time(self.world, today.day, 11.0, 14.0, rng)
        opts = DayOptions(badges=self.evidence, no_imperfections=True)
        self.world.behaviour.arrive(self.officer, site, arrival, rng=rng, opts=opts)
        last = arrival
        if rng.random() < 0.5:
            last = arrival + 3 * MINUTE + int(rng.random() * 10 * MINUTE)
            emit = self.world.emitter.badge
            zone = site.zones["property-store"]
            self.evidence.append(emit(self.officer, last, site, zone))
            last += 4 * MINUTE + int(rng.random() * 8 * MINUTE)
            self.evidence.append(emit(self.officer, last, site, zone, direction="out"))
        self.window = (arrival - 5 * MINUTE, last)


def _free_evening(world: World, officer: Officer, day: int) -> bool:
    """The next duty starts no earlier than 04:00 the next day (``plain_rest`` has already
    ruled out a night shift running into the day), so a midday visit is far from any duty."""
    after = planned(world, officer, day + 1)
    return after.start == 0 or after.start >= world.clock.at(day + 1, 4 * HOUR)


class AccessWhileOffDuty(Scenario):
    """Record look-ups from a laptop at home in the evening of a rest day or after an early
    shift, with no overtime or call-out to explain them."""

    name = "access_while_off_duty"
    category = "integrity"

    def __init__(self, world: World, officer: Officer, variant: str, day: int) -> None:
        super().__init__(world, officer, variant)
        self.day = day
        self.touch(officer, day)

    @classmethod
    def place(
        cls, world: World, officer: Officer, first: int, rng: random.Random
    ) -> Scenario | None:
        prefer_rest = rng.random() < 0.5
        for day in _days(world, first):
            nxt = planned(world, officer, day + 1)
            late_enough = nxt.start == 0 or nxt.start >= world.clock.at(day + 1, 6 * HOUR)
            if not late_enough:
                continue
            if prefer_rest and plain_rest(world, officer, day):
                return cls(world, officer, "rest_day", day)
            plan = plain_work(world, officer, day)
            if not prefer_rest and plan and plan.end <= world.clock.at(day, 17 * HOUR):
                return cls(world, officer, "after_shift", day)
        return None

    def act(self, today: Today) -> None:
        rng = today.rng
        world, officer = self.world, self.officer
        login = day_time(world, today.day, 21.0, 22.5, rng)
        access = world.emitter.access
        system = officer.profile.systems[0]
        self.evidence.append(
            access(
                officer,
                login,
                system=system[0],
                action="login",
                record_type="session",
                workstation=officer.laptop,
                site_id=None,
            )
        )
        opts = DayOptions(lookups=self.evidence)
        cases = world.behaviour.cases(officer, today.day)
        instant = login + 2 * MINUTE
        for _ in range(5 + int(rng.random() * 5)):
            case = cases[int(rng.random() * len(cases))]
            instant = (
                world.behaviour.lookup(
                    officer,
                    instant,
                    rng,
                    workstation=officer.laptop,
                    site_id=None,
                    case=case,
                    opts=opts,
                )
                + 2 * MINUTE
                + int(rng.random() * 5 * MINUTE)
            )
        self.evidence.append(
            access(
                officer,
                instant,
                system=system[0],
                action="logout",
                record_type="session",
                workstation=officer.laptop,
                site_id=None,
            )
        )
        self.window = (login, instant)


class OvertimeWithoutPresence(Scenario):
    """Overtime claimed (and approved by the manager) for hours with no badge or system use."""

    name = "overtime_without_presence"
    category = "integrity"

    def __init__(
        self, world: World, officer: Officer, variant: str, day: int, period: tuple[int, int]
    ) -> None:
        super().__init__(world, officer, variant)
        self.day = day
        self.period = period
        self.window = period
        self.touch(officer, day)

    @classmethod
    def place(
        cls, world: World, officer: Officer, first: int, rng: random.Random
    ) -> Scenario | None:
        rest_first = rng.random() < 0.5
        for day in _days(world, first):
            if (
                rest_first
                and plain_rest(world, officer, day)
                and _free_evening(world, officer, day)
            ):
                start = day_time(world, day, 10.0, 12.0, rng) // 900 * 900
                period = (start, start + (4 + int(rng.random() * 3)) * HOUR)
                if welfare_after(world, officer, day, day, extra=[period]):
                    return cls(world, officer, "rest_day", day, period)
            plan = plain_work(world, officer, day)
            if not rest_first and plan:
                start = plan.end + 15 * MINUTE
                period = (start, start + 2 * HOUR + int(rng.random() * 3) * 30 * MINUTE)
                if welfare_after(world, officer, day, day, changes={day: (plan.start, period[1])}):
                    return cls(world, officer, "after_shift", day, period)
        return None

    def act(self, today: Today) -> None:
        rng = today.rng
        filed = self.period[1] + 2 * HOUR + int(rng.random() * 18 * HOUR)
        self.evidence += file_overtime(
            self.world,
            self.officer,
            self.period,
            filed=filed,
            rng=rng,
            reason="OPS" if self.variant == "rest_day" else "SHIFT_OVERRUN",
        )


def _far_site(world: World, home: int) -> SiteInfo:
    """The station farthest from ``home`` (the college if no station is 25 km away)."""
    sites = world.force.sites
    distances = world.force.distances[home]
    stations = [s for s in sites if s.kind != "college"]
    best = max(stations, key=lambda s: distances[s.index])
    if distances[best.index] < 25.0:
        best = sites[-1]
    return best


class ImpossibleTravel(Scenario):
    """The officer's badge opens the home station, then minutes later a station 25+ km away:
    a shared or cloned card."""

    name = "impossible_travel"
    category = "integrity"
    roles: ClassVar[tuple[Role, ...]] = ("response", "neighbourhood", "detective", "staff")

    def __init__(self, world: World, officer: Officer, day: int, instant: int) -> None:
        super().__init__(world, officer, "shared_badge")
        self.day = day
        self.instant = instant
        self.touch(officer, day)

    @classmethod
    def place(
        cls, world: World, officer: Officer, first: int, rng: random.Random
    ) -> Scenario | None:
        for day in _days(world, first):
            plan = plain_work(world, officer, day)
            if plan and plan.end - plan.start >= 7 * HOUR:
                room = plan.end - plan.start - 6 * HOUR
                return cls(
                    world,
                    officer,
                    day,
                    plan.start + 2 * HOUR + 30 * MINUTE + int(rng.random() * room),
                )
        return None

    def adjust(self, today: Today) -> None:
        today.mode = "station"
        t = self.instant
        today.opts.badge_quiet = (t - 75 * MINUTE, t + 150 * MINUTE)
        today.opts.access_quiet = (t - 40 * MINUTE, t + 40 * MINUTE)
        today.opts.no_imperfections = True

    def act(self, today: Today) -> None:
        emit = self.world.emitter.badge
        home = self.world.force.sites[self.officer.home]
        far = _far_site(self.world, self.officer.home)
        later = self.instant + 4 * MINUTE + int(today.rng.random() * 5 * MINUTE)
        self.evidence = [
            emit(self.officer, self.instant, home, home.zones["station-main"]),
            emit(self.officer, later, far, far.zones["station-main"]),
        ]
        self.window = (self.instant, later)


class AntiPassback(Scenario):
    """A tracked zone left without having been entered, or entered twice without leaving:
    tailgating or a passed-back card."""

    name = "anti_passback"
    category = "integrity"
    roles: ClassVar[tuple[Role, ...]] = ("response", "neighbourhood", "detective")

    def __init__(
        self, world: World, officer: Officer, variant: str, day: int, instant: int
    ) -> None:
        super().__init__(world, officer, variant)
        self.instant = instant
        self.touch(officer, day)

    @classmethod
    def place(
        cls, world: World, officer: Officer, first: int, rng: random.Random
    ) -> Scenario | None:
        variant = "exit_without_entry" if rng.random() < 0.5 else "reentry_without_exit"
        for day in _days(world, first):
            plan = plain_work(world, officer, day)
            if plan and plan.end - plan.start >= 7 * HOUR:
                room = plan.end - plan.start - 4 * HOUR
                return cls(
                    world, officer, variant, day, plan.start + 2 * HOUR + int(rng.random() * room)
                )
        return None

    def adjust(self, today: Today) -> None:
        today.mode = "station"
        today.opts.badge_quiet = (self.instant - 45 * MINUTE, self.instant + 45 * MINUTE)
        today.opts.no_imperfections = True

    def act(self, today: Today) -> None:
        emit = self.world.emitter.badge
        site = self.world.force.sites[self.officer.home]
        zone = site.zones["property-store"]
        t = self.instant
        if self.variant == "exit_without_entry":
            self.evidence = [emit(self.officer, t, site, zone, direction="out")]
            self.window = (t, t)
            return
        again = t + 4 * MINUTE + int(today.rng.random() * 8 * MINUTE)
        self.evidence = [
            emit(self.officer, t, site, zone),
            emit(self.officer, again, site, zone),
        ]
        emit(self.officer, again + 10 * MINUTE, site, zone, direction="out")
        self.window = (t, again)


class ConcurrentPresence(Scenario):
    """The officer's badge is used at another station while look-ups run on their desk
    session at home: two people on one identity."""

    name = "concurrent_presence"
    category = "integrity"
    roles: ClassVar[tuple[Role, ...]] = ("detective", "staff")

    def __init__(self, world: World, officer: Officer, day: int, instant: int, other: int) -> None:
        super().__init__(world, officer, "badge_elsewhere")
        self.instant = instant
        self.other = other
        self.touch(officer, day)

    @classmethod
    def place(
        cls, world: World, officer: Officer, first: int, rng: random.Random
    ) -> Scenario | None:
        distances = world.force.distances[officer.home]
        others = [
            s.index
            for s in world.force.sites
            if s.kind != "college" and 5.0 <= distances[s.index] <= 22.0
        ] or [s.index for s in world.force.sites if s.kind != "college" and s.index != officer.home]
        for day in _days(world, first):
            plan = plain_work(world, officer, day)
            if plan and plan.end - plan.start >= 7 * HOUR:
                room = plan.end - plan.start - 5 * HOUR
                instant = plan.start + 2 * HOUR + 30 * MINUTE + int(rng.random() * room)
                return cls(world, officer, day, instant, others[int(rng.random() * len(others))])
        return None

    def adjust(self, today: Today) -> None:
        today.mode = "station"
        t = self.instant
        today.opts.badge_quiet = (t - 2 * HOUR, t + 2 * HOUR)
        today.opts.access_quiet = (t - 30 * MINUTE, t + 30 * MINUTE)
        today.opts.no_imperfections = True

    def act(self, today: Today) -> None:
        world, officer, rng = self.world, self.officer, today.rng
        site = world.force.sites[self.other]
        t = self.instant
        badge = world.emitter.badge(officer, t, site, site.zones["station-main"])
        opts = DayOptions(lookups=self.evidence)
        home = world.force.sites[officer.home].site_id
        cases = world.behaviour.cases(officer, today.day)
        world.behaviour.lookup(
            officer,
            t - 4 * MINUTE,
            rng,
            workstation=officer.desk,
            site_id=home,
            case=cases[0],
            opts=opts,
        )
        end = world.behaviour.lookup(
            officer,
            t + 3 * MINUTE,
            rng,
            workstation=officer.desk,
            site_id=home,
            case=cases[-1],
            opts=opts,
        )
        self.evidence.insert(0, badge)
        self.window = (t - 4 * MINUTE, end)


class SensitiveRecordAccess(Scenario):
    """A watch-listed record (a VIP, a colleague, a restricted file) searched and viewed with
    no case reference."""

    name = "sensitive_record_access"
    category = "integrity"

    def __init__(
        self, world: World, officer: Officer, variant: str, day: int, *, instant: int, record: str
    ) -> None:
        super().__init__(world, officer, variant)
        self.instant = instant
        self.record = record
        self.touch(officer, day)

    @classmethod
    def place(
        cls, world: World, officer: Officer, first: int, rng: random.Random
    ) -> Scenario | None:
        categories: tuple[WatchCategory, ...] = ("vip", "colleague", "restricted")
        variant = categories[int(rng.random() * 3)]
        for day in _days(world, first):
            plan = plain_work(world, officer, day)
            entries = world.force.watch(variant, day)
            if plan and entries and plan.end - plan.start >= 4 * HOUR:
                instant = plan.start + HOUR + int(rng.random() * (plan.end - plan.start - 2 * HOUR))
                entry = entries[int(rng.random() * len(entries))]
                return cls(world, officer, variant, day, instant=instant, record=entry.record_ref)
        return None

    def adjust(self, today: Today) -> None:
        today.mode = "station"
        today.opts.access_quiet = (self.instant - 5 * MINUTE, self.instant + 10 * MINUTE)

    def act(self, today: Today) -> None:
        world, officer = self.world, self.officer
        workstation, site_id = _desk(world, officer)
        system, record_type = "person-index", "person"
        if self.variant == "restricted":
            system, record_type = "intel-system", "intelligence"
        access = world.emitter.access
        t = self.instant
        viewed = t + 30 + int(today.rng.random() * 90)
        self.evidence = [
            access(
                officer,
                t,
                system=system,
                action="search",
                record_type=record_type,
                workstation=workstation,
                site_id=site_id,
                record_ref=self.record,
                case_ref=None,
                result_count=1 + int(today.rng.random() * 3),
            ),
            access(
                officer,
                viewed,
                system=system,
                action="view",
                record_type=record_type,
                workstation=workstation,
                site_id=site_id,
                record_ref=self.record,
            ),
        ]
        self.window = (t, viewed)


class LookupVolume(Scenario):
    """A look-up spree: ten times the officer's usual daily look-ups, mostly of distinct
    records, within two to three hours of one duty."""

    name = "lookup_volume"
    category = "integrity"

    def __init__(self, world: World, officer: Officer, day: int, first: int, last: int) -> None:
        super().__init__(world, officer, "spree")
        self.first, self.last = first, last
        self.touch(officer, day)

    @classmethod
    def place(
        cls, world: World, officer: Officer, first: int, rng: random.Random
    ) -> Scenario | None:
        for day in _days(world, first):
            plan = plain_work(world, officer, day)
            if plan and plan.end - plan.start >= 7 * HOUR:
                start = plan.start + HOUR + int(rng.random() * (plan.end - plan.start - 4 * HOUR))
                return cls(world, officer, day, start, start + 2 * HOUR + int(rng.random() * HOUR))
        return None

    def adjust(self, today: Today) -> None:
        today.mode = "station"

    def act(self, today: Today) -> None:
        world, officer, rng = self.world, self.officer, today.rng
        behaviour = world.behaviour
        workstation, site_id = _desk(world, officer)
        usual = officer.profile.lookups_per_duty * officer.activity
        count = max(150, round(10 * usual))
        cases = behaviour.cases(officer, today.day)
        opts = DayOptions(lookups=self.evidence)
        step = (self.last - self.first) // count
        end = self.first
        for k in range(count):
            instant = max(self.first + k * step + int(rng.random() * step // 2), end + 5)
            case = (
                cases[int(rng.random() * len(cases))] if rng.random() < officer.case_share else None
            )
            end = behaviour.lookup(
                officer,
                instant,
                rng,
                workstation=workstation,
                site_id=site_id,
                case=case,
                opts=opts,
                record=behaviour.stray_record(rng),
            )
        self.window = (self.first, end)


class UnjustifiedLookups(Scenario):
    """Two weeks in which most of the officer's look-ups cite no case (peers: a tenth to a
    quarter)."""

    name = "unjustified_lookups"
    category = "integrity"
    roles: ClassVar[tuple[Role, ...]] = ("response", "neighbourhood", "detective", "custody")
    span = 14

    @classmethod
    def place(
        cls, world: World, officer: Officer, first: int, rng: random.Random
    ) -> Scenario | None:
        if first + cls.span > world.days:
            first = world.days - cls.span
        if first < 0:
            return None
        days = [d for d in range(first, first + cls.span) if plain_work(world, officer, d)]
        if len(days) < 6:
            return None
        scenario = cls(world, officer, "no_case_refs")
        scenario.touch(officer, *range(first, first + cls.span))
        return scenario

    def adjust(self, today: Today) -> None:
        today.opts.case_share = 0.12
        today.opts.lookups_without_case = self.evidence
        if today.work:
            # The window spans the duties themselves (from the arrival half an hour before):
            # the night shift before the first day and the one begun on the last day run
            # across midnight.
            start, end = today.start - 30 * MINUTE, today.end + today.extension
            if self.window != (0, 0):
                start, end = min(self.window[0], start), max(self.window[1], end)
            self.window = (start, end)


class RosterSelfApproval(Scenario):
    """Overtime claimed and approved by the claimant, or leave booked by the officer for a day
    already past on which they did not turn up."""

    name = "roster_self_approval"
    category = "integrity"

    def __init__(
        self, world: World, officer: Officer, variant: str, day: int, seconds: int = 0
    ) -> None:
        super().__init__(world, officer, variant)
        self.day = day
        self.seconds = seconds
        self.touch(officer, day)

    @classmethod
    def place(
        cls, world: World, officer: Officer, first: int, rng: random.Random
    ) -> Scenario | None:
        variant = "self_approved_overtime" if rng.random() < 0.5 else "backdated_leave"
        for day in _days(world, first):
            plan = plain_work(world, officer, day)
            if not plan:
                continue
            if variant == "backdated_leave" and not world.schedule.ends_overnight(officer, day - 1):
                return cls(world, officer, variant, day)
            seconds = 90 * MINUTE + int(rng.random() * 5) * 15 * MINUTE
            if variant == "self_approved_overtime" and welfare_after(
                world, officer, day, day, changes={day: (plan.start, plan.end + seconds)}
            ):
                return cls(world, officer, variant, day, seconds)
        return None

    def adjust(self, today: Today) -> None:
        if self.variant == "backdated_leave":
            today.work = False
            return
        today.mode = "station"
        today.opts.presence_from = today.end
        today.extension = self.seconds
        today.claim_extension = False

    def act(self, today: Today) -> None:
        world, officer, rng = self.world, self.officer, today.rng
        if self.variant == "backdated_leave":
            day_start = world.clock.at(today.day)
            booked = day_time(world, today.day + 3 + int(rng.random() * 6), 10.0, 16.0, rng)
            self.evidence = [
                world.emitter.roster(
                    officer,
                    booked,
                    "leave_booked",
                    actor=officer,
                    period=(day_start, day_start + 24 * HOUR),
                    reason="ANNUAL",
                )
            ]
            self.window = (day_start, booked)
            return
        start = today.end
        end = start + self.seconds
        filed = end + 10 * MINUTE + int(rng.random() * 3 * HOUR)
        self.evidence = file_overtime(
            world,
            officer,
            (start, end),
            filed=filed,
            rng=rng,
            reason="SHIFT_OVERRUN",
            self_approved=True,
        )
        self.window = (start, end)


class OvertimeOutlier(Scenario):
    """Four weeks of overtime after nearly every duty: 30-40 hours, several times what the
    role's peers claim, all worked and approved."""

    name = "overtime_outlier"
    category = "integrity"
    roles: ClassVar[tuple[Role, ...]] = ("detective", "neighbourhood", "staff")
    span = 28

    def __init__(self, world: World, officer: Officer, extras: dict[int, int]) -> None:
        super().__init__(world, officer, "sustained_overtime")
        self.extras = extras
        self.touch(officer, *extras)
        self.starts: list[int] = []

    @classmethod
    def place(
        cls, world: World, officer: Officer, first: int, rng: random.Random
    ) -> Scenario | None:
        first = max(0, min(first, world.days - cls.span))
        extras: dict[int, int] = {}
        changes: dict[int, tuple[int, int] | None] = {}
        total = 0
        for day in range(first, min(first + cls.span, world.days)):
            plan = plain_work(world, officer, day)
            if not plan:
                continue
            seconds = 2 * HOUR + int(rng.random() * 5) * 15 * MINUTE
            changes[day] = (plan.start, plan.end + seconds)
            if welfare_after(world, officer, first, first + cls.span - 1, changes=changes):
                extras[day] = seconds
                total += seconds
                if total >= 38 * HOUR:
                    break
            else:
                del changes[day]
        if total < 30 * HOUR:
            return None
        return cls(world, officer, extras)

    def adjust(self, today: Today) -> None:
        today.mode = "station"
        today.opts.presence_from = today.end
        today.extension = self.extras[today.day]
        today.claim_extension = False

    def act(self, today: Today) -> None:
        rng = today.rng
        start, end = today.end, today.end + today.extension
        filed = end + 10 * MINUTE + int(rng.random() * 20 * HOUR)
        self.evidence += file_overtime(
            self.world, self.officer, (start, end), filed=filed, rng=rng, reason="SHIFT_OVERRUN"
        )
        self.starts.append(start)
        self.window = (min(self.starts), end)


class DeniedAccessBurst(Scenario):
    """Six to ten denied attempts at a sensitive door within a few minutes."""

    name = "denied_access_burst"
    category = "integrity"

    def __init__(self, world: World, officer: Officer, day: int, instant: int) -> None:
        super().__init__(world, officer, "repeated_denials")
        self.instant = instant
        self.touch(officer, day)

    @classmethod
    def place(
        cls, world: World, officer: Officer, first: int, rng: random.Random
    ) -> Scenario | None:
        for day in _days(world, first):
            plan = plain_work(world, officer, day)
            if plan and plan.end - plan.start >= 6 * HOUR:
                room = plan.end - plan.start - 3 * HOUR
                return cls(world, officer, day, plan.start + 90 * MINUTE + int(rng.random() * room))
        return None

    def adjust(self, today: Today) -> None:
        today.mode = "station"
        today.opts.badge_quiet = (self.instant - 30 * MINUTE, self.instant + 30 * MINUTE)
        today.opts.no_imperfections = True

    def act(self, today: Today) -> None:
        rng = today.rng
        site = self.world.force.sites[self.officer.home]
        allowed = set(self.officer.profile.zones)
        zones = sorted(site.zones.values(), key=lambda z: (z.name in allowed, -z.level))
        zone = zones[0]
        t = self.instant
        for _ in range(6 + int(rng.random() * 5)):
            self.evidence.append(
                self.world.emitter.badge(self.officer, t, site, zone, outcome="denied")
            )
            t += 15 + int(rng.random() * 45)
        self.window = (self.instant, t)


class UnusualDay(Scenario):
    """A day unlike the officer's and their peers': a system the role never uses, a run of
    exports and prints, and trips into the property store, all within the duty."""

    name = "unusual_day"
    category = "integrity"

    def __init__(self, world: World, officer: Officer, day: int) -> None:
        super().__init__(world, officer, "bulk_export")
        self.touch(officer, day)

    @classmethod
    def place(
        cls, world: World, officer: Officer, first: int, rng: random.Random
    ) -> Scenario | None:
        for day in _days(world, first):
            plan = plain_work(world, officer, day)
            if plan and plan.end - plan.start >= 7 * HOUR:
                return cls(world, officer, day)
        return None

    def adjust(self, today: Today) -> None:
        today.mode = "station"
        today.opts.lookup_factor = 0.5
        # Keeps a patrol's custody-suite trip away from the desk work below.
        today.opts.badge_quiet = (today.start + HOUR, today.end)

    def act(self, today: Today) -> None:
        world, officer, rng = self.world, self.officer, today.rng
        used = {s[0] for s in officer.profile.systems}
        unusual = next(
            s
            for s in (
                ("intel-system", "intelligence"),
                ("custody-system", "custody"),
                ("vehicle-index", "vehicle"),
                ("crime-system", "crime"),
            )
            if s[0] not in used
        )
        site = world.force.sites[officer.home]
        access = world.emitter.access
        cases = world.behaviour.cases(officer, today.day)
        t = today.start + 90 * MINUTE + int(rng.random() * HOUR)
        first = t
        searches = max(5, round(0.8 * officer.profile.lookups_per_duty * officer.activity))
        for k in range(searches):
            case = cases[k % len(cases)]
            case_ref = case.ref
            record = case.records[k % len(case.records)]
            self.evidence.append(
                access(
                    officer,
                    t,
                    system=unusual[0],
                    action="search",
                    record_type=unusual[1],
                    workstation=officer.desk,
                    site_id=site.site_id,
                    record_ref=record,
                    case_ref=case_ref,
                    result_count=20 + int(rng.random() * 60),
                )
            )
            t += 40 + int(rng.random() * 60)
            self.evidence.append(
                access(
                    officer,
                    t,
                    system=unusual[0],
                    action="export",
                    record_type=unusual[1],
                    workstation=officer.desk,
                    site_id=site.site_id,
                    record_ref=record,
                    case_ref=case_ref,
                )
            )
            if k % 2 == 0:
                t += 30 + int(rng.random() * 60)
                self.evidence.append(
                    access(
                        officer,
                        t,
                        system=unusual[0],
                        action="print",
                        record_type=unusual[1],
                        workstation=officer.desk,
                        site_id=site.site_id,
                        record_ref=record,
                        case_ref=case_ref,
                    )
                )
            t += 3 * MINUTE + int(rng.random() * 5 * MINUTE)
        emit = world.emitter.badge
        store = site.zones["property-store"]
        for _ in range(3):
            t += 5 * MINUTE + int(rng.random() * 10 * MINUTE)
            self.evidence.append(emit(officer, t, site, store))
            t += 4 * MINUTE + int(rng.random() * 6 * MINUTE)
            self.evidence.append(emit(officer, t, site, store, direction="out"))
        self.window = (first, t)


INTEGRITY: tuple[type[Scenario], ...] = (
    BadgeWhileAbsent,
    AccessWhileOffDuty,
    OvertimeWithoutPresence,
    ImpossibleTravel,
    AntiPassback,
    ConcurrentPresence,
    SensitiveRecordAccess,
    LookupVolume,
    UnjustifiedLookups,
    RosterSelfApproval,
    OvertimeOutlier,
    DeniedAccessBurst,
    UnusualDay,
)

__all__ = ["INTEGRITY", "round_hours"]
