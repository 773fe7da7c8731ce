"""Exactly-once processing with Faust, with the defects of its transactions mended.

Faust (faust-streaming 0.15.3) runs one transactional producer per source partition and commits
a partition's consumed offsets in that producer's transaction. Several things then go wrong for a
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
4. The offsets it commits are worked out from the acknowledged offsets and the gaps it saw
   between them. The internal topics are written in transactions, whose commit markers and
   aborted records leave holes in the offsets; when a hole was not recorded as a gap (seen here
   after a restart), the partition's committed offset stopped for good while its outputs and
   state changes went on committing, and the next restart applied everything since a second
   time.
5. After a restart it resumes the partitions before it seeks them to their committed offsets,
   so the first events are delivered twice (some from below the committed offset) and were
   processed twice.
6. Table writes wait in the producer buffer for a background task to hand them to the Kafka
   client; the buffer's size leaves out the one that task has taken and not yet handed over,
   so a commit could begin without it and the write went into the next transaction.

7. A rebalance stops the transactions of the revoked partitions, so what was processed since
   the last commit is aborted and done again from the committed offsets; but Faust's tables
   keep in memory what those events wrote (a partition assigned back to the same worker is not
   restored from its changelog), so the events would be applied twice to the state.
8. Table recovery asks how far each changelog partition goes with the last stable offset the
   consumer last saw in a fetch response for it, which is unknown for a partition not fetched
   yet (one just assigned): Faust then takes the partition for empty and restores nothing, so
   the worker goes on from blank state. Seen after a second worker joined (every changelog
   partition it was given read as empty).
9. Its rule for the offset to commit (the acknowledged ones) would commit events that were only
   acknowledged, never processed (those left alone while partitions are being revoked).
10. A record can be fetched and never reach the agent, while records after it do. Faust's
   fetch loop leaves the rest of a fetched batch undelivered when flow stops, the generation
   changes or a partition is not active at that moment, and fetches on from after the batch
   without seeking back. Seen after a restart, as table recovery ended: about 190 records of each
   by-officer partition after the committed offset were never processed, and their officers'
   states went on without them (a missing alert, and an "exit without entry" that was not).
   When the records left undelivered are the last of their partition, no later record shows
   the gap: the partition then stood still until new input came. Seen in the tests, after a
   kill or a rebalance mid-backlog: input partitions whose whole backlog had come in one fetch
   were never processed, and their alerts never came.

The mends: outputs go to the transaction of the source partition of the event being processed
(`SourcePartitionTransactions.send`); a commit takes the processing lock, writes back state
kept in memory, flushes the producer buffer and only then commits (`LockedConsumer.
force_commit`); agents hold the same lock while they process an event and acknowledge it
(`processing`). Each partition's offset to commit is the one after the last event processed
from it (agents take one event at a time, in order), and an event at or below the last one
processed from its partition, or below the partition's committed offset, is acknowledged and
left alone (`LockedConsumer.processed`); the table write being handed over counts as buffered
(`InFlightBuffer`). Faust also commits the transactions one after another; they are independent, so
`ConcurrentCommitProducer` commits them together. Before partitions are revoked, what was
processed is committed, as Kafka Streams does, and no event is processed until the next
assignment (`LockedConsumer.on_partitions_revoked`), and an event that was only acknowledged is
never committed. Recovery asks the broker for the last stable offsets
(`StableEndsConsumerThread`). Every fetched record's offset is noted until it is processed; an
event delivered while a record before it was fetched and never processed is left alone, and the
partition is sought back and read again from the first one not processed
(`LockedConsumer.delivered_in_order`); records fetched and still not processed STALL_S after
their partition last made progress are read again likewise (`LockedConsumer.rewind_stalled`).
Input handed over in batches (`batched_topics`, see `streams.service.record_batches`) is
checked by its records' own offsets: a batch counts as delivered in order when no record
before its first one is still unprocessed.
"""

from __future__ import annotations

import asyncio
import bisect
import inspect
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, cast

