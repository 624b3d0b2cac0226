"""Reading a page of cadres, or one cadre, with its whole selection in one SQL statement that returns JSON text.

The list and record resolvers (`schema.queries`) hand the executor a `SqlPage` or a `SqlRecord`: what to read and
how to read it the ordinary way. The executor (`schema.executor`) asks `compile_page` / `compile_record` for a
plan of the field's selection (collected by graphql-core, so fragments, aliases, `@skip` and `@include` are
already applied). A plan is one statement: each object a `json_build_object` (SQLite: `json_object`) of its
response names in order, each list a `coalesce(json_agg(... ORDER BY ...), '[]')` (SQLite: `json_group_array`
over an ordered subquery) in a correlated subquery, masks as SQL expressions and every row filtered by the same
predicates the loaders use (`RowScope.clause`, `children_of_visible`, `referenced_by_visible`). The connection's
own fields (cursors, page info, total count) are filled in Python from the page's positions.

A selection the plan cannot read exactly as the executor would yields no plan, and the value is read the
ordinary way: a field with arguments or a resolver of its own, a directive other than `@skip`/`@include`, a
type whose JSON form may differ (floats, decimals, date-times, IDs), a table met twice on one path, a relation
whose rows would name other cadres for the access audit, more than 50 fields in one object. An enum value
that the GraphQL enum cannot name comes back as a marker, and the whole field is read again the ordinary way
(where it is an error, as before).

For the access audit, the plan returns the ids of the page's cadres beside the JSON: the relations a plan
follows (units, posts, a cadre's own tenures, negative records, reports, ...) name no other cadre, so these
are exactly the cadres the loaders would have noted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLString,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from sqlalchemy import (
    JSON,
    BindParameter,
    Boolean,
    ColumnElement,
    Date,
    DateTime,
    Enum,
    FromClause,
    Integer,
    Select,
    String,
    Table,
    Text,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    not_,
    null,
    select,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by

from hub import models
from hub.access import RowScope
from policies.schema_view import mask_text
from schema.filters import SortDirection, snake
from schema.json_text import JsonText
from schema.pagination import encode_cursor
from schema.read_cadres import CADRE_COLUMNS, DEFAULT_CADRE_COLUMNS, LINKED_CADRES
from schema.relations import Children, CurrentPosts, Reference

# Stands where an enum value would be that the GraphQL enum cannot name: the ordinary path reports the error.
UNNAMED_ENUM_VALUE = "\u2063hub:unnamed-enum-value\u2063"
MAX_OBJECT_FIELDS = 50  # PostgreSQL functions take at most 100 arguments: 50 keys and values
TYPENAME = "__typename"
ID_NUMBER_LENGTH, ID_REGION_LENGTH = 18, 6

# (object type, field details) -> the grouped field set, or None when it cannot be compiled (deferred fragments).
Collect = Callable[[GraphQLObjectType, FieldDetailsList], GroupedFieldSet | None]


@dataclass
class SqlPage:
    """A page of `model` rows: the resolver's filtered, scoped and ordered read, to run in one statement if the
    selection allows, else through `fallback` (the ordinary connection)."""

    model: type[models.Base]
    where: Sequence[ColumnElement[bool]]
    order_by: Sequence[Any]  # the `<Type>Order` inputs
    size: int
    start: int
    rows: RowScope
    dialect: str
    connection: Callable[[], Any]  # the request's connection (its session's)
    rollback: Callable[[], None]  # ends the request's (read-only) transaction after a failed statement
    fallback: Callable[[], Any]
    on_cadres: Callable[[list[int]], None]
    on_linked: Callable[[str, list[int]], None]  # keys of rows that name their cadres through others (persons)
    splice: bool = False  # JSON read whole goes into the answer as text (`schema.json_text`), not parsed


@dataclass
class SqlRecord:
    """One `model` row by id (None when absent or outside the scope); `fallback` awaits it through the loaders."""

    model: type[models.Base]
    row_id: int
    rows: RowScope
    dialect: str
    connection: Callable[[], Any]  # the request's connection (its session's)
    rollback: Callable[[], None]
    fallback: Callable[[], Any]
    on_cadres: Callable[[list[int]], None]
    splice: bool = False


@dataclass(frozen=True)
class Plan:
    """One statement (its page bounds and record id are the named parameters below) and how its one row becomes
    the completed value of a read (raising Unnamed)."""

    statement: Select[Any]
    build: Callable[[Any, Any], Any]  # (row, the SqlPage or SqlRecord) -> the completed value


PAGE_LIMIT: BindParameter[int] = bindparam("page_limit", type_=Integer)
PAGE_OFFSET: BindParameter[int] = bindparam("page_offset", type_=Integer)
RECORD_ID: BindParameter[int] = bindparam("record_id", type_=Integer)
POSITION = "page_position"  # a page row's place among all the rows the filter selects, from 1


def parameters(read: SqlPage | SqlRecord) -> dict[str, Any]:
    """The values of a plan's named parameters for this read."""
    if isinstance(read, SqlPage):
        return {PAGE_LIMIT.key: read.size + 1, PAGE_OFFSET.key: read.start}
    return {RECORD_ID.key: read.row_id}


