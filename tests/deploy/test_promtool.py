"""Prometheus's own checker accepts the shipped config and rules, and the config the live test
derives from them; and the alerting rules fire when, and only when, they should."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from tests.deploy.prometheus_support import PROMETHEUS_DIR, RULE_FILES, binary, scrape_config


def _promtool(*args: str, cwd: Path = PROMETHEUS_DIR) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [binary("promtool"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_promtool_accepts_the_shipped_config_and_the_rule_files_it_names() -> None:
    result = _promtool("check", "config", "prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 rule files found" in result.stdout


def test_promtool_accepts_the_rules() -> None:
    result = _promtool("check", "rules", *RULE_FILES)
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_accepts_the_config_the_live_test_derives(tmp_path: Path) -> None:
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump(scrape_config(["127.0.0.1:6066"], 9090)))
    result = _promtool("check", "config", str(path), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_alerting_rules_fire_as_their_unit_tests_expect() -> None:
    result = _promtool("test", "rules", "rules.test.yml")
    assert result.returncode == 0, result.stdout + result.stderr
