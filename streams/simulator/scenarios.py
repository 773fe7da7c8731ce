"""The scenario framework: what an injected, labelled piece of behaviour can do.

A scenario is placed weeks ahead (when the roster look-ahead reaches its block), on one
officer, on days the background roster makes suitable. From then on the engine calls it at
three moments:

- :meth:`Scenario.announce`, once, when it is placed: roster changes made ahead of time;
- :meth:`Scenario.on_planned`, when a background change planned ahead for a day it touches
  is written (some scenarios cite a ``shift_planned`` as evidence);
- :meth:`Scenario.adjust` then :meth:`Scenario.act` on each day it touches: change the day's
  duty before the normal behaviour is generated, then add events of its own.

The officers and days a scenario touches get no background extras (overtime, sickness, late
changes), so a label explains everything unusual on those days and nothing else does.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from streams.simulator.behaviour import Behaviour, DayOptions, Mode
from streams.simulator.clock import DAY, HOUR, MINUTE, Clock
from streams.simulator.emitter import Emitter
from streams.simulator.force import Force, Officer, Role
from streams.simulator.randomness import substream, tag
from streams.simulator.rosters import LEAVE, REST, WORK, Planned, Schedule, welfare_ok

Category = Literal["integrity", "welfare"]
ALL_ROLES: tuple[Role, ...] = ("response", "neighbourhood", "detective", "custody", "staff")
ORDINARY_CODES = frozenset({"E", "L", "N", "D", "O"})


@dataclass(slots=True)
class World:
    """Everything a scenario may read or write."""

    force: Force
    clock: Clock
    schedule: Schedule
    emitter: Emitter
    behaviour: Behaviour
    seed: int
    days: int


@dataclass(slots=True)
class Today:
    """One officer's day as the engine is about to generate it; scenarios may change it."""

    officer: Officer
    day: int
    planned: Planned
    rng: random.Random
    work: bool
    start: int
    end: int
    site: int
    mode: Mode
    extension: int = 0  # background overtime after ``end``, in seconds
    claim_extension: bool = True  # file the usual claim and approval for the extension
    opts: DayOptions = field(default_factory=DayOptions)


class Scenario:
    """Base class of every injected scenario; subclasses set the class attributes."""

    name: ClassVar[str]
    category: ClassVar[Category]
    roles: ClassVar[tuple[Role, ...]] = ALL_ROLES
    span: ClassVar[int] = 1  # days from the first touched day to the last, at most
    benign: ClassVar[bool] = False
    resembles: ClassVar[str | None] = None

    def __init__(self, world: World, officer: Officer, variant: str) -> None:
        self.world = world
        self.officer = officer
        self.variant = variant
        self.evidence: list[str] = []
        self.touched: set[tuple[int, int]] = set()
        self.window = (0, 0)
        self.serial = 0

    # -- placement ---------------------------------------------------------------------------

    @classmethod
    def place(
        cls, world: World, officer: Officer, first: int, rng: random.Random
    ) -> Scenario | None:
        """A scenario for ``officer`` starting on or after day ``first``, or None if the
        officer's roster offers no suitable days there."""
        raise NotImplementedError

    def stream(self, *parts: int) -> random.Random:
        """A random stream of this scenario's own, for choices made outside a day's stream."""
        return substream(self.world.seed, tag(self.name), self.officer.index, *parts)

    def touch(self, officer: Officer, *days: int) -> None:
        for day in days:
            self.touched.add((officer.index, day))

    @property
    def officers(self) -> set[int]:
        return {index for index, _ in self.touched}

    @property
    def last_day(self) -> int:
        return max(day for _, day in self.touched)

    # -- hooks -------------------------------------------------------------------------------

    def announce(self) -> None:
        """Roster changes made ahead of time; called once, when the scenario is placed."""

    def on_planned(self, officer: Officer, day: int, event_id: str, change_type: str) -> None:
        """A roster change planned weeks ahead for a touched day (``shift_planned``, an on-call
        ``duty_changed``...) was written with ``event_id``."""

    def adjust(self, today: Today) -> None:
        """Change a touched day before its normal behaviour is generated."""

    def act(self, today: Today) -> None:
        """Add this scenario's own events on a touched day."""

    # -- labels ------------------------------------------------------------------------------

    def labels(self) -> list[dict[str, Any]]:
        """Ground truth, one record per labelled officer (see :mod:`labels`)."""
        return [self.label(self.officer, self.evidence, self.window)]

    def label(
        self, officer: Officer, evidence: list[str], window: tuple[int, int], part: str = ""
    ) -> dict[str, Any]:
        text = self.world.clock.text
        return {
            "scenario": self.name,
            "officer_id": officer.officer_id,
            "category": self.category,
            "start": text(window[0]),
            "end": text(window[1]),
            "evidence": list(evidence),
            "benign": self.benign,
            "resembles": self.resembles,
            "variant": self.variant,
            "label_id": f"L{self.serial:05d}{part}",
        }


# -- helpers shared by the catalogue -----------------------------------------------------------


def planned(world: World, officer: Officer, day: int) -> Planned:
    return world.schedule.planned(officer, day)


