from __future__ import annotations

from detectors.testing import SITES, Scenario, alerts_of, fired

NAME = "impossible_travel"


def test_fires_when_two_sites_22_km_apart_are_badged_6_minutes_apart() -> None:
    sc = Scenario(only=[NAME])
    sc.badge("P1", "2026-03-10T08:00", site="S1")
    sc.badge("P1", "2026-03-10T08:06", site="S3")
    [alert] = alerts_of(sc, NAME)
    assert alert.explanation.observed["distance_km"] > 20
    assert "Training College" in alert.summary


def test_quiet_on_a_training_day_at_a_far_site_with_travel_time() -> None:
    sc = Scenario(only=[NAME])
    sc.badge("P1", "2026-03-10T07:05", site="S1")
    sc.badge("P1", "2026-03-10T08:00", site="S3")  # 55 minutes for 22 km
    assert fired(sc) == []


def test_quiet_between_neighbouring_sites_with_time_to_walk() -> None:
    sc = Scenario(only=[NAME])
    sc.badge("P1", "2026-03-10T08:00", site="S1")
    sc.badge("P1", "2026-03-10T08:09", site="S2")  # 2.4 km
    assert fired(sc) == []


def test_silent_when_a_site_is_unknown() -> None:
    sc = Scenario(only=[NAME], sites=SITES[:1])
    sc.badge("P1", "2026-03-10T08:00", site="S1")
    sc.badge("P1", "2026-03-10T08:01", site="S3")
    assert fired(sc) == []


def test_denied_badges_do_not_count_and_midnight_is_nothing_special() -> None:
    sc = Scenario(only=[NAME])
    sc.badge("P1", "2026-03-10T23:58", site="S1")
    sc.badge("P1", "2026-03-11T00:01", site="S3", outcome="denied")
    assert fired(sc) == []
    sc.badge("P1", "2026-03-11T00:03", site="S3")
    assert fired(sc) == [NAME]


def test_travel_time_is_real_time_across_the_clock_changes() -> None:
    # Spring: 00:58 GMT to 02:01 BST is 3 minutes, though the clock moves 63.
    sc = Scenario(only=[NAME])
    sc.badge("P1", "2026-03-29T00:58+00:00", site="S1")
    sc.badge("P1", "2026-03-29T02:01+01:00", site="S3")
    [alert] = alerts_of(sc, NAME)
    assert alert.explanation.observed["minutes_between"] == 3.0
    assert alert.window.start.isoformat() == "2026-03-29T00:58:00+00:00"
    # Autumn: 01:50 BST to 01:15 GMT is 25 minutes, enough for 22 km.
    sc = Scenario(only=[NAME])
    sc.badge("P1", "2026-10-25T01:50+01:00", site="S1")
    sc.badge("P1", "2026-10-25T01:15+00:00", site="S3")
    assert fired(sc) == []
