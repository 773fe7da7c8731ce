"""Checkpoints of a long replay in ``--state-dir``, so it can stop anywhere and resume exactly.

A checkpoint holds the detector core's snapshot bytes and where the replay stood: for every
input file the last line consumed (and that line's merge key), the byte lengths of the alerts
and dead-letter files, and the counts of the summary. The output files are made durable before
the checkpoint that names their length, and the checkpoint replaces the previous one by an
atomic rename, so after a crash at any moment the state directory names a consistent past.

A checkpoint belongs to one replay: the fingerprint of its inputs (paths, sizes, modification
times), time range, configuration, reference data and outputs. A different replay refuses to
resume from it rather than produce a mixture.

Examples
--------
>>> import math, pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> saved = Checkpoint(fingerprint="f1", positions=[(10, 1.7e9), (0, -math.inf)], alerts_bytes=512,
...     dead_letter_bytes=0, counts={"events": 10}, engine=b"core-state")
>>> save_checkpoint(folder, saved)
>>> load_checkpoint(folder) == saved
True
>>> clear_checkpoint(folder); load_checkpoint(folder) is None
True
"""

from __future__ import annotations

import hashlib
import math
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import orjson

CHECKPOINT_NAME: Final = "replay.checkpoint"
_MAGIC: Final = b"WATCHFLOOR-REPLAY-CHECKPOINT\n"
_VERSION: Final = 1
_LENGTH: Final = struct.Struct("<Q")


class CheckpointError(Exception):
    """A checkpoint that cannot be used: damaged, from another version, or another replay."""


@dataclass(slots=True)
class Checkpoint:
    """Everything a resumed replay needs; `engine` is the core's opaque snapshot."""

    fingerprint: str
    positions: list[tuple[int, float]]
    alerts_bytes: int
    dead_letter_bytes: int
    counts: dict[str, Any] = field(default_factory=dict)
    engine: bytes = b""


def fingerprint(parts: Any) -> str:
    """A short, stable digest of a JSON-able description of a replay.

    >>> fingerprint({"inputs": ["a.jsonl"]}) == fingerprint({"inputs": ["a.jsonl"]})
    True
    """
    canonical = orjson.dumps(parts, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()[:32]


def _fsync_dir(folder: Path) -> None:
    # The rename itself is durable only once the directory entry is.
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def save_checkpoint(folder: Path, checkpoint: Checkpoint) -> None:
    """Write `checkpoint` atomically, replacing the previous one."""
    folder.mkdir(parents=True, exist_ok=True)
    header = orjson.dumps(
        {
            "version": _VERSION,
            "fingerprint": checkpoint.fingerprint,
            # JSON has no infinity: a source not started yet has no key (None).
            "positions": [
                (line, key if math.isfinite(key) else None) for line, key in checkpoint.positions
            ],
            "alerts_bytes": checkpoint.alerts_bytes,
            "dead_letter_bytes": checkpoint.dead_letter_bytes,
            "counts": checkpoint.counts,
            "engine_sha256": hashlib.sha256(checkpoint.engine).hexdigest(),
        }
    )
    target = folder / CHECKPOINT_NAME
    temporary = folder / (CHECKPOINT_NAME + ".tmp")
    with open(temporary, "wb") as handle:
        handle.write(_MAGIC + _LENGTH.pack(len(header)) + header + checkpoint.engine)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, target)
    _fsync_dir(folder)


def load_checkpoint(folder: Path) -> Checkpoint | None:
    """The checkpoint in `folder`, or None when there is none."""
    path = folder / CHECKPOINT_NAME
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    start = len(_MAGIC) + _LENGTH.size
    if not data.startswith(_MAGIC) or len(data) < start:
        raise CheckpointError(f"{path}: not a replay checkpoint")
    (size,) = _LENGTH.unpack_from(data, len(_MAGIC))
    try:
        header = orjson.loads(data[start : start + size])
    except orjson.JSONDecodeError as error:
        raise CheckpointError(f"{path}: damaged header ({error})") from error
    if header.get("version") != _VERSION:
        raise CheckpointError(f"{path}: written by another version of watchfloor")
    engine = data[start + size :]
    if hashlib.sha256(engine).hexdigest() != header["engine_sha256"]:
        raise CheckpointError(f"{path}: the core snapshot is damaged")
    return Checkpoint(
        fingerprint=header["fingerprint"],
        positions=[
            (int(line), -math.inf if key is None else float(key))
            for line, key in header["positions"]
        ],
        alerts_bytes=int(header["alerts_bytes"]),
        dead_letter_bytes=int(header["dead_letter_bytes"]),
        counts=header["counts"],
        engine=engine,
    )


def clear_checkpoint(folder: Path) -> None:
    """Forget the checkpoint: the replay it belonged to has completed."""
    (folder / CHECKPOINT_NAME).unlink(missing_ok=True)
