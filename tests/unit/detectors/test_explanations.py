"""Every alert's own and peer normal: the officer's earlier alerts of the same detector, kept in
the officer's state (and its bytes), and the norm a rule holds every peer to."""

from __future__ import annotations

from detectors.config import load_config
from detectors.core import HISTORY_PER_DETECTOR, Core
from detectors.messages import Finding
from detectors.state import OfficerState
from detectors.testing import Scenario, alerts_of, at
from tests.unit.detectors.test_state_and_config import busy_state

NAME = "roster_self_approval"
DAY = 86400.0


def self_approved(sc: Scenario, officer: str, day: str) -> None:
    sc.overtime(officer, f"{day}T16:00", f"{day}T18:00", at=f"{day}T18:20", approver=officer)


def test_own_normal_counts_the_same_detectors_earlier_alerts_within_90_days() -> None:
    sc = Scenario(only=[NAME, "impossible_travel"])
    self_approved(sc, "P1", "2026-01-05")  # day 0: none before
    self_approved(sc, "P1", "2026-02-04")  # day 30: day 0 counts
    sc.badge("P1", "2026-03-01T08:00", site="S1")  # another detector's alert: never counted
    sc.badge("P1", "2026-03-01T08:06", site="S3")
    self_approved(sc, "P1", "2026-04-30")  # day 115: day 30 counts, day 0 is 115 days old
    counts = [a.explanation.own_normal["alerts_last_90d"] for a in alerts_of(sc, NAME)]
    assert counts == [0, 1, 1]
    [travel] = alerts_of(sc, "impossible_travel")
    assert travel.explanation.own_normal["alerts_last_90d"] == 0


def test_the_history_window_is_a_setting_and_names_the_figure() -> None:
    sc = Scenario(only=[NAME], overrides={"core": {"own_history_days": 30}})
    self_approved(sc, "P1", "2026-01-05")
    self_approved(sc, "P1", "2026-02-05")  # 31 days later
    self_approved(sc, "P1", "2026-02-06")
    counts = [a.explanation.own_normal["alerts_last_30d"] for a in alerts_of(sc, NAME)]
    assert counts == [0, 0, 1]
    assert sc.config().config_hash != load_config().config_hash


def test_a_rule_states_its_norm_and_the_officers_peer_group() -> None:
    sc = Scenario(only=[NAME])
    self_approved(sc, "P1", "2026-03-10")
    self_approved(sc, "X7", "2026-03-10")  # not in the reference data
    by_officer = {a.officer_id: a.explanation.peer_normal for a in alerts_of(sc, NAME)}
    assert by_officer["P1"]["peer_group"] == "response/constable"
    assert by_officer["X7"]["peer_group"] == "unknown"
    assert "approved by someone other than the officer" in by_officer["P1"]["norm"]


def finding(detector: str, t: float) -> Finding:
    return Finding(
        detector=detector,
        officer_id="P1",
        event_time=t,
        window_start=t,
        window_end=t,
        evidence=(f"{detector}-{t:.0f}",),
        summary="S.",
        score=1.0,
        observed={"x": 1},
        own_normal={},
        peer_normal={},
        threshold={"x": 1},
    )


def test_another_detectors_alert_arriving_between_changes_no_count_nor_the_state() -> None:
    """Peer findings reach the officer stage at the day barrier, at another point among the
    officer's own alerts live than in a replay: the counts and the state must not care."""
    core = Core(load_config(), Scenario().reference())
    t0 = at("2026-01-01T12:00").timestamp()
    first = finding("unusual_day", t0)
    other = finding("lookup_volume", t0 + 100 * DAY)
    second = finding("unusual_day", t0 + 80 * DAY)  # 80 days after the first

    def run(order: list[Finding]) -> tuple[int, tuple[tuple[str, float], ...]]:
        state = OfficerState("P1")
        counts = {}
        for f in order:
            [alert] = core.deliver(state, [f]).alerts
            counts[f.evidence] = alert.explanation.own_normal["alerts_last_90d"]
        return counts[second.evidence], state.alert_history

    assert run([first, second, other]) == run([first, other, second])
    assert run([first, other, second])[0] == 1


