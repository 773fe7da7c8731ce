"""File bytes to numbered lines, gzip or not, never holding a file whole.

Compression is told by the first two bytes (the gzip magic number), not by the name, because
history exports get renamed. A file is read in chunks and split in C; a damaged file yields an
:class:`InputProblem` in place of the line it broke, so the caller can dead-letter it and go on
with the next file.

Examples
--------
>>> import gzip, pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "a.log").write_bytes(gzip.compress(b'{"n": 1}\\n\\n{"n": 2}'))
>>> is_gzip(folder / "a.log")
True
>>> list(read_lines(folder / "a.log"))
[(1, b'{"n": 1}'), (2, b''), (3, b'{"n": 2}')]
>>> list(read_lines(folder / "a.log", skip=2))
[(3, b'{"n": 2}')]
>>> _ = (folder / "cut.gz").write_bytes(gzip.compress(b'{"n": 1}\\n{"n": 2}\\n' * 50)[:-12])
>>> *_, (number, problem) = read_lines(folder / "cut.gz")
>>> number > 50, problem.reason
(True, 'gzip stream ends early (truncated file); reading of this file stopped')
>>> list(read_lines(folder, report_open_error=True))  # a directory where a file was listed
[(1, InputProblem(reason='cannot open this file (Is a directory); none of it was read', \
original=b''))]
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final

GZIP_MAGIC: Final = b"\x1f\x8b"
# Large enough that per-chunk Python work vanishes beside the per-line work, small enough that
# dozens of inputs open at once in a merge stay within a few megabytes.
READ_SIZE: Final = 256 * 1024
# An event is a few hundred bytes; a "line" of a megabyte is a broken export (a missing newline
# or binary data), and keeping it whole would let one bad file exhaust memory.
MAX_LINE_BYTES: Final = 1024 * 1024


@dataclass(frozen=True, slots=True)
class InputProblem:
    """A line that could not even be read as a line, with what is left of it."""

    reason: str
    original: bytes


Line = tuple[int, bytes | InputProblem]


class ByteCounter:
    """Bytes read from disk so far (compressed bytes for gzip), for progress and ETA."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0


def is_gzip(path: Path) -> bool:
    """Whether the file starts with the gzip magic number."""
    with open(path, "rb") as handle:
        return handle.read(2) == GZIP_MAGIC


def _chunks(handle: BinaryIO, compressed: bool, counter: ByteCounter) -> Iterator[bytes]:
    if not compressed:
        while chunk := handle.read(READ_SIZE):
            counter.value += len(chunk)
            yield chunk
        return
    # read1 makes at most one read of the compressed file per call, so the data decompressed
    # before a truncation or corruption is handed over before the error is raised.
    seen = 0
    with gzip.GzipFile(fileobj=handle, mode="rb") as inflating:
        while chunk := inflating.read1(READ_SIZE):
            position = handle.tell()
            counter.value += position - seen
            seen = position
            yield chunk


def read_lines(
    path: Path,
    *,
    skip: int = 0,
    counter: ByteCounter | None = None,
    report_open_error: bool = False,
) -> Iterator[Line]:
    """Yield ``(line_number, raw_bytes)`` for every line after the first `skip` lines.

    Line numbers start at 1 and count every line, blank ones included; the bytes carry no
    newline. Skipped lines are counted, not split, so resuming deep into a file stays cheap.
    A line too long to keep, or a damaged gzip stream, yields an :class:`InputProblem`; after
    a damaged stream the file ends there. A file that cannot be opened raises, or with
    `report_open_error` yields one :class:`InputProblem` as its line 1 (history inputs, where
    one bad file must not stop the others; reference data is needed whole).
    """
    counter = counter if counter is not None else ByteCounter()
    try:
        opened = open(path, "rb")  # noqa: SIM115 - closed by the with below
    except OSError as error:
        if not report_open_error:
            raise
        # One history file unreadable (permissions, or gone since it was listed): its problem
        # stands in for its first line and the other inputs go on. Not reported again when
        # resuming past it.
        if skip == 0:
            why = error.strerror or str(error)
            yield 1, InputProblem(f"cannot open this file ({why}); none of it was read", b"")
        return
    with opened as handle:
        compressed = handle.read(2) == GZIP_MAGIC
        handle.seek(0)
        number = 0
        pending = b""
        overflow = False
        chunks = _chunks(handle, compressed, counter)
        try:
            for data in chunks:
                chunk = data
                if number < skip:
                    newlines = chunk.count(b"\n")
                    if number + newlines < skip:
                        number += newlines
                        continue
                    cut = -1
                    for _ in range(skip - number):
                        cut = chunk.find(b"\n", cut + 1)
                    number, chunk = skip, chunk[cut + 1 :]
                if overflow:
                    cut = chunk.find(b"\n")
                    if cut < 0:
                        continue
                    number += 1
                    yield number, _too_long(pending)
                    pending, overflow, chunk = b"", False, chunk[cut + 1 :]
                if pending:
                    chunk = pending + chunk
                lines = chunk.split(b"\n")
                pending = lines.pop()
                if lines and len(lines[0]) > MAX_LINE_BYTES:
                    number += 1
                    yield number, _too_long(lines[0])
                    del lines[0]
                for raw in lines:
                    number += 1
                    yield number, raw
                if len(pending) > MAX_LINE_BYTES:
                    pending, overflow = pending[: MAX_LINE_BYTES + 1], True
        except EOFError:
            damage = "gzip stream ends early (truncated file)"
        except (zlib.error, OSError) as error:
            what = "corrupt gzip data" if compressed else "unreadable file"
            damage = f"{what} ({error})"
        else:
            if overflow:
                yield number + 1, _too_long(pending)
            elif pending and number >= skip:
                yield number + 1, pending
            return
        # The file ends at the damage. Not reported again when resuming past it: it was the
        # last line a checkpoint counted.
        if number + 1 > skip:
            yield number + 1, InputProblem(f"{damage}; reading of this file stopped", pending)


def _too_long(prefix: bytes) -> InputProblem:
    return InputProblem(
        f"line longer than {MAX_LINE_BYTES} bytes; only its first {MAX_LINE_BYTES} are kept",
        prefix[:MAX_LINE_BYTES],
    )
