"""The officer stage's contract: ordering, lateness, duplicates, days, and the day barrier."""

from __future__ import annotations

from detectors.config import load_config
from detectors.core import Core, fingerprint
from detectors.pipeline import Pipeline
from detectors.state import D_LOOKUPS, FINGERPRINT_BYTES, OfficerState
from detectors.testing import Scenario, at, fired
from schemas.events import Event


def events_of(sc: Scenario) -> list[Event]:
    return sc.events()


def test_a_duplicate_event_id_is_ignored_and_gives_no_extra_alert() -> None:
    sc = Scenario(only=["impossible_travel"])
    sc.badge("P1", "2026-03-10T08:00", site="S1")
    sc.badge("P1", "2026-03-10T08:06", site="S3")
    events = sc.events()
    pipeline = Pipeline(sc.config(), sc.reference())
    alerts = [a for e in [*events, events[1], events[0]] for a in pipeline.feed(e)]
    alerts += pipeline.finish()
    assert [a.detector for a in alerts] == ["impossible_travel"]
    assert pipeline.counters.duplicates == 2


def test_events_out_of_order_within_the_lateness_are_applied_in_event_time_order() -> None:
    sc = Scenario(only=["impossible_travel"])
    sc.badge("P1", "2026-03-10T08:00", site="S1")
    sc.badge("P1", "2026-03-10T08:06", site="S3")
    sc.badge("P1", "2026-03-10T08:03", site="S1")  # arrives last, 3 minutes late
    core = Core(sc.config(), sc.reference())
    state = None
    for event in sc._events:  # arrival order, not event-time order
        state = core.process(state, event).state
    assert state is not None
    out = core.advance(state, at("2026-03-10T09:00").timestamp())
    assert out.released == 3 and out.late == 0
    [alert] = out.alerts
    assert alert.explanation.observed["minutes_between"] == 3.0  # 08:03 -> 08:06


def test_a_late_event_is_still_applied_flagged_and_counted() -> None:
    sc = Scenario(only=["sensitive_record_access"])
    sc.watch("r:vip1", "vip")
    sc.lookup("P1", "2026-03-10T12:00")
    sc.lookup("P1", "2026-03-10T10:00", record="r:vip1", case=None)  # two hours late
    core = Core(sc.config(), sc.reference())
    first, late = sc._events
    state = core.process(None, first, first.event_time.timestamp()).state
    state = core.advance(state, at("2026-03-10T12:30").timestamp()).state
    out = core.process(state, late, at("2026-03-10T12:30").timestamp())
    assert out.late == 1 and [a.detector for a in out.alerts] == ["sensitive_record_access"]


def test_nothing_is_applied_before_the_horizon_passes_it() -> None:
    sc = Scenario()
    sc.lookup("P1", "2026-03-10T10:00")
    core = Core(sc.config(), sc.reference())
    [event] = sc.events()
    t = event.event_time.timestamp()
    out = core.process(None, event, t - 1)
    assert out.released == 0 and out.state.next_due() == t
    out = core.advance(out.state, t + 1)
    assert out.released == 1 and out.state.day_counts[D_LOOKUPS] == 1


def test_local_days_are_23_and_25_hours_at_the_clock_changes() -> None:
    config = load_config()
    for day, hours in (("2026-03-29", 23.0), ("2026-10-25", 25.0), ("2026-03-10", 24.0)):
        sc = Scenario()
        sc.lookup("P1", f"{day}T12:00")
        pipeline = Pipeline(config, sc.reference())
        for event in sc.events():
            pipeline.feed(event)
        pipeline.advance(at(f"{day}T13:00").timestamp())
        state = pipeline.states["P1"]
        assert (state.day_end - state.day_start) / 3600 == hours


def test_a_day_closes_on_the_watermark_even_for_a_quiet_officer() -> None:
    sc = Scenario()
    sc.lookup("P1", "2026-03-10T12:00")
    sc.lookup("P2", "2026-03-11T12:00")
    pipeline = Pipeline(sc.config(), sc.reference())
    for event in sc.events():
        pipeline.feed(event)
    assert pipeline.states["P1"].day == 0  # P1's day closed without another P1 event
    assert pipeline.counters.vectors == 1


def test_the_horizon_is_capped_at_the_day_after_the_last_day_the_peer_stage_closed() -> None:
    core = Core(load_config(), Scenario().reference())
    peer_done = at("2026-03-10T00:00").timestamp()
    watermark = at("2026-03-12T10:00").timestamp()
    assert core.horizon(watermark) == watermark - 300
    assert core.horizon(watermark, peer_done) == at("2026-03-11T00:00").timestamp()


def test_deliver_turns_peer_findings_into_alerts_with_risk_and_suppression() -> None:
    sc = Scenario()
    for k in range(150):
        sc.lookup("P1", f"2026-03-10T{9 + k // 60:02d}:{k % 60:02d}", case=None)
    core = Core(sc.config(), sc.reference())
    from detectors.messages import Finding

    finding = Finding(
        detector="lookup_volume",
        officer_id="P1",
        event_time=1.0e9,
        window_start=1.0e9,
        window_end=1.0e9,
        evidence=("a",),
        summary="S.",
        score=5.0,
        observed={},
        own_normal={},
        peer_normal={},
        threshold={},
    )
    out = core.deliver(OfficerState("P1"), [finding])
    [alert] = out.alerts
    assert alert.risk.score == 4.0
    again = core.deliver(out.state, [finding])
    assert again.alerts == [] and again.suppressed == 1


def test_a_resumed_replay_continues_exactly() -> None:
    sc = Scenario()
    sc.badge("P1", "2026-03-10T08:00", site="S1")
    sc.badge("P1", "2026-03-10T08:06", site="S3")
    sc.lookup("P1", "2026-03-11T08:00")
    events = sc.events()
    whole = fired(sc)
    pipeline = Pipeline(sc.config(), sc.reference())
    first = [a.detector for a in pipeline.feed(events[0])]
    resumed = Pipeline.restore(pipeline.snapshot(), sc.config(), sc.reference())
    rest = [a.detector for e in events[1:] for a in resumed.feed(e)]
    rest += [a.detector for a in resumed.finish()]
    assert first + rest == whole == ["impossible_travel"]


def test_only_a_whole_remembered_fingerprint_makes_a_duplicate() -> None:
    # Fingerprints are 6 bytes each in one bytes object: the same 6 bytes straddling two of
    # them (here at offset 3) must not count as the event seen before.
    sc = Scenario(only=["impossible_travel"])
    sc.badge("P1", "2026-03-10T08:00", site="S1")
    [event] = sc.events()
    key = fingerprint(event.event_id).to_bytes(FINGERPRINT_BYTES, "little")
    core = Core(sc.config(), sc.reference())
    state = OfficerState("P1")
    state.fingerprints = b"\0" * 3 + key + b"\0" * 3
    assert not core.process(state, event).duplicate
    assert core.process(state, event).duplicate  # now remembered whole


def test_the_ring_of_fingerprints_forgets_the_oldest_once_full() -> None:
    sc = Scenario(only=["impossible_travel"])
    for minute in range(10):
        sc.badge("P1", f"2026-03-10T08:{minute:02d}", site="S1")
    events = sc.events()
    core = Core(sc.config(), sc.reference())
    state = None
    for event in events:
        state = core.process(state, event).state
    assert state is not None
    remembered = core.config.dedup_memory
    assert remembered < len(events)
    assert len(state.fingerprints) == remembered * FINGERPRINT_BYTES
    assert not core.process(state, events[0]).duplicate  # forgotten: 10 ids since
    assert core.process(state, events[-1]).duplicate
