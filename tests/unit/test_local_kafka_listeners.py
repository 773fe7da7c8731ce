"""The local broker launcher: extra listeners for tests, and `kafka start` exactly as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.local_kafka import LocalKafka, LocalKafkaError, ScramUser


def _properties(broker: LocalKafka) -> dict[str, str]:
    lines = (broker.state_dir / "server.properties").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line)


def test_without_extras_the_broker_has_only_its_plaintext_and_controller_listeners(
    tmp_path: Path,
) -> None:
    broker = LocalKafka(state_dir=tmp_path)
    broker._write_config(9092, 9093, {})
    properties = _properties(broker)
    assert properties["listeners"] == "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093"
    assert properties["advertised.listeners"] == "PLAINTEXT://127.0.0.1:9092"
    assert properties["listener.security.protocol.map"] == (
        "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
    )
    assert not any(name.startswith("listener.name.") for name in properties)


def test_extra_listeners_and_properties_are_added_and_the_plaintext_one_stays(
    tmp_path: Path,
) -> None:
    broker = LocalKafka(
        state_dir=tmp_path,
        listeners={"SECURE": "SASL_SSL"},
        properties={"listener.name.secure.sasl.enabled.mechanisms": "SCRAM-SHA-512"},
        scram_users=[ScramUser("alice", "s3cret")],
    )
    broker._write_config(9092, 9093, {"SECURE": 9094})
    properties = _properties(broker)
    assert properties["listeners"].endswith(",SECURE://127.0.0.1:9094")
    assert properties["advertised.listeners"] == (
        "PLAINTEXT://127.0.0.1:9092,SECURE://127.0.0.1:9094"
    )
    assert properties["listener.security.protocol.map"].endswith(",SECURE:SASL_SSL")
    assert properties["inter.broker.listener.name"] == "PLAINTEXT"
    assert properties["listener.name.secure.sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    assert "s3cret" not in repr(broker.scram_users)


def test_the_launchers_own_listener_names_cannot_be_taken(tmp_path: Path) -> None:
    with pytest.raises(LocalKafkaError, match="taken by the launcher"):
        LocalKafka(state_dir=tmp_path, listeners={"PLAINTEXT": "SSL"})
