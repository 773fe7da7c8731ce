"""Benign look-alikes: legitimate behaviour that resembles a detector's target and that a good
detector must leave alone. Each label names the detector it resembles in ``resembles``.
"""

from __future__ import annotations

import random
from typing import Any, ClassVar

from streams.simulator.force import Officer, Role
from streams.simulator.scenarios import (
    HOUR,
    MINUTE,
    Scenario,
    Today,
    World,
    day_time,
    file_overtime,
    plain_rest,
    plain_work,
    planned,
    round_hours,
    welfare_after,
)

_SEARCH = 21


class ApprovedOvertime(Scenario):
    """Overtime on a rest day for a planned operation, approved ahead and worked in full:
    the claim is backed by badge and system activity."""

    name = "benign_approved_overtime"
    category = "integrity"
    benign = True
    resembles = "overtime_without_presence"

    def __init__(self, world: World, officer: Officer, day: int, period: tuple[int, int]) -> None:
        super().__init__(world, officer, "planned_operation")
        self.period = period
        self.window = period
        self.touch(officer, day)
        self.first_badge: list[str] = []

    @classmethod
    def place(
        cls, world: World, officer: Officer, first: int, rng: random.Random
    ) -> Scenario | None:
        for day in range(max(first, 0), min(first + _SEARCH, world.days)):
            if not plain_rest(world, officer, day):
                continue
            start = day_time(world, day, 9.0, 12.0, rng) // 900 * 900
            period = (start, start + 4 * HOUR + int(rng.random() * 5) * 30 * MINUTE)
            if welfare_after(world, officer, day, day, extra=[period]):
                return cls(world, officer, day, period)
        return None

    def announce(self) -> None:
        rng = self.stream(self.period[0])
        manager = self.world.force.approver(self.officer)
        day = self.world.clock.day_of(self.period[0]) - 3 - int(rng.random() * 7)
        when = day_time(self.world, day, 9.0, 17.0, rng)
        self.evidence.append(
            self.world.emitter.roster(
                self.officer,
                when,
                "overtime_approved",
                actor=manager,
                period=self.period,
                hours=round_hours(self.period[1] - self.period[0]),
                approver=manager,
                reason="OPS",
            )
        )

    def adjust(self, today: Today) -> None:
        today.work = True
        today.mode = "station"
        today.start, today.end = self.period
        today.site = self.officer.home
        today.opts.presence_from = self.period[0]
        today.opts.badges = self.first_badge

    def act(self, today: Today) -> None:
        rng = today.rng
        filed = self.period[1] + 30 * MINUTE + int(rng.random() * 20 * HOUR)
        self.evidence += file_overtime(
            self.world,
            self.officer,
            self.period,
            filed=filed,
            rng=rng,
            reason="OPS",
            approved=False,
        )
        self.evidence += self.first_badge[:2]


class OncallCallout(Scenario):
    """A detective on call for the weekend is called in at night: badge, log-in and look-ups
    at the station, then a call-out claim approved on Monday."""

    name = "benign_oncall_callout"
    category = "integrity"
    benign = True
    resembles = "access_while_off_duty"
    roles: ClassVar[tuple[Role, ...]] = ("detective",)
    span = 3

    def __init__(
        self, world: World, officer: Officer, friday: int, period: tuple[int, int]
    ) -> None:
        super().__init__(world, officer, "night_callout")
        self.friday = friday
        self.period = period
        self.window = period
        self.touch(officer, friday, friday + 1, friday + 2)
        self.seen: list[str] = []

    @classmethod
    def place(
        cls, world: World, officer: Officer, first: int, rng: random.Random
    ) -> Scenario | None:
        for day in range(max(first, 0), min(first + 28, world.days - 3)):
            if world.schedule.oncall(officer, day) is None:
                continue
            if not (plain_rest(world, officer, day + 1) and plain_rest(world, officer, day + 2)):
                continue
            # Saturday night, so the call-out ends over a day before Monday's duty.
            start = day_time(world, day + 1, 22.5, 23.75, rng)
            length = 2 * HOUR + int(rng.random() * 4) * 30 * MINUTE
            return cls(world, officer, day, (start, start + length))
        return None

    def on_planned(self, officer: Officer, day: int, event_id: str, change_type: str) -> None:
        if day == self.friday and change_type == "duty_changed":
            self.evidence.insert(0, event_id)

    def adjust(self, today: Today) -> None:
        if today.day != self.world.clock.day_of(self.period[0]):
            return
        today.work = True
        today.mode = "callout"
        today.start, today.end = self.period
        today.site = self.officer.home
        today.opts.presence_from = self.period[0]
        today.opts.case_share = 1.0
        today.opts.lookup_factor = 0.3
        today.opts.badges = self.seen

    def act(self, today: Today) -> None:
        if today.day != self.world.clock.day_of(self.period[0]):
            return
        rng = today.rng
        filed = self.period[1] + 10 * MINUTE + int(rng.random() * 30 * MINUTE)
        monday_morning = day_time(self.world, self.friday + 3, 9.0, 12.0, rng)
        claim = self.world.emitter.roster(
            self.officer,
            filed,
            "overtime_claimed",
            actor=self.officer,
            period=self.period,
            hours=round_hours(self.period[1] - self.period[0]),
            reason="CALLOUT",
        )
        manager = self.world.force.approver(self.officer)
        approval = self.world.emitter.roster(
            self.officer,
            monday_morning,
            "overtime_approved",
            actor=manager,
            period=self.period,
            hours=round_hours(self.period[1] - self.period[0]),
            approver=manager,
            reason="CALLOUT",
        )
        self.evidence += [*self.seen[:2], claim, approval]


