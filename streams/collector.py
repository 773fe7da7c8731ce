"""Fewer full garbage collections while the detector core runs (replay and the live worker).

The core's state (peer-group models, per-officer windows and buffers) grows to hundreds of
thousands of GC-tracked objects that live as long as the process. With the default first
threshold (700) the collector rescans all of them whenever the heap has grown by a quarter:
measured, about a quarter of a replay's CPU time, and in the worker 1.7-2.2 s of full
collections while it took a 97,000-event backlog, each one a pause of 100 ms or more for every
event waiting behind it. Waiting for this many new objects makes those collections rare. The
core makes little cyclic garbage, so this delays freeing only a little.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

GC_FIRST_THRESHOLD: Final = 50_000


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Raise the collector's first threshold for a block, and restore all thresholds after.

    >>> before = gc.get_threshold()
    >>> with fewer_collections():
    ...     gc.get_threshold()[0] >= GC_FIRST_THRESHOLD
    True
    >>> gc.get_threshold() == before
    True
    """
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], GC_FIRST_THRESHOLD), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
