"""Benchmark: event decoding with full validation against a bare ``orjson.loads`` loop.

Run from the repository root::

    python bench/bench_decode.py              # the figures the issue asks for
    python bench/bench_decode.py --compare    # plus the alternatives the choice was made against
    python bench/bench_decode.py --json       # one JSON object on stdout (the text on stderr)

Targets (issue 3): at least 300,000 events/s on one core, and at least 0.4x the rate of
``orjson.loads`` over the same lines in the same run. This is a measurement, not a test: it
prints and exits 0 either way (``--strict`` exits 1 when a target is missed).

The lines are a fixed, seeded mix shaped like a force's day: mostly badge swipes, many
record look-ups, few roster changes; some times carry a local offset, optional fields come and
go, and a few producers add fields we do not know.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson

# Runnable as a plain script from a checkout, where the package is not installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from schemas.codec import decode_event

TARGET_RATE = 300_000
TARGET_RATIO = 0.4

# Share of each event type in a day's traffic (badge readers fire far more often than rosters
# change); the exact split barely moves the result, as each type costs about the same.
MIX = (("badge", 0.55), ("access", 0.40), ("roster", 0.05))
ACTIONS = ("login", "logout", "search", "search", "view", "view", "export", "print", "modify")
CHANGES = ("shift_planned", "overtime_claimed", "leave_booked", "sickness_started", "duty_changed")
BST = timezone(timedelta(hours=1))


def representative_lines(count: int = 2_000, seed: int = 7) -> list[bytes]:
    """``count`` encoded events in the contract's shape, the same for the same seed."""
    rng = random.Random(seed)
    start = datetime(2026, 3, 9, tzinfo=UTC)
    lines = []
    for i in range(count):
        at = start + timedelta(seconds=rng.randrange(86_400 * 30))
        # Some producers send local time with an offset; the reader converts those to UTC.
        when = (at.astimezone(BST) if rng.random() < 0.2 else at).isoformat()
        officer = f"P{rng.randrange(10_000, 55_000)}"
        site = f"S{rng.randrange(1, 120):03d}"
        kind = rng.choices([k for k, _ in MIX], [w for _, w in MIX])[0]
        common: dict[str, Any] = {
            "schema_version": 1,
            "type": kind,
            "event_id": f"{kind}-{i:09d}",
            "event_time": when,
            "officer_id": officer,
        }
        if kind == "badge":
            event = common | {
                "source": "pacs-north",
                "badge_id": f"B-{rng.randrange(100_000)}",
                "site_id": site,
                "reader_id": f"{site}-R{rng.randrange(1, 40):02d}",
                "zone": rng.choice(["station-main", "custody", "property-store", "armoury"]),
                "zone_level": rng.randrange(0, 6),
                "direction": rng.choice(["in", "out"]),
                "outcome": "granted" if rng.random() < 0.97 else "denied",
            }
        elif kind == "access":
            action = rng.choice(ACTIONS)
            event = common | {
                "source": "records-audit",
                "system": rng.choice(["person-index", "intel", "custody", "vehicles"]),
                "action": action,
                "record_type": "person",
                "workstation_id": f"WS-{site}-{rng.randrange(1, 80):03d}",
            }
            if action not in ("login", "logout"):
                event["record_ref"] = f"r:{rng.getrandbits(32):08x}"
                event["result_count"] = rng.randrange(0, 40)
                if rng.random() < 0.8:
                    event["case_ref"] = f"CR/2026/{rng.randrange(1, 99_999):06d}"
            if rng.random() < 0.7:
                event["site_id"] = site
        else:
            begin = at.replace(minute=0, second=0) + timedelta(days=rng.randrange(1, 14))
            hours = rng.choice([4.0, 8.0, 10.0, 12.0])
            event = common | {
                "source": "duty-planner",
                "change_type": rng.choice(CHANGES),
                "actor_id": officer if rng.random() < 0.5 else f"P{rng.randrange(10_000, 55_000)}",
                "period_start": begin.isoformat(),
                "period_end": (begin + timedelta(hours=hours)).isoformat(),
                "hours": hours,
            }
            if rng.random() < 0.3:
                event["approver_id"] = f"P{rng.randrange(10_000, 55_000)}"
        if rng.random() < 0.05:
            event["producer_build"] = "2026.03.1"  # unknown to us: tolerated and skipped
        lines.append(orjson.dumps(event))
    return lines


def rate(decode: Callable[[bytes], object], lines: Sequence[bytes], seconds: float) -> float:
    """Best events/s over repeated passes, for at least ``seconds`` of measuring."""
    for line in lines:  # warm caches; and a line that fails would time exceptions instead
        decode(line)
    best = float("inf")
    spent = 0.0
    passes = 0
    while spent < seconds or passes < 3:
        t0 = time.perf_counter()
        for line in lines:
            decode(line)
        elapsed = time.perf_counter() - t0
        best = min(best, elapsed)
        spent += elapsed
        passes += 1
    return len(lines) / best


