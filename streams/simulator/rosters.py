"""Rosters as pure functions of (officer, day): shift patterns, leave, sickness, training.

Nothing here is stored per day: what an officer is planned to do on a day is recomputed from
the seed whenever it is needed, from small per-officer, per-28-day-block draws kept in a cache
that forgets blocks behind the generator. That is what lets the roster be announced weeks ahead
(``shift_planned`` events) while memory stays bounded however many days are simulated.

The background force never breaks the welfare rules on its own: patterns leave at least 11
hours between duties (the daily rest of the Working Time Regulations 1998), no week reaches 60
hours and no shift 13; background rest days worked and overtime are only placed where
:func:`welfare_ok` allows. Only labelled scenarios break them.

Examples
--------
>>> from datetime import date
>>> from streams.simulator.clock import Clock
>>> from streams.simulator.force import build_force
>>> force = build_force(60, seed=1)
>>> schedule = Schedule(force, Clock(date(2026, 3, 2)), seed=1, days=28)
>>> officer = force.officers[7]
>>> officer.role, "".join((s.code if s else "-") for s in
...                         (schedule.pattern(officer, day) for day in range(10)))
('response', 'NN----EELL')
>>> schedule.planned(officer, 0).state in (WORK, LEAVE)
True
>>> welfare_ok([(0, 9 * 3600), (22 * 3600, 31 * 3600)])
True
>>> welfare_ok([(0, 9 * 3600), (17 * 3600, 26 * 3600)])
False
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, NamedTuple

from streams.simulator.clock import DAY, HOUR, MINUTE, Clock
from streams.simulator.force import Force, Officer, Role
from streams.simulator.randomness import derive, substream, tag

WORK: Final = 0
REST: Final = 1
LEAVE: Final = 2

BLOCK: Final = 28  # days per planning block: leave, training and rest days worked
# Guard values of the welfare rules the background keeps to, with a margin so that a little
# lateness on the day never tips an unlabelled officer over a detector's threshold.
MIN_REST: Final = 12 * HOUR  # the rule is 11 hours
MAX_WEEK: Final = 57 * HOUR  # the rule is 60 hours in any 7 days
MAX_SHIFT: Final = 12 * HOUR + 45 * MINUTE  # the rule is 13 hours


@dataclass(frozen=True, slots=True)
class Shift:
    code: str
    start: int  # minutes after midnight
    length: int  # minutes


_E9, _L9, _N9 = Shift("E", 7 * 60, 540), Shift("L", 14 * 60, 540), Shift("N", 22 * 60, 540)
_E8, _L8 = Shift("E", 8 * 60, 480), Shift("L", 14 * 60, 480)
_D12, _N12 = Shift("D", 7 * 60, 720), Shift("N", 19 * 60, 720)

# Rotations, one entry per day of the cycle (None = rest day); a team starts the cycle at an
# offset so that the unit covers every day. Response: 2 earlies, 2 lates, 2 nights, 4 rest
# days of 9-hour shifts; neighbourhood: 3 earlies, 2 lates of 8 hours, 2 rest days; custody:
# 2 days, 2 nights of 12 hours, 4 rest days. Office roles work weekdays instead.
PATTERNS: Final[dict[Role, tuple[Shift | None, ...]]] = {
    "response": (_E9, _E9, _L9, _L9, _N9, _N9, None, None, None, None),
    "neighbourhood": (_E8, _E8, _E8, _L8, _L8, None, None),
    "custody": (_D12, _D12, _N12, _N12, None, None, None, None),
}
OFFICE_LENGTH: Final = 480
TRAINING: Final = Shift("T", 9 * 60, 480)
# Routine courses run at headquarters (the first site); the far college is kept for the
# labelled benign_far_training scenario.
_HQ: Final = 0


@dataclass(frozen=True, slots=True)
class Planned:
    """What the roster says an officer does on a day."""

    state: int  # WORK, REST or LEAVE
    code: str  # pattern code: E, L, N, D, O (office), T (training), R (rest day worked)
    start: int  # epoch seconds; 0 when not working
    end: int
    site: int  # site index of the duty


class DayDraws(NamedTuple):
    """Uniform draws in [0, 1) for one officer-day (see :meth:`Schedule.draws`)."""

    plan_lead: float
    planner: float
    cancel: float
    move: float
    wfh: float
    late: float
    extension: float
    entry_time: float


_DRAWS_A: Final = tag("day-draws-a")
_DRAWS_B: Final = tag("day-draws-b")


@dataclass(frozen=True, slots=True)
class BlockPlan:
    """One officer's draws for one 28-day block, in simulation days."""

    leave: tuple[int, int] | None  # first day, number of days
    leave_cancelled: bool
    leave_lead: int  # days between booking and the first day of leave
    cancel_lead: int
    sick: tuple[int, int] | None
    training: int | None
    rest_worked: int | None


