"""`watchfloor tail` prints committed alerts from both alert topics, and skips bad ones."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import orjson
from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic

REPO_ROOT = Path(__file__).resolve().parents[2]


def _alert(alert_id: str, category: str) -> bytes:
    risk = {"score": 0.0, "contributions": []}
    return orjson.dumps(
        {
            "schema_version": 1,
            "alert_id": alert_id,
            "officer_id": "P1",
            "detector": "insufficient_rest" if category == "welfare" else "anti_passback",
            "detector_version": 1,
            "category": category,
            "severity": "low",
            "score": 1.0,
            "event_time": "2026-03-10T22:40:00+00:00",
            "window": {"start": "2026-03-10T17:00:00+00:00", "end": "2026-03-10T21:00:00+00:00"},
            "summary": f"Alert {alert_id}.",
            "evidence": ["e1"],
            "explanation": {"observed": {}, "own_normal": {}, "peer_normal": {}, "threshold": {}},
            "risk": risk,
            "config_hash": "sha256:0",
        }
    )


def test_tail_prints_committed_alerts_of_both_categories_and_skips_bad_ones(
    kafka_bootstrap: str, unique_name: Callable[[str], str]
) -> None:
    prefix = unique_name("prefix")
    topics = [f"{prefix}.alerts.integrity.v1", f"{prefix}.alerts.welfare.v1"]
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    admin.create_topics([NewTopic(name, 2, 1) for name in topics], timeout_ms=30_000)
    admin.close()
    try:
        producer = KafkaProducer(bootstrap_servers=kafka_bootstrap)
        producer.send(topics[0], key=b"P1", value=_alert("a:1", "integrity"))
        producer.send(topics[0], key=b"P1", value=b"{not an alert")
        producer.send(topics[1], key=b"P1", value=_alert("a:2", "welfare"))
        producer.flush(timeout=30)
        producer.close()

        command = [
            sys.executable,
            "-m",
            "streams.cli",
            "tail",
            "--bootstrap",
            kafka_bootstrap,
            "--topic-prefix",
            prefix,
            "--from-beginning",
            "--idle-timeout",
            "5",
        ]
        as_json = subprocess.run(
            [*command, "--json"],
            cwd=REPO_ROOT,
            env=os.environ.copy(),
            capture_output=True,
            timeout=60,
            check=False,
        )
        assert as_json.returncode == 0, as_json.stderr
        ids = sorted(orjson.loads(line)["alert_id"] for line in as_json.stdout.splitlines())
        assert ids == ["a:1", "a:2"]
        assert b"skipped an undecodable alert" in as_json.stderr

        readable = subprocess.run(
            [*command, "--category", "welfare", "--limit", "1"],
            cwd=REPO_ROOT,
            env=os.environ.copy(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert readable.returncode == 0, readable.stderr
        assert "welfare LOW insufficient_rest officer P1" in readable.stdout
        assert "integrity" not in readable.stdout
    finally:
        admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
        admin.delete_topics(topics, timeout_ms=30_000)
        admin.close()


def test_tail_of_a_missing_topic_says_so(kafka_bootstrap: str) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "streams.cli",
            "tail",
            "--bootstrap",
            kafka_bootstrap,
            "--topic-prefix",
            "no-such-prefix-here",
            "--idle-timeout",
            "1",
        ],
        cwd=REPO_ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "does not exist" in result.stderr
