"""The worker's Prometheus metrics, created in one place on a registry of their own.

Conventions: base units, `_total` counters, `_seconds` histograms, and labels from closed sets
only (event type, outcome, detector, category, severity, a reason class, a topic and partition
number), never an officer id, event id or free text.
"""

from __future__ import annotations

from importlib import metadata

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

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
OUTCOMES = ("processed", "late", "duplicate", "rejected")

# The closed set of dead-letter reasons: a DecodeError's rule text is free text, its class is not.
DEAD_LETTER_REASONS = (
    "unparseable",
    "unknown_version",
    "missing_field",
    "wrong_type",
    "out_of_range",
    "bad_time",
    "invalid",
    "internal_error",
)


def reason_class(rule: str) -> str:
    """Map a decode rule onto the closed set of reason labels.

    >>> reason_class("malformed JSON: invalid character (byte 0)")
    'unparseable'
    >>> reason_class("required field is missing")
    'missing_field'
    >>> reason_class("a time needs a UTC offset")
    'bad_time'
    """
    text = rule.lower()
    checks = (
        ("unparseable", ("malformed", "utf-8", "not valid json", "json")),
        ("unknown_version", ("schema_version", "version")),
        ("missing_field", ("missing", "required")),
        ("bad_time", ("time", "offset", "date", "year")),
        ("wrong_type", ("expected",)),
        ("out_of_range", ("must be", "<=", ">=", "range", "length", "empty", "before")),
    )
    for label, needles in checks:
        if any(needle in text for needle in needles):
            return label
    return "invalid"


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
        self.consumer_lag = Gauge(
            "watchfloor_consumer_lag_messages",
            "Messages not yet consumed, per input topic and partition.",
            ["topic", "partition"],
            registry=r,
        )
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
        self.starts = Counter(
            "watchfloor_worker_starts_total",
            "Times this worker process started (restarts show as increases).",
            registry=r,
        )
        self.restore = Gauge(
            "watchfloor_restore_duration_seconds",
            "How long the last state restore took after a (re)start or rebalance.",
            registry=r,
        )
        self.build = Gauge(
            "watchfloor_build_info",
            "Always 1; the labels say which build runs.",
            ["version"],
            registry=r,
        )
        self.build.labels(version=_version()).set(1)
        # Every labelled series exists from the start, so dashboards show zeros, not gaps.
        for source in EVENT_TYPES:
            self.events_consumed.labels(source=source)
            for outcome in OUTCOMES:
                self.events_processed.labels(type=source, outcome=outcome)
        for reason in DEAD_LETTER_REASONS:
            self.dead_letters.labels(reason=reason)
