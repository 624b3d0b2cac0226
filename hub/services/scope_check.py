"""Whether rows not written yet would fall inside a row scope, decided by the database without writing them.

A row scope is a SQL predicate over a table's columns (policies/scopes.py). Here the same predicate is
evaluated over candidate rows given as literals (`SELECT <values> UNION ALL ...`), its columns of the
table swapped for the candidates' columns; every other part of it (the owner cadre's lookup, the
caller's jurisdiction) stays as it is. Nothing is written, so no write lock is taken.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Column, ColumnElement, Integer, Select, Table, bindparam, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql import visitors
from sqlalchemy.sql.util import ClauseAdapter

# Candidates per statement: SQLite allows at most 500 terms in one compound SELECT.
CHUNK_SIZE = 250
INDEX_COLUMN = "candidate_index"


def _table_columns(clause: ColumnElement[bool], table: Table) -> list[Column[Any]]:
    """The columns of `table` (not of aliases of it) that `clause` reads."""
    found: dict[str, Column[Any]] = {}
    for element in visitors.iterate(clause):
        if isinstance(element, Column) and element.table is table:
            found[element.key] = element
    return list(found.values())


def _value(column: Column[Any], row: Mapping[str, Any]) -> Any:
    """The row's value, or the column's scalar default as an insert would apply it (None without one)."""
    if column.key in row:
        return row[column.key]
    default = column.default
    if default is not None and getattr(default, "is_scalar", False):
        return default.arg  # type: ignore[attr-defined]
    return None


@lru_cache(maxsize=128)
def _inside_statement(table: Table, clause: ColumnElement[bool], size: int) -> tuple[Select[Any], tuple[Column[Any], ...]]:
    """`SELECT index FROM (<size> candidate rows as parameters) WHERE clause`, built once per clause and size."""
    columns = tuple(_table_columns(clause, table))
    selects = [
        select(
            bindparam(f"i{row}", type_=Integer).label(INDEX_COLUMN),
            *(bindparam(f"v{row}_{position}", type_=column.type).label(column.name)
              for position, column in enumerate(columns)),
        )
        for row in range(size)
    ]
    candidates = (union_all(*selects) if size > 1 else selects[0]).subquery("candidate")
    adapter = ClauseAdapter(candidates, include_fn=lambda element: getattr(element, "table", None) is table,
                            adapt_on_names=True)
    return select(candidates.c[INDEX_COLUMN]).where(adapter.traverse(clause)), columns


def rows_inside(session: Session, table: Table, clause: ColumnElement[bool], rows: Sequence[Mapping[str, Any]]) -> set[int]:
    """Positions (in `rows`) of the candidate rows for which `clause` holds; an unknown (NULL) answer is outside."""
    inside: set[int] = set()
    for start in range(0, len(rows), CHUNK_SIZE):
        chunk = rows[start : start + CHUNK_SIZE]
        statement, columns = _inside_statement(table, clause, len(chunk))
        parameters: dict[str, Any] = {}
        for offset, row in enumerate(chunk):
            parameters[f"i{offset}"] = start + offset
            for position, column in enumerate(columns):
                parameters[f"v{offset}_{position}"] = _value(column, row)
        inside.update(session.scalars(statement, parameters))
    return inside
