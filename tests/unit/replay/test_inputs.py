"""Inputs: files and directories, the event-time merge, bad lines in place, bounded open files."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.replay import inputs as inputs_module
from streams.replay.inputs import InputError, Position, expand_inputs, find_inputs, merge
from streams.replay.lines import read_lines
from tests.unit.replay.support import history, write_jsonl


def _ids(items: Iterator[inputs_module.Item]) -> list[str]:
    return [event.event_id for _, _, _, event, _ in items if event is not None]


def test_merged_inputs_equal_one_presorted_input(tmp_path: Path) -> None:
    events = history(3000)
    whole = write_jsonl(tmp_path / "whole.jsonl", events)
    parts: list[list[bytes]] = [[], [], [], []]
    chooser = random.Random(4)
    for line in events:  # each part keeps the event-time order of the whole
        parts[chooser.randrange(4)].append(line)
    folder = tmp_path / "parts"
    folder.mkdir()
    for i, part in enumerate(parts):
        write_jsonl(folder / f"part{i}.jsonl.gz", part, compress=bool(i % 2))
    merged = list(merge(expand_inputs([folder])))
    single = list(merge(expand_inputs([whole])))
    assert sorted(_ids(iter(merged))) == sorted(_ids(iter(single)))
    keys = [key for key, *_ in merged]
    assert keys == sorted(keys)
    # Ties in event time come in input order, then file order: deterministic.
    assert [(k, i, n) for k, i, n, *_ in merged] == sorted((k, i, n) for k, i, n, *_ in merged)


def test_a_directory_contributes_its_jsonl_files_in_name_order(tmp_path: Path) -> None:
    for name in ("b.jsonl", "a.jsonl.gz", "c.ndjson", "d.json", "e.json.gz"):
        (tmp_path / name).write_bytes(b"")
    assert [s.path.name for s in expand_inputs([tmp_path])] == [
        "a.jsonl.gz",
        "b.jsonl",
        "c.ndjson",
        "d.json",
        "e.json.gz",
    ]


def test_subdirectories_are_walked_in_path_order_and_every_other_file_is_reported(
    tmp_path: Path,
) -> None:
    logs = tmp_path / "logs"
    for name in (
        "2026-02/01.jsonl.gz",
        "2026-01/02.jsonl.gz",
        "2026-01/01.jsonl.gz",
        "2026-01/notes.txt",
        "2026-01/deep/x.ndjson",
        "late.jsonl",
        "export.csv",
        "events.jsonl.bz2",
        ".hidden",
    ):
        (logs / name).parent.mkdir(parents=True, exist_ok=True)
        (logs / name).write_bytes(b"")
    (logs / "elsewhere").symlink_to(tmp_path, target_is_directory=True)
    (logs / "gone.jsonl").symlink_to(tmp_path / "absent.jsonl")
    found = find_inputs([logs])
    assert [s.path.relative_to(logs).as_posix() for s in found.sources] == [
        "2026-01/01.jsonl.gz",
        "2026-01/02.jsonl.gz",
        "2026-01/deep/x.ndjson",
        "2026-02/01.jsonl.gz",
        "late.jsonl",
    ]
    assert [s.index for s in found.sources] == [0, 1, 2, 3, 4]
    assert [(s.path.relative_to(logs).as_posix(), s.reason) for s in found.skipped] == [
        (".hidden", "not a .jsonl, .ndjson or .json file, gzip or not"),
        ("2026-01/notes.txt", "not a .jsonl, .ndjson or .json file, gzip or not"),
        ("elsewhere", "link to a directory, not followed"),
        ("events.jsonl.bz2", "not a .jsonl, .ndjson or .json file, gzip or not"),
        ("export.csv", "not a .jsonl, .ndjson or .json file, gzip or not"),
        ("gone.jsonl", "link to nothing"),
    ]


def test_missing_inputs_and_empty_directories_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        expand_inputs([tmp_path / "absent.jsonl"])
    with pytest.raises(InputError, match=r"no \.jsonl"):
        expand_inputs([tmp_path])
    (tmp_path / "notes.txt").write_bytes(b"")
    with pytest.raises(InputError, match=r"or below \(1 other files: notes.txt\)"):
        expand_inputs([tmp_path])


def test_bad_lines_keep_their_place_between_the_good_lines_of_their_file(tmp_path: Path) -> None:
    good = history(6)
    path = write_jsonl(tmp_path / "h.jsonl", [b"{oops", good[0], good[1], b"[]", b"", good[2]])
    seen = [
        (number, event.event_id if event else rejected[1].rule if rejected else None)
        for _, _, number, event, rejected in merge(expand_inputs([path]))
    ]
    assert seen == [
        (1, "malformed JSON: object keys must be strings (byte 1)"),
        (2, "e000000"),
        (3, "e000001"),
        (4, "expected a JSON object, got array"),
        (6, "e000002"),
    ]


def test_daily_files_are_opened_one_after_another_not_all_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = history(600)
    for day in range(30):
        write_jsonl(tmp_path / f"day{day:02d}.jsonl", events[day * 20 : (day + 1) * 20])
    real = read_lines
    open_now = 0
    most = 0

    def counting(path: Path, **kwargs: object) -> Iterator[tuple[int, object]]:
        nonlocal open_now, most
        open_now += 1
        most = max(most, open_now)
        try:
            yield from real(path, **kwargs)  # type: ignore[arg-type]
        finally:
            open_now -= 1

    monkeypatch.setattr(inputs_module, "read_lines", counting)
    assert _ids(merge(expand_inputs([tmp_path]))) == [
        f"e{i:06d}" for i in range(600)
    ]  # a stable merge of consecutive days is their concatenation
    assert most <= 2


def test_the_merge_resumes_from_positions_exactly(tmp_path: Path) -> None:
    events = history(400)
    a = write_jsonl(tmp_path / "a.jsonl", events[0::2])
    b = write_jsonl(tmp_path / "b.jsonl.gz", events[1::2], compress=True)
    sources = expand_inputs([a, b])
    full = list(merge(sources))
    for cut in (0, 1, 57, 200, 399, 400):
        positions = [Position(), Position()]
        for key, index, number, _, _ in full[:cut]:
            positions[index] = Position(number, key)
        assert list(merge(sources, positions)) == full[cut:], cut


def test_an_input_that_cannot_be_opened_is_one_problem_and_the_others_go_on(
    tmp_path: Path,
) -> None:
    good = write_jsonl(tmp_path / "a.jsonl", history(20))
    sources = expand_inputs([good, write_jsonl(tmp_path / "b.jsonl", history(3))])
    # Listed as a file, a directory by the time it is read: open() fails, as for a file whose
    # permissions forbid reading (which root, running the tests, is not refused).
    (tmp_path / "b.jsonl").unlink()
    (tmp_path / "b.jsonl").mkdir()
    items = list(merge(sources))
    problems = [(i, n, r[1].rule) for _, i, n, e, r in items if r is not None]
    assert problems == [(1, 1, "cannot open this file (Is a directory); none of it was read")]
    assert _ids(iter(items)) == _ids(merge(expand_inputs([good])))
    # Resumed past it, it is not reported again.
    assert list(merge(sources[1:], [Position(line=1)])) == []
