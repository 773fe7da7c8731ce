"""`impossible_travel`: consecutive granted badges at sites too far apart for the time between.

The fastest credible journey between two sites is taken as the straight-line distance at
`max_speed_kmh` plus `overhead_minutes` (leaving one building, entering the other); a pair of
badges closer in time than that is reported. Sites without coordinates stay silent. A training
day at a far site with real travel time between the badges is not flagged.

Examples
--------
>>> from detectors.testing import Scenario
>>> sc = Scenario()
>>> sc.badge("P1", "2026-03-10T08:00", site="S1")
>>> sc.badge("P1", "2026-03-10T08:06", site="S3")
>>> [a.detector for a in sc.run()]
['impossible_travel']
"""

from __future__ import annotations

from typing import ClassVar

from detectors.base import Env, OfficerRule, Stage
from detectors.config import Category, DetectorSettings
from detectors.messages import Finding, tidy
from detectors.state import OfficerState
from schemas.events import BadgeEvent


class ImpossibleTravelRule(OfficerRule):
    name: ClassVar[str] = "impossible_travel"
    category: ClassVar[Category] = "integrity"
    stage: ClassVar[Stage] = "officer"
    peer_norm: ClassVar[str] = (
        "two badges at different sites no closer in time than the journey between them takes"
    )

    def __init__(self, settings: DetectorSettings, env: Env) -> None:
        super().__init__(settings, env)
        self.speed = settings.num("max_speed_kmh")
        self.overhead = settings.num("overhead_minutes") * 60.0
        self.min_km = settings.num("min_distance_km")

    def on_badge(self, state: OfficerState, event: BadgeEvent, t: float) -> Finding | None:
        last = state.last_badge
        if event.outcome != "granted" or last is None or last[1] == event.site_id:
            return None
        gap = t - last[0]
        if gap < 0:
            return None  # a late event: the order of the two badges is not known
        km = self.env.reference.distance_km(last[1], event.site_id)
        if km is None or km < self.min_km:
            return None
        needed = km / self.speed * 3600.0 + self.overhead
        if gap >= needed:
            return None
        sites = self.env.reference.sites
        names = [sites[s].name if s in sites else s for s in (last[1], event.site_id)]
        minutes = gap / 60.0
        return Finding(
            detector=self.name,
            officer_id=state.officer_id,
            event_time=t,
            window_start=last[0],
            window_end=t,
            evidence=(last[3], event.event_id),
            summary=(
                f"Badged at {names[0]} and then at {names[1]}, {km:.1f} km apart, "
                f"{minutes:.0f} minutes later; the journey takes at least {needed / 60:.0f}."
            ),
            score=min(needed / max(gap, 1.0), 100.0),
            observed={"distance_km": tidy(km, 2), "minutes_between": tidy(minutes, 1)},
            own_normal={},
            peer_normal={},
            threshold={
                "max_speed_kmh": self.speed,
                "overhead_minutes": self.overhead / 60,
                "min_minutes": tidy(needed / 60, 1),
            },
        )
