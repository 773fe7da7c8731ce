"""The Faust app: decode and re-key input, run the officer and peer stages, publish alerts.

Three agents, each consuming one topic in Kafka transactions (exactly-once):

- ingest: badge/access/roster topics, whose records the consumer hands over in batches
  (`streams.service.record_batches`) -> decode (bad input to the dead-letter topic with its
  reason) -> the internal by-officer topic, partitioned by officer_id, in batches: one message
  per input partition and by-officer partition, sent when full and before every commit, each
  with its input partition's clock, so that quiet partitions still see time pass.
- officers: by-officer topic -> `detectors.core.Core` with the officer's state bytes from a
  changelog-backed table -> alerts to their topics; closed-day vectors to the peer topic keyed
  by peer group, and "advanced through" markers to every peer partition.
- peer: peer topic -> `detectors.peer.PeerGroupStage` per partition -> findings back to the
  by-officer topic, then "peer done through" markers to every by-officer partition.

The core's ordering contract (see detectors.core) is honoured per partition: the horizon is the
partition's watermark less the allowed lateness, capped by what the peer stage has finished.
"""

from __future__ import annotations

import heapq
import logging
import math
import struct
import time
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

import faust
from aiokafka.errors import IllegalStateError, KafkaError
from faust.types import TP
from kafka.partitioner.default import murmur2

from detectors.config import DetectorConfig
from detectors.core import Core, Outcome
from detectors.messages import DayVector
from detectors.peer import PeerGroupStage
from detectors.state import OfficerState
from schemas.codec import DecodeError, decode_event, encode_alert, encode_dead_letter
from schemas.deadletter import DeadLetter, KafkaOrigin, dead_letter_key
from streams.service import messages as wire
from streams.service.exactly_once import (
    ExactlyOnceApp,
    LockedConsumer,
    SourcePartitionTransactions,
    processing,
)
from streams.service.input_idleness import InputIdleness
from streams.service.metrics import WorkerMetrics
from streams.service.outbox import Outbox, Source
from streams.service.partition_clock import PartitionClock
from streams.service.record_batches import Record, RecordBatch
from streams.service.reference_data import ReferenceData, follow
from streams.service.settings import CATCHING_UP_COMMIT_INTERVAL_S, ServiceSettings
from streams.service.topology import (
    ALERT_ENTITIES,
    BY_OFFICER_ENTITY,
    INPUT_ENTITIES,
    LARGE_MESSAGE_BYTES,
    OFFICER_TABLES,
    PEER_ENTITY,
    PEER_TABLES,
)
from streams.service.write_back import WriteBack, current

log = logging.getLogger(__name__)

# An input partition's batch goes out before the commit, or sooner at this size: large enough
# that the per-message costs vanish, small enough to keep messages and memory modest. With one
# partition a batch is one message, which may pass this by an event (64 KiB at most,
# schemas.codec.EVENT_MAX_BYTES) and must still fit Kafka's default 1 MB message limit: the
# broker would refuse it, and the commit with it.
BATCH_EVENTS = 2000
BATCH_BYTES = 768 * 1024
# Input records reach the ingest agent this many at a time (`streams.service.record_batches`):
# enough that Faust's costs per message vanish, few enough that a commit waiting for the
# processing lock waits a few milliseconds at most.
INPUT_BATCH_RECORDS = 200
INPUT_BATCHES_QUEUED = 32
# Officers whose partition is remembered: a whole force, with room; ids past it are hashed
# each time rather than let a flood of bad ids grow the memory.
OFFICER_PARTITIONS_KEPT = 200_000
# Officer partitions tell the peer stage their horizon at this granularity; local days end
# on whole hours, so no day close waits longer than needed.
ADVANCED_GRANULARITY_SECONDS = 3600.0

# How often the broker is asked which input partitions are read to their end and committed;
# those quiet long enough (`ServiceSettings.idle_after_s`) are then said to be idle, so that
# the event-time watermark is not held back by a partition with nothing more to send.
IDLE_HEARTBEAT_SECONDS = 1.0
# Checks missed for this long (the broker unreachable, or the worker too busy to ask) and no
# partition counts as idle until it is confirmed quiet again (`InputIdleness`).
IDLE_CHECKS_STALE_SECONDS = 3.0

# How often the worker looks for fetched records that never reached their agent
# (`exactly_once.LockedConsumer.rewind_stalled`).
STALL_CHECK_SECONDS = 1.0

# How far a peer partition has closed, kept apart from its (large) model snapshot.
_CLOSED = struct.Struct("<d")


