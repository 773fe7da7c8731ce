"""Faults at the input (issue 9): fuzzed bad messages, duplicates, reordering and late events.

Both tests run a real `watchfloor serve` worker against the session's broker and compare its
committed alerts with the pure core's for the same events. The input is published before the
worker starts: a partition the worker has read to its end counts as idle once it has stayed
there for the worker's `--idle-after`, and one that gets more events afterwards could see its
watermark overtaken by the others; with the input all there, the only disorder is the one the
test makes on purpose.
"""

from __future__ import annotations

import hashlib
import random
import time
from datetime import datetime

import orjson
import pytest

from detectors.pipeline import Pipeline
from detectors.testing import Scenario
from schemas.alerts import Alert
from schemas.codec import (
    EVENT_MAX_BYTES,
    DecodeError,
    decode_dead_letter,
    decode_event,
    encode_alert,
)
from schemas.deadletter import ORIGINAL_MAX_BYTES, DeadLetter, KafkaOrigin
from schemas.events import Event
from tests.integration.busy_week import CLOCK_OFFICER, busy_week, event_lines, expected_alerts
from tests.integration.service_support import Deployment, PeakRss, WorkerProcess, metric_total
from tests.kafka_support import wait_until

pytestmark = pytest.mark.slow

INPUT_ENTITIES = ("badge", "access", "roster")
BAD_COUNT = 10_000
# Kafka's default message limit is 1 MB (topics' max.message.bytes 1,048,588, kafka-python's
# max_request_size 1,048,576, which counts the key and the record's overhead too). Every
# record the tests publish stays under it, or the producer would refuse it before the worker
# could see it.
INPUT_MESSAGE_LIMIT = 1_048_576
# The largest huge field: as large as the input topic allows with the rest of the event, far
# past the event size limit. A dead letter keeps the first ORIGINAL_MAX_BYTES of such an
# input (with its length and digest), so it fits a default-sized dead-letter topic.
HUGE_MAX_BYTES = 1_000_000
# The worker's RSS may grow by this much while it rejects the 10,000 bad messages (~40 MB
# of them); measured here: ~40 MB over ~170 MB at "ready". Generous on purpose: aiokafka's
# fetch buffers (up to 50 MB a fetch), the transactional producer's pending dead letters (up
# to ~100 KB each) and CPython's allocator, which keeps freed arenas, all legitimately raise RSS.
# So on its own it catches gross leaks only: keeping every rejected message with its dead letter
# grew RSS by 152 MB here and passed it. The second-half limit below catches that.
RSS_GROWTH_LIMIT_BYTES = 200 * 1024 * 1024
# Buffers and arenas reach their working size in the first half of the bad messages; in the
# second half the peak RSS must barely move. Measured here: +3.3 MB in the second half (twice,
# the peak going 205.8 -> 209.1 MB), and +69.7 MB with every rejected message and its dead
# letter kept on purpose. A leak of a few bytes a message needs a longer soak than this budget.
SECOND_HALF_GROWTH_LIMIT_BYTES = 25 * 1024 * 1024


# ---------------------------------------------------------------------------- the good input


def _fault_week() -> Scenario:
    """The busy week (its alerts) plus a day's work of look-ups for eight officers: ~1,100 events.

    Officers P1-P5 are the busy week's; P6-P8 work day shifts without misconduct. The clock
    officer's swipe on 25 March stays the last event.
    """
    sc = busy_week()
    for day in ("09", "10", "11", "12"):
        for officer in ("P6", "P7", "P8"):
            sc.shift(officer, f"2026-03-{day}T08:00", f"2026-03-{day}T18:00")
            sc.badge(officer, f"2026-03-{day}T07:55", site="S2")
            sc.badge(officer, f"2026-03-{day}T17:58", site="S2", direction="out")
        for n, officer in enumerate(("P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8")):
            if officer == "P3" and day in ("11", "12"):
                continue  # off sick: the busy week's one badge swipe is the misconduct
            site = "S2" if officer in ("P6", "P7", "P8") else "S1"
            for k in range(30):
                minute = 9 * 60 + 30 + 13 * k + n
                sc.lookup(
                    officer,
                    f"2026-03-{day}T{minute // 60:02d}:{minute % 60:02d}",
                    site=site,
                    case=f"CR/2026/{(k % 3) + 1}",
                )
    return sc


