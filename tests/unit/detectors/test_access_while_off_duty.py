from __future__ import annotations

from detectors.testing import Scenario, alerts_of, fired

NAME = "access_while_off_duty"


def rostered() -> Scenario:
    sc = Scenario(only=[NAME])
    for day in (9, 10, 11, 12, 13):
        sc.shift("P1", f"2026-03-{day:02d}T07:00", f"2026-03-{day:02d}T16:00")
    return sc


def test_fires_on_look_ups_from_home_in_the_evening_after_an_early_shift() -> None:
    sc = rostered()
    sc.lookup("P1", "2026-03-10T21:40", action="login", workstation="RA-1", case=None)
    sc.lookup("P1", "2026-03-10T21:45", workstation="RA-1")
    sc.lookup("P1", "2026-03-10T21:52", workstation="RA-1")
    [alert] = alerts_of(sc, NAME)
    assert "off duty" in alert.summary
    assert alert.evidence[0].startswith("audit-")
    assert alert.explanation.threshold["grace_after_minutes"] == 90


def test_fires_on_a_rest_day() -> None:
    sc = rostered()
    sc.lookup("P1", "2026-03-14T21:00")
    assert "rest day" in alerts_of(sc, NAME)[0].summary


def test_quiet_within_the_grace_periods() -> None:
    sc = rostered()
    sc.lookup("P1", "2026-03-10T06:15")  # 45 minutes before the shift
    sc.lookup("P1", "2026-03-10T17:10")  # 70 minutes after it
    assert fired(sc) == []


def on_call_weekend(sc: Scenario) -> None:
    sc.roster(
        "P1",
        "duty_changed",
        "2026-03-13T17:00",
        "2026-03-16T08:00",
        at_time="2026-02-20T14:00",
        actor="P9",
    )  # 63 hours: an on-call weekend
    sc.badge("P1", "2026-03-14T23:05")
    sc.lookup("P1", "2026-03-14T23:20", site="S1")


def test_quiet_on_a_night_call_out_while_on_call_claimed_afterwards() -> None:
    sc = rostered()
    on_call_weekend(sc)
    sc.overtime("P1", "2026-03-14T23:00", "2026-03-15T01:30", at="2026-03-15T02:00", approver=None)
    assert fired(sc) == []


def test_being_on_call_is_not_being_on_duty() -> None:
    sc = rostered()
    on_call_weekend(sc)  # in at night, and no call-out ever claimed
    assert fired(sc) == [NAME]


def test_quiet_when_a_call_out_claim_arrives_later() -> None:
    sc = rostered()
    sc.lookup("P1", "2026-03-14T23:20", site="S1")
    sc.overtime("P1", "2026-03-14T23:00", "2026-03-15T01:30", at="2026-03-15T02:00", approver=None)
    assert fired(sc) == []


def test_claimed_overtime_counts_only_once_approved_when_so_configured() -> None:
    sc = Scenario(only=[NAME], overrides={"detectors": {NAME: {"require_approved_overtime": True}}})
    sc.shift("P1", "2026-03-14T07:00", "2026-03-14T16:00")
    sc.lookup("P1", "2026-03-14T23:20", site="S1")
    sc.overtime("P1", "2026-03-14T23:00", "2026-03-15T01:30", at="2026-03-15T02:00", approver=None)
    assert fired(sc) == [NAME]


def test_a_night_shift_across_midnight_covers_the_small_hours() -> None:
    sc = Scenario(only=[NAME])
    sc.shift("P1", "2026-03-13T22:00", "2026-03-14T07:00")
    sc.lookup("P1", "2026-03-14T03:00")
    assert fired(sc) == []


def test_quiet_without_a_roster() -> None:
    sc = Scenario(only=[NAME])
    sc.lookup("P1", "2026-03-14T23:00")
    assert fired(sc) == []


def test_one_alert_per_local_day() -> None:
    sc = rostered()
    for minute in range(0, 50, 10):
        sc.lookup("P1", f"2026-03-10T22:{minute:02d}")
    assert fired(sc) == [NAME]


def test_work_running_on_past_the_shift_without_a_break_is_an_overrun() -> None:
    sc = rostered()
    for minute in range(0, 140, 7):  # 15:00 to 17:20, then on past the grace period
        sc.lookup("P1", f"2026-03-10T{15 + minute // 60:02d}:{minute % 60:02d}")
    sc.lookup("P1", "2026-03-10T17:40")
    assert fired(sc) == []
    sc.lookup("P1", "2026-03-10T20:30")  # after a break: a new session, off duty
    assert fired(sc) == [NAME]


def test_the_grace_after_a_shift_is_real_minutes_across_the_autumn_clock_change() -> None:
    sc = Scenario(only=[NAME])
    # The shift ends 00:30 BST (23:30 UTC); the clocks go back at 02:00 BST.
    sc.shift("P1", "2026-10-24T15:30+01:00", "2026-10-25T00:30+01:00")
    sc.shift("P1", "2026-10-25T16:00+00:00", "2026-10-25T23:00+00:00")
    sc.lookup("P1", "2026-10-25T01:20+01:00")  # 50 minutes after: within the grace
    assert fired(sc) == []
    # 01:30 GMT reads an hour after the shift on the clock, but is two hours after it.
    sc.lookup("P1", "2026-10-25T01:30+00:00")
    [alert] = alerts_of(sc, NAME)
    assert alert.window.start.isoformat() == "2026-10-25T01:30:00+00:00"
    assert alert.explanation.observed["roster_status"] == "off duty"
