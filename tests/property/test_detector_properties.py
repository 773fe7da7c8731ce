"""Properties of the detector core over random event streams (hypothesis).

- any stream is processed without error, and every officer state survives a bytes round trip;
- stopping, snapshotting and resuming anywhere gives the same alerts as an uninterrupted run;
- splitting the officers across several workers (each its own officer stage, one peer-group
  stage, the day barrier between them) gives exactly the alerts of one process, whatever the
  split and whichever worker runs first;
- a duplicate event id never adds an alert.
"""

from __future__ import annotations

import heapq
import math
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detectors.config import DetectorConfig, load_config
from detectors.core import Core, Outcome
from detectors.peer import PeerGroupStage
from detectors.pipeline import Pipeline
from detectors.state import OfficerState
from detectors.testing import SITES, Scenario
from schemas.alerts import Alert
from schemas.codec import encode_alert
from schemas.events import AccessEvent, BadgeEvent, Event, RosterEvent

OFFICERS = ["P1", "P2", "P3", "P4", "P5"]
START = datetime(2026, 3, 26, tzinfo=UTC)  # spans the spring clock change
CONFIG = load_config(
    overrides={"detectors": {"unusual_day": {"n_trees": 4, "height": 5, "window_size": 20}}}
)
REFERENCE = Scenario().reference()
PROPERTY = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def streams(draw: st.DrawFn) -> list[Event]:
    """Up to 80 events of five officers over six days, in event-time order."""
    events: list[Event] = []
    for n in range(draw(st.integers(1, 80))):
        officer = draw(st.sampled_from(OFFICERS))
        when = START + timedelta(minutes=draw(st.integers(0, 6 * 24 * 60)))
        common: dict[str, Any] = {
            "schema_version": 1,
            "event_id": f"e-{n}",
            "event_time": when,
            "officer_id": officer,
            "source": "prop",
        }
        kind = draw(st.sampled_from(["badge", "badge", "access", "access", "roster"]))
        if kind == "badge":
            events.append(
                BadgeEvent(
                    **common,
                    badge_id="B",
                    site_id=draw(st.sampled_from([s.site_id for s in SITES] + ["S9"])),
                    reader_id="R",
                    zone=draw(st.sampled_from(["station-main", "custody", "property-store"])),
                    zone_level=draw(st.integers(0, 5)),
                    direction=draw(st.sampled_from(["in", "out"])),
                    outcome=draw(st.sampled_from(["granted", "granted", "denied"])),
                )
            )
        elif kind == "access":
            action = draw(st.sampled_from(["search", "view", "login", "logout", "export"]))
            events.append(
                AccessEvent(
                    **common,
                    system=draw(st.sampled_from(["pnc", "crime", "intel"])),
                    action=action,
                    record_type="person",
                    record_ref=None if action in ("login", "logout") else "r:1",
                    case_ref=draw(st.sampled_from([None, "CR/1"])),
                    workstation_id="WS-1",
                    site_id=draw(st.sampled_from([None, "S1", "S3"])),
                )
            )
        else:
            start = when + timedelta(hours=draw(st.integers(-48, 72)))
            events.append(
                RosterEvent(
                    **common,
                    change_type=draw(
                        st.sampled_from(
                            [
                                "shift_planned",
                                "shift_cancelled",
                                "overtime_claimed",
                                "overtime_approved",
                                "leave_booked",
                                "sickness_started",
                                "sickness_ended",
                                "rest_day_worked",
                                "duty_changed",
                                "shift_swapped",
                            ]
                        )
                    ),
                    actor_id=draw(st.sampled_from([officer, "P9"])),
                    period_start=start,
                    period_end=start + timedelta(hours=draw(st.integers(1, 30))),
                    approver_id=draw(st.sampled_from([None, officer, "P9"])),
                )
            )
    return sorted(events, key=lambda e: e.event_time)


def canonical(alerts: list[Alert]) -> list[bytes]:
    return sorted(encode_alert(a) for a in alerts)


def run_whole(events: list[Event], config: DetectorConfig = CONFIG) -> list[Alert]:
    pipeline = Pipeline(config, REFERENCE)
    out = [a for e in events for a in pipeline.feed(e)]
    return out + pipeline.finish()


