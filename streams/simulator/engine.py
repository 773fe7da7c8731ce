"""The day-by-day driver: plans rosters ahead, generates each day, yields it sorted.

Step ``d`` does two things: it announces the roster of day ``d + LOOKAHEAD`` (shift plans,
leave bookings and on-call weeks are entered between one and six weeks ahead, at their own
earlier event times), and it generates what happens on day ``d`` (duties, sickness, claims).
Steps start ``LOOKAHEAD`` days before ``--start``, so the roster for the first weeks exists
before the first badge swipe: the output opens with those roster events. It ends shortly after
the last day, with the night shifts, claims and returns from sickness that follow it.

Examples
--------
>>> from datetime import date
>>> sim = Simulation(Settings(officers=40, days=3, seed=5, start=date(2026, 3, 2)))
>>> days = list(sim.run())
>>> days[0].day, days[LOOKAHEAD].day
(-42, 0)
>>> sum(len(d.lines) for d in days) == sim.emitter.count
True
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from streams.simulator.behaviour import Behaviour, Mode
from streams.simulator.clock import HOUR, MINUTE, Clock
from streams.simulator.emitter import Emitter, hours_between
from streams.simulator.force import Force, Officer, build_force
from streams.simulator.planner import Planner
from streams.simulator.randomness import substream, tag
from streams.simulator.rosters import BLOCK, MIN_REST, WORK, Planned, Schedule
from streams.simulator.scenarios import (
    ORDINARY_CODES,
    Today,
    World,
    file_overtime,
    report_sickness,
)

LOOKAHEAD: Final = 42  # days: the earliest a change is announced (leave, up to six weeks)
_DAY_STREAM: Final = tag("officer-day")
_WFH_SHARE: Final = 0.2  # staff work one day in five from home
_LATE_SHARE: Final = 0.015  # duties started an hour late and corrected by a supervisor after
_CANCEL_SHARE: Final = 0.004  # planned shifts cancelled a few days ahead
_MOVE_SHARE: Final = 0.006  # planned shifts moved an hour a few days ahead
_PLAN_REASONS: Final = {"T": "TRAINING", "R": "OPS_REQUIREMENT"}


@dataclass(frozen=True, slots=True)
class Settings:
    """What a simulation is asked for; the same settings give the same output."""

    officers: int
    days: int
    seed: int
    start: date
    scenario_rate: float = 0.05  # expected scenarios per officer per 28 days


@dataclass(frozen=True, slots=True)
class DayOutput:
    """One completed day: its event lines in order, and labels of scenarios that ended."""

    day: int
    lines: list[str]
    labels: list[dict[str, Any]]


class Simulation:
    """A whole run; :meth:`run` streams it one day at a time."""

    def __init__(self, settings: Settings) -> None:
        if settings.days < 1:
            raise ValueError("a simulation needs at least one day")
        if settings.scenario_rate < 0:
            raise ValueError("the scenario rate cannot be negative")
        self.settings = settings
        seed = settings.seed
        self.force: Force = build_force(settings.officers, seed)
        self.clock = Clock(settings.start)
        self.schedule = Schedule(self.force, self.clock, seed, settings.days)
        self.emitter = Emitter(self.force, self.clock, seed)
        self.behaviour = Behaviour(self.force, self.emitter, seed)
        self.world = World(
            self.force,
            self.clock,
            self.schedule,
            self.emitter,
            self.behaviour,
            seed,
            settings.days,
        )
        self.planner = Planner(self.world, settings.scenario_rate)

    # -- reference data ---------------------------------------------------------------------

    def officers(self) -> list[dict[str, Any]]:
        return [
            o.reference(self.force) for o in sorted(self.force.officers, key=lambda o: o.officer_id)
        ]

    def sites(self) -> list[dict[str, Any]]:
        return [s.reference() for s in self.force.sites]

    def watchlist(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for entry in sorted(self.force.watchlist, key=lambda e: e.record_ref):
            record: dict[str, Any] = {"record_ref": entry.record_ref, "category": entry.category}
            if entry.expires_day is not None:
                record["expires_at"] = self.clock.text(self.clock.at(entry.expires_day))
            out.append(record)
        return out

    # -- the run ----------------------------------------------------------------------------

    def run(self) -> Iterator[DayOutput]:
        days = self.settings.days
        officers = self.force.officers
        for step in range(-LOOKAHEAD, days):
            self.emitter.begin_step(step)
            ahead = step + LOOKAHEAD
            if 0 <= ahead < days:
                if ahead % BLOCK == 0:
                    self.planner.plan_block(ahead // BLOCK)
                for officer in officers:
                    self._announce(officer, ahead)
            labels: list[dict[str, Any]] = []
            if step >= 0:
                for officer in officers:
                    self._live(officer, step)
                labels = self.planner.finish_day(step)
                self.schedule.forget_blocks_before((step - 2 * BLOCK) // BLOCK)
                self.clock.forget_before(step - 2)
            yield DayOutput(step, self.emitter.take_day(step), labels)
        for day in self.emitter.pending_days():
            yield DayOutput(day, self.emitter.take_day(day), [])

    def _cancelled(self, officer: Officer, day: int, plan: Planned) -> bool:
        return (
            plan.code in ORDINARY_CODES
            and self.schedule.draws(officer, day).cancel < _CANCEL_SHARE
            and not self.planner.at(officer, day)
        )

    def _moved(self, officer: Officer, day: int, plan: Planned) -> tuple[int, int] | None:
        """Now and then a planned duty is moved an hour, a few days ahead, where that still
        leaves a full rest either side."""
        at, schedule = self.planner.at, self.schedule
        draw = schedule.draws(officer, day).move
        if draw >= _MOVE_SHARE or plan.code not in ORDINARY_CODES:
            return None
        if self._cancelled(officer, day, plan) or any(at(officer, day + d) for d in (-1, 0, 1)):
            return None
        shift = HOUR if draw < _MOVE_SHARE / 2 else -HOUR
        start, end = plan.start + shift, plan.end + shift
        before, after = schedule.planned(officer, day - 1), schedule.planned(officer, day + 1)
        if start < self.clock.at(day, HOUR):
            return None
        rest_before = start - before.end - schedule.overtime_allowance(officer, day - 1)
        rest_after = after.start - end - schedule.overtime_allowance(officer, day)
        if (before.state == WORK and rest_before < MIN_REST) or (
            after.state == WORK and rest_after < MIN_REST
        ):
            return None
        return start, end

    def _announce(self, officer: Officer, day: int) -> None:
        """Roster changes for ``day`` entered weeks ahead, at their own (earlier) times."""
        schedule, clock, emit = self.schedule, self.clock, self.emitter.roster
        hooks = self.planner.at(officer, day)
        plan = schedule.planned(officer, day)
        if plan.state == WORK:
            draws = schedule.draws(officer, day)
            draw = draws.plan_lead
            lead = 7 + int(draw * 22)
            when = clock.at(day - lead, int(8 * HOUR + draws.entry_time * 9 * HOUR))
            actor = schedule.planner_for(officer, day)
            change = "rest_day_worked" if plan.code == "R" else "shift_planned"
            event_id = emit(
                officer,
                when,
                change,
                actor=actor,
                period=(plan.start, plan.end),
                hours=hours_between(plan.start, plan.end),
                reason=_PLAN_REASONS.get(plan.code),
            )
            for scenario in hooks:
                scenario.on_planned(officer, day, event_id, change)
            moved = self._moved(officer, day, plan)
            if moved is not None:
                emit(
                    officer,
                    clock.at(day - 2 - int(draw * 5), 11 * HOUR),
                    "duty_changed",
                    actor=actor,
                    period=moved,
                    hours=hours_between(*moved),
                    reason="OPS_REQUIREMENT",
                )
            if self._cancelled(officer, day, plan):
                notice = 2 + int(draw * 4)
                emit(
                    officer,
                    clock.at(day - notice, 10 * HOUR),
                    "shift_cancelled",
                    actor=actor,
                    period=(plan.start, plan.end),
                    hours=hours_between(plan.start, plan.end),
                    reason="RESOURCING",
                )
        block = schedule.block(officer, day // BLOCK)
        if block.leave is not None and block.leave[0] == day:
            period = (clock.at(day), clock.at(day + block.leave[1]))
            manager = self.force.approver(officer)
            booked = clock.at(day - block.leave_lead, 9 * HOUR + officer.quirk % (8 * HOUR))
            event_id = emit(
                officer,
                booked,
                "leave_booked",
                actor=officer,
                period=period,
                approver=manager,
                reason="ANNUAL",
            )
            for scenario in hooks:
                scenario.on_planned(officer, day, event_id, "leave_booked")
            if block.leave_cancelled:
                emit(
                    officer,
                    clock.at(day - block.cancel_lead, 11 * HOUR),
                    "leave_cancelled",
                    actor=officer,
                    period=period,
                    approver=manager,
                    reason="ANNUAL",
                )
        oncall = schedule.oncall(officer, day)
        if oncall is not None:
            lead = 7 + int(schedule.draws(officer, day).plan_lead * 22)
            event_id = emit(
                officer,
                clock.at(day - lead, 14 * HOUR),
                "duty_changed",
                actor=schedule.planner_for(officer, day),
                period=oncall,
                reason="ON_CALL",
            )
            for scenario in hooks:
                scenario.on_planned(officer, day, event_id, "duty_changed")

    def _live(self, officer: Officer, day: int) -> None:
        """Everything that happens to ``officer`` on ``day``."""
        schedule = self.schedule
        hooks = self.planner.at(officer, day)
        plan = schedule.planned(officer, day)
        spell = schedule.sick_spell(officer, day)
        if plan.state != WORK and not hooks and spell is None:
            return  # a rest day or leave, and nothing to say about it
        rng = substream(self.world.seed, _DAY_STREAM, officer.index, day)
        work = plan.state == WORK and not self._cancelled(officer, day, plan)
        if spell is not None and not self.planner.touches(officer, *spell):
            if spell[0] == day:
                report_sickness(self.world, officer, day, spell[1], rng)
            work = False
        mode: Mode = "training" if plan.code == "T" else "station"
        staff = mode == "station" and officer.role == "staff"
        if staff and schedule.draws(officer, day).wfh < _WFH_SHARE:
            mode = "remote"
        today = Today(officer, day, plan, rng, work, plan.start, plan.end, plan.site, mode)
        late = False
        moved = self._moved(officer, day, plan) if work else None
        if moved is not None:
            today.start, today.end = moved
        elif work and not hooks:
            today.extension = schedule.extension(officer, day, plan)
            late = self._late_start(officer, day, today)
        for scenario in hooks:
            scenario.adjust(today)
        if today.work:
            end = today.end + today.extension
            self.behaviour.duty(
                officer,
                today.start,
                end,
                site=today.site,
                rng=rng,
                opts=today.opts,
                mode=today.mode,
            )
            if today.extension and today.claim_extension:
                filed = end + 15 * MINUTE + int(rng.random() * 30 * HOUR)
                file_overtime(
                    self.world,
                    officer,
                    (today.end, end),
                    filed=filed,
                    rng=rng,
                    reason="SHIFT_OVERRUN",
                )
            if late:
                entered = today.start + 2 * HOUR + int(rng.random() * 8 * HOUR)
                self.emitter.roster(
                    officer,
                    entered,
                    "duty_changed",
                    actor=schedule.planner_for(officer, day),
                    period=(today.start, today.end),
                    hours=hours_between(today.start, today.end),
                    reason="LATE_START",
                )
        for scenario in hooks:
            scenario.act(today)

    def _late_start(self, officer: Officer, day: int, today: Today) -> bool:
        """Now and then a duty starts an hour late and a supervisor corrects the roster after
        the fact: a late entry that is not back-dating by the officer."""
        plan = today.planned
        if (
            today.extension
            or officer.role == "custody"
            or plan.code not in ("E", "L", "O")
            or self.schedule.draws(officer, day).late >= _LATE_SHARE
            or self.planner.at(officer, day + 1)
            or self.planner.at(officer, day - 1)
        ):
            return False
        following = self.schedule.planned(officer, day + 1)
        if following.state == WORK and following.start - (plan.end + HOUR) < MIN_REST:
            return False
        today.start += HOUR
        today.end += HOUR
        return True
