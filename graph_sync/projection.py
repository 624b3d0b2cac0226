"""Record rows -> graph nodes and edges, following graph_sync.model; shared by the outbox, rebuild and check.

A row is any mapping of column name -> Python value as SQLAlchemy returns it (enum members, dates,
Decimals). Graph values are JSON-friendly: dates as ISO strings, enums as their values, Decimals as
strings with the column's scale, so the outbox payload, the rebuild and the check agree exactly.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeAlias

from sqlalchemy import Column, Numeric, RowMapping, Table

from graph_sync.model import (
    EDGE_SPECS,
    NODE_LABELS,
    NODE_PROPERTIES,
    NODE_TYPE,
    ROLE_EDGE,
    EdgeKind,
    NodeKind,
    edge_key,
    node_key,
)
from hub.models import Base
from hub.record_fields import RECORD_KINDS

NODE_TABLES: dict[NodeKind, str] = {kind: RECORD_KINDS[NODE_TYPE[kind]].model.__tablename__ for kind in NodeKind}
TABLE_NODE_KIND: dict[str, NodeKind] = {table: kind for kind, table in NODE_TABLES.items()}

# Edge tables and the edge kinds their rows may become (organization_role: one kind per role).
EDGE_TABLES: dict[str, tuple[EdgeKind, ...]] = {}
for _kind, _spec in EDGE_SPECS.items():
    EDGE_TABLES.setdefault(_spec.table, ())
    EDGE_TABLES[_spec.table] += (_kind,)

ROLE_TABLE = "organization_role"

# A row (see above): a result row's mapping, or a dict of column values.
RowValues: TypeAlias = RowMapping | Mapping[str, Any]

# Labels used to find an endpoint or a node by key: the first label of its kind carries the key constraint.
KEY_LABEL: dict[NodeKind, str] = {kind: labels[0] for kind, labels in NODE_LABELS.items()}


def table(name: str) -> Table:
    return Base.metadata.tables[name]


def graph_value(column: Column[Any], value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        scale = column.type.scale if isinstance(column.type, Numeric) else None
        return f"{value:.{scale}f}" if scale is not None else str(value)
    return value


def node_record(kind: NodeKind, row: RowValues) -> dict[str, Any]:
    """All properties of the node for `row`: its NODE_PROPERTIES plus `key` and `kind`."""
    columns = table(NODE_TABLES[kind]).c
    properties = {
        name: graph_value(columns[attr], row[attr]) for name, (attr, _field) in NODE_PROPERTIES[kind].items()
    }
    # `key` and `kind` are structural (graph queries filter on them); no record property may take their names
    # (see model.STRUCTURAL_NODE_PROPERTIES), and should one ever do so, these still win.
    properties["key"] = node_key(kind, row["id"])
    properties["kind"] = kind.value
    return properties


@dataclass(frozen=True)
class EdgeRecord:
    kind: EdgeKind
    key: str
    source: str
    target: str
    properties: dict[str, Any]  # includes `key`

    def as_row(self) -> dict[str, Any]:
        return {"key": self.key, "source": self.source, "target": self.target, "props": self.properties}


def endpoint_key(columns: str, kind: NodeKind, row: RowValues) -> str | None:
    """The node key an edge end points at; `a|b` means whichever column is set (person_id -> person, else cadre)."""
    alternatives = columns.split("|")
    for column in alternatives:
        value = row[column]
        if value is not None:
            if len(alternatives) == 1:
                return node_key(kind, value)
            return node_key(NodeKind.PERSON if column == "person_id" else NodeKind.CADRE, value)
    return None


def edge_kind_of(table_name: str, row: RowValues) -> EdgeKind:
    if table_name == ROLE_TABLE:
        role = row["role"]
        return ROLE_EDGE[role.value if isinstance(role, enum.Enum) else role]
    (kind,) = EDGE_TABLES[table_name]
    return kind


def edge_record(table_name: str, row: RowValues) -> EdgeRecord | None:
    """The edge for an edge-table row, or None when an endpoint column is empty."""
    kind = edge_kind_of(table_name, row)
    spec = EDGE_SPECS[kind]
    source = endpoint_key(spec.source[0], spec.source[1], row)
    target = endpoint_key(spec.target[0], spec.target[1], row)
    if source is None or target is None:
        return None
    columns = table(table_name).c
    key = edge_key(table_name, row["id"])
    properties = {name: graph_value(columns[attr], row[attr]) for name, attr in spec.properties.items()}
    properties["key"] = key
    return EdgeRecord(kind, key, source, target, properties)


def edge_columns(table_name: str) -> list[str]:
    """Columns an edge table row needs for `edge_record` (id, endpoints, properties, role)."""
    names = ["id"]
    for kind in EDGE_TABLES[table_name]:
        spec = EDGE_SPECS[kind]
        for column in (*spec.source[0].split("|"), *spec.target[0].split("|"), *spec.properties.values()):
            if column not in names:
                names.append(column)
    if table_name == ROLE_TABLE:
        names.append("role")
    return names


def node_columns(kind: NodeKind) -> list[str]:
    names = ["id", *(attr for attr, _field in NODE_PROPERTIES[kind].values())]
    if kind is NodeKind.POST:  # the PART_OF edge comes from the post row too
        names += [column for column in edge_columns("post") if column not in names]
    return list(dict.fromkeys(names))
