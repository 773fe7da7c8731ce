"""A burst far above the sustained rate: memory stays bounded, the lag drains, nothing is lost."""

from __future__ import annotations

import threading
import time
import urllib.request

import orjson
import pytest
from kafka import KafkaProducer

from tests.integration.busy_week import force_alerts, force_reference, small_force
from tests.integration.service_support import Deployment, WorkerProcess, processed_events
from tests.kafka_support import wait_until

SUSTAINED_PER_S = 100.0
# The burst goes out as fast as one producer sends: measured here at several thousand a second,
# well over ten times the sustained rate (asserted below, not assumed).
BURST_FACTOR = 10.0
# Taking in a backlog of ~8,000 events may raise the worker's RSS by Faust's buffers and
# CPython's arenas, which it keeps; what must not happen is growth with the backlog's size.
RSS_GROWTH_LIMIT_BYTES = 150 * 1024 * 1024


def _rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for pid {pid}")


def _consumer_lag(worker: WorkerProcess) -> float:
    url = f"http://127.0.0.1:{worker.web_port}/metrics"
    with urllib.request.urlopen(url, timeout=5) as reply:
        text = reply.read().decode()
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("watchfloor_consumer_lag_messages{")
    )


class _PeakRss:
    """The worker's peak RSS, sampled four times a second on a thread until stopped."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.start = self.peak = _rss_bytes(pid)
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._done.wait(0.25):
            self.peak = max(self.peak, _rss_bytes(self.pid))

    def stop(self) -> int:
        self._done.set()
        self._thread.join(timeout=5)
        return self.peak


def _send(deployment: Deployment, producer: KafkaProducer, line: bytes) -> None:
    head = orjson.loads(line)
    producer.send(
        deployment.settings.topic(str(head["type"])), key=head["officer_id"].encode(), value=line
    )


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
    sampler = _PeakRss(worker.process.pid)

    steady, burst = lines[:1000], lines[1000:]
    producer = KafkaProducer(bootstrap_servers=deployment.bootstrap, linger_ms=5, acks="all")
    try:
        began = time.monotonic()
        for i, line in enumerate(steady):
            pause = began + i / SUSTAINED_PER_S - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            _send(deployment, producer, line)
        producer.flush(timeout=60)
        burst_began = time.monotonic()
        for line in burst:
            _send(deployment, producer, line)
        producer.flush(timeout=60)
        burst_rate = len(burst) / (time.monotonic() - burst_began)
    finally:
        producer.close()
    assert burst_rate >= BURST_FACTOR * SUSTAINED_PER_S, f"the burst went at {burst_rate:.0f}/s"

    wait_until(
        lambda: processed_events(worker.web_port) >= len(lines) or None,
        what="every event processed after the burst",
        deadline_s=240,
    )
    wait_until(
        lambda: _consumer_lag(worker) == 0 or None,
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
    assert worker.stop() == 0, worker.log_tail()
