"""A deployment's pseudonym key, recorded by its first worker: another key (or none) is refused.

Workers here use the memory store and state directories of their own, so what a restarted worker
knows of the deployment comes from the broker only, as after a move to a new machine.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from streams.pseudonym import Pseudonymiser
from tests.integration.conftest import DeploymentFactory
from tests.integration.service_support import REPO_ROOT, Deployment, WorkerProcess

KEY_A = b"key-guard-test-key-A-0123456789abcdef-0123456789"
KEY_B = b"key-guard-test-key-B-0123456789abcdef-0123456789"
# A refusal comes before Faust starts: the broker check, topics and one small topic read.
REFUSAL_DEADLINE_S = 90.0


def _key_env(root: Path, name: str, key: bytes | None) -> dict[str, str]:
    """Environment that gives a worker `key` (a file), or no key at all."""
    if key is None:
        return {}
    path = root / f"{name}.key"
    path.write_bytes(key)
    return {"WATCHFLOOR_PSEUDONYM_KEY_FILE": str(path)}


def _refused(deployment: Deployment, name: str, key: bytes | None) -> str:
    """Run a worker that must refuse to start; its stderr."""
    worker = WorkerProcess(deployment, name, {})
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("WATCHFLOOR_PSEUDONYM")},
        **_key_env(deployment.root, name, key),
    }
    began = time.monotonic()
    done = subprocess.run(
        worker.command(),
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=REFUSAL_DEADLINE_S,
        check=False,
    )
    assert done.returncode == 1, f"exit {done.returncode}:\n{done.stderr[-3000:]}"
    assert time.monotonic() - began < REFUSAL_DEADLINE_S
    assert "[^Worker]: Ready" not in done.stderr + done.stdout
    return done.stderr.strip().splitlines()[-1]


def test_a_worker_with_another_pseudonym_key_or_none_refuses_to_start(
    kafka_bootstrap: str, deployment_factory: DeploymentFactory
) -> None:
    deployment = deployment_factory(kafka_bootstrap, partitions=2)
    root = deployment.root
    first = deployment.start_worker("key-a", extra_env=_key_env(root, "a", KEY_A))
    assert first.stop() == 0, first.log_tail()

    fingerprint_a = Pseudonymiser(KEY_A).fingerprint
    other = _refused(deployment, "key-b", KEY_B)
    assert other.startswith("watchfloor serve: refusing to start: the state of app id"), other
    assert f"built with the pseudonym key with fingerprint {fingerprint_a}" in other
    assert f"fingerprint {Pseudonymiser(KEY_B).fingerprint}" in other
    assert "Start it with the deployment's key" in other
    # Neither key itself shows anywhere.
    assert KEY_A.decode() not in other and KEY_B.decode() not in other

    none = _refused(deployment, "no-key", None)
    assert "this worker has no pseudonym key" in none, none

    again = deployment.start_worker("key-a-again", extra_env=_key_env(root, "a", KEY_A))
    assert again.stop() == 0, again.log_tail()


def test_a_deployment_started_without_a_key_refuses_one_later(
    kafka_bootstrap: str, deployment_factory: DeploymentFactory
) -> None:
    deployment = deployment_factory(kafka_bootstrap, partitions=2)
    first = deployment.start_worker("no-key")
    assert first.stop() == 0, first.log_tail()

    keyed = _refused(deployment, "key-a", KEY_A)
    assert "built with no pseudonym key" in keyed, keyed
    assert "Start it without a key" in keyed, keyed
