"""The live service over the real broker gives exactly the pure core's alerts."""

from __future__ import annotations

import orjson

from schemas.codec import decode_dead_letter, encode_alert
from schemas.deadletter import KafkaOrigin
from tests.integration.busy_week import busy_week, event_lines, expected_alerts
from tests.integration.service_support import Deployment, alert_difference


def test_live_alerts_equal_the_pure_core_for_the_same_events(deployment: Deployment) -> None:
    sc = busy_week()
    deployment.publish_reference(sc.officers, sc.sites, sc.watchlist)
    worker = deployment.start_worker()
    lines = event_lines(sc)
    # Half the producers do not key their messages; the worker re-keys by officer.
    deployment.publish_events(lines[::2], keyed=True)
    deployment.publish_events(lines[1::2], keyed=False)

    expected = sorted(encode_alert(alert) for alert in expected_alerts(sc))
    live = sorted(deployment.read_alerts(expected=len(expected)))
    assert live == expected, worker.log_tail()
    assert worker.stop() == 0, worker.log_tail()
    # A clean stop: nothing failed on the way out (a commit after the final one once did,
    # and crashed the stopping worker under load).
    assert "Traceback" not in worker.log_path.read_text(errors="replace"), worker.log_tail()


def test_bad_input_goes_to_the_dead_letter_topic_and_the_rest_is_unaffected(
    deployment: Deployment,
) -> None:
    sc = busy_week()
    deployment.publish_reference(sc.officers, sc.sites, sc.watchlist)
    deployment.start_worker()
    lines = event_lines(sc)
    bad = [
        b"not json at all",
        b'{"schema_version": 1, "type": "badge"}',
        b'{"schema_version": 9, "type": "badge", "event_id": "x", "officer_id": "P1"}',
        b"\xff\xfe invalid utf-8",
        lines[3].replace(b'"event_time":"2026', b'"event_time":"1826'),
    ]
    mixed = [*lines[:10], *bad, *lines[10:], lines[5], lines[7]]  # two duplicates too
    deployment.publish_events(mixed)

    expected = sorted(encode_alert(alert) for alert in expected_alerts(sc))
    assert sorted(deployment.read_alerts(expected=len(expected))) == expected
    letters = [decode_dead_letter(value) for _, value in deployment.read_topic("deadletter")]
    assert sorted(letter.original for letter in letters) == sorted(bad)
    assert all(letter.reason and isinstance(letter.origin, KafkaOrigin) for letter in letters)
    reasons = {letter.original: letter.reason for letter in letters}
    assert "schema_version" in reasons[bad[2]]
    assert "event_time" in reasons[bad[4]]
    assert orjson.loads(lines[3])["event_id"]  # the good original still decoded fine


def test_two_workers_in_one_group_give_exactly_the_alerts_of_one(deployment: Deployment) -> None:
    sc = busy_week()
    deployment.publish_reference(sc.officers, sc.sites, sc.watchlist)
    # A backlog, so that the second worker joins while the first is at work (a rebalance
    # mid-stream) and no partition is marked idle before its events are in.
    deployment.publish_events(event_lines(sc))
    first = deployment.start_worker("w1")
    second = deployment.start_worker("w2")

    expected = sorted(encode_alert(alert) for alert in expected_alerts(sc))
    live = sorted(deployment.read_alerts(expected=len(expected), deadline_s=90))
    assert live == expected, alert_difference(live, expected)
    # Both took part: the group split the partitions between them (Faust starts a
    # transactional producer per assigned partition group, and says so).
    for worker in (first, second):
        assert b"assigned partitions" in worker.log_path.read_bytes(), worker.log_tail()