def test_a_suppressed_finding_is_not_counted() -> None:
    core = Core(load_config(), Scenario().reference())
    state = OfficerState("P1")
    t0 = at("2026-03-10T12:00").timestamp()
    core.deliver(state, [finding("lookup_volume", t0)])
    assert core.deliver(state, [finding("lookup_volume", t0 + 3600)]).suppressed == 1
    [alert] = core.deliver(state, [finding("lookup_volume", t0 + 4 * DAY)]).alerts
    assert alert.explanation.own_normal["alerts_last_90d"] == 1


def test_the_history_of_one_detector_is_capped() -> None:
    core = Core(load_config(), Scenario().reference())
    state = OfficerState("P1")
    t0 = at("2026-03-10T12:00").timestamp()
    counts = []
    for k in range(HISTORY_PER_DETECTOR + 3):
        [alert] = core.deliver(state, [finding("insufficient_rest", t0 + k * 3600)]).alerts
        counts.append(alert.explanation.own_normal["alerts_last_90d"])
    assert counts == [*range(HISTORY_PER_DETECTOR), *[HISTORY_PER_DETECTOR] * 3]
    assert len(state.alert_history) == HISTORY_PER_DETECTOR


def test_state_bytes_round_trip_with_an_alert_history() -> None:
    state = busy_state()
    assert [name for name, _ in state.alert_history] == ["overtime_without_presence"]
    data = state.to_bytes()
    copy = OfficerState.from_bytes(data)
    assert copy.alert_history == state.alert_history
    assert copy.to_bytes() == data


# `busy_state().to_bytes()` as written before the alert history was kept (commit 41bd258):
# state bytes in a deployment's changelog must still load after an upgrade.
BEFORE_HISTORY = bytes.fromhex(
    "01025031000000f5286dda41fe030602fac8f6b319036cf8f1c41803d5af35bafa026ffe3c23fb029c7d0b"
    "ff6c030d60b46f6d0368490b00000000e0d46cda4100000040296dda41000000000000000000000000010300"
    "e4edc20100001c02011c023c00029c36201c050200f0c2013cf0c201020b726f73742d3030303030338024c3"
    "01a040c301050b726f73742d303030303032db0f1e000200011a0100000064f76bda4102533107637573746f"
    "64790b706163732d30303030303500000100000007fa6bda41025331000c61756469742d3030303030380000"
    "00010b726f73742d30303030303300f0c2013cf0c2010000803f0100000000000018400000008c1a6cda4100"
    "0129613a6f76657274696d655f776974686f75745f70726573656e63653a313a50313a366263616362373200"
    "000000000018400000008c1a6cda4166490b000000000008000000803f0000803f000000002b40803f000000"
    "0000008040000000000000803f02000100010000800000"
)


def test_state_bytes_written_before_the_alert_history_still_decode() -> None:
    old = OfficerState.from_bytes(BEFORE_HISTORY)
    assert old.alert_history == ()
    assert old.contributions == busy_state().contributions
    assert old.to_bytes() == BEFORE_HISTORY


def test_alerts_no_finding_can_count_any_more_are_forgotten_when_a_day_closes() -> None:
    sc = Scenario()
    core = Core(sc.config(), sc.reference())
    state = OfficerState("P1")
    t0 = at("2026-01-05T12:00").timestamp()
    core.deliver(state, [finding("unusual_day", t0)])

    def day_closed(day: str) -> OfficerState:
        sc.badge("P1", f"{day}T08:00")
        out = core.process(state, sc.events()[-1])
        return core.advance(out.state, at(f"{day}T08:00").timestamp() + DAY).state

    assert day_closed("2026-04-20").alert_history  # 105 days: a late finding might count it
    assert day_closed("2026-05-20").alert_history == ()  # 135 days: none can
