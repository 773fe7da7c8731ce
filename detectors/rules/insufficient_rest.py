"""`insufficient_rest` (welfare): under 11 hours between consecutive duties.

The Working Time Regulations 1998 give workers 11 consecutive hours of daily rest; police
regulations follow the same principle. Duties are the roster's (planned shifts, overtime, rest
days worked, changed duties), joined when less than `join_minutes` apart (overtime straight
after a shift is one spell of work) and ignoring duties lost to leave or sickness. Each local
day is checked once it is settled (`core.welfare_delay_days` after it ended), so overtime
claimed the next morning is counted.

Examples
--------
>>> from detectors.testing import Scenario
>>> sc = Scenario()
>>> sc.shift("P1", "2026-03-10T14:00", "2026-03-10T23:00")
>>> sc.shift("P1", "2026-03-11T07:00", "2026-03-11T16:00")
>>> [a.detector for a in sc.run(until="2026-03-14T00:00")]
['insufficient_rest']
"""

from __future__ import annotations

from typing import ClassVar

from detectors import roster
from detectors.base import Env, OfficerRule, Stage
from detectors.config import Category, DetectorSettings
from detectors.messages import Finding, tidy
from detectors.state import OfficerState


class InsufficientRestRule(OfficerRule):
    name: ClassVar[str] = "insufficient_rest"
    category: ClassVar[Category] = "welfare"
    stage: ClassVar[Stage] = "officer"
    peer_norm: ClassVar[str] = (
        "the daily rest of the Working Time Regulations between spells of duty"
    )

    def __init__(self, settings: DetectorSettings, env: Env) -> None:
        super().__init__(settings, env)
        self.min_rest = settings.num("min_rest_hours")
        self.join = int(settings.num("join_minutes"))

    def on_day_settled(
        self, state: OfficerState, day: int, start: float, end: float
    ) -> list[Finding]:
        if not state.roster:
            return []
        blocks = self.env.worked_blocks(state, self.join)
        lo, hi = start / 60.0, end / 60.0
        found: list[Finding] = []
        for i in range(1, len(blocks)):
            b_start, b_end = blocks[i]
            if not lo <= b_start < hi:
                continue
            p_start, p_end = blocks[i - 1]
            rest = (b_start - p_end) / 60.0
            if rest >= self.min_rest:
                continue
            evidence = state.roster_evidence(p_start, b_end, roster.WORK_KINDS)
            days = self.env.days
            found.append(
                Finding(
                    detector=self.name,
                    officer_id=state.officer_id,
                    event_time=b_start * 60.0,
                    window_start=p_end * 60.0,
                    window_end=b_start * 60.0,
                    evidence=tuple(evidence),
                    summary=(
                        f"Only {rest:.1f} hours of rest between the duty ending "
                        f"{days.text(p_end * 60.0)} and the next starting "
                        f"{days.text(b_start * 60.0)}."
                    ),
                    score=tidy(self.min_rest / max(rest, 0.5), 2),
                    observed={"rest_hours": tidy(rest, 2), **roster.planned_only(evidence)},
                    own_normal={},
                    peer_normal={},
                    threshold={"min_rest_hours": self.min_rest},
                    situation=f"day:{day}",
                )
            )
        return found
