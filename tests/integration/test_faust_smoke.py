"""Faust works against the real broker: an agent with a table consumes and publishes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from kafka import KafkaConsumer, KafkaProducer

from streams.service.topology import delete_topics_starting_with

APP = Path(__file__).parent / "apps" / "faust_smoke.py"
KEYS = [b"a", b"b", b"c", b"d", b"e"]
PER_KEY = 20


def test_faust_agent_with_table_consumes_and_publishes_through_the_broker(
    kafka_bootstrap: str,
    topic_factory: Callable[..., str],
    unique_name: Callable[[str], str],
    group_id: str,
    tmp_path: Path,
) -> None:
    source = topic_factory("source", partitions=2)
    sink = topic_factory("sink", partitions=2)
    app_id = unique_name("app")
    environment = {
        **os.environ,
        "SMOKE_BROKER": kafka_bootstrap,
        "SMOKE_APP_ID": app_id,
        "SMOKE_SOURCE": source,
        "SMOKE_SINK": sink,
        "SMOKE_DATADIR": str(tmp_path / "faust"),
    }
    log_path = tmp_path / "worker.log"
    with open(log_path, "wb") as log:
        worker = subprocess.Popen(
            [sys.executable, str(APP), "worker", "--loglevel", "info", "--without-web"],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        producer = KafkaProducer(bootstrap_servers=kafka_bootstrap)
        for index in range(PER_KEY):
            for key in KEYS:
                producer.send(source, key=key, value=str(index).encode())
        producer.flush(timeout=30)
        producer.close()

        received = _read(kafka_bootstrap, sink, group_id, len(KEYS) * PER_KEY, deadline_s=90)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)
        # The worker's own topics (its table's changelog, Faust's assignor topic).
        delete_topics_starting_with(kafka_bootstrap, (f"{app_id}-",))

    assert set(received) == set(KEYS), log_path.read_text()[-3000:]
    for key, values in received.items():
        assert values == [f"{i}:{i + 1}".encode() for i in range(PER_KEY)], key


def _read(
    bootstrap: str, topic: str, group: str, expected: int, deadline_s: float
) -> dict[bytes, list[bytes]]:
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
    )
    received: dict[bytes, list[bytes]] = defaultdict(list)
    count = 0
    deadline = time.monotonic() + deadline_s
    try:
        while count < expected and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    received[record.key].append(record.value)
                    count += 1
    finally:
        consumer.close()
    return dict(received)
