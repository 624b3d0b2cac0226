"""Row scopes checked from a visible parent select exactly the rows the full scope selects, for every link and agency.

Loaders reading the children of visible rows (or the rows visible rows point to) ask the scope what is left
to check (`children_of_visible`, `referenced_by_visible`). These tests compare that shortcut with the full
predicate over every foreign key of the schema, on the hand-made world and on a seeded database.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select

from hub.access import Principal
from hub.models import Base
from hub.seed import seed_database
from policies.enforcement import PolicyStore

AGENCIES = [
    "org", "discipline", "police", "court", "procuratorate", "audit", "petition", "unit", "inspector", "security",
    "health", "ecology", "emergency", "political_legal", "finance", "market", "real_estate", "banking", "securities",
]
FOREIGN_KEYS = [
    (table, column, next(iter(column.foreign_keys)).column.table)
    for table in Base.metadata.sorted_tables
    for column in table.columns
    if column.foreign_keys and "id" in table.c  # rows of their own (not a link keyed by its columns alone)
]


def principals(agency: str) -> list[Principal]:
    unit = 1 if agency == "unit" else None
    return [
        Principal(user="u", agency=agency, jurisdiction="huzhou", level="city", unit_id=unit),
        Principal(user="u", agency=agency, jurisdiction="huzhou", level="county", unit_id=unit),
    ]


def ids(engine: Engine, statement: Any) -> set[int]:
    with engine.connect() as connection:
        return set(connection.scalars(statement))


def check_every_link(engine: Engine, store: PolicyStore, agency: str) -> None:
    for who in principals(agency):
        rows = store.view(who)[0].rows
        for table, column, parent in FOREIGN_KEYS:
            visible_parents = select(parent.c.id).where(rows.clause(parent.name))
            visible = ids(engine, select(table.c.id).where(rows.clause(table.name)))
            # children of visible parents: the shortcut selects exactly the visible rows among them
            shortcut = rows.children_of_visible(table.name, column.key, parent.name)
            children = ids(engine, select(table.c.id).where(shortcut, column.in_(visible_parents)))
            expected = ids(engine, select(table.c.id).where(rows.clause(table.name), column.in_(visible_parents)))
            assert children == expected, (who, table.name, column.key)
            assert children <= visible
            # rows that visible rows point to: again exactly the visible rows among them
            pointed_to = select(column).where(rows.clause(table.name))
            shortcut = rows.referenced_by_visible(parent.name, table.name, column.key)
            referenced = ids(engine, select(parent.c.id).where(shortcut, parent.c.id.in_(pointed_to)))
            expected = ids(engine, select(parent.c.id).where(rows.clause(parent.name), parent.c.id.in_(pointed_to)))
            assert referenced == expected, (who, parent.name, table.name, column.key)


@pytest.mark.parametrize("agency", AGENCIES)
def test_scope_shortcuts_on_the_world(agency: str, world: Engine, policy_store: PolicyStore) -> None:
    check_every_link(world, policy_store, agency)


def test_scope_shortcuts_on_a_seeded_database(engine: Engine, policy_store: PolicyStore) -> None:
    seed_database(engine, cadres=200, seed=5, progress=False)
    for agency in AGENCIES:
        check_every_link(engine, policy_store, agency)


def test_shortcuts_apply_where_the_policy_makes_them_safe(policy_store: PolicyStore) -> None:
    org = policy_store.view(principals("org")[0])[0].rows
    police = policy_store.view(principals("police")[0])[0].rows
    assert str(org.children_of_visible("kinship", "cadre_id", "cadre")) == "true"
    assert str(org.referenced_by_visible("person", "kinship", "person_id")) == "true"
    assert str(org.referenced_by_visible("cadre", "negative_record", "cadre_id")) == "true"
    assert "reporting_agency" in str(police.children_of_visible("negative_record", "cadre_id", "cadre"))
    assert str(org.children_of_visible("kinship", "person_id", "person")) != "true"
    assert str(org.referenced_by_visible("cadre", "social_tie", "other_cadre_id")) != "true"