def _pure_alerts(sc: Scenario, events: list[Event]) -> tuple[list[bytes], Pipeline]:
    """The pure core's alerts for `events` in this order (the clock officer's left out)."""
    pipeline = Pipeline(sc.config(), sc.reference())
    alerts: list[Alert] = [a for event in events for a in pipeline.feed(event)]
    return sorted(encode_alert(a) for a in alerts if a.officer_id != CLOCK_OFFICER), pipeline


# ---------------------------------------------------------------------------- bad input


def _is_rejected(raw: bytes) -> bool:
    try:
        decode_event(raw)
    except DecodeError:
        return True
    return False


def _rejection(raw: bytes) -> str:
    try:
        decode_event(raw)
    except DecodeError as error:
        return str(error)
    return "(accepted)"


def _mutate(rng: random.Random, good: list[bytes], kind: str) -> bytes:
    """One bad message of `kind`, derived from a good event or made from nothing."""
    line = rng.choice(good)
    doc = orjson.loads(line)
    if kind == "random_bytes":
        return rng.randbytes(rng.randrange(0, 600))
    if kind == "truncated_json":
        # Any proper prefix of a JSON object is malformed.
        return line[: rng.randrange(0, len(line))]
    if kind == "wrong_types":
        field = rng.choice(sorted(doc))
        doc[field] = rng.choice(
            [None, 42, -1, 3.5, True, "", "x", [], [1, "a"], {"a": 1}, "<big>", "2026"]
        )
        # An integer past 64 bits, which orjson will not write: spliced in as text.
        return orjson.dumps(doc).replace(b'"<big>"', b"1" + b"0" * 30)
    if kind == "huge_fields":
        # Mostly 1 to 16 KiB; one in a hundred as large as the input topic allows.
        size = HUGE_MAX_BYTES if rng.random() < 0.01 else rng.randrange(1024, 16 * 1024)
        field = rng.choice([*sorted(doc), "comment"])
        char = rng.choice(["x", "é", "\u2603", "9"])
        doc[field] = char * (size // len(char.encode()))
        return orjson.dumps(doc)
    if kind == "deep_nesting":
        # Mostly past any sane depth but small; one in a hundred 100,000 deep (~100-500 KB).
        depth = 100_000 if rng.random() < 0.01 else rng.randrange(100, 3_000)
        opener, closer = rng.choice([(b"[", b"]"), (b'{"a":', b"}")])
        nested = opener * depth + b"1" + closer * depth
        if rng.random() < 0.5:
            return nested
        dropped = str(rng.choice(sorted(doc)))
        head = orjson.dumps({k: v for k, v in doc.items() if k != dropped})
        return head[:-1] + b',"' + dropped.encode() + b'":' + nested + b"}"
    if kind == "invalid_utf8":
        # A byte that can never start or continue valid UTF-8 here, inside a string value.
        # Right after the opening quote of a value, so the damage is inside a string value.
        at = rng.choice([i for i in range(1, len(line)) if line[i - 1 : i + 1] == b':"'])
        bad = rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\x80"])
        return line[: at + 1] + bad + line[at + 1 :]
    if kind == "absurd_dates":
        field = rng.choice(
            [f for f in ("event_time", "period_start", "period_end") if f in doc] or ["event_time"]
        )
        doc[field] = rng.choice(
            [
                "1826-03-10T08:00:00+00:00",
                "0001-01-01T00:00:00+00:00",
                "9999-12-31T23:59:59+00:00",
                "2026-02-30T08:00:00+00:00",
                "2026-13-01T08:00:00+00:00",
                "2026-03-10T25:00:00+00:00",
                "2026-03-10T08:00:00",
                "2026-03-10T08:00:00+25:00",
                "yesterday",
                "",
                1773129600,
                "+275760-09-13T00:00:00Z",
            ]
        )
        return orjson.dumps(doc)
    raise ValueError(kind)


BAD_KINDS = (
    "random_bytes",
    "truncated_json",
    "wrong_types",
    "huge_fields",
    "deep_nesting",
    "invalid_utf8",
    "absurd_dates",
)


def _bad_messages(good: list[bytes], count: int, seed: int) -> list[bytes]:
    """`count` messages the decoder must reject, every kind in turn; deterministic per seed.

    A mutation that happens to leave a valid event (null for an optional field, say) is drawn
    again: the test needs every one of them to be bad. Every string field of an event is
    bounded, so a huge value of any is bad; a huge unknown field ("comment") is bad only past
    the event size limit.
    """
    rng = random.Random(seed)
    out: list[bytes] = []
    for i in range(count):
        kind = BAD_KINDS[i % len(BAD_KINDS)]
        while not _is_rejected(raw := _mutate(rng, good, kind)):
            pass
        out.append(raw)
    return out


def _route(rng: random.Random, raw: bytes) -> tuple[str, bytes | None]:
    """A topic and key for a bad message: where its `type` says if it says, else anywhere;
    keyed by its officer (when key and value together fit the topic), by garbage, or not at
    all."""
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError:
        doc = None
    entity = rng.choice(INPUT_ENTITIES)
    key: bytes | None = rng.choice([None, rng.randbytes(8)])
    if isinstance(doc, dict):
        if doc.get("type") in INPUT_ENTITIES:
            entity = str(doc["type"])
        if isinstance(doc.get("officer_id"), str) and rng.random() < 0.5:
            officer = doc["officer_id"].encode()
            if len(officer) + len(raw) < INPUT_MESSAGE_LIMIT - 1024:
                key = officer
    return entity, key


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------------------- the worker


def _pid(worker: WorkerProcess) -> int:
    assert worker.process is not None
    return worker.process.pid


def _alive(worker: WorkerProcess) -> bool:
    return worker.process is not None and worker.process.poll() is None


# ---------------------------------------------------------------------------- tests


def test_fuzzed_bad_messages_are_all_dead_lettered_and_the_good_ones_give_the_pure_alerts(
    deployment: Deployment,
) -> None:
    sc = _fault_week()
    good = event_lines(sc)
    expected, _ = _pure_alerts(sc, sc.events())
    assert expected, "the good events must produce alerts for the comparison to mean anything"
    bad = _bad_messages(good, BAD_COUNT, seed=9)
    assert len(bad) == BAD_COUNT

    # Good ones in event-time order (half keyed by officer, half not), bad ones at random
    # places between them, on every input topic, under every kind of key.
    rng = random.Random(90)
    records: list[tuple[str, bytes | None, bytes]] = [
        (orjson.loads(line)["type"], orjson.loads(line)["officer_id"].encode(), line)
        if i % 2 == 0
        else (orjson.loads(line)["type"], None, line)
        for i, line in enumerate(good)
    ]
    for raw in bad:
        records.insert(rng.randrange(0, len(records)), (*_route(rng, raw), raw))
    # Some are over the event size limit and some over what a dead letter keeps, yet every
    # record fits the input topic, so each one reaches the worker.
    assert sum(len(raw) > EVENT_MAX_BYTES for raw in bad) > 5
    assert sum(len(raw) > ORIGINAL_MAX_BYTES for raw in bad) > 5
    assert max(len(key or b"") + len(value) for _, key, value in records) < INPUT_MESSAGE_LIMIT
    deployment.publish_reference(sc.officers, sc.sites, sc.watchlist)
    deployment.publish_records(records)
    began = time.monotonic()
    worker = deployment.start_worker()
    sampler = PeakRss(_pid(worker), interval_s=0.25)
    try:
        wait_until(
            lambda: metric_total(worker.web_port, "watchfloor_dead_letters_total") >= BAD_COUNT / 2,
            what="half the bad messages dead-lettered",
            deadline_s=180,
        )
        peak_at_half = sampler.peak
        live = sorted(deployment.read_alerts(expected=len(expected), deadline_s=180))
        letters = [
            decode_dead_letter(value)
            for _, value in deployment.read_topic(
                "deadletter", expected=BAD_COUNT, idle_s=20, deadline_s=120
            )
        ]
        wait_until(
            lambda: metric_total(worker.web_port, "watchfloor_events_processed_total") >= len(good),
            what=f"{len(good)} good events processed",
            deadline_s=60,
        )
    finally:
        peak = sampler.stop()
    elapsed = time.monotonic() - began

    assert _alive(worker), f"the worker died:\n{worker.log_tail()}"
    assert live == expected, worker.log_tail()
    # Every good event reached the core exactly once (none lost to a neighbouring bad one).
    assert metric_total(worker.web_port, "watchfloor_events_processed_total") == len(good)
    # Exactly the bad messages, each once, byte for byte (their first ORIGINAL_MAX_BYTES, with
    # the whole one's length and digest, for the longer ones), each saying why and where from.
    assert len(letters) == BAD_COUNT, f"{len(letters)} dead letters for {BAD_COUNT} bad messages"
    assert sorted(str(letter.original_sha256) for letter in letters) == sorted(map(_sha256, bad))
    by_digest = {_sha256(raw): raw for raw in bad}
    originals = [by_digest[str(letter.original_sha256)] for letter in letters]
    assert all(letter.matches(raw) for letter, raw in zip(letters, originals, strict=True))
    assert [letter.original for letter in letters if not letter.truncated] == [
        raw for raw in originals if len(raw) <= ORIGINAL_MAX_BYTES
    ]
    assert sum(letter.truncated for letter in letters) == sum(
        len(raw) > ORIGINAL_MAX_BYTES for raw in bad
    )
    # The reason is the decoder's own for those bytes (what is wrong, where), never blank.
    assert all(letter.reason.strip() for letter in letters)
    assert all(
        letter.reason == _rejection(raw) for letter, raw in zip(letters, originals, strict=True)
    )
    inputs = {deployment.settings.topic(entity) for entity in INPUT_ENTITIES}
    assert all(
        isinstance(letter.origin, KafkaOrigin) and letter.origin.topic in inputs
        for letter in letters
    )
    assert metric_total(worker.web_port, "watchfloor_dead_letters_total") == BAD_COUNT
    growth = peak - sampler.start
    print(
        f"\nworker RSS {sampler.start / 2**20:.0f} MB at ready, peak {peak / 2**20:.0f} MB; "
        f"{peak_at_half / 2**20:.1f} MB when half the bad messages were dead-lettered; "
        f"{len(good)} good and {BAD_COUNT} bad ({sum(map(len, bad)) / 2**20:.0f} MB) "
        f"through in {elapsed:.0f} s"
    )
    assert growth < RSS_GROWTH_LIMIT_BYTES, (
        f"RSS grew by {growth / 2**20:.0f} MB (from {sampler.start / 2**20:.0f} MB) "
        f"in {elapsed:.0f} s"
    )
    second_half = peak - peak_at_half
    assert second_half < SECOND_HALF_GROWTH_LIMIT_BYTES, (
        f"RSS grew by {second_half / 2**20:.1f} MB in the second half of the bad messages "
        f"(from {peak_at_half / 2**20:.1f} MB): more as more come, a leak"
    )
    assert worker.stop() == 0, worker.log_tail()


# Well inside the allowed lateness (300 s in detectors/defaults.toml): an event may come after
# others up to this much newer than itself.
SHUFFLE_SECONDS = 280.0
DUPLICATE_SHARE = 0.15
# Officers whose events are published keyed (and may be duplicated); the others' go unkeyed,
# to any partition. A retry resends to the same partition right behind the original: that is
# the duplicate the core's memory of the last few event ids is for.
KEYED_OFFICERS = frozenset({"P1", "P2", "P3", "P4", "P5", CLOCK_OFFICER})


def _record(line: bytes) -> tuple[str, bytes | None, bytes]:
    doc = orjson.loads(line)
    officer = str(doc["officer_id"])
    return str(doc["type"]), officer.encode() if officer in KEYED_OFFICERS else None, line


def _shuffled_with_duplicates(lines: list[bytes], seed: int) -> list[bytes]:
    """`lines` (in event-time order) reordered so that no event comes after one more than
    `SHUFFLE_SECONDS` newer, with some keyed events sent twice back to back."""
    rng = random.Random(seed)
    times = [decode_event(line).event_time.timestamp() for line in lines]
    # Sorting by time plus a jitter in [0, S) puts f before e only if t_f <= t_e + S.
    order = sorted(range(len(lines)), key=lambda i: times[i] + rng.uniform(0, SHUFFLE_SECONDS))
    out: list[bytes] = []
    for i in order:
        out.append(lines[i])
        if _record(lines[i])[1] is not None and rng.random() < DUPLICATE_SHARE:
            out.append(lines[i])
    return out


def _late_lines(sc: Scenario) -> list[bytes]:
    """Events from inside the week, sent once the clock has moved a fortnight past it: every
    one beyond the allowed lateness. Keyed officers get several (in one topic, so their order
    is kept); unkeyed ones one each (their order across partitions is not)."""
    late = Scenario(sc.officers, sc.sites)
    late._n = 900_000  # ids distinct from the week's
    for officer in ("P1", "P2", "P5"):
        late.lookup(officer, "2026-03-10T03:10", case=None, record="r:vip-1", site="S1")
        late.lookup(officer, "2026-03-11T02:20", case=None, site="S1")
        late.lookup(officer, "2026-03-11T12:00", site="S1")
    for officer in ("P6", "P7", "P8"):
        late.badge(officer, "2026-03-10T08:30", site="S3")
    return event_lines(late)


def _clock_line(when: datetime) -> bytes:
    clock = Scenario()
    clock._n = 990_000
    clock.badge(CLOCK_OFFICER, when.strftime("%Y-%m-%dT%H:%M"), site="S1")
    return event_lines(clock)[0]


def test_duplicated_reordered_input_gives_the_ordered_alerts_and_late_events_are_counted(
    deployment: Deployment,
) -> None:
    sc = _fault_week()
    ordered = event_lines(sc)
    shuffled = _shuffled_with_duplicates(ordered, seed=4)
    duplicates = len(shuffled) - len(ordered)
    assert shuffled != ordered and duplicates > 50

    # Phase 1. The pure core on the ordered, de-duplicated events is the reference; on the
    # shuffled, duplicated stream it agrees (nothing late, every duplicate dropped).
    expected_1, _ = _pure_alerts(sc, sc.events())
    assert expected_1
    shuffled_alerts, pure = _pure_alerts(sc, [decode_event(line) for line in shuffled])
    assert shuffled_alerts == expected_1
    assert (pure.counters.late, pure.counters.duplicates) == (0, duplicates)

    # Phase 2: events beyond the lateness (one of them retried), then a second clock swipe so
    # what they start comes due. The late events are applied when they arrive, to the state
    # the officer has then: the reference is the pure core fed the same events in the order
    # each officer's events arrive, which the keyed publishing keeps.
    late = _late_lines(sc)
    clock_2 = _clock_line(datetime(2026, 4, 10, 12, 0))
    phase_2 = [late[0], late[0], *late[1:], clock_2]
    added = [a for line in phase_2 for a in pure.feed(decode_event(line))]
    expected_2 = sorted(
        [*expected_1, *(encode_alert(a) for a in added if a.officer_id != CLOCK_OFFICER)]
    )
    assert len(expected_2) > len(expected_1), "the late events must change the alerts"
    assert pure.counters.late == len(late), "every phase-2 event is beyond the lateness"

    deployment.publish_reference(sc.officers, sc.sites, sc.watchlist)
    deployment.publish_records(_record(line) for line in shuffled)
    worker = deployment.start_worker()
    live_1 = sorted(deployment.read_alerts(expected=len(expected_1), deadline_s=150))
    assert live_1 == expected_1, worker.log_tail()
    wait_until(
        lambda: metric_total(worker.web_port, "watchfloor_events_processed_total") >= len(shuffled),
        what="every phase-1 message processed",
        deadline_s=60,
    )
    assert metric_total(worker.web_port, "watchfloor_late_events_total") == 0

    deployment.publish_records(_record(line) for line in phase_2)
    live_2 = sorted(deployment.read_alerts(expected=len(expected_2), deadline_s=90))
    assert live_2 == expected_2, worker.log_tail()
    wait_until(
        lambda: (
            metric_total(worker.web_port, "watchfloor_events_processed_total")
            >= len(shuffled) + len(phase_2)
        ),
        what="every phase-2 message processed",
        deadline_s=60,
    )
    assert metric_total(worker.web_port, "watchfloor_late_events_total") == pure.counters.late
    assert worker.stop() == 0, worker.log_tail()


def test_an_event_with_a_huge_officer_id_is_dead_lettered_and_does_not_stop_the_others(
    deployment: Deployment,
) -> None:
    # Once, an officer id of 900 KB was accepted: re-keyed by officer onto the internal topic
    # (key and value ~1.8 MB, over its 1 MB limit), it failed with MessageSizeTooLarge, then
    # OutOfOrderSequenceNumber on every later send, and the worker stalled. Now it is rejected,
    # as are a long officer id under the event size limit and a valid event padded past it.
    sc = busy_week()
    lines = event_lines(sc)
    expected = sorted(encode_alert(a) for a in expected_alerts(sc))
    doc = orjson.loads(lines[10])
    huge = orjson.dumps(doc | {"event_id": "huge-officer-1", "officer_id": "P" + "x" * 900_000})
    long = orjson.dumps(doc | {"event_id": "long-officer-1", "officer_id": "P" + "x" * 50_000})
    padded = orjson.dumps(doc | {"event_id": "padded-1", "comment": "x" * 1_000_000})
    bad = [huge, long, padded]
    # Sent unkeyed: keyed by its officer the huge one would be over the input topic's limit,
    # and the producer would refuse it before the worker could.
    records = [(str(orjson.loads(line)["type"]), None, line) for line in lines]
    for at, raw in zip((11, 20, 30), bad, strict=True):
        records.insert(at, ("badge", None, raw))
    assert max(len(value) for _, _, value in records) < INPUT_MESSAGE_LIMIT

    deployment.publish_reference(sc.officers, sc.sites, sc.watchlist)
    deployment.publish_records(records)
    worker = deployment.start_worker()
    live = sorted(deployment.read_alerts(expected=len(expected), deadline_s=60))
    letters = [
        decode_dead_letter(value)
        for _, value in deployment.read_topic("deadletter", idle_s=5, deadline_s=30)
    ]

    assert _alive(worker), worker.log_tail()
    assert live == expected, worker.log_tail()
    assert len(letters) == len(bad), [letter.reason for letter in letters]
    by_event: dict[bytes, DeadLetter] = {}
    for letter in letters:
        for raw in bad:
            if letter.matches(raw):
                by_event[raw] = letter
    assert set(by_event) == set(bad)
    assert by_event[huge].reason == (
        f"$: message must be at most {EVENT_MAX_BYTES} bytes long, got {len(huge)}"
    )
    assert by_event[long].reason == "$.officer_id: must be at most 128 characters long"
    assert by_event[padded].reason.startswith(f"$: message must be at most {EVENT_MAX_BYTES} ")
    # The two over the size limit are kept in part, the other whole.
    assert (by_event[huge].truncated, by_event[long].truncated) == (True, False)
    assert by_event[huge].original == huge[:ORIGINAL_MAX_BYTES]
    assert by_event[huge].original_length == len(huge)
    assert by_event[long].original == long
    assert worker.stop() == 0, worker.log_tail()


# ---------------------------------------------------------------------------- bugs


def test_a_bug_on_an_event_parks_it_with_the_reason_and_the_stream_goes_on(
    deployment: Deployment,
) -> None:
    # A bug in the worker (here put in on purpose, tests/integration/apps/faulty_worker.py)
    # must not stop its agent nor lose input: the event it failed on goes to the dead-letter
    # topic whole, saying which stage failed and how, and every other event is processed as
    # if that one had never come.
    sc = _fault_week()
    events = sc.events()
    lines = event_lines(sc)
    everything, _ = _pure_alerts(sc, events)
    evidence = {str(i) for alert in everything for i in orjson.loads(alert)["evidence"] or ()}
    lookups = [i for i, event in enumerate(events) if event.type == "access"]
    assert len(lookups) > 900
    # Look-ups spread over the week and officers, and two events that alerts rest on: a
    # swipe of the impossible travel, and a look-up made while off duty.
    failing_in_ingest = {events[i].event_id for i in lookups[100:901:400]} | {"pacs-000081"}
    failing_in_core = {events[i].event_id for i in lookups[3:904:300]} | {"audit-000071"}
    assert len(failing_in_ingest) == 4 and len(failing_in_core) == 5
    assert {"pacs-000081", "audit-000071"} <= evidence
    failing = failing_in_ingest | failing_in_core
    expected, _ = _pure_alerts(sc, [e for e in events if e.event_id not in failing])
    assert expected and expected != everything

    deployment.publish_reference(sc.officers, sc.sites, sc.watchlist)
    deployment.publish_events(lines)
    worker = deployment.start_worker(
        module="tests.integration.apps.faulty_worker",
        extra_env={
            "FAULTY_INGEST_EVENT_IDS": ",".join(sorted(failing_in_ingest)),
            "FAULTY_CORE_EVENT_IDS": ",".join(sorted(failing_in_core)),
        },
    )
    live = sorted(deployment.read_alerts(expected=len(expected), deadline_s=120))
    letters = [
        decode_dead_letter(value)
        for _, value in deployment.read_topic(
            "deadletter", expected=len(failing), idle_s=10, deadline_s=60
        )
    ]
    wait_until(
        lambda: (
            metric_total(worker.web_port, "watchfloor_events_processed_total")
            >= len(lines) - len(failing)
        ),
        what="every event but the failed ones processed",
        deadline_s=60,
    )

    assert _alive(worker), worker.log_tail()
    assert live == expected, worker.log_tail()
    assert metric_total(worker.web_port, "watchfloor_events_processed_total") == len(lines) - len(
        failing
    )
    dead_letters = "watchfloor_dead_letters_total"
    assert metric_total(worker.web_port, dead_letters) == len(failing)
    assert metric_total(worker.web_port, dead_letters, 'reason="internal_error"') == len(failing)
    by_event = {str(orjson.loads(letter.original)["event_id"]): letter for letter in letters}
    assert len(letters) == len(by_event) == len(failing) and set(by_event) == failing
    line_of = {event.event_id: line for event, line in zip(events, lines, strict=True)}
    inputs = {deployment.settings.topic(entity) for entity in INPUT_ENTITIES}
    for event_id, letter in by_event.items():
        assert letter.original == line_of[event_id]  # the event whole, not the batch it was in
        assert isinstance(letter.origin, KafkaOrigin)
        if event_id in failing_in_ingest:
            assert letter.origin.topic in inputs
            assert letter.reason == (
                "internal error in the ingest stage: "
                "InjectedError('injected fault in the ingest stage')"
            )
        else:
            assert letter.origin.topic == deployment.settings.topic("internal.by-officer")
            assert letter.reason == (
                "internal error in the officer stage: "
                "InjectedError('injected fault in the detector core')"
            )
    assert worker.stop() == 0, worker.log_tail()