class Worker:
    """One worker's officer stage: its own core, states and timer index."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.states: dict[str, OfficerState] = {}
        self.timers: list[tuple[float, str]] = []

    def offer(self, event: Event) -> list[Alert]:
        out = self.core.process(self.states.get(event.officer_id), event)
        self.states[event.officer_id] = out.state
        due = out.state.next_due()
        if due is not None:
            heapq.heappush(self.timers, (due, event.officer_id))
        return out.alerts

    def advance(self, horizon: float, batch: Outcome) -> None:
        due = set()
        while self.timers and self.timers[0][0] <= horizon:
            due.add(heapq.heappop(self.timers)[1])
        for officer in sorted(due):
            state = self.states[officer]
            self.core.advance(state, horizon, batch)
            nxt = state.next_due()
            if nxt is not None:
                heapq.heappush(self.timers, (nxt, officer))


def run_split(
    events: list[Event], workers: int, assign: dict[str, int], reverse: bool
) -> list[Alert]:
    """The live service in miniature: officers split across workers, one peer stage, the
    day barrier honoured, workers advanced in either order."""
    core = Core(CONFIG, REFERENCE)
    pool = [Worker(core) for _ in range(workers)]
    order = list(reversed(pool)) if reverse else pool
    peer = PeerGroupStage(CONFIG)
    alerts: list[Alert] = []
    horizon = -math.inf

    def advance_to(target: float) -> None:
        nonlocal horizon
        if horizon == -math.inf:
            horizon = target
        while horizon < target:
            _, day_end, _ = core.days.bounds(horizon)
            step = min(day_end, target)
            for worker in order:
                batch = Outcome(OfficerState("-"))
                worker.advance(step, batch)
                alerts.extend(batch.alerts)
                for vector in batch.vectors:
                    peer.add(vector)
            if step == day_end:
                for finding in peer.advance(day_end):
                    worker = pool[assign[finding.officer_id]]
                    out = core.deliver(worker.states[finding.officer_id], [finding])
                    alerts.extend(out.alerts)
            horizon = step

    watermark = -math.inf
    for event in events:
        alerts.extend(pool[assign[event.officer_id]].offer(event))
        watermark = max(watermark, event.event_time.timestamp())
        advance_to(watermark - core.lateness)
    _, end, _ = core.days.bounds(watermark + 3 * 86400)
    advance_to(end)
    return alerts


@PROPERTY
@given(events=streams())
def test_any_stream_is_processed_and_states_round_trip(events: list[Event]) -> None:
    pipeline = Pipeline(CONFIG, REFERENCE)
    for event in events:
        pipeline.feed(event)
        for state in pipeline.states.values():
            data = state.to_bytes()
            assert OfficerState.from_bytes(data).to_bytes() == data
    for alert in pipeline.finish():
        assert alert.config_hash == CONFIG.config_hash


@PROPERTY
@given(events=streams(), cut=st.integers(0, 80))
def test_resuming_from_a_snapshot_anywhere_gives_the_same_alerts(
    events: list[Event], cut: int
) -> None:
    cut = min(cut, len(events))
    pipeline = Pipeline(CONFIG, REFERENCE)
    out = [a for e in events[:cut] for a in pipeline.feed(e)]
    resumed = Pipeline.restore(pipeline.snapshot(), CONFIG, REFERENCE)
    out += [a for e in events[cut:] for a in resumed.feed(e)]
    out += resumed.finish()
    assert [encode_alert(a) for a in out] == [encode_alert(a) for a in run_whole(events)]


@PROPERTY
@given(
    events=streams(),
    workers=st.integers(1, 3),
    split=st.lists(st.integers(0, 2), min_size=len(OFFICERS), max_size=len(OFFICERS)),
    reverse=st.booleans(),
)
def test_any_split_across_workers_gives_the_alerts_of_one_process(
    events: list[Event], workers: int, split: list[int], reverse: bool
) -> None:
    assign = {officer: part % workers for officer, part in zip(OFFICERS, split, strict=True)}
    assert canonical(run_split(events, workers, assign, reverse)) == canonical(run_whole(events))


@PROPERTY
@given(events=streams(), data=st.data())
def test_a_duplicate_event_never_adds_an_alert(events: list[Event], data: st.DataObject) -> None:
    if not events:
        return
    index = data.draw(st.integers(0, len(events) - 1))
    doubled = sorted([*events, events[index]], key=lambda e: e.event_time)
    assert canonical(run_whole(doubled)) == canonical(run_whole(events))
