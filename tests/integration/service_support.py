"""Running real `watchfloor serve` workers against the test broker, with deadlines everywhere."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import orjson
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from schemas.codec import encode_officer, encode_site, encode_watchlist_entry
from streams.local_kafka import free_port
from streams.service.settings import ServiceSettings
from streams.service.topology import delete_deployment_topics, ensure_topics
from tests.kafka_support import wait_until

REPO_ROOT = Path(__file__).resolve().parents[2]
READY_MARK = b"[^Worker]: Ready"
# Short, so that a restarted or remaining worker takes over as soon as the group gives up on
# the one that went away.
QUICK_TAKEOVER = {"WATCHFLOOR_SESSION_TIMEOUT": "8"}


@dataclass
class Deployment:
    """One test's topics, app id and state directories."""

    bootstrap: str
    prefix: str
    app_id: str
    partitions: int
    root: Path
    workers: list[WorkerProcess] = field(default_factory=list)
    # Where workers connect, when not `bootstrap` (e.g. a SASL_SSL listener of the broker).
    worker_bootstrap: str | None = None

    @property
    def settings(self) -> ServiceSettings:
        return ServiceSettings(
            bootstrap=self.bootstrap,
            topic_prefix=self.prefix,
            partitions=self.partitions,
            app_id=self.app_id,
        )

    def create_topics(self) -> None:
        ensure_topics(self.settings, {"bootstrap_servers": self.bootstrap})

    def delete_topics(self) -> None:
        """Its topics and its workers' own, so a long-lived broker does not fill up over runs."""
        delete_deployment_topics(self.settings)

    def start_worker(
        self,
        name: str = "w1",
        *,
        extra_env: dict[str, str] | None = None,
        module: str = "streams.cli",
        store: str = "memory",
    ) -> WorkerProcess:
        """A `watchfloor serve` worker; `module` runs another entry point that takes the same
        arguments (a test's worker with a fault put in on purpose); its tables in `store`."""
        worker = WorkerProcess(self, name, extra_env or {}, module, store)
        # Listed before it starts, so that `stop_all` stops it even when it never gets ready.
        self.workers.append(worker)
        worker.start()
        return worker

    def stop_all(self) -> None:
        for worker in self.workers:
            worker.stop()

    def publish_events(
        self, lines: Iterable[bytes], *, keyed: bool = True, per_second: float | None = None
    ) -> int:
        """Publish events to their topics, keyed by officer unless `keyed` is False; at most
        `per_second` a second when given, else as fast as one producer sends."""
        producer = KafkaProducer(bootstrap_servers=self.bootstrap, linger_ms=5, acks="all")
        count = 0
        began = time.monotonic()
        for line in lines:
            if per_second is not None:
                pause = began + count / per_second - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
            try:
                head = orjson.loads(line)
                kind, officer = head["type"], head["officer_id"]
            except (orjson.JSONDecodeError, KeyError, TypeError):
                kind, officer = "badge", None
            key = officer.encode() if keyed and isinstance(officer, str) else None
            producer.send(self.settings.topic(str(kind)), key=key, value=line)
            count += 1
        producer.flush(timeout=60)
        producer.close()
        return count

    def publish_records(self, records: Iterable[tuple[str, bytes | None, bytes]]) -> int:
        """Publish (entity, key, value) exactly as given: the caller picks topic and key, so a
        test can send what no well-behaved producer would (garbage, under any key, anywhere)."""
        producer = KafkaProducer(bootstrap_servers=self.bootstrap, linger_ms=5, acks="all")
        sent = [
            producer.send(self.settings.topic(entity), key=key, value=value)
            for entity, key, value in records
        ]
        producer.flush(timeout=120)
        producer.close()
        # A message the broker refused (too large, say) raises here instead of going missing.
        for future in sent:
            future.get(timeout=0)
        return len(sent)

    def publish_reference(
        self, officers: Iterable[object], sites: Iterable[object], watchlist: Iterable[object]
    ) -> None:
        producer = KafkaProducer(bootstrap_servers=self.bootstrap, acks="all")
        for officer in officers:
            producer.send(
                self.settings.topic("officers"),
                key=officer.officer_id.encode(),  # type: ignore[attr-defined]
                value=encode_officer(officer),  # type: ignore[arg-type]
            )
        for site in sites:
            producer.send(
                self.settings.topic("sites"),
                key=site.site_id.encode(),  # type: ignore[attr-defined]
                value=encode_site(site),  # type: ignore[arg-type]
            )
        for entry in watchlist:
            producer.send(
                self.settings.topic("watchlist"),
                key=entry.record_ref.encode(),  # type: ignore[attr-defined]
                value=encode_watchlist_entry(entry),  # type: ignore[arg-type]
            )
        producer.flush(timeout=60)
        producer.close()

    def read_topic(
        self,
        entity: str,
        *,
        idle_s: float = 8.0,
        deadline_s: float = 120.0,
        expected: int | None = None,
    ) -> list[tuple[bytes | None, bytes]]:
        """Committed messages of one topic, until `expected` are read or it is idle."""
        return read_committed(
            self.bootstrap,
            self.settings.topic(entity),
            idle_s=idle_s,
            deadline_s=deadline_s,
            expected=expected,
        )

    def read_alerts(
        self, *, expected: int, deadline_s: float = 180.0, settle_s: float = 3.0
    ) -> list[bytes]:
        """Committed alerts of both topics: wait for `expected`, then `settle_s` more for extras
        (a duplicate would show there)."""
        topics = [self.settings.topic("alerts.integrity"), self.settings.topic("alerts.welfare")]
        return [
            value
            for _, value in read_committed_many(
                self.bootstrap, topics, expected=expected, deadline_s=deadline_s, settle_s=settle_s
            )
        ]


