"""A reader that closes stdout early (`| head`) ends `watchfloor` quietly with 0, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.replay.support import SimulatedForce

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]


def _with_stdout_closed(*argv: str) -> tuple[int, str]:
    """Run `watchfloor argv` writing to a pipe whose reader is already gone."""
    reader, writer = os.pipe()
    os.close(reader)  # as `head` does once it has its lines: every write now fails with EPIPE
    try:
        done = subprocess.run(
            [sys.executable, "-m", "streams.cli", *argv],
            stdout=writer,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            cwd=ROOT,
            timeout=300,
            check=False,
        )
    finally:
        os.close(writer)
    return done.returncode, done.stderr.decode()


def _assert_quiet(stderr: str) -> None:
    for noise in ("Traceback", "Broken pipe", "BrokenPipeError", "Exception ignored"):
        assert noise not in stderr, stderr


def test_replay_of_alerts_to_a_closed_pipe_ends_quietly(
    small_force: SimulatedForce, tmp_path: Path
) -> None:
    code, stderr = _with_stdout_closed(
        "replay",
        str(small_force.events),
        "--reference",
        str(small_force.reference),
        "--out",
        "-",
        "--dead-letter",
        str(tmp_path / "dead.jsonl"),
    )
    _assert_quiet(stderr)
    assert code == 0


def test_evaluate_to_a_closed_pipe_ends_quietly(
    small_force: SimulatedForce, tmp_path: Path
) -> None:
    alerts = tmp_path / "alerts.jsonl"
    alerts.write_bytes(b"")
    code, stderr = _with_stdout_closed(
        "evaluate", "--alerts", str(alerts), "--labels", str(small_force.labels)
    )
    _assert_quiet(stderr)
    assert code == 0
