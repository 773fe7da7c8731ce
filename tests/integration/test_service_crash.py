"""A worker killed with SIGKILL mid-stream and restarted: no alert lost, none repeated."""

from __future__ import annotations

from datetime import date, timedelta

import orjson
import pytest

from detectors.config import load_config
from detectors.pipeline import Pipeline
from detectors.reference import Reference
from schemas.codec import (
    decode_event,
    decode_officer,
    decode_site,
    decode_watchlist_entry,
    encode_alert,
)
from streams.simulator.engine import Settings, Simulation
from tests.integration.busy_week import CLOCK_OFFICER
from tests.integration.service_support import Deployment, processed_events
from tests.kafka_support import wait_until


def _small_force() -> tuple[Simulation, list[bytes]]:
    sim = Simulation(
        Settings(officers=30, days=5, seed=5, start=date(2026, 3, 2), scenario_rate=0.5)
    )
    lines = [line.encode() for day in sim.run() for line in day.lines]
    last = decode_event(lines[-1]).event_time + timedelta(days=14)
    clock = {
        "schema_version": 1,
        "type": "badge",
        "event_id": "clock-1",
        "event_time": last.isoformat(),
        "officer_id": CLOCK_OFFICER,
        "source": "test-clock",
        "badge_id": "B-CLOCK",
        "site_id": "S001",
        "reader_id": "S001-R01",
        "zone": "station-main",
        "zone_level": 1,
        "direction": "in",
        "outcome": "granted",
    }
    return sim, [*lines, orjson.dumps(clock)]


@pytest.mark.slow
@pytest.mark.xfail(
    # Not strict: since the tables declare bytes (their changelogs had been restored as JSON,
    # i.e. mostly not at all), some runs pass; most still fail as below.
    strict=False,
    reason=(
        "known gap (issue 6): after SIGKILL and restart the restarted worker applies some events "
        "a second time (extra anti_passback re-entries whose evidence is one swipe twice) and "
        "misses other alerts; none are repeated"
    ),
)
def test_a_worker_killed_mid_stream_and_restarted_loses_and_repeats_no_alert(
    deployment: Deployment,
) -> None:
    sim, lines = _small_force()
    officers = [decode_officer(orjson.dumps(o)) for o in sim.officers()]
    sites = [decode_site(orjson.dumps(s)) for s in sim.sites()]
    watchlist = [decode_watchlist_entry(orjson.dumps(w)) for w in sim.watchlist()]
    pipeline = Pipeline(load_config(), Reference(officers, sites, watchlist))
    expected = sorted(
        encode_alert(alert)
        for line in lines
        for alert in pipeline.feed(decode_event(line))
        if alert.officer_id != CLOCK_OFFICER
    )
    assert expected, "the scenario must produce alerts for the test to mean anything"

    deployment.publish_reference(officers, sites, watchlist)
    first = deployment.start_worker("before-kill")
    deployment.publish_events(lines)
    # Kill it once it is well into the stream: state, offsets and alerts are all in flight.
    wait_until(
        lambda: processed_events(first.web_port) >= len(lines) * 0.3,
        what="a third of the events processed",
        deadline_s=180,
    )
    first.kill()
    deployment.start_worker("after-kill")

    live = sorted(deployment.read_alerts(expected=len(expected), deadline_s=150))
    assert len(live) == len(set(live)), "an alert was published twice"
    assert live == expected, _difference(live, expected)


def _difference(live: list[bytes], expected: list[bytes]) -> str:
    def ids(alerts: list[bytes]) -> list[str]:
        return sorted(str(orjson.loads(alert)["alert_id"]) for alert in alerts)

    live_ids, expected_ids = ids(live), ids(expected)
    missing = sorted(set(expected_ids) - set(live_ids))
    extra = sorted(set(live_ids) - set(expected_ids))
    changed = [a for a in live if a not in expected and orjson.loads(a)["alert_id"] in expected_ids]
    return (
        f"{len(expected)} expected; missing {missing}; extra {extra}; content differs {changed[:2]}"
    )
