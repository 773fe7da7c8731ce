"""A real Prometheus server for the deploy tests: Debian's `prometheus` binary, started on a free
port with a temporary storage directory, queried over its HTTP API, stopped at the end."""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from streams.local_kafka import free_port
from tests.kafka_support import wait_until

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOY = REPO_ROOT / "deploy"
PROMETHEUS_DIR = DEPLOY / "prometheus"
DASHBOARDS_DIR = DEPLOY / "grafana" / "dashboards"
RULE_FILES = ("recording.rules.yml", "alerting.rules.yml")


def binary(name: str) -> str:
    """The path of `prometheus` or `promtool`; a missing one fails under CI, else skips."""
    found = shutil.which(name)
    if found is None:
        reason = f"`{name}` is not installed (Debian package `prometheus`; .ci/run installs it)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return found


def scrape_config(worker_targets: list[str], port: int, interval: str = "1s") -> dict[str, Any]:
    """deploy/prometheus/prometheus.yml as shipped, but scraping the test's workers every
    `interval`, and with the rule files by absolute path."""
    config: dict[str, Any] = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text())
    config["global"]["scrape_interval"] = interval
    config["global"]["evaluation_interval"] = interval
    config["rule_files"] = [str(PROMETHEUS_DIR / name) for name in config["rule_files"]]
    for job in config["scrape_configs"]:
        if job["job_name"] == "watchfloor":
            job["static_configs"] = [{"targets": worker_targets}]
        elif job["job_name"] == "prometheus":
            job["static_configs"] = [{"targets": [f"127.0.0.1:{port}"]}]
    return config


class PrometheusServer:
    """One Prometheus process; `with` starts it and always stops it."""

    def __init__(self, root: Path, worker_targets: list[str]) -> None:
        self.root = root
        self.port = free_port()
        self.config_path = root / "prometheus.yml"
        self.config_path.write_text(yaml.safe_dump(scrape_config(worker_targets, self.port)))
        self.log_path = root / "prometheus.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> PrometheusServer:
        command = [
            binary("prometheus"),
            f"--config.file={self.config_path}",
            f"--storage.tsdb.path={self.root / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--log.level=warn",
        ]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        wait_until(self._ready, what="Prometheus ready", deadline_s=60.0)
        return self

    def _ready(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"prometheus exited:\n{self.log_tail()}")
        with urllib.request.urlopen(f"{self.url}/-/ready", timeout=5) as response:
            return bool(response.status == 200)

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_bytes()[-chars:].decode(errors="replace")

    def api(self, path: str, **params: str) -> Any:
        query = urllib.parse.urlencode(params)
        with urllib.request.urlopen(f"{self.url}/api/v1/{path}?{query}", timeout=30) as response:
            body = json.loads(response.read())
        assert body["status"] == "success", body
        return body["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        """The instant vector of `expr` now (scalars come back as one unlabelled sample)."""
        data = self.api("query", query=expr)
        if data["resultType"] in ("scalar", "string"):
            return [{"metric": {}, "value": data["result"]}]
        result: list[dict[str, Any]] = data["result"]
        return result

    def targets_up(self, job: str) -> bool:
        active = self.api("targets", state="active")["activeTargets"]
        return any(t["labels"].get("job") == job and t["health"] == "up" for t in active)


def finite_values(result: list[dict[str, Any]]) -> list[float]:
    """The sample values of an instant vector that are numbers (not NaN or infinite).

    >>> finite_values([{"value": [1, "2.5"]}, {"value": [1, "NaN"]}, {"value": [1, "+Inf"]}])
    [2.5]
    """
    values = [float(sample["value"][1]) for sample in result]
    return [value for value in values if math.isfinite(value)]