class AgreedSwap(Scenario):
    """Two officers of one unit swap a shift each, both asking and the manager approving: each
    works a day that was a rest day when the roster was planned."""

    name = "benign_agreed_swap"
    category = "integrity"
    benign = True
    resembles = "badge_while_absent"
    roles: ClassVar[tuple[Role, ...]] = ("response", "neighbourhood", "custody")
    span = 7

    def __init__(self, world: World, officer: Officer, partner: Officer, x: int, y: int) -> None:
        super().__init__(world, officer, "shift_swap")
        self.partner = partner
        self.x, self.y = x, y
        a_y = planned(world, officer, y)
        b_x = planned(world, partner, x)
        self.takes = {
            officer.index: (x, (b_x.start, b_x.end)),
            partner.index: (y, (a_y.start, a_y.end)),
        }
        self.gives = {
            officer.index: (y, (a_y.start, a_y.end)),
            partner.index: (x, (b_x.start, b_x.end)),
        }
        self.touch(officer, x, y)
        self.touch(partner, x, y)
        self.proof: dict[int, list[str]] = {officer.index: [], partner.index: []}
        self.seen: dict[int, list[str]] = {officer.index: [], partner.index: []}

    @classmethod
    def place(
        cls, world: World, officer: Officer, first: int, rng: random.Random
    ) -> Scenario | None:
        mates = [
            o
            for o in world.force.officers
            if o.unit_id == officer.unit_id and o.team != officer.team and o.index != officer.index
        ]
        if not mates:
            return None
        rng.shuffle(mates)
        for x in range(max(first, 0), min(first + _SEARCH, world.days - 6)):
            if not plain_rest(world, officer, x):
                continue
            for partner in mates[:6]:
                b_x = plain_work(world, partner, x)
                if b_x is None:
                    continue
                for y in range(x + 1, x + 6):
                    a_y = plain_work(world, officer, y)
                    if a_y is None or not plain_rest(world, partner, y):
                        continue
                    if cls._fair(world, officer, x, y, (b_x.start, b_x.end)) and cls._fair(
                        world, partner, y, x, (a_y.start, a_y.end)
                    ):
                        return cls(world, officer, partner, x, y)
        return None

    @staticmethod
    def _fair(world: World, who: Officer, takes: int, gives: int, duty: tuple[int, int]) -> bool:
        return welfare_after(
            world, who, min(takes, gives), max(takes, gives), changes={takes: duty, gives: None}
        )

    @property
    def partners(self) -> tuple[Officer, Officer]:
        return self.officer, self.partner

    def announce(self) -> None:
        rng = self.stream(self.x)
        day = self.x - 3 - int(rng.random() * 7)
        for who, other in (self.partners, self.partners[::-1]):
            when = day_time(self.world, day, 9.0, 20.0, rng)
            manager = self.world.force.approver(who)
            took = self.takes[who.index][1]
            gave = self.gives[who.index][1]
            emitter = self.world.emitter
            self.proof[who.index] += [
                emitter.roster(
                    who,
                    when,
                    "shift_swapped",
                    actor=who,
                    period=took,
                    hours=round_hours(took[1] - took[0]),
                    approver=manager,
                    counterpart=other,
                    reason="SWAP",
                ),
                emitter.roster(
                    who,
                    when + 60,
                    "shift_cancelled",
                    actor=who,
                    period=gave,
                    hours=round_hours(gave[1] - gave[0]),
                    approver=manager,
                    counterpart=other,
                    reason="SWAP",
                ),
            ]

    def adjust(self, today: Today) -> None:
        who = today.officer.index
        day, duty = self.takes[who]
        if today.day == day:
            today.work = True
            today.mode = "station"
            today.start, today.end = duty
            today.site = today.officer.home
            today.opts.badges = self.seen[who]
        else:
            today.work = False

    def act(self, today: Today) -> None:
        who = today.officer.index
        if today.day == self.takes[who][0]:
            self.proof[who] += self.seen[who][:2]

    def labels(self) -> list[dict[str, Any]]:
        out = []
        for who, part in zip(self.partners, "ab", strict=True):
            took = self.takes[who.index][1]
            gave = self.gives[who.index][1]
            window = (min(took[0], gave[0]), max(took[1], gave[1]))
            record = self.label(who, self.proof[who.index], window, part)
            other = self.partner if who is self.officer else self.officer
            record["counterpart_id"] = other.officer_id
            out.append(record)
        return out


