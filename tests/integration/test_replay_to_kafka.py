"""`watchfloor replay --to-kafka` against the real broker, and replay equals live."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from kafka import KafkaConsumer, TopicPartition

import streams.cli
from detectors.config import load_config
from schemas.codec import decode_event
from streams.replay.deadletters import read_dead_letters
from streams.replay.engine import pipeline_factory
from streams.replay.reference import load_reference
from streams.replay.run import ReplayOptions, replay
from streams.replay.to_kafka import PublishOptions, kafka_producer, publish
from tests.integration.busy_week import CLOCK_OFFICER
from tests.integration.service_support import Deployment
from tests.kafka_support import wait_until
from tests.unit.replay.support import SimulatedForce, simulate, write_jsonl

Record = tuple[bytes | None, bytes, int]  # key, value, timestamp (ms)


@pytest.fixture(scope="module")
def force(tmp_path_factory: pytest.TempPathFactory) -> SimulatedForce:
    """20 officers over 4 days with many scenarios: ~6,000 events, a handful of alerts."""
    return simulate(tmp_path_factory.mktemp("force"), officers=20, days=4, seed=5, rate=3.0)


def _read(bootstrap: str, topic: str, *, expected: int, deadline_s: float = 60.0) -> list[Record]:
    """Every message of `topic` with its timestamp, once `expected` have arrived (and 1 s more)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        ids = wait_until(lambda: consumer.partitions_for_topic(topic), what=f"topic {topic}")
        partitions = [TopicPartition(topic, p) for p in sorted(ids)]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        out: list[Record] = []
        end = time.monotonic() + deadline_s
        settle: float | None = None
        while time.monotonic() < end and (settle is None or time.monotonic() < settle):
            for records in consumer.poll(timeout_ms=200).values():
                out.extend((r.key, r.value, r.timestamp) for r in records)
            if settle is None and len(out) >= expected:
                settle = time.monotonic() + 1.0
        return out
    finally:
        consumer.close()


