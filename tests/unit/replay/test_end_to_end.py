"""A small simulated force through the real detector core: the guarantees replay gives."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

import streams.cli
from detectors.config import load_config
from streams.replay.engine import pipeline_factory
from streams.replay.reference import load_reference
from streams.replay.run import ReplayOptions, SimulatedCrashError, replay
from streams.replay.summary import ReplaySummary
from tests.unit.replay.support import SimulatedForce, write_jsonl

pytestmark = pytest.mark.slow


def _replay(
    force: SimulatedForce, out: Path, *inputs: Path, **extra: object
) -> tuple[ReplaySummary, bytes]:
    loaded = load_reference(force.reference)
    options = ReplayOptions(
        inputs=inputs,
        out=out / "alerts.jsonl",
        dead_letter=out / "dead.jsonl",
        progress=False,
        **extra,  # type: ignore[arg-type]
    )
    summary = replay(options, pipeline_factory(load_config(), loaded.reference))
    return summary, (out / "alerts.jsonl").read_bytes()


@pytest.fixture(scope="module")
def baseline(
    small_force: SimulatedForce, tmp_path_factory: pytest.TempPathFactory
) -> tuple[ReplaySummary, bytes]:
    return _replay(small_force, tmp_path_factory.mktemp("baseline"), small_force.events)


def test_the_simulated_force_raises_alerts_of_many_detectors(
    baseline: tuple[ReplaySummary, bytes],
) -> None:
    summary, data = baseline
    assert summary.events > 10_000 and summary.bad_lines == 0
    assert len(summary.alerts_by_detector) >= 8
    assert data.count(b"\n") == summary.alerts


def test_gzip_equals_plain(
    small_force: SimulatedForce, baseline: tuple[ReplaySummary, bytes], tmp_path: Path
) -> None:
    plain = write_jsonl(tmp_path / "events.jsonl", small_force.lines)
    assert _replay(small_force, tmp_path, plain)[1] == baseline[1]


def test_merged_inputs_equal_one_presorted_input(
    small_force: SimulatedForce, baseline: tuple[ReplaySummary, bytes], tmp_path: Path
) -> None:
    # One export per producing system, as a force would hand them over.
    by_type: dict[str, list[bytes]] = {"badge": [], "access": [], "roster": []}
    for line in small_force.lines:
        by_type[orjson.loads(line)["type"]].append(line)
    parts = tmp_path / "exports"
    parts.mkdir()
    for kind, lines in by_type.items():
        write_jsonl(parts / f"{kind}.jsonl.gz", lines, compress=kind != "access")
    summary, data = _replay(small_force, tmp_path, parts)
    assert summary.inputs == 3 and summary.late_events == 0
    assert data == baseline[1]


@pytest.mark.parametrize("crash_after", [2_500, 9_999])
def test_interrupted_and_resumed_equals_uninterrupted(
    small_force: SimulatedForce,
    baseline: tuple[ReplaySummary, bytes],
    tmp_path: Path,
    crash_after: int,
) -> None:
    state = tmp_path / "state"
    with pytest.raises(SimulatedCrashError):
        _replay(
            small_force,
            tmp_path,
            small_force.events,
            state_dir=state,
            checkpoint_every=2_000,
            stop_after=crash_after,
        )
    summary, data = _replay(small_force, tmp_path, small_force.events, state_dir=state)
    assert summary.resumed and summary.events == baseline[0].events
    assert data == baseline[1]
    assert summary.alerts_by_detector == baseline[0].alerts_by_detector


def test_replay_evaluate_and_report_through_the_cli(
    small_force: SimulatedForce,
    baseline: tuple[ReplaySummary, bytes],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(streams.cli, "COMMAND_MODULES", ("streams.replay.command",))
    out = tmp_path / "alerts.jsonl"
    report = tmp_path / "report.html"
    argv = ["replay", str(small_force.events), "--reference", str(small_force.reference)]
    argv += ["--out", str(out), "--report", str(report), "--json"]
    assert streams.cli.main(argv) == 0
    assert orjson.loads(capsys.readouterr().out)["alerts"] == baseline[0].alerts
    assert out.read_bytes() == baseline[1]
    page = report.read_text(encoding="utf-8")
    assert "id='timelines'" in page and "fig-timeline-1" in page

    argv = ["evaluate", "--alerts", str(out), "--labels", str(small_force.labels), "--json"]
    assert streams.cli.main(argv) == 0
    result = orjson.loads(capsys.readouterr().out)
    assert set(result) == {"overall", "by_scenario"}
    overall = result["overall"]
    assert {"precision", "recall", "false_alerts_per_1000_officer_days"} <= set(overall)
    assert overall["officer_days"] is not None  # 50 officers from reference/ beside the labels
    assert result["by_scenario"]
    for row in result["by_scenario"].values():
        assert {"precision", "recall", "median_time_to_detect_s"} <= set(row)
