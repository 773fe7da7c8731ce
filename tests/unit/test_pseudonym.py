"""Pseudonymised officer ids: keyed, deterministic, applied by replay, undone only with the key."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from schemas.reference import Officer
from streams.cli import main
from streams.pseudonym import PATTERN, Pseudonymiser, PseudonymKeyError
from tests.integration.busy_week import busy_week, write_history

KEY = b"unit-test-pseudonym-key-of-at-least-32-bytes"


def test_pseudonyms_are_deterministic_fixed_in_form_and_depend_on_the_key() -> None:
    names = Pseudonymiser(KEY)
    first = names.pseudonym("P40211")
    assert first == Pseudonymiser(KEY).pseudonym("P40211")
    assert PATTERN.fullmatch(first) and len(first) == 19
    assert names.pseudonym("P40212") != first
    assert Pseudonymiser(KEY + b"!").pseudonym("P40211") != first
    assert "P40211" not in first


def test_a_short_key_is_refused() -> None:
    with pytest.raises(PseudonymKeyError, match="at least 32"):
        Pseudonymiser(b"x" * 31)


def test_every_officer_field_of_events_and_the_directory_is_replaced() -> None:
    names = Pseudonymiser(KEY)
    sc = busy_week()
    for event in sc.events():
        renamed = names.event(event)
        assert renamed.officer_id == names.pseudonym(event.officer_id)
        for field in ("actor_id", "approver_id", "counterpart_id"):
            original = getattr(event, field, None)
            if original is not None:
                assert getattr(renamed, field) == names.pseudonym(original)
        assert renamed.event_id == event.event_id
    officer = Officer(
        officer_id="P2",
        unit_id="U1",
        role="response",
        rank="constable",
        home_site_id="S1",
        line_manager_id="P9",
        active=True,
    )
    renamed_officer = names.officer(officer)
    assert renamed_officer.officer_id == names.pseudonym("P2")
    assert renamed_officer.line_manager_id == names.pseudonym("P9")
    assert "ps-" not in repr(names) and KEY.decode() not in repr(names)


@pytest.fixture
def history(tmp_path: Path) -> Path:
    write_history(tmp_path)
    (tmp_path / "key").write_bytes(KEY + b"\n")
    (tmp_path / "wrong-key").write_bytes(b"w" * 40)
    return tmp_path


def _replay(folder: Path, out: str, *extra: str) -> list[dict[str, object]]:
    events, reference = str(folder / "events.jsonl"), str(folder / "reference")
    output = ["--out", str(folder / out), "--no-progress"]
    code = main(["replay", events, "--reference", reference, *output, *extra])
    assert code == 0
    return [orjson.loads(line) for line in (folder / out).read_bytes().splitlines()]


def test_replay_with_a_key_gives_pseudonyms_and_reveal_restores_the_officers(
    history: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    plain = _replay(history, "plain.jsonl")
    hidden = _replay(history, "hidden.jsonl", "--pseudonym-key-file", str(history / "key"))
    again = _replay(history, "again.jsonl", "--pseudonym-key-file", str(history / "key"))
    capsysbinary.readouterr()
    assert hidden == again  # deterministic: a replay equals a live run under the same key
    assert plain and len(hidden) == len(plain)
    raw = (history / "hidden.jsonl").read_bytes()
    for officer in ("P1", "P2", "P3", "P4", "P5"):
        assert f'"{officer}"'.encode() not in raw and f":{officer}:".encode() not in raw

    key = ["--pseudonym-key-file", str(history / "key")]
    reference = ["--reference", str(history / "reference")]
    code = main(["reveal", str(history / "hidden.jsonl"), *reference, *key])
    revealed = [orjson.loads(line) for line in capsysbinary.readouterr().out.splitlines()]
    assert code == 0

    # The same alerts for the same officers, with no pseudonym left. (Peer figures may differ
    # in the last digits, as peers are visited in pseudonym order; a risk crossing's id digests
    # the ids of its contributing alerts, which held pseudonyms.)
    def identity(alert: dict[str, object]) -> tuple[object, ...]:
        return alert["detector"], alert["officer_id"], alert["event_time"], alert["evidence"]

    assert sorted(map(identity, revealed)) == sorted(map(identity, plain))
    assert {a["alert_id"] for a in revealed if a["detector"] != "risk_threshold_crossed"} == {
        a["alert_id"] for a in plain if a["detector"] != "risk_threshold_crossed"
    }
    assert {a["officer_id"] for a in revealed} == {a["officer_id"] for a in plain}
    assert b"ps-" not in orjson.dumps(revealed)

    pseudonym = str(hidden[0]["officer_id"])
    code = main(["reveal", "--id", pseudonym, *reference, *key])
    assert code == 0
    assert capsysbinary.readouterr().out.decode().split() == [pseudonym, plain[0]["officer_id"]]


def test_reveal_without_the_right_key_reveals_nothing_and_says_so(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _replay(history, "hidden.jsonl", "--pseudonym-key-file", str(history / "key"))
    capsys.readouterr()
    base = ["reveal", str(history / "hidden.jsonl"), "--reference", str(history / "reference")]
    assert main([*base, "--pseudonym-key-file", str(history / "wrong-key")]) == 1
    wrong = capsys.readouterr()
    assert wrong.out == ""
    assert "nothing revealed" in wrong.err and "wrong key" in wrong.err
    assert main(base) == 1
    missing = capsys.readouterr()
    assert missing.out == "" and "needs the pseudonym key" in missing.err
