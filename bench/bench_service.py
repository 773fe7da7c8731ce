"""Benchmark: the live worker over the real local broker, beside a bare aiokafka consume loop.

Run from the repository root::

    python bench/bench_service.py                       # 300 officers x 7 days, 4 partitions
    python bench/bench_service.py --officers 100 --days 3 --json
    python bench/bench_service.py --latency 100 --latency-seconds 60   # event-to-alert latency
    python bench/bench_service.py --restore --restore-officers 45000  # memory, restore time

What it does: simulates a force, publishes its reference data and events to fresh input topics
(a backlog, as after an outage), then

1. ``bare``: an aiokafka consumer reads every input message and does nothing with it: what the
   broker and client alone allow on this machine;
2. ``faust``: a Faust agent (exactly-once, like the worker) takes every input message and does
   nothing with it (``bench/faust_floor.py``): what Faust's per-message delivery allows on
   this machine. It was the worker's ceiling until the worker took its input in batches below
   that delivery (``streams/service/record_batches.py``); it stays as the reference for that;
3. ``worker``: one ``watchfloor serve`` process (memory store) works through the same backlog;
   its own ``watchfloor_events_processed_total`` says when every event has been through the
   detector core. The rate counts from its first consumed input message to its last processed
   event; beside it, the worker's CPU time per event (all threads), which unlike the rate hardly
   depends on what else the machine is doing.

Target (issue 6): at least 20,000 events/s through one worker process with alerts on, reported
beside the bare loop (and the Faust floor) as a ratio. This is a measurement, not a test: it
prints and exits 0.
The broker is ``WATCHFLOOR_KAFKA_BOOTSTRAP`` when set, else a local one started here.

Two more modes, each in a run of its own (``--json`` gives one object for either):

``--latency RATE`` (event-to-alert latency at a fixed input rate; issue 6 asks for p50 at most
20 ms and p99 at most 50 ms at 2,000 events/s). A worker is started over a small synthetic
force (``--latency-officers``, one site, a watchlist), then access events are produced at RATE
per second for ``--latency-seconds``. Every tenth is a look-up of a watch-listed record without
a case reference: ``sensitive_record_access`` alerts on it, with that event's id as evidence,
so each alert is matched back to the wall-clock time its evidence was produced. A
read-committed consumer in this process notes when each alert becomes readable.

The detector core applies events in event-time order once the partition's watermark has passed
them by the allowed lateness (5 minutes, ``detectors/defaults.toml``): an alert can never come
before an event at least that much later has been produced. That wait is by design and its wall
length depends only on how fast event time moves, so the two are reported apart:

- ``release`` latency (the headline figure): from producing the first event whose event time is
  past the trigger's plus the lateness (the earliest moment the service may release the
  trigger) to the alert being readable. This is what the service itself adds: ingest, the
  watermark broadcast, the officer stage, and the Kafka transactions (a read-committed reader
  sees the alert only once the worker commits, every 0.02 s by default) on each internal
  hop.
- ``trigger`` latency: from producing the trigger itself; the release latency plus the
  lateness wait, which here is ``lateness / event-time speed``.
- ``sent``: of the release latency, the part until the worker sent the alert (the alert
  message's Kafka timestamp); the rest is waiting for its transaction to commit.

Event times start at 00:05 London time on a winter day and advance evenly so that the whole run
spans at most 22 hours of event time: the core holds back anything of a second local day until
the peer stage has finished the first (the day barrier), a round trip that real traffic makes
once a day and that would otherwise dominate. At 100 events/s for 60 s, event time moves by
13 s per event, so the lateness wait is about 0.23 s of wall time. At the end a few events 15
minutes later release the last triggers. Triggers of the first ``--latency-warmup`` seconds
(the worker's first transactions, its watermarks not yet known, and the badge and roster
partitions, which get no events here, not yet confirmed idle: that takes the worker's
``--idle-after``, 10 s) are not counted.
``sustained`` says whether the worker kept up: over the last two thirds of the producing phase
it processed events at 90% of the input rate or more, and every alert came. A rate it does not
sustain is reported as such; its latencies then only grow with the run's length.

``--restore`` (memory with a large force's state, and the time to restore it): a backlog of
``--restore-officers`` officers with ``--restore-events`` access events each (one local day) is
processed by a worker (memory store, so every state lives in the changelog); its RSS,
``watchfloor_officers_tracked`` and ``watchfloor_state_bytes`` are read; it is stopped with
SIGTERM; a second worker with the same app id and state directory starts and restores the
tables from the changelog. Reported: wall time from launching it to its first restore being
complete (``watchfloor_restores_total`` reaching 1 on its /metrics page; this includes
interpreter start-up and reading the reference data), the restore duration it exports
(``watchfloor_restore_duration_seconds``: process start to streams resumed), and its RSS and
officers tracked after the restore. The states are young (an officer's first events of a day,
so a buffer and a day's counters): ``bench/bench_core.py`` measures steady-state size per
officer.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

# Runnable as a plain script from a checkout, where the package is not installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_replay import simulate
from detectors.config import load_config
from schemas.codec import encode_officer, encode_site, encode_watchlist_entry
from schemas.reference import Officer, Site, WatchlistEntry
from streams.local_kafka import LocalKafka, free_port
from streams.service.settings import (
    DEFAULT_COMMIT_INTERVAL_S,
    DEFAULT_IDLE_AFTER_S,
    ServiceSettings,
)
from streams.service.topology import INPUT_ENTITIES, delete_deployment_topics, ensure_topics

TARGET_RATE = 20_000
TARGET_P50_MS = 20.0
TARGET_P99_MS = 50.0
TARGET_LATENCY_RATE = 2_000
# Every TRIGGER_EVERY-th latency event is a watch-listed look-up without a case reference.
TRIGGER_EVERY = 10
# Event time of the latency and restore runs: 00:05 London time (UTC in winter) of a Tuesday,
# spanning at most SPAN_SECONDS so that no event falls on the next local day (see above).
BASE_TIME = datetime(2026, 1, 13, 0, 5, tzinfo=UTC).timestamp()
SPAN_SECONDS = 22 * 3600.0
FLUSH_AFTER_SECONDS = 900.0
LATENCY_TITLE = (
    "event-to-alert latency (release: from the event that lets the trigger out; trigger: from "
    "the trigger itself)"
)
RESTORE_TITLE = "a large force's state: worker memory, and restore after SIGTERM and restart"


def publish(bootstrap: str, prefix: str, folder: Path) -> int:
    """Reference data and events into the input topics, keyed by officer; the event count."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "streams.cli",
            "replay",
            str(folder / "events.jsonl.gz"),
            "--reference",
            str(folder / "reference"),
            "--to-kafka",
            "--bootstrap",
            bootstrap,
            "--topic-prefix",
            prefix,
            "--json",
            "--no-progress",
        ],
        check=True,
        capture_output=True,
    )
    summary: dict[str, Any] = orjson.loads(done.stdout.splitlines()[-1])
    return int(summary["events"])


