"""`concurrent_presence`: active in two places at once: badged at one site while a workstation
at another site is in use.

A badge and a workstation event at different sites, at most `max_minutes_apart` apart ("at
once") and closer in time than the fastest journey between them (as in `impossible_travel`),
cannot both be the officer's own: a shared login or a lent badge. In-car terminals and remote
laptops carry no site and are never compared. (A badge far away an hour after the desk was
last used is a journey question: `impossible_travel` asks it of consecutive badges.)

Examples
--------
>>> from detectors.testing import Scenario
>>> sc = Scenario()
>>> sc.badge("P1", "2026-03-10T08:00", site="S1")
>>> sc.lookup("P1", "2026-03-10T08:05", site="S3", case="CR/1")
>>> [a.detector for a in sc.run()]
['concurrent_presence']
"""

from __future__ import annotations

from typing import ClassVar

from detectors.base import Env, OfficerRule, Stage
from detectors.config import Category, DetectorSettings
from detectors.messages import Finding, tidy
from detectors.state import OfficerState
from schemas.events import AccessEvent, BadgeEvent


class ConcurrentPresenceRule(OfficerRule):
    name: ClassVar[str] = "concurrent_presence"
    category: ClassVar[Category] = "integrity"
    stage: ClassVar[Stage] = "officer"
    peer_norm: ClassVar[str] = (
        "never badged at one site while a workstation at another site is in use"
    )

    def __init__(self, settings: DetectorSettings, env: Env) -> None:
        super().__init__(settings, env)
        self.speed = settings.num("max_speed_kmh")
        self.overhead = settings.num("overhead_minutes") * 60.0
        self.min_km = settings.num("min_distance_km")
        self.window = settings.num("max_minutes_apart") * 60.0

    def _check(
        self,
        state: OfficerState,
        *,
        t: float,
        here: str,
        there: tuple[float, str, str, str] | None,
        event_id: str,
        badge_first: bool,
    ) -> Finding | None:
        if there is None or there[1] == here:
            return None
        gap = t - there[0]
        if gap < 0 or gap > self.window:
            return None
        km = self.env.reference.distance_km(here, there[1])
        if km is None or km < self.min_km:
            return None
        needed = km / self.speed * 3600.0 + self.overhead
        if gap >= needed:
            return None
        sites = self.env.reference.sites
        badge_site, ws_site = (there[1], here) if badge_first else (here, there[1])
        names = [sites[s].name if s in sites else s for s in (badge_site, ws_site)]
        return Finding(
            detector=self.name,
            officer_id=state.officer_id,
            event_time=t,
            window_start=there[0],
            window_end=t,
            evidence=(there[3], event_id),
            summary=(
                f"Badged at {names[0]} while a workstation at {names[1]}, {km:.1f} km away, "
                f"was in use {gap / 60:.0f} minutes apart."
            ),
            score=min(needed / max(gap, 1.0), 100.0),
            observed={"distance_km": tidy(km, 2), "minutes_between": tidy(gap / 60, 1)},
            own_normal={},
            peer_normal={},
            threshold={"max_speed_kmh": self.speed, "min_minutes": tidy(needed / 60, 1)},
        )

    def on_access(self, state: OfficerState, event: AccessEvent, t: float) -> Finding | None:
        site = event.site_id
        there = state.last_badge
        # The usual answers of `_check` first, without its call: no site, same site, or the
        # badge too long ago (this runs for every access event).
        if site is None or there is None or there[1] == site or t - there[0] > self.window:
            return None
        return self._check(
            state,
            t=t,
            here=site,
            there=there,
            event_id=event.event_id,
            badge_first=True,
        )

    def on_badge(self, state: OfficerState, event: BadgeEvent, t: float) -> Finding | None:
        there = state.last_access
        if (
            event.outcome != "granted"
            or there is None
            or there[1] == event.site_id
            or t - there[0] > self.window
        ):
            return None
        return self._check(
            state,
            t=t,
            here=event.site_id,
            there=there,
            event_id=event.event_id,
            badge_first=False,
        )
