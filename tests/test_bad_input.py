"""Bad data: every text field of every record kind takes hostile strings and stores them verbatim (NFC), never
interpreted by SQL or Cypher; wrong types, invalid ids and dates, overlong strings and control characters get a
clear error naming the field, and a failed mutation writes nothing. Malformed and batched bodies get a 400."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from hub.services.specs import RECORD_SPECS, InputField, RecordSpec
from policies.enforcement import PolicyStore
from tests.conftest import Caller

HOSTILE = [
    "'; DROP TABLE cadre; --",
    '" OR 1=1 --',
    "}) DETACH DELETE n //",
    "') MATCH (n) DETACH DELETE n;//",
    "<script>alert(1)</script>",
    "ＡＢＣ１２３",  # full-width: kept, not folded to ASCII
    "王Ivanov Ωμέγα ١٢٣",  # mixed scripts
    "Zoe\u0301 Mu\u0308ller",  # NFD: stored as NFC
    "%_\\ $1 ${x} {{x}}",
    "\u200b零宽\u202e反向",  # zero-width and bidi marks are not control characters
]
# Fields whose value is checked against a format or moves the row out of the caller's scope.
FORMATTED = {"idNumber", "jurisdiction"}

TEXT_FIELDS = [
    (spec, field) for spec in RECORD_SPECS for field in spec.fields
    if field.python_type is str and field.graphql_name not in FORMATTED
]


def field_id(item: tuple[RecordSpec, InputField]) -> str:
    return f"{item[0].type_name}.{item[1].graphql_name}"


@pytest.fixture
def org(world: Any, as_agency: Any) -> Caller:
    return as_agency("org")


def update(spec: RecordSpec, field: InputField) -> str:
    return (
        f"mutation($id: Int!, $v: String) {{ update{spec.type_name}(id: $id, input: {{{field.graphql_name}: $v}}) "
        f"{{ __typename ... on {spec.type_name} {{ {field.policy_name} }} "
        "... on ValidationErrors { errors { field message } } } }"
    )


def stored(engine: Any, spec: RecordSpec, attr: str, row_id: int = 1) -> Any:
    with Session(engine) as session:
        return getattr(session.get(spec.model, row_id), attr)


def snapshot(engine: Any, spec: RecordSpec, row_id: int = 1) -> dict[str, Any]:
    with Session(engine) as session:
        row = session.get(spec.model, row_id)
        return {c.key: getattr(row, c.key) for c in spec.model.__table__.columns}  # type: ignore[attr-defined]


def table_counts(engine: Any) -> dict[str, int]:
    with Session(engine) as session:
        return {spec.type_name: int(session.scalar(select(func.count()).select_from(spec.model)) or 0)
                for spec in RECORD_SPECS}


@pytest.mark.parametrize(("spec", "field"), TEXT_FIELDS, ids=[field_id(item) for item in TEXT_FIELDS])
def test_hostile_text_is_stored_and_returned_verbatim(
    org: Caller, world: Any, spec: RecordSpec, field: InputField, policy_store: PolicyStore
) -> None:
    counts = table_counts(world)
    root = spec.type_name[0].lower() + spec.type_name[1:]
    query_fields = policy_store.grant("org").schema._schema.query_type.fields  # type: ignore[union-attr]
    for value in HOSTILE:
        if field.max_length is not None and len(value) > field.max_length:
            value = value[: field.max_length]
        expected = unicodedata.normalize("NFC", value)
        before = snapshot(world, spec)
        result = org.data(update(spec, field), {"id": 1, "v": value})[f"update{spec.type_name}"]
        if result["__typename"] == "ValidationErrors" and "workflow" in result["errors"][0]["message"]:
            assert snapshot(world, spec) == before  # a field only workflow operations change: refused, untouched
            continue
        assert result == {"__typename": spec.type_name, field.policy_name: expected}, (value, result)
        assert stored(world, spec, field.attr) == expected
        if root in query_fields:
            again = org.data(f"{{ {root}(id: 1) {{ {field.policy_name} }} }}")
            assert again == {root: {field.policy_name: expected}}
    assert table_counts(world) == counts  # no statement was interpreted: nothing dropped, nothing deleted


@pytest.mark.parametrize(("spec", "field"), TEXT_FIELDS, ids=[field_id(item) for item in TEXT_FIELDS])
def test_overlong_and_control_characters_name_the_field_and_write_nothing(
    org: Caller, world: Any, spec: RecordSpec, field: InputField
) -> None:
    before = snapshot(world, spec)
    bad = ["\x00nul", "bell\x07", "esc\x1b[31m"]
    if not field.multiline:
        bad.append("two\nlines")
    if field.max_length is not None:
        bad.append("长" * (field.max_length + 1))
    for value in bad:
        result = org.data(update(spec, field), {"id": 1, "v": value})[f"update{spec.type_name}"]
        assert result["__typename"] == "ValidationErrors", (value, result)
        assert [error["field"] for error in result["errors"]] == [field.graphql_name]
        message = result["errors"][0]["message"]
        assert "control character" in message or f"longer than {field.max_length}" in message or "workflow" in message
        assert snapshot(world, spec) == before


@pytest.mark.parametrize("value", ["'; DROP TABLE cadre; --", "33050219700501001X' OR '1'='1", "ＡＢＣ"])
def test_id_numbers_refuse_anything_but_an_id_number(org: Caller, world: Any, value: str) -> None:
    before = snapshot(world, RECORD_SPECS[2])
    for type_name in ("Cadre", "Person"):
        spec = next(s for s in RECORD_SPECS if s.type_name == type_name)
        before = snapshot(world, spec)
        field = spec.field_by_attr("id_number")
        result = org.data(update(spec, field), {"id": 1, "v": value})[f"update{type_name}"]
        assert result["__typename"] == "ValidationErrors"
        assert result["errors"][0]["field"] == "idNumber"
        assert snapshot(world, spec) == before


@pytest.mark.parametrize(
    ("variables", "fragment"),
    [
        ({"id": "1", "v": "x"}, "$id"),
        ({"id": 1.5, "v": "x"}, "$id"),
        ({"id": 2**40, "v": "x"}, "$id"),
        ({"id": None, "v": "x"}, "$id"),
        ({"id": 1, "v": 123}, "$v"),
        ({"id": 1, "v": ["x"]}, "$v"),
        ({"id": 1, "v": {"a": 1}}, "$v"),
    ],
)
def test_wrong_variable_types_are_refused_before_execution(org: Caller, world: Any, variables: dict[str, Any], fragment: str) -> None:
    spec = next(s for s in RECORD_SPECS if s.type_name == "Cadre")
    before = snapshot(world, spec)
    body = org(update(spec, spec.field_by_attr("name")), variables)
    assert body.get("data") is None
    assert fragment in body["errors"][0]["message"]
    assert snapshot(world, spec) == before


@pytest.mark.parametrize("value", ["2025-13-01", "2025-02-30", "yesterday", "2025/01/01", "", "2025-1-1x", "'; DROP TABLE--"])
def test_invalid_dates_are_refused_and_write_nothing(org: Caller, world: Any, value: str) -> None:
    before = snapshot(world, next(s for s in RECORD_SPECS if s.type_name == "NegativeRecord"))
    body = org("mutation($d: Date) { updateNegativeRecord(id: 1, input: {occurredOn: $d}) { __typename } }", {"d": value})
    assert body.get("data") is None
    assert "$d" in body["errors"][0]["message"]
    assert snapshot(world, next(s for s in RECORD_SPECS if s.type_name == "NegativeRecord")) == before


@pytest.mark.parametrize("row_id", [0, -1, 999_999, 2**31 - 1])
def test_invalid_ids_are_not_found(org: Caller, world: Any, row_id: int) -> None:
    assert org.data(f"{{ cadre(id: {row_id}) {{ name }} }}") == {"cadre": None}
    result = org.data(f'mutation {{ updateCadre(id: {row_id}, input: {{name: "x"}}) {{ __typename }} }}')
    assert result == {"updateCadre": {"__typename": "NotFound"}}


def test_a_reference_to_a_missing_row_names_the_field_and_writes_nothing(org: Caller, world: Any) -> None:
    counts = table_counts(world)
    result = org.data(
        'mutation { createNegativeRecord(input: {cadreId: 999999, reportingAgency: ORG, category: PUBLIC_ORDER, '
        'facts: "x", occurredOn: "2025-01-01", reportedOn: "2025-02-01", severity: MINOR, status: REPORTED}) '
        "{ __typename ... on ValidationErrors { errors { field message } } } }"
    )["createNegativeRecord"]
    assert result["__typename"] == "ValidationErrors"
    assert result["errors"][0]["field"] == "cadreId"
    assert table_counts(world) == counts


@pytest.mark.parametrize(
    "body",
    [
        b'[{"query": "{ __typename }"}, {"query": "{ __typename }"}]',  # a batch
        b'[]', b'"{ __typename }"', b"42", b"null", b"true",
        b'{"query": 123}', b'{"query": "{ __typename }", "variables": [1]}',
        b'{"query": "{ __typename }", "operationName": 5}', b'{"query": "{ __typename }", "extensions": "x"}',
        b"{not json", b"\xff\xfe\x00", b'{"query": "{ __typename }"',
    ],
)
def test_malformed_and_batched_bodies_get_a_clear_400(client: TestClient, org: Caller, body: bytes) -> None:
    response = client.post(
        "/graphql", content=body, headers={"Authorization": f"Bearer {org.token}", "Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert response.text.strip()


def test_batching_is_refused_even_for_allowed_operations(client: TestClient, org: Caller, world: Any) -> None:
    before = stored(world, RECORD_SPECS[0], "name")
    batch = [{"query": 'mutation { updateUnit(id: 1, input: {name: "批量"}) { __typename } }'}] * 2
    response = client.post("/graphql", content=json.dumps(batch),
                           headers={"Authorization": f"Bearer {org.token}", "Content-Type": "application/json"})
    assert response.status_code == 400 and "Batching is not enabled" in response.text
    assert stored(world, RECORD_SPECS[0], "name") == before
