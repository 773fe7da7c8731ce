"""The dead-letter file of a replay: every rejected line, whole, with file, line and reason.

Bad input is never dropped silently and never stops a replay (DESIGN.md). Each rejected line
becomes one :class:`schemas.deadletter.DeadLetter` JSON line; the writer counts them by reason
for the summary and the report. The file is created on the first rejection only, so a clean
replay leaves none behind, and a resumed replay cuts it back to its checkpointed length.

Examples
--------
>>> import pathlib, tempfile
>>> from datetime import datetime, UTC
>>> path = pathlib.Path(tempfile.mkdtemp()) / "dead.jsonl"
>>> writer = DeadLetterWriter(path, clock=lambda: datetime(2026, 3, 9, tzinfo=UTC))
>>> writer.write(b"{", "events.jsonl", 7, DecodeError("$", "malformed JSON", "unparseable"))
>>> writer.close()
>>> writer.count, dict(writer.reasons)
(1, {'$: malformed JSON': 1})
>>> [(r.origin.line, r.reason) for r in read_dead_letters(path)]
[(7, '$: malformed JSON')]
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Final

from schemas.codec import decode_dead_letter, encode_dead_letter
from schemas.deadletter import DeadLetter, FileOrigin
from schemas.errors import DecodeError

# Reasons quote the offending value; a file full of distinct junk must not grow the counts
# without bound, so past this many distinct reasons the rest are pooled.
MAX_REASONS: Final = 200
OTHER_REASONS: Final = "(other reasons)"
# Values quoted in a reason ('x' is not one of ..., byte 17) make every line's reason distinct;
# the summary groups them by the rule with the values left out.
_QUOTED: Final = re.compile(r"'[^']*'|\"[^\"]*\"|\b\d+\b")


def now_utc() -> datetime:
    """The wall clock: a dead letter records when it was rejected, by the reader's clock."""
    return datetime.now(UTC)


def reason_group(reason: str) -> str:
    """A rejection reason without the values it quotes, for counting alike reasons together.

    >>> reason_group("$.direction: 'sideways' is not one of 'in', 'out'")
    '$.direction: … is not one of …, …'
    """
    return _QUOTED.sub("…", reason)


class DeadLetterWriter:
    """Appends dead letters to `path`, opened on the first one."""

    def __init__(
        self,
        path: Path,
        *,
        keep_bytes: int = 0,
        counts: Mapping[str, int] | None = None,
        clock: Callable[[], datetime] = now_utc,
    ) -> None:
        """`keep_bytes` of an existing file are kept (a resumed replay); the rest is cut."""
        self.path = path
        self.clock = clock
        self.length = keep_bytes
        self.reasons: Counter[str] = Counter(counts or {})
        self.count = sum(self.reasons.values())
        self._handle: BinaryIO | None = None
        if keep_bytes == 0:
            path.unlink(missing_ok=True)
        else:
            size = path.stat().st_size if path.exists() else -1
            if size < keep_bytes:
                raise OSError(f"{path}: shorter than its checkpoint says ({size} < {keep_bytes})")
            # Whatever was written after the checkpoint is written again by the resumed run.
            os.truncate(path, keep_bytes)

    def write(self, original: bytes, file: str, line: int, error: DecodeError) -> None:
        letter = DeadLetter.for_error(
            original, FileOrigin(path=file, line=line), error, rejected_at=self.clock()
        )
        data = encode_dead_letter(letter) + b"\n"
        handle = self._handle or self._open()
        handle.write(data)
        self.length += len(data)
        self.count += 1
        group = reason_group(str(error))
        if group in self.reasons or len(self.reasons) < MAX_REASONS:
            self.reasons[group] += 1
        else:
            self.reasons[OTHER_REASONS] += 1

    def _open(self) -> BinaryIO:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "r+b" if self.length else "wb")  # noqa: SIM115
        handle.truncate(self.length)
        handle.seek(self.length)
        self._handle = handle
        return handle

    def sync(self) -> None:
        """Make everything written so far durable (before a checkpoint records the length)."""
        if self._handle is not None:
            self._handle.flush()
            os.fsync(self._handle.fileno())

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def read_dead_letters(path: Path) -> Iterator[DeadLetter]:
    """The records of a dead-letter file, skipping lines that are not records."""
    with open(path, "rb") as handle:
        for line in handle:
            try:
                yield decode_dead_letter(line)
            except DecodeError:
                continue
