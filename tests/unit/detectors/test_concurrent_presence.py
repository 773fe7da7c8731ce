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
