"""`roster_self_approval`: roster changes approved by the officer they benefit, or back-dated.

- Self-approval: the approver of an overtime claim, a leave booking or a changed duty is the
  officer the change is for (segregation of duties: a claim needs someone else's approval).
- Back-dating: a change recorded more than `backdate_days` after the period it changes ended
  (claims are routinely entered a day or two late; weeks later, they rewrite history), or leave
  booked more than `leave_backdate_hours` after it began (leave is booked weeks ahead; leave
  booked for a day already past covers a day the officer simply did not turn up).

Examples
--------
>>> from detectors.testing import Scenario
>>> sc = Scenario()
>>> sc.overtime("P1", "2026-03-10T17:00", "2026-03-10T21:00", at="2026-03-10T22:40",
...             approver="P1")
>>> [a.detector for a in sc.run() if a.detector == "roster_self_approval"]
['roster_self_approval']
"""

from __future__ import annotations

from typing import ClassVar

from detectors.base import Env, OfficerRule, Stage
from detectors.config import Category, DetectorSettings
from detectors.messages import Finding, tidy
from detectors.state import OfficerState
from schemas.events import RosterEvent

# Changes that benefit the officer they are for, and so need someone else to approve them.
BENEFITS = frozenset(
    {
        "overtime_claimed",
        "overtime_approved",
        "leave_booked",
        "rest_day_worked",
        "duty_changed",
        "shift_swapped",
    }
)
# Changes whose back-dating rewrites what was paid or recorded as worked.
BACKDATABLE = frozenset(
    {
        "overtime_claimed",
        "overtime_approved",
        "rest_day_worked",
        "duty_changed",
        "shift_planned",
        "shift_cancelled",
        "leave_cancelled",
    }
)
NAMES = {
    "overtime_claimed": "Overtime",
    "overtime_approved": "Overtime",
    "leave_booked": "Leave",
    "rest_day_worked": "A rest day worked",
    "duty_changed": "A changed duty",
    "shift_swapped": "A shift swap",
    "shift_planned": "A planned shift",
    "shift_cancelled": "A shift cancellation",
    "leave_cancelled": "A leave cancellation",
}


class RosterSelfApprovalRule(OfficerRule):
    name: ClassVar[str] = "roster_self_approval"
    category: ClassVar[Category] = "integrity"
    stage: ClassVar[Stage] = "officer"
    peer_norm: ClassVar[str] = (
        "roster changes approved by someone other than the officer they benefit, and recorded "
        "within days, not weeks"
    )

    def __init__(self, settings: DetectorSettings, env: Env) -> None:
        super().__init__(settings, env)
        self.backdate = settings.num("backdate_days") * 86400.0
        self.leave_backdate = settings.num("leave_backdate_hours") * 3600.0

    def _period(self, start: float, end: float) -> str:
        # Only built for a finding: local-time formatting was 4% of the core's time when it
        # ran for every roster change.
        days = self.env.days
        return f"{days.text(start)}-{days.text(end)[-5:]}"

    def on_roster(self, state: OfficerState, event: RosterEvent, t: float) -> Finding | None:
        change = event.change_type
        start, end = event.period_start.timestamp(), event.period_end.timestamp()
        officer = state.officer_id
        if change in BENEFITS and event.approver_id == officer:
            what = NAMES.get(change, change)
            hours = event.hours if event.hours is not None else tidy((end - start) / 3600.0, 2)
            period = self._period(start, end)
            actor = "claimed and approved" if event.actor_id == officer else "approved"
            return Finding(
                detector=self.name,
                officer_id=officer,
                event_time=t,
                window_start=start,
                window_end=end,
                evidence=(event.event_id,),
                summary=f"{what} of {hours:.1f} h on {period} was {actor} by the same officer.",
                score=1.0,
                observed={
                    "approver_is_beneficiary": True,
                    "change_type": change,
                    "hours": hours,
                    "actor_is_beneficiary": event.actor_id == officer,
                },
                own_normal={},
                peer_normal={},
                threshold={"self_approved_changes": 1},
                situation=event.event_id,
            )
        late = t - end
        if change == "leave_booked" and t - start > self.leave_backdate:
            period = self._period(start, end)
            return Finding(
                detector=self.name,
                officer_id=officer,
                event_time=t,
                window_start=start,
                window_end=t,
                evidence=(event.event_id,),
                summary=(
                    f"Leave for {period} was booked {(t - start) / 86400:.0f} days after it "
                    f"began{' by the officer' if event.actor_id == officer else ''}."
                ),
                score=tidy((t - start) / self.leave_backdate, 2),
                observed={
                    "change_type": change,
                    "days_after_start": tidy((t - start) / 86400.0, 1),
                    "actor_is_beneficiary": event.actor_id == officer,
                },
                own_normal={},
                peer_normal={},
                threshold={"leave_backdate_hours": self.leave_backdate / 3600.0},
                situation=event.event_id,
            )
        if change in BACKDATABLE and late > self.backdate:
            what = NAMES.get(change, change)
            period = self._period(start, end)
            return Finding(
                detector=self.name,
                officer_id=officer,
                event_time=t,
                window_start=start,
                window_end=t,
                evidence=(event.event_id,),
                summary=(
                    f"{what} for {period} was recorded {late / 86400:.0f} days after the "
                    f"period ended."
                ),
                score=tidy(late / self.backdate, 2),
                observed={
                    "change_type": change,
                    "days_after_period": tidy(late / 86400.0, 1),
                    "actor_is_beneficiary": event.actor_id == officer,
                },
                own_normal={},
                peer_normal={},
                threshold={"backdate_days": self.backdate / 86400.0},
                situation=event.event_id,
            )
        return None
