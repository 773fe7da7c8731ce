"""Every scenario of the catalogue is injected, labelled, and plain in its evidence."""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from streams.simulator.labels import DETECTORS_COVERED, LABEL_FIELDS, SCENARIOS
from tests.unit.simulator.conftest import Run, instant
from tests.unit.simulator.roster_view import RosterView, period

HOUR = 3600
DAY = 86400

# DESIGN.md's catalogue; risk_threshold_crossed rises from the other alerts and is not injected.
CATALOGUE = [
    "badge_while_absent",
    "access_while_off_duty",
    "overtime_without_presence",
    "impossible_travel",
    "anti_passback",
    "concurrent_presence",
    "sensitive_record_access",
    "lookup_volume",
    "unjustified_lookups",
    "roster_self_approval",
    "overtime_outlier",
    "denied_access_burst",
    "unusual_day",
    "insufficient_rest",
    "excessive_hours",
    "rest_days_cancelled",
    "sickness_pattern",
]
BENIGN = {
    "benign_approved_overtime": "overtime_without_presence",
    "benign_oncall_callout": "access_while_off_duty",
    "benign_agreed_swap": "badge_while_absent",
    "benign_far_training": "impossible_travel",
    "benign_busy_detective": "lookup_volume",
}
WELFARE = {"insufficient_rest", "excessive_hours", "rest_days_cancelled", "sickness_pattern"}


def test_the_catalogue_is_covered() -> None:
    assert sorted(DETECTORS_COVERED) == sorted(CATALOGUE)
    assert {name for name, (_, benign, _) in SCENARIOS.items() if benign} == set(BENIGN)


def test_every_scenario_appears_with_evidence_that_exists(run: Run) -> None:
    seen = Counter(label["scenario"] for label in run.labels)
    assert set(seen) == set(CATALOGUE) | set(BENIGN)
    for label in run.labels:
        assert label["evidence"], label
        assert all(event_id in run.by_id for event_id in label["evidence"]), label


def test_labels_have_the_documented_fields(run: Run) -> None:
    for label in run.labels:
        assert tuple(label)[: len(LABEL_FIELDS)] == LABEL_FIELDS
        assert label["category"] == ("welfare" if label["scenario"] in WELFARE else "integrity")
        assert label["benign"] == label["scenario"].startswith("benign_")
        assert label["resembles"] == BENIGN.get(label["scenario"])
        assert label["start"] <= label["end"]
    assert len({label["label_id"] for label in run.labels}) == len(run.labels)


def test_evidence_belongs_to_the_labelled_officer(run: Run) -> None:
    for label in run.labels:
        owners = {run.by_id[e]["officer_id"] for e in label["evidence"]}
        assert owners == {label["officer_id"]}, label


def test_an_agreed_swap_is_labelled_for_both_officers(run: Run) -> None:
    swaps = [x for x in run.labels if x["scenario"] == "benign_agreed_swap"]
    pairs = {(x["officer_id"], x["counterpart_id"]) for x in swaps}
    assert pairs and all((b, a) in pairs for a, b in pairs)


# -- each scenario is plain in its evidence ----------------------------------------------------


def _events(run: Run, label: dict[str, Any]) -> list[dict[str, Any]]:
    return [run.by_id[e] for e in label["evidence"]]


def _roster(run: Run, label: dict[str, Any]) -> RosterView:
    return RosterView.of(run.by_officer[label["officer_id"]])


def _km(run: Run, a: str, b: str) -> float:
    s, t = run.sites[a], run.sites[b]
    lat1, lat2 = math.radians(s["lat"]), math.radians(t["lat"])
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin(math.radians(t["lon"] - s["lon"]) / 2) ** 2
    )
    return 2 * 6371 * math.asin(math.sqrt(h))


def _badge_while_absent(run: Run, label: dict[str, Any]) -> None:
    roster = _roster(run, label)
    for event in _events(run, label):
        assert event["type"] == "badge" and event["outcome"] == "granted"
        when = instant(event)
        assert roster.absent(when) or not roster.on_duty(when, 4 * HOUR, 4 * HOUR)


def _access_while_off_duty(run: Run, label: dict[str, Any]) -> None:
    roster = _roster(run, label)
    events = _events(run, label)
    assert len([e for e in events if e["action"] == "search"]) >= 5
    assert not any(roster.on_duty(instant(e), 3 * HOUR, 3 * HOUR) for e in events)


def _overtime_without_presence(run: Run, label: dict[str, Any]) -> None:
    claim = next(e for e in _events(run, label) if e["change_type"] == "overtime_claimed")
    start, end = period(claim)
    assert end - start >= 2 * HOUR
    activity = [
        e
        for e in run.by_officer[label["officer_id"]]
        if e["type"] != "roster" and start <= instant(e) <= end
    ]
    assert activity == []


def _impossible_travel(run: Run, label: dict[str, Any]) -> None:
    first, second = _events(run, label)
    hours = (instant(second) - instant(first)) / HOUR
    assert _km(run, first["site_id"], second["site_id"]) / hours > 150


def _anti_passback(run: Run, label: dict[str, Any]) -> None:
    events = _events(run, label)
    if label["variant"] == "exit_without_entry":
        assert [e["direction"] for e in events] == ["out"]
    else:
        assert [e["direction"] for e in events] == ["in", "in"]
        assert events[0]["zone"] == events[1]["zone"]


def _concurrent_presence(run: Run, label: dict[str, Any]) -> None:
    badge, *lookups = _events(run, label)
    assert badge["type"] == "badge"
    for lookup in lookups:
        assert lookup["site_id"] != badge["site_id"]
        assert abs(instant(lookup) - instant(badge)) <= 15 * 60


