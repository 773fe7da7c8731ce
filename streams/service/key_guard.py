"""Which pseudonym key a deployment's state was built under, and refusing to mix two.

Officer state, peer groups and the internal topics of a deployment name officers by their
pseudonyms under one key (streams.pseudonym). A worker started with another key, with none where
there was one, or with one where there was none, would name the same officers otherwise: their
state would split silently between old and new ids, and the peer groups with it. So the first
worker of a deployment records the key's fingerprint (an HMAC of a fixed label under the key,
never the key) in a compacted topic of the deployment's own, ``<app-id>-pseudonym-key``, and
every later worker compares its own with it and refuses to start on a mismatch.

A topic rather than the state directory: with the memory store, or on a new machine, the state
comes back from the changelog topics, and the record has to come back with it; it also goes
with the deployment's other topics when they are deleted.

Each record is keyed by the fingerprint it holds, so compaction keeps one record per key ever
used and never reorders them: the first record stays first. Should two workers of a new
deployment start at once with different keys, both record theirs, both read back the same first
record, and the one that came second refuses.

Examples
--------
>>> first_recorded([(b"x", None), (b"abc", b'{"fingerprint": "abc"}'),
...                 (b"def", b'{"fingerprint": "def"}')])
'abc'
>>> check_key("abc", "abc", app_id="watchfloor")
>>> check_key(None, NO_KEY, app_id="watchfloor")
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Final

import orjson

from streams.pseudonym import Pseudonymiser
from streams.service.settings import ServiceSettings

log = logging.getLogger(__name__)

# The fingerprint recorded for a deployment whose officer ids are not pseudonymised.
NO_KEY: Final = "none"
TOPIC_SUFFIX: Final = "pseudonym-key"
# Reading a one-record topic and writing one record take milliseconds; this much covers a
# broker that has only just created the topic and is still electing its leader.
GUARD_DEADLINE_S: Final = 30.0


class PseudonymKeyMismatchError(Exception):
    """The worker's pseudonym key is not the one the deployment's state was built under."""


def guard_topic(app_id: str) -> str:
    """The compacted topic that records a deployment's key fingerprint.

    >>> guard_topic("watchfloor")
    'watchfloor-pseudonym-key'
    """
    return f"{app_id}-{TOPIC_SUFFIX}"


def key_fingerprint(pseudonyms: Pseudonymiser | None) -> str:
    """The fingerprint to record and compare: the key's, or `NO_KEY` without one.

    >>> key_fingerprint(None)
    'none'
    >>> key_fingerprint(Pseudonymiser(b"k" * 32))
    '000224704f30'
    """
    return NO_KEY if pseudonyms is None else pseudonyms.fingerprint


def _describe(fingerprint: str) -> str:
    if fingerprint == NO_KEY:
        return "no pseudonym key (officer ids as given)"
    return f"the pseudonym key with fingerprint {fingerprint}"


def first_recorded(records: Iterable[tuple[bytes | None, bytes | None]]) -> str | None:
    """The fingerprint of the first readable record, None when there is none."""
    for _, value in records:
        if value is None:
            continue
        try:
            fingerprint = orjson.loads(value).get("fingerprint")
        except (orjson.JSONDecodeError, AttributeError):
            continue
        if isinstance(fingerprint, str) and fingerprint:
            return fingerprint
    return None


def check_key(recorded: str | None, current: str, *, app_id: str) -> None:
    """Refuse `current` when the deployment recorded another fingerprint, saying what to do.

    >>> check_key("abc", NO_KEY, app_id="wf")
    Traceback (most recent call last):
    ...
    streams.service.key_guard.PseudonymKeyMismatchError: the state of app id wf was built \
