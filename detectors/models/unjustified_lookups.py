"""`unjustified_lookups`: the share of look-ups without a case reference far above peers'.

Counted in searches: a search and the views that follow it share one case reference (or
none), so searches are the independent trials. Over the officer's last 7 active days (enough
searches for the share to mean something) the share without a case reference is compared with
the peer group's using the binomial standard error: reported when it is `z` standard errors and
`min_excess` above it, and the day itself is also `min_excess` above it (so the days just after
a bad week, still inside its 7-day window, do not report it again). The peer share is a pooled
ratio (searches without a case over all searches of the group's officers, both sums fading by
`peer_alpha` a day), trusted only after `min_peer_days` days.

Examples
--------
>>> from detectors.testing import Scenario
>>> sc = Scenario()
>>> for officer in ("P2", "P3", "P4"):
...     for day in range(10, 20):
...         for k in range(6):
...             sc.lookup(officer, f"2026-03-{day}T10:{k:02d}", case=None if k == 0 else "CR/1")
>>> for day in range(20, 24):
...     for k in range(12):
...         sc.lookup("P1", f"2026-03-{day}T10:{k:02d}", case=None if k % 6 else "CR/1")
>>> sc.badge("P1", "2026-03-26T08:00")
>>> [a.detector for a in sc.run()]
['unjustified_lookups']
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, ClassVar

from detectors.base import Env, PeerDetector, Stage
from detectors.config import Category, DetectorSettings
from detectors.messages import DayVector, Finding, tidy


class UnjustifiedLookupsDetector(PeerDetector):
    name: ClassVar[str] = "unjustified_lookups"
    category: ClassVar[Category] = "integrity"
    stage: ClassVar[Stage] = "peer"

    def __init__(self, settings: DetectorSettings, env: Env) -> None:
        super().__init__(settings, env)
        self.z = settings.num("z")
        self.min_excess = settings.num("min_excess")
        self.min_searches = settings.num("min_searches")
        self.alpha = settings.num("peer_alpha")
        self.min_days = settings.int("min_peer_days")

    def new_model(self, peer_group: str) -> Any:
        return {"nocase": 0.0, "searches": 0.0, "days": 0}

    def score(self, model: Any, vectors: Sequence[DayVector]) -> list[Finding]:
        if model["days"] < self.min_days or model["searches"] <= 0:
            return []
        p = min(max(model["nocase"] / model["searches"], 0.01), 0.99)
        found = []
        for v in vectors:
            f = v.features
            n, k = f["searches_7d"], f["nocase_searches_7d"]
            today, today_nocase = f["searches"], f["searches_nocase"]
            if n < self.min_searches or today == 0:
                continue
            share = k / n
            se = math.sqrt(p * (1 - p) / n)
            if share - p < self.min_excess or (share - p) / se < self.z:
                continue
            if today_nocase / today - p < self.min_excess:
                continue
            found.append(
                Finding(
                    detector=self.name,
                    officer_id=v.officer_id,
                    event_time=v.last_time,
                    window_start=v.day_start,
                    window_end=v.day_end,
                    evidence=v.evidence.get("nocase", v.evidence.get("last", ())),
                    summary=(
                        f"{share:.0%} of {n:.0f} searches over the last 7 active days had no "
                        f"case reference, against {p:.0%} for the peer group."
                    ),
                    score=tidy((share - p) / se, 2),
                    observed={
                        "searches_7d": n,
                        "without_case_7d": k,
                        "share": tidy(share),
                        "share_today": tidy(today_nocase / today),
                    },
                    own_normal={
                        "share_mean": v.own["nocase_share_mean"],
                        "days": v.own["days"],
                    },
                    peer_normal={"peer_group": v.peer_group, "share": tidy(p)},
                    threshold={"z": self.z, "min_excess": self.min_excess},
                )
            )
        return found

    def learn(self, model: Any, vectors: Sequence[DayVector]) -> Any:
        keep = 1.0 - self.alpha
        model["nocase"] = keep * model["nocase"] + sum(
            v.features["searches_nocase"] for v in vectors
        )
        model["searches"] = keep * model["searches"] + sum(v.features["searches"] for v in vectors)
        model["days"] += 1
        return model