_EMPTY: Final = BlockPlan(None, False, 0, 0, None, None, None)


def welfare_ok(intervals: list[tuple[int, int]]) -> bool:
    """Whether worked intervals (epoch seconds) keep the background's welfare margins.

    Adjacent intervals (overtime straight after a shift) count as one spell of work.
    """
    spells: list[list[int]] = []
    for start, end in sorted(intervals):
        if spells and start <= spells[-1][1] + 30 * MINUTE:
            spells[-1][1] = max(spells[-1][1], end)
        else:
            spells.append([start, end])
    for i, (start, end) in enumerate(spells):
        if end - start > MAX_SHIFT:
            return False
        if i and start - spells[i - 1][1] < MIN_REST:
            return False
    return longest_week(intervals) <= MAX_WEEK


def longest_week(intervals: list[tuple[int, int]]) -> int:
    """The most seconds worked in any 7 days, of non-overlapping intervals (windows starting
    at a duty's start).

    >>> longest_week([(0, 10), (7 * 86400 - 5, 7 * 86400 + 5), (8 * 86400, 8 * 86400 + 3)])
    15
    """
    ordered = sorted(intervals)
    best = 0
    total = 0  # whole intervals from index ``i`` up to (not including) ``j``
    j = 0
    for i, (start, _) in enumerate(ordered):
        window_end = start + 7 * DAY
        while j < len(ordered) and ordered[j][1] <= window_end:
            total += ordered[j][1] - ordered[j][0]
            j += 1
        if j < i:
            j, total = i, 0
        partial = max(0, window_end - ordered[j][0]) if j < len(ordered) else 0
        best = max(best, total + partial)
        total -= ordered[i][1] - ordered[i][0] if j > i else 0
    return best


