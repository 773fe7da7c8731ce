"""Hold back runs of like log messages from the Kafka clients and Faust's timers.

While a broker is away, aiokafka logs every failed connection, metadata refresh and fetch:
measured here, over 200 lines a second from one worker, which buries everything else an operator
needs to read. Faust's commit timer likewise warns each time a commit outlasts the commit
interval, which at the default 0.02 s is most commits of a busy worker (230 lines in a demo's
first minutes). The first message of each kind goes through; the like ones after it within a
window are counted, and the next one after the window says how many were held back.
"""

from __future__ import annotations

import logging

NOISY_LOGGERS = ("aiokafka", "kafka", "mode.timers")
DEFAULT_WINDOW_S = 30.0
# The kinds are the clients' logging calls, a small closed set; this only bounds the memory
# all the same.
MAX_KINDS = 1000


class RepeatedMessageFilter(logging.Filter):
    """Lets the first of a run of like messages through, then one per window with a count.

    Messages are alike when they come from the same logging call (logger, file and line): the
    node ids and addresses in their arguments vary, the kind of trouble does not. The call, not
    the format string, since some client messages come formatted already (kafka-python's
    "Task ... ran for 0.126s" warnings, a dozen in a demo's first seconds on a busy machine).

    >>> held = RepeatedMessageFilter(window_s=30.0)
    >>> def record(at: float) -> logging.LogRecord:
    ...     r = logging.LogRecord("aiokafka.conn", logging.ERROR, "", 0, "Unable connect to %s",
    ...                           ("node 1",), None)
    ...     r.created = at
    ...     return r
    >>> [held.filter(record(t)) for t in (0.0, 1.0, 2.0, 29.0)]
    [True, False, False, False]
    >>> later = record(31.0)
    >>> held.filter(later), later.getMessage()
    (True, 'Unable connect to node 1 (3 like it held back in the last 30 s)')
    >>> def slow(took: str) -> logging.LogRecord:
    ...     return logging.LogRecord("kafka.net.selector", logging.WARNING, "selector.py", 668,
    ...                              f"Task ran for {took}s", None, None)
    >>> [held.filter(slow(took)) for took in ("0.126", "0.255", "0.154")]
    [True, False, False]
    >>> def overlap(runtime: float) -> logging.LogRecord:
    ...     return logging.LogRecord("mode.timers", logging.WARNING, "timers.py", 155,
    ...                              "Timer %s is overlapping (interval=%r runtime=%r)",
    ...                              ("commit", 0.02, runtime), None)
    >>> [held.filter(overlap(runtime)) for runtime in (0.03, 0.05, 0.04)]
    [True, False, False]
    >>> held.filter(logging.LogRecord("watchfloor", logging.WARNING, "w.py", 1, "x", None, None))
    True
    """

    def __init__(
        self,
        window_s: float = DEFAULT_WINDOW_S,
        loggers: tuple[str, ...] = NOISY_LOGGERS,
    ) -> None:
        super().__init__()
        self.window_s = window_s
        self.loggers = loggers
        # (logger, file, line) -> (when the last one went through, how many held since)
        self._runs: dict[tuple[str, str, int], tuple[float, int]] = {}

    def _applies_to(self, name: str) -> bool:
        return any(name == root or name.startswith(root + ".") for root in self.loggers)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._applies_to(record.name):
            return True
        kind = (record.name, record.pathname, record.lineno)
        run = self._runs.get(kind)
        if run is not None and record.created - run[0] < self.window_s:
            self._runs[kind] = (run[0], run[1] + 1)
            return False
        if len(self._runs) >= MAX_KINDS:
            self._runs.clear()
        self._runs[kind] = (record.created, 0)
        if run is not None and run[1]:
            record.msg = (
                f"{record.msg} ({run[1]} like it held back in the last {self.window_s:.0f} s)"
            )
        return True


def hold_back_repeats(logger: logging.Logger | None = None) -> None:
    """Install one shared filter on every handler of `logger` (the root logger by default)."""
    target = logger or logging.getLogger()
    shared = RepeatedMessageFilter()
    for handler in target.handlers:
        if not any(isinstance(f, RepeatedMessageFilter) for f in handler.filters):
            handler.addFilter(shared)
