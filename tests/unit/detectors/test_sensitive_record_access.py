from __future__ import annotations

from detectors.testing import Scenario, alerts_of, fired

NAME = "sensitive_record_access"


def test_fires_on_a_watch_listed_record_without_a_case_and_names_the_category() -> None:
    sc = Scenario(only=[NAME])
    sc.watch("r:vip1", "vip")
    sc.lookup("P1", "2026-03-10T10:00", record="r:vip1", case=None)
    [alert] = alerts_of(sc, NAME)
    assert alert.explanation.observed["category"] == "vip"
    assert "VIP" in alert.summary


def test_quiet_with_a_case_reference_or_an_ordinary_record() -> None:
    sc = Scenario(only=[NAME])
    sc.watch("r:vip1", "vip")
    sc.lookup("P1", "2026-03-10T10:00", record="r:vip1", case="CR/2026/5")
    sc.lookup("P1", "2026-03-10T10:05", record="r:other", case=None)
    assert fired(sc) == []


def test_quiet_once_the_entry_has_expired() -> None:
    sc = Scenario(only=[NAME])
    sc.watch("r:old", "restricted", expires="2026-03-01T00:00")
    sc.lookup("P1", "2026-03-10T10:00", record="r:old", case=None)
    assert fired(sc) == []


def test_one_alert_per_record_but_each_record_counts() -> None:
    sc = Scenario(only=[NAME])
    sc.watch("r:c1", "colleague")
    sc.watch("r:c2", "colleague")
    sc.lookup("P1", "2026-03-10T10:00", record="r:c1", case=None)
    sc.lookup("P1", "2026-03-10T10:01", record="r:c1", case=None, action="view")
    sc.lookup("P1", "2026-03-10T10:02", record="r:c2", case=None)
    assert fired(sc) == [NAME, NAME]


def test_silent_without_a_watchlist() -> None:
    sc = Scenario(only=[NAME])
    sc.lookup("P1", "2026-03-10T10:00", record="r:vip1", case=None)
    assert fired(sc) == []


def test_one_alert_across_midnight_and_an_entry_expiring_at_midnight() -> None:
    sc = Scenario(only=[NAME])
    sc.watch("r:vip1", "vip")
    sc.watch("r:c1", "colleague", expires="2026-03-11T00:00")
    sc.lookup("P1", "2026-03-10T23:59", record="r:vip1", case=None)
    sc.lookup("P1", "2026-03-11T00:01", record="r:vip1", case=None)  # the same record
    sc.lookup("P1", "2026-03-11T00:00", record="r:c1", case=None)  # expired at midnight
    [alert] = alerts_of(sc, NAME)
    assert alert.evidence == ("audit-000001",)
    assert alert.explanation.observed["record_ref"] == "r:vip1"


def test_expiry_is_compared_in_real_time_in_the_repeated_autumn_hour() -> None:
    sc = Scenario(only=[NAME])
    sc.watch("r:vip1", "vip", expires="2026-10-25T01:15+00:00")
    sc.lookup("P1", "2026-10-25T01:30+01:00", record="r:vip1", case=None)  # before expiry
    sc.lookup("P1", "2026-10-25T01:30+00:00", record="r:vip1", case=None)  # an hour later
    [alert] = alerts_of(sc, NAME)
    assert alert.window.start.isoformat() == "2026-10-25T00:30:00+00:00"
    assert "25 Oct 01:30" in alert.summary
