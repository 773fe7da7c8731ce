"""One small scenario per registered detector, in which that detector fires.

The contract suite runs its generic checks over these; a detector added to the registry
without a scenario here fails `test_every_detector_has_a_scenario`.
"""

from __future__ import annotations

from collections.abc import Callable

from detectors.testing import Scenario

Builder = Callable[[], Scenario]


def badge_while_absent() -> Scenario:
    sc = Scenario()
    sc.shift("P1", "2026-03-09T07:00", "2026-03-09T16:00")
    sc.badge("P1", "2026-03-09T06:55")
    sc.leave("P1", "2026-03-10T00:00", "2026-03-13T00:00")
    sc.badge("P1", "2026-03-11T12:10")
    sc.badge("P1", "2026-03-11T12:20", zone="property-store")
    sc.badge("P1", "2026-03-11T12:30", zone="property-store", direction="out")
    return sc


def access_while_off_duty() -> Scenario:
    sc = Scenario()
    sc.shift("P1", "2026-03-10T07:00", "2026-03-10T16:00")
    sc.lookup("P1", "2026-03-10T09:00")
    sc.lookup("P1", "2026-03-10T21:40", case=None, action="login", workstation="RA-1")
    sc.lookup("P1", "2026-03-10T21:45", case=None, workstation="RA-1")
    sc.lookup("P1", "2026-03-10T21:50", case="CR/2026/7", workstation="RA-1")
    return sc


def overtime_without_presence() -> Scenario:
    sc = Scenario()
    sc.shift("P1", "2026-03-10T07:00", "2026-03-10T16:00")
    sc.badge("P1", "2026-03-10T06:50")
    sc.badge("P1", "2026-03-10T16:05", direction="out")
    sc.overtime("P1", "2026-03-10T16:15", "2026-03-10T19:15", at="2026-03-11T09:00")
    return sc


def impossible_travel() -> Scenario:
    sc = Scenario()
    sc.badge("P1", "2026-03-10T08:00", site="S1")
    sc.badge("P1", "2026-03-10T08:06", site="S3")
    return sc


def anti_passback() -> Scenario:
    sc = Scenario()
    sc.badge("P1", "2026-03-10T08:00", zone="station-main")
    sc.badge("P1", "2026-03-10T09:00", zone="custody", direction="in")
    sc.badge("P1", "2026-03-10T09:20", zone="custody", direction="in")
    return sc


def concurrent_presence() -> Scenario:
    sc = Scenario()
    sc.lookup("P1", "2026-03-10T09:56", site="S1")
    sc.badge("P1", "2026-03-10T10:00", site="S3")
    sc.lookup("P1", "2026-03-10T10:03", site="S1")
    return sc


def sensitive_record_access() -> Scenario:
    sc = Scenario()
    sc.watch("r:vip1", "vip")
    sc.lookup("P1", "2026-03-10T10:00", record="r:vip1", case=None)
    sc.lookup("P1", "2026-03-10T10:01", record="r:vip1", case=None, action="view")
    return sc


def lookup_volume() -> Scenario:
    sc = Scenario()
    for officer in ("P2", "P3"):
        for day in range(10, 20):
            for k in range(8):
                sc.lookup(officer, f"2026-03-{day}T11:{k:02d}", case=None if k % 4 == 0 else "C")
    for day in range(10, 24):
        for k in range(8):
            sc.lookup("P1", f"2026-03-{day}T10:{k:02d}", case=None if k % 4 == 0 else "CR/1")
    for k in range(150):
        sc.lookup(
            "P1",
            f"2026-03-24T{9 + k // 60:02d}:{k % 60:02d}",
            case=None if k % 4 == 0 else "CR/1",
            record=f"r:{k}",
        )
    return sc


def unjustified_lookups() -> Scenario:
    sc = Scenario()
    for officer in ("P2", "P3", "P4"):
        for day in range(10, 20):
            for k in range(6):
                sc.lookup(officer, f"2026-03-{day}T10:{k:02d}", case=None if k == 0 else "CR/1")
    for day in range(20, 24):
        for k in range(12):
            sc.lookup("P1", f"2026-03-{day}T10:{k:02d}", case=None if k % 6 else "CR/1")
    return sc


def roster_self_approval() -> Scenario:
    sc = Scenario()
    sc.shift("P1", "2026-03-10T07:00", "2026-03-10T16:00")
    sc.badge("P1", "2026-03-10T06:50")
    sc.badge("P1", "2026-03-10T17:00")
    sc.overtime("P1", "2026-03-10T16:00", "2026-03-10T18:00", at="2026-03-10T18:20", approver="P1")
    return sc


