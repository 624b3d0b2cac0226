"""The record fields declared in `hub.record_fields` and what is generated from them: output fields, filters, sort
keys, create/update inputs and graph properties; and the recipe for a new field, followed end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLNonNull, GraphQLSchema, get_named_type
from strawberry.utils.str_converters import to_camel_case

from graph_sync.model import NODE_PROPERTIES, NODE_TYPE
from hub.agencies import AgencyCode
from hub.record_fields import RECORD_KINDS, RecordField, RecordKind
from policies.catalog import metadata_of
from schema.build import build_full_schema

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SCALAR_NAMES = {str: "String", int: "Int", bool: "Boolean", date: "Date", Decimal: "Decimal", AgencyCode: "Agency"}


@pytest.fixture(scope="module")
def full() -> GraphQLSchema:
    return build_full_schema()._schema


def graphql_type_name(field: RecordField) -> str:
    if isinstance(field.python_type, type) and issubclass(field.python_type, Enum):
        return field.python_type.__name__
    return SCALAR_NAMES[field.python_type]


def kinds() -> list[RecordKind]:
    return list(RECORD_KINDS.values())


@pytest.mark.parametrize("kind", kinds(), ids=lambda kind: kind.type_name)
def test_declared_fields_are_the_models_columns(kind: RecordKind) -> None:
    for field in kind.fields:
        assert field.attr in kind.model.__table__.c, field.attr  # type: ignore[attr-defined]
        stored_as = getattr(field.python_type, "__supertype__", field.python_type)  # an AgencyCode is a str
        assert kind.model.__table__.c[field.attr].type.python_type is stored_as, field.attr  # type: ignore[attr-defined]


@pytest.mark.parametrize("kind", kinds(), ids=lambda kind: kind.type_name)
def test_every_declared_field_is_generated_as_flagged(full: GraphQLSchema, kind: RecordKind) -> None:
    name = kind.type_name
    output = full.type_map[name].fields  # type: ignore[union-attr]
    for field in kind.output_fields:
        generated = output[field.graphql_name]
        assert get_named_type(generated.type).name == graphql_type_name(field), field.attr
        assert isinstance(generated.type, GraphQLNonNull) is not kind.nullable(field), field.attr
        assert generated.description == field.description, field.attr
    for field in kind.fields:
        if not field.output:  # read through a hand-written field: the relation, or a custom resolver
            assert field.policy_name in output, field.attr

    create = full.type_map[f"Create{name}Input"].fields  # type: ignore[union-attr]
    update = full.type_map[f"Update{name}Input"].fields  # type: ignore[union-attr]
    assert list(create) == list(update) == [field.graphql_name for field in kind.input_fields]
    for field in kind.input_fields:
        assert metadata_of(create[field.graphql_name])["writes"] == f"{name}.{field.policy_name}"
        assert isinstance(create[field.graphql_name].type, GraphQLNonNull) is field.required, field.attr
        assert not isinstance(update[field.graphql_name].type, GraphQLNonNull), field.attr

    filter_type = full.type_map.get(f"{name}Filter")
    declared_filters = [field for field in kind.fields if field.filter]
    if filter_type is None:
        assert not declared_filters
    else:
        conditions = filter_type.fields  # type: ignore[union-attr]
        generated_first = list(conditions)[: len(declared_filters)]  # then the hand-written ones
        assert generated_first == [to_camel_case(field.filter_name) for field in kind.filter_fields]
        for field in declared_filters:
            condition = conditions[to_camel_case(field.filter_name)]
            expected = [f"{name}.{field.policy_name}"]
            if field.references:
                expected.append(f"{reference_type(field)}.id")
            assert list(metadata_of(condition)["requires"]) == expected, field.attr
            assert get_named_type(condition.type).name == graphql_type_name(field), field.attr
        assert all(metadata_of(condition).get("requires") for condition in conditions.values())

    order = full.type_map.get(f"{name}OrderField")
    sort_keys = {value_name: value.value for value_name, value in order.values.items()} if order else {}  # type: ignore[union-attr]
    assert sort_keys == {field.attr.upper(): field.graphql_name for field in kind.sort_fields}
    assert list(sort_keys.values()) == [field.graphql_name for field in kind.sort_fields]

    node_kinds = [node_kind for node_kind, type_name in NODE_TYPE.items() if type_name == name]
    projected = NODE_PROPERTIES[node_kinds[0]] if node_kinds else {}
    assert projected == {field.graph: (field.attr, field.policy_name) for field in kind.fields if field.graph}


def reference_type(field: RecordField) -> str:
    return next(kind.type_name for kind in RECORD_KINDS.values() if kind.model is field.references)


def test_a_new_field_follows_the_recipe(tmp_path: Path) -> None:
    """A column added to the model, declared once, granted in the policy: the hub reads, filters, sorts, writes and
    projects it (tests/new_field_recipe.py, in a process of its own: the generated modules read the declaration
    when first imported)."""
    run = subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "tests.new_field_recipe", str(tmp_path)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stderr
    seen: dict[str, Any] = json.loads(run.stdout)

    everything = {
        "output": ["String", "别名: what colleagues call the cadre."],
        "filter": ["String", ["Cadre.nickname"]],
        "sort": "nickname",
        "input": ["String", "Cadre.nickname"],
    }
    assert seen["full"] == seen["org"] == everything
    assert seen["police_before_grant"] == {"output": None, "filter": None, "sort": None, "input": None}
    assert seen["police"] == {**everything, "input": None}  # the policy line grants read, not write

    assert seen["created"] == {"__typename": "Cadre", "id": 5, "nickname": "老赵"}
    assert seen["updated"] == {"nickname": "小李"}
    assert seen["too_long"] == [{"field": "nickname", "message": "is longer than 32 characters"}]
    assert seen["input_spec"] is True
    assert seen["report_label"] == "别名"
    assert seen["filtered"] == [{"id": 5, "nickname": "老赵"}]
    assert seen["sorted"][:2] == ["老赵", "小李"] and set(seen["sorted"][2:]) == {None}
    assert seen["police_filtered"] == {"data": {"cadres": {"edges": [{"node": {"nickname": "小李"}}]}}}

    assert seen["graph_property"] == ["nickname", "nickname"]
    assert seen["graph_columns"] is True
    assert seen["graph_node"] == "小李"
    assert seen["graph_readable"] == {"org": True, "police": True, "court": False}
