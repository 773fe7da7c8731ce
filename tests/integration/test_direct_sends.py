"""The worker's direct sends against the real broker: records reach their transaction in order,
and a record the broker refuses fails the wait before the commit instead of vanishing.

`DirectSends` reads only a few things of the Faust app (its transactional producers and their
locks, and how transactional ids are named); a stand-in supplies those around a real aiokafka
transactional producer, so what is tested is the batching and the checking, on a real broker.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError

from streams.service.exactly_once import DirectSends
from streams.service.write_back import current

SOURCE_PARTITION = 2
TRANSACTIONAL_ID = f"direct-sends-0-{SOURCE_PARTITION}"  # `source_transaction`'s naming


class _Event:
    """A Faust event as far as `source_transaction` reads one (its source partition)."""

    def __init__(self) -> None:
        self.message = SimpleNamespace(topic="input", partition=SOURCE_PARTITION)


def _app(client: AIOKafkaProducer) -> Any:
    return SimpleNamespace(
        producer=SimpleNamespace(
            _transaction_producers={TRANSACTIONAL_ID: client},
            _trn_locks={TRANSACTIONAL_ID: asyncio.Lock()},
        ),
        assignor=SimpleNamespace(group_for_topic=lambda topic: 0),
        conf=SimpleNamespace(id="direct-sends"),
    )


async def _committed(
    bootstrap: str, topic: str, partitions: int, expected: int, within_s: float
) -> list[tuple[int, bytes]]:
    """What a read-committed reader finds: `expected` records, or all it got within the time."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, isolation_level="read_committed", enable_auto_commit=False
    )
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        seen: list[tuple[int, bytes]] = []
        deadline = asyncio.get_running_loop().time() + within_s
        while len(seen) < expected and asyncio.get_running_loop().time() < deadline:
            for tp, records in (await consumer.getmany(timeout_ms=200)).items():
                seen.extend((tp.partition, record.value or b"") for record in records)
        return seen
    finally:
        await consumer.stop()


async def _with_producer(bootstrap: str, body: Callable[[DirectSends, Any], Any]) -> None:
    client = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        transactional_id=f"{TRANSACTIONAL_ID}-{id(body)}",
        enable_idempotence=True,
    )
    await client.start()
    try:
        await client.begin_transaction()
        direct = DirectSends(_app(client))
        with current(_Event()):
            await body(direct, client)
    finally:
        await client.stop()


def test_direct_sends_reach_their_transaction_in_order_across_full_batches(
    kafka_bootstrap: str, topic_factory: Callable[..., str]
) -> None:
    topic = topic_factory("direct", partitions=2)
    # Values large enough that the client's 16 KiB batches fill and go out before the commit.
    values = [f"{i:05d}".encode() + b"." * 2000 for i in range(40)]

    async def body(direct: DirectSends, client: AIOKafkaProducer) -> None:
        for value in values:
            await direct.send(topic, None, value, 1)
        await direct.send(topic, b"keyed", b"by the client's partitioner")
        await direct.delivered()
        await client.commit_transaction()

    asyncio.run(_with_producer(kafka_bootstrap, body))
    seen = asyncio.run(_committed(kafka_bootstrap, topic, 2, len(values) + 1, 30.0))
    assert [value for partition, value in seen if partition == 1 and value in values] == values
    assert b"by the client's partitioner" in [value for _, value in seen]


def test_a_record_the_broker_refuses_fails_the_wait_before_the_commit(
    kafka_bootstrap: str, topic_factory: Callable[..., str]
) -> None:
    topic = topic_factory("refusing", config={"max.message.bytes": "2000"})

    async def body(direct: DirectSends, client: AIOKafkaProducer) -> None:
        await direct.send(topic, None, b"fits", 0)
        await direct.send(topic, None, b"x" * 10_000, 0)  # over the topic's limit
        with pytest.raises(KafkaError):
            await direct.delivered()
        await client.abort_transaction()

    asyncio.run(_with_producer(kafka_bootstrap, body))
    # Given time to show up, nothing does: the transaction was aborted, not committed short.
    assert asyncio.run(_committed(kafka_bootstrap, topic, 1, 1, 3.0)) == []
