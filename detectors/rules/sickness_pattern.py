"""`sickness_pattern` (welfare): a Bradford factor over 52 weeks above a threshold.

The Bradford factor S^2 x D (S spells, D days of sickness in a rolling 52 weeks) weighs many
short absences above one long one; absence policies set trigger points between 50 and 500,
200 being a common point for a formal welfare review. Evaluated
when a spell starts or ends, so the welfare team hears of it when it matters.

Examples
--------
>>> from detectors.testing import Scenario
>>> sc = Scenario()
>>> for day in (2, 9, 16, 23, 30, 37):  # six 2-day spells: 6^2 x 12 = 432
...     sc.sick("P1", f"2026-{3 + day // 31:02d}-{day % 31 or 1:02d}T00:00",
...             f"2026-{3 + day // 31:02d}-{(day % 31 or 1) + 1:02d}T23:59")
>>> [a.detector for a in sc.run()]
['sickness_pattern']
"""

from __future__ import annotations

from typing import ClassVar

from detectors import roster
from detectors.base import Env, OfficerRule, Stage
from detectors.config import Category, DetectorSettings
from detectors.messages import Finding
from detectors.state import OfficerState
from schemas.events import RosterEvent

WINDOW_DAYS = 364  # 52 weeks


def bradford(spells: list[tuple[int, int]], today: int) -> tuple[int, int]:
    """(spells, days) within the 52 weeks to `today` from (first day, last day) pairs.

    >>> bradford([(100, 100), (120, 122), (-300, -290)], 130)
    (2, 4)
    """
    recent = [(a, b) for a, b in spells if b > today - WINDOW_DAYS]
    days = sum(min(b, today) - max(a, today - WINDOW_DAYS + 1) + 1 for a, b in recent)
    return len(recent), days


class SicknessPatternRule(OfficerRule):
    name: ClassVar[str] = "sickness_pattern"
    category: ClassVar[Category] = "welfare"
    stage: ClassVar[Stage] = "officer"
    peer_norm: ClassVar[str] = "a Bradford factor over 52 weeks below the force's trigger point"

    def __init__(self, settings: DetectorSettings, env: Env) -> None:
        super().__init__(settings, env)
        self.threshold = settings.num("bradford_threshold")

    def on_roster(self, state: OfficerState, event: RosterEvent, t: float) -> Finding | None:
        change = event.change_type
        if change not in ("sickness_started", "sickness_ended"):
            return None
        days = self.env.days
        start_s = event.period_start.timestamp()
        # As many days as the spell lasts (see Core._sick_days).
        first = days.day_number(start_s)
        last = first + max(1, round((event.period_end.timestamp() - start_s) / 86400.0)) - 1
        raw = state.sick_spells
        spells = [(raw[i], raw[i + 1]) for i in range(0, len(raw), 2)]
        for i, (a, _) in enumerate(spells):
            if a == first or (change == "sickness_ended" and a <= last and i == len(spells) - 1):
                spells[i] = (a, last)
                break
        else:
            spells.append((first, last))
        today = max(days.day_number(t), last)
        count, total = bradford(spells, today)
        factor = count * count * total
        if factor <= self.threshold:
            return None
        start, _ = days.day_bounds(min(a for a, _ in spells if a > today - WINDOW_DAYS))
        earlier = [
            n.event_id
            for n in state.roster_notes()
            if n.kind == roster.SICK and n.start * 60.0 >= start
        ]
        return Finding(
            detector=self.name,
            officer_id=state.officer_id,
            event_time=t,
            window_start=min(start, t),
            window_end=t,
            evidence=(*earlier[-4:], event.event_id),
            summary=(
                f"Bradford factor {factor} ({count} spells, {total} days of sickness in 52 "
                f"weeks), above {self.threshold:.0f}."
            ),
            score=factor / self.threshold,
            observed={"bradford_factor": factor, "spells": count, "days": total},
            own_normal={},
            peer_normal={},
            threshold={"bradford_factor": self.threshold, "window_weeks": 52},
        )
