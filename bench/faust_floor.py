"""What Faust itself allows: an agent that takes every input message and does nothing with it.

Run by ``bench/bench_service.py`` beside the bare aiokafka loop and the worker, over the same
topics in the same run::

    python bench/faust_floor.py BOOTSTRAP EXPECTED TOPIC...

Prints one JSON object: ``{"events": N, "seconds": S, "rate": R}``, timed from the first
message the agent receives to the last. The app uses exactly-once processing (Kafka
transactions, read-committed), as the worker does, and the memory store; its agent iterates
``stream.events()`` as the worker's agents do. A worker whose every input message passes
through the same Faust consumer, conductor and stream can be no faster than this; the watchfloor
worker's consumer hands input to its agent in batches below that delivery
(``streams/service/record_batches.py``), so this is the reference for what that saves.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from typing import Any

import orjson


def main(argv: list[str]) -> int:
    import faust

    bootstrap, expected, topics = argv[0], int(argv[1]), argv[2:]
    app = faust.App(
        f"bench-faust-floor-{uuid.uuid4().hex[:8]}",
        broker=f"kafka://{bootstrap}",
        processing_guarantee="exactly_once",
        store="memory://",
        datadir=tempfile.mkdtemp(prefix="wf-faust-floor-"),
        consumer_auto_offset_reset="earliest",
        web_enabled=False,
    )
    source = app.topic(*topics, key_serializer="raw", value_serializer="raw")
    seen = 0
    began = 0.0

    @app.agent(source)
    async def count(stream: Any) -> None:
        nonlocal seen, began
        async for _event in stream.events():
            if not began:
                began = time.perf_counter()
            seen += 1
            if seen >= expected:
                seconds = time.perf_counter() - began
                result = {"events": seen, "seconds": seconds, "rate": seen / seconds}
                print(orjson.dumps(result).decode(), flush=True)
                os._exit(0)  # measured; Faust's orderly stop would only add seconds

    worker = faust.Worker(app, loglevel="WARNING", quiet=True, redirect_stdouts=False)
    worker.execute_from_commandline()
    return 1  # only reached if the worker stopped before every message came


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