import aiokafka
import faust
from aiokafka.errors import KafkaConnectionError, KafkaError
from aiokafka.producer.sender import Sender
from faust.exceptions import ProducerSendError
from faust.streams import current_event
from faust.transport.consumer import TransactionManager
from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread
from faust.transport.drivers.aiokafka import Consumer as AIOKafkaFaustConsumer
from faust.transport.drivers.aiokafka import Producer as AIOKafkaFaustProducer
from faust.transport.drivers.aiokafka import Transport as AIOKafkaTransport
from faust.transport.producer import ProducerBuffer
from faust.types import TP

from streams.service.record_batches import batch_records, first_offset

log = logging.getLogger(__name__)

# One lock per process: the worker is single-threaded asyncio, so agents and commits only ever
# interleave at an `await`; holding this makes an event's processing and its ack one step.
PROCESSING_LOCK = asyncio.Lock()

TRANSACTION_RETRY_BACKOFF_MS = 20
# Records fetched and not processed this long after their partition last made progress (a
# fetch or a record processed) were left undelivered (point 10): read again. Far above the
# time the agents' queues take to drain; reading again what was only slow costs a fetch, as
# what was processed meanwhile is left alone when it comes again.
STALL_S = 5.0


class _FinalCommit:
    """Whether the worker's final commit, which ends its transactions, has happened.

    Faust ends the transactions while stopping, before it stops the agents and the commit
    timer: an event processed after that could send in no transaction, and a commit after it
    fails ("Not in the middle of a transaction") and crashes the stopping worker.

    Faust ends the transactions the same way in every rebalance (its `wait_empty` commits with
    no new transaction, and the new assignment begins them again); only a stopping worker's
    commit counts. Taking a rebalance's for the final one made a worker refuse every event
    after its first rebalance with partitions (seen as the "rebalance stall": events fetched
    and dropped, nothing committed, no alert).
    """

    done = False


@asynccontextmanager
async def processing(stream: Any, event: Any) -> AsyncIterator[bool]:
    """Process `event` under the lock, and acknowledge it before letting a commit in.

    Yields False once the final commit is done (the worker is stopping): the event must then be
    left alone; unacknowledged, it is processed again after the next start.
    """
    async with PROCESSING_LOCK:
        if _FinalCommit.done:
            yield False
            return
        message = event.message
        consumer: LockedConsumer = stream.app.consumer
        consumer.agent_topics.add(message.tp.topic)
        if consumer.revoking:
            # The partitions are going, and what was processed is committed: work done now
            # would only be aborted with its transaction. Delivered again after the assignment,
            # from the committed offset.
            yield False
            await stream.ack(event)
            return
        last = consumer.processed.get(message.tp)
        if last is None:
            # The first event of the partition in this assignment: what lies before the
            # committed offset was processed and committed before, whatever Faust delivers.
            committed = await consumer.committed_offset(message.tp)
            last = -1 if committed is None else committed - 1
            if message.offset <= last:
                log.warning(
                    "%s[%d] delivered from offset %d, below its committed offset %d: "
                    "events before that are left alone",
                    message.tp.topic,
                    message.tp.partition,
                    message.offset,
                    last + 1,
                )
            consumer.processed[message.tp] = last
        in_order = message.offset > last and await consumer.delivered_in_order(
            message.tp, last, message.offset, first_offset(message.offset, event.value)
        )
        if not in_order:
            # Delivered again (Faust's seek after a restart): its outputs are already in the
            # open transaction, or committed. Or delivered after a record that never reached
            # the agent, which is being read again (point 10).
            yield False
            await stream.ack(event)
            return
        yield True
        consumer.processed[message.tp] = message.offset
        consumer.fetched.processed(message.tp, message.offset)
        consumer.progressed[message.tp] = time.monotonic()
        await stream.ack(event)


