"""The AsyncAPI 3.0 document for every topic of the contract, and the YAML it is written as.

The document is built from :data:`schemas.topics.TOPICS`; each message's payload refers to
its published JSON Schema file, so the two cannot drift apart.

Examples
--------
>>> doc = asyncapi_document()
>>> doc["channels"]["badge"]["address"]
'watchfloor.badge.v1'
>>> print(to_yaml({"info": {"title": "watchfloor", "tags": ["a: b", "true"]}}), end="")
info:
  title: watchfloor
  tags:
    - "a: b"
    - "true"
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

from schemas.topics import DEFAULT_PREFIX, TOPICS, Topic

__all__ = ["ASYNCAPI_VERSION", "asyncapi_document", "to_yaml"]

ASYNCAPI_VERSION: Final = "3.0.0"
# Versions of the AsyncAPI Kafka bindings whose fields (topicConfiguration, key) we use.
_KAFKA_BINDING: Final = "0.5.0"
_SCHEMA_FORMAT: Final = "application/schema+json;version=draft-2020-12"


def _channel_id(topic: Topic) -> str:
    return topic.entity.replace(".", "_")


def _operation_id(topic: Topic) -> str:
    words = topic.entity.split(".")
    name = "".join(word.capitalize() for word in reversed(words))
    return ("send" if _is_output(topic) else "receive") + name


def _is_output(topic: Topic) -> bool:
    return any(p.startswith("watchfloor worker") for p in topic.producers)


def asyncapi_document(prefix: str = DEFAULT_PREFIX) -> dict[str, Any]:
    """Build the AsyncAPI document for the topics under ``prefix``."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for topic in TOPICS:
        cid = _channel_id(topic)
        channels[cid] = {
            "address": topic.name(prefix),
            "title": topic.name(prefix),
            "summary": topic.summary,
            "messages": {topic.message: {"$ref": f"#/components/messages/{topic.message}"}},
            "bindings": {
                "kafka": {
                    "topic": topic.name(prefix),
                    "topicConfiguration": {
                        "cleanup.policy": ["compact" if topic.compacted else "delete"]
                    },
                    "bindingVersion": _KAFKA_BINDING,
                }
            },
            "x-key": topic.key,
            "x-producers": list(topic.producers),
            "x-consumers": list(topic.consumers),
        }
        operations[_operation_id(topic)] = {
            "action": "send" if _is_output(topic) else "receive",
            "channel": {"$ref": f"#/channels/{cid}"},
            "summary": topic.summary,
            "messages": [{"$ref": f"#/channels/{cid}/messages/{topic.message}"}],
        }
        messages[topic.message] = {
            "name": topic.message,
            "contentType": "application/json",
            "payload": {
                "schemaFormat": _SCHEMA_FORMAT,
                "schema": {"$ref": f"./jsonschema/v{topic.version}/{topic.schema}"},
            },
            "bindings": {
                "kafka": {
                    "key": {"type": "string", "description": topic.key},
                    "bindingVersion": _KAFKA_BINDING,
                }
            },
        }
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "watchfloor",
            "version": "1.0.0",
            "description": (
                "Streaming detector of police workforce integrity and welfare risks. Input "
                "topics carry badge, system-access and roster events and reference data; output "
                "topics carry alerts for human review, never verdicts, and rejected input. "
                "Every message is one JSON object. Operations are from the watchfloor worker's "
                "point of view; x-producers and x-consumers name every party."
            ),
        },
        "defaultContentType": "application/json",
        "servers": {
            "local": {
                "host": "localhost:9092",
                "protocol": "kafka",
                "description": "Local Apache Kafka started by `watchfloor kafka start`.",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


# A plain YAML scalar is only written for text that no YAML 1.1 or 1.2 reader can take for
# anything but a string; everything else is double-quoted (JSON strings are valid YAML).
_PLAIN: Final = re.compile(r"(?:[A-Za-z_$/]|\./)[A-Za-z0-9_$./ ()-]*(?<! )")
_RESERVED: Final = frozenset(
    ["y", "n", "yes", "no", "on", "off", "true", "false", "null"]  # YAML 1.1 booleans and null
)


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        if _PLAIN.fullmatch(value) and value.lower() not in _RESERVED:
            return value
        return json.dumps(value, ensure_ascii=False)
    raise TypeError(f"cannot write {type(value).__name__} as YAML")


def to_yaml(value: Any, indent: int = 0) -> str:
    """Write nested dicts, lists and scalars as block-style YAML, deterministically."""
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            head = f"{pad}{_scalar(str(key))}:"
            if isinstance(item, dict | list) and item:
                lines.append(head)
                lines.append(to_yaml(item, indent + 2).rstrip("\n"))
            else:
                lines.append(f"{head} {_empty_or_scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict | list) and item:
                nested = to_yaml(item, indent + 2).lstrip(" ")
                lines.append(f"{pad}- {nested.rstrip(chr(10))}")
            else:
                lines.append(f"{pad}- {_empty_or_scalar(item)}")
    else:
        lines.append(pad + _scalar(value))
    return "\n".join(lines) + "\n"


def _empty_or_scalar(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _scalar(value)
