"""Pages and records read in one SQL statement (`schema.sql_reads`) answer exactly as the executor reading them
through the loaders: same data (values, key order, nulls and empty lists, dates, enum names, masks), same errors
and paths, same cadres noted for the access audit; for every agency of the policy, on hand-written and on
generated queries, with variables, fragments, aliases, `@skip`/`@include`, page boundaries and bad cursors."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from hub.seed import seed_database
from hub.sessions import make_session_factory
from policies.enforcement import PolicyStore
from schema.build import build_full_schema
from schema.extensions import AccessAudit
from schema.limits import GraphQLLimits
from schema.pagination import encode_cursor
from tests.graphql_gen import fit_to_schema
from tests.test_executor_agencies import AGENCIES, principal

BENCH_PAGE = """query Page($first: Int!) {
  cadres(first: $first, filter: {managementLevel: CITY, jurisdiction: "huzhou"}) {
    totalCount
    edges { node {
      id name idNumber rank birthDate unit { name }
      posts { id title rank unit { name } }
      negativeRecords { category status severity reportingAgency occurredOn }
    } }
  }
}"""
EVERYTHING = """query All($first: Int, $after: String) { cadres(first: $first, after: $after) { __typename totalCount
  pageInfo { __typename hasNextPage hasPreviousPage startCursor endCursor }
  edges { __typename cursor node { __typename id name gender birthDate ethnicity nativePlace idNumber partyJoinDate
    workStartDate education rank managementLevel reserveTier jurisdiction version
    unit { __typename id name jurisdiction level posts { id title rank quota isKeyPost } }
    posts { id title rank quota isKeyPost unit { name level } }
    negativeRecords { id reportingAgency category facts occurredOn reportedOn severity status conclusion version }
    } } } }"""
OWN_ROWS = """query Own($first: Int, $after: String) { cadres(first: $first, after: $after) { edges { node { id
    tenures { startDate endDate post { title unit { name } } }
    reports { year submittedOn verifiedOn } supervisionActions { kind issuedBy issuedOn dueOn reason reply repliedOn }
    partTimePositions { title approved paid startDate endDate } } } } }"""
FRAGMENTS = """query F($yes: Boolean!, $id: Int!) { one: cadre(id: $id) { ...Who again: unit { ...Place } unit { level } }
  page: cadres(first: 3, orderBy: [{field: NAME, direction: DESC}]) { edges { c: cursor n: node { ...Who
    rank @include(if: $yes) idNumber @skip(if: $yes) ... on Cadre { p: posts { t: title } } } }
    pageInfo { endCursor e: endCursor } } }
