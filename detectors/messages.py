"""Messages between the stages of the core, and the one place where alerts are built.

- `Finding`: what a detector saw, before suppression and risk. The officer stage turns findings
  into `schemas.alerts.Alert`s; the peer stage sends its findings back to the officer stage
  (keyed by officer) so that suppression and integrity risk stay in one per-officer order.
- `DayVector`: one officer's activity over one closed local day, sent from the officer stage to
  the peer-group stage.

Both serialise to compact JSON bytes (orjson) for the hop between stages in the live service.

Examples
--------
>>> f = Finding(detector="impossible_travel", officer_id="P1", event_time=1.0e9,
...     window_start=1.0e9 - 600, window_end=1.0e9, evidence=("b-1", "b-2"),
...     summary="Badged at two sites 40 km apart within 10 minutes.", score=6.0,
...     observed={"km": 40.0}, own_normal={}, peer_normal={}, threshold={"kmh": 150.0})
>>> Finding.from_bytes(f.to_bytes()) == f
True
>>> alert_id("impossible_travel", 1, "P1", ("b-1", "b-2"))
'a:impossible_travel:1:P1:beda084f'
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

from detectors.clock import utc
from detectors.config import Category, DetectorSettings
from schemas.alerts import Alert, AlertWindow, Explanation, Risk, RiskContribution

ALERT_SCHEMA_VERSION: Literal[1] = 1

Details = Mapping[str, Any]


def alert_id(detector: str, version: int, officer_id: str, evidence: tuple[str, ...]) -> str:
    """Deterministic id: the same detector, version, officer and evidence give the same id."""
    digest = hashlib.sha256("\x1f".join(evidence).encode("utf-8")).hexdigest()[:8]
    return f"a:{detector}:{version}:{officer_id}:{digest}"


def tidy(value: float, places: int = 3) -> float:
    """Round for explanations: stable bytes and readable numbers (-0.0 becomes 0.0)."""
    return round(value, places) + 0.0


@dataclass(frozen=True, slots=True)
class Finding:
    """A detector's observation about one officer; becomes an alert unless suppressed."""

    detector: str
    officer_id: str
    event_time: float
    window_start: float
    window_end: float
    evidence: tuple[str, ...]
    summary: str
    score: float
    observed: Details
    own_normal: Details
    peer_normal: Details
    threshold: Details
    # Suppression key of the "ongoing situation" (e.g. a sickness spell); "" = the detector.
    situation: str = ""
    # A risk-crossing finding lists alert ids instead of event ids and carries no points.
    extra: Details = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        return orjson.dumps(
            [
                1,
                self.detector,
                self.officer_id,
                self.event_time,
                self.window_start,
                self.window_end,
                list(self.evidence),
                self.summary,
                self.score,
                self.observed,
                self.own_normal,
                self.peer_normal,
                self.threshold,
                self.situation,
                self.extra,
            ]
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> Finding:
        parts = orjson.loads(data)
        if not isinstance(parts, list) or parts[0] != 1:
            raise ValueError("unknown finding encoding")
        return cls(
            detector=parts[1],
            officer_id=parts[2],
            event_time=float(parts[3]),
            window_start=float(parts[4]),
            window_end=float(parts[5]),
            evidence=tuple(parts[6]),
            summary=parts[7],
            score=float(parts[8]),
            observed=parts[9],
            own_normal=parts[10],
            peer_normal=parts[11],
            threshold=parts[12],
            situation=parts[13],
            extra=parts[14],
        )

    def sort_key(self) -> tuple[float, str, str]:
        return (self.event_time, self.detector, self.officer_id)


def build_alert(
    finding: Finding,
    *,
    settings: DetectorSettings,
    category: Category,
    risk: Risk,
    config_hash: str,
    ident: str,
) -> Alert:
    """The published alert for `finding` (identified by `ident`) with the risk after it."""
    return Alert(
        alert_id=ident,
        officer_id=finding.officer_id,
        detector=finding.detector,
        detector_version=settings.version,
        category=category,
        severity=settings.severity,
        score=tidy(finding.score),
        event_time=utc(finding.event_time),
        window=AlertWindow(start=utc(finding.window_start), end=utc(finding.window_end)),
        summary=finding.summary,
        evidence=finding.evidence,
        explanation=Explanation(
            observed=dict(finding.observed),
            own_normal=dict(finding.own_normal),
            peer_normal=dict(finding.peer_normal),
            threshold=dict(finding.threshold),
        ),
        risk=risk,
        config_hash=config_hash,
        schema_version=ALERT_SCHEMA_VERSION,
    )


def make_risk(score: float, contributions: list[tuple[str, float]]) -> Risk:
    return Risk(
        score=tidy(score),
        contributions=tuple(
            RiskContribution(alert_id=ident, points=tidy(points)) for ident, points in contributions
        ),
    )


@dataclass(frozen=True, slots=True)
class DayVector:
    """One officer's closed local day, as the peer-group models see it.

    `features` are named so that models and explanations stay readable; `own` carries the
    officer's own running normal *before* this day, so the peer stage needs no officer state.
    """

    officer_id: str
    peer_group: str
    day: int
    day_start: float
    day_end: float
    last_time: float
    features: Mapping[str, float]
    own: Mapping[str, float]
    evidence: Mapping[str, tuple[str, ...]]

    def to_bytes(self) -> bytes:
        return orjson.dumps(
            [
                1,
                self.officer_id,
                self.peer_group,
                self.day,
                self.day_start,
                self.day_end,
                self.last_time,
                self.features,
                self.own,
                {k: list(v) for k, v in self.evidence.items()},
            ]
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> DayVector:
        parts = orjson.loads(data)
        if not isinstance(parts, list) or parts[0] != 1:
            raise ValueError("unknown day-vector encoding")
        return cls(
            officer_id=parts[1],
            peer_group=parts[2],
            day=int(parts[3]),
            day_start=float(parts[4]),
            day_end=float(parts[5]),
            last_time=float(parts[6]),
            features={k: float(v) for k, v in parts[7].items()},
            own={k: float(v) for k, v in parts[8].items()},
            evidence={k: tuple(v) for k, v in parts[9].items()},
        )