async def bare_loop(bootstrap: str, topics: list[str], expected: int) -> float:
    """Seconds for a plain aiokafka consumer to read `expected` messages from `topics`."""
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        group_id=f"bench-bare-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        seen = 0
        began = 0.0
        while seen < expected:
            batches = await consumer.getmany(timeout_ms=1000, max_records=10_000)
            for records in batches.values():
                if records and not began:
                    began = time.perf_counter()
                seen += len(records)
        return time.perf_counter() - began
    finally:
        await consumer.stop()


PROGRESS_POLL_SECONDS = 0.2


def faust_floor(bootstrap: str, topics: list[str], expected: int, deadline_s: float) -> float:
    """Events/s of a Faust agent that does nothing over `topics` (NaN if it did not finish)."""
    script = Path(__file__).with_name("faust_floor.py")
    try:
        done = subprocess.run(
            [sys.executable, str(script), bootstrap, str(expected), *topics],
            capture_output=True,
            timeout=deadline_s,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return math.nan
    for line in reversed(done.stdout.splitlines()):
        at = line.find(b'{"events"')  # after the terminal codes Faust's worker writes
        if at >= 0:
            return float(orjson.loads(line[at:])["rate"])
    print(f"Faust floor failed:\n{done.stderr.decode(errors='replace')[-2000:]}", file=sys.stderr)
    return math.nan


def scrape(port: int) -> dict[str, float]:
    """Every sample of the worker's metrics page, summed over labels, by sample name; empty
    while the page does not answer."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as page:
            text = page.read().decode()
    except OSError:
        return {}
    totals: dict[str, float] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name_part, _, value = line.rpartition(" ")
        name = name_part.split("{", 1)[0]
        try:
            totals[name] = totals.get(name, 0.0) + float(value)
        except ValueError:
            continue
    return totals


def progress(port: int) -> tuple[float, float]:
    """Input messages the worker has consumed and events it has handed to the core so far,
    read from its own metrics page."""
    totals = scrape(port)
    return (
        totals.get("watchfloor_events_consumed_total", 0.0),
        totals.get("watchfloor_events_processed_total", 0.0),
    )


def start_worker(
    bootstrap: str,
    prefix: str,
    partitions: int,
    *,
    app_id: str,
    state_dir: Path,
    port: int,
    log_path: Path,
    commit_interval: float = DEFAULT_COMMIT_INTERVAL_S,
) -> subprocess.Popen[bytes]:
    """One ``watchfloor serve`` process with the memory store, its output into `log_path`."""
    command = [
        sys.executable,
        "-m",
        "streams.cli",
        "--log-level",
        "WARNING",
        "serve",
        "--bootstrap",
        bootstrap,
        "--topic-prefix",
        prefix,
        "--app-id",
        app_id,
        "--partitions",
        str(partitions),
        "--store",
        "memory",
        "--state-dir",
        str(state_dir),
        "--web-port",
        str(port),
        "--commit-interval",
        str(commit_interval),
    ]
    with open(log_path, "ab") as log:
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)


def wait_ready(worker: subprocess.Popen[bytes], port: int, deadline_s: float) -> float | None:
    """Seconds until the worker's first restore is complete (its streams run), or None."""
    began = time.perf_counter()
    end = time.monotonic() + deadline_s
    while time.monotonic() < end and worker.poll() is None:
        if scrape(port).get("watchfloor_restores_total", 0.0) >= 1:
            return time.perf_counter() - began
        time.sleep(0.1)  # a tenth of a second is the resolution of the start-to-ready time
    return None


def stop_worker(worker: subprocess.Popen[bytes]) -> int | None:
    """SIGTERM, as an orchestrator stops a worker; SIGKILL only if it hangs."""
    worker.send_signal(signal.SIGTERM)
    try:
        return worker.wait(timeout=60)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
        return None


def run_worker(
    bootstrap: str,
    prefix: str,
    partitions: int,
    expected: int,
    *,
    root: Path,
    deadline_s: float,
    profile: str | None = None,
    verbose: bool = False,
    commit_interval: float = DEFAULT_COMMIT_INTERVAL_S,
    app_id: str,
) -> dict[str, Any]:
    port = free_port()
    log_path = Path(os.environ.get("WF_BENCH_WORKER_LOG", root / "worker.log"))
    log_path.write_bytes(b"")  # this run's log only
    worker = start_worker(
        bootstrap,
        prefix,
        partitions,
        app_id=app_id,
        state_dir=root / "state",
        port=port,
        log_path=log_path,
        commit_interval=commit_interval,
    )
    spy = _attach_profiler(worker.pid, profile) if profile else None
    try:
        end = time.monotonic() + deadline_s
        first = last = 0.0
        cpu_first = cpu_last = 0.0
        count = 0.0
        shown = time.monotonic()
        while time.monotonic() < end and worker.poll() is None:
            consumed, count = progress(port)
            now = time.perf_counter()
            if verbose and time.monotonic() - shown >= 5:
                shown = time.monotonic()
                print(
                    f"  {count:,.0f} processed, {_forwarded(bootstrap, prefix):,} forwarded",
                    file=sys.stderr,
                )
            if consumed and not first:
                first = now
                cpu_first = _cpu_seconds(worker.pid)
            if count >= expected:
                last = now
                cpu_last = _cpu_seconds(worker.pid)
                break
            # The rate is timed by these looks at the metrics page: once a second, as it was,
            # a run of a few seconds could be timed up to a second long or short at each end.
            time.sleep(PROGRESS_POLL_SECONDS)
        rss_kib = _rss_kib(worker.pid)
        cpu_last = cpu_last or _cpu_seconds(worker.pid)
        if worker.poll() is not None:
            tail = log_path.read_bytes()[-3000:].decode(errors="replace")
            print(f"worker exited with {worker.returncode}:\n{tail}", file=sys.stderr)
        seconds = (last or time.perf_counter()) - first if first else float("nan")
        return {
            "events": int(count),
            "seconds": seconds,
            "rate": count / seconds if first and seconds > 0 else 0.0,
            "complete": count >= expected,
            # CPU time the worker spent per event (all its threads): unlike the wall-clock rate,
            # it hardly depends on what else the machine is doing.
            "cpu_us_per_event": (cpu_last - cpu_first) / count * 1e6 if count else float("nan"),
            "rss_mib": rss_kib / 1024,
        }
    finally:
        if spy is not None:
            spy.send_signal(signal.SIGINT)  # py-spy writes its profile on SIGINT
            try:
                spy.wait(timeout=30)
            except subprocess.TimeoutExpired:
                spy.kill()
        stop_worker(worker)


def _attach_profiler(pid: int, profile: str) -> subprocess.Popen[bytes]:
    """py-spy sampling the running worker from outside (it costs the worker nothing).

    Attached by pid rather than launching the worker under it: stopping a py-spy that launched
    the worker left the worker running, which then took CPU from every later measurement.
    """
    found = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    return subprocess.Popen(
        [found, "record", "--pid", str(pid), "--format", "raw", "-o", profile],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _forwarded(bootstrap: str, prefix: str) -> int:
    """Messages on the internal by-officer topic so far (events, markers and findings)."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        topic = f"{prefix}.internal.by-officer.v1"
        ids = consumer.partitions_for_topic(topic) or set()
        ends = consumer.end_offsets([TopicPartition(topic, p) for p in ids])
        return int(sum(ends.values()))
    finally:
        consumer.close()


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds of a process so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


# ---------------------------------------------------------------------- synthetic force


def officer_id(i: int) -> str:
    return f"B{i:06d}"


def publish_force(bootstrap: str, settings: ServiceSettings, officers: int, records: int) -> None:
    """Officers, one site and `records` watch-listed records into the reference topics."""
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20)
    try:
        for i in range(officers):
            officer = Officer(
                officer_id=officer_id(i),
                unit_id=f"U{i % 40:02d}",
                role="response",
                rank="PC",
                home_site_id="S001",
                active=True,
            )
            producer.send(
                settings.topic("officers"),
                key=officer.officer_id.encode(),
                value=encode_officer(officer),
            )
        site = Site(site_id="S001", name="Central", lat=51.5, lon=-0.12, zones=())
        producer.send(settings.topic("sites"), key=b"S001", value=encode_site(site))
        for j in range(records):
            entry = WatchlistEntry(record_ref=f"r:watch-{j}", category="vip")
            producer.send(
                settings.topic("watchlist"),
                key=entry.record_ref.encode(),
                value=encode_watchlist_entry(entry),
            )
        producer.flush(timeout=120)
    finally:
        producer.close()


def access_event(event_id: str, officer: str, t: float, record: str, case: str | None) -> bytes:
    event: dict[str, Any] = {
        "schema_version": 1,
        "type": "access",
        "event_id": event_id,
        "event_time": datetime.fromtimestamp(t, UTC).isoformat(),
        "officer_id": officer,
        "source": "bench",
        "system": "person-index",
        "action": "search",
        "record_type": "person",
        "record_ref": record,
        "workstation_id": "WS-1",
        "site_id": "S001",
    }
    if case is not None:
        event["case_ref"] = case
    return orjson.dumps(event)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of `values` (q in 0..100); NaN for none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


# ---------------------------------------------------------------------- latency


def latency_plan(rate: float, seconds: float, officers: int) -> list[tuple[str, str, float, bytes]]:
    """(event id, officer, event time, bytes) of the fixed-rate phase, then the flush events."""
    count = max(1, round(rate * seconds))
    step = SPAN_SECONDS / count
    plan = []
    for i in range(count):
        t = BASE_TIME + i * step
        if i % TRIGGER_EVERY == 0:
            # A new (officer, record) pair each time: one alert per record per officer and
            # suppression window, so no trigger is suppressed.
            j = i // TRIGGER_EVERY
            officer, record, case = officer_id(j % officers), f"r:watch-{j // officers}", None
        else:
            officer, record, case = officer_id(i % officers), f"r:plain-{i}", "CR/2026/000001"
        eid = f"lat-{i:08d}"
        plan.append((eid, officer, t, access_event(eid, officer, t, record, case)))
    last = BASE_TIME + (count - 1) * step
    for k in range(4 * TRIGGER_EVERY):  # enough officers to reach every partition
        eid = f"flush-{k:04d}"
        officer = officer_id(k % officers)
        t = last + FLUSH_AFTER_SECONDS
        plan.append((eid, officer, t, access_event(eid, officer, t, f"r:flush-{k}", "CR/1")))
    return plan


async def measure_latency(
    bootstrap: str,
    settings: ServiceSettings,
    port: int,
    *,
    rate: float,
    seconds: float,
    officers: int,
    drain_s: float,
    warmup_s: float,
) -> dict[str, Any]:
    """Produce at `rate` for `seconds`; per trigger, when its alert became readable."""
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

    lateness = load_config().allowed_lateness_seconds
    plan = latency_plan(rate, seconds, officers)
    phase = max(1, round(rate * seconds))
    triggers = {eid for i, (eid, _, _, _) in enumerate(plan[:phase]) if i % TRIGGER_EVERY == 0}
    produced: list[float] = [math.nan] * len(plan)
    readable: dict[str, float] = {}
    # When the worker sent each alert (its Kafka timestamp, wall clock): the part of the
    # latency before the transaction holding it commits.
    sent: dict[str, float] = {}
    # perf_counter() is the clock of every figure; this turns it into wall-clock time.
    wall_offset = time.time() - time.perf_counter()
    alert_topic = settings.topic("alerts.integrity")

    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        isolation_level="read_committed",
        enable_auto_commit=False,
        # The broker answers a fetch as soon as committed data is there; this bounds the wait
        # when there is none, so a poll never adds more than a few milliseconds.
        fetch_max_wait_ms=10,
    )
    await consumer.start()
    # ensure_topics made the alert topic with the deployment's partition count.
    consumer.assign([TopicPartition(alert_topic, p) for p in range(settings.partitions)])
    await consumer.seek_to_beginning()
    done = asyncio.Event()

    async def read_alerts() -> None:
        while not done.is_set():
            batches = await consumer.getmany(timeout_ms=20)
            now = time.perf_counter()
            for records in batches.values():
                for record in records:
                    alert = orjson.loads(record.value)
                    if alert.get("detector") != "sensitive_record_access":
                        continue
                    for eid in alert.get("evidence", ()):
                        if eid in triggers and eid not in readable:
                            readable[eid] = now
                            sent[eid] = record.timestamp / 1000 - wall_offset
            if len(readable) >= len(triggers):
                done.set()

    reader = asyncio.create_task(read_alerts())
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0)
    await producer.start()
    topic = settings.topic("access")
    try:
        began = time.perf_counter()
        third = phase // 3
        checkpoint = (began, 0.0)
        for i, (_, officer, _, value) in enumerate(plan[:phase]):
            delay = began + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if i == third:
                # From here on the worker's processing rate is compared with the input rate.
                checkpoint = (time.perf_counter(), (await asyncio.to_thread(progress, port))[1])
            produced[i] = time.perf_counter()
            await producer.send(topic, key=officer.encode(), value=value)
        ended = time.perf_counter()
        processed = (await asyncio.to_thread(progress, port))[1]
        checked = time.perf_counter()
        for i in range(phase, len(plan)):
            produced[i] = time.perf_counter()
            await producer.send(topic, key=plan[i][1].encode(), value=plan[i][3])
        await producer.flush()
        with contextlib.suppress(TimeoutError):  # what has not come by then counts as missing
            await asyncio.wait_for(done.wait(), timeout=drain_s)
    finally:
        done.set()
        await reader
        await producer.stop()
        await consumer.stop()

    times = [t for _, _, t, _ in plan]
    release_ms: list[float] = []
    sent_ms: list[float] = []
    trigger_ms: list[float] = []
    warm_until = began + warmup_s
    cursor = 0
    for i, (eid, _, t, _) in enumerate(plan[:phase]):
        if eid not in readable or produced[i] < warm_until:
            continue
        # The first event produced past the trigger plus the lateness: event times only
        # grow along the plan, so a cursor finds it.
        cursor = max(cursor, i)
        while cursor < len(plan) and times[cursor] <= t + lateness:
            cursor += 1
        release_at = produced[min(cursor, len(plan) - 1)]
        release_ms.append((readable[eid] - release_at) * 1000)
        sent_ms.append((sent[eid] - release_at) * 1000)
        trigger_ms.append((readable[eid] - produced[i]) * 1000)
    achieved = (phase - 1) / (ended - began) if phase > 1 and ended > began else float(rate)
    # Events through the core per second over the last two thirds of the producing phase;
    # the transactions keep about two commit intervals of input in flight at any time, so
    # the backlog alone would not tell keeping up from falling behind.
    processing = (processed - checkpoint[1]) / max(1e-9, checked - checkpoint[0])
    return {
        "rate": rate,
        "achieved_input_rate": round(achieved, 1),
        "seconds": seconds,
        "events": phase,
        "officers": officers,
        "triggers": len(triggers),
        "alerts_matched": len(readable),
        "lateness_s": lateness,
        "event_time_step_s": round(SPAN_SECONDS / phase, 3),
        "lateness_wait_ms": round(lateness / (SPAN_SECONDS / phase) / rate * 1000, 1),
        "processing_rate": round(processing, 1),
        "backlog_at_end": int(phase - processed),
        # Kept up: processed at least 90% of the input rate, and every alert came.
        "sustained": processing >= 0.9 * achieved and len(readable) == len(triggers),
        "warmup_s": warmup_s,
        "latencies_counted": len(release_ms),
        "release_p50_ms": round(percentile(release_ms, 50), 1),
        "release_p95_ms": round(percentile(release_ms, 95), 1),
        "release_p99_ms": round(percentile(release_ms, 99), 1),
        "release_max_ms": round(max(release_ms, default=math.nan), 1),
        "trigger_p50_ms": round(percentile(trigger_ms, 50), 1),
        "trigger_p99_ms": round(percentile(trigger_ms, 99), 1),
        # Of the release latency, the part until the worker sent the alert (uncommitted).
        "sent_p50_ms": round(percentile(sent_ms, 50), 1),
        "sent_p99_ms": round(percentile(sent_ms, 99), 1),
        "target_rate": TARGET_LATENCY_RATE,
        "target_p50_ms": TARGET_P50_MS,
        "target_p99_ms": TARGET_P99_MS,
    }


def fresh_deployment(bootstrap: str, partitions: int) -> ServiceSettings:
    """Settings of a deployment with a prefix and app id of its own, its topics created."""
    settings = ServiceSettings(
        bootstrap=bootstrap,
        topic_prefix=f"bench{uuid.uuid4().hex[:6]}",
        partitions=partitions,
        app_id=f"bench-{uuid.uuid4().hex[:8]}",
    )
    ensure_topics(settings, {"bootstrap_servers": bootstrap})
    return settings


def latency_mode(
    settings: ServiceSettings, root: Path, options: argparse.Namespace
) -> dict[str, Any]:
    bootstrap = settings.bootstrap
    prefix = settings.topic_prefix
    officers = options.latency_officers
    triggers = math.ceil(options.latency * options.latency_seconds / TRIGGER_EVERY)
    publish_force(bootstrap, settings, officers, math.ceil(triggers / officers))
    port = free_port()
    log_path = Path(os.environ.get("WF_BENCH_WORKER_LOG", root / "worker-latency.log"))
    worker = start_worker(
        bootstrap,
        prefix,
        options.partitions,
        app_id=settings.app_id,
        state_dir=root / "state-latency",
        port=port,
        log_path=log_path,
        commit_interval=options.commit_interval,
    )
    try:
        if wait_ready(worker, port, options.deadline) is None:
            raise RuntimeError(f"worker not ready:\n{_tail(log_path)}")
        result = asyncio.run(
            measure_latency(
                bootstrap,
                settings,
                port,
                rate=options.latency,
                seconds=options.latency_seconds,
                officers=officers,
                drain_s=max(60.0, options.latency_seconds),
                warmup_s=options.latency_warmup,
            )
        )
        result["worker_rss_mib"] = round(_rss_kib(worker.pid) / 1024, 1)
        result["partitions"] = options.partitions
        result["commit_interval_s"] = options.commit_interval
        result["load"] = os.getloadavg()[0]
        return result
    finally:
        stop_worker(worker)


# ---------------------------------------------------------------------- restore


def publish_backlog(bootstrap: str, settings: ServiceSettings, officers: int, per: int) -> int:
    """`per` access events for each of `officers`, spread over one local day; the count."""
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20)
    count = officers * per
    step = SPAN_SECONDS / count
    topic = settings.topic("access")
    try:
        for k in range(count):
            who = officer_id(k % officers)
            eid = f"rst-{k:08d}"
            value = access_event(eid, who, BASE_TIME + k * step, f"r:plain-{k}", "CR/2026/1")
            producer.send(topic, key=who.encode(), value=value)
        producer.flush(timeout=300)
    finally:
        producer.close()
    return count


def restore_mode(
    settings: ServiceSettings, root: Path, options: argparse.Namespace
) -> dict[str, Any]:
    bootstrap = settings.bootstrap
    prefix = settings.topic_prefix
    officers = options.restore_officers
    publish_force(bootstrap, settings, officers, 1)
    expected = publish_backlog(bootstrap, settings, officers, options.restore_events)
    app_id = settings.app_id
    state_dir = root / "state-restore"
    log_path = Path(os.environ.get("WF_BENCH_WORKER_LOG", root / "worker-restore.log"))
    result: dict[str, Any] = {
        "officers": officers,
        "events": expected,
        "partitions": options.partitions,
    }

    port = free_port()
    first = start_worker(
        bootstrap, prefix, options.partitions, app_id=app_id, state_dir=state_dir, port=port,
        log_path=log_path,
    )  # fmt: skip
    try:
        if wait_ready(first, port, options.deadline) is None:
            raise RuntimeError(f"first worker not ready:\n{_tail(log_path)}")
        began = time.perf_counter()
        end = time.monotonic() + options.deadline
        processed = 0.0
        while time.monotonic() < end and first.poll() is None:
            processed = progress(port)[1]
            if processed >= expected:
                break
            time.sleep(1.0)
        result["backlog_seconds"] = round(time.perf_counter() - began, 1)
        result["backlog_complete"] = processed >= expected
        result["processed"] = int(processed)
        # Officers tracked and state bytes are sampled every 15 s: wait for a sample after the
        # last write-back (at every commit) so that they count everything.
        time.sleep(17.0)
        metrics = scrape(port)
        result["officers_tracked"] = int(metrics.get("watchfloor_officers_tracked", 0))
        state_bytes = metrics.get("watchfloor_state_bytes", 0.0)
        result["state_bytes_per_officer"] = round(state_bytes / max(1, officers))
        result["rss_mib_before"] = round(_rss_kib(first.pid) / 1024, 1)
    finally:
        result["first_exit_code"] = stop_worker(first)

    port = free_port()
    log_offset = log_path.stat().st_size if log_path.exists() else 0
    launched = time.perf_counter()
    second = start_worker(
        bootstrap, prefix, options.partitions, app_id=app_id, state_dir=state_dir, port=port,
        log_path=log_path,
    )  # fmt: skip
    try:
        ready = wait_ready(second, port, options.deadline)
        if ready is None:
            raise RuntimeError(f"restarted worker not ready:\n{_tail(log_path)}")
        result["start_to_ready_s"] = round(time.perf_counter() - launched, 2)
        result["restore_duration_s"] = round(
            scrape(port).get("watchfloor_restore_duration_seconds", math.nan), 2
        )
        result["rss_mib_after_restore"] = round(_rss_kib(second.pid) / 1024, 1)
        time.sleep(17.0)  # the next officers-tracked sample
        result["officers_tracked_after_restore"] = int(
            scrape(port).get("watchfloor_officers_tracked", 0)
        )
        result["rss_mib_after_restore"] = max(
            result["rss_mib_after_restore"], round(_rss_kib(second.pid) / 1024, 1)
        )
    finally:
        result["second_exit_code"] = stop_worker(second)
    # Faust logs each changelog batch it could not apply during recovery and carries on: the
    # restore then "completes" without the state, which only these lines and the officer
    # count after the restore show.
    with open(log_path, "rb") as log:
        log.seek(log_offset)
        result["recovery_errors"] = log.read().count(b"Error in recovery")
    result["load"] = os.getloadavg()[0]
    return result


def _tail(path: Path, chars: int = 3000) -> str:
    try:
        return path.read_bytes()[-chars:].decode(errors="replace")
    except OSError:
        return ""


# ---------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--officers", type=int, default=300)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--deadline", type=float, default=900.0, help="seconds for the worker")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--verbose", action="store_true", help="progress every 5 s on stderr")
    parser.add_argument("--py-spy", metavar="FILE", help="profile the worker with py-spy into FILE")
    parser.add_argument(
        "--commit-interval",
        type=float,
        default=DEFAULT_COMMIT_INTERVAL_S,
        help="the worker's commit interval in seconds (alert latency against throughput)",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--latency", type=float, metavar="RATE", help="event-to-alert latency at RATE events/s"
    )
    mode.add_argument("--restore", action="store_true", help="state memory and restore time")
    parser.add_argument("--latency-seconds", type=float, default=60.0)
    parser.add_argument("--latency-officers", type=int, default=200)
    parser.add_argument(
        "--latency-warmup",
        type=float,
        default=DEFAULT_IDLE_AFTER_S + 5.0,
        help="seconds of triggers not counted",
    )
    parser.add_argument("--restore-officers", type=int, default=45_000)
    parser.add_argument("--restore-events", type=int, default=1, help="events per officer")
    options = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="wf-bench-service-") as tmp:
        root = Path(tmp)
        broker: LocalKafka | None = None
        bootstrap = os.environ.get("WATCHFLOOR_KAFKA_BOOTSTRAP")
        if not bootstrap:
            broker = LocalKafka(state_dir=root / "kafka")
            bootstrap = broker.start().bootstrap
        settings = fresh_deployment(bootstrap, options.partitions)
        try:
            if options.latency is not None:
                result = latency_mode(settings, root, options)
                _show(LATENCY_TITLE, result, options.json)
                return 0
            if options.restore:
                result = restore_mode(settings, root, options)
                _show(RESTORE_TITLE, result, options.json)
                return 0
            folder = simulate(
                Path(tempfile.gettempdir())
                / f"wf-bench-sim-{options.officers}-{options.days}-{options.seed}",
                options.officers,
                options.days,
                options.seed,
            )
            prefix = settings.topic_prefix
            events = publish(bootstrap, prefix, folder)
            topics = [settings.topic(entity) for entity in INPUT_ENTITIES]
            bare_s = asyncio.run(bare_loop(bootstrap, topics, events))
            faust_rate = faust_floor(bootstrap, topics, events, options.deadline)
            worker = run_worker(
                bootstrap,
                prefix,
                options.partitions,
                events,
                root=root,
                deadline_s=options.deadline,
                profile=options.py_spy,
                verbose=options.verbose,
                commit_interval=options.commit_interval,
                app_id=settings.app_id,
            )
        finally:
            if broker is not None:
                broker.stop()
            else:
                # A broker that outlives the run (the tests' or an operator's) keeps no bench
                # topics: hundreds pile up over runs and slow it down.
                delete_deployment_topics(settings)
    bare_rate = events / bare_s
    result = {
        "events": events,
        "partitions": options.partitions,
        "bare_rate": bare_rate,
        "faust_rate": faust_rate,
        "worker_rate": worker["rate"],
        "ratio": worker["rate"] / bare_rate,
        "faust_ratio": worker["rate"] / faust_rate if faust_rate else math.nan,
        "commit_interval_s": options.commit_interval,
        "worker_complete": worker["complete"],
        "worker_rss_mib": worker["rss_mib"],
        "worker_cpu_us_per_event": worker["cpu_us_per_event"],
        "target_rate": TARGET_RATE,
        "load": os.getloadavg()[0],
    }
    if options.json:
        print(orjson.dumps(result).decode())
    else:
        print(f"events                 {events:>12,}")
        print(f"bare aiokafka loop     {bare_rate:>12,.0f} events/s")
        print(f"Faust agent, no work   {faust_rate:>12,.0f} events/s")
        print(
            f"worker                 {worker['rate']:>12,.0f} events/s"
            f"  ({result['ratio']:.3f} of bare, {result['faust_ratio']:.2f} of Faust;"
            f" target {TARGET_RATE:,})"
            + ("" if worker["complete"] else "  INCOMPLETE at the deadline")
        )
        print(f"worker CPU per event   {worker['cpu_us_per_event']:>12,.0f} us")
        print(f"worker RSS             {worker['rss_mib']:>12,.0f} MiB")
        print(f"load average           {result['load']:>12.2f}")
    return 0


def _show(title: str, result: dict[str, Any], as_json: bool) -> None:
    """One JSON object, or one figure a line."""
    if as_json:
        print(orjson.dumps(result).decode())
        return
    print(title)
    for name, value in result.items():
        if isinstance(value, bool):
            shown = "yes" if value else "NO"
        elif isinstance(value, float):
            shown = f"{value:,.2f}"
        else:
            shown = f"{value:,}"
        print(f"  {name:<32} {shown:>14}")


if __name__ == "__main__":
    raise SystemExit(main())