def test_to_kafka_publishes_reference_first_then_every_good_event_keyed_by_officer(
    deployment: Deployment,
    force: SimulatedForce,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    good = list(force.lines[:400])
    bad = [b"not json at all", b'{"schema_version": 1, "type": "badge"}']
    events = write_jsonl(tmp_path / "events.jsonl", [*good[:100], bad[0], *good[100:], bad[1]])
    dead = tmp_path / "dead.jsonl"
    code = streams.cli.main(
        [
            "replay",
            str(events),
            "--to-kafka",
            "--bootstrap",
            deployment.bootstrap,
            "--topic-prefix",
            deployment.prefix,
            "--reference",
            str(force.reference),
            "--dead-letter",
            str(dead),
            "--json",
        ]
    )
    assert code == 0
    summary = orjson.loads(capsys.readouterr().out.splitlines()[-1])
    assert summary["events"] == len(good) and summary["bad_lines"] == 2

    # Events: each good line once, as it was, on its type's topic, keyed by officer, and in
    # event-time order per officer (the order one partition keeps).
    published: dict[str, list[Record]] = {}
    wanted: dict[str, list[bytes]] = {}
    for line in good:
        wanted.setdefault(str(orjson.loads(line)["type"]), []).append(line)
    for kind in ("badge", "access", "roster"):
        topic = deployment.settings.topic(kind)
        published[kind] = _read(deployment.bootstrap, topic, expected=len(wanted.get(kind, [])))
        assert sorted(value for _, value, _ in published[kind]) == sorted(wanted.get(kind, []))
        for key, value, _ in published[kind]:
            assert key == decode_event(value).officer_id.encode()
    by_officer: dict[bytes, list[bytes]] = {}
    for records in published.values():
        for key, value, _ in records:
            assert key is not None
            by_officer.setdefault(key, []).append(value)
    for key, values in by_officer.items():
        expected = [line for line in good if decode_event(line).officer_id.encode() == key]
        assert sorted(values, key=expected.index) == expected  # nothing extra, nothing lost
        # Within each topic (one partition per key) the order is the file's.
        for records in published.values():
            in_topic = [v for k, v, _ in records if k == key]
            assert in_topic == [line for line in expected if line in set(in_topic)]

    # Reference data: every record, keyed, and all of it before the first event.
    first_event = min(ts for records in published.values() for _, _, ts in records)
    for entity, key_field in (
        ("officers", "officer_id"),
        ("sites", "site_id"),
        ("watchlist", "record_ref"),
    ):
        lines = [
            line for line in (force.reference / f"{entity}.jsonl").read_bytes().splitlines() if line
        ]
        records = _read(
            deployment.bootstrap, deployment.settings.topic(entity), expected=len(lines)
        )
        assert sorted(value for _, value, _ in records) == sorted(lines)
        assert all(key == str(orjson.loads(value)[key_field]).encode() for key, value, _ in records)
        assert max(ts for _, _, ts in records) <= first_event

    # Bad lines: in the dead-letter file with file and line, and nowhere on Kafka.
    letters = list(read_dead_letters(dead))
    assert [letter.original for letter in letters] == bad
    assert [letter.origin.line for letter in letters] == [101, 402]  # type: ignore[union-attr]


def test_to_kafka_says_clearly_when_the_broker_cannot_be_reached(
    force: SimulatedForce, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from streams.local_kafka import free_port

    started = time.monotonic()
    code = streams.cli.main(
        ["replay", str(force.events), "--to-kafka", "--bootstrap", f"127.0.0.1:{free_port()}"]
    )
    assert code == 1
    assert "cannot be reached" in capsys.readouterr().err
    assert time.monotonic() - started < 30


def _clock_line(force: SimulatedForce) -> bytes:
    """One badge swipe of an officer unknown to the reference, 60 days after the last event."""
    template = next(line for line in force.lines if orjson.loads(line)["type"] == "badge")
    last = max(decode_event(line).event_time.timestamp() for line in force.lines)
    swipe = orjson.loads(template)
    swipe.update(
        event_id="clock-1",
        officer_id=CLOCK_OFFICER,
        event_time=datetime.fromtimestamp(last + 60 * 86400, UTC).isoformat(),
    )
    return orjson.dumps(swipe)


def test_replay_equals_live(deployment: Deployment, force: SimulatedForce, tmp_path: Path) -> None:
    clock = write_jsonl(tmp_path / "clock.jsonl", [_clock_line(force)])
    inputs = (force.events, clock)

    # Offline: the same inputs, clock swipe included, through the pure core.
    offline_out = tmp_path / "offline"
    offline_out.mkdir()
    replay(
        ReplayOptions(
            inputs=inputs,
            out=offline_out / "alerts.jsonl",
            dead_letter=offline_out / "dead.jsonl",
            progress=False,
        ),
        pipeline_factory(load_config(), load_reference(force.reference).reference),
    )
    offline_all = (offline_out / "alerts.jsonl").read_bytes().splitlines()
    offline = sorted(a for a in offline_all if orjson.loads(a)["officer_id"] != CLOCK_OFFICER)
    assert len(offline) >= 3, "the input should raise a fair number of alerts"

    # Live: reference and events through --to-kafka's publisher, then one worker.
    producer = kafka_producer(deployment.bootstrap)
    try:
        summary = publish(
            PublishOptions(
                inputs=inputs,
                dead_letter=tmp_path / "live-dead.jsonl",
                prefix=deployment.prefix,
                reference=force.reference,
            ),
            producer,
        )
    finally:
        producer.close(timeout=10)  # type: ignore[attr-defined]
    assert summary.events == len(force.lines) + 1 and summary.bad_lines == 0
    worker = deployment.start_worker()
    live_all = deployment.read_alerts(expected=len(offline_all), deadline_s=300, settle_s=5)
    live = sorted(a for a in live_all if orjson.loads(a)["officer_id"] != CLOCK_OFFICER)
    assert live == offline, _difference(live, offline) + "\n" + worker.log_tail()
    assert worker.stop() == 0, worker.log_tail()


def _difference(live: list[bytes], offline: list[bytes]) -> str:
    def by_id(alerts: list[bytes]) -> dict[str, bytes]:
        return {str(orjson.loads(a)["alert_id"]): a for a in alerts}

    live_ids, offline_ids = by_id(live), by_id(offline)
    missing = sorted(set(offline_ids) - set(live_ids))
    extra = sorted(set(live_ids) - set(offline_ids))
    changed = sorted(i for i in set(live_ids) & set(offline_ids) if live_ids[i] != offline_ids[i])
    return (
        f"live {len(live)} alerts, offline {len(offline)}; missing live {missing}; "
        f"extra live {extra}; same id, other bytes {changed}"
    )
