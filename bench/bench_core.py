"""Benchmark of the detector core alone (no Kafka, no decoding in the timed part).

Measures, on simulator events:

1. throughput of the officer stage alone, on one core, driven the way the streaming worker
   drives it: ``Core.process`` per event and ``Core.advance`` per due officer every five
   minutes of event time (target: at least 100,000 events/s), and of the whole in-process
   ``Pipeline`` (officer stage, peer-group stage and risk: what replay runs);
2. per-officer state at 45,000 officers: memory (tracemalloc of the live ``OfficerState``
   objects, target at most 2 KB) and serialised bytes (``to_bytes``, target at most 512 on
   average). The force simulated is smaller; its steady-state states are cloned, with their
   own ids, up to 45,000 officers, so the figures come from the real distribution of states;
3. the longest garbage-collection pause while the core keeps running over those 45,000 states
   (target under 20 ms), under the collector settings the worker and replay run with
   (``streams.collector.fewer_collections``), per generation: young collections come every
   50,000 new objects, full ones only when the long-lived heap has grown by a quarter.

CPU time (``time.process_time``) is reported as well as wall time: on a shared machine the
wall clock also counts other processes.

Usage::

    python bench/bench_core.py [--officers 2000] [--days 60] [--seed 7] [--scale 45000]
"""

from __future__ import annotations

import argparse
import gc
import math
import statistics
import sys
import time
import tracemalloc
from datetime import date
from typing import Any

import orjson

from detectors.config import load_config
from detectors.core import Core, Outcome
from detectors.pipeline import Pipeline
from detectors.reference import Reference
from detectors.state import OfficerState
from detectors.timers import DueTimers
from schemas.codec import decode_event, decode_officer, decode_site, decode_watchlist_entry
from schemas.events import Event
from streams.collector import fewer_collections

STEP = 300.0  # the horizon moves in five-minute steps of event time, as in the Pipeline


def simulate(officers: int, days: int, seed: int) -> tuple[list[Event], Reference]:
    from streams.simulator.engine import Settings, Simulation

    sim = Simulation(Settings(officers=officers, days=days, seed=seed, start=date(2026, 3, 2)))
    events: list[Event] = []
    for day in sim.run():
        events.extend(decode_event(line) for line in day.lines)
    reference = Reference(
        [decode_officer(orjson.dumps(o)) for o in sim.officers()],
        [decode_site(orjson.dumps(s)) for s in sim.sites()],
        [decode_watchlist_entry(orjson.dumps(w)) for w in sim.watchlist()],
    )
    return events, reference


def drive_core(core: Core, events: list[Event], states: dict[str, OfficerState]) -> int:
    """The officer stage as the worker runs it; returns the alerts produced.

    Due officers are kept in a `DueTimers` index, as the in-process `Pipeline` keeps them (a
    heap of ``(due, officer)`` costs ~1.5 us more per event: see `detectors.timers`).
    """
    lateness = core.lateness
    timers = DueTimers()
    due_at = timers.due
    schedule = timers.schedule
    next_step = -math.inf
    alerts = 0
    process = core.process
    for event in events:
        officer = event.officer_id
        out = process(states.get(officer), event)
        state = states[officer] = out.state
        alerts += len(out.alerts)
        current = due_at.get(officer)
        if current is None or out.time < current:
            due = state.next_due()
            if due is not None:
                schedule(officer, due)
        horizon = out.time - lateness
        if horizon >= next_step:
            batch = Outcome(state)
            for who in sorted(timers.pop_due(horizon)):
                s = states[who]
                core.advance(s, horizon, batch)
                nxt = s.next_due()
                if nxt is not None:
                    schedule(who, nxt)
            alerts += len(batch.alerts)
            next_step = (math.floor(horizon / STEP) + 1) * STEP
    return alerts


def throughput(events: list[Event], reference: Reference) -> dict[str, Any]:
    config = load_config()
    # Skip the roster lead-in (weeks of planning before the first duty): steady state only.
    # The first two days with duties also warm up the peer-group models (building a group's
    # random trees takes ~0.1 s, once).
    first_duty = next(i for i, e in enumerate(events) if e.type != "roster")
    warm_until = events[first_duty].event_time.timestamp() + 2 * 86400
    split = next(i for i, e in enumerate(events) if e.event_time.timestamp() >= warm_until)
    warm, timed = events[:split], events[split:]
    results: dict[str, Any] = {"events": len(timed)}
    best_cpu = best_wall = 0.0
    for _ in range(3):
        core = Core(config, reference)
        states: dict[str, OfficerState] = {}
        drive_core(core, warm, states)
        cpu, wall = time.process_time(), time.perf_counter()
        drive_core(core, timed, states)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        best_cpu = max(best_cpu, len(timed) / cpu)
        best_wall = max(best_wall, len(timed) / wall)
    results["core_events_per_s_cpu"] = round(best_cpu)
    results["core_events_per_s_wall"] = round(best_wall)
    best_cpu = best_wall = 0.0
    for _ in range(2):
        pipeline = Pipeline(config, reference)
        for event in warm:
            pipeline.feed(event)
        cpu, wall = time.process_time(), time.perf_counter()
        for event in timed:
            pipeline.feed(event)
        pipeline.finish()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        best_cpu = max(best_cpu, len(timed) / cpu)
        best_wall = max(best_wall, len(timed) / wall)
    results["pipeline_events_per_s_cpu"] = round(best_cpu)
    results["pipeline_events_per_s_wall"] = round(best_wall)
    return results


