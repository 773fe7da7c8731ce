"""Topics of a deployment: created with their settings, deleted as one, and only its own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from kafka import KafkaAdminClient
from kafka.admin import NewTopic

from streams.service.settings import ServiceSettings
from streams.service.topology import (
    TopologyError,
    delete_deployment_topics,
    ensure_topics,
    topic_specs,
)
from tests.kafka_support import wait_until


def _topics(bootstrap: str) -> set[str]:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        return set(admin.list_topics())
    finally:
        admin.close()


def test_deleting_a_deployment_removes_its_topics_and_no_other(
    kafka_bootstrap: str, unique_name: Callable[[str], str]
) -> None:
    gone_app = unique_name("gone-app")
    gone = ServiceSettings(
        bootstrap=kafka_bootstrap, topic_prefix=unique_name("gone"), app_id=gone_app
    )
    kept = ServiceSettings(
        bootstrap=kafka_bootstrap, topic_prefix=unique_name("kept"), app_id=unique_name("kept-app")
    )
    assert ensure_topics(gone) and ensure_topics(kept)
    # What Faust creates for itself, named after the app id.
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        admin.create_topics([NewTopic(f"{gone_app}-__assignor-__leader", 1, 1)])
    finally:
        admin.close()
    expected = {spec.name for spec in topic_specs(gone)} | {f"{gone_app}-__assignor-__leader"}
    wait_until(lambda: expected <= _topics(kafka_bootstrap) or None, what="the topics created")

    deleted = delete_deployment_topics(gone)

    assert set(deleted) == expected
    wait_until(lambda: not (expected & _topics(kafka_bootstrap)) or None, what="the topics deleted")
    assert {spec.name for spec in topic_specs(kept)} <= _topics(kafka_bootstrap)
    delete_deployment_topics(kept)


def test_a_worker_refuses_topics_whose_partition_counts_break_co_partitioning(
    kafka_bootstrap: str, unique_name: Callable[[str], str], capsys: pytest.CaptureFixture[str]
) -> None:
    from streams.cli import main

    two = ServiceSettings(
        bootstrap=kafka_bootstrap,
        topic_prefix=unique_name("wf"),
        app_id=unique_name("app"),
        partitions=2,
    )
    four = replace(two, partitions=4)
    try:
        ensure_topics(two)
        wait_until(
            lambda: {spec.name for spec in topic_specs(two)} <= _topics(kafka_bootstrap) or None,
            what="the topics created",
        )
        # Settings that disagree with every topic: the count to use is named.
        with pytest.raises(TopologyError, match="start the worker with --partitions 2"):
            ensure_topics(four)
        serve = ["serve", "--bootstrap", kafka_bootstrap, "--topic-prefix", two.topic_prefix]
        serve += ["--app-id", two.app_id, "--partitions", "4", "--store", "memory"]
        assert main(serve) == 1
        assert "refusing to start: the deployment's topics have 2 partitions" in (
            capsys.readouterr().err
        )

        # A changelog made with another count than its source topic's: refused by name.
        changelog = f"{two.app_id}-peer-vectors-changelog"
        admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
        try:
            admin.delete_topics([changelog], timeout_ms=30_000)
            wait_until(lambda: changelog not in _topics(kafka_bootstrap) or None, what="deleted")
            created = wait_until(
                lambda: _create(admin, changelog, 3), what="the changelog made again"
            )
            assert created
        finally:
            admin.close()
        with pytest.raises(TopologyError, match=f"but {changelog} has 3: "):
            ensure_topics(two)
    finally:
        delete_deployment_topics(two)


def _create(admin: KafkaAdminClient, name: str, partitions: int) -> bool | None:
    """Create `name`; None while the broker still deletes a topic of that name (to retry)."""
    from kafka.errors import TopicAlreadyExistsError

    try:
        admin.create_topics(
            [NewTopic(name, partitions, 1, topic_configs={"cleanup.policy": "compact"})]
        )
    except TopicAlreadyExistsError:
        return None
    return True
