"""`watchfloor simulate` on the command line, bounded memory, and the Kafka publisher."""

from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest

import streams.cli
from streams.simulator.clock import parse_instant
from streams.simulator.engine import LOOKAHEAD, Settings, Simulation
from streams.simulator.publish import publish


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> None:
    # Until the lead lists the command in streams.cli, add it here.
    modules = streams.cli.COMMAND_MODULES
    if "streams.simulator.command" not in modules:
        monkeypatch.setattr(streams.cli, "COMMAND_MODULES", (*modules, "streams.simulator.command"))


@pytest.mark.usefixtures("cli")
def test_simulate_writes_events_reference_and_labels(tmp_path: Path) -> None:
    out = tmp_path / "run"
    argv = ["simulate", "--officers", "30", "--days", "3", "--seed", "4", "--out", str(out)]
    assert streams.cli.main([*argv, "--start", "2026-02-02"]) == 0
    lines = gzip.decompress((out / "events.jsonl.gz").read_bytes()).splitlines()
    days = {orjson.loads(line)["event_time"][:10] for line in lines}
    assert "2026-02-02" in days and "2026-02-04" in days
    assert (out / "labels.jsonl").exists()
    assert len((out / "reference" / "officers.jsonl").read_bytes().splitlines()) == 30


@pytest.mark.usefixtures("cli")
def test_options_fall_back_to_environment_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WATCHFLOOR_SIM_OFFICERS", "12")
    monkeypatch.setenv("WATCHFLOOR_SIM_DAYS", "1")
    monkeypatch.setenv("WATCHFLOOR_SIM_OUT", str(tmp_path / "env"))
    assert streams.cli.main(["simulate"]) == 0
    officers = (tmp_path / "env" / "reference" / "officers.jsonl").read_bytes().splitlines()
    assert len(officers) == 12


@pytest.mark.usefixtures("cli")
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--officers", "3"], "--officers"),
        (["--days", "0"], "--days"),
        (["--scenario-rate", "-1"], "--scenario-rate"),
        ([], "--out is required"),
    ],
)
def test_bad_options_fail_with_a_one_line_reason(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert streams.cli.main(["simulate", *argv]) == 1
    assert message in capsys.readouterr().err


@pytest.mark.usefixtures("cli")
def test_an_unparseable_start_date_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as exit_:
        streams.cli.main(["simulate", "--start", "March", "--out", "x"])
    assert exit_.value.code == 2


def test_memory_stays_bounded_however_many_days() -> None:
    simulation = Simulation(Settings(10, 250, 2, date(2026, 1, 5), scenario_rate=0.3))
    held = []
    for _ in simulation.run():
        held.append(
            (
                len(simulation.emitter._buckets),
                len(simulation.schedule._blocks),
                len(simulation.planner._registry),
                len(simulation.clock.dates),
            )
        )
    buckets, blocks, registry, dates = (max(column) for column in zip(*held, strict=True))
    # Roughly the look-ahead plus a few days behind, whatever the length of the run.
    assert buckets <= LOOKAHEAD + 3
    assert blocks <= 10 * 6
    assert registry <= 10 * 100
    assert dates <= 2 * LOOKAHEAD


class FakeProducer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, bytes]] = []
        self.flushed = 0

    def send(self, topic: str, value: bytes, key: bytes) -> Any:
        self.sent.append((topic, key, value))

    def flush(self, timeout: float | None = None) -> None:
        self.flushed += 1


def test_publish_sends_reference_data_then_events_shifted_to_now() -> None:
    simulation = Simulation(Settings(20, 2, 1, date(2026, 1, 5), scenario_rate=0))
    producer = FakeProducer()
    now = 1_900_000_000.0
    sent = publish(
        simulation, producer, prefix="t", rate=1e9, now=lambda: now, sleep=lambda _: None
    )
    topics = [topic for topic, _, _ in producer.sent]
    assert topics[:20] == ["t.officers.v1"] * 20
    assert {"t.sites.v1", "t.watchlist.v1", "t.badge.v1", "t.access.v1", "t.roster.v1"} <= set(
        topics
    )
    events = [
        (key, orjson.loads(value))
        for topic, key, value in producer.sent
        if topic.count(".") == 2 and topic.split(".")[1] in ("badge", "access", "roster")
    ]
    assert sent == len(events)
    assert all(key.decode() == event["officer_id"] for key, event in events)
    times = [parse_instant(event["event_time"]) for _, event in events]
    first_live = next(t for t in times if t >= now)
    assert first_live == int(now)
    assert min(times) < now  # the roster planned ahead goes out first, in the past
    assert producer.flushed >= 2


def test_publish_stops_cleanly_when_interrupted() -> None:
    simulation = Simulation(Settings(20, 3, 1, date(2026, 1, 5), scenario_rate=0))
    producer = FakeProducer()
    calls = [0]

    def sleep(_: float) -> None:
        calls[0] += 1
        if calls[0] == 50:
            raise KeyboardInterrupt

    sent = publish(simulation, producer, prefix="t", rate=1.0, now=lambda: 0.0, sleep=sleep)
    events = [t for t, _, _ in producer.sent if t.split(".")[1] in ("badge", "access", "roster")]
    assert calls[0] == 50
    assert sent == len(events)
    assert producer.flushed >= 2