def steady_states(events: list[Event], reference: Reference) -> tuple[list[bytes], Core]:
    """Every officer's state bytes at a moment in the middle of a working day."""
    config = load_config()
    core = Core(config, reference)
    states: dict[str, OfficerState] = {}
    stop = events[-1].event_time.timestamp() - 2 * 86400  # well inside the run
    days = core.days
    start, _, _ = days.bounds(stop)
    stop = start + 14 * 3600  # 14:00 local: day shift on, night shift off
    drive_core(core, [e for e in events if e.event_time.timestamp() < stop], states)
    return [s.to_bytes() for s in states.values()], core


def clone(data: bytes, officer_id: str) -> bytes:
    state = OfficerState.from_bytes(data)
    state.officer_id = officer_id
    return state.to_bytes()


def state_size(samples: list[bytes], scale: int) -> tuple[dict[str, Any], list[OfficerState]]:
    blobs = [clone(samples[i % len(samples)], f"X{i:06d}") for i in range(scale)]
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    states = [OfficerState.from_bytes(b) for b in blobs]
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    sizes = [len(b) for b in blobs]
    return {
        "officers": scale,
        "memory_bytes_per_officer": round((after - before) / scale),
        "serialised_bytes_mean": round(statistics.fmean(sizes)),
        "serialised_bytes_p95": sorted(sizes)[int(0.95 * len(sizes))],
        "serialised_bytes_max": max(sizes),
    }, states


def gc_pauses(states: list[OfficerState], core: Core, events: list[Event]) -> dict[str, Any]:
    """Run the core over the big population and time every collection."""
    by_generation: dict[int, list[float]] = {0: [], 1: [], 2: []}
    started: list[float] = []

    def callback(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started.append(time.perf_counter())
        elif started:
            by_generation[info["generation"]].append(time.perf_counter() - started.pop())

    live = {s.officer_id: s for s in states}
    gc.collect()
    gc.callbacks.append(callback)
    try:
        # Replay the same events over the clones in turn (officer ids remapped), so that the
        # whole population is touched while collections run.
        ids = list(live)
        with fewer_collections():
            for k in range(3):
                remap: dict[str, str] = {}
                renamed = []
                for event in events:
                    who = remap.setdefault(event.officer_id, ids[(len(remap) * 7 + k) % len(ids)])
                    renamed.append(event.__class__(**{**_fields(event), "officer_id": who}))
                drive_core(core, renamed, live)
    finally:
        gc.callbacks.remove(callback)
    pauses = [pause for generation in by_generation.values() for pause in generation]
    return {
        "collections": len(pauses),
        "collections_by_generation": {str(g): len(p) for g, p in by_generation.items()},
        "max_gc_pause_ms_by_generation": {
            str(g): round(max(p, default=0.0) * 1000, 2) for g, p in by_generation.items()
        },
        "max_gc_pause_ms": round(max(pauses, default=0.0) * 1000, 2),
        "p99_gc_pause_ms": round(sorted(pauses)[int(0.99 * (len(pauses) - 1))] * 1000, 2)
        if pauses
        else 0.0,
    }


def _fields(event: Event) -> dict[str, Any]:
    return {name: getattr(event, name) for name in event.__struct_fields__}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--officers", type=int, default=2000)
    # 60 days: every window the state keeps (35 days of claims, 28 of rest days worked, a
    # week of activity) is full, as in a service that has run for a while; at 14 days the
    # states were about 200 bytes smaller than they settle at.
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scale", type=int, default=45_000)
    parser.add_argument("--json", action="store_true", help="the report on one line")
    args = parser.parse_args(argv)
    t = time.perf_counter()
    events, reference = simulate(args.officers, args.days, args.seed)
    print(f"simulated {len(events):,} events in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    report: dict[str, Any] = {"force": f"{args.officers} officers x {args.days} days"}
    report["throughput"] = throughput(events, reference)
    print(orjson.dumps(report["throughput"]).decode(), file=sys.stderr)
    samples, core = steady_states(events, reference)
    report["state"], states = state_size(samples, args.scale)
    print(orjson.dumps(report["state"]).decode(), file=sys.stderr)
    day = [e for e in events if e.type != "roster"][-200_000:]
    report["gc"] = gc_pauses(states, core, day)
    print(orjson.dumps(report, option=0 if args.json else orjson.OPT_INDENT_2).decode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