def plain_work(world: World, officer: Officer, day: int) -> Planned | None:
    """The planned duty of ``day`` if it is an ordinary shift with no absence around it."""
    if not 0 <= day < world.days:
        return None
    plan = world.schedule.planned(officer, day)
    if plan.state != WORK or plan.code not in ORDINARY_CODES:
        return None
    if world.schedule.sick_spell(officer, day) is not None:
        return None
    return plan


def plain_rest(world: World, officer: Officer, day: int) -> bool:
    """Whether ``day`` is a rest day (not leave) with no duty running into it."""
    if not 0 <= day < world.days:
        return False
    plan = world.schedule.planned(officer, day)
    return (
        plan.state == REST
        and world.schedule.sick_spell(officer, day) is None
        and not world.schedule.ends_overnight(officer, day - 1)
    )


def on_leave(world: World, officer: Officer, day: int) -> bool:
    return 0 <= day < world.days and world.schedule.planned(officer, day).state == LEAVE


def worked(
    world: World,
    officer: Officer,
    first: int,
    last: int,
    *,
    changes: dict[int, tuple[int, int] | None] | None = None,
    extra: list[tuple[int, int]] | None = None,
) -> list[tuple[int, int]]:
    """Worked intervals from ``first`` to ``last`` with per-day changes, background duties
    padded by the overtime the background might add, for welfare guards."""
    changes = changes or {}
    out: list[tuple[int, int]] = []
    for day in range(first, last + 1):
        if day in changes:
            changed = changes[day]
            if changed is not None:
                out.append(changed)
            continue
        plan = world.schedule.planned(officer, day)
        if plan.state == WORK:
            out.append((plan.start, plan.end + world.schedule.overtime_allowance(officer, day)))
    return out + (extra or [])


def welfare_after(
    world: World,
    officer: Officer,
    first: int,
    last: int,
    *,
    changes: dict[int, tuple[int, int] | None] | None = None,
    extra: list[tuple[int, int]] | None = None,
) -> bool:
    """Whether the officer's duties around [first, last] still keep the welfare margins."""
    return welfare_ok(worked(world, officer, first - 8, last + 8, changes=changes, extra=extra))


def day_time(world: World, day: int, lo_hours: float, hi_hours: float, rng: random.Random) -> int:
    """A random instant on ``day`` between two times of day, rounded to the second."""
    lo, hi = int(lo_hours * HOUR), int(hi_hours * HOUR)
    return world.clock.at(day, lo + int(rng.random() * (hi - lo)))


def round_hours(seconds: int) -> float:
    return round(seconds / HOUR, 2)


def file_overtime(
    world: World,
    officer: Officer,
    period: tuple[int, int],
    *,
    filed: int,
    rng: random.Random,
    reason: str,
    approved: bool = True,
    self_approved: bool = False,
) -> list[str]:
    """An overtime claim filed by the officer and, usually, its approval by the line manager
    a few hours to two days later. A self-approved claim carries the claimant as approver."""
    emitter = world.emitter
    start, end = period
    hours = round_hours(end - start)
    if self_approved:
        return [
            emitter.roster(
                officer,
                filed,
                "overtime_claimed",
                actor=officer,
                period=(start, end),
                hours=hours,
                approver=officer,
                reason=reason,
            )
        ]
    ids = [
        emitter.roster(
            officer,
            filed,
            "overtime_claimed",
            actor=officer,
            period=(start, end),
            hours=hours,
            reason=reason,
        )
    ]
    if approved:
        manager = world.force.approver(officer)
        when = filed + 2 * HOUR + int(rng.random() * 46 * HOUR)
        ids.append(
            emitter.roster(
                officer,
                when,
                "overtime_approved",
                actor=manager,
                period=(start, end),
                hours=hours,
                approver=manager,
                reason=reason,
            )
        )
    return ids


def report_sickness(
    world: World, officer: Officer, first: int, length: int, rng: random.Random
) -> list[str]:
    """``sickness_started`` on the first morning (before the duty, if any) and
    ``sickness_ended`` on the morning of return, both entered by the line manager."""
    emitter = world.emitter
    manager = world.force.approver(officer)
    plan = world.schedule.planned(officer, first)
    if plan.state == WORK and plan.start - world.clock.at(first) >= 2 * HOUR:
        reported = plan.start - 30 * MINUTE - int(rng.random() * HOUR)
    else:
        reported = day_time(world, first, 7.5, 9.5, rng)
    period = (world.clock.at(first), world.clock.at(first + length))
    ended = day_time(world, first + length, 8.0, 10.5, rng)
    return [
        emitter.roster(
            officer, reported, "sickness_started", actor=manager, period=period, reason="ILLNESS"
        ),
        emitter.roster(
            officer, ended, "sickness_ended", actor=manager, period=period, reason="ILLNESS"
        ),
    ]


__all__ = [
    "ALL_ROLES",
    "DAY",
    "HOUR",
    "MINUTE",
    "Category",
    "Scenario",
    "Today",
    "World",
    "day_time",
    "file_overtime",
    "on_leave",
    "plain_rest",
    "plain_work",
    "planned",
    "report_sickness",
    "round_hours",
    "welfare_after",
    "worked",
]
