"""Every benchmark of the project, one after another, in one table with the machine it ran on.

Run from the repository root::

    python bench/run_all.py                 # the issues' sizes (see SIZES; ~25 min here)
    python bench/run_all.py --quick         # small sizes: the whole suite in a few minutes
    python bench/run_all.py --json          # the raw figures as one JSON object on stdout
    python bench/run_all.py --out bench.json --only decode,latency

Each benchmark runs as a child process with ``--json`` (so one cannot disturb the next, and
each process's peak memory is its own), one at a time (the machine's cores are the thing being
measured). Their JSON objects are collected and turned into rows: benchmark, figure, value,
unit, target, and whether the target is met. The benchmarks that need Kafka share one broker:
``WATCHFLOOR_KAFKA_BOOTSTRAP`` when set, else a local Apache Kafka started here and stopped at
the end.

This measures; it never asserts timing. A benchmark that crashes or times out is reported as
failed with its error and the others still run; the exit code is 1 only then, 0 otherwise,
whether targets are met or not. The load average before and after is printed with the machine:
on a shared machine, figures taken under load are low, the CPU-time ones least so.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

# Runnable as a plain script from a checkout, where the package is not installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from streams.local_kafka import KAFKA_VERSION, LocalKafka

ROOT = Path(__file__).resolve().parents[1]

Row = tuple[str, str, str, str, str]  # figure, value, unit, target, met


@dataclass(frozen=True)
class Bench:
    """One benchmark run: its script and arguments at each size, and how to read its JSON."""

    name: str
    script: str
    full: list[str]
    quick: list[str]
    rows: Callable[[dict[str, Any]], list[Row]]
    kafka: bool = False
    note: str = ""
    quick_note: str = ""
    runs_quick: bool = True
    extra: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------- formatting


def num(value: Any, digits: int = 0) -> str:
    """A figure with thousands separators; "n/a" for a missing or non-finite one."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    return f"{float(value):,.{digits}f}"


def met(ok: bool | None) -> str:
    return "-" if ok is None else "yes" if ok else "NO"


def row(figure: str, value: str, unit: str = "", target: str = "", ok: bool | None = None) -> Row:
    return (figure, value, unit, target, met(ok))


# ---------------------------------------------------------------------- rows per benchmark


def decode_rows(r: dict[str, Any]) -> list[Row]:
    rate, ratio = r["decode_events_per_s"], r["ratio"]
    return [
        row("decode_event, one core", num(rate), "events/s", ">= 300,000", rate >= 3e5),
        row("orjson.loads, same lines", num(r["orjson_events_per_s"]), "events/s"),
        row("decode_event / orjson.loads", num(ratio, 2), "x", ">= 0.4", ratio >= 0.4),
    ]


def core_rows(r: dict[str, Any]) -> list[Row]:
    t, s, g = r["throughput"], r["state"], r["gc"]
    core, officers = t["core_events_per_s_cpu"], s["officers"]
    memory, size = s["memory_bytes_per_officer"], s["serialised_bytes_mean"]
    pause = g["max_gc_pause_ms"]
    return [
        row("officer stage, one core (CPU)", num(core), "events/s", ">= 100,000", core >= 1e5),
        row("officer stage, wall clock", num(t["core_events_per_s_wall"]), "events/s"),
        row("whole pipeline, one core (CPU)", num(t["pipeline_events_per_s_cpu"]), "events/s"),
        row(f"state memory per officer at {officers:,}", num(memory), "bytes", "<= 2,048",
            memory <= 2048),
        row("serialised state per officer, mean", num(size), "bytes", "<= 512", size <= 512),
        row("serialised state per officer, p95", num(s["serialised_bytes_p95"]), "bytes"),
        row(f"longest GC pause over {officers:,} states", num(pause, 1), "ms", "< 20",
            pause < 20),
        row("  collections young / middle / full",
            " / ".join(str(n) for n in g["collections_by_generation"].values()), ""),
        row("  longest full collection", num(g["max_gc_pause_ms_by_generation"]["2"], 1),
            "ms"),
    ]  # fmt: skip


