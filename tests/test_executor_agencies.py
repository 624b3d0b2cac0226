"""For every agency of the policy, the schema's executor answers exactly as strawberry's stock execution over the
known world: same data, same errors and paths, same cadres noted for the audit; on hand-written queries (fitted
to each agency's cut schema) and on random ones."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest
import strawberry
from graphql.execution import Executor
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine, text
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from hub.access import Principal
from hub.graphql_http import encode_response
from hub.sessions import make_session_factory
from policies.enforcement import PolicyStore, load_enforcer, policy_agencies
from schema.build import build_full_schema
from schema.context import new_context
from schema.executor import CompiledSubtreeExecutor
from schema.extensions import AccessAudit
from schema.json_text import JsonText
from tests.graphql_gen import fit_to_schema, random_query

AGENCIES = policy_agencies(load_enforcer())

# Written against the full schema; each agency runs what of it its cut schema has (tests.graphql_gen.fit_to_schema).
NESTED = """{ cadres(first: 10) { edges { cursor node { __typename id name idNumber rank birthDate
  unit { name parent { name } } posts { id title unit { name } }
  relatives { kind person { name idNumber occupation relativeOf { cadre { name } } } }
  negativeRecords { category status facts cadre { id } } } } } }"""
FRAGMENTS = """query { cadre(id: 1) { ...Who again: unit { ...Place } unit { level } } }
fragment Who on Cadre { name alias: name posts { title } }
fragment Place on Unit { name posts { id } }"""
SKIPPED = """query($yes: Boolean!) { cadres { edges { node { id name @skip(if: $yes) rank @include(if: $yes) } } } }"""
UNITS = """{ units { totalCount edges { node { id name level parent { name level }
  posts { title rank quota isKeyPost tenures { startDate endDate cadre { name idNumber } } }
  cadres { id name managementLevel } supplyContracts { subject amount signedOn organization { name kind } } } } } }"""
CIRCLES = """{ persons { edges { node { id name gender birthDate idNumber employer emigratedTo
  relativeOf { kind cadre { name unit { name } } } organizationRoles { role organization { name creditCode } } } } }
  organizations { edges { node { name kind creditCode industry roles { role person { name } cadre { name } }
  partTimePositions { title approved paid startDate endDate cadre { name } } } } } }"""
FILE = """{ cadre(id: 1) { name ties { kind source person { name } otherCadre { name idNumber } }
  reports { year submittedOn verifiedOn items { category description declared found finding } }
  supervisionActions { kind issuedBy reason reply } tenures { startDate post { title } }
  nominations { nominatedOn politicalQuality selection { status } nominator { name } } }
  other: cadre(id: 2) { name supervisionActions { kind dueOn reason } partTimePositions { title organization { name } } }
  outside: cadre(id: 3) { name } missing: cadre(id: 999) { name } }"""
# Post 1's requirements hold a weight that is no number and one that is null (see `odd_world`): an error in a
# non-null position, its null propagating up to the nullable post, or up to the data in a list of posts.
ERRORS = """{ post(id: 1) { id title requirements { dimension weight } } other: post(id: 2) { requirements { weight } }
  negativeRecords(first: 2) { totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { facts reportingAgency severity conclusion cadre { name } } } } }"""
PROPAGATED = """{ posts { edges { node { id title unit { name } requirements { dimension weight } } } } }"""
# Edges without cursors are read whole as JSON: a page with one row past it, the last page, an empty page.
WHOLE_EDGES = """{ a: cadres(first: 3) { totalCount edges { __typename node { id name rank unit { name } posts { title } } } }
  b: cadres(first: 500, orderBy: [{field: NAME, direction: DESC}]) { edges { node { name idNumber } __typename } }
  c: cadres(filter: {jurisdiction: "nowhere"}) { totalCount edges { node { id } } pageInfo { hasNextPage } } }"""
BAD_INPUT = """{ cadres(after: "not-a-cursor") { totalCount edges { node { name } } } }"""
# A record read beside a sibling that nulls the whole answer: nothing was delivered, so no cadre is audited.
NULLED_BESIDE = """{ cadre(id: 1) { birthDate } cadres(after: "王") { edges { cursor } } }"""
ALIASES = """{ first: cadres(first: 2) { __typename n: totalCount edges { __typename c: cursor node { __typename
  key: id label: name again: name u: unit { __typename t: name } p: posts { __typename t: title } } } }
  rest: cadres(first: 2, orderBy: [{field: NAME, direction: DESC}]) { edges { node { ... on Cadre { id idNumber } } } } }"""
AUDIT = """{ accessAudit(first: 5) { totalCount edges { node { __typename id at user agency operation operationName
  cadreIds fields purpose prevHash hash } } } }"""
# Refusals only (no row is written): union results completed through graphql-core's abstract types.
REFUSALS = """mutation { missing: updateNegativeRecord(id: 999, input: {facts: "x"}) { __typename ... on NotFound { message } }
  invalid: createUnit(input: {name: "", jurisdiction: "huzhou", level: CITY}) { __typename
    ... on ValidationErrors { errors { field message } } ... on Unit { id } } }"""
QUERIES = {
    "nested": NESTED, "fragments": FRAGMENTS, "units": UNITS, "circles": CIRCLES, "file": FILE, "errors": ERRORS,
    "propagated": PROPAGATED, "bad input": BAD_INPUT, "nulled beside": NULLED_BESIDE, "aliases": ALIASES, "audit": AUDIT, "refusals": REFUSALS,
    "whole edges": WHOLE_EDGES,
}


def principal(agency: str) -> Principal:
    unit = 1 if agency == "unit" else None
    return Principal(user=f"{agency}-tester", agency=agency, jurisdiction="huzhou", level="city", unit_id=unit)


def unaudited_schema(executor: type[Executor]) -> strawberry.Schema:
    """The full schema on `executor`, without the access audit: each execution would append to the audit the
    security agency reads, so a second execution would see one entry more."""
    schema = build_full_schema()
    schema.execution_context_class = executor
    schema.extensions = [extension for extension in schema.extensions if extension is not AccessAudit]
    return schema


@pytest.fixture(scope="module")
def stores() -> tuple[PolicyStore, PolicyStore]:
    """(stock, compiled)"""
    stock = PolicyStore(unaudited_schema(StrawberryGraphQLCoreExecutionContext))
    return stock, PolicyStore(unaudited_schema(CompiledSubtreeExecutor))


@pytest.fixture
def odd_world(world: Engine, policy_store: PolicyStore) -> Engine:
    """The known world with audit entries to read (two audited reads) and post 1's requirements spoiled."""
    for agency in ("org", "police"):
        answer(policy_store, world, agency, "{ cadre(id: 1) { name negativeRecords { facts } } }")
    with world.begin() as connection:
        connection.execute(text("""UPDATE post SET requirements = '{"political_quality": "high", "reputation": null,
            "performance": 0.2}' WHERE id = 1"""))
    return world


