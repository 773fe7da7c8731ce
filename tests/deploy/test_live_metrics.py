"""A real Prometheus scrapes a real worker while simulated events stream through it: every
dashboard panel and every recording rule then shows data from real activity, no officer id leaks
into the metrics, their stored label values, or the worker's INFO log, and the worker's web
server gives nothing but /metrics (no Faust table or cluster view)."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from streams.check import panel_expressions
from streams.service.topology import OFFICER_TABLES
from tests.deploy.prometheus_support import (
    DASHBOARDS_DIR,
    PROMETHEUS_DIR,
    RULE_FILES,
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


def _dashboard_expressions() -> dict[str, list[tuple[str, str]]]:
    found: dict[str, list[tuple[str, str]]] = {}
    for path in sorted(DASHBOARDS_DIR.glob("*.json")):
        found[path.name] = [
            (f"{path.name}: {title}", expr)
            for title, expr in panel_expressions(json.loads(path.read_text()))
        ]
    return found


def _recording_rules() -> list[tuple[str, str]]:
    document = yaml.safe_load((PROMETHEUS_DIR / "recording.rules.yml").read_text())
    return [
        (f"rule {rule['record']}", rule["record"])
        for group in document["groups"]
        for rule in group["rules"]
    ]


def _recorded_in_rule_files() -> int:
    """Recording rules counted in the files' text, apart from the parse the test relies on."""
    return sum(
        len(re.findall(r"^\s*-?\s*record:", (PROMETHEUS_DIR / name).read_text(), re.MULTILINE))
        for name in RULE_FILES
    )


def _value(prometheus: PrometheusServer, expr: str) -> float:
    values = finite_values(prometheus.query(expr))
    return values[0] if values else math.nan


# Each a sign of real work, not of series created at zero when the worker starts: events
# through the core, alerts published, officers with state, and bytes of that state.
ACTIVITY = (
    'sum(watchfloor_events_processed_total{outcome="processed"})',
    "sum(watchfloor_alerts_total)",
    "sum(watchfloor_officers_tracked)",
    "sum(watchfloor_state_bytes)",
)


def test_every_dashboard_query_and_recording_rule_returns_data(live: LiveSystem) -> None:
    dashboards = _dashboard_expressions()
    rules = _recording_rules()
    # Nothing is left out of the check below: every dashboard gives its queries, every
    # recording rule in the rule files is there.
    assert {name: len(found) > 0 for name, found in dashboards.items()} == dict.fromkeys(
        (path.name for path in DASHBOARDS_DIR.glob("*.json")), True
    )
    assert len(dashboards) >= 3
    assert len(rules) == _recorded_in_rule_files() > 0
    wanted = [item for found in dashboards.values() for item in found] + rules

    def empty() -> list[str]:
        return [
            f"{place}: {expr}"
            for place, expr in wanted
            if not finite_values(live.prometheus.query(expr))
        ]

    def idle() -> list[str]:
        return [expr for expr in ACTIVITY if not _value(live.prometheus, expr) > 0]

    # Rules over a minute or five need a few evaluations after the first events, and the
    # officer-state gauges are sampled every 15 s; the deadline only covers a slow machine.
    missing: list[str] = []
    end = time.monotonic() + 90.0
    while time.monotonic() < end:
        missing = empty() + idle()
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


def _status(port: int, path: str) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_the_running_worker_serves_metrics_but_no_table_or_cluster_view(live: LiveSystem) -> None:
    officer = sorted(live.officer_ids)[0]
    states = OFFICER_TABLES[0]
    # Faust's built-in views (faust.web.base), with a real table and a real officer id.
    views = [
        "/table/",
        f"/table/{states}/",
        f"/table/{states}/{officer}/",
        "/router/",
        "/router/topics",
        f"/router/{states}/{officer}/",
        "/graph/",
        "/assignment/",
        "/performance/",
    ]
    officers = finite_values(live.prometheus.query("sum(watchfloor_officers_tracked)"))
    assert officers and officers[0] > 0  # there is officer state a table view could show

    assert _status(live.worker_port, "/metrics") == 200
    assert {path: _status(live.worker_port, path) for path in views} == dict.fromkeys(views, 404)
