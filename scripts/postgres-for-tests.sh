#!/usr/bin/env bash
# Start Debian's PostgreSQL on 127.0.0.1 and create the test role and database (idempotent).
# Prints the SQLAlchemy URL to use as HUB_TEST_POSTGRES_URL; prints nothing if PostgreSQL is absent.
set -euo pipefail
command -v pg_lsclusters >/dev/null 2>&1 || exit 0
cluster=$(pg_lsclusters --no-header | awk 'NR==1 {print $1" "$2}')
[ -n "$cluster" ] || { echo "no PostgreSQL cluster found" >&2; exit 1; }
version=${cluster% *}; name=${cluster#* }
port=$(pg_lsclusters --no-header | awk 'NR==1 {print $3}')
if ! pg_lsclusters --no-header | awk 'NR==1 {print $4}' | grep -q online; then
  pg_ctlcluster "$version" "$name" start -- -o "-c listen_addresses=127.0.0.1" >&2
fi
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }
for _ in $(seq 1 30); do as_postgres psql -p "$port" -Atqc 'select 1' >/dev/null 2>&1 && break; sleep 1; done
as_postgres psql -p "$port" -v ON_ERROR_STOP=1 -Atq >&2 <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hub_test') THEN
    CREATE ROLE hub_test LOGIN PASSWORD 'hub_test' CREATEDB;
  END IF;
END \$\$;
SQL
# hub_test for the suite; hub_faults for the fault tests, which cut and restore connections to their own database.
for database in hub_test hub_faults; do
  if ! as_postgres psql -p "$port" -Atqc "select 1 from pg_database where datname='$database'" | grep -q 1; then
    as_postgres createdb -p "$port" -O hub_test "$database" >&2
  fi
done
echo "postgresql+psycopg://hub_test:hub_test@127.0.0.1:${port}/hub_test"
