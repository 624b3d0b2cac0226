"""Authorization overhead: a 500-cadre nested page as a restricted agency vs. an all-access principal.

Both run the same query text through the same in-process GraphQL execution and return the same
cadres (the filter selects exactly the rows in the agency's scope); the restricted run adds the
agency's cut schema, its row-scope predicates in SQL and its masked fields.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from bench.harness import Timing, measure, seeded_database
from hub.db import make_session_factory
from policies.enforcement import PolicyStore, all_access_view
from schema.access import Principal
from schema.build import build_full_schema
from schema.context import new_context

PAGE = """{ cadres(first: 500, filter: {managementLevel: CITY, jurisdiction: "huzhou"}) {
  edges { node { id name idNumber rank managementLevel birthDate workStartDate
  unit { name } posts { title rank unit { name } } tenures { startDate endDate post { title } } } } } }"""


@dataclass(frozen=True)
class AuthzResult:
    agency: str
    restricted: Timing
    all_access: Timing
    rows: int

    @property
    def ratio(self) -> float:
        return self.restricted.median_ms / self.all_access.median_ms


def run(directory: Path, cadres: int = 5000, agency: str = "police", repeats: int = 15) -> AuthzResult:
    _settings, engine = seeded_database(directory, cadres)
    sessions = make_session_factory(engine)
    store = PolicyStore(build_full_schema())
    principal = Principal(user="bench", agency=agency, jurisdiction="huzhou", level="city")
    access, agency_schema = store.view(principal)
    everything = all_access_view(store.catalog)
    full_schema = store.full_schema

    def execute(schema: object, view: object) -> list[int]:
        with sessions() as session:
            result = asyncio.run(schema.execute(PAGE, context_value=new_context(session, view)))  # type: ignore[attr-defined]
            assert result.errors is None, result.errors
            return [edge["node"]["id"] for edge in result.data["cadres"]["edges"]]

    ids = execute(agency_schema, access)
    assert ids == execute(full_schema, everything), "both principals must page through the same cadres"
    rows = len(ids)
    assert rows == 500, f"the {agency} page has only {rows} cadres; seed more"
    restricted = measure(lambda: execute(agency_schema, access), repeats=repeats)
    all_access = measure(lambda: execute(full_schema, everything), repeats=repeats)
    return AuthzResult(agency=agency, restricted=restricted, all_access=all_access, rows=rows)
