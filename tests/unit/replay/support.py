"""Shared pieces of the replay tests: event lines, a tiny stand-in core, a small simulated force."""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import orjson

from schemas.alerts import Alert, AlertWindow, Explanation, Risk
from schemas.events import Event
from streams.replay.engine import Engine

START = datetime(2026, 3, 9, 6, 0, tzinfo=UTC)


def event_line(number: int, *, minutes: float, officer: str = "P1") -> bytes:
    """One valid access event, `minutes` after START; ids are unique per `number`."""
    moment = START + timedelta(minutes=minutes)
    return orjson.dumps(
        {
            "schema_version": 1,
            "type": "access",
            "event_id": f"e{number:06d}",
            "event_time": moment.isoformat(),
            "officer_id": officer,
            "source": "audit",
            "system": "pnc",
            "action": "search",
            "record_type": "person",
            "record_ref": f"r:{number % 97}",
            "workstation_id": "WS-1",
        }
    )


def history(count: int, *, officers: int = 5, step_minutes: float = 1.0) -> list[bytes]:
    """`count` events in event-time order, several officers, some sharing a time."""
    return [
        event_line(i, minutes=(i // 3) * step_minutes, officer=f"P{i % officers + 1}")
        for i in range(count)
    ]


def write_jsonl(path: Path, lines: Iterable[bytes], *, compress: bool = False) -> Path:
    data = b"".join(line + b"\n" for line in lines)
    path.write_bytes(gzip.compress(data, mtime=0) if compress else data)
    return path


@dataclass(slots=True)
class FakeCounters:
    late: int = 0
    duplicates: int = 0


class FakeEngine:
    """A stand-in core whose alerts depend on every event it saw, in order.

    It keeps a running digest of the event ids and raises an alert on every `every`-th event
    carrying that digest, so a lost, repeated or reordered event changes the output. An event
    older than the newest seen counts as late; an id seen before counts as a duplicate.
    """

    def __init__(self, every: int = 7, snapshot: bytes | None = None) -> None:
        self.every = every
        self.counters = FakeCounters()
        self.seen = 0
        self.digest = b""
        self.newest = float("-inf")
        self.ids: set[str] = set()
        self.fed: list[str] = []
        if snapshot is not None:
            state = orjson.loads(snapshot)
            self.seen, self.newest = state["seen"], state["newest"]
            self.digest = bytes.fromhex(state["digest"])
            self.ids = set(state["ids"])
            self.counters = FakeCounters(state["late"], state["duplicates"])

    def feed(self, event: Event) -> list[Alert]:
        self.fed.append(event.event_id)
        if event.event_id in self.ids:
            self.counters.duplicates += 1
            return []
        self.ids.add(event.event_id)
        t = event.event_time.timestamp()
        if t < self.newest:
            self.counters.late += 1
        self.newest = max(self.newest, t)
        self.seen += 1
        self.digest = hashlib.sha256(self.digest + event.event_id.encode()).digest()
        if self.seen % self.every:
            return []
        return [fake_alert(event, self.digest.hex()[:12], self.seen)]

    def finish(self) -> list[Alert]:
        return []

    def snapshot(self) -> bytes:
        return orjson.dumps(
            {
                "seen": self.seen,
                "newest": self.newest,
                "digest": self.digest.hex(),
                "ids": sorted(self.ids),
                "late": self.counters.late,
                "duplicates": self.counters.duplicates,
            }
        )


def fake_alert(event: Event, digest: str, seen: int, detector: str = "fake_rule") -> Alert:
    at = event.event_time
    return Alert(
        schema_version=1,
        alert_id=f"a:{detector}:1:{event.officer_id}:{digest}",
        officer_id=event.officer_id,
        detector=detector,
        detector_version=1,
        category="integrity",
        severity="low",
        score=float(seen % 10),
        event_time=at,
        window=AlertWindow(start=at, end=at),
        summary=f"Event number {seen} seen.",
        evidence=(event.event_id,),
        explanation=Explanation(
            observed={"seen": seen}, own_normal={}, peer_normal={}, threshold={}
        ),
        risk=Risk(score=float(seen), contributions=()),
        config_hash="sha256:fake",
    )


def fake_factory(every: int = 7) -> Callable[[bytes | None], Engine]:
    def make(snapshot: bytes | None) -> Engine:
        return FakeEngine(every, snapshot)

    return make


@dataclass(frozen=True, slots=True)
class SimulatedForce:
    folder: Path
    events: Path  # gzip, as the simulator writes it
    reference: Path
    labels: Path
    lines: Sequence[bytes]


def simulate(folder: Path, *, officers: int, days: int, seed: int, rate: float) -> SimulatedForce:
    """A simulator run written the way `watchfloor simulate` lays out its output."""
    from streams.simulator.engine import Settings, Simulation

    simulation = Simulation(
        Settings(
            officers=officers, days=days, seed=seed, start=date(2026, 3, 2), scenario_rate=rate
        )
    )
    lines: list[bytes] = []
    labels: list[bytes] = []
    for day in simulation.run():
        lines.extend(line.encode() for line in day.lines)
        labels.extend(orjson.dumps(label) for label in day.labels)
    reference = folder / "reference"
    reference.mkdir(parents=True)
    for name, rows in (
        ("officers", simulation.officers()),
        ("sites", simulation.sites()),
        ("watchlist", simulation.watchlist()),
    ):
        write_jsonl(reference / f"{name}.jsonl", (orjson.dumps(r) for r in rows))
    events = write_jsonl(folder / "events.jsonl.gz", lines, compress=True)
    write_jsonl(folder / "labels.jsonl", labels)
    return SimulatedForce(folder, events, reference, folder / "labels.jsonl", lines)