def _sensitive_record_access(run: Run, label: dict[str, Any]) -> None:
    for event in _events(run, label):
        assert run.watchlist[event["record_ref"]]["category"] == label["variant"]
        assert "case_ref" not in event


def _lookup_volume(run: Run, label: dict[str, Any]) -> None:
    spree = len([e for e in _events(run, label) if e["action"] == "search"])
    labelled_days = {x["start"][:10] for x in run.labels_by_officer[label["officer_id"]]}
    usual = Counter(
        e["event_time"][:10]
        for e in run.by_officer[label["officer_id"]]
        if e["type"] == "access"
        and e["action"] == "search"
        and e["event_time"][:10] not in labelled_days
    )
    assert spree >= 150
    assert spree >= 8 * statistics.median(usual.values())
    assert spree >= 3 * max(usual.values())
    assert len({e["record_ref"] for e in _events(run, label)}) >= 100


def _unjustified_lookups(run: Run, label: dict[str, Any]) -> None:
    start, end = instant(label, "start"), instant(label, "end")
    lookups = [
        e
        for e in run.by_officer[label["officer_id"]]
        if e["type"] == "access"
        and e["action"] != "login"
        and e["action"] != "logout"
        and start <= instant(e) < end
    ]
    without = [e for e in lookups if "case_ref" not in e]
    assert len(without) / len(lookups) >= 0.7
    assert {e["event_id"] for e in without} == set(label["evidence"])


def _roster_self_approval(run: Run, label: dict[str, Any]) -> None:
    (event,) = _events(run, label)
    if label["variant"] == "self_approved_overtime":
        assert event["approver_id"] == event["officer_id"] == event["actor_id"]
    else:
        assert event["actor_id"] == event["officer_id"]
        assert instant(event) - instant(event, "period_start") >= 3 * DAY


def _overtime_outlier(run: Run, label: dict[str, Any]) -> None:
    claims = [e for e in _events(run, label) if e["change_type"] == "overtime_claimed"]
    assert sum(e["hours"] for e in claims) >= 30
    assert instant(label, "end") - instant(label, "start") <= 28 * DAY


def _denied_access_burst(run: Run, label: dict[str, Any]) -> None:
    events = _events(run, label)
    assert len(events) >= 6 and all(e["outcome"] == "denied" for e in events)
    assert instant(events[-1]) - instant(events[0]) <= 10 * 60


def _unusual_day(run: Run, label: dict[str, Any]) -> None:
    actions = Counter(e.get("action") for e in _events(run, label))
    assert actions["export"] >= 5
    role_systems = {
        e["system"]
        for o, events in run.by_officer.items()
        if run.officers[o]["role"] == run.officers[label["officer_id"]]["role"]
        and o not in run.labels_by_officer
        for e in events
        if e["type"] == "access"
    }
    assert any(e.get("system") not in role_systems for e in _events(run, label) if "system" in e)


def _insufficient_rest(run: Run, label: dict[str, Any]) -> None:
    assert instant(label, "end") - instant(label, "start") < 11 * HOUR
    duties = sorted(period(e) for e in _events(run, label))
    assert duties[1][0] - duties[0][1] < 11 * HOUR


def _excessive_hours(run: Run, label: dict[str, Any]) -> None:
    spells = _roster(run, label).worked()
    in_window = [(s, e) for s, e in spells if instant(label, "start") <= s <= instant(label, "end")]
    longest = max(e - s for s, e in in_window)
    week = max(
        sum(min(e, s0 + 7 * DAY) - s for s, e in in_window if s0 <= s) for s0, _ in in_window
    )
    assert longest > 13 * HOUR or week > 60 * HOUR


def _rest_days_cancelled(run: Run, label: dict[str, Any]) -> None:
    events = _events(run, label)
    assert len(events) >= 3 and {e["change_type"] for e in events} == {"rest_day_worked"}
    assert instant(label, "end") - instant(label, "start") <= 28 * DAY


def _sickness_pattern(run: Run, label: dict[str, Any]) -> None:
    spells = {period(e) for e in _events(run, label)}
    days = sum((end - start) // DAY for start, end in spells)
    assert len(spells) ** 2 * days >= 200


CHECKS: dict[str, Callable[[Run, dict[str, Any]], None]] = {
    name: globals()["_" + name] for name in CATALOGUE
}


@pytest.mark.parametrize("scenario", CATALOGUE)
def test_scenario_evidence_shows_the_behaviour(run: Run, scenario: str) -> None:
    labels = [x for x in run.labels if x["scenario"] == scenario]
    assert labels
    for label in labels:
        CHECKS[scenario](run, label)


def test_benign_look_alikes_are_explained_by_the_roster(run: Run) -> None:
    for label in run.labels:
        if not label["benign"] or label["scenario"] == "benign_busy_detective":
            continue
        roster = _roster(run, label)
        badges = [e for e in _events(run, label) if e["type"] == "badge"]
        assert badges, label
        for badge in badges:
            when = instant(badge)
            assert roster.on_duty(when, 3 * HOUR, HOUR) or any(
                s <= when <= e for s, e in roster.oncall
            ), label


def test_a_busy_detective_cites_a_case_for_every_lookup(run: Run) -> None:
    for label in run.labels:
        if label["scenario"] == "benign_busy_detective":
            assert all("case_ref" in e for e in _events(run, label))
            assert len(label["evidence"]) >= 60