class Unnamed(Exception):
    """An enum value the GraphQL enum cannot name: the field must be read the ordinary way."""


def _unwrap(output_type: GraphQLOutputType) -> Any:
    return output_type.of_type if isinstance(output_type, GraphQLNonNull) else output_type


def _quoted(text: str) -> Any:
    return literal_column("'" + text.replace("'", "''") + "'")


class _Compiler:
    def __init__(self, collect: Collect, rows: RowScope, dialect: str, relatives_persons: bool = False) -> None:
        self.collect = collect
        self.rows = rows
        self.postgres = dialect == "postgresql"
        # A page may read the persons of its cadres' relatives: their ids go to the audit's linked keys, as the
        # loaders note them (the persons of every visible kinship of the page's cadres).
        self.relatives_persons = relatives_persons
        self.reads_persons = False

    # -- JSON building blocks of the two dialects

    def json_object(self, pairs: list[tuple[str, Any]]) -> Any:
        arguments = [part for key, value in pairs for part in (_quoted(key), value)]
        return func.json_build_object(*arguments) if self.postgres else func.json_object(*arguments)

    def embedded(self, subquery_value: Any) -> Any:
        """A JSON value read by a subquery, as a value of an enclosing object (SQLite forgets it is JSON)."""
        return subquery_value if self.postgres else func.json(subquery_value)

    def json_list(self, element: Any, source: Select[Any], order: Sequence[Any]) -> Any:
        """The JSON array of `element` over `source`'s rows in `order`; `[]` for none."""
        if self.postgres:
            aggregated = source.with_only_columns(func.json_agg(aggregate_order_by(element, *order)))
            return func.coalesce(aggregated.scalar_subquery(), cast(_quoted("[]"), JSON))
        ordered = source.with_only_columns(element.label("element")).order_by(*order).subquery()
        return func.json(select(func.json_group_array(func.json(ordered.c.element))).scalar_subquery())

    # -- objects and fields

    def object_json(
        self, object_type: GraphQLObjectType, details: FieldDetailsList, source: FromClause, table: str,
        path: frozenset[str],
    ) -> Any | None:
        grouped = self.collect(object_type, details)
        if grouped is None or len(grouped) > MAX_OBJECT_FIELDS:
            return None
        pairs: list[tuple[str, Any]] = []
        for response_name, field_details in grouped.items():
            value = self.field_json(object_type, field_details, source, table, path)
            if value is None:
                return None
            pairs.append((response_name, value))
        return self.json_object(pairs)

    def field_json(
        self, object_type: GraphQLObjectType, details: FieldDetailsList, source: FromClause, table: str,
        path: frozenset[str],
    ) -> Any | None:
        if any(detail.node.arguments or detail.node.directives for detail in details):
            return None
        name = details[0].node.name.value
        if name == TYPENAME:
            return _quoted(object_type.name)
        field = object_type.fields.get(name)
        if field is None or field.args:
            return None
        from schema.executor import _masked_read, _plain_read, _relation  # the executor reads the same fields

        relation = _relation(field)
        if relation is not None:
            return self.relation_json(relation, field.type, details, source, table, path)
        plain = _plain_read(field)
        if plain is not None:
            column = source.c.get(plain[1])
            return None if column is None else self.leaf_json(field.type, column)
        masked = _masked_read(field)
        if masked is not None and masked[2] is mask_text:
            column = source.c.get(masked[1])
            if column is None or not _is_text(column) or _unwrap(field.type) is not GraphQLString:
                return None
            return self.masked_id_number(column)
        return None

    def leaf_json(self, output_type: GraphQLOutputType, column: Any) -> Any | None:
        if isinstance(output_type, GraphQLNonNull) and column.nullable:
            return None  # a null would be an error in the ordinary path
        leaf = _unwrap(output_type)
        column_type = column.type
        if isinstance(leaf, GraphQLEnumType):
            return self.enum_json(leaf, column)
        if leaf is GraphQLInt and isinstance(column_type, Integer):
            return column
        if leaf is GraphQLString and _is_text(column):
            return column
        if leaf is GraphQLBoolean and isinstance(column_type, Boolean):
            if self.postgres:
                return column
            return func.json(case((column, _quoted("true")), (not_(column), _quoted("false"))))
        if getattr(leaf, "name", None) == "Date" and isinstance(column_type, Date) and not isinstance(column_type, DateTime):
            return column  # PostgreSQL writes a date as YYYY-MM-DD; SQLite stores that text
        return None

    def enum_json(self, leaf: GraphQLEnumType, column: Any) -> Any | None:
        column_type = column.type
        stored: dict[Any, Any]
        if isinstance(column_type, Enum) and column_type.enum_class is not None:
            stored = dict(zip(column_type.enums, column_type.enum_class, strict=True))
        elif _is_text(column):
            stored = {value.value: value.value for value in leaf.values.values() if isinstance(value.value, str)}
        else:
            return None
        whens = []
        for database_value, python_value in stored.items():
            try:
                name = leaf.serialize(python_value)
            except Exception:
                continue
            whens.append((column == _quoted(database_value), _quoted(name)))
        return case((column.is_(None), null()), *whens, else_=_quoted(UNNAMED_ENUM_VALUE))

    def masked_id_number(self, column: Any) -> Any:
        """`hub.validation.mask_id_number` in SQL: region and check character of an 18-character number, else stars."""
        length = func.length(column)
        stars = func.repeat(_quoted("*"), length) if self.postgres else func.replace(
            func.hex(func.zeroblob(length)), _quoted("00"), _quoted("*")
        )
        kept = (
            func.substr(column, 1, ID_REGION_LENGTH)
            .op("||")(_quoted("*" * (ID_NUMBER_LENGTH - ID_REGION_LENGTH - 1)))
            .op("||")(func.substr(column, ID_NUMBER_LENGTH, 1))
        )
        return case((column.is_(None), null()), (length == ID_NUMBER_LENGTH, kept), else_=stars)

    # -- relations

    def relation_json(
        self, relation: Any, output_type: GraphQLOutputType, details: FieldDetailsList, source: FromClause,
        table: str, path: frozenset[str],
    ) -> Any | None:
        if isinstance(relation, Reference):
            return self.reference_json(relation, output_type, details, source, table, path)
        if isinstance(relation, Children):
            return self.children_json(relation, output_type, details, source, table, path)
        if isinstance(relation, CurrentPosts) and table == "cadre":
            return self.current_posts_json(output_type, details, source, path)
        return None

    def reference_json(
        self, reference: Reference, output_type: GraphQLOutputType, details: FieldDetailsList, source: FromClause,
        table: str, path: frozenset[str],
    ) -> Any | None:
        target = _table(reference.model)
        object_type = output_type
        foreign_key = source.c.get(reference.foreign_key)
        relatives_person = (
            self.relatives_persons and target.name == "person" and table == "kinship"
            and reference.foreign_key == "person_id" and path == {"cadre", "kinship"}
        )
        if (
            not isinstance(object_type, GraphQLObjectType) or foreign_key is None or target.name in path
            or (_names_cadres(target.name) and not relatives_person)
        ):
            return None
        value = self.object_json(object_type, details, target, target.name, path | {target.name})
        if value is None:
            return None
        self.reads_persons = self.reads_persons or relatives_person
        scope = self.rows.referenced_by_visible(target.name, table, reference.foreign_key)
        found = select(value).where(target.c.id == foreign_key, scope)
        return self.embedded(found.scalar_subquery())

    def children_json(
        self, children: Children, output_type: GraphQLOutputType, details: FieldDetailsList, source: FromClause,
        table: str, path: frozenset[str],
    ) -> Any | None:
        target = _table(children.model)
        column = children.parent_key.key
        object_type = _list_element(output_type)
        own_rows = table == "cadre" and column == "cadre_id" and _names_only_its_cadre(target.name)
        if object_type is None or target.name in path or (_names_cadres(target.name) and not own_rows):
            return None
        value = self.object_json(object_type, details, target, target.name, path | {target.name})
        if value is None:
            return None
        scope = self.rows.children_of_visible(target.name, column, table)
        rows = select(target.c.id).where(target.c[column] == source.c.id, scope).correlate(source)
        order = [*children.order_by, target.c.id]
        return self.json_list(value, rows, order)

    def current_posts_json(
        self, output_type: GraphQLOutputType, details: FieldDetailsList, source: FromClause, path: frozenset[str],
    ) -> Any | None:
        post, tenure = _table(models.Post), _table(models.Tenure)
        object_type = _list_element(output_type)
        if object_type is None or {"post", "tenure"} & path:
            return None
        value = self.object_json(object_type, details, post, "post", path | {"post", "tenure"})
        if value is None:
            return None
        rows = (
            select(post.c.id)
            .select_from(tenure.join(post, post.c.id == tenure.c.post_id))
            .where(tenure.c.cadre_id == source.c.id, tenure.c.end_date.is_(None), self.rows.clause("post"))
            .correlate(source)
        )
        return self.json_list(value, rows, [tenure.c.start_date, post.c.id])


