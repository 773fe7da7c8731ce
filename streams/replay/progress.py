"""A one-line progress bar on stderr, with rate and ETA, shown only to a person at a terminal.

The share done is measured in input bytes read (compressed bytes for gzip), the only total known
before the end; the rate is in events per second. When stderr is not a terminal nothing is
drawn, so logs and pipes stay clean.

Examples
--------
>>> import io
>>> ticks = iter([0.0, 10.0, 10.1])
>>> stream = io.StringIO()
>>> bar = ProgressBar(total_bytes=1000, stream=stream, enabled=True, clock=lambda: next(ticks))
>>> bar.update(events=500_000, alerts=12, bad_lines=1, bytes_done=250)
>>> print(stream.getvalue().strip())
[#####...............]  25.0%  500,000 events  50,000 ev/s  12 alerts  1 bad  ETA 0:00:30
>>> bar.update(events=500_001, alerts=12, bad_lines=1, bytes_done=251)  # too soon: not drawn
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from typing import Final, TextIO

# Redrawing more often than a few times a second only costs time; a person cannot read it.
REDRAW_SECONDS: Final = 0.25
BAR_WIDTH: Final = 20


def duration(seconds: float) -> str:
    """``H:MM:SS``.

    >>> duration(3725.4)
    '1:02:05'
    """
    whole = int(seconds + 0.5)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


class ProgressBar:
    """Redraws one status line; `enabled=False` makes every call a no-op."""

    def __init__(
        self,
        total_bytes: int,
        *,
        stream: TextIO | None = None,
        enabled: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
        events_before: int = 0,
    ) -> None:
        """`events_before`: events a resumed replay had done before, left out of the rate."""
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.total = max(total_bytes, 1)
        self.clock = clock
        self.started = clock()
        self.events_before = events_before
        self.drawn_at = -REDRAW_SECONDS
        self.width = 0

    def update(self, *, events: int, alerts: int, bad_lines: int, bytes_done: int) -> None:
        if not self.enabled:
            return
        now = self.clock()
        if now - self.drawn_at < REDRAW_SECONDS:
            return
        self.drawn_at = now
        elapsed = max(now - self.started, 1e-9)
        rate = (events - self.events_before) / elapsed
        share = min(bytes_done / self.total, 1.0)
        byte_rate = bytes_done / elapsed
        eta = duration((self.total - bytes_done) / byte_rate) if byte_rate > 0 else "?"
        filled = int(share * BAR_WIDTH)
        line = (
            f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {share * 100:5.1f}%  "
            f"{events:,} events  {rate:,.0f} ev/s  {alerts:,} alerts  {bad_lines:,} bad  "
            f"ETA {eta}"
        )
        columns = shutil.get_terminal_size((120, 20)).columns
        line = line[: max(columns - 1, 20)]
        self.stream.write("\r" + line.ljust(self.width))
        self.stream.flush()
        self.width = len(line)

    def close(self) -> None:
        """Clear the line, so the summary starts on a clean one."""
        if self.enabled and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0
