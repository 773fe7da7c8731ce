"""Replay inputs: which files they name, their decoded lines, and one event-time merge of all.

Every file is a merge input, so a directory of per-source exports (badge, access, roster) and a
directory of daily files (in subdirectories by month, say) both come out in event-time order.
Files of a directory that are not inputs by their name are skipped and reported, never silently.
A file is opened only when the merge reaches its first event, so a year of daily files keeps two
or three open at a time, not 365.

Order is ``(event_time, input order)``, and within one file the file's own order: merging files
that are each in event-time order gives the same sequence as one file sorted by event time
(ties kept in input order). A file that is not in event-time order is still merged
deterministically; the core counts what arrives too late.

A bad line travels through the merge too, keyed by the time of the good line before it, so it
is dead-lettered where it stood in its file and a checkpoint needs no reader-side state.

Examples
--------
>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> line = ('{{"schema_version": 1, "type": "access", "event_id": "{0}", "officer_id": "P1",'
...     ' "source": "audit", "event_time": "2026-03-09T08:{1}:00+00:00", "system": "pnc",'
...     ' "action": "login", "record_type": "none", "workstation_id": "WS-1"}}')
>>> _ = (folder / "a.jsonl").write_text(line.format("a1", 10) + "\\n" + line.format("a2", 30))
>>> _ = (folder / "b.jsonl").write_text(line.format("b1", 20) + "\\nnot json\\n")
>>> sources = expand_inputs([folder])
>>> [s.path.name for s in sources]
['a.jsonl', 'b.jsonl']
>>> for key, index, number, event, rejected in merge(sources):
...     print(index, number, event.event_id if event else rejected[1].rule)
0 1 a1
1 1 b1
1 2 malformed JSON: invalid character (byte 4)
0 2 a2
"""

from __future__ import annotations

import heapq
import logging
import math
from collections.abc import Callable, Collection, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final, TypeVar

from schemas.codec import decode_event
from schemas.errors import DecodeError
from schemas.events import Event
from streams.replay.lines import ByteCounter, InputProblem, read_lines

if TYPE_CHECKING:
    from streams.pseudonym import Pseudonymiser

log = logging.getLogger(__name__)

# What a directory contributes, its subdirectories included: JSON Lines files, compressed or not
# (the compression itself is recognised by content). `.json` too, because exporters name JSON
# Lines that way: what is read is the content, one event a line, and a file that is one JSON
# document instead is dead-lettered line by line, not lost. Anything else there is skipped, each
# file named in a warning and counted.
INPUT_SUFFIXES: Final = (
    ".jsonl",
    ".ndjson",
    ".json",
    ".jsonl.gz",
    ".ndjson.gz",
    ".json.gz",
)
_KINDS: Final = "a .jsonl, .ndjson or .json file, gzip or not"

Rejected = tuple[bytes, DecodeError]
Item = tuple[float, int, int, Event | None, Rejected | None]
"""``(key, source index, line number, event, rejected)``: exactly one of the last two is set."""
RawItem = tuple[float, int, int, Event | None, bytes, DecodeError | None]
"""``(key, source index, line number, event, original line, error)``: event or error is set."""


class InputError(Exception):
    """An input that cannot be replayed at all (missing, empty directory, unreadable)."""


@dataclass(frozen=True, slots=True)
class Source:
    """One input file, in the order the merge breaks ties."""

    index: int
    path: Path
    size: int
    mtime_ns: int


