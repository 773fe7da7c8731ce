"""Integrity risk: alert points that halve every N days, and `risk_threshold_crossed`.

Each integrity alert adds its detector's `risk_points` at its event time; the points halve every
`core.risk_half_life_days`. When the sum first reaches `core.risk_threshold`, one
`risk_threshold_crossed` alert lists every contribution still counting. It fires again only
after the score has decayed below `risk_rearm_fraction` of the threshold (a new crossing), so a
reviewer is not told the same thing after every further alert. Welfare alerts never add risk.

The risk is kept in the officer's state and updated in the officer stage's processing order:
event-time order within the allowed lateness, with peer-stage findings delivered at the day
barrier (see `detectors.core`). The same input thus gives the same risk, whatever the split of
officers across workers.

Examples
--------
>>> from detectors.base import Env
>>> from detectors.config import load_config
>>> from detectors.reference import Reference
>>> from detectors.state import OfficerState
>>> config = load_config(overrides={"core": {"risk_threshold": 5.0, "risk_half_life_days": 1.0}})
>>> risk = RiskThresholdCrossedRule(config.detector("risk_threshold_crossed"),
...                                 Env(config, Reference()))
>>> s = OfficerState("P1")
>>> risk.add(s, "a1", 3.0, 0.0)[1] is None
True
>>> score, crossing = risk.add(s, "a2", 3.0, 86400.0)  # a day later: 1.5 + 3.0 < 5
>>> score.score, crossing is None
(4.5, True)
>>> score, crossing = risk.add(s, "a3", 1.0, 86400.0)
>>> score.score, crossing.evidence
(5.5, ('a1', 'a2', 'a3'))
"""

from __future__ import annotations

from typing import ClassVar

from detectors.base import Detector, Env, Stage
from detectors.config import Category, DetectorSettings
from detectors.messages import Finding, make_risk, tidy
from detectors.state import OfficerState
from schemas.alerts import Risk


class RiskThresholdCrossedRule(Detector):
    """The officer's decaying integrity risk crossed the threshold; every contribution listed."""

    name: ClassVar[str] = "risk_threshold_crossed"
    category: ClassVar[Category] = "integrity"
    stage: ClassVar[Stage] = "risk"
    peer_norm: ClassVar[str] = "integrity risk from alerts stays below the threshold"

    def __init__(self, settings: DetectorSettings, env: Env) -> None:
        super().__init__(settings, env)
        config = env.config
        self.half_life = config.risk_half_life_days * 86400.0
        self.threshold = config.risk_threshold
        self.rearm = config.risk_threshold * config.risk_rearm_fraction
        self.min_points = config.risk_min_points
        self.max_contributions = config.max_risk_contributions

    def _decay(self, state: OfficerState, now: float) -> list[tuple[str, float]]:
        """Contributions decayed to `now`; forgets those that no longer count."""
        half_life = self.half_life
        kept: list[tuple[str, float, float]] = []
        current: list[tuple[str, float]] = []
        for ident, points, t in state.contributions:
            value = points * 0.5 ** ((now - t) / half_life) if now > t else points
            if value >= self.min_points:
                kept.append((ident, points, t))
                current.append((ident, value))
        state.contributions = tuple(kept)
        return current

    def score_at(self, state: OfficerState, now: float) -> float:
        """The decayed score at `now` (also re-arms the crossing once it has fallen enough)."""
        if not state.contributions:
            state.risk = 0.0
            state.risk_above = False
            return 0.0
        total = sum(v for _, v in self._decay(state, now))
        if state.risk_above and total < self.rearm:
            state.risk_above = False
        return total

    def add(
        self, state: OfficerState, ident: str, points: float, t: float
    ) -> tuple[Risk, Finding | None]:
        """Add an integrity alert's points at event time `t`; the risk after it, and a crossing
        finding if this alert took the score over the threshold."""
        now = max(t, state.risk_time)
        self.score_at(state, now)  # re-arm check before adding
        if points > 0:
            contributions = [*state.contributions, (ident, points, t)]
            if len(contributions) > self.max_contributions:
                # Keep the heaviest; ties broken by id so the choice is deterministic.
                contributions.sort(
                    key=lambda c: (-c[1] * 0.5 ** ((now - c[2]) / self.half_life), c[0])
                )
                del contributions[self.max_contributions :]
                contributions.sort(key=lambda c: (c[2], c[0]))
            state.contributions = tuple(contributions)
        current = self._decay(state, now)
        total = sum(v for _, v in current)
        state.risk = total
        state.risk_time = now
        risk = make_risk(total, current)
        if total < self.threshold or state.risk_above or not self.settings.enabled:
            return risk, None
        state.risk_above = True
        evidence = tuple(i for i, _ in current)
        detectors = sorted({i.split(":")[1] for i in evidence if i.count(":") >= 2})
        first = min(c[2] for c in state.contributions)
        crossing = Finding(
            detector=self.name,
            officer_id=state.officer_id,
            event_time=now,
            window_start=min(first, now),
            window_end=now,
            evidence=evidence,
            summary=(
                f"Integrity risk reached {tidy(total, 1)} (threshold {tidy(self.threshold, 1)}) "
                f"from {len(evidence)} alert(s): {', '.join(detectors)}."
            ),
            score=total / self.threshold,
            observed={"risk": tidy(total), "alerts": len(evidence), "detectors": detectors},
            own_normal={},
            peer_normal={},
            threshold={
                "risk": self.threshold,
                "half_life_days": self.half_life / 86400.0,
            },
        )
        return risk, crossing
