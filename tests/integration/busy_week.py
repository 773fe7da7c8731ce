"""A small world with several kinds of misconduct and welfare risk, for the service tests.

Its events, fed to the live service or to the pure pipeline, must give the same alerts.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import orjson

from detectors.config import load_config
from detectors.pipeline import Pipeline
from detectors.reference import Reference
from detectors.testing import Scenario
from schemas.alerts import Alert
from schemas.codec import (
    decode_event,
    decode_officer,
    decode_site,
    decode_watchlist_entry,
    encode_alert,
    encode_event,
    encode_officer,
    encode_site,
    encode_watchlist_entry,
)
from schemas.reference import Officer, Site, WatchlistEntry
from streams.simulator.engine import Settings, Simulation

# An officer unknown to the reference data whose one late badge swipe moves every partition's
# event-time clock far past the scenario, so every alert due is out (live has no "end").
CLOCK_OFFICER = "ZZ-CLOCK"


def busy_week() -> Scenario:
    sc = Scenario()
    for day in ("09", "10", "11", "12"):
        for officer in ("P1", "P2", "P3", "P4", "P5"):
            sc.shift(officer, f"2026-03-{day}T07:00", f"2026-03-{day}T17:00")
            sc.badge(officer, f"2026-03-{day}T06:52", site="S1")
            sc.lookup(officer, f"2026-03-{day}T09:15", site="S1")
            sc.badge(officer, f"2026-03-{day}T16:58", site="S1", direction="out")
    # Impossible travel: S1 then S3 (22 km) six minutes later.
    sc.badge("P1", "2026-03-10T08:00", site="S1")
    sc.badge("P1", "2026-03-10T08:06", site="S3")
    # Overtime claimed and approved by the claimant.
    sc.overtime("P2", "2026-03-10T17:00", "2026-03-10T21:00", at="2026-03-10T22:40", approver="P2")
    # Badge use while off sick.
    sc.sick("P3", "2026-03-11T00:00", "2026-03-13T00:00")
    sc.badge("P3", "2026-03-11T10:00", site="S2")
    # Look-up of a watch-listed record without a case.
    sc.watch("r:vip-1", "vip")
    sc.lookup("P4", "2026-03-11T11:00", case=None, record="r:vip-1", site="S1")
    # Too little rest: a late shift then an early one.
    sc.shift("P5", "2026-03-12T14:00", "2026-03-12T23:00")
    sc.shift("P5", "2026-03-13T06:00", "2026-03-13T14:00")
    sc.badge(CLOCK_OFFICER, "2026-03-25T12:00", site="S1")
    return sc


def event_lines(sc: Scenario) -> list[bytes]:
    return [encode_event(event) for event in sc.events()]


def expected_alerts(sc: Scenario) -> list[Alert]:
    """What the pure core gives once the clock officer's swipe has moved time on."""
    pipeline = Pipeline(sc.config(), sc.reference())
    alerts: list[Alert] = []
    for event in sc.events():
        alerts.extend(pipeline.feed(event))
    return [alert for alert in alerts if alert.officer_id != CLOCK_OFFICER]


def small_force(
    officers: int = 30, days: int = 5, seed: int = 5, scenario_rate: float = 0.5
) -> tuple[Simulation, list[bytes]]:
    """A simulated force (30 over five days unless told), with a closing clock event (see
    CLOCK_OFFICER)."""
    sim = Simulation(
        Settings(
            officers=officers,
            days=days,
            seed=seed,
            start=date(2026, 3, 2),
            scenario_rate=scenario_rate,
        )
    )
    lines = [line.encode() for day in sim.run() for line in day.lines]
    last = decode_event(lines[-1]).event_time + timedelta(days=14)
    clock = {
        "schema_version": 1,
        "type": "badge",
        "event_id": "clock-1",
        "event_time": last.isoformat(),
        "officer_id": CLOCK_OFFICER,
        "source": "test-clock",
        "badge_id": "B-CLOCK",
        "site_id": "S001",
        "reader_id": "S001-R01",
        "zone": "station-main",
        "zone_level": 1,
        "direction": "in",
        "outcome": "granted",
    }
    return sim, [*lines, orjson.dumps(clock)]


def force_reference(
    sim: Simulation,
) -> tuple[list[Officer], list[Site], list[WatchlistEntry]]:
    """The simulation's reference data, decoded as the worker decodes it."""
    return (
        [decode_officer(orjson.dumps(o)) for o in sim.officers()],
        [decode_site(orjson.dumps(s)) for s in sim.sites()],
        [decode_watchlist_entry(orjson.dumps(w)) for w in sim.watchlist()],
    )


def force_alerts(sim: Simulation, lines: list[bytes]) -> list[bytes]:
    """The pure pipeline's alerts for `lines`, encoded and sorted (the clock officer's left out)."""
    pipeline = Pipeline(load_config(), Reference(*force_reference(sim)))
    return sorted(
        encode_alert(alert)
        for line in lines
        for alert in pipeline.feed(decode_event(line))
        if alert.officer_id != CLOCK_OFFICER
    )


def write_history(folder: Path) -> Path:
    """The busy week as a replay's input: `events.jsonl` and `reference/`, which is returned."""
    sc = busy_week()
    reference = folder / "reference"
    reference.mkdir()
    (reference / "officers.jsonl").write_bytes(b"\n".join(map(encode_officer, sc.officers)))
    (reference / "sites.jsonl").write_bytes(b"\n".join(map(encode_site, sc.sites)))
    (reference / "watchlist.jsonl").write_bytes(
        b"\n".join(map(encode_watchlist_entry, sc.watchlist))
    )
    (folder / "events.jsonl").write_bytes(b"\n".join(event_lines(sc)) + b"\n")
    return reference
