from __future__ import annotations

from detectors.testing import Scenario, alerts_of, fired

NAME = "roster_self_approval"


def test_fires_on_overtime_claimed_and_approved_by_the_claimant() -> None:
    sc = Scenario(only=[NAME])
    sc.overtime("P1", "2026-03-10T16:00", "2026-03-10T18:00", at="2026-03-10T18:20", approver="P1")
    [alert] = alerts_of(sc, NAME)
    assert "claimed and approved by the same officer" in alert.summary
    assert alert.explanation.observed["approver_is_beneficiary"] is True


def test_fires_on_leave_booked_for_a_day_already_past() -> None:
    sc = Scenario(only=[NAME])
    sc.roster(
        "P1",
        "leave_booked",
        "2026-03-10T00:00",
        "2026-03-11T00:00",
        at_time="2026-03-15T11:00",
        actor="P1",
        approver="P9",
    )
    [alert] = alerts_of(sc, NAME)
    assert "booked 5 days after it began by the officer" in alert.summary


def test_fires_on_a_claim_entered_weeks_after_the_work() -> None:
    sc = Scenario(only=[NAME])
    sc.overtime("P1", "2026-03-02T16:00", "2026-03-02T18:00", at="2026-03-25T10:00")
    assert fired(sc) == [NAME]


def test_quiet_on_the_usual_flow_of_changes() -> None:
    sc = Scenario(only=[NAME])
    sc.overtime("P1", "2026-03-10T16:00", "2026-03-10T18:00", at="2026-03-11T09:00")
    sc.roster(
        "P1",
        "overtime_approved",
        "2026-03-10T16:00",
        "2026-03-10T18:00",
        at_time="2026-03-12T09:00",
        actor="P9",
        approver="P9",
    )
    sc.roster(
        "P1",
        "leave_booked",
        "2026-04-10T00:00",
        "2026-04-15T00:00",
        at_time="2026-03-01T09:00",
        actor="P1",
        approver="P9",
    )
    sc.roster(
        "P1", "sickness_started", "2026-03-16T00:00", "2026-03-17T00:00", at_time="2026-03-16T08:00"
    )
    sc.roster(
        "P1",
        "duty_changed",
        "2026-03-18T08:00",
        "2026-03-18T17:00",
        at_time="2026-03-18T12:00",
        actor="P9",
    )  # a late start corrected the same day
    assert fired(sc) == []


def test_an_overnight_self_approved_claim_fires_once_with_its_period() -> None:
    sc = Scenario(only=[NAME])
    sc.overtime("P1", "2026-03-10T23:00", "2026-03-11T01:00", at="2026-03-11T01:20", approver="P1")
    [alert] = alerts_of(sc, NAME)
    assert alert.window.start.isoformat() == "2026-03-10T23:00:00+00:00"
    assert alert.window.end.isoformat() == "2026-03-11T01:00:00+00:00"
    assert alert.explanation.observed["hours"] == 2.0


def test_leave_booked_just_either_side_of_24_hours_after_midnight() -> None:
    for booked, expected in (("2026-03-10T23:59", []), ("2026-03-11T00:01", [NAME])):
        sc = Scenario(only=[NAME])
        sc.roster(
            "P1",
            "leave_booked",
            "2026-03-10T00:00",
            "2026-03-11T00:00",
            at_time=booked,
            actor="P1",
            approver="P9",
        )
        assert fired(sc) == expected, booked


def test_back_dating_is_measured_in_real_time_across_the_clock_change() -> None:
    # The claim's period ended 18:00 GMT on 20 March; 14 days later is 19:00 BST on 3 April.
    sc = Scenario(only=[NAME])
    sc.overtime("P1", "2026-03-20T16:00", "2026-03-20T18:00", at="2026-04-03T18:30+01:00")
    assert fired(sc) == []
    sc = Scenario(only=[NAME])
    sc.overtime("P1", "2026-03-20T16:00", "2026-03-20T18:00", at="2026-04-03T19:30+01:00")
    [alert] = alerts_of(sc, NAME)
    assert alert.window.end.isoformat() == "2026-04-03T18:30:00+00:00"
    # Leave from midnight GMT on the 23-hour Sunday, booked at 00:30 BST on the Monday, was
    # booked 23.5 hours after it began: in time.
    sc = Scenario(only=[NAME])
    sc.roster(
        "P1",
        "leave_booked",
        "2026-03-29T00:00",
        "2026-03-30T00:00+01:00",
        at_time="2026-03-30T00:30+01:00",
        actor="P1",
        approver="P9",
    )
    assert fired(sc) == []


def test_needs_no_directory() -> None:
    # Who approved is in the event itself: an officer or approver missing from the directory
    # changes nothing.
    sc = Scenario(only=[NAME], officers=[], sites=[])
    sc.overtime("P1", "2026-03-10T16:00", "2026-03-10T18:00", at="2026-03-10T18:20", approver="P1")
    sc.overtime("P2", "2026-03-10T16:00", "2026-03-10T18:00", at="2026-03-10T18:20", approver="P77")
    [alert] = alerts_of(sc, NAME)
    assert alert.officer_id == "P1"
