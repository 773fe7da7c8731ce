"""A worker killed with SIGKILL mid-stream and restarted: no alert lost, none repeated."""

from __future__ import annotations

import random

import pytest

from tests.integration.busy_week import force_alerts, force_reference, small_force
from tests.integration.service_support import (
    QUICK_TAKEOVER,
    Deployment,
    alert_difference,
    processed_events,
)
from tests.kafka_support import wait_until


@pytest.mark.slow
def test_a_worker_killed_mid_stream_and_restarted_loses_and_repeats_no_alert(
    deployment: Deployment,
) -> None:
    sim, lines = small_force()
    expected = force_alerts(sim, lines)
    assert expected, "the scenario must produce alerts for the test to mean anything"

    deployment.publish_reference(*force_reference(sim))
    # Published first (a backlog): this test is about kills, not about a burst of backdated
    # events reaching partitions already marked idle (those arrive late; see the README).
    deployment.publish_events(lines)
    first = deployment.start_worker("before-kill")
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
    assert live == expected, alert_difference(live, expected)


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_five_kills_at_random_points_of_a_100k_event_stream_lose_and_repeat_no_alert(
    deployment: Deployment,
) -> None:
    sim, lines = small_force(officers=110, days=20, seed=11)
    assert len(lines) >= 100_000
    expected = force_alerts(sim, lines)
    assert len(expected) >= 20, "the stream must produce alerts of many detectors"

    deployment.publish_reference(*force_reference(sim))
    deployment.publish_events(lines)  # a backlog, as in the test above
    worker = deployment.start_worker("run-0", extra_env=QUICK_TAKEOVER)
    points = random.Random(20261130)
    for kill in range(1, 6):
        # Somewhere in the next stretch of the stream, each time at another point of the work:
        # decoding, mid-transaction, mid-commit, a day closing in the peer stage.
        target = points.randint(len(lines) // 50, len(lines) // 8)
        wait_until(
            lambda port=worker.web_port, target=target: processed_events(port) >= target,
            what=f"{target} events processed before kill {kill}",
            deadline_s=180,
        )
        worker.kill()
        worker = deployment.start_worker(f"run-{kill}", extra_env=QUICK_TAKEOVER)

    # The worker needs minutes for this stream at its present rate (README: about 6 without
    # kills), and each restart adds a takeover and a table restore.
    live = sorted(deployment.read_alerts(expected=len(expected), deadline_s=600, settle_s=10))
    assert len(live) == len(set(live)), "an alert was published twice"
    assert live == expected, alert_difference(live, expected)
