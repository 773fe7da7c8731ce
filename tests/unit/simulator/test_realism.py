"""The background force behaves like a real one: rosters, badges and look-ups by role."""

from __future__ import annotations

import itertools
import statistics
from collections import Counter, defaultdict
from typing import Any

from tests.unit.simulator.conftest import Run, instant
from tests.unit.simulator.roster_view import RosterView, period

HOUR = 3600
LOOKUPS = ("search", "view", "print", "export")


def _explained_by_label(run: Run, event: dict[str, Any], margin: int = 3 * HOUR) -> bool:
    for label in run.labels_by_officer.get(event["officer_id"], []):
        if event["event_id"] in label["evidence"]:
            return True
        start, end = instant(label, "start"), instant(label, "end")
        if start - margin <= instant(event) <= end + margin:
            return True
    return False


def _unlabelled(run: Run) -> list[str]:
    return [o for o in run.by_officer if o not in run.labels_by_officer]


def _ordinary(run: Run, officer: str) -> list[dict[str, Any]]:
    """The officer's events away from any labelled scenario (a day's margin either side)."""
    labels = run.labels_by_officer.get(officer, [])
    spans = [(instant(x, "start") - 86400, instant(x, "end") + 86400) for x in labels]
    return [e for e in run.by_officer[officer] if not any(s <= instant(e) <= t for s, t in spans)]


def test_no_granted_badge_in_without_a_duty_or_a_label_explaining_it(run: Run) -> None:
    unexplained = []
    for events in run.by_officer.values():
        roster = RosterView.of(events)
        for event in events:
            if event["type"] != "badge" or event["outcome"] != "granted":
                continue
            when = instant(event)
            # Arrival up to half an hour early, a custody visit just past the end.
            working = roster.on_duty(when, before=90 * 60, after=60 * 60)
            if (not working or roster.absent(when)) and not _explained_by_label(run, event):
                unexplained.append(event)
    assert unexplained == []


def test_no_system_use_off_duty_without_a_label(run: Run) -> None:
    unexplained = [
        event
        for events in run.by_officer.values()
        for roster in [RosterView.of(events)]
        for event in events
        if event["type"] == "access"
        and not roster.on_duty(instant(event), before=45 * 60, after=30 * 60)
        and not _explained_by_label(run, event)
    ]
    assert unexplained == []


def test_lookups_carry_a_case_reference_at_the_roles_rate(run: Run) -> None:
    with_case: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for officer in run.by_officer:
        role = run.officers[officer]["role"]
        for event in _ordinary(run, officer):
            if event["type"] == "access" and event["action"] in LOOKUPS:
                total[role] += 1
                with_case[role] += "case_ref" in event
    share = {role: with_case[role] / total[role] for role in total}
    assert share["detective"] >= 0.86
    assert 0.64 <= share["response"] <= 0.84
    assert 0.6 <= share["neighbourhood"] <= 0.8
    assert 0.75 <= share["custody"] <= 0.93
    assert 0.5 <= share["staff"] <= 0.7


def test_detectives_search_several_times_more_than_custody_staff(run: Run) -> None:
    per_day: dict[str, list[float]] = defaultdict(list)
    for officer in run.by_officer:
        searches = Counter(
            e["event_time"][:10]
            for e in _ordinary(run, officer)
            if e["type"] == "access" and e["action"] == "search"
        )
        if searches:
            per_day[run.officers[officer]["role"]].append(statistics.mean(searches.values()))
    assert statistics.mean(per_day["detective"]) > 3 * statistics.mean(per_day["custody"])


def test_planned_shifts_have_the_roles_lengths(run: Run) -> None:
    lengths: dict[str, set[float]] = defaultdict(set)
    for event in run.events:
        if event["type"] == "roster" and event["change_type"] == "shift_planned":
            role = run.officers[event["officer_id"]]["role"]
            key = "training" if event.get("reason") == "TRAINING" else role
            lengths[key].add(event["hours"])
    assert lengths["response"] == {9.0}
    assert lengths["neighbourhood"] == {8.0}
    assert lengths["custody"] == {12.0}
    assert lengths["detective"] == lengths["staff"] == lengths["training"] == {8.0}


def test_shifts_are_planned_weeks_ahead_by_someone_else(run: Run) -> None:
    planned = [
        e for e in run.events if e["type"] == "roster" and e["change_type"] == "shift_planned"
    ]
    assert planned
    for event in planned:
        assert instant(event, "period_start") - instant(event) >= 6 * 24 * HOUR
        assert event["actor_id"] != event["officer_id"]


def test_late_roster_entries_are_made_by_supervisors(run: Run) -> None:
    late = [
        e
        for e in run.events
        if e["type"] == "roster"
        and e["change_type"] == "duty_changed"
        and instant(e) > instant(e, "period_start")
        and e["officer_id"] not in run.labels_by_officer
    ]
    assert late, "some supervisors correct a duty after it started"
    assert all(e["actor_id"] != e["officer_id"] for e in late)
    assert all(instant(e) - instant(e, "period_start") < 12 * HOUR for e in late)


def test_unlabelled_officers_keep_the_welfare_rules(run: Run) -> None:
    for officer in _unlabelled(run):
        spells = RosterView.of(run.by_officer[officer]).worked()
        for (s1, e1), (s2, _) in itertools.pairwise(spells):
            assert s2 - e1 >= 11 * HOUR, (officer, s1)
        for start, end in spells:
            assert end - start <= 13 * HOUR, (officer, start)
            week = sum(min(e, start + 7 * 24 * HOUR) - s for s, e in spells if start <= s)
            assert week <= 60 * HOUR, (officer, start)


def test_unlabelled_sickness_stays_under_a_bradford_factor_of_100(run: Run) -> None:
    for officer in _unlabelled(run):
        spells = [
            period(e)
            for e in run.by_officer[officer]
            if e["type"] == "roster" and e["change_type"] == "sickness_started"
        ]
        days = sum((end - start) // 86400 for start, end in spells)
        assert len(spells) ** 2 * days < 100


def test_tracked_zones_are_entered_before_they_are_left(run: Run) -> None:
    tracked = {
        (site_id, zone["zone"])
        for site_id, site in run.sites.items()
        for zone in site["zones"]
        if zone["tracks_exit"]
    }
    problems = []
    for officer in _unlabelled(run):
        inside: dict[tuple[str, str], int] = {}
        for event in run.by_officer[officer]:
            if event["type"] != "badge" or event["outcome"] != "granted":
                continue
            key = (event["site_id"], event["zone"])
            if key not in tracked:
                continue
            when = instant(event)
            if event["direction"] == "in":
                # A badge-out forgotten at the end of a duty is followed hours later at most.
                if key in inside and when - inside[key] < 8 * HOUR:
                    problems.append(event)
                inside[key] = when
            elif inside.pop(key, None) is None:
                problems.append(event)
    assert problems == []


def test_badge_and_access_volumes_look_like_a_working_force(run: Run) -> None:
    kinds = Counter(e["type"] for e in run.events)
    worked_days = sum(
        1
        for events in run.by_officer.values()
        for _ in {e["event_time"][:10] for e in events if e["type"] == "badge"}
    )
    assert 4 <= kinds["badge"] / worked_days <= 15
    assert kinds["access"] > kinds["badge"] > kinds["roster"]
    denied = sum(1 for e in run.events if e["type"] == "badge" and e["outcome"] == "denied")
    assert denied > 0