def answer(
    store: PolicyStore, engine: Engine, agency: str, query: str, variables: dict[str, Any] | None = None, *,
    splice: bool = False,
) -> Any:
    """Data, errors and audited cadres; with `splice`, the data as served over HTTP: encoded, then read back."""
    access, schema = store.view(principal(agency))
    with make_session_factory(engine)() as session:
        context = new_context(session, access)
        context.splice_json = splice
        result = asyncio.run(schema.execute(query, variable_values=variables, context_value=context))
        errors = sorted((error.message, tuple(error.path or ())) for error in result.errors or [])
        data = orjson.loads(encode_response(result.data)) if splice else result.data
        return data, errors, sorted(context.read_log.delivered_cadre_ids(session, result.data))


def fitted(store: PolicyStore, agency: str, query: str) -> str:
    return fit_to_schema(query, store.grant(agency).schema._schema)


def test_every_agency_of_the_policy_is_compared(stores: Any) -> None:
    stock, _compiled = stores
    assert stock.agencies == AGENCIES and len(AGENCIES) >= 10


@pytest.mark.parametrize("agency", AGENCIES)
@pytest.mark.parametrize("name", sorted(QUERIES))
def test_hand_written_queries_answer_as_strawberry(agency: str, name: str, odd_world: Engine, stores: Any) -> None:
    stock, compiled = stores
    query = fitted(stock, agency, QUERIES[name])
    expected = answer(stock, odd_world, agency, query)
    assert answer(compiled, odd_world, agency, query) == expected, query
    assert answer(compiled, odd_world, agency, query, splice=True) == expected, query


