"""`overtime_outlier`: overtime far above the peer group for the same role and rank.

Each day, every active officer's overtime claimed over the last 28 days is compared with the
peer group's robust normal: the day's median across the group and the median absolute
deviation, smoothed over days (river `stats.EWMean`) so a small group's odd day does not move
it. Reported when `z` robust standard deviations and `min_excess_hours` above the median.

Examples
--------
>>> from detectors.testing import Scenario
>>> sc = Scenario(only=["overtime_outlier"])
>>> for i, officer in enumerate(("P1", "P2", "P3", "P4", "P5", "P6")):
...     for day in range(2, 27):
...         sc.badge(officer, f"2026-03-{day:02d}T08:0{i}")
>>> for day in range(2, 26, 2):
...     sc.overtime("P1", f"2026-03-{day:02d}T17:00", f"2026-03-{day:02d}T21:00",
...                 at=f"2026-03-{day:02d}T21:30")
>>> sorted({a.detector for a in sc.run()})  # once; then suppressed for 14 days
['overtime_outlier']
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import median
from typing import Any, ClassVar

from river import stats

from detectors.base import Env, PeerDetector, Stage
from detectors.config import Category, DetectorSettings
from detectors.messages import DayVector, Finding, tidy

MAD_TO_SD = 1.4826  # median absolute deviation of a normal distribution, in sds
MIN_SD_HOURS = 2.0  # most officers claim little; a group's spread is never taken below this


class OvertimeOutlierDetector(PeerDetector):
    name: ClassVar[str] = "overtime_outlier"
    category: ClassVar[Category] = "integrity"
    stage: ClassVar[Stage] = "peer"

    def __init__(self, settings: DetectorSettings, env: Env) -> None:
        super().__init__(settings, env)
        self.z = settings.num("z")
        self.min_excess = settings.num("min_excess_hours")
        self.min_group = settings.int("min_group")
        self.alpha = settings.num("peer_alpha")

    def new_model(self, peer_group: str) -> Any:
        return {"median": stats.EWMean(self.alpha), "mad": stats.EWMean(self.alpha), "n": 0}

    def score(self, model: Any, vectors: Sequence[DayVector]) -> list[Finding]:
        if model["n"] < self.min_group:
            return []
        center = model["median"].get()
        sd = max(MAD_TO_SD * model["mad"].get(), MIN_SD_HOURS)
        found = []
        for v in vectors:
            x = v.features["overtime_28d"]
            if x - center < self.min_excess or (x - center) / sd < self.z:
                continue
            found.append(
                Finding(
                    detector=self.name,
                    officer_id=v.officer_id,
                    event_time=v.last_time,
                    # The 28 local days of `overtime_28d` (see `Core._vector`).
                    window_start=self.env.days.day_bounds(v.day - 27)[0],
                    window_end=v.day_end,
                    evidence=v.evidence.get("overtime", ()),
                    summary=(
                        f"{x:.1f} hours of overtime claimed in 28 days, against a median of "
                        f"{center:.1f} in the peer group ({v.peer_group})."
                    ),
                    score=tidy((x - center) / sd, 2),
                    observed={"overtime_hours_28d": x},
                    own_normal={},
                    peer_normal={
                        "peer_group": v.peer_group,
                        "median_hours_28d": tidy(center, 2),
                        "robust_sd_hours": tidy(sd, 2),
                    },
                    threshold={"z": self.z, "min_excess_hours": self.min_excess},
                )
            )
        return found

    def learn(self, model: Any, vectors: Sequence[DayVector]) -> Any:
        values = [v.features["overtime_28d"] for v in vectors]
        if len(values) < self.min_group:
            return model
        mid = median(values)
        model["median"].update(mid)
        model["mad"].update(median(abs(x - mid) for x in values))
        model["n"] += len(values)
        return model
