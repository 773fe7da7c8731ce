"""The reference directory of a replay: officers, sites and watchlist, for the core's lookups.

A directory holds ``officers.jsonl``, ``sites.jsonl`` and ``watchlist.jsonl`` (DESIGN.md), each
optionally gzip-compressed under the same name or with ``.gz`` added. Any may be missing: the
detectors then stay silent where they cannot know. Bad lines are returned, not raised, so that
the replay dead-letters them like bad events.

Examples
--------
>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "sites.jsonl").write_text(
...     '{"site_id": "S1", "name": "North", "lat": 51.5, "lon": -0.1, "zones": []}\\n{"site_id"\\n')
>>> loaded = load_reference(folder)
>>> list(loaded.reference.sites), len(loaded.officers), [r[2] for r in loaded.rejected]
(['S1'], 0, [2])
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from detectors.reference import Reference
from schemas.codec import decode_officer, decode_site, decode_watchlist_entry
from schemas.errors import DecodeError
from schemas.reference import Officer, Site, WatchlistEntry
from streams.replay.inputs import InputError
from streams.replay.lines import InputProblem, read_lines

log = logging.getLogger(__name__)

REFERENCE_FILES: Final = ("officers.jsonl", "sites.jsonl", "watchlist.jsonl")

Rejection = tuple[bytes, str, int, DecodeError]
"""``(original, file, line, error)`` of a reference line that was not accepted."""


@dataclass(slots=True)
class LoadedReference:
    """The core's lookups plus what loading them found."""

    reference: Reference
    officers: list[Officer] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def _read(path: Path, decode: Callable[[bytes], Any], rejected: list[Rejection]) -> list[Any]:
    records = []
    for number, raw in read_lines(path):
        if isinstance(raw, InputProblem):
            rejected.append(
                (raw.original, str(path), number, DecodeError("$", raw.reason, "unparseable"))
            )
            continue
        if not raw.strip():
            continue
        try:
            records.append(decode(raw))
        except DecodeError as error:
            rejected.append((raw, str(path), number, error))
    return records


def reference_files(folder: Path) -> dict[str, Path]:
    """The reference files present in `folder`, by their plain name (``officers.jsonl``...)."""
    if not folder.is_dir():
        raise InputError(f"{folder}: the reference directory does not exist")
    found: dict[str, Path] = {}
    for name in REFERENCE_FILES:
        for candidate in (folder / name, folder / f"{name}.gz"):
            if candidate.is_file():
                found[name] = candidate
                break
        else:
            log.warning("%s: no %s; detectors needing it stay silent", folder, name)
    return found


# Reference entity (topic middle), file, decoder and the field that keys its compacted topic.
REFERENCE_KINDS: Final[tuple[tuple[str, str, Callable[[bytes], Any], str], ...]] = (
    ("officers", "officers.jsonl", decode_officer, "officer_id"),
    ("sites", "sites.jsonl", decode_site, "site_id"),
    ("watchlist", "watchlist.jsonl", decode_watchlist_entry, "record_ref"),
)


def reference_records(
    folder: Path, rejected: list[Rejection]
) -> Iterator[tuple[str, bytes, bytes]]:
    """``(entity, key, original line)`` of every valid reference record in `folder`.

    Bad lines are appended to `rejected` instead, as :func:`load_reference` returns them.
    """
    found = reference_files(folder)
    for entity, name, decode, key_field in REFERENCE_KINDS:
        path = found.get(name)
        if path is None:
            continue
        for number, raw in read_lines(path):
            if isinstance(raw, InputProblem):
                rejected.append(
                    (raw.original, str(path), number, DecodeError("$", raw.reason, "unparseable"))
                )
                continue
            if not raw.strip():
                continue
            try:
                record = decode(raw)
            except DecodeError as error:
                rejected.append((raw, str(path), number, error))
                continue
            yield entity, str(getattr(record, key_field)).encode(), raw


def load_reference(folder: Path | None) -> LoadedReference:
    """Read a reference directory; None gives empty reference data."""
    if folder is None:
        return LoadedReference(Reference())
    rejected: list[Rejection] = []
    found = reference_files(folder)
    officers: list[Officer] = (
        _read(found["officers.jsonl"], decode_officer, rejected)
        if "officers.jsonl" in found
        else []
    )
    sites: list[Site] = (
        _read(found["sites.jsonl"], decode_site, rejected) if "sites.jsonl" in found else []
    )
    watchlist: list[WatchlistEntry] = (
        _read(found["watchlist.jsonl"], decode_watchlist_entry, rejected)
        if "watchlist.jsonl" in found
        else []
    )
    return LoadedReference(
        Reference(officers, sites, watchlist), officers, rejected, list(found.values())
    )
