"""Injected welfare scenarios: too little rest, too many hours, rest days taken away, and
frequent short sickness. They are things that happen to an officer, not things they do, and
their evidence is the roster changes that show them.
"""

from __future__ import annotations

import itertools
import random
from typing import Any

from streams.simulator.force import Officer
from streams.simulator.rosters import MIN_REST, longest_week, welfare_ok
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
    report_sickness,
    round_hours,
    welfare_after,
    worked,
)

_SEARCH = 21
_SHORT_REST = 8 * HOUR  # a "quick change-over" well under the 11-hour daily rest


def _announce_change(
    world: World,
    officer: Officer,
    change: str,
    period: tuple[int, int],
    *,
    rng: random.Random,
    reason: str,
) -> str:
    """A supervisor's change entered a few days before the duty it creates or moves."""
    day = world.clock.day_of(period[0]) - 2 - int(rng.random() * 4)
    instant = day_time(world, day, 9.0, 17.0, rng)
    supervisor = world.force.approver(officer)
    return world.emitter.roster(
        officer,
        instant,
        change,
        actor=supervisor,
        period=period,
        hours=round_hours(period[1] - period[0]),
        reason=reason,
    )


class InsufficientRest(Scenario):
    """A quick change-over: a duty moved so that only eight hours separate it from the one
    before."""

    name = "insufficient_rest"
    category = "welfare"
    span = 2

    def __init__(
        self,
        world: World,
        officer: Officer,
        variant: str,
        day: int,
        *,
        moved: int,
        interval: tuple[int, int],
        rest: tuple[int, int],
    ) -> None:
        super().__init__(world, officer, variant)
        self.moved = moved
        self.interval = interval
        self.window = rest
        self.kept_plan: str | None = None
        self.change: str | None = None
        self.touch(officer, day, day + 1)
        self.kept = day + 1 if moved == day else day

    @classmethod
    def place(
        cls, world: World, officer: Officer, first: int, rng: random.Random
    ) -> Scenario | None:
        for day in range(max(first, 0), min(first + _SEARCH, world.days - 1)):
            a = plain_work(world, officer, day)
            b = plain_work(world, officer, day + 1)
            if not (a and b):
                continue
            before = worked(world, officer, day - 8, day - 1)
            after = worked(world, officer, day + 2, day + 9)
            # Either the second duty comes forward, or the first one goes later.
            start = a.end + _SHORT_REST
            # An early start, not one in the small hours of the day.
            if world.clock.at(day + 1, 5 * HOUR) <= start < b.start:
                moved_b = (start, start + b.end - b.start)
                if cls._fits([*before, (a.start, a.end)], [moved_b, *after]):
                    return cls(
                        world,
                        officer,
                        "earlier_start",
                        day,
                        moved=day + 1,
                        interval=moved_b,
                        rest=(a.end, start),
                    )
            end = b.start - _SHORT_REST
            # A duty is generated on the day it starts: it may move later, not into yesterday.
            if end > a.end and end - (a.end - a.start) >= world.clock.at(day, HOUR):
                moved_a = (end - (a.end - a.start), end)
                if cls._fits([*before, moved_a], [(b.start, b.end), *after]):
                    return cls(
                        world,
                        officer,
                        "later_finish",
                        day,
                        moved=day,
                        interval=moved_a,
                        rest=(end, b.start),
                    )
        return None

    @staticmethod
    def _fits(before: list[tuple[int, int]], after: list[tuple[int, int]]) -> bool:
        # Only the intended change-over may be short; nothing else may break a rule.
        return (
            welfare_ok(before)
            and welfare_ok(after)
            and longest_week(before + after) <= 57 * HOUR
            and max(e - s for s, e in before + after) <= 12 * HOUR + 45 * MINUTE
        )

    def announce(self) -> None:
        rng = self.stream(self.moved)
        self.change = _announce_change(
            self.world,
            self.officer,
            "duty_changed",
            self.interval,
            rng=rng,
            reason="OPS_REQUIREMENT",
        )

    def on_planned(self, officer: Officer, day: int, event_id: str, change_type: str) -> None:
        if day == self.kept and change_type == "shift_planned":
            self.kept_plan = event_id

    def adjust(self, today: Today) -> None:
        today.mode = "station"
        if today.day == self.moved:
            today.start, today.end = self.interval

    def labels(self) -> list[dict[str, Any]]:
        self.evidence = [e for e in (self.kept_plan, self.change) if e is not None]
        return super().labels()


