"""The roster as the expectation: what the officer should be doing at any moment.

The roster is kept per officer as a flat ``array('i')`` of ``(start_minute, end_minute, kind)``
triples sorted by start (minutes since the Unix epoch): 12 bytes an interval instead of ~150 for a
tuple of ints, which is what keeps 45,000 officers within 2 KB each.

Kinds: duties (a planned shift, overtime, a rest day worked, a changed duty, an on-call
call-out) and absences (leave, sickness). `APPROVED` is a flag bit on overtime.

Examples
--------
>>> from array import array
>>> r = array("i")
>>> add(r, 600, 1200, SHIFT)
>>> add(r, 1300, 1400, OVERTIME)
>>> status_at(r, 700 * 60.0, 0.0, 0.0)
1
>>> status_at(r, 1250 * 60.0, 0.0, 1440 * 60.0) == OFF_DUTY
True
>>> remove_overlapping(r, 600, 1200, DUTY_KINDS)
1
>>> list(r)
[1300, 1400, 2]
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence

SHIFT = 1
OVERTIME = 2
REST_WORKED = 3
DUTY = 4
LEAVE = 5
SICK = 6
ONCALL = 7
KIND_MASK = 0xF
APPROVED = 0x10

DUTY_KINDS = frozenset({SHIFT, OVERTIME, REST_WORKED, DUTY, ONCALL})
WORK_KINDS = frozenset({SHIFT, OVERTIME, REST_WORKED, DUTY})  # hours that count as worked
ABSENCE_KINDS = frozenset({LEAVE, SICK})

# Status codes answered by `status_at` besides a duty kind.
UNKNOWN = 0  # no roster around this time: detectors must stay silent
OFF_DUTY = 20  # rostered officer, no duty now, but a duty on the same local day
REST_DAY = 21  # rostered officer, no duty at all on this local day
ON_LEAVE = 22
ON_SICK = 23

KIND_NAMES = {
    SHIFT: "shift",
    OVERTIME: "overtime",
    REST_WORKED: "rest day worked",
    DUTY: "changed duty",
    ONCALL: "on-call call-out",
    LEAVE: "leave",
    SICK: "sickness",
}
STATUS_NAMES = {
    UNKNOWN: "unknown",
    OFF_DUTY: "off duty",
    REST_DAY: "rest day",
    ON_LEAVE: "on leave",
    ON_SICK: "sick",
}


def minute(instant: float) -> int:
    return int(instant // 60.0)


def add(roster: array[int], start: int, end: int, kind: int) -> None:
    """Insert an interval keeping start order; an identical interval is not added twice."""
    for i in range(0, len(roster), 3):
        if roster[i] == start and roster[i + 1] == end and roster[i + 2] & KIND_MASK == kind:
            return
        if roster[i] > start:
            roster[i:i] = array("i", (start, end, kind))
            return
    roster.extend((start, end, kind))


def set_flag(roster: array[int], start: int, end: int, kind: int, flag: int) -> bool:
    for i in range(0, len(roster), 3):
        if roster[i] == start and roster[i + 1] == end and roster[i + 2] & KIND_MASK == kind:
            roster[i + 2] |= flag
            return True
    return False


def remove_overlapping(roster: array[int], start: int, end: int, kinds: frozenset[int]) -> int:
    """Remove intervals of `kinds` overlapping [start, end); returns how many were removed."""
    removed = 0
    i = 0
    while i < len(roster):
        if roster[i + 2] & KIND_MASK in kinds and roster[i] < end and roster[i + 1] > start:
            del roster[i : i + 3]
            removed += 1
        else:
            i += 3
    return removed


def remove_nearest(roster: array[int], start: int, kinds: frozenset[int], within: int) -> bool:
    """Remove the interval of `kinds` whose start is nearest to minute `start`, if within
    `within` minutes (ties: the earlier one). The duty a moved shift was moved from.

    >>> r = array("i", [420, 960, SHIFT, 1860, 2400, SHIFT])  # 07:00 today, 07:00 tomorrow
    >>> remove_nearest(r, 1080, frozenset({SHIFT}), 18 * 60), list(r)  # moved to 18:00 today
    (True, [1860, 2400, 1])
    """
    best = -1
    for i in range(0, len(roster), 3):
        if roster[i + 2] & KIND_MASK not in kinds:
            continue
        gap = abs(roster[i] - start)
        if gap <= within and (best < 0 or gap < abs(roster[best] - start)):
            best = i
    if best < 0:
        return False
    del roster[best : best + 3]
    return True


def end_open(roster: array[int], kind: int, at: int, end: int) -> bool:
    """Set the end of the `kind` interval that covers minute `at` (e.g. a sickness ends)."""
    best = -1
    for i in range(0, len(roster), 3):
        if roster[i + 2] & KIND_MASK == kind and roster[i] <= at:
            best = i
    if best < 0:
        return False
    roster[best + 1] = max(roster[best], end)
    return True


def prune(roster: array[int], before: int) -> None:
    """Forget intervals that ended before minute `before`."""
    i = 0
    while i < len(roster):
        if roster[i + 1] < before:
            del roster[i : i + 3]
        else:
            i += 3


def covered(roster: array[int], start: int, end: int, kinds: frozenset[int]) -> int:
    """Kind+flags of the first interval of `kinds` overlapping [start, end), else 0."""
    for i in range(0, len(roster), 3):
        if roster[i] >= end:
            break
        if roster[i + 1] > start and roster[i + 2] & KIND_MASK in kinds:
            return roster[i + 2]
    return 0


def has_roster_near(roster: array[int], at: float, span: int) -> bool:
    """Whether any duty is rostered within `span` minutes of `at`: the roster is known here."""
    lo, hi = at - span, at + span
    for i in range(0, len(roster), 3):
        if roster[i] >= hi:
            break
        if roster[i + 1] > lo and roster[i + 2] & KIND_MASK in DUTY_KINDS:
            return True
    return False


def status_at(
    roster: array[int],
    instant: float,
    day_start: float,
    day_end: float,
    *,
    before: int = 0,
    after: int = 0,
    coverage_minutes: int = 7 * 24 * 60,
) -> int:
    """What the roster expects at `instant`.

    Returns the duty kind (with flags) if a duty covers the instant widened by `before` minutes
    before its start and `after` minutes after its end (arriving early, leaving late), except
    that sickness or leave outranks a planned shift (planned weeks before the officer fell ill).
    Being on call is not being on duty: a call-out is covered by the overtime claimed for it;
    else sickness or leave; else `OFF_DUTY` if a duty overlaps the local day [day_start, day_end),
    `REST_DAY` if none does, or `UNKNOWN` when no duty is rostered within `coverage_minutes`
    (an officer we hold no roster for).
    """
    m = instant / 60.0
    absence = 0
    shift = 0
    for i in range(0, len(roster), 3):
        start = roster[i]
        if start - before > m:
            break
        kind = roster[i + 2]
        base = kind & KIND_MASK
        if base in WORK_KINDS:
            if m < roster[i + 1] + after:
                if base != SHIFT:
                    return kind  # overtime, a rest day worked, a changed duty: entered later
                shift = kind
        elif base in ABSENCE_KINDS and start <= m < roster[i + 1]:
            absence = ON_SICK if base == SICK else ON_LEAVE
    if absence:
        return absence  # a planned shift does not stand against sickness or leave since
    if shift:
        return shift
    if not has_roster_near(roster, m, coverage_minutes):
        return UNKNOWN
    if day_end > day_start and covered(roster, minute(day_start), minute(day_end), WORK_KINDS):
        return OFF_DUTY
    return REST_DAY


def status_segment(
    roster: array[int],
    instant: float,
    day_start: float,
    day_end: float,
    *,
    before: int,
    after: int,
    coverage_minutes: int = 7 * 24 * 60,
) -> tuple[int, float, float]:
    """`status_at(instant)` and the span [lo, hi) around it over which it cannot change.

    The span stays within the local day and between consecutive roster boundaries (duty starts
    and ends widened by the grace minutes, absence starts and ends), so callers can cache the
    answer for the many events of one stretch of duty.
    """
    status = status_at(
        roster,
        instant,
        day_start,
        day_end,
        before=before,
        after=after,
        coverage_minutes=coverage_minutes,
    )
    lo, hi = day_start, day_end
    cover = coverage_minutes
    for i in range(0, len(roster), 3):
        base = roster[i + 2] & KIND_MASK
        edges: tuple[float, ...]
        if base in DUTY_KINDS:
            edges = (
                (roster[i] - before) * 60.0,
                (roster[i + 1] + after) * 60.0,
                (roster[i] - cover) * 60.0,  # where the roster starts or stops being known
                (roster[i + 1] + cover) * 60.0,
            )
        else:
            edges = (roster[i] * 60.0, roster[i + 1] * 60.0)
        for edge in edges:
            if edge <= instant:
                lo = max(lo, edge)
            elif edge < hi:
                hi = edge
    return status, lo, hi


def last_duty_end(roster: array[int], before: float) -> int | None:
    """End (minute) of the latest duty that ended at or before minute `before`."""
    best = None
    for i in range(0, len(roster), 3):
        if roster[i] >= before:
            break
        end = roster[i + 1]
        if end > before or roster[i + 2] & KIND_MASK not in WORK_KINDS:
            continue
        if best is None or end > best:
            best = end
    return best


def duties(roster: array[int]) -> list[tuple[int, int, int]]:
    """Worked duties (on-call availability excluded)."""
    return [
        (roster[i], roster[i + 1], roster[i + 2])
        for i in range(0, len(roster), 3)
        if roster[i + 2] & KIND_MASK in WORK_KINDS
    ]


def merged_duties(roster: array[int], join_gap: int) -> list[tuple[int, int]]:
    """Duties as worked blocks: overtime straight after a shift is the same spell of work.

    A duty mostly covered by leave or sickness was not worked and is left out.

    >>> from array import array
    >>> r = array("i", [0, 540, SHIFT, 560, 620, OVERTIME, 2000, 2540, SHIFT, 1990, 3000, SICK])
    >>> merged_duties(r, 30)
    [(0, 620)]
    """
    absences = [
        (roster[i], roster[i + 1])
        for i in range(0, len(roster), 3)
        if roster[i + 2] & KIND_MASK in ABSENCE_KINDS
    ]
    blocks: list[tuple[int, int]] = []
    for start, end, _ in sorted(duties(roster)):
        # (Most rosters hold no absence: skip building a generator per duty for nothing.)
        if absences:
            overlap = sum(max(0, min(end, e) - max(start, s)) for s, e in absences)
            if overlap * 2 > end - start:
                continue
        if blocks and start - blocks[-1][1] <= join_gap:
            if end > blocks[-1][1]:
                blocks[-1] = (blocks[-1][0], end)
        else:
            blocks.append((start, end))
    return blocks


def planned_only(evidence: Sequence[str]) -> dict[str, str]:
    """What an explanation says when plain planned shifts alone are behind a finding: the
    state keeps event ids only for the roster entries other than those (memory), so such a
    finding names no event.

    >>> planned_only(("rost-1",))
    {}
    >>> planned_only(())
    {'roster_entries': 'plain planned shifts only, whose event ids the state does not keep'}
    """
    if evidence:
        return {}
    return {"roster_entries": "plain planned shifts only, whose event ids the state does not keep"}
