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


# Everything the detector core imports today. A new import (a clock, a socket, a random source,
# a library) must be added here on purpose, after checking it keeps the core pure.
ALLOWED_IN_DETECTORS = frozenset(
    {
        # standard library
        "__future__",
        "array",
        "bisect",
        "collections",
        "copy",
        "dataclasses",
        "datetime",
        "hashlib",
        "importlib",
        "itertools",
        "math",
        "pathlib",
        "pickle",
        "statistics",
        "struct",
        "sys",
        "tomllib",
        "typing",
        "zlib",
        "zoneinfo",
        # third party
        "msgspec",
        "orjson",
        "river",
        # our own
        "detectors",
        "schemas",
    }
)


def test_detectors_import_only_what_is_allowed() -> None:
    offenders = {
        str(path.relative_to(REPO_ROOT)): sorted(_imported_roots(path) - ALLOWED_IN_DETECTORS)
        for path in sorted((REPO_ROOT / "detectors").rglob("*.py"))
    }
    assert {name: bad for name, bad in offenders.items() if bad} == {}


# Reading these makes a result depend on when or where it ran: the core's "now" is an event's
# time, and its randomness is seeded from the configuration.
WALL_CLOCK = frozenset(
    {
        "time.time",
        "time.time_ns",
        "time.monotonic",
        "time.monotonic_ns",
        "time.perf_counter",
        "time.perf_counter_ns",
        "time.process_time",
        "time.clock_gettime",
        "time.localtime",
        "time.gmtime",
        "time.ctime",
        "time.asctime",
        "time.strftime",
        "datetime.datetime.now",
        "datetime.datetime.utcnow",
        "datetime.datetime.today",
        "datetime.date.today",
    }
)
UNSEEDED = frozenset(
    {"os.urandom", "os.getrandom", "uuid.uuid1", "uuid.uuid4", "random.SystemRandom"}
)
# Random generators that are fine given a seed, and draw from the operating system without one.
SEEDABLE = frozenset(
    {
        "random.Random",
        "numpy.random.default_rng",
        "numpy.random.RandomState",
        "numpy.random.Generator",
    }
)


def _import_aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> the dotted name it was imported as (`from datetime import date` gives
    ``date -> datetime.date``)."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    root = alias.name.split(".")[0]
                    aliases[root] = root
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def _dotted(node: ast.expr, aliases: dict[str, str]) -> str | None:
    """The imported dotted name `node` refers to, or None (a local, an attribute of one)."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in aliases:
        return None
    return ".".join([aliases[node.id], *reversed(parts)])


def _impure_calls(source: str, filename: str = "<source>") -> list[str]:
    """``line: name`` of every wall-clock read or unseeded random source in `source`."""
    tree = ast.parse(source, filename=filename)
    aliases = _import_aliases(tree)
    found: set[tuple[int, str]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _dotted(node.func, aliases)
            if name in SEEDABLE and not node.args and not node.keywords:
                found.add((node.lineno, f"{name}() without a seed"))
        elif isinstance(node, ast.Attribute | ast.Name):
            name = _dotted(node, aliases)
            if name is None:
                continue
            if (
                name in WALL_CLOCK
                or name in UNSEEDED
                or name.startswith("secrets.")
                # The module-level functions share one generator seeded from the system.
                or (name.startswith("random.") and name not in SEEDABLE)
                or (name.startswith("numpy.random.") and name not in SEEDABLE)
            ):
                found.add((node.lineno, name))
    return [f"{line}: {name}" for line, name in sorted(found)]


@pytest.mark.parametrize("package", ["detectors", "schemas"])
def test_core_reads_no_wall_clock_and_no_unseeded_randomness(package: str) -> None:
    offenders = {
        str(path.relative_to(REPO_ROOT)): _impure_calls(path.read_text(), str(path))
        for path in sorted((REPO_ROOT / package).rglob("*.py"))
    }
    assert {name: bad for name, bad in offenders.items() if bad} == {}


def test_purity_check_sees_clocks_and_unseeded_randomness() -> None:
    # Guards the guard, one form of each.
    source = """
import time, random, os, uuid
import numpy as np
from datetime import UTC, date, datetime
from time import monotonic as tick
a = time.time(); b = tick(); c = datetime.now(UTC); d = date.today()
e = random.random(); f = random.Random(); g = np.random.rand(3); h = os.urandom(4)
i = uuid.uuid4(); j = np.random.default_rng()
ok = (random.Random(7), np.random.default_rng(7), datetime.fromtimestamp(0, UTC))
rng = random.Random(3); ok2 = rng.random()
"""
    assert _impure_calls(source) == [
        "6: datetime.date.today",
        "6: datetime.datetime.now",
        "6: time.monotonic",
        "6: time.time",
        "7: numpy.random.rand",
        "7: os.urandom",
        "7: random.Random() without a seed",
        "7: random.random",
        "8: numpy.random.default_rng() without a seed",
        "8: uuid.uuid4",
    ]


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