with the pseudonym key with fingerprint abc, but this worker has no pseudonym key (officer ids \
as given): officers' state and peer groups would split between two sets of ids. Start it with \
the deployment's key (set WATCHFLOOR_PSEUDONYM_KEY_FILE). Changing the key needs a new \
deployment: another --app-id and --topic-prefix, with the history replayed into it
    """
    if recorded is None or recorded == current:
        return
    if recorded == NO_KEY:
        remedy = "Start it without a key (unset WATCHFLOOR_PSEUDONYM_KEY_FILE and _KEY)"
    else:
        remedy = "Start it with the deployment's key (set WATCHFLOOR_PSEUDONYM_KEY_FILE)"
    raise PseudonymKeyMismatchError(
        f"the state of app id {app_id} was built with {_describe(recorded)}, but this worker "
        f"has {_describe(current)}: officers' state and peer groups would split between two "
        f"sets of ids. {remedy}. Changing the key needs a new deployment: another --app-id and "
        "--topic-prefix, with the history replayed into it"
    )


def guard_pseudonym_key(settings: ServiceSettings, *, deadline_s: float = GUARD_DEADLINE_S) -> str:
    """Compare the worker's key with the deployment's, recording it on the first start.

    Returns what happened: ``"matched"`` or ``"recorded"``; raises
    `PseudonymKeyMismatchError` on a mismatch. The guard topic must exist (`ensure_topics`).
    """
    from kafka import KafkaProducer

    current = key_fingerprint(settings.pseudonyms)
    topic = guard_topic(settings.app_id)
    recorded = first_recorded(_read_all(settings, topic, deadline_s))
    if recorded is not None:
        check_key(recorded, current, app_id=settings.app_id)
        return "matched"
    if _has_state(settings):
        log.warning(
            "app id %s has state but no record of its pseudonym key (a deployment from before "
            "keys were recorded): recording %s as its key; if the state was built under "
            "another, officers' state will split between two sets of ids",
            settings.app_id,
            _describe(current),
        )
    producer = KafkaProducer(
        bootstrap_servers=settings.bootstrap,
        acks="all",
        client_id=f"{settings.app_id}-key-guard",
        **settings.security.kafka_python(),
    )
    try:
        value = {"fingerprint": current, "recorded_at": datetime.now(UTC).isoformat()}
        producer.send(topic, key=current.encode(), value=orjson.dumps(value)).get(
            timeout=deadline_s
        )
    finally:
        producer.close(timeout=deadline_s)
    # Another worker may have recorded a different key meanwhile: the first record decides.
    check_key(
        first_recorded(_read_all(settings, topic, deadline_s)), current, app_id=settings.app_id
    )
    log.info("recorded %s as the pseudonym key of app id %s", _describe(current), settings.app_id)
    return "recorded"


def _read_all(
    settings: ServiceSettings, topic: str, deadline_s: float
) -> list[tuple[bytes | None, bytes | None]]:
    """Every record of the one-partition `topic`, oldest first."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(
        bootstrap_servers=settings.bootstrap,
        enable_auto_commit=False,
        client_id=f"{settings.app_id}-key-guard",
        **settings.security.kafka_python(),
    )
    try:
        partition = TopicPartition(topic, 0)
        deadline = time.monotonic() + deadline_s
        # A topic made a moment ago may be missing from the broker's metadata for a while.
        while not consumer.partitions_for_topic(topic):
            if time.monotonic() > deadline:
                raise TimeoutError(f"topic {topic} not found within {deadline_s:.0f} s")
            time.sleep(0.2)
        consumer.assign([partition])
        consumer.seek_to_beginning(partition)
        end = consumer.end_offsets([partition])[partition]
        records: list[tuple[bytes | None, bytes | None]] = []
        while consumer.position(partition) < end:
            if time.monotonic() > deadline:
                raise TimeoutError(f"topic {topic} not read to its end within {deadline_s:.0f} s")
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend((record.key, record.value) for record in batch)
        return records
    finally:
        consumer.close()


def _has_state(settings: ServiceSettings) -> bool:
    """Whether the deployment's officer state changelog holds anything."""
    from kafka import KafkaConsumer, TopicPartition

    from streams.service.topology import OFFICER_TABLES

    topic = f"{settings.app_id}-{OFFICER_TABLES[0]}-changelog"
    consumer = KafkaConsumer(
        bootstrap_servers=settings.bootstrap,
        enable_auto_commit=False,
        client_id=f"{settings.app_id}-key-guard",
        **settings.security.kafka_python(),
    )
    try:
        ids = consumer.partitions_for_topic(topic) or set()
        partitions = [TopicPartition(topic, p) for p in sorted(ids)]
        if not partitions:
            return False
        starts = consumer.beginning_offsets(partitions)
        ends = consumer.end_offsets(partitions)
        return any(ends[tp] > starts[tp] for tp in partitions)
    finally:
        consumer.close()
