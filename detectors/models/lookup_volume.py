"""`lookup_volume`: look-ups far above this officer's own normal and the peer group's.

Look-ups are weighted by justification: one without a case reference counts fully, one with a
case counts `case_weight`, so a detective's legitimate busy day on a case is not a spree. The
expected count shrinks the officer's own exponentially weighted normal towards the peer group's
(river `stats.EWMean`/`EWVar` per group) with the weight of `prior_days`: a new officer starts
from the peer group's baseline, not from nothing. A day is reported when the weighted count is
`z` standard deviations above both normals, and `min_ratio` times the expected count.

Examples
--------
>>> from detectors.testing import Scenario
>>> sc = Scenario()
>>> for day in range(10, 24):
...     for k in range(8):
...         sc.lookup("P1", f"2026-03-{day}T10:{k:02d}", case="CR/1" if k % 4 else None)
>>> for k in range(120):
...     sc.lookup("P1", f"2026-03-24T{9 + k // 60:02d}:{k % 60:02d}",
...               case=None if k % 4 == 0 else "CR/1", record=f"r:{k}")
>>> sc.badge("P1", "2026-03-26T08:00")
>>> [a.detector for a in sc.run()]
['lookup_volume']
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, ClassVar

from river import stats

from detectors.base import Env, PeerDetector, Stage
from detectors.config import Category, DetectorSettings
from detectors.messages import DayVector, Finding, tidy


class LookupVolumeDetector(PeerDetector):
    name: ClassVar[str] = "lookup_volume"
    category: ClassVar[Category] = "integrity"
    stage: ClassVar[Stage] = "peer"

    def __init__(self, settings: DetectorSettings, env: Env) -> None:
        super().__init__(settings, env)
        self.z = settings.num("z")
        self.min_lookups = settings.num("min_lookups")
        self.min_ratio = settings.num("min_ratio")
        self.prior = settings.num("prior_days")
        self.alpha = settings.num("peer_alpha")
        self.min_days = settings.int("min_peer_days")

    def new_model(self, peer_group: str) -> Any:
        return {"mean": stats.EWMean(self.alpha), "var": stats.EWVar(self.alpha), "n": 0, "days": 0}

    def score(self, model: Any, vectors: Sequence[DayVector]) -> list[Finding]:
        if model["n"] == 0 or model["days"] < self.min_days:
            return []  # no peer normal yet: cannot tell what "far above" means
        peer_mean = model["mean"].get()
        peer_sd = math.sqrt(max(model["var"].get(), peer_mean, 1.0))
        found = []
        for v in vectors:
            x = v.features["weighted_lookups"]
            if x < self.min_lookups:
                continue
            n = v.own["days"]
            w = n / (n + self.prior)
            mean = w * v.own["weighted_lookups_mean"] + (1 - w) * peer_mean
            own_sd = v.own["weighted_lookups_sd"]
            sd = math.sqrt(max(w * own_sd**2 + (1 - w) * peer_sd**2, mean, 1.0))
            limit = max(mean + self.z * sd, self.min_ratio * mean, peer_mean + self.z * peer_sd)
            if x <= limit:
                continue
            found.append(
                Finding(
                    detector=self.name,
                    officer_id=v.officer_id,
                    event_time=v.last_time,
                    window_start=v.day_start,
                    window_end=v.day_end,
                    evidence=v.evidence.get("lookups", v.evidence.get("last", ())),
                    summary=(
                        f"{v.features['lookups']:.0f} look-ups ({v.features['nocase']:.0f} "
                        f"without a case) on {self.env.days.date_text(v.day_start)}, against a "
                        f"usual {mean:.0f} (weighted) for this officer and peer group."
                    ),
                    score=tidy((x - mean) / sd, 2),
                    observed={
                        "lookups": v.features["lookups"],
                        "lookups_without_case": v.features["nocase"],
                        "weighted_lookups": x,
                        "distinct_records": v.features["distinct_records"],
                    },
                    own_normal={
                        "weighted_lookups_mean": v.own["weighted_lookups_mean"],
                        "weighted_lookups_sd": own_sd,
                        "days": n,
                    },
                    peer_normal={
                        "peer_group": v.peer_group,
                        "weighted_lookups_mean": tidy(peer_mean),
                        "weighted_lookups_sd": tidy(peer_sd),
                    },
                    threshold={"weighted_lookups": tidy(limit), "z": self.z},
                    situation="",
                )
            )
        return found

    def learn(self, model: Any, vectors: Sequence[DayVector]) -> Any:
        for v in vectors:
            x = v.features["weighted_lookups"]
            model["mean"].update(x)
            model["var"].update(x)
            model["n"] += 1
        model["days"] += 1
        return model
