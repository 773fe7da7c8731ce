"""The deployment files hang together: what docker-compose mounts exists, services name each
other consistently, and the dashboards are fit for file provisioning. (No Docker engine runs
here, so this is as far as the compose file can be proved offline.)"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.prometheus_support import DASHBOARDS_DIR, DEPLOY, PROMETHEUS_DIR, REPO_ROOT

COMPOSE = DEPLOY / "docker-compose.yml"
PROVISIONING = DEPLOY / "grafana" / "provisioning"
# Links, bookmarks and alerts point at these; renaming one breaks them, so it is a decision.
STABLE_UIDS = {"watchfloor-overview", "watchfloor-detectors", "watchfloor-data-quality"}


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


def _datasource_uid() -> str:
    document = yaml.safe_load((PROVISIONING / "datasources" / "prometheus.yml").read_text())
    (source,) = document["datasources"]
    return str(source["uid"])


def _dashboards() -> list[tuple[Path, dict[str, Any]]]:
    return [(path, json.loads(path.read_text())) for path in sorted(DASHBOARDS_DIR.glob("*.json"))]


def _walk(node: Any) -> list[Any]:
    found = [node]
    if isinstance(node, dict):
        for value in node.values():
            found += _walk(value)
    elif isinstance(node, list):
        for value in node:
            found += _walk(value)
    return found


def _environment(service: dict[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in service.get("environment", {}).items()}


def test_compose_has_kafka_worker_prometheus_grafana_and_an_optional_simulator() -> None:
    services = _compose()["services"]
    assert set(services) == {"kafka", "worker", "simulator", "prometheus", "grafana"}
    assert services["kafka"]["image"] == "apache/kafka:4.1.1"
    roles = _environment(services["kafka"])["KAFKA_PROCESS_ROLES"]
    assert set(roles.split(",")) == {"broker", "controller"}  # KRaft, no ZooKeeper
    assert services["simulator"]["profiles"] == ["simulator"]
    assert "profiles" not in services["worker"]
    assert services["worker"]["command"] == ["serve"]
    assert services["simulator"]["command"][:2] == ["simulate", "--to-kafka"]


def test_compose_services_depend_only_on_services_that_exist() -> None:
    services = _compose()["services"]
    for name, service in services.items():
        depends = service.get("depends_on", [])
        assert set(depends) <= set(services) - {name}, name


def test_every_file_compose_mounts_or_builds_from_exists() -> None:
    compose = _compose()
    declared = set(compose.get("volumes", {}))
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith((".", "/")):
                assert (DEPLOY / source).resolve().exists(), f"{name} mounts missing {source}"
            else:
                assert source in declared, f"{name} uses undeclared volume {source}"
        if "build" in service:
            context = (DEPLOY / service["build"]["context"]).resolve()
            assert context == REPO_ROOT
            assert (context / service["build"]["dockerfile"]).is_file()


def test_dockerfile_copies_only_paths_that_exist() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    sources = [
        part
        for line in dockerfile.splitlines()
        if line.startswith("COPY ") and "--from" not in line
        for part in line.split()[1:-1]
    ]
    assert sources
    for source in sources:
        assert (REPO_ROOT / source).exists(), source


def test_worker_prometheus_and_grafana_address_each_other_by_service_name() -> None:
    services = _compose()["services"]
    worker_env = _environment(services["worker"])
    kafka_env = _environment(services["kafka"])
    host, port = worker_env["WATCHFLOOR_KAFKA_BOOTSTRAP"].split(":")
    assert host == "kafka"
    assert f"PLAINTEXT://{host}:{port}" in kafka_env["KAFKA_ADVERTISED_LISTENERS"]
    # Prometheus scrapes from its own container, so the worker must listen beyond loopback.
    assert worker_env["WATCHFLOOR_WEB_BIND"] == "0.0.0.0"
    config = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text())
    (job,) = [j for j in config["scrape_configs"] if j["job_name"] == "watchfloor"]
    assert job["static_configs"][0]["targets"] == [f"worker:{worker_env['WATCHFLOOR_WEB_PORT']}"]
    mounted = {
        Path(volume.split(":")[1]).name
        for volume in services["prometheus"]["volumes"]
        if volume.startswith("./prometheus/")
    }
    assert set(config["rule_files"]) <= mounted
    datasource = yaml.safe_load((PROVISIONING / "datasources" / "prometheus.yml").read_text())
    assert datasource["datasources"][0]["url"] == "http://prometheus:9090"
    provider = yaml.safe_load((PROVISIONING / "dashboards" / "watchfloor.yml").read_text())
    path = provider["providers"][0]["options"]["path"]
    assert f"./grafana/dashboards:{path}:ro" in services["grafana"]["volumes"]


def test_dashboards_have_stable_uids_null_ids_and_no_import_placeholders() -> None:
    dashboards = _dashboards()
    assert {board["uid"] for _, board in dashboards} == STABLE_UIDS
    for path, board in dashboards:
        assert board["id"] is None, path.name
        assert "__inputs" not in board and "__requires" not in board, path.name
        assert "${DS_" not in path.read_text(), path.name


def test_every_panel_queries_the_provisioned_datasource_by_uid() -> None:
    uid = _datasource_uid()
    for path, board in _dashboards():
        references = [
            node["datasource"]
            for node in _walk(board["panels"])
            if isinstance(node, dict) and "datasource" in node
        ]
        assert references, path.name
        assert all(ref == {"type": "prometheus", "uid": uid} for ref in references), path.name


@pytest.mark.parametrize("path", sorted(DASHBOARDS_DIR.glob("*.json")), ids=lambda p: p.name)
def test_panels_have_unique_ids_titles_and_a_query_each(path: Path) -> None:
    board = json.loads(path.read_text())
    panels = [p for p in _walk(board["panels"]) if isinstance(p, dict) and "gridPos" in p]
    ids = [panel["id"] for panel in panels]
    assert len(ids) == len(set(ids))
    for panel in panels:
        assert panel["title"]
        if panel["type"] != "row":
            assert panel["description"], panel["title"]
            assert [t["expr"] for t in panel["targets"] if t.get("expr")], panel["title"]
            # Grafana variables would need substituting before Prometheus could run them.
            assert not any(re.search(r"\$\w", t["expr"]) for t in panel["targets"])


@pytest.mark.parametrize("path", sorted(DASHBOARDS_DIR.glob("*.json")), ids=lambda p: p.name)
def test_panels_do_not_overlap(path: Path) -> None:
    board = json.loads(path.read_text())
    cells: dict[tuple[int, int], str] = {}
    for panel in board["panels"]:
        box = panel["gridPos"]
        for y in range(box["y"], box["y"] + box["h"]):
            for x in range(box["x"], box["x"] + box["w"]):
                assert (x, y) not in cells, f"{panel['title']} overlaps {cells[x, y]}"
                cells[x, y] = panel["title"]


def test_the_detectors_dashboard_charts_each_detector_against_its_usual_level_over_time() -> None:
    board = json.loads((DASHBOARDS_DIR / "detectors.json").read_text())
    over_time = [
        target
        for panel in board["panels"]
        if panel["type"] == "timeseries"
        for target in panel["targets"]
        if target["expr"] == "watchfloor:alerts:rate1h:ratio_to_usual"
    ]
    # A series per detector: the recorded ratio keeps its detector label, and the legend names it.
    assert [t["legendFormat"] for t in over_time] == ["{{detector}}"]
    assert over_time[0]["range"] is True
