"""The worker's settings: one frozen, validated object built once and passed down.

Flags win over `WATCHFLOOR_*` environment variables, which win over the defaults here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from schemas.topics import DEFAULT_PREFIX
from streams.connection import KafkaSecurity, SecurityConfigError
from streams.pseudonym import Pseudonymiser

StoreKind = Literal["rocksdb", "memory"]

# Enough partitions for several workers to share ~45,000 officers; changeable per deployment.
DEFAULT_PARTITIONS = 8
# Measured with bench/bench_service.py at 2,000 events/s: alerts readable 0.24 s (p50) after
# their input at 0.1 s between commits, 0.10 s at 0.02 s. Commits that frequent would cost a
# fifth of the throughput on a backlog, so a worker catching up commits at most this often:
DEFAULT_COMMIT_INTERVAL_S = 0.02
CATCHING_UP_COMMIT_INTERVAL_S = 0.1
# An input partition read to its end stops holding the watermark back after this long with
# nothing new, confirmed by the broker every second (streams.service.input_idleness): long
# enough for producers that lost the broker to deliver what they kept (Kafka clients retry a
# lost connection within a second or so), short beside the allowed lateness of five minutes.
DEFAULT_IDLE_AFTER_S = 10.0


class SettingsError(ValueError):
    """The configuration is unsafe or inconsistent; the text says which setting and why."""


@dataclass(frozen=True, kw_only=True)
class ServiceSettings:
    """Everything a worker needs to know before it starts.

    >>> ServiceSettings(bootstrap="127.0.0.1:9092").topic("badge")
    'watchfloor.badge.v1'
    >>> ServiceSettings(bootstrap="127.0.0.1:9092", partitions=0)
    Traceback (most recent call last):
    ...
    streams.service.settings.SettingsError: partitions must be at least 1, got 0
    """

    bootstrap: str
    topic_prefix: str = DEFAULT_PREFIX
    partitions: int = DEFAULT_PARTITIONS
    replication_factor: int = 1
    app_id: str = "watchfloor"
    state_dir: Path = field(default_factory=lambda: Path("watchfloor-data"))
    store: StoreKind = "rocksdb"
    web_port: int = 6066
    # Loopback unless a scraper elsewhere (another container) must reach /metrics.
    web_bind: str = "127.0.0.1"
    log_level: str = "INFO"
    # How long the group waits for a worker that stopped answering before its partitions go to
    # the others (or to its own restart): a worker killed outright is only replaced after this.
    session_timeout_s: float = 30.0
    # How often the worker commits its transactions. Alerts become readable (read-committed)
    # only then, on each of the two internal hops: a shorter interval lowers their latency and
    # costs throughput (every commit pauses processing while a dozen transactions end), so
    # while catching up on a backlog the worker commits every CATCHING_UP_COMMIT_INTERVAL_S
    # at most.
    commit_interval_s: float = DEFAULT_COMMIT_INTERVAL_S
    # Quiet needed before an input partition counts as idle (see DEFAULT_IDLE_AFTER_S).
    idle_after_s: float = DEFAULT_IDLE_AFTER_S
    # A table's RocksDB block cache is per partition database; Faust's default of 2 GiB each
    # would claim far more memory than the whole state needs.
    rocksdb_block_cache_bytes: int = 8 * 1024 * 1024
    # How every client of the worker reaches Kafka: TLS and SASL, PLAINTEXT by default.
    security: KafkaSecurity = field(default_factory=KafkaSecurity)
    # With a key, officer ids are pseudonymised right after decoding (streams.pseudonym).
    pseudonyms: Pseudonymiser | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not self.bootstrap.strip():
            raise SettingsError("bootstrap must name at least one broker (host:port)")
        try:
            self.security.check(self.bootstrap)
        except SecurityConfigError as error:
            raise SettingsError(str(error)) from error
        if self.partitions < 1:
            raise SettingsError(f"partitions must be at least 1, got {self.partitions}")
        if self.replication_factor < 1:
            raise SettingsError(
                f"replication factor must be at least 1, got {self.replication_factor}"
            )
        if not 0 < self.web_port < 65536:
            raise SettingsError(f"web port must be within 1..65535, got {self.web_port}")
        if not self.topic_prefix or any(c in self.topic_prefix for c in " /\\:"):
            raise SettingsError(f"topic prefix {self.topic_prefix!r} is not a valid topic name")
        if not 6.0 <= self.session_timeout_s <= 300.0:
            # The broker's default group.min/max.session.timeout.ms bounds (6 s and 5 min).
            raise SettingsError(
                f"session timeout must be within 6..300 seconds, got {self.session_timeout_s:g}"
            )
        if not 0.01 <= self.commit_interval_s <= 60.0:
            raise SettingsError(
                f"commit interval must be within 0.01..60 seconds, got {self.commit_interval_s:g}"
            )
        if not 0.0 <= self.idle_after_s <= 3600.0:
            raise SettingsError(
                f"idle-after must be within 0..3600 seconds, got {self.idle_after_s:g}"
            )
        if self.store not in ("rocksdb", "memory"):
            raise SettingsError(f"store must be rocksdb or memory, got {self.store!r}")

    def topic(self, entity: str, version: int = 1) -> str:
        """The full name of a contract topic under this deployment's prefix."""
        return f"{self.topic_prefix}.{entity}.v{version}"

    @property
    def store_url(self) -> str:
        return "rocksdb://" if self.store == "rocksdb" else "memory://"
