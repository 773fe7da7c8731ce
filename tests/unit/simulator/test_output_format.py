"""The files `watchfloor simulate` writes: format, order, identity and determinism."""

from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path

import pytest

from schemas.codec import decode_event, decode_officer, decode_site, decode_watchlist_entry
from streams.simulator.engine import Settings, Simulation
from streams.simulator.writer import write_simulation
from tests.unit.simulator.conftest import Run

SMALL = Settings(officers=40, days=10, seed=3, start=date(2026, 1, 5), scenario_rate=0.5)


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_same_settings_and_seed_give_byte_identical_files(tmp_path: Path) -> None:
    write_simulation(Simulation(SMALL), tmp_path / "a")
    write_simulation(Simulation(SMALL), tmp_path / "b")
    first, second = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert sorted(first) == [
        "events.jsonl.gz",
        "labels.jsonl",
        "reference/officers.jsonl",
        "reference/sites.jsonl",
        "reference/watchlist.jsonl",
    ]
    assert first == second


def test_another_seed_gives_another_force(tmp_path: Path) -> None:
    write_simulation(Simulation(SMALL), tmp_path / "a")
    other = Settings(SMALL.officers, SMALL.days, SMALL.seed + 1, SMALL.start, SMALL.scenario_rate)
    write_simulation(Simulation(other), tmp_path / "b")
    first, second = _files(tmp_path / "a"), _files(tmp_path / "b")
    for name in first:
        assert first[name] != second[name], name


def test_gzip_header_has_no_name_and_no_time(run: Run) -> None:
    header = (run.path / "events.jsonl.gz").read_bytes()[:10]
    flags, mtime = header[3], header[4:8]
    assert flags & 0x08 == 0  # FNAME
    assert mtime == b"\0\0\0\0"


def test_every_event_line_decodes_with_the_schema_codec(run: Run) -> None:
    kinds = {decode_event(line).type for line in run.raw_lines}
    assert kinds == {"badge", "access", "roster"}


def test_reference_files_decode_with_the_schema_codec(run: Run) -> None:
    reference = run.path / "reference"
    officers = [decode_officer(x) for x in (reference / "officers.jsonl").read_bytes().splitlines()]
    sites = [decode_site(x) for x in (reference / "sites.jsonl").read_bytes().splitlines()]
    entries = (reference / "watchlist.jsonl").read_bytes().splitlines()
    watchlist = [decode_watchlist_entry(x) for x in entries]
    assert len(officers) == 120
    assert len({s.site_id for s in sites}) == len(sites) >= 5
    assert {e.category for e in watchlist} == {"vip", "colleague", "restricted", "self_related"}


def test_events_are_in_event_time_order(run: Run) -> None:
    # Every time is written with the same "+00:00" offset, so text order is time order.
    times = [event["event_time"] for event in run.events]
    assert all(t.endswith("+00:00") for t in times)
    assert times == sorted(times)


def test_event_ids_are_unique(run: Run) -> None:
    assert len(run.by_id) == len(run.events)


def test_every_event_names_a_known_officer_and_site(run: Run) -> None:
    for event in run.events:
        assert event["officer_id"] in run.officers
        if "site_id" in event:
            assert event["site_id"] in run.sites


def test_roster_planned_ahead_opens_the_file_before_the_first_day(run: Run) -> None:
    first_day = run.events[0]["event_time"][:10]
    assert first_day < "2026-03-02"
    before = {e["type"] for e in run.events if e["event_time"] < "2026-03-02"}
    assert before == {"roster"}


@pytest.mark.parametrize("officers", [5, 2_000_000])
def test_a_force_of_impossible_size_is_refused(officers: int) -> None:
    with pytest.raises(ValueError, match="officers"):
        Simulation(Settings(officers, 1, 1, date(2026, 1, 5)))


def test_events_file_is_gzip_of_lines_ending_in_newline(run: Run) -> None:
    data = gzip.decompress((run.path / "events.jsonl.gz").read_bytes())
    assert data.endswith(b"\n") and b"\n\n" not in data
