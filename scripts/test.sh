#!/usr/bin/env bash
# The test suite, after ruff, mypy and import-linter: SQLite always; PostgreSQL too when Debian's postgresql is installed; Neo4j is started by
# the tests themselves (Java 17 and Maven fetch it from Maven Central on first use).
set -euo pipefail
cd "$(dirname "$0")/.."
# Static checks first: lint, types, and the layers (also a test, tests/test_architecture.py).
.venv/bin/ruff check .
.venv/bin/mypy
.venv/bin/lint-imports --no-cache >/dev/null
if [ -z "${HUB_TEST_POSTGRES_URL:-}" ]; then
  HUB_TEST_POSTGRES_URL=$(bash scripts/postgres-for-tests.sh || true)
  export HUB_TEST_POSTGRES_URL
fi
if [ -n "$HUB_TEST_POSTGRES_URL" ]; then
  echo "tests run on SQLite and on PostgreSQL ($HUB_TEST_POSTGRES_URL)"
else
  echo "PostgreSQL is not installed (apt-get install postgresql): tests run on SQLite only"
fi
exec .venv/bin/python -m pytest "$@"