class ExcessiveHours(Scenario):
    """A shift run on to 14 hours and more, or (response) a week of overtime after late and
    night shifts that passes 60 hours."""

    name = "excessive_hours"
    category = "welfare"
    span = 6

    def __init__(
        self, world: World, officer: Officer, variant: str, extras: dict[int, int]
    ) -> None:
        super().__init__(world, officer, variant)
        self.extras = extras
        self.touch(officer, *extras)
        self.plans: list[str] = []
        self.claims: list[str] = []
        self.bounds: list[int] = []

    @classmethod
    def place(
        cls, world: World, officer: Officer, first: int, rng: random.Random
    ) -> Scenario | None:
        if officer.role == "response" and rng.random() < 0.5:
            found = cls._long_week(world, officer, first)
            if found is not None:
                return found
        for day in range(max(first, 0), min(first + _SEARCH, world.days)):
            plan = plain_work(world, officer, day)
            if not plan:
                continue
            total = 14 * HOUR + int(rng.random() * 3) * 30 * MINUTE
            extra = total - (plan.end - plan.start)
            if extra < 2 * HOUR:
                continue
            before = worked(world, officer, day - 8, day - 1)
            after = worked(world, officer, day + 1, day + 9)
            shift = (plan.start, plan.start + total)
            spells = sorted([*before, shift, *after])
            rests = [b[0] - a[1] for a, b in itertools.pairwise(spells)]
            if (
                welfare_ok(before)
                and welfare_ok(after)
                and min(rests) >= MIN_REST
                and longest_week(spells) <= 57 * HOUR
            ):
                return cls(world, officer, "long_shift", {day: extra})
        return None

    @classmethod
    def _long_week(cls, world: World, officer: Officer, first: int) -> Scenario | None:
        # Response's 2 earlies, 2 lates, 2 nights already make 54 hours in 6 days; overtime
        # after the second late and both nights takes it past 60 without a short rest.
        codes = "EELLNN"
        for day in range(max(first, 0), min(first + _SEARCH, world.days - 6)):
            plans = [plain_work(world, officer, day + k) for k in range(6)]
            if any(p is None or p.code != c for p, c in zip(plans, codes, strict=True)):
                continue
            extras = {day + 3: 3 * HOUR + 30 * MINUTE, day + 4: 3 * HOUR, day + 5: 3 * HOUR}
            changes: dict[int, tuple[int, int] | None] = {}
            for k, p in enumerate(plans):
                assert p is not None
                changes[day + k] = (p.start, p.end + extras.get(day + k, 0))
            intervals = worked(world, officer, day - 8, day + 14, changes=changes)
            spells = sorted(intervals)
            rests = [b[0] - a[1] for a, b in itertools.pairwise(spells)]
            if min(rests) >= MIN_REST and longest_week(spells) > 62 * HOUR:
                return cls(
                    world, officer, "long_week", {d: extras.get(d, 0) for d in range(day, day + 6)}
                )
        return None

    def on_planned(self, officer: Officer, day: int, event_id: str, change_type: str) -> None:
        if change_type == "shift_planned":
            self.plans.append(event_id)

    def adjust(self, today: Today) -> None:
        today.mode = "station"
        seconds = self.extras[today.day]
        if seconds:
            today.opts.presence_from = today.end
            today.extension = seconds
            today.claim_extension = False

    def act(self, today: Today) -> None:
        rng = today.rng
        self.bounds += [today.start, today.end + today.extension]
        if not today.extension:
            return
        start, end = today.end, today.end + today.extension
        filed = end + 30 * MINUTE + int(rng.random() * 10 * HOUR)
        self.claims += file_overtime(
            self.world, self.officer, (start, end), filed=filed, rng=rng, reason="SHIFT_OVERRUN"
        )

    def labels(self) -> list[dict[str, Any]]:
        self.evidence = self.plans + self.claims
        self.window = (min(self.bounds), max(self.bounds))
        return super().labels()


