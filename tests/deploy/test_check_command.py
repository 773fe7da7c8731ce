"""`watchfloor check`: it passes on what ships, names every problem it finds, and checks the
topics of a real broker."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from streams.check import exported_names
from streams.cli import main
from streams.service.settings import ServiceSettings
from streams.service.topology import ensure_topics
from tests.deploy.prometheus_support import DASHBOARDS_DIR, PROMETHEUS_DIR


@pytest.fixture(autouse=True)
def no_broker_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # The session broker may be named in the environment; each test says whether it wants it.
    for variable in (
        "WATCHFLOOR_KAFKA_BOOTSTRAP",
        "WATCHFLOOR_DASHBOARDS",
        "WATCHFLOOR_PROMETHEUS_RULES",
        "WATCHFLOOR_CONFIG",
    ):
        monkeypatch.delenv(variable, raising=False)


def _check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    code = main(["check", *args])
    return code, capsys.readouterr().out.splitlines()


def _problems(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("problem")]


@pytest.fixture
def deploy_copy(tmp_path: Path) -> tuple[Path, Path]:
    dashboards = tmp_path / "dashboards"
    rules = tmp_path / "prometheus"
    shutil.copytree(DASHBOARDS_DIR, dashboards)
    shutil.copytree(PROMETHEUS_DIR, rules)
    return dashboards, rules


def test_check_passes_on_the_shipped_files_and_says_the_topics_were_skipped(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, lines = _check(capsys)
    assert code == 0, lines
    assert _problems(lines) == []
    assert any(line.startswith("skipped  topics: no broker given") for line in lines)
    assert sum(line.startswith("ok       dashboard ") for line in lines) == 3
    assert lines[-1] == "0 problems found"


def test_exported_names_include_every_suffix_prometheus_stores() -> None:
    names = exported_names()
    assert {
        "watchfloor_events_consumed_total",
        "watchfloor_event_processing_seconds_bucket",
        "watchfloor_event_processing_seconds_count",
        "watchfloor_event_processing_seconds_sum",
        "watchfloor_consumer_lag_messages",
        "watchfloor_restore_duration_seconds",
        "watchfloor_build_info",
        "process_start_time_seconds",
    } <= names


def test_check_names_each_unknown_metric_in_a_dashboard_and_a_rule(
    capsys: pytest.CaptureFixture[str], deploy_copy: tuple[Path, Path]
) -> None:
    dashboards, rules = deploy_copy
    board = dashboards / "overview.json"
    board.write_text(
        board.read_text().replace("watchfloor_event_time_lag_seconds", "watchfloor_event_lag_s")
    )
    recording = rules / "recording.rules.yml"
    recording.write_text(
        recording.read_text().replace(
            "rate(watchfloor_dead_letters_total[5m])", "rate(watchfloor_deadletters_total[5m])"
        )
    )
    code, lines = _check(capsys, "--dashboards", str(dashboards), "--rules", str(rules))
    assert code == 1
    problems = _problems(lines)
    assert any(
        "dashboard overview.json, Event-time lag" in p
        and "watchfloor_event_lag_s is not exported by the worker" in p
        for p in problems
    ), problems
    assert any(
        "rules recording.rules.yml, rule watchfloor:dead_letters:rate5m" in p
        and "watchfloor_deadletters_total" in p
        for p in problems
    ), problems
    assert lines[-1] == f"{len(problems)} problems found"


def test_check_reports_a_recorded_series_that_no_rule_records(
    capsys: pytest.CaptureFixture[str], deploy_copy: tuple[Path, Path], tmp_path: Path
) -> None:
    dashboards, rules = deploy_copy
    board = json.loads((dashboards / "detectors.json").read_text())
    board["panels"][1]["targets"][0]["expr"] = "watchfloor:alerts:rate5m"
    (dashboards / "detectors.json").write_text(json.dumps(board))
    code, lines = _check(capsys, "--dashboards", str(dashboards), "--rules", str(rules))
    assert code == 1
    assert any(
        "watchfloor:alerts:rate5m is not recorded by any recording rule" in p
        for p in _problems(lines)
    )


def test_check_reports_what_a_grafana_export_leaves_that_provisioning_cannot_load(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    grafana = tmp_path / "grafana"
    shutil.copytree(DASHBOARDS_DIR.parent, grafana)
    path = grafana / "dashboards" / "data-quality.json"
    board = json.loads(path.read_text())
    board["id"] = 7
    board["__inputs"] = [{"name": "DS_PROMETHEUS", "type": "datasource"}]
    board["panels"][1]["datasource"] = "${DS_PROMETHEUS}"
    board["panels"][2]["targets"][0]["datasource"] = {"type": "prometheus", "uid": "abc123"}
    path.write_text(json.dumps(board))
    code, lines = _check(capsys, "--dashboards", str(grafana / "dashboards"))
    assert code == 1
    title1, title2 = board["panels"][1]["title"], board["panels"][2]["title"]
    assert _problems(lines) == [
        'problem  dashboard data-quality.json: "id" must be null for provisioning, not 7',
        'problem  dashboard data-quality.json: "__inputs" is left from an export; provisioning '
        "does not fill it in",
        f"problem  dashboard data-quality.json: panel {title1}: datasource ${{DS_PROMETHEUS}} "
        "is not a provisioned datasource uid",
        f"problem  dashboard data-quality.json: panel {title2}: datasource abc123 is not a "
        "provisioned datasource uid",
    ]


def test_check_reports_a_detector_config_that_does_not_load(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = tmp_path / "detectors.toml"
    config.write_text("[core]\nrisk_treshold = 12.0\n")
    code, lines = _check(capsys, "--config", str(config))
    assert code == 1
    assert _problems(lines) == [
        f"problem  detector configuration ({config}): core.risk_treshold: unknown setting"
    ]


def test_check_falls_back_to_the_environment_for_every_path(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    deploy_copy: tuple[Path, Path],
) -> None:
    dashboards, _ = deploy_copy
    (dashboards / "broken.json").write_text("{not json")
    monkeypatch.setenv("WATCHFLOOR_DASHBOARDS", str(dashboards))
    code, lines = _check(capsys)
    assert code == 1
    assert [p for p in _problems(lines) if "broken.json: not readable JSON" in p]


def test_check_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["check", "--rules", str(tmp_path / "absent")]) == 2
    assert "--rules" in capsys.readouterr().err
    assert main(["check", "--partitions", "0"]) == 2
    with pytest.raises(SystemExit) as stop:
        main(["check", "--no-such-flag"])
    assert stop.value.code == 2


@pytest.mark.integration
def test_check_finds_missing_misshapen_and_uncompacted_topics_on_a_real_broker(
    capsys: pytest.CaptureFixture[str],
    kafka_bootstrap: str,
    unique_name: Callable[[str], str],
) -> None:
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic

    settings = ServiceSettings(
        bootstrap=kafka_bootstrap,
        topic_prefix=unique_name("wf"),
        app_id=unique_name("app"),
        partitions=2,
    )
    flags = [
        "--bootstrap",
        kafka_bootstrap,
        "--topic-prefix",
        settings.topic_prefix,
        "--app-id",
        settings.app_id,
        "--partitions",
        "2",
    ]
    code, lines = _check(capsys, *flags)
    assert code == 1
    assert any(f"topic {settings.topic('badge')}: missing" in p for p in _problems(lines))

    # Reference topics must be compacted; one made by hand without it is reported.
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap, request_timeout_ms=30_000)
    try:
        admin.create_topics([NewTopic(settings.topic("officers"), 1, 1)], timeout_ms=30_000)
    finally:
        admin.close()
    ensure_topics(settings, {"bootstrap_servers": kafka_bootstrap})
    expected = [
        f"problem  topic {settings.topic('officers')}: cleanup.policy delete, expected compact"
    ]
    # Topics just created can take a moment to show in a new client's metadata (seen in CI).
    deadline = time.monotonic() + 30
    code, lines = _check(capsys, *flags)
    while _problems(lines) != expected and time.monotonic() < deadline:
        time.sleep(0.5)
        code, lines = _check(capsys, *flags)
    assert _problems(lines) == [
        f"problem  topic {settings.topic('officers')}: cleanup.policy delete, expected compact"
    ]
    assert code == 1

    code, lines = _check(capsys, *flags[:-1], "3")
    assert any(
        f"topic {settings.topic('badge')}: 2 partitions, expected 3" in p for p in _problems(lines)
    )
    assert code == 1