@dataclass(slots=True)
class Position:
    """How far the replay has consumed a source: its last line, and that line's merge key."""

    line: int = 0
    key: float = -math.inf


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file in an input directory that is not read, and why."""

    path: Path
    reason: str


@dataclass(frozen=True, slots=True)
class Inputs:
    """The files inputs name, in merge order, and the files of their directories left out."""

    sources: list[Source]
    skipped: list[Skipped]


def find_inputs(paths: Sequence[str | Path]) -> Inputs:
    """The files that `paths` name: files as given, directories as their input files.

    A directory is walked with its subdirectories (``logs/2026-01/*.jsonl.gz``), in name order
    at every level, so its files come in the order of their paths; links to directories are not
    followed. Every other file found there is reported in `skipped`.
    """
    files: list[Path] = []
    skipped: list[Skipped] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            left_out: list[Skipped] = []
            try:
                found = _directory_files(path, left_out, top=True)
            except OSError as error:
                raise InputError(f"{path}: {error.strerror}") from error
            if not found:
                others = f" ({len(left_out)} other files: {_names(left_out)})" if left_out else ""
                raise InputError(
                    f"{path}: no {', '.join(INPUT_SUFFIXES)} files in this directory or below"
                    + others
                )
            files.extend(found)
            skipped.extend(left_out)
        elif path.is_file():
            files.append(path)
        else:
            raise InputError(f"{path}: no such file or directory")
    sources = []
    for index, path in enumerate(files):
        try:
            stat = path.stat()
        except OSError as error:
            raise InputError(f"{path}: {error.strerror}") from error
        sources.append(Source(index, path, stat.st_size, stat.st_mtime_ns))
    return Inputs(sources, skipped)


def expand_inputs(paths: Sequence[str | Path]) -> list[Source]:
    """The sources of :func:`find_inputs`, for callers that report no skipped files."""
    return find_inputs(paths).sources


def warn_skipped(skipped: Iterable[Skipped]) -> None:
    """One warning on stderr per file of an input directory that is not read."""
    for left_out in skipped:
        log.warning("%s: skipped, %s", left_out.path, left_out.reason)


def _names(skipped: Sequence[Skipped], most: int = 3) -> str:
    shown = ", ".join(s.path.name for s in skipped[:most])
    return shown + (", ..." if len(skipped) > most else "")


def _directory_files(folder: Path, skipped: list[Skipped], *, top: bool = False) -> list[Path]:
    try:
        entries = sorted(folder.iterdir(), key=lambda entry: entry.name)
    except OSError as error:
        if top:
            raise
        skipped.append(Skipped(folder, f"directory not readable ({error.strerror})"))
        return []
    found: list[Path] = []
    for entry in entries:
        if entry.is_dir():
            if entry.is_symlink():
                skipped.append(Skipped(entry, "link to a directory, not followed"))
            else:
                found.extend(_directory_files(entry, skipped))
        elif not entry.is_file():
            what = "link to nothing" if entry.is_symlink() else "not a regular file"
            skipped.append(Skipped(entry, what))
        elif entry.name.endswith(INPUT_SUFFIXES):
            found.append(entry)
        else:
            skipped.append(Skipped(entry, f"not {_KINDS}"))
    return found


def decoded(
    source: Source, position: Position | None = None, counter: ByteCounter | None = None
) -> Generator[Item, None, None]:
    """The merge items of one source after `position`; blank lines are skipped."""
    start = position if position is not None else Position()
    key = start.key
    index = source.index
    decode = decode_event
    for number, raw in read_lines(
        source.path, skip=start.line, counter=counter, report_open_error=True
    ):
        if isinstance(raw, InputProblem):
            yield (
                key,
                index,
                number,
                None,
                (raw.original, DecodeError("$", raw.reason, "unparseable")),
            )
            continue
        try:
            event = decode(raw)
        except DecodeError as error:
            if raw.isspace() or not raw:
                continue
            yield key, index, number, None, (raw, error)
            continue
        key = event.event_time.timestamp()
        yield key, index, number, event, None


def decoded_raw(
    source: Source, position: Position | None = None, counter: ByteCounter | None = None
) -> Generator[RawItem, None, None]:
    """Like :func:`decoded`, with every line's original bytes (for republishing them as read)."""
    start = position if position is not None else Position()
    key = start.key
    index = source.index
    decode = decode_event
    for number, raw in read_lines(
        source.path, skip=start.line, counter=counter, report_open_error=True
    ):
        if isinstance(raw, InputProblem):
            yield (
                key,
                index,
                number,
                None,
                raw.original,
                DecodeError("$", raw.reason, "unparseable"),
            )
            continue
        try:
            event = decode(raw)
        except DecodeError as error:
            if raw.isspace() or not raw:
                continue
            yield key, index, number, None, raw, error
            continue
        key = event.event_time.timestamp()
        yield key, index, number, event, raw, None


def merge(
    sources: Sequence[Source],
    positions: Sequence[Position] | None = None,
    counter: ByteCounter | None = None,
) -> Iterator[Item]:
    """All sources' items in ``(key, source index)`` order, each source from its position."""
    return _merge(sources, positions, counter, decoded)


def merge_raw(
    sources: Sequence[Source],
    positions: Sequence[Position] | None = None,
    counter: ByteCounter | None = None,
) -> Iterator[RawItem]:
    """:func:`merge` with the original bytes of every line (see :data:`RawItem`)."""
    return _merge(sources, positions, counter, decoded_raw)


_T = TypeVar("_T", Item, RawItem)


def _merge(
    sources: Sequence[Source],
    positions: Sequence[Position] | None,
    counter: ByteCounter | None,
    read: Callable[[Source, Position | None, ByteCounter | None], Iterator[_T]],
) -> Iterator[_T]:
    starts = list(positions) if positions is not None else [Position() for _ in sources]
    counter = counter if counter is not None else ByteCounter()
    if len(sources) == 1:
        # Handed over as it is: a generator wrapping it would cost a resume per item.
        return read(sources[0], starts[0], counter)
    return _heap_merge(sources, starts, counter, read)


def _heap_merge(
    sources: Sequence[Source],
    starts: Sequence[Position],
    counter: ByteCounter,
    read: Callable[[Source, Position | None, ByteCounter | None], Iterator[_T]],
) -> Iterator[_T]:
    # Peek each source's first key, then close it again: holding every file open from the start
    # would cost a read buffer and a decompressor per file for the whole replay.
    waiting: list[tuple[float, int]] = []
    for source in sources:
        peek = read(source, starts[source.index], None)
        first = next(peek, None)
        close = getattr(peek, "close", None)
        if close is not None:
            close()
        if first is not None:
            waiting.append((first[0], source.index))
    waiting.sort(reverse=True)
    heap: list[tuple[float, int, _T, Iterator[_T]]] = []
    while heap or waiting:
        # A waiting source opens once its first item sorts before the heap's head: exactly when
        # an eager merge of all files would first take from it.
        while waiting and (not heap or waiting[-1] < (heap[0][0], heap[0][1])):
            _, index = waiting.pop()
            opened = read(sources[index], starts[index], counter)
            first = next(opened, None)
            if first is not None:
                heapq.heappush(heap, (first[0], index, first, opened))
        _, index, item, items = heap[0]
        yield item
        following = next(items, None)
        if following is None:
            heapq.heappop(heap)
        else:
            heapq.heapreplace(heap, (following[0], index, following, items))


def officer_events(
    source: Source, officers: Collection[bytes], pseudonyms: Pseudonymiser | None = None
) -> Iterator[Event]:
    """The events of a few `officers` in one source, in file order; bad lines are skipped,
    and so is a file that can no longer be opened (the replay has dead-lettered it already).

    Only lines whose ``officer_id`` value is one of `officers` are decoded, which makes a pass
    for a handful of officers several times cheaper than decoding everything. With
    `pseudonyms`, `officers` are pseudonyms (as in alerts under a key): each line's id is
    pseudonymised before it is compared, and the events come out pseudonymised, as the replay
    saw them.
    """
    rename = None if pseudonyms is None else pseudonyms.pseudonym
    for _, raw in read_lines(source.path, report_open_error=True):
        if isinstance(raw, InputProblem):
            continue
        at = raw.find(b'"officer_id"')
        if at < 0:
            continue
        opening = raw.find(b'"', raw.find(b":", at + 12) + 1)
        closing = raw.find(b'"', opening + 1)
        officer = raw[opening + 1 : closing]
        if rename is not None:
            officer = rename(officer.decode("utf-8", "replace")).encode()
        if officer not in officers:
            continue
        try:
            event = decode_event(raw)
        except DecodeError:
            continue
        yield event if pseudonyms is None else pseudonyms.event(event)
