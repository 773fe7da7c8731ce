"""Writes a simulation to a directory: events, reference data and labels.

``events.jsonl.gz`` is written by a second thread: compressing costs about as much as
generating, and zlib releases the interpreter lock, so the generator keeps one core to itself.
The gzip header carries no file name and a zero time, so the same run gives the same bytes.
Files are written under a temporary name and renamed once complete.

Examples
--------
>>> import gzip, tempfile
>>> from datetime import date
>>> from pathlib import Path
>>> from streams.simulator.engine import Settings, Simulation
>>> out = Path(tempfile.mkdtemp())
>>> summary = write_simulation(Simulation(Settings(40, 2, 1, date(2026, 3, 2))), out)
>>> sorted(p.name for p in out.iterdir())
['events.jsonl.gz', 'labels.jsonl', 'reference']
>>> summary.events == len(gzip.open(out / "events.jsonl.gz").read().splitlines())
True
"""

from __future__ import annotations

import gzip
import os
import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import orjson

from streams.simulator.engine import Simulation

EVENTS_FILE: Final = "events.jsonl.gz"
LABELS_FILE: Final = "labels.jsonl"
REFERENCE_DIR: Final = "reference"
# Level 1 compresses about as fast as the generator writes; higher levels would make the
# writer thread the bottleneck for a file that is read once or twice.
COMPRESSION_LEVEL: Final = 1


@dataclass(frozen=True, slots=True)
class Summary:
    events: int
    labels: int
    officers: int
    first_day: int
    last_day: int


Progress = Callable[[int, int], None]  # (simulation day, events so far)


def _jsonl(path: Path, records: Iterable[dict[str, Any]]) -> int:
    count = 0
    with open(path, "wb") as out:
        for record in records:
            out.write(orjson.dumps(record) + b"\n")
            count += 1
    return count


class _GzipWriter(threading.Thread):
    """Compresses and writes chunks handed over through a short queue, in order."""

    def __init__(self, path: Path) -> None:
        super().__init__(name="simulate-gzip", daemon=True)
        self.path = path
        self.chunks: queue.Queue[bytes | None] = queue.Queue(maxsize=4)
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with (
                open(self.path, "wb") as raw,
                gzip.GzipFile(
                    filename="", mode="wb", fileobj=raw, compresslevel=COMPRESSION_LEVEL, mtime=0
                ) as out,
            ):
                while (chunk := self.chunks.get()) is not None:
                    out.write(chunk)
        except BaseException as error:  # reported by the main thread, which owns the run
            self.error = error
            while self.chunks.get() is not None:
                pass

    def put(self, chunk: bytes) -> None:
        if self.error is not None:
            raise self.error
        self.chunks.put(chunk)

    def finish(self) -> None:
        self.chunks.put(None)
        self.join()
        if self.error is not None:
            raise self.error


def write_simulation(
    simulation: Simulation, out: Path, progress: Progress | None = None
) -> Summary:
    """Run ``simulation`` and write its files into ``out`` (created if missing)."""
    reference = out / REFERENCE_DIR
    reference.mkdir(parents=True, exist_ok=True)
    officers = _jsonl(reference / "officers.jsonl", simulation.officers())
    _jsonl(reference / "sites.jsonl", simulation.sites())
    _jsonl(reference / "watchlist.jsonl", simulation.watchlist())
    events_tmp = out / (EVENTS_FILE + ".partial")
    labels_tmp = out / (LABELS_FILE + ".partial")
    writer = _GzipWriter(events_tmp)
    writer.start()
    events = labels = 0
    first = last = 0
    try:
        with open(labels_tmp, "wb") as label_file:
            for day in simulation.run():
                if day.lines:
                    if events == 0:
                        first = day.day
                    last = day.day
                    events += len(day.lines)
                    writer.put(("\n".join(day.lines) + "\n").encode())
                for label in day.labels:
                    label_file.write(orjson.dumps(label) + b"\n")
                    labels += 1
                if progress is not None:
                    progress(day.day, events)
    finally:
        writer.finish()
    os.replace(events_tmp, out / EVENTS_FILE)
    os.replace(labels_tmp, out / LABELS_FILE)
    return Summary(events, labels, officers, first, last)