def simulate_rows(r: dict[str, Any]) -> list[Row]:
    rate = r["events_per_s_cpu"]
    rows = [
        row(f"generation, {r['officers']:,} officers x {r['rate_days']} days (CPU)", num(rate),
            "events/s", ">= 200,000", rate >= 2e5),
    ]  # fmt: skip
    full = r.get("full")
    if full:
        seconds = full["seconds"]
        rows.append(
            row(f"full run {r['officers']:,} x {full['days']} days to disk", num(seconds, 1), "s",
                "< 180", seconds < r["target_full_seconds"])
        )  # fmt: skip
    else:
        rows.append(row("full run 2,000 x 90 days to disk", "not run", "", "< 180"))
    return rows


def replay_rows(r: dict[str, Any]) -> list[Row]:
    rate = r["events_per_second"]
    short, long = r["peak_rss_mb"]["short"], r["peak_rss_mb"]["long"]
    days = {label: run["days"] for label, run in r["runs"].items()}
    return [
        row(f"end to end, {r['officers']} officers, one core", num(rate), "events/s",
            ">= 100,000", rate >= 1e5),
        row(f"peak RSS, {days['short']} days of input", num(short, 1), "MB"),
        # "Flat" read as: four times the input costs at most 15% more peak memory.
        row(f"peak RSS, {days['long']} days of input", num(long, 1), "MB", "flat (<= 1.15x)",
            long <= short * 1.15),
    ]  # fmt: skip


def service_rows(r: dict[str, Any]) -> list[Row]:
    rate = r["worker_rate"]
    done = "" if r["worker_complete"] else " (INCOMPLETE)"
    return [
        row(f"bare aiokafka loop, {r['events']:,} events", num(r["bare_rate"]), "events/s"),
        row("Faust agent doing nothing (exactly-once)", num(r.get("faust_rate")), "events/s"),
        row(f"one worker, alerts on{done}", num(rate), "events/s", ">= 20,000", rate >= 2e4),
        row("worker / bare loop", num(r["ratio"], 3), "x"),
        row("worker / Faust agent doing nothing", num(r.get("faust_ratio"), 2), "x"),
        row("worker CPU per event", num(r["worker_cpu_us_per_event"]), "us"),
        row("worker RSS", num(r["worker_rss_mib"]), "MiB"),
    ]


def latency_rows(r: dict[str, Any]) -> list[Row]:
    rate, sustained = r["rate"], r["sustained"]
    at = f"at {num(rate)}/s" + ("" if sustained else " NOT SUSTAINED")
    # The latency targets are for 2,000 events/s; at a lower rate they are judged all
    # the same (a slower input makes them no harder to meet), and never when not sustained.
    p50, p95, p99 = r["release_p50_ms"], r["release_p95_ms"], r["release_p99_ms"]
    wait = num(r["lateness_wait_ms"])
    matched, triggers = r["alerts_matched"], r["triggers"]
    return [
        row(f"events processed, input {num(rate)}/s", num(r["processing_rate"]), "events/s",
            f">= {num(rate * 0.9)}", sustained),
        row(f"event-to-alert p50, {at}", num(p50), "ms", "<= 20", sustained and p50 <= 20),
        row(f"event-to-alert p95, {at}", num(p95), "ms"),
        row(f"event-to-alert p99, {at}", num(p99), "ms", "<= 50", sustained and p99 <= 50),
        row("  of which until the alert is sent, p50", num(r.get("sent_p50_ms")), "ms"),
        row(f"from the trigger itself, p50 (+{wait} ms lateness)", num(r["trigger_p50_ms"]),
            "ms"),
        row("alerts matched / triggers", f"{matched:,}/{triggers:,}", "", "all",
            matched == triggers),
    ]  # fmt: skip


