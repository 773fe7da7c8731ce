"""Fixtures shared by the integration tests: deployments of real workers on a real broker."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.integration.service_support import Deployment

DeploymentFactory = Callable[..., Deployment]


@pytest.fixture
def deployment_factory(
    unique_name: Callable[[str], str], tmp_path: Path
) -> Iterator[DeploymentFactory]:
    """Makes deployments (own topics, app id, state) on a broker; stops their workers and
    deletes their topics after."""
    made: list[Deployment] = []

    def make(
        bootstrap: str, *, partitions: int = 4, worker_bootstrap: str | None = None
    ) -> Deployment:
        deployment = Deployment(
            bootstrap=bootstrap,
            worker_bootstrap=worker_bootstrap,
            prefix=unique_name("wf"),
            app_id=unique_name("app"),
            partitions=partitions,
            root=tmp_path,
        )
        made.append(deployment)
        deployment.create_topics()
        return deployment

    yield make
    for deployment in made:
        deployment.stop_all()
    for deployment in made:
        try:
            deployment.delete_topics()
        except Exception as error:  # a test's broker may be gone by now
            warnings.warn(f"topics of {deployment.prefix} left behind: {error!r}", stacklevel=1)


@pytest.fixture
def deployment(kafka_bootstrap: str, deployment_factory: DeploymentFactory) -> Deployment:
    """One deployment over four partitions on the session's broker."""
    return deployment_factory(kafka_bootstrap)
