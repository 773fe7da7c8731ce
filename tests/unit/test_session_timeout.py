"""The session timeout: how long the group waits for a worker that stopped answering."""

from __future__ import annotations

import pytest

from detectors.config import load_config
from streams.service.settings import ServiceSettings, SettingsError
from streams.service.worker import WatchfloorWorker


def test_the_worker_hands_the_session_timeout_to_its_consumer_with_heartbeats_well_within() -> None:
    for timeout in (8.0, 30.0, 120.0):
        settings = ServiceSettings(
            bootstrap="127.0.0.1:9092", store="memory", session_timeout_s=timeout
        )
        conf = WatchfloorWorker(settings, load_config()).app.conf
        assert conf.broker_session_timeout == timeout
        assert conf.broker_heartbeat_interval <= timeout / 3


@pytest.mark.parametrize("timeout", [0.0, 5.9, 300.1, -30.0])
def test_a_session_timeout_the_broker_would_refuse_is_refused_saying_why(timeout: float) -> None:
    with pytest.raises(SettingsError, match=r"session timeout must be within 6\.\.300 seconds"):
        ServiceSettings(bootstrap="127.0.0.1:9092", session_timeout_s=timeout)
