from __future__ import annotations

from detectors.testing import Scenario, fired

NAME = "risk_threshold_crossed"


def misconduct(sc: Scenario, day: str = "2026-03-10", record: str = "r:vip1") -> None:
    sc.badge("P1", f"{day}T08:00", site="S1")
    sc.badge("P1", f"{day}T08:06", site="S3")  # impossible travel: 5 points
    sc.watch(record, "vip")
    sc.lookup("P1", f"{day}T10:00", record=record, case=None)  # 5 points, 2 h later
    for k in range(6):  # a burst of denials: 3 points
        sc.badge("P1", f"{day}T11:0{k}", zone="property-store", outcome="denied")


def test_fires_once_on_crossing_and_lists_every_contribution() -> None:
    sc = Scenario()
    misconduct(sc)
    sc.watch("r:vip9", "vip")
    sc.lookup("P1", "2026-03-10T12:00", record="r:vip9", case=None)
    alerts = sc.run()
    assert [a.detector for a in alerts] == [
        "impossible_travel",
        "sensitive_record_access",
        "denied_access_burst",
        NAME,
        "sensitive_record_access",
    ]
    crossing = alerts[3]
    contributing = [a.alert_id for a in alerts[:3]]
    assert list(crossing.evidence) == contributing
    assert [c.alert_id for c in crossing.risk.contributions] == contributing
    assert crossing.risk.score == alerts[2].risk.score > 10.0
    assert alerts[4].risk.score > crossing.risk.score  # still counting; no second crossing


def test_points_halve_every_half_life() -> None:
    sc = Scenario()
    sc.badge("P1", "2026-03-10T08:00", site="S1")
    sc.badge("P1", "2026-03-10T08:06", site="S3")
    sc.watch("r:vip1", "vip")
    sc.lookup("P1", "2026-03-24T08:06", record="r:vip1", case=None)  # 14 days later
    alerts = sc.run()
    assert [a.detector for a in alerts] == ["impossible_travel", "sensitive_record_access"]
    assert alerts[1].risk.score == 7.5
    assert [c.points for c in alerts[1].risk.contributions] == [2.5, 5.0]


def test_crosses_again_only_after_falling_well_below() -> None:
    sc = Scenario()
    misconduct(sc)
    misconduct(sc, day="2026-03-12", record="r:vip2")  # still above: no new crossing
    misconduct(sc, day="2026-05-20", record="r:vip3")  # decayed below half: a new crossing
    assert fired(sc).count(NAME) == 2


def test_welfare_alerts_never_add_integrity_risk() -> None:
    used = [
        "impossible_travel",
        "sensitive_record_access",
        "denied_access_burst",
        NAME,
        "excessive_hours",
    ]
    plain = Scenario(only=used)
    misconduct(plain)
    with_welfare = Scenario(only=used)
    with_welfare.shift("P1", "2026-03-09T06:00", "2026-03-09T20:00")  # a 14-hour shift
    with_welfare.badge("P1", "2026-03-09T05:55")
    misconduct(with_welfare)
    alerts = with_welfare.run(until="2026-03-13T00:00")
    welfare = [a for a in alerts if a.category == "welfare"]
    assert welfare and all(a.risk.score == 0.0 and not a.risk.contributions for a in welfare)
    risk = [a.risk.score for a in alerts if a.category == "integrity"]
    assert risk == [a.risk.score for a in plain.run()]


def test_fires_once_on_misconduct_across_midnight() -> None:
    sc = Scenario()
    sc.badge("P1", "2026-03-10T23:40", site="S1")
    sc.badge("P1", "2026-03-10T23:46", site="S3")
    sc.watch("r:vip1", "vip")
    sc.lookup("P1", "2026-03-10T23:55", record="r:vip1", case=None)
    for k in range(6):  # the third alert after midnight takes the score over
        sc.badge("P1", f"2026-03-11T00:0{k}", zone="property-store", outcome="denied")
    alerts = sc.run()
    [crossing] = [a for a in alerts if a.detector == NAME]
    assert list(crossing.evidence) == [a.alert_id for a in alerts if a.detector != NAME]
    assert crossing.window.start.isoformat() == "2026-03-10T23:46:00+00:00"
    assert crossing.window.end.isoformat() == "2026-03-11T00:04:00+00:00"


def test_the_half_life_is_real_time_across_the_clock_change() -> None:
    sc = Scenario()
    sc.badge("P1", "2026-03-20T10:00", site="S1")
    sc.badge("P1", "2026-03-20T10:06", site="S3")
    sc.watch("r:vip1", "vip")
    sc.lookup("P1", "2026-04-03T11:06+01:00", record="r:vip1", case=None)  # 14 x 24 h later
    alerts = sc.run()
    assert [c.points for c in alerts[1].risk.contributions] == [2.5, 5.0]


def test_risk_needs_no_directory_but_only_counts_alerts_that_could_be_judged() -> None:
    no_directory = Scenario(officers=[])
    misconduct(no_directory)
    assert fired(no_directory)[-1] == NAME
    no_sites = Scenario(sites=[])  # impossible travel cannot be judged: 8 points, no crossing
    misconduct(no_sites)
    assert fired(no_sites) == ["sensitive_record_access", "denied_access_burst"]
