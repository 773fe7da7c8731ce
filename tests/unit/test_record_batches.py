"""Input handed to the ingest agent in batches: which batches count as delivered in order.

The worker's consumer notes the offsets of the records it fetched until they are processed, and
reads a partition again when a record was fetched and never delivered (see
`streams.service.exactly_once`, point 10). With batches the check must use the records' own
offsets: a partition read again can be cut into other batches than the first time. No broker
is needed: the consumer is built and never started; its seek is the one step replaced, and
recorded.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka.structs import ConsumerRecord
from faust.types import TP

from detectors.config import load_config
from streams.service.exactly_once import LockedConsumer
from streams.service.record_batches import RecordBatch, batch_records, first_offset
from streams.service.settings import ServiceSettings
from streams.service.worker import INPUT_BATCH_RECORDS, WatchfloorWorker

TOPIC = "watchfloor.access.v1"
PARTITION = TP(TOPIC, 0)


def _in_order(consumer: LockedConsumer, last: int, offset: int, first: int) -> bool:
    return asyncio.run(consumer.delivered_in_order(PARTITION, last, offset, first))


def _record(offset: int) -> Any:
    return ConsumerRecord(TOPIC, 0, offset, 0, 0, b"k", b"{}", None, 1, 2, [])


def test_the_worker_batches_its_input_topics_and_nothing_else() -> None:
    settings = ServiceSettings(bootstrap="127.0.0.1:9092", store="memory")
    app = WatchfloorWorker(settings, load_config()).app
    assert app.batched_topics == {
        "watchfloor.badge.v1",
        "watchfloor.access.v1",
        "watchfloor.roster.v1",
    }
    assert app.batch_size == INPUT_BATCH_RECORDS


def test_stand_ins_carry_every_record_once_in_order_under_the_last_ones_offset() -> None:
    records = [_record(o) for o in range(100, 1100) if o % 7]  # holes: markers, aborted writes
    stand_ins = batch_records(records, 200)
    carried = [r for s in stand_ins for r in s.value.records]
    assert carried == records
    assert all(len(s.value) <= 200 for s in stand_ins)
    assert [s.offset for s in stand_ins] == [s.value.records[-1].offset for s in stand_ins]
    assert [first_offset(s.offset, s.value) for s in stand_ins] == [
        s.value.records[0].offset for s in stand_ins
    ]
    assert isinstance(stand_ins[0].value, RecordBatch)


def test_a_batch_right_after_the_last_processed_record_is_in_order(
    consumer: tuple[LockedConsumer, list[tuple[TP, int]]],
) -> None:
    made, seeks = consumer
    made.fetched.add(PARTITION, list(range(20, 40)))
    assert _in_order(made, last=19, offset=29, first=20)
    assert not seeks


def test_a_batch_that_begins_at_or_below_the_last_processed_record_is_in_order(
    consumer: tuple[LockedConsumer, list[tuple[TP, int]]],
) -> None:
    # After a restart Faust can deliver from below the committed offset; the ingest stage skips
    # the records already processed.
    made, seeks = consumer
    made.fetched.add(PARTITION, list(range(15, 40)))
    assert _in_order(made, last=19, offset=29, first=15)
    assert not seeks


def test_a_batch_after_a_record_fetched_and_never_processed_has_the_partition_read_again(
    consumer: tuple[LockedConsumer, list[tuple[TP, int]]],
) -> None:
    made, seeks = consumer
    made.fetched.add(PARTITION, list(range(20, 40)))
    # Records 20-29 were fetched and never reached the agent; the batch of 30-39 did.
    assert not _in_order(made, last=19, offset=39, first=30)
    assert seeks == [(PARTITION, 20)]
    # Batches queued before the seek are left alone until the records are read again...
    assert not _in_order(made, last=19, offset=49, first=40)
    # ... and the partition read again may be cut differently: a batch of 20-39 ends where the
    # one left alone ended, yet it begins with the records that were missed.
    assert _in_order(made, last=19, offset=39, first=20)
    assert seeks == [(PARTITION, 20)]
