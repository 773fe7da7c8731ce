"""The replay loop: merged history through the core, alerts and dead letters out, checkpoints.

:func:`replay` is the whole of ``watchfloor replay`` except argument parsing and the report. It
reads the merged inputs item by item (never a file whole), feeds events to the engine, writes
alerts as they become final, dead-letters bad lines, and, given a state directory, checkpoints
every ``checkpoint_seconds`` and on an interruption. Run again with the same arguments, it
resumes from the checkpoint: the output files are cut back to their checkpointed lengths and the
core is restored, so the result is byte-identical to an uninterrupted run. A replay that
completes removes its checkpoint, so the same command run once more starts afresh.

A time range (``--from``/``--to``) limits the alerts written, not the history the core sees:
events before ``--from`` build each officer's state, and events up to ``SETTLE_SECONDS`` after
``--to`` settle the checks still open at ``--to``, so a window holds exactly the alerts the full
replay has in it, byte for byte.

Examples
--------
>>> import pathlib, tempfile
>>> from detectors.config import load_config
>>> from detectors.reference import Reference
>>> from streams.replay.engine import pipeline_factory
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "events.jsonl").write_text("{}\\n")
>>> options = ReplayOptions(inputs=(folder / "events.jsonl",), out=folder / "alerts.jsonl",
...     dead_letter=folder / "dead.jsonl", progress=False)
>>> summary = replay(options, pipeline_factory(load_config(), Reference()))
>>> summary.events, summary.bad_lines, (folder / "alerts.jsonl").read_bytes()
(0, 1, b'')
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final, Protocol

from schemas.alerts import Alert
from streams.collector import fewer_collections
from streams.replay.checkpoint import (
    Checkpoint,
    clear_checkpoint,
    fingerprint,
    load_checkpoint,
    save_checkpoint,
)
from streams.replay.deadletters import DeadLetterWriter, now_utc
from streams.replay.engine import SETTLE_SECONDS, Engine, EngineFactory
from streams.replay.inputs import Position, Source, find_inputs, merge, warn_skipped
from streams.replay.lines import ByteCounter
from streams.replay.outputs import AlertWriter
from streams.replay.progress import ProgressBar
from streams.replay.reference import Rejection
from streams.replay.summary import ReplaySummary

# Items between two looks at the clock (progress, checkpoint due, stop requested): rare enough
# to cost nothing per event, frequent enough (a few per millisecond) to react at once.
CHECK_EVERY: Final = 4096


class ReplayError(Exception):
    """A replay that cannot start or resume as asked."""


class SimulatedCrashError(Exception):
    """Raised by the `stop_after` test hook: the process "dies" without a last checkpoint."""


class AlertWindow:
    """Writes only the alerts whose event time is in ``[low, high)``; counts the others.

    >>> kept = []
    >>> window = AlertWindow(kept.extend, 10.0, 20.0)
    >>> from types import SimpleNamespace as At
    >>> from datetime import datetime, UTC
    >>> window.write([At(event_time=datetime.fromtimestamp(t, UTC)) for t in (9, 10, 19.5, 20)])
    >>> len(kept), window.outside
    (2, 2)
    """

    __slots__ = ("_write", "high", "low", "outside")

    def __init__(
        self, write: Callable[[list[Alert]], None], low: float, high: float, *, outside: int = 0
    ) -> None:
        self._write = write
        self.low = low
        self.high = high
        self.outside = outside

    def write(self, found: list[Alert]) -> None:
        low, high = self.low, self.high
        kept = [a for a in found if low <= a.event_time.timestamp() < high]
        self.outside += len(found) - len(kept)
        if kept:
            self._write(kept)


class StopFlag(Protocol):
    """Set (by a signal handler) to ask the replay to checkpoint and stop."""

    def is_set(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class ReplayOptions:
    """One replay, as ``watchfloor replay`` was asked for it."""

    inputs: tuple[Path, ...]
    out: Path | None  # None: standard output
    dead_letter: Path
    # Epoch seconds: alerts are written for event times in [start, end). Every event before
    # `end` + SETTLE_SECONDS still reaches the core, so the alerts in the range are exactly the
    # full replay's (state built from earlier rosters, checks settled by later entries).
    start: float | None = None
    end: float | None = None
    state_dir: Path | None = None
    checkpoint_seconds: float = 60.0
    progress: bool | None = None  # None: when stderr is a terminal
    # What else decides the result (configuration hash, reference files): part of the
    # fingerprint that a checkpoint must match.
    identity: Mapping[str, Any] = field(default_factory=dict)
    # Test hooks: checkpoint after every N events; "crash" after N events of this run.
    checkpoint_every: int | None = None
    stop_after: int | None = None


def replay_fingerprint(options: ReplayOptions, sources: Iterable[Source]) -> str:
    """The identity of a replay that its checkpoints must match."""
    return fingerprint(
        {
            "inputs": [(str(s.path.resolve()), s.size, s.mtime_ns) for s in sources],
            "from": options.start,
            "to": options.end,
            "out": str(options.out.resolve()) if options.out is not None else "-",
            "dead_letter": str(options.dead_letter.resolve()),
            "identity": dict(options.identity),
        }
    )


@fewer_collections()
def replay(
    options: ReplayOptions,
    make_engine: EngineFactory,
    *,
    reference_rejected: Iterable[Rejection] = (),
    stop: StopFlag | None = None,
    wall_clock: Callable[[], datetime] = now_utc,
) -> ReplaySummary:
    """Run (or resume) one replay; see the module docstring."""
    started = time.monotonic()
    listed = find_inputs(options.inputs)
    sources = listed.sources
    warn_skipped(listed.skipped)
    fp = replay_fingerprint(options, sources)
    state_dir = options.state_dir
    if state_dir is not None and options.out is None:
        raise ReplayError("--state-dir needs --out FILE: alerts on stdout cannot be resumed")
    saved = load_checkpoint(state_dir) if state_dir is not None else None
    if saved is not None and (saved.fingerprint != fp or len(saved.positions) != len(sources)):
        raise ReplayError(
            f"{state_dir} holds the checkpoint of a different replay (other inputs, times, "
            "configuration or outputs); remove it or choose another --state-dir"
        )
    counts: dict[str, Any] = saved.counts if saved is not None else {}
    try:
        engine: Engine = make_engine(saved.engine if saved is not None else None)
    # Deliberately broad: whatever a damaged or foreign snapshot makes the core raise, the
    # person needs one line saying the state directory is the problem, not a traceback.
    except Exception as error:
        if saved is None:
            raise
        raise ReplayError(
            f"{state_dir}: the core cannot resume from this checkpoint ({error})"
        ) from error
    positions = (
        [Position(line, key) for line, key in saved.positions]
        if saved is not None
        else [Position() for _ in sources]
    )
    try:
        if options.out is None:
            alerts = AlertWriter.to_stream(sys.stdout.buffer)
        else:
            alerts = AlertWriter.to_file(
                options.out,
                keep_bytes=saved.alerts_bytes if saved is not None else 0,
                by_detector=counts.get("alerts_by_detector"),
                by_category=counts.get("alerts_by_category"),
            )
        dead = DeadLetterWriter(
            options.dead_letter,
            keep_bytes=saved.dead_letter_bytes if saved is not None else 0,
            counts=counts.get("bad_reasons"),
            clock=wall_clock,
        )
    except OSError as error:
        raise ReplayError(f"{'cannot resume: ' if saved else ''}{error}") from error
    reference_bad = int(counts.get("reference_bad_lines", 0))
    if saved is None:
        for original, file, line, problem in reference_rejected:
            dead.write(original, file, line, problem)
            reference_bad += 1
    events_before = int(counts.get("events", 0))
    events = events_before
    out_of_range = int(counts.get("out_of_range", 0))
    state_events = int(counts.get("state_events", 0))
    bar = ProgressBar(
        sum(s.size for s in sources), enabled=options.progress, events_before=events_before
    )
    read = ByteCounter()
    names = [str(s.path) for s in sources]
    low = options.start if options.start is not None else -math.inf
    high = options.end if options.end is not None else math.inf
    # Events from --to on are read a little further, only to settle the alerts before --to.
    fed_until = high + SETTLE_SECONDS

    def checkpoint() -> None:
        if state_dir is None:
            return
        alerts.sync()
        dead.sync()
        save_checkpoint(
            state_dir,
            Checkpoint(
                fingerprint=fp,
                positions=[(p.line, p.key) for p in positions],
                alerts_bytes=alerts.length,
                dead_letter_bytes=dead.length,
                counts={
                    "events": events,
                    "out_of_range": out_of_range,
                    "state_events": state_events,
                    "outside_alerts": window.outside,
                    "reference_bad_lines": reference_bad,
                    "alerts_by_detector": dict(alerts.by_detector),
                    "alerts_by_category": dict(alerts.by_category),
                    "bad_reasons": dict(dead.reasons),
                },
                engine=engine.snapshot(),
            ),
        )

    feed = engine.feed
    # Without a time range every alert is written as it comes: no per-alert test on that path.
    window = AlertWindow(alerts.write, low, high, outside=int(counts.get("outside_alerts", 0)))
    write = alerts.write if low == -math.inf and high == math.inf else window.write
    interrupted = False
    seen = 0
    next_check = CHECK_EVERY
    last_checkpoint = time.monotonic()
    checkpoint_every = options.checkpoint_every or 0
    fed_before = events_before + state_events
    next_checkpoint = fed_before + checkpoint_every if checkpoint_every else math.inf
    crash_at = fed_before + options.stop_after if options.stop_after is not None else math.inf
    next_stop = min(next_checkpoint, crash_at)
    try:
        for key, index, number, event, rejected in merge(sources, positions, read):
            position = positions[index]
            position.line = number
            position.key = key
            seen += 1
            if event is None:
                if rejected is not None:
                    dead.write(rejected[0], names[index], number, rejected[1])
            elif key < fed_until:
                # Outside --from/--to an event still reaches its officer's state: before --from
                # it builds it (a roster is entered weeks before the shifts it plans), after --to
                # it settles the checks of the alerts before --to. Only its alerts are held back.
                found = feed(event)
                if low <= key < high:
                    events += 1
                else:
                    state_events += 1
                if found:
                    write(found)
                if events + state_events >= next_stop:
                    if events + state_events >= crash_at:
                        raise SimulatedCrashError(f"stopped after {events} events")
                    checkpoint()
                    next_checkpoint = events + state_events + checkpoint_every
                    next_stop = min(next_checkpoint, crash_at)
            else:
                out_of_range += 1
            if seen >= next_check:
                next_check = seen + CHECK_EVERY
                bar.update(
                    events=events,
                    alerts=alerts.count,
                    bad_lines=dead.count,
                    bytes_done=read.value,
                )
                if stop is not None and stop.is_set():
                    interrupted = True
                    break
                now = time.monotonic()
                if now - last_checkpoint >= options.checkpoint_seconds:
                    checkpoint()
                    last_checkpoint = now
        bar.close()
        if interrupted:
            checkpoint()
        else:
            write(engine.finish())
            alerts.sync()
            dead.sync()
            if state_dir is not None:
                clear_checkpoint(state_dir)
    finally:
        bar.close()
        try:
            alerts.close()  # on a closed pipe (--out - | head) this raises again
        finally:
            dead.close()
    counters = engine.counters
    return ReplaySummary(
        inputs=len(sources),
        events=events,
        alerts=alerts.count,
        alerts_by_detector=dict(alerts.by_detector),
        alerts_by_category=dict(alerts.by_category),
        bad_lines=dead.count - reference_bad,
        bad_reasons=dict(dead.reasons),
        late_events=counters.late,
        duplicates=counters.duplicates,
        out_of_range=out_of_range,
        state_events=state_events,
        outside_alerts=window.outside,
        seconds=time.monotonic() - started,
        out=str(options.out) if options.out is not None else "-",
        dead_letter=str(options.dead_letter),
        events_this_run=events - events_before,
        resumed=saved is not None,
        interrupted=interrupted,
        reference_bad_lines=reference_bad,
        files_skipped=len(listed.skipped),
    )
