"""The `replay` and `evaluate` commands through the `watchfloor` entry point."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

import streams.cli
from tests.unit.replay.support import history, write_jsonl


@pytest.fixture(autouse=True)
def _replay_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(streams.cli, "COMMAND_MODULES", ("streams.replay.command",))


def test_replay_writes_alerts_and_prints_a_json_summary_when_piped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = write_jsonl(tmp_path / "events.jsonl.gz", [*history(50), b"nonsense"], compress=True)
    out = tmp_path / "alerts.jsonl"
    assert streams.cli.main(["replay", str(events), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    summary = orjson.loads(captured.out)
    assert (summary["events"], summary["bad_lines"]) == (50, 1)
    assert summary["dead_letter"] == str(tmp_path / "alerts.deadletter.jsonl")
    assert "replay: 50 events from 1 file" in captured.err
    assert out.exists() and (tmp_path / "alerts.deadletter.jsonl").exists()


def test_alerts_can_go_to_stdout_with_the_summary_left_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = write_jsonl(tmp_path / "events.jsonl", history(10))
    assert streams.cli.main(["replay", str(events), "--out", "-"]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""  # the real core raises nothing on ten look-ups
    assert "alerts written to -" in captured.err


def test_options_fall_back_to_their_environment_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    events = write_jsonl(tmp_path / "events.jsonl", history(10))
    monkeypatch.setenv("WATCHFLOOR_REPLAY_OUT", str(tmp_path / "env-alerts.jsonl"))
    monkeypatch.setenv("WATCHFLOOR_REPLAY_FROM", "2026-03-09T06:02:00+00:00")
    assert streams.cli.main(["replay", str(events)]) == 0
    summary = orjson.loads(capsys.readouterr().out)
    assert summary["out"] == str(tmp_path / "env-alerts.jsonl")
    assert (summary["events"], summary["state_events"], summary["out_of_range"]) == (4, 6, 0)


def test_help_shows_every_environment_fallback(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        streams.cli.main(["replay", "--help"])
    text = capsys.readouterr().out
    for name in ("OUT", "FROM", "TO", "DEAD_LETTER", "STATE_DIR", "REPORT", "JSON"):
        assert f"WATCHFLOOR_REPLAY_{name}" in text
    assert "WATCHFLOOR_PROGRESS" in text and "WATCHFLOOR_REFERENCE_DIR" in text


@pytest.mark.parametrize(
    "argv",
    [
        ["replay", "x.jsonl"],
        ["replay", "x.jsonl", "--out", "-", "--report", "r.html"],
        [
            "replay",
            "x.jsonl",
            "--out",
            "a",
            "--from",
            "2026-03-10T00:00Z",
            "--to",
            "2026-03-09T00:00Z",
        ],
        ["evaluate", "--alerts", "a.jsonl"],
    ],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        streams.cli.main(argv)
    assert raised.value.code == 2


def test_user_errors_exit_1_with_one_line_saying_what_to_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = str(tmp_path / "a.jsonl")
    assert streams.cli.main(["replay", str(tmp_path / "absent.jsonl"), "--out", out]) == 1
    assert "absent.jsonl: no such file or directory" in capsys.readouterr().err
    events = write_jsonl(tmp_path / "events.jsonl", history(3))
    assert streams.cli.main(["replay", str(events), "--out", out, "--from", "2026-03-09"]) == 1
    assert "give an RFC 3339 time with its offset" in capsys.readouterr().err
    assert streams.cli.main(["replay", str(events), "--out", out, "--config", "nope.toml"]) == 1
    assert "configuration: nope.toml" in capsys.readouterr().err
    missing = str(tmp_path / "none.jsonl")
    assert streams.cli.main(["evaluate", "--alerts", missing, "--labels", missing]) == 1


def test_files_of_an_input_directory_not_read_are_named_and_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    logs = tmp_path / "logs"
    (logs / "2026-03").mkdir(parents=True)
    write_jsonl(logs / "2026-03" / "09.jsonl.gz", history(30)[:20], compress=True)
    write_jsonl(logs / "2026-03" / "10.json", history(30)[20:])
    write_jsonl(logs / "2026-03" / "11.json.bz2", history(3))
    (logs / "README.txt").write_text("exported by the badge system\n")
    out = str(tmp_path / "alerts.jsonl")
    assert streams.cli.main(["replay", str(logs), "--out", out]) == 0
    captured = capsys.readouterr()
    summary = orjson.loads(captured.out)
    assert (summary["inputs"], summary["events"], summary["files_skipped"]) == (2, 30, 2)
    assert "files skipped in input directories: 2" in captured.err
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warned == [
        f"{logs / '2026-03' / '11.json.bz2'}: skipped, not a .jsonl, .ndjson or .json file, "
        "gzip or not",
        f"{logs / 'README.txt'}: skipped, not a .jsonl, .ndjson or .json file, gzip or not",
    ]
