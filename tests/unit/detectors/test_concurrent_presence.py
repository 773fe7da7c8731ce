from __future__ import annotations

from detectors.testing import Scenario, alerts_of, fired

NAME = "concurrent_presence"


def test_fires_when_badged_at_one_site_while_a_desk_at_another_is_in_use() -> None:
    sc = Scenario(only=[NAME])
    sc.lookup("P1", "2026-03-10T09:56", site="S1", workstation="WS-S1-7")
    sc.badge("P1", "2026-03-10T10:00", site="S3")
    sc.lookup("P1", "2026-03-10T10:03", site="S1", workstation="WS-S1-7")
    [alert] = alerts_of(sc, NAME)  # the second look-up is the same situation
    assert alert.evidence[1].startswith("pacs-")
    assert "Training College" in alert.summary


def test_quiet_at_one_site_and_for_terminals_without_a_site() -> None:
    sc = Scenario(only=[NAME])
    sc.badge("P1", "2026-03-10T10:00", site="S1")
    sc.lookup("P1", "2026-03-10T10:01", site="S1")
    sc.lookup("P1", "2026-03-10T10:02")  # in-car terminal: no site
    assert fired(sc) == []


def test_quiet_with_time_to_travel_and_for_unknown_sites() -> None:
    sc = Scenario(only=[NAME])
    sc.lookup("P1", "2026-03-10T09:00", site="S1")
    sc.badge("P1", "2026-03-10T09:40", site="S3")
    sc.lookup("P1", "2026-03-10T09:41", site="S404")
    assert fired(sc) == []


def test_fires_once_across_midnight() -> None:
    sc = Scenario(only=[NAME])
    sc.lookup("P1", "2026-03-10T23:55", site="S1")
    sc.badge("P1", "2026-03-11T00:02", site="S3")
    [alert] = alerts_of(sc, NAME)
    assert alert.explanation.observed["minutes_between"] == 7.0
    assert alert.window.start.isoformat() == "2026-03-10T23:55:00+00:00"
    assert alert.window.end.isoformat() == "2026-03-11T00:02:00+00:00"


def test_at_once_is_real_minutes_across_the_clock_changes() -> None:
    # Spring: the desk at 00:58 GMT and the badge at 02:03 BST are 5 minutes apart.
    sc = Scenario(only=[NAME])
    sc.lookup("P1", "2026-03-29T00:58+00:00", site="S1")
    sc.badge("P1", "2026-03-29T02:03+01:00", site="S3")
    [alert] = alerts_of(sc, NAME)
    assert alert.explanation.observed["minutes_between"] == 5.0
    # Autumn: 01:50 BST and 01:10 GMT are 20 minutes apart, not "at once".
    sc = Scenario(only=[NAME])
    sc.lookup("P1", "2026-10-25T01:50+01:00", site="S1")
    sc.badge("P1", "2026-10-25T01:10+00:00", site="S3")
    assert fired(sc) == []
