"""The alert: an explainable signal for a professional-standards or welfare reviewer.

An alert carries no wall-clock time, so a replay and a live run over the same events produce
the same alerts byte for byte (see :func:`schemas.codec.encode_alert`).

Examples
--------
>>> from datetime import datetime, UTC
>>> at = datetime(2026, 3, 10, 22, 40, tzinfo=UTC)
>>> alert = Alert(
...     schema_version=1, alert_id="a:x:1:P1:00", officer_id="P1", detector="x",
...     detector_version=1, category="welfare", severity="low", score=0.5, event_time=at,
...     window=AlertWindow(start=at, end=at), summary="A test.", evidence=("e1",),
...     explanation=Explanation(observed={"hours": 14.0}, own_normal={}, peer_normal={},
...                             threshold={"hours": 13.0}),
...     risk=Risk(score=0.0, contributions=()), config_hash="sha256:0",
... )
>>> alert.explanation.observed
{'hours': 14.0}
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from msgspec import Meta, Struct
from msgspec.structs import force_setattr

from schemas.fields import (
    SAFE_INT_MAX,
    NonEmptyStr,
    SchemaVersion,
    UtcDateTime,
    check_finite,
    json_value,
    rule_error,
    utc_time,
)

__all__ = [
    "Alert",
    "AlertCategory",
    "AlertWindow",
    "Explanation",
    "Risk",
    "RiskContribution",
    "Severity",
]

AlertCategory = Literal["integrity", "welfare"]
Severity = Literal["low", "medium", "high"]
JsonObject = dict[str, Any]


class AlertWindow(Struct, frozen=True, kw_only=True):
    """The span of event time the evidence covers."""

    start: UtcDateTime
    end: UtcDateTime

    def __post_init__(self) -> None:
        force_setattr(self, "start", utc_time(self.start, "start"))
        force_setattr(self, "end", utc_time(self.end, "end"))
        if self.end < self.start:
            raise rule_error("end", "must not be before start", "bad_time")


class Explanation(Struct, frozen=True, kw_only=True):
    """Why the alert fired, in four free-form JSON objects a reviewer can read."""

    observed: Annotated[JsonObject, Meta(description="What this officer did.")]
    own_normal: Annotated[JsonObject, Meta(description="This officer's own usual behaviour.")]
    peer_normal: Annotated[JsonObject, Meta(description="The peer group's usual behaviour.")]
    threshold: Annotated[JsonObject, Meta(description="The limit that was crossed.")]

    def __post_init__(self) -> None:
        # Copies, so a caller mutating its dict later cannot change a published alert.
        for name in ("observed", "own_normal", "peer_normal", "threshold"):
            force_setattr(self, name, json_value(getattr(self, name), name))


class RiskContribution(Struct, frozen=True, kw_only=True):
    """The points one earlier integrity alert still adds to the officer's risk."""

    alert_id: NonEmptyStr
    points: Annotated[float, Meta(ge=0.0)]

    def __post_init__(self) -> None:
        check_finite(self.points, "points")


class Risk(Struct, frozen=True, kw_only=True):
    """The officer's decaying integrity risk after this alert, with every contribution."""

    score: Annotated[float, Meta(ge=0.0)]
    contributions: tuple[RiskContribution, ...]

    def __post_init__(self) -> None:
        check_finite(self.score, "score")


class Alert(Struct, frozen=True, kw_only=True):
    """An explainable integrity or welfare signal about one officer: for review, not a verdict."""

    schema_version: SchemaVersion
    alert_id: Annotated[
        NonEmptyStr, Meta(description="Deterministic: the same evidence gives the same id.")
    ]
    officer_id: NonEmptyStr
    detector: NonEmptyStr
    detector_version: Annotated[int, Meta(ge=1, le=SAFE_INT_MAX)]
    category: AlertCategory
    severity: Severity
    score: float
    event_time: Annotated[UtcDateTime, Meta(description="Time of the triggering evidence.")]
    window: AlertWindow
    summary: Annotated[NonEmptyStr, Meta(description="One plain sentence for a reviewer.")]
    evidence: Annotated[tuple[NonEmptyStr, ...], Meta(description="Ids of the evidence events.")]
    explanation: Explanation
    risk: Risk
    config_hash: NonEmptyStr

    def __post_init__(self) -> None:
        force_setattr(self, "event_time", utc_time(self.event_time, "event_time"))
        check_finite(self.score, "score")
        if self.category == "welfare":
            # Welfare and integrity are separate products: sickness or long hours must never
            # raise anyone's integrity risk (DESIGN.md).
            for i, part in enumerate(self.risk.contributions):
                if part.alert_id == self.alert_id:
                    raise rule_error(
                        f"risk.contributions[{i}].alert_id",
                        "a welfare alert must not contribute to the integrity risk",
                        "invalid",
                    )