def source_transaction(app: Any, topic: str, partition: int | None) -> str:
    """The transactional id that commits a send to `topic`: that of the current event's source
    partition, or (a table write sent after its event, from the producer buffer) that of the
    table's source partition, which shares the destination's number.
    """
    event = current_event()
    if event is not None:
        source_topic, source_partition = event.message.topic, event.message.partition
    elif partition is not None:
        source_topic = SourcePartitionTransactions.changelog_sources.get(topic, topic)
        source_partition = partition
    else:
        raise ProducerSendError(f"a send to {topic} outside any event has no transaction")
    group = app.assignor.group_for_topic(source_topic)
    return f"{app.conf.id}-{group}-{source_partition}"


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
        tid = source_transaction(self.app, topic, p)
        return await self.producer.send(
            topic, key, value, p, timestamp, headers, transactional_id=tid
        )


class DirectSends:
    """Sends straight to the Kafka client of the transaction that commits them, in batches.

    A message sent through Faust (a topic's `send`, or a table write through its producer
    buffer) costs about 120 us of Faust's bookkeeping before it reaches the Kafka client; a
    commit every 0.1 s at 2,000 events/s spent 25 ms of its 42 ms handing ~190 table writes
    over, during which no event could be processed, and alert latency pays that twice (once
    per internal hop). Here a send appends the record to a batch of the client's own format for
    its partition, a few microseconds.

    A batch goes to the client when full and at `delivered`, which the commit calls first: it
    waits until the broker has acknowledged every record, so a send that failed fails the
    commit rather than commit a transaction without it. Sends are made under the processing
    lock, like every output of an event, so they belong to the transaction of the event's
    source partition (`source_transaction`); records for one partition keep their order.
    """

    def __init__(self, app: faust.App) -> None:
        self.app = app
        # (transactional id, topic, partition) -> the client and the batch being filled.
        self._open: dict[tuple[str, str, int], tuple[aiokafka.AIOKafkaProducer, Any]] = {}
        self._sent: list[asyncio.Future[Any]] = []

    async def send(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        partition: int | None = None,
        headers: list[tuple[str, bytes]] | None = None,
    ) -> None:
        # Only ever in a transaction: the worker runs exactly-once, and outside one these sends
        # would have no commit to wait for them.
        tid = source_transaction(self.app, topic, partition)
        client = self._producer()._transaction_producers.get(tid)
        if client is None:
            raise ProducerSendError(f"no transaction producer for {tid}")
        if partition is None:
            # Keyed by what the client's partitioner says, as a send through Faust would be.
            await client.partitions_for(topic)
            partition = int(client._partition(topic, None, key, value, key, value))
        slot = (tid, topic, partition)
        opened = self._open.get(slot)
        if opened is None:
            opened = self._open[slot] = (client, client.create_batch())
        record = {"timestamp": None, "key": key, "value": value, "headers": headers or []}
        if opened[1].append(**record) is None:  # full: it goes now, and a new one begins
            await self._submit(slot)
            opened = self._open[slot] = (client, client.create_batch())
            opened[1].append(**record)  # the first record of a batch is always taken

    async def _submit(self, slot: tuple[str, str, int]) -> None:
        client, batch = self._open.pop(slot)
        batch.close()  # sent at once, not after the client's linger
        tid, topic, partition = slot
        async with self._producer()._trn_locks[tid]:  # not while Faust ends the transaction
            sent = await client.send_batch(batch, topic, partition=partition)
        self._sent.append(sent)

    def _producer(self) -> AIOKafkaFaustProducer:
        return cast(AIOKafkaFaustProducer, self.app.producer)

    async def delivered(self) -> None:
        """Send the open batches and wait until every record so far is acknowledged.

        Raises what a failed send raised.
        """
        for slot in list(self._open):
            await self._submit(slot)
        sent, self._sent = self._sent, []
        if sent:
            await asyncio.gather(*sent)

    def discard(self) -> None:
        """Forget batches not yet sent (their transactions are being aborted)."""
        self._open.clear()
        self._sent.clear()