def partition_of(key: bytes, partitions: int) -> int:
    """The partition Kafka's default partitioner gives `key` (murmur2, as the Java client)."""
    hashed: int = murmur2(key)
    return (hashed & 0x7FFFFFFF) % partitions


class WatchfloorWorker:
    """Builds the Faust app for `settings` and holds the per-process caches of its agents."""

    def __init__(
        self,
        settings: ServiceSettings,
        config: DetectorConfig,
        *,
        reference: ReferenceData | None = None,
        reference_offsets: dict[tuple[str, int], int] | None = None,
        broker_credentials: Any = None,
        metrics: WorkerMetrics | None = None,
    ) -> None:
        self.settings = settings
        self.config = config
        self.metrics = metrics or WorkerMetrics()
        n = settings.partitions
        self.partitions = n
        self.app = ExactlyOnceApp(
            settings.app_id,
            broker=f"kafka://{settings.bootstrap}",
            broker_credentials=broker_credentials,
            store=settings.store_url,
            datadir=str(settings.state_dir),
            processing_guarantee="exactly_once",
            topic_partitions=n,
            topic_replication_factor=settings.replication_factor,
            topic_allow_declare=True,
            consumer_auto_offset_reset="earliest",
            web_port=settings.web_port,
            web_bind=settings.web_bind,
            web_enabled=True,
            # The web server is there for /metrics alone. Faust's own views are off: /table
            # reads a table by key (officer states, keyed by officer id, over plain HTTP);
            # /router, /graph, the statistics at / and /assignment/, and /performance describe
            # the cluster and its partitions. No @table_route uses the router here.
            web_tables_enabled=False,
            web_router_enabled=False,
            web_stats_enabled=False,
            web_graph_enabled=False,
            web_metrics_enabled=False,
            table_standby_replicas=0,
            broker_session_timeout=settings.session_timeout_s,
            broker_heartbeat_interval=min(3.0, settings.session_timeout_s / 3),
            # A commit sets the latency of alerts for read-committed readers (each internal hop
            # waits for one), and holds up processing while a dozen transactions end (see
            # bench/bench_service.py for what each interval gives).
            broker_commit_every=10000,
            broker_commit_interval=settings.commit_interval_s,
            # A few milliseconds of linger lets the many small internal messages share
            # produce requests; sending each alone cost most of the worker's time.
            producer_linger=0.005,
            producer_max_request_size=LARGE_MESSAGE_BYTES,
        )
        raw: dict[str, Any] = {"key_serializer": "raw", "value_serializer": "raw"}
        self.input_topic = self.app.topic(
            *[settings.topic(e) for e in INPUT_ENTITIES],
            partitions=n,
            # Batches of records (see below): this many queued, for all input partitions
            # together, keep the fetcher ahead without holding much of a backlog in memory.
            maxsize=INPUT_BATCHES_QUEUED,
            **raw,
        )
        self.app.catching_up_commit_interval = max(
            settings.commit_interval_s, CATCHING_UP_COMMIT_INTERVAL_S
        )
        # Input reaches the ingest agent in batches, below Faust's per-message delivery.
        self._input_names = frozenset(self.input_topic.topics)
        self.app.batched_topics = self._input_names
        self.app.batch_size = INPUT_BATCH_RECORDS
        self.by_officer = self.app.topic(settings.topic(BY_OFFICER_ENTITY), partitions=n, **raw)
        self.peer_topic = self.app.topic(settings.topic(PEER_ENTITY), partitions=n, **raw)
        self.alert_topics = {
            entity.split(".")[1]: self.app.topic(settings.topic(entity), partitions=n, **raw)
            for entity in ALERT_ENTITIES
        }
        self.deadletter = self.app.topic(settings.topic("deadletter"), partitions=n, **raw)
        self._by_officer_name = self.by_officer.get_topic_name()
        self._peer_name = self.peer_topic.get_topic_name()
        self._deadletter_name = self.deadletter.get_topic_name()
        self._alert_names = {
            category: topic.get_topic_name() for category, topic in self.alert_topics.items()
        }

        table_options = (
            {"driver": "rocksdict", "block_cache_size": settings.rocksdb_block_cache_bytes}
            if settings.store == "rocksdb"
            else None
        )
        schema: Any = faust.Schema(
            key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw"
        )
        # The key and value types as well as the schema: without them Faust restores a
        # changelog as JSON (its default serializer), fails on state bytes, and reports the
        # restore complete with the states missing (seen by bench/bench_service.py --restore).
        table: dict[str, Any] = {
            "schema": schema,
            "key_type": bytes,
            "value_type": bytes,
            "partitions": n,
            "options": table_options,
        }
        state_table, clock_table = OFFICER_TABLES
        stage_table, vector_table, peer_clock_table = PEER_TABLES
        self.states = self.app.Table(state_table, default=None, **table)
        self.officer_clocks = self.app.Table(clock_table, default=None, **table)
        self.peer_stages = self.app.Table(stage_table, default=None, **table)
        self.peer_vectors = self.app.Table(vector_table, default=None, **table)
        self.peer_clocks = self.app.Table(peer_clock_table, default=None, **table)
        for source, tables in (
            (self.by_officer, (self.states, self.officer_clocks)),
            (self.peer_topic, (self.peer_stages, self.peer_vectors, self.peer_clocks)),
        ):
            for owned in tables:
                SourcePartitionTransactions.changelog_sources[
                    f"{settings.app_id}-{owned.name}-changelog"
                ] = source.get_topic_name()
        self.reference = reference if reference is not None else ReferenceData()
        self._core: Core | None = None
        self._reference_version = -1
        # The newest event time each input partition has passed on.
        self._ingest_clock: dict[Source, float] = {}
        self._outbox = Outbox(BATCH_EVENTS, BATCH_BYTES)
        self._idleness: InputIdleness[tuple[str, int]] = InputIdleness(
            settings.idle_after_s, IDLE_CHECKS_STALE_SECONDS
        )
        # Officer id -> by-officer partition: kafka-python's murmur2 is pure Python, a few
        # microseconds an id, paid once per officer rather than once per event.
        self._officer_partitions: dict[str, int] = {}
        self._consumed: dict[str, Any] = {}  # input topic -> its consumed-events counter
        # (event type, outcome) -> its processed-events counter: `labels` is a lookup under a
        # lock, paid per event otherwise.
        self._processed: dict[tuple[str, str], Any] = {}
        self._due: dict[int, list[tuple[float, str]]] = {}
        # Officer states and partition clocks, decoded, written back once per commit.
        self._send = self.app.direct.send
        self._states = WriteBack(
            self.states, OfficerState.from_bytes, OfficerState.to_bytes, self._send
        )
        self._clocks = WriteBack(
            self.officer_clocks, PartitionClock.from_bytes, PartitionClock.to_bytes, self._send
        )
        self._last_event: dict[int, Any] = {}
        self._newest_event_time = -math.inf
        self.metrics.event_time_lag.set_function(self._event_time_lag)
        self.app.before_commit.append(self._send_pending_batches)
        self.app.before_commit.append(self._write_back)
        self._peer: dict[int, PeerGroupStage] = {}

        self.app.agent(self.input_topic, name="watchfloor-ingest")(self._ingest)
        self.app.agent(self.by_officer, name="watchfloor-officers")(self._officers)
        self.app.agent(self.peer_topic, name="watchfloor-peer")(self._peers)
        if reference_offsets is not None:
            offsets = reference_offsets

            async def follow_reference() -> None:
                await follow(settings, self.reference, offsets)

            self.app.task(follow_reference)
        registry = self.metrics.registry

        async def metrics_page(web: Any, request: Any) -> Any:
            from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

            body = generate_latest(registry)
            return web.bytes(body, content_type=CONTENT_TYPE_LATEST.split(";")[0])

        self.app.page("/metrics")(metrics_page)
        # The input topics only: their backlog is what operators ask about. The internal hops
        # are written in transactions, whose commit markers take offsets of their own, so their
        # committed offsets stay a marker short of the end and their lag would never read zero.
        self.metrics.watch(self.app, set(self.input_topic.topics))
        self.app.timer(interval=15.0)(self._sample_state)
        self.app.timer(interval=IDLE_HEARTBEAT_SECONDS)(self._idle_heartbeat)
        self.app.timer(interval=STALL_CHECK_SECONDS)(self._rewind_stalled)
        self._heartbeat_producer: Any = None
        self.app.on_partitions_revoked.connect(self._forget_caches)
        self.app.on_partitions_assigned.connect(self._forget_caches)

    # ------------------------------------------------------------------ reference data

    @property
    def core(self) -> Core:
        """The core over the current reference data, rebuilt when the reference changes."""
        if self._core is None or self.reference.version != self._reference_version:
            self._core = Core(self.config, self.reference.reference())
            self._reference_version = self.reference.version
        return self._core

    def _event_time_lag(self) -> float:
        # Read at each scrape, so it keeps growing when input stops (no events: no news).
        if math.isinf(self._newest_event_time):
            return math.nan
        return max(0.0, time.time() - self._newest_event_time)

    async def _sample_state(self) -> None:
        sizes = [len(value) for value in self.states.values() if value is not None]
        self.metrics.officers_tracked.set(len(sizes))
        self.metrics.state_bytes.set(sum(sizes))

    async def _write_back(self) -> None:
        for p, event in sorted(self._last_event.items()):
            if self._states.pending(p) or self._clocks.pending(p):
                with current(event):
                    await self._states.flush(p)
                    await self._clocks.flush(p)

    async def _forget_caches(self, *args: Any, **kwargs: Any) -> None:
        # After a rebalance the tables are the truth (what was in memory was written back
        # before Faust flushed the producer); in-memory copies are rebuilt lazily.
        self._states.forget()
        self._clocks.forget()
        self._last_event.clear()
        self._due.clear()
        self._peer.clear()
        # What the aborted transactions broadcast is redone from the committed offsets: a
        # watermark kept from before would run ahead of the events sent again.
        self._ingest_clock.clear()
        self._outbox.clear()
        # Partitions newly assigned are quiet only once confirmed so; and the next batch tells
        # the officer stage that none is idle meanwhile.
        self._idleness.restart()
        self.app.direct.discard()

    # ------------------------------------------------------------------ ingest

    async def _ingest(self, stream: Any) -> None:
        async for event in stream.events():
            async with processing(stream, event) as accepted:
                if not accepted:
                    continue
                await self._ingest_records(event)

    async def _ingest_records(self, event: Any) -> None:
        """Decode and pass on the input records one message carries (a batch, or itself)."""
        message = event.message
        tp = message.tp
        value = event.value
        records: Sequence[Record] = (
            value.records if isinstance(value, RecordBatch) else [_OwnRecord(message, value)]
        )
        consumed = self._consumed.get(message.topic)
        if consumed is None:
            source_label = self._source_of(message.topic)
            consumed = self._consumed[message.topic] = self.metrics.events_consumed.labels(
                source=source_label
            )
        # Records at or below the last one processed from the partition were processed before
        # (a batch that begins below the committed offset, after a restart).
        done = cast(LockedConsumer, self.app.consumer).processed.get(tp, -1)
        for record in records:
            if record.offset <= done:
                continue
            consumed.inc()
            try:
                await self._ingest_record(event, record)
            except Exception as error:
                # As in the officer stage: a bug parks the record it failed on, with the
                # reason, and the stream goes on (bad input is a DecodeError, not this).
                self.metrics.dead_letters.labels(reason="internal_error").inc()
                log.exception("ingest stage failed on a record; parked as a dead letter")
                await self._dead_letter(
                    message.topic,
                    message.partition,
                    record.offset,
                    record.key,
                    record.value or b"",
                    f"internal error in the ingest stage: {error!r}",
                )

    async def _ingest_record(self, event: Any, record: Record) -> None:
        message = event.message
        raw: bytes = record.value if record.value is not None else b""
        try:
            decoded = decode_event(raw)
        except DecodeError as error:
            self.metrics.dead_letters.labels(reason=error.reason).inc()
            letter = DeadLetter.for_error(
                raw,
                KafkaOrigin(topic=message.topic, partition=message.partition, offset=record.offset),
                error,
                rejected_at=datetime.now(UTC),
            )
            await self._send(
                self._deadletter_name, dead_letter_key(record.key), encode_dead_letter(letter)
            )
            return
        if self.settings.pseudonyms is not None:  # officer ids never pass this point in clear
            decoded, raw = self.settings.pseudonyms.event_and_bytes(decoded)
        event_time = decoded.event_time.timestamp()
        self._newest_event_time = max(self._newest_event_time, event_time)
        source = (message.topic, message.partition)
        self._ingest_clock[source] = max(self._ingest_clock.get(source, -math.inf), event_time)
        target = self._officer_partitions.get(decoded.officer_id)
        if target is None:
            target = partition_of(decoded.officer_id.encode(), self.partitions)
            if len(self._officer_partitions) < OFFICER_PARTITIONS_KEPT:
                self._officer_partitions[decoded.officer_id] = target
        if self._outbox.add(source, event, target, raw):
            await self._send_batch(source)

    async def _send_pending_batches(self) -> None:
        for source in self._outbox.sources():
            await self._send_batch(source)

    async def _send_batch(self, source: Source) -> None:
        """Send an input partition's pending events, and its clock to every partition."""
        batch = self._outbox.take(source)
        if batch is None:
            return
        stated = time.time()
        headers = wire.clock_headers(wire.EVENTS, *source, stated)
        newest = self._ingest_clock[source]
        with current(batch.event):  # in the transaction of the input partition's offsets
            if self._idleness.take_unidle(time.monotonic()):
                await self._unidle_inputs(stated)
            for target in range(self.partitions):
                await self._send(
                    self._by_officer_name,
                    None,
                    # Never idle: a batch is read to its end only for the moment, and only
                    # confirmed quiet makes a partition idle (`_idle_heartbeat`). The flag
                    # stays in the format for batches written before that.
                    wire.encode_events(batch.targets.get(target, []), newest, False),
                    target,
                    headers,
                )

    async def _unidle_inputs(self, stated: float) -> None:
        """Tell every by-officer partition that no input partition of this worker is idle.

        Sent before the first batch after the idle checks stopped (an outage) or the
        partitions were assigned, in its transaction: a partition idle before an outage may
        have events waiting in producers that lost the broker, and without this the others'
        backlogs, delivered first, would move the watermark past them.
        """
        busy = wire.encode_source_clock(-math.inf, False)
        for tp in sorted(self._owned_inputs()):
            headers = wire.clock_headers(wire.WATERMARK, tp.topic, tp.partition, stated)
            for target in range(self.partitions):
                await self._send(self._by_officer_name, None, busy, target, headers)

    async def _idle_heartbeat(self) -> None:
        """Mark every owned input partition idle that has been read to its end and committed,
        with nothing new, for `idle_after_s` (`InputIdleness`).

        Sent outside any transaction on purpose: it states a fact about committed input (its
        end), so it can never run ahead of events still waiting for a commit, and a repeat
        changes nothing. Each marker says when the check was made: one delivered late (its
        producer lost the broker) does not override a later batch or unidling.
        """
        consumer = cast(LockedConsumer, self.app.consumer)
        # Faust keeps the last committed and read offsets per partition only on the concrete
        # class.
        committed_offsets = getattr(consumer, "_committed_offset", {})
        read_offsets = getattr(consumer, "_read_offset", {})
        owned = self._owned_inputs()
        if not owned:
            return
        started, stated = time.monotonic(), time.time()
        try:
            # Asked of the broker each time: the end the consumer last saw in a fetch can be
            # behind what was published since, and a partition wrongly marked idle lets the
            # watermark run past events still to come (they would all arrive late).
            ends = await consumer.highwaters(*owned)
        except KafkaError as error:
            log.warning("idle heartbeat skipped: partition ends not known (%r)", error)
            self._idleness.restart()
            return
        at_end: dict[tuple[str, int], int | None] = {}
        for tp in owned:
            if tp not in consumer.assignment():
                continue  # revoked by a rebalance while the ends were asked for: not ours
            highwater = ends.get(tp)
            committed = committed_offsets.get(tp)
            if committed is None and read_offsets.get(tp) is None:
                # Nothing read here since the assignment (e.g. after a restart, all of it was
                # committed before): the position is where the committed offset put us, unless
                # records were fetched and never delivered (see exactly_once, point 10): the
                # position is past them, and a partition taken for idle then lets the watermark
                # run past its events. Those still wait to be processed, so it is not idle.
                try:
                    committed = await consumer.position(tp)
                except IllegalStateError:
                    # Revoked meanwhile (the consumer refuses to say where it stands in a
                    # partition it no longer has). Seen crashing a worker in a rebalance.
                    continue
            caught_up = (
                highwater is not None
                and (committed or 0) >= highwater
                and consumer.waiting(tp) is None
            )
            at_end[tp.topic, tp.partition] = committed if caught_up else None
        idle = self._idleness.checked(started=started, finished=time.monotonic(), ends=at_end)
        if not idle:
            return
        if self._heartbeat_producer is None:
            from aiokafka import AIOKafkaProducer

            self._heartbeat_producer = AIOKafkaProducer(
                bootstrap_servers=self.settings.bootstrap,
                client_id=f"{self.settings.app_id}-heartbeat",
                **self.settings.security.aiokafka(),
            )
            await self._heartbeat_producer.start()
        topic = self.by_officer.get_topic_name()
        for source_topic, source_partition in idle:
            newest = self._ingest_clock.get((source_topic, source_partition), -math.inf)
            marker = wire.encode_source_clock(newest, True)
            headers = wire.clock_headers(wire.WATERMARK, source_topic, source_partition, stated)
            for target in range(self.partitions):
                await self._heartbeat_producer.send(
                    topic, value=marker, partition=target, headers=headers
                )

    def _owned_inputs(self) -> list[TP]:
        """The input partitions assigned to this worker."""
        return [tp for tp in self.app.consumer.assignment() if tp.topic in self._input_names]

    async def _rewind_stalled(self) -> None:
        await cast(LockedConsumer, self.app.consumer).rewind_stalled(time.monotonic())

    def _source_of(self, topic: str) -> str:
        entity = topic[len(self.settings.topic_prefix) + 1 :].rsplit(".", 1)[0]
        return entity if entity in INPUT_ENTITIES else "badge"

    # ------------------------------------------------------------------ officer stage

    async def _officers(self, stream: Any) -> None:
        async for event in stream.events():
            async with processing(stream, event) as accepted:
                if not accepted:
                    continue
                await self._officer_message(event)

    async def _park(self, event: Any, reason: str, original: bytes | None = None) -> None:
        message = event.message
        if original is None:
            original = event.value if event.value is not None else b""
        await self._dead_letter(
            message.topic, message.partition, message.offset, message.key, original, reason
        )

    async def _dead_letter(  # noqa: PLR0917 - where it came from, what, and why
        self,
        topic: str,
        partition: int,
        offset: int,
        key: bytes | None,
        original: bytes,
        reason: str,
    ) -> None:
        letter = DeadLetter(
            original=original,
            origin=KafkaOrigin(topic=topic, partition=partition, offset=offset),
            reason=reason[:1000],
            rejected_at=datetime.now(UTC),
        )
        await self._send(self._deadletter_name, dead_letter_key(key), encode_dead_letter(letter))

    async def _officer_message(self, event: Any) -> None:
        """Apply one by-officer message: a batch of events, or one event, marker or finding.

        A bug must not stop the stream nor lose input: what failed is parked in the
        dead-letter topic with the reason (one event of a batch alone), and the rest goes on.
        """
        message = event.message
        p: int = message.partition
        self._last_event[p] = event
        headers = _headers(message.headers)
        kind = wire.kind_of(headers)
        source = wire.source_of(headers)
        stated = wire.as_of(headers)
        items: list[tuple[bytes, bytes]] = [(kind, event.value)]
        if kind == wire.EVENTS:
            try:
                events, newest, idle = wire.decode_events(event.value)
            except ValueError as error:
                await self._officer_failed(event, error)
                return
            items = [(wire.EVENT, raw) for raw in events]
            items.append((wire.WATERMARK, wire.encode_source_clock(newest, idle)))
        for item_kind, value in items:
            began = time.perf_counter()
            try:
                await self._officer_item(p, item_kind, source, stated, value, message.key)
            except Exception as error:
                # One event of a batch is parked alone; anything else as the message received
                # (a batch's clock is not an input of its own).
                alone = kind == wire.EVENTS and item_kind == wire.EVENT
                await self._officer_failed(event, error, value if alone else None)
            if item_kind == wire.EVENT:
                self.metrics.processing.observe(time.perf_counter() - began)

    async def _officer_failed(
        self, event: Any, error: Exception, original: bytes | None = None
    ) -> None:
        self.metrics.dead_letters.labels(reason="internal_error").inc()
        log.exception("officer stage failed on a message; parked as a dead letter")
        await self._park(event, f"internal error in the officer stage: {error!r}", original)

    async def _officer_item(  # noqa: PLR0917 - one item and where it came from
        self,
        p: int,
        kind: bytes,
        source: str | None,
        stated: float | None,
        value: bytes,
        key: bytes | None,
    ) -> None:
        clock = self._clock(p)
        previous = clock.watermark, clock.peer_done
        watermark, peer_done = previous
        core = self.core
        if kind == wire.EVENT:
            decoded = decode_event(value)
            t = decoded.event_time.timestamp()
            watermark = max(watermark, clock.source_seen(source, t, idle=False, as_of=stated))
            if math.isinf(peer_done):
                peer_done = t  # the day barrier starts at the first day this partition sees
            officer = decoded.officer_id
            outcome = core.process(
                self._state(officer), decoded, self._horizon(core, watermark, peer_done)
            )
            label = "duplicate" if outcome.duplicate else "late" if outcome.late else "processed"
            counter = self._processed.get((decoded.type, label))
            if counter is None:  # a closed set: event type x outcome
                counter = self._processed[decoded.type, label] = (
                    self.metrics.events_processed.labels(type=decoded.type, outcome=label)
                )
            counter.inc()
            if outcome.late:
                self.metrics.late_events.inc(outcome.late)
            await self._settle(p, officer, outcome)
        elif kind == wire.WATERMARK:
            t, idle = wire.decode_source_clock(value)
            watermark = max(watermark, clock.source_seen(source, t, idle=idle, as_of=stated))
            if math.isinf(peer_done):
                peer_done = t
        elif kind == wire.FINDINGS:
            officer = bytes(key or b"").decode()
            findings = wire.decode_findings(value)
            outcome = core.deliver(self._state(officer) or OfficerState(officer), findings)
            await self._settle(p, officer, outcome)
        elif kind == wire.PEER_DONE:
            t, peer_partition = wire.decode_marker(value)
            # The floor set by the first event stays until every peer partition has reported.
            peer_done = max(
                peer_done, clock.peer_partition_done(peer_partition, t, self.partitions)
            )
        clock.watermark, clock.peer_done = watermark, peer_done
        self._clocks.put(p, f"clock-{p}".encode(), clock)
        await self._advance_officers(p, core, previous, watermark, peer_done)

    def _horizon(self, core: Core, watermark: float, peer_done: float) -> float:
        if math.isinf(watermark):
            return -math.inf
        if not core.peer_enabled or math.isinf(peer_done):
            return core.horizon(watermark)
        return core.horizon(watermark, peer_done)

    def _clock(self, p: int) -> PartitionClock:
        key = f"clock-{p}".encode()
        clock = self._clocks.get(key)
        if clock is None:
            # Every input partition is known from the start: one not heard from yet holds the
            # watermark back (until it sends events, or the idle heartbeat says it has none).
            clock = PartitionClock.starting(
                f"{self.settings.topic(entity)}/{partition}"
                for entity in INPUT_ENTITIES
                for partition in range(self.partitions)
            )
            self._clocks.put(p, key, clock)
        return clock

    def _state(self, officer: str) -> OfficerState | None:
        return self._states.get(officer.encode())

    async def _settle(self, p: int, officer: str, outcome: Outcome) -> None:
        """Publish what one core call produced and store the officer's new state."""
        for alert in outcome.alerts:
            self.metrics.alerts.labels(
                detector=alert.detector, category=alert.category, severity=alert.severity
            ).inc()
            await self._send(
                self._alert_names[alert.category], alert.officer_id.encode(), encode_alert(alert)
            )
        for vector in outcome.vectors:
            await self._send_vector(vector)
        # The index first: built after the put, it would miss an officer new since the last
        # commit (the table it is built from does not hold that state yet), and its timer.
        index = self._due_index(p)
        self._states.put(p, officer.encode(), outcome.state)
        due = outcome.state.next_due()
        if due is not None:
            heapq.heappush(index, (due, officer))

    async def _send_vector(self, vector: DayVector) -> None:
        await self._send(
            self._peer_name,
            vector.peer_group.encode(),
            wire.encode_vector(vector),
            None,
            [(wire.KIND_HEADER, wire.VECTOR)],
        )

    async def _advance_officers(
        self,
        p: int,
        core: Core,
        previous: tuple[float, float],
        watermark: float,
        peer_done: float,
    ) -> None:
        horizon = self._horizon(core, watermark, peer_done)
        due = self._due_index(p)
        ready: set[str] = set()
        while due and due[0][0] <= horizon:
            ready.add(heapq.heappop(due)[1])
        # In officer-id order, as the in-process pipeline does; each officer once per move.
        for officer in sorted(ready):
            state = self._state(officer)
            if state is not None:
                await self._settle(p, officer, core.advance(state, horizon))
        await self._maybe_announce_advance(p, previous, horizon, core, peer_done)

    async def _maybe_announce_advance(
        self,
        p: int,
        previous: tuple[float, float],
        horizon: float,
        core: Core,
        peer_done: float,
    ) -> None:
        if math.isinf(horizon):
            return
        before = self._horizon(core, *previous)
        step = ADVANCED_GRANULARITY_SECONDS
        if not math.isinf(before) and math.floor(before / step) == math.floor(horizon / step):
            return
        marker = wire.encode_marker(horizon, p)
        for target in range(self.partitions):
            await self._send(
                self._peer_name, None, marker, target, [(wire.KIND_HEADER, wire.ADVANCED)]
            )

    def _due_index(self, p: int) -> list[tuple[float, str]]:
        """Officers of partition `p` with timers, by due time; rebuilt from the table."""
        index = self._due.get(p)
        if index is None:
            index = []
            for key in list(self.states.keys()):
                if partition_of(bytes(key), self.partitions) != p:
                    continue
                state = self._states.get(bytes(key))
                due = None if state is None else state.next_due()
                if due is not None:
                    index.append((due, bytes(key).decode()))
            heapq.heapify(index)
            self._due[p] = index
        return index

    # ------------------------------------------------------------------ peer stage

    async def _peers(self, stream: Any) -> None:
        async for event in stream.events():
            # Under the lock like the other stages: a commit between two of this message's
            # sends would split its outputs across transactions.
            async with processing(stream, event) as accepted:
                if not accepted:
                    continue
                try:
                    await self._peer_message(event)
                except Exception as error:
                    log.exception("peer stage failed on a message; sent to the dead-letter topic")
                    self.metrics.dead_letters.labels(reason="internal_error").inc()
                    await self._park(event, f"internal error in the peer stage: {error!r}")

    async def _peer_message(self, event: Any) -> None:
        message = event.message
        q: int = message.partition
        kind = wire.kind_of(_headers(message.headers))
        stage = self._peer_stage(q)
        if kind == wire.VECTOR:
            vector = wire.decode_vector(event.value)
            stage.add(vector)
            key = f"{q}|{vector.day}|{vector.peer_group}|{vector.officer_id}".encode()
            self.peer_vectors[key] = event.value
        elif kind == wire.ADVANCED:
            t, source = wire.decode_marker(event.value)
            horizon = self._peer_horizon(q, source, t)
            if not math.isinf(horizon) and horizon > stage.closed_through:
                closing = [k for k in stage.pending if stage.day_ends[k[0]] <= horizon]
                findings = stage.advance(horizon)
                by_officer: dict[str, list[Any]] = {}
                for finding in findings:
                    by_officer.setdefault(finding.officer_id, []).append(finding)
                for officer, items in sorted(by_officer.items()):
                    await self._send(
                        self._by_officer_name,
                        officer.encode(),
                        wire.encode_findings(items),
                        None,
                        [(wire.KIND_HEADER, wire.FINDINGS)],
                    )
                for day, group in closing:
                    for vkey in [
                        k
                        for k in self.peer_vectors
                        if bytes(k).startswith(f"{q}|{day}|{group}|".encode())
                    ]:
                        del self.peer_vectors[vkey]
                if closing:
                    # Only a closed day changes the models: the snapshot (megabytes of pickled
                    # trees) is written then, and the advance alone moves closed_through.
                    self.peer_stages[f"stage-{q}".encode()] = zlib.compress(_models_only(stage), 1)
                self.peer_clocks[f"closed-{q}".encode()] = _CLOSED.pack(stage.closed_through)
                marker = wire.encode_marker(horizon, q)
                for target in range(self.partitions):
                    await self._send(
                        self._by_officer_name,
                        None,
                        marker,
                        target,
                        [(wire.KIND_HEADER, wire.PEER_DONE)],
                    )

    def _peer_horizon(self, q: int, source: int, t: float) -> float:
        key = f"advanced-{q}".encode()
        raw = self.peer_clocks.get(key)
        advanced = (
            list(struct.unpack(f"<{self.partitions}d", raw))
            if raw
            else [-math.inf] * self.partitions
        )
        advanced[source] = max(advanced[source], t)
        self.peer_clocks[key] = struct.pack(f"<{self.partitions}d", *advanced)
        return float(min(advanced))

    def _peer_stage(self, q: int) -> PeerGroupStage:
        stage = self._peer.get(q)
        if stage is None:
            raw = self.peer_stages.get(f"stage-{q}".encode())
            stage = (
                PeerGroupStage(self.config)
                if raw is None
                else PeerGroupStage.restore(zlib.decompress(raw), self.config)
            )
            closed = self.peer_clocks.get(f"closed-{q}".encode())
            if closed:
                stage.closed_through = max(stage.closed_through, _CLOSED.unpack(closed)[0])
            prefix = f"{q}|".encode()
            for key, value in sorted(self.peer_vectors.items()):
                if value is not None and bytes(key).startswith(prefix):
                    stage.add(wire.decode_vector(value))
            self._peer[q] = stage
        return stage


def _models_only(stage: PeerGroupStage) -> bytes:
    """The stage's snapshot without its pending vectors, which live in their own table."""
    pending = stage.pending
    day_ends = stage.day_ends
    stage.pending, stage.day_ends = {}, {}
    try:
        return stage.snapshot()
    finally:
        stage.pending, stage.day_ends = pending, day_ends


class _OwnRecord:
    """A message delivered alone, read as the one record it is."""

    __slots__ = ("key", "offset", "value")

    def __init__(self, message: Any, value: bytes | None) -> None:
        self.offset: int = message.offset
        self.key: bytes | None = message.key
        self.value = value


def _headers(headers: Any) -> Sequence[tuple[str, bytes]] | None:
    if headers is None:
        return None
    if isinstance(headers, dict):
        return list(headers.items())
    return list(headers)