fragment Who on Cadre { name alias: name posts { title } }
fragment Place on Unit { name posts { id } }"""
RECORDS = """{ a: cadre(id: 1) { id name idNumber negativeRecords { facts severity } }
  b: cadre(id: 3) { name unit { name } } c: cadre(id: 999) { name } d: cadre(id: 4) { __typename } }"""
FILTERED = """query($level: ManagementLevel, $name: String, $listed: Boolean, $unit: Int) {
  cadres(first: 50, filter: {managementLevel: $level, nameContains: $name, onNegativeList: $listed, unitId: $unit},
         orderBy: [{field: RESERVE_TIER, direction: DESC}, {field: BIRTH_DATE}]) {
  totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id name reserveTier birthDate } } } }"""
# The project's own benchmark page (`bench/scenarios.py`): relatives and their persons, noted as linked rows.
RELATIVES = """query Rel($first: Int!) { cadres(first: $first) { edges { node { id name
  relatives { kind person { name birthDate occupation idNumber } } k: relatives { id } negativeRecords { status } } } } }"""
# Read through the loaders, as before: a unit's parent (the unit table twice on one path), a post's requirements
# (a resolver of its own), relatives (their rows name other cadres for the audit), arguments below the root.
FALLBACK = """{ cadres(first: 5) { edges { node { name unit { parent { name } } } } }
  cadre(id: 1) { name relatives { kind person { name } } posts { requirements { dimension } } } }"""
BAD_INPUT = [
    ('{ cadres(after: "not-a-cursor") { totalCount edges { node { name } } } }', None),
    ("query($after: String) { cadres(after: $after) { totalCount } }", {"after": "cG9zOng="}),  # pos:x
    ("query($first: Int) { cadres(first: $first) { edges { node { id } } } }", {"first": -1}),
    ("query($first: Int) { cadres(first: $first) { edges { node { id } } } }", {"first": 501}),
]
QUERIES = {"bench": BENCH_PAGE, "relatives": RELATIVES, "everything": EVERYTHING, "own rows": OWN_ROWS, "fragments": FRAGMENTS, "records": RECORDS,
           "filtered": FILTERED, "fallback": FALLBACK}
VARIABLES: dict[str, list[dict[str, Any]]] = {
    "bench": [{"first": 2}, {"first": 100}],
    "everything": [{"first": 0}, {"first": 1}, {"first": 3, "after": encode_cursor(1)},
                   {"first": 500}, {"after": encode_cursor(1000)}, {}],
    "fragments": [{"yes": True, "id": 1}, {"yes": False, "id": 2}, {"yes": True, "id": 999}],
    "own rows": [{"first": 4}],
    "records": [{}],
    "relatives": [{"first": 1}, {"first": 3}],
    "filtered": [{"level": "CITY"}, {"name": "王", "listed": True}, {"listed": False, "unit": 1}, {}],
    "fallback": [{}],
}


def answer(store: PolicyStore, engine: Engine, agency: str, query: str, variables: dict[str, Any] | None,
           sql_reads: bool) -> tuple[str, list[Any], Any, int]:
    """(the data as JSON text, so that key order counts; errors with paths and codes; the cadres and linked rows
    noted for the audit; reads answered by one statement)"""
    from schema.context import new_context

    access, schema = store.view(principal(agency))
    with make_session_factory(engine)() as session:
        context = new_context(session, access)
        context.sql_reads = sql_reads
        result = asyncio.run(schema.execute(query, variable_values=variables, context_value=context))
        errors = sorted(
            (error.message, tuple(error.path or ()), json.dumps(_without_error_id(error.extensions), sort_keys=True))
            for error in result.errors or []
        )
        audited = (sorted(context.read_log.cadre_ids), sorted((table, sorted(keys)) for table, keys in context.read_log.linked.items()))
        return json.dumps(result.data, ensure_ascii=False), errors, audited, context.sql_reads_done


def _without_error_id(extensions: dict[str, Any] | None) -> dict[str, Any]:
    """An internal error's extensions, but its id (new for every error)."""
    return {key: value for key, value in (extensions or {}).items() if key != "errorId"}


def same_answers(store: PolicyStore, engine: Engine, agency: str, query: str,
                 variables: dict[str, Any] | None) -> tuple[str, list[Any], Any, int]:
    compiled = answer(store, engine, agency, query, variables, True)
    loaded = answer(store, engine, agency, query, variables, False)
    assert compiled[1:3] == loaded[1:3], (agency, query, variables)
    assert compiled[0] == loaded[0], "\n".join(_difference(compiled[0], loaded[0]))
    assert loaded[3] == 0
    return compiled


def _difference(compiled: str, loaded: str) -> list[str]:
    return [compiled[max(0, index - 80):index + 80] + "\n" + loaded[max(0, index - 80):index + 80]
            for index in (next(i for i, (a, b) in enumerate(zip(compiled, loaded, strict=False)) if a != b),)]


@pytest.fixture(scope="module")
def store() -> PolicyStore:
    """The hub's schema and executor without the audit (see `unaudited_schema`), and with a cost limit that lets
    the widest selections through for any `first`."""
    schema = build_full_schema(limits=GraphQLLimits(max_cost=10**9))
    schema.extensions = [extension for extension in schema.extensions if extension is not AccessAudit]
    return PolicyStore(schema)