def _table(model: type[models.Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _relatives_persons(compiler: _Compiler, source: FromClause) -> Any:
    """The JSON array of the visible persons that the visible kinships of the cadre in `source` point to."""
    kinship, person = _table(models.Kinship), _table(models.Person)
    rows = (
        select(kinship.c.person_id)
        .select_from(kinship.join(person, person.c.id == kinship.c.person_id))
        .where(
            kinship.c.cadre_id == source.c.id,
            compiler.rows.children_of_visible("kinship", "cadre_id", "cadre"),
            compiler.rows.referenced_by_visible("person", "kinship", "person_id"),
        )
        .correlate(source)
    )
    return compiler.json_list(kinship.c.person_id, rows, [kinship.c.person_id])


def _is_text(column: Any) -> bool:
    return isinstance(column.type, String) and not isinstance(column.type, Enum)


def _list_element(output_type: GraphQLOutputType) -> GraphQLObjectType | None:
    listed = _unwrap(output_type)
    if not isinstance(listed, GraphQLList):
        return None
    element = listed.of_type
    if not isinstance(element, GraphQLNonNull) or not isinstance(element.of_type, GraphQLObjectType):
        return None
    return element.of_type


def _names_cadres(table: str) -> bool:
    """Rows of `table` name cadres for the access audit (directly or through other rows)."""
    if table in LINKED_CADRES or table == "cadre":
        return True
    model_columns = models.Base.metadata.tables[table].c
    return any(column in model_columns for column in CADRE_COLUMNS.get(table, DEFAULT_CADRE_COLUMNS))


def _names_only_its_cadre(table: str) -> bool:
    """Rows of `table` name only the cadre in their `cadre_id` (so a cadre's own rows name that cadre alone)."""
    return table not in LINKED_CADRES and CADRE_COLUMNS.get(table, DEFAULT_CADRE_COLUMNS) == ("cadre_id",)


def _decode(text: Any) -> Any:
    if text is None:
        return None
    if UNNAMED_ENUM_VALUE in text:
        raise Unnamed
    return orjson.loads(text)


def _answered(text: str, splice: bool) -> Any:
    """A value read whole as JSON text: kept as text for the response encoder to copy, or parsed."""
    if UNNAMED_ENUM_VALUE in text:
        raise Unnamed
    return JsonText(text) if splice else orjson.loads(text)


def _scalar_fields(details: FieldDetailsList) -> bool:
    return not any(detail.node.arguments or detail.node.directives for detail in details)


def compile_page(collect: Collect, connection_type: GraphQLObjectType, details: FieldDetailsList, page: SqlPage) -> Plan | None:
    """A plan for a connection field read as `page`, or None when its selection is not compiled."""
    if page.model is not models.Cadre:
        return None
    compiler = _Compiler(collect, page.rows, page.dialect, relatives_persons=True)
    grouped = collect(connection_type, details)
    if grouped is None:
        return None
    table = page.model.__table__
    ordered_table = _order(table, page.order_by)
    rows = (
        select(*table.columns, func.row_number().over(order_by=ordered_table).label(POSITION))
        .where(*page.where).order_by(*ordered_table).offset(PAGE_OFFSET).limit(PAGE_LIMIT).subquery("page")
    )
    node_columns: list[Any] = []  # JSON arrays of the nodes, one per distinct `node` selection
    edge_columns: list[Any] = []  # JSON arrays of whole edges, of the rows shown (not the one past the page)
    fill: list[tuple[str, Callable[[dict[str, Any]], Any]]] = []
    count_wanted = False
    for response_name, field_details in grouped.items():
        if not _scalar_fields(field_details):
            return None
        name = field_details[0].node.name.value
        field = connection_type.fields.get(name)
        if name == TYPENAME:
            type_name = connection_type.name
            fill.append((response_name, lambda _read, type_name=type_name: type_name))  # type: ignore[misc]
        elif name == "totalCount" and field is not None:
            count_wanted = True
            fill.append((response_name, lambda read: read["count"]))
        elif name == "pageInfo" and field is not None:
            builder = _page_info(collect, _unwrap(field.type), field_details)
            if builder is None:
                return None
            fill.append((response_name, builder))
        elif name == "edges" and field is not None:
            edge_type = _list_element(field.type)
            if edge_type is None:
                return None
            edge = _edge_json(compiler, edge_type, field_details, rows)
            if edge is not None:
                edge_columns.append(edge)
                index = len(edge_columns) - 1
                fill.append((response_name, lambda read, index=index: read["edges"][index]))  # type: ignore[misc]
                continue
            builder = _edges(compiler, edge_type, field_details, rows, node_columns)
            if builder is None:
                return None
            fill.append((response_name, builder))
        else:
            return None
    order = _order(rows, page.order_by)
    if compiler.reads_persons:
        node_columns.append(_relatives_persons(compiler, rows))  # not a node: read by `build` below
    reads_persons = compiler.reads_persons
    columns: list[Any] = [*node_columns, rows.c.id]
    shown_below = PAGE_OFFSET + PAGE_LIMIT  # positions below it are the page's `size` rows
    if compiler.postgres:
        selected = [cast(func.json_agg(aggregate_order_by(column, *order)), Text) for column in columns]
        selected += [
            cast(func.json_agg(aggregate_order_by(column, *order)).filter(rows.c[POSITION] < shown_below), Text)
            for column in edge_columns
        ]
        statement = select(*selected).select_from(rows)
    else:
        every = [*columns, *edge_columns, rows.c[POSITION]]
        ordered = select(*(column.label(f"c{index}") for index, column in enumerate(every))).order_by(*order).subquery()
        labels = list(ordered.c)
        nodes, edges = labels[:len(node_columns)], labels[len(columns):-1]
        shown = labels[-1] < shown_below
        statement = select(
            *(func.json_group_array(func.json(label)) for label in nodes), func.json_group_array(labels[len(nodes)]),
            *(func.json_group_array(func.json(label)).filter(shown) for label in edges),
        )
    if count_wanted:
        counted = select(func.count()).select_from(select(*table.columns).where(*page.where).subquery())
        statement = statement.add_columns(counted.scalar_subquery())

    first_edges = len(columns)
    count_index = first_edges + len(edge_columns)

    def build(row: Any, page: SqlPage) -> Any:
        size, start = page.size, page.start
        ids = (_decode(row[len(node_columns)]) or [])
        read: dict[str, Any] = {
            "nodes": [(_decode(row[index]) or [])[:size] for index in range(len(node_columns))],
            "edges": [_answered(row[index] or "[]", page.splice) for index in range(first_edges, count_index)],
            "count": int(row[count_index]) if count_wanted else None,
            "ids": ids[:size],
            "has_next": len(ids) > size,
            "start": start,
        }
        completed = {response_name: builder(read) for response_name, builder in fill}
        page.on_cadres(read["ids"])
        if reads_persons:
            page.on_linked("person", sorted({key for keys in read["nodes"][-1] for key in keys}))
        return completed

    return Plan(statement, build)


def _order(source: FromClause, order_by: Sequence[Any] | None) -> list[Any]:
    """`schema.filters.order_clauses` over `source`'s columns (the table, or the page read from it)."""
    clauses = []
    for key in order_by or ():
        column = source.c[snake(key.field.value)]
        clauses.append(column.desc() if key.direction == SortDirection.DESC else column.asc())
    clauses.append(source.c.id.asc())
    return clauses


def _page_info(collect: Collect, info_type: Any, details: FieldDetailsList) -> Callable[[dict[str, Any]], Any] | None:
    if not isinstance(info_type, GraphQLObjectType):
        return None
    grouped = collect(info_type, details)
    if grouped is None:
        return None
    readers: list[tuple[str, Callable[[dict[str, Any]], Any]]] = []
    for response_name, field_details in grouped.items():
        if not _scalar_fields(field_details):
            return None
        name = field_details[0].node.name.value
        if name == TYPENAME:
            type_name = info_type.name
            readers.append((response_name, lambda _read, type_name=type_name: type_name))  # type: ignore[misc]
        elif name == "hasNextPage":
            readers.append((response_name, lambda read: read["has_next"]))
        elif name == "hasPreviousPage":
            readers.append((response_name, lambda read: read["start"] > 0))
        elif name == "startCursor":
            readers.append((response_name, lambda read: encode_cursor(read["start"]) if read["ids"] else None))
        elif name == "endCursor":
            readers.append((
                response_name,
                lambda read: encode_cursor(read["start"] + len(read["ids"]) - 1) if read["ids"] else None,
            ))
        else:
            return None
    return lambda read: {response_name: reader(read) for response_name, reader in readers}


def _edge_json(compiler: _Compiler, edge_type: GraphQLObjectType, details: FieldDetailsList, rows: FromClause) -> Any | None:
    """A whole edge as one JSON object, when it asks for no cursor (a cursor is the row's encoded position)."""
    grouped = compiler.collect(edge_type, details)
    if grouped is None:
        return None
    pairs: list[tuple[str, Any]] = []
    for response_name, field_details in grouped.items():
        name = field_details[0].node.name.value
        if not _scalar_fields(field_details) or name not in (TYPENAME, "node"):
            return None
        if name == TYPENAME:
            pairs.append((response_name, _quoted(edge_type.name)))
            continue
        value = _node_json(compiler, edge_type, field_details, rows)
        if value is None:
            return None
        pairs.append((response_name, value))
    return compiler.json_object(pairs)


def _node_json(compiler: _Compiler, edge_type: GraphQLObjectType, details: FieldDetailsList, rows: FromClause) -> Any | None:
    """The JSON object of an edge's `node` selection over the page's rows, or None when it does not compile."""
    node_type = _unwrap(edge_type.fields["node"].type)
    if not isinstance(node_type, GraphQLObjectType):
        return None
    return compiler.object_json(node_type, details, rows, "cadre", frozenset({"cadre"}))


def _edges(
    compiler: _Compiler, edge_type: GraphQLObjectType, details: FieldDetailsList, rows: FromClause,
    node_columns: list[Any],
) -> Callable[[dict[str, Any]], Any] | None:
    grouped = compiler.collect(edge_type, details)
    if grouped is None:
        return None
    parts: list[tuple[str, str, Any]] = []  # (response name, kind, type name or node column index)
    for response_name, field_details in grouped.items():
        if not _scalar_fields(field_details):
            return None
        name = field_details[0].node.name.value
        if name == TYPENAME:
            parts.append((response_name, "typename", edge_type.name))
        elif name == "cursor":
            parts.append((response_name, "cursor", None))
        elif name == "node":
            value = _node_json(compiler, edge_type, field_details, rows)
            if value is None:
                return None
            node_columns.append(value)
            parts.append((response_name, "node", len(node_columns) - 1))
        else:
            return None

    def build(read: dict[str, Any]) -> list[dict[str, Any]]:
        start = read["start"]
        edges = []
        for position in range(len(read["ids"])):
            edge: dict[str, Any] = {}
            for response_name, kind, argument in parts:
                if kind == "typename":
                    edge[response_name] = argument
                elif kind == "cursor":
                    edge[response_name] = encode_cursor(start + position)
                else:
                    edge[response_name] = read["nodes"][argument][position]
            edges.append(edge)
        return edges

    return build


def compile_record(collect: Collect, object_type: Any, details: FieldDetailsList, record: SqlRecord) -> Plan | None:
    """A plan for one record by id, or None when its selection is not compiled."""
    if record.model is not models.Cadre or not isinstance(object_type, GraphQLObjectType):
        return None
    compiler = _Compiler(collect, record.rows, record.dialect)
    table = record.model.__table__
    value = compiler.object_json(object_type, details, table, "cadre", frozenset({"cadre"}))
    if value is None:
        return None
    json_text = cast(value, Text) if compiler.postgres else value
    statement = select(json_text, table.c.id).where(table.c.id == RECORD_ID, record.rows.clause("cadre"))

    def build(row: Any, record: SqlRecord) -> Any:
        completed = None if row is None else _answered(row[0], record.splice)
        record.on_cadres([] if row is None else [row[1]])
        return completed

    return Plan(statement, build)
