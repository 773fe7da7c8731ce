"""Reference data (officers, sites, watchlist) from the compacted topics, whole, in every worker.

This is a global table in the Kafka Streams sense: every worker reads every partition of the
three compacted topics, outside any consumer group, first to the end before it processes
events (so the detectors start from complete reference data) and then follows updates.

Faust's own GlobalTable cannot be used over an existing topic here: its partition assignor
looks the table's changelog up by the default name `<app>-<table>-changelog`, not the topic it
was given, and the worker never finishes its first rebalance (seen with faust-streaming 0.15.3).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from detectors.reference import Reference
from schemas.codec import DecodeError, decode_officer, decode_site, decode_watchlist_entry
from streams.pseudonym import Pseudonymiser
from streams.service.settings import ServiceSettings

log = logging.getLogger(__name__)

ENTITIES = ("officers", "sites", "watchlist")
_DECODERS: dict[str, Callable[[bytes], Any]] = {
    "officers": decode_officer,
    "sites": decode_site,
    "watchlist": decode_watchlist_entry,
}


class ReferenceTopicMissingError(LookupError):
    """A reference topic does not exist (yet); `watchfloor serve` creates them."""


class ReferenceData:
    """The latest value per key of each reference topic, and the `Reference` built from it.

    With `pseudonyms`, the officer directory is pseudonymised as it is decoded, as events are.
    """

    def __init__(self, pseudonyms: Pseudonymiser | None = None) -> None:
        self.pseudonyms = pseudonyms
        self.records: dict[str, dict[bytes, bytes]] = {entity: {} for entity in ENTITIES}
        self.rejected = 0
        self.version = 0
        self._built: tuple[int, Reference] | None = None

    def apply(self, entity: str, key: bytes | None, value: bytes | None) -> None:
        """One record of a compacted topic: a tombstone (None) deletes its key."""
        if key is None:
            self.rejected += 1
            return
        table = self.records[entity]
        if value is None:
            if table.pop(key, None) is not None:
                self.version += 1
            return
        if table.get(key) != value:
            table[key] = value
            self.version += 1

    def reference(self) -> Reference:
        """A `Reference` over the current records; rebuilt only after a change."""
        if self._built is not None and self._built[0] == self.version:
            return self._built[1]
        decoded: dict[str, list[Any]] = {}
        for entity in ENTITIES:
            items = []
            for key in sorted(self.records[entity]):
                try:
                    items.append(_DECODERS[entity](self.records[entity][key]))
                except DecodeError as error:
                    log.warning("ignoring a bad %s reference record: %s", entity, error)
            decoded[entity] = items
        if self.pseudonyms is not None:
            decoded["officers"] = [self.pseudonyms.officer(o) for o in decoded["officers"]]
        built = Reference(
            officers=decoded["officers"], sites=decoded["sites"], watchlist=decoded["watchlist"]
        )
        self._built = (self.version, built)
        return built


def topic_names(settings: ServiceSettings) -> dict[str, str]:
    return {settings.topic(entity): entity for entity in ENTITIES}


# How long a reference topic may stay absent from the metadata before it counts as missing. A
# broker applies new topics to its metadata after its controller has created them, and one just
# started with many partitions on disk took 17 s (a demo's worker then stopped at once, its
# reference topics "missing"); the worker says after a few seconds what it is waiting for.
METADATA_SETTLE_S = 60.0
METADATA_WAIT_SAID_S = 3.0


def load_to_end(
    settings: ServiceSettings, data: ReferenceData, *, deadline_s: float = 60.0
) -> dict[tuple[str, int], int]:
    """Read every reference topic to its current end; returns the next offset per partition."""
    from kafka import KafkaConsumer, TopicPartition

    names = topic_names(settings)
    consumer = KafkaConsumer(
        bootstrap_servers=settings.bootstrap,
        enable_auto_commit=False,
        isolation_level="read_committed",
        client_id=f"{settings.app_id}-reference",
        **settings.security.kafka_python(),
    )
    try:
        # Topics created a moment ago (the worker creates what is missing just before this)
        # can be absent from the broker's metadata for a while: seen as a demo whose worker
        # stopped at once, saying its reference topics were missing.
        began = time.monotonic()
        said = False
        while True:
            found = {topic: sorted(consumer.partitions_for_topic(topic) or ()) for topic in names}
            missing = [topic for topic, ids in found.items() if not ids]
            waited = time.monotonic() - began
            if not missing or waited > METADATA_SETTLE_S:
                break
            if not said and waited > METADATA_WAIT_SAID_S:
                log.info(
                    "waiting up to %.0f s for the broker to list %d reference topics",
                    METADATA_SETTLE_S,
                    len(missing),
                )
                said = True
            time.sleep(0.2)
        if missing:
            raise ReferenceTopicMissingError(
                f"reference topics missing at {settings.bootstrap}: {', '.join(missing)}"
            )
        partitions = [TopicPartition(topic, p) for topic, ids in found.items() for p in ids]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        deadline = time.monotonic() + deadline_s
        while any(consumer.position(tp) < end for tp, end in ends.items()):
            if time.monotonic() > deadline:
                raise TimeoutError(f"reference topics not read to the end within {deadline_s} s")
            for tp, records in consumer.poll(timeout_ms=500).items():
                for record in records:
                    data.apply(names[tp.topic], record.key, record.value)
        return {(tp.topic, tp.partition): consumer.position(tp) for tp in partitions}
    finally:
        consumer.close()


async def follow(
    settings: ServiceSettings, data: ReferenceData, start: dict[tuple[str, int], int]
) -> None:
    """Apply reference updates as they are committed, from where `load_to_end` stopped."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    names = topic_names(settings)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.bootstrap,
        enable_auto_commit=False,
        isolation_level="read_committed",
        client_id=f"{settings.app_id}-reference-follow",
        **settings.security.aiokafka(),
    )
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for topic, p in start]
        consumer.assign(partitions)
        for tp in partitions:
            consumer.seek(tp, start[(tp.topic, tp.partition)])
        while True:
            batches = await consumer.getmany(timeout_ms=1000)
            for tp, records in batches.items():
                for record in records:
                    data.apply(names[tp.topic], record.key, record.value)
    finally:
        await consumer.stop()
