"""The worker's Prometheus metrics, created in one place on a registry of their own.

Conventions: base units, `_total` counters, `_seconds` histograms, and labels from closed sets
only (event type, outcome, detector, category, severity, a reason class, a topic and partition
number), never an officer id, event id or free text.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from importlib import metadata
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from detectors.config import SEVERITIES
from detectors.registry import REGISTRY
from schemas.errors import DECODE_REASONS

# Garbage-collection pauses: a young collection takes about a millisecond, a full one over a
# large heap of officer states a hundred or more.
GC_PAUSE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0)
GC_GENERATIONS = ("0", "1", "2")

# Seconds per event through the worker: tens of microseconds when all is well, milliseconds
# when the broker is slow.
PROCESSING_BUCKETS = (
    0.00005,
    0.0001,
    0.00025,
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    1.0,
)

EVENT_TYPES = ("badge", "access", "roster")
# What the core made of an event it was handed. Input rejected before it (undecodable, so of
# no known type) is counted by watchfloor_dead_letters_total instead.
OUTCOMES = ("processed", "late", "duplicate")

# The closed set of dead-letter reasons: the code each DecodeError carries (see
# schemas.errors.DecodeReason), and the worker's own failures.
DEAD_LETTER_REASONS: tuple[str, ...] = (*DECODE_REASONS, "internal_error")


CONSUMER_LAG = "watchfloor_consumer_lag_messages"
CONSUMER_LAG_HELP = (
    "Messages in an input partition not yet committed by this worker, per topic and partition "
    "(log end, or last stable offset under transactions, minus the committed offset)."
)


def consumer_lag(consumer: Any, topics: Collection[str]) -> dict[tuple[str, int], int]:
    """Lag per assigned partition of `topics`: log end (as the consumer sees it) minus position.

    The position is the committed offset, or the next one to read when nothing is committed
    yet. Partitions whose end the consumer has not fetched yet are left out rather than shown
    as zero, and a consumer that has not started gives nothing.

    >>> class Consumer:
    ...     _committed_offset = {("in", 0): 40}
    ...     _read_offset = {("in", 1): 9}
    ...     def assignment(self):
    ...         return {("in", 0), ("in", 1), ("in", 2), ("changelog", 0)}
    ...     def highwater(self, tp):
    ...         return {("in", 0): 100, ("in", 1): 10}.get(tp)
    >>> import collections
    >>> TP = collections.namedtuple("TP", "topic partition")
    >>> class Named(Consumer):
    ...     _committed_offset = {TP("in", 0): 40}
    ...     _read_offset = {TP("in", 1): 9}
    ...     def assignment(self):
    ...         return {TP(*tp) for tp in super().assignment()}
    >>> sorted(consumer_lag(Named(), {"in"}).items())
    [(('in', 0), 60), (('in', 1), 0)]
    """
    try:
        assigned = consumer.assignment()
    except Exception:  # Faust raises ConsumerNotStarted before its consumer thread runs
        return {}
    # Faust keeps committed and read offsets only on its concrete consumer class.
    committed: Mapping[Any, int | None] = getattr(consumer, "_committed_offset", {})
    read: Mapping[Any, int | None] = getattr(consumer, "_read_offset", {})
    lags: dict[tuple[str, int], int] = {}
    for tp in assigned:
        if tp.topic not in topics:
            continue
        end = consumer.highwater(tp)
        if end is None:
            continue
        position = committed.get(tp)
        if position is None:
            last_read = read.get(tp)
            position = 0 if last_read is None else last_read + 1
        lags[(tp.topic, tp.partition)] = max(0, int(end) - int(position))
    return lags


class ConsumerLagCollector(Collector):
    """Computes consumer lag when Prometheus scrapes, so it is never older than the scrape."""

    def __init__(self) -> None:
        self._lags: Callable[[], Mapping[tuple[str, int], int]] = dict

    def follow(self, lags: Callable[[], Mapping[tuple[str, int], int]]) -> None:
        self._lags = lags

    def describe(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(CONSUMER_LAG, CONSUMER_LAG_HELP, labels=["topic", "partition"])

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(CONSUMER_LAG, CONSUMER_LAG_HELP, labels=["topic", "partition"])
        for (topic, partition), lag in sorted(self._lags().items()):
            family.add_metric([topic, str(partition)], lag)
        yield family


class RestoreTimer:
    """Times each state restore: from a (re)start or rebalance until Faust has restored the
    tables and resumes the streams (its `on_rebalance_complete` signal).

    >>> metrics = WorkerMetrics()
    >>> timer = RestoreTimer(metrics, now=iter([10.0, 12.5]).__next__)
    >>> import asyncio
    >>> asyncio.run(timer.completed())
    >>> metrics.registry.get_sample_value("watchfloor_restore_duration_seconds")
    2.5
    >>> metrics.registry.get_sample_value("watchfloor_restores_total")
    1.0
    """

    def __init__(self, metrics: WorkerMetrics, now: Callable[[], float] = time.monotonic) -> None:
        self.metrics = metrics
        self._now = now
        # The first restore starts with the process: that is the wait an operator sees.
        self._began: float | None = now()

    async def rebalancing(self, *args: Any, **kwargs: Any) -> None:
        if self._began is None:
            self._began = self._now()

    async def completed(self, *args: Any, **kwargs: Any) -> None:
        if self._began is None:
            return
        self.metrics.restore.set(self._now() - self._began)
        self.metrics.restores.inc()
        self._began = None


class GcPauseTimer:
    """A `gc.callbacks` entry that observes each collection's duration, by generation.

    The collector stops every thread of the process while it runs, so each pause is a delay
    for every event in flight: the core's per-officer state is what makes the heap large.
    """

    def __init__(self, histogram: Histogram, now: Callable[[], float] = time.perf_counter) -> None:
        self._children = {int(g): histogram.labels(generation=g) for g in GC_GENERATIONS}
        self._now = now
        self._began = 0.0

    def __call__(self, phase: str, info: Mapping[str, Any]) -> None:
        if phase == "start":
            self._began = self._now()
        else:
            self._children[info["generation"]].observe(self._now() - self._began)


def _version() -> str:
    try:
        return metadata.version("watchfloor")
    except metadata.PackageNotFoundError:
        return "unknown"


class WorkerMetrics:
    """Every metric the worker exports."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.events_consumed = Counter(
            "watchfloor_events_consumed_total",
            "Input messages read from the badge, access and roster topics.",
            ["source"],
            registry=r,
        )
        self.events_processed = Counter(
            "watchfloor_events_processed_total",
            "Events handed to the detector core, by type and outcome.",
            ["type", "outcome"],
            registry=r,
        )
        self.dead_letters = Counter(
            "watchfloor_dead_letters_total",
            "Messages sent to the dead-letter topic, by reason class.",
            ["reason"],
            registry=r,
        )
        self.late_events = Counter(
            "watchfloor_late_events_total",
            "Events older than the allowed lateness; applied and flagged.",
            registry=r,
        )
        self.alerts = Counter(
            "watchfloor_alerts_total",
            "Alerts published, by detector, category and severity.",
            ["detector", "category", "severity"],
            registry=r,
        )
        self.processing = Histogram(
            "watchfloor_event_processing_seconds",
            "Time from taking an internal message to having handled it.",
            buckets=PROCESSING_BUCKETS,
            registry=r,
        )
        self.event_time_lag = Gauge(
            "watchfloor_event_time_lag_seconds",
            "Wall-clock now minus the newest event time seen.",
            registry=r,
        )
        self.consumer_lag = ConsumerLagCollector()
        r.register(self.consumer_lag)
        self.officers_tracked = Gauge(
            "watchfloor_officers_tracked",
            "Officers with state on this worker.",
            registry=r,
        )
        self.state_bytes = Gauge(
            "watchfloor_state_bytes",
            "Serialised size of the officer state held by this worker.",
            registry=r,
        )
        self.restore = Gauge(
            "watchfloor_restore_duration_seconds",
            "How long the last state restore took after a (re)start or rebalance.",
            registry=r,
        )
        self.restores = Counter(
            "watchfloor_restores_total",
            "State restores completed (one per start and per rebalance).",
            registry=r,
        )
        # CPU, memory and process_start_time_seconds, whose changes count restarts.
        ProcessCollector(registry=r)
        self.build = Gauge(
            "watchfloor_build_info",
            "Always 1; the labels say which build runs.",
            ["version"],
            registry=r,
        )
        self.build.labels(version=_version()).set(1)
        self.gc_pause = Histogram(
            "watchfloor_gc_pause_seconds",
            "Pauses of Python's cyclic garbage collector in the worker, by generation (2: full).",
            ["generation"],
            buckets=GC_PAUSE_BUCKETS,
            registry=r,
        )
        for generation in GC_GENERATIONS:
            self.gc_pause.labels(generation=generation)
        # Every labelled series exists from the start, so dashboards show zeros, not gaps.
        for source in EVENT_TYPES:
            self.events_consumed.labels(source=source)
            for outcome in OUTCOMES:
                self.events_processed.labels(type=source, outcome=outcome)
        for reason in DEAD_LETTER_REASONS:
            self.dead_letters.labels(reason=reason)
        # Severity is configurable per detector, so every level gets a series.
        for name, detector in REGISTRY.items():
            for severity in SEVERITIES:
                self.alerts.labels(detector=name, category=detector.category, severity=severity)
        self._restore_timer: RestoreTimer | None = None

    def follow_collections(self) -> Callable[[], None]:
        """Time every garbage collection of this process into `watchfloor_gc_pause_seconds`;
        returns the call that stops it.

        >>> import gc
        >>> metrics = WorkerMetrics()
        >>> stop = metrics.follow_collections()
        >>> _ = gc.collect()
        >>> stop()
        >>> metrics.registry.get_sample_value(
        ...     "watchfloor_gc_pause_seconds_count", {"generation": "2"}) >= 1
        True
        """
        timers = GcPauseTimer(self.gc_pause)
        gc.callbacks.append(timers)
        return lambda: gc.callbacks.remove(timers)

    def watch(self, app: Any, topics: Collection[str]) -> None:
        """Follow a Faust app: consumer lag of `topics` at each scrape, and restore times."""
        wanted = frozenset(topics)
        self.consumer_lag.follow(lambda: consumer_lag(app.consumer, wanted))
        timer = RestoreTimer(self)
        # Signals keep strong references, so the timer lives as long as the app.
        app.on_partitions_revoked.connect(timer.rebalancing)
        app.on_partitions_assigned.connect(timer.rebalancing)
        app.on_rebalance_complete.connect(timer.completed)
        self._restore_timer = timer

    def names(self) -> set[str]:
        """Every sample name this registry exports, suffixes included.

        >>> names = WorkerMetrics().names()
        >>> {"watchfloor_alerts_total", "watchfloor_event_processing_seconds_bucket",
        ...  "watchfloor_consumer_lag_messages"} <= names
        True
        """
        found: set[str] = set()
        for family in self.registry.collect():
            found.add(family.name)
            found.update(sample.name for sample in family.samples)
            if family.type == "counter":
                found.add(f"{family.name}_total")
            elif family.type == "histogram":
                found.update(f"{family.name}_{suffix}" for suffix in ("bucket", "count", "sum"))
        return found
