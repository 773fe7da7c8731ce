"""The code-quality gates run with the tests: ruff, ruff format, mypy --strict, layering."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("streams", "detectors", "schemas")
# The pure core may not reach I/O: schemas <- detectors <- streams, never the other way.
FORBIDDEN_IN_CORE = ("streams", "faust", "mode", "kafka", "aiokafka", "prometheus_client")


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *command], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )


def test_ruff_finds_no_lint() -> None:
    result = _run("ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_leaves_every_file_unchanged() -> None:
    result = _run("ruff", "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_mypy_strict_passes_on_the_packages() -> None:
    result = _run("mypy", "--strict", *PACKAGES)
    assert result.returncode == 0, result.stdout + result.stderr


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", ["detectors", "schemas"])
def test_core_package_imports_nothing_from_the_io_layer(package: str) -> None:
    offenders = {
        str(path.relative_to(REPO_ROOT)): sorted(_imported_roots(path) & set(FORBIDDEN_IN_CORE))
        for path in sorted((REPO_ROOT / package).rglob("*.py"))
    }
    assert {name: bad for name, bad in offenders.items() if bad} == {}


def test_schemas_do_not_import_detectors() -> None:
    offenders = [
        str(path.relative_to(REPO_ROOT))
        for path in sorted((REPO_ROOT / "schemas").rglob("*.py"))
        if "detectors" in _imported_roots(path)
    ]
    assert offenders == []


def test_import_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    # Guards the guard: a module that imports kafka must be reported.
    module = tmp_path / "bad.py"
    module.write_text("import kafka.admin\nfrom streams.cli import main\n")
    assert _imported_roots(module) >= {"kafka", "streams"}
