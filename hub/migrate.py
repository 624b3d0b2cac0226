"""Schema migrations through Alembic, configured in code so that no alembic.ini is needed."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to `revision`; safe to run again on an up-to-date database."""
    _migrate(engine, lambda config: command.upgrade(config, revision))


def downgrade(engine: Engine, revision: str) -> None:
    _migrate(engine, lambda config: command.downgrade(config, revision))


def _migrate(engine: Engine, run: Callable[[Config], None]) -> None:
    """Run the migrations in one transaction.

    On SQLite a constraint changes by rebuilding its table (Alembic's batch mode), and dropping the old table would
    delete or null, through their foreign keys, the rows of other tables that point to it. So foreign keys are not
    enforced while migrating (SQLite only honours that outside a transaction) and checked before committing.
    """
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _set_foreign_keys(connection, enforced=False)
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                run(config)
                if sqlite and (broken := connection.exec_driver_sql("PRAGMA foreign_key_check").first()):
                    raise RuntimeError(f"the migration left a row of {broken[0]} pointing to a missing {broken[2]}")
        finally:
            if sqlite:
                _set_foreign_keys(connection, enforced=True)


def _set_foreign_keys(connection: Connection, *, enforced: bool) -> None:
    connection.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if enforced else 'OFF'}")
    connection.commit()


class SchemaState(Enum):
    CURRENT = "ok"
    NOT_MIGRATED = "not migrated"  # no schema at all, or an older revision: `hub db upgrade` fixes it
    UNKNOWN_REVISION = "unknown revision"  # migrated by a newer version of the hub


@lru_cache(maxsize=1)
def head_revisions() -> frozenset[str]:
    return frozenset(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def schema_state(connection: Connection) -> SchemaState:
    """Whether the database's Alembic revision is the code's head (reads alembic_version only)."""
    current = frozenset(MigrationContext.configure(connection).get_current_heads())
    if current == head_revisions():
        return SchemaState.CURRENT
    known = {revision.revision for revision in ScriptDirectory.from_config(alembic_config("sqlite://")).walk_revisions()}
    return SchemaState.NOT_MIGRATED if current <= known else SchemaState.UNKNOWN_REVISION
