"""Benchmark: how fast ``watchfloor simulate`` generates events, and a full 2,000 x 90 run.

Run from the repository root::

    python bench/bench_simulate.py            # 2,000 officers: 30 days for the rate, 90 written
    python bench/bench_simulate.py --quick    # the generation rate only
    python bench/bench_simulate.py --json     # one JSON object on stdout (the text on stderr)

Targets (issue 4): at least 200,000 events/s generated on one core, and 2,000 officers x 90
days written in under a few minutes.

The generation rate is events per second of this process's CPU time while the simulation is
run and its days collected (generated, serialised, put in event-time order), without writing:
other work on a shared machine then does not count against it. A twin hyperthread kept busy
by someone else still slows it, by as much as half: compare runs on an idle machine. The full
run is wall-clock time until the files are on disk; ``events.jsonl.gz`` is compressed by a
second thread (zlib releases the interpreter lock), and the generator thread's own CPU time
is reported too. The roster is planned six weeks ahead before the first day, a fixed cost that
a short run feels more than a long one. This is a measurement, not a test: it prints and
exits 0 either way (``--strict`` exits 1 on a miss).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import orjson

# Runnable as a plain script from a checkout, where the package is not installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from streams.simulator.engine import Settings, Simulation
from streams.simulator.writer import write_simulation

TARGET_RATE = 200_000
TARGET_FULL_SECONDS = 180.0
START = date(2026, 1, 5)


def generation_rate(officers: int, days: int, seed: int) -> tuple[int, float]:
    """(events, CPU seconds) to generate a run without writing it."""
    simulation = Simulation(Settings(officers, days, seed, START))
    events = 0
    cpu = time.process_time()
    for day in simulation.run():
        events += len(day.lines)
    return events, time.process_time() - cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officers", type=int, default=2_000)
    parser.add_argument("--days", type=int, default=90, help="days of the full run")
    parser.add_argument("--rate-days", type=int, default=30, help="days of the rate run")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="skip the full run")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args(argv)
    # With --json the human text goes to stderr, so stdout holds nothing but the object.
    text = contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext()
    with text:
        result = measure(args)
    if args.json:
        print(orjson.dumps(result).decode())
    return 1 if result["missed"] and args.strict else 0


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Run the measurements, print them as text; the figures."""
    gc.collect()
    events, cpu = generation_rate(args.officers, args.rate_days, args.seed)
    rate = events / cpu
    print(
        f"generation: {rate:,.0f} events/s on one core (target {TARGET_RATE:,}): {events:,} "
        f"events for {args.officers:,} officers x {args.rate_days} days in {cpu:.1f} s CPU; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    result: dict[str, Any] = {
        "officers": args.officers,
        "rate_days": args.rate_days,
        "events": events,
        "events_per_s_cpu": round(rate),
        "target_events_per_s": TARGET_RATE,
        "target_full_seconds": TARGET_FULL_SECONDS,
    }
    missed = rate < TARGET_RATE
    if not args.quick:
        with tempfile.TemporaryDirectory() as scratch:
            out = Path(scratch)
            began, thread_cpu = time.perf_counter(), time.thread_time()
            simulation = Simulation(Settings(args.officers, args.days, args.seed, START))
            summary = write_simulation(simulation, out)
            thread_cpu = time.thread_time() - thread_cpu
            wall = time.perf_counter() - began
            size = (out / "events.jsonl.gz").stat().st_size
        print(
            f"full run: {args.officers:,} officers x {args.days} days in {wall:.1f} s wall "
            f"(target under {TARGET_FULL_SECONDS:.0f} s): {summary.events:,} events "
            f"({summary.events / (args.officers * args.days):.1f} per officer-day), "
            f"{summary.labels} labels, {size / 1e6:,.0f} MB gzip; generator thread "
            f"{summary.events / thread_cpu:,.0f} events/s of its CPU; load average "
            f"{os.getloadavg()[0]:.1f}"
        )
        missed |= wall > TARGET_FULL_SECONDS
        result["full"] = {
            "days": args.days,
            "events": summary.events,
            "seconds": round(wall, 1),
            "gzip_bytes": size,
            "generator_events_per_s_cpu": round(summary.events / thread_cpu),
        }
    result["missed"] = missed
    return result


if __name__ == "__main__":
    sys.exit(main())
