"""The topics a deployment needs, and creating the missing ones with the right settings."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from streams.service.key_guard import guard_topic
from streams.service.settings import ServiceSettings

log = logging.getLogger(__name__)

INPUT_ENTITIES = ("badge", "access", "roster")
REFERENCE_ENTITIES = ("officers", "sites", "watchlist")
ALERT_ENTITIES = ("alerts.integrity", "alerts.welfare")
# Internal: decoded events re-keyed by officer, with watermarks and peer-stage results.
BY_OFFICER_ENTITY = "internal.by-officer"
# Internal: closed-day vectors keyed by peer group, with per-partition day-closed markers.
PEER_ENTITY = "internal.peer"


# The worker's changelog-backed tables; their changelog topics are made before it starts, so
# the first write never races Faust's own creation of them (seen as PartitionsMismatch).
OFFICER_TABLES = ("officer-state", "officer-clock")
PEER_TABLES = ("peer-stage", "peer-vectors", "peer-clock")


# The peer stage's checkpoint holds pickled River models (HalfSpaceTrees take ~1 MB each),
# past Kafka's default 1 MB message limit.
LARGE_MESSAGE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    compacted: bool
    max_message_bytes: int | None = None


def topic_specs(settings: ServiceSettings) -> list[TopicSpec]:
    """Every topic of DESIGN.md plus the internal ones, under the deployment's prefix.

    >>> from streams.service.settings import ServiceSettings
    >>> specs = topic_specs(ServiceSettings(bootstrap="x:1", partitions=4))
    >>> [(s.name, s.partitions) for s in specs if s.compacted][:1]
    [('watchfloor.officers.v1', 1)]
    """
    n = settings.partitions
    specs = [TopicSpec(settings.topic(e), n, False) for e in INPUT_ENTITIES]
    # Reference data is small and read whole by every worker (global tables): one partition.
    specs += [TopicSpec(settings.topic(e), 1, True) for e in REFERENCE_ENTITIES]
    specs += [TopicSpec(settings.topic(e), n, False) for e in ALERT_ENTITIES]
    specs.append(TopicSpec(settings.topic("deadletter"), n, False))
    specs.append(TopicSpec(settings.topic(BY_OFFICER_ENTITY), n, False))
    specs.append(TopicSpec(settings.topic(PEER_ENTITY), n, False))
    specs += [
        TopicSpec(
            f"{settings.app_id}-{table}-changelog",
            n,
            True,
            LARGE_MESSAGE_BYTES if table == PEER_TABLES[0] else None,
        )
        for table in (*OFFICER_TABLES, *PEER_TABLES)
    ]
    # The fingerprint of the pseudonym key the state is built under (streams.service.key_guard).
    specs.append(TopicSpec(guard_topic(settings.app_id), 1, True))
    return specs


def ensure_topics(
    settings: ServiceSettings, admin_config: dict[str, object] | None = None
) -> list[str]:
    """Create the topics that do not exist yet; returns the names created.

    The admin client reaches `settings.bootstrap` with `settings.security`; `admin_config`
    adds to (or overrides) that.

    Existing topics are left alone, but a partition count that differs from the settings is
    reported, since re-keyed state would then land on the wrong worker.
    """
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic
    from kafka.errors import TopicAlreadyExistsError

    admin = KafkaAdminClient(
        **{
            "bootstrap_servers": settings.bootstrap,
            **settings.security.kafka_python(),
            **(admin_config or {}),
        }
    )
    try:
        existing = set(admin.list_topics())
        wanted = topic_specs(settings)
        missing = [spec for spec in wanted if spec.name not in existing]
        new_topics = [
            NewTopic(
                spec.name,
                spec.partitions,
                settings.replication_factor,
                topic_configs=_topic_configs(spec),
            )
            for spec in missing
        ]
        if new_topics:
            # Another worker may win the race; what then exists is what we wanted.
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(new_topics, timeout_ms=30_000)
        for spec in wanted:
            if spec.name in existing:
                described = admin.describe_topics([spec.name])
                count = len(described[0]["partitions"]) if described else spec.partitions
                if count != spec.partitions:
                    log.warning(
                        "topic %s has %d partitions, settings say %d",
                        spec.name,
                        count,
                        spec.partitions,
                    )
        return [spec.name for spec in missing]
    finally:
        admin.close()


def delete_deployment_topics(settings: ServiceSettings) -> list[str]:
    """Delete every topic of one deployment: its contract topics (under its prefix) and the
    worker's own (changelogs and Faust's, named after its app id: so also those of any other
    deployment sharing the app id). Returns the names deleted.

    For deployments that live and die with one run, such as the demo's: left behind, their
    events would be read again by the next run's worker, which starts from the earliest offset.
    """
    return delete_topics_starting_with(
        settings.bootstrap,
        (f"{settings.topic_prefix}.", f"{settings.app_id}-"),
        **settings.security.kafka_python(),
    )


def delete_topics_starting_with(
    bootstrap: str, prefixes: tuple[str, ...], **client_options: Any
) -> list[str]:
    """Delete every topic whose name starts with one of `prefixes`; the names deleted."""
    from kafka import KafkaAdminClient
    from kafka.errors import UnknownTopicOrPartitionError

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, **client_options)
    try:
        mine = sorted(name for name in admin.list_topics() if name.startswith(prefixes))
        if mine:
            with contextlib.suppress(UnknownTopicOrPartitionError):
                admin.delete_topics(mine, timeout_ms=30_000)
        return mine
    finally:
        admin.close()


def _topic_configs(spec: TopicSpec) -> dict[str, str]:
    configs: dict[str, str] = {}
    if spec.compacted:
        configs["cleanup.policy"] = "compact"
    if spec.max_message_bytes is not None:
        configs["max.message.bytes"] = str(spec.max_message_bytes)
    return configs