class StableEndsConsumerThread(AIOKafkaConsumerThread):
    """Asks the broker where partitions end for a read-committed reader (point 8 above)."""

    async def _highwaters(self, partitions: list[TP]) -> Any:
        # ListOffsets under the consumer's read_committed isolation: the last stable offset,
        # known for every partition, fetched or not.
        return await self._ensure_consumer().end_offsets(list(partitions))


# Input records fetched and not yet processed beyond which the worker counts as catching up.
CATCHING_UP_RECORDS = 1000


def commit_now(behind: int, since_last_commit: float, catching_up_interval: float) -> bool:
    """Whether a periodic commit goes ahead: always, unless the worker is catching up on a
    backlog (`behind` input records fetched and waiting) and committed less than
    `catching_up_interval` seconds ago.

    Commits set alert latency (a read-committed reader sees an alert after the second one
    following its input) but pause processing while they last, so a worker with a backlog
    commits less often and spends its time on the backlog instead.

    >>> commit_now(behind=40, since_last_commit=0.02, catching_up_interval=0.1)
    True
    >>> commit_now(behind=50_000, since_last_commit=0.02, catching_up_interval=0.1)
    False
    >>> commit_now(behind=50_000, since_last_commit=0.1, catching_up_interval=0.1)
    True
    """
    return behind <= CATCHING_UP_RECORDS or since_last_commit >= catching_up_interval


