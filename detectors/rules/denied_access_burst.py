"""`denied_access_burst`: many denied badge attempts in a short time.

One or two denials happen (a wrong door, a lapsed permission); a run of them in minutes is
someone trying doors they may not open, or a found badge being tried.

Examples
--------
>>> from detectors.testing import Scenario
>>> sc = Scenario()
>>> for minute in range(5):
...     sc.badge("P1", f"2026-03-10T10:0{minute}", zone="property-store", outcome="denied")
>>> [a.detector for a in sc.run()]
['denied_access_burst']
"""

from __future__ import annotations

from typing import ClassVar

from detectors.base import Env, OfficerRule, Stage
from detectors.config import Category, DetectorSettings
from detectors.messages import Finding
from detectors.state import OfficerState
from schemas.events import BadgeEvent


class DeniedAccessBurstRule(OfficerRule):
    name: ClassVar[str] = "denied_access_burst"
    category: ClassVar[Category] = "integrity"
    stage: ClassVar[Stage] = "officer"
    peer_norm: ClassVar[str] = "a denied badge retried a few times at most, never a burst"

    def __init__(self, settings: DetectorSettings, env: Env) -> None:
        super().__init__(settings, env)
        self.count = settings.int("min_denied")
        self.window = settings.num("window_minutes") * 60.0

    def on_badge(self, state: OfficerState, event: BadgeEvent, t: float) -> Finding | None:
        if event.outcome != "denied":
            return None
        recent = [d for d in state.denied if 0 <= t - d[0] <= self.window]
        if len(recent) + 1 < self.count:
            return None
        ids = (*(d[1] for d in recent[-(self.count - 1) :]), event.event_id)
        start = recent[-(self.count - 1)][0] if self.count > 1 else t
        return Finding(
            detector=self.name,
            officer_id=state.officer_id,
            event_time=t,
            window_start=start,
            window_end=t,
            evidence=ids,
            summary=(
                f"{len(recent) + 1} denied badge attempts within "
                f"{(t - start) / 60:.0f} minutes, the last at {event.zone} on "
                f"{self.env.days.text(t)}."
            ),
            score=(len(recent) + 1) / self.count,
            observed={"denied": len(recent) + 1, "minutes": round((t - start) / 60, 1)},
            own_normal={},
            peer_normal={},
            threshold={"min_denied": self.count, "window_minutes": self.window / 60},
        )
