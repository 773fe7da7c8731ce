"""Exactly-once processing with Faust, with the three defects of its transactions mended.

Faust (faust-streaming 0.15.3) runs one transactional producer per source partition and commits
a partition's consumed offsets in that producer's transaction. Three things then go wrong for a
worker that re-keys (as every watchfloor worker does), each seen here or reported upstream
(faust-streaming issues 517, 323, 177):

1. Each output is sent in the transaction named after its *destination* partition, not the
   source partition whose offsets commit it. With two workers a re-keyed output can name a
   partition this worker does not own ("No transaction producer found") and the agent crashes;
   with one worker, outputs and offsets land in different transactions, so a kill between the
   two commits loses or duplicates them.
2. The commit does not first hand over table changelog writes still queued in Faust's producer
   buffer, so a state change can miss the transaction that commits its input.
3. The commit timer runs between two `await`s of an agent, so a transaction can commit part of
   one event's outputs without that event's offset.

The mends: outputs go to the transaction of the source partition of the event being processed
(`SourcePartitionTransactions.send`); a commit takes the processing lock, flushes the producer
buffer and only then commits (`LockedConsumer.force_commit`); agents hold the same lock while
they process an event and acknowledge it (`processing`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import faust
from faust.streams import current_event
from faust.transport.consumer import TransactionManager
from faust.transport.drivers.aiokafka import Consumer as AIOKafkaFaustConsumer
from faust.transport.drivers.aiokafka import Transport as AIOKafkaTransport

# One lock per process: the worker is single-threaded asyncio, so agents and commits only ever
# interleave at an `await`; holding this makes an event's processing and its ack one step.
PROCESSING_LOCK = asyncio.Lock()


@asynccontextmanager
async def processing(stream: Any, event: Any) -> AsyncIterator[None]:
    """Process `event` under the lock, and acknowledge it before letting a commit in."""
    async with PROCESSING_LOCK:
        yield
        await stream.ack(event)


class SourcePartitionTransactions(TransactionManager):
    """Sends in the transaction of the event's source partition (see the module docstring)."""

    # Changelog topic -> the source topic of its table, for writes sent after the event
    # context has gone (from the producer buffer); they share the source's partitioning.
    changelog_sources: dict[str, str] = {}  # noqa: RUF012 - filled once per worker process

    async def send(  # noqa: PLR0917 - Faust's own signature
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        partition: int | None,
        timestamp: float | None,
        headers: Any,
        *,
        transactional_id: str | None = None,
    ) -> Any:
        p = self.consumer.key_partition(topic, key, partition)
        event = current_event()
        source_partition: int | None
        if event is not None:
            source_topic, source_partition = event.message.topic, event.message.partition
        else:
            source_topic, source_partition = self.changelog_sources.get(topic, topic), p
        group = self.app.assignor.group_for_topic(source_topic)
        tid = f"{self.app.conf.id}-{group}-{source_partition}"
        return await self.producer.send(
            topic, key, value, p, timestamp, headers, transactional_id=tid
        )


class LockedConsumer(AIOKafkaFaustConsumer):
    """Commits only between events, after the producer buffer has been handed over."""

    async def force_commit(self, topics: Any = None, start_new_transaction: bool = True) -> bool:
        async with PROCESSING_LOCK:
            await self.app.producer.buffer.flush()
            result: bool = await super().force_commit(
                topics, start_new_transaction=start_new_transaction
            )
            return result


class MendedTransport(AIOKafkaTransport):
    Consumer = LockedConsumer
    TransactionManager = SourcePartitionTransactions


class ExactlyOnceApp(faust.App):
    """A Faust app whose transport uses the mended consumer and transaction manager."""

    def _new_transport(self) -> Any:
        return MendedTransport(self.conf.broker_consumer, self)
