"""Dead-letter records: rejected input kept whole with its origin and reason."""

from __future__ import annotations

import base64
import json
import pickle
from datetime import UTC, datetime

import pytest

from schemas import (
    DeadLetter,
    DecodeError,
    FileOrigin,
    KafkaOrigin,
    decode_dead_letter,
    decode_event,
    encode_dead_letter,
)

REJECTED_AT = datetime(2026, 3, 9, 7, 0, 0, 123000, tzinfo=UTC)


def _rejected(data: bytes) -> DecodeError:
    with pytest.raises(DecodeError) as caught:
        decode_event(data)
    return caught.value


def test_a_rejected_kafka_message_is_kept_byte_for_byte_with_its_reason() -> None:
    original = b'{"schema_version": 1, "type": "badge", "event_time": "2026-03-09T06:51:03"}\xff'
    origin = KafkaOrigin(topic="watchfloor.badge.v1", partition=2, offset=881)
    letter = DeadLetter.for_error(original, origin, _rejected(original), rejected_at=REJECTED_AT)
    encoded = encode_dead_letter(letter)
    wire = json.loads(encoded)

    assert decode_dead_letter(encoded) == letter
    assert base64.b64decode(wire["original"]) == original
    assert wire["origin"] == {
        "kind": "kafka",
        "topic": "watchfloor.badge.v1",
        "partition": 2,
        "offset": 881,
    }
    assert (wire["reason"], wire["field_path"]) == (
        "$.event_time: time has no UTC offset",
        "$.event_time",
    )
    assert wire["rejected_at"] == "2026-03-09T07:00:00.123000+00:00"


def test_a_rejected_file_line_records_path_and_line_and_the_field() -> None:
    original = b'{"schema_version": 3, "type": "roster"}'
    letter = DeadLetter.for_error(
        original,
        FileOrigin(path="history/2026-03.jsonl", line=41),
        _rejected(original),
        rejected_at=REJECTED_AT,
    )

    assert letter.field_path == "$.schema_version"
    assert "unsupported schema_version 3" in letter.reason
    assert decode_dead_letter(encode_dead_letter(letter)).origin == letter.origin


def test_an_unknown_origin_kind_or_bad_base64_is_a_decode_error() -> None:
    body = {"original": "e30=", "reason": "r", "rejected_at": "2026-03-09T07:00:00Z"}

    with pytest.raises(DecodeError) as caught:
        decode_dead_letter(json.dumps(body | {"origin": {"kind": "s3", "key": "x"}}))
    assert caught.value.path == "$.origin.kind"

    with pytest.raises(DecodeError) as caught:
        decode_dead_letter(
            json.dumps(
                body
                | {"original": "not base64!", "origin": {"kind": "file", "path": "f", "line": 1}}
            )
        )
    assert caught.value.path == "$.original"


def test_line_numbers_start_at_one() -> None:
    with pytest.raises(DecodeError) as caught:
        decode_dead_letter(
            b'{"original": "", "origin": {"kind": "file", "path": "f", "line": 0},'
            b' "reason": "r", "rejected_at": "2026-03-09T07:00:00Z"}'
        )
    assert caught.value.path == "$.origin.line"


def test_decode_errors_pickle_with_their_path_and_rule() -> None:
    err = DecodeError("$.zones[1].level", "expected int <= 5")
    copy = pickle.loads(pickle.dumps(err))

    assert (type(copy), copy.path, copy.rule, str(copy)) == (
        DecodeError,
        err.path,
        err.rule,
        str(err),
    )
