"""The worker's web server answers /metrics and nothing else that Faust would serve by default:
Faust's table views read a table by key over HTTP, and the officer-state table is keyed by
officer id; the router, statistics, graph and performance views describe the cluster."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from detectors.config import load_config
from detectors.state import OfficerState
from streams.service.settings import ServiceSettings
from streams.service.topology import OFFICER_TABLES
from streams.service.worker import WatchfloorWorker

OFFICER = "P40211"
STATES = OFFICER_TABLES[0]
# Every path Faust 0.15's built-in blueprints serve (faust.web.base), with real names filled in.
FAUST_VIEWS = [
    "/table/",
    f"/table/{STATES}/",
    f"/table/{STATES}/{OFFICER}/",
    "/router/",
    "/router/topics",
    f"/router/{STATES}/",
    f"/router/{STATES}/{OFFICER}/",
    "/graph/",
    "/assignment/",
    "/performance/",
]


async def _statuses(worker: WatchfloorWorker, paths: list[str]) -> dict[str, tuple[int, str]]:
    # The aiohttp application exactly as `faust worker` serves it: the same init_server call
    # mounts the blueprints the app's settings enable, then the app's own pages.
    application: Any = await worker.app.web.wsgi()
    async with TestClient(TestServer(application)) as client:
        found = {}
        for path in paths:
            response = await client.get(path)
            found[path] = (response.status, await response.text())
        return found


def test_only_metrics_is_served_and_officer_state_cannot_be_read_over_http() -> None:
    settings = ServiceSettings(bootstrap="127.0.0.1:9092", store="memory")
    worker = WatchfloorWorker(settings, load_config())
    # An officer with state, so that a view that reads tables would have something to show.
    worker.states.data[OFFICER.encode()] = OfficerState(OFFICER).to_bytes()

    statuses = asyncio.run(_statuses(worker, ["/metrics", "/", *FAUST_VIEWS]))

    status, body = statuses.pop("/metrics")
    assert status == 200
    assert "watchfloor_events_processed_total" in body
    # Faust's plain index, in place of its statistics: says the server is up, nothing more.
    assert statuses.pop("/") == (200, '{"status":"OK"}')
    assert {path: status for path, (status, _) in statuses.items()} == dict.fromkeys(
        FAUST_VIEWS, 404
    )
    assert not any(OFFICER in body for _, body in statuses.values())
