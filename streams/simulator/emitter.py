"""Event lines and the per-day buffers that put them in event-time order.

Generation runs one simulation day (a *step*) at a time. A step writes events at or after the
start of its own day: the day's duties (a night shift runs on into the next day), claims filed
in arrears, and roster changes announced days or weeks ahead. So once step ``d`` is done, no
later step can add to day ``d``: its buffer is complete, is sorted and leaves. Only the days
ahead (at most the roster look-ahead) are held in memory. Lines are sorted by event time;
events of the same second stay in the order they were generated, which the seed fixes.

A day's buffer is two parallel lists, the second of the day of each line and the line, rather
than a list of pairs: the lines are then sorted in place by those small ints (see
:func:`_sort_by_keys`), with no pair to build, unpack and free per event.

Lines are written from templates in DESIGN.md's field order rather than by orjson: every
value in them comes from the simulator's own fixed alphabets (ids, names, codes) and needs no
escaping, and a template costs a quarter of building a dict for orjson and keeping the result.
The tests decode every line with ``schemas.codec``.

Examples
--------
>>> from datetime import date
>>> from streams.simulator.clock import Clock
>>> from streams.simulator.force import build_force
>>> force = build_force(20, seed=1)
>>> emitter = Emitter(force, Clock(date(2026, 3, 9)), seed=1)
>>> emitter.begin_step(0)
>>> officer = force.officers[3]
>>> later = emitter.roster(officer, emitter.clock.at(0, 9 * 3600), "leave_booked",
...                        actor=officer, period=(emitter.clock.at(30), emitter.clock.at(32)))
>>> first = emitter.roster(officer, emitter.clock.at(0, 8 * 3600), "sickness_started",
...                        actor=officer, period=(emitter.clock.at(0), emitter.clock.at(1)))
>>> [line[line.index('"event_time"'):][:40] for line in emitter.take_day(0)]
['"event_time":"2026-03-09T08:00:00+00:00"', '"event_time":"2026-03-09T09:00:00+00:00"']
>>> emitter.roster(officer, emitter.clock.at(-1), "leave_booked", actor=officer, period=(0, 0))
Traceback (most recent call last):
...
ValueError: step 0 may not write an event before its own day (2026-03-08T00:00:00+00:00)
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Final

from streams.simulator.clock import DAY, Clock
from streams.simulator.force import Force, Officer
from streams.simulator.randomness import EventIds
from streams.simulator.sites import SiteInfo, Zone

ROSTER_SOURCE: Final = "duty-planner"
ACCESS_SOURCE: Final = "records-audit"
# Sequence numbers as the four hex digits of an id, looked up rather than formatted.
HEX4: Final = tuple(f"{n:04x}" for n in range(1 << 16))
_ACCESS_HEAD: Final = '{"schema_version":1,"type":"access","event_id":"audit-'
_BADGE_HEAD: Final = '{"schema_version":1,"type":"badge","event_id":"pacs-'
_ROSTER_HEAD: Final = '{"schema_version":1,"type":"roster","event_id":"'

# (instant, '","system":...,"record_type":"..."' member run, record_ref, case_ref member,
#  result_count member) -> event id
AccessWriter = Callable[[int, str, "str | None", str, str], str]
# One day's buffer: the second of the day of each line, and the lines, in generation order.
DayBuffer = tuple[list[int], list[str]]


def _sort_by_keys(lines: list[str], keys: list[int]) -> None:
    """Sort ``lines`` in place by the parallel ``keys``, stably.

    ``list.sort`` calls its key function exactly once per item, first to last, before it
    compares anything (CPython has always done so), so a key function that returns the next of
    ``keys`` gives each line its own key: no (key, line) pairs are built. The keys are seconds
    of a day, small ints that CPython compares on a fast path.

    >>> lines = ["c", "a", "b", "d"]
    >>> _sort_by_keys(lines, [5, 1, 5, 0])
    >>> lines
    ['d', 'a', 'c', 'b']
    """
    if len(lines) != len(keys):
        raise ValueError("a day buffer's lines and keys differ in length")
    lines.sort(key=partial(next, iter(keys)))


def action_fields(system: str, action: str, record_type: str) -> str:
    """The system, action and record type members of an access line, closing the source.

    >>> action_fields("person-index", "view", "person")
    '","system":"person-index","action":"view","record_type":"person"'
    """
    return f'","system":"{system}","action":"{action}","record_type":"{record_type}"'


class Emitter:
    """Builds event lines and buffers them by day until the day is complete."""

    def __init__(self, force: Force, clock: Clock, seed: int) -> None:
        self.force = force
        self.clock = clock
        self._ids = EventIds(seed)
        self._buckets: dict[int, DayBuffer] = {}
        self._counters = [0] * len(force.officers)
        self._id_blocks: list[str | None] = [None] * len(force.officers)
        self.step = 0
        self._floor = clock.at(0)
        self.count = 0

    def begin_step(self, step: int) -> None:
        """Start generating day ``step``: nothing before its midnight may be written now."""
        self.step = step
        self._floor = self.clock.at(step)
        self._counters = [0] * len(self.force.officers)
        self._id_blocks = [None] * len(self.force.officers)

    def _next_id(self, prefix: str, officer: int) -> str:
        sequence = self._counters[officer]
        self._counters[officer] = sequence + 1
        block = self._id_blocks[officer]
        if block is None:
            block = self._id_blocks[officer] = self._ids.block(self.step, officer)
        return f"{prefix}{block}{sequence:04x}"

    def _put(self, instant: int, line: str) -> None:
        if instant < self._floor:
            raise ValueError(
                f"step {self.step} may not write an event before its own day "
                f"({self.clock.text(instant)})"
            )
        epoch_day = instant // DAY
        bucket = self._buckets.get(epoch_day)
        if bucket is None:
            bucket = self._buckets[epoch_day] = ([], [])
        bucket[0].append(instant - epoch_day * DAY)
        bucket[1].append(line)

    def day_buffer(self, epoch_day: int) -> DayBuffer:
        """The buffer of an epoch day, for a writer that appends to it directly (a second of
        that day to the first list, the line to the second); checks the step may write there."""
        if epoch_day * DAY < self._floor:
            self._put(epoch_day * DAY, "")  # raises: an event before the step's own day
        bucket = self._buckets.get(epoch_day)
        if bucket is None:
            bucket = self._buckets[epoch_day] = ([], [])
        return bucket

    def badge(
        self,
        officer: Officer,
        instant: int,
        site: SiteInfo,
        zone: Zone,
        *,
        direction: str = "in",
        outcome: str = "granted",
    ) -> str:
        event_id = self._next_id("", officer.index)
        reader = zone.reader_in if direction == "in" else zone.reader_out or zone.reader_in
        self._put(
            instant,
            f'{_BADGE_HEAD}{event_id}","event_time":"{self.clock.text(instant)}",'
            f'"officer_id":"{officer.officer_id}","source":"{site.badge_source}",'
            f'"badge_id":"{officer.badge_id}","site_id":"{site.site_id}",'
            f'"reader_id":"{reader}","zone":"{zone.name}","zone_level":{zone.level},'
            f'"direction":"{direction}","outcome":"{outcome}"}}',
        )
        return "pacs-" + event_id

    def access(
        self,
        officer: Officer,
        instant: int,
        *,
        system: str,
        action: str,
        record_type: str,
        workstation: str,
        site_id: str | None,
        record_ref: str | None = None,
        case_ref: str | None = None,
        result_count: int | None = None,
    ) -> str:
        write = self.access_writer(officer, workstation, site_id)
        return write(
            instant,
            action_fields(system, action, record_type),
            record_ref,
            "" if case_ref is None else f',"case_ref":"{case_ref}"',
            "" if result_count is None else f',"result_count":{result_count}',
        )

    def access_writer(
        self, officer: Officer, workstation: str, site_id: str | None
    ) -> AccessWriter:
        """A writer of one officer's access events from one workstation.

        Look-ups are most of a run's events, so the parts of their line that do not change
        within a session are formatted once, and id making, time formatting and buffering are
        inlined here rather than called.
        """
        index = officer.index
        counters = self._counters
        prefix = self._ids.block(self.step, index)
        middle = f'","officer_id":"{officer.officer_id}","source":"{ACCESS_SOURCE}'
        where = f',"workstation_id":"{workstation}"'
        if site_id is not None:
            where += f',"site_id":"{site_id}"'
        clock = self.clock
        dates, tod, buckets = clock.dates, clock.times_of_day, self._buckets
        date_prefix = clock.date_prefix
        floor = self._floor
        put = self._put

        def write(
            instant: int,
            fields: str,
            record_ref: str | None,
            case_field: str,
            count_field: str,
        ) -> str:
            sequence = counters[index]
            counters[index] = sequence + 1
            epoch_day = instant // DAY
            second = instant - epoch_day * DAY
            date = dates.get(epoch_day) or date_prefix(epoch_day)
            if record_ref is None:
                line = (
                    f"{_ACCESS_HEAD}{prefix}{sequence:04x}"
                    f'","event_time":"{date}{tod[second]}'
                    f"{middle}{fields}{case_field}{where}{count_field}}}"
                )
            else:
                line = (
                    f"{_ACCESS_HEAD}{prefix}{sequence:04x}"
                    f'","event_time":"{date}{tod[second]}'
                    f'{middle}{fields},"record_ref":"{record_ref}"{case_field}{where}'
                    f"{count_field}}}"
                )
            if instant < floor:
                put(instant, line)  # raises: an event before the step's own day
            bucket = buckets.get(epoch_day)
            if bucket is None:
                bucket = buckets[epoch_day] = ([], [])
            bucket[0].append(second)
            bucket[1].append(line)
            return f"audit-{prefix}{sequence:04x}"

        return write

    def access_batch(self, officer: Officer, workstation: str, site_id: str | None) -> AccessBatch:
        """The fixed parts of one officer's access lines from one workstation, for a loop that
        writes many look-ups itself (see :class:`AccessBatch`)."""
        index = officer.index
        where = f',"workstation_id":"{workstation}"'
        if site_id is not None:
            where += f',"site_id":"{site_id}"'
        return AccessBatch(
            self,
            index,
            head=f"{_ACCESS_HEAD}{self._ids.block(self.step, index)}",
            body=f'","officer_id":"{officer.officer_id}","source":"{ACCESS_SOURCE}',
            where=where,
            sequence=self._counters[index],
        )

    def roster(
        self,
        officer: Officer,
        instant: int,
        change_type: str,
        *,
        actor: Officer,
        period: tuple[int, int],
        hours: float | None = None,
        approver: Officer | None = None,
        counterpart: Officer | None = None,
        reason: str | None = None,
    ) -> str:
        event_id = self._next_id("rost-", officer.index)
        text = self.clock.text
        optional = ""
        if hours is not None:
            optional += f',"hours":{float(hours)!r}'
        if approver is not None:
            optional += f',"approver_id":"{approver.officer_id}"'
        if counterpart is not None:
            optional += f',"counterpart_id":"{counterpart.officer_id}"'
        if reason is not None:
            optional += f',"reason":"{reason}"'
        self._put(
            instant,
            f'{_ROSTER_HEAD}{event_id}","event_time":"{text(instant)}",'
            f'"officer_id":"{officer.officer_id}","source":"{ROSTER_SOURCE}",'
            f'"change_type":"{change_type}","actor_id":"{actor.officer_id}",'
            f'"period_start":"{text(period[0])}","period_end":"{text(period[1])}"{optional}}}',
        )
        return event_id

    def take_day(self, day: int) -> list[str]:
        """The complete, sorted lines of simulation day ``day``; the buffer is dropped."""
        keys, lines = self._buckets.pop(self.clock.epoch_day + day, ([], []))
        # By time only: a stable sort keeps events of the same second in the order they
        # were generated, which the seed fixes, and comparing ints alone is much faster.
        _sort_by_keys(lines, keys)
        self.count += len(lines)
        return lines

    def pending_days(self) -> list[int]:
        """Simulation days that still hold events, in order (for the end of a run)."""
        return sorted(k - self.clock.epoch_day for k in self._buckets)


class AccessBatch:
    """What a loop needs to write many access lines of one officer at one workstation.

    Look-ups are most of a run's events, so :class:`~streams.simulator.behaviour.Behaviour`
    writes them in one loop with no call per event. Each line is::

        f'{head}{HEX4[sequence]}","event_time":"{date}{times_of_day[second]}{body}'
        f"{action members}{record and case members}{where}{result_count member}}}"

    appended to the lists of :meth:`Emitter.day_buffer` of its day (``second`` to the first,
    the line to the second), with ``sequence`` counting up from :attr:`sequence`, which the
    loop then advances; :meth:`close` records how many were written.
    """

    __slots__ = ("_emitter", "_index", "body", "head", "sequence", "where")

    def __init__(
        self, emitter: Emitter, index: int, *, head: str, body: str, where: str, sequence: int
    ) -> None:
        self._emitter = emitter
        self._index = index
        self.head = head
        self.body = body
        self.where = where
        self.sequence = sequence

    def write(self, instant: int, fields: str) -> None:
        """One line with no record, case or result count (a login or logout)."""
        emitter = self._emitter
        epoch_day = instant // DAY
        second = instant - epoch_day * DAY
        keys, lines = emitter.day_buffer(epoch_day)
        clock = emitter.clock
        date = clock.dates.get(epoch_day) or clock.date_prefix(epoch_day)
        keys.append(second)
        lines.append(
            f'{self.head}{HEX4[self.sequence]}","event_time":"{date}{clock.times_of_day[second]}'
            f"{self.body}{fields}{self.where}}}"
        )
        self.sequence += 1

    def close(self) -> None:
        """The loop has written up to (not including) :attr:`sequence`."""
        if self.sequence > len(HEX4):
            raise ValueError("more than 65,536 events for one officer in one day")
        self._emitter._counters[self._index] = self.sequence


def hours_between(start: int, end: int) -> float:
    """Duration in hours, rounded to the minute's precision a roster shows.

    >>> hours_between(0, 9000)
    2.5
    """
    return round((end - start) / 3600, 2)