def alternatives() -> dict[str, Callable[[bytes], object]]:
    """Other ways to decode the same events, measured when ``--compare`` is given."""
    import msgspec

    from schemas.events import Event

    found: dict[str, Callable[[bytes], object]] = {
        "orjson.loads + msgspec.convert": lambda line: msgspec.convert(orjson.loads(line), Event),
    }
    try:
        from pydantic import TypeAdapter

        adapter = TypeAdapter(_pydantic_event())
    except ImportError:
        print("(pydantic not installed: its figures are skipped)", file=sys.stderr)
        return found
    found["pydantic v2 validate_json"] = adapter.validate_json
    found["orjson.loads + pydantic v2 validate_python"] = lambda line: adapter.validate_python(
        orjson.loads(line)
    )
    return found


def _pydantic_event() -> Any:
    """The event models again in pydantic v2, with the same rules, for comparison only."""
    from typing import Annotated, Literal

    from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

    def to_utc(value: datetime) -> datetime:
        value = value.astimezone(UTC)
        if not 2000 <= value.year <= 2100:
            raise ValueError("time must lie within the years 2000 to 2100 (UTC)")
        return value

    text = Annotated[str, Field(min_length=1)]
    utc = Annotated[AwareDatetime, AfterValidator(to_utc)]
    # Strict integers, as the contract refuses "1" and 1.0 where an integer is due.
    level = Annotated[int, Field(ge=0, le=5, strict=True)]
    count = Annotated[int, Field(ge=0, le=2**53 - 1, strict=True)]

    class Common(BaseModel):
        model_config = ConfigDict(frozen=True, extra="ignore")
        schema_version: Literal[1]
        event_id: Annotated[str, Field(min_length=1, max_length=128)]
        event_time: utc
        officer_id: text
        source: text

    class Badge(Common):
        type: Literal["badge"]
        badge_id: text
        site_id: text
        reader_id: text
        zone: text
        zone_level: level
        direction: Literal["in", "out"]
        outcome: Literal["granted", "denied"]

    class Access(Common):
        type: Literal["access"]
        system: text
        action: Literal["login", "logout", "search", "view", "export", "print", "modify"]
        record_type: text
        record_ref: text | None = None
        case_ref: text | None = None
        workstation_id: text
        site_id: text | None = None
        result_count: count | None = None

    class Roster(Common):
        type: Literal["roster"]
        change_type: Literal[
            "shift_planned", "shift_cancelled", "shift_swapped", "overtime_claimed",
            "overtime_approved", "leave_booked", "leave_cancelled", "sickness_started",
            "sickness_ended", "rest_day_worked", "duty_changed",
        ]  # fmt: skip
        actor_id: text
        period_start: utc
        period_end: utc
        hours: Annotated[float, Field(ge=0, le=744)] | None = None
        approver_id: text | None = None
        counterpart_id: text | None = None
        reason: text | None = None

    return Annotated[Badge | Access | Roster, Field(discriminator="type")]


def _row(name: str, events_per_second: float) -> None:
    micros = 1e6 / events_per_second
    print(f"{name:46s} {events_per_second:>12,.0f} events/s  {micros:5.2f} µs/event")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="measuring time per figure")
    parser.add_argument("--compare", action="store_true", help="also measure alternatives")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args(argv)

    # With --json the human text goes to stderr, so stdout holds nothing but the object.
    text = contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext()
    with text:
        result = measure(args.seconds, args.compare)
    if args.json:
        print(orjson.dumps(result).decode())
    return 1 if args.strict and not result["met"] else 0


def measure(seconds: float, compare: bool) -> dict[str, Any]:
    """Run the measurements, print them as text; the figures."""
    if hasattr(os, "sched_setaffinity"):
        # One core, as the target says; also keeps the two loops from migrating between cores.
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    lines = representative_lines()
    mean_size = sum(map(len, lines)) / len(lines)
    python = sys.version.split()[0]
    print(f"{len(lines)} representative events, mean {mean_size:.0f} bytes, Python {python}")
    gc.collect()

    baseline = rate(orjson.loads, lines, seconds)
    ours = rate(decode_event, lines, seconds)
    ratio = ours / baseline
    _row("orjson.loads (parse only, no validation)", baseline)
    _row("decode_event (parse + validate + UTC)", ours)
    print(f"ratio decode_event / orjson.loads: {ratio:.2f}x")
    others: dict[str, float] = {}
    if compare:
        for name, decode in alternatives().items():
            others[name] = rate(decode, lines, seconds)
            _row(name, others[name])

    met = ours >= TARGET_RATE and ratio >= TARGET_RATIO
    print(
        f"targets: >= {TARGET_RATE:,} events/s and >= {TARGET_RATIO}x orjson: "
        + ("met" if met else "MISSED")
    )
    return {
        "events": len(lines),
        "mean_bytes": round(mean_size),
        "orjson_events_per_s": round(baseline),
        "decode_events_per_s": round(ours),
        "ratio": round(ratio, 3),
        "alternatives_events_per_s": {name: round(r) for name, r in others.items()},
        "target_events_per_s": TARGET_RATE,
        "target_ratio": TARGET_RATIO,
        "met": met,
    }


if __name__ == "__main__":
    sys.exit(main())