class LockedConsumer(AIOKafkaFaustConsumer):
    """Commits only between events, after the producer buffer has been handed over, and
    commits the offsets of what was processed, also before a rebalance takes partitions away
    (see the module docstring, points 4, 5, 7 and 9)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The offset of the last event processed from each assigned partition, in this
        # assignment: an uncommitted transaction ends with the assignment.
        self.processed: dict[TP, int] = {}
        # Set once the work done before a rebalance is committed, until the next assignment.
        self.revoking = False
        # Topics that agents consume through `processing`: only what was processed from them
        # is ever committed.
        self.agent_topics: set[str] = set()
        # Offsets of the records fetched and not yet processed, per partition (point 10).
        self.fetched = FetchedOffsets()
        # Partitions being read again from an earlier offset (point 10): the offset delivered
        # after the record that was missed.
        self.rereading: dict[TP, int] = {}
        # When the last commit ended (monotonic seconds), for `commit_now`.
        self.last_commit = 0.0
        # When each partition last made progress (monotonic seconds): records fetched, or one
        # processed. See `rewind_stalled`.
        self.progressed: dict[TP, float] = {}

    async def seek(self, partition: TP, offset: int) -> None:
        """Faust's seek, made in the consumer's own thread.

        Faust calls the client's seek from the worker's thread, and the client then drops the
        partition's fetched records while its own thread may be handing them out: aiokafka's
        fetcher raised KeyError and the worker crashed (seen in the five-kill test, after a
        restart, reading a partition again). Faust itself seeks only while fetching is stopped;
        the mends here seek mid-stream.
        """
        thread: AIOKafkaConsumerThread = self._thread
        await thread.call_thread(thread._ensure_consumer().seek, partition, offset)
        self._read_offset[partition] = offset if offset else None

    async def _getmany(self, active_partitions: Any, timeout: float) -> Any:
        fetched = await super()._getmany(active_partitions, timeout)
        changelogs = self.app.tables.changelog_topics  # restored, not processed by agents
        app = self.app
        batched, size = (
            (app.batched_topics, app.batch_size)
            if isinstance(app, ExactlyOnceApp)
            else (frozenset[str](), 1)
        )
        records: dict[TP, list[Any]] = {}
        for tp, messages in fetched.items():
            records[tp] = messages
            if not messages or tp.topic in changelogs:
                continue
            # The records' own offsets, also of those handed over in batches: however a
            # partition read again is cut into batches, a record is the same record.
            offsets = [m.offset for m in messages]
            if tp.topic in batched:
                records[tp] = batch_records(messages, size)
            fetched_tp = TP(tp.topic, tp.partition)
            self.fetched.add(fetched_tp, offsets)
            self.progressed[fetched_tp] = time.monotonic()
            trigger = self.rereading.get(tp)
            if trigger is not None and offsets[0] < trigger:
                # The partition read again (see `delivered_in_order`). Faust would drop these
                # records as read already: the batch it was handing over when the seek came
                # moved its read offset past them again.
                self._read_offset[tp] = records[tp][0].offset
        return records

    async def delivered_in_order(
        self, tp: TP, last: int, offset: int, first: int | None = None
    ) -> bool:
        """Whether `offset` may be processed after `last`: no record between them was fetched.

        Offsets between two fetched records that were never fetched are transaction markers
        or aborted records, which a read-committed consumer never sees. A record that was
        fetched but never reached the agent (point 10) is read again: the partition is sought
        back to it, and what Faust had queued after it is left alone until it comes.

        `first` is the offset of the first input record a batch carries (see
        `streams.service.record_batches`); a batch read again can end where one queued before
        the seek ended, but it begins earlier.
        """
        first = offset if first is None else first
        trigger = self.rereading.get(tp)
        if trigger is not None:
            if first >= trigger:
                return False  # queued before the seek
            del self.rereading[tp]  # read again from here
        missed = self.fetched.first_between(tp, last, first)
        if missed is None:
            return True
        log.warning(
            "%s[%d]: record %d was fetched but never delivered (offset %d came next); "
            "reading the partition again from %d",
            tp.topic,
            tp.partition,
            missed,
            offset,
            last + 1,
        )
        self.rereading[tp] = first
        await self.seek(tp, last + 1)
        return False

    def waiting(self, tp: TP) -> int | None:
        """The first record of `tp` fetched and not processed yet, if any."""
        last = self.processed.get(tp)
        if last is not None:
            self.fetched.processed(tp, last)  # fetched again after it was processed
        return self.fetched.first(tp)

    async def rewind_stalled(self, now: float) -> list[TP]:
        """Read again the partitions whose fetched records stopped reaching the agent (point
        10, when no later record shows the gap); the partitions rewound."""
        rewound: list[TP] = []
        async with PROCESSING_LOCK:  # between events, as every other decision on offsets
            if self.revoking or _FinalCommit.done:
                return rewound
            for tp in self.fetched.partitions():
                waiting = self.waiting(tp)
                last_fetched = self.fetched.last(tp)
                if (
                    waiting is None
                    or last_fetched is None
                    or tp in self.rereading
                    or now - self.progressed.get(tp, now) < STALL_S
                ):
                    continue
                last = self.processed.get(tp)
                start = waiting if last is None else last + 1
                log.warning(
                    "%s[%d]: records from %d were fetched and not delivered for %.0f s; "
                    "reading the partition again from %d",
                    tp.topic,
                    tp.partition,
                    waiting,
                    now - self.progressed[tp],
                    start,
                )
                # What is still queued from before the seek began at or before the last record
                # fetched, and what is read again begins at `start`: both pass (see
                # `delivered_in_order`), and whichever comes second is left alone as processed.
                self.rereading[tp] = last_fetched + 1
                self.progressed[tp] = now
                await self.seek(tp, start)
                rewound.append(tp)
        return rewound

    def _new_consumer_thread(self) -> AIOKafkaConsumerThread:
        return StableEndsConsumerThread(self, loop=self.loop, beacon=self.beacon)

    async def committed_offset(self, tp: TP) -> int | None:
        """The partition's committed offset, asked of the group coordinator (what Faust last
        saw, if the coordinator cannot be asked)."""
        thread = self._thread
        try:
            offset: int | None = await thread.call_thread(thread._ensure_consumer().committed, tp)
        except KafkaError as error:
            log.warning("committed offset of %s[%d] not known: %r", tp.topic, tp.partition, error)
            offset = self._committed_offset.get(tp)
        return offset

    def _new_offset(self, tp: TP) -> int | None:
        last = self.processed.get(tp)
        if last is None and tp.topic not in self.agent_topics:
            # Not consumed by an agent (Faust's own topics): its own rule.
            offset: int | None = super()._new_offset(tp)
            return offset
        # What lies between processed events is skipped records (transaction markers, aborted
        # writes) that a consumer resuming after `last` skips again; with nothing processed in
        # this assignment, what was acknowledged (events left alone while partitions are
        # revoked) must not be committed.
        self._acked[tp].clear()
        self._acked_index[tp].clear()
        self._gap.pop(tp, None)
        return None if last is None else last + 1

    async def on_partitions_revoked(self, revoked: set[TP]) -> None:
        await self._commit_before_revoke()
        try:
            await super().on_partitions_revoked(revoked)
        finally:
            for tp in revoked:
                self.processed.pop(tp, None)
                self.rereading.pop(tp, None)
                self.progressed.pop(tp, None)
                self.fetched.forget(tp)

    async def on_partitions_assigned(self, assigned: set[TP], generation_id: int = 0) -> None:
        self.revoking = False
        await super().on_partitions_assigned(assigned, generation_id)

    async def _commit_before_revoke(self) -> None:
        """Commit what was processed while the partitions are still ours (point 7 above)."""
        if self.revoking or _FinalCommit.done:
            return
        if not self.processed:
            async with PROCESSING_LOCK:  # nothing to commit, but nothing may start either
                self.revoking = True
            return
        try:
            # Under the lock (so between two events); from then on `processing` lets no event
            # through until the next assignment.
            committed = await self.force_commit(stop_processing=True)
            log.info(
                "before the rebalance: work processed since the last commit %s",
                "committed" if committed else "was already committed",
            )
        except Exception as error:  # the rebalance must go on regardless
            log.warning(
                "commit before a rebalance failed (%r): work since the last commit is redone, "
                "and state it changed in this worker's tables may run ahead",
                error,
            )

    async def commit(self, topics: Any = None, start_new_transaction: bool = True) -> bool:
        """Faust's periodic commit, left out while catching up (see `commit_now`)."""
        if (
            topics is None
            and start_new_transaction
            and isinstance(self.app, ExactlyOnceApp)
            and not commit_now(
                self.records_behind(),
                time.monotonic() - self.last_commit,
                self.app.catching_up_commit_interval,
            )
        ):
            return False
        result: bool = await super().commit(topics, start_new_transaction)
        return result

    def records_behind(self) -> int:
        """Records of the batched (input) topics fetched and not yet processed, roughly: the
        partitions' ends as last fetched, less what was processed from them."""
        topics = self.app.batched_topics if isinstance(self.app, ExactlyOnceApp) else ()
        behind = 0
        for tp in self.assignment():
            if tp.topic in topics:
                end = self.highwater(tp)
                if end is not None:
                    behind += max(0, end - 1 - self.processed.get(tp, end - 1))
        return behind

    async def force_commit(
        self,
        topics: Any = None,
        start_new_transaction: bool = True,
        *,
        stop_processing: bool = False,
    ) -> bool:
        async with PROCESSING_LOCK:
            if stop_processing:
                self.revoking = True
            if _FinalCommit.done:
                # Nothing was processed since (see `processing`), and there is no transaction
                # left to commit in.
                return False
            if isinstance(self.app, ExactlyOnceApp):
                await self.app.write_back()
            buffer = self.app.producer.buffer
            # Faust's flush gives up when no message goes out for 0.1 s (a busy machine),
            # which would let a state change miss this transaction: drain it for certain.
            while buffer.size:
                await buffer.flush()
            if isinstance(self.app, ExactlyOnceApp):
                await self.app.direct.delivered()
            result: bool = await super().force_commit(
                topics, start_new_transaction=start_new_transaction
            )
            self.last_commit = time.monotonic()
            # Not in a rebalance: see `_FinalCommit`.
            if not start_new_transaction and (self.should_stop or self.app.should_stop):
                _FinalCommit.done = True
            return result


