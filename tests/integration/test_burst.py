"""A burst far above the sustained rate: memory stays bounded, the lag drains, nothing is lost."""

from __future__ import annotations

import time

import pytest

from tests.integration.busy_week import force_alerts, force_reference, small_force
from tests.integration.service_support import (
    Deployment,
    PeakRss,
    PeriodicSampler,
    metric_series,
    processed_events,
)
from tests.kafka_support import wait_until

SUSTAINED_PER_S = 100.0
# The burst goes out as fast as one producer sends: measured here at several thousand a second,
# well over ten times the sustained rate (asserted below, not assumed).
BURST_FACTOR = 10.0
# Taking in a backlog of ~8,000 events may raise the worker's RSS by Faust's buffers and
# CPython's arenas, which it keeps; what must not happen is growth with the backlog's size.
RSS_GROWTH_LIMIT_BYTES = 150 * 1024 * 1024
CONSUMER_LAG = "watchfloor_consumer_lag_messages"


class LagSampler(PeriodicSampler):
    """The worker's consumer lag (summed over its input partitions), scraped every
    `interval_s` on a thread until stopped: the highest seen, and how many scrapes had it."""

    def __init__(self, web_port: int, interval_s: float = 0.2) -> None:
        self.web_port = web_port
        self.highest = 0.0
        self.scrapes_with_series = 0
        super().__init__(interval_s)

    def sample(self) -> bool:
        try:
            series = metric_series(self.web_port, CONSUMER_LAG)
        except OSError:
            return True  # a slow scrape on a loaded machine: the next one counts
        if series:
            self.scrapes_with_series += 1
            self.highest = max(self.highest, sum(series.values()))
        return True


def _drained(web_port: int) -> dict[str, float] | None:
    """The lag series, once there are some and every one is 0."""
    series = metric_series(web_port, CONSUMER_LAG)
    return series if series and not any(series.values()) else None


@pytest.mark.slow
def test_a_burst_ten_times_the_sustained_rate_drains_with_bounded_memory(
    deployment: Deployment,
) -> None:
    sim, lines = small_force()
    expected = force_alerts(sim, lines)
    assert expected, "the scenario must produce alerts for the test to mean anything"
    deployment.publish_reference(*force_reference(sim))
    worker = deployment.start_worker()
    assert worker.process is not None
    sampler = PeakRss(worker.process.pid, interval_s=0.25)

    steady, burst = lines[:1000], lines[1000:]
    deployment.publish_events(steady, per_second=SUSTAINED_PER_S)
    lag = LagSampler(worker.web_port)
    burst_began = time.monotonic()
    deployment.publish_events(burst)
    burst_rate = len(burst) / (time.monotonic() - burst_began)
    assert burst_rate >= BURST_FACTOR * SUSTAINED_PER_S, f"the burst went at {burst_rate:.0f}/s"

    wait_until(
        lambda: processed_events(worker.web_port) >= len(lines) or None,
        what="every event processed after the burst",
        deadline_s=240,
    )
    lag.stop()
    # The lag was measured, not assumed: its series were there and showed the backlog.
    assert lag.scrapes_with_series > 0, f"no {CONSUMER_LAG} series while the burst was taken in"
    assert lag.highest > 0, f"{CONSUMER_LAG} stayed 0 through a burst of {len(burst)} events"
    drained = wait_until(
        lambda: _drained(worker.web_port),
        what="the consumer lag drained to zero",
        deadline_s=60,
    )
    peak = sampler.stop()
    live = sorted(deployment.read_alerts(expected=len(expected)))
    assert live == expected, worker.log_tail()
    growth = peak - sampler.start
    assert growth < RSS_GROWTH_LIMIT_BYTES, (
        f"RSS grew by {growth / 2**20:.0f} MB during a burst of {len(burst)} events "
        f"({burst_rate:.0f}/s), from {sampler.start / 2**20:.0f} MB"
    )
    print(
        f"\nburst of {len(burst)} at {burst_rate:.0f}/s: lag peaked at {lag.highest:.0f} "
        f"({lag.scrapes_with_series} scrapes), drained on {len(drained)} partitions; RSS "
        f"{sampler.start / 2**20:.0f} MB at ready, peak {peak / 2**20:.0f} MB"
    )
    assert worker.stop() == 0, worker.log_tail()
