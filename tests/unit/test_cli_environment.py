"""Bad `WATCHFLOOR_*` values: a usage error naming the variable, only where the option is used."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

import streams.cli
from tests.unit.replay.support import history, write_jsonl

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("setting", "argv", "expected"),
    [
        (("WATCHFLOOR_WEB_PORT", "abc"), ["serve"], "WATCHFLOOR_WEB_PORT='abc': expected a whole"),
        (("WATCHFLOOR_PARTITIONS", "x"), ["serve"], "WATCHFLOOR_PARTITIONS='x': expected a whole"),
        (
            ("WATCHFLOOR_KAFKA_SSL_CHECK_HOSTNAME", "maybe"),
            ["tail"],
            "WATCHFLOOR_KAFKA_SSL_CHECK_HOSTNAME='maybe': expected true or false",
        ),
        (
            ("WATCHFLOOR_LOG_LEVEL", "LOUD"),
            ["replay", "x.jsonl", "--out", "-"],
            "WATCHFLOOR_LOG_LEVEL='LOUD': expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL",
        ),
        (
            ("WATCHFLOOR_STORE", "disk"),
            ["serve"],
            "WATCHFLOOR_STORE='disk': expected one of rocksdb, memory",
        ),
        (
            ("WATCHFLOOR_IDLE_AFTER", "soon"),
            ["serve"],
            "WATCHFLOOR_IDLE_AFTER='soon': expected a number",
        ),
        # Switches: a value that is neither true nor false was taken for false.
        (
            ("WATCHFLOOR_PROGRESS", "sometimes"),
            ["replay", "x.jsonl", "--out", "-"],
            "WATCHFLOOR_PROGRESS='sometimes': expected true or false",
        ),
        (
            ("WATCHFLOOR_REPLAY_TO_KAFKA", "ye"),
            ["replay", "x.jsonl"],
            "WATCHFLOOR_REPLAY_TO_KAFKA='ye': expected true or false",
        ),
        (
            ("WATCHFLOOR_SIM_TO_KAFKA", "2"),
            ["simulate"],
            "WATCHFLOOR_SIM_TO_KAFKA='2': expected true or false",
        ),
        (
            ("WATCHFLOOR_EVALUATE_JSON", "json"),
            ["evaluate", "--alerts", "a.jsonl", "--labels", "b.jsonl"],
            "WATCHFLOOR_EVALUATE_JSON='json': expected true or false",
        ),
    ],
)
def test_a_bad_environment_value_is_a_usage_error_naming_the_variable_and_what_it_takes(
    setting: tuple[str, str],
    argv: list[str],
    expected: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(*setting)
    with pytest.raises(SystemExit) as raised:
        streams.cli.main(argv)
    assert raised.value.code == 2
    assert expected in capsys.readouterr().err


def test_commands_without_the_option_are_unaffected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WATCHFLOOR_WEB_PORT", "abc")
    monkeypatch.setenv("WATCHFLOOR_STORE", "disk")
    monkeypatch.setenv("WATCHFLOOR_SIM_TO_KAFKA", "2")
    with pytest.raises(SystemExit) as raised:
        streams.cli.main(["replay", "--help"])
    assert raised.value.code == 0
    assert "WATCHFLOOR_REPLAY_OUT" in capsys.readouterr().out
    events = write_jsonl(tmp_path / "events.jsonl", history(5))
    out = tmp_path / "alerts.jsonl"
    assert streams.cli.main(["replay", str(events), "--out", str(out), "--no-progress"]) == 0
    assert orjson.loads(capsys.readouterr().out)["events"] == 5


def test_good_environment_values_are_converted_and_flags_still_win(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WATCHFLOOR_PARTITIONS", "3")
    monkeypatch.setenv("WATCHFLOOR_KAFKA_SSL_CHECK_HOSTNAME", "off")
    monkeypatch.setenv("WATCHFLOOR_LOG_LEVEL", "warning")
    parser = streams.cli.build_parser()
    args = parser.parse_args(["serve"])
    assert (args.partitions, args.kafka_ssl_check_hostname, args.log_level) == (3, False, "WARNING")
    assert parser.parse_args(["serve", "--partitions", "5"]).partitions == 5
    # A bad flag is reported as argparse always did, naming the flag and not a variable.
    with pytest.raises(SystemExit):
        parser.parse_args(["serve", "--web-port", "abc"])


def test_a_bad_environment_value_gives_no_traceback() -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("WATCHFLOOR_")},
        "WATCHFLOOR_WEB_PORT": "abc",
    }
    command = [sys.executable, "-m", "streams.cli"]
    helped = subprocess.run(
        [*command, "replay", "--help"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert helped.returncode == 0, helped.stderr
    served = subprocess.run(
        [*command, "serve"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert served.returncode == 2
    assert "Traceback" not in served.stderr
    assert "WATCHFLOOR_WEB_PORT='abc'" in served.stderr.strip().splitlines()[-1]
