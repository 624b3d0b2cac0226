"""Schema migrations through Alembic, configured in code so that no alembic.ini is needed."""

from __future__ import annotations

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
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


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
