from __future__ import annotations

from pathlib import Path

import pytest

from detectors.binary import StateDecodeError
from detectors.config import ConfigError, load_config
from detectors.pipeline import Pipeline
from detectors.state import OfficerState
from detectors.testing import Scenario, at


def busy_state() -> OfficerState:
    sc = Scenario()
    sc.shift("P1", "2026-03-10T07:00", "2026-03-10T16:00")
    sc.leave("P1", "2026-03-20T00:00", "2026-03-25T00:00")
    sc.overtime("P1", "2026-03-10T16:00", "2026-03-10T17:00", at="2026-03-10T18:00")
    sc.badge("P1", "2026-03-10T06:55")
    sc.badge("P1", "2026-03-10T09:00", zone="custody")
    sc.badge("P1", "2026-03-10T09:30", outcome="denied")
    sc.lookup("P1", "2026-03-10T09:40", site="S1", action="login")
    sc.lookup("P1", "2026-03-10T09:45", site="S1", case=None)
    pipeline = Pipeline(sc.config(), sc.reference())
    for event in sc.events():
        pipeline.feed(event)
    pipeline.advance(at("2026-03-14T00:00").timestamp())  # nothing left in the buffer
    return pipeline.states["P1"]


def test_state_bytes_round_trip_and_stay_small() -> None:
    state = busy_state()
    data = state.to_bytes()
    assert OfficerState.from_bytes(data).to_bytes() == data
    assert len(data) < 512


def test_state_bytes_from_another_version_or_truncated_are_refused() -> None:
    data = busy_state().to_bytes()
    with pytest.raises(StateDecodeError, match="version"):
        OfficerState.from_bytes(b"\x09" + data[1:])
    with pytest.raises(StateDecodeError):
        OfficerState.from_bytes(data[:-3])
    with pytest.raises(StateDecodeError, match="trailing"):
        OfficerState.from_bytes(data + b"\x00")


def test_config_overrides_from_a_file_change_the_hash(tmp_path: Path) -> None:
    path = tmp_path / "force.toml"
    path.write_text("[core]\nrisk_threshold = 12\n[detectors.impossible_travel]\nversion = 2\n")
    config = load_config(path)
    assert config.risk_threshold == 12.0
    assert config.detector("impossible_travel").version == 2
    assert config.config_hash != load_config().config_hash
    assert load_config().config_hash == load_config().config_hash


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[core]\nrisk_treshold = 1.0\n", "core.risk_treshold: unknown setting"),
        ("[core]\nrisk_threshold = 'high'\n", "core.risk_threshold: expected float"),
        ("[detectors.impossible_travel]\nseverity = 'urgent'\n", "severity: must be one of"),
        ("[detectors.no_such]\nenabled = true\n", "detectors.no_such: unknown setting"),
        ("[core\n", "force.toml"),
    ],
)
def test_config_mistakes_fail_loudly(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "force.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_config(path)
