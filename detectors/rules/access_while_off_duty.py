"""`access_while_off_duty`: system use outside rostered duty, not on approved overtime.

The duty window is widened by grace periods (logging in a little early, finishing a report
after the shift). Officers we hold no roster for are never flagged (the roster is unknown, not
empty). Work that runs on past the end of a duty without a break (activity in every quarter of
an hour since the grace period ended) is a duty overrunning, not a new session off duty. As
with badges, the check waits `confirm_hours` for late roster entries (an overtime claim or a
call-out entered the next day) before it reports; one check per local day.

Examples
--------
>>> from detectors.testing import Scenario
>>> sc = Scenario()
>>> sc.shift("P1", "2026-03-10T07:00", "2026-03-10T16:00")
>>> sc.lookup("P1", "2026-03-10T23:30", case=None)
>>> [a.detector for a in sc.run()]
['access_while_off_duty']
"""

from __future__ import annotations

from typing import ClassVar

from detectors import roster
from detectors.base import Env, OfficerRule, Stage
from detectors.config import Category, DetectorSettings
from detectors.messages import Finding, tidy
from detectors.state import S_EV_MEAN, S_N, OfficerState, Payload
from schemas.events import AccessEvent

OFF = {
    roster.OFF_DUTY: "off duty",
    roster.REST_DAY: "on a rest day",
    roster.ON_LEAVE: "on leave",
    roster.ON_SICK: "sick",
}


class AccessWhileOffDutyRule(OfficerRule):
    name: ClassVar[str] = "access_while_off_duty"
    category: ClassVar[Category] = "integrity"
    stage: ClassVar[Stage] = "officer"
    peer_norm: ClassVar[str] = (
        "no system use while rostered off duty, on leave, sick or on a rest day, beyond the "
        "grace periods around a duty and short of approved overtime"
    )

    def __init__(self, settings: DetectorSettings, env: Env) -> None:
        super().__init__(settings, env)
        self.confirm = settings.num("confirm_hours") * 3600.0
        self.min_events = settings.int("min_events")
        self.require_approval = settings.flag("require_approved_overtime")

    def _off(self, state: OfficerState, t: float) -> int:
        status = self.env.status(state, t)
        if status == roster.OVERTIME and self.require_approval:
            return roster.OFF_DUTY  # claimed overtime that nobody approved does not cover
        return status if status in OFF else 0

    def on_access(self, state: OfficerState, event: AccessEvent, t: float) -> Finding | None:
        if event.action == "logout":
            return None
        # `_off` with the status cache hit inlined: most look-ups fall within a stretch of
        # duty already looked up, and this runs for every access event.
        cache = state.status_cache
        if cache is not None and cache[0] <= t < cache[1]:
            status = cache[2]
        else:
            status = self.env.status(state, t)
        if status == roster.OVERTIME and self.require_approval:
            status = roster.OFF_DUTY
        elif status not in OFF:
            return None
        if status in (roster.OFF_DUTY, roster.REST_DAY) and self._overrun(state, t):
            return None
        day = self.env.days.day_number(t)
        pending = state.pending
        for i, (due, name, payload) in enumerate(pending):
            if name == self.name and payload[0] == day:
                if payload[1] < self.min_events + 2:
                    ids = (*payload[4], event.event_id)[:3]
                    updated = (due, name, (day, payload[1] + 1, payload[2], t, ids))
                    state.pending = (*pending[:i], updated, *pending[i + 1 :])
                return None
        state.schedule(t + self.confirm, self.name, (day, 1, t, t, (event.event_id,)))
        return None

    def _overrun(self, state: OfficerState, t: float) -> bool:
        ended = roster.last_duty_end(state.roster, t / 60.0)
        if ended is None:
            return False
        return state.active_throughout(ended * 60.0 + self.env.grace_after * 60.0, t)

    def on_due(self, state: OfficerState, payload: Payload, t: float) -> Finding | None:
        day, count, first, last, ids = payload
        # Re-check with the roster as corrected since: any event still off duty counts.
        status = self._off(state, first) or self._off(state, last)
        if not status or count < self.min_events:
            return None
        return Finding(
            detector=self.name,
            officer_id=state.officer_id,
            event_time=first,
            window_start=first,
            window_end=last,
            evidence=tuple(ids),
            summary=(
                f"Systems used {count if count <= self.min_events + 1 else 'several'} time(s) "
                f"from {self.env.days.text(first)} while the roster says the officer was "
                f"{OFF[status]}."
            ),
            score=float(count),
            observed={"events": count, "roster_status": roster.STATUS_NAMES[status]},
            # The officer's usual active day, how much system use a whole day holds.
            own_normal=_usual_day(state),
            peer_normal={},
            threshold={
                "events_off_duty": self.min_events,
                "grace_before_minutes": self.env.grace_before,
                "grace_after_minutes": self.env.grace_after,
            },
            situation=f"day:{day}",
        )


def _usual_day(state: OfficerState) -> dict[str, float]:
    if not state.own_days():
        return {}
    own = state.own_figures()
    return {"events_mean": tidy(own[S_EV_MEAN]), "days": float(own[S_N])}
