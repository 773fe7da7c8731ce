"""Alerts: the contract example, canonical byte-stable encoding, and alert-specific rules."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import msgspec
import pytest

from schemas import (
    Alert,
    DecodeError,
    EncodeError,
    Explanation,
    Risk,
    RiskContribution,
    decode_alert,
    encode_alert,
)

EXAMPLE = (Path(__file__).parent / "data" / "alert.json").read_bytes()


def _alert(**changes: Any) -> Alert:
    return msgspec.structs.replace(decode_alert(EXAMPLE), **changes)


def test_contract_example_decodes_with_nested_parts() -> None:
    alert = decode_alert(EXAMPLE)

    assert alert.category == "integrity"
    assert alert.window.start == datetime(2026, 3, 10, 17, tzinfo=UTC)
    assert alert.evidence == ("rost-000377",)
    assert alert.explanation.peer_normal["peer_group"] == "response/constable"
    assert alert.risk.contributions == (
        RiskContribution(alert_id="a:roster_self_approval:1:P40211:7c1e9b52", points=3.0),
    )


def test_encoding_keeps_the_contract_field_order_and_utc_offset_form() -> None:
    encoded = encode_alert(decode_alert(EXAMPLE))

    assert list(json.loads(encoded)) == list(json.loads(EXAMPLE))
    assert b'"event_time":"2026-03-10T22:40:00+00:00"' in encoded
    assert json.loads(encoded) == json.loads(EXAMPLE)


def test_the_same_alert_always_encodes_to_the_same_bytes() -> None:
    alert = decode_alert(EXAMPLE)
    reordered = msgspec.structs.replace(
        alert,
        explanation=Explanation(
            observed={"hours": 4.0, "approver_is_claimant": True},
            own_normal={"self_approved_claims_last_90d": 0},
            peer_normal={"peer_group": "response/constable", "self_approved_share": 0.0},
            threshold={"self_approved_claims": 1},
        ),
    )

    assert reordered == alert
    assert encode_alert(reordered) == encode_alert(alert)
    assert encode_alert(decode_alert(encode_alert(alert))) == encode_alert(alert)


def test_explanation_keys_are_written_sorted_at_every_depth() -> None:
    alert = _alert(
        explanation=Explanation(
            observed={"b": {"z": 1, "a": [{"y": 2, "x": 3}]}, "a": None},
            own_normal={},
            peer_normal={},
            threshold={},
        )
    )

    assert b'"observed":{"a":null,"b":{"a":[{"x":3,"y":2}],"z":1}}' in encode_alert(alert)


def test_explanations_are_copied_and_tuples_become_lists() -> None:
    observed: dict[str, Any] = {"peer_group": ("response", "constable")}
    explanation = Explanation(observed=observed, own_normal={}, peer_normal={}, threshold={})
    observed["later"] = "mutation"

    assert explanation.observed == {"peer_group": ["response", "constable"]}


@pytest.mark.parametrize(
    ("value", "path"),
    [
        (float("nan"), "observed.x"),
        (float("inf"), "observed.x"),
        (datetime(2026, 1, 1, tzinfo=UTC), "observed.x"),
        ({1: "non-string key"}, "observed.x"),
        (2**70, "observed.x"),
    ],
)
def test_explanation_values_must_survive_json_unchanged(value: object, path: str) -> None:
    with pytest.raises(ValueError, match=f"`{path}`"):
        Explanation(observed={"x": value}, own_normal={}, peer_normal={}, threshold={})


def test_alert_times_are_normalised_to_utc() -> None:
    local = datetime(2026, 3, 10, 23, 40, tzinfo=timezone(timedelta(hours=1)))

    assert _alert(event_time=local).event_time == datetime(2026, 3, 10, 22, 40, tzinfo=UTC)


def test_a_welfare_alert_never_contributes_to_integrity_risk() -> None:
    with pytest.raises(ValueError, match="welfare alert must not contribute"):
        _alert(category="welfare")  # the example lists itself among its contributions

    data = json.loads(EXAMPLE)
    data["category"] = "welfare"
    with pytest.raises(DecodeError) as caught:
        decode_alert(json.dumps(data))
    assert caught.value.path == "$.risk.contributions[0].alert_id"


def test_a_welfare_alert_may_carry_the_unchanged_integrity_risk() -> None:
    unchanged = Risk(score=3.0, contributions=(RiskContribution(alert_id="a:earlier", points=3.0),))

    assert _alert(category="welfare", risk=unchanged).risk.score == 3.0


@pytest.mark.parametrize(
    ("mutate", "path", "rule"),
    [
        (lambda d: d["window"].update(end="2026-03-10T16:00:00+00:00"), "$.window.end", "before"),
        (lambda d: d.update(severity="critical"), "$.severity", "is not one of"),
        (lambda d: d.update(detector_version=0), "$.detector_version", ">= 1"),
        (lambda d: d["risk"].update(score=-1), "$.risk.score", ">= 0.0"),
        (
            lambda d: d["risk"]["contributions"][0].pop("points"),
            "$.risk.contributions[0].points",
            "missing",
        ),
        (lambda d: d["explanation"].pop("threshold"), "$.explanation.threshold", "missing"),
        (lambda d: d["explanation"].update(observed=[]), "$.explanation.observed", "object"),
        (lambda d: d.update(evidence=["ok", ""]), "$.evidence[1]", "must not be empty"),
        (lambda d: d.update(score=1e999), "$.score", "out of range"),
    ],
)
def test_alert_rules_name_the_nested_field(mutate: Any, path: str, rule: str) -> None:
    data = json.loads(EXAMPLE)
    mutate(data)

    with pytest.raises(DecodeError) as caught:
        decode_alert(json.dumps(data).replace("Infinity", "1e999"))
    assert caught.value.path == path
    assert rule in caught.value.rule


def test_encoding_an_alert_its_readers_would_reject_fails_loudly() -> None:
    with pytest.raises(EncodeError) as caught:
        encode_alert(_alert(alert_id=""))
    assert caught.value.path == "$.alert_id"

    with pytest.raises(EncodeError) as caught:
        encode_alert(_alert(summary="bad \ud800 text"))
    assert caught.value.path == "$"


def test_a_non_finite_score_is_refused_at_construction() -> None:
    with pytest.raises(ValueError, match="`score`: must be a finite number"):
        _alert(score=float("nan"))
