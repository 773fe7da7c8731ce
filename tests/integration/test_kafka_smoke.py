"""The broker is real: keyed messages round-trip through kafka-python with per-key order kept."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable

from kafka import KafkaConsumer, KafkaProducer

MESSAGES = 10_000
KEYS = 97


def test_ten_thousand_keyed_messages_come_back_in_per_key_order(
    kafka_bootstrap: str, topic_factory: Callable[..., str], group_id: str
) -> None:
    topic = topic_factory("smoke", partitions=4)
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, linger_ms=5, acks="all")
    for sequence in range(MESSAGES):
        key = f"officer-{sequence % KEYS}".encode()
        producer.send(topic, key=key, value=str(sequence).encode())
    producer.flush(timeout=60)
    producer.close()

    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=kafka_bootstrap,
        group_id=group_id,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    seen: dict[bytes, list[int]] = defaultdict(list)
    partitions_by_key: dict[bytes, set[int]] = defaultdict(set)
    received = 0
    deadline = time.monotonic() + 60
    try:
        while received < MESSAGES and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    assert record.key is not None
                    seen[record.key].append(int(record.value))
                    partitions_by_key[record.key].add(record.partition)
                    received += 1
    finally:
        consumer.close()

    assert received == MESSAGES
    assert len(seen) == KEYS
    assert all(sequence == sorted(sequence) for sequence in seen.values())
    assert all(len(partitions) == 1 for partitions in partitions_by_key.values())
    used = set().union(*partitions_by_key.values())
    assert used == {0, 1, 2, 3}
