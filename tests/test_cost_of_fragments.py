"""The cost estimate prices what a fragment, a union member or a mutation payload selects like any other selection.

A union-typed field (every mutation returns one: the record, or ValidationErrors / NotFound / VersionConflict)
used to count 1 plus its rows whatever its members selected, so a mutation could ask for a million nested rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from graphql import (
    FragmentDefinitionNode,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    OperationDefinitionNode,
    TypeInfo,
    ValidationContext,
    get_named_type,
    parse,
    specified_rules,
    validate,
)
from graphql.pyutils import Undefined
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from hub import models
from schema.build import build_full_schema
from schema.limits import GraphQLLimits, estimated_cost
from tests.conftest import Caller

LIMITS = GraphQLLimits()

# Three nested lists (Unit.cadres, Cadre.posts) twice over, inside the update payload: 10^6 rows estimated,
# 12 levels deep (within the depth limit).
FANNING_OUT = "unit { cadres { posts { unit { cadres { posts { unit { cadres { posts { title } } } } } } } } }"
ATTACK = (
    'mutation { updateNegativeRecord(id: 1, input: {facts: "改写"}) {'
    " ... on NegativeRecord { cadre { " + FANNING_OUT + " } } } }"
)


@pytest.fixture(scope="module")
def full_schema() -> GraphQLSchema:
    return build_full_schema()._schema


def cost(schema: GraphQLSchema, query: str) -> int:
    document = parse(query)
    context = ValidationContext(schema, document, TypeInfo(schema), lambda _error: None)
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    (operation,) = (d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    root = schema.mutation_type if operation.operation.value == "mutation" else schema.query_type
    assert root is not None
    return estimated_cost(operation.selection_set, root, context, LIMITS, fragments)


def assert_valid(schema: GraphQLSchema, query: str) -> None:
    assert validate(schema, parse(query), specified_rules) == [], query


# ------------------------------------------------------------------------------------------------
# Through the running app


def facts_of_record_1(engine: Engine) -> str:
    with engine.connect() as connection:
        return connection.execute(select(models.NegativeRecord.facts).where(models.NegativeRecord.id == 1)).scalar_one()


def test_a_mutation_payload_fanning_out_is_refused_before_it_runs(world: Engine, as_agency: Any) -> None:
    before = facts_of_record_1(world)
    body = as_agency("org")(ATTACK)
    assert body["data"] is None
    assert [(e.get("extensions") or {}).get("code") for e in body["errors"]] == ["QUERY_TOO_COSTLY"]
    assert facts_of_record_1(world) == before  # refused at validation: the update never ran


def test_an_ordinary_mutation_is_still_accepted(world: Engine, as_agency: Any) -> None:
    org: Caller = as_agency("org")
    updated = org.data(
        'mutation { updateNegativeRecord(id: 1, input: {facts: "改写"}) {'
        " ... on NegativeRecord { id facts cadre { name posts { title unit { name } } negativeRecords { category } } }"
        " ... on ValidationErrors { errors { field message } } ... on NotFound { message } } }"
    )
    assert updated["updateNegativeRecord"]["facts"] == "改写"
    assert facts_of_record_1(world) == "改写"


# ------------------------------------------------------------------------------------------------
# The estimate itself, on the full schema


def test_a_union_member_costs_what_the_same_selection_costs_on_the_type(full_schema: GraphQLSchema) -> None:
    selection = "id cadre { " + FANNING_OUT + " }"
    direct = cost(full_schema, "{ negativeRecord(id: 1) { " + selection + " } }")
    assert direct > LIMITS.max_cost
    as_member = cost(full_schema, "mutation { updateNegativeRecord(id: 1, input: {}) { ... on NegativeRecord { " + selection + " } } }")
    assert as_member >= direct
    by_spread = cost(
        full_schema,
        "mutation { updateNegativeRecord(id: 1, input: {}) { ...Payload } }"
        " fragment Payload on UpdateNegativeRecordResult { ... on NegativeRecord { ...Record } }"
        " fragment Record on NegativeRecord { " + selection + " }",
    )
    assert by_spread >= direct


def test_the_costliest_union_member_counts(full_schema: GraphQLSchema) -> None:
    cheap = "... on NotFound { message } ... on ValidationErrors { errors { field message } }"
    costly = "... on NegativeRecord { cadre { relatives { person { name } } } }"
    alone = cost(full_schema, "mutation { updateNegativeRecord(id: 1, input: {}) { " + costly + " } }")
    both = cost(full_schema, "mutation { updateNegativeRecord(id: 1, input: {}) { " + cheap + " " + costly + " } }")
    assert alone == both == 1 + (1 + (1 + 10 * (1 + 1)))  # the record member; ValidationErrors costs 21
    # Fragments that can never apply to a member are not charged to it.
    assert cost(full_schema, "mutation { updateNegativeRecord(id: 1, input: {}) { " + cheap + " } }") == 1 + (1 + 10 * 2)


def test_fragments_spread_many_times_are_priced_quickly(full_schema: GraphQLSchema) -> None:
    """Each fragment spreads the next one twice: 2^40 spreads, priced once per fragment and type."""
    fragments = " ".join(f"fragment F{i} on Cadre {{ name ...F{i + 1} ...F{i + 1} }}" for i in range(40))
    query = "{ cadre(id: 1) { ...F0 } } " + fragments + " fragment F40 on Cadre { name }"
    assert cost(full_schema, query) > 0  # would not return in a lifetime if every spread were walked


def test_a_fragment_cycle_is_too_costly(full_schema: GraphQLSchema) -> None:
    query = "{ cadre(id: 1) { ...A } } fragment A on Cadre { unit { cadres { ...A } } }"
    assert cost(full_schema, query) > LIMITS.max_cost


# ------------------------------------------------------------------------------------------------
# Property: wrapping a selection in an inline fragment, a fragment spread or a union member never lowers its cost


@dataclass
class Field:
    name: str
    type_name: str  # the named type of the field
    children: list[Field] | None  # None for a leaf


def _needs_arguments(field: Any) -> bool:
    return any(isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined for arg in field.args.values())


@st.composite
def selections(draw: Any, on: GraphQLObjectType, depth: int) -> list[Field]:
    """Random fields of `on` (object-typed ones followed down to `depth`), each at most once."""
    names = sorted(name for name, field in on.fields.items() if not _needs_arguments(field))
    fields = []
    for name in draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True)):
        named = get_named_type(on.fields[name].type)
        if isinstance(named, GraphQLObjectType):
            if depth > 0:
                fields.append(Field(name, named.name, draw(selections(named, depth - 1))))
        elif not isinstance(named, GraphQLUnionType):
            fields.append(Field(name, named.name, None))
    return fields or [Field("__typename", "String", None)]


def plain(fields: list[Field]) -> str:
    return " ".join(f.name if f.children is None else f"{f.name} {{ {plain(f.children)} }}" for f in fields)


class Wrapped:
    """The same selection with selection sets moved into inline fragments and fragment spreads, as `wraps` says."""

    def __init__(self, wraps: list[str]) -> None:
        self.wraps = iter(wraps)
        self.fragments: list[str] = []

    def render(self, fields: list[Field], on: str) -> str:
        inner = " ".join(
            f.name if f.children is None else f"{f.name} {{ {self.render(f.children, f.type_name)} }}" for f in fields
        )
        how = next(self.wraps, "none")
        if how == "inline":
            return f"... on {on} {{ {inner} }}"
        if how == "untyped":
            return f"... {{ {inner} }}"
        if how == "spread":
            name = f"F{len(self.fragments)}"
            self.fragments.append(f"fragment {name} on {on} {{ {inner} }}")
            return f"...{name}"
        return inner


@hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(data=st.data())
def test_wrapping_never_lowers_the_cost(full_schema: GraphQLSchema, data: Any) -> None:
    record = full_schema.get_type("NegativeRecord")
    assert isinstance(record, GraphQLObjectType)
    fields = data.draw(selections(record, 3))
    wraps = data.draw(st.lists(st.sampled_from(["none", "inline", "untyped", "spread"]), max_size=12))

    direct_query = f"{{ negativeRecord(id: 1) {{ {plain(fields)} }} }}"
    in_fragments = Wrapped(wraps)
    wrapped_query = f"{{ negativeRecord(id: 1) {{ {in_fragments.render(fields, 'NegativeRecord')} }} }}"
    wrapped_query += " " + " ".join(in_fragments.fragments)
    in_payload = Wrapped(wraps)
    member = in_payload.render(fields, "NegativeRecord")
    payload_query = (
        "mutation { updateNegativeRecord(id: 1, input: {}) {"
        f" ... on NotFound {{ message }} ... on NegativeRecord {{ {member} }} }} }} " + " ".join(in_payload.fragments)
    )
    for query in (direct_query, wrapped_query, payload_query):
        assert_valid(full_schema, query)

    direct = cost(full_schema, direct_query)
    assert cost(full_schema, wrapped_query) >= direct
    assert cost(full_schema, payload_query) >= direct


def test_list_multipliers_apply_inside_union_members(full_schema: GraphQLSchema) -> None:
    payload = "mutation {{ updateNegativeRecord(id: 1, input: {{}}) {{ ... on NegativeRecord {{ cadre {{ {} }} }} }} }}"
    one_list = cost(full_schema, payload.format("unit { cadres { name } }"))
    two_lists = cost(full_schema, payload.format("unit { cadres { posts { title } } }"))
    assert one_list == 1 + (1 + (1 + (1 + 10 * 1)))
    assert two_lists == 1 + (1 + (1 + (1 + 10 * (1 + 10 * 1))))