class FarTraining(Scenario):
    """A training day at the college 80-odd km away: the officer badges in at the home
    station early, then at the college a realistic drive later."""

    name = "benign_far_training"
    category = "integrity"
    benign = True
    resembles = "impossible_travel"

    def __init__(self, world: World, officer: Officer, day: int, course: tuple[int, int]) -> None:
        super().__init__(world, officer, "college_course")
        self.course = course
        self.touch(officer, day)
        self.college_badges: list[str] = []

    @classmethod
    def place(
        cls, world: World, officer: Officer, first: int, rng: random.Random
    ) -> Scenario | None:
        for day in range(max(first, 0), min(first + _SEARCH, world.days)):
            plan = plain_work(world, officer, day)
            if plan is None or plan.code not in ("E", "O", "D"):
                continue
            course = (
                world.clock.at(day, 9 * HOUR + 30 * MINUTE),
                world.clock.at(day, 16 * HOUR + 30 * MINUTE),
            )
            # Counted from the early badge at home, the working day runs 07:00 to 16:30.
            span = (course[0] - 3 * HOUR, course[1])
            if welfare_after(world, officer, day, day, changes={day: span}):
                return cls(world, officer, day, course)
        return None

    def announce(self) -> None:
        rng = self.stream(self.course[0])
        supervisor = self.world.force.approver(self.officer)
        day = self.world.clock.day_of(self.course[0]) - 5 - int(rng.random() * 15)
        when = day_time(self.world, day, 9.0, 17.0, rng)
        self.evidence.append(
            self.world.emitter.roster(
                self.officer,
                when,
                "duty_changed",
                actor=supervisor,
                period=self.course,
                hours=round_hours(self.course[1] - self.course[0]),
                reason="TRAINING",
            )
        )

    def adjust(self, today: Today) -> None:
        today.work = True
        today.mode = "training"
        today.start, today.end = self.course
        today.site = len(self.world.force.sites) - 1
        today.opts.badges = self.college_badges
        today.opts.no_imperfections = True

    def act(self, today: Today) -> None:
        world, officer, rng = self.world, self.officer, today.rng
        college = world.force.sites[-1]
        home = world.force.sites[officer.home]
        distance = world.force.distances[home.index][college.index]
        arrival = today.start - 5 * MINUTE - int(rng.random() * 15 * MINUTE)
        # At about 60 km/h, plus time to collect kit at the station.
        drive = int(distance / 60.0 * HOUR) + 10 * MINUTE + int(rng.random() * 15 * MINUTE)
        left = arrival - drive - 10 * MINUTE
        home_badge = world.emitter.badge(officer, left, home, home.zones["station-main"])
        # A training duty badges [car park], main entrance, training block: the main entrance
        # is the one a travel check compares with the home station.
        self.evidence += [home_badge, self.college_badges[-2]]
        self.window = (left, arrival)


class BusyDetective(Scenario):
    """A detective's heavy day on live cases: two and a half to three times the usual
    look-ups, every one under a case reference."""

    name = "benign_busy_detective"
    category = "integrity"
    benign = True
    resembles = "lookup_volume"
    roles: ClassVar[tuple[Role, ...]] = ("detective",)

    def __init__(self, world: World, officer: Officer, day: int) -> None:
        super().__init__(world, officer, "case_workload")
        self.touch(officer, day)
        self.factor = 2.5

    @classmethod
    def place(
        cls, world: World, officer: Officer, first: int, rng: random.Random
    ) -> Scenario | None:
        for day in range(max(first, 0), min(first + _SEARCH, world.days)):
            plan = plain_work(world, officer, day)
            if plan is not None:
                scenario = cls(world, officer, day)
                scenario.factor = 2.5 + rng.random() * 0.5
                return scenario
        return None

    def adjust(self, today: Today) -> None:
        today.mode = "station"
        today.opts.lookup_factor = self.factor
        today.opts.case_share = 1.0
        today.opts.lookups = self.evidence
        self.window = (today.start, today.end)


BENIGN: tuple[type[Scenario], ...] = (
    ApprovedOvertime,
    OncallCallout,
    AgreedSwap,
    FarTraining,
    BusyDetective,
)

__all__ = ["BENIGN"]
