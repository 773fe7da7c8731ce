"""`badge_while_absent`: granted badge use while the roster says sick, on leave or rest day.

The roster is the expectation the badge is scored against. Rosters are corrected after the
fact (a sickness ended early, a rest day worked entered the next morning), so a suspicious badge
is not reported at once: the rule schedules a check `confirm_hours` later and reports only if
the roster, as corrected by then, still says the officer was absent. One check per local day.

Examples
--------
>>> from detectors.testing import Scenario
>>> sc = Scenario()
>>> sc.leave("P1", "2026-03-10T00:00", "2026-03-13T00:00")
>>> sc.badge("P1", "2026-03-11T08:02", site="S1")
>>> [a.detector for a in sc.run()]
['badge_while_absent']
"""

from __future__ import annotations

from typing import ClassVar

from detectors import roster
from detectors.base import Env, OfficerRule, Stage
from detectors.config import Category, DetectorSettings
from detectors.messages import Finding
from detectors.state import OfficerState, Payload
from schemas.events import BadgeEvent

ABSENT = {roster.ON_SICK: "sick", roster.ON_LEAVE: "on leave", roster.REST_DAY: "on a rest day"}


class BadgeWhileAbsentRule(OfficerRule):
    name: ClassVar[str] = "badge_while_absent"
    category: ClassVar[Category] = "integrity"
    stage: ClassVar[Stage] = "officer"
    peer_norm: ClassVar[str] = "no granted badge while rostered sick, on leave or on a rest day"

    def __init__(self, settings: DetectorSettings, env: Env) -> None:
        super().__init__(settings, env)
        self.confirm = settings.num("confirm_hours") * 3600.0
        self.include_rest_days = settings.flag("include_rest_days")

    def on_badge(self, state: OfficerState, event: BadgeEvent, t: float) -> Finding | None:
        if event.outcome != "granted":
            return None
        status = self.env.status(state, t)
        if status not in ABSENT or (status == roster.REST_DAY and not self.include_rest_days):
            return None
        day = self.env.days.day_number(t)
        for _, name, payload in state.pending:
            if name == self.name and payload[0] == day:
                return None
        state.schedule(t + self.confirm, self.name, (day, t, event.event_id, event.site_id))
        return None

    def on_due(self, state: OfficerState, payload: Payload, t: float) -> Finding | None:
        day, when, event_id, site = payload
        status = self.env.status(state, when)
        if status not in ABSENT or (status == roster.REST_DAY and not self.include_rest_days):
            return None  # the roster was corrected: the officer was on duty after all
        minute = roster.minute(when)
        kinds = frozenset({roster.SICK}) if status == roster.ON_SICK else frozenset({roster.LEAVE})
        basis = (
            state.roster_evidence(minute, minute + 1, kinds) if status != roster.REST_DAY else []
        )
        site_ref = self.env.reference.sites.get(site)
        place = site_ref.name if site_ref is not None else site
        day_start, day_end = self.env.days.day_bounds(day)
        return Finding(
            detector=self.name,
            officer_id=state.officer_id,
            event_time=when,
            window_start=day_start,
            window_end=day_end,
            evidence=(event_id, *basis),
            summary=(
                f"Badge granted at {place} on {self.env.days.text(when)} while the roster "
                f"says the officer was {ABSENT[status]}."
            ),
            score=1.0,
            observed={"badge_site": site, "roster_status": roster.STATUS_NAMES[status]},
            own_normal={},
            peer_normal={},
            threshold={"granted_badges_while_absent": 1, "confirm_hours": self.confirm / 3600},
            # One ongoing situation per absence (its roster entry), or per rest day.
            situation=basis[0] if basis else f"day:{day}",
        )