@pytest.fixture
def odd_world(world: Engine) -> Engine:
    """The known world with text that JSON must escape, a short ID number (masked as stars), nulls, and a
    negative record whose reporting agency the policy does not declare (an error where it is read)."""
    with world.begin() as connection:
        connection.execute(text("""UPDATE cadre SET name = :name, party_join_date = NULL,
            id_number = 'X12' WHERE id = 2"""), {"name": '李"明\\\n\t😀 \u2028'})
        connection.execute(text("UPDATE cadre SET reserve_tier = 2 WHERE id = 1"))
    return world


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    seed_database(engine, cadres=200, seed=7, progress=False)
    return engine


def fitted(store: PolicyStore, agency: str, query: str) -> str:
    return fit_to_schema(query, store.grant(agency).schema._schema)


def usable_variables(query: str, variables: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in variables.items() if f"${name}" in query}


@pytest.mark.parametrize("agency", AGENCIES)
@pytest.mark.parametrize("name", sorted(QUERIES))
def test_hand_written_queries_answer_as_the_loaders(agency: str, name: str, odd_world: Engine, store: PolicyStore) -> None:
    query = fitted(store, agency, QUERIES[name])
    for variables in VARIABLES[name]:
        same_answers(store, odd_world, agency, query, usable_variables(query, variables))


@pytest.mark.parametrize("agency", ["org", "police", "unit"])
def test_seeded_pages_answer_as_the_loaders_across_boundaries(agency: str, seeded: Engine, store: PolicyStore) -> None:
    query = fitted(store, agency, EVERYTHING)
    total = json.loads(answer(store, seeded, agency, "{ cadres { totalCount } }", None, False)[0])["cadres"]["totalCount"]
    for first, after in [(7, None), (7, 6), (7, total - 8), (7, total - 7), (7, total - 2), (0, 3), (100, None)]:
        variables = {"first": first, "after": None if after is None else encode_cursor(max(after, 0))}
        data, errors, _read, sql = same_answers(store, seeded, agency, query, usable_variables(query, variables))
        assert sql == 1 and not errors, errors
        own = fitted(store, agency, OWN_ROWS)
        assert same_answers(store, seeded, agency, own, usable_variables(own, variables))[3] == 1
    assert '"posts": [{' in data and (agency != "org" or '"negativeRecords": []' in data)
    page = fitted(store, agency, BENCH_PAGE)
    data, _errors, _read, sql = same_answers(store, seeded, agency, page, {"first": 100})
    assert sql == 1 and '"posts": [{' in data
    relatives = fitted(store, agency, RELATIVES)
    assert same_answers(store, seeded, agency, relatives, {"first": 100})[3] == 1


@pytest.mark.parametrize("agency", AGENCIES)
def test_bad_input_answers_as_the_loaders(agency: str, world: Engine, store: PolicyStore) -> None:
    for query, variables in BAD_INPUT:
        query = fitted(store, agency, query)
        data, errors, _read, _sql = same_answers(store, world, agency, query, variables)
        assert "cadres" not in query or (data == "null" and errors), (agency, query)


def test_the_comparisons_are_not_vacuous(odd_world: Engine, store: PolicyStore) -> None:
    """The hand-written shapes take the one-statement path, find data, masks and escapes; the fallbacks do not."""
    data, errors, read, sql = answer(store, odd_world, "police", fitted(store, "police", RECORDS), None, True)
    assert sql == 4 and not errors and read == ([1, 4], [])  # cadre 3 lies outside the police's jurisdiction, 999 is absent
    assert json.loads(data)["a"]["idNumber"].startswith("330502***********")
    data, errors, read, sql = answer(store, odd_world, "org", EVERYTHING, {"first": 10}, True)
    assert sql == 1 and not errors and read == ([1, 2, 4], []) and '"negativeRecords": [{' in data
    assert '"isKeyPost": true' in data and '"isKeyPost": false' in data
    assert json.loads(data)["cadres"]["edges"][1]["node"]["name"] == '李"明\\\n\t😀 \u2028'
    assert '"partyJoinDate": null' in data and '"reserveTier": 2' in data
    police = fitted(store, "police", EVERYTHING)
    data, errors, _read, sql = answer(store, odd_world, "police", police, {"first": 10}, True)
    assert sql == 1 and '"idNumber": "***"' in data
    data, errors, _read, sql = answer(store, odd_world, "org", OWN_ROWS, {"first": 10}, True)
    assert sql == 1 and not errors and '"tenures": [{' in data
    data, errors, read, sql = answer(store, odd_world, "org", RELATIVES, {"first": 3}, True)
    assert sql == 1 and not errors and read[1] and read[1][0][0] == "person" and '"person": {' in data
    _data, _errors, _read, sql = answer(store, odd_world, "org", FALLBACK, None, True)
    assert sql == 0


