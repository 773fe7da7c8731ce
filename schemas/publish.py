"""Write, or check, the published schema files generated from the runtime models.

Run ``python -m schemas.publish`` after changing a model to regenerate
``schemas/jsonschema/v1/*.json`` and ``schemas/asyncapi.yaml``, and
``python -m schemas.publish --check`` to fail (exit 1) if any is stale.

Examples
--------
>>> files = published_files()
>>> sorted(files)[:2]
['asyncapi.yaml', 'jsonschema/v1/access.json']
>>> files["asyncapi.yaml"].splitlines()[1]
'asyncapi: "3.0.0"'
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Final

from schemas.asyncapi import asyncapi_document, to_yaml
from schemas.jsonschemas import json_schemas

__all__ = ["PACKAGE_DIR", "main", "published_files", "stale_files"]

PACKAGE_DIR: Final = Path(__file__).resolve().parent

_YAML_HEADER: Final = (
    "# Generated from schemas/topics.py by `python -m schemas.publish`; do not edit by hand.\n"
)


def published_files() -> dict[str, str]:
    """Every published file's text, keyed by its path relative to the ``schemas`` package."""
    files = {
        f"jsonschema/v1/{name}": json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
        for name, doc in json_schemas().items()
    }
    files["asyncapi.yaml"] = _YAML_HEADER + to_yaml(asyncapi_document())
    return dict(sorted(files.items()))


def stale_files(root: Path = PACKAGE_DIR) -> list[str]:
    """Paths under ``root`` whose content differs from what the models generate."""
    stale = []
    for relative, text in published_files().items():
        path = root / relative
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(relative)
    return stale


def main(argv: list[str] | None = None) -> int:
    """Regenerate the published files, or with ``--check`` report stale ones."""
    parser = argparse.ArgumentParser(prog="python -m schemas.publish", description=__doc__)
    parser.add_argument("--check", action="store_true", help="only report stale files")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files()
        for relative in stale:
            print(f"stale: schemas/{relative}", file=sys.stderr)
        return 1 if stale else 0
    for relative, text in published_files().items():
        path = PACKAGE_DIR / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote schemas/{relative}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
