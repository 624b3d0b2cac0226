"""Masked ID numbers cannot be rebuilt from what the same agency may read.

For every agency the policy gives a masked ID number, read every scalar field it may read of every cadre
and person it may see, then enumerate the ID numbers consistent with all of it (the visible characters of
the mask, the birth date, the gender as the parity of digit 17, the GB 11643 check character). More than
one must remain for every row, and the real number must be one of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from graphql import GraphQLObjectType, get_named_type, is_leaf_type
from sqlalchemy import Engine, select

from hub import models
from hub.seed import seed_database
from hub.validation import id_check_char, mask_id_number
from policies.enforcement import PolicyStore

CADRES = 200
PAGE = 500
# Claims that give each scope rows of the seeded data: the city's cadres, unit 8's cadres, or all.
CLAIMS = {"jurisdiction": "huzhou", "level": "city", "unit_id": 8}
OLDEST, YOUNGEST = date(1900, 1, 1), date(2025, 12, 31)


def masked_id_agencies(store: PolicyStore) -> list[str]:
    """Agencies that the policy lets read some `Type.idNumber` masked only."""
    return [
        agency for agency in store.agencies
        if any(obj.endswith(".idNumber") and obj not in store.grant(agency).readable for obj in store.grant(agency).masked)
    ]


def leaf_fields(object_type: GraphQLObjectType) -> list[str]:
    return [name for name, field in object_type.fields.items() if not field.args and is_leaf_type(get_named_type(field.type))]


def birth_dates(known: str | None, shown: str) -> Iterator[date]:
    if known is not None:
        yield date.fromisoformat(known)
        return
    digits = shown[6:14]
    if "*" not in digits:
        yield date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
        return
    day = OLDEST
    while day <= YOUNGEST:
        yield day
        day += timedelta(days=1)


def candidates(shown: str, birth_date: str | None, gender: str | None, enough: int = 10_000) -> list[str]:
    """The 18-character ID numbers consistent with the masked text, birth date, gender and check character."""
    region = shown[:6]
    assert "*" not in region, "the test assumes the region stays visible; a hidden one leaves more candidates"
    found: list[str] = []
    for born in birth_dates(birth_date, shown):
        for sequence in range(1000):
            if gender is not None and sequence % 2 != (1 if gender == "MALE" else 0):
                continue
            first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
            number = first17 + id_check_char(first17)
            if all(seen in ("*", real) for seen, real in zip(shown, number)):
                found.append(number)
                if len(found) >= enough:
                    return found
    return found


def read_all(caller: Any, schema: Any, root: str, type_name: str) -> list[dict[str, Any]]:
    """Every row of `root` the caller may see, with every scalar field its schema has for `type_name`."""
    fields = " ".join(leaf_fields(schema.type_map[type_name]))
    rows: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        page = caller.data(
            f"query($after: String) {{ {root}(first: {PAGE}, after: $after) {{ "
            f"edges {{ node {{ {fields} }} }} pageInfo {{ hasNextPage endCursor }} }} }}",
            {"after": after},
        )[root]
        rows += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return rows
        after = page["pageInfo"]["endCursor"]


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    seed_database(engine, cadres=CADRES, seed=7, progress=False)
    return engine


def test_the_mask_keeps_region_and_check_character_only() -> None:
    assert mask_id_number("33050219891010046X") == "330502***********X"
    assert mask_id_number("too short") == "*********"


def test_the_policy_masks_id_numbers_for_several_agencies(policy_store: PolicyStore) -> None:
    agencies = masked_id_agencies(policy_store)
    assert len(agencies) >= 2 and "org" not in agencies


def test_no_masked_id_number_can_be_rebuilt(seeded: Engine, policy_store: PolicyStore, as_agency: Any) -> None:
    with seeded.connect() as connection:
        real = {
            "Cadre": dict(connection.execute(select(models.Cadre.id, models.Cadre.id_number)).all()),
            "Person": dict(connection.execute(select(models.Person.id, models.Person.id_number)).all()),
        }
    for agency in masked_id_agencies(policy_store):
        grant = policy_store.grant(agency)
        schema = grant.schema._schema
        query_type = schema.query_type
        assert query_type is not None
        caller = as_agency(agency, **CLAIMS)
        caller.purpose = "线索核查 masking check"
        checked = 0
        for root, type_name in (("cadres", "Cadre"), ("persons", "Person")):
            if root not in query_type.fields or f"{type_name}.idNumber" not in grant.masked:
                continue
            assert f"{type_name}.idNumber" not in grant.readable
            assert "idNumber" in schema.type_map[type_name].fields
            for row in read_all(caller, schema, root, type_name):
                shown = row["idNumber"]
                if shown is None:
                    continue
                truth = real[type_name][int(row["id"])]
                found = candidates(shown, row.get("birthDate"), row.get("gender"))
                assert truth in found, (agency, type_name, row)
                assert len(found) > 1, f"{agency} rebuilds {type_name} {row['id']}: {found}"
                checked += 1
        assert checked > 0, f"{agency} read no masked ID number: the check proved nothing"
