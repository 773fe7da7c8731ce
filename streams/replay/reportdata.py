"""What the report shows, gathered in bounded memory from the replay's files.

One pass over the alerts file counts alerts per local day and detector, keeps a fixed-size
sample of scores per detector, and ranks officers by their highest integrity risk. A second pass
over the history, only for the few officers shown, samples their events around their alerts:
the report stays a few megabytes however long the history is.

Samples are drawn with a seeded generator, so the same replay gives the same report.

Examples
--------
>>> reservoir = Reservoir(3, seed=1)
>>> for value in range(100):
...     reservoir.add(value)
>>> reservoir.seen, len(reservoir.items)
(100, 3)
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Generic, TypeVar
from zoneinfo import ZoneInfo

from schemas.alerts import Alert
from schemas.codec import decode_alert
from schemas.errors import DecodeError
from schemas.events import Event, RosterEvent
from streams.pseudonym import Pseudonymiser
from streams.replay.deadletters import read_dead_letters, reason_group
from streams.replay.inputs import expand_inputs, officer_events

T = TypeVar("T")

SCORE_SAMPLE: Final = 2000  # scores per detector: plenty for a box plot, small in the page
TOP_OFFICERS: Final = 20  # in the risk ranking
TIMELINE_OFFICERS: Final = 8  # with a timeline each
TIMELINE_EVENTS: Final = 1000  # badge and access events drawn per timeline
TIMELINE_ROSTER: Final = 500  # roster changes drawn per timeline
TIMELINE_ALERTS: Final = 300
# A timeline covers the officer's alerts with context before them (their normal weeks) and a
# little after; a year-long history would otherwise drown the alerts in dots.
BEFORE_SECONDS: Final = 14 * 86400.0
AFTER_SECONDS: Final = 3 * 86400.0
DEAD_LETTER_EXAMPLES: Final = 12


class Reservoir(Generic[T]):
    """A uniform sample of at most `size` items of a stream (Vitter's algorithm R)."""

    def __init__(self, size: int, seed: int = 0) -> None:
        self.size = size
        self.items: list[T] = []
        self.seen = 0
        self._random = random.Random(seed)

    def add(self, item: T) -> None:
        self.seen += 1
        if len(self.items) < self.size:
            self.items.append(item)
        else:
            slot = self._random.randrange(self.seen)
            if slot < self.size:
                self.items[slot] = item


@dataclass(slots=True)
class OfficerRisk:
    officer_id: str
    max_risk: float = 0.0
    alerts: int = 0
    integrity: int = 0
    welfare: int = 0
    first: float = float("inf")
    last: float = float("-inf")


@dataclass(slots=True)
class AlertStats:
    """Everything the report draws from the alerts file."""

    total: int = 0
    per_day: Counter[tuple[str, str]] = field(default_factory=Counter)
    scores: dict[str, Reservoir[float]] = field(default_factory=dict)
    officers: dict[str, OfficerRisk] = field(default_factory=dict)
    unreadable: int = 0

    def top(self, count: int) -> list[OfficerRisk]:
        ranked = sorted(
            (o for o in self.officers.values() if o.max_risk > 0),
            key=lambda o: (-o.max_risk, -o.integrity, o.officer_id),
        )
        return ranked[:count]


def _alerts(path: Path) -> Iterable[Alert]:
    with open(path, "rb") as handle:
        for line in handle:
            try:
                yield decode_alert(line)
            except DecodeError:
                continue


def alert_stats(path: Path, timezone: str) -> AlertStats:
    """One pass over the alerts file."""
    zone = ZoneInfo(timezone)
    stats = AlertStats()
    for alert in _alerts(path):
        stats.total += 1
        day = alert.event_time.astimezone(zone).date().isoformat()
        stats.per_day[(day, alert.detector)] += 1
        reservoir = stats.scores.get(alert.detector)
        if reservoir is None:
            reservoir = stats.scores[alert.detector] = Reservoir(
                SCORE_SAMPLE, seed=len(stats.scores)
            )
        reservoir.add(alert.score)
        officer = stats.officers.get(alert.officer_id)
        if officer is None:
            officer = stats.officers[alert.officer_id] = OfficerRisk(alert.officer_id)
        officer.alerts += 1
        t = alert.event_time.timestamp()
        officer.first = min(officer.first, t)
        officer.last = max(officer.last, t)
        if alert.category == "integrity":
            officer.integrity += 1
            officer.max_risk = max(officer.max_risk, alert.risk.score)
        else:
            officer.welfare += 1
    return stats


@dataclass(slots=True)
class Timeline:
    """One officer's alerts and a sample of their events, on one time axis."""

    officer: OfficerRisk
    start: float
    end: float
    alerts: list[Alert] = field(default_factory=list)
    roster: list[RosterEvent] = field(default_factory=list)
    activity: Reservoir[Event] = field(default_factory=lambda: Reservoir(TIMELINE_EVENTS))
    evidence: list[Event] = field(default_factory=list)
    events_in_window: int = 0

    def events(self) -> list[Event]:
        """The sampled badge and access events plus every evidence event, in time order."""
        chosen = {e.event_id: e for e in self.activity.items}
        chosen.update((e.event_id, e) for e in self.evidence)
        return sorted(chosen.values(), key=lambda e: (e.event_time, e.event_id))


def timelines(
    officers: Sequence[OfficerRisk],
    alerts_path: Path,
    inputs: Sequence[Path],
    pseudonyms: Pseudonymiser | None = None,
) -> list[Timeline]:
    """Timelines of `officers`: a pass over the alerts, then one over the history.

    With `pseudonyms` (the replay's key), the alerts name officers by pseudonym: the history's
    ids are pseudonymised to match them, so the timelines show no real id either.
    """
    lines = {
        o.officer_id: Timeline(o, o.first - BEFORE_SECONDS, o.last + AFTER_SECONDS)
        for o in officers
    }
    if not lines:
        return []
    evidence: dict[str, set[str]] = defaultdict(set)
    for alert in _alerts(alerts_path):
        line = lines.get(alert.officer_id)
        if line is not None and len(line.alerts) < TIMELINE_ALERTS:
            line.alerts.append(alert)
            evidence[alert.officer_id].update(alert.evidence)
    wanted = {officer.encode() for officer in lines}
    for source in expand_inputs(inputs):
        for event in officer_events(source, wanted, pseudonyms):
            line = lines.get(event.officer_id)
            if line is None:
                continue
            t = event.event_time.timestamp()
            if event.event_id in evidence[event.officer_id]:
                line.evidence.append(event)
            if isinstance(event, RosterEvent):
                # Rosters are entered weeks ahead: what counts is the period they cover.
                covers = (
                    event.period_start.timestamp() <= line.end
                    and event.period_end.timestamp() >= line.start
                )
                if covers and len(line.roster) < TIMELINE_ROSTER:
                    line.roster.append(event)
            elif line.start <= t <= line.end:
                line.events_in_window += 1
                line.activity.add(event)
    return [lines[o.officer_id] for o in officers]


@dataclass(slots=True)
class DeadLetterStats:
    total: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    files: Counter[str] = field(default_factory=Counter)
    examples: list[tuple[str, int, str, str]] = field(default_factory=list)


def dead_letter_stats(path: Path) -> DeadLetterStats:
    """Counts by reason and by file, and the first few records as examples."""
    stats = DeadLetterStats()
    if not path.is_file():
        return stats
    for letter in read_dead_letters(path):
        stats.total += 1
        stats.reasons[reason_group(letter.reason)] += 1
        origin = letter.origin
        file = getattr(origin, "path", "?")
        stats.files[file] += 1
        if len(stats.examples) < DEAD_LETTER_EXAMPLES:
            preview = letter.original[:160].decode("utf-8", "replace")
            stats.examples.append((file, getattr(origin, "line", 0), letter.reason, preview))
    return stats