def read_committed_many(
    bootstrap: str, topics: list[str], *, expected: int, deadline_s: float, settle_s: float
) -> list[tuple[bytes | None, bytes]]:
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, isolation_level="read_committed", enable_auto_commit=False
    )
    try:
        partitions = []
        for topic in topics:
            ids: set[int] = wait_until(
                partial(consumer.partitions_for_topic, topic), what=f"topic {topic}"
            )
            partitions += [TopicPartition(topic, p) for p in sorted(ids)]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        out: list[tuple[bytes | None, bytes]] = []
        end = time.monotonic() + deadline_s
        settle_until: float | None = None
        while time.monotonic() < end:
            for records in consumer.poll(timeout_ms=300).values():
                out.extend((record.key, record.value) for record in records)
            if settle_until is None and len(out) >= expected:
                settle_until = time.monotonic() + settle_s
            if settle_until is not None and time.monotonic() >= settle_until:
                break
        return out
    finally:
        consumer.close()


def read_committed(
    bootstrap: str,
    topic: str,
    *,
    idle_s: float,
    deadline_s: float,
    expected: int | None = None,
) -> list[tuple[bytes | None, bytes]]:
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        isolation_level="read_committed",
        enable_auto_commit=False,
    )
    try:
        ids = wait_until(lambda: consumer.partitions_for_topic(topic), what=f"topic {topic}")
        partitions = [TopicPartition(topic, p) for p in sorted(ids)]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        out: list[tuple[bytes | None, bytes]] = []
        end = time.monotonic() + deadline_s
        last = time.monotonic()
        while time.monotonic() < end and time.monotonic() - last < idle_s:
            for records in consumer.poll(timeout_ms=300).values():
                for record in records:
                    out.append((record.key, record.value))
                    last = time.monotonic()
            if expected is not None and len(out) >= expected:
                break
        return out
    finally:
        consumer.close()


