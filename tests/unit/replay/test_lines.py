"""Reading lines: gzip told by content, damaged files reported in place, resumable skipping."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from streams.replay import lines as lines_module
from streams.replay.lines import ByteCounter, InputProblem, read_lines
from tests.unit.replay.support import history, write_jsonl


def test_gzip_gives_the_same_lines_as_plain_whatever_the_file_is_called(tmp_path: Path) -> None:
    events = history(500)
    plain = write_jsonl(tmp_path / "plain.jsonl", events)
    packed = write_jsonl(tmp_path / "misnamed.jsonl", events, compress=True)
    assert list(read_lines(packed)) == list(read_lines(plain))
    assert [raw for _, raw in read_lines(plain)] == events


def test_concatenated_gzip_members_and_zero_padding_read_as_one_stream(tmp_path: Path) -> None:
    path = tmp_path / "joined.gz"
    path.write_bytes(gzip.compress(b"a\nb\n") + gzip.compress(b"c\n") + b"\0" * 64)
    assert list(read_lines(path)) == [(1, b"a"), (2, b"b"), (3, b"c")]


def test_a_truncated_gzip_keeps_the_lines_before_the_damage(tmp_path: Path) -> None:
    data = b"".join(b'{"n": %d}\n' % i for i in range(20_000))
    path = tmp_path / "cut.gz"
    path.write_bytes(gzip.compress(data)[:-100])
    read = list(read_lines(path))
    number, problem = read[-1]
    assert isinstance(problem, InputProblem) and "truncated" in problem.reason
    assert number == len(read)
    assert [raw for _, raw in read[:-1]] == data.split(b"\n")[: len(read) - 1]


def test_resuming_past_the_damage_of_a_truncated_gzip_reports_it_no_more(tmp_path: Path) -> None:
    data = b"".join(b'{"n": %d}\n' % i for i in range(20_000))
    path = tmp_path / "cut.gz"
    path.write_bytes(gzip.compress(data)[:-100])
    read = list(read_lines(path))
    damage = read[-1][0]
    # A checkpoint that counted the problem's line resumes after it: nothing is left.
    assert list(read_lines(path, skip=damage)) == []
    # One that stopped just before it sees the problem once more, and only it.
    assert list(read_lines(path, skip=damage - 1)) == read[-1:]


def test_corrupt_gzip_data_is_reported_not_raised(tmp_path: Path) -> None:
    packed = bytearray(gzip.compress(b"\n".join(history(2000))))
    middle = len(packed) // 2
    packed[middle : middle + 64] = b"\xff" * 64
    path = tmp_path / "corrupt.gz"
    path.write_bytes(bytes(packed))
    *_, (_, problem) = read_lines(path)
    assert isinstance(problem, InputProblem) and problem.reason.startswith("corrupt gzip data")


def test_an_overlong_line_is_cut_and_reported_and_the_next_lines_still_come(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lines_module, "MAX_LINE_BYTES", 100)
    monkeypatch.setattr(lines_module, "READ_SIZE", 64)
    path = tmp_path / "long.jsonl"
    path.write_bytes(b"short\n" + b"x" * 1000 + b"\nafter\n" + b"y" * 300)
    read = list(read_lines(path))
    assert read[0] == (1, b"short")
    assert isinstance(read[1][1], InputProblem) and read[1][1].original == b"x" * 100
    assert read[2] == (3, b"after")
    assert isinstance(read[3][1], InputProblem) and read[3][0] == 4


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("skip", [0, 1, 2, 999, 1000, 1001])
def test_skipping_resumes_exactly_after_the_skipped_lines(
    tmp_path: Path, compress: bool, skip: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lines_module, "READ_SIZE", 1000)  # many chunk boundaries
    events = history(1000)
    path = write_jsonl(tmp_path / "h.jsonl", events, compress=compress)
    assert list(read_lines(path, skip=skip)) == list(read_lines(path))[skip:]


def test_the_last_line_without_a_newline_is_still_read(tmp_path: Path) -> None:
    path = tmp_path / "end.jsonl"
    path.write_bytes(b"one\ntwo")
    assert list(read_lines(path)) == [(1, b"one"), (2, b"two")]
    assert list(read_lines(path, skip=2)) == []


def test_bytes_read_are_counted_for_progress(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "h.jsonl.gz", history(2000), compress=True)
    counter = ByteCounter()
    for _ in read_lines(path, counter=counter):
        pass
    assert counter.value == path.stat().st_size
