"""The compiled-subtree executor answers exactly as the plain-field executor: same data, errors and paths, for every agency."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import strawberry
from graphql.execution import Executor
from hypothesis import HealthCheck, assume, given
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine

from hub.access import Principal
from hub.sessions import make_session_factory
from policies.enforcement import PolicyStore
from schema.build import build_full_schema
from schema.compiled import CompiledSubtreeExecutor
from schema.context import new_context
from schema.execution import PlainFieldExecutor
from tests.graphql_gen import random_query

AGENCIES = ["org", "discipline", "police", "court", "procuratorate", "audit", "petition", "unit", "inspector", "security"]

NESTED = """{ cadres(first: 10) { edges { cursor node { __typename id name idNumber rank birthDate
  unit { name parent { name } } posts { id title unit { name } }
  relatives { kind person { name idNumber occupation relativeOf { cadre { name } } } }
  negativeRecords { category status facts cadre { id } } } } } }"""
FRAGMENTS = """query { cadre(id: 1) { ...Who again: unit { ...Place } unit { level } } }
fragment Who on Cadre { name alias: name posts { title } }
fragment Place on Unit { name posts { id } }"""
SKIPPED = """query($yes: Boolean!) { cadres { edges { node { id name @skip(if: $yes) rank @include(if: $yes) } } } }"""


def principal(agency: str) -> Principal:
    unit = 1 if agency == "unit" else None
    return Principal(user=f"{agency}-tester", agency=agency, jurisdiction="huzhou", level="city", unit_id=unit)


def executor_schema(executor: type[Executor]) -> strawberry.Schema:
    schema = build_full_schema()
    schema.execution_context_class = executor
    return schema


@pytest.fixture(scope="module")
def stores() -> tuple[PolicyStore, PolicyStore]:
    return PolicyStore(executor_schema(PlainFieldExecutor)), PolicyStore(executor_schema(CompiledSubtreeExecutor))


def answer(store: PolicyStore, engine: Engine, agency: str, query: str, variables: dict[str, Any] | None = None) -> Any:
    access, schema = store.view(principal(agency))
    with make_session_factory(engine)() as session:
        context = new_context(session, access)
        result = asyncio.run(schema.execute(query, variable_values=variables, context_value=context))
        errors = sorted((error.message, tuple(error.path or ())) for error in result.errors or [])
        return result.data, errors, sorted(context.read_log.cadre_ids)


@pytest.mark.parametrize("agency", AGENCIES)
@pytest.mark.parametrize("query", [NESTED, FRAGMENTS])
def test_nested_records_answer_the_same(agency: str, query: str, world: Engine, stores: Any) -> None:
    plain, compiled = stores
    assert answer(compiled, world, agency, query) == answer(plain, world, agency, query)


@pytest.mark.parametrize("yes", [True, False])
def test_skip_and_include_answer_the_same(yes: bool, world: Engine, stores: Any) -> None:
    plain, compiled = stores
    assert answer(compiled, world, "org", SKIPPED, {"yes": yes}) == answer(plain, world, "org", SKIPPED, {"yes": yes})


def test_masked_fields_are_masked_on_the_compiled_path(world: Engine, stores: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _plain, compiled = stores
    calls: list[str] = []
    execute_field = Executor.execute_field

    def counting(self: Any, parent_type: Any, *args: Any) -> Any:
        calls.append(parent_type.name)
        return execute_field(self, parent_type, *args)

    monkeypatch.setattr(Executor, "execute_field", counting)
    data, errors, _read = answer(compiled, world, "police", "{ cadres { edges { node { name idNumber unit { name } } } } }")
    assert not errors and data["cadres"]["edges"]
    assert all("*" in edge["node"]["idNumber"] for edge in data["cadres"]["edges"])
    assert calls == ["Query"]  # every nested field, masked or not, was completed on the compiled path


@pytest.mark.parametrize("agency", [agency for agency in AGENCIES if agency != "security"])  # reads only the audit
def test_random_queries_answer_the_same(agency: str, world: Engine, stores: Any) -> None:
    plain, compiled = stores
    schema = plain.grant(agency).schema._schema

    @hypothesis_settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(random_query(schema))
    def check(query: str) -> None:
        assume("accessAudit" not in query)  # each execution appends to the audit it would read
        assert answer(compiled, world, agency, query) == answer(plain, world, agency, query)

    check()
