"""Builders for small, readable scenarios: used by docstring examples and the test suites.

A `Scenario` holds a default reference (officers P1-P9 in one peer group, three sites) and a
list of events written in a line each; `run()` feeds them, sorted by event time, through the
`Pipeline`. Times are written as ``YYYY-MM-DDTHH:MM`` in UTC (or with an explicit offset).

Examples
--------
>>> sc = Scenario()
>>> sc.badge("P1", "2026-03-10T08:00")
>>> [e.type for e in sc.events()], sc.run()
(['badge'], [])
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from detectors.base import Env
from detectors.config import DetectorConfig, load_config
from detectors.pipeline import Pipeline
from detectors.reference import Reference
from detectors.registry import REGISTRY
from schemas.alerts import Alert
from schemas.events import (
    AccessAction,
    AccessEvent,
    BadgeEvent,
    ChangeType,
    Direction,
    Event,
    Outcome,
    RosterEvent,
)
from schemas.reference import Officer, Site, WatchlistCategory, WatchlistEntry, ZoneSpec

ZONES = (
    ZoneSpec(zone="station-main", level=1, tracks_exit=False),
    ZoneSpec(zone="custody", level=3, tracks_exit=True),
    ZoneSpec(zone="property-store", level=4, tracks_exit=True),
)
# S1 and S2 are 2.4 km apart (one town); S3 is ~22 km from S1.
SITES = (
    Site(site_id="S1", name="North Station", lat=51.5561, lon=-0.1044, zones=ZONES),
    Site(site_id="S2", name="Central Station", lat=51.5350, lon=-0.1044, zones=ZONES),
    Site(site_id="S3", name="Training College", lat=51.7500, lon=-0.1044, zones=ZONES),
)


def at(text: str) -> datetime:
    """``2026-03-10T08:00`` (UTC unless an offset is given) as an aware datetime."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class Scenario:
    """A small world and its events, built line by line."""

    def __init__(
        self,
        officers: Iterable[Officer] | None = None,
        sites: Iterable[Site] = SITES,
        overrides: Mapping[str, Any] | None = None,
        only: Iterable[str] | None = None,
    ) -> None:
        if officers is None:
            officers = [
                Officer(
                    officer_id=f"P{i}",
                    unit_id="U1",
                    role="response",
                    rank="constable",
                    home_site_id="S1",
                    line_manager_id="P9" if i != 9 else None,
                    active=True,
                )
                for i in range(1, 10)
            ]
        self.officers = list(officers)
        self.sites = list(sites)
        self.watchlist: list[WatchlistEntry] = []
        self.overrides: dict[str, Any] = {k: dict(v) for k, v in (overrides or {}).items()}
        if only is not None:
            # Every other detector off: a test sees the one detector it is about.
            keep = set(only)
            tables = self.overrides.setdefault("detectors", {})
            for name in REGISTRY:
                tables[name] = {**tables.get(name, {}), "enabled": name in keep}
        self._events: list[Event] = []
        self._n = 0

    # ------------------------------------------------------------------ world

    def config(self) -> DetectorConfig:
        return load_config(overrides=self.overrides)

    def reference(self) -> Reference:
        return Reference(self.officers, self.sites, self.watchlist)

    def env(self, config: DetectorConfig | None = None) -> Env:
        return Env(config or self.config(), self.reference())

    def watch(
        self, record_ref: str, category: WatchlistCategory, expires: str | None = None
    ) -> None:
        self.watchlist.append(
            WatchlistEntry(
                record_ref=record_ref,
                category=category,
                expires_at=at(expires) if expires else None,
            )
        )

    # ------------------------------------------------------------------ events

    def _id(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}-{self._n:06d}"

    def add(self, event: Event) -> None:
        self._events.append(event)

    def events(self) -> list[Event]:
        """The events in event-time order (stable for equal times)."""
        return sorted(self._events, key=lambda e: e.event_time)

    def badge(
        self,
        officer: str,
        when: str,
        *,
        site: str = "S1",
        zone: str = "station-main",
        direction: Direction = "in",
        outcome: Outcome = "granted",
        level: int | None = None,
    ) -> None:
        if level is None:
            level = {"custody": 3, "property-store": 4}.get(zone, 1)
        self.add(
            BadgeEvent(
                schema_version=1,
                event_id=self._id("pacs"),
                event_time=at(when),
                officer_id=officer,
                source="pacs",
                badge_id=f"B-{officer}",
                site_id=site,
                reader_id=f"{site}-R01",
                zone=zone,
                zone_level=level,
                direction=direction,
                outcome=outcome,
            )
        )

    def lookup(
        self,
        officer: str,
        when: str,
        *,
        case: str | None = "CR/2026/1",
        record: str | None = None,
        site: str | None = None,
        action: AccessAction = "search",
        workstation: str | None = None,
        system: str = "person-index",
    ) -> None:
        self._n += 1
        self.add(
            AccessEvent(
                schema_version=1,
                event_id=f"audit-{self._n:06d}",
                event_time=at(when),
                officer_id=officer,
                source="records-audit",
                system=system,
                action=action,
                record_type="person",
                record_ref=record or f"r:{self._n:08x}",
                case_ref=case,
                workstation_id=workstation or (f"WS-{site}-001" if site else "MDT-00001"),
                site_id=site,
                result_count=1,
            )
        )

    def roster(
        self,
        officer: str,
        change: ChangeType,
        start: str,
        end: str,
        *,
        at_time: str | None = None,
        actor: str | None = None,
        approver: str | None = None,
        hours: float | None = None,
        counterpart: str | None = None,
    ) -> None:
        self.add(
            RosterEvent(
                schema_version=1,
                event_id=self._id("rost"),
                # Planned a week ahead unless said otherwise.
                event_time=at(at_time) if at_time else at(start) - timedelta(days=7),
                officer_id=officer,
                source="duty-planner",
                change_type=change,
                actor_id=actor or "P9",
                period_start=at(start),
                period_end=at(end),
                hours=hours,
                approver_id=approver,
                counterpart_id=counterpart,
            )
        )

    def shift(self, officer: str, start: str, end: str, at_time: str | None = None) -> None:
        self.roster(officer, "shift_planned", start, end, at_time=at_time)

    def overtime(
        self,
        officer: str,
        start: str,
        end: str,
        *,
        at: str,
        approver: str | None = "P9",
        actor: str | None = None,
    ) -> None:
        hours = (_at(end) - _at(start)).total_seconds() / 3600.0
        self.roster(
            officer,
            "overtime_claimed",
            start,
            end,
            at_time=at,
            actor=actor or officer,
            approver=approver,
            hours=hours,
        )

    def leave(self, officer: str, start: str, end: str, at_time: str | None = None) -> None:
        self.roster(officer, "leave_booked", start, end, at_time=at_time)

    def sick(self, officer: str, start: str, end: str) -> None:
        self.roster(officer, "sickness_started", start, end, at_time=start)

    def rest_day_worked(self, officer: str, start: str, end: str) -> None:
        self.roster(officer, "rest_day_worked", start, end, at_time=start)

    # ------------------------------------------------------------------ run

    def run(self, config: DetectorConfig | None = None, until: str | None = None) -> list[Alert]:
        """Every alert of the scenario, in the order the pipeline makes them final; `until`
        lets the clocks run on to that time first (nothing happening until then)."""
        pipeline = Pipeline(config or self.config(), self.reference())
        alerts: list[Alert] = []
        for event in self.events():
            alerts.extend(pipeline.feed(event))
        if until is not None:
            alerts.extend(pipeline.advance(at(until).timestamp()))
        alerts.extend(pipeline.finish())
        return alerts


_at = at


def fired(scenario: Scenario, until: str | None = None) -> list[str]:
    """Detector names of every alert of the scenario, in order.

    >>> sc = Scenario()
    >>> sc.badge("P1", "2026-03-10T08:00", site="S1"); sc.badge("P1", "2026-03-10T08:05", site="S3")
    >>> fired(sc)
    ['impossible_travel']
    """
    return [a.detector for a in scenario.run(until=until)]


def alerts_of(scenario: Scenario, name: str, until: str | None = None) -> list[Alert]:
    """The alerts of detector `name` in the scenario."""
    return [a for a in scenario.run(until=until) if a.detector == name]
