"""A minimal Faust app for the smoke test: one agent, one table, input -> output.

Configured by environment so the test can give it unique topics and a private data dir:
SMOKE_BROKER, SMOKE_APP_ID, SMOKE_SOURCE, SMOKE_SINK, SMOKE_DATADIR.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import faust

app = faust.App(
    os.environ["SMOKE_APP_ID"],
    broker=f"kafka://{os.environ['SMOKE_BROKER']}",
    store="memory://",
    datadir=os.environ["SMOKE_DATADIR"],
    web_enabled=False,
    topic_partitions=2,
    topic_replication_factor=1,
)
source = app.topic(os.environ["SMOKE_SOURCE"], key_serializer="raw", value_serializer="raw")
sink = app.topic(os.environ["SMOKE_SINK"], key_serializer="raw", value_serializer="raw")
counts = app.Table("counts", default=int, partitions=2)


@app.agent(source)
async def count_and_forward(stream: Any) -> AsyncIterator[None]:
    async for event in stream.events():
        counts[event.key] += 1
        # The output carries the table's running count, so the test sees the table at work.
        await sink.send(key=event.key, value=event.value + b":" + str(counts[event.key]).encode())
        yield None


if __name__ == "__main__":
    app.main()