class FetchedOffsets:
    """The offsets of fetched records not yet processed, per partition, in order.

    >>> fetched = FetchedOffsets()
    >>> tp = TP("t", 0)
    >>> fetched.add(tp, [10, 11, 14])
    >>> fetched.first_between(tp, 10, 14)
    11
    >>> fetched.processed(tp, 11)
    >>> fetched.first_between(tp, 11, 14) is None  # 12 and 13 were never fetched
    True
    >>> fetched.add(tp, [12, 13])  # read again after a seek
    >>> fetched.first_between(tp, 11, 14)
    12
    """

    def __init__(self) -> None:
        self._offsets: dict[TP, list[int]] = {}

    def add(self, tp: TP, offsets: list[int]) -> None:
        known = self._offsets.setdefault(tp, [])
        if not known or offsets[0] > known[-1]:
            known.extend(offsets)  # the usual case: fetched in order
        else:
            known[:] = sorted(set(known).union(offsets))

    def first_between(self, tp: TP, last: int, offset: int) -> int | None:
        """The first fetched offset after `last` and before `offset`, if any."""
        known = self._offsets.get(tp)
        if not known:
            return None
        i = bisect.bisect_right(known, last)
        return known[i] if i < len(known) and known[i] < offset else None

    def processed(self, tp: TP, offset: int) -> None:
        """Forget the offsets up to `offset`: processed, or left behind for good."""
        known = self._offsets.get(tp)
        if known:
            del known[: bisect.bisect_right(known, offset)]

    def partitions(self) -> list[TP]:
        """The partitions with fetched records not processed."""
        return [tp for tp, known in self._offsets.items() if known]

    def first(self, tp: TP) -> int | None:
        """The first fetched offset of `tp` not processed.

        >>> fetched = FetchedOffsets()
        >>> fetched.add(TP("t", 0), [3, 4, 7])
        >>> fetched.first(TP("t", 0)), fetched.last(TP("t", 0)), fetched.first(TP("t", 1))
        (3, 7, None)
        >>> fetched.processed(TP("t", 0), 7)
        >>> fetched.partitions()
        []
        """
        known = self._offsets.get(tp)
        return known[0] if known else None

    def last(self, tp: TP) -> int | None:
        """The last fetched offset of `tp` not processed."""
        known = self._offsets.get(tp)
        return known[-1] if known else None

    def forget(self, tp: TP) -> None:
        """Forget `tp` altogether (no longer assigned)."""
        self._offsets.pop(tp, None)