class Schedule:
    """The background roster of every officer, computed on demand."""

    def __init__(self, force: Force, clock: Clock, seed: int, days: int) -> None:
        self.force = force
        self.clock = clock
        self.seed = seed
        self.days = days
        self._blocks: dict[tuple[int, int], BlockPlan] = {}
        self._draws: dict[tuple[int, int], DayDraws] = {}
        self._planned: dict[tuple[int, int], Planned] = {}

    # -- patterns ---------------------------------------------------------------------------

    def pattern(self, officer: Officer, day: int) -> Shift | None:
        """The rotation or office shift on ``day``, ignoring leave and training."""
        cycle = PATTERNS.get(officer.role)
        absolute = self.clock.epoch_day + day
        if cycle is None:
            if self.clock.weekday(day) >= 5:
                return None
            return Shift("O", officer.office_start, OFFICE_LENGTH)
        n = len(cycle)
        teams = max(1, officer.profile.teams)
        return cycle[(absolute + officer.team * (n // teams)) % n]

    def pattern_interval(self, officer: Officer, day: int) -> tuple[int, int] | None:
        shift = self.pattern(officer, day)
        if shift is None:
            return None
        start = self.clock.at(day, shift.start * MINUTE)
        return start, start + shift.length * MINUTE

    def rest_day_shift(self, officer: Officer) -> Shift:
        """The shift worked when a rest day is cancelled: a day shift of at most 9 hours."""
        cycle = PATTERNS.get(officer.role)
        if cycle is None:
            return Shift("R", officer.office_start, OFFICE_LENGTH)
        first = next(s for s in cycle if s is not None)
        return Shift("R", first.start, min(first.length, 540))

    # -- blocks -----------------------------------------------------------------------------

    def block(self, officer: Officer, block: int) -> BlockPlan:
        if block < 0 or block * BLOCK >= self.days:
            return _EMPTY
        key = (officer.index, block)
        plan = self._blocks.get(key)
        if plan is None:
            plan = self._draw_block(officer, block)
            self._blocks[key] = plan
        return plan

    def forget_blocks_before(self, block: int) -> None:
        for key in [k for k in self._blocks if k[1] < block]:
            del self._blocks[key]

    def _draw_block(self, officer: Officer, block: int) -> BlockPlan:
        rng = substream(self.seed, tag("block"), officer.index, block)
        first = block * BLOCK
        leave: tuple[int, int] | None = None
        # About 25 days of annual leave a year: a week or so in a third of the blocks.
        if rng.random() < 0.36:
            length = rng.choice((3, 4, 5, 7, 7, 9))
            leave = self._after_overnight(officer, first + rng.randrange(0, BLOCK - length), length)
        cancelled = leave is not None and rng.random() < 0.08
        booked = rng.randrange(32, 43) if cancelled else rng.randrange(21, 43)
        cancel_lead = rng.randrange(29, booked - 1) if cancelled else 0
        on_leave = leave if not cancelled else None
        sick: tuple[int, int] | None = None
        # Short spells are common, long ones rare: roughly 1.5 spells per officer a year.
        if rng.random() < 0.11:
            length = rng.choice((1, 1, 1, 2, 2, 3, 3, 4, 5, 7))
            spell = self._after_overnight(officer, first + rng.randrange(0, BLOCK - length), length)
            if spell is not None and (on_leave is None or not _overlaps(spell, on_leave)):
                sick = spell
        training = None
        if rng.random() < 0.22:
            training = self._pick_day(
                officer, first, rng, leave=on_leave, sick=sick, accept=_trainable
            )
        rest_worked = None
        if rng.random() < 0.12:
            rest_worked = self._pick_day(
                officer, first, rng, leave=on_leave, sick=sick, accept=Schedule._rest_ok
            )
        return BlockPlan(leave, cancelled, booked, cancel_lead, sick, training, rest_worked)

    def ends_overnight(self, officer: Officer, day: int) -> bool:
        """Whether the pattern shift of ``day`` runs past midnight (a night shift)."""
        shift = self.pattern(officer, day)
        return shift is not None and shift.start + shift.length > 24 * 60

    def _after_overnight(self, officer: Officer, start: int, length: int) -> tuple[int, int] | None:
        """``(start, length)`` moved past any night shift still running at its midnight, or
        None if it then leaves its block: an absence runs from midnight."""
        block_end = (start // BLOCK + 1) * BLOCK
        while self.ends_overnight(officer, start - 1):
            start += 1
        return (start, length) if start + length <= block_end else None

    def _pick_day(
        self,
        officer: Officer,
        first: int,
        rng: random.Random,
        *,
        leave: tuple[int, int] | None,
        sick: tuple[int, int] | None,
        accept: Callable[[Schedule, Officer, int], bool],
    ) -> int | None:
        # Middle of the block only, so the picks of two blocks are at least two weeks apart.
        candidates = list(range(first + 7, min(first + 21, self.days)))
        offset = rng.randrange(len(candidates)) if candidates else 0
        for k in range(len(candidates)):
            day = candidates[(offset + k) % len(candidates)]
            if _within(day, leave) or _within(day, sick):
                continue
            if accept(self, officer, day):
                return day
        return None

    def _rest_ok(self, officer: Officer, day: int) -> bool:
        if self.pattern(officer, day) is not None:
            return False
        shift = self.rest_day_shift(officer)
        start = self.clock.at(day, shift.start * MINUTE)
        extra = (start, start + shift.length * MINUTE)
        return welfare_ok([*self.pattern_intervals(officer, day - 8, day + 8), extra])

    def pattern_intervals(self, officer: Officer, first: int, last: int) -> list[tuple[int, int]]:
        """Pattern duties from ``first`` to ``last`` inclusive, padded by the overtime the
        background might add, as the welfare guard should see them."""
        out = []
        for day in range(first, last + 1):
            interval = self.pattern_interval(officer, day)
            if interval is not None:
                out.append((interval[0], interval[1] + self.overtime_allowance(officer, day)))
        return out

    # -- the day ----------------------------------------------------------------------------

    def planned(self, officer: Officer, day: int) -> Planned:
        """The roster for ``day`` as planned weeks ahead (no sickness, no overtime).

        Asked several times per officer-day (the day itself, its neighbours, weeks ahead), so
        cached; a pure function of its arguments, and the cache is dropped when it grows."""
        key = (officer.index, day)
        found = self._planned.get(key)
        if found is None:
            if len(self._planned) > 16 * len(self.force.officers):
                self._planned.clear()
            found = self._planned[key] = self._planned_uncached(officer, day)
        return found

    def _planned_uncached(self, officer: Officer, day: int) -> Planned:
        plan = self.block(officer, day // BLOCK) if day >= 0 else _EMPTY
        if plan.leave is not None and not plan.leave_cancelled and _within(day, plan.leave):
            return Planned(LEAVE, "", 0, 0, officer.home)
        shift = self.pattern(officer, day)
        if plan.training == day:
            start = self.clock.at(day, TRAINING.start * MINUTE)
            return Planned(
                WORK,
                "T",
                start,
                start + TRAINING.length * MINUTE,
                _HQ if officer.home != _HQ else _HQ + 1,
            )
        if shift is not None:
            start = self.clock.at(day, shift.start * MINUTE)
            return Planned(WORK, shift.code, start, start + shift.length * MINUTE, officer.home)
        if plan.rest_worked == day:
            shift = self.rest_day_shift(officer)
            start = self.clock.at(day, shift.start * MINUTE)
            return Planned(WORK, "R", start, start + shift.length * MINUTE, officer.home)
        return Planned(REST, "", 0, 0, officer.home)

    def sick_spell(self, officer: Officer, day: int) -> tuple[int, int] | None:
        """The background sickness spell covering ``day``, if any."""
        if day < 0:
            return None
        spell = self.block(officer, day // BLOCK).sick
        return spell if _within(day, spell) else None

    def draws(self, officer: Officer, day: int) -> DayDraws:
        """The uniform draws of one officer-day for the background's small yes/no choices.

        Two hashes give eight 16-bit draws, which is plenty for shares of a few in a thousand
        and much cheaper than a hash (or a seeded stream) per choice. Cached for the step.
        """
        key = (officer.index, day)
        found = self._draws.get(key)
        if found is None:
            if len(self._draws) > 8 * len(self.force.officers):
                self._draws.clear()
            a = derive(self.seed, _DRAWS_A, officer.index, day)
            b = derive(self.seed, _DRAWS_B, officer.index, day)
            found = DayDraws(
                (a & 0xFFFF) / 65536,
                (a >> 16 & 0xFFFF) / 65536,
                (a >> 32 & 0xFFFF) / 65536,
                (a >> 48) / 65536,
                (b & 0xFFFF) / 65536,
                (b >> 16 & 0xFFFF) / 65536,
                (b >> 32 & 0xFFFF) / 65536,
                (b >> 48) / 65536,
            )
            self._draws[key] = found
        return found

    def extension(self, officer: Officer, day: int, planned: Planned) -> int:
        """Background overtime straight after the duty, in seconds (0 for none).

        At most one a week per officer, on a weekday of its own, so that no 7 days hold two.
        """
        if planned.state != WORK or planned.code in ("T", "R"):
            return 0
        if not self.overtime_allowance(officer, day):
            return 0
        draw = self.draws(officer, day).extension
        if draw >= 0.3:
            return 0
        longest = _max_extension(officer)
        seconds = (30 * MINUTE + int(draw / 0.3 * (longest - 30 * MINUTE))) // 300 * 300
        seconds = min(seconds, longest)
        following = self.planned(officer, day + 1)
        if following.state == WORK and following.start - (planned.end + seconds) < MIN_REST:
            return 0
        return seconds

    def overtime_allowance(self, officer: Officer, day: int) -> int:
        """The most background overtime ``day`` may carry: some on one weekday per officer
        (so no 7 days hold two), none on the others."""
        if (self.clock.epoch_day + day + officer.quirk) % 7:
            return 0
        return _max_extension(officer)

    def oncall(self, officer: Officer, day: int) -> tuple[int, int] | None:
        """A detective's on-call weekend starting on Friday ``day``: Friday 17:00 to Monday
        08:00, one weekend in six."""
        if officer.role != "detective" or self.clock.weekday(day) != 4:
            return None
        week = (self.clock.epoch_day + day) // 7
        if (week + officer.quirk) % 6:
            return None
        if self.planned(officer, day).state != WORK or self.planned(officer, day + 3).state != WORK:
            return None
        return self.clock.at(day, 17 * HOUR), self.clock.at(day + 3, 8 * HOUR)

    def planner_for(self, officer: Officer, day: int) -> Officer:
        """Who enters a planned change: mostly the line manager, sometimes resourcing."""
        planners = self.force.planners
        manager = officer.line_manager
        if manager is not None and self.draws(officer, day).planner < 0.8:
            return self.force.officers[manager]
        pick = planners[(officer.index + day) % len(planners)]
        if pick == officer.index:
            return self.force.approver(officer)
        return self.force.officers[pick]


def _trainable(schedule: Schedule, officer: Officer, day: int) -> bool:
    shift = schedule.pattern(officer, day)
    return shift is not None and shift.code in ("E", "O", "D")


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[0] + b[1] and b[0] < a[0] + a[1]


def _within(day: int, span: tuple[int, int] | None) -> bool:
    return span is not None and span[0] <= day < span[0] + span[1]


def _max_extension(officer: Officer) -> int:
    # A 12-hour custody shift may only overrun a little before it passes the 13-hour line.
    return 30 * MINUTE if officer.role == "custody" else 2 * HOUR
