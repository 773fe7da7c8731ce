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