class WorkerProcess:
    """A `watchfloor serve` subprocess with its own log file and web port."""

    def __init__(
        self,
        deployment: Deployment,
        name: str,
        extra_env: dict[str, str],
        module: str = "streams.cli",
        store: str = "memory",
    ) -> None:
        self.deployment = deployment
        self.module = module
        self.store = store
        self.name = name
        self.log_path = deployment.root / f"{name}.log"
        self.state_dir = deployment.root / f"{name}-state"
        self.web_port = free_port()
        self.extra_env = extra_env
        self.process: subprocess.Popen[bytes] | None = None
        self._log_offset = 0

    def command(self) -> list[str]:
        """The worker's command line."""
        d = self.deployment
        return [
            sys.executable,
            "-m",
            self.module,
            "serve",
            "--bootstrap",
            d.worker_bootstrap or d.bootstrap,
            "--topic-prefix",
            d.prefix,
            "--app-id",
            d.app_id,
            "--partitions",
            str(d.partitions),
            "--store",
            self.store,
            "--state-dir",
            str(self.state_dir),
            "--web-port",
            str(self.web_port),
        ]

    def start(self, *, ready_deadline_s: float = 90.0) -> None:
        command = self.command()
        self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                env={**os.environ, **self.extra_env},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_until(self._ready, what=f"worker {self.name} ready", deadline_s=ready_deadline_s)

    def _ready(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"worker {self.name} exited:\n{self.log_tail()}")
        with open(self.log_path, "rb") as log:
            log.seek(self._log_offset)
            return READY_MARK in log.read()

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_bytes()[-chars:].decode(errors="replace")

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, no final commit."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self, timeout_s: float = 60.0) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
        return self.process.returncode


def metric_series(web_port: int, name: str) -> dict[str, float]:
    """Every series of one metric on the worker's /metrics, by its labels (``""`` for none);
    empty when the metric has no series yet (OSError if the worker does not answer)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{web_port}/metrics", timeout=5) as reply:
        text = reply.read().decode()
    series: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith((f"{name}{{", f"{name} ")):
            head, value = line.rsplit(" ", 1)
            series[head[len(name) :]] = float(value)
    return series


def metric_total(web_port: int, name: str, label: str = "") -> float:
    """Sum of every series of one metric on the worker's /metrics, or of those with `label`
    (such as ``reason="internal_error"``) when given (OSError if it does not answer); 0 when
    it has none, so a test that needs the metric to exist asks `metric_series`."""
    return sum(value for labels, value in metric_series(web_port, name).items() if label in labels)


def processed_events(web_port: int) -> float:
    """Events the worker on `web_port` has processed, from its metrics (0 when it does not
    answer, e.g. while it starts)."""
    try:
        return metric_total(web_port, "watchfloor_events_processed_total")
    except OSError:
        return 0.0


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for pid {pid}")


class PeriodicSampler:
    """Calls `sample` every `interval_s` on a thread until `stop` (or until `sample` returns
    False). Subclasses set their own fields before calling this `__init__`, which starts it."""

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def sample(self) -> bool:
        raise NotImplementedError

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            if not self.sample():
                return

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


class PeakRss(PeriodicSampler):
    """A process's peak RSS, sampled every `interval_s` on a thread until stopped."""

    def __init__(self, pid: int, interval_s: float = 0.5) -> None:
        self.pid = pid
        self.start = rss_bytes(pid)
        self.peak = self.start
        super().__init__(interval_s)

    def sample(self) -> bool:
        try:
            self.peak = max(self.peak, rss_bytes(self.pid))
        except (OSError, AssertionError):
            return False  # the process is gone; the test's liveness check says so
        return True

    def stop(self) -> int:  # type: ignore[override]
        super().stop()
        return self.peak


def alert_difference(live: list[bytes], expected: list[bytes]) -> str:
    """What differs between two lists of encoded alerts, by alert id, for a failure message."""

    def ids(alerts: list[bytes]) -> list[str]:
        return sorted(str(orjson.loads(alert)["alert_id"]) for alert in alerts)

    live_ids, expected_ids = ids(live), ids(expected)
    missing = sorted(set(expected_ids) - set(live_ids))
    extra = sorted(set(live_ids) - set(expected_ids))
    repeated = sorted({i for i in live_ids if live_ids.count(i) > 1})
    changed = [a for a in live if a not in expected and orjson.loads(a)["alert_id"] in expected_ids]
    return (
        f"{len(expected)} expected; missing {missing}; extra {extra}; repeated {repeated}; "
        f"content differs {changed[:2]}"
    )
