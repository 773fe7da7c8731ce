"""The ingest stage's batches: every by-officer message they make fits a Kafka message."""

from __future__ import annotations

from schemas.codec import EVENT_MAX_BYTES
from streams.service.messages import encode_events
from streams.service.outbox import Outbox
from streams.service.worker import BATCH_BYTES, BATCH_EVENTS

# Kafka's default largest record batch (message.max.bytes, and so max.message.bytes of a topic
# made without it), less room for the batch's and the record's own framing.
KAFKA_DEFAULT_MESSAGE_BYTES = 1_048_588
FRAMING_ALLOWANCE = 1024


def _largest_message(event_bytes: int) -> int:
    """Fill one source's batch for a single partition until the outbox says it must go."""
    outbox = Outbox(BATCH_EVENTS, BATCH_BYTES)
    raw = b"x" * event_bytes
    while not outbox.add(("access", 0), "event", 0, raw):
        pass
    batch = outbox.take(("access", 0))
    assert batch is not None
    return len(encode_events(batch.targets[0], 1.0, False))


def test_a_full_batch_for_one_partition_fits_kafkas_default_message_limit() -> None:
    # With one partition a batch is one message: it can pass the byte bound by a whole event.
    for event_bytes in (300, 4096, EVENT_MAX_BYTES - 1, EVENT_MAX_BYTES):
        assert _largest_message(event_bytes) + FRAMING_ALLOWANCE <= KAFKA_DEFAULT_MESSAGE_BYTES
