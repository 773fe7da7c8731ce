"""Clear messages, never hangs, when the local broker cannot be started."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def _watchfloor(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "streams.cli", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_missing_java_says_what_to_install_and_the_alternatives(tmp_path: Path) -> None:
    # A PATH holding only this Python: no java, no mvn, and an empty jar cache.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    env = {
        "PATH": str(bin_dir),
        "HOME": str(tmp_path),
        "WATCHFLOOR_CACHE_DIR": str(tmp_path / "cache"),
        "WATCHFLOOR_STATE_DIR": str(tmp_path / "state"),
        "PYTHONPATH": os.environ.get("PYTHONPATH", str(REPO_ROOT)),
    }
    result = _watchfloor("kafka", "start", env=env)
    assert result.returncode == 1
    message = result.stderr
    assert "`java` was not found" in message
    assert "WATCHFLOOR_KAFKA_BOOTSTRAP" in message
    assert "deploy/" in message and "Docker" in message
    assert "Traceback" not in message


def test_status_without_a_broker_says_so_and_exits_one(tmp_path: Path) -> None:
    env = {**os.environ, "WATCHFLOOR_STATE_DIR": str(tmp_path / "state")}
    result = _watchfloor("kafka", "status", env=env)
    assert result.returncode == 1
    assert "no local broker is running" in result.stderr


def test_unknown_command_is_a_usage_error(tmp_path: Path) -> None:
    result = _watchfloor("kafka", "explode", env=dict(os.environ))
    assert result.returncode == 2
