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
# Two pytest workers share the machine's cores (HUB_TEST_WORKERS; 1 runs everything in one process). Each worker has
# its own Neo4j and its own PostgreSQL database; the tests marked `serial` (they time themselves or run servers of
# their own) run after, alone.
workers=${HUB_TEST_WORKERS:-$(( $(nproc) < 2 ? 1 : 2 ))}
if [ "$workers" -le 1 ]; then
  exec .venv/bin/python -m pytest "$@"
fi
status=0
.venv/bin/python -m pytest -n "$workers" --dist loadfile -m "not serial" --durations=25 "$@" || status=$?
serial=0
.venv/bin/python -m pytest -m serial "$@" || serial=$?
# 5: no test selected (arguments naming only one part's tests)
[ "$status" -eq 5 ] && [ "$serial" -ne 5 ] && status=0
[ "$serial" -eq 5 ] && serial=0
[ "$status" -ne 0 ] && exit "$status"
exit "$serial"
