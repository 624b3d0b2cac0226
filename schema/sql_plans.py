"""Plans of `schema.sql_reads` compiled to SQL text once per query shape, then run with bound values.

Building the statement's expression tree and SQLAlchemy's cache key of it costs more than PostgreSQL takes to run
it, so a compiled plan is kept per (agency schema, operation field, `@skip`/`@include` switches, row scope,
dialect, filter structure, sort keys). Everything a request varies is a bound parameter: the page bounds and
record id (named), and the values inside the scope and filter clauses (found by position in the clauses' own
cache key, the way SQLAlchemy reuses a compiled statement). Nothing of one request's values stays in the plan.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ClauseList

from schema.sql_reads import Plan, SqlPage, SqlRecord, parameters

MAX_PLANS = 512
Processor = Any  # a SQLAlchemy bind processor (a callable from a Python value to the driver's), or None


@dataclass(frozen=True)
class PreparedPlan:
    sql: str
    build: Callable[[Any, Any], Any]
    where_names: tuple[str, ...]  # the compiled names of the where clauses' parameters, in their cache key's order
    processors: dict[str, Processor]
    constants: dict[str, Any]  # processed values of the parameters no request varies
    positions: tuple[str, ...] | None  # parameter order for a positional driver (SQLite)
    kept: tuple[Any, ...]  # the objects whose ids are in the plan's key, kept alive with it

    def run(self, read: SqlPage | SqlRecord, where_values: list[Any]) -> Any:
        values = dict(self.constants)
        for name, value in zip(self.where_names, where_values, strict=True):
            values[name] = _processed(self.processors[name], value)
        for name, value in parameters(read).items():
            values[name] = _processed(self.processors[name], value)
        bound: Any = values if self.positions is None else tuple(values[name] for name in self.positions)
        row = read.connection().exec_driver_sql(self.sql, bound).first()
        return self.build(row, read)


def _processed(processor: Processor, value: Any) -> Any:
    return value if processor is None or value is None else processor(value)


_PLANS: dict[Hashable, PreparedPlan] = {}


def where_key(read: SqlPage | SqlRecord) -> tuple[Any, list[Any]] | None:
    """(structure, the bound values in order) of the read's scope and filter clauses; None if not cacheable."""
    where = read.where if isinstance(read, SqlPage) else ()
    if not where:
        return (), []
    key = ClauseList(*where)._generate_cache_key()
    if key is None:
        return None
    return key.key, [bind.effective_value for bind in key.bindparams]


def plan_key(schema: Any, node: Any, switches: Hashable, read: SqlPage | SqlRecord, structure: Any) -> Hashable:
    order = tuple((key.field.value, key.direction) for key in read.order_by) if isinstance(read, SqlPage) else ()
    return (id(schema), id(node), switches, type(read), read.rows, read.dialect, structure, order)


def cached(key: Hashable) -> PreparedPlan | None:
    return _PLANS.get(key)


def prepare(key: Hashable, plan: Plan, read: SqlPage | SqlRecord, kept: tuple[Any, ...]) -> PreparedPlan | None:
    """Compile `plan` for the read's dialect and keep it under `key`; None when its parameters cannot be mapped."""
    dialect = read.connection().dialect
    compiled = plan.statement.compile(dialect=dialect)
    if compiled.literal_execute_params or compiled.post_compile_params:
        return None
    where = read.where if isinstance(read, SqlPage) else ()
    where_key = ClauseList(*where)._generate_cache_key() if where else None
    where_binds = where_key.bindparams if where_key is not None else []
    names = []
    for bind in where_binds:
        name = compiled.bind_names.get(bind)
        if name is None:
            return None
        names.append(name)
    processors = {name: bind.type._cached_bind_processor(dialect) for name, bind in compiled.binds.items()}
    raw = compiled.construct_params(params=parameters(read))
    constants = {name: _processed(processors.get(name), value) for name, value in raw.items()}
    positions = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup is not None else None
    prepared = PreparedPlan(compiled.string, plan.build, tuple(names), processors, constants, positions, kept)
    if len(_PLANS) >= MAX_PLANS:
        _PLANS.clear()
    _PLANS[key] = prepared
    return prepared
