"""`overtime_without_presence`: overtime claimed for a period with no badge or system activity.

Checked once the claimed period is over (and the claim is in), against the hours in which the
officer badged or used a system. Presence is kept hourly for two weeks; a claim for a period
older than that cannot be checked and stays silent. Presence counts from `lead_in_minutes`
after the claimed start (a badge-out at the end of the preceding shift is not presence during
the overtime) to `run_out_minutes` after its end (the log-out or badge-out on finishing).

Examples
--------
>>> from detectors.testing import Scenario
>>> sc = Scenario()
>>> sc.badge("P1", "2026-03-09T08:00")
>>> sc.overtime("P1", "2026-03-10T17:00", "2026-03-10T21:00", at="2026-03-10T22:40")
>>> [a.detector for a in sc.run(until="2026-03-12T08:00")]
['overtime_without_presence']
"""

from __future__ import annotations

from typing import ClassVar

from detectors.base import Env, OfficerRule, Stage
from detectors.config import Category, DetectorSettings
from detectors.messages import Finding
from detectors.state import OfficerState, Payload
from schemas.events import RosterEvent


class OvertimeWithoutPresenceRule(OfficerRule):
    name: ClassVar[str] = "overtime_without_presence"
    category: ClassVar[Category] = "integrity"
    stage: ClassVar[Stage] = "officer"
    peer_norm: ClassVar[str] = (
        "overtime claimed is overtime worked: some badge or system activity in the claimed period"
    )

    def __init__(self, settings: DetectorSettings, env: Env) -> None:
        super().__init__(settings, env)
        self.delay = settings.num("check_after_minutes") * 60.0
        self.min_hours = settings.num("min_hours")
        self.lead_in = settings.num("lead_in_minutes") * 60.0
        self.run_out = settings.num("run_out_minutes") * 60.0

    def on_roster(self, state: OfficerState, event: RosterEvent, t: float) -> Finding | None:
        if event.change_type != "overtime_claimed":
            return None
        start, end = event.period_start.timestamp(), event.period_end.timestamp()
        if (end - start) / 3600.0 < self.min_hours:
            return None
        hours = event.hours if event.hours is not None else (end - start) / 3600.0
        state.schedule(max(end, t) + self.delay, self.name, (start, end, hours, event.event_id))
        return None

    def on_due(self, state: OfficerState, payload: Payload, t: float) -> Finding | None:
        start, end, hours, event_id = payload
        if not any(held[0] == event_id for held in state.claims):
            return None  # the claim is no longer held (withdrawn or forgotten): nothing to say
        present = state.active_between(start + self.lead_in, end + self.run_out)
        if present is None or present:
            return None
        days = self.env.days
        return Finding(
            detector=self.name,
            officer_id=state.officer_id,
            event_time=t,
            window_start=start,
            window_end=end,
            evidence=(event_id,),
            summary=(
                f"Overtime of {hours:.1f} h claimed for {days.text(start)}-"
                f"{days.text(end)[-5:]} with no badge or system activity in that period."
            ),
            score=float(hours),
            observed={"claimed_hours": hours, "active_hours": 0},
            own_normal={},
            peer_normal={},
            threshold={"active_hours_at_least": 1, "min_claim_hours": self.min_hours},
            situation=event_id,
        )
