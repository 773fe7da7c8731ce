"""`replay --to-kafka` without a broker: order, keys, topics, reference first, pacing, stop."""

from __future__ import annotations

import threading
from pathlib import Path

import orjson
import pytest

import streams.cli
from streams.replay.deadletters import read_dead_letters
from streams.replay.to_kafka import ListProducer, Pacer, PublishOptions, publish
from tests.unit.replay.support import event_line, write_jsonl


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _reference(folder: Path) -> Path:
    folder.mkdir()
    officer = {
        "officer_id": "P1",
        "unit_id": "U1",
        "role": "constable",
        "rank": "PC",
        "home_site_id": "S1",
        "line_manager_id": "P9",
        "active": True,
    }
    site = {"site_id": "S1", "name": "North", "lat": 51.5, "lon": -0.1, "zones": []}
    entry = {"record_ref": "r:1", "category": "vip", "expires_at": None}
    write_jsonl(folder / "officers.jsonl", [orjson.dumps(officer), b"{broken"])
    write_jsonl(folder / "sites.jsonl", [orjson.dumps(site)])
    write_jsonl(folder / "watchlist.jsonl", [orjson.dumps(entry)])
    return folder


def test_events_merged_in_event_time_order_keyed_by_officer_reference_first(
    tmp_path: Path,
) -> None:
    lines = [event_line(i, minutes=i, officer=f"P{i % 3 + 1}") for i in range(30)]
    a = write_jsonl(tmp_path / "a.jsonl", [*lines[0::2], b"not json"])
    b = write_jsonl(tmp_path / "b.jsonl", lines[1::2])
    producer = ListProducer()
    summary = publish(
        PublishOptions(
            inputs=(a, b),
            dead_letter=tmp_path / "dead.jsonl",
            prefix="p",
            reference=_reference(tmp_path / "ref"),
        ),
        producer,
    )
    reference = producer.sent[:3]
    assert [(topic, key) for topic, key, _ in reference] == [
        ("p.officers.v1", b"P1"),
        ("p.sites.v1", b"S1"),
        ("p.watchlist.v1", b"r:1"),
    ]
    events = producer.sent[3:]
    assert [value for _, _, value in events] == lines  # the original lines, in time order
    assert all(topic == "p.access.v1" for topic, _, _ in events)
    assert [key for _, key, _ in events] == [orjson.loads(v)["officer_id"].encode() for v in lines]
    assert summary.events == 30 and summary.bad_lines == 1 and summary.reference_bad_lines == 1
    assert summary.reference_records == {"officers": 1, "sites": 1, "watchlist": 1}
    letters = list(read_dead_letters(tmp_path / "dead.jsonl"))
    assert sorted(letter.original for letter in letters) == [b"not json", b"{broken"]


def test_speed_paces_by_event_time() -> None:
    clock = FakeClock()
    pacer = Pacer(speed=60.0, rate=None, clock=clock, sleep=clock.sleep, stop=None)
    for minutes in (0, 1, 1, 3):  # event times, in minutes
        assert pacer.wait(1_000_000.0 + minutes * 60)
    # 3 minutes of event time at 60x real time: 3 s, in naps no longer than 0.2 s.
    assert clock.now - 100.0 == pytest.approx(3.0)
    assert max(clock.slept) <= 0.2


def test_rate_paces_by_count_and_neither_does_not_wait() -> None:
    clock = FakeClock()
    pacer = Pacer(speed=None, rate=4.0, clock=clock, sleep=clock.sleep, stop=None)
    for _ in range(9):
        pacer.wait(0.0)
    assert clock.now - 100.0 == pytest.approx(2.0)
    free = FakeClock()
    unpaced = Pacer(speed=None, rate=None, clock=free, sleep=free.sleep, stop=None)
    assert all(unpaced.wait(t) for t in (0.0, 3600.0)) and free.slept == []


def test_a_stop_request_ends_between_two_events_and_flushes(tmp_path: Path) -> None:
    events = write_jsonl(tmp_path / "e.jsonl", [event_line(i, minutes=i) for i in range(10)])
    stop = threading.Event()
    clock = FakeClock()

    def sleep(seconds: float) -> None:
        clock.sleep(seconds)
        if clock.now > 103.0:
            stop.set()

    producer = ListProducer()
    summary = publish(
        PublishOptions(inputs=(events,), dead_letter=tmp_path / "d.jsonl", speed=60.0),
        producer,
        stop=stop,
        clock=clock,
        sleep=sleep,
    )
    assert summary.interrupted and 3 <= summary.events < 10
    assert len(producer.sent) == summary.events and producer.flushes >= 1


def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = write_jsonl(tmp_path / "e.jsonl", [event_line(1, minutes=0)])
    for extra in (
        ["--to-kafka", "--speed", "2", "--rate", "3"],
        ["--to-kafka", "--out", str(tmp_path / "x.jsonl")],
        ["--to-kafka", "--rate", "0"],
        ["--out", str(tmp_path / "x.jsonl"), "--speed", "2"],
    ):
        with pytest.raises(SystemExit) as exit_:
            streams.cli.main(["replay", str(events), *extra])
        assert exit_.value.code == 2, extra
    capsys.readouterr()
