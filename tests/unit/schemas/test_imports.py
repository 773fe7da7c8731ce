"""schemas/ is the bottom layer: it imports only the standard library, msgspec and orjson."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import schemas

PACKAGE = Path(schemas.__file__).parent
ALLOWED_THIRD_PARTY = {"msgspec", "orjson"}


def test_schema_modules_import_only_stdlib_msgspec_orjson_and_themselves() -> None:
    imported: set[str] = set()
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module.split(".")[0])

    foreign = imported - set(sys.stdlib_module_names) - ALLOWED_THIRD_PARTY - {"schemas"}
    assert foreign == set()


def test_importing_schemas_loads_no_streaming_or_metrics_library() -> None:
    code = "import sys, schemas, schemas.publish; print(' '.join(sorted(sys.modules)))"
    loaded = set(
        subprocess.run(
            [sys.executable, "-c", code],
            check=True,
            capture_output=True,
            text=True,
            cwd=PACKAGE.parent,
        ).stdout.split()
    )

    forbidden = {
        "faust",
        "kafka",
        "aiokafka",
        "prometheus_client",
        "streams",
        "detectors",
        "pydantic",
        "river",
    }
    assert loaded & forbidden == set()