@pytest.mark.parametrize("agency", AGENCIES)
@pytest.mark.parametrize("yes", [True, False])
def test_skip_and_include_answer_as_strawberry(agency: str, yes: bool, world: Engine, stores: Any) -> None:
    stock, compiled = stores
    query = fitted(stock, agency, SKIPPED)
    variables = {"yes": yes} if "$yes" in query else None
    assert answer(compiled, world, agency, query, variables) == answer(stock, world, agency, query, variables)


def test_hand_written_queries_reach_data_errors_and_refusals(odd_world: Engine, stores: Any) -> None:
    """The comparisons above are not vacuous: the queries find rows, errors, masked values and union results."""
    stock, _compiled = stores
    data, errors, _read = answer(stock, odd_world, "org", fitted(stock, "org", ERRORS))
    assert errors == [("internal error", ("post", "requirements", 1, "weight"))]  # graphql-core's own message is logged
    assert data["post"] is None and data["other"] == {"requirements": []} and data["negativeRecords"]["totalCount"] == 3
    data, errors, _read = answer(stock, odd_world, "org", fitted(stock, "org", PROPAGATED))
    assert data is None and [path for _message, path in errors] == [
        ("posts", "edges", 0, "node", "requirements", 1, "weight"),
    ]
    data, errors, _read = answer(stock, odd_world, "org", fitted(stock, "org", BAD_INPUT))
    assert data is None and [path for _message, path in errors] == [("cadres",)]
    data, _errors, _read = answer(stock, odd_world, "police", fitted(stock, "police", NESTED))
    assert data["cadres"]["edges"] and all("*" in edge["node"]["idNumber"] for edge in data["cadres"]["edges"])
    data, errors, _read = answer(stock, odd_world, "security", fitted(stock, "security", AUDIT))
    assert not errors and data["accessAudit"]["totalCount"] == 2
    data, errors, _read = answer(stock, odd_world, "police", fitted(stock, "police", REFUSALS))
    assert not errors and data["missing"]["__typename"] == "NotFound"


def test_masked_fields_are_masked_on_the_compiled_path(world: Engine, stores: Any, field_executions: list[str]) -> None:
    _stock, compiled = stores
    data, errors, _read = answer(compiled, world, "police", "{ cadres { edges { node { name idNumber unit { name } } } } }")
    assert not errors and data["cadres"]["edges"]
    assert all("*" in edge["node"]["idNumber"] for edge in data["cadres"]["edges"])
    assert field_executions == ["Query"]  # every nested field, masked or not, was completed on the compiled path


@pytest.mark.parametrize("agency", AGENCIES)
def test_random_queries_answer_as_strawberry(agency: str, odd_world: Engine, stores: Any) -> None:
    stock, compiled = stores
    schema = stock.grant(agency).schema._schema

    @hypothesis_settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(random_query(schema))
    def check(query: str) -> None:
        assert answer(compiled, odd_world, agency, query) == answer(stock, odd_world, agency, query)

    check()


def test_served_edges_and_records_stay_the_json_text_they_were_read_as(world: Engine, stores: Any) -> None:
    _stock, compiled = stores
    access, schema = compiled.view(principal("org"))
    query = "{ cadres(first: 2) { edges { node { name } } } cadre(id: 1) { name } }"
    with make_session_factory(world)() as session:
        context = new_context(session, access)
        context.splice_json = True
        result = asyncio.run(schema.execute(query, context_value=context))
    assert result.errors is None and result.data is not None
    assert isinstance(result.data["cadres"]["edges"], JsonText) and isinstance(result.data["cadre"], JsonText)
    assert orjson.loads(encode_response(result.data)) == answer(compiled, world, "org", query)[0]
