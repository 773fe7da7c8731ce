from __future__ import annotations

from detectors.testing import Scenario, alerts_of, fired

NAME = "denied_access_burst"


def test_fires_once_on_a_run_of_denials_naming_five_of_them() -> None:
    sc = Scenario(only=[NAME])
    for stamp in ("10:00:00", "10:00:40", "10:01:20", "10:02:00", "10:02:40", "10:03:20"):
        sc.badge("P1", f"2026-03-10T{stamp}", zone="property-store", outcome="denied")
    [alert] = alerts_of(sc, NAME)
    assert len(alert.evidence) == 5


def test_quiet_on_a_few_denials_or_denials_spread_over_the_day() -> None:
    sc = Scenario(only=[NAME])
    for minute in range(3):
        sc.badge("P1", f"2026-03-10T10:0{minute}", outcome="denied")
    for hour in range(12, 20):
        sc.badge("P1", f"2026-03-10T{hour}:00", outcome="denied")
    assert fired(sc) == []


def test_a_burst_across_midnight_counts() -> None:
    sc = Scenario(only=[NAME])
    for stamp in ("23:57", "23:58", "23:59"):
        sc.badge("P1", f"2026-03-10T{stamp}", outcome="denied")
    for stamp in ("00:00", "00:01"):
        sc.badge("P1", f"2026-03-11T{stamp}", outcome="denied")
    assert fired(sc) == [NAME]


def test_the_window_is_real_minutes_across_the_clock_changes() -> None:
    sc = Scenario(only=[NAME])
    for stamp in ("00:57+00:00", "00:58+00:00", "00:59+00:00", "02:00+01:00", "02:01+01:00"):
        sc.badge("P1", f"2026-03-29T{stamp}", outcome="denied")  # 4 minutes, 64 on the clock
    [alert] = alerts_of(sc, NAME)
    assert alert.explanation.observed == {"denied": 5, "minutes": 4.0}
    sc = Scenario(only=[NAME])
    for stamp in ("01:50+01:00", "01:51+01:00", "01:52+01:00", "01:05+00:00", "01:06+00:00"):
        sc.badge("P1", f"2026-10-25T{stamp}", outcome="denied")  # 16 minutes: too slow
    assert fired(sc) == []


def test_needs_no_site_or_directory_reference() -> None:
    sc = Scenario(only=[NAME], officers=[], sites=[])
    for minute in range(5):
        sc.badge("P1", f"2026-03-10T10:0{minute}", site="S404", outcome="denied")
    [alert] = alerts_of(sc, NAME)
    assert len(alert.evidence) == 5
