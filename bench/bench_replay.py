"""Benchmark: `watchfloor replay` end to end on simulator data, and where the time goes.

Run from the repository root::

    python bench/bench_replay.py                  # 300 officers, 14 and 56 days
    python bench/bench_replay.py --officers 100 --short-days 7 --long-days 28   # quicker
    python bench/bench_replay.py --json           # one JSON object instead of the table

Target (issue 7): at least 100,000 events/s end to end (gzip JSONL in, alerts out) on one
core, and memory flat however long the input. This is a measurement, not a test: it prints and
exits 0 either way (``--strict`` exits 1 when a target is missed).

Every measurement runs in a fresh child process pinned to one CPU, so peak RSS is that run's
own and no second core helps; rates are events per CPU second of that process (the wall time
is reported too), so that neighbours on a shared machine do not count. The stages, each
including the ones before it:

- ``lines``: gzip decompression and line splitting;
- ``decode``: plus event decoding with full validation (``schemas.codec.decode_event``);
- ``merge``: plus the replay's input layer (event-time key, merge bookkeeping);
- ``replay-null``: the whole replay loop and alert writing around a core that does nothing;
- ``replay``: the real replay through the real detector core (``detectors.pipeline``).

The difference between two rows is what a stage costs; ``replay`` minus ``replay-null`` is the
detector core. Peak RSS of the short and long inputs shows whether memory stays flat.
"""

from __future__ import annotations

import argparse
import gzip
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import orjson

# Runnable as a plain script from a checkout, where the package is not installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TARGET_RATE = 100_000
STAGES = ("lines", "decode", "merge", "replay-null", "replay")


