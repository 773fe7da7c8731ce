"""`unusual_day`: a multivariate River model over each officer's daily activity vector, against
the peer group.

One `river.anomaly.HalfSpaceTrees` per peer group (30 trees of height 8, see defaults.toml;
never one per officer), seeded from the core seed and the group name. Each closed day's
vectors are scored first and learnt afterwards, both in officer-id order, so no vector is
scored by a model that has seen it or its day's peers. The model sees the side of a day no
other detector judges (exports and prints, systems the peer group hardly ever uses, entries
to sensitive zones, denied badges, site changes, record modifications), log-scaled into
[0, 1] (HalfSpaceTrees splits a fixed box). A day is reported when the anomaly score reaches
`threshold` once the model has passed `warmup_windows` windows. The group's mean of each of
those features (per officer-day learnt) goes into the explanation as the peer normal: the
trees score, the means let a reviewer read the officer's numbers against the group's.

Examples
--------
>>> from detectors.testing import Scenario
>>> from detectors.config import load_config
>>> config = load_config(overrides={"detectors": {"unusual_day": {"window_size": 20}}})
>>> detector = UnusualDayDetector(config.detector("unusual_day"), Scenario().env(config))
>>> model = detector.new_model("response/constable")
>>> type(model["trees"]).__name__
'HalfSpaceTrees'
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Hashable, Mapping, Sequence
from typing import Any, ClassVar

from river import anomaly, stats

from detectors.base import Env, PeerDetector, Stage
from detectors.config import Category, DetectorSettings
from detectors.messages import DayVector, Finding, tidy
from detectors.models.half_space import plant

# What the model sees: the parts of a day that matter for integrity, each scaled into [0, 1]
# (HalfSpaceTrees splits a fixed box). Volumes of ordinary work are left out on purpose: they
# vary with shift length and role, and look-up volume has a detector of its own. Counts are
# log-scaled: feature -> the count at which the scaled value reaches 1.
CAPS = {
    "exports": 50.0,  # exports and prints of records
    "rare_systems": 3.0,  # systems the peer group hardly ever uses (see `rare_systems`)
    "sensitive_entries": 10.0,  # entries to property stores and other level-4+ zones
    "denied": 30.0,
    "site_changes": 10.0,
    "modify": 50.0,
}
# Left out on purpose, because a detector of their own judges them with more context: use
# outside rostered duty (claims for it arrive later), the share of searches without a case,
# watch-listed look-ups, look-up volume.


# A system used on fewer than this share of a peer group's days is rare for that group (a
# system "the role never uses"); judged once the group has this many days behind it.
RARE_SYSTEM_SHARE = 0.01
RARE_SYSTEM_AFTER = 50


def rare_systems(model: Mapping[str, Any], mask: int) -> int:
    """How many of the systems in `mask` the peer group hardly ever uses.

    >>> model = {"vectors": 100, "systems": [0] * 31 + [100]}
    >>> rare_systems(model, 1 << 31), rare_systems(model, 1 | 1 << 31)
    (0, 1)
    """
    seen = model["vectors"]
    if seen < RARE_SYSTEM_AFTER or not mask:
        return 0
    counts = model["systems"]
    return sum(1 for bit in range(32) if mask >> bit & 1 and counts[bit] < RARE_SYSTEM_SHARE * seen)


def scaled(features: Mapping[str, float]) -> dict[str, float]:
    """The vector as HalfSpaceTrees sees it: every feature in [0, 1].

    >>> x = scaled({"exports": 50.0, "denied": 1.0})
    >>> x["exports"], round(x["denied"], 3), x["modify"]
    (1.0, 0.202, 0.0)
    """
    x = {
        name: min(math.log1p(max(features.get(name, 0.0), 0.0)) / math.log1p(cap), 1.0)
        for name, cap in CAPS.items()
    }
    return x


class UnusualDayDetector(PeerDetector):
    name: ClassVar[str] = "unusual_day"
    category: ClassVar[Category] = "integrity"
    stage: ClassVar[Stage] = "peer"

    def __init__(self, settings: DetectorSettings, env: Env) -> None:
        super().__init__(settings, env)
        self.n_trees = settings.int("n_trees")
        self.height = settings.int("height")
        self.window = settings.int("window_size")
        self.threshold = settings.num("threshold")
        self.warmup = settings.int("warmup_windows") * self.window
        self.limits: dict[Hashable, tuple[float, float]] = {n: (0.0, 1.0) for n in scaled({})}

    def new_model(self, peer_group: str) -> Any:
        digest = hashlib.sha256(peer_group.encode()).digest()
        seed = (self.env.config.seed + int.from_bytes(digest[:4], "little")) % (2**31)
        trees = anomaly.HalfSpaceTrees(
            n_trees=self.n_trees,
            height=self.height,
            window_size=self.window,
            limits=self.limits,
            seed=seed,
        )
        plant(trees, self.limits)
        # Per system bit, the group's days that used it: what "rare for the role" is judged by.
        return {
            "trees": trees,
            "seen": 0,
            "vectors": 0,
            "systems": [0] * 32,
            "means": _means(),
        }

    def score(self, model: Any, vectors: Sequence[DayVector]) -> list[Finding]:
        if model["seen"] < self.warmup:
            return []
        trees = model["trees"]
        means = model.get("means", {})
        found = []
        for v in vectors:
            features = {**v.features, "rare_systems": rare_systems(model, _mask(v))}
            s = trees.score_one(scaled(features))
            if s < self.threshold:
                continue
            # What the model saw, in the officer's own numbers (non-zero only).
            seen = {name: features[name] for name in CAPS if features.get(name)}
            # The day's notable events (exports and prints, entries to sensitive zones), or
            # its last event when nothing stood out on its own.
            evidence = v.evidence.get("notable") or v.evidence.get("last", ())
            found.append(
                Finding(
                    detector=self.name,
                    officer_id=v.officer_id,
                    event_time=v.last_time,
                    window_start=v.day_start,
                    window_end=v.day_end,
                    evidence=evidence,
                    summary=(
                        f"The activity of {self.env.days.date_text(v.day_start)} is unlike "
                        f"this peer group's days (anomaly score {s:.2f})."
                    ),
                    score=tidy(s),
                    observed=seen,
                    own_normal={"events_mean": v.own["events_mean"], "days": v.own["days"]},
                    peer_normal={
                        "peer_group": v.peer_group,
                        "days_learnt": model["seen"],
                        **{f"{name}_mean": tidy(m.get()) for name, m in means.items()},
                    },
                    threshold={"anomaly_score": self.threshold},
                )
            )
        return found

    def learn(self, model: Any, vectors: Sequence[DayVector]) -> Any:
        trees = model["trees"]
        # A model pickled before the means were added starts them now.
        means = model.setdefault("means", _means())
        for v in vectors:
            features = {**v.features, "rare_systems": rare_systems(model, _mask(v))}
            trees.learn_one(scaled(features))
            for name, mean in means.items():
                mean.update(features.get(name, 0.0))
        # Usage counts only after the day has been scored and learnt, in the same order.
        counts = model["systems"]
        for v in vectors:
            mask = _mask(v)
            for bit in range(32):
                if mask >> bit & 1:
                    counts[bit] += 1
        model["vectors"] += len(vectors)
        model["seen"] += len(vectors)
        return model


def _means() -> dict[str, stats.Mean]:
    return {name: stats.Mean() for name in CAPS}


def _mask(vector: DayVector) -> int:
    return int(vector.features.get("systems_mask", 0.0))
