"""`excessive_hours` (welfare): over 60 hours in 7 days, or a shift over 13 hours.

The Working Time Regulations 1998 cap the average week at 48 hours; 60 hours in a single 7-day
window is the force's fatigue line, and a 13-hour spell (the 11-hour daily rest subtracted from
24) the longest single duty. Counted on the roster (shifts, overtime, rest days worked, changed
duties; duties lost to leave or sickness left out), once each day is settled.

Examples
--------
>>> from detectors.testing import Scenario
>>> sc = Scenario()
>>> sc.shift("P1", "2026-03-10T06:00", "2026-03-10T20:00")
>>> [a.detector for a in sc.run(until="2026-03-14T00:00")]
['excessive_hours']
"""

from __future__ import annotations

from typing import ClassVar

from detectors import roster
from detectors.base import Env, OfficerRule, Stage
from detectors.config import Category, DetectorSettings
from detectors.messages import Finding, tidy
from detectors.state import OfficerState


class ExcessiveHoursRule(OfficerRule):
    name: ClassVar[str] = "excessive_hours"
    category: ClassVar[Category] = "welfare"
    stage: ClassVar[Stage] = "officer"
    peer_norm: ClassVar[str] = "spells of duty and hours over 7 days within the force's limits"

    def __init__(self, settings: DetectorSettings, env: Env) -> None:
        super().__init__(settings, env)
        self.max_week = settings.num("max_hours_7d")
        self.max_shift = settings.num("max_shift_hours")
        self.join = int(settings.num("join_minutes"))

    def on_day_settled(
        self, state: OfficerState, day: int, start: float, end: float
    ) -> list[Finding]:
        if not state.roster:
            return []
        blocks = self.env.worked_blocks(state, self.join)
        lo, hi = start / 60.0, end / 60.0
        days = self.env.days
        for b_start, b_end in blocks:
            if not lo <= b_start < hi:
                continue
            length = (b_end - b_start) / 60.0
            week_start = b_end - 7 * 1440
            week = (
                sum(max(0, min(e, b_end) - max(s, week_start)) for s, e in blocks if s < b_end)
                / 60.0
            )
            if length > self.max_shift:
                summary = (
                    f"A spell of duty of {length:.1f} hours from {days.text(b_start * 60.0)}, "
                    f"over the {self.max_shift:.0f}-hour limit."
                )
                w_start, score = b_start * 60.0, length / self.max_shift
            elif week > self.max_week:
                summary = (
                    f"{week:.1f} hours of duty in the 7 days to {days.text(b_end * 60.0)}, "
                    f"over the {self.max_week:.0f}-hour limit."
                )
                w_start, score = week_start * 60.0, week / self.max_week
            else:
                continue
            # Only now: nearly every duty is within the limits, and this runs per officer-day.
            evidence = tuple(state.roster_evidence(week_start, b_end, roster.WORK_KINDS))
            return [
                Finding(
                    detector=self.name,
                    officer_id=state.officer_id,
                    event_time=b_end * 60.0,
                    window_start=w_start,
                    window_end=b_end * 60.0,
                    evidence=evidence,
                    summary=summary,
                    score=tidy(score, 3),
                    observed={
                        "spell_hours": tidy(length, 2),
                        "hours_7d": tidy(week, 2),
                        **roster.planned_only(evidence),
                    },
                    own_normal={},
                    peer_normal={},
                    threshold={
                        "max_shift_hours": self.max_shift,
                        "max_hours_7d": self.max_week,
                    },
                )
            ]
        return []