class RestDaysCancelled(Scenario):
    """Three or four rest days in four weeks cancelled at a few days' notice."""

    name = "rest_days_cancelled"
    category = "welfare"
    span = 28

    def __init__(self, world: World, officer: Officer, duties: dict[int, tuple[int, int]]) -> None:
        super().__init__(world, officer, "short_notice")
        self.duties = duties
        self.touch(officer, *duties)
        starts = [d[0] for d in duties.values()]
        self.window = (min(starts), max(d[1] for d in duties.values()))

    @classmethod
    def place(
        cls, world: World, officer: Officer, first: int, rng: random.Random
    ) -> Scenario | None:
        first = max(0, min(first, world.days - cls.span))
        shift = world.schedule.rest_day_shift(officer)
        duties: dict[int, tuple[int, int]] = {}
        changes: dict[int, tuple[int, int] | None] = {}
        days = list(range(first, min(first + cls.span, world.days)))
        offset = int(rng.random() * len(days)) if days else 0
        for k in range(len(days)):
            day = days[(offset + k) % len(days)]
            if not plain_rest(world, officer, day) or any(abs(day - d) < 2 for d in duties):
                continue
            start = world.clock.at(day, shift.start * MINUTE)
            changes[day] = (start, start + shift.length * MINUTE)
            if welfare_after(world, officer, min(days), max(days), changes=changes):
                duties[day] = (start, start + shift.length * MINUTE)
                if len(duties) == 4:
                    break
            else:
                del changes[day]
        if len(duties) < 3:
            return None
        return cls(world, officer, duties)

    def announce(self) -> None:
        rng = self.stream(min(self.duties))
        for day in sorted(self.duties):
            self.evidence.append(
                _announce_change(
                    self.world,
                    self.officer,
                    "rest_day_worked",
                    self.duties[day],
                    rng=rng,
                    reason="OPS_REQUIREMENT",
                )
            )

    def adjust(self, today: Today) -> None:
        today.work = True
        today.mode = "station"
        today.start, today.end = self.duties[today.day]
        today.site = self.officer.home


class SicknessPattern(Scenario):
    """Six short spells of sickness a week or so apart: a Bradford factor (spells squared
    times days) of 200 or more where the force's norm is under 50."""

    name = "sickness_pattern"
    category = "welfare"
    span = 56

    def __init__(self, world: World, officer: Officer, spells: list[tuple[int, int]]) -> None:
        super().__init__(world, officer, "frequent_short_spells")
        self.spells = spells
        for start, length in spells:
            self.touch(officer, *range(start, start + length))
        clock = world.clock
        last = spells[-1]
        self.window = (clock.at(spells[0][0]), clock.at(last[0] + last[1]))

    @classmethod
    def place(
        cls, world: World, officer: Officer, first: int, rng: random.Random
    ) -> Scenario | None:
        spells: list[tuple[int, int]] = []
        day = max(first, 0)
        while len(spells) < 6 and day < world.days - 2:
            length = 1 + int(rng.random() < 0.5)
            days = range(day, day + length)
            if (
                world.schedule.ends_overnight(officer, day - 1)
                or any(on_leave(world, officer, d) for d in days)
                or world.schedule.sick_spell(officer, day) is not None
            ):
                day += 1
                continue
            spells.append((day, length))
            day += length + 4 + int(rng.random() * 5)
        if len(spells) < 6 or spells[-1][0] - spells[0][0] > cls.span:
            return None
        return cls(world, officer, spells)

    def adjust(self, today: Today) -> None:
        today.work = False

    def act(self, today: Today) -> None:
        for start, length in self.spells:
            if start == today.day:
                self.evidence += report_sickness(self.world, self.officer, start, length, today.rng)


WELFARE: tuple[type[Scenario], ...] = (
    InsufficientRest,
    ExcessiveHours,
    RestDaysCancelled,
    SicknessPattern,
)

__all__ = ["WELFARE"]
