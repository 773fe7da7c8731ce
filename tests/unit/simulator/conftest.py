"""One small simulated force shared by the simulator tests (generation takes a few seconds)."""

from __future__ import annotations

import gzip
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest

from streams.simulator.clock import parse_instant
from streams.simulator.engine import Settings, Simulation
from streams.simulator.writer import write_simulation

# Big enough for every scenario kind to appear (the rate is raised for that) and for role
# statistics to settle; small enough to generate in a few seconds.
SETTINGS = Settings(officers=120, days=56, seed=11, start=date(2026, 3, 2), scenario_rate=0.3)


@dataclass
class Run:
    path: Path
    raw_lines: list[bytes]
    events: list[dict[str, Any]]
    labels: list[dict[str, Any]]
    officers: dict[str, dict[str, Any]]
    sites: dict[str, dict[str, Any]]
    watchlist: dict[str, dict[str, Any]]
    by_id: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_officer: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    labels_by_officer: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        by_officer: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for event in self.events:
            self.by_id[event["event_id"]] = event
            by_officer[event["officer_id"]].append(event)
        self.by_officer = dict(by_officer)
        labels: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for label in self.labels:
            labels[label["officer_id"]].append(label)
        self.labels_by_officer = dict(labels)


def instant(event: dict[str, Any], name: str = "event_time") -> int:
    """Epoch seconds of a time field, parsed once and kept on the event."""
    key = "_" + name
    value = event.get(key)
    if value is None:
        value = event[key] = parse_instant(event[name])
    return int(value)


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


@pytest.fixture(scope="session")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    out = tmp_path_factory.mktemp("simulated")
    write_simulation(Simulation(SETTINGS), out)
    raw = gzip.decompress((out / "events.jsonl.gz").read_bytes()).splitlines()
    reference = out / "reference"
    return Run(
        path=out,
        raw_lines=raw,
        events=[orjson.loads(line) for line in raw],
        labels=_jsonl(out / "labels.jsonl"),
        officers={o["officer_id"]: o for o in _jsonl(reference / "officers.jsonl")},
        sites={s["site_id"]: s for s in _jsonl(reference / "sites.jsonl")},
        watchlist={w["record_ref"]: w for w in _jsonl(reference / "watchlist.jsonl")},
    )
