"""The small base protocols every detector follows (in the spirit of River's `base` module).

Three families, by the stage that runs them:

- `OfficerRule`: runs in the per-officer stage. Each hook sees the officer's state *before* the
  event is applied and returns a `Finding` or None. Hooks it does not override are never called.
- `PeerDetector`: runs in the peer-group stage over the closed day's `DayVector`s of one peer
  group, in officer-id order: it first scores every vector, then learns from them.
- The risk detector (`risk_threshold_crossed`) is built into the officer stage (see `risk`).

Every detector class declares its registry `name`, its `category` and the `stage` it runs in.
Rule and risk detectors also declare `peer_norm`: the norm every officer of any peer group is
held to, stated in an alert's `peer_normal` (they measure no peer figure: the officer stage
knows one officer at a time, and the peer stage cannot feed it deterministically).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Literal

from detectors import roster
from detectors.clock import LocalDays
from detectors.config import Category, DetectorConfig, DetectorSettings
from detectors.messages import DayVector, Finding
from detectors.reference import Reference
from detectors.state import OfficerState, Payload
from schemas.events import AccessEvent, BadgeEvent, RosterEvent

Stage = Literal["officer", "peer", "risk"]


class Env:
    """What every detector may read besides the state: settings, reference data, local days,
    and the roster expectation (`status`)."""

    __slots__ = ("config", "coverage", "days", "grace_after", "grace_before", "reference")

    def __init__(self, config: DetectorConfig, reference: Reference) -> None:
        self.config = config
        self.reference = reference
        self.days = LocalDays(config.timezone)
        # The duty window is widened by a grace period at both ends (arriving early, finishing
        # a job after the shift ends); see access_while_off_duty in defaults.toml.
        access = config.detector("access_while_off_duty")
        self.grace_before = int(access.num("grace_before_minutes"))
        self.grace_after = int(access.num("grace_after_minutes"))
        self.coverage = int(
            config.detector("badge_while_absent").num("roster_coverage_days") * 1440
        )

    def worked_blocks(self, state: OfficerState, join_minutes: int) -> list[tuple[int, int]]:
        """`roster.merged_duties` of the state's roster, cached until the roster changes."""
        cache = state.blocks_cache
        if cache is not None and cache[0] == join_minutes:
            return cache[1]
        blocks = roster.merged_duties(state.roster, join_minutes)
        state.blocks_cache = (join_minutes, blocks)
        return blocks

    def status(self, state: OfficerState, t: float) -> int:
        """What the roster expects at `t` (see `detectors.roster.status_at`), cached.

        The cache holds the answer over a span where it cannot change, so it never alters a
        result; it is not serialised.
        """
        cache = state.status_cache
        if cache is not None and cache[0] <= t < cache[1]:
            return cache[2]
        if state.day and state.day_start <= t < state.day_end:
            start, end = state.day_start, state.day_end
        else:
            start, end, _ = self.days.bounds(t)
        code, lo, hi = roster.status_segment(
            state.roster,
            t,
            start,
            end,
            before=self.grace_before,
            after=self.grace_after,
            coverage_minutes=self.coverage,
        )
        state.status_cache = (lo, hi, code)
        return code


class Detector:
    """What all detectors share: identity, settings, environment."""

    name: ClassVar[str]
    category: ClassVar[Category]
    stage: ClassVar[Stage]
    # What every peer is held to, for detectors that measure no peer figure (see above).
    peer_norm: ClassVar[str] = ""

    def __init__(self, settings: DetectorSettings, env: Env) -> None:
        self.settings = settings
        self.env = env

    def finding(self, state_officer: str, **fields: Any) -> Finding:
        return Finding(detector=self.name, officer_id=state_officer, **fields)


class OfficerRule(Detector):
    """A detector of the officer stage; override only the hooks you need."""

    stage: ClassVar[Stage] = "officer"

    def on_badge(self, state: OfficerState, event: BadgeEvent, t: float) -> Finding | None:
        """A badge event (granted or denied), before it is applied to the state."""
        return None

    def on_access(self, state: OfficerState, event: AccessEvent, t: float) -> Finding | None:
        """A system-access event, before it is applied to the state."""
        return None

    def on_roster(self, state: OfficerState, event: RosterEvent, t: float) -> Finding | None:
        """A roster change, before it is applied to the state."""
        return None

    def on_due(self, state: OfficerState, payload: Payload, t: float) -> Finding | None:
        """A check this rule scheduled with `state.schedule(t, name, payload)` fell due."""
        return None

    def on_day_settled(
        self, state: OfficerState, day: int, start: float, end: float
    ) -> list[Finding]:
        """The past local day [start, end) is settled: `welfare_delay_days` have passed since
        it ended, so late roster entries about it are in. Called once per day, in order."""
        return []


class PeerDetector(Detector):
    """A detector of the peer-group stage.

    `score` sees the closed day's vectors of one peer group sorted by officer id and the model
    state *before* that day; `learn` then updates the model with the same vectors in the same
    order. Nothing learns while scoring, so the results never depend on the order in which
    workers delivered the vectors.
    """

    stage: ClassVar[Stage] = "peer"

    def new_model(self, peer_group: str) -> Any:
        """A fresh per-peer-group model (picklable)."""
        return None

    def score(self, model: Any, vectors: Sequence[DayVector]) -> list[Finding]:
        return []

    def learn(self, model: Any, vectors: Sequence[DayVector]) -> Any:
        """Update and return the model."""
        return model