class InFlightBuffer(ProducerBuffer):
    """A producer buffer whose size counts the write being handed over (point 6 above)."""

    in_flight = 0

    async def _send_pending(self, fut: Any) -> None:
        self.in_flight += 1
        try:
            await super()._send_pending(fut)
        finally:
            self.in_flight -= 1

    @property
    def size(self) -> int:
        return int(super().size) + self.in_flight


class CoordinatorRetryingSender(Sender):  # type: ignore[misc]  # aiokafka has no types
    """aiokafka's producer sender, which asks again when the coordinator lookup loses its
    connection instead of failing the producer for good.

    aiokafka 0.14 retries a transaction coordinator lookup that finds no coordinator or no ready
    node, but a connection closed while the lookup is in flight (the broker stopping, or
    starting up) ends its sender task with "Unexpected error during batch delivery", and Faust
    then crashes the worker. Seen in the broker-restart test once commits came ten times a
    second (a lookup is then nearly always under way); aiokafka issue 1151 reports the same
    class of failure.
    """

    async def _find_coordinator(self, coordinator_type: Any, coordinator_key: Any) -> Any:
        while True:
            try:
                return await super()._find_coordinator(coordinator_type, coordinator_key)
            except KafkaError as error:
                if not isinstance(error.__cause__, KafkaConnectionError):
                    raise
                log.warning("transaction coordinator lookup lost its connection; asking again")
                await self.client.force_metadata_update()
                await asyncio.sleep(self._retry_backoff)