def latency_floor_rows(r: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    for run in r["runs"]:
        hop = {
            "faust": f"Faust hop, commit every {run['commit_interval_s'] or 0:g} s",
            "aiokafka": "bare exactly-once hop, group commit",
            "plain": "bare hop, no transactions",
        }[run["relay"]]
        complete = run["readable"] == run["messages"]
        rows += [
            row(f"{hop}, p50", num(run["p50_ms"]), "ms"),
            row(f"{hop}, p99", num(run["p99_ms"]), "ms", "all readable", complete),
        ]  # fmt: skip
    return rows


def restore_rows(r: dict[str, Any]) -> list[Row]:
    n = r["officers"]
    before, after = r["officers_tracked"], r["officers_tracked_after_restore"]
    errors = r.get("recovery_errors", 0)
    return [
        row(f"backlog of {r['events']:,} events into {n:,} officers", num(r["backlog_seconds"], 1),
            "s", "", r["backlog_complete"]),
        row("officers tracked by the worker", num(before), "officers", f"{n:,}", before >= n),
        row("live state per officer (young states)", num(r["state_bytes_per_officer"]), "bytes"),
        row(f"worker RSS with {n:,} officers' state", num(r["rss_mib_before"]), "MiB", "report"),
        row("SIGTERM, restart: launch to ready", num(r["start_to_ready_s"], 1), "s", "report"),
        row("exported restore duration", num(r["restore_duration_s"], 1), "s", "report"),
        row("officers tracked after restore", num(after), "officers", f"{n:,}", after >= n),
        row("changelog records failing to restore", num(errors), "warnings", "0", errors == 0),
        row("worker RSS after restore", num(r["rss_mib_after_restore"]), "MiB"),
    ]  # fmt: skip


BENCHES = [
    Bench(
        "decode",
        "bench_decode.py",
        [],
        ["--seconds", "0.5"],
        decode_rows,
        note="2,000 representative lines, best pass over 2 s",
        quick_note="2,000 representative lines, best pass over 0.5 s",
    ),
    Bench(
        "core",
        "bench_core.py",
        [],
        ["--officers", "300", "--days", "7"],
        core_rows,
        note="2,000 officers x 60 days, states cloned to 45,000",
        quick_note="300 officers x 7 days, states cloned to 45,000",
    ),
    Bench(
        "simulate",
        "bench_simulate.py",
        [],
        ["--quick", "--officers", "500", "--rate-days", "7"],
        simulate_rows,
        note="rate: 2,000 officers x 30 days; full run 2,000 x 90 days",
        quick_note="rate only: 500 officers x 7 days",
    ),
    Bench(
        "replay",
        "bench_replay.py",
        [],
        ["--officers", "100", "--short-days", "7", "--long-days", "28", "--repeat", "1"],
        replay_rows,
        note="300 officers, 14 and 56 days, best of 3",
        quick_note="100 officers, 7 and 28 days, one run each",
    ),
    Bench(
        "service",
        "bench_service.py",
        [],
        ["--officers", "60", "--days", "3"],
        service_rows,
        kafka=True,
        note="300 officers x 7 days backlog, 4 partitions",
        quick_note="60 officers x 3 days backlog, 4 partitions",
    ),
    Bench(
        "latency",
        "bench_service.py",
        ["--latency", "100", "--latency-seconds", "60"],
        ["--latency", "100", "--latency-seconds", "25"],
        latency_rows,
        kafka=True,
        note="100 events/s for 60 s, 200 officers",
        quick_note="100 events/s for 25 s, 200 officers",
    ),
    Bench(
        "latency-2000",
        "bench_service.py",
        ["--latency", "2000", "--latency-seconds", "25"],
        [],
        latency_rows,
        kafka=True,
        note="the issue's rate, 2,000 events/s for 25 s",
        runs_quick=False,
    ),
    Bench(
        "latency-floor",
        "latency_floor.py",
        ["--commit-interval", "0.02", "0.1"],
        ["--commit-interval", "0.02", "--seconds", "5"],
        latency_floor_rows,
        kafka=True,
        note="one hop doing nothing else, 2,000 messages/s for 15 s each: Faust, bare aiokafka"
        " with and without transactions",
        quick_note="the same, 5 s, Faust committing every 0.02 s only",
    ),
    Bench(
        "restore",
        "bench_service.py",
        ["--restore", "--restore-officers", "45000"],
        ["--restore", "--restore-officers", "2000"],
        restore_rows,
        kafka=True,
        note="45,000 officers, one event each, then SIGTERM and restart",
        quick_note="2,000 officers, one event each, then SIGTERM and restart",
    ),
]


# ---------------------------------------------------------------------- machine


def machine(load_before: tuple[float, float, float], broker: str) -> dict[str, Any]:
    """What the figures were measured on."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gib = float("nan")
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gib = int(line.split()[1]) / 1024 / 1024
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "cores_usable": usable,
        "memory_gib": round(memory_gib, 1),
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "git_commit": _git("rev-parse", "--short=12", "HEAD"),
        # Uncommitted changes in the tree: the commit alone does not say what was measured.
        "git_dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "broker": broker,
        "load_before": [round(x, 2) for x in load_before],
    }


def _git(*args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return done.stdout.strip() if done.returncode == 0 else "unknown"


# ---------------------------------------------------------------------- running


def run_one(bench: Bench, quick: bool, env: dict[str, str], timeout_s: float) -> dict[str, Any]:
    """Run one benchmark as a child; its JSON object, or what went wrong."""
    args = bench.quick if quick else bench.full
    command = [sys.executable, str(ROOT / "bench" / bench.script), *args, "--json"]
    began = time.perf_counter()
    record: dict[str, Any] = {
        "name": bench.name,
        "command": " ".join(["python", f"bench/{bench.script}", *args, "--json"]),
        "sizes": bench.quick_note if quick else bench.note,
    }
    try:
        done = subprocess.run(
            command,
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,  # a failure is reported in the table, and the others still run
        )
    except subprocess.TimeoutExpired:
        record["error"] = f"timed out after {timeout_s:.0f} s"
        record["seconds"] = round(time.perf_counter() - began, 1)
        return record
    record["seconds"] = round(time.perf_counter() - began, 1)
    if done.returncode != 0:
        record["error"] = f"exit {done.returncode}: {_last_lines(done.stderr)}"
        return record
    try:
        record["result"] = _json_of(done.stdout)
    except ValueError:
        record["error"] = f"no JSON on stdout: {_last_lines(done.stdout or done.stderr)}"
    return record


def _json_of(stdout: str) -> dict[str, Any]:
    """The benchmark's object: the whole output, or else its last line that is one."""
    try:
        whole = orjson.loads(stdout)
    except orjson.JSONDecodeError:
        whole = None
    if isinstance(whole, dict):
        return whole
    for line in reversed(stdout.splitlines()):
        if line.startswith("{"):
            try:
                found = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if isinstance(found, dict):
                return found
    raise ValueError("no JSON object")


def _last_lines(text: str, count: int = 3) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return " | ".join(lines[-count:])[-400:] or "(no output)"


def rows_of(record: dict[str, Any]) -> Iterator[tuple[str, Row]]:
    bench = next(b for b in BENCHES if b.name == record["name"])
    if "skipped" in record:
        yield bench.name, ("skipped", record["skipped"], "", "", "-")
        return
    if "error" in record:
        yield bench.name, ("FAILED (see below)", "", "", "", "-")
        return
    try:
        rows = bench.rows(record["result"])
    except (KeyError, TypeError, ValueError) as error:
        yield bench.name, ("FAILED", f"unexpected JSON: {error!r}", "", "", "-")
        return
    for row in rows:
        yield bench.name, row


def table(records: list[dict[str, Any]], info: dict[str, Any]) -> str:
    """The aligned table, with the machine above it and the sizes below."""
    header = ("benchmark", "figure", "value", "unit", "target", "met?")
    body = [(name, *row) for record in records for name, row in rows_of(record)]
    widths = [max(len(str(line[i])) for line in [header, *body]) for i in range(len(header))]
    right = {2}  # values line up on the right

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            str(c).rjust(w) if i in right else str(c).ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    dirty = " (with uncommitted changes)" if info["git_dirty"] else ""
    out = [
        f"machine: {info['cpu']}, {info['cores']} cores ({info['cores_usable']} usable), "
        f"{info['memory_gib']} GiB, Python {info['python']}, {info['os']}",
        f"commit {info['git_commit']}{dirty}, {info['date']}, broker {info['broker']}",
        f"load average before {_load(info['load_before'])}, after {_load(info['load_after'])}"
        f" ({info['mode']} sizes, {info['seconds']:.0f} s in all)",
        "",
        line(header),
        line(tuple("-" * w for w in widths)),
        *(line(row) for row in body),
        "",
        *(["failures:"] if any("error" in r for r in records) else []),
        *(f"  {r['name']:<13} {r['error']}" for r in records if "error" in r),
        "",
        "sizes:",
        *(
            f"  {r['name']:<13} {r.get('sizes') or 'defaults'}; {r.get('seconds', 0):.0f} s"
            for r in records
            if "skipped" not in r
        ),
    ]
    return "\n".join(out)


def _load(values: list[float]) -> str:
    return " / ".join(f"{v:.2f}" for v in values) + " (1/5/15 min)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a few minutes")
    parser.add_argument("--json", action="store_true", help="the raw figures on stdout")
    parser.add_argument("--out", type=Path, help="also write the raw figures to this file")
    parser.add_argument(
        "--only", help=f"comma-separated subset of {','.join(b.name for b in BENCHES)}"
    )
    parser.add_argument("--timeout", type=float, help="seconds per benchmark (default 1800)")
    options = parser.parse_args(argv)

    chosen = BENCHES
    if options.only:
        wanted = {name.strip() for name in options.only.split(",")}
        unknown = wanted - {b.name for b in BENCHES}
        if unknown:
            parser.error(f"unknown benchmarks: {', '.join(sorted(unknown))}")
        chosen = [b for b in BENCHES if b.name in wanted]
    timeout_s = options.timeout or (900.0 if options.quick else 1800.0)
    load_before = os.getloadavg()
    began = time.perf_counter()
    env = dict(os.environ)
    records: list[dict[str, Any]] = []
    broker: LocalKafka | None = None
    broker_name = "none needed"
    with tempfile.TemporaryDirectory(prefix="wf-bench-all-") as tmp:
        try:
            if any(b.kafka for b in chosen):
                bootstrap = env.get("WATCHFLOOR_KAFKA_BOOTSTRAP")
                if bootstrap:
                    broker_name = f"{bootstrap} (WATCHFLOOR_KAFKA_BOOTSTRAP)"
                else:
                    print("starting a local Kafka broker ...", file=sys.stderr)
                    broker = LocalKafka(state_dir=Path(tmp))
                    bootstrap = broker.start().bootstrap
                    # The children use this one broker instead of each starting their own.
                    env["WATCHFLOOR_KAFKA_BOOTSTRAP"] = bootstrap
                    broker_name = f"local Apache Kafka {KAFKA_VERSION}, one node, KRaft"
            for bench in chosen:
                if options.quick and not bench.runs_quick:
                    records.append({"name": bench.name, "skipped": "not run with --quick"})
                    continue
                print(f"running {bench.name} ...", file=sys.stderr, flush=True)
                record = run_one(bench, options.quick, env, timeout_s)
                outcome = f"FAILED: {record['error']}" if "error" in record else "done"
                print(f"  {outcome} in {record['seconds']:.0f} s", file=sys.stderr, flush=True)
                records.append(record)
        finally:
            if broker is not None:
                broker.stop()
    info = machine(load_before, broker_name)
    info["load_after"] = [round(x, 2) for x in os.getloadavg()]
    info["mode"] = "quick" if options.quick else "full"
    info["seconds"] = round(time.perf_counter() - began, 1)
    report = {"machine": info, "benchmarks": records}
    raw = orjson.dumps(report, option=orjson.OPT_INDENT_2).decode()
    if options.out:
        options.out.write_text(raw + "\n")
    text = table(records, info)
    if options.json:
        print(text, file=sys.stderr)
        print(raw)
    else:
        print(text)
    return 1 if any("error" in r for r in records) else 0


if __name__ == "__main__":
    sys.exit(main())
