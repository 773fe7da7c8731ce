"""The worker's metrics keep Prometheus's naming conventions and closed label sets."""

from __future__ import annotations

from prometheus_client import CollectorRegistry
from prometheus_client.core import Metric

from streams.service.metrics import WorkerMetrics

# Labels whose values come from closed sets; anything else could carry an id or free text.
CLOSED_LABELS = {
    "source",
    "type",
    "outcome",
    "reason",
    "detector",
    "category",
    "severity",
    "generation",  # of the garbage collector: 0, 1 or 2
}
SCRAPE_TIME_LABELS = {"topic", "partition", "version"}


def _families() -> list[Metric]:
    return list(WorkerMetrics(CollectorRegistry()).registry.collect())


def test_watchfloor_metrics_use_base_units_and_total_suffixes() -> None:
    for family in _families():
        name, kind = family.name, family.type
        if not name.startswith("watchfloor_"):
            assert name.startswith("process_"), name
            continue
        assert "_ms" not in name and "milli" not in name and not name.startswith("total_"), name
        if kind == "counter":
            suffixes = ("_total", "_created")
            assert all(s.name.endswith(suffixes) for s in family.samples), name
        if kind == "histogram":
            assert name.endswith("_seconds"), name
        if kind == "gauge":
            assert not name.endswith("_total"), name


def test_labels_come_from_closed_sets_only() -> None:
    metrics = WorkerMetrics(CollectorRegistry())
    labels = {
        label
        for family in metrics.registry.collect()
        for sample in family.samples
        for label in sample.labels
        if label != "le"
    }
    assert labels <= CLOSED_LABELS | SCRAPE_TIME_LABELS
    detectors = {
        sample.labels["detector"]
        for family in metrics.registry.collect()
        for sample in family.samples
        if "detector" in sample.labels
    }
    # Every detector has its zero series from the start, so panels show 0 rather than nothing.
    assert len(detectors) == 18
