"""`rest_days_cancelled` (welfare): rest days repeatedly cancelled (worked).

Rest days are recovery; one worked now and then is normal, `min_cancelled` within
`window_days` is a pattern a welfare officer should see.

Examples
--------
>>> from detectors.testing import Scenario
>>> sc = Scenario()
>>> for day in ("03", "10", "17"):
...     sc.rest_day_worked("P1", f"2026-03-{day}T08:00", f"2026-03-{day}T16:00")
>>> [a.detector for a in sc.run()]
['rest_days_cancelled']
"""

from __future__ import annotations

from typing import ClassVar

from detectors import roster
from detectors.base import Env, OfficerRule, Stage
from detectors.config import Category, DetectorSettings
from detectors.messages import Finding
from detectors.state import OfficerState
from schemas.events import RosterEvent


class RestDaysCancelledRule(OfficerRule):
    name: ClassVar[str] = "rest_days_cancelled"
    category: ClassVar[Category] = "welfare"
    stage: ClassVar[Stage] = "officer"
    peer_norm: ClassVar[str] = "rest days taken, and only now and then worked"

    def __init__(self, settings: DetectorSettings, env: Env) -> None:
        super().__init__(settings, env)
        self.count = settings.int("min_cancelled")
        self.window = settings.int("window_days")

    def on_roster(self, state: OfficerState, event: RosterEvent, t: float) -> Finding | None:
        if event.change_type != "rest_day_worked":
            return None
        days = self.env.days
        day = days.day_number(event.period_start.timestamp())
        worked = sorted({d for d in state.rest_worked if day - self.window < d <= day} | {day})
        if len(worked) < self.count:
            return None
        first_start, _ = days.day_bounds(worked[0])
        _, last_end = days.day_bounds(worked[-1])
        evidence = [
            n.event_id
            for n in state.roster_notes()
            if n.kind == roster.REST_WORKED and first_start <= n.start * 60.0 < last_end
        ]
        return Finding(
            detector=self.name,
            officer_id=state.officer_id,
            event_time=t,
            window_start=first_start,
            window_end=last_end,
            evidence=(*evidence[-(self.count - 1) :], event.event_id),
            summary=(
                f"{len(worked)} rest days worked within {self.window} days, the latest on "
                f"{days.date_text(event.period_start.timestamp())}."
            ),
            score=len(worked) / self.count,
            observed={"rest_days_worked": len(worked), "days": [days.label(d) for d in worked]},
            own_normal={},
            peer_normal={},
            threshold={"min_cancelled": self.count, "window_days": self.window},
        )
