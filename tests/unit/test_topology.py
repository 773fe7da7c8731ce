"""Partition counts a worker cannot work with are refused before any topic is created."""

from __future__ import annotations

import logging

import pytest

from streams.service.settings import ServiceSettings
from streams.service.topology import (
    BY_OFFICER_ENTITY,
    TopologyError,
    check_partitions,
    topic_specs,
)

SETTINGS = ServiceSettings(bootstrap="127.0.0.1:9092", partitions=4, app_id="wf")


def _counts(**changed: int) -> dict[str, int]:
    counts = {spec.name: spec.partitions for spec in topic_specs(SETTINGS)}
    counts.update(changed)
    return counts


def test_topics_that_all_have_another_count_are_refused_naming_the_count_to_use() -> None:
    counts = {
        spec.name: 8 if spec.copartitioned else spec.partitions for spec in topic_specs(SETTINGS)
    }
    with pytest.raises(TopologyError, match="start the worker with --partitions 8"):
        check_partitions(SETTINGS, topic_specs(SETTINGS), counts)


def test_a_changelog_that_disagrees_with_its_source_topic_is_refused_by_name() -> None:
    changelog = "wf-officer-state-changelog"
    with pytest.raises(TopologyError, match=f"but {changelog} has 2: ") as refused:
        check_partitions(SETTINGS, topic_specs(SETTINGS), _counts(**{changelog: 2}))
    assert "--partitions" not in str(refused.value)


def test_an_internal_topic_that_disagrees_is_refused() -> None:
    by_officer = SETTINGS.topic(BY_OFFICER_ENTITY)
    with pytest.raises(TopologyError, match=by_officer):
        check_partitions(SETTINGS, topic_specs(SETTINGS), _counts(**{by_officer: 6}))


def test_an_alert_topic_with_another_count_is_only_reported(
    caplog: pytest.LogCaptureFixture,
) -> None:
    alerts = SETTINGS.topic("alerts.welfare")
    with caplog.at_level(logging.WARNING):
        check_partitions(SETTINGS, topic_specs(SETTINGS), _counts(**{alerts: 2}))
    assert f"topic {alerts} has 2 partitions" in caplog.text


def test_missing_topics_are_not_a_mismatch() -> None:
    check_partitions(SETTINGS, topic_specs(SETTINGS), {})
