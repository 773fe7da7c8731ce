"""The published JSON Schema files and AsyncAPI document match the runtime models and DESIGN.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from schemas.asyncapi import asyncapi_document
from schemas.jsonschemas import BASE_URI, DIALECT, MODELS, json_schemas
from schemas.publish import PACKAGE_DIR, published_files, stale_files
from schemas.topics import TOPICS

DATA = Path(__file__).parent / "data"
SCHEMA_DIR = PACKAGE_DIR / "jsonschema" / "v1"

# The topic table of DESIGN.md, copied here so that a change to either side is noticed.
DESIGN_TOPICS = {
    "watchfloor.badge.v1": ("officer_id", False),
    "watchfloor.access.v1": ("officer_id", False),
    "watchfloor.roster.v1": ("officer_id", False),
    "watchfloor.officers.v1": ("officer_id", True),
    "watchfloor.sites.v1": ("site_id", True),
    "watchfloor.watchlist.v1": ("record_ref", True),
    "watchfloor.alerts.integrity.v1": ("officer_id", False),
    "watchfloor.alerts.welfare.v1": ("officer_id", False),
    "watchfloor.deadletter.v1": ("key", False),
}


def _on_disk(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
    return doc


def _validator(name: str) -> Draft202012Validator:
    registry: Registry[Any] = Registry().with_resources(
        (BASE_URI + n, Resource.from_contents(_on_disk(n))) for n in json_schemas()
    )
    return Draft202012Validator(_on_disk(name), registry=registry)


def test_published_files_are_exactly_what_the_models_generate() -> None:
    assert stale_files() == [], "run: python -m schemas.publish"


def test_no_stray_schema_files_are_published() -> None:
    expected = {p.removeprefix("jsonschema/v1/") for p in published_files() if "/v1/" in p}

    assert {p.name for p in SCHEMA_DIR.iterdir()} == expected
    assert expected == {*MODELS, "event.json"}


@pytest.mark.parametrize("name", sorted(json_schemas()))
def test_each_schema_is_valid_draft_2020_12_with_its_own_id(name: str) -> None:
    doc = _on_disk(name)

    Draft202012Validator.check_schema(doc)
    assert doc["$schema"] == DIALECT
    assert doc["$id"] == BASE_URI + name


def test_contract_example_events_validate_against_event_and_their_own_schema() -> None:
    for line in (DATA / "events.jsonl").read_bytes().splitlines():
        event = json.loads(line)
        _validator("event.json").validate(event)
        _validator(f"{event['type']}.json").validate(event)


def test_contract_example_alert_and_site_validate() -> None:
    _validator("alert.json").validate(json.loads((DATA / "alert.json").read_bytes()))
    _validator("site.json").validate(json.loads((DATA / "reference-sites.jsonl").read_bytes()))


def test_a_look_up_without_record_ref_is_rejected_by_the_schema_as_by_the_reader() -> None:
    access = json.loads((DATA / "events.jsonl").read_bytes().splitlines()[2])
    del access["record_ref"]

    assert not _validator("access.json").is_valid(access)
    assert _validator("access.json").is_valid(access | {"action": "logout"})


def test_reader_only_rules_are_stated_in_the_schema_descriptions() -> None:
    assert "period_end must not be before period_start" in _on_disk("roster.json")["description"]
    assert "unique within a site" in _on_disk("site.json")["description"]
    assert "welfare alert" in _on_disk("alert.json")["description"]


def test_asyncapi_describes_every_design_topic_with_key_and_cleanup_policy() -> None:
    channels = asyncapi_document()["channels"]
    by_address = {c["address"]: c for c in channels.values()}

    assert set(by_address) == set(DESIGN_TOPICS)
    for address, (key_words, compacted) in DESIGN_TOPICS.items():
        channel = by_address[address]
        assert key_words in channel["x-key"]
        policy = channel["bindings"]["kafka"]["topicConfiguration"]["cleanup.policy"]
        assert policy == ["compact" if compacted else "delete"]
        assert channel["x-producers"] and channel["x-consumers"]


def test_asyncapi_references_resolve_to_channels_messages_and_schema_files() -> None:
    doc = asyncapi_document()
    messages = doc["components"]["messages"]

    for operation in doc["operations"].values():
        channel_id = operation["channel"]["$ref"].removeprefix("#/channels/")
        assert channel_id in doc["channels"]
        for ref in operation["messages"]:
            _, _, cid, _, name = ref["$ref"].split("/")
            assert (cid, name) == (channel_id, name)
            assert name in doc["channels"][cid]["messages"]
    for message in messages.values():
        schema_ref = message["payload"]["schema"]["$ref"]
        assert (PACKAGE_DIR / schema_ref).is_file(), schema_ref
        assert message["bindings"]["kafka"]["key"]["type"] == "string"
    assert {t.message for t in TOPICS} == set(messages)


def test_outputs_are_sent_and_inputs_received_by_the_worker() -> None:
    actions = {
        op["channel"]["$ref"].removeprefix("#/channels/"): op["action"]
        for op in asyncapi_document()["operations"].values()
    }

    assert actions["badge"] == actions["officers"] == "receive"
    assert actions["alerts_integrity"] == actions["deadletter"] == "send"


def test_asyncapi_yaml_parses_back_to_the_document() -> None:
    yaml = pytest.importorskip("yaml", reason="PyYAML is not installed")
    text = (PACKAGE_DIR / "asyncapi.yaml").read_text(encoding="utf-8")

    assert yaml.safe_load(text) == asyncapi_document()
