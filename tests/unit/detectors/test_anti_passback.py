from __future__ import annotations

from detectors.testing import ZONES, Scenario, alerts_of, fired
from schemas.reference import Site

NAME = "anti_passback"


def arrived() -> Scenario:
    sc = Scenario(only=[NAME])
    sc.badge("P1", "2026-03-10T08:00")
    return sc


def test_fires_on_a_re_entry_without_an_exit() -> None:
    sc = arrived()
    sc.badge("P1", "2026-03-10T09:00", zone="property-store")
    sc.badge("P1", "2026-03-10T09:07", zone="property-store")
    [alert] = alerts_of(sc, NAME)
    assert alert.explanation.observed["break"] == "re-entry without exit"
    assert len(alert.evidence) == 2


def test_fires_on_an_exit_without_an_entry() -> None:
    sc = arrived()
    sc.badge("P1", "2026-03-10T09:00", zone="property-store", direction="out")
    assert alerts_of(sc, NAME)[0].explanation.observed["break"] == "exit without entry"


def test_quiet_on_ordinary_visits() -> None:
    sc = arrived()
    for hour in (9, 11, 23):
        sc.badge("P1", f"2026-03-10T{hour:02d}:00", zone="custody")
        sc.badge("P1", f"2026-03-10T{hour:02d}:20", zone="custody", direction="out")
    sc.badge("P1", "2026-03-11T00:05", zone="custody")  # across midnight
    sc.badge("P1", "2026-03-11T00:25", zone="custody", direction="out")
    assert fired(sc) == []


def test_quiet_where_exits_are_not_badged_or_the_site_is_unknown() -> None:
    sc = arrived()
    sc.badge("P1", "2026-03-10T09:00", zone="station-main")
    sc.badge("P1", "2026-03-10T09:05", zone="station-main")
    sc.badge("P1", "2026-03-10T09:10", site="S404", zone="custody", direction="out")
    assert fired(sc) == []


def test_an_entry_forgotten_long_ago_no_longer_counts() -> None:
    sc = arrived()
    sc.badge("P1", "2026-03-10T09:00", zone="property-store")
    sc.badge("P1", "2026-03-11T09:00", zone="property-store")  # a day later
    assert fired(sc) == []


def test_exit_before_any_badge_is_seen_is_not_judged() -> None:
    sc = Scenario(only=[NAME])
    sc.badge("P1", "2026-03-10T09:00", zone="property-store", direction="out")
    assert fired(sc) == []


def test_zone_tracking_comes_from_the_site_reference() -> None:
    untracked = tuple(z.__class__(zone=z.zone, level=z.level, tracks_exit=False) for z in ZONES)
    sc = Scenario(
        only=[NAME], sites=[Site(site_id="S1", name="N", lat=51.5, lon=-0.1, zones=untracked)]
    )
    sc.badge("P1", "2026-03-10T08:00")
    sc.badge("P1", "2026-03-10T09:00", zone="property-store", direction="out")
    assert fired(sc) == []


def test_occupancy_memory_is_real_hours_across_the_autumn_clock_change() -> None:
    # 10:00 BST to 01:30 GMT next day is 15.5 hours on the clock but 16.5 hours: forgotten.
    sc = Scenario(only=[NAME])
    sc.badge("P1", "2026-10-24T10:00+01:00", zone="property-store")
    sc.badge("P1", "2026-10-25T01:30+00:00", zone="property-store")
    assert fired(sc) == []
    # 01:30 BST, the first time round, is 15.5 hours later: still inside.
    sc = Scenario(only=[NAME])
    sc.badge("P1", "2026-10-24T10:00+01:00", zone="property-store")
    sc.badge("P1", "2026-10-25T01:30+01:00", zone="property-store")
    [alert] = alerts_of(sc, NAME)
    assert alert.explanation.observed["break"] == "re-entry without exit"
    assert alert.window.start.isoformat() == "2026-10-24T09:00:00+00:00"
    assert alert.window.end.isoformat() == "2026-10-25T00:30:00+00:00"
