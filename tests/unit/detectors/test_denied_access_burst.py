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
