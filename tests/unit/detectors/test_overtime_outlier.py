from __future__ import annotations

from detectors.testing import Scenario, alerts_of, fired

NAME = "overtime_outlier"
OFFICERS = ("P1", "P2", "P3", "P4", "P5", "P6")


def force(sc: Scenario) -> list[int]:
    workdays = [d for d in range(2, 28) if d % 7 not in (0, 1)]
    for i, officer in enumerate(OFFICERS):
        for day in workdays:
            sc.shift(officer, f"2026-03-{day:02d}T07:00", f"2026-03-{day:02d}T15:00")
            sc.badge(officer, f"2026-03-{day:02d}T07:0{i}")
    return workdays


def test_fires_once_on_sustained_overtime_far_above_the_peer_group() -> None:
    sc = Scenario(only=[NAME])
    for day in force(sc)[::2]:
        sc.overtime(
            "P1",
            f"2026-03-{day:02d}T15:00",
            f"2026-03-{day:02d}T18:00",
            at=f"2026-03-{day:02d}T18:30",
        )
    [alert] = alerts_of(sc, NAME)
    assert alert.explanation.observed["overtime_hours_28d"] >= 20
    assert alert.explanation.peer_normal["median_hours_28d"] < 2
    assert all(e.startswith("rost-") for e in alert.evidence)


def test_quiet_when_the_whole_group_works_the_same_overtime() -> None:
    sc = Scenario(only=[NAME])
    for day in force(sc)[::2]:
        for officer in OFFICERS:
            sc.overtime(
                officer,
                f"2026-03-{day:02d}T15:00",
                f"2026-03-{day:02d}T18:00",
                at=f"2026-03-{day:02d}T18:30",
            )
    assert fired(sc) == []


def test_quiet_in_a_group_too_small_to_compare() -> None:
    sc = Scenario(only=[NAME])
    for day in range(2, 27):
        sc.badge("P1", f"2026-03-{day:02d}T07:00")
        sc.overtime(
            "P1",
            f"2026-03-{day:02d}T15:00",
            f"2026-03-{day:02d}T18:00",
            at=f"2026-03-{day:02d}T18:30",
        )
    assert fired(sc) == []
