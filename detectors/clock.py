"""Event time helpers. The core never reads the wall clock: "now" is always an event's time.

Inside the core, instants are float seconds since the Unix epoch (UTC): exact to the microsecond
for the dates we handle, cheap to compare and to store. Calendar days are the force's local days
(Europe/London by default), so a day is 23 or 25 hours long when the clocks change.

Examples
--------
>>> days = LocalDays("Europe/London")
>>> start, end, day = days.bounds(seconds(datetime(2026, 3, 29, 12, 0, tzinfo=UTC)))
>>> (end - start) / 3600  # the spring-forward Sunday has 23 hours
23.0
>>> utc(start).isoformat()
'2026-03-29T00:00:00+00:00'
>>> _, end, _ = days.bounds(seconds(datetime(2026, 10, 25, 12, 0, tzinfo=UTC)))
>>> utc(end).isoformat()  # the autumn Sunday has 25 hours; its end is 00:00 GMT
'2026-10-26T00:00:00+00:00'
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

MINUTE = 60.0
HOUR = 3600.0
DAY = 86400.0


def seconds(moment: datetime) -> float:
    """A timezone-aware datetime as float epoch seconds."""
    return moment.timestamp()


def utc(instant: float) -> datetime:
    """Float epoch seconds as a timezone-aware UTC datetime."""
    return datetime.fromtimestamp(instant, UTC)


def iso(instant: float) -> str:
    return utc(instant).isoformat()


class LocalDays:
    """Local calendar day boundaries, cached: `bounds(t) -> (start, end, day_number)`.

    `day_number` is the proleptic Gregorian ordinal of the local date, a small stable integer.
    """

    __slots__ = ("_cache", "tz")

    def __init__(self, timezone: str) -> None:
        self.tz = ZoneInfo(timezone)
        self._cache: dict[int, tuple[float, float]] = {}

    def day_bounds(self, day_number: int) -> tuple[float, float]:
        cached = self._cache.get(day_number)
        if cached is None:
            local = date.fromordinal(day_number)
            start = datetime(local.year, local.month, local.day, tzinfo=self.tz)
            nxt = local + timedelta(days=1)
            end = datetime(nxt.year, nxt.month, nxt.day, tzinfo=self.tz)
            cached = (start.timestamp(), end.timestamp())
            if len(self._cache) > 4096:
                self._cache.clear()
            self._cache[day_number] = cached
        return cached

    def day_number(self, instant: float) -> int:
        return datetime.fromtimestamp(instant, self.tz).date().toordinal()

    def bounds(self, instant: float) -> tuple[float, float, int]:
        number = self.day_number(instant)
        start, end = self.day_bounds(number)
        return start, end, number

    def label(self, day_number: int) -> str:
        return date.fromordinal(day_number).isoformat()

    def local(self, instant: float) -> datetime:
        return datetime.fromtimestamp(instant, self.tz)

    def text(self, instant: float) -> str:
        """Local time for a summary sentence, e.g. ``10 Mar 17:00``."""
        return datetime.fromtimestamp(instant, self.tz).strftime("%d %b %H:%M").lstrip("0")

    def date_text(self, instant: float) -> str:
        return datetime.fromtimestamp(instant, self.tz).strftime("%d %b %Y").lstrip("0")
