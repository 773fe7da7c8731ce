"""Session fixtures: one real Kafka broker, and per-test unique topics and consumer groups."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.kafka_support import BrokerUnavailableError, kafka_broker

REPO_ROOT = Path(__file__).resolve().parent.parent

# Apps run by tests as subprocesses are not test modules (they read their settings at import).
collect_ignore_glob = ["integration/apps/*"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Layers are told apart by folder, so a test cannot forget its marker.
    for item in items:
        parts = Path(str(item.fspath)).parts
        if "integration" in parts:
            item.add_marker(pytest.mark.integration)
        if "deploy" in parts and "tests" in parts:
            item.add_marker(pytest.mark.deploy)


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Bootstrap servers of a real broker for the whole session.

    Under CI=true a missing broker fails the run with the reason; elsewhere it skips, loudly.
    """
    state_dir = tmp_path_factory.mktemp("kafka-state")
    try:
        with kafka_broker(state_dir) as (bootstrap, origin):
            print(f"\nKafka for this session: {bootstrap} from {origin}")
            yield bootstrap
    except BrokerUnavailableError as error:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"no Kafka broker for the integration tests: {error}", pytrace=False)
        pytest.skip(f"no Kafka broker for the integration tests: {error}")


@pytest.fixture
def unique_name(request: pytest.FixtureRequest) -> Callable[[str], str]:
    """Names unique to this test, so topics and groups never collide between tests or runs."""
    stem = request.node.name.replace("[", "-").replace("]", "")[:40]
    run = uuid.uuid4().hex[:8]

    def make(kind: str) -> str:
        return f"t.{stem}.{kind}.{run}"

    return make


@pytest.fixture
def topic_factory(
    kafka_bootstrap: str, unique_name: Callable[[str], str]
) -> Iterator[Callable[..., str]]:
    """Create uniquely named topics for one test and delete them afterwards."""
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic

    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap, request_timeout_ms=30_000)
    created: list[str] = []

    def create(
        kind: str = "topic", partitions: int = 1, config: dict[str, str] | None = None
    ) -> str:
        name = unique_name(kind)
        admin.create_topics(
            [NewTopic(name, partitions, 1, topic_configs=config or {})], timeout_ms=30_000
        )
        created.append(name)
        return name

    yield create
    try:
        if created:
            admin.delete_topics(created, timeout_ms=30_000)
    finally:
        admin.close()


@pytest.fixture
def group_id(unique_name: Callable[[str], str]) -> str:
    return unique_name("group")