def simulate(folder: Path, officers: int, days: int, seed: int) -> Path:
    """Simulator output laid out as `watchfloor simulate` writes it; returns the folder."""
    from streams.simulator.engine import Settings, Simulation

    events = folder / "events.jsonl.gz"
    if events.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    simulation = Simulation(
        Settings(officers=officers, days=days, seed=seed, start=date(2026, 3, 2))
    )
    partial = folder / "events.partial.gz"
    with gzip.open(partial, "wb", compresslevel=6) as handle:
        for day in simulation.run():
            if day.lines:
                handle.write("\n".join(day.lines).encode() + b"\n")
    reference = folder / "reference"
    reference.mkdir(exist_ok=True)
    for name, rows in (
        ("officers", simulation.officers()),
        ("sites", simulation.sites()),
        ("watchlist", simulation.watchlist()),
    ):
        (reference / f"{name}.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    partial.rename(events)
    return folder


class NullEngine:
    """A core that does nothing: what remains is the cost of replay itself."""

    class Counters:
        late = 0
        duplicates = 0

    counters = Counters()

    def feed(self, event: Any) -> list[Any]:
        return []

    def finish(self) -> list[Any]:
        return []

    def snapshot(self) -> bytes:
        return b""


def child(stage: str, folder: Path, out: Path) -> dict[str, Any]:
    """Run one stage in this process and measure it."""
    from detectors.config import load_config
    from schemas.codec import decode_event
    from streams.replay.engine import pipeline_factory
    from streams.replay.inputs import expand_inputs, merge
    from streams.replay.lines import read_lines
    from streams.replay.reference import load_reference
    from streams.replay.run import ReplayOptions, replay

    events_path = folder / "events.jsonl.gz"
    reference = load_reference(folder / "reference").reference
    config = load_config()
    options = ReplayOptions(
        inputs=(events_path,), out=out / "alerts.jsonl", dead_letter=out / "dead.jsonl"
    )
    started, cpu_started = time.perf_counter(), time.process_time()
    alerts = 0
    if stage == "lines":
        count = sum(1 for _ in read_lines(events_path))
    elif stage == "decode":
        count = 0
        for _, raw in read_lines(events_path):
            if isinstance(raw, bytes):
                decode_event(raw)
                count += 1
    elif stage == "merge":
        count = sum(1 for _ in merge(expand_inputs([events_path])))
    elif stage == "replay-null":
        count = replay(options, lambda _: NullEngine()).events
    else:
        summary = replay(options, pipeline_factory(config, reference))
        count, alerts = summary.events, summary.alerts
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Rates use CPU time: on a shared machine the wall clock also counts the neighbours (the
    # child is pinned to one CPU, so CPU time is what that one core spent on the replay).
    return {
        "stage": stage,
        "events": count,
        "alerts": alerts,
        "seconds": cpu,
        "wall_seconds": wall,
        "rss_kb": peak_kb,
    }


def measure(stage: str, folder: Path, cpu: int, repeat: int) -> dict[str, Any]:
    """The fastest of `repeat` runs: on a shared machine, the slower ones measure neighbours."""
    best: dict[str, Any] | None = None
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as out:
            command = [sys.executable, __file__, "--child", stage, str(folder), out, str(cpu)]
            done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"bench: stage {stage} failed:\n{done.stderr}")
        result: dict[str, Any] = orjson.loads(done.stdout)
        if best is None or result["seconds"] < best["seconds"]:
            best = result
    assert best is not None
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--officers", type=int, default=300)
    parser.add_argument("--short-days", type=int, default=14)
    parser.add_argument("--long-days", type=int, default=56)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "wf-bench")
    parser.add_argument("--repeat", type=int, default=3, help="runs per stage; the best counts")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--strict", action="store_true")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        stage, folder, out, cpu = args.child
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {int(cpu)})
        print(orjson.dumps(child(stage, Path(folder), Path(out))).decode())
        return 0

    # The last CPU: the first is where the kernel and most neighbours tend to run.
    cpu = max(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0
    runs: dict[str, Any] = {}
    for label, days in (("short", args.short_days), ("long", args.long_days)):
        folder = simulate(
            args.cache / f"o{args.officers}-d{days}-s{args.seed}", args.officers, days, args.seed
        )
        stages = STAGES if label == "short" else ("replay-null", "replay")
        runs[label] = {
            "days": days,
            "input_bytes": (folder / "events.jsonl.gz").stat().st_size,
            "stages": {stage: measure(stage, folder, cpu, args.repeat) for stage in stages},
        }
    full = runs["short"]["stages"]["replay"]
    rate = full["events"] / full["seconds"]
    long_full = runs["long"]["stages"]["replay"]
    result = {
        "officers": args.officers,
        "events_per_second": round(rate),
        "target_events_per_second": TARGET_RATE,
        "runs": runs,
        "peak_rss_mb": {
            "short": round(full["rss_kb"] / 1024, 1),
            "long": round(long_full["rss_kb"] / 1024, 1),
        },
    }
    if args.json:
        print(orjson.dumps(result).decode())
    else:
        print(f"replay benchmark: {args.officers} officers, one CPU (#{cpu}), simulator data\n")
        for label, run in runs.items():
            print(f"{label}: {run['days']} days, {run['input_bytes'] / 1e6:.1f} MB of gzip JSONL")
            print(f"  {'stage':<12} {'events':>10} {'cpu s':>8} {'events/s':>10} "
                  f"{'us/event':>9} {'peak RSS':>9}")  # fmt: skip
            for stage, m in run["stages"].items():
                per = m["seconds"] / max(m["events"], 1) * 1e6
                rate_here = m["events"] / m["seconds"]
                print(
                    f"  {stage:<12} {m['events']:>10,} {m['seconds']:>8.2f} "
                    f"{rate_here:>10,.0f} {per:>9.2f} {m['rss_kb'] / 1024:>7.1f} MB"
                )
        short = runs["short"]["stages"]
        per = {s: short[s]["seconds"] / max(short[s]["events"], 1) * 1e6 for s in short}
        print("\nwhere the time goes (us per event, short input):")
        print(f"  gzip + line split      {per['lines']:6.2f}")
        print(f"  decode + validation    {per['decode'] - per['lines']:6.2f}")
        print(f"  merge bookkeeping      {per['merge'] - per['decode']:6.2f}")
        print(f"  replay loop + output   {per['replay-null'] - per['merge']:6.2f}")
        print(f"  detector core          {per['replay'] - per['replay-null']:6.2f}")
        verdict = "met" if rate >= TARGET_RATE else "MISSED"
        print(f"\nend to end: {rate:,.0f} events/s (target {TARGET_RATE:,}: {verdict})")
        print(
            f"peak RSS: short {result['peak_rss_mb']['short']} MB, "
            f"long {result['peak_rss_mb']['long']} MB"
        )
    return 1 if args.strict and rate < TARGET_RATE else 0


if __name__ == "__main__":
    sys.exit(main())
