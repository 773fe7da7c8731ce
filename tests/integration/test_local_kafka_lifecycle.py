"""`watchfloor kafka` start/status/stop on a broker of its own, with the awkward cases."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from streams.local_kafka import free_port, metadata_request, pid_is_alive

REPO_ROOT = Path(__file__).resolve().parents[2]


def _watchfloor(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "streams.cli", "kafka", *args, "--state-dir", str(state)],
        cwd=REPO_ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=150,
        check=False,
    )


@pytest.mark.slow
def test_lifecycle_second_start_stale_pid_and_port_in_use(tmp_path: Path) -> None:
    if os.environ.get("WATCHFLOOR_KAFKA_BOOTSTRAP"):
        pytest.skip("an external broker is configured; the local launcher is not in use")
    state = tmp_path / "state"

    # A port already taken is refused at once, before any JVM starts.
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        began = time.monotonic()
        refused = _watchfloor(state, "start", "--port", str(taken))
        assert refused.returncode == 1
        assert f"port {taken} on 127.0.0.1 is in use" in refused.stderr
        assert time.monotonic() - began < 30

    # A stale pid file is cleared with a message, and the start goes on.
    (state / "kafka").mkdir(parents=True)
    (state / "kafka" / "broker.json").write_text(
        json.dumps(
            {
                "port": 1,
                "controller_port": 2,
                "pid": 2**22 + 12345,
                "log_file": "x",
                "data_dir": "y",
                "version": "0",
            }
        )
    )
    port = free_port()
    started = _watchfloor(state, "start", "--port", str(port))
    assert started.returncode == 0, started.stderr
    assert "removing stale broker state" in started.stderr
    assert started.stdout.strip() == f"127.0.0.1:{port}"
    try:
        assert metadata_request(f"127.0.0.1:{port}") == [1]
        recorded = json.loads((state / "kafka" / "broker.json").read_text())
        assert recorded["port"] == port
        assert Path(recorded["log_file"]).exists()

        again = _watchfloor(state, "start")
        assert again.returncode == 0
        assert "already running" in again.stderr

        other_port = _watchfloor(state, "start", "--port", str(free_port()))
        assert other_port.returncode == 1
        assert "already running on port" in other_port.stderr

        status = _watchfloor(state, "status")
        assert status.returncode == 0
        assert f"127.0.0.1:{port}" in status.stdout
    finally:
        stopped = _watchfloor(state, "stop")
    assert stopped.returncode == 0
    assert not pid_is_alive(recorded["pid"])
    assert _watchfloor(state, "status").returncode == 1
