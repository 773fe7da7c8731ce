"""A real Prometheus scrapes a real worker while simulated events stream through it: every
dashboard panel and every recording rule then shows data, and no officer id leaks into the
metrics, their stored label values, or the worker's INFO log."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from streams.check import panel_expressions
from tests.deploy.prometheus_support import (
    DASHBOARDS_DIR,
    PROMETHEUS_DIR,
    PrometheusServer,
    finite_values,
)
from tests.integration.service_support import REPO_ROOT, Deployment, read_committed
from tests.kafka_support import wait_until

# Small enough for a busy 2-core machine to keep up, large enough that every source, several
# simulated days and a few alerts go by within the run.
OFFICERS = 60
RATE = 200
# Events flow at least this long before the queries, so that rates over a minute have points.
MIN_FLOW_S = 25.0

BAD_INPUT = [
    b"not json at all",
    b'{"schema_version": 1, "type": "badge"}',
    b'{"schema_version": 9, "type": "access", "event_id": "x", "officer_id": "P1"}',
]


@dataclass
class LiveSystem:
    deployment: Deployment
    prometheus: PrometheusServer
    worker_port: int
    worker_log: Path
    officer_ids: set[str]


def _metrics_text(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        return str(response.read().decode())


def _sample_sum(text: str, name: str) -> float:
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith((f"{name}{{", f"{name} "))
    )


@pytest.fixture(scope="module")
def live(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSystem]:
    root = tmp_path_factory.mktemp("live-metrics")
    run = uuid.uuid4().hex[:8]
    deployment = Deployment(
        bootstrap=kafka_bootstrap,
        prefix=f"t.live-metrics.wf.{run}",
        app_id=f"t.live-metrics.app.{run}",
        partitions=2,
        root=root,
    )
    deployment.create_topics()
    simulator: subprocess.Popen[bytes] | None = None
    try:
        worker = deployment.start_worker(extra_env={"WATCHFLOOR_LOG_LEVEL": "INFO"})
        with PrometheusServer(root, [f"127.0.0.1:{worker.web_port}"]) as prometheus:
            wait_until(
                lambda: prometheus.targets_up("watchfloor"),
                what="Prometheus scraping the worker",
                deadline_s=60.0,
            )
            with open(root / "simulator.log", "ab") as log:
                simulator = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "streams.cli",
                        "simulate",
                        "--to-kafka",
                        "--bootstrap",
                        kafka_bootstrap,
                        "--topic-prefix",
                        deployment.prefix,
                        "--officers",
                        str(OFFICERS),
                        "--rate",
                        str(RATE),
                        "--scenario-rate",
                        "0.5",
                        "--seed",
                        "8",
                    ],
                    cwd=REPO_ROOT,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            deployment.publish_events(BAD_INPUT, keyed=False)
            began = time.monotonic()
            wait_until(
                lambda: (
                    _sample_sum(_metrics_text(worker.web_port), "watchfloor_events_processed_total")
                    > 500
                ),
                what="the worker processing simulated events",
                deadline_s=180.0,
                interval_s=1.0,
            )
            time.sleep(max(0.0, MIN_FLOW_S - (time.monotonic() - began)))
            officers = read_committed(
                kafka_bootstrap, deployment.settings.topic("officers"), idle_s=3.0, deadline_s=60.0
            )
            yield LiveSystem(
                deployment,
                prometheus,
                worker.web_port,
                worker.log_path,
                {key.decode() for key, _ in officers if key},
            )
    finally:
        if simulator is not None and simulator.poll() is None:
            simulator.terminate()
            try:
                simulator.wait(timeout=30)
            except subprocess.TimeoutExpired:
                simulator.kill()
                simulator.wait(timeout=30)
        deployment.stop_all()


def _dashboard_expressions() -> list[tuple[str, str]]:
    found = []
    for path in sorted(DASHBOARDS_DIR.glob("*.json")):
        for title, expr in panel_expressions(json.loads(path.read_text())):
            found.append((f"{path.name}: {title}", expr))
    return found


def _recording_rules() -> list[tuple[str, str]]:
    document = yaml.safe_load((PROMETHEUS_DIR / "recording.rules.yml").read_text())
    return [
        (f"rule {rule['record']}", rule["record"])
        for group in document["groups"]
        for rule in group["rules"]
    ]


def test_every_dashboard_query_and_recording_rule_returns_data(live: LiveSystem) -> None:
    wanted = _dashboard_expressions() + _recording_rules()
    assert len(wanted) > 30

    def empty() -> list[str]:
        return [
            f"{place}: {expr}"
            for place, expr in wanted
            if not finite_values(live.prometheus.query(expr))
        ]

    # Rules over a minute or five need a few evaluations after the first events; the
    # deadline only covers a slow machine.
    missing: list[str] = []
    end = time.monotonic() + 90.0
    while time.monotonic() < end:
        missing = empty()
        if not missing:
            break
        time.sleep(2.0)
    assert missing == [], "\n".join(missing) + "\n" + live.prometheus.log_tail()


def test_the_stream_shows_up_in_the_metrics_prometheus_stored(live: LiveSystem) -> None:
    consumed = finite_values(live.prometheus.query("sum(watchfloor:events_consumed:rate1m)"))
    assert consumed and consumed[0] > 0
    sources = live.prometheus.query("watchfloor:events_consumed:rate1m > 0")
    assert {s["metric"]["source"] for s in sources} == {"badge", "access", "roster"}
    dead = live.prometheus.query('watchfloor_dead_letters_total{reason="unparseable"} > 0')
    assert dead, "the bad input sent was not counted as dead letters"
    lag = live.prometheus.query("watchfloor_consumer_lag_messages")
    assert {s["metric"]["topic"] for s in lag} >= {live.deployment.settings.topic("badge")}
    restores = finite_values(live.prometheus.query("watchfloor_restores_total"))
    assert restores and restores[0] >= 1


def test_no_officer_id_in_metrics_stored_labels_or_the_info_log(live: LiveSystem) -> None:
    assert len(live.officer_ids) == OFFICERS
    text = _metrics_text(live.worker_port)
    log = live.worker_log.read_text(errors="replace")
    assert " INFO " in log  # the log is at INFO level, so the check below means something
    labels = live.prometheus.api("labels")
    stored = " ".join(
        value for name in labels for value in live.prometheus.api(f"label/{name}/values")
    )
    pattern = re.compile(
        r"(?<![A-Za-z0-9])(" + "|".join(map(re.escape, sorted(live.officer_ids))) + r")(?![0-9])"
    )
    for where, body in (("/metrics", text), ("INFO log", log), ("stored labels", stored)):
        leaked = sorted(set(pattern.findall(body)))
        assert leaked == [], f"officer ids in {where}: {leaked}"
