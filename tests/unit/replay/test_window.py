"""`--from`/`--to` through the real core: a window gives exactly the full replay's alerts in it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import orjson
import pytest

from detectors.config import load_config
from schemas.codec import decode_alert
from streams.replay.engine import SETTLE_SECONDS, pipeline_factory
from streams.replay.reference import load_reference
from streams.replay.run import ReplayOptions, SimulatedCrashError, replay
from streams.replay.summary import ReplaySummary
from tests.unit.replay.support import SimulatedForce, simulate

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> SimulatedForce:
    """40 officers over 30 days from 2026-03-02: rosters planned weeks ahead, as in a force."""
    return simulate(tmp_path_factory.mktemp("month"), officers=40, days=30, seed=11, rate=1.0)


def _replay(
    force: SimulatedForce,
    out: Path,
    start: str | None = None,
    end: str | None = None,
    **extra: object,
) -> tuple[ReplaySummary, list[bytes]]:
    options = ReplayOptions(
        inputs=(force.events,),
        out=out / "alerts.jsonl",
        dead_letter=out / "dead.jsonl",
        progress=False,
        start=datetime.fromisoformat(start).timestamp() if start else None,
        end=datetime.fromisoformat(end).timestamp() if end else None,
        **extra,  # type: ignore[arg-type]
    )
    reference = load_reference(force.reference).reference
    summary = replay(options, pipeline_factory(load_config(), reference))
    return summary, (out / "alerts.jsonl").read_bytes().splitlines()


@pytest.fixture(scope="module")
def full(
    month: SimulatedForce, tmp_path_factory: pytest.TempPathFactory
) -> tuple[ReplaySummary, list[bytes]]:
    return _replay(month, tmp_path_factory.mktemp("full"))


def _time(line: bytes) -> datetime:
    return datetime.fromisoformat(orjson.loads(line)["event_time"])


def _between(lines: list[bytes], start: str, end: str) -> list[bytes]:
    low, high = datetime.fromisoformat(start), datetime.fromisoformat(end)
    return [line for line in lines if low <= decode_alert(line).event_time < high]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-03-12T00:00:00+00:00", "2026-03-22T00:00:00+00:00"),
        # Mid-shift bounds, and --to after the change to summer time.
        ("2026-03-09T07:30:00+00:00", "2026-03-27T13:00:00+01:00"),
    ],
)
def test_a_window_gives_exactly_the_full_replays_alerts_in_it(
    month: SimulatedForce,
    full: tuple[ReplaySummary, list[bytes]],
    tmp_path: Path,
    start: str,
    end: str,
) -> None:
    summary, window = _replay(month, tmp_path, start, end)
    expected = _between(full[1], start, end)
    assert len(expected) >= 10  # the comparison means something
    assert window == expected
    assert summary.alerts == len(window)
    # Every event is accounted for once: in the window, fed for state only, or not fed.
    assert summary.events + summary.state_events + summary.out_of_range == full[0].events
    low, high = datetime.fromisoformat(start), datetime.fromisoformat(end)
    assert summary.events == sum(1 for line in month.lines if low <= _time(line) < high)
    assert summary.outside_alerts > 0 and summary.out_of_range > 0


def test_without_the_days_after_to_the_alerts_before_it_would_differ(
    month: SimulatedForce, full: tuple[ReplaySummary, list[bytes]], tmp_path: Path
) -> None:
    """Why --to reads on for SETTLE_SECONDS: late roster entries decide alerts before --to."""
    start, end = "2026-03-12T00:00:00+00:00", "2026-03-22T00:00:00+00:00"
    # A history that really ends at --to: what a window would be without reading on.
    ended = tmp_path / "ended.jsonl"
    kept = [line for line in month.lines if _time(line) < datetime.fromisoformat(end)]
    ended.write_bytes(b"".join(line + b"\n" for line in kept))
    short = SimulatedForce(month.folder, ended, month.reference, month.labels, kept)
    assert _replay(short, tmp_path / "ended", start, end)[1] != _between(full[1], start, end)
    assert SETTLE_SECONDS >= 36 * 3600  # the longest wait for a late roster entry


@pytest.mark.parametrize("crash_after", [5_000, 20_000])
def test_a_window_resumed_from_a_checkpoint_equals_one_run_through(
    month: SimulatedForce,
    full: tuple[ReplaySummary, list[bytes]],
    tmp_path: Path,
    crash_after: int,
) -> None:
    # 5,000 events in: still building state before --from; 20,000: inside the window.
    start, end = "2026-03-12T00:00:00+00:00", "2026-03-22T00:00:00+00:00"
    once, expected = _replay(month, tmp_path / "once", start, end)
    state = tmp_path / "state"
    with pytest.raises(SimulatedCrashError):
        _replay(
            month,
            tmp_path,
            start,
            end,
            state_dir=state,
            checkpoint_every=2_000,
            stop_after=crash_after,
        )
    summary, alerts = _replay(month, tmp_path, start, end, state_dir=state)
    assert summary.resumed and alerts == expected
    counts = ("events", "state_events", "out_of_range", "alerts", "outside_alerts", "late_events")
    assert [getattr(summary, c) for c in counts] == [getattr(once, c) for c in counts]