def test_an_enum_value_the_policy_does_not_name_is_the_same_error(world: Engine, store: PolicyStore) -> None:
    with world.begin() as connection:
        connection.execute(text("UPDATE negative_record SET reporting_agency = 'nobody'"))
    query = "{ cadres { edges { node { name negativeRecords { reportingAgency } } } } }"
    _data, errors, _read, sql = same_answers(store, world, "org", query, None)
    assert errors and sql == 0


@st.composite
def cadre_selection(draw: Any, schema: Any) -> str:
    """A random selection of a cadre's readable scalars and the relations a page reads, with aliases and fragments."""
    cadre_type = schema.type_map["Cadre"]
    scalars = sorted(name for name, field in cadre_type.fields.items() if not field.args and _is_leaf(field.type))
    nested = {
        "unit": "{ name level id }", "posts": "{ id title rank isKeyPost unit { name } }",
        "negativeRecords": "{ id category status severity reportingAgency occurredOn conclusion }",
        "tenures": "{ startDate endDate post { title } }",
        "relatives": "{ kind person { name occupation } }", "partTimePositions": "{ title approved paid endDate }",
    }
    names = draw(st.lists(st.sampled_from(scalars + sorted(nested)), min_size=1, max_size=8, unique=True))
    parts = []
    for index, name in enumerate(names):
        alias = f"x{index}: " if draw(st.booleans()) else ""
        directive = draw(st.sampled_from(["", "", " @skip(if: $flag)", " @include(if: $flag)"]))
        parts.append(f"{alias}{name}{directive} {nested.get(name, '')}")
    body = " ".join(parts)
    if draw(st.booleans()):
        return f"{{ ...on Cadre {{ {body} }} }}"
    return "{ " + body + " }"


def _is_leaf(graphql_type: Any) -> bool:
    from graphql import get_named_type, is_leaf_type

    return is_leaf_type(get_named_type(graphql_type))


@pytest.mark.parametrize("agency", AGENCIES)
def test_generated_selections_answer_as_the_loaders(agency: str, odd_world: Engine, store: PolicyStore) -> None:
    schema = store.grant(agency).schema._schema
    if "Cadre" not in schema.type_map:
        pytest.skip(f"{agency} reads no cadres")

    @hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(
        selection=cadre_selection(schema),
        first=st.integers(min_value=0, max_value=5),
        after=st.none() | st.integers(min_value=0, max_value=5).map(encode_cursor) | st.just("bad"),
        flag=st.booleans(),
        record_id=st.integers(min_value=0, max_value=5),
    )
    def check(selection: str, first: int, after: str | None, flag: bool, record_id: int) -> None:
        query = fitted(store, agency, (
            "query G($first: Int, $after: String, $flag: Boolean!, $id: Int!) {"
            f" page: cadres(first: $first, after: $after) {{ totalCount pageInfo {{ hasNextPage startCursor }}"
            f" edges {{ cursor node {selection} }} }} one: cadre(id: $id) {selection} }}"
        ))
        variables = {"first": first, "after": after, "flag": flag, "id": record_id}
        same_answers(store, odd_world, agency, query, usable_variables(query, variables))

    check()
