"""The transactional producers' sender asks again when a coordinator lookup loses its
connection (aiokafka 0.14 failed the producer for good, and Faust then crashed the worker)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiokafka.errors import GroupAuthorizationFailedError, KafkaConnectionError, KafkaError

from streams.service.exactly_once import CoordinatorRetryingSender


class FlakyClient:
    """A Kafka client whose coordinator lookups fail with `errors` first, then find node 3."""

    def __init__(self, errors: list[Exception]) -> None:
        self.errors = errors
        self.lookups = 0
        self.metadata_updates = 0

    async def coordinator_lookup(self, coordinator_type: Any, key: str) -> int:
        self.lookups += 1
        if self.errors:
            raise self.errors.pop(0)
        return 3

    async def ready(self, node_id: int, group: Any = None) -> bool:
        return True

    async def force_metadata_update(self) -> bool:
        self.metadata_updates += 1
        return True


class Transactions:
    transactional_id = "watchfloor-test-0"


def sender(client: FlakyClient) -> CoordinatorRetryingSender:
    return CoordinatorRetryingSender(
        client,
        acks=-1,
        txn_manager=Transactions(),
        message_accumulator=None,
        retry_backoff_ms=1,
        request_timeout_ms=1000,
    )


def test_a_lookup_that_loses_its_connection_is_asked_again_until_it_finds_the_coordinator() -> None:
    closed = [KafkaConnectionError("Connection at 127.0.0.1:9092 closed") for _ in range(3)]
    client = FlakyClient(list(closed))
    found = asyncio.run(sender(client)._find_coordinator(1, "watchfloor-test-0"))
    assert found == 3
    assert client.lookups == 4
    assert client.metadata_updates == 3


def test_other_lookup_failures_still_fail_as_before() -> None:
    client = FlakyClient([GroupAuthorizationFailedError()])
    with pytest.raises(KafkaError):
        asyncio.run(sender(client)._find_coordinator(1, "watchfloor-test-0"))
    assert client.lookups == 1
