"""Broker selection and deadline-bounded helpers shared by the integration tests.

The broker comes from, in order: `WATCHFLOOR_KAFKA_BOOTSTRAP`; a testcontainers Kafka where a
Docker engine answers; else the project's own local Apache Kafka (streams.local_kafka).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

# Long enough for a cold broker on a loaded 2-core CI machine; short enough that a broken
# test fails in a reasonable time instead of hanging the run.
DEFAULT_DEADLINE_S = 60.0


class BrokerUnavailableError(Exception):
    """No broker could be found or started; the text says why."""


def docker_engine_answers(timeout_s: float = 3.0) -> bool:
    """Whether a Docker engine (not only the client) responds to a ping."""
    if not (os.environ.get("DOCKER_HOST") or Path("/var/run/docker.sock").exists()):
        return False
    try:
        import docker

        client = docker.from_env(timeout=int(timeout_s))
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:  # any failure to reach the engine means "no Docker here"
        return False


@contextmanager
def kafka_broker(state_dir: Path) -> Iterator[tuple[str, str]]:
    """Yield (bootstrap, how it was obtained) for the whole test session."""
    explicit = os.environ.get("WATCHFLOOR_KAFKA_BOOTSTRAP")
    if explicit:
        from streams.local_kafka import metadata_request

        try:
            wait_until(lambda: metadata_request(explicit, timeout_s=5.0), what=f"{explicit}")
        except TimeoutError as error:
            raise BrokerUnavailableError(
                f"WATCHFLOOR_KAFKA_BOOTSTRAP={explicit} does not answer: {error}"
            ) from error
        yield explicit, "WATCHFLOOR_KAFKA_BOOTSTRAP"
        return
    if docker_engine_answers():
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer("apache/kafka:4.1.1").with_kraft() as container:
            yield container.get_bootstrap_server(), "testcontainers"
        return
    from streams.local_kafka import LocalKafka, LocalKafkaError

    broker = LocalKafka(state_dir=state_dir)
    try:
        info = broker.start()
    except LocalKafkaError as error:
        raise BrokerUnavailableError(str(error)) from error
    try:
        yield info.bootstrap, f"local Apache Kafka {info.version} (pid {info.pid})"
    finally:
        broker.stop()


def wait_until(
    probe: Callable[[], T | None],
    *,
    what: str,
    deadline_s: float = DEFAULT_DEADLINE_S,
    interval_s: float = 0.1,
) -> T:
    """Call `probe` until it returns a truthy value, or raise TimeoutError at the deadline.

    Exceptions from `probe` count as "not yet"; the last one is named in the timeout.

    >>> wait_until(lambda: 42, what="the answer")
    42
    """
    end = time.monotonic() + deadline_s
    last: str = "no result"
    while True:
        try:
            result = probe()
            if result:
                return result
        except Exception as error:  # retried until the deadline, then reported
            last = f"{type(error).__name__}: {error}"
        if time.monotonic() >= end:
            raise TimeoutError(f"waited {deadline_s:.0f} s for {what}; last: {last}")
        time.sleep(interval_s)
