#!/usr/bin/env bash
# Sets up watchfloor in ./.venv: the package, its dependencies, the dev tools, and the Apache
# Kafka broker jars (resolved by Maven into ~/.cache/watchfloor, reused afterwards).
# Safe to run again: every step is skipped or quick when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

python="${PYTHON:-python3}"
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "watchfloor needs Python 3.11 or newer as \`$python\` (set PYTHON=... to choose one)" >&2
    exit 1
fi
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev,rocksdb]'

if command -v java >/dev/null && command -v mvn >/dev/null; then
    .venv/bin/watchfloor kafka fetch >/dev/null
else
    # Not fatal: a configured WATCHFLOOR_KAFKA_BOOTSTRAP or Docker needs no local jars, and
    # `watchfloor kafka start` explains what to install when they are needed.
    echo "note: java or mvn is missing, so the local Kafka broker jars were not fetched" >&2
fi
echo "watchfloor is installed in $(pwd)/.venv" >&2
