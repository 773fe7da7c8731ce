"""A worker killed with SIGKILL mid-stream and restarted: no alert lost, none repeated."""

from __future__ import annotations

import orjson
import pytest

from tests.integration.busy_week import force_alerts, force_reference, small_force
from tests.integration.service_support import Deployment, processed_events
from tests.kafka_support import wait_until


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
    sim, lines = small_force()
    expected = force_alerts(sim, lines)
    assert expected, "the scenario must produce alerts for the test to mean anything"

    deployment.publish_reference(*force_reference(sim))
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