def overtime_outlier() -> Scenario:
    sc = Scenario()
    workdays = [d for d in range(2, 27) if d % 7 not in (0, 1)]
    for i, officer in enumerate(("P1", "P2", "P3", "P4", "P5", "P6")):
        for day in workdays:
            sc.shift(officer, f"2026-03-{day:02d}T07:00", f"2026-03-{day:02d}T15:00")
            sc.badge(officer, f"2026-03-{day:02d}T07:0{i}")
    for day in workdays[::2]:
        sc.badge("P1", f"2026-03-{day:02d}T16:30")
        sc.overtime(
            "P1",
            f"2026-03-{day:02d}T15:00",
            f"2026-03-{day:02d}T18:00",
            at=f"2026-03-{day:02d}T18:30",
        )
    return sc


def denied_access_burst() -> Scenario:
    sc = Scenario()
    for k in range(6):
        sc.badge("P1", f"2026-03-10T10:0{k}", zone="property-store", outcome="denied")
    return sc


def unusual_day() -> Scenario:
    sc = Scenario(
        overrides={
            "detectors": {
                # Small and fast: toy days are identical, a small model separates them.
                "unusual_day": {"window_size": 20, "threshold": 0.6, "n_trees": 10, "height": 6}
            }
        }
    )
    officers = [f"P{i}" for i in range(1, 7)]
    for day in range(2, 12):
        for i, officer in enumerate(officers):
            sc.badge(officer, f"2026-03-{day:02d}T07:{i:02d}")
            for k in range(2):
                sc.lookup(officer, f"2026-03-{day:02d}T{9 + k:02d}:{i:02d}")
    for k in range(40):
        sc.lookup(
            "P1",
            f"2026-03-12T{8 + k // 10:02d}:{(k % 10) * 5:02d}",
            action="export",
            system="intel-system",
        )
    for k in range(6):
        sc.badge(
            "P1",
            f"2026-03-12T13:{k * 5:02d}",
            zone="property-store",
            direction="in" if k % 2 == 0 else "out",
        )
    return sc


def risk_threshold_crossed() -> Scenario:
    sc = impossible_travel()
    sc.watch("r:vip1", "vip")
    sc.lookup("P1", "2026-03-10T10:00", record="r:vip1", case=None)
    for k in range(6):
        sc.badge("P1", f"2026-03-10T11:0{k}", zone="property-store", outcome="denied")
    return sc


def insufficient_rest() -> Scenario:
    sc = Scenario()
    sc.shift("P1", "2026-03-10T07:00", "2026-03-10T16:00")
    sc.roster(
        "P1", "duty_changed", "2026-03-11T00:00", "2026-03-11T09:00", at_time="2026-03-07T10:00"
    )
    sc.shift("P1", "2026-03-11T14:00", "2026-03-11T23:00")
    sc.badge("P1", "2026-03-11T13:50")
    return sc


def excessive_hours() -> Scenario:
    sc = Scenario()
    sc.shift("P1", "2026-03-10T07:00", "2026-03-10T16:00")
    sc.overtime("P1", "2026-03-10T16:00", "2026-03-10T21:30", at="2026-03-10T22:00")
    return sc


def rest_days_cancelled() -> Scenario:
    sc = Scenario()
    for day in ("03", "10", "17"):
        sc.rest_day_worked("P1", f"2026-03-{day}T08:00", f"2026-03-{day}T16:00")
    return sc


def sickness_pattern() -> Scenario:
    sc = Scenario()
    for month, day in ((3, 2), (3, 9), (3, 16), (3, 23), (3, 30), (4, 7)):
        sc.sick("P1", f"2026-{month:02d}-{day:02d}T00:00", f"2026-{month:02d}-{day + 1:02d}T23:59")
    return sc


SCENARIOS: dict[str, Builder] = {
    "badge_while_absent": badge_while_absent,
    "access_while_off_duty": access_while_off_duty,
    "overtime_without_presence": overtime_without_presence,
    "impossible_travel": impossible_travel,
    "anti_passback": anti_passback,
    "concurrent_presence": concurrent_presence,
    "sensitive_record_access": sensitive_record_access,
    "lookup_volume": lookup_volume,
    "unjustified_lookups": unjustified_lookups,
    "roster_self_approval": roster_self_approval,
    "overtime_outlier": overtime_outlier,
    "denied_access_burst": denied_access_burst,
    "unusual_day": unusual_day,
    "risk_threshold_crossed": risk_threshold_crossed,
    "insufficient_rest": insufficient_rest,
    "excessive_hours": excessive_hours,
    "rest_days_cancelled": rest_days_cancelled,
    "sickness_pattern": sickness_pattern,
}
