"""Date and DateTime keep the RFC 3339 formats their `@specifiedBy` names, in answers and in variables; Decimal
names its numeric-string syntax."""

from __future__ import annotations

import re
from typing import Any

import pytest

from policies.enforcement import PolicyStore
from schema.scalars import DECIMAL_STRING_URL
from tests.conftest import Caller

RFC_3339_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)")


@pytest.fixture
def org(as_agency: Any) -> Caller:
    return as_agency("org")


def test_dates_are_answered_as_full_dates(org: Caller, world: Any) -> None:
    cadre = org.data("{ cadre(id: 1) { birthDate } }")["cadre"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", cadre["birthDate"])


def test_date_times_are_answered_with_their_offset(org: Caller, as_agency: Any, world: Any) -> None:
    org.data("{ cadre(id: 1) { name } }")  # leaves an audit entry for the security officer to read
    entries = as_agency("security").data("{ accessAudit(first: 1) { edges { node { at } } } }")
    at = entries["accessAudit"]["edges"][0]["node"]["at"]
    assert RFC_3339_DATE_TIME.fullmatch(at), at


@pytest.mark.parametrize("value", ["20250101", "2025-W01-1", "2025-001"])
def test_dates_in_other_iso_8601_forms_are_refused(org: Caller, world: Any, value: str) -> None:
    body = org("mutation($d: Date) { updateNegativeRecord(id: 1, input: {occurredOn: $d}) { __typename } }", {"d": value})
    assert body.get("data") is None
    assert "$d" in body["errors"][0]["message"] and "YYYY-MM-DD" in body["errors"][0]["message"]


def test_a_full_date_is_accepted(org: Caller, world: Any) -> None:
    body = org.data('mutation { updateNegativeRecord(id: 1, input: {occurredOn: "2020-02-29"}) { __typename } }')
    assert body["updateNegativeRecord"]["__typename"] == "NegativeRecord"
    assert org.data("{ negativeRecord(id: 1) { occurredOn } }")["negativeRecord"]["occurredOn"] == "2020-02-29"


def test_decimal_names_its_string_syntax_in_the_sdl(policy_store: PolicyStore) -> None:
    sdl = str(policy_store.grant("org").schema)
    assert f'scalar Decimal @specifiedBy(url: "{DECIMAL_STRING_URL}")' in sdl


def test_decimals_are_answered_as_strings(org: Caller, world: Any) -> None:
    unit = org.data("{ units(first: 20) { edges { node { supplyContracts { amount } } } } }")["units"]
    amounts = [contract["amount"] for edge in unit["edges"] for contract in edge["node"]["supplyContracts"]]
    assert amounts and all(isinstance(amount, str) and re.fullmatch(r"-?\d+(\.\d+)?", amount) for amount in amounts)
