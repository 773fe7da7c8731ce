"""A rebalance in a running worker (a second worker joins mid-stream and leaves again): the
alerts are still exactly the pure core's, none lost, none twice."""

from __future__ import annotations

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
def test_a_worker_that_goes_through_rebalances_mid_stream_keeps_exactly_the_alerts(
    deployment: Deployment,
) -> None:
    sim, lines = small_force()
    expected = force_alerts(sim, lines)
    assert expected, "the scenario must produce alerts for the test to mean anything"

    deployment.publish_reference(*force_reference(sim))
    first = deployment.start_worker("first", extra_env=QUICK_TAKEOVER)
    deployment.publish_events(lines)
    wait_until(
        lambda: processed_events(first.web_port) >= len(lines) * 0.3,
        what="a third of the events processed",
        deadline_s=180,
    )
    # Joining takes partitions from the first worker (a rebalance with work in flight);
    # stopping gives them back (another).
    visitor = deployment.start_worker("visitor", extra_env=QUICK_TAKEOVER)
    wait_until(
        lambda: b"Recovery]: Worker ready" in visitor.log_path.read_bytes(),
        what="the visitor assigned its partitions",
        deadline_s=120,
    )
    assert visitor.stop() == 0, visitor.log_tail()

    live = sorted(deployment.read_alerts(expected=len(expected), deadline_s=180))
    assert len(live) == len(set(live)), "an alert was published twice"
    assert live == expected, alert_difference(live, expected)
    # The first worker committed its work before giving partitions away.
    assert b"before the rebalance" in first.log_path.read_bytes(), first.log_tail()
