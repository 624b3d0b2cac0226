"""Unique values (ID numbers) refuse duplicates without revealing rows outside the caller's scope.

Two principals of the Organization Department with different scopes over the test world: the city
(cadres 1, 2 and 4, persons 1 and 2 through them) and the Wuxing county (cadre 3, person 4).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub import audit, models
from hub.services.record_writes import OUTSIDE_SCOPE, WRITE_REFUSED
from tests.world import C1_ID, C2_ID, C3_ID, R1_ID, id_number

UNUSED_ID = id_number("330502", date(1982, 1, 15), 91)  # born like cadre 3, held by nobody
RESULT = "{ __typename ... on ValidationErrors { errors { field message } } ... on NotFound { message } }"


@pytest.fixture
def city(world: Any, as_agency: Any) -> Any:
    return as_agency("org", level="city", jurisdiction="huzhou")


@pytest.fixture
def county(world: Any, as_agency: Any) -> Any:
    return as_agency("org", level="county", jurisdiction="wuxing")


def update_cadre(caller: Any, cadre_id: int, fields: str) -> dict[str, Any]:
    return caller.data(f"mutation {{ updateCadre(id: {cadre_id}, input: {{{fields}}}) {RESULT} }}")["updateCadre"]


def stored_id_number(engine: Any, model: type[models.Cadre] | type[models.Person], row_id: int) -> str | None:
    with Session(engine) as session:
        return session.scalar(select(model.id_number).where(model.id == row_id))


def test_the_scopes_differ(city: Any, county: Any) -> None:
    assert [e["node"]["id"] for e in city.data("{ cadres { edges { node { id } } } }")["cadres"]["edges"]] == [1, 2, 4]
    assert [e["node"]["id"] for e in county.data("{ cadres { edges { node { id } } } }")["cadres"]["edges"]] == [3]


def test_a_number_held_by_an_unseen_cadre_answers_like_an_unused_one(county: Any) -> None:
    # The name breaks a rule, so nothing is written either way: the answers must be the same.
    taken = update_cadre(county, 3, f'name: "  ", idNumber: "{C1_ID}"')
    unused = update_cadre(county, 3, f'name: "  ", idNumber: "{UNUSED_ID}"')
    assert taken == unused == {"__typename": "ValidationErrors", "errors": [{"field": "name", "message": "is required"}]}


def test_a_write_refused_by_an_unseen_duplicate_does_not_say_why(county: Any, world: Any) -> None:
    refused = update_cadre(county, 3, f'idNumber: "{C1_ID}"')
    assert refused == {"__typename": "ValidationErrors", "errors": [{"field": "input", "message": WRITE_REFUSED}]}
    assert stored_id_number(world, models.Cadre, 3) == C3_ID
    assert update_cadre(county, 3, f'idNumber: "{UNUSED_ID}"')["__typename"] == "Cadre"


def test_a_duplicate_the_caller_can_see_is_named(city: Any, world: Any) -> None:
    refused = update_cadre(city, 2, f'idNumber: "{C1_ID}"')
    assert refused["errors"] == [{"field": "idNumber", "message": "is already registered"}]
    assert stored_id_number(world, models.Cadre, 2) == C2_ID


@pytest.mark.parametrize("new_id", [C2_ID, C3_ID, UNUSED_ID])
def test_an_unseen_cadre_is_not_found_before_any_uniqueness_check(county: Any, world: Any, new_id: str) -> None:
    answer = update_cadre(county, 1, f'idNumber: "{new_id}"')
    missing = update_cadre(county, 999, f'idNumber: "{new_id}"')
    assert answer == {"__typename": "NotFound", "message": "no Cadre with id 1 is visible to you"}
    assert missing == {"__typename": "NotFound", "message": "no Cadre with id 999 is visible to you"}
    assert stored_id_number(world, models.Cadre, 1) == C1_ID


def test_creating_a_cadre_with_an_unseen_cadres_number_does_not_say_why(county: Any, world: Any) -> None:
    create = (
        'mutation {{ createCadre(input: {{name: "孙悦", gender: FEMALE, birthDate: "1970-05-01", idNumber: "{id}", '
        'workStartDate: "1991-08-01", education: MASTER, rank: SECTION, managementLevel: COUNTY, unitId: 2, '
        'jurisdiction: "wuxing"}}) {{ __typename ... on ValidationErrors {{ errors {{ field message }} }} }} }}'
    )
    refused = county.data(create.format(id=C1_ID))["createCadre"]
    assert refused == {"__typename": "ValidationErrors", "errors": [{"field": "input", "message": WRITE_REFUSED}]}
    with Session(world) as session:
        assert session.scalar(select(models.Cadre.id).where(models.Cadre.name == "孙悦")) is None


def test_a_relatives_number_follows_the_same_rule(city: Any, county: Any, world: Any) -> None:
    mutation = f'mutation {{ updatePerson(id: 4, input: {{idNumber: "{R1_ID}"}}) {RESULT} }}'
    refused = county.data(mutation)["updatePerson"]
    assert refused == {"__typename": "ValidationErrors", "errors": [{"field": "input", "message": WRITE_REFUSED}]}
    named = city.data(f'mutation {{ updatePerson(id: 2, input: {{idNumber: "{R1_ID}"}}) {RESULT} }}')["updatePerson"]
    assert named["errors"] == [{"field": "idNumber", "message": "is already registered"}]
    assert stored_id_number(world, models.Person, 4) is None


def verify_chain(engine: Any) -> list[audit.ChainProblem]:
    with Session(engine) as session:
        return audit.verify(session)


def refusals(engine: Any) -> list[tuple[str, list[int], list[str]]]:
    """The `write_refused` audit entries: (operation name, cadres aimed at, fields tried)."""
    with Session(engine) as session:
        entries = session.scalars(
            select(models.AuditEntry).where(models.AuditEntry.operation == "write_refused").order_by(models.AuditEntry.id)
        )
        return [(entry.operation_name, list(entry.cadre_ids), list(entry.fields)) for entry in entries]


def test_moving_a_cadre_out_of_scope_is_refused_alike_whoever_holds_the_number(county: Any, world: Any) -> None:
    # Out of the county's scope either way: whether a hidden cadre holds the number must not change the answer.
    taken = update_cadre(county, 3, f'idNumber: "{C1_ID}", jurisdiction: "huzhou"')
    unused = update_cadre(county, 3, f'idNumber: "{UNUSED_ID}", jurisdiction: "huzhou"')
    assert taken == unused == {"__typename": "ValidationErrors", "errors": [{"field": "input", "message": OUTSIDE_SCOPE}]}
    assert stored_id_number(world, models.Cadre, 3) == C3_ID
    tried = ["Cadre.idNumber", "Cadre.jurisdiction"]
    assert refusals(world) == [("updateCadre", [3], tried), ("updateCadre", [3], tried)]
    assert verify_chain(world) == []


def test_creating_a_person_out_of_scope_is_refused_alike_whoever_holds_the_number(county: Any, world: Any) -> None:
    create = ('mutation {{ createPerson(input: {{name: "钱敏", gender: FEMALE, idNumber: "{id}", jurisdiction: "huzhou"}}) '
              '{{ __typename ... on ValidationErrors {{ errors {{ field message }} }} }} }}')
    taken = county.data(create.format(id=R1_ID))["createPerson"]
    unused = county.data(create.format(id=UNUSED_ID))["createPerson"]
    assert taken == unused == {"__typename": "ValidationErrors", "errors": [{"field": "input", "message": OUTSIDE_SCOPE}]}
    with Session(world) as session:
        assert session.scalar(select(models.Person.id).where(models.Person.name == "钱敏")) is None
    tried = ["Person.gender", "Person.idNumber", "Person.jurisdiction", "Person.name"]
    assert refusals(world) == [("createPerson", [], tried), ("createPerson", [], tried)]


def test_a_refused_write_is_audited_with_its_target(county: Any, world: Any) -> None:
    update_cadre(county, 3, f'idNumber: "{C1_ID}"')  # an unseen duplicate
    update_cadre(county, 1, 'name: "王建"')  # a cadre the county cannot see
    assert refusals(world) == [("updateCadre", [3], ["Cadre.idNumber"]), ("updateCadre", [1], ["Cadre.name"])]
    assert update_cadre(county, 3, 'name: "张伟伟"')["__typename"] == "Cadre"
    assert len(refusals(world)) == 2
