"""Reading the reference topics at start-up, against the real broker."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from streams.service import reference_data
from streams.service.reference_data import (
    ReferenceData,
    ReferenceTopicMissingError,
    load_to_end,
)
from streams.service.settings import ServiceSettings
from streams.service.topology import delete_deployment_topics, ensure_topics


def test_reference_topics_that_appear_while_it_waits_are_read(
    kafka_bootstrap: str, unique_name: Callable[[str], str]
) -> None:
    # The worker creates what is missing just before it reads the reference topics; a topic
    # that reaches the broker's metadata a moment later must not stop it.
    settings = ServiceSettings(bootstrap=kafka_bootstrap, topic_prefix=unique_name("late"))
    creator = threading.Timer(1.5, ensure_topics, args=(settings,))
    creator.start()
    try:
        began = time.monotonic()
        offsets = load_to_end(settings, ReferenceData())
        assert time.monotonic() - began >= 1.0  # it did wait for them
        assert {topic for topic, _ in offsets} == {
            settings.topic(entity) for entity in ("officers", "sites", "watchlist")
        }
    finally:
        creator.join()
        delete_deployment_topics(settings)


def test_reference_topics_that_never_come_are_reported_by_name(
    kafka_bootstrap: str, unique_name: Callable[[str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reference_data, "METADATA_SETTLE_S", 1.0)
    settings = ServiceSettings(bootstrap=kafka_bootstrap, topic_prefix=unique_name("absent"))
    with pytest.raises(ReferenceTopicMissingError, match=rf"{settings.topic('officers')}"):
        load_to_end(settings, ReferenceData())
