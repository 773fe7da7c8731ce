"""Simulation time: day numbers, epoch seconds and the RFC 3339 text events carry.

Day ``0`` is the ``--start`` date; the generator works in whole epoch seconds (UTC), and turns
them into text only when an event line is built, through per-day and per-second caches because
that conversion runs once or more per event.

Examples
--------
>>> from datetime import date
>>> clock = Clock(date(2026, 3, 9))
>>> clock.text(clock.at(0, 6 * 3600 + 51 * 60 + 3))
'2026-03-09T06:51:03+00:00'
>>> clock.weekday(0), clock.weekday(5)
(0, 5)
>>> clock.day_of(clock.at(-1, 82800))
-1
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Final

DAY: Final = 86_400
HOUR: Final = 3_600
MINUTE: Final = 60
_EPOCH: Final = date(1970, 1, 1)


@lru_cache(maxsize=1)
def _times_of_day() -> tuple[str, ...]:
    # One string per second of a day (~5 MB) makes formatting a slice-free concatenation.
    return tuple(f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+00:00" for s in range(DAY))


class Clock:
    """Converts between simulation days, epoch seconds and RFC 3339 text."""

    __slots__ = ("dates", "epoch_day", "start", "times_of_day")

    def __init__(self, start: date) -> None:
        self.start = start
        self.epoch_day = (start - _EPOCH).days
        self.times_of_day = _times_of_day()
        self.dates: dict[int, str] = {}  # epoch day -> "YYYY-MM-DDT"

    def at(self, day: int, second: int = 0) -> int:
        """Epoch seconds of ``second`` seconds after midnight on simulation day ``day``."""
        return (self.epoch_day + day) * DAY + second

    def day_of(self, instant: int) -> int:
        """The simulation day an epoch-second instant falls on."""
        return instant // DAY - self.epoch_day

    def weekday(self, day: int) -> int:
        """Monday is 0, as in :meth:`datetime.date.weekday`."""
        return (self.epoch_day + day + 3) % 7

    def text(self, instant: int) -> str:
        """RFC 3339 text, always with the ``+00:00`` offset DESIGN.md shows."""
        epoch_day = instant // DAY
        prefix = self.dates.get(epoch_day) or self.date_prefix(epoch_day)
        return prefix + self.times_of_day[instant - epoch_day * DAY]

    def date_prefix(self, epoch_day: int) -> str:
        """``YYYY-MM-DDT`` of an epoch day, cached."""
        prefix = f"{_EPOCH + timedelta(days=epoch_day)}T"
        self.dates[epoch_day] = prefix
        return prefix

    def forget_before(self, day: int) -> None:
        """Drop cached date text for days before ``day`` so a long run stays bounded."""
        cutoff = self.epoch_day + day
        for key in [k for k in self.dates if k < cutoff]:
            del self.dates[key]


def parse_instant(text: str) -> int:
    """Epoch seconds of an RFC 3339 time, for tests and the Kafka time shift.

    >>> parse_instant("1970-01-02T00:00:01+00:00")
    86401
    """
    moment = datetime.fromisoformat(text)
    return int(moment.astimezone(UTC).timestamp())
