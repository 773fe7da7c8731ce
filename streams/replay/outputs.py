"""The alerts file of a replay: one canonical JSON alert per line, counted as it is written.

Alerts are encoded with :func:`schemas.codec.encode_alert`, whose bytes depend only on the alert,
so two replays of the same history, or a replay and the live service, compare byte for byte.

Examples
--------
>>> import io
>>> writer = AlertWriter.to_stream(io.BytesIO())
>>> writer.write([])
>>> writer.length, writer.count
(0, 0)
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import BinaryIO

from schemas.alerts import Alert
from schemas.codec import encode_alert


class AlertWriter:
    """Writes alerts as JSONL and keeps the counts the summary needs."""

    def __init__(
        self,
        handle: BinaryIO,
        *,
        length: int = 0,
        by_detector: Mapping[str, int] | None = None,
        by_category: Mapping[str, int] | None = None,
        seekable: bool = True,
    ) -> None:
        self._handle = handle
        self._seekable = seekable
        self.length = length
        self.by_detector: Counter[str] = Counter(by_detector or {})
        self.by_category: Counter[str] = Counter(by_category or {})
        self.count = sum(self.by_detector.values())

    @classmethod
    def to_file(
        cls,
        path: Path,
        *,
        keep_bytes: int = 0,
        by_detector: Mapping[str, int] | None = None,
        by_category: Mapping[str, int] | None = None,
    ) -> AlertWriter:
        """Write to `path`, keeping its first `keep_bytes` (a resumed replay), cutting the rest."""
        path.parent.mkdir(parents=True, exist_ok=True)
        handle: BinaryIO
        if keep_bytes:
            size = path.stat().st_size if path.exists() else -1
            if size < keep_bytes:
                raise OSError(f"{path}: shorter than its checkpoint says ({size} < {keep_bytes})")
            handle = open(path, "r+b")  # noqa: SIM115
            handle.truncate(keep_bytes)
            handle.seek(keep_bytes)
        else:
            handle = open(path, "wb")  # noqa: SIM115
        return cls(handle, length=keep_bytes, by_detector=by_detector, by_category=by_category)

    @classmethod
    def to_stream(cls, handle: BinaryIO) -> AlertWriter:
        """Write to an open stream such as standard output (no resume, no fsync)."""
        return cls(handle, seekable=False)

    def write(self, alerts: Iterable[Alert]) -> None:
        handle = self._handle
        for alert in alerts:
            data = encode_alert(alert) + b"\n"
            handle.write(data)
            self.length += len(data)
            self.by_detector[alert.detector] += 1
            self.by_category[alert.category] += 1
            self.count += 1

    def sync(self) -> None:
        """Make everything written so far durable (before a checkpoint records the length)."""
        self._handle.flush()
        if self._seekable:
            os.fsync(self._handle.fileno())

    def close(self) -> None:
        if self._seekable:
            self._handle.close()
        else:
            self._handle.flush()
