"""Topics of a deployment: created with their settings, deleted as one, and only its own."""

from __future__ import annotations

from collections.abc import Callable

from kafka import KafkaAdminClient
from kafka.admin import NewTopic

from streams.service.settings import ServiceSettings
from streams.service.topology import delete_deployment_topics, ensure_topics, topic_specs
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