class CoordinatorRetryingProducer(aiokafka.AIOKafkaProducer):  # type: ignore[misc]  # untyped
    """An aiokafka producer with `CoordinatorRetryingSender`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The sender is built inside aiokafka's constructor; only its class changes.
        self._sender.__class__ = CoordinatorRetryingSender


class ConcurrentCommitProducer(AIOKafkaFaustProducer):
    """Commits the transactions of all source partitions at once, not one after another.

    Each transactional id has a producer and a broker connection of its own, so the commits are
    independent. Faust awaits them in turn: a commit then holds the processing lock for a few
    round trips per partition and stage (12 transactions with 4 partitions), which measured
    here as the worker sitting idle most of the time.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        buffer = InFlightBuffer(loop=self.loop, beacon=self.beacon)
        buffer.threaded_producer = getattr(self.buffer, "threaded_producer", None)
        buffer.app = self.app
        self.buffer = buffer

    @property
    def _producer_type(self) -> type[aiokafka.AIOKafkaProducer]:
        return CoordinatorRetryingProducer

    def _settings_extra(self) -> Any:
        extra = dict(super()._settings_extra())
        if self.app.in_transaction:
            # A transaction begun right after a commit can be refused for a moment while the
            # broker writes the last one's markers (CONCURRENT_TRANSACTIONS, KAFKA-5477), and
            # the client waits its retry backoff, 100 ms by default, before asking again: a
            # tenth of a second added to a commit now and then, and so to alert latency (measured
            # with bench/bench_service.py at 2,000 events/s: commits' p90 107 ms, p50 7 ms; with
            # this, p90 9 ms and alert p99 424 to 352 ms). aiokafka already waits only 20 ms in
            # one such case; this makes it every retry of the transactional producers.
            extra["retry_backoff_ms"] = TRANSACTION_RETRY_BACKOFF_MS
        return extra

    async def commit_transactions(
        self,
        tid_to_offset_map: Any,
        group_id: str,
        start_new_transaction: bool = True,
    ) -> None:
        async def commit_one(transactional_id: str, offsets: Any) -> None:
            await super(ConcurrentCommitProducer, self).commit_transactions(
                {transactional_id: offsets}, group_id, start_new_transaction
            )

        await asyncio.gather(
            *(commit_one(tid, offsets) for tid, offsets in tid_to_offset_map.items())
        )


class MendedTransport(AIOKafkaTransport):
    Consumer = LockedConsumer
    Producer = ConcurrentCommitProducer
    TransactionManager = SourcePartitionTransactions


class ExactlyOnceApp(faust.App):
    """A Faust app whose transport uses the mended consumer and transaction manager.

    `before_commit` holds the functions (plain or async) that send what is kept in memory:
    state for the tables (see `streams.service.write_back`) and batches of events for the next
    stage (`streams.service.outbox`). They run before every commit, and before the producer is
    flushed when partitions are revoked, so that what events caused always travels in the
    transaction that commits those events.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.before_commit: list[Callable[[], object]] = []
        # Topics whose fetched records reach their agent in batches of at most `batch_size`
        # (see `streams.service.record_batches`).
        self.batched_topics: frozenset[str] = frozenset()
        self.batch_size = 500
        self.direct = DirectSends(self)
        # The longest a worker catching up on a backlog goes between commits (`commit_now`).
        self.catching_up_commit_interval = 0.1

    async def write_back(self) -> None:
        for hook in self.before_commit:
            result = hook()
            if inspect.isawaitable(result):
                await result

    async def _producer_flush(self, logger: Any) -> None:
        # Faust waits for the agents to finish their current events before calling this. After
        # the final commit there is no transaction to send in, and nothing was processed since.
        if not _FinalCommit.done:
            await self.write_back()
        await super()._producer_flush(logger)
        await self.direct.delivered()

    def _new_transport(self) -> Any:
        return MendedTransport(self.conf.broker_consumer, self)
