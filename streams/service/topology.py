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
    # Whether the worker addresses the topic's partitions by number (it re-keys into them, keeps
    # table state by them, or counts on one clock per input partition): such a topic must have
    # exactly the configured count, as Faust needs tables co-partitioned with their sources.
    copartitioned: bool = False


class TopologyError(Exception):
    """Existing topics cannot serve the settings (partition counts); the text says what to do."""


def topic_specs(settings: ServiceSettings) -> list[TopicSpec]:
    """Every topic of DESIGN.md plus the internal ones, under the deployment's prefix.

    >>> from streams.service.settings import ServiceSettings
    >>> specs = topic_specs(ServiceSettings(bootstrap="x:1", partitions=4))
    >>> [(s.name, s.partitions) for s in specs if s.compacted][:1]
    [('watchfloor.officers.v1', 1)]
    """
    n = settings.partitions
    specs = [TopicSpec(settings.topic(e), n, False, copartitioned=True) for e in INPUT_ENTITIES]
    # Reference data is small and read whole by every worker (global tables): one partition.
    specs += [TopicSpec(settings.topic(e), 1, True) for e in REFERENCE_ENTITIES]
    specs += [TopicSpec(settings.topic(e), n, False) for e in ALERT_ENTITIES]
    specs.append(TopicSpec(settings.topic("deadletter"), n, False))
    specs.append(TopicSpec(settings.topic(BY_OFFICER_ENTITY), n, False, copartitioned=True))
    specs.append(TopicSpec(settings.topic(PEER_ENTITY), n, False, copartitioned=True))
    specs += [
        TopicSpec(
            f"{settings.app_id}-{table}-changelog",
            n,
            True,
            LARGE_MESSAGE_BYTES if table == PEER_TABLES[0] else None,
            copartitioned=True,
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

    Existing topics are left alone. One the worker addresses by partition number (see
    `TopicSpec.copartitioned`) with another partition count than the settings' raises
    `TopologyError` before anything is created: re-keyed events and table state would land on
    the wrong partitions, silently. Other topics with another count are only reported.
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
        present = [spec for spec in wanted if spec.name in existing]
        counts: dict[str, int] = {}
        if present:
            for described in admin.describe_topics([spec.name for spec in present]):
                name = str(described["topic"] if "topic" in described else described["name"])
                counts[name] = len(described["partitions"])
        check_partitions(settings, wanted, counts)
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
        return [spec.name for spec in missing]
    finally:
        admin.close()


def check_partitions(
    settings: ServiceSettings, wanted: list[TopicSpec], counts: dict[str, int]
) -> None:
    """Refuse partition counts (`counts`, of the topics that exist) the worker cannot work with.

    >>> from streams.service.settings import ServiceSettings
    >>> settings = ServiceSettings(bootstrap="x:1", partitions=4)
    >>> wanted = topic_specs(settings)
    >>> check_partitions(settings, wanted, {s.name: s.partitions for s in wanted})
    >>> check_partitions(settings, wanted, {s.name: 2 for s in wanted if s.copartitioned})
    Traceback (most recent call last):
    ...
    streams.service.topology.TopologyError: the deployment's topics have 2 partitions, but the \
settings say 4: start the worker with --partitions 2 (WATCHFLOOR_PARTITIONS=2); a deployment's \
partition count cannot change once its topics exist
    """
    strict = {s.name for s in wanted if s.copartitioned and s.name in counts}
    wrong = sorted(name for name in strict if counts[name] != settings.partitions)
    for spec in wanted:
        count = counts.get(spec.name)
        if spec.name not in strict and count is not None and count != spec.partitions:
            log.warning(
                "topic %s has %d partitions, settings say %d", spec.name, count, spec.partitions
            )
    if not wrong:
        return
    found = {counts[name] for name in strict}
    if len(found) == 1:
        (count,) = found
        raise TopologyError(
            f"the deployment's topics have {count} partitions, but the settings say "
            f"{settings.partitions}: start the worker with --partitions {count} "
            f"(WATCHFLOOR_PARTITIONS={count}); a deployment's partition count cannot change "
            "once its topics exist"
        )
    listed = ", ".join(f"{name} has {counts[name]}" for name in wrong)
    raise TopologyError(
        f"the deployment's input, internal and changelog topics must all have the same number "
        f"of partitions (the settings say {settings.partitions}), but {listed}: events re-keyed "
        "by officer and their state would land on different partitions. Recreate those topics "
        f"with {settings.partitions} partitions (their contents are lost: for a changelog, the "
        "state it holds) or start a new deployment and replay the history into it"
    )


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
