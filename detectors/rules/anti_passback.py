"""`anti_passback`: a zone exit without an entry, or a re-entry without an exit.

Only zones whose exit is badged (`tracks_exit` in the site reference) can break anti-passback;
elsewhere a missing badge-out is normal. A break is how tailgating and shared badges show. A
badge-in older than 16 hours no longer counts as being inside (a forgotten exit long ago), and
an exit is judged only once some earlier badge of the officer has been seen.

Examples
--------
>>> from detectors.testing import Scenario
>>> sc = Scenario()
>>> sc.badge("P1", "2026-03-10T08:00", site="S1", zone="station-main")
>>> sc.badge("P1", "2026-03-10T09:00", site="S1", zone="custody", direction="in")
>>> sc.badge("P1", "2026-03-10T09:20", site="S1", zone="custody", direction="in")
>>> [a.detector for a in sc.run()]
['anti_passback']
"""

from __future__ import annotations

from typing import ClassVar

from detectors.base import Env, OfficerRule, Stage
from detectors.config import Category, DetectorSettings
from detectors.messages import Finding
from detectors.state import OfficerState
from schemas.events import BadgeEvent


class AntiPassbackRule(OfficerRule):
    name: ClassVar[str] = "anti_passback"
    category: ClassVar[Category] = "integrity"
    stage: ClassVar[Stage] = "officer"
    peer_norm: ClassVar[str] = (
        "in zones whose exit is badged, every exit follows an entry and every entry an exit"
    )

    def __init__(self, settings: DetectorSettings, env: Env) -> None:
        super().__init__(settings, env)
        self.memory = settings.num("occupancy_hours") * 3600.0

    def on_badge(self, state: OfficerState, event: BadgeEvent, t: float) -> Finding | None:
        if event.outcome != "granted" or not self.env.reference.tracks_exit(
            event.site_id, event.zone
        ):
            return None
        inside = None
        for entry in state.occupancy:
            if (
                entry[0] == event.site_id
                and entry[1] == event.zone
                and 0 <= t - entry[2] < self.memory
            ):
                inside = entry
                break
        evidence: tuple[str, ...]
        if event.direction == "in":
            if inside is None:
                return None
            kind, evidence, start = "re-entry without exit", (inside[3], event.event_id), inside[2]
        else:
            if inside is not None or state.last_badge is None:
                return None
            kind, evidence, start = "exit without entry", (event.event_id,), t
        site = self.env.reference.sites.get(event.site_id)
        place = f"{event.zone} at {site.name if site else event.site_id}"
        return Finding(
            detector=self.name,
            officer_id=state.officer_id,
            event_time=t,
            window_start=start,
            window_end=t,
            evidence=evidence,
            summary=f"Anti-passback break ({kind}) at {place} on {self.env.days.text(t)}.",
            score=1.0,
            observed={"break": kind, "zone": event.zone, "site": event.site_id},
            own_normal={},
            peer_normal={},
            threshold={"breaks": 1, "occupancy_hours": self.memory / 3600},
            situation=f"{event.site_id}/{event.zone}",
        )
