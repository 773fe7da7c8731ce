"""The README's two set-up commands stay the ones that CI and users actually run."""

from __future__ import annotations

import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_COMMAND = "deploy/install.sh && .venv/bin/watchfloor demo"
TEST_COMMAND = "deploy/install.sh && .venv/bin/python -m pytest"


def _shell_blocks(text: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL)


def test_readme_gives_exactly_the_two_set_up_commands_first() -> None:
    blocks = _shell_blocks((REPO_ROOT / "README.md").read_text())
    assert [block.strip() for block in blocks[:2]] == [DEMO_COMMAND, TEST_COMMAND]


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    ci_lines = (REPO_ROOT / ".ci" / "run").read_text().splitlines()
    assert TEST_COMMAND in ci_lines
