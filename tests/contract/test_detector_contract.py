"""Contract checks applied to every registered detector (in the spirit of River's
`check_estimator`): each runs over the detector's own scenario from `scenarios.py`.

- it fires on its scenario;
- every alert explains itself: what was observed, the officer's own normal (at least how often
  the detector alerted on the officer before), the peer group's normal (measured, or the norm a
  rule holds every peer to), the threshold and the evidence;
- the same input gives byte-identical alerts;
- the input (events, reference data) is never mutated;
- officer state survives a bytes round trip at every step, and a run whose states are swapped
  for their round-tripped copies at every step gives the same alerts;
- stopping, serialising and restoring the whole pipeline at any point (hypothesis picks the
  points) gives the alerts of an uninterrupted run;
- delivering the events in any order within the allowed lateness (as different partitions and
  workers would) gives the same alerts;
- interleaving other officers' events never changes the scenario officers' alerts;
- partial reference data never makes a detector raise.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detectors.config import DetectorConfig, load_config
from detectors.pipeline import Pipeline
from detectors.reference import Reference
from detectors.registry import REGISTRY
from detectors.state import OfficerState
from detectors.testing import Scenario
from schemas.alerts import Alert
from schemas.codec import encode_alert, encode_event
from schemas.events import AccessEvent, BadgeEvent, Event, RosterEvent
from schemas.reference import Officer
from tests.contract.scenarios import SCENARIOS

NAMES = sorted(REGISTRY)
# Smaller trees than production for speed: the properties checked do not depend on size.
FAST: dict[str, Any] = {"detectors": {"unusual_day": {"n_trees": 4, "height": 6}}}
HYPOTHESIS = settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _config(scenario: Scenario) -> DetectorConfig:
    return load_config(overrides=_merge(FAST, dict(scenario.overrides or {})))


def _run(events: Iterable[Event], reference: Reference, config: DetectorConfig) -> list[Alert]:
    pipeline = Pipeline(config, reference)
    alerts: list[Alert] = []
    for event in events:
        alerts.extend(pipeline.feed(event))
    alerts.extend(pipeline.finish())
    return alerts


def _bytes(alerts: Sequence[Alert]) -> list[bytes]:
    return [encode_alert(a) for a in alerts]


def _canonical(alerts: Sequence[Alert]) -> list[bytes]:
    """Alerts as a set: the order across officers may differ between runs, never the content."""
    return sorted(_bytes(alerts))


@pytest.fixture(scope="module")
def baseline() -> dict[str, tuple[Scenario, DetectorConfig, list[Alert]]]:
    out = {}
    for name in NAMES:
        scenario = SCENARIOS[name]()
        config = _config(scenario)
        out[name] = (scenario, config, _run(scenario.events(), scenario.reference(), config))
    return out


def test_every_detector_has_a_scenario() -> None:
    assert set(SCENARIOS) == set(REGISTRY)


def test_every_detector_has_settings_and_a_docstring_example() -> None:
    config = load_config()
    for name, cls in REGISTRY.items():
        settings_ = config.detector(name)
        assert settings_.version >= 1
        if cls.category == "welfare":
            assert settings_.risk_points == 0.0, f"{name}: welfare never adds integrity risk"
        module = __import__(cls.__module__, fromlist=["_"])
        assert module.__doc__ and ">>>" in module.__doc__, f"{name}: no runnable example"


@pytest.mark.parametrize("name", NAMES)
def test_fires_on_its_scenario(name: str, baseline: Any) -> None:
    _, _, alerts = baseline[name]
    assert name in {a.detector for a in alerts}
    for alert in alerts:
        assert alert.summary.endswith(".") and "\n" not in alert.summary
        assert alert.evidence, f"{alert.detector}: an alert always names its evidence"
        if alert.category == "welfare":
            assert alert.risk.score == 0.0 and not alert.risk.contributions


def test_every_rule_states_the_norm_it_holds_every_peer_to() -> None:
    for name, cls in REGISTRY.items():
        if cls.stage != "peer":
            assert cls.peer_norm.strip(), f"{name}: no peer_norm"
            assert not cls.peer_norm.endswith("."), f"{name}: peer_norm is a phrase"


@pytest.mark.parametrize("name", NAMES)
def test_every_alert_explains_itself_against_own_and_peer_normal(name: str, baseline: Any) -> None:
    _, _, alerts = baseline[name]
    for alert in alerts:
        what = f"{alert.detector}: {alert.summary}"
        explanation = alert.explanation
        assert explanation.observed, what
        assert isinstance(explanation.own_normal.get("alerts_last_90d"), int), what
        assert explanation.peer_normal.get("peer_group"), what
        if REGISTRY[alert.detector].stage == "peer":
            # A peer-stage detector measures the group: more than its name.
            assert set(explanation.peer_normal) - {"peer_group"}, what
        else:
            assert explanation.peer_normal.get("norm") == REGISTRY[alert.detector].peer_norm
        assert explanation.threshold, what
        assert alert.evidence, what


@pytest.mark.parametrize("name", NAMES)
def test_same_input_gives_byte_identical_alerts(name: str, baseline: Any) -> None:
    scenario, config, alerts = baseline[name]
    again = _run(scenario.events(), scenario.reference(), config)
    assert _bytes(again) == _bytes(alerts)


@pytest.mark.parametrize("name", NAMES)
def test_input_is_never_mutated(name: str, baseline: Any) -> None:
    scenario, config, _ = baseline[name]
    events = scenario.events()
    reference = scenario.reference()
    before = [encode_event(e) for e in events]
    ref_before = (
        dict(reference.officers),
        dict(reference.sites),
        dict(reference.watchlist),
    )
    _run(events, reference, config)
    assert [encode_event(e) for e in events] == before
    assert (dict(reference.officers), dict(reference.sites), dict(reference.watchlist)) == (
        ref_before
    )


@pytest.mark.parametrize("name", NAMES)
def test_state_survives_a_bytes_round_trip_at_every_step(name: str, baseline: Any) -> None:
    scenario, config, alerts = baseline[name]
    pipeline = Pipeline(config, scenario.reference())
    out: list[Alert] = []
    for event in scenario.events():
        out.extend(pipeline.feed(event))
        for officer, state in list(pipeline.states.items()):
            data = state.to_bytes()
            copy_ = OfficerState.from_bytes(data)
            assert copy_.to_bytes() == data
            pipeline.states[officer] = copy_
    out.extend(pipeline.finish())
    assert _canonical(out) == _canonical(alerts)


@pytest.mark.parametrize("name", NAMES)
@HYPOTHESIS
@given(data=st.data())
def test_interrupting_and_resuming_anywhere_gives_the_same_alerts(
    name: str, baseline: Any, data: st.DataObject
) -> None:
    scenario, config, alerts = baseline[name]
    events = scenario.events()
    reference = scenario.reference()
    cuts = data.draw(
        st.lists(st.integers(0, len(events)), min_size=1, max_size=3, unique=True).map(sorted)
    )
    pipeline = Pipeline(config, reference)
    out: list[Alert] = []
    previous = 0
    for cut in [*cuts, len(events)]:
        for event in events[previous:cut]:
            out.extend(pipeline.feed(event))
        previous = cut
        pipeline = Pipeline.restore(pipeline.snapshot(), config, reference)
    out.extend(pipeline.finish())
    assert _bytes(out) == _bytes(alerts)


@pytest.mark.parametrize("name", NAMES)
@HYPOTHESIS
@given(seed=st.integers(0, 2**32 - 1))
def test_any_delivery_order_within_the_lateness_gives_the_same_alerts(
    name: str, baseline: Any, seed: int
) -> None:
    scenario, config, alerts = baseline[name]
    rng = random.Random(seed)
    lateness = config.allowed_lateness_seconds
    # Each event is delayed by less than the allowed lateness, as a partition or a worker
    # lagging behind the others would deliver it.
    delayed = sorted(
        scenario.events(),
        key=lambda e: e.event_time.timestamp() + rng.random() * lateness * 0.99,
    )
    out = _run(delayed, scenario.reference(), config)
    assert _canonical(out) == _canonical(alerts)


@st.composite
def noise_events(draw: st.DrawFn, around: Sequence[Event]) -> list[Event]:
    """Random events of officers Q1-Q3 (another peer group) over the scenario's time span."""
    start = min(e.event_time for e in around) - timedelta(days=1)
    span = (max(e.event_time for e in around) - start).total_seconds() + 2 * 86400
    events: list[Event] = []
    count = draw(st.integers(0, 25))
    for n in range(count):
        officer = draw(st.sampled_from(["Q1", "Q2", "Q3"]))
        when = start + timedelta(seconds=draw(st.floats(0, span)))
        kind = draw(st.sampled_from(["badge", "access", "roster"]))
        common: dict[str, Any] = {
            "schema_version": 1,
            "event_id": f"noise-{n}",
            "event_time": when,
            "officer_id": officer,
            "source": "noise",
        }
        if kind == "badge":
            events.append(
                BadgeEvent(
                    **common,
                    badge_id="B-Q",
                    site_id=draw(st.sampled_from(["S1", "S2", "S3", "S9"])),
                    reader_id="R",
                    zone=draw(st.sampled_from(["station-main", "custody"])),
                    zone_level=1,
                    direction=draw(st.sampled_from(["in", "out"])),
                    outcome=draw(st.sampled_from(["granted", "denied"])),
                )
            )
        elif kind == "access":
            events.append(
                AccessEvent(
                    **common,
                    system="person-index",
                    action=draw(st.sampled_from(["search", "view", "login", "export"])),
                    record_type="person",
                    record_ref="r:vip1",
                    case_ref=draw(st.sampled_from([None, "CR/9"])),
                    workstation_id="WS-Q",
                    site_id=draw(st.sampled_from([None, "S1", "S3"])),
                )
            )
        else:
            length = timedelta(hours=draw(st.floats(1, 30)))
            events.append(
                RosterEvent(
                    **common,
                    change_type=draw(
                        st.sampled_from(
                            [
                                "shift_planned",
                                "overtime_claimed",
                                "leave_booked",
                                "sickness_started",
                                "rest_day_worked",
                                "duty_changed",
                            ]
                        )
                    ),
                    actor_id=officer,
                    period_start=when - length,
                    period_end=when,
                    approver_id=draw(st.sampled_from([None, officer])),
                )
            )
    return events


@pytest.mark.parametrize("name", NAMES)
@HYPOTHESIS
@given(data=st.data())
def test_other_officers_events_never_change_an_officers_alerts(
    name: str, baseline: Any, data: st.DataObject
) -> None:
    scenario, config, alerts = baseline[name]
    events = scenario.events()
    noise = data.draw(noise_events(events))
    others = [
        Officer(
            officer_id=q, unit_id="U9", role="staff", rank="staff", home_site_id="S1", active=True
        )
        for q in ("Q1", "Q2", "Q3")
    ]
    reference = Reference([*scenario.officers, *others], scenario.sites, scenario.watchlist)
    merged = sorted([*events, *noise], key=lambda e: e.event_time)
    out = [a for a in _run(merged, reference, config) if not a.officer_id.startswith("Q")]
    assert _canonical(out) == _canonical(alerts)


@pytest.mark.parametrize("name", NAMES)
def test_partial_reference_data_never_raises(name: str, baseline: Any) -> None:
    scenario, config, _ = baseline[name]
    for reference in (
        Reference(),
        Reference(officers=scenario.officers),
        Reference(sites=scenario.sites, watchlist=scenario.watchlist),
    ):
        for alert in _run(scenario.events(), reference, config):
            assert alert.officer_id
